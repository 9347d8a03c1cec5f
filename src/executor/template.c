/*
 * executor/template.c — turning a .wasm into a template: validating it,
 * finding and resolving its WIT, listing its exported functions with their
 * signatures, loading the stub modules composed into it (compose.c), and
 * checking that every import is one the executor or a stub provides.
 */
#include "executor/executor_int.h"

#include "compose/stubinfo.h"
#include "host/wasi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Custom sections that may carry the module's WIT as text, in the order they
 * are looked for. */
static const char *const WIT_SECTIONS[] = {"loam:wit", "component-wit", "loam-wit"};

/* A malloc'd copy of the module's embedded WIT text, or NULL. */
static char *embedded_wit(const loam_module *m, size_t *len) {
  for (size_t i = 0; i < sizeof WIT_SECTIONS / sizeof WIT_SECTIONS[0]; i++) {
    const uint8_t *b = loam_module_custom_section(m, WIT_SECTIONS[i], len);
    if (!b) continue;
    char *s = malloc(*len + 1);
    if (!s) return NULL;
    memcpy(s, b, *len);
    s[*len] = '\0';
    return s;
  }
  return NULL;
}

/* `loam build` starts the embedded WIT with "// loam:world <name>": the
 * world the module implements. */
static bool world_mark(const char *wit, char *out, size_t cap) {
  static const char MARK[] = "// loam:world ";
  if (strncmp(wit, MARK, sizeof MARK - 1)) return false;
  const char *p = wit + sizeof MARK - 1;
  size_t n = strcspn(p, " \r\n");
  if (!n || n >= cap) return false;
  memcpy(out, p, n);
  out[n] = '\0';
  return true;
}

/* Every import must be a function the executor provides: one of
 * wasi_snapshot_preview1 that the WASI layer defines, of the host
 * interfaces (golem:rpc, wasi:io/poll), or of a stub composed into the
 * template (types are checked by the trial instantiation). */
static bool check_imports(const ex_template *t, loam_error *err) {
  const loam_module *m = t->module;
  for (size_t i = 0; i < loam_module_import_count(m); i++) {
    loam_import_desc d = loam_module_import(m, i);
    if (d.kind == LOAM_EXTERN_FUNC &&
        ((!strcmp(d.module, "wasi_snapshot_preview1") && loam_wasi_func_index(d.name) >= 0) ||
         ex_rpc_provides(d.module, d.name) || ex_stub_provides(t, d.module, d.name)))
      continue;
    if (loam_stub_like(d.module))
      ex_fail(err, LOAM_ERR_UNKNOWN_IMPORT,
              "unknown import: %s.%s is a function of the stub interface %s, whose "
              "implementation is not in this module: compose it with its stub first "
              "(`loam stubgen compose --source-wasm CALLER.wasm --stub-wasm STUB.wasm "
              "--dest-wasm COMPOSED.wasm`) and use the composed module",
              d.module, d.name, d.module);
    else
      ex_fail(err, LOAM_ERR_UNKNOWN_IMPORT,
              "unknown import: %s.%s (the executor provides wasi_snapshot_preview1, "
              "golem:rpc@0.1.0 and wasi:io/poll@0.2.0 functions, and those of the stubs "
              "composed into the module)",
              d.module, d.name);
    return false;
  }
  return true;
}

/* The world the template exports: `name`, or the root package's only one. */
static const loam_wit_world *pick_world(const loam_wit *w, const char *name,
                                        loam_error *err) {
  const loam_wit_package *p = w->root;
  if (!p) return ex_fail(err, LOAM_ERR_INVALID, "the WIT has no root package"), NULL;
  if (name) {
    const loam_wit_world *wd = loam_wit_find_world(p, name);
    if (!wd) ex_fail(err, LOAM_ERR_NOT_FOUND, "no world %s in package %s", name, p->id);
    return wd;
  }
  if (p->nworlds != 1) {
    ex_fail(err, LOAM_ERR_INVALID,
            "package %s has %u worlds; name the one the module implements", p->id,
            p->nworlds);
    return NULL;
  }
  return p->worlds[0];
}

/* "func(a: u32, b: string) -> u64" for f, malloc'd. */
static char *signature_text(const loam_wit_func *f) {
  size_t cap = 256, len;
  for (;;) {
    char *buf = malloc(cap);
    if (!buf) return NULL;
    len = (size_t)snprintf(buf, cap, "func(");
    for (uint32_t i = 0; i < f->nparams; i++) {
      if (len < cap) len += (size_t)snprintf(buf + len, cap - len, "%s%s: ", i ? ", " : "",
                                            f->params[i].name);
      len += loam_type_print(f->params[i].type, len < cap ? buf + len : NULL,
                             len < cap ? cap - len : 0);
    }
    if (len < cap) len += (size_t)snprintf(buf + len, cap - len, ")");
    for (uint32_t i = 0; i < f->nresults; i++) {
      bool named = f->results_kind == LOAM_WIT_RESULTS_NAMED;
      if (len < cap)
        len += (size_t)snprintf(buf + len, cap - len, "%s%s%s%s", i ? ", " : " -> ",
                                named && !i ? "(" : "", named ? f->results[i].name : "",
                                named ? ": " : "");
      len += loam_type_print(f->results[i].type, len < cap ? buf + len : NULL,
                             len < cap ? cap - len : 0);
      if (named && i + 1 == f->nresults && len < cap)
        len += (size_t)snprintf(buf + len, cap - len, ")");
    }
    if (len < cap) return buf;
    free(buf);
    cap = len + 1;
  }
}

/* Checks the module exports f's core function with the canonical ABI's core
 * type, and fills the export's description. */
static bool add_export(ex_template *t, const char *iface_id, const loam_wit_func *f,
                       loam_error *err) {
  char core[512], want[128], got[128];
  if (loam_abi_export_name(iface_id, f, core, sizeof core) >= sizeof core)
    return ex_fail(err, LOAM_ERR_LIMIT, "export name too long"), false;
  ex_export *e = &t->exports[t->info.nexports];
  if (!loam_abi_sig_of(f, &e->sig, e->sigbuf, EX_MAX_SIG))
    return ex_fail(err, LOAM_ERR_LIMIT, "%s: too many parameters", core), false;
  loam_abi_core_type(&e->sig, false, want, sizeof want);
  loam_functype ft;
  if (!loam_module_export_functype(t->module, core, &ft))
    return ex_fail(err, LOAM_ERR_NOT_FOUND,
                   "the WIT exports %s but the module has no function export \"%s\"",
                   f->name, core), false;
  ex_functype_text(&ft, got, sizeof got);
  if (strcmp(want, got))
    return ex_fail(err, LOAM_ERR_IMPORT_TYPE,
                   "export \"%s\" has core type %s, the WIT says %s", core, got, want),
           false;
  char name[640];
  if (iface_id) snprintf(name, sizeof name, "%s.{%s}", iface_id, f->name);
  else snprintf(name, sizeof name, "%s", f->name);
  e->name = strdup(name);
  e->core_name = strdup(core);
  e->signature = signature_text(f);
  if (!e->name || !e->core_name || !e->signature)
    return ex_fail(err, LOAM_ERR_NOMEM, "out of memory"), false;
  e->info = (loam_export_info){e->name, f, iface_id, e->signature};
  t->info.nexports++;
  return true;
}

/* Lists every freestanding function of the world's exports. */
static bool list_exports(ex_template *t, const loam_wit_world *w, loam_error *err) {
  size_t n = 0;
  for (uint32_t i = 0; i < w->nexports; i++)
    n += w->exports[i].kind == LOAM_WIT_ITEM_FUNCTION ? 1 : w->exports[i].iface->nfuncs;
  t->exports = calloc(n + 1, sizeof *t->exports);
  t->export_infos = calloc(n + 1, sizeof *t->export_infos);
  if (!t->exports || !t->export_infos)
    return ex_fail(err, LOAM_ERR_NOMEM, "out of memory"), false;
  for (uint32_t i = 0; i < w->nexports; i++) {
    const loam_wit_item *it = &w->exports[i];
    if (it->kind == LOAM_WIT_ITEM_FUNCTION) {
      if (!add_export(t, NULL, it->func, err)) return false;
      continue;
    }
    for (uint32_t j = 0; j < it->iface->nfuncs; j++) {
      const loam_wit_func *f = &it->iface->funcs[j];
      if (f->kind != LOAM_WIT_FUNC_FREESTANDING) continue; /* resources: later */
      if (!add_export(t, it->iface->id ? it->iface->id : it->name, f, err)) return false;
    }
  }
  for (size_t i = 0; i < t->info.nexports; i++) t->export_infos[i] = t->exports[i].info;
  t->info.exports = t->export_infos;
  return true;
}

/* Instantiates once in a scratch store, with the host interfaces (which
 * trap if called) and the stubs linked as a worker's runtime links them:
 * import types, memory limits and segments are checked now rather than at a
 * worker's first invocation. */
static bool trial_instantiate(ex_template *t, loam_error *err) {
  loam_wasi_config cfg = {.stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1};
  ex_worker w = {.tpl = t};
  ex_runtime rt = {.w = &w};
  rt.wasi = loam_wasi_new(&cfg, err);
  rt.store = loam_store_new(64 * 1024);
  rt.linker = loam_linker_new();
  rt.handles = loam_handles_new();
  bool ok = false;
  if (rt.wasi && rt.store && rt.linker && rt.handles &&
      loam_wasi_define(rt.wasi, rt.linker, rt.store))
    ok = ex_rpc_define(NULL, rt.linker, rt.store, err) && ex_stubs_link(&rt, err) &&
         loam_instantiate(rt.store, t->module, rt.linker, err) != NULL;
  else if (rt.wasi)
    ex_fail(err, LOAM_ERR_NOMEM, "out of memory");
  ex_stubs_free(&rt);
  loam_handles_free(rt.handles);
  loam_linker_free(rt.linker);
  loam_store_free(rt.store);
  loam_wasi_free(rt.wasi);
  return ok;
}

void ex_template_free(ex_template *t) {
  if (!t) return;
  for (size_t i = 0; i < t->info.nexports; i++) {
    free(t->exports[i].name);
    free(t->exports[i].core_name);
    free(t->exports[i].signature);
  }
  free(t->exports);
  free(t->export_infos);
  ex_template_free_stubs(t);
  loam_wit_free(t->wit);
  loam_module_free(t->module);
  free(t->wit_text);
  free(t->wasm);
  free(t->name);
  free(t);
}

ex_template *ex_template_build(const char *name, uint32_t version, const uint8_t *wasm,
                               size_t len, const char *wit, const char *world,
                               loam_error *err) {
  ex_template *t = calloc(1, sizeof *t);
  if (!t) return ex_fail(err, LOAM_ERR_NOMEM, "out of memory"), NULL;
  t->name = strdup(name);
  t->wasm = malloc(len ? len : 1);
  if (!t->name || !t->wasm) goto nomem;
  if (len) memcpy(t->wasm, wasm, len);
  t->info.wasm_len = len;
  t->module = loam_module_load(wasm, len, err);
  if (!t->module || !ex_template_load_stubs(t, err) || !check_imports(t, err)) goto fail;
  size_t wlen = wit ? strlen(wit) : 0;
  t->wit_text = wit ? strdup(wit) : embedded_wit(t->module, &wlen);
  if (!t->wit_text) {
    ex_fail(err, LOAM_ERR_INVALID,
            "the module carries no WIT (custom section \"loam:wit\") and none was given");
    goto fail;
  }
  t->wit = loam_wit_load_text("embedded.wit", t->wit_text, wlen, err);
  if (!t->wit) goto fail;
  char marked[256];
  if (!world && world_mark(t->wit_text, marked, sizeof marked)) world = marked;
  const loam_wit_world *w = pick_world(t->wit, world, err);
  if (!w || !list_exports(t, w, err) || !trial_instantiate(t, err)) goto fail;
  t->info.name = t->name;
  t->info.version = version;
  t->info.wasm_len = len;
  t->info.world = w->id;
  t->has_initialize = loam_module_export_functype(t->module, "_initialize",
                                                  &(loam_functype){0});
  return t;
nomem:
  ex_fail(err, LOAM_ERR_NOMEM, "out of memory");
fail:
  ex_template_free(t);
  return NULL;
}

const loam_export_info *loam_template_find_export(const loam_template_info *info,
                                                  const char *function,
                                                  loam_error *err) {
  const loam_export_info *bare = NULL;
  size_t nbare = 0;
  for (size_t i = 0; i < info->nexports; i++) {
    const loam_export_info *e = &info->exports[i];
    if (!strcmp(e->name, function)) return e;
    if (!strcmp(e->func->name, function)) bare = e, nbare++;
  }
  if (nbare == 1) return bare;
  char list[400] = "";
  size_t off = 0;
  for (size_t i = 0; i < info->nexports && off < sizeof list; i++)
    off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", i ? ", " : "",
                            info->exports[i].name);
  if (nbare > 1)
    ex_fail(err, LOAM_ERR_NOT_FOUND,
            "function name %s is ambiguous in template %s; use the full name (%s)",
            function, info->name, list);
  else
    ex_fail(err, LOAM_ERR_NOT_FOUND, "template %s has no function %s; it exports: %s",
            info->name, function, info->nexports ? list : "(nothing)");
  return NULL;
}
