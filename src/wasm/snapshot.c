/*
 * snapshot.c — capturing and restoring an instance's mutable state (memory
 * 0, its own globals and tables, which segments are dropped), and a
 * byte format for storing a captured state.
 *
 * What is captured: memory 0 (even when imported: it is the memory the
 * instance works in), the globals and tables the instance defines (imported
 * ones belong to their exporter), and the lengths of its element and data
 * segments (dropped = 0). A state fits only instances of the module it was
 * captured from, recognised by a hash of the module's bytes.
 *
 * References in tables: a function of the instance's own function index
 * space is stored as its index and so survives serialization into another
 * process; any other reference (externref, a function of an unrelated
 * instance) is stored as a raw pointer, meaningful only in the same store in
 * the same process: restore refuses such an entry in a deserialized state
 * (it could point anywhere). Globals are stored the same way.
 *
 * Serialized form (little-endian): "LOAMSTAT", u32 version (1), u64 module
 * hash, u8 has_mem, u32 pages, pages * 64 KiB bytes, u32 nglobals, nglobals * (u8 type,
 * u8 tag, u64 value), u32 ntables, per table (u32 size, size * (u8 tag,
 * u64 value)), u32 nelems, u32 each, u32 ndatas, u32 each.
 */
#include "runtime.h"
#include <stdlib.h>

/* How a slot is stored: a null reference, a function by its index in the
 * instance's function index space, a raw pointer, a plain number. */
enum { REF_NULL = 0, REF_FUNC_INDEX = 1, REF_RAW = 2, PLAIN = 3 };

typedef struct state_ref { uint8_t tag; uint64_t v; } state_ref;
typedef struct state_table { uint32_t size; state_ref *refs; } state_table;

struct loam_state {
  uint64_t module_hash;
  bool has_mem;
  uint32_t pages;
  uint8_t *mem;                 /* pages * 64 KiB bytes */
  uint32_t nglobals;            /* defined globals */
  uint8_t *global_types;
  state_ref *globals;
  uint32_t ntables;             /* defined tables */
  state_table *tables;
  uint32_t nelems, ndatas;
  uint32_t *elem_len, *data_len;
  bool foreign;                 /* deserialized: raw pointers are not ours */
};

static const char MAGIC[8] = {'L', 'O', 'A', 'M', 'S', 'T', 'A', 'T'};
#define STATE_VERSION 1u

static uint64_t module_hash(const wasm_module *m) {
  uint64_t h = 1469598103934665603ull ^ m->len;
  for (size_t i = 0; i < m->len; i++) h = (h ^ m->bytes[i]) * 1099511628211ull;
  return h;
}

void loam_state_free(loam_state *st) {
  if (!st) return;
  free(st->mem);
  free(st->global_types);
  free(st->globals);
  for (uint32_t i = 0; st->tables && i < st->ntables; i++) free(st->tables[i].refs);
  free(st->tables);
  free(st->elem_len);
  free(st->data_len);
  free(st);
}

/* Allocates the state's arrays for the given counts (zeroed). */
static loam_state *state_new(uint32_t pages, bool has_mem, uint32_t nglobals,
                             uint32_t ntables, uint32_t nelems, uint32_t ndatas) {
  loam_state *st = calloc(1, sizeof *st);
  if (!st) return NULL;
  st->has_mem = has_mem;
  st->pages = pages;
  st->nglobals = nglobals;
  st->ntables = ntables;
  st->nelems = nelems;
  st->ndatas = ndatas;
  st->mem = malloc(pages ? (size_t)pages * WASM_PAGE_SIZE : 1);
  st->global_types = calloc(nglobals + 1, 1);
  st->globals = calloc(nglobals + 1, sizeof *st->globals);
  st->tables = calloc(ntables + 1, sizeof *st->tables);
  st->elem_len = calloc(nelems + 1, sizeof *st->elem_len);
  st->data_len = calloc(ndatas + 1, sizeof *st->data_len);
  if (!st->mem || !st->global_types || !st->globals || !st->tables ||
      !st->elem_len || !st->data_len) {
    loam_state_free(st);
    return NULL;
  }
  return st;
}

/* ---- capture and restore --------------------------------------------------- */

static bool is_ref(uint8_t type) {
  return type == LOAM_FUNCREF || type == LOAM_EXTERNREF;
}

/* The stored form of a slot of type `type`. */
static state_ref ref_out(const loam_instance *inst, uint8_t type, uint64_t slot) {
  state_ref r = {REF_NULL, 0};
  void *p = (void *)(uintptr_t)slot;
  if (!is_ref(type)) return (state_ref){PLAIN, slot};
  if (!p) return r;
  if (type == LOAM_FUNCREF) {
    const loam_func *f = p;
    const wasm_module *m = inst->module->m;
    if (f->inst == inst) return (state_ref){REF_FUNC_INDEX, f->index};
    for (uint32_t i = 0; i < m->nfunc_imports; i++)
      if (inst->funcs[i] == f) return (state_ref){REF_FUNC_INDEX, i};
  }
  return (state_ref){REF_RAW, (uint64_t)(uintptr_t)p};
}

static uint64_t ref_in(const loam_instance *inst, state_ref r) {
  switch (r.tag) {
  case REF_FUNC_INDEX: return (uint64_t)(uintptr_t)inst->funcs[r.v];
  case REF_RAW: case PLAIN: return r.v;
  default: return 0;
  }
}

/* A stored slot the instance can take back: function indices in range, raw
 * pointers only from this process, tags that fit the type. */
static bool ref_fits(const loam_instance *inst, const loam_state *st, uint8_t type,
                     state_ref r) {
  if (r.tag == PLAIN) return !is_ref(type);
  if (!is_ref(type)) return false;
  if (r.tag == REF_FUNC_INDEX)
    return type == LOAM_FUNCREF && r.v < inst->module->m->nfuncs;
  if (r.tag == REF_RAW) return !st->foreign;
  return r.tag == REF_NULL;
}

loam_state *loam_instance_capture(const loam_instance *inst, loam_error *err) {
  const wasm_module *m = inst->module->m;
  const loam_memory *mem = inst->mem0;
  loam_state *st = state_new(mem ? mem->pages : 0, mem != NULL,
                             m->nglobals - m->nglobal_imports,
                             m->ntables - m->ntable_imports, m->nelems, m->ndatas);
  if (!st) return wasm_fail(err, LOAM_ERR_NOMEM, "out of memory"), NULL;
  st->module_hash = module_hash(m);
  if (mem && mem->size) memcpy(st->mem, mem->data, mem->size);
  for (uint32_t i = 0; i < st->nglobals; i++) {
    const loam_global *g = inst->globals[m->nglobal_imports + i];
    st->global_types[i] = g->type;
    st->globals[i] = ref_out(inst, g->type, g->value);
  }
  for (uint32_t i = 0; i < st->ntables; i++) {
    const loam_table *t = inst->tables[m->ntable_imports + i];
    state_table *out = &st->tables[i];
    out->refs = calloc((size_t)t->size + 1, sizeof *out->refs);
    if (!out->refs) {
      loam_state_free(st);
      return wasm_fail(err, LOAM_ERR_NOMEM, "out of memory"), NULL;
    }
    out->size = t->size;
    for (uint32_t k = 0; k < t->size; k++)
      out->refs[k] = ref_out(inst, t->elemtype, (uint64_t)(uintptr_t)t->elems[k]);
  }
  memcpy(st->elem_len, inst->elem_len, m->nelems * sizeof *st->elem_len);
  memcpy(st->data_len, inst->data_len, m->ndatas * sizeof *st->data_len);
  return st;
}

/* Everything restore checks before touching the instance, so a rejected
 * state leaves the instance as it was. */
static bool restore_fits(const loam_instance *inst, const loam_state *st,
                         loam_error *err) {
  const wasm_module *m = inst->module->m;
  if (st->module_hash != module_hash(m) ||
      st->nglobals != m->nglobals - m->nglobal_imports ||
      st->ntables != m->ntables - m->ntable_imports || st->nelems != m->nelems ||
      st->ndatas != m->ndatas || st->has_mem != (inst->mem0 != NULL))
    return wasm_fail(err, LOAM_ERR_ARGUMENT, "state is from a different module");
  if (inst->mem0 && ((uint64_t)st->pages * WASM_PAGE_SIZE >
                         inst->mem0->reserved - WASM_PAGE_SIZE ||
                     st->pages > inst->mem0->max_pages))
    return wasm_fail(err, LOAM_ERR_LIMIT, "state's memory (%u pages) exceeds the "
                     "instance's maximum", st->pages);
  for (uint32_t i = 0; i < st->nglobals; i++) {
    uint8_t type = inst->globals[m->nglobal_imports + i]->type;
    if (st->global_types[i] != type || !ref_fits(inst, st, type, st->globals[i]))
      return wasm_fail(err, LOAM_ERR_ARGUMENT, "state's global %u does not fit", i);
  }
  for (uint32_t i = 0; i < st->ntables; i++) {
    uint8_t type = inst->tables[m->ntable_imports + i]->elemtype;
    for (uint32_t k = 0; k < st->tables[i].size; k++)
      if (!ref_fits(inst, st, type, st->tables[i].refs[k]))
        return wasm_fail(err, LOAM_ERR_ARGUMENT, "state's table %u entry %u does "
                         "not fit (a host reference cannot cross serialization)", i, k);
  }
  /* a segment is either whole or dropped: anything else would let table.init
   * or memory.init read past the segment */
  for (uint32_t i = 0; i < m->nelems; i++)
    if (st->elem_len[i] != 0 && st->elem_len[i] != m->elems[i].count)
      return wasm_fail(err, LOAM_ERR_ARGUMENT, "state's element segment %u is bad", i);
  for (uint32_t i = 0; i < m->ndatas; i++)
    if (st->data_len[i] != 0 && st->data_len[i] != m->datas[i].bytes.len)
      return wasm_fail(err, LOAM_ERR_ARGUMENT, "state's data segment %u is bad", i);
  return true;
}

bool loam_instance_restore(loam_instance *inst, const loam_state *st,
                           loam_error *err) {
  const wasm_module *m = inst->module->m;
  if (!restore_fits(inst, st, err)) return false;
  for (uint32_t i = 0; i < st->ntables; i++)
    if (!wasm_table_resize(inst->tables[m->ntable_imports + i], st->tables[i].size))
      return wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
  if (inst->mem0) {
    if (!wasm_memory_resize(inst->mem0, st->pages))
      return wasm_fail(err, LOAM_ERR_NOMEM, "cannot resize memory");
    if (inst->mem0->size) memcpy(inst->mem0->data, st->mem, inst->mem0->size);
  }
  for (uint32_t i = 0; i < st->nglobals; i++)
    inst->globals[m->nglobal_imports + i]->value = ref_in(inst, st->globals[i]);
  for (uint32_t i = 0; i < st->ntables; i++) {
    loam_table *t = inst->tables[m->ntable_imports + i];
    for (uint32_t k = 0; k < t->size; k++)
      t->elems[k] = (void *)(uintptr_t)ref_in(inst, st->tables[i].refs[k]);
  }
  memcpy(inst->elem_len, st->elem_len, m->nelems * sizeof *st->elem_len);
  memcpy(inst->data_len, st->data_len, m->ndatas * sizeof *st->data_len);
  return true;
}

/* ---- serialization ------------------------------------------------------------ */

typedef struct buf { uint8_t *p; size_t len, cap; bool failed; } buf;

static void put(buf *b, const void *src, size_t n) {
  if (b->failed) return;
  if (b->cap - b->len < n) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < n) cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
      b->failed = true;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, src, n);
  b->len += n;
}

static void put_u8(buf *b, uint8_t v) { put(b, &v, 1); }
static void put_u32(buf *b, uint32_t v) {
  uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  put(b, x, 4);
}
static void put_u64(buf *b, uint64_t v) {
  put_u32(b, (uint32_t)v);
  put_u32(b, (uint32_t)(v >> 32));
}

uint8_t *loam_state_serialize(const loam_state *st, size_t *len) {
  buf b = {0};
  put(&b, MAGIC, sizeof MAGIC);
  put_u32(&b, STATE_VERSION);
  put_u64(&b, st->module_hash);
  put_u8(&b, st->has_mem);
  put_u32(&b, st->pages);
  put(&b, st->mem, (size_t)st->pages * WASM_PAGE_SIZE);
  put_u32(&b, st->nglobals);
  for (uint32_t i = 0; i < st->nglobals; i++) {
    put_u8(&b, st->global_types[i]);
    put_u8(&b, st->globals[i].tag);
    put_u64(&b, st->globals[i].v);
  }
  put_u32(&b, st->ntables);
  for (uint32_t i = 0; i < st->ntables; i++) {
    put_u32(&b, st->tables[i].size);
    for (uint32_t k = 0; k < st->tables[i].size; k++) {
      put_u8(&b, st->tables[i].refs[k].tag);
      put_u64(&b, st->tables[i].refs[k].v);
    }
  }
  put_u32(&b, st->nelems);
  for (uint32_t i = 0; i < st->nelems; i++) put_u32(&b, st->elem_len[i]);
  put_u32(&b, st->ndatas);
  for (uint32_t i = 0; i < st->ndatas; i++) put_u32(&b, st->data_len[i]);
  if (b.failed) {
    free(b.p);
    return NULL;
  }
  if (len) *len = b.len;
  return b.p;
}

/* A bounds-checked cursor over untrusted bytes. */
typedef struct cur { const uint8_t *p; size_t left; bool bad; } cur;

static const uint8_t *take(cur *c, size_t n) {
  if (c->bad || c->left < n) {
    c->bad = true;
    return NULL;
  }
  const uint8_t *p = c->p;
  c->p += n;
  c->left -= n;
  return p;
}

static uint8_t get_u8(cur *c) {
  const uint8_t *p = take(c, 1);
  return p ? p[0] : 0;
}

static uint32_t get_u32(cur *c) {
  const uint8_t *p = take(c, 4);
  return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                 (uint32_t)p[3] << 24
           : 0;
}

static uint64_t get_u64(cur *c) {
  uint64_t lo = get_u32(c);
  return lo | (uint64_t)get_u32(c) << 32;
}

/* A count whose entries take at least `each` bytes apiece: bounded by what
 * is left, so a hostile count cannot make us allocate much. */
static uint32_t get_count(cur *c, size_t each) {
  uint32_t n = get_u32(c);
  if ((uint64_t)n * each > c->left) {
    c->bad = true;
    return 0;
  }
  return n;
}

static bool read_tables(cur *c, loam_state *st) {
  for (uint32_t i = 0; i < st->ntables && !c->bad; i++) {
    uint32_t n = get_count(c, 9);
    st->tables[i].refs = calloc((size_t)n + 1, sizeof(state_ref));
    if (!st->tables[i].refs) return false;
    st->tables[i].size = n;
    for (uint32_t k = 0; k < n; k++) {
      st->tables[i].refs[k].tag = get_u8(c);
      st->tables[i].refs[k].v = get_u64(c);
      if (st->tables[i].refs[k].tag > PLAIN) c->bad = true;
    }
  }
  return true;
}

loam_state *loam_state_deserialize(const uint8_t *bytes, size_t len, loam_error *err) {
  cur c = {bytes, len, false};
  const uint8_t *magic = take(&c, sizeof MAGIC);
  if (!magic || memcmp(magic, MAGIC, sizeof MAGIC) != 0 || get_u32(&c) != STATE_VERSION)
    return wasm_fail(err, LOAM_ERR_MALFORMED, "not a loam state (bad magic or version)"),
           NULL;
  uint64_t hash = get_u64(&c);
  bool has_mem = get_u8(&c) != 0;
  uint32_t pages = get_u32(&c);
  if (pages > WASM_MAX_PAGES || (uint64_t)pages * WASM_PAGE_SIZE > c.left)
    return wasm_fail(err, LOAM_ERR_MALFORMED, "state truncated (memory)"), NULL;
  const uint8_t *mem = take(&c, (size_t)pages * WASM_PAGE_SIZE);
  /* peek the counts in order, allocating only what the bytes can hold */
  cur save;
  uint32_t ng = get_count(&c, 10);
  save = c;
  take(&c, (size_t)ng * 10);
  uint32_t nt = get_count(&c, 4);
  loam_state *st = c.bad ? NULL : state_new(pages, has_mem, ng, nt, 0, 0);
  if (!st)
    return wasm_fail(err, c.bad ? LOAM_ERR_MALFORMED : LOAM_ERR_NOMEM,
                     c.bad ? "state truncated" : "out of memory"), NULL;
  st->module_hash = hash;
  st->foreign = true;
  if (pages) memcpy(st->mem, mem, (size_t)pages * WASM_PAGE_SIZE);
  c = save;
  for (uint32_t i = 0; i < ng; i++) {
    st->global_types[i] = get_u8(&c);
    st->globals[i].tag = get_u8(&c);
    st->globals[i].v = get_u64(&c);
    if (st->globals[i].tag > PLAIN) c.bad = true;
  }
  get_u32(&c); /* ntables, read above */
  bool ok = read_tables(&c, st);
  if (ok && !c.bad) {
    free(st->elem_len);
    free(st->data_len);
    st->elem_len = st->data_len = NULL;
    st->nelems = get_count(&c, 4);
    st->elem_len = calloc((size_t)st->nelems + 1, sizeof *st->elem_len);
    for (uint32_t i = 0; st->elem_len && i < st->nelems; i++) st->elem_len[i] = get_u32(&c);
    st->ndatas = get_count(&c, 4);
    st->data_len = calloc((size_t)st->ndatas + 1, sizeof *st->data_len);
    for (uint32_t i = 0; st->data_len && i < st->ndatas; i++) st->data_len[i] = get_u32(&c);
    ok = st->elem_len && st->data_len;
  }
  if (!ok || c.bad || c.left != 0) {
    loam_state_free(st);
    return wasm_fail(err, ok ? LOAM_ERR_MALFORMED : LOAM_ERR_NOMEM,
                     ok ? "malformed state" : "out of memory"), NULL;
  }
  return st;
}
