/* spectral.c — the spectral norm of the infinite matrix
 * A(i,j) = 1/((i+j)(i+j+1)/2 + i + 1) by power iteration (double precision). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define N 2000

static double a(int i, int j) { return 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1); }

static void mul_av(const double *v, double *out) {
  for (int i = 0; i < N; i++) {
    double s = 0;
    for (int j = 0; j < N; j++) s += a(i, j) * v[j];
    out[i] = s;
  }
}

static void mul_atv(const double *v, double *out) {
  for (int i = 0; i < N; i++) {
    double s = 0;
    for (int j = 0; j < N; j++) s += a(j, i) * v[j];
    out[i] = s;
  }
}

static void mul_atav(const double *v, double *out, double *tmp) {
  mul_av(v, tmp);
  mul_atv(tmp, out);
}

int main(void) {
  double *u = malloc(N * sizeof *u), *v = malloc(N * sizeof *v), *t = malloc(N * sizeof *t);
  if (!u || !v || !t) return 1;
  for (int i = 0; i < N; i++) u[i] = 1.0;
  for (int k = 0; k < 10; k++) {
    mul_atav(u, v, t);
    mul_atav(v, u, t);
  }
  double vbv = 0, vv = 0;
  for (int i = 0; i < N; i++) vbv += u[i] * v[i], vv += v[i] * v[i];
  printf("spectral %.9f\n", sqrt(vbv / vv));
  free(u), free(v), free(t);
  return 0;
}
