/* print.c — writes a resolved WIT model back as WIT text that resolves to
 * the same model (loam wit print). */
#include "wit/ast.h"
#include "wit/resolve.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct out {
  char *buf;
  size_t len, cap;
  bool oom;
  unsigned indent;
  /* the names in scope for type references: an interface's or world's */
  const loam_wit_typedef *scope;
  uint32_t nscope;
  const loam_wit_package *pkg;   /* the package being printed */
  /* --world filtering: only these interfaces and worlds, when filtering */
  bool filter;
  const void **keep;
  uint32_t nkeep, capkeep;
} out;

static void put(out *o, const char *s, size_t n) {
  if (o->oom) return;
  if (o->len + n + 1 > o->cap) {
    size_t cap = o->cap ? o->cap : 1024;
    while (cap < o->len + n + 1) cap *= 2;
    char *b = realloc(o->buf, cap);
    if (!b) {
      o->oom = true;
      return;
    }
    o->buf = b;
    o->cap = cap;
  }
  memcpy(o->buf + o->len, s, n);
  o->len += n;
  o->buf[o->len] = '\0';
}

static void puts_(out *o, const char *s) { put(o, s, strlen(s)); }

static void pad(out *o) {
  for (unsigned i = 0; i < o->indent; i++) puts_(o, "  ");
}

/* A name, %-escaped when it is a keyword. */
static void name(out *o, const char *s) {
  if (wit_is_keyword(s)) puts_(o, "%");
  puts_(o, s);
}

static void docs(out *o, const char *d) {
  if (!d) return;
  const char *s = d;
  for (;;) {
    const char *e = strchr(s, '\n');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    pad(o);
    puts_(o, n ? "/// " : "///");
    put(o, s, n);
    puts_(o, "\n");
    if (!e) break;
    s = e + 1;
  }
}

static void meta(out *o, const loam_wit_meta *m) {
  docs(o, m->docs);
  for (uint32_t i = 0; i < m->ngates; i++) {
    const loam_wit_gate *g = &m->gates[i];
    pad(o);
    static const char *const kinds[] = {"since", "unstable", "deprecated"};
    puts_(o, "@");
    puts_(o, kinds[g->kind]);
    puts_(o, "(");
    if (g->version) {
      puts_(o, "version = ");
      puts_(o, g->version);
      if (g->feature) puts_(o, ", ");
    }
    if (g->feature) {
      puts_(o, "feature = ");
      name(o, g->feature);
    }
    puts_(o, ")\n");
  }
}

/* ---- types ---------------------------------------------------------------- */

/* The local name of a named type in the current scope: the entry that
 * defines or imports it rather than an alias (`type x = r` shares r's
 * pointer when r is a resource). */
static const char *local_name(out *o, const loam_type *t) {
  for (uint32_t i = 0; i < o->nscope; i++)
    if (o->scope[i].type == t && !o->scope[i].alias_of) return o->scope[i].name;
  for (uint32_t i = 0; i < o->nscope; i++)
    if (o->scope[i].type == t) return o->scope[i].name;
  return t->name;
}

static void type(out *o, const loam_type *t) {
  static const char *const prims[] = {
      "bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64",
      "f32", "f64", "char", "string",
  };
  if (t->name) {
    name(o, local_name(o, t));
    return;
  }
  switch (t->kind) {
  case LOAM_T_LIST:
  case LOAM_T_OPTION:
    puts_(o, t->kind == LOAM_T_LIST ? "list<" : "option<");
    type(o, t->u.elem);
    puts_(o, ">");
    return;
  case LOAM_T_RESULT:
    puts_(o, "result");
    if (!t->u.result.ok && !t->u.result.err) return;
    puts_(o, "<");
    if (t->u.result.ok) type(o, t->u.result.ok);
    else puts_(o, "_");
    if (t->u.result.err) {
      puts_(o, ", ");
      type(o, t->u.result.err);
    }
    puts_(o, ">");
    return;
  case LOAM_T_TUPLE:
    puts_(o, "tuple<");
    for (uint32_t i = 0; i < t->u.tuple.n; i++) {
      if (i) puts_(o, ", ");
      type(o, t->u.tuple.types[i]);
    }
    puts_(o, ">");
    return;
  case LOAM_T_OWN:
    name(o, local_name(o, t->u.elem));
    return;
  case LOAM_T_BORROW:
    puts_(o, "borrow<");
    name(o, local_name(o, t->u.elem));
    puts_(o, ">");
    return;
  default:
    if ((unsigned)t->kind < sizeof prims / sizeof prims[0]) puts_(o, prims[t->kind]);
    else puts_(o, "<unnamed type>");
    return;
  }
}

static void params(out *o, const loam_wit_param *ps, uint32_t n) {
  puts_(o, "(");
  for (uint32_t i = 0; i < n; i++) {
    if (i) puts_(o, ", ");
    name(o, ps[i].name);
    puts_(o, ": ");
    type(o, ps[i].type);
  }
  puts_(o, ")");
}

/* `func(...) -> ...` (methods without their implicit self). */
static void signature(out *o, const loam_wit_func *f) {
  bool self = f->kind == LOAM_WIT_FUNC_METHOD;
  if (f->kind == LOAM_WIT_FUNC_CONSTRUCTOR) {
    params(o, f->params, f->nparams);
    return;
  }
  if (f->kind == LOAM_WIT_FUNC_STATIC) puts_(o, "static ");
  puts_(o, f->is_async ? "async func" : "func");
  params(o, f->params + self, f->nparams - self);
  if (f->results_kind == LOAM_WIT_RESULTS_ANON) {
    puts_(o, " -> ");
    type(o, f->results[0].type);
  } else if (f->results_kind == LOAM_WIT_RESULTS_NAMED) {
    puts_(o, " -> ");
    params(o, f->results, f->nresults);
  }
}

static void func(out *o, const loam_wit_func *f) {
  meta(o, &f->meta);
  pad(o);
  if (f->kind == LOAM_WIT_FUNC_CONSTRUCTOR) {
    puts_(o, "constructor");
  } else {
    name(o, f->name);
    puts_(o, ": ");
  }
  signature(o, f);
  puts_(o, ";\n");
}

/* ---- definitions ---------------------------------------------------------- */

static void open_block(out *o, const char *kw, const char *nm) {
  pad(o);
  puts_(o, kw);
  puts_(o, " ");
  name(o, nm);
  puts_(o, " {\n");
  o->indent++;
}

static void close_block(out *o) {
  o->indent--;
  pad(o);
  puts_(o, "}\n");
}

static void resource(out *o, const loam_wit_typedef *d, const loam_wit_func *fs,
                     uint32_t nf) {
  bool any = false;
  for (uint32_t i = 0; i < nf; i++) any |= fs[i].resource == d->type && fs[i].kind != LOAM_WIT_FUNC_FREESTANDING;
  if (!any) {
    pad(o);
    puts_(o, "resource ");
    name(o, d->name);
    puts_(o, ";\n");
    return;
  }
  open_block(o, "resource", d->name);
  for (uint32_t i = 0; i < nf; i++)
    if (fs[i].resource == d->type && fs[i].kind != LOAM_WIT_FUNC_FREESTANDING) func(o, &fs[i]);
  close_block(o);
}

static void definition(out *o, const loam_wit_typedef *d, const loam_wit_func *fs,
                       uint32_t nf) {
  meta(o, &d->meta);
  const loam_type *t = d->type;
  if (d->alias_of) {
    pad(o);
    puts_(o, "type ");
    name(o, d->name);
    puts_(o, " = ");
    type(o, d->alias_of);
    puts_(o, ";\n");
    return;
  }
  switch (t->kind) {
  case LOAM_T_RECORD:
  case LOAM_T_VARIANT: {
    bool rec = t->kind == LOAM_T_RECORD;
    open_block(o, rec ? "record" : "variant", d->name);
    for (uint32_t i = 0; i < t->u.record.n; i++) {
      const loam_field *f = &t->u.record.fields[i];
      if (d->field_docs) docs(o, d->field_docs[i]);
      pad(o);
      name(o, f->name);
      if (rec) {
        puts_(o, ": ");
        type(o, f->type);
      } else if (f->type) {
        puts_(o, "(");
        type(o, f->type);
        puts_(o, ")");
      }
      puts_(o, ",\n");
    }
    close_block(o);
    return;
  }
  case LOAM_T_ENUM:
  case LOAM_T_FLAGS:
    open_block(o, t->kind == LOAM_T_ENUM ? "enum" : "flags", d->name);
    for (uint32_t i = 0; i < t->u.labels.n; i++) {
      if (d->field_docs) docs(o, d->field_docs[i]);
      pad(o);
      name(o, t->u.labels.labels[i]);
      puts_(o, ",\n");
    }
    close_block(o);
    return;
  case LOAM_T_RESOURCE:
    resource(o, d, fs, nf);
    return;
  default:
    pad(o);
    puts_(o, "/* unprintable type */\n");
    return;
  }
}

/* `ns:name@version`, names escaped. */
static void pkg_id(out *o, const loam_wit_package *p) {
  name(o, p->ns);
  puts_(o, ":");
  name(o, p->name);
  if (p->version) {
    puts_(o, "@");
    puts_(o, p->version);
  }
}

/* An interface or world (`item`) of package p as seen from the package
 * being printed: a bare name inside p, else ns:pkg/item@version. */
static void item_ref(out *o, const loam_wit_package *p, const char *item) {
  if (p == o->pkg) {
    name(o, item);
    return;
  }
  name(o, p->ns);
  puts_(o, ":");
  name(o, p->name);
  puts_(o, "/");
  name(o, item);
  if (p->version) {
    puts_(o, "@");
    puts_(o, p->version);
  }
}

static void iface_ref(out *o, const loam_wit_interface *i) {
  item_ref(o, i->package, i->name);
}

/* `use` statements: consecutive names from one interface share one. */
static void uses(out *o, const loam_wit_typedef *ts, uint32_t n) {
  for (uint32_t i = 0; i < n;) {
    if (!ts[i].used_from) {
      i++;
      continue;
    }
    const loam_wit_interface *from = ts[i].used_from;
    meta(o, &ts[i].meta);
    pad(o);
    puts_(o, "use ");
    iface_ref(o, from);
    puts_(o, ".{");
    uint32_t j = i;
    /* one statement per source `use`: they may carry different docs/gates */
    for (; j < n && ts[j].used_from == from && ts[j].meta.docs == ts[i].meta.docs &&
           ts[j].meta.gates == ts[i].meta.gates;
         j++) {
      if (j > i) puts_(o, ", ");
      name(o, ts[j].used_name);
      if (strcmp(ts[j].used_name, ts[j].name)) {
        puts_(o, " as ");
        name(o, ts[j].name);
      }
    }
    puts_(o, "};\n");
    i = j;
  }
}

static void scope_body(out *o, const loam_wit_typedef *ts, uint32_t n,
                       const loam_wit_func *fs, uint32_t nf) {
  o->scope = ts;
  o->nscope = n;
  uses(o, ts, n);
  /* A blank line between groups: uses, each definition, the functions. */
  bool any = false;
  for (uint32_t i = 0; i < n; i++) any |= ts[i].used_from != NULL;
  for (uint32_t i = 0; i < n; i++) {
    if (ts[i].used_from) continue;
    if (any) puts_(o, "\n");
    definition(o, &ts[i], fs, nf);
    any = true;
  }
  for (uint32_t i = 0; i < nf; i++) {
    if (fs[i].kind != LOAM_WIT_FUNC_FREESTANDING) continue;
    if (any) puts_(o, "\n");
    any = false;
    func(o, &fs[i]);
  }
}

static void interface(out *o, const loam_wit_interface *i) {
  meta(o, &i->meta);
  open_block(o, "interface", i->name);
  scope_body(o, i->types, i->ntypes, i->funcs, i->nfuncs);
  close_block(o);
}

static void item(out *o, const char *kw, const loam_wit_item *it) {
  if (it->from_include) return;
  meta(o, &it->meta);
  pad(o);
  puts_(o, kw);
  if (it->kind == LOAM_WIT_ITEM_FUNCTION) {
    name(o, it->name);
    puts_(o, ": ");
    signature(o, it->func);
    puts_(o, ";\n");
  } else if (!it->iface->name) {
    const loam_wit_typedef *ts = o->scope;
    uint32_t n = o->nscope;
    name(o, it->name);
    puts_(o, ": interface {\n");
    o->indent++;
    scope_body(o, it->iface->types, it->iface->ntypes, it->iface->funcs, it->iface->nfuncs);
    o->scope = ts;
    o->nscope = n;
    close_block(o);
  } else {
    iface_ref(o, it->iface);
    puts_(o, ";\n");
  }
}

static void world(out *o, const loam_wit_world *w) {
  meta(o, &w->meta);
  open_block(o, "world", w->name);
  scope_body(o, w->types, w->ntypes, w->funcs, w->nfuncs);
  if (w->ntypes) puts_(o, "\n");
  for (uint32_t i = 0; i < w->nimports; i++) item(o, "import ", &w->imports[i]);
  for (uint32_t i = 0; i < w->nexports; i++) item(o, "export ", &w->exports[i]);
  for (uint32_t i = 0; i < w->nincludes; i++) {
    pad(o);
    puts_(o, "include ");
    item_ref(o, w->includes[i]->package, w->includes[i]->name);
    const loam_wit_include_with *with = &w->include_with[i];
    if (with->n) {
      puts_(o, " with { ");
      for (uint32_t k = 0; k < with->n; k++) {
        if (k) puts_(o, ", ");
        name(o, with->renames[k].from);
        puts_(o, " as ");
        name(o, with->renames[k].to);
      }
      puts_(o, " }");
    }
    puts_(o, ";\n");
  }
  close_block(o);
}

/* ---- --world: what a world needs ------------------------------------------ */

static bool kept(const out *o, const void *p) {
  if (!o->filter) return true;
  for (uint32_t i = 0; i < o->nkeep; i++)
    if (o->keep[i] == p) return true;
  return false;
}

static void keep(out *o, const void *p) {
  if (kept(o, p) || o->oom) return;
  if (o->nkeep == o->capkeep) {
    uint32_t cap = o->capkeep ? o->capkeep * 2 : 16;
    const void **k = realloc(o->keep, cap * sizeof *k);
    if (!k) {
      o->oom = true;
      return;
    }
    o->keep = k;
    o->capkeep = cap;
  }
  o->keep[o->nkeep++] = p;
}

static void keep_types(out *o, const loam_wit_typedef *ts, uint32_t n);

static void keep_iface(out *o, const loam_wit_interface *i) {
  if (kept(o, i)) return;
  keep(o, i);
  keep(o, i->package);
  keep_types(o, i->types, i->ntypes);
}

static void keep_types(out *o, const loam_wit_typedef *ts, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    if (ts[i].used_from) keep_iface(o, ts[i].used_from);
}

static void keep_items(out *o, const loam_wit_item *its, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    if (!its[i].iface) continue;
    if (its[i].iface->name) keep_iface(o, its[i].iface);
    else keep_types(o, its[i].iface->types, its[i].iface->ntypes);
  }
}

static void keep_world(out *o, const loam_wit_world *w) {
  if (kept(o, w)) return;
  keep(o, w);
  keep(o, w->package);
  keep_types(o, w->types, w->ntypes);
  keep_items(o, w->imports, w->nimports);
  keep_items(o, w->exports, w->nexports);
  for (uint32_t i = 0; i < w->nincludes; i++) keep_world(o, w->includes[i]);
}

/* ---- packages ------------------------------------------------------------- */

static void package_items(out *o, const loam_wit_package *p) {
  bool first = true;
  o->pkg = p;
  for (uint32_t i = 0; i < p->ninterfaces; i++) {
    if (!kept(o, p->interfaces[i])) continue;
    if (!first) puts_(o, "\n");
    first = false;
    interface(o, p->interfaces[i]);
  }
  for (uint32_t i = 0; i < p->nworlds; i++) {
    if (!kept(o, p->worlds[i])) continue;
    if (!first) puts_(o, "\n");
    first = false;
    world(o, p->worlds[i]);
  }
}

char *loam_wit_print(const loam_wit *w, const char *world_name, loam_error *err) {
  out o = {0};
  if (world_name) {
    const loam_wit_world *wd = loam_wit_find_world(w->root, world_name);
    if (!wd) {
      if (err) {
        err->code = LOAM_ERR_NOT_FOUND;
        snprintf(err->message, sizeof err->message, "no world `%s` in package `%s`",
                 world_name, w->root->id);
      }
      return NULL;
    }
    o.filter = true;
    keep_world(&o, wd);
  }
  docs(&o, w->root->meta.docs);
  puts_(&o, "package ");
  pkg_id(&o, w->root);
  puts_(&o, ";\n\n");
  package_items(&o, w->root);
  for (uint32_t i = 0; i < w->npackages; i++) {
    const loam_wit_package *p = w->packages[i];
    if (p == w->root || !kept(&o, p)) continue;
    puts_(&o, "\n");
    docs(&o, p->meta.docs);
    puts_(&o, "package ");
    pkg_id(&o, p);
    puts_(&o, " {\n");
    o.indent++;
    package_items(&o, p);
    o.indent--;
    puts_(&o, "}\n");
  }
  free(o.keep);
  if (o.oom || !o.buf) {
    free(o.buf);
    if (err) {
      err->code = LOAM_ERR_NOMEM;
      snprintf(err->message, sizeof err->message, "out of memory");
    }
    return NULL;
  }
  return o.buf;
}
