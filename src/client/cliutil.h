/*
 * cliutil.h — what the server-talking CLI commands (template, worker) share:
 * the common options (--url, --json), sending a request and turning the
 * reply into JSON or an error message on stderr, and table printing.
 */
#ifndef LOAM_CLIUTIL_H
#define LOAM_CLIUTIL_H

#include "client/client.h"

#include <jansson.h>
#include <stdbool.h>

typedef struct loam_cli {
  loam_client client;
  bool json;              /* --json: print the server's JSON */
  const char *url;        /* --url */
} loam_cli;

/* Consumes --url U / --url=U / --json at argv[*i]; true if it was one. A
 * missing value prints an error and sets *bad. */
bool loam_cli_common_opt(loam_cli *c, int argc, char **argv, int *i, bool *bad);

/* Sends the request; on a 2xx returns the parsed body (an empty JSON object
 * when there is none) and sets *status; otherwise prints
 * "loam: <server's error>" (or the transport error) and returns NULL. */
json_t *loam_cli_call(loam_cli *c, const char *method, const char *path, const char *ctype,
                      const void *body, size_t len, const char *const *headers,
                      long *status);

/* Prints j pretty to stdout (for --json). */
void loam_cli_print_json(const json_t *j);

/* "template/worker" into escaped path segments; false + message if not. */
bool loam_cli_split_worker(const char *arg, char **tmpl_esc, char **worker_esc);

/* A string field, or "" / the fallback. */
const char *loam_cli_str(const json_t *o, const char *key);

#endif
