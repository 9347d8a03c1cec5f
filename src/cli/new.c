/* new.c — `loam new --example NAME DIR` (a guest project copied from a
 * built-in example) and `loam list-examples`. The examples are the
 * directories of examples/ that hold a loam.toml (one guest project) or a
 * loam-example.toml (a workspace of several projects, e.g. the RPC shopping
 * cart); an example's name is the `name = "..."` of that file, else the
 * directory's name. They are found through $LOAM_EXAMPLES, next to the
 * executable (../examples, ../../examples) or in the source tree this binary
 * was built from. */
#define _GNU_SOURCE
#include "commands.h"
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* snprintf for paths; false when the path did not fit. */
static bool path_fmt(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool path_fmt(char *out, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(out, cap, fmt, ap);
  va_end(ap);
  return n >= 0 && (size_t)n < cap;
}

static bool is_examples_dir(const char *dir) {
  char p[PATH_MAX + 32];
  path_fmt(p, sizeof p, "%s/c-counter/loam.toml", dir);
  return access(p, R_OK) == 0;
}

/* Fills out with the examples directory; false when there is none. */
static bool examples_dir(char *out, size_t cap) {
  const char *env = getenv("LOAM_EXAMPLES");
  if (env) {
    path_fmt(out, cap, "%s", env);
    return true;
  }
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    static const char *const up[] = {"/../examples", "/../../examples"};
    for (int i = 0; i < 2; i++) {
      if (path_fmt(out, cap, "%s%s", exe, up[i]) && is_examples_dir(out)) return true;
    }
  }
  /* The source tree: this file is <root>/src/cli/new.c. */
  path_fmt(out, cap, "%s", __FILE__);
  for (int i = 0; i < 3; i++) {
    char *slash = strrchr(out, '/');
    if (!slash) return false;
    *slash = '\0';
  }
  size_t len = strlen(out);
  path_fmt(out + len, cap - len, "/examples");
  return is_examples_dir(out);
}

/* The file that makes dir an example: loam.toml or loam-example.toml. */
static bool example_file(const char *dir, char *out, size_t cap) {
  static const char *const files[] = {"loam.toml", "loam-example.toml"};
  for (int i = 0; i < 2; i++)
    if (path_fmt(out, cap, "%s/%s", dir, files[i]) && access(out, R_OK) == 0) return true;
  return false;
}

/* The value of a `key = "..."` line of an example's file ("" if none). */
static void toml_string(const char *dir, const char *key, char *out, size_t cap) {
  char p[PATH_MAX + 300], line[512];
  out[0] = '\0';
  if (!example_file(dir, p, sizeof p)) return;
  FILE *f = fopen(p, "r");
  if (!f) return;
  size_t klen = strlen(key);
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, key, klen) != 0 || (line[klen] != ' ' && line[klen] != '=')) continue;
    char *a = strchr(line + klen, '"'), *b = a ? strrchr(a + 1, '"') : NULL;
    if (a && b) {
      path_fmt(out, cap, "%.*s", (int)(b - a - 1), a + 1);
      break;
    }
  }
  fclose(f);
}

/* The example's name: its file's `name`, else the directory's own name. */
static void example_name(const char *dir, const char *base, char *out, size_t cap) {
  toml_string(dir, "name", out, cap);
  if (!out[0]) path_fmt(out, cap, "%s", base);
}

/* Finds the example called name under dir: fills src with its directory. */
static bool find_example(const char *dir, const char *name, char *src, size_t cap) {
  struct dirent **names;
  int n = scandir(dir, &names, NULL, alphasort);
  bool found = false;
  for (int i = 0; i < n; i++) {
    char sub[PATH_MAX + 256], file[PATH_MAX + 300], have[256];
    path_fmt(sub, sizeof sub, "%s/%s", dir, names[i]->d_name);
    if (!found && names[i]->d_name[0] != '.' && example_file(sub, file, sizeof file)) {
      example_name(sub, names[i]->d_name, have, sizeof have);
      if (!strcmp(have, name)) found = path_fmt(src, cap, "%s", sub);
    }
    free(names[i]);
  }
  free(names);
  return found;
}

int loam_cmd_list_examples(int argc, char **argv) {
  (void)argv;
  if (argc != 1) {
    fprintf(stderr, "usage: loam list-examples\n");
    return 2;
  }
  char dir[PATH_MAX];
  if (!examples_dir(dir, sizeof dir)) {
    fprintf(stderr, "loam: cannot find the examples (set LOAM_EXAMPLES)\n");
    return 1;
  }
  struct dirent **names;
  int n = scandir(dir, &names, NULL, alphasort);
  for (int i = 0; i < n; i++) {
    char sub[PATH_MAX + 256], file[PATH_MAX + 300], name[256], desc[256];
    path_fmt(sub, sizeof sub, "%s/%s", dir, names[i]->d_name);
    if (names[i]->d_name[0] != '.' && example_file(sub, file, sizeof file)) {
      example_name(sub, names[i]->d_name, name, sizeof name);
      toml_string(sub, "description", desc, sizeof desc);
      printf("%-20s %s\n", name, desc);
    }
    free(names[i]);
  }
  free(names);
  return n < 0 ? 1 : 0;
}

static bool copy_file(const char *from, const char *to) {
  FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
  bool ok = in && out;
  char buf[65536];
  size_t n;
  while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0) ok = fwrite(buf, 1, n, out) == n;
  if (in) fclose(in);
  if (out) ok = (fclose(out) == 0) && ok;
  if (!ok) fprintf(stderr, "loam new: cannot copy %s to %s\n", from, to);
  return ok;
}

/* Build outputs of an example checkout are not part of the template: the
 * bindings, build and target directories, .wasm files, and what `loam stubgen
 * initialize-workspace` and `make build-flow` generate in a workspace (its
 * Makefile, the *-stub projects, the stub WIT copied into wit/deps). */
static bool skipped(const char *name, bool workspace) {
  size_t n = strlen(name);
  if (workspace && (!strcmp(name, "Makefile") || !strcmp(name, "deps") ||
                    (n > 5 && !strcmp(name + n - 5, "-stub"))))
    return true;
  return name[0] == '.' || !strcmp(name, "bindings") || !strcmp(name, "build") ||
         !strcmp(name, "target") || (n > 5 && !strcmp(name + n - 5, ".wasm"));
}

static bool copy_tree(const char *from, const char *to, bool workspace) {
  if (mkdir(to, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "loam new: %s: %s\n", to, strerror(errno));
    return false;
  }
  DIR *d = opendir(from);
  if (!d) return false;
  bool ok = true;
  struct dirent *e;
  while (ok && (e = readdir(d))) {
    if (skipped(e->d_name, workspace)) continue;
    char a[PATH_MAX + 256], b[PATH_MAX + 256];
    path_fmt(a, sizeof a, "%s/%s", from, e->d_name);
    path_fmt(b, sizeof b, "%s/%s", to, e->d_name);
    struct stat st;
    if (stat(a, &st) != 0) continue;
    ok = S_ISDIR(st.st_mode) ? copy_tree(a, b, workspace) : copy_file(a, b);
  }
  closedir(d);
  return ok;
}

int loam_cmd_new(int argc, char **argv) {
  const char *name = NULL, *dest = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--example") && i + 1 < argc) name = argv[++i];
    else if (!dest && argv[i][0] != '-') dest = argv[i];
    else name = NULL, dest = NULL, i = argc;
  }
  if (!name || !dest) {
    fprintf(stderr, "usage: loam new --example NAME DIR   (see loam list-examples)\n");
    return 2;
  }
  char dir[PATH_MAX], src[PATH_MAX + 256], toml[PATH_MAX + 300], build[512];
  if (!examples_dir(dir, sizeof dir)) {
    fprintf(stderr, "loam: cannot find the examples (set LOAM_EXAMPLES)\n");
    return 1;
  }
  if (strchr(name, '/') || !find_example(dir, name, src, sizeof src)) {
    fprintf(stderr, "loam new: no example '%s' (see loam list-examples)\n", name);
    return 1;
  }
  if (access(dest, F_OK) == 0) {
    fprintf(stderr, "loam new: %s already exists\n", dest);
    return 1;
  }
  /* A workspace says how it is built (`build = "..."`); a project is built
   * with loam build. */
  path_fmt(toml, sizeof toml, "%s/loam.toml", src);
  bool workspace = access(toml, R_OK) != 0;
  toml_string(src, "build", build, sizeof build);
  if (!copy_tree(src, dest, workspace)) return 1;
  printf("created %s from example %s\nbuild it with:  cd %s && %s\n", dest, name, dest,
         build[0] ? build : "loam build");
  return 0;
}
