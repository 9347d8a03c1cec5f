/*
 * executor/rpc_future.c — async-invoke-and-await: a call made on a thread
 * of its own while the guest goes on, its future-invoke-result (get,
 * subscribe), and wasi:io/poll's pollable (ready, block) and poll.
 *
 * Durability: the RPC_CALL is appended when the call starts, the RPC_RESULT
 * when the guest first gets the result. What the guest observes of the
 * race between it and the call thread (get returning none, ready, which
 * pollables poll returns) is recorded as HOST_CALL entries and answered in
 * order on replay, where no thread runs: a replayed future is either known
 * (its RPC_RESULT is ahead in the recorded sequence) or, when continuing a
 * crashed attempt without one, sent again with its recorded key.
 */
#include "executor/rpc_int.h"

#include "durable/fault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rpc_future {
  rpc_call call;
  struct ex_rpc_state *st;
  pthread_t th;
  bool has_thread;
  uint32_t users;          /* the future object and its pollables */
  bool done;               /* [st->mu] outcome is set (or recorded ahead) */
  bool closing;            /* [st->mu] the executor closed before an answer */
  /* Sent again when continuing a crashed attempt: what the guest observed
   * of it before the crash (ready, poll) may have been "done", so live get
   * and ready wait for it rather than answer "not yet" (which a guest
   * trusting that observation would not expect). */
  bool resent;
  loam_value *outcome;     /* [st->mu] result<wit-value, rpc-error> */
};

static const char GET_NAME[] = "golem:rpc/future-invoke-result.get";
static const char READY_NAME[] = "wasi:io/poll/pollable.ready";
static const char POLL_NAME[] = "wasi:io/poll.poll";

static bool is_ready(const rpc_future *f);

static void *future_main(void *arg) {
  rpc_future *f = arg;
  bool closing = false;
  loam_value *outcome = rpc_perform(&f->call, &closing);
  if (closing) {
    pthread_mutex_lock(&f->st->mu);
    f->closing = true;
    pthread_cond_broadcast(&f->st->cv);
    pthread_mutex_unlock(&f->st->mu);
    return NULL;
  }
  if (!outcome) {
    const rpc_types *T = rpc_types_get(NULL);
    outcome = rpc_error_value(T->await_result, RPC_REMOTE_INTERNAL_ERROR, "out of memory");
  }
  loam_fault_point("rpc-after-send");
  pthread_mutex_lock(&f->st->mu);
  f->outcome = outcome;
  f->done = true;
  pthread_cond_broadcast(&f->st->cv);
  pthread_mutex_unlock(&f->st->mu);
  return NULL;
}

static void future_free(rpc_future *f) {
  if (f->has_thread) pthread_join(f->th, NULL);
  loam_value_free(f->outcome);
  rpc_call_clear(&f->call);
  free(f);
}

/* Frees the futures nobody holds whose threads are done. */
static void reap(struct ex_rpc_state *st) {
  size_t k = 0;
  for (size_t i = 0; i < st->nfuts; i++) {
    rpc_future *f = st->futs[i];
    pthread_mutex_lock(&st->mu);
    bool gone = f->users == 0 && (f->done || !f->has_thread);
    pthread_mutex_unlock(&st->mu);
    if (gone) future_free(f);
    else st->futs[k++] = f;
  }
  st->nfuts = k;
}

static bool start_thread(rpc_future *f) {
  pthread_attr_t a;
  pthread_attr_init(&a);
  pthread_attr_setstacksize(&a, 8u << 20); /* guests nest on it (run_inline) */
  f->has_thread = pthread_create(&f->th, &a, future_main, f) == 0;
  pthread_attr_destroy(&a);
  return f->has_thread;
}

loam_status rpc_async_invoke(ex_runtime *rt, loam_caller *cl, rpc_obj *o, const char *fn,
                             const loam_value *params, uint32_t *handle_out) {
  struct ex_rpc_state *st = rt->rpc;
  const rpc_types *T = rpc_types_get(NULL);
  reap(st);
  if (st->nfuts == st->capfuts) {
    size_t cap = st->capfuts ? st->capfuts * 2 : 8;
    rpc_future **v = realloc(st->futs, cap * sizeof *v);
    if (!v) return rpc_oom(cl);
    st->futs = v;
    st->capfuts = cap;
  }
  char key[72];
  rpc_next_key(rt, key);
  rpc_future *f = calloc(1, sizeof *f);
  if (!f) return rpc_oom(cl);
  f->st = st;
  if (!rpc_call_init(&f->call, rt, key, o->uri, fn, params, RPC_ASYNC)) return free(f), rpc_oom(cl);
  bool live = true, record_call = true;
  loam_oplog_entry *e = rpc_next_recorded(rt);
  if (e) {
    if (e->kind != LOAM_OPLOG_RPC_CALL || strcmp(e->u.rpc.key, key)) {
      future_free(f);
      return rpc_diverged(cl, "an async call", e);
    }
    rt->replay_pos++;
    record_call = false;
    for (size_t i = rt->replay_pos; i < rt->nreplay; i++)
      if (rt->replay[i].kind == LOAM_OPLOG_RPC_RESULT && !strcmp(rt->replay[i].u.rpc.key, key))
        f->done = true; /* delivered when the guest's get reaches it */
    /* not known: a completed invocation never got its result (nothing to
     * send); a crashed attempt sends it again with its key */
    live = !f->done && !rpc_strict(rt);
  } else if (rpc_strict(rt)) {
    future_free(f);
    return rpc_diverged(cl, "an async call", NULL);
  }
  if (live) {
    f->resent = !record_call;
    if (record_call) rpc_record_call(rt, &f->call);
    loam_fault_point("rpc-before-send");
    if (!start_thread(f)) {
      f->outcome = rpc_error_value(T->await_result, RPC_REMOTE_INTERNAL_ERROR,
                                   "cannot start a thread for the call");
      f->done = true;
    }
  }
  uint32_t rep = rpc_obj_new(rt, OBJ_FUTURE);
  loam_error err;
  if (!rep || !loam_handles_new_own(rt->handles, T->future, rep, handle_out, &err)) {
    if (rep) rt->rpc->objs[rep - 1].kind = OBJ_FREE;
    future_free(f);
    return rpc_oom(cl);
  }
  rt->rpc->objs[rep - 1].fut = f;
  f->users = 1;
  st->futs[st->nfuts++] = f;
  return LOAM_OK;
}

loam_status rpc_future_subscribe(ex_runtime *rt, loam_caller *cl, rpc_obj *o,
                                 uint32_t *handle_out) {
  const rpc_types *T = rpc_types_get(NULL);
  rpc_future *f = o->fut; /* o may move when objs grows */
  uint32_t rep = rpc_obj_new(rt, OBJ_POLLABLE);
  loam_error err;
  if (!rep || !loam_handles_new_own(rt->handles, T->pollable, rep, handle_out, &err)) {
    if (rep) rt->rpc->objs[rep - 1].kind = OBJ_FREE;
    return rpc_oom(cl);
  }
  rt->rpc->objs[rep - 1].fut = f;
  pthread_mutex_lock(&rt->rpc->mu);
  f->users++;
  pthread_mutex_unlock(&rt->rpc->mu);
  return LOAM_OK;
}

void rpc_future_release(ex_runtime *rt, rpc_future *f) {
  pthread_mutex_lock(&rt->rpc->mu);
  if (f->users) f->users--;
  pthread_mutex_unlock(&rt->rpc->mu);
}

loam_status rpc_future_get(ex_runtime *rt, loam_caller *cl, rpc_obj *o, loam_value **out) {
  const rpc_types *T = rpc_types_get(NULL);
  rpc_future *f = o->fut;
  loam_value *outcome = NULL;
  loam_oplog_entry *e = rpc_next_recorded(rt);
  if (e) {
    rt->replay_pos++;
    if (e->kind == LOAM_OPLOG_HOST_CALL && e->u.host.index == RPC_HOST_GET) {
      *out = loam_value_case(T->get_result, 0, NULL);
      return *out ? LOAM_OK : rpc_oom(cl);
    }
    if (e->kind != LOAM_OPLOG_RPC_RESULT || strcmp(e->u.rpc.key, f->call.key))
      return rpc_diverged(cl, "a future's get", e);
    loam_error err;
    if (!(outcome = rpc_recorded_outcome(e, T->await_result, &err)))
      return loam_caller_trap(cl, LOAM_TRAP_HOST, 0, "%s", err.message);
    pthread_mutex_lock(&rt->rpc->mu);
    if (!f->outcome) f->outcome = loam_value_clone(outcome);
    f->done = true;
    pthread_mutex_unlock(&rt->rpc->mu);
  } else if (rpc_strict(rt)) {
    return rpc_diverged(cl, "a future's get", NULL);
  } else {
    pthread_mutex_lock(&rt->rpc->mu);
    while (f->resent && !is_ready(f)) pthread_cond_wait(&rt->rpc->cv, &rt->rpc->mu);
    if (f->done && f->outcome) outcome = loam_value_clone(f->outcome);
    bool closing = f->closing;
    pthread_mutex_unlock(&rt->rpc->mu);
    if (closing) return rpc_closing_trap(cl, f->call.key);
    if (!outcome) {
      rpc_record_host(rt, RPC_HOST_GET, GET_NAME, (const uint8_t *)f->call.key,
                      strlen(f->call.key));
      *out = loam_value_case(T->get_result, 0, NULL);
      return *out ? LOAM_OK : rpc_oom(cl);
    }
    rpc_record_result(rt, f->call.key, f->call.uri, f->call.function, outcome);
    loam_fault_point("rpc-after-result");
  }
  *out = loam_value_case(T->get_result, 1, outcome);
  return *out ? LOAM_OK : rpc_oom(cl);
}

/* Ready now: done, or nothing will ever finish it (a replayed future whose
 * completed invocation never got the result: saying ready beats hanging). */
static bool is_ready(const rpc_future *f) { return f->done || f->closing || !f->has_thread; }

loam_status rpc_pollable_ready(ex_runtime *rt, loam_caller *cl, rpc_obj *o, bool *out) {
  loam_oplog_entry *e = rpc_next_recorded(rt);
  if (e) {
    rt->replay_pos++;
    if (e->kind != LOAM_OPLOG_HOST_CALL || e->u.host.index != RPC_HOST_READY ||
        e->u.host.result.len != 1)
      return rpc_diverged(cl, "a pollable's ready", e);
    *out = e->u.host.result.data[0] != 0;
    return LOAM_OK;
  }
  if (rpc_strict(rt)) return rpc_diverged(cl, "a pollable's ready", NULL);
  pthread_mutex_lock(&rt->rpc->mu);
  while (o->fut->resent && !is_ready(o->fut)) pthread_cond_wait(&rt->rpc->cv, &rt->rpc->mu);
  *out = is_ready(o->fut);
  bool closing = o->fut->closing;
  pthread_mutex_unlock(&rt->rpc->mu);
  /* not an observation to record: the call has no answer yet */
  if (closing) return rpc_closing_trap(cl, o->fut->call.key);
  uint8_t b = *out;
  rpc_record_host(rt, RPC_HOST_READY, READY_NAME, &b, 1);
  return LOAM_OK;
}

loam_status rpc_pollable_block(ex_runtime *rt, loam_caller *cl, rpc_obj *o) {
  (void)cl;
  /* Nothing to record: block returns nothing. Replaying, futures have no
   * thread (their outcomes come from the oplog) and it returns at once. */
  rpc_future *f = o->fut;
  pthread_mutex_lock(&rt->rpc->mu);
  while (!is_ready(f)) pthread_cond_wait(&rt->rpc->cv, &rt->rpc->mu);
  bool closing = f->closing;
  pthread_mutex_unlock(&rt->rpc->mu);
  return closing ? rpc_closing_trap(cl, f->call.key) : LOAM_OK;
}

static uint32_t get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

loam_status rpc_poll(ex_runtime *rt, loam_caller *cl, rpc_obj *const *objs, size_t n,
                     uint32_t **ready, size_t *nready) {
  if (n == 0) return loam_caller_trap(cl, LOAM_TRAP_HOST, 0, "poll: the list is empty");
  uint32_t *r = calloc(n, sizeof *r);
  if (!r) return rpc_oom(cl);
  size_t k = 0;
  loam_oplog_entry *e = rpc_next_recorded(rt);
  if (e) {
    rt->replay_pos++;
    const uint8_t *p = e->u.host.result.data;
    size_t len = e->u.host.result.len;
    if (e->kind != LOAM_OPLOG_HOST_CALL || e->u.host.index != RPC_HOST_POLL || len % 4 ||
        len / 4 > n)
      return free(r), rpc_diverged(cl, "a poll", e);
    for (k = 0; k < len / 4; k++)
      if ((r[k] = get_u32(p + 4 * k)) >= n)
        return free(r), rpc_diverged(cl, "a poll", e);
  } else if (rpc_strict(rt)) {
    return free(r), rpc_diverged(cl, "a poll", NULL);
  } else {
    const char *closing = NULL;
    pthread_mutex_lock(&rt->rpc->mu);
    for (;;) {
      for (size_t i = 0; i < n; i++) {
        if (is_ready(objs[i]->fut)) r[k++] = (uint32_t)i;
        if (objs[i]->fut->closing) closing = objs[i]->fut->call.key;
      }
      if (k) break;
      pthread_cond_wait(&rt->rpc->cv, &rt->rpc->mu);
    }
    pthread_mutex_unlock(&rt->rpc->mu);
    if (closing) return free(r), rpc_closing_trap(cl, closing);
    uint8_t *b = malloc(4 * k);
    if (!b) return free(r), rpc_oom(cl);
    for (size_t i = 0; i < k; i++)
      for (int j = 0; j < 4; j++) b[4 * i + j] = (uint8_t)(r[i] >> (8 * j));
    rpc_record_host(rt, RPC_HOST_POLL, POLL_NAME, b, 4 * k);
    free(b);
  }
  *ready = r;
  *nready = k;
  return LOAM_OK;
}

void rpc_futures_free(ex_runtime *rt) {
  struct ex_rpc_state *st = rt->rpc;
  for (size_t i = 0; i < st->nfuts; i++) future_free(st->futs[i]);
  free(st->futs);
  st->futs = NULL;
  st->nfuts = st->capfuts = 0;
}
