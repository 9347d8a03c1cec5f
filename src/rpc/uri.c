/*
 * rpc/uri.c — worker addresses, "worker://<template-id-or-name>/<worker>",
 * as golem:rpc's `uri` carries them.
 */
#include "loam/rpc.h"
#include "value/value_int.h"   /* lv_utf8_valid */
#include <stdio.h>
#include <string.h>

#define SCHEME "worker://"

/* The input quoted for a message: at most 60 bytes, control characters and
 * bytes that are not UTF-8 shown as '?'. */
static void quote(const char *s, char out[80]) {
  size_t n = strlen(s), k = 0;
  out[k++] = '"';
  for (size_t i = 0; i < n && k < 64; i++) {
    unsigned char c = (unsigned char)s[i];
    out[k++] = c < 0x20 || c == 0x7F || c >= 0x80 ? '?' : (char)c;
  }
  if (n > 60) {
    memcpy(out + k, "...", 3);
    k += 3;
  }
  out[k++] = '"';
  out[k] = '\0';
}

static bool fail(loam_error *err, const char *text, const char *fmt, const char *detail) {
  if (!err) return false;
  char q[80];
  quote(text, q);
  err->code = LOAM_ERR_ARGUMENT;
  err->exit_code = 0;
  err->backtrace[0] = '\0';
  char msg[256];
  snprintf(msg, sizeof msg, fmt, detail);
  snprintf(err->message, sizeof err->message, "bad worker URI %s: %s", q, msg);
  return false;
}

/* The first control character (C0 or DEL) in s[0..n), or NULL. */
static const char *control_char(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F) return s + i;
  return NULL;
}

bool loam_worker_uri_parse(const char *text, loam_worker_uri *out, loam_error *err) {
  static const char *const shape = "expected worker://<template>/<worker>%s";
  if (!text) return fail(err, "", shape, "");
  if (strncmp(text, SCHEME, strlen(SCHEME)))
    return fail(err, text, shape, strstr(text, "://") ? " (the scheme must be worker)" : "");
  const char *tmpl = text + strlen(SCHEME), *slash = strchr(tmpl, '/');
  if (!slash) return fail(err, text, shape, " (no worker name)");
  size_t tlen = (size_t)(slash - tmpl);
  const char *worker = slash + 1;
  size_t wlen = strlen(worker);
  char detail[64];
  if (!tlen) return fail(err, text, "empty template%s", "");
  if (!wlen) return fail(err, text, "empty worker name%s", "");
  if (control_char(tmpl, tlen)) return fail(err, text, "a control character in the template%s", "");
  if (control_char(worker, wlen))
    return fail(err, text, "a control character in the worker name%s", "");
  if (strchr(worker, '/'))
    return fail(err, text, "'/' in the worker name%s (worker names cannot contain '/')", "");
  if (*tmpl == ' ' || slash[-1] == ' ' || *worker == ' ' || worker[wlen - 1] == ' ')
    return fail(err, text, "leading or trailing spaces around the template or worker name%s", "");
  if (!lv_utf8_valid(tmpl, tlen) || !lv_utf8_valid(worker, wlen))
    return fail(err, text, "not valid UTF-8%s", "");
  if (tlen >= sizeof out->template_ref) {
    snprintf(detail, sizeof detail, "%zu bytes, at most %zu", tlen, sizeof out->template_ref - 1);
    return fail(err, text, "template too long (%s)", detail);
  }
  if (wlen >= sizeof out->worker) {
    snprintf(detail, sizeof detail, "%zu bytes, at most %zu", wlen, sizeof out->worker - 1);
    return fail(err, text, "worker name too long (%s)", detail);
  }
  memcpy(out->template_ref, tmpl, tlen);
  out->template_ref[tlen] = '\0';
  memcpy(out->worker, worker, wlen);
  out->worker[wlen] = '\0';
  return true;
}
