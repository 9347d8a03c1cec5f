/* wit.c — `loam wit print DIR [--world W]` and `loam wit check DIR`: resolve
 * a WIT directory and print it back or summarise it. */
#include "commands.h"
#include "loam/wit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int wit_usage(void) {
  fprintf(stderr, "usage: loam wit print DIR [--world W]\n"
                  "       loam wit check DIR\n");
  return 2;
}

static int wit_print(const char *dir, const char *world) {
  loam_error err = {0};
  loam_wit *w = loam_wit_load(dir, &err);
  if (!w) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  char *text = loam_wit_print(w, world, &err);
  loam_wit_free(w);
  if (!text) {
    fprintf(stderr, "loam wit print: %s\n", err.message);
    return 1;
  }
  fputs(text, stdout);
  free(text);
  return 0;
}

static int wit_check(const char *dir) {
  loam_error err = {0};
  loam_wit *w = loam_wit_load(dir, &err);
  if (!w) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  char line[256];
  loam_wit_summary(w, line, sizeof line);
  printf("ok: %s\n", line);
  loam_wit_free(w);
  return 0;
}

int loam_cmd_wit(int argc, char **argv) {
  if (argc < 3) return wit_usage();
  const char *sub = argv[1], *dir = NULL, *world = NULL;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--world") && i + 1 < argc && !strcmp(sub, "print"))
      world = argv[++i];
    else if (!dir && argv[i][0] != '-')
      dir = argv[i];
    else
      return wit_usage();
  }
  if (!dir) return wit_usage();
  if (!strcmp(sub, "print")) return wit_print(dir, world);
  if (!strcmp(sub, "check")) return wit_check(dir);
  return wit_usage();
}
