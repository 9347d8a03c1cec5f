/*
 * store.c — the store and the run-time objects it owns: allocation tied to
 * the store's lifetime, the stop controls (interrupt, fuel, deadline), host
 * functions and the caller view, memories, tables and globals.
 *
 * Memories reserve address space for their maximum size up front
 * (PROT_NONE) and open it page by page as they grow, so `data` never moves
 * and a grow is one mprotect.
 */
#define _GNU_SOURCE
#include "runtime.h"
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

/* One allocation on the store's list; `fin` (optional) releases what the
 * block refers to (a memory's mapping, a table's elements). */
struct wasm_alloc {
  struct wasm_alloc *next;
  void (*fin)(void *block);
  max_align_t data[];
};

#define GUARD_BYTES ((uint64_t)WASM_PAGE_SIZE)

static void *store_alloc_fin(loam_store *s, size_t n, void (*fin)(void *)) {
  if (n > SIZE_MAX - sizeof(struct wasm_alloc)) return NULL;
  struct wasm_alloc *a = calloc(1, sizeof *a + n);
  if (!a) return NULL;
  a->fin = fin;
  a->next = s->allocs;
  s->allocs = a;
  return a->data;
}

void *wasm_store_alloc(loam_store *s, size_t n) {
  return store_alloc_fin(s, n, NULL);
}

loam_store *loam_store_new(size_t stack_bytes) {
  loam_store *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  size_t slots = (stack_bytes ? stack_bytes : WASM_DEFAULT_STACK) / sizeof(uint64_t);
  if (slots < 16) slots = 16;
  s->stack = calloc(slots, sizeof(uint64_t));
  s->frames = calloc(WASM_MAX_FRAMES, sizeof *s->frames);
  if (!s->stack || !s->frames) {
    free(s->stack);
    free(s->frames);
    free(s);
    return NULL;
  }
  s->stack_end = s->stack + slots;
  s->sp = s->stack;
  atomic_init(&s->interrupt, false);
  s->fuel = -1;
  return s;
}

void loam_store_free(loam_store *s) {
  if (!s) return;
  struct wasm_alloc *a = s->allocs;
  while (a) {
    struct wasm_alloc *next = a->next;
    if (a->fin) a->fin(a->data);
    free(a);
    a = next;
  }
  free(s->stack);
  free(s->frames);
  free(s);
}

void loam_store_interrupt(loam_store *s) { atomic_store(&s->interrupt, true); }
void loam_store_set_fuel(loam_store *s, int64_t fuel) { s->fuel = fuel < 0 ? -1 : fuel; }
int64_t loam_store_fuel(const loam_store *s) { return s->fuel; }
void loam_store_set_deadline(loam_store *s, uint64_t ns) { s->deadline_ns = ns; }

/* ---- host functions and callers ------------------------------------------ */

static bool type_char(char c, uint8_t *out) {
  switch (c) {
  case 'i': *out = LOAM_I32; return true;
  case 'I': *out = LOAM_I64; return true;
  case 'f': *out = LOAM_F32; return true;
  case 'F': *out = LOAM_F64; return true;
  case 'r': *out = LOAM_FUNCREF; return true;
  case 'e': *out = LOAM_EXTERNREF; return true;
  }
  return false;
}

/* Parses "params:results" into a functype allocated in the store. */
static const wasm_functype *parse_functype(loam_store *s, const char *str) {
  const char *colon = strchr(str, ':');
  if (!colon || strchr(colon + 1, ':')) return NULL;
  size_t np = (size_t)(colon - str), nr = strlen(colon + 1);
  if (np > WASM_MAX_PARAMS || nr > WASM_MAX_PARAMS) return NULL;
  wasm_functype *t = wasm_store_alloc(s, sizeof *t + np + nr + 1);
  if (!t) return NULL;
  t->types = (uint8_t *)(t + 1);
  for (size_t i = 0; i < np; i++)
    if (!type_char(str[i], &t->types[i])) return NULL;
  for (size_t i = 0; i < nr; i++)
    if (!type_char(colon[1 + i], &t->types[np + i])) return NULL;
  t->nparams = (uint32_t)np;
  t->nresults = (uint32_t)nr;
  t->sig_id = wasm_sig_id(t->types, t->nparams, t->nresults);
  return t->sig_id ? t : NULL;
}

loam_func *loam_func_new_host(loam_store *s, const char *type, loam_host_fn fn,
                              void *user) {
  if (!type || !fn) return NULL;
  const wasm_functype *t = parse_functype(s, type);
  if (!t) return NULL;
  loam_func *f = wasm_store_alloc(s, sizeof *f);
  if (!f) return NULL;
  f->type = t;
  f->host = fn;
  f->host_data = user;
  f->name = "<host>";
  return f;
}

loam_functype loam_func_type(const loam_func *f) {
  loam_functype t = {f->type->nparams, f->type->nresults,
                     wasm_functype_params(f->type), wasm_functype_results(f->type)};
  return t;
}

const char *loam_func_name(const loam_func *f) { return f->name; }

loam_instance *loam_caller_instance(loam_caller *c) { return c->inst; }
loam_memory *loam_caller_memory(loam_caller *c) { return c->inst ? c->inst->mem0 : NULL; }
loam_store *loam_caller_store(loam_caller *c) { return c->store; }

loam_status loam_caller_trap(loam_caller *c, loam_status code, int exit_code,
                             const char *fmt, ...) {
  if (!c->err) return code;
  va_list ap;
  c->err->code = code;
  c->err->exit_code = exit_code;
  c->err->backtrace[0] = '\0';
  va_start(ap, fmt);
  vsnprintf(c->err->message, sizeof c->err->message, fmt, ap);
  va_end(ap);
  return code;
}

/* ---- memories ---------------------------------------------------------- */

static void memory_fin(void *block) {
  loam_memory *m = block;
  if (m->data) munmap(m->data, m->reserved);
}

static void *reserve(uint64_t bytes) {
  void *p = mmap(NULL, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

loam_memory *loam_memory_new(loam_store *s, uint32_t min_pages, uint32_t max_pages) {
  bool has_max = max_pages != UINT32_MAX;
  if (max_pages > WASM_MAX_PAGES) max_pages = WASM_MAX_PAGES;
  if (min_pages > max_pages) return NULL;
  loam_memory *m = store_alloc_fin(s, sizeof *m, memory_fin);
  if (!m) return NULL;
  /* Whole maximum plus a guard; if the address space is limited, settle for
   * the initial size (the memory then cannot grow). */
  uint64_t want = (uint64_t)max_pages * WASM_PAGE_SIZE + GUARD_BYTES;
  m->data = reserve(want);
  if (!m->data) {
    want = (uint64_t)min_pages * WASM_PAGE_SIZE + GUARD_BYTES;
    m->data = reserve(want);
    if (!m->data) return NULL;
  }
  m->reserved = want;
  m->max_pages = max_pages;
  m->has_max = has_max;
  if (!wasm_memory_resize(m, min_pages)) return NULL;
  return m;
}

bool wasm_memory_resize(loam_memory *m, uint32_t pages) {
  uint64_t bytes = (uint64_t)pages * WASM_PAGE_SIZE;
  if (bytes > m->reserved - GUARD_BYTES) return false;
  if (bytes > m->size) {
    if (mprotect(m->data + m->size, bytes - m->size, PROT_READ | PROT_WRITE) != 0)
      return false;
  } else if (bytes < m->size) {
    /* a fresh mapping over the tail drops its pages: zero when reopened */
    void *p = mmap(m->data + bytes, m->size - bytes, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
    if (p == MAP_FAILED) return false;
  }
  m->size = bytes;
  m->pages = pages;
  return true;
}

int64_t loam_memory_grow(loam_memory *m, uint32_t delta) {
  uint32_t old = m->pages;
  if ((uint64_t)old + delta > m->max_pages) return -1;
  if (delta && !wasm_memory_resize(m, old + delta)) return -1;
  return old;
}

uint8_t *loam_memory_data(loam_memory *m) { return m->data; }
uint64_t loam_memory_size(const loam_memory *m) { return m->size; }
uint32_t loam_memory_pages(const loam_memory *m) { return m->pages; }

void *loam_memory_ptr(loam_memory *m, uint64_t addr, uint64_t len) {
  if (addr > m->size || len > m->size - addr) return NULL;
  return m->data + addr;
}

/* ---- tables ------------------------------------------------------------- */

static void table_fin(void *block) {
  loam_table *t = block;
  free(t->elems);
}

bool wasm_table_resize(loam_table *t, uint32_t size) {
  if (size > WASM_MAX_TABLE) return false;
  if (size > t->size) {
    void **e = realloc(t->elems, (size_t)size * sizeof *e);
    if (!e) return false;
    memset(e + t->size, 0, (size_t)(size - t->size) * sizeof *e);
    t->elems = e;
  } else if (size < t->size) {
    memset(t->elems + size, 0, (size_t)(t->size - size) * sizeof *t->elems);
  }
  t->size = size;
  return true;
}

loam_table *loam_table_new(loam_store *s, loam_valtype elem, uint32_t min,
                           uint32_t max) {
  if ((elem != LOAM_FUNCREF && elem != LOAM_EXTERNREF) || min > max ||
      min > WASM_MAX_TABLE)
    return NULL;
  loam_table *t = store_alloc_fin(s, sizeof *t, table_fin);
  if (!t) return NULL;
  t->elemtype = (uint8_t)elem;
  t->max = max;
  t->elems = calloc(min ? min : 1, sizeof *t->elems);
  if (!t->elems) return NULL;
  t->size = min;
  return t;
}

int64_t wasm_table_grow(loam_table *t, uint32_t delta, void *init) {
  uint32_t old = t->size;
  uint64_t want = (uint64_t)old + delta;
  if (want > t->max || want > WASM_MAX_TABLE) return -1;
  if (!wasm_table_resize(t, (uint32_t)want)) return -1;
  for (uint32_t i = old; i < t->size; i++) t->elems[i] = init;
  return old;
}

uint32_t loam_table_size(const loam_table *t) { return t->size; }
loam_valtype loam_table_elemtype(const loam_table *t) { return (loam_valtype)t->elemtype; }

bool loam_table_get(const loam_table *t, uint32_t i, void **ref) {
  if (i >= t->size) return false;
  *ref = t->elems[i];
  return true;
}

/* ---- globals ------------------------------------------------------------ */

static bool is_valtype(loam_valtype t) {
  switch (t) {
  case LOAM_I32: case LOAM_I64: case LOAM_F32: case LOAM_F64:
  case LOAM_FUNCREF: case LOAM_EXTERNREF:
    return true;
  default:
    return false;
  }
}

loam_global *loam_global_new(loam_store *s, loam_val v, bool mutable_) {
  if (!is_valtype(v.type)) return NULL;
  loam_global *g = wasm_store_alloc(s, sizeof *g);
  if (!g) return NULL;
  g->type = (uint8_t)v.type;
  g->mutable_ = mutable_;
  g->value = wasm_val_to_slot(v);
  return g;
}

loam_valtype loam_global_type(const loam_global *g) { return (loam_valtype)g->type; }
bool loam_global_mutable(const loam_global *g) { return g->mutable_; }
loam_val loam_global_get(const loam_global *g) { return wasm_slot_to_val(g->value, g->type); }

bool loam_global_set(loam_global *g, loam_val v) {
  if (!g->mutable_ || v.type != g->type) return false;
  g->value = wasm_val_to_slot(v);
  return true;
}
