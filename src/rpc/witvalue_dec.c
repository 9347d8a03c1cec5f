/*
 * rpc/witvalue_dec.c — golem:rpc wit-values to typed values, checked node
 * by node against the expected type.
 *
 * Any node order is accepted, but the nodes must form a tree rooted at node
 * 0 that uses every node exactly once: an index out of range or negative, a
 * node referred to twice, a reference back to an enclosing node (a cycle)
 * and a node nothing refers to are all errors. Recursion follows the
 * expected type, so its depth is bounded by the type's, whatever the input.
 */
#include "rpc/witvalue_int.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { UNSEEN = 0, OPEN = 1, DONE = 2 };  /* a node's state while decoding */

typedef struct dec {
  wv_types w;
  loam_value *const *nodes;
  size_t n, used;
  uint8_t *state;       /* per node */
  lv_path path;         /* into the value being built, for messages */
  loam_error *err;
} dec;

static void *bad(dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void *bad(dec *d, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return wv_fail(d->err, LOAM_ERR_ARGUMENT, &d->path, "%s", msg);
}

static void *nomem(dec *d) {
  return wv_fail(d->err, LOAM_ERR_NOMEM, NULL, "wit-value: out of memory");
}

static loam_value *decode(dec *d, const loam_type *t, size_t i);

/* Follows node `from`'s reference `idx` (an s32 node-index value) to a
 * node decoded as t. */
static loam_value *child(dec *d, const loam_type *t, size_t from, const loam_value *idx) {
  int64_t x = idx->of.s;
  if (x < 0) return bad(d, "node %zu refers to node %lld, a negative index", from, (long long)x);
  if ((uint64_t)x >= d->n)
    return bad(d, "node %zu refers to node %lld, out of range (%zu nodes)", from, (long long)x,
               d->n);
  size_t i = (size_t)x;
  if (d->state[i] == OPEN)
    return bad(d, "node %zu refers to node %zu, which encloses it (a cycle)", from, i);
  if (d->state[i] == DONE)
    return bad(d, "node %zu refers to node %zu, which is already used elsewhere", from, i);
  return decode(d, t, i);
}

/* The payload of node i when it is of case `kind`, else NULL with a
 * message "node i is <its case>, expected <t>". */
static const loam_value *expect(dec *d, size_t i, uint32_t kind, const loam_type *t) {
  const loam_value *node = d->nodes[i];
  if (node->of.var.tag == kind && node->of.var.payload) return node->of.var.payload;
  char want[160];
  wv_describe(t, want, sizeof want);
  return bad(d, "node %zu is %s, expected %s", i, loam_witnode_name(node->of.var.tag), want);
}

static loam_value *decode_prim(dec *d, const loam_type *t, size_t i, int k) {
  const loam_value *p = expect(d, i, (uint32_t)k, t);
  if (!p) return NULL;
  loam_value *v;
  if (k == LOAM_WITNODE_STRING) {
    if (!lv_utf8_valid(p->of.str.ptr, p->of.str.len))
      return bad(d, "node %zu is prim-string with invalid UTF-8", i);
    if ((v = loam_value_string(p->of.str.ptr, p->of.str.len))) v->type = t;
  } else {
    if (k == LOAM_WITNODE_CHAR && !lv_char_valid(p->of.ch))
      return bad(d, "node %zu is prim-char 0x%X, not a Unicode scalar value", i, p->of.ch);
    if ((v = lv_alloc(t))) v->of = p->of;  /* scalars: the same union member */
  }
  return v ? v : nomem(d);
}

/* Records, tuples and lists: each child index decoded as its item type. */
static loam_value *decode_seq(dec *d, const loam_type *t, size_t i, uint32_t kind) {
  const loam_value *p = expect(d, i, kind, t);
  if (!p) return NULL;
  size_t n = p->of.seq.n;
  if (t->kind != LOAM_T_LIST) {
    uint32_t want = t->kind == LOAM_T_RECORD ? t->u.record.n : t->u.tuple.n;
    if (n != want) {
      char what[160];
      wv_describe(t, what, sizeof what);
      return bad(d, "node %zu is a %s of %zu %s%s, %s has %u", i, loam_witnode_name(kind), n,
                 t->kind == LOAM_T_RECORD ? "field" : "item", n == 1 ? "" : "s", what, want);
    }
  }
  loam_value *v = lv_alloc(t);
  if (!v || (n && !(v->of.seq.items = calloc(n, sizeof *v->of.seq.items)))) {
    free(v);
    return nomem(d);
  }
  for (size_t k = 0; k < n; k++) {
    const loam_type *ct = t->kind == LOAM_T_LIST    ? t->u.elem
                          : t->kind == LOAM_T_TUPLE ? t->u.tuple.types[k]
                                                    : t->u.record.fields[k].type;
    size_t old = t->kind == LOAM_T_RECORD ? lv_path_field(&d->path, t->u.record.fields[k].name)
                                          : lv_path_index(&d->path, k);
    loam_value *c = child(d, ct, i, p->of.seq.items[k]);
    lv_path_cut(&d->path, old);
    if (!c) {
      loam_value_free(v);
      return NULL;
    }
    v->of.seq.items[v->of.seq.n++] = c;
  }
  return v;
}

static loam_value *decode_flags(dec *d, const loam_type *t, size_t i) {
  const loam_value *p = expect(d, i, LOAM_WITNODE_FLAGS, t);
  if (!p) return NULL;
  uint32_t n = t->u.labels.n;
  if (p->of.seq.n != n) {
    char what[160];
    wv_describe(t, what, sizeof what);
    return bad(d, "node %zu is a flags-value of %zu flag%s, %s has %u", i, p->of.seq.n,
               p->of.seq.n == 1 ? "" : "s", what, n);
  }
  loam_value *v = loam_value_new(t);
  if (!v) return nomem(d);
  for (uint32_t k = 0; k < n; k++)
    if (p->of.seq.items[k]->of.b) v->of.flags.bits[k / 64] |= (uint64_t)1 << (k % 64);
  return v;
}

/* A case's payload: `idx` is the node's option<node-index> for it, pt the
 * case's payload type (NULL = none); the path gets ".<label>" when
 * `in_path` (the JSON mapping's rule). Sets *ok false on error. */
static loam_value *decode_payload(dec *d, size_t i, const loam_value *idx, const loam_type *t,
                                  const loam_type *pt, const char *label, bool in_path,
                                  bool *ok) {
  bool has = idx->of.var.tag == 1 && idx->of.var.payload;
  *ok = false;
  if (!pt != !has) {
    char what[160];
    wv_describe(t, what, sizeof what);
    if (pt) return bad(d, "node %zu has no payload for case %s of %s", i, label, what);
    return bad(d, "node %zu has a payload (node %lld) for case %s of %s, which has none", i,
               (long long)idx->of.var.payload->of.s, label, what);
  }
  if (!pt) {
    *ok = true;
    return NULL;
  }
  size_t old = in_path ? lv_path_field(&d->path, label) : d->path.len;
  loam_value *c = child(d, pt, i, idx->of.var.payload);
  lv_path_cut(&d->path, old);
  *ok = c != NULL;
  return c;
}

/* Wraps a decoded payload into case `tag` of t. */
static loam_value *make_case(dec *d, const loam_type *t, uint32_t tag, loam_value *payload,
                             bool ok) {
  if (!ok) return NULL;
  loam_value *v = loam_value_case(t, tag, payload);
  return v ? v : nomem(d);
}

static loam_value *decode_variant(dec *d, const loam_type *t, size_t i) {
  const loam_value *p = expect(d, i, LOAM_WITNODE_VARIANT, t);
  if (!p) return NULL;
  uint32_t tag = (uint32_t)p->of.seq.items[0]->of.u;
  if (tag >= t->u.record.n) {
    char what[160];
    wv_describe(t, what, sizeof what);
    return bad(d, "node %zu is case %u, %s has %u cases", i, tag, what, t->u.record.n);
  }
  const loam_field *c = &t->u.record.fields[tag];
  bool ok;
  loam_value *pv = decode_payload(d, i, p->of.seq.items[1], t, c->type, c->name, true, &ok);
  return make_case(d, t, tag, pv, ok);
}

static loam_value *decode_enum(dec *d, const loam_type *t, size_t i) {
  const loam_value *p = expect(d, i, LOAM_WITNODE_ENUM, t);
  if (!p) return NULL;
  uint32_t tag = (uint32_t)p->of.u;
  if (tag >= t->u.labels.n) {
    char what[160];
    wv_describe(t, what, sizeof what);
    return bad(d, "node %zu is case %u, %s has %u cases", i, tag, what, t->u.labels.n);
  }
  return make_case(d, t, tag, NULL, true);
}

static loam_value *decode_option(dec *d, const loam_type *t, size_t i) {
  const loam_value *p = expect(d, i, LOAM_WITNODE_OPTION, t);
  if (!p) return NULL;
  if (p->of.var.tag == 0) return make_case(d, t, 0, NULL, true);
  bool ok;
  loam_value *pv = decode_payload(d, i, p, t, t->u.elem, "some",
                                  t->u.elem->kind == LOAM_T_OPTION, &ok);
  return make_case(d, t, 1, pv, ok);
}

static loam_value *decode_result(dec *d, const loam_type *t, size_t i) {
  const loam_value *p = expect(d, i, LOAM_WITNODE_RESULT, t);
  if (!p) return NULL;
  uint32_t tag = p->of.var.tag ? 1 : 0;
  if (!p->of.var.payload) return bad(d, "node %zu is a result-value without its option", i);
  bool ok;
  loam_value *pv = decode_payload(d, i, p->of.var.payload, t,
                                  tag ? t->u.result.err : t->u.result.ok, tag ? "err" : "ok",
                                  true, &ok);
  return make_case(d, t, tag, pv, ok);
}

static loam_value *decode(dec *d, const loam_type *t, size_t i) {
  d->state[i] = OPEN;
  d->used++;
  loam_value *v;
  int prim = wv_prim_node(t->kind);
  if (prim >= 0) {
    v = decode_prim(d, t, i, prim);
  } else {
    switch (t->kind) {
    case LOAM_T_RECORD: v = decode_seq(d, t, i, LOAM_WITNODE_RECORD); break;
    case LOAM_T_TUPLE: v = decode_seq(d, t, i, LOAM_WITNODE_TUPLE); break;
    case LOAM_T_LIST: v = decode_seq(d, t, i, LOAM_WITNODE_LIST); break;
    case LOAM_T_FLAGS: v = decode_flags(d, t, i); break;
    case LOAM_T_VARIANT: v = decode_variant(d, t, i); break;
    case LOAM_T_ENUM: v = decode_enum(d, t, i); break;
    case LOAM_T_OPTION: v = decode_option(d, t, i); break;
    case LOAM_T_RESULT: v = decode_result(d, t, i); break;
    default: {
      char what[160];
      wv_describe(t, what, sizeof what);
      v = bad(d, "a resource handle (%s) cannot be received in a wit-value", what);
    }
    }
  }
  d->state[i] = DONE;
  return v;
}

/* Checks wv against its own type and prepares d; false with err set. */
static bool dec_init(dec *d, const loam_value *wv, const char *path, loam_error *err) {
  memset(d, 0, sizeof *d);
  d->err = err;
  lv_path_init(&d->path, path);
  if (!wv) return bad(d, "no wit-value"), false;
  if (!wv_types_get(wv->type, &d->w, err)) return false;
  const loam_value *list = wv->of.seq.n == 1 ? wv->of.seq.items[0] : NULL;
  if (!list) return bad(d, "wit-value without its nodes"), false;
  d->nodes = list->of.seq.items;
  d->n = list->of.seq.n;
  if (!d->n) return bad(d, "empty wit-value (no nodes)"), false;
  for (size_t i = 0; i < d->n; i++)
    if (!d->nodes[i] || d->nodes[i]->of.var.tag >= LOAM_WITNODE_COUNT)
      return bad(d, "node %zu is not a wit-node", i), false;
  if (!(d->state = calloc(d->n, 1))) return nomem(d), false;
  return true;
}

/* After the root (`ok` when it decoded): every node must have been used.
 * Frees d's state; false when anything failed. */
static bool dec_finish(dec *d, bool ok) {
  if (ok && d->used < d->n) {
    size_t i = 0;
    while (d->state[i]) i++;
    bad(d, "node %zu is not reachable from the root (%zu of %zu nodes unused)", i,
        d->n - d->used, d->n);
    ok = false;
  }
  free(d->state);
  return ok;
}

loam_value *loam_witvalue_to_value(const loam_value *wv, const loam_type *t, const char *path,
                                   loam_error *err) {
  dec d;
  if (!dec_init(&d, wv, path, err)) return NULL;
  loam_value *v = decode(&d, t, 0);
  if (!dec_finish(&d, v != NULL) && v) {
    loam_value_free(v);
    v = NULL;
  }
  return v;
}

bool loam_witvalue_to_values(const loam_value *wv, const loam_type *const *types, size_t n,
                             const char *path, loam_value **out, loam_error *err) {
  for (size_t k = 0; k < n; k++) out[k] = NULL;
  dec d;
  if (!dec_init(&d, wv, path, err)) return false;
  d.state[0] = OPEN;
  d.used = 1;
  const loam_value *p = d.nodes[0]->of.var.payload;
  bool ok = true;
  if (d.nodes[0]->of.var.tag != LOAM_WITNODE_TUPLE || !p) {
    bad(&d, "node 0 is %s, expected a tuple-value of %zu result%s",
        loam_witnode_name(d.nodes[0]->of.var.tag), n, n == 1 ? "" : "s");
    ok = false;
  } else if (p->of.seq.n != n) {
    bad(&d, "node 0 is a tuple-value of %zu item%s, expected %zu", p->of.seq.n,
        p->of.seq.n == 1 ? "" : "s", n);
    ok = false;
  }
  for (size_t k = 0; ok && k < n; k++) {
    size_t old = lv_path_index(&d.path, k);
    out[k] = child(&d, types[k], 0, p->of.seq.items[k]);
    lv_path_cut(&d.path, old);
    ok = out[k] != NULL;
  }
  if (ok) d.state[0] = DONE;
  if (!dec_finish(&d, ok)) {
    for (size_t k = 0; k < n; k++) {
      loam_value_free(out[k]);
      out[k] = NULL;
    }
    return false;
  }
  return true;
}
