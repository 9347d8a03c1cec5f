/* http.c — the libmicrohttpd access handler: collects the body (refusing
 * more than max_body), checks the bearer token, routes, and sends the reply.
 * MHD runs one thread per connection, so a handler may block (an
 * invoke-and-await) without holding up other clients. */
#include "srv.h"

#include <stdlib.h>
#include <string.h>

typedef struct conn_ctx {
  char *body;
  size_t len, cap;
  bool too_large;
} conn_ctx;

static bool append(conn_ctx *c, const char *data, size_t n, size_t max) {
  if (c->too_large || c->len + n > max) {
    c->too_large = true;
    return true; /* keep draining the upload, answer 413 at the end */
  }
  if (c->len + n > c->cap) {
    size_t cap = c->cap ? c->cap : 4096;
    while (cap < c->len + n) cap *= 2;
    char *b = realloc(c->body, cap);
    if (!b) return false;
    c->body = b;
    c->cap = cap;
  }
  memcpy(c->body + c->len, data, n);
  c->len += n;
  return true;
}

/* A constant-time comparison, so the token cannot be guessed byte by byte. */
static bool token_ok(const srv *s, struct MHD_Connection *conn) {
  if (!s->token[0]) return true;
  const char *h = loam_mhd.lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
  if (!h || strncmp(h, "Bearer ", 7) != 0) return false;
  h += 7;
  size_t a = strlen(h), b = strlen(s->token);
  unsigned diff = (unsigned)(a != b);
  for (size_t i = 0; i < b; i++) diff |= (unsigned)(unsigned char)(i < a ? h[i] : 0) ^
                                          (unsigned)(unsigned char)s->token[i];
  return diff == 0;
}

static enum MHD_Result send_reply(srv *s, struct MHD_Connection *conn, srv_reply *r) {
  struct MHD_Response *resp = r->raw;
  if (!resp && r->json) {
    char *t = json_dumps(r->json, JSON_COMPACT);
    if (t) {
      size_t n = strlen(t);
      resp = loam_mhd.create_response_from_buffer(n, t, MHD_RESPMEM_MUST_FREE);
      if (resp) loam_mhd.add_response_header(resp, "Content-Type", "application/json");
      else free(t);
    }
  } else if (!resp && r->text) {
    resp = loam_mhd.create_response_from_buffer(r->text_len, r->text, MHD_RESPMEM_MUST_FREE);
    if (resp) {
      r->text = NULL;
      loam_mhd.add_response_header(resp, "Content-Type", r->ctype ? r->ctype : "text/plain");
    }
  } else if (!resp) {
    resp = loam_mhd.create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
  }
  if (!resp) return MHD_NO;
  if (r->status == 401)
    loam_mhd.add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"loam\"");
  if (r->status == 405 && r->allow[0]) loam_mhd.add_response_header(resp, "Allow", r->allow);
  enum MHD_Result ret = loam_mhd.queue_response(conn, r->status, resp);
  loam_mhd.destroy_response(resp);
  unsigned cls = r->status / 100;
  pthread_mutex_lock(&s->mu);
  if (cls >= 1 && cls <= 5) s->requests[cls]++;
  pthread_mutex_unlock(&s->mu);
  return ret;
}

static void reply_free(srv_reply *r) {
  if (r->json) json_decref(r->json);
  free(r->text);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version,
                              const char *upload, size_t *upload_size, void **ctxp) {
  srv *s = cls;
  conn_ctx *c = *ctxp;
  if (!c) {
    c = calloc(1, sizeof *c);
    if (!c) return MHD_NO;
    *ctxp = c;
    const char *cl = loam_mhd.lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > s->max_body) c->too_large = true;
    return MHD_YES;
  }
  if (*upload_size) {
    if (!append(c, upload, *upload_size, s->max_body)) return MHD_NO;
    *upload_size = 0;
    return MHD_YES;
  }
  srv_reply r = {0};
  if (!token_ok(s, conn)) {
    srv_error(&r, 401, "missing or wrong bearer token (Authorization: Bearer ...)");
  } else if (c->too_large) {
    srv_error(&r, 413, "request body larger than the limit of %zu bytes", s->max_body);
  } else {
    srv_req q = {.s = s, .conn = conn, .method = method, .url = url,
                 .body = c->body ? c->body : "", .len = c->len};
    srv_route(&q, &r);
    if (!r.status) srv_error(&r, 500, "no reply for %s %s", method, url);
  }
  enum MHD_Result ret = send_reply(s, conn, &r);
  reply_free(&r);
  return ret;
}

static void completed(void *cls, struct MHD_Connection *conn, void **ctxp,
                      enum MHD_RequestTerminationCode code) {
  conn_ctx *c = *ctxp;
  if (c) {
    free(c->body);
    free(c);
    *ctxp = NULL;
  }
}

struct MHD_Daemon *srv_http_start(srv *s, const struct sockaddr *addr);
struct MHD_Daemon *srv_http_start(srv *s, const struct sockaddr *addr) {
  /* poll, not select: select cannot watch a descriptor past 1023 (the
   * connection limit is 2000), and each connection thread scans its fd_set
   * on every wake-up */
  return loam_mhd.start_daemon(
      MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
          MHD_USE_ERROR_LOG,
      0, NULL, NULL, handle, s, MHD_OPTION_SOCK_ADDR, addr,
      MHD_OPTION_NOTIFY_COMPLETED, completed, s, MHD_OPTION_CONNECTION_LIMIT,
      (unsigned)2000, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_END);
}
