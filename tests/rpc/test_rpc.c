/*
 * test_rpc.c — worker-to-worker calls through golem:rpc's dynamic API: a
 * proxy guest hands wit-values built here to invoke-and-await / invoke /
 * async-invoke-and-await and returns the outcome; a callee guest echoes
 * every type kind and keeps a counter. Checks values crossing intact both
 * ways, exactly-once counting (also across a reopen, where the caller's
 * invocations replay from the oplog without calling again), fire-and-forget,
 * parallel async calls with poll and block, every rpc-error with its
 * message, call cycles, the callee created with the caller's env, and the
 * local-call counter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rpc_helpers.h"

#include <pthread.h>
#include <unistd.h>

typedef struct fixture {
  char *dir;
  loam_executor *ex;
  rpc_tys T;
} fixture;

static loam_executor_options opts(void) {
  loam_executor_options o;
  loam_executor_options_default(&o);
  o.durability = LOAM_DURABILITY_NOSYNC;
  o.retry.max_attempts = 1;
  return o;
}

static void open_ex(fixture *f) {
  loam_executor_options o = opts();
  loam_error err;
  f->ex = loam_executor_open(f->dir, &o, &err);
  if (!f->ex) fail_msg("open: %s", err.message);
  f->T = rpc_types_of(f->ex);
}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  f->dir = temp_dir();
  loam_executor_options o = opts();
  loam_error err;
  f->ex = loam_executor_open(f->dir, &o, &err);
  if (!f->ex) fail_msg("open: %s", err.message);
  if (!rpc_register(f->ex, "proxy", "proxy", &err)) fail_msg("proxy: %s", err.message);
  if (!rpc_register(f->ex, "callee", "callee", &err)) fail_msg("callee: %s", err.message);
  f->T = rpc_types_of(f->ex);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  loam_executor_close(f->ex);
  remove_dir(f->dir);
  free(f->dir);
  free(f);
  return 0;
}

/* proxy/<worker>.call to callee/<target>.<fn> with params; the outcome. */
static loam_value *call(fixture *f, const char *worker, const char *target, const char *fn,
                        size_t n, loam_value *const *params) {
  char uri[256], function[128];
  snprintf(uri, sizeof uri, "worker://callee/%s", target);
  snprintf(function, sizeof function, CALLEE_API ".{%s}", fn);
  loam_value *out = NULL;
  loam_error err;
  loam_status st = rpc_proxy(f->ex, &f->T, worker, "call", uri, function, n, params, NULL, &out,
                             &err);
  if (st != LOAM_OK) fail_msg("proxy call %s: %s", fn, err.message);
  return out;
}

static uint64_t inc(fixture *f, const char *worker, const char *target, uint64_t by) {
  loam_value *p = rpc_u64(by);
  loam_value *o = call(f, worker, target, "inc", 1, &p);
  uint64_t v = rpc_ok_u64(o);
  loam_value_free(p);
  loam_value_free(o);
  return v;
}

/* The callee's counter, read directly. */
static uint64_t counter_of(fixture *f, const char *target) {
  loam_invoke_result r = {0};
  loam_error err;
  if (loam_invoke_and_await(f->ex, "callee", target, CALLEE_API ".{get}", NULL, 0, NULL, &r,
                            &err) != LOAM_OK)
    fail_msg("get: %s", err.message);
  uint64_t v = r.values[0]->of.u;
  loam_invoke_result_free(&r);
  return v;
}

static uint64_t rpc_local(fixture *f) {
  loam_executor_stats s;
  loam_executor_stats_get(f->ex, &s);
  return s.rpc_local;
}

/* ---- values ------------------------------------------------------------------ */

static const char *const EVERYTHING[] = {
    "{p: {a: 255, b: 65535, c: 4294967295, d: 18446744073709551615, e: -128, f: -32768, "
    "g: -2147483648, h: -9223372036854775808, i: 1.5, j: -2.25, k: '\xe2\x98\x83', l: true, "
    "m: \"h\\u{0}llo \xc3\xa9\"}, shapes: [circle(0.5), rect((3, 4)), empty], c: green, "
    "f: {read, exec}, t: (\"x\", -7), l: [[1, 2, 3], [], [255]], o: some(some(\"deep\")), "
    "r: ok(42), r2: err(blue), r3: ok}",
    "{p: {a: 0, b: 0, c: 0, d: 0, e: 0, f: 0, g: 0, h: 0, i: -0.0, j: 1e300, k: 'a', "
    "l: false, m: \"\"}, shapes: [], c: red, f: {}, t: (\"\", 0), l: [], o: some(none), "
    "r: err(\"bad\"), r2: ok, r3: err}",
    "{p: {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: nan, j: inf, k: '\xf0\x9f\x98\x80', "
    "l: true, m: \"z\"}, shapes: [empty, empty, circle(-1.0)], c: blue, "
    "f: {read, write, exec}, t: (\"t\", 127), l: [[0]], o: none, r: ok(0), r2: ok, r3: ok}",
};

/* Every type kind goes out as wit-values, through the callee's typed echo,
 * and back, equal. */
static void test_echo_every_kind(void **state) {
  fixture *f = *state;
  const loam_wit_func *echo = rpc_func(f->ex, "callee", CALLEE_API ".{echo}");
  const loam_type *et = echo->params[0].type;
  for (size_t i = 0; i < sizeof EVERYTHING / sizeof EVERYTHING[0]; i++) {
    loam_verr verr;
    loam_value *v = loam_value_from_wave(et, EVERYTHING[i], strlen(EVERYTHING[i]), &verr);
    if (!v) fail_msg("wave %zu: %s", i, verr.message);
    loam_value *o = call(f, "p", "e1", "echo", 1, &v);
    loam_value *back = NULL;
    assert_true(rpc_ok_values(o, &et, 1, &back));
    assert_true(loam_value_equal(v, back));
    loam_value_free(back);
    loam_value_free(o);
    loam_value_free(v);
  }
  /* several params, a tuple result */
  loam_value *p[2] = {rpc_str("two"), rpc_u64(41)};
  loam_value *o = call(f, "p", "e1", "echo2", 2, p);
  const loam_wit_func *e2 = rpc_func(f->ex, "callee", CALLEE_API ".{echo2}");
  const loam_type *rt = e2->results[0].type;
  loam_value *back = NULL;
  assert_true(rpc_ok_values(o, &rt, 1, &back));
  assert_int_equal(back->of.seq.items[0]->of.u, 42);
  assert_string_equal(back->of.seq.items[1]->of.str.ptr, "two");
  loam_value_free(back);
  loam_value_free(o);
  loam_value_free(p[0]), loam_value_free(p[1]);
  /* no params, no results: an empty tuple-value */
  o = call(f, "p", "e1", "nothing", 0, NULL);
  assert_true(rpc_ok_values(o, NULL, 0, NULL));
  loam_value_free(o);
}

/* ---- exactly once --------------------------------------------------------------- */

static void test_counter_once_and_replay(void **state) {
  fixture *f = *state;
  uint64_t local0 = rpc_local(f);
  for (uint64_t i = 1; i <= 5; i++) assert_int_equal(inc(f, "c", "k1", 1), i);
  assert_int_equal(counter_of(f, "k1"), 5);
  assert_int_equal(rpc_local(f) - local0, 5);
  /* two calls in one invocation: each gets its own key */
  loam_value *p = rpc_u64(10), *o = NULL;
  loam_error err;
  assert_int_equal(rpc_proxy(f->ex, &f->T, "c", "call-twice", "worker://callee/k1",
                             CALLEE_API ".{inc}", 1, &p, "twice-1", &o, &err),
                   LOAM_OK);
  assert_int_equal(o->of.seq.n, 2);
  assert_int_equal(rpc_ok_u64(o->of.seq.items[0]), 15);
  assert_int_equal(rpc_ok_u64(o->of.seq.items[1]), 25);
  loam_value_free(o);
  /* the same invocation key again: the stored result, no new calls */
  assert_int_equal(rpc_proxy(f->ex, &f->T, "c", "call-twice", "worker://callee/k1",
                             CALLEE_API ".{inc}", 1, &p, "twice-1", &o, &err),
                   LOAM_OK);
  assert_int_equal(rpc_ok_u64(o->of.seq.items[1]), 25);
  loam_value_free(o);
  assert_int_equal(counter_of(f, "k1"), 25);
  /* reopen: proxy/c replays its invocations from the oplog, answering the
   * calls from their recorded results (the callee's counter stays) */
  loam_executor_close(f->ex);
  open_ex(f);
  assert_int_equal(inc(f, "c", "k1", 100), 125);
  assert_int_equal(rpc_local(f), 1);
  assert_int_equal(counter_of(f, "k1"), 125);
  loam_worker_info wi;
  assert_true(loam_worker_get(f->ex, "proxy", "c", &wi, &err));
  assert_int_equal(wi.invocations, 7);
  loam_value_free(p);
}

/* The oplog shows the calls: RPC_CALL then RPC_RESULT with the same key. */
static void test_oplog_entries(void **state) {
  fixture *f = *state;
  assert_int_equal(inc(f, "o", "k2", 3), 3);
  loam_error err;
  char *j = loam_worker_oplog_json(f->ex, "proxy", "o", 1, 0, &err);
  assert_non_null(j);
  const char *c = strstr(j, "\"rpc-call\""), *r = strstr(j, "\"rpc-result\"");
  if (!c || !r) fail_msg("oplog: %s", j);
  assert_true(c < r);
  assert_non_null(strstr(j, "worker://callee/k2"));
  /* values as JSON: the call's params, its outcome, and the caller's own
   * result after them (typed by the caller's function, not the target's) */
  assert_non_null(strstr(j, "\"params\":[{\"nodes\":[{\"prim-u64\":3}]}]"));
  assert_non_null(strstr(j, "\"result\":{\"ok\":{\"nodes\":[{\"tuple-value\":[1]},"
                            "{\"prim-u64\":3}]}}"));
  assert_null(strstr(j, "\"hex\""));
  free(j);
}

/* ---- invoke: fire and forget ---------------------------------------------------- */

static void test_invoke_fire_and_forget(void **state) {
  fixture *f = *state;
  loam_value *p = rpc_u64(7), *o = NULL;
  loam_error err;
  for (int i = 0; i < 3; i++) {
    assert_int_equal(rpc_proxy(f->ex, &f->T, "s", "send", "worker://callee/ff",
                               CALLEE_API ".{inc}", 1, &p, NULL, &o, &err),
                     LOAM_OK);
    assert_int_equal(o->of.var.tag, 0); /* ok */
    loam_value_free(o);
  }
  /* queued after the three: sees them all */
  assert_int_equal(counter_of(f, "ff"), 21);
  /* an error still comes back */
  assert_int_equal(rpc_proxy(f->ex, &f->T, "s", "send", "worker://nosuch/ff",
                             CALLEE_API ".{inc}", 1, &p, NULL, &o, &err),
                   LOAM_OK);
  assert_int_equal(o->of.var.tag, 1);
  assert_int_equal(o->of.var.payload->of.var.tag, 2); /* not-found */
  loam_value_free(o);
  loam_value_free(p);
}

/* ---- async: several calls in parallel ------------------------------------------ */

static loam_value *request(fixture *f, const char *uri, const char *fn, size_t n,
                           loam_value *const *params) {
  loam_value *items[3] = {rpc_str(uri), rpc_str(fn), rpc_wv_list(&f->T, n, params)};
  return loam_value_seq(f->T.request, 3, items);
}

static void test_async_parallel(void **state) {
  fixture *f = *state;
  const loam_wit_func *all = rpc_func(f->ex, "proxy", PROXY_API ".{call-all}");
  const loam_wit_func *blk = rpc_func(f->ex, "proxy", PROXY_API ".{call-all-block}");
  for (int round = 0; round < 2; round++) {
    enum { N = 6 };
    loam_value *reqs[N];
    for (int i = 0; i < N; i++) {
      char uri[64];
      snprintf(uri, sizeof uri, "worker://callee/a%d", i % 4); /* two share a worker */
      loam_value *p = rpc_u64((uint64_t)i + 1);
      reqs[i] = request(f, uri, CALLEE_API ".{inc}", 1, &p);
      loam_value_free(p);
    }
    loam_value *list = loam_value_seq(all->params[0].type, N, reqs);
    loam_invoke_result r = {0};
    loam_error err;
    const char *fn = round ? PROXY_API ".{call-all-block}" : PROXY_API ".{call-all}";
    if (loam_invoke_and_await(f->ex, "proxy", "as", fn, &list, 1, NULL, &r, &err) != LOAM_OK)
      fail_msg("%s: %s", fn, err.message);
    const loam_value *results = round ? r.values[0] : r.values[0]->of.seq.items[0];
    assert_int_equal(results->of.seq.n, N);
    for (int i = 0; i < N; i++) assert_true(rpc_ok_u64(results->of.seq.items[i]) != UINT64_MAX);
    if (!round) assert_true(r.values[0]->of.seq.items[1]->of.u >= 1); /* poll rounds */
    loam_invoke_result_free(&r);
    loam_value_free(list);
  }
  (void)blk;
  /* each inc ran exactly once: a0 got 1+5 twice, a1 2+6 twice, a2 3, a3 4 twice */
  assert_int_equal(counter_of(f, "a0"), 12);
  assert_int_equal(counter_of(f, "a1"), 16);
  assert_int_equal(counter_of(f, "a2"), 6);
  assert_int_equal(counter_of(f, "a3"), 8);
  /* and they replay: reopen, run one more, the counters stay */
  loam_executor_close(f->ex);
  open_ex(f);
  assert_int_equal(inc(f, "as", "a0", 1), 13);
}

/* ---- errors -------------------------------------------------------------------------- */

/* proxy.call with a raw uri/function; the rpc-error case and message. */
static int call_err(fixture *f, const char *uri, const char *function, size_t n,
                    loam_value *const *params, char *msg, size_t cap) {
  loam_value *o = NULL;
  loam_error err;
  if (rpc_proxy(f->ex, &f->T, "err", "call", uri, function, n, params, NULL, &o, &err) !=
      LOAM_OK)
    fail_msg("proxy call: %s", err.message);
  int c = rpc_err_case(o, msg, cap);
  loam_value_free(o);
  return c;
}

#define EXPECT_ERR(which, needle, ...)                                                     \
  do {                                                                                     \
    char m_[1024] = "";                                                                    \
    int c_ = call_err(f, __VA_ARGS__, m_, sizeof m_);                                      \
    if (c_ != (which) || !strstr(m_, needle))                                              \
      fail_msg("expected case %d with \"%s\", got case %d: %s", which, needle, c_, m_);    \
  } while (0)

static void test_errors(void **state) {
  fixture *f = *state;
  loam_value *one = rpc_u64(1), *s = rpc_str("x");
  const char *inc_fn = CALLEE_API ".{inc}";
  /* malformed URIs */
  EXPECT_ERR(0, "worker://", "http://callee/w", inc_fn, 1, &one);
  EXPECT_ERR(0, "worker://", "worker://callee", inc_fn, 1, &one);
  EXPECT_ERR(0, "worker://", "worker:///w", inc_fn, 1, &one);
  /* unknown template: close names suggested */
  EXPECT_ERR(2, "did you mean callee", "worker://calee/w", inc_fn, 1, &one);
  EXPECT_ERR(2, "no template with id or name 999999", "worker://999999/w", inc_fn, 1, &one);
  /* unknown function: the exports listed */
  EXPECT_ERR(2, CALLEE_API ".{echo2}", "worker://callee/w", CALLEE_API ".{nope}", 1, &one);
  EXPECT_ERR(2, "no function", "worker://callee/w", "nope", 0, NULL);
  /* wrong param count */
  EXPECT_ERR(0, "takes 1 parameters, got 0", "worker://callee/w", inc_fn, 0, NULL);
  EXPECT_ERR(0, "takes 1 parameters, got 2", "worker://callee/w", inc_fn, 2,
             ((loam_value *[]){one, one}));
  /* wrong param types: the path and the expected type */
  EXPECT_ERR(0, "params[0]", "worker://callee/w", inc_fn, 1, &s);
  EXPECT_ERR(0, "u64", "worker://callee/w", inc_fn, 1, &s);
  loam_value *p2[2] = {one, one};
  EXPECT_ERR(0, "params[0]", "worker://callee/w", CALLEE_API ".{echo2}", 2, p2);
  /* the callee traps: remote-internal-error with its message; the caller
   * does not trap */
  loam_error err;
  assert_true(loam_worker_create(f->ex, "callee", "bomb", 0, NULL, 0, NULL, &err));
  EXPECT_ERR(3, "worker callee/bomb trapped: unreachable", "worker://callee/bomb",
             CALLEE_API ".{boom}", 1, &s);
  EXPECT_ERR(3, "Failed", "worker://callee/bomb", inc_fn, 1, &one);
  loam_worker_info wi;
  assert_true(loam_worker_get(f->ex, "proxy", "err", &wi, &err));
  assert_int_equal(wi.status, LOAM_WS_IDLE);
  /* nothing above created workers for bad names */
  assert_false(loam_worker_get(f->ex, "callee", "nope", &wi, &err));
  loam_value_free(one);
  loam_value_free(s);
}

/* A callee that traps and is retried is waited for: the caller gets its
 * result once a retry succeeds. */
static void test_callee_retrying(void **state) {
  fixture *f = *state;
  loam_error err;
  assert_true(loam_worker_create(f->ex, "callee", "flaky", 0, NULL, 0, NULL, &err));
  loam_retry_options r = {.max_attempts = 6, .min_delay_ms = 100, .multiplier = 2,
                          .max_delay_ms = 1000, .jitter = 0};
  assert_true(loam_worker_set_retry(f->ex, "callee", "flaky", &r, &err));
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t until = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec + 250000000ull;
  loam_value *p = rpc_u64(until), *o = NULL;
  assert_int_equal(rpc_proxy(f->ex, &f->T, "rt", "call", "worker://callee/flaky",
                             CALLEE_API ".{flaky}", 1, &p, NULL, &o, &err),
                   LOAM_OK);
  uint64_t when = rpc_ok_u64(o);
  assert_true(when != UINT64_MAX && when >= until);
  loam_worker_info wi;
  assert_true(loam_worker_get(f->ex, "callee", "flaky", &wi, &err));
  assert_int_equal(wi.status, LOAM_WS_IDLE);
  loam_value_free(o);
  loam_value_free(p);
}

/* The caller traps after its call and is retried by its policy: the retry
 * derives the same key, so the callee ran the call once. `queued`: the
 * caller is submitted with invoke and runs on a pool thread, whose writes
 * are committed as they come, so the callee's outcome is durable (and no
 * longer in memory) when the retry calls again: the store must be asked
 * (only a fresh invocation's first attempt may skip that). */
static void caller_retrying(fixture *f, bool queued) {
  loam_error err;
  assert_true(loam_worker_create(f->ex, "proxy", "flaky", 0, NULL, 0, NULL, &err));
  loam_retry_options r = {.max_attempts = 6, .min_delay_ms = 100, .multiplier = 2,
                          .max_delay_ms = 1000, .jitter = 0};
  assert_true(loam_worker_set_retry(f->ex, "proxy", "flaky", &r, &err));
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t until = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec + 250000000ull;
  loam_value *one = rpc_u64(1);
  loam_value *p[4] = {rpc_str("worker://callee/tr"), rpc_str(CALLEE_API ".{inc}"),
                      rpc_wv_list(&f->T, 1, &one), rpc_u64(until)};
  loam_invoke_result res = {0};
  char key[72] = "";
  if (queued && loam_invoke(f->ex, "proxy", "flaky", PROXY_API ".{call-flaky}", p, 4, NULL, key,
                            &err) != LOAM_OK)
    fail_msg("invoke call-flaky: %s", err.message);
  if (loam_invoke_and_await(f->ex, "proxy", "flaky", PROXY_API ".{call-flaky}", p, 4,
                            queued ? key : NULL, &res, &err) != LOAM_OK)
    fail_msg("call-flaky: %s", err.message);
  assert_int_equal(rpc_ok_u64(res.values[0]), 1);
  assert_int_equal(counter_of(f, "tr"), 1);
  loam_invoke_result_free(&res);
  /* the oplog shows the failed attempts, each with the same call key */
  char *j = loam_worker_oplog_json(f->ex, "proxy", "flaky", 1, 0, &err);
  const char *first = strstr(j, "\"key\":\"rpc-");
  assert_non_null(first);
  char call_key[48];
  snprintf(call_key, sizeof call_key, "%.42s", first);
  size_t calls = 0;
  for (const char *q = j; (q = strstr(q, "\"kind\":\"rpc-call\"")); q++) calls++;
  size_t same = 0;
  for (const char *q = j; (q = strstr(q, call_key)); q++) same++;
  assert_true(strstr(j, "\"kind\":\"error\"") != NULL || calls == 1);
  assert_int_equal(same, 2 * calls); /* each rpc-call and rpc-result */
  fprintf(stderr, "  the caller made the call in %zu attempts, the callee ran it once\n", calls);
  free(j);
  for (int i = 0; i < 4; i++) loam_value_free(p[i]);
  loam_value_free(one);
}

static void test_caller_retrying(void **state) { caller_retrying(*state, false); }
static void test_caller_retrying_queued(void **state) { caller_retrying(*state, true); }

/* A caller waiting on an interrupted callee: the wait lasts until it is
 * resumed, and closing the executor meanwhile does not hang. */
static void test_close_while_waiting(void **state) {
  fixture *f = *state;
  loam_error err;
  assert_true(loam_worker_create(f->ex, "callee", "held", 0, NULL, 0, NULL, &err));
  assert_true(loam_worker_interrupt(f->ex, "callee", "held", &err));
  loam_value *one = rpc_u64(1);
  loam_value *p[3] = {rpc_str("worker://callee/held"), rpc_str(CALLEE_API ".{inc}"),
                      rpc_wv_list(&f->T, 1, &one)};
  /* enqueued: a pool thread runs the proxy, which waits on callee/held */
  assert_int_equal(loam_invoke(f->ex, "proxy", "w", PROXY_API ".{call}", p, 3, "held-1", NULL,
                               &err),
                   LOAM_OK);
  loam_worker_info wi;
  for (double t0 = rpc_now(); rpc_now() - t0 < 10;) {
    assert_true(loam_worker_get(f->ex, "callee", "held", &wi, &err));
    if (wi.pending) break;
    struct timespec ts = {0, 5 * 1000000L};
    nanosleep(&ts, NULL);
  }
  assert_int_equal(wi.pending, 1);
  loam_value_free(p[2]); /* typed by this executor's template: freed before it */
  p[2] = NULL;
  alarm(60); /* a hang fails the test */
  loam_executor_close(f->ex);
  alarm(0);
  /* reopened: the proxy's invocation is still owed; resume the callee and
   * it completes, the call made once */
  open_ex(f);
  p[2] = rpc_wv_list(&f->T, 1, &one);
  assert_true(loam_worker_resume(f->ex, "callee", "held", &err));
  loam_invoke_result r = {0};
  if (loam_invoke_and_await(f->ex, "proxy", "w", PROXY_API ".{call}", p, 3, "held-1", &r,
                            &err) != LOAM_OK)
    fail_msg("after reopen: %s", err.message);
  assert_int_equal(rpc_ok_u64(r.values[0]), 1);
  loam_invoke_result_free(&r);
  assert_int_equal(counter_of(f, "held"), 1);
  for (int i = 0; i < 3; i++) loam_value_free(p[i]);
  loam_value_free(one);
}

/* The target by numeric template id. */
static void test_numeric_template_id(void **state) {
  fixture *f = *state;
  loam_error err;
  const loam_template_info *t = loam_template_get(f->ex, "callee", 0, &err);
  char uri[64];
  snprintf(uri, sizeof uri, "worker://%llu/byid", (unsigned long long)t->id);
  loam_value *one = rpc_u64(2), *o = NULL;
  assert_int_equal(rpc_proxy(f->ex, &f->T, "id", "call", uri, CALLEE_API ".{inc}", 1, &one,
                             NULL, &o, &err),
                   LOAM_OK);
  assert_int_equal(rpc_ok_u64(o), 2);
  assert_int_equal(counter_of(f, "byid"), 2);
  loam_value_free(o);
  loam_value_free(one);
}

/* ---- cycles ---------------------------------------------------------------------- */

static void test_cycles(void **state) {
  fixture *f = *state;
  loam_error err;
  /* A -> A */
  loam_value *n = rpc_str("X"), *o = NULL;
  double t0 = rpc_now();
  assert_int_equal(rpc_proxy(f->ex, &f->T, "a", "call", "worker://proxy/a", PROXY_API ".{env}",
                             1, &n, NULL, &o, &err),
                   LOAM_OK);
  char msg[512];
  assert_int_equal(rpc_err_case(o, msg, sizeof msg), 1);
  assert_string_equal(msg, "call cycle: proxy/a -> proxy/a");
  loam_value_free(o);
  /* A -> B -> A: B's call is denied; A gets B's outcome as a value */
  loam_value *inner[3] = {rpc_str("worker://proxy/a"), rpc_str(PROXY_API ".{env}"),
                          rpc_wv_list(&f->T, 1, &n)};
  assert_int_equal(rpc_proxy(f->ex, &f->T, "a", "call", "worker://proxy/b", PROXY_API ".{call}",
                             3, inner, NULL, &o, &err),
                   LOAM_OK);
  loam_value *b_outcome = NULL;
  assert_true(rpc_ok_values(o, &f->T.outcome, 1, &b_outcome));
  assert_int_equal(rpc_err_case(b_outcome, msg, sizeof msg), 1);
  assert_string_equal(msg, "call cycle: proxy/a -> proxy/b -> proxy/a");
  assert_true(rpc_now() - t0 < 5.0); /* at once, no deadlock */
  loam_value_free(b_outcome);
  loam_value_free(o);
  /* A -> B -> C is no cycle */
  loam_value *inner2[3] = {rpc_str("worker://proxy/c"), rpc_str(PROXY_API ".{env}"),
                           rpc_wv_list(&f->T, 1, &n)};
  assert_int_equal(rpc_proxy(f->ex, &f->T, "a", "call", "worker://proxy/b", PROXY_API ".{call}",
                             3, inner2, NULL, &o, &err),
                   LOAM_OK);
  assert_true(rpc_ok_values(o, &f->T.outcome, 1, &b_outcome));
  assert_int_equal(b_outcome->of.var.tag, 0);
  loam_value_free(b_outcome);
  loam_value_free(o);
  for (int i = 0; i < 3; i++) loam_value_free(inner[i]), loam_value_free(inner2[i]);
  loam_value_free(n);
}

/* After an invoke nobody waits: A invokes B, B calls A (await), which is no
 * cycle (A has moved on) and goes through. */
static void test_invoke_is_no_cycle(void **state) {
  fixture *f = *state;
  loam_error err;
  loam_value *five = rpc_u64(5);
  /* what B's call asks of A: send inc(5) to callee/back */
  loam_value *for_a[3] = {rpc_str("worker://callee/back"), rpc_str(CALLEE_API ".{inc}"),
                          rpc_wv_list(&f->T, 1, &five)};
  loam_value *for_b[3] = {rpc_str("worker://proxy/a"), rpc_str(PROXY_API ".{send}"),
                          rpc_wv_list(&f->T, 3, for_a)};
  loam_value *o = NULL;
  assert_int_equal(rpc_proxy(f->ex, &f->T, "a", "send", "worker://proxy/b", PROXY_API ".{call}",
                             3, for_b, NULL, &o, &err),
                   LOAM_OK);
  assert_int_equal(o->of.var.tag, 0);
  loam_value_free(o);
  uint64_t v = 0;
  for (double t0 = rpc_now(); (v = counter_of(f, "back")) == 0 && rpc_now() - t0 < 10;) {
    struct timespec ts = {0, 10 * 1000000L};
    nanosleep(&ts, NULL);
  }
  assert_int_equal(v, 5);
  for (int i = 0; i < 3; i++) loam_value_free(for_a[i]), loam_value_free(for_b[i]);
  loam_value_free(five);
}

/* ---- env ---------------------------------------------------------------------------- */

static void test_env_inherited(void **state) {
  fixture *f = *state;
  loam_error err;
  const char *env[] = {"GREETING=hello", "ID=42"};
  assert_true(loam_worker_create(f->ex, "proxy", "envp", 2, env, 0, NULL, &err));
  loam_value *n = rpc_str("GREETING"), *o = NULL;
  assert_int_equal(rpc_proxy(f->ex, &f->T, "envp", "call", "worker://callee/newenv",
                             CALLEE_API ".{env}", 1, &n, NULL, &o, &err),
                   LOAM_OK);
  const loam_wit_func *ef = rpc_func(f->ex, "callee", CALLEE_API ".{env}");
  const loam_type *ot = ef->results[0].type;
  loam_value *v = NULL;
  assert_true(rpc_ok_values(o, &ot, 1, &v));
  assert_int_equal(v->of.var.tag, 1);
  assert_string_equal(v->of.var.payload->of.str.ptr, "hello");
  loam_value_free(v);
  loam_value_free(o);
  loam_worker_info wi;
  assert_true(loam_worker_get(f->ex, "callee", "newenv", &wi, &err));
  assert_int_equal(wi.nenv, 2);
  assert_string_equal(wi.env[1], "ID=42");
  /* an existing worker keeps its own env */
  assert_true(loam_worker_create(f->ex, "callee", "oldenv", 0, NULL, 0, NULL, &err));
  assert_int_equal(rpc_proxy(f->ex, &f->T, "envp", "call", "worker://callee/oldenv",
                             CALLEE_API ".{env}", 1, &n, NULL, &o, &err),
                   LOAM_OK);
  assert_true(rpc_ok_values(o, &ot, 1, &v));
  assert_int_equal(v->of.var.tag, 0);
  loam_value_free(v);
  loam_value_free(o);
  loam_value_free(n);
}

/* ---- many callers at once on one pool thread --------------------------------- */

typedef struct caller_arg { fixture *f; int id; int ok; } caller_arg;

enum { CALLERS = 4, CALLS = 25 };

static void *caller_main(void *p) {
  caller_arg *a = p;
  char worker[16];
  snprintf(worker, sizeof worker, "cc%d", a->id);
  loam_value *one = rpc_u64(1), *o = NULL;
  loam_error err;
  /* Proxy invocations enqueued, so the pool thread runs them: sends put the
   * callee in the run queue, and a call after one must not wait for the
   * pool thread it is itself blocking. The last one is awaited (it queues
   * behind the others on the same proxy). */
  for (int i = 0; i < CALLS; i++) {
    const char *fn = i % 2 ? PROXY_API ".{call}" : PROXY_API ".{send}";
    loam_value *params[3] = {rpc_str("worker://callee/shared"), rpc_str(CALLEE_API ".{inc}"),
                             rpc_wv_list(&a->f->T, 1, &one)};
    if (i + 1 < CALLS) {
      if (loam_invoke(a->f->ex, "proxy", worker, fn, params, 3, NULL, NULL, &err) == LOAM_OK)
        a->ok++;
    } else {
      loam_invoke_result r = {0};
      if (loam_invoke_and_await(a->f->ex, "proxy", worker, fn, params, 3, NULL, &r, &err) ==
              LOAM_OK && r.values[0]->of.var.tag == 0)
        a->ok++;
      loam_invoke_result_free(&r);
    }
    for (int k = 0; k < 3; k++) loam_value_free(params[k]);
  }
  loam_value_free(o);
  loam_value_free(one);
  return NULL;
}

static void test_concurrent_callers_one_thread(void **state) {
  fixture *f = *state;
  loam_executor_close(f->ex);
  loam_executor_options o = opts();
  o.threads = 1;
  loam_error err;
  f->ex = loam_executor_open(f->dir, &o, &err);
  assert_non_null(f->ex);
  f->T = rpc_types_of(f->ex);
  alarm(120); /* a deadlock fails the test instead of hanging it */
  pthread_t th[CALLERS];
  caller_arg args[CALLERS];
  uint64_t local0 = rpc_local(f);
  double t0 = rpc_now();
  for (int i = 0; i < CALLERS; i++) {
    args[i] = (caller_arg){f, i, 0};
    pthread_create(&th[i], NULL, caller_main, &args[i]);
  }
  for (int i = 0; i < CALLERS; i++) pthread_join(th[i], NULL);
  double dt = rpc_now() - t0;
  alarm(0);
  for (int i = 0; i < CALLERS; i++) assert_int_equal(args[i].ok, CALLS);
  assert_int_equal(counter_of(f, "shared"), CALLERS * CALLS);
  assert_int_equal(rpc_local(f) - local0, CALLERS * CALLS);
  fprintf(stderr, "  %d local calls from %d callers (1 pool thread, no fsync): %.0f us each\n",
          CALLERS * CALLS, CALLERS, dt * 1e6 / (CALLERS * CALLS));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_echo_every_kind, setup, teardown),
      cmocka_unit_test_setup_teardown(test_counter_once_and_replay, setup, teardown),
      cmocka_unit_test_setup_teardown(test_oplog_entries, setup, teardown),
      cmocka_unit_test_setup_teardown(test_invoke_fire_and_forget, setup, teardown),
      cmocka_unit_test_setup_teardown(test_async_parallel, setup, teardown),
      cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_callee_retrying, setup, teardown),
      cmocka_unit_test_setup_teardown(test_caller_retrying, setup, teardown),
      cmocka_unit_test_setup_teardown(test_caller_retrying_queued, setup, teardown),
      cmocka_unit_test_setup_teardown(test_close_while_waiting, setup, teardown),
      cmocka_unit_test_setup_teardown(test_numeric_template_id, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cycles, setup, teardown),
      cmocka_unit_test_setup_teardown(test_invoke_is_no_cycle, setup, teardown),
      cmocka_unit_test_setup_teardown(test_env_inherited, setup, teardown),
      cmocka_unit_test_setup_teardown(test_concurrent_callers_one_thread, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
