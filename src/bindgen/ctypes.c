/* bindgen/ctypes.c — C names, declarations and free functions of WIT types. */
#include "bindgen/bg.h"
#include <string.h>

const loam_type *bg_unalias(const bg *g, const loam_type *t) {
  for (size_t i = 0; t && i < g->naliases; i++)
    if (g->aliases[i].alias == t) return bg_unalias(g, g->aliases[i].target);
  return t;
}

static const char *prim_ctype(loam_typekind k) {
  static const char *const names[] = {
      [LOAM_T_BOOL] = "bool",    [LOAM_T_S8] = "int8_t",   [LOAM_T_U8] = "uint8_t",
      [LOAM_T_S16] = "int16_t",  [LOAM_T_U16] = "uint16_t", [LOAM_T_S32] = "int32_t",
      [LOAM_T_U32] = "uint32_t", [LOAM_T_S64] = "int64_t", [LOAM_T_U64] = "uint64_t",
      [LOAM_T_F32] = "float",    [LOAM_T_F64] = "double",  [LOAM_T_CHAR] = "uint32_t",
  };
  return k <= LOAM_T_CHAR ? names[k] : NULL;
}

static const char *prim_mangle(loam_typekind k) {
  static const char *const names[] = {
      [LOAM_T_BOOL] = "bool", [LOAM_T_S8] = "s8",   [LOAM_T_U8] = "u8",
      [LOAM_T_S16] = "s16",   [LOAM_T_U16] = "u16", [LOAM_T_S32] = "s32",
      [LOAM_T_U32] = "u32",   [LOAM_T_S64] = "s64", [LOAM_T_U64] = "u64",
      [LOAM_T_F32] = "f32",   [LOAM_T_F64] = "f64", [LOAM_T_CHAR] = "char",
      [LOAM_T_STRING] = "string",
  };
  return k <= LOAM_T_STRING ? names[k] : NULL;
}

/* A named type's C name without "_t". */
static char *named_base(bg *g, const loam_type *t) {
  if (t->owner) return bg_str(g, "%s_%s", bg_iface_prefix(g, t->owner), bg_snake(g, t->name));
  return bg_str(g, "%s_%s", g->w, bg_snake(g, t->name));
}

/* The part of an anonymous type's C name after "<world>_". */
static char *mangle(bg *g, const loam_type *t) {
  if (!t) return "void";
  if (t->name) return bg_snake(g, t->name);
  if (t->kind <= LOAM_T_STRING) return (char *)prim_mangle(t->kind);
  switch (t->kind) {
  case LOAM_T_LIST: return bg_str(g, "list_%s", mangle(g, t->u.elem));
  case LOAM_T_OPTION: return bg_str(g, "option_%s", mangle(g, t->u.elem));
  case LOAM_T_RESULT:
    return bg_str(g, "result_%s_%s", mangle(g, t->u.result.ok), mangle(g, t->u.result.err));
  case LOAM_T_TUPLE: {
    char *s = bg_str(g, "tuple%u", t->u.tuple.n);
    for (uint32_t i = 0; i < t->u.tuple.n; i++)
      s = bg_str(g, "%s_%s", s, mangle(g, t->u.tuple.types[i]));
    return s;
  }
  case LOAM_T_OWN: return bg_str(g, "own_%s", bg_snake(g, t->u.elem->name));
  case LOAM_T_BORROW: return bg_str(g, "borrow_%s", bg_snake(g, t->u.elem->name));
  default: return "unnamed";
  }
}

bool bg_res_exported(const bg *g, const loam_type *res) {
  return res->owner && bg_is_exported_iface(g, res->owner);
}
char *bg_res_prefix(bg *g, const loam_type *res) {
  return res->owner ? bg_iface_prefix(g, res->owner) : (char *)g->w;
}
char *bg_res_base(bg *g, const loam_type *res) {
  return bg_str(g, "%s_%s", bg_res_prefix(g, res), bg_snake(g, res->name));
}
char *bg_res_module(bg *g, const loam_type *res) {
  const char *m = res->owner ? res->owner : "$root";
  return bg_res_exported(g, res) ? bg_str(g, "[export]%s", m) : (char *)m;
}

char *bg_ctype(bg *g, const loam_type *t) {
  if (t->kind == LOAM_T_OWN || t->kind == LOAM_T_BORROW)
    return bg_str(g, "%s_%s_%s_t", bg_res_prefix(g, t->u.elem),
                  t->kind == LOAM_T_OWN ? "own" : "borrow", bg_snake(g, t->u.elem->name));
  if (t->name) return bg_str(g, "%s_t", named_base(g, t));
  if (t->kind == LOAM_T_STRING) return bg_str(g, "%s_string_t", g->w);
  if (t->kind < LOAM_T_STRING) return (char *)prim_ctype(t->kind);
  return bg_str(g, "%s_%s_t", g->w, mangle(g, t));
}

bool bg_by_value(const bg *g, const loam_type *t) {
  (void)g;
  switch (t->kind) {
  case LOAM_T_STRING: case LOAM_T_LIST: case LOAM_T_OPTION: case LOAM_T_RESULT:
  case LOAM_T_TUPLE: case LOAM_T_RECORD: case LOAM_T_VARIANT:
    return false;
  default:
    return true;
  }
}

bool bg_needs_free(const bg *g, const loam_type *t) {
  if (!t) return false;
  switch (t->kind) {
  case LOAM_T_STRING: case LOAM_T_LIST: case LOAM_T_OWN:
    return true;
  case LOAM_T_OPTION:
    return bg_needs_free(g, t->u.elem);
  case LOAM_T_RESULT:
    return bg_needs_free(g, t->u.result.ok) || bg_needs_free(g, t->u.result.err);
  case LOAM_T_TUPLE:
    for (uint32_t i = 0; i < t->u.tuple.n; i++)
      if (bg_needs_free(g, t->u.tuple.types[i])) return true;
    return false;
  case LOAM_T_RECORD: case LOAM_T_VARIANT:
    for (uint32_t i = 0; i < t->u.record.n; i++)
      if (bg_needs_free(g, t->u.record.fields[i].type)) return true;
    return false;
  default:
    return false;
  }
}

static char *strip_t(bg *g, const char *ctype) {
  char *s = bg_str(g, "%s", ctype);
  size_t n = strlen(s);
  if (n > 2 && !strcmp(s + n - 2, "_t")) s[n - 2] = '\0';
  return s;
}

char *bg_free_fn(bg *g, const loam_type *t) {
  return bg_str(g, "__free_%s", strip_t(g, bg_ctype(g, bg_unalias(g, t))));
}

static const char *tag_ctype(uint32_t ncases) {
  uint32_t d = loam_type_discriminant_size(ncases);
  return d == 1 ? "uint8_t" : d == 2 ? "uint16_t" : "uint32_t";
}

/* One statement freeing lvalue `x` of type t, when it needs it. */
static void free_part(bg *g, bg_buf *b, const loam_type *t, const char *x, const char *ind) {
  if (bg_needs_free(g, t)) bg_printf(b, "%s%s(&%s, handles);\n", ind, bg_free_fn(g, t), x);
}

/* The body of __free_<name>(T *p, bool handles). */
static void free_body(bg *g, bg_buf *b, const loam_type *t) {
  switch (t->kind) {
  case LOAM_T_LIST:
    if (bg_needs_free(g, t->u.elem)) {
      bg_printf(b, "  for (size_t i = 0; i < p->len; i++)\n");
      free_part(g, b, t->u.elem, "p->ptr[i]", "    ");
    }
    bg_printf(b, "  if (p->len) free(p->ptr);\n  p->ptr = NULL;\n  p->len = 0;\n");
    break;
  case LOAM_T_OWN:
    bg_printf(b, "  if (handles) %s_drop_own(*p);\n", bg_res_base(g, t->u.elem));
    break;
  case LOAM_T_OPTION:
    bg_printf(b, "  if (p->is_some) {\n");
    free_part(g, b, t->u.elem, "p->val", "    ");
    bg_printf(b, "  }\n");
    break;
  case LOAM_T_RESULT:
    bg_printf(b, "  if (!p->is_err) {\n");
    if (t->u.result.ok) free_part(g, b, t->u.result.ok, "p->val.ok", "    ");
    bg_printf(b, "  } else {\n");
    if (t->u.result.err) free_part(g, b, t->u.result.err, "p->val.err", "    ");
    bg_printf(b, "  }\n");
    break;
  case LOAM_T_TUPLE:
    for (uint32_t i = 0; i < t->u.tuple.n; i++)
      free_part(g, b, t->u.tuple.types[i], bg_str(g, "p->f%u", i), "  ");
    break;
  case LOAM_T_RECORD:
    for (uint32_t i = 0; i < t->u.record.n; i++)
      free_part(g, b, t->u.record.fields[i].type,
                bg_str(g, "p->%s", bg_snake(g, t->u.record.fields[i].name)), "  ");
    break;
  case LOAM_T_VARIANT:
    bg_printf(b, "  switch (p->tag) {\n");
    for (uint32_t i = 0; i < t->u.record.n; i++) {
      const loam_field *c = &t->u.record.fields[i];
      if (!bg_needs_free(g, c->type)) continue;
      bg_printf(b, "  case %u:\n", i);
      free_part(g, b, c->type, bg_str(g, "p->val.%s", bg_snake(g, c->name)), "    ");
      bg_printf(b, "    break;\n");
    }
    bg_printf(b, "  default:\n    break;\n  }\n");
    break;
  default:
    break;
  }
}

static void declare_free(bg *g, const loam_type *t, const char *ct) {
  if (!bg_needs_free(g, t) || t->kind == LOAM_T_STRING) return;
  char *fn = bg_free_fn(g, t);
  bg_printf(&g->ctypes, "__attribute__((unused)) static void %s(%s *p, bool handles) {\n  (void)handles;\n", fn, ct);
  free_body(g, &g->ctypes, t);
  bg_printf(&g->ctypes, "}\n\nvoid %s_free(%s *ptr) { %s(ptr, true); }\n\n",
            strip_t(g, ct), ct, fn);
  bg_printf(&g->htypes, "void %s_free(%s *ptr);\n\n", strip_t(g, ct), ct);
}

static void layout_check(bg *g, const loam_type *t, const char *ct) {
  bg_printf(&g->htypes,
            "_Static_assert(sizeof(%s) == %u && _Alignof(%s) == %u, "
            "\"%s: canonical ABI layout\");\n\n", ct, t->size, ct, t->align, ct);
}

static void declare_labels(bg *g, const loam_type *t, const char *ct, bool flags) {
  uint32_t n = t->u.labels.n;
  if (flags && n > 32) {
    bg_fail(g, "flags %s: more than 32 labels", t->name ? t->name : "");
    return;
  }
  const char *ty = flags ? (n <= 8 ? "uint8_t" : n <= 16 ? "uint16_t" : "uint32_t")
                         : tag_ctype(n);
  char *up = bg_upper(g, strip_t(g, ct));
  bg_printf(&g->htypes, "typedef %s %s;\n", ty, ct);
  for (uint32_t i = 0; i < n; i++) {
    char *l = bg_upper(g, t->u.labels.labels[i]);
    if (flags) bg_printf(&g->htypes, "#define %s_%s (1U << %u)\n", up, l, i);
    else bg_printf(&g->htypes, "#define %s_%s %u\n", up, l, i);
  }
  bg_printf(&g->htypes, "\n");
}

/* Declares every part of t first (C needs complete member types). */
static void declare_parts(bg *g, const loam_type *t) {
  switch (t->kind) {
  case LOAM_T_LIST: case LOAM_T_OPTION: bg_declare(g, t->u.elem); break;
  case LOAM_T_RESULT:
    if (t->u.result.ok) bg_declare(g, t->u.result.ok);
    if (t->u.result.err) bg_declare(g, t->u.result.err);
    break;
  case LOAM_T_TUPLE:
    for (uint32_t i = 0; i < t->u.tuple.n; i++) bg_declare(g, t->u.tuple.types[i]);
    break;
  case LOAM_T_RECORD: case LOAM_T_VARIANT:
    for (uint32_t i = 0; i < t->u.record.n; i++)
      if (t->u.record.fields[i].type) bg_declare(g, t->u.record.fields[i].type);
    break;
  default:
    break;
  }
}

static void struct_body(bg *g, bg_buf *h, const loam_type *t, const char *ct) {
  switch (t->kind) {
  case LOAM_T_LIST:
    bg_printf(h, "  %s *ptr;\n  size_t len;\n", bg_ctype(g, t->u.elem));
    break;
  case LOAM_T_OPTION:
    bg_printf(h, "  bool is_some;\n  %s val;\n", bg_ctype(g, t->u.elem));
    break;
  case LOAM_T_RESULT:
    bg_printf(h, "  bool is_err;\n");
    if (t->u.result.ok || t->u.result.err) {
      bg_printf(h, "  union {\n");
      if (t->u.result.ok) bg_printf(h, "    %s ok;\n", bg_ctype(g, t->u.result.ok));
      if (t->u.result.err) bg_printf(h, "    %s err;\n", bg_ctype(g, t->u.result.err));
      bg_printf(h, "  } val;\n");
    }
    break;
  case LOAM_T_TUPLE:
    for (uint32_t i = 0; i < t->u.tuple.n; i++)
      bg_printf(h, "  %s f%u;\n", bg_ctype(g, t->u.tuple.types[i]), i);
    break;
  case LOAM_T_RECORD:
    for (uint32_t i = 0; i < t->u.record.n; i++)
      bg_printf(h, "  %s %s;\n", bg_ctype(g, t->u.record.fields[i].type),
                bg_snake(g, t->u.record.fields[i].name));
    break;
  case LOAM_T_VARIANT: {
    bool payload = false;
    bg_printf(h, "  %s tag;\n", tag_ctype(t->u.record.n));
    for (uint32_t i = 0; i < t->u.record.n; i++) payload |= t->u.record.fields[i].type != NULL;
    if (payload) {
      bg_printf(h, "  union {\n");
      for (uint32_t i = 0; i < t->u.record.n; i++)
        if (t->u.record.fields[i].type)
          bg_printf(h, "    %s %s;\n", bg_ctype(g, t->u.record.fields[i].type),
                    bg_snake(g, t->u.record.fields[i].name));
      bg_printf(h, "  } val;\n");
    }
    break;
  }
  default:
    break;
  }
  (void)ct;
}

void bg_declare(bg *g, const loam_type *t) {
  /* primitives need no declaration, but a named alias of one (`type x = s32`) does */
  if (!t || g->failed || (t->kind < LOAM_T_STRING && !t->name)) return;
  if (t->kind == LOAM_T_OWN || t->kind == LOAM_T_BORROW || t->kind == LOAM_T_RESOURCE) {
    bg_declare_resource(g, t->kind == LOAM_T_RESOURCE ? t : t->u.elem);
    return;
  }
  char *ct = bg_ctype(g, t);
  if (!bg_first(g, ct)) return;
  const loam_type *target = bg_unalias(g, t);
  if (target != t) {
    bg_declare(g, target);
    bg_printf(&g->htypes, "typedef %s %s;\n\n", bg_ctype(g, target), ct);
    if (bg_needs_free(g, t) && target->kind != LOAM_T_STRING)
      bg_printf(&g->htypes, "#define %s_free %s_free\n\n", strip_t(g, ct),
                strip_t(g, bg_ctype(g, target)));
    return;
  }
  if (t->kind == LOAM_T_STRING) {   /* an alias built without a typedef */
    bg_printf(&g->htypes, "typedef %s_string_t %s;\n\n", g->w, ct);
    return;
  }
  if (t->kind == LOAM_T_ENUM || t->kind == LOAM_T_FLAGS) {
    declare_labels(g, t, ct, t->kind == LOAM_T_FLAGS);
    return;
  }
  declare_parts(g, t);
  bg_printf(&g->htypes, "typedef struct %s {\n", ct);
  struct_body(g, &g->htypes, t, ct);
  bg_printf(&g->htypes, "} %s;\n", ct);
  if (t->kind == LOAM_T_VARIANT) {
    char *up = bg_upper(g, strip_t(g, ct));
    for (uint32_t i = 0; i < t->u.record.n; i++)
      bg_printf(&g->htypes, "#define %s_%s %u\n", up, bg_upper(g, t->u.record.fields[i].name), i);
  }
  layout_check(g, t, ct);
  declare_free(g, t, ct);
}
