/* sort.c — sorts the same pseudo-random integers with the C library's qsort
 * and with a hand-written top-down merge sort; prints a checksum of both. */
#include "bench.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT 1000000

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* Sorts v[lo, hi) using tmp as scratch of the same size. */
static void merge_sort(uint32_t *v, uint32_t *tmp, size_t lo, size_t hi) {
  if (hi - lo < 2) return;
  size_t mid = lo + (hi - lo) / 2, i = lo, j = mid, k = lo;
  merge_sort(v, tmp, lo, mid);
  merge_sort(v, tmp, mid, hi);
  while (i < mid && j < hi) tmp[k++] = v[j] < v[i] ? v[j++] : v[i++];
  while (i < mid) tmp[k++] = v[i++];
  while (j < hi) tmp[k++] = v[j++];
  memcpy(v + lo, tmp + lo, (hi - lo) * sizeof *v);
}

static uint64_t checksum(const uint32_t *v) {
  uint64_t h = 0;
  for (size_t i = 0; i < COUNT; i += 97) h = bench_mix(h, v[i]);
  for (size_t i = 1; i < COUNT; i++)
    if (v[i - 1] > v[i]) return 0; /* not sorted */
  return h;
}

int main(void) {
  uint32_t *orig = malloc(COUNT * sizeof *orig), *a = malloc(COUNT * sizeof *a);
  uint32_t *tmp = malloc(COUNT * sizeof *tmp);
  if (!orig || !a || !tmp) return 1;
  uint64_t seed = BENCH_SEED;
  for (size_t i = 0; i < COUNT; i++) orig[i] = (uint32_t)bench_rand(&seed);

  memcpy(a, orig, COUNT * sizeof *a);
  qsort(a, COUNT, sizeof *a, cmp_u32);
  uint64_t h1 = checksum(a);

  memcpy(a, orig, COUNT * sizeof *a);
  merge_sort(a, tmp, 0, COUNT);
  uint64_t h2 = checksum(a);

  printf("sort %016llx %016llx\n", (unsigned long long)h1, (unsigned long long)h2);
  free(orig), free(a), free(tmp);
  return 0;
}
