/*
 * executor/runtime.c — a worker in memory: instantiating it, bringing its
 * state back (latest snapshot + replay of the oplog tail, re-queuing the
 * invocations that were accepted but not finished), taking snapshots and
 * suspending it.
 *
 * Snapshot state blob (what the store keeps next to the memory pages):
 * "LXS1", u64 scan_from (the oldest ENQUEUED entry still queued at snapshot
 * time, where recovery starts reading), u64 invocations completed, then the
 * engine's serialized state (loam_state_serialize) with its memory bytes cut
 * out: the store has those as pages.
 */
#include "executor/executor_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The engine's serialized state: "LOAMSTAT", u32 version, u64 module hash,
 * u8 has_mem, u32 pages, then the memory (see src/wasm/snapshot.c). */
#define STATE_PREFIX 25u
#define PAGE 65536u

void ex_runtime_free(ex_runtime *rt) {
  if (!rt) return;
  ex_stubs_free(rt);
  ex_rpc_free(rt);
  loam_handles_free(rt->handles);
  loam_linker_free(rt->linker);
  loam_store_free(rt->store);
  loam_wasi_free(rt->wasi);
  free(rt);
}

/* A new instance of w's template with its WASI context and the hook. */
static ex_runtime *runtime_new(struct loam_executor *ex, ex_worker *w, loam_error *err) {
  ex_runtime *rt = calloc(1, sizeof *rt);
  const char **argv = calloc(w->nargs + 1, sizeof *argv);
  if (!rt || !argv) {
    free(rt), free(argv);
    return ex_fail(err, LOAM_ERR_NOMEM, "out of memory"), NULL;
  }
  rt->ex = ex;
  rt->w = w;
  argv[0] = w->name;
  for (size_t i = 0; i < w->nargs; i++) argv[i + 1] = w->args[i];
  for (size_t i = 0; i < w->nenv; i++) rt->env_bytes += strlen(w->env[i]) + 1;
  loam_wasi_config cfg = {.argc = w->nargs + 1, .argv = argv, .envc = w->nenv,
                          .env = (const char *const *)w->env, .stdin_fd = -1,
                          .stdout_fd = ex->devnull, .stderr_fd = ex->devnull};
  rt->wasi = loam_wasi_new(&cfg, err);
  free(argv);
  rt->store = loam_store_new(ex->opt.stack_bytes);
  rt->linker = loam_linker_new();
  rt->handles = loam_handles_new();
  if (!rt->wasi || !rt->store || !rt->linker || !rt->handles ||
      !loam_wasi_define(rt->wasi, rt->linker, rt->store)) {
    if (rt->wasi) ex_fail(err, LOAM_ERR_NOMEM, "out of memory");
    ex_runtime_free(rt);
    return NULL;
  }
  loam_wasi_set_hook(rt->wasi, ex_wasi_hook, rt);
  /* host interfaces first, then the stubs (which import them), then the
   * caller (which imports the stubs) */
  if (!ex_rpc_define(rt, rt->linker, rt->store, err) || !ex_stubs_link(rt, err)) {
    ex_runtime_free(rt);
    return NULL;
  }
  rt->inst = loam_instantiate(rt->store, w->tpl->module, rt->linker, err);
  if (!rt->inst) {
    ex_runtime_free(rt);
    return NULL;
  }
  loam_abi_guest_init(&rt->guest, rt->store, rt->inst, NULL);
  return rt;
}

static void put_u64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_u64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

/* Restores a snapshot into rt's instance; *scan_from and *completed from
 * the blob. */
static bool restore(ex_runtime *rt, const loam_ds_snapshot *s, uint64_t *scan_from,
                    uint64_t *completed, loam_error *err) {
  if (s->state_len < 20 + STATE_PREFIX || memcmp(s->state, "LXS1", 4))
    return ex_fail(err, LOAM_ERR_MALFORMED, "snapshot state is not the executor's"), false;
  *scan_from = get_u64(s->state + 4);
  *completed = get_u64(s->state + 12);
  const uint8_t *eng = s->state + 20;
  size_t englen = s->state_len - 20;
  uint32_t pages = (uint32_t)eng[21] | (uint32_t)eng[22] << 8 | (uint32_t)eng[23] << 16 |
                   (uint32_t)eng[24] << 24;
  if ((uint64_t)pages * PAGE != s->memory_size)
    return ex_fail(err, LOAM_ERR_MALFORMED, "snapshot memory size mismatch"), false;
  size_t len = englen + s->memory_size;
  uint8_t *buf = malloc(len);
  if (!buf) return ex_fail(err, LOAM_ERR_NOMEM, "out of memory"), false;
  memcpy(buf, eng, STATE_PREFIX);
  if (s->memory_size) memcpy(buf + STATE_PREFIX, s->memory, s->memory_size);
  memcpy(buf + STATE_PREFIX + s->memory_size, eng + STATE_PREFIX, englen - STATE_PREFIX);
  loam_state *st = loam_state_deserialize(buf, len, err);
  free(buf);
  bool ok = st && loam_instance_restore(rt->inst, st, err);
  loam_state_free(st);
  return ok;
}

/* The oldest ENQUEUED index among w's queued invocations, else next. */
static uint64_t scan_start(struct loam_executor *ex, ex_worker *w, uint64_t next) {
  uint64_t from = next;
  pthread_mutex_lock(&ex->mu);
  for (ex_invocation *i = w->qhead; i; i = i->next)
    if (i->enqueued_index && i->enqueued_index < from) from = i->enqueued_index;
  pthread_mutex_unlock(&ex->mu);
  return from;
}

bool ex_snapshot(struct loam_executor *ex, ex_worker *w, loam_error *err) {
  ex_runtime *rt = w->rt;
  /* A snapshot holds the caller instance only: stub instances and host
   * resources are rebuilt fresh on restore, which is the same state only
   * while no handle is live. Otherwise the oplog covers it (replay). */
  if (loam_handles_count(rt->handles) > 0)
    return ex_fail(err, LOAM_ERR_INVALID, "snapshot not taken: %u resource handles are live",
                   loam_handles_count(rt->handles)), false;
  loam_state *st = loam_instance_capture(rt->inst, err);
  if (!st) return false;
  size_t len = 0;
  uint8_t *ser = loam_state_serialize(st, &len);
  loam_state_free(st);
  loam_memory *m = loam_instance_memory(rt->inst);
  uint64_t msize = m ? loam_memory_size(m) : 0;
  if (!ser || len < STATE_PREFIX + msize) {
    free(ser);
    return ex_fail(err, LOAM_ERR_NOMEM, "out of memory serializing a snapshot"), false;
  }
  size_t blen = 20 + len - msize;
  uint8_t *blob = malloc(blen);
  if (!blob) return free(ser), ex_fail(err, LOAM_ERR_NOMEM, "out of memory"), false;
  memcpy(blob, "LXS1", 4);
  put_u64(blob + 4, scan_start(ex, w, rt->last_index + 1));
  pthread_mutex_lock(&ex->mu);
  put_u64(blob + 12, w->completed);
  pthread_mutex_unlock(&ex->mu);
  memcpy(blob + 20, ser, STATE_PREFIX);
  memcpy(blob + 20 + STATE_PREFIX, ser + STATE_PREFIX + msize, len - STATE_PREFIX - msize);
  free(ser);
  loam_ds_snapshot_stats stats = {0};
  bool ok = loam_ds_snapshot_write(ex->ds, w->id, rt->last_index,
                                   m ? loam_memory_data(m) : NULL, msize, blob, blen,
                                   &stats, err);
  free(blob);
  if (!ok) return false;
  loam_oplog_entry e = {.kind = LOAM_OPLOG_SNAPSHOT};
  e.u.snapshot.at_index = rt->last_index;
  e.u.snapshot.memory_size = msize;
  e.u.snapshot.pages_written = (uint32_t)stats.pages_written;
  ex_append(ex, w, rt, &e, NULL, err);
  rt->since_snapshot = 0;
  rt->bytes_since_snapshot = 0;
  pthread_mutex_lock(&ex->mu);
  ex->stats.snapshots++;
  pthread_mutex_unlock(&ex->mu);
  return true;
}

void ex_suspend(struct loam_executor *ex, ex_worker *w) {
  if (!w->rt) return;
  loam_error err;
  if (w->rt->since_snapshot > 0) ex_snapshot(ex, w, &err); /* else replay covers it */
  ex_runtime_free(w->rt);
  w->rt = NULL;
  pthread_mutex_lock(&ex->mu);
  ex_lru_remove(ex, w);
  ex->stats.suspended++;
  if (w->status == LOAM_WS_IDLE) w->status = LOAM_WS_SUSPENDED;
  pthread_mutex_unlock(&ex->mu);
}

/* ---- recovery ---------------------------------------------------------------- */

typedef struct scan {
  loam_oplog_entry *e;
  uint64_t *idx;
  size_t n, cap;
  loam_error *err;
  bool bad;
} scan;

static bool collect(void *ud, uint64_t index, int kind, const uint8_t *p, size_t len) {
  scan *s = ud;
  (void)kind;
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 64;
    loam_oplog_entry *e = realloc(s->e, cap * sizeof *e);
    if (e) s->e = e;
    uint64_t *ix = realloc(s->idx, cap * sizeof *ix);
    if (ix) s->idx = ix;
    if (!e || !ix) return s->bad = true, false;
    s->cap = cap;
  }
  if (!loam_oplog_decode(p, len, &s->e[s->n], s->err)) return s->bad = true, false;
  s->idx[s->n++] = index;
  return true;
}

/* An invocation found in the oplog: its START (or ENQUEUED) entry and the
 * host-call entries of its latest attempt. */
typedef struct found {
  size_t start;          /* entry position of START or ENQUEUED */
  uint64_t enq_index;
  bool started, ended;
  size_t *host;          /* entry positions */
  size_t nhost, caphost;
} found;

static const ex_export *export_of(ex_template *t, const char *function) {
  loam_error err;
  const loam_export_info *i = loam_template_find_export(&t->info, function, &err);
  return i ? &t->exports[i - t->export_infos] : NULL;
}

/* Re-runs one completed invocation, answering its host calls from the oplog. */
static bool replay_one(struct loam_executor *ex, ex_runtime *rt, scan *s, found *f,
                       loam_error *err) {
  const loam_oplog_entry *st = &s->e[f->start];
  const ex_export *fn = export_of(rt->w->tpl, st->u.invoke.function);
  if (!fn)
    return ex_fail(err, LOAM_ERR_NOT_FOUND, "replay: unknown function %s",
                   st->u.invoke.function), false;
  loam_value **params = ex_decode_values(fn->sig.params, fn->sig.nparams,
                                         st->u.invoke.params.data,
                                         st->u.invoke.params.len, err);
  if (!params) return false;
  loam_oplog_entry *rep = calloc(f->nhost + 1, sizeof *rep);
  loam_value *results[EX_MAX_SIG] = {0};
  if (!rep) return ex_free_values(params, fn->sig.nparams), false;
  for (size_t i = 0; i < f->nhost; i++) rep[i] = s->e[f->host[i]];
  rt->replay = rep;
  rt->nreplay = f->nhost;
  rt->replay_pos = 0;
  rt->replaying = rt->strict = true;
  rt->recording = false;
  /* the invocation's key: its outgoing calls' keys derive from it */
  ex_invocation cur = {.w = rt->w};
  snprintf(cur.key, sizeof cur.key, "%s", st->u.invoke.key);
  rt->current = &cur;
  ex_rpc_begin(rt);
  loam_status r = ex_call(ex, rt, fn, params, results, false, err);
  rt->current = NULL;
  bool ok = r == LOAM_OK;
  if (ok && rt->replay_pos != rt->nreplay) {
    ex_fail(err, LOAM_ERR_INVALID,
            "replay diverged: invocation %s made %zu of its %zu recorded host calls",
            st->u.invoke.key, rt->replay_pos, rt->nreplay);
    ok = false;
  }
  rt->replaying = rt->strict = false;
  rt->replay = NULL;
  rt->nreplay = rt->replay_pos = 0;
  free(rep);
  ex_free_values(params, fn->sig.nparams);
  for (uint32_t i = 0; i < fn->sig.nresults; i++) loam_value_free(results[i]);
  return ok;
}

static bool host_push(found *f, size_t pos) {
  if (f->nhost == f->caphost) {
    size_t cap = f->caphost ? f->caphost * 2 : 8;
    size_t *h = realloc(f->host, cap * sizeof *h);
    if (!h) return false;
    f->host = h;
    f->caphost = cap;
  }
  f->host[f->nhost++] = pos;
  return true;
}

/* Finds the found record of `key` among fs[0..n). */
static found *find_key(scan *s, found *fs, size_t n, const char *key) {
  for (size_t i = n; i-- > 0;)
    if (!strcmp(s->e[fs[i].start].u.invoke.key, key)) return &fs[i];
  return NULL;
}

/* Queues the invocations that were accepted but did not finish, ahead of
 * anything queued since, adopting placeholders waiting for their keys. */
static void requeue(struct loam_executor *ex, ex_worker *w, scan *s, found *fs, size_t n) {
  ex_invocation *head = NULL, *last = NULL;
  pthread_mutex_lock(&ex->mu);
  for (size_t i = 0; i < n; i++) {
    found *f = &fs[i];
    if (f->ended) continue;
    loam_oplog_entry *st = &s->e[f->start];
    const ex_export *fn = export_of(w->tpl, st->u.invoke.function);
    ex_invocation *inv = ex_inflight_find(w, st->u.invoke.key);
    if (inv && inv->state != EX_INV_LOOKUP && inv->state != EX_INV_ORPHAN) continue;
    if (!fn) continue;
    loam_error err;
    loam_value **params = ex_decode_values(fn->sig.params, fn->sig.nparams,
                                           st->u.invoke.params.data,
                                           st->u.invoke.params.len, &err);
    if (!params) continue;
    if (!inv) {
      inv = ex_inv_new(w, st->u.invoke.key);
      if (!inv) {
        ex_free_values(params, fn->sig.nparams);
        continue;
      }
      ex_inflight_add(w, inv);
    }
    inv->fn = fn;
    inv->params = params;
    loam_buf_free(&inv->params_bin);
    size_t plen = st->u.invoke.params.len;
    inv->params_bin.data = malloc(plen ? plen : 1);
    if (inv->params_bin.data && plen) memcpy(inv->params_bin.data, st->u.invoke.params.data, plen);
    inv->params_bin.len = inv->params_bin.cap = inv->params_bin.data ? plen : 0;
    inv->enqueued_index = f->enq_index;
    if (f->started && f->nhost) {
      inv->replay = calloc(f->nhost, sizeof *inv->replay);
      for (size_t k = 0; inv->replay && k < f->nhost; k++) {
        inv->replay[k] = s->e[f->host[k]];
        memset(&s->e[f->host[k]], 0, sizeof s->e[0]); /* moved */
        s->e[f->host[k]].kind = LOAM_OPLOG_RESUMED;
      }
      inv->nreplay = inv->replay ? f->nhost : 0;
    }
    inv->state = EX_INV_QUEUED;
    inv->refs++; /* the queue's */
    inv->next = NULL;
    if (last) last->next = inv;
    else head = inv;
    last = inv;
    w->pending++;
  }
  if (head) {
    last->next = w->qhead;
    if (!w->qhead) w->qtail = last;
    w->qhead = head;
  }
  pthread_mutex_unlock(&ex->mu);
}

/* Reads the oplog from `from` and replays / requeues. */
static bool recover_tail(struct loam_executor *ex, ex_runtime *rt, uint64_t from,
                         uint64_t snap_index, bool first, loam_error *err) {
  ex_worker *w = rt->w;
  scan s = {.err = err};
  if (!loam_ds_oplog_read(ex->ds, w->id, from, 0, collect, &s, err) || s.bad) {
    for (size_t i = 0; i < s.n; i++) loam_oplog_entry_free(&s.e[i]);
    free(s.e), free(s.idx);
    if (s.bad && err->code == LOAM_OK) ex_fail(err, LOAM_ERR_NOMEM, "out of memory");
    return false;
  }
  found *fs = calloc(s.n + 1, sizeof *fs);
  size_t nf = 0;
  found *cur = NULL;
  bool ok = fs != NULL;
  uint64_t replayed = 0;
  loam_ds_ticket repair = 0;
  for (size_t i = 0; ok && i < s.n; i++) {
    loam_oplog_entry *e = &s.e[i];
    if (s.idx[i] > rt->last_index) rt->last_index = s.idx[i];
    switch (e->kind) {
    case LOAM_OPLOG_ENQUEUED:
      if (!find_key(&s, fs, nf, e->u.invoke.key))
        fs[nf++] = (found){.start = i, .enq_index = s.idx[i]};
      break;
    case LOAM_OPLOG_INVOKE_START: {
      found *f = find_key(&s, fs, nf, e->u.invoke.key);
      if (!f) f = &fs[nf++], *f = (found){.start = i};
      f->started = true;
      f->start = i;
      f->nhost = 0; /* a new attempt records afresh */
      cur = f;
      break;
    }
    case LOAM_OPLOG_HOST_CALL:
    case LOAM_OPLOG_LOG:
    case LOAM_OPLOG_RPC_CALL:   /* outgoing calls replay in the same sequence */
    case LOAM_OPLOG_RPC_RESULT:
      if (cur) ok = host_push(cur, i);
      break;
    case LOAM_OPLOG_ERROR:
    case LOAM_OPLOG_INTERRUPTED:
      if (cur) cur->nhost = 0;
      cur = NULL;
      break;
    case LOAM_OPLOG_INVOKE_END: {
      /* The key row is queued after the END and may not have made it to the
       * store before a crash: write it again (insert-or-replace). */
      const char *res = e->u.end.ok ? NULL : (e->u.end.error ? e->u.end.error : "");
      if (first) repair = loam_ds_key_put(ex->ds, w->id, e->u.end.key, s.idx[i],
                               e->u.end.ok ? LOAM_DS_KEY_DONE : LOAM_DS_KEY_FAILED,
                               res ? (const uint8_t *)res : e->u.end.result.data,
                               res ? strlen(res) : e->u.end.result.len, err);
      if (first && !repair) ok = false;
      found *f = find_key(&s, fs, nf, e->u.end.key);
      if (!f) break;
      f->ended = true;
      if (f->started && s.idx[f->start] > snap_index && e->u.end.ok) {
        ok = replay_one(ex, rt, &s, f, err);
        replayed++;
        pthread_mutex_lock(&ex->mu);
        w->completed++;
        pthread_mutex_unlock(&ex->mu);
      }
      if (f == cur) cur = NULL;
      break;
    }
    default:
      break;
    }
  }
  if (ok && repair) ok = loam_ds_wait(ex->ds, repair, err);
  if (ok) requeue(ex, w, &s, fs, nf);
  rt->since_snapshot += (uint32_t)replayed;
  for (size_t i = 0; i < nf; i++) free(fs[i].host);
  free(fs);
  for (size_t i = 0; i < s.n; i++) loam_oplog_entry_free(&s.e[i]);
  free(s.e), free(s.idx);
  pthread_mutex_lock(&ex->mu);
  ex->stats.replayed += replayed;
  pthread_mutex_unlock(&ex->mu);
  if (!ok && !fs) ex_fail(err, LOAM_ERR_NOMEM, "out of memory");
  return ok;
}

bool ex_runtime_load(struct loam_executor *ex, ex_worker *w, loam_error *err) {
  ex_runtime *rt = runtime_new(ex, w, err);
  if (!rt) return false;
  w->rt = rt;
  loam_ds_snapshot snap = {0};
  bool found = false, ok = loam_ds_snapshot_read(ex->ds, w->id, &snap, &found, err);
  uint64_t from = 1, snap_index = 0, completed = 0;
  if (ok && found) {
    ok = restore(rt, &snap, &from, &completed, err);
    snap_index = snap.oplog_index;
    rt->last_index = snap_index;
  } else if (ok && w->tpl->has_initialize) {
    loam_func *init = loam_instance_func(rt->inst, "_initialize");
    ok = init && loam_call(rt->store, init, NULL, 0, NULL, 0, err) == LOAM_OK;
  }
  loam_ds_snapshot_clear(&snap);
  if (ok) {
    pthread_mutex_lock(&ex->mu);
    w->completed = completed;
    pthread_mutex_unlock(&ex->mu);
    pthread_mutex_lock(&ex->mu);
    bool first = !w->recovered;
    pthread_mutex_unlock(&ex->mu);
    ok = recover_tail(ex, rt, from, snap_index, first, err);
  }
  if (!ok) {
    ex_runtime_free(rt);
    w->rt = NULL;
    return false;
  }
  pthread_mutex_lock(&ex->mu);
  w->recovered = true;
  ex_lru_touch(ex, w);
  pthread_mutex_unlock(&ex->mu);
  return true;
}
