/* test_oplog.c — the oplog entry codec: every kind round-trips, malformed
 * bytes (every truncation, every single-byte corruption, random bytes) are
 * errors and never crash, and the JSON printer shows each kind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "durable/oplog.h"

static char *env_[] = {"A=1", "B=two"};
static char *args_[] = {"--x", "", "y"};
static uint8_t blob[] = {0, 1, 2, 0xff, 0x80};

/* One entry of each kind, fields set to distinctive values. */
static loam_oplog_entry sample(int kind) {
  loam_oplog_entry e = {.kind = kind, .timestamp_ms = 1700000000123ull + (uint64_t)kind};
  switch (kind) {
  case LOAM_OPLOG_CREATE:
    e.u.create.template_name = "counter";
    e.u.create.template_version = 7;
    e.u.create.env = env_;
    e.u.create.env_count = 2;
    e.u.create.args = args_;
    e.u.create.arg_count = 3;
    break;
  case LOAM_OPLOG_ENQUEUED:
  case LOAM_OPLOG_INVOKE_START:
    e.u.invoke.function = "ns:pkg/iface.{inc}";
    e.u.invoke.key = "key-1";
    e.u.invoke.params = (loam_oplog_bytes){blob, sizeof blob};
    break;
  case LOAM_OPLOG_HOST_CALL:
    e.u.host.index = 12;
    e.u.host.name = "wasi_snapshot_preview1.clock_time_get";
    e.u.host.result = (loam_oplog_bytes){blob, 3};
    break;
  case LOAM_OPLOG_LOG:
    e.u.log.stream = 1;
    e.u.log.bytes = (loam_oplog_bytes){(uint8_t *)"hello\n", 6};
    break;
  case LOAM_OPLOG_INVOKE_END:
    e.u.end.key = "key-1";
    e.u.end.ok = true;
    e.u.end.result = (loam_oplog_bytes){blob, 2};
    break;
  case LOAM_OPLOG_ERROR:
    e.u.error.message = "integer divide by zero";
    e.u.error.stack = "  #0 f (func 3)\n";
    e.u.error.attempt = 2;
    break;
  case LOAM_OPLOG_INTERRUPTED:
  case LOAM_OPLOG_RESUMED:
    e.u.interrupt.reason = "user";
    break;
  case LOAM_OPLOG_SNAPSHOT:
    e.u.snapshot.at_index = 1ull << 40;
    e.u.snapshot.memory_size = 65536;
    e.u.snapshot.pages_written = 3;
    break;
  case LOAM_OPLOG_RETRY_POLICY:
    e.u.retry = loam_retry_policy_default();
    break;
  case LOAM_OPLOG_RPC_CALL:
  case LOAM_OPLOG_RPC_RESULT:
    e.u.rpc.key = "caller-1-5";
    e.u.rpc.target = "worker://t/w";
    e.u.rpc.function = "ns:p/i.{f}";
    e.u.rpc.data = (loam_oplog_bytes){blob, sizeof blob};
    e.u.rpc.ok = kind == LOAM_OPLOG_RPC_RESULT;
    e.u.rpc.error = kind == LOAM_OPLOG_RPC_RESULT ? "" : NULL;
    break;
  }
  return e;
}

static loam_buf encode(const loam_oplog_entry *e) {
  loam_buf b = {0};
  assert_true(loam_oplog_encode(e, &b));
  return b;
}

static void test_round_trip_every_kind(void **state) {
  (void)state;
  for (int k = 1; k <= LOAM_OPLOG_KIND_MAX; k++) {
    loam_oplog_entry e = sample(k);
    loam_buf b = encode(&e);
    loam_oplog_entry d;
    loam_error err;
    assert_true(loam_oplog_decode(b.data, b.len, &d, &err));
    assert_int_equal(d.kind, k);
    assert_int_equal(d.timestamp_ms, e.timestamp_ms);
    /* re-encoding the decoded entry gives the same bytes */
    loam_buf b2 = encode(&d);
    assert_int_equal(b.len, b2.len);
    assert_memory_equal(b.data, b2.data, b.len);
    loam_oplog_entry_free(&d);
    loam_buf_free(&b);
    loam_buf_free(&b2);
  }
}

static void test_fields_survive(void **state) {
  (void)state;
  loam_oplog_entry e = sample(LOAM_OPLOG_CREATE), d;
  loam_buf b = encode(&e);
  loam_error err;
  assert_true(loam_oplog_decode(b.data, b.len, &d, &err));
  assert_string_equal(d.u.create.template_name, "counter");
  assert_int_equal(d.u.create.template_version, 7);
  assert_int_equal(d.u.create.env_count, 2);
  assert_string_equal(d.u.create.env[1], "B=two");
  assert_int_equal(d.u.create.arg_count, 3);
  assert_string_equal(d.u.create.args[1], "");
  loam_oplog_entry_free(&d);
  loam_buf_free(&b);

  e = sample(LOAM_OPLOG_RETRY_POLICY);
  b = encode(&e);
  assert_true(loam_oplog_decode(b.data, b.len, &d, &err));
  assert_int_equal(d.u.retry.max_attempts, 3);
  assert_int_equal(d.u.retry.min_delay_ms, 100);
  assert_int_equal(d.u.retry.max_delay_ms, 1000);
  assert_true(d.u.retry.multiplier == 3.0 && d.u.retry.jitter == 0.15);
  loam_oplog_entry_free(&d);
  loam_buf_free(&b);

  e = sample(LOAM_OPLOG_INVOKE_START);
  e.u.invoke.key = NULL;   /* NULL encodes as "" */
  e.u.invoke.params = (loam_oplog_bytes){0};
  b = encode(&e);
  assert_true(loam_oplog_decode(b.data, b.len, &d, &err));
  assert_string_equal(d.u.invoke.key, "");
  assert_null(d.u.invoke.params.data);
  assert_int_equal(d.u.invoke.params.len, 0);
  loam_oplog_entry_free(&d);
  loam_buf_free(&b);
}

static void test_truncations_and_corruptions(void **state) {
  (void)state;
  for (int k = 1; k <= LOAM_OPLOG_KIND_MAX; k++) {
    loam_oplog_entry e = sample(k), d;
    loam_buf b = encode(&e);
    loam_error err;
    for (size_t n = 0; n < b.len; n++) {
      assert_false(loam_oplog_decode(b.data, n, &d, &err));
      assert_int_equal(err.code, LOAM_ERR_MALFORMED);
    }
    /* trailing bytes */
    uint8_t *longer = malloc(b.len + 1);
    memcpy(longer, b.data, b.len);
    longer[b.len] = 0;
    assert_false(loam_oplog_decode(longer, b.len + 1, &d, &err));
    free(longer);
    /* every byte, every value: may decode or not, must not crash or leak */
    for (size_t i = 0; i < b.len; i++) {
      uint8_t keep = b.data[i];
      for (int v = 0; v < 256; v += 7) {
        b.data[i] = (uint8_t)v;
        if (loam_oplog_decode(b.data, b.len, &d, &err)) loam_oplog_entry_free(&d);
      }
      b.data[i] = keep;
    }
    loam_buf_free(&b);
  }
}

static void test_random_bytes(void **state) {
  (void)state;
  uint64_t x = 0x1234567887654321ull;
  uint8_t buf[64];
  loam_oplog_entry d;
  loam_error err;
  int decoded = 0;
  for (int i = 0; i < 200000; i++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    size_t n = (size_t)(x % 24);
    for (size_t j = 0; j < n; j++) {
      x ^= x << 13; x ^= x >> 7; x ^= x << 17;
      buf[j] = (uint8_t)x;
    }
    if (n) buf[0] = (uint8_t)(buf[0] % 16);   /* mostly valid kinds */
    if (loam_oplog_decode(buf, n, &d, &err)) {
      decoded++;
      char *j = loam_oplog_entry_to_json((uint64_t)i, &d, NULL, NULL);
      assert_non_null(j);
      free(j);
      loam_oplog_entry_free(&d);
    } else {
      char *j = loam_oplog_bytes_to_json((uint64_t)i, buf, n, NULL, NULL);
      assert_non_null(j);
      free(j);
    }
  }
  printf("random bytes: %d of 200000 decoded\n", decoded);
}

static void test_absurd_lengths(void **state) {
  (void)state;
  /* kind=log, ts=0, stream=1, bytes length = 2^62 */
  uint8_t b[] = {LOAM_OPLOG_LOG, 0, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40};
  loam_oplog_entry d;
  loam_error err;
  assert_false(loam_oplog_decode(b, sizeof b, &d, &err));
  /* an 11-byte LEB128 */
  uint8_t c[] = {LOAM_OPLOG_SNAPSHOT, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0};
  assert_false(loam_oplog_decode(c, sizeof c, &d, &err));
  /* the 10th LEB byte may only hold bit 63 */
  uint8_t t[] = {LOAM_OPLOG_RESUMED, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0};
  assert_true(loam_oplog_decode(t, sizeof t, &d, &err));
  assert_true(d.timestamp_ms == UINT64_MAX);
  loam_oplog_entry_free(&d);
  t[10] = 0x02;
  assert_false(loam_oplog_decode(t, sizeof t, &d, &err));
  /* unknown kinds */
  uint8_t u[] = {0, 0};
  assert_false(loam_oplog_decode(u, 2, &d, &err));
  u[0] = LOAM_OPLOG_KIND_MAX + 1;
  assert_false(loam_oplog_decode(u, 2, &d, &err));
  assert_false(loam_oplog_decode(NULL, 0, &d, &err));
  /* a bool other than 0/1, a string with NUL */
  loam_oplog_entry e = sample(LOAM_OPLOG_INVOKE_END);
  loam_buf bb = encode(&e);
  size_t okpos = 1 + 6 + 1 + strlen("key-1");   /* kind, ts (6 bytes LEB), key */
  assert_int_equal(bb.data[okpos], 1);
  bb.data[okpos] = 2;
  assert_false(loam_oplog_decode(bb.data, bb.len, &d, &err));
  bb.data[okpos] = 1;
  bb.data[okpos - 1] = 0;   /* a NUL inside the key */
  assert_false(loam_oplog_decode(bb.data, bb.len, &d, &err));
  loam_buf_free(&bb);
}

static char *fake_values(void *ud, const char *function, bool is_result,
                         const uint8_t *bytes, size_t len) {
  (void)ud; (void)bytes;
  char *s = malloc(64);
  snprintf(s, 64, "{\"fn\":\"%s\",\"result\":%s,\"n\":%zu}", function ? function : "",
           is_result ? "true" : "false", len);
  return s;
}

static void test_json(void **state) {
  (void)state;
  for (int k = 1; k <= LOAM_OPLOG_KIND_MAX; k++) {
    loam_oplog_entry e = sample(k);
    char *s = loam_oplog_entry_to_json(42, &e, NULL, NULL);
    assert_non_null(s);
    json_t *j = json_loads(s, 0, NULL);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "index")), 42);
    assert_string_equal(json_string_value(json_object_get(j, "kind")), loam_oplog_kind_name(k));
    if (k == LOAM_OPLOG_LOG)
      assert_string_equal(json_string_value(json_object_get(json_object_get(j, "bytes"), "text")), "hello\n");
    if (k == LOAM_OPLOG_INVOKE_START) {
      assert_string_equal(json_string_value(json_object_get(j, "function")), "ns:pkg/iface.{inc}");
      assert_string_equal(json_string_value(json_object_get(json_object_get(j, "params"), "hex")), "000102ff80");
    }
    if (k == LOAM_OPLOG_CREATE)
      assert_int_equal(json_array_size(json_object_get(j, "env")), 2);
    printf("%s\n", s);
    json_decref(j);
    free(s);
  }
  /* the value hook */
  loam_oplog_entry e = sample(LOAM_OPLOG_INVOKE_START);
  char *s = loam_oplog_entry_to_json(1, &e, fake_values, NULL);
  json_t *j = json_loads(s, 0, NULL);
  json_t *p = json_object_get(j, "params");
  assert_string_equal(json_string_value(json_object_get(p, "fn")), "ns:pkg/iface.{inc}");
  assert_true(json_is_false(json_object_get(p, "result")));
  json_decref(j);
  free(s);
  /* log bytes that are not UTF-8 become hex */
  e = sample(LOAM_OPLOG_LOG);
  e.u.log.bytes = (loam_oplog_bytes){blob, sizeof blob};
  s = loam_oplog_entry_to_json(1, &e, NULL, NULL);
  assert_non_null(strstr(s, "\"hex\":\"000102ff80\""));
  free(s);
  /* malformed bytes print as such */
  uint8_t bad[] = {LOAM_OPLOG_LOG, 5};
  s = loam_oplog_bytes_to_json(9, bad, sizeof bad, NULL, NULL);
  j = json_loads(s, 0, NULL);
  assert_string_equal(json_string_value(json_object_get(j, "kind")), "log");
  assert_non_null(json_object_get(j, "malformed"));
  assert_string_equal(json_string_value(json_object_get(j, "hex")), "0505");
  json_decref(j);
  free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip_every_kind),
      cmocka_unit_test(test_fields_survive),
      cmocka_unit_test(test_truncations_and_corruptions),
      cmocka_unit_test(test_random_bytes),
      cmocka_unit_test(test_absurd_lengths),
      cmocka_unit_test(test_json),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
