/* misc.c — WASI guest: C features that compile to varied WebAssembly:
 * switch jump tables, deep recursion, varargs, large stack frames, struct
 * copies, memmove overlaps, static constructors, goto-based loops. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int initialized;
__attribute__((constructor)) static void init(void) { initialized = 42; }

static const char *name_of(int v) {
  switch (v) {
  case 0: return "zero"; case 1: return "one"; case 2: return "two";
  case 3: return "three"; case 5: return "five"; case 8: return "eight";
  case 13: return "thirteen"; case 21: return "twenty-one";
  default: return "other";
  }
}

static int ackermann(int m, int n) {
  if (m == 0) return n + 1;
  if (n == 0) return ackermann(m - 1, 1);
  return ackermann(m - 1, ackermann(m, n - 1));
}

static long sum_ints(int count, ...) {
  va_list ap;
  va_start(ap, count);
  long s = 0;
  for (int i = 0; i < count; i++) s += va_arg(ap, int);
  va_end(ap);
  return s;
}

static double avg(int count, ...) {
  va_list ap;
  va_start(ap, count);
  double s = 0;
  for (int i = 0; i < count; i++) s += va_arg(ap, double);
  va_end(ap);
  return s / count;
}

typedef struct big { int a[64]; char tag[16]; double d; } big;

static big make_big(int seed) {
  big b;
  for (int i = 0; i < 64; i++) b.a[i] = seed * i;
  snprintf(b.tag, sizeof b.tag, "big-%d", seed);
  b.d = seed / 4.0;
  return b;
}

static unsigned frame(int depth) {
  volatile unsigned char local[2048];
  for (int i = 0; i < 2048; i++) local[i] = (unsigned char)(i + depth);
  unsigned s = 0;
  for (int i = 0; i < 2048; i += 97) s += local[i];
  return depth ? s + frame(depth - 1) : s;
}

static int depth(int n) { return n ? 1 + depth(n - 1) : 0; }

int main(void) {
  printf("constructor ran: %d\n", initialized);
  for (int i = 0; i < 25; i += 4) printf("%d=%s ", i, name_of(i));
  printf("\nackermann(2,3)=%d ackermann(3,5)=%d\n", ackermann(2, 3), ackermann(3, 5));
  printf("varargs: %ld %.3f\n", sum_ints(5, 1, -2, 3, 400, 5000), avg(3, 1.5, 2.25, -0.75));
  big b1 = make_big(7), b2 = b1;
  b2.a[10] = -1;
  printf("struct copy: %d %d %s %.2f\n", b1.a[10], b2.a[10], b2.tag, b2.d);
  char buf[32] = "abcdefghijklmnopqrstuvwxyz";
  memmove(buf + 3, buf, 10);
  printf("memmove: %s\n", buf);
  memmove(buf, buf + 5, 10);
  printf("memmove: %s\n", buf);
  printf("big frames: %u\n", frame(12));
  printf("recursion depth: %d\n", depth(20000));
  int i = 0, total = 0;
again:
  total += i * i;
  if (++i < 100) goto again;
  printf("goto loop: %d\n", total);
  char *dup = strdup("heap string");
  printf("%s %zu\n", dup, strlen(dup));
  free(dup);
  return initialized == 42 ? 0 : 1;
}
