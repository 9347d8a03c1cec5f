/* sieve.c — the sieve of Eratosthenes over a byte array, run a few times;
 * prints the prime count and a checksum of the last primes. */
#include "bench.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT 10000000u
#define ROUNDS 10

static uint32_t sieve(uint8_t *composite, uint32_t limit) {
  memset(composite, 0, limit + 1);
  uint32_t count = 0;
  for (uint32_t i = 2; i <= limit; i++) {
    if (composite[i]) continue;
    count++;
    for (uint64_t j = (uint64_t)i * i; j <= limit; j += i) composite[j] = 1;
  }
  return count;
}

int main(void) {
  uint8_t *composite = malloc(LIMIT + 1);
  if (!composite) return 1;
  uint32_t count = 0;
  for (int r = 0; r < ROUNDS; r++) count = sieve(composite, LIMIT - (uint32_t)r);
  uint64_t h = 0;
  for (uint32_t i = LIMIT - ROUNDS + 1, seen = 0; i > 1 && seen < 100; i--)
    if (!composite[i]) h = bench_mix(h, i), seen++;
  printf("sieve %u %016llx\n", count, (unsigned long long)h);
  free(composite);
  return 0;
}
