/* parser.c — recursive-descent parser from WIT tokens to the syntax tree in
 * ast.h (one source file at a time; resolution happens later). */
#include "wit/lexer.h"
#include <string.h>

typedef struct parser {
  wit_lexer lx;
  wit_ctx *cx;
  uint32_t file;
  unsigned depth;     /* type nesting, bounded by WIT_MAX_DEPTH */
} parser;

#define TOK(p) ((p)->lx.tok)
#define POS(p) ((p)->lx.pos)

static void next(parser *p) { wit_lex_next(&p->lx); }

static const char *describe(parser *p) {
  if (TOK(p) == TK_ID)
    return wit_arena_printf(p->cx->arena, "`%s%s`", p->lx.escaped ? "%" : "",
                            p->lx.text);
  return wit_tok_name(TOK(p));
}

static _Noreturn void unexpected(parser *p, const char *wanted) {
  const char *got = describe(p);
  wit_fail(p->cx, POS(p), "expected %s, found %s", wanted, got ? got : "token");
}

static void expect(parser *p, wit_tok t) {
  if (TOK(p) != t) unexpected(p, wit_tok_name(t));
  next(p);
}

static bool eat(parser *p, wit_tok t) {
  if (TOK(p) != t) return false;
  next(p);
  return true;
}

static const char *const keywords[] = {
    "as", "async", "bool", "borrow", "char", "constructor", "enum", "export",
    "f32", "f64", "flags", "float32", "float64", "func", "future", "import",
    "include", "interface", "list", "option", "own", "package", "record",
    "resource", "result", "s16", "s32", "s64", "s8", "static", "stream",
    "string", "tuple", "type", "u16", "u32", "u64", "u8", "use", "variant",
    "with", "world",
};

bool wit_is_keyword(const char *s) {
  for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
    if (!strcmp(s, keywords[i])) return true;
  return false;
}

/* True if the current token is the (unescaped) keyword kw. */
static bool is_kw(parser *p, const char *kw) {
  return TOK(p) == TK_ID && !p->lx.escaped && !strcmp(p->lx.text, kw);
}

static bool eat_kw(parser *p, const char *kw) {
  if (!is_kw(p, kw)) return false;
  next(p);
  return true;
}

static void expect_kw(parser *p, const char *kw) {
  if (!eat_kw(p, kw)) unexpected(p, wit_arena_printf(p->cx->arena, "`%s`", kw));
}

/* A name: an identifier that is not a keyword unless escaped with '%'. */
static const char *name(parser *p, wit_pos *pos) {
  if (TOK(p) != TK_ID) unexpected(p, "a name");
  if (!p->lx.escaped && wit_is_keyword(p->lx.text))
    wit_fail(p->cx, POS(p), "`%s` is a keyword: write `%%%s` to use it as a name",
             p->lx.text, p->lx.text);
  if (pos) *pos = POS(p);
  const char *s = p->lx.text;
  next(p);
  return s;
}

/* ---- gates and docs ------------------------------------------------------- */

static void gate(parser *p, wit_meta *m) {
  wit_pos at = POS(p);
  expect(p, TK_AT);
  if (TOK(p) != TK_ID) unexpected(p, "`since`, `unstable` or `deprecated`");
  loam_wit_gate g = {0};
  const char *kind = p->lx.text;
  if (!strcmp(kind, "since")) g.kind = LOAM_WIT_GATE_SINCE;
  else if (!strcmp(kind, "unstable")) g.kind = LOAM_WIT_GATE_UNSTABLE;
  else if (!strcmp(kind, "deprecated")) g.kind = LOAM_WIT_GATE_DEPRECATED;
  else wit_fail(p->cx, at, "unknown gate `@%s`: expected @since, @unstable or @deprecated", kind);
  next(p);
  expect(p, TK_LPAREN);
  do {
    if (TOK(p) == TK_RPAREN) break;
    if (TOK(p) != TK_ID) unexpected(p, "`version` or `feature`");
    wit_pos kpos = POS(p);
    const char *key = p->lx.text;
    bool is_version = !strcmp(key, "version");
    if (!is_version && strcmp(key, "feature"))
      wit_fail(p->cx, kpos, "unknown gate argument `%s`", key);
    next(p);
    if (TOK(p) != TK_EQ) unexpected(p, "'='");
    if (is_version) {
      g.version = wit_lex_version(&p->lx);
    } else {
      next(p);
      g.feature = name(p, NULL);
    }
  } while (eat(p, TK_COMMA));
  expect(p, TK_RPAREN);
  if (g.kind == LOAM_WIT_GATE_UNSTABLE ? !g.feature : !g.version)
    wit_fail(p->cx, at, "@%s needs %s", kind,
             g.kind == LOAM_WIT_GATE_UNSTABLE ? "`feature = name`" : "`version = x.y.z`");
  wit_push(p->cx, &m->gates, &m->ngates, &g, sizeof g);
}

/* The docs and gates in front of an item. */
static wit_meta meta(parser *p) {
  wit_meta m = {0};
  m.docs = p->lx.docs;
  while (TOK(p) == TK_AT) gate(p, &m);
  if (!m.docs) m.docs = p->lx.docs;
  return m;
}

/* ---- types ---------------------------------------------------------------- */

static wit_ty *ty(parser *p);

static wit_ty *new_ty(parser *p, wit_tykind k, wit_pos pos) {
  wit_ty *t = wit_new(p->cx, sizeof *t);
  t->kind = k;
  t->pos = pos;
  return t;
}

static const struct { const char *name; loam_typekind kind; } prims[] = {
    {"bool", LOAM_T_BOOL}, {"s8", LOAM_T_S8}, {"u8", LOAM_T_U8},
    {"s16", LOAM_T_S16}, {"u16", LOAM_T_U16}, {"s32", LOAM_T_S32},
    {"u32", LOAM_T_U32}, {"s64", LOAM_T_S64}, {"u64", LOAM_T_U64},
    {"f32", LOAM_T_F32}, {"f64", LOAM_T_F64}, {"float32", LOAM_T_F32},
    {"float64", LOAM_T_F64}, {"char", LOAM_T_CHAR}, {"string", LOAM_T_STRING},
};

static wit_ty *inner(parser *p, wit_tykind k, wit_pos pos) {
  wit_ty *t = new_ty(p, k, pos);
  expect(p, TK_LT);
  t->a = ty(p);
  expect(p, TK_GT);
  return t;
}

static wit_ty *handle(parser *p, wit_tykind k, wit_pos pos) {
  wit_ty *t = new_ty(p, k, pos);
  expect(p, TK_LT);
  t->name = name(p, &t->pos);
  expect(p, TK_GT);
  return t;
}

static wit_ty *result_ty(parser *p, wit_pos pos) {
  wit_ty *t = new_ty(p, WT_RESULT, pos);
  if (!eat(p, TK_LT)) return t;
  if (eat(p, TK_UNDERSCORE)) {
    expect(p, TK_COMMA);
    t->b = ty(p);
  } else {
    t->a = ty(p);
    if (eat(p, TK_COMMA)) t->b = ty(p);
  }
  expect(p, TK_GT);
  return t;
}

static wit_ty *tuple_ty(parser *p, wit_pos pos) {
  wit_ty *t = new_ty(p, WT_TUPLE, pos);
  expect(p, TK_LT);
  while (TOK(p) != TK_GT) {
    wit_ty *e = ty(p);
    wit_push(p->cx, &t->elems, &t->n, &e, sizeof e);
    if (!eat(p, TK_COMMA)) break;
  }
  expect(p, TK_GT);
  return t;
}

static wit_ty *ty_inner(parser *p) {
  wit_pos pos = POS(p);
  if (TOK(p) != TK_ID) unexpected(p, "a type");
  if (!p->lx.escaped) {
    const char *s = p->lx.text;
    for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++)
      if (!strcmp(s, prims[i].name)) {
        next(p);
        wit_ty *t = new_ty(p, WT_PRIM, pos);
        t->prim = prims[i].kind;
        return t;
      }
    if (eat_kw(p, "list")) return inner(p, WT_LIST, pos);
    if (eat_kw(p, "option")) return inner(p, WT_OPTION, pos);
    if (eat_kw(p, "result")) return result_ty(p, pos);
    if (eat_kw(p, "tuple")) return tuple_ty(p, pos);
    if (eat_kw(p, "own")) return handle(p, WT_OWN, pos);
    if (eat_kw(p, "borrow")) return handle(p, WT_BORROW, pos);
    if (is_kw(p, "future") || is_kw(p, "stream"))
      wit_fail(p->cx, pos, "`%s` types are not supported", s);
  }
  wit_ty *t = new_ty(p, WT_NAME, pos);
  t->name = name(p, NULL);
  return t;
}

static wit_ty *ty(parser *p) {
  if (++p->depth > WIT_MAX_DEPTH)
    wit_fail(p->cx, POS(p), "types nested more than %d deep", WIT_MAX_DEPTH);
  wit_ty *t = ty_inner(p);
  p->depth--;
  return t;
}

/* ---- functions ------------------------------------------------------------ */

static void params(parser *p, wit_param **out, uint32_t *n) {
  expect(p, TK_LPAREN);
  while (TOK(p) != TK_RPAREN) {
    wit_param prm = {0};
    prm.name = name(p, &prm.pos);
    expect(p, TK_COLON);
    prm.ty = ty(p);
    wit_push(p->cx, out, n, &prm, sizeof prm);
    if (!eat(p, TK_COMMA)) break;
  }
  expect(p, TK_RPAREN);
}

/* `func(params) [-> T | -> (named: T, ...)]`, after the name and ':'. */
static void func_sig(parser *p, wit_func *f) {
  f->is_async = eat_kw(p, "async");
  expect_kw(p, "func");
  params(p, &f->params, &f->nparams);
  f->results_kind = LOAM_WIT_RESULTS_NONE;
  if (!eat(p, TK_ARROW)) return;
  if (TOK(p) == TK_LPAREN) {
    params(p, &f->results, &f->nresults);
    if (f->nresults) f->results_kind = LOAM_WIT_RESULTS_NAMED;
    return;
  }
  wit_param r = {0};
  r.pos = POS(p);
  r.ty = ty(p);
  wit_push(p->cx, &f->results, &f->nresults, &r, sizeof r);
  f->results_kind = LOAM_WIT_RESULTS_ANON;
}

/* `name: func(...) ...;` */
static wit_func named_func(parser *p, wit_meta m) {
  wit_func f = {0};
  f.meta = m;
  f.name = name(p, &f.pos);
  expect(p, TK_COLON);
  f.kind = LOAM_WIT_FUNC_FREESTANDING;
  func_sig(p, &f);
  expect(p, TK_SEMI);
  return f;
}

/* ---- type definitions ----------------------------------------------------- */

/* `{ a: T, b: U }` (with_types) or `{ a, b }`; cases (variant) have
 * optional `(T)` payloads. */
enum { FIELDS_TYPED, FIELDS_CASES, FIELDS_LABELS };

static void fields(parser *p, wit_typedef *d, int how) {
  expect(p, TK_LBRACE);
  while (TOK(p) != TK_RBRACE) {
    wit_field f = {0};
    f.docs = p->lx.docs;
    f.name = name(p, &f.pos);
    if (how == FIELDS_TYPED) {
      expect(p, TK_COLON);
      f.ty = ty(p);
    } else if (how == FIELDS_CASES && eat(p, TK_LPAREN)) {
      f.ty = ty(p);
      expect(p, TK_RPAREN);
    }
    wit_push(p->cx, &d->fields, &d->nfields, &f, sizeof f);
    if (!eat(p, TK_COMMA)) break;
  }
  expect(p, TK_RBRACE);
}

static void resource_body(parser *p, wit_typedef *d) {
  if (eat(p, TK_SEMI)) return;
  expect(p, TK_LBRACE);
  while (TOK(p) != TK_RBRACE) {
    wit_meta m = meta(p);
    wit_func f = {0};
    f.meta = m;
    if (is_kw(p, "constructor")) {
      f.pos = POS(p);
      f.name = "constructor";
      f.kind = LOAM_WIT_FUNC_CONSTRUCTOR;
      next(p);
      params(p, &f.params, &f.nparams);
      if (TOK(p) == TK_ARROW)
        wit_fail(p->cx, POS(p), "constructors with results are not supported");
      expect(p, TK_SEMI);
    } else {
      f.name = name(p, &f.pos);
      expect(p, TK_COLON);
      f.kind = eat_kw(p, "static") ? LOAM_WIT_FUNC_STATIC : LOAM_WIT_FUNC_METHOD;
      func_sig(p, &f);
      expect(p, TK_SEMI);
    }
    wit_push(p->cx, &d->funcs, &d->nfuncs, &f, sizeof f);
  }
  expect(p, TK_RBRACE);
}

/* A type definition if the current token starts one; false otherwise. */
static bool typedef_item(parser *p, wit_meta m, wit_typedef **arr, uint32_t *n) {
  wit_typedef d = {0};
  d.meta = m;
  if (eat_kw(p, "type")) {
    d.kind = WD_ALIAS;
    d.name = name(p, &d.pos);
    expect(p, TK_EQ);
    d.alias = ty(p);
    expect(p, TK_SEMI);
  } else if (eat_kw(p, "record")) {
    d.kind = WD_RECORD;
    d.name = name(p, &d.pos);
    fields(p, &d, FIELDS_TYPED);
  } else if (eat_kw(p, "variant")) {
    d.kind = WD_VARIANT;
    d.name = name(p, &d.pos);
    fields(p, &d, FIELDS_CASES);
  } else if (eat_kw(p, "enum")) {
    d.kind = WD_ENUM;
    d.name = name(p, &d.pos);
    fields(p, &d, FIELDS_LABELS);
  } else if (eat_kw(p, "flags")) {
    d.kind = WD_FLAGS;
    d.name = name(p, &d.pos);
    fields(p, &d, FIELDS_LABELS);
  } else if (eat_kw(p, "resource")) {
    d.kind = WD_RESOURCE;
    d.name = name(p, &d.pos);
    resource_body(p, &d);
  } else {
    return false;
  }
  wit_push(p->cx, arr, n, &d, sizeof d);
  return true;
}

/* ---- paths and use -------------------------------------------------------- */

/* `name` or `ns:pkg/name[@version]`. */
static wit_path path(parser *p) {
  wit_path r = {0};
  const char *first = name(p, &r.pos);
  if (!eat(p, TK_COLON)) {
    r.name = first;
    return r;
  }
  r.ns = first;
  r.pkg = name(p, NULL);
  expect(p, TK_SLASH);
  r.name = name(p, NULL);
  if (TOK(p) == TK_AT) r.version = wit_lex_version(&p->lx);
  return r;
}

/* `use path.{a, b as c};` inside an interface or world (after `use`). */
static void use_item(parser *p, wit_meta m, wit_use **arr, uint32_t *n) {
  wit_use u = {0};
  u.meta = m;
  u.path = path(p);
  expect(p, TK_DOT);
  expect(p, TK_LBRACE);
  while (TOK(p) != TK_RBRACE) {
    wit_usename un = {0};
    un.name = name(p, &un.pos);
    if (eat_kw(p, "as")) un.as = name(p, NULL);
    wit_push(p->cx, &u.names, &u.nnames, &un, sizeof un);
    if (!eat(p, TK_COMMA)) break;
  }
  expect(p, TK_RBRACE);
  expect(p, TK_SEMI);
  if (!u.nnames) wit_fail(p->cx, u.path.pos, "`use` names nothing");
  wit_push(p->cx, arr, n, &u, sizeof u);
}

/* ---- interfaces and worlds ------------------------------------------------ */

/* True if the current token is followed by ':' (a function named by a
 * keyword without '%', which name() then reports). */
static bool before_colon(parser *p) {
  if (TOK(p) != TK_ID) return false;
  wit_lexer save = p->lx;
  next(p);
  bool colon = TOK(p) == TK_COLON;
  p->lx = save;
  return colon;
}

static void iface_body(parser *p, wit_iface *it) {
  expect(p, TK_LBRACE);
  while (TOK(p) != TK_RBRACE) {
    wit_meta m = meta(p);
    if (before_colon(p)) {
      wit_func f = named_func(p, m);
      wit_push(p->cx, &it->funcs, &it->nfuncs, &f, sizeof f);
    } else if (eat_kw(p, "use")) {
      use_item(p, m, &it->uses, &it->nuses);
    } else if (!typedef_item(p, m, &it->types, &it->ntypes)) {
      if (TOK(p) != TK_ID) unexpected(p, "an interface item");
      wit_func f = named_func(p, m);
      wit_push(p->cx, &it->funcs, &it->nfuncs, &f, sizeof f);
    }
  }
  expect(p, TK_RBRACE);
}

/* After `import`/`export`: `name: func...;`, `name: interface {...}` or a path. */
static void extern_item(parser *p, wit_world *w, wit_meta m, bool is_export) {
  wit_item it = {0};
  it.meta = m;
  it.is_export = is_export;
  it.pos = POS(p);
  if (TOK(p) != TK_ID) unexpected(p, "a name or interface path");
  /* `name:` followed by `func`/`interface` is a named item; else a path. */
  wit_lexer save = p->lx;
  const char *first = name(p, NULL);
  if (TOK(p) == TK_COLON) {
    next(p);
    if (is_kw(p, "func") || is_kw(p, "async")) {
      it.kind = WI_FUNC;
      it.name = first;
      it.func = wit_new(p->cx, sizeof *it.func);
      it.func->name = first;
      it.func->pos = it.pos;
      it.func->meta = m;
      func_sig(p, it.func);
      expect(p, TK_SEMI);
      wit_push(p->cx, &w->items, &w->nitems, &it, sizeof it);
      return;
    }
    if (eat_kw(p, "interface")) {
      it.kind = WI_INLINE;
      it.name = first;
      it.iface = wit_new(p->cx, sizeof *it.iface);
      it.iface->pos = it.pos;
      it.iface->file = p->file;
      it.iface->meta = m;
      iface_body(p, it.iface);
      wit_push(p->cx, &w->items, &w->nitems, &it, sizeof it);
      return;
    }
  }
  p->lx = save;   /* re-read as a path: the lexer state is a plain value */
  it.kind = WI_PATH;
  it.path = path(p);
  expect(p, TK_SEMI);
  wit_push(p->cx, &w->items, &w->nitems, &it, sizeof it);
}

static void world_body(parser *p, wit_world *w) {
  expect(p, TK_LBRACE);
  while (TOK(p) != TK_RBRACE) {
    wit_meta m = meta(p);
    if (eat_kw(p, "use")) {
      use_item(p, m, &w->uses, &w->nuses);
    } else if (eat_kw(p, "import")) {
      extern_item(p, w, m, false);
    } else if (eat_kw(p, "export")) {
      extern_item(p, w, m, true);
    } else if (eat_kw(p, "include")) {
      wit_include inc = {0};
      inc.meta = m;
      inc.path = path(p);
      if (eat_kw(p, "with")) {
        expect(p, TK_LBRACE);
        while (TOK(p) != TK_RBRACE) {
          wit_usename un = {0};
          un.name = name(p, &un.pos);
          expect_kw(p, "as");
          un.as = name(p, NULL);
          wit_push(p->cx, &inc.renames, &inc.nrenames, &un, sizeof un);
          if (!eat(p, TK_COMMA)) break;
        }
        expect(p, TK_RBRACE);
      }
      expect(p, TK_SEMI);
      wit_push(p->cx, &w->includes, &w->nincludes, &inc, sizeof inc);
    } else if (!typedef_item(p, m, &w->types, &w->ntypes)) {
      unexpected(p, "`use`, `import`, `export`, `include` or a type definition");
    }
  }
  expect(p, TK_RBRACE);
}

/* ---- packages ------------------------------------------------------------- */

/* `ns:name[@version]` after `package`. */
static void package_name(parser *p, wit_package *pk) {
  pk->pos = POS(p);
  pk->ns = name(p, NULL);
  expect(p, TK_COLON);
  pk->name = name(p, NULL);
  if (TOK(p) == TK_AT) pk->version = wit_lex_version(&p->lx);
}

/* One item of a package body; false at a token that cannot start one. */
static bool package_item(parser *p, wit_package *pk, wit_meta m) {
  if (eat_kw(p, "interface")) {
    wit_iface it = {0};
    it.meta = m;
    it.file = p->file;
    it.name = name(p, &it.pos);
    iface_body(p, &it);
    wit_push(p->cx, &pk->ifaces, &pk->nifaces, &it, sizeof it);
  } else if (eat_kw(p, "world")) {
    wit_world w = {0};
    w.meta = m;
    w.file = p->file;
    w.name = name(p, &w.pos);
    world_body(p, &w);
    wit_push(p->cx, &pk->worlds, &pk->nworlds, &w, sizeof w);
  } else if (eat_kw(p, "use")) {
    wit_topuse u = {0};
    u.file = p->file;
    u.path = path(p);
    if (eat_kw(p, "as")) u.as = name(p, NULL);
    expect(p, TK_SEMI);
    wit_push(p->cx, &pk->topuses, &pk->ntopuses, &u, sizeof u);
  } else {
    return false;
  }
  return true;
}

static void merge_header(parser *p, wit_package *root, const wit_package *hdr) {
  if (!root->ns) {
    root->ns = hdr->ns;
    root->name = hdr->name;
    root->version = hdr->version;
    root->pos = hdr->pos;
    return;
  }
  bool same = !strcmp(root->ns, hdr->ns) && !strcmp(root->name, hdr->name) &&
              (root->version ? hdr->version && !strcmp(root->version, hdr->version)
                             : !hdr->version);
  if (!same)
    wit_fail(p->cx, hdr->pos,
             "package `%s:%s%s%s` differs from `%s:%s%s%s` declared at %s:%u:%u: "
             "all files of a directory must declare the same package",
             hdr->ns, hdr->name, hdr->version ? "@" : "", hdr->version ? hdr->version : "",
             root->ns, root->name, root->version ? "@" : "",
             root->version ? root->version : "", root->pos.file, root->pos.line,
             root->pos.col);
}

void wit_parse_file(wit_ctx *cx, const char *file, uint32_t file_index,
                    const char *text, size_t len, wit_package *root,
                    wit_package **nested, uint32_t *nnested) {
  parser p = {0};
  p.cx = cx;
  p.file = file_index;
  wit_lex_init(&p.lx, cx, file, text, len);
  bool first = true;
  while (TOK(&p) != TK_EOF) {
    wit_meta m = meta(&p);
    if (eat_kw(&p, "package")) {
      wit_package hdr = {0};
      hdr.meta = m;
      package_name(&p, &hdr);
      if (first && eat(&p, TK_SEMI)) {
        merge_header(&p, root, &hdr);
        if (m.docs && !root->meta.docs) root->meta = m;
      } else {
        expect(&p, TK_LBRACE);
        while (TOK(&p) != TK_RBRACE) {
          wit_meta im = meta(&p);
          if (!package_item(&p, &hdr, im)) unexpected(&p, "`interface` or `world`");
        }
        expect(&p, TK_RBRACE);
        wit_push(cx, nested, nnested, &hdr, sizeof hdr);
      }
    } else if (!package_item(&p, root, m)) {
      unexpected(&p, "`package`, `interface`, `world` or `use`");
    }
    first = false;
  }
}
