/* lift.c — lifting value trees out of a guest: from flat core values and
 * from linear memory (CanonicalABI.md "Loading" and "Flat Lifting"). Every
 * value the guest made is checked: bounds, alignment, UTF-8, chars,
 * discriminants, handles; a bad one is a trap with a message, never a crash. */
#include "abi/abi_int.h"
#include "types/layout.h"

#include <stdlib.h>
#include <string.h>

/* Lists of zero-size elements cost no guest memory; bound them anyway so a
 * hostile length cannot make the host build billions of values. */
#define MAX_EMPTY_ELEMS (1u << 20)

static uint64_t get_le(const uint8_t *p, uint32_t n) {
  uint64_t x = 0;
  for (uint32_t i = 0; i < n; i++) x |= (uint64_t)p[i] << (8 * i);
  return x;
}

/* The new value typed exactly t (constructors of scalars use the primitive
 * type, which would lose an alias name); NULL + NOMEM when v is NULL. */
static loam_value *typed(abi_cx *cx, loam_value *v, const loam_type *t) {
  if (!v) {
    abi_nomem(cx);
    return NULL;
  }
  v->type = t;
  return v;
}

/* UTF-8 as RFC 3629 defines it: no overlongs, surrogates or > U+10FFFF. */
static bool valid_utf8(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    if (c < 0x80) { i++; continue; }
    size_t len;
    uint32_t lo = 0x80, hi = 0xBF;  /* the second byte's range */
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else return false;
    if (n - i < len) return false;
    if (s[i + 1] < lo || s[i + 1] > hi) return false;
    for (size_t k = 2; k < len; k++)
      if ((s[i + k] & 0xC0) != 0x80) return false;
    i += len;
  }
  return true;
}

static loam_value *lift_string(abi_cx *cx, const loam_type *t, uint32_t ptr, uint32_t len) {
  if (len > LOAM_ABI_MAX_BYTE_LENGTH) {
    abi_trap(cx, "string length %u is too long", len);
    return NULL;
  }
  const uint8_t *p = abi_mem(cx, ptr, len, 1, "string");
  if (!p) return NULL;
  if (!valid_utf8(p, len)) {
    abi_trap(cx, "string at 0x%x (%u bytes) is not valid UTF-8", ptr, len);
    return NULL;
  }
  return typed(cx, loam_value_string((const char *)p, len), t);
}

/* Builds a list/tuple/record from `n` items made by `one`; frees them all on
 * a failure. */
typedef loam_value *(*item_fn)(abi_cx *cx, const loam_type *t, uint32_t i, void *arg);

static loam_value *build_seq(abi_cx *cx, const loam_type *t, uint32_t n, item_fn one,
                             void *arg) {
  loam_value **items = n ? calloc(n, sizeof *items) : NULL;
  if (n && !items) return typed(cx, NULL, t);
  for (uint32_t i = 0; i < n; i++) {
    if (!(items[i] = one(cx, t, i, arg))) {
      for (uint32_t k = 0; k < i; k++) loam_value_free(items[k]);
      free(items);
      return NULL;
    }
  }
  loam_value *v = loam_value_seq(t, n, items);
  free(items);
  return typed(cx, v, t);
}

static loam_value *list_item(abi_cx *cx, const loam_type *t, uint32_t i, void *arg) {
  uint32_t base = *(uint32_t *)arg;
  return abi_load(cx, t->u.elem, base + i * t->u.elem->size);
}

static loam_value *lift_list(abi_cx *cx, const loam_type *t, uint32_t ptr, uint32_t len) {
  const loam_type *e = t->u.elem;
  uint64_t bytes = (uint64_t)len * e->size;
  if (bytes > LOAM_ABI_MAX_BYTE_LENGTH || (e->size == 0 && len > MAX_EMPTY_ELEMS)) {
    abi_trap(cx, "list of %u elements is too long", len);
    return NULL;
  }
  if (!abi_mem(cx, ptr, bytes, e->align, "list")) return NULL;
  return build_seq(cx, t, len, list_item, &ptr);
}

static const loam_type *seq_type(const loam_type *t, uint32_t i) {
  return t->kind == LOAM_T_TUPLE ? t->u.tuple.types[i] : t->u.record.fields[i].type;
}

static uint32_t seq_len(const loam_type *t) {
  return t->kind == LOAM_T_TUPLE ? t->u.tuple.n : t->u.record.n;
}

/* Flat items: arg walks the flat values. */
static loam_value *flat_item(abi_cx *cx, const loam_type *t, uint32_t i, void *arg) {
  const loam_val **in = arg;
  const loam_type *f = seq_type(t, i);
  loam_value *v = abi_lift_flat(cx, f, *in);
  *in += f->nflat;
  return v;
}

/* Memory items: arg is {ptr, offset so far}. */
static loam_value *mem_item(abi_cx *cx, const loam_type *t, uint32_t i, void *arg) {
  uint32_t *pos = arg;
  const loam_type *f = seq_type(t, i);
  pos[1] = loam_align_to(pos[1], f->align);
  loam_value *v = abi_load(cx, f, pos[0] + pos[1]);
  pos[1] += f->size;
  return v;
}

static bool case_payload(const loam_type *t, uint32_t tag, const loam_type **out) {
  switch (t->kind) {
  case LOAM_T_OPTION: *out = tag ? t->u.elem : NULL; return tag < 2;
  case LOAM_T_RESULT: *out = tag ? t->u.result.err : t->u.result.ok; return tag < 2;
  default:
    if (tag >= t->u.record.n) return false;
    *out = t->u.record.fields[tag].type;
    return true;
  }
}

static uint32_t ncases(const loam_type *t) {
  return t->kind == LOAM_T_VARIANT ? t->u.record.n : 2;
}

/* A joined slot read back as the type the case wants (the spec's
 * CoerceValueIter): wrap i64 to i32, reinterpret integer bits as floats. */
static loam_val coerce_in(loam_val have, uint8_t want) {
  uint64_t bits = have.type == LOAM_I32 || have.type == LOAM_F32 ? have.of.i32 : have.of.i64;
  loam_val x = {(loam_valtype)want, {.i64 = 0}};
  if (want == LOAM_CORE_I32 || want == LOAM_CORE_F32) x.of.i32 = (uint32_t)bits;
  else x.of.i64 = bits;
  return x;
}

static loam_value *lift_variant_flat(abi_cx *cx, const loam_type *t, const loam_val *in) {
  uint32_t tag = in[0].of.i32;
  const loam_type *p;
  if (!case_payload(t, tag, &p)) {
    abi_trap(cx, "discriminant %u is out of range (%u cases)", tag, ncases(t));
    return NULL;
  }
  loam_value *payload = NULL;
  if (p) {
    loam_val small[16] = {{0}}, *tmp = p->nflat <= 16 ? small : malloc(p->nflat * sizeof *tmp);
    if (!tmp) return typed(cx, NULL, t);
    for (uint32_t i = 0; i < p->nflat; i++) tmp[i] = coerce_in(in[1 + i], p->flat[i]);
    payload = abi_lift_flat(cx, p, tmp);
    if (tmp != small) free(tmp);
    if (!payload) return NULL;
  }
  return typed(cx, loam_value_case(t, tag, payload), t);
}

static loam_value *lift_flags(abi_cx *cx, const loam_type *t, const uint32_t *words,
                              uint32_t nwords) {
  loam_value *v = loam_value_new(t);
  if (!v) return typed(cx, NULL, t);
  uint32_t n = t->u.labels.n;
  /* Bits beyond the labels are ignored, as the spec's unpack_flags does. */
  for (uint32_t w = 0; w < nwords; w++) {
    uint32_t x = words[w];
    uint32_t used = n - 32 * w;
    if (used < 32) x &= (1u << used) - 1;
    if (w / 2 < v->of.flags.nwords)
      v->of.flags.bits[w / 2] |= (uint64_t)x << (32 * (w % 2));
  }
  return v;
}

static loam_value *lift_handle(abi_cx *cx, const loam_type *t, uint32_t idx) {
  loam_handles *h = cx->g->handles;
  if (h) {
    bool ok = t->kind == LOAM_T_OWN
                  ? loam_handles_check_own(h, idx, abi_resource_of(t), cx->err)
                  : loam_handles_check(h, idx, abi_resource_of(t), cx->err);
    if (!ok) return NULL;
  }
  loam_value *v = loam_value_new(t);
  if (v) v->of.handle = idx;
  return typed(cx, v, t);
}

static bool valid_char(uint32_t c) {
  return c < 0x110000u && (c < 0xD800u || c > 0xDFFFu);
}

/* Scalars from one 64-bit pattern (flat i32s zero-extended, or loaded). */
static loam_value *lift_scalar(abi_cx *cx, const loam_type *t, uint64_t x) {
  switch (t->kind) {
  case LOAM_T_BOOL: return typed(cx, loam_value_bool(x != 0), t);
  case LOAM_T_S8: return typed(cx, loam_value_int(t, (int8_t)(uint8_t)x), t);
  case LOAM_T_S16: return typed(cx, loam_value_int(t, (int16_t)(uint16_t)x), t);
  case LOAM_T_S32: return typed(cx, loam_value_int(t, (int32_t)(uint32_t)x), t);
  case LOAM_T_S64: return typed(cx, loam_value_int(t, (int64_t)x), t);
  case LOAM_T_U8: return typed(cx, loam_value_uint(t, (uint8_t)x), t);
  case LOAM_T_U16: return typed(cx, loam_value_uint(t, (uint16_t)x), t);
  case LOAM_T_U32: return typed(cx, loam_value_uint(t, (uint32_t)x), t);
  case LOAM_T_U64: return typed(cx, loam_value_uint(t, x), t);
  case LOAM_T_F32: {
    uint32_t bits = abi_canon_f32((uint32_t)x);
    float f;
    memcpy(&f, &bits, 4);
    return typed(cx, loam_value_f32(f), t);
  }
  case LOAM_T_F64: {
    uint64_t bits = abi_canon_f64(x);
    double d;
    memcpy(&d, &bits, 8);
    return typed(cx, loam_value_f64(d), t);
  }
  case LOAM_T_CHAR:
    if (!valid_char((uint32_t)x)) {
      abi_trap(cx, "char 0x%x is not a Unicode scalar value", (uint32_t)x);
      return NULL;
    }
    return typed(cx, loam_value_char((uint32_t)x), t);
  case LOAM_T_ENUM:
    if (x >= t->u.labels.n) {
      abi_trap(cx, "enum discriminant %llu is out of range (%u cases)",
               (unsigned long long)x, t->u.labels.n);
      return NULL;
    }
    return typed(cx, loam_value_case(t, (uint32_t)x, NULL), t);
  case LOAM_T_OWN: case LOAM_T_BORROW:
    return lift_handle(cx, t, (uint32_t)x);
  default:
    abi_bad(cx, "not a scalar type");
    return NULL;
  }
}

static uint64_t flat_bits(loam_val x) {
  return x.type == LOAM_I32 || x.type == LOAM_F32 ? x.of.i32 : x.of.i64;
}

loam_value *abi_lift_flat(abi_cx *cx, const loam_type *t, const loam_val *in) {
  switch (t->kind) {
  case LOAM_T_STRING: return lift_string(cx, t, in[0].of.i32, in[1].of.i32);
  case LOAM_T_LIST: return lift_list(cx, t, in[0].of.i32, in[1].of.i32);
  case LOAM_T_TUPLE: case LOAM_T_RECORD:
    return build_seq(cx, t, seq_len(t), flat_item, &in);
  case LOAM_T_OPTION: case LOAM_T_RESULT: case LOAM_T_VARIANT:
    return lift_variant_flat(cx, t, in);
  case LOAM_T_FLAGS: {
    uint32_t small[8] = {0}, *w = t->nflat <= 8 ? small : malloc(t->nflat * sizeof *w);
    if (!w) return typed(cx, NULL, t);
    for (uint32_t i = 0; i < t->nflat; i++) w[i] = in[i].of.i32;
    loam_value *v = lift_flags(cx, t, w, t->nflat);
    if (w != small) free(w);
    return v;
  }
  case LOAM_T_RESOURCE:
    abi_bad(cx, "a resource type is not a value type");
    return NULL;
  default:
    return lift_scalar(cx, t, flat_bits(in[0]));
  }
}

static loam_value *load_variant(abi_cx *cx, const loam_type *t, uint32_t ptr) {
  uint32_t d = loam_type_discriminant_size(ncases(t));
  uint32_t tag = (uint32_t)get_le(abi_mem(cx, ptr, d, 1, "load"), d);
  const loam_type *p;
  if (!case_payload(t, tag, &p)) {
    abi_trap(cx, "discriminant %u at 0x%x is out of range (%u cases)", tag, ptr, ncases(t));
    return NULL;
  }
  loam_value *payload = NULL;
  if (p && !(payload = abi_load(cx, p, ptr + loam_align_to(d, t->align)))) return NULL;
  return typed(cx, loam_value_case(t, tag, payload), t);
}

loam_value *abi_load(abi_cx *cx, const loam_type *t, uint32_t ptr) {
  const uint8_t *p = abi_mem(cx, ptr, t->size, t->align, "load");
  if (!p) return NULL;
  switch (t->kind) {
  case LOAM_T_STRING: case LOAM_T_LIST: {
    uint32_t a = (uint32_t)get_le(p, 4), n = (uint32_t)get_le(p + 4, 4);
    return t->kind == LOAM_T_STRING ? lift_string(cx, t, a, n) : lift_list(cx, t, a, n);
  }
  case LOAM_T_TUPLE: case LOAM_T_RECORD: {
    uint32_t pos[2] = {ptr, 0};
    return build_seq(cx, t, seq_len(t), mem_item, pos);
  }
  case LOAM_T_OPTION: case LOAM_T_RESULT: case LOAM_T_VARIANT:
    return load_variant(cx, t, ptr);
  case LOAM_T_FLAGS: {
    if (t->size < 4) {
      uint32_t w = (uint32_t)get_le(p, t->size);
      return lift_flags(cx, t, &w, t->size ? 1 : 0);
    }
    uint32_t small[8] = {0}, *w = t->nflat <= 8 ? small : malloc(t->nflat * sizeof *w);
    if (!w) return typed(cx, NULL, t);
    for (uint32_t i = 0; i < t->nflat; i++) w[i] = (uint32_t)get_le(p + 4 * i, 4);
    loam_value *v = lift_flags(cx, t, w, t->nflat);
    if (w != small) free(w);
    return v;
  }
  case LOAM_T_RESOURCE:
    abi_bad(cx, "a resource type is not a value type");
    return NULL;
  default:
    return lift_scalar(cx, t, get_le(p, t->size));
  }
}
