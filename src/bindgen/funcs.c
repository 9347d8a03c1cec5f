/* bindgen/funcs.c — generated C for functions: prototypes, export wrappers
 * (core signature -> user function), import stubs (user call -> core import)
 * and resources' handle types, drops and destructors. */
#include "bindgen/bg.h"
#include <string.h>

/* ---- resources ------------------------------------------------------------ */

static void imported_resource(bg *g, const loam_type *res, const char *base) {
  char *pfx = bg_res_prefix(g, res), *r = bg_snake(g, res->name);
  char *own = bg_str(g, "%s_own_%s_t", pfx, r), *bor = bg_str(g, "%s_borrow_%s_t", pfx, r);
  bg_printf(&g->htypes,
            "/* resource %s (imported): handles, drop and borrow */\n"
            "typedef struct %s { int32_t __handle; } %s;\n"
            "typedef struct %s { int32_t __handle; } %s;\n"
            "void %s_drop_own(%s handle);\n"
            "%s %s_borrow_%s(%s handle);\n\n",
            res->name, own, own, bor, bor, base, own, bor, pfx, r, own);
  bg_printf(&g->ctypes,
            "__attribute__((import_module(\"%s\"), import_name(\"[resource-drop]%s\")))\n"
            "extern void __wasm_import_%s_drop(int32_t handle);\n"
            "void %s_drop_own(%s handle) { __wasm_import_%s_drop(handle.__handle); }\n"
            "%s %s_borrow_%s(%s handle) { return (%s){handle.__handle}; }\n"
            "__attribute__((unused)) static void __free_%s_own_%s(%s *p, bool handles) {\n"
            "  if (handles) %s_drop_own(*p);\n}\n\n",
            bg_res_module(g, res), res->name, base, base, own, base, bor, pfx, r, own, bor,
            pfx, r, own, base);
}

static void exported_resource(bg *g, const loam_type *res, const char *base) {
  char *pfx = bg_res_prefix(g, res), *r = bg_snake(g, res->name);
  char *own = bg_str(g, "%s_own_%s_t", pfx, r), *bor = bg_str(g, "%s_borrow_%s_t", pfx, r);
  const char *m = bg_res_module(g, res);
  char *dtor = res->owner ? bg_str(g, "%s#[dtor]%s", res->owner, res->name)
                          : bg_str(g, "[dtor]%s", res->name);
  bg_printf(&g->htypes,
            "/* resource %s (exported): define struct %s_t; methods get it as self */\n"
            "typedef struct %s_t %s_t;\n"
            "typedef struct %s { int32_t __handle; } %s;\n"
            "typedef %s_t *%s;\n"
            "%s %s_new(%s_t *rep);\n"
            "%s_t *%s_rep(%s handle);\n"
            "void %s_drop_own(%s handle);\n"
            "/* implemented by you: runs when the last handle is dropped */\n"
            "void %s_destructor(%s_t *rep);\n\n",
            res->name, base, base, base, own, own, base, bor, own, base, base, base, base,
            own, base, own, base, base);
  for (int i = 0; i < 3; i++) {
    static const char *const ops[] = {"new", "rep", "drop"};
    bg_printf(&g->ctypes,
              "__attribute__((import_module(\"%s\"), import_name(\"[resource-%s]%s\")))\n"
              "extern %s __wasm_import_%s_%s(int32_t);\n",
              m, ops[i], res->name, i == 2 ? "void" : "int32_t", base, ops[i]);
  }
  bg_printf(&g->ctypes,
            "%s %s_new(%s_t *rep) {\n"
            "  return (%s){__wasm_import_%s_new((int32_t)(uintptr_t)rep)};\n}\n"
            "%s_t *%s_rep(%s handle) {\n"
            "  return (%s_t *)(uintptr_t)(uint32_t)__wasm_import_%s_rep(handle.__handle);\n}\n"
            "void %s_drop_own(%s handle) { __wasm_import_%s_drop(handle.__handle); }\n"
            "__attribute__((unused)) static void __free_%s_own_%s(%s *p, bool handles) {\n"
            "  if (handles) %s_drop_own(*p);\n}\n"
            "__attribute__((export_name(\"%s\")))\n"
            "void __wasm_export_%s_dtor(int32_t rep) {\n"
            "  %s_destructor((%s_t *)(uintptr_t)(uint32_t)rep);\n}\n\n",
            own, base, base, own, base, base, base, own, base, base, base, own, base, pfx, r,
            own, base, dtor, base, base, base);
}

void bg_declare_resource(bg *g, const loam_type *res) {
  char *base = bg_res_base(g, res);
  if (!bg_first(g, bg_str(g, "resource %s", base))) return;
  if (bg_res_exported(g, res)) exported_resource(g, res, base);
  else imported_resource(g, res, base);
}

/* ---- signatures ------------------------------------------------------------- */

typedef struct fsig {
  const loam_wit_func *f;
  const char *cname;        /* the C function the user implements or calls */
  const loam_type *result;  /* NULL: none */
  uint32_t nflat;           /* flat params */
  uint8_t flat[17];         /* enough to tell > 16 */
  bool spill;               /* params through memory */
} fsig;

static char *func_cname(bg *g, const loam_wit_func *f, const char *prefix) {
  const char *m = strchr(f->core_name, '.');
  const char *r = f->resource ? bg_snake(g, f->resource->name) : "";
  switch (f->kind) {
  case LOAM_WIT_FUNC_CONSTRUCTOR: return bg_str(g, "%s_constructor_%s", prefix, r);
  case LOAM_WIT_FUNC_METHOD:
    return bg_str(g, "%s_method_%s_%s", prefix, r, bg_snake(g, m ? m + 1 : f->name));
  case LOAM_WIT_FUNC_STATIC:
    return bg_str(g, "%s_static_%s_%s", prefix, r, bg_snake(g, m ? m + 1 : f->name));
  default: return bg_str(g, "%s_%s", prefix, bg_snake(g, f->name));
  }
}

static bool make_sig(bg *g, const loam_wit_func *f, const char *prefix, fsig *s) {
  memset(s, 0, sizeof *s);
  s->f = f;
  s->cname = func_cname(g, f, prefix);
  if (f->nresults > 1)
    return bg_fail(g, "%s: several named results are not supported", f->name);
  s->result = f->nresults ? f->results[0].type : NULL;
  for (uint32_t i = 0; i < f->nparams; i++) {
    const loam_type *t = f->params[i].type;
    bg_declare(g, t);
    for (uint32_t j = 0; j < t->nflat; j++) {
      if (s->nflat < 17) s->flat[s->nflat] = t->flat[j];
      s->nflat++;
    }
  }
  if (s->result) bg_declare(g, s->result);
  s->spill = s->nflat > 16;
  return !g->failed;
}

static bool result_by_value(const bg *g, const fsig *s) {
  return s->result && bg_by_value(g, s->result);
}

/* wit-bindgen's style for option and result results: the function returns
 * bool (is some / is ok) and writes the payloads through `ret` / `err`. */
static bool result_bool(const fsig *s) {
  return s->result && (s->result->kind == LOAM_T_OPTION || s->result->kind == LOAM_T_RESULT);
}

/* The out-pointer params of a result_bool function. */
static void bool_outs(bg *g, bg_buf *b, const fsig *s, bool any) {
  const loam_type *r = s->result;
  if (r->kind == LOAM_T_OPTION) {
    bg_printf(b, "%s%s *ret", any ? ", " : "", bg_ctype(g, r->u.elem));
    return;
  }
  if (r->u.result.ok) {
    bg_printf(b, "%s%s *ret", any ? ", " : "", bg_ctype(g, r->u.result.ok));
    any = true;
  }
  if (r->u.result.err) bg_printf(b, "%s%s *err", any ? ", " : "", bg_ctype(g, r->u.result.err));
}

static bool bool_has_outs(const fsig *s) {
  const loam_type *r = s->result;
  return r->kind == LOAM_T_OPTION || r->u.result.ok || r->u.result.err;
}

/* "T name" / "T *name" for each param, then "R *ret" when needed. */
static void c_params(bg *g, bg_buf *b, const fsig *s) {
  const loam_wit_func *f = s->f;
  bool any = false;
  for (uint32_t i = 0; i < f->nparams; i++) {
    const loam_type *t = f->params[i].type;
    bg_printf(b, "%s%s %s%s", any ? ", " : "", bg_ctype(g, t), bg_by_value(g, t) ? "" : "*",
              bg_snake(g, f->params[i].name));
    any = true;
  }
  if (result_bool(s) && bool_has_outs(s)) {
    bool_outs(g, b, s, any);
    any = true;
  } else if (s->result && !result_by_value(g, s) && !result_bool(s)) {
    bg_printf(b, "%s%s *ret", any ? ", " : "", bg_ctype(g, s->result));
    any = true;
  }
  if (!any) bg_printf(b, "void");
}

static void prototype(bg *g, bg_buf *b, const fsig *s) {
  const char *rt = result_bool(s) ? "bool" : result_by_value(g, s) ? bg_ctype(g, s->result) : "void";
  bg_printf(b, "%s %s(", rt, s->cname);
  c_params(g, b, s);
  bg_printf(b, ")");
}

/* struct __params_<cname>: the params as one tuple in memory (spilled). */
static void params_struct(bg *g, const fsig *s) {
  bg_printf(&g->cfuncs, "struct __params_%s {\n", s->cname);
  for (uint32_t i = 0; i < s->f->nparams; i++)
    bg_printf(&g->cfuncs, "  %s p%u;\n", bg_ctype(g, s->f->params[i].type), i);
  bg_printf(&g->cfuncs, "};\n");
}

static const char *core_ret(const fsig *s, bool import) {
  if (!s->result) return "void";
  if (s->result->nflat == 1) return bg_core_ctype(s->result->flat[0]);
  return import ? "void" : "int32_t";
}

/* ---- exports -------------------------------------------------------------- */

static void export_lift_params(bg *g, bg_buf *b, const fsig *s) {
  const loam_wit_func *f = s->f;
  for (uint32_t i = 0; i < f->nparams; i++)
    bg_printf(b, "  %s __p%u;\n", bg_ctype(g, f->params[i].type), i);
  if (s->spill) {
    bg_printf(b, "  struct __params_%s *__a = (struct __params_%s *)(uintptr_t)(uint32_t)__args;\n",
              s->cname, s->cname);
    for (uint32_t i = 0; i < f->nparams; i++) bg_printf(b, "  __p%u = __a->p%u;\n", i, i);
    bg_printf(b, "  free(__a);\n");
    return;
  }
  if (!s->nflat) return;
  bg_printf(b, "  uint64_t __s[%u];\n", s->nflat);
  for (uint32_t i = 0; i < s->nflat; i++)
    bg_printf(b, "  __s[%u] = %s;\n", i, bg_core_to_raw(g, s->flat[i], bg_str(g, "__a%u", i)));
  uint32_t k = 0;
  for (uint32_t i = 0; i < f->nparams; i++) {
    bg_lift_flat(g, b, f->params[i].type, bg_str(g, "__p%u", i), "__s", k, 2);
    k += f->params[i].type->nflat;
  }
}

static void call_args(bg *g, bg_buf *b, const fsig *s, bool with_ret) {
  bool any = false;
  for (uint32_t i = 0; i < s->f->nparams; i++) {
    bg_printf(b, "%s%s__p%u", any ? ", " : "", bg_by_value(g, s->f->params[i].type) ? "" : "&", i);
    any = true;
  }
  if (with_ret) bg_printf(b, "%s&__r", any ? ", " : "");
}

void bg_export_func(bg *g, const loam_wit_func *f, const char *iface_id, const char *prefix) {
  fsig s;
  if (!make_sig(g, f, prefix, &s)) return;
  char *name = iface_id ? bg_str(g, "%s#%s", iface_id, f->core_name) : (char *)f->core_name;
  /* the prototype the user implements */
  prototype(g, &g->hfuncs, &s);
  bg_printf(&g->hfuncs, ";\n");
  bg_buf *b = &g->cfuncs;
  if (s.spill) params_struct(g, &s);
  bg_printf(b, "__attribute__((export_name(\"%s\")))\n%s __wasm_export_%s(", name,
            core_ret(&s, false), s.cname);
  if (s.spill) bg_printf(b, "int32_t __args");
  for (uint32_t i = 0; !s.spill && i < s.nflat; i++)
    bg_printf(b, "%s%s __a%u", i ? ", " : "", bg_core_ctype(s.flat[i]), i);
  if (!s.spill && !s.nflat) bg_printf(b, "void");
  bg_printf(b, ") {\n");
  export_lift_params(g, b, &s);
  if (!s.result) {
    bg_printf(b, "  %s(", s.cname);
    call_args(g, b, &s, false);
    bg_printf(b, ");\n}\n\n");
    return;
  }
  const char *rt = bg_ctype(g, s.result);
  if (result_bool(&s)) {
    bool opt = s.result->kind == LOAM_T_OPTION;
    bg_printf(b, "  %s __r;\n  memset(&__r, 0, sizeof __r);\n  %s%s(", rt,
              opt ? "__r.is_some = " : "__r.is_err = !", s.cname);
    call_args(g, b, &s, false);
    bool any = s.f->nparams > 0;
    if (opt) {
      bg_printf(b, "%s&__r.val", any ? ", " : "");
    } else {
      if (s.result->u.result.ok) bg_printf(b, "%s&__r.val.ok", any ? ", " : ""), any = true;
      if (s.result->u.result.err) bg_printf(b, "%s&__r.val.err", any ? ", " : "");
    }
  } else if (result_by_value(g, &s)) {
    bg_printf(b, "  %s __r = %s(", rt, s.cname);
    call_args(g, b, &s, false);
  } else {
    bg_printf(b, "  %s __r;\n  memset(&__r, 0, sizeof __r);\n  %s(", rt, s.cname);
    call_args(g, b, &s, true);
  }
  bg_printf(b, ");\n");
  if (s.result->nflat == 1) {
    bg_printf(b, "  uint64_t __o[1];\n");
    bg_lower_flat(g, b, s.result, "__r", "__o", 0, 2);
    bg_printf(b, "  return %s;\n}\n\n", bg_raw_to_core(g, s.result->flat[0], "__o[0]"));
    return;
  }
  if (s.result->size > g->ret_area_size) g->ret_area_size = s.result->size;
  bg_printf(b, "  memcpy(__bg_ret_area, &__r, sizeof __r);\n"
               "  return (int32_t)(uintptr_t)__bg_ret_area;\n}\n\n");
  if (!bg_needs_free(g, s.result)) return;
  bg_printf(b, "__attribute__((export_name(\"cabi_post_%s\")))\n"
               "void __wasm_export_post_%s(int32_t __p) {\n"
               "  %s((%s *)(uintptr_t)(uint32_t)__p, false);\n}\n\n",
            name, s.cname, bg_free_fn(g, s.result), rt);
}

/* ---- imports -------------------------------------------------------------- */

static void import_args(bg *g, bg_buf *b, const fsig *s, bool retptr) {
  bool any = false;
  if (s->spill) {
    bg_printf(b, "(int32_t)(uintptr_t)&__a");
    any = true;
  }
  for (uint32_t i = 0; !s->spill && i < s->nflat; i++) {
    bg_printf(b, "%s%s", any ? ", " : "", bg_raw_to_core(g, s->flat[i], bg_str(g, "__s[%u]", i)));
    any = true;
  }
  if (retptr) bg_printf(b, "%s(int32_t)(uintptr_t)__ra", any ? ", " : "");
}

void bg_import_func(bg *g, const loam_wit_func *f, const char *module, const char *prefix) {
  fsig s;
  if (!make_sig(g, f, prefix, &s)) return;
  prototype(g, &g->hfuncs, &s);
  bg_printf(&g->hfuncs, ";\n");
  bg_buf *b = &g->cfuncs;
  bool retptr = s.result && s.result->nflat > 1;
  if (s.spill) params_struct(g, &s);
  bg_printf(b, "__attribute__((import_module(\"%s\"), import_name(\"%s\")))\n"
               "extern %s __wasm_import_%s(", module, f->core_name, core_ret(&s, true), s.cname);
  bool any = false;
  if (s.spill) {
    bg_printf(b, "int32_t");
    any = true;
  }
  for (uint32_t i = 0; !s.spill && i < s.nflat; i++) {
    bg_printf(b, "%s%s", any ? ", " : "", bg_core_ctype(s.flat[i]));
    any = true;
  }
  if (retptr) bg_printf(b, "%sint32_t", any ? ", " : ""), any = true;
  bg_printf(b, "%s);\n", any ? "" : "void");
  prototype(g, b, &s);
  bg_printf(b, " {\n");
  if (s.spill) {
    bg_printf(b, "  struct __params_%s __a;\n", s.cname);
    for (uint32_t i = 0; i < f->nparams; i++)
      bg_printf(b, "  __a.p%u = %s%s;\n", i, bg_by_value(g, f->params[i].type) ? "" : "*",
                bg_snake(g, f->params[i].name));
  } else if (s.nflat) {
    bg_printf(b, "  uint64_t __s[%u];\n", s.nflat);
    uint32_t k = 0;
    for (uint32_t i = 0; i < f->nparams; i++) {
      const loam_type *t = f->params[i].type;
      bg_lower_flat(g, b, t, bg_str(g, "%s%s", bg_by_value(g, t) ? "" : "*",
                                    bg_snake(g, f->params[i].name)), "__s", k, 2);
      k += t->nflat;
    }
  }
  if (!s.result) {
    bg_printf(b, "  __wasm_import_%s(", s.cname);
    import_args(g, b, &s, false);
    bg_printf(b, ");\n}\n\n");
    return;
  }
  const char *rt = bg_ctype(g, s.result);
  bg_printf(b, "  %s __r;\n  memset(&__r, 0, sizeof __r);\n", rt);
  if (retptr) {
    bg_printf(b, "  _Alignas(8) uint8_t __ra[%u];\n  __wasm_import_%s(", s.result->size, s.cname);
    import_args(g, b, &s, true);
    bg_printf(b, ");\n  memcpy(&__r, __ra, sizeof __r);\n");
  } else {
    bg_buf call = {0};
    bg_printf(&call, "__wasm_import_%s(", s.cname);
    import_args(g, &call, &s, false);
    bg_printf(&call, ")");
    bg_printf(b, "  uint64_t __o[1];\n  __o[0] = %s;\n",
              bg_core_to_raw(g, s.result->flat[0], call.s ? call.s : ""));
    bg_buf_free(&call);
    bg_lift_flat(g, b, s.result, "__r", "__o", 0, 2);
  }
  if (result_bool(&s) && s.result->kind == LOAM_T_OPTION) {
    bg_printf(b, "  if (__r.is_some) *ret = __r.val;\n  return __r.is_some;\n}\n\n");
  } else if (result_bool(&s)) {
    bg_printf(b, "  if (!__r.is_err) {\n");
    if (s.result->u.result.ok) bg_printf(b, "    *ret = __r.val.ok;\n");
    bg_printf(b, "  } else {\n");
    if (s.result->u.result.err) bg_printf(b, "    *err = __r.val.err;\n");
    bg_printf(b, "  }\n  return !__r.is_err;\n}\n\n");
  } else if (result_by_value(g, &s)) {
    bg_printf(b, "  return __r;\n}\n\n");
  } else {
    bg_printf(b, "  *ret = __r;\n}\n\n");
  }
}
