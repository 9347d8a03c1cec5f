/* store.c — the store's lifecycle and group commit: writers queue ops and get
 * tickets; a commit round takes everything queued (up to max_batch) and
 * commits it in one durable transaction, then wakes the waiters. One round
 * runs at a time, on the committer thread or on a thread that would
 * otherwise sleep until its own writes were committed (loam_ds_wait,
 * loam_ds_release). Batches form by themselves: while one commit (and its
 * fsync) runs, the next batch accumulates, so the more writers there are
 * the bigger the batches. */
#include "durable/store_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasm/module.h"

int64_t ds_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void op_free(ds_op *op) {
  free(op->data);
  free(op->text);
}

/* ---- the committer --------------------------------------------------------- */

/* Moves up to max_batch ops from the queue into *batch (whose storage is
 * swapped with the queue's when it takes everything). Called with mu held. */
static size_t take_batch(loam_ds *ds, ds_op **batch, size_t *bcap) {
  size_t k = ds->qlen < ds->opt.max_batch ? ds->qlen : ds->opt.max_batch;
  if (k == ds->qlen) {
    ds_op *t = *batch;
    size_t tcap = *bcap;
    *batch = ds->q;
    *bcap = ds->qcap;
    ds->q = t;
    ds->qcap = tcap;
    ds->qlen = 0;
    return k;
  }
  if (*bcap < k) {
    ds_op *nb = realloc(*batch, k * sizeof *nb);
    if (!nb) return 0;   /* retry on the next round */
    *batch = nb;
    *bcap = k;
  }
  memcpy(*batch, ds->q, k * sizeof **batch);
  memmove(ds->q, ds->q + k, (ds->qlen - k) * sizeof *ds->q);
  ds->qlen -= k;
  return k;
}

/* Runs the callbacks that are settled (all of them once the store failed). */
static void run_callbacks(loam_ds *ds) {
  ds_callback *ready = NULL;
  size_t n = 0;
  pthread_mutex_lock(&ds->mu);
  size_t keep = 0;
  for (size_t i = 0; i < ds->ncbs; i++) {
    ds_callback c = ds->cbs[i];
    if (c.ticket <= ds->durable || ds->failed) {
      ds_callback *r = realloc(ready, (n + 1) * sizeof *r);
      if (!r) { ds->cbs[keep++] = c; continue; }
      ready = r;
      ready[n++] = c;
    } else {
      ds->cbs[keep++] = c;
    }
  }
  ds->ncbs = keep;
  bool failed = ds->failed;
  loam_ds_ticket durable = ds->durable;
  pthread_mutex_unlock(&ds->mu);
  for (size_t i = 0; i < n; i++) ready[i].fn(ready[i].ud, ready[i].ticket <= durable || !failed);
  free(ready);
}

static void record_batch(loam_ds *ds, const ds_op *ops, size_t k, uint64_t ns) {
  ds->stats.batches++;
  ds->stats.ops += k;
  ds->stats.commit_ns += ns;
  if (k > ds->stats.max_batch) ds->stats.max_batch = k;
  for (size_t i = 0; i < k; i++) {
    if (ops[i].type != DS_OP_APPEND) continue;
    ds->stats.appends++;
    ds->stats.append_bytes += ops[i].len;
  }
}

/* Wakes the committer thread for what is queued, unless a round runs (it
 * does this when it ends) or the thread was woken already. mu held. */
static void wake_committer(loam_ds *ds) {
  if (ds->committing || ds->kicked) return;
  ds->kicked = true;
  pthread_cond_signal(&ds->work);
}

/* One commit round: takes what is queued (up to max_batch), commits it in one
 * transaction, then runs the callbacks it settled. Only one round runs at a
 * time (`committing`), so batches commit in ticket order whichever thread
 * runs them: the committer thread, or a thread that needs the result and
 * would otherwise sleep until the committer thread woke (see loam_ds_wait,
 * loam_ds_hold). Called with mu held and nothing queued-and-taken; returns
 * with mu held. */
static void commit_round(loam_ds *ds) {
  ds->committing = true;
  size_t k = take_batch(ds, &ds->batch, &ds->bcap);
  ds_op *batch = ds->batch;
  bool failed = ds->failed;
  pthread_mutex_unlock(&ds->mu);

  loam_error err = {0};
  uint64_t t0 = mono_ns();
  bool ok = !failed && k && ds->be->ops->commit_batch(ds->be, batch, k, &err);
  uint64_t ns = mono_ns() - t0;

  pthread_mutex_lock(&ds->mu);
  if (ok) {
    ds->durable += k;
    record_batch(ds, batch, k, ns);
  } else if (k && !ds->failed) {
    ds->failed = true;
    ds->fail_err = err;
  }
  for (size_t i = 0; i < k; i++) op_free(&batch[i]);
  ds->committing = false;
  pthread_cond_broadcast(&ds->done);
  pthread_mutex_unlock(&ds->mu);
  run_callbacks(ds);
  pthread_mutex_lock(&ds->mu);
  /* what was queued meanwhile without waking anyone (a commit was running) */
  if (ds->qlen || ds->stop) wake_committer(ds);
}

static void *committer_main(void *arg) {
  loam_ds *ds = arg;
  pthread_mutex_lock(&ds->mu);
  for (;;) {
    /* Waits while there is nothing to take, or a round runs on another
     * thread (that thread signals when it ends with more queued). A signal
     * sent while this thread was not waiting is gone: clear `kicked` before
     * every wait, or the next queued write would not signal again. */
    while ((ds->qlen == 0 || ds->committing) && !(ds->stop && !ds->committing)) {
      ds->kicked = false;
      pthread_cond_wait(&ds->work, &ds->mu);
    }
    ds->kicked = false;
    if (ds->qlen == 0 && ds->stop) break;
    if (ds->qlen) commit_round(ds);
  }
  pthread_mutex_unlock(&ds->mu);
  return NULL;
}

/* ---- open / close ------------------------------------------------------------ */

loam_ds *loam_ds_open(const char *dir, const loam_ds_options *opt,
                      loam_error *err) {
  loam_ds *ds = calloc(1, sizeof *ds);
  if (!ds) {
    wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
    return NULL;
  }
  if (opt) ds->opt = *opt;
  if (!ds->opt.max_batch) ds->opt.max_batch = 8192;
  if (!ds->opt.read_connections) ds->opt.read_connections = 4;
  if (!ds->opt.hash_cache_bytes) ds->opt.hash_cache_bytes = 16u << 20;
  pthread_mutex_init(&ds->mu, NULL);
  pthread_mutex_init(&ds->snap_mu, NULL);
  pthread_cond_init(&ds->work, NULL);
  pthread_cond_init(&ds->done, NULL);
  ds->be = ds_sqlite_open(dir, &ds->opt, err);
  if (!ds->be) {
    loam_ds_close(ds);
    return NULL;
  }
  if (pthread_create(&ds->committer, NULL, committer_main, ds) != 0) {
    wasm_fail(err, LOAM_ERR_LIMIT, "cannot start the commit thread");
    loam_ds_close(ds);
    return NULL;
  }
  ds->committer_started = true;
  return ds;
}

void loam_ds_close(loam_ds *ds) {
  if (!ds) return;
  if (ds->committer_started) {
    pthread_mutex_lock(&ds->mu);
    ds->stop = true;
    ds->kicked = true;
    pthread_cond_signal(&ds->work);
    pthread_mutex_unlock(&ds->mu);
    pthread_join(ds->committer, NULL);
  }
  run_callbacks(ds);   /* anything left is settled by now */
  if (ds->be) ds->be->ops->close(ds->be);
  for (size_t i = 0; i < ds->qlen; i++) op_free(&ds->q[i]);
  free(ds->q);
  free(ds->batch);
  free(ds->cbs);
  ds_map_free(&ds->next_index);
  ds_snap_free_all(ds);
  pthread_mutex_destroy(&ds->mu);
  pthread_mutex_destroy(&ds->snap_mu);
  pthread_cond_destroy(&ds->work);
  pthread_cond_destroy(&ds->done);
  free(ds);
}

/* ---- queueing ------------------------------------------------------------------ */

/* The store this thread holds (see loam_ds_hold) and how deeply. One slot:
 * a thread holds one store at a time. */
static _Thread_local loam_ds *held_store;
static _Thread_local unsigned held_depth;

static bool held_here(const loam_ds *ds) { return held_store == ds && held_depth > 0; }

void loam_ds_hold(loam_ds *ds) {
  if (held_depth == 0) held_store = ds;
  if (held_store == ds) held_depth++;
}

void loam_ds_kick(loam_ds *ds) {
  pthread_mutex_lock(&ds->mu);
  if (ds->qlen) wake_committer(ds);
  pthread_mutex_unlock(&ds->mu);
}

void loam_ds_release(loam_ds *ds) {
  if (held_store != ds || held_depth == 0 || --held_depth > 0) return;
  held_store = NULL;
  pthread_mutex_lock(&ds->mu);
  if (ds->qlen && !ds->committing && !ds->failed) {
    commit_round(ds);
  } else if (ds->qlen) {
    wake_committer(ds);   /* failed: the committer settles the rest */
  }
  pthread_mutex_unlock(&ds->mu);
}

/* Queues *op (taking ownership of its buffers, even on failure). mu held. */
static loam_ds_ticket enqueue_locked(loam_ds *ds, ds_op *op, loam_error *err) {
  if (ds->failed || ds->stop) {
    op_free(op);
    if (ds->failed) *err = ds->fail_err;
    else wasm_fail(err, LOAM_ERR_ARGUMENT, "the store is closing");
    return 0;
  }
  if (ds->qlen == ds->qcap) {
    size_t cap = ds->qcap ? ds->qcap * 2 : 256;
    ds_op *q = realloc(ds->q, cap * sizeof *q);
    if (!q) {
      op_free(op);
      wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
      return 0;
    }
    ds->q = q;
    ds->qcap = cap;
  }
  ds->q[ds->qlen++] = *op;
  if (!held_here(ds)) wake_committer(ds);
  return ++ds->issued;
}

static uint8_t *dup_bytes(const uint8_t *p, size_t n, bool *ok) {
  *ok = true;
  if (n == 0) return NULL;
  uint8_t *d = malloc(n);
  if (!d) *ok = false;
  else memcpy(d, p, n);
  return d;
}

/* The next index for `worker`, loading the committed length on first use.
 * mu held. */
static bool next_index_locked(loam_ds *ds, int64_t worker, uint64_t *idx,
                              loam_error *err) {
  uint64_t *v = ds_map_get(&ds->next_index, worker);
  if (v) {
    *idx = (*v)++;
    return true;
  }
  uint64_t len = 0;
  if (!ds->be->ops->oplog_length(ds->be, worker, &len, err)) return false;
  if (!ds_map_put(&ds->next_index, worker, len + 2))
    return wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
  *idx = len + 1;
  return true;
}

loam_ds_ticket loam_ds_append(loam_ds *ds, int64_t worker, int kind,
                              const uint8_t *payload, size_t len,
                              uint64_t *index_out, loam_error *err) {
  if (worker <= 0) {
    wasm_fail(err, LOAM_ERR_ARGUMENT, "append: bad worker id %lld", (long long)worker);
    return 0;
  }
  bool ok;
  ds_op op = {.type = DS_OP_APPEND, .worker = worker, .kind = kind,
              .data = dup_bytes(payload, len, &ok), .len = len};
  if (!ok) {
    wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
    return 0;
  }
  pthread_mutex_lock(&ds->mu);
  loam_ds_ticket t = 0;
  if (!ds->failed && !next_index_locked(ds, worker, &op.index, err)) op_free(&op);
  else t = enqueue_locked(ds, &op, err);
  pthread_mutex_unlock(&ds->mu);
  if (t && index_out) *index_out = op.index;
  return t;
}

loam_ds_ticket loam_ds_key_put(loam_ds *ds, int64_t worker, const char *key,
                               uint64_t oplog_index, loam_ds_key_status status,
                               const uint8_t *result, size_t len,
                               loam_error *err) {
  if (!key) {
    wasm_fail(err, LOAM_ERR_ARGUMENT, "key_put: no key");
    return 0;
  }
  bool ok;
  ds_op op = {.type = DS_OP_KEY, .worker = worker, .index = oplog_index,
              .kind = (int)status, .data = dup_bytes(result, len, &ok),
              .len = len, .text = strdup(key)};
  if (!ok || !op.text) {
    op_free(&op);
    wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
    return 0;
  }
  pthread_mutex_lock(&ds->mu);
  loam_ds_ticket t = enqueue_locked(ds, &op, err);
  pthread_mutex_unlock(&ds->mu);
  return t;
}

loam_ds_ticket loam_ds_worker_set_status(loam_ds *ds, int64_t worker,
                                         int status, const char *last_error,
                                         loam_error *err) {
  ds_op op = {.type = DS_OP_STATUS, .worker = worker, .kind = status,
              .now_ms = ds_now_ms()};
  if (last_error && !(op.text = strdup(last_error))) {
    wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
    return 0;
  }
  pthread_mutex_lock(&ds->mu);
  loam_ds_ticket t = enqueue_locked(ds, &op, err);
  pthread_mutex_unlock(&ds->mu);
  return t;
}

/* ---- waiting --------------------------------------------------------------------- */

bool loam_ds_wait(loam_ds *ds, loam_ds_ticket t, loam_error *err) {
  pthread_mutex_lock(&ds->mu);
  if (t > ds->issued) {
    pthread_mutex_unlock(&ds->mu);
    return wasm_fail(err, LOAM_ERR_ARGUMENT, "wait: ticket %llu was never issued",
                     (unsigned long long)t);
  }
  /* commit it here rather than sleep until the committer thread has (two
   * thread switches less), unless a commit is under way or the committer
   * thread was woken for it already: then wait (its batch takes every
   * waiter's writes; waiters all committing their own would make batches
   * of two or three under load) */
  while (ds->durable < t && !ds->failed) {
    if (!ds->committing && !ds->kicked && ds->qlen) commit_round(ds);
    else pthread_cond_wait(&ds->done, &ds->mu);
  }
  bool ok = ds->durable >= t;
  if (!ok && err) *err = ds->fail_err;
  pthread_mutex_unlock(&ds->mu);
  return ok;
}

bool loam_ds_is_durable(loam_ds *ds, loam_ds_ticket t) {
  pthread_mutex_lock(&ds->mu);
  bool ok = ds->durable >= t;
  pthread_mutex_unlock(&ds->mu);
  return ok;
}

bool ds_drain(loam_ds *ds, loam_error *err) {
  pthread_mutex_lock(&ds->mu);
  loam_ds_ticket t = ds->issued;
  pthread_mutex_unlock(&ds->mu);
  return loam_ds_wait(ds, t, err);
}

bool loam_ds_flush(loam_ds *ds, loam_error *err) { return ds_drain(ds, err); }

bool loam_ds_on_durable(loam_ds *ds, loam_ds_ticket t,
                        void (*fn)(void *ud, bool ok), void *ud) {
  pthread_mutex_lock(&ds->mu);
  if (ds->durable >= t || ds->failed || t > ds->issued) {
    bool ok = ds->durable >= t;
    pthread_mutex_unlock(&ds->mu);
    fn(ud, ok);
    return true;
  }
  if (ds->ncbs == ds->capcbs) {
    size_t cap = ds->capcbs ? ds->capcbs * 2 : 16;
    ds_callback *c = realloc(ds->cbs, cap * sizeof *c);
    if (!c) {
      pthread_mutex_unlock(&ds->mu);
      return false;
    }
    ds->cbs = c;
    ds->capcbs = cap;
  }
  ds->cbs[ds->ncbs++] = (ds_callback){t, fn, ud};
  pthread_mutex_unlock(&ds->mu);
  return true;
}

void loam_ds_stats_get(loam_ds *ds, loam_ds_stats *out) {
  pthread_mutex_lock(&ds->mu);
  *out = ds->stats;
  pthread_mutex_unlock(&ds->mu);
}

void ds_forget_worker(loam_ds *ds, int64_t worker) {
  pthread_mutex_lock(&ds->mu);
  ds_map_remove(&ds->next_index, worker, NULL);
  pthread_mutex_unlock(&ds->mu);
  ds_snap_forget(ds, worker);
}
