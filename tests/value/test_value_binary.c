/*
 * test_value_binary.c — the binary encoding: exact bytes for small values,
 * round trips for every kind (nested), and rejection of every kind of bad
 * input (truncation, bad tags, bits, UTF-8, chars, lengths, overflow).
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

static loam_value *from_wave(const loam_type *t, const char *text) {
  loam_verr err;
  loam_value *v = loam_value_from_wave(t, text, strlen(text), &err);
  if (!v) fail_msg("%s: %s", text, err.message);
  return v;
}

/* Encodes the WAVE value, expects `want` bytes (if given), decodes it back
 * equal, and checks that every proper prefix fails to decode. */
static void round_trip(const loam_type *t, const char *text, const uint8_t *want, size_t nwant) {
  loam_value *v = from_wave(t, text);
  loam_buf b = {0};
  assert_true(loam_value_encode(v, &b));
  if (want) {
    assert_int_equal(b.len, nwant);
    assert_memory_equal(b.data, want, nwant);
  }
  loam_verr err;
  size_t used = 0;
  loam_value *w = loam_value_decode(t, b.data, b.len, &used, &err);
  if (!w) fail_msg("%s: %s", text, err.message);
  assert_int_equal(used, b.len);
  assert_true(loam_value_equal(v, w));
  for (size_t n = 0; n < b.len; n++) {
    loam_value *p = loam_value_decode(t, b.data, n, &used, &err);
    if (p) fail_msg("%s: prefix of %zu bytes decoded", text, n);
  }
  loam_value_free(w);
  loam_value_free(v);
  loam_buf_free(&b);
}

#define RT(t, text, ...)                                                       \
  do {                                                                         \
    static const uint8_t want_[] = {__VA_ARGS__};                              \
    round_trip(t, text, want_, sizeof want_);                                  \
  } while (0)

static void test_bytes(void **state) {
  (void)state;
  RT(P(LOAM_T_BOOL), "true", 1);
  RT(P(LOAM_T_U8), "255", 0xFF, 0x01);
  RT(P(LOAM_T_S8), "-1", 0x01);
  RT(P(LOAM_T_S8), "1", 0x02);
  RT(P(LOAM_T_S8), "-128", 0xFF, 0x01);
  RT(P(LOAM_T_S64), "-9223372036854775808", 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01);
  RT(P(LOAM_T_U64), "18446744073709551615", 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01);
  RT(P(LOAM_T_F32), "1", 0x00, 0x00, 0x80, 0x3F);
  RT(P(LOAM_T_F64), "-2", 0, 0, 0, 0, 0, 0, 0, 0xC0);
  RT(P(LOAM_T_CHAR), "'\xe2\x98\x83'", 0x83, 0x4C);
  RT(P(LOAM_T_STRING), "\"hi\"", 2, 'h', 'i');
  RT(Z.list_u8, "[1, 2]", 2, 1, 2);
  RT(Z.tup, "(1, \"\", 'a')", 1, 0, 'a');
  RT(Z.point, "{x: -1, y: 1}", 1, 2);
  RT(Z.opt_u8, "none", 0);
  RT(Z.opt_u8, "some(3)", 1, 3);
  RT(Z.res_u8_str, "err(\"e\")", 1, 1, 'e');
  RT(Z.res_empty, "err", 1);
  RT(Z.shape, "empty", 2);
  RT(Z.color, "blue", 2);
  RT(Z.perms, "{read, exec}", 0x05);
  RT(Z.big_flags, "{f0, f8, f69}", 0x01, 0x01, 0, 0, 0, 0, 0, 0, 0x20);
  RT(Z.own, "300", 0xAC, 0x02);
}

static void test_round_trips(void **state) {
  (void)state;
  round_trip(Z.deep,
             "[none, some({orders: [{id: 18446744073709551615, items: ["
             "{name: \"a\\\"b\", price: 1.5, qty: 3, tags: [\"x\", \"y\"], note: none}, "
             "{name: \"\xe2\x98\x83\", price: nan, qty: 0, tags: [], note: some(\"n\")}]}], "
             "shape: rect({x: -1, y: 2147483647}), nested: some(none), "
             "res: ok([1, 2, 255]), perms: {read, exec}, t: (7, \"\", '\\''), "
             "c: blue, h: 5, k: %none, big: {f1, f65}})]",
             NULL, 0);
  round_trip(Z.opt_opt_u8, "some(some(0))", NULL, 0);
  round_trip(Z.opt_res, "some(err(\"x\"))", NULL, 0);
  round_trip(Z.kw_record, "{%ok: true, %none: some(1), %inf: -inf}", NULL, 0);
}

static void bad(const loam_type *t, const uint8_t *bytes, size_t n, const char *want) {
  loam_verr err = {{0}};
  size_t used = 99;
  loam_value *v = loam_value_decode(t, bytes, n, &used, &err);
  if (v) fail_msg("decoded bad bytes for %s", want);
  assert_int_equal(used, 99);
  assert_string_equal(err.message, want);
}

#define BAD(t, want, ...)                                                      \
  do {                                                                         \
    static const uint8_t in_[] = {__VA_ARGS__};                                \
    bad(t, in_, sizeof in_, want);                                             \
  } while (0)

static void test_bad_input(void **state) {
  (void)state;
  bad(P(LOAM_T_U8), NULL, 0, "unexpected end of input reading u8 at byte 0");
  BAD(P(LOAM_T_BOOL), "bool byte is neither 0 nor 1", 2);
  BAD(P(LOAM_T_U8), "u8 out of range", 0x80, 0x02);
  BAD(P(LOAM_T_S8), "s8 out of range", 0x80, 0x02);
  BAD(P(LOAM_T_U32), "unexpected end of input reading u32 at byte 2", 0x80, 0x80);
  BAD(P(LOAM_T_U64), "u64 overflows 64 bits at byte 9", 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02);
  BAD(P(LOAM_T_F64), "unexpected end of input reading f64", 0, 0, 0, 0, 0, 0, 0);
  BAD(P(LOAM_T_CHAR), "char is not a Unicode scalar value", 0x80, 0xB0, 0x03);  /* U+D800 */
  BAD(P(LOAM_T_CHAR), "char is not a Unicode scalar value", 0x80, 0x80, 0x44);  /* 0x110000 */
  BAD(P(LOAM_T_STRING), "string length exceeds the input", 3, 'a', 'b');
  BAD(P(LOAM_T_STRING), "string is not valid UTF-8", 2, 0xC0, 0x80);  /* overlong NUL */
  BAD(P(LOAM_T_STRING), "string is not valid UTF-8", 3, 0xED, 0xA0, 0x80);  /* surrogate */
  BAD(P(LOAM_T_STRING), "string length exceeds the input", 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01);
  BAD(Z.list_u8, "list length exceeds the input", 3, 1, 2);
  BAD(Z.list_u8, "[1]: u8 out of range", 2, 1, 0x80, 0x02);
  BAD(Z.opt_u8, "case tag out of range for option", 2);
  BAD(Z.res_u8_str, "case tag out of range for result", 0x80, 0x01);
  BAD(Z.shape, "case tag out of range for variant", 4);
  BAD(Z.shape, "rect.y: unexpected end of input reading s32 at byte 2", 1, 2);
  BAD(Z.color, "case tag out of range for enum", 3);
  BAD(Z.perms, "flag bits set beyond the last flag", 0x08);
  BAD(Z.big_flags, "flag bits set beyond the last flag", 0, 0, 0, 0, 0, 0, 0, 0, 0x40);
  BAD(Z.big_flags, "unexpected end of input reading flags", 0, 0, 0, 0, 0, 0, 0, 0);
  BAD(Z.own, "handle out of range", 0x80, 0x80, 0x80, 0x80, 0x10);
  BAD(Z.item, "tags[1]: string is not valid UTF-8", 1, 'a', 0, 0, 0, 0, 0, 2, 0, 1, 0xFF);
  BAD(Z.item, "note.some: unexpected end of input reading string length at byte 9", 1, 'a', 0, 0, 0, 0, 0, 0, 1);
  /* a list of zero-size elements cannot claim more than a bounded count */
  const loam_type *unit = loam_type_tuple(Z.cx, 0, NULL);
  const loam_type *units = loam_type_list(Z.cx, unit);
  BAD(units, "list length exceeds the input", 0xFF, 0xFF, 0xFF, 0xFF, 0x0F);
  /* trailing bytes are left for the caller: `used` says where the value ended */
  static const uint8_t two[] = {5, 6};
  size_t used = 0;
  loam_verr err;
  loam_value *v = loam_value_decode(P(LOAM_T_U8), two, 2, &used, &err);
  assert_non_null(v);
  assert_int_equal(used, 1);
  assert_int_equal(v->of.u, 5);
  loam_value_free(v);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bytes),
      cmocka_unit_test(test_round_trips),
      cmocka_unit_test(test_bad_input),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
