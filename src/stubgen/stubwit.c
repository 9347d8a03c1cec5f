/* stubgen/stubwit.c — the stub's WIT (_stub.wit) from a target world: one
 * resource per exported interface, `blocking-<f>` / `<f>` methods and a
 * `future-<f>-result` resource per function with results, the target's
 * named types brought in with `use`. The C generator (stubc.c) reads the
 * resolved result back, so everything it needs is in this text: each
 * resource's doc comment names the interface it calls (in backquotes). */
#include "stubgen/sg.h"
#include "wasm/module.h"   /* wasm_fail */
#include "wit/resolve.h"   /* wit_is_keyword */
#include <stdlib.h>
#include <string.h>

#define RPC_TYPES "golem:rpc/types@0.1.0"
#define IO_POLL "wasi:io/poll@0.2.0"

/* A named type of the target that the stub interface `use`s. */
typedef struct used {
  const loam_type *t;
  char *local;     /* its name inside the stub interface */
} used;

/* One resource of the stub: an exported interface, or the world's own
 * exported functions. */
typedef struct sres {
  char *name;
  const loam_wit_interface *iface;   /* NULL: the world's functions */
  const loam_wit_func **funcs;       /* freestanding functions with a stub */
  char **futures;                    /* per func: its future resource, or NULL */
  uint32_t nfuncs;
} sres;

typedef struct sw {
  const loam_wit *wit;
  const loam_wit_world *world;
  used *uses;
  uint32_t nuses, capuses;
  sres *res;
  uint32_t nres;
  char **taken;                      /* every name in the stub interface */
  uint32_t ntaken, captaken;
  loam_error *err;
  FILE *progress;
  bool failed;
} sw;

static bool fail(sw *s, loam_status code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(sw *s, loam_status code, const char *fmt, ...) {
  if (s->failed) return false;
  s->failed = true;
  if (!s->err) return false;
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return wasm_fail(s->err, code, "%s", msg);
}

static bool oom(sw *s) { return fail(s, LOAM_ERR_NOMEM, "out of memory"); }

static bool is_taken(const sw *s, const char *name) {
  for (uint32_t i = 0; i < s->ntaken; i++)
    if (!strcmp(s->taken[i], name)) return true;
  return false;
}

/* Claims `name` (taking ownership of the malloc'd string); NULL on oom. */
static char *take(sw *s, char *name) {
  if (!name) {
    oom(s);
    return NULL;
  }
  if (s->ntaken == s->captaken) {
    uint32_t cap = s->captaken ? 2 * s->captaken : 16;
    char **g = realloc(s->taken, cap * sizeof *g);
    if (!g) {
      free(name);
      oom(s);
      return NULL;
    }
    s->taken = g;
    s->captaken = cap;
  }
  s->taken[s->ntaken++] = name;
  return name;
}

/* A free name: `want`, else `alt`, else alt-2, alt-3, ... */
static char *unique(sw *s, const char *want, const char *alt) {
  if (!is_taken(s, want)) return take(s, strdup(want));
  if (!is_taken(s, alt)) return take(s, strdup(alt));
  for (unsigned k = 2;; k++) {
    char *c = sg_fmt("%s-%u", alt, k);
    if (!c || !is_taken(s, c)) return take(s, c);
    free(c);
  }
}

/* ---- which target types the stub uses ------------------------------------ */

/* Stubs carry values as wit-values, which have no handles. */
static bool check_sendable(sw *s, const loam_type *t, const char *fname) {
  if (!t) return true;
  switch (t->kind) {
  case LOAM_T_OWN: case LOAM_T_BORROW: case LOAM_T_RESOURCE:
    return fail(s, LOAM_ERR_INVALID,
                "function `%s` uses resource handles in its types: a stub cannot send them "
                "(wit-values hold no handles)", fname);
  case LOAM_T_LIST: case LOAM_T_OPTION:
    return check_sendable(s, t->u.elem, fname);
  case LOAM_T_RESULT:
    return check_sendable(s, t->u.result.ok, fname) && check_sendable(s, t->u.result.err, fname);
  case LOAM_T_TUPLE:
    for (uint32_t i = 0; i < t->u.tuple.n; i++)
      if (!check_sendable(s, t->u.tuple.types[i], fname)) return false;
    return true;
  case LOAM_T_RECORD: case LOAM_T_VARIANT:
    for (uint32_t i = 0; i < t->u.record.n; i++)
      if (!check_sendable(s, t->u.record.fields[i].type, fname)) return false;
    return true;
  default:
    return true;
  }
}

static const used *find_used(const sw *s, const loam_type *t) {
  for (uint32_t i = 0; i < s->nuses; i++)
    if (s->uses[i].t == t) return &s->uses[i];
  return NULL;
}

static bool collect(sw *s, const loam_type *t, const char *fname);

/* The named types among t's parts (fields, cases, elements). */
static bool collect_parts(sw *s, const loam_type *t, const char *fname) {
  switch (t->kind) {
  case LOAM_T_RECORD: case LOAM_T_VARIANT:
    for (uint32_t i = 0; i < t->u.record.n; i++)
      if (!collect(s, t->u.record.fields[i].type, fname)) return false;
    return true;
  case LOAM_T_LIST: case LOAM_T_OPTION:
    return collect(s, t->u.elem, fname);
  case LOAM_T_RESULT:
    return collect(s, t->u.result.ok, fname) && collect(s, t->u.result.err, fname);
  case LOAM_T_TUPLE:
    for (uint32_t i = 0; i < t->u.tuple.n; i++)
      if (!collect(s, t->u.tuple.types[i], fname)) return false;
    return true;
  default:
    return true;
  }
}

/* Records every named type t mentions, parts before the types made of them
 * (as Golem's stubs `use` them: a caller finds them all in the stub). */
static bool collect(sw *s, const loam_type *t, const char *fname) {
  if (!t || s->failed) return !s->failed;
  if (t->name) {
    if (!t->owner)
      return fail(s, LOAM_ERR_INVALID,
                  "function `%s` uses type `%s`, which is defined in world `%s`: a stub can "
                  "only use types of interfaces (move it into an interface)",
                  fname, t->name, s->world->name);
    if (find_used(s, t)) return true;
    if (!collect_parts(s, t, fname)) return false;
    if (find_used(s, t)) return true;
    if (s->nuses == s->capuses) {
      uint32_t cap = s->capuses ? 2 * s->capuses : 16;
      used *g = realloc(s->uses, cap * sizeof *g);
      if (!g) return oom(s);
      s->uses = g;
      s->capuses = cap;
    }
    s->uses[s->nuses++] = (used){t, NULL};
    return true;
  }
  return collect_parts(s, t, fname);
}

/* The interface part of an owner id: "ns:pkg/iface@v" -> "iface". */
static char *owner_iface(const char *owner) {
  const char *slash = strchr(owner, '/');
  const char *b = slash ? slash + 1 : owner;
  const char *at = strchr(b, '@');
  return strndup(b, at ? (size_t)(at - b) : strlen(b));
}

static void name_uses(sw *s) {
  for (uint32_t i = 0; i < s->nuses && !s->failed; i++) {
    used *u = &s->uses[i];
    char *ifc = owner_iface(u->t->owner);
    char *alt = ifc ? sg_fmt("%s-%s", ifc, u->t->name) : NULL;
    if (alt) u->local = unique(s, u->t->name, alt);
    else oom(s);
    free(ifc);
    free(alt);
  }
}

/* ---- the stub's resources ------------------------------------------------- */

static bool add_res(sw *s, const char *name, const loam_wit_interface *iface,
                    const loam_wit_func *const *funcs, uint32_t nf) {
  sres *r = &s->res[s->nres];
  memset(r, 0, sizeof *r);
  r->iface = iface;
  r->funcs = calloc(nf ? nf : 1, sizeof *r->funcs);
  r->futures = calloc(nf ? nf : 1, sizeof *r->futures);
  if (!r->funcs || !r->futures) {
    free(r->funcs);
    free(r->futures);
    return oom(s);
  }
  s->nres++;
  for (uint32_t i = 0; i < nf; i++) {
    const loam_wit_func *f = funcs[i];
    if (f->kind != LOAM_WIT_FUNC_FREESTANDING) {
      if (s->progress)
        fprintf(s->progress, "Warning: skipping %s (resources of the target are not stubbed)\n",
                f->core_name);
      continue;
    }
    if (f->nresults > 1)
      return fail(s, LOAM_ERR_INVALID,
                  "function `%s` has %u named results: stubs support at most one result",
                  f->name, f->nresults);
    for (uint32_t k = 0; k < f->nparams; k++)
      if (!check_sendable(s, f->params[k].type, f->name) ||
          !collect(s, f->params[k].type, f->name))
        return false;
    for (uint32_t k = 0; k < f->nresults; k++)
      if (!check_sendable(s, f->results[k].type, f->name) ||
          !collect(s, f->results[k].type, f->name))
        return false;
    r->funcs[r->nfuncs++] = f;
  }
  if (!r->nfuncs) {
    s->nres--;
    free(r->funcs);
    free(r->futures);
    return true;
  }
  r->name = (char *)name;   /* named later, once all resources are known */
  return true;
}

static bool collect_resources(sw *s) {
  const loam_wit_world *w = s->world;
  s->res = calloc(w->nexports + 1, sizeof *s->res);
  if (!s->res) return oom(s);
  uint32_t nworldf = 0;
  const loam_wit_func **worldf = calloc(w->nexports + 1, sizeof *worldf);
  if (!worldf) return oom(s);
  for (uint32_t i = 0; i < w->nexports && !s->failed; i++) {
    const loam_wit_item *it = &w->exports[i];
    if (it->kind == LOAM_WIT_ITEM_FUNCTION) {
      worldf[nworldf++] = it->func;
      continue;
    }
    const loam_wit_interface *in = it->iface;
    const loam_wit_func **fs = calloc(in->nfuncs + 1, sizeof *fs);
    if (!fs) {
      oom(s);
      break;
    }
    for (uint32_t k = 0; k < in->nfuncs; k++) fs[k] = &in->funcs[k];
    add_res(s, in->name ? in->name : it->name, in, fs, in->nfuncs);
    free(fs);
  }
  if (!s->failed && nworldf) add_res(s, w->name, NULL, worldf, nworldf);
  free(worldf);
  if (s->failed) return false;
  if (!s->nres)
    return fail(s, LOAM_ERR_INVALID,
                "world `%s` of package %s exports no function: there is nothing to call "
                "through a stub", w->name, s->wit->root->id);
  return true;
}

/* Resource names first (they are what the caller sees), then futures, then
 * the `use`d types, each avoiding the names before it. */
static void name_all(sw *s) {
  take(s, strdup("uri"));
  take(s, strdup("pollable"));
  for (uint32_t i = 0; i < s->nres && !s->failed; i++) {
    sres *r = &s->res[i];
    char *alt = r->iface && r->iface->package ? sg_fmt("%s-%s", r->iface->package->name, r->name)
                                              : sg_fmt("%s-functions", r->name);
    r->name = alt ? unique(s, r->name, alt) : NULL;
    if (!alt) oom(s);
    free(alt);
  }
  for (uint32_t i = 0; i < s->nres && !s->failed; i++) {
    sres *r = &s->res[i];
    for (uint32_t k = 0; k < r->nfuncs && !s->failed; k++) {
      const loam_wit_func *f = r->funcs[k];
      if (!f->nresults) continue;
      char *want = sg_fmt("future-%s-result", f->name);
      char *alt = sg_fmt("future-%s-%s-result", r->name, f->name);
      if (want && alt) r->futures[k] = unique(s, want, alt);
      else oom(s);
      free(want);
      free(alt);
    }
  }
  name_uses(s);
}

/* ---- printing ------------------------------------------------------------- */

static void name(sg_buf *b, const char *n) {
  sg_printf(b, "%s%s", wit_is_keyword(n) ? "%" : "", n);
}

static void type(const sw *s, sg_buf *b, const loam_type *t) {
  static const char *const prims[] = {
      "bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64",
      "f32", "f64", "char", "string",
  };
  if (t->name) {
    const used *u = find_used(s, t);
    name(b, u ? u->local : t->name);
    return;
  }
  switch (t->kind) {
  case LOAM_T_LIST: case LOAM_T_OPTION:
    sg_printf(b, "%s<", t->kind == LOAM_T_LIST ? "list" : "option");
    type(s, b, t->u.elem);
    sg_printf(b, ">");
    return;
  case LOAM_T_RESULT:
    sg_printf(b, "result");
    if (!t->u.result.ok && !t->u.result.err) return;
    sg_printf(b, "<");
    if (t->u.result.ok) type(s, b, t->u.result.ok);
    else sg_printf(b, "_");
    if (t->u.result.err) {
      sg_printf(b, ", ");
      type(s, b, t->u.result.err);
    }
    sg_printf(b, ">");
    return;
  case LOAM_T_TUPLE:
    sg_printf(b, "tuple<");
    for (uint32_t i = 0; i < t->u.tuple.n; i++) {
      if (i) sg_printf(b, ", ");
      type(s, b, t->u.tuple.types[i]);
    }
    sg_printf(b, ">");
    return;
  default:
    sg_printf(b, "%s", (unsigned)t->kind < sizeof prims / sizeof prims[0] ? prims[t->kind] : "?");
    return;
  }
}

static void params(const sw *s, sg_buf *b, const loam_wit_func *f) {
  sg_printf(b, "(");
  for (uint32_t i = 0; i < f->nparams; i++) {
    if (i) sg_printf(b, ", ");
    name(b, f->params[i].name);
    sg_printf(b, ": ");
    type(s, b, f->params[i].type);
  }
  sg_printf(b, ")");
}

/* The `use` statements: one per source interface, in order of appearance. */
static void uses(const sw *s, sg_buf *b) {
  sg_printf(b, "  use " RPC_TYPES ".{uri};\n  use " IO_POLL ".{pollable};\n");
  bool *done = calloc(s->nuses + 1, sizeof *done);
  if (!done) {
    b->oom = true;
    return;
  }
  for (uint32_t i = 0; i < s->nuses; i++) {
    if (done[i]) continue;
    const char *owner = s->uses[i].t->owner;
    sg_printf(b, "  use ");
    /* the owner id "ns:pkg/iface@v" is written as it is, names escaped */
    const char *slash = strchr(owner, '/'), *colon = strchr(owner, ':');
    if (slash && colon && colon < slash) {
      char *ns = strndup(owner, (size_t)(colon - owner));
      char *pkg = strndup(colon + 1, (size_t)(slash - colon - 1));
      const char *at = strchr(slash + 1, '@');
      char *ifc = strndup(slash + 1, at ? (size_t)(at - slash - 1) : strlen(slash + 1));
      if (ns && pkg && ifc) {
        name(b, ns);
        sg_printf(b, ":");
        /* pkg may carry @version only after the interface, never here */
        name(b, pkg);
        sg_printf(b, "/");
        name(b, ifc);
        if (at) sg_printf(b, "%s", at);
      } else {
        b->oom = true;
      }
      free(ns);
      free(pkg);
      free(ifc);
    } else {
      sg_printf(b, "%s", owner);
    }
    sg_printf(b, ".{");
    bool first = true;
    for (uint32_t k = i; k < s->nuses; k++) {
      if (done[k] || strcmp(s->uses[k].t->owner, owner)) continue;
      done[k] = true;
      sg_printf(b, "%s", first ? "" : ", ");
      first = false;
      name(b, s->uses[k].t->name);
      if (strcmp(s->uses[k].local, s->uses[k].t->name)) {
        sg_printf(b, " as ");
        name(b, s->uses[k].local);
      }
    }
    sg_printf(b, "};\n");
  }
  free(done);
}

static const loam_type *result_of(const loam_wit_func *f) {
  return f->nresults ? f->results[0].type : NULL;
}

static void resource(const sw *s, sg_buf *b, const sres *r) {
  if (r->iface)
    sg_printf(b, "\n  /// Remote calls to `%s` on the worker at `location`\n",
              r->iface->id ? r->iface->id : r->iface->name);
  else
    sg_printf(b, "\n  /// Remote calls to the functions of world `%s` on the worker at `location`\n",
              s->world->name);
  sg_printf(b, "  /// (worker://<template>/<worker>).\n  resource ");
  name(b, r->name);
  sg_printf(b, " {\n    constructor(location: uri);\n");
  for (uint32_t k = 0; k < r->nfuncs; k++) {
    const loam_wit_func *f = r->funcs[k];
    const loam_type *res = result_of(f);
    sg_printf(b, "    blocking-%s: func", f->name);
    params(s, b, f);
    if (res) {
      sg_printf(b, " -> ");
      type(s, b, res);
    }
    sg_printf(b, ";\n    ");
    name(b, f->name);
    sg_printf(b, ": func");
    params(s, b, f);
    if (res) sg_printf(b, " -> %s", r->futures[k]);
    sg_printf(b, ";\n");
  }
  sg_printf(b, "  }\n");
  for (uint32_t k = 0; k < r->nfuncs; k++) {
    const loam_type *res = result_of(r->funcs[k]);
    if (!res) continue;
    sg_printf(b, "\n  resource %s {\n    subscribe: func() -> pollable;\n    get: func() -> option<",
              r->futures[k]);
    type(s, b, res);
    sg_printf(b, ">;\n  }\n");
  }
}

static bool fill_names(sw *s, loam_stubgen_names *n) {
  const loam_wit_package *p = s->wit->root;
  const char *ver = p->version;
  n->target_package = strdup(p->id);
  n->target_world = strdup(s->world->name);
  n->package = ver ? sg_fmt("%s:%s-stub@%s", p->ns, p->name, ver) : sg_fmt("%s:%s-stub", p->ns, p->name);
  n->package_dir = sg_fmt("%s_%s-stub", p->ns, p->name);
  n->interface = sg_fmt("stub-%s", s->world->name);
  n->world = sg_fmt("wasm-rpc-stub-%s", s->world->name);
  char *snake = sg_snake(s->world->name);
  n->wasm_name = snake ? sg_fmt("%s_stub", snake) : NULL;
  free(snake);
  if (n->target_package && n->target_world && n->package && n->package_dir && n->interface &&
      n->world && n->wasm_name)
    return true;
  return oom(s);
}

void loam_stubgen_names_free(loam_stubgen_names *n) {
  if (!n) return;
  free(n->target_package);
  free(n->target_world);
  free(n->package);
  free(n->package_dir);
  free(n->interface);
  free(n->world);
  free(n->wasm_name);
  memset(n, 0, sizeof *n);
}

static char *print(sw *s, const loam_stubgen_names *n) {
  sg_buf b = {0};
  sg_printf(&b, "// Generated by `loam stubgen generate` from %s; do not edit.\n"
                "package %s;\n\n"
                "/// Typed remote calls to workers of world `%s` (through golem:rpc).\n"
                "interface %s {\n",
            s->world->id ? s->world->id : s->world->name, n->package, s->world->name,
            n->interface);
  uses(s, &b);
  for (uint32_t i = 0; i < s->nres; i++) resource(s, &b, &s->res[i]);
  sg_printf(&b, "}\n\nworld %s {\n  import " RPC_TYPES ";\n  export %s;\n}\n", n->world,
            n->interface);
  char *text = sg_take(&b);
  if (!text) oom(s);
  return text;
}

static void sw_free(sw *s) {
  for (uint32_t i = 0; i < s->nres; i++) {
    free(s->res[i].funcs);
    free(s->res[i].futures);
  }
  free(s->res);
  free(s->uses);
  for (uint32_t i = 0; i < s->ntaken; i++) free(s->taken[i]);
  free(s->taken);
}

char *loam_stubgen_wit(const loam_wit *target, const char *world, loam_stubgen_names *names,
                       FILE *progress, loam_error *err) {
  loam_stubgen_names local = {0};
  loam_stubgen_names *n = names ? names : &local;
  memset(n, 0, sizeof *n);
  const loam_wit_package *p = target->root;
  if (!p) {
    wasm_fail(err, LOAM_ERR_NOT_FOUND, "the target WIT has no root package");
    return NULL;
  }
  const loam_wit_world *wd = NULL;
  if (world) {
    wd = loam_wit_find_world(p, world);
    if (!wd) {
      sg_buf have = {0};
      for (uint32_t i = 0; i < p->nworlds; i++)
        sg_printf(&have, "%s%s", i ? ", " : "", p->worlds[i]->name);
      wasm_fail(err, LOAM_ERR_NOT_FOUND, "package %s has no world `%s` (it has: %s)", p->id,
                world, have.s ? have.s : "none");
      sg_buf_free(&have);
      return NULL;
    }
  } else if (p->nworlds == 1) {
    wd = p->worlds[0];
  } else {
    wasm_fail(err, LOAM_ERR_NOT_FOUND,
              p->nworlds ? "package %s has %u worlds: pick one with --world"
                         : "package %s has no world: a stub is made from a world's exports",
              p->id, p->nworlds);
    return NULL;
  }
  sw s = {.wit = target, .world = wd, .err = err, .progress = progress};
  char *text = NULL;
  if (collect_resources(&s)) {
    name_all(&s);
    if (!s.failed && fill_names(&s, n)) text = print(&s, n);
  }
  sw_free(&s);
  if (!text || n == &local) loam_stubgen_names_free(n);
  return text;
}
