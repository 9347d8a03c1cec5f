/*
 * reader.h — a bounds-checked cursor over bytes with the binary format's
 * primitive decoders (LEB128 with the spec's size limits, floats, names).
 * Shared by the decoder and the body translator. Every read returns false on
 * error and leaves a reason in r->error ("unexpected end", "integer too
 * large", "integer representation too long"); `r->pos` is then the offset
 * of the offending byte.
 */
#ifndef LOAM_WASM_READER_H
#define LOAM_WASM_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct wasm_reader {
  const uint8_t *bytes;   /* whole module: offsets are absolute */
  size_t pos, end;        /* current position, limit (exclusive) */
  const char *error;      /* static string, set on failure */
} wasm_reader;

static inline bool wasm_read_fail(wasm_reader *r, const char *why) {
  if (!r->error) r->error = why;
  return false;
}

static inline bool wasm_read_u8(wasm_reader *r, uint8_t *out) {
  if (r->pos >= r->end) return wasm_read_fail(r, "unexpected end");
  *out = r->bytes[r->pos++];
  return true;
}

/* Unsigned LEB128 of at most `bits` bits (32 or 64). */
static inline bool wasm_read_uleb(wasm_reader *r, unsigned bits, uint64_t *out) {
  uint64_t result = 0;
  unsigned shift = 0;
  unsigned max_bytes = (bits + 6) / 7;
  for (unsigned i = 0;; i++) {
    uint8_t b;
    if (r->pos >= r->end) return wasm_read_fail(r, "unexpected end");
    b = r->bytes[r->pos];
    if (i == max_bytes - 1) {
      /* last permitted byte: no continuation, unused bits must be zero */
      if (b & 0x80) return wasm_read_fail(r, "integer representation too long");
      unsigned used = bits - shift;
      if (used < 7 && (b >> used) != 0) return wasm_read_fail(r, "integer too large");
    }
    r->pos++;
    result |= (uint64_t)(b & 0x7F) << shift;
    shift += 7;
    if (!(b & 0x80)) break;
  }
  *out = result;
  return true;
}

/* Signed LEB128 of at most `bits` bits (32 or 64), sign-extended. */
static inline bool wasm_read_sleb(wasm_reader *r, unsigned bits, int64_t *out) {
  uint64_t result = 0;
  unsigned shift = 0;
  unsigned max_bytes = (bits + 6) / 7;
  uint8_t b = 0;
  for (unsigned i = 0;; i++) {
    if (r->pos >= r->end) return wasm_read_fail(r, "unexpected end");
    b = r->bytes[r->pos];
    if (i == max_bytes - 1) {
      if (b & 0x80) return wasm_read_fail(r, "integer representation too long");
      unsigned used = bits - shift; /* value bits left, sign bit included */
      if (used < 7) {
        /* bits above `used-1` must all equal the sign bit */
        int8_t sb = (int8_t)(b << 1) >> 1;          /* 7-bit sign-extend */
        int8_t top = (int8_t)(sb >> (used - 1));    /* 0 or -1 if valid */
        if (top != 0 && top != -1) return wasm_read_fail(r, "integer too large");
      }
    }
    r->pos++;
    result |= (uint64_t)(b & 0x7F) << shift;
    shift += 7;
    if (!(b & 0x80)) break;
  }
  if (shift < 64 && (b & 0x40)) result |= ~(uint64_t)0 << shift;
  *out = (int64_t)result;
  return true;
}

static inline bool wasm_read_u32(wasm_reader *r, uint32_t *out) {
  uint64_t v;
  if (!wasm_read_uleb(r, 32, &v)) return false;
  *out = (uint32_t)v;
  return true;
}

static inline bool wasm_read_s32(wasm_reader *r, int32_t *out) {
  int64_t v;
  if (!wasm_read_sleb(r, 32, &v)) return false;
  *out = (int32_t)v;
  return true;
}

static inline bool wasm_read_s64(wasm_reader *r, int64_t *out) {
  return wasm_read_sleb(r, 64, out);
}

/* Little-endian fixed-width reads (float bit patterns). */
static inline bool wasm_read_fixed32(wasm_reader *r, uint32_t *out) {
  if (r->end - r->pos < 4) return wasm_read_fail(r, "unexpected end");
  const uint8_t *p = r->bytes + r->pos;
  *out = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
  r->pos += 4;
  return true;
}

static inline bool wasm_read_fixed64(wasm_reader *r, uint64_t *out) {
  uint32_t lo = 0, hi = 0; /* set below; gcc cannot see through the length check */
  if (r->end - r->pos < 8) return wasm_read_fail(r, "unexpected end");
  wasm_read_fixed32(r, &lo);
  wasm_read_fixed32(r, &hi);
  *out = (uint64_t)hi << 32 | lo;
  return true;
}

#endif
