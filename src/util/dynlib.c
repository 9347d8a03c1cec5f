/* dynlib.c — see dynlib.h. */
#include "util/dynlib.h"

#include <dlfcn.h>
#include <stdio.h>

bool loam_dynlib_load(const char *soname, const char *package, const loam_dynsym *syms,
                      size_t n, char *err, size_t errlen) {
  void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    snprintf(err, errlen, "cannot load %s (install the %s package): %s", soname, package,
             dlerror());
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    void *f = dlsym(h, syms[i].name);
    if (!f) {
      snprintf(err, errlen, "%s has no %s: is it an older version?", soname, syms[i].name);
      return false;
    }
    *syms[i].slot = f;
  }
  return true;
}
