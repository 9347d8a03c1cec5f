/*
 * value_util.c — helpers shared by the value encodings: error paths, the
 * growable buffer, UTF-8, integer ranges and shortest float text.
 */
#include "value/value_int.h"
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lv_path_init(lv_path *p, const char *root) {
  p->len = 0;
  p->buf[0] = '\0';
  if (root) {
    size_t n = strlen(root);
    if (n >= sizeof p->buf) n = sizeof p->buf - 1;
    memcpy(p->buf, root, n);
    p->buf[n] = '\0';
    p->len = n;
  }
}

/* Appends text, truncating (with "...") when the path is too long. */
static void path_append(lv_path *p, const char *s) {
  size_t n = strlen(s), room = sizeof p->buf - 1 - p->len;
  if (n > room) {
    n = room;
    if (room >= 3) {
      memcpy(p->buf + p->len, s, room - 3);
      memcpy(p->buf + p->len + room - 3, "...", 3);
      p->len += room;
      p->buf[p->len] = '\0';
      return;
    }
  }
  memcpy(p->buf + p->len, s, n);
  p->len += n;
  p->buf[p->len] = '\0';
}

size_t lv_path_field(lv_path *p, const char *name) {
  size_t old = p->len;
  if (p->len) path_append(p, ".");
  path_append(p, name);
  return old;
}

size_t lv_path_index(lv_path *p, size_t i) {
  size_t old = p->len;
  char tmp[32];
  snprintf(tmp, sizeof tmp, "[%zu]", i);
  path_append(p, tmp);
  return old;
}

void lv_path_cut(lv_path *p, size_t len) {
  p->len = len;
  p->buf[len] = '\0';
}

/* Messages quote input, which may be cut mid-character or not be UTF-8 at
 * all; they are shown to users and embedded in JSON, so bad bytes become
 * '?'. */
static void sanitize_utf8(char *s) {
  size_t len = strlen(s);
  uint32_t c;
  for (size_t i = 0; i < len;) {
    size_t n = lv_utf8_decode(s + i, len - i, &c);
    if (n) {
      i += n;
    } else {
      s[i++] = '?';
    }
  }
}

void lv_vmessage(char *buf, size_t cap, const lv_path *p, const char *fmt, va_list ap) {
  size_t n = 0;
  if (p && p->len) {
    int k = snprintf(buf, cap, "%s: ", p->buf);
    n = k < 0 ? 0 : (size_t)k < cap ? (size_t)k : cap - 1;
  }
  vsnprintf(buf + n, cap - n, fmt, ap);
}

void *lv_fail(loam_verr *err, const lv_path *p, const char *fmt, ...) {
  if (!err) return NULL;
  va_list ap;
  va_start(ap, fmt);
  lv_vmessage(err->message, sizeof err->message, p, fmt, ap);
  va_end(ap);
  sanitize_utf8(err->message);
  return NULL;
}

bool lv_buf_put(loam_buf *b, const void *data, size_t n) {
  if (n > SIZE_MAX - b->len - 1) return false;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n + 1) cap *= 2;
    uint8_t *d = realloc(b->data, cap);
    if (!d) return false;
    b->data = d;
    b->cap = cap;
  }
  if (n) memcpy(b->data + b->len, data, n);
  b->len += n;
  return true;
}

bool lv_buf_byte(loam_buf *b, uint8_t c) { return lv_buf_put(b, &c, 1); }

bool lv_buf_str(loam_buf *b, const char *s) { return lv_buf_put(b, s, strlen(s)); }

bool lv_buf_printf(loam_buf *b, const char *fmt, ...) {
  char tmp[128];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  return n >= 0 && (size_t)n < sizeof tmp && lv_buf_put(b, tmp, (size_t)n);
}

char *lv_buf_text(loam_buf *b) {
  if (!lv_buf_put(b, "", 0)) {  /* room for the NUL */
    free(b->data);
    return NULL;
  }
  b->data[b->len] = '\0';
  return (char *)b->data;
}

bool lv_char_valid(uint32_t c) { return c < 0xD800 || (c > 0xDFFF && c <= 0x10FFFF); }

size_t lv_utf8_decode(const char *s, size_t len, uint32_t *cp) {
  const uint8_t *u = (const uint8_t *)s;
  if (!len) return 0;
  if (u[0] < 0x80) {
    *cp = u[0];
    return 1;
  }
  size_t n;
  uint32_t c, min;
  if ((u[0] & 0xE0) == 0xC0) n = 2, c = u[0] & 0x1F, min = 0x80;
  else if ((u[0] & 0xF0) == 0xE0) n = 3, c = u[0] & 0x0F, min = 0x800;
  else if ((u[0] & 0xF8) == 0xF0) n = 4, c = u[0] & 0x07, min = 0x10000;
  else return 0;
  if (len < n) return 0;
  for (size_t i = 1; i < n; i++) {
    if ((u[i] & 0xC0) != 0x80) return 0;
    c = (c << 6) | (u[i] & 0x3F);
  }
  if (c < min || !lv_char_valid(c)) return 0;  /* overlong, surrogate, too big */
  *cp = c;
  return n;
}

bool lv_utf8_valid(const char *s, size_t len) {
  size_t i = 0;
  uint32_t c;
  while (i < len) {
    size_t n = lv_utf8_decode(s + i, len - i, &c);
    if (!n) return false;
    i += n;
  }
  return true;
}

size_t lv_utf8_encode(uint32_t c, char out[4]) {
  if (c < 0x80) {
    out[0] = (char)c;
    return 1;
  }
  if (c < 0x800) {
    out[0] = (char)(0xC0 | (c >> 6));
    out[1] = (char)(0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    out[0] = (char)(0xE0 | (c >> 12));
    out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[2] = (char)(0x80 | (c & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (c >> 18));
  out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
  out[3] = (char)(0x80 | (c & 0x3F));
  return 4;
}

bool lv_kind_signed(loam_typekind k) {
  return k == LOAM_T_S8 || k == LOAM_T_S16 || k == LOAM_T_S32 || k == LOAM_T_S64;
}

bool lv_kind_int(loam_typekind k) { return k >= LOAM_T_S8 && k <= LOAM_T_U64; }

int64_t lv_kind_smin(loam_typekind k) {
  switch (k) {
  case LOAM_T_S8: return INT8_MIN;
  case LOAM_T_S16: return INT16_MIN;
  case LOAM_T_S32: return INT32_MIN;
  case LOAM_T_S64: return INT64_MIN;
  default: return 0;
  }
}

int64_t lv_kind_smax(loam_typekind k) {
  switch (k) {
  case LOAM_T_S8: return INT8_MAX;
  case LOAM_T_S16: return INT16_MAX;
  case LOAM_T_S32: return INT32_MAX;
  default: return INT64_MAX;
  }
}

uint64_t lv_kind_umax(loam_typekind k) {
  switch (k) {
  case LOAM_T_U8: return UINT8_MAX;
  case LOAM_T_U16: return UINT16_MAX;
  case LOAM_T_U32: return UINT32_MAX;
  case LOAM_T_U64: return UINT64_MAX;
  default: return (uint64_t)lv_kind_smax(k);
  }
}

const char *lv_kind_name(loam_typekind k) {
  static const char *const names[] = {
      "bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64", "f32", "f64",
      "char", "string", "list", "option", "result", "tuple", "record", "variant",
      "enum", "flags", "resource", "own", "borrow"};
  return (unsigned)k < sizeof names / sizeof *names ? names[k] : "?";
}

/* Tidies %g output: an integral value below 1e16 is written in full
 * ("1000", not "1e+03"), and an exponent loses its '+' and leading zeros
 * ("1e20", "5e-7"). */
static void tidy_float(double d, char out[32]) {
  char *e = strchr(out, 'e');
  if (!e) return;
  if (fabs(d) < 1e16 && d == trunc(d)) {
    snprintf(out, 32, "%.0f", d);
    return;
  }
  char *src = e + 1, *dst = e + 1;
  if (*src == '+') src++;
  else if (*src == '-') *dst++ = *src++;
  while (*src == '0' && src[1]) src++;
  memmove(dst, src, strlen(src) + 1);
}

/* Tries precisions from 1 up so the text is as short as can be read back. */
void lv_fmt_f64(double d, char out[32]) {
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(out, 32, "%.*g", prec, d);
    if (strtod(out, NULL) == d) break;
  }
  tidy_float(d, out);
}

/* Read back as a double and then narrowed, the way both decoders do. */
void lv_fmt_f32(float f, char out[32]) {
  for (int prec = 1; prec <= 9; prec++) {
    snprintf(out, 32, "%.*g", prec, (double)f);
    if ((float)strtod(out, NULL) == f) break;
  }
  tidy_float(f, out);
}

bool lv_parse_dec(const char *s, size_t len, bool *neg, uint64_t *mag) {
  size_t i = 0;
  *neg = len && s[0] == '-';
  if (*neg) i++;
  if (i == len) return false;
  uint64_t m = 0;
  for (; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    unsigned d = (unsigned)(s[i] - '0');
    if (m > (UINT64_MAX - d) / 10) return false;
    m = m * 10 + d;
  }
  *mag = m;
  return true;
}

bool lv_fit_int(loam_typekind k, bool neg, uint64_t mag, loam_value *v) {
  if (lv_kind_signed(k)) {
    uint64_t lim = (uint64_t)lv_kind_smax(k) + (neg ? 1 : 0);
    if (mag > lim) return false;
    v->of.s = neg ? (int64_t)(0 - mag) : (int64_t)mag;  /* 0 - mag wraps, defined for unsigned */
    return true;
  }
  if ((neg && mag) || mag > lv_kind_umax(k)) return false;
  v->of.u = mag;
  return true;
}
