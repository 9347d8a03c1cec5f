/*
 * json.c — values from and to JSON, type-directed, in Golem's mapping:
 * record = object by WIT field names, tuple/list = array, option = null or
 * the value, result = {"ok": v} / {"err": v}, variant = {"<case>": payload},
 * enum = case name, flags = array of set names, char = one-char string,
 * 64-bit integers exact (numbers or decimal strings), floats with "NaN",
 * "Infinity" and "-Infinity" (and, leniently, decimal numbers in strings),
 * handles as numbers.
 *
 * One rule of our own: option<option<T>> would be ambiguous (null could be
 * none or some(none)), so when an option's payload is itself an option the
 * outer some is written {"some": v}; none stays null.
 */
#include "value/value_int.h"
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- decoding ---- */

/* A short rendering of j for "got ..." in messages. */
static void describe(const json_t *j, char out[80]) {
  char *s = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
  if (!s) {
    snprintf(out, 80, "%s", "a value");
    return;
  }
  if (strlen(s) > 60) snprintf(out, 80, "%.57s...", s);
  else snprintf(out, 80, "%s", s);
  free(s);
}

static void *expected(loam_verr *err, const lv_path *p, const char *what, const json_t *j) {
  char got[80];
  describe(j, got);
  return lv_fail(err, p, "expected %s, got %s", what, got);
}

static loam_value *decode(const loam_type *t, const json_t *j, lv_path *p, loam_verr *err);

static loam_value *decode_int(const loam_type *t, const json_t *j, lv_path *p, loam_verr *err) {
  bool neg;
  uint64_t mag;
  if (json_is_integer(j)) {
    json_int_t x = json_integer_value(j);
    neg = x < 0;
    mag = neg ? 0 - (uint64_t)x : (uint64_t)x;
  } else if (!json_is_string(j) || !lv_parse_dec(json_string_value(j), json_string_length(j), &neg, &mag)) {
    return expected(err, p, lv_kind_name(t->kind), j);
  }
  loam_value *v = lv_alloc(t);
  if (!v) return lv_fail(err, p, "out of memory");
  if (!lv_fit_int(t->kind, neg, mag, v)) {
    free(v);
    return expected(err, p, lv_kind_name(t->kind), j);
  }
  return v;
}

/* A JSON number, or one of the strings "NaN", "Infinity", "-Infinity", or
 * a string holding a number (big integers arrive that way). */
static bool json_double(const json_t *j, double *d) {
  if (json_is_number(j)) {
    *d = json_number_value(j);
    return true;
  }
  if (!json_is_string(j)) return false;
  const char *s = json_string_value(j);
  if (!strcmp(s, "NaN")) *d = NAN;
  else if (!strcmp(s, "Infinity")) *d = INFINITY;
  else if (!strcmp(s, "-Infinity")) *d = -INFINITY;
  else {
    if (!*s || !(*s == '-' || (*s >= '0' && *s <= '9')) || s[strspn(s, "0123456789+-.eE")])
      return false;  /* decimal text only: strtod would also take hex */
    char *end;
    *d = strtod(s, &end);
    return !*end && isfinite(*d);
  }
  return true;
}

static loam_value *decode_float(const loam_type *t, const json_t *j, lv_path *p, loam_verr *err) {
  double d;
  if (!json_double(j, &d)) return expected(err, p, lv_kind_name(t->kind), j);
  if (t->kind == LOAM_T_F32 && isfinite(d) && fabs(d) > 3.4028235677973366e38)
    return expected(err, p, "f32", j);  /* would round to infinity */
  loam_value *v = lv_alloc(t);
  if (!v) return lv_fail(err, p, "out of memory");
  if (t->kind == LOAM_T_F32) v->of.f32 = (float)d;
  else v->of.f64 = d;
  return v;
}

static loam_value *decode_char(const loam_type *t, const json_t *j, lv_path *p, loam_verr *err) {
  uint32_t c;
  if (!json_is_string(j) || json_string_length(j) == 0 ||
      lv_utf8_decode(json_string_value(j), json_string_length(j), &c) != json_string_length(j))
    return expected(err, p, "char (a one-character string)", j);
  loam_value *v = lv_alloc(t);
  if (!v) return lv_fail(err, p, "out of memory");
  v->of.ch = c;
  return v;
}

static loam_value *decode_string(const loam_type *t, const json_t *j, lv_path *p, loam_verr *err) {
  if (!json_is_string(j)) return expected(err, p, "string", j);
  size_t n = json_string_length(j);
  loam_value *v = lv_alloc(t);
  if (!v || !(v->of.str.ptr = malloc(n + 1))) {
    free(v);
    return lv_fail(err, p, "out of memory");
  }
  if (n) memcpy(v->of.str.ptr, json_string_value(j), n);
  v->of.str.ptr[n] = '\0';
  v->of.str.len = n;
  return v;
}

/* Decodes j[i] as types[i] into a fresh list/tuple value of type t. */
static loam_value *decode_array(const loam_type *t, const json_t *j, lv_path *p, loam_verr *err) {
  size_t n = json_array_size(j);
  loam_value *v = lv_alloc(t);
  if (!v || (n && !(v->of.seq.items = calloc(n, sizeof *v->of.seq.items)))) {
    free(v);
    return lv_fail(err, p, "out of memory");
  }
  for (size_t i = 0; i < n; i++) {
    const loam_type *et = t->kind == LOAM_T_LIST ? t->u.elem : t->u.tuple.types[i];
    size_t old = lv_path_index(p, i);
    loam_value *e = decode(et, json_array_get(j, i), p, err);
    lv_path_cut(p, old);
    if (!e) {
      loam_value_free(v);
      return NULL;
    }
    v->of.seq.items[v->of.seq.n++] = e;
  }
  return v;
}

static loam_value *decode_list(const loam_type *t, const json_t *j, lv_path *p, loam_verr *err) {
  if (!json_is_array(j)) return expected(err, p, "list (an array)", j);
  return decode_array(t, j, p, err);
}

static loam_value *decode_tuple(const loam_type *t, const json_t *j, lv_path *p, loam_verr *err) {
  char what[48];
  snprintf(what, sizeof what, "tuple (an array of %u)", t->u.tuple.n);
  if (!json_is_array(j) || json_array_size(j) != t->u.tuple.n) return expected(err, p, what, j);
  return decode_array(t, j, p, err);
}

static int field_index(const loam_type *t, const char *name) {
  for (uint32_t i = 0; i < t->u.record.n; i++)
    if (!strcmp(t->u.record.fields[i].name, name)) return (int)i;
  return -1;
}

static loam_value *decode_record(const loam_type *t, const json_t *j, lv_path *p, loam_verr *err) {
  if (!json_is_object(j)) return expected(err, p, "record (an object)", j);
  const char *key;
  json_t *jv;
  json_object_foreach((json_t *)j, key, jv) {
    if (field_index(t, key) < 0) return lv_fail(err, p, "unknown field \"%s\"", key);
  }
  uint32_t n = t->u.record.n;
  loam_value *v = lv_alloc(t);
  if (!v || (n && !(v->of.seq.items = calloc(n, sizeof *v->of.seq.items)))) {
    free(v);
    return lv_fail(err, p, "out of memory");
  }
  for (uint32_t i = 0; i < n; i++) {
    const loam_field *f = &t->u.record.fields[i];
    json_t *fj = json_object_get(j, f->name);
    loam_value *e;
    if (!fj && f->type->kind == LOAM_T_OPTION) {
      e = loam_value_case(f->type, 0, NULL);  /* omitted option = none */
      if (!e) lv_fail(err, p, "out of memory");
    } else if (!fj) {
      e = lv_fail(err, p, "missing field \"%s\"", f->name);
    } else {
      size_t old = lv_path_field(p, f->name);
      e = decode(f->type, fj, p, err);
      lv_path_cut(p, old);
    }
    if (!e) {
      loam_value_free(v);
      return NULL;
    }
    v->of.seq.items[v->of.seq.n++] = e;
  }
  return v;
}

/* A case and its payload: payload type NULL wants JSON null. */
static loam_value *make_case(const loam_type *t, uint32_t tag, const loam_type *pt,
                             const json_t *pj, const char *label, lv_path *p, loam_verr *err) {
  loam_value *payload = NULL;
  size_t old = lv_path_field(p, label);
  if (!pt && !json_is_null(pj)) {
    expected(err, p, "null (the case has no payload)", pj);
    lv_path_cut(p, old);
    return NULL;
  }
  if (pt && !(payload = decode(pt, pj, p, err))) {
    lv_path_cut(p, old);
    return NULL;
  }
  lv_path_cut(p, old);
  loam_value *v = loam_value_case(t, tag, payload);
  return v ? v : lv_fail(err, p, "out of memory");
}

static loam_value *decode_option(const loam_type *t, const json_t *j, lv_path *p, loam_verr *err) {
  if (json_is_null(j)) {
    loam_value *v = loam_value_case(t, 0, NULL);
    return v ? v : lv_fail(err, p, "out of memory");
  }
  if (t->u.elem->kind != LOAM_T_OPTION) {
    loam_value *e = decode(t->u.elem, j, p, err);
    if (!e) return NULL;
    loam_value *v = loam_value_case(t, 1, e);
    return v ? v : lv_fail(err, p, "out of memory");
  }
  if (!json_is_object(j) || json_object_size(j) != 1 || !json_object_get(j, "some"))
    return expected(err, p, "null or {\"some\": v} (an option of an option)", j);
  return make_case(t, 1, t->u.elem, json_object_get(j, "some"), "some", p, err);
}

/* The one key of a one-key object, or NULL. */
static const char *only_key(const json_t *j) {
  if (!json_is_object(j) || json_object_size(j) != 1) return NULL;
  return json_object_iter_key(json_object_iter((json_t *)j));
}

static loam_value *decode_result(const loam_type *t, const json_t *j, lv_path *p, loam_verr *err) {
  const char *k = only_key(j);
  if (!k || (strcmp(k, "ok") && strcmp(k, "err")))
    return expected(err, p, "result ({\"ok\": v} or {\"err\": e})", j);
  uint32_t tag = !strcmp(k, "err");
  const loam_type *pt = tag ? t->u.result.err : t->u.result.ok;
  return make_case(t, tag, pt, json_object_get(j, k), k, p, err);
}

static loam_value *decode_variant(const loam_type *t, const json_t *j, lv_path *p, loam_verr *err) {
  const char *k = only_key(j);
  if (!k) return expected(err, p, "variant (an object {\"<case>\": payload})", j);
  int i = field_index(t, k);
  if (i < 0) return lv_fail(err, p, "unknown case \"%s\"", k);
  return make_case(t, (uint32_t)i, t->u.record.fields[i].type, json_object_get(j, k), k, p, err);
}

static int label_index(const loam_type *t, const char *s) {
  for (uint32_t i = 0; i < t->u.labels.n; i++)
    if (!strcmp(t->u.labels.labels[i], s)) return (int)i;
  return -1;
}

static loam_value *decode_enum(const loam_type *t, const json_t *j, lv_path *p, loam_verr *err) {
  if (!json_is_string(j)) return expected(err, p, "enum (a case name)", j);
  int i = label_index(t, json_string_value(j));
  if (i < 0) return lv_fail(err, p, "unknown case \"%s\"", json_string_value(j));
  loam_value *v = loam_value_case(t, (uint32_t)i, NULL);
  return v ? v : lv_fail(err, p, "out of memory");
}

static loam_value *decode_flags(const loam_type *t, const json_t *j, lv_path *p, loam_verr *err) {
  if (!json_is_array(j)) return expected(err, p, "flags (an array of names)", j);
  loam_value *v = loam_value_new(t);
  if (!v) return lv_fail(err, p, "out of memory");
  for (size_t i = 0; i < json_array_size(j); i++) {
    json_t *e = json_array_get(j, i);
    int k = json_is_string(e) ? label_index(t, json_string_value(e)) : -1;
    if (k < 0) {
      size_t old = lv_path_index(p, i);
      if (json_is_string(e)) lv_fail(err, p, "unknown flag \"%s\"", json_string_value(e));
      else expected(err, p, "a flag name", e);
      lv_path_cut(p, old);
      loam_value_free(v);
      return NULL;
    }
    v->of.flags.bits[k / 64] |= (uint64_t)1 << (k % 64);
  }
  return v;
}

static loam_value *decode_handle(const loam_type *t, const json_t *j, lv_path *p, loam_verr *err) {
  if (!json_is_integer(j) || json_integer_value(j) < 0 || json_integer_value(j) > UINT32_MAX)
    return expected(err, p, "a resource handle (u32)", j);
  loam_value *v = lv_alloc(t);
  if (!v) return lv_fail(err, p, "out of memory");
  v->of.handle = (uint32_t)json_integer_value(j);
  return v;
}

static loam_value *decode(const loam_type *t, const json_t *j, lv_path *p, loam_verr *err) {
  switch (t->kind) {
  case LOAM_T_BOOL: {
    if (!json_is_boolean(j)) return expected(err, p, "bool", j);
    loam_value *v = lv_alloc(t);
    if (v) v->of.b = json_is_true(j);
    return v ? v : lv_fail(err, p, "out of memory");
  }
  case LOAM_T_F32:
  case LOAM_T_F64: return decode_float(t, j, p, err);
  case LOAM_T_CHAR: return decode_char(t, j, p, err);
  case LOAM_T_STRING: return decode_string(t, j, p, err);
  case LOAM_T_LIST: return decode_list(t, j, p, err);
  case LOAM_T_TUPLE: return decode_tuple(t, j, p, err);
  case LOAM_T_RECORD: return decode_record(t, j, p, err);
  case LOAM_T_OPTION: return decode_option(t, j, p, err);
  case LOAM_T_RESULT: return decode_result(t, j, p, err);
  case LOAM_T_VARIANT: return decode_variant(t, j, p, err);
  case LOAM_T_ENUM: return decode_enum(t, j, p, err);
  case LOAM_T_FLAGS: return decode_flags(t, j, p, err);
  case LOAM_T_RESOURCE:
  case LOAM_T_OWN:
  case LOAM_T_BORROW: return decode_handle(t, j, p, err);
  default: return decode_int(t, j, p, err);
  }
}

loam_value *loam_value_from_jansson(const loam_type *t, const json_t *j, const char *path,
                                    loam_verr *err) {
  lv_path p;
  lv_path_init(&p, path);
  return decode(t, j, &p, err);
}

/* jansson stores integers in 64 signed bits; an integer literal outside that
 * range (a big u64) is quoted here so it arrives as a decimal string, which
 * the integer and float decoders accept. Returns NULL when nothing needed
 * quoting (or out of memory: then parsing the original reports the range). */
static char *quote_big_ints(const char *s, size_t len, size_t *outlen) {
  loam_buf b = {0};
  size_t i = 0, done = 0;
  bool in_str = false, changed = false;
  while (i < len) {
    char c = s[i];
    if (in_str) {
      if (c == '\\') i++;
      else if (c == '"') in_str = false;
      i++;
      continue;
    }
    if (c == '"') {
      in_str = true;
      i++;
      continue;
    }
    if (c != '-' && (c < '0' || c > '9')) {
      i++;
      continue;
    }
    size_t st = i++;
    while (i < len && strchr("0123456789+-.eE", s[i]) && s[i]) i++;
    size_t n = i - st;
    char tok[64];
    if (n >= sizeof tok || n < 19) continue;  /* shorter ones always fit */
    memcpy(tok, s + st, n);
    tok[n] = '\0';
    size_t sign = tok[0] == '-';
    if (n == sign || strspn(tok + sign, "0123456789") != n - sign) continue;  /* not an integer */
    bool neg;
    uint64_t mag;
    if (lv_parse_dec(tok, n, &neg, &mag) && mag <= (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
      continue;
    changed = true;
    if (!lv_buf_put(&b, s + done, st - done) || !lv_buf_byte(&b, '"') ||
        !lv_buf_put(&b, tok, n) || !lv_buf_byte(&b, '"')) {
      free(b.data);
      return NULL;
    }
    done = i;
  }
  if (!changed || !lv_buf_put(&b, s + done, len - done)) {
    free(b.data);
    return NULL;
  }
  *outlen = b.len;
  return (char *)b.data;
}

loam_value *loam_value_from_json(const loam_type *t, const char *json, size_t len,
                                 const char *path, loam_verr *err) {
  size_t qlen = 0;
  char *quoted = quote_big_ints(json, len, &qlen);
  json_error_t je;
  json_t *j = json_loadb(quoted ? quoted : json, quoted ? qlen : len,
                         JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &je);
  free(quoted);
  if (!j) {
    lv_path p;
    lv_path_init(&p, path);
    return lv_fail(err, &p, "invalid JSON at line %d column %d: %s", je.line, je.column, je.text);
  }
  loam_value *v = loam_value_from_jansson(t, j, path, err);
  json_decref(j);
  return v;
}

/* ---- encoding ---- */

static bool put_json_string(loam_buf *b, const char *s, size_t n) {
  if (!lv_buf_byte(b, '"')) return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    bool ok;
    switch (c) {
    case '"': ok = lv_buf_str(b, "\\\""); break;
    case '\\': ok = lv_buf_str(b, "\\\\"); break;
    case '\n': ok = lv_buf_str(b, "\\n"); break;
    case '\r': ok = lv_buf_str(b, "\\r"); break;
    case '\t': ok = lv_buf_str(b, "\\t"); break;
    default: ok = c < 0x20 ? lv_buf_printf(b, "\\u%04x", c) : lv_buf_byte(b, c);
    }
    if (!ok) return false;
  }
  return lv_buf_byte(b, '"');
}

static bool put_float(loam_buf *b, double d, bool f32) {
  if (isnan(d)) return lv_buf_str(b, "\"NaN\"");
  if (isinf(d)) return lv_buf_str(b, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  char tmp[32];
  if (d == 0 && signbit(d)) return lv_buf_str(b, "-0.0");  /* "-0" would read as integer 0 */
  if (f32) lv_fmt_f32((float)d, tmp);
  else lv_fmt_f64(d, tmp);
  return lv_buf_str(b, tmp);
}

static bool encode(const loam_value *v, loam_buf *b);

static bool encode_items(const loam_value *v, loam_buf *b) {
  if (!lv_buf_byte(b, '[')) return false;
  for (size_t i = 0; i < v->of.seq.n; i++)
    if ((i && !lv_buf_byte(b, ',')) || !encode(v->of.seq.items[i], b)) return false;
  return lv_buf_byte(b, ']');
}

static bool encode_record(const loam_value *v, loam_buf *b) {
  const loam_type *t = v->type;
  if (!lv_buf_byte(b, '{')) return false;
  for (size_t i = 0; i < v->of.seq.n && i < t->u.record.n; i++) {
    const char *name = t->u.record.fields[i].name;
    if ((i && !lv_buf_byte(b, ',')) || !put_json_string(b, name, strlen(name)) ||
        !lv_buf_byte(b, ':') || !encode(v->of.seq.items[i], b))
      return false;
  }
  return lv_buf_byte(b, '}');
}

/* {"label": payload-or-null} */
static bool encode_case(const char *label, const loam_value *payload, loam_buf *b) {
  return lv_buf_byte(b, '{') && put_json_string(b, label, strlen(label)) &&
         lv_buf_byte(b, ':') && (payload ? encode(payload, b) : lv_buf_str(b, "null")) &&
         lv_buf_byte(b, '}');
}

static bool encode_flags(const loam_value *v, loam_buf *b) {
  const loam_type *t = v->type;
  bool first = true;
  if (!lv_buf_byte(b, '[')) return false;
  for (uint32_t i = 0; i < t->u.labels.n && i / 64 < v->of.flags.nwords; i++) {
    if (!(v->of.flags.bits[i / 64] >> (i % 64) & 1)) continue;
    const char *l = t->u.labels.labels[i];
    if ((!first && !lv_buf_byte(b, ',')) || !put_json_string(b, l, strlen(l))) return false;
    first = false;
  }
  return lv_buf_byte(b, ']');
}

static bool encode_option(const loam_value *v, loam_buf *b) {
  if (v->of.var.tag == 0 || !v->of.var.payload) return lv_buf_str(b, "null");
  if (v->type->u.elem->kind == LOAM_T_OPTION) return encode_case("some", v->of.var.payload, b);
  return encode(v->of.var.payload, b);
}

static bool encode(const loam_value *v, loam_buf *b) {
  const loam_type *t = v->type;
  switch (t->kind) {
  case LOAM_T_BOOL: return lv_buf_str(b, v->of.b ? "true" : "false");
  case LOAM_T_S8: case LOAM_T_S16: case LOAM_T_S32: case LOAM_T_S64:
    return lv_buf_printf(b, "%lld", (long long)v->of.s);
  case LOAM_T_U8: case LOAM_T_U16: case LOAM_T_U32: case LOAM_T_U64:
    return lv_buf_printf(b, "%llu", (unsigned long long)v->of.u);
  case LOAM_T_F32: return put_float(b, v->of.f32, true);
  case LOAM_T_F64: return put_float(b, v->of.f64, false);
  case LOAM_T_CHAR: {
    char u[4];
    return put_json_string(b, u, lv_utf8_encode(v->of.ch, u));
  }
  case LOAM_T_STRING: return put_json_string(b, v->of.str.ptr, v->of.str.len);
  case LOAM_T_LIST:
  case LOAM_T_TUPLE: return encode_items(v, b);
  case LOAM_T_RECORD: return encode_record(v, b);
  case LOAM_T_OPTION: return encode_option(v, b);
  case LOAM_T_RESULT: return encode_case(v->of.var.tag ? "err" : "ok", v->of.var.payload, b);
  case LOAM_T_VARIANT:
    if (v->of.var.tag >= t->u.record.n) return false;
    return encode_case(t->u.record.fields[v->of.var.tag].name, v->of.var.payload, b);
  case LOAM_T_ENUM: {
    if (v->of.var.tag >= t->u.labels.n) return false;
    const char *l = t->u.labels.labels[v->of.var.tag];
    return put_json_string(b, l, strlen(l));
  }
  case LOAM_T_FLAGS: return encode_flags(v, b);
  default: return lv_buf_printf(b, "%u", v->of.handle);  /* own, borrow */
  }
}

char *loam_value_to_json(const loam_value *v) {
  loam_buf b = {0};
  if (!encode(v, &b)) {
    free(b.data);
    return NULL;
  }
  return lv_buf_text(&b);
}

/* ---- to a jansson tree ---- */

static json_t *to_jansson(const loam_value *v);

/* Builds an array of children (list, tuple) or of set flag names. */
static json_t *items_to_jansson(const loam_value *v) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < v->of.seq.n; i++)
    if (json_array_append_new(a, to_jansson(v->of.seq.items[i]))) {
      json_decref(a);
      return NULL;
    }
  return a;
}

static json_t *flags_to_jansson(const loam_value *v) {
  const loam_type *t = v->type;
  json_t *a = json_array();
  for (uint32_t i = 0; a && i < t->u.labels.n && i / 64 < v->of.flags.nwords; i++)
    if ((v->of.flags.bits[i / 64] >> (i % 64) & 1) &&
        json_array_append_new(a, json_string(t->u.labels.labels[i]))) {
      json_decref(a);
      return NULL;
    }
  return a;
}

static json_t *record_to_jansson(const loam_value *v) {
  const loam_type *t = v->type;
  json_t *o = json_object();
  for (size_t i = 0; o && i < v->of.seq.n && i < t->u.record.n; i++)
    if (json_object_set_new(o, t->u.record.fields[i].name, to_jansson(v->of.seq.items[i]))) {
      json_decref(o);
      return NULL;
    }
  return o;
}

static json_t *case_to_jansson(const char *label, const loam_value *payload) {
  json_t *o = json_object();
  if (o && json_object_set_new(o, label, payload ? to_jansson(payload) : json_null())) {
    json_decref(o);
    return NULL;
  }
  return o;
}

static json_t *float_to_jansson(double d) {
  if (isnan(d)) return json_string("NaN");
  if (isinf(d)) return json_string(d > 0 ? "Infinity" : "-Infinity");
  return json_real(d);
}

static json_t *to_jansson(const loam_value *v) {
  const loam_type *t = v->type;
  switch (t->kind) {
  case LOAM_T_BOOL: return json_boolean(v->of.b);
  case LOAM_T_S8: case LOAM_T_S16: case LOAM_T_S32: case LOAM_T_S64:
    return json_integer((json_int_t)v->of.s);
  case LOAM_T_U8: case LOAM_T_U16: case LOAM_T_U32: case LOAM_T_U64: {
    if (v->of.u <= INT64_MAX) return json_integer((json_int_t)v->of.u);
    char tmp[24];  /* beyond jansson's integers: a decimal string */
    snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v->of.u);
    return json_string(tmp);
  }
  case LOAM_T_F32: return float_to_jansson(v->of.f32);
  case LOAM_T_F64: return float_to_jansson(v->of.f64);
  case LOAM_T_CHAR: {
    char u[4];
    return json_stringn(u, lv_utf8_encode(v->of.ch, u));
  }
  case LOAM_T_STRING: return json_stringn(v->of.str.ptr, v->of.str.len);
  case LOAM_T_LIST:
  case LOAM_T_TUPLE: return items_to_jansson(v);
  case LOAM_T_RECORD: return record_to_jansson(v);
  case LOAM_T_OPTION:
    if (v->of.var.tag == 0 || !v->of.var.payload) return json_null();
    if (t->u.elem->kind == LOAM_T_OPTION) return case_to_jansson("some", v->of.var.payload);
    return to_jansson(v->of.var.payload);
  case LOAM_T_RESULT: return case_to_jansson(v->of.var.tag ? "err" : "ok", v->of.var.payload);
  case LOAM_T_VARIANT:
    if (v->of.var.tag >= t->u.record.n) return NULL;
    return case_to_jansson(t->u.record.fields[v->of.var.tag].name, v->of.var.payload);
  case LOAM_T_ENUM:
    return v->of.var.tag < t->u.labels.n ? json_string(t->u.labels.labels[v->of.var.tag]) : NULL;
  case LOAM_T_FLAGS: return flags_to_jansson(v);
  default: return json_integer(v->of.handle);
  }
}

struct json_t *loam_value_to_jansson(const loam_value *v) { return to_jansson(v); }
