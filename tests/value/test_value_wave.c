/*
 * test_value_wave.c — WAVE <-> value: canonical round trips for every type
 * kind (nested), accepted alternative forms (flat options/results, comments,
 * omitted option fields, multiline strings), and errors with positions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "value_fixture.h"

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

static void round_trip(const loam_type *t, const char *text, const char *want) {
  loam_verr err = {{0}};
  loam_value *v = loam_value_from_wave(t, text, strlen(text), &err);
  if (!v) fail_msg("parse %s: %s", text, err.message);
  char *out = loam_value_to_wave(v);
  assert_non_null(out);
  assert_string_equal(out, want ? want : text);
  loam_value *again = loam_value_from_wave(t, out, strlen(out), &err);
  if (!again) fail_msg("reparse %s: %s", out, err.message);
  assert_true(loam_value_equal(v, again));
  loam_value_free(again);
  free(out);
  loam_value_free(v);
}

static void bad(const loam_type *t, const char *text, const char *want) {
  loam_verr err = {{0}};
  loam_value *v = loam_value_from_wave(t, text, strlen(text), &err);
  if (v) {
    char *s = loam_value_to_wave(v);
    fail_msg("accepted %s as %s", text, s);
  }
  assert_string_equal(err.message, want);
}

static void test_scalars(void **state) {
  (void)state;
  round_trip(P(LOAM_T_BOOL), "true", NULL);
  round_trip(P(LOAM_T_BOOL), "false", NULL);
  round_trip(P(LOAM_T_S8), "-128", NULL);
  round_trip(P(LOAM_T_U8), "255", NULL);
  round_trip(P(LOAM_T_S16), "-32768", NULL);
  round_trip(P(LOAM_T_U16), "65535", NULL);
  round_trip(P(LOAM_T_S32), "-2147483648", NULL);
  round_trip(P(LOAM_T_U32), "4294967295", NULL);
  round_trip(P(LOAM_T_S64), "-9223372036854775808", NULL);
  round_trip(P(LOAM_T_U64), "18446744073709551615", NULL);
  round_trip(P(LOAM_T_F32), "3.14", NULL);
  round_trip(P(LOAM_T_F32), "nan", NULL);
  round_trip(P(LOAM_T_F32), "inf", NULL);
  round_trip(P(LOAM_T_F64), "-inf", NULL);
  round_trip(P(LOAM_T_F64), "-0", NULL);
  round_trip(P(LOAM_T_F64), "6.022e23", NULL);
  round_trip(P(LOAM_T_F64), "5e-324", NULL);
  round_trip(P(LOAM_T_CHAR), "'x'", NULL);
  round_trip(P(LOAM_T_CHAR), "'\\''", NULL);
  round_trip(P(LOAM_T_CHAR), "'\"'", NULL);
  round_trip(P(LOAM_T_CHAR), "'\\\\'", NULL);
  round_trip(P(LOAM_T_CHAR), "'\\n'", NULL);
  round_trip(P(LOAM_T_CHAR), "'\\u{0}'", NULL);
  round_trip(P(LOAM_T_CHAR), "'\xe2\x98\x83'", NULL);
  round_trip(P(LOAM_T_STRING), "\"abc\\t123\"", NULL);
  round_trip(P(LOAM_T_STRING), "\"q\\\"b\\\\s'\\r\\n\\u{1}\\u{7f}\xf0\x9f\x91\x8b\"", NULL);
  round_trip(P(LOAM_T_STRING), "\"\"", NULL);
  round_trip(Z.own, "7", NULL);
  round_trip(Z.borrow, "0", NULL);
  round_trip(Z.price_alias, "2.5", NULL);
}

static void test_alternatives(void **state) {
  (void)state;
  round_trip(P(LOAM_T_F64), "1.0", "1");
  round_trip(P(LOAM_T_F64), "1E3", "1000");
  round_trip(P(LOAM_T_CHAR), "'\\u{1F600}'", "'\xf0\x9f\x98\x80'");
  round_trip(P(LOAM_T_STRING), "\"\\u{e9}\\'\"", "\"\xc3\xa9'\"");
  round_trip(Z.list_u8, " [ 1 , 2 , 3 , ] // comment\n", "[1, 2, 3]");
  round_trip(Z.list_u8, "[]", NULL);
  round_trip(Z.opt_u8, "5", "some(5)");
  round_trip(Z.opt_u8, "some( 5 )", "some(5)");
  round_trip(Z.res_u8_str, "5", "ok(5)");
  round_trip(Z.opt_res, "some(7)", "some(ok(7))");
  round_trip(Z.item, "{qty: 1, name: \"a\", price: 1, tags: []}",
             "{name: \"a\", price: 1, qty: 1, tags: [], note: none}");
  round_trip(Z.item, "{qty: 1, name: \"a\", price: 1, tags: [], note: \"x\",}",
             "{name: \"a\", price: 1, qty: 1, tags: [], note: some(\"x\")}");
  round_trip(Z.kw_enum, "%plain", "plain");
  round_trip(Z.shape, "%circle(2)", "circle(2)");
  round_trip(Z.perms, "{write, read}", "{read, write}");
  round_trip(P(LOAM_T_STRING), "\"\"\"\n  line one\n    two \"q\"\n  \"\"\"", "\"line one\\n  two \\\"q\\\"\"");
  round_trip(P(LOAM_T_STRING), "\"\"\"\n\"\"\"", "\"\"");
}

static void test_compound(void **state) {
  (void)state;
  round_trip(Z.point, "{x: -1, y: 2}", NULL);
  round_trip(Z.point_alias, "{x: -1, y: 2}", NULL);
  round_trip(Z.tup, "(1, \"two\", '3')", NULL);
  round_trip(Z.color, "green", NULL);
  round_trip(Z.kw_enum, "%true", NULL);
  round_trip(Z.kw_enum, "%none", NULL);
  round_trip(Z.kw_enum, "%ok", NULL);
  round_trip(Z.perms, "{}", NULL);
  round_trip(Z.perms, "{read, exec}", NULL);
  round_trip(Z.big_flags, "{f0, f63, f64, f69}", NULL);
  round_trip(Z.shape, "circle(1.5)", NULL);
  round_trip(Z.shape, "rect({x: 1, y: 2})", NULL);
  round_trip(Z.shape, "empty", NULL);
  round_trip(Z.shape, "%some(3)", NULL);
  round_trip(Z.res_u8_str, "ok(1)", NULL);
  round_trip(Z.res_u8_str, "err(\"bad\")", NULL);
  round_trip(Z.res_err_only, "ok", NULL);
  round_trip(Z.res_err_only, "err(\"e\")", NULL);
  round_trip(Z.res_ok_only, "err", NULL);
  round_trip(Z.res_empty, "ok", NULL);
  round_trip(Z.res_empty, "err", NULL);
  round_trip(Z.opt_u8, "none", NULL);
  round_trip(Z.opt_u8, "some(5)", NULL);
  round_trip(Z.opt_opt_u8, "none", NULL);
  round_trip(Z.opt_opt_u8, "some(none)", NULL);
  round_trip(Z.opt_opt_u8, "some(some(5))", NULL);
  round_trip(Z.opt_res, "some(err(\"x\"))", NULL);
  round_trip(Z.kw_record, "{%ok: true, %none: none, %inf: -inf}", NULL);
}

static void test_deep(void **state) {
  (void)state;
  const char *text =
      "[none, some({orders: [{id: 18446744073709551615, items: ["
      "{name: \"a\\\"b\", price: 1.5, qty: 3, tags: [\"x\", \"y\"], note: none}, "
      "{name: \"\xe2\x98\x83\", price: nan, qty: 0, tags: [], note: some(\"n\")}]}, "
      "{id: 0, items: []}], "
      "shape: rect({x: -1, y: 2147483647}), nested: some(none), "
      "res: ok([1, 2, 255]), perms: {read, exec}, t: (7, \"\", '\\''), "
      "c: blue, h: 5, k: %none, big: {f1, f65}}), "
      "some({orders: [], shape: empty, nested: some(some(9)), "
      "res: err(\"no\"), perms: {}, t: (0, \"s\", '\\n'), "
      "c: red, h: 0, k: %true, big: {}})]";
  round_trip(Z.deep, text, NULL);
}

static void test_errors(void **state) {
  (void)state;
  bad(P(LOAM_T_U8), "256", "1:1: expected u8 (out of range), found '256'");
  bad(P(LOAM_T_U8), "-1", "1:1: expected u8 (out of range), found '-1'");
  bad(P(LOAM_T_S8), "1.5", "1:1: expected s8, found '1.5'");
  bad(P(LOAM_T_U8), "", "1:1: expected u8, found end of input");
  bad(P(LOAM_T_U8), "1 2", "1:3: expected end of input, found '2'");
  bad(P(LOAM_T_U8), "\xff", "1:1: expected u8, found '?'");
  bad(P(LOAM_T_U8), "a\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
      "1:1: expected u8, found 'a\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9?'");
  bad(P(LOAM_T_BOOL), "yes", "1:1: expected bool, found 'yes'");
  bad(P(LOAM_T_BOOL), "%true", "1:1: expected bool, found '%true'");
  bad(P(LOAM_T_F32), "1e39", "1:1: expected f32 (out of range), found '1e39'");
  bad(P(LOAM_T_F64), "NaN", "1:1: expected f64, found 'NaN'");
  bad(P(LOAM_T_F64), "1.", "1:1: expected f64, found '1.'");
  bad(P(LOAM_T_CHAR), "'ab'", "1:3: expected ' (a char holds one character), found 'b'");
  bad(P(LOAM_T_CHAR), "''", "1:2: expected a character, found '''");
  bad(P(LOAM_T_CHAR), "'\\q'", "1:2: unknown escape");
  bad(P(LOAM_T_CHAR), "'\\u{D800}'", "1:2: \\u escape is not a Unicode scalar value");
  bad(P(LOAM_T_CHAR), "'\\u{110000}'", "1:2: \\u escape is not a Unicode scalar value");
  bad(P(LOAM_T_STRING), "\"abc", "1:5: expected closing '\"', found end of input");
  bad(P(LOAM_T_STRING), "\"a\nb\"", "1:3: expected closing '\"', found '\n'");
  bad(P(LOAM_T_STRING), "\"\\u{zz}\"", "1:2: bad \\u escape");
  bad(P(LOAM_T_STRING), "\"\xff\"", "1:2: invalid UTF-8");
  bad(P(LOAM_T_STRING), "abc", "1:1: expected string, found 'abc'");
  bad(Z.list_u8, "[1, 2", "1:6: expected ',', found end of input");
  bad(Z.list_u8, "[1 2]", "1:4: expected ',', found '2'");
  bad(Z.list_u8, "[1,\n 300]", "2:2: [1]: expected u8 (out of range), found '300'");
  const loam_type *items = loam_type_list(Z.cx, Z.item);
  bad(items, "[{name: \"a\", price: 1, qty: 1, tags: []},\n {name: \"b\", price: \"abc\", qty: 1, tags: []}]",
      "2:21: [1].price: expected f32, found \"abc\"");
  bad(items, "[{name: \"a\", price: 1, qty: 1, tags: [\"x\", 'y']}]",
      "1:44: [0].tags[1]: expected string, found 'y'");
  bad(Z.shape, "rect({x: 1, y: true})", "1:16: rect.y: expected s32, found 'true'");
  bad(Z.opt_u8, "some(\"x\")", "1:6: some: expected u8, found \"x\"");
  bad(Z.opt_u8, "'x'", "1:1: some: expected u8, found 'x'");
  bad(Z.res_u8_str, "err(1)", "1:5: err: expected string, found '1'");
  bad(Z.tup, "(1, \"a\")", "1:8: expected more tuple elements (3 in all), found ')'");
  bad(Z.tup, "(1, \"a\", 'b', 4)", "1:15: expected ')' (the tuple has 3 elements), found '4'");
  bad(Z.point, "{x: 1}", "1:1: missing field 'y'");
  bad(Z.point, "{x: 1, y: 2, z: 3}", "1:14: unknown field 'z'");
  bad(Z.point, "{x: 1, x: 2}", "1:8: duplicate field 'x'");
  bad(Z.point, "{x 1}", "1:4: expected ':', found '1'");
  bad(Z.kw_record, "{ok: true, inf: 1}", "1:2: unknown field 'ok'");
  bad(Z.color, "purple", "1:1: expected a case of this enum, found 'purple'");
  bad(Z.kw_enum, "none", "1:1: expected a case of this enum, found 'none'");
  bad(Z.perms, "{read, fly}", "1:8: expected a flag name of this type, found 'fly'");
  bad(Z.perms, "{read, read}", "1:8: duplicate flag 'read'");
  bad(Z.shape, "circle", "1:7: expected '(', found end of input");
  bad(Z.shape, "empty(1)", "1:6: expected no payload (the case has none), found '('");
  bad(Z.shape, "some(1)", "1:1: expected a case of this variant, found 'some'");
  bad(Z.shape, "circle(1", "1:9: expected ')', found end of input");
  bad(Z.opt_opt_u8, "5", "1:1: expected some(...) or none, found '5'");
  bad(Z.opt_u8, "some 5", "1:6: expected '(', found '5'");
  bad(Z.res_err_only, "5", "1:1: expected ok or err, found '5'");
  bad(Z.res_u8_str, "ok", "1:3: expected '(', found end of input");
  bad(Z.res_err_only, "ok(1)", "1:3: expected no payload (the case has none), found '('");
  bad(Z.own, "-1", "1:1: expected own (out of range), found '-1'");
  bad(P(LOAM_T_STRING), "\"\"\"\n  abc  \"\"\"", "2:8: closing \"\"\" must be on its own line");
  bad(P(LOAM_T_STRING), "x: \"\"\"\n  abc", "1:1: expected string, found 'x'");
  bad(P(LOAM_T_STRING), "\"\"\"\n  abc\n", "1:1: unterminated multiline string");
  bad(P(LOAM_T_STRING), "\"\"\" abc\n\"\"\"", "1:4: expected a line break after \"\"\", found ' '");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_scalars),
      cmocka_unit_test(test_alternatives),
      cmocka_unit_test(test_compound),
      cmocka_unit_test(test_deep),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
