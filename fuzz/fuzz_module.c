/*
 * fuzz_module.c — libFuzzer target: load arbitrary bytes as a module; if it
 * loads, instantiate it against dummy imports of the right types and call
 * every exported function with zero arguments under a small fuel budget.
 * Any crash, sanitizer report or hang is a bug; errors and traps are fine.
 *
 * The import types are not in the public API, so this white-box target reads
 * them from the decoded module (wasm/runtime.h).
 */
#include "loam/wasm.h"
#include "wasm/runtime.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Keeps one input cheap: bigger imported tables and memories are not made. */
#define FUZZ_MAX_PAGES 256u
#define FUZZ_MAX_TABLE 100000u
#define FUZZ_FUEL 20000

/* Every dummy host function returns zeros; `user` is its result count. */
static loam_status return_zeros(loam_caller *c, uint64_t *slots, void *user) {
  (void)c;
  size_t n = (size_t)(uintptr_t)user;
  if (n) memset(slots, 0, n * sizeof *slots);
  return LOAM_OK;
}

static char type_letter(uint8_t t) {
  switch (t) {
  case LOAM_I32: return 'i';
  case LOAM_I64: return 'I';
  case LOAM_F32: return 'f';
  case LOAM_F64: return 'F';
  case LOAM_FUNCREF: return 'r';
  case LOAM_EXTERNREF: return 'e';
  default: return '?';
  }
}

/* The functype's string form ("ii:I"), malloc'd; NULL if out of memory. */
static char *type_string(const wasm_functype *ft) {
  size_t n = (size_t)ft->nparams + ft->nresults;
  char *s = malloc(n + 2);
  if (!s) return NULL;
  size_t k = 0;
  for (uint32_t i = 0; i < ft->nparams; i++) s[k++] = type_letter(ft->types[i]);
  s[k++] = ':';
  for (uint32_t i = 0; i < ft->nresults; i++)
    s[k++] = type_letter(ft->types[ft->nparams + i]);
  s[k] = '\0';
  return s;
}

static loam_val zero_of(uint8_t type) {
  loam_val v;
  memset(&v, 0, sizeof v);
  v.type = (loam_valtype)type;
  return v;
}

/* A definition matching import `im`, or false when we choose not to make one
 * (too big) or the engine refuses. */
static bool dummy_for(loam_store *s, const wasm_module *wm,
                      const wasm_import *im, loam_extern *out) {
  out->kind = im->kind;
  switch (im->kind) {
  case LOAM_EXTERN_FUNC: {
    if (im->desc.func_type >= wm->ntypes) return false;
    const wasm_functype *ft = &wm->types[im->desc.func_type];
    char *ts = type_string(ft);
    if (!ts) return false;
    out->of.func = loam_func_new_host(s, ts, return_zeros,
                                      (void *)(uintptr_t)ft->nresults);
    free(ts);
    return out->of.func != NULL;
  }
  case LOAM_EXTERN_TABLE: {
    const wasm_tabletype *tt = &im->desc.table;
    if (tt->limits.min > FUZZ_MAX_TABLE) return false;
    out->of.table = loam_table_new(s, tt->elemtype, tt->limits.min,
                                   tt->limits.has_max ? tt->limits.max : UINT32_MAX);
    return out->of.table != NULL;
  }
  case LOAM_EXTERN_MEMORY: {
    const wasm_limits *ml = &im->desc.memory;
    if (ml->min > FUZZ_MAX_PAGES) return false;
    out->of.memory = loam_memory_new(s, ml->min, ml->has_max ? ml->max : UINT32_MAX);
    return out->of.memory != NULL;
  }
  case LOAM_EXTERN_GLOBAL:
    out->of.global = loam_global_new(s, zero_of(im->desc.global.valtype),
                                     im->desc.global.mutable_);
    return out->of.global != NULL;
  }
  return false;
}

static bool define_imports(loam_store *s, loam_linker *l, const loam_module *m) {
  const wasm_module *wm = m->m;
  for (uint32_t i = 0; i < wm->nimports; i++) {
    loam_extern e;
    if (!dummy_for(s, wm, &wm->imports[i], &e)) return false;
    if (!loam_linker_define(l, wm->imports[i].module, wm->imports[i].name, e))
      return false;
  }
  return true;
}

/* Calls f with zero values for its parameters; traps are expected. */
static void call_with_zeros(loam_store *s, loam_func *f) {
  loam_functype ft = loam_func_type(f);
  loam_val *args = calloc(ft.nparams + 1, sizeof *args);
  loam_val *res = calloc(ft.nresults + 1, sizeof *res);
  if (args && res) {
    for (uint32_t i = 0; i < ft.nparams; i++) args[i] = zero_of(ft.params[i]);
    loam_error err;
    loam_store_set_fuel(s, FUZZ_FUEL);
    loam_call(s, f, args, ft.nparams, res, ft.nresults, &err);
  }
  free(args);
  free(res);
}

static void run_exports(loam_store *s, const loam_module *m,
                        loam_instance *inst) {
  size_t n = loam_module_export_count(m);
  for (size_t i = 0; i < n; i++) {
    loam_export_desc d = loam_module_export(m, i);
    if (d.kind != LOAM_EXTERN_FUNC) continue;
    loam_func *f = loam_instance_func(inst, d.name);
    if (f) call_with_zeros(s, f);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  loam_error err;
  loam_module *m = loam_module_load(data, size, &err);
  if (!m) return 0;
  loam_store *s = loam_store_new(64 * 1024);
  loam_linker *l = loam_linker_new();
  if (s && l && define_imports(s, l, m)) {
    loam_store_set_fuel(s, FUZZ_FUEL); /* bounds the start function too */
    loam_instance *inst = loam_instantiate(s, m, l, &err);
    if (inst) run_exports(s, m, inst);
  }
  if (l) loam_linker_free(l);
  if (s) loam_store_free(s);
  loam_module_free(m);
  return 0;
}
