/* build/build.c — `loam build`'s steps: bindgen to a directory, clang for
 * wasm32-wasi as a reactor, and the embedded WIT custom section. */
#define _GNU_SOURCE
#include "build/build.h"
#include "util/mkdirs.h"
#include "wasm/module.h"   /* wasm_fail */
#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

extern char **environ;

static bool write_text(const char *path, const char *text, loam_error *err) {
  FILE *f = fopen(path, "w");
  if (!f) return wasm_fail(err, LOAM_ERR_NOT_FOUND, "%s: %s", path, strerror(errno));
  bool ok = fputs(text, f) >= 0;
  ok = (fclose(f) == 0) && ok;
  return ok ? true : wasm_fail(err, LOAM_ERR_NOT_FOUND, "%s: write failed", path);
}

/* Writes b's files into dir (created if needed). */
static bool write_bindings(const loam_bindings *b, const char *dir, loam_error *err) {
  if (!loam_mkdirs(dir, err)) return false;
  char *h = NULL, *c = NULL;
  bool ok = asprintf(&h, "%s/%s.h", dir, b->name) > 0 && asprintf(&c, "%s/%s.c", dir, b->name) > 0;
  if (!ok) wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
  ok = ok && write_text(h, b->header, err) && write_text(c, b->source, err);
  free(h);
  free(c);
  return ok;
}

bool loam_bindgen_to_dir(const char *wit, const char *world, const char *dir,
                         loam_bindings *out, loam_error *err) {
  loam_wit *w = loam_wit_load(wit, err);
  if (!w) return false;
  bool ok = loam_bindgen(w, world, out, err);
  loam_wit_free(w);
  if (ok && !write_bindings(out, dir, err)) {
    loam_bindings_free(out);
    ok = false;
  }
  return ok;
}

static size_t put_leb(uint8_t *b, size_t x) {
  size_t n = 0;
  do {
    uint8_t byte = x & 0x7f;
    x >>= 7;
    b[n++] = byte | (x ? 0x80 : 0);
  } while (x);
  return n;
}

bool loam_wasm_append_custom(const char *path, const char *name, const void *data,
                             size_t len, loam_error *err) {
  size_t nlen = strlen(name);
  uint8_t head[32], nl[16];
  size_t nn = put_leb(nl, nlen);
  size_t h = 0;
  head[h++] = 0;   /* custom section id */
  h += put_leb(head + h, nn + nlen + len);
  FILE *f = fopen(path, "ab");
  if (!f) return wasm_fail(err, LOAM_ERR_NOT_FOUND, "%s: %s", path, strerror(errno));
  bool ok = fwrite(head, 1, h, f) == h && fwrite(nl, 1, nn, f) == nn &&
            fwrite(name, 1, nlen, f) == nlen && (len == 0 || fwrite(data, 1, len, f) == len);
  ok = (fclose(f) == 0) && ok;
  return ok ? true : wasm_fail(err, LOAM_ERR_NOT_FOUND, "%s: write failed", path);
}

static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return strdup(".");
  if (slash == path) return strdup("/");
  return strndup(path, (size_t)(slash - path));
}

/* Runs argv, inheriting stdout/stderr so compiler messages show as they are. */
static bool run(char *const *argv, loam_error *err) {
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
  if (rc != 0)
    return wasm_fail(err, LOAM_ERR_NOT_FOUND, "cannot run %s: %s", argv[0], strerror(rc));
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return wasm_fail(err, LOAM_ERR_INVALID, "waitpid: %s", strerror(errno));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
  return wasm_fail(err, LOAM_ERR_INVALID, "%s failed (status %d)", argv[0],
                   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static bool compile(const loam_build_opts *o, const char *bdir, const char *name,
                    loam_error *err) {
  const char *cc = getenv("LOAM_CC"), *sys = getenv("LOAM_WASI_SYSROOT");
  size_t n = 0, cap = 16 + o->nsources + o->ncflags;
  char **argv = calloc(cap, sizeof *argv);
  char *sysroot = NULL, *inc = NULL, *glue = NULL;
  bool ok = argv && asprintf(&sysroot, "--sysroot=%s", sys ? sys : "/usr") > 0 &&
            asprintf(&inc, "-I%s", bdir) > 0 && asprintf(&glue, "%s/%s.c", bdir, name) > 0;
  if (ok) {
    argv[n++] = (char *)(cc ? cc : "clang-14");
    argv[n++] = "--target=wasm32-wasi";
    argv[n++] = sysroot;
    argv[n++] = "-mexec-model=reactor";
    argv[n++] = "-O2";
    argv[n++] = "-Wall";
    argv[n++] = "-Wextra";
    argv[n++] = inc;
    for (size_t i = 0; i < o->ncflags; i++) argv[n++] = (char *)o->cflags[i];
    argv[n++] = glue;
    for (size_t i = 0; i < o->nsources; i++) argv[n++] = (char *)o->sources[i];
    argv[n++] = "-o";
    argv[n++] = (char *)o->out;
    argv[n] = NULL;
    if (o->progress) {
      fprintf(o->progress, "  compile:");
      for (size_t i = 0; i < n; i++) fprintf(o->progress, " %s", argv[i]);
      fprintf(o->progress, "\n");
      fflush(o->progress);
    }
    ok = run(argv, err);
  } else {
    wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
  }
  free(sysroot);
  free(inc);
  free(glue);
  free(argv);
  return ok;
}

static bool embed_wit(const loam_build_opts *o, const loam_wit *w, const char *world,
                      loam_error *err) {
  char *text = loam_wit_print(w, world, err);
  if (!text) return false;
  char *body = NULL;
  bool ok = asprintf(&body, "// loam:world %s\n%s", world, text) > 0;
  free(text);
  if (!ok) return wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
  ok = loam_wasm_append_custom(o->out, LOAM_WIT_SECTION, body, strlen(body), err);
  free(body);
  return ok;
}

/* The steps, once the WIT is resolved and the world known. */
static bool build_world(const loam_build_opts *o, const loam_wit *w, const char *world,
                        const char *bdir, loam_error *err) {
  loam_bindings b;
  if (o->progress) fprintf(o->progress, "loam build: bindings for world %s -> %s/\n", world, bdir);
  if (!loam_bindgen(w, world, &b, err)) return false;
  bool ok = write_bindings(&b, bdir, err);
  if (ok && o->progress)
    fprintf(o->progress, "loam build: compiling %zu source(s) -> %s\n", o->nsources, o->out);
  ok = ok && compile(o, bdir, b.name, err);
  if (ok && o->progress)
    fprintf(o->progress, "loam build: embedding the WIT of world %s (custom section %s)\n", world,
            LOAM_WIT_SECTION);
  ok = ok && embed_wit(o, w, world, err);
  loam_bindings_free(&b);
  return ok;
}

bool loam_build(const loam_build_opts *o, loam_error *err) {
  char *bdir = o->bindings ? strdup(o->bindings) : NULL;
  if (!o->bindings) {
    char *d = dir_of(o->out);
    if (d && asprintf(&bdir, "%s/bindings", d) < 0) bdir = NULL;
    free(d);
  }
  if (!bdir) return wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
  bool ok = false;
  loam_wit *w = loam_wit_load(o->wit, err);
  const loam_wit_world *wd = w ? loam_bindgen_world(w, o->world, err) : NULL;
  if (wd) ok = build_world(o, w, wd->name, bdir, err);
  loam_wit_free(w);
  free(bdir);
  return ok;
}
