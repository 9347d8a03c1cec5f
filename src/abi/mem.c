/* mem.c — checked access to guest memory and allocation through the
 * guest's cabi_realloc, with the canonical ABI's trap messages. */
#include "abi/abi_int.h"
#include "wasm/module.h"

#include <stdarg.h>
#include <stdio.h>

static bool vfail(abi_cx *cx, loam_status code, const char *prefix,
                  const char *fmt, va_list ap) {
  if (!cx->err) return false;
  char msg[400];
  vsnprintf(msg, sizeof msg, fmt, ap);
  return wasm_fail(cx->err, code, "%s%s", prefix, msg);
}

bool abi_trap(abi_cx *cx, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfail(cx, LOAM_TRAP_HOST, "canonical ABI: ", fmt, ap);
  va_end(ap);
  return false;
}

bool abi_bad(abi_cx *cx, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfail(cx, LOAM_ERR_ARGUMENT, "canonical ABI: ", fmt, ap);
  va_end(ap);
  return false;
}

bool abi_nomem(abi_cx *cx) {
  return wasm_fail(cx->err, LOAM_ERR_NOMEM, "canonical ABI: out of host memory");
}

uint8_t *abi_mem(abi_cx *cx, uint32_t ptr, uint64_t len, uint32_t align,
                 const char *what) {
  loam_memory *m = cx->g->memory;
  if (!m) {
    abi_trap(cx, "%s needs a memory, and the instance exports none", what);
    return NULL;
  }
  if (align > 1 && ptr % align != 0) {
    abi_trap(cx, "%s at 0x%x is not %u-byte aligned", what, ptr, align);
    return NULL;
  }
  uint64_t size = loam_memory_size(m);
  if ((uint64_t)ptr + len > size) {
    abi_trap(cx, "%s at 0x%x (%llu bytes) is out of bounds of memory (%llu bytes)",
             what, ptr, (unsigned long long)len, (unsigned long long)size);
    return NULL;
  }
  return loam_memory_data(m) + ptr;
}

bool abi_alloc(abi_cx *cx, uint32_t align, uint64_t size, uint32_t *ptr) {
  if (!cx->g->realloc)
    return abi_trap(cx, "the guest exports no cabi_realloc to allocate with");
  if (size > UINT32_MAX) return abi_trap(cx, "allocation of %llu bytes is too large",
                                         (unsigned long long)size);
  loam_val args[4] = {loam_val_i32(0), loam_val_i32(0), loam_val_i32(align),
                      loam_val_i32((uint32_t)size)};
  loam_val res[1];
  loam_error e;
  loam_status st = loam_call(cx->g->store, cx->g->realloc, args, 4, res, 1, &e);
  if (st != LOAM_OK) {
    if (cx->err) {
      *cx->err = e;
      char msg[sizeof e.message];
      snprintf(msg, sizeof msg, "%s", e.message);
      snprintf(cx->err->message, sizeof cx->err->message, "canonical ABI: cabi_realloc: %.470s", msg);
    }
    return false;
  }
  *ptr = res[0].of.i32;
  return abi_mem(cx, *ptr, size, align, "memory from cabi_realloc") != NULL;
}

uint32_t abi_canon_f32(uint32_t bits) {
  bool nan = (bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu) != 0;
  return nan ? 0x7fc00000u : bits;
}

uint64_t abi_canon_f64(uint64_t bits) {
  bool nan = (bits & 0x7ff0000000000000ull) == 0x7ff0000000000000ull &&
             (bits & 0x000fffffffffffffull) != 0;
  return nan ? 0x7ff8000000000000ull : bits;
}
