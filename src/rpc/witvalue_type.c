/*
 * rpc/witvalue_type.c — what both directions of the wit-value conversion
 * share: recognising a golem:rpc wit-value type, the names of wit-node
 * cases, and error messages that name a path and a type.
 */
#include "rpc/witvalue_int.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const node_names[LOAM_WITNODE_COUNT] = {
    "record-value", "variant-value", "enum-value", "flags-value", "tuple-value",
    "list-value", "option-value", "result-value", "prim-u8", "prim-u16",
    "prim-u32", "prim-u64", "prim-s8", "prim-s16", "prim-s32",
    "prim-s64", "prim-float32", "prim-float64", "prim-char", "prim-bool",
    "prim-string",
};

const char *loam_witnode_name(uint32_t kind) {
  return kind < LOAM_WITNODE_COUNT ? node_names[kind] : "?";
}

int wv_prim_node(loam_typekind k) {
  switch (k) {
  case LOAM_T_BOOL: return LOAM_WITNODE_BOOL;
  case LOAM_T_S8: return LOAM_WITNODE_S8;
  case LOAM_T_U8: return LOAM_WITNODE_U8;
  case LOAM_T_S16: return LOAM_WITNODE_S16;
  case LOAM_T_U16: return LOAM_WITNODE_U16;
  case LOAM_T_S32: return LOAM_WITNODE_S32;
  case LOAM_T_U32: return LOAM_WITNODE_U32;
  case LOAM_T_S64: return LOAM_WITNODE_S64;
  case LOAM_T_U64: return LOAM_WITNODE_U64;
  case LOAM_T_F32: return LOAM_WITNODE_F32;
  case LOAM_T_F64: return LOAM_WITNODE_F64;
  case LOAM_T_CHAR: return LOAM_WITNODE_CHAR;
  case LOAM_T_STRING: return LOAM_WITNODE_STRING;
  default: return -1;
  }
}

/* The payload shapes of the composite cases, in prefix notation: L list,
 * O option, R result (ok then err), T a two-item tuple, i s32 (node-index),
 * u u32, b bool. Names are not compared: only the shape matters for building
 * and reading values, and a hand-made type has no names. */
static const char *const composite_shapes[LOAM_WITNODE_U8] = {
    "Li", "TuOi", "u", "Lb", "Li", "Li", "Oi", "ROiOi",
};

static bool shape_is(const loam_type *t, const char **p) {
  char c = *(*p)++;
  if (!t) return false;
  switch (c) {
  case 'L': return t->kind == LOAM_T_LIST && shape_is(t->u.elem, p);
  case 'O': return t->kind == LOAM_T_OPTION && shape_is(t->u.elem, p);
  case 'R':
    return t->kind == LOAM_T_RESULT && shape_is(t->u.result.ok, p) &&
           shape_is(t->u.result.err, p);
  case 'T':
    return t->kind == LOAM_T_TUPLE && t->u.tuple.n == 2 && shape_is(t->u.tuple.types[0], p) &&
           shape_is(t->u.tuple.types[1], p);
  case 'i': return t->kind == LOAM_T_S32;
  case 'u': return t->kind == LOAM_T_U32;
  case 'b': return t->kind == LOAM_T_BOOL;
  default: return false;
  }
}

static bool case_ok(const loam_type *t, uint32_t k) {
  if (k < LOAM_WITNODE_U8) {
    const char *p = composite_shapes[k];
    return shape_is(t, &p);
  }
  return t && wv_prim_node(t->kind) == (int)k;
}

bool wv_types_get(const loam_type *t, wv_types *w, loam_error *err) {
  static const char *const what = "not a golem:rpc wit-value type";
  if (!t || t->kind != LOAM_T_RECORD || t->u.record.n != 1 ||
      t->u.record.fields[0].type->kind != LOAM_T_LIST)
    return wv_fail(err, LOAM_ERR_ARGUMENT, NULL, "%s (expected record { nodes: list<wit-node> })",
                   what), false;
  const loam_type *nodes = t->u.record.fields[0].type, *node = nodes->u.elem;
  if (node->kind != LOAM_T_VARIANT || node->u.record.n != LOAM_WITNODE_COUNT)
    return wv_fail(err, LOAM_ERR_ARGUMENT, NULL, "%s (wit-node is not a variant of %d cases)",
                   what, LOAM_WITNODE_COUNT), false;
  for (uint32_t k = 0; k < LOAM_WITNODE_COUNT; k++) {
    const loam_type *ct = node->u.record.fields[k].type;
    if (!case_ok(ct, k)) {
      char got[128] = "no payload";
      if (ct) wv_describe(ct, got, sizeof got);
      return wv_fail(err, LOAM_ERR_ARGUMENT, NULL, "%s (case %u, %s, has %s)", what, k,
                     node_names[k], got), false;
    }
  }
  w->value = t;
  w->nodes = nodes;
  w->node = node;
  return true;
}

void *wv_fail(loam_error *err, loam_status code, const lv_path *p, const char *fmt, ...) {
  if (!err) return NULL;
  err->code = code;
  err->exit_code = 0;
  err->backtrace[0] = '\0';
  va_list ap;
  va_start(ap, fmt);
  lv_vmessage(err->message, sizeof err->message, p, fmt, ap);
  va_end(ap);
  return NULL;
}

void wv_describe(const loam_type *t, char *buf, size_t cap) {
  const char *kind = t->kind == LOAM_T_RECORD    ? "record"
                     : t->kind == LOAM_T_VARIANT ? "variant"
                     : t->kind == LOAM_T_ENUM    ? "enum"
                     : t->kind == LOAM_T_FLAGS   ? "flags"
                                                 : NULL;
  if (kind && t->name) {
    snprintf(buf, cap, "%s %s", kind, t->name);
    return;
  }
  /* An alias prints as its name; print what it stands for instead. */
  loam_type plain = *t;
  if (!kind) plain.name = NULL;
  loam_type_print(&plain, buf, cap);
}
