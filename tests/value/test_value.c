/*
 * test_value.c — value trees: constructors for every kind, zero values,
 * clone, structural equality (floats by bits, aliases by their kind) and
 * freeing (under ASan, leaks fail the run).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "value_fixture.h"
#include <math.h>

static zoo Z;

static int setup(void **state) {
  (void)state;
  zoo_init(&Z);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  zoo_free(&Z);
  return 0;
}

static char *wave(const loam_value *v) {
  char *s = loam_value_to_wave(v);
  assert_non_null(s);
  return s;
}

static void expect_wave(const loam_value *v, const char *want) {
  char *s = wave(v);
  assert_string_equal(s, want);
  free(s);
}

static void test_zero_values(void **state) {
  (void)state;
  struct { const loam_type *t; const char *want; } cases[] = {
      {P(LOAM_T_BOOL), "false"}, {P(LOAM_T_S64), "0"}, {P(LOAM_T_F32), "0"},
      {P(LOAM_T_CHAR), "'\\u{0}'"}, {P(LOAM_T_STRING), "\"\""}, {Z.list_u8, "[]"},
      {Z.point, "{x: 0, y: 0}"}, {Z.point_alias, "{x: 0, y: 0}"}, {Z.tup, "(0, \"\", '\\u{0}')"},
      {Z.opt_u8, "none"}, {Z.res_u8_str, "ok(0)"}, {Z.res_err_only, "ok"},
      {Z.shape, "circle(0)"}, {Z.color, "red"}, {Z.perms, "{}"}, {Z.own, "0"},
      {Z.item, "{name: \"\", price: 0, qty: 0, tags: [], note: none}"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    loam_value *v = loam_value_new(cases[i].t);
    assert_non_null(v);
    assert_ptr_equal(v->type, cases[i].t);
    expect_wave(v, cases[i].want);
    loam_value_free(v);
  }
}

static void test_constructors(void **state) {
  (void)state;
  loam_value *items[3] = {
      loam_value_int(P(LOAM_T_U8), 7),
      loam_value_string("h\0i", 3),
      loam_value_char(0x2603),
  };
  loam_value *t = loam_value_seq(Z.tup, 3, items);
  assert_non_null(t);
  assert_int_equal(t->of.seq.items[1]->of.str.len, 3);
  assert_int_equal(t->of.seq.items[1]->of.str.ptr[3], '\0');  /* NUL appended */
  expect_wave(t, "(7, \"h\\u{0}i\", '\xe2\x98\x83')");

  loam_value *rect[2] = {loam_value_int(P(LOAM_T_S32), -3), loam_value_int(P(LOAM_T_S32), 4)};
  loam_value *s = loam_value_case(Z.shape, 1, loam_value_seq(Z.point, 2, rect));
  expect_wave(s, "rect({x: -3, y: 4})");

  loam_value *u = loam_value_uint(P(LOAM_T_U64), UINT64_MAX);
  expect_wave(u, "18446744073709551615");
  loam_value *b = loam_value_bool(true);
  expect_wave(b, "true");
  loam_value *f = loam_value_f64(-1.25);
  expect_wave(f, "-1.25");
  loam_value *g = loam_value_f32(NAN);
  expect_wave(g, "nan");
  loam_value *fl = loam_value_new(Z.big_flags);
  fl->of.flags.bits[1] |= 1u << 5;  /* f69 */
  expect_wave(fl, "{f69}");
  loam_value *e = loam_value_case(Z.kw_enum, 0, NULL);
  expect_wave(e, "%true");
  loam_value *empty = loam_value_seq(Z.list_u8, 0, NULL);
  expect_wave(empty, "[]");
  loam_value *l = loam_value_seq(Z.list_u8, 1, (loam_value *[]){loam_value_int(P(LOAM_T_U8), 1)});
  expect_wave(l, "[1]");
  loam_value *all[] = {t, s, u, b, f, g, fl, e, empty, l};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) loam_value_free(all[i]);
}

static void test_clone_equal(void **state) {
  (void)state;
  const char *text =
      "[some({orders: [{id: 5, items: [{name: \"a\", price: nan, qty: 3, tags: [\"x\"], "
      "note: some(\"n\")}]}], shape: rect({x: -1, y: 2}), nested: some(none), "
      "res: ok([1, 2]), perms: {read, exec}, t: (7, \"\", 'q'), c: blue, h: 5, k: %none, "
      "big: {f1, f65}}), none]";
  loam_verr err;
  loam_value *v = loam_value_from_wave(Z.deep, text, strlen(text), &err);
  assert_non_null(v);
  loam_value *c = loam_value_clone(v);
  assert_non_null(c);
  assert_true(loam_value_equal(v, c));
  assert_true(loam_value_equal(c, v));
  char *a = wave(v), *b = wave(c);
  assert_string_equal(a, b);
  free(a);
  free(b);
  /* every change somewhere deep breaks equality */
  loam_value *rec = c->of.seq.items[0]->of.var.payload;
  rec->of.seq.items[4]->of.flags.bits[0] ^= 2;  /* perms: write */
  assert_false(loam_value_equal(v, c));
  rec->of.seq.items[4]->of.flags.bits[0] ^= 2;
  assert_true(loam_value_equal(v, c));
  loam_value *price = rec->of.seq.items[0]->of.seq.items[0]->of.seq.items[1]->of.seq.items[0]->of.seq.items[1];
  price->of.f32 = -price->of.f32;  /* -nan: a different bit pattern */
  assert_false(loam_value_equal(v, c));
  price->of.f32 = -price->of.f32;
  assert_true(loam_value_equal(v, c));
  loam_value *name = rec->of.seq.items[0]->of.seq.items[0]->of.seq.items[1]->of.seq.items[0]->of.seq.items[0];
  name->of.str.ptr[0] = 'b';
  assert_false(loam_value_equal(v, c));
  loam_value_free(c);
  loam_value_free(v);
}

static void test_equal_edges(void **state) {
  (void)state;
  loam_value *z1 = loam_value_f64(0.0), *z2 = loam_value_f64(-0.0);
  assert_false(loam_value_equal(z1, z2));  /* by bits */
  loam_value *n1 = loam_value_f64(NAN), *n2 = loam_value_f64(NAN);
  assert_true(loam_value_equal(n1, n2));
  /* an alias and its target hold comparable values */
  loam_value *p1 = loam_value_new(Z.point), *p2 = loam_value_new(Z.point_alias);
  assert_true(loam_value_equal(p1, p2));
  /* different kinds never compare equal, even with equal bits */
  loam_value *i1 = loam_value_int(P(LOAM_T_S32), 1), *i2 = loam_value_int(P(LOAM_T_U32), 1);
  assert_false(loam_value_equal(i1, i2));
  loam_value *s1 = loam_value_string("ab", 2), *s2 = loam_value_string("ab\0", 3);
  assert_false(loam_value_equal(s1, s2));
  loam_value *o1 = loam_value_case(Z.opt_u8, 0, NULL);
  loam_value *o2 = loam_value_case(Z.opt_u8, 1, loam_value_int(P(LOAM_T_U8), 0));
  assert_false(loam_value_equal(o1, o2));
  assert_true(loam_value_equal(NULL, NULL));
  assert_false(loam_value_equal(o1, NULL));
  loam_value *all[] = {z1, z2, n1, n2, p1, p2, i1, i2, s1, s2, o1, o2};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) loam_value_free(all[i]);
  loam_value_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_zero_values),
      cmocka_unit_test(test_constructors),
      cmocka_unit_test(test_clone_equal),
      cmocka_unit_test(test_equal_edges),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
