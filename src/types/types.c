/* types.c — the constructors of the resolved type model (loam/types.h): a
 * loam_typectx arena that owns every type, name and array it makes, static
 * primitive types, and WIT-text printing. */
#include "loam/types.h"
#include "types/layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The arena: every allocation is remembered so loam_typectx_free can free it.
 * Types are few (one per WIT definition or use), so a pointer vector is
 * simpler than a bump allocator and keeps ASan precise. */
struct loam_typectx {
  void **blocks;
  size_t n, cap;
};

loam_typectx *loam_typectx_new(void) {
  return calloc(1, sizeof(loam_typectx));
}

void loam_typectx_free(loam_typectx *cx) {
  if (!cx) return;
  for (size_t i = 0; i < cx->n; i++) free(cx->blocks[i]);
  free(cx->blocks);
  free(cx);
}

static void *cx_alloc(loam_typectx *cx, size_t size) {
  if (cx->n == cx->cap) {
    size_t cap = cx->cap ? cx->cap * 2 : 64;
    void **b = realloc(cx->blocks, cap * sizeof *b);
    if (!b) return NULL;
    cx->blocks = b;
    cx->cap = cap;
  }
  void *p = calloc(1, size ? size : 1);
  if (p) cx->blocks[cx->n++] = p;
  return p;
}

static const char *cx_strdup(loam_typectx *cx, const char *s) {
  if (!s) return NULL;
  size_t len = strlen(s);
  char *p = cx_alloc(cx, len + 1);
  if (p) memcpy(p, s, len + 1);
  return p;
}

/* ---- primitives --------------------------------------------------------- */

#define PRIM(k, sz, core)                                              \
  [k] = {.kind = k, .size = sz, .align = sz, .nflat = 1,               \
         .flat = (const uint8_t[]){core}}

static const loam_type prims[] = {
  PRIM(LOAM_T_BOOL, 1, LOAM_CORE_I32), PRIM(LOAM_T_S8, 1, LOAM_CORE_I32),
  PRIM(LOAM_T_U8, 1, LOAM_CORE_I32), PRIM(LOAM_T_S16, 2, LOAM_CORE_I32),
  PRIM(LOAM_T_U16, 2, LOAM_CORE_I32), PRIM(LOAM_T_S32, 4, LOAM_CORE_I32),
  PRIM(LOAM_T_U32, 4, LOAM_CORE_I32), PRIM(LOAM_T_S64, 8, LOAM_CORE_I64),
  PRIM(LOAM_T_U64, 8, LOAM_CORE_I64), PRIM(LOAM_T_F32, 4, LOAM_CORE_F32),
  PRIM(LOAM_T_F64, 8, LOAM_CORE_F64), PRIM(LOAM_T_CHAR, 4, LOAM_CORE_I32),
  [LOAM_T_STRING] = {.kind = LOAM_T_STRING, .size = 8, .align = 4, .nflat = 2,
                     .flat = (const uint8_t[]){LOAM_CORE_I32, LOAM_CORE_I32}},
};

const loam_type *loam_type_prim(loam_typekind k) {
  if (k > LOAM_T_STRING) return NULL;
  return &prims[k];
}

/* ---- compound types ------------------------------------------------------ */

/* Computes t's layout and flat types; NULL when out of memory or too big. */
static const loam_type *finish(loam_typectx *cx, loam_type *t) {
  if (!loam_layout_measure(t)) return NULL;
  uint8_t *flat = cx_alloc(cx, t->nflat);
  if (!flat) return NULL;
  loam_layout_flatten(t, flat);
  t->flat = flat;
  return t;
}

static loam_type *new_type(loam_typectx *cx, loam_typekind k, const char *name) {
  loam_type *t = cx_alloc(cx, sizeof *t);
  if (!t) return NULL;
  t->kind = k;
  if (name && !(t->name = cx_strdup(cx, name))) return NULL;
  return t;
}

static const loam_type *elem_type(loam_typectx *cx, loam_typekind k,
                                  const loam_type *elem) {
  loam_type *t = new_type(cx, k, NULL);
  if (!t) return NULL;
  t->u.elem = elem;
  return finish(cx, t);
}

const loam_type *loam_type_list(loam_typectx *cx, const loam_type *elem) {
  return elem_type(cx, LOAM_T_LIST, elem);
}

const loam_type *loam_type_option(loam_typectx *cx, const loam_type *elem) {
  return elem_type(cx, LOAM_T_OPTION, elem);
}

const loam_type *loam_type_handle(loam_typectx *cx, loam_typekind own_or_borrow,
                                  const loam_type *resource) {
  if (own_or_borrow != LOAM_T_OWN && own_or_borrow != LOAM_T_BORROW) return NULL;
  return elem_type(cx, own_or_borrow, resource);
}

const loam_type *loam_type_result(loam_typectx *cx, const loam_type *ok,
                                  const loam_type *err) {
  loam_type *t = new_type(cx, LOAM_T_RESULT, NULL);
  if (!t) return NULL;
  t->u.result.ok = ok;
  t->u.result.err = err;
  return finish(cx, t);
}

const loam_type *loam_type_tuple(loam_typectx *cx, uint32_t n,
                                 const loam_type *const *types) {
  loam_type *t = new_type(cx, LOAM_T_TUPLE, NULL);
  const loam_type **copy = t ? cx_alloc(cx, n * sizeof *copy) : NULL;
  if (!copy) return NULL;
  if (n) memcpy(copy, types, n * sizeof *copy);
  t->u.tuple.n = n;
  t->u.tuple.types = copy;
  return finish(cx, t);
}

static const loam_type *fields_type(loam_typectx *cx, loam_typekind k,
                                    const char *name, uint32_t n,
                                    const loam_field *fields) {
  loam_type *t = new_type(cx, k, name);
  loam_field *copy = t ? cx_alloc(cx, n * sizeof *copy) : NULL;
  if (!copy) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    copy[i].type = fields[i].type;
    if (!(copy[i].name = cx_strdup(cx, fields[i].name ? fields[i].name : "")))
      return NULL;
  }
  t->u.record.n = n;
  t->u.record.fields = copy;
  return finish(cx, t);
}

const loam_type *loam_type_record(loam_typectx *cx, const char *name, uint32_t n,
                                  const loam_field *fields) {
  return fields_type(cx, LOAM_T_RECORD, name, n, fields);
}

const loam_type *loam_type_variant(loam_typectx *cx, const char *name, uint32_t n,
                                   const loam_field *cases) {
  return fields_type(cx, LOAM_T_VARIANT, name, n, cases);
}

static const loam_type *labels_type(loam_typectx *cx, loam_typekind k,
                                    const char *name, uint32_t n,
                                    const char *const *labels) {
  loam_type *t = new_type(cx, k, name);
  const char **copy = t ? cx_alloc(cx, n * sizeof *copy) : NULL;
  if (!copy) return NULL;
  for (uint32_t i = 0; i < n; i++)
    if (!(copy[i] = cx_strdup(cx, labels[i] ? labels[i] : ""))) return NULL;
  t->u.labels.n = n;
  t->u.labels.labels = copy;
  return finish(cx, t);
}

const loam_type *loam_type_enum(loam_typectx *cx, const char *name, uint32_t n,
                                const char *const *labels) {
  return labels_type(cx, LOAM_T_ENUM, name, n, labels);
}

const loam_type *loam_type_flags(loam_typectx *cx, const char *name, uint32_t n,
                                 const char *const *labels) {
  return labels_type(cx, LOAM_T_FLAGS, name, n, labels);
}

const loam_type *loam_type_resource(loam_typectx *cx, const char *name) {
  loam_type *t = new_type(cx, LOAM_T_RESOURCE, name);
  if (!t) return NULL;
  return finish(cx, t);
}

/* An alias shares the target's parts (owned by the target's arena) and
 * layout; only the name differs. */
const loam_type *loam_type_alias(loam_typectx *cx, const char *name,
                                 const loam_type *target) {
  loam_type *t = cx_alloc(cx, sizeof *t);
  if (!t) return NULL;
  *t = *target;
  t->owner = NULL;
  t->name = cx_strdup(cx, name);
  if (name && !t->name) return NULL;
  return t;
}

bool loam_type_set_owner(loam_typectx *cx, const loam_type *t, const char *owner) {
  if (!t || (t->kind <= LOAM_T_STRING && t == &prims[t->kind])) return false;
  const char *copy = cx_strdup(cx, owner);
  if (owner && !copy) return false;
  ((loam_type *)t)->owner = copy;
  return true;
}
