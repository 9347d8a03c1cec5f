/*
 * test_decode.c — unit tests of the binary decoder (wasm_decode): every
 * section kind from hand-built binaries, the spec suite's error wording for
 * each malformation, the name section, and robustness on truncated and
 * mutated input (run under ASan/UBSan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wasm/module.h"
#include "wasm_bytes.h"
#include <stdio.h>

/* Decodes b's bytes; the module (or NULL) and the error. */
static wasm_module *dec(const wb *b, loam_error *err) {
  memset(err, 0, sizeof *err);
  return wasm_decode(b->p, b->len, err);
}

/* Asserts that decoding fails as malformed with `why` in the message. */
static void expect_malformed(const uint8_t *bytes, size_t len, const char *why) {
  loam_error err;
  memset(&err, 0, sizeof err);
  wasm_module *m = wasm_decode(bytes, len, &err);
  if (m) {
    wasm_module_free(m);
    fail_msg("decoded, expected \"%s\"", why);
  }
  if (!strstr(err.message, why)) fail_msg("got \"%s\", expected \"%s\"", err.message, why);
  assert_int_equal(err.code, LOAM_ERR_MALFORMED);
}

static void expect_wb_malformed(wb *b, const char *why) {
  expect_malformed(b->p, b->len, why);
  wb_free(b);
}

/* A module with one section of the given raw content bytes (-1 ends). */
static void one_section(wb *b, int id, ...) {
  wb c = {0};
  va_list ap;
  wb_header(b);
  va_start(ap, id);
  for (int v = va_arg(ap, int); v >= 0; v = va_arg(ap, int)) {
    uint8_t x = (uint8_t)v;
    wb_raw(&c, &x, 1);
  }
  va_end(ap);
  wb_section(b, id, &c);
}

/* ---- header ------------------------------------------------------------- */

static void test_header(void **state) {
  (void)state;
  loam_error err;
  wb b = {0};
  wb_header(&b);
  wasm_module *m = dec(&b, &err);
  assert_non_null(m);
  assert_int_equal(m->nfuncs, 0);
  assert_int_equal(m->len, 8);
  wasm_module_free(m);
  wb_free(&b);

  expect_malformed((const uint8_t *)"", 0, "unexpected end");
  expect_malformed((const uint8_t *)"\x01", 1, "unexpected end");
  expect_malformed((const uint8_t *)"\0as", 3, "unexpected end");
  expect_malformed((const uint8_t *)"asm\0", 4, "magic header not detected");
  expect_malformed((const uint8_t *)"\0ASM\1\0\0\0", 8, "magic header not detected");
  expect_malformed((const uint8_t *)"\0asm", 4, "unexpected end");
  expect_malformed((const uint8_t *)"\0asm\1\0\0", 7, "unexpected end");
  expect_malformed((const uint8_t *)"\0asm\2\0\0\0", 8, "unknown binary version");
  expect_malformed((const uint8_t *)"\0asm\0\0\0\1", 8, "unknown binary version");
}

static void test_message_format(void **state) {
  (void)state;
  loam_error err;
  wb b = {0};
  one_section(&b, 1, 1, 0x61, 0, 0, -1); /* bad functype form at 0x0b */
  assert_null(dec(&b, &err));
  assert_string_equal(err.message, "section type at offset 0xb: malformed function type");
  wb_free(&b);
}

/* ---- section framing ------------------------------------------------------ */

static void test_section_framing(void **state) {
  (void)state;
  wb b = {0};
  wb_header(&b);
  wb_bytes(&b, 0x0d, 0x00, -1);
  expect_wb_malformed(&b, "malformed section id");

  wb_header(&b);
  wb_bytes(&b, 0x7f, 0x00, -1);
  expect_wb_malformed(&b, "malformed section id");

  /* type section of size 5 whose contents take 4 */
  wb_header(&b);
  wb_bytes(&b, 1, 5, 1, 0x60, 0, 0, 0, -1);
  expect_wb_malformed(&b, "section size mismatch");

  /* 1 type declared, 2 given */
  wb_header(&b);
  wb_bytes(&b, 1, 7, 1, 0x60, 0, 0, 0x60, 0, 0, -1);
  expect_wb_malformed(&b, "section size mismatch");

  /* section size past the end of the file */
  wb_header(&b);
  wb_bytes(&b, 1, 7, 2, 0x60, 0, 0, -1);
  expect_wb_malformed(&b, "length out of bounds");

  /* a vector count past the end: no huge allocation, just an error */
  wb_header(&b);
  wb_bytes(&b, 1, 6, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x60, -1);
  expect_wb_malformed(&b, "length out of bounds");

  /* memory section: one memory declared, none given */
  wb_header(&b);
  wb_bytes(&b, 5, 1, 1, -1);
  expect_wb_malformed(&b, "unexpected end of section or function");

  /* concatenated modules: the second header reads as a huge custom section */
  wb_header(&b);
  wb_header(&b);
  expect_wb_malformed(&b, "length out of bounds");
}

static void test_section_order(void **state) {
  (void)state;
  wb b = {0};
  /* function section before type section */
  wb_header(&b);
  wb_bytes(&b, 3, 1, 0, 1, 1, 0, -1);
  expect_wb_malformed(&b, "unexpected content after last section");

  /* two start sections */
  wb_header(&b);
  wb_bytes(&b, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 8, 1, 0, 8, 1, 0, -1);
  wb_bytes(&b, 10, 4, 1, 2, 0, 0x0b, -1);
  expect_wb_malformed(&b, "unexpected content after last section");

  /* data count (12) must precede code (10) */
  wb_header(&b);
  wb_bytes(&b, 10, 1, 0, 12, 1, 0, -1);
  expect_wb_malformed(&b, "unexpected content after last section");

  /* ...and is fine before it; custom sections go anywhere */
  loam_error err;
  wb_header(&b);
  wb_bytes(&b, 0, 2, 1, 'a', 12, 1, 0, 0, 2, 1, 'b', 10, 1, 0, 11, 1, 0, 0, 2, 1, 'c', -1);
  wasm_module *m = dec(&b, &err);
  assert_non_null(m);
  assert_true(m->has_datacount);
  assert_int_equal(m->datacount, 0);
  assert_int_equal(m->ncustoms, 3);
  assert_string_equal(m->customs[0].name, "a");
  assert_string_equal(m->customs[2].name, "c");
  wasm_module_free(m);
  wb_free(&b);
}

/* ---- LEB128 ---------------------------------------------------------------- */

static void test_leb(void **state) {
  (void)state;
  wb b = {0};
  loam_error err;
  /* non-minimal but in range: fine */
  one_section(&b, 5, 1, 0, 0x82, 0x80, 0x80, 0x80, 0x00, -1);
  wasm_module *m = dec(&b, &err);
  assert_non_null(m);
  assert_int_equal(m->mems[0].min, 2);
  wasm_module_free(m);
  wb_free(&b);

  one_section(&b, 5, 1, 0, 0x82, 0x80, 0x80, 0x80, 0x80, 0x00, -1);
  expect_wb_malformed(&b, "integer representation too long");
  one_section(&b, 5, 1, 0, 0x82, 0x80, 0x80, 0x80, 0x70, -1);
  expect_wb_malformed(&b, "integer too large");
  one_section(&b, 5, 1, 0, 0x82, 0x80, 0x80, 0x80, 0x40, -1);
  expect_wb_malformed(&b, "integer too large");
  /* signed: i32.const 0 with unused bits set / -1 with unused bits unset */
  one_section(&b, 6, 1, 0x7f, 0, 0x41, 0x80, 0x80, 0x80, 0x80, 0x70, 0x0b, -1);
  expect_wb_malformed(&b, "integer too large");
  one_section(&b, 6, 1, 0x7f, 0, 0x41, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x0b, -1);
  expect_wb_malformed(&b, "integer too large");
  one_section(&b, 6, 1, 0x7e, 0, 0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
              0x80, 0x80, 0x7e, 0x0b, -1);
  expect_wb_malformed(&b, "integer too large");
  /* a functype form as a 2-byte LEB */
  one_section(&b, 1, 1, 0xe0, 0x7f, 0, 0, -1);
  expect_wb_malformed(&b, "integer representation too long");
}

/* ---- types, imports, simple sections ----------------------------------------- */

static void test_types(void **state) {
  (void)state;
  wb b = {0}, c = {0};
  loam_error err;
  wb_header(&b);
  wb_bytes(&c, 3, 0x60, 2, 0x7f, 0x7e, 1, 0x7d, 0x60, 0, 0, 0x60, 2, 0x7f, 0x7e, 1,
           0x7d, -1);
  wb_section(&b, 1, &c);
  wasm_module *m = dec(&b, &err);
  assert_non_null(m);
  assert_int_equal(m->ntypes, 3);
  assert_int_equal(m->types[0].nparams, 2);
  assert_int_equal(m->types[0].nresults, 1);
  assert_int_equal(wasm_functype_params(&m->types[0])[1], LOAM_I64);
  assert_int_equal(wasm_functype_results(&m->types[0])[0], LOAM_F32);
  assert_int_equal(m->types[0].sig_id, m->types[2].sig_id);
  assert_int_not_equal(m->types[0].sig_id, m->types[1].sig_id);
  assert_int_not_equal(m->types[1].sig_id, 0);
  wasm_module_free(m);
  wb_free(&b);

  one_section(&b, 1, 1, 0x60, 1, 0x40, 0, -1);
  expect_wb_malformed(&b, "malformed value type");
}

static void test_imports(void **state) {
  (void)state;
  wb b = {0}, c = {0};
  loam_error err;
  wb_header(&b);
  wb_bytes(&c, 1, 0x60, 0, 0, -1);
  wb_section(&b, 1, &c);
  wb_u32(&c, 5);
  wb_name(&c, "env"), wb_name(&c, "f"), wb_bytes(&c, 0, 0, -1);
  wb_name(&c, "env"), wb_name(&c, "t"), wb_bytes(&c, 1, 0x6f, 1, 2, 10, -1);
  wb_name(&c, "env"), wb_name(&c, "m"), wb_bytes(&c, 2, 0, 1, -1);
  wb_name(&c, "env"), wb_name(&c, "g"), wb_bytes(&c, 3, 0x7e, 1, -1);
  wb_name(&c, "\xc3\xa9t\xc3\xa9"), wb_name(&c, ""), wb_bytes(&c, 0, 0, -1);
  wb_section(&b, 2, &c);
  wasm_module *m = dec(&b, &err);
  assert_non_null(m);
  assert_int_equal(m->nimports, 5);
  assert_int_equal(m->nfuncs, 2);
  assert_int_equal(m->nfunc_imports, 2);
  assert_int_equal(m->funcs[1].type, 0);
  assert_int_equal(m->ntables, 1);
  assert_int_equal(m->tables[0].elemtype, LOAM_EXTERNREF);
  assert_true(m->tables[0].limits.has_max);
  assert_int_equal(m->tables[0].limits.min, 2);
  assert_int_equal(m->tables[0].limits.max, 10);
  assert_int_equal(m->nmems, 1);
  assert_false(m->mems[0].has_max);
  assert_int_equal(m->mems[0].min, 1);
  assert_int_equal(m->nglobals, 1);
  assert_int_equal(m->globals[0].type.valtype, LOAM_I64);
  assert_true(m->globals[0].type.mutable_);
  assert_string_equal(m->imports[2].name, "m");
  assert_string_equal(m->imports[4].module, "\xc3\xa9t\xc3\xa9");
  wasm_module_free(m);
  wb_free(&b);

  one_section(&b, 2, 1, 0, 0, 4, -1);
  expect_wb_malformed(&b, "malformed import kind");
  one_section(&b, 2, 1, 0, 0, 0x80, 0, -1);
  expect_wb_malformed(&b, "malformed import kind");
  one_section(&b, 2, 1, 1, 0x80, 0, 0, 0, -1);
  expect_wb_malformed(&b, "malformed UTF-8 encoding");
  /* overlong encoding of '/', a surrogate, a code point past U+10FFFF */
  one_section(&b, 2, 1, 2, 0xc0, 0xaf, 0, 0, 0, -1);
  expect_wb_malformed(&b, "malformed UTF-8 encoding");
  one_section(&b, 2, 1, 0, 3, 0xed, 0xa0, 0x80, 0, 0, -1);
  expect_wb_malformed(&b, "malformed UTF-8 encoding");
  one_section(&b, 2, 1, 0, 4, 0xf4, 0x90, 0x80, 0x80, 0, 0, -1);
  expect_wb_malformed(&b, "malformed UTF-8 encoding");
  one_section(&b, 2, 1, 0, 2, 0xe2, 0x82, 0, 0, -1); /* truncated sequence */
  expect_wb_malformed(&b, "malformed UTF-8 encoding");
  /* import section cut after the names */
  one_section(&b, 2, 1, 0, 0, -1);
  expect_wb_malformed(&b, "unexpected end");
}

static void test_tables_memories_globals(void **state) {
  (void)state;
  wb b = {0};
  loam_error err;
  one_section(&b, 4, 2, 0x70, 0, 1, 0x6f, 1, 0, 0, -1);
  wasm_module *m = dec(&b, &err);
  assert_non_null(m);
  assert_int_equal(m->ntables, 2);
  assert_int_equal(m->tables[0].elemtype, LOAM_FUNCREF);
  assert_int_equal(m->tables[0].limits.min, 1);
  assert_true(m->tables[1].limits.has_max);
  wasm_module_free(m);
  wb_free(&b);

  one_section(&b, 4, 1, 0x7f, 0, 0, -1);
  expect_wb_malformed(&b, "malformed reference type");
  one_section(&b, 4, 1, 0x70, 2, 0, -1);
  expect_wb_malformed(&b, "integer too large");
  one_section(&b, 4, 1, 0x70, 0x81, 0, 0, 0, -1);
  expect_wb_malformed(&b, "integer representation too long");
  one_section(&b, 5, 1, 2, -1);
  expect_wb_malformed(&b, "integer too large");
  one_section(&b, 5, 1, 0x81, 0x01, 0, 0, -1);
  expect_wb_malformed(&b, "integer representation too long");
  one_section(&b, 6, 1, 0x7f, 2, 0x41, 0, 0x0b, -1);
  expect_wb_malformed(&b, "malformed mutability");
  one_section(&b, 6, 2, 0x7f, 0, 0x41, 0, 0x0b, -1);
  expect_wb_malformed(&b, "unexpected end");

  one_section(&b, 5, 1, 1, 1, 3, -1);
  m = dec(&b, &err);
  assert_non_null(m);
  assert_true(m->mems[0].has_max);
  assert_int_equal(m->mems[0].max, 3);
  wasm_module_free(m);
  wb_free(&b);
}

/* ---- constant expressions ------------------------------------------------------- */

static wasm_module *one_global(const char *what, ...) {
  wb b = {0}, c = {0};
  va_list ap;
  loam_error err;
  (void)what;
  wb_header(&b);
  wb_bytes(&c, 1, 0x7f, 0, -1);
  va_start(ap, what);
  for (int v = va_arg(ap, int); v >= 0; v = va_arg(ap, int)) {
    uint8_t x = (uint8_t)v;
    wb_raw(&c, &x, 1);
  }
  va_end(ap);
  wb_section(&b, 6, &c);
  wasm_module *m = dec(&b, &err);
  wb_free(&b);
  return m;
}

static void test_constexprs(void **state) {
  (void)state;
  struct { const char *what; wasm_module *m; wasm_constkind kind; uint64_t bits; } cases[] = {
      {"i32", one_global("", 0x41, 0x7f, 0x0b, -1), WASM_CONST_I32, 0xffffffffu},
      {"i64", one_global("", 0x42, 0x80, 0x01, 0x0b, -1), WASM_CONST_I64, 128},
      {"f32", one_global("", 0x43, 0, 0, 0x80, 0x3f, 0x0b, -1), WASM_CONST_F32, 0x3f800000},
      {"f64", one_global("", 0x44, 1, 2, 3, 4, 5, 6, 7, 8, 0x0b, -1), WASM_CONST_F64,
       0x0807060504030201ull},
      {"ref.null", one_global("", 0xd0, 0x6f, 0x0b, -1), WASM_CONST_REF_NULL, 0},
      {"ref.func", one_global("", 0xd2, 3, 0x0b, -1), WASM_CONST_REF_FUNC, 0},
      {"global.get", one_global("", 0x23, 7, 0x0b, -1), WASM_CONST_GLOBAL_GET, 0},
      {"i32.add", one_global("", 0x41, 1, 0x41, 2, 0x6a, 0x0b, -1), WASM_CONST_INVALID, 0},
      {"nop", one_global("", 0x01, 0x0b, -1), WASM_CONST_INVALID, 0},
      {"two consts", one_global("", 0x41, 1, 0x41, 2, 0x0b, -1), WASM_CONST_ARITY, 0},
      {"empty", one_global("", 0x0b, -1), WASM_CONST_ARITY, 0},
      {"block", one_global("", 0x02, 0x7f, 0x41, 1, 0x0b, 0x0b, -1), WASM_CONST_INVALID, 0},
      {"memarg+fc", one_global("", 0x41, 0, 0x28, 2, 0, 0xfc, 0, 0xfc, 10, 0, 0,
                               0x0e, 1, 0, 0, 0x0b, -1), WASM_CONST_INVALID, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    wasm_module *m = cases[i].m;
    if (!m) fail_msg("%s: did not decode", cases[i].what);
    const wasm_constexpr *c = &m->globals[0].init;
    if (c->kind != cases[i].kind) fail_msg("%s: kind %d", cases[i].what, c->kind);
    assert_int_equal(c->offset, 8 + 2 + 1 + 2);
    if (c->kind <= WASM_CONST_F64 && c->kind != WASM_CONST_INVALID)
      assert_int_equal(c->bits, cases[i].bits);
    wasm_module_free(m);
  }
  wasm_module *m = one_global("", 0xd2, 3, 0x0b, -1);
  assert_int_equal(m->globals[0].init.index, 3);
  wasm_module_free(m);
  m = one_global("", 0xd0, 0x70, 0x0b, -1);
  assert_int_equal(m->globals[0].init.type, LOAM_FUNCREF);
  wasm_module_free(m);

  wb b = {0};
  one_section(&b, 6, 1, 0x7f, 0, 0xd0, 0x7f, 0x0b, -1);
  expect_wb_malformed(&b, "malformed reference type");
  one_section(&b, 6, 1, 0x7f, 0, 0xf3, 0x0b, -1);
  expect_wb_malformed(&b, "illegal opcode");
  one_section(&b, 6, 1, 0x7f, 0, 0xfc, 0x20, 0x0b, -1);
  expect_wb_malformed(&b, "illegal opcode");
  one_section(&b, 6, 1, 0x7f, 0, 0x41, 0, -1); /* no end */
  expect_wb_malformed(&b, "unexpected end");
}

/* ---- exports, start, functions and code ------------------------------------- */

/* type 0 = [] -> [], type 1 = [i32 i64] -> [] */
static void two_types(wb *b) {
  wb c = {0};
  wb_bytes(&c, 2, 0x60, 0, 0, 0x60, 2, 0x7f, 0x7e, 0, -1);
  wb_section(b, 1, &c);
}

static void test_funcs_code_exports_start(void **state) {
  (void)state;
  wb b = {0}, c = {0};
  loam_error err;
  wb_header(&b);
  two_types(&b);
  wb_bytes(&c, 2, 0, 1, -1);
  wb_section(&b, 3, &c);
  wb_bytes(&c, 2, -1);
  wb_name(&c, "run"), wb_bytes(&c, 0, 1, -1);
  wb_name(&c, "mem"), wb_bytes(&c, 2, 0, -1);
  wb_section(&b, 7, &c);
  wb_bytes(&c, 0, -1);
  wb_section(&b, 8, &c);
  /* body 0: no locals, `end`; body 1: locals 2 x f64 + 1 x i32, nop end */
  wb_bytes(&c, 2, 2, 0, 0x0b, 7, 2, 2, 0x7c, 1, 0x7f, 0x01, 0x0b, -1);
  wb_section(&b, 10, &c);
  wasm_module *m = dec(&b, &err);
  assert_non_null(m);
  assert_int_equal(m->nfuncs, 2);
  assert_int_equal(m->funcs[1].type, 1);
  assert_int_equal(m->funcs[1].nlocals, 3);
  assert_int_equal(m->funcs[1].local_types[0], LOAM_F64);
  assert_int_equal(m->funcs[1].local_types[2], LOAM_I32);
  assert_int_equal(m->funcs[1].body.len, 2);
  assert_int_equal(m->bytes[m->funcs[1].body.off], 0x01);
  assert_int_equal(m->funcs[0].body.len, 1);
  assert_int_equal(m->bytes[m->funcs[0].body.off], 0x0b);
  assert_int_equal(m->nexports, 2);
  assert_string_equal(m->exports[0].name, "run");
  assert_int_equal(m->exports[0].index, 1);
  assert_int_equal(m->exports[1].kind, LOAM_EXTERN_MEMORY);
  assert_true(m->has_start);
  assert_int_equal(m->start, 0);
  wasm_module_free(m);
  wb_free(&b);

  one_section(&b, 7, 1, 1, 'x', 4, 0, -1);
  expect_wb_malformed(&b, "malformed export kind");
}

static void test_code_errors(void **state) {
  (void)state;
  wb b = {0};
  /* function section without code */
  wb_header(&b);
  two_types(&b);
  wb_bytes(&b, 3, 3, 2, 0, 0, -1);
  expect_wb_malformed(&b, "function and code section have inconsistent lengths");
  /* code without function section */
  wb_header(&b);
  wb_bytes(&b, 10, 4, 1, 2, 0, 0x0b, -1);
  expect_wb_malformed(&b, "function and code section have inconsistent lengths");
  /* counts differ */
  wb_header(&b);
  two_types(&b);
  wb_bytes(&b, 3, 2, 1, 0, 10, 7, 2, 2, 0, 0x0b, 2, 0, 0x0b, -1);
  expect_wb_malformed(&b, "function and code section have inconsistent lengths");
  /* 2^32 - 1 + 2 locals */
  wb_header(&b);
  two_types(&b);
  wb_bytes(&b, 3, 2, 1, 0, 10, 12, 1, 10, 2, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 2,
           0x7e, 0x0b, -1);
  expect_wb_malformed(&b, "too many locals");
  /* more than the engine's limit */
  wb_header(&b);
  two_types(&b);
  wb c = {0}, body = {0};
  wb_bytes(&c, 1, 0, -1);
  wb_section(&b, 3, &c);
  wb_bytes(&body, 1, -1);
  wb_u32(&body, WASM_MAX_LOCALS + 1);
  wb_bytes(&body, 0x7f, 0x0b, -1);
  wb_bytes(&c, 1, -1);
  wb_u32(&c, body.len);
  wb_raw(&c, body.p, body.len);
  wb_free(&body);
  wb_section(&b, 10, &c);
  expect_wb_malformed(&b, "too many locals");
  /* local count wider than 32 bits */
  wb_header(&b);
  two_types(&b);
  wb_bytes(&b, 3, 2, 1, 0, 10, 12, 1, 10, 2, 0x80, 0x80, 0x80, 0x80, 0x10, 0x7f, 2,
           0x7e, 0x0b, -1);
  expect_wb_malformed(&b, "integer too large");
  /* locals running past their body */
  wb_header(&b);
  two_types(&b);
  wb_bytes(&b, 3, 2, 1, 0, 10, 4, 1, 2, 1, 1, 0x7f, -1);
  expect_wb_malformed(&b, "unexpected end");
}

/* ---- element and data segments ------------------------------------------------ */

static void test_elems(void **state) {
  (void)state;
  wb b = {0}, c = {0};
  loam_error err;
  wb_header(&b);
  wb_bytes(&c, 8, -1);
  wb_bytes(&c, 0, 0x41, 1, 0x0b, 2, 0, 1, -1);               /* 0: active, indices */
  wb_bytes(&c, 1, 0, 1, 5, -1);                              /* 1: passive */
  wb_bytes(&c, 2, 3, 0x41, 2, 0x0b, 0, 1, 0, -1);           /* 2: table 3 */
  wb_bytes(&c, 3, 0, 2, 0, 1, -1);                           /* 3: declarative */
  wb_bytes(&c, 4, 0x41, 0, 0x0b, 2, 0xd2, 0, 0x0b, 0xd0, 0x70, 0x0b, -1); /* 4 */
  wb_bytes(&c, 5, 0x6f, 1, 0xd0, 0x6f, 0x0b, -1);            /* 5: passive exprs */
  wb_bytes(&c, 6, 1, 0x41, 4, 0x0b, 0x70, 0, -1);            /* 6: table 1, none */
  wb_bytes(&c, 7, 0x70, 1, 0xd2, 9, 0x0b, -1);               /* 7: declarative */
  wb_section(&b, 9, &c);
  wasm_module *m = dec(&b, &err);
  if (!m) fail_msg("%s", err.message);
  assert_int_equal(m->nelems, 8);
  const wasm_elem *e = m->elems;
  assert_int_equal(e[0].mode, WASM_SEG_ACTIVE);
  assert_int_equal(e[0].table, 0);
  assert_int_equal(e[0].offset.kind, WASM_CONST_I32);
  assert_int_equal(e[0].offset.bits, 1);
  assert_int_equal(e[0].count, 2);
  assert_int_equal(e[0].items[1].kind, WASM_CONST_REF_FUNC);
  assert_int_equal(e[0].items[1].index, 1);
  assert_int_equal(e[1].mode, WASM_SEG_PASSIVE);
  assert_int_equal(e[1].items[0].index, 5);
  assert_int_equal(e[2].table, 3);
  assert_int_equal(e[2].offset.bits, 2);
  assert_int_equal(e[3].mode, WASM_SEG_DECLARATIVE);
  assert_int_equal(e[3].count, 2);
  assert_int_equal(e[4].elemtype, LOAM_FUNCREF);
  assert_int_equal(e[4].items[0].kind, WASM_CONST_REF_FUNC);
  assert_int_equal(e[4].items[1].kind, WASM_CONST_REF_NULL);
  assert_int_equal(e[5].mode, WASM_SEG_PASSIVE);
  assert_int_equal(e[5].elemtype, LOAM_EXTERNREF);
  assert_int_equal(e[6].table, 1);
  assert_int_equal(e[6].count, 0);
  assert_int_equal(e[7].mode, WASM_SEG_DECLARATIVE);
  assert_int_equal(e[7].items[0].index, 9);
  wasm_module_free(m);
  wb_free(&b);

  one_section(&b, 9, 1, 8, -1);
  expect_wb_malformed(&b, "malformed elements segment kind");
  one_section(&b, 9, 1, 1, 1, 0, -1);
  expect_wb_malformed(&b, "malformed element kind");
  one_section(&b, 9, 1, 5, 0x7f, 1, 0xd2, 0, 0x0b, -1);
  expect_wb_malformed(&b, "malformed reference type");
  one_section(&b, 9, 2, 0, 0x41, 0, 0x0b, 1, 0, -1);
  expect_wb_malformed(&b, "unexpected end");
}

static void test_datas(void **state) {
  (void)state;
  wb b = {0};
  loam_error err;
  wb_header(&b);
  wb_bytes(&b, 12, 1, 3, -1);
  wb_bytes(&b, 11, 17, 3, 0, 0x41, 8, 0x0b, 2, 'h', 'i', 1, 1, 'x', 2, 0, 0x41, 0,
           0x0b, 0, -1);
  wasm_module *m = dec(&b, &err);
  if (!m) fail_msg("%s", err.message);
  assert_int_equal(m->ndatas, 3);
  assert_int_equal(m->datas[0].mode, WASM_SEG_ACTIVE);
  assert_int_equal(m->datas[0].offset.bits, 8);
  assert_int_equal(m->datas[0].bytes.len, 2);
  assert_memory_equal(m->bytes + m->datas[0].bytes.off, "hi", 2);
  assert_int_equal(m->datas[1].mode, WASM_SEG_PASSIVE);
  assert_int_equal(m->bytes[m->datas[1].bytes.off], 'x');
  assert_int_equal(m->datas[2].memory, 0);
  assert_int_equal(m->datas[2].bytes.len, 0);
  wasm_module_free(m);
  wb_free(&b);

  wb_header(&b);
  wb_bytes(&b, 12, 1, 3, 11, 5, 2, 1, 0, 1, 0, -1);
  expect_wb_malformed(&b, "data count and data section have inconsistent lengths");
  wb_header(&b);
  wb_bytes(&b, 12, 1, 1, -1);
  expect_wb_malformed(&b, "data count and data section have inconsistent lengths");
  one_section(&b, 11, 1, 3, -1);
  expect_wb_malformed(&b, "malformed data segment kind");
  /* 7 bytes declared, 6 given */
  one_section(&b, 11, 1, 0, 0x41, 3, 0x0b, 7, 'a', 'b', 'c', 'd', 'e', 'f', -1);
  expect_wb_malformed(&b, "unexpected end of section or function");
  /* 5 declared, 6 given */
  one_section(&b, 11, 1, 0, 0x41, 3, 0x0b, 5, 'a', 'b', 'c', 'd', 'e', 'f', -1);
  expect_wb_malformed(&b, "section size mismatch");
}

/* ---- custom and name sections -------------------------------------------------- */

static void name_section(wb *b, int broken) {
  wb c = {0}, sub = {0};
  wb_name(&c, "name");
  wb_name(&sub, "mymod");
  wb_bytes(&c, 0, -1);
  wb_u32(&c, sub.len);
  wb_raw(&c, sub.p, sub.len);
  wb_free(&sub);
  wb_bytes(&sub, 2, 1, -1);
  wb_name(&sub, "second");
  wb_bytes(&sub, 0, -1);
  wb_name(&sub, broken ? "\xff" : "first");
  wb_bytes(&c, 1, -1);
  wb_u32(&c, sub.len);
  wb_raw(&c, sub.p, sub.len);
  wb_free(&sub);
  wb_section(b, 0, &c);
}

static void test_names(void **state) {
  (void)state;
  for (int broken = 0; broken < 2; broken++) {
    wb b = {0}, c = {0};
    loam_error err;
    wb_header(&b);
    two_types(&b);
    name_section(&b, broken); /* before the functions exist: applied at the end */
    wb_bytes(&c, 2, 0, 0, -1);
    wb_section(&b, 3, &c);
    wb_bytes(&c, 2, 2, 0, 0x0b, 2, 0, 0x0b, -1);
    wb_section(&b, 10, &c);
    wasm_module *m = dec(&b, &err);
    if (!m) fail_msg("%s", err.message);
    assert_string_equal(m->name, "mymod");
    assert_string_equal(m->funcs[1].name, "second");
    if (broken) assert_null(m->funcs[0].name);
    else assert_string_equal(m->funcs[0].name, "first");
    wasm_module_free(m);
    wb_free(&b);
  }
  /* garbage in the name section is not an error */
  wb b = {0};
  loam_error err;
  wb_header(&b);
  wb_bytes(&b, 0, 8, 4, 'n', 'a', 'm', 'e', 1, 0xff, 0xff, -1);
  wasm_module *m = dec(&b, &err);
  assert_non_null(m);
  wasm_module_free(m);
  wb_free(&b);

  /* custom section whose name runs past its size */
  wb_header(&b);
  wb_bytes(&b, 0, 0, 5, 'a', 'b', 'c', 'd', 'e', -1);
  expect_wb_malformed(&b, "unexpected end");
  wb_header(&b);
  wb_bytes(&b, 0, 3, 2, 0xc0, 0x80, -1);
  expect_wb_malformed(&b, "malformed UTF-8 encoding");
}

/* ---- robustness ---------------------------------------------------------------- */

/* A module with something in every section. */
static void rich_module(wb *b) {
  wb c = {0};
  wb_header(b);
  two_types(b);
  wb_u32(&c, 2);
  wb_name(&c, "env"), wb_name(&c, "f"), wb_bytes(&c, 0, 1, -1);
  wb_name(&c, "env"), wb_name(&c, "g"), wb_bytes(&c, 3, 0x7f, 0, -1);
  wb_section(b, 2, &c);
  wb_bytes(&c, 1, 0, -1);
  wb_section(b, 3, &c);
  wb_bytes(&c, 1, 0x70, 1, 1, 4, -1);
  wb_section(b, 4, &c);
  wb_bytes(&c, 1, 1, 1, 2, -1);
  wb_section(b, 5, &c);
  wb_bytes(&c, 1, 0x7e, 1, 0x42, 0x7f, 0x0b, -1);
  wb_section(b, 6, &c);
  wb_bytes(&c, 1, -1);
  wb_name(&c, "run");
  wb_bytes(&c, 0, 1, -1);
  wb_section(b, 7, &c);
  wb_bytes(&c, 1, -1);
  wb_section(b, 8, &c);
  wb_bytes(&c, 2, 0, 0x23, 0, 0x0b, 1, 1, 5, 0x70, 1, 0xd2, 0, 0x0b, -1);
  wb_section(b, 9, &c);
  wb_bytes(&c, 1, -1);
  wb_section(b, 12, &c);
  wb_bytes(&c, 1, 6, 1, 1, 0x7f, 0x41, 0, 0x0b, -1);
  wb_section(b, 10, &c);
  wb_bytes(&c, 1, 0, 0x41, 1, 0x0b, 3, 'a', 'b', 'c', -1);
  wb_section(b, 11, &c);
  name_section(b, 0);
}

static void test_rich_module(void **state) {
  (void)state;
  wb b = {0};
  loam_error err;
  rich_module(&b);
  wasm_module *m = dec(&b, &err);
  if (!m) fail_msg("%s", err.message);
  assert_int_equal(m->nfuncs, 2);
  assert_int_equal(m->nglobals, 2);
  assert_int_equal(m->globals[1].init.kind, WASM_CONST_I64);
  assert_int_equal(m->globals[1].init.bits, UINT64_MAX);
  assert_int_equal(m->elems[0].offset.kind, WASM_CONST_GLOBAL_GET);
  assert_string_equal(m->funcs[1].name, "second");
  wasm_module_free(m);
  wb_free(&b);
}

/* Every prefix and many single-byte mutations of a rich module: decoding must
 * fail cleanly or succeed, never crash or read out of bounds (ASan). */
static void test_truncations_and_mutations(void **state) {
  (void)state;
  wb b = {0};
  loam_error err;
  rich_module(&b);
  for (size_t n = 0; n < b.len; n++) {
    uint8_t *copy = malloc(n ? n : 1); /* exact size so ASan sees overreads */
    memcpy(copy, b.p, n);
    wasm_module *m = wasm_decode(copy, n, &err);
    if (m) wasm_module_free(m);
    else assert_int_not_equal(err.message[0], '\0');
    free(copy);
  }
  uint8_t *copy = malloc(b.len);
  for (size_t i = 8; i < b.len; i++) {
    for (unsigned v = 0; v < 256; v++) {
      memcpy(copy, b.p, b.len);
      copy[i] = (uint8_t)v;
      wasm_module *m = wasm_decode(copy, b.len, &err);
      wasm_module_free(m);
    }
  }
  free(copy);
  wb_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_header),
      cmocka_unit_test(test_message_format),
      cmocka_unit_test(test_section_framing),
      cmocka_unit_test(test_section_order),
      cmocka_unit_test(test_leb),
      cmocka_unit_test(test_types),
      cmocka_unit_test(test_imports),
      cmocka_unit_test(test_tables_memories_globals),
      cmocka_unit_test(test_constexprs),
      cmocka_unit_test(test_funcs_code_exports_start),
      cmocka_unit_test(test_code_errors),
      cmocka_unit_test(test_elems),
      cmocka_unit_test(test_datas),
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_rich_module),
      cmocka_unit_test(test_truncations_and_mutations),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
