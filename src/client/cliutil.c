/* cliutil.c — shared pieces of the `loam template` / `loam worker` commands. */
#include "cliutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool loam_cli_common_opt(loam_cli *c, int argc, char **argv, int *i, bool *bad) {
  const char *a = argv[*i];
  if (!strcmp(a, "--json")) {
    c->json = true;
    return true;
  }
  if (!strncmp(a, "--url=", 6)) {
    c->url = a + 6;
    loam_client_init(&c->client, c->url);
    return true;
  }
  if (!strcmp(a, "--url")) {
    if (*i + 1 >= argc) {
      fprintf(stderr, "loam: --url needs a value\n");
      *bad = true;
      return true;
    }
    c->url = argv[++*i];
    loam_client_init(&c->client, c->url);
    return true;
  }
  return false;
}

json_t *loam_cli_call(loam_cli *c, const char *method, const char *path, const char *ctype,
                      const void *body, size_t len, const char *const *headers,
                      long *status) {
  loam_http_resp r;
  if (!loam_client_request(&c->client, method, path, ctype, body, len, headers, &r)) {
    fprintf(stderr, "loam: %s\n", r.error);
    loam_http_resp_free(&r);
    return NULL;
  }
  if (status) *status = r.status;
  json_t *j = r.len ? json_loadb(r.body, r.len, 0, NULL) : json_object();
  if (r.status < 200 || r.status > 299) {
    const char *msg = j ? loam_cli_str(j, "error") : "";
    if (*msg) fprintf(stderr, "loam: %s (HTTP %ld)\n", msg, r.status);
    else fprintf(stderr, "loam: HTTP %ld from the server\n", r.status);
    if (j) json_decref(j);
    loam_http_resp_free(&r);
    return NULL;
  }
  if (!j) fprintf(stderr, "loam: the server's reply is not JSON\n");
  loam_http_resp_free(&r);
  return j;
}

void loam_cli_print_json(const json_t *j) {
  char *s = json_dumps(j, JSON_INDENT(2) | JSON_ENCODE_ANY);
  if (s) puts(s);
  free(s);
}

bool loam_cli_split_worker(const char *arg, char **tmpl_esc, char **worker_esc) {
  const char *slash = strchr(arg, '/');
  if (!slash || slash == arg || !slash[1] || strchr(slash + 1, '/')) {
    fprintf(stderr, "loam: expected TEMPLATE/WORKER, got '%s'\n", arg);
    return false;
  }
  char *t = strndup(arg, (size_t)(slash - arg));
  *tmpl_esc = loam_client_escape(t);
  *worker_esc = loam_client_escape(slash + 1);
  free(t);
  return *tmpl_esc && *worker_esc;
}

const char *loam_cli_str(const json_t *o, const char *key) {
  const char *s = json_string_value(json_object_get(o, key));
  return s ? s : "";
}
