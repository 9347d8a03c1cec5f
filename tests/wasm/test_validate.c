/*
 * test_validate.c — unit tests of validation and translation: valid bodies
 * become the expected cell sequences (branch targets and adjustments for
 * block/loop/if/br_table with multi-value), and every validation error is
 * reported with the spec's wording, kind and location.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wasm/code.h"
#include "wasm/module.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a small module builder ----------------------------------------------- */

typedef struct buf { uint8_t b[1 << 16]; size_t n; } buf;

static void put(buf *o, const void *p, size_t n) {
  assert_true(o->n + n <= sizeof o->b);
  memcpy(o->b + o->n, p, n);
  o->n += n;
}
static void put8(buf *o, uint8_t v) { put(o, &v, 1); }
static void put_u32(buf *o, uint32_t v) {
  do {
    uint8_t b = v & 0x7F;
    v >>= 7;
    put8(o, b | (v ? 0x80 : 0));
  } while (v);
}
static void put_str(buf *o, const char *s, size_t n) { put(o, s, n); }
static void section(buf *o, uint8_t id, const buf *c) {
  put8(o, id);
  put_u32(o, (uint32_t)c->n);
  put(o, c->b, c->n);
}

enum {
  MEM = 1,        /* memory 1 */
  TABLE = 2,      /* table 1 funcref */
  GLOBALS = 4,    /* global 0: mut i32 = 0; global 1: i32 = 7 */
  DATA = 8,       /* one passive data segment */
  DATACOUNT = 16, /* data count 1 */
  DECLARE = 32,   /* declarative elem segment naming function 0 */
};

/* A module with one function of type params -> results (type 0) whose
 * locals + code are `body`, and extra types: 1 = [] -> [i32 i32],
 * 2 = [i32] -> [i32], 3 = [] -> []. */
typedef struct fn {
  const char *params, *results;
  const char *body;
  size_t nbody;
  unsigned flags;
} fn;

#define STR(s) s, sizeof(s) - 1

static void build(buf *o, const fn *f) {
  buf s;
  o->n = 0;
  put(o, "\0asm\1\0\0\0", 8);
  s.n = 0;
  put_u32(&s, 4);
  size_t np = strlen(f->params), nr = strlen(f->results);
  put8(&s, 0x60);
  put_u32(&s, (uint32_t)np);
  put_str(&s, f->params, np);
  put_u32(&s, (uint32_t)nr);
  put_str(&s, f->results, nr);
  put_str(&s, STR("\x60\x00\x02\x7f\x7f"));
  put_str(&s, STR("\x60\x01\x7f\x01\x7f"));
  put_str(&s, STR("\x60\x00\x00"));
  section(o, 1, &s);
  s.n = 0;
  put_str(&s, STR("\x01\x00"));
  section(o, 3, &s);
  if (f->flags & TABLE) {
    s.n = 0;
    put_str(&s, STR("\x01\x70\x00\x01"));
    section(o, 4, &s);
  }
  if (f->flags & MEM) {
    s.n = 0;
    put_str(&s, STR("\x01\x00\x01"));
    section(o, 5, &s);
  }
  if (f->flags & GLOBALS) {
    s.n = 0;
    put_str(&s, STR("\x02\x7f\x01\x41\x00\x0b\x7f\x00\x41\x07\x0b"));
    section(o, 6, &s);
  }
  if (f->flags & DECLARE) {
    s.n = 0;
    put_str(&s, STR("\x01\x03\x00\x01\x00"));
    section(o, 9, &s);
  }
  if (f->flags & DATACOUNT) {
    s.n = 0;
    put_str(&s, STR("\x01"));
    section(o, 12, &s);
  }
  s.n = 0;
  put_u32(&s, 1);
  put_u32(&s, (uint32_t)f->nbody);
  put_str(&s, f->body, f->nbody);
  section(o, 10, &s);
  if (f->flags & DATA) {
    s.n = 0;
    put_str(&s, STR("\x01\x01\x01\x2a"));
    section(o, 11, &s);
  }
}

/* Decodes and validates; the module or NULL with err filled. */
static wasm_module *load(const buf *b, loam_error *err) {
  memset(err, 0, sizeof *err);
  wasm_module *m = wasm_decode(b->b, b->n, err);
  if (!m) fail_msg("decode failed: %s", err->message);
  if (!wasm_validate(m, err)) {
    wasm_module_free(m);
    return NULL;
  }
  return m;
}

static wasm_module *load_fn(const fn *f, loam_error *err) {
  static buf b;
  build(&b, f);
  return load(&b, err);
}

/* Asserts the function's code is exactly `want` (op numbers and immediates). */
static void expect_code(const fn *f, const uint64_t *want, size_t n) {
  loam_error err;
  wasm_module *m = load_fn(f, &err);
  if (!m) fail_msg("invalid: %s", err.message);
  wasm_code *c = m->funcs[0].code;
  assert_non_null(c);
  bool same = c->ncells == n;
  for (size_t i = 0; same && i < n; i++) same = c->cells[i].u64 == want[i];
  if (!same) {
    wasm_code_dump(c, stderr);
    fprintf(stderr, "expected:");
    for (size_t i = 0; i < n; i++) fprintf(stderr, " %llu", (unsigned long long)want[i]);
    fputc('\n', stderr);
    wasm_module_free(m);
    fail_msg("code differs");
  }
  wasm_module_free(m);
}

#define EXPECT_CODE(f, ...)                                             \
  do {                                                                  \
    const uint64_t want_[] = {__VA_ARGS__};                             \
    expect_code(f, want_, sizeof want_ / sizeof want_[0]);              \
  } while (0)

static void expect_error(const fn *f, loam_status code, const char *why) {
  loam_error err;
  wasm_module *m = load_fn(f, &err);
  if (m) {
    wasm_module_free(m);
    fail_msg("valid, expected \"%s\"", why);
  }
  if (!strstr(err.message, why)) fail_msg("got \"%s\", expected \"%s\"", err.message, why);
  if (err.code != code) fail_msg("\"%s\": code %d, expected %d", err.message, err.code, code);
}

#define OP(x) WASM_OP_##x
#define I32 "\x7f"
#define I64 "\x7e"

/* ---- translation ------------------------------------------------------------ */

static void test_straight_line(void **state) {
  fn f = {"", I32, STR("\x00\x41\x01\x41\x02\x6a\x0b"), 0};
  EXPECT_CODE(&f, OP(I32_CONST), 1, OP(I32_CONST), 2, OP(I32_ADD), OP(RETURN));
  loam_error err;
  wasm_module *m = load_fn(&f, &err);
  assert_non_null(m);
  wasm_code *c = m->funcs[0].code;
  assert_int_equal(c->max_height, 2);
  assert_int_equal(c->nresults, 1);
  assert_int_equal(c->nparams, 0);
  assert_int_equal(c->func_index, 0);
  wasm_module_free(m);
}

static void test_locals(void **state) {
  /* one declared i64 local; params are locals 0 and 1 */
  fn f = {I32 I32, I32, STR("\x01\x01\x7e\x20\x00\x20\x01\x6b\x42\x05\x21\x02\x0b"), 0};
  EXPECT_CODE(&f, OP(LOCAL_GET), 0, OP(LOCAL_GET), 1, OP(I32_SUB), OP(I64_CONST), 5,
              OP(LOCAL_SET), 2, OP(RETURN));
  loam_error err;
  wasm_module *m = load_fn(&f, &err);
  assert_non_null(m);
  assert_int_equal(m->funcs[0].code->nparams, 2);
  assert_int_equal(m->funcs[0].code->nlocals, 1);
  wasm_module_free(m);
}

static void test_block_br_adjusts(void **state) {
  /* block (result i32) i32.const 7 i32.const 8 br 0 end */
  fn f = {"", I32, STR("\x00\x02\x7f\x41\x07\x41\x08\x0c\x00\x0b\x0b"), 0};
  EXPECT_CODE(&f, OP(I32_CONST), 7, OP(I32_CONST), 8, OP(BR_ADJ), 7, wasm_adj(1, 1),
              OP(RETURN));
}

static void test_block_br_no_adjust(void **state) {
  /* block i32.const 1 drop br 0 end */
  fn f = {"", "", STR("\x00\x02\x40\x41\x01\x1a\x0c\x00\x0b\x0b"), 0};
  EXPECT_CODE(&f, OP(I32_CONST), 1, OP(DROP), OP(BR), 5, OP(RETURN));
}

static void test_loop_branch_to_header(void **state) {
  /* local i32; i32.const 5 loop (type 2) i32.const 1 i32.sub local.tee 0
   * local.get 0 br_if 0 end */
  fn f = {"", I32,
          STR("\x01\x01\x7f\x41\x05\x03\x02\x41\x01\x6b\x22\x00\x20\x00\x0d\x00\x0b\x0b"),
          0};
  EXPECT_CODE(&f, OP(I32_CONST), 5, OP(LOOP_CHECK), OP(I32_CONST), 1, OP(I32_SUB),
              OP(LOCAL_TEE), 0, OP(LOCAL_GET), 0, OP(BR_IF), 2, OP(RETURN));
}

static void test_loop_param_adjust(void **state) {
  /* i32.const 5 loop (type 2) i32.const 9 br 0 end: keeps the new param */
  fn f = {"", I32, STR("\x00\x41\x05\x03\x02\x41\x09\x0c\x00\x0b\x0b"), 0};
  EXPECT_CODE(&f, OP(I32_CONST), 5, OP(LOOP_CHECK), OP(I32_CONST), 9, OP(BR_ADJ), 2,
              wasm_adj(1, 1), OP(RETURN));
}

static void test_if_else(void **state) {
  /* local.get 0 if (result i32) i32.const 1 else i32.const 2 end */
  fn f = {I32, I32, STR("\x00\x20\x00\x04\x7f\x41\x01\x05\x41\x02\x0b\x0b"), 0};
  EXPECT_CODE(&f, OP(LOCAL_GET), 0, OP(BR_UNLESS), 8, OP(I32_CONST), 1, OP(BR), 10,
              OP(I32_CONST), 2, OP(RETURN));
}

static void test_if_without_else(void **state) {
  fn f = {I32, "", STR("\x00\x20\x00\x04\x40\x01\x0b\x0b"), 0};
  EXPECT_CODE(&f, OP(LOCAL_GET), 0, OP(BR_UNLESS), 4, OP(RETURN));
}

static void test_if_multivalue_params(void **state) {
  /* i32.const 3 i32.const 1 if (type 2) i32.const 1 i32.add else i32.const 2
   * i32.mul end: the param stays in place on both paths */
  fn f = {"", I32,
          STR("\x00\x41\x03\x41\x01\x04\x02\x41\x01\x6a\x05\x41\x02\x6c\x0b\x0b"), 0};
  EXPECT_CODE(&f, OP(I32_CONST), 3, OP(I32_CONST), 1, OP(BR_UNLESS), 11, OP(I32_CONST), 1,
              OP(I32_ADD), OP(BR), 14, OP(I32_CONST), 2, OP(I32_MUL), OP(RETURN));
}

static void test_br_table_multivalue(void **state) {
  /* block (type 1) block (type 1) i32.const 99 i32.const 10 i32.const 20
   * i32.const 0 br_table 0 1 2 end drop drop i32.const 3 i32.const 4 end */
  fn f = {"", I32 I32,
          STR("\x00\x02\x01\x02\x01\x41\xe3\x00\x41\x0a\x41\x14\x41\x00\x0e\x02\x00\x01\x02"
              "\x0b\x1a\x1a\x41\x03\x41\x04\x0b\x0b"),
          0};
  EXPECT_CODE(&f, OP(I32_CONST), 99, OP(I32_CONST), 10, OP(I32_CONST), 20, OP(I32_CONST), 0,
              OP(BR_TABLE), 2, 16, wasm_adj(1, 2), 22, wasm_adj(1, 2), 22, 0,
              OP(DROP), OP(DROP), OP(I32_CONST), 3, OP(I32_CONST), 4, OP(RETURN));
}

static void test_return_and_function_label(void **state) {
  /* block i32.const 1 return end i32.const 2 */
  fn f = {"", I32, STR("\x00\x02\x40\x41\x01\x0f\x0b\x41\x02\x0b"), 0};
  EXPECT_CODE(&f, OP(I32_CONST), 1, OP(RETURN), OP(I32_CONST), 2, OP(RETURN));
  /* local.get 0 br_if 0: conditional return branches to the final RETURN */
  fn g = {I32, "", STR("\x00\x20\x00\x0d\x00\x0b"), 0};
  EXPECT_CODE(&g, OP(LOCAL_GET), 0, OP(BR_IF), 4, OP(RETURN));
  /* br 0 at function level is a return */
  fn h = {"", I32, STR("\x00\x41\x01\x0c\x00\x0b"), 0};
  EXPECT_CODE(&h, OP(I32_CONST), 1, OP(RETURN), OP(RETURN));
}

static void test_dead_code_not_emitted(void **state) {
  /* unreachable i32.const 1 drop block i32.const 2 drop end */
  fn f = {"", "", STR("\x00\x00\x41\x01\x1a\x02\x40\x41\x02\x1a\x0b\x0b"), 0};
  EXPECT_CODE(&f, OP(UNREACHABLE), OP(RETURN));
  /* the polymorphic stack: i32.add on nothing after unreachable is valid */
  fn g = {"", I32, STR("\x00\x00\x6a\x0b"), 0};
  EXPECT_CODE(&g, OP(UNREACHABLE), OP(RETURN));
  /* select after br with unknown operands */
  fn h = {"", I32, STR("\x00\x02\x40\x0c\x00\x1b\x1a\x0b\x41\x00\x0b"), 0};
  EXPECT_CODE(&h, OP(BR), 2, OP(I32_CONST), 0, OP(RETURN));
}

static void test_memory_and_globals(void **state) {
  /* i32.const 0 i32.load offset=16 align=2 global.set 0 global.get 1
   * i64.extend_i32_u i32.const 8 i64.const 1 i64.store32 offset=4 memory.size
   * drop i32.const 1 memory.grow drop */
  fn f = {"", I64,
          STR("\x00\x41\x00\x28\x02\x10\x24\x00\x23\x01\xad\x41\x08\x42\x01\x3e\x02\x04"
              "\x3f\x00\x1a\x41\x01\x40\x00\x1a\x0b"),
          MEM | GLOBALS};
  EXPECT_CODE(&f, OP(I32_CONST), 0, OP(I32_LOAD), 16, OP(GLOBAL_SET), 0, OP(GLOBAL_GET), 1,
              OP(I64_EXTEND_I32_U), OP(I32_CONST), 8, OP(I64_CONST), 1, OP(I64_STORE32), 4,
              OP(MEMORY_SIZE), OP(DROP), OP(I32_CONST), 1, OP(MEMORY_GROW), OP(DROP),
              OP(RETURN));
}

static void test_bulk_and_reference_ops(void **state) {
  /* i32.const 0 i32.const 0 i32.const 1 memory.init 0; data.drop 0;
   * ref.func 0 drop; ref.null func ref.is_null drop;
   * i32.const 0 table.get 0 drop; table.size 0 drop; elem.drop 0;
   * f32.const 1.5 i32.trunc_sat_f32_s drop;
   * i32.const 1 i32.const 2 i32.const 0 select (result i32) drop */
  fn f = {"", "",
          STR("\x00\x41\x00\x41\x00\x41\x01\xfc\x08\x00\x00\xfc\x09\x00"
              "\xd2\x00\x1a\xd0\x70\xd1\x1a\x41\x00\x25\x00\x1a\xfc\x10\x00\x1a\xfc\x0d\x00"
              "\x43\x00\x00\xc0\x3f\xfc\x00\x1a"
              "\x41\x01\x41\x02\x41\x00\x1c\x01\x7f\x1a\x0b"),
          MEM | TABLE | DATA | DATACOUNT | DECLARE};
  EXPECT_CODE(&f, OP(I32_CONST), 0, OP(I32_CONST), 0, OP(I32_CONST), 1, OP(MEMORY_INIT), 0,
              OP(DATA_DROP), 0, OP(REF_FUNC), 0, OP(DROP), OP(REF_NULL), OP(REF_IS_NULL),
              OP(DROP), OP(I32_CONST), 0, OP(TABLE_GET), 0, OP(DROP), OP(TABLE_SIZE), 0,
              OP(DROP), OP(ELEM_DROP), 0, OP(F32_CONST), 0x3fc00000, OP(I32_TRUNC_SAT_F32_S),
              OP(DROP), OP(I32_CONST), 1, OP(I32_CONST), 2, OP(I32_CONST), 0, OP(SELECT),
              OP(DROP), OP(RETURN));
}

static void test_calls(void **state) {
  /* call 0 (itself, [i32] -> [i32]); i32.const 0 call_indirect type 2 table 0 */
  fn f = {I32, I32, STR("\x00\x20\x00\x10\x00\x41\x00\x11\x02\x00\x0b"), TABLE};
  EXPECT_CODE(&f, OP(LOCAL_GET), 0, OP(CALL), 0, OP(I32_CONST), 0, OP(CALL_INDIRECT), 2, 0,
              OP(RETURN));
}

static void test_numeric_opcode_mapping(void **state) {
  /* one of each numeric run's ends, to check the opcode -> op tables */
  fn f = {"", "",
          STR("\x00\x42\x01\x50\x1a"
              "\x43\x00\x00\x00\x00\x43\x00\x00\x00\x00\x60\x1a"
              "\x44\x00\x00\x00\x00\x00\x00\x00\x00\x44\x00\x00\x00\x00\x00\x00\x00\x00"
              "\xa6\x1a\x0b"),
          0};
  EXPECT_CODE(&f, OP(I64_CONST), 1, OP(I64_EQZ), OP(DROP), OP(F32_CONST), 0, OP(F32_CONST), 0,
              OP(F32_GE), OP(DROP), OP(F64_CONST), 0, OP(F64_CONST), 0, OP(F64_COPYSIGN),
              OP(DROP), OP(RETURN));
  fn g = {"", "", STR("\x00\x41\x00\xbe\xbc\xc1\x1a\x42\x00\xc4\xbf\xbd\x1a\x0b"), 0};
  EXPECT_CODE(&g, OP(I32_CONST), 0, OP(F32_REINTERPRET_I32), OP(I32_REINTERPRET_F32),
              OP(I32_EXTEND16_S), OP(DROP), OP(I64_CONST), 0, OP(I64_EXTEND32_S),
              OP(F64_REINTERPRET_I64), OP(I64_REINTERPRET_F64), OP(DROP), OP(RETURN));
}

/* ---- errors ------------------------------------------------------------------ */

#define INV LOAM_ERR_INVALID
#define MAL LOAM_ERR_MALFORMED

static void test_type_errors(void **state) {
  fn a = {"", "", STR("\x00\x41\x01\x0b"), 0};
  expect_error(&a, INV, "type mismatch");
  fn b = {"", "", STR("\x00\x41\x01\x42\x01\x7c\x1a\x0b"), 0};
  expect_error(&b, INV, "function 0 at offset 0x");
  expect_error(&b, INV, "type mismatch");
  fn c = {"", I32, STR("\x00\x00\x42\x00\x6a\x0b"), 0}; /* unknown + i64 */
  expect_error(&c, INV, "type mismatch");
  /* br_table labels of different arity */
  fn d = {"", "", STR("\x00\x02\x7f\x41\x00\x41\x00\x0e\x01\x00\x01\x0b\x1a\x0b"), 0};
  expect_error(&d, INV, "type mismatch");
  /* if without else must have matching params/results */
  fn e = {"", I32, STR("\x00\x41\x00\x04\x7f\x41\x01\x0b\x0b"), 0};
  expect_error(&e, INV, "type mismatch");
  /* untyped select of references */
  fn g = {"", "", STR("\x00\xd0\x70\xd0\x70\x41\x01\x1b\x1a\x0b"), 0};
  expect_error(&g, INV, "type mismatch");
  fn h = {"", "", STR("\x00\x41\x01\x41\x01\x41\x01\x1c\x00\x1a\x0b"), 0};
  expect_error(&h, INV, "invalid result arity");
  /* call_indirect on no table */
  fn i = {"", "", STR("\x00\x41\x00\x11\x03\x00\x0b"), 0};
  expect_error(&i, INV, "unknown table");
}

static void test_unknown_indices(void **state) {
  fn a = {"", "", STR("\x00\x20\x05\x1a\x0b"), 0};
  expect_error(&a, INV, "unknown local 5");
  fn b = {"", "", STR("\x00\x23\x09\x1a\x0b"), GLOBALS};
  expect_error(&b, INV, "unknown global 9");
  fn c = {"", "", STR("\x00\x41\x00\x24\x01\x0b"), GLOBALS};
  expect_error(&c, INV, "global is immutable");
  fn d = {"", "", STR("\x00\x0c\x03\x0b"), 0};
  expect_error(&d, INV, "unknown label");
  fn e = {"", "", STR("\x00\x10\x09\x0b"), 0};
  expect_error(&e, INV, "unknown function 9");
  fn f = {"", "", STR("\x00\x41\x00\x25\x05\x1a\x0b"), TABLE};
  expect_error(&f, INV, "unknown table 5");
  fn g = {"", "", STR("\x00\x41\x00\x28\x02\x00\x1a\x0b"), 0};
  expect_error(&g, INV, "unknown memory");
  fn h = {"", "", STR("\x00\x02\x32\x0b\x0b"), 0};
  expect_error(&h, INV, "unknown type");
  fn i = {"", "", STR("\x00\xfc\x09\x03\x0b"), MEM | DATA | DATACOUNT};
  expect_error(&i, INV, "unknown data segment 3");
  fn j = {"", "", STR("\x00\xfc\x0d\x07\x0b"), 0};
  expect_error(&j, INV, "unknown elem segment 7");
  fn k = {"", "", STR("\x00\xd2\x00\x1a\x0b"), 0};
  expect_error(&k, INV, "undeclared function reference");
  fn l = {"", "", STR("\x00\xd2\x04\x1a\x0b"), 0};
  expect_error(&l, INV, "unknown function 4");
}

static void test_malformed_bodies(void **state) {
  fn a = {"", I32, STR("\x00\x41\x00\x28\x03\x00\x0b"), MEM};
  expect_error(&a, INV, "alignment must not be larger than natural");
  fn b = {"", "", STR("\x00\x3f\x01\x1a\x0b"), MEM};
  expect_error(&b, MAL, "zero byte expected");
  fn c = {"", "", STR("\x00\xff\x0b"), 0};
  expect_error(&c, MAL, "illegal opcode");
  fn d = {"", "", STR("\x00\xfd\x0c\x0b"), 0};
  expect_error(&d, MAL, "SIMD is not supported");
  fn e = {"", "", STR("\x00\x41\x00\x1a"), 0};
  expect_error(&e, MAL, "END opcode expected");
  fn f = {"", "", STR("\x00\x41\x00\x41\x00\x41\x00\xfc\x08\x00\x00\x0b"), MEM | DATA};
  expect_error(&f, MAL, "data count section required");
  fn g = {"", "", STR("\x00\x41\x80\x80\x80\x80\x80\x01\x1a\x0b"), 0};
  expect_error(&g, MAL, "integer representation too long");
  fn h = {"", "", STR("\x00\x0b\x01"), 0};
  expect_error(&h, MAL, "section size mismatch");
  /* a type error early and a malformation later: malformed wins */
  fn i = {"", "", STR("\x00\x6a\x1a\xff\x0b"), 0};
  expect_error(&i, MAL, "illegal opcode");
  fn j = {"", "", STR("\x00\xd0\x7f\x1a\x0b"), 0};
  expect_error(&j, MAL, "malformed reference type");
}

static void test_more_type_errors(void **state) {
  fn a = {"", "", STR("\x00\x3f\x00\x1a\x0b"), 0};
  expect_error(&a, INV, "unknown memory");
  fn b = {"", "", STR("\x00\x02\x7f\x42\x00\x41\x01\x0d\x00\x0b\x1a\x0b"), 0};
  expect_error(&b, INV, "type mismatch");
  fn c = {"", I32, STR("\x00\x42\x00\x0f\x0b"), 0};
  expect_error(&c, INV, "type mismatch");
  fn d = {I32, "", STR("\x00\x42\x00\x21\x00\x0b"), 0};
  expect_error(&d, INV, "type mismatch");
  fn e = {"", "", STR("\x00\x05\x0b"), 0};
  expect_error(&e, MAL, "else without if");
  fn f = {"", "", STR("\x00\x41\x00\xd1\x1a\x0b"), 0};
  expect_error(&f, INV, "type mismatch");
  fn g = {I32, I32, STR("\x00\x42\x00\x10\x00\x0b"), 0};
  expect_error(&g, INV, "type mismatch");
  fn h = {"", "", STR("\x00\x41\x01\x42\x01\x41\x00\x1c\x01\x7f\x1a\x0b"), 0};
  expect_error(&h, INV, "type mismatch");
  fn i = {"", "", STR("\x00\x42\x01\x40\x00\x1a\x0b"), MEM};
  expect_error(&i, INV, "type mismatch");
  /* end with too many values in a block */
  fn j = {"", "", STR("\x00\x02\x40\x41\x00\x0b\x0b"), 0};
  expect_error(&j, INV, "type mismatch");
  /* a branch out of an if to its own label needs its results */
  fn k = {I32, I32, STR("\x00\x20\x00\x04\x7f\x0c\x00\x05\x41\x00\x0b\x0b"), 0};
  expect_error(&k, INV, "type mismatch");
}

/* Random byte flips in a valid module must only ever give clean errors
 * (this runs under ASan/UBSan). */
static void test_mutations_are_safe(void **state) {
  fn f = {"", "",
          STR("\x00\x41\x00\x41\x00\x41\x01\xfc\x08\x00\x00\xfc\x09\x00"
              "\xd2\x00\x1a\xd0\x70\xd1\x1a\x41\x00\x25\x00\x1a\xfc\x10\x00\x1a\xfc\x0d\x00"
              "\x02\x40\x03\x7f\x41\x01\x0d\x01\x41\x02\x0e\x01\x00\x01\x0b\x1a\x0b"
              "\x41\x01\x04\x40\x05\x0b\x0b"),
          MEM | TABLE | DATA | DATACOUNT | DECLARE};
  static buf b, mut;
  build(&b, &f);
  loam_error err;
  wasm_module *m = load(&b, &err);
  if (!m) fail_msg("%s", err.message);
  wasm_module_free(m);
  uint32_t seed = 12345;
  for (int iter = 0; iter < 20000; iter++) {
    mut = b;
    int flips = 1 + iter % 3;
    for (int k = 0; k < flips; k++) {
      seed = seed * 1103515245u + 12345u;
      size_t at = b.n - f.nbody - 6 + (seed >> 8) % (f.nbody + 6);
      seed = seed * 1103515245u + 12345u;
      mut.b[at] = (uint8_t)(seed >> 16);
    }
    memset(&err, 0, sizeof err);
    m = wasm_decode(mut.b, mut.n, &err);
    if (!m) continue;
    if (wasm_validate(m, &err)) {
      /* whatever validates has well-formed code: targets in range */
      wasm_code *c = m->funcs[0].code;
      for (uint32_t pc = 0; pc < c->ncells; pc += wasm_op_length(&c->cells[pc]))
        assert_true(c->cells[pc].u64 < WASM_OP_COUNT);
    } else {
      assert_true(err.code == LOAM_ERR_INVALID || err.code == LOAM_ERR_MALFORMED);
      assert_non_null(strstr(err.message, "0x"));
    }
    wasm_module_free(m);
  }
}

/* ---- module level ---------------------------------------------------------------- */

/* Loads a module whose sections after the header are `secs` verbatim. */
static void expect_module_error(const char *secs, size_t n, loam_status code, const char *why) {
  static buf b;
  b.n = 0;
  put(&b, "\0asm\1\0\0\0", 8);
  put(&b, secs, n);
  loam_error err;
  wasm_module *m = load(&b, &err);
  if (m) {
    wasm_module_free(m);
    fail_msg("valid, expected \"%s\"", why);
  }
  if (!strstr(err.message, why)) fail_msg("got \"%s\", expected \"%s\"", err.message, why);
  assert_int_equal(err.code, code);
}

#define MOD_ERR(secs, why) expect_module_error(STR(secs), INV, why)

static void test_module_constexprs(void **state) {
  MOD_ERR("\x06\x07\x01\x7f\x00\x41\x00\x68\x0b", "constant expression required");
  MOD_ERR("\x06\x08\x01\x7f\x00\x41\x00\x41\x00\x0b", "type mismatch");
  /* funcref element segment into an externref table */
  MOD_ERR("\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00\x04\x04\x01\x6f\x00\x01"
          "\x09\x07\x01\x00\x41\x00\x0b\x01\x00\x0a\x04\x01\x02\x00\x0b",
          "type mismatch");
  /* table.copy between a funcref and an externref table */
  MOD_ERR("\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00\x04\x07\x02\x70\x00\x01\x6f\x00\x01"
          "\x0a\x0e\x01\x0c\x00\x41\x00\x41\x00\x41\x00\xfc\x0e\x00\x01\x0b",
          "type mismatch");
}

static void test_module_limits(void **state) {
  MOD_ERR("\x05\x05\x02\x00\x01\x00\x01", "multiple memories");
  MOD_ERR("\x05\x05\x01\x00\x81\x80\x04", "memory size must be at most 65536 pages (4GiB)");
  MOD_ERR("\x05\x04\x01\x01\x02\x01", "size minimum must not be greater than maximum");
  MOD_ERR("\x04\x05\x01\x70\x01\x02\x01", "size minimum must not be greater than maximum");
}

static void test_module_globals(void **state) {
  /* global i32 = global.get 0 where 0 is a defined global */
  MOD_ERR("\x06\x0b\x02\x7f\x00\x41\x00\x0b\x7f\x00\x23\x00\x0b", "unknown global 0");
  /* mutable imported global in a constant expression */
  MOD_ERR("\x02\x08\x01\x01m\x01g\x03\x7f\x01\x06\x06\x01\x7f\x00\x23\x00\x0b",
          "constant expression required");
  MOD_ERR("\x06\x06\x01\x7f\x00\x42\x00\x0b", "type mismatch");
}

static void test_module_segments_exports_start(void **state) {
  /* type [] -> []; func; */
  /* active data without memory */
  MOD_ERR("\x0b\x07\x01\x00\x41\x00\x0b\x01\x2a", "unknown memory 0");
  /* active element segment without table */
  MOD_ERR("\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00\x09\x07\x01\x00\x41\x00\x0b\x01\x00"
          "\x0a\x04\x01\x02\x00\x0b",
          "unknown table 0");
  /* duplicate export name */
  MOD_ERR("\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00\x07\x09\x02\x01x\x00\x00\x01x\x00\x00"
          "\x0a\x04\x01\x02\x00\x0b",
          "duplicate export name");
  MOD_ERR("\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00\x07\x05\x01\x01x\x00\x05"
          "\x0a\x04\x01\x02\x00\x0b",
          "unknown function 5");
  /* start function of type [i32] -> [] */
  MOD_ERR("\x01\x05\x01\x60\x01\x7f\x00\x03\x02\x01\x00\x08\x01\x00\x0a\x04\x01\x02\x00\x0b",
          "start function");
  MOD_ERR("\x08\x01\x03", "unknown function 3");
}

static void test_export_names_with_nul(void **state) {
  /* exports "\0a" and "\0b" differ although strcmp sees two empty strings */
  static buf b;
  b.n = 0;
  put(&b, STR("\0asm\1\0\0\0\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00"
              "\x07\x0b\x02\x02\x00\x61\x00\x00\x02\x00\x62\x00\x00"
              "\x0a\x04\x01\x02\x00\x0b"));
  loam_error err;
  wasm_module *m = load(&b, &err);
  if (!m) fail_msg("%s", err.message);
  wasm_module_free(m);
  MOD_ERR("\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00"
          "\x07\x0b\x02\x02\x00\x61\x00\x00\x02\x00\x61\x00\x00"
          "\x0a\x04\x01\x02\x00\x0b",
          "duplicate export name");
}

static void test_declared_refs(void **state) {
  /* ref.func 0 is fine when function 0 is exported */
  static buf b;
  b.n = 0;
  put(&b, STR("\0asm\1\0\0\0\x01\x05\x01\x60\x00\x01\x70\x03\x02\x01\x00"
              "\x07\x05\x01\x01\x66\x00\x00\x0a\x06\x01\x04\x00\xd2\x00\x0b"));
  loam_error err;
  wasm_module *m = load(&b, &err);
  if (!m) fail_msg("%s", err.message);
  assert_int_equal(m->func_declared[0], 1);
  wasm_module_free(m);
}

/* ---- speed -------------------------------------------------------------------------- */

static void test_large_body(void **state) {
  /* 200k copies of (local.get 0, i32.const 1, i32.add, local.set 0) inside a loop */
  enum { N = 200000 };
  size_t len = 16 + (size_t)N * 7;
  uint8_t *mod = malloc(len + 64);
  assert_non_null(mod);
  size_t n = 0;
  static const uint8_t head[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0,
                                 3, 2, 1, 0};
  memcpy(mod, head, sizeof head);
  n = sizeof head;
  size_t body = 1 + 3 + (size_t)N * 7 + 3;  /* locals, loop, code, end end */
  buf hdr;
  hdr.n = 0;
  put8(&hdr, 10);
  buf tmp;
  tmp.n = 0;
  put_u32(&tmp, 1);
  put_u32(&tmp, (uint32_t)body);
  put_u32(&hdr, (uint32_t)(tmp.n + body));
  memcpy(mod + n, hdr.b, hdr.n), n += hdr.n;
  memcpy(mod + n, tmp.b, tmp.n), n += tmp.n;
  static const uint8_t start[] = {0x01, 0x01, 0x7f, 0x03, 0x40};
  mod = realloc(mod, n + body + 16);
  memcpy(mod + n, start, sizeof start), n += sizeof start;
  for (int i = 0; i < N; i++) {
    static const uint8_t step[] = {0x20, 0, 0x41, 1, 0x6a, 0x21, 0};
    memcpy(mod + n, step, sizeof step), n += sizeof step;
  }
  mod[n++] = 0x0b;
  mod[n++] = 0x0b;
  loam_error err;
  wasm_module *m = wasm_decode(mod, n, &err);
  if (!m) fail_msg("%s", err.message);
  if (!wasm_validate(m, &err)) fail_msg("%s", err.message);
  assert_int_equal(m->funcs[0].code->ncells, 1 + (uint32_t)N * 7 + 1);
  wasm_module_free(m);
  free(mod);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_straight_line),
      cmocka_unit_test(test_locals),
      cmocka_unit_test(test_block_br_adjusts),
      cmocka_unit_test(test_block_br_no_adjust),
      cmocka_unit_test(test_loop_branch_to_header),
      cmocka_unit_test(test_loop_param_adjust),
      cmocka_unit_test(test_if_else),
      cmocka_unit_test(test_if_without_else),
      cmocka_unit_test(test_if_multivalue_params),
      cmocka_unit_test(test_br_table_multivalue),
      cmocka_unit_test(test_return_and_function_label),
      cmocka_unit_test(test_dead_code_not_emitted),
      cmocka_unit_test(test_memory_and_globals),
      cmocka_unit_test(test_bulk_and_reference_ops),
      cmocka_unit_test(test_calls),
      cmocka_unit_test(test_numeric_opcode_mapping),
      cmocka_unit_test(test_type_errors),
      cmocka_unit_test(test_unknown_indices),
      cmocka_unit_test(test_malformed_bodies),
      cmocka_unit_test(test_more_type_errors),
      cmocka_unit_test(test_mutations_are_safe),
      cmocka_unit_test(test_module_constexprs),
      cmocka_unit_test(test_module_limits),
      cmocka_unit_test(test_module_globals),
      cmocka_unit_test(test_module_segments_exports_start),
      cmocka_unit_test(test_export_names_with_nul),
      cmocka_unit_test(test_declared_refs),
      cmocka_unit_test(test_large_body),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
