/*
 * value_fuzz.h — shared by the value fuzz targets: a fixed set of
 * interesting types (the unit tests' zoo plus a few more), chosen by the
 * input's first byte, and the round-trip checks every decoded value must
 * pass through all three encodings. A failed check aborts (libFuzzer then
 * reports the input); that is the point of a fuzz target.
 */
#ifndef LOAM_FUZZ_VALUE_FUZZ_H
#define LOAM_FUZZ_VALUE_FUZZ_H

#include "../tests/value/value_fixture.h"
#include <stdint.h>
#include <stdlib.h>

static zoo FZ;
static const loam_type *fuzz_types[40];
static size_t fuzz_ntypes;

static void fuzz_types_init(void) {
  if (fuzz_ntypes) return;
  zoo_init(&FZ);
  const loam_type *ts[] = {
      FZ.deep, FZ.item, FZ.order, FZ.point, FZ.shape, FZ.color, FZ.kw_enum, FZ.perms,
      FZ.big_flags, FZ.res_u8_str, FZ.res_err_only, FZ.res_empty, FZ.opt_opt_u8,
      FZ.opt_res, FZ.tup, FZ.own, FZ.list_u8, FZ.kw_record, FZ.point_alias,
      P(LOAM_T_BOOL), P(LOAM_T_S8), P(LOAM_T_U16), P(LOAM_T_S32), P(LOAM_T_U64),
      P(LOAM_T_S64), P(LOAM_T_F32), P(LOAM_T_F64), P(LOAM_T_CHAR), P(LOAM_T_STRING),
      loam_type_list(FZ.cx, P(LOAM_T_STRING)),
      loam_type_list(FZ.cx, loam_type_tuple(FZ.cx, 0, NULL)),
      loam_type_list(FZ.cx, loam_type_list(FZ.cx, FZ.opt_opt_u8)),
  };
  for (size_t i = 0; i < sizeof ts / sizeof *ts; i++) fuzz_types[fuzz_ntypes++] = ts[i];
}

/* Splits the input: the type from byte 0, the rest as data. */
static const loam_type *fuzz_pick(const uint8_t **data, size_t *size) {
  fuzz_types_init();
  if (!*size) return NULL;
  const loam_type *t = fuzz_types[(*data)[0] % fuzz_ntypes];
  ++*data;
  --*size;
  return t;
}

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)

/* v must survive JSON, WAVE and binary unchanged (its NaNs made canonical
 * first: text keeps no NaN payloads). */
static void fuzz_round_trips(loam_value *v) {
  canon_nans(v);
  loam_verr err;
  char *j = loam_value_to_json(v);
  FUZZ_CHECK(j);
  loam_value *a = loam_value_from_json(v->type, j, strlen(j), NULL, &err);
  FUZZ_CHECK(a && loam_value_equal(v, a));
  char *w = loam_value_to_wave(v);
  FUZZ_CHECK(w);
  loam_value *b = loam_value_from_wave(v->type, w, strlen(w), &err);
  FUZZ_CHECK(b && loam_value_equal(v, b));
  loam_buf buf = {0};
  FUZZ_CHECK(loam_value_encode(v, &buf));
  size_t used = 0;
  loam_value *c = loam_value_decode(v->type, buf.data, buf.len, &used, &err);
  FUZZ_CHECK(c && used == buf.len && loam_value_equal(v, c));
  loam_value *d = loam_value_clone(v);
  FUZZ_CHECK(d && loam_value_equal(v, d));
  free(j);
  free(w);
  loam_buf_free(&buf);
  loam_value_free(a);
  loam_value_free(b);
  loam_value_free(c);
  loam_value_free(d);
}

#endif
