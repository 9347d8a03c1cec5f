/* h_invoke.c — invoke-and-await (waits for the committed result) and invoke
 * (202 once durably accepted): JSON params checked against the export's
 * WIT types, errors naming the path and the expected type. */
#include "srv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct call {
  const loam_template_info *t;
  const loam_export_info *e;
  loam_value **params;
  size_t nparams;
  const char *key;
} call;

static void call_free(call *c) {
  for (size_t i = 0; i < c->nparams; i++) loam_value_free(c->params[i]);
  free(c->params);
}

/* Everything before running: template, worker name, function, params. */
static bool prepare(srv_req *q, srv_reply *r, call *c) {
  memset(c, 0, sizeof *c);
  c->t = srv_find_template(q, r);
  if (!c->t) return false;
  if (!srv_check_name(r, "worker", q->param[1])) return false;
  const char *fn = srv_query(q, "function");
  if (!fn || !*fn) {
    srv_error(r, 400, "missing query parameter 'function'");
    return false;
  }
  loam_error err = {0};
  c->e = loam_template_find_export(c->t, fn, &err);
  if (!c->e) {
    srv_error(r, 404, "%s", err.message);
    return false;
  }
  c->key = loam_mhd.lookup_connection_value(q->conn, MHD_HEADER_KIND, "Idempotency-Key");
  if (c->key && (!*c->key || strlen(c->key) > 64)) {
    srv_error(r, 400, "Idempotency-Key must be 1 to 64 characters");
    return false;
  }
  for (const char *p = c->key; p && *p; p++)
    if (*p <= 0x20 || *p >= 0x7f) {
      srv_error(r, 400, "Idempotency-Key must be printable ASCII without spaces");
      return false;
    }
  json_t *params = NULL, *body = NULL;
  uint32_t want = c->e->func->nparams;
  if (q->len == 0 && want == 0) return true; /* no body for no params is fine */
  body = srv_body_object(q, r);
  if (!body) return false;
  const char *k;
  json_t *v;
  json_object_foreach(body, k, v) {
    if (strcmp(k, "params") && strcmp(k, "wave")) {
      srv_error(r, 400, "%s: unknown field (expected params or wave)", k);
      goto fail;
    }
  }
  /* "wave": the same parameters as WAVE text, converted here where the
   * export's types are known (the CLI sends its arguments this way). */
  bool wave = json_object_get(body, "wave") != NULL;
  if (wave && json_object_get(body, "params")) {
    srv_error(r, 400, "give either params or wave, not both");
    goto fail;
  }
  params = json_object_get(body, wave ? "wave" : "params");
  const char *field = wave ? "wave" : "params";
  if (!params && want == 0) {
    json_decref(body);
    return true;
  }
  if (!json_is_array(params)) {
    srv_error(r, 400, "%s: expected array", field);
    goto fail;
  }
  if (json_array_size(params) != want) {
    srv_error(r, 400, "%s: %s takes %u parameter%s (%s), got %zu", field, c->e->name,
              want, want == 1 ? "" : "s", c->e->signature, json_array_size(params));
    goto fail;
  }
  c->params = calloc(want ? want : 1, sizeof *c->params);
  for (uint32_t i = 0; i < want; i++) {
    char path[32];
    snprintf(path, sizeof path, "%s[%u]", field, i);
    loam_verr verr = {{0}};
    const loam_type *ty = c->e->func->params[i].type;
    json_t *item = json_array_get(params, i);
    loam_value *val = NULL;
    if (!wave) {
      val = loam_value_from_jansson(ty, item, path, &verr);
    } else if (!json_is_string(item)) {
      snprintf(verr.message, sizeof verr.message, "%s: expected string (WAVE text)", path);
    } else {
      val = loam_value_from_wave(ty, json_string_value(item), json_string_length(item),
                                 &verr);
      if (!val) {
        char m[sizeof verr.message];
        snprintf(m, sizeof m, "%s", verr.message);
        snprintf(verr.message, sizeof verr.message, "%s (%.64s): %.400s", path,
                 c->e->func->params[i].name ? c->e->func->params[i].name : "", m);
      }
    }
    if (!val) {
      srv_error(r, 400, "%s", verr.message);
      goto fail;
    }
    c->params[c->nparams++] = val;
  }
  json_decref(body);
  return true;
fail:
  json_decref(body);
  call_free(c);
  return false;
}

static json_t *result_json(const loam_export_info *e, const loam_invoke_result *res) {
  if (res->nvalues == 0) return json_null();
  if (res->nvalues == 1 && e->func->results_kind != LOAM_WIT_RESULTS_NAMED) {
    json_t *j = loam_value_to_jansson(res->values[0]);
    return j ? j : json_null();
  }
  json_t *o = json_object();
  for (uint32_t i = 0; i < res->nvalues; i++) {
    const char *n = i < e->func->nresults && e->func->results[i].name
                        ? e->func->results[i].name : "result";
    json_t *j = loam_value_to_jansson(res->values[i]);
    json_object_set_new(o, n, j ? j : json_null());
  }
  return o;
}

/* The result as WAVE text: one value alone, several as a tuple. */
static json_t *result_wave(const loam_invoke_result *res) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) return json_null();
  if (res->nvalues != 1) fputc('(', f);
  for (uint32_t i = 0; i < res->nvalues; i++) {
    char *w = loam_value_to_wave(res->values[i]);
    fprintf(f, "%s%s", i ? ", " : "", w ? w : "?");
    free(w);
  }
  if (res->nvalues != 1) fputc(')', f);
  fclose(f);
  json_t *j = json_string(buf);
  free(buf);
  return j ? j : json_null();
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void h_invoke_await(srv_req *q, srv_reply *r) {
  call c;
  if (!prepare(q, r, &c)) return;
  double t0 = now_s();
  loam_invoke_result res = {0};
  loam_error err = {0};
  loam_status st = loam_invoke_and_await(q->s->ex, c.t->name, q->param[1], c.e->name,
                                         c.params, c.nparams, c.key, &res, &err);
  if (st == LOAM_OK) {
    json_t *j = json_pack("{s:o}", "result", result_json(c.e, &res));
    const char *fmt = srv_query(q, "format");
    if (fmt && !strcmp(fmt, "wave")) json_object_set_new(j, "wave", result_wave(&res));
    srv_json(r, 200, j);
    loam_invoke_result_free(&res);
    srv_record_latency(q->s, now_s() - t0);
  } else {
    if (!err.code) err.code = st;
    srv_error_from(r, &err);
  }
  call_free(&c);
}

void h_invoke(srv_req *q, srv_reply *r) {
  call c;
  if (!prepare(q, r, &c)) return;
  char key[72] = "";
  loam_error err = {0};
  loam_status st = loam_invoke(q->s->ex, c.t->name, q->param[1], c.e->name, c.params,
                               c.nparams, c.key, key, &err);
  if (st == LOAM_OK) {
    srv_json(r, 202, json_pack("{s:s}", "idempotencyKey", key));
  } else {
    if (!err.code) err.code = st;
    srv_error_from(r, &err);
  }
  call_free(&c);
}
