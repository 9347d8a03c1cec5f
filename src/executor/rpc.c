/*
 * executor/rpc.c — the golem:rpc@0.1.0 and wasi:io/poll@0.2.0 host
 * interfaces of a worker: the embedded WIT resolved once, the host
 * functions defined in a worker's linker, its host resource objects, and
 * the durable record/replay of outgoing calls.
 *
 * Exactly once. Every outgoing call gets a key derived from the caller
 * (template, worker), the key of the invocation it is made in, and the
 * call's ordinal n within that invocation (0, 1, ...): "rpc-" + 32 hex
 * digits. (Issue 7 says "the oplog index"; the ordinal counts the same
 * thing per invocation, but unlike an oplog index it is the same again when
 * a trap retry or a crash re-runs the invocation.) Before the call an
 * RPC_CALL entry (key, target, function, params) is appended; after it an
 * RPC_RESULT (key, the outcome). Both are part of the invocation's replay
 * sequence, next to HOST_CALL and LOG entries: replaying, a call is answered
 * from its RPC_RESULT without being made; continuing a crashed attempt, an
 * RPC_CALL without its RPC_RESULT is made again with the recorded key, and
 * the callee, which keeps every key's outcome, answers it without running
 * twice. No fsync is awaited before sending: the key is deterministic, and
 * the caller's END is acknowledged only once everything before it is
 * durable. Nor after: the caller takes the callee's outcome once the
 * callee's END is queued (ex_submit's early await), since the store commits
 * in queue order and the caller's RPC_RESULT and END come after it.
 *
 * Host objects: a wasm-rpc (its location), a future-invoke-result and a
 * pollable are entries of rt->rpc->objs (rep = index + 1); their handles
 * live in rt->handles with the resource types of the embedded WIT, which
 * match the guests' by name and interface.
 */
#include "executor/rpc_int.h"

#include "durable/fault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TYPES_MOD "golem:rpc/types@0.1.0"
#define POLL_MOD "wasi:io/poll@0.2.0"

/* ---- the embedded WIT ------------------------------------------------------- */

enum {
  F_NEW, F_INVOKE_AWAIT, F_INVOKE, F_ASYNC, F_SUBSCRIBE, F_GET, F_DROP_RPC, F_DROP_FUTURE,
  F_READY, F_BLOCK, F_POLL, F_DROP_POLLABLE, F_COUNT
};

typedef struct rpc_import {
  const char *module, *name;
  loam_host_fn fn;
} rpc_import;

static struct {
  pthread_once_t once;
  loam_error err;
  bool ok;
  rpc_types t;
  loam_abi_sig sig[F_COUNT];
  const loam_type *sigbuf[F_COUNT][8];
  char core[F_COUNT][32];
} G = {.once = PTHREAD_ONCE_INIT};

static const rpc_import IMPORTS[F_COUNT];

/* The WIT text: types.wit as the root package, poll.wit as a nested package
 * block (one text, so it resolves without files). */
static char *wit_text(void) {
  const char *poll = loam_rpc_poll_wit;
  const char *pkg = strstr(poll, "package ");
  const char *semi = pkg ? strchr(pkg, ';') : NULL;
  if (!semi) return NULL;
  size_t idlen = (size_t)(semi - pkg) - 8;
  size_t n = strlen(loam_rpc_types_wit) + strlen(poll) + 64;
  char *s = malloc(n);
  if (s) snprintf(s, n, "%s\npackage %.*s {\n%s\n}\n", loam_rpc_types_wit, (int)idlen, pkg + 8,
                  semi + 1);
  return s;
}

static const loam_wit_func *find_core(const loam_wit_interface *i, const char *core) {
  for (uint32_t k = 0; i && k < i->nfuncs; k++)
    if (!strcmp(i->funcs[k].core_name, core)) return &i->funcs[k];
  return NULL;
}

static void types_init(void) {
  loam_error *err = &G.err;
  char *text = wit_text();
  if (!text) {
    ex_fail(err, LOAM_ERR_INVALID, "embedded wasi:io/poll WIT has no package line");
    return;
  }
  G.t.wit = loam_wit_load_text("golem-rpc.wit", text, strlen(text), err);
  free(text);
  if (!G.t.wit) return;
  const loam_wit_interface *ti = loam_wit_find_interface(G.t.wit, TYPES_MOD);
  const loam_wit_interface *pi = loam_wit_find_interface(G.t.wit, POLL_MOD);
  for (int k = 0; k < F_COUNT; k++) {
    const rpc_import *im = &IMPORTS[k];
    if (!strncmp(im->name, "[resource-drop]", 15)) {
      snprintf(G.core[k], sizeof G.core[k], "i:");
      continue;
    }
    const loam_wit_func *f = find_core(!strcmp(im->module, TYPES_MOD) ? ti : pi, im->name);
    if (!f || !loam_abi_sig_of(f, &G.sig[k], G.sigbuf[k], 8)) {
      ex_fail(err, LOAM_ERR_INVALID, "embedded golem:rpc WIT lacks %s.%s", im->module,
              im->name);
      return;
    }
    loam_abi_core_type(&G.sig[k], true, G.core[k], sizeof G.core[k]);
  }
  const loam_wit_typedef *wv = loam_wit_find_type(ti, "wit-value");
  const loam_wit_typedef *re = loam_wit_find_type(ti, "rpc-error");
  const loam_wit_typedef *pl = loam_wit_find_type(pi, "pollable");
  if (!wv || !re || !pl) {
    ex_fail(err, LOAM_ERR_INVALID, "embedded golem:rpc WIT lacks its types");
    return;
  }
  G.t.wit_value = wv->type;
  G.t.rpc_error = re->type;
  G.t.pollable = pl->type;
  G.t.await_result = G.sig[F_INVOKE_AWAIT].results[0];
  G.t.invoke_result = G.sig[F_INVOKE].results[0];
  G.t.get_result = G.sig[F_GET].results[0];
  G.t.params = G.sig[F_INVOKE_AWAIT].params[2];
  G.t.own_future = G.sig[F_ASYNC].results[0];
  G.t.own_pollable = G.sig[F_SUBSCRIBE].results[0];
  G.t.wasm_rpc = G.sig[F_NEW].results[0]->u.elem;
  G.t.future = G.t.own_future->u.elem;
  G.ok = true;
}

const rpc_types *rpc_types_get(loam_error *err) {
  pthread_once(&G.once, types_init);
  if (!G.ok) {
    if (err) *err = G.err;
    return NULL;
  }
  return &G.t;
}

/* ---- host objects ------------------------------------------------------------ */

uint32_t rpc_obj_new(ex_runtime *rt, int kind) {
  struct ex_rpc_state *st = rt->rpc;
  size_t i = 0;
  while (i < st->nobjs && st->objs[i].kind != OBJ_FREE) i++;
  if (i == st->nobjs) {
    if (st->nobjs == st->capobjs) {
      size_t cap = st->capobjs ? st->capobjs * 2 : 8;
      rpc_obj *o = realloc(st->objs, cap * sizeof *o);
      if (!o) return 0;
      st->objs = o;
      st->capobjs = cap;
    }
    st->nobjs++;
  }
  st->objs[i] = (rpc_obj){.kind = kind};
  return (uint32_t)i + 1;
}

rpc_obj *rpc_obj_of(ex_runtime *rt, uint32_t handle, const loam_type *resource,
                    loam_error *err) {
  uint32_t rep = 0;
  if (!loam_handles_rep(rt->handles, handle, resource, &rep, err)) return NULL;
  if (rep == 0 || rep > rt->rpc->nobjs || rt->rpc->objs[rep - 1].kind == OBJ_FREE) {
    ex_fail(err, LOAM_ERR_INVALID, "handle %u is not a live %s", handle, resource->name);
    return NULL;
  }
  return &rt->rpc->objs[rep - 1];
}

static void obj_free(ex_runtime *rt, uint32_t rep) {
  if (rep == 0 || rep > rt->rpc->nobjs) return;
  rpc_obj *o = &rt->rpc->objs[rep - 1];
  free(o->uri);
  if (o->fut) rpc_future_release(rt, o->fut);
  *o = (rpc_obj){.kind = OBJ_FREE};
}

/* ---- record / replay ------------------------------------------------------------ */

loam_oplog_entry *rpc_next_recorded(ex_runtime *rt) {
  return rt->replaying && rt->replay_pos < rt->nreplay ? &rt->replay[rt->replay_pos] : NULL;
}

bool rpc_strict(ex_runtime *rt) { return rt->replaying && rt->strict; }

/* FNV-1a over a field and a separator, from state h. */
static uint64_t fnv(uint64_t h, const char *s) {
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
  return (h ^ 0xff) * 1099511628211ull; /* a byte no UTF-8 text has */
}

static uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void rpc_next_key(ex_runtime *rt, char out[72]) {
  uint32_t n = rt->rpc->ordinal++;
  if (!rt->current) { /* outside an invocation (e.g. _initialize): nothing to dedup */
    ex_new_key(out);
    return;
  }
  char ord[16];
  snprintf(ord, sizeof ord, "%u", n);
  const char *parts[] = {rt->w->tmpl_name, rt->w->name, rt->current->key, ord};
  uint64_t a = 1469598103934665603ull, b = 0x9e3779b97f4a7c15ull;
  for (size_t i = 0; i < 4; i++) a = fnv(a, parts[i]), b = fnv(b ^ mix(a), parts[i]);
  snprintf(out, 72, "rpc-%016llx%016llx", (unsigned long long)mix(a),
           (unsigned long long)mix(b ^ a));
}

void rpc_record_host(ex_runtime *rt, uint32_t index, const char *name, const uint8_t *p,
                     size_t len) {
  if (!rt->recording) return;
  ex_write_start(rt);
  loam_oplog_entry e = {.kind = LOAM_OPLOG_HOST_CALL};
  e.u.host.index = index;
  e.u.host.name = (char *)name;
  e.u.host.result = (loam_oplog_bytes){(uint8_t *)p, len};
  loam_error err;
  ex_append(rt->ex, rt->w, rt, &e, NULL, &err);
}

void rpc_record_call(ex_runtime *rt, const rpc_call *c) {
  if (!rt->recording) return;
  ex_write_start(rt);
  loam_buf b = {0};
  if (c->params) loam_value_encode(c->params, &b);
  loam_oplog_entry e = {.kind = LOAM_OPLOG_RPC_CALL};
  e.u.rpc.key = (char *)c->key;
  e.u.rpc.target = c->uri;
  e.u.rpc.function = c->function;
  e.u.rpc.data = (loam_oplog_bytes){b.data, b.len};
  loam_error err;
  ex_append(rt->ex, rt->w, rt, &e, NULL, &err);
  loam_buf_free(&b);
}

void rpc_record_result(ex_runtime *rt, const char *key, const char *uri, const char *function,
                       const loam_value *outcome) {
  if (!rt->recording) return;
  ex_write_start(rt);
  loam_buf b = {0};
  loam_value_encode(outcome, &b);
  loam_oplog_entry e = {.kind = LOAM_OPLOG_RPC_RESULT};
  e.u.rpc.key = (char *)key;
  e.u.rpc.target = (char *)uri;
  e.u.rpc.function = (char *)function;
  e.u.rpc.data = (loam_oplog_bytes){b.data, b.len};
  e.u.rpc.ok = outcome->of.var.tag == 0;
  const loam_value *m = !e.u.rpc.ok && outcome->of.var.payload
                            ? outcome->of.var.payload->of.var.payload
                            : NULL;
  e.u.rpc.error = m ? m->of.str.ptr : NULL;
  loam_error err;
  ex_append(rt->ex, rt->w, rt, &e, NULL, &err);
  loam_buf_free(&b);
}

loam_value *rpc_recorded_outcome(const loam_oplog_entry *e, const loam_type *type,
                                 loam_error *err) {
  size_t used = 0;
  loam_verr verr;
  loam_value *v = loam_value_decode(type, e->u.rpc.data.data, e->u.rpc.data.len, &used, &verr);
  if (!v || used != e->u.rpc.data.len) {
    loam_value_free(v);
    ex_fail(err, LOAM_ERR_MALFORMED, "replay: the recorded result of call %s is malformed%s%s",
            e->u.rpc.key, v ? "" : ": ", v ? "" : verr.message);
    return NULL;
  }
  return v;
}

char *ex_rpc_value_json(bool is_result, const uint8_t *bytes, size_t len) {
  if (!rpc_types_get(NULL)) return NULL;
  /* a result is an invoke-and-await's (or async) outcome, or an invoke's */
  const loam_type *types[2] = {is_result ? G.t.await_result : G.t.params,
                               is_result ? G.t.invoke_result : NULL};
  for (int i = 0; i < 2 && types[i]; i++) {
    size_t used = 0;
    loam_verr verr;
    loam_value *v = loam_value_decode(types[i], bytes, len, &used, &verr);
    char *j = v && used == len ? loam_value_to_json(v) : NULL;
    loam_value_free(v);
    if (j) return j;
  }
  return NULL;
}

/* ---- the calls' inputs --------------------------------------------------------- */

bool rpc_call_init(rpc_call *c, ex_runtime *rt, const char *key, const char *uri,
                   const char *function, const loam_value *params, rpc_mode mode) {
  memset(c, 0, sizeof *c);
  c->ex = rt->ex;
  c->mode = mode;
  c->key_is_new = rt->fresh_calls;
  snprintf(c->key, sizeof c->key, "%s", key);
  c->uri = strdup(uri);
  c->function = strdup(function);
  c->params = params ? loam_value_clone(params) : NULL;
  size_t n = strlen(rt->w->tmpl_name) + strlen(rt->w->name) + 2;
  c->self = malloc(n);
  if (c->self) snprintf(c->self, n, "%s/%s", rt->w->tmpl_name, rt->w->name);
  const ex_invocation *cur = rt->current;
  size_t nchain = cur ? cur->nchain : 0;
  c->chain = calloc(nchain + 1, sizeof *c->chain);
  c->env = calloc(rt->w->nenv + 1, sizeof *c->env);
  bool ok = c->uri && c->function && (!params || c->params) && c->self && c->chain && c->env;
  for (size_t i = 0; ok && i < nchain; i++, c->nchain++)
    ok = (c->chain[i] = strdup(cur->chain[i])) != NULL;
  for (size_t i = 0; ok && i < rt->w->nenv; i++, c->nenv++)
    ok = (c->env[i] = strdup(rt->w->env[i])) != NULL;
  if (!ok) rpc_call_clear(c);
  return ok;
}

void rpc_call_clear(rpc_call *c) {
  free(c->uri);
  free(c->function);
  loam_value_free(c->params);
  free(c->self);
  for (size_t i = 0; c->chain && i < c->nchain; i++) free(c->chain[i]);
  free(c->chain);
  for (size_t i = 0; c->env && i < c->nenv; i++) free(c->env[i]);
  free(c->env);
  memset(c, 0, sizeof *c);
}

/* ---- host functions -------------------------------------------------------------- */

static loam_status trap_err(loam_caller *c, const loam_error *err) {
  return loam_caller_trap(c, LOAM_TRAP_HOST, 0, "%s", err->message);
}

static loam_status no_runtime(loam_caller *c) {
  return loam_caller_trap(c, LOAM_TRAP_HOST, 0,
                          "golem:rpc is only available to a worker's invocations");
}

static void guest_of(ex_runtime *rt, loam_caller *c, loam_abi_guest *g) {
  loam_abi_guest_init(g, loam_caller_store(c), loam_caller_instance(c), rt->handles);
}

static void free_params(loam_value **p, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) loam_value_free(p[i]);
}

/* Lifts function k's params; traps on failure (returned status != OK). */
static loam_status lift(ex_runtime *rt, loam_caller *c, int k, const uint64_t *slots,
                        loam_abi_guest *g, loam_value **p) {
  loam_error err;
  if (!rt) return no_runtime(c);
  if (!rpc_types_get(&err)) return trap_err(c, &err);
  guest_of(rt, c, g);
  if (!loam_abi_lift_params(g, &G.sig[k], slots, p, &err)) return trap_err(c, &err);
  return LOAM_OK;
}

/* Lowers one result (consumed) of function k. */
static loam_status lower1(loam_caller *c, int k, loam_abi_guest *g, uint64_t *slots,
                          loam_value *v) {
  loam_error err;
  if (!v) return rpc_oom(c);
  bool ok = loam_abi_lower_results(g, &G.sig[k], slots, &v, &err);
  loam_value_free(v);
  return ok ? LOAM_OK : trap_err(c, &err);
}

/* The host resources, as functions: the types exist once lift has
 * resolved the embedded WIT. */
static const loam_type *res_rpc(void) { return G.t.wasm_rpc; }
static const loam_type *res_future(void) { return G.t.future; }
static const loam_type *res_pollable(void) { return G.t.pollable; }

/* Lifts method k's n params and finds the host object of resource res()
 * behind its `self` (p[0]); on failure the params are freed and the trap is
 * returned. */
static loam_status lift_self(ex_runtime *rt, loam_caller *c, int k, const uint64_t *slots,
                             loam_abi_guest *g, loam_value **p, uint32_t n,
                             const loam_type *(*res)(void), rpc_obj **o) {
  loam_status s = lift(rt, c, k, slots, g, p);
  if (s != LOAM_OK) return s;
  loam_error err;
  if ((*o = rpc_obj_of(rt, p[0]->of.handle, res(), &err))) return LOAM_OK;
  free_params(p, n);
  return trap_err(c, &err);
}

/* Lowers the own handle h of type own_type as function k's result. */
static loam_status lower_handle(loam_caller *c, int k, loam_abi_guest *g, uint64_t *slots,
                                const loam_type *own_type, uint32_t h) {
  loam_value *v = loam_value_new(own_type);
  if (v) v->of.handle = h;
  return lower1(c, k, g, slots, v);
}

/* A new own handle value of `own_type` for a new object of `kind`. */
static loam_value *new_handle(ex_runtime *rt, const loam_type *own_type, uint32_t rep,
                              loam_error *err) {
  uint32_t h = 0;
  if (!loam_handles_new_own(rt->handles, own_type->u.elem, rep, &h, err)) return NULL;
  loam_value *v = loam_value_new(own_type);
  if (v) v->of.handle = h;
  return v;
}

static loam_status h_new(loam_caller *c, uint64_t *slots, void *user) {
  ex_runtime *rt = user;
  loam_abi_guest g;
  loam_value *p[1] = {0};
  loam_status s = lift(rt, c, F_NEW, slots, &g, p);
  if (s != LOAM_OK) return s;
  loam_error err;
  const loam_value *uri = p[0]->of.seq.items[0];
  uint32_t rep = rpc_obj_new(rt, OBJ_RPC);
  char *text = rep ? strdup(uri->of.str.ptr) : NULL;
  loam_value *h = text ? new_handle(rt, G.sig[F_NEW].results[0], rep, &err) : NULL;
  free_params(p, 1);
  if (!h) {
    free(text);
    if (rep) obj_free(rt, rep);
    return loam_caller_trap(c, LOAM_TRAP_HOST, 0, "golem:rpc: cannot make a wasm-rpc: %s",
                            text ? err.message : "out of memory");
  }
  rt->rpc->objs[rep - 1].uri = text;
  return lower1(c, F_NEW, &g, slots, h);
}

loam_status rpc_diverged(loam_caller *c, const char *what, const loam_oplog_entry *e) {
  const char *had = !e ? "nothing more"
                    : e->kind == LOAM_OPLOG_HOST_CALL ? e->u.host.name
                                                      : loam_oplog_kind_name(e->kind);
  return loam_caller_trap(c, LOAM_TRAP_HOST, 0,
                          "replay diverged: the guest made %s where the oplog has %s", what,
                          had);
}

loam_status rpc_oom(loam_caller *c) {
  return loam_caller_trap(c, LOAM_TRAP_HOST, 0, "golem:rpc: out of memory");
}

/* Consumes the recorded RPC_CALL of the call with `key` (replay). */
static loam_status take_call(ex_runtime *rt, loam_caller *c, const char *key,
                             const char *fn) {
  loam_oplog_entry *e = rpc_next_recorded(rt);
  if (!e || e->kind != LOAM_OPLOG_RPC_CALL || strcmp(e->u.rpc.key, key) ||
      strcmp(e->u.rpc.function, fn)) {
    char what[400];
    snprintf(what, sizeof what, "the call %s to %s", key, fn);
    return rpc_diverged(c, what, e);
  }
  rt->replay_pos++;
  return LOAM_OK;
}

/* invoke-and-await and invoke: the call on the caller's thread. */
static loam_status sync_call(loam_caller *c, uint64_t *slots, ex_runtime *rt, int k,
                             rpc_mode mode) {
  loam_abi_guest g;
  loam_value *p[3] = {0};
  rpc_obj *o;
  loam_status s = lift_self(rt, c, k, slots, &g, p, 3, res_rpc, &o);
  if (s != LOAM_OK) return s;
  loam_error err;
  const loam_type *otype = mode == RPC_INVOKE ? G.t.invoke_result : G.t.await_result;
  const char *fn = p[1]->of.str.ptr;
  char key[72];
  rpc_next_key(rt, key);
  loam_value *outcome = NULL;
  bool live = true, record_call = true;
  if (rpc_next_recorded(rt)) {
    if ((s = take_call(rt, c, key, fn)) != LOAM_OK) return free_params(p, 3), s;
    loam_oplog_entry *e = rpc_next_recorded(rt);
    if (e && e->kind == LOAM_OPLOG_RPC_RESULT && !strcmp(e->u.rpc.key, key)) {
      rt->replay_pos++;
      live = false;
      if (!(outcome = rpc_recorded_outcome(e, otype, &err)))
        return free_params(p, 3), trap_err(c, &err);
    } else if (rpc_strict(rt) || e) {
      /* nothing is recorded between a call and its result (the caller
       * waits), so only a crash may have cut the result off */
      free_params(p, 3);
      return rpc_diverged(c, "no result for an outgoing call", e);
    } else {
      record_call = false; /* a crashed attempt sent it: again, same key */
    }
  } else if (rpc_strict(rt)) {
    free_params(p, 3);
    return rpc_diverged(c, "an outgoing call", NULL);
  }
  if (live) {
    rpc_call call;
    if (!rpc_call_init(&call, rt, key, o->uri, fn, p[2], mode)) {
      free_params(p, 3);
      return rpc_oom(c);
    }
    if (record_call) rpc_record_call(rt, &call);
    loam_fault_point("rpc-before-send");
    bool closing = false;
    outcome = rpc_perform(&call, &closing);
    if (closing) {
      rpc_call_clear(&call);
      free_params(p, 3);
      return rpc_closing_trap(c, key);
    }
    loam_fault_point("rpc-after-send");
    if (outcome) rpc_record_result(rt, key, call.uri, call.function, outcome);
    loam_fault_point("rpc-after-result");
    rpc_call_clear(&call);
  }
  free_params(p, 3);
  return lower1(c, k, &g, slots, outcome);
}

static loam_status h_invoke_await(loam_caller *c, uint64_t *slots, void *user) {
  return sync_call(c, slots, user, F_INVOKE_AWAIT, RPC_AWAIT);
}

static loam_status h_invoke(loam_caller *c, uint64_t *slots, void *user) {
  return sync_call(c, slots, user, F_INVOKE, RPC_INVOKE);
}

static loam_status h_async(loam_caller *c, uint64_t *slots, void *user) {
  ex_runtime *rt = user;
  loam_abi_guest g;
  loam_value *p[3] = {0};
  rpc_obj *o;
  loam_status s = lift_self(rt, c, F_ASYNC, slots, &g, p, 3, res_rpc, &o);
  if (s != LOAM_OK) return s;
  uint32_t h = 0;
  s = rpc_async_invoke(rt, c, o, p[1]->of.str.ptr, p[2], &h);
  free_params(p, 3);
  return s != LOAM_OK ? s : lower_handle(c, F_ASYNC, &g, slots, G.t.own_future, h);
}

static loam_status h_subscribe(loam_caller *c, uint64_t *slots, void *user) {
  ex_runtime *rt = user;
  loam_abi_guest g;
  loam_value *p[1] = {0};
  rpc_obj *o;
  loam_status s = lift_self(rt, c, F_SUBSCRIBE, slots, &g, p, 1, res_future, &o);
  if (s != LOAM_OK) return s;
  free_params(p, 1);
  uint32_t h = 0;
  s = rpc_future_subscribe(rt, c, o, &h);
  return s != LOAM_OK ? s : lower_handle(c, F_SUBSCRIBE, &g, slots, G.t.own_pollable, h);
}

static loam_status h_get(loam_caller *c, uint64_t *slots, void *user) {
  ex_runtime *rt = user;
  loam_abi_guest g;
  loam_value *p[1] = {0};
  rpc_obj *o;
  loam_status s = lift_self(rt, c, F_GET, slots, &g, p, 1, res_future, &o);
  if (s != LOAM_OK) return s;
  free_params(p, 1);
  loam_value *v = NULL;
  s = rpc_future_get(rt, c, o, &v);
  return s != LOAM_OK ? s : lower1(c, F_GET, &g, slots, v);
}

static loam_status h_ready(loam_caller *c, uint64_t *slots, void *user) {
  ex_runtime *rt = user;
  loam_abi_guest g;
  loam_value *p[1] = {0};
  rpc_obj *o;
  loam_status s = lift_self(rt, c, F_READY, slots, &g, p, 1, res_pollable, &o);
  if (s != LOAM_OK) return s;
  free_params(p, 1);
  bool ready = false;
  s = rpc_pollable_ready(rt, c, o, &ready);
  return s != LOAM_OK ? s : lower1(c, F_READY, &g, slots, loam_value_bool(ready));
}

static loam_status h_block(loam_caller *c, uint64_t *slots, void *user) {
  ex_runtime *rt = user;
  loam_abi_guest g;
  loam_value *p[1] = {0};
  rpc_obj *o;
  loam_status s = lift_self(rt, c, F_BLOCK, slots, &g, p, 1, res_pollable, &o);
  if (s != LOAM_OK) return s;
  free_params(p, 1);
  return rpc_pollable_block(rt, c, o);
}

static loam_status h_poll(loam_caller *c, uint64_t *slots, void *user) {
  ex_runtime *rt = user;
  loam_abi_guest g;
  loam_value *p[1] = {0};
  loam_status s = lift(rt, c, F_POLL, slots, &g, p);
  if (s != LOAM_OK) return s;
  loam_error err = {0};
  size_t n = p[0]->of.seq.n;
  rpc_obj **objs = calloc(n + 1, sizeof *objs);
  bool ok = objs != NULL;
  for (size_t i = 0; ok && i < n; i++)
    ok = (objs[i] = rpc_obj_of(rt, p[0]->of.seq.items[i]->of.handle, G.t.pollable, &err));
  free_params(p, 1);
  uint32_t *ready = NULL;
  size_t nready = 0;
  if (!ok) s = objs ? trap_err(c, &err) : loam_caller_trap(c, LOAM_TRAP_HOST, 0, "out of memory");
  else s = rpc_poll(rt, c, objs, n, &ready, &nready);
  free(objs);
  if (s != LOAM_OK) return s;
  const loam_type *lt = G.sig[F_POLL].results[0];
  loam_value **items = calloc(nready + 1, sizeof *items);
  for (size_t i = 0; items && i < nready; i++)
    items[i] = loam_value_uint(loam_type_prim(LOAM_T_U32), ready[i]);
  free(ready);
  loam_value *v = items ? loam_value_seq(lt, nready, items) : NULL;
  free(items);
  return lower1(c, F_POLL, &g, slots, v);
}

static loam_status drop(loam_caller *c, uint64_t *slots, ex_runtime *rt,
                        const loam_type *(*res)(void)) {
  loam_error err;
  if (!rt) return no_runtime(c);
  if (!rpc_types_get(&err)) return trap_err(c, &err);
  bool destroy = false;
  uint32_t rep = 0;
  if (!loam_handles_drop(rt->handles, (uint32_t)slots[0], res(), &destroy, &rep, &err))
    return trap_err(c, &err);
  if (destroy) obj_free(rt, rep);
  return LOAM_OK;
}


static loam_status h_drop_rpc(loam_caller *c, uint64_t *slots, void *user) {
  return drop(c, slots, user, res_rpc);
}
static loam_status h_drop_future(loam_caller *c, uint64_t *slots, void *user) {
  return drop(c, slots, user, res_future);
}
static loam_status h_drop_pollable(loam_caller *c, uint64_t *slots, void *user) {
  return drop(c, slots, user, res_pollable);
}

static const rpc_import IMPORTS[F_COUNT] = {
    [F_NEW] = {TYPES_MOD, "[constructor]wasm-rpc", h_new},
    [F_INVOKE_AWAIT] = {TYPES_MOD, "[method]wasm-rpc.invoke-and-await", h_invoke_await},
    [F_INVOKE] = {TYPES_MOD, "[method]wasm-rpc.invoke", h_invoke},
    [F_ASYNC] = {TYPES_MOD, "[method]wasm-rpc.async-invoke-and-await", h_async},
    [F_SUBSCRIBE] = {TYPES_MOD, "[method]future-invoke-result.subscribe", h_subscribe},
    [F_GET] = {TYPES_MOD, "[method]future-invoke-result.get", h_get},
    [F_DROP_RPC] = {TYPES_MOD, "[resource-drop]wasm-rpc", h_drop_rpc},
    [F_DROP_FUTURE] = {TYPES_MOD, "[resource-drop]future-invoke-result", h_drop_future},
    [F_READY] = {POLL_MOD, "[method]pollable.ready", h_ready},
    [F_BLOCK] = {POLL_MOD, "[method]pollable.block", h_block},
    [F_POLL] = {POLL_MOD, "poll", h_poll},
    [F_DROP_POLLABLE] = {POLL_MOD, "[resource-drop]pollable", h_drop_pollable},
};

/* ---- the hooks runtime.c and template.c call ---------------------------------------- */

bool ex_rpc_provides(const char *module, const char *name) {
  for (int k = 0; k < F_COUNT; k++)
    if (!strcmp(IMPORTS[k].module, module) && !strcmp(IMPORTS[k].name, name)) return true;
  return false;
}

bool ex_rpc_define(ex_runtime *rt, loam_linker *l, loam_store *s, loam_error *err) {
  if (!rpc_types_get(err)) return false;
  if (rt && !rt->rpc) {
    rt->rpc = calloc(1, sizeof *rt->rpc);
    if (!rt->rpc) return ex_fail(err, LOAM_ERR_NOMEM, "out of memory"), false;
    pthread_mutex_init(&rt->rpc->mu, NULL);
    pthread_cond_init(&rt->rpc->cv, NULL);
  }
  for (int k = 0; k < F_COUNT; k++) {
    loam_func *f = loam_func_new_host(s, G.core[k], IMPORTS[k].fn, rt);
    loam_extern ext = {.kind = LOAM_EXTERN_FUNC, .of.func = f};
    if (!f || !loam_linker_define(l, IMPORTS[k].module, IMPORTS[k].name, ext))
      return ex_fail(err, LOAM_ERR_NOMEM, "out of memory"), false;
  }
  return true;
}

void ex_rpc_begin(ex_runtime *rt) {
  if (rt->rpc) rt->rpc->ordinal = 0;
}

void ex_rpc_free(ex_runtime *rt) {
  if (!rt || !rt->rpc) return;
  rpc_futures_free(rt); /* joins their threads first */
  for (size_t i = 0; i < rt->rpc->nobjs; i++) free(rt->rpc->objs[i].uri);
  free(rt->rpc->objs);
  pthread_mutex_destroy(&rt->rpc->mu);
  pthread_cond_destroy(&rt->rpc->cv);
  free(rt->rpc);
  rt->rpc = NULL;
}
