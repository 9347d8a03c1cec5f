/*
 * module.h — the decoded form of a WebAssembly module, shared inside the
 * engine by the decoder (decode.c fills it), the validator/translator
 * (validate.c checks it and attaches compiled code) and instantiation
 * (instance.c reads it).
 *
 * Ownership: everything hangs off one wasm_module and is freed by
 * wasm_module_free. `bytes` is the module's own copy of the binary; spans
 * (offset + length) point into it.
 */
#ifndef LOAM_WASM_MODULE_H
#define LOAM_WASM_MODULE_H

#include "loam/wasm.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Engine limits (beyond these a module is rejected with a clear error). */
#define WASM_MAX_PAGES 65536u        /* 4 GiB of 64 KiB pages */
#define WASM_PAGE_SIZE 65536u
#define WASM_MAX_TABLE 10000000u     /* elements, for a table's initial size */
#define WASM_MAX_PARAMS 1000u
#define WASM_MAX_LOCALS 50000u       /* params + locals of one function */

typedef struct wasm_span { uint32_t off, len; } wasm_span;

typedef struct wasm_functype {
  uint32_t nparams, nresults;
  uint8_t *types;     /* params then results: loam_valtype bytes */
  uint32_t sig_id;    /* process-wide id of this signature (see sig.h):
                         two types are equal iff their ids are equal */
} wasm_functype;

static inline const uint8_t *wasm_functype_params(const wasm_functype *t) { return t->types; }
static inline const uint8_t *wasm_functype_results(const wasm_functype *t) { return t->types + t->nparams; }

typedef struct wasm_limits {
  uint32_t min, max;  /* max valid only if has_max */
  bool has_max;
} wasm_limits;

typedef struct wasm_tabletype { uint8_t elemtype; wasm_limits limits; } wasm_tabletype;
typedef struct wasm_globaltype { uint8_t valtype; bool mutable_; } wasm_globaltype;

/* A constant expression, WebAssembly 2.0: exactly one of these followed by
 * `end`. The decoder records anything else as WASM_CONST_INVALID (validate
 * reports "constant expression required"). */
typedef enum wasm_constkind {
  WASM_CONST_INVALID = 0,
  WASM_CONST_I32, WASM_CONST_I64, WASM_CONST_F32, WASM_CONST_F64,
  WASM_CONST_REF_NULL,   /* reftype in `type` */
  WASM_CONST_REF_FUNC,   /* function index in `index` */
  WASM_CONST_GLOBAL_GET, /* global index in `index` */
  WASM_CONST_ARITY,      /* only constant instructions, but not exactly one
                            (none, or several): the spec reports this as
                            "type mismatch", not "constant expression
                            required" */
} wasm_constkind;

typedef struct wasm_constexpr {
  wasm_constkind kind;
  uint8_t type;       /* REF_NULL: the reftype */
  uint32_t index;     /* REF_FUNC / GLOBAL_GET */
  uint64_t bits;      /* I32/I64 value, F32/F64 bit pattern */
  uint32_t offset;    /* byte offset of the expression, for messages */
} wasm_constexpr;

typedef struct wasm_import {
  char *module, *name;   /* NUL-terminated copies (validated UTF-8) */
  uint32_t module_len, name_len; /* byte lengths: a name may hold U+0000 */
  loam_externkind kind;
  union {
    uint32_t func_type;  /* type index */
    wasm_tabletype table;
    wasm_limits memory;
    wasm_globaltype global;
  } desc;
} wasm_import;

typedef struct wasm_export {
  char *name;
  uint32_t name_len;     /* byte length: a name may hold U+0000, so compare
                            names with wasm_name_eq, not strcmp */
  loam_externkind kind;
  uint32_t index;        /* in the kind's index space (imports first) */
} wasm_export;

typedef struct wasm_global {
  wasm_globaltype type;
  wasm_constexpr init;
} wasm_global;

typedef enum wasm_segmode {
  WASM_SEG_ACTIVE, WASM_SEG_PASSIVE, WASM_SEG_DECLARATIVE
} wasm_segmode;

typedef struct wasm_elem {
  wasm_segmode mode;
  uint8_t elemtype;         /* LOAM_FUNCREF or LOAM_EXTERNREF */
  uint32_t table;           /* active only */
  wasm_constexpr offset;    /* active only */
  uint32_t count;
  wasm_constexpr *items;    /* func-index forms become WASM_CONST_REF_FUNC */
} wasm_elem;

typedef struct wasm_data {
  wasm_segmode mode;        /* ACTIVE or PASSIVE */
  uint32_t memory;          /* active only */
  wasm_constexpr offset;    /* active only */
  wasm_span bytes;
} wasm_data;

struct wasm_code;           /* compiled body, see code.h */

typedef struct wasm_func {
  uint32_t type;            /* type index */
  /* defined functions only: */
  uint32_t nlocals;         /* declared locals, params excluded */
  uint8_t *local_types;     /* nlocals entries */
  wasm_span body;           /* the expression after the locals, up to and
                               including the final `end` */
  struct wasm_code *code;   /* set by validation */
  char *name;               /* from the `name` section, or NULL */
} wasm_func;

typedef struct wasm_custom {
  char *name;
  wasm_span bytes;          /* contents after the name */
} wasm_custom;

typedef struct wasm_module {
  uint8_t *bytes;           /* owned copy of the binary */
  size_t len;

  uint32_t ntypes;        wasm_functype *types;
  uint32_t nimports;      wasm_import *imports;

  /* Index spaces, imports first. funcs[i].type is set for imported funcs
   * too; the rest of wasm_func is zero for them. */
  uint32_t nfuncs, nfunc_imports;       wasm_func *funcs;
  uint32_t ntables, ntable_imports;     wasm_tabletype *tables;
  uint32_t nmems, nmem_imports;         wasm_limits *mems;
  uint32_t nglobals, nglobal_imports;   wasm_global *globals;
                                        /* init unused for imported ones */
  uint32_t nexports;      wasm_export *exports;
  bool has_start;         uint32_t start;
  uint32_t nelems;        wasm_elem *elems;
  uint32_t ndatas;        wasm_data *datas;
  bool has_datacount;     uint32_t datacount;
  uint32_t ncustoms;      wasm_custom *customs;
  char *name;             /* module name from the `name` section, or NULL */
  /* Function indices that may be referenced by ref.func in bodies (C.refs:
   * those appearing in exports, globals' and element segments' constant
   * expressions). Filled by validation. */
  uint8_t *func_declared; /* nfuncs flags */
} wasm_module;

/* Equality of two names given with their byte lengths. */
static inline bool wasm_name_eq(const char *a, uint32_t alen, const char *b,
                                uint32_t blen) {
  return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* decode.c: parses `bytes` (copied) into a new module. On failure returns
 * NULL and fills err with LOAM_ERR_MALFORMED and
 * "section <name> at offset 0x<off>: <reason>"; the reasons use the spec
 * suite's wording where it has one ("unexpected end", "integer too large",
 * "magic header not detected", "unknown binary version", "section size
 * mismatch", "junk after last section", "malformed section id", "function
 * and code section have inconsistent lengths", "too many locals", ...). */
wasm_module *wasm_decode(const uint8_t *bytes, size_t len, loam_error *err);
void wasm_module_free(wasm_module *m);

/* validate.c: validates the whole module and translates every defined
 * function body into internal code (m->funcs[i].code). Bodies are decoded
 * here (the decoder only records their spans), so malformed bodies are
 * reported here with LOAM_ERR_MALFORMED; type errors with LOAM_ERR_INVALID
 * and "function <idx> at offset 0x<off>: <reason>" (spec wording:
 * "type mismatch", "unknown local", "unknown label", ...). */
bool wasm_validate(wasm_module *m, loam_error *err);

/* Fills err and returns false; a small helper used across the engine. */
bool wasm_fail(loam_error *err, loam_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
