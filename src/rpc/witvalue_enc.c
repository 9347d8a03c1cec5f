/*
 * rpc/witvalue_enc.c — typed values to golem:rpc wit-values.
 *
 * Node order: pre-order, depth first. A composite value's node is appended
 * first (its slot reserved), then each child's whole subtree in field /
 * item order, so node 0 is the root, every child has a larger index than
 * its parent, and the nodes of one subtree are contiguous. The decoder
 * (witvalue_dec.c) accepts any order; this one is what loam produces.
 */
#include "rpc/witvalue_int.h"
#include <stdlib.h>
#include <string.h>

typedef struct enc {
  wv_types w;
  loam_value **nodes;   /* wit-node values; NULL while reserved */
  size_t n, cap;
  lv_path path;         /* into the value being encoded, for messages */
  loam_error *err;
} enc;

static bool nomem(enc *e) {
  return wv_fail(e->err, LOAM_ERR_NOMEM, NULL, "wit-value: out of memory"), false;
}

/* Reserves the next node index; its value is set by put_node. */
static bool reserve(enc *e, size_t *at) {
  if (e->n >= (size_t)INT32_MAX)
    return wv_fail(e->err, LOAM_ERR_ARGUMENT, &e->path,
                   "value too large for a wit-value (more than %d nodes)", INT32_MAX), false;
  if (e->n == e->cap) {
    size_t cap = e->cap ? e->cap * 2 : 16;
    loam_value **nodes = realloc(e->nodes, cap * sizeof *nodes);
    if (!nodes) return nomem(e);
    e->nodes = nodes;
    e->cap = cap;
  }
  e->nodes[e->n] = NULL;
  *at = e->n++;
  return true;
}

/* Fills reserved slot `at` with wit-node case k carrying payload (adopted;
 * NULL payload means its construction ran out of memory). */
static bool put_node(enc *e, size_t at, uint32_t k, loam_value *payload) {
  if (!payload) return nomem(e);
  loam_value *node = loam_value_case(e->w.node, k, payload);
  if (!node) return nomem(e);
  e->nodes[at] = node;
  return true;
}

/* A node-index value of type t (s32; indices are below INT32_MAX). */
static loam_value *index_value(const loam_type *t, size_t i) {
  return loam_value_int(t, (int64_t)i);
}

/* option<node-index>: some(i), or none when `has` is false. */
static loam_value *opt_index(const loam_type *opt, bool has, size_t i) {
  if (!has) return loam_value_case(opt, 0, NULL);
  loam_value *x = index_value(opt->u.elem, i);
  return x ? loam_value_case(opt, 1, x) : NULL;
}

/* list<node-index> of kids[0..n). */
static loam_value *index_list(const loam_type *lt, const size_t *kids, size_t n) {
  loam_value **items = n ? malloc(n * sizeof *items) : NULL;
  if (n && !items) return NULL;
  for (size_t i = 0; i < n; i++) {
    if (!(items[i] = index_value(lt->u.elem, kids[i]))) {
      while (i--) loam_value_free(items[i]);
      free(items);
      return NULL;
    }
  }
  loam_value *v = loam_value_seq(lt, n, items);
  free(items);
  return v;
}

static bool encode(enc *e, const loam_value *v, size_t *at);

static bool encode_prim(enc *e, const loam_value *v, int k, size_t *at) {
  const loam_type *pt = wv_case(&e->w, (uint32_t)k);
  loam_value *p;
  if (k == LOAM_WITNODE_STRING) {
    if ((p = loam_value_string(v->of.str.ptr, v->of.str.len))) p->type = pt;
  } else if ((p = lv_alloc(pt))) {
    p->of = v->of;  /* scalars: the same union member */
  }
  return reserve(e, at) && put_node(e, *at, (uint32_t)k, p);
}

/* Records, tuples and lists: the node lists its children's indices. */
static bool encode_seq(enc *e, const loam_value *v, uint32_t k, size_t *at) {
  const loam_type *t = v->type;
  size_t n = v->of.seq.n;
  uint32_t want = t->kind == LOAM_T_RECORD ? t->u.record.n
                  : t->kind == LOAM_T_TUPLE ? t->u.tuple.n : (uint32_t)n;
  if (n != want)
    return wv_fail(e->err, LOAM_ERR_ARGUMENT, &e->path, "the value has %zu items, its type %u",
                   n, want), false;
  if (!reserve(e, at)) return false;
  size_t *kids = n ? malloc(n * sizeof *kids) : NULL;
  if (n && !kids) return nomem(e);
  for (size_t i = 0; i < n; i++) {
    size_t old = t->kind == LOAM_T_RECORD ? lv_path_field(&e->path, t->u.record.fields[i].name)
                                          : lv_path_index(&e->path, i);
    bool ok = encode(e, v->of.seq.items[i], &kids[i]);
    lv_path_cut(&e->path, old);
    if (!ok) {
      free(kids);
      return false;
    }
  }
  loam_value *p = index_list(wv_case(&e->w, k), kids, n);
  free(kids);
  return put_node(e, *at, k, p);
}

static bool encode_flags(enc *e, const loam_value *v, size_t *at) {
  const loam_type *lt = wv_case(&e->w, LOAM_WITNODE_FLAGS);
  uint32_t n = v->type->u.labels.n;
  loam_value **items = n ? malloc(n * sizeof *items) : NULL;
  if (n && !items) return nomem(e);
  for (uint32_t i = 0; i < n; i++) {
    bool set = i / 64 < v->of.flags.nwords && (v->of.flags.bits[i / 64] >> (i % 64) & 1);
    if ((items[i] = lv_alloc(lt->u.elem))) {
      items[i]->of.b = set;
    } else {
      while (i--) loam_value_free(items[i]);
      free(items);
      return nomem(e);
    }
  }
  loam_value *p = loam_value_seq(lt, n, items);
  free(items);
  return reserve(e, at) && put_node(e, *at, LOAM_WITNODE_FLAGS, p);
}

/* The payload of a variant-like value, checked against its case's payload
 * type pt (NULL = none), encoded as the next subtree. The path gets
 * ".<label>" when `in_path` (the JSON mapping's rule: variant cases, ok and
 * err always, "some" only for an option of an option). */
static bool encode_payload(enc *e, const loam_value *v, const loam_type *pt, const char *label,
                           bool in_path, bool *has, size_t *kid) {
  *has = pt != NULL;
  if (!pt != !v->of.var.payload)
    return wv_fail(e->err, LOAM_ERR_ARGUMENT, &e->path, "case %s %s", label,
                   pt ? "has no payload value, its type needs one"
                      : "has a payload value, its type has none"), false;
  if (!pt) return true;
  size_t old = in_path ? lv_path_field(&e->path, label) : e->path.len;
  bool ok = encode(e, v->of.var.payload, kid);
  lv_path_cut(&e->path, old);
  return ok;
}

static bool encode_variant(enc *e, const loam_value *v, size_t *at) {
  const loam_type *t = v->type;
  uint32_t tag = v->of.var.tag;
  if (tag >= t->u.record.n)
    return wv_fail(e->err, LOAM_ERR_ARGUMENT, &e->path, "case %u out of range (%u cases)", tag,
                   t->u.record.n), false;
  bool has;
  size_t kid = 0;
  if (!reserve(e, at) ||
      !encode_payload(e, v, t->u.record.fields[tag].type, t->u.record.fields[tag].name, true, &has,
                      &kid))
    return false;
  const loam_type *pt = wv_case(&e->w, LOAM_WITNODE_VARIANT);  /* tuple<u32, option<index>> */
  loam_value *items[2] = {lv_alloc(pt->u.tuple.types[0]), opt_index(pt->u.tuple.types[1], has, kid)};
  if (!items[0] || !items[1]) {
    loam_value_free(items[0]);
    loam_value_free(items[1]);
    return nomem(e);
  }
  items[0]->of.u = tag;
  return put_node(e, *at, LOAM_WITNODE_VARIANT, loam_value_seq(pt, 2, items));
}

static bool encode_option(enc *e, const loam_value *v, size_t *at) {
  uint32_t tag = v->of.var.tag;
  if (tag > 1)
    return wv_fail(e->err, LOAM_ERR_ARGUMENT, &e->path, "option case %u out of range", tag), false;
  bool has = false;
  size_t kid = 0;
  if (!reserve(e, at)) return false;
  if (tag == 1 && !encode_payload(e, v, v->type->u.elem, "some",
                                  v->type->u.elem->kind == LOAM_T_OPTION, &has, &kid))
    return false;
  return put_node(e, *at, LOAM_WITNODE_OPTION,
                  opt_index(wv_case(&e->w, LOAM_WITNODE_OPTION), has, kid));
}

static bool encode_result(enc *e, const loam_value *v, size_t *at) {
  const loam_type *t = v->type;
  uint32_t tag = v->of.var.tag;
  if (tag > 1)
    return wv_fail(e->err, LOAM_ERR_ARGUMENT, &e->path, "result case %u out of range", tag), false;
  bool has;
  size_t kid = 0;
  if (!reserve(e, at) ||
      !encode_payload(e, v, tag ? t->u.result.err : t->u.result.ok, tag ? "err" : "ok", true, &has,
                      &kid))
    return false;
  const loam_type *rt = wv_case(&e->w, LOAM_WITNODE_RESULT);
  const loam_type *ot = tag ? rt->u.result.err : rt->u.result.ok;
  loam_value *o = opt_index(ot, has, kid);
  return put_node(e, *at, LOAM_WITNODE_RESULT, o ? loam_value_case(rt, tag, o) : NULL);
}

static bool encode(enc *e, const loam_value *v, size_t *at) {
  const loam_type *t = v->type;
  int prim = wv_prim_node(t->kind);
  if (prim >= 0) return encode_prim(e, v, prim, at);
  switch (t->kind) {
  case LOAM_T_RECORD: return encode_seq(e, v, LOAM_WITNODE_RECORD, at);
  case LOAM_T_TUPLE: return encode_seq(e, v, LOAM_WITNODE_TUPLE, at);
  case LOAM_T_LIST: return encode_seq(e, v, LOAM_WITNODE_LIST, at);
  case LOAM_T_FLAGS: return encode_flags(e, v, at);
  case LOAM_T_VARIANT: return encode_variant(e, v, at);
  case LOAM_T_OPTION: return encode_option(e, v, at);
  case LOAM_T_RESULT: return encode_result(e, v, at);
  case LOAM_T_ENUM: {
    if (v->of.var.tag >= t->u.labels.n)
      return wv_fail(e->err, LOAM_ERR_ARGUMENT, &e->path, "enum case %u out of range (%u cases)",
                     v->of.var.tag, t->u.labels.n), false;
    loam_value *p = lv_alloc(wv_case(&e->w, LOAM_WITNODE_ENUM));
    if (p) p->of.u = v->of.var.tag;
    return reserve(e, at) && put_node(e, *at, LOAM_WITNODE_ENUM, p);
  }
  default: {
    char what[128];
    wv_describe(t, what, sizeof what);
    return wv_fail(e->err, LOAM_ERR_ARGUMENT, &e->path,
                   "a resource handle (%s) cannot be sent in a wit-value", what), false;
  }
  }
}

/* Frees what an encoder made so far. */
static void enc_free(enc *e) {
  for (size_t i = 0; i < e->n; i++) loam_value_free(e->nodes[i]);
  free(e->nodes);
}

/* Wraps the finished nodes into the wit-value record (taking them over). */
static loam_value *enc_finish(enc *e) {
  loam_value *list = loam_value_seq(e->w.nodes, e->n, e->nodes);  /* adopts the nodes */
  free(e->nodes);
  e->nodes = NULL;
  e->n = 0;
  loam_value *wv = list ? loam_value_seq(e->w.value, 1, &list) : NULL;
  if (!wv) wv_fail(e->err, LOAM_ERR_NOMEM, NULL, "wit-value: out of memory");
  return wv;
}

static bool enc_init(enc *e, const loam_type *wit_value_type, loam_error *err) {
  memset(e, 0, sizeof *e);
  e->err = err;
  lv_path_init(&e->path, NULL);
  return wv_types_get(wit_value_type, &e->w, err);
}

loam_value *loam_witvalue_from_value(const loam_value *v, const loam_type *wit_value_type,
                                     loam_error *err) {
  enc e;
  size_t root;
  if (!enc_init(&e, wit_value_type, err)) return NULL;
  if (!v) return wv_fail(err, LOAM_ERR_ARGUMENT, NULL, "no value to send");
  if (!encode(&e, v, &root)) {
    enc_free(&e);
    return NULL;
  }
  return enc_finish(&e);
}

loam_value *loam_witvalue_from_values(loam_value *const *v, const loam_type *const *types,
                                      size_t n, const loam_type *wit_value_type,
                                      loam_error *err) {
  enc e;
  size_t root;
  if (!enc_init(&e, wit_value_type, err)) return NULL;
  size_t *kids = n ? malloc(n * sizeof *kids) : NULL;
  if ((n && !kids) || !reserve(&e, &root)) {
    if (n && !kids) nomem(&e);
    free(kids);
    enc_free(&e);
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    size_t old = lv_path_index(&e.path, i);
    bool ok;
    if (!v[i]) {
      wv_fail(err, LOAM_ERR_ARGUMENT, &e.path, "no value to send");
      ok = false;
    } else if (v[i]->type->kind != types[i]->kind) {
      char want[128], got[128];
      wv_describe(types[i], want, sizeof want);
      wv_describe(v[i]->type, got, sizeof got);
      wv_fail(err, LOAM_ERR_ARGUMENT, &e.path, "value is %s, expected %s", got, want);
      ok = false;
    } else {
      ok = encode(&e, v[i], &kids[i]);
    }
    lv_path_cut(&e.path, old);
    if (!ok) {
      free(kids);
      enc_free(&e);
      return NULL;
    }
  }
  loam_value *p = index_list(wv_case(&e.w, LOAM_WITNODE_TUPLE), kids, n);
  free(kids);
  if (!put_node(&e, root, LOAM_WITNODE_TUPLE, p)) {
    enc_free(&e);
    return NULL;
  }
  return enc_finish(&e);
}
