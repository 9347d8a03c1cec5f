/*
 * test_layout.c — golden tests of the type model: canonical ABI size,
 * alignment and flattening of tricky types (values worked out by hand from
 * CanonicalABI.md), aliases, owners, and WIT printing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "loam/types.h"

#define I32 LOAM_CORE_I32
#define I64 LOAM_CORE_I64
#define F32 LOAM_CORE_F32
#define F64 LOAM_CORE_F64

static const loam_type *P(loam_typekind k) { return loam_type_prim(k); }

/* Checks a type's layout against size, align and the flat core types. */
static void check(const loam_type *t, uint32_t size, uint32_t align, uint32_t nflat,
                  const uint8_t *flat) {
  assert_non_null(t);
  char buf[256];
  loam_type_print(t, buf, sizeof buf);
  if (t->size != size || t->align != align || t->nflat != nflat)
    fail_msg("%s: size %u align %u nflat %u, expected %u %u %u", buf, t->size,
             t->align, t->nflat, size, align, nflat);
  for (uint32_t i = 0; flat && i < nflat; i++)
    if (t->flat[i] != flat[i])
      fail_msg("%s: flat[%u] = 0x%x, expected 0x%x", buf, i, t->flat[i], flat[i]);
}

#define FLAT(...) ((const uint8_t[]){__VA_ARGS__})

static void test_prims(void **state) {
  (void)state;
  check(P(LOAM_T_BOOL), 1, 1, 1, FLAT(I32));
  check(P(LOAM_T_S16), 2, 2, 1, FLAT(I32));
  check(P(LOAM_T_U32), 4, 4, 1, FLAT(I32));
  check(P(LOAM_T_S64), 8, 8, 1, FLAT(I64));
  check(P(LOAM_T_F32), 4, 4, 1, FLAT(F32));
  check(P(LOAM_T_F64), 8, 8, 1, FLAT(F64));
  check(P(LOAM_T_CHAR), 4, 4, 1, FLAT(I32));
  check(P(LOAM_T_STRING), 8, 4, 2, FLAT(I32, I32));
  assert_null(loam_type_prim(LOAM_T_LIST));
}

static void test_discriminants(void **state) {
  (void)state;
  assert_int_equal(loam_type_discriminant_size(1), 1);
  assert_int_equal(loam_type_discriminant_size(256), 1);
  assert_int_equal(loam_type_discriminant_size(257), 2);
  assert_int_equal(loam_type_discriminant_size(65536), 2);
  assert_int_equal(loam_type_discriminant_size(65537), 4);
  assert_int_equal(loam_type_flags_words(0), 0);
  assert_int_equal(loam_type_flags_words(32), 1);
  assert_int_equal(loam_type_flags_words(33), 2);
}

static void test_variants(void **state) {
  (void)state;
  loam_typectx *cx = loam_typectx_new();
  /* variant{a(f32), b(u64), c(string)}: the first payload slot joins f32,
   * i64 and i32 to i64; the second holds only the string length. */
  loam_field abc[] = {{"a", P(LOAM_T_F32)}, {"b", P(LOAM_T_U64)},
                      {"c", P(LOAM_T_STRING)}};
  check(loam_type_variant(cx, "v", 3, abc), 16, 8, 3, FLAT(I32, I64, I32));
  check(loam_type_option(cx, P(LOAM_T_F32)), 8, 4, 2, FLAT(I32, F32));
  check(loam_type_option(cx, P(LOAM_T_U64)), 16, 8, 2, FLAT(I32, I64));
  check(loam_type_option(cx, loam_type_option(cx, P(LOAM_T_F32))), 12, 4, 3,
        FLAT(I32, I32, F32));
  const loam_type *lu8 = loam_type_list(cx, P(LOAM_T_U8));
  check(lu8, 8, 4, 2, FLAT(I32, I32));
  check(loam_type_result(cx, lu8, P(LOAM_T_STRING)), 12, 4, 3, FLAT(I32, I32, I32));
  check(loam_type_result(cx, NULL, NULL), 1, 1, 1, FLAT(I32));
  check(loam_type_result(cx, NULL, P(LOAM_T_F32)), 8, 4, 2, FLAT(I32, F32));
  check(loam_type_result(cx, P(LOAM_T_U8), P(LOAM_T_F32)), 8, 4, 2, FLAT(I32, I32));
  /* f32 with f64 joins to i64. */
  loam_field ff[] = {{"a", P(LOAM_T_F32)}, {"b", P(LOAM_T_F64)}, {"c", NULL}};
  check(loam_type_variant(cx, NULL, 3, ff), 16, 8, 2, FLAT(I32, I64));
  loam_field f32s[] = {{"a", P(LOAM_T_F32)}, {"b", P(LOAM_T_F32)}};
  check(loam_type_variant(cx, NULL, 2, f32s), 8, 4, 2, FLAT(I32, F32));
  /* Nested: inner {p(f32), q(s8)} = [i32, i32] (8 bytes, align 4);
   * outer {a(inner), b(f64), c} = [i32, join(i32, f64) = i64, i32]. */
  loam_field pq[] = {{"p", P(LOAM_T_F32)}, {"q", P(LOAM_T_S8)}};
  const loam_type *inner = loam_type_variant(cx, "inner", 2, pq);
  check(inner, 8, 4, 2, FLAT(I32, I32));
  loam_field outer[] = {{"a", inner}, {"b", P(LOAM_T_F64)}, {"c", NULL}};
  check(loam_type_variant(cx, "outer", 3, outer), 16, 8, 3, FLAT(I32, I64, I32));
  /* A variant of only payload-less cases is an enum's layout. */
  loam_field none[] = {{"x", NULL}, {"y", NULL}};
  check(loam_type_variant(cx, NULL, 2, none), 1, 1, 1, FLAT(I32));
  loam_typectx_free(cx);
}

static void test_enums_and_big_variants(void **state) {
  (void)state;
  loam_typectx *cx = loam_typectx_new();
  const char *labels[300];
  char names[300][8];
  loam_field cases[300];
  for (int i = 0; i < 300; i++) {
    snprintf(names[i], sizeof names[i], "c%d", i);
    labels[i] = names[i];
    cases[i] = (loam_field){names[i], i == 7 ? P(LOAM_T_U16) : NULL};
  }
  check(loam_type_enum(cx, "e", 3, labels), 1, 1, 1, FLAT(I32));
  check(loam_type_enum(cx, "e", 256, labels), 1, 1, 1, FLAT(I32));
  check(loam_type_enum(cx, "e", 257, labels), 2, 2, 1, FLAT(I32));
  check(loam_type_variant(cx, "v", 300, cases), 4, 2, 2, FLAT(I32, I32));
  check(loam_type_variant(cx, "v", 8, cases), 4, 2, 2, FLAT(I32, I32));
  loam_typectx_free(cx);
}

static void test_flags(void **state) {
  (void)state;
  loam_typectx *cx = loam_typectx_new();
  const char *labels[40];
  char names[40][8];
  for (int i = 0; i < 40; i++) {
    snprintf(names[i], sizeof names[i], "f%d", i);
    labels[i] = names[i];
  }
  check(loam_type_flags(cx, "f", 0, labels), 0, 1, 0, NULL);
  check(loam_type_flags(cx, "f", 1, labels), 1, 1, 1, FLAT(I32));
  check(loam_type_flags(cx, "f", 8, labels), 1, 1, 1, FLAT(I32));
  check(loam_type_flags(cx, "f", 9, labels), 2, 2, 1, FLAT(I32));
  check(loam_type_flags(cx, "f", 16, labels), 2, 2, 1, FLAT(I32));
  check(loam_type_flags(cx, "f", 17, labels), 4, 4, 1, FLAT(I32));
  check(loam_type_flags(cx, "f", 32, labels), 4, 4, 1, FLAT(I32));
  check(loam_type_flags(cx, "f", 33, labels), 8, 4, 2, FLAT(I32, I32));
  loam_typectx_free(cx);
}

static void test_records_and_tuples(void **state) {
  (void)state;
  loam_typectx *cx = loam_typectx_new();
  loam_field in[] = {{"a", P(LOAM_T_U8)}, {"b", P(LOAM_T_U32)}};
  const loam_type *inner = loam_type_record(cx, "inner", 2, in);
  check(inner, 8, 4, 2, FLAT(I32, I32));
  /* x@0, in@4..12, y@12..14, z@16..24. */
  loam_field out[] = {{"x", P(LOAM_T_U8)}, {"in", inner}, {"y", P(LOAM_T_U16)},
                      {"z", P(LOAM_T_U64)}};
  const loam_type *outer = loam_type_record(cx, "outer", 4, out);
  check(outer, 24, 8, 5, FLAT(I32, I32, I32, I32, I64));
  loam_field oo[] = {{"o", outer}, {"t", P(LOAM_T_U8)}};
  check(loam_type_record(cx, "oo", 2, oo), 32, 8, 6,
        FLAT(I32, I32, I32, I32, I64, I32));
  check(loam_type_record(cx, "empty", 0, NULL), 0, 1, 0, NULL);
  check(loam_type_tuple(cx, 0, NULL), 0, 1, 0, NULL);

  const loam_type *u8s[17], *strs[9];
  for (int i = 0; i < 17; i++) u8s[i] = P(LOAM_T_U8);
  for (int i = 0; i < 9; i++) strs[i] = P(LOAM_T_STRING);
  const loam_type *t17 = loam_type_tuple(cx, 17, u8s);
  check(t17, 17, 1, 17, NULL);
  for (int i = 0; i < 17; i++) assert_int_equal(t17->flat[i], I32);
  check(loam_type_tuple(cx, 9, strs), 72, 4, 18, NULL);
  const loam_type *mixed[] = {P(LOAM_T_U8), P(LOAM_T_F64), P(LOAM_T_U16)};
  check(loam_type_tuple(cx, 3, mixed), 24, 8, 3, FLAT(I32, F64, I32));
  loam_typectx_free(cx);
}

static void test_handles_and_alias(void **state) {
  (void)state;
  loam_typectx *cx = loam_typectx_new();
  const loam_type *r = loam_type_resource(cx, "cart");
  assert_int_equal(r->kind, LOAM_T_RESOURCE);
  check(loam_type_handle(cx, LOAM_T_OWN, r), 4, 4, 1, FLAT(I32));
  check(loam_type_handle(cx, LOAM_T_BORROW, r), 4, 4, 1, FLAT(I32));
  assert_null(loam_type_handle(cx, LOAM_T_LIST, r));
  loam_field in[] = {{"a", P(LOAM_T_U8)}, {"b", P(LOAM_T_U32)}};
  const loam_type *rec = loam_type_record(cx, "inner", 2, in);
  const loam_type *al = loam_type_alias(cx, "other", rec);
  assert_string_equal(al->name, "other");
  assert_int_equal(al->kind, LOAM_T_RECORD);
  assert_int_equal(al->u.record.n, 2);
  check(al, 8, 4, 2, FLAT(I32, I32));
  const loam_type *al2 = loam_type_alias(cx, "n", P(LOAM_T_U64));
  check(al2, 8, 8, 1, FLAT(I64));
  assert_true(loam_type_set_owner(cx, rec, "a:b/c@1.0.0"));
  assert_string_equal(rec->owner, "a:b/c@1.0.0");
  assert_false(loam_type_set_owner(cx, P(LOAM_T_U8), "x"));
  loam_typectx_free(cx);
}

static void expect_print(const loam_type *t, const char *want) {
  char buf[256];
  size_t n = loam_type_print(t, buf, sizeof buf);
  assert_string_equal(buf, want);
  assert_int_equal(n, strlen(want));
}

static void test_print(void **state) {
  (void)state;
  loam_typectx *cx = loam_typectx_new();
  const loam_type *tu[] = {P(LOAM_T_U8), P(LOAM_T_STRING)};
  const loam_type *lt = loam_type_list(cx, loam_type_tuple(cx, 2, tu));
  expect_print(lt, "list<tuple<u8, string>>");
  expect_print(loam_type_result(cx, NULL, NULL), "result");
  expect_print(loam_type_result(cx, P(LOAM_T_F32), NULL), "result<f32>");
  expect_print(loam_type_result(cx, NULL, P(LOAM_T_CHAR)), "result<_, char>");
  expect_print(loam_type_result(cx, P(LOAM_T_S64), P(LOAM_T_BOOL)),
               "result<s64, bool>");
  const loam_type *r = loam_type_resource(cx, "cart");
  expect_print(loam_type_option(cx, loam_type_handle(cx, LOAM_T_BORROW, r)),
               "option<borrow<cart>>");
  loam_field in[] = {{"a", P(LOAM_T_U8)}};
  expect_print(loam_type_list(cx, loam_type_record(cx, "item", 1, in)), "list<item>");
  expect_print(loam_type_record(cx, NULL, 1, in), "record { a: u8 }");
  const char *l[] = {"x", "y"};
  expect_print(loam_type_flags(cx, NULL, 2, l), "flags { x, y }");
  /* Truncation: like snprintf, the needed length is returned. */
  char small[5];
  assert_int_equal(loam_type_print(lt, small, sizeof small), 23);
  assert_string_equal(small, "list");
  loam_typectx_free(cx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_prims),
    cmocka_unit_test(test_discriminants),
    cmocka_unit_test(test_variants),
    cmocka_unit_test(test_enums_and_big_variants),
    cmocka_unit_test(test_flags),
    cmocka_unit_test(test_records_and_tuples),
    cmocka_unit_test(test_handles_and_alias),
    cmocka_unit_test(test_print),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
