/*
 * wave.c — values from and to WAVE, the WebAssembly Value Encoding text of
 * wasm-tools (`wasm-wave`): type-directed parsing with errors at line:col,
 * naming the element's path ("2:7: items[1].price: expected f32, ..."),
 * and printing in the canonical form (explicit some(...)/ok(...), every
 * record field written, labels that are keywords escaped with %).
 *
 * Accepted beyond the canonical form: // comments, trailing commas, flat
 * options and results (a bare value for some(v)/ok(v) when the payload is not
 * itself an option or result), omitted option fields in records (= none),
 * and multiline strings """...""". Resource handles (own/borrow), which WAVE
 * does not cover, are written as their u32 index.
 */
#include "value/value_int.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct wparser {
  const char *s;
  size_t len, pos;
  loam_verr *err;
  lv_path path;  /* the element being parsed, for messages */
} wparser;

/* ---- errors and tokens ---- */

static void line_col(const wparser *w, size_t pos, unsigned *line, unsigned *col) {
  *line = 1;
  *col = 1;
  for (size_t i = 0; i < pos && i < w->len; i++) {
    if (w->s[i] == '\n') ++*line, *col = 1;
    else if (((unsigned char)w->s[i] & 0xC0) != 0x80) ++*col;  /* count characters */
  }
}

/* What stands at pos, for "found ...": a word, one character, or the end. */
static void found(const wparser *w, char out[40]) {
  if (w->pos >= w->len) {
    snprintf(out, 40, "end of input");
    return;
  }
  size_t n = 0;
  while (w->pos + n < w->len && n < 20) {
    char c = w->s[w->pos + n];
    bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '%' || c == '.' || c == '+' || (unsigned char)c >= 0x80;
    if (!word) break;
    n++;
  }
  char q = w->s[w->pos];
  if (!n && (q == '"' || q == '\'')) {  /* a short quoted literal, whole */
    n = 1;
    while (w->pos + n < w->len && n < 20 && w->s[w->pos + n] != q && w->s[w->pos + n] != '\n') n++;
    if (w->pos + n < w->len && w->s[w->pos + n] == q) {
      snprintf(out, 40, "%.*s", (int)n + 1, w->s + w->pos);
      return;
    }
    n = 0;
  }
  if (!n) n = 1;
  snprintf(out, 40, "'%.*s'", (int)n, w->s + w->pos);
}

static void *wfail_at(wparser *w, size_t pos, const char *fmt, const char *what) {
  unsigned line, col;
  line_col(w, pos, &line, &col);
  char msg[300];
  snprintf(msg, sizeof msg, fmt, what);
  if (w->path.len) return lv_fail(w->err, NULL, "%u:%u: %s: %s", line, col, w->path.buf, msg);
  return lv_fail(w->err, NULL, "%u:%u: %s", line, col, msg);
}

static void *expected(wparser *w, const char *what) {
  char f[40], msg[200];
  found(w, f);
  snprintf(msg, sizeof msg, "expected %s, found %s", what, f);
  return wfail_at(w, w->pos, "%s", msg);
}

static void skip_ws(wparser *w) {
  while (w->pos < w->len) {
    char c = w->s[w->pos];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      w->pos++;
    } else if (c == '/' && w->pos + 1 < w->len && w->s[w->pos + 1] == '/') {
      while (w->pos < w->len && w->s[w->pos] != '\n') w->pos++;
    } else {
      break;
    }
  }
}

/* Skips whitespace, then consumes c if it is next. */
static bool eat(wparser *w, char c) {
  skip_ws(w);
  if (w->pos < w->len && w->s[w->pos] == c) {
    w->pos++;
    return true;
  }
  return false;
}

static bool need(wparser *w, char c) {
  if (eat(w, c)) return true;
  char what[8] = {'\'', c, '\'', 0};
  expected(w, what);
  return false;
}

static bool label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

typedef struct label {
  const char *s;
  size_t len;
  bool escaped;  /* written with a leading % */
  size_t start, end;
} label;

/* Looks at the label ahead without consuming it; false if none is. */
static bool peek_label(wparser *w, label *l) {
  skip_ws(w);
  size_t i = w->pos;
  l->start = i;
  l->escaped = i < w->len && w->s[i] == '%';
  if (l->escaped) i++;
  size_t st = i;
  while (i < w->len && label_char(w->s[i])) i++;
  if (i == st || !((w->s[st] >= 'a' && w->s[st] <= 'z') || (w->s[st] >= 'A' && w->s[st] <= 'Z')))
    return false;
  l->s = w->s + st;
  l->len = i - st;
  l->end = i;
  return true;
}

static bool label_is(const label *l, const char *word) {
  return strlen(word) == l->len && !memcmp(l->s, word, l->len);
}

/* An unescaped keyword such as `some` (escaped %some is a plain label). */
static bool keyword_is(const label *l, const char *kw) { return !l->escaped && label_is(l, kw); }

static const char *const keywords[] = {"true", "false", "inf", "nan", "some", "none", "ok", "err"};

static bool is_keyword(const char *s, size_t n) {
  for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++)
    if (strlen(keywords[i]) == n && !memcmp(keywords[i], s, n)) return true;
  return false;
}

/* The index of label l among names[0..n) (field or case names), or -1.
 * A keyword label must have been escaped to name a case or field. */
static int find_name(const label *l, const loam_type *t, bool fields) {
  uint32_t n = fields ? t->u.record.n : t->u.labels.n;
  if (!l->escaped && is_keyword(l->s, l->len)) return -1;
  for (uint32_t i = 0; i < n; i++) {
    const char *name = fields ? t->u.record.fields[i].name : t->u.labels.labels[i];
    if (label_is(l, name)) return (int)i;
  }
  return -1;
}

/* ---- scalars ---- */

static loam_value *parse(const loam_type *t, wparser *w);

/* A number token: -? digits (. digits)? ([eE] [+-]? digits)?; returns its
 * length at pos (0 if none) and whether it is a plain integer. */
static size_t number_len(const wparser *w, bool *integer) {
  size_t i = w->pos;
  const char *s = w->s;
  *integer = true;
  if (i < w->len && s[i] == '-') i++;
  size_t d = i;
  while (i < w->len && s[i] >= '0' && s[i] <= '9') i++;
  if (i == d) return 0;
  if (i < w->len && s[i] == '.') {
    size_t f = ++i;
    while (i < w->len && s[i] >= '0' && s[i] <= '9') i++;
    if (i == f) return 0;
    *integer = false;
  }
  if (i < w->len && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < w->len && (s[i] == '+' || s[i] == '-')) i++;
    size_t e = i;
    while (i < w->len && s[i] >= '0' && s[i] <= '9') i++;
    if (i == e) return 0;
    *integer = false;
  }
  if (i < w->len && label_char(s[i])) return 0;  /* "12ab" is no number */
  return i - w->pos;
}

static loam_value *parse_int(const loam_type *t, wparser *w) {
  skip_ws(w);
  bool integer, neg;
  uint64_t mag;
  size_t n = number_len(w, &integer);
  char what[40];
  snprintf(what, sizeof what, "%s", lv_kind_name(t->kind));
  if (t->kind == LOAM_T_OWN || t->kind == LOAM_T_BORROW || t->kind == LOAM_T_RESOURCE)
    snprintf(what, sizeof what, "a resource handle (u32)");
  if (!n || !integer || !lv_parse_dec(w->s + w->pos, n, &neg, &mag)) return expected(w, what);
  loam_value *v = lv_alloc(t);
  if (!v) return expected(w, "memory");
  bool fits;
  if (lv_kind_int(t->kind)) {
    fits = lv_fit_int(t->kind, neg, mag, v);
  } else {
    fits = !(neg && mag) && mag <= UINT32_MAX;
    v->of.handle = (uint32_t)mag;
  }
  if (!fits) {
    free(v);
    snprintf(what, sizeof what, "%s (out of range)", lv_kind_name(t->kind));
    return expected(w, what);
  }
  w->pos += n;
  return v;
}

static loam_value *parse_float(const loam_type *t, wparser *w) {
  skip_ws(w);
  double d;
  label l;
  bool integer;
  size_t n;
  if (peek_label(w, &l) && (keyword_is(&l, "nan") || keyword_is(&l, "inf"))) {
    d = keyword_is(&l, "nan") ? NAN : INFINITY;
    n = l.end - w->pos;
  } else if (w->pos + 4 <= w->len && !memcmp(w->s + w->pos, "-inf", 4) &&
             !(w->pos + 4 < w->len && label_char(w->s[w->pos + 4]))) {
    d = -INFINITY;
    n = 4;
  } else if ((n = number_len(w, &integer)) != 0) {
    char tmp[64];
    if (n >= sizeof tmp) return expected(w, lv_kind_name(t->kind));
    memcpy(tmp, w->s + w->pos, n);
    tmp[n] = '\0';
    d = strtod(tmp, NULL);
    if (isinf(d) || (t->kind == LOAM_T_F32 && fabs(d) > 3.4028235677973366e38))
      return expected(w, t->kind == LOAM_T_F32 ? "f32 (out of range)" : "f64 (out of range)");
  } else {
    return expected(w, lv_kind_name(t->kind));
  }
  loam_value *v = lv_alloc(t);
  if (!v) return expected(w, "memory");
  if (t->kind == LOAM_T_F32) v->of.f32 = (float)d;
  else v->of.f64 = d;
  w->pos += n;
  return v;
}

/* One character of a char or string literal at pos (after the opening
 * quote): an escape or a UTF-8 scalar. Appends it to b; false on error. */
static bool parse_char_char(wparser *w, loam_buf *b, uint32_t *out) {
  uint32_t c;
  if (w->pos >= w->len) return expected(w, "a character"), false;
  if (w->s[w->pos] == '\\') {
    size_t at = w->pos++;
    char e = w->pos < w->len ? w->s[w->pos++] : 0;
    switch (e) {
    case 'n': c = '\n'; break;
    case 't': c = '\t'; break;
    case 'r': c = '\r'; break;
    case '\\': case '\'': case '"': c = (uint8_t)e; break;
    case 'u': {
      if (w->pos >= w->len || w->s[w->pos] != '{') return wfail_at(w, at, "%s", "bad \\u escape: expected '{'"), false;
      w->pos++;
      c = 0;
      size_t digits = 0;
      while (w->pos < w->len && w->s[w->pos] != '}') {
        char h = w->s[w->pos++];
        int v = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
              : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
        if (v < 0 || ++digits > 6) return wfail_at(w, at, "%s", "bad \\u escape"), false;
        c = c * 16 + (uint32_t)v;
      }
      if (w->pos >= w->len || !digits) return wfail_at(w, at, "%s", "bad \\u escape"), false;
      w->pos++;
      if (!lv_char_valid(c)) return wfail_at(w, at, "%s", "\\u escape is not a Unicode scalar value"), false;
      break;
    }
    default: return wfail_at(w, at, "%s", "unknown escape"), false;
    }
  } else {
    size_t n = lv_utf8_decode(w->s + w->pos, w->len - w->pos, &c);
    if (!n) return wfail_at(w, w->pos, "%s", "invalid UTF-8"), false;
    w->pos += n;
  }
  *out = c;
  char u[4];
  return !b || lv_buf_put(b, u, lv_utf8_encode(c, u));
}

static loam_value *parse_char(const loam_type *t, wparser *w) {
  skip_ws(w);
  if (w->pos >= w->len || w->s[w->pos] != '\'') return expected(w, "char");
  w->pos++;
  uint32_t c;
  if (w->pos < w->len && (w->s[w->pos] == '\'' || w->s[w->pos] == '\n'))
    return expected(w, "a character");
  if (!parse_char_char(w, NULL, &c)) return NULL;
  if (w->pos >= w->len || w->s[w->pos] != '\'') return expected(w, "' (a char holds one character)");
  w->pos++;
  loam_value *v = lv_alloc(t);
  if (v) v->of.ch = c;
  return v ? v : expected(w, "memory");
}

static loam_value *string_value(const loam_type *t, wparser *w, loam_buf *b) {
  loam_value *v = lv_alloc(t);
  if (!v || !lv_buf_put(b, "", 0)) {
    free(v);
    loam_buf_free(b);
    return expected(w, "memory");
  }
  b->data[b->len] = '\0';
  v->of.str.ptr = (char *)b->data;
  v->of.str.len = b->len;
  return v;
}

/* """<newline> lines ... <indent>""": every line loses the closing line's
 * indentation; the last line break before the closing quotes is dropped. */
static loam_value *parse_multiline(const loam_type *t, wparser *w) {
  size_t open = w->pos;
  w->pos += 3;
  if (w->pos < w->len && w->s[w->pos] == '\r') w->pos++;
  if (w->pos >= w->len || w->s[w->pos] != '\n') return expected(w, "a line break after \"\"\"");
  w->pos++;
  /* Find the closing quotes and the indentation before them. */
  const char *end = NULL;
  for (size_t i = w->pos; i + 3 <= w->len; i++) {
    if (w->s[i] == '\\') { i++; continue; }
    if (!memcmp(w->s + i, "\"\"\"", 3)) { end = w->s + i; break; }
  }
  if (!end) return wfail_at(w, open, "%s", "unterminated multiline string");
  size_t indent = 0;
  while (end - indent > w->s + w->pos && end[-1 - (ptrdiff_t)indent] == ' ') indent++;
  size_t close = (size_t)(end - w->s);
  if (close - indent > w->pos && w->s[close - indent - 1] != '\n')
    return wfail_at(w, close, "%s", "closing \"\"\" must be on its own line");
  loam_buf b = {0};
  bool line_start = true;
  size_t stop = close - indent;  /* the closing line's indentation */
  while (w->pos < stop) {
    if (line_start) {
      for (size_t k = 0; k < indent && w->pos < stop && w->s[w->pos] == ' '; k++) w->pos++;
      line_start = false;
      continue;
    }
    char c = w->s[w->pos];
    if (c == '\n' || (c == '\r' && w->pos + 1 < stop && w->s[w->pos + 1] == '\n')) {
      w->pos += c == '\r' ? 2 : 1;
      if (w->pos < stop && !lv_buf_byte(&b, '\n')) break;
      line_start = true;
      continue;
    }
    uint32_t ch;
    if (!parse_char_char(w, &b, &ch)) {
      loam_buf_free(&b);
      return NULL;
    }
  }
  w->pos = close + 3;
  return string_value(t, w, &b);
}

static loam_value *parse_string(const loam_type *t, wparser *w) {
  skip_ws(w);
  if (w->pos + 3 <= w->len && !memcmp(w->s + w->pos, "\"\"\"", 3)) return parse_multiline(t, w);
  if (w->pos >= w->len || w->s[w->pos] != '"') return expected(w, "string");
  w->pos++;
  loam_buf b = {0};
  while (w->pos < w->len && w->s[w->pos] != '"') {
    uint32_t c;
    if (w->s[w->pos] == '\n') break;
    if (!parse_char_char(w, &b, &c)) {
      loam_buf_free(&b);
      return NULL;
    }
  }
  if (w->pos >= w->len || w->s[w->pos] != '"') {
    loam_buf_free(&b);
    return expected(w, "closing '\"'");
  }
  w->pos++;
  return string_value(t, w, &b);
}

/* ---- compounds ---- */

/* Parses `open elem, elem, ... close` into a list or tuple. */
static loam_value *parse_items(const loam_type *t, wparser *w, char open, char close) {
  if (!need(w, open)) return NULL;
  loam_value *v = lv_alloc(t);
  size_t cap = 0;
  if (!v) return expected(w, "memory");
  for (size_t i = 0;; i++) {
    if (eat(w, close)) break;
    if (i && !need(w, ',')) goto fail;
    if (i && eat(w, close)) break;  /* trailing comma */
    const loam_type *et;
    if (t->kind == LOAM_T_LIST) {
      et = t->u.elem;
    } else if (i < t->u.tuple.n) {
      et = t->u.tuple.types[i];
    } else {
      char what[48];
      snprintf(what, sizeof what, "')' (the tuple has %u elements)", t->u.tuple.n);
      expected(w, what);
      goto fail;
    }
    if (v->of.seq.n == cap) {
      size_t nc = cap ? cap * 2 : 4;
      loam_value **items = realloc(v->of.seq.items, nc * sizeof *items);
      if (!items) { expected(w, "memory"); goto fail; }
      v->of.seq.items = items;
      cap = nc;
    }
    size_t old = lv_path_index(&w->path, i);
    loam_value *e = parse(et, w);
    lv_path_cut(&w->path, old);
    if (!e) goto fail;
    v->of.seq.items[v->of.seq.n++] = e;
  }
  if (t->kind == LOAM_T_TUPLE && v->of.seq.n != t->u.tuple.n) {
    char what[48];
    w->pos--;
    snprintf(what, sizeof what, "more tuple elements (%u in all)", t->u.tuple.n);
    expected(w, what);
    goto fail;
  }
  return v;
fail:
  loam_value_free(v);
  return NULL;
}

static bool parse_record_fields(const loam_type *t, wparser *w, loam_value **items) {
  for (size_t i = 0;; i++) {
    if (eat(w, '}')) return true;
    if (i && !need(w, ',')) return false;
    if (i && eat(w, '}')) return true;
    label l;
    if (!peek_label(w, &l)) return expected(w, "a field name"), false;
    int k = find_name(&l, t, true);
    if (k < 0) {
      char name[80];
      snprintf(name, sizeof name, "%.*s", (int)(l.len < 64 ? l.len : 64), l.s);
      return wfail_at(w, l.start, "unknown field '%s'", name), false;
    }
    if (items[k]) return wfail_at(w, l.start, "duplicate field '%s'", t->u.record.fields[k].name), false;
    w->pos = l.end;
    if (!need(w, ':')) return false;
    size_t old = lv_path_field(&w->path, t->u.record.fields[k].name);
    items[k] = parse(t->u.record.fields[k].type, w);
    lv_path_cut(&w->path, old);
    if (!items[k]) return false;
  }
}

static loam_value *parse_record(const loam_type *t, wparser *w) {
  size_t open = (skip_ws(w), w->pos);
  if (!need(w, '{')) return NULL;
  uint32_t n = t->u.record.n;
  loam_value *v = lv_alloc(t);
  if (!v || (n && !(v->of.seq.items = calloc(n, sizeof *v->of.seq.items)))) {
    free(v);
    return expected(w, "memory");
  }
  v->of.seq.n = n;
  if (!parse_record_fields(t, w, v->of.seq.items)) goto fail;
  for (uint32_t i = 0; i < n; i++) {
    if (v->of.seq.items[i]) continue;
    const loam_field *f = &t->u.record.fields[i];
    if (f->type->kind != LOAM_T_OPTION) {
      wfail_at(w, open, "missing field '%s'", f->name);
      goto fail;
    }
    if (!(v->of.seq.items[i] = loam_value_case(f->type, 0, NULL))) goto fail;
  }
  return v;
fail:
  loam_value_free(v);
  return NULL;
}

static loam_value *parse_flags(const loam_type *t, wparser *w) {
  if (!need(w, '{')) return NULL;
  loam_value *v = loam_value_new(t);
  if (!v) return expected(w, "memory");
  for (size_t i = 0;; i++) {
    if (eat(w, '}')) return v;
    if (i && !need(w, ',')) break;
    if (i && eat(w, '}')) return v;
    label l;
    if (!peek_label(w, &l)) { expected(w, "a flag name"); break; }
    int k = find_name(&l, t, false);
    if (k < 0) { expected(w, "a flag name of this type"); break; }
    uint64_t bit = (uint64_t)1 << (k % 64);
    if (v->of.flags.bits[k / 64] & bit) { wfail_at(w, l.start, "duplicate flag '%s'", t->u.labels.labels[k]); break; }
    v->of.flags.bits[k / 64] |= bit;
    w->pos = l.end;
  }
  loam_value_free(v);
  return NULL;
}

/* After a case label: `(payload)` when the case has a payload type. */
/* The name a case's payload has in paths: the case label, some, ok or err. */
static const char *case_label(const loam_type *t, uint32_t tag) {
  if (t->kind == LOAM_T_OPTION) return "some";
  if (t->kind == LOAM_T_RESULT) return tag ? "err" : "ok";
  return t->u.record.fields[tag].name;
}

static loam_value *case_payload(const loam_type *t, uint32_t tag, const loam_type *pt, wparser *w) {
  loam_value *payload = NULL;
  if (pt) {
    if (!need(w, '(')) return NULL;
    size_t old = lv_path_field(&w->path, case_label(t, tag));
    payload = parse(pt, w);
    lv_path_cut(&w->path, old);
    if (!payload) return NULL;
    if (!need(w, ')')) {
      loam_value_free(payload);
      return NULL;
    }
  } else {
    skip_ws(w);
    if (w->pos < w->len && w->s[w->pos] == '(') return expected(w, "no payload (the case has none)");
  }
  loam_value *v = loam_value_case(t, tag, payload);
  return v ? v : expected(w, "memory");
}

static loam_value *parse_variant(const loam_type *t, wparser *w) {
  label l;
  if (!peek_label(w, &l)) return expected(w, "a variant case");
  int k = find_name(&l, t, true);
  if (k < 0) return expected(w, "a case of this variant");
  w->pos = l.end;
  return case_payload(t, (uint32_t)k, t->u.record.fields[k].type, w);
}

static loam_value *parse_enum(const loam_type *t, wparser *w) {
  label l;
  if (!peek_label(w, &l) || find_name(&l, t, false) < 0) return expected(w, "a case of this enum");
  w->pos = l.end;
  loam_value *v = loam_value_case(t, (uint32_t)find_name(&l, t, false), NULL);
  return v ? v : expected(w, "memory");
}

/* Whether a payload of type pt may be written flat (without some/ok). */
static bool flat_ok(const loam_type *pt) {
  return pt && pt->kind != LOAM_T_OPTION && pt->kind != LOAM_T_RESULT;
}

static loam_value *flat_case(const loam_type *t, uint32_t tag, const loam_type *pt, wparser *w) {
  size_t old = lv_path_field(&w->path, case_label(t, tag));
  loam_value *payload = parse(pt, w);
  lv_path_cut(&w->path, old);
  if (!payload) return NULL;
  loam_value *v = loam_value_case(t, tag, payload);
  return v ? v : expected(w, "memory");
}

static loam_value *parse_option(const loam_type *t, wparser *w) {
  label l;
  bool has = peek_label(w, &l);
  if (has && keyword_is(&l, "none")) {
    w->pos = l.end;
    return case_payload(t, 0, NULL, w);
  }
  if (has && keyword_is(&l, "some")) {
    w->pos = l.end;
    return case_payload(t, 1, t->u.elem, w);
  }
  if (flat_ok(t->u.elem)) return flat_case(t, 1, t->u.elem, w);
  return expected(w, "some(...) or none");
}

static loam_value *parse_result(const loam_type *t, wparser *w) {
  label l;
  bool has = peek_label(w, &l);
  if (has && (keyword_is(&l, "ok") || keyword_is(&l, "err"))) {
    w->pos = l.end;
    uint32_t tag = keyword_is(&l, "err");
    return case_payload(t, tag, tag ? t->u.result.err : t->u.result.ok, w);
  }
  if (flat_ok(t->u.result.ok)) return flat_case(t, 0, t->u.result.ok, w);
  return expected(w, "ok or err");
}

static loam_value *parse_bool(const loam_type *t, wparser *w) {
  label l;
  if (!peek_label(w, &l) || !(keyword_is(&l, "true") || keyword_is(&l, "false")))
    return expected(w, "bool");
  w->pos = l.end;
  loam_value *v = lv_alloc(t);
  if (v) v->of.b = keyword_is(&l, "true");
  return v ? v : expected(w, "memory");
}

static loam_value *parse(const loam_type *t, wparser *w) {
  switch (t->kind) {
  case LOAM_T_BOOL: return parse_bool(t, w);
  case LOAM_T_F32:
  case LOAM_T_F64: return parse_float(t, w);
  case LOAM_T_CHAR: return parse_char(t, w);
  case LOAM_T_STRING: return parse_string(t, w);
  case LOAM_T_LIST: return parse_items(t, w, '[', ']');
  case LOAM_T_TUPLE: return parse_items(t, w, '(', ')');
  case LOAM_T_RECORD: return parse_record(t, w);
  case LOAM_T_OPTION: return parse_option(t, w);
  case LOAM_T_RESULT: return parse_result(t, w);
  case LOAM_T_VARIANT: return parse_variant(t, w);
  case LOAM_T_ENUM: return parse_enum(t, w);
  case LOAM_T_FLAGS: return parse_flags(t, w);
  default: return parse_int(t, w);  /* integers and handles */
  }
}

loam_value *loam_value_from_wave(const loam_type *t, const char *text, size_t len,
                                 loam_verr *err) {
  wparser w = {.s = text ? text : "", .len = text ? len : 0, .err = err};
  lv_path_init(&w.path, NULL);
  loam_value *v = parse(t, &w);
  if (!v) return NULL;
  skip_ws(&w);
  if (w.pos < w.len) {
    loam_value_free(v);
    return expected(&w, "end of input");
  }
  return v;
}

/* ---- printing ---- */

static bool put_label(loam_buf *b, const char *l) {
  return (!is_keyword(l, strlen(l)) || lv_buf_byte(b, '%')) && lv_buf_str(b, l);
}

/* One character inside quotes `q`, escaped where WAVE needs it. */
static bool put_wave_char(loam_buf *b, uint32_t c, char q) {
  switch (c) {
  case '\n': return lv_buf_str(b, "\\n");
  case '\t': return lv_buf_str(b, "\\t");
  case '\r': return lv_buf_str(b, "\\r");
  case '\\': return lv_buf_str(b, "\\\\");
  default:
    if (c == (uint32_t)q) return lv_buf_byte(b, '\\') && lv_buf_byte(b, (uint8_t)q);
    if (c < 0x20 || c == 0x7F) return lv_buf_printf(b, "\\u{%x}", c);
    char u[4];
    return lv_buf_put(b, u, lv_utf8_encode(c, u));
  }
}

static bool put_wave_string(loam_buf *b, const char *s, size_t n) {
  if (!lv_buf_byte(b, '"')) return false;
  for (size_t i = 0; i < n;) {
    uint32_t c;
    size_t k = lv_utf8_decode(s + i, n - i, &c);
    if (!k) {  /* not UTF-8 (a hand-built value): write the byte as a scalar */
      c = (uint8_t)s[i];
      k = 1;
    }
    if (!put_wave_char(b, c, '"')) return false;
    i += k;
  }
  return lv_buf_byte(b, '"');
}

static bool put_float(loam_buf *b, double d, bool f32) {
  if (isnan(d)) return lv_buf_str(b, "nan");
  if (isinf(d)) return lv_buf_str(b, d > 0 ? "inf" : "-inf");
  char tmp[32];
  if (f32) lv_fmt_f32((float)d, tmp);
  else lv_fmt_f64(d, tmp);
  return lv_buf_str(b, tmp);
}

static bool print(const loam_value *v, loam_buf *b);

static bool print_items(const loam_value *v, loam_buf *b, char open, char close) {
  if (!lv_buf_byte(b, (uint8_t)open)) return false;
  for (size_t i = 0; i < v->of.seq.n; i++)
    if ((i && !lv_buf_str(b, ", ")) || !print(v->of.seq.items[i], b)) return false;
  return lv_buf_byte(b, (uint8_t)close);
}

static bool print_record(const loam_value *v, loam_buf *b) {
  const loam_type *t = v->type;
  if (!lv_buf_byte(b, '{')) return false;
  for (size_t i = 0; i < v->of.seq.n && i < t->u.record.n; i++)
    if ((i && !lv_buf_str(b, ", ")) || !put_label(b, t->u.record.fields[i].name) ||
        !lv_buf_str(b, ": ") || !print(v->of.seq.items[i], b))
      return false;
  return lv_buf_byte(b, '}');
}

static bool print_flags(const loam_value *v, loam_buf *b) {
  const loam_type *t = v->type;
  bool first = true;
  if (!lv_buf_byte(b, '{')) return false;
  for (uint32_t i = 0; i < t->u.labels.n && i / 64 < v->of.flags.nwords; i++) {
    if (!(v->of.flags.bits[i / 64] >> (i % 64) & 1)) continue;
    if ((!first && !lv_buf_str(b, ", ")) || !put_label(b, t->u.labels.labels[i])) return false;
    first = false;
  }
  return lv_buf_byte(b, '}');
}

/* `label` or `label(payload)`; keywords (some, ok, ...) pass escaped=false. */
static bool print_case(const char *label, bool escape, const loam_value *payload, loam_buf *b) {
  if (!(escape ? put_label(b, label) : lv_buf_str(b, label))) return false;
  if (!payload) return true;
  return lv_buf_byte(b, '(') && print(payload, b) && lv_buf_byte(b, ')');
}

static bool print(const loam_value *v, loam_buf *b) {
  const loam_type *t = v->type;
  switch (t->kind) {
  case LOAM_T_BOOL: return lv_buf_str(b, v->of.b ? "true" : "false");
  case LOAM_T_S8: case LOAM_T_S16: case LOAM_T_S32: case LOAM_T_S64:
    return lv_buf_printf(b, "%lld", (long long)v->of.s);
  case LOAM_T_U8: case LOAM_T_U16: case LOAM_T_U32: case LOAM_T_U64:
    return lv_buf_printf(b, "%llu", (unsigned long long)v->of.u);
  case LOAM_T_F32: return put_float(b, v->of.f32, true);
  case LOAM_T_F64: return put_float(b, v->of.f64, false);
  case LOAM_T_CHAR:
    return lv_buf_byte(b, '\'') && put_wave_char(b, v->of.ch, '\'') && lv_buf_byte(b, '\'');
  case LOAM_T_STRING: return put_wave_string(b, v->of.str.ptr, v->of.str.len);
  case LOAM_T_LIST: return print_items(v, b, '[', ']');
  case LOAM_T_TUPLE: return print_items(v, b, '(', ')');
  case LOAM_T_RECORD: return print_record(v, b);
  case LOAM_T_OPTION:
    return print_case(v->of.var.tag ? "some" : "none", false, v->of.var.tag ? v->of.var.payload : NULL, b);
  case LOAM_T_RESULT: return print_case(v->of.var.tag ? "err" : "ok", false, v->of.var.payload, b);
  case LOAM_T_VARIANT:
    if (v->of.var.tag >= t->u.record.n) return false;
    return print_case(t->u.record.fields[v->of.var.tag].name, true, v->of.var.payload, b);
  case LOAM_T_ENUM:
    return v->of.var.tag < t->u.labels.n && put_label(b, t->u.labels.labels[v->of.var.tag]);
  case LOAM_T_FLAGS: return print_flags(v, b);
  default: return lv_buf_printf(b, "%u", v->of.handle);
  }
}

char *loam_value_to_wave(const loam_value *v) {
  loam_buf b = {0};
  if (!print(v, &b)) {
    free(b.data);
    return NULL;
  }
  return lv_buf_text(&b);
}
