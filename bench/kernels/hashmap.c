/* hashmap.c — an open-addressing (linear probing) hash map from 64-bit keys
 * to 64-bit values: inserts, updates, lookups and deletions with
 * backward-shift; prints a checksum of what the lookups found. */
#include "bench.h"
#include <stdio.h>
#include <stdlib.h>

#define CAPACITY (1u << 21) /* power of two, kept under half full */
#define KEYS 700000u
#define LOOKUPS 3000000u

typedef struct slot { uint64_t key, value; } slot; /* key 0 = empty */

static uint32_t hash(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  return (uint32_t)k & (CAPACITY - 1);
}

static void put(slot *t, uint64_t k, uint64_t v) {
  uint32_t i = hash(k);
  while (t[i].key && t[i].key != k) i = (i + 1) & (CAPACITY - 1);
  t[i].key = k;
  t[i].value = v;
}

static slot *find(slot *t, uint64_t k) {
  for (uint32_t i = hash(k); t[i].key; i = (i + 1) & (CAPACITY - 1))
    if (t[i].key == k) return &t[i];
  return NULL;
}

/* Deletes by shifting later members of the probe run back into the hole. */
static void del(slot *t, uint64_t k) {
  slot *s = find(t, k);
  if (!s) return;
  uint32_t hole = (uint32_t)(s - t), i = hole;
  for (;;) {
    i = (i + 1) & (CAPACITY - 1);
    if (!t[i].key) break;
    uint32_t home = hash(t[i].key);
    /* move t[i] into the hole unless its home lies cyclically in (hole, i] */
    if (((i - home) & (CAPACITY - 1)) >= ((i - hole) & (CAPACITY - 1))) {
      t[hole] = t[i];
      hole = i;
    }
  }
  t[hole].key = 0;
  t[hole].value = 0;
}

int main(void) {
  slot *t = calloc(CAPACITY, sizeof *t);
  if (!t) return 1;
  uint64_t seed = BENCH_SEED, h = 0;
  for (uint32_t i = 0; i < KEYS; i++) put(t, (uint64_t)i * 2654435761u + 1, i);
  for (uint32_t i = 0; i < KEYS; i += 3) put(t, (uint64_t)i * 2654435761u + 1, i * 7ull);
  for (uint32_t i = 0; i < KEYS; i += 5) del(t, (uint64_t)i * 2654435761u + 1);
  for (uint32_t i = 0; i < LOOKUPS; i++) {
    uint64_t k = (bench_rand(&seed) % (KEYS + KEYS / 4)) * 2654435761u + 1;
    slot *s = find(t, k);
    h = bench_mix(h, s ? s->value : 0xdead);
  }
  printf("hashmap %016llx\n", (unsigned long long)h);
  free(t);
  return 0;
}
