/*
 * executor/pool.c — the thread pool and who owns which worker: the run
 * queue of workers with work, claiming and releasing a worker's runtime,
 * the LRU list of workers in memory (evicted beyond the active cap), the
 * reaper that suspends idle workers, and the per-worker queues and
 * in-flight lists of invocations.
 */
#include "executor/executor_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- invocations ----------------------------------------------------------- */

ex_invocation *ex_inv_new(ex_worker *w, const char *key) {
  ex_invocation *inv = calloc(1, sizeof *inv);
  if (!inv) return NULL;
  snprintf(inv->key, sizeof inv->key, "%s", key);
  inv->w = w;
  inv->refs = 1; /* the in-flight list's, dropped when acknowledged */
  inv->state = EX_INV_LOOKUP;
  pthread_cond_init(&inv->cv, NULL);
  return inv;
}

ex_invocation *ex_inflight_find(ex_worker *w, const char *key) {
  for (ex_invocation *i = w->inflight; i; i = i->inext)
    if (!strcmp(i->key, key)) return i;
  return NULL;
}

void ex_inflight_add(ex_worker *w, ex_invocation *inv) {
  inv->iprev = NULL;
  inv->inext = w->inflight;
  if (w->inflight) w->inflight->iprev = inv;
  w->inflight = inv;
}

void ex_inflight_remove(ex_worker *w, ex_invocation *inv) {
  if (inv->iprev) inv->iprev->inext = inv->inext;
  else if (w->inflight == inv) w->inflight = inv->inext;
  else return; /* not in the list */
  if (inv->inext) inv->inext->iprev = inv->iprev;
  inv->iprev = inv->inext = NULL;
}

void ex_enqueue(ex_worker *w, ex_invocation *inv, bool front) {
  inv->refs++; /* the queue's */
  inv->state = EX_INV_QUEUED;
  if (front) {
    inv->next = w->qhead;
    w->qhead = inv;
    if (!w->qtail) w->qtail = inv;
  } else {
    inv->next = NULL;
    if (w->qtail) w->qtail->next = inv;
    else w->qhead = inv;
    w->qtail = inv;
  }
  w->pending++;
}

/* ---- statuses ----------------------------------------------------------------- */

void ex_set_status(struct loam_executor *ex, ex_worker *w, int status, const char *error) {
  w->status = status;
  if (error) snprintf(w->last_error, sizeof w->last_error, "%s", error);
  /* Running is stored only by the enqueue path (it tells the next open which
   * workers have accepted work); Suspended only lives in memory. */
  if (status == LOAM_WS_SUSPENDED || status == LOAM_WS_RUNNING) return;
  if (status == w->stored_status && !error) return;
  loam_error err;
  if (loam_ds_worker_set_status(ex->ds, w->id, status, error, &err)) w->stored_status = status;
}

/* ---- ownership and the run queue ------------------------------------------------ */

void ex_schedule(struct loam_executor *ex, ex_worker *w) {
  if (w->busy || w->in_runq || w->deleted) return;
  w->in_runq = true;
  w->rnext = NULL;
  if (ex->rtail) ex->rtail->rnext = w;
  else ex->rhead = w;
  ex->rtail = w;
  pthread_cond_signal(&ex->work_cv);
}

void ex_claim(struct loam_executor *ex, ex_worker *w) {
  while (w->busy) pthread_cond_wait(&ex->owner_cv, &ex->mu);
  w->busy = true;
}

void ex_release(struct loam_executor *ex, ex_worker *w) {
  w->busy = false;
  pthread_cond_broadcast(&ex->owner_cv);
  bool runnable = w->status != LOAM_WS_INTERRUPTED;
  if ((w->qhead && runnable) || w->force_load) ex_schedule(ex, w);
}

static void *pool_main(void *arg) {
  struct loam_executor *ex = arg;
  pthread_mutex_lock(&ex->mu);
  for (;;) {
    while (!ex->rhead && !ex->closing) pthread_cond_wait(&ex->work_cv, &ex->mu);
    if (ex->closing) break;
    ex_worker *w = ex->rhead;
    ex->rhead = w->rnext;
    if (!ex->rhead) ex->rtail = NULL;
    w->in_runq = false;
    if (w->busy || w->deleted) continue; /* its owner reschedules on release */
    w->busy = true;
    pthread_mutex_unlock(&ex->mu);
    ex_run_queue(ex, w);
    pthread_mutex_lock(&ex->mu);
    ex_release(ex, w);
  }
  pthread_mutex_unlock(&ex->mu);
  return NULL;
}

/* ---- the LRU list of workers in memory --------------------------------------- */

void ex_lru_remove(struct loam_executor *ex, ex_worker *w) {
  if (!w->lru_next) return;
  w->lru_prev->lru_next = w->lru_next;
  w->lru_next->lru_prev = w->lru_prev;
  w->lru_prev = w->lru_next = NULL;
  ex->nactive--;
}

void ex_lru_touch(struct loam_executor *ex, ex_worker *w) {
  if (w->lru_next) {
    w->lru_prev->lru_next = w->lru_next;
    w->lru_next->lru_prev = w->lru_prev;
  } else {
    ex->nactive++;
  }
  w->lru_prev = ex->lru.lru_prev; /* the most recent end */
  w->lru_next = &ex->lru;
  ex->lru.lru_prev->lru_next = w;
  ex->lru.lru_prev = w;
}

/* Suspends v, which the caller claimed; [mu] held on entry and exit. */
static void suspend_claimed(struct loam_executor *ex, ex_worker *v) {
  pthread_mutex_unlock(&ex->mu);
  ex_suspend(ex, v);
  pthread_mutex_lock(&ex->mu);
  ex_release(ex, v);
}

void ex_make_room(struct loam_executor *ex, ex_worker *self) {
  pthread_mutex_lock(&ex->mu);
  while (ex->opt.max_active_workers && ex->nactive >= ex->opt.max_active_workers) {
    ex_worker *victim = NULL;
    for (ex_worker *v = ex->lru.lru_next; v != &ex->lru; v = v->lru_next)
      if (!v->busy && v != self && !v->qhead && !v->in_runq) {
        victim = v;
        break;
      }
    if (!victim) break; /* every active worker is busy: go over the cap */
    victim->busy = true;
    suspend_claimed(ex, victim);
  }
  pthread_mutex_unlock(&ex->mu);
}

/* Suspends workers idle longer than idle_suspend_ms. */
static void *reaper_main(void *arg) {
  struct loam_executor *ex = arg;
  uint64_t idle_ns = (uint64_t)ex->opt.idle_suspend_ms * 1000000ull;
  uint64_t period_ms = ex->opt.idle_suspend_ms / 2;
  if (period_ms > 1000) period_ms = 1000;
  if (period_ms < 5) period_ms = 5;
  pthread_mutex_lock(&ex->mu);
  while (!ex->closing) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ns = (uint64_t)ts.tv_nsec + period_ms * 1000000ull;
    ts.tv_sec += (time_t)(ns / 1000000000ull);
    ts.tv_nsec = (long)(ns % 1000000000ull);
    pthread_cond_timedwait(&ex->reaper_cv, &ex->mu, &ts);
    bool again = true;
    while (again && !ex->closing) {
      again = false;
      uint64_t now = ex_now_ns();
      for (ex_worker *v = ex->lru.lru_next; v != &ex->lru; v = v->lru_next) {
        if (v->busy || v->qhead || v->in_runq || now - v->last_used_ns < idle_ns) continue;
        v->busy = true;
        suspend_claimed(ex, v);
        again = true; /* the list changed while unlocked: rescan */
        break;
      }
    }
  }
  pthread_mutex_unlock(&ex->mu);
  return NULL;
}

bool ex_pool_start(struct loam_executor *ex, loam_error *err) {
  ex->threads = calloc(ex->opt.threads, sizeof *ex->threads);
  if (!ex->threads) return ex_fail(err, LOAM_ERR_NOMEM, "out of memory"), false;
  for (uint32_t i = 0; i < ex->opt.threads; i++) {
    if (pthread_create(&ex->threads[i], NULL, pool_main, ex) != 0)
      return ex_fail(err, LOAM_ERR_LIMIT, "cannot start a thread"), false;
    ex->nthreads++;
  }
  if (ex->opt.idle_suspend_ms) {
    if (pthread_create(&ex->reaper, NULL, reaper_main, ex) != 0)
      return ex_fail(err, LOAM_ERR_LIMIT, "cannot start a thread"), false;
    ex->has_reaper = true;
  }
  return true;
}

void ex_pool_stop(struct loam_executor *ex) {
  pthread_mutex_lock(&ex->mu);
  ex->closing = true;
  pthread_cond_broadcast(&ex->work_cv);
  pthread_cond_broadcast(&ex->reaper_cv);
  /* A pool thread may be running a worker whose guest awaits another
   * worker's invocation (golem:rpc) that will not finish (e.g. that worker
   * is interrupted): wake such waiters, they see `closing`, so the join
   * below cannot wait for them forever. */
  for (size_t b = 0; ex->buckets && b < ex->nbuckets; b++)
    for (ex_worker *w = ex->buckets[b]; w; w = w->hnext)
      for (ex_invocation *i = w->inflight; i; i = i->inext) pthread_cond_broadcast(&i->cv);
  pthread_mutex_unlock(&ex->mu);
  for (uint32_t i = 0; i < ex->nthreads; i++) pthread_join(ex->threads[i], NULL);
  if (ex->has_reaper) pthread_join(ex->reaper, NULL);
  ex->nthreads = 0;
  ex->has_reaper = false;
}
