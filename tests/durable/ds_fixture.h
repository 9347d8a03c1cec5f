/* ds_fixture.h — helpers shared by the durable store tests: temporary data
 * directories and a few assertions on loam_error. */
#ifndef LOAM_TESTS_DS_FIXTURE_H
#define LOAM_TESTS_DS_FIXTURE_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "durable/durable.h"

static int ds_fx_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb; (void)flag; (void)ftw;
  return remove(path);
}

/* A fresh empty directory name under $TMPDIR (the store creates it). */
static char *ds_fx_dir(void) {
  const char *tmp = getenv("TMPDIR");
  char tmpl[512];
  snprintf(tmpl, sizeof tmpl, "%s/loam-ds-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  char *d = mkdtemp(tmpl);
  if (!d) return NULL;
  char *copy = malloc(strlen(d) + 8);
  sprintf(copy, "%s/data", d);
  return copy;
}

/* Removes what ds_fx_dir made (the parent of the data directory). */
static void ds_fx_rmdir(char *dir) {
  if (!dir) return;
  char *slash = strrchr(dir, '/');
  if (slash) *slash = '\0';
  nftw(dir, ds_fx_rm, 16, FTW_DEPTH | FTW_PHYS);
  free(dir);
}

#define DS_OK(call)                                                      \
  do {                                                                   \
    if (!(call)) {                                                       \
      fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #call, \
              err.message);                                              \
      fail();                                                            \
    }                                                                    \
  } while (0)

#endif
