/*
 * compose/sections.c — the custom-section walker of sections.h: reads only
 * the section frames (id, LEB128 size) and custom sections' names, so it
 * works on any module binary without decoding its contents.
 */
#include "compose/sections.h"

#include <stdio.h>
#include <string.h>

static bool fail(loam_error *err, const char *msg, size_t off) {
  if (!err) return false;
  err->code = LOAM_ERR_MALFORMED;
  err->exit_code = 0;
  err->backtrace[0] = '\0';
  snprintf(err->message, sizeof err->message, "%s at offset 0x%zx", msg, off);
  return false;
}

/* An unsigned LEB128 u32 at b[*p] (below end); advances *p. */
static bool leb_u32(const uint8_t *b, size_t end, size_t *p, uint32_t *out) {
  uint64_t v = 0;
  for (unsigned shift = 0; shift < 35; shift += 7) {
    if (*p >= end) return false;
    uint8_t c = b[(*p)++];
    v |= (uint64_t)(c & 0x7f) << shift;
    if (!(c & 0x80)) {
      if (v > UINT32_MAX) return false;
      *out = (uint32_t)v;
      return true;
    }
  }
  return false;
}

bool loam_custom_sections(const uint8_t *wasm, size_t len, const char *name,
                          loam_section_fn fn, void *user, size_t *count, loam_error *err) {
  static const uint8_t HEADER[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
  size_t n = 0, p = 8, nlen = strlen(name);
  if (count) *count = 0;
  if (len < 8 || memcmp(wasm, HEADER, 8)) return fail(err, "not a wasm module header", 0);
  while (p < len) {
    size_t at = p;
    uint8_t id = wasm[p++];
    uint32_t size;
    if (!leb_u32(wasm, len, &p, &size) || size > len - p)
      return fail(err, "section size runs past the end", at);
    size_t end = p + size;
    if (id == 0) {
      uint32_t sl;
      size_t q = p;
      if (!leb_u32(wasm, end, &q, &sl) || sl > end - q)
        return fail(err, "custom section name runs past the section", at);
      if (sl == nlen && !memcmp(wasm + q, name, nlen)) {
        n++;
        if (count) *count = n;
        if (fn && !fn(user, wasm + q + sl, end - q - sl, err)) return false;
      }
    }
    p = end;
  }
  return true;
}
