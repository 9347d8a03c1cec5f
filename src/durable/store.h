/* store.h — the durable store: templates, workers, oplogs, idempotency keys
 * and incremental snapshots in a data directory, with group commit.
 *
 * One interface, backends behind it (src/durable/backend.h; SQLite today in
 * store_sqlite.c, PostgreSQL could follow). Everything here is thread-safe:
 * any thread may call any function at any time, except that calls concerning
 * ONE worker's oplog/snapshot must come in a sensible order from its owner
 * (the executor runs a worker on one thread at a time, so that holds).
 *
 * Two kinds of writes:
 *  - QUEUED (loam_ds_append, loam_ds_key_put, loam_ds_worker_set_status):
 *    copied into the commit queue and applied in call order by one commit
 *    round at a time, which batches everything queued by all threads into
 *    one transaction. A round runs on the committer thread, or on a thread
 *    about to wait for its own writes (loam_ds_wait, loam_ds_release). They return a ticket; loam_ds_wait(ticket) blocks until
 *    the batch holding it is durable (or the store failed). Nothing that
 *    depends on a queued write may be acknowledged to a user before its
 *    ticket is waited for.
 *  - DIRECT (templates, worker create/delete/retry policy, snapshots): run in
 *    their own transaction on the caller's thread and are durable when they
 *    return true. A direct write that concerns a worker first waits until
 *    everything queued before it is committed, so the order of queued and
 *    direct writes is the order of the calls.
 * Reads see committed data only (never a queued write that is not yet
 * committed) and run on a small pool of read connections, in parallel with
 * the committer (WAL mode).
 *
 * Durability: by default each batch is committed with synchronous=FULL in
 * WAL mode, i.e. fsync'd before any waiter is woken. With
 * loam_ds_options.no_fsync the store uses synchronous=NORMAL: a committed
 * batch survives a crash of the process (SIGKILL) but the most recent ones may
 * be lost if the machine loses power or the OS crashes. WAL checkpoints
 * (copying the WAL into the database file) run on a background thread with
 * its own connection whenever the WAL passes ~1000 pages, never inside a
 * commit. SQLite has one writer: a direct write (e.g. a large first snapshot)
 * holds up group commits while it runs; incremental snapshots are small.
 *
 * Memory: every string/array/byte buffer handed OUT (get/list/read results)
 * is malloc'd and owned by the caller: free it with the matching *_clear /
 * *_free. Every buffer handed IN is copied or used before the call returns.
 * Errors: false/0 with a loam_error filled; a missing template/worker/snapshot
 * is LOAM_ERR_NOT_FOUND; a storage failure (disk full, I/O) is LOAM_ERR_LIMIT
 * and, if it hit the committer, the store is failed: all later queued writes
 * and waits fail too (restart to recover; the data on disk stays consistent).
 */
#ifndef LOAM_DURABLE_STORE_H
#define LOAM_DURABLE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loam/wasm.h"
#include "durable/oplog.h"   /* loam_retry_policy, loam_oplog_kind */

typedef struct loam_ds loam_ds;

/* ---- open / close -------------------------------------------------------- */

typedef struct loam_ds_options {
  bool no_fsync;             /* trade durability for latency, see above */
  uint32_t max_batch;        /* ops per commit transaction; 0 = 8192 */
  uint32_t read_connections; /* 0 = 4 */
  uint64_t hash_cache_bytes; /* memory for cached snapshot page hashes (16 B
                                per page, all workers); 0 = 16 MiB. Beyond
                                it, entries are dropped and re-read from the
                                store on that worker's next snapshot. */
} loam_ds_options;

/* Opens (creating it and the database as needed) the data directory `dir`;
 * the database is `dir`/loam.db (plus SQLite's -wal/-shm files). A store
 * left by a crash at any moment opens cleanly. `opt` may be NULL. Only one
 * process may have a data directory open (an exclusive lock file enforces
 * it: the second open fails with LOAM_ERR_LIMIT). */
loam_ds *loam_ds_open(const char *dir, const loam_ds_options *opt,
                      loam_error *err);

/* Commits everything queued, stops the committer and closes. NULL is fine. */
void loam_ds_close(loam_ds *ds);

/* The schema version this code writes (the `schema_version` table). */
#define LOAM_DS_SCHEMA_VERSION 2

/* ---- group commit -------------------------------------------------------- */

typedef uint64_t loam_ds_ticket;   /* 0 = failed to queue (err says why) */

/* Queues an oplog entry for `worker`: `kind` (a loam_oplog_kind) and the
 * payload (normally loam_oplog_encode's bytes; the store does not look inside).
 * The store assigns the next dense index (1, 2, 3, ... per worker, in call
 * order) and returns it in *index_out. The entry is visible to reads and
 * durable once the ticket is. The store does not check that the worker
 * exists (an append for a deleted worker is stored and never read). */
loam_ds_ticket loam_ds_append(loam_ds *ds, int64_t worker, int kind,
                              const uint8_t *payload, size_t len,
                              uint64_t *index_out, loam_error *err);

/* Blocks until the batch holding `t` is durable: true; false if the store
 * failed (err says why). Tickets are ordered: waiting for t also covers
 * every ticket before it. When no commit is running, the calling thread
 * runs one itself, callbacks included (see loam_ds_on_durable): never call
 * it holding a lock that a callback takes. */
bool loam_ds_wait(loam_ds *ds, loam_ds_ticket t, loam_error *err);

/* Non-blocking: is `t` durable yet? */
bool loam_ds_is_durable(loam_ds *ds, loam_ds_ticket t);

/* Waits for everything queued so far by any thread. */
bool loam_ds_flush(loam_ds *ds, loam_error *err);

/* Calls fn(ud, ok) once `t` is durable (ok) or the store failed (!ok), on
 * the thread that ran the commit round (or at once on the caller's thread if `t` is already
 * settled). fn must be quick and must not call loam_ds_wait/flush or direct
 * writes. For servers that want to answer without a blocked thread. */
bool loam_ds_on_durable(loam_ds *ds, loam_ds_ticket t,
                        void (*fn)(void *ud, bool ok), void *ud);

/* Holding: while a thread holds the store, what it queues does not wake the
 * committer thread; loam_ds_release (of the outermost hold) commits
 * whatever is queued on the calling thread, unless a commit is already
 * running (which then takes it). For a thread that queues writes and then
 * waits for them anyway (the executor running an invocation for a caller
 * who awaits it): the commit happens without two thread switches. Holds
 * nest; a thread holds one store at a time. Other threads' writes are not
 * delayed: they wake the committer as usual, and it takes the held writes
 * with theirs. */
void loam_ds_hold(loam_ds *ds);
void loam_ds_release(loam_ds *ds);
/* Hands what is queued to the committer thread now, held or not (a holding
 * thread that is about to do more work before it waits). */
void loam_ds_kick(loam_ds *ds);

/* ---- oplog reads ----------------------------------------------------------- */

/* Called for each entry; return false to stop early. `payload` is valid only
 * during the call. */
typedef bool (*loam_ds_oplog_fn)(void *ud, uint64_t index, int kind,
                                 const uint8_t *payload, size_t len);

/* Committed entries of `worker` with index >= from, ascending, at most
 * `max_count` (0 = no limit). */
bool loam_ds_oplog_read(loam_ds *ds, int64_t worker, uint64_t from,
                        uint64_t max_count, loam_ds_oplog_fn fn, void *ud,
                        loam_error *err);

/* The highest committed index of `worker` (0 when its oplog is empty). */
bool loam_ds_oplog_length(loam_ds *ds, int64_t worker, uint64_t *len,
                          loam_error *err);

/* The highest committed index of an entry of `kind` (0 when none). Scans
 * the worker's oplog (no index on kind): for occasional use; the snapshot's
 * own oplog_index is the fast way to find where recovery starts. */
bool loam_ds_oplog_last_of_kind(loam_ds *ds, int64_t worker, int kind,
                                uint64_t *index, loam_error *err);

/* Total payload bytes of `worker`'s committed oplog (for metrics/policies).
 * Scans the oplog too: keep a running count in the executor for hot paths. */
bool loam_ds_oplog_bytes(loam_ds *ds, int64_t worker, uint64_t *bytes,
                         loam_error *err);

/* ---- idempotency keys (per worker) ----------------------------------------- */

typedef enum loam_ds_key_status {
  LOAM_DS_KEY_PENDING = 1,   /* accepted or running */
  LOAM_DS_KEY_DONE = 2,      /* finished; result holds the value bytes */
  LOAM_DS_KEY_FAILED = 3,    /* finished with an error; result holds the
                                error message bytes */
} loam_ds_key_status;

/* Queued insert-or-replace of (worker, key). Queue it right after the oplog
 * entry it refers to (ENQUEUED/INVOKE_START for PENDING, INVOKE_END for
 * DONE/FAILED) so both land in the same or consecutive batches, in order. */
loam_ds_ticket loam_ds_key_put(loam_ds *ds, int64_t worker, const char *key,
                               uint64_t oplog_index, loam_ds_key_status status,
                               const uint8_t *result, size_t len,
                               loam_error *err);

typedef struct loam_ds_key {
  uint64_t oplog_index;
  loam_ds_key_status status;
  uint8_t *result;          /* malloc'd, NULL when empty */
  size_t result_len;
} loam_ds_key;

/* Committed state of (worker, key); *found false when unknown. */
bool loam_ds_key_get(loam_ds *ds, int64_t worker, const char *key,
                     loam_ds_key *out, bool *found, loam_error *err);
void loam_ds_key_clear(loam_ds_key *k);

/* ---- templates (direct) ------------------------------------------------------ */

typedef struct loam_ds_template {
  int64_t id;               /* unique per (name, version) */
  char *name;
  uint32_t version;         /* 1, 2, ... per name */
  uint8_t *bytes;           /* the module; NULL in list results */
  size_t len;               /* its length (also set in list results) */
  char *meta;               /* caller-defined text (e.g. exports as JSON);
                               NULL when none */
  int64_t created_ms;
} loam_ds_template;

/* Stores a new version of template `name` (1 if new, else latest + 1).
 * `meta` may be NULL. Fills *out (without copying bytes back) if non-NULL. */
bool loam_ds_template_put(loam_ds *ds, const char *name, const uint8_t *bytes,
                          size_t len, const char *meta, loam_ds_template *out,
                          loam_error *err);

/* Version `version` of `name` (0 = latest), bytes included. */
bool loam_ds_template_get(loam_ds *ds, const char *name, uint32_t version,
                          loam_ds_template *out, loam_error *err);
bool loam_ds_template_get_id(loam_ds *ds, int64_t id, loam_ds_template *out,
                             loam_error *err);

/* Every version of `name` (NULL: of every template), ordered by name then
 * version, without bytes. */
bool loam_ds_template_list(loam_ds *ds, const char *name,
                           loam_ds_template **out, size_t *n, loam_error *err);
void loam_ds_template_clear(loam_ds_template *t);
void loam_ds_templates_free(loam_ds_template *arr, size_t n);

/* ---- workers ----------------------------------------------------------------- */

typedef enum loam_worker_status {
  LOAM_WORKER_RUNNING = 1,
  LOAM_WORKER_IDLE = 2,
  LOAM_WORKER_SUSPENDED = 3,
  LOAM_WORKER_INTERRUPTED = 4,
  LOAM_WORKER_RETRYING = 5,
  LOAM_WORKER_FAILED = 6,
  LOAM_WORKER_EXITED = 7,
} loam_worker_status;

/* "running", "idle", ... ; "unknown" otherwise. */
const char *loam_worker_status_name(int status);
/* The inverse (case-insensitive); 0 when no status has that name. */
int loam_worker_status_parse(const char *name);

typedef struct loam_ds_worker {
  int64_t id;               /* never reused, even after delete */
  char *template_name;
  uint32_t template_version;
  char *name;               /* unique per template name */
  char **env;               /* "K=V" */
  size_t env_count;
  char **args;
  size_t arg_count;
  int status;               /* loam_worker_status */
  char *last_error;         /* NULL when none */
  bool has_retry_policy;    /* false: use loam_retry_policy_default() */
  loam_retry_policy retry;
  int64_t created_ms, updated_ms;
} loam_ds_worker;

/* Creates a worker from w's template_name/version, name, env, args, status
 * (0 = IDLE) and retry policy; the other fields are ignored. *exists (may be
 * NULL) is set true, and false returned with LOAM_ERR_ARGUMENT, when the
 * template already has a worker of that name. */
bool loam_ds_worker_create(loam_ds *ds, const loam_ds_worker *w,
                           int64_t *id_out, bool *exists, loam_error *err);
bool loam_ds_worker_get(loam_ds *ds, int64_t id, loam_ds_worker *out,
                        loam_error *err);
bool loam_ds_worker_find(loam_ds *ds, const char *template_name,
                         const char *name, loam_ds_worker *out,
                         loam_error *err);

typedef struct loam_ds_worker_filter {
  const char *template_name; /* NULL: any */
  const char *name;          /* exact; NULL: any */
  int status;                /* 0: any */
  int64_t after_id;          /* only ids > after_id (paging); 0: from start */
  size_t limit;              /* 0: no limit */
} loam_ds_worker_filter;

/* Workers matching `f` (NULL: all), ordered by id. */
bool loam_ds_worker_list(loam_ds *ds, const loam_ds_worker_filter *f,
                         loam_ds_worker **out, size_t *n, loam_error *err);
void loam_ds_worker_clear(loam_ds_worker *w);
void loam_ds_workers_free(loam_ds_worker *arr, size_t n);

/* Queued: sets status and, when last_error is non-NULL, the last error
 * ("" clears it). Updates updated_ms. */
loam_ds_ticket loam_ds_worker_set_status(loam_ds *ds, int64_t worker,
                                         int status, const char *last_error,
                                         loam_error *err);

/* Direct: sets (NULL: clears, back to the default) the retry policy column.
 * The executor also appends a RETRY_POLICY oplog entry for the history. */
bool loam_ds_worker_set_retry_policy(loam_ds *ds, int64_t worker,
                                     const loam_retry_policy *p,
                                     loam_error *err);

/* Direct: deletes the worker with its oplog, keys and snapshot. The caller
 * makes sure nothing else uses the worker meanwhile. */
bool loam_ds_worker_delete(loam_ds *ds, int64_t worker, loam_error *err);

/* ---- snapshots (direct, latest per worker, incremental) -------------------- */

/* Granularity of incremental snapshots. Change detection needs nothing from
 * the interpreter: the store keeps a 128-bit hash per page from the last
 * snapshot (in memory, and in the database for after a restart) and writes
 * only pages whose hash changed; all-zero pages are not stored at all. */
#define LOAM_DS_PAGE_SIZE 4096u

typedef struct loam_ds_snapshot_stats {
  uint64_t pages_total;     /* pages in memory_size (last may be partial) */
  uint64_t pages_written;   /* rows inserted or overwritten */
  uint64_t pages_deleted;   /* rows removed (page now zero or beyond the end) */
  uint64_t bytes_written;   /* page bytes + state bytes */
} loam_ds_snapshot_stats;

/* Stores the snapshot of `worker` taken after oplog entry `oplog_index`:
 * linear memory [memory, memory + memory_size) (memory may be NULL when
 * memory_size is 0) and `state` (globals/tables: an opaque blob, e.g. the
 * engine's serialized state or the executor's own form). Pages and metadata
 * are written in one transaction, so the stored snapshot is always the old
 * one or the new one, complete. Waits for queued writes first (so oplog
 * entries up to oplog_index that are queued become durable before it).
 * `stats` may be NULL. */
bool loam_ds_snapshot_write(loam_ds *ds, int64_t worker, uint64_t oplog_index,
                            const uint8_t *memory, uint64_t memory_size,
                            const uint8_t *state, size_t state_len,
                            loam_ds_snapshot_stats *stats, loam_error *err);

typedef struct loam_ds_snapshot {
  uint64_t oplog_index;
  uint64_t memory_size;
  uint8_t *memory;          /* malloc'd memory_size bytes (NULL when 0) */
  uint8_t *state;           /* malloc'd, NULL when empty */
  size_t state_len;
  int64_t created_ms;
} loam_ds_snapshot;

/* The latest snapshot of `worker`; *found false when it has none. */
bool loam_ds_snapshot_read(loam_ds *ds, int64_t worker, loam_ds_snapshot *out,
                           bool *found, loam_error *err);
void loam_ds_snapshot_clear(loam_ds_snapshot *s);

/* ---- statistics ---------------------------------------------------------------- */

typedef struct loam_ds_stats {
  uint64_t batches;         /* commit transactions */
  uint64_t ops;             /* queued writes committed */
  uint64_t appends;         /* of which oplog entries */
  uint64_t append_bytes;    /* payload bytes appended */
  uint64_t max_batch;       /* largest batch, in ops */
  uint64_t commit_ns;       /* total time inside commit transactions */
  uint64_t snapshots;       /* snapshot writes */
  uint64_t snapshot_pages;  /* pages written by them */
} loam_ds_stats;

void loam_ds_stats_get(loam_ds *ds, loam_ds_stats *out);

#endif
