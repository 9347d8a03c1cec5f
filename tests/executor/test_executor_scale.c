/*
 * test_executor_scale.c — the executor at scale: 10,000 workers with an
 * active cap of 100 keep resident memory bounded and resume with their
 * state; a worker with 100,000 invocations of history recovers in about the
 * time one with 100 does (snapshots; the ratio is printed). Both use
 * LOAM_DURABILITY_NOSYNC to keep the test short: durability mode does not
 * change what is stored.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "exec_helpers.h"

#include <pthread.h>
#include <unistd.h>

static long rss_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long v = -1;
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "VmRSS:", 6)) v = strtol(line + 6, NULL, 10);
  if (f) fclose(f);
  return v;
}

static loam_executor *open_nosync(const char *dir, uint32_t cap) {
  loam_executor_options o;
  loam_executor_options_default(&o);
  o.durability = LOAM_DURABILITY_NOSYNC;
  o.max_active_workers = cap;
  loam_error err;
  loam_executor *ex = loam_executor_open(dir, &o, &err);
  if (!ex) fail_msg("open: %s", err.message);
  return ex;
}

typedef struct range_arg { loam_executor *ex; int from, to; bool ok; } range_arg;

/* Invokes inc-by(i) on worker w<i> for i in [from, to). */
static void *invoke_range(void *arg) {
  range_arg *r = arg;
  r->ok = true;
  for (int i = r->from; i < r->to; i++) {
    char name[32];
    uint64_t v;
    loam_error err;
    snprintf(name, sizeof name, "w%d", i);
    if (call_u64(r->ex, "counter", name, "inc-by", 1, (uint64_t)i, false, NULL, &v, &err) !=
            LOAM_OK || v != (uint64_t)i) {
      fprintf(stderr, "w%d: %s\n", i, err.message);
      r->ok = false;
      return NULL;
    }
  }
  return NULL;
}

static void run_parallel(loam_executor *ex, int from, int to) {
  enum { T = 4 };
  pthread_t th[T];
  range_arg a[T];
  int step = (to - from + T - 1) / T;
  for (int t = 0; t < T; t++) {
    int lo = from + t * step, hi = lo + step < to ? lo + step : to;
    a[t] = (range_arg){ex, lo, hi, false};
    pthread_create(&th[t], NULL, invoke_range, &a[t]);
  }
  for (int t = 0; t < T; t++) {
    pthread_join(th[t], NULL);
    assert_true(a[t].ok);
  }
}

static void test_ten_thousand_workers(void **state) {
  (void)state;
  enum { W = 10000, CAP = 100 };
  char *dir = temp_dir();
  loam_executor *ex = open_nosync(dir, CAP);
  loam_error err;
  assert_non_null(register_guest(ex, "counter", "counter", &err));
  double t0 = now_sec();
  run_parallel(ex, 0, 1000);
  long rss1 = rss_kib();
  run_parallel(ex, 1000, W);
  long rss10 = rss_kib();
  loam_executor_stats st;
  loam_executor_stats_get(ex, &st);
  printf("10000 workers in %.1f s; RSS after 1000: %ld MiB, after 10000: %ld MiB; "
         "active %u, suspensions %u\n", now_sec() - t0, rss1 / 1024, rss10 / 1024,
         st.active_workers, st.suspended);
  assert_true(st.active_workers <= CAP);
  assert_true(st.suspended >= W - CAP);
  /* 9,000 more workers cost far less than 9,000 instances would (each
   * instance holds >= 128 KiB of guest memory plus its value stack) */
  assert_true(rss10 - rss1 < 9000L * 128 / 4);
  /* suspended workers come back with their state */
  for (int i = 0; i < W; i += 97) {
    char name[32];
    snprintf(name, sizeof name, "w%d", i);
    uint64_t v = 0;
    assert_int_equal(call_u64(ex, "counter", name, "get", 0, 0, false, NULL, &v, &err), LOAM_OK);
    assert_int_equal(v, (uint64_t)i);
  }
  loam_executor_close(ex);
  remove_dir(dir);
  free(dir);
}

typedef struct fill_arg { loam_executor *ex; long n; } fill_arg;

static void *fill(void *arg) {
  fill_arg *f = arg;
  loam_error err;
  for (long i = 0; i < f->n; i++)
    if (call_u64(f->ex, "counter", "h", "inc-by", 1, 1, false, NULL, NULL, &err) != LOAM_OK) {
      fprintf(stderr, "fill: %s\n", err.message);
      break;
    }
  return NULL;
}

/* Seconds from opening to the first answer of a worker with n invocations. */
static double recovery_time(long n) {
  char *dir = temp_dir();
  loam_executor *ex = open_nosync(dir, 100);
  loam_error err;
  assert_non_null(register_guest(ex, "counter", "counter", &err));
  enum { T = 8 };
  pthread_t th[T];
  fill_arg f[T];
  for (int t = 0; t < T; t++) {
    f[t] = (fill_arg){ex, n / T + (t < n % T)};
    pthread_create(&th[t], NULL, fill, &f[t]);
  }
  for (int t = 0; t < T; t++) pthread_join(th[t], NULL);
  loam_executor_close(ex);
  /* best of three reopenings (the machine is shared) */
  double best = 1e9;
  for (int k = 0; k < 3; k++) {
    double t0 = now_sec();
    ex = open_nosync(dir, 100);
    uint64_t v = 0;
    assert_int_equal(call_u64(ex, "counter", "h", "get", 0, 0, false, NULL, &v, &err), LOAM_OK);
    double dt = now_sec() - t0;
    assert_int_equal(v, (uint64_t)n);
    loam_executor_close(ex);
    if (dt < best) best = dt;
  }
  remove_dir(dir);
  free(dir);
  return best;
}

static void test_recovery_flat(void **state) {
  (void)state;
  double small = recovery_time(100);
  double big = recovery_time(100000);
  printf("recovery: 100 invocations %.1f ms, 100000 invocations %.1f ms, ratio %.2f\n",
         small * 1e3, big * 1e3, big / small);
  assert_true(big / small < 5.0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ten_thousand_workers),
      cmocka_unit_test(test_recovery_flat),
  };
  if (getenv("TEST_FILTER")) cmocka_set_test_filter(getenv("TEST_FILTER"));
  return cmocka_run_group_tests(tests, NULL, NULL);
}
