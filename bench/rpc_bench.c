/*
 * rpc_bench.c — the worker-to-worker RPC figures of issue 7: worker A (the
 * caller guest, bench/guest/caller) asks worker B (the counter guest) to
 * inc-by 1 through golem:rpc invoke-and-await and keeps the answer; both warm,
 * fsync on. One "operation" = B counts one more and A holds the new count.
 * Four ways to do it, with P caller/callee pairs driven at once (one client
 * thread per pair, default P = 1, 8, 32), measured in the same run:
 *   rpc      in process: one loam_invoke_and_await of A.call (A -> B local
 *            fast path inside the executor),
 *   2 calls  in process: loam_invoke_and_await of B.inc-by, then of A.note,
 *   rpc      over HTTP: one POST of A.call to a real `loam server`,
 *   2 calls  over HTTP: POST B.inc-by, then POST A.note with its answer
 *            (what a client without RPC does),
 * each reported as operations/s and latency p50/p99, with the ratios that
 * show the fast path's gain; then the two in-process ways again without
 * fsync (the call path's own cost). B's count is checked after every run, and
 * the executor's and the server's local-RPC counters must cover every rpc.
 * Usage: rpc_bench [SECONDS_PER_WAY (default 1.5)] [PAIRS... (default 1 8 32)]
 * The loam binary is $LOAM or <this program's dir>/../loam.
 */
#include "bench_util.h"
#include "loam/executor.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef LOAM_EXEC_GUEST_DIR
#define LOAM_EXEC_GUEST_DIR "build/tests/executor"
#endif
#ifndef LOAM_BENCH_GUEST_DIR
#define LOAM_BENCH_GUEST_DIR "build/bench/guest"
#endif

enum { MAX_PAIRS = 64, MAX_SAMPLES = 200000, WARMUPS = 2, SLICES = 4 };

typedef enum mode { RPC_INPROC, TWO_INPROC, RPC_HTTP, TWO_HTTP, NMODES } mode;
static const char *const mode_name[NMODES] = {"rpc", "2 calls", "rpc", "2 calls"};
static const char *const mode_path[NMODES] = {"in-process", "in-process", "http", "http"};

/* One pair's client thread. */
typedef struct client {
  int id;
  mode m;
  loam_executor *ex;
  const char *base;
  CURL *h;
  struct curl_slist *hl;
  char *body;             /* the last HTTP response body */
  size_t len, cap;
  double until;
  pthread_barrier_t *warm, *go;
  double *lat;
  long n;
  uint64_t last;          /* the count B answered last */
  int failed;
} client;

static void failf(client *c, const char *what, const char *msg) {
  if (!c->failed) fprintf(stderr, "rpc_bench: %s: %s\n", what, msg);
  c->failed = 1;
}

/* ---- in process ---- */

static uint64_t invoke(client *c, const char *tmpl, const char *worker, const char *fn,
                       loam_value **params, size_t n) {
  loam_invoke_result r = {0};
  loam_error err;
  uint64_t v = 0;
  if (loam_invoke_and_await(c->ex, tmpl, worker, fn, params, n, NULL, &r, &err) != LOAM_OK)
    failf(c, fn, err.message);
  else if (r.nvalues == 1)
    v = r.values[0]->of.u;
  loam_invoke_result_free(&r);
  for (size_t i = 0; i < n; i++) loam_value_free(params[i]);
  return v;
}

static void op_inproc(client *c, const char *a, const char *b, const char *uri) {
  loam_value *p[2];
  if (c->m == RPC_INPROC) {
    p[0] = loam_value_string(uri, strlen(uri));
    p[1] = loam_value_uint(loam_type_prim(LOAM_T_U64), 1);
    c->last = invoke(c, "caller", a, "call", p, 2);
  } else {
    p[0] = loam_value_uint(loam_type_prim(LOAM_T_U64), 1);
    uint64_t v = invoke(c, "counter", b, "inc-by", p, 1);
    p[0] = loam_value_uint(loam_type_prim(LOAM_T_U64), v);
    c->last = invoke(c, "caller", a, "note", p, 1);
  }
}

/* ---- over HTTP, one keep-alive connection per client ---- */

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud) {
  client *c = ud;
  size_t n = size * nmemb;
  if (c->len + n + 1 > c->cap) {
    c->cap = (c->len + n + 1) * 2;
    c->body = realloc(c->body, c->cap);
  }
  memcpy(c->body + c->len, p, n);
  c->len += n;
  c->body[c->len] = '\0';
  return n;
}

/* POSTs invoke-and-await of tmpl/worker fn with the JSON params; the one
 * result as an unsigned number ({"result": N}). */
static uint64_t post(client *c, const char *tmpl, const char *worker, const char *fn,
                     const char *params) {
  char url[300];
  snprintf(url, sizeof url, "%s/v1/templates/%s/workers/%s/invoke-and-await?function=%s",
           c->base, tmpl, worker, fn);
  curl_easy_setopt(c->h, CURLOPT_URL, url);
  curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, params);
  c->len = 0;
  CURLcode rc = curl_easy_perform(c->h);
  long status = 0;
  if (rc == CURLE_OK) curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
  if (rc != CURLE_OK || status != 200) {
    char msg[600];
    snprintf(msg, sizeof msg, "%s (status %ld) %.400s", curl_easy_strerror(rc), status,
             c->len ? c->body : "");
    failf(c, url, msg);
    return 0;
  }
  json_t *j = json_loadb(c->body, c->len, 0, NULL);
  json_t *res = json_object_get(j, "result");
  /* one unnamed result is the value itself; named results are an object */
  void *it = json_is_object(res) ? json_object_iter(res) : NULL;
  json_t *v = it ? json_object_iter_value(it) : res;
  uint64_t out = json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
  if (!json_is_integer(v)) {
    char msg[600];
    snprintf(msg, sizeof msg, "no number in the answer: %.400s", c->body);
    failf(c, url, msg);
  }
  json_decref(j);
  return out;
}

static void op_http(client *c, const char *a, const char *b, const char *uri) {
  char params[300];
  if (c->m == RPC_HTTP) {
    snprintf(params, sizeof params, "{\"params\":[\"%s\",1]}", uri);
    c->last = post(c, "caller", a, "call", params);
  } else {
    uint64_t v = post(c, "counter", b, "inc-by", "{\"params\":[1]}");
    snprintf(params, sizeof params, "{\"params\":[%llu]}", (unsigned long long)v);
    c->last = post(c, "caller", a, "note", params);
  }
}

static void *client_main(void *arg) {
  client *c = arg;
  char a[32], b[32], uri[80];
  snprintf(a, sizeof a, "a%d", c->id);
  snprintf(b, sizeof b, "b%d", c->id);
  snprintf(uri, sizeof uri, "worker://counter/%s", b);
  bool http = c->m == RPC_HTTP || c->m == TWO_HTTP;
  if (http) {
    c->h = curl_easy_init();
    c->hl = curl_slist_append(NULL, "Content-Type: application/json");
    c->hl = curl_slist_append(c->hl, "Expect:");
    curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->hl);
    curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c->h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->h, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c->h, CURLOPT_TCP_NODELAY, 1L);
  }
  /* Two operations outside the window: creates the workers on first use,
   * loads them, opens the connection. */
  for (int k = 0; k < WARMUPS && !c->failed; k++) http ? op_http(c, a, b, uri) : op_inproc(c, a, b, uri);
  pthread_barrier_wait(c->warm);
  pthread_barrier_wait(c->go);
  while (!c->failed && c->n < MAX_SAMPLES) {
    double t0 = bench_now();
    if (t0 >= c->until) break;
    http ? op_http(c, a, b, uri) : op_inproc(c, a, b, uri);
    c->lat[c->n++] = bench_now() - t0;
  }
  if (http) {
    curl_slist_free_all(c->hl);
    curl_easy_cleanup(c->h);
  }
  free(c->body);
  return NULL;
}

/* One way of calling, accumulated over its interleaved slices. */
typedef bench_series series;

typedef struct result { double p50, p99, rate, cpu; long ops; } result;

static result summary(series *s) {
  /* CPU per operation: this process (the in-process executor, or the HTTP
   * clients) plus the server */
  result r = {bench_percentile(s->lat, s->n, 50), bench_percentile(s->lat, s->n, 99),
              s->secs > 0 ? (double)s->n / s->secs : 0,
              s->n ? (s->cpu_self + s->cpu_server) / (double)s->n : 0, s->n};
  free(s->lat);
  *s = (series){0};
  return r;
}

/* pairs clients in mode m for secs seconds. expect[i] is what pair i's B
 * has counted so far in this store; the run adds its operations and checks
 * that B's last answer is exactly that (every operation counted once). */
static void run(mode m, loam_executor *ex, const char *base, int pairs, double secs,
                uint64_t *expect, series *into) {
  client *c = calloc((size_t)pairs, sizeof *c);
  pthread_t *th = calloc((size_t)pairs, sizeof *th);
  pthread_barrier_t warm, go;
  pthread_barrier_init(&warm, NULL, (unsigned)pairs + 1);
  pthread_barrier_init(&go, NULL, (unsigned)pairs + 1);
  for (int i = 0; i < pairs; i++) {
    c[i] = (client){.id = i, .m = m, .ex = ex, .base = base, .warm = &warm, .go = &go};
    c[i].lat = malloc(MAX_SAMPLES * sizeof(double));
    pthread_create(&th[i], NULL, client_main, &c[i]);
  }
  pthread_barrier_wait(&warm);
  double cpu0 = bench_self_cpu(), srv0 = base ? bench_server_cpu() : 0;
  double t0 = bench_now();
  for (int i = 0; i < pairs; i++) c[i].until = t0 + secs;
  pthread_barrier_wait(&go);
  int failed = 0;
  for (int i = 0; i < pairs; i++) {
    pthread_join(th[i], NULL);
    failed |= c[i].failed;
    expect[i] += (uint64_t)c[i].n + WARMUPS;
    if (!c[i].failed && c[i].last != expect[i]) {
      fprintf(stderr, "rpc_bench: %s %s: pair %d's B counted %llu, expected %llu\n",
              mode_path[m], mode_name[m], i, (unsigned long long)c[i].last,
              (unsigned long long)expect[i]);
      failed = 1;
    }
  }
  into->secs += bench_now() - t0;
  into->cpu_self += bench_self_cpu() - cpu0;
  if (base) into->cpu_server += bench_server_cpu() - srv0;
  for (int i = 0; i < pairs; i++) {
    bench_series_add(into, c[i].lat, c[i].n);
    free(c[i].lat);
  }
  free(c);
  free(th);
  pthread_barrier_destroy(&warm);
  pthread_barrier_destroy(&go);
  if (failed) bench_fail("a client failed (see above)");
}

/* The server's loam_rpc_calls_total{path="local"} from /metrics; -1 if absent. */
static long long server_local_rpcs(const char *base) {
  client c = {0};
  char url[200];
  snprintf(url, sizeof url, "%s/metrics", base);
  CURL *h = curl_easy_init();
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &c);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
  long long n = -1;
  const char *key = "loam_rpc_calls_total{path=\"local\"} ";
  if (curl_easy_perform(h) == CURLE_OK && c.body) {
    const char *at = strstr(c.body, key);
    if (at) n = strtoll(at + strlen(key), NULL, 10);
  }
  curl_easy_cleanup(h);
  free(c.body);
  return n;
}

/* Registers both templates in process; false (with the reason printed) when
 * this build's executor does not accept golem:rpc imports yet. */
static bool register_inproc(loam_executor *ex, const uint8_t *counter, size_t counter_len,
                            const uint8_t *caller, size_t caller_len) {
  loam_error err;
  if (!loam_template_register(ex, "counter", counter, counter_len, NULL, NULL, &err))
    bench_fail(err.message);
  if (loam_template_register(ex, "caller", caller, caller_len, NULL, NULL, &err)) return true;
  if (!strstr(err.message, "golem:rpc")) bench_fail(err.message);
  printf("rpc_bench: skipped: this executor does not link golem:rpc yet (%s)\n", err.message);
  return false;
}

int main(int argc, char **argv) {
  double secs = argc > 1 ? atof(argv[1]) : 1.5;
  if (secs <= 0) secs = 1.5;
  int pairs[8] = {1, 8, 32}, npairs = 3;
  if (argc > 2) {
    npairs = 0;
    for (int i = 2; i < argc && npairs < 8; i++) pairs[npairs++] = atoi(argv[i]);
  }
  bench_init("rpc_bench");
  curl_global_init(CURL_GLOBAL_DEFAULT);
  size_t counter_len = 0, caller_len = 0;
  uint8_t *counter = bench_read_guest(LOAM_EXEC_GUEST_DIR, "counter.wasm", &counter_len);
  uint8_t *caller = bench_read_guest(LOAM_BENCH_GUEST_DIR, "caller.wasm", &caller_len);

  char *dir = bench_temp_dir();
  loam_executor_options o;
  loam_executor_options_default(&o); /* 2 threads, fsync: the server's defaults */
  loam_error err;
  loam_executor *ex = loam_executor_open(dir, &o, &err);
  if (!ex) bench_fail(err.message);
  if (!register_inproc(ex, counter, counter_len, caller, caller_len)) {
    loam_executor_close(ex);
    return 0;
  }
  const char *base = bench_server_start();
  bench_server_add_template(base, "counter", counter, counter_len);
  bench_server_add_template(base, "caller", caller, caller_len);

  printf("worker A asks worker B to inc-by 1 and keeps the answer (one operation), fsync on,\n"
         "%.1f s per way in %d interleaved slices, one client thread per A/B pair;\n"
         "rpc = A calls B through golem:rpc, "
         "2 calls = the client calls B.inc-by, then A.note:\n", secs, SLICES);
  printf("(cpu us/op: CPU time per operation of this process and, over HTTP, the server)\n");
  printf("%-6s %-10s %-8s %10s %10s %10s %8s %9s\n", "pairs", "path", "way", "ops/s", "p50 us",
         "p99 us", "ops", "cpu us/op");
  /* What each pair's B has counted, per store (in process, server). */
  uint64_t expect_in[MAX_PAIRS] = {0}, expect_http[MAX_PAIRS] = {0};
  uint64_t rpc_ops[2] = {0, 0}; /* rpc operations in process, over HTTP */
  for (int pi = 0; pi < npairs; pi++) {
    int p = pairs[pi] < 1 ? 1 : pairs[pi] > MAX_PAIRS ? MAX_PAIRS : pairs[pi];
    /* The four ways alternate in SLICES short slices each, so all see the
     * same fsync latency and machine load. */
    series acc[NMODES] = {{0}};
    for (int k = 0; k < SLICES; k++)
      for (int m = 0; m < NMODES; m++) {
        bool http = m == RPC_HTTP || m == TWO_HTTP;
        run((mode)m, http ? NULL : ex, http ? base : NULL, p, secs / SLICES,
            http ? expect_http : expect_in, &acc[m]);
      }
    result r[NMODES];
    rpc_ops[0] += (uint64_t)acc[RPC_INPROC].n + (uint64_t)(WARMUPS * SLICES * p);
    rpc_ops[1] += (uint64_t)acc[RPC_HTTP].n + (uint64_t)(WARMUPS * SLICES * p);
    for (int m = 0; m < NMODES; m++) {
      r[m] = summary(&acc[m]);
      printf("%-6d %-10s %-8s %10.0f %10.1f %10.1f %8ld %9.0f\n", p, mode_path[m], mode_name[m],
             r[m].rate, r[m].p50 * 1e6, r[m].p99 * 1e6, r[m].ops, r[m].cpu * 1e6);
    }
    printf("%-6d %-10s in process 2 calls/rpc: throughput %.2fx, p50 %.2fx; over http: "
           "%.2fx, p50 %.2fx\n", p, "rpc gain", r[RPC_INPROC].rate / r[TWO_INPROC].rate,
           r[TWO_INPROC].p50 / r[RPC_INPROC].p50, r[RPC_HTTP].rate / r[TWO_HTTP].rate,
           r[TWO_HTTP].p50 / r[RPC_HTTP].p50);
    printf("%-6d %-10s in-process rpc vs 2 http calls: throughput %.2fx, p50 %.2fx, p99 %.2fx\n",
           p, "headline", r[RPC_INPROC].rate / r[TWO_HTTP].rate,
           r[TWO_HTTP].p50 / r[RPC_INPROC].p50, r[TWO_HTTP].p99 / r[RPC_INPROC].p99);
  }
  /* The fast path has to be the one taken: every rpc operation (and its
   * warm-ups) counted as a local call, in process and in the server. */
  loam_executor_stats st;
  loam_executor_stats_get(ex, &st);
  long long srv = server_local_rpcs(base);
  printf("local-path RPCs: in process %llu (of %llu operations), server /metrics %lld (of %llu)\n",
         (unsigned long long)st.rpc_local, (unsigned long long)rpc_ops[0], srv,
         (unsigned long long)rpc_ops[1]);
  if (st.rpc_local < rpc_ops[0] || srv < (long long)rpc_ops[1])
    bench_fail("fewer local-path RPCs than rpc operations: the fast path was not used");
  loam_executor_close(ex);
  bench_server_stop();

  /* The same two in-process ways without fsync (LOAM_DURABILITY_NOSYNC:
   * committed to SQLite, not fsync'd): what the call path itself costs,
   * without the disk's latency that dominates the figures above. */
  char *dir2 = bench_temp_dir();
  o.durability = LOAM_DURABILITY_NOSYNC;
  ex = loam_executor_open(dir2, &o, &err);
  if (!ex) bench_fail(err.message);
  register_inproc(ex, counter, counter_len, caller, caller_len);
  memset(expect_in, 0, sizeof expect_in);
  printf("in process without fsync (the call path alone), %.1f s per way:\n", secs / 2);
  for (int pi = 0; pi < npairs; pi++) {
    int p = pairs[pi] < 1 ? 1 : pairs[pi] > MAX_PAIRS ? MAX_PAIRS : pairs[pi];
    series acc[2] = {{0}};
    for (int k = 0; k < SLICES; k++)
      for (int m = 0; m < 2; m++)
        run((mode)m, ex, NULL, p, secs / 2 / SLICES, expect_in, &acc[m]);
    result r[2];
    for (int m = 0; m < 2; m++) {
      r[m] = summary(&acc[m]);
      printf("%-6d %-10s %-8s %10.0f %10.1f %10.1f %8ld %9.0f\n", p, "no fsync", mode_name[m],
             r[m].rate, r[m].p50 * 1e6, r[m].p99 * 1e6, r[m].ops, r[m].cpu * 1e6);
    }
    printf("%-6d %-10s 2 calls/rpc: throughput %.2fx, p50 %.2fx\n", p, "rpc gain",
           r[RPC_INPROC].rate / r[TWO_INPROC].rate, r[TWO_INPROC].p50 / r[RPC_INPROC].p50);
  }
  loam_executor_close(ex);
  free(dir);
  free(dir2);
  free(counter);
  free(caller);
  curl_global_cleanup();
  return 0;
}
