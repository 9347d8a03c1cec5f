/* layout.h — canonical ABI size, alignment and flattening of a type being built. */
#ifndef LOAM_TYPES_LAYOUT_H
#define LOAM_TYPES_LAYOUT_H

#include "loam/types.h"

/* Most flat values a type may have; beyond this a constructor fails (a guard
 * against exponential blow-up from nested tuples in hostile WIT). */
#define LOAM_LAYOUT_MAX_FLAT 65536u

/* Fills t->size, t->align and t->nflat from t's kind and parts (which must
 * already have their layouts). Returns false when the flat count exceeds
 * LOAM_LAYOUT_MAX_FLAT. */
bool loam_layout_measure(loam_type *t);

/* Writes t's t->nflat core types into out (which has room for them). */
void loam_layout_flatten(const loam_type *t, uint8_t *out);

/* The canonical ABI's join of two core types for variant payload slots. */
uint8_t loam_layout_join(uint8_t a, uint8_t b);

static inline uint32_t loam_align_to(uint32_t x, uint32_t a) {
  return (x + a - 1) / a * a;
}

#endif
