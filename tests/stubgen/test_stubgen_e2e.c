/*
 * test_stubgen_e2e.c — a generated stub end to end, as the issue asks: every
 * type kind crosses the stub intact both ways. Through the CLI (LOAM_BIN):
 * stubgen generate for the kitchen-sink target (tests/stubgen/kitchen), loam
 * build of the stub, of the echoing target (tests/stubgen/echo/target.c) and
 * of a caller (tests/stubgen/echo/caller) after add-stub-dependency, stubgen
 * compose; then both templates go to an executor (include/loam/executor.h)
 * and the caller's functions are invoked with values of every kind: each
 * call goes caller -> stub -> golem:rpc -> target and back, and must return
 * its argument unchanged. Also: async futures (subscribe/block/get, get
 * before ready, poll over two workers), fire-and-forget, a second exported
 * interface, an rpc-error trapping the caller with the stub's message.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loam/executor.h"
#include "loam/value.h"

#ifndef LOAM_BIN
#error "LOAM_BIN must name the loam binary (tests/stubgen/stubgen.cmake)"
#endif

static char root[4096];
static char tmp[64];
static loam_executor *ex;

/* guest stderr, for the rpc-error message */
static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;
static char err_out[8192];
static size_t err_len;

static void on_output(void *user, const char *tmpl, const char *worker, int stream,
                      const uint8_t *bytes, size_t len) {
  (void)user, (void)tmpl, (void)worker;
  if (stream != 2) return;
  pthread_mutex_lock(&out_mu);
  size_t n = len < sizeof err_out - 1 - err_len ? len : sizeof err_out - 1 - err_len;
  memcpy(err_out + err_len, bytes, n);
  err_len += n;
  err_out[err_len] = '\0';
  pthread_mutex_unlock(&out_mu);
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...) {
  char *cmd = NULL;
  va_list ap;
  va_start(ap, fmt);
  assert_true(vasprintf(&cmd, fmt, ap) > 0);
  va_end(ap);
  char *full = NULL;
  assert_true(asprintf(&full, "%s >>'%s/log' 2>&1", cmd, tmp) > 0);
  if (system(full) != 0) {
    char *log = NULL;
    assert_true(asprintf(&log, "tail -30 '%s/log' >&2", tmp) > 0);
    if (system(log)) {}
    fail_msg("failed: %s", cmd);
  }
  free(cmd);
  free(full);
}

static uint8_t *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc((size_t)n + 1);
  assert_non_null(b);
  assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return b;
}

static void add_template(const char *name, const char *file) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", tmp, file);
  size_t len;
  uint8_t *wasm = slurp(path, &len);
  loam_error err = {0};
  const loam_template_info *t = loam_template_register(ex, name, wasm, len, NULL, NULL, &err);
  if (!t) fail_msg("registering %s: %s", name, err.message);
  free(wasm);
}

/* Builds everything through the CLI and opens an executor with both templates. */
static int setup(void **state) {
  (void)state;
  snprintf(root, sizeof root, "%s", __FILE__);
  for (int i = 0; i < 3; i++) *strrchr(root, '/') = '\0';
  snprintf(tmp, sizeof tmp, "/tmp/loam-test-stubgen-e2e-XXXXXX");
  assert_non_null(mkdtemp(tmp));
  const char *L = LOAM_BIN;
  sh("'%s' stubgen generate --source-wit-root '%s/tests/stubgen/kitchen/wit' "
     "--dest-crate-root '%s/stub'", L, root, tmp);
  /* the stub gets at most 4 MiB of memory: a leak in its per-call work
   * then traps it within test_no_leaks' calls (see there) */
  char toml[128];
  snprintf(toml, sizeof toml, "%s/stub/loam.toml", tmp);
  FILE *f = fopen(toml, "a");
  assert_non_null(f);
  fputs("cflags = [\"-Wl,--max-memory=4194304\"]\n", f);
  fclose(f);
  sh("'%s' build -C '%s/stub'", L, tmp);
  sh("'%s' build --wit '%s/tests/stubgen/kitchen/wit' --bindings '%s/target-bindings' "
     "-o '%s/target.wasm' '%s/tests/stubgen/echo/target.c'", L, root, tmp, tmp, root);
  sh("mkdir -p '%s/caller-wit' && cp '%s/tests/stubgen/echo/caller/caller.wit' '%s/caller-wit/'",
     tmp, root, tmp);
  sh("'%s' stubgen add-stub-dependency --stub-wit-root '%s/stub/wit' --dest-wit-root "
     "'%s/caller-wit'", L, tmp, tmp);
  sh("'%s' build --wit '%s/caller-wit' --bindings '%s/caller-bindings' -o '%s/caller.wasm' "
     "'%s/tests/stubgen/echo/caller/caller.c'", L, tmp, tmp, tmp, root);
  sh("'%s' stubgen compose --source-wasm '%s/caller.wasm' --stub-wasm '%s/stub/kitchen_stub.wasm' "
     "--dest-wasm '%s/composed.wasm'", L, tmp, tmp, tmp);
  loam_executor_options o;
  loam_executor_options_default(&o);
  o.durability = LOAM_DURABILITY_NOSYNC;   /* durability is not what this tests */
  o.retry.max_attempts = 1;                /* a trap fails at once */
  o.on_output = on_output;
  char data[128];
  snprintf(data, sizeof data, "%s/data", tmp);
  loam_error err = {0};
  ex = loam_executor_open(data, &o, &err);
  if (!ex) fail_msg("%s", err.message);
  add_template("kitchen", "target.wasm");
  add_template("caller", "composed.wasm");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  loam_executor_close(ex);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
  return system(cmd) == 0 ? 0 : -1;
}

/* ---- calls ------------------------------------------------------------------- */

#define RUN "test:caller/run.{"

/* Invokes caller function fn on worker `worker` with WAVE params; returns the
 * result (or NULL for none) and the status. */
static loam_status call(const char *worker, const char *fn, const char *const *params, size_t n,
                        loam_invoke_result *out, loam_error *err) {
  loam_error e = {0};
  const loam_template_info *t = loam_template_get(ex, "caller", 0, &e);
  assert_non_null(t);
  char full[200];
  snprintf(full, sizeof full, RUN "%s}", fn);
  const loam_export_info *x = loam_template_find_export(t, full, &e);
  if (!x) fail_msg("%s", e.message);
  assert_int_equal(x->func->nparams, n);
  loam_value *v[16];
  for (size_t i = 0; i < n; i++) {
    loam_verr ve = {{0}};
    v[i] = loam_value_from_wave(x->func->params[i].type, params[i], strlen(params[i]), &ve);
    if (!v[i]) fail_msg("param %zu of %s: %s", i, fn, ve.message);
  }
  loam_status s = loam_invoke_and_await(ex, "caller", worker, full, v, n, NULL, out, err);
  for (size_t i = 0; i < n; i++) loam_value_free(v[i]);
  return s;
}

/* The call returns `want` (WAVE of the result type). */
static void expect(const char *worker, const char *fn, const char *const *params, size_t n,
                   const char *want) {
  loam_invoke_result r = {0};
  loam_error err = {0};
  loam_status s = call(worker, fn, params, n, &r, &err);
  if (s != LOAM_OK) fail_msg("%s failed: %s\n%s", fn, err.message, err_out);
  assert_int_equal(r.nvalues, 1);
  char *got = loam_value_to_wave(r.values[0]);
  loam_verr ve = {{0}};
  loam_value *w = loam_value_from_wave(r.values[0]->type, want, strlen(want), &ve);
  if (!w) fail_msg("expected value of %s: %s", fn, ve.message);
  if (!loam_value_equal(w, r.values[0]))
    fail_msg("%s(%s...) came back as\n  %s\nexpected\n  %s", fn, n > 1 ? params[1] : "", got, want);
  free(got);
  loam_value_free(w);
  loam_invoke_result_free(&r);
}

/* A call whose result is its last param. */
static void echo(const char *worker, const char *fn, const char *value) {
  const char *p[] = {"\"worker://kitchen/t1\"", value};
  expect(worker, fn, p, 2, value);
}

static const char *const everything[] = {
    /* every primitive at an edge, nested composites */
    "{b: true, u8f: 255, u16f: 65535, u32f: 4294967295, u64f: 18446744073709551615, "
    "s8f: -128, s16f: -32768, s32f: -2147483648, s64f: -9223372036854775808, "
    "f32f: -1.5, f64f: 1e300, c: '\xf0\x9f\xa6\x80', s: \"h\xc3\xa9llo \\\"w\\\"\\n\", "
    "color: blue, perms: {read, exec}, pt: {x: -1, y: 2}, "
    "sh: rect(({x: 1, y: 2}, {x: 3, y: 4})), items: [{x: 5, y: 6}, {x: 7, y: 8}], "
    "maybe: some(\"yes\"), res: ok(42), pair: (\"p\", 'q', false), data: [0, 1, 254, 255], "
    "nested: [some([circle(2.5), nothing, named(\"n\")]), none, some([])], "
    "path: [{x: 1, y: 1}, {x: -2, y: 3}]}",
    /* the other cases: empty, none, err, no payload */
    "{b: false, u8f: 0, u16f: 0, u32f: 0, u64f: 0, s8f: 127, s16f: 32767, s32f: 2147483647, "
    "s64f: 9223372036854775807, f32f: 0, f64f: -0.25, c: 'a', s: \"\", color: red, perms: {}, "
    "pt: {x: 0, y: 0}, sh: nothing, items: [], maybe: none, res: err(\"bad\"), "
    "pair: (\"\", '\\u{10ffff}', true), data: [], nested: [], path: []}",
};

static void test_everything(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof everything / sizeof everything[0]; i++) {
    echo("c1", "rt-everything", everything[i]);
    echo("c1", "rt-everything-async", everything[i]);
  }
}

static void test_prims(void **state) {
  (void)state;
  const char *p[] = {"\"worker://kitchen/t1\"", "true", "255", "-128", "65535", "-32768",
                     "4294967295", "-2147483648", "18446744073709551615",
                     "-9223372036854775808", "3.5", "-2.25e-300", "'\xc3\xbc'",
                     "\"\xe2\x82\xac 100\""};
  expect("c1", "rt-prims", p, 14,
         "(true, 255, -128, 65535, -32768, 4294967295, -2147483648, 18446744073709551615, "
         "-9223372036854775808, 3.5, -2.25e-300, '\xc3\xbc', \"\xe2\x82\xac 100\")");
}

static void test_enums_options_results(void **state) {
  (void)state;
  const char *colors[] = {"red", "green", "blue"};
  for (int i = 0; i < 3; i++) echo("c1", "rt-color", colors[i]);
  const char *perms[] = {"{}", "{read}", "{write, exec}", "{read, write, exec}"};
  for (int i = 0; i < 4; i++) echo("c1", "rt-perms", perms[i]);
  echo("c1", "rt-option", "some({x: -7, y: 9})");
  echo("c1", "rt-option", "none");
  echo("c1", "rt-result", "ok(\"fine\")");
  echo("c1", "rt-result", "err(green)");
  echo("c1", "rt-unit-result", "ok");
  echo("c1", "rt-unit-result", "err");
  echo("c1", "rt-list", "[]");
  echo("c1", "rt-list", "[\"a\", \"\", \"\xc3\xbc\xc3\xbc\"]");
  echo("c1", "rt-list-async", "[\"x\", \"y\"]");
  const char *shapes[] = {"circle(-0.5)", "rect(({x: 1, y: 1}, {x: -1, y: -1}))", "nothing",
                          "named(\"\")"};
  for (int i = 0; i < 4; i++) echo("c1", "rt-shape", shapes[i]);
}

/* fire and noop are fire-and-forget, yet each arrives once, in order. */
static void test_fire_and_extra(void **state) {
  (void)state;
  const char *p[] = {"\"worker://kitchen/t2\"", "\"hello\""};
  expect("c2", "fire-and-count", p, 2, "1002");
  expect("c2", "fire-and-count", p, 2, "2004");
  const char *x[] = {"\"worker://kitchen/t2\"", "7", "-1", "2"};
  expect("c2", "rt-extra", x, 4, "\"z=7 x=-1 y=2 last-fire=hello\"");
}

static void test_parallel(void **state) {
  (void)state;
  const char *p[] = {"\"worker://kitchen/pa\"", "\"worker://kitchen/pb\"", "[\"one\", \"two\"]"};
  expect("c3", "parallel", p, 3, "([\"one\", \"two\"], [\"one\", \"two\"])");
  loam_executor_stats st;
  loam_executor_stats_get(ex, &st);
  assert_true(st.rpc_local > 0);
}

/* The stub frees every temporary: with its memory capped at 4 MiB (setup),
 * 150 blocking and 150 async round trips of a ~40 KB list in one invocation
 * would exhaust it (and trap) if any param, wit-value or result leaked (each
 * call moves the list through the stub four times). */
static void test_no_leaks(void **state) {
  (void)state;
  size_t n = 300, cap = n * 140 + 16;
  char *list = malloc(cap), *p = list;
  assert_non_null(list);
  p += sprintf(p, "[");
  for (size_t i = 0; i < n; i++)
    p += sprintf(p, "%s\"%03zu-%0120d\"", i ? ", " : "", i, 0);
  sprintf(p, "]");
  const char *params[] = {"\"worker://kitchen/leak\"", list};
  for (int i = 0; i < 30; i++) expect("c5", "rt-list", params, 2, list);
  for (int i = 0; i < 10; i++) expect("c5", "rt-list-async", params, 2, list);
  /* and within one invocation, where the stub instance surely lives on */
  const char *many[] = {"\"worker://kitchen/leak\"", list, "150"};
  expect("c5", "rt-list-many", many, 3, list);
  free(list);
}

/* An rpc-error traps the caller with the stub's message. */
static void test_rpc_error(void **state) {
  (void)state;
  const char *p[] = {"\"worker://no-such-template/x\"", "red"};
  loam_invoke_result r = {0};
  loam_error err = {0};
  loam_status s = call("c4", "rt-color", p, 2, &r, &err);
  assert_int_not_equal(s, LOAM_OK);
  pthread_mutex_lock(&out_mu);
  bool found = strstr(err_out, "rpc error calling echo-color: not-found: ") &&
               strstr(err_out, "no-such-template");
  pthread_mutex_unlock(&out_mu);
  if (!found) fail_msg("stderr lacks the stub's message:\n%s\n(trap: %s)", err_out, err.message);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_everything),
      cmocka_unit_test(test_prims),
      cmocka_unit_test(test_enums_options_results),
      cmocka_unit_test(test_fire_and_extra),
      cmocka_unit_test(test_parallel),
      cmocka_unit_test(test_no_leaks),
      cmocka_unit_test(test_rpc_error),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
