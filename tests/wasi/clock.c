/* clock.c — WASI guest: the monotonic clock increases, nanosleep sleeps at
 * least as long as asked, the real-time clock is past 2020. Prints only
 * verdicts, never times, so the output is deterministic. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

int main(void) {
  struct timespec a, b, r;
  clock_gettime(CLOCK_MONOTONIC, &a);
  volatile unsigned x = 0;
  for (unsigned i = 0; i < 100000; i++) x += i;
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("monotonic increases: %s\n", ns(b) >= ns(a) ? "ok" : "no");
  struct timespec req = {0, 20 * 1000000};
  clock_gettime(CLOCK_MONOTONIC, &a);
  int rc = nanosleep(&req, NULL);
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("nanosleep rc %d, slept enough: %s\n", rc,
         ns(b) - ns(a) >= 20 * 1000000LL ? "ok" : "no");
  clock_gettime(CLOCK_MONOTONIC, &a);
  usleep(5000);
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("usleep: %s\n", ns(b) - ns(a) >= 5000000LL ? "ok" : "no");
  clock_gettime(CLOCK_REALTIME, &r);
  printf("realtime after 2020: %s\n", r.tv_sec > 1577836800 ? "ok" : "no");
  printf("time(): %s\n", time(NULL) > 1577836800 ? "ok" : "no");
  clock_getres(CLOCK_MONOTONIC, &r);
  printf("resolution sane: %s\n", ns(r) > 0 && ns(r) <= 1000000 ? "ok" : "no");
  printf("clock ok\n");
  return 0;
}
