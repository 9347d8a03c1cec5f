/* server.c — `loam server`'s life: open the executor, serve HTTP, wait for
 * SIGTERM/SIGINT, then drain (stop accepting, let in-flight requests and
 * invocations finish), commit and close. */
#include "server.h"
#include "srv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

struct MHD_Daemon *srv_http_start(srv *s, const struct sockaddr *addr);

/* "HOST:PORT" (IPv4 dotted quad, or "localhost") into addr. */
static bool parse_listen(const char *listen, struct sockaddr_in *addr) {
  char host[64];
  const char *colon = strrchr(listen, ':');
  if (!colon || (size_t)(colon - listen) >= sizeof host) return false;
  memcpy(host, listen, (size_t)(colon - listen));
  host[colon - listen] = '\0';
  char *end = NULL;
  errno = 0;
  unsigned long port = strtoul(colon + 1, &end, 10);
  if (!colon[1] || *end || errno || port > 65535) return false;
  memset(addr, 0, sizeof *addr);
  addr->sin_family = AF_INET;
  addr->sin_port = htons((uint16_t)port);
  if (!strcmp(host, "localhost")) strcpy(host, "127.0.0.1");
  return inet_pton(AF_INET, host, &addr->sin_addr) == 1;
}

/* The token is the file's first line, surrounding whitespace dropped. */
static bool read_token(const char *path, char *out, size_t cap) {
  FILE *f = fopen(path, "r");
  if (!f) return false;
  char line[512] = "";
  bool ok = fgets(line, sizeof line, f) != NULL;
  fclose(f);
  if (!ok) return false;
  char *s = line;
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
    s[--n] = '\0';
  if (n == 0 || n >= cap) return false;
  memcpy(out, s, n + 1);
  return true;
}

/* After the first signal: a second one ends the process at once (for an
 * invocation that never finishes); everything acknowledged is committed. */
static void *second_signal(void *arg) {
  sigset_t *sigs = arg;
  int sig = 0;
  sigwait(sigs, &sig);
  srv_log("second signal: exiting without waiting for running invocations");
  _exit(1);
  return NULL;
}

/* Up to 2000 connections, each a descriptor, plus the store's: raise the
 * soft limit on open files to the hard one (often 1024 by default). */
static void raise_fd_limit(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max) return;
  rlim_t was = rl.rlim_cur;
  rl.rlim_cur = rl.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
    srv_log("warning: open files limited to %llu: fewer connections can be served",
            (unsigned long long)was);
}

static uint16_t bound_port(struct MHD_Daemon *d) {
  const union MHD_DaemonInfo *i = loam_mhd.get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  return i ? i->port : 0;
}

int loam_server_main(const loam_server_options *o) {
  const char *dir = o->data_dir ? o->data_dir : "./loam-data";
  const char *listen = o->listen ? o->listen : "127.0.0.1:9881";
  srv s = {0};
  pthread_mutex_init(&s.mu, NULL);
  s.max_body = o->max_body ? o->max_body : (size_t)64 << 20;
  struct sockaddr_in addr;
  if (!parse_listen(listen, &addr)) {
    srv_log("error: --listen '%s' is not HOST:PORT (an IPv4 address)", listen);
    return 2;
  }
  if (o->token_file && !read_token(o->token_file, s.token, sizeof s.token)) {
    srv_log("error: cannot read a token from '%s'", o->token_file);
    return 2;
  }
  /* Signals go to sigwait below only: block them before any thread starts. */
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  char why[300];
  if (!loam_mhd_load(why, sizeof why)) {
    srv_log("error: %s", why);
    return 1;
  }
  pthread_sigmask(SIG_BLOCK, &sigs, NULL);
  signal(SIGPIPE, SIG_IGN);
  raise_fd_limit();

  s.hub = srv_hub_new();
  loam_executor_options eo;
  loam_executor_options_default(&eo);
  if (o->workers) eo.threads = o->workers;
  eo.on_output = srv_hub_output;
  eo.output_user = s.hub;
  loam_error err = {0};
  s.ex = loam_executor_open(dir, &eo, &err);
  if (!s.ex) {
    srv_log("error: cannot open the data directory '%s': %s", dir, err.message);
    srv_hub_free(s.hub);
    return 1;
  }
  s.daemon = srv_http_start(&s, (const struct sockaddr *)&addr);
  if (!s.daemon) {
    srv_log("error: cannot listen on %s: %s", listen, strerror(errno));
    loam_executor_close(s.ex);
    srv_hub_free(s.hub);
    return 1;
  }
  uint16_t port = bound_port(s.daemon);
  if (o->port_file) {
    FILE *f = fopen(o->port_file, "w");
    if (f) {
      fprintf(f, "%u\n", port);
      fclose(f);
    }
  }
  char host[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &addr.sin_addr, host, sizeof host);
  srv_log("started: listening on http://%s:%u, data in %s, %u executor threads%s", host,
          port, dir, eo.threads, s.token[0] ? ", bearer token required" : "");

  int sig = 0;
  sigwait(&sigs, &sig);
  pthread_t second;
  if (pthread_create(&second, NULL, second_signal, &sigs) == 0) pthread_detach(second);
  /* Drain: no new connections; running handlers (and the invocations they
   * wait for) finish; streams end; then the executor commits and closes. */
  srv_hub_close(s.hub);
  loam_mhd.quiesce_daemon(s.daemon);
  loam_mhd.stop_daemon(s.daemon);
  loam_executor_close(s.ex);
  srv_hub_free(s.hub);
  pthread_mutex_destroy(&s.mu);
  srv_log("stopped (%s): everything committed", sig == SIGINT ? "SIGINT" : "SIGTERM");
  return 0;
}
