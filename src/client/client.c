/* client.c — the CLI's requests to a loam server over libcurl (loaded on
 * first use: curl_dl.h). */
#include "client.h"

#include "client/curl_dl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void loam_client_init(loam_client *c, const char *url) {
  memset(c, 0, sizeof *c);
  if (!url || !*url) url = getenv("LOAM_URL");
  if (!url || !*url) url = "http://127.0.0.1:9881";
  snprintf(c->base, sizeof c->base, "%s", url);
  size_t n = strlen(c->base);
  while (n && c->base[n - 1] == '/') c->base[--n] = '\0';
  const char *tok = getenv("LOAM_TOKEN");
  if (tok) snprintf(c->token, sizeof c->token, "%s", tok);
}

typedef struct sinkbuf {
  char *data;
  size_t len, cap;
  size_t (*sink)(const char *data, size_t n, void *ud);
  void *ud;
} sinkbuf;

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud) {
  sinkbuf *b = ud;
  size_t n = size * nmemb;
  if (b->sink) return b->sink(p, n, b->ud);
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1) cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) return 0;
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return n;
}

static bool perform(const loam_client *c, const char *method, const char *path,
                    const char *ctype, const void *body, size_t len,
                    const char *const *headers, sinkbuf *b, loam_http_resp *resp) {
  memset(resp, 0, sizeof *resp);
  const loam_curl_api *cu = loam_curl(resp->error, sizeof resp->error);
  if (!cu) return false;
  CURL *h = cu->easy_init();
  if (!h) {
    snprintf(resp->error, sizeof resp->error, "cannot start libcurl");
    return false;
  }
  size_t ulen = strlen(c->base) + strlen(path) + 1;
  char *url = malloc(ulen);
  snprintf(url, ulen, "%s%s", c->base, path);
  struct curl_slist *hl = NULL;
  char hdr[600];
  if (c->token[0]) {
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", c->token);
    hl = cu->slist_append(hl, hdr);
  }
  if (ctype) {
    snprintf(hdr, sizeof hdr, "Content-Type: %s", ctype);
    hl = cu->slist_append(hl, hdr);
  }
  hl = cu->slist_append(hl, "Expect:"); /* no 100-continue round trip */
  for (size_t i = 0; headers && headers[i]; i++) hl = cu->slist_append(hl, headers[i]);
  cu->easy_setopt(h, CURLOPT_URL, url);
  cu->easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
  cu->easy_setopt(h, CURLOPT_HTTPHEADER, hl);
  cu->easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
  cu->easy_setopt(h, CURLOPT_WRITEDATA, b);
  cu->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  char errbuf[CURL_ERROR_SIZE] = "";
  cu->easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  if (body || !strcmp(method, "POST")) {
    cu->easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
    cu->easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  }
  CURLcode rc = cu->easy_perform(h);
  bool ok = rc == CURLE_OK;
  if (ok) cu->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
  else
    snprintf(resp->error, sizeof resp->error, "cannot reach %.200s: %.250s", c->base,
             errbuf[0] ? errbuf : cu->easy_strerror(rc));
  cu->slist_free_all(hl);
  cu->easy_cleanup(h);
  free(url);
  return ok;
}

bool loam_client_request(const loam_client *c, const char *method, const char *path,
                         const char *ctype, const void *body, size_t len,
                         const char *const *headers, loam_http_resp *resp) {
  sinkbuf b = {0};
  bool ok = perform(c, method, path, ctype, body, len, headers, &b, resp);
  resp->body = b.data ? b.data : strdup("");
  resp->len = b.len;
  return ok;
}

bool loam_client_stream(const loam_client *c, const char *path,
                        size_t (*sink)(const char *data, size_t n, void *ud), void *ud,
                        loam_http_resp *resp) {
  sinkbuf b = {.sink = sink, .ud = ud};
  bool ok = perform(c, "GET", path, NULL, NULL, 0, NULL, &b, resp);
  resp->body = strdup("");
  return ok;
}

void loam_http_resp_free(loam_http_resp *r) {
  free(r->body);
  r->body = NULL;
}

char *loam_client_escape(const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  size_t n = strlen(s);
  char *out = malloc(3 * n + 1), *p = out;
  if (!out) return NULL;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                 (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' ||
                 ch == '~';
    if (plain) {
      *p++ = (char)ch;
    } else {
      *p++ = '%';
      *p++ = hex[ch >> 4];
      *p++ = hex[ch & 15];
    }
  }
  *p = '\0';
  return out;
}
