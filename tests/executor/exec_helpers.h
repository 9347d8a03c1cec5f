/*
 * exec_helpers.h — what the executor tests share: temporary data
 * directories, loading the test guests, and invoking u64 functions.
 */
#ifndef LOAM_TEST_EXEC_HELPERS_H
#define LOAM_TEST_EXEC_HELPERS_H

#include "loam/executor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef LOAM_EXEC_GUEST_DIR
#define LOAM_EXEC_GUEST_DIR "build/tests/executor"
#endif

/* The bytes of the file at `path` (malloc'd); exits the test if missing. */
static inline uint8_t *file_bytes(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "missing guest %s\n", path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc((size_t)n);
  if (fread(b, 1, (size_t)n, f) != (size_t)n) exit(2);
  fclose(f);
  *len = (size_t)n;
  return b;
}

/* The bytes of guest `name` (counter, clocks); exits the test if missing. */
static inline uint8_t *guest_bytes(const char *name, size_t *len) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s.wasm", LOAM_EXEC_GUEST_DIR, name);
  return file_bytes(path, len);
}

/* A fresh temporary data directory (malloc'd path). */
static inline char *temp_dir(void) {
  char *d = strdup("/tmp/loam-exec-XXXXXX");
  if (!mkdtemp(d)) exit(2);
  return d;
}

static inline void remove_dir(const char *d) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", d);
}

/* Registers guest `guest` as template `name`; NULL with err on failure. */
static inline const loam_template_info *register_guest(loam_executor *ex, const char *name,
                                                       const char *guest, loam_error *err) {
  size_t len;
  uint8_t *b = guest_bytes(guest, &len);
  const loam_template_info *t = loam_template_register(ex, name, b, len, NULL, NULL, err);
  free(b);
  return t;
}

/* Invokes fn with zero or one u64/u32 argument (nargs 0 or 1) and returns its
 * u64/u32 result in *out; the status otherwise. */
static inline loam_status call_u64(loam_executor *ex, const char *tmpl, const char *worker,
                                   const char *fn, int nargs, uint64_t arg, bool u32,
                                   const char *key, uint64_t *out, loam_error *err) {
  loam_value *p = nargs ? loam_value_uint(loam_type_prim(u32 ? LOAM_T_U32 : LOAM_T_U64), arg)
                        : NULL;
  loam_invoke_result r = {0};
  loam_status st = loam_invoke_and_await(ex, tmpl, worker, fn, &p, (size_t)nargs, key, &r, err);
  loam_value_free(p);
  if (st == LOAM_OK && out) *out = r.nvalues ? r.values[0]->of.u : 0;
  loam_invoke_result_free(&r);
  return st;
}

static inline double now_sec(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
