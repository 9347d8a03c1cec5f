/* build/project.c — reads a guest project file (loam.toml): the small part
 * of TOML `loam build` needs, `key = "string"` and `key = ["a", "b"]`. */
#define _GNU_SOURCE
#include "build/build.h"
#include "wasm/module.h"   /* wasm_fail */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A path in the project: relative ones are taken from the project dir. */
static char *rel(const loam_project *p, const char *v) {
  char *s = NULL;
  if (v[0] == '/' || !strcmp(p->dir, ".")) return strdup(v);
  return asprintf(&s, "%s/%s", p->dir, v) < 0 ? NULL : s;
}

/* Parses one "..." at *s (no escapes but \" and \\); advances *s. */
static char *quoted(const char **s) {
  const char *p = *s;
  if (*p != '"') return NULL;
  p++;
  char *out = malloc(strlen(p) + 1), *o = out;
  if (!out) return NULL;
  while (*p && *p != '"') {
    if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) p++;
    *o++ = *p++;
  }
  if (*p != '"') {
    free(out);
    return NULL;
  }
  *o = '\0';
  *s = p + 1;
  return out;
}

static bool list(const char *v, char ***items, size_t *n) {
  if (*v++ != '[') return false;
  for (;;) {
    while (isspace((unsigned char)*v) || *v == ',') v++;
    if (*v == ']') return true;
    char *s = quoted(&v);
    if (!s) return false;
    char **grown = realloc(*items, (*n + 1) * sizeof *grown);
    if (!grown) {
      free(s);
      return false;
    }
    *items = grown;
    (*items)[(*n)++] = s;
  }
}

static bool set(loam_project *p, const char *key, const char *v) {
  char **slot = !strcmp(key, "wit")        ? &p->wit
                : !strcmp(key, "world")    ? &p->world
                : !strcmp(key, "output")   ? &p->output
                : !strcmp(key, "bindings") ? &p->bindings
                                           : NULL;
  if (slot) {
    char *s = quoted(&v);
    if (!s) return false;
    free(*slot);
    *slot = strcmp(key, "world") ? rel(p, s) : strdup(s);
    free(s);
    return *slot != NULL;
  }
  if (!strcmp(key, "sources") || !strcmp(key, "cflags")) {
    bool src = key[0] == 's';
    char ***items = src ? &p->sources : &p->cflags;
    size_t *n = src ? &p->nsources : &p->ncflags;
    if (!list(v, items, n)) return false;
    for (size_t i = 0; src && i < *n; i++) {
      char *r = rel(p, (*items)[i]);
      if (!r) return false;
      free((*items)[i]);
      (*items)[i] = r;
    }
    return true;
  }
  return true;   /* unknown keys (name, version, ...) are for people */
}

bool loam_project_load(const char *path, loam_project *p, loam_error *err) {
  memset(p, 0, sizeof *p);
  FILE *f = fopen(path, "r");
  if (!f) return wasm_fail(err, LOAM_ERR_NOT_FOUND, "%s: %s", path, strerror(errno));
  const char *slash = strrchr(path, '/');
  p->dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
  char line[4096];
  int lineno = 0;
  bool ok = p->dir != NULL;
  while (ok && fgets(line, sizeof line, f)) {
    lineno++;
    char *s = line;
    while (isspace((unsigned char)*s)) s++;
    if (!*s || *s == '#' || *s == '[') continue;
    char *eq = strchr(s, '=');
    if (!eq) {
      ok = wasm_fail(err, LOAM_ERR_INVALID, "%s:%d: expected key = value", path, lineno);
      break;
    }
    char *k = s, *ke = eq;
    while (ke > k && isspace((unsigned char)ke[-1])) ke--;
    *ke = '\0';
    char *v = eq + 1;
    while (isspace((unsigned char)*v)) v++;
    if (!set(p, k, v))
      ok = wasm_fail(err, LOAM_ERR_INVALID, "%s:%d: bad value for %s", path, lineno, k);
  }
  fclose(f);
  if (ok && (!p->wit || !p->output || !p->nsources))
    ok = wasm_fail(err, LOAM_ERR_INVALID, "%s: needs wit, output and sources", path);
  if (!ok) loam_project_free(p);
  return ok;
}

void loam_project_free(loam_project *p) {
  free(p->dir);
  free(p->wit);
  free(p->world);
  free(p->output);
  free(p->bindings);
  for (size_t i = 0; i < p->nsources; i++) free(p->sources[i]);
  for (size_t i = 0; i < p->ncflags; i++) free(p->cflags[i]);
  free(p->sources);
  free(p->cflags);
  memset(p, 0, sizeof *p);
}
