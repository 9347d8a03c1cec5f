/*
 * loam/executor.h — the durable worker executor: templates (registered
 * WebAssembly modules with their WIT), workers (named instances of a
 * template version that keep their state in their own memory) and
 * exactly-once invocations of the workers' exported functions.
 *
 * Durability in one paragraph: every invocation is written to the worker's
 * append-only oplog in the data directory (start with key + params, the
 * result of every non-deterministic host call, stdout/stderr as log lines,
 * end with the result). A result is returned only after those entries are
 * committed (fsync'd, batched across workers by one committer). To bring a
 * worker back (after a restart, a suspension or a trap) the executor
 * restores its latest snapshot and re-runs the invocations after it,
 * answering host calls from the oplog. An idempotency key already seen
 * returns the stored result without running again.
 *
 * Threads: every function here may be called from any thread (but none may
 * still be running when loam_executor_close is called). A worker runs one
 * invocation at a time, in arrival order, on the executor's thread pool; a
 * caller of loam_invoke_and_await whose worker nobody else is running runs
 * the worker's queue on its own thread instead (one hand-off less).
 *
 * Defaults (loam_executor_options_default): 2 threads, fsync on commit,
 * a snapshot every 1000 invocations or 4 MiB of oplog (and on suspend),
 * suspend after 60 s idle, at most 1000 workers in memory, retries 3
 * attempts 100 ms x3 up to 1 s with 15% jitter, no fuel or time limit.
 *
 * Worker-to-worker calls: workers may import golem:rpc@0.1.0 (and
 * wasi:io/poll@0.2.0): invoke-and-await, invoke and async-invoke-and-await
 * on worker://<template-id-or-name>/<worker>. Calls run in process (the
 * local fast path, counted in rpc_local) and exactly once: each has a key
 * derived from the caller, its invocation's key and the call's ordinal in
 * it, is recorded (RPC_CALL before, RPC_RESULT after) and answered from the
 * oplog on replay; a target worker is created on its first call with the
 * caller's env. Failures are rpc-error values (a call cycle, e.g. A -> B ->
 * A, is `denied` at once), never traps.
 *
 * Not yet: host calls that touch files (path_open, fd_read, ...) are not
 * recorded and run again on replay; resources in exported signatures are
 * not listed as exports; an invocation re-queued by crash recovery and run
 * before its caller sends the call again has lost its call chain (a cycle
 * through it then waits instead of failing); a cycle of separate chains
 * (A's invocation calls B while B's calls A) is not detected.
 *
 * Ownership: strings passed in are copied. Values passed in are borrowed;
 * results (loam_invoke_result) are owned by the caller and freed with
 * loam_invoke_result_free. Template descriptions (loam_template_info) stay
 * valid until the executor is closed.
 */
#ifndef LOAM_EXECUTOR_H
#define LOAM_EXECUTOR_H

#include "loam/types.h"
#include "loam/value.h"
#include "loam/wasm.h"
#include "loam/wit.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- options --------------------------------------------------------- */

typedef enum loam_durability {
  LOAM_DURABILITY_FSYNC = 0, /* acknowledge after fsync (the default) */
  LOAM_DURABILITY_NOSYNC,    /* acknowledge after the write; a machine crash
                                may lose the last acknowledged invocations,
                                a process crash does not */
} loam_durability;

/* How a trapping invocation is retried: up to max_attempts runs in all
 * (1 = no retry); the k-th retry waits min(min_delay_ms * multiplier^(k-1),
 * max_delay_ms), +/- jitter (a fraction, 0.15 = 15%). */
typedef struct loam_retry_options {
  uint32_t max_attempts;     /* default 3 */
  uint32_t min_delay_ms;     /* default 100 */
  double multiplier;         /* default 3 */
  uint32_t max_delay_ms;     /* default 1000 */
  double jitter;             /* default 0.15 */
} loam_retry_options;

typedef struct loam_executor_options {
  uint32_t threads;              /* worker threads; default 2 */
  loam_durability durability;    /* default LOAM_DURABILITY_FSYNC */
  /* Snapshot policy: a snapshot is taken at an invocation boundary after
   * this many invocations or this many oplog bytes since the last one
   * (whichever first; 0 = never by that measure), and always on suspend.
   * Defaults: 1000 invocations, 4 MiB. */
  uint32_t snapshot_every_invocations;
  uint64_t snapshot_every_bytes;
  uint32_t idle_suspend_ms;      /* suspend a worker idle this long; default
                                    60000; 0 = never */
  uint32_t max_active_workers;   /* in memory at once (LRU eviction beyond);
                                    default 1000 */
  loam_retry_options retry;       /* default for new workers */
  int64_t fuel;                  /* per invocation, < 0 = none (default) */
  uint32_t timeout_ms;           /* per invocation, 0 = none (default) */
  size_t stack_bytes;            /* value stack per worker; default 256 KiB */
  /* Called with every piece of guest stdout (stream 1) / stderr (2) as it
   * is written live (not again on replay), from the worker's thread; NULL =
   * none. The output is in the oplog either way. */
  void (*on_output)(void *user, const char *tmpl, const char *worker, int stream,
                    const uint8_t *bytes, size_t len);
  void *output_user;
} loam_executor_options;

/* Fills o with the defaults documented above. */
void loam_executor_options_default(loam_executor_options *o);

/* ---- the executor ----------------------------------------------------- */

typedef struct loam_executor loam_executor;

/* Opens (creating if needed) the store in directory `dir` and starts the
 * thread pool. Invocations accepted before a crash but not finished are run
 * again (once). NULL with err set on failure. `o` NULL = defaults. */
loam_executor *loam_executor_open(const char *dir, const loam_executor_options *o,
                                  loam_error *err);

/* Stops taking work, lets running invocations finish (queued ones stay
 * queued in the store and run after the next open), suspends nothing,
 * commits and frees everything. NULL is a no-op. */
void loam_executor_close(loam_executor *ex);

/* ---- templates -------------------------------------------------------- */

/* One exported function: its Golem name ("ns:pkg/iface.{func}", or the bare
 * name of a world-level function), its resolved WIT function and its
 * signature as WIT text ("func(n: u64) -> u64"). */
typedef struct loam_export_info {
  const char *name;
  const loam_wit_func *func;
  const char *iface_id;       /* the exported interface's id, NULL for a
                                 world-level function */
  const char *signature;
} loam_export_info;

typedef struct loam_template_info {
  uint64_t id;                /* unique across names and versions */
  const char *name;
  uint32_t version;           /* 1, 2, ... per name */
  size_t wasm_len;
  const char *world;          /* the world's id */
  size_t nexports;
  const loam_export_info *exports;
} loam_template_info;

/* Registers `wasm` as a new version of template `name` (version 1 for a new
 * name). The module must validate; its WIT is taken from `wit` (WIT text,
 * may be NULL) or else from its custom section "loam:wit" (or
 * "component-wit", the name loam's bindgen may use); the world exported is
 * `world` or the root package's only world. Every import must be one the
 * executor provides (wasi_snapshot_preview1, golem:rpc@0.1.0,
 * wasi:io/poll@0.2.0, or a stub composed into the module), else
 * LOAM_ERR_UNKNOWN_IMPORT naming it; every exported WIT function must have its core export. */
const loam_template_info *loam_template_register(loam_executor *ex, const char *name,
                                                 const uint8_t *wasm, size_t len,
                                                 const char *wit, const char *world,
                                                 loam_error *err);

/* A template by name (version 0 = latest) or NULL with LOAM_ERR_NOT_FOUND. */
const loam_template_info *loam_template_get(loam_executor *ex, const char *name,
                                            uint32_t version, loam_error *err);

/* A template version by its id, or NULL with LOAM_ERR_NOT_FOUND. */
const loam_template_info *loam_template_get_id(loam_executor *ex, uint64_t id,
                                               loam_error *err);

/* Every template version, oldest first; returns the count and sets *out to
 * a malloc'd array the caller frees (the infos themselves are not). */
size_t loam_template_list(loam_executor *ex, const loam_template_info ***out);

/* ---- workers ----------------------------------------------------------- */

/* A worker's status. (Named loam_wstatus because the store's internal
 * header already uses loam_worker_status; the values are the same.) */
typedef enum loam_wstatus {
  LOAM_WS_RUNNING = 1,     /* running or about to run an invocation */
  LOAM_WS_IDLE = 2,        /* in memory, nothing to do */
  LOAM_WS_SUSPENDED = 3,   /* state only in the store; restored on demand */
  LOAM_WS_INTERRUPTED = 4, /* stopped by loam_worker_interrupt */
  LOAM_WS_RETRYING = 5,    /* a trap is being retried */
  LOAM_WS_FAILED = 6,      /* retries exhausted; invocations are refused */
  LOAM_WS_EXITED = 7,      /* the guest called proc_exit */
} loam_wstatus;

const char *loam_wstatus_name(loam_wstatus s); /* "Running", "Idle", ... */
/* The inverse, case-insensitive; 0 when no status has that name. */
loam_wstatus loam_wstatus_parse(const char *name);

typedef struct loam_worker_info {
  char template_name[128];
  uint32_t template_version;
  char name[128];
  loam_wstatus status;
  uint64_t oplog_length;        /* entries */
  uint32_t pending;             /* queued invocations */
  uint64_t invocations;         /* completed */
  char last_error[1024];        /* message + guest stack; "" if none */
  /* The worker's environment ("K=V") and arguments as created; owned by the
   * executor, valid until it is closed. */
  size_t nenv, nargs;
  const char *const *env;
  const char *const *args;
} loam_worker_info;

/* Creates worker `worker` of the latest version of `tmpl` with environment
 * `env` ("K=V" strings) and arguments `args` (argv[0] is the worker's name).
 * LOAM_ERR_ARGUMENT if it exists. The creation is durable on return. */
bool loam_worker_create(loam_executor *ex, const char *tmpl, const char *worker,
                        size_t nenv, const char *const *env, size_t nargs,
                        const char *const *args, loam_error *err);

bool loam_worker_get(loam_executor *ex, const char *tmpl, const char *worker,
                     loam_worker_info *out, loam_error *err);

/* Names of the workers of `tmpl` (every version), malloc'd array of
 * malloc'd strings; loam_worker_list_free frees them. */
size_t loam_worker_list(loam_executor *ex, const char *tmpl, char ***names);
void loam_worker_list_free(char **names, size_t n);

/* Deletes a worker and its oplog (waits for its running invocation). */
bool loam_worker_delete(loam_executor *ex, const char *tmpl, const char *worker,
                        loam_error *err);

/* The oplog entries [from, from + count) (count 0 = all) as a JSON array
 * of objects {"index", "kind", "timestamp", ...} with params and results
 * as JSON values; malloc'd, NULL with err on failure. */
char *loam_worker_oplog_json(loam_executor *ex, const char *tmpl, const char *worker,
                             uint64_t from, uint64_t count, loam_error *err);

/* Sets the worker's retry policy (durable, and recorded in its oplog). */
bool loam_worker_set_retry(loam_executor *ex, const char *tmpl, const char *worker,
                           const loam_retry_options *r, loam_error *err);

/* Stops the running invocation (it stays queued) and sets Interrupted; the
 * awaiting caller gets LOAM_TRAP_INTERRUPTED. Resume re-runs it. */
bool loam_worker_interrupt(loam_executor *ex, const char *tmpl, const char *worker,
                           loam_error *err);
bool loam_worker_resume(loam_executor *ex, const char *tmpl, const char *worker,
                        loam_error *err);

/* ---- invocations ------------------------------------------------------- */

typedef struct loam_invoke_result {
  uint32_t nvalues;         /* the function's result count (0 or 1, or more
                               for named results) */
  loam_value **values;
} loam_invoke_result;

void loam_invoke_result_free(loam_invoke_result *r);

/* The exported function `function` of a template ("ns:pkg/iface.{func}" or
 * the bare function name when it is unique), or NULL with an error that
 * lists the exports. */
const loam_export_info *loam_template_find_export(const loam_template_info *t,
                                                  const char *function,
                                                  loam_error *err);

/* Invokes and waits for the committed result. The worker is created (empty
 * env and args) if it does not exist. `key` NULL = a new random key. The
 * params must match the function's parameter types (LOAM_ERR_ARGUMENT
 * naming the position otherwise). On a trap (after retries) returns the
 * trap code with message and guest stack in err. */
loam_status loam_invoke_and_await(loam_executor *ex, const char *tmpl,
                                  const char *worker, const char *function,
                                  loam_value *const *params, size_t nparams,
                                  const char *key, loam_invoke_result *out,
                                  loam_error *err);

/* Enqueues the invocation and returns once it is durably accepted (it will
 * run, once, even across crashes). The key used is written to key_out (room
 * for 72 bytes) when non-NULL. */
loam_status loam_invoke(loam_executor *ex, const char *tmpl, const char *worker,
                        const char *function, loam_value *const *params,
                        size_t nparams, const char *key, char *key_out,
                        loam_error *err);

/* ---- statistics ---------------------------------------------------------- */

typedef struct loam_executor_stats {
  uint64_t invocations;     /* completed since open */
  uint64_t replayed;        /* invocations re-run from the oplog */
  uint32_t active_workers;  /* in memory */
  uint32_t suspended;       /* suspensions since open */
  uint64_t snapshots;       /* taken since open */
  uint64_t rpc_local;       /* worker-to-worker calls (golem:rpc) made in
                               process, since open */
  uint64_t commits;         /* store transactions of the group commit */
  uint64_t committed_writes;/* queued writes they carried (oplog entries,
                               key rows, statuses) */
  uint64_t commit_ns;       /* time spent inside them, fsync included */
} loam_executor_stats;

void loam_executor_stats_get(loam_executor *ex, loam_executor_stats *out);

#ifdef __cplusplus
}
#endif
#endif
