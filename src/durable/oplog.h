/* oplog.h — the oplog entry format: kinds, the decoded entry, the binary
 * encoding stored per entry, and the JSON form shown by the REST API.
 *
 * Ownership: loam_oplog_encode reads an entry the caller owns and appends
 * bytes to a loam_buf the caller owns. loam_oplog_decode fills an entry whose
 * strings/byte fields are freshly malloc'd copies (strings NUL-terminated,
 * byte fields may be {NULL, 0}); release them with loam_oplog_entry_free.
 * Decoding untrusted bytes never crashes: any malformed input (truncated,
 * overlong, unknown kind, trailing bytes, absurd lengths) is an error.
 *
 * Encoding (version 1): byte 0 = kind, then a LEB128 u64 timestamp (ms since
 * the Unix epoch), then the kind's fields in the order listed in the union
 * below: integers as unsigned LEB128, bools/u8 as one byte, strings and byte
 * fields as LEB128 length + bytes, string lists as LEB128 count + strings,
 * doubles as 8 little-endian bytes. Nothing follows the last field.
 *
 * The store keeps the kind in its own column too (loam_ds_append's `kind`),
 * so the executor can find e.g. the last snapshot marker without decoding.
 */
#ifndef LOAM_DURABLE_OPLOG_H
#define LOAM_DURABLE_OPLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loam/value.h"   /* loam_buf */
#include "loam/wasm.h"    /* loam_error */

typedef enum loam_oplog_kind {
  LOAM_OPLOG_CREATE = 1,        /* the worker was created */
  LOAM_OPLOG_ENQUEUED = 2,      /* an invocation was durably accepted
                                   ("invoke"), not yet started */
  LOAM_OPLOG_INVOKE_START = 3,  /* an invocation starts running */
  LOAM_OPLOG_HOST_CALL = 4,     /* result of a non-deterministic host call */
  LOAM_OPLOG_LOG = 5,           /* guest stdout/stderr bytes */
  LOAM_OPLOG_INVOKE_END = 6,    /* an invocation finished (result or error) */
  LOAM_OPLOG_ERROR = 7,         /* a trap (message + guest stack) */
  LOAM_OPLOG_INTERRUPTED = 8,   /* interrupt stopped the running invocation */
  LOAM_OPLOG_RESUMED = 9,       /* resume after an interrupt */
  LOAM_OPLOG_SNAPSHOT = 10,     /* a snapshot was stored at this point */
  LOAM_OPLOG_RETRY_POLICY = 11, /* the worker's retry policy changed */
  LOAM_OPLOG_RPC_CALL = 12,     /* issue 7: an outgoing call is about to be sent */
  LOAM_OPLOG_RPC_RESULT = 13,   /* issue 7: the outgoing call's result */
  LOAM_OPLOG_KIND_MAX = 13,
} loam_oplog_kind;

/* "create", "enqueued", "invoke-start", ...; "unknown" for other values. */
const char *loam_oplog_kind_name(int kind);

typedef struct loam_oplog_bytes {
  uint8_t *data;
  size_t len;
} loam_oplog_bytes;

/* A retry policy (also the store's per-worker column, see store.h).
 * Delay before attempt k (k >= 1 retries): min(min_delay_ms * multiplier^(k-1),
 * max_delay_ms) +- jitter (a fraction, 0.15 = 15%). */
typedef struct loam_retry_policy {
  uint32_t max_attempts;   /* total attempts including the first; 3 default */
  uint32_t min_delay_ms;   /* 100 */
  uint32_t max_delay_ms;   /* 1000 */
  double multiplier;       /* 3.0 */
  double jitter;           /* 0.15 */
} loam_retry_policy;

/* The default: 3 attempts, 100 ms x3 up to 1 s, jitter 15%. */
loam_retry_policy loam_retry_policy_default(void);

/* A decoded entry: `kind` says which member of `u` is meaningful. */
typedef struct loam_oplog_entry {
  loam_oplog_kind kind;
  uint64_t timestamp_ms;
  union {
    struct {                    /* CREATE */
      char *template_name;
      uint32_t template_version;
      char **env;               /* "K=V" strings */
      size_t env_count;
      char **args;
      size_t arg_count;
    } create;
    struct {                    /* ENQUEUED, INVOKE_START */
      char *function;           /* "ns:pkg/iface.{func}" or a bare name */
      char *key;                /* idempotency key */
      loam_oplog_bytes params;  /* loam_value_encode of a tuple of the params
                                   (or their concatenation: executor's choice) */
    } invoke;
    struct {                    /* HOST_CALL */
      uint32_t index;           /* which host function, e.g. WASI table index */
      char *name;               /* e.g. "wasi_snapshot_preview1.clock_time_get" */
      loam_oplog_bytes result;  /* its recorded results/bytes, executor-defined */
    } host;
    struct {                    /* LOG */
      uint8_t stream;           /* 1 stdout, 2 stderr, 0 a log line */
      loam_oplog_bytes bytes;
    } log;
    struct {                    /* INVOKE_END */
      char *key;                /* the idempotency key it ends */
      bool ok;
      loam_oplog_bytes result;  /* ok: loam_value_encode of the result */
      char *error;              /* !ok: the error message */
    } end;
    struct {                    /* ERROR */
      char *message;            /* trap message */
      char *stack;              /* guest stack (loam_error.backtrace) */
      uint32_t attempt;         /* which attempt failed, 1-based */
    } error;
    struct {                    /* INTERRUPTED, RESUMED */
      char *reason;             /* may be NULL */
    } interrupt;
    struct {                    /* SNAPSHOT */
      uint64_t at_index;        /* the snapshot covers entries 1..at_index */
      uint64_t memory_size;     /* bytes of linear memory */
      uint32_t pages_written;   /* pages stored by this (incremental) snapshot */
    } snapshot;
    loam_retry_policy retry;    /* RETRY_POLICY */
    struct {                    /* RPC_CALL, RPC_RESULT (issue 7) */
      char *key;                /* the outgoing call's idempotency key */
      char *target;             /* worker://template/worker */
      char *function;
      loam_oplog_bytes data;    /* RPC_CALL: params; RPC_RESULT: result */
      bool ok;                  /* RPC_RESULT */
      char *error;              /* RPC_RESULT, !ok */
    } rpc;
  } u;
} loam_oplog_entry;

/* Appends the encoding of `e` to `out`. False only when out of memory or the
 * kind is unknown. NULL strings encode as "" (and decode as ""). */
bool loam_oplog_encode(const loam_oplog_entry *e, loam_buf *out);

/* Decodes exactly `len` bytes into `*e`. On failure `*e` holds nothing to
 * free and err says what is wrong (LOAM_ERR_MALFORMED). */
bool loam_oplog_decode(const uint8_t *bytes, size_t len, loam_oplog_entry *e,
                       loam_error *err);

/* Frees the fields decode allocated and zeroes `*e`. */
void loam_oplog_entry_free(loam_oplog_entry *e);

/* Optional: renders value bytes (params or results) as JSON text for the
 * printer. `function` is the invoked function (NULL if unknown); `is_result`
 * says which. Return a malloc'd JSON text, or NULL to fall back to hex. */
typedef char *(*loam_oplog_value_json_fn)(void *ud, const char *function,
                                          bool is_result, const uint8_t *bytes,
                                          size_t len);

/* One entry as a compact JSON object, malloc'd:
 *   {"index":N,"kind":"invoke-start","timestamp":MS, ...kind's fields...}
 * Byte fields are {"hex":"..."} (log bytes that are valid UTF-8 become a
 * string "text"); values go through `value_json` when given. NULL only when
 * out of memory. */
char *loam_oplog_entry_to_json(uint64_t index, const loam_oplog_entry *e,
                               loam_oplog_value_json_fn value_json, void *ud);

/* Decodes and prints in one step; a malformed entry prints as
 * {"index":N,"kind":"<kind name>","malformed":"<message>","hex":"..."}. */
char *loam_oplog_bytes_to_json(uint64_t index, const uint8_t *bytes, size_t len,
                               loam_oplog_value_json_fn value_json, void *ud);

#endif
