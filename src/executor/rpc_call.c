/*
 * executor/rpc_call.c — making one worker-to-worker call live, in process
 * (the local fast path: the target is always on this executor): resolving
 * the worker:// address, refusing call cycles, converting the wit-value
 * params to typed values with the target function's WIT types, invoking
 * with the call's key and chain, and turning the outcome (or any failure)
 * into the value the guest gets back. Failures are rpc-error values, never
 * traps.
 */
#include "executor/rpc_int.h"

#include "loam/rpc.h"
#include "util/strdist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

loam_value *rpc_error_value(const loam_type *result_type, int which, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  const loam_type *et = result_type->u.result.err;
  loam_value *s = loam_value_string(msg, strlen(msg));
  loam_value *e = s ? loam_value_case(et, (uint32_t)which, s) : NULL;
  return e ? loam_value_case(result_type, 1, e) : NULL;
}

/* "no template named X" with the names that are close to it. */
static loam_value *unknown_template(const rpc_call *c, const loam_type *ot, const char *ref) {
  loam_ds_template *rows = NULL;
  size_t n = 0;
  loam_error err;
  char close[400] = "", all[400] = "";
  size_t cl = 0, al = 0;
  if (loam_ds_template_list(c->ex->ds, NULL, &rows, &n, &err)) {
    for (size_t i = 0; i < n; i++) {
      if (i && !strcmp(rows[i].name, rows[i - 1].name)) continue; /* versions */
      size_t d = loam_edit_distance(ref, rows[i].name);
      if (al < sizeof all)
        al += (size_t)snprintf(all + al, sizeof all - al, "%s%s", al ? ", " : "", rows[i].name);
      if ((d <= 2 || strstr(rows[i].name, ref) || strstr(ref, rows[i].name)) && cl < sizeof close)
        cl += (size_t)snprintf(close + cl, sizeof close - cl, "%s%s", cl ? ", " : "",
                               rows[i].name);
    }
    loam_ds_templates_free(rows, n);
  }
  if (cl)
    return rpc_error_value(ot, RPC_NOT_FOUND, "no template named %s (did you mean %s?)", ref,
                           close);
  return rpc_error_value(ot, RPC_NOT_FOUND, "no template named %s (templates: %s)", ref,
                         al ? all : "none");
}

/* The template a URI names (by numeric id or name) into name[], or an
 * rpc-error outcome. */
static loam_value *resolve_template(const rpc_call *c, const loam_type *ot, const char *ref,
                                    char *name, size_t cap) {
  loam_error err;
  const loam_template_info *t = NULL;
  bool numeric = ref[0] && strspn(ref, "0123456789") == strlen(ref);
  if (numeric) t = loam_template_get_id(c->ex, strtoull(ref, NULL, 10), &err);
  if (!t) t = loam_template_get(c->ex, ref, 0, &err);
  if (!t && err.code == LOAM_ERR_NOT_FOUND) {
    if (numeric)
      return rpc_error_value(ot, RPC_NOT_FOUND, "no template with id or name %s", ref);
    return unknown_template(c, ot, ref);
  }
  if (!t) return rpc_error_value(ot, RPC_REMOTE_INTERNAL_ERROR, "%s", err.message);
  snprintf(name, cap, "%s", t->name);
  return NULL;
}

/* A call cycle: the target is the caller or waits on it (in its chain). */
static loam_value *check_cycle(const rpc_call *c, const loam_type *ot, const char *target) {
  bool cycle = !strcmp(target, c->self);
  for (size_t i = 0; !cycle && i < c->nchain; i++) cycle = !strcmp(c->chain[i], target);
  if (!cycle) return NULL;
  char path[900];
  size_t n = 0;
  for (size_t i = 0; i < c->nchain && n < sizeof path; i++)
    n += (size_t)snprintf(path + n, sizeof path - n, "%s -> ", c->chain[i]);
  if (n < sizeof path) snprintf(path + n, sizeof path - n, "%s -> %s", c->self, target);
  return rpc_error_value(ot, RPC_DENIED, "call cycle: %s", path);
}

/* An executor error as an rpc-error. */
static loam_value *from_error(const loam_type *ot, const loam_error *err, const char *target) {
  if (err->code == LOAM_ERR_ARGUMENT)
    return rpc_error_value(ot, RPC_PROTOCOL_ERROR, "%s", err->message);
  if (err->code == LOAM_ERR_NOT_FOUND)
    return rpc_error_value(ot, RPC_NOT_FOUND, "%s", err->message);
  if (err->code == LOAM_TRAP_INTERRUPTED)
    return rpc_error_value(ot, RPC_REMOTE_INTERNAL_ERROR, "worker %s was interrupted: %s",
                           target, err->message);
  if (LOAM_IS_TRAP(err->code))
    return rpc_error_value(ot, RPC_REMOTE_INTERNAL_ERROR, "worker %s trapped: %s", target,
                           err->message);
  return rpc_error_value(ot, RPC_REMOTE_INTERNAL_ERROR, "%s: %s", target, err->message);
}

loam_status rpc_closing_trap(loam_caller *cl, const char *key) {
  return loam_caller_trap(cl, LOAM_TRAP_INTERRUPTED, 0,
                          "the executor is closing: call %s is made again after it reopens",
                          key);
}

loam_value *rpc_perform(const rpc_call *c, bool *closing) {
  *closing = false;
  loam_error err = {0};
  const rpc_types *T = rpc_types_get(&err);
  if (!T) return NULL;
  const loam_type *ot = c->mode == RPC_INVOKE ? T->invoke_result : T->await_result;
  loam_worker_uri u;
  if (!loam_worker_uri_parse(c->uri, &u, &err))
    return rpc_error_value(ot, RPC_PROTOCOL_ERROR, "%s", err.message);
  char tname[128], target[300];
  /* a worker in memory under that template name: no look-up in the store */
  ex_worker *w = ex_worker_cached(c->ex, u.template_ref, u.worker);
  loam_value *bad = NULL;
  if (w) snprintf(tname, sizeof tname, "%s", w->tmpl_name);
  else if ((bad = resolve_template(c, ot, u.template_ref, tname, sizeof tname))) return bad;
  snprintf(target, sizeof target, "%s/%s", tname, u.worker);
  /* invoke only enqueues: it never waits, so it cannot close a cycle */
  if (c->mode != RPC_INVOKE && (bad = check_cycle(c, ot, target))) return bad;
  if (!w) w = ex_worker_find(c->ex, tname, u.worker, true, c->nenv,
                            (const char *const *)c->env, &err);
  if (!w) return from_error(ot, &err, target);
  const loam_export_info *info = loam_template_find_export(&w->tpl->info, c->function, &err);
  if (!info) return rpc_error_value(ot, RPC_NOT_FOUND, "%s", err.message);
  const ex_export *fn = &w->tpl->exports[info - w->tpl->export_infos];
  size_t n = c->params ? c->params->of.seq.n : 0;
  if (n != fn->sig.nparams)
    return rpc_error_value(ot, RPC_PROTOCOL_ERROR, "%s takes %u parameters, got %zu: %s",
                           info->name, fn->sig.nparams, n, fn->signature);
  loam_value *params[EX_MAX_SIG] = {0};
  for (size_t i = 0; i < n; i++) {
    char path[32];
    snprintf(path, sizeof path, "params[%zu]", i);
    params[i] = loam_witvalue_to_value(c->params->of.seq.items[i], fn->sig.params[i], path, &err);
    if (!params[i]) {
      for (size_t k = 0; k < i; k++) loam_value_free(params[k]);
      return rpc_error_value(ot, RPC_PROTOCOL_ERROR, "%s: %s", info->name, err.message);
    }
  }
  /* the callee's invocation is waited on by every worker of the chain and
   * by us; not after an invoke, which waits for nothing (a call back from
   * it to us is no cycle) */
  const char **chain = calloc(c->nchain + 2, sizeof *chain);
  if (!chain) {
    for (size_t k = 0; k < n; k++) loam_value_free(params[k]);
    return NULL;
  }
  for (size_t i = 0; i < c->nchain; i++) chain[i] = c->chain[i];
  chain[c->nchain] = c->self;
  loam_invoke_result out = {0};
  bool enqueue = c->mode == RPC_INVOKE;
  loam_status st = ex_submit(c->ex, w, info->name, params, n, c->key, c->key_is_new, NULL,
                             enqueue,
                             enqueue ? NULL : chain, enqueue ? 0 : c->nchain + 1,
                             c->mode == RPC_INVOKE ? NULL : &out, &err);
  free(chain);
  for (size_t k = 0; k < n; k++) loam_value_free(params[k]);
  pthread_mutex_lock(&c->ex->mu);
  c->ex->stats.rpc_local++;
  *closing = st != LOAM_OK && c->ex->closing;
  pthread_mutex_unlock(&c->ex->mu);
  if (*closing) return NULL;
  if (st != LOAM_OK) return from_error(ot, &err, target);
  if (c->mode == RPC_INVOKE) return loam_value_case(ot, 0, NULL);
  loam_value *wv = loam_witvalue_from_values(out.values, fn->sig.results, out.nvalues,
                                             T->wit_value, &err);
  loam_invoke_result_free(&out);
  if (!wv)
    return rpc_error_value(ot, RPC_REMOTE_INTERNAL_ERROR, "%s: its result: %s", target,
                           err.message);
  return loam_value_case(ot, 0, wv);
}
