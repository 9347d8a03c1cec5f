/* layout.c — the canonical ABI's elem_size, alignment and flatten_type for
 * every kind of loam_type (CanonicalABI.md, "Size and Alignment" and
 * "Flattening"), computed once when a type is constructed. */
#include "types/layout.h"

#include <string.h>

uint32_t loam_type_discriminant_size(uint32_t ncases) {
  if (ncases <= 256u) return 1;
  if (ncases <= 65536u) return 2;
  return 4;
}

uint32_t loam_type_flags_words(uint32_t nlabels) {
  return (uint32_t)(((uint64_t)nlabels + 31u) / 32u);
}

uint8_t loam_layout_join(uint8_t a, uint8_t b) {
  if (a == b) return a;
  if ((a == LOAM_CORE_I32 && b == LOAM_CORE_F32) ||
      (a == LOAM_CORE_F32 && b == LOAM_CORE_I32))
    return LOAM_CORE_I32;
  return LOAM_CORE_I64;
}

/* Fields laid out one after another, each at its own alignment. */
static bool measure_fields(loam_type *t, uint32_t n, const loam_type *const *types,
                           const loam_field *fields) {
  uint32_t size = 0, align = 1;
  uint64_t nflat = 0;
  for (uint32_t i = 0; i < n; i++) {
    const loam_type *f = types ? types[i] : fields[i].type;
    size = loam_align_to(size, f->align) + f->size;
    if (f->align > align) align = f->align;
    nflat += f->nflat;
  }
  t->size = loam_align_to(size, align);
  t->align = align;
  t->nflat = (uint32_t)(nflat > LOAM_LAYOUT_MAX_FLAT ? LOAM_LAYOUT_MAX_FLAT + 1 : nflat);
  return nflat <= LOAM_LAYOUT_MAX_FLAT;
}

/* The case count and the payload of case i of a variant-like type (option
 * = none|some, result = ok|err, variant); NULL = no payload. */
static uint32_t ncases(const loam_type *t) {
  return t->kind == LOAM_T_VARIANT ? t->u.record.n : 2;
}

static const loam_type *case_type(const loam_type *t, uint32_t i) {
  if (t->kind == LOAM_T_VARIANT) return t->u.record.fields[i].type;
  if (t->kind == LOAM_T_OPTION) return i ? t->u.elem : NULL;
  return i ? t->u.result.err : t->u.result.ok;
}

/* A discriminant, then the largest payload at the largest payload alignment;
 * flat: an i32 discriminant then the joined payload slots. */
static bool measure_variant(loam_type *t) {
  uint32_t n = ncases(t);
  uint32_t dsize = loam_type_discriminant_size(n);
  uint32_t pal = 1, psize = 0, pflat = 0;
  for (uint32_t i = 0; i < n; i++) {
    const loam_type *p = case_type(t, i);
    if (!p) continue;
    if (p->align > pal) pal = p->align;
    if (p->size > psize) psize = p->size;
    if (p->nflat > pflat) pflat = p->nflat;
  }
  uint32_t align = dsize > pal ? dsize : pal;
  t->align = align;
  t->size = loam_align_to(loam_align_to(dsize, pal) + psize, align);
  t->nflat = pflat + 1;
  return pflat < LOAM_LAYOUT_MAX_FLAT;
}

static void set_prim(loam_type *t, uint32_t size, uint32_t nflat) {
  t->size = size;
  t->align = size;
  t->nflat = nflat;
}

bool loam_layout_measure(loam_type *t) {
  switch (t->kind) {
  case LOAM_T_BOOL: case LOAM_T_S8: case LOAM_T_U8: set_prim(t, 1, 1); return true;
  case LOAM_T_S16: case LOAM_T_U16: set_prim(t, 2, 1); return true;
  case LOAM_T_S32: case LOAM_T_U32: case LOAM_T_F32: case LOAM_T_CHAR:
  case LOAM_T_OWN: case LOAM_T_BORROW:
    set_prim(t, 4, 1); return true;
  case LOAM_T_S64: case LOAM_T_U64: case LOAM_T_F64: set_prim(t, 8, 1); return true;
  case LOAM_T_STRING: case LOAM_T_LIST:
    t->size = 8; t->align = 4; t->nflat = 2; return true;
  case LOAM_T_RESOURCE:
    t->size = 0; t->align = 1; t->nflat = 0; return true;
  case LOAM_T_TUPLE:
    return measure_fields(t, t->u.tuple.n, t->u.tuple.types, NULL);
  case LOAM_T_RECORD:
    return measure_fields(t, t->u.record.n, NULL, t->u.record.fields);
  case LOAM_T_ENUM: {
    uint32_t d = loam_type_discriminant_size(t->u.labels.n);
    t->size = d; t->align = d; t->nflat = 1;
    return true;
  }
  case LOAM_T_FLAGS: {
    uint32_t n = t->u.labels.n;
    if (n == 0) { t->size = 0; t->align = 1; t->nflat = 0; }
    else if (n <= 8) set_prim(t, 1, 1);
    else if (n <= 16) set_prim(t, 2, 1);
    else {
      uint32_t w = loam_type_flags_words(n);
      t->size = 4 * w; t->align = 4; t->nflat = w;
    }
    return true;
  }
  case LOAM_T_OPTION: case LOAM_T_RESULT: case LOAM_T_VARIANT:
    return measure_variant(t);
  }
  return false;
}

static uint8_t prim_core(loam_typekind k) {
  switch (k) {
  case LOAM_T_S64: case LOAM_T_U64: return LOAM_CORE_I64;
  case LOAM_T_F32: return LOAM_CORE_F32;
  case LOAM_T_F64: return LOAM_CORE_F64;
  default: return LOAM_CORE_I32;
  }
}

/* Variant flattening: i32 discriminant, then each slot the join of what
 * every case puts there. */
static void flatten_variant(const loam_type *t, uint8_t *out) {
  uint32_t slots = t->nflat - 1;
  out[0] = LOAM_CORE_I32;
  memset(out + 1, 0, slots);  /* 0 = no case has used this slot yet */
  for (uint32_t i = 0; i < ncases(t); i++) {
    const loam_type *c = case_type(t, i);
    if (!c) continue;
    for (uint32_t s = 0; s < c->nflat; s++)
      out[1 + s] = out[1 + s] ? loam_layout_join(out[1 + s], c->flat[s]) : c->flat[s];
  }
}

void loam_layout_flatten(const loam_type *t, uint8_t *out) {
  switch (t->kind) {
  case LOAM_T_STRING: case LOAM_T_LIST:
    out[0] = out[1] = LOAM_CORE_I32;
    return;
  case LOAM_T_RESOURCE:
    return;
  case LOAM_T_TUPLE:
    for (uint32_t i = 0; i < t->u.tuple.n; i++) {
      const loam_type *f = t->u.tuple.types[i];
      for (uint32_t j = 0; j < f->nflat; j++) *out++ = f->flat[j];
    }
    return;
  case LOAM_T_RECORD:
    for (uint32_t i = 0; i < t->u.record.n; i++) {
      const loam_type *f = t->u.record.fields[i].type;
      for (uint32_t j = 0; j < f->nflat; j++) *out++ = f->flat[j];
    }
    return;
  case LOAM_T_FLAGS:
    for (uint32_t i = 0; i < t->nflat; i++) out[i] = LOAM_CORE_I32;
    return;
  case LOAM_T_ENUM:
    out[0] = LOAM_CORE_I32;
    return;
  case LOAM_T_OPTION: case LOAM_T_RESULT: case LOAM_T_VARIANT:
    flatten_variant(t, out);
    return;
  default:
    out[0] = prim_core(t->kind);
    return;
  }
}
