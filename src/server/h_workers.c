/* h_workers.c — the worker routes: create, list (filtered), describe,
 * delete, interrupt, resume, and the oplog as JSON entries. */
#include "srv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *strings_json(const char *const *v, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++) json_array_append_new(a, json_string(v[i]));
  return a;
}

static json_t *worker_json(srv *s, const loam_worker_info *w) {
  json_t *j = json_pack(
      "{s:s,s:s,s:i,s:s,s:I,s:i,s:I,s:o}", "name", w->name, "template", w->template_name,
      "templateVersion", (int)w->template_version, "status", loam_wstatus_name(w->status),
      "oplogLength", (json_int_t)w->oplog_length, "pending", (int)w->pending,
      "invocations", (json_int_t)w->invocations, "lastError",
      w->last_error[0] ? json_string(w->last_error) : json_null());
  if (!j) return json_pack("{s:s}", "name", w->name);
  json_object_set_new(j, "env", strings_json(w->env, w->nenv));
  json_object_set_new(j, "args", strings_json(w->args, w->nargs));
  return j;
}

/* The worker named in the path, or false with a 404 naming close ones. */
static bool find_worker(srv_req *q, srv_reply *r, const loam_template_info **tp,
                        loam_worker_info *out) {
  const loam_template_info *t = srv_find_template(q, r);
  if (!t) return false;
  if (!srv_check_name(r, "worker", q->param[1])) return false;
  loam_error err = {0};
  *tp = t;
  if (loam_worker_get(q->s->ex, t->name, q->param[1], out, &err)) return true;
  if (err.code != LOAM_ERR_NOT_FOUND) {
    srv_error_from(r, &err);
    return false;
  }
  char **names = NULL;
  size_t n = loam_worker_list(q->s->ex, t->name, &names);
  char hint[512];
  srv_suggest(q->param[1], (const char *const *)names, n, hint, sizeof hint);
  loam_worker_list_free(names, n);
  srv_error(r, 404, "unknown worker '%s' of template '%s'%s", q->param[1], t->name, hint);
  return false;
}

/* "env": {"K": "V"} (or ["K=V"]) into K=V strings. */
static bool read_env(srv_reply *r, json_t *env, char ***out, size_t *n) {
  *out = NULL;
  *n = 0;
  if (!env || json_is_null(env)) return true;
  if (json_is_object(env)) {
    *out = calloc(json_object_size(env) + 1, sizeof **out);
    const char *k;
    json_t *v;
    json_object_foreach(env, k, v) {
      if (!json_is_string(v)) {
        srv_error(r, 400, "env.%s: expected string", k);
        return false;
      }
      if (!*k || strchr(k, '=')) {
        srv_error(r, 400, "env.%s: a variable name must be non-empty without '='", k);
        return false;
      }
      size_t len = strlen(k) + json_string_length(v) + 2;
      char *s = malloc(len);
      snprintf(s, len, "%s=%s", k, json_string_value(v));
      (*out)[(*n)++] = s;
    }
    return true;
  }
  if (json_is_array(env)) {
    *out = calloc(json_array_size(env) + 1, sizeof **out);
    size_t i;
    json_t *v;
    json_array_foreach(env, i, v) {
      if (!json_is_string(v) || !strchr(json_string_value(v), '=')) {
        srv_error(r, 400, "env[%zu]: expected string \"K=V\"", i);
        return false;
      }
      (*out)[(*n)++] = strdup(json_string_value(v));
    }
    return true;
  }
  srv_error(r, 400, "env: expected object of strings");
  return false;
}

static bool read_args(srv_reply *r, json_t *args, char ***out, size_t *n) {
  *out = NULL;
  *n = 0;
  if (!args || json_is_null(args)) return true;
  if (!json_is_array(args)) {
    srv_error(r, 400, "args: expected array of strings");
    return false;
  }
  *out = calloc(json_array_size(args) + 1, sizeof **out);
  size_t i;
  json_t *v;
  json_array_foreach(args, i, v) {
    if (!json_is_string(v)) {
      srv_error(r, 400, "args[%zu]: expected string", i);
      return false;
    }
    (*out)[(*n)++] = strdup(json_string_value(v));
  }
  return true;
}

static void free_strs(char **v, size_t n) {
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

void h_worker_add(srv_req *q, srv_reply *r) {
  const loam_template_info *t = srv_find_template(q, r);
  if (!t) return;
  json_t *body = srv_body_object(q, r);
  if (!body) return;
  char **env = NULL, **args = NULL;
  size_t nenv = 0, nargs = 0;
  json_t *name = json_object_get(body, "name");
  const char *key;
  json_t *v;
  json_object_foreach(body, key, v) {
    if (strcmp(key, "name") && strcmp(key, "env") && strcmp(key, "args")) {
      srv_error(r, 400, "%s: unknown field (expected name, env, args)", key);
      goto out;
    }
  }
  if (!json_is_string(name)) {
    srv_error(r, 400, "name: expected string");
    goto out;
  }
  if (!srv_check_name(r, "worker", json_string_value(name))) goto out;
  if (!read_env(r, json_object_get(body, "env"), &env, &nenv)) goto out;
  if (!read_args(r, json_object_get(body, "args"), &args, &nargs)) goto out;
  loam_error err = {0};
  if (!loam_worker_create(q->s->ex, t->name, json_string_value(name), nenv,
                          (const char *const *)env, nargs, (const char *const *)args,
                          &err)) {
    srv_error_from(r, &err);
    goto out;
  }
  loam_worker_info info;
  if (loam_worker_get(q->s->ex, t->name, json_string_value(name), &info, &err))
    srv_json(r, 201, worker_json(q->s, &info));
  else
    srv_error_from(r, &err);
out:
  free_strs(env, nenv);
  free_strs(args, nargs);
  json_decref(body);
}

void h_worker_list(srv_req *q, srv_reply *r) {
  const loam_template_info *t = srv_find_template(q, r);
  if (!t) return;
  const char *want_status = srv_query(q, "status");
  const char *want_name = srv_query(q, "name");
  int status = 0;
  if (want_status) {
    status = (int)loam_wstatus_parse(want_status);
    if (!status) {
      srv_error(r, 400,
                "query parameter 'status': expected one of Running, Idle, Suspended, "
                "Interrupted, Retrying, Failed, Exited");
      return;
    }
  }
  char **names = NULL;
  size_t n = loam_worker_list(q->s->ex, t->name, &names);
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++) {
    if (want_name && !strstr(names[i], want_name)) continue;
    loam_worker_info info;
    loam_error err = {0};
    if (!loam_worker_get(q->s->ex, t->name, names[i], &info, &err)) continue;
    if (status && (int)info.status != status) continue;
    json_array_append_new(a, worker_json(q->s, &info));
  }
  loam_worker_list_free(names, n);
  srv_json(r, 200, json_pack("{s:o}", "workers", a));
}

void h_worker_get(srv_req *q, srv_reply *r) {
  const loam_template_info *t;
  loam_worker_info info;
  if (find_worker(q, r, &t, &info)) srv_json(r, 200, worker_json(q->s, &info));
}

void h_worker_delete(srv_req *q, srv_reply *r) {
  const loam_template_info *t;
  loam_worker_info info;
  if (!find_worker(q, r, &t, &info)) return;
  loam_error err = {0};
  if (!loam_worker_delete(q->s->ex, t->name, info.name, &err)) srv_error_from(r, &err);
  else srv_json(r, 200, json_pack("{s:s,s:b}", "name", info.name, "deleted", 1));
}

static void control(srv_req *q, srv_reply *r, bool interrupt) {
  const loam_template_info *t;
  loam_worker_info info;
  if (!find_worker(q, r, &t, &info)) return;
  loam_error err = {0};
  bool ok = interrupt ? loam_worker_interrupt(q->s->ex, t->name, info.name, &err)
                      : loam_worker_resume(q->s->ex, t->name, info.name, &err);
  if (!ok) {
    /* Resuming a worker that is not interrupted is a state conflict. */
    if (err.code == LOAM_ERR_ARGUMENT) srv_error(r, 409, "%s", err.message);
    else srv_error_from(r, &err);
    return;
  }
  if (loam_worker_get(q->s->ex, t->name, info.name, &info, &err))
    srv_json(r, 200, worker_json(q->s, &info));
  else
    srv_error_from(r, &err);
}

void h_worker_interrupt(srv_req *q, srv_reply *r) { control(q, r, true); }
void h_worker_resume(srv_req *q, srv_reply *r) { control(q, r, false); }

/* ---- oplog ------------------------------------------------------------ */

void h_worker_oplog(srv_req *q, srv_reply *r) {
  const loam_template_info *t;
  loam_worker_info info;
  if (!find_worker(q, r, &t, &info)) return;
  uint64_t from, count;
  if (!srv_query_u64(q, r, "from", 1, &from)) return;
  if (!srv_query_u64(q, r, "count", 100, &count)) return;
  if (count == 0 || count > 10000) {
    srv_error(r, 400, "query parameter 'count': expected 1 to 10000");
    return;
  }
  loam_error err = {0};
  char *text = loam_worker_oplog_json(q->s->ex, t->name, info.name, from, count, &err);
  if (!text) {
    srv_error_from(r, &err);
    return;
  }
  json_t *entries = json_loads(text, 0, NULL);
  free(text);
  if (!entries) {
    srv_error(r, 500, "internal error: the oplog's JSON did not parse");
    return;
  }
  srv_json(r, 200, json_pack("{s:o}", "entries", entries));
}
