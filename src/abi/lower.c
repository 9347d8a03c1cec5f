/* lower.c — lowering value trees into a guest: to flat core values and into
 * linear memory (CanonicalABI.md "Storing" and "Flat Lowering"), with
 * strings and lists allocated through the guest's cabi_realloc. */
#include "abi/abi_int.h"
#include "types/layout.h"

#include <stdlib.h>
#include <string.h>

/* A value whose kind differs from the type's is the host's mistake. */
static bool check_kind(abi_cx *cx, const loam_value *v, const loam_type *t) {
  if (v && v->type && v->type->kind == t->kind) return true;
  char want[80];
  loam_type_print(t, want, sizeof want);
  return abi_bad(cx, "a value of type %s was expected, got %s", want,
                 !v ? "no value" : "a value of another type");
}

static bool valid_char(uint32_t c) {
  return c < 0x110000u && (c < 0xD800u || c > 0xDFFFu);
}

static void put_le(uint8_t *p, uint64_t x, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) p[i] = (uint8_t)(x >> (8 * i));
}

/* The case payload type of a variant-like type; false if tag is out of range. */
static bool case_payload(const loam_type *t, uint32_t tag, const loam_type **out) {
  switch (t->kind) {
  case LOAM_T_OPTION: *out = tag ? t->u.elem : NULL; return tag < 2;
  case LOAM_T_RESULT: *out = tag ? t->u.result.err : t->u.result.ok; return tag < 2;
  case LOAM_T_VARIANT:
    if (tag >= t->u.record.n) return false;
    *out = t->u.record.fields[tag].type;
    return true;
  default: return false;
  }
}

static bool check_case(abi_cx *cx, const loam_value *v, const loam_type *t,
                       const loam_type **payload) {
  if (!case_payload(t, v->of.var.tag, payload))
    return abi_bad(cx, "case %u is out of range", v->of.var.tag);
  if (!*payload != !v->of.var.payload)
    return abi_bad(cx, "case %u %s a payload", v->of.var.tag,
                   *payload ? "needs" : "has no");
  return true;
}

/* The core bits of a value: what a join reinterprets. */
static uint64_t raw_bits(loam_val x) {
  return x.type == LOAM_I32 || x.type == LOAM_F32 ? x.of.i32 : x.of.i64;
}

static loam_val typed(uint8_t core, uint64_t bits) {
  loam_val x = {(loam_valtype)core, {.i64 = 0}};
  if (core == LOAM_CORE_I32 || core == LOAM_CORE_F32) x.of.i32 = (uint32_t)bits;
  else x.of.i64 = bits;
  return x;
}

static bool lower_handle(abi_cx *cx, const loam_value *v, const loam_type *t,
                         uint32_t *out) {
  loam_handles *h = cx->g->handles;
  uint32_t idx = v->of.handle;
  *out = idx;
  if (!h) return true;
  if (t->kind == LOAM_T_OWN)
    return loam_handles_check_own(h, idx, abi_resource_of(t), cx->err);
  if (cx->scope)
    return loam_handles_lend(h, cx->scope, idx, abi_resource_of(t), out, cx->err);
  return loam_handles_check(h, idx, abi_resource_of(t), cx->err);
}

/* Strings and lists: their contents in a new guest block; (ptr, len). */
static bool lower_buffer(abi_cx *cx, const loam_value *v, const loam_type *t,
                         uint32_t *ptr, uint32_t *len) {
  if (t->kind == LOAM_T_STRING) {
    if (v->of.str.len > LOAM_ABI_MAX_BYTE_LENGTH)
      return abi_bad(cx, "string of %zu bytes is too long", v->of.str.len);
    *len = (uint32_t)v->of.str.len;
    if (!abi_alloc(cx, 1, *len, ptr)) return false;
    if (*len) memcpy(abi_mem(cx, *ptr, *len, 1, "string"), v->of.str.ptr, *len);
    return true;
  }
  const loam_type *e = t->u.elem;
  uint64_t n = v->of.seq.n, bytes = n * e->size;
  if (bytes > LOAM_ABI_MAX_BYTE_LENGTH || n > UINT32_MAX)
    return abi_bad(cx, "list of %llu elements is too long", (unsigned long long)n);
  *len = (uint32_t)n;
  if (!abi_alloc(cx, e->align, bytes, ptr)) return false;
  for (uint32_t i = 0; i < n; i++)
    if (!abi_store(cx, v->of.seq.items[i], e, *ptr + i * e->size)) return false;
  return true;
}

static bool check_seq(abi_cx *cx, const loam_value *v, uint32_t n) {
  if (v->of.seq.n == n) return true;
  return abi_bad(cx, "%zu items where the type has %u", v->of.seq.n, n);
}

static const loam_type *seq_type(const loam_type *t, uint32_t i) {
  return t->kind == LOAM_T_TUPLE ? t->u.tuple.types[i] : t->u.record.fields[i].type;
}

static uint32_t seq_len(const loam_type *t) {
  return t->kind == LOAM_T_TUPLE ? t->u.tuple.n : t->u.record.n;
}

/* Flags as 32-bit words; bits beyond the labels are the host's mistake. */
static bool flag_word(abi_cx *cx, const loam_value *v, const loam_type *t, uint32_t w,
                      uint32_t *out) {
  uint32_t n = t->u.labels.n;
  uint64_t word = w / 2 < v->of.flags.nwords ? v->of.flags.bits[w / 2] : 0;
  uint32_t x = (uint32_t)(word >> (32 * (w % 2)));
  uint32_t used = n - 32 * w;
  if (used < 32 && (x >> used) != 0) return abi_bad(cx, "flags value has bits beyond its %u labels", n);
  *out = x;
  return true;
}

static bool check_flags(abi_cx *cx, const loam_value *v, const loam_type *t) {
  uint32_t words = loam_type_flags_words(t->u.labels.n);
  for (uint32_t i = (words + 1) / 2; i < v->of.flags.nwords; i++)
    if (v->of.flags.bits[i]) return abi_bad(cx, "flags value has bits beyond its labels");
  return true;
}

static bool lower_variant_flat(abi_cx *cx, const loam_value *v, const loam_type *t,
                               loam_val *out) {
  const loam_type *p;
  if (!check_case(cx, v, t, &p)) return false;
  out[0] = loam_val_i32(v->of.var.tag);
  uint32_t used = 0;
  if (p) {
    /* The payload lowers to its own flat types, then each is reinterpreted
     * (or zero-extended) to the joined type of its slot. */
    loam_val small[16] = {{0}}, *tmp = p->nflat <= 16 ? small : malloc(p->nflat * sizeof *tmp);
    if (!tmp) return abi_nomem(cx);
    bool ok = abi_lower_flat(cx, v->of.var.payload, p, tmp);
    for (; ok && used < p->nflat; used++)
      out[1 + used] = typed(t->flat[1 + used], raw_bits(tmp[used]));
    if (tmp != small) free(tmp);
    if (!ok) return false;
  }
  for (uint32_t i = 1 + used; i < t->nflat; i++) out[i] = typed(t->flat[i], 0);
  return true;
}

bool abi_lower_flat(abi_cx *cx, const loam_value *v, const loam_type *t, loam_val *out) {
  if (!check_kind(cx, v, t)) return false;
  switch (t->kind) {
  case LOAM_T_BOOL: out[0] = loam_val_i32(v->of.b ? 1 : 0); return true;
  case LOAM_T_S8: case LOAM_T_S16: case LOAM_T_S32:
    out[0] = loam_val_i32((uint32_t)(uint64_t)v->of.s); return true;
  case LOAM_T_U8: case LOAM_T_U16: case LOAM_T_U32:
    out[0] = loam_val_i32((uint32_t)v->of.u); return true;
  case LOAM_T_S64: case LOAM_T_U64: out[0] = loam_val_i64(v->of.u); return true;
  case LOAM_T_F32: {
    uint32_t bits;
    memcpy(&bits, &v->of.f32, 4);
    out[0] = typed(LOAM_CORE_F32, abi_canon_f32(bits));
    return true;
  }
  case LOAM_T_F64: {
    uint64_t bits;
    memcpy(&bits, &v->of.f64, 8);
    out[0] = typed(LOAM_CORE_F64, abi_canon_f64(bits));
    return true;
  }
  case LOAM_T_CHAR:
    if (!valid_char(v->of.ch)) return abi_bad(cx, "char 0x%x is not a Unicode scalar value", v->of.ch);
    out[0] = loam_val_i32(v->of.ch);
    return true;
  case LOAM_T_STRING: case LOAM_T_LIST: {
    uint32_t ptr = 0, len = 0;
    if (!lower_buffer(cx, v, t, &ptr, &len)) return false;
    out[0] = loam_val_i32(ptr);
    out[1] = loam_val_i32(len);
    return true;
  }
  case LOAM_T_TUPLE: case LOAM_T_RECORD: {
    uint32_t n = seq_len(t);
    if (!check_seq(cx, v, n)) return false;
    for (uint32_t i = 0; i < n; i++) {
      const loam_type *f = seq_type(t, i);
      if (!abi_lower_flat(cx, v->of.seq.items[i], f, out)) return false;
      out += f->nflat;
    }
    return true;
  }
  case LOAM_T_OPTION: case LOAM_T_RESULT: case LOAM_T_VARIANT:
    return lower_variant_flat(cx, v, t, out);
  case LOAM_T_ENUM:
    if (v->of.var.tag >= t->u.labels.n) return abi_bad(cx, "enum case %u is out of range", v->of.var.tag);
    out[0] = loam_val_i32(v->of.var.tag);
    return true;
  case LOAM_T_FLAGS:
    if (!check_flags(cx, v, t)) return false;
    for (uint32_t w = 0; w < t->nflat; w++) {
      uint32_t x = 0;
      if (!flag_word(cx, v, t, w, &x)) return false;
      out[w] = loam_val_i32(x);
    }
    return true;
  case LOAM_T_OWN: case LOAM_T_BORROW: {
    uint32_t h;
    if (!lower_handle(cx, v, t, &h)) return false;
    out[0] = loam_val_i32(h);
    return true;
  }
  case LOAM_T_RESOURCE: break;
  }
  return abi_bad(cx, "a resource type is not a value type");
}

/* Writes an integer of t->size bytes at ptr. */
static bool store_int(abi_cx *cx, uint32_t ptr, uint64_t x, uint32_t size) {
  uint8_t *p = abi_mem(cx, ptr, size, size, "store");
  if (!p) return false;
  put_le(p, x, size);
  return true;
}

static bool store_variant(abi_cx *cx, const loam_value *v, const loam_type *t,
                          uint32_t ptr) {
  const loam_type *p;
  uint32_t n = t->kind == LOAM_T_VARIANT ? t->u.record.n : 2;
  uint32_t d = loam_type_discriminant_size(n);
  if (!check_case(cx, v, t, &p)) return false;
  if (!store_int(cx, ptr, v->of.var.tag, d)) return false;
  return !p || abi_store(cx, v->of.var.payload, p, ptr + loam_align_to(d, t->align));
}

bool abi_store(abi_cx *cx, const loam_value *v, const loam_type *t, uint32_t ptr) {
  if (!check_kind(cx, v, t)) return false;
  if (!abi_mem(cx, ptr, t->size, t->align, "store")) return false;
  switch (t->kind) {
  case LOAM_T_TUPLE: case LOAM_T_RECORD: {
    uint32_t n = seq_len(t), off = 0;
    if (!check_seq(cx, v, n)) return false;
    for (uint32_t i = 0; i < n; i++) {
      const loam_type *f = seq_type(t, i);
      off = loam_align_to(off, f->align);
      if (!abi_store(cx, v->of.seq.items[i], f, ptr + off)) return false;
      off += f->size;
    }
    return true;
  }
  case LOAM_T_OPTION: case LOAM_T_RESULT: case LOAM_T_VARIANT:
    return store_variant(cx, v, t, ptr);
  case LOAM_T_ENUM:
    if (v->of.var.tag >= t->u.labels.n) return abi_bad(cx, "enum case %u is out of range", v->of.var.tag);
    return store_int(cx, ptr, v->of.var.tag, t->size);
  case LOAM_T_FLAGS:
    if (!check_flags(cx, v, t)) return false;
    if (t->size < 4) {
      uint32_t x = 0;
      return t->size == 0 || (flag_word(cx, v, t, 0, &x) && store_int(cx, ptr, x, t->size));
    }
    for (uint32_t w = 0; w < t->nflat; w++) {
      uint32_t x = 0;
      if (!flag_word(cx, v, t, w, &x) || !store_int(cx, ptr + 4 * w, x, 4)) return false;
    }
    return true;
  default: break;
  }
  /* Everything else flattens to one or two scalars stored in sequence. */
  loam_val flat[2];
  if (!abi_lower_flat(cx, v, t, flat)) return false;
  if (t->nflat == 2) /* string or list: ptr, len */
    return store_int(cx, ptr, flat[0].of.i32, 4) && store_int(cx, ptr + 4, flat[1].of.i32, 4);
  return store_int(cx, ptr, raw_bits(flat[0]), t->size);
}
