/*
 * rpc_helpers.h — what the RPC tests share: loading the proxy (caller) and
 * callee guests, building wit-values on the host side, calling the proxy's
 * exports and reading their result<wit-value, rpc-error> outcomes.
 */
#ifndef LOAM_TEST_RPC_HELPERS_H
#define LOAM_TEST_RPC_HELPERS_H

#include "../executor/exec_helpers.h" /* file_bytes, temp_dir, remove_dir */
#include "loam/executor.h"
#include "loam/rpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef LOAM_RPC_GUEST_DIR
#define LOAM_RPC_GUEST_DIR "build/tests/rpc"
#endif

#define PROXY_API "test:rpc/proxy-api"
#define CALLEE_API "test:callee/api"

/* The bytes of guest `name` (proxy, callee); exits if missing. */
static inline uint8_t *rpc_guest_bytes(const char *name, size_t *len) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s.wasm", LOAM_RPC_GUEST_DIR, name);
  return file_bytes(path, len);
}

static inline const loam_template_info *rpc_register(loam_executor *ex, const char *name,
                                                     const char *guest, loam_error *err) {
  size_t len;
  uint8_t *b = rpc_guest_bytes(guest, &len);
  const loam_template_info *t = loam_template_register(ex, name, b, len, NULL, NULL, err);
  free(b);
  return t;
}

/* A function's WIT description in template `tmpl`. */
static inline const loam_wit_func *rpc_func(loam_executor *ex, const char *tmpl,
                                            const char *fn) {
  loam_error err;
  const loam_template_info *t = loam_template_get(ex, tmpl, 0, &err);
  const loam_export_info *e = t ? loam_template_find_export(t, fn, &err) : NULL;
  if (!e) {
    fprintf(stderr, "%s: %s\n", fn, err.message);
    exit(2);
  }
  return e->func;
}

/* golem:rpc's types as the proxy's WIT has them. */
typedef struct rpc_tys {
  const loam_type *params;     /* list<wit-value> */
  const loam_type *wit_value;
  const loam_type *outcome;    /* result<wit-value, rpc-error> */
  const loam_type *request;    /* the proxy's record request */
} rpc_tys;

static inline rpc_tys rpc_types_of(loam_executor *ex) {
  const loam_wit_func *call = rpc_func(ex, "proxy", PROXY_API ".{call}");
  const loam_wit_func *all = rpc_func(ex, "proxy", PROXY_API ".{call-all}");
  rpc_tys t = {call->params[2].type, call->params[2].type->u.elem, call->results[0].type,
               all->params[0].type->u.elem};
  return t;
}

static inline loam_value *rpc_str(const char *s) { return loam_value_string(s, strlen(s)); }

static inline loam_value *rpc_u64(uint64_t v) {
  return loam_value_uint(loam_type_prim(LOAM_T_U64), v);
}

/* A list<wit-value> of the n typed values (borrowed). */
static inline loam_value *rpc_wv_list(const rpc_tys *T, size_t n, loam_value *const *v) {
  loam_value *items[16];
  loam_error err;
  for (size_t i = 0; i < n; i++) {
    items[i] = loam_witvalue_from_value(v[i], T->wit_value, &err);
    if (!items[i]) {
      fprintf(stderr, "wit-value: %s\n", err.message);
      exit(2);
    }
  }
  return loam_value_seq(T->params, n, items);
}

/* Calls proxy export `fn` (call, send, call-twice) on proxy/<worker> with
 * uri, function and the n typed params; returns its status and the result
 * value in *out (NULL when the invocation failed). */
static inline loam_status rpc_proxy(loam_executor *ex, const rpc_tys *T, const char *worker,
                                    const char *fn, const char *uri, const char *function,
                                    size_t n, loam_value *const *params, const char *key,
                                    loam_value **out, loam_error *err) {
  char full[128];
  snprintf(full, sizeof full, PROXY_API ".{%s}", fn);
  loam_value *p[3] = {rpc_str(uri), rpc_str(function), rpc_wv_list(T, n, params)};
  loam_invoke_result r = {0};
  loam_status st = loam_invoke_and_await(ex, "proxy", worker, full, p, 3, key, &r, err);
  for (int i = 0; i < 3; i++) loam_value_free(p[i]);
  *out = NULL;
  if (st == LOAM_OK && r.nvalues == 1) {
    *out = r.values[0];
    r.values[0] = NULL;
  }
  loam_invoke_result_free(&r);
  return st;
}

/* An outcome result<wit-value, rpc-error> that must be ok: its wit-value
 * decoded as n values of `types` into out[]; false (and a message on
 * stderr) otherwise. */
static inline bool rpc_ok_values(const loam_value *outcome, const loam_type *const *types,
                                 size_t n, loam_value **out) {
  if (!outcome || outcome->of.var.tag != 0) {
    const loam_value *e = outcome ? outcome->of.var.payload : NULL;
    fprintf(stderr, "expected ok, got %s\n",
            e && e->of.var.payload ? e->of.var.payload->of.str.ptr : "(nothing)");
    return false;
  }
  loam_error err;
  if (!loam_witvalue_to_values(outcome->of.var.payload, types, n, "result", out, &err)) {
    fprintf(stderr, "result: %s\n", err.message);
    return false;
  }
  return true;
}

/* The u64 in an ok outcome (UINT64_MAX when it is not one). */
static inline uint64_t rpc_ok_u64(const loam_value *outcome) {
  const loam_type *t = loam_type_prim(LOAM_T_U64);
  loam_value *v = NULL;
  if (!rpc_ok_values(outcome, &t, 1, &v)) return UINT64_MAX;
  uint64_t x = v->of.u;
  loam_value_free(v);
  return x;
}

/* The rpc-error case (0 protocol-error .. 3 remote-internal-error) of an err
 * outcome, its message in msg; -1 when the outcome is ok. */
static inline int rpc_err_case(const loam_value *outcome, char *msg, size_t cap) {
  if (!outcome || outcome->of.var.tag != 1) return -1;
  const loam_value *e = outcome->of.var.payload;
  snprintf(msg, cap, "%s", e->of.var.payload->of.str.ptr);
  return (int)e->of.var.tag;
}

static inline double rpc_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
