/*
 * stubgen/stubgen.h — `loam stubgen`: typed RPC stubs for C guests.
 *
 * From a target's WIT (the worker to be called) stubgen makes a stub project:
 * a WIT package `<ns>:<name>-stub` whose interface `stub-<world>` turns each
 * exported interface of the target into a resource (constructed with a
 * worker URI; `blocking-<f>`, `<f>` and `future-<f>-result` per function),
 * and C source implementing it on golem:rpc by building and decoding
 * wit-values. Compiled with `loam build`, the stub exports what the caller
 * imports; `loam stubgen compose` joins them (src/compose/compose.h).
 *
 * Every function reports progress lines to `progress` when it is non-NULL
 * (the messages mirror Golem's wasm-rpc-stubgen) and returns false with err
 * set on failure. Paths are used as given (relative to the current dir).
 */
#ifndef LOAM_STUBGEN_H
#define LOAM_STUBGEN_H

#include "loam/wit.h"
#include <stdbool.h>
#include <stdio.h>

/* ---- the stub's WIT ------------------------------------------------------- */

/* What a stub is called, derived from the target. Strings are malloc'd and
 * freed by loam_stubgen_names_free. */
typedef struct loam_stubgen_names {
  char *target_package;   /* "shopping:purchase-history" (with @ver if any) */
  char *target_world;     /* "purchase-history" */
  char *package;          /* "shopping:purchase-history-stub" (with @ver) */
  char *package_dir;      /* "shopping_purchase-history-stub": its wit/deps dir */
  char *interface;        /* "stub-purchase-history" */
  char *world;            /* "wasm-rpc-stub-purchase-history" */
  char *wasm_name;        /* "purchase_history_stub": the built file's stem */
} loam_stubgen_names;

void loam_stubgen_names_free(loam_stubgen_names *n);

/* The text of _stub.wit for `world` of target's root package (NULL: its only
 * world). Fails (LOAM_ERR_NOT_FOUND / LOAM_ERR_INVALID) for a missing world, a
 * world that exports no function, types defined inside a world (the stub
 * cannot `use` them), functions with resource handles in their types.
 * Returns a malloc'd string; names (optional) is filled. Resource methods of
 * the target are left out with a warning line on `progress`. */
char *loam_stubgen_wit(const loam_wit *target, const char *world, loam_stubgen_names *names,
                       FILE *progress, loam_error *err);

/* The C source (src/stub.c) implementing the stub world `world` of `stub`,
 * a resolved WIT whose root package is a stub made by loam_stubgen_wit.
 * It includes the bindings loam bindgen makes for that world. malloc'd. */
char *loam_stubgen_c(const loam_wit *stub, const char *world, loam_error *err);

/* ---- commands --------------------------------------------------------------- */

/* `stubgen generate`: writes the stub project into dest:
 *   dest/wit/_stub.wit, dest/wit/deps/<target package dir>/ (the target's own
 *   .wit files), dest/wit/deps/<each dep of the target>, dest/wit/deps/
 *   golem-rpc and wasi-io (unless the target brings them), dest/src/stub.c,
 *   dest/loam.toml (so `loam build -C dest` builds <wasm_name>.wasm).
 * names (optional) receives the stub's names. */
bool loam_stubgen_generate(const char *source_wit, const char *dest, const char *world,
                           loam_stubgen_names *names, FILE *progress, loam_error *err);

/* `stubgen build`: generate into a temporary directory, compile the stub to
 * dest_wasm, and copy its WIT directory (with deps) to dest_wit (if non-NULL). */
bool loam_stubgen_build(const char *source_wit, const char *dest_wasm, const char *dest_wit,
                        const char *world, FILE *progress, loam_error *err);

/* `stubgen add-stub-dependency`: copies stub_wit/_stub.wit to
 * dest_wit/deps/<stub package dir>/_stub.wit and each stub_wit/deps/<d> to
 * dest_wit/deps/<d>, except the package dest_wit itself defines. A file that
 * exists with other contents is an error naming it unless overwrite. */
bool loam_stubgen_add_dependency(const char *stub_wit, const char *dest_wit, bool overwrite,
                                 FILE *progress, loam_error *err);

/* `stubgen initialize-workspace`: in directory root (NULL: "."), writes
 * Makefile (targets build-flow and release-build-flow) and generates the
 * initial stub of each target into <target>-stub/. Targets and callers are
 * member directories of root, each with a loam.toml and a wit/ directory. */
bool loam_stubgen_init_workspace(const char *root, const char *const *targets, size_t ntargets,
                                 const char *const *callers, size_t ncallers, FILE *progress,
                                 loam_error *err);

/* The Makefile text initialize-workspace writes (malloc'd). */
char *loam_stubgen_makefile(const char *const *targets, size_t ntargets,
                            const char *const *callers, size_t ncallers);

/* ---- the WIT every stub ships ------------------------------------------------- */

/* wit/deps of the loam repository as embedded in the binary at build time
 * (the executor's copy, src/executor/rpc_wit.c; witdeps.c lists it): the
 * golem:rpc@0.1.0 and wasi:io@0.2.0 packages. */
typedef struct loam_wit_dep_file {
  const char *dir;     /* "golem-rpc" */
  const char *file;    /* "types.wit" */
  const char *package; /* "golem:rpc@0.1.0" */
  const char *text;    /* NUL-terminated (strlen gives its length) */
} loam_wit_dep_file;

/* The embedded files (static, immutable; n receives their count). */
const loam_wit_dep_file *loam_wit_deps(size_t *n);

#endif
