/* reply.c — building replies and reading request pieces for the handlers:
 * JSON bodies, {"error": msg} replies, query parameters, name checks. */
#include "srv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void srv_json(srv_reply *r, unsigned status, json_t *j) {
  if (r->json) json_decref(r->json);
  r->status = status;
  r->json = j;
}

void srv_error(srv_reply *r, unsigned status, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  json_t *j = json_pack("{s:s}", "error", msg);
  if (!j) {
    /* The message echoed bytes that are not UTF-8: blank them out. */
    for (char *p = msg; *p; p++)
      if ((unsigned char)*p >= 0x80) *p = '?';
    j = json_pack("{s:s}", "error", msg);
  }
  srv_json(r, status, j);
  /* Internal failures are the operator's business: log them. */
  if (status >= 500) srv_log("error: %s", msg);
}

void srv_error_from(srv_reply *r, const loam_error *e) {
  const char *m = e->message[0] ? e->message : loam_status_text(e->code);
  /* Duplicates ("already exists") and workers in the wrong state ("worker
   * t/w is Failed", "... is not interrupted") are conflicts, not bad input. */
  bool conflict = strstr(m, "already exists") || !strncmp(m, "worker ", 7);
  if (conflict && (e->code == LOAM_ERR_ARGUMENT || e->code == LOAM_ERR_INVALID)) {
    srv_error(r, 409, "%s", m);
    return;
  }
  switch (e->code) {
  case LOAM_ERR_NOT_FOUND: srv_error(r, 404, "%s", m); return;
  case LOAM_ERR_ARGUMENT:
  case LOAM_ERR_MALFORMED:
  case LOAM_ERR_INVALID:
  case LOAM_ERR_UNKNOWN_IMPORT:
  case LOAM_ERR_IMPORT_TYPE: srv_error(r, 400, "%s", m); return;
  case LOAM_TRAP_INTERRUPTED: srv_error(r, 409, "interrupted: %s", m); return;
  default: break;
  }
  if (LOAM_IS_TRAP(e->code)) {
    /* The guest failed, not the server: 422 with the trap and its stack. */
    json_t *j = json_pack("{s:s,s:s}", "error", m, "trap", loam_status_text(e->code));
    if (!j) { /* not UTF-8: srv_error blanks such bytes out */
      srv_error(r, 422, "%s", m);
      return;
    }
    json_t *stack = e->backtrace[0] ? json_string(e->backtrace) : NULL;
    if (stack) json_object_set_new(j, "stack", stack);
    srv_json(r, 422, j);
    return;
  }
  srv_error(r, 500, "%s", m);
}

void srv_log(const char *fmt, ...) {
  char ts[32];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s loam server: ", ts);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

const char *srv_query(const srv_req *q, const char *name) {
  return loam_mhd.lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, name);
}

json_t *srv_body_object(const srv_req *q, srv_reply *r) {
  if (q->len == 0) {
    srv_error(r, 400, "the request needs a JSON object body");
    return NULL;
  }
  json_error_t je;
  json_t *j = json_loadb(q->body, q->len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
  if (!j) {
    srv_error(r, 400, "malformed JSON at line %d, column %d: %s", je.line, je.column,
              je.text);
    return NULL;
  }
  if (!json_is_object(j)) {
    json_decref(j);
    srv_error(r, 400, "the body must be a JSON object");
    return NULL;
  }
  return j;
}

bool srv_query_u64(const srv_req *q, srv_reply *r, const char *name, uint64_t def,
                   uint64_t *out) {
  const char *v = srv_query(q, name);
  *out = def;
  if (!v) return true;
  char *end = NULL;
  if (!*v || *v == '-' || *v == '+') goto bad;
  unsigned long long n = strtoull(v, &end, 10);
  if (*end) goto bad;
  *out = n;
  return true;
bad:
  srv_error(r, 400, "query parameter '%s': expected an unsigned integer, got \"%.64s\"",
            name, v);
  return false;
}

bool srv_check_name(srv_reply *r, const char *what, const char *name) {
  size_t n = name ? strlen(name) : 0;
  if (n == 0 || n > 127) {
    srv_error(r, 400, "%s name must be 1 to 127 characters", what);
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == ':';
    if (!ok) {
      /* The name itself is not echoed: it may not even be UTF-8. */
      srv_error(r, 400, "%s name has a character outside [A-Za-z0-9._:-] at byte %zu",
                what, i);
      return false;
    }
  }
  return true;
}
