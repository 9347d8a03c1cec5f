/* oplog_json.c — oplog entries as JSON objects (the `loam oplog` view and
 * the REST API's GET .../oplog), walking the same field tables as the codec. */
#include "durable/oplog_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/module.h"

static json_t *hex_of(const uint8_t *p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  char *s = malloc(2 * n + 1);
  if (!s) return NULL;
  for (size_t i = 0; i < n; i++) {
    s[2 * i] = digits[p[i] >> 4];
    s[2 * i + 1] = digits[p[i] & 15];
  }
  s[2 * n] = '\0';
  json_t *j = json_pack("{s:s}", "hex", s);
  free(s);
  return j;
}

/* Valid UTF-8 without NUL (jansson refuses both invalid UTF-8 and NUL in
 * json_stringn's default handling for printing). */
static bool utf8_ok(const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = p[i];
    size_t k;
    uint32_t cp;
    if (c == 0) return false;
    if (c < 0x80) { i++; continue; }
    if ((c & 0xe0) == 0xc0) { k = 1; cp = c & 0x1f; }
    else if ((c & 0xf0) == 0xe0) { k = 2; cp = c & 0x0f; }
    else if ((c & 0xf8) == 0xf0) { k = 3; cp = c & 0x07; }
    else return false;
    if (n - i <= k) return false;
    for (size_t j = 1; j <= k; j++) {
      if ((p[i + j] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i + j] & 0x3f);
    }
    if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) ||
        (k == 3 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += k + 1;
  }
  return true;
}

/* The function a value field belongs to, for the value hook. */
static const char *function_of(const loam_oplog_entry *e) {
  switch (e->kind) {
  case LOAM_OPLOG_ENQUEUED:
  case LOAM_OPLOG_INVOKE_START: return e->u.invoke.function;
  case LOAM_OPLOG_RPC_CALL:
  case LOAM_OPLOG_RPC_RESULT: return e->u.rpc.function;
  default: return NULL;
  }
}

static json_t *bytes_json(const oplog_field *f, const loam_oplog_entry *e,
                          const loam_oplog_bytes *b,
                          loam_oplog_value_json_fn value_json, void *ud) {
  if (f->show == SHOW_TEXT && utf8_ok(b->data, b->len))
    return json_pack("{s:s%}", "text", b->data ? (const char *)b->data : "", b->len);
  /* Empty value bytes go to value_json too: they are a valid encoding of
   * no values, and the callback learns of every invocation's function. */
  if ((f->show == SHOW_PARAMS || f->show == SHOW_RESULT) && value_json) {
    char *text = value_json(ud, function_of(e), f->show == SHOW_RESULT, b->data, b->len);
    if (text) {
      json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
      free(text);
      if (j) return j;
    }
  }
  return hex_of(b->data, b->len);
}

static json_t *str_json(const char *s) {
  if (!s) s = "";
  json_t *j = json_string(s);
  /* a decoded string is NUL-free but may not be UTF-8 */
  return j ? j : hex_of((const uint8_t *)s, strlen(s));
}

static json_t *field_json(const oplog_field *f, const loam_oplog_entry *e,
                          loam_oplog_value_json_fn value_json, void *ud) {
  const char *base = (const char *)e;
  switch (f->type) {
  case OF_STR: {
    const char *s;
    memcpy(&s, base + f->off, sizeof s);
    return str_json(s);
  }
  case OF_BYTES: {
    loam_oplog_bytes b;
    memcpy(&b, base + f->off, sizeof b);
    return bytes_json(f, e, &b, value_json, ud);
  }
  case OF_U8: return json_integer(*(const uint8_t *)(base + f->off));
  case OF_BOOL: {
    bool v;
    memcpy(&v, base + f->off, sizeof v);
    return json_boolean(v);
  }
  case OF_U32: {
    uint32_t v;
    memcpy(&v, base + f->off, sizeof v);
    return json_integer(v);
  }
  case OF_U64: {
    uint64_t v;
    memcpy(&v, base + f->off, sizeof v);
    /* JSON integers here are signed 64-bit: larger values become text */
    return v <= INT64_MAX ? json_integer((json_int_t)v) : json_sprintf("%llu", (unsigned long long)v);
  }
  case OF_F64: {
    double d;
    memcpy(&d, base + f->off, sizeof d);
    return json_real(d);   /* NULL for NaN/inf: the member is left out */
  }
  case OF_STRLIST: {
    char **list;
    size_t n;
    memcpy(&list, base + f->off, sizeof list);
    memcpy(&n, base + f->off2, sizeof n);
    json_t *a = json_array();
    for (size_t i = 0; a && list && i < n; i++) json_array_append_new(a, str_json(list[i]));
    return a;
  }
  }
  return NULL;
}

static json_t *entry_json(uint64_t index, const loam_oplog_entry *e,
                          loam_oplog_value_json_fn value_json, void *ud) {
  const oplog_layout *l = oplog_layout_of(e->kind);
  json_t *o = json_object();
  if (!o) return NULL;
  json_object_set_new(o, "index", json_integer((json_int_t)(index & INT64_MAX)));
  json_object_set_new(o, "kind", json_string(l ? l->name : "unknown"));
  json_object_set_new(o, "timestamp", json_integer((json_int_t)(e->timestamp_ms & INT64_MAX)));
  for (size_t i = 0; l && i < l->count; i++) {
    json_t *v = field_json(&l->fields[i], e, value_json, ud);
    if (v) json_object_set_new(o, l->fields[i].json, v);
  }
  return o;
}

static char *dump(json_t *j) {
  if (!j) return NULL;
  char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
  json_decref(j);
  return s;
}

char *loam_oplog_entry_to_json(uint64_t index, const loam_oplog_entry *e,
                               loam_oplog_value_json_fn value_json, void *ud) {
  return dump(entry_json(index, e, value_json, ud));
}

char *loam_oplog_bytes_to_json(uint64_t index, const uint8_t *bytes, size_t len,
                               loam_oplog_value_json_fn value_json, void *ud) {
  loam_oplog_entry e;
  loam_error err;
  if (loam_oplog_decode(bytes, len, &e, &err)) {
    char *s = loam_oplog_entry_to_json(index, &e, value_json, ud);
    loam_oplog_entry_free(&e);
    return s;
  }
  json_t *o = json_object();
  if (!o) return NULL;
  json_object_set_new(o, "index", json_integer((json_int_t)(index & INT64_MAX)));
  json_object_set_new(o, "kind", json_string(loam_oplog_kind_name(len ? bytes[0] : 0)));
  json_object_set_new(o, "malformed", json_string(err.message));
  json_t *h = hex_of(bytes, len);
  if (h) json_object_set(o, "hex", json_object_get(h, "hex"));
  json_decref(h);
  return dump(o);
}
