/*
 * test_instance.c — unit tests of the store and its objects (memories,
 * tables, globals, host functions), the linker, instantiation (imports of
 * every kind and their mismatches, segments, start), the module API and
 * loam_call (snapshots: test_snapshot.c). Modules come from test_instance_mods.h
 * (assembled from the WAT shown there) or are built by hand.
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

/* ---- host functions used below ------------------------------------------- */

static loam_status host_double(loam_caller *c, uint64_t *slots, void *user) {
  (void)c;
  (void)user;
  slots[0] = (uint32_t)slots[0] * 2u;
  return LOAM_OK;
}

static loam_status host_count(loam_caller *c, uint64_t *slots, void *user) {
  (void)slots;
  (void)c;
  (*(int *)user)++;
  return LOAM_OK;
}

static loam_status host_fail(loam_caller *c, uint64_t *slots, void *user) {
  (void)slots;
  (void)user;
  return loam_caller_trap(c, LOAM_TRAP_HOST, 0, "nope %d", 7);
}

static loam_status host_mix(loam_caller *c, uint64_t *slots, void *user) {
  (void)c;
  (void)user;
  double d = (double)(uint32_t)slots[0] + (double)slots[1];
  memcpy(&slots[0], &d, sizeof d);
  return LOAM_OK;
}

/* ---- store --------------------------------------------------------------- */

static void test_store_basics(void **state) {
  (void)state;
  loam_store *s = loam_store_new(0);
  assert_non_null(s);
  assert_int_equal(loam_store_fuel(s), -1);
  loam_store_set_fuel(s, 10);
  assert_int_equal(loam_store_fuel(s), 10);
  loam_store_set_fuel(s, -5);
  assert_int_equal(loam_store_fuel(s), -1);
  loam_store_set_deadline(s, 123);
  assert_int_equal(s->deadline_ns, 123);
  assert_false(atomic_load(&s->interrupt));
  loam_store_interrupt(s);
  assert_true(atomic_load(&s->interrupt));
  assert_int_equal((size_t)(s->stack_end - s->stack) * 8, WASM_DEFAULT_STACK);
  uint8_t *p = wasm_store_alloc(s, 100);
  for (int i = 0; i < 100; i++) assert_int_equal(p[i], 0);
  loam_store_free(s);
  loam_store_free(NULL);
  s = loam_store_new(4096);
  assert_int_equal((size_t)(s->stack_end - s->stack), 512);
  loam_store_free(s);
}

static void test_host_func_types(void **state) {
  (void)state;
  loam_store *s = loam_store_new(0);
  loam_func *f = loam_func_new_host(s, "ii:I", host_double, NULL);
  assert_non_null(f);
  loam_functype t = loam_func_type(f);
  assert_int_equal(t.nparams, 2);
  assert_int_equal(t.nresults, 1);
  assert_int_equal(t.params[1], LOAM_I32);
  assert_int_equal(t.results[0], LOAM_I64);
  assert_string_equal(loam_func_name(f), "<host>");
  f = loam_func_new_host(s, "rIfFe:", host_double, NULL);
  t = loam_func_type(f);
  assert_int_equal(t.nparams, 5);
  assert_int_equal(t.nresults, 0);
  assert_int_equal(t.params[0], LOAM_FUNCREF);
  assert_int_equal(t.params[3], LOAM_F64);
  assert_int_equal(t.params[4], LOAM_EXTERNREF);
  assert_non_null(loam_func_new_host(s, ":", host_double, NULL));
  assert_null(loam_func_new_host(s, "", host_double, NULL));
  assert_null(loam_func_new_host(s, "x:", host_double, NULL));
  assert_null(loam_func_new_host(s, "i:i:i", host_double, NULL));
  assert_null(loam_func_new_host(s, "i:q", host_double, NULL));
  assert_null(loam_func_new_host(s, "i:i", NULL, NULL));

  /* the same signature from a module has the same id */
  loam_module *m = LOAD(imports_all);
  loam_func *h = loam_func_new_host(s, "i:i", host_double, NULL);
  assert_int_equal(h->type->sig_id, m->m->types[m->m->funcs[0].type].sig_id);
  loam_module_free(m);
  loam_store_free(s);
}

/* ---- memories, tables, globals ----------------------------------------------- */

static void test_memory(void **state) {
  (void)state;
  loam_store *s = loam_store_new(0);
  loam_memory *mem = loam_memory_new(s, 1, 3);
  assert_non_null(mem);
  assert_int_equal(loam_memory_pages(mem), 1);
  assert_int_equal(loam_memory_size(mem), 65536);
  uint8_t *data = loam_memory_data(mem);
  assert_int_equal(data[0] | data[65535], 0);
  data[65535] = 0xab;
  assert_int_equal(loam_memory_grow(mem, 1), 1);
  assert_ptr_equal(loam_memory_data(mem), data); /* never moves */
  assert_int_equal(data[65535], 0xab);
  assert_int_equal(data[131071], 0);
  assert_int_equal(loam_memory_grow(mem, 2), -1);
  assert_int_equal(loam_memory_grow(mem, 0), 2);
  assert_int_equal(loam_memory_grow(mem, 1), 2);
  assert_int_equal(loam_memory_grow(mem, 1), -1);
  assert_int_equal(loam_memory_pages(mem), 3);

  uint64_t size = loam_memory_size(mem);
  assert_ptr_equal(loam_memory_ptr(mem, size - 4, 4), data + size - 4);
  assert_ptr_equal(loam_memory_ptr(mem, size, 0), data + size);
  assert_null(loam_memory_ptr(mem, size - 3, 4));
  assert_null(loam_memory_ptr(mem, size + 1, 0));
  assert_null(loam_memory_ptr(mem, UINT64_MAX, 1));
  assert_null(loam_memory_ptr(mem, 1, UINT64_MAX));
  assert_null(loam_memory_ptr(mem, UINT64_MAX, UINT64_MAX));

  /* shrinking (snapshot restore) drops the tail: it reads zero again */
  data[70000] = 9;
  assert_true(wasm_memory_resize(mem, 1));
  assert_int_equal(loam_memory_size(mem), 65536);
  assert_null(loam_memory_ptr(mem, 70000, 1));
  assert_true(wasm_memory_resize(mem, 2));
  assert_int_equal(data[70000], 0);
  assert_int_equal(data[65535], 0xab);
  assert_false(wasm_memory_resize(mem, 4));

  loam_memory *big = loam_memory_new(s, 0, UINT32_MAX);
  assert_non_null(big);
  assert_false(big->has_max);
  assert_int_equal(big->max_pages, WASM_MAX_PAGES);
  assert_int_equal(loam_memory_pages(big), 0);
  assert_int_equal(loam_memory_grow(big, WASM_MAX_PAGES + 1), -1);
  assert_int_equal(loam_memory_grow(big, 2), 0);
  assert_non_null(loam_memory_ptr(big, 131068, 4));
  assert_true(mem->has_max);
  assert_null(loam_memory_new(s, 3, 2));
  loam_store_free(s);
}

static void test_table(void **state) {
  (void)state;
  loam_store *s = loam_store_new(0);
  loam_table *t = loam_table_new(s, LOAM_FUNCREF, 2, 4);
  void *ref = (void *)1;
  assert_non_null(t);
  assert_int_equal(loam_table_size(t), 2);
  assert_int_equal(loam_table_elemtype(t), LOAM_FUNCREF);
  assert_true(loam_table_get(t, 1, &ref));
  assert_null(ref);
  assert_false(loam_table_get(t, 2, &ref));
  int x;
  assert_int_equal(wasm_table_grow(t, 2, &x), 2);
  assert_true(loam_table_get(t, 3, &ref));
  assert_ptr_equal(ref, &x);
  assert_int_equal(wasm_table_grow(t, 1, NULL), -1);
  assert_int_equal(wasm_table_grow(t, 0, NULL), 4);
  assert_true(wasm_table_resize(t, 1));
  assert_int_equal(loam_table_size(t), 1);
  assert_true(wasm_table_resize(t, 3));
  assert_true(loam_table_get(t, 2, &ref));
  assert_null(ref);

  loam_table *u = loam_table_new(s, LOAM_EXTERNREF, 0, UINT32_MAX);
  assert_non_null(u);
  assert_int_equal(wasm_table_grow(u, UINT32_MAX, NULL), -1);
  assert_int_equal(wasm_table_grow(u, 10, NULL), 0);
  assert_null(loam_table_new(s, LOAM_I32, 0, 1));
  assert_null(loam_table_new(s, LOAM_FUNCREF, 5, 4));
  assert_null(loam_table_new(s, LOAM_FUNCREF, WASM_MAX_TABLE + 1, UINT32_MAX));
  loam_store_free(s);
}

static void test_global(void **state) {
  (void)state;
  loam_store *s = loam_store_new(0);
  loam_global *g = loam_global_new(s, loam_val_i32(42), false);
  assert_int_equal(loam_global_type(g), LOAM_I32);
  assert_false(loam_global_mutable(g));
  assert_int_equal(loam_global_get(g).of.i32, 42);
  assert_false(loam_global_set(g, loam_val_i32(1)));
  loam_global *h = loam_global_new(s, loam_val_i64(1), true);
  assert_true(loam_global_set(h, loam_val_i64(UINT64_MAX)));
  assert_int_equal(loam_global_get(h).of.i64, UINT64_MAX);
  assert_false(loam_global_set(h, loam_val_i32(1)));
  loam_val nan = {LOAM_F64, {.f64 = 0x7ff4000000000001ull}};
  loam_global *f = loam_global_new(s, nan, true);
  assert_int_equal(loam_global_get(f).of.f64, 0x7ff4000000000001ull);
  loam_val r = {LOAM_EXTERNREF, {.ref = &nan}};
  loam_global *e = loam_global_new(s, r, false);
  assert_ptr_equal(loam_global_get(e).of.ref, &nan);
  loam_val bad = {(loam_valtype)0x40, {.i32 = 0}};
  assert_null(loam_global_new(s, bad, false));
  loam_store_free(s);
}

/* ---- linker --------------------------------------------------------------- */

static void test_linker(void **state) {
  (void)state;
  loam_store *s = loam_store_new(0);
  loam_linker *l = loam_linker_new();
  loam_extern a = {LOAM_EXTERN_GLOBAL, {.global = loam_global_new(s, loam_val_i32(1), false)}};
  loam_extern b = {LOAM_EXTERN_GLOBAL, {.global = loam_global_new(s, loam_val_i32(2), false)}};
  loam_extern out;
  assert_false(loam_linker_lookup(l, "env", "x", &out));
  assert_true(loam_linker_define(l, "env", "x", a));
  assert_true(loam_linker_lookup(l, "env", "x", &out));
  assert_ptr_equal(out.of.global, a.of.global);
  assert_true(loam_linker_define(l, "env", "x", b)); /* replaces */
  assert_true(loam_linker_lookup(l, "env", "x", &out));
  assert_ptr_equal(out.of.global, b.of.global);
  /* the pair is the key: "ab"."c" is not "a"."bc" */
  assert_true(loam_linker_define(l, "ab", "c", a));
  assert_false(loam_linker_lookup(l, "a", "bc", &out));
  assert_false(loam_linker_lookup(l, "env", "", &out));
  char m[16], n[16];
  for (int i = 0; i < 500; i++) {
    snprintf(m, sizeof m, "m%d", i % 7);
    snprintf(n, sizeof n, "n%d", i);
    assert_true(loam_linker_define(l, m, n, i % 2 ? a : b));
  }
  for (int i = 0; i < 500; i++) {
    snprintf(m, sizeof m, "m%d", i % 7);
    snprintf(n, sizeof n, "n%d", i);
    assert_true(loam_linker_lookup(l, m, n, &out));
    assert_ptr_equal(out.of.global, (i % 2 ? a : b).of.global);
  }
  loam_linker_free(l);
  loam_linker_free(NULL);
  loam_store_free(s);
}

/* ---- instantiation ------------------------------------------------------------ */

/* A linker with every import of imports_all.wat, each replaceable. */
typedef struct env {
  loam_store *s;
  loam_linker *l;
  loam_func *f;
  loam_table *t;
  loam_memory *m;
  loam_global *g, *gm;
} env;

static void env_init(env *e) {
  e->s = loam_store_new(0);
  e->l = loam_linker_new();
  e->f = loam_func_new_host(e->s, "i:i", host_double, NULL);
  e->t = loam_table_new(e->s, LOAM_FUNCREF, 1, UINT32_MAX);
  e->m = loam_memory_new(e->s, 1, UINT32_MAX);
  e->g = loam_global_new(e->s, loam_val_i32(42), false);
  e->gm = loam_global_new(e->s, loam_val_i64(7), true);
  loam_linker_define(e->l, "env", "f", (loam_extern){LOAM_EXTERN_FUNC, {.func = e->f}});
  loam_linker_define(e->l, "env", "t", (loam_extern){LOAM_EXTERN_TABLE, {.table = e->t}});
  loam_linker_define(e->l, "env", "m", (loam_extern){LOAM_EXTERN_MEMORY, {.memory = e->m}});
  loam_linker_define(e->l, "env", "g", (loam_extern){LOAM_EXTERN_GLOBAL, {.global = e->g}});
  loam_linker_define(e->l, "env", "gm", (loam_extern){LOAM_EXTERN_GLOBAL, {.global = e->gm}});
}

static void env_free(env *e) {
  loam_linker_free(e->l);
  loam_store_free(e->s);
}

static void test_instantiate_imports(void **state) {
  (void)state;
  env e;
  loam_error err;
  env_init(&e);
  loam_module *m = LOAD(imports_all);
  loam_instance *inst = loam_instantiate(e.s, m, e.l, &err);
  if (!inst) fail_msg("%s", err.message);
  assert_int_equal(err.code, LOAM_OK);
  assert_ptr_equal(loam_instance_module(inst), m);
  assert_ptr_equal(loam_instance_memory(inst), e.m);
  assert_ptr_equal(inst->tables[0], e.t);
  assert_ptr_equal(inst->funcs[0], e.f);
  loam_val arg = loam_val_i32(21);
  assert_int_equal(call1(e.s, inst, "call_f", &arg, 1).of.i32, 42);
  assert_int_equal(call1(e.s, inst, "read_g", NULL, 0).of.i32, 42);
  loam_func *bump = loam_instance_func(inst, "bump_gm");
  assert_int_equal(loam_call(e.s, bump, NULL, 0, NULL, 0, &err), LOAM_OK);
  assert_int_equal(loam_global_get(e.gm).of.i64, 8);
  loam_memory_data(e.m)[4] = 0x11;
  arg = loam_val_i32(4);
  assert_int_equal(call1(e.s, inst, "load", &arg, 1).of.i32, 0x11);
  arg = loam_val_i32(65534);
  loam_status st = loam_call(e.s, loam_instance_func(inst, "load"), &arg, 1,
                             (loam_val[1]){0}, 1, &err);
  assert_int_equal(st, LOAM_TRAP_OOB_MEMORY);

  /* linker from instance: a second module can import what this one exports */
  assert_true(loam_linker_define_instance(e.l, "first", inst));
  loam_extern ext;
  assert_true(loam_linker_lookup(e.l, "first", "call_f", &ext));
  assert_int_equal(ext.kind, LOAM_EXTERN_FUNC);
  assert_ptr_equal(ext.of.func, loam_instance_func(inst, "call_f"));
  loam_module_free(m);
  env_free(&e);
}

/* Instantiates imports_all against e and checks the failure. */
static void expect_link_error(env *e, loam_status code, const char *msg) {
  loam_error err;
  loam_module *m = LOAD(imports_all);
  loam_instance *inst = loam_instantiate(e->s, m, e->l, &err);
  assert_null(inst);
  assert_int_equal(err.code, code);
  if (!strstr(err.message, msg)) fail_msg("got \"%s\", want \"%s\"", err.message, msg);
  loam_module_free(m);
}

static void redefine(env *e, const char *name, loam_extern ext) {
  assert_true(loam_linker_define(e->l, "env", name, ext));
}

static void test_import_errors(void **state) {
  (void)state;
  env e;
  loam_error err;

  env_init(&e);
  loam_linker *empty = loam_linker_new();
  loam_module *m = LOAD(imports_all);
  assert_null(loam_instantiate(e.s, m, empty, &err));
  assert_int_equal(err.code, LOAM_ERR_UNKNOWN_IMPORT);
  assert_string_equal(err.message, "unknown import: env.f");
  assert_null(loam_instantiate(e.s, m, NULL, &err));
  assert_int_equal(err.code, LOAM_ERR_UNKNOWN_IMPORT);
  loam_linker_free(empty);
  loam_module_free(m);

  redefine(&e, "f", (loam_extern){LOAM_EXTERN_MEMORY, {.memory = e.m}});
  expect_link_error(&e, LOAM_ERR_IMPORT_TYPE,
                    "incompatible import type for env.f: expected function, got memory");
  redefine(&e, "f", (loam_extern){LOAM_EXTERN_FUNC,
                                  {.func = loam_func_new_host(e.s, "I:i", host_double, NULL)}});
  expect_link_error(&e, LOAM_ERR_IMPORT_TYPE, "incompatible import type for env.f");
  redefine(&e, "f", (loam_extern){LOAM_EXTERN_FUNC, {.func = e.f}});

  redefine(&e, "t", (loam_extern){LOAM_EXTERN_TABLE,
                                  {.table = loam_table_new(e.s, LOAM_EXTERNREF, 1, 1)}});
  expect_link_error(&e, LOAM_ERR_IMPORT_TYPE, "incompatible import type for env.t");
  redefine(&e, "t", (loam_extern){LOAM_EXTERN_TABLE,
                                  {.table = loam_table_new(e.s, LOAM_FUNCREF, 0, 1)}});
  expect_link_error(&e, LOAM_ERR_IMPORT_TYPE, "incompatible import type for env.t");
  redefine(&e, "t", (loam_extern){LOAM_EXTERN_TABLE, {.table = e.t}});

  redefine(&e, "m", (loam_extern){LOAM_EXTERN_MEMORY, {.memory = loam_memory_new(e.s, 0, 5)}});
  expect_link_error(&e, LOAM_ERR_IMPORT_TYPE, "incompatible import type for env.m");
  redefine(&e, "m", (loam_extern){LOAM_EXTERN_MEMORY, {.memory = e.m}});

  redefine(&e, "g", (loam_extern){LOAM_EXTERN_GLOBAL,
                                  {.global = loam_global_new(e.s, loam_val_i32(1), true)}});
  expect_link_error(&e, LOAM_ERR_IMPORT_TYPE, "incompatible import type for env.g");
  redefine(&e, "g", (loam_extern){LOAM_EXTERN_GLOBAL,
                                  {.global = loam_global_new(e.s, loam_val_i64(1), false)}});
  expect_link_error(&e, LOAM_ERR_IMPORT_TYPE, "incompatible import type for env.g");
  redefine(&e, "g", (loam_extern){LOAM_EXTERN_GLOBAL, {.global = e.g}});
  redefine(&e, "gm", (loam_extern){LOAM_EXTERN_GLOBAL,
                                   {.global = loam_global_new(e.s, loam_val_i64(1), false)}});
  expect_link_error(&e, LOAM_ERR_IMPORT_TYPE, "incompatible import type for env.gm");
  env_free(&e);
}

/* (module (import "env" "t" (table 1 2 funcref)) (import "env" "m" (memory 1 2))) */
static loam_module *limits_module(void) {
  wb b = {0}, c = {0};
  wb_header(&b);
  wb_u32(&c, 2);
  wb_name(&c, "env"), wb_name(&c, "t"), wb_bytes(&c, 1, 0x70, 1, 1, 2, -1);
  wb_name(&c, "env"), wb_name(&c, "m"), wb_bytes(&c, 2, 1, 1, 2, -1);
  wb_section(&b, 2, &c);
  loam_module *m = load(b.p, b.len);
  wb_free(&b);
  return m;
}

static bool link_limits(loam_table *t, loam_memory *mem, loam_store *s) {
  loam_linker *l = loam_linker_new();
  loam_error err;
  loam_linker_define(l, "env", "t", (loam_extern){LOAM_EXTERN_TABLE, {.table = t}});
  loam_linker_define(l, "env", "m", (loam_extern){LOAM_EXTERN_MEMORY, {.memory = mem}});
  loam_module *m = limits_module();
  loam_instance *inst = loam_instantiate(s, m, l, &err);
  loam_linker_free(l);
  loam_module_free(m);
  return inst != NULL;
}

static void test_import_limits(void **state) {
  (void)state;
  loam_store *s = loam_store_new(0);
  loam_table *t_ok = loam_table_new(s, LOAM_FUNCREF, 1, 2);
  loam_memory *m_ok = loam_memory_new(s, 2, 2);
  assert_true(link_limits(t_ok, m_ok, s));
  /* a declared max needs an actual max no larger */
  assert_false(link_limits(loam_table_new(s, LOAM_FUNCREF, 1, UINT32_MAX), m_ok, s));
  assert_false(link_limits(loam_table_new(s, LOAM_FUNCREF, 1, 3), m_ok, s));
  assert_false(link_limits(t_ok, loam_memory_new(s, 1, UINT32_MAX), s));
  assert_false(link_limits(t_ok, loam_memory_new(s, 1, 3), s));
  assert_false(link_limits(t_ok, loam_memory_new(s, 0, 2), s));
  assert_true(link_limits(loam_table_new(s, LOAM_FUNCREF, 2, 2), loam_memory_new(s, 1, 1), s));
  /* current size counts, not the initial one */
  loam_memory *grown = loam_memory_new(s, 0, 2);
  assert_int_equal(loam_memory_grow(grown, 1), 0);
  assert_true(link_limits(t_ok, grown, s));
  loam_store_free(s);
}

static void test_segments_and_exports(void **state) {
  (void)state;
  loam_store *s = loam_store_new(0);
  loam_error err;
  loam_module *m = LOAD(segments);
  loam_instance *inst = loam_instantiate(s, m, NULL, &err);
  if (!inst) fail_msg("%s", err.message);
  loam_memory *mem = loam_instance_memory(inst);
  assert_memory_equal(loam_memory_data(mem) + 8, "hello", 5);
  loam_extern ext;
  assert_true(loam_instance_export(inst, "mem", &ext));
  assert_int_equal(ext.kind, LOAM_EXTERN_MEMORY);
  assert_ptr_equal(ext.of.memory, mem);
  assert_true(loam_instance_export(inst, "tab", &ext));
  loam_table *tab = ext.of.table;
  void *ref;
  assert_true(loam_table_get(tab, 0, &ref));
  assert_null(ref);
  assert_true(loam_table_get(tab, 1, &ref));
  assert_ptr_equal(ref, loam_instance_func(inst, "a"));
  assert_true(loam_table_get(tab, 3, &ref));
  assert_string_equal(loam_func_name(ref), "helper"); /* from the name section */
  assert_string_equal(loam_func_name(loam_instance_func(inst, "b")), "b");
  for (uint32_t i = 1; i <= 3; i++) {
    loam_val arg = loam_val_i32(i);
    assert_int_equal(call1(s, inst, "call_at", &arg, 1).of.i32, i);
  }
  loam_val arg = loam_val_i32(0);
  loam_val out[1];
  assert_int_equal(loam_call(s, loam_instance_func(inst, "call_at"), &arg, 1, out, 1, &err),
                   LOAM_TRAP_UNINITIALIZED_ELEMENT);
  assert_true(loam_instance_export(inst, "counter", &ext));
  assert_int_equal(ext.kind, LOAM_EXTERN_GLOBAL);
  assert_int_equal(loam_global_get(ext.of.global).of.i32, 5);
  assert_int_equal(call1(s, inst, "inc", NULL, 0).of.i32, 6);
  assert_int_equal(loam_global_get(ext.of.global).of.i32, 6);
  assert_true(loam_instance_export(inst, "k", &ext));
  assert_int_equal(loam_global_get(ext.of.global).of.i64, (uint64_t)-2);
  assert_false(loam_global_mutable(ext.of.global));
  assert_null(loam_instance_func(inst, "nope"));
  assert_null(loam_instance_func(inst, "mem"));
  assert_false(loam_instance_export(inst, "", &ext));
  /* the active segments were dropped, the passive one was not */
  assert_int_equal(inst->elem_len[0], 0);
  assert_int_equal(inst->data_len[0], 0);
  assert_int_equal(inst->data_len[1], 3);
  arg = loam_val_i32(100);
  assert_int_equal(loam_call(s, loam_instance_func(inst, "init_data"), &arg, 1, NULL, 0, &err),
                   LOAM_OK);
  assert_memory_equal(loam_memory_data(mem) + 100, "xyz", 3);
  loam_module_free(m);
  loam_store_free(s);
}

/* (module (func) (func) (table (export "t") 2 funcref) (elem (i32.const 0) 0 1))
 * without a name section: names fall back to func[N]. */
static void test_default_func_names(void **state) {
  (void)state;
  wb b = {0}, c = {0};
  loam_error err;
  wb_header(&b);
  wb_bytes(&c, 1, 0x60, 0, 0, -1);
  wb_section(&b, 1, &c);
  wb_bytes(&c, 2, 0, 0, -1);
  wb_section(&b, 3, &c);
  wb_bytes(&c, 1, 0x70, 0, 2, -1);
  wb_section(&b, 4, &c);
  wb_bytes(&c, 1, 1, 'f', 0, 1, -1);
  wb_section(&b, 7, &c);
  wb_bytes(&c, 1, 0, 0x41, 0, 0x0b, 2, 0, 1, -1);
  wb_section(&b, 9, &c);
  wb_bytes(&c, 2, 2, 0, 0x0b, 2, 0, 0x0b, -1);
  wb_section(&b, 10, &c);
  loam_module *m = load(b.p, b.len);
  loam_store *s = loam_store_new(0);
  loam_instance *inst = loam_instantiate(s, m, NULL, &err);
  assert_non_null(inst);
  assert_string_equal(loam_func_name(inst->funcs[0]), "func[0]");
  assert_string_equal(loam_func_name(inst->funcs[1]), "f");
  loam_module_free(m);
  loam_store_free(s);
  wb_free(&b);
}

static void test_oob_segments(void **state) {
  (void)state;
  env e;
  loam_error err;
  env_init(&e);
  loam_table *t2 = loam_table_new(e.s, LOAM_FUNCREF, 2, UINT32_MAX);
  redefine(&e, "t", (loam_extern){LOAM_EXTERN_TABLE, {.table = t2}});
  loam_module *m = LOAD(oob);
  assert_null(loam_instantiate(e.s, m, e.l, &err));
  assert_int_equal(err.code, LOAM_TRAP_OOB_TABLE);
  assert_string_equal(err.message, "out of bounds table access");
  void *ref;
  assert_true(loam_table_get(t2, 0, &ref)); /* the first segment stays written */
  assert_non_null(ref);
  assert_true(loam_table_get(t2, 1, &ref));
  assert_null(ref);
  assert_int_equal(loam_memory_data(e.m)[0], 0); /* data comes after elements */
  /* the function left in the table still works */
  loam_val out[1];
  assert_true(loam_table_get(t2, 0, &ref));
  assert_int_equal(loam_call(e.s, ref, NULL, 0, out, 1, &err), LOAM_OK);
  assert_int_equal(out[0].of.i32, 7);
  loam_module_free(m);

  m = LOAD(oob_data);
  assert_null(loam_instantiate(e.s, m, e.l, &err));
  assert_int_equal(err.code, LOAM_TRAP_OOB_MEMORY);
  assert_string_equal(err.message, "out of bounds memory access");
  assert_memory_equal(loam_memory_data(e.m), "ab", 2);
  assert_int_equal(loam_memory_data(e.m)[65535], 0);
  loam_module_free(m);
  env_free(&e);
}

static void test_start(void **state) {
  (void)state;
  loam_store *s = loam_store_new(0);
  loam_linker *l = loam_linker_new();
  loam_error err;
  int calls = 0;
  loam_func *hello = loam_func_new_host(s, ":", host_count, &calls);
  loam_linker_define(l, "env", "hello", (loam_extern){LOAM_EXTERN_FUNC, {.func = hello}});
  loam_module *m = LOAD(start);
  assert_non_null(loam_instantiate(s, m, l, &err));
  assert_int_equal(calls, 1);
  assert_non_null(loam_instantiate(s, m, l, NULL)); /* err is optional */
  assert_int_equal(calls, 2);
  loam_module_free(m);

  /* a start function that traps: instantiation fails with the trap */
  m = LOAD(start_trap);
  assert_null(loam_instantiate(s, m, l, &err));
  assert_int_equal(err.code, LOAM_TRAP_UNREACHABLE);
  loam_module_free(m);

  /* a failing host start function */
  loam_func *bad = loam_func_new_host(s, ":", host_fail, NULL);
  loam_linker_define(l, "env", "hello", (loam_extern){LOAM_EXTERN_FUNC, {.func = bad}});
  m = LOAD(start);
  assert_null(loam_instantiate(s, m, l, &err));
  assert_int_equal(err.code, LOAM_TRAP_HOST);
  assert_non_null(strstr(err.message, "nope 7"));
  loam_module_free(m);
  loam_linker_free(l);
  loam_store_free(s);
}

/* ---- module API and loam_call ------------------------------------------------ */

static void test_module_api(void **state) {
  (void)state;
  loam_module *m = LOAD(imports_all);
  assert_int_equal(loam_module_import_count(m), 5);
  loam_import_desc im = loam_module_import(m, 1);
  assert_string_equal(im.module, "env");
  assert_string_equal(im.name, "t");
  assert_int_equal(im.kind, LOAM_EXTERN_TABLE);
  assert_int_equal(loam_module_import(m, 4).kind, LOAM_EXTERN_GLOBAL);
  assert_null(loam_module_import(m, 5).name);
  assert_int_equal(loam_module_export_count(m), 4);
  assert_string_equal(loam_module_export(m, 0).name, "call_f");
  assert_int_equal(loam_module_export(m, 0).kind, LOAM_EXTERN_FUNC);
  assert_null(loam_module_export(m, 4).name);
  loam_functype t;
  assert_true(loam_module_export_functype(m, "call_f", &t));
  assert_int_equal(t.nparams, 1);
  assert_int_equal(t.nresults, 1);
  assert_int_equal(t.params[0], LOAM_I32);
  assert_false(loam_module_export_functype(m, "nope", &t));
  assert_null(loam_module_custom_section(m, "wit", NULL));
  loam_module_free(m);
  loam_module_free(NULL);

  /* custom sections by name; the first of two wins */
  wb b = {0}, c = {0};
  wb_raw(&b, mod_custom, sizeof mod_custom);
  wb_name(&c, "wit"), wb_raw(&c, "abc", 3);
  wb_section(&b, 0, &c);
  wb_name(&c, "wit"), wb_raw(&c, "zz", 2);
  wb_section(&b, 0, &c);
  m = load(b.p, b.len);
  size_t len = 0;
  const uint8_t *p = loam_module_custom_section(m, "wit", &len);
  assert_non_null(p);
  assert_int_equal(len, 3);
  assert_memory_equal(p, "abc", 3);
  assert_false(loam_module_export_functype(m, "glob", &t));
  assert_true(loam_module_export_functype(m, "add", &t));
  assert_int_equal(t.params[1], LOAM_I64);
  loam_module_free(m);
  wb_free(&b);

  /* errors from each stage */
  loam_error err;
  assert_null(loam_module_load((const uint8_t *)"\0asm\2\0\0\0", 8, &err));
  assert_int_equal(err.code, LOAM_ERR_MALFORMED);
  wb_header(&b);
  wb_bytes(&b, 8, 1, 0, -1); /* start refers to a missing function */
  assert_null(loam_module_load(b.p, b.len, &err));
  assert_int_equal(err.code, LOAM_ERR_INVALID);
  wb_free(&b);
}

static void test_call(void **state) {
  (void)state;
  loam_store *s = loam_store_new(0);
  loam_error err;
  loam_func *f = loam_func_new_host(s, "iI:F", host_mix, NULL);
  loam_val args[2] = {loam_val_i32(2), loam_val_i64(40)};
  loam_val out[1];
  assert_int_equal(loam_call(s, f, args, 2, out, 1, &err), LOAM_OK);
  assert_int_equal(out[0].type, LOAM_F64);
  double d;
  memcpy(&d, &out[0].of.f64, sizeof d);
  assert_true(d == 42.0);
  assert_ptr_equal(s->sp, s->stack);

  assert_int_equal(loam_call(s, f, args, 1, out, 1, &err), LOAM_ERR_ARGUMENT);
  assert_non_null(strstr(err.message, "expected 2 arguments, got 1"));
  assert_int_equal(loam_call(s, f, args, 2, out, 0, &err), LOAM_ERR_ARGUMENT);
  loam_val wrong[2] = {loam_val_i32(2), loam_val_i32(40)};
  assert_int_equal(loam_call(s, f, wrong, 2, out, 1, &err), LOAM_ERR_ARGUMENT);
  assert_non_null(strstr(err.message, "argument 1: expected i64, got i32"));
  assert_int_equal(loam_call(s, f, args, 2, out, 1, NULL), LOAM_OK);

  loam_func *bad = loam_func_new_host(s, ":", host_fail, NULL);
  assert_int_equal(loam_call(s, bad, NULL, 0, NULL, 0, &err), LOAM_TRAP_HOST);
  assert_non_null(strstr(err.message, "nope 7"));
  assert_ptr_equal(s->sp, s->stack);
  loam_store_free(s);

  /* no room for the arguments on a tiny stack */
  s = loam_store_new(16 * 8);
  char types[20];
  memset(types, 'i', 17);
  types[17] = ':';
  types[18] = '\0';
  loam_func *wide = loam_func_new_host(s, types, host_fail, NULL);
  loam_val many[17];
  for (int i = 0; i < 17; i++) many[i] = loam_val_i32(i);
  assert_int_equal(loam_call(s, wide, many, 17, NULL, 0, &err), LOAM_TRAP_STACK_EXHAUSTED);
  loam_store_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_store_basics),
      cmocka_unit_test(test_host_func_types),
      cmocka_unit_test(test_memory),
      cmocka_unit_test(test_table),
      cmocka_unit_test(test_global),
      cmocka_unit_test(test_linker),
      cmocka_unit_test(test_instantiate_imports),
      cmocka_unit_test(test_import_errors),
      cmocka_unit_test(test_import_limits),
      cmocka_unit_test(test_segments_and_exports),
      cmocka_unit_test(test_default_func_names),
      cmocka_unit_test(test_oob_segments),
      cmocka_unit_test(test_start),
      cmocka_unit_test(test_module_api),
      cmocka_unit_test(test_call),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
