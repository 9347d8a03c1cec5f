/* store_api.c — the store's reads and direct writes (forwarded to the
 * backend, after draining the commit queue where order matters), and the
 * helpers that free what they return. */
#include "durable/store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wasm/module.h"

#define CALL(ds, fn, ...) (ds)->be->ops->fn((ds)->be, __VA_ARGS__)

/* ---- oplog and keys --------------------------------------------------------- */

bool loam_ds_oplog_read(loam_ds *ds, int64_t worker, uint64_t from,
                        uint64_t max_count, loam_ds_oplog_fn fn, void *ud,
                        loam_error *err) {
  return CALL(ds, oplog_read, worker, from, max_count, fn, ud, err);
}

bool loam_ds_oplog_length(loam_ds *ds, int64_t worker, uint64_t *len,
                          loam_error *err) {
  return CALL(ds, oplog_length, worker, len, err);
}

bool loam_ds_oplog_last_of_kind(loam_ds *ds, int64_t worker, int kind,
                                uint64_t *index, loam_error *err) {
  return CALL(ds, oplog_last_of_kind, worker, kind, index, err);
}

bool loam_ds_oplog_bytes(loam_ds *ds, int64_t worker, uint64_t *bytes,
                         loam_error *err) {
  return CALL(ds, oplog_bytes, worker, bytes, err);
}

bool loam_ds_key_get(loam_ds *ds, int64_t worker, const char *key,
                     loam_ds_key *out, bool *found, loam_error *err) {
  memset(out, 0, sizeof *out);
  *found = false;
  if (!key) return wasm_fail(err, LOAM_ERR_ARGUMENT, "key_get: no key");
  return CALL(ds, key_get, worker, key, out, found, err);
}

void loam_ds_key_clear(loam_ds_key *k) {
  if (!k) return;
  free(k->result);
  memset(k, 0, sizeof *k);
}

/* ---- templates ------------------------------------------------------------------ */

bool loam_ds_template_put(loam_ds *ds, const char *name, const uint8_t *bytes,
                          size_t len, const char *meta, loam_ds_template *out,
                          loam_error *err) {
  if (!name || !*name) return wasm_fail(err, LOAM_ERR_ARGUMENT, "template: empty name");
  loam_ds_template tmp;
  if (!out) out = &tmp;
  memset(out, 0, sizeof *out);
  bool ok = CALL(ds, template_put, name, bytes, len, meta, ds_now_ms(), out, err);
  if (out == &tmp) loam_ds_template_clear(&tmp);
  return ok;
}

bool loam_ds_template_get(loam_ds *ds, const char *name, uint32_t version,
                          loam_ds_template *out, loam_error *err) {
  memset(out, 0, sizeof *out);
  if (!name) return wasm_fail(err, LOAM_ERR_ARGUMENT, "template: no name");
  return CALL(ds, template_get, name, version, 0, out, err);
}

bool loam_ds_template_get_id(loam_ds *ds, int64_t id, loam_ds_template *out,
                             loam_error *err) {
  memset(out, 0, sizeof *out);
  return CALL(ds, template_get, NULL, 0, id, out, err);
}

bool loam_ds_template_list(loam_ds *ds, const char *name,
                           loam_ds_template **out, size_t *n, loam_error *err) {
  *out = NULL;
  *n = 0;
  return CALL(ds, template_list, name, out, n, err);
}

void loam_ds_template_clear(loam_ds_template *t) {
  if (!t) return;
  free(t->name);
  free(t->bytes);
  free(t->meta);
  memset(t, 0, sizeof *t);
}

void loam_ds_templates_free(loam_ds_template *arr, size_t n) {
  for (size_t i = 0; arr && i < n; i++) loam_ds_template_clear(&arr[i]);
  free(arr);
}

/* ---- workers ---------------------------------------------------------------------- */

static const char *const status_names[] = {
    [LOAM_WORKER_RUNNING] = "running",     [LOAM_WORKER_IDLE] = "idle",
    [LOAM_WORKER_SUSPENDED] = "suspended", [LOAM_WORKER_INTERRUPTED] = "interrupted",
    [LOAM_WORKER_RETRYING] = "retrying",   [LOAM_WORKER_FAILED] = "failed",
    [LOAM_WORKER_EXITED] = "exited",
};

const char *loam_worker_status_name(int status) {
  if (status < LOAM_WORKER_RUNNING || status > LOAM_WORKER_EXITED) return "unknown";
  return status_names[status];
}

int loam_worker_status_parse(const char *name) {
  for (int s = LOAM_WORKER_RUNNING; name && s <= LOAM_WORKER_EXITED; s++)
    if (strcasecmp(name, status_names[s]) == 0) return s;
  return 0;
}

bool loam_ds_worker_create(loam_ds *ds, const loam_ds_worker *w,
                           int64_t *id_out, bool *exists, loam_error *err) {
  bool dummy;
  if (!exists) exists = &dummy;
  *exists = false;
  if (!w->template_name || !w->name || !*w->name)
    return wasm_fail(err, LOAM_ERR_ARGUMENT, "worker: template name and worker name are required");
  int64_t id = 0;
  if (!CALL(ds, worker_create, w, ds_now_ms(), &id, exists, err)) return false;
  if (id_out) *id_out = id;
  return true;
}

/* The one worker matching `f`/`id`, or LOAM_ERR_NOT_FOUND. */
static bool worker_one(loam_ds *ds, const loam_ds_worker_filter *f, int64_t id,
                       loam_ds_worker *out, const char *what, loam_error *err) {
  memset(out, 0, sizeof *out);
  loam_ds_worker *arr = NULL;
  size_t n = 0;
  if (!CALL(ds, worker_list, f, id, &arr, &n, err)) return false;
  if (n == 0) {
    free(arr);
    return wasm_fail(err, LOAM_ERR_NOT_FOUND, "no worker %s", what);
  }
  *out = arr[0];
  for (size_t i = 1; i < n; i++) loam_ds_worker_clear(&arr[i]);   /* none: unique */
  free(arr);
  return true;
}

bool loam_ds_worker_get(loam_ds *ds, int64_t id, loam_ds_worker *out,
                        loam_error *err) {
  char what[40];
  snprintf(what, sizeof what, "with id %lld", (long long)id);
  return worker_one(ds, NULL, id, out, what, err);
}

bool loam_ds_worker_find(loam_ds *ds, const char *template_name,
                         const char *name, loam_ds_worker *out,
                         loam_error *err) {
  if (!template_name || !name) {
    memset(out, 0, sizeof *out);
    return wasm_fail(err, LOAM_ERR_ARGUMENT, "worker_find: names required");
  }
  loam_ds_worker_filter f = {.template_name = template_name, .name = name};
  char what[300];
  snprintf(what, sizeof what, "'%.120s' of template '%.120s'", name, template_name);
  return worker_one(ds, &f, 0, out, what, err);
}

bool loam_ds_worker_list(loam_ds *ds, const loam_ds_worker_filter *f,
                         loam_ds_worker **out, size_t *n, loam_error *err) {
  *out = NULL;
  *n = 0;
  return CALL(ds, worker_list, f, 0, out, n, err);
}

static void free_strs(char **list, size_t n) {
  for (size_t i = 0; list && i < n; i++) free(list[i]);
  free(list);
}

void loam_ds_worker_clear(loam_ds_worker *w) {
  if (!w) return;
  free(w->template_name);
  free(w->name);
  free(w->last_error);
  free_strs(w->env, w->env_count);
  free_strs(w->args, w->arg_count);
  memset(w, 0, sizeof *w);
}

void loam_ds_workers_free(loam_ds_worker *arr, size_t n) {
  for (size_t i = 0; arr && i < n; i++) loam_ds_worker_clear(&arr[i]);
  free(arr);
}

bool loam_ds_worker_set_retry_policy(loam_ds *ds, int64_t worker,
                                     const loam_retry_policy *p,
                                     loam_error *err) {
  if (!ds_drain(ds, err)) return false;
  return CALL(ds, worker_set_retry, worker, p, ds_now_ms(), err);
}

bool loam_ds_worker_delete(loam_ds *ds, int64_t worker, loam_error *err) {
  if (!ds_drain(ds, err)) return false;
  if (!CALL(ds, worker_delete, worker, err)) return false;
  ds_forget_worker(ds, worker);
  return true;
}
