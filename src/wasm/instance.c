/*
 * instance.c — instantiation, following the WebAssembly 2.0 algorithm:
 * resolve and type-check imports, allocate functions, tables, memories and
 * globals, evaluate element segments, apply active element and data
 * segments in order (a trap keeps earlier writes), run the start function.
 * Also the instance's export lookups.
 */
#include "runtime.h"
#include <stdio.h>
#include <stdlib.h>

static const char *kind_name(loam_externkind k) {
  switch (k) {
  case LOAM_EXTERN_FUNC: return "function";
  case LOAM_EXTERN_TABLE: return "table";
  case LOAM_EXTERN_MEMORY: return "memory";
  case LOAM_EXTERN_GLOBAL: return "global";
  }
  return "extern";
}

/* ---- imports ---------------------------------------------------------------- */

/* Limits subtyping: the actual size covers the declared minimum, and a
 * declared maximum is matched by an actual maximum no larger. */
static bool limits_match(uint64_t size, bool has_max, uint64_t max,
                         const wasm_limits *want) {
  if (size < want->min) return false;
  return !want->has_max || (has_max && max <= want->max);
}

static bool bad_import(loam_error *err, const wasm_import *im, const char *why) {
  return wasm_fail(err, LOAM_ERR_IMPORT_TYPE, "incompatible import type for %s.%s: %s",
                   im->module, im->name, why);
}

/* Checks one resolved import against its declaration. */
static bool check_import(const wasm_module *m, const wasm_import *im,
                         const loam_extern *ext, loam_error *err) {
  char why[128];
  if (ext->kind != im->kind) {
    snprintf(why, sizeof why, "expected %s, got %s", kind_name(im->kind),
             kind_name(ext->kind));
    return bad_import(err, im, why);
  }
  switch (im->kind) {
  case LOAM_EXTERN_FUNC:
    if (im->desc.func_type >= m->ntypes ||
        ext->of.func->type->sig_id != m->types[im->desc.func_type].sig_id)
      return bad_import(err, im, "function type mismatch");
    return true;
  case LOAM_EXTERN_TABLE: {
    const loam_table *t = ext->of.table;
    if (t->elemtype != im->desc.table.elemtype)
      return bad_import(err, im, "element type mismatch");
    if (!limits_match(t->size, t->max != UINT32_MAX, t->max, &im->desc.table.limits))
      return bad_import(err, im, "table limits mismatch");
    return true;
  }
  case LOAM_EXTERN_MEMORY: {
    const loam_memory *mem = ext->of.memory;
    if (!limits_match(mem->pages, mem->has_max, mem->max_pages, &im->desc.memory))
      return bad_import(err, im, "memory limits mismatch");
    return true;
  }
  case LOAM_EXTERN_GLOBAL: {
    const loam_global *g = ext->of.global;
    if (g->type != im->desc.global.valtype || g->mutable_ != im->desc.global.mutable_)
      return bad_import(err, im, "global type mismatch");
    return true;
  }
  }
  return bad_import(err, im, "unknown kind");
}

static bool resolve_imports(loam_instance *inst, const loam_linker *l, loam_error *err) {
  const wasm_module *m = inst->module->m;
  uint32_t nf = 0, nt = 0, nm = 0, ng = 0;
  for (uint32_t i = 0; i < m->nimports; i++) {
    const wasm_import *im = &m->imports[i];
    loam_extern ext;
    if (!l || !loam_linker_lookup(l, im->module, im->name, &ext))
      return wasm_fail(err, LOAM_ERR_UNKNOWN_IMPORT, "unknown import: %s.%s",
                       im->module, im->name);
    if (!ext.of.func) /* all members share the pointer's place */
      return bad_import(err, im, "null definition");
    if (!check_import(m, im, &ext, err)) return false;
    switch (im->kind) {
    case LOAM_EXTERN_FUNC: inst->funcs[nf++] = ext.of.func; break;
    case LOAM_EXTERN_TABLE: inst->tables[nt++] = ext.of.table; break;
    case LOAM_EXTERN_MEMORY: inst->mems[nm++] = ext.of.memory; break;
    case LOAM_EXTERN_GLOBAL: inst->globals[ng++] = ext.of.global; break;
    }
  }
  return true;
}

/* ---- definitions ------------------------------------------------------------ */

/* A defined function's name for messages: its first export name, else its
 * `name`-section name, else "func[N]". */
static const char *func_name(loam_store *s, const wasm_module *m, uint32_t idx) {
  if (m->funcs[idx].name) return m->funcs[idx].name;
  char *buf = wasm_store_alloc(s, 24);
  if (!buf) return "func";
  snprintf(buf, 24, "func[%u]", idx);
  return buf;
}

static bool define_funcs(loam_instance *inst, loam_error *err) {
  const wasm_module *m = inst->module->m;
  for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++) {
    loam_func *f = wasm_store_alloc(inst->store, sizeof *f);
    if (!f) return wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
    f->type = &m->types[m->funcs[i].type];
    f->inst = inst;
    f->code = m->funcs[i].code;
    f->index = i;
    inst->funcs[i] = f;
  }
  /* export names first (one pass, the first export of a function wins) */
  for (uint32_t i = m->nexports; i-- > 0;) {
    const wasm_export *e = &m->exports[i];
    if (e->kind == LOAM_EXTERN_FUNC && e->index >= m->nfunc_imports)
      inst->funcs[e->index]->name = e->name;
  }
  for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++)
    if (!inst->funcs[i]->name) inst->funcs[i]->name = func_name(inst->store, m, i);
  return true;
}

static bool define_tables_mems(loam_instance *inst, loam_error *err) {
  const wasm_module *m = inst->module->m;
  for (uint32_t i = m->ntable_imports; i < m->ntables; i++) {
    const wasm_tabletype *tt = &m->tables[i];
    uint32_t max = tt->limits.has_max ? tt->limits.max : UINT32_MAX;
    inst->tables[i] = loam_table_new(inst->store, (loam_valtype)tt->elemtype,
                                     tt->limits.min, max);
    if (!inst->tables[i])
      return wasm_fail(err, LOAM_ERR_LIMIT, "table %u: cannot allocate %u elements",
                       i, tt->limits.min);
  }
  for (uint32_t i = m->nmem_imports; i < m->nmems; i++) {
    const wasm_limits *lim = &m->mems[i];
    inst->mems[i] = loam_memory_new(inst->store, lim->min,
                                    lim->has_max ? lim->max : UINT32_MAX);
    if (!inst->mems[i])
      return wasm_fail(err, LOAM_ERR_LIMIT, "memory %u: cannot allocate %u pages",
                       i, lim->min);
  }
  inst->mem0 = m->nmems ? inst->mems[0] : NULL;
  return true;
}

/* The value of a constant expression (validated: indices are in range and
 * global.get names an imported or earlier global). */
static uint64_t eval_const(const loam_instance *inst, const wasm_constexpr *c) {
  switch (c->kind) {
  case WASM_CONST_I32: case WASM_CONST_I64: case WASM_CONST_F32: case WASM_CONST_F64:
    return c->bits;
  case WASM_CONST_REF_FUNC: return (uint64_t)(uintptr_t)inst->funcs[c->index];
  case WASM_CONST_GLOBAL_GET: return inst->globals[c->index]->value;
  default: return 0; /* REF_NULL; invalid kinds never pass validation */
  }
}

static bool define_globals(loam_instance *inst, loam_error *err) {
  const wasm_module *m = inst->module->m;
  for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
    loam_global *g = wasm_store_alloc(inst->store, sizeof *g);
    if (!g) return wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
    g->type = m->globals[i].type.valtype;
    g->mutable_ = m->globals[i].type.mutable_;
    g->value = eval_const(inst, &m->globals[i].init);
    inst->globals[i] = g;
  }
  return true;
}

/* Evaluates every element segment's items; records data segment lengths. */
static bool define_segments(loam_instance *inst, loam_error *err) {
  const wasm_module *m = inst->module->m;
  loam_store *s = inst->store;
  inst->elem_len = wasm_store_alloc(s, (m->nelems + 1) * sizeof *inst->elem_len);
  inst->elem_items = wasm_store_alloc(s, (m->nelems + 1) * sizeof *inst->elem_items);
  inst->data_len = wasm_store_alloc(s, (m->ndatas + 1) * sizeof *inst->data_len);
  if (!inst->elem_len || !inst->elem_items || !inst->data_len)
    return wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
  for (uint32_t i = 0; i < m->nelems; i++) {
    const wasm_elem *e = &m->elems[i];
    void **items = wasm_store_alloc(s, ((size_t)e->count + 1) * sizeof *items);
    if (!items) return wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
    for (uint32_t k = 0; k < e->count; k++)
      items[k] = (void *)(uintptr_t)eval_const(inst, &e->items[k]);
    inst->elem_items[i] = items;
    inst->elem_len[i] = e->count;
  }
  for (uint32_t i = 0; i < m->ndatas; i++) inst->data_len[i] = m->datas[i].bytes.len;
  return true;
}

/* ---- segment initialisation and start ------------------------------------- */

/* table.init + elem.drop for each active segment; declarative ones are just
 * dropped. */
static bool init_tables(loam_instance *inst, loam_error *err) {
  const wasm_module *m = inst->module->m;
  for (uint32_t i = 0; i < m->nelems; i++) {
    const wasm_elem *e = &m->elems[i];
    if (e->mode == WASM_SEG_ACTIVE) {
      loam_table *t = inst->tables[e->table];
      uint32_t off = (uint32_t)eval_const(inst, &e->offset);
      uint32_t n = inst->elem_len[i];
      if ((uint64_t)off + n > t->size)
        return wasm_fail(err, LOAM_TRAP_OOB_TABLE, "out of bounds table access");
      if (n) memcpy(t->elems + off, inst->elem_items[i], n * sizeof(void *));
    }
    if (e->mode != WASM_SEG_PASSIVE) inst->elem_len[i] = 0;
  }
  return true;
}

/* memory.init + data.drop for each active segment. */
static bool init_memories(loam_instance *inst, loam_error *err) {
  const wasm_module *m = inst->module->m;
  for (uint32_t i = 0; i < m->ndatas; i++) {
    const wasm_data *d = &m->datas[i];
    if (d->mode != WASM_SEG_ACTIVE) continue;
    loam_memory *mem = inst->mems[d->memory];
    uint64_t off = (uint32_t)eval_const(inst, &d->offset);
    uint8_t *dst = loam_memory_ptr(mem, off, d->bytes.len);
    if (!dst)
      return wasm_fail(err, LOAM_TRAP_OOB_MEMORY, "out of bounds memory access");
    if (d->bytes.len) memcpy(dst, m->bytes + d->bytes.off, d->bytes.len);
    inst->data_len[i] = 0;
  }
  return true;
}

static bool run_start(loam_instance *inst, loam_error *err) {
  const wasm_module *m = inst->module->m;
  if (!m->has_start) return true;
  loam_store *s = inst->store;
  uint64_t *sp = s->sp;
  loam_status st = wasm_invoke(s, inst->funcs[m->start], sp, err);
  s->sp = sp;
  return st == LOAM_OK;
}

static void *alloc_space(loam_store *s, uint32_t n) {
  return wasm_store_alloc(s, ((size_t)n + 1) * sizeof(void *));
}

loam_instance *loam_instantiate(loam_store *s, const loam_module *lm,
                                const loam_linker *l, loam_error *err) {
  const wasm_module *m = lm->m;
  loam_error local;
  if (!err) err = &local; /* the start function needs somewhere to trap */
  loam_instance *inst = wasm_store_alloc(s, sizeof *inst);
  if (!inst) return wasm_fail(err, LOAM_ERR_NOMEM, "out of memory"), NULL;
  inst->store = s;
  inst->module = lm;
  inst->funcs = alloc_space(s, m->nfuncs);
  inst->tables = alloc_space(s, m->ntables);
  inst->mems = alloc_space(s, m->nmems);
  inst->globals = alloc_space(s, m->nglobals);
  if (!inst->funcs || !inst->tables || !inst->mems || !inst->globals)
    return wasm_fail(err, LOAM_ERR_NOMEM, "out of memory"), NULL;
  if (!resolve_imports(inst, l, err) || !define_funcs(inst, err) ||
      !define_tables_mems(inst, err) || !define_globals(inst, err) ||
      !define_segments(inst, err) || !init_tables(inst, err) ||
      !init_memories(inst, err) || !run_start(inst, err))
    return NULL;
  err->code = LOAM_OK;
  err->message[0] = '\0';
  return inst;
}

/* ---- exports ------------------------------------------------------------------ */

const loam_module *loam_instance_module(const loam_instance *inst) { return inst->module; }

bool loam_instance_export(const loam_instance *inst, const char *name,
                          loam_extern *out) {
  return loam_instance_export_n(inst, name, strlen(name), out);
}

bool loam_instance_export_n(const loam_instance *inst, const char *name,
                            size_t len, loam_extern *out) {
  const wasm_module *m = inst->module->m;
  for (uint32_t i = 0; i < m->nexports; i++) {
    const wasm_export *e = &m->exports[i];
    if (e->name_len != len || memcmp(e->name, name, len) != 0) continue;
    out->kind = e->kind;
    switch (e->kind) {
    case LOAM_EXTERN_FUNC: out->of.func = inst->funcs[e->index]; break;
    case LOAM_EXTERN_TABLE: out->of.table = inst->tables[e->index]; break;
    case LOAM_EXTERN_MEMORY: out->of.memory = inst->mems[e->index]; break;
    case LOAM_EXTERN_GLOBAL: out->of.global = inst->globals[e->index]; break;
    }
    return true;
  }
  return false;
}

loam_func *loam_instance_func(const loam_instance *inst, const char *name) {
  loam_extern ext;
  if (!loam_instance_export(inst, name, &ext) || ext.kind != LOAM_EXTERN_FUNC)
    return NULL;
  return ext.of.func;
}

loam_memory *loam_instance_memory(const loam_instance *inst) { return inst->mem0; }
