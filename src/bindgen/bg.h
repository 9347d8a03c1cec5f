/* bindgen/bg.h — the binding generator's internal state and helpers. */
#ifndef LOAM_BG_H
#define LOAM_BG_H

#include "bindgen/bindgen.h"
#include "loam/types.h"
#include "loam/wit.h"
#include <stdarg.h>

/* A growable text buffer; on out-of-memory it stops growing and sets oom. */
typedef struct bg_buf {
  char *s;
  size_t len, cap;
  bool oom;
} bg_buf;

void bg_printf(bg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void bg_buf_free(bg_buf *b);

/* Where a named type's alias target is (`type x = T`). */
typedef struct bg_alias {
  const loam_type *alias, *target;
} bg_alias;

typedef struct bg {
  const loam_wit *wit;
  const loam_wit_world *world;
  const char *w;               /* the world's C name */
  bg_buf htypes, hfuncs;       /* header: types, then prototypes */
  bg_buf ctypes, cfuncs;       /* source: helpers, then wrappers */
  char **strs;                 /* every string made by bg_str, freed at the end */
  size_t nstrs, capstrs;
  char **done;                 /* C names already declared */
  size_t ndone, capdone;
  bg_alias *aliases;
  size_t naliases, capaliases;
  const char **exported;       /* ids of exported interfaces */
  size_t nexported;
  uint32_t ret_area_size;      /* the largest export result in memory */
  uint32_t tmp;                /* counter for unique local names */
  loam_error *err;
  bool failed;
} bg;

/* A formatted string owned by g (NULL never: "" on out-of-memory). */
char *bg_str(bg *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "add-item" -> "add_item" (C keywords get a trailing '_'). */
char *bg_snake(bg *g, const char *kebab);
/* "add-item" -> "ADD_ITEM". */
char *bg_upper(bg *g, const char *s);
/* The C prefix of an interface id "ns:pkg/iface@v" -> "ns_pkg_iface",
 * with "exports_" in front if the world exports it. */
char *bg_iface_prefix(bg *g, const char *id);
bool bg_is_exported_iface(const bg *g, const char *id);
/* Records name as declared; false if it already was. */
bool bg_first(bg *g, const char *name);
bool bg_fail(bg *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- types (ctypes.c) ---- */
const loam_type *bg_unalias(const bg *g, const loam_type *t);
/* The C type of t ("uint32_t", "ns_pkg_iface_order_t"). */
char *bg_ctype(bg *g, const loam_type *t);
/* Emits t's declaration (and its parts', and free function) once. */
void bg_declare(bg *g, const loam_type *t);
/* t holds memory or own handles that a _free function releases. */
bool bg_needs_free(const bg *g, const loam_type *t);
/* The internal free function of t: "__free_<name>" (takes T*, bool handles). */
char *bg_free_fn(bg *g, const loam_type *t);
/* Passed by value in C (scalars, enums, flags, handles). */
bool bg_by_value(const bg *g, const loam_type *t);
/* Resource helpers: the resource is defined by the guest (an exported iface). */
bool bg_res_exported(const bg *g, const loam_type *res);
char *bg_res_base(bg *g, const loam_type *res);      /* "<prefix>_<r>" */
char *bg_res_prefix(bg *g, const loam_type *res);    /* "<prefix>" */
char *bg_res_module(bg *g, const loam_type *res);    /* import module of its drop */
void bg_declare_resource(bg *g, const loam_type *res);

/* ---- flat values (flat.c) ---- */
/* Statements lifting t from raw slots s[k..] into lvalue dst. */
void bg_lift_flat(bg *g, bg_buf *b, const loam_type *t, const char *dst,
                  const char *s, uint32_t k, int indent);
/* Statements lowering rvalue src of type t into raw slots s[k..]. */
void bg_lower_flat(bg *g, bg_buf *b, const loam_type *t, const char *src,
                   const char *s, uint32_t k, int indent);
/* "int32_t" / "int64_t" / "float" / "double" for a loam_coretype byte. */
const char *bg_core_ctype(uint8_t core);
/* An expression: the raw bits (uint64_t) of core value `x`, and back. */
char *bg_core_to_raw(bg *g, uint8_t core, const char *x);
char *bg_raw_to_core(bg *g, uint8_t core, const char *raw);

/* ---- functions (funcs.c) ---- */
void bg_import_func(bg *g, const loam_wit_func *f, const char *module,
                    const char *prefix);
void bg_export_func(bg *g, const loam_wit_func *f, const char *iface_id,
                    const char *prefix);

#endif
