/* load.c — finds and reads the .wit files of a directory (root package and
 * deps/), runs parser and resolver, and the model's look-up functions. */
#include "wit/ast.h"
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct loader {
  wit_ctx *cx;
  wit_package *pkgs;      /* [0] is the root */
  uint32_t npkgs;
  uint32_t nfiles;
} loader;

static bool has_wit_ext(const char *name) {
  size_t n = strlen(name);
  return n > 4 && !strcmp(name + n - 4, ".wit") && name[0] != '.';
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The entries of dir (sorted, hidden ones skipped) that are .wit files when
 * want_dirs is false, or directories when it is true. */
static char **list_dir(wit_ctx *cx, const char *dir, bool want_dirs, uint32_t *n) {
  *n = 0;
  DIR *d = opendir(dir);
  if (!d) return NULL;
  char **names = NULL;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char *full = wit_arena_printf(cx->arena, "%s/%s", dir, e->d_name);
    struct stat st;
    if (!full || stat(full, &st) != 0) continue;
    bool is_dir = S_ISDIR(st.st_mode);
    if (want_dirs ? !is_dir : (is_dir || !has_wit_ext(e->d_name))) continue;
    if (!full) {
      closedir(d);
      wit_oom(cx);
    }
    wit_push(cx, &names, n, &full, sizeof full);
  }
  closedir(d);
  if (*n) qsort(names, *n, sizeof *names, cmp_names);
  return names;
}

static void parse_path(loader *ld, const char *path, wit_package *into) {
  FILE *f = fopen(path, "rb");
  wit_pos pos = {path, 0, 0};
  if (!f) wit_fail(ld->cx, pos, "cannot read: %s", strerror(errno));
  char *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len == cap) {
      size_t ncap = cap ? cap * 2 : 4096;
      char *nb = wit_new(ld->cx, ncap);
      if (len) memcpy(nb, buf, len);
      buf = nb;
      cap = ncap;
    }
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0) break;
  }
  bool bad = ferror(f);
  fclose(f);
  if (bad) wit_fail(ld->cx, pos, "read error");
  if (!into->pos.file) into->pos = (wit_pos){path, 1, 1};
  wit_parse_file(ld->cx, path, ld->nfiles++, buf, len, into, &ld->pkgs, &ld->npkgs);
}

/* A package from the .wit files of one directory (or one file). */
static void load_package(loader *ld, const char *path, bool is_dir) {
  wit_package pk = {0};
  wit_push(ld->cx, &ld->pkgs, &ld->npkgs, &pk, sizeof pk);
  uint32_t index = ld->npkgs - 1;
  if (!is_dir) {
    /* ld->pkgs may move while nested packages are appended: parse into a
     * copy and store it back. */
    wit_package tmp = {0};
    parse_path(ld, path, &tmp);
    ld->pkgs[index] = tmp;
    return;
  }
  uint32_t n;
  char **files = list_dir(ld->cx, path, false, &n);
  if (!n) wit_fail(ld->cx, ((wit_pos){path, 0, 0}), "no .wit files in directory");
  wit_package tmp = {0};
  for (uint32_t i = 0; i < n; i++) parse_path(ld, files[i], &tmp);
  ld->pkgs[index] = tmp;
}

static loam_wit *finish(wit_ctx *cx, loam_wit *w, loader *ld) {
  wit_resolve(cx, w, ld->pkgs, ld->npkgs, 0);
  w->arena = cx->arena;
  return w;
}

static loam_wit *new_model(wit_ctx *cx, loam_error *err) {
  cx->err = err;
  cx->arena = wit_arena_new();
  loam_wit *w = cx->arena ? wit_arena_alloc(cx->arena, sizeof *w) : NULL;
  if (w) w->types = loam_typectx_new();
  if (!w || !w->types) {
    wit_arena_free(cx->arena);
    if (err) {
      err->code = LOAM_ERR_NOMEM;
      snprintf(err->message, sizeof err->message, "out of memory");
    }
    return NULL;
  }
  return w;
}

static void drop(wit_ctx *cx, loam_wit *w) {
  loam_typectx_free(w->types);
  wit_arena_free(cx->arena);
}

loam_wit *loam_wit_load(const char *path, loam_error *err) {
  wit_ctx cx;
  loam_wit *w = new_model(&cx, err);
  if (!w) return NULL;
  if (setjmp(cx.jump)) {
    drop(&cx, w);
    return NULL;
  }
  loader ld = {&cx, NULL, 0, 0};
  struct stat st;
  if (stat(path, &st) != 0) {
    if (err) {
      err->code = LOAM_ERR_NOT_FOUND;
      snprintf(err->message, sizeof err->message, "%s: %s", path, strerror(errno));
    }
    drop(&cx, w);
    return NULL;
  }
  const char *p = wit_strdup(&cx, path, strlen(path));
  if (!S_ISDIR(st.st_mode)) {
    load_package(&ld, p, false);
    return finish(&cx, w, &ld);
  }
  load_package(&ld, p, true);
  const char *deps = wit_arena_printf(cx.arena, "%s/deps", p);
  if (!deps) wit_oom(&cx);
  uint32_t nd, nf;
  char **dirs = list_dir(&cx, deps, true, &nd);
  char **files = list_dir(&cx, deps, false, &nf);
  for (uint32_t i = 0; i < nd; i++) load_package(&ld, dirs[i], true);
  for (uint32_t i = 0; i < nf; i++) load_package(&ld, files[i], false);
  return finish(&cx, w, &ld);
}

loam_wit *loam_wit_load_text(const char *file, const char *text, size_t len,
                             loam_error *err) {
  wit_ctx cx;
  loam_wit *w = new_model(&cx, err);
  if (!w) return NULL;
  if (setjmp(cx.jump)) {
    drop(&cx, w);
    return NULL;
  }
  loader ld = {&cx, NULL, 0, 0};
  const char *name = wit_strdup(&cx, file, strlen(file));
  wit_package root = {0};
  root.pos = (wit_pos){name, 1, 1};
  wit_push(&cx, &ld.pkgs, &ld.npkgs, &root, sizeof root);
  wit_package tmp = root;
  wit_parse_file(&cx, name, 0, text, len, &tmp, &ld.pkgs, &ld.npkgs);
  ld.pkgs[0] = tmp;
  return finish(&cx, w, &ld);
}

void loam_wit_free(loam_wit *w) {
  if (!w) return;
  loam_typectx_free(w->types);
  wit_arena_free(w->arena);   /* w itself lives in the arena */
}

/* ---- look-ups ------------------------------------------------------------- */

/* "ns:name" or "ns:name@ver" against a package. */
static bool pkg_matches(const loam_wit_package *p, const char *id, size_t n) {
  size_t base = strlen(p->ns) + 1 + strlen(p->name);
  if (n < base || strncmp(id, p->ns, strlen(p->ns)) || id[strlen(p->ns)] != ':' ||
      strncmp(id + strlen(p->ns) + 1, p->name, strlen(p->name)))
    return false;
  if (n == base) return true;
  return id[base] == '@' && p->version && strlen(p->version) == n - base - 1 &&
         !strncmp(id + base + 1, p->version, n - base - 1);
}

const loam_wit_package *loam_wit_find_package(const loam_wit *w, const char *id) {
  for (uint32_t i = 0; i < w->npackages; i++)
    if (pkg_matches(w->packages[i], id, strlen(id))) return w->packages[i];
  return NULL;
}

const loam_wit_interface *loam_wit_find_interface(const loam_wit *w, const char *id) {
  const char *slash = strchr(id, '/');
  if (!slash) return NULL;
  const char *at = strchr(slash, '@');
  size_t namelen = at ? (size_t)(at - slash - 1) : strlen(slash + 1);
  for (uint32_t i = 0; i < w->npackages; i++) {
    const loam_wit_package *p = w->packages[i];
    size_t pn = (size_t)(slash - id);
    bool ok = at ? (p->version && pkg_matches(p, id, pn) &&
                    !strcmp(at + 1, p->version))
                 : pkg_matches(p, id, pn);
    if (!ok) continue;
    for (uint32_t j = 0; j < p->ninterfaces; j++)
      if (strlen(p->interfaces[j]->name) == namelen &&
          !strncmp(p->interfaces[j]->name, slash + 1, namelen))
        return p->interfaces[j];
  }
  return NULL;
}

const loam_wit_world *loam_wit_find_world(const loam_wit_package *p, const char *name) {
  for (uint32_t i = 0; p && i < p->nworlds; i++)
    if (!strcmp(p->worlds[i]->name, name)) return p->worlds[i];
  return NULL;
}

const loam_wit_typedef *loam_wit_find_type(const loam_wit_interface *i, const char *name) {
  for (uint32_t k = 0; i && k < i->ntypes; k++)
    if (!strcmp(i->types[k].name, name)) return &i->types[k];
  return NULL;
}

const loam_wit_func *loam_wit_find_func(const loam_wit_interface *i, const char *name) {
  for (uint32_t k = 0; i && k < i->nfuncs; k++)
    if (!strcmp(i->funcs[k].name, name) || !strcmp(i->funcs[k].core_name, name))
      return &i->funcs[k];
  return NULL;
}

/* True if an item name (an interface id, or a plain name) matches the
 * interface part of a function path: exactly, or without the @version. */
static bool item_matches(const char *item, const char *want, size_t n) {
  if (strlen(item) == n && !strncmp(item, want, n)) return true;
  const char *at = strchr(item, '@');
  return at && (size_t)(at - item) == n && !strncmp(item, want, n);
}

const loam_wit_func *loam_wit_world_func(const loam_wit_world *w, bool exported,
                                         const char *name,
                                         const loam_wit_interface **iface) {
  const loam_wit_item *items = exported ? w->exports : w->imports;
  uint32_t n = exported ? w->nexports : w->nimports;
  if (iface) *iface = NULL;
  size_t len = strlen(name);
  const char *brace = strstr(name, ".{");
  if (!brace || len < 3 || name[len - 1] != '}') {
    for (uint32_t i = 0; i < n; i++)
      if (items[i].kind == LOAM_WIT_ITEM_FUNCTION && !strcmp(items[i].name, name))
        return items[i].func;
    return NULL;
  }
  size_t ilen = (size_t)(brace - name);
  char fname[256];
  size_t flen = len - ilen - 3;
  if (flen >= sizeof fname) return NULL;
  memcpy(fname, brace + 2, flen);
  fname[flen] = '\0';
  for (uint32_t i = 0; i < n; i++) {
    if (items[i].kind != LOAM_WIT_ITEM_INTERFACE ||
        !item_matches(items[i].name, name, ilen))
      continue;
    const loam_wit_func *f = loam_wit_find_func(items[i].iface, fname);
    if (!f) {   /* "res.f" for "[method]res.f" / "[static]res.f" */
      const loam_wit_interface *it = items[i].iface;
      for (uint32_t k = 0; k < it->nfuncs && !f; k++) {
        const char *cn = it->funcs[k].core_name, *close = strchr(cn, ']');
        if (cn[0] == '[' && close && !strcmp(close + 1, fname)) f = &it->funcs[k];
      }
    }
    if (f && iface) *iface = items[i].iface;
    if (f) return f;
  }
  return NULL;
}

void loam_wit_summary(const loam_wit *w, char *buf, size_t cap) {
  uint32_t ni = 0, nw = 0, nt = 0, nf = 0;
  for (uint32_t i = 0; i < w->npackages; i++) {
    const loam_wit_package *p = w->packages[i];
    ni += p->ninterfaces;
    nw += p->nworlds;
    for (uint32_t j = 0; j < p->ninterfaces; j++) {
      nt += p->interfaces[j]->ntypes;
      nf += p->interfaces[j]->nfuncs;
    }
  }
  snprintf(buf, cap, "%s: %u packages, %u interfaces, %u worlds, %u types, %u functions",
           w->root->id, w->npackages, ni, nw, nt, nf);
}
