/*
 * client.h — the CLI's HTTP client for a `loam server` (libcurl): one
 * request, the status and body back; the base URL from --url, $LOAM_URL or
 * the default, the bearer token from $LOAM_TOKEN.
 */
#ifndef LOAM_CLIENT_H
#define LOAM_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct loam_client {
  char base[512];        /* "http://127.0.0.1:9881", no trailing slash */
  char token[512];       /* "" = none */
} loam_client;

typedef struct loam_http_resp {
  long status;           /* 0 when the server could not be reached */
  char *body;            /* NUL-terminated, malloc'd */
  size_t len;
  char error[512];       /* transport error when status == 0 */
} loam_http_resp;

/* url NULL = $LOAM_URL or http://127.0.0.1:9881. */
void loam_client_init(loam_client *c, const char *url);

/* Sends METHOD base+path (path already escaped) with an optional body and
 * extra "Name: value" headers (NULL-terminated list, may be NULL). False
 * only for transport failures (resp->error says why). */
bool loam_client_request(const loam_client *c, const char *method, const char *path,
                         const char *ctype, const void *body, size_t len,
                         const char *const *headers, loam_http_resp *resp);

/* Streams the response body to `sink` as it arrives (for /connect). */
bool loam_client_stream(const loam_client *c, const char *path,
                        size_t (*sink)(const char *data, size_t n, void *ud), void *ud,
                        loam_http_resp *resp);

void loam_http_resp_free(loam_http_resp *r);

/* Percent-escapes s for a path segment or query value into a malloc'd string. */
char *loam_client_escape(const char *s);

#endif
