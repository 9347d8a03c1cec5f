/* store_sqlite.c — the SQLite backend: opening the data directory (lock file,
 * WAL mode, schema), its connections and cached statements, and the group
 * commit transaction. */
#include "durable/store_sqlite.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "durable/fault.h"
#include "wasm/module.h"

static const char *const stmt_sql[SQ_NSTMT] = {
    [SQ_INS_OPLOG] = "INSERT INTO oplog_recent(worker, idx, kind, payload) VALUES(?1, ?2, ?3, ?4)",
    [SQ_PUT_KEY] = "INSERT OR REPLACE INTO idem_keys(worker, key, oplog_idx, status, result) "
                   "VALUES(?1, ?2, ?3, ?4, ?5)",
    [SQ_SET_STATUS] = "UPDATE workers SET status = ?2, updated = ?3 WHERE id = ?1",
    [SQ_SET_STATUS_ERR] = "UPDATE workers SET status = ?2, updated = ?3, last_error = ?4 WHERE id = ?1",
    [SQ_READ_OPLOG] = "SELECT idx, kind, payload FROM oplog WHERE worker = ?1 AND idx >= ?2 "
                      "UNION ALL SELECT idx, kind, payload FROM oplog_recent "
                      "WHERE worker = ?1 AND idx >= ?2 ORDER BY 1 LIMIT ?3",
    [SQ_OPLOG_LEN] = "SELECT max(coalesce((SELECT max(idx) FROM oplog WHERE worker = ?1), 0),"
                     " coalesce((SELECT max(idx) FROM oplog_recent WHERE worker = ?1), 0))",
    [SQ_GET_KEY] = "SELECT oplog_idx, status, result FROM idem_keys WHERE worker = ?1 AND key = ?2",
    [SQ_BEGIN] = "BEGIN IMMEDIATE",
    [SQ_COMMIT] = "COMMIT",
    [SQ_FOLD_MOVE] = "INSERT INTO oplog(worker, idx, kind, payload) SELECT worker, idx, kind,"
                     " payload FROM oplog_recent ORDER BY worker, idx",
    [SQ_FOLD_CLEAR] = "DELETE FROM oplog_recent",
};

/* Version 1. Every table a worker owns is keyed by the worker's id, which
 * AUTOINCREMENT never reuses, so a deleted worker's leftovers cannot leak
 * into a new one. */
static const char schema_v1[] =
    "CREATE TABLE templates(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,"
    " version INTEGER NOT NULL, bytes BLOB NOT NULL, meta TEXT, created INTEGER NOT NULL,"
    " UNIQUE(name, version));"
    "CREATE TABLE workers(id INTEGER PRIMARY KEY AUTOINCREMENT, template_name TEXT NOT NULL,"
    " template_version INTEGER NOT NULL, name TEXT NOT NULL, env TEXT NOT NULL,"
    " args TEXT NOT NULL, status INTEGER NOT NULL, last_error TEXT,"
    " retry_max INTEGER, retry_min_ms INTEGER, retry_max_ms INTEGER, retry_mult REAL,"
    " retry_jitter REAL, created INTEGER NOT NULL, updated INTEGER NOT NULL,"
    " UNIQUE(template_name, name));"
    "CREATE TABLE oplog(worker INTEGER NOT NULL, idx INTEGER NOT NULL, kind INTEGER NOT NULL,"
    " payload BLOB NOT NULL, PRIMARY KEY(worker, idx)) WITHOUT ROWID;"
    "CREATE TABLE idem_keys(worker INTEGER NOT NULL, key TEXT NOT NULL,"
    " oplog_idx INTEGER NOT NULL, status INTEGER NOT NULL, result BLOB,"
    " PRIMARY KEY(worker, key)) WITHOUT ROWID;"
    "CREATE TABLE snapshots(worker INTEGER PRIMARY KEY, oplog_idx INTEGER NOT NULL,"
    " memory_size INTEGER NOT NULL, page_count INTEGER NOT NULL, page_size INTEGER NOT NULL,"
    " state BLOB, created INTEGER NOT NULL);"
    "CREATE TABLE snapshot_pages(worker INTEGER NOT NULL, page_no INTEGER NOT NULL,"
    " hash BLOB NOT NULL, data BLOB NOT NULL, PRIMARY KEY(worker, page_no));";

/* Version 2 adds where new oplog entries wait to be moved into `oplog` in
 * bulk (see SQ_FOLD_ROWS); a version 1 database is upgraded in place. */
static const char schema_v2[] =
    "CREATE TABLE oplog_recent(seq INTEGER PRIMARY KEY, worker INTEGER NOT NULL,"
    " idx INTEGER NOT NULL, kind INTEGER NOT NULL, payload BLOB NOT NULL);"
    /* reads of one worker's entries; its entries are small, so a batch
     * touches a few of its pages (~5% of the throughput, 3x the reads/s) */
    "CREATE INDEX oplog_recent_by_worker ON oplog_recent(worker, idx);";

/* ---- helpers ------------------------------------------------------------------ */

bool sq_fail(sq_conn *c, const char *what, loam_error *err) {
  int code = c && c->db ? sqlite3_extended_errcode(c->db) : 0;
  const char *msg = c && c->db ? sqlite3_errmsg(c->db) : "no database";
  return wasm_fail(err, code == SQLITE_NOMEM ? LOAM_ERR_NOMEM : LOAM_ERR_LIMIT,
                   "store: %s: %s (sqlite %d)", what, msg, code);
}

sqlite3_stmt *sq_prepare(sq_conn *c, const char *sql, loam_error *err) {
  sqlite3_stmt *s = NULL;
  if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL) != SQLITE_OK) {
    sq_fail(c, "prepare", err);
    return NULL;
  }
  return s;
}

sqlite3_stmt *sq_stmt(sq_conn *c, sq_stmt_id id, loam_error *err) {
  if (!c->st[id] &&
      sqlite3_prepare_v3(c->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                         &c->st[id], NULL) != SQLITE_OK) {
    sq_fail(c, "prepare", err);
    return NULL;
  }
  return c->st[id];
}

void sq_done(sqlite3_stmt *s) {
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
}

bool sq_exec(sq_conn *c, const char *sql, loam_error *err) {
  if (sqlite3_exec(c->db, sql, NULL, NULL, NULL) != SQLITE_OK) return sq_fail(c, sql, err);
  return true;
}

int sq_bind_blob(sqlite3_stmt *s, int i, const void *p, size_t n) {
  if (n == 0) return sqlite3_bind_zeroblob(s, i, 0);
  return sqlite3_bind_blob64(s, i, p, n, SQLITE_STATIC);
}

bool sq_col_blob(sqlite3_stmt *s, int i, uint8_t **out, size_t *n) {
  *out = NULL;
  *n = 0;
  const void *p = sqlite3_column_blob(s, i);
  int len = sqlite3_column_bytes(s, i);
  if (!p || len <= 0) return true;
  *out = malloc((size_t)len);
  if (!*out) return false;
  memcpy(*out, p, (size_t)len);
  *n = (size_t)len;
  return true;
}

bool sq_col_text(sqlite3_stmt *s, int i, char **out) {
  *out = NULL;
  if (sqlite3_column_type(s, i) == SQLITE_NULL) return true;
  const unsigned char *t = sqlite3_column_text(s, i);
  if (!t) return false;
  *out = strdup((const char *)t);
  return *out != NULL;
}

sq_conn *sq_read_begin(sq_backend *b) {
  unsigned start = atomic_fetch_add(&b->rr, 1);
  for (size_t k = 0; k < b->nr; k++) {
    sq_conn *c = &b->r[(start + k) % b->nr];
    if (pthread_mutex_trylock(&c->mu) == 0) return c;
  }
  sq_conn *c = &b->r[start % b->nr];
  pthread_mutex_lock(&c->mu);
  return c;
}

void sq_read_end(sq_conn *c) { pthread_mutex_unlock(&c->mu); }

/* Runs a cached statement that returns no rows (BEGIN, COMMIT: prepared
 * once rather than parsed at every commit). */
static bool sq_run(sq_conn *c, sq_stmt_id id, loam_error *err) {
  sqlite3_stmt *s = sq_stmt(c, id, err);
  if (!s) return false;
  bool ok = sqlite3_step(s) == SQLITE_DONE;
  if (!ok) sq_fail(c, stmt_sql[id], err);
  sqlite3_reset(s);
  return ok;
}

bool sq_write_begin(sq_backend *b, loam_error *err) {
  pthread_mutex_lock(&b->w.mu);
  if (sq_run(&b->w, SQ_BEGIN, err)) return true;
  pthread_mutex_unlock(&b->w.mu);
  return false;
}

bool sq_write_commit(sq_backend *b, loam_error *err) {
  bool ok = sq_run(&b->w, SQ_COMMIT, err);
  if (!ok) sqlite3_exec(b->w.db, "ROLLBACK", NULL, NULL, NULL);
  else sq_ckpt_restart(b);
  pthread_mutex_unlock(&b->w.mu);
  return ok;
}

void sq_write_rollback(sq_backend *b) {
  sqlite3_exec(b->w.db, "ROLLBACK", NULL, NULL, NULL);
  pthread_mutex_unlock(&b->w.mu);
}

/* ---- connections ------------------------------------------------------------ */

void sq_conn_close(sq_conn *c) {
  for (int i = 0; i < SQ_NSTMT; i++) sqlite3_finalize(c->st[i]);
  if (c->db) sqlite3_close(c->db);
  c->db = NULL;
  pthread_mutex_destroy(&c->mu);
}

bool sq_conn_open(sq_conn *c, const char *path, bool writer, loam_error *err) {
  memset(c, 0, sizeof *c);
  pthread_mutex_init(&c->mu, NULL);
  int flags = SQLITE_OPEN_NOMUTEX |
              (writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY);
  /* "unix-excl": the lock file gives this process the directory to itself
   * (see lock_dir), so SQLite need not coordinate with other processes: no
   * fcntl lock calls around every transaction (about 8 per invocation),
   * and the WAL index lives in memory shared by this process's
   * connections. */
  if (sqlite3_open_v2(path, &c->db, flags, "unix-excl") != SQLITE_OK)
    return sq_fail(c, "open", err);
  sqlite3_busy_timeout(c->db, SQ_BUSY_TIMEOUT_MS);
  sqlite3_extended_result_codes(c->db, 1);
  return true;
}

/* WAL mode and the durability level on the write connection. */
static bool writer_setup(sq_conn *c, bool no_fsync, loam_error *err) {
  sqlite3_stmt *s = sq_prepare(c, "PRAGMA journal_mode=WAL", err);
  if (!s) return false;
  bool wal = sqlite3_step(s) == SQLITE_ROW &&
             strcmp((const char *)sqlite3_column_text(s, 0), "wal") == 0;
  sqlite3_finalize(s);
  if (!wal) return wasm_fail(err, LOAM_ERR_LIMIT, "store: cannot switch to WAL mode");
  /* FULL in WAL mode fsyncs the WAL at every commit: a committed batch is on
   * disk before any waiter is woken. NORMAL fsyncs only at checkpoints. */
  return sq_exec(c, no_fsync ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL", err) &&
         sq_exec(c, "PRAGMA foreign_keys=OFF", err);
}

/* Creates the schema in a fresh database, or checks the version of an old one. */
static bool schema_setup(sq_backend *b, loam_error *err) {
  if (!sq_write_begin(b, err)) return false;
  sq_conn *c = &b->w;
  if (!sq_exec(c, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)", err)) {
    sq_write_rollback(b);
    return false;
  }
  sqlite3_stmt *s = sq_prepare(c, "SELECT max(version) FROM schema_version", err);
  if (!s) {
    sq_write_rollback(b);
    return false;
  }
  int64_t v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
  sqlite3_finalize(s);
  if (v > LOAM_DS_SCHEMA_VERSION) {
    sq_write_rollback(b);
    return wasm_fail(err, LOAM_ERR_LIMIT,
                     "store: schema version %lld is newer than this loam (%d)",
                     (long long)v, LOAM_DS_SCHEMA_VERSION);
  }
  if (v < LOAM_DS_SCHEMA_VERSION) {
    char ins[80];
    snprintf(ins, sizeof ins, "INSERT INTO schema_version VALUES(%d)", LOAM_DS_SCHEMA_VERSION);
    if ((v < 1 && !sq_exec(c, schema_v1, err)) || (v < 2 && !sq_exec(c, schema_v2, err)) ||
        !sq_exec(c, ins, err)) {
      sq_write_rollback(b);
      return false;
    }
  }
  s = sq_prepare(c, "SELECT count(*), total(length(payload)) FROM oplog_recent", err);
  if (!s) {
    sq_write_rollback(b);
    return false;
  }
  if (sqlite3_step(s) == SQLITE_ROW) {
    b->recent_rows = (uint64_t)sqlite3_column_int64(s, 0);
    b->recent_bytes = (uint64_t)sqlite3_column_int64(s, 1);
  }
  sqlite3_finalize(s);
  return sq_write_commit(b, err);
}

/* One process per data directory: an flock on `dir`/LOCK, released by the
 * kernel when the process dies however it dies. */
static bool lock_dir(sq_backend *b, const char *dir, loam_error *err) {
  char path[4096];
  if (snprintf(path, sizeof path, "%s/LOCK", dir) >= (int)sizeof path)
    return wasm_fail(err, LOAM_ERR_ARGUMENT, "store: path too long");
  b->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (b->lock_fd < 0)
    return wasm_fail(err, LOAM_ERR_LIMIT, "store: cannot open %s: %s", path, strerror(errno));
  if (flock(b->lock_fd, LOCK_EX | LOCK_NB) != 0)
    return wasm_fail(err, LOAM_ERR_LIMIT,
                     "store: %s is in use by another process (or store)", dir);
  return true;
}

static void sq_close(ds_backend *base) {
  sq_backend *b = (sq_backend *)base;
  sq_ckpt_stop(b);
  for (size_t i = 0; i < b->nr; i++) sq_conn_close(&b->r[i]);
  free(b->r);
  sq_conn_close(&b->w);
  if (b->lock_fd >= 0) close(b->lock_fd);
  free(b);
}

ds_backend *ds_sqlite_open(const char *dir, const loam_ds_options *opt,
                           loam_error *err) {
  if (!dir || !*dir) {
    wasm_fail(err, LOAM_ERR_ARGUMENT, "store: no data directory");
    return NULL;
  }
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
    wasm_fail(err, LOAM_ERR_LIMIT, "store: cannot create %s: %s", dir, strerror(errno));
    return NULL;
  }
  sq_backend *b = calloc(1, sizeof *b);
  if (!b) {
    wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
    return NULL;
  }
  b->base.ops = sq_ops();
  b->lock_fd = -1;
  pthread_mutex_init(&b->w.mu, NULL);
  char path[4096];
  bool ok = lock_dir(b, dir, err);
  if (ok && snprintf(path, sizeof path, "%s/loam.db", dir) >= (int)sizeof path)
    ok = wasm_fail(err, LOAM_ERR_ARGUMENT, "store: path too long");
  if (ok) {
    pthread_mutex_destroy(&b->w.mu);
    ok = sq_conn_open(&b->w, path, true, err) && writer_setup(&b->w, opt->no_fsync, err) &&
         schema_setup(b, err) && sq_ckpt_start(b, path, err);
  }
  if (ok) {
    b->r = calloc(opt->read_connections, sizeof *b->r);
    ok = b->r != NULL;
    if (!ok) wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
    for (size_t i = 0; ok && i < opt->read_connections; i++) {
      ok = sq_conn_open(&b->r[i], path, false, err);
      b->nr = i + 1;
    }
  }
  if (!ok) {
    sq_close(&b->base);
    return NULL;
  }
  return &b->base;
}

/* ---- group commit --------------------------------------------------------------- */

static bool apply_op(sq_conn *c, const ds_op *op, loam_error *err) {
  sqlite3_stmt *s;
  switch (op->type) {
  case DS_OP_APPEND:
    if (!(s = sq_stmt(c, SQ_INS_OPLOG, err))) return false;
    sqlite3_bind_int64(s, 1, op->worker);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)op->index);
    sqlite3_bind_int(s, 3, op->kind);
    sq_bind_blob(s, 4, op->data, op->len);
    break;
  case DS_OP_KEY:
    if (!(s = sq_stmt(c, SQ_PUT_KEY, err))) return false;
    sqlite3_bind_int64(s, 1, op->worker);
    sqlite3_bind_text(s, 2, op->text, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)op->index);
    sqlite3_bind_int(s, 4, op->kind);
    sq_bind_blob(s, 5, op->data, op->len);
    break;
  case DS_OP_STATUS:
    if (!(s = sq_stmt(c, op->text ? SQ_SET_STATUS_ERR : SQ_SET_STATUS, err))) return false;
    sqlite3_bind_int64(s, 1, op->worker);
    sqlite3_bind_int(s, 2, op->kind);
    sqlite3_bind_int64(s, 3, op->now_ms);
    if (op->text && *op->text) sqlite3_bind_text(s, 4, op->text, -1, SQLITE_STATIC);
    else if (op->text) sqlite3_bind_null(s, 4);
    break;
  default:
    return wasm_fail(err, LOAM_ERR_ARGUMENT, "store: unknown op");
  }
  bool ok = sqlite3_step(s) == SQLITE_DONE;
  if (!ok) sq_fail(c, "commit batch", err);
  sq_done(s);
  return ok;
}

static bool sq_commit_batch(ds_backend *base, const ds_op *ops, size_t n,
                            loam_error *err) {
  sq_backend *b = (sq_backend *)base;
  if (!sq_write_begin(b, err)) return false;
  uint64_t rows = b->recent_rows, bytes = b->recent_bytes;
  for (size_t i = 0; i < n; i++) {
    if (!apply_op(&b->w, &ops[i], err)) {
      sq_write_rollback(b);
      return false;
    }
    if (ops[i].type == DS_OP_APPEND) rows++, bytes += ops[i].len;
  }
  /* in the same transaction: the entries are in exactly one of the tables */
  bool fold = rows >= SQ_FOLD_ROWS || bytes >= SQ_FOLD_BYTES;
  if (fold && !(sq_run(&b->w, SQ_FOLD_MOVE, err) && sq_run(&b->w, SQ_FOLD_CLEAR, err))) {
    sq_write_rollback(b);
    return false;
  }
  loam_fault_point("before-commit");
  if (!sq_write_commit(b, err)) return false;
  b->recent_rows = fold ? 0 : rows;
  b->recent_bytes = fold ? 0 : bytes;
  loam_fault_point("after-commit");
  return true;
}

static const ds_backend_ops sqlite_ops = {
    .close = sq_close,
    .commit_batch = sq_commit_batch,
    .oplog_read = sq_oplog_read,
    .oplog_length = sq_oplog_length,
    .oplog_last_of_kind = sq_oplog_last_of_kind,
    .oplog_bytes = sq_oplog_bytes,
    .key_get = sq_key_get,
    .template_put = sq_template_put,
    .template_get = sq_template_get,
    .template_list = sq_template_list,
    .worker_create = sq_worker_create,
    .worker_list = sq_worker_list,
    .worker_set_retry = sq_worker_set_retry,
    .worker_delete = sq_worker_delete,
    .snapshot_hashes = sq_snapshot_hashes,
    .snapshot_write = sq_snapshot_write,
    .snapshot_read = sq_snapshot_read,
};

const ds_backend_ops *sq_ops(void) { return &sqlite_ops; }
