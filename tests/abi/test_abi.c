/*
 * test_abi.c — the canonical ABI against a real guest (tests/abi/guest/echo.c,
 * built for wasm32-wasi): values of every type kind lowered into the guest,
 * echoed, lifted and compared; randomized round trips of generated types and
 * values; the import direction (the guest calls host functions); resource
 * handle tables; and a misbehaving guest, whose bad pointers, UTF-8, chars
 * and discriminants must give errors, never crashes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/abi.h"

#ifndef LOAM_ECHO_WASM
#define LOAM_ECHO_WASM "build/tests/echo.wasm"
#endif

static const loam_type *P(loam_typekind k) { return loam_type_prim(k); }

/* ---- the fixture: one instance of the echo guest -------------------------- */

typedef struct fixture {
  loam_typectx *cx;
  loam_module *mod;
  loam_store *store;
  loam_linker *linker;
  loam_instance *inst;
  loam_handles *handles;
  loam_abi_guest g;
  const loam_type *thing;  /* resource thing */
  const loam_type *str_sig[1];
  int dropped;             /* [resource-drop]thing calls */
} fixture;

static fixture *F;  /* for the host functions */

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
  *len = fread(b, 1, (size_t)n, f);
  fclose(f);
  return b;
}

static loam_abi_guest caller_guest(loam_caller *c) {
  loam_abi_guest g;
  loam_abi_guest_init(&g, loam_caller_store(c), loam_caller_instance(c), F->handles);
  return g;
}

/* host.reverse: func(s: string) -> string, results through a return area. */
static loam_status host_reverse(loam_caller *c, uint64_t *slots, void *user) {
  (void)user;
  loam_abi_guest g = caller_guest(c);
  const loam_type *str[] = {P(LOAM_T_STRING)};
  loam_abi_sig sig = {1, str, 1, str};
  loam_value *in;
  loam_error err;
  if (!loam_abi_lift_params(&g, &sig, slots, &in, &err))
    return loam_caller_trap(c, LOAM_TRAP_HOST, 0, "%s", err.message);
  size_t n = in->of.str.len;
  char *r = malloc(n + 1);
  for (size_t i = 0; i < n; i++) r[i] = in->of.str.ptr[n - 1 - i];
  loam_value *out = loam_value_string(r, n);
  free(r);
  loam_value_free(in);
  bool ok = loam_abi_lower_results(&g, &sig, slots, &out, &err);
  loam_value_free(out);
  return ok ? LOAM_OK : loam_caller_trap(c, LOAM_TRAP_HOST, 0, "%s", err.message);
}

/* host.sum-many: func(17 x u32) -> u64: the params arrive spilled. */
static loam_status host_sum_many(loam_caller *c, uint64_t *slots, void *user) {
  (void)user;
  loam_abi_guest g = caller_guest(c);
  const loam_type *ps[17], *rs[] = {P(LOAM_T_U64)};
  for (int i = 0; i < 17; i++) ps[i] = P(LOAM_T_U32);
  loam_abi_sig sig = {17, ps, 1, rs};
  loam_value *in[17];
  loam_error err;
  if (!loam_abi_lift_params(&g, &sig, slots, in, &err))
    return loam_caller_trap(c, LOAM_TRAP_HOST, 0, "%s", err.message);
  uint64_t sum = 0;
  for (int i = 0; i < 17; i++) {
    sum += in[i]->of.u;
    loam_value_free(in[i]);
  }
  loam_value *out = loam_value_uint(P(LOAM_T_U64), sum);
  bool ok = loam_abi_lower_results(&g, &sig, slots, &out, &err);
  loam_value_free(out);
  return ok ? LOAM_OK : loam_caller_trap(c, LOAM_TRAP_HOST, 0, "%s", err.message);
}

static loam_status host_drop_thing(loam_caller *c, uint64_t *slots, void *user) {
  (void)user;
  bool destroy;
  uint32_t rep;
  loam_error err;
  if (!loam_handles_drop(F->handles, (uint32_t)slots[0], F->thing, &destroy, &rep, &err))
    return loam_caller_trap(c, LOAM_TRAP_HOST, 0, "%s", err.message);
  F->dropped++;
  return LOAM_OK;
}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  size_t len;
  uint8_t *bytes = read_file(LOAM_ECHO_WASM, &len);
  if (!bytes) {
    fprintf(stderr, "cannot read %s\n", LOAM_ECHO_WASM);
    return -1;
  }
  loam_error err;
  f->mod = loam_module_load(bytes, len, &err);
  free(bytes);
  if (!f->mod) {
    fprintf(stderr, "load: %s\n", err.message);
    return -1;
  }
  f->cx = loam_typectx_new();
  f->thing = loam_type_resource(f->cx, "thing");
  f->store = loam_store_new(0);
  f->linker = loam_linker_new();
  loam_extern e = {.kind = LOAM_EXTERN_FUNC};
  e.of.func = loam_func_new_host(f->store, "iii:", host_reverse, NULL);
  loam_linker_define(f->linker, "host", "reverse", e);
  e.of.func = loam_func_new_host(f->store, "i:I", host_sum_many, NULL);
  loam_linker_define(f->linker, "host", "sum-many", e);
  e.of.func = loam_func_new_host(f->store, "i:", host_drop_thing, NULL);
  loam_linker_define(f->linker, "host", "[resource-drop]thing", e);
  f->inst = loam_instantiate(f->store, f->mod, f->linker, &err);
  if (!f->inst) {
    fprintf(stderr, "instantiate: %s\n", err.message);
    return -1;
  }
  loam_func *init = loam_instance_func(f->inst, "_initialize");
  if (init && loam_call(f->store, init, NULL, 0, NULL, 0, &err) != LOAM_OK) {
    fprintf(stderr, "_initialize: %s\n", err.message);
    return -1;
  }
  f->handles = loam_handles_new();
  loam_abi_guest_init(&f->g, f->store, f->inst, NULL);
  F = f;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  loam_handles_free(f->handles);
  loam_linker_free(f->linker);
  loam_store_free(f->store);
  loam_module_free(f->mod);
  loam_typectx_free(f->cx);
  free(f);
  return 0;
}

/* ---- helpers -------------------------------------------------------------- */

static char *show(const loam_value *v) {
  char *s = loam_value_to_wave(v);
  return s ? s : strdup("?");
}

/* Calls `name` with one param of type t, result of type rt; returns the
 * lifted result or NULL (err filled). */
static loam_value *call1(fixture *f, const char *name, const loam_type *t,
                         const loam_type *rt, loam_value *v, loam_error *err) {
  loam_abi_sig sig = {1, &t, 1, &rt};
  loam_value *out = NULL;
  loam_status st = loam_abi_call(&f->g, name, &sig, &v, &out, err);
  if (st != LOAM_OK) return NULL;
  return out;
}

/* call1 that frees v. */
static loam_value *call1_free(fixture *f, const char *name, const loam_type *t,
                              const loam_type *rt, loam_value *v, loam_error *err) {
  loam_value *out = call1(f, name, t, rt, v, err);
  loam_value_free(v);
  return out;
}

/* Round trip v (of type t) through `name`; consumes v. */
static void echo(fixture *f, const char *name, const loam_type *t, loam_value *v) {
  assert_non_null(v);
  loam_error err;
  loam_value *out = call1(f, name, t, t, v, &err);
  if (!out) {
    char *s = show(v);
    loam_value_free(v);
    fail_msg("%s(%s): %s", name, s, err.message);
  }
  if (!loam_value_equal(v, out)) {
    char *a = show(v), *b = show(out);
    fail_msg("%s: sent %s, got %s", name, a, b);
  }
  loam_value_free(v);
  loam_value_free(out);
}

/* Expects the call to fail with a message containing `want`. */
static void expect_fail(fixture *f, const char *name, const loam_type *t,
                        const loam_type *rt, loam_value *v, const char *want) {
  loam_error err;
  loam_value *out = call1(f, name, t, rt, v, &err);
  loam_value_free(v);
  if (out) {
    char *s = show(out);
    fail_msg("%s: expected an error with \"%s\", got %s", name, want, s);
  }
  if (!strstr(err.message, want))
    fail_msg("%s: expected \"%s\" in the error, got \"%s\"", name, want, err.message);
}

static loam_value *str(const char *s) { return loam_value_string(s, strlen(s)); }

static loam_value *seq(const loam_type *t, size_t n, ...) {
  loam_value *items[32];
  va_list ap;
  va_start(ap, n);
  for (size_t i = 0; i < n; i++) items[i] = va_arg(ap, loam_value *);
  va_end(ap);
  return loam_value_seq(t, n, items);
}

static loam_value *with_type(loam_value *v, const loam_type *t) {
  v->type = t;
  return v;
}

/* ---- typed echoes ----------------------------------------------------------- */

static void test_scalars(void **state) {
  fixture *f = *state;
  echo(f, "echo-i32", P(LOAM_T_BOOL), loam_value_bool(true));
  echo(f, "echo-i32", P(LOAM_T_BOOL), loam_value_bool(false));
  echo(f, "echo-i32", P(LOAM_T_U8), loam_value_uint(P(LOAM_T_U8), 255));
  echo(f, "echo-i32", P(LOAM_T_S8), loam_value_int(P(LOAM_T_S8), -128));
  echo(f, "echo-i32", P(LOAM_T_U16), loam_value_uint(P(LOAM_T_U16), 65535));
  echo(f, "echo-i32", P(LOAM_T_S16), loam_value_int(P(LOAM_T_S16), -2));
  echo(f, "echo-i32", P(LOAM_T_U32), loam_value_uint(P(LOAM_T_U32), 0xFFFFFFFFu));
  echo(f, "echo-i32", P(LOAM_T_S32), loam_value_int(P(LOAM_T_S32), INT32_MIN));
  echo(f, "echo-i64", P(LOAM_T_U64), loam_value_uint(P(LOAM_T_U64), UINT64_MAX));
  echo(f, "echo-i64", P(LOAM_T_S64), loam_value_int(P(LOAM_T_S64), INT64_MIN));
  echo(f, "echo-f32", P(LOAM_T_F32), loam_value_f32(-0.0f));
  echo(f, "echo-f32", P(LOAM_T_F32), loam_value_f32(INFINITY));
  echo(f, "echo-f32", P(LOAM_T_F32), loam_value_f32(NAN));
  echo(f, "echo-f64", P(LOAM_T_F64), loam_value_f64(3.141592653589793));
  echo(f, "echo-f64", P(LOAM_T_F64), loam_value_f64(-INFINITY));
  echo(f, "echo-i32", P(LOAM_T_CHAR), loam_value_char(0x1F600));
  echo(f, "echo-i32", P(LOAM_T_CHAR), loam_value_char(0x10FFFF));
  const char *labels[] = {"red", "green", "blue"};
  const loam_type *en = loam_type_enum(f->cx, "color", 3, labels);
  echo(f, "echo-i32", en, loam_value_case(en, 2, NULL));
  const loam_type *fl = loam_type_flags(f->cx, "perm", 3, labels);
  loam_value *fv = loam_value_new(fl);
  fv->of.flags.bits[0] = 5;
  echo(f, "echo-i32", fl, fv);
  const loam_type *own = loam_type_handle(f->cx, LOAM_T_OWN, f->thing);
  loam_value *h = loam_value_new(own);
  h->of.handle = 7;
  echo(f, "echo-i32", own, h);  /* without a handle table: passed as is */

  /* A non-canonical NaN comes back as the canonical one. */
  uint32_t bits = 0xFFC00001u;
  float odd;
  memcpy(&odd, &bits, 4);
  loam_error err;
  loam_value *out = call1_free(f, "echo-f32", P(LOAM_T_F32), P(LOAM_T_F32), loam_value_f32(odd), &err);
  assert_non_null(out);
  memcpy(&bits, &out->of.f32, 4);
  assert_int_equal(bits, 0x7FC00000u);
  loam_value_free(out);
}

/* The guest leaks the arguments it does not free; check its memory stays
 * sane by running a typed test many times in test_random. */
static const loam_type *point_type(fixture *f) {
  loam_field fs[] = {{"x", P(LOAM_T_S32)}, {"y", P(LOAM_T_F64)}, {"name", P(LOAM_T_STRING)}};
  return loam_type_record(f->cx, "point", 3, fs);
}

static const loam_type *shape_type(fixture *f) {
  const loam_type *uu[] = {P(LOAM_T_U32), P(LOAM_T_U32)};
  loam_field cs[] = {{"circle", P(LOAM_T_F32)}, {"rect", loam_type_tuple(f->cx, 2, uu)},
                     {"label", P(LOAM_T_STRING)}, {"none", NULL}};
  return loam_type_variant(f->cx, "shape", 4, cs);
}

static void test_record(void **state) {
  fixture *f = *state;
  const loam_type *pt = point_type(f);
  assert_int_equal(pt->nflat, 4);
  echo(f, "echo-record", pt,
       seq(pt, 3, loam_value_int(P(LOAM_T_S32), -42), loam_value_f64(2.5), str("héllo wörld")));
  echo(f, "echo-record", pt,
       seq(pt, 3, loam_value_int(P(LOAM_T_S32), 0), loam_value_f64(-0.0), str("")));
}

static void test_variant(void **state) {
  fixture *f = *state;
  const loam_type *sh = shape_type(f);
  const loam_type *rect = sh->u.record.fields[1].type;
  echo(f, "echo-variant", sh, loam_value_case(sh, 0, loam_value_f32(1.5f)));
  echo(f, "echo-variant", sh,
       loam_value_case(sh, 1, seq(rect, 2, loam_value_uint(P(LOAM_T_U32), 3),
                                  loam_value_uint(P(LOAM_T_U32), 4000000000u))));
  echo(f, "echo-variant", sh, loam_value_case(sh, 2, str("a label ✓")));
  echo(f, "echo-variant", sh, loam_value_case(sh, 3, NULL));
}

static void test_result_option_flags(void **state) {
  fixture *f = *state;
  const loam_type *lu8 = loam_type_list(f->cx, P(LOAM_T_U8));
  const loam_type *res = loam_type_result(f->cx, lu8, P(LOAM_T_STRING));
  echo(f, "echo-result", res,
       loam_value_case(res, 0, seq(lu8, 3, loam_value_uint(P(LOAM_T_U8), 1),
                                   loam_value_uint(P(LOAM_T_U8), 0),
                                   loam_value_uint(P(LOAM_T_U8), 255))));
  echo(f, "echo-result", res, loam_value_case(res, 0, seq(lu8, 0)));
  echo(f, "echo-result", res, loam_value_case(res, 1, str("nope")));

  const loam_type *ou = loam_type_option(f->cx, P(LOAM_T_U64));
  echo(f, "echo-option-u64", ou, loam_value_case(ou, 0, NULL));
  echo(f, "echo-option-u64", ou,
       loam_value_case(ou, 1, loam_value_uint(P(LOAM_T_U64), 0x8000000000000001ull)));

  const char *labels[40];
  char names[40][8];
  for (int i = 0; i < 40; i++) {
    snprintf(names[i], sizeof names[i], "f%d", i);
    labels[i] = names[i];
  }
  const loam_type *fl = loam_type_flags(f->cx, "many", 40, labels);
  loam_value *v = loam_value_new(fl);
  v->of.flags.bits[0] = (1ull << 39) | (1ull << 31) | (1ull << 32) | 1;
  echo(f, "echo-flags", fl, v);
  echo(f, "echo-flags", fl, loam_value_new(fl));
}

static void test_strings(void **state) {
  fixture *f = *state;
  const loam_type *s = P(LOAM_T_STRING);
  echo(f, "echo-string", s, str(""));
  echo(f, "echo-string", s, str("plain"));
  echo(f, "echo-string", s, loam_value_string("nul\0inside", 10));
  echo(f, "echo-string", s, str("ünïcödé 😀 — 中文"));
  char *big = malloc(100000);
  for (int i = 0; i < 100000; i++) big[i] = (char)('a' + i % 26);
  echo(f, "echo-string", s, loam_value_string(big, 100000));
  free(big);
  const loam_type *ls = loam_type_list(f->cx, s);
  echo(f, "echo-list-of-strings", ls, seq(ls, 0));
  echo(f, "echo-list-of-strings", ls, seq(ls, 4, str("a"), str(""), str("ccc"), str("🦀")));
}

/* 18 flat params: spilled to guest memory as a tuple, and the result tuple
 * comes back through a return area. */
static void test_many(void **state) {
  fixture *f = *state;
  const loam_type *ps[17] = {
    P(LOAM_T_U8), P(LOAM_T_U16), P(LOAM_T_U32), P(LOAM_T_U64), P(LOAM_T_S8),
    P(LOAM_T_S16), P(LOAM_T_S32), P(LOAM_T_S64), P(LOAM_T_F32), P(LOAM_T_F64),
    P(LOAM_T_CHAR), P(LOAM_T_BOOL), P(LOAM_T_STRING), P(LOAM_T_U8), P(LOAM_T_U8),
    P(LOAM_T_U8), P(LOAM_T_U8)};
  const loam_type *tt = loam_type_tuple(f->cx, 17, ps);
  assert_int_equal(tt->size, 72);
  assert_int_equal(tt->nflat, 18);
  loam_value *vs[17] = {
    loam_value_uint(ps[0], 200), loam_value_uint(ps[1], 60000),
    loam_value_uint(ps[2], 4000000000u), loam_value_uint(ps[3], UINT64_MAX - 5),
    loam_value_int(ps[4], -100), loam_value_int(ps[5], -30000),
    loam_value_int(ps[6], -2000000000), loam_value_int(ps[7], INT64_MIN + 7),
    loam_value_f32(0.25f), loam_value_f64(1e300), loam_value_char('Z'),
    loam_value_bool(true), str("seventeen"), loam_value_uint(ps[13], 1),
    loam_value_uint(ps[14], 2), loam_value_uint(ps[15], 3), loam_value_uint(ps[16], 4)};
  const loam_type *rt[] = {tt};
  loam_abi_sig sig = {17, ps, 1, rt};
  char core[64];
  loam_abi_core_type(&sig, false, core, sizeof core);
  assert_string_equal(core, "i:i");
  loam_abi_core_type(&sig, true, core, sizeof core);
  assert_string_equal(core, "ii:");
  loam_value *out = NULL;
  loam_error err;
  if (loam_abi_call(&f->g, "echo-many", &sig, vs, &out, &err) != LOAM_OK)
    fail_msg("echo-many: %s", err.message);
  assert_int_equal(out->of.seq.n, 17);
  for (int i = 0; i < 17; i++) {
    if (!loam_value_equal(vs[i], out->of.seq.items[i]))
      fail_msg("echo-many: item %d differs", i);
    loam_value_free(vs[i]);
  }
  loam_value_free(out);
}

/* Any list or string comes back unchanged through the generic echo-list:
 * this exercises storing and loading (memory layout) of every type kind. */
static void test_lists_of_everything(void **state) {
  fixture *f = *state;
  const loam_type *pt = point_type(f), *sh = shape_type(f);
  const loam_type *lp = loam_type_list(f->cx, pt);
  echo(f, "echo-list", lp,
       seq(lp, 2, seq(pt, 3, loam_value_int(P(LOAM_T_S32), 1), loam_value_f64(1), str("one")),
           seq(pt, 3, loam_value_int(P(LOAM_T_S32), 2), loam_value_f64(2), str("two"))));
  const loam_type *lsh = loam_type_list(f->cx, sh);
  echo(f, "echo-list", lsh,
       seq(lsh, 3, loam_value_case(sh, 2, str("x")), loam_value_case(sh, 3, NULL),
           loam_value_case(sh, 0, loam_value_f32(-2.0f))));
  const loam_type *os = loam_type_option(f->cx, P(LOAM_T_STRING));
  const loam_type *los = loam_type_list(f->cx, os);
  echo(f, "echo-list", los,
       seq(los, 2, loam_value_case(os, 1, str("some")), loam_value_case(os, 0, NULL)));
  const loam_type *lc = loam_type_list(f->cx, P(LOAM_T_CHAR));
  echo(f, "echo-list", lc, seq(lc, 2, loam_value_char('a'), loam_value_char(0x10000)));
  const loam_type *llu8 = loam_type_list(f->cx, loam_type_list(f->cx, P(LOAM_T_U8)));
  const loam_type *lu8 = llu8->u.elem;
  echo(f, "echo-list", llu8,
       seq(llu8, 2, seq(lu8, 1, loam_value_uint(P(LOAM_T_U8), 9)), seq(lu8, 0)));
  /* Records of records inside variants inside a list. */
  loam_field inf[] = {{"p", pt}, {"tag", P(LOAM_T_U8)}};
  const loam_type *outer = loam_type_record(f->cx, "outer", 2, inf);
  const loam_type *ro = loam_type_result(f->cx, outer, NULL);
  const loam_type *lro = loam_type_list(f->cx, ro);
  echo(f, "echo-list", lro,
       seq(lro, 2,
           loam_value_case(ro, 0, seq(outer, 2, seq(pt, 3, loam_value_int(P(LOAM_T_S32), -1),
                                                    loam_value_f64(0.5), str("deep")),
                                      loam_value_uint(P(LOAM_T_U8), 77))),
           loam_value_case(ro, 1, NULL)));
  /* The string type itself through the generic echo. */
  echo(f, "echo-list", P(LOAM_T_STRING), str("generic"));
  /* An alias keeps its name but lays out as its target. */
  const loam_type *al = loam_type_alias(f->cx, "points", lp);
  echo(f, "echo-list", al, with_type(seq(lp, 0), al));
}

/* ---- randomized round trips ---------------------------------------------------- */

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}
static uint32_t below(uint32_t n) { return (uint32_t)(rnd() % n); }

static const char *const LABELS[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j",
                                     "k", "l", "m", "n", "o", "p", "q", "r", "s", "t"};

static const loam_type *gen_type(loam_typectx *cx, int depth) {
  static const loam_typekind prims[] = {
    LOAM_T_BOOL, LOAM_T_S8, LOAM_T_U8, LOAM_T_S16, LOAM_T_U16, LOAM_T_S32, LOAM_T_U32,
    LOAM_T_S64, LOAM_T_U64, LOAM_T_F32, LOAM_T_F64, LOAM_T_CHAR, LOAM_T_STRING};
  uint32_t k = depth <= 0 ? 0 : below(10);
  if (k < 3) return P(prims[below(13)]);
  switch (k) {
  case 3: return loam_type_list(cx, gen_type(cx, depth - 1));
  case 4: return loam_type_option(cx, gen_type(cx, depth - 1));
  case 5: return loam_type_result(cx, below(4) ? gen_type(cx, depth - 1) : NULL,
                                  below(4) ? gen_type(cx, depth - 1) : NULL);
  case 6: {
    const loam_type *ts[5];
    uint32_t n = 1 + below(5);
    for (uint32_t i = 0; i < n; i++) ts[i] = gen_type(cx, depth - 1);
    return loam_type_tuple(cx, n, ts);
  }
  case 7: {
    loam_field fs[5];
    uint32_t n = 1 + below(5);
    for (uint32_t i = 0; i < n; i++) fs[i] = (loam_field){LABELS[i], gen_type(cx, depth - 1)};
    return loam_type_record(cx, "rec", n, fs);
  }
  case 8: {
    loam_field fs[5];
    uint32_t n = 1 + below(5);
    for (uint32_t i = 0; i < n; i++)
      fs[i] = (loam_field){LABELS[i], below(3) ? gen_type(cx, depth - 1) : NULL};
    return loam_type_variant(cx, "var", n, fs);
  }
  default: {
    uint32_t n = 1 + below(20);
    return below(2) ? loam_type_enum(cx, "en", n, LABELS) : loam_type_flags(cx, "fl", n, LABELS);
  }
  }
}

static loam_value *gen_value(const loam_type *t);

static loam_value *gen_seq(const loam_type *t, uint32_t n, bool list) {
  loam_value *items[8];
  for (uint32_t i = 0; i < n; i++)
    items[i] = gen_value(list ? t->u.elem
                              : t->kind == LOAM_T_TUPLE ? t->u.tuple.types[i]
                                                        : t->u.record.fields[i].type);
  return loam_value_seq(t, n, items);
}

static loam_value *gen_case(const loam_type *t, uint32_t tag, const loam_type *p) {
  return loam_value_case(t, tag, p ? gen_value(p) : NULL);
}

static loam_value *gen_value(const loam_type *t) {
  switch (t->kind) {
  case LOAM_T_BOOL: return loam_value_bool(below(2));
  case LOAM_T_S8: return loam_value_int(t, (int8_t)rnd());
  case LOAM_T_S16: return loam_value_int(t, (int16_t)rnd());
  case LOAM_T_S32: return loam_value_int(t, (int32_t)rnd());
  case LOAM_T_S64: return loam_value_int(t, (int64_t)rnd());
  case LOAM_T_U8: return loam_value_uint(t, (uint8_t)rnd());
  case LOAM_T_U16: return loam_value_uint(t, (uint16_t)rnd());
  case LOAM_T_U32: return loam_value_uint(t, (uint32_t)rnd());
  case LOAM_T_U64: return loam_value_uint(t, rnd());
  case LOAM_T_F32: return loam_value_f32((float)(int32_t)rnd() / 7.0f);
  case LOAM_T_F64: return loam_value_f64((double)(int64_t)rnd() / 3.0);
  case LOAM_T_CHAR: {
    uint32_t c = below(0x110000 - 0x800);
    return loam_value_char(c >= 0xD800 ? c + 0x800 : c);
  }
  case LOAM_T_STRING: {
    static const char *const samples[] = {"", "x", "hello", "ünï", "😀😀", "a\0b"};
    uint32_t i = below(6);
    return loam_value_string(samples[i], i == 5 ? 3 : strlen(samples[i]));
  }
  case LOAM_T_LIST: return gen_seq(t, below(4), true);
  case LOAM_T_TUPLE: return gen_seq(t, t->u.tuple.n, false);
  case LOAM_T_RECORD: return gen_seq(t, t->u.record.n, false);
  case LOAM_T_OPTION: {
    uint32_t tag = below(2);
    return gen_case(t, tag, tag ? t->u.elem : NULL);
  }
  case LOAM_T_RESULT: {
    uint32_t tag = below(2);
    return gen_case(t, tag, tag ? t->u.result.err : t->u.result.ok);
  }
  case LOAM_T_VARIANT: {
    uint32_t tag = below(t->u.record.n);
    return gen_case(t, tag, t->u.record.fields[tag].type);
  }
  case LOAM_T_ENUM: return loam_value_case(t, below(t->u.labels.n), NULL);
  case LOAM_T_FLAGS: {
    loam_value *v = loam_value_new(t);
    v->of.flags.bits[0] = rnd() & ((1ull << t->u.labels.n) - 1);
    return v;
  }
  default: return NULL;
  }
}

/* Random types and values: through guest memory (echo-list of list<T>),
 * flat (lower then lift), and for one-value types through the typed core
 * echoes. */
static void test_random(void **state) {
  fixture *f = *state;
  for (int round = 0; round < 300; round++) {
    loam_typectx *cx = loam_typectx_new();
    const loam_type *t = gen_type(cx, 1 + round % 4);
    const loam_type *lt = loam_type_list(cx, t);
    loam_value *items[3] = {gen_value(t), gen_value(t), gen_value(t)};
    loam_value *lv = loam_value_seq(lt, 3, items);
    echo(f, "echo-list", lt, loam_value_clone(lv));

    /* Flat: lower and lift back. */
    loam_val small[64], *flat = t->nflat <= 64 ? small : malloc(t->nflat * sizeof *flat);
    loam_error err;
    if (!loam_abi_lower_flat(&f->g, lv->of.seq.items[0], t, flat, &err))
      fail_msg("lower_flat: %s", err.message);
    for (uint32_t i = 0; i < t->nflat; i++) assert_int_equal(flat[i].type, t->flat[i]);
    loam_value *back = loam_abi_lift_flat(&f->g, t, flat, &err);
    if (!back) fail_msg("lift_flat: %s", err.message);
    if (!loam_value_equal(back, lv->of.seq.items[0])) {
      char tb[256];
      loam_type_print(t, tb, sizeof tb);
      fail_msg("flat round trip of %s differs: %s vs %s", tb, show(back),
               show(lv->of.seq.items[0]));
    }
    loam_value_free(back);
    if (flat != small) free(flat);

    if (t->nflat == 1) {
      static const char *const by_core[] = {[0] = "echo-f64", [1] = "echo-f32",
                                            [2] = "echo-i64", [3] = "echo-i32"};
      echo(f, by_core[t->flat[0] - LOAM_CORE_F64], t, loam_value_clone(lv->of.seq.items[0]));
    }
    loam_value_free(lv);
    loam_typectx_free(cx);
  }
}

/* ---- the import direction ------------------------------------------------------ */

static void test_imports(void **state) {
  fixture *f = *state;
  const loam_type *s = P(LOAM_T_STRING);
  loam_error err;
  loam_value *out = call1_free(f, "call-host", s, s, str("stressed"), &err);
  if (!out) fail_msg("call-host: %s", err.message);
  assert_int_equal(out->of.str.len, 8);
  assert_memory_equal(out->of.str.ptr, "desserts", 8);
  loam_value_free(out);
  out = call1_free(f, "call-host", s, s, str(""), &err);
  assert_non_null(out);
  assert_int_equal(out->of.str.len, 0);
  loam_value_free(out);

  const loam_type *u64 = P(LOAM_T_U64);
  loam_abi_sig sig = {0, NULL, 1, &u64};
  assert_int_equal(loam_abi_call(&f->g, "call-host-many", &sig, NULL, &out, &err), LOAM_OK);
  assert_int_equal(out->of.u, 17 * 18 / 2);
  loam_value_free(out);
}

/* ---- resources -------------------------------------------------------------------- */

static void test_handle_table(void **state) {
  fixture *f = *state;
  loam_handles *h = loam_handles_new();
  loam_error err;
  uint32_t a, b, c, rep;
  bool destroy;
  assert_true(loam_handles_new_own(h, f->thing, 100, &a, &err));
  assert_true(loam_handles_new_own(h, f->thing, 200, &b, &err));
  assert_int_equal(a, 1);  /* index 0 is reserved */
  assert_int_equal(b, 2);
  assert_false(loam_handles_rep(h, 0, f->thing, &rep, &err));
  assert_true(loam_handles_rep(h, b, f->thing, &rep, &err));
  assert_int_equal(rep, 200);
  const loam_type *other = loam_type_resource(f->cx, "other");
  assert_false(loam_handles_check(h, a, other, &err));
  assert_non_null(strstr(err.message, "not a other"));
  assert_true(loam_handles_drop(h, a, f->thing, &destroy, &rep, &err));
  assert_true(destroy);
  assert_int_equal(rep, 100);
  assert_false(loam_handles_drop(h, a, f->thing, &destroy, &rep, &err));
  assert_true(loam_handles_new_own(h, f->thing, 300, &c, &err));
  assert_int_equal(c, 1);  /* the free list reuses the slot */

  /* A borrow for a call: the own handle is lent until the borrow ends. */
  loam_borrow_scope s;
  loam_borrow_scope_init(&s);
  uint32_t br;
  assert_true(loam_handles_lend(h, &s, b, f->thing, &br, &err));
  assert_true(loam_handles_rep(h, br, f->thing, &rep, &err));
  assert_int_equal(rep, 200);
  assert_false(loam_handles_check_own(h, b, f->thing, &err));
  assert_false(loam_handles_drop(h, b, f->thing, &destroy, &rep, &err));
  assert_false(loam_handles_check_own(h, br, f->thing, &err));
  assert_true(loam_handles_drop(h, br, f->thing, &destroy, &rep, &err));
  assert_false(destroy);
  assert_true(loam_borrow_scope_exit(h, &s, &err));
  assert_true(loam_handles_check_own(h, b, f->thing, &err));

  /* A borrow not dropped before the call returns is an error, and goes. */
  loam_borrow_scope_init(&s);
  assert_true(loam_handles_lend(h, &s, b, f->thing, &br, &err));
  assert_int_equal(loam_handles_count(h), 3);
  assert_false(loam_borrow_scope_exit(h, &s, &err));
  assert_non_null(strstr(err.message, "not dropped"));
  assert_int_equal(loam_handles_count(h), 2);
  assert_true(loam_handles_check_own(h, b, f->thing, &err));
  loam_handles_free(h);
}

static void test_handles_through_guest(void **state) {
  fixture *f = *state;
  loam_abi_guest g = f->g;
  g.handles = f->handles;
  loam_error err;
  uint32_t own_idx;
  assert_true(loam_handles_new_own(f->handles, f->thing, 42, &own_idx, &err));
  const loam_type *bt = loam_type_handle(f->cx, LOAM_T_BORROW, f->thing);
  const loam_type *ot = loam_type_handle(f->cx, LOAM_T_OWN, f->thing);
  const loam_type *u32 = P(LOAM_T_U32);

  /* use-borrow drops the borrow it gets through [resource-drop]thing. */
  loam_value *bv = loam_value_new(bt);
  bv->of.handle = own_idx;
  loam_abi_sig sig = {1, &bt, 1, &u32};
  loam_value *out = NULL;
  f->dropped = 0;
  if (loam_abi_call(&g, "use-borrow", &sig, &bv, &out, &err) != LOAM_OK)
    fail_msg("use-borrow: %s", err.message);
  assert_int_equal(f->dropped, 1);
  assert_int_not_equal(out->of.u, own_idx);  /* a new borrow handle was made */
  loam_value_free(out);
  assert_int_equal(loam_handles_count(f->handles), 1);
  assert_true(loam_handles_check_own(f->handles, own_idx, f->thing, &err));

  /* echo-i32 keeps the borrow: the call fails, the handle table recovers. */
  assert_int_not_equal(loam_abi_call(&g, "echo-i32", &sig, &bv, &out, &err), LOAM_OK);
  assert_non_null(strstr(err.message, "not dropped"));
  assert_int_equal(loam_handles_count(f->handles), 1);
  loam_value_free(bv);

  /* own handles pass through when valid, and are checked when lifted. */
  loam_value *ov = loam_value_new(ot);
  ov->of.handle = own_idx;
  loam_abi_sig osig = {1, &ot, 1, &ot};
  assert_int_equal(loam_abi_call(&g, "echo-i32", &osig, &ov, &out, &err), LOAM_OK);
  assert_true(loam_value_equal(ov, out));
  loam_value_free(out);
  ov->of.handle = 99;
  assert_int_not_equal(loam_abi_call(&g, "echo-i32", &osig, &ov, &out, &err), LOAM_OK);
  assert_non_null(strstr(err.message, "unknown resource handle 99"));
  loam_abi_sig usig = {1, &u32, 1, &ot};
  loam_value *raw = loam_value_uint(u32, 0);
  assert_int_not_equal(loam_abi_call(&g, "echo-i32", &usig, &raw, &out, &err), LOAM_OK);
  assert_non_null(strstr(err.message, "unknown resource handle 0"));
  loam_value_free(raw);
  loam_value_free(ov);
  bool destroy;
  uint32_t rep;
  assert_true(loam_handles_drop(f->handles, own_idx, f->thing, &destroy, &rep, &err));
  assert_int_equal(rep, 42);
}

/* ---- a misbehaving guest ------------------------------------------------------------ */

static loam_value *u32v(uint32_t x) { return loam_value_uint(P(LOAM_T_U32), x); }

/* Calls echo-list (core (ptr, len) -> return area) with two raw u32s and
 * lifts the result as rt: any pointer and length the test likes. */
static void expect_bad_buffer(fixture *f, uint32_t ptr, uint32_t len, const loam_type *rt,
                              const char *want) {
  const loam_type *ps[] = {P(LOAM_T_U32), P(LOAM_T_U32)};
  loam_abi_sig sig = {2, ps, 1, &rt};
  loam_value *vs[] = {u32v(ptr), u32v(len)}, *out = NULL;
  loam_error err;
  loam_status st = loam_abi_call(&f->g, "echo-list", &sig, vs, &out, &err);
  loam_value_free(vs[0]);
  loam_value_free(vs[1]);
  if (st == LOAM_OK) fail_msg("expected \"%s\", got a value", want);
  assert_int_equal(st, LOAM_TRAP_HOST);
  if (!strstr(err.message, want)) fail_msg("expected \"%s\", got \"%s\"", want, err.message);
  assert_null(out);
}

static void test_malicious(void **state) {
  fixture *f = *state;
  const loam_type *s = P(LOAM_T_STRING), *u32 = P(LOAM_T_U32);
  const loam_type *lu32 = loam_type_list(f->cx, u32);
  expect_bad_buffer(f, 0xFFFFFF00u, 1000, s, "out of bounds");
  expect_bad_buffer(f, 16, 0xFFFFFFFFu, s, "too long");
  expect_bad_buffer(f, 1, 1, lu32, "not 4-byte aligned");
  expect_bad_buffer(f, 0, 0x08000000u, lu32, "too long");
  expect_bad_buffer(f, 0xFFFF0000u, 0x1000, lu32, "out of bounds");
  const loam_type *empty = loam_type_tuple(f->cx, 0, NULL);
  expect_bad_buffer(f, 0, 0xFFFFFFFFu, loam_type_list(f->cx, empty), "too long");

  /* Bytes the guest holds that are not UTF-8, or not a valid option. */
  const loam_type *lu8 = loam_type_list(f->cx, P(LOAM_T_U8));
  static const uint8_t bad_utf8[][4] = {{0xFF}, {0xC0, 0x80}, {0xED, 0xA0, 0x80},
                                        {0xF4, 0x90, 0x80, 0x80}, {0xE2, 0x82}};
  static const size_t bad_len[] = {1, 2, 3, 4, 2};
  for (int i = 0; i < 5; i++) {
    loam_value *items[4];
    for (size_t k = 0; k < bad_len[i]; k++) items[k] = loam_value_uint(P(LOAM_T_U8), bad_utf8[i][k]);
    expect_fail(f, "echo-list", lu8, s, loam_value_seq(lu8, bad_len[i], items), "not valid UTF-8");
  }
  const loam_type *lou8 = loam_type_list(f->cx, loam_type_option(f->cx, P(LOAM_T_U8)));
  loam_value *b7[] = {loam_value_uint(P(LOAM_T_U8), 7), loam_value_uint(P(LOAM_T_U8), 0)};
  expect_fail(f, "echo-list", lu8, lou8, loam_value_seq(lu8, 2, b7), "discriminant 7");

  /* Flat values out of range for their type. */
  expect_fail(f, "echo-i32", u32, P(LOAM_T_CHAR), u32v(0xD800), "not a Unicode scalar");
  expect_fail(f, "echo-i32", u32, P(LOAM_T_CHAR), u32v(0x110000), "not a Unicode scalar");
  const char *labels[] = {"a", "b", "c"};
  const loam_type *en = loam_type_enum(f->cx, "e", 3, labels);
  expect_fail(f, "echo-i32", u32, en, u32v(3), "out of range");
  const loam_type *sh = shape_type(f);
  loam_value *v3[] = {u32v(9), u32v(0), u32v(0)}, *out = NULL;
  const loam_type *p3[] = {u32, u32, u32};
  loam_abi_sig sig3 = {3, p3, 1, &sh};
  loam_error err;
  assert_int_equal(loam_abi_call(&f->g, "echo-variant", &sig3, v3, &out, &err), LOAM_TRAP_HOST);
  assert_non_null(strstr(err.message, "discriminant 9"));
  for (int i = 0; i < 3; i++) loam_value_free(v3[i]);

  /* The return area itself: out of bounds, misaligned. */
  expect_fail(f, "echo-i32", u32, s, u32v(0xFFFFFFF8u), "out of bounds");
  const loam_type *pt = point_type(f);
  loam_abi_sig sig0 = {0, NULL, 1, &pt};
  assert_int_equal(loam_abi_call(&f->g, "bad-retptr", &sig0, NULL, &out, &err), LOAM_TRAP_HOST);
  assert_non_null(strstr(err.message, "aligned"));

  /* Per the spec, any nonzero bool is true and flag bits beyond the labels
   * are ignored. */
  loam_value *r = call1_free(f, "echo-i32", u32, P(LOAM_T_BOOL), u32v(2), &err);
  assert_non_null(r);
  assert_true(r->of.b);
  loam_value_free(r);
  const loam_type *fl = loam_type_flags(f->cx, "f", 2, labels);
  r = call1_free(f, "echo-i32", u32, fl, u32v(0xFF), &err);
  assert_non_null(r);
  assert_int_equal(r->of.flags.bits[0], 3);
  loam_value_free(r);

  /* Host mistakes: a value that does not fit its type, a wrong core type,
   * a missing export. */
  expect_fail(f, "echo-i32", P(LOAM_T_CHAR), P(LOAM_T_CHAR), loam_value_char(0xDFFF),
              "not a Unicode scalar");
  expect_fail(f, "echo-i32", u32, u32, str("a string"), "was expected");
  expect_fail(f, "echo-i32", s, s, str("x"), "core type i:i, its WIT type needs ii:i");
  expect_fail(f, "no-such-export", s, s, str("x"), "no export");
  loam_value *fv = loam_value_new(fl);
  fv->of.flags.bits[0] = 4;
  expect_fail(f, "echo-i32", fl, fl, fv, "beyond");

  /* The guest and the store still work. */
  echo(f, "echo-string", s, str("still alive"));
}

/* Lifting random types from random bytes at random (often bad) pointers:
 * every outcome is a value or an error, never a crash or a sanitizer report. */
static void test_lift_garbage(void **state) {
  fixture *f = *state;
  loam_memory *m = loam_instance_memory(f->inst);
  uint64_t size = loam_memory_size(m);
  /* A scratch block in the guest, filled with bytes that are mostly small
   * (plausible lengths and discriminants) and sometimes anything. */
  const loam_type *lu8 = loam_type_list(f->cx, P(LOAM_T_U8));
  loam_value *items[4096];
  for (int i = 0; i < 4096; i++) items[i] = loam_value_uint(P(LOAM_T_U8), 0);
  loam_value *block = loam_value_seq(lu8, 4096, items);
  loam_val flat[2];
  loam_error err;
  assert_true(loam_abi_lower_flat(&f->g, block, lu8, flat, &err));
  loam_value_free(block);
  uint32_t base = flat[0].of.i32;
  int ok = 0, bad = 0;
  for (int round = 0; round < 400; round++) {
    uint8_t *p = loam_memory_data(m) + base;
    for (int i = 0; i < 4096; i++) {
      uint32_t r = (uint32_t)rnd();
      p[i] = (uint8_t)(r % 4 == 0 ? r >> 8 : r % 4 == 1 ? (r >> 8) % 3 : 0);
      /* Sometimes a pointer back into the block, so nested data is found. */
      if (i % 4 == 0 && r % 16 == 5 && i + 4 <= 4096) {
        uint32_t q = base + (r >> 20) % 4096;
        memcpy(p + i, &q, 4);
      }
    }
    loam_typectx *cx = loam_typectx_new();
    const loam_type *t = gen_type(cx, 1 + round % 4);
    uint32_t at = round % 8 == 0 ? (uint32_t)rnd() : base + (uint32_t)(rnd() % 4096);
    if (round % 16 == 1) at = (uint32_t)(size - (rnd() % 16));
    loam_value *v = loam_abi_load(&f->g, t, at, &err);
    if (v) ok++;
    else bad++;
    loam_value_free(v);
    loam_typectx_free(cx);
  }
  assert_true(ok > 0);
  assert_true(bad > 0);
}

/* ---- through WIT: JSON -> value -> guest -> value -> JSON ------------------- */

static const loam_wit_func *world_export(const loam_wit_world *w, const char *name) {
  for (uint32_t i = 0; i < w->nexports; i++)
    if (w->exports[i].kind == LOAM_WIT_ITEM_FUNCTION && !strcmp(w->exports[i].name, name))
      return w->exports[i].func;
  fail_msg("no export %s in the world", name);
  return NULL;
}

/* Calls a one-param export of echo.wit with JSON; returns the result's JSON. */
static char *call_json(fixture *f, const loam_wit_world *w, const char *name,
                       const char *json) {
  const loam_wit_func *fn = world_export(w, name);
  const loam_type *buf[4];
  loam_abi_sig sig;
  assert_true(loam_abi_sig_of(fn, &sig, buf, 4));
  assert_int_equal(sig.nparams, 1);
  loam_verr verr;
  loam_value *in = loam_value_from_json(sig.params[0], json, strlen(json), "params[0]", &verr);
  if (!in) fail_msg("%s: %s", json, verr.message);
  char core[128];
  loam_abi_export_name(NULL, fn, core, sizeof core);
  loam_value *out = NULL;
  loam_error err;
  if (loam_abi_call(&f->g, core, &sig, &in, &out, &err) != LOAM_OK)
    fail_msg("%s(%s): %s", name, json, err.message);
  char *text = loam_value_to_json(out);
  loam_value_free(in);
  loam_value_free(out);
  return text;
}

static void expect_json(fixture *f, const loam_wit_world *w, const char *name,
                        const char *json, const char *want) {
  char *got = call_json(f, w, name, json);
  if (strcmp(got, want ? want : json) != 0)
    fail_msg("%s(%s) gave %s, expected %s", name, json, got, want ? want : json);
  free(got);
}

static void test_through_wit(void **state) {
  fixture *f = *state;
  char path[512];
  snprintf(path, sizeof path, "%s", __FILE__);
  char *slash = strrchr(path, '/');
  snprintf(slash ? slash + 1 : path, sizeof path - (size_t)(slash ? slash + 1 - path : 0),
           "guest/echo.wit");
  loam_error err;
  loam_wit *wit = loam_wit_load(path, &err);
  if (!wit) fail_msg("%s: %s", path, err.message);
  const loam_wit_world *w = loam_wit_find_world(wit->root, "echo");
  assert_non_null(w);
  expect_json(f, w, "echo-record", "{\"x\":-3,\"y\":1.5,\"name\":\"zo\u00eb\"}",
              "{\"x\":-3,\"y\":1.5,\"name\":\"zoë\"}");
  expect_json(f, w, "echo-variant", "{\"rect\":[1,4294967295]}", NULL);
  expect_json(f, w, "echo-variant", "{\"circle\":-0.5}", NULL);
  expect_json(f, w, "echo-variant", "{\"none\":null}", NULL);
  expect_json(f, w, "echo-result", "{\"ok\":[1,2,3]}", NULL);
  expect_json(f, w, "echo-result", "{\"err\":\"bad\"}", NULL);
  expect_json(f, w, "echo-option-u64", "18446744073709551615", NULL);
  expect_json(f, w, "echo-option-u64", "null", NULL);
  expect_json(f, w, "echo-list-of-strings", "[\"a\",\"\",\"\u00fc\"]", "[\"a\",\"\",\"ü\"]");
  expect_json(f, w, "call-host", "\"loam\"", "\"maol\"");

  /* echo-many: 17 params from WIT, spilled. */
  const loam_wit_func *fn = world_export(w, "echo-many");
  const loam_type *buf[18];
  loam_abi_sig sig;
  assert_true(loam_abi_sig_of(fn, &sig, buf, 18));
  assert_false(loam_abi_sig_of(fn, &sig, buf, 17));
  char core[64];
  loam_abi_core_type(&sig, false, core, sizeof core);
  assert_string_equal(core, "i:i");
  loam_abi_export_name("loam:echo/x", fn, core, sizeof core);
  assert_string_equal(core, "loam:echo/x#echo-many");
  loam_wit_free(wit);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_scalars),
    cmocka_unit_test(test_record),
    cmocka_unit_test(test_variant),
    cmocka_unit_test(test_result_option_flags),
    cmocka_unit_test(test_strings),
    cmocka_unit_test(test_many),
    cmocka_unit_test(test_lists_of_everything),
    cmocka_unit_test(test_random),
    cmocka_unit_test(test_imports),
    cmocka_unit_test(test_handle_table),
    cmocka_unit_test(test_handles_through_guest),
    cmocka_unit_test(test_malicious),
    cmocka_unit_test(test_lift_garbage),
    cmocka_unit_test(test_through_wit),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
