/*
 * test_compose.c — multi-module templates: loam_compose() writing a caller
 * with its stub, the executor linking them at instantiation (values copied
 * between the two memories, handles shared, destructors run on drop, state
 * rebuilt by replay after a restart), and the errors on both sides
 * (uncomposed caller, unused/missing stubs, a corrupted stub section).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "compose/compose.h"
#include "compose/sections.h"
#include "loam/executor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef LOAM_COMPOSE_DIR
#define LOAM_COMPOSE_DIR "build/tests/compose"
#endif
#define G(name) LOAM_COMPOSE_DIR "/" name ".wasm"
#define API "test:caller/api.{%s}"

static uint8_t *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "missing %s\n", path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc((size_t)n + 64);
  if (fread(b, 1, (size_t)n, f) != (size_t)n) exit(2);
  fclose(f);
  *len = (size_t)n;
  return b;
}

static char *temp_dir(void) {
  char *d = strdup("/tmp/loam-compose-XXXXXX");
  if (!mkdtemp(d)) exit(2);
  return d;
}

/* Each test gets a fresh temporary directory as its state, removed by the
 * teardown even when the test failed. */
static int make_dir(void **state) {
  *state = temp_dir();
  return 0;
}

static int remove_dir(void **state) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", (char *)*state);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", (char *)*state);
  free(*state);
  return 0;
}

/* Runs loam_compose with a report captured in *report (malloc'd). */
static bool compose(const char *caller, const char *const *stubs, size_t n, const char *out,
                    char **report, loam_error *err) {
  size_t rlen = 0;
  FILE *r = open_memstream(report, &rlen);
  loam_compose_opts o = {caller, stubs, n, out, r};
  bool ok = loam_compose(&o, err);
  fclose(r);
  return ok;
}

/* Appends a custom section (name, payload) to b[0..*len) (room for it). */
static void append_section(uint8_t *b, size_t *len, const char *name, const void *p,
                           size_t plen) {
  size_t nl = strlen(name), size = 1 + nl + plen;
  assert_true(nl < 128 && size < 128);
  b[(*len)++] = 0;
  b[(*len)++] = (uint8_t)size;
  b[(*len)++] = (uint8_t)nl;
  memcpy(b + *len, name, nl);
  *len += nl;
  memcpy(b + *len, p, plen);
  *len += plen;
}

/* Appends a "loam:stub" section holding stub[0..slen) (any size) to
 * b[0..*len), which has room for it. */
static void append_stub(uint8_t *b, size_t *len, const uint8_t *stub, size_t slen) {
  size_t nl = strlen(LOAM_STUB_SECTION), size = 1 + nl + slen, at = *len;
  b[at++] = 0;
  do {
    uint8_t x = size & 0x7f;
    size >>= 7;
    b[at++] = x | (size ? 0x80 : 0);
  } while (size);
  b[at++] = (uint8_t)nl;
  memcpy(b + at, LOAM_STUB_SECTION, nl);
  memcpy(b + at + nl, stub, slen);
  *len = at + nl + slen;
}

static loam_executor *open_exec(const char *dir) {
  loam_executor_options o;
  loam_executor_options_default(&o);
  o.retry.max_attempts = 1;
  loam_error err = {0};
  loam_executor *ex = loam_executor_open(dir, &o, &err);
  if (!ex) fail_msg("open: %s", err.message);
  return ex;
}

/* Invokes test:caller/api.{fn} on worker w with up to two params. */
static loam_value *call(loam_executor *ex, const char *fn, loam_value *a, loam_value *b) {
  char name[128];
  snprintf(name, sizeof name, API, fn);
  loam_value *p[2] = {a, b};
  size_t n = a ? (b ? 2 : 1) : 0;
  loam_invoke_result r = {0};
  loam_error err = {0};
  loam_status st = loam_invoke_and_await(ex, "cart", "w1", name, p, n, NULL, &r, &err);
  loam_value_free(a);
  loam_value_free(b);
  if (st != LOAM_OK) fail_msg("%s: %s", fn, err.message);
  assert_int_equal(r.nvalues, 1);
  loam_value *v = r.values[0];
  r.values[0] = NULL;
  loam_invoke_result_free(&r);
  return v;
}

static loam_value *str(const char *s) { return loam_value_string(s, strlen(s)); }
static loam_value *u32(uint32_t v) { return loam_value_uint(loam_type_prim(LOAM_T_U32), v); }

static void expect_str(loam_value *v, const char *s) {
  assert_int_equal(v->type->kind, LOAM_T_STRING);
  assert_int_equal(v->of.str.len, strlen(s));
  assert_memory_equal(v->of.str.ptr, s, strlen(s));
  loam_value_free(v);
}

static void expect_u32(loam_value *v, uint32_t want) {
  assert_int_equal(v->of.u, want);
  loam_value_free(v);
}

static void expect_names(loam_value *v, const char *const *want, size_t n) {
  assert_int_equal(v->type->kind, LOAM_T_LIST);
  assert_int_equal(v->of.seq.n, n);
  for (size_t i = 0; i < n; i++) {
    const loam_value *s = v->of.seq.items[i];
    assert_int_equal(s->of.str.len, strlen(want[i]));
    assert_memory_equal(s->of.str.ptr, want[i], strlen(want[i]));
  }
  loam_value_free(v);
}

/* The caller composed with its stub (and an unused one) runs through the
 * executor: construction, record/string params, list results, handles the
 * stub made used again, borrows and owns passed back, destructors. */
static void test_compose_and_invoke(void **state) {
  char *dir = *state, out[600], *report = NULL;
  snprintf(out, sizeof out, "%s/composed.wasm", dir);
  const char *stubs[] = {G("stub"), G("other")};
  loam_error err = {0};
  if (!compose(G("caller"), stubs, 2, out, &report, &err)) fail_msg("%s", err.message);
  assert_non_null(strstr(report, "stub " G("other") " is not used by " G("caller") ": left out"));
  char want[700];
  snprintf(want, sizeof want, "Writing composed component to %s\n", out);
  assert_non_null(strstr(report, want));
  free(report);
  /* the composed file starts with the caller, unchanged */
  size_t clen, olen, slen;
  uint8_t *cb = slurp(G("caller"), &clen), *ob = slurp(out, &olen), *sb = slurp(G("stub"), &slen);
  assert_true(olen > clen + slen);
  assert_memory_equal(cb, ob, clen);
  free(cb), free(sb);

  char data[700];
  snprintf(data, sizeof data, "%s/data", dir);
  loam_executor *ex = open_exec(data);
  const loam_template_info *t = loam_template_register(ex, "cart", ob, olen, NULL, NULL, &err);
  if (!t) fail_msg("register: %s", err.message);
  free(ob);
  expect_str(call(ex, "open", str("worker://history/u1"), NULL), "worker://history/u1");
  expect_u32(call(ex, "add", str("apple"), u32(2)), 2);
  expect_u32(call(ex, "add", str("pear \xc3\xa9"), u32(3)), 5);
  const char *names[] = {">apple", ">pear \xc3\xa9"};
  expect_names(call(ex, "names", str(">"), NULL), names, 2);
  /* fork: an own handle made by the stub, used by the caller, borrowed back
   * to the stub, dropped (destructor 1) */
  loam_value *fm = call(ex, "fork-and-merge", str("/fork"), NULL);
  assert_int_equal(fm->of.seq.n, 3);
  assert_string_equal(fm->of.seq.items[0]->of.str.ptr, "worker://history/u1/fork");
  assert_int_equal(fm->of.seq.items[1]->of.u, 10);
  assert_int_equal(fm->of.seq.items[2]->of.u, 1);
  loam_value_free(fm);
  /* absorb: an own handle given to the stub, which drops it (destructor 2);
   * one counter left alive */
  expect_u32(call(ex, "absorb", str("/abs"), NULL), 1 * 1000 + 2);
  /* many calls in one invocation: totals keep adding up (the stub kept
   * every name, so its memory grew while the caller's did not) */
  expect_u32(call(ex, "add-many", str("x"), u32(500)), 20 + 500);
  /* a restart: the stub instance is made afresh and replay rebuilds its
   * state through the caller's recorded invocations */
  loam_executor_close(ex);
  ex = open_exec(data);
  loam_value *all = call(ex, "names", str("#"), NULL);
  assert_int_equal(all->of.seq.n, 2 + 500);
  assert_string_equal(all->of.seq.items[0]->of.str.ptr, "#apple");
  assert_string_equal(all->of.seq.items[1]->of.str.ptr, "#pear \xc3\xa9");
  assert_string_equal(all->of.seq.items[501]->of.str.ptr, "#x");
  loam_value_free(all);
  expect_u32(call(ex, "close", NULL, NULL), 3);
  loam_executor_close(ex);
}

/* The caller alone: its stub imports are named, with the way out. */
static void test_uncomposed_rejected(void **state) {
  char *dir = *state;
  loam_executor *ex = open_exec(dir);
  size_t len;
  uint8_t *b = slurp(G("caller"), &len);
  loam_error err = {0};
  assert_null(loam_template_register(ex, "cart", b, len, NULL, NULL, &err));
  assert_int_equal(err.code, LOAM_ERR_UNKNOWN_IMPORT);
  assert_non_null(strstr(err.message, "test:counter-stub/stub-counter"));
  assert_non_null(strstr(err.message, "loam stubgen compose"));
  free(b);
  loam_executor_close(ex);
}

/* loam_compose's errors: a function the stub lacks, a stub interface no
 * stub provides, no stub used at all, an already composed input. */
static void test_compose_errors(void **state) {
  char *dir = *state, out[600], *report = NULL;
  snprintf(out, sizeof out, "%s/out.wasm", dir);
  const char *stub[] = {G("stub")}, *other[] = {G("other")};
  loam_error err = {0};
  assert_false(compose(G("bad_missing"), stub, 1, out, &report, &err));
  assert_non_null(strstr(err.message, "test:counter-stub/stub-counter.[method]counter.nope"));
  assert_non_null(strstr(err.message, "does not implement"));
  free(report);
  assert_false(compose(G("bad_ghost"), stub, 1, out, &report, &err));
  assert_non_null(strstr(err.message, "test:ghost-stub/stub-ghost.[method]ghost.boo"));
  free(report);
  /* the stub interface the caller imports is not among those given */
  assert_false(compose(G("caller"), other, 1, out, &report, &err));
  assert_non_null(strstr(err.message, "test:counter-stub/stub-counter"));
  assert_non_null(strstr(err.message, "no stub given exports"));
  free(report);
  /* a module importing no stub interface at all (the seed's first run) */
  assert_false(compose(G("other"), stub, 1, out, &report, &err));
  assert_string_equal(err.message, "no dependencies of component `" G("other") "` were found");
  assert_non_null(strstr(report, "stub " G("stub") " is not used by " G("other")));
  free(report);
  assert_int_equal(access(out, F_OK), -1); /* nothing written on failure */
  /* composing a composed module is refused */
  assert_true(compose(G("caller"), stub, 1, out, &report, &err));
  free(report);
  char out2[640];
  snprintf(out2, sizeof out2, "%s/out2.wasm", dir);
  assert_false(compose(out, stub, 1, out2, &report, &err));
  assert_non_null(strstr(err.message, "already composed"));
  free(report);
  /* a caller built against another version of the stub's WIT */
  assert_false(compose(G("caller_stale"), stub, 1, out2, &report, &err));
  assert_int_equal(err.code, LOAM_ERR_IMPORT_TYPE);
  assert_non_null(strstr(err.message, "[method]counter.add with another signature"));
  assert_non_null(strstr(err.message, "param 2 (`e`): type entry differs"));
  free(report);
  /* a stub that is not a stub (no WIT) */
  const char *nowit[] = {G("bad_ghost")};
  assert_false(compose(G("caller"), nowit, 1, out2, &report, &err));
  assert_non_null(strstr(err.message, "carries no WIT"));
  free(report);
}

/* The executor's checks of "loam:stub" sections made by hand. */
static void test_bad_stub_sections(void **state) {
  char *dir = *state, out[600], *report = NULL;
  snprintf(out, sizeof out, "%s/composed.wasm", dir);
  const char *stub[] = {G("stub")};
  loam_error err = {0};
  assert_true(compose(G("caller"), stub, 1, out, &report, &err));
  free(report);
  loam_executor *ex = open_exec(dir);
  size_t len;
  uint8_t *b = slurp(out, &len);
  /* a second loam:stub section holding garbage */
  append_section(b, &len, LOAM_STUB_SECTION, "\0asm\1\0\0\0\x05", 9);
  assert_null(loam_template_register(ex, "cart", b, len, NULL, NULL, &err));
  assert_int_equal(err.code, LOAM_ERR_MALFORMED);
  assert_non_null(strstr(err.message, "stub module #2 (custom section loam:stub) is not a valid module"));
  free(b);
  /* a section truncated in the middle (the file ends inside it) */
  b = slurp(out, &len);
  assert_null(loam_template_register(ex, "cart", b, len - 10, NULL, NULL, &err));
  free(b);
  /* a stub section that does not serve an import of the caller */
  size_t slen;
  uint8_t *s = slurp(G("stub"), &slen), *m = slurp(G("bad_missing"), &len);
  uint8_t *c = malloc(len + slen + 32);
  memcpy(c, m, len);
  size_t at = len;
  append_stub(c, &at, s, slen);
  assert_null(loam_template_register(ex, "bad", c, at, NULL, "x", &err));
  assert_int_equal(err.code, LOAM_ERR_UNKNOWN_IMPORT);
  assert_non_null(strstr(err.message, "[method]counter.nope"));
  free(c), free(s), free(m);
  /* the same stale caller composed by hand: refused at registration */
  size_t stlen;
  m = slurp(G("caller_stale"), &len);
  s = slurp(G("stub"), &slen);
  c = malloc(len + slen + 32);
  memcpy(c, m, len);
  stlen = len;
  append_stub(c, &stlen, s, slen);
  assert_null(loam_template_register(ex, "stale", c, stlen, NULL, NULL, &err));
  assert_int_equal(err.code, LOAM_ERR_IMPORT_TYPE);
  assert_non_null(strstr(err.message, "another version of the stub"));
  free(c), free(s), free(m);
  loam_executor_close(ex);
}

/* Two stubs in one template, for a caller whose WIT (given at
 * registration) does not describe them: the stubs' WIT does. */
static void test_two_stubs(void **state) {
  char *dir = *state, out[600], *report = NULL;
  snprintf(out, sizeof out, "%s/multi.wasm", dir);
  const char *stubs[] = {G("other"), G("stub")};
  loam_error err = {0};
  if (!compose(G("multi"), stubs, 2, out, &report, &err)) fail_msg("%s", err.message);
  assert_null(strstr(report, "not used"));
  free(report);
  loam_executor *ex = open_exec(dir);
  size_t len;
  uint8_t *b = slurp(out, &len);
  const char *wit = "package t:multi; world multi { export run: func() -> u32; }";
  if (!loam_template_register(ex, "multi", b, len, wit, NULL, &err))
    fail_msg("register: %s", err.message);
  free(b);
  loam_invoke_result r = {0};
  if (loam_invoke_and_await(ex, "multi", "m", "run", NULL, 0, NULL, &r, &err) != LOAM_OK)
    fail_msg("run: %s", err.message);
  assert_int_equal(r.values[0]->of.u, 7 * 100 + 0);
  loam_invoke_result_free(&r);
  loam_executor_close(ex);
}

/* A stub call that runs past the invocation's deadline stops it with the
 * deadline trap itself (not a host trap), so the executor treats it as it
 * treats the caller's own loops. */
static void test_stub_deadline(void **state) {
  char *dir = *state, out[600], data[640], *report = NULL;
  snprintf(out, sizeof out, "%s/composed.wasm", dir);
  snprintf(data, sizeof data, "%s/data", dir);
  const char *stub[] = {G("stub")};
  loam_error err = {0};
  assert_true(compose(G("caller"), stub, 1, out, &report, &err));
  free(report);
  loam_executor_options o;
  loam_executor_options_default(&o);
  o.retry.max_attempts = 1;
  o.timeout_ms = 300;
  loam_executor *ex = loam_executor_open(data, &o, &err);
  assert_non_null(ex);
  size_t len;
  uint8_t *b = slurp(out, &len);
  assert_non_null(loam_template_register(ex, "cart", b, len, NULL, NULL, &err));
  free(b);
  const loam_type *u64 = loam_type_prim(LOAM_T_U64);
  loam_value *p = loam_value_uint(u64, 1000);
  loam_invoke_result r = {0};
  assert_int_equal(loam_invoke_and_await(ex, "cart", "w1", "test:caller/api.{spin}", &p, 1,
                                         NULL, &r, &err), LOAM_OK);
  assert_int_equal(r.values[0]->of.u, 1000);
  loam_invoke_result_free(&r);
  loam_value_free(p);
  p = loam_value_uint(u64, UINT64_MAX);
  loam_status st = loam_invoke_and_await(ex, "cart", "w2", "test:caller/api.{spin}", &p, 1,
                                         NULL, &r, &err);
  loam_value_free(p);
  assert_int_equal(st, LOAM_TRAP_DEADLINE);
  loam_executor_close(ex);
}

static bool count_bytes(void *user, const uint8_t *data, size_t len, loam_error *err) {
  (void)data, (void)err;
  *(size_t *)user += len;
  return true;
}

/* The section walker on every prefix of a composed file and on a section
 * size pointing past the end: a clean answer each time, never a read past
 * the bytes (ASan builds check). */
static void test_section_walker(void **state) {
  char *dir = *state, out[600], *report = NULL;
  snprintf(out, sizeof out, "%s/composed.wasm", dir);
  const char *stub[] = {G("stub")};
  loam_error err = {0};
  assert_true(compose(G("caller"), stub, 1, out, &report, &err));
  free(report);
  size_t len, slen, n, bytes = 0;
  uint8_t *b = slurp(out, &len), *sb = slurp(G("stub"), &slen);
  assert_true(loam_custom_sections(b, len, LOAM_STUB_SECTION, count_bytes, &bytes, &n, &err));
  assert_int_equal(n, 1);
  assert_int_equal(bytes, slen); /* the section holds the stub's bytes */
  size_t ok = 0, clen;
  free(slurp(G("caller"), &clen));
  for (size_t k = 0; k < len; k++) {
    /* every prefix near the stub section's start and the end, a sample
     * elsewhere (an exact copy each, so this stays quick under ASan) */
    bool near = (k + 300 > clen && k < clen + 300) || k + 300 > len;
    if (!near && k % 61) continue;
    uint8_t *copy = malloc(k ? k : 1); /* exact size: ASan sees any overread */
    memcpy(copy, b, k);
    if (loam_custom_sections(copy, k, LOAM_STUB_SECTION, NULL, NULL, &n, &err)) ok++;
    else assert_int_equal(err.code, LOAM_ERR_MALFORMED);
    free(copy);
  }
  assert_true(ok > 0 && ok < 100); /* only prefixes ending between sections */
  /* the stub section (right after the caller's bytes) claiming 2 MiB:
   * its 3-byte size LEB128 set to 2^21 - 1 */
  assert_int_equal(b[clen], 0);
  assert_true(slen < (1u << 21) && (b[clen + 1] & 0x80) && (b[clen + 2] & 0x80));
  b[clen + 1] = 0xff, b[clen + 2] = 0xff, b[clen + 3] = 0x7f;
  assert_false(loam_custom_sections(b, len, LOAM_STUB_SECTION, NULL, NULL, &n, &err));
  assert_non_null(strstr(err.message, "runs past the end"));
  free(b), free(sb);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_compose_and_invoke, make_dir, remove_dir),
      cmocka_unit_test_setup_teardown(test_uncomposed_rejected, make_dir, remove_dir),
      cmocka_unit_test_setup_teardown(test_compose_errors, make_dir, remove_dir),
      cmocka_unit_test_setup_teardown(test_bad_stub_sections, make_dir, remove_dir),
      cmocka_unit_test_setup_teardown(test_section_walker, make_dir, remove_dir),
      cmocka_unit_test_setup_teardown(test_stub_deadline, make_dir, remove_dir),
      cmocka_unit_test_setup_teardown(test_two_stubs, make_dir, remove_dir),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
