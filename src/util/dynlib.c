/* dynlib.c — see dynlib.h. */
#include "util/dynlib.h"

#include <dlfcn.h>
#include <pthread.h>
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

bool loam_dynlib_open(loam_dynlib *l, char *err, size_t errlen) {
  static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_lock(&mu);
  if (!l->tried) {
    l->tried = true;
    l->ok = loam_dynlib_load(l->soname, l->package, l->syms, l->nsyms, l->err, sizeof l->err) &&
            (!l->init || l->init(l->err, sizeof l->err));
  }
  bool ok = l->ok;
  pthread_mutex_unlock(&mu);
  if (!ok) snprintf(err, errlen, "%s", l->err);
  return ok;
}
