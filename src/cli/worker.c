/* worker.c — `loam worker ...`: create, inspect, invoke and control workers
 * on a loam server. Arguments of invocations are WAVE text, converted by
 * the server with the export's WIT types (or JSON with --json '[...]'). */
#include "client/cliutil.h"
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out) {
  fprintf(out,
      "usage: loam worker <command> ... [--url U] [--json]\n"
      "  add TEMPLATE/WORKER [--env K=V]... [-- ARGS...]\n"
      "  get TEMPLATE/WORKER\n"
      "  list TEMPLATE [--status S] [--name SUBSTRING]\n"
      "  delete | interrupt | resume TEMPLATE/WORKER\n"
      "  oplog TEMPLATE/WORKER [--from N] [--count N]\n"
      "  invoke-and-await TEMPLATE/WORKER FUNCTION [ARG...] [--idempotency-key K]\n"
      "  invoke TEMPLATE/WORKER FUNCTION [ARG...] [--idempotency-key K]\n"
      "  connect TEMPLATE/WORKER      (prints the worker's live stdout/stderr)\n"
      "Each ARG is a value in WAVE syntax (e.g. 42, \"text\", '{name: \"Mug\", price: 9.5}');\n"
      "--json '[...]' (or --params '[...]') gives all parameters as a JSON array instead.\n"
      "Results print in WAVE, or as the server's JSON with --json.\n"
      "The server is --url, else $LOAM_URL, else http://127.0.0.1:9881; a bearer\n"
      "token is taken from $LOAM_TOKEN.\n");
}

typedef struct opts {
  loam_cli c;
  const char *pos[3];
  int npos;
  json_t *env;          /* object */
  json_t *args;         /* array, after -- */
  json_t *wave;         /* array of WAVE strings (invoke ARGs) */
  const char *params_json;
  const char *status, *name, *from, *count, *key;
} opts;

static bool value_opt(int argc, char **argv, int *i, const char *name, const char **out) {
  if (strcmp(argv[*i], name)) return false;
  if (*i + 1 >= argc) {
    fprintf(stderr, "loam worker: %s needs a value\n", name);
    exit(2);
  }
  *out = argv[++*i];
  return true;
}

static bool parse(opts *o, int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = NULL;
    bool bad = false;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      exit(0);
    }
    if (!strcmp(a, "--")) {
      for (i++; i < argc; i++) json_array_append_new(o->args, json_string(argv[i]));
      break;
    }
    if (!strcmp(a, "--json") && i + 1 < argc && argv[i + 1][0] == '[') {
      o->c.json = true;
      o->params_json = argv[++i];
      continue;
    }
    if (loam_cli_common_opt(&o->c, argc, argv, &i, &bad)) {
      if (bad) return false;
      continue;
    }
    if (value_opt(argc, argv, &i, "--env", &v)) {
      const char *eq = strchr(v, '=');
      if (!eq || eq == v) {
        fprintf(stderr, "loam worker: --env needs K=V, got '%s'\n", v);
        return false;
      }
      char *k = strndup(v, (size_t)(eq - v));
      json_object_set_new(o->env, k, json_string(eq + 1));
      free(k);
      continue;
    }
    if (value_opt(argc, argv, &i, "--params", &o->params_json) ||
        value_opt(argc, argv, &i, "--status", &o->status) ||
        value_opt(argc, argv, &i, "--name", &o->name) ||
        value_opt(argc, argv, &i, "--from", &o->from) ||
        value_opt(argc, argv, &i, "--count", &o->count) ||
        value_opt(argc, argv, &i, "--idempotency-key", &o->key))
      continue;
    if (o->npos < 3) {
      o->pos[o->npos++] = a;
    } else if (a[0] == '-' && a[1] == '-') {
      fprintf(stderr, "loam worker: unknown option '%s'\n", a);
      return false;
    } else {
      /* invoke arguments: WAVE values (which may start with '-') */
      json_array_append_new(o->wave, json_string(a));
    }
  }
  return true;
}

static void print_worker(const json_t *w) {
  printf("worker %s/%s\n", loam_cli_str(w, "template"), loam_cli_str(w, "name"));
  printf("  status:           %s\n", loam_cli_str(w, "status"));
  printf("  template version: %lld\n", json_integer_value(json_object_get(w, "templateVersion")));
  printf("  oplog length:     %lld\n", json_integer_value(json_object_get(w, "oplogLength")));
  printf("  pending:          %lld\n", json_integer_value(json_object_get(w, "pending")));
  printf("  invocations:      %lld\n", json_integer_value(json_object_get(w, "invocations")));
  const char *err = loam_cli_str(w, "lastError");
  if (*err) printf("  last error:       %s\n", err);
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(w, "env"), i, e)
    printf("  env:              %s\n", json_string_value(e));
  json_array_foreach(json_object_get(w, "args"), i, e)
    printf("  arg:              %s\n", json_string_value(e));
}

static void print_worker_table(const json_t *list) {
  printf("%-24s %-12s %-7s %-8s %-7s %s\n", "NAME", "STATUS", "VERSION", "OPLOG", "PENDING",
         "INVOCATIONS");
  size_t i;
  json_t *w;
  json_array_foreach(list, i, w)
    printf("%-24s %-12s %-7lld %-8lld %-7lld %lld\n", loam_cli_str(w, "name"),
           loam_cli_str(w, "status"), json_integer_value(json_object_get(w, "templateVersion")),
           json_integer_value(json_object_get(w, "oplogLength")),
           json_integer_value(json_object_get(w, "pending")),
           json_integer_value(json_object_get(w, "invocations")));
}

static void print_oplog(const json_t *entries) {
  size_t i;
  json_t *e;
  json_array_foreach(entries, i, e) {
    json_t *rest = json_deep_copy(e);
    json_object_del(rest, "index");
    json_object_del(rest, "kind");
    char *s = json_dumps(rest, JSON_COMPACT);
    printf("#%-5lld %-16s %s\n", json_integer_value(json_object_get(e, "index")),
           loam_cli_str(e, "kind"), s ? s : "");
    free(s);
    json_decref(rest);
  }
}

/* SSE from /connect: "event: stdout|stderr" then "data: LINE". */
typedef struct sse {
  char line[8192];
  size_t len;
  int stream;
} sse;

static void sse_line(sse *s) {
  s->line[s->len] = '\0';
  if (!strncmp(s->line, "event: ", 7)) s->stream = strcmp(s->line + 7, "stderr") ? 1 : 2;
  else if (!strncmp(s->line, "data: ", 6)) {
    FILE *f = s->stream == 2 ? stderr : stdout;
    fprintf(f, "%s\n", s->line + 6);
    fflush(f);
  } else if (!strncmp(s->line, "{\"error\"", 8)) {
    fprintf(stderr, "loam: %s\n", s->line);
  }
  s->len = 0;
}

static size_t on_sse(const char *data, size_t n, void *ud) {
  sse *s = ud;
  for (size_t i = 0; i < n; i++) {
    if (data[i] == '\n') sse_line(s);
    else if (s->len + 1 < sizeof s->line) s->line[s->len++] = data[i];
  }
  return n;
}

static int connect_cmd(opts *o, const char *base) {
  char path[700];
  snprintf(path, sizeof path, "%s/connect", base);
  sse s = {.stream = 1};
  loam_http_resp r;
  bool ok = loam_client_stream(&o->c.client, path, on_sse, &s, &r);
  if (s.len) sse_line(&s);
  if (!ok) fprintf(stderr, "loam: %s\n", r.error);
  loam_http_resp_free(&r);
  return ok && r.status == 200 ? 0 : 1;
}

static json_t *invoke_cmd(opts *o, const char *base, bool await) {
  if (o->npos < 3) {
    fprintf(stderr, "loam worker: %s needs TEMPLATE/WORKER FUNCTION\n",
            await ? "invoke-and-await" : "invoke");
    return NULL;
  }
  json_t *body;
  if (o->params_json) {
    json_error_t je;
    json_t *p = json_loads(o->params_json, 0, &je);
    if (!json_is_array(p) || json_array_size(o->wave)) {
      fprintf(stderr, "loam worker: --json needs a JSON array of all parameters%s%s\n",
              p ? "" : ": ", p ? "" : je.text);
      json_decref(p);
      return NULL;
    }
    body = json_pack("{s:o}", "params", p);
  } else {
    body = json_pack("{s:O}", "wave", o->wave);
  }
  char *text = json_dumps(body, JSON_COMPACT);
  json_decref(body);
  char *fn = loam_client_escape(o->pos[2]);
  char path[900];
  snprintf(path, sizeof path, "%s/%s?function=%s%s", base,
           await ? "invoke-and-await" : "invoke", fn, await ? "&format=wave" : "");
  free(fn);
  char hdr[200];
  const char *headers[2] = {NULL, NULL};
  if (o->key) {
    snprintf(hdr, sizeof hdr, "Idempotency-Key: %s", o->key);
    headers[0] = hdr;
  }
  json_t *j = loam_cli_call(&o->c, "POST", path, "application/json", text, strlen(text),
                            headers, NULL);
  free(text);
  if (j && !o->c.json) {
    if (await) {
      const char *w = loam_cli_str(j, "wave");
      if (strcmp(w, "()")) printf("%s\n", w);
    } else {
      printf("accepted (idempotency key %s)\n", loam_cli_str(j, "idempotencyKey"));
    }
  }
  if (j && o->c.json && await) {
    /* --json prints the result itself, not the envelope. */
    json_t *res = json_incref(json_object_get(j, "result"));
    json_decref(j);
    j = res ? res : json_null();
  }
  return j;
}

static int run(opts *o) {
  if (o->npos < 2) {
    usage(stderr);
    return 2;
  }
  const char *sub = o->pos[0];
  json_t *j = NULL;
  char path[700];
  if (!strcmp(sub, "list")) {
    char *t = loam_client_escape(o->pos[1]);
    char *st = loam_client_escape(o->status ? o->status : "");
    char *nm = loam_client_escape(o->name ? o->name : "");
    snprintf(path, sizeof path, "/v1/templates/%s/workers?%s%s%s%s", t,
             o->status ? "status=" : "", st, o->name ? "&name=" : "", nm);
    free(t), free(st), free(nm);
    j = loam_cli_call(&o->c, "GET", path, NULL, NULL, 0, NULL, NULL);
    if (j && !o->c.json) print_worker_table(json_object_get(j, "workers"));
    goto done;
  }
  char *te, *we;
  if (!loam_cli_split_worker(o->pos[1], &te, &we)) return 2;
  char base[600];
  snprintf(base, sizeof base, "/v1/templates/%s/workers/%s", te, we);
  if (!strcmp(sub, "add")) {
    json_t *body = json_pack("{s:s,s:O,s:O}", "name", strchr(o->pos[1], '/') + 1, "env",
                             o->env, "args", o->args);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    snprintf(path, sizeof path, "/v1/templates/%s/workers", te);
    j = loam_cli_call(&o->c, "POST", path, "application/json", text, strlen(text), NULL,
                      NULL);
    free(text);
    if (j && !o->c.json) print_worker(j);
  } else if (!strcmp(sub, "get")) {
    j = loam_cli_call(&o->c, "GET", base, NULL, NULL, 0, NULL, NULL);
    if (j && !o->c.json) print_worker(j);
  } else if (!strcmp(sub, "delete")) {
    j = loam_cli_call(&o->c, "DELETE", base, NULL, NULL, 0, NULL, NULL);
    if (j && !o->c.json) printf("deleted %s\n", o->pos[1]);
  } else if (!strcmp(sub, "interrupt") || !strcmp(sub, "resume")) {
    snprintf(path, sizeof path, "%s/%s", base, sub);
    j = loam_cli_call(&o->c, "POST", path, NULL, NULL, 0, NULL, NULL);
    if (j && !o->c.json) printf("%s: %s\n", o->pos[1], loam_cli_str(j, "status"));
  } else if (!strcmp(sub, "oplog")) {
    snprintf(path, sizeof path, "%s/oplog?from=%s&count=%s", base, o->from ? o->from : "1",
             o->count ? o->count : "1000");
    j = loam_cli_call(&o->c, "GET", path, NULL, NULL, 0, NULL, NULL);
    if (j && !o->c.json) print_oplog(json_object_get(j, "entries"));
  } else if (!strcmp(sub, "invoke-and-await") || !strcmp(sub, "invoke")) {
    j = invoke_cmd(o, base, sub[6] == '-');
  } else if (!strcmp(sub, "connect")) {
    free(te), free(we);
    return connect_cmd(o, base);
  } else {
    fprintf(stderr, "loam worker: unknown command '%s'\n", sub);
    free(te), free(we);
    usage(stderr);
    return 2;
  }
  free(te), free(we);
done:
  if (!j) return 1;
  if (o->c.json) loam_cli_print_json(j);
  json_decref(j);
  return 0;
}

int loam_cmd_worker(int argc, char **argv) {
  opts o = {0};
  loam_client_init(&o.c.client, NULL);
  o.env = json_object();
  o.args = json_array();
  o.wave = json_array();
  int rc = parse(&o, argc, argv) ? run(&o) : 2;
  json_decref(o.env);
  json_decref(o.args);
  json_decref(o.wave);
  return rc;
}
