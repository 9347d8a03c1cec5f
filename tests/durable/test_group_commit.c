/* test_group_commit.c — many threads appending at once: every entry is
 * durable, indices are dense and in call order per worker, and batches hold
 * more than one entry on average (the stats are printed). Also: a thread
 * that holds the store commits its own writes on release, without delaying
 * anyone else's; and the WAL is checkpointed and rewound under a steady
 * stream of commits, so it stays bounded. */
#define _GNU_SOURCE   /* nftw, mkdtemp in ds_fixture.h */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ds_fixture.h"

#define THREADS 8
#define PER_THREAD 10000
#define WINDOW 16        /* tickets in flight per thread before it waits */

typedef struct job {
  loam_ds *ds;
  int64_t worker[2];     /* each thread alternates between two workers */
  int per_thread;
  int window;
  bool ok;
} job;

static void *appender(void *arg) {
  job *j = arg;
  loam_error err;
  loam_ds_ticket pending = 0;
  j->ok = true;
  for (int i = 0; i < j->per_thread; i++) {
    char p[32];
    int n = snprintf(p, sizeof p, "%d", i);
    uint64_t idx;
    loam_ds_ticket t = loam_ds_append(j->ds, j->worker[i & 1], LOAM_OPLOG_LOG,
                                      (const uint8_t *)p, (size_t)n, &idx, &err);
    if (!t || idx != (uint64_t)(i / 2 + 1)) j->ok = false;
    pending = t;
    if ((i + 1) % j->window == 0 && !loam_ds_wait(j->ds, pending, &err)) j->ok = false;
  }
  if (!loam_ds_wait(j->ds, pending, &err)) j->ok = false;
  return NULL;
}

typedef struct check {
  uint64_t next;
  bool ok;
} check;

static bool check_fn(void *ud, uint64_t index, int kind, const uint8_t *p, size_t len) {
  check *c = ud;
  char buf[32];
  snprintf(buf, sizeof buf, "%.*s", (int)len, (const char *)p);
  /* worker k of a thread gets that thread's entries 2m+k: payload is
   * 2*(index-1) + k, so consecutive entries differ by exactly 2 */
  long v = strtol(buf, NULL, 10);
  if (index != c->next || kind != LOAM_OPLOG_LOG || v < 0 || (uint64_t)v / 2 != index - 1)
    c->ok = false;
  c->next++;
  return true;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run(bool no_fsync, int per_thread, int window) {
  char *dir = ds_fx_dir();
  loam_error err;
  loam_ds_options opt = {.no_fsync = no_fsync};
  loam_ds *ds = loam_ds_open(dir, &opt, &err);
  assert_non_null(ds);
  job jobs[THREADS];
  pthread_t th[THREADS];
  for (int t = 0; t < THREADS; t++) {
    jobs[t] = (job){.ds = ds, .per_thread = per_thread, .window = window};
    for (int k = 0; k < 2; k++) {
      char name[16];
      snprintf(name, sizeof name, "w%d-%d", t, k);
      loam_ds_worker w = {.template_name = "t", .name = name};
      DS_OK(loam_ds_worker_create(ds, &w, &jobs[t].worker[k], NULL, &err));
    }
  }
  double t0 = now_s();
  for (int t = 0; t < THREADS; t++) pthread_create(&th[t], NULL, appender, &jobs[t]);
  for (int t = 0; t < THREADS; t++) pthread_join(th[t], NULL);
  double secs = now_s() - t0;
  for (int t = 0; t < THREADS; t++) assert_true(jobs[t].ok);

  loam_ds_stats st;
  loam_ds_stats_get(ds, &st);
  printf("%s, %d threads x %d appends, wait every %d: %.0f appends/s, %llu batches, "
         "%.1f entries/batch (max %llu), %.3f ms/commit\n",
         no_fsync ? "no fsync" : "fsync", THREADS, per_thread, window,
         (double)st.appends / secs, (unsigned long long)st.batches,
         (double)st.ops / (double)st.batches, (unsigned long long)st.max_batch,
         (double)st.commit_ns / 1e6 / (double)st.batches);
  assert_int_equal(st.appends, (uint64_t)THREADS * (uint64_t)per_thread);
  assert_true(st.ops > st.batches);   /* batching happened */
  loam_ds_close(ds);

  /* everything is there after a reopen, dense and in order */
  ds = loam_ds_open(dir, NULL, &err);
  assert_non_null(ds);
  for (int t = 0; t < THREADS; t++) {
    for (int k = 0; k < 2; k++) {
      check c = {.next = 1, .ok = true};
      DS_OK(loam_ds_oplog_read(ds, jobs[t].worker[k], 1, 0, check_fn, &c, &err));
      assert_true(c.ok);
      assert_int_equal(c.next - 1, (uint64_t)per_thread / 2);
    }
  }
  loam_ds_close(ds);
  ds_fx_rmdir(dir);
}

static void test_many_threads_fsync(void **state) {
  (void)state;
  run(false, PER_THREAD, WINDOW);
}

static void test_many_threads_wait_each(void **state) {
  (void)state;
  run(false, 1000, 1);   /* every append waited for, as invoke-and-await does */
}

static void test_many_threads_no_fsync(void **state) {
  (void)state;
  run(true, PER_THREAD, WINDOW);
}

/* ---- holding ------------------------------------------------------------------ */

static loam_ds *open_store(char **dir, bool no_fsync, int64_t *worker) {
  loam_error err;
  *dir = ds_fx_dir();
  loam_ds_options opt = {.no_fsync = no_fsync};
  loam_ds *ds = loam_ds_open(*dir, &opt, &err);
  assert_non_null(ds);
  loam_ds_worker w = {.template_name = "t", .name = "held"};
  DS_OK(loam_ds_worker_create(ds, &w, worker, NULL, &err));
  return ds;
}

static loam_ds_ticket append_text(loam_ds *ds, int64_t worker, const char *text) {
  loam_error err;
  loam_ds_ticket t = loam_ds_append(ds, worker, LOAM_OPLOG_LOG, (const uint8_t *)text,
                                    strlen(text), NULL, &err);
  assert_true(t != 0);
  return t;
}

typedef struct waiter { loam_ds *ds; int64_t worker; bool done; } waiter;

static void *append_and_wait(void *arg) {
  waiter *w = arg;
  loam_error err;
  loam_ds_ticket t = append_text(w->ds, w->worker, "other");
  w->done = loam_ds_wait(w->ds, t, &err);
  return NULL;
}

static void test_hold_release_commits(void **state) {
  (void)state;
  char *dir;
  int64_t worker, other;
  loam_ds *ds = open_store(&dir, false, &worker);
  loam_error err;
  loam_ds_worker w2 = {.template_name = "t", .name = "other"};
  DS_OK(loam_ds_worker_create(ds, &w2, &other, NULL, &err));

  /* nested holds: only the outermost release commits, on this thread */
  loam_ds_hold(ds);
  loam_ds_hold(ds);
  loam_ds_ticket a = append_text(ds, worker, "a");
  loam_ds_release(ds);
  /* held writes do not wake the committer: still queued (not a timing
   * assertion: nothing but a commit round could make it durable, and only
   * a non-held write or a release starts one) */
  assert_false(loam_ds_is_durable(ds, a));

  /* another thread's write is not held up by this hold: its wait commits
   * both (they share the queue, in order) */
  waiter wt = {ds, other, false};
  pthread_t th;
  pthread_create(&th, NULL, append_and_wait, &wt);
  pthread_join(th, NULL);
  assert_true(wt.done);
  assert_true(loam_ds_is_durable(ds, a));

  loam_ds_ticket b = append_text(ds, worker, "b");
  loam_ds_release(ds);
  assert_true(loam_ds_is_durable(ds, b));   /* committed by the release itself */
  loam_ds_release(ds);                      /* unbalanced: ignored */

  /* kick: a holder hands its writes to the committer thread */
  loam_ds_hold(ds);
  loam_ds_ticket c = append_text(ds, worker, "c");
  loam_ds_kick(ds);
  DS_OK(loam_ds_wait(ds, c, &err));
  loam_ds_release(ds);

  uint64_t len = 0;
  DS_OK(loam_ds_oplog_length(ds, worker, &len, &err));
  assert_int_equal(len, 3);
  loam_ds_close(ds);
  ds_fx_rmdir(dir);
}

/* Many threads at once, each as the executor does for an awaiting caller:
 * hold, queue two entries, release (which commits them unless a round is
 * already running, which then leaves them to the next one), then wait to be
 * told by a loam_ds_on_durable callback, as an invocation's acknowledgement
 * is (a waiter that never runs a round itself); every other thread appends
 * without holding, relying on the committer thread. Nothing may be left waiting for a round that nobody
 * starts (the alarm turns a hang into a failure: it caught a committer
 * thread that missed its wake-up), and every worker's entries are dense and
 * in call order. */
typedef struct holder {
  loam_ds *ds;
  int64_t worker;
  bool hold, ok;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool told;
} holder;

static void told(void *ud, bool ok) {
  holder *h = ud;
  pthread_mutex_lock(&h->mu);
  h->told = true;
  if (!ok) h->ok = false;
  pthread_cond_signal(&h->cv);
  pthread_mutex_unlock(&h->mu);
}

static void *hold_loop(void *arg) {
  holder *h = arg;
  loam_error err;
  h->ok = true;
  for (int i = 0; i < 3000; i++) {
    if (h->hold) loam_ds_hold(h->ds);
    loam_ds_ticket t = 0;
    for (int k = 0; k < 2; k++) {
      char p[24];
      int n = snprintf(p, sizeof p, "%d", 2 * i + k);
      uint64_t idx;
      t = loam_ds_append(h->ds, h->worker, LOAM_OPLOG_LOG, (const uint8_t *)p, (size_t)n, &idx,
                         &err);
      if (!t || idx != (uint64_t)(2 * i + k + 1)) h->ok = false;
    }
    if (h->hold) loam_ds_release(h->ds);
    h->told = false;
    if (!loam_ds_on_durable(h->ds, t, told, h)) h->ok = false;
    pthread_mutex_lock(&h->mu);
    while (!h->told) pthread_cond_wait(&h->cv, &h->mu);
    pthread_mutex_unlock(&h->mu);
  }
  return NULL;
}

static bool in_order(void *ud, uint64_t index, int kind, const uint8_t *p, size_t len) {
  (void)kind;
  check *c = ud;
  char buf[24];
  snprintf(buf, sizeof buf, "%.*s", (int)len, (const char *)p);
  if (index != c->next || strtol(buf, NULL, 10) != (long)index - 1) c->ok = false;
  c->next++;
  return true;
}

static void test_holders_and_waiters(void **state) {
  (void)state;
  enum { H = 10 };
  char *dir;
  int64_t first;
  loam_ds *ds = open_store(&dir, true, &first);
  loam_error err;
  holder hs[H];
  pthread_t th[H];
  for (int i = 0; i < H; i++) {
    char name[16];
    snprintf(name, sizeof name, "h%d", i);
    loam_ds_worker w = {.template_name = "t", .name = name};
    hs[i] = (holder){.ds = ds, .hold = i % 2 == 0};
    pthread_mutex_init(&hs[i].mu, NULL);
    pthread_cond_init(&hs[i].cv, NULL);
    DS_OK(loam_ds_worker_create(ds, &w, &hs[i].worker, NULL, &err));
  }
  alarm(60);
  for (int i = 0; i < H; i++) pthread_create(&th[i], NULL, hold_loop, &hs[i]);
  for (int i = 0; i < H; i++) pthread_join(th[i], NULL);
  alarm(0);
  for (int i = 0; i < H; i++) {
    assert_true(hs[i].ok);
    check c = {.next = 1, .ok = true};
    DS_OK(loam_ds_oplog_read(ds, hs[i].worker, 1, 0, in_order, &c, &err));
    assert_true(c.ok);
    assert_int_equal(c.next - 1, 6000);
    pthread_mutex_destroy(&hs[i].mu);
    pthread_cond_destroy(&hs[i].cv);
  }
  loam_ds_close(ds);
  ds_fx_rmdir(dir);
}

/* ---- checkpoints ------------------------------------------------------------------ */

static off_t file_size(const char *dir, const char *name) {
  char path[600];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  struct stat st;
  return stat(path, &st) == 0 ? st.st_size : 0;
}

/* 40 MiB of oplog in 4 KiB entries, committed one by one (each commit its
 * own WAL frames): the background checkpoint copies them into loam.db, and
 * the WAL is rewound instead of growing with every commit (it grew without
 * end when the checkpoint connection had never read the database). */
static void test_wal_stays_bounded(void **state) {
  (void)state;
  char *dir;
  int64_t worker;
  loam_ds *ds = open_store(&dir, true, &worker);
  loam_error err;
  static char payload[4096];
  memset(payload, 'x', sizeof payload - 1);
  enum { N = 10240, EARLY = 800 };
  for (int i = 0; i < N; i++) {
    loam_ds_ticket t = loam_ds_append(ds, worker, LOAM_OPLOG_LOG, (const uint8_t *)payload,
                                      sizeof payload, NULL, &err);
    assert_true(t != 0);
    DS_OK(loam_ds_wait(ds, t, &err));
    if (i == EARLY) {
      /* ~2500 pages: past the background checkpoint's trigger (1000), short
       * of the writer's own RESTART (8192): the checkpoint thread copies
       * into loam.db on its own (give it up to 10 s on a loaded machine) */
      for (int k = 0; k < 1000 && file_size(dir, "loam.db") < (1 << 20); k++) usleep(10000);
      assert_true(file_size(dir, "loam.db") >= (1 << 20));
    }
  }
  off_t wal = file_size(dir, "loam.db-wal"), db = file_size(dir, "loam.db");
  printf("after %d commits of 4 KiB: loam.db %lld KiB, WAL %lld KiB\n", N,
         (long long)db / 1024, (long long)wal / 1024);
  /* the oplog has ~2 pages per entry (payload overflow): > 80 MiB went
   * through the WAL; it is rewound once past 8192 pages (32 MiB) */
  assert_true(wal < 40ll << 20);
  assert_true(db > 10ll << 20);   /* checkpoints copied pages into loam.db */
  loam_ds_close(ds);
  ds_fx_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_many_threads_fsync),
      cmocka_unit_test(test_many_threads_wait_each),
      cmocka_unit_test(test_many_threads_no_fsync),
      cmocka_unit_test(test_hold_release_commits),
      cmocka_unit_test(test_holders_and_waiters),
      cmocka_unit_test(test_wal_stays_bounded),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
