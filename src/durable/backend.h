/* backend.h — what a storage backend implements under store.h (SQLite in
 * store_sqlite*.c today). The generic part (store.c, store_snap.c) owns the
 * commit queue, the committer thread, tickets, oplog index assignment and
 * snapshot page diffing; a backend only executes writes and reads. A backend
 * is thread-safe: it serialises writers itself and lets reads run alongside. */
#ifndef LOAM_DURABLE_BACKEND_H
#define LOAM_DURABLE_BACKEND_H

#include "durable/store.h"

/* One queued write. Owned by the queue: strings and data are malloc'd. */
typedef enum ds_op_type { DS_OP_APPEND, DS_OP_KEY, DS_OP_STATUS } ds_op_type;

typedef struct ds_op {
  ds_op_type type;
  int64_t worker;
  uint64_t index;           /* APPEND: the entry's index; KEY: oplog index */
  int kind;                 /* APPEND: kind; KEY: key status; STATUS: status */
  uint8_t *data;            /* APPEND: payload; KEY: result */
  size_t len;
  char *text;               /* KEY: the key; STATUS: last error (NULL keeps) */
  int64_t now_ms;           /* STATUS: updated time */
} ds_op;

/* One page of a snapshot to write: data NULL means "delete the row" (the page
 * is now all zeros). */
typedef struct ds_page {
  uint64_t page_no;
  const uint8_t *data;
  size_t len;               /* LOAM_DS_PAGE_SIZE, less for a partial last page */
  uint8_t hash[16];
} ds_page;

typedef struct ds_snap_meta {
  uint64_t oplog_index, memory_size, page_count;
  const uint8_t *state;
  size_t state_len;
  int64_t created_ms;
} ds_snap_meta;

typedef struct ds_backend ds_backend;

typedef struct ds_backend_ops {
  void (*close)(ds_backend *b);
  /* The committer's one call: apply ops[0..n) in one transaction and commit
   * durably. Must call loam_fault_point("before-commit") after the writes and
   * before the commit, and "after-commit" after it. */
  bool (*commit_batch)(ds_backend *b, const ds_op *ops, size_t n, loam_error *err);

  bool (*oplog_read)(ds_backend *b, int64_t worker, uint64_t from, uint64_t max,
                     loam_ds_oplog_fn fn, void *ud, loam_error *err);
  bool (*oplog_length)(ds_backend *b, int64_t worker, uint64_t *len, loam_error *err);
  bool (*oplog_last_of_kind)(ds_backend *b, int64_t worker, int kind,
                             uint64_t *index, loam_error *err);
  bool (*oplog_bytes)(ds_backend *b, int64_t worker, uint64_t *bytes, loam_error *err);

  bool (*key_get)(ds_backend *b, int64_t worker, const char *key,
                  loam_ds_key *out, bool *found, loam_error *err);

  bool (*template_put)(ds_backend *b, const char *name, const uint8_t *bytes,
                       size_t len, const char *meta, int64_t now_ms,
                       loam_ds_template *out, loam_error *err);
  /* by (name, version; 0 = latest) when name != NULL, else by id */
  bool (*template_get)(ds_backend *b, const char *name, uint32_t version,
                       int64_t id, loam_ds_template *out, loam_error *err);
  bool (*template_list)(ds_backend *b, const char *name, loam_ds_template **out,
                        size_t *n, loam_error *err);

  bool (*worker_create)(ds_backend *b, const loam_ds_worker *w, int64_t now_ms,
                        int64_t *id, bool *exists, loam_error *err);
  bool (*worker_list)(ds_backend *b, const loam_ds_worker_filter *f, int64_t id,
                      loam_ds_worker **out, size_t *n, loam_error *err);
  bool (*worker_set_retry)(ds_backend *b, int64_t worker,
                           const loam_retry_policy *p, int64_t now_ms,
                           loam_error *err);
  bool (*worker_delete)(ds_backend *b, int64_t worker, loam_error *err);

  /* Page hashes of the stored snapshot: hashes[page_no] (16 bytes each) for
   * page_no < *count (pages without a row get the all-zero page's hash,
   * passed in). *count is the stored snapshot's page count (0 when none). */
  bool (*snapshot_hashes)(ds_backend *b, int64_t worker, const uint8_t zero_hash[16],
                          uint8_t **hashes, uint64_t *count, loam_error *err);
  /* One transaction: write/delete `pages`, delete rows with page_no >=
   * meta->page_count, replace the metadata row. Must call
   * loam_fault_point("snapshot-write") after the pages, before the commit. */
  bool (*snapshot_write)(ds_backend *b, int64_t worker, const ds_snap_meta *meta,
                         const ds_page *pages, size_t n, loam_error *err);
  bool (*snapshot_read)(ds_backend *b, int64_t worker, loam_ds_snapshot *out,
                        bool *found, loam_error *err);
} ds_backend_ops;

struct ds_backend {
  const ds_backend_ops *ops;
};

/* The SQLite backend on `dir`/loam.db. */
ds_backend *ds_sqlite_open(const char *dir, const loam_ds_options *opt,
                           loam_error *err);

/* Wall-clock milliseconds since the Unix epoch. */
int64_t ds_now_ms(void);

#endif
