/* stubgen/stubc.c — the stub's C source (src/stub.c): implements the stub
 * world's exported resources on golem:rpc. Per type the target's functions
 * use it emits `__sg_push_<T>` (a C value -> wit-nodes appended to a
 * builder) and `__sg_read_<T>` (wit-nodes -> a C value, malloc'ing lists
 * and moving strings out of the nodes, the way the bindings' free
 * functions release them). C names come from the binding generator's own
 * naming (bindgen/bg.h), so the source matches what `loam bindgen` makes
 * for the same world. */
#include "bindgen/bg.h"
#include "stubgen/sg.h"
#include "wasm/module.h"   /* wasm_fail */
#include <stdlib.h>
#include <string.h>

typedef struct sc {
  bg g;                          /* naming only: bg_ctype, bg_snake, ... */
  const loam_wit_interface *rpc; /* golem:rpc/types */
  const loam_wit_interface *stub;
  const char *exported[1];
  bg_buf protos, defs, reps, impl;   /* reps: the resources' rep structs */
  /* names of golem:rpc's C types and functions */
  char *wv, *node, *idx, *str, *list_wv, *res_wv, *rpcerr, *own_rpc, *own_fut;
  char *tag;                     /* "GOLEM_RPC_TYPES_WIT_NODE" */
  char *f_ctor, *f_await, *f_invoke, *f_async, *f_subscribe, *f_get;
  char *borrow_rpc, *borrow_fut, *drop_rpc, *drop_fut;
} sc;

/* ---- names ------------------------------------------------------------------ */

static char *strip_t(sc *c, const char *ct) {
  char *s = bg_str(&c->g, "%s", ct);
  size_t n = strlen(s);
  if (n > 2 && !strcmp(s + n - 2, "_t")) s[n - 2] = '\0';
  return s;
}

static const char *const prim_names[] = {
    [LOAM_T_BOOL] = "bool", [LOAM_T_S8] = "s8",   [LOAM_T_U8] = "u8",
    [LOAM_T_S16] = "s16",   [LOAM_T_U16] = "u16", [LOAM_T_S32] = "s32",
    [LOAM_T_U32] = "u32",   [LOAM_T_S64] = "s64", [LOAM_T_U64] = "u64",
    [LOAM_T_F32] = "f32",   [LOAM_T_F64] = "f64", [LOAM_T_CHAR] = "char",
    [LOAM_T_STRING] = "string",
};

/* The wit-node case of a primitive kind. */
static const char *prim_case(loam_typekind k) {
  static const char *const cases[] = {
      [LOAM_T_BOOL] = "prim-bool", [LOAM_T_S8] = "prim-s8",   [LOAM_T_U8] = "prim-u8",
      [LOAM_T_S16] = "prim-s16",   [LOAM_T_U16] = "prim-u16", [LOAM_T_S32] = "prim-s32",
      [LOAM_T_U32] = "prim-u32",   [LOAM_T_S64] = "prim-s64", [LOAM_T_U64] = "prim-u64",
      [LOAM_T_F32] = "prim-float32", [LOAM_T_F64] = "prim-float64", [LOAM_T_CHAR] = "prim-char",
      [LOAM_T_STRING] = "prim-string",
  };
  return cases[k];
}

/* The suffix naming t's push/read functions (unique per C type; a char and a
 * u32 share a C type but not a node kind, hence prims by WIT name). */
static char *key(sc *c, const loam_type *t) {
  if (!t->name && t->kind <= LOAM_T_STRING) return (char *)prim_names[t->kind];
  return strip_t(c, bg_ctype(&c->g, t));
}

/* "GOLEM_RPC_TYPES_WIT_NODE_RECORD_VALUE" for case "record-value". */
static char *tag(sc *c, const char *kase) {
  return bg_str(&c->g, "%s_%s", c->tag, bg_upper(&c->g, kase));
}

/* The union member of a case: "record_value". */
static char *member(sc *c, const char *kase) { return bg_snake(&c->g, kase); }

/* bindgen's C name of a function (funcs.c: func_cname). */
static char *func_cname(sc *c, const loam_wit_func *f, const char *prefix) {
  const char *m = strchr(f->core_name, '.');
  const char *r = f->resource ? bg_snake(&c->g, f->resource->name) : "";
  switch (f->kind) {
  case LOAM_WIT_FUNC_CONSTRUCTOR: return bg_str(&c->g, "%s_constructor_%s", prefix, r);
  case LOAM_WIT_FUNC_METHOD:
    return bg_str(&c->g, "%s_method_%s_%s", prefix, r, bg_snake(&c->g, m ? m + 1 : f->name));
  case LOAM_WIT_FUNC_STATIC:
    return bg_str(&c->g, "%s_static_%s_%s", prefix, r, bg_snake(&c->g, m ? m + 1 : f->name));
  default: return bg_str(&c->g, "%s_%s", prefix, bg_snake(&c->g, f->name));
  }
}

static const loam_wit_func *find_core(const loam_wit_interface *in, const char *core) {
  for (uint32_t i = 0; i < in->nfuncs; i++)
    if (!strcmp(in->funcs[i].core_name, core)) return &in->funcs[i];
  return NULL;
}

static bool result_bool(const loam_type *r) {
  return r && (r->kind == LOAM_T_OPTION || r->kind == LOAM_T_RESULT);
}

/* bindgen's prototype of an exported function (funcs.c: prototype). */
static void prototype(sc *c, bg_buf *b, const loam_wit_func *f, const char *cname) {
  bg *g = &c->g;
  const loam_type *r = f->nresults ? f->results[0].type : NULL;
  const char *rt = result_bool(r) ? "bool" : r && bg_by_value(g, r) ? bg_ctype(g, r) : "void";
  bg_printf(b, "%s %s(", rt, cname);
  bool any = false;
  for (uint32_t i = 0; i < f->nparams; i++) {
    const loam_type *t = f->params[i].type;
    bg_printf(b, "%s%s %s%s", any ? ", " : "", bg_ctype(g, t), bg_by_value(g, t) ? "" : "*",
              bg_snake(g, f->params[i].name));
    any = true;
  }
  if (r && r->kind == LOAM_T_OPTION) {
    bg_printf(b, "%s%s *ret", any ? ", " : "", bg_ctype(g, r->u.elem));
    any = true;
  } else if (r && r->kind == LOAM_T_RESULT) {
    if (r->u.result.ok) {
      bg_printf(b, "%s%s *ret", any ? ", " : "", bg_ctype(g, r->u.result.ok));
      any = true;
    }
    if (r->u.result.err) {
      bg_printf(b, "%s%s *err", any ? ", " : "", bg_ctype(g, r->u.result.err));
      any = true;
    }
  } else if (r && !bg_by_value(g, r)) {
    bg_printf(b, "%s%s *ret", any ? ", " : "", bg_ctype(g, r));
    any = true;
  }
  if (!any) bg_printf(b, "void");
  bg_printf(b, ")");
}

/* ---- push / read per type ------------------------------------------------------ */

static void need(sc *c, const loam_type *t);

/* "__sg_push_<key>(b, <ptr>)" etc., declaring t's functions on first use. */
static char *push_call(sc *c, const loam_type *t, const char *ptr) {
  need(c, t);
  return bg_str(&c->g, "__sg_push_%s(b, %s)", key(c, t), ptr);
}

static char *read_call(sc *c, const loam_type *t, const char *wv, const char *node,
                       const char *out) {
  need(c, t);
  return bg_str(&c->g, "__sg_read_%s(%s, %s, %s)", key(c, t), wv, node, out);
}

/* Children of a record/tuple as an index list of the node. */
static void push_items(sc *c, bg_buf *b, const char *kase, uint32_t n,
                       const loam_type *const *types, const char *const *exprs) {
  bg_printf(b, "  int32_t n = __sg_node(b, %s);\n", tag(c, kase));
  bg_printf(b, "  %s *ix = __sg_alloc(%u, sizeof *ix);\n", c->idx, n);
  for (uint32_t i = 0; i < n; i++)
    bg_printf(b, "  ix[%u] = %s;\n", i, push_call(c, types[i], exprs[i]));
  bg_printf(b, "  b->ptr[n].val.%s.ptr = ix;\n  b->ptr[n].val.%s.len = %u;\n  return n;\n",
            member(c, kase), member(c, kase), n);
}

static void read_items(sc *c, bg_buf *b, const char *kase, uint32_t n,
                       const loam_type *const *types, const char *const *outs) {
  bg_printf(b, "  const %s *x = __sg_at(wv, n, %s, \"expected %s\");\n", c->node, tag(c, kase),
            kase);
  bg_printf(b, "  if (x->val.%s.len != %u) __sg_malformed(n, \"expected %u items\");\n",
            member(c, kase), n, n);
  for (uint32_t i = 0; i < n; i++)
    bg_printf(b, "  %s;\n",
              read_call(c, types[i], "wv", bg_str(&c->g, "x->val.%s.ptr[%u]", member(c, kase), i),
                        outs[i]));
}

static void push_body(sc *c, bg_buf *b, const loam_type *t) {
  bg *g = &c->g;
  switch (t->kind) {
  case LOAM_T_LIST: {
    bg_printf(b, "  int32_t n = __sg_node(b, %s);\n", tag(c, "list-value"));
    bg_printf(b, "  %s *ix = __sg_alloc(v->len, sizeof *ix);\n", c->idx);
    bg_printf(b, "  for (size_t i = 0; i < v->len; i++) ix[i] = %s;\n",
              push_call(c, t->u.elem, "&v->ptr[i]"));
    bg_printf(b, "  b->ptr[n].val.list_value.ptr = ix;\n  b->ptr[n].val.list_value.len = v->len;\n"
                 "  return n;\n");
    return;
  }
  case LOAM_T_OPTION:
    bg_printf(b, "  int32_t n = __sg_node(b, %s);\n", tag(c, "option-value"));
    bg_printf(b, "  if (v->is_some) {\n    int32_t k = %s;\n", push_call(c, t->u.elem, "&v->val"));
    bg_printf(b, "    b->ptr[n].val.option_value.is_some = true;\n"
                 "    b->ptr[n].val.option_value.val = k;\n  }\n  return n;\n");
    return;
  case LOAM_T_RESULT:
    bg_printf(b, "  int32_t n = __sg_node(b, %s);\n", tag(c, "result-value"));
    bg_printf(b, "  b->ptr[n].val.result_value.is_err = v->is_err;\n  if (!v->is_err) {\n");
    if (t->u.result.ok)
      bg_printf(b, "    int32_t k = %s;\n    b->ptr[n].val.result_value.val.ok.is_some = true;\n"
                   "    b->ptr[n].val.result_value.val.ok.val = k;\n",
                push_call(c, t->u.result.ok, "&v->val.ok"));
    bg_printf(b, "  } else {\n");
    if (t->u.result.err)
      bg_printf(b, "    int32_t k = %s;\n    b->ptr[n].val.result_value.val.err.is_some = true;\n"
                   "    b->ptr[n].val.result_value.val.err.val = k;\n",
                push_call(c, t->u.result.err, "&v->val.err"));
    bg_printf(b, "  }\n  return n;\n");
    return;
  case LOAM_T_TUPLE: {
    const char **ex = calloc(t->u.tuple.n + 1, sizeof *ex);
    if (!ex) {
      c->g.failed = true;
      return;
    }
    for (uint32_t i = 0; i < t->u.tuple.n; i++) ex[i] = bg_str(g, "&v->f%u", i);
    push_items(c, b, "tuple-value", t->u.tuple.n, t->u.tuple.types, ex);
    free(ex);
    return;
  }
  case LOAM_T_RECORD: {
    uint32_t n = t->u.record.n;
    const char **ex = calloc(n + 1, sizeof *ex);
    const loam_type **ty = calloc(n + 1, sizeof *ty);
    if (ex && ty) {
      for (uint32_t i = 0; i < n; i++) {
        ex[i] = bg_str(g, "&v->%s", bg_snake(g, t->u.record.fields[i].name));
        ty[i] = t->u.record.fields[i].type;
      }
      push_items(c, b, "record-value", n, ty, ex);
    } else {
      c->g.failed = true;
    }
    free(ex);
    free(ty);
    return;
  }
  case LOAM_T_VARIANT:
    bg_printf(b, "  int32_t n = __sg_node(b, %s);\n", tag(c, "variant-value"));
    bg_printf(b, "  b->ptr[n].val.variant_value.f0 = (uint32_t)v->tag;\n  switch (v->tag) {\n");
    for (uint32_t i = 0; i < t->u.record.n; i++) {
      const loam_field *f = &t->u.record.fields[i];
      if (!f->type) continue;
      bg_printf(b, "  case %u: {\n    int32_t k = %s;\n", i,
                push_call(c, f->type, bg_str(g, "&v->val.%s", bg_snake(g, f->name))));
      bg_printf(b, "    b->ptr[n].val.variant_value.f1.is_some = true;\n"
                   "    b->ptr[n].val.variant_value.f1.val = k;\n    break;\n  }\n");
    }
    bg_printf(b, "  default:\n    break;\n  }\n  return n;\n");
    return;
  case LOAM_T_ENUM:
    bg_printf(b, "  int32_t n = __sg_node(b, %s);\n", tag(c, "enum-value"));
    bg_printf(b, "  b->ptr[n].val.enum_value = (uint32_t)*v;\n  return n;\n");
    return;
  case LOAM_T_FLAGS:
    bg_printf(b, "  int32_t n = __sg_node(b, %s);\n", tag(c, "flags-value"));
    bg_printf(b, "  bool *bits = __sg_alloc(%u, sizeof *bits);\n", t->u.labels.n);
    bg_printf(b, "  for (uint32_t i = 0; i < %uu; i++) bits[i] = ((uint32_t)*v >> i) & 1u;\n",
              t->u.labels.n);
    bg_printf(b, "  b->ptr[n].val.flags_value.ptr = bits;\n"
                 "  b->ptr[n].val.flags_value.len = %u;\n  return n;\n", t->u.labels.n);
    return;
  default:
    if (t->kind <= LOAM_T_STRING) {
      const char *k = prim_case(t->kind);
      bg_printf(b, "  int32_t n = __sg_node(b, %s);\n  b->ptr[n].val.%s = *v;\n  return n;\n",
                tag(c, k), member(c, k));
      return;
    }
    bg_fail(g, "stubgen: a %s type cannot travel in a wit-value", t->name ? t->name : "handle");
    return;
  }
}

static void read_body(sc *c, bg_buf *b, const loam_type *t) {
  bg *g = &c->g;
  bg_printf(b, "  memset(out, 0, sizeof *out);\n");
  switch (t->kind) {
  case LOAM_T_LIST:
    bg_printf(b, "  const %s *x = __sg_at(wv, n, %s, \"expected list-value\");\n", c->node,
              tag(c, "list-value"));
    bg_printf(b, "  size_t len = x->val.list_value.len;\n"
                 "  out->ptr = __sg_alloc(len, sizeof *out->ptr);\n  out->len = len;\n"
                 "  for (size_t i = 0; i < len; i++) %s;\n",
              read_call(c, t->u.elem, "wv", "x->val.list_value.ptr[i]", "&out->ptr[i]"));
    return;
  case LOAM_T_OPTION:
    bg_printf(b, "  const %s *x = __sg_at(wv, n, %s, \"expected option-value\");\n", c->node,
              tag(c, "option-value"));
    bg_printf(b, "  if (x->val.option_value.is_some) {\n    out->is_some = true;\n    %s;\n  }\n",
              read_call(c, t->u.elem, "wv", "x->val.option_value.val", "&out->val"));
    return;
  case LOAM_T_RESULT:
    bg_printf(b, "  const %s *x = __sg_at(wv, n, %s, \"expected result-value\");\n", c->node,
              tag(c, "result-value"));
    bg_printf(b, "  out->is_err = x->val.result_value.is_err;\n  if (!out->is_err) {\n");
    if (t->u.result.ok)
      bg_printf(b, "    if (!x->val.result_value.val.ok.is_some) __sg_malformed(n, \"ok without a value\");\n"
                   "    %s;\n",
                read_call(c, t->u.result.ok, "wv", "x->val.result_value.val.ok.val", "&out->val.ok"));
    bg_printf(b, "  } else {\n");
    if (t->u.result.err)
      bg_printf(b, "    if (!x->val.result_value.val.err.is_some) __sg_malformed(n, \"err without a value\");\n"
                   "    %s;\n",
                read_call(c, t->u.result.err, "wv", "x->val.result_value.val.err.val",
                          "&out->val.err"));
    bg_printf(b, "  }\n");
    return;
  case LOAM_T_TUPLE: {
    const char **outs = calloc(t->u.tuple.n + 1, sizeof *outs);
    if (!outs) {
      c->g.failed = true;
      return;
    }
    for (uint32_t i = 0; i < t->u.tuple.n; i++) outs[i] = bg_str(g, "&out->f%u", i);
    read_items(c, b, "tuple-value", t->u.tuple.n, t->u.tuple.types, outs);
    free(outs);
    return;
  }
  case LOAM_T_RECORD: {
    uint32_t n = t->u.record.n;
    const char **outs = calloc(n + 1, sizeof *outs);
    const loam_type **ty = calloc(n + 1, sizeof *ty);
    if (outs && ty) {
      for (uint32_t i = 0; i < n; i++) {
        outs[i] = bg_str(g, "&out->%s", bg_snake(g, t->u.record.fields[i].name));
        ty[i] = t->u.record.fields[i].type;
      }
      read_items(c, b, "record-value", n, ty, outs);
    } else {
      c->g.failed = true;
    }
    free(outs);
    free(ty);
    return;
  }
  case LOAM_T_VARIANT:
    bg_printf(b, "  const %s *x = __sg_at(wv, n, %s, \"expected variant-value\");\n", c->node,
              tag(c, "variant-value"));
    bg_printf(b, "  uint32_t k = x->val.variant_value.f0;\n  switch (k) {\n");
    for (uint32_t i = 0; i < t->u.record.n; i++) {
      const loam_field *f = &t->u.record.fields[i];
      bg_printf(b, "  case %u:\n    out->tag = %u;\n", i, i);
      if (f->type)
        bg_printf(b, "    if (!x->val.variant_value.f1.is_some) __sg_malformed(n, \"case without its value\");\n"
                     "    %s;\n",
                  read_call(c, f->type, "wv", "x->val.variant_value.f1.val",
                            bg_str(g, "&out->val.%s", bg_snake(g, f->name))));
      bg_printf(b, "    break;\n");
    }
    bg_printf(b, "  default:\n    __sg_malformed(n, \"variant case out of range\");\n  }\n");
    return;
  case LOAM_T_ENUM:
    bg_printf(b, "  const %s *x = __sg_at(wv, n, %s, \"expected enum-value\");\n", c->node,
              tag(c, "enum-value"));
    bg_printf(b, "  if (x->val.enum_value >= %uu) __sg_malformed(n, \"enum case out of range\");\n"
                 "  *out = (%s)x->val.enum_value;\n", t->u.labels.n, bg_ctype(g, t));
    return;
  case LOAM_T_FLAGS:
    bg_printf(b, "  const %s *x = __sg_at(wv, n, %s, \"expected flags-value\");\n", c->node,
              tag(c, "flags-value"));
    bg_printf(b, "  if (x->val.flags_value.len != %u) __sg_malformed(n, \"expected %u flags\");\n"
                 "  uint32_t bits = 0;\n"
                 "  for (uint32_t i = 0; i < %uu; i++)\n"
                 "    if (x->val.flags_value.ptr[i]) bits |= 1u << i;\n"
                 "  *out = (%s)bits;\n",
              t->u.labels.n, t->u.labels.n, t->u.labels.n, bg_ctype(g, t));
    return;
  default:
    if (t->kind == LOAM_T_STRING) {
      /* moved, not copied: the node forgets it, so freeing wv leaves it be */
      bg_printf(b, "  %s *x = __sg_at(wv, n, %s, \"expected prim-string\");\n"
                   "  *out = x->val.prim_string;\n"
                   "  x->val.prim_string.ptr = NULL;\n"
                   "  x->val.prim_string.len = 0;\n",
                c->node, tag(c, "prim-string"));
      return;
    }
    if (t->kind < LOAM_T_STRING) {
      const char *k = prim_case(t->kind);
      bg_printf(b, "  const %s *x = __sg_at(wv, n, %s, \"expected %s\");\n  *out = x->val.%s;\n",
                c->node, tag(c, k), k, member(c, k));
      return;
    }
    bg_fail(g, "stubgen: a %s type cannot travel in a wit-value", t->name ? t->name : "handle");
    return;
  }
}

/* Declares t's push/read (once) and emits their definitions. */
static void need(sc *c, const loam_type *t) {
  bg *g = &c->g;
  char *k = key(c, t);
  if (!bg_first(g, bg_str(g, "__sg_%s", k)) || g->failed) return;
  const char *ct = bg_ctype(g, t);
  bg_printf(&c->protos,
            "static int32_t __sg_push_%s(__sg_builder *b, const %s *v);\n"
            "static void __sg_read_%s(%s *wv, int32_t n, %s *out);\n",
            k, ct, k, c->wv, ct);
  bg_buf push = {0}, read = {0};
  push_body(c, &push, t);
  read_body(c, &read, t);
  bg_printf(&c->defs,
            "/* %s */\n__attribute__((unused)) static int32_t __sg_push_%s(__sg_builder *b, "
            "const %s *v) {\n%s}\n\n",
            ct, k, ct, push.s ? push.s : "");
  bg_printf(&c->defs,
            "__attribute__((unused)) static void __sg_read_%s(%s *wv, int32_t n, %s *out) "
            "{\n%s}\n\n",
            k, c->wv, ct, read.s ? read.s : "");
  if (push.oom || read.oom) g->failed = true;
  bg_buf_free(&push);
  bg_buf_free(&read);
}

/* ---- the runtime helpers every stub has -------------------------------------- */

static void helpers(sc *c, bg_buf *b) {
  const char *N = c->node, *W = c->wv;
  bg_printf(b,
            "/* A wit-value under construction: nodes appended, node 0 the root. */\n"
            "typedef struct __sg_builder {\n  %s *ptr;\n  size_t len, cap;\n} __sg_builder;\n\n"
            "__attribute__((noreturn, unused)) static void __sg_die(const char *what) {\n"
            "  fprintf(stderr, \"%%s\\n\", what);\n  fflush(stderr);\n  abort();\n}\n\n"
            "/* A result that does not fit the function's WIT: the host checks results, so\n"
            " * this means a broken host; trap rather than guess. */\n"
            "__attribute__((noreturn, unused)) static void __sg_malformed(int32_t n, const char *what) {\n"
            "  fprintf(stderr, \"stub: malformed result wit-value: node %%d: %%s\\n\", (int)n, what);\n"
            "  fflush(stderr);\n  abort();\n}\n\n"
            "/* As Golem's stubs panic: an rpc-error traps the caller with its kind and\n"
            " * message, e.g. \"rpc error calling add-order: not-found: ...\". */\n"
            "__attribute__((noreturn, unused)) static void __sg_rpc_fail(const char *f, const %s *e) {\n"
            "  static const char *const kinds[] = {\"protocol-error\", \"denied\", \"not-found\",\n"
            "                                      \"remote-internal-error\"};\n"
            "  /* every rpc-error case carries a string in the same place */\n"
            "  fprintf(stderr, \"rpc error calling %%s: %%s: %%.*s\\n\", f,\n"
            "          e->tag < 4 ? kinds[e->tag] : \"rpc-error\", (int)e->val.protocol_error.len,\n"
            "          (const char *)e->val.protocol_error.ptr);\n"
            "  fflush(stderr);\n  abort();\n}\n\n"
            "/* calloc that traps when out of memory; NULL for n == 0 (as the bindings' lists). */\n"
            "__attribute__((unused)) static void *__sg_alloc(size_t n, size_t size) {\n"
            "  if (!n) return NULL;\n  void *p = calloc(n, size);\n"
            "  if (!p) __sg_die(\"stub: out of memory\");\n  return p;\n}\n\n"
            "__attribute__((unused)) static int32_t __sg_node(__sg_builder *b, uint8_t tag) {\n"
            "  if (b->len == b->cap) {\n"
            "    size_t cap = b->cap ? 2 * b->cap : 8;\n"
            "    %s *p = realloc(b->ptr, cap * sizeof *p);\n"
            "    if (!p) __sg_die(\"stub: out of memory\");\n"
            "    b->ptr = p;\n    b->cap = cap;\n  }\n"
            "  memset(&b->ptr[b->len], 0, sizeof b->ptr[0]);\n"
            "  b->ptr[b->len].tag = tag;\n  return (int32_t)b->len++;\n}\n\n"
            "__attribute__((unused)) static %s __sg_finish(__sg_builder *b) {\n"
            "  %s v;\n  v.nodes.ptr = b->ptr;\n  v.nodes.len = b->len;\n  return v;\n}\n\n"
            "/* Frees what push made: node and index arrays, not the strings (they are\n"
            " * borrowed from the params, which are freed after the call). */\n"
            "__attribute__((unused)) static void __sg_built_free(%s *v) {\n"
            "  for (size_t i = 0; i < v->nodes.len; i++) {\n"
            "    %s *x = &v->nodes.ptr[i];\n"
            "    switch (x->tag) {\n"
            "    case %s: free(x->val.record_value.ptr); break;\n"
            "    case %s: free(x->val.tuple_value.ptr); break;\n"
            "    case %s: free(x->val.list_value.ptr); break;\n"
            "    case %s: free(x->val.flags_value.ptr); break;\n"
            "    default: break;\n    }\n  }\n  free(v->nodes.ptr);\n}\n\n"
            "/* Node n of wv, checked to be of kind `tag`. Reading moves strings out of\n"
            " * their nodes (wv is freed right after), hence not const. */\n"
            "__attribute__((unused)) static %s *__sg_at(%s *wv, int32_t n, uint8_t tag,\n"
            "                                            const char *what) {\n"
            "  if (n < 0 || (size_t)n >= wv->nodes.len) __sg_malformed(n, \"no such node\");\n"
            "  %s *x = &wv->nodes.ptr[n];\n"
            "  if (x->tag != tag) __sg_malformed(n, what);\n  return x;\n}\n\n"
            "/* A call's result: a tuple-value of its results; the first one's node, or -1. */\n"
            "__attribute__((unused)) static int32_t __sg_results(%s *wv, size_t count) {\n"
            "  const %s *x = __sg_at(wv, 0, %s, \"expected tuple-value (the results)\");\n"
            "  if (x->val.tuple_value.len != count) __sg_malformed(0, \"wrong number of results\");\n"
            "  return count ? x->val.tuple_value.ptr[0] : -1;\n}\n\n",
            N, c->rpcerr, N, W, W, W, N, tag(c, "record-value"), tag(c, "tuple-value"),
            tag(c, "list-value"), tag(c, "flags-value"), N, W, N, W, N, tag(c, "tuple-value"));
}

/* ---- methods ------------------------------------------------------------------- */

/* One statement freeing an export param the stub owns (nothing for scalars). */
static void free_param(sc *c, bg_buf *b, const loam_type *t, const char *name) {
  bg *g = &c->g;
  if (!bg_needs_free(g, t)) return;
  if (t->kind == LOAM_T_STRING) bg_printf(b, "  %s_string_free(%s);\n", g->w, name);
  else bg_printf(b, "  %s_free(%s);\n", strip_t(c, bg_ctype(g, t)), name);
}

/* Builds one wit-value per target param (the stub method's params after self). */
static void build_params(sc *c, bg_buf *b, const loam_wit_func *f, const char *rpcname) {
  bg *g = &c->g;
  uint32_t n = f->nparams - 1;
  if (n) bg_printf(b, "  %s __sg_params[%u];\n", c->wv, n);
  for (uint32_t i = 0; i < n; i++) {
    const loam_wit_param *p = &f->params[i + 1];
    char *arg = bg_str(g, "%s%s", bg_by_value(g, p->type) ? "&" : "", bg_snake(g, p->name));
    need(c, p->type);
    bg_printf(b, "  {\n    __sg_builder __sg_b = {0};\n    __sg_push_%s(&__sg_b, %s);\n"
                 "    __sg_params[%u] = __sg_finish(&__sg_b);\n  }\n",
              key(c, p->type), arg, i);
  }
  bg_printf(b, "  %s __sg_list = {%s, %u};\n", c->list_wv, n ? "__sg_params" : "NULL", n);
  bg_printf(b, "  %s __sg_fn;\n  %s_string_set(&__sg_fn, \"%s\");\n", c->str, g->w, rpcname);
}

static void free_params(sc *c, bg_buf *b, const loam_wit_func *f) {
  uint32_t n = f->nparams - 1;
  if (n) bg_printf(b, "  for (size_t __sg_i = 0; __sg_i < %u; __sg_i++) __sg_built_free(&__sg_params[__sg_i]);\n", n);
  for (uint32_t i = 0; i < n; i++)
    if (!bg_by_value(&c->g, f->params[i + 1].type))
      free_param(c, b, f->params[i + 1].type, bg_snake(&c->g, f->params[i + 1].name));
}

/* Decodes result node `node` of wit-value `wv` into the C result of a
 * function returning r (bindgen's conventions), then frees wv. */
static void decode_result(sc *c, bg_buf *b, const loam_type *r, const char *wv) {
  bg *g = &c->g;
  bg_printf(b, "  int32_t __sg_rn = __sg_results(&%s, %u);\n", wv, r ? 1 : 0);
  if (!r) {
    bg_printf(b, "  (void)__sg_rn;\n  %s_free(&%s);\n", strip_t(c, c->wv), wv);
    return;
  }
  const char *ct = bg_ctype(g, r);
  char *wvp = bg_str(g, "&%s", wv);
  if (!result_bool(r) && !bg_by_value(g, r)) {
    bg_printf(b, "  %s;\n  %s_free(&%s);\n", read_call(c, r, wvp, "__sg_rn", "ret"),
              strip_t(c, c->wv), wv);
    return;
  }
  bg_printf(b, "  %s __sg_v;\n  %s;\n  %s_free(&%s);\n", ct, read_call(c, r, wvp, "__sg_rn", "&__sg_v"),
            strip_t(c, c->wv), wv);
  if (r->kind == LOAM_T_OPTION) {
    bg_printf(b, "  if (__sg_v.is_some) *ret = __sg_v.val;\n  return __sg_v.is_some;\n");
  } else if (r->kind == LOAM_T_RESULT) {
    bg_printf(b, "  if (!__sg_v.is_err) {\n%s  } else {\n%s  }\n  return !__sg_v.is_err;\n",
              r->u.result.ok ? "    *ret = __sg_v.val.ok;\n" : "",
              r->u.result.err ? "    *err = __sg_v.val.err;\n" : "");
  } else {
    bg_printf(b, "  return __sg_v;\n");
  }
}

static bool has_constructor(const sc *c, const loam_type *res) {
  for (uint32_t i = 0; i < c->stub->nfuncs; i++)
    if (c->stub->funcs[i].resource == res && c->stub->funcs[i].kind == LOAM_WIT_FUNC_CONSTRUCTOR)
      return true;
  return false;
}

/* The future resource's subscribe and get. */
static void future_methods(sc *c, const loam_type *fut, const char *prefix, const char *target_f,
                           const char *rpcname) {
  bg *g = &c->g;
  bg_buf *b = &c->impl;
  char *base = bg_res_base(g, fut);
  bg_printf(&c->reps, "struct %s_t {\n  %s future;\n};\n\n", base, c->own_fut);
  bg_printf(b, "void %s_destructor(%s_t *rep) {\n  %s(rep->future);\n  free(rep);\n}\n\n", base,
            base, c->drop_fut);
  for (uint32_t i = 0; i < c->stub->nfuncs; i++) {
    const loam_wit_func *f = &c->stub->funcs[i];
    if (f->resource != fut || f->kind != LOAM_WIT_FUNC_METHOD) continue;
    char *cname = func_cname(c, f, prefix);
    prototype(c, b, f, cname);
    bg_printf(b, " {\n");
    if (!strcmp(f->name, "subscribe")) {
      bg_printf(b, "  return %s(%s(self->future));\n}\n\n", c->f_subscribe, c->borrow_fut);
      continue;
    }
    /* get: option<R> -> bool get(self, R *ret) */
    const loam_type *r = f->results[0].type->u.elem;
    bg_printf(b, "  %s __sg_r;\n  if (!%s(%s(self->future), &__sg_r)) return false;\n",
              c->res_wv, c->f_get, c->borrow_fut);
    bg_printf(b, "  if (__sg_r.is_err) __sg_rpc_fail(\"%s\", &__sg_r.val.err);\n", target_f);
    bg_printf(b, "  int32_t __sg_rn = __sg_results(&__sg_r.val.ok, 1);\n  %s;\n",
              read_call(c, r, "&__sg_r.val.ok", "__sg_rn", "ret"));
    bg_printf(b, "  %s_free(&__sg_r.val.ok);\n  return true;\n}\n\n", strip_t(c, c->wv));
  }
  (void)rpcname;
}

static void method(sc *c, const loam_wit_func *f, const char *prefix, const char *target) {
  bg *g = &c->g;
  bg_buf *b = &c->impl;
  char *cname = func_cname(c, f, prefix);
  const loam_type *r = f->nresults ? f->results[0].type : NULL;
  bool blocking = !strncmp(f->name, "blocking-", 9);
  const char *tf = blocking ? f->name + 9 : f->name;
  char *rpcname = target[0] ? bg_str(g, "%s.{%s}", target, tf) : bg_str(g, "%s", tf);
  prototype(c, b, f, cname);
  bg_printf(b, " {\n");
  build_params(c, b, f, rpcname);
  if (blocking) {
    bg_printf(b, "  %s __sg_res;\n  %s __sg_err;\n", c->wv, c->rpcerr);
    bg_printf(b, "  bool __sg_ok = %s(%s(self->rpc), &__sg_fn, &__sg_list, &__sg_res, &__sg_err);\n",
              c->f_await, c->borrow_rpc);
    free_params(c, b, f);
    bg_printf(b, "  if (!__sg_ok) __sg_rpc_fail(\"%s\", &__sg_err);\n", tf);
    decode_result(c, b, r, "__sg_res");
    bg_printf(b, "}\n\n");
    return;
  }
  if (!r) {
    bg_printf(b, "  %s __sg_err;\n", c->rpcerr);
    bg_printf(b, "  bool __sg_ok = %s(%s(self->rpc), &__sg_fn, &__sg_list, &__sg_err);\n",
              c->f_invoke, c->borrow_rpc);
    free_params(c, b, f);
    bg_printf(b, "  if (!__sg_ok) __sg_rpc_fail(\"%s\", &__sg_err);\n}\n\n", tf);
    return;
  }
  /* async: the result is own<future-...> */
  const loam_type *fut = r->u.elem;
  char *fbase = bg_res_base(g, fut);
  bg_printf(b, "  %s __sg_fut = %s(%s(self->rpc), &__sg_fn, &__sg_list);\n", c->own_fut,
            c->f_async, c->borrow_rpc);
  free_params(c, b, f);
  bg_printf(b, "  %s_t *__sg_rep = __sg_alloc(1, sizeof *__sg_rep);\n"
               "  __sg_rep->future = __sg_fut;\n  return %s_new(__sg_rep);\n}\n\n",
            fbase, fbase);
  future_methods(c, fut, prefix, tf, rpcname);
}

/* "Remote calls to `ns:pkg/iface` ..." -> "ns:pkg/iface"; world functions -> "". */
static char *target_of(sc *c, const loam_wit_typedef *td) {
  const char *d = td->meta.docs;
  if (!d) return NULL;
  const char *q = strchr(d, '`'), *e = q ? strchr(q + 1, '`') : NULL;
  if (!q || !e) return NULL;
  if (strstr(d, "functions of world `") && strstr(d, "functions of world `") + 19 == q)
    return bg_str(&c->g, "%s", "");
  return bg_str(&c->g, "%.*s", (int)(e - q - 1), q + 1);
}

static void resource(sc *c, const loam_wit_typedef *td, const char *prefix) {
  bg *g = &c->g;
  bg_buf *b = &c->impl;
  const loam_type *res = td->type;
  char *target = target_of(c, td);
  if (!target) {
    bg_fail(g, "stubgen: resource %s of the stub names no target interface in its doc comment",
            td->name);
    return;
  }
  char *base = bg_res_base(g, res);
  bg_printf(b, "/* ---- resource %s: calls %s ---- */\n\n", td->name, target[0] ? target : "the world's functions");
  bg_printf(&c->reps, "struct %s_t {\n  %s rpc;\n};\n\n", base, c->own_rpc);
  bg_printf(b, "void %s_destructor(%s_t *rep) {\n  %s(rep->rpc);\n  free(rep);\n}\n\n", base, base,
            c->drop_rpc);
  for (uint32_t i = 0; i < c->stub->nfuncs && !g->failed; i++) {
    const loam_wit_func *f = &c->stub->funcs[i];
    if (f->resource != res) continue;
    if (f->kind == LOAM_WIT_FUNC_CONSTRUCTOR) {
      char *cname = func_cname(c, f, prefix);
      prototype(c, b, f, cname);
      const char *loc = bg_snake(g, f->params[0].name);
      bg_printf(b, " {\n  %s_t *rep = __sg_alloc(1, sizeof *rep);\n  rep->rpc = %s(%s);\n", base,
                c->f_ctor, loc);
      free_param(c, b, f->params[0].type, loc);
      bg_printf(b, "  return %s_new(rep);\n}\n\n", base);
    } else if (f->kind == LOAM_WIT_FUNC_METHOD) {
      method(c, f, prefix, target);
    }
  }
}

/* ---- driver -------------------------------------------------------------------- */

static bool setup(sc *c, const loam_wit *stub, const char *world, loam_error *err) {
  bg *g = &c->g;
  const loam_wit_world *wd = loam_bindgen_world(stub, world, err);
  if (!wd) return false;
  g->wit = stub;
  g->world = wd;
  g->err = err;
  g->w = bg_snake(g, wd->name);
  for (uint32_t i = 0; i < wd->nexports; i++)
    if (wd->exports[i].kind == LOAM_WIT_ITEM_INTERFACE && wd->exports[i].iface->id)
      c->stub = wd->exports[i].iface;
  c->rpc = loam_wit_find_interface(stub, "golem:rpc/types");
  if (!c->stub || !c->rpc)
    return wasm_fail(err, LOAM_ERR_INVALID,
                     "stubgen: world %s is not a stub world (it needs `import golem:rpc/types` "
                     "and `export stub-...`)", wd->name);
  c->exported[0] = c->stub->id;
  g->exported = c->exported;
  g->nexported = 1;
  const loam_wit_typedef *wv = loam_wit_find_type(c->rpc, "wit-value");
  const loam_wit_typedef *node = loam_wit_find_type(c->rpc, "wit-node");
  const loam_wit_typedef *rerr = loam_wit_find_type(c->rpc, "rpc-error");
  const loam_wit_func *ctor = find_core(c->rpc, "[constructor]wasm-rpc");
  const loam_wit_func *await = find_core(c->rpc, "[method]wasm-rpc.invoke-and-await");
  const loam_wit_func *invoke = find_core(c->rpc, "[method]wasm-rpc.invoke");
  const loam_wit_func *async = find_core(c->rpc, "[method]wasm-rpc.async-invoke-and-await");
  const loam_wit_func *sub = find_core(c->rpc, "[method]future-invoke-result.subscribe");
  const loam_wit_func *get = find_core(c->rpc, "[method]future-invoke-result.get");
  if (!wv || !node || !rerr || !ctor || !await || !invoke || !async || !sub || !get)
    return wasm_fail(err, LOAM_ERR_INVALID, "stubgen: golem:rpc/types lacks the names it must have");
  const char *gp = bg_iface_prefix(g, c->rpc->id);
  c->wv = bg_ctype(g, wv->type);
  c->node = bg_ctype(g, node->type);
  c->tag = bg_upper(g, strip_t(c, c->node));
  c->idx = bg_ctype(g, node->type->u.record.fields[0].type->u.elem);   /* record-value's */
  c->str = bg_str(g, "%s_string_t", g->w);
  c->list_wv = bg_ctype(g, await->params[2].type);
  c->res_wv = bg_ctype(g, get->results[0].type->u.elem);
  c->rpcerr = bg_ctype(g, rerr->type);
  c->own_rpc = bg_ctype(g, ctor->results[0].type);
  c->own_fut = bg_ctype(g, async->results[0].type);
  c->f_ctor = func_cname(c, ctor, gp);
  c->f_await = func_cname(c, await, gp);
  c->f_invoke = func_cname(c, invoke, gp);
  c->f_async = func_cname(c, async, gp);
  c->f_subscribe = func_cname(c, sub, gp);
  c->f_get = func_cname(c, get, gp);
  const loam_type *rpc_res = ctor->resource, *fut_res = sub->resource;
  c->borrow_rpc = bg_str(g, "%s_borrow_%s", bg_res_prefix(g, rpc_res), bg_snake(g, rpc_res->name));
  c->borrow_fut = bg_str(g, "%s_borrow_%s", bg_res_prefix(g, fut_res), bg_snake(g, fut_res->name));
  c->drop_rpc = bg_str(g, "%s_drop_own", bg_res_base(g, rpc_res));
  c->drop_fut = bg_str(g, "%s_drop_own", bg_res_base(g, fut_res));
  return !g->failed;
}

char *loam_stubgen_c(const loam_wit *stub, const char *world, loam_error *err) {
  sc c;
  memset(&c, 0, sizeof c);
  char *out = NULL;
  if (setup(&c, stub, world, err)) {
    const char *prefix = bg_iface_prefix(&c.g, c.stub->id);
    for (uint32_t i = 0; i < c.stub->ntypes && !c.g.failed; i++) {
      const loam_wit_typedef *td = &c.stub->types[i];
      if (td->used_from || td->type->kind != LOAM_T_RESOURCE) continue;
      /* futures are written with the method that returns them */
      if (has_constructor(&c, td->type)) resource(&c, td, prefix);
    }
    bg_buf all = {0}, help = {0};
    helpers(&c, &help);
    bg_printf(&all,
              "/* stub.c — the RPC stub of world %s, generated by `loam stubgen`.\n"
              " * Do not edit: regenerate it from the target's WIT instead.\n"
              " * Each method turns its params into wit-values, calls golem:rpc and decodes\n"
              " * the result; an rpc-error traps the caller with its message. */\n"
              "#include \"%s.h\"\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\n",
              c.g.world->id ? c.g.world->id : c.g.world->name, c.g.w);
    bg_printf(&all, "%s/* ---- per type: push (C value -> nodes), read (nodes -> C value) ---- */\n\n"
                    "%s\n%s/* ---- resources: what a handle stands for ---- */\n\n%s%s",
              help.s ? help.s : "", c.protos.s ? c.protos.s : "", c.defs.s ? c.defs.s : "",
              c.reps.s ? c.reps.s : "", c.impl.s ? c.impl.s : "");
    bool oom = all.oom || help.oom || c.protos.oom || c.defs.oom || c.reps.oom || c.impl.oom;
    if (!c.g.failed && !oom) {
      out = all.s;
      all.s = NULL;
    } else if (!c.g.failed) {
      wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
    }
    bg_buf_free(&all);
    bg_buf_free(&help);
  }
  bg_buf_free(&c.protos);
  bg_buf_free(&c.defs);
  bg_buf_free(&c.reps);
  bg_buf_free(&c.impl);
  for (size_t i = 0; i < c.g.nstrs; i++) free(c.g.strs[i]);
  free(c.g.strs);
  free(c.g.done);
  return out;
}
