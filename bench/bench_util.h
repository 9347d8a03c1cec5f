/*
 * bench_util.h — helpers shared by the benchmarks that talk to a real
 * `loam server` (http_bench.c, rpc_bench.c): clock, percentiles, temp
 * directories removed at exit, reading a guest, and one server child process
 * on a free 127.0.0.1 port that is killed however the benchmark ends (exit,
 * failure, SIGINT/SIGTERM, or this process dying: PR_SET_PDEATHSIG).
 * Header-only (static functions) so each benchmark stays one program.
 */
#ifndef LOAM_BENCH_UTIL_H
#define LOAM_BENCH_UTIL_H

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <libgen.h>
#include <time.h>
#include <unistd.h>

static const char *bench_prog = "bench";
static pid_t bench_server_pid = -1;
static char bench_server_dir[256];
static char bench_server_base[64];
static char *bench_dirs[8];
static int bench_ndirs;

static inline double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void bench_remove_dir(const char *d) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
  if (system(cmd) != 0) fprintf(stderr, "%s: could not remove %s\n", bench_prog, d);
}

/* Kills the server (TERM, then KILL after 5 s) and removes every temp dir;
 * safe to call twice. */
static inline void bench_cleanup(void) {
  if (bench_server_pid > 0) {
    kill(bench_server_pid, SIGTERM);
    int st;
    for (int i = 0; i < 500 && waitpid(bench_server_pid, &st, WNOHANG) == 0; i++)
      usleep(10000);
    if (waitpid(bench_server_pid, &st, WNOHANG) == 0) {
      kill(bench_server_pid, SIGKILL);
      waitpid(bench_server_pid, &st, 0);
    }
    bench_server_pid = -1;
  }
  for (int i = 0; i < bench_ndirs; i++) {
    if (!bench_dirs[i]) continue;
    struct stat st;
    if (!stat(bench_dirs[i], &st)) bench_remove_dir(bench_dirs[i]);
    free(bench_dirs[i]);
    bench_dirs[i] = NULL;
  }
  bench_ndirs = 0;
}

/* SIGINT/SIGTERM: kill the server, remove the temp dirs with rm (fork,
 * execv, kill and waitpid are async-signal-safe; system() is not), then die
 * of the same signal. */
static void bench_on_signal(int sig) {
  if (bench_server_pid > 0) {
    kill(bench_server_pid, SIGKILL);
    waitpid(bench_server_pid, NULL, 0);
  }
  char *argv[3 + 8] = {"rm", "-rf"};
  int n = 2;
  for (int i = 0; i < bench_ndirs; i++)
    if (bench_dirs[i]) argv[n++] = bench_dirs[i];
  argv[n] = NULL;
  pid_t pid = n > 2 ? fork() : -1;
  if (pid == 0) {
    execv("/bin/rm", argv);
    _exit(127);
  }
  if (pid > 0) waitpid(pid, NULL, 0);
  signal(sig, SIG_DFL);
  raise(sig);
}

/* Call first: names the program in messages, installs the cleanup. */
static inline void bench_init(const char *prog) {
  bench_prog = prog;
  atexit(bench_cleanup);
  signal(SIGINT, bench_on_signal);
  signal(SIGTERM, bench_on_signal);
  signal(SIGPIPE, SIG_IGN);
}

/* Prints the server's log (if any) and the message, exits 1 (atexit cleans). */
static inline void bench_fail(const char *what) {
  fprintf(stderr, "%s: %s\n", bench_prog, what ? what : "failed");
  if (bench_server_dir[0]) {
    char cmd[400];
    snprintf(cmd, sizeof cmd, "tail -n 20 '%s/server.log' >&2", bench_server_dir);
    fprintf(stderr, "%s: the server's log (last 20 lines):\n", bench_prog);
    if (system(cmd) != 0) fprintf(stderr, "(no log)\n");
  }
  exit(1);
}

/* A fresh directory under /tmp, removed at exit; the caller may remove it
 * earlier with bench_remove_dir (and free the string). */
static inline char *bench_temp_dir(void) {
  char *d = strdup("/tmp/loam-bench-XXXXXX");
  if (!mkdtemp(d)) bench_fail("mkdtemp");
  if (bench_ndirs < 8) bench_dirs[bench_ndirs++] = strdup(d);
  return d;
}

static int bench_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The p-th percentile of v[0..n) (sorts v); 0 for n == 0. */
static inline double bench_percentile(double *v, long n, int p) {
  if (n <= 0) return 0;
  qsort(v, (size_t)n, sizeof v[0], bench_cmp_double);
  long i = n * p / 100;
  return v[i < n ? i : n - 1];
}

/* One way of invoking, accumulated over its interleaved slices: every
 * latency, and the wall and CPU seconds the windows took. */
typedef struct bench_series {
  double *lat;
  long n, cap;
  double secs, cpu_self, cpu_server;
} bench_series;

/* Appends n latencies to s. */
static inline void bench_series_add(bench_series *s, const double *lat, long n) {
  if (s->n + n > s->cap) {
    s->cap = (s->n + n) * 2;
    s->lat = realloc(s->lat, (size_t)s->cap * sizeof(double));
    if (!s->lat) bench_fail("out of memory");
  }
  memcpy(s->lat + s->n, lat, (size_t)n * sizeof(double));
  s->n += n;
}

/* Reads dir/name whole into a malloc'd buffer; fails the benchmark if absent. */
static inline uint8_t *bench_read_guest(const char *dir, const char *name, size_t *len) {
  char path[600];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "%s: cannot open %s (build the guests first)\n", bench_prog, path);
    exit(1);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *buf = malloc((size_t)(n > 0 ? n : 1));
  *len = fread(buf, 1, (size_t)n, f);
  fclose(f);
  return buf;
}

/* $LOAM, else <dir of this program>/../loam (benchmarks live in <build>/bench). */
static inline void bench_loam_path(char *out, size_t cap) {
  const char *env = getenv("LOAM");
  if (env && *env) {
    snprintf(out, cap, "%s", env);
    return;
  }
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) bench_fail("cannot find this program's path (set LOAM)");
  exe[n] = '\0';
  char *d = dirname(exe);
  snprintf(out, cap, "%s/../loam", d);
}

static size_t bench_discard(char *p, size_t size, size_t nmemb, void *ud) {
  (void)p;
  (void)ud;
  return size * nmemb;
}

/* One request on a new handle; the status, 0 if unreachable. */
static inline long bench_http(const char *method, const char *url, const char *ctype,
                              const void *body, size_t len) {
  CURL *h = curl_easy_init();
  struct curl_slist *hl = NULL;
  char hdr[200];
  if (ctype) {
    snprintf(hdr, sizeof hdr, "Content-Type: %s", ctype);
    hl = curl_slist_append(hl, hdr);
  }
  hl = curl_slist_append(hl, "Expect:");
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, bench_discard);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
  if (body || !strcmp(method, "POST")) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  }
  long status = 0;
  if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(hl);
  curl_easy_cleanup(h);
  return status;
}

/* Starts `loam server` (defaults: 2 executor threads, fsync on) on a free
 * 127.0.0.1 port with a fresh data directory, waits until /healthz answers
 * (at most 15 s) and returns its base URL "http://127.0.0.1:PORT". */
static inline const char *bench_server_start(void) {
  char loam[PATH_MAX];
  bench_loam_path(loam, sizeof loam);
  if (access(loam, X_OK)) {
    fprintf(stderr, "%s: no loam binary at %s (set LOAM)\n", bench_prog, loam);
    exit(1);
  }
  char *dir = bench_temp_dir();
  snprintf(bench_server_dir, sizeof bench_server_dir, "%s", dir);
  free(dir);
  char data[300], portf[300], logf[300];
  snprintf(data, sizeof data, "%s/data", bench_server_dir);
  snprintf(portf, sizeof portf, "%s/port", bench_server_dir);
  snprintf(logf, sizeof logf, "%s/server.log", bench_server_dir);
  pid_t pid = fork();
  if (pid < 0) bench_fail("fork");
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* dies with the benchmark */
    int fd = open(logf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    execl(loam, loam, "server", "--data", data, "--listen", "127.0.0.1:0", "--port-file",
          portf, (char *)NULL);
    _exit(127);
  }
  bench_server_pid = pid;
  double deadline = bench_now() + 15;
  int port = 0;
  while (bench_now() < deadline) {
    int st;
    if (waitpid(pid, &st, WNOHANG) == pid) {
      bench_server_pid = -1;
      bench_fail("the server exited at start");
    }
    FILE *f = port ? NULL : fopen(portf, "r");
    if (f) {
      if (fscanf(f, "%d", &port) != 1) port = 0;
      fclose(f);
    }
    if (port) {
      snprintf(bench_server_base, sizeof bench_server_base, "http://127.0.0.1:%d", port);
      char url[128];
      snprintf(url, sizeof url, "%s/healthz", bench_server_base);
      if (bench_http("GET", url, NULL, NULL, 0) == 200) return bench_server_base;
    }
    usleep(20000);
  }
  bench_fail("the server did not answer /healthz within 15 s");
  return NULL;
}

/* POST /v1/templates?name=NAME with the module; fails the benchmark unless 201. */
static inline void bench_server_add_template(const char *base, const char *name,
                                             const uint8_t *wasm, size_t len) {
  char url[300];
  snprintf(url, sizeof url, "%s/v1/templates?name=%s", base, name);
  long st = bench_http("POST", url, "application/wasm", wasm, len);
  if (st != 201) {
    char msg[200];
    snprintf(msg, sizeof msg, "adding template %s answered %ld", name, st);
    bench_fail(msg);
  }
}

/* CPU seconds (user + system) used so far by this process, all threads. */
static inline double bench_self_cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system) used so far by the server, from
 * /proc/PID/stat (fields 14 and 15, in clock ticks); 0 if unreadable. */
static inline double bench_server_cpu(void) {
  if (bench_server_pid <= 0) return 0;
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)bench_server_pid);
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
  unsigned long long ut = 0, st = 0;
  if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
    return 0;
  return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Stops the server gracefully (SIGTERM: drains and commits) and removes its
 * data; also done at exit if not called. */
static inline void bench_server_stop(void) { bench_cleanup(); }

#endif
