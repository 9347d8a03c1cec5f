/*
 * abi/abi.h — the canonical ABI between typed values (loam/value.h) and a
 * core instance (loam/wasm.h): calling a guest's export with value trees,
 * implementing a guest's import from the host, and per-instance resource
 * handle tables.
 *
 * Strings are UTF-8 (the only string encoding loam uses). Floats are
 * canonicalized (NaN -> the canonical NaN) when lifted and lowered, as the
 * spec's deterministic profile does. Every check the spec makes when lifting
 * (bounds, alignment, UTF-8, char ranges, discriminants) fails with
 * LOAM_TRAP_HOST and a message starting "canonical ABI: "; values that do not
 * match their type when lowering fail with LOAM_ERR_ARGUMENT.
 *
 * Handles: a value of own<R>/borrow<R> carries an index into the instance's
 * handle table (loam_handles). Lowering an own handle gives it to the guest;
 * lowering a borrow into an export call makes a borrow handle scoped to that
 * call, which the guest must drop (through the host's [resource-drop]) before
 * the call returns.
 */
#ifndef LOAM_ABI_H
#define LOAM_ABI_H

#include "loam/types.h"
#include "loam/value.h"
#include "loam/wasm.h"
#include "loam/wit.h"

#define LOAM_ABI_MAX_FLAT_PARAMS 16u
#define LOAM_ABI_MAX_FLAT_RESULTS 1u
/* The spec's limits on the byte length of one string or list. */
#define LOAM_ABI_MAX_BYTE_LENGTH ((1u << 28) - 1)

/* A component-level function signature: WIT parameter and result types
 * (WIT functions have zero or one result; several are lifted as a tuple
 * would be). */
typedef struct loam_abi_sig {
  uint32_t nparams;
  const loam_type *const *params;
  uint32_t nresults;
  const loam_type *const *results;
} loam_abi_sig;

/* The signature of a resolved WIT function (params, then its results in
 * order); the type arrays live in buf, which needs room for nparams +
 * nresults. False when it is too small. */
bool loam_abi_sig_of(const loam_wit_func *f, loam_abi_sig *sig, const loam_type **buf,
                     size_t cap);
/* The core export name of a function: its core_name, prefixed by
 * "<interface id>#" when it belongs to an exported interface (iface_id
 * non-NULL). Returns the length needed, like snprintf. */
size_t loam_abi_export_name(const char *iface_id, const loam_wit_func *f, char *buf,
                            size_t cap);

/* ---- resource handle tables ----------------------------------------------- */

typedef struct loam_handles loam_handles;

/* The borrows made for one call: borrow handles lent to the callee, and own
 * handles lent out for the call's duration. Lives on the caller's stack. */
typedef struct loam_borrow_scope {
  uint32_t borrows;    /* borrow handles not yet dropped */
  uint32_t *lent;      /* own handles whose lend count this call raised */
  size_t nlent, caplent;
} loam_borrow_scope;

loam_handles *loam_handles_new(void);
void loam_handles_free(loam_handles *h);
/* [resource-new]: an own handle for `rep`; index 0 is never used. */
bool loam_handles_new_own(loam_handles *h, const loam_type *resource, uint32_t rep,
                          uint32_t *index, loam_error *err);
/* [resource-rep]: the representation behind an own or borrow handle. */
bool loam_handles_rep(const loam_handles *h, uint32_t index,
                      const loam_type *resource, uint32_t *rep, loam_error *err);
/* [resource-drop]: removes the handle. For an own handle (which must not be
 * lent out) *destroy is set and *rep is the representation whose destructor
 * should run; for a borrow the scope's count goes down. */
bool loam_handles_drop(loam_handles *h, uint32_t index, const loam_type *resource,
                       bool *destroy, uint32_t *rep, loam_error *err);
/* Checks `index` is a live own handle of `resource` that is not lent out
 * (lifting or lowering an own<R> moves it). */
bool loam_handles_check_own(const loam_handles *h, uint32_t index,
                            const loam_type *resource, loam_error *err);
/* Checks `index` is a live own or borrow handle of `resource`. */
bool loam_handles_check(const loam_handles *h, uint32_t index,
                        const loam_type *resource, loam_error *err);
/* Lowering a borrow into a call: a new borrow handle in `scope` for the
 * resource behind `index` (whose lend count rises if it is an own handle). */
bool loam_handles_lend(loam_handles *h, loam_borrow_scope *scope, uint32_t index,
                       const loam_type *resource, uint32_t *borrow, loam_error *err);
void loam_borrow_scope_init(loam_borrow_scope *s);
/* Ends a call: ends its lends, and traps if a borrow handle was not dropped
 * (those handles are removed either way). */
bool loam_borrow_scope_exit(loam_handles *h, loam_borrow_scope *s, loam_error *err);
/* Live handles (own + borrow), for tests and leak checks. */
uint32_t loam_handles_count(const loam_handles *h);

/* ---- the guest side ------------------------------------------------------- */

/* What lifting and lowering need of an instance. */
typedef struct loam_abi_guest {
  loam_store *store;
  loam_instance *instance;
  loam_memory *memory;     /* memory 0, or NULL */
  loam_func *realloc;      /* its `cabi_realloc` export, or NULL */
  loam_handles *handles;   /* NULL: handle values pass unchecked */
} loam_abi_guest;

/* Fills g for an instance (memory 0 and the `cabi_realloc` export, if any). */
void loam_abi_guest_init(loam_abi_guest *g, loam_store *s, loam_instance *inst,
                         loam_handles *handles);

/* The core function type (loam_functype's string form, e.g. "iI:i") of sig
 * lifted as an export (import = false) or lowered as an import (true). */
size_t loam_abi_core_type(const loam_abi_sig *sig, bool import, char *buf, size_t cap);

/* Calls the guest's export `name` (its core name): lowers params, calls,
 * lifts the results into results[0..nresults), then calls
 * `cabi_post_<name>` if the guest exports it. On failure nothing is left in
 * results and err says why. */
loam_status loam_abi_call(loam_abi_guest *g, const char *name, const loam_abi_sig *sig,
                          loam_value *const *params, loam_value **results,
                          loam_error *err);

/* Implementing an import: a host function of type loam_abi_core_type(sig,
 * true) receives `slots`. lift_params fills params[0..nparams) (from the
 * flat slots, or from the spilled tuple when they exceed MAX_FLAT_PARAMS);
 * lower_results writes the results to slots[0] or, when they exceed
 * MAX_FLAT_RESULTS, into the return area the guest passed as the last
 * argument (read it before anything overwrote slots). */
bool loam_abi_lift_params(loam_abi_guest *g, const loam_abi_sig *sig,
                          const uint64_t *slots, loam_value **params, loam_error *err);
bool loam_abi_lower_results(loam_abi_guest *g, const loam_abi_sig *sig,
                            uint64_t *slots, loam_value *const *results,
                            loam_error *err);

/* ---- single values (for tests and the RPC layer) ---------------------------- */

/* Lowers v into guest memory at ptr (aligned, in bounds, allocating strings
 * and lists with cabi_realloc), and loads one value of type t from ptr. */
bool loam_abi_store(loam_abi_guest *g, const loam_value *v, const loam_type *t,
                    uint32_t ptr, loam_error *err);
loam_value *loam_abi_load(loam_abi_guest *g, const loam_type *t, uint32_t ptr,
                          loam_error *err);
/* One value as flat core values: out/in hold t->nflat values typed by t->flat. */
bool loam_abi_lower_flat(loam_abi_guest *g, const loam_value *v, const loam_type *t,
                         loam_val *out, loam_error *err);
loam_value *loam_abi_lift_flat(loam_abi_guest *g, const loam_type *t, const loam_val *in,
                               loam_error *err);

#endif
