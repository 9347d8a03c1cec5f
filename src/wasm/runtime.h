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

/* interp.c: runs `f` with its arguments already in sp[0..nparams); leaves
 * the results in sp[0..nresults). Returns LOAM_OK or a trap with err
 * filled (message and backtrace). Handles host functions too. */
loam_status wasm_invoke(loam_store *s, loam_func *f, uint64_t *sp,
                        loam_error *err);

/* sig.c: the process-wide id of a signature (thread-safe). */
uint32_t wasm_sig_id(const uint8_t *types, uint32_t nparams, uint32_t nresults);

#endif
