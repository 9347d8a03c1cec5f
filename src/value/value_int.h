/*
 * value_int.h — private helpers shared by the value encoders and decoders:
 * element paths for error messages, a growable text/byte buffer, UTF-8.
 */
#ifndef LOAM_VALUE_INT_H
#define LOAM_VALUE_INT_H

#include "loam/value.h"
#include <stdarg.h>

/* The path to the element being decoded ("params[0].items[2].price"). It
 * grows as decoders descend and is cut back as they return; a path too long
 * for the buffer is truncated with "..." rather than failing. */
typedef struct lv_path {
  char buf[384];
  size_t len;
} lv_path;

void lv_path_init(lv_path *p, const char *root);
size_t lv_path_field(lv_path *p, const char *name);  /* returns the old length */
size_t lv_path_index(lv_path *p, size_t i);
void lv_path_cut(lv_path *p, size_t len);

/* Formats "<path>: <message>" (just the message for an empty path) into
 * buf[0..cap): the one wording every path-naming error uses. */
void lv_vmessage(char *buf, size_t cap, const lv_path *p, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
/* Fills err (may be NULL) with "<path>: <message>", or just the message at
 * an empty path. Always returns NULL so decoders can `return lv_fail(...)`. */
void *lv_fail(loam_verr *err, const lv_path *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Growable buffer appends; each returns false when out of memory (the
 * buffer keeps what it had). */
bool lv_buf_put(loam_buf *b, const void *data, size_t n);
bool lv_buf_byte(loam_buf *b, uint8_t c);
bool lv_buf_str(loam_buf *b, const char *s);
bool lv_buf_printf(loam_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Ends the buffer with a NUL and hands its text to the caller. */
char *lv_buf_text(loam_buf *b);

/* UTF-8: whether s[0..len) is valid; decode one scalar at s (returns its
 * length, 0 if invalid); encode one scalar into out (returns 1..4). */
bool lv_utf8_valid(const char *s, size_t len);
size_t lv_utf8_decode(const char *s, size_t len, uint32_t *cp);
size_t lv_utf8_encode(uint32_t cp, char out[4]);
bool lv_char_valid(uint32_t c);

/* Integer kinds: whether signed, and the value range. */
bool lv_kind_signed(loam_typekind k);
bool lv_kind_int(loam_typekind k);
int64_t lv_kind_smin(loam_typekind k);
int64_t lv_kind_smax(loam_typekind k);
uint64_t lv_kind_umax(loam_typekind k);
const char *lv_kind_name(loam_typekind k);

/* Decimal text s[0..len) ("-"? digits) to sign and magnitude; false on any
 * other character or on overflow of 64 bits. */
bool lv_parse_dec(const char *s, size_t len, bool *neg, uint64_t *mag);
/* Stores neg/mag into integer value v of kind k if it is in range. */
bool lv_fit_int(loam_typekind k, bool neg, uint64_t mag, loam_value *v);

/* Shortest decimal text that reads back to the same float ("3.14", "1e+20");
 * finite values only. */
void lv_fmt_f64(double d, char out[32]);
void lv_fmt_f32(float f, char out[32]);

/* Makes a value of type t with no content yet (children NULL); NULL when
 * out of memory. Decoders fill it in. */
loam_value *lv_alloc(const loam_type *t);
/* Flag words for n labels (at least 1 so bits is never NULL). */
uint32_t lv_flag_words(uint32_t nlabels);

#endif
