/* bindgen.c — `loam bindgen WIT_DIR [--world W] --out DIR`: writes the C
 * bindings <world>.h and <world>.c for a guest. */
#include "build/build.h"
#include "commands.h"
#include <stdio.h>
#include <string.h>

static int bindgen_usage(void) {
  fprintf(stderr, "usage: loam bindgen WIT_DIR [--world W] --out DIR\n");
  return 2;
}

int loam_cmd_bindgen(int argc, char **argv) {
  const char *wit = NULL, *world = NULL, *out = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--world") && i + 1 < argc) world = argv[++i];
    else if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
    else if (!wit && argv[i][0] != '-') wit = argv[i];
    else return bindgen_usage();
  }
  if (!wit || !out) return bindgen_usage();
  loam_error err = {0};
  loam_bindings b;
  if (!loam_bindgen_to_dir(wit, world, out, &b, &err)) {
    fprintf(stderr, "loam bindgen: %s\n", err.message);
    return 1;
  }
  printf("wrote %s/%s.h and %s/%s.c\n", out, b.name, out, b.name);
  loam_bindings_free(&b);
  return 0;
}
