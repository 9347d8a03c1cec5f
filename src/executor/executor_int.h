/*
 * executor/executor_int.h — what the executor's files share: templates,
 * workers, invocations, a worker's loaded runtime, and the executor itself.
 * Not for use outside src/executor/.
 *
 * Locking: one mutex (ex->mu) guards every field marked [mu]: maps, queues,
 * statuses, invocation outcomes. A worker's runtime (ex_runtime) is touched
 * only by the thread that owns the worker (w->busy set under mu): a pool
 * thread running it, or a thread suspending it.
 */
#ifndef LOAM_EXECUTOR_INT_H
#define LOAM_EXECUTOR_INT_H

#include "loam/executor.h"

#include "abi/abi.h"
#include "durable/durable.h"
#include "host/wasi.h"

#include <pthread.h>
#include <stdarg.h>

#define EX_MAX_SIG 64

/* ---- templates ---------------------------------------------------------- */

typedef struct ex_export {
  char *name, *core_name, *signature;
  loam_abi_sig sig;
  const loam_type *sigbuf[EX_MAX_SIG];
  loam_export_info info;
} ex_export;

typedef struct ex_template {
  char *name;
  uint8_t *wasm;
  loam_module *module;
  char *wit_text;
  loam_wit *wit;
  ex_export *exports;
  loam_export_info *export_infos;
  loam_template_info info;
  bool has_initialize;
  bool latest;                  /* [mu] known to be the newest version of its
                                   name (see tmpl_get in executor.c) */
  struct ex_stub *stubs;        /* compose.c: stub modules linked in */
  size_t nstubs;
  struct ex_template *next;
} ex_template;

ex_template *ex_template_build(const char *name, uint32_t version, const uint8_t *wasm,
                               size_t len, const char *wit, const char *world,
                               loam_error *err);
void ex_template_free(ex_template *t);

/* ---- invocations -------------------------------------------------------- */

enum {
  EX_INV_LOOKUP,    /* placeholder: its key is being looked up in the store */
  EX_INV_ORPHAN,    /* the store says pending: waiting for recovery to adopt it */
  EX_INV_QUEUED,    /* in its worker's queue */
  EX_INV_RUNNING,
  EX_INV_FINISHED,  /* outcome known, waiting for its entries to be durable */
};

typedef struct ex_invocation {
  char key[72];
  const ex_export *fn;
  loam_buf params_bin;          /* the params, concatenated binary encodings */
  loam_value **params;          /* decoded, fn->sig.nparams of them */
  uint64_t enqueued_index;      /* its ENQUEUED entry, 0 if none */
  loam_oplog_entry *replay;     /* host calls recorded by an earlier, crashed
                                   attempt (answered before going live) */
  size_t nreplay;
  int state;                    /* [mu] EX_INV_* */
  bool acked;                   /* [mu] the outcome is durable (or final) */
  bool finished;                /* [mu] the outcome is set and its END queued
                                   (durable once any later write is) */
  bool fresh;                   /* its key was new to the store when submitted
                                   and it has not run yet: the keys of the
                                   calls its first run makes are new too */
  bool unkeyed;                 /* its key was generated here and never shown
                                   to anyone (invoke-and-await without a
                                   key): no one can ask for it again, so it
                                   needs no key row in the store */
  uint32_t interrupts;          /* [mu] bumped when interrupted */
  loam_status status;           /* outcome */
  loam_error err;
  uint8_t *result_bin;          /* encoded results (concatenated) */
  size_t result_len;
  loam_value **results;
  uint32_t nresults;
  pthread_cond_t cv;
  int refs;                     /* [mu] */
  struct ex_worker *w;
  /* The call chain it was invoked through ("template/worker" of every
   * worker waiting on it, outermost first; empty for calls from outside).
   * Kept in memory only: an invocation re-queued by recovery has none. */
  char **chain;
  size_t nchain;
  struct ex_invocation *next;   /* [mu] worker queue */
  struct ex_invocation *iprev, *inext; /* [mu] worker's in-flight list */
} ex_invocation;

/* ---- workers ------------------------------------------------------------ */

/* A loaded worker: its store, instance and WASI context, and the replay
 * state of the hook. */
typedef struct ex_runtime {
  struct loam_executor *ex;
  struct ex_worker *w;
  loam_store *store;
  loam_linker *linker;
  loam_wasi *wasi;
  loam_instance *inst;
  loam_abi_guest guest;
  /* The host calls to answer from the oplog (replay), and how strictly:
   * strict = a completed invocation (running out is a divergence). */
  loam_oplog_entry *replay;
  size_t nreplay, replay_pos;
  bool strict, replaying, recording;
  bool fresh_calls;             /* the running attempt is a fresh invocation's
                                   first: its outgoing calls' keys are new */
  uint64_t last_index;          /* last oplog index appended or read */
  uint32_t since_snapshot;      /* invocations since the last snapshot */
  uint64_t bytes_since_snapshot;
  size_t env_bytes;             /* environ_get's buffer size */
  /* The running invocation whose START entry is not written yet: it is
   * written just before the first entry the invocation records, or with its
   * END (one entry less for invocations without host calls). */
  struct ex_invocation *start_pending;
  /* The invocation being run or replayed (rpc.c derives call keys from it),
   * NULL between invocations. */
  struct ex_invocation *current;
  /* One resource handle table for every instance of the worker: the host's
   * resources (golem:rpc, wasi:io/poll) and the stubs' exported resources
   * live side by side, so a handle means the same in the caller and in a
   * stub. A snapshot is taken only when it is empty (see ex_snapshot). */
  loam_handles *handles;
  struct ex_rpc_state *rpc;     /* rpc.c: host resource objects, call count */
  struct ex_stub_inst *stub_insts; /* compose.c: one per template stub */
  /* The last bytes the guest wrote to stderr (NUL-terminated), so a trap
   * that follows a message (a generated stub's rpc error, then abort) can
   * quote it: see ex_stderr_last_line. */
  char stderr_tail[512];
  size_t nstub_insts;
} ex_runtime;

typedef struct ex_worker {
  int64_t id;
  char *tmpl_name, *name;
  ex_template *tpl;
  char **env, **args;
  size_t nenv, nargs;
  loam_retry_policy retry;
  int status;                   /* [mu] LOAM_WS_* */
  int stored_status;            /* [mu] what the store has */
  char last_error[1024];        /* [mu] */
  ex_invocation *qhead, *qtail; /* [mu] queue, arrival order */
  uint32_t pending;             /* [mu] */
  ex_invocation *inflight;      /* [mu] not yet acknowledged, by key */
  bool busy;                    /* [mu] a thread owns the runtime */
  bool in_runq;                 /* [mu] */
  bool force_load;              /* [mu] load even with an empty queue */
  bool recovered;               /* [mu] recovery ran in this process */
  bool interrupt_req;           /* [mu] */
  bool deleted;                 /* [mu] */
  loam_store *running_store;    /* [mu] for interrupts */
  ex_runtime *rt;               /* owner only; NULL when not loaded */
  uint64_t completed;           /* [mu] */
  uint64_t oplog_len;           /* [mu] approximate */
  uint64_t last_used_ns;        /* [mu] */
  struct ex_worker *lru_prev, *lru_next; /* [mu] active workers */
  struct ex_worker *hnext;      /* [mu] hash chain */
  struct ex_worker *rnext;      /* [mu] run queue */
} ex_worker;

/* ---- the executor ----------------------------------------------------------- */

struct loam_executor {
  loam_ds *ds;
  loam_executor_options opt;
  pthread_mutex_t mu;
  pthread_cond_t work_cv;       /* run queue non-empty, or closing */
  pthread_cond_t owner_cv;      /* a worker's busy flag was cleared */
  pthread_cond_t reaper_cv;
  ex_template *templates;       /* [mu] */
  ex_worker **buckets;          /* [mu] by template name + worker name */
  size_t nbuckets, nworkers;
  ex_worker *rhead, *rtail;     /* [mu] run queue */
  ex_worker lru;                /* [mu] sentinel: lru.lru_next = least recent */
  uint32_t nactive;             /* [mu] */
  pthread_t *threads;
  uint32_t nthreads;
  pthread_t reaper;
  bool has_reaper;
  bool closing;                 /* [mu] */
  loam_executor_stats stats;    /* [mu] */
  int devnull;
};

/* ---- shared helpers ----------------------------------------------------------- */

/* util.c */
void ex_fail(loam_error *err, loam_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
uint64_t ex_now_ns(void);
uint64_t ex_now_ms(void);
void ex_functype_text(const loam_functype *ft, char *buf, size_t cap);
void ex_new_key(char out[72]);
/* Appends entry e to w's oplog (timestamp filled); the index goes to
 * *index (may be NULL). rt: the worker's runtime when called by its owner
 * (its counters advance), else NULL. */
loam_ds_ticket ex_append(struct loam_executor *ex, ex_worker *w, ex_runtime *rt,
                         loam_oplog_entry *e, uint64_t *index, loam_error *err);
/* Encodes/decodes n values (concatenated binary encodings). */
bool ex_encode_values(loam_value *const *v, uint32_t n, loam_buf *out);
loam_value **ex_decode_values(const loam_type *const *types, uint32_t n,
                              const uint8_t *b, size_t len, loam_error *err);
void ex_free_values(loam_value **v, uint32_t n);
/* Checks a value against a type, naming the path in the message. */
bool ex_check_value(const loam_value *v, const loam_type *t, const char *path,
                    loam_error *err);

/* hook.c: the WASI hook (record live, answer on replay). */
loam_status ex_wasi_hook(void *user, loam_wasi_phase phase, loam_wasi_call *call);
/* The last non-empty line of what the guest wrote to stderr, copied to buf
 * (empty when none). */
void ex_stderr_last_line(const ex_runtime *rt, char *buf, size_t cap);

/* runtime.c */
bool ex_runtime_load(struct loam_executor *ex, ex_worker *w, loam_error *err);
void ex_runtime_free(ex_runtime *rt);
bool ex_snapshot(struct loam_executor *ex, ex_worker *w, loam_error *err);
/* Suspends an owned worker: snapshot if needed, frees its memory. */
void ex_suspend(struct loam_executor *ex, ex_worker *w);

/* compose.c: templates made of a caller module and the stub modules
 * `loam stubgen compose` put in its custom sections "loam:stub". */
typedef struct ex_stub {
  char *iface;                  /* the interface it exports ("ns:pkg-stub/stub-w") */
  loam_module *module;
  loam_wit *wit;                /* its embedded WIT */
} ex_stub;
/* Reads t->module's "loam:stub" sections into t->stubs, checking each against
 * the caller's imports. */
bool ex_template_load_stubs(ex_template *t, loam_error *err);
void ex_template_free_stubs(ex_template *t);
/* True when module.name is an import some stub of t provides. */
bool ex_stub_provides(const ex_template *t, const char *module, const char *name);
/* Instantiates t's stubs in rt->store (with rt->linker's host functions) and
 * defines every caller import of a stub interface in rt->linker as an
 * adapter into the stub. Called before the caller is instantiated. */
bool ex_stubs_link(ex_runtime *rt, loam_error *err);
void ex_stubs_free(ex_runtime *rt);

/* executor.c: what an RPC needs. The worker tmpl/name, created when `create`
 * with environment env[0..nenv) (an RPC's target inherits its caller's). */
ex_worker *ex_worker_find(struct loam_executor *ex, const char *tmpl, const char *name,
                          bool create, size_t nenv, const char *const *env,
                          loam_error *err);
/* The worker if it is in memory (no store access), else NULL. */
ex_worker *ex_worker_cached(struct loam_executor *ex, const char *tmpl, const char *name);
/* loam_invoke_and_await (accept_only false) / loam_invoke (true) on worker
 * w, the new invocation carrying call chain chain[0..nchain) (copied).
 * key_is_new: the caller knows `key` was never submitted (an outgoing call
 * of an invocation's first run, see ex_invocation.fresh), so the store is
 * not asked about it. */
loam_status ex_submit(struct loam_executor *ex, ex_worker *w, const char *function,
                      loam_value *const *params, size_t nparams, const char *key,
                      bool key_is_new, char *key_out, bool accept_only,
                      const char *const *chain, size_t nchain, loam_invoke_result *out,
                      loam_error *err);

/* rpc.c: the golem:rpc@0.1.0 and wasi:io/poll@0.2.0 host interfaces. */
/* True when module.name is one of those imports. */
bool ex_rpc_provides(const char *module, const char *name);
/* Defines them in `l` for runtime rt (its handle table, its oplog); with rt
 * NULL (a template's trial instantiation) they only trap when called. */
bool ex_rpc_define(ex_runtime *rt, loam_linker *l, loam_store *s, loam_error *err);
void ex_rpc_free(ex_runtime *rt);
/* The JSON of an RPC_CALL's params (list<wit-value>) or an RPC_RESULT's
 * outcome, malloc'd; NULL when the bytes are not one. */
char *ex_rpc_value_json(bool is_result, const uint8_t *bytes, size_t len);
/* An invocation starts running or replaying on rt (rt->current set): its
 * outgoing calls are numbered from 0 again. */
void ex_rpc_begin(ex_runtime *rt);

/* run.c */
/* Writes the running invocation's START entry if it is still pending. */
void ex_write_start(ex_runtime *rt);
void ex_run_queue(struct loam_executor *ex, ex_worker *w);
void ex_inv_unref(struct loam_executor *ex, ex_invocation *inv); /* [mu] held */
void ex_inv_finish(struct loam_executor *ex, ex_invocation *inv, loam_ds_ticket t);
/* Calls the export with values, fuel/deadline applied when `limits`. */
loam_status ex_call(struct loam_executor *ex, ex_runtime *rt, const ex_export *fn,
                    loam_value *const *params, loam_value **results, bool limits,
                    loam_error *err);

/* pool.c */
bool ex_pool_start(struct loam_executor *ex, loam_error *err);
void ex_pool_stop(struct loam_executor *ex);
void ex_schedule(struct loam_executor *ex, ex_worker *w);      /* [mu] held */
void ex_claim(struct loam_executor *ex, ex_worker *w);          /* [mu] held */
void ex_release(struct loam_executor *ex, ex_worker *w);        /* [mu] held */
/* Makes room for one more active worker (evicting LRU); [mu] not held. */
void ex_make_room(struct loam_executor *ex, ex_worker *self);
void ex_lru_touch(struct loam_executor *ex, ex_worker *w);      /* [mu] held */
void ex_lru_remove(struct loam_executor *ex, ex_worker *w);     /* [mu] held */
/* Sets the status, persisting it when it changed what the store has. */
void ex_set_status(struct loam_executor *ex, ex_worker *w, int status,
                   const char *error);                          /* [mu] held */

/* In-flight list by key. [mu] held. */
ex_invocation *ex_inflight_find(ex_worker *w, const char *key);
void ex_inflight_add(ex_worker *w, ex_invocation *inv);
void ex_inflight_remove(ex_worker *w, ex_invocation *inv);
ex_invocation *ex_inv_new(ex_worker *w, const char *key);
void ex_enqueue(ex_worker *w, ex_invocation *inv, bool front); /* [mu] held */

#endif
