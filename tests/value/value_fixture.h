/*
 * value_fixture.h — types shared by the value tests: a zoo of named WIT
 * types covering every kind (built in a loam_typectx), and helpers to parse
 * and print through each encoding. Header-only: each test program includes
 * it once.
 */
#ifndef LOAM_TEST_VALUE_FIXTURE_H
#define LOAM_TEST_VALUE_FIXTURE_H

#include "loam/value.h"
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

typedef struct zoo {
  loam_typectx *cx;
  const loam_type *point, *item, *order, *color, *kw_enum, *perms, *big_flags, *shape,
      *res_u8_str, *res_err_only, *res_ok_only, *res_empty, *opt_opt_u8, *opt_res,
      *tup, *resource, *own, *borrow, *price_alias, *point_alias, *deep, *list_u8,
      *kw_record, *opt_u8;
} zoo;

static inline const loam_type *P(loam_typekind k) { return loam_type_prim(k); }

static inline void zoo_init(zoo *z) {
  loam_typectx *cx = z->cx = loam_typectx_new();
  z->point = loam_type_record(cx, "point", 2,
                              (loam_field[]){{"x", P(LOAM_T_S32)}, {"y", P(LOAM_T_S32)}});
  z->price_alias = loam_type_alias(cx, "price", P(LOAM_T_F32));
  z->opt_u8 = loam_type_option(cx, P(LOAM_T_U8));
  const loam_type *lstr = loam_type_list(cx, P(LOAM_T_STRING));
  z->item = loam_type_record(cx, "item", 5,
                             (loam_field[]){{"name", P(LOAM_T_STRING)},
                                            {"price", z->price_alias},
                                            {"qty", P(LOAM_T_U32)},
                                            {"tags", lstr},
                                            {"note", loam_type_option(cx, P(LOAM_T_STRING))}});
  z->order = loam_type_record(cx, "order", 2,
                              (loam_field[]){{"id", P(LOAM_T_U64)},
                                             {"items", loam_type_list(cx, z->item)}});
  z->color = loam_type_enum(cx, "color", 3, (const char *[]){"red", "green", "blue"});
  z->kw_enum = loam_type_enum(cx, "kw", 4, (const char *[]){"true", "none", "ok", "plain"});
  z->perms = loam_type_flags(cx, "perms", 3, (const char *[]){"read", "write", "exec"});
  const char *many[70];
  static char names[70][8];
  for (int i = 0; i < 70; i++) {
    snprintf(names[i], sizeof names[i], "f%d", i);
    many[i] = names[i];
  }
  z->big_flags = loam_type_flags(cx, "big", 70, many);
  z->shape = loam_type_variant(cx, "shape", 4,
                               (loam_field[]){{"circle", P(LOAM_T_F64)},
                                              {"rect", z->point},
                                              {"empty", NULL},
                                              {"some", P(LOAM_T_U8)}});
  z->res_u8_str = loam_type_result(cx, P(LOAM_T_U8), P(LOAM_T_STRING));
  z->res_err_only = loam_type_result(cx, NULL, P(LOAM_T_STRING));
  z->res_ok_only = loam_type_result(cx, P(LOAM_T_U8), NULL);
  z->res_empty = loam_type_result(cx, NULL, NULL);
  z->opt_opt_u8 = loam_type_option(cx, z->opt_u8);
  z->opt_res = loam_type_option(cx, z->res_u8_str);
  z->tup = loam_type_tuple(cx, 3,
                           (const loam_type *[]){P(LOAM_T_U8), P(LOAM_T_STRING), P(LOAM_T_CHAR)});
  z->resource = loam_type_resource(cx, "file");
  z->own = loam_type_handle(cx, LOAM_T_OWN, z->resource);
  z->borrow = loam_type_handle(cx, LOAM_T_BORROW, z->resource);
  z->point_alias = loam_type_alias(cx, "pt", z->point);
  z->list_u8 = loam_type_list(cx, P(LOAM_T_U8));
  z->kw_record = loam_type_record(cx, "kwr", 3,
                                  (loam_field[]){{"ok", P(LOAM_T_BOOL)},
                                                 {"none", z->opt_u8},
                                                 {"inf", P(LOAM_T_F32)}});
  /* list<record { orders: list<order>, shape, nested: option<option<u8>>,
   *   res: result<list<u8>, string>, perms, t: tuple<...>, c: color,
   *   h: own<file>, k: kw } > */
  const loam_type *inner = loam_type_record(
      cx, "deep-rec", 10,
      (loam_field[]){{"orders", loam_type_list(cx, z->order)},
                     {"shape", z->shape},
                     {"nested", z->opt_opt_u8},
                     {"res", loam_type_result(cx, z->list_u8, P(LOAM_T_STRING))},
                     {"perms", z->perms},
                     {"t", z->tup},
                     {"c", z->color},
                     {"h", z->own},
                     {"k", z->kw_enum},
                     {"big", z->big_flags}});
  z->deep = loam_type_list(cx, loam_type_option(cx, inner));
}

static inline void zoo_free(zoo *z) { loam_typectx_free(z->cx); }

/* Text encodings keep no NaN payloads (every NaN reads back as the quiet
 * NaN): this makes a decoded tree's NaNs canonical before comparing. */
static inline void canon_nans(loam_value *v) {
  if (!v) return;
  switch (v->type->kind) {
  case LOAM_T_F32: if (isnan(v->of.f32)) v->of.f32 = NAN; break;
  case LOAM_T_F64: if (isnan(v->of.f64)) v->of.f64 = NAN; break;
  case LOAM_T_LIST: case LOAM_T_TUPLE: case LOAM_T_RECORD:
    for (size_t i = 0; i < v->of.seq.n; i++) canon_nans(v->of.seq.items[i]);
    break;
  case LOAM_T_OPTION: case LOAM_T_RESULT: case LOAM_T_VARIANT: canon_nans(v->of.var.payload); break;
  default: break;
  }
}

#endif
