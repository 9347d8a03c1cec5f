/*
 * api.c — the public module API (load, introspection) and loam_call, the
 * typed entry point from the host into a function.
 */
#include "runtime.h"
#include <stdlib.h>

/* ---- modules ------------------------------------------------------------ */

loam_module *loam_module_load(const uint8_t *bytes, size_t len, loam_error *err) {
  loam_module *lm = calloc(1, sizeof *lm);
  if (!lm) return wasm_fail(err, LOAM_ERR_NOMEM, "out of memory"), NULL;
  lm->m = wasm_decode(bytes, len, err);
  if (!lm->m || !wasm_validate(lm->m, err)) {
    wasm_module_free(lm->m);
    free(lm);
    return NULL;
  }
  for (uint32_t i = lm->m->nfunc_imports; i < lm->m->nfuncs; i++)
    if (lm->m->funcs[i].code) wasm_code_thread(lm->m->funcs[i].code);
  if (err) {
    err->code = LOAM_OK;
    err->message[0] = '\0';
  }
  return lm;
}

void loam_module_free(loam_module *lm) {
  if (!lm) return;
  wasm_module_free(lm->m);
  free(lm);
}

size_t loam_module_import_count(const loam_module *lm) { return lm->m->nimports; }

loam_import_desc loam_module_import(const loam_module *lm, size_t i) {
  loam_import_desc d = {NULL, NULL, LOAM_EXTERN_FUNC};
  if (i < lm->m->nimports) {
    const wasm_import *im = &lm->m->imports[i];
    d = (loam_import_desc){im->module, im->name, im->kind};
  }
  return d;
}

size_t loam_module_export_count(const loam_module *lm) { return lm->m->nexports; }

loam_export_desc loam_module_export(const loam_module *lm, size_t i) {
  loam_export_desc d = {NULL, LOAM_EXTERN_FUNC};
  if (i < lm->m->nexports)
    d = (loam_export_desc){lm->m->exports[i].name, lm->m->exports[i].kind};
  return d;
}

bool loam_module_export_functype(const loam_module *lm, const char *name,
                                 loam_functype *out) {
  const wasm_module *m = lm->m;
  for (uint32_t i = 0; i < m->nexports; i++) {
    const wasm_export *e = &m->exports[i];
    if (e->kind != LOAM_EXTERN_FUNC || e->name_len != strlen(name) ||
        memcmp(e->name, name, e->name_len) != 0)
      continue;
    const wasm_functype *t = &m->types[m->funcs[e->index].type];
    *out = (loam_functype){t->nparams, t->nresults, wasm_functype_params(t),
                           wasm_functype_results(t)};
    return true;
  }
  return false;
}

const uint8_t *loam_module_custom_section(const loam_module *lm, const char *name,
                                          size_t *len) {
  const wasm_module *m = lm->m;
  for (uint32_t i = 0; i < m->ncustoms; i++) {
    if (strcmp(m->customs[i].name, name) != 0) continue;
    if (len) *len = m->customs[i].bytes.len;
    return m->bytes + m->customs[i].bytes.off;
  }
  return NULL;
}

/* ---- calls --------------------------------------------------------------- */

const char *loam_valtype_name(loam_valtype t) {
  switch (t) {
  case LOAM_I32: return "i32";
  case LOAM_I64: return "i64";
  case LOAM_F32: return "f32";
  case LOAM_F64: return "f64";
  case LOAM_V128: return "v128";
  case LOAM_FUNCREF: return "funcref";
  case LOAM_EXTERNREF: return "externref";
  }
  return "?";
}

static bool check_args(const loam_func *f, const loam_val *args, size_t nargs,
                       size_t nresults, loam_error *err) {
  const wasm_functype *t = f->type;
  if (nargs != t->nparams)
    return wasm_fail(err, LOAM_ERR_ARGUMENT, "%s: expected %u arguments, got %zu",
                     f->name, t->nparams, nargs);
  if (nresults != t->nresults)
    return wasm_fail(err, LOAM_ERR_ARGUMENT, "%s: returns %u results, room for %zu",
                     f->name, t->nresults, nresults);
  for (size_t i = 0; i < nargs; i++)
    if (args[i].type != wasm_functype_params(t)[i])
      return wasm_fail(err, LOAM_ERR_ARGUMENT, "%s: argument %zu: expected %s, got %s",
                       f->name, i, loam_valtype_name((loam_valtype)wasm_functype_params(t)[i]),
                       loam_valtype_name(args[i].type));
  return true;
}

loam_status loam_call(loam_store *s, loam_func *f, const loam_val *args,
                      size_t nargs, loam_val *results, size_t nresults,
                      loam_error *err) {
  loam_error local;
  if (!err) err = &local;
  if (!check_args(f, args, nargs, nresults, err)) return err->code;
  const wasm_functype *t = f->type;
  size_t room = t->nparams > t->nresults ? t->nparams : t->nresults;
  uint64_t *sp = s->sp;
  if ((size_t)(s->stack_end - sp) < room) {
    wasm_fail(err, LOAM_TRAP_STACK_EXHAUSTED, "call stack exhausted");
    return err->code;
  }
  for (size_t i = 0; i < nargs; i++) sp[i] = wasm_val_to_slot(args[i]);
  loam_status st = wasm_invoke(s, f, sp, err);
  s->sp = sp; /* whatever the callee did, the caller's stack is ours again */
  if (st != LOAM_OK) return st;
  for (size_t i = 0; i < nresults; i++)
    results[i] = wasm_slot_to_val(sp[i], wasm_functype_results(t)[i]);
  err->code = LOAM_OK;
  err->message[0] = '\0';
  err->backtrace[0] = '\0';
  return LOAM_OK;
}
