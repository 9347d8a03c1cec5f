/* durable_bench.c — micro-benchmark of the durable store: oplog appends/s
 * with group commit from many simulated workers (each appends one entry and
 * waits for it to be durable, as invoke-and-await does), with and without
 * fsync; commit latency percentiles; bytes per entry in the payload and on
 * disk; incremental snapshot cost. Usage: durable_bench [SECONDS] [WORKERS]
 * (defaults 2 and 100). */
#define _GNU_SOURCE
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "durable/durable.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int rm_one(const char *p, const struct stat *sb, int f, struct FTW *ftw) {
  (void)sb; (void)f; (void)ftw;
  return remove(p);
}

static void rm_tree(const char *dir) { nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS); }

/* A typical invocation's two entries: start (function, key, params) and end
 * (key, result). */
static void encode_pair(int worker, uint64_t n, loam_buf *start, loam_buf *end) {
  char key[48];
  snprintf(key, sizeof key, "%08x-4c2b-4f7e-9a1d-%012llx", (unsigned)worker, (unsigned long long)n);
  uint8_t params[] = {2, 'p', '1', 4, 'M', 'u', 'g', 0, 0, 0, 0, 0, 0, 0x23, 0x40, 2, 0, 0, 0};
  uint8_t result[] = {0, 0};
  loam_oplog_entry s = {.kind = LOAM_OPLOG_INVOKE_START, .timestamp_ms = 1700000000000ull + n};
  s.u.invoke.function = "golem:it/api.{add-item}";
  s.u.invoke.key = key;
  s.u.invoke.params = (loam_oplog_bytes){params, sizeof params};
  loam_oplog_entry e = {.kind = LOAM_OPLOG_INVOKE_END, .timestamp_ms = 1700000000000ull + n};
  e.u.end.key = key;
  e.u.end.ok = true;
  e.u.end.result = (loam_oplog_bytes){result, sizeof result};
  start->len = end->len = 0;
  loam_oplog_encode(&s, start);
  loam_oplog_encode(&e, end);
}

typedef struct shared {
  loam_ds *ds;
  atomic_bool stop;
  double seconds;
} shared;

typedef struct job {
  shared *sh;
  int64_t worker;
  int no;
  uint64_t appends;
  double *lat;          /* per-append wait latencies (s) */
  size_t nlat, caplat;
} job;

static void *worker_main(void *arg) {
  job *j = arg;
  loam_buf a = {0}, b = {0};
  loam_error err;
  for (uint64_t n = 0; !atomic_load(&j->sh->stop); n++) {
    encode_pair(j->no, n, &a, &b);
    loam_buf *e = (n & 1) ? &b : &a;
    uint64_t idx;
    double t0 = now_s();
    loam_ds_ticket t = loam_ds_append(j->sh->ds, j->worker, (n & 1) ? LOAM_OPLOG_INVOKE_END
                                                                    : LOAM_OPLOG_INVOKE_START,
                                      e->data, e->len, &idx, &err);
    if (!t || !loam_ds_wait(j->sh->ds, t, &err)) {
      fprintf(stderr, "append: %s\n", err.message);
      exit(1);
    }
    if (j->nlat == j->caplat) {
      j->caplat = j->caplat ? j->caplat * 2 : 1024;
      j->lat = realloc(j->lat, j->caplat * sizeof *j->lat);
    }
    j->lat[j->nlat++] = now_s() - t0;
    j->appends++;
  }
  loam_buf_free(&a);
  loam_buf_free(&b);
  return NULL;
}

static int cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

static off_t file_size(const char *dir, const char *name) {
  char p[600];
  struct stat st;
  snprintf(p, sizeof p, "%s/%s", dir, name);
  return stat(p, &st) == 0 ? st.st_size : 0;
}

static void run_appends(const char *base, bool no_fsync, int nworkers, double seconds) {
  char dir[512];
  snprintf(dir, sizeof dir, "%s/%s-%d", base, no_fsync ? "nofsync" : "fsync", nworkers);
  loam_error err;
  loam_ds_options opt = {.no_fsync = no_fsync};
  loam_ds *ds = loam_ds_open(dir, &opt, &err);
  if (!ds) {
    fprintf(stderr, "open: %s\n", err.message);
    exit(1);
  }
  shared sh = {.ds = ds, .seconds = seconds};
  job *jobs = calloc((size_t)nworkers, sizeof *jobs);
  pthread_t *th = calloc((size_t)nworkers, sizeof *th);
  for (int i = 0; i < nworkers; i++) {
    char name[32];
    snprintf(name, sizeof name, "w%d", i);
    loam_ds_worker w = {.template_name = "bench", .name = name};
    if (!loam_ds_worker_create(ds, &w, &jobs[i].worker, NULL, &err)) {
      fprintf(stderr, "create: %s\n", err.message);
      exit(1);
    }
    jobs[i].sh = &sh;
    jobs[i].no = i;
  }
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  double t0 = now_s();
  for (int i = 0; i < nworkers; i++) pthread_create(&th[i], &attr, worker_main, &jobs[i]);
  struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
  nanosleep(&ts, NULL);
  atomic_store(&sh.stop, true);
  for (int i = 0; i < nworkers; i++) pthread_join(th[i], NULL);
  double secs = now_s() - t0;

  size_t total = 0;
  for (int i = 0; i < nworkers; i++) total += jobs[i].nlat;
  double *lat = malloc((total ? total : 1) * sizeof *lat);
  size_t k = 0;
  for (int i = 0; i < nworkers; i++) {
    memcpy(lat + k, jobs[i].lat, jobs[i].nlat * sizeof *lat);
    k += jobs[i].nlat;
    free(jobs[i].lat);
  }
  qsort(lat, total, sizeof *lat, cmp_double);
  loam_ds_stats st;
  loam_ds_stats_get(ds, &st);
  loam_ds_close(ds);   /* checkpoints the WAL into loam.db */
  off_t disk = file_size(dir, "loam.db") + file_size(dir, "loam.db-wal");
  printf("%-9s %3d workers: %8.0f appends/s  %6.1f entries/batch  %7.3f ms/commit  "
         "wait p50 %6.3f ms  p99 %6.3f ms  payload %5.1f B/entry  disk %5.1f B/entry\n",
         no_fsync ? "no-fsync" : "fsync", nworkers, (double)st.appends / secs,
         (double)st.ops / (double)(st.batches ? st.batches : 1),
         (double)st.commit_ns / 1e6 / (double)(st.batches ? st.batches : 1),
         total ? lat[total / 2] * 1e3 : 0.0, total ? lat[total * 99 / 100] * 1e3 : 0.0,
         (double)st.append_bytes / (double)(st.appends ? st.appends : 1),
         (double)disk / (double)(st.appends ? st.appends : 1));
  free(lat);
  free(jobs);
  free(th);
}

static void run_snapshots(const char *base) {
  char dir[512];
  snprintf(dir, sizeof dir, "%s/snap", base);
  loam_error err;
  loam_ds *ds = loam_ds_open(dir, NULL, &err);
  if (!ds) exit(1);
  loam_ds_worker w = {.template_name = "bench", .name = "snap"};
  int64_t id;
  if (!loam_ds_worker_create(ds, &w, &id, NULL, &err)) exit(1);
  size_t size = 16u << 20;   /* 16 MiB of linear memory, 4 MiB of it used */
  uint8_t *mem = calloc(1, size);
  for (size_t i = 0; i < (4u << 20); i++) mem[i] = (uint8_t)(i * 2654435761u >> 13);
  loam_ds_snapshot_stats ss;
  double t0 = now_s();
  if (!loam_ds_snapshot_write(ds, id, 1, mem, size, NULL, 0, &ss, &err)) exit(1);
  double first = now_s() - t0;
  printf("snapshot  16 MiB memory, 4 MiB used: first %7.2f ms (%llu pages written)\n",
         first * 1e3, (unsigned long long)ss.pages_written);
  int rounds = 50;
  t0 = now_s();
  for (int r = 0; r < rounds; r++) {
    for (int p = 0; p < 3; p++) mem[(size_t)(r * 7 + p * 101) % 1024 * LOAM_DS_PAGE_SIZE + 8] ^= 1;
    if (!loam_ds_snapshot_write(ds, id, (uint64_t)r + 2, mem, size, NULL, 0, &ss, &err)) exit(1);
  }
  printf("snapshot  16 MiB memory, 3 pages changed: %7.2f ms each (%llu pages written)\n",
         (now_s() - t0) * 1e3 / rounds, (unsigned long long)ss.pages_written);
  loam_ds_snapshot s;
  bool found;
  t0 = now_s();
  if (!loam_ds_snapshot_read(ds, id, &s, &found, &err) || !found) exit(1);
  printf("restore   16 MiB memory: %7.2f ms%s\n", (now_s() - t0) * 1e3,
         memcmp(s.memory, mem, size) == 0 ? "" : "  MISMATCH");
  loam_ds_snapshot_clear(&s);
  free(mem);
  loam_ds_close(ds);
}

typedef struct reader {
  loam_ds *ds;
  int64_t worker;
  int n;
} reader;

static bool count_fn(void *ud, uint64_t index, int kind, const uint8_t *p, size_t len) {
  (void)index; (void)kind; (void)p; (void)len;
  (*(int *)ud)++;
  return true;
}

static void *reader_main(void *arg) {
  reader *r = arg;
  loam_error err;
  for (int i = 0; i < r->n; i++) {
    int got = 0;
    uint64_t len;
    if (!loam_ds_oplog_read(r->ds, r->worker, (uint64_t)(i % 90) + 1, 10, count_fn, &got, &err) ||
        !loam_ds_oplog_length(r->ds, r->worker, &len, &err))
      exit(1);
  }
  return NULL;
}

/* Reads from 4 threads (an oplog range of 10 entries + the oplog length)
 * with 1 and with 4 read connections: what the reader pool buys. */
static void run_reads(const char *base, uint32_t conns) {
  char dir[512];
  snprintf(dir, sizeof dir, "%s/reads-%u", base, conns);
  loam_error err;
  loam_ds_options opt = {.read_connections = conns, .no_fsync = true};
  loam_ds *ds = loam_ds_open(dir, &opt, &err);
  if (!ds) exit(1);
  loam_ds_worker w = {.template_name = "bench", .name = "r"};
  int64_t id;
  if (!loam_ds_worker_create(ds, &w, &id, NULL, &err)) exit(1);
  loam_buf a = {0}, b = {0};
  uint64_t idx;
  for (int i = 0; i < 100; i++) {
    encode_pair(0, (uint64_t)i, &a, &b);
    loam_ds_append(ds, id, LOAM_OPLOG_INVOKE_START, a.data, a.len, &idx, &err);
  }
  loam_buf_free(&a);
  loam_buf_free(&b);
  loam_ds_flush(ds, &err);
  enum { THREADS = 4, N = 20000 };
  pthread_t th[THREADS];
  reader r = {ds, id, N};
  double t0 = now_s();
  for (int i = 0; i < THREADS; i++) pthread_create(&th[i], NULL, reader_main, &r);
  for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
  double secs = now_s() - t0;
  printf("reads     4 threads, %u read connection%s: %8.0f reads/s (10-entry range + length)\n",
         conns, conns == 1 ? " " : "s", THREADS * N / secs);
  loam_ds_close(ds);
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 2.0;
  int workers = argc > 2 ? atoi(argv[2]) : 100;
  if (seconds <= 0) seconds = 2.0;
  if (workers <= 0) workers = 100;
  char base[] = "/tmp/loam-durable-bench-XXXXXX";
  if (!mkdtemp(base)) return 1;
  run_appends(base, false, workers, seconds);
  run_appends(base, true, workers, seconds);
  run_appends(base, false, 1, seconds / 2);
  run_snapshots(base);
  run_reads(base, 1);
  run_reads(base, 4);
  rm_tree(base);
  return 0;
}
