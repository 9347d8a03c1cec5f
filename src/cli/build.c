/* build.c — `loam build`: from flags (--wit DIR [--world W] -o OUT SRC.c...)
 * or, with none, from the project file loam.toml in the current directory. */
#include "build/build.h"
#include "commands.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int build_usage(void) {
  fprintf(stderr,
          "usage: loam build --wit DIR [--world W] -o OUT.wasm [--bindings DIR] SRC.c...\n"
          "       loam build [-C PROJECT_DIR]   (reads PROJECT_DIR/loam.toml)\n");
  return 2;
}

static int finish(bool ok, const loam_build_opts *o, const loam_error *err) {
  if (!ok) {
    fprintf(stderr, "loam build: %s\n", err->message);
    return 1;
  }
  printf("loam build: wrote %s\n", o->out);
  return 0;
}

static int build_project(const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/loam.toml", dir ? dir : ".");
  loam_error err = {0};
  loam_project p;
  if (!loam_project_load(path, &p, &err)) {
    fprintf(stderr, "loam build: %s\n", err.message);
    return 1;
  }
  loam_build_opts o = {
      .wit = p.wit, .world = p.world, .out = p.output,
      .sources = (const char *const *)p.sources, .nsources = p.nsources,
      .bindings = p.bindings, .cflags = (const char *const *)p.cflags,
      .ncflags = p.ncflags, .progress = stdout,
  };
  int rc = finish(loam_build(&o, &err), &o, &err);
  loam_project_free(&p);
  return rc;
}

int loam_cmd_build(int argc, char **argv) {
  loam_build_opts o = {.progress = stdout};
  const char **srcs = calloc((size_t)argc + 1, sizeof *srcs);
  const char *project = NULL;
  if (!srcs) return 1;
  int rc = -1;
  for (int i = 1; i < argc && rc < 0; i++) {
    const char *a = argv[i];
    bool has = i + 1 < argc;
    if (!strcmp(a, "--wit") && has) o.wit = argv[++i];
    else if (!strcmp(a, "--world") && has) o.world = argv[++i];
    else if (!strcmp(a, "-o") && has) o.out = argv[++i];
    else if (!strcmp(a, "--bindings") && has) o.bindings = argv[++i];
    else if (!strcmp(a, "-C") && has) project = argv[++i];
    else if (!strcmp(a, "-q")) o.progress = NULL;
    else if (a[0] != '-') srcs[o.nsources++] = a;
    else rc = build_usage();
  }
  if (rc < 0) {
    if (!o.wit && !o.out && !o.nsources) {
      rc = build_project(project);
    } else if (!o.wit || !o.out || !o.nsources || project) {
      rc = build_usage();
    } else {
      loam_error err = {0};
      o.sources = srcs;
      rc = finish(loam_build(&o, &err), &o, &err);
    }
  }
  free(srcs);
  return rc;
}
