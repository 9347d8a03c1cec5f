/*
 * executor/util.c — small helpers the executor's files share: errors, clocks,
 * idempotency keys, oplog appends, value encoding and type checks.
 */
#include "executor/executor_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

void ex_fail(loam_error *err, loam_status code, const char *fmt, ...) {
  if (!err) return;
  err->code = code;
  err->exit_code = 0;
  err->backtrace[0] = '\0';
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
}

uint64_t ex_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t ex_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000ull + (uint64_t)ts.tv_nsec / 1000000ull;
}

static char type_char(uint8_t t) {
  switch (t) {
  case LOAM_I32: return 'i';
  case LOAM_I64: return 'I';
  case LOAM_F32: return 'f';
  case LOAM_F64: return 'F';
  case LOAM_FUNCREF: return 'r';
  case LOAM_EXTERNREF: return 'e';
  default: return '?';
  }
}

void ex_functype_text(const loam_functype *ft, char *buf, size_t cap) {
  size_t n = 0;
  for (uint32_t i = 0; i < ft->nparams && n + 1 < cap; i++) buf[n++] = type_char(ft->params[i]);
  if (n + 1 < cap) buf[n++] = ':';
  for (uint32_t i = 0; i < ft->nresults && n + 1 < cap; i++) buf[n++] = type_char(ft->results[i]);
  buf[n] = '\0';
}

/* splitmix64: the key generator's mixing step. */
static uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* 128 bits as a UUID-like string: a per-process random seed (read once from
 * the kernel) mixed with a counter, so keys never repeat within a process
 * and collide across processes only by chance. */
void ex_new_key(char out[72]) {
  static _Atomic uint64_t seed, counter;
  if (!seed) {
    uint64_t s = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(&s, sizeof s, 1, f) != 1) s = ex_now_ns() ^ ((uint64_t)getpid() << 32);
    if (f) fclose(f);
    uint64_t zero = 0;
    atomic_compare_exchange_strong(&seed, &zero, s | 1);
  }
  uint64_t c = atomic_fetch_add(&counter, 1);
  uint64_t r0 = mix(seed + c), r1 = mix(r0 ^ seed ^ ex_now_ns());
  snprintf(out, 72, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(r0 >> 32),
           (unsigned)(r0 >> 16) & 0xffff, (unsigned)r0 & 0xffff, (unsigned)(r1 >> 48),
           (unsigned long long)(r1 & 0xffffffffffffull));
}

loam_ds_ticket ex_append(struct loam_executor *ex, ex_worker *w, ex_runtime *rt,
                         loam_oplog_entry *e, uint64_t *index, loam_error *err) {
  loam_buf b = {0};
  e->timestamp_ms = ex_now_ms();
  if (!loam_oplog_encode(e, &b)) {
    loam_buf_free(&b);
    ex_fail(err, LOAM_ERR_NOMEM, "out of memory encoding an oplog entry");
    return 0;
  }
  uint64_t idx = 0;
  loam_ds_ticket t = loam_ds_append(ex->ds, w->id, e->kind, b.data, b.len, &idx, err);
  if (t && rt) {
    rt->last_index = idx;
    rt->bytes_since_snapshot += b.len;
  }
  if (index) *index = idx;
  loam_buf_free(&b);
  return t;
}

bool ex_encode_values(loam_value *const *v, uint32_t n, loam_buf *out) {
  for (uint32_t i = 0; i < n; i++)
    if (!loam_value_encode(v[i], out)) return false;
  return true;
}

void ex_free_values(loam_value **v, uint32_t n) {
  if (!v) return;
  for (uint32_t i = 0; i < n; i++) loam_value_free(v[i]);
  free(v);
}

loam_value **ex_decode_values(const loam_type *const *types, uint32_t n,
                              const uint8_t *b, size_t len, loam_error *err) {
  loam_value **v = calloc(n ? n : 1, sizeof *v);
  if (!v) return ex_fail(err, LOAM_ERR_NOMEM, "out of memory"), NULL;
  size_t off = 0;
  for (uint32_t i = 0; i < n; i++) {
    size_t used = 0;
    loam_verr verr;
    v[i] = loam_value_decode(types[i], b ? b + off : NULL, len - off, &used, &verr);
    if (!v[i]) {
      ex_fail(err, LOAM_ERR_MALFORMED, "stored value %u: %s", i, verr.message);
      ex_free_values(v, n);
      return NULL;
    }
    off += used;
  }
  return v;
}

/* The kind's name for messages. */
static const char *kind_name(loam_typekind k) {
  static const char *const names[] = {
      "bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64", "f32", "f64",
      "char", "string", "list", "option", "result", "tuple", "record", "variant",
      "enum", "flags", "resource", "own", "borrow"};
  return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

/* Checks the children of a composite value. */
static bool check_children(const loam_value *v, const loam_type *t, const char *path,
                           loam_error *err) {
  char sub[256];
  switch (t->kind) {
  case LOAM_T_LIST:
    for (size_t i = 0; i < v->of.seq.n; i++) {
      snprintf(sub, sizeof sub, "%s[%zu]", path, i);
      if (!ex_check_value(v->of.seq.items[i], t->u.elem, sub, err)) return false;
    }
    return true;
  case LOAM_T_TUPLE:
  case LOAM_T_RECORD: {
    uint32_t n = t->kind == LOAM_T_TUPLE ? t->u.tuple.n : t->u.record.n;
    if (v->of.seq.n != n)
      return ex_fail(err, LOAM_ERR_ARGUMENT, "%s: expected %u fields, got %zu", path, n,
                     v->of.seq.n), false;
    for (uint32_t i = 0; i < n; i++) {
      const loam_type *ft = t->kind == LOAM_T_TUPLE ? t->u.tuple.types[i]
                                                    : t->u.record.fields[i].type;
      if (t->kind == LOAM_T_TUPLE) snprintf(sub, sizeof sub, "%s.%u", path, i);
      else snprintf(sub, sizeof sub, "%s.%s", path, t->u.record.fields[i].name);
      if (!ex_check_value(v->of.seq.items[i], ft, sub, err)) return false;
    }
    return true;
  }
  case LOAM_T_OPTION:
  case LOAM_T_RESULT:
  case LOAM_T_VARIANT: {
    const loam_type *pt = NULL;
    uint32_t tag = v->of.var.tag;
    if (t->kind == LOAM_T_OPTION) pt = tag == 1 ? t->u.elem : NULL;
    else if (t->kind == LOAM_T_RESULT) pt = tag == 0 ? t->u.result.ok : t->u.result.err;
    else if (tag < t->u.record.n) pt = t->u.record.fields[tag].type;
    else return ex_fail(err, LOAM_ERR_ARGUMENT, "%s: case %u out of range", path, tag), false;
    if (!pt != !v->of.var.payload)
      return ex_fail(err, LOAM_ERR_ARGUMENT, "%s: payload %s", path,
                     pt ? "missing" : "not expected"), false;
    snprintf(sub, sizeof sub, "%s.payload", path);
    return !pt || ex_check_value(v->of.var.payload, pt, sub, err);
  }
  default:
    return true;
  }
}

bool ex_check_value(const loam_value *v, const loam_type *t, const char *path,
                    loam_error *err) {
  if (!v) return ex_fail(err, LOAM_ERR_ARGUMENT, "%s: missing value", path), false;
  if (!v->type || v->type->kind != t->kind) {
    char want[128];
    loam_type_print(t, want, sizeof want);
    ex_fail(err, LOAM_ERR_ARGUMENT, "%s: expected %s, got a value of type %s", path, want,
            v->type ? kind_name(v->type->kind) : "?");
    return false;
  }
  return check_children(v, t, path, err);
}
