/* wast_value.c — wast2json values: parsing arguments and expectations,
 * matching results (NaN classes, references) and printing both. */
#include "wast_impl.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Host pointers standing for `ref.extern N`: addresses inside this array, so
 * they are real, distinct and never NULL. The spec tests use small N. */
#define WAST_EXTERN_POOL 4096
static char extern_pool[WAST_EXTERN_POOL];

void *wast_extern_ref(unsigned long n) {
  return n < WAST_EXTERN_POOL ? extern_pool + n : NULL;
}

/* The N of a pointer made by wast_extern_ref, or -1 for any other pointer. */
static long extern_index(const void *p) {
  uintptr_t a = (uintptr_t)p, base = (uintptr_t)extern_pool;
  return a >= base && a < base + WAST_EXTERN_POOL ? (long)(a - base) : -1;
}

static bool parse_type(const char *s, loam_valtype *t) {
  static const struct { const char *name; loam_valtype t; } names[] = {
      {"i32", LOAM_I32},         {"i64", LOAM_I64},
      {"f32", LOAM_F32},         {"f64", LOAM_F64},
      {"funcref", LOAM_FUNCREF}, {"externref", LOAM_EXTERNREF},
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (!strcmp(s, names[i].name)) {
      *t = names[i].t;
      return true;
    }
  return false;
}

/* wast2json writes every number as the unsigned decimal of its bits. */
static bool parse_bits(const char *s, uint64_t max, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || *end || *s == '-' || v > max) return false;
  *out = v;
  return true;
}

/* Fills `out` from a "type"/"value" pair. `value` may be NULL only for
 * references (the caller decides what that means). */
static bool parse_value(loam_valtype t, const char *value, loam_val *out,
                        char *why, size_t n) {
  uint64_t bits = 0;
  out->type = t;
  switch (t) {
  case LOAM_I32: case LOAM_F32:
    if (!value || !parse_bits(value, UINT32_MAX, &bits)) break;
    out->of.i32 = (uint32_t)bits;
    return true;
  case LOAM_I64: case LOAM_F64:
    if (!value || !parse_bits(value, UINT64_MAX, &bits)) break;
    out->of.i64 = bits;
    return true;
  case LOAM_FUNCREF:
    if (!value || strcmp(value, "null")) break; /* no way to name a func */
    out->of.ref = NULL;
    return true;
  case LOAM_EXTERNREF:
    if (value && !strcmp(value, "null")) {
      out->of.ref = NULL;
      return true;
    }
    if (!value || !parse_bits(value, UINT64_MAX, &bits)) break;
    out->of.ref = wast_extern_ref((unsigned long)bits);
    if (!out->of.ref) break;
    return true;
  default:
    break;
  }
  snprintf(why, n, "unsupported value '%s'", value ? value : "(none)");
  return false;
}

static bool parse_common(json_t *j, loam_valtype *t, const char **value,
                         char *why, size_t n) {
  const char *type = json_string_value(json_object_get(j, "type"));
  if (!type || !parse_type(type, t)) {
    snprintf(why, n, "unsupported value type '%s'", type ? type : "(none)");
    return false;
  }
  *value = json_string_value(json_object_get(j, "value"));
  return true;
}

bool wast_parse_arg(json_t *j, loam_val *out, char *why, size_t n) {
  loam_valtype t;
  const char *value;
  if (!parse_common(j, &t, &value, why, n)) return false;
  return parse_value(t, value, out, why, n);
}

bool wast_parse_expect(json_t *j, wast_expect *out, char *why, size_t n) {
  loam_valtype t;
  const char *value;
  if (!parse_common(j, &t, &value, why, n)) return false;
  out->val.type = t;
  out->kind = WAST_EXACT;
  bool is_float = t == LOAM_F32 || t == LOAM_F64;
  if (is_float && value && !strcmp(value, "nan:canonical")) {
    out->kind = WAST_NAN_CANON;
    return true;
  }
  if (is_float && value && !strcmp(value, "nan:arithmetic")) {
    out->kind = WAST_NAN_ARITH;
    return true;
  }
  /* A reference with no value is `(ref.func)` / `(ref.extern)`: any non-null.
   * `(ref.func N)` names a function index the public API cannot resolve to a
   * loam_func, so it too means any non-null funcref. */
  bool func_index = t == LOAM_FUNCREF && value && strcmp(value, "null");
  if (((t == LOAM_FUNCREF || t == LOAM_EXTERNREF) && !value) || func_index) {
    out->kind = WAST_ANY_REF;
    return true;
  }
  return parse_value(t, value, &out->val, why, n);
}

/* Canonical NaN: only the quiet bit set in the payload, either sign.
 * Arithmetic NaN: the quiet bit set, any other payload. */
static bool nan_matches(const wast_expect *want, const loam_val *got) {
  if (got->type == LOAM_F32) {
    uint32_t b = got->of.f32;
    if (want->kind == WAST_NAN_CANON) return (b & 0x7fffffffu) == 0x7fc00000u;
    return (b & 0x7fc00000u) == 0x7fc00000u;
  }
  uint64_t b = got->of.f64;
  if (want->kind == WAST_NAN_CANON)
    return (b & 0x7fffffffffffffffull) == 0x7ff8000000000000ull;
  return (b & 0x7ff8000000000000ull) == 0x7ff8000000000000ull;
}

bool wast_match(const wast_expect *want, const loam_val *got) {
  if (want->val.type != got->type) return false;
  switch (want->kind) {
  case WAST_NAN_CANON:
  case WAST_NAN_ARITH:
    return nan_matches(want, got);
  case WAST_ANY_REF:
    return got->of.ref != NULL;
  case WAST_EXACT:
    break;
  }
  switch (got->type) {
  case LOAM_I32: case LOAM_F32: return got->of.i32 == want->val.of.i32;
  case LOAM_I64: case LOAM_F64: return got->of.i64 == want->val.of.i64;
  case LOAM_FUNCREF: case LOAM_EXTERNREF: return got->of.ref == want->val.of.ref;
  default: return false;
  }
}

static void format_ref(const loam_val *v, char *buf, size_t n) {
  long idx = extern_index(v->of.ref);
  if (!v->of.ref)
    snprintf(buf, n, "%s:null", loam_valtype_name(v->type));
  else if (v->type == LOAM_EXTERNREF && idx >= 0)
    snprintf(buf, n, "externref:%ld", idx);
  else if (v->type == LOAM_FUNCREF)
    snprintf(buf, n, "funcref:%s", loam_func_name(v->of.ref));
  else
    snprintf(buf, n, "%s:%p", loam_valtype_name(v->type), v->of.ref);
}

void wast_format_val(const loam_val *v, char *buf, size_t n) {
  float f;
  double d;
  switch (v->type) {
  case LOAM_I32:
    snprintf(buf, n, "i32:%" PRIu32 " (0x%08" PRIx32 ")", v->of.i32, v->of.i32);
    return;
  case LOAM_I64:
    snprintf(buf, n, "i64:%" PRIu64 " (0x%016" PRIx64 ")", v->of.i64, v->of.i64);
    return;
  case LOAM_F32:
    memcpy(&f, &v->of.f32, sizeof f);
    snprintf(buf, n, "f32:%.9g (0x%08" PRIx32 ")", (double)f, v->of.f32);
    return;
  case LOAM_F64:
    memcpy(&d, &v->of.f64, sizeof d);
    snprintf(buf, n, "f64:%.17g (0x%016" PRIx64 ")", d, v->of.f64);
    return;
  case LOAM_FUNCREF:
  case LOAM_EXTERNREF:
    format_ref(v, buf, n);
    return;
  default:
    snprintf(buf, n, "%s:?", loam_valtype_name(v->type));
  }
}

void wast_format_expect(const wast_expect *e, char *buf, size_t n) {
  switch (e->kind) {
  case WAST_NAN_CANON:
    snprintf(buf, n, "%s:nan:canonical", loam_valtype_name(e->val.type));
    return;
  case WAST_NAN_ARITH:
    snprintf(buf, n, "%s:nan:arithmetic", loam_valtype_name(e->val.type));
    return;
  case WAST_ANY_REF:
    snprintf(buf, n, "%s:non-null", loam_valtype_name(e->val.type));
    return;
  case WAST_EXACT:
    wast_format_val(&e->val, buf, n);
    return;
  }
}
