/*
 * executor/run.c — running a worker's queue on the thread that owns it: one
 * invocation at a time, each written to the oplog (start, host calls, end)
 * and acknowledged when its end entry is durable; traps retried by the
 * worker's retry policy, interrupts, proc_exit, and the snapshot policy.
 */
#include "executor/executor_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

loam_status ex_call(struct loam_executor *ex, ex_runtime *rt, const ex_export *fn,
                    loam_value *const *params, loam_value **results, bool limits,
                    loam_error *err) {
  loam_store_set_fuel(rt->store, limits && ex->opt.fuel >= 0 ? ex->opt.fuel : -1);
  uint64_t deadline = 0;
  if (limits && ex->opt.timeout_ms)
    deadline = ex_now_ns() + (uint64_t)ex->opt.timeout_ms * 1000000ull;
  loam_store_set_deadline(rt->store, deadline);
  err->code = LOAM_OK;
  err->message[0] = err->backtrace[0] = '\0';
  return loam_abi_call(&rt->guest, fn->core_name, &fn->sig, params, results, err);
}

void ex_inv_unref(struct loam_executor *ex, ex_invocation *inv) {
  (void)ex;
  if (--inv->refs > 0) return;
  for (size_t i = 0; i < inv->nchain; i++) free(inv->chain[i]);
  free(inv->chain);
  loam_buf_free(&inv->params_bin);
  if (inv->fn) ex_free_values(inv->params, inv->fn->sig.nparams);
  if (inv->fn) ex_free_values(inv->results, inv->nresults);
  for (size_t i = 0; i < inv->nreplay; i++) loam_oplog_entry_free(&inv->replay[i]);
  free(inv->replay);
  free(inv->result_bin);
  pthread_cond_destroy(&inv->cv);
  free(inv);
}

/* Marks inv acknowledged (ok) or failed by the store; [mu] not held. */
static void acknowledge(struct loam_executor *ex, ex_invocation *inv, bool ok) {
  pthread_mutex_lock(&ex->mu);
  if (!ok && inv->status == LOAM_OK) {
    inv->status = LOAM_ERR_LIMIT;
    snprintf(inv->err.message, sizeof inv->err.message,
             "the store failed before the result was durable");
    inv->err.code = LOAM_ERR_LIMIT;
  }
  inv->acked = true;
  inv->state = EX_INV_FINISHED;
  ex_inflight_remove(inv->w, inv);
  pthread_cond_broadcast(&inv->cv);
  ex_inv_unref(ex, inv);
  pthread_mutex_unlock(&ex->mu);
}

typedef struct ack_ctx { struct loam_executor *ex; ex_invocation *inv; } ack_ctx;

static void ack_cb(void *ud, bool ok) {
  ack_ctx *a = ud;
  acknowledge(a->ex, a->inv, ok);
  free(a);
}

void ex_inv_finish(struct loam_executor *ex, ex_invocation *inv, loam_ds_ticket t) {
  if (t) { /* RPC callers go on now (see await in executor.c) */
    pthread_mutex_lock(&ex->mu);
    inv->finished = true;
    pthread_cond_broadcast(&inv->cv);
    pthread_mutex_unlock(&ex->mu);
  }
  ack_ctx *a = t ? malloc(sizeof *a) : NULL;
  if (!a) {
    acknowledge(ex, inv, t != 0);
    return;
  }
  *a = (ack_ctx){ex, inv};
  if (!loam_ds_on_durable(ex->ds, t, ack_cb, a)) {
    free(a);
    acknowledge(ex, inv, false);
  }
}

/* ---- one invocation ------------------------------------------------------------ */

static loam_ds_ticket append_start(struct loam_executor *ex, ex_worker *w,
                                   ex_invocation *inv, loam_error *err) {
  loam_oplog_entry e = {.kind = LOAM_OPLOG_INVOKE_START};
  e.u.invoke.function = (char *)inv->fn->name;
  e.u.invoke.key = inv->key;
  e.u.invoke.params = (loam_oplog_bytes){inv->params_bin.data, inv->params_bin.len};
  /* No PENDING key row here: recovery finds a started invocation in the
   * oplog before anything runs, and a retried key meets it in flight. */
  return ex_append(ex, w, w->rt, &e, NULL, err);
}

void ex_write_start(ex_runtime *rt) {
  ex_invocation *inv = rt->start_pending;
  if (!inv) return;
  rt->start_pending = NULL;
  loam_error err;
  append_start(rt->ex, rt->w, inv, &err);
}

/* Writes the end entry and the key's final state; returns the ticket. */
static loam_ds_ticket append_end(struct loam_executor *ex, ex_worker *w, ex_runtime *rt,
                                 ex_invocation *inv, bool ok, const char *msg) {
  loam_oplog_entry e = {.kind = LOAM_OPLOG_INVOKE_END};
  e.u.end.key = inv->key;
  e.u.end.ok = ok;
  e.u.end.result = (loam_oplog_bytes){inv->result_bin, inv->result_len};
  e.u.end.error = (char *)msg;
  uint64_t idx = 0;
  loam_error err;
  loam_ds_ticket t = ex_append(ex, w, rt, &e, &idx, &err);
  if (!t || inv->unkeyed) return t;
  if (ok)
    return loam_ds_key_put(ex->ds, w->id, inv->key, idx, LOAM_DS_KEY_DONE, inv->result_bin,
                           inv->result_len, &err);
  return loam_ds_key_put(ex->ds, w->id, inv->key, idx, LOAM_DS_KEY_FAILED,
                         (const uint8_t *)msg, strlen(msg), &err);
}

/* Frees the runtime after a trap: its memory may be half-way through an
 * invocation. */
static void discard(struct loam_executor *ex, ex_worker *w) {
  ex_runtime_free(w->rt);
  w->rt = NULL;
  pthread_mutex_lock(&ex->mu);
  ex_lru_remove(ex, w);
  pthread_mutex_unlock(&ex->mu);
}

/* Delay before retry k (1-based) by policy p, jittered. */
static uint64_t retry_delay_ms(const loam_retry_policy *p, uint32_t k) {
  double d = p->min_delay_ms;
  for (uint32_t i = 1; i < k && d < p->max_delay_ms; i++) d *= p->multiplier;
  if (d > p->max_delay_ms) d = p->max_delay_ms;
  unsigned seed = (unsigned)ex_now_ns();
  double j = ((double)rand_r(&seed) / RAND_MAX * 2 - 1) * p->jitter;
  d *= 1 + j;
  return d < 0 ? 0 : (uint64_t)d;
}

static void sleep_ms(uint64_t ms) {
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {}
}

/* Ends inv with an error outcome (after its END entry was queued as t). */
static void finish_error(struct loam_executor *ex, ex_invocation *inv, loam_status st,
                         const loam_error *err, loam_ds_ticket t) {
  inv->status = st;
  inv->err = *err;
  inv->err.code = st;
  ex_inv_finish(ex, inv, t);
}

/* Success: record the result and hand the acknowledgement to the committer. */
static void finish_ok(struct loam_executor *ex, ex_worker *w, ex_invocation *inv,
                      loam_value **results) {
  ex_runtime *rt = w->rt;
  loam_buf b = {0};
  uint32_t n = inv->fn->sig.nresults;
  ex_encode_values(results, n, &b);
  inv->result_bin = b.data;
  inv->result_len = b.len;
  inv->results = calloc(n ? n : 1, sizeof *inv->results);
  for (uint32_t i = 0; i < n; i++) {
    if (inv->results) inv->results[i] = results[i];
    else loam_value_free(results[i]);
  }
  inv->nresults = inv->results ? n : 0;
  inv->status = LOAM_OK;
  loam_fault_point("mid-invocation");
  ex_write_start(rt);
  loam_ds_ticket t = append_end(ex, w, rt, inv, true, NULL);
  rt->since_snapshot++;
  pthread_mutex_lock(&ex->mu);
  w->completed++;
  ex->stats.invocations++;
  pthread_mutex_unlock(&ex->mu);
  ex_inv_finish(ex, inv, t);
  const loam_executor_options *o = &ex->opt;
  loam_error err;
  if ((o->snapshot_every_invocations && rt->since_snapshot >= o->snapshot_every_invocations) ||
      (o->snapshot_every_bytes && rt->bytes_since_snapshot >= o->snapshot_every_bytes))
    ex_snapshot(ex, w, &err);
}

/* Loads w if needed; false (worker Failed) when that fails. */
static bool ensure_loaded(struct loam_executor *ex, ex_worker *w, loam_error *err) {
  if (w->rt) return true;
  ex_make_room(ex, w);
  return ex_runtime_load(ex, w, err);
}

/* The trap message with the guest stack, for last_error. */
static void trap_text(const loam_error *err, char *buf, size_t cap) {
  /* cut short when it does not fit: the message comes first */
  if (snprintf(buf, cap, "%s%s%s", err->message, err->backtrace[0] ? "\n" : "",
               err->backtrace) >= (int)cap)
    buf[cap - 1] = '\0';
}

/* Marks w Failed (or Exited) with `why`. [mu] not held. */
static void fail_worker(struct loam_executor *ex, ex_worker *w, int status, const char *why) {
  pthread_mutex_lock(&ex->mu);
  ex_set_status(ex, w, status, why);
  pthread_mutex_unlock(&ex->mu);
}

static void run_one(struct loam_executor *ex, ex_worker *w, ex_invocation *inv) {
  loam_error err;
  pthread_mutex_lock(&ex->mu);
  loam_retry_policy retry = w->retry; /* loam_worker_set_retry may change it */
  pthread_mutex_unlock(&ex->mu);
  /* only the first attempt of its first run: a retry, or a run after an
   * interrupt, may repeat calls an earlier attempt made */
  bool fresh = inv->fresh;
  inv->fresh = false;
  for (uint32_t attempt = 1;; attempt++) {
    if (!ensure_loaded(ex, w, &err)) {
      char why[1024];
      snprintf(why, sizeof why, "recovery failed: %s", err.message);
      fail_worker(ex, w, LOAM_WS_FAILED, why);
      finish_error(ex, inv, LOAM_ERR_INVALID, &err, 0);
      return;
    }
    ex_runtime *rt = w->rt;
    pthread_mutex_lock(&ex->mu);
    w->running_store = rt->store;
    pthread_mutex_unlock(&ex->mu);
    /* A crashed earlier attempt's START and host calls are in the oplog: this
     * run continues it (a new START would make recovery forget them). */
    rt->start_pending = inv->nreplay ? NULL : inv;
    rt->replay = inv->replay;
    rt->nreplay = inv->nreplay;
    rt->replay_pos = 0;
    rt->replaying = inv->nreplay > 0;
    rt->strict = false;
    rt->recording = true;
    rt->fresh_calls = fresh && attempt == 1 && !inv->nreplay;
    rt->current = inv;
    ex_rpc_begin(rt);
    loam_value *results[EX_MAX_SIG] = {0};
    loam_status st = ex_call(ex, rt, inv->fn, inv->params, results, true, &err);
    if (st != LOAM_OK) ex_write_start(rt); /* ERROR/INTERRUPTED/END follow a START */
    rt->current = NULL;
    rt->fresh_calls = false;
    pthread_mutex_lock(&ex->mu);
    bool closing = st != LOAM_OK && ex->closing;
    pthread_mutex_unlock(&ex->mu);
    if (closing) {
      /* e.g. a worker-to-worker call the executor stopped waiting for: no
       * ERROR, no END; the invocation stays owed and its oplog so far is
       * continued by recovery after the next open, as after a crash */
      rt->replaying = rt->recording = false;
      rt->replay = NULL;
      rt->nreplay = 0;
      discard(ex, w);
      pthread_mutex_lock(&ex->mu);
      w->running_store = NULL;
      inv->state = EX_INV_QUEUED;
      pthread_cond_broadcast(&inv->cv);
      pthread_mutex_unlock(&ex->mu);
      return;
    }
    rt->replaying = rt->recording = false;
    rt->replay = NULL;
    rt->nreplay = 0;
    for (size_t i = 0; i < inv->nreplay; i++) loam_oplog_entry_free(&inv->replay[i]);
    free(inv->replay);
    inv->replay = NULL;
    inv->nreplay = 0;
    pthread_mutex_lock(&ex->mu);
    w->running_store = NULL;
    bool interrupted = w->interrupt_req && st == LOAM_TRAP_INTERRUPTED;
    if (interrupted) w->interrupt_req = false;
    pthread_mutex_unlock(&ex->mu);
    if (st == LOAM_OK) return finish_ok(ex, w, inv, results);
    if (interrupted) {
      loam_oplog_entry e = {.kind = LOAM_OPLOG_INTERRUPTED};
      e.u.interrupt.reason = "interrupted";
      ex_append(ex, w, rt, &e, NULL, &err);
      discard(ex, w);
      pthread_mutex_lock(&ex->mu);
      inv->state = EX_INV_QUEUED;
      inv->interrupts++;
      pthread_cond_broadcast(&inv->cv);
      ex_set_status(ex, w, LOAM_WS_INTERRUPTED, NULL);
      pthread_mutex_unlock(&ex->mu);
      return;
    }
    char why[1100];
    trap_text(&err, why, sizeof why);
    if (st == LOAM_TRAP_EXIT) {
      snprintf(why, sizeof why, "the worker exited with code %d", err.exit_code);
      loam_ds_ticket t = append_end(ex, w, rt, inv, false, why);
      discard(ex, w);
      fail_worker(ex, w, LOAM_WS_EXITED, why);
      return finish_error(ex, inv, st, &err, t);
    }
    loam_oplog_entry e = {.kind = LOAM_OPLOG_ERROR};
    e.u.error.message = err.message;
    e.u.error.stack = err.backtrace;
    e.u.error.attempt = attempt;
    ex_append(ex, w, rt, &e, NULL, &err);
    discard(ex, w);
    if (attempt >= retry.max_attempts) {
      loam_ds_ticket t = append_end(ex, w, NULL, inv, false, why);
      fail_worker(ex, w, LOAM_WS_FAILED, why);
      return finish_error(ex, inv, st, &err, t);
    }
    pthread_mutex_lock(&ex->mu);
    ex_set_status(ex, w, LOAM_WS_RETRYING, why);
    pthread_mutex_unlock(&ex->mu);
    sleep_ms(retry_delay_ms(&retry, attempt));
    pthread_mutex_lock(&ex->mu);
    if (w->status == LOAM_WS_RETRYING) w->status = LOAM_WS_RUNNING;
    pthread_mutex_unlock(&ex->mu);
  }
}

/* Refuses everything queued on a Failed/Exited worker. [mu] held. */
static void refuse_queue(struct loam_executor *ex, ex_worker *w) {
  while (w->qhead) {
    ex_invocation *inv = w->qhead;
    w->qhead = inv->next;
    w->pending--;
    inv->status = LOAM_ERR_INVALID;
    inv->err.code = LOAM_ERR_INVALID;
    snprintf(inv->err.message, sizeof inv->err.message, "worker %s is %s: %.400s", w->name,
             loam_wstatus_name((loam_wstatus)w->status), w->last_error);
    inv->acked = true;
    inv->state = EX_INV_FINISHED;
    ex_inflight_remove(w, inv);
    pthread_cond_broadcast(&inv->cv);
    ex_inv_unref(ex, inv); /* the queue's reference */
    ex_inv_unref(ex, inv); /* the in-flight reference */
  }
  w->qtail = NULL;
}

/* Placeholders whose keys the store calls pending but recovery did not find. */
static void fail_orphans(struct loam_executor *ex, ex_worker *w) {
  for (ex_invocation *i = w->inflight, *next; i; i = next) {
    next = i->inext;
    if (i->state != EX_INV_ORPHAN) continue;
    i->status = LOAM_ERR_NOT_FOUND;
    i->err.code = LOAM_ERR_NOT_FOUND;
    snprintf(i->err.message, sizeof i->err.message,
             "invocation %s is pending in the store but missing from the oplog", i->key);
    i->acked = true;
    i->state = EX_INV_FINISHED;
    ex_inflight_remove(w, i);
    pthread_cond_broadcast(&i->cv);
    ex_inv_unref(ex, i);
  }
}

void ex_run_queue(struct loam_executor *ex, ex_worker *w) {
  loam_error err;
  pthread_mutex_lock(&ex->mu);
  bool runnable = w->status != LOAM_WS_INTERRUPTED && w->status != LOAM_WS_FAILED &&
                  w->status != LOAM_WS_EXITED;
  bool load = w->force_load || (w->qhead && runnable);
  w->force_load = false;
  pthread_mutex_unlock(&ex->mu);
  if (load && !w->rt && !ensure_loaded(ex, w, &err)) {
    char why[1024];
    snprintf(why, sizeof why, "recovery failed: %s", err.message);
    fail_worker(ex, w, LOAM_WS_FAILED, why);
  }
  pthread_mutex_lock(&ex->mu);
  fail_orphans(ex, w);
  for (int n = 0; n < 32; n++) {
    if (w->status == LOAM_WS_FAILED || w->status == LOAM_WS_EXITED) refuse_queue(ex, w);
    if (w->deleted || !w->qhead || w->status == LOAM_WS_INTERRUPTED || ex->closing) break;
    /* the previous one's entries commit while this one runs (they were
     * held if an awaiting caller runs the queue: see run_inline) */
    if (n > 0) loam_ds_kick(ex->ds);
    ex_invocation *inv = w->qhead;
    inv->state = EX_INV_RUNNING;
    if (w->status != LOAM_WS_RETRYING) w->status = LOAM_WS_RUNNING;
    pthread_mutex_unlock(&ex->mu);
    run_one(ex, w, inv);
    pthread_mutex_lock(&ex->mu);
    if (inv->state != EX_INV_QUEUED) { /* not interrupted: leaves the queue */
      w->qhead = inv->next;
      if (!w->qhead) w->qtail = NULL;
      w->pending--;
      ex_inv_unref(ex, inv);
    }
  }
  if (w->status == LOAM_WS_RUNNING && !w->qhead) ex_set_status(ex, w, LOAM_WS_IDLE, NULL);
  if (w->status == LOAM_WS_INTERRUPTED && w->interrupt_req) {
    /* An interrupt that arrived after the invocation ended is still pending
     * in the store: drop the runtime rather than trap the next call. */
    w->interrupt_req = false;
    pthread_mutex_unlock(&ex->mu);
    if (w->rt) discard(ex, w);
    pthread_mutex_lock(&ex->mu);
  }
  w->last_used_ns = ex_now_ns();
  if (w->rt) ex_lru_touch(ex, w);
  pthread_mutex_unlock(&ex->mu);
}
