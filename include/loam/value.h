/*
 * loam/value.h — typed value trees for every WIT type, and their three
 * encodings: JSON (Golem's type-directed mapping), WAVE text, and a compact
 * self-delimiting binary form for the oplog and RPC.
 *
 * Ownership: a loam_value and everything below it (strings, child arrays,
 * children) is owned by its root and freed with loam_value_free(root). A
 * value points at its type but does not own it: the type must outlive it.
 * Decoders return a new tree the caller owns; encoders return malloc'd text
 * or bytes the caller frees. Errors fill a loam_verr with a message that
 * names the path to the bad element, e.g.
 *   "params[0].items[2].price: expected f32, got \"abc\"".
 */
#ifndef LOAM_VALUE_H
#define LOAM_VALUE_H

#include "loam/types.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct loam_value loam_value;

struct loam_value {
  const loam_type *type;
  union {
    bool b;                       /* bool */
    int64_t s;                    /* s8..s64 (sign-extended) */
    uint64_t u;                   /* u8..u64 */
    float f32;
    double f64;
    uint32_t ch;                  /* char: a Unicode scalar value */
    struct { char *ptr; size_t len; } str;  /* string: UTF-8, not NUL-terminated
                                               (a NUL is appended for convenience) */
    /* list, tuple, record (fields in declaration order): */
    struct { size_t n; loam_value **items; } seq;
    /* variant and enum: the case index; option: case 0 = none, 1 = some;
     * result: case 0 = ok, 1 = err. payload NULL when the case has none. */
    struct { uint32_t tag; loam_value *payload; } var;
    /* flags: bit i set = label i set (up to 64*n labels) */
    struct { uint32_t nwords; uint64_t *bits; } flags;
    uint32_t handle;              /* own / borrow: a resource handle index */
  } of;
};

typedef struct loam_verr {
  char message[512];
} loam_verr;

/* Construction. Each returns NULL when out of memory. Children passed in
 * are adopted (owned by the new value from then on, even on failure). */
loam_value *loam_value_new(const loam_type *t);  /* zero/empty of that kind */
loam_value *loam_value_bool(bool b);
loam_value *loam_value_int(const loam_type *t, int64_t v);   /* s*, also u* < 2^63 */
loam_value *loam_value_uint(const loam_type *t, uint64_t v);
loam_value *loam_value_f32(float v);
loam_value *loam_value_f64(double v);
loam_value *loam_value_char(uint32_t c);
loam_value *loam_value_string(const char *s, size_t len);    /* copied */
/* list, tuple or record: the items array is copied, its children adopted. */
loam_value *loam_value_seq(const loam_type *t, size_t n, loam_value **items);
loam_value *loam_value_case(const loam_type *t, uint32_t tag, loam_value *payload);
void loam_value_free(loam_value *v);
loam_value *loam_value_clone(const loam_value *v);
/* Structural equality (floats compared by bits, so NaN == NaN). */
bool loam_value_equal(const loam_value *a, const loam_value *b);

/* JSON (Golem's mapping; see README). One rule of loam's own: when an
 * option's payload is itself an option, its some is written {"some": v}
 * (none stays null), since null alone would be ambiguous. JSON and WAVE write
 * every NaN alike ("NaN" / nan): only binary keeps NaN payload bits. `path` prefixes error messages (e.g.
 * "params[0]"); may be NULL. */
loam_value *loam_value_from_json(const loam_type *t, const char *json, size_t len,
                                 const char *path, loam_verr *err);
char *loam_value_to_json(const loam_value *v);  /* compact, malloc'd */
/* The same from an already parsed jansson value (for the REST API). Note
 * jansson holds integers in 64 signed bits: a u64 above that range must come
 * as a decimal string here (loam_value_from_json handles it in text). */
struct json_t;
loam_value *loam_value_from_jansson(const loam_type *t, const struct json_t *j,
                                    const char *path, loam_verr *err);
/* A new jansson tree (the caller json_decref's it) in the same mapping; a u64
 * above 2^63-1 becomes a decimal string. NULL when out of memory. */
struct json_t *loam_value_to_jansson(const loam_value *v);

/* WAVE text. */
loam_value *loam_value_from_wave(const loam_type *t, const char *text, size_t len,
                                 loam_verr *err);
char *loam_value_to_wave(const loam_value *v);

/* Binary: type-directed, self-delimiting. Encoding appends to a growable
 * buffer; decoding reads exactly one value and reports how many bytes it
 * used. Untrusted input is safe to decode. */
typedef struct loam_buf { uint8_t *data; size_t len, cap; } loam_buf;
bool loam_value_encode(const loam_value *v, loam_buf *out);
loam_value *loam_value_decode(const loam_type *t, const uint8_t *bytes,
                              size_t len, size_t *used, loam_verr *err);
void loam_buf_free(loam_buf *b);   /* frees data and zeroes the buffer */

#endif
