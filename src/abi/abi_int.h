/* abi_int.h — what the canonical ABI's lowering, lifting and calling share. */
#ifndef LOAM_ABI_INT_H
#define LOAM_ABI_INT_H

#include "abi/abi.h"

typedef struct abi_cx {
  loam_abi_guest *g;
  loam_error *err;
  /* Where borrows lowered into the guest are scoped (an export call);
   * NULL when lowering results of an import, where borrows cannot occur. */
  loam_borrow_scope *scope;
} abi_cx;

/* Fill cx->err and return false: a trap of the guest's making (bad data in
 * its memory) or a host value that does not match its type. */
bool abi_trap(abi_cx *cx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool abi_bad(abi_cx *cx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool abi_nomem(abi_cx *cx);

/* The bytes [ptr, ptr+len) of guest memory, checked for bounds and for
 * ptr's alignment; NULL (trap filled) otherwise. `what` names the access. */
uint8_t *abi_mem(abi_cx *cx, uint32_t ptr, uint64_t len, uint32_t align,
                 const char *what);
/* cabi_realloc(0, 0, align, size): a new block, checked like abi_mem. */
bool abi_alloc(abi_cx *cx, uint32_t align, uint64_t size, uint32_t *ptr);

/* Flat core values: out/in hold exactly t->nflat values typed by t->flat. */
bool abi_lower_flat(abi_cx *cx, const loam_value *v, const loam_type *t, loam_val *out);
bool abi_store(abi_cx *cx, const loam_value *v, const loam_type *t, uint32_t ptr);
loam_value *abi_lift_flat(abi_cx *cx, const loam_type *t, const loam_val *in);
loam_value *abi_load(abi_cx *cx, const loam_type *t, uint32_t ptr);

/* Canonical NaNs (the deterministic profile). */
uint32_t abi_canon_f32(uint32_t bits);
uint64_t abi_canon_f64(uint64_t bits);

/* The resource type behind own<R>/borrow<R>: R itself. */
static inline const loam_type *abi_resource_of(const loam_type *handle) {
  return handle->u.elem;
}

#endif
