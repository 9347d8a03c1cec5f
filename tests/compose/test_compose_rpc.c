/*
 * test_compose_rpc.c — a caller composed with a stub that `loam stubgen
 * build` generated (so the stub itself calls golem:rpc): values of every
 * WIT type kind cross caller -> stub -> callee and back intact, through
 * blocking calls and futures (the stub's resources and the host's pollables
 * in one handle table), several futures polled at once, fire-and-forget, a
 * remote trap that traps the caller, and the worker's state after a restart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../executor/exec_helpers.h" /* file_bytes, remove_dir */
#include "compose/compose.h"
#include "loam/executor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef LOAM_COMPOSE_DIR
#define LOAM_COMPOSE_DIR "build/tests/compose"
#endif
#define G(name) LOAM_COMPOSE_DIR "/" name ".wasm"
#define URI "worker://callee/w1"

typedef struct fixture {
  char *dir;
  loam_executor *ex;
} fixture;

static loam_executor *open_exec(const char *dir) {
  loam_executor_options o;
  loam_executor_options_default(&o);
  o.retry.max_attempts = 1;
  loam_error err = {0};
  loam_executor *ex = loam_executor_open(dir, &o, &err);
  if (!ex) fail_msg("open: %s", err.message);
  return ex;
}

static void add_template(loam_executor *ex, const char *name, const char *path) {
  size_t len;
  uint8_t *b = file_bytes(path, &len);
  loam_error err = {0};
  if (!loam_template_register(ex, name, b, len, NULL, NULL, &err))
    fail_msg("register %s: %s", name, err.message);
  free(b);
}

/* Composes stubcaller with the generated stub, registers it and the
 * callee. */
static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  f->dir = strdup("/tmp/loam-compose-rpc-XXXXXX");
  if (!mkdtemp(f->dir)) return -1;
  char out[256], data[256];
  snprintf(out, sizeof out, "%s/composed.wasm", f->dir);
  snprintf(data, sizeof data, "%s/data", f->dir);
  const char *stubs[] = {G("callee_stub")};
  loam_compose_opts o = {G("stubcaller"), stubs, 1, out, NULL};
  loam_error err = {0};
  if (!loam_compose(&o, &err)) {
    fprintf(stderr, "compose: %s\n", err.message);
    return -1;
  }
  f->ex = open_exec(data);
  add_template(f->ex, "callee", G("callee"));
  add_template(f->ex, "caller", out);
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

/* The WIT function `name` of the caller's api. */
static const loam_wit_func *caller_func(fixture *f, const char *name) {
  loam_error err;
  const loam_template_info *t = loam_template_get(f->ex, "caller", 0, &err);
  if (!t) fail_msg("%s", err.message);
  const loam_export_info *e = loam_template_find_export(t, name, &err);
  if (!e) fail_msg("%s", err.message);
  return e->func;
}

/* Invokes the caller's `fn` on worker w; the status, its result in *out. */
static loam_status invoke(fixture *f, const char *w, const char *fn, loam_value **p, size_t n,
                          loam_value **out, loam_error *err) {
  char name[128];
  snprintf(name, sizeof name, "test:stubcaller/api.{%s}", fn);
  loam_invoke_result r = {0};
  loam_status st = loam_invoke_and_await(f->ex, "caller", w, name, p, n, NULL, &r, err);
  for (size_t i = 0; i < n; i++) loam_value_free(p[i]);
  if (out) *out = NULL;
  if (st == LOAM_OK && out && r.nvalues) {
    *out = r.values[0];
    r.values[0] = NULL;
  }
  loam_invoke_result_free(&r);
  return st;
}

static loam_value *must(fixture *f, const char *fn, loam_value **p, size_t n) {
  loam_value *v = NULL;
  loam_error err = {0};
  if (invoke(f, "c1", fn, p, n, &v, &err) != LOAM_OK) fail_msg("%s: %s", fn, err.message);
  return v;
}

static loam_value *str(const char *s) { return loam_value_string(s, strlen(s)); }

static const char *const VALUES[] = {
    "{p: {a: 200, b: 60000, c: 4000000000, d: 18446744073709551614, e: -100, f: -30000, "
    "g: -2000000000, h: -9000000000000000000, i: 0.75, j: -1.125, k: '\xe2\x9c\x93', l: true, "
    "m: \"caf\xc3\xa9 \\u{0} end\"}, shapes: [rect((7, 8)), circle(2.5), empty], c: blue, "
    "f: {write}, t: (\"tt\", -100), l: [[9], [], [0, 128, 255]], o: some(some(\"inner\")), "
    "r: ok(7), r2: err(red), r3: err}",
    "{p: {a: 0, b: 0, c: 0, d: 0, e: 0, f: 0, g: 0, h: 0, i: 0.0, j: 0.0, k: 'z', l: false, "
    "m: \"\"}, shapes: [], c: red, f: {}, t: (\"\", 0), l: [], o: some(none), "
    "r: err(\"no \xf0\x9f\x98\x80\"), r2: ok, r3: ok}",
    "{p: {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: -3.5, j: 1e200, k: 'q', "
    "l: true, m: \"x\"}, shapes: [empty], c: green, f: {read, write, exec}, t: (\"s\", 1), "
    "l: [[1, 1]], o: none, r: ok(0), r2: ok, r3: ok}",
};

/* Every type kind through the stub and back, blocking and as a future. */
static void test_echo_through_stub(void **state) {
  fixture *f = *state;
  const loam_type *et = caller_func(f, "test:stubcaller/api.{echo}")->params[1].type;
  for (size_t i = 0; i < sizeof VALUES / sizeof VALUES[0]; i++) {
    for (int async = 0; async < 2; async++) {
      loam_verr verr;
      loam_value *v = loam_value_from_wave(et, VALUES[i], strlen(VALUES[i]), &verr);
      if (!v) fail_msg("wave %zu: %s", i, verr.message);
      loam_value *p[2] = {str(URI), loam_value_clone(v)};
      loam_value *back = must(f, async ? "echo-async" : "echo", p, 2);
      if (!loam_value_equal(v, back)) {
        char *a = loam_value_to_wave(v), *b = loam_value_to_wave(back);
        fail_msg("value %zu (%s) changed:\n  sent %s\n  got  %s", i, async ? "future" : "blocking",
                 a, b);
      }
      loam_value_free(back);
      loam_value_free(v);
    }
  }
  loam_executor_stats st;
  loam_executor_stats_get(f->ex, &st);
  assert_true(st.rpc_local >= 6);
}

/* Five futures in flight, polled together; each result lands in its slot. */
static void test_parallel_futures(void **state) {
  fixture *f = *state;
  loam_value *p[2] = {str(URI), loam_value_uint(loam_type_prim(LOAM_T_U32), 5)};
  loam_value *v = must(f, "echo2-many", p, 2);
  assert_int_equal(v->of.seq.n, 5);
  for (size_t i = 0; i < 5; i++) {
    const loam_value *t = v->of.seq.items[i];
    char want[3] = {'m', (char)('a' + i), 0};
    assert_int_equal(t->of.seq.items[0]->of.u, i + 1);
    assert_string_equal(t->of.seq.items[1]->of.str.ptr, want);
  }
  loam_value_free(v);
}

/* Fire-and-forget, blocking and future calls on one remote counter, which
 * keeps counting after the executor restarts. */
static void test_counter_and_restart(void **state) {
  fixture *f = *state;
  loam_value *p[2] = {str(URI), loam_value_uint(loam_type_prim(LOAM_T_U64), 5)};
  loam_value *v = must(f, "inc-twice", p, 2);
  assert_int_equal(v->of.seq.items[0]->of.u, 5);
  assert_int_equal(v->of.seq.items[1]->of.u, 5);
  loam_value_free(v);
  loam_executor_close(f->ex);
  char data[256];
  snprintf(data, sizeof data, "%s/data", f->dir);
  f->ex = open_exec(data);
  p[0] = str(URI);
  p[1] = loam_value_uint(loam_type_prim(LOAM_T_U64), 2);
  v = must(f, "inc-twice", p, 2);
  assert_int_equal(v->of.seq.items[0]->of.u, 7);
  assert_int_equal(v->of.seq.items[1]->of.u, 7);
  loam_value_free(v);
}

/* The callee traps: the stub gets remote-internal-error and traps the
 * caller (as Golem's stubs panic); the callee is not trapped twice. */
static void test_remote_trap(void **state) {
  fixture *f = *state;
  loam_value *p[2] = {str("worker://callee/w-boom"), str("kaput")};
  loam_error err = {0};
  loam_status st = invoke(f, "c-boom", "boom", p, 2, NULL, &err);
  assert_true(LOAM_IS_TRAP(st));
  /* the trap names the stub function it came from */
  assert_non_null(strstr(err.message, "test:callee-stub/stub-callee#[method]api.blocking-boom"));
  assert_non_null(strstr(err.message, "the stub aborted"));
  /* and quotes the line the stub wrote before aborting: the rpc error */
  assert_non_null(strstr(err.message, "(the stub aborted: rpc error calling boom: "
                                      "remote-internal-error"));
  /* the stub wrote the rpc-error to the caller's stderr (its log) first */
  char *log = loam_worker_oplog_json(f->ex, "caller", "c-boom", 0, 0, &err);
  assert_non_null(log);
  assert_non_null(strstr(log, "remote-internal-error"));
  free(log);
  /* an unknown template is a not-found error the stub turns into a trap */
  p[0] = str("worker://no-such-template/x");
  loam_verr verr;
  const loam_type *et = caller_func(f, "test:stubcaller/api.{echo}")->params[1].type;
  p[1] = loam_value_from_wave(et, VALUES[1], strlen(VALUES[1]), &verr);
  st = invoke(f, "c-nf", "echo", p, 2, NULL, &err);
  assert_true(LOAM_IS_TRAP(st));
  assert_non_null(strstr(err.message, "[method]api.blocking-echo"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_echo_through_stub, setup, teardown),
      cmocka_unit_test_setup_teardown(test_parallel_futures, setup, teardown),
      cmocka_unit_test_setup_teardown(test_counter_and_restart, setup, teardown),
      cmocka_unit_test_setup_teardown(test_remote_trap, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
