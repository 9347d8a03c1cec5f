/* new.c — `loam new --example NAME DIR` (a guest project copied from a
 * built-in example) and `loam list-examples`. The examples are the
 * directories of examples/ that hold a loam.toml; they are found through
 * $LOAM_EXAMPLES, next to the executable (../examples, ../../examples) or in
 * the source tree this binary was built from. */
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

/* The `description = "..."` line of an example's loam.toml. */
static void description(const char *dir, char *out, size_t cap) {
  char p[PATH_MAX + 300], line[512];
  path_fmt(p, sizeof p, "%s/loam.toml", dir);
  out[0] = '\0';
  FILE *f = fopen(p, "r");
  if (!f) return;
  while (fgets(line, sizeof line, f)) {
    char *q = strstr(line, "description");
    char *a = q ? strchr(q, '"') : NULL, *b = a ? strrchr(a + 1, '"') : NULL;
    if (line == q && a && b) {
      path_fmt(out, cap, "%.*s", (int)(b - a - 1), a + 1);
      break;
    }
  }
  fclose(f);
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
    char sub[PATH_MAX + 256], toml[PATH_MAX + 272], desc[256];
    path_fmt(sub, sizeof sub, "%s/%s", dir, names[i]->d_name);
    path_fmt(toml, sizeof toml, "%s/loam.toml", sub);
    if (names[i]->d_name[0] != '.' && access(toml, R_OK) == 0) {
      description(sub, desc, sizeof desc);
      printf("%-20s %s\n", names[i]->d_name, desc);
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

/* Build outputs of an example checkout are not part of the template. */
static bool skipped(const char *name) {
  size_t n = strlen(name);
  return name[0] == '.' || !strcmp(name, "bindings") || !strcmp(name, "build") ||
         (n > 5 && !strcmp(name + n - 5, ".wasm"));
}

static bool copy_tree(const char *from, const char *to) {
  if (mkdir(to, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "loam new: %s: %s\n", to, strerror(errno));
    return false;
  }
  DIR *d = opendir(from);
  if (!d) return false;
  bool ok = true;
  struct dirent *e;
  while (ok && (e = readdir(d))) {
    if (skipped(e->d_name)) continue;
    char a[PATH_MAX + 256], b[PATH_MAX + 256];
    path_fmt(a, sizeof a, "%s/%s", from, e->d_name);
    path_fmt(b, sizeof b, "%s/%s", to, e->d_name);
    struct stat st;
    if (stat(a, &st) != 0) continue;
    ok = S_ISDIR(st.st_mode) ? copy_tree(a, b) : copy_file(a, b);
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
  char dir[PATH_MAX], src[PATH_MAX + 256], toml[PATH_MAX + 300];
  if (!examples_dir(dir, sizeof dir)) {
    fprintf(stderr, "loam: cannot find the examples (set LOAM_EXAMPLES)\n");
    return 1;
  }
  path_fmt(src, sizeof src, "%s/%s", dir, name);
  path_fmt(toml, sizeof toml, "%s/loam.toml", src);
  if (strchr(name, '/') || access(toml, R_OK) != 0) {
    fprintf(stderr, "loam new: no example '%s' (see loam list-examples)\n", name);
    return 1;
  }
  if (access(dest, F_OK) == 0) {
    fprintf(stderr, "loam new: %s already exists\n", dest);
    return 1;
  }
  if (!copy_tree(src, dest)) return 1;
  printf("created %s from example %s\nbuild it with:  cd %s && loam build\n", dest, name, dest);
  return 0;
}
