/* h_templates.c — the template routes: upload a .wasm as a new version,
 * list, describe (exports with parameter and result types as WIT text). */
#include "srv.h"

#include <stdlib.h>
#include <string.h>

static json_t *type_json(const loam_type *t) {
  char buf[512];
  size_t n = loam_type_print(t, buf, sizeof buf);
  if (n < sizeof buf) return json_string(buf);
  char *big = malloc(n + 1);
  if (!big) return json_string("?");
  loam_type_print(t, big, n + 1);
  json_t *j = json_string(big);
  free(big);
  return j;
}

static json_t *params_json(const loam_wit_param *p, uint32_t n) {
  json_t *a = json_array();
  for (uint32_t i = 0; i < n; i++)
    json_array_append_new(a, json_pack("{s:o,s:o}", "name",
                                       p[i].name ? json_string(p[i].name) : json_null(),
                                       "type", type_json(p[i].type)));
  return a;
}

json_t *srv_template_json(const loam_template_info *t) {
  json_t *ex = json_array();
  for (size_t i = 0; i < t->nexports; i++) {
    const loam_export_info *e = &t->exports[i];
    json_array_append_new(
        ex, json_pack("{s:s,s:s,s:o,s:o}", "name", e->name, "signature",
                      e->signature ? e->signature : "", "params",
                      params_json(e->func->params, e->func->nparams), "results",
                      params_json(e->func->results, e->func->nresults)));
  }
  return json_pack("{s:I,s:s,s:i,s:s,s:I,s:o}", "templateId", (json_int_t)t->id, "name",
                   t->name, "version", (int)t->version, "world", t->world ? t->world : "",
                   "size", (json_int_t)t->wasm_len, "exports", ex);
}

static bool all_digits(const char *s) {
  if (!*s) return false;
  for (; *s; s++)
    if (*s < '0' || *s > '9') return false;
  return true;
}

/* {template} is an id or a name (then ?version= picks one, default the
 * latest). 404 with close names when it is neither. Every invocation comes
 * through here: the executor's template cache answers without a store read
 * (the full list is read only to suggest names after a miss). */
const loam_template_info *srv_find_template(srv_req *q, srv_reply *r) {
  const char *key = q->param[0];
  loam_error err = {0};
  const loam_template_info *found = NULL;
  if (all_digits(key)) found = loam_template_get_id(q->s->ex, strtoull(key, NULL, 10), &err);
  if (found) return found;
  uint64_t ver = 0;
  if (!srv_query_u64(q, r, "version", 0, &ver)) return NULL;
  if (ver <= UINT32_MAX) {   /* larger: no such version, said below */
    found = loam_template_get(q->s->ex, key, (uint32_t)ver, &err);
    if (found) return found;
    if (err.code != LOAM_ERR_NOT_FOUND) {
      srv_error_from(r, &err);
      return NULL;
    }
  }
  const loam_template_info **all = NULL;
  size_t n = loam_template_list(q->s->ex, &all);
  const char **names = calloc(n ? n : 1, sizeof *names);
  size_t m = 0;
  bool named = false;   /* the name exists, the version does not */
  for (size_t i = 0; names && i < n; i++) {
    names[m++] = all[i]->name;
    named = named || !strcmp(all[i]->name, key);
  }
  char hint[512] = "";
  if (!named) srv_suggest(key, names, m, hint, sizeof hint);
  free(names);
  free(all);
  if (named) srv_error(r, 404, "template %.127s has no version %llu", key, (unsigned long long)ver);
  else srv_error(r, 404, "unknown template '%.127s'%s", key, hint);
  return NULL;
}

void h_template_add(srv_req *q, srv_reply *r) {
  const char *name = srv_query(q, "name");
  if (!name) {
    srv_error(r, 400, "missing query parameter 'name' (POST /v1/templates?name=N)");
    return;
  }
  if (!srv_check_name(r, "template", name)) return;
  if (q->len == 0) {
    srv_error(r, 400, "the body must be the template's .wasm module (it is empty)");
    return;
  }
  loam_error err = {0};
  const loam_template_info *t = loam_template_register(
      q->s->ex, name, (const uint8_t *)q->body, q->len, NULL, NULL, &err);
  if (!t) {
    if (err.code == LOAM_ERR_LIMIT || err.code == LOAM_ERR_NOMEM) srv_error_from(r, &err);
    else srv_error(r, 400, "not a valid template: %s", err.message);
    return;
  }
  srv_json(r, 201, srv_template_json(t));
}

void h_template_list(srv_req *q, srv_reply *r) {
  const loam_template_info **all = NULL;
  size_t n = loam_template_list(q->s->ex, &all);
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++) json_array_append_new(a, srv_template_json(all[i]));
  free(all);
  srv_json(r, 200, json_pack("{s:o}", "templates", a));
}

void h_template_get(srv_req *q, srv_reply *r) {
  const loam_template_info *t = srv_find_template(q, r);
  if (t) srv_json(r, 200, srv_template_json(t));
}
