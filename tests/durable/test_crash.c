/* test_crash.c — crash a child process that appends, commits and snapshots
 * in a loop, at every fault point of the store (several pass counts, several
 * rounds on the same directory) and with SIGKILL at random moments; then
 * reopen in the parent and check: the store opens cleanly and passes SQLite's
 * integrity check, every acknowledged entry is present, each worker's oplog
 * is dense and every entry decodes to what was written, and the stored
 * snapshot is complete and consistent (never a mix of two versions). */
#define _GNU_SOURCE   /* nftw, mkdtemp in ds_fixture.h */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "ds_fixture.h"

#define WORKERS 4
#define MEM_PAGES 64
#define SNAP_EVERY 5          /* worker 0 snapshots at indices that are multiples */
#define MAX_PER_THREAD 300    /* a child without a fault stops after this */

/* ---- the child ------------------------------------------------------------- */

typedef struct ack {
  int32_t worker_no;
  uint32_t pad;
  uint64_t index;
} ack;

typedef struct child_job {
  loam_ds *ds;
  int64_t worker;
  int worker_no;
  int ack_fd;
  int per_thread;
} child_job;

/* Worker 0's memory after snapshot versions 1..k: version j fills the pages
 * p with p % 3 == j % 3 with (j * 7 + p). A snapshot that mixed two versions
 * cannot match this for any k. */
static void memory_at(uint8_t *mem, uint64_t k) {
  memset(mem, 0, MEM_PAGES * LOAM_DS_PAGE_SIZE);
  for (uint64_t j = 1; j <= k; j++)
    for (size_t p = 0; p < MEM_PAGES; p++)
      if (p % 3 == j % 3) memset(mem + p * LOAM_DS_PAGE_SIZE, (int)((j * 7 + p) & 0xff), LOAM_DS_PAGE_SIZE);
}

static bool encode_log(uint64_t idx, int worker_no, loam_buf *b) {
  char text[64];
  int n = snprintf(text, sizeof text, "w%d:%llu", worker_no, (unsigned long long)idx);
  loam_oplog_entry e = {.kind = LOAM_OPLOG_LOG, .timestamp_ms = idx};
  e.u.log.stream = 1;
  e.u.log.bytes = (loam_oplog_bytes){(uint8_t *)text, (size_t)n};
  b->len = 0;
  return loam_oplog_encode(&e, b);
}

static void *child_thread(void *arg) {
  child_job *j = arg;
  loam_error err;
  loam_buf b = {0};
  uint8_t *mem = malloc(MEM_PAGES * LOAM_DS_PAGE_SIZE);
  for (int i = 0; i < j->per_thread; i++) {
    /* the index is assigned by the store; the payload must name it, so
     * predict it from the committed length (only this thread appends) */
    uint64_t len = 0;
    if (!loam_ds_oplog_length(j->ds, j->worker, &len, &err)) _exit(3);
    if (!encode_log(len + 1, j->worker_no, &b)) _exit(3);
    uint64_t idx = 0;
    loam_ds_ticket t = loam_ds_append(j->ds, j->worker, LOAM_OPLOG_LOG, b.data, b.len, &idx, &err);
    if (!t || idx != len + 1) _exit(4);
    if (!loam_ds_wait(j->ds, t, &err)) _exit(5);
    ack a = {.worker_no = j->worker_no, .index = idx};
    if (write(j->ack_fd, &a, sizeof a) != sizeof a) _exit(6);
    if (j->worker_no == 0 && idx % SNAP_EVERY == 0) {
      memory_at(mem, idx / SNAP_EVERY);
      char st[32];
      int n = snprintf(st, sizeof st, "state-%llu", (unsigned long long)idx);
      if (!loam_ds_snapshot_write(j->ds, j->worker, idx, mem, MEM_PAGES * LOAM_DS_PAGE_SIZE,
                                  (const uint8_t *)st, (size_t)n, NULL, &err))
        _exit(7);
    }
  }
  free(mem);
  loam_buf_free(&b);
  return NULL;
}

static void child_main(const char *dir, const char *fault, int ack_fd, int per_thread) {
  if (!loam_fault_configure(fault)) _exit(2);
  loam_error err;
  loam_ds *ds = loam_ds_open(dir, NULL, &err);
  if (!ds) {
    fprintf(stderr, "child open: %s\n", err.message);
    _exit(2);
  }
  child_job jobs[WORKERS];
  pthread_t th[WORKERS];
  for (int w = 0; w < WORKERS; w++) {
    char name[16];
    snprintf(name, sizeof name, "w%d", w);
    loam_ds_worker found;
    int64_t id = 0;
    if (loam_ds_worker_find(ds, "crash", name, &found, &err)) {
      id = found.id;
      loam_ds_worker_clear(&found);
    } else {
      loam_ds_worker nw = {.template_name = "crash", .name = name};
      if (!loam_ds_worker_create(ds, &nw, &id, NULL, &err)) _exit(2);
    }
    jobs[w] = (child_job){ds, id, w, ack_fd, per_thread};
  }
  for (int w = 0; w < WORKERS; w++) pthread_create(&th[w], NULL, child_thread, &jobs[w]);
  for (int w = 0; w < WORKERS; w++) pthread_join(th[w], NULL);
  loam_ds_close(ds);
  _exit(0);
}

/* ---- the parent ------------------------------------------------------------------ */

typedef struct verify {
  int worker_no;
  uint64_t next;
  bool ok;
  char why[160];
} verify;

static bool verify_fn(void *ud, uint64_t index, int kind, const uint8_t *p, size_t len) {
  verify *v = ud;
  loam_oplog_entry e;
  loam_error err;
  char want[64];
  snprintf(want, sizeof want, "w%d:%llu", v->worker_no, (unsigned long long)index);
  if (index != v->next) {
    snprintf(v->why, sizeof v->why, "index %llu, expected %llu", (unsigned long long)index,
             (unsigned long long)v->next);
    v->ok = false;
  } else if (kind != LOAM_OPLOG_LOG || !loam_oplog_decode(p, len, &e, &err)) {
    snprintf(v->why, sizeof v->why, "entry %llu does not decode", (unsigned long long)index);
    v->ok = false;
  } else {
    if (e.u.log.bytes.len != strlen(want) || memcmp(e.u.log.bytes.data, want, strlen(want)) != 0) {
      snprintf(v->why, sizeof v->why, "entry %llu has the wrong payload", (unsigned long long)index);
      v->ok = false;
    }
    loam_oplog_entry_free(&e);
  }
  v->next++;
  return v->ok;
}

static void integrity_check(const char *dir) {
  char path[600];
  snprintf(path, sizeof path, "%s/loam.db", dir);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_stmt *s;
  assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(s), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
  sqlite3_finalize(s);
  sqlite3_close(db);
}

/* Checks the store against the acknowledged maxima; returns the total
 * number of entries found. */
static uint64_t last_snapshot;   /* worker 0's snapshot index seen by verify_store */

static uint64_t verify_store(const char *dir, const uint64_t acked[WORKERS]) {
  last_snapshot = 0;
  loam_error err;
  loam_ds *ds = loam_ds_open(dir, NULL, &err);
  if (!ds) fprintf(stderr, "reopen: %s\n", err.message);
  assert_non_null(ds);
  uint64_t total = 0;
  for (int w = 0; w < WORKERS; w++) {
    char name[16];
    snprintf(name, sizeof name, "w%d", w);
    loam_ds_worker found;
    if (!loam_ds_worker_find(ds, "crash", name, &found, &err)) {
      assert_int_equal(acked[w], 0);   /* never created: nothing acknowledged */
      continue;
    }
    verify v = {.worker_no = w, .next = 1, .ok = true};
    DS_OK(loam_ds_oplog_read(ds, found.id, 1, 0, verify_fn, &v, &err));
    if (!v.ok) fprintf(stderr, "worker %d: %s\n", w, v.why);
    assert_true(v.ok);
    uint64_t len = v.next - 1;
    if (len < acked[w])
      fprintf(stderr, "worker %d: %llu entries, %llu acknowledged\n", w,
              (unsigned long long)len, (unsigned long long)acked[w]);
    assert_true(len >= acked[w]);
    total += len;
    if (w == 0) {
      loam_ds_snapshot s;
      bool has = false;
      DS_OK(loam_ds_snapshot_read(ds, found.id, &s, &has, &err));
      if (has) {
        last_snapshot = s.oplog_index;
        assert_true(s.oplog_index <= len);
        assert_int_equal(s.oplog_index % SNAP_EVERY, 0);
        uint8_t *mem = malloc(MEM_PAGES * LOAM_DS_PAGE_SIZE);
        memory_at(mem, s.oplog_index / SNAP_EVERY);
        assert_int_equal(s.memory_size, MEM_PAGES * LOAM_DS_PAGE_SIZE);
        assert_memory_equal(s.memory, mem, s.memory_size);
        char st[32];
        snprintf(st, sizeof st, "state-%llu", (unsigned long long)s.oplog_index);
        assert_int_equal(s.state_len, strlen(st));
        assert_memory_equal(s.state, st, s.state_len);
        free(mem);
        loam_ds_snapshot_clear(&s);
      }
    }
    loam_ds_worker_clear(&found);
  }
  loam_ds_close(ds);
  integrity_check(dir);
  return total;
}

/* Runs one child; fills acked[] with the highest acknowledged index per
 * worker; returns its wait status. kill_after_ms > 0: SIGKILL it then. */
static int run_child(const char *dir, const char *fault, int kill_after_ms, uint64_t acked[WORKERS],
                     uint64_t *nacks) {
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    child_main(dir, fault, fds[1], kill_after_ms > 0 ? 1000000 : MAX_PER_THREAD);
  }
  close(fds[1]);
  if (kill_after_ms > 0) {
    struct timespec ts = {kill_after_ms / 1000, (long)(kill_after_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    kill(pid, SIGKILL);
  }
  ack a;
  ssize_t n;
  while ((n = read(fds[0], &a, sizeof a)) == (ssize_t)sizeof a || (n < 0 && errno == EINTR)) {
    if (n < 0) continue;
    assert_true(a.worker_no >= 0 && a.worker_no < WORKERS);
    if (a.index > acked[a.worker_no]) acked[a.worker_no] = a.index;
    (*nacks)++;
  }
  close(fds[0]);
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  return status;
}

static void crash_rounds(const char *fault, int rounds) {
  char *dir = ds_fx_dir();
  uint64_t acked[WORKERS] = {0};
  for (int r = 0; r < rounds; r++) {
    uint64_t nacks = 0;
    int status = run_child(dir, fault, 0, acked, &nacks);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) != LOAM_FAULT_EXIT)
      fprintf(stderr, "child (%s) exited %d\n", fault, WEXITSTATUS(status));
    assert_int_equal(WEXITSTATUS(status), LOAM_FAULT_EXIT);
    uint64_t total = verify_store(dir, acked);
    printf("  %-18s round %d: %4llu acks, %5llu entries stored, snapshot at %llu, ok\n", fault,
           r + 1, (unsigned long long)nacks, (unsigned long long)total,
           (unsigned long long)last_snapshot);
  }
  ds_fx_rmdir(dir);
}

static void test_fault_before_commit(void **state) {
  (void)state;
  crash_rounds("before-commit:1", 1);
  crash_rounds("before-commit:7", 3);
  crash_rounds("before-commit:60", 2);
}

static void test_fault_after_commit(void **state) {
  (void)state;
  crash_rounds("after-commit:1", 1);
  crash_rounds("after-commit:13", 3);
  crash_rounds("after-commit:80", 2);
}

static void test_fault_snapshot_write(void **state) {
  (void)state;
  crash_rounds("snapshot-write:1", 2);
  crash_rounds("snapshot-write:4", 3);
}

static void test_no_fault_runs_to_the_end(void **state) {
  (void)state;
  char *dir = ds_fx_dir();
  uint64_t acked[WORKERS] = {0}, nacks = 0;
  int status = run_child(dir, "", 0, acked, &nacks);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  assert_int_equal(nacks, WORKERS * MAX_PER_THREAD);
  assert_int_equal(verify_store(dir, acked), WORKERS * MAX_PER_THREAD);
  ds_fx_rmdir(dir);
}

static void test_sigkill_at_random_moments(void **state) {
  (void)state;
  char *dir = ds_fx_dir();
  uint64_t acked[WORKERS] = {0};
  unsigned seed = (unsigned)time(NULL);
  printf("  sigkill seed %u\n", seed);
  for (int r = 0; r < 5; r++) {
    int ms = 30 + (int)(rand_r(&seed) % 400);
    uint64_t nacks = 0;
    int status = run_child(dir, "", ms, acked, &nacks);
    assert_true(WIFSIGNALED(status) || WIFEXITED(status));
    uint64_t total = verify_store(dir, acked);
    printf("  SIGKILL after %3d ms, round %d: %4llu acks, %5llu entries stored, snapshot at %llu, ok\n",
           ms, r + 1, (unsigned long long)nacks, (unsigned long long)total,
           (unsigned long long)last_snapshot);
  }
  ds_fx_rmdir(dir);
}

static void test_fault_spec(void **state) {
  (void)state;
  assert_true(loam_fault_configure("x:3"));
  assert_true(loam_fault_configure(""));
  assert_true(loam_fault_configure(NULL));
  assert_false(loam_fault_configure("x:"));
  assert_false(loam_fault_configure("x:0"));
  assert_false(loam_fault_configure(":3"));
  assert_false(loam_fault_configure("x:-1"));
  assert_false(loam_fault_configure("x:2y"));
  /* passing a point that is not armed does nothing */
  assert_true(loam_fault_configure("other:1"));
  loam_fault_point("before-commit");
  /* a forked child dies at the 3rd pass, with LOAM_FAULT from the env */
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    loam_fault_configure(getenv("LOAM_FAULT_TEST_UNSET"));   /* off */
    loam_fault_configure("p:3");
    loam_fault_point("p");
    loam_fault_point("q");
    loam_fault_point("p");
    loam_fault_point("p");
    _exit(0);
  }
  int status;
  waitpid(pid, &status, 0);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), LOAM_FAULT_EXIT);
  loam_fault_configure(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fault_spec),
      cmocka_unit_test(test_no_fault_runs_to_the_end),
      cmocka_unit_test(test_fault_before_commit),
      cmocka_unit_test(test_fault_after_commit),
      cmocka_unit_test(test_fault_snapshot_write),
      cmocka_unit_test(test_sigkill_at_random_moments),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
