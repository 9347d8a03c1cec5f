/* store_int.h — the loam_ds struct shared by the store's generic files
 * (store.c: queue and committer; store_api.c: reads and direct writes;
 * store_snap.c: incremental snapshots). */
#ifndef LOAM_DURABLE_STORE_INT_H
#define LOAM_DURABLE_STORE_INT_H

#include <pthread.h>

#include "durable/backend.h"
#include "durable/ds_map.h"

typedef struct ds_callback {
  loam_ds_ticket ticket;
  void (*fn)(void *ud, bool ok);
  void *ud;
} ds_callback;

/* Page hashes of a worker's stored snapshot (see store_snap.c). */
typedef struct ds_hashes {
  uint8_t *h;        /* 16 bytes per page */
  uint64_t count;
} ds_hashes;

struct loam_ds {
  ds_backend *be;
  loam_ds_options opt;

  pthread_mutex_t mu;          /* guards everything below up to `stats` */
  pthread_cond_t work;         /* queue gained ops, or stop */
  pthread_cond_t done;         /* `durable` advanced, or the store failed */
  ds_op *q;                    /* queued, not yet taken by the committer */
  size_t qlen, qcap;
  loam_ds_ticket issued;       /* the last ticket handed out */
  loam_ds_ticket durable;      /* every ticket <= this is committed */
  bool stop, failed;
  bool committing;             /* a commit round runs (on some thread) */
  bool kicked;                 /* the committer thread was signalled and has
                                  not woken yet: no need to signal again */
  ds_op *batch;                /* the running round's ops (committing) */
  size_t bcap;
  loam_error fail_err;
  ds_map next_index;           /* worker -> next oplog index to assign */
  ds_callback *cbs;
  size_t ncbs, capcbs;
  loam_ds_stats stats;

  pthread_mutex_t snap_mu;     /* guards `hashes` (the map, not an entry) */
  ds_map hashes;               /* worker -> (ds_hashes *) */
  uint64_t hash_bytes;         /* memory held by `hashes` entries */
  size_t hash_cursor;          /* where eviction looks next */

  pthread_t committer;
  bool committer_started;
};

/* Waits until everything queued so far is committed (direct writes that
 * concern a worker call it first). */
bool ds_drain(loam_ds *ds, loam_error *err);

/* Forgets a worker's cached state (next index, page hashes). */
void ds_forget_worker(loam_ds *ds, int64_t worker);
void ds_snap_forget(loam_ds *ds, int64_t worker);
void ds_snap_free_all(loam_ds *ds);

#endif
