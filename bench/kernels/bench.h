/* bench.h — what every benchmark kernel shares: a deterministic
 * pseudo-random generator and a checksum mixer, so native and wasm runs
 * can be compared by their printed output. */
#ifndef LOAM_BENCH_H
#define LOAM_BENCH_H

#include <stdint.h>

/* xorshift64*: fast, deterministic, good enough for test data. */
static inline uint64_t bench_rand(uint64_t *state) {
  uint64_t x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 0x2545F4914F6CDD1Dull;
}

/* Folds a value into a running checksum (FNV-1a style, 64-bit steps). */
static inline uint64_t bench_mix(uint64_t h, uint64_t v) {
  h ^= v;
  return h * 0x100000001b3ull;
}

#define BENCH_SEED 0x9E3779B97F4A7C15ull

#endif
