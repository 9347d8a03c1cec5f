/*
 * runtime.h — the engine's run-time objects (store, instances, functions,
 * memories, tables, globals) as the instantiation code (instance.c, store.c)
 * and the interpreter (interp.c) share them. The public header sees these
 * types as opaque.
 *
 * Ownership: every object is allocated by its store and linked on the
 * store's list of allocations; loam_store_free releases them all.
 */
#ifndef LOAM_WASM_RUNTIME_H
#define LOAM_WASM_RUNTIME_H

#include "loam/wasm.h"
#include "code.h"
#include "module.h"
#include <stdatomic.h>
#include <string.h>

struct loam_module {
  wasm_module *m;           /* decoded, validated, translated */
};

struct loam_func {
  const wasm_functype *type;  /* canonical: type->sig_id identifies it */
  loam_instance *inst;        /* defining instance; NULL for host funcs */
  const wasm_code *code;      /* NULL for host funcs */
  uint32_t index;             /* index in the defining module */
  loam_host_fn host;
  void *host_data;
  const char *name;           /* for messages, never NULL */
};

struct loam_memory {
  uint8_t *data;            /* base of a reservation that never moves */
  uint64_t size;            /* current size in bytes = pages * 64 KiB */
  uint32_t pages;
  uint32_t max_pages;       /* WASM_MAX_PAGES when the type has no max */
  uint64_t reserved;        /* bytes reserved at data */
  bool has_max;             /* the memory's type declares a maximum */
};

struct loam_table {
  void **elems;             /* size entries; NULL = null ref */
  uint32_t size, max;       /* max = UINT32_MAX when none */
  uint8_t elemtype;
};

struct loam_global {
  uint64_t value;           /* slot representation (see code.h) */
  uint8_t type;
  bool mutable_;
};

struct loam_instance {
  loam_store *store;
  const loam_module *module;
  loam_func **funcs;        /* full index spaces, imports first */
  loam_table **tables;
  loam_memory **mems;
  loam_global **globals;
  loam_memory *mem0;        /* mems[0] or NULL: the interpreter's fast path */
  /* Element and data segments at run time: a dropped (or applied active /
   * declarative) segment has length 0. */
  uint32_t *elem_len;       void ***elem_items;   /* per segment */
  uint32_t *data_len;       /* per segment; bytes in module */
};

/* A host function's view of its call. */
struct loam_caller {
  loam_store *store;
  loam_instance *inst;
  loam_error *err;          /* where loam_caller_trap writes */
};

/* One interpreter frame (the interpreter does not recurse on the C stack
 * for wasm-to-wasm calls). */
typedef struct wasm_frame {
  const wasm_cell *ret_pc;  /* where the caller continues */
  uint64_t *fp;             /* caller's fp */
  loam_func *func;          /* the function running in this frame */
  loam_instance *inst;      /* the caller's instance (NULL for the entry) */
} wasm_frame;

#define WASM_DEFAULT_STACK (1u << 20)   /* value stack bytes */
#define WASM_MAX_FRAMES 20000u          /* call depth */

struct loam_store {
  /* value stack */
  uint64_t *stack, *stack_end;
  uint64_t *sp;             /* first free slot between calls */
  wasm_frame *frames;
  uint32_t nframes;         /* frames in use (all nested loam_calls) */
  /* stopping */
  atomic_bool interrupt;
  int64_t fuel;             /* < 0: unlimited */
  uint64_t deadline_ns;     /* 0: none */
  /* allocations: a singly linked list of blocks freed with the store */
  struct wasm_alloc *allocs;
};

/* store.c: allocation tied to the store (zeroed). NULL when out of memory. */
void *wasm_store_alloc(loam_store *s, size_t n);

/* store.c: table.grow — appends `delta` entries set to `init`; returns the
 * old size, or -1 past the table's max (or WASM_MAX_TABLE) or out of
 * memory. */
int64_t wasm_table_grow(loam_table *t, uint32_t delta, void *init);
/* store.c: sets a table's size (growing or shrinking, new entries null),
 * ignoring its max; used when restoring a snapshot. False when out of
 * memory or past WASM_MAX_TABLE. */
bool wasm_table_resize(loam_table *t, uint32_t size);
/* store.c: sets a memory's size in pages (growing or shrinking; pages
 * beyond the new size are released and read as zero if grown again); used
 * when restoring a snapshot. False past the reservation. */
bool wasm_memory_resize(loam_memory *m, uint32_t pages);

/* A loam_val's 64-bit slot representation (see code.h), and back. */
static inline uint64_t wasm_val_to_slot(loam_val v) {
  switch (v.type) {
  case LOAM_I32: case LOAM_F32: return v.of.i32;
  case LOAM_I64: case LOAM_F64: return v.of.i64;
  case LOAM_FUNCREF: case LOAM_EXTERNREF: return (uint64_t)(uintptr_t)v.of.ref;
  default: return 0;
  }
}

static inline loam_val wasm_slot_to_val(uint64_t slot, uint8_t type) {
  loam_val v;
  memset(&v, 0, sizeof v);
  v.type = (loam_valtype)type;
  switch (type) {
  case LOAM_I32: case LOAM_F32: v.of.i32 = (uint32_t)slot; break;
  case LOAM_I64: case LOAM_F64: v.of.i64 = slot; break;
  case LOAM_FUNCREF: case LOAM_EXTERNREF: v.of.ref = (void *)(uintptr_t)slot; break;
  }
  return v;
}

/* interp.c: runs `f` with its arguments already in sp[0..nparams); leaves
 * the results in sp[0..nresults). Returns LOAM_OK or a trap with err
 * filled (message and backtrace). Handles host functions too. */
loam_status wasm_invoke(loam_store *s, loam_func *f, uint64_t *sp,
                        loam_error *err);

/* sig.c: the process-wide id of a signature (thread-safe). */
uint32_t wasm_sig_id(const uint8_t *types, uint32_t nparams, uint32_t nresults);

#endif
