/*
 * rpc/witvalue_int.h — private to the wit-value conversions: the parts of a
 * golem:rpc wit-value type they build and read, error messages with paths,
 * and how types are named in those messages.
 */
#ifndef LOAM_RPC_WITVALUE_INT_H
#define LOAM_RPC_WITVALUE_INT_H

#include "loam/rpc.h"
#include "value/value_int.h"   /* lv_path, lv_alloc, UTF-8 helpers */

/* The three types of a wit-value: the record, its `nodes` list and the
 * wit-node variant whose case payload types every node is built with. */
typedef struct wv_types {
  const loam_type *value;   /* record wit-value { nodes } */
  const loam_type *nodes;   /* list<wit-node> */
  const loam_type *node;    /* variant wit-node, LOAM_WITNODE_COUNT cases */
} wv_types;

/* Checks that t has the shape of golem:rpc's wit-value (every case payload
 * of the right kind, whatever the names) and fills w. False with
 * LOAM_ERR_ARGUMENT naming the first difference. */
bool wv_types_get(const loam_type *t, wv_types *w, loam_error *err);

/* The payload type of wit-node case k (< LOAM_WITNODE_COUNT). */
static inline const loam_type *wv_case(const wv_types *w, uint32_t k) {
  return w->node->u.record.fields[k].type;
}

/* The wit-node case of a primitive type kind, or -1 for a composite one. */
int wv_prim_node(loam_typekind k);

/* Sets err (may be NULL) to `code` and "<path>: <message>" (just the
 * message at an empty path). Always returns NULL, so that callers can
 * `return wv_fail(...)`. */
void *wv_fail(loam_error *err, loam_status code, const lv_path *p, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A type as messages name it: "record point", "variant shape", "enum color",
 * "flags perms" for named definitions, else its WIT text ("f32",
 * "list<item>", "tuple<u8, string>"); aliases show what they stand for. */
void wv_describe(const loam_type *t, char *buf, size_t cap);

#endif
