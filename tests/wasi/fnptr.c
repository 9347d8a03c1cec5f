/* fnptr.c — WASI guest: qsort with comparison functions through function
 * pointers, and a table of operations called indirectly. */
#include <stdio.h>
#include <stdlib.h>

typedef struct point {
  int x, y;
} point;

static int by_value(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}
static int by_value_desc(const void *a, const void *b) { return by_value(b, a); }
static int by_dist(const void *a, const void *b) {
  const point *p = a, *q = b;
  int dp = p->x * p->x + p->y * p->y, dq = q->x * q->x + q->y * q->y;
  if (dp != dq) return (dp > dq) - (dp < dq);
  return p->x != q->x ? (p->x > q->x) - (p->x < q->x) : (p->y > q->y) - (p->y < q->y);
}

static long long add(long long a, long long b) { return a + b; }
static long long sub(long long a, long long b) { return a - b; }
static long long mul(long long a, long long b) { return a * b; }

int main(void) {
  int v[1000];
  unsigned seed = 12345;
  for (int i = 0; i < 1000; i++) {
    seed = seed * 1103515245u + 12345u;
    v[i] = (int)(seed >> 8) % 100000 - 50000;
  }
  int (*cmps[])(const void *, const void *) = {by_value, by_value_desc};
  for (int c = 0; c < 2; c++) {
    qsort(v, 1000, sizeof v[0], cmps[c]);
    printf("sorted %d: %d %d %d ... %d\n", c, v[0], v[1], v[2], v[999]);
  }
  point pts[50];
  for (int i = 0; i < 50; i++) pts[i] = (point){(i * 37) % 21 - 10, (i * 11) % 17 - 8};
  qsort(pts, 50, sizeof pts[0], by_dist);
  for (int i = 0; i < 5; i++) printf("(%d,%d) ", pts[i].x, pts[i].y);
  printf("... (%d,%d)\n", pts[49].x, pts[49].y);
  long long (*ops[])(long long, long long) = {add, sub, mul};
  long long acc = 1;
  for (int i = 1; i <= 30; i++) acc = ops[i % 3](acc, i);
  printf("ops: %lld\n", acc);
  int key = v[500];
  int *found = bsearch(&key, v, 1000, sizeof v[0], by_value_desc);
  printf("bsearch found: %d\n", found && *found == key);
  return 0;
}
