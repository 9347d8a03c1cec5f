/* args.c — WASI guest: prints its arguments (not argv[0], which differs
 * between a native and a wasm run) and its environment, sorted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
  printf("argc=%d\n", argc);
  for (int i = 1; i < argc; i++) printf("argv[%d]=[%s]\n", i, argv[i]);
  char *env[64];
  int n = 0;
  for (char **e = environ; *e && n < 64; e++)
    if (!strncmp(*e, "LOAM_", 5)) env[n++] = *e;
  qsort(env, (size_t)n, sizeof env[0], cmp_str);
  for (int i = 0; i < n; i++) printf("env %s\n", env[i]);
  const char *v = getenv("LOAM_GREETING");
  printf("getenv LOAM_GREETING=%s\n", v ? v : "(unset)");
  printf("getenv LOAM_MISSING=%s\n", getenv("LOAM_MISSING") ? "set" : "(unset)");
  return 0;
}
