/*
 * ast.h — the syntax tree of WIT source files as the parser builds it, the
 * arena everything lives in, and the error jump the parser and resolver share.
 */
#ifndef LOAM_WIT_AST_H
#define LOAM_WIT_AST_H

#include "loam/wit.h"
#include <setjmp.h>
#include <stdarg.h>

/* ---- arena: every AST node and model object; freed all at once ---------- */
typedef struct wit_arena wit_arena;
wit_arena *wit_arena_new(void);
void wit_arena_free(wit_arena *a);
/* Zeroed memory, or NULL when out of memory. */
void *wit_arena_alloc(wit_arena *a, size_t size);
char *wit_arena_strndup(wit_arena *a, const char *s, size_t n);
char *wit_arena_printf(wit_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- errors -------------------------------------------------------------- */
/* Parsing and resolving stop at the first error: wit_fail fills err with
 * "file:line:col: message" and longjmps to the entry point, which frees the
 * arena; this keeps the many small recursive functions free of error plumbing. */
typedef struct wit_pos {
  const char *file;
  uint32_t line, col;
} wit_pos;

typedef struct wit_ctx {
  wit_arena *arena;
  loam_error *err;
  jmp_buf jump;
} wit_ctx;

_Noreturn void wit_fail(wit_ctx *cx, wit_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
_Noreturn void wit_oom(wit_ctx *cx);
void *wit_new(wit_ctx *cx, size_t size);          /* arena alloc or wit_oom */
char *wit_strdup(wit_ctx *cx, const char *s, size_t n);
/* Appends one element to *arr (of *n), growing it in the arena. */
void wit_push(wit_ctx *cx, void *arrp, uint32_t *n, const void *elem, size_t size);

/* Nesting bound for types, comments, and resolution chains, so that hostile
 * input gives an error instead of exhausting the C stack. */
#define WIT_MAX_DEPTH 100
/* The resolver's bound on nested work (type expressions inside definitions
 * inside `use`d interfaces ...), counted together. */
#define WIT_MAX_RESOLVE_DEPTH 500

/* ---- syntax tree ---------------------------------------------------------- */
typedef struct wit_meta {
  const char *docs;
  uint32_t ngates;
  loam_wit_gate *gates;
} wit_meta;

typedef enum wit_tykind {
  WT_PRIM,      /* prim */
  WT_NAME,      /* name: a named type (own handle if a resource) */
  WT_LIST, WT_OPTION,   /* a */
  WT_RESULT,    /* a, b (either NULL) */
  WT_TUPLE,     /* n, elems */
  WT_OWN, WT_BORROW,    /* name */
} wit_tykind;

typedef struct wit_ty wit_ty;
struct wit_ty {
  wit_tykind kind;
  wit_pos pos;
  loam_typekind prim;
  const char *name;
  wit_ty *a, *b;
  uint32_t n;
  wit_ty **elems;
};

typedef struct wit_field {     /* record field, variant case, enum/flags label */
  const char *name;
  wit_pos pos;
  wit_ty *ty;                  /* NULL for labels and payload-less cases */
  const char *docs;
} wit_field;

typedef struct wit_param {
  const char *name;
  wit_pos pos;
  wit_ty *ty;
} wit_param;

typedef struct wit_func {
  const char *name;
  wit_pos pos;
  loam_wit_funckind kind;
  bool is_async;
  uint32_t nparams;
  wit_param *params;
  loam_wit_results results_kind;
  uint32_t nresults;
  wit_param *results;          /* ANON: one with name NULL */
  wit_meta meta;
} wit_func;

typedef enum wit_defkind {
  WD_ALIAS, WD_RECORD, WD_VARIANT, WD_ENUM, WD_FLAGS, WD_RESOURCE,
} wit_defkind;

typedef struct wit_typedef {
  const char *name;
  wit_pos pos;
  wit_defkind kind;
  wit_ty *alias;               /* WD_ALIAS */
  uint32_t nfields;
  wit_field *fields;
  uint32_t nfuncs;             /* WD_RESOURCE */
  wit_func *funcs;
  wit_meta meta;
} wit_typedef;

/* A reference to an interface or world: a bare local name, or a package
 * path ns:pkg/name@version. */
typedef struct wit_path {
  wit_pos pos;
  const char *ns, *pkg, *version;   /* ns == NULL: a bare name */
  const char *name;
} wit_path;

typedef struct wit_usename {
  const char *name, *as;       /* as == NULL: no rename */
  wit_pos pos;
} wit_usename;

typedef struct wit_use {
  wit_path path;
  uint32_t nnames;
  wit_usename *names;
  wit_meta meta;
} wit_use;

typedef struct wit_iface {
  const char *name;            /* NULL when inline in a world */
  wit_pos pos;
  uint32_t file;               /* index of the file (for top-level uses) */
  uint32_t nuses, ntypes, nfuncs;
  wit_use *uses;
  wit_typedef *types;
  wit_func *funcs;
  wit_meta meta;
} wit_iface;

typedef enum wit_itemkind { WI_PATH, WI_FUNC, WI_INLINE } wit_itemkind;

typedef struct wit_item {
  wit_itemkind kind;
  bool is_export;
  const char *name;            /* WI_FUNC / WI_INLINE */
  wit_pos pos;
  wit_path path;               /* WI_PATH */
  wit_func *func;
  wit_iface *iface;
  wit_meta meta;
} wit_item;

typedef struct wit_include {
  wit_path path;
  uint32_t nrenames;
  wit_usename *renames;        /* `with { name as as }` */
  wit_meta meta;
} wit_include;

typedef struct wit_world {
  const char *name;
  wit_pos pos;
  uint32_t file;
  uint32_t nuses, ntypes, nitems, nincludes;
  wit_use *uses;
  wit_typedef *types;
  wit_item *items;
  wit_include *includes;
  wit_meta meta;
} wit_world;

/* A top-level `use ns:pkg/iface@ver [as name];`: names an interface in its file. */
typedef struct wit_topuse {
  wit_path path;
  const char *as;
  uint32_t file;
} wit_topuse;

/* One package as written: a file's header plus its items, or a nested
 * `package x { }` block; several of the first kind merge into one. */
typedef struct wit_package {
  wit_pos pos;                 /* the package header, or the first file */
  const char *ns, *name, *version;   /* ns NULL: no header seen (yet) */
  uint32_t nifaces, nworlds, ntopuses;
  wit_iface *ifaces;
  wit_world *worlds;
  wit_topuse *topuses;
  wit_meta meta;
} wit_package;

/* Parses one source file (text need not be NUL-terminated). Items outside
 * nested blocks are added to *root (whose header is checked against or set
 * from the file's); each nested `package x { }` is appended to *nested. */
void wit_parse_file(wit_ctx *cx, const char *file, uint32_t file_index,
                    const char *text, size_t len, wit_package *root,
                    wit_package **nested, uint32_t *nnested);

/* True if s is a valid kebab-case label (words of [a-z][a-z0-9]* or
 * [A-Z][A-Z0-9]* joined by single '-'). */
bool wit_valid_label(const char *s, size_t n);

/* Resolves parsed packages (the root is packages[nroot_index]) into w. */
void wit_resolve(wit_ctx *cx, loam_wit *w, wit_package *pkgs, uint32_t npkgs,
                 uint32_t root_index);

#endif
