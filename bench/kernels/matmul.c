/* matmul.c — dense double-precision matrix multiply (i-k-j order), repeated;
 * prints a checksum of the result. */
#include "bench.h"
#include <stdio.h>
#include <stdlib.h>

#define N 320
#define ROUNDS 32

static void multiply(const double *a, const double *b, double *c) {
  for (int i = 0; i < N * N; i++) c[i] = 0.0;
  for (int i = 0; i < N; i++)
    for (int k = 0; k < N; k++) {
      double aik = a[i * N + k];
      for (int j = 0; j < N; j++) c[i * N + j] += aik * b[k * N + j];
    }
}

int main(void) {
  double *a = malloc(sizeof(double) * N * N), *b = malloc(sizeof(double) * N * N);
  double *c = malloc(sizeof(double) * N * N);
  if (!a || !b || !c) return 1;
  uint64_t seed = BENCH_SEED;
  for (int i = 0; i < N * N; i++) {
    a[i] = (double)(bench_rand(&seed) % 1000) / 100.0 - 5.0;
    b[i] = (double)(bench_rand(&seed) % 1000) / 100.0 - 5.0;
  }
  double sum = 0.0;
  for (int r = 0; r < ROUNDS; r++) {
    multiply(a, b, c);
    a[r] += 1.0; /* keep rounds distinct */
    for (int i = 0; i < N * N; i += 7) sum += c[i];
  }
  printf("matmul %.6f\n", sum);
  free(a), free(b), free(c);
  return 0;
}
