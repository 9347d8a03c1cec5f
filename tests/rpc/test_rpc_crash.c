/*
 * test_rpc_crash.c — exactly-once worker-to-worker calls across crashes. A
 * forked child executor makes keyed invocations of the proxy guest, each of
 * which calls the callee (invoke-and-await of inc, invoke of inc, and two
 * parallel async incs), and reports every acknowledged one through a pipe
 * until it dies at a fault point (on the caller's side before the call is
 * sent, after it answered, after its result is recorded; on the callee's
 * side mid-invocation and around the store's commit; each at its first and
 * later passes) or by SIGKILL at moments spread over its run. The parent then reopens the data directory, retries every
 * attempted invocation with its key and checks: acknowledged invocations
 * return what they returned before, every call reached the callee exactly
 * once (its counters equal the number of distinct calls, and the awaited
 * incs returned distinct values), and the caller completes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rpc_helpers.h"
#include "durable/fault.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define N 5 /* invocations of each kind per child */

typedef struct report { char kind; uint32_t i; uint64_t value; } report;

static loam_executor_options opts(void) {
  loam_executor_options o;
  loam_executor_options_default(&o);
  o.durability = LOAM_DURABILITY_NOSYNC; /* a process crash loses nothing acknowledged */
  o.snapshot_every_invocations = 4;      /* snapshots happen mid-run */
  o.retry.min_delay_ms = 1;
  return o;
}

static void send_report(int fd, report r) {
  if (write(fd, &r, sizeof r) != sizeof r) _exit(4);
}

static loam_value *request(const rpc_tys *T, const char *uri) {
  loam_value *p = rpc_u64(1);
  loam_value *items[3] = {rpc_str(uri), rpc_str(CALLEE_API ".{inc}"), rpc_wv_list(T, 1, &p)};
  loam_value_free(p);
  return loam_value_seq(T->request, 3, items);
}

/* Invocation i of kind k ('c' call, 's' send, 'a' async pair) with its key;
 * the value to compare (the inc's result for 'c'). */
static loam_status run_kind(loam_executor *ex, const rpc_tys *T, char k, uint32_t i,
                            uint64_t *value, loam_error *err) {
  char key[32];
  snprintf(key, sizeof key, "%c%u", k, i);
  loam_value *one = rpc_u64(1), *o = NULL;
  loam_status st;
  *value = 0;
  if (k == 'c' || k == 's') {
    st = rpc_proxy(ex, T, "p", k == 'c' ? "call" : "send",
                   k == 'c' ? "worker://callee/k" : "worker://callee/q", CALLEE_API ".{inc}", 1,
                   &one, key, &o, err);
    if (st == LOAM_OK && k == 'c') *value = rpc_ok_u64(o);
    if (st == LOAM_OK && k == 's' && o->of.var.tag != 0) *value = UINT64_MAX;
  } else {
    loam_value *reqs[2] = {request(T, "worker://callee/a"), request(T, "worker://callee/b")};
    const loam_type *lt = rpc_func(ex, "proxy", PROXY_API ".{call-all}")->params[0].type;
    loam_value *list = loam_value_seq(lt, 2, reqs);
    loam_invoke_result r = {0};
    st = loam_invoke_and_await(ex, "proxy", "p", PROXY_API ".{call-all}", &list, 1, key, &r,
                               err);
    if (st == LOAM_OK) {
      const loam_value *res = r.values[0]->of.seq.items[0];
      uint64_t a = rpc_ok_u64(res->of.seq.items[0]), b = rpc_ok_u64(res->of.seq.items[1]);
      *value = a == UINT64_MAX || b == UINT64_MAX ? UINT64_MAX : a * 1000 + b;
    }
    loam_invoke_result_free(&r);
    loam_value_free(list);
  }
  loam_value_free(o);
  loam_value_free(one);
  return st;
}

static const char KINDS[] = "csa";

static void child_run(const char *dir, const char *fault, int fd) {
  loam_executor_options o = opts();
  loam_error err;
  loam_executor *ex = loam_executor_open(dir, &o, &err);
  if (!ex) _exit(3);
  rpc_tys T = rpc_types_of(ex);
  loam_fault_configure(fault);
  for (uint32_t i = 0; i < N; i++)
    for (const char *k = KINDS; *k; k++) {
      uint64_t v = 0;
      send_report(fd, (report){(char)(*k - 'a' + 'A'), i, 0}); /* attempted */
      if (run_kind(ex, &T, *k, i, &v, &err) == LOAM_OK) send_report(fd, (report){*k, i, v});
    }
  loam_fault_configure(NULL);
  loam_executor_close(ex);
  _exit(0);
}

static uint64_t counter_of(loam_executor *ex, const char *w) {
  loam_invoke_result r = {0};
  loam_error err;
  if (loam_invoke_and_await(ex, "callee", w, CALLEE_API ".{get}", NULL, 0, NULL, &r, &err) !=
      LOAM_OK)
    return UINT64_MAX;
  uint64_t v = r.values[0]->of.u;
  loam_invoke_result_free(&r);
  return v;
}

/* One crash case: a fresh directory, the child until its fault (or, when
 * kill_at is non-zero, until SIGKILL kill_us after it reported its
 * kill_at-th attempt), the checks. */
static void crash_case(const char *fault, unsigned kill_at, unsigned kill_us) {
  char *dir = temp_dir();
  loam_executor_options o = opts();
  loam_error err;
  loam_executor *ex = loam_executor_open(dir, &o, &err);
  assert_non_null(ex);
  assert_non_null(rpc_register(ex, "proxy", "proxy", &err));
  assert_non_null(rpc_register(ex, "callee", "callee", &err));
  loam_executor_close(ex);

  int fds[2];
  assert_int_equal(pipe(fds), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    child_run(dir, fault, fds[1]);
  }
  close(fds[1]);
  bool attempted[3][N] = {{0}}, acked[3][N] = {{0}};
  unsigned attempts = 0;
  uint64_t value[3][N] = {{0}};
  report r;
  while (read(fds[0], &r, sizeof r) == sizeof r) {
    const char *k = strchr(KINDS, r.kind >= 'a' ? r.kind : r.kind - 'A' + 'a');
    assert_non_null(k);
    size_t ki = (size_t)(k - KINDS);
    if (r.kind >= 'a') acked[ki][r.i] = true, value[ki][r.i] = r.value;
    else attempted[ki][r.i] = true, attempts++;
    if (kill_at && r.kind < 'a' && attempts == kill_at) {
      struct timespec ts = {0, (long)kill_us * 1000L};
      nanosleep(&ts, NULL);
      kill(pid, SIGKILL);
    }
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  int code = WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
  if (!(code == 0 || code == LOAM_FAULT_EXIT || (kill_at && code == -SIGKILL)))
    fail_msg("%s: child exited %d", fault, code);

  size_t nack = 0, natt = 0;
  for (size_t ki = 0; ki < 3; ki++)
    for (uint32_t i = 0; i < N; i++) nack += acked[ki][i], natt += attempted[ki][i];
  fprintf(stderr, "  %-22s child exit %2d, %2zu of %2zu invocations acknowledged\n", fault,
          code, nack, natt);

  ex = loam_executor_open(dir, &o, &err);
  if (!ex) fail_msg("%s: reopen: %s", fault, err.message);
  rpc_tys T = rpc_types_of(ex);
  uint32_t calls[3] = {0};
  bool seen[N + 1] = {0};
  for (size_t ki = 0; ki < 3; ki++)
    for (uint32_t i = 0; i < N; i++) {
      if (!attempted[ki][i]) continue;
      calls[ki]++;
      uint64_t v = 0;
      loam_status st = run_kind(ex, &T, KINDS[ki], i, &v, &err);
      if (st != LOAM_OK) fail_msg("%s: retry %c%u: %s", fault, KINDS[ki], i, err.message);
      if (v == UINT64_MAX) fail_msg("%s: retry %c%u: an rpc-error", fault, KINDS[ki], i);
      if (acked[ki][i] && value[ki][i] != v)
        fail_msg("%s: %c%u returned %llu, then %llu", fault, KINDS[ki], i,
                 (unsigned long long)value[ki][i], (unsigned long long)v);
      if (KINDS[ki] == 'c') { /* inc by 1: each call its own value */
        if (v == 0 || v > N || seen[v]) fail_msg("%s: c%u got %llu twice or out of range",
                                                 fault, i, (unsigned long long)v);
        seen[v] = true;
      }
    }
  if (counter_of(ex, "k") != calls[0] || counter_of(ex, "q") != calls[1] ||
      counter_of(ex, "a") != calls[2] || counter_of(ex, "b") != calls[2])
    fail_msg("%s: counters k=%llu q=%llu a=%llu b=%llu, calls %u %u %u", fault,
             (unsigned long long)counter_of(ex, "k"), (unsigned long long)counter_of(ex, "q"),
             (unsigned long long)counter_of(ex, "a"), (unsigned long long)counter_of(ex, "b"),
             calls[0], calls[1], calls[2]);
  loam_executor_close(ex);
  remove_dir(dir);
  free(dir);
}

static void test_fault_matrix(void **state) {
  (void)state;
  /* each point at its first and later passes (the store's commit points
   * pass many times per invocation, so their later passes are further on) */
  static const char *const specs[] = {
      "rpc-before-send:1",  "rpc-before-send:4",  "rpc-before-send:9",
      "rpc-after-send:1",   "rpc-after-send:4",   "rpc-after-send:9",
      "rpc-after-result:1", "rpc-after-result:4", "rpc-after-result:9",
      "mid-invocation:1",   "mid-invocation:4",   "mid-invocation:9",
      "after-commit:2",     "after-commit:25",    "after-commit:70",
      "before-commit:2",    "before-commit:25",   "before-commit:70",
      "snapshot-write:1",   "snapshot-write:3",
  };
  double t0 = rpc_now();
  for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) crash_case(specs[i], 0, 0);
  fprintf(stderr, "fault matrix: %.1f s\n", rpc_now() - t0);
}

/* SIGKILL at moments spread over the child's run: whatever was in flight
 * (a call, an async pair, a commit) the same checks hold. */
static void test_sigkill(void **state) {
  (void)state;
  static const unsigned at[][2] = {{1, 0}, {2, 300}, {3, 1000}, {6, 100}, {9, 2000},
                                   {11, 500}, {14, 0}};
  for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
    char name[48];
    snprintf(name, sizeof name, "sigkill@%u+%uus", at[i][0], at[i][1]);
    crash_case(name, at[i][0], at[i][1]);
  }
}

/* No fault at all: the same checks hold trivially (the harness itself). */
static void test_no_fault(void **state) {
  (void)state;
  crash_case("none-such-point", 0, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_no_fault),
      cmocka_unit_test(test_fault_matrix),
      cmocka_unit_test(test_sigkill),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
