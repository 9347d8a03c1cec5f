/*
 * clocks.c — the executor's test guest for non-deterministic host calls (a
 * wasm32-wasi reactor): reads the wall clock, random bytes and the
 * environment, and writes to stdout, folding every value it sees into a
 * digest kept in memory. After a restart the digest matches only if replay
 * answered every host call with the recorded value. WIT embedded in the
 * custom section "loam:wit".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <wasi/api.h>

#define EXPORT(name) __attribute__((export_name(name)))

__asm__(".section \".custom_section.loam:wit\",\"\",@\n"
        ".ascii \"package loam:clocks;\\n\"\n"
        ".ascii \"interface api {\\n\"\n"
        ".ascii \"  now: func() -> u64;\\n\"\n"
        ".ascii \"  random: func() -> u64;\\n\"\n"
        ".ascii \"  say: func(n: u32) -> u32;\\n\"\n"
        ".ascii \"  env: func() -> u64;\\n\"\n"
        ".ascii \"  digest: func() -> u64;\\n\"\n"
        ".ascii \"  quit: func(code: u32);\\n\"\n"
        ".ascii \"}\\n\"\n"
        ".ascii \"world clocks { export api; }\\n\"\n"
        ".text\n");

static uint64_t digest = 1469598103934665603ull;
static uint32_t said;

static uint64_t fold(uint64_t v) {
  digest = (digest ^ v) * 1099511628211ull;
  return v;
}

/* The wall clock in nanoseconds (clock_time_get). */
EXPORT("loam:clocks/api#now") uint64_t now(void) {
  __wasi_timestamp_t t = 0;
  if (__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &t) != 0) return 0;
  return fold(t);
}

/* Eight random bytes (random_get). */
EXPORT("loam:clocks/api#random") uint64_t random_u64(void) {
  uint64_t r = 0;
  if (__wasi_random_get((uint8_t *)&r, sizeof r) != 0) return 0;
  return fold(r);
}

/* Prints a line to stdout and flushes it; returns how many lines so far. */
EXPORT("loam:clocks/api#say") uint32_t say(uint32_t n) {
  printf("hello %u\n", (unsigned)n);
  fflush(stdout);
  fold(n);
  return ++said;
}

/* LOAM_TEST_VALUE from the environment as a number (environ_get). */
EXPORT("loam:clocks/api#env") uint64_t env(void) {
  const char *v = getenv("LOAM_TEST_VALUE");
  return fold(v ? strtoull(v, NULL, 10) : 0);
}

EXPORT("loam:clocks/api#digest") uint64_t get_digest(void) { return digest; }

/* Ends the guest with proc_exit(code). */
EXPORT("loam:clocks/api#quit") void quit(uint32_t code) { exit((int)code); }
