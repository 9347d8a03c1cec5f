/* strings.c — string work through libc: formats records with snprintf,
 * duplicates them with strdup, sorts the copies with strcmp and searches
 * them with strstr; prints a checksum of the results. */
#include "bench.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NREC 20000
#define ROUNDS 24

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void) {
  static char *recs[NREC];
  char buf[128];
  uint64_t seed = BENCH_SEED, h = 0;
  for (int r = 0; r < ROUNDS; r++) {
    for (int i = 0; i < NREC; i++) {
      uint64_t v = bench_rand(&seed);
      snprintf(buf, sizeof buf, "user-%05u:%s:%08llx:%d.%02d",
               (unsigned)(v % 100000), (v >> 20) & 1 ? "active" : "idle",
               (unsigned long long)(v >> 32), (int)(v % 997), (int)(v % 100));
      recs[i] = strdup(buf);
      if (!recs[i]) return 1;
    }
    qsort(recs, NREC, sizeof recs[0], cmp);
    size_t total = 0;
    for (int i = 0; i < NREC; i++) {
      total += strlen(recs[i]);
      if (strstr(recs[i], ":active:")) h = bench_mix(h, (uint64_t)i);
      if (i && strcmp(recs[i - 1], recs[i]) == 0) h = bench_mix(h, 7);
    }
    h = bench_mix(h, total);
    h = bench_mix(h, (uint64_t)(unsigned char)recs[NREC / 2][7]);
    for (int i = 0; i < NREC; i++) free(recs[i]);
  }
  printf("strings %016llx\n", (unsigned long long)h);
  return 0;
}
