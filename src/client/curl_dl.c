/* curl_dl.c — see curl_dl.h. */
#include "client/curl_dl.h"

#include <stdio.h>

#include "util/dynlib.h"

static loam_curl_api api;

static const loam_dynsym syms[] = {
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

static bool global_init(char *err, size_t errlen) {
  CURLcode rc = api.global_init(CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK) snprintf(err, errlen, "curl_global_init failed (%d)", (int)rc);
  return rc == CURLE_OK;
}

static loam_dynlib lib = {.soname = "libcurl.so.4", .package = "libcurl4", .syms = syms,
                          .nsyms = sizeof syms / sizeof syms[0], .init = global_init};

const loam_curl_api *loam_curl(char *err, size_t errlen) {
  return loam_dynlib_open(&lib, err, errlen) ? &api : NULL;
}
