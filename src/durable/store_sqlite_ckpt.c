/* store_sqlite_ckpt.c — WAL checkpoints on their own thread and connection,
 * so a commit never pays for copying the WAL into the database (which, with
 * synchronous=FULL, also means an extra fsync) and commit latency stays flat. */
#include "durable/store_sqlite.h"

#include <stdlib.h>
#include <time.h>

#include "wasm/module.h"

/* Checkpoint once the WAL holds this many pages (SQLite's own default). */
#define CKPT_PAGES 1000

typedef struct sq_ckpt {
  sq_conn c;
  pthread_t th;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_mutex_t run_mu;  /* held while a checkpoint runs: SQLite runs one
                              at a time and fails the second at once, so the
                              writer's RESTART waits for the thread's round */
  bool want, stop;
  bool restart;       /* the WAL passed CKPT_RESTART_PAGES (writer only) */
  int last_pages;     /* the WAL's size at the previous commit (writer only) */
  int trigger;        /* checkpoint when it reaches this (writer only) */
} sq_ckpt;

/* While commits keep coming, a PASSIVE checkpoint rarely catches up with the
 * writer, so the WAL stays over CKPT_PAGES: ask again only after this many
 * more pages, not after every commit (a thread wake-up each). */
#define CKPT_AGAIN_PAGES 256
/* ...and the WAL never starts over: SQLite rewinds it only when a write
 * begins after a checkpoint copied all of it. Past this size the writer
 * itself runs a RESTART checkpoint after its commit (sq_ckpt_restart): the
 * background PASSIVE ones have copied most frames, it copies the last ones
 * and the next commit writes from the start of the file again. Bounds the
 * WAL's size on disk and the time to open it after a crash. (A RESTART on
 * the checkpoint thread would wait for a gap between commits that never
 * comes under load.) */
#define CKPT_RESTART_PAGES 8192

/* Called by SQLite on the write connection after each commit. */
static int wal_hook(void *ud, sqlite3 *db, const char *name, int pages) {
  (void)db; (void)name;
  sq_ckpt *k = ud;
  if (pages < k->last_pages) k->trigger = CKPT_PAGES; /* the WAL restarted */
  k->last_pages = pages;
  /* past the limit the writer checkpoints after this commit; waking the
   * thread as well would have the two collide (one checkpoint at a time) */
  k->restart = pages >= CKPT_RESTART_PAGES;
  if (pages >= k->trigger && !k->restart) {
    k->trigger = pages + CKPT_AGAIN_PAGES;
    pthread_mutex_lock(&k->mu);
    if (!k->want) {
      k->want = true;
      pthread_cond_signal(&k->cv);
    }
    pthread_mutex_unlock(&k->mu);
  }
  return SQLITE_OK;
}

static void *ckpt_main(void *arg) {
  sq_ckpt *k = arg;
  pthread_mutex_lock(&k->mu);
  while (!k->stop) {
    while (!k->want && !k->stop) pthread_cond_wait(&k->cv, &k->mu);
    if (k->stop) break;
    k->want = false;
    pthread_mutex_unlock(&k->mu);
    /* PASSIVE: copies what it can without blocking the writer or readers;
     * the writer restarts the WAL from the beginning once all is copied. */
    pthread_mutex_lock(&k->run_mu);
    sqlite3_wal_checkpoint_v2(k->c.db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    pthread_mutex_unlock(&k->run_mu);
    pthread_mutex_lock(&k->mu);
  }
  pthread_mutex_unlock(&k->mu);
  return NULL;
}

bool sq_ckpt_start(sq_backend *b, const char *path, loam_error *err) {
  sq_ckpt *k = calloc(1, sizeof *k);
  if (!k) return wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
  pthread_mutex_init(&k->mu, NULL);
  pthread_mutex_init(&k->run_mu, NULL);
  pthread_cond_init(&k->cv, NULL);
  k->trigger = CKPT_PAGES;
  /* A connection learns that the database is in WAL mode when it first
   * reads it; until then sqlite3_wal_checkpoint_v2 does nothing and says
   * so only through its out-parameters (-1), and the WAL grew without end. */
  if (!sq_conn_open(&k->c, path, true, err) ||
      !sq_exec(&k->c, "SELECT count(*) FROM sqlite_master", err)) {
    sq_conn_close(&k->c);
    free(k);
    return false;
  }
  if (pthread_create(&k->th, NULL, ckpt_main, k) != 0) {
    sq_conn_close(&k->c);
    free(k);
    return wasm_fail(err, LOAM_ERR_LIMIT, "store: cannot start the checkpoint thread");
  }
  b->ckpt = k;
  sqlite3_wal_autocheckpoint(b->w.db, 0);
  sqlite3_wal_hook(b->w.db, wal_hook, k);
  return true;
}

void sq_ckpt_restart(sq_backend *b) {
  sq_ckpt *k = b->ckpt;
  if (!k || !k->restart) return;
  /* After the thread's round (mostly copied already), it waits (busy
   * handler) for readers to finish; briefly, so a commit is never held up
   * long. If it gives up, the next commit tries again (the WAL is still past
   * the limit, so wal_hook sets `restart` again). */
  pthread_mutex_lock(&k->run_mu);
  sqlite3_busy_timeout(b->w.db, 200);
  sqlite3_wal_checkpoint_v2(b->w.db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
  sqlite3_busy_timeout(b->w.db, SQ_BUSY_TIMEOUT_MS);
  pthread_mutex_unlock(&k->run_mu);
  k->restart = false;
}

void sq_ckpt_stop(sq_backend *b) {
  sq_ckpt *k = b->ckpt;
  if (!k) return;
  if (b->w.db) sqlite3_wal_hook(b->w.db, NULL, NULL);
  pthread_mutex_lock(&k->mu);
  k->stop = true;
  pthread_cond_signal(&k->cv);
  pthread_mutex_unlock(&k->mu);
  pthread_join(k->th, NULL);
  sq_conn_close(&k->c);
  pthread_mutex_destroy(&k->mu);
  pthread_mutex_destroy(&k->run_mu);
  pthread_cond_destroy(&k->cv);
  free(k);
  b->ckpt = NULL;
}
