/* store_sqlite_ops.c — the SQLite backend's oplog and key reads and its
 * template table. */
#include "durable/store_sqlite.h"

#include <stdlib.h>
#include <string.h>

#include "wasm/module.h"

#define SQ(base) ((sq_backend *)(base))

/* ---- oplog ------------------------------------------------------------------ */

bool sq_oplog_read(ds_backend *base, int64_t worker, uint64_t from, uint64_t max,
                   loam_ds_oplog_fn fn, void *ud, loam_error *err) {
  sq_conn *c = sq_read_begin(SQ(base));
  sqlite3_stmt *s = sq_stmt(c, SQ_READ_OPLOG, err);
  bool ok = s != NULL;
  if (ok) {
    sqlite3_bind_int64(s, 1, worker);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)(from > INT64_MAX ? INT64_MAX : from));
    sqlite3_bind_int64(s, 3, max == 0 || max > INT64_MAX ? -1 : (sqlite3_int64)max);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      const void *p = sqlite3_column_blob(s, 2);
      size_t n = (size_t)sqlite3_column_bytes(s, 2);
      if (!fn(ud, (uint64_t)sqlite3_column_int64(s, 0), sqlite3_column_int(s, 1),
              p ? p : (const void *)"", n))
        break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) ok = sq_fail(c, "oplog read", err);
    sq_done(s);
  }
  sq_read_end(c);
  return ok;
}

/* Runs a one-row, one-integer query with (worker[, kind]) bound. */
static bool scalar_query(ds_backend *base, sq_stmt_id id, const char *sql,
                         int64_t worker, int kind, uint64_t *out, loam_error *err) {
  sq_conn *c = sq_read_begin(SQ(base));
  sqlite3_stmt *s = sql ? sq_prepare(c, sql, err) : sq_stmt(c, id, err);
  bool ok = s != NULL;
  if (ok) {
    sqlite3_bind_int64(s, 1, worker);
    if (sqlite3_bind_parameter_count(s) >= 2) sqlite3_bind_int(s, 2, kind);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) *out = (uint64_t)sqlite3_column_int64(s, 0);
    else ok = sq_fail(c, "oplog query", err);
    if (sql) sqlite3_finalize(s);
    else sq_done(s);
  }
  sq_read_end(c);
  return ok;
}

bool sq_oplog_length(ds_backend *b, int64_t worker, uint64_t *len, loam_error *err) {
  *len = 0;
  return scalar_query(b, SQ_OPLOG_LEN, NULL, worker, 0, len, err);
}

bool sq_oplog_last_of_kind(ds_backend *b, int64_t worker, int kind,
                           uint64_t *index, loam_error *err) {
  *index = 0;
  return scalar_query(b, 0,
                      "SELECT max(coalesce((SELECT max(idx) FROM oplog WHERE worker = ?1 AND"
                      " kind = ?2), 0), coalesce((SELECT max(idx) FROM oplog_recent WHERE"
                      " worker = ?1 AND kind = ?2), 0))",
                      worker, kind, index, err);
}

bool sq_oplog_bytes(ds_backend *b, int64_t worker, uint64_t *bytes, loam_error *err) {
  *bytes = 0;
  return scalar_query(b, 0,
                      "SELECT (SELECT total(length(payload)) FROM oplog WHERE worker = ?1) +"
                      " (SELECT total(length(payload)) FROM oplog_recent WHERE worker = ?1)",
                      worker, 0, bytes, err);
}

/* ---- idempotency keys --------------------------------------------------------- */

bool sq_key_get(ds_backend *base, int64_t worker, const char *key, loam_ds_key *out,
                bool *found, loam_error *err) {
  sq_conn *c = sq_read_begin(SQ(base));
  sqlite3_stmt *s = sq_stmt(c, SQ_GET_KEY, err);
  bool ok = s != NULL;
  if (ok) {
    sqlite3_bind_int64(s, 1, worker);
    sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
      out->oplog_index = (uint64_t)sqlite3_column_int64(s, 0);
      out->status = (loam_ds_key_status)sqlite3_column_int(s, 1);
      ok = sq_col_blob(s, 2, &out->result, &out->result_len);
      if (!ok) wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
      *found = ok;
    } else if (rc != SQLITE_DONE) {
      ok = sq_fail(c, "key read", err);
    }
    sq_done(s);
  }
  sq_read_end(c);
  return ok;
}

/* ---- templates ------------------------------------------------------------------ */

bool sq_template_put(ds_backend *base, const char *name, const uint8_t *bytes,
                     size_t len, const char *meta, int64_t now_ms,
                     loam_ds_template *out, loam_error *err) {
  sq_backend *b = SQ(base);
  if (!sq_write_begin(b, err)) return false;
  sqlite3_stmt *s = sq_prepare(&b->w,
      "INSERT INTO templates(name, version, bytes, meta, created) VALUES(?1,"
      " (SELECT coalesce(max(version), 0) + 1 FROM templates WHERE name = ?1), ?2, ?3, ?4)"
      " RETURNING id, version", err);
  bool ok = s != NULL;
  if (ok) {
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    sq_bind_blob(s, 2, bytes, len);
    if (meta) sqlite3_bind_text(s, 3, meta, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, now_ms);
    if (sqlite3_step(s) == SQLITE_ROW) {
      out->id = sqlite3_column_int64(s, 0);
      out->version = (uint32_t)sqlite3_column_int64(s, 1);
      ok = sqlite3_step(s) == SQLITE_DONE || sq_fail(&b->w, "template insert", err);
    } else {
      ok = sq_fail(&b->w, "template insert", err);
    }
    sqlite3_finalize(s);
  }
  if (!ok) {
    sq_write_rollback(b);
    return false;
  }
  if (!sq_write_commit(b, err)) return false;
  out->name = strdup(name);
  out->meta = meta ? strdup(meta) : NULL;
  out->len = len;
  out->created_ms = now_ms;
  if (!out->name || (meta && !out->meta)) return wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
  return true;
}

#define TPL_COLS "SELECT id, name, version, length(bytes), meta, created"

/* Reads a row of TPL_COLS (+ bytes as column 6 when with_bytes). */
static bool template_row(sqlite3_stmt *s, bool with_bytes, loam_ds_template *t) {
  memset(t, 0, sizeof *t);
  t->id = sqlite3_column_int64(s, 0);
  t->version = (uint32_t)sqlite3_column_int64(s, 2);
  t->len = (size_t)sqlite3_column_int64(s, 3);
  t->created_ms = sqlite3_column_int64(s, 5);
  bool ok = sq_col_text(s, 1, &t->name) && sq_col_text(s, 4, &t->meta);
  size_t n = 0;
  if (ok && with_bytes) ok = sq_col_blob(s, 6, &t->bytes, &n);
  return ok;
}

bool sq_template_get(ds_backend *base, const char *name, uint32_t version,
                     int64_t id, loam_ds_template *out, loam_error *err) {
  const char *sql =
      !name ? TPL_COLS ", bytes FROM templates WHERE id = ?3"
      : version ? TPL_COLS ", bytes FROM templates WHERE name = ?1 AND version = ?2"
                : TPL_COLS ", bytes FROM templates WHERE name = ?1 ORDER BY version DESC LIMIT 1";
  sq_conn *c = sq_read_begin(SQ(base));
  sqlite3_stmt *s = sq_prepare(c, sql, err);
  bool ok = s != NULL;
  if (ok) {
    if (name) sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    if (version) sqlite3_bind_int64(s, 2, version);
    if (!name) sqlite3_bind_int64(s, 3, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
      ok = template_row(s, true, out);
      if (!ok) wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
    } else if (rc == SQLITE_DONE) {
      ok = !name ? wasm_fail(err, LOAM_ERR_NOT_FOUND, "no template with id %lld", (long long)id)
           : version ? wasm_fail(err, LOAM_ERR_NOT_FOUND, "no version %u of template '%.200s'",
                                 version, name)
                     : wasm_fail(err, LOAM_ERR_NOT_FOUND, "no template '%.200s'", name);
    } else {
      ok = sq_fail(c, "template read", err);
    }
    sqlite3_finalize(s);
  }
  sq_read_end(c);
  if (!ok) {
    free(out->name);
    free(out->meta);
    free(out->bytes);
    memset(out, 0, sizeof *out);
  }
  return ok;
}

bool sq_template_list(ds_backend *base, const char *name, loam_ds_template **out,
                      size_t *n, loam_error *err) {
  const char *sql = name ? TPL_COLS " FROM templates WHERE name = ?1 ORDER BY name, version"
                         : TPL_COLS " FROM templates ORDER BY name, version";
  sq_conn *c = sq_read_begin(SQ(base));
  sqlite3_stmt *s = sq_prepare(c, sql, err);
  bool ok = s != NULL;
  size_t cap = 0;
  if (ok) {
    if (name) sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    int rc = SQLITE_DONE;
    while (ok && (rc = sqlite3_step(s)) == SQLITE_ROW) {
      if (*n == cap) {
        cap = cap ? cap * 2 : 8;
        loam_ds_template *a = realloc(*out, cap * sizeof *a);
        if (!a) {
          ok = wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
          break;
        }
        *out = a;
      }
      ok = template_row(s, false, &(*out)[*n]);
      (*n)++;
      if (!ok) wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
    }
    if (ok && rc != SQLITE_DONE) ok = sq_fail(c, "template list", err);
    sqlite3_finalize(s);
  }
  sq_read_end(c);
  if (!ok) {
    loam_ds_templates_free(*out, *n);
    *out = NULL;
    *n = 0;
  }
  return ok;
}
