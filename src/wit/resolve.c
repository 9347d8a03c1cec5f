/* resolve.c — turns parsed WIT packages into the resolved model of
 * loam/wit.h: packages in dependency order, names looked up, types built in
 * the model's loam_typectx, cycles and duplicates reported with positions. */
#include "util/strdist.h"
#include "wit/ast.h"
#include "wit/resolve.h"
#include <string.h>

/* ---- per-package and per-item resolution state ---------------------------- */

enum { TODO, BUSY, DONE };

typedef struct r_pkg r_pkg;

typedef struct r_iface {
  wit_iface *src;
  loam_wit_interface *out;
  r_pkg *pkg;
  int state;
} r_iface;

typedef struct r_world {
  wit_world *src;
  loam_wit_world *out;
  r_pkg *pkg;
  int state;
} r_world;

struct r_pkg {
  wit_package *src;
  loam_wit_package *out;
  const char *id;
  r_iface *ifaces;
  r_world *worlds;
  int state;         /* for ordering packages */
  uint32_t order;
};

typedef struct resolver {
  wit_ctx *cx;
  loam_wit *w;
  r_pkg *pkgs;
  uint32_t npkgs;
  unsigned depth;
} resolver;

/* One name in an interface or world scope while its types are built. */
typedef struct r_name {
  const char *name;
  wit_pos pos;
  wit_typedef *def;          /* NULL for names brought in by `use` */
  int state;
  loam_wit_typedef out;
} r_name;

typedef struct scope {
  r_pkg *pkg;
  uint32_t file;
  const char *owner;         /* interface id written into types' owner */
  uint32_t n;
  r_name *names;
} scope;

static void *chk(resolver *r, const void *p) {
  if (!p) wit_oom(r->cx);
  return (void *)p;
}

static void enter(resolver *r, wit_pos pos) {
  if (++r->depth > WIT_MAX_RESOLVE_DEPTH)
    wit_fail(r->cx, pos, "definitions nested more than %d deep", WIT_MAX_RESOLVE_DEPTH);
}

/* ---- suggestions ---------------------------------------------------------- */

/* " (did you mean `x`?)" for the closest candidate within a small edit
 * distance, else "". */
typedef struct suggest {
  const char *name, *best;
  size_t dist;
} suggest;

static void consider(suggest *s, const char *cand) {
  if (!cand) return;
  size_t d = loam_edit_distance(s->name, cand);
  size_t limit = strlen(s->name) / 3 + 1;
  if (d <= limit && d < s->dist) {
    s->dist = d;
    s->best = cand;
  }
}

static const char *hint(resolver *r, const suggest *s) {
  if (!s->best) return "";
  return chk(r, wit_arena_printf(r->cx->arena, " (did you mean `%s`?)", s->best));
}

/* ---- packages ------------------------------------------------------------- */

static const char *pkg_id(resolver *r, const char *ns, const char *name,
                          const char *version) {
  return chk(r, wit_arena_printf(r->cx->arena, "%s:%s%s%s", ns, name,
                                 version ? "@" : "", version ? version : ""));
}

/* The package a path names; a path without a version matches the only
 * version present. */
static r_pkg *find_pkg(resolver *r, const wit_path *p) {
  r_pkg *only = NULL;
  unsigned count = 0;
  for (uint32_t i = 0; i < r->npkgs; i++) {
    wit_package *s = r->pkgs[i].src;
    if (strcmp(s->ns, p->ns) || strcmp(s->name, p->pkg)) continue;
    if (p->version && s->version && !strcmp(p->version, s->version))
      return &r->pkgs[i];
    if (!p->version && !s->version) return &r->pkgs[i];
    if (!p->version) {
      only = &r->pkgs[i];
      count++;
    }
  }
  if (count == 1) return only;
  suggest s = {pkg_id(r, p->ns, p->pkg, p->version), NULL, 99};
  for (uint32_t i = 0; i < r->npkgs; i++) consider(&s, r->pkgs[i].id);
  wit_fail(r->cx, p->pos, "unknown package `%s`%s%s", s.name, hint(r, &s),
           count > 1 ? ": several versions are present, name one" : "");
}

static void order_pkg(resolver *r, r_pkg *pk, uint32_t *next, const char *via);

static void order_path(resolver *r, r_pkg *pk, const wit_path *p, uint32_t *next) {
  if (!p->ns) return;
  r_pkg *dep = find_pkg(r, p);
  if (dep == pk) return;
  if (dep->state == BUSY)
    wit_fail(r->cx, p->pos, "package `%s` depends on itself through `%s`",
             dep->id, pk->id);
  if (dep->state == TODO) {
    enter(r, p->pos);
    order_pkg(r, dep, next, pk->id);
    r->depth--;
  }
}

static void order_uses(resolver *r, r_pkg *pk, wit_use *u, uint32_t n, uint32_t *next) {
  for (uint32_t i = 0; i < n; i++) order_path(r, pk, &u[i].path, next);
}

static void order_iface(resolver *r, r_pkg *pk, wit_iface *it, uint32_t *next) {
  order_uses(r, pk, it->uses, it->nuses, next);
}

/* Depth-first: every package a package refers to gets a smaller order. */
static void order_pkg(resolver *r, r_pkg *pk, uint32_t *next, const char *via) {
  (void)via;
  wit_package *s = pk->src;
  pk->state = BUSY;
  for (uint32_t i = 0; i < s->ntopuses; i++) order_path(r, pk, &s->topuses[i].path, next);
  for (uint32_t i = 0; i < s->nifaces; i++) order_iface(r, pk, &s->ifaces[i], next);
  for (uint32_t i = 0; i < s->nworlds; i++) {
    wit_world *w = &s->worlds[i];
    order_uses(r, pk, w->uses, w->nuses, next);
    for (uint32_t j = 0; j < w->nincludes; j++) order_path(r, pk, &w->includes[j].path, next);
    for (uint32_t j = 0; j < w->nitems; j++) {
      if (w->items[j].kind == WI_PATH) order_path(r, pk, &w->items[j].path, next);
      if (w->items[j].kind == WI_INLINE) order_iface(r, pk, w->items[j].iface, next);
    }
  }
  pk->state = DONE;
  pk->order = (*next)++;
}

/* ---- scopes and types ----------------------------------------------------- */

static r_name *lookup(scope *sc, const char *name) {
  for (uint32_t i = 0; i < sc->n; i++)
    if (!strcmp(sc->names[i].name, name)) return &sc->names[i];
  return NULL;
}

static void add_name(resolver *r, scope *sc, r_name *nm) {
  r_name *old = lookup(sc, nm->name);
  if (old)
    wit_fail(r->cx, nm->pos, "duplicate type `%s`: already defined at %s:%u:%u",
             nm->name, old->pos.file, old->pos.line, old->pos.col);
  wit_push(r->cx, &sc->names, &sc->n, nm, sizeof *nm);
}

static void resolve_def(resolver *r, scope *sc, r_name *nm);

/* The named type `name` at pos, resolving its definition first if needed. */
static const loam_type *named(resolver *r, scope *sc, const char *name, wit_pos pos) {
  r_name *nm = lookup(sc, name);
  if (!nm) {
    static const char *const prims[] = {"bool", "s8", "u8", "s16", "u16", "s32",
                                        "u32", "s64", "u64", "f32", "f64",
                                        "char", "string"};
    suggest s = {name, NULL, 99};
    for (uint32_t i = 0; i < sc->n; i++) consider(&s, sc->names[i].name);
    for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++) consider(&s, prims[i]);
    wit_fail(r->cx, pos, "unknown type `%s`%s", name, hint(r, &s));
  }
  if (nm->state == BUSY)
    wit_fail(r->cx, pos, "type `%s` refers to itself (a type cannot contain itself)",
             name);
  if (nm->state == TODO) {
    enter(r, pos);
    resolve_def(r, sc, nm);
    r->depth--;
  }
  return nm->out.type;
}

static const loam_type *resource_named(resolver *r, scope *sc, const char *name,
                                       wit_pos pos) {
  const loam_type *t = named(r, sc, name, pos);
  if (t->kind != LOAM_T_RESOURCE)
    wit_fail(r->cx, pos, "`%s` is not a resource: own<>/borrow<> need one", name);
  return t;
}

static const loam_type *resolve_ty_inner(resolver *r, scope *sc, const wit_ty *t);

static const loam_type *resolve_ty(resolver *r, scope *sc, const wit_ty *t) {
  enter(r, t->pos);
  const loam_type *res = resolve_ty_inner(r, sc, t);
  r->depth--;
  return res;
}

static const loam_type *resolve_ty_inner(resolver *r, scope *sc, const wit_ty *t) {
  loam_typectx *tc = r->w->types;
  switch (t->kind) {
  case WT_PRIM: return loam_type_prim(t->prim);
  case WT_NAME: {
    const loam_type *n = named(r, sc, t->name, t->pos);
    if (n->kind == LOAM_T_RESOURCE) return chk(r, loam_type_handle(tc, LOAM_T_OWN, n));
    return n;
  }
  case WT_LIST: return chk(r, loam_type_list(tc, resolve_ty(r, sc, t->a)));
  case WT_OPTION: return chk(r, loam_type_option(tc, resolve_ty(r, sc, t->a)));
  case WT_RESULT: {
    const loam_type *ok = t->a ? resolve_ty(r, sc, t->a) : NULL;
    const loam_type *err = t->b ? resolve_ty(r, sc, t->b) : NULL;
    return chk(r, loam_type_result(tc, ok, err));
  }
  case WT_TUPLE: {
    const loam_type **ts = wit_new(r->cx, (t->n ? t->n : 1) * sizeof *ts);
    for (uint32_t i = 0; i < t->n; i++) ts[i] = resolve_ty(r, sc, t->elems[i]);
    return chk(r, loam_type_tuple(tc, t->n, ts));
  }
  case WT_OWN:
  case WT_BORROW:
    return chk(r, loam_type_handle(tc, t->kind == WT_OWN ? LOAM_T_OWN : LOAM_T_BORROW,
                                   resource_named(r, sc, t->name, t->pos)));
  }
  wit_fail(r->cx, t->pos, "bad type");
}

static void check_labels(resolver *r, wit_typedef *d, const char *what) {
  for (uint32_t i = 0; i < d->nfields; i++)
    for (uint32_t j = 0; j < i; j++)
      if (!strcmp(d->fields[i].name, d->fields[j].name))
        wit_fail(r->cx, d->fields[i].pos, "duplicate %s `%s` in `%s`", what,
                 d->fields[i].name, d->name);
}

static const loam_type *build_def(resolver *r, scope *sc, r_name *nm) {
  loam_typectx *tc = r->w->types;
  wit_typedef *d = nm->def;
  uint32_t n = d->nfields;
  switch (d->kind) {
  case WD_ALIAS: {
    const loam_type *target = d->alias->kind == WT_NAME
                                  ? named(r, sc, d->alias->name, d->alias->pos)
                                  : resolve_ty(r, sc, d->alias);
    nm->out.alias_of = target;
    /* An alias of a resource is that resource: handles must keep its identity. */
    if (target->kind == LOAM_T_RESOURCE) return target;
    return chk(r, loam_type_alias(tc, d->name, target));
  }
  case WD_RECORD:
  case WD_VARIANT: {
    bool rec = d->kind == WD_RECORD;
    check_labels(r, d, rec ? "field" : "case");
    if (rec && !n) wit_fail(r->cx, d->pos, "record `%s` has no fields", d->name);
    if (!rec && !n) wit_fail(r->cx, d->pos, "variant `%s` has no cases", d->name);
    loam_field *fs = wit_new(r->cx, (n ? n : 1) * sizeof *fs);
    for (uint32_t i = 0; i < n; i++) {
      fs[i].name = d->fields[i].name;
      fs[i].type = d->fields[i].ty ? resolve_ty(r, sc, d->fields[i].ty) : NULL;
    }
    return chk(r, rec ? loam_type_record(tc, d->name, n, fs)
                      : loam_type_variant(tc, d->name, n, fs));
  }
  case WD_ENUM:
  case WD_FLAGS: {
    bool en = d->kind == WD_ENUM;
    check_labels(r, d, en ? "case" : "flag");
    if (en && !n) wit_fail(r->cx, d->pos, "enum `%s` has no cases", d->name);
    if (!en && n > 32) wit_fail(r->cx, d->pos, "flags `%s` has more than 32 flags", d->name);
    const char **ls = wit_new(r->cx, (n ? n : 1) * sizeof *ls);
    for (uint32_t i = 0; i < n; i++) ls[i] = d->fields[i].name;
    return chk(r, en ? loam_type_enum(tc, d->name, n, ls)
                     : loam_type_flags(tc, d->name, n, ls));
  }
  case WD_RESOURCE: return chk(r, loam_type_resource(tc, d->name));
  }
  wit_fail(r->cx, d->pos, "bad definition");
}

static const char *const *field_docs(resolver *r, const wit_typedef *d) {
  bool any = false;
  for (uint32_t i = 0; i < d->nfields; i++) any |= d->fields[i].docs != NULL;
  if (!any) return NULL;
  const char **docs = wit_new(r->cx, d->nfields * sizeof *docs);
  for (uint32_t i = 0; i < d->nfields; i++) docs[i] = d->fields[i].docs;
  return docs;
}

static void resolve_def(resolver *r, scope *sc, r_name *nm) {
  nm->state = BUSY;
  nm->out.field_docs = field_docs(r, nm->def);
  const loam_type *t = build_def(r, sc, nm);
  if (sc->owner && t != nm->out.alias_of && !loam_type_set_owner(r->w->types, t, sc->owner))
    wit_oom(r->cx);
  nm->out.type = t;
  nm->state = DONE;
}

/* ---- interfaces ----------------------------------------------------------- */

static const loam_wit_interface *iface_of_path(resolver *r, r_pkg *pk, uint32_t file,
                                               const wit_path *p);

static void use_names(resolver *r, scope *sc, wit_use *u) {
  const loam_wit_interface *from = iface_of_path(r, sc->pkg, sc->file, &u->path);
  for (uint32_t i = 0; i < u->nnames; i++) {
    wit_usename *un = &u->names[i];
    const loam_wit_typedef *td = loam_wit_find_type(from, un->name);
    if (!td) {
      suggest s = {un->name, NULL, 99};
      for (uint32_t j = 0; j < from->ntypes; j++) consider(&s, from->types[j].name);
      wit_fail(r->cx, un->pos, "type `%s` is not defined in interface `%s`%s",
               un->name, from->id ? from->id : "(inline)", hint(r, &s));
    }
    r_name nm = {0};
    nm.name = un->as ? un->as : un->name;
    nm.pos = un->pos;
    nm.state = DONE;
    nm.out.name = nm.name;
    nm.out.type = td->type;
    nm.out.used_from = from;
    nm.out.used_name = td->name;
    nm.out.meta = (loam_wit_meta){u->meta.docs, u->meta.ngates, u->meta.gates};
    add_name(r, sc, &nm);
  }
}

static loam_wit_meta out_meta(const wit_meta *m) {
  return (loam_wit_meta){m->docs, m->ngates, m->gates};
}

/* The names of a scope: `use`s, then definitions, all resolved. */
static void build_scope(resolver *r, scope *sc, wit_use *uses, uint32_t nuses,
                        wit_typedef *defs, uint32_t ndefs) {
  for (uint32_t i = 0; i < nuses; i++) use_names(r, sc, &uses[i]);
  uint32_t first = sc->n;
  for (uint32_t i = 0; i < ndefs; i++) {
    r_name nm = {0};
    nm.name = defs[i].name;
    nm.pos = defs[i].pos;
    nm.def = &defs[i];
    nm.out.name = defs[i].name;
    nm.out.meta = out_meta(&defs[i].meta);
    add_name(r, sc, &nm);
  }
  for (uint32_t i = first; i < sc->n; i++)
    if (sc->names[i].state == TODO) resolve_def(r, sc, &sc->names[i]);
}

static void scope_types(resolver *r, scope *sc, const loam_wit_typedef **out,
                        uint32_t *n) {
  loam_wit_typedef *ts = wit_new(r->cx, (sc->n ? sc->n : 1) * sizeof *ts);
  for (uint32_t i = 0; i < sc->n; i++) ts[i] = sc->names[i].out;
  *out = ts;
  *n = sc->n;
}

static void params_out(resolver *r, scope *sc, const wit_param *in, uint32_t n,
                       const char *what, loam_wit_param *out) {
  for (uint32_t i = 0; i < n; i++) {
    for (uint32_t j = 0; j < i; j++)
      if (in[i].name && !strcmp(in[i].name, in[j].name))
        wit_fail(r->cx, in[i].pos, "duplicate %s `%s`", what, in[i].name);
    out[i].name = in[i].name;
    out[i].type = resolve_ty(r, sc, in[i].ty);
  }
}

/* A function; `res` is the resource for the resource kinds. */
static loam_wit_func wit_resolve_func(resolver *r, scope *sc, const wit_func *f,
                               const loam_type *res) {
  loam_wit_func o = {0};
  loam_typectx *tc = r->w->types;
  o.name = f->name;
  o.kind = f->kind;
  o.is_async = f->is_async;
  o.resource = res;
  o.meta = out_meta(&f->meta);
  bool self = f->kind == LOAM_WIT_FUNC_METHOD;
  uint32_t np = f->nparams + self;
  loam_wit_param *ps = wit_new(r->cx, (np ? np : 1) * sizeof *ps);
  if (self) {
    ps[0].name = "self";
    ps[0].type = chk(r, loam_type_handle(tc, LOAM_T_BORROW, res));
    for (uint32_t i = 0; i < f->nparams; i++)
      if (!strcmp(f->params[i].name, "self"))
        wit_fail(r->cx, f->params[i].pos, "a method cannot have a parameter named `self`");
  }
  params_out(r, sc, f->params, f->nparams, "parameter", ps + self);
  o.params = ps;
  o.nparams = np;
  if (f->kind == LOAM_WIT_FUNC_CONSTRUCTOR) {
    loam_wit_param *rs = wit_new(r->cx, sizeof *rs);
    rs[0].type = chk(r, loam_type_handle(tc, LOAM_T_OWN, res));
    o.results = rs;
    o.nresults = 1;
    o.results_kind = LOAM_WIT_RESULTS_ANON;
  } else {
    loam_wit_param *rs = wit_new(r->cx, (f->nresults ? f->nresults : 1) * sizeof *rs);
    params_out(r, sc, f->results, f->nresults, "result", rs);
    o.results = rs;
    o.nresults = f->nresults;
    o.results_kind = f->results_kind;
  }
  switch (f->kind) {
  case LOAM_WIT_FUNC_FREESTANDING: o.core_name = f->name; break;
  case LOAM_WIT_FUNC_CONSTRUCTOR:
    o.core_name = chk(r, wit_arena_printf(r->cx->arena, "[constructor]%s", res->name));
    break;
  case LOAM_WIT_FUNC_METHOD:
    o.core_name = chk(r, wit_arena_printf(r->cx->arena, "[method]%s.%s", res->name, f->name));
    break;
  case LOAM_WIT_FUNC_STATIC:
    o.core_name = chk(r, wit_arena_printf(r->cx->arena, "[static]%s.%s", res->name, f->name));
    break;
  }
  return o;
}

static void add_func(resolver *r, loam_wit_func **arr, uint32_t *n, loam_wit_func f,
                     wit_pos pos) {
  for (uint32_t i = 0; i < *n; i++)
    if ((*arr)[i].resource == f.resource && !strcmp((*arr)[i].name, f.name))
      wit_fail(r->cx, pos, "duplicate function `%s`", f.name);
  wit_push(r->cx, arr, n, &f, sizeof f);
}

/* The functions of the resources among defs, after the scope is built. */
static void resource_funcs(resolver *r, scope *sc, wit_typedef *defs, uint32_t n,
                           loam_wit_func **fs, uint32_t *nf) {
  for (uint32_t i = 0; i < n; i++) {
    wit_typedef *d = &defs[i];
    if (d->kind != WD_RESOURCE) continue;
    const loam_type *res = lookup(sc, d->name)->out.type;
    for (uint32_t j = 0; j < d->nfuncs; j++)
      add_func(r, fs, nf, wit_resolve_func(r, sc, &d->funcs[j], res), d->funcs[j].pos);
  }
}

static void fill_iface(resolver *r, r_pkg *pk, wit_iface *src, loam_wit_interface *out) {
  scope sc = {pk, src->file, out->id, 0, NULL};
  build_scope(r, &sc, src->uses, src->nuses, src->types, src->ntypes);
  scope_types(r, &sc, &out->types, &out->ntypes);
  loam_wit_func *fs = NULL;
  uint32_t nf = 0;
  for (uint32_t i = 0; i < src->nfuncs; i++) {
    wit_func *f = &src->funcs[i];
    r_name *clash = lookup(&sc, f->name);
    if (clash)
      wit_fail(r->cx, f->pos, "duplicate name `%s`: a type of that name is defined at %s:%u:%u",
               f->name, clash->pos.file, clash->pos.line, clash->pos.col);
    add_func(r, &fs, &nf, wit_resolve_func(r, &sc, f, NULL), f->pos);
  }
  resource_funcs(r, &sc, src->types, src->ntypes, &fs, &nf);
  out->funcs = fs;
  out->nfuncs = nf;
  out->meta = out_meta(&src->meta);
}

static void resolve_iface(resolver *r, r_iface *ri, wit_pos at) {
  if (ri->state == DONE) return;
  if (ri->state == BUSY)
    wit_fail(r->cx, at, "interface `%s` uses itself (a cycle of `use` between interfaces)",
             ri->src->name);
  enter(r, at);
  ri->state = BUSY;
  fill_iface(r, ri->pkg, ri->src, ri->out);
  ri->state = DONE;
  r->depth--;
}

static r_iface *local_iface(r_pkg *pk, const char *name) {
  for (uint32_t i = 0; i < pk->src->nifaces; i++)
    if (!strcmp(pk->src->ifaces[i].name, name)) return &pk->ifaces[i];
  return NULL;
}

static const loam_wit_interface *iface_in_pkg(resolver *r, r_pkg *pk, const char *name,
                                              wit_pos pos) {
  r_iface *ri = local_iface(pk, name);
  if (!ri) {
    suggest s = {name, NULL, 99};
    for (uint32_t i = 0; i < pk->src->nifaces; i++) consider(&s, pk->src->ifaces[i].name);
    wit_fail(r->cx, pos, "interface `%s` not found in package `%s`%s", name, pk->id,
             hint(r, &s));
  }
  resolve_iface(r, ri, pos);
  return ri->out;
}

static const loam_wit_interface *iface_of_path(resolver *r, r_pkg *pk, uint32_t file,
                                               const wit_path *p) {
  if (p->ns) return iface_in_pkg(r, find_pkg(r, p), p->name, p->pos);
  if (local_iface(pk, p->name)) return iface_in_pkg(r, pk, p->name, p->pos);
  for (uint32_t i = 0; i < pk->src->ntopuses; i++) {
    wit_topuse *u = &pk->src->topuses[i];
    const char *as = u->as ? u->as : u->path.name;
    if (u->file == file && !strcmp(as, p->name))
      return iface_of_path(r, pk, file, &u->path);
  }
  suggest s = {p->name, NULL, 99};
  for (uint32_t i = 0; i < pk->src->nifaces; i++) consider(&s, pk->src->ifaces[i].name);
  wit_fail(r->cx, p->pos, "unknown interface `%s`%s", p->name, hint(r, &s));
}

/* ---- worlds --------------------------------------------------------------- */

static void resolve_world(resolver *r, r_world *rw, wit_pos at);

static r_world *world_of_path(resolver *r, r_pkg *pk, const wit_path *p) {
  r_pkg *in = p->ns ? find_pkg(r, p) : pk;
  for (uint32_t i = 0; i < in->src->nworlds; i++)
    if (!strcmp(in->src->worlds[i].name, p->name)) return &in->worlds[i];
  suggest s = {p->name, NULL, 99};
  for (uint32_t i = 0; i < in->src->nworlds; i++) consider(&s, in->src->worlds[i].name);
  wit_fail(r->cx, p->pos, "world `%s` not found in package `%s`%s", p->name, in->id,
           hint(r, &s));
}

static void add_item(resolver *r, loam_wit_item **arr, uint32_t *n, loam_wit_item it,
                     wit_pos pos, bool quiet_same) {
  for (uint32_t i = 0; i < *n; i++) {
    if (strcmp((*arr)[i].name, it.name)) continue;
    if (quiet_same && (*arr)[i].iface && (*arr)[i].iface == it.iface) return;
    wit_fail(r->cx, pos, "duplicate %s `%s` in world", it.kind == LOAM_WIT_ITEM_FUNCTION
             ? "function" : "interface", it.name);
  }
  wit_push(r->cx, arr, n, &it, sizeof it);
}

static void world_items(resolver *r, r_world *rw, scope *sc, loam_wit_item **imps,
                        uint32_t *ni, loam_wit_item **exps, uint32_t *ne) {
  wit_world *src = rw->src;
  for (uint32_t i = 0; i < src->nitems; i++) {
    wit_item *wi = &src->items[i];
    loam_wit_item it = {0};
    it.meta = out_meta(&wi->meta);
    if (wi->kind == WI_PATH) {
      it.kind = LOAM_WIT_ITEM_INTERFACE;
      it.iface = iface_of_path(r, rw->pkg, src->file, &wi->path);
      it.name = it.iface->id;
    } else if (wi->kind == WI_FUNC) {
      it.kind = LOAM_WIT_ITEM_FUNCTION;
      it.name = wi->name;
      loam_wit_func *f = wit_new(r->cx, sizeof *f);
      *f = wit_resolve_func(r, sc, wi->func, NULL);
      it.func = f;
    } else {
      it.kind = LOAM_WIT_ITEM_INTERFACE;
      it.name = wi->name;
      loam_wit_interface *in = wit_new(r->cx, sizeof *in);
      in->package = rw->pkg->out;
      fill_iface(r, rw->pkg, wi->iface, in);
      it.iface = in;
    }
    if (wi->is_export) add_item(r, exps, ne, it, wi->pos, false);
    else add_item(r, imps, ni, it, wi->pos, false);
  }
}

/* An included item, renamed if `with` names it (marking the rename used). */
static loam_wit_item included(resolver *r, loam_wit_item it, const wit_include *inc,
                              bool *used) {
  it.from_include = true;
  bool plain = it.kind == LOAM_WIT_ITEM_FUNCTION || !it.iface->name;
  for (uint32_t k = 0; plain && k < inc->nrenames; k++) {
    if (strcmp(inc->renames[k].name, it.name)) continue;
    used[k] = true;
    it.name = inc->renames[k].as;
    if (it.func) {
      loam_wit_func *f = wit_new(r->cx, sizeof *f);
      *f = *it.func;
      f->name = f->core_name = it.name;
      it.func = f;
    }
  }
  return it;
}

static void include_one(resolver *r, r_world *rw, const wit_include *inc,
                        const loam_wit_world *other, loam_wit_item **imps, uint32_t *ni,
                        loam_wit_item **exps, uint32_t *ne) {
  bool *used = wit_new(r->cx, (inc->nrenames + 1) * sizeof *used);
  for (uint32_t j = 0; j < other->nimports; j++)
    add_item(r, imps, ni, included(r, other->imports[j], inc, used), inc->path.pos, true);
  for (uint32_t j = 0; j < other->nexports; j++)
    add_item(r, exps, ne, included(r, other->exports[j], inc, used), inc->path.pos, true);
  for (uint32_t k = 0; k < inc->nrenames; k++)
    if (!used[k])
      wit_fail(r->cx, inc->renames[k].pos,
               "`%s` is not a function or inline interface of world `%s`",
               inc->renames[k].name, other->name);
  (void)rw;
}

static void include_worlds(resolver *r, r_world *rw, loam_wit_item **imps, uint32_t *ni,
                           loam_wit_item **exps, uint32_t *ne) {
  wit_world *src = rw->src;
  uint32_t n = src->nincludes;
  const loam_wit_world **incs = wit_new(r->cx, (n ? n : 1) * sizeof *incs);
  loam_wit_include_with *with = wit_new(r->cx, (n ? n : 1) * sizeof *with);
  for (uint32_t i = 0; i < n; i++) {
    const wit_include *inc = &src->includes[i];
    r_world *other = world_of_path(r, rw->pkg, &inc->path);
    resolve_world(r, other, inc->path.pos);
    incs[i] = other->out;
    include_one(r, rw, inc, other->out, imps, ni, exps, ne);
    loam_wit_rename *rn = wit_new(r->cx, (inc->nrenames + 1) * sizeof *rn);
    for (uint32_t k = 0; k < inc->nrenames; k++)
      rn[k] = (loam_wit_rename){inc->renames[k].name, inc->renames[k].as};
    with[i] = (loam_wit_include_with){inc->nrenames, rn};
  }
  rw->out->includes = incs;
  rw->out->include_with = with;
  rw->out->nincludes = n;
}

static void resolve_world(resolver *r, r_world *rw, wit_pos at) {
  if (rw->state == DONE) return;
  if (rw->state == BUSY)
    wit_fail(r->cx, at, "world `%s` includes itself", rw->src->name);
  enter(r, at);
  rw->state = BUSY;
  loam_wit_world *out = rw->out;
  scope sc = {rw->pkg, rw->src->file, out->id, 0, NULL};
  build_scope(r, &sc, rw->src->uses, rw->src->nuses, rw->src->types, rw->src->ntypes);
  scope_types(r, &sc, &out->types, &out->ntypes);
  loam_wit_func *fs = NULL;
  uint32_t nf = 0;
  resource_funcs(r, &sc, rw->src->types, rw->src->ntypes, &fs, &nf);
  out->funcs = fs;
  out->nfuncs = nf;
  loam_wit_item *imps = NULL, *exps = NULL;
  uint32_t ni = 0, ne = 0;
  world_items(r, rw, &sc, &imps, &ni, &exps, &ne);
  include_worlds(r, rw, &imps, &ni, &exps, &ne);
  out->imports = imps;
  out->nimports = ni;
  out->exports = exps;
  out->nexports = ne;
  out->meta = out_meta(&rw->src->meta);
  rw->state = DONE;
  r->depth--;
}

/* ---- packages, in dependency order ---------------------------------------- */

static void check_unique(resolver *r, r_pkg *pk) {
  wit_package *s = pk->src;
  for (uint32_t i = 0; i < s->nifaces; i++)
    for (uint32_t j = 0; j < i; j++)
      if (!strcmp(s->ifaces[i].name, s->ifaces[j].name))
        wit_fail(r->cx, s->ifaces[i].pos, "duplicate interface `%s` in package `%s`",
                 s->ifaces[i].name, pk->id);
  for (uint32_t i = 0; i < s->nworlds; i++) {
    for (uint32_t j = 0; j < i; j++)
      if (!strcmp(s->worlds[i].name, s->worlds[j].name))
        wit_fail(r->cx, s->worlds[i].pos, "duplicate world `%s` in package `%s`",
                 s->worlds[i].name, pk->id);
    for (uint32_t j = 0; j < s->nifaces; j++)
      if (!strcmp(s->worlds[i].name, s->ifaces[j].name))
        wit_fail(r->cx, s->worlds[i].pos,
                 "world `%s` has the name of an interface in package `%s`",
                 s->worlds[i].name, pk->id);
  }
}

static void setup_pkg(resolver *r, r_pkg *pk) {
  wit_package *s = pk->src;
  loam_wit_package *out = wit_new(r->cx, sizeof *out);
  out->ns = s->ns;
  out->name = s->name;
  out->version = s->version;
  out->id = pk->id;
  out->meta = out_meta(&s->meta);
  pk->out = out;
  pk->ifaces = wit_new(r->cx, (s->nifaces + 1) * sizeof *pk->ifaces);
  pk->worlds = wit_new(r->cx, (s->nworlds + 1) * sizeof *pk->worlds);
  const loam_wit_interface **is = wit_new(r->cx, (s->nifaces + 1) * sizeof *is);
  const loam_wit_world **ws = wit_new(r->cx, (s->nworlds + 1) * sizeof *ws);
  for (uint32_t i = 0; i < s->nifaces; i++) {
    loam_wit_interface *in = wit_new(r->cx, sizeof *in);
    in->name = s->ifaces[i].name;
    in->package = out;
    in->id = chk(r, wit_arena_printf(r->cx->arena, "%s:%s/%s%s%s", s->ns, s->name,
                                     in->name, s->version ? "@" : "",
                                     s->version ? s->version : ""));
    pk->ifaces[i] = (r_iface){&s->ifaces[i], in, pk, TODO};
    is[i] = in;
  }
  for (uint32_t i = 0; i < s->nworlds; i++) {
    loam_wit_world *w = wit_new(r->cx, sizeof *w);
    w->name = s->worlds[i].name;
    w->package = out;
    w->id = chk(r, wit_arena_printf(r->cx->arena, "%s:%s/%s%s%s", s->ns, s->name,
                                    w->name, s->version ? "@" : "",
                                    s->version ? s->version : ""));
    pk->worlds[i] = (r_world){&s->worlds[i], w, pk, TODO};
    ws[i] = w;
  }
  out->interfaces = is;
  out->ninterfaces = s->nifaces;
  out->worlds = ws;
  out->nworlds = s->nworlds;
}

static void resolve_pkg(resolver *r, r_pkg *pk) {
  for (uint32_t i = 0; i < pk->src->ntopuses; i++) {
    wit_topuse *u = &pk->src->topuses[i];
    iface_of_path(r, pk, u->file, &u->path);
  }
  for (uint32_t i = 0; i < pk->src->nifaces; i++)
    resolve_iface(r, &pk->ifaces[i], pk->src->ifaces[i].pos);
  for (uint32_t i = 0; i < pk->src->nworlds; i++)
    resolve_world(r, &pk->worlds[i], pk->src->worlds[i].pos);
}

void wit_resolve(wit_ctx *cx, loam_wit *w, wit_package *pkgs, uint32_t npkgs,
                 uint32_t root_index) {
  resolver r = {cx, w, NULL, npkgs, 0};
  r.pkgs = wit_new(cx, (npkgs + 1) * sizeof *r.pkgs);
  for (uint32_t i = 0; i < npkgs; i++) {
    r_pkg *pk = &r.pkgs[i];
    pk->src = &pkgs[i];
    if (!pkgs[i].ns)
      wit_fail(cx, pkgs[i].pos, "no `package ns:name;` declaration for these files");
    pk->id = pkg_id(&r, pkgs[i].ns, pkgs[i].name, pkgs[i].version);
    for (uint32_t j = 0; j < i; j++)
      if (!strcmp(r.pkgs[j].id, pk->id))
        wit_fail(cx, pkgs[i].pos, "duplicate package `%s`: also declared at %s:%u:%u",
                 pk->id, pkgs[j].pos.file, pkgs[j].pos.line, pkgs[j].pos.col);
    check_unique(&r, pk);
    setup_pkg(&r, pk);
  }
  uint32_t next = 0;
  /* The root first, so that unknown packages are reported where it uses them. */
  order_pkg(&r, &r.pkgs[root_index], &next, NULL);
  for (uint32_t i = 0; i < npkgs; i++)
    if (r.pkgs[i].state == TODO) order_pkg(&r, &r.pkgs[i], &next, NULL);
  const loam_wit_package **ordered = wit_new(cx, (npkgs + 1) * sizeof *ordered);
  r_pkg **byorder = wit_new(cx, (npkgs + 1) * sizeof *byorder);
  for (uint32_t i = 0; i < npkgs; i++) byorder[r.pkgs[i].order] = &r.pkgs[i];
  for (uint32_t i = 0; i < npkgs; i++) {
    resolve_pkg(&r, byorder[i]);
    ordered[i] = byorder[i]->out;
  }
  w->packages = ordered;
  w->npackages = npkgs;
  w->root = r.pkgs[root_index].out;
}
