/*
 * binary.c — the compact binary encoding of values, type-directed and
 * self-delimiting: unsigned LEB128 for unsigned integers, lengths, tags,
 * chars and handles; zigzag LEB128 for signed integers; raw little-endian
 * floats; bool as one byte 0/1; flags as ceil(n/8) little-endian bytes.
 * Decoding treats its input as hostile: every read is bounds-checked, lengths
 * are checked against the bytes left before anything is allocated, strings
 * must be UTF-8, chars scalar values, tags and flag bits in range.
 */
#include "value/value_int.h"
#include <stdlib.h>
#include <string.h>

void loam_buf_free(loam_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

/* ---- encoding ---- */

static bool put_uleb(loam_buf *b, uint64_t x) {
  uint8_t tmp[10];
  size_t n = 0;
  do {
    uint8_t byte = x & 0x7F;
    x >>= 7;
    tmp[n++] = byte | (x ? 0x80 : 0);
  } while (x);
  return lv_buf_put(b, tmp, n);
}

static bool put_sleb(loam_buf *b, int64_t x) {
  uint64_t u = (uint64_t)x;
  return put_uleb(b, (u << 1) ^ (x < 0 ? UINT64_MAX : 0));  /* zigzag */
}

static bool put_le(loam_buf *b, uint64_t x, size_t n) {
  uint8_t tmp[8];
  for (size_t i = 0; i < n; i++) tmp[i] = (uint8_t)(x >> (8 * i));
  return lv_buf_put(b, tmp, n);
}

static bool enc(const loam_value *v, loam_buf *b);

static bool enc_case(const loam_value *v, uint32_t ncases, loam_buf *b) {
  if (v->of.var.tag >= ncases || !put_uleb(b, v->of.var.tag)) return false;
  return !v->of.var.payload || enc(v->of.var.payload, b);
}

static bool enc_flags(const loam_value *v, loam_buf *b) {
  uint32_t n = v->type->u.labels.n;
  for (uint32_t i = 0; i < (n + 7) / 8; i++) {
    uint32_t w = i / 8;
    uint64_t word = w < v->of.flags.nwords ? v->of.flags.bits[w] : 0;
    uint8_t byte = (uint8_t)(word >> (8 * (i % 8)));
    if (i == (n - 1) / 8 && n % 8) byte &= (uint8_t)((1u << (n % 8)) - 1);
    if (!lv_buf_byte(b, byte)) return false;
  }
  return true;
}

static bool enc(const loam_value *v, loam_buf *b) {
  const loam_type *t = v->type;
  switch (t->kind) {
  case LOAM_T_BOOL: return lv_buf_byte(b, v->of.b ? 1 : 0);
  case LOAM_T_S8: case LOAM_T_S16: case LOAM_T_S32: case LOAM_T_S64: return put_sleb(b, v->of.s);
  case LOAM_T_U8: case LOAM_T_U16: case LOAM_T_U32: case LOAM_T_U64: return put_uleb(b, v->of.u);
  case LOAM_T_F32: {
    uint32_t x;
    memcpy(&x, &v->of.f32, 4);
    return put_le(b, x, 4);
  }
  case LOAM_T_F64: {
    uint64_t x;
    memcpy(&x, &v->of.f64, 8);
    return put_le(b, x, 8);
  }
  case LOAM_T_CHAR: return put_uleb(b, v->of.ch);
  case LOAM_T_STRING:
    return put_uleb(b, v->of.str.len) && lv_buf_put(b, v->of.str.ptr, v->of.str.len);
  case LOAM_T_LIST:
    if (!put_uleb(b, v->of.seq.n)) return false;
    /* fall through */
  case LOAM_T_TUPLE:
  case LOAM_T_RECORD:
    for (size_t i = 0; i < v->of.seq.n; i++)
      if (!enc(v->of.seq.items[i], b)) return false;
    return true;
  case LOAM_T_OPTION: return enc_case(v, 2, b);
  case LOAM_T_RESULT: return enc_case(v, 2, b);
  case LOAM_T_VARIANT: return enc_case(v, t->u.record.n, b);
  case LOAM_T_ENUM: return v->of.var.tag < t->u.labels.n && put_uleb(b, v->of.var.tag);
  case LOAM_T_FLAGS: return enc_flags(v, b);
  default: return put_uleb(b, v->of.handle);
  }
}

bool loam_value_encode(const loam_value *v, loam_buf *out) {
  size_t start = out->len;
  if (enc(v, out)) return true;
  out->len = start;  /* leave no half-written value behind */
  return false;
}

/* ---- decoding ---- */

typedef struct reader {
  const uint8_t *p;
  size_t len, pos;
  lv_path path;
  loam_verr *err;
} reader;

static bool get_uleb(reader *r, uint64_t *out, const char *what) {
  uint64_t x = 0;
  for (unsigned shift = 0;; shift += 7) {
    if (r->pos >= r->len) {
      lv_fail(r->err, &r->path, "unexpected end of input reading %s at byte %zu", what, r->pos);
      return false;
    }
    uint8_t byte = r->p[r->pos++];
    if (shift == 63 && byte > 1) {
      lv_fail(r->err, &r->path, "%s overflows 64 bits at byte %zu", what, r->pos - 1);
      return false;
    }
    x |= (uint64_t)(byte & 0x7F) << shift;
    if (!(byte & 0x80)) break;
  }
  *out = x;
  return true;
}

static void *fail(reader *r, const char *fmt, const char *what) {
  return lv_fail(r->err, &r->path, fmt, what);
}

/* The fewest bytes a value of type t takes, saturating; used to reject list
 * lengths that the remaining input cannot hold. */
static size_t min_size(const loam_type *t) {
  size_t n = 0;
  switch (t->kind) {
  case LOAM_T_F32: return 4;
  case LOAM_T_F64: return 8;
  case LOAM_T_TUPLE:
    for (uint32_t i = 0; i < t->u.tuple.n && n < 1024; i++) n += min_size(t->u.tuple.types[i]);
    return n;
  case LOAM_T_RECORD:
    for (uint32_t i = 0; i < t->u.record.n && n < 1024; i++) n += min_size(t->u.record.fields[i].type);
    return n;
  case LOAM_T_FLAGS: return (t->u.labels.n + 7) / 8;
  default: return 1;
  }
}

/* Values that take no bytes (empty tuples, records of them) could claim any
 * count at all; this caps what such a list may hold. */
#define ZERO_SIZE_LIST_MAX 65536u

static loam_value *dec(const loam_type *t, reader *r);

static loam_value *dec_int(const loam_type *t, reader *r) {
  uint64_t u;
  if (!get_uleb(r, &u, lv_kind_name(t->kind))) return NULL;
  loam_value *v = lv_alloc(t);
  if (!v) return fail(r, "%s", "out of memory");
  if (lv_kind_signed(t->kind)) {
    int64_t s = (int64_t)((u >> 1) ^ (0 - (u & 1)));  /* un-zigzag */
    if (s < lv_kind_smin(t->kind) || s > lv_kind_smax(t->kind)) {
      free(v);
      return fail(r, "%s out of range", lv_kind_name(t->kind));
    }
    v->of.s = s;
  } else {
    if (u > lv_kind_umax(t->kind)) {
      free(v);
      return fail(r, "%s out of range", lv_kind_name(t->kind));
    }
    v->of.u = u;
  }
  return v;
}

static loam_value *dec_float(const loam_type *t, reader *r) {
  size_t n = t->kind == LOAM_T_F32 ? 4 : 8;
  if (r->len - r->pos < n) return fail(r, "unexpected end of input reading %s", lv_kind_name(t->kind));
  uint64_t x = 0;
  for (size_t i = 0; i < n; i++) x |= (uint64_t)r->p[r->pos + i] << (8 * i);
  r->pos += n;
  loam_value *v = lv_alloc(t);
  if (!v) return fail(r, "%s", "out of memory");
  if (n == 4) {
    uint32_t y = (uint32_t)x;
    memcpy(&v->of.f32, &y, 4);
  } else {
    memcpy(&v->of.f64, &x, 8);
  }
  return v;
}

static loam_value *dec_string(const loam_type *t, reader *r) {
  uint64_t n;
  if (!get_uleb(r, &n, "string length")) return NULL;
  if (n > r->len - r->pos) return fail(r, "%s", "string length exceeds the input");
  const char *s = (const char *)r->p + r->pos;
  if (!lv_utf8_valid(s, (size_t)n)) return fail(r, "%s", "string is not valid UTF-8");
  loam_value *v = lv_alloc(t);
  if (!v || !(v->of.str.ptr = malloc((size_t)n + 1))) {
    free(v);
    return fail(r, "%s", "out of memory");
  }
  if (n) memcpy(v->of.str.ptr, s, (size_t)n);
  v->of.str.ptr[n] = '\0';
  v->of.str.len = (size_t)n;
  r->pos += (size_t)n;
  return v;
}

/* n children of a list/tuple/record; child i has type elem or types[i]. */
static loam_value *dec_items(const loam_type *t, size_t n, reader *r) {
  loam_value *v = lv_alloc(t);
  if (!v || (n && !(v->of.seq.items = calloc(n, sizeof *v->of.seq.items)))) {
    free(v);
    return fail(r, "%s", "out of memory");
  }
  for (size_t i = 0; i < n; i++) {
    const loam_type *ct;
    size_t old;
    if (t->kind == LOAM_T_LIST) ct = t->u.elem, old = lv_path_index(&r->path, i);
    else if (t->kind == LOAM_T_TUPLE) ct = t->u.tuple.types[i], old = lv_path_index(&r->path, i);
    else ct = t->u.record.fields[i].type, old = lv_path_field(&r->path, t->u.record.fields[i].name);
    loam_value *e = dec(ct, r);
    lv_path_cut(&r->path, old);
    if (!e) {
      loam_value_free(v);
      return NULL;
    }
    v->of.seq.items[v->of.seq.n++] = e;
  }
  return v;
}

static loam_value *dec_list(const loam_type *t, reader *r) {
  uint64_t n;
  if (!get_uleb(r, &n, "list length")) return NULL;
  size_t m = min_size(t->u.elem);
  if (m ? n > (r->len - r->pos) / m : n > ZERO_SIZE_LIST_MAX)
    return fail(r, "%s", "list length exceeds the input");
  return dec_items(t, (size_t)n, r);
}

/* A case tag below ncases, then the payload of type pt (if any). */
static loam_value *dec_case(const loam_type *t, reader *r) {
  uint64_t tag;
  if (!get_uleb(r, &tag, "case tag")) return NULL;
  uint32_t ncases = t->kind == LOAM_T_VARIANT ? t->u.record.n
                    : t->kind == LOAM_T_ENUM  ? t->u.labels.n
                                              : 2;
  if (tag >= ncases) return fail(r, "case tag out of range for %s", lv_kind_name(t->kind));
  const loam_type *pt = NULL;
  const char *label = NULL;
  if (t->kind == LOAM_T_OPTION) pt = tag ? t->u.elem : NULL, label = "some";
  else if (t->kind == LOAM_T_RESULT) pt = tag ? t->u.result.err : t->u.result.ok, label = tag ? "err" : "ok";
  else if (t->kind == LOAM_T_VARIANT) pt = t->u.record.fields[tag].type, label = t->u.record.fields[tag].name;
  loam_value *payload = NULL;
  if (pt) {
    size_t old = lv_path_field(&r->path, label);
    payload = dec(pt, r);
    lv_path_cut(&r->path, old);
    if (!payload) return NULL;
  }
  loam_value *v = loam_value_case(t, (uint32_t)tag, payload);
  return v ? v : fail(r, "%s", "out of memory");
}

static loam_value *dec_flags(const loam_type *t, reader *r) {
  uint32_t n = t->u.labels.n, nbytes = (n + 7) / 8;
  if (r->len - r->pos < nbytes) return fail(r, "%s", "unexpected end of input reading flags");
  if (n % 8 && r->p[r->pos + nbytes - 1] >> (n % 8))
    return fail(r, "%s", "flag bits set beyond the last flag");
  loam_value *v = loam_value_new(t);
  if (!v) return fail(r, "%s", "out of memory");
  for (uint32_t i = 0; i < nbytes; i++)
    v->of.flags.bits[i / 8] |= (uint64_t)r->p[r->pos + i] << (8 * (i % 8));
  r->pos += nbytes;
  return v;
}

static loam_value *dec(const loam_type *t, reader *r) {
  switch (t->kind) {
  case LOAM_T_BOOL: {
    if (r->pos >= r->len) return fail(r, "%s", "unexpected end of input reading bool");
    uint8_t c = r->p[r->pos];
    if (c > 1) return fail(r, "%s", "bool byte is neither 0 nor 1");
    r->pos++;
    loam_value *v = loam_value_bool(c);
    if (v) v->type = t;
    return v ? v : fail(r, "%s", "out of memory");
  }
  case LOAM_T_F32:
  case LOAM_T_F64: return dec_float(t, r);
  case LOAM_T_CHAR: {
    uint64_t c;
    if (!get_uleb(r, &c, "char")) return NULL;
    if (c > 0x10FFFF || !lv_char_valid((uint32_t)c)) return fail(r, "%s", "char is not a Unicode scalar value");
    loam_value *v = lv_alloc(t);
    if (v) v->of.ch = (uint32_t)c;
    return v ? v : fail(r, "%s", "out of memory");
  }
  case LOAM_T_STRING: return dec_string(t, r);
  case LOAM_T_LIST: return dec_list(t, r);
  case LOAM_T_TUPLE: return dec_items(t, t->u.tuple.n, r);
  case LOAM_T_RECORD: return dec_items(t, t->u.record.n, r);
  case LOAM_T_OPTION:
  case LOAM_T_RESULT:
  case LOAM_T_VARIANT:
  case LOAM_T_ENUM: return dec_case(t, r);
  case LOAM_T_FLAGS: return dec_flags(t, r);
  case LOAM_T_RESOURCE:
  case LOAM_T_OWN:
  case LOAM_T_BORROW: {
    uint64_t h;
    if (!get_uleb(r, &h, "handle")) return NULL;
    if (h > UINT32_MAX) return fail(r, "%s", "handle out of range");
    loam_value *v = lv_alloc(t);
    if (v) v->of.handle = (uint32_t)h;
    return v ? v : fail(r, "%s", "out of memory");
  }
  default: return dec_int(t, r);
  }
}

loam_value *loam_value_decode(const loam_type *t, const uint8_t *bytes, size_t len,
                              size_t *used, loam_verr *err) {
  reader r = {.p = bytes, .len = bytes ? len : 0, .err = err};
  lv_path_init(&r.path, NULL);
  loam_value *v = dec(t, &r);
  if (v && used) *used = r.pos;
  return v;
}
