/*
 * executor/executor.c — the public API of loam/executor.h: opening and
 * closing, templates, workers, and submitting invocations (idempotency keys,
 * enqueue vs. await).
 */
#include "executor/executor_int.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define NBUCKETS 16384u

void loam_executor_options_default(loam_executor_options *o) {
  memset(o, 0, sizeof *o);
  o->threads = 2;
  o->durability = LOAM_DURABILITY_FSYNC;
  o->snapshot_every_invocations = 1000;
  o->snapshot_every_bytes = 4u << 20;
  o->idle_suspend_ms = 60000;
  o->max_active_workers = 1000;
  o->retry = (loam_retry_options){3, 100, 3.0, 1000, 0.15};
  o->fuel = -1;
  o->timeout_ms = 0;
  o->stack_bytes = 256 * 1024;
}

static const char *const wstatus_names[] = {"?",           "Running",  "Idle",
                                            "Suspended",   "Interrupted", "Retrying",
                                            "Failed",      "Exited"};

const char *loam_wstatus_name(loam_wstatus s) {
  return (unsigned)s < sizeof wstatus_names / sizeof wstatus_names[0] ? wstatus_names[s] : "?";
}

loam_wstatus loam_wstatus_parse(const char *name) {
  for (unsigned s = LOAM_WS_RUNNING; name && s <= LOAM_WS_EXITED; s++)
    if (strcasecmp(name, wstatus_names[s]) == 0) return (loam_wstatus)s;
  return (loam_wstatus)0;
}

/* ---- the worker map ---------------------------------------------------------- */

static size_t bucket_of(const char *tmpl, const char *name) {
  uint64_t h = 1469598103934665603ull;
  for (const char *p = tmpl; *p; p++) h = (h ^ (uint8_t)*p) * 1099511628211ull;
  h = (h ^ '/') * 1099511628211ull;
  for (const char *p = name; *p; p++) h = (h ^ (uint8_t)*p) * 1099511628211ull;
  return (size_t)(h % NBUCKETS);
}

/* [mu] held. */
static ex_worker *map_find(struct loam_executor *ex, const char *tmpl, const char *name) {
  for (ex_worker *w = ex->buckets[bucket_of(tmpl, name)]; w; w = w->hnext)
    if (!strcmp(w->tmpl_name, tmpl) && !strcmp(w->name, name)) return w;
  return NULL;
}

static void map_remove(struct loam_executor *ex, ex_worker *w) {
  ex_worker **p = &ex->buckets[bucket_of(w->tmpl_name, w->name)];
  while (*p && *p != w) p = &(*p)->hnext;
  if (*p) *p = w->hnext;
  ex->nworkers--;
}

static void strv_free(char **v, size_t n) {
  for (size_t i = 0; v && i < n; i++) free(v[i]);
  free(v);
}

static char **strv_dup(const char *const *v, size_t n) {
  char **out = calloc(n + 1, sizeof *out);
  for (size_t i = 0; out && i < n; i++)
    if (!(out[i] = strdup(v[i]))) return strv_free(out, i), NULL;
  return out;
}

static void worker_free(ex_worker *w) {
  if (!w) return;
  ex_runtime_free(w->rt);
  free(w->tmpl_name);
  free(w->name);
  strv_free(w->env, w->nenv);
  strv_free(w->args, w->nargs);
  free(w);
}

/* ---- templates ---------------------------------------------------------------- */

/* The stored meta text: "world=<name>\n" then the WIT text given at
 * registration (empty when the module carries its own). */
static char *meta_text(const char *wit, const char *world) {
  size_t n = strlen(wit ? wit : "") + strlen(world ? world : "") + 16;
  char *m = malloc(n);
  if (m) snprintf(m, n, "world=%s\n%s", world ? world : "", wit ? wit : "");
  return m;
}

/* [mu] held. */
static ex_template *tmpl_cached(struct loam_executor *ex, const char *name, uint32_t version) {
  ex_template *best = NULL;
  for (ex_template *t = ex->templates; t; t = t->next)
    if (!strcmp(t->name, name) && (version ? t->info.version == version
                                           : (!best || t->info.version > best->info.version)))
      best = t;
  return version || !best ? best : NULL;
}

/* Adds t to the cache unless an equal one got there first; returns the one
 * kept. */
static ex_template *tmpl_add(struct loam_executor *ex, ex_template *t) {
  pthread_mutex_lock(&ex->mu);
  ex_template *have = tmpl_cached(ex, t->name, t->info.version);
  if (have) {
    pthread_mutex_unlock(&ex->mu);
    ex_template_free(t);
    return have;
  }
  t->next = ex->templates;
  ex->templates = t;
  pthread_mutex_unlock(&ex->mu);
  return t;
}

/* Builds a template from its stored row. */
static ex_template *tmpl_from_row(struct loam_executor *ex, loam_ds_template *row,
                                  loam_error *err) {
  const char *meta = row->meta ? row->meta : "world=\n";
  const char *nl = strchr(meta, '\n');
  char world[256] = "";
  if (!strncmp(meta, "world=", 6) && nl)
    snprintf(world, sizeof world, "%.*s", (int)(nl - meta - 6), meta + 6);
  const char *wit = nl && nl[1] ? nl + 1 : NULL;
  ex_template *t = ex_template_build(row->name, row->version, row->bytes, row->len, wit,
                                     world[0] ? world : NULL, err);
  if (!t) return NULL;
  t->info.id = (uint64_t)row->id;
  return tmpl_add(ex, t);
}

/* Marks t the newest version of its name unless the cache already holds a
 * newer one (a registration that raced a lookup of the store). [mu] held. */
static void tmpl_mark_latest(struct loam_executor *ex, ex_template *t) {
  for (ex_template *o = ex->templates; o; o = o->next)
    if (o != t && !strcmp(o->name, t->name) && o->info.version > t->info.version) return;
  for (ex_template *o = ex->templates; o; o = o->next)
    if (!strcmp(o->name, t->name)) o->latest = o == t;
}

/* The cached template marked newest of `name`, or NULL. [mu] held. */
static ex_template *tmpl_latest(struct loam_executor *ex, const char *name) {
  for (ex_template *t = ex->templates; t; t = t->next)
    if (t->latest && !strcmp(t->name, name)) return t;
  return NULL;
}

/* Version `version` (0 = latest) of template `name`, from the cache or the
 * store. Every registration goes through this executor (it owns its data
 * directory), so once the store has told which version is the newest, the
 * cache knows it from then on: an RPC resolving its target by name costs
 * no store read (and no copy of the module's bytes). */
static ex_template *tmpl_get(struct loam_executor *ex, const char *name, uint32_t version,
                             loam_error *err) {
  pthread_mutex_lock(&ex->mu);
  ex_template *hit = version ? tmpl_cached(ex, name, version) : tmpl_latest(ex, name);
  pthread_mutex_unlock(&ex->mu);
  if (hit) return hit;
  loam_ds_template row = {0};
  if (!loam_ds_template_get(ex->ds, name, version, &row, err)) {
    if (err->code == LOAM_ERR_NOT_FOUND)
      ex_fail(err, LOAM_ERR_NOT_FOUND, "no template named %s", name);
    return NULL;
  }
  pthread_mutex_lock(&ex->mu);
  ex_template *t = tmpl_cached(ex, name, row.version);
  pthread_mutex_unlock(&ex->mu);
  if (!t) t = tmpl_from_row(ex, &row, err);
  loam_ds_template_clear(&row);
  if (t && !version) {
    pthread_mutex_lock(&ex->mu);
    tmpl_mark_latest(ex, t);
    pthread_mutex_unlock(&ex->mu);
  }
  return t;
}

const loam_template_info *loam_template_register(loam_executor *ex, const char *name,
                                                 const uint8_t *wasm, size_t len,
                                                 const char *wit, const char *world,
                                                 loam_error *err) {
  if (!name || !*name || strchr(name, '/'))
    return ex_fail(err, LOAM_ERR_ARGUMENT, "a template name must be non-empty without '/'"),
           NULL;
  ex_template *t = ex_template_build(name, 0, wasm, len, wit, world, err);
  if (!t) return NULL;
  char *meta = meta_text(wit, world);
  loam_ds_template row = {0};
  bool ok = meta && loam_ds_template_put(ex->ds, name, wasm, len, meta, &row, err);
  free(meta);
  if (!ok) {
    ex_template_free(t);
    return NULL;
  }
  t->info.id = (uint64_t)row.id;
  t->info.version = row.version;
  loam_ds_template_clear(&row);
  t = tmpl_add(ex, t);
  pthread_mutex_lock(&ex->mu);
  tmpl_mark_latest(ex, t);
  pthread_mutex_unlock(&ex->mu);
  return &t->info;
}

const loam_template_info *loam_template_get(loam_executor *ex, const char *name,
                                            uint32_t version, loam_error *err) {
  ex_template *t = tmpl_get(ex, name, version, err);
  return t ? &t->info : NULL;
}

const loam_template_info *loam_template_get_id(loam_executor *ex, uint64_t id,
                                               loam_error *err) {
  pthread_mutex_lock(&ex->mu);
  for (ex_template *t = ex->templates; t; t = t->next)
    if (t->info.id == id) {
      pthread_mutex_unlock(&ex->mu);
      return &t->info;
    }
  pthread_mutex_unlock(&ex->mu);
  loam_ds_template row = {0};
  if (!loam_ds_template_get_id(ex->ds, (int64_t)id, &row, err)) {
    if (err->code == LOAM_ERR_NOT_FOUND)
      ex_fail(err, LOAM_ERR_NOT_FOUND, "no template with id %llu", (unsigned long long)id);
    return NULL;
  }
  ex_template *t = tmpl_from_row(ex, &row, err);
  loam_ds_template_clear(&row);
  return t ? &t->info : NULL;
}

size_t loam_template_list(loam_executor *ex, const loam_template_info ***out) {
  loam_ds_template *rows = NULL;
  size_t n = 0;
  loam_error err;
  *out = NULL;
  if (!loam_ds_template_list(ex->ds, NULL, &rows, &n, &err)) return 0;
  const loam_template_info **v = calloc(n + 1, sizeof *v);
  size_t k = 0;
  for (size_t i = 0; v && i < n; i++) {
    ex_template *t = tmpl_get(ex, rows[i].name, rows[i].version, &err);
    if (t) v[k++] = &t->info;
  }
  loam_ds_templates_free(rows, n);
  *out = v;
  return v ? k : 0;
}

/* ---- workers -------------------------------------------------------------------- */

static ex_worker *worker_from_row(struct loam_executor *ex, loam_ds_worker *row,
                                  loam_error *err) {
  ex_template *t = tmpl_get(ex, row->template_name, row->template_version, err);
  if (!t) return NULL;
  ex_worker *w = calloc(1, sizeof *w);
  if (!w) return ex_fail(err, LOAM_ERR_NOMEM, "out of memory"), NULL;
  w->id = row->id;
  w->tpl = t;
  w->tmpl_name = strdup(row->template_name);
  w->name = strdup(row->name);
  w->env = strv_dup((const char *const *)row->env, row->env_count);
  w->args = strv_dup((const char *const *)row->args, row->arg_count);
  w->nenv = row->env_count;
  w->nargs = row->arg_count;
  w->retry = row->has_retry_policy ? row->retry : loam_retry_policy_default();
  w->status = w->stored_status = row->status ? row->status : LOAM_WS_IDLE;
  if (w->status == LOAM_WS_IDLE || w->status == LOAM_WS_RUNNING) w->status = LOAM_WS_SUSPENDED;
  if (row->last_error) snprintf(w->last_error, sizeof w->last_error, "%s", row->last_error);
  if (!w->tmpl_name || !w->name || !w->env || !w->args) {
    worker_free(w);
    return ex_fail(err, LOAM_ERR_NOMEM, "out of memory"), NULL;
  }
  return w;
}

/* Adds w to the map unless another thread did first; returns the one kept. */
static ex_worker *worker_add(struct loam_executor *ex, ex_worker *w) {
  pthread_mutex_lock(&ex->mu);
  ex_worker *have = map_find(ex, w->tmpl_name, w->name);
  if (have) {
    pthread_mutex_unlock(&ex->mu);
    worker_free(w);
    return have;
  }
  size_t b = bucket_of(w->tmpl_name, w->name);
  w->hnext = ex->buckets[b];
  ex->buckets[b] = w;
  ex->nworkers++;
  pthread_mutex_unlock(&ex->mu);
  return w;
}

/* Creates the worker in the store with its CREATE entry (durable on return). */
static bool worker_create(struct loam_executor *ex, const char *tmpl, const char *name,
                          size_t nenv, const char *const *env, size_t nargs,
                          const char *const *args, loam_error *err) {
  if (!name || !*name || strchr(name, '/'))
    return ex_fail(err, LOAM_ERR_ARGUMENT, "a worker name must be non-empty without '/'"),
           false;
  ex_template *t = tmpl_get(ex, tmpl, 0, err);
  if (!t) return false;
  loam_retry_policy rp = {ex->opt.retry.max_attempts, ex->opt.retry.min_delay_ms,
                          ex->opt.retry.max_delay_ms, ex->opt.retry.multiplier,
                          ex->opt.retry.jitter};
  loam_ds_worker row = {.template_name = (char *)tmpl,
                        .template_version = t->info.version,
                        .name = (char *)name,
                        .env = (char **)env,
                        .env_count = nenv,
                        .args = (char **)args,
                        .arg_count = nargs,
                        .status = LOAM_WS_IDLE,
                        .has_retry_policy = true,
                        .retry = rp};
  int64_t id = 0;
  bool exists = false;
  if (!loam_ds_worker_create(ex->ds, &row, &id, &exists, err)) {
    if (exists)
      ex_fail(err, LOAM_ERR_ARGUMENT, "worker %s/%s already exists", tmpl, name);
    return false;
  }
  ex_worker stub = {.id = id};
  loam_oplog_entry e = {.kind = LOAM_OPLOG_CREATE};
  e.u.create.template_name = (char *)tmpl;
  e.u.create.template_version = t->info.version;
  e.u.create.env = (char **)env;
  e.u.create.env_count = nenv;
  e.u.create.args = (char **)args;
  e.u.create.arg_count = nargs;
  loam_ds_ticket tk = ex_append(ex, &stub, NULL, &e, NULL, err);
  return tk && loam_ds_wait(ex->ds, tk, err);
}

/* The worker tmpl/name, from memory or the store; created when `create`
 * (with environment env[0..nenv): an RPC's target inherits its caller's). */
static ex_worker *worker_get_env(struct loam_executor *ex, const char *tmpl,
                                 const char *name, bool create, size_t nenv,
                                 const char *const *env, loam_error *err) {
  pthread_mutex_lock(&ex->mu);
  ex_worker *w = map_find(ex, tmpl, name);
  pthread_mutex_unlock(&ex->mu);
  if (w) return w;
  loam_ds_worker row = {0};
  if (!loam_ds_worker_find(ex->ds, tmpl, name, &row, err)) {
    if (err->code != LOAM_ERR_NOT_FOUND) return NULL;
    if (!create) {
      /* Say which part is missing. */
      if (tmpl_get(ex, tmpl, 0, err))
        ex_fail(err, LOAM_ERR_NOT_FOUND, "template %s has no worker named %s", tmpl, name);
      return NULL;
    }
    loam_error cerr;
    if (!worker_create(ex, tmpl, name, nenv, env, 0, NULL, &cerr) &&
        !strstr(cerr.message, "already exists")) {
      *err = cerr;
      return NULL;
    }
    if (!loam_ds_worker_find(ex->ds, tmpl, name, &row, err)) return NULL;
  }
  w = worker_from_row(ex, &row, err);
  loam_ds_worker_clear(&row);
  return w ? worker_add(ex, w) : NULL;
}

static ex_worker *worker_get(struct loam_executor *ex, const char *tmpl, const char *name,
                             bool create, loam_error *err) {
  return worker_get_env(ex, tmpl, name, create, 0, NULL, err);
}

ex_worker *ex_worker_find(struct loam_executor *ex, const char *tmpl, const char *name,
                          bool create, size_t nenv, const char *const *env,
                          loam_error *err) {
  return worker_get_env(ex, tmpl, name, create, nenv, env, err);
}

ex_worker *ex_worker_cached(struct loam_executor *ex, const char *tmpl, const char *name) {
  pthread_mutex_lock(&ex->mu);
  ex_worker *w = map_find(ex, tmpl, name);
  if (w && w->deleted) w = NULL;
  pthread_mutex_unlock(&ex->mu);
  return w;
}

bool loam_worker_create(loam_executor *ex, const char *tmpl, const char *worker,
                        size_t nenv, const char *const *env, size_t nargs,
                        const char *const *args, loam_error *err) {
  for (size_t i = 0; i < nenv; i++)
    if (!strchr(env[i], '='))
      return ex_fail(err, LOAM_ERR_ARGUMENT, "environment entry \"%s\" is not K=V", env[i]),
             false;
  if (!worker_create(ex, tmpl, worker, nenv, env, nargs, args, err)) return false;
  return worker_get(ex, tmpl, worker, false, err) != NULL;
}

bool loam_worker_get(loam_executor *ex, const char *tmpl, const char *worker,
                     loam_worker_info *out, loam_error *err) {
  ex_worker *w = worker_get(ex, tmpl, worker, false, err);
  if (!w) return false;
  uint64_t len = 0;
  loam_ds_oplog_length(ex->ds, w->id, &len, err);
  memset(out, 0, sizeof *out);
  pthread_mutex_lock(&ex->mu);
  snprintf(out->template_name, sizeof out->template_name, "%s", w->tmpl_name);
  snprintf(out->name, sizeof out->name, "%s", w->name);
  out->template_version = w->tpl->info.version;
  out->status = (loam_wstatus)w->status;
  out->oplog_length = len;
  out->pending = w->pending;
  out->invocations = w->completed;
  snprintf(out->last_error, sizeof out->last_error, "%s", w->last_error);
  out->nenv = w->nenv;
  out->nargs = w->nargs;
  out->env = (const char *const *)w->env;
  out->args = (const char *const *)w->args;
  pthread_mutex_unlock(&ex->mu);
  return true;
}

/* ---- the oplog as JSON ------------------------------------------------------------ */

/* Renders params (a JSON array) or results (the value, or an array when
 * there are several) with the template's types. */
typedef struct oplog_json {
  ex_template *t;
  char *buf;
  size_t len, cap;
  bool bad;
  char function[256]; /* of the last invoke-start: invoke-end entries do not
                         repeat it, but their results are typed by it */
  int kind;           /* of the entry being rendered */
} oplog_json;

static char *values_json(void *ud, const char *function, bool is_result,
                         const uint8_t *bytes, size_t len) {
  oplog_json *o = ud;
  ex_template *t = o->t;
  loam_error err;
  /* an outgoing call's values are golem:rpc's, and its function the target's */
  if (o->kind == LOAM_OPLOG_RPC_CALL || o->kind == LOAM_OPLOG_RPC_RESULT)
    return ex_rpc_value_json(is_result, bytes, len);
  if (function && !is_result)
    snprintf(o->function, sizeof o->function, "%s", function);
  else if (!function && o->function[0])
    function = o->function;
  const loam_export_info *info = function ? loam_template_find_export(&t->info, function, &err)
                                          : NULL;
  if (!info) return NULL;
  const ex_export *fn = &t->exports[info - t->export_infos];
  uint32_t n = is_result ? fn->sig.nresults : fn->sig.nparams;
  loam_value **v = ex_decode_values(is_result ? fn->sig.results : fn->sig.params, n, bytes,
                                    len, &err);
  if (!v) return NULL;
  loam_buf b = {0};
  bool array = !is_result || n != 1, ok = true;
  char *out = NULL;
  size_t cap = 2, used = 0;
  char **parts = calloc(n + 1, sizeof *parts);
  for (uint32_t i = 0; ok && parts && i < n; i++) {
    ok = (parts[i] = loam_value_to_json(v[i])) != NULL;
    if (ok) cap += strlen(parts[i]) + 1;
  }
  if (ok && parts && (out = malloc(cap + 1))) {
    if (array) out[used++] = '[';
    for (uint32_t i = 0; i < n; i++) {
      if (i) out[used++] = ',';
      size_t l = strlen(parts[i]);
      memcpy(out + used, parts[i], l);
      used += l;
    }
    if (array) out[used++] = ']';
    if (!array && n == 0) memcpy(out, "null", 4), used = 4;
    out[used] = '\0';
  }
  for (uint32_t i = 0; parts && i < n; i++) free(parts[i]);
  free(parts);
  loam_buf_free(&b);
  ex_free_values(v, n);
  return out;
}

static bool oplog_json_add(void *ud, uint64_t index, int kind, const uint8_t *p, size_t len) {
  oplog_json *o = ud;
  o->kind = kind;
  char *e = loam_oplog_bytes_to_json(index, p, len, values_json, o);
  if (!e) return o->bad = true, false;
  size_t l = strlen(e);
  if (o->len + l + 3 > o->cap) {
    size_t cap = (o->len + l + 3) * 2;
    char *nb = realloc(o->buf, cap);
    if (!nb) return free(e), o->bad = true, false;
    o->buf = nb;
    o->cap = cap;
  }
  if (o->len > 1) o->buf[o->len++] = ',';
  memcpy(o->buf + o->len, e, l);
  o->len += l;
  free(e);
  return true;
}

char *loam_worker_oplog_json(loam_executor *ex, const char *tmpl, const char *worker,
                             uint64_t from, uint64_t count, loam_error *err) {
  ex_worker *w = worker_get(ex, tmpl, worker, false, err);
  if (!w) return NULL;
  oplog_json o = {.t = w->tpl, .buf = malloc(64), .len = 1, .cap = 64};
  if (!o.buf) return ex_fail(err, LOAM_ERR_NOMEM, "out of memory"), NULL;
  o.buf[0] = '[';
  if (!loam_ds_oplog_read(ex->ds, w->id, from ? from : 1, count, oplog_json_add, &o, err) ||
      o.bad) {
    if (o.bad) ex_fail(err, LOAM_ERR_NOMEM, "out of memory");
    free(o.buf);
    return NULL;
  }
  o.buf[o.len++] = ']';
  o.buf[o.len] = '\0';
  return o.buf;
}

bool loam_worker_set_retry(loam_executor *ex, const char *tmpl, const char *worker,
                           const loam_retry_options *r, loam_error *err) {
  ex_worker *w = worker_get(ex, tmpl, worker, false, err);
  if (!w) return false;
  if (!r->max_attempts)
    return ex_fail(err, LOAM_ERR_ARGUMENT, "max_attempts must be at least 1"), false;
  loam_retry_policy p = {r->max_attempts, r->min_delay_ms, r->max_delay_ms, r->multiplier,
                         r->jitter};
  if (!loam_ds_worker_set_retry_policy(ex->ds, w->id, &p, err)) return false;
  loam_oplog_entry e = {.kind = LOAM_OPLOG_RETRY_POLICY};
  e.u.retry = p;
  pthread_mutex_lock(&ex->mu);
  w->retry = p;
  loam_ds_ticket t = ex_append(ex, w, NULL, &e, NULL, err);
  pthread_mutex_unlock(&ex->mu);
  return t && loam_ds_wait(ex->ds, t, err);
}

size_t loam_worker_list(loam_executor *ex, const char *tmpl, char ***names) {
  loam_ds_worker_filter f = {.template_name = tmpl};
  loam_ds_worker *rows = NULL;
  size_t n = 0;
  loam_error err;
  *names = NULL;
  if (!loam_ds_worker_list(ex->ds, &f, &rows, &n, &err)) return 0;
  char **v = calloc(n + 1, sizeof *v);
  for (size_t i = 0; v && i < n; i++) v[i] = strdup(rows[i].name);
  loam_ds_workers_free(rows, n);
  *names = v;
  return v ? n : 0;
}

void loam_worker_list_free(char **names, size_t n) { strv_free(names, n); }

/* Fails every invocation of w still waiting ([mu] held). */
static void abandon_all(struct loam_executor *ex, ex_worker *w, const char *why) {
  while (w->qhead) {
    ex_invocation *inv = w->qhead;
    w->qhead = inv->next;
    ex_inv_unref(ex, inv);
  }
  w->qtail = NULL;
  w->pending = 0;
  while (w->inflight) {
    ex_invocation *inv = w->inflight;
    inv->status = LOAM_ERR_NOT_FOUND;
    inv->err.code = LOAM_ERR_NOT_FOUND;
    snprintf(inv->err.message, sizeof inv->err.message, "%s", why);
    inv->acked = true;
    ex_inflight_remove(w, inv);
    pthread_cond_broadcast(&inv->cv);
    ex_inv_unref(ex, inv);
  }
}

bool loam_worker_delete(loam_executor *ex, const char *tmpl, const char *worker,
                        loam_error *err) {
  ex_worker *w = worker_get(ex, tmpl, worker, false, err);
  if (!w) return false;
  pthread_mutex_lock(&ex->mu);
  ex_claim(ex, w);
  w->deleted = true;
  map_remove(ex, w);
  ex_lru_remove(ex, w);
  char why[300];
  snprintf(why, sizeof why, "worker %s/%s was deleted", tmpl, worker);
  abandon_all(ex, w, why);
  pthread_mutex_unlock(&ex->mu);
  loam_error ferr;
  loam_ds_flush(ex->ds, &ferr);
  bool ok = loam_ds_worker_delete(ex->ds, w->id, err);
  ex_runtime_free(w->rt);
  w->rt = NULL;
  /* The struct stays (threads may still look at it); freed at close. */
  pthread_mutex_lock(&ex->mu);
  w->busy = false;
  w->hnext = ex->lru.hnext; /* the sentinel's hnext chains deleted workers */
  ex->lru.hnext = w;
  pthread_cond_broadcast(&ex->owner_cv);
  pthread_mutex_unlock(&ex->mu);
  return ok;
}

bool loam_worker_interrupt(loam_executor *ex, const char *tmpl, const char *worker,
                           loam_error *err) {
  ex_worker *w = worker_get(ex, tmpl, worker, false, err);
  if (!w) return false;
  pthread_mutex_lock(&ex->mu);
  bool ok = w->status != LOAM_WS_FAILED && w->status != LOAM_WS_EXITED;
  if (!ok) {
    ex_fail(err, LOAM_ERR_ARGUMENT, "worker %s/%s is %s", tmpl, worker,
            loam_wstatus_name((loam_wstatus)w->status));
  } else {
    if (w->running_store) {
      w->interrupt_req = true;
      loam_store_interrupt(w->running_store);
    }
    ex_set_status(ex, w, LOAM_WS_INTERRUPTED, NULL);
  }
  pthread_mutex_unlock(&ex->mu);
  return ok;
}

bool loam_worker_resume(loam_executor *ex, const char *tmpl, const char *worker,
                        loam_error *err) {
  ex_worker *w = worker_get(ex, tmpl, worker, false, err);
  if (!w) return false;
  pthread_mutex_lock(&ex->mu);
  if (w->status != LOAM_WS_INTERRUPTED) {
    ex_fail(err, LOAM_ERR_ARGUMENT, "worker %s/%s is not interrupted (it is %s)", tmpl,
            worker, loam_wstatus_name((loam_wstatus)w->status));
    pthread_mutex_unlock(&ex->mu);
    return false;
  }
  loam_oplog_entry e = {.kind = LOAM_OPLOG_RESUMED};
  ex_append(ex, w, NULL, &e, NULL, err);
  ex_set_status(ex, w, w->rt ? LOAM_WS_IDLE : LOAM_WS_SUSPENDED, NULL);
  if (w->stored_status != LOAM_WS_IDLE) {
    loam_ds_worker_set_status(ex->ds, w->id, LOAM_WS_IDLE, NULL, err);
    w->stored_status = LOAM_WS_IDLE;
  }
  if (w->qhead) {
    w->stored_status = LOAM_WS_RUNNING;
    loam_ds_worker_set_status(ex->ds, w->id, LOAM_WS_RUNNING, NULL, err);
    ex_schedule(ex, w);
  }
  pthread_mutex_unlock(&ex->mu);
  return true;
}

/* ---- invocations ---------------------------------------------------------------- */

void loam_invoke_result_free(loam_invoke_result *r) {
  if (!r) return;
  ex_free_values(r->values, r->nvalues);
  r->values = NULL;
  r->nvalues = 0;
}

/* Copies inv's outcome to the caller. [mu] held. */
static loam_status outcome(ex_invocation *inv, loam_invoke_result *out, loam_error *err) {
  if (inv->status != LOAM_OK) {
    *err = inv->err;
    err->code = inv->status;
    return inv->status;
  }
  if (out) {
    out->nvalues = inv->nresults;
    out->values = calloc(inv->nresults ? inv->nresults : 1, sizeof *out->values);
    for (uint32_t i = 0; out->values && i < inv->nresults; i++)
      out->values[i] = loam_value_clone(inv->results[i]);
  }
  return LOAM_OK;
}

/* Waits for inv's acknowledged outcome (or an interrupt); drops the
 * caller's reference. `early` (a worker-to-worker call): the outcome once
 * it is set and its END queued, before that is durable — the caller's own
 * entries about it (RPC_RESULT, END) are queued after, the store commits in
 * queue order, so the caller's acknowledgement covers the callee's; one
 * commit wait per call instead of two. [mu] held. */
static loam_status await(struct loam_executor *ex, ex_invocation *inv, uint32_t gen,
                         bool early, loam_invoke_result *out, loam_error *err) {
  while (!inv->acked && !(early && inv->finished) && inv->interrupts == gen && !ex->closing)
    pthread_cond_wait(&inv->cv, &ex->mu);
  loam_status st;
  if (inv->acked || (early && inv->finished)) {
    st = outcome(inv, out, err);
  } else if (ex->closing) {
    ex_fail(err, LOAM_ERR_LIMIT, "the executor is closing");
    st = LOAM_ERR_LIMIT;
  } else {
    ex_fail(err, LOAM_TRAP_INTERRUPTED,
            "worker %s was interrupted; the invocation (key %s) runs again on resume",
            inv->w->name, inv->key);
    st = LOAM_TRAP_INTERRUPTED;
  }
  ex_inv_unref(ex, inv);
  return st;
}

/* Fills a placeholder from the store's record of its key. [mu] not held. */
static void settle_from_store(struct loam_executor *ex, ex_invocation *inv,
                              const ex_export *fn, loam_ds_key *k) {
  loam_error err = {0};
  loam_value **vals = NULL;
  if (k->status == LOAM_DS_KEY_DONE)
    vals = ex_decode_values(fn->sig.results, fn->sig.nresults, k->result, k->result_len,
                            &err);
  pthread_mutex_lock(&ex->mu);
  if (inv->state == EX_INV_LOOKUP) {
    inv->fn = fn;
    if (k->status == LOAM_DS_KEY_DONE && vals) {
      inv->results = vals;
      inv->nresults = fn->sig.nresults;
      vals = NULL;
      inv->status = LOAM_OK;
    } else {
      inv->status = k->status == LOAM_DS_KEY_DONE ? LOAM_ERR_MALFORMED : LOAM_TRAP_HOST;
      if (k->status == LOAM_DS_KEY_DONE) inv->err = err;
      else snprintf(inv->err.message, sizeof inv->err.message, "%.*s",
                    (int)k->result_len, k->result ? (const char *)k->result : "");
    }
    inv->acked = true;
    inv->state = EX_INV_FINISHED;
    ex_inflight_remove(inv->w, inv);
    pthread_cond_broadcast(&inv->cv);
    ex_inv_unref(ex, inv);
  }
  pthread_mutex_unlock(&ex->mu);
  ex_free_values(vals, fn->sig.nresults);
}

/* Validates the call and encodes its params. */
static bool prepare(ex_worker *w, const char *function, loam_value *const *params,
                    size_t nparams, const ex_export **fn_out, loam_buf *bin,
                    loam_error *err) {
  const loam_export_info *info = loam_template_find_export(&w->tpl->info, function, err);
  if (!info) return false;
  const ex_export *fn = &w->tpl->exports[info - w->tpl->export_infos];
  if (nparams != fn->sig.nparams)
    return ex_fail(err, LOAM_ERR_ARGUMENT, "%s takes %u parameters, got %zu: %s", info->name,
                   fn->sig.nparams, nparams, fn->signature), false;
  for (size_t i = 0; i < nparams; i++) {
    char path[160];
    snprintf(path, sizeof path, "params[%zu] (%s)", i, info->func->params[i].name);
    if (!ex_check_value(params[i], fn->sig.params[i], path, err)) return false;
  }
  if (!ex_encode_values(params, (uint32_t)nparams, bin))
    return ex_fail(err, LOAM_ERR_NOMEM, "out of memory"), false;
  *fn_out = fn;
  return true;
}

/* An awaiting caller runs its worker's queue on its own thread when no one
 * else owns the worker: one hand-off less per invocation (the pool runs
 * queues nobody is waiting on). `steal`: even when the worker waits in the
 * run queue (the pool skips a worker someone owns, and its release
 * reschedules it) — an RPC caller blocks a pool thread of its own, and with
 * every pool thread waiting on a callee that only the pool would run, no
 * one would. [mu] held. */
static void run_inline(struct loam_executor *ex, ex_worker *w, bool steal) {
  if (w->busy || (w->in_runq && !steal) || !w->qhead || ex->closing) return;
  w->busy = true;
  pthread_mutex_unlock(&ex->mu);
  /* This thread waits for the outcome next: it commits the entries itself
   * (loam_ds_release) instead of waking the committer thread and sleeping
   * until it is done. Not for an RPC callee: its caller goes on before the
   * callee's entries are durable (see await). */
  if (!steal) loam_ds_hold(ex->ds);
  ex_run_queue(ex, w);
  if (!steal) loam_ds_release(ex->ds);
  pthread_mutex_lock(&ex->mu);
  ex_release(ex, w);
}

/* Recovers w in this process before its keys are looked up: recovery
 * re-queues accepted invocations (adopting placeholders of their keys) and
 * re-writes the key rows of invocations whose END is in the oplog, so the
 * store's answer for a key is complete. [mu] held (released meanwhile). */
static void ensure_recovered(struct loam_executor *ex, ex_worker *w) {
  if (w->recovered) return;
  ex_claim(ex, w);
  if (!w->recovered && !w->rt) {
    pthread_mutex_unlock(&ex->mu);
    loam_error err;
    ex_make_room(ex, w);
    bool ok = ex_runtime_load(ex, w, &err);
    pthread_mutex_lock(&ex->mu);
    if (!ok) {
      char why[1024];
      snprintf(why, sizeof why, "recovery failed: %.900s", err.message);
      ex_set_status(ex, w, LOAM_WS_FAILED, why);
    } else if (w->status == LOAM_WS_SUSPENDED) {
      w->status = LOAM_WS_IDLE;
    }
  }
  ex_release(ex, w);
}

/* Enqueues a new invocation (state LOOKUP placeholder) for running.
 * `accept`: write ENQUEUED first and return its ticket. [mu] held. */
static loam_ds_ticket start(struct loam_executor *ex, ex_worker *w, ex_invocation *inv,
                            const ex_export *fn, loam_buf *bin, bool accept,
                            loam_error *err) {
  loam_value **params = ex_decode_values(fn->sig.params, fn->sig.nparams, bin->data,
                                         bin->len, err);
  if (!params) return 0;
  inv->fn = fn;
  inv->params = params;
  inv->params_bin = *bin;
  *bin = (loam_buf){0};
  loam_ds_ticket t = 1;
  if (accept) {
    loam_oplog_entry e = {.kind = LOAM_OPLOG_ENQUEUED};
    e.u.invoke.function = (char *)fn->name;
    e.u.invoke.key = inv->key;
    e.u.invoke.params = (loam_oplog_bytes){inv->params_bin.data, inv->params_bin.len};
    t = ex_append(ex, w, NULL, &e, &inv->enqueued_index, err);
    if (t) t = loam_ds_key_put(ex->ds, w->id, inv->key, inv->enqueued_index,
                               LOAM_DS_KEY_PENDING, NULL, 0, err);
    if (t && w->stored_status != LOAM_WS_RUNNING) {
      t = loam_ds_worker_set_status(ex->ds, w->id, LOAM_WS_RUNNING, NULL, err);
      w->stored_status = LOAM_WS_RUNNING;
    }
    if (!t) return 0;
  }
  ex_enqueue(w, inv, false);
  if (accept || w->busy) ex_schedule(ex, w);
  return t;
}

/* Copies a call chain into a new invocation. [mu] held. */
static bool set_chain(ex_invocation *inv, const char *const *chain, size_t n) {
  if (!n) return true;
  inv->chain = strv_dup(chain, n);
  inv->nchain = inv->chain ? n : 0;
  return inv->chain != NULL;
}

loam_status ex_submit(loam_executor *ex, ex_worker *w, const char *function,
                      loam_value *const *params, size_t nparams, const char *key,
                      bool key_is_new, char *key_out, bool accept_only,
                      const char *const *chain, size_t nchain, loam_invoke_result *out,
                      loam_error *err) {
  if (out) *out = (loam_invoke_result){0};
  const char *tmpl = w->tmpl_name, *worker = w->name;
  const ex_export *fn = NULL;
  loam_buf bin = {0};
  if (!prepare(w, function, params, nparams, &fn, &bin, err)) return loam_buf_free(&bin), err->code;
  char keybuf[72];
  if (key && (!*key || strlen(key) >= sizeof keybuf)) {
    loam_buf_free(&bin);
    return ex_fail(err, LOAM_ERR_ARGUMENT, "an idempotency key is 1 to 71 bytes"), err->code;
  }
  if (key) snprintf(keybuf, sizeof keybuf, "%s", key);
  else ex_new_key(keybuf);
  if (key_out) snprintf(key_out, 72, "%s", keybuf);
  pthread_mutex_lock(&ex->mu);
  if (w->deleted || w->status == LOAM_WS_FAILED || w->status == LOAM_WS_EXITED) {
    ex_fail(err, w->deleted ? LOAM_ERR_NOT_FOUND : LOAM_ERR_INVALID, "worker %s/%s is %s%s%s",
            tmpl, worker, w->deleted ? "deleted" : loam_wstatus_name((loam_wstatus)w->status),
            w->last_error[0] ? ": " : "", w->last_error);
    pthread_mutex_unlock(&ex->mu);
    loam_buf_free(&bin);
    return err->code;
  }
  ex_invocation *inv = ex_inflight_find(w, keybuf);
  if (inv) {
    inv->refs++;
    loam_buf_free(&bin);
    /* re-queued by recovery, its chain lost: the caller sending its key
     * again brings it back, if it has not started (its runner reads the
     * chain without the lock once it runs) */
    if (!inv->nchain && !accept_only && inv->state != EX_INV_RUNNING)
      set_chain(inv, chain, nchain);
    if (accept_only) {
      ex_inv_unref(ex, inv);
      pthread_mutex_unlock(&ex->mu);
      return LOAM_OK;
    }
    loam_status st = await(ex, inv, inv->interrupts, nchain > 0, out, err);
    pthread_mutex_unlock(&ex->mu);
    return st;
  }
  inv = ex_inv_new(w, keybuf);
  if (inv) inv->unkeyed = !key && !key_out;
  if (inv && !set_chain(inv, chain, nchain)) {
    ex_inv_unref(ex, inv);
    inv = NULL;
  }
  if (!inv) {
    pthread_mutex_unlock(&ex->mu);
    loam_buf_free(&bin);
    return ex_fail(err, LOAM_ERR_NOMEM, "out of memory"), err->code;
  }
  inv->refs++; /* ours */
  ex_inflight_add(w, inv);
  ensure_recovered(ex, w); /* may adopt inv (its key was pending) */
  bool lookup = inv->state == EX_INV_LOOKUP;
  pthread_mutex_unlock(&ex->mu);

  loam_ds_key k = {0};
  bool found = false;
  loam_error kerr;
  /* a key generated here is new: only a caller's own key can be in the store */
  bool is_new = !key || key_is_new;
  if (lookup && !is_new) {
    if (loam_ds_key_get(ex->ds, w->id, keybuf, &k, &found, &kerr)) is_new = !found;
    else found = false;
  }
  loam_ds_ticket t = 1;
  if (found && k.status != LOAM_DS_KEY_PENDING) {
    settle_from_store(ex, inv, fn, &k);
    pthread_mutex_lock(&ex->mu);
  } else {
    pthread_mutex_lock(&ex->mu);
    if (inv->state == EX_INV_LOOKUP && found) {
      /* recovery ran and did not find it pending: the store is inconsistent */
      ex_fail(&inv->err, LOAM_ERR_NOT_FOUND, "invocation %s is pending in the store but "
              "not in the worker's oplog", keybuf);
      inv->status = LOAM_ERR_NOT_FOUND;
      inv->acked = true;
      ex_inflight_remove(w, inv);
      ex_inv_unref(ex, inv);
    } else if (inv->state == EX_INV_LOOKUP) {
      inv->fresh = is_new;
      t = start(ex, w, inv, fn, &bin, accept_only, err);
      if (!t) { /* nothing queued: the placeholder goes */
        inv->status = err->code ? err->code : LOAM_ERR_LIMIT;
        inv->err = *err;
        inv->acked = true;
        ex_inflight_remove(w, inv);
        pthread_cond_broadcast(&inv->cv);
        ex_inv_unref(ex, inv);
      }
    }
  }
  loam_ds_key_clear(&k);
  loam_buf_free(&bin);
  if (accept_only) {
    loam_status st = LOAM_OK;
    if (!t) st = err->code ? err->code : LOAM_ERR_LIMIT;
    ex_inv_unref(ex, inv);
    pthread_mutex_unlock(&ex->mu);
    if (st == LOAM_OK && t > 1 && !loam_ds_wait(ex->ds, t, err)) st = err->code;
    return st;
  }
  uint32_t gen = inv->interrupts; /* an interrupt during run_inline counts */
  run_inline(ex, w, nchain > 0);
  loam_status st = await(ex, inv, gen, nchain > 0, out, err);
  pthread_mutex_unlock(&ex->mu);
  return st;
}

static loam_status submit(loam_executor *ex, const char *tmpl, const char *worker,
                          const char *function, loam_value *const *params, size_t nparams,
                          const char *key, char *key_out, bool accept_only,
                          loam_invoke_result *out, loam_error *err) {
  if (out) *out = (loam_invoke_result){0};
  ex_worker *w = worker_get(ex, tmpl, worker, true, err);
  if (!w) return err->code;
  return ex_submit(ex, w, function, params, nparams, key, false, key_out, accept_only, NULL, 0,
                   out, err);
}

loam_status loam_invoke_and_await(loam_executor *ex, const char *tmpl, const char *worker,
                                  const char *function, loam_value *const *params,
                                  size_t nparams, const char *key, loam_invoke_result *out,
                                  loam_error *err) {
  return submit(ex, tmpl, worker, function, params, nparams, key, NULL, false, out, err);
}

loam_status loam_invoke(loam_executor *ex, const char *tmpl, const char *worker,
                        const char *function, loam_value *const *params, size_t nparams,
                        const char *key, char *key_out, loam_error *err) {
  return submit(ex, tmpl, worker, function, params, nparams, key, key_out, true, NULL, err);
}

void loam_executor_stats_get(loam_executor *ex, loam_executor_stats *out) {
  pthread_mutex_lock(&ex->mu);
  *out = ex->stats;
  out->active_workers = ex->nactive;
  pthread_mutex_unlock(&ex->mu);
  loam_ds_stats ds;
  loam_ds_stats_get(ex->ds, &ds);
  out->commits = ds.batches;
  out->committed_writes = ds.ops;
  out->commit_ns = ds.commit_ns;
}

/* ---- open and close ---------------------------------------------------------------- */

/* Workers that had accepted work (stored Running or Retrying) are loaded
 * now, so their queued invocations run and their keys are known. */
static void recover_busy_workers(struct loam_executor *ex) {
  static const int statuses[] = {LOAM_WS_RUNNING, LOAM_WS_RETRYING};
  for (size_t s = 0; s < 2; s++) {
    loam_ds_worker_filter f = {.status = statuses[s]};
    loam_ds_worker *rows = NULL;
    size_t n = 0;
    loam_error err;
    if (!loam_ds_worker_list(ex->ds, &f, &rows, &n, &err)) continue;
    for (size_t i = 0; i < n; i++) {
      ex_worker *w = worker_get(ex, rows[i].template_name, rows[i].name, false, &err);
      if (!w) continue;
      pthread_mutex_lock(&ex->mu);
      w->force_load = true;
      ex_schedule(ex, w);
      pthread_mutex_unlock(&ex->mu);
    }
    loam_ds_workers_free(rows, n);
  }
}

loam_executor *loam_executor_open(const char *dir, const loam_executor_options *o,
                                  loam_error *err) {
  loam_executor *ex = calloc(1, sizeof *ex);
  if (!ex) return ex_fail(err, LOAM_ERR_NOMEM, "out of memory"), NULL;
  if (o) ex->opt = *o;
  else loam_executor_options_default(&ex->opt);
  if (!ex->opt.threads) ex->opt.threads = 2;
  if (!ex->opt.stack_bytes) ex->opt.stack_bytes = 256 * 1024;
  if (!ex->opt.retry.max_attempts) ex->opt.retry.max_attempts = 1;
  pthread_mutex_init(&ex->mu, NULL);
  pthread_cond_init(&ex->work_cv, NULL);
  pthread_cond_init(&ex->owner_cv, NULL);
  pthread_cond_init(&ex->reaper_cv, NULL);
  ex->lru.lru_next = ex->lru.lru_prev = &ex->lru;
  ex->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  ex->buckets = calloc(NBUCKETS, sizeof *ex->buckets);
  ex->nbuckets = NBUCKETS;
  loam_ds_options dso = {.no_fsync = ex->opt.durability == LOAM_DURABILITY_NOSYNC};
  if (ex->buckets) ex->ds = loam_ds_open(dir, &dso, err);
  else ex_fail(err, LOAM_ERR_NOMEM, "out of memory");
  if (!ex->ds || !ex_pool_start(ex, err)) {
    loam_executor_close(ex);
    return NULL;
  }
  recover_busy_workers(ex);
  return ex;
}

void loam_executor_close(loam_executor *ex) {
  if (!ex) return;
  ex_pool_stop(ex);
  if (ex->ds) {
    loam_error err;
    loam_ds_flush(ex->ds, &err);
  }
  /* Wake anyone still waiting; their invocations stay in the store. */
  pthread_mutex_lock(&ex->mu);
  for (size_t b = 0; ex->buckets && b < ex->nbuckets; b++)
    for (ex_worker *w = ex->buckets[b]; w; w = w->hnext)
      for (ex_invocation *i = w->inflight; i; i = i->inext) pthread_cond_broadcast(&i->cv);
  pthread_mutex_unlock(&ex->mu);
  loam_ds_close(ex->ds); /* runs the last acknowledgements */
  for (size_t b = 0; ex->buckets && b < ex->nbuckets; b++) {
    for (ex_worker *w = ex->buckets[b], *next; w; w = next) {
      next = w->hnext;
      while (w->qhead) {
        ex_invocation *inv = w->qhead;
        w->qhead = inv->next;
        ex_inv_unref(ex, inv);
      }
      while (w->inflight) {
        ex_invocation *inv = w->inflight;
        ex_inflight_remove(w, inv);
        ex_inv_unref(ex, inv);
      }
      worker_free(w);
    }
  }
  for (ex_worker *w = ex->lru.hnext, *next; w; w = next) {
    next = w->hnext;
    worker_free(w);
  }
  for (ex_template *t = ex->templates, *next; t; t = next) {
    next = t->next;
    ex_template_free(t);
  }
  free(ex->buckets);
  free(ex->threads);
  if (ex->devnull >= 0) close(ex->devnull);
  pthread_mutex_destroy(&ex->mu);
  pthread_cond_destroy(&ex->work_cv);
  pthread_cond_destroy(&ex->owner_cv);
  pthread_cond_destroy(&ex->reaper_cv);
  free(ex);
}
