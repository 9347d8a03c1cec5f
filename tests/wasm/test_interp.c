/*
 * test_interp.c — unit tests of the interpreter (interp.c, numeric.h): hand-
 * assembled internal code run in a real store (store.c) with a hand-made
 * instance, so these tests need neither the decoder nor the translator.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "wasm/lower.h"
#include "wasm/numeric.h"
#include "wasm/runtime.h"
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- allocation tracking (freed after each test, so LSan stays quiet) --- */

static void **tracked;
static size_t ntracked, captracked;

static void *talloc(size_t n) {
  if (ntracked == captracked) {
    captracked = captracked ? captracked * 2 : 256;
    tracked = realloc(tracked, captracked * sizeof *tracked);
    assert_non_null(tracked);
  }
  void *p = calloc(1, n ? n : 1);
  assert_non_null(p);
  tracked[ntracked++] = p;
  return p;
}

static void tfree_all(void) {
  for (size_t i = 0; i < ntracked; i++) free(tracked[i]);
  free(tracked);
  tracked = NULL;
  ntracked = captracked = 0;
}

/* ---- a hand-made world: one store, one instance ------------------------- */

#define NFUNCS 16
#define NTYPES 16

typedef struct world {
  loam_store *store;
  loam_module mod;
  wasm_module m;
  loam_instance inst;
  wasm_functype types[NTYPES];
  loam_func funcs[NFUNCS];
  loam_func *fptrs[NFUNCS];
  wasm_code codes[NFUNCS];
  loam_memory *mems[1];
  loam_table *tabs[1];
  loam_global globals[2];
  loam_global *gptrs[2];
  wasm_data datas[1];
  uint32_t data_len[1];
  uint32_t elem_len[1];
  void **elem_items[1];
  loam_error err;
} world;

static world W;
static const uint8_t data_bytes[] = "hello, world";

static int setup(void **state) {
  (void)state;
  memset(&W, 0, sizeof W);
  W.store = loam_store_new(0);
  assert_non_null(W.store);
  W.mod.m = &W.m;
  W.m.types = W.types;
  W.m.bytes = (uint8_t *)data_bytes;
  W.m.datas = W.datas;
  W.datas[0].bytes = (wasm_span){0, 5};
  W.data_len[0] = 5;
  W.inst.store = W.store;
  W.inst.module = &W.mod;
  W.inst.funcs = W.fptrs;
  for (int i = 0; i < NFUNCS; i++) W.fptrs[i] = &W.funcs[i];
  W.mems[0] = loam_memory_new(W.store, 1, 2);
  assert_non_null(W.mems[0]);
  W.inst.mems = W.mems;
  W.inst.mem0 = W.mems[0];
  W.tabs[0] = loam_table_new(W.store, LOAM_FUNCREF, 3, 5);
  assert_non_null(W.tabs[0]);
  W.inst.tables = W.tabs;
  for (int i = 0; i < 2; i++) W.gptrs[i] = &W.globals[i];
  W.inst.globals = W.gptrs;
  W.inst.data_len = W.data_len;
  W.inst.elem_len = W.elem_len;
  W.inst.elem_items = W.elem_items;
  /* Garbage in the stack, to catch code that relies on zeroed slots. */
  memset(W.store->stack, 0xab, 4096 * sizeof(uint64_t));
  return 0;
}

static int teardown(void **state) {
  (void)state;
  for (int i = 0; i < NFUNCS; i++) free(W.codes[i].rcells);
  loam_store_free(W.store);
  tfree_all();
  return 0;
}

/* Type index of a signature string ("ii:i"; i I f F r as in loam/wasm.h). */
static uint32_t type_of(const char *sig) {
  uint8_t buf[32];
  uint32_t n = 0, np = 0;
  for (const char *c = sig; *c; c++) {
    switch (*c) {
    case ':': np = n; continue;
    case 'i': buf[n++] = LOAM_I32; break;
    case 'I': buf[n++] = LOAM_I64; break;
    case 'f': buf[n++] = LOAM_F32; break;
    case 'F': buf[n++] = LOAM_F64; break;
    case 'r': buf[n++] = LOAM_FUNCREF; break;
    default: fail();
    }
  }
  uint32_t id = wasm_sig_id(buf, np, n - np);
  for (uint32_t t = 0; t < W.m.ntypes; t++)
    if (W.types[t].sig_id == id) return t;
  assert_true(W.m.ntypes < NTYPES);
  wasm_functype *ft = &W.types[W.m.ntypes];
  ft->nparams = np;
  ft->nresults = n - np;
  ft->types = talloc(n);
  memcpy(ft->types, buf, n);
  ft->sig_id = id;
  return W.m.ntypes++;
}

/* Defines function `idx` of the instance from op numbers and immediates. */
static loam_func *def(uint32_t idx, const char *name, const char *sig,
                      uint32_t nlocals, const uint64_t *cells, size_t n) {
  const wasm_functype *ft = &W.types[type_of(sig)];
  wasm_code *c = &W.codes[idx];
  free(c->rcells);  /* lowered on a previous definition's first call */
  *c = (wasm_code){0};
  c->cells = talloc(n * sizeof(wasm_cell));
  for (size_t i = 0; i < n; i++) c->cells[i].u64 = cells[i];
  c->ncells = (uint32_t)n;
  c->nparams = ft->nparams;
  c->nresults = ft->nresults;
  c->nlocals = nlocals;
  c->max_height = 16;
  c->func_index = idx;
  wasm_code_thread(c);
  wasm_code_thread(c);  /* idempotent */
  loam_func *f = &W.funcs[idx];
  *f = (loam_func){.type = ft, .inst = &W.inst, .code = c, .index = idx,
                   .name = name};
  return f;
}

#define O(name) WASM_OP_##name
#define CELLS(...) (const uint64_t[]){__VA_ARGS__}, \
    sizeof((const uint64_t[]){__VA_ARGS__}) / sizeof(uint64_t)
#define DEF(idx, name, sig, nlocals, ...) \
  def(idx, name, sig, nlocals, CELLS(__VA_ARGS__))

static loam_func *host(uint32_t idx, const char *name, const char *sig,
                       loam_host_fn fn, void *data) {
  loam_func *f = &W.funcs[idx];
  *f = (loam_func){.type = &W.types[type_of(sig)], .index = idx,
                   .host = fn, .host_data = data, .name = name};
  return f;
}

/* Calls function idx with args[0..nargs); its first result in *out. */
static loam_status call_args(uint32_t idx, uint64_t *out, const uint64_t *args,
                             int nargs) {
  uint64_t *sp = W.store->sp;
  for (int i = 0; i < nargs; i++) sp[i] = args[i];
  loam_status st = wasm_invoke(W.store, &W.funcs[idx], sp, &W.err);
  if (out) *out = st == LOAM_OK ? sp[0] : 0xdeadull;
  assert_int_equal(W.store->nframes, 0);
  assert_ptr_equal(W.store->sp, W.store->stack);
  return st;
}
#define call(idx, out, nargs, ...) \
  call_args(idx, out, (const uint64_t[]){0, ##__VA_ARGS__} + 1, nargs)

/* One-instruction functions: op applied to the parameters. */
static loam_status unop(wasm_op op, const char *sig, uint64_t a, uint64_t *r) {
  DEF(0, "unop", sig, 0, O(LOCAL_GET), 0, op, O(RETURN));
  return call(0, r, 1, a);
}

static loam_status binop(wasm_op op, const char *sig, uint64_t a, uint64_t b,
                         uint64_t *r) {
  DEF(0, "binop", sig, 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, op, O(RETURN));
  return call(0, r, 2, a, b);
}

static uint64_t un_ok(wasm_op op, const char *sig, uint64_t a) {
  uint64_t r;
  assert_int_equal(unop(op, sig, a, &r), LOAM_OK);
  return r;
}

static uint64_t bin_ok(wasm_op op, const char *sig, uint64_t a, uint64_t b) {
  uint64_t r;
  assert_int_equal(binop(op, sig, a, b, &r), LOAM_OK);
  return r;
}

static bool lowers_to(uint32_t idx, uint32_t lo, uint32_t hi);
static uint64_t f32b(float f) { uint32_t b; memcpy(&b, &f, 4); return b; }
static uint64_t f64b(double d) { uint64_t b; memcpy(&b, &d, 8); return b; }

#define I32(x) ((uint64_t)(uint32_t)(x))
#define GARBAGE 0xdeadbeef00000000ull  /* upper half of an i32 slot */

/* ---- integers -------------------------------------------------------------- */

static void test_i32_arith(void **state) {
  (void)state;
  assert_int_equal(bin_ok(O(I32_ADD), "ii:i", 0x7fffffff, 1), 0x80000000u);
  assert_int_equal((uint32_t)bin_ok(O(I32_SUB), "ii:i", 0, 1), 0xffffffffu);
  assert_int_equal((uint32_t)bin_ok(O(I32_MUL), "ii:i", 0x10000, 0x10000), 0);
  assert_int_equal((uint32_t)bin_ok(O(I32_ADD), "ii:i", GARBAGE | 2, 3), 5);
  assert_int_equal((uint32_t)bin_ok(O(I32_SHL), "ii:i", 1, 33), 2);
  assert_int_equal((uint32_t)bin_ok(O(I32_SHR_S), "ii:i", I32(-8), 1), I32(-4));
  assert_int_equal((uint32_t)bin_ok(O(I32_SHR_S), "ii:i", I32(-8), 32), I32(-8));
  assert_int_equal((uint32_t)bin_ok(O(I32_SHR_U), "ii:i", I32(-8), 1), 0x7ffffffcu);
  assert_int_equal((uint32_t)bin_ok(O(I32_ROTL), "ii:i", 0x80000001u, 1), 3);
  assert_int_equal((uint32_t)bin_ok(O(I32_ROTL), "ii:i", 0x12345678u, 32), 0x12345678u);
  assert_int_equal((uint32_t)bin_ok(O(I32_ROTR), "ii:i", 3, 1), 0x80000001u);
  assert_int_equal((uint32_t)bin_ok(O(I32_LT_S), "ii:i", I32(-1), 0), 1);
  assert_int_equal((uint32_t)bin_ok(O(I32_LT_U), "ii:i", I32(-1), 0), 0);
  assert_int_equal((uint32_t)bin_ok(O(I32_GE_S), "ii:i", GARBAGE | 5, 5), 1);
  assert_int_equal((uint32_t)un_ok(O(I32_CLZ), "i:i", 0), 32);
  assert_int_equal((uint32_t)un_ok(O(I32_CLZ), "i:i", GARBAGE | 1), 31);
  assert_int_equal((uint32_t)un_ok(O(I32_CTZ), "i:i", GARBAGE), 32);
  assert_int_equal((uint32_t)un_ok(O(I32_POPCNT), "i:i", GARBAGE | 0xffffffffu), 32);
  assert_int_equal((uint32_t)un_ok(O(I32_EQZ), "i:i", GARBAGE), 1);
  assert_int_equal((uint32_t)un_ok(O(I32_EXTEND8_S), "i:i", 0x80), 0xffffff80u);
  assert_int_equal((uint32_t)un_ok(O(I32_EXTEND16_S), "i:i", 0x17fff), 0x7fff);
}

static void test_i32_division(void **state) {
  (void)state;
  uint64_t r;
  assert_int_equal(binop(O(I32_DIV_S), "ii:i", 1, 0, &r), LOAM_TRAP_DIV_ZERO);
  assert_string_equal(W.err.message, "integer divide by zero");
  assert_int_equal(binop(O(I32_DIV_U), "ii:i", 1, GARBAGE, &r), LOAM_TRAP_DIV_ZERO);
  assert_int_equal(binop(O(I32_REM_S), "ii:i", 1, 0, &r), LOAM_TRAP_DIV_ZERO);
  assert_int_equal(binop(O(I32_REM_U), "ii:i", 1, 0, &r), LOAM_TRAP_DIV_ZERO);
  assert_int_equal(binop(O(I32_DIV_S), "ii:i", 0x80000000u, I32(-1), &r),
                   LOAM_TRAP_INT_OVERFLOW);
  assert_string_equal(W.err.message, "integer overflow");
  assert_int_equal((uint32_t)bin_ok(O(I32_REM_S), "ii:i", 0x80000000u, I32(-1)), 0);
  assert_int_equal((uint32_t)bin_ok(O(I32_DIV_S), "ii:i", I32(-7), 2), I32(-3));
  assert_int_equal((uint32_t)bin_ok(O(I32_REM_S), "ii:i", I32(-7), 2), I32(-1));
  assert_int_equal((uint32_t)bin_ok(O(I32_DIV_U), "ii:i", I32(-7), 2), 0x7ffffffcu);
  assert_int_equal((uint32_t)bin_ok(O(I32_REM_U), "ii:i", I32(-7), 2), 1);
}

static void test_i64_arith(void **state) {
  (void)state;
  uint64_t r, min = 0x8000000000000000ull;
  assert_true(bin_ok(O(I64_ADD), "II:I", INT64_MAX, 1) == min);
  assert_true(bin_ok(O(I64_MUL), "II:I", 1ull << 32, 1ull << 32) == 0);
  assert_true(bin_ok(O(I64_SHL), "II:I", 1, 65) == 2);
  assert_true(bin_ok(O(I64_SHR_S), "II:I", min, 63) == UINT64_MAX);
  assert_true(bin_ok(O(I64_ROTL), "II:I", min | 1, 1) == 3);
  assert_true(bin_ok(O(I64_ROTR), "II:I", 1, 0) == 1);
  assert_true(bin_ok(O(I64_ROTR), "II:I", 1, 1) == min);
  assert_true(un_ok(O(I64_CLZ), "I:I", 0) == 64);
  assert_true(un_ok(O(I64_CTZ), "I:I", min) == 63);
  assert_true(un_ok(O(I64_POPCNT), "I:I", UINT64_MAX) == 64);
  assert_true((uint32_t)bin_ok(O(I64_LT_S), "II:i", min, 0) == 1);
  assert_true((uint32_t)un_ok(O(I64_EQZ), "I:i", 1ull << 40) == 0);
  assert_int_equal(binop(O(I64_DIV_S), "II:I", min, UINT64_MAX, &r), LOAM_TRAP_INT_OVERFLOW);
  assert_int_equal(binop(O(I64_DIV_U), "II:I", 1, 0, &r), LOAM_TRAP_DIV_ZERO);
  assert_true(bin_ok(O(I64_REM_S), "II:I", min, UINT64_MAX) == 0);
  assert_true(bin_ok(O(I64_DIV_S), "II:I", (uint64_t)-9, 2) == (uint64_t)-4);
  assert_true(un_ok(O(I64_EXTEND_I32_S), "i:I", GARBAGE | 0x80000000u) == 0xffffffff80000000ull);
  assert_true(un_ok(O(I64_EXTEND_I32_U), "i:I", GARBAGE | 5) == 5);
  assert_true((uint32_t)un_ok(O(I32_WRAP_I64), "I:i", 0x123456789ull) == 0x23456789u);
  assert_true(un_ok(O(I64_EXTEND8_S), "I:I", 0xff) == UINT64_MAX);
  assert_true(un_ok(O(I64_EXTEND16_S), "I:I", 0x8000) == 0xffffffffffff8000ull);
  assert_true(un_ok(O(I64_EXTEND32_S), "I:I", 0x7fffffffull) == 0x7fffffffull);
}

/* ---- floats ----------------------------------------------------------------- */

static void test_float_minmax_nan(void **state) {
  (void)state;
  uint64_t nz = f32b(-0.0f), pz = f32b(0.0f);
  assert_int_equal((uint32_t)bin_ok(O(F32_MIN), "ff:f", pz, nz), (uint32_t)nz);
  assert_int_equal((uint32_t)bin_ok(O(F32_MIN), "ff:f", nz, pz), (uint32_t)nz);
  assert_int_equal((uint32_t)bin_ok(O(F32_MAX), "ff:f", nz, pz), (uint32_t)pz);
  assert_int_equal((uint32_t)bin_ok(O(F32_MAX), "ff:f", pz, nz), (uint32_t)pz);
  uint32_t r = (uint32_t)bin_ok(O(F32_MIN), "ff:f", 0x7fc00000u, f32b(1.0f));
  assert_true((r & 0x7fc00000u) == 0x7fc00000u);  /* a quiet NaN */
  r = (uint32_t)bin_ok(O(F32_MAX), "ff:f", f32b(1.0f), 0x7f800001u);
  assert_true((r & 0x7fc00000u) == 0x7fc00000u && (r & 0x3fffff) == 1);
  uint64_t d = bin_ok(O(F64_MIN), "FF:F", f64b(0.0), f64b(-0.0));
  assert_true(d == f64b(-0.0));
  d = bin_ok(O(F64_MAX), "FF:F", f64b(NAN), f64b(1.0));
  assert_true((d & 0x7ff8000000000000ull) == 0x7ff8000000000000ull);
  d = bin_ok(O(F64_ADD), "FF:F", 0x7ff0000000000123ull, f64b(1.0));
  assert_true(d == 0x7ff8000000000123ull);  /* payload kept, quiet bit set */
  /* Bit operations keep signalling NaNs untouched. */
  assert_int_equal((uint32_t)un_ok(O(F32_ABS), "f:f", 0xff800001u), 0x7f800001u);
  assert_int_equal((uint32_t)un_ok(O(F32_NEG), "f:f", 0x7f800001u), 0xff800001u);
  assert_int_equal((uint32_t)bin_ok(O(F32_COPYSIGN), "ff:f", 0x7fa00000u, f32b(-1.0f)),
                   0xffa00000u);
  assert_true(un_ok(O(F64_NEG), "F:F", 0x7ff0000000000001ull) == 0xfff0000000000001ull);
  assert_true(bin_ok(O(F64_COPYSIGN), "FF:F", f64b(2.0), f64b(-0.0)) == f64b(-2.0));
  /* Comparisons with NaN. */
  assert_int_equal((uint32_t)bin_ok(O(F32_EQ), "ff:i", 0x7fc00000u, 0x7fc00000u), 0);
  assert_int_equal((uint32_t)bin_ok(O(F32_NE), "ff:i", 0x7fc00000u, 0x7fc00000u), 1);
  assert_int_equal((uint32_t)bin_ok(O(F64_LE), "FF:i", f64b(-0.0), f64b(0.0)), 1);
  assert_int_equal((uint32_t)bin_ok(O(F64_LT), "FF:i", f64b(NAN), f64b(0.0)), 0);
}

static void test_float_rounding(void **state) {
  (void)state;
  assert_true(un_ok(O(F32_NEAREST), "f:f", f32b(2.5f)) == f32b(2.0f));
  assert_true(un_ok(O(F32_NEAREST), "f:f", f32b(3.5f)) == f32b(4.0f));
  assert_true(un_ok(O(F32_NEAREST), "f:f", f32b(-2.5f)) == f32b(-2.0f));
  assert_true(un_ok(O(F32_NEAREST), "f:f", f32b(-0.5f)) == f32b(-0.0f));
  assert_true(un_ok(O(F64_NEAREST), "F:F", f64b(0.5)) == f64b(0.0));
  assert_true(un_ok(O(F64_NEAREST), "F:F", f64b(-1.5)) == f64b(-2.0));
  assert_true(un_ok(O(F64_NEAREST), "F:F", f64b(4503599627370497.0)) ==
              f64b(4503599627370497.0));
  assert_true(un_ok(O(F32_CEIL), "f:f", f32b(-0.5f)) == f32b(-0.0f));
  assert_true(un_ok(O(F32_FLOOR), "f:f", f32b(-0.5f)) == f32b(-1.0f));
  assert_true(un_ok(O(F64_TRUNC), "F:F", f64b(-1.7)) == f64b(-1.0));
  assert_true(un_ok(O(F64_SQRT), "F:F", f64b(4.0)) == f64b(2.0));
  assert_true(bin_ok(O(F32_DIV), "ff:f", f32b(1.0f), f32b(-0.0f)) == f32b(-INFINITY));
}

static void test_float_conversions(void **state) {
  (void)state;
  /* u64 -> f32 must round once (via f64 it would round twice). */
  assert_int_equal((uint32_t)un_ok(O(F32_CONVERT_I64_U), "I:f", 0x8000008000000001ull),
                   0x5f000001u);
  assert_int_equal((uint32_t)un_ok(O(F32_CONVERT_I64_U), "I:f", UINT64_MAX), 0x5f800000u);
  assert_int_equal((uint32_t)un_ok(O(F32_CONVERT_I64_S), "I:f", 0x7fffff4000000001ull),
                   0x5effffffu);
  assert_int_equal((uint32_t)un_ok(O(F32_CONVERT_I64_S), "I:f", 0x8000004000000001ull),
                   f32b(-0x1.fffffep+62f));
  assert_true(un_ok(O(F64_CONVERT_I64_U), "I:F", UINT64_MAX) == f64b(0x1p64));
  assert_true(un_ok(O(F64_CONVERT_I64_U), "I:F", 0x8000000000000401ull) ==
              f64b(0x1.0000000000001p63));
  assert_true(un_ok(O(F32_CONVERT_I32_U), "i:f", GARBAGE | 0xffffffffu) == f32b(4294967296.0f));
  assert_true(un_ok(O(F32_CONVERT_I32_S), "i:f", GARBAGE | 0xffffffffu) == f32b(-1.0f));
  assert_true(un_ok(O(F64_CONVERT_I32_S), "i:F", 0x80000000u) == f64b(-2147483648.0));
  assert_true(un_ok(O(F64_CONVERT_I32_U), "i:F", 0x80000000u) == f64b(2147483648.0));
  assert_true(un_ok(O(F32_CONVERT_I32_S), "i:f", 16777217) == f32b(16777216.0f));
  /* demote / promote */
  assert_true(un_ok(O(F32_DEMOTE_F64), "F:f", f64b(0x1.fffffefffffffp-127)) != 0);
  uint32_t n = (uint32_t)un_ok(O(F32_DEMOTE_F64), "F:f", 0x7ff8000000000000ull);
  assert_int_equal(n, 0x7fc00000u);
  uint64_t p = un_ok(O(F64_PROMOTE_F32), "f:F", 0x7fc00000u);
  assert_true(p == 0x7ff8000000000000ull);
  assert_true(un_ok(O(F64_PROMOTE_F32), "f:F", f32b(-0.0f)) == f64b(-0.0));
  /* reinterpret */
  assert_true(un_ok(O(I64_REINTERPRET_F64), "F:I", 0xfff0000000000001ull) == 0xfff0000000000001ull);
  assert_true((uint32_t)un_ok(O(I32_REINTERPRET_F32), "f:i", 0xff800001u) == 0xff800001u);
}

/* Trapping truncations, exact at both ends of each range. */
static void test_truncation_bounds(void **state) {
  (void)state;
  uint64_t r;
  struct { wasm_op op; const char *sig; uint64_t in; loam_status st; uint64_t out; } cases[] = {
    {O(I32_TRUNC_F32_S), "f:i", f32b(-2147483648.0f), LOAM_OK, 0x80000000u},
    {O(I32_TRUNC_F32_S), "f:i", f32b(-2147483904.0f), LOAM_TRAP_INT_OVERFLOW, 0},
    {O(I32_TRUNC_F32_S), "f:i", f32b(2147483520.0f), LOAM_OK, 2147483520u},
    {O(I32_TRUNC_F32_S), "f:i", f32b(2147483648.0f), LOAM_TRAP_INT_OVERFLOW, 0},
    {O(I32_TRUNC_F32_S), "f:i", 0x7fc00000u, LOAM_TRAP_INVALID_CONVERSION, 0},
    {O(I32_TRUNC_F32_S), "f:i", f32b(-1.9f), LOAM_OK, 0xffffffffu},
    {O(I32_TRUNC_F32_U), "f:i", f32b(-0.9f), LOAM_OK, 0},
    {O(I32_TRUNC_F32_U), "f:i", f32b(-1.0f), LOAM_TRAP_INT_OVERFLOW, 0},
    {O(I32_TRUNC_F32_U), "f:i", f32b(4294967040.0f), LOAM_OK, 4294967040u},
    {O(I32_TRUNC_F32_U), "f:i", f32b(4294967296.0f), LOAM_TRAP_INT_OVERFLOW, 0},
    {O(I32_TRUNC_F64_S), "F:i", f64b(-2147483648.9), LOAM_OK, 0x80000000u},
    {O(I32_TRUNC_F64_S), "F:i", f64b(-2147483649.0), LOAM_TRAP_INT_OVERFLOW, 0},
    {O(I32_TRUNC_F64_S), "F:i", f64b(2147483647.9), LOAM_OK, 0x7fffffffu},
    {O(I32_TRUNC_F64_S), "F:i", f64b(2147483648.0), LOAM_TRAP_INT_OVERFLOW, 0},
    {O(I32_TRUNC_F64_U), "F:i", f64b(-0.9), LOAM_OK, 0},
    {O(I32_TRUNC_F64_U), "F:i", f64b(4294967295.9), LOAM_OK, 0xffffffffu},
    {O(I32_TRUNC_F64_U), "F:i", f64b(4294967296.0), LOAM_TRAP_INT_OVERFLOW, 0},
    {O(I32_TRUNC_F64_U), "F:i", f64b(-INFINITY), LOAM_TRAP_INT_OVERFLOW, 0},
    {O(I64_TRUNC_F32_S), "f:I", f32b(-9223372036854775808.0f), LOAM_OK, 1ull << 63},
    {O(I64_TRUNC_F32_S), "f:I", f32b(9223372036854775808.0f), LOAM_TRAP_INT_OVERFLOW, 0},
    {O(I64_TRUNC_F32_U), "f:I", f32b(18446742974197923840.0f), LOAM_OK, 18446742974197923840ull},
    {O(I64_TRUNC_F32_U), "f:I", f32b(18446744073709551616.0f), LOAM_TRAP_INT_OVERFLOW, 0},
    {O(I64_TRUNC_F64_S), "F:I", f64b(-9223372036854775808.0), LOAM_OK, 1ull << 63},
    {O(I64_TRUNC_F64_S), "F:I", f64b(-9223372036854777856.0), LOAM_TRAP_INT_OVERFLOW, 0},
    {O(I64_TRUNC_F64_S), "F:I", f64b(9223372036854774784.0), LOAM_OK, 9223372036854774784ull},
    {O(I64_TRUNC_F64_S), "F:I", f64b(9223372036854775808.0), LOAM_TRAP_INT_OVERFLOW, 0},
    {O(I64_TRUNC_F64_U), "F:I", f64b(18446744073709549568.0), LOAM_OK, 18446744073709549568ull},
    {O(I64_TRUNC_F64_U), "F:I", f64b(18446744073709551616.0), LOAM_TRAP_INT_OVERFLOW, 0},
    {O(I64_TRUNC_F64_U), "F:I", f64b(-0.99), LOAM_OK, 0},
    {O(I64_TRUNC_F64_U), "F:I", 0xfff8000000000000ull, LOAM_TRAP_INVALID_CONVERSION, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    loam_status st = unop(cases[i].op, cases[i].sig, cases[i].in, &r);
    if (st != cases[i].st) print_error("case %zu\n", i);
    assert_int_equal(st, cases[i].st);
    if (st == LOAM_OK) {
      if (cases[i].sig[2] == 'i') r = (uint32_t)r;
      assert_true(r == cases[i].out);
    }
  }
  assert_int_equal(unop(O(I32_TRUNC_F32_S), "f:i", 0x7fc00000u, &r),
                   LOAM_TRAP_INVALID_CONVERSION);
  assert_string_equal(W.err.message, "invalid conversion to integer");
}

static void test_saturating(void **state) {
  (void)state;
  assert_int_equal((uint32_t)un_ok(O(I32_TRUNC_SAT_F32_S), "f:i", 0x7fc00000u), 0);
  assert_int_equal((uint32_t)un_ok(O(I32_TRUNC_SAT_F32_S), "f:i", f32b(INFINITY)), 0x7fffffffu);
  assert_int_equal((uint32_t)un_ok(O(I32_TRUNC_SAT_F32_S), "f:i", f32b(-INFINITY)), 0x80000000u);
  assert_int_equal((uint32_t)un_ok(O(I32_TRUNC_SAT_F32_S), "f:i", f32b(-2147483904.0f)), 0x80000000u);
  assert_int_equal((uint32_t)un_ok(O(I32_TRUNC_SAT_F32_U), "f:i", f32b(-1.0f)), 0);
  assert_int_equal((uint32_t)un_ok(O(I32_TRUNC_SAT_F64_U), "F:i", f64b(4294967296.0)), 0xffffffffu);
  assert_int_equal((uint32_t)un_ok(O(I32_TRUNC_SAT_F64_S), "F:i", f64b(-2147483648.9)), 0x80000000u);
  assert_true(un_ok(O(I64_TRUNC_SAT_F64_S), "F:I", f64b(1e300)) == 0x7fffffffffffffffull);
  assert_true(un_ok(O(I64_TRUNC_SAT_F64_S), "F:I", f64b(-1e300)) == 0x8000000000000000ull);
  assert_true(un_ok(O(I64_TRUNC_SAT_F32_U), "f:I", f32b(-5.0f)) == 0);
  assert_true(un_ok(O(I64_TRUNC_SAT_F64_U), "F:I", f64b(1e20)) == UINT64_MAX);
  assert_true(un_ok(O(I64_TRUNC_SAT_F64_U), "F:I", f64b(NAN)) == 0);
  assert_true(un_ok(O(I64_TRUNC_SAT_F32_S), "f:I", f32b(-3.9f)) == (uint64_t)-3);
}

/* ---- memory ------------------------------------------------------------------ */

static void test_memory_bounds(void **state) {
  (void)state;
  uint64_t r, end = WASM_PAGE_SIZE;
  DEF(0, "load32", "i:i", 0, O(LOCAL_GET), 0, O(I32_LOAD), 0, O(RETURN));
  DEF(1, "load8", "i:i", 0, O(LOCAL_GET), 0, O(I32_LOAD8_U), 0, O(RETURN));
  DEF(2, "load_off", "i:i", 0, O(LOCAL_GET), 0, O(I32_LOAD8_U), 0xffffffffull, O(RETURN));
  DEF(3, "store64", "iI:", 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, O(I64_STORE), 0, O(RETURN));
  memcpy(W.mems[0]->data + end - 4, "\x01\x02\x03\x04", 4);
  assert_int_equal(call(0, &r, 1, end - 4), LOAM_OK);
  assert_int_equal((uint32_t)r, 0x04030201u);
  assert_int_equal(call(0, &r, 1, end - 3), LOAM_TRAP_OOB_MEMORY);
  assert_string_equal(W.err.message, "out of bounds memory access");
  assert_int_equal(call(1, &r, 1, end - 1), LOAM_OK);
  assert_int_equal((uint32_t)r, 4);
  assert_int_equal(call(1, &r, 1, end), LOAM_TRAP_OOB_MEMORY);
  assert_int_equal(call(1, &r, 1, 0xffffffffull), LOAM_TRAP_OOB_MEMORY);
  assert_int_equal(call(2, &r, 1, 1), LOAM_TRAP_OOB_MEMORY);
  assert_int_equal(call(3, NULL, 2, end - 8, 0x1122334455667788ull), LOAM_OK);
  assert_int_equal(call(3, NULL, 2, end - 7, 1), LOAM_TRAP_OOB_MEMORY);
  /* The trapping store wrote nothing. */
  assert_int_equal(W.mems[0]->data[end - 1], 0x11);
  /* Unaligned access is fine. */
  assert_int_equal(call(3, NULL, 2, 3, 0x1122334455667788ull), LOAM_OK);
  assert_int_equal(call(0, &r, 1, 5), LOAM_OK);
  assert_int_equal((uint32_t)r, 0x33445566u);
}

static void test_memory_widths(void **state) {
  (void)state;
  memcpy(W.mems[0]->data + 16, "\x80\xff\x7f\x80\x01\x02\x03\x84", 8);
  struct { wasm_op op; const char *sig; uint64_t want; } cases[] = {
    {O(I32_LOAD8_S), "i:i", 0xffffff80u}, {O(I32_LOAD8_U), "i:i", 0x80},
    {O(I32_LOAD16_S), "i:i", 0xffffff80u}, {O(I32_LOAD16_U), "i:i", 0xff80},
    {O(I64_LOAD8_S), "i:I", 0xffffffffffffff80ull}, {O(I64_LOAD8_U), "i:I", 0x80},
    {O(I64_LOAD16_S), "i:I", 0xffffffffffffff80ull}, {O(I64_LOAD16_U), "i:I", 0xff80},
    {O(I64_LOAD32_S), "i:I", 0xffffffff807fff80ull}, {O(I64_LOAD32_U), "i:I", 0x807fff80ull},
    {O(I64_LOAD), "i:I", 0x84030201807fff80ull}, {O(F64_LOAD), "i:F", 0x84030201807fff80ull},
    {O(F32_LOAD), "i:f", 0x807fff80u},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint64_t r;
    DEF(0, "load", cases[i].sig, 0, O(LOCAL_GET), 0, cases[i].op, 6, O(RETURN));
    assert_int_equal(call(0, &r, 1, GARBAGE | 10), LOAM_OK);
    if (cases[i].sig[2] != 'I' && cases[i].sig[2] != 'F') r = (uint32_t)r;
    assert_true(r == cases[i].want);
  }
  wasm_op stores[] = {O(I32_STORE8), O(I32_STORE16), O(I32_STORE), O(I64_STORE8),
                      O(I64_STORE16), O(I64_STORE32), O(F32_STORE), O(F64_STORE)};
  unsigned widths[] = {1, 2, 4, 1, 2, 4, 4, 8};
  for (size_t i = 0; i < 8; i++) {
    memset(W.mems[0]->data + 100, 0, 16);
    DEF(0, "store", "iI:", 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, stores[i], 1,
        O(RETURN));
    assert_int_equal(call(0, NULL, 2, 99, 0xa1a2a3a4a5a6a7a8ull), LOAM_OK);
    for (unsigned k = 0; k < 9; k++)
      assert_int_equal(W.mems[0]->data[100 + k], k < widths[i] ? 0xa8 - k : 0);
  }
}

static void test_memory_grow_bulk(void **state) {
  (void)state;
  uint64_t r;
  DEF(0, "grow", "i:i", 0, O(LOCAL_GET), 0, O(MEMORY_GROW), O(RETURN));
  DEF(1, "size", ":i", 0, O(MEMORY_SIZE), O(RETURN));
  DEF(2, "load", "i:i", 0, O(LOCAL_GET), 0, O(I32_LOAD8_U), 0, O(RETURN));
  DEF(3, "fill", "iii:", 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, O(LOCAL_GET), 2,
      O(MEMORY_FILL), O(RETURN));
  DEF(4, "copy", "iii:", 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, O(LOCAL_GET), 2,
      O(MEMORY_COPY), O(RETURN));
  DEF(5, "init", "iii:", 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, O(LOCAL_GET), 2,
      O(MEMORY_INIT), 0, O(RETURN));
  DEF(6, "drop", ":", 0, O(DATA_DROP), 0, O(RETURN));
  assert_int_equal(call(2, &r, 1, WASM_PAGE_SIZE), LOAM_TRAP_OOB_MEMORY);
  assert_int_equal(call(0, &r, 1, 1), LOAM_OK);
  assert_int_equal((uint32_t)r, 1);
  assert_int_equal(call(1, &r, 0), LOAM_OK);
  assert_int_equal((uint32_t)r, 2);
  assert_int_equal(call(2, &r, 1, WASM_PAGE_SIZE), LOAM_OK);
  assert_int_equal(call(0, &r, 1, 1), LOAM_OK);
  assert_int_equal((uint32_t)r, 0xffffffffu);
  assert_int_equal(call(0, &r, 1, 0), LOAM_OK);
  assert_int_equal((uint32_t)r, 2);
  uint64_t end = 2 * WASM_PAGE_SIZE;
  /* fill / copy: bounds are checked before anything is written */
  assert_int_equal(call(3, NULL, 3, end - 4, 0x1ff, 4), LOAM_OK);
  assert_int_equal(W.mems[0]->data[end - 1], 0xff);
  assert_int_equal(call(3, NULL, 3, end, 7, 0), LOAM_OK);
  assert_int_equal(call(3, NULL, 3, end + 1, 7, 0), LOAM_TRAP_OOB_MEMORY);
  assert_int_equal(call(3, NULL, 3, end - 4, 7, 5), LOAM_TRAP_OOB_MEMORY);
  assert_int_equal(W.mems[0]->data[end - 4], 0xff);
  memcpy(W.mems[0]->data, "abcdefgh", 8);
  assert_int_equal(call(4, NULL, 3, 2, 0, 6), LOAM_OK);  /* overlapping */
  assert_memory_equal(W.mems[0]->data, "ababcdef", 8);
  assert_int_equal(call(4, NULL, 3, 0, 2, 6), LOAM_OK);
  assert_memory_equal(W.mems[0]->data, "abcdefef", 8);
  assert_int_equal(call(4, NULL, 3, 0, end - 2, 3), LOAM_TRAP_OOB_MEMORY);
  assert_int_equal(call(4, NULL, 3, 0, end, 0), LOAM_OK);
  /* init / drop */
  assert_int_equal(call(5, NULL, 3, 10, 1, 4), LOAM_OK);
  assert_memory_equal(W.mems[0]->data + 10, "ello", 4);
  assert_int_equal(call(5, NULL, 3, 10, 1, 5), LOAM_TRAP_OOB_MEMORY);
  assert_int_equal(call(5, NULL, 3, end, 5, 0), LOAM_OK);
  assert_int_equal(call(6, NULL, 0), LOAM_OK);
  assert_int_equal(call(5, NULL, 3, 10, 0, 1), LOAM_TRAP_OOB_MEMORY);
  assert_int_equal(call(5, NULL, 3, 10, 0, 0), LOAM_OK);
}

/* ---- control ------------------------------------------------------------------- */

static void test_branches(void **state) {
  (void)state;
  uint64_t r;
  /* 100 1 2 3, br drop 2 keep 1 -> 100 3, add -> 103 */
  DEF(0, "br_adj", ":i", 0,
      O(I32_CONST), 100, O(I32_CONST), 1, O(I32_CONST), 2, O(I32_CONST), 3,
      /* 8 */ O(BR_ADJ), 12, wasm_adj(2, 1), /* 11 */ O(UNREACHABLE),
      /* 12 */ O(I32_ADD), O(RETURN));
  assert_int_equal(call(0, &r, 0), LOAM_OK);
  assert_int_equal((uint32_t)r, 103);
  /* 100 7 cond br_if(drop 1 keep 1) -> 7 | add -> 107 */
  DEF(1, "br_if_adj", "i:i", 0,
      O(I32_CONST), 100, O(I32_CONST), 7, O(LOCAL_GET), 0,
      /* 6 */ O(BR_IF_ADJ), 11, wasm_adj(1, 1),
      /* 9 */ O(I32_ADD), O(RETURN), /* 11 */ O(RETURN));
  assert_int_equal(call(1, &r, 1, GARBAGE | 1), LOAM_OK);
  assert_int_equal((uint32_t)r, 7);
  assert_int_equal(call(1, &r, 1, GARBAGE), LOAM_OK);
  assert_int_equal((uint32_t)r, 107);
  /* br_if / br_unless / br */
  DEF(2, "if", "i:i", 0,
      O(LOCAL_GET), 0, /* 2 */ O(BR_UNLESS), 8, O(I32_CONST), 1, /* 6 */ O(BR), 10,
      /* 8 */ O(I32_CONST), 2, /* 10 */ O(RETURN));
  assert_int_equal(call(2, &r, 1, 5), LOAM_OK);
  assert_int_equal((uint32_t)r, 1);
  assert_int_equal(call(2, &r, 1, GARBAGE), LOAM_OK);
  assert_int_equal((uint32_t)r, 2);
  DEF(3, "br_if", "i:i", 0,
      O(I32_CONST), 9, O(LOCAL_GET), 0, /* 4 */ O(BR_IF), 9, O(DROP),
      O(I32_CONST), 0, /* 9 */ O(RETURN));
  assert_int_equal(call(3, &r, 1, 0), LOAM_OK);
  assert_int_equal((uint32_t)r, 0);  /* the 9 was dropped */
  assert_int_equal(call(3, &r, 1, 1), LOAM_OK);
  assert_int_equal((uint32_t)r, 9);
  /* br_table with a default */
  DEF(4, "br_table", "i:i", 0,
      O(LOCAL_GET), 0, /* 2 */ O(BR_TABLE), 2, 10, 0, 13, 0, 16, 0,
      /* 10 */ O(I32_CONST), 10, O(RETURN), /* 13 */ O(I32_CONST), 11, O(RETURN),
      /* 16 */ O(I32_CONST), 12, O(RETURN));
  uint32_t want[] = {10, 11, 12, 12};
  uint64_t in[] = {0, 1, 2, 0xffffffff};
  for (int i = 0; i < 4; i++) {
    assert_int_equal(call(4, &r, 1, in[i]), LOAM_OK);
    assert_int_equal((uint32_t)r, want[i]);
  }
  /* br_table adjusting: 5 6 idx -> keep 1 drop 1 -> 6 */
  DEF(5, "br_table_adj", "i:i", 0,
      O(I32_CONST), 5, O(I32_CONST), 6, O(LOCAL_GET), 0,
      /* 6 */ O(BR_TABLE), 0, 10, wasm_adj(1, 1), /* 10 */ O(RETURN));
  assert_int_equal(call(5, &r, 1, 3), LOAM_OK);
  assert_int_equal((uint32_t)r, 6);
  /* select, locals zeroed, tee */
  DEF(6, "select", "iii:i", 1,
      O(LOCAL_GET), 3, O(LOCAL_GET), 0, O(I32_ADD), O(LOCAL_GET), 1,
      O(LOCAL_GET), 2, O(SELECT), O(LOCAL_TEE), 3, O(DROP), O(LOCAL_GET), 3,
      O(RETURN));
  assert_int_equal(call(6, &r, 3, 1, 2, GARBAGE | 1), LOAM_OK);
  assert_int_equal((uint32_t)r, 1);
  assert_int_equal(call(6, &r, 3, 1, 2, GARBAGE), LOAM_OK);
  assert_int_equal((uint32_t)r, 2);
}

static void test_globals_refs(void **state) {
  (void)state;
  uint64_t r;
  W.globals[0].value = 41;
  DEF(0, "inc", ":i", 0, O(GLOBAL_GET), 0, O(I32_CONST), 1, O(I32_ADD),
      O(GLOBAL_SET), 0, O(GLOBAL_GET), 0, O(RETURN));
  assert_int_equal(call(0, &r, 0), LOAM_OK);
  assert_int_equal((uint32_t)r, 42);
  assert_int_equal((uint32_t)W.globals[0].value, 42);
  DEF(1, "reffunc", ":r", 0, O(REF_FUNC), 2, O(RETURN));
  DEF(2, "isnull", "r:i", 0, O(LOCAL_GET), 0, O(REF_IS_NULL), O(RETURN));
  DEF(3, "null", ":r", 0, O(REF_NULL), O(RETURN));
  assert_int_equal(call(1, &r, 0), LOAM_OK);
  assert_ptr_equal((void *)(uintptr_t)r, &W.funcs[2]);
  assert_int_equal(call(2, &r, 1, r), LOAM_OK);
  assert_int_equal((uint32_t)r, 0);
  assert_int_equal(call(3, &r, 0), LOAM_OK);
  assert_int_equal(call(2, &r, 1, r), LOAM_OK);
  assert_int_equal((uint32_t)r, 1);
  DEF(4, "consts", ":F", 0, O(I64_CONST), 0x123456789abcdefull, O(DROP),
      O(F64_CONST), f64b(1.5), O(RETURN));
  assert_int_equal(call(4, &r, 0), LOAM_OK);
  assert_true(r == f64b(1.5));
}

static void test_calls_recursion(void **state) {
  (void)state;
  uint64_t r;
  DEF(0, "fac", "I:I", 0,
      O(LOCAL_GET), 0, O(I64_EQZ), /* 3 */ O(BR_UNLESS), 8, O(I64_CONST), 1,
      O(RETURN), /* 8 */ O(LOCAL_GET), 0, O(LOCAL_GET), 0, O(I64_CONST), 1,
      O(I64_SUB), O(CALL), 0, O(I64_MUL), O(RETURN));
  assert_int_equal(call(0, &r, 1, 20), LOAM_OK);
  assert_true(r == 2432902008176640000ull);
  DEF(1, "fib", "i:i", 0,
      O(LOCAL_GET), 0, O(I32_CONST), 2, O(I32_LT_U), /* 5 */ O(BR_UNLESS), 10,
      O(LOCAL_GET), 0, O(RETURN),
      /* 10 */ O(LOCAL_GET), 0, O(I32_CONST), 1, O(I32_SUB), O(CALL), 1,
      O(LOCAL_GET), 0, O(I32_CONST), 2, O(I32_SUB), O(CALL), 1, O(I32_ADD),
      O(RETURN));
  assert_int_equal(call(1, &r, 1, 20), LOAM_OK);
  assert_int_equal((uint32_t)r, 6765);
  /* multiple results through a call */
  DEF(2, "pair", "i:ii", 0, O(LOCAL_GET), 0, O(I32_CONST), 1, O(I32_ADD),
      O(LOCAL_GET), 0, O(RETURN));
  DEF(3, "use_pair", "i:i", 1, O(I32_CONST), 1000, O(LOCAL_GET), 0, O(CALL), 2,
      O(I32_SUB), O(I32_ADD), O(RETURN));
  assert_int_equal(call(3, &r, 1, 5), LOAM_OK);
  assert_int_equal((uint32_t)r, 1001);
  assert_int_equal(call(2, &r, 1, 5), LOAM_OK);
  assert_int_equal((uint32_t)W.store->stack[1], 5);
}

static void test_call_indirect(void **state) {
  (void)state;
  uint64_t r;
  DEF(0, "dispatch", "i:i", 0, O(I32_CONST), 5, O(LOCAL_GET), 0,
      O(CALL_INDIRECT), type_of("i:i"), 0, O(RETURN));
  DEF(1, "double", "i:i", 0, O(LOCAL_GET), 0, O(LOCAL_GET), 0, O(I32_ADD), O(RETURN));
  DEF(2, "const", ":i", 0, O(I32_CONST), 3, O(RETURN));
  W.tabs[0]->elems[0] = &W.funcs[1];
  W.tabs[0]->elems[1] = NULL;
  W.tabs[0]->elems[2] = &W.funcs[2];
  assert_int_equal(call(0, &r, 1, 0), LOAM_OK);
  assert_int_equal((uint32_t)r, 10);
  assert_int_equal(call(0, &r, 1, 1), LOAM_TRAP_UNINITIALIZED_ELEMENT);
  assert_string_equal(W.err.message, "uninitialized element");
  assert_int_equal(call(0, &r, 1, 2), LOAM_TRAP_INDIRECT_TYPE);
  assert_string_equal(W.err.message, "indirect call type mismatch");
  assert_int_equal(call(0, &r, 1, 3), LOAM_TRAP_UNDEFINED_ELEMENT);
  assert_string_equal(W.err.message, "undefined element");
  assert_string_equal(W.err.backtrace, "  #0 dispatch (func 0)\n");
}

static void test_tables(void **state) {
  (void)state;
  uint64_t r;
  void *f1 = &W.funcs[1];
  DEF(0, "get", "i:r", 0, O(LOCAL_GET), 0, O(TABLE_GET), 0, O(RETURN));
  DEF(1, "set", "ir:", 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, O(TABLE_SET), 0, O(RETURN));
  DEF(2, "size", ":i", 0, O(TABLE_SIZE), 0, O(RETURN));
  DEF(3, "grow", "ri:i", 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, O(TABLE_GROW), 0, O(RETURN));
  DEF(4, "fill", "iri:", 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, O(LOCAL_GET), 2,
      O(TABLE_FILL), 0, O(RETURN));
  DEF(5, "copy", "iii:", 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, O(LOCAL_GET), 2,
      O(TABLE_COPY), 0, 0, O(RETURN));
  DEF(6, "init", "iii:", 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, O(LOCAL_GET), 2,
      O(TABLE_INIT), 0, 0, O(RETURN));
  DEF(7, "drop", ":", 0, O(ELEM_DROP), 0, O(RETURN));
  assert_int_equal(call(1, NULL, 2, 2, (uint64_t)(uintptr_t)f1), LOAM_OK);
  assert_int_equal(call(0, &r, 1, 2), LOAM_OK);
  assert_ptr_equal((void *)(uintptr_t)r, f1);
  assert_int_equal(call(0, &r, 1, 3), LOAM_TRAP_OOB_TABLE);
  assert_string_equal(W.err.message, "out of bounds table access");
  assert_int_equal(call(1, NULL, 2, 3, 0), LOAM_TRAP_OOB_TABLE);
  assert_int_equal(call(3, &r, 2, (uint64_t)(uintptr_t)f1, 2), LOAM_OK);
  assert_int_equal((uint32_t)r, 3);
  assert_int_equal(call(2, &r, 0), LOAM_OK);
  assert_int_equal((uint32_t)r, 5);
  assert_ptr_equal(W.tabs[0]->elems[4], f1);
  assert_ptr_equal(W.tabs[0]->elems[2], f1);
  assert_int_equal(call(3, &r, 2, 0, 1), LOAM_OK);
  assert_int_equal((uint32_t)r, 0xffffffffu);  /* over max */
  assert_int_equal(call(3, &r, 2, 0, 0), LOAM_OK);
  assert_int_equal((uint32_t)r, 5);
  assert_int_equal(call(4, NULL, 3, 0, 0, 5), LOAM_OK);
  assert_null(W.tabs[0]->elems[4]);
  assert_int_equal(call(4, NULL, 3, 5, 0, 0), LOAM_OK);
  assert_int_equal(call(4, NULL, 3, 6, 0, 0), LOAM_TRAP_OOB_TABLE);
  assert_int_equal(call(4, NULL, 3, 1, (uint64_t)(uintptr_t)f1, 5), LOAM_TRAP_OOB_TABLE);
  assert_null(W.tabs[0]->elems[1]);
  void *items[2] = {&W.funcs[2], &W.funcs[3]};
  W.elem_items[0] = items;
  W.elem_len[0] = 2;
  assert_int_equal(call(6, NULL, 3, 3, 0, 2), LOAM_OK);
  assert_ptr_equal(W.tabs[0]->elems[3], &W.funcs[2]);
  assert_ptr_equal(W.tabs[0]->elems[4], &W.funcs[3]);
  assert_int_equal(call(6, NULL, 3, 4, 0, 2), LOAM_TRAP_OOB_TABLE);
  assert_int_equal(call(5, NULL, 3, 2, 3, 3), LOAM_TRAP_OOB_TABLE);
  assert_int_equal(call(5, NULL, 3, 2, 3, 2), LOAM_OK);  /* overlapping */
  assert_ptr_equal(W.tabs[0]->elems[2], &W.funcs[2]);
  assert_ptr_equal(W.tabs[0]->elems[3], &W.funcs[3]);
  assert_ptr_equal(W.tabs[0]->elems[4], &W.funcs[3]);
  assert_int_equal(call(5, NULL, 3, 0, 4, 2), LOAM_TRAP_OOB_TABLE);
  assert_int_equal(call(7, NULL, 0), LOAM_OK);
  assert_int_equal(call(6, NULL, 3, 0, 0, 1), LOAM_TRAP_OOB_TABLE);
  assert_int_equal(call(6, NULL, 3, 0, 0, 0), LOAM_OK);
}

/* ---- traps, stopping, host calls ---------------------------------------------------- */

static void test_trap_backtrace(void **state) {
  (void)state;
  uint64_t r;
  DEF(0, "outer", ":i", 0, O(CALL), 1, O(RETURN));
  DEF(1, "inner", ":i", 0, O(UNREACHABLE), O(RETURN));
  assert_int_equal(call(0, &r, 0), LOAM_TRAP_UNREACHABLE);
  assert_string_equal(W.err.message, "unreachable");
  assert_string_equal(W.err.backtrace,
                      "  #0 inner (func 1)\n  #1 outer (func 0)\n");
  /* The store is usable afterwards. */
  DEF(1, "inner", ":i", 0, O(I32_CONST), 4, O(RETURN));
  assert_int_equal(call(0, &r, 0), LOAM_OK);
  assert_int_equal((uint32_t)r, 4);
  assert_string_equal(W.err.message, "");
}

static void test_stack_exhaustion(void **state) {
  (void)state;
  uint64_t r;
  DEF(0, "forever", ":", 0, O(CALL), 0, O(RETURN));
  assert_int_equal(call(0, &r, 0), LOAM_TRAP_STACK_EXHAUSTED);
  assert_string_equal(W.err.message, "call stack exhausted");
  assert_non_null(strstr(W.err.backtrace, "  ...\n"));
  /* Value stack exhaustion before the frame limit: big frames. */
  DEF(1, "fat", "i:", 2000, O(LOCAL_GET), 0, O(CALL), 1, O(RETURN));
  assert_int_equal(call(1, &r, 1, 0), LOAM_TRAP_STACK_EXHAUSTED);
  /* Still usable. */
  DEF(2, "ok", ":i", 0, O(I32_CONST), 1, O(RETURN));
  assert_int_equal(call(2, &r, 0), LOAM_OK);
}

static uint64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* An infinite loop counting its iterations in global 0. */
static void def_spin(void) {
  DEF(0, "spin", ":", 0, /* 0 */ O(LOOP_CHECK), O(GLOBAL_GET), 0, O(I64_CONST), 1,
      O(I64_ADD), O(GLOBAL_SET), 0, O(BR), 0);
}

static void test_fuel(void **state) {
  (void)state;
  def_spin();
  W.store->fuel = 1000;
  assert_int_equal(call(0, NULL, 0), LOAM_TRAP_FUEL);
  assert_string_equal(W.err.message, "fuel exhausted");
  assert_true(W.globals[0].value == 1000);
  assert_true(W.store->fuel == 0);
  assert_int_equal(call(0, NULL, 0), LOAM_TRAP_FUEL);
  /* Calls use fuel too. */
  DEF(1, "fib", "i:i", 0,
      O(LOCAL_GET), 0, O(I32_CONST), 2, O(I32_LT_U), O(BR_UNLESS), 10,
      O(LOCAL_GET), 0, O(RETURN),
      O(LOCAL_GET), 0, O(I32_CONST), 1, O(I32_SUB), O(CALL), 1,
      O(LOCAL_GET), 0, O(I32_CONST), 2, O(I32_SUB), O(CALL), 1, O(I32_ADD),
      O(RETURN));
  W.store->fuel = 10;
  assert_int_equal(call(1, NULL, 1, 30), LOAM_TRAP_FUEL);
  W.store->fuel = 1000000;
  uint64_t r;
  assert_int_equal(call(1, &r, 1, 10), LOAM_OK);
  assert_int_equal((uint32_t)r, 55);
  assert_true(W.store->fuel == 1000000 - 176);  /* fib(10) makes 176 calls */
}

static void *interrupter(void *arg) {
  uint64_t *when = arg;
  struct timespec d = {0, 20 * 1000000};
  nanosleep(&d, NULL);
  *when = mono_ns();
  atomic_store(&W.store->interrupt, true);
  return NULL;
}

/* The timing bounds below hold for the interpreter's checks, but a loaded
 * machine can deschedule the test thread for longer than the bound: each
 * measurement is taken up to three times and the best one is checked (a
 * missing check at loop headers makes every attempt miss, or hang). */
enum { TIMING_ATTEMPTS = 3 };
static const double STOP_BOUND_MS = 10.0;

/* One interrupted spin: ms from the interrupt request to the stop. */
static double interrupt_once(void) {
  uint64_t when = 0;
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, interrupter, &when), 0);
  loam_status st = call(0, NULL, 0);
  uint64_t stopped = mono_ns();
  pthread_join(t, NULL);
  assert_int_equal(st, LOAM_TRAP_INTERRUPTED);
  assert_string_equal(W.err.message, "interrupted");
  assert_false(atomic_load(&W.store->interrupt));  /* cleared on delivery */
  return (double)(stopped - when) / 1e6;
}

static void test_interrupt(void **state) {
  (void)state;
  def_spin();
  double best = 1e9;
  for (int i = 0; i < TIMING_ATTEMPTS && best >= STOP_BOUND_MS; i++) {
    double ms = interrupt_once();
    if (ms < best) best = ms;
  }
  print_message("interrupt delivered after %.3f ms\n", best);
  assert_true(best < STOP_BOUND_MS);
  /* A later call runs normally (to its fuel limit). */
  W.store->fuel = 5;
  assert_int_equal(call(0, NULL, 0), LOAM_TRAP_FUEL);
}

/* One spin stopped by a deadline 5 ms ahead (with fuel metered too when
 * `fuel`): ms from the deadline to the stop. */
static double deadline_once(bool fuel) {
  W.globals[0].value = 0;
  if (fuel) W.store->fuel = 1000000000000;
  W.store->deadline_ns = mono_ns() + 5 * 1000000;
  loam_status st = call(0, NULL, 0);
  uint64_t stopped = mono_ns();
  assert_int_equal(st, LOAM_TRAP_DEADLINE);
  assert_string_equal(W.err.message, "deadline exceeded");
  assert_true(stopped >= W.store->deadline_ns);
  /* with fuel: every iteration's check, plus the one that saw the deadline */
  if (fuel) assert_true(1000000000000 - W.store->fuel == (int64_t)W.globals[0].value + 1);
  return (double)(stopped - W.store->deadline_ns) / 1e6;
}

static void test_deadline(void **state) {
  (void)state;
  def_spin();
  for (int fuel = 0; fuel <= 1; fuel++) {
    double best = 1e9;
    for (int i = 0; i < TIMING_ATTEMPTS && best >= STOP_BOUND_MS; i++) {
      double ms = deadline_once(fuel);
      if (ms < best) best = ms;
    }
    print_message("deadline overshoot %.3f ms%s\n", best, fuel ? " (fuel metered too)" : "");
    assert_true(best < STOP_BOUND_MS);
  }
}

/* Host function: doubles its argument by calling wasm function 2 again
 * (a nested invocation on the same store). */
static loam_status nested_host(loam_caller *c, uint64_t *slots, void *user) {
  assert_ptr_equal(c->inst, &W.inst);
  assert_ptr_equal(c->store, W.store);
  uint64_t *sp = c->store->sp;
  assert_true(sp >= slots + 1);
  sp[0] = slots[0];
  loam_status st = wasm_invoke(c->store, &W.funcs[(uintptr_t)user], sp, c->err);
  if (st) return st;
  slots[0] = sp[0];
  return LOAM_OK;
}

static loam_status failing_host(loam_caller *c, uint64_t *slots, void *user) {
  (void)slots;
  (void)user;
  c->err->code = LOAM_TRAP_HOST;
  snprintf(c->err->message, sizeof c->err->message, "host says no");
  return LOAM_TRAP_HOST;
}

static loam_status results_host(loam_caller *c, uint64_t *slots, void *user) {
  (void)c;
  (void)user;
  slots[0] = 1, slots[1] = 2, slots[2] = 3;
  return LOAM_OK;
}

static void test_host_calls(void **state) {
  (void)state;
  uint64_t r;
  DEF(0, "f", "i:i", 0, O(LOCAL_GET), 0, O(CALL), 1, O(I32_CONST), 1,
      O(I32_ADD), O(RETURN));
  host(1, "h", "i:i", nested_host, (void *)2);
  DEF(2, "g", "i:i", 0, O(LOCAL_GET), 0, O(LOCAL_GET), 0, O(I32_ADD), O(RETURN));
  assert_int_equal(call(0, &r, 1, 5), LOAM_OK);
  assert_int_equal((uint32_t)r, 11);
  /* A trap in the nested invocation comes back with both backtraces. */
  DEF(2, "g", "i:i", 0, O(UNREACHABLE));
  assert_int_equal(call(0, &r, 1, 5), LOAM_TRAP_UNREACHABLE);
  assert_string_equal(W.err.message, "unreachable");
  assert_string_equal(W.err.backtrace, "  #0 g (func 2)\n  #1 f (func 0)\n");
  /* A failing host function keeps its message. */
  host(1, "h", "i:i", failing_host, NULL);
  assert_int_equal(call(0, &r, 1, 5), LOAM_TRAP_HOST);
  assert_string_equal(W.err.message, "host says no");
  assert_string_equal(W.err.backtrace, "  #0 f (func 0)\n");
  /* More results than params; called directly from the embedder too. */
  host(3, "three", ":iii", results_host, NULL);
  DEF(4, "sum3", ":i", 0, O(CALL), 3, O(I32_ADD), O(I32_ADD), O(RETURN));
  assert_int_equal(call(4, &r, 0), LOAM_OK);
  assert_int_equal((uint32_t)r, 6);
  assert_int_equal(call(3, &r, 0), LOAM_OK);
  assert_int_equal((uint32_t)r, 1);
  /* Deep recursion through the host (guest -> host -> guest ...) traps. */
  DEF(5, "rec", "i:i", 0, O(LOCAL_GET), 0, O(CALL), 6, O(RETURN));
  host(6, "hrec", "i:i", nested_host, (void *)5);
  assert_int_equal(call(5, &r, 1, 1), LOAM_TRAP_STACK_EXHAUSTED);
}

/* Calls into another instance switch memory and globals, and back. */
static void test_cross_instance(void **state) {
  (void)state;
  uint64_t r;
  static loam_instance other;
  static loam_memory omem;
  static loam_global og;
  static loam_global *ogp[1];
  static loam_memory *omems[1];
  uint8_t obytes[WASM_PAGE_SIZE];
  memset(obytes, 0, sizeof obytes);
  obytes[0] = 77;
  omem = (loam_memory){.data = obytes, .size = WASM_PAGE_SIZE, .pages = 1,
                       .max_pages = 1, .reserved = WASM_PAGE_SIZE};
  og.value = 1000;
  ogp[0] = &og;
  omems[0] = &omem;
  other = W.inst;
  other.mem0 = &omem;
  other.mems = omems;
  other.globals = ogp;
  W.mems[0]->data[0] = 5;
  W.globals[0].value = 1;
  DEF(0, "here", ":i", 0, O(I32_CONST), 0, O(I32_LOAD8_U), 0, O(GLOBAL_GET), 0,
      O(I32_ADD), O(CALL), 1, O(I32_ADD), O(I32_CONST), 0, O(I32_LOAD8_U), 0,
      O(I32_ADD), O(RETURN));
  DEF(1, "there", ":i", 0, O(I32_CONST), 0, O(I32_LOAD8_U), 0, O(GLOBAL_GET), 0,
      O(I32_ADD), O(RETURN));
  W.funcs[1].inst = &other;
  assert_int_equal(call(0, &r, 0), LOAM_OK);
  assert_int_equal((uint32_t)r, 5 + 1 + 77 + 1000 + 5);
}

/* ---- super-instructions ------------------------------------------------------ */

/* Equal results; for float arithmetic any NaN matches any NaN, since which
 * operand's payload propagates is up to the hardware (and the compiler's
 * operand order), and the spec allows either. */
static bool same_result(wasm_op op, uint64_t got, uint64_t want) {
  if (got == want) return true;
  if (op >= WASM_OP_F32_ABS && op <= WASM_OP_F32_COPYSIGN)
    return isnan(wn_f32(got)) && isnan(wn_f32(want));
  if (op >= WASM_OP_F64_ABS && op <= WASM_OP_F64_COPYSIGN)
    return isnan(wn_f64(got)) && isnan(wn_f64(want));
  return false;
}

/* Every fused shape of every integer binop agrees with the plain handler. */
static void test_fused_binops(void **state) {
  (void)state;
  static const wasm_op ops32[] = {
#define OP_ITEM(NAME, EXPR) WASM_OP_##NAME,
      WN_I32_BINARY(OP_ITEM)};
  static const wasm_op ops64[] = {WN_I64_BINARY(OP_ITEM)
#undef OP_ITEM
  };
  static const uint64_t vals[] = {0, 1, 5, 31, 32, 33, 63, 64, 0x7fffffff,
                                  0x80000000u, 0xffffffffu, 1ull << 63,
                                  UINT64_MAX, 0x123456789abcdef0ull};
  size_t nv = sizeof vals / sizeof vals[0];
  for (int wide = 0; wide < 2; wide++) {
    const wasm_op *ops = wide ? ops64 : ops32;
    size_t nops = wide ? sizeof ops64 / sizeof ops64[0] : sizeof ops32 / sizeof ops32[0];
    const char *sig = wide ? "II:I" : "ii:i";
    uint64_t K = wide ? O(I64_CONST) : O(I32_CONST);
    for (size_t i = 0; i < nops; i++) {
      wasm_op op = ops[i];
      for (size_t x = 0; x < nv; x++) {
        for (size_t y = 0; y < nv; y++) {
          uint64_t a = vals[x], b = vals[y], want, got;
          if (!wide) a |= GARBAGE, b |= GARBAGE;
          want = bin_ok(op, sig, a, b);
          /* local.get; const; op */
          DEF(1, "lk", sig, 0, O(LOCAL_GET), 0, K, b, op, O(RETURN));
          assert_int_equal(call(1, &got, 2, a, b), LOAM_OK);
          assert_true(got == want);
          /* const; const; op */
          DEF(1, "k", sig, 0, K, a, K, b, op, O(RETURN));
          assert_int_equal(call(1, &got, 2, a, b), LOAM_OK);
          assert_true(got == want);
          /* const; local.get; op */
          DEF(1, "l", sig, 0, K, a, O(LOCAL_GET), 1, op, O(RETURN));
          assert_int_equal(call(1, &got, 2, a, b), LOAM_OK);
          assert_true(got == want);
          /* op; local.set; local.get  and  op; local.tee */
          DEF(1, "set", sig, 1, O(LOCAL_GET), 0, O(LOCAL_GET), 1, op,
              O(LOCAL_SET), 2, O(LOCAL_GET), 2, O(RETURN));
          assert_int_equal(call(1, &got, 2, a, b), LOAM_OK);
          assert_true(got == want);
          DEF(1, "tee", sig, 1, O(LOCAL_GET), 0, O(LOCAL_GET), 1, op,
              O(LOCAL_TEE), 2, O(LOCAL_GET), 2, O(I32_CONST), 0, O(SELECT),
              O(RETURN));
          assert_int_equal(call(1, &got, 2, a, b), LOAM_OK);
          assert_true(got == want);
          /* op; br_if / br_unless: the branch sees the low 32 bits */
          uint64_t taken = (uint32_t)want != 0;
          DEF(1, "brif", sig, 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, op,
              /* 5 */ O(BR_IF), 10, K, 0, O(RETURN), /* 10 */ K, 1, O(RETURN));
          assert_int_equal(call(1, &got, 2, a, b), LOAM_OK);
          assert_true(got == taken);
          DEF(1, "brunless", sig, 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, op,
              /* 5 */ O(BR_UNLESS), 10, K, 1, O(RETURN), /* 10 */ K, 0, O(RETURN));
          assert_int_equal(call(1, &got, 2, a, b), LOAM_OK);
          assert_true(got == taken);
        }
      }
    }
  }
}

/* A branch into the middle of a fused sequence runs the rest of it. */
static void test_fused_branch_into(void **state) {
  (void)state;
  uint64_t r;
  /* br to cell 4 (the i32.const of local.get; i32.const; i32.sub) */
  DEF(0, "mid", "i:i", 0, O(I32_CONST), 50, /* 2 */ O(BR), 4,
      /* 4 */ O(LOCAL_GET), 0, O(I32_CONST), 8, O(I32_SUB), O(RETURN));
  assert_int_equal(call(0, &r, 1, 100), LOAM_OK);
  assert_int_equal((uint32_t)r, 92);
  DEF(0, "mid2", "i:i", 0, O(LOCAL_GET), 0, /* 2 */ O(BR), 6,
      /* 4 */ O(LOCAL_GET), 0, /* 6 */ O(I32_CONST), 8, O(I32_SUB), O(RETURN));
  assert_int_equal(call(0, &r, 1, 100), LOAM_OK);
  assert_int_equal((uint32_t)r, 92);
  /* i32.add; load: the address wraps at 32 bits before the offset */
  W.mems[0]->data[16 + 3] = 0x5a;
  DEF(0, "addload", "ii:i", 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, O(I32_ADD),
      O(I32_LOAD8_U), 3, O(RETURN));
  assert_int_equal(call(0, &r, 2, 0xffffffffull, 17), LOAM_OK);
  assert_int_equal((uint32_t)r, 0x5a);
  assert_int_equal(call(0, &r, 2, WASM_PAGE_SIZE - 4, 1), LOAM_TRAP_OOB_MEMORY);
  DEF(0, "addload64", "ii:I", 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, O(I32_ADD),
      O(I64_LOAD16_S), 0, O(RETURN));
  W.mems[0]->data[20] = 0x00;
  W.mems[0]->data[21] = 0x80;
  assert_int_equal(call(0, &r, 2, 10, 10), LOAM_OK);
  assert_true(r == 0xffffffffffff8000ull);
}

/* Shapes the lowering to register code (lower.c) treats specially: pending
 * local.get/const operands, retargeted results, fused compare+branch. */
static void test_lowering(void **state) {
  (void)state;
  uint64_t r;
  /* a pending local.get 0 must keep the old value across local.set 0 */
  DEF(0, "pending", "i:i", 0, O(LOCAL_GET), 0, O(LOCAL_GET), 0, O(I32_CONST), 1,
      O(I32_ADD), O(LOCAL_SET), 0, O(LOCAL_GET), 0, O(I32_ADD), O(RETURN));
  assert_int_equal(call(0, &r, 1, 5), LOAM_OK);
  assert_int_equal((uint32_t)r, 11);
  /* the mul writes local 1 directly (tee), which is then read twice */
  DEF(0, "tee", "i:i", 1, O(LOCAL_GET), 0, O(I32_CONST), 3, O(I32_MUL),
      O(LOCAL_TEE), 1, O(LOCAL_GET), 1, O(I32_ADD), O(RETURN));
  assert_int_equal(call(0, &r, 1, 5), LOAM_OK);
  assert_int_equal((uint32_t)r, 30);
  /* constants on either side of non-commutative and 64-bit ops */
  DEF(0, "ksub", "i:i", 0, O(I32_CONST), 10, O(LOCAL_GET), 0, O(I32_SUB), O(RETURN));
  assert_int_equal(call(0, &r, 1, 3), LOAM_OK);
  assert_int_equal((uint32_t)r, 7);
  DEF(0, "k64", "I:I", 0, O(I64_CONST), 0x123456789ull, O(LOCAL_GET), 0,
      O(I64_ADD), O(I64_CONST), 0xf00000000ull, O(I64_XOR), O(RETURN));
  assert_true(call(0, &r, 1, 1) == LOAM_OK && r == (0x12345678aull ^ 0xf00000000ull));
  DEF(0, "kshift", "i:i", 0, O(I32_CONST), 1, O(LOCAL_GET), 0, O(I32_SHL), O(RETURN));
  assert_int_equal(call(0, &r, 1, 33), LOAM_OK);
  assert_int_equal((uint32_t)r, 2);
  /* a summing loop: lt_s + br_if fused, add retargeted into locals */
  DEF(0, "loop", "i:i", 2, /* 0 */ O(LOOP_CHECK), O(LOCAL_GET), 2, O(LOCAL_GET), 1,
      O(I32_ADD), O(LOCAL_SET), 2, O(LOCAL_GET), 1, O(I32_CONST), 1, O(I32_ADD),
      O(LOCAL_TEE), 1, O(LOCAL_GET), 0, O(I32_LT_S), O(BR_IF), 0, O(LOCAL_GET), 2,
      O(RETURN));
  assert_int_equal(call(0, &r, 1, 10), LOAM_OK);
  assert_int_equal((uint32_t)r, 45);
  /* eqz + br_unless (an `if`), both ways */
  DEF(0, "eqz_if", "i:i", 0, O(LOCAL_GET), 0, O(I32_EQZ), /* 3 */ O(BR_UNLESS), 9,
      O(I32_CONST), 1, O(BR), 11, /* 9 */ O(I32_CONST), 2, /* 11 */ O(RETURN));
  assert_int_equal(call(0, &r, 1, GARBAGE), LOAM_OK);
  assert_int_equal((uint32_t)r, 1);
  assert_int_equal(call(0, &r, 1, 3), LOAM_OK);
  assert_int_equal((uint32_t)r, 2);
  /* a constant condition, and select over constants */
  DEF(0, "kcond", ":i", 0, O(I32_CONST), 4, O(I32_CONST), 1, /* 4 */ O(BR_IF), 9,
      O(DROP), O(I32_CONST), 5, /* 9 */ O(RETURN));
  assert_int_equal(call(0, &r, 0), LOAM_OK);
  assert_int_equal((uint32_t)r, 4);
  DEF(0, "kselect", "i:i", 0, O(I32_CONST), 7, O(I32_CONST), 8, O(LOCAL_GET), 0,
      O(SELECT), O(RETURN));
  assert_int_equal(call(0, &r, 1, GARBAGE | 1), LOAM_OK);
  assert_int_equal((uint32_t)r, 7);
  assert_int_equal(call(0, &r, 1, GARBAGE), LOAM_OK);
  assert_int_equal((uint32_t)r, 8);
  /* shift + add (array indexing), the count taken modulo 32 */
  DEF(0, "addshl", "ii:i", 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, O(I32_CONST), 34,
      O(I32_SHL), O(I32_ADD), O(RETURN));
  assert_int_equal(call(0, &r, 2, GARBAGE | 1000, GARBAGE | 3), LOAM_OK);
  assert_int_equal((uint32_t)r, 1012);
  DEF(0, "shladd", "ii:i", 0, O(LOCAL_GET), 1, O(I32_CONST), 4, O(I32_SHL),
      O(LOCAL_GET), 0, O(I32_ADD), O(RETURN));
  assert_int_equal(call(0, &r, 2, 0xfffffff0u, 2), LOAM_OK);
  assert_int_equal((uint32_t)r, 0x10);
  /* stores of constants: i64 -1 is wider than a 32-bit field */
  DEF(0, "storek", "i:I", 0, O(LOCAL_GET), 0, O(I64_CONST), UINT64_MAX, O(I64_STORE), 0,
      O(LOCAL_GET), 0, O(I32_CONST), 0x1234, O(I32_STORE16), 8, O(LOCAL_GET), 0,
      O(I64_LOAD), 0, O(LOCAL_GET), 0, O(I64_LOAD16_U), 8, O(I64_ADD), O(RETURN));
  assert_int_equal(call(0, &r, 1, 64), LOAM_OK);
  assert_true(r == 0x1233);
  assert_int_equal(call(0, &r, 1, WASM_PAGE_SIZE - 4), LOAM_TRAP_OOB_MEMORY);
  /* load + op + store back to the same place: one read-modify-write,
   * operand order kept (val - mem); a different offset is not fused */
  DEF(0, "rmw", "ii:i", 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, O(LOCAL_GET), 0,
      O(I32_LOAD), 4, O(I32_SUB), O(I32_STORE), 4, O(LOCAL_GET), 0, O(LOCAL_GET), 1,
      O(LOCAL_GET), 0, O(I32_LOAD), 4, O(I32_ADD), O(I32_STORE), 8,
      O(LOCAL_GET), 0, O(I32_LOAD), 8, O(RETURN));
  uint32_t ten = 10;
  memcpy(W.mems[0]->data + 104, &ten, 4);
  assert_int_equal(call(0, &r, 2, 100, 3), LOAM_OK);
  assert_int_equal((uint32_t)r, (uint32_t)(3 + (3 - 10)));
  uint32_t got;
  memcpy(&got, W.mems[0]->data + 104, 4);
  assert_int_equal(got, (uint32_t)-7);
  assert_int_equal(call(0, &r, 2, WASM_PAGE_SIZE - 6, 3), LOAM_TRAP_OOB_MEMORY);
  DEF(0, "rmwf", "iF:F", 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, O(LOCAL_GET), 0,
      O(F64_LOAD), 0, O(F64_ADD), O(F64_STORE), 0, O(LOCAL_GET), 0, O(F64_LOAD), 0,
      O(RETURN));
  double two = 2.5;
  memcpy(W.mems[0]->data + 200, &two, 8);
  assert_int_equal(call(0, &r, 2, 200, f64b(0.25)), LOAM_OK);
  assert_true(r == f64b(2.75));
  /* a float compare fused with br_unless keeps NaN semantics */
  DEF(0, "fcmp", "FF:i", 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, O(F64_LT),
      /* 5 */ O(BR_UNLESS), 11, O(I32_CONST), 1, O(BR), 13, /* 11 */ O(I32_CONST), 0,
      /* 13 */ O(RETURN));
  assert_int_equal(call(0, &r, 2, f64b(1.0), f64b(2.0)), LOAM_OK);
  assert_int_equal((uint32_t)r, 1);
  assert_int_equal(call(0, &r, 2, f64b(NAN), f64b(2.0)), LOAM_OK);
  assert_int_equal((uint32_t)r, 0);
}

/* Float arithmetic and compares in their fused shapes, NaNs included. */
static void test_fused_float(void **state) {
  (void)state;
  static const wasm_op arith32[] = {
#define OP_ITEM(NAME, EXPR) WASM_OP_##NAME,
      WN_F32_ARITH(OP_ITEM) WN_F32_COMPARE(OP_ITEM)};
  static const wasm_op arith64[] = {WN_F64_ARITH(OP_ITEM) WN_F64_COMPARE(OP_ITEM)
#undef OP_ITEM
  };
  uint64_t v32[] = {f32b(0.0f), f32b(-0.0f), f32b(1.5f), f32b(-2.0f),
                    f32b(INFINITY), 0x7fc00000u, 0x7fa00001u};
  uint64_t v64[] = {f64b(0.0), f64b(-0.0), f64b(1.5), f64b(-2.0),
                    f64b(-INFINITY), 0x7ff8000000000000ull, 0x7ff4000000000001ull};
  for (int wide = 0; wide < 2; wide++) {
    const wasm_op *ops = wide ? arith64 : arith32;
    size_t nops = wide ? sizeof arith64 / sizeof arith64[0]
                       : sizeof arith32 / sizeof arith32[0];
    const uint64_t *vals = wide ? v64 : v32;
    uint64_t K = wide ? O(F64_CONST) : O(F32_CONST);
    for (size_t i = 0; i < nops; i++) {
      bool cmp = i >= 6;  /* the compare ops follow the six arithmetic ones */
      const char *sig = wide ? (cmp ? "FF:i" : "FF:F") : (cmp ? "ff:i" : "ff:f");
      for (size_t x = 0; x < 7; x++) {
        for (size_t y = 0; y < 7; y++) {
          uint64_t a = vals[x], b = vals[y], want, got;
          want = bin_ok(ops[i], sig, a, b);
          if (!wide) want = (uint32_t)want;
          if (!cmp) {
            DEF(1, "l", sig, 0, K, a, O(LOCAL_GET), 1, ops[i], O(RETURN));
            assert_int_equal(call(1, &got, 2, a, b), LOAM_OK);
            if (!wide) got = (uint32_t)got;
            assert_true(same_result(ops[i], got, want));
            DEF(1, "set", sig, 1, O(LOCAL_GET), 0, O(LOCAL_GET), 1, ops[i],
                O(LOCAL_SET), 2, O(LOCAL_GET), 2, O(RETURN));
            assert_int_equal(call(1, &got, 2, a, b), LOAM_OK);
            if (!wide) got = (uint32_t)got;
            assert_true(same_result(ops[i], got, want));
            DEF(1, "tee", sig, 1, O(LOCAL_GET), 0, O(LOCAL_GET), 1, ops[i],
                O(LOCAL_TEE), 2, O(LOCAL_GET), 2, O(I32_CONST), 0, O(SELECT),
                O(RETURN));
            assert_int_equal(call(1, &got, 2, a, b), LOAM_OK);
            if (!wide) got = (uint32_t)got;
            assert_true(same_result(ops[i], got, want));
          } else {
            DEF(1, "brif", sig, 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, ops[i],
                /* 5 */ O(BR_IF), 10, O(I32_CONST), 0, O(RETURN),
                /* 10 */ O(I32_CONST), 1, O(RETURN));
            assert_int_equal(call(1, &got, 2, a, b), LOAM_OK);
            assert_true((uint32_t)got == (uint32_t)want);
            DEF(1, "brunless", sig, 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, ops[i],
                /* 5 */ O(BR_UNLESS), 10, O(I32_CONST), 1, O(RETURN),
                /* 10 */ O(I32_CONST), 0, O(RETURN));
            assert_int_equal(call(1, &got, 2, a, b), LOAM_OK);
            assert_true((uint32_t)got == (uint32_t)want);
          }
        }
      }
    }
  }
}

/* local.get/tee + load, loop_check + local.get. */
static void test_fused_misc(void **state) {
  (void)state;
  uint64_t r;
  memcpy(W.mems[0]->data + 40, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
  DEF(0, "lload", "i:I", 0, O(LOCAL_GET), 0, O(I64_LOAD), 8, O(RETURN));
  assert_int_equal(call(0, &r, 1, GARBAGE | 32), LOAM_OK);
  assert_true(r == 0x8877665544332211ull);
  assert_int_equal(call(0, &r, 1, WASM_PAGE_SIZE - 15), LOAM_TRAP_OOB_MEMORY);
  assert_int_equal(call(0, &r, 1, WASM_PAGE_SIZE - 16), LOAM_OK);
  /* tee then load: the local keeps the address */
  DEF(0, "teeload", "i:i", 1, O(LOCAL_GET), 0, O(LOCAL_TEE), 1, O(I32_LOAD16_S), 2,
      O(LOCAL_GET), 1, O(I32_ADD), O(RETURN));
  assert_int_equal(call(0, &r, 1, 44), LOAM_OK);  /* 0x8877 sign-extended + 44 */
  assert_int_equal((uint32_t)r, (uint32_t)(0xffff8877u + 44));
  assert_int_equal(call(0, &r, 1, WASM_PAGE_SIZE - 3), LOAM_TRAP_OOB_MEMORY);
  /* loop_check; local.get as a loop header: count down, fuel still used */
  DEF(0, "countdown", "i:i", 0, /* 0 */ O(LOOP_CHECK), O(LOCAL_GET), 0,
      O(I32_CONST), 1, O(I32_SUB), O(LOCAL_TEE), 0, /* 8 */ O(BR_IF), 0,
      O(LOCAL_GET), 0, O(RETURN));
  W.store->fuel = 100;
  assert_int_equal(call(0, &r, 1, 50), LOAM_OK);
  assert_int_equal((uint32_t)r, 0);
  assert_true(W.store->fuel == 50);
  assert_int_equal(call(0, &r, 1, 51), LOAM_TRAP_FUEL);
}

/* load+op, op+store and const+op+branch in every type they apply to. */
static void test_fused_memory_ops(void **state) {
  (void)state;
  static const wasm_op all[] = {
#define OP_ITEM(NAME, EXPR) WASM_OP_##NAME,
      WN_I32_BINARY(OP_ITEM) WN_I64_BINARY(OP_ITEM) WN_F32_ARITH(OP_ITEM)
      WN_F64_ARITH(OP_ITEM) WN_F32_COMPARE(OP_ITEM) WN_F64_COMPARE(OP_ITEM)
#undef OP_ITEM
  };
  static const uint64_t vals[] = {0, 1, 33, 0x80000000u, 0xffffffffu,
                                  0x7ff8000000000001ull, 0x3ff8000000000000ull,
                                  0xc000000000000000ull, 0x7fc00001u, 0xbfc00000u};
  uint8_t *mem = W.mems[0]->data;
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
    wasm_op op = all[i];
    const char *sig;
    uint64_t load, store, K;
    bool cmp = false, narrow;
    if (op <= WASM_OP_I32_ROTR) {
      sig = "ii:i", load = O(I32_LOAD), store = O(I32_STORE), K = O(I32_CONST);
    } else if (op <= WASM_OP_I64_ROTR) {
      sig = "II:I", load = O(I64_LOAD), store = O(I64_STORE), K = O(I64_CONST);
      cmp = op <= WASM_OP_I64_GE_U;
    } else if (op <= WASM_OP_F32_COPYSIGN) {
      cmp = op <= WASM_OP_F32_GE;
      sig = cmp ? "ff:i" : "ff:f", load = O(F32_LOAD), store = O(F32_STORE), K = 0;
    } else {
      cmp = op <= WASM_OP_F64_GE;
      sig = cmp ? "FF:i" : "FF:F", load = O(F64_LOAD), store = O(F64_STORE), K = 0;
    }
    narrow = sig[3] == 'i' || sig[3] == 'f';
    for (size_t x = 0; x < sizeof vals / sizeof vals[0]; x++) {
      for (size_t y = 0; y < sizeof vals / sizeof vals[0]; y++) {
        uint64_t a = vals[x], b = vals[y], got;
        uint64_t want = bin_ok(op, sig, a, b);
        if (narrow) want = (uint32_t)want;
        /* ldop: b from memory at 64 + 8 */
        memcpy(mem + 72, &b, 8);
        DEF(1, "ldop", sig, 0, O(LOCAL_GET), 0, O(I32_CONST), 64, load, 8, op,
            O(RETURN));
        assert_int_equal(call(1, &got, 2, a, b), LOAM_OK);
        if (narrow) got = (uint32_t)got;
        assert_true(same_result(op, got, want));
        /* opstore: result to memory at 80 + 8, read back */
        if (!cmp) {
          memset(mem + 88, 0xee, 8);
          DEF(1, "opstore", sig, 0, O(I32_CONST), 80, O(LOCAL_GET), 0,
              O(LOCAL_GET), 1, op, store, 8, O(I32_CONST), 80, load, 8,
              O(RETURN));
          assert_int_equal(call(1, &got, 2, a, b), LOAM_OK);
          if (narrow) got = (uint32_t)got;
          assert_true(same_result(op, got, want));
          if (narrow) assert_int_equal(mem[92], 0xee);  /* width kept */
        }
        /* const; op; br_if / br_unless (integers) */
        if (K) {
          uint64_t taken = (uint32_t)want != 0;
          DEF(1, "kbrif", sig, 1, O(LOCAL_GET), 0, O(LOCAL_TEE), 2, K, b, op,
              /* 7 */ O(BR_IF), 12, O(I32_CONST), 0, O(RETURN),
              /* 12 */ O(I32_CONST), 1, O(RETURN));
          assert_int_equal(call(1, &got, 2, a, b), LOAM_OK);
          assert_true((uint32_t)got == taken);
          DEF(1, "kbrunless", sig, 1, O(LOCAL_GET), 0, O(LOCAL_TEE), 2, K, b, op,
              /* 7 */ O(BR_UNLESS), 12, O(I32_CONST), 1, O(RETURN),
              /* 12 */ O(I32_CONST), 0, O(RETURN));
          assert_int_equal(call(1, &got, 2, a, b), LOAM_OK);
          assert_true((uint32_t)got == taken);
        }
      }
    }
  }
  /* bounds: the fused forms trap like the plain ones, and store nothing */
  uint64_t r, end = WASM_PAGE_SIZE;
  DEF(1, "ldop_oob", "ii:i", 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, O(I32_LOAD), 0,
      O(I32_ADD), O(RETURN));
  assert_int_equal(call(1, &r, 2, 1, end - 4), LOAM_OK);
  assert_int_equal(call(1, &r, 2, 1, end - 3), LOAM_TRAP_OOB_MEMORY);
  DEF(1, "opstore_oob", "iF:", 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, O(LOCAL_GET), 1,
      O(F64_ADD), O(F64_STORE), 0, O(RETURN));
  assert_int_equal(call(1, NULL, 2, end - 8, f64b(1.0)), LOAM_OK);
  assert_true(memcmp(mem + end - 8, &(double){2.0}, 8) == 0);
  assert_int_equal(call(1, NULL, 2, end - 7, f64b(4.0)), LOAM_TRAP_OOB_MEMORY);
  assert_true(memcmp(mem + end - 8, &(double){2.0}, 8) == 0);
}

static void *rec_thread(void *arg) {
  loam_status *st = arg;
  uint64_t *sp = W.store->sp;
  sp[0] = 1;
  *st = wasm_invoke(W.store, &W.funcs[5], sp, &W.err);
  return NULL;
}

/* guest -> host -> guest ... on a thread with a small C stack: the nesting
 * stops with a trap before the stack runs out. */
static void test_host_recursion_small_stack(void **state) {
  (void)state;
  DEF(5, "rec", "i:i", 0, O(LOCAL_GET), 0, O(CALL), 6, O(RETURN));
  host(6, "hrec", "i:i", nested_host, (void *)5);
  pthread_attr_t attr;
  pthread_t t;
  loam_status st = LOAM_OK;
  assert_int_equal(pthread_attr_init(&attr), 0);
  assert_int_equal(pthread_attr_setstacksize(&attr, 1u << 20), 0);
  assert_int_equal(pthread_create(&t, &attr, rec_thread, &st), 0);
  pthread_join(t, NULL);
  pthread_attr_destroy(&attr);
  assert_int_equal(st, LOAM_TRAP_STACK_EXHAUSTED);
  assert_int_equal(W.store->nframes, 0);
  assert_ptr_equal(W.store->sp, W.store->stack);
}

/* const/local + add + load, load + set/tee, eqz + branch. */
static void test_fused_address_forms(void **state) {
  (void)state;
  uint64_t r;
  memcpy(W.mems[0]->data + 16, "\x80\xff\x7f\x80\x01\x02\x03\x84", 8);
  struct { wasm_op op; const char *sig; uint64_t want; } cases[] = {
    {O(I32_LOAD8_S), "i:i", 0xffffff80u}, {O(I32_LOAD8_U), "i:i", 0x80},
    {O(I32_LOAD16_S), "i:i", 0xffffff80u}, {O(I32_LOAD16_U), "i:i", 0xff80},
    {O(I64_LOAD8_S), "i:I", 0xffffffffffffff80ull}, {O(I64_LOAD8_U), "i:I", 0x80},
    {O(I64_LOAD16_S), "i:I", 0xffffffffffffff80ull}, {O(I64_LOAD16_U), "i:I", 0xff80},
    {O(I64_LOAD32_S), "i:I", 0xffffffff807fff80ull}, {O(I64_LOAD32_U), "i:I", 0x807fff80ull},
    {O(I64_LOAD), "i:I", 0x84030201807fff80ull}, {O(F64_LOAD), "i:F", 0x84030201807fff80ull},
    {O(F32_LOAD), "i:f", 0x807fff80u}, {O(I32_LOAD), "i:i", 0x807fff80u},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    wasm_op op = cases[i].op;
    const char *sig = cases[i].sig;
    bool narrow = sig[2] == 'i' || sig[2] == 'f';
    uint64_t want = cases[i].want;
    /* x + 0x1a wraps to 10; + offset 6 = 16 */
    uint64_t x = 0xfffffff0u;
    DEF(0, "lkaddload", sig, 0, O(LOCAL_GET), 0, O(I32_CONST), 0x1a, O(I32_ADD),
        op, 6, O(RETURN));
    assert_int_equal(call(0, &r, 1, GARBAGE | x), LOAM_OK);
    assert_true((narrow ? (uint32_t)r : r) == want);
    assert_int_equal(call(0, &r, 1, WASM_PAGE_SIZE - 0x1a), LOAM_TRAP_OOB_MEMORY);
    DEF(0, "kaddload", sig, 1, O(LOCAL_GET), 0, O(LOCAL_TEE), 1, O(I32_CONST), 0x1a,
        O(I32_ADD), op, 6, O(RETURN));
    assert_int_equal(call(0, &r, 1, GARBAGE | x), LOAM_OK);
    assert_true((narrow ? (uint32_t)r : r) == want);
    assert_int_equal(call(0, &r, 1, WASM_PAGE_SIZE - 0x1a), LOAM_TRAP_OOB_MEMORY);
    /* load; local.set / local.tee (i32.add keeps local.get from fusing
     * with the load) */
    DEF(0, "loadset", sig, 1, O(I32_CONST), 0, O(LOCAL_GET), 0, O(I32_ADD),
        op, 6, O(LOCAL_SET), 1, O(LOCAL_GET), 1, O(RETURN));
    assert_int_equal(call(0, &r, 1, 10), LOAM_OK);
    assert_true((narrow ? (uint32_t)r : r) == want);
    assert_int_equal(call(0, &r, 1, WASM_PAGE_SIZE - 6), LOAM_TRAP_OOB_MEMORY);
    DEF(0, "loadtee", sig, 1, O(I32_CONST), 0, O(LOCAL_GET), 0, O(I32_ADD),
        op, 6, O(LOCAL_TEE), 1, O(DROP), O(LOCAL_GET), 1, O(RETURN));
    assert_int_equal(call(0, &r, 1, 10), LOAM_OK);
    assert_true((narrow ? (uint32_t)r : r) == want);
  }
  /* eqz + br_if / br_unless */
  for (int wide = 0; wide < 2; wide++) {
    uint64_t eqz = wide ? O(I64_EQZ) : O(I32_EQZ);
    const char *sig = wide ? "I:i" : "i:i";
    uint64_t in[] = {0, 1, GARBAGE, 1ull << 40};
    for (int i = 0; i < 4; i++) {
      uint64_t zero = wide ? in[i] == 0 : (uint32_t)in[i] == 0;
      DEF(0, "eqz_brif", sig, 0, O(LOCAL_GET), 0, eqz, /* 3 */ O(BR_IF), 8,
          O(I32_CONST), 0, O(RETURN), /* 8 */ O(I32_CONST), 1, O(RETURN));
      assert_int_equal(call(0, &r, 1, in[i]), LOAM_OK);
      assert_int_equal((uint32_t)r, zero);
      DEF(0, "eqz_brunless", sig, 0, O(LOCAL_GET), 0, eqz, /* 3 */ O(BR_UNLESS), 8,
          O(I32_CONST), 1, O(RETURN), /* 8 */ O(I32_CONST), 0, O(RETURN));
      assert_int_equal(call(0, &r, 1, in[i]), LOAM_OK);
      assert_int_equal((uint32_t)r, zero);
    }
  }
}

/* Two i32 ops fused into one (lower.h KX_/RX_, RSUB_I32), every pair, in
 * each operand position, agree with the two plain ops; so do the f64
 * multiply-accumulates into memory (MMS_F64, RMS_F64), MOV2 and a return
 * straight from a local. */
static void test_fused_pairs(void **state) {
  (void)state;
  static const wasm_op outer[] = {O(I32_ADD), O(I32_SUB), O(I32_AND), O(I32_OR),
                                  O(I32_XOR)};
  static const wasm_op inner[] = {O(I32_ADD), O(I32_SUB), O(I32_AND), O(I32_OR),
                                  O(I32_XOR), O(I32_SHL), O(I32_SHR_S),
                                  O(I32_SHR_U), O(I32_ROTL), O(I32_ROTR)};
  static const uint64_t vals[] = {0, 1, 7, 31, 33, 0x80000001u, 0xfffffff0u};
  size_t nv = sizeof vals / sizeof vals[0];
  uint64_t got;
  for (size_t o = 0; o < 5; o++)
    for (size_t i = 0; i < 10; i++)
      for (size_t x = 0; x < nv; x++)
        for (size_t y = 0; y < nv; y++) {
          uint64_t a = vals[x] | GARBAGE, b = vals[y] | GARBAGE, c = 0x12345678;
          uint64_t ab = bin_ok(inner[i], "ii:i", a, b), kb = I32(7 - vals[y]);
          uint64_t right = bin_ok(outer[o], "ii:i", c, ab);
          uint64_t left = bin_ok(outer[o], "ii:i", ab, c);
          uint64_t neg = bin_ok(outer[o], "ii:i", c, kb);
          /* c o (a i b) */
          DEF(0, "rx", "iii:i", 0, O(LOCAL_GET), 2, O(LOCAL_GET), 0, O(LOCAL_GET), 1,
              inner[i], outer[o], O(RETURN));
          assert_int_equal(call(0, &got, 3, a, b, c), LOAM_OK);
          assert_int_equal((uint32_t)got, (uint32_t)right);
          /* (a i k) o c */
          DEF(0, "kx", "iii:i", 0, O(LOCAL_GET), 0, O(I32_CONST), vals[y], inner[i],
              O(LOCAL_GET), 2, outer[o], O(RETURN));
          assert_int_equal(call(0, &got, 3, a, b, c), LOAM_OK);
          assert_int_equal((uint32_t)got, (uint32_t)left);
          /* c o (7 - b) */
          DEF(0, "rsub", "iii:i", 0, O(LOCAL_GET), 2, O(I32_CONST), 7, O(LOCAL_GET), 1,
              O(I32_SUB), outer[o], O(RETURN));
          assert_int_equal(call(0, &got, 3, a, b, c), LOAM_OK);
          assert_int_equal((uint32_t)got, (uint32_t)neg);
        }
  /* (a i b) o k (XK), every pair, against the two ops on their own */
  static const wasm_op xouter[] = {O(I32_SHL), O(I32_SHR_S), O(I32_SHR_U), O(I32_AND),
                                   O(I32_ADD), O(I32_OR), O(I32_XOR)};
  static const wasm_op xinner[] = {O(I32_ADD), O(I32_SUB), O(I32_AND), O(I32_OR),
                                   O(I32_XOR)};
  static const uint32_t xk[] = {1, 31, 33, 0xff00ff00u};
  for (size_t o = 0; o < 7; o++)
    for (size_t i = 0; i < 5; i++)
      for (size_t kk = 0; kk < 4; kk++) {
        DEF(0, "xk", "ii:i", 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, xinner[i],
            O(I32_CONST), xk[kk], xouter[o], O(RETURN));
        if (kk == 0)
          assert_true(lowers_to(0, WASM_R_XK_SHL_ADD + (uint32_t)(o * 5 + i),
                                WASM_R_XK_SHL_ADD + (uint32_t)(o * 5 + i) + 1));
        for (size_t x = 0; x < nv; x++)
          for (size_t y = 0; y < nv; y++) {
            uint64_t a = vals[x] | GARBAGE, b = vals[y] | GARBAGE;
            uint64_t want = bin_ok(xouter[o], "ii:i", bin_ok(xinner[i], "ii:i", a, b), xk[kk]);
            DEF(0, "xk", "ii:i", 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, xinner[i],
                O(I32_CONST), xk[kk], xouter[o], O(RETURN));
            assert_int_equal(call(0, &got, 2, a, b), LOAM_OK);
            assert_int_equal((uint32_t)got, (uint32_t)want);
          }
      }
  /* the i64 pairs (KX64): c o (a i k) and (a i k) o c */
  static const wasm_op outer64[] = {O(I64_ADD), O(I64_SUB), O(I64_AND), O(I64_OR),
                                    O(I64_XOR)};
  static const wasm_op inner64[] = {O(I64_SHL), O(I64_SHR_S), O(I64_SHR_U),
                                    O(I64_ROTL), O(I64_ROTR)};
  static const uint64_t v64[] = {0, 1, 33, 63, 64, 0x8000000000000001ull,
                                 0x123456789abcdef0ull};
  for (size_t o = 0; o < 5; o++)
    for (size_t i = 0; i < 5; i++)
      for (size_t x = 0; x < 7; x++)
        for (size_t y = 0; y < 7; y++) {
          uint64_t a = v64[x], c = 0xfedcba9876543210ull;
          uint64_t ak = bin_ok(inner64[i], "II:I", a, v64[y]);
          DEF(0, "kx64", "II:I", 0, O(LOCAL_GET), 1, O(LOCAL_GET), 0, O(I64_CONST),
              v64[y], inner64[i], outer64[o], O(RETURN));
          assert_int_equal(call(0, &got, 2, a, c), LOAM_OK);
          assert_true(got == bin_ok(outer64[o], "II:I", c, ak));
          DEF(0, "kx64l", "II:I", 0, O(LOCAL_GET), 0, O(I64_CONST), v64[y],
              inner64[i], O(LOCAL_GET), 1, outer64[o], O(RETURN));
          assert_int_equal(call(0, &got, 2, a, c), LOAM_OK);
          assert_true(got == bin_ok(outer64[o], "II:I", ak, c));
        }
  /* f64 arithmetic with a constant operand on either side (KF_, KFL_) */
  static const wasm_op fops[] = {O(F64_ADD), O(F64_SUB), O(F64_MUL), O(F64_DIV)};
  static const double fv[] = {0.0, -0.0, 1.5, -3.0, 1e300, INFINITY, NAN};
  for (size_t i = 0; i < 4; i++)
    for (size_t x = 0; x < 7; x++)
      for (size_t y = 0; y < 7; y++) {
        uint64_t a = f64b(fv[x]), k = f64b(fv[y]);
        uint64_t want = bin_ok(fops[i], "FF:F", a, k), want_l = bin_ok(fops[i], "FF:F", k, a);
        DEF(0, "kf", "F:F", 0, O(LOCAL_GET), 0, O(F64_CONST), k, fops[i], O(RETURN));
        assert_int_equal(call(0, &got, 1, a), LOAM_OK);
        assert_true(same_result(fops[i], got, want));
        DEF(0, "kfl", "F:F", 0, O(F64_CONST), k, O(LOCAL_GET), 0, fops[i], O(RETURN));
        assert_int_equal(call(0, &got, 1, a), LOAM_OK);
        assert_true(same_result(fops[i], got, want_l));
      }
  /* 0 - x on its own */
  DEF(0, "neg", "i:i", 0, O(I32_CONST), 0, O(LOCAL_GET), 0, O(I32_SUB), O(RETURN));
  assert_int_equal(call(0, &got, 1, GARBAGE | 5), LOAM_OK);
  assert_int_equal((uint32_t)got, (uint32_t)-5);

  /* mem[c + 8] += a * mem[b + 16] (MMS) and mem[c + 8] += a * d (RMS) */
  uint8_t *m = W.mems[0]->data;
  double three = 3.0, seven = 7.0, out;
  for (int reg = 0; reg < 2; reg++) {
    if (reg)
      DEF(0, "rms", "FiiF:", 0, O(LOCAL_GET), 2, O(LOCAL_GET), 0, O(LOCAL_GET), 3,
          O(F64_MUL), O(LOCAL_GET), 2, O(F64_LOAD), 8, O(F64_ADD), O(F64_STORE), 8,
          O(RETURN));
    else
      DEF(0, "mms", "FiiF:", 0, O(LOCAL_GET), 2, O(LOCAL_GET), 0, O(LOCAL_GET), 1,
          O(F64_LOAD), 16, O(F64_MUL), O(LOCAL_GET), 2, O(F64_LOAD), 8, O(F64_ADD),
          O(F64_STORE), 8, O(RETURN));
    memcpy(m + 100 + 16, &seven, 8);
    memcpy(m + 200 + 8, &three, 8);
    assert_int_equal(call(0, NULL, 4, f64b(2.0), GARBAGE | 100, GARBAGE | 200,
                          f64b(7.0)), LOAM_OK);
    memcpy(&out, m + 200 + 8, 8);
    assert_true(out == 17.0);
    /* the multiply rounds before the add, as two instructions do */
    double x = 1.0 + 0x1p-30, minus1 = -1.0;  /* x * x = 1 + 2^-29 + 2^-60 */
    memcpy(m + 100 + 16, &x, 8);
    memcpy(m + 200 + 8, &minus1, 8);
    assert_int_equal(call(0, NULL, 4, f64b(x), GARBAGE | 100, GARBAGE | 200,
                          f64b(x)), LOAM_OK);
    memcpy(&out, m + 200 + 8, 8);
    assert_true(out == 0x1p-29);  /* a fused multiply-add gives 2^-29 + 2^-60 */
    assert_int_equal(call(0, NULL, 4, f64b(1.0), 100, WASM_PAGE_SIZE - 15,
                          f64b(1.0)), LOAM_TRAP_OOB_MEMORY);
    if (!reg)
      assert_int_equal(call(0, NULL, 4, f64b(1.0), WASM_PAGE_SIZE - 23, 200,
                            f64b(1.0)), LOAM_TRAP_OOB_MEMORY);
  }

  /* the product's operand at (b + k) + x (MK_F64_MUL, MMSK_F64); b + k
   * wraps at 32 bits */
  DEF(0, "mk", "Fi:F", 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, O(I32_CONST), 8, O(I32_ADD),
      O(F64_LOAD), 16, O(F64_MUL), O(RETURN));
  memcpy(m + 100 + 24, &seven, 8);
  assert_int_equal(call(0, &got, 2, f64b(2.0), GARBAGE | 100), LOAM_OK);
  assert_true(got == f64b(14.0));
  memcpy(m + 20, &seven, 8);  /* 0xfffffffc + 8 wraps to 4; + 16 */
  assert_int_equal(call(0, &got, 2, f64b(2.0), 0xfffffffcu), LOAM_OK);
  assert_true(got == f64b(14.0));
  assert_int_equal(call(0, &got, 2, f64b(2.0), WASM_PAGE_SIZE - 31), LOAM_TRAP_OOB_MEMORY);
  DEF(0, "mmsk", "Fii:", 0, O(LOCAL_GET), 2, O(LOCAL_GET), 0, O(LOCAL_GET), 1,
      O(I32_CONST), 8, O(I32_ADD), O(F64_LOAD), 16, O(F64_MUL), O(LOCAL_GET), 2,
      O(F64_LOAD), 8, O(F64_ADD), O(F64_STORE), 8, O(RETURN));
  memcpy(m + 200 + 8, &three, 8);
  assert_int_equal(call(0, NULL, 3, f64b(2.0), GARBAGE | 100, GARBAGE | 200), LOAM_OK);
  memcpy(&out, m + 200 + 8, 8);
  assert_true(out == 17.0);
  assert_int_equal(call(0, NULL, 3, f64b(2.0), 100, WASM_PAGE_SIZE - 15), LOAM_TRAP_OOB_MEMORY);
  assert_int_equal(call(0, NULL, 3, f64b(2.0), WASM_PAGE_SIZE - 31, 200), LOAM_TRAP_OOB_MEMORY);
  /* the same after the store address's local was stepped (MMSKA_F64):
   * c += 8 first, then mem[c + 8] += a * mem[(b + 8) + 16]; c is kept */
  DEF(0, "mmska", "Fii:i", 0, O(LOCAL_GET), 2, O(I32_CONST), 8, O(I32_ADD),
      O(LOCAL_TEE), 2, O(LOCAL_GET), 0, O(LOCAL_GET), 1, O(I32_CONST), 8, O(I32_ADD),
      O(F64_LOAD), 16, O(F64_MUL), O(LOCAL_GET), 2, O(F64_LOAD), 8, O(F64_ADD),
      O(F64_STORE), 8, O(LOCAL_GET), 2, O(RETURN));
  assert_true(lowers_to(0, WASM_R_MMSKA_F64, WASM_R_MMSKA_F64 + 1));
  memcpy(m + 300 + 8, &three, 8);  /* c = 292 stepped to 300 */
  memcpy(m + 100 + 24, &seven, 8);
  assert_int_equal(call(0, &got, 3, f64b(2.0), GARBAGE | 100, GARBAGE | 292), LOAM_OK);
  assert_int_equal((uint32_t)got, 300);
  memcpy(&out, m + 300 + 8, 8);
  assert_true(out == 17.0);
  assert_int_equal(call(0, &got, 3, f64b(2.0), 100, WASM_PAGE_SIZE - 23), LOAM_TRAP_OOB_MEMORY);
  assert_int_equal(call(0, &got, 3, f64b(2.0), WASM_PAGE_SIZE - 31, 200), LOAM_TRAP_OOB_MEMORY);
  /* MOV2: two arguments moved in a row; in order, even onto each other */
  DEF(1, "sub", "ii:i", 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, O(I32_SUB), O(RETURN));
  DEF(0, "swap", "ii:i", 0, O(LOCAL_GET), 1, O(LOCAL_GET), 0, O(CALL), 1, O(RETURN));
  assert_int_equal(call(0, &got, 2, 10, 3), LOAM_OK);
  assert_int_equal((uint32_t)got, (uint32_t)-7);
  /* CALL_MOV: the last argument's MOV done by the call */
  DEF(0, "callmov", "ii:i", 0, O(LOCAL_GET), 0, O(I32_CONST), 5, O(I32_ADD),
      O(LOCAL_GET), 1, O(CALL), 1, O(RETURN));
  assert_true(lowers_to(0, WASM_R_CALL_MOV, WASM_R_CALL_MOV + 1));
  assert_int_equal(call(0, &got, 2, 10, 3), LOAM_OK);
  assert_int_equal((uint32_t)got, 12);
  DEF(0, "mov3", "iii:i", 0, O(LOCAL_GET), 2, O(LOCAL_GET), 1, O(LOCAL_GET), 0,
      O(I32_SUB), O(I32_SUB), O(RETURN));
  assert_int_equal(call(0, &got, 3, 1, 10, 100), LOAM_OK);
  assert_int_equal((uint32_t)got, 91);
  /* ADD2_I32: two increments of locals in a row, the second of the same
   * local (in order), then a loop counting both down to a branch */
  DEF(0, "add2", "ii:i", 0, O(LOCAL_GET), 0, O(I32_CONST), 5, O(I32_ADD),
      O(LOCAL_SET), 0, O(LOCAL_GET), 0, O(I32_CONST), 7, O(I32_ADD), O(LOCAL_SET), 1,
      O(LOCAL_GET), 1, O(I32_CONST), 100, O(I32_MUL), O(LOCAL_GET), 0, O(I32_ADD),
      O(RETURN));
  assert_int_equal(call(0, &got, 2, GARBAGE | 1, 1000), LOAM_OK);
  assert_int_equal((uint32_t)got, 1306);
  DEF(0, "add2loop", "ii:i", 0, /* 0 */ O(LOOP_CHECK), O(LOCAL_GET), 0,
      O(I32_CONST), 1, O(I32_ADD), O(LOCAL_SET), 0, O(LOCAL_GET), 1, O(I32_CONST),
      (uint32_t)-1, O(I32_ADD), O(LOCAL_TEE), 1, /* 15 */ O(BR_IF), 0,
      O(LOCAL_GET), 0, O(RETURN));
  assert_int_equal(call(0, &got, 2, 10, 5), LOAM_OK);
  assert_int_equal((uint32_t)got, 15);
  /* op; local.tee / local.set + local.get; br_if / br_unless: the op
   * writes the local and branches on it (ANDW_, LW8_, LW32_) */
  memcpy(m + 300, "\x00\x00\x00\x00\x7f\x00\x00\x80", 8);
  for (int kind = 0; kind < 3; kind++)
    for (int tee = 0; tee < 2; tee++)
      for (int unless = 0; unless < 2; unless++)
        for (uint32_t v = 0; v < 3; v++) {
          /* and: a & 0xff of 0x100, 0x17f, 0x180; loads from 300, 304, 307 */
          uint64_t a = kind == 0 ? 0x100u + v * 0x7f + (v == 2) : 300 + v * 4 - (v == 2);
          uint64_t p0 = kind == 0 ? O(I32_CONST) : (kind == 1 ? O(I32_LOAD8_U) : O(I32_LOAD));
          uint64_t p1 = kind == 0 ? 0xff : 0;
          uint64_t want = kind == 0 ? (a & 0xff)
                        : kind == 1 ? m[a] : (uint32_t)(m[a] | m[a + 1] << 8 | m[a + 2] << 16 | (uint32_t)m[a + 3] << 24);
          uint64_t br = unless ? O(BR_UNLESS) : O(BR_IF);
          bool taken = unless ? want == 0 : want != 0;
          if (kind == 0 && tee)
            DEF(0, "wbr", "i:i", 1, O(LOCAL_GET), 0, p0, p1, O(I32_AND), O(LOCAL_TEE), 1,
                /* 7 */ br, 12, O(LOCAL_GET), 1, O(RETURN), /* 12 */ O(LOCAL_GET), 1,
                O(I32_CONST), 1000, O(I32_ADD), O(RETURN));
          else if (kind == 0)
            DEF(0, "wbr", "i:i", 1, O(LOCAL_GET), 0, p0, p1, O(I32_AND), O(LOCAL_SET), 1,
                O(LOCAL_GET), 1, /* 9 */ br, 14, O(LOCAL_GET), 1, O(RETURN),
                /* 14 */ O(LOCAL_GET), 1, O(I32_CONST), 1000, O(I32_ADD), O(RETURN));
          else if (tee)
            DEF(0, "wbr", "i:i", 1, O(LOCAL_GET), 0, p0, p1, O(LOCAL_TEE), 1,
                /* 6 */ br, 11, O(LOCAL_GET), 1, O(RETURN), /* 11 */ O(LOCAL_GET), 1,
                O(I32_CONST), 1000, O(I32_ADD), O(RETURN));
          else
            DEF(0, "wbr", "i:i", 1, O(LOCAL_GET), 0, p0, p1, O(LOCAL_SET), 1,
                O(LOCAL_GET), 1, /* 8 */ br, 13, O(LOCAL_GET), 1, O(RETURN),
                /* 13 */ O(LOCAL_GET), 1, O(I32_CONST), 1000, O(I32_ADD), O(RETURN));
          assert_int_equal(call(0, &got, 1, GARBAGE | a), LOAM_OK);
          assert_int_equal((uint32_t)got, (uint32_t)(want + (taken ? 1000 : 0)));
          if (kind)
            assert_int_equal(call(0, &got, 1, WASM_PAGE_SIZE - (kind == 1 ? 0 : 3)),
                             LOAM_TRAP_OOB_MEMORY);
        }
  /* ... and with i32.eqz between: the branch sense flips */
  for (int unless = 0; unless < 2; unless++)
    for (uint32_t v = 0; v < 2; v++) {
      DEF(0, "wbreqz", "i:i", 1, O(LOCAL_GET), 0, O(I32_LOAD8_U), 0, O(LOCAL_TEE), 1,
          O(I32_EQZ), /* 7 */ unless ? O(BR_UNLESS) : O(BR_IF), 12, O(LOCAL_GET), 1,
          O(RETURN), /* 12 */ O(LOCAL_GET), 1, O(I32_CONST), 1000, O(I32_ADD), O(RETURN));
      uint32_t addr = v ? 304 : 300, want = m[addr];
      bool taken = unless ? want != 0 : want == 0;
      assert_int_equal(call(0, &got, 1, addr), LOAM_OK);
      assert_int_equal((uint32_t)got, want + (taken ? 1000 : 0));
    }
  /* a == (b & k) / a != (b & k) + br_if / br_unless, and on either side */
  static const wasm_op cmp[] = {O(I32_EQ), O(I32_NE)};
  for (int ci = 0; ci < 2; ci++)
    for (int unless = 0; unless < 2; unless++)
      for (int left = 0; left < 2; left++)
        for (uint32_t b = 0x1ff; b <= 0x200; b++) {
          uint64_t br = unless ? O(BR_UNLESS) : O(BR_IF);
          if (left)
            DEF(0, "andcmp", "ii:i", 0, O(LOCAL_GET), 1, O(I32_CONST), 0xff, O(I32_AND),
                O(LOCAL_GET), 0, cmp[ci], /* 8 */ br, 13, O(I32_CONST), 1, O(RETURN),
                /* 13 */ O(I32_CONST), 2, O(RETURN));
          else
            DEF(0, "andcmp", "ii:i", 0, O(LOCAL_GET), 0, O(LOCAL_GET), 1, O(I32_CONST),
                0xff, O(I32_AND), cmp[ci], /* 8 */ br, 13, O(I32_CONST), 1, O(RETURN),
                /* 13 */ O(I32_CONST), 2, O(RETURN));
          bool eq = 0xff == (b & 0xff), c = ci ? !eq : eq;
          bool taken = unless ? !c : c;
          assert_int_equal(call(0, &got, 2, GARBAGE | 0xff, GARBAGE | b), LOAM_OK);
          assert_int_equal((uint32_t)got, taken ? 2 : 1);
        }
  /* op; i32.eqz; br_if / br_unless: the op's branch, sense flipped */
  static const wasm_op eqzops[] = {O(I32_LT_S), O(I32_AND), O(I64_GT_U), O(F64_LT)};
  for (int oi = 0; oi < 4; oi++)
    for (int kform = 0; kform < 2; kform++)
      for (int unless = 0; unless < 2; unless++)
        for (uint64_t a = 0; a < 3; a++) {
          bool f = oi == 3, wide = oi == 2;
          uint64_t K = f ? O(F64_CONST) : wide ? O(I64_CONST) : O(I32_CONST);
          uint64_t k1 = f ? f64b(1.0) : 1, av = f ? f64b((double)a) : a;
          const char *sig = f ? "F:i" : wide ? "I:i" : "i:i";
          uint64_t br = unless ? O(BR_UNLESS) : O(BR_IF);
          uint64_t x = kform ? av : k1, y = kform ? k1 : av;
          bool v = (uint32_t)bin_ok(eqzops[oi], f ? "FF:i" : wide ? "II:i" : "ii:i", x, y) != 0;
          if (kform)
            DEF(0, "opeqz", sig, 0, O(LOCAL_GET), 0, K, k1, eqzops[oi], O(I32_EQZ),
                /* 6 */ br, 11, O(I32_CONST), 1, O(RETURN), /* 11 */ O(I32_CONST), 2,
                O(RETURN));
          else
            DEF(0, "opeqz", sig, 0, K, k1, O(LOCAL_GET), 0, eqzops[oi], O(I32_EQZ),
                /* 6 */ br, 11, O(I32_CONST), 1, O(RETURN), /* 11 */ O(I32_CONST), 2,
                O(RETURN));
          bool taken = unless ? v : !v;
          assert_int_equal(call(0, &got, 1, av), LOAM_OK);
          assert_int_equal((uint32_t)got, taken ? 2 : 1);
        }
  /* br_table on a byte loaded from (x + k) + offset (BR_TABLE_LK8) */
  memcpy(m + 400 + 2, "\x00\x01\x02\x07", 4);
  DEF(0, "lk8table", "i:i", 0, O(LOCAL_GET), 0, O(I32_CONST), 400, O(I32_ADD),
      O(I32_LOAD8_U), 2, /* 7 */ O(BR_TABLE), 2, 15, 0, 18, 0, 21, 0,
      /* 15 */ O(I32_CONST), 10, O(RETURN), /* 18 */ O(I32_CONST), 11, O(RETURN),
      /* 21 */ O(I32_CONST), 12, O(RETURN));
  for (uint32_t i = 0; i < 4; i++) {
    assert_int_equal(call(0, &got, 1, GARBAGE | i), LOAM_OK);
    assert_int_equal((uint32_t)got, i < 2 ? 10 + i : 12);
  }
  assert_int_equal(call(0, &got, 1, WASM_PAGE_SIZE - 402), LOAM_TRAP_OOB_MEMORY);
  /* return local 1 directly */
  DEF(0, "retlocal", "ii:i", 0, O(LOCAL_GET), 1, O(RETURN));
  assert_int_equal(call(0, &got, 2, 10, 3), LOAM_OK);
  assert_int_equal((uint32_t)got, 3);
}

/* Whether lowering function idx's code yields an op in [lo, hi). */
static bool lowers_to(uint32_t idx, uint32_t lo, uint32_t hi) {
  wasm_code c = W.codes[idx];
  c.rcells = NULL;
  c.threaded = false;
  assert_true(wasm_lower(&c, &W.inst, NULL));
  bool found = false;
  for (uint32_t pc = 0; pc < c.nrcells;) {
    uint32_t op = (uint32_t)c.rcells[pc].u64;
    found |= op >= lo && op < hi;
    pc += wasm_rop_length(op, &c.rcells[pc]);
  }
  free(c.rcells);
  return found;
}

static bool cmp32(wasm_op op, uint32_t a, uint32_t b) {
  switch (op) {
  case O(I32_EQ): return a == b;
  case O(I32_NE): return a != b;
  case O(I32_LT_S): return (int32_t)a < (int32_t)b;
  case O(I32_LT_U): return a < b;
  case O(I32_GT_S): return (int32_t)a > (int32_t)b;
  case O(I32_GT_U): return a > b;
  case O(I32_LE_S): return (int32_t)a <= (int32_t)b;
  case O(I32_LE_U): return a <= b;
  case O(I32_GE_S): return (int32_t)a >= (int32_t)b;
  default: return a >= b;  /* GE_U */
  }
}

/* A loop counter's step fused into its exit test (ADDBR): every compare,
 * against a constant and a parameter (and the counter itself), as br_if
 * and through i32.eqz, with wrap-around and sign changes. */
static void test_fused_loop_step(void **state) {
  (void)state;
  static const wasm_op cmps[] = {O(I32_EQ), O(I32_NE), O(I32_LT_S), O(I32_LT_U),
                                 O(I32_GT_S), O(I32_GT_U), O(I32_LE_S),
                                 O(I32_LE_U), O(I32_GE_S), O(I32_GE_U)};
  static const uint32_t starts[] = {0, 5, 0x7ffffffeu, 0xfffffffeu, 0x80000000u};
  static const uint32_t steps[] = {1, 3, 0xffffffffu};
  static const uint32_t bounds[] = {10, 0x80000001u, 0, 0xffffffffu};
  uint64_t got;
  for (size_t ci = 0; ci < 10; ci++)
    for (int form = 0; form < 3; form++)  /* constant, parameter, itself */
      for (int eqz = 0; eqz < 2; eqz++)
        for (size_t ki = 0; ki < 3; ki++) {
          uint64_t b_get = form == 0 ? O(I32_CONST) : O(LOCAL_GET);
          uint32_t k = steps[ki], end = 25 + (uint32_t)eqz;
          for (size_t bi = 0; bi < 4; bi++) {
            uint64_t b_imm = form == 0 ? bounds[bi] : form == 1 ? 1 : 0;
            /* loop { if (++n >= 51) break; i += k; } while (i cmp b): both
             * steps fuse with their tests */
            if (eqz)
              DEF(0, "step", "ii:i", 1, /* 0 */ O(LOOP_CHECK), O(LOCAL_GET), 2,
                  O(I32_CONST), 1, O(I32_ADD), O(LOCAL_TEE), 2, O(I32_CONST), 51,
                  O(I32_GE_U), O(BR_IF), end, O(LOCAL_GET), 0, O(I32_CONST), k,
                  O(I32_ADD), O(LOCAL_TEE), 0, b_get, b_imm, cmps[ci], O(I32_EQZ),
                  O(BR_IF), 0, /* end */ O(LOCAL_GET), 0, O(I32_CONST), 8,
                  O(I32_SHL), O(LOCAL_GET), 2, O(I32_ADD), O(RETURN));
            else
              DEF(0, "step", "ii:i", 1, /* 0 */ O(LOOP_CHECK), O(LOCAL_GET), 2,
                  O(I32_CONST), 1, O(I32_ADD), O(LOCAL_TEE), 2, O(I32_CONST), 51,
                  O(I32_GE_U), O(BR_IF), end, O(LOCAL_GET), 0, O(I32_CONST), k,
                  O(I32_ADD), O(LOCAL_TEE), 0, b_get, b_imm, cmps[ci],
                  O(BR_IF), 0, /* end */ O(LOCAL_GET), 0, O(I32_CONST), 8,
                  O(I32_SHL), O(LOCAL_GET), 2, O(I32_ADD), O(RETURN));
            if (bi == 0)
              assert_true(lowers_to(0, WASM_R_AKBRIF_I32_EQ, WASM_R_END));
            for (size_t si = 0; si < 5; si++) {
              uint32_t i = starts[si], n = 0, b = bounds[bi];
              for (;;) {
                if (++n >= 51) break;
                i += k;
                bool c = cmp32(cmps[ci], i, form == 2 ? i : b);
                if (eqz ? c : !c) break;
              }
              assert_int_equal(call(0, &got, 2, GARBAGE | starts[si], GARBAGE | b),
                               LOAM_OK);
              assert_int_equal((uint32_t)got, (uint32_t)((i << 8) + n));
            }
          }
        }
  /* the add's right operand a slot (RK_/RR_), and the i64 forms (AR64,
   * RR64: the bound a slot), against a C model */
  static const wasm_op cmp64[] = {O(I64_EQ), O(I64_NE), O(I64_LT_S), O(I64_LT_U),
                                  O(I64_GT_S), O(I64_GT_U), O(I64_LE_S),
                                  O(I64_LE_U), O(I64_GE_S), O(I64_GE_U)};
  static const uint64_t s64[] = {0, 0x7ffffffffffffffeull, 0xfffffffffffffffeull,
                                 0xfffffffeull};
  static const uint64_t k64[] = {1, 0x100000000ull, UINT64_MAX};
  for (int is64 = 0; is64 < 2; is64++)
    for (int addr = 0; addr < 2; addr++)
      for (size_t ci = 0; ci < 10; ci++)
        for (int eqz = 0; eqz < 2; eqz++)
          for (size_t ki = 0; ki < 3; ki++) {
            uint64_t cells[64];
            size_t n = 0;
            uint32_t end = 25 + (uint32_t)eqz;
            uint64_t k = is64 ? k64[ki] : steps[ki];
            uint64_t head[] = {O(LOOP_CHECK), O(LOCAL_GET), 3, O(I32_CONST), 1,
                               O(I32_ADD), O(LOCAL_TEE), 3, O(I32_CONST), 51,
                               O(I32_GE_U), O(BR_IF), end, O(LOCAL_GET), 0};
            for (size_t i = 0; i < sizeof head / sizeof head[0]; i++) cells[n++] = head[i];
            cells[n++] = addr ? O(LOCAL_GET) : is64 ? O(I64_CONST) : O(I32_CONST);
            cells[n++] = addr ? 1 : k;
            cells[n++] = is64 ? O(I64_ADD) : O(I32_ADD);
            cells[n++] = O(LOCAL_TEE), cells[n++] = 0;
            cells[n++] = O(LOCAL_GET), cells[n++] = 2;
            cells[n++] = is64 ? cmp64[ci] : cmps[ci];
            if (eqz) cells[n++] = O(I32_EQZ);
            cells[n++] = O(BR_IF), cells[n++] = 0;
            assert_int_equal(n, end);
            cells[n++] = O(LOCAL_GET), cells[n++] = 0;
            if (is64) cells[n++] = O(I32_WRAP_I64);
            uint64_t tail[] = {O(I32_CONST), 8, O(I32_SHL), O(LOCAL_GET), 3, O(I32_ADD),
                               O(RETURN)};
            for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++) cells[n++] = tail[i];
            def(0, "step2", is64 ? "III:i" : "iii:i", 1, cells, n);
            uint32_t lo = is64 ? WASM_R_AR64BRIF_I64_EQ : WASM_R_AKBRIF_I32_EQ;
            assert_true(lowers_to(0, lo, WASM_R_END));
            for (size_t si = 0; si < 4; si++)
              for (size_t bi = 0; bi < 4; bi++) {
                uint64_t i = is64 ? s64[si] : (uint32_t)s64[si], b = is64 ? s64[bi] : bounds[bi];
                uint32_t cnt = 0;
                for (;;) {
                  if (++cnt >= 51) break;
                  bool c;
                  if (is64) {
                    i += k;
                    uint64_t x = i, y = b;
                    switch (ci) {
                    case 0: c = x == y; break;
                    case 1: c = x != y; break;
                    case 2: c = (int64_t)x < (int64_t)y; break;
                    case 3: c = x < y; break;
                    case 4: c = (int64_t)x > (int64_t)y; break;
                    case 5: c = x > y; break;
                    case 6: c = (int64_t)x <= (int64_t)y; break;
                    case 7: c = x <= y; break;
                    case 8: c = (int64_t)x >= (int64_t)y; break;
                    default: c = x >= y; break;
                    }
                  } else {
                    i = (uint32_t)(i + k);
                    c = cmp32(cmps[ci], (uint32_t)i, (uint32_t)b);
                  }
                  if (eqz ? c : !c) break;
                }
                uint64_t g = is64 ? 0 : GARBAGE, start = is64 ? s64[si] : (uint32_t)s64[si];
                assert_int_equal(call(0, &got, 3, g | start, g | k, g | b), LOAM_OK);
                assert_int_equal((uint32_t)got, (uint32_t)(((uint32_t)i << 8) + cnt));
              }
          }
  /* a value set into a local and tested at once: a += k (ADDW, a count
   * down) and a ^= b (XORW), as br_if and through i32.eqz */
  static const uint32_t avals[] = {0, 1, 3, 0x80000000u, 0xfffffffdu};
  for (int xor = 0; xor < 2; xor++)
    for (int eqz = 0; eqz < 2; eqz++)
      for (size_t x = 0; x < 5; x++)
        for (size_t y = 0; y < 5; y++) {
          uint32_t end = 22 + (uint32_t)eqz;
          uint64_t get_b = xor ? O(LOCAL_GET) : O(I32_CONST), b_imm = xor ? 1 : avals[y];
          wasm_op op = xor ? O(I32_XOR) : O(I32_ADD);
          if (eqz)
            DEF(0, "wbr", "ii:i", 1, /* 0 */ O(LOOP_CHECK), O(LOCAL_GET), 2,
                O(I32_CONST), 1, O(I32_ADD), O(LOCAL_TEE), 2, O(I32_CONST), 40,
                O(I32_GE_U), O(BR_IF), end, O(LOCAL_GET), 0, get_b, b_imm, op,
                O(LOCAL_TEE), 0, O(I32_EQZ), O(BR_IF), 0, /* end */ O(LOCAL_GET), 0,
                O(I32_CONST), 8, O(I32_SHL), O(LOCAL_GET), 2, O(I32_ADD), O(RETURN));
          else
            DEF(0, "wbr", "ii:i", 1, /* 0 */ O(LOOP_CHECK), O(LOCAL_GET), 2,
                O(I32_CONST), 1, O(I32_ADD), O(LOCAL_TEE), 2, O(I32_CONST), 40,
                O(I32_GE_U), O(BR_IF), end, O(LOCAL_GET), 0, get_b, b_imm, op,
                O(LOCAL_TEE), 0, O(BR_IF), 0, /* end */ O(LOCAL_GET), 0,
                O(I32_CONST), 8, O(I32_SHL), O(LOCAL_GET), 2, O(I32_ADD), O(RETURN));
          uint32_t w = xor ? WASM_R_XORW_BRIF : WASM_R_ADDW_BRIF;
          if (x == 0 && y == 0) assert_true(lowers_to(0, w, w + 2));
          uint32_t a = avals[x], b = avals[y], n = 0;
          for (;;) {
            if (++n >= 40) break;
            a = xor ? a ^ b : a + b;
            if (eqz ? a != 0 : a == 0) break;
          }
          assert_int_equal(call(0, &got, 2, GARBAGE | avals[x], GARBAGE | b), LOAM_OK);
          assert_int_equal((uint32_t)got, (uint32_t)((a << 8) + n));
        }
  /* two adds of slots into locals in a row (RADD2), the second reading
   * the first's result */
  DEF(0, "radd2", "iii:i", 2, O(LOCAL_GET), 0, O(LOCAL_GET), 2, O(I32_ADD),
      O(LOCAL_SET), 3, O(LOCAL_GET), 3, O(LOCAL_GET), 1, O(I32_ADD), O(LOCAL_SET), 4,
      O(LOCAL_GET), 3, O(LOCAL_GET), 4, O(I32_XOR), O(RETURN));
  assert_true(lowers_to(0, WASM_R_RADD2_I32, WASM_R_RADD2_I32 + 1));
  assert_int_equal(call(0, &got, 3, GARBAGE | 0xfffffff0u, GARBAGE | 7, GARBAGE | 0x20),
                   LOAM_OK);
  assert_int_equal((uint32_t)got, 0x10u ^ 0x17u);
}

int main(void) {
  const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    T(test_i32_arith), T(test_i32_division), T(test_i64_arith),
    T(test_float_minmax_nan), T(test_float_rounding), T(test_float_conversions),
    T(test_truncation_bounds), T(test_saturating),
    T(test_memory_bounds), T(test_memory_widths), T(test_memory_grow_bulk),
    T(test_branches), T(test_globals_refs), T(test_calls_recursion),
    T(test_call_indirect), T(test_tables), T(test_trap_backtrace),
    T(test_stack_exhaustion), T(test_fuel), T(test_interrupt), T(test_deadline),
    T(test_host_calls), T(test_cross_instance), T(test_fused_binops),
    T(test_fused_branch_into), T(test_fused_float), T(test_fused_misc),
    T(test_fused_memory_ops), T(test_host_recursion_small_stack),
    T(test_fused_address_forms), T(test_lowering), T(test_fused_pairs),
    T(test_fused_loop_step),
#undef T
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
