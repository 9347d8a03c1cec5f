/*
 * test_value_json.c — JSON <-> value: canonical round trips for every type
 * kind (nested), the accepted alternative spellings, and every error with its
 * exact path message.
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

/* Parses text as t, prints it back and expects `want` (NULL: the input). */
static void round_trip(const loam_type *t, const char *text, const char *want) {
  loam_verr err = {{0}};
  loam_value *v = loam_value_from_json(t, text, strlen(text), "p", &err);
  if (!v) fail_msg("parse %s: %s", text, err.message);
  char *out = loam_value_to_json(v);
  assert_non_null(out);
  assert_string_equal(out, want ? want : text);
  /* and the printed text reads back to an equal value */
  loam_value *again = loam_value_from_json(t, out, strlen(out), NULL, &err);
  assert_non_null(again);
  assert_true(loam_value_equal(v, again));
  loam_value_free(again);
  free(out);
  loam_value_free(v);
}

static void bad(const loam_type *t, const char *text, const char *path, const char *want) {
  loam_verr err = {{0}};
  loam_value *v = loam_value_from_json(t, text, strlen(text), path, &err);
  if (v) {
    char *s = loam_value_to_json(v);
    fail_msg("accepted %s as %s", text, s);
  }
  assert_string_equal(err.message, want);
}

static void test_scalars(void **state) {
  (void)state;
  round_trip(P(LOAM_T_BOOL), "true", NULL);
  round_trip(P(LOAM_T_BOOL), "false", NULL);
  round_trip(P(LOAM_T_S8), "-128", NULL);
  round_trip(P(LOAM_T_S8), "127", NULL);
  round_trip(P(LOAM_T_U8), "255", NULL);
  round_trip(P(LOAM_T_S16), "-32768", NULL);
  round_trip(P(LOAM_T_U16), "65535", NULL);
  round_trip(P(LOAM_T_S32), "-2147483648", NULL);
  round_trip(P(LOAM_T_U32), "4294967295", NULL);
  round_trip(P(LOAM_T_S64), "-9223372036854775808", NULL);
  round_trip(P(LOAM_T_S64), "9223372036854775807", NULL);
  round_trip(P(LOAM_T_U64), "18446744073709551615", NULL);
  round_trip(P(LOAM_T_U64), "9223372036854775808", NULL);
  round_trip(P(LOAM_T_F32), "3.14", NULL);
  round_trip(P(LOAM_T_F32), "-0.0", NULL);
  round_trip(P(LOAM_T_F64), "-0", "0");  /* jansson reads -0 as the integer 0 */
  round_trip(P(LOAM_T_F32), "\"NaN\"", NULL);
  round_trip(P(LOAM_T_F32), "\"Infinity\"", NULL);
  round_trip(P(LOAM_T_F64), "\"-Infinity\"", NULL);
  round_trip(P(LOAM_T_F64), "0.1", NULL);
  round_trip(P(LOAM_T_F64), "1e300", NULL);
  round_trip(P(LOAM_T_F64), "5e-324", NULL);
  round_trip(P(LOAM_T_CHAR), "\"x\"", NULL);
  round_trip(P(LOAM_T_CHAR), "\"\xf0\x9f\x98\x80\"", NULL);
  round_trip(P(LOAM_T_CHAR), "\"\\u0000\"", NULL);
  round_trip(P(LOAM_T_STRING), "\"a\\\"b\\\\c\\n\\t\\u0001 \xc3\xa9\"", NULL);
  round_trip(P(LOAM_T_STRING), "\"nul\\u0000in\"", NULL);
  round_trip(Z.own, "7", NULL);
  round_trip(Z.borrow, "4294967295", NULL);
  round_trip(Z.price_alias, "2.5", NULL);
}

static void test_alternatives(void **state) {
  (void)state;
  round_trip(P(LOAM_T_S64), "\"-9223372036854775808\"", "-9223372036854775808");
  round_trip(P(LOAM_T_U64), "\"18446744073709551615\"", "18446744073709551615");
  round_trip(P(LOAM_T_U8), "\"200\"", "200");
  round_trip(P(LOAM_T_F64), "1", "1");
  round_trip(P(LOAM_T_F64), "\"2.5e3\"", "2500");
  round_trip(P(LOAM_T_F64), "1.0", "1");
  round_trip(P(LOAM_T_F32), "16777217", "16777216");
  round_trip(P(LOAM_T_STRING), "\"\\u00e9\"", "\"\xc3\xa9\"");
  round_trip(Z.list_u8, " [ 1 , 2 , 3 ] ", "[1,2,3]");
  /* option fields may be omitted; field order does not matter */
  round_trip(Z.item, "{\"qty\":1,\"name\":\"a\",\"price\":1,\"tags\":[]}",
             "{\"name\":\"a\",\"price\":1,\"qty\":1,\"tags\":[],\"note\":null}");
  round_trip(Z.perms, "[\"write\",\"read\",\"write\"]", "[\"read\",\"write\"]");
}

static void test_compound(void **state) {
  (void)state;
  round_trip(Z.point, "{\"x\":-1,\"y\":2}", NULL);
  round_trip(Z.point_alias, "{\"x\":-1,\"y\":2}", NULL);
  round_trip(Z.tup, "[1,\"two\",\"3\"]", NULL);
  round_trip(Z.color, "\"green\"", NULL);
  round_trip(Z.kw_enum, "\"none\"", NULL);
  round_trip(Z.perms, "[]", NULL);
  round_trip(Z.perms, "[\"read\",\"exec\"]", NULL);
  round_trip(Z.big_flags, "[\"f0\",\"f63\",\"f64\",\"f69\"]", NULL);
  round_trip(Z.shape, "{\"circle\":1.5}", NULL);
  round_trip(Z.shape, "{\"rect\":{\"x\":1,\"y\":2}}", NULL);
  round_trip(Z.shape, "{\"empty\":null}", NULL);
  round_trip(Z.shape, "{\"some\":3}", NULL);
  round_trip(Z.res_u8_str, "{\"ok\":1}", NULL);
  round_trip(Z.res_u8_str, "{\"err\":\"bad\"}", NULL);
  round_trip(Z.res_err_only, "{\"ok\":null}", NULL);
  round_trip(Z.res_err_only, "{\"err\":\"e\"}", NULL);
  round_trip(Z.res_ok_only, "{\"err\":null}", NULL);
  round_trip(Z.res_empty, "{\"ok\":null}", NULL);
  round_trip(Z.res_empty, "{\"err\":null}", NULL);
  round_trip(Z.opt_u8, "null", NULL);
  round_trip(Z.opt_u8, "5", NULL);
  round_trip(Z.opt_opt_u8, "null", NULL);
  round_trip(Z.opt_opt_u8, "{\"some\":null}", NULL);
  round_trip(Z.opt_opt_u8, "{\"some\":5}", NULL);
  round_trip(Z.opt_res, "{\"ok\":1}", NULL);
  round_trip(Z.kw_record, "{\"ok\":true,\"none\":null,\"inf\":\"-Infinity\"}", NULL);
}

static void test_deep(void **state) {
  (void)state;
  const char *text =
      "[null,{\"orders\":[{\"id\":18446744073709551615,\"items\":["
      "{\"name\":\"a\\\"b\",\"price\":1.5,\"qty\":3,\"tags\":[\"x\",\"y\"],\"note\":null},"
      "{\"name\":\"\xe2\x98\x83\",\"price\":\"NaN\",\"qty\":0,\"tags\":[],\"note\":\"n\"}]},"
      "{\"id\":0,\"items\":[]}],"
      "\"shape\":{\"rect\":{\"x\":-1,\"y\":2147483647}},\"nested\":{\"some\":null},"
      "\"res\":{\"ok\":[1,2,255]},\"perms\":[\"read\",\"exec\"],\"t\":[7,\"\",\"'\"],"
      "\"c\":\"blue\",\"h\":5,\"k\":\"none\",\"big\":[\"f1\",\"f65\"]},"
      "{\"orders\":[],\"shape\":{\"empty\":null},\"nested\":{\"some\":9},"
      "\"res\":{\"err\":\"no\"},\"perms\":[],\"t\":[0,\"s\",\"\\n\"],"
      "\"c\":\"red\",\"h\":0,\"k\":\"true\",\"big\":[]}]";
  round_trip(Z.deep, text, NULL);
}

static void test_errors(void **state) {
  (void)state;
  const loam_type *params = loam_type_record(
      Z.cx, "params", 1, (loam_field[]){{"items", loam_type_list(Z.cx, Z.item)}});
  const char *it = "{\"name\":\"a\",\"price\":1,\"qty\":1,\"tags\":[]}";
  char text[512];
  snprintf(text, sizeof text, "{\"items\":[%s,%s,{\"name\":\"a\",\"price\":\"abc\",\"qty\":1,\"tags\":[]}]}", it, it);
  bad(params, text, "params[0]", "params[0].items[2].price: expected f32, got \"abc\"");
  bad(Z.item, "{\"name\":\"a\",\"qty\":1,\"tags\":[]}", "params[0]",
      "params[0]: missing field \"price\"");
  bad(Z.item, "{\"name\":\"a\",\"price\":1,\"qty\":1,\"tags\":[],\"bogus\":1}", "arg",
      "arg: unknown field \"bogus\"");
  bad(Z.item, "[]", "arg", "arg: expected record (an object), got []");
  bad(Z.item, "{\"name\":\"a\",\"price\":1,\"qty\":1,\"tags\":[1]}", "arg",
      "arg.tags[0]: expected string, got 1");
  bad(Z.item, "{\"name\":\"a\",\"price\":1,\"qty\":-1,\"tags\":[]}", "arg",
      "arg.qty: expected u32, got -1");
  bad(P(LOAM_T_BOOL), "1", "b", "b: expected bool, got 1");
  bad(P(LOAM_T_U8), "256", "x", "x: expected u8, got 256");
  bad(P(LOAM_T_S8), "-129", "x", "x: expected s8, got -129");
  bad(P(LOAM_T_U8), "1.5", "x", "x: expected u8, got 1.5");
  bad(P(LOAM_T_U8), "\"12a\"", "x", "x: expected u8, got \"12a\"");
  bad(P(LOAM_T_U64), "-1", "x", "x: expected u64, got -1");
  bad(P(LOAM_T_U64), "18446744073709551616", "x",
      "x: expected u64, got \"18446744073709551616\"");
  bad(P(LOAM_T_S64), "9223372036854775808", "x", "x: expected s64, got \"9223372036854775808\"");
  bad(P(LOAM_T_S64), "\"-9223372036854775809\"", "x",
      "x: expected s64, got \"-9223372036854775809\"");
  bad(P(LOAM_T_F32), "1e39", "x", "x: expected f32, got 9.9999999999999994e38");
  bad(P(LOAM_T_F64), "\"nan\"", "x", "x: expected f64, got \"nan\"");
  bad(P(LOAM_T_F64), "\"0x10\"", "x", "x: expected f64, got \"0x10\"");
  bad(P(LOAM_T_F64), "\" 1\"", "x", "x: expected f64, got \" 1\"");
  bad(P(LOAM_T_F64), "null", "x", "x: expected f64, got null");
  bad(P(LOAM_T_CHAR), "\"ab\"", "c", "c: expected char (a one-character string), got \"ab\"");
  bad(P(LOAM_T_CHAR), "\"\"", "c", "c: expected char (a one-character string), got \"\"");
  bad(P(LOAM_T_STRING), "5", NULL, "expected string, got 5");
  bad(Z.list_u8, "{}", "l", "l: expected list (an array), got {}");
  bad(Z.list_u8, "[1,300]", "l", "l[1]: expected u8, got 300");
  bad(Z.tup, "[1,\"a\"]", "t", "t: expected tuple (an array of 3), got [1,\"a\"]");
  bad(Z.tup, "[1,\"a\",\"bc\"]", "t", "t[2]: expected char (a one-character string), got \"bc\"");
  bad(Z.color, "\"purple\"", "c", "c: unknown case \"purple\"");
  bad(Z.color, "1", "c", "c: expected enum (a case name), got 1");
  bad(Z.perms, "[\"read\",\"fly\"]", "f", "f[1]: unknown flag \"fly\"");
  bad(Z.perms, "[\"read\",2]", "f", "f[1]: expected a flag name, got 2");
  bad(Z.perms, "\"read\"", "f", "f: expected flags (an array of names), got \"read\"");
  bad(Z.shape, "{\"square\":1}", "s", "s: unknown case \"square\"");
  bad(Z.shape, "{\"circle\":1,\"rect\":2}", "s",
      "s: expected variant (an object {\"<case>\": payload}), got {\"circle\":1,\"rect\":2}");
  bad(Z.shape, "{\"empty\":1}", "s", "s.empty: expected null (the case has no payload), got 1");
  bad(Z.shape, "{\"rect\":{\"x\":1}}", "s", "s.rect: missing field \"y\"");
  bad(Z.shape, "\"circle\"", "s",
      "s: expected variant (an object {\"<case>\": payload}), got \"circle\"");
  bad(Z.res_u8_str, "{\"fine\":1}", "r", "r: expected result ({\"ok\": v} or {\"err\": e}), got {\"fine\":1}");
  bad(Z.res_u8_str, "{\"err\":1}", "r", "r.err: expected string, got 1");
  bad(Z.res_err_only, "{\"ok\":1}", "r", "r.ok: expected null (the case has no payload), got 1");
  bad(Z.opt_u8, "\"x\"", "o", "o: expected u8, got \"x\"");
  bad(Z.opt_opt_u8, "5", "o", "o: expected null or {\"some\": v} (an option of an option), got 5");
  bad(Z.opt_opt_u8, "{\"some\":\"x\"}", "o", "o.some: expected u8, got \"x\"");
  bad(Z.own, "-1", "h", "h: expected a resource handle (u32), got -1");
  bad(Z.own, "4294967296", "h", "h: expected a resource handle (u32), got 4294967296");
  bad(P(LOAM_T_U8), "[1", "x", "x: invalid JSON at line 1 column 2: ']' expected near end of file");
  bad(P(LOAM_T_U8), "1 2", NULL, "invalid JSON at line 1 column 3: end of file expected near '2'");
  bad(Z.point, "{\"x\":1,\"y\":2,\"x\":3}", "pt",
      "pt: invalid JSON at line 1 column 16: duplicate object key near '\"x\"'");
  /* a long bad value is cut short in the message */
  bad(P(LOAM_T_U8), "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"", "x",
      "x: expected u8, got \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...");
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
