/*
 * value.c — value trees: construction, free, clone and structural equality.
 */
#include "value/value_int.h"
#include <stdlib.h>
#include <string.h>

uint32_t lv_flag_words(uint32_t nlabels) {
  uint32_t w = (nlabels + 63) / 64;
  return w ? w : 1;
}

loam_value *lv_alloc(const loam_type *t) {
  loam_value *v = calloc(1, sizeof *v);
  if (v) v->type = t;
  return v;
}

/* The payload type of case `tag` of an option/result/variant type, or NULL
 * when the case has none (or the tag is out of range). */
static const loam_type *case_type(const loam_type *t, uint32_t tag) {
  switch (t->kind) {
  case LOAM_T_OPTION: return tag == 1 ? t->u.elem : NULL;
  case LOAM_T_RESULT: return tag == 0 ? t->u.result.ok : tag == 1 ? t->u.result.err : NULL;
  case LOAM_T_VARIANT: return tag < t->u.record.n ? t->u.record.fields[tag].type : NULL;
  default: return NULL;
  }
}

static bool new_children(loam_value *v, const loam_type *t) {
  uint32_t n = t->kind == LOAM_T_TUPLE ? t->u.tuple.n : t->u.record.n;
  if (n == 0) return true;
  v->of.seq.items = calloc(n, sizeof *v->of.seq.items);
  if (!v->of.seq.items) return false;
  v->of.seq.n = n;
  for (uint32_t i = 0; i < n; i++) {
    const loam_type *ct = t->kind == LOAM_T_TUPLE ? t->u.tuple.types[i] : t->u.record.fields[i].type;
    v->of.seq.items[i] = loam_value_new(ct);
    if (!v->of.seq.items[i]) return false;
  }
  return true;
}

loam_value *loam_value_new(const loam_type *t) {
  loam_value *v = lv_alloc(t);
  if (!v) return NULL;
  bool ok = true;
  switch (t->kind) {
  case LOAM_T_STRING:
    v->of.str.ptr = calloc(1, 1);
    ok = v->of.str.ptr != NULL;
    break;
  case LOAM_T_TUPLE:
  case LOAM_T_RECORD:
    ok = new_children(v, t);
    break;
  case LOAM_T_RESULT:
  case LOAM_T_VARIANT: {
    const loam_type *pt = case_type(t, 0);
    if (pt) ok = (v->of.var.payload = loam_value_new(pt)) != NULL;
    break;
  }
  case LOAM_T_FLAGS:
    v->of.flags.nwords = lv_flag_words(t->u.labels.n);
    v->of.flags.bits = calloc(v->of.flags.nwords, sizeof(uint64_t));
    ok = v->of.flags.bits != NULL;
    break;
  default:  /* scalars, empty list, option none, enum case 0, handle 0 */
    break;
  }
  if (!ok) {
    loam_value_free(v);
    return NULL;
  }
  return v;
}

loam_value *loam_value_bool(bool b) {
  loam_value *v = lv_alloc(loam_type_prim(LOAM_T_BOOL));
  if (v) v->of.b = b;
  return v;
}

loam_value *loam_value_int(const loam_type *t, int64_t x) {
  loam_value *v = lv_alloc(t);
  if (v) v->of.s = x;  /* .s and .u share their bits */
  return v;
}

loam_value *loam_value_uint(const loam_type *t, uint64_t x) {
  loam_value *v = lv_alloc(t);
  if (v) v->of.u = x;
  return v;
}

loam_value *loam_value_f32(float x) {
  loam_value *v = lv_alloc(loam_type_prim(LOAM_T_F32));
  if (v) v->of.f32 = x;
  return v;
}

loam_value *loam_value_f64(double x) {
  loam_value *v = lv_alloc(loam_type_prim(LOAM_T_F64));
  if (v) v->of.f64 = x;
  return v;
}

loam_value *loam_value_char(uint32_t c) {
  loam_value *v = lv_alloc(loam_type_prim(LOAM_T_CHAR));
  if (v) v->of.ch = c;
  return v;
}

loam_value *loam_value_string(const char *s, size_t len) {
  loam_value *v = lv_alloc(loam_type_prim(LOAM_T_STRING));
  if (!v) return NULL;
  v->of.str.ptr = malloc(len + 1);
  if (!v->of.str.ptr) {
    free(v);
    return NULL;
  }
  if (len) memcpy(v->of.str.ptr, s, len);
  v->of.str.ptr[len] = '\0';
  v->of.str.len = len;
  return v;
}

loam_value *loam_value_seq(const loam_type *t, size_t n, loam_value **items) {
  loam_value *v = lv_alloc(t);
  loam_value **copy = n ? malloc(n * sizeof *items) : NULL;
  if (!v || (n && !copy)) {  /* adopted children go down with us */
    free(v);
    free(copy);
    for (size_t i = 0; i < n; i++) loam_value_free(items[i]);
    return NULL;
  }
  if (n) memcpy(copy, items, n * sizeof *items);
  v->of.seq.items = copy;
  v->of.seq.n = n;
  return v;
}

loam_value *loam_value_case(const loam_type *t, uint32_t tag, loam_value *payload) {
  loam_value *v = lv_alloc(t);
  if (!v) {
    loam_value_free(payload);
    return NULL;
  }
  v->of.var.tag = tag;
  v->of.var.payload = payload;
  return v;
}

void loam_value_free(loam_value *v) {
  if (!v) return;
  switch (v->type->kind) {
  case LOAM_T_STRING: free(v->of.str.ptr); break;
  case LOAM_T_LIST:
  case LOAM_T_TUPLE:
  case LOAM_T_RECORD:
    for (size_t i = 0; i < v->of.seq.n; i++) loam_value_free(v->of.seq.items[i]);
    free(v->of.seq.items);
    break;
  case LOAM_T_OPTION:
  case LOAM_T_RESULT:
  case LOAM_T_VARIANT: loam_value_free(v->of.var.payload); break;
  case LOAM_T_FLAGS: free(v->of.flags.bits); break;
  default: break;
  }
  free(v);
}

static bool clone_into(loam_value *c, const loam_value *v) {
  switch (v->type->kind) {
  case LOAM_T_STRING:
    c->of.str.ptr = malloc(v->of.str.len + 1);
    if (!c->of.str.ptr) return false;
    if (v->of.str.len) memcpy(c->of.str.ptr, v->of.str.ptr, v->of.str.len);
    c->of.str.ptr[v->of.str.len] = '\0';
    return true;
  case LOAM_T_LIST:
  case LOAM_T_TUPLE:
  case LOAM_T_RECORD:
    c->of.seq.n = 0;
    c->of.seq.items = NULL;
    if (!v->of.seq.n) return true;
    c->of.seq.items = calloc(v->of.seq.n, sizeof *c->of.seq.items);
    if (!c->of.seq.items) return false;
    c->of.seq.n = v->of.seq.n;
    for (size_t i = 0; i < v->of.seq.n; i++)
      if (!(c->of.seq.items[i] = loam_value_clone(v->of.seq.items[i]))) return false;
    return true;
  case LOAM_T_OPTION:
  case LOAM_T_RESULT:
  case LOAM_T_VARIANT:
    c->of.var.payload = NULL;
    return !v->of.var.payload || (c->of.var.payload = loam_value_clone(v->of.var.payload));
  case LOAM_T_FLAGS:
    c->of.flags.bits = NULL;
    if (!v->of.flags.nwords) return true;
    c->of.flags.bits = malloc(v->of.flags.nwords * sizeof(uint64_t));
    if (!c->of.flags.bits) return false;
    memcpy(c->of.flags.bits, v->of.flags.bits, v->of.flags.nwords * sizeof(uint64_t));
    return true;
  default:
    return true;
  }
}

loam_value *loam_value_clone(const loam_value *v) {
  if (!v) return NULL;
  loam_value *c = lv_alloc(v->type);
  if (!c) return NULL;
  c->of = v->of;
  if (!clone_into(c, v)) {
    loam_value_free(c);
    return NULL;
  }
  return c;
}

static uint64_t flag_word(const loam_value *v, uint32_t i) {
  return i < v->of.flags.nwords ? v->of.flags.bits[i] : 0;
}

static bool flags_equal(const loam_value *a, const loam_value *b) {
  uint32_t n = a->of.flags.nwords > b->of.flags.nwords ? a->of.flags.nwords : b->of.flags.nwords;
  for (uint32_t i = 0; i < n; i++)
    if (flag_word(a, i) != flag_word(b, i)) return false;
  return true;
}

/* Compares by kind and content, not by type pointer: equal types from two
 * contexts (or an alias and its target) hold comparable values. */
bool loam_value_equal(const loam_value *a, const loam_value *b) {
  if (a == b) return true;
  if (!a || !b || a->type->kind != b->type->kind) return false;
  switch (a->type->kind) {
  case LOAM_T_BOOL: return a->of.b == b->of.b;
  case LOAM_T_F32: {
    uint32_t x, y;
    memcpy(&x, &a->of.f32, 4);
    memcpy(&y, &b->of.f32, 4);
    return x == y;
  }
  case LOAM_T_F64: {
    uint64_t x, y;
    memcpy(&x, &a->of.f64, 8);
    memcpy(&y, &b->of.f64, 8);
    return x == y;
  }
  case LOAM_T_CHAR: return a->of.ch == b->of.ch;
  case LOAM_T_STRING:
    return a->of.str.len == b->of.str.len &&
           (!a->of.str.len || !memcmp(a->of.str.ptr, b->of.str.ptr, a->of.str.len));
  case LOAM_T_LIST:
  case LOAM_T_TUPLE:
  case LOAM_T_RECORD:
    if (a->of.seq.n != b->of.seq.n) return false;
    for (size_t i = 0; i < a->of.seq.n; i++)
      if (!loam_value_equal(a->of.seq.items[i], b->of.seq.items[i])) return false;
    return true;
  case LOAM_T_OPTION:
  case LOAM_T_RESULT:
  case LOAM_T_VARIANT:
  case LOAM_T_ENUM:
    return a->of.var.tag == b->of.var.tag &&
           loam_value_equal(a->of.var.payload, b->of.var.payload);
  case LOAM_T_FLAGS: return flags_equal(a, b);
  case LOAM_T_OWN:
  case LOAM_T_BORROW:
  case LOAM_T_RESOURCE: return a->of.handle == b->of.handle;
  default: return a->of.u == b->of.u;  /* integers */
  }
}
