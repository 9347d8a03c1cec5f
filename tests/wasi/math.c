/* math.c — WASI guest: integer and floating-point arithmetic as the C
 * compiler emits it (64-bit ops, division and remainder, shifts, rotates,
 * conversions, libm), printed with few enough digits to match natively. */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>

static uint32_t rotl32(uint32_t x, unsigned r) { return (x << (r & 31)) | (x >> ((32 - r) & 31)); }

int main(void) {
  volatile int64_t a = -9876543210LL, b = 12345;
  volatile uint64_t u = 0xF0E1D2C3B4A59687ULL;
  printf("i64: %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 "\n", a * b, a / b, a % b, a >> 7);
  printf("u64: %" PRIu64 " %" PRIu64 " %" PRIx64 " %" PRIx64 "\n", u / 7, u % 1000003, u << 13, u >> 29);
  volatile int32_t c = -2147483647 - 1, d = -1;
  printf("i32: %d %d %u\n", c + d, (int32_t)((uint32_t)c * 3u), (uint32_t)c / 3u);
  uint32_t h = 2166136261u;
  for (int i = 0; i < 1000; i++) h = rotl32(h ^ (uint32_t)i, 5) * 16777619u;
  printf("hash: %08x clz %d ctz %d pop %d\n", h, __builtin_clz(h | 1), __builtin_ctz(h | 0x80000000u),
         __builtin_popcount(h));
  volatile double x = 2.5, y = -0.75;
  printf("f64: %.6f %.6f %.6f %.6f\n", x + y, x * y, x / y, fmod(x, 0.7));
  printf("libm: %.9f %.9f %.9f %.9f %.9f\n", sqrt(x), sin(x), cos(y), exp(y), log(x));
  printf("libm2: %.9f %.9f %.9f %.6f\n", pow(x, 3.5), atan2(y, x), tanh(y), cbrt(-27.0));
  printf("round: %.1f %.1f %.1f %.1f %.1f\n", floor(-2.5), ceil(-2.5), round(-2.5), trunc(-2.7), rint(2.5));
  volatile float f = 1.1f, g = 3.0f;
  printf("f32: %.6f %.6f %.6f\n", (double)(f * g), (double)(f / g), (double)sqrtf(g));
  printf("conv: %d %u %lld %d %.1f %.1f\n", (int)-3.99, (unsigned)3.99, (long long)1e15, (int)f,
         (double)(float)16777217, (double)(int64_t)-1);
  printf("special: %f %f %d %d\n", INFINITY, -INFINITY, isnan(NAN), isinf(1.0 / 0.0 > 0 ? INFINITY : 0));
  printf("minmax: %.1f %.1f %.1f\n", fmin(x, y), fmax(x, y), copysign(3.0, y));
  double acc = 0;
  for (int i = 1; i <= 100000; i++) acc += 1.0 / ((double)i * i);
  printf("basel: %.9f\n", acc);
  return 0;
}
