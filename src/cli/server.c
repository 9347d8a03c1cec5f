/* server.c — `loam server`: option parsing; the server is src/server/. */
#include "commands.h"
#include "server/server.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out) {
  fprintf(out,
          "usage: loam server [--data DIR] [--listen HOST:PORT] [--workers N]\n"
          "                   [--token-file F] [--max-body BYTES] [--port-file F]\n"
          "  --data DIR        the data directory (default ./loam-data)\n"
          "  --listen H:P      address to serve on (default 127.0.0.1:9881; port 0 = any)\n"
          "  --workers N       executor threads (default 2)\n"
          "  --token-file F    require 'Authorization: Bearer <first line of F>'\n"
          "  --max-body BYTES  largest request body accepted (default 67108864)\n"
          "  --port-file F     write the bound port to F once listening\n"
          "SIGTERM or SIGINT drains in-flight requests, commits and exits 0; a second\n"
          "signal exits at once (everything acknowledged is already committed).\n");
}

static bool number(const char *opt, const char *v, unsigned long long max,
                   unsigned long long *out) {
  char *end = NULL;
  if (!v || !*v || *v == '-') goto bad;
  *out = strtoull(v, &end, 10);
  if (*end || *out == 0 || *out > max) goto bad;
  return true;
bad:
  fprintf(stderr, "loam server: %s needs a positive number (at most %llu)\n", opt, max);
  return false;
}

int loam_cmd_server(int argc, char **argv) {
  loam_server_options o = {0};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    unsigned long long n;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    }
    bool takes = !strcmp(a, "--data") || !strcmp(a, "--listen") ||
                 !strcmp(a, "--workers") || !strcmp(a, "--token-file") ||
                 !strcmp(a, "--max-body") || !strcmp(a, "--port-file");
    if (!takes) {
      fprintf(stderr, "loam server: unknown option '%s'\n", a);
      usage(stderr);
      return 2;
    }
    if (!v) {
      fprintf(stderr, "loam server: %s needs a value\n", a);
      return 2;
    }
    i++;
    if (!strcmp(a, "--data")) o.data_dir = v;
    else if (!strcmp(a, "--listen")) o.listen = v;
    else if (!strcmp(a, "--token-file")) o.token_file = v;
    else if (!strcmp(a, "--port-file")) o.port_file = v;
    else if (!strcmp(a, "--workers")) {
      if (!number(a, v, 256, &n)) return 2;
      o.workers = (uint32_t)n;
    } else {
      if (!number(a, v, (unsigned long long)1 << 40, &n)) return 2;
      o.max_body = (size_t)n;
    }
  }
  return loam_server_main(&o);
}
