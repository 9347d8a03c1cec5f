/*
 * build/build.h — `loam build`: C guest sources + a WIT world -> a wasm32-wasi
 * reactor module that carries its WIT. Bindings are generated (bindgen),
 * everything is compiled and linked by clang, and the resolved WIT of the
 * world is appended as the custom section LOAM_WIT_SECTION, whose text is
 * "// loam:world <world>\n" followed by `loam wit print DIR --world <world>`
 * (the comment keeps it valid WIT).
 */
#ifndef LOAM_BUILD_H
#define LOAM_BUILD_H

#include "bindgen/bindgen.h"
#include <stdio.h>

#define LOAM_WIT_SECTION "loam:wit"

typedef struct loam_build_opts {
  const char *wit;            /* WIT directory (or file) */
  const char *world;          /* NULL: the root package's only world */
  const char *out;            /* the .wasm to write */
  const char *const *sources; /* the user's C files */
  size_t nsources;
  const char *bindings;       /* where <world>.h/.c go; NULL: <dir of out>/bindings */
  const char *const *cflags;  /* extra compiler flags */
  size_t ncflags;
  FILE *progress;             /* progress lines; NULL: quiet */
} loam_build_opts;

/* Generates the bindings into o->bindings, compiles, links and embeds the
 * WIT. The compiler's own messages go to stderr as they are; err says which
 * step failed. The compiler is $LOAM_CC or clang-14, the WASI sysroot
 * $LOAM_WASI_SYSROOT or /usr. */
bool loam_build(const loam_build_opts *o, loam_error *err);

/* Resolves `wit`, generates bindings for `world` and writes <dir>/<name>.h
 * and .c (creating dir). out->name etc. are filled; free with
 * loam_bindings_free. */
bool loam_bindgen_to_dir(const char *wit, const char *world, const char *dir,
                         loam_bindings *out, loam_error *err);

/* Appends a custom section to a wasm file. */
bool loam_wasm_append_custom(const char *path, const char *name, const void *data,
                             size_t len, loam_error *err);

/* A guest project file (loam.toml): `key = "value"` and `key = ["a", "b"]`
 * lines; [sections] and # comments are ignored. Keys: wit, world, output,
 * sources, bindings, cflags. Paths are relative to the file's directory. */
typedef struct loam_project {
  char *dir;                  /* the project directory */
  char *wit, *world, *output, *bindings;
  char **sources;
  size_t nsources;
  char **cflags;
  size_t ncflags;
} loam_project;

bool loam_project_load(const char *path, loam_project *p, loam_error *err);
void loam_project_free(loam_project *p);

#endif
