/* oplog.c — binary encoding and decoding of oplog entries, driven by one
 * field table per kind (so encoder, decoder and printer cannot disagree). */
#include "durable/oplog_int.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/module.h"   /* wasm_fail */

#define E(m) offsetof(loam_oplog_entry, u.m)
#define F(t, j, m) {t, j, E(m), 0, SHOW_HEX}
#define FB(j, m, show) {OF_BYTES, j, E(m), 0, show}
#define FL(j, m, n) {OF_STRLIST, j, E(m), E(n), SHOW_HEX}

static const oplog_field f_create[] = {
    F(OF_STR, "template", create.template_name),
    F(OF_U32, "templateVersion", create.template_version),
    FL("env", create.env, create.env_count),
    FL("args", create.args, create.arg_count),
};
static const oplog_field f_invoke[] = {
    F(OF_STR, "function", invoke.function),
    F(OF_STR, "idempotencyKey", invoke.key),
    FB("params", invoke.params, SHOW_PARAMS),
};
static const oplog_field f_host[] = {
    F(OF_U32, "hostIndex", host.index),
    F(OF_STR, "hostFunction", host.name),
    FB("result", host.result, SHOW_HEX),
};
static const oplog_field f_log[] = {
    F(OF_U8, "stream", log.stream),
    FB("bytes", log.bytes, SHOW_TEXT),
};
static const oplog_field f_end[] = {
    F(OF_STR, "idempotencyKey", end.key),
    F(OF_BOOL, "ok", end.ok),
    FB("result", end.result, SHOW_RESULT),
    F(OF_STR, "error", end.error),
};
static const oplog_field f_error[] = {
    F(OF_STR, "message", error.message),
    F(OF_STR, "stack", error.stack),
    F(OF_U32, "attempt", error.attempt),
};
static const oplog_field f_interrupt[] = {
    F(OF_STR, "reason", interrupt.reason),
};
static const oplog_field f_snapshot[] = {
    F(OF_U64, "atIndex", snapshot.at_index),
    F(OF_U64, "memorySize", snapshot.memory_size),
    F(OF_U32, "pagesWritten", snapshot.pages_written),
};
static const oplog_field f_retry[] = {
    F(OF_U32, "maxAttempts", retry.max_attempts),
    F(OF_U32, "minDelayMs", retry.min_delay_ms),
    F(OF_U32, "maxDelayMs", retry.max_delay_ms),
    F(OF_F64, "multiplier", retry.multiplier),
    F(OF_F64, "jitter", retry.jitter),
};
static const oplog_field f_rpc_call[] = {
    F(OF_STR, "key", rpc.key),
    F(OF_STR, "target", rpc.target),
    F(OF_STR, "function", rpc.function),
    FB("params", rpc.data, SHOW_PARAMS),
};
static const oplog_field f_rpc_result[] = {
    F(OF_STR, "key", rpc.key),
    F(OF_STR, "target", rpc.target),
    F(OF_STR, "function", rpc.function),
    FB("result", rpc.data, SHOW_RESULT),
    F(OF_BOOL, "ok", rpc.ok),
    F(OF_STR, "error", rpc.error),
};

#define L(name, f) {name, f, sizeof f / sizeof f[0]}
static const oplog_layout layouts[LOAM_OPLOG_KIND_MAX + 1] = {
    [LOAM_OPLOG_CREATE] = L("create", f_create),
    [LOAM_OPLOG_ENQUEUED] = L("enqueued", f_invoke),
    [LOAM_OPLOG_INVOKE_START] = L("invoke-start", f_invoke),
    [LOAM_OPLOG_HOST_CALL] = L("host-call", f_host),
    [LOAM_OPLOG_LOG] = L("log", f_log),
    [LOAM_OPLOG_INVOKE_END] = L("invoke-end", f_end),
    [LOAM_OPLOG_ERROR] = L("error", f_error),
    [LOAM_OPLOG_INTERRUPTED] = L("interrupted", f_interrupt),
    [LOAM_OPLOG_RESUMED] = L("resumed", f_interrupt),
    [LOAM_OPLOG_SNAPSHOT] = L("snapshot", f_snapshot),
    [LOAM_OPLOG_RETRY_POLICY] = L("retry-policy", f_retry),
    [LOAM_OPLOG_RPC_CALL] = L("rpc-call", f_rpc_call),
    [LOAM_OPLOG_RPC_RESULT] = L("rpc-result", f_rpc_result),
};

const oplog_layout *oplog_layout_of(int kind) {
  if (kind < 1 || kind > LOAM_OPLOG_KIND_MAX) return NULL;
  return &layouts[kind];
}

const char *loam_oplog_kind_name(int kind) {
  const oplog_layout *l = oplog_layout_of(kind);
  return l ? l->name : "unknown";
}

loam_retry_policy loam_retry_policy_default(void) {
  return (loam_retry_policy){.max_attempts = 3, .min_delay_ms = 100,
                             .max_delay_ms = 1000, .multiplier = 3.0,
                             .jitter = 0.15};
}

/* ---- encoding ------------------------------------------------------------ */

static bool put(loam_buf *b, const void *p, size_t n) {
  if (n == 0) return true;
  if (b->cap - b->len < n) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap - b->len < n) {
      if (cap > SIZE_MAX / 2) return false;
      cap *= 2;
    }
    uint8_t *d = realloc(b->data, cap);
    if (!d) return false;
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
  return true;
}

static bool put_leb(loam_buf *b, uint64_t v) {
  uint8_t tmp[10];
  size_t n = 0;
  do {
    uint8_t byte = v & 0x7f;
    v >>= 7;
    tmp[n++] = byte | (v ? 0x80 : 0);
  } while (v);
  return put(b, tmp, n);
}

static bool put_str(loam_buf *b, const char *s) {
  size_t n = s ? strlen(s) : 0;
  return put_leb(b, n) && put(b, s, n);
}

static bool put_field(loam_buf *b, const oplog_field *f, const loam_oplog_entry *e) {
  const char *base = (const char *)e;
  switch (f->type) {
  case OF_STR: {
    const char *s;
    memcpy(&s, base + f->off, sizeof s);
    return put_str(b, s);
  }
  case OF_BYTES: {
    loam_oplog_bytes v;
    memcpy(&v, base + f->off, sizeof v);
    return put_leb(b, v.data ? v.len : 0) && (!v.data || put(b, v.data, v.len));
  }
  case OF_U8: return put(b, base + f->off, 1);
  case OF_BOOL: {
    bool v;
    memcpy(&v, base + f->off, sizeof v);
    uint8_t byte = v ? 1 : 0;
    return put(b, &byte, 1);
  }
  case OF_U32: {
    uint32_t v;
    memcpy(&v, base + f->off, sizeof v);
    return put_leb(b, v);
  }
  case OF_U64: {
    uint64_t v;
    memcpy(&v, base + f->off, sizeof v);
    return put_leb(b, v);
  }
  case OF_F64: {
    double d;
    uint64_t bits;
    memcpy(&d, base + f->off, sizeof d);
    memcpy(&bits, &d, sizeof bits);
    uint8_t le[8];
    for (int i = 0; i < 8; i++) le[i] = (uint8_t)(bits >> (8 * i));
    return put(b, le, 8);
  }
  case OF_STRLIST: {
    char **list;
    size_t n;
    memcpy(&list, base + f->off, sizeof list);
    memcpy(&n, base + f->off2, sizeof n);
    if (!list) n = 0;
    if (!put_leb(b, n)) return false;
    for (size_t i = 0; i < n; i++)
      if (!put_str(b, list[i])) return false;
    return true;
  }
  }
  return false;
}

bool loam_oplog_encode(const loam_oplog_entry *e, loam_buf *out) {
  const oplog_layout *l = oplog_layout_of(e->kind);
  if (!l) return false;
  size_t start = out->len;
  uint8_t kind = (uint8_t)e->kind;
  bool ok = put(out, &kind, 1) && put_leb(out, e->timestamp_ms);
  for (size_t i = 0; ok && i < l->count; i++) ok = put_field(out, &l->fields[i], e);
  if (!ok) out->len = start;   /* leave the buffer as it was */
  return ok;
}

/* ---- decoding ------------------------------------------------------------ */

typedef struct rd {
  const uint8_t *p, *end;
} rd;

static bool get_leb(rd *r, uint64_t *out) {
  uint64_t v = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (r->p == r->end) return false;
    uint8_t byte = *r->p++;
    /* the 10th byte may only carry the top bit of a u64 */
    if (shift == 63 && (byte & 0x7e)) return false;
    v |= (uint64_t)(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *out = v;
      return true;
    }
  }
  return false;
}

/* A length that the rest of the input can hold. */
static bool get_len(rd *r, size_t *out) {
  uint64_t n;
  if (!get_leb(r, &n) || n > (uint64_t)(r->end - r->p)) return false;
  *out = (size_t)n;
  return true;
}

static bool get_str(rd *r, char **out) {
  size_t n;
  if (!get_len(r, &n)) return false;
  if (memchr(r->p, 0, n)) return false;   /* strings are C strings */
  char *s = malloc(n + 1);
  if (!s) return false;
  if (n) memcpy(s, r->p, n);
  s[n] = '\0';
  r->p += n;
  *out = s;
  return true;
}

static bool get_bytes(rd *r, loam_oplog_bytes *out) {
  size_t n;
  if (!get_len(r, &n)) return false;
  out->data = NULL;
  out->len = 0;
  if (n == 0) return true;
  out->data = malloc(n);
  if (!out->data) return false;
  memcpy(out->data, r->p, n);
  out->len = n;
  r->p += n;
  return true;
}

static bool get_strlist(rd *r, char ***list, size_t *count) {
  size_t n;
  /* each string needs at least its one-byte length */
  if (!get_len(r, &n)) return false;
  *list = NULL;
  *count = 0;
  if (n == 0) return true;
  char **l = calloc(n, sizeof *l);
  if (!l) return false;
  *list = l;
  for (size_t i = 0; i < n; i++) {
    if (!get_str(r, &l[i])) return false;
    *count = i + 1;
  }
  return true;
}

static bool get_field(rd *r, const oplog_field *f, loam_oplog_entry *e) {
  char *base = (char *)e;
  uint64_t v;
  switch (f->type) {
  case OF_STR: {
    char *s = NULL;
    bool ok = get_str(r, &s);
    memcpy(base + f->off, &s, sizeof s);
    return ok;
  }
  case OF_BYTES: {
    loam_oplog_bytes b = {0};
    bool ok = get_bytes(r, &b);
    memcpy(base + f->off, &b, sizeof b);
    return ok;
  }
  case OF_U8:
    if (r->p == r->end) return false;
    memcpy(base + f->off, r->p++, 1);
    return true;
  case OF_BOOL: {
    if (r->p == r->end || *r->p > 1) return false;
    bool b = *r->p++ == 1;
    memcpy(base + f->off, &b, sizeof b);
    return true;
  }
  case OF_U32: {
    if (!get_leb(r, &v) || v > UINT32_MAX) return false;
    uint32_t u = (uint32_t)v;
    memcpy(base + f->off, &u, sizeof u);
    return true;
  }
  case OF_U64:
    if (!get_leb(r, &v)) return false;
    memcpy(base + f->off, &v, sizeof v);
    return true;
  case OF_F64: {
    if (r->end - r->p < 8) return false;
    uint64_t bits = 0;
    for (int i = 0; i < 8; i++) bits |= (uint64_t)r->p[i] << (8 * i);
    r->p += 8;
    double d;
    memcpy(&d, &bits, sizeof d);
    memcpy(base + f->off, &d, sizeof d);
    return true;
  }
  case OF_STRLIST: {
    char **list = NULL;
    size_t n = 0;
    bool ok = get_strlist(r, &list, &n);
    memcpy(base + f->off, &list, sizeof list);
    memcpy(base + f->off2, &n, sizeof n);
    return ok;
  }
  }
  return false;
}

bool loam_oplog_decode(const uint8_t *bytes, size_t len, loam_oplog_entry *e,
                       loam_error *err) {
  memset(e, 0, sizeof *e);
  if (len == 0 || !bytes)
    return wasm_fail(err, LOAM_ERR_MALFORMED, "oplog entry: empty");
  rd r = {bytes, bytes + len};
  const oplog_layout *l = oplog_layout_of(bytes[0]);
  if (!l)
    return wasm_fail(err, LOAM_ERR_MALFORMED, "oplog entry: unknown kind %u",
                     (unsigned)bytes[0]);
  e->kind = (loam_oplog_kind)bytes[0];
  r.p++;
  if (!get_leb(&r, &e->timestamp_ms)) {
    loam_oplog_entry_free(e);
    return wasm_fail(err, LOAM_ERR_MALFORMED, "oplog entry (%s): bad timestamp",
                     l->name);
  }
  for (size_t i = 0; i < l->count; i++) {
    if (!get_field(&r, &l->fields[i], e)) {
      loam_oplog_entry_free(e);
      return wasm_fail(err, LOAM_ERR_MALFORMED,
                       "oplog entry (%s): field '%s' is truncated or malformed",
                       l->name, l->fields[i].json);
    }
  }
  if (r.p != r.end) {
    size_t extra = (size_t)(r.end - r.p);
    loam_oplog_entry_free(e);
    return wasm_fail(err, LOAM_ERR_MALFORMED,
                     "oplog entry (%s): %zu trailing bytes", l->name, extra);
  }
  return true;
}

static void free_field(const oplog_field *f, loam_oplog_entry *e) {
  char *base = (char *)e;
  if (f->type == OF_STR) {
    char *s;
    memcpy(&s, base + f->off, sizeof s);
    free(s);
  } else if (f->type == OF_BYTES) {
    loam_oplog_bytes b;
    memcpy(&b, base + f->off, sizeof b);
    free(b.data);
  } else if (f->type == OF_STRLIST) {
    char **list;
    size_t n;
    memcpy(&list, base + f->off, sizeof list);
    memcpy(&n, base + f->off2, sizeof n);
    for (size_t i = 0; list && i < n; i++) free(list[i]);
    free(list);
  }
}

void loam_oplog_entry_free(loam_oplog_entry *e) {
  if (!e) return;
  const oplog_layout *l = oplog_layout_of(e->kind);
  for (size_t i = 0; l && i < l->count; i++) free_field(&l->fields[i], e);
  memset(e, 0, sizeof *e);
}
