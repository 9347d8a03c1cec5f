/*
 * wasm_bytes.h — a tiny builder for hand-made WebAssembly binaries in unit
 * tests: append bytes, LEB128s and names, wrap contents as sections.
 * Header-only (static functions) so each test program gets its own copy.
 */
#ifndef LOAM_TESTS_WASM_BYTES_H
#define LOAM_TESTS_WASM_BYTES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct wb { uint8_t *p; size_t len, cap; } wb;

static inline void wb_raw(wb *b, const void *src, size_t n) {
  if (b->cap - b->len < n) {
    size_t cap = b->cap ? b->cap * 2 : 64;
    while (cap - b->len < n) cap *= 2;
    b->p = realloc(b->p, cap);
    if (!b->p) abort();
    b->cap = cap;
  }
  if (n) memcpy(b->p + b->len, src, n);
  b->len += n;
}

/* Bytes given as ints, terminated by -1: wb_bytes(&b, 0x60, 0, 0, -1). */
static inline void wb_bytes(wb *b, ...) {
  va_list ap;
  va_start(ap, b);
  for (int v = va_arg(ap, int); v >= 0; v = va_arg(ap, int)) {
    uint8_t c = (uint8_t)v;
    wb_raw(b, &c, 1);
  }
  va_end(ap);
}

static inline void wb_u32(wb *b, uint64_t v) {
  do {
    uint8_t c = v & 0x7F;
    v >>= 7;
    if (v) c |= 0x80;
    wb_raw(b, &c, 1);
  } while (v);
}

static inline void wb_s64(wb *b, int64_t v) {
  for (;;) {
    uint8_t c = v & 0x7F;
    v >>= 7; /* arithmetic on clang/gcc */
    bool done = (v == 0 && !(c & 0x40)) || (v == -1 && (c & 0x40));
    if (!done) c |= 0x80;
    wb_raw(b, &c, 1);
    if (done) break;
  }
}

static inline void wb_name(wb *b, const char *s) {
  wb_u32(b, strlen(s));
  wb_raw(b, s, strlen(s));
}

static inline void wb_header(wb *b) { wb_bytes(b, 0x00, 'a', 's', 'm', 1, 0, 0, 0, -1); }

/* Appends section `id` holding `content`, and frees content. */
static inline void wb_section(wb *b, int id, wb *content) {
  wb_bytes(b, id, -1);
  wb_u32(b, content->len);
  wb_raw(b, content->p, content->len);
  free(content->p);
  memset(content, 0, sizeof *content);
}

static inline void wb_free(wb *b) {
  free(b->p);
  memset(b, 0, sizeof *b);
}

#endif
