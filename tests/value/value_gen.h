/*
 * value_gen.h — random WIT types (up to a depth) and random values of them,
 * from a seeded generator, for the property tests: the same seed always
 * gives the same types and values, so a failure names its seed.
 */
#ifndef LOAM_TEST_VALUE_GEN_H
#define LOAM_TEST_VALUE_GEN_H

#include "loam/value.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct rng { uint64_t s; } rng;

static uint64_t rnd(rng *r) {  /* splitmix64 */
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static uint32_t below(rng *r, uint32_t n) { return (uint32_t)(rnd(r) % n); }

/* Labels include WAVE keywords on purpose: they must be %-escaped. */
static const char *const gen_labels[] = {
    "ok", "none", "true", "err", "some", "nan", "inf", "false", "a", "b-c", "x1", "long-name-here",
};
#define GEN_NLABELS (sizeof gen_labels / sizeof *gen_labels)

/* n distinct labels in random order. */
static void pick_labels(rng *r, uint32_t n, const char **out) {
  const char *pool[GEN_NLABELS];
  memcpy(pool, gen_labels, sizeof pool);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t j = i + below(r, GEN_NLABELS - i);
    const char *t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
    out[i] = pool[i];
  }
}

static const loam_type *gen_type(loam_typectx *cx, rng *r, int depth);

static const loam_type *gen_leaf(loam_typectx *cx, rng *r) {
  const char *labels[GEN_NLABELS];
  switch (below(r, 16)) {
  case 13: {
    uint32_t n = 1 + below(r, 6);
    pick_labels(r, n, labels);
    return loam_type_enum(cx, "e", n, labels);
  }
  case 14: {
    uint32_t n = 1 + below(r, GEN_NLABELS);
    pick_labels(r, n, labels);
    return loam_type_flags(cx, "fl", n, labels);
  }
  case 15:
    return loam_type_handle(cx, below(r, 2) ? LOAM_T_OWN : LOAM_T_BORROW,
                            loam_type_resource(cx, "res"));
  default: return loam_type_prim((loam_typekind)below(r, LOAM_T_STRING + 1));
  }
}

static const loam_type *gen_fields(loam_typectx *cx, rng *r, int depth, bool variant) {
  const char *labels[GEN_NLABELS];
  uint32_t n = 1 + below(r, 4);
  pick_labels(r, n, labels);
  loam_field f[4];
  for (uint32_t i = 0; i < n; i++) {
    f[i].name = labels[i];
    f[i].type = variant && below(r, 3) == 0 ? NULL : gen_type(cx, r, depth - 1);
  }
  return variant ? loam_type_variant(cx, "v", n, f) : loam_type_record(cx, "r", n, f);
}

static const loam_type *gen_type(loam_typectx *cx, rng *r, int depth) {
  if (depth <= 0 || below(r, 3) == 0) return gen_leaf(cx, r);
  switch (below(r, 8)) {
  case 0: return loam_type_list(cx, gen_type(cx, r, depth - 1));
  case 1: return loam_type_option(cx, gen_type(cx, r, depth - 1));
  case 2: {
    const loam_type *ok = below(r, 4) ? gen_type(cx, r, depth - 1) : NULL;
    const loam_type *err = below(r, 4) ? gen_type(cx, r, depth - 1) : NULL;
    return loam_type_result(cx, ok, err);
  }
  case 3: {
    const loam_type *ts[4];
    uint32_t n = 1 + below(r, 4);
    for (uint32_t i = 0; i < n; i++) ts[i] = gen_type(cx, r, depth - 1);
    return loam_type_tuple(cx, n, ts);
  }
  case 4: return gen_fields(cx, r, depth, false);
  case 5: return gen_fields(cx, r, depth, true);
  case 6: return loam_type_alias(cx, "alias", gen_type(cx, r, depth - 1));
  default: return gen_leaf(cx, r);
  }
}

static uint32_t gen_char(rng *r) {
  static const uint32_t special[] = {0, '\'', '"', '\\', '\n', '\t', '\r', 0x7F, '%',
                                     0xE9, 0x2603, 0xD7FF, 0xE000, 0x1F600, 0x10FFFF, 0x1};
  switch (below(r, 4)) {
  case 0: return special[below(r, sizeof special / sizeof *special)];
  case 1: return 0x20 + below(r, 0x5F);
  default: {
    uint32_t c = below(r, 0x110000);
    return c >= 0xD800 && c <= 0xDFFF ? c - 0x800 : c;
  }
  }
}

static uint64_t gen_bits(rng *r) {
  switch (below(r, 6)) {
  case 0: return 0;
  case 1: return UINT64_MAX;
  case 2: return (uint64_t)1 << 63;
  case 3: return ((uint64_t)1 << 63) - 1;
  case 4: return below(r, 300);
  default: return rnd(r);
  }
}

static double gen_f64(rng *r) {
  static const double special[] = {0.0, -0.0, INFINITY, -INFINITY, 1.0, 0.1, 5e-324, 1e300};
  if (below(r, 3) == 0) return special[below(r, 8)];
  uint64_t bits = rnd(r);
  double d;
  memcpy(&d, &bits, 8);
  return isnan(d) ? NAN : d;  /* text keeps no NaN payloads */
}

static float gen_f32(rng *r) {
  static const float special[] = {0.0f, -0.0f, INFINITY, -INFINITY, 1.0f, 0.1f, 1e-45f, 3.4028235e38f};
  if (below(r, 3) == 0) return special[below(r, 8)];
  uint32_t bits = (uint32_t)rnd(r);
  float f;
  memcpy(&f, &bits, 4);
  return isnan(f) ? NAN : f;
}

static loam_value *gen_value(const loam_type *t, rng *r);

static loam_value *gen_payload(const loam_type *pt, rng *r) { return pt ? gen_value(pt, r) : NULL; }

static loam_value *gen_value(const loam_type *t, rng *r) {
  loam_value *v;
  switch (t->kind) {
  case LOAM_T_BOOL:
    v = loam_value_new(t);
    v->of.b = below(r, 2);
    return v;
  case LOAM_T_S8: case LOAM_T_S16: case LOAM_T_S32: case LOAM_T_S64: {
    unsigned w = t->kind == LOAM_T_S8 ? 8 : t->kind == LOAM_T_S16 ? 16 : t->kind == LOAM_T_S32 ? 32 : 64;
    uint64_t u = gen_bits(r) << (64 - w);
    int64_t s;
    memcpy(&s, &u, 8);
    return loam_value_int(t, s >> (64 - w));  /* sign-extends (arithmetic shift) */
  }
  case LOAM_T_U8: case LOAM_T_U16: case LOAM_T_U32: case LOAM_T_U64: {
    unsigned w = t->kind == LOAM_T_U8 ? 8 : t->kind == LOAM_T_U16 ? 16 : t->kind == LOAM_T_U32 ? 32 : 64;
    uint64_t u = gen_bits(r);
    return loam_value_uint(t, w == 64 ? u : u & (((uint64_t)1 << w) - 1));
  }
  case LOAM_T_F32:
    v = loam_value_new(t);
    v->of.f32 = gen_f32(r);
    return v;
  case LOAM_T_F64:
    v = loam_value_new(t);
    v->of.f64 = gen_f64(r);
    return v;
  case LOAM_T_CHAR:
    v = loam_value_new(t);
    v->of.ch = gen_char(r);
    return v;
  case LOAM_T_STRING: {
    char buf[64];
    size_t n = 0, k = below(r, 9);
    for (size_t i = 0; i < k; i++) {
      uint32_t c = gen_char(r);
      char u[4];
      size_t m = c < 0x80 ? (u[0] = (char)c, 1)
                 : c < 0x800 ? (u[0] = (char)(0xC0 | (c >> 6)), u[1] = (char)(0x80 | (c & 0x3F)), 2)
                 : c < 0x10000 ? (u[0] = (char)(0xE0 | (c >> 12)), u[1] = (char)(0x80 | ((c >> 6) & 0x3F)),
                                  u[2] = (char)(0x80 | (c & 0x3F)), 3)
                 : (u[0] = (char)(0xF0 | (c >> 18)), u[1] = (char)(0x80 | ((c >> 12) & 0x3F)),
                    u[2] = (char)(0x80 | ((c >> 6) & 0x3F)), u[3] = (char)(0x80 | (c & 0x3F)), 4);
      memcpy(buf + n, u, m);
      n += m;
    }
    v = loam_value_string(buf, n);
    v->type = t;
    return v;
  }
  case LOAM_T_LIST: {
    loam_value *items[3];
    size_t n = below(r, 4);
    for (size_t i = 0; i < n; i++) items[i] = gen_value(t->u.elem, r);
    return loam_value_seq(t, n, items);
  }
  case LOAM_T_TUPLE:
  case LOAM_T_RECORD: {
    uint32_t n = t->kind == LOAM_T_TUPLE ? t->u.tuple.n : t->u.record.n;
    loam_value *items[8];
    for (uint32_t i = 0; i < n; i++)
      items[i] = gen_value(t->kind == LOAM_T_TUPLE ? t->u.tuple.types[i] : t->u.record.fields[i].type, r);
    return loam_value_seq(t, n, items);
  }
  case LOAM_T_OPTION: {
    uint32_t tag = below(r, 2);
    return loam_value_case(t, tag, tag ? gen_value(t->u.elem, r) : NULL);
  }
  case LOAM_T_RESULT: {
    uint32_t tag = below(r, 2);
    return loam_value_case(t, tag, gen_payload(tag ? t->u.result.err : t->u.result.ok, r));
  }
  case LOAM_T_VARIANT: {
    uint32_t tag = below(r, t->u.record.n);
    return loam_value_case(t, tag, gen_payload(t->u.record.fields[tag].type, r));
  }
  case LOAM_T_ENUM: return loam_value_case(t, below(r, t->u.labels.n), NULL);
  case LOAM_T_FLAGS:
    v = loam_value_new(t);
    for (uint32_t i = 0; i < t->u.labels.n; i++)
      if (below(r, 2)) v->of.flags.bits[i / 64] |= (uint64_t)1 << (i % 64);
    return v;
  default:
    v = loam_value_new(t);
    v->of.handle = (uint32_t)gen_bits(r);
    return v;
  }
}

#endif
