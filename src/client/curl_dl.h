/* curl_dl.h — the libcurl functions the CLI's client uses, loaded on first
 * use (see util/dynlib.h for why). */
#ifndef LOAM_CLIENT_CURL_DL_H
#define LOAM_CLIENT_CURL_DL_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct loam_curl_api {
  CURLcode (*global_init)(long flags);
  CURL *(*easy_init)(void);
  CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
  CURLcode (*easy_perform)(CURL *h);
  CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
  void (*easy_cleanup)(CURL *h);
  const char *(*easy_strerror)(CURLcode rc);
  struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
  void (*slist_free_all)(struct curl_slist *l);
} loam_curl_api;

/* The loaded functions, with curl_global_init done (once, thread-safe), or
 * NULL with the reason in err[0..errlen) when libcurl cannot be loaded. */
const loam_curl_api *loam_curl(char *err, size_t errlen);

#endif
