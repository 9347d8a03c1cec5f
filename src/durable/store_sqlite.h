/* store_sqlite.h — internals of the SQLite backend shared by its files:
 * connections with cached statements, and helpers for binding/reading. */
#ifndef LOAM_DURABLE_STORE_SQLITE_H
#define LOAM_DURABLE_STORE_SQLITE_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>

#include "durable/backend.h"

/* How long a connection waits for another one's lock (in this process:
 * the checkpointer, or the writer while a reader starts) before failing. */
#define SQ_BUSY_TIMEOUT_MS 10000

/* New oplog entries go to oplog_recent (appended in commit order, so a
 * batch fills a page or two) and move to the oplog table, clustered by
 * (worker, idx), in bulk once this many rows or payload bytes gathered: one
 * page written per worker per move instead of one per worker per commit.
 * The byte bound keeps the commit that moves them small. Reads see both. */
#define SQ_FOLD_ROWS 2048
#define SQ_FOLD_BYTES (1u << 20)

/* Statements prepared once per connection (the hot paths). */
typedef enum sq_stmt_id {
  SQ_INS_OPLOG,
  SQ_PUT_KEY,
  SQ_SET_STATUS,
  SQ_SET_STATUS_ERR,
  SQ_READ_OPLOG,
  SQ_OPLOG_LEN,
  SQ_GET_KEY,
  SQ_BEGIN,
  SQ_COMMIT,
  SQ_FOLD_MOVE,
  SQ_FOLD_CLEAR,
  SQ_NSTMT
} sq_stmt_id;

typedef struct sq_conn {
  sqlite3 *db;
  pthread_mutex_t mu;
  sqlite3_stmt *st[SQ_NSTMT];
} sq_conn;

typedef struct sq_backend {
  ds_backend base;
  sq_conn w;               /* the one write connection */
  sq_conn *r;              /* read connections */
  size_t nr;
  atomic_uint rr;          /* round-robin start for picking a reader */
  int lock_fd;
  struct sq_ckpt *ckpt;    /* the background checkpointer (store_sqlite_ckpt.c) */
  uint64_t recent_rows;    /* rows in oplog_recent (writer only) */
  uint64_t recent_bytes;   /* and their payload bytes */
} sq_backend;

const ds_backend_ops *sq_ops(void);

/* A cached statement of `c` (reset and ready to bind), or NULL (err set). */
sqlite3_stmt *sq_stmt(sq_conn *c, sq_stmt_id id, loam_error *err);
/* A one-off statement; finalize it yourself. */
sqlite3_stmt *sq_prepare(sq_conn *c, const char *sql, loam_error *err);
/* Resets a cached statement after use. */
void sq_done(sqlite3_stmt *s);

sq_conn *sq_read_begin(sq_backend *b);
void sq_read_end(sq_conn *c);

/* Runs `sql` (no results) on c; false with err filled on failure. */
bool sq_exec(sq_conn *c, const char *sql, loam_error *err);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK on the write connection (locks w.mu in
 * begin, unlocks in commit/rollback). */
bool sq_write_begin(sq_backend *b, loam_error *err);
bool sq_write_commit(sq_backend *b, loam_error *err);
void sq_write_rollback(sq_backend *b);

/* Fills err from c's last SQLite error, prefixed by `what`; returns false. */
bool sq_fail(sq_conn *c, const char *what, loam_error *err);

/* Binds n bytes (an empty blob, never NULL, when n == 0). */
int sq_bind_blob(sqlite3_stmt *s, int i, const void *p, size_t n);
/* A malloc'd copy of column i (NULL and *n = 0 when empty or NULL). */
bool sq_col_blob(sqlite3_stmt *s, int i, uint8_t **out, size_t *n);
/* A malloc'd copy of a text column (NULL when the column is NULL). */
bool sq_col_text(sqlite3_stmt *s, int i, char **out);

/* Opens a connection on `path` (writer: read-write, creating). */
bool sq_conn_open(sq_conn *c, const char *path, bool writer, loam_error *err);
void sq_conn_close(sq_conn *c);

/* Moves WAL checkpoints off the commit path: a thread with its own
 * connection checkpoints (PASSIVE) whenever the WAL passes ~1000 pages, and
 * the write connection's auto-checkpoint is turned off. */
bool sq_ckpt_start(sq_backend *b, const char *path, loam_error *err);
void sq_ckpt_stop(sq_backend *b);
/* After a commit, with the write connection held: rewinds the WAL if it
 * grew past its limit (see store_sqlite_ckpt.c). */
void sq_ckpt_restart(sq_backend *b);

/* ops in store_sqlite_ops.c */
bool sq_oplog_read(ds_backend *b, int64_t worker, uint64_t from, uint64_t max,
                   loam_ds_oplog_fn fn, void *ud, loam_error *err);
bool sq_oplog_length(ds_backend *b, int64_t worker, uint64_t *len, loam_error *err);
bool sq_oplog_last_of_kind(ds_backend *b, int64_t worker, int kind,
                           uint64_t *index, loam_error *err);
bool sq_oplog_bytes(ds_backend *b, int64_t worker, uint64_t *bytes, loam_error *err);
bool sq_key_get(ds_backend *b, int64_t worker, const char *key, loam_ds_key *out,
                bool *found, loam_error *err);
bool sq_template_put(ds_backend *b, const char *name, const uint8_t *bytes,
                     size_t len, const char *meta, int64_t now_ms,
                     loam_ds_template *out, loam_error *err);
bool sq_template_get(ds_backend *b, const char *name, uint32_t version,
                     int64_t id, loam_ds_template *out, loam_error *err);
bool sq_template_list(ds_backend *b, const char *name, loam_ds_template **out,
                      size_t *n, loam_error *err);
/* workers in store_sqlite_workers.c */
bool sq_worker_create(ds_backend *b, const loam_ds_worker *w, int64_t now_ms,
                      int64_t *id, bool *exists, loam_error *err);
bool sq_worker_list(ds_backend *b, const loam_ds_worker_filter *f, int64_t id,
                    loam_ds_worker **out, size_t *n, loam_error *err);
bool sq_worker_set_retry(ds_backend *b, int64_t worker, const loam_retry_policy *p,
                         int64_t now_ms, loam_error *err);
bool sq_worker_delete(ds_backend *b, int64_t worker, loam_error *err);
/* snapshots in store_sqlite_snap.c */
bool sq_snapshot_hashes(ds_backend *b, int64_t worker, const uint8_t zero_hash[16],
                        uint8_t **hashes, uint64_t *count, loam_error *err);
bool sq_snapshot_write(ds_backend *b, int64_t worker, const ds_snap_meta *meta,
                       const ds_page *pages, size_t n, loam_error *err);
bool sq_snapshot_read(ds_backend *b, int64_t worker, loam_ds_snapshot *out,
                      bool *found, loam_error *err);

#endif
