/*
 * validate.c — module-level validation (WebAssembly 2.0, "Validation >
 * Modules") and the driver that validates and translates every function
 * body (translate.c) into m->funcs[i].code.
 */
#include "module.h"
#include "translate.h"
#include <stdlib.h>
#include <string.h>

/* ---- limits and types ------------------------------------------------------ */

static bool check_memory(const wasm_limits *l, uint32_t i, loam_error *err) {
  if (l->min > WASM_MAX_PAGES || (l->has_max && l->max > WASM_MAX_PAGES))
    return wasm_fail(err, LOAM_ERR_INVALID,
                     "memory %u: memory size must be at most 65536 pages (4GiB)", i);
  if (l->has_max && l->min > l->max)
    return wasm_fail(err, LOAM_ERR_INVALID,
                     "memory %u: size minimum must not be greater than maximum", i);
  return true;
}

static bool check_table(const wasm_tabletype *t, uint32_t i, loam_error *err) {
  if (t->limits.has_max && t->limits.min > t->limits.max)
    return wasm_fail(err, LOAM_ERR_INVALID,
                     "table %u: size minimum must not be greater than maximum", i);
  return true;
}

static bool check_types(const wasm_module *m, loam_error *err) {
  for (uint32_t i = 0; i < m->nfuncs; i++)
    if (m->funcs[i].type >= m->ntypes)
      return wasm_fail(err, LOAM_ERR_INVALID, "function %u: unknown type %u", i,
                       m->funcs[i].type);
  for (uint32_t i = 0; i < m->ntables; i++)
    if (!check_table(&m->tables[i], i, err)) return false;
  for (uint32_t i = 0; i < m->nmems; i++)
    if (!check_memory(&m->mems[i], i, err)) return false;
  if (m->nmems > 1)
    return wasm_fail(err, LOAM_ERR_INVALID, "multiple memories");
  return true;
}

/* ---- constant expressions ----------------------------------------------------- */

/* Checks a constant expression of type `want` (WebAssembly 2.0: global.get
 * may only read imported, immutable globals). `what` names it in messages. */
static bool check_const(const wasm_module *m, const wasm_constexpr *e,
                        uint8_t want, const char *what, uint32_t idx,
                        loam_error *err) {
  const char *why = NULL;
  uint8_t got = 0;
  switch (e->kind) {
  case WASM_CONST_INVALID: why = "constant expression required"; break;
  case WASM_CONST_ARITY: why = "type mismatch"; break;
  case WASM_CONST_I32: got = LOAM_I32; break;
  case WASM_CONST_I64: got = LOAM_I64; break;
  case WASM_CONST_F32: got = LOAM_F32; break;
  case WASM_CONST_F64: got = LOAM_F64; break;
  case WASM_CONST_REF_NULL: got = e->type; break;
  case WASM_CONST_REF_FUNC:
    if (e->index >= m->nfuncs)
      return wasm_fail(err, LOAM_ERR_INVALID, "%s %u at offset 0x%x: unknown function %u",
                       what, idx, e->offset, e->index);
    got = LOAM_FUNCREF;
    break;
  case WASM_CONST_GLOBAL_GET:
    if (e->index >= m->nglobal_imports)
      return wasm_fail(err, LOAM_ERR_INVALID, "%s %u at offset 0x%x: unknown global %u",
                       what, idx, e->offset, e->index);
    if (m->globals[e->index].type.mutable_) why = "constant expression required";
    got = m->globals[e->index].type.valtype;
    break;
  }
  if (!why && got != want) why = "type mismatch";
  if (why)
    return wasm_fail(err, LOAM_ERR_INVALID, "%s %u at offset 0x%x: %s", what, idx,
                     e->offset, why);
  return true;
}

static bool check_globals(const wasm_module *m, loam_error *err) {
  for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
    const wasm_global *g = &m->globals[i];
    if (!check_const(m, &g->init, g->type.valtype, "global", i, err)) return false;
  }
  return true;
}

/* ---- segments --------------------------------------------------------------------- */

static bool check_elems(const wasm_module *m, loam_error *err) {
  for (uint32_t i = 0; i < m->nelems; i++) {
    const wasm_elem *e = &m->elems[i];
    if (e->mode == WASM_SEG_ACTIVE) {
      if (e->table >= m->ntables)
        return wasm_fail(err, LOAM_ERR_INVALID, "element %u: unknown table %u", i, e->table);
      if (m->tables[e->table].elemtype != e->elemtype)
        return wasm_fail(err, LOAM_ERR_INVALID, "element %u: type mismatch", i);
      if (!check_const(m, &e->offset, LOAM_I32, "element", i, err)) return false;
    }
    for (uint32_t j = 0; j < e->count; j++)
      if (!check_const(m, &e->items[j], e->elemtype, "element", i, err)) return false;
  }
  return true;
}

static bool check_datas(const wasm_module *m, loam_error *err) {
  for (uint32_t i = 0; i < m->ndatas; i++) {
    const wasm_data *d = &m->datas[i];
    if (d->mode != WASM_SEG_ACTIVE) continue;
    if (d->memory >= m->nmems)
      return wasm_fail(err, LOAM_ERR_INVALID, "data %u: unknown memory %u", i, d->memory);
    if (!check_const(m, &d->offset, LOAM_I32, "data", i, err)) return false;
  }
  return true;
}

/* ---- start and exports ---------------------------------------------------------- */

static bool check_start(const wasm_module *m, loam_error *err) {
  if (!m->has_start) return true;
  if (m->start >= m->nfuncs)
    return wasm_fail(err, LOAM_ERR_INVALID, "start: unknown function %u", m->start);
  const wasm_functype *t = &m->types[m->funcs[m->start].type];
  if (t->nparams || t->nresults)
    return wasm_fail(err, LOAM_ERR_INVALID,
                     "start function %u must have type [] -> []", m->start);
  return true;
}

/* Orders exports by name bytes (names may hold U+0000: use the lengths). */
static int cmp_names(const void *a, const void *b) {
  const wasm_export *x = *(const wasm_export *const *)a, *y = *(const wasm_export *const *)b;
  uint32_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
  int c = n ? memcmp(x->name, y->name, n) : 0;
  if (c) return c;
  return (x->name_len > y->name_len) - (x->name_len < y->name_len);
}

static bool check_exports(const wasm_module *m, loam_error *err) {
  static const char *const kinds[] = {"function", "table", "memory", "global"};
  for (uint32_t i = 0; i < m->nexports; i++) {
    const wasm_export *e = &m->exports[i];
    uint32_t n = e->kind == LOAM_EXTERN_FUNC    ? m->nfuncs
                 : e->kind == LOAM_EXTERN_TABLE ? m->ntables
                 : e->kind == LOAM_EXTERN_MEMORY ? m->nmems
                                                 : m->nglobals;
    if (e->index >= n)
      return wasm_fail(err, LOAM_ERR_INVALID, "export \"%s\": unknown %s %u", e->name,
                       kinds[e->kind], e->index);
  }
  if (m->nexports < 2) return true;
  /* sorting makes duplicates neighbours: O(n log n) */
  const wasm_export **sorted = malloc(m->nexports * sizeof *sorted);
  if (!sorted) return wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
  for (uint32_t i = 0; i < m->nexports; i++) sorted[i] = &m->exports[i];
  qsort(sorted, m->nexports, sizeof *sorted, cmp_names);
  bool ok = true;
  for (uint32_t i = 1; i < m->nexports && ok; i++)
    if (cmp_names(&sorted[i - 1], &sorted[i]) == 0)
      ok = wasm_fail(err, LOAM_ERR_INVALID, "export \"%s\": duplicate export name",
                     sorted[i]->name);
  free(sorted);
  return ok;
}

/* ---- C.refs ------------------------------------------------------------------------ */

static void declare(wasm_module *m, const wasm_constexpr *e) {
  if (e->kind == WASM_CONST_REF_FUNC && e->index < m->nfuncs) m->func_declared[e->index] = 1;
}

/* Function indices ref.func may name in bodies: those in exports and in the
 * constant expressions of globals and element segments. */
static bool fill_declared(wasm_module *m, loam_error *err) {
  free(m->func_declared);
  m->func_declared = calloc(m->nfuncs ? m->nfuncs : 1, 1);
  if (!m->func_declared) return wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
  for (uint32_t i = 0; i < m->nexports; i++)
    if (m->exports[i].kind == LOAM_EXTERN_FUNC && m->exports[i].index < m->nfuncs)
      m->func_declared[m->exports[i].index] = 1;
  for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) declare(m, &m->globals[i].init);
  for (uint32_t i = 0; i < m->nelems; i++)
    for (uint32_t j = 0; j < m->elems[i].count; j++) declare(m, &m->elems[i].items[j]);
  return true;
}

/* ---- the driver ---------------------------------------------------------------------- */

/* An invalid module whose bodies from `from` on may still be malformed: the
 * spec decodes the whole module before validating any of it, so a
 * malformed body wins over the validation error already in *err. */
static bool prefer_malformed(const wasm_module *m, uint32_t from, loam_error *err) {
  loam_error scan;
  for (uint32_t i = from; i < m->nfuncs; i++)
    if (!wasm_xlate_scan(m, i, &scan) && scan.code == LOAM_ERR_MALFORMED) {
      *err = scan;
      break;
    }
  return false;
}

static bool check_module(wasm_module *m, loam_error *err) {
  return check_types(m, err) && check_globals(m, err) && check_elems(m, err) &&
         check_datas(m, err) && check_start(m, err) && check_exports(m, err);
}

bool wasm_validate(wasm_module *m, loam_error *err) {
  loam_error local;
  if (!err) err = &local;
  if (!fill_declared(m, err)) return false;
  if (!check_module(m, err))
    return err->code == LOAM_ERR_INVALID ? prefer_malformed(m, m->nfunc_imports, err) : false;
  wasm_xlate *x = wasm_xlate_new(m);
  if (!x) return wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
  bool ok = true;
  for (uint32_t i = m->nfunc_imports; i < m->nfuncs && ok; i++) {
    wasm_code_free(m->funcs[i].code);
    m->funcs[i].code = wasm_xlate_func(x, i, err);
    if (!m->funcs[i].code) {
      ok = false;
      if (err->code == LOAM_ERR_INVALID) prefer_malformed(m, i, err);
    }
  }
  wasm_xlate_free(x);
  return ok;
}
