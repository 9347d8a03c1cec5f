/* template.c — `loam template add|list|get`: templates on a loam server. */
#include "client/cliutil.h"
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out) {
  fprintf(out,
          "usage: loam template add NAME FILE.wasm | list | get NAME   [--url U] [--json]\n"
          "  add   upload FILE.wasm as a new version of template NAME\n"
          "  list  every template version\n"
          "  get   one template (the latest version) with its exports\n"
          "The server is --url, else $LOAM_URL, else http://127.0.0.1:9881; a bearer\n"
          "token is taken from $LOAM_TOKEN.\n");
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  size_t cap = 0, n = 0;
  for (;;) {
    if (n == cap) {
      cap = cap ? cap * 2 : 65536;
      char *b = realloc(buf, cap);
      if (!b) break;
      buf = b;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  fclose(f);
  *len = n;
  return buf;
}

static void print_exports(const json_t *t) {
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(t, "exports"), i, e)
    printf("  %s: %s\n", loam_cli_str(e, "name"), loam_cli_str(e, "signature"));
}

static void print_template(const json_t *t) {
  printf("template %s version %lld (id %lld, world %s, %lld bytes)\n",
         loam_cli_str(t, "name"), json_integer_value(json_object_get(t, "version")),
         json_integer_value(json_object_get(t, "templateId")), loam_cli_str(t, "world"),
         json_integer_value(json_object_get(t, "size")));
  print_exports(t);
}

int loam_cmd_template(int argc, char **argv) {
  loam_cli c = {0};
  loam_client_init(&c.client, NULL);
  const char *pos[3];
  int npos = 0;
  bool bad = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return 0;
    }
    if (loam_cli_common_opt(&c, argc, argv, &i, &bad)) continue;
    if (argv[i][0] == '-' || npos == 3) {
      fprintf(stderr, "loam template: unexpected argument '%s'\n", argv[i]);
      bad = true;
      break;
    }
    pos[npos++] = argv[i];
  }
  if (bad || npos == 0) {
    usage(stderr);
    return 2;
  }
  const char *sub = pos[0];
  json_t *j = NULL;
  if (!strcmp(sub, "add") && npos == 3) {
    size_t len = 0;
    char *wasm = read_file(pos[2], &len);
    if (!wasm) {
      fprintf(stderr, "loam: cannot read '%s'\n", pos[2]);
      return 1;
    }
    char *name = loam_client_escape(pos[1]);
    char path[600];
    snprintf(path, sizeof path, "/v1/templates?name=%s", name);
    free(name);
    j = loam_cli_call(&c, "POST", path, "application/wasm", wasm, len, NULL, NULL);
    free(wasm);
    if (j && !c.json) print_template(j);
  } else if (!strcmp(sub, "list") && npos == 1) {
    j = loam_cli_call(&c, "GET", "/v1/templates", NULL, NULL, 0, NULL, NULL);
    if (j && !c.json) {
      printf("%-6s %-24s %-7s %s\n", "ID", "NAME", "VERSION", "EXPORTS");
      size_t i;
      json_t *t;
      json_array_foreach(json_object_get(j, "templates"), i, t)
        printf("%-6lld %-24s %-7lld %zu\n",
               json_integer_value(json_object_get(t, "templateId")),
               loam_cli_str(t, "name"), json_integer_value(json_object_get(t, "version")),
               json_array_size(json_object_get(t, "exports")));
    }
  } else if (!strcmp(sub, "get") && npos == 2) {
    char *name = loam_client_escape(pos[1]);
    char path[600];
    snprintf(path, sizeof path, "/v1/templates/%s", name);
    free(name);
    j = loam_cli_call(&c, "GET", path, NULL, NULL, 0, NULL, NULL);
    if (j && !c.json) print_template(j);
  } else {
    fprintf(stderr, "loam template: unknown or incomplete command\n");
    usage(stderr);
    return 2;
  }
  if (!j) return 1;
  if (c.json) loam_cli_print_json(j);
  json_decref(j);
  return 0;
}
