/* router.c — the one table of REST routes: matches method and path (with
 * {template} and {worker} segments), answers 404 for unknown paths and 405
 * (with Allow) for known paths with the wrong method. docs/openapi.json
 * documents the same table. */
#include "srv.h"

#include <stdio.h>
#include <string.h>

typedef struct route {
  const char *method;
  const char *pattern;   /* "/"-separated; "{t}" and "{w}" capture */
  void (*fn)(srv_req *q, srv_reply *r);
} route;

static const route routes[] = {
    {"GET", "/healthz", h_healthz},
    {"GET", "/metrics", h_metrics},
    {"GET", "/v1/openapi.json", h_openapi},
    {"POST", "/v1/templates", h_template_add},
    {"GET", "/v1/templates", h_template_list},
    {"GET", "/v1/templates/{t}", h_template_get},
    {"POST", "/v1/templates/{t}/workers", h_worker_add},
    {"GET", "/v1/templates/{t}/workers", h_worker_list},
    {"GET", "/v1/templates/{t}/workers/{w}", h_worker_get},
    {"DELETE", "/v1/templates/{t}/workers/{w}", h_worker_delete},
    {"POST", "/v1/templates/{t}/workers/{w}/invoke-and-await", h_invoke_await},
    {"POST", "/v1/templates/{t}/workers/{w}/invoke", h_invoke},
    {"POST", "/v1/templates/{t}/workers/{w}/interrupt", h_worker_interrupt},
    {"POST", "/v1/templates/{t}/workers/{w}/resume", h_worker_resume},
    {"GET", "/v1/templates/{t}/workers/{w}/oplog", h_worker_oplog},
    {"GET", "/v1/templates/{t}/workers/{w}/connect", h_connect},
};

#define MAX_SEGS 8

/* Splits path into segments in buf (NUL-separated); -1 if there are too
 * many or one is empty (a "//"). A trailing "/" is allowed. */
static int split(const char *path, char *buf, size_t cap, const char **segs) {
  size_t n = strlen(path);
  if (n == 0 || path[0] != '/' || n >= cap) return -1;
  memcpy(buf, path + 1, n);          /* includes the NUL */
  if (n > 1 && buf[n - 2] == '/') buf[n - 2] = '\0';
  int count = 0;
  char *p = buf;
  if (!*p) return 0;
  for (;;) {
    if (count == MAX_SEGS) return -1;
    char *slash = strchr(p, '/');
    if (slash) *slash = '\0';
    if (!*p) return -1;
    segs[count++] = p;
    if (!slash) return count;
    p = slash + 1;
  }
}

static bool match(const route *rt, const char *const *segs, int n, const char **param) {
  char pat[128];
  const char *ps[MAX_SEGS];
  int pn = split(rt->pattern, pat, sizeof pat, ps);
  if (pn != n) return false;
  for (int i = 0; i < n; i++) {
    if (!strcmp(ps[i], "{t}")) param[0] = segs[i];
    else if (!strcmp(ps[i], "{w}")) param[1] = segs[i];
    else if (strcmp(ps[i], segs[i])) return false;
  }
  return true;
}

void srv_route(srv_req *q, srv_reply *r) {
  char buf[2048];
  const char *segs[MAX_SEGS];
  int n = split(q->url, buf, sizeof buf, segs);
  if (n < 0) {
    srv_error(r, 404, "no such route: %s %.200s", q->method, q->url);
    return;
  }
  bool path_known = false;
  for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
    const char *param[2] = {NULL, NULL};
    if (!match(&routes[i], segs, n, param)) continue;
    bool head_get = !strcmp(q->method, "HEAD") && !strcmp(routes[i].method, "GET");
    if (strcmp(q->method, routes[i].method) && !head_get) {
      if (!path_known) r->allow[0] = '\0';
      path_known = true;
      size_t used = strlen(r->allow);
      snprintf(r->allow + used, sizeof r->allow - used, "%s%s", used ? ", " : "",
               routes[i].method);
      continue;
    }
    q->param[0] = param[0];
    q->param[1] = param[1];
    routes[i].fn(q, r);
    return;
  }
  if (path_known)
    srv_error(r, 405, "method %s not allowed on %.200s (allowed: %s)", q->method, q->url,
              r->allow);
  else
    srv_error(r, 404, "no such route: %s %.200s", q->method, q->url);
}
