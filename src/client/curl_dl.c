/* curl_dl.c — see curl_dl.h. */
#include "client/curl_dl.h"

#include <pthread.h>
#include <stdio.h>

#include "util/dynlib.h"

static loam_curl_api api;
static bool loaded;
static char load_err[300];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
  const loam_dynsym syms[] = {
      {"curl_global_init", (void **)&api.global_init},
      {"curl_easy_init", (void **)&api.easy_init},
      {"curl_easy_setopt", (void **)&api.easy_setopt},
      {"curl_easy_perform", (void **)&api.easy_perform},
      {"curl_easy_getinfo", (void **)&api.easy_getinfo},
      {"curl_easy_cleanup", (void **)&api.easy_cleanup},
      {"curl_easy_strerror", (void **)&api.easy_strerror},
      {"curl_slist_append", (void **)&api.slist_append},
      {"curl_slist_free_all", (void **)&api.slist_free_all},
  };
  loaded = loam_dynlib_load("libcurl.so.4", "libcurl4", syms, sizeof syms / sizeof syms[0],
                            load_err, sizeof load_err) &&
           api.global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!loaded && !load_err[0]) snprintf(load_err, sizeof load_err, "curl_global_init failed");
}

const loam_curl_api *loam_curl(char *err, size_t errlen) {
  pthread_once(&once, load);
  if (!loaded) snprintf(err, errlen, "%s", load_err);
  return loaded ? &api : NULL;
}
