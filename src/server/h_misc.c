/* h_misc.c — the operational routes: /healthz, /metrics (Prometheus text)
 * and /v1/openapi.json. */
#include "srv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bounds (seconds) of the invoke-and-await latency histogram. */
static const double bounds[8] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1.0};

void srv_record_latency(srv *s, double seconds) {
  pthread_mutex_lock(&s->mu);
  s->iaw_count++;
  s->iaw_sum += seconds;
  for (int i = 0; i < 8; i++)
    if (seconds <= bounds[i]) s->iaw_bucket[i]++;
  pthread_mutex_unlock(&s->mu);
}

void h_healthz(srv_req *q, srv_reply *r) {
  srv_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

void h_openapi(srv_req *q, srv_reply *r) {
  size_t n = loam_openapi_json_len();
  r->text = malloc(n + 1);
  if (!r->text) {
    srv_error(r, 500, "out of memory");
    return;
  }
  memcpy(r->text, loam_openapi_json, n);
  r->text_len = n;
  r->ctype = "application/json";
  r->status = 200;
}

void h_metrics(srv_req *q, srv_reply *r) {
  loam_executor_stats st;
  loam_executor_stats_get(q->s->ex, &st);
  srv *s = q->s;
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) {
    srv_error(r, 500, "out of memory");
    return;
  }
  fprintf(f,
          "# HELP loam_invocations_total Invocations completed since start.\n"
          "# TYPE loam_invocations_total counter\nloam_invocations_total %llu\n"
          "# HELP loam_replayed_total Invocations re-run from the oplog.\n"
          "# TYPE loam_replayed_total counter\nloam_replayed_total %llu\n"
          "# HELP loam_active_workers Workers in memory.\n"
          "# TYPE loam_active_workers gauge\nloam_active_workers %u\n"
          "# HELP loam_suspensions_total Worker suspensions since start.\n"
          "# TYPE loam_suspensions_total counter\nloam_suspensions_total %u\n"
          "# HELP loam_snapshots_total Snapshots taken since start.\n"
          "# TYPE loam_snapshots_total counter\nloam_snapshots_total %llu\n"
          "# HELP loam_rpc_calls_total Worker-to-worker calls made, by path.\n"
          "# TYPE loam_rpc_calls_total counter\nloam_rpc_calls_total{path=\"local\"} %llu\n"
          "# HELP loam_store_commits_total Group-commit transactions of the store.\n"
          "# TYPE loam_store_commits_total counter\nloam_store_commits_total %llu\n"
          "# HELP loam_store_committed_writes_total Queued writes those commits carried.\n"
          "# TYPE loam_store_committed_writes_total counter\n"
          "loam_store_committed_writes_total %llu\n"
          "# HELP loam_store_commit_seconds_total Time inside those commits, fsync included.\n"
          "# TYPE loam_store_commit_seconds_total counter\n"
          "loam_store_commit_seconds_total %.6f\n",
          (unsigned long long)st.invocations, (unsigned long long)st.replayed,
          st.active_workers, st.suspended, (unsigned long long)st.snapshots,
          (unsigned long long)st.rpc_local, (unsigned long long)st.commits,
          (unsigned long long)st.committed_writes, (double)st.commit_ns / 1e9);
  pthread_mutex_lock(&s->mu);
  fprintf(f, "# HELP loam_http_requests_total HTTP requests answered, by status class.\n"
             "# TYPE loam_http_requests_total counter\n");
  for (int c = 1; c <= 5; c++)
    fprintf(f, "loam_http_requests_total{class=\"%dxx\"} %llu\n", c,
            (unsigned long long)s->requests[c]);
  fprintf(f, "# HELP loam_invoke_await_seconds invoke-and-await latency over HTTP.\n"
             "# TYPE loam_invoke_await_seconds histogram\n");
  for (int i = 0; i < 8; i++)
    fprintf(f, "loam_invoke_await_seconds_bucket{le=\"%g\"} %llu\n", bounds[i],
            (unsigned long long)s->iaw_bucket[i]);
  fprintf(f,
          "loam_invoke_await_seconds_bucket{le=\"+Inf\"} %llu\n"
          "loam_invoke_await_seconds_sum %.6f\nloam_invoke_await_seconds_count %llu\n",
          (unsigned long long)s->iaw_count, s->iaw_sum, (unsigned long long)s->iaw_count);
  pthread_mutex_unlock(&s->mu);
  fclose(f);
  r->text = buf;
  r->text_len = len;
  r->ctype = "text/plain; version=0.0.4";
  r->status = 200;
}
