/* print.c — loam_type_print: a type as WIT text, named types by name. */
#include "loam/types.h"

#include <stdio.h>
#include <string.h>

/* An snprintf-style writer: counts everything, stores what fits. */
typedef struct out {
  char *buf;
  size_t cap, len;
} out;

static void put(out *o, const char *s) {
  size_t n = strlen(s);
  if (o->len < o->cap) {
    size_t room = o->cap - o->len - 1;
    size_t k = n < room ? n : room;
    memcpy(o->buf + o->len, s, k);
    o->buf[o->len + k] = '\0';
  }
  o->len += n;
}

static const char *prim_name(loam_typekind k) {
  static const char *const names[] = {
    "bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64",
    "f32", "f64", "char", "string",
  };
  return k <= LOAM_T_STRING ? names[k] : NULL;
}

static void print_type(out *o, const loam_type *t);

static void print_fields(out *o, const char *kw, const loam_type *t, bool cases) {
  put(o, kw);
  put(o, " { ");
  for (uint32_t i = 0; i < t->u.record.n; i++) {
    const loam_field *f = &t->u.record.fields[i];
    if (i) put(o, ", ");
    put(o, f->name);
    if (f->type) {
      put(o, cases ? "(" : ": ");
      print_type(o, f->type);
      if (cases) put(o, ")");
    }
  }
  put(o, " }");
}

static void print_labels(out *o, const char *kw, const loam_type *t) {
  put(o, kw);
  put(o, " { ");
  for (uint32_t i = 0; i < t->u.labels.n; i++) {
    if (i) put(o, ", ");
    put(o, t->u.labels.labels[i]);
  }
  put(o, " }");
}

/* Anonymous records, variants, enums and flags (built by hand, never from
 * WIT) print their structure, which is not valid WIT in a type position but
 * says what the type is. */
static void print_type(out *o, const loam_type *t) {
  if (!t) { put(o, "_"); return; }
  if (t->name) { put(o, t->name); return; }
  const char *p = prim_name(t->kind);
  if (p) { put(o, p); return; }
  switch (t->kind) {
  case LOAM_T_LIST: case LOAM_T_OPTION: case LOAM_T_OWN: case LOAM_T_BORROW:
    put(o, t->kind == LOAM_T_LIST ? "list<" : t->kind == LOAM_T_OPTION ? "option<"
           : t->kind == LOAM_T_OWN ? "own<" : "borrow<");
    print_type(o, t->u.elem);
    put(o, ">");
    return;
  case LOAM_T_RESULT:
    put(o, "result");
    if (!t->u.result.ok && !t->u.result.err) return;
    put(o, "<");
    print_type(o, t->u.result.ok);
    if (t->u.result.err) {
      put(o, ", ");
      print_type(o, t->u.result.err);
    }
    put(o, ">");
    return;
  case LOAM_T_TUPLE:
    put(o, "tuple<");
    for (uint32_t i = 0; i < t->u.tuple.n; i++) {
      if (i) put(o, ", ");
      print_type(o, t->u.tuple.types[i]);
    }
    put(o, ">");
    return;
  case LOAM_T_RECORD: print_fields(o, "record", t, false); return;
  case LOAM_T_VARIANT: print_fields(o, "variant", t, true); return;
  case LOAM_T_ENUM: print_labels(o, "enum", t); return;
  case LOAM_T_FLAGS: print_labels(o, "flags", t); return;
  case LOAM_T_RESOURCE: put(o, "resource"); return;
  default: put(o, "?"); return;
  }
}

size_t loam_type_print(const loam_type *t, char *buf, size_t cap) {
  out o = {buf, cap, 0};
  if (cap) buf[0] = '\0';
  print_type(&o, t);
  return o.len;
}
