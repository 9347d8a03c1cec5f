/* bindgen/flat.c — generated C that lifts and lowers values as flat core
 * values. Flat values travel as "raw slots": uint64_t holding the value's
 * bits (i32 and f32 zero-extended), so a variant's joined slot reads the same
 * whichever case's type was joined into it. */
#include "bindgen/bg.h"

#define IND(n) (n), ""

const char *bg_core_ctype(uint8_t core) {
  switch (core) {
  case LOAM_CORE_I64: return "int64_t";
  case LOAM_CORE_F32: return "float";
  case LOAM_CORE_F64: return "double";
  default: return "int32_t";
  }
}

char *bg_core_to_raw(bg *g, uint8_t core, const char *x) {
  switch (core) {
  case LOAM_CORE_I64: return bg_str(g, "(uint64_t)(%s)", x);
  case LOAM_CORE_F32: return bg_str(g, "(uint64_t)__bg_f32_bits(%s)", x);
  case LOAM_CORE_F64: return bg_str(g, "__bg_f64_bits(%s)", x);
  default: return bg_str(g, "(uint64_t)(uint32_t)(%s)", x);
  }
}

char *bg_raw_to_core(bg *g, uint8_t core, const char *raw) {
  switch (core) {
  case LOAM_CORE_I64: return bg_str(g, "(int64_t)(%s)", raw);
  case LOAM_CORE_F32: return bg_str(g, "__bg_f32((uint32_t)(%s))", raw);
  case LOAM_CORE_F64: return bg_str(g, "__bg_f64(%s)", raw);
  default: return bg_str(g, "(int32_t)(uint32_t)(%s)", raw);
  }
}

static const char *tag_ctype(uint32_t ncases) {
  uint32_t d = loam_type_discriminant_size(ncases);
  return d == 1 ? "uint8_t" : d == 2 ? "uint16_t" : "uint32_t";
}

static bool exported_borrow(const bg *g, const loam_type *t) {
  return t->kind == LOAM_T_BORROW && bg_res_exported(g, t->u.elem);
}

/* Lifts the payload of case `i` (type c, NULL: none) of a variant-like value. */
static void lift_case(bg *g, bg_buf *b, const loam_type *c, const char *dst,
                      const char *s, uint32_t k, int in) {
  if (c) bg_lift_flat(g, b, c, dst, s, k, in);
}

void bg_lift_flat(bg *g, bg_buf *b, const loam_type *t, const char *dst,
                  const char *s, uint32_t k, int in) {
  const char *ct = bg_ctype(g, t);
  switch (t->kind) {
  case LOAM_T_BOOL:
    bg_printf(b, "%*s%s = (uint32_t)%s[%u] != 0;\n", IND(in), dst, s, k);
    break;
  case LOAM_T_S64: case LOAM_T_U64:
    bg_printf(b, "%*s%s = (%s)%s[%u];\n", IND(in), dst, ct, s, k);
    break;
  case LOAM_T_F32:
    bg_printf(b, "%*s%s = __bg_f32((uint32_t)%s[%u]);\n", IND(in), dst, s, k);
    break;
  case LOAM_T_F64:
    bg_printf(b, "%*s%s = __bg_f64(%s[%u]);\n", IND(in), dst, s, k);
    break;
  case LOAM_T_STRING: case LOAM_T_LIST:
    bg_printf(b, "%*s%s.ptr = (%s *)(uintptr_t)(uint32_t)%s[%u];\n", IND(in), dst,
              t->kind == LOAM_T_STRING ? "uint8_t" : bg_ctype(g, t->u.elem), s, k);
    bg_printf(b, "%*s%s.len = (size_t)(uint32_t)%s[%u];\n", IND(in), dst, s, k + 1);
    break;
  case LOAM_T_OWN: case LOAM_T_BORROW:
    if (exported_borrow(g, t))
      bg_printf(b, "%*s%s = (%s)(uintptr_t)(uint32_t)%s[%u];\n", IND(in), dst, ct, s, k);
    else
      bg_printf(b, "%*s%s.__handle = (int32_t)(uint32_t)%s[%u];\n", IND(in), dst, s, k);
    break;
  case LOAM_T_TUPLE:
    for (uint32_t i = 0; i < t->u.tuple.n; i++) {
      bg_lift_flat(g, b, t->u.tuple.types[i], bg_str(g, "%s.f%u", dst, i), s, k, in);
      k += t->u.tuple.types[i]->nflat;
    }
    break;
  case LOAM_T_RECORD:
    for (uint32_t i = 0; i < t->u.record.n; i++) {
      const loam_field *f = &t->u.record.fields[i];
      bg_lift_flat(g, b, f->type, bg_str(g, "%s.%s", dst, bg_snake(g, f->name)), s, k, in);
      k += f->type->nflat;
    }
    break;
  case LOAM_T_OPTION:
    bg_printf(b, "%*s%s.is_some = (uint32_t)%s[%u] != 0;\n", IND(in), dst, s, k);
    bg_printf(b, "%*sif (%s.is_some) {\n", IND(in), dst);
    lift_case(g, b, t->u.elem, bg_str(g, "%s.val", dst), s, k + 1, in + 2);
    bg_printf(b, "%*s}\n", IND(in));
    break;
  case LOAM_T_RESULT:
    bg_printf(b, "%*s%s.is_err = (uint32_t)%s[%u] != 0;\n", IND(in), dst, s, k);
    bg_printf(b, "%*sif (!%s.is_err) {\n", IND(in), dst);
    lift_case(g, b, t->u.result.ok, bg_str(g, "%s.val.ok", dst), s, k + 1, in + 2);
    bg_printf(b, "%*s} else {\n", IND(in));
    lift_case(g, b, t->u.result.err, bg_str(g, "%s.val.err", dst), s, k + 1, in + 2);
    bg_printf(b, "%*s}\n", IND(in));
    break;
  case LOAM_T_VARIANT:
    bg_printf(b, "%*s%s.tag = (%s)(uint32_t)%s[%u];\n", IND(in), dst,
              tag_ctype(t->u.record.n), s, k);
    bg_printf(b, "%*sswitch (%s.tag) {\n", IND(in), dst);
    for (uint32_t i = 0; i < t->u.record.n; i++) {
      const loam_field *c = &t->u.record.fields[i];
      if (!c->type) continue;
      bg_printf(b, "%*scase %u:\n", IND(in), i);
      lift_case(g, b, c->type, bg_str(g, "%s.val.%s", dst, bg_snake(g, c->name)), s, k + 1,
                in + 2);
      bg_printf(b, "%*sbreak;\n", IND(in + 2));
    }
    bg_printf(b, "%*sdefault:\n%*sbreak;\n%*s}\n", IND(in), IND(in + 2), IND(in));
    break;
  default:   /* the other scalars, enums and flags: one i32 */
    bg_printf(b, "%*s%s = (%s)(uint32_t)%s[%u];\n", IND(in), dst, ct, s, k);
    break;
  }
}

/* Zeroes the payload slots of a variant-like value (cases use fewer). */
static void zero_payload(bg_buf *b, const loam_type *t, const char *s, uint32_t k, int in) {
  for (uint32_t j = k + 1; j < k + t->nflat; j++) bg_printf(b, "%*s%s[%u] = 0;\n", IND(in), s, j);
}

void bg_lower_flat(bg *g, bg_buf *b, const loam_type *t, const char *src,
                   const char *s, uint32_t k, int in) {
  switch (t->kind) {
  case LOAM_T_BOOL:
    bg_printf(b, "%*s%s[%u] = (%s) ? 1 : 0;\n", IND(in), s, k, src);
    break;
  case LOAM_T_S8: case LOAM_T_S16: case LOAM_T_S32:
    bg_printf(b, "%*s%s[%u] = (uint64_t)(uint32_t)(int32_t)(%s);\n", IND(in), s, k, src);
    break;
  case LOAM_T_S64: case LOAM_T_U64:
    bg_printf(b, "%*s%s[%u] = (uint64_t)(%s);\n", IND(in), s, k, src);
    break;
  case LOAM_T_F32:
    bg_printf(b, "%*s%s[%u] = __bg_f32_bits(%s);\n", IND(in), s, k, src);
    break;
  case LOAM_T_F64:
    bg_printf(b, "%*s%s[%u] = __bg_f64_bits(%s);\n", IND(in), s, k, src);
    break;
  case LOAM_T_STRING: case LOAM_T_LIST:
    bg_printf(b, "%*s%s[%u] = (uint32_t)(uintptr_t)(%s).ptr;\n", IND(in), s, k, src);
    bg_printf(b, "%*s%s[%u] = (uint32_t)(%s).len;\n", IND(in), s, k + 1, src);
    break;
  case LOAM_T_OWN: case LOAM_T_BORROW:
    if (exported_borrow(g, t))
      bg_printf(b, "%*s%s[%u] = (uint32_t)(uintptr_t)(%s);\n", IND(in), s, k, src);
    else
      bg_printf(b, "%*s%s[%u] = (uint32_t)(%s).__handle;\n", IND(in), s, k, src);
    break;
  case LOAM_T_TUPLE:
    for (uint32_t i = 0; i < t->u.tuple.n; i++) {
      bg_lower_flat(g, b, t->u.tuple.types[i], bg_str(g, "(%s).f%u", src, i), s, k, in);
      k += t->u.tuple.types[i]->nflat;
    }
    break;
  case LOAM_T_RECORD:
    for (uint32_t i = 0; i < t->u.record.n; i++) {
      const loam_field *f = &t->u.record.fields[i];
      bg_lower_flat(g, b, f->type, bg_str(g, "(%s).%s", src, bg_snake(g, f->name)), s, k, in);
      k += f->type->nflat;
    }
    break;
  case LOAM_T_OPTION:
    zero_payload(b, t, s, k, in);
    bg_printf(b, "%*s%s[%u] = (%s).is_some ? 1 : 0;\n", IND(in), s, k, src);
    bg_printf(b, "%*sif ((%s).is_some) {\n", IND(in), src);
    bg_lower_flat(g, b, t->u.elem, bg_str(g, "(%s).val", src), s, k + 1, in + 2);
    bg_printf(b, "%*s}\n", IND(in));
    break;
  case LOAM_T_RESULT:
    zero_payload(b, t, s, k, in);
    bg_printf(b, "%*s%s[%u] = (%s).is_err ? 1 : 0;\n", IND(in), s, k, src);
    bg_printf(b, "%*sif (!(%s).is_err) {\n", IND(in), src);
    if (t->u.result.ok)
      bg_lower_flat(g, b, t->u.result.ok, bg_str(g, "(%s).val.ok", src), s, k + 1, in + 2);
    bg_printf(b, "%*s} else {\n", IND(in));
    if (t->u.result.err)
      bg_lower_flat(g, b, t->u.result.err, bg_str(g, "(%s).val.err", src), s, k + 1, in + 2);
    bg_printf(b, "%*s}\n", IND(in));
    break;
  case LOAM_T_VARIANT:
    zero_payload(b, t, s, k, in);
    bg_printf(b, "%*s%s[%u] = (uint32_t)(%s).tag;\n", IND(in), s, k, src);
    bg_printf(b, "%*sswitch ((%s).tag) {\n", IND(in), src);
    for (uint32_t i = 0; i < t->u.record.n; i++) {
      const loam_field *c = &t->u.record.fields[i];
      if (!c->type) continue;
      bg_printf(b, "%*scase %u:\n", IND(in), i);
      bg_lower_flat(g, b, c->type, bg_str(g, "(%s).val.%s", src, bg_snake(g, c->name)), s,
                    k + 1, in + 2);
      bg_printf(b, "%*sbreak;\n", IND(in + 2));
    }
    bg_printf(b, "%*sdefault:\n%*sbreak;\n%*s}\n", IND(in), IND(in + 2), IND(in));
    break;
  default:   /* unsigned scalars, char, enums, flags */
    bg_printf(b, "%*s%s[%u] = (uint64_t)(uint32_t)(%s);\n", IND(in), s, k, src);
    break;
  }
}
