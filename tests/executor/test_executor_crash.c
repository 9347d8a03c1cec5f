/*
 * test_executor_crash.c — crash consistency: a forked child executor runs
 * keyed invocations and reports each acknowledged one through a pipe until
 * it dies at a fault point (LOAM_FAULT, every named point, several pass
 * counts) or by SIGKILL at a random moment. The parent then reopens the data
 * directory and checks: every acknowledged invocation is reflected exactly
 * once (retrying its key returns the acknowledged result and changes
 * nothing), every unacknowledged one ran at most once (retrying all keys
 * leaves the counter equal to the number of distinct keys), accepted
 * ("invoke") invocations run after the restart, and replayed random values
 * equal the acknowledged ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "exec_helpers.h"
#include "durable/fault.h"

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define N 40 /* keyed invocations per child per kind */

typedef struct report { char kind; uint32_t i; uint64_t value; } report;

static loam_executor_options opts(void) {
  loam_executor_options o;
  loam_executor_options_default(&o);
  o.snapshot_every_invocations = 7; /* snapshots happen mid-run */
  o.retry.min_delay_ms = 1;
  return o;
}

/* One kind of traffic in the child: 'c' inc-by on counter c, 'r' random on
 * clocks r, 'q' enqueued inc-by on counter q. Each runs on its own thread so
 * the committer batches entries of several workers together. */
typedef struct traffic { loam_executor *ex; char kind; int fd; } traffic;

static pthread_mutex_t pipe_mu = PTHREAD_MUTEX_INITIALIZER;

static void send_report(int fd, report r) {
  pthread_mutex_lock(&pipe_mu);
  if (write(fd, &r, sizeof r) != sizeof r) _exit(4);
  pthread_mutex_unlock(&pipe_mu);
}

static void *traffic_main(void *arg) {
  traffic *t = arg;
  loam_error err;
  for (uint32_t i = 0; i < N; i++) {
    char key[32];
    uint64_t v = 0;
    /* the attempt first: the parent retries every attempted key */
    send_report(t->fd, (report){(char)(t->kind - 'a' + 'A'), i, 0});
    snprintf(key, sizeof key, "%c%u", t->kind, i);
    if (t->kind == 'c') {
      if (call_u64(t->ex, "counter", "c", "inc-by", 1, 1, false, key, &v, &err) == LOAM_OK)
        send_report(t->fd, (report){'c', i, v});
    } else if (t->kind == 'r') {
      if (call_u64(t->ex, "clocks", "r", "random", 0, 0, false, key, &v, &err) == LOAM_OK)
        send_report(t->fd, (report){'r', i, v});
    } else {
      loam_value *p = loam_value_uint(loam_type_prim(LOAM_T_U64), 1);
      if (loam_invoke(t->ex, "counter", "q", "inc-by", &p, 1, key, NULL, &err) == LOAM_OK)
        send_report(t->fd, (report){'q', i, 0});
      loam_value_free(p);
    }
  }
  return NULL;
}

static void child_run(const char *dir, const char *fault, int fd) {
  if (fault) loam_fault_configure(fault);
  loam_executor_options o = opts();
  loam_error err;
  loam_executor *ex = loam_executor_open(dir, &o, &err);
  if (!ex) _exit(3);
  pthread_t th[3];
  traffic t[3] = {{ex, 'c', fd}, {ex, 'r', fd}, {ex, 'q', fd}};
  for (int k = 0; k < 3; k++) pthread_create(&th[k], NULL, traffic_main, &t[k]);
  for (int k = 0; k < 3; k++) pthread_join(th[k], NULL);
  loam_executor_close(ex);
  _exit(0);
}

typedef struct seen {
  uint32_t attempted;          /* highest attempt + 1 over the kinds */
  bool c_ack[N], r_ack[N], q_ack[N];
  uint64_t c_val[N], r_val[N];
} seen;

/* Runs one child; kill_after_ms > 0 kills it with SIGKILL then. */
static int run_child(const char *dir, const char *fault, int kill_after_ms, seen *s) {
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    child_run(dir, fault, fds[1]);
  }
  close(fds[1]);
  if (kill_after_ms > 0) {
    usleep((useconds_t)kill_after_ms * 1000);
    kill(pid, SIGKILL);
  }
  report r;
  while (read(fds[0], &r, sizeof r) == sizeof r) {
    assert_true(r.i < N);
    if (r.kind >= 'A' && r.kind <= 'Z' && r.i + 1 > s->attempted) s->attempted = r.i + 1;
    if (r.kind == 'c') s->c_ack[r.i] = true, s->c_val[r.i] = r.value;
    if (r.kind == 'r') s->r_ack[r.i] = true, s->r_val[r.i] = r.value;
    if (r.kind == 'q') s->q_ack[r.i] = true;
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

static uint64_t get_count(loam_executor *ex, const char *w) {
  uint64_t v = 0;
  loam_error err;
  if (call_u64(ex, "counter", w, "get", 0, 0, false, NULL, &v, &err) != LOAM_OK)
    fail_msg("get %s: %s", w, err.message);
  return v;
}

/* The checks after a crash (see the file comment). */
static void verify(const char *dir, const seen *s, const char *what) {
  loam_executor_options o = opts();
  loam_error err;
  loam_executor *ex = loam_executor_open(dir, &o, &err);
  if (!ex) fail_msg("%s: reopen: %s", what, err.message);
  uint32_t acked = 0;
  for (uint32_t i = 0; i < N; i++) acked += s->c_ack[i];
  uint64_t before = get_count(ex, "c");
  if (before < acked || before > s->attempted)
    fail_msg("%s: count %llu, acked %u, attempted %u", what, (unsigned long long)before,
             acked, s->attempted);
  /* accepted ("invoke") invocations run after the restart by themselves */
  uint32_t qacked = 0;
  for (uint32_t i = 0; i < N; i++) qacked += s->q_ack[i];
  for (int k = 0; k < 1000 && get_count(ex, "q") < qacked; k++) usleep(10000);
  if (get_count(ex, "q") < qacked)
    fail_msg("%s: %u invocations accepted, only %llu ran after the restart", what, qacked,
             (unsigned long long)get_count(ex, "q"));
  for (uint32_t i = 0; i < s->attempted; i++) {
    char key[32];
    uint64_t v = 0;
    snprintf(key, sizeof key, "c%u", i);
    if (call_u64(ex, "counter", "c", "inc-by", 1, 1, false, key, &v, &err) != LOAM_OK)
      fail_msg("%s: retry %s: %s", what, key, err.message);
    if (s->c_ack[i] && v != s->c_val[i])
      fail_msg("%s: key %s acknowledged %llu, now %llu", what, key,
               (unsigned long long)s->c_val[i], (unsigned long long)v);
    snprintf(key, sizeof key, "r%u", i);
    if (call_u64(ex, "clocks", "r", "random", 0, 0, false, key, &v, &err) != LOAM_OK)
      fail_msg("%s: retry %s: %s", what, key, err.message);
    if (s->r_ack[i] && v != s->r_val[i])
      fail_msg("%s: random %s acknowledged %llx, now %llx", what, key,
               (unsigned long long)s->r_val[i], (unsigned long long)v);
    snprintf(key, sizeof key, "q%u", i);
    loam_value *p = loam_value_uint(loam_type_prim(LOAM_T_U64), 1);
    loam_invoke_result res = {0};
    loam_status st = loam_invoke_and_await(ex, "counter", "q", "inc-by", &p, 1, key, &res, &err);
    loam_value_free(p);
    if (st != LOAM_OK) fail_msg("%s: retry %s: %s", what, key, err.message);
    loam_invoke_result_free(&res);
  }
  /* every key exactly once */
  if (get_count(ex, "c") != s->attempted)
    fail_msg("%s: counter c is %llu after retrying %u keys", what,
             (unsigned long long)get_count(ex, "c"), s->attempted);
  if (get_count(ex, "q") != s->attempted)
    fail_msg("%s: counter q is %llu after retrying %u keys", what,
             (unsigned long long)get_count(ex, "q"), s->attempted);
  loam_executor_close(ex);
}

static char *fresh_dir(void) {
  char *dir = temp_dir();
  loam_executor_options o = opts();
  loam_error err;
  loam_executor *ex = loam_executor_open(dir, &o, &err);
  assert_non_null(ex);
  assert_non_null(register_guest(ex, "counter", "counter", &err));
  assert_non_null(register_guest(ex, "clocks", "clocks", &err));
  loam_executor_close(ex);
  return dir;
}

static void crash_at(const char *point, int n) {
  char spec[64];
  snprintf(spec, sizeof spec, "%s:%d", point, n);
  char *dir = fresh_dir();
  seen s = {0};
  int st = run_child(dir, spec, 0, &s);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != LOAM_FAULT_EXIT)
    fail_msg("%s: the child did not stop at the fault point (status %d)", spec, st);
  verify(dir, &s, spec);
  /* crash again on the recovered store, then check again */
  seen s2 = s;
  st = run_child(dir, spec, 0, &s2);
  verify(dir, &s2, spec);
  remove_dir(dir);
  free(dir);
}

static void test_fault_points(void **state) {
  (void)state;
  static const char *const points[] = {"before-commit", "after-commit", "mid-invocation",
                                       "after-host-call", "snapshot-write"};
  static const int passes[] = {1, 9, 33};
  static const int snap_passes[] = {1, 4, 9}; /* ~17 snapshots a run */
  for (size_t p = 0; p < sizeof points / sizeof points[0]; p++)
    for (size_t k = 0; k < sizeof passes / sizeof passes[0]; k++) {
      int n = strcmp(points[p], "snapshot-write") ? passes[k] : snap_passes[k];
      crash_at(points[p], n);
      printf("fault %s:%d ok\n", points[p], n);
    }
}

static void test_sigkill(void **state) {
  (void)state;
  unsigned seed = (unsigned)getpid();
  for (int round = 0; round < 6; round++) {
    char *dir = fresh_dir();
    seen s = {0};
    int ms = 50 + rand_r(&seed) % 400;
    run_child(dir, NULL, ms, &s);
    char what[64];
    snprintf(what, sizeof what, "SIGKILL after %d ms", ms);
    verify(dir, &s, what);
    printf("%s ok (%u attempted)\n", what, s.attempted);
    remove_dir(dir);
    free(dir);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fault_points),
      cmocka_unit_test(test_sigkill),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
