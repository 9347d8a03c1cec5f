/* bindgen/util.c — text buffers, owned strings and C naming for the generator. */
#define _GNU_SOURCE
#include "bindgen/bg.h"
#include "wasm/module.h"   /* wasm_fail */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reserve(bg_buf *b, size_t more) {
  if (b->oom) return false;
  if (b->len + more + 1 <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + more + 1) cap *= 2;
  char *s = realloc(b->s, cap);
  if (!s) {
    b->oom = true;
    return false;
  }
  b->s = s;
  b->cap = cap;
  return true;
}

void bg_printf(bg_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || !reserve(b, (size_t)n)) return;
  va_start(ap, fmt);
  vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

void bg_buf_free(bg_buf *b) {
  free(b->s);
  memset(b, 0, sizeof *b);
}

static char *keep(bg *g, char *s) {
  if (!s) {
    g->failed = true;
    return "";
  }
  if (g->nstrs == g->capstrs) {
    size_t cap = g->capstrs ? 2 * g->capstrs : 64;
    char **n = realloc(g->strs, cap * sizeof *n);
    if (!n) {
      free(s);
      g->failed = true;
      return "";
    }
    g->strs = n;
    g->capstrs = cap;
  }
  g->strs[g->nstrs++] = s;
  return s;
}

char *bg_str(bg *g, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = NULL;
  if (vasprintf(&s, fmt, ap) < 0) s = NULL;
  va_end(ap);
  return keep(g, s);
}

/* Identifiers C reserves; a WIT name equal to one gets a trailing '_'. */
static const char *const keywords[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do",
    "double", "else", "enum", "extern", "float", "for", "goto", "if", "inline",
    "int", "long", "register", "restrict", "return", "short", "signed",
    "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned",
    "void", "volatile", "while", "bool", "true", "false", "ret", "err",
};

char *bg_snake(bg *g, const char *kebab) {
  char *s = bg_str(g, "%s_", kebab);
  size_t n = strlen(s);
  if (!n) return s;
  s[n - 1] = '\0';
  for (char *p = s; *p; p++)
    if (*p == '-' || *p == ':' || *p == '/' || *p == '.') *p = '_';
  for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
    if (!strcmp(s, keywords[i])) s[n - 1] = '_';
  return s;
}

char *bg_upper(bg *g, const char *s) {
  char *u = bg_str(g, "%s", s);
  for (char *p = u; *p; p++)
    *p = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
  return u;
}

bool bg_is_exported_iface(const bg *g, const char *id) {
  for (size_t i = 0; id && i < g->nexported; i++)
    if (!strcmp(g->exported[i], id)) return true;
  return false;
}

char *bg_iface_prefix(bg *g, const char *id) {
  char *s = bg_str(g, "%s", id);
  char *at = strchr(s, '@');
  if (at) *at = '\0';   /* versions are left out, as wit-bindgen does */
  s = bg_snake(g, s);
  return bg_is_exported_iface(g, id) ? bg_str(g, "exports_%s", s) : s;
}

bool bg_first(bg *g, const char *name) {
  for (size_t i = 0; i < g->ndone; i++)
    if (!strcmp(g->done[i], name)) return false;
  if (g->ndone == g->capdone) {
    size_t cap = g->capdone ? 2 * g->capdone : 64;
    char **n = realloc(g->done, cap * sizeof *n);
    if (!n) {
      g->failed = true;
      return false;
    }
    g->done = n;
    g->capdone = cap;
  }
  g->done[g->ndone++] = bg_str(g, "%s", name);
  return true;
}

bool bg_fail(bg *g, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (!g->failed) wasm_fail(g->err, LOAM_ERR_INVALID, "bindgen: %s", msg);
  g->failed = true;
  return false;
}
