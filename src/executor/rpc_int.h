/*
 * executor/rpc_int.h — what the files of the golem:rpc host interface share
 * (rpc.c: types, host functions, record/replay; rpc_call.c: making one call;
 * rpc_future.c: async calls, pollables and poll). Not for use elsewhere.
 */
#ifndef LOAM_EXECUTOR_RPC_INT_H
#define LOAM_EXECUTOR_RPC_INT_H

#include "executor/executor_int.h"

/* rpc_wit.c: the two WIT files, NUL-terminated. */
extern const char loam_rpc_types_wit[];
extern const char loam_rpc_poll_wit[];

/* The embedded WIT resolved once per process, and the types the host
 * functions lift and lower with. */
typedef struct rpc_types {
  loam_wit *wit;
  const loam_type *wit_value;     /* record wit-value */
  const loam_type *rpc_error;     /* variant rpc-error */
  const loam_type *await_result;  /* result<wit-value, rpc-error> */
  const loam_type *invoke_result; /* result<_, rpc-error> */
  const loam_type *get_result;    /* option<result<wit-value, rpc-error>> */
  const loam_type *params;        /* list<wit-value> */
  const loam_type *wasm_rpc, *future, *pollable; /* the resources */
  const loam_type *own_future, *own_pollable;
} rpc_types;

/* The types, or NULL with err when the embedded WIT does not resolve (a
 * build error, reported by every use). */
const rpc_types *rpc_types_get(loam_error *err);

/* rpc-error cases, in the WIT's order. */
enum { RPC_PROTOCOL_ERROR, RPC_DENIED, RPC_NOT_FOUND, RPC_REMOTE_INTERNAL_ERROR };

/* How a call is made: await its result, only enqueue it (invoke), or on a
 * thread of its own (async-invoke-and-await; awaited like the first). */
typedef enum { RPC_AWAIT, RPC_INVOKE, RPC_ASYNC } rpc_mode;

/* Everything a live call needs, copied from the caller so it can run on
 * another thread (async) while the caller goes on. */
typedef struct rpc_call {
  struct loam_executor *ex;
  char key[72];
  char *uri, *function;
  loam_value *params;             /* list<wit-value>, as lifted */
  char *self;                     /* the caller, "template/worker" */
  char **chain;                   /* the caller's call chain */
  size_t nchain;
  char **env;                     /* the caller's environment */
  size_t nenv;
  rpc_mode mode;
  bool key_is_new;                /* see ex_runtime.fresh_calls */
} rpc_call;

/* Fills c from the caller's runtime (key, uri, function and params copied;
 * params may be NULL). False when out of memory. */
bool rpc_call_init(rpc_call *c, ex_runtime *rt, const char *key, const char *uri,
                   const char *function, const loam_value *params, rpc_mode mode);
void rpc_call_clear(rpc_call *c);

/* rpc_call.c: makes the call live and returns its outcome as a value of
 * await_result (RPC_AWAIT, RPC_ASYNC) or invoke_result (RPC_INVOKE): errors
 * are rpc-error values, never traps. NULL when out of memory, or with
 * *closing set when the executor closed before the callee answered: that is
 * no outcome to record (the call is made again after a reopen). */
loam_value *rpc_perform(const rpc_call *c, bool *closing);
/* The trap that abandons the caller's invocation while the executor closes
 * (run.c leaves such an invocation owed, for recovery to continue). */
loam_status rpc_closing_trap(loam_caller *cl, const char *key);
/* An outcome value err(case(msg)) of result type `rt`. */
loam_value *rpc_error_value(const loam_type *result_type, int which, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- host objects (rpc.c) ------------------------------------------------ */

typedef struct rpc_future rpc_future;

enum { OBJ_FREE, OBJ_RPC, OBJ_FUTURE, OBJ_POLLABLE };

/* One host resource: its rep is its index in rt->rpc->objs plus one. */
typedef struct rpc_obj {
  int kind;
  char *uri;                      /* OBJ_RPC: the location, as given */
  rpc_future *fut;                /* OBJ_FUTURE, OBJ_POLLABLE: a reference */
} rpc_obj;

struct ex_rpc_state {
  pthread_mutex_t mu;             /* futures' outcomes */
  pthread_cond_t cv;              /* a future finished */
  rpc_obj *objs;
  size_t nobjs, capobjs;
  uint32_t ordinal;               /* the next call's number in the invocation */
  rpc_future **futs;              /* every future made, for joining threads */
  size_t nfuts, capfuts;
};

/* A new object's rep (0 when out of memory). */
uint32_t rpc_obj_new(ex_runtime *rt, int kind);
/* The object behind handle `h` of `resource` (lifted as a borrow or own),
 * or NULL with err. */
rpc_obj *rpc_obj_of(ex_runtime *rt, uint32_t handle, const loam_type *resource,
                    loam_error *err);

/* ---- record/replay (rpc.c) ------------------------------------------------ */

/* The next recorded entry to answer from (replay), or NULL when live. */
loam_oplog_entry *rpc_next_recorded(ex_runtime *rt);
/* True when running out of recorded entries is a divergence. */
bool rpc_strict(ex_runtime *rt);
/* Appends a HOST_CALL entry (named `name`, payload p[0..len)), writing the
 * invocation's START first if it is pending. */
void rpc_record_host(ex_runtime *rt, uint32_t index, const char *name, const uint8_t *p,
                     size_t len);
/* Appends RPC_CALL / RPC_RESULT. */
void rpc_record_call(ex_runtime *rt, const rpc_call *c);
void rpc_record_result(ex_runtime *rt, const char *key, const char *uri,
                       const char *function, const loam_value *outcome);
/* Decodes a recorded RPC_RESULT as a value of `type`; NULL with err. */
loam_value *rpc_recorded_outcome(const loam_oplog_entry *e, const loam_type *type,
                                 loam_error *err);
/* The key of the rt's next outgoing call (derived, see rpc.c). */
void rpc_next_key(ex_runtime *rt, char out[72]);
/* Traps the guest: replaying, it made `what` where the oplog has entry e
 * (NULL: nothing more). */
loam_status rpc_diverged(loam_caller *cl, const char *what, const loam_oplog_entry *e);
/* Traps the guest: the host ran out of memory serving a golem:rpc call. */
loam_status rpc_oom(loam_caller *cl);

/* HOST_CALL indexes and names of the observations rpc_future.c records. */
#define RPC_HOST_GET 0x10001u
#define RPC_HOST_READY 0x10002u
#define RPC_HOST_POLL 0x10003u

/* rpc_future.c: the async half. Each returns LOAM_OK or a trap code (after
 * loam_caller_trap). */
loam_status rpc_async_invoke(ex_runtime *rt, loam_caller *cl, rpc_obj *o, const char *fn,
                             const loam_value *params, uint32_t *handle_out);
loam_status rpc_future_subscribe(ex_runtime *rt, loam_caller *cl, rpc_obj *o,
                                 uint32_t *handle_out);
loam_status rpc_future_get(ex_runtime *rt, loam_caller *cl, rpc_obj *o, loam_value **out);
loam_status rpc_pollable_ready(ex_runtime *rt, loam_caller *cl, rpc_obj *o, bool *out);
loam_status rpc_pollable_block(ex_runtime *rt, loam_caller *cl, rpc_obj *o);
loam_status rpc_poll(ex_runtime *rt, loam_caller *cl, rpc_obj *const *objs, size_t n,
                     uint32_t **ready, size_t *nready);
/* Drops a reference to a future (the object's or a pollable's). */
void rpc_future_release(ex_runtime *rt, rpc_future *f);
/* Joins every future thread of rt and frees them (runtime teardown). */
void rpc_futures_free(ex_runtime *rt);

#endif
