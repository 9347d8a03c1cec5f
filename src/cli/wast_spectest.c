/* wast_spectest.c — the "spectest" host module the spec scripts import:
 * print functions (silent), four constant globals, a table and a memory. */
#include "wast_impl.h"
#include <stdint.h>

/* The print functions exist only to be imported and called; printing their
 * arguments would bury the runner's own output, so they do nothing. */
static loam_status print_nothing(loam_caller *c, uint64_t *slots, void *user) {
  (void)c, (void)slots, (void)user;
  return LOAM_OK;
}

static bool define_func(loam_store *s, loam_linker *l, const char *name,
                        const char *type) {
  loam_func *f = loam_func_new_host(s, type, print_nothing, NULL);
  if (!f) return false;
  loam_extern e = {.kind = LOAM_EXTERN_FUNC, .of.func = f};
  return loam_linker_define(l, "spectest", name, e);
}

static bool define_global(loam_store *s, loam_linker *l, const char *name,
                          loam_val v) {
  loam_global *g = loam_global_new(s, v, false);
  if (!g) return false;
  loam_extern e = {.kind = LOAM_EXTERN_GLOBAL, .of.global = g};
  return loam_linker_define(l, "spectest", name, e);
}

static bool define_funcs(loam_store *s, loam_linker *l) {
  static const struct { const char *name, *type; } funcs[] = {
      {"print", ":"},          {"print_i32", "i:"},      {"print_i64", "I:"},
      {"print_f32", "f:"},     {"print_f64", "F:"},      {"print_i32_f32", "if:"},
      {"print_f64_f64", "FF:"},
  };
  for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++)
    if (!define_func(s, l, funcs[i].name, funcs[i].type)) return false;
  return true;
}

/* 666.6 as f32 and f64 bit patterns. */
#define SPECTEST_F32_BITS 0x4426a666u
#define SPECTEST_F64_BITS 0x4084d4cccccccccdull

static bool define_globals(loam_store *s, loam_linker *l) {
  loam_val f32 = {.type = LOAM_F32, .of.f32 = SPECTEST_F32_BITS};
  loam_val f64 = {.type = LOAM_F64, .of.f64 = SPECTEST_F64_BITS};
  return define_global(s, l, "global_i32", loam_val_i32(666)) &&
         define_global(s, l, "global_i64", loam_val_i64(666)) &&
         define_global(s, l, "global_f32", f32) &&
         define_global(s, l, "global_f64", f64);
}

bool wast_define_spectest(loam_store *s, loam_linker *l) {
  if (!define_funcs(s, l) || !define_globals(s, l)) return false;
  loam_table *t = loam_table_new(s, LOAM_FUNCREF, 10, 20);
  loam_memory *m = loam_memory_new(s, 1, 2);
  if (!t || !m) return false;
  loam_extern te = {.kind = LOAM_EXTERN_TABLE, .of.table = t};
  loam_extern me = {.kind = LOAM_EXTERN_MEMORY, .of.memory = m};
  return loam_linker_define(l, "spectest", "table", te) &&
         loam_linker_define(l, "spectest", "memory", me);
}
