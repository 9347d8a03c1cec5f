/*
 * host/wasi.h — WASI preview1 (`wasi_snapshot_preview1`) for guests built
 * with clang + wasi-libc: a context holding a guest's arguments, environment,
 * preopened directories and file descriptors, and the definitions that put
 * its functions into a linker.
 *
 * Every WASI function is one entry of a single table (wasi.c), and every call
 * a guest makes goes through one dispatch function. A hook installed with
 * loam_wasi_set_hook sees each call before and after it runs, by table index:
 * that is where the durability layer records the results of
 * non-deterministic calls and answers them again on replay.
 *
 * Sandboxing: the guest reaches the host file system only through preopened
 * directories (guest fds 3, 4, ...). Paths are resolved one component at a
 * time below the directory fd they are relative to; absolute paths, `..`
 * above the preopen and symlinks leading out of it fail with ENOTCAPABLE.
 */
#ifndef LOAM_HOST_WASI_H
#define LOAM_HOST_WASI_H

#include "loam/wasm.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The WASI errno values this layer and its users refer to by name (from the
 * preview1 witx, typenames.witx `errno`). */
enum {
  LOAM_WASI_ESUCCESS = 0,
  LOAM_WASI_EBADF = 8,
  LOAM_WASI_EFAULT = 21,
  LOAM_WASI_EINVAL = 28,
  LOAM_WASI_ENOSYS = 52,
  LOAM_WASI_ENOTCAPABLE = 76,
};

typedef struct loam_wasi loam_wasi;

/* A directory the guest may use: `host` on this machine, shown to the guest
 * as `guest` (e.g. "." or "/data"). */
typedef struct loam_wasi_preopen {
  const char *host;
  const char *guest;
} loam_wasi_preopen;

/* What a new context starts with. Everything is copied by loam_wasi_new; the
 * caller keeps ownership of the config and its strings. */
typedef struct loam_wasi_config {
  size_t argc;
  const char *const *argv;     /* argv[0] is the program name */
  size_t envc;
  const char *const *env;      /* "KEY=VALUE" strings */
  size_t npreopens;
  const loam_wasi_preopen *preopens;
  /* Host fds behind guest fds 0, 1, 2 (-1: closed). Borrowed: the context
   * never closes them. */
  int stdin_fd, stdout_fd, stderr_fd;
} loam_wasi_config;

/* ---- the hook --------------------------------------------------------- */

typedef enum loam_wasi_phase {
  LOAM_WASI_BEFORE, /* arguments in slots; set `skip` to not run the call */
  LOAM_WASI_AFTER,  /* results in slots (slots[0] = errno, if any) */
} loam_wasi_phase;

/* One call as the hook sees it. Valid only during the hook call. */
typedef struct loam_wasi_call {
  size_t index;          /* entry in the dispatch table */
  const char *name;      /* e.g. "clock_time_get" */
  bool nondeterministic; /* its result depends on the world, not the guest */
  loam_caller *caller;   /* NULL when called outside the engine (tests) */
  uint64_t *slots;       /* the host function's argument/result slots */
  const uint64_t *args;  /* the arguments, still there in AFTER (when
                            slots[0] already holds the errno) */
  size_t nargs;
  bool skip;             /* BEFORE: true = do not run the call: the hook has
                            produced its results itself (slots[0] and any
                            guest memory the call writes, reached through
                            loam_caller_memory(caller)); used by replay */
} loam_wasi_call;

/* Called before and after every WASI call. Returns LOAM_OK to go on, or a
 * trap code (after loam_caller_trap) to stop the guest. */
typedef loam_status (*loam_wasi_hook)(void *user, loam_wasi_phase phase,
                                      loam_wasi_call *call);

/* ---- the context -------------------------------------------------------- */

/* A new context from `cfg`. Opens every preopened directory now; returns NULL
 * with err filled (LOAM_ERR_NOT_FOUND naming the directory, or
 * LOAM_ERR_NOMEM) when one cannot be opened or memory runs out. The caller
 * owns the result and frees it with loam_wasi_free, after the last call of
 * any guest linked against it. */
loam_wasi *loam_wasi_new(const loam_wasi_config *cfg, loam_error *err);

/* Closes every fd the context opened (never the borrowed stdio fds) and frees
 * it. NULL is a no-op. */
void loam_wasi_free(loam_wasi *w);

/* Defines every function of the table as `wasi_snapshot_preview1.<name>` in
 * `l`, as host functions created in `s`. The functions refer to `w`, so `w`
 * must outlive their use. False only when out of memory. */
bool loam_wasi_define(loam_wasi *w, loam_linker *l, loam_store *s);

/* Installs (or with NULL removes) the hook; `user` is passed back to it. */
void loam_wasi_set_hook(loam_wasi *w, loam_wasi_hook hook, void *user);

/* The dispatch table, for the durability layer: its size, and an entry's
 * name and type string ("iIi:i"), or NULL past the end. */
size_t loam_wasi_func_count(void);
const char *loam_wasi_func_name(size_t index);
const char *loam_wasi_func_type(size_t index);
/* The table index of `name`, or -1. */
long loam_wasi_func_index(const char *name);

#endif
