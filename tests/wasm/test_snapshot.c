/*
 * test_snapshot.c — unit tests of instance snapshots (snapshot.c): capture
 * and restore, the serialized form, host references, and untrusted bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wasm/runtime.h"
#include "test_instance_mods.h"
#include "wasm_bytes.h"
#include <stdio.h>

static loam_module *load(const uint8_t *bytes, size_t len) {
  loam_error err;
  loam_module *m = loam_module_load(bytes, len, &err);
  if (!m) fail_msg("load: %s", err.message);
  return m;
}

#define LOAD(name) load(mod_##name, sizeof mod_##name)

static loam_val call1(loam_store *s, loam_instance *inst, const char *name,
                      const loam_val *args, size_t nargs) {
  loam_error err;
  loam_val out[1];
  loam_func *f = loam_instance_func(inst, name);
  if (!f) fail_msg("no export %s", name);
  loam_functype t = loam_func_type(f);
  loam_status st = loam_call(s, f, args, nargs, out, t.nresults, &err);
  if (st != LOAM_OK) fail_msg("%s: %s", name, err.message);
  return out[0];
}

/* ---- snapshots --------------------------------------------------------------- */

static loam_instance *segments_instance(loam_store *s, loam_module *m) {
  loam_error err;
  loam_instance *inst = loam_instantiate(s, m, NULL, &err);
  if (!inst) fail_msg("%s", err.message);
  return inst;
}

static void store_i32(loam_store *s, loam_instance *inst, uint32_t addr, uint32_t v) {
  loam_val args[2] = {loam_val_i32(addr), loam_val_i32(v)};
  loam_error err;
  assert_int_equal(loam_call(s, loam_instance_func(inst, "store"), args, 2, NULL, 0, &err),
                   LOAM_OK);
}

static void test_snapshot_roundtrip(void **state) {
  (void)state;
  loam_store *s = loam_store_new(0);
  loam_error err;
  loam_module *m = LOAD(segments);
  loam_instance *inst = segments_instance(s, m);
  store_i32(s, inst, 100, 77);
  call1(s, inst, "inc", NULL, 0); /* counter 6 */
  assert_int_equal(loam_call(s, loam_instance_func(inst, "drop_data"), NULL, 0, NULL, 0, &err),
                   LOAM_OK);
  loam_state *st = loam_instance_capture(inst, &err);
  assert_non_null(st);

  store_i32(s, inst, 100, 5);
  call1(s, inst, "inc", NULL, 0);
  loam_val one = loam_val_i32(1);
  assert_int_equal(call1(s, inst, "grow", &one, 1).of.i32, 1);
  store_i32(s, inst, 70000, 9);
  assert_true(loam_instance_restore(inst, st, &err));
  loam_memory *mem = loam_instance_memory(inst);
  assert_int_equal(loam_memory_pages(mem), 1);
  assert_int_equal(loam_memory_data(mem)[100], 77);
  assert_int_equal(call1(s, inst, "inc", NULL, 0).of.i32, 7);
  assert_int_equal(call1(s, inst, "grow", &one, 1).of.i32, 1);
  assert_int_equal(loam_memory_data(mem)[70000], 0); /* the dropped page is gone */

  /* serialized, into a fresh instance in another store */
  size_t len;
  uint8_t *bytes = loam_state_serialize(st, &len);
  assert_non_null(bytes);
  loam_state *back = loam_state_deserialize(bytes, len, &err);
  if (!back) fail_msg("%s", err.message);
  loam_store *s2 = loam_store_new(0);
  loam_instance *fresh = segments_instance(s2, m);
  assert_true(loam_instance_restore(fresh, back, &err));
  assert_int_equal(loam_memory_data(loam_instance_memory(fresh))[100], 77);
  assert_memory_equal(loam_memory_data(loam_instance_memory(fresh)) + 8, "hello", 5);
  assert_int_equal(call1(s2, fresh, "inc", NULL, 0).of.i32, 7);
  loam_val three = loam_val_i32(3);
  assert_int_equal(call1(s2, fresh, "call_at", &three, 1).of.i32, 3);
  /* the passive segment was dropped when the state was taken */
  loam_val at = loam_val_i32(0);
  assert_int_equal(loam_call(s2, loam_instance_func(fresh, "init_data"), &at, 1, NULL, 0, &err),
                   LOAM_TRAP_OOB_MEMORY);

  /* a state of another module does not fit */
  loam_module *other = LOAD(custom);
  loam_instance *oi = loam_instantiate(s2, other, NULL, &err);
  assert_non_null(oi);
  assert_false(loam_instance_restore(oi, st, &err));
  assert_int_equal(err.code, LOAM_ERR_ARGUMENT);
  loam_module_free(other);

  free(bytes);
  loam_state_free(back);
  loam_state_free(st);
  loam_state_free(NULL);
  loam_store_free(s2);
  loam_module_free(m);
  loam_store_free(s);
}

/* Host references in tables survive capture/restore in-process, but a
 * deserialized state holding one is refused. */
static void test_snapshot_host_refs(void **state) {
  (void)state;
  wb b = {0}, c = {0};
  loam_error err;
  wb_header(&b);
  wb_bytes(&c, 1, 0x6f, 0, 2, -1);
  wb_section(&b, 4, &c);
  wb_bytes(&c, 1, 1, 't', 1, 0, -1);
  wb_section(&b, 7, &c);
  loam_module *m = load(b.p, b.len);
  wb_free(&b);
  loam_store *s = loam_store_new(0);
  loam_instance *inst = loam_instantiate(s, m, NULL, &err);
  int host_obj;
  inst->tables[0]->elems[1] = &host_obj;
  loam_state *st = loam_instance_capture(inst, &err);
  inst->tables[0]->elems[1] = NULL;
  assert_true(loam_instance_restore(inst, st, &err));
  assert_ptr_equal(inst->tables[0]->elems[1], &host_obj);
  size_t len;
  uint8_t *bytes = loam_state_serialize(st, &len);
  loam_state *back = loam_state_deserialize(bytes, len, &err);
  assert_non_null(back);
  assert_false(loam_instance_restore(inst, back, &err));
  assert_non_null(strstr(err.message, "cannot cross serialization"));
  free(bytes);
  loam_state_free(back);
  loam_state_free(st);
  loam_module_free(m);
  loam_store_free(s);
}

/* Truncated or corrupted serialized states fail cleanly; whatever does
 * deserialize either restores or is refused, without crashing. */
static void test_snapshot_untrusted(void **state) {
  (void)state;
  loam_store *s = loam_store_new(0);
  loam_error err;
  loam_module *m = LOAD(segments);
  loam_instance *inst = segments_instance(s, m);
  loam_state *st = loam_instance_capture(inst, &err);
  size_t len;
  uint8_t *bytes = loam_state_serialize(st, &len);
  for (size_t n = 0; n < len; n += (n < 64 || n > len - 256) ? 1 : 997) {
    uint8_t *copy = malloc(n ? n : 1);
    memcpy(copy, bytes, n);
    assert_null(loam_state_deserialize(copy, n, &err));
    free(copy);
  }
  assert_null(loam_state_deserialize(NULL, 0, &err));
  uint8_t *copy = malloc(len);
  size_t header = 8 + 4 + 8 + 1 + 4 + 65536;
  for (size_t i = 0; i < len; i = i < 32 ? i + 1 : (i < header ? header : i + 1)) {
    for (unsigned v = 0; v < 256; v += 51) {
      memcpy(copy, bytes, len);
      copy[i] ^= (uint8_t)(v | 1);
      loam_state *x = loam_state_deserialize(copy, len, &err);
      if (x) {
        loam_instance_restore(inst, x, &err);
        loam_state_free(x);
      }
    }
  }
  /* after all that, the real state still restores */
  loam_state *good = loam_state_deserialize(bytes, len, &err);
  assert_true(loam_instance_restore(inst, good, &err));
  loam_val one = loam_val_i32(1);
  assert_int_equal(call1(s, inst, "call_at", &one, 1).of.i32, 1);
  loam_state_free(good);
  free(copy);
  free(bytes);
  loam_state_free(st);
  loam_module_free(m);
  loam_store_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_snapshot_roundtrip),
      cmocka_unit_test(test_snapshot_host_refs),
      cmocka_unit_test(test_snapshot_untrusted),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
