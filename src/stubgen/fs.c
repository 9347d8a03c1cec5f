/* stubgen/fs.c — text buffers and the file-system steps of the stub
 * generator: creating directories, copying WIT trees, comparing files. */
#define _GNU_SOURCE
#include "stubgen/sg.h"
#include "wasm/module.h"   /* wasm_fail */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void sg_printf(sg_buf *b, const char *fmt, ...) {
  if (b->oom) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) {
    b->oom = true;
    return;
  }
  if (b->len + (size_t)n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + (size_t)n + 1) cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
      b->oom = true;
      return;
    }
    b->s = s;
    b->cap = cap;
  }
  va_start(ap, fmt);
  vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

char *sg_take(sg_buf *b) {
  if (b->oom) {
    sg_buf_free(b);
    return NULL;
  }
  char *s = b->s ? b->s : strdup("");
  memset(b, 0, sizeof *b);
  return s;
}

void sg_buf_free(sg_buf *b) {
  free(b->s);
  memset(b, 0, sizeof *b);
}

char *sg_fmt(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = NULL;
  if (vasprintf(&s, fmt, ap) < 0) s = NULL;
  va_end(ap);
  return s;
}

bool sg_write(const char *path, const char *text, size_t len, loam_error *err) {
  FILE *f = fopen(path, "wb");
  if (!f) return wasm_fail(err, LOAM_ERR_NOT_FOUND, "cannot write %s: %s", path, strerror(errno));
  bool ok = len == 0 || fwrite(text, 1, len, f) == len;
  ok = (fclose(f) == 0) && ok;
  return ok ? true : wasm_fail(err, LOAM_ERR_NOT_FOUND, "cannot write %s", path);
}

char *sg_read(const char *path, size_t *len, loam_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    wasm_fail(err, LOAM_ERR_NOT_FOUND, "cannot read %s: %s", path, strerror(errno));
    return NULL;
  }
  char chunk[65536];
  size_t n, total = 0;
  char *s = NULL;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    char *g = realloc(s, total + n + 1);
    if (!g) {
      free(s);
      fclose(f);
      wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
      return NULL;
    }
    s = g;
    memcpy(s + total, chunk, n);
    total += n;
  }
  bool bad = ferror(f);
  fclose(f);
  if (bad) {
    free(s);
    wasm_fail(err, LOAM_ERR_NOT_FOUND, "cannot read %s", path);
    return NULL;
  }
  if (!s) s = malloc(1);
  if (!s) {
    wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
    return NULL;
  }
  s[total] = '\0';
  if (len) *len = total;
  return s;
}

bool sg_is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool sg_exists(const char *path) { return access(path, F_OK) == 0; }

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

char **sg_list_dir(const char *dir, size_t *n, loam_error *err) {
  DIR *d = opendir(dir);
  *n = 0;
  if (!d) {
    wasm_fail(err, LOAM_ERR_NOT_FOUND, "cannot read directory %s: %s", dir, strerror(errno));
    return NULL;
  }
  char **names = malloc(sizeof *names);
  size_t cap = 1;
  struct dirent *e;
  bool ok = names != NULL;
  while (ok && (e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (*n == cap) {
      char **g = realloc(names, 2 * cap * sizeof *g);
      if (!g) {
        ok = false;
        break;
      }
      names = g;
      cap *= 2;
    }
    if (!(names[*n] = strdup(e->d_name))) ok = false;
    else (*n)++;
  }
  closedir(d);
  if (!ok) {
    sg_names_free(names, *n);
    *n = 0;
    wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
    return NULL;
  }
  qsort(names, *n, sizeof *names, by_name);
  return names;
}

void sg_names_free(char **names, size_t n) {
  for (size_t i = 0; names && i < n; i++) free(names[i]);
  free(names);
}

static bool copy_file(const char *from, const char *to, loam_error *err) {
  size_t len;
  char *text = sg_read(from, &len, err);
  if (!text) return false;
  bool ok = sg_write(to, text, len, err);
  free(text);
  return ok;
}

bool sg_copy(const char *from, const char *to, loam_error *err) {
  if (!sg_is_dir(from)) return copy_file(from, to, err);
  if (!loam_mkdirs(to, err)) return false;
  size_t n;
  char **names = sg_list_dir(from, &n, err);
  if (!names) return false;
  bool ok = true;
  for (size_t i = 0; ok && i < n; i++) {
    if (names[i][0] == '.') continue;
    char *a = sg_fmt("%s/%s", from, names[i]), *b = sg_fmt("%s/%s", to, names[i]);
    ok = a && b ? sg_copy(a, b, err) : wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
    free(a);
    free(b);
  }
  sg_names_free(names, n);
  return ok;
}

void sg_remove_tree(const char *path) {
  if (!sg_is_dir(path)) {
    unlink(path);
    return;
  }
  size_t n;
  char **names = sg_list_dir(path, &n, NULL);
  for (size_t i = 0; names && i < n; i++) {
    char *p = sg_fmt("%s/%s", path, names[i]);
    if (p) sg_remove_tree(p);
    free(p);
  }
  sg_names_free(names, n);
  rmdir(path);
}

char *sg_snake(const char *s) {
  char *r = strdup(s);
  for (char *p = r; p && *p; p++)
    if (*p == '-' || *p == '.' || *p == ':' || *p == '/') *p = '_';
  return r;
}
