/* mkdirs.c — `mkdir -p` (mkdirs.h). */
#include "util/mkdirs.h"

#include "wasm/module.h" /* wasm_fail */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

bool loam_mkdirs(const char *dir, loam_error *err) {
  char *p = strdup(dir);
  if (!p) return wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
  for (char *s = p + 1;; s++) {
    bool end = *s == '\0';
    if (*s == '/' || end) {
      *s = '\0';
      if (mkdir(p, 0777) != 0 && errno != EEXIST) {
        wasm_fail(err, LOAM_ERR_NOT_FOUND, "cannot create directory %s: %s", p, strerror(errno));
        free(p);
        return false;
      }
      if (end) break;
      *s = '/';
    }
  }
  free(p);
  return true;
}
