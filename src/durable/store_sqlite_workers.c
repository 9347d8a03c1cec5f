/* store_sqlite_workers.c — the SQLite backend's worker table: create, list
 * with filters, retry policy, delete (with everything the worker owns). */
#include "durable/store_sqlite.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/module.h"

#define SQ(base) ((sq_backend *)(base))

/* env/args are stored as JSON arrays of strings. */
static char *strs_to_json(char *const *list, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; a && list && i < n; i++) {
    json_t *s = json_string(list[i] ? list[i] : "");
    if (!s || json_array_append_new(a, s) != 0) {
      json_decref(a);
      return NULL;
    }
  }
  char *text = a ? json_dumps(a, JSON_COMPACT) : NULL;
  json_decref(a);
  return text;
}

static bool strs_from_json(const char *text, char ***list, size_t *n) {
  *list = NULL;
  *n = 0;
  json_t *a = text ? json_loads(text, 0, NULL) : NULL;
  if (!json_is_array(a)) {
    json_decref(a);
    return text == NULL;
  }
  size_t count = json_array_size(a);
  bool ok = true;
  if (count) {
    *list = calloc(count, sizeof **list);
    ok = *list != NULL;
    for (size_t i = 0; ok && i < count; i++) {
      const char *s = json_string_value(json_array_get(a, i));
      (*list)[i] = strdup(s ? s : "");
      ok = (*list)[i] != NULL;
      *n = i + 1;
    }
  }
  json_decref(a);
  return ok;
}

bool sq_worker_create(ds_backend *base, const loam_ds_worker *w, int64_t now_ms,
                      int64_t *id, bool *exists, loam_error *err) {
  sq_backend *b = SQ(base);
  char *env = strs_to_json(w->env, w->env_count);
  char *args = strs_to_json(w->args, w->arg_count);
  if (!env || !args) {
    free(env);
    free(args);
    return wasm_fail(err, LOAM_ERR_ARGUMENT, "worker: env and args must be UTF-8");
  }
  bool ok = sq_write_begin(b, err);
  sqlite3_stmt *s = ok ? sq_prepare(&b->w,
      "INSERT INTO workers(template_name, template_version, name, env, args, status,"
      " retry_max, retry_min_ms, retry_max_ms, retry_mult, retry_jitter, created, updated)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)", err) : NULL;
  if (ok && !s) sq_write_rollback(b);
  ok = s != NULL;
  if (ok) {
    sqlite3_bind_text(s, 1, w->template_name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, w->template_version);
    sqlite3_bind_text(s, 3, w->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, env, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, args, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 6, w->status ? w->status : LOAM_WORKER_IDLE);
    if (w->has_retry_policy) {
      sqlite3_bind_int64(s, 7, w->retry.max_attempts);
      sqlite3_bind_int64(s, 8, w->retry.min_delay_ms);
      sqlite3_bind_int64(s, 9, w->retry.max_delay_ms);
      sqlite3_bind_double(s, 10, w->retry.multiplier);
      sqlite3_bind_double(s, 11, w->retry.jitter);
    }
    sqlite3_bind_int64(s, 12, now_ms);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE) {
      *id = sqlite3_last_insert_rowid(b->w.db);
      ok = sq_write_commit(b, err);
    } else {
      bool dup = sqlite3_extended_errcode(b->w.db) == SQLITE_CONSTRAINT_UNIQUE;
      if (dup) {
        *exists = true;
        wasm_fail(err, LOAM_ERR_ARGUMENT, "worker '%.200s' of template '%.200s' already exists",
                  w->name, w->template_name);
      } else {
        sq_fail(&b->w, "worker insert", err);
      }
      sq_write_rollback(b);
      ok = false;
    }
  }
  free(env);
  free(args);
  return ok;
}

#define W_COLS "SELECT id, template_name, template_version, name, env, args, status," \
               " last_error, retry_max, retry_min_ms, retry_max_ms, retry_mult," \
               " retry_jitter, created, updated FROM workers WHERE 1"

static bool worker_row(sqlite3_stmt *s, loam_ds_worker *w) {
  memset(w, 0, sizeof *w);
  w->id = sqlite3_column_int64(s, 0);
  w->template_version = (uint32_t)sqlite3_column_int64(s, 2);
  w->status = sqlite3_column_int(s, 6);
  w->has_retry_policy = sqlite3_column_type(s, 8) != SQLITE_NULL;
  if (w->has_retry_policy) {
    w->retry.max_attempts = (uint32_t)sqlite3_column_int64(s, 8);
    w->retry.min_delay_ms = (uint32_t)sqlite3_column_int64(s, 9);
    w->retry.max_delay_ms = (uint32_t)sqlite3_column_int64(s, 10);
    w->retry.multiplier = sqlite3_column_double(s, 11);
    w->retry.jitter = sqlite3_column_double(s, 12);
  }
  w->created_ms = sqlite3_column_int64(s, 13);
  w->updated_ms = sqlite3_column_int64(s, 14);
  char *env = NULL, *args = NULL;
  bool ok = sq_col_text(s, 1, &w->template_name) && sq_col_text(s, 3, &w->name) &&
            sq_col_text(s, 7, &w->last_error) && sq_col_text(s, 4, &env) &&
            sq_col_text(s, 5, &args) && strs_from_json(env, &w->env, &w->env_count) &&
            strs_from_json(args, &w->args, &w->arg_count);
  free(env);
  free(args);
  return ok;
}

bool sq_worker_list(ds_backend *base, const loam_ds_worker_filter *f, int64_t id,
                    loam_ds_worker **out, size_t *n, loam_error *err) {
  char sql[768];
  snprintf(sql, sizeof sql, "%s%s%s%s%s%s ORDER BY id%s", W_COLS,
           id ? " AND id = ?1" : "",
           f && f->template_name ? " AND template_name = ?2" : "",
           f && f->name ? " AND name = ?3" : "",
           f && f->status ? " AND status = ?4" : "",
           f && f->after_id ? " AND id > ?5" : "",
           f && f->limit ? " LIMIT ?6" : "");
  sq_conn *c = sq_read_begin(SQ(base));
  sqlite3_stmt *s = sq_prepare(c, sql, err);
  bool ok = s != NULL;
  size_t cap = 0;
  if (ok) {
    if (id) sqlite3_bind_int64(s, 1, id);
    if (f && f->template_name) sqlite3_bind_text(s, 2, f->template_name, -1, SQLITE_STATIC);
    if (f && f->name) sqlite3_bind_text(s, 3, f->name, -1, SQLITE_STATIC);
    if (f && f->status) sqlite3_bind_int(s, 4, f->status);
    if (f && f->after_id) sqlite3_bind_int64(s, 5, f->after_id);
    if (f && f->limit) sqlite3_bind_int64(s, 6, f->limit > INT64_MAX ? INT64_MAX : (int64_t)f->limit);
    int rc = SQLITE_DONE;
    while (ok && (rc = sqlite3_step(s)) == SQLITE_ROW) {
      if (*n == cap) {
        cap = cap ? cap * 2 : 16;
        loam_ds_worker *a = realloc(*out, cap * sizeof *a);
        if (!a) {
          ok = wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
          break;
        }
        *out = a;
      }
      ok = worker_row(s, &(*out)[*n]);
      (*n)++;
      if (!ok) wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
    }
    if (ok && rc != SQLITE_DONE) ok = sq_fail(c, "worker list", err);
    sqlite3_finalize(s);
  }
  sq_read_end(c);
  if (!ok) {
    loam_ds_workers_free(*out, *n);
    *out = NULL;
    *n = 0;
  }
  return ok;
}

/* Runs one UPDATE/DELETE-style statement with the worker bound as ?1 in its
 * own transaction; *changes gets the number of rows changed. */
static bool worker_write(sq_backend *b, const char *const *sqls, size_t nsql,
                         int64_t worker, const loam_retry_policy *p, int64_t now_ms,
                         int *changes, loam_error *err) {
  if (!sq_write_begin(b, err)) return false;
  *changes = 0;
  for (size_t i = 0; i < nsql; i++) {
    sqlite3_stmt *s = sq_prepare(&b->w, sqls[i], err);
    if (!s) {
      sq_write_rollback(b);
      return false;
    }
    sqlite3_bind_int64(s, 1, worker);
    if (sqlite3_bind_parameter_count(s) >= 2) sqlite3_bind_int64(s, 2, now_ms);
    if (p && sqlite3_bind_parameter_count(s) >= 7) {
      sqlite3_bind_int64(s, 3, p->max_attempts);
      sqlite3_bind_int64(s, 4, p->min_delay_ms);
      sqlite3_bind_int64(s, 5, p->max_delay_ms);
      sqlite3_bind_double(s, 6, p->multiplier);
      sqlite3_bind_double(s, 7, p->jitter);
    }
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
      sq_fail(&b->w, "worker update", err);
      sq_write_rollback(b);
      return false;
    }
    if (i == 0) *changes = sqlite3_changes(b->w.db);
  }
  return sq_write_commit(b, err);
}

bool sq_worker_set_retry(ds_backend *base, int64_t worker, const loam_retry_policy *p,
                         int64_t now_ms, loam_error *err) {
  const char *sql = p ? "UPDATE workers SET updated = ?2, retry_max = ?3, retry_min_ms = ?4,"
                        " retry_max_ms = ?5, retry_mult = ?6, retry_jitter = ?7 WHERE id = ?1"
                      : "UPDATE workers SET updated = ?2, retry_max = NULL, retry_min_ms = NULL,"
                        " retry_max_ms = NULL, retry_mult = NULL, retry_jitter = NULL WHERE id = ?1";
  int changes = 0;
  if (!worker_write(SQ(base), &sql, 1, worker, p, now_ms, &changes, err)) return false;
  if (changes == 0)
    return wasm_fail(err, LOAM_ERR_NOT_FOUND, "no worker with id %lld", (long long)worker);
  return true;
}

bool sq_worker_delete(ds_backend *base, int64_t worker, loam_error *err) {
  static const char *const sqls[] = {
      "DELETE FROM workers WHERE id = ?1",
      "DELETE FROM oplog WHERE worker = ?1",
      "DELETE FROM oplog_recent WHERE worker = ?1",
      "DELETE FROM idem_keys WHERE worker = ?1",
      "DELETE FROM snapshots WHERE worker = ?1",
      "DELETE FROM snapshot_pages WHERE worker = ?1",
  };
  int changes = 0;
  if (!worker_write(SQ(base), sqls, sizeof sqls / sizeof *sqls, worker, NULL, 0, &changes, err))
    return false;
  if (changes == 0)
    return wasm_fail(err, LOAM_ERR_NOT_FOUND, "no worker with id %lld", (long long)worker);
  return true;
}
