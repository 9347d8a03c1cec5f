/*
 * test_value_prop.c — randomized property tests: for random types (up to
 * depth 4) and random values of them, JSON, WAVE and binary round trips give
 * equal values and stable text, every proper prefix of an encoding fails to
 * decode, and random or corrupted bytes never crash the binary decoder (and
 * round-trip when they do decode). Seeds are fixed; failures print theirs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "value_fixture.h"
#include "value_gen.h"
#include <jansson.h>
#include <stdio.h>

#define ITERATIONS 3000
#define VALUES_PER_TYPE 3

static char *type_text(const loam_type *t) {
  static char buf[4096];
  loam_type_print(t, buf, sizeof buf);
  return buf;
}

/* Text encoding round trip: print, parse, equal, print again the same. */
static void text_round_trip(const loam_value *v, bool json, uint64_t seed) {
  char *a = json ? loam_value_to_json(v) : loam_value_to_wave(v);
  if (!a) fail_msg("seed %llu: print failed", (unsigned long long)seed);
  loam_verr err;
  loam_value *w = json ? loam_value_from_json(v->type, a, strlen(a), "v", &err)
                       : loam_value_from_wave(v->type, a, strlen(a), &err);
  if (!w) fail_msg("seed %llu: %s: %s reparsing %s", (unsigned long long)seed, type_text(v->type), err.message, a);
  if (!loam_value_equal(v, w)) fail_msg("seed %llu: %s: %s changed", (unsigned long long)seed, type_text(v->type), a);
  char *b = json ? loam_value_to_json(w) : loam_value_to_wave(w);
  if (strcmp(a, b)) fail_msg("seed %llu: %s printed again as %s", (unsigned long long)seed, a, b);
  free(a);
  free(b);
  loam_value_free(w);
}

/* Through a jansson tree: to_jansson, from_jansson, equal. */
static void jansson_round_trip(const loam_value *v, uint64_t seed) {
  json_t *j = loam_value_to_jansson(v);
  if (!j) fail_msg("seed %llu: to_jansson failed", (unsigned long long)seed);
  loam_verr err;
  loam_value *w = loam_value_from_jansson(v->type, j, "v", &err);
  if (!w) fail_msg("seed %llu: %s", (unsigned long long)seed, err.message);
  if (!loam_value_equal(v, w)) fail_msg("seed %llu: jansson changed the value", (unsigned long long)seed);
  loam_value_free(w);
  json_decref(j);
}

static void binary_round_trip(const loam_value *v, rng *r, uint64_t seed) {
  loam_buf b = {0};
  assert_true(loam_value_encode(v, &b));
  loam_verr err;
  size_t used = 0;
  loam_value *w = loam_value_decode(v->type, b.data, b.len, &used, &err);
  if (!w) fail_msg("seed %llu: %s: %s", (unsigned long long)seed, type_text(v->type), err.message);
  assert_int_equal(used, b.len);
  if (!loam_value_equal(v, w)) fail_msg("seed %llu: binary changed the value", (unsigned long long)seed);
  loam_value_free(w);
  for (size_t n = 0; n < b.len; n++) {
    w = loam_value_decode(v->type, b.data, n, &used, &err);
    if (w) fail_msg("seed %llu: a prefix of %zu/%zu bytes decoded", (unsigned long long)seed, n, b.len);
  }
  /* corrupt one byte: must not crash; if it decodes, it round-trips */
  if (b.len) {
    b.data[below(r, (uint32_t)b.len)] ^= (uint8_t)(1 + below(r, 255));
    w = loam_value_decode(v->type, b.data, b.len, &used, &err);
    if (w) {
      loam_buf c = {0};
      assert_true(loam_value_encode(w, &c));
      loam_value *x = loam_value_decode(v->type, c.data, c.len, &used, &err);
      assert_non_null(x);
      assert_true(loam_value_equal(w, x));
      loam_value_free(x);
      loam_buf_free(&c);
      loam_value_free(w);
    }
  }
  loam_buf_free(&b);
}

static void test_round_trips(void **state) {
  (void)state;
  for (uint64_t seed = 1; seed <= ITERATIONS; seed++) {
    rng r = {seed};
    loam_typectx *cx = loam_typectx_new();
    const loam_type *t = gen_type(cx, &r, 4);
    assert_non_null(t);
    for (int i = 0; i < VALUES_PER_TYPE; i++) {
      loam_value *v = gen_value(t, &r);
      assert_non_null(v);
      loam_value *c = loam_value_clone(v);
      assert_true(loam_value_equal(v, c));
      loam_value_free(c);
      text_round_trip(v, true, seed);
      text_round_trip(v, false, seed);
      jansson_round_trip(v, seed);
      binary_round_trip(v, &r, seed);
      loam_value_free(v);
    }
    loam_typectx_free(cx);
  }
}

/* Random bytes against random types: no crash, and whatever decodes
 * re-encodes to bytes that decode equal. */
static void test_random_bytes(void **state) {
  (void)state;
  for (uint64_t seed = 1; seed <= ITERATIONS; seed++) {
    rng r = {seed * 7919};
    loam_typectx *cx = loam_typectx_new();
    const loam_type *t = gen_type(cx, &r, 3);
    uint8_t bytes[64];
    size_t n = below(&r, sizeof bytes + 1);
    for (size_t i = 0; i < n; i++) bytes[i] = (uint8_t)(below(&r, 4) ? below(&r, 4) : rnd(&r));
    loam_verr err;
    size_t used;
    loam_value *v = loam_value_decode(t, bytes, n, &used, &err);
    if (v) {
      assert_true(used <= n);
      loam_buf b = {0};
      assert_true(loam_value_encode(v, &b));
      loam_value *w = loam_value_decode(t, b.data, b.len, &used, &err);
      assert_non_null(w);
      assert_true(loam_value_equal(v, w));
      canon_nans(v);
      text_round_trip(v, true, seed);
      text_round_trip(v, false, seed);
      loam_value_free(w);
      loam_buf_free(&b);
      loam_value_free(v);
    }
    loam_typectx_free(cx);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trips),
      cmocka_unit_test(test_random_bytes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
