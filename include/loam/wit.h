/*
 * loam/wit.h — WIT packages resolved into one model: packages, interfaces,
 * worlds, functions and named types (as loam_type from loam/types.h).
 *
 * Ownership: a loam_wit owns everything reachable from it — every string,
 * array, interface, world and function, and the loam_typectx that holds its
 * types. Nothing in it is freed separately; loam_wit_free frees it all, after
 * which no pointer obtained from it may be used. The model is immutable.
 */
#ifndef LOAM_WIT_H
#define LOAM_WIT_H

#include "loam/types.h"
#include "loam/wasm.h"   /* loam_error */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A feature gate written before an item: @since(version = 0.2.0),
 * @unstable(feature = name), @deprecated(version = 0.2.1). Unused parts are
 * NULL (e.g. an older `@since(version = 0.2.0, feature = x)` sets both). */
typedef enum loam_wit_gate_kind {
  LOAM_WIT_GATE_SINCE,
  LOAM_WIT_GATE_UNSTABLE,
  LOAM_WIT_GATE_DEPRECATED,
} loam_wit_gate_kind;

typedef struct loam_wit_gate {
  loam_wit_gate_kind kind;
  const char *version;
  const char *feature;
} loam_wit_gate;

/* The doc comment and gates of an item; docs is NULL when there is none,
 * else the comment's text with the markers removed, lines joined by '\n'. */
typedef struct loam_wit_meta {
  const char *docs;
  uint32_t ngates;
  const loam_wit_gate *gates;
} loam_wit_meta;

typedef struct loam_wit_package loam_wit_package;
typedef struct loam_wit_interface loam_wit_interface;

/* A named type in an interface or world: either defined there (record,
 * variant, enum, flags, resource, `type x = ...`) or brought in by `use`. */
typedef struct loam_wit_typedef {
  const char *name;              /* the local name */
  const loam_type *type;         /* the type; for `use` the original's own pointer */
  const loam_type *alias_of;     /* `type x = T`: T (type is then an alias of T) */
  const loam_wit_interface *used_from;  /* `use`: the interface it came from */
  const char *used_name;         /* `use`: the name there (differs with `as`) */
  /* Record fields, variant cases, enum cases and flags as defined here:
   * each one's doc comment (NULL when none); NULL when none has one. */
  const char *const *field_docs;
  loam_wit_meta meta;
} loam_wit_typedef;

typedef enum loam_wit_funckind {
  LOAM_WIT_FUNC_FREESTANDING,
  LOAM_WIT_FUNC_CONSTRUCTOR,
  LOAM_WIT_FUNC_METHOD,
  LOAM_WIT_FUNC_STATIC,
} loam_wit_funckind;

typedef enum loam_wit_results {
  LOAM_WIT_RESULTS_NONE,    /* no `->`, or `-> ()` */
  LOAM_WIT_RESULTS_ANON,    /* `-> T`: one result, name NULL */
  LOAM_WIT_RESULTS_NAMED,   /* `-> (a: T, b: U)` */
} loam_wit_results;

typedef struct loam_wit_param {
  const char *name;         /* NULL for an anonymous result */
  const loam_type *type;
} loam_wit_param;

typedef struct loam_wit_func {
  const char *name;         /* as written: "add-order"; "constructor" for one */
  const char *core_name;    /* the Component Model's name: "f", "[constructor]r",
                               "[method]r.f", "[static]r.f" */
  loam_wit_funckind kind;
  bool is_async;            /* written `async func` (WASI 0.3 style) */
  const loam_type *resource;   /* the resource for every kind but freestanding */
  /* Methods get an explicit first parameter `self: borrow<r>`;
   * constructors an anonymous result `own<r>`. */
  uint32_t nparams;
  const loam_wit_param *params;
  loam_wit_results results_kind;
  uint32_t nresults;
  const loam_wit_param *results;
  loam_wit_meta meta;
} loam_wit_func;

struct loam_wit_interface {
  const char *name;         /* NULL for an inline interface of a world */
  const char *id;           /* "ns:pkg/name@ver" (no @ when unversioned); NULL if inline */
  const loam_wit_package *package;
  uint32_t ntypes;
  const loam_wit_typedef *types;   /* `use`d names first, then definitions */
  uint32_t nfuncs;
  const loam_wit_func *funcs;      /* freestanding and resource functions */
  loam_wit_meta meta;
};

typedef enum loam_wit_itemkind {
  LOAM_WIT_ITEM_INTERFACE,
  LOAM_WIT_ITEM_FUNCTION,
} loam_wit_itemkind;

/* One import or export of a world. */
typedef struct loam_wit_item {
  const char *name;          /* an interface's id, or the plain name of a
                                function or inline interface */
  loam_wit_itemkind kind;
  const loam_wit_interface *iface;  /* ITEM_INTERFACE (iface->name NULL: inline) */
  const loam_wit_func *func;        /* ITEM_FUNCTION */
  bool from_include;         /* came in through `include` */
  loam_wit_meta meta;
} loam_wit_item;

/* `include w with { a as b, ... }`: names of the included world's functions
 * and inline interfaces renamed in the including world. */
typedef struct loam_wit_rename {
  const char *from, *to;
} loam_wit_rename;

typedef struct loam_wit_include_with {
  uint32_t n;
  const loam_wit_rename *renames;
} loam_wit_include_with;

typedef struct loam_wit_world {
  const char *name;
  const char *id;            /* "ns:pkg/name@ver" */
  const loam_wit_package *package;
  uint32_t ntypes;
  const loam_wit_typedef *types;    /* the world's own `use`s and types */
  uint32_t nfuncs;
  const loam_wit_func *funcs;       /* functions of resources defined in the world */
  uint32_t nimports, nexports;
  const loam_wit_item *imports, *exports;   /* `include`s expanded */
  uint32_t nincludes;
  const struct loam_wit_world *const *includes;  /* as written, for printing */
  const loam_wit_include_with *include_with;     /* nincludes entries */
  loam_wit_meta meta;
} loam_wit_world;

struct loam_wit_package {
  const char *ns, *name;
  const char *version;       /* NULL when unversioned */
  const char *id;            /* "ns:name@ver" */
  uint32_t ninterfaces, nworlds;
  const loam_wit_interface *const *interfaces;   /* in definition order */
  const loam_wit_world *const *worlds;
  loam_wit_meta meta;
};

typedef struct loam_wit {
  uint32_t npackages;
  const loam_wit_package *const *packages;   /* dependency order: deps first */
  const loam_wit_package *root;              /* the package of DIR/<files>.wit */
  loam_typectx *types;                       /* owns every type in the model */
  struct wit_arena *arena;                   /* internal: owns the rest */
} loam_wit;

/* Resolves a WIT directory the way wasm-tools does: the root package from
 * the .wit files in DIR, dependencies from DIR/deps/<name>/ (its .wit files)
 * and DIR/deps/<name>.wit.
 * DIR may also be a single .wit file. On error returns NULL and sets err
 * (code LOAM_ERR_INVALID, or LOAM_ERR_NOT_FOUND for unreadable paths) with a
 * message "file:line:col: message". */
loam_wit *loam_wit_load(const char *path, loam_error *err);

/* Resolves WIT text as if it were the only file of a directory (file names
 * the source in messages). Text may hold NULs (they are a syntax error). */
loam_wit *loam_wit_load_text(const char *file, const char *text, size_t len,
                             loam_error *err);

void loam_wit_free(loam_wit *w);

/* Look-ups; NULL when absent. An id without @version matches the only
 * version present. */
const loam_wit_package *loam_wit_find_package(const loam_wit *w, const char *id);
const loam_wit_interface *loam_wit_find_interface(const loam_wit *w, const char *id);
const loam_wit_world *loam_wit_find_world(const loam_wit_package *p, const char *name);
const loam_wit_typedef *loam_wit_find_type(const loam_wit_interface *i, const char *name);
const loam_wit_func *loam_wit_find_func(const loam_wit_interface *i, const char *name);

/* A function a world exports (exported = true) or imports, by the name
 * Golem uses: "ns:pkg/iface@ver.{func}" ("@ver" optional when unambiguous;
 * func as written, or a core name like "[method]res.f"), "iface.{func}" for
 * an inline interface, or "func" for a function item of the world itself.
 * Sets *iface (if non-NULL) to the interface, NULL for a world function. */
const loam_wit_func *loam_wit_world_func(const loam_wit_world *w, bool exported,
                                         const char *name,
                                         const loam_wit_interface **iface);

/* Prints the model as WIT text that resolves to the same model: the root
 * package with `package ns:name@ver;` and its items, then each dependency as
 * a nested `package ... { }` block. With world != NULL only that world of
 * the root package and what it needs are printed (NULL result + err when the
 * world does not exist). Returns a malloc'd NUL-terminated string that the
 * caller frees, or NULL with err set. */
char *loam_wit_print(const loam_wit *w, const char *world, loam_error *err);

/* A one-line summary: "ROOT-ID: N packages, N interfaces, N worlds, N types,
 * N functions" (types and functions of interfaces). */
void loam_wit_summary(const loam_wit *w, char *buf, size_t cap);

#endif
