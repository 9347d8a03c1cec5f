/*
 * http_bench.c — what the HTTP layer costs (issue 6): invoke-and-await round
 * trips (p50/p99) and invocations/s with 1 and 16 concurrent clients against
 * 100 counter workers, through a real `loam server` (a child process on a free
 * 127.0.0.1 port, its own temp data directory, fsync on) over libcurl
 * keep-alive connections, next to the same workload through the executor's C
 * API in this process (the baseline, measured in the same run, interleaved),
 * GET /healthz over the same connections (HTTP without an invocation, the
 * floor), and cold starts (create + first invoke of a new worker) both ways.
 * Usage: http_bench [SECONDS_PER_WAY (default 3)] [CLIENTS... (default 1 16)]
 * The loam binary is $LOAM or <this program's dir>/../loam; the counter guest
 * comes from LOAM_EXEC_GUEST_DIR (or $LOAM_BENCH_GUEST_DIR).
 */
#include "bench_util.h"
#include "loam/executor.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef LOAM_EXEC_GUEST_DIR
#define LOAM_EXEC_GUEST_DIR "build/tests/executor"
#endif

enum { WORKERS = 100, MAX_SAMPLES = 400000, SLICES = 6 };

/* One measuring thread: which workers it drives, its latencies. */
typedef struct client {
  int id, nclients;
  loam_executor *ex;      /* in-process mode */
  const char *base;       /* HTTP mode: "http://127.0.0.1:PORT" */
  int healthz;            /* HTTP mode: GET /healthz instead (no invocation) */
  double until;
  pthread_barrier_t *warm, *go; /* warmed up / the deadline is set */
  double *lat;
  long n;
  int failed;
} client;

static void inproc_inc(client *c, const char *worker) {
  loam_value *p = loam_value_uint(loam_type_prim(LOAM_T_U64), 1);
  loam_invoke_result r = {0};
  loam_error err;
  if (loam_invoke_and_await(c->ex, "counter", worker, "inc-by", &p, 1, NULL, &r, &err) != LOAM_OK) {
    fprintf(stderr, "http_bench: in-process invoke %s: %s\n", worker, err.message);
    c->failed = 1;
  }
  loam_invoke_result_free(&r);
  loam_value_free(p);
}

/* One POST on the thread's own easy handle, so libcurl keeps the connection
 * open between calls (keep-alive): the figure is the request, not a TCP
 * handshake. */
static void http_inc(client *c, CURL *h, const char *worker) {
  char url[300];
  snprintf(url, sizeof url, "%s/v1/templates/counter/workers/%s/invoke-and-await?function=inc-by",
           c->base, worker);
  curl_easy_setopt(h, CURLOPT_URL, url);
  CURLcode rc = curl_easy_perform(h);
  long status = 0;
  if (rc == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (rc != CURLE_OK || status != 200) {
    fprintf(stderr, "http_bench: POST %s: %s (status %ld)\n", url, curl_easy_strerror(rc), status);
    c->failed = 1;
  }
}

/* GET /healthz on the same kind of connection: the HTTP layer's floor (the
 * server's request handling without the executor or a commit). */
static void http_healthz(client *c, CURL *h) {
  char url[300];
  snprintf(url, sizeof url, "%s/healthz", c->base);
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  CURLcode rc = curl_easy_perform(h);
  long status = 0;
  if (rc == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (rc != CURLE_OK || status != 200) {
    fprintf(stderr, "http_bench: GET %s: %s (status %ld)\n", url, curl_easy_strerror(rc), status);
    c->failed = 1;
  }
}

/* A keep-alive easy handle that POSTs inc-by's params; *hl holds its
 * header list (free both with http_handle_free). */
static CURL *http_handle(struct curl_slist **hl) {
  CURL *h = curl_easy_init();
  *hl = curl_slist_append(NULL, "Content-Type: application/json");
  *hl = curl_slist_append(*hl, "Expect:");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hl);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, "{\"params\":[1]}");
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, bench_discard);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
  return h;
}

static void http_handle_free(CURL *h, struct curl_slist *hl) {
  curl_slist_free_all(hl);
  curl_easy_cleanup(h);
}

static void *client_main(void *arg) {
  client *c = arg;
  CURL *h = NULL;
  struct curl_slist *hl = NULL;
  if (c->base) h = http_handle(&hl);
  /* Client i drives workers i, i+N, i+2N, ...: no two clients share a
   * worker, so nobody queues behind another client's call on a worker. */
  int mine[WORKERS], nmine = 0;
  for (int w = c->id; w < WORKERS; w += c->nclients) mine[nmine++] = w;
  char name[32];
  /* One call per worker first, outside the window: creates it (first run)
   * and opens the connection. */
  for (int k = 0; k < nmine && !c->failed; k++) {
    snprintf(name, sizeof name, "w%d", mine[k]);
    if (c->healthz) {
      http_healthz(c, h);
      break;
    }
    if (h) http_inc(c, h, name);
    else inproc_inc(c, name);
  }
  pthread_barrier_wait(c->warm);
  pthread_barrier_wait(c->go);
  for (long i = 0; !c->failed && c->n < MAX_SAMPLES; i++) {
    double t0 = bench_now();
    if (t0 >= c->until) break;
    snprintf(name, sizeof name, "w%d", mine[i % nmine]);
    if (c->healthz) http_healthz(c, h);
    else if (h) http_inc(c, h, name);
    else inproc_inc(c, name);
    c->lat[c->n++] = bench_now() - t0;
  }
  if (h) http_handle_free(h, hl);
  return NULL;
}

/* Cold start: creating a worker by its first invoke-and-await, one at a
 * time, n new workers per way, in process and over HTTP alternately (a
 * fresh connection's handshake is not counted: the handle is warmed on
 * /healthz first). Prints one row per way. */
static void cold(loam_executor *ex, const char *base, int n) {
  struct curl_slist *hl = NULL;
  CURL *h = http_handle(&hl);
  client ci = {.ex = ex}, ch = {.base = base};
  http_healthz(&ch, h);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, "{\"params\":[1]}");
  double *in = malloc((size_t)n * sizeof *in), *http = malloc((size_t)n * sizeof *http);
  char name[32];
  for (int k = 0; k < n && !ci.failed && !ch.failed; k++) {
    snprintf(name, sizeof name, "cold-%d", k);
    double t0 = bench_now();
    inproc_inc(&ci, name);
    in[k] = bench_now() - t0;
    t0 = bench_now();
    http_inc(&ch, h, name);
    http[k] = bench_now() - t0;
  }
  http_handle_free(h, hl);
  if (ci.failed || ch.failed) bench_fail("a cold start failed (see above)");
  double ip50 = bench_percentile(in, n, 50), hp50 = bench_percentile(http, n, 50);
  printf("%-8s %-10s %10s %10.1f %10.1f %9d   (create + first invoke-and-await)\n", "cold",
         "in-process", "", ip50 * 1e6, bench_percentile(in, n, 99) * 1e6, n);
  printf("%-8s %-10s %10s %10.1f %10.1f %9d   p50 http/in-process %.2fx (+%.0f us)\n", "cold",
         "http", "", hp50 * 1e6, bench_percentile(http, n, 99) * 1e6, n, hp50 / ip50,
         (hp50 - ip50) * 1e6);
  free(in);
  free(http);
}

/* One way of invoking, accumulated over its interleaved slices. */
typedef bench_series series;

typedef struct result { double p50, p99, rate, cpu_self, cpu_server; long calls; } result;

/* nclients threads for `secs` seconds against ex (base NULL) or the server
 * (GET /healthz instead of invoking if healthz); latencies and time are
 * added to `into`. */
static void run(loam_executor *ex, const char *base, int healthz, int nclients, double secs,
                series *into) {
  client *c = calloc((size_t)nclients, sizeof *c);
  pthread_t *th = calloc((size_t)nclients, sizeof *th);
  pthread_barrier_t warm, go;
  pthread_barrier_init(&warm, NULL, (unsigned)nclients + 1);
  pthread_barrier_init(&go, NULL, (unsigned)nclients + 1);
  for (int i = 0; i < nclients; i++) {
    c[i] = (client){.id = i, .nclients = nclients, .ex = ex, .base = base, .healthz = healthz,
                    .warm = &warm, .go = &go};
    c[i].lat = malloc(MAX_SAMPLES * sizeof(double));
    pthread_create(&th[i], NULL, client_main, &c[i]);
  }
  /* The window starts once every client has warmed its workers. */
  pthread_barrier_wait(&warm);
  double cpu0 = bench_self_cpu(), srv0 = bench_server_cpu();
  double t0 = bench_now();
  for (int i = 0; i < nclients; i++) c[i].until = t0 + secs;
  pthread_barrier_wait(&go);
  int failed = 0;
  for (int i = 0; i < nclients; i++) {
    pthread_join(th[i], NULL);
    failed |= c[i].failed;
  }
  into->secs += bench_now() - t0;
  into->cpu_self += bench_self_cpu() - cpu0;
  into->cpu_server += bench_server_cpu() - srv0;
  for (int i = 0; i < nclients; i++) {
    bench_series_add(into, c[i].lat, c[i].n);
    free(c[i].lat);
  }
  free(c);
  free(th);
  pthread_barrier_destroy(&warm);
  pthread_barrier_destroy(&go);
  if (failed) bench_fail("a client failed (see above)");
}

static result summary(series *s) {
  double per = s->n ? 1.0 / (double)s->n : 0;
  result r = {bench_percentile(s->lat, s->n, 50), bench_percentile(s->lat, s->n, 99),
              s->secs > 0 ? (double)s->n / s->secs : 0, s->cpu_self * per,
              s->cpu_server * per, s->n};
  free(s->lat);
  *s = (series){0};
  return r;
}

static void print_row(int n, const char *path, result r, const char *note) {
  printf("%-8d %-10s %10.0f %10.1f %10.1f %9ld %8.0f %8.0f%s\n", n, path, r.rate, r.p50 * 1e6,
         r.p99 * 1e6, r.calls, r.cpu_self * 1e6, r.cpu_server * 1e6, note);
}

int main(int argc, char **argv) {
  double secs = argc > 1 ? atof(argv[1]) : 3.0;
  if (secs <= 0) secs = 3.0;
  int clients[8] = {1, 16}, nclients = 2;
  if (argc > 2) {
    nclients = 0;
    for (int i = 2; i < argc && nclients < 8; i++) clients[nclients++] = atoi(argv[i]);
  }
  bench_init("http_bench");
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const char *gdir = getenv("LOAM_BENCH_GUEST_DIR");
  size_t wasm_len = 0;
  uint8_t *wasm = bench_read_guest(gdir ? gdir : LOAM_EXEC_GUEST_DIR, "counter.wasm", &wasm_len);

  /* The baseline: the executor in this process (defaults: 2 threads, fsync). */
  char *dir = bench_temp_dir();
  loam_executor_options o;
  loam_executor_options_default(&o);
  loam_error err;
  loam_executor *ex = loam_executor_open(dir, &o, &err);
  if (!ex) bench_fail(err.message);
  if (!loam_template_register(ex, "counter", wasm, wasm_len, NULL, NULL, &err))
    bench_fail(err.message);

  /* The server: same defaults (--workers 2 executor threads, fsync). */
  const char *base = bench_server_start();
  bench_server_add_template(base, "counter", wasm, wasm_len);

  printf("%d workers of the counter guest (inc-by 1), invoke-and-await, fsync on, %.1f s per "
         "way in %d interleaved slices,\nin-process (executor C API) vs HTTP (loam server, "
         "libcurl keep-alive):\n", WORKERS, secs, SLICES);
  printf("(cpu us/call: CPU time per call of this process, i.e. the in-process executor or\n"
         "the HTTP clients, and of the server process)\n");
  printf("%-8s %-10s %10s %10s %10s %9s %8s %8s\n", "clients", "path", "calls/s", "p50 us",
         "p99 us", "calls", "cpu self", "cpu srv");
  for (int i = 0; i < nclients; i++) {
    int n = clients[i] < 1 ? 1 : clients[i] > WORKERS ? WORKERS : clients[i];
    /* In-process and HTTP alternate in SLICES short slices each, so both
     * see the same fsync latency and machine load (both swing by 2-4x
     * within seconds on the shared build machine). */
    series in = {0}, http = {0}, hz = {0};
    for (int k = 0; k < SLICES; k++) {
      run(ex, NULL, 0, n, secs / SLICES, &in);
      run(NULL, base, 0, n, secs / SLICES, &http);
    }
    run(NULL, base, 1, n, secs / 3, &hz);
    result a = summary(&in), b = summary(&http), z = summary(&hz);
    print_row(n, "in-process", a, "");
    print_row(n, "http", b, "");
    print_row(n, "healthz", z, "   (GET /healthz: HTTP alone, no invocation)");
    printf("%-8d %-10s  throughput in-process/http %.2fx, p50 http/in-process %.2fx (+%.0f us), "
           "p99 %.2fx,\n%-8s %-10s  CPU per call http (server + clients)/in-process %.2fx "
           "(+%.0f us)\n", n, "ratio", a.rate / b.rate, b.p50 / a.p50, (b.p50 - a.p50) * 1e6,
           b.p99 / a.p99, "", "", (b.cpu_self + b.cpu_server) / a.cpu_self,
           (b.cpu_self + b.cpu_server - a.cpu_self) * 1e6);
    fflush(stdout);
  }
  cold(ex, base, 40);
  loam_executor_close(ex);
  bench_remove_dir(dir);
  free(dir);
  free(wasm);
  bench_server_stop();
  curl_global_cleanup();
  return 0;
}
