/*
 * executor/compose.c — templates made of a caller module and the stub
 * modules `loam stubgen compose` put in its custom sections "loam:stub":
 * reading and checking the stubs at registration, and at instantiation
 * linking each stub into the worker's store with adapters between the
 * caller's imports and the stub's exports.
 *
 * An adapter copies values between two memories as the Component Model's
 * adapters do: it lifts the params from the calling instance, calls the
 * stub's export (lowering them into the stub's memory), lifts its results
 * and lowers them back into the caller. Every instance of a worker shares
 * one handle table (rt->handles), so a handle index means the same thing in
 * the caller, in a stub and in the host. Following bindgen's conventions
 * for an exported resource (src/bindgen/funcs.c, flat.c), a borrow of a
 * resource the stub defines reaches the stub as its rep, while an own
 * handle stays a handle (the stub turns it into a rep with [resource-rep]).
 */
#include "executor/executor_int.h"

#include "compose/compose.h"
#include "compose/sections.h"
#include "compose/stubinfo.h"
#include "host/wasi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading the stubs (registration) ------------------------------------- */

/* A stub's WIT interface (the one its world exports). */
static const loam_wit_interface *stub_iface(const ex_stub *s) {
  return loam_wit_find_interface(s->wit, s->iface);
}

/* True when resource type r was defined by interface `iface_id`. */
static bool defined_by(const loam_type *r, const char *iface_id) {
  return r && r->owner && !strcmp(r->owner, iface_id);
}

static const ex_stub *stub_for(const ex_template *t, const char *module) {
  for (size_t i = 0; i < t->nstubs; i++)
    if (!strcmp(t->stubs[i].iface, module)) return &t->stubs[i];
  return NULL;
}

/* The "[resource-new]R"-style intrinsic a stub imports from its own
 * "[export]<iface>" module: 0 new, 1 rep, 2 drop, -1 not one; *res = R. */
static int intrinsic_kind(const char *name, const char **res) {
  static const char *const P[] = {"[resource-new]", "[resource-rep]", "[resource-drop]"};
  for (int k = 0; k < 3; k++) {
    size_t n = strlen(P[k]);
    if (!strncmp(name, P[k], n) && name[n]) return *res = name + n, k;
  }
  return -1;
}

bool ex_stub_provides(const ex_template *t, const char *module, const char *name) {
  const ex_stub *s = stub_for(t, module);
  if (!s) return false;
  const loam_wit_interface *i = stub_iface(s);
  const char *r = NULL;
  if (intrinsic_kind(name, &r) == 2) return loam_stub_resource(i, r) != NULL;
  if (!loam_stub_func(i, name)) return false;
  char exp[512];
  snprintf(exp, sizeof exp, "%s#%s", s->iface, name);
  return loam_module_export_functype(s->module, exp, &(loam_functype){0});
}

/* Checks a stub's own imports: WASI, the host interfaces, and its own
 * resources' intrinsics. */
static bool check_stub_imports(const ex_stub *s, loam_error *err) {
  char intr[512];
  snprintf(intr, sizeof intr, "[export]%s", s->iface);
  for (size_t i = 0; i < loam_module_import_count(s->module); i++) {
    loam_import_desc d = loam_module_import(s->module, i);
    if (d.kind != LOAM_EXTERN_FUNC) goto bad;
    if (!strcmp(d.module, "wasi_snapshot_preview1") && loam_wasi_func_index(d.name) >= 0)
      continue;
    if (ex_rpc_provides(d.module, d.name)) continue;
    const char *r = NULL;
    if (!strcmp(d.module, intr) && intrinsic_kind(d.name, &r) >= 0 &&
        loam_stub_resource(stub_iface(s), r))
      continue;
  bad:
    ex_fail(err, LOAM_ERR_UNKNOWN_IMPORT,
            "stub %s: unknown import %s.%s (a stub may import WASI, golem:rpc, "
            "wasi:io/poll and its own resources' intrinsics)",
            s->iface, d.module, d.name);
    return false;
  }
  return true;
}

typedef struct load_cx {
  ex_template *t;
  size_t cap;
} load_cx;

/* One "loam:stub" section: the stub module with its WIT. */
static bool load_one(void *user, const uint8_t *data, size_t len, loam_error *err) {
  load_cx *cx = user;
  ex_template *t = cx->t;
  size_t no = t->nstubs + 1;
  if (t->nstubs == cx->cap) {
    size_t cap = cx->cap ? cx->cap * 2 : 4;
    ex_stub *v = realloc(t->stubs, cap * sizeof *v);
    if (!v) return ex_fail(err, LOAM_ERR_NOMEM, "out of memory"), false;
    t->stubs = v;
    cx->cap = cap;
  }
  ex_stub *s = &t->stubs[t->nstubs];
  char what[64];
  snprintf(what, sizeof what, "stub module #%zu (custom section %s)", no, LOAM_STUB_SECTION);
  loam_stub_info info;
  if (!loam_stub_read(data, len, what, &info, err)) {
    if (err && err->code == LOAM_ERR_MALFORMED) {
      char m[sizeof err->message];
      snprintf(m, sizeof m, "%s", err->message);
      ex_fail(err, LOAM_ERR_MALFORMED, "%s; compose the template again with `loam stubgen "
              "compose`", m);
    }
    return false;
  }
  *s = (ex_stub){.module = info.module, .wit = info.wit, .iface = strdup(info.iface->id)};
  t->nstubs++; /* from here on ex_template_free_stubs frees it */
  if (!s->iface) return ex_fail(err, LOAM_ERR_NOMEM, "out of memory"), false;
  for (size_t i = 0; i + 1 < t->nstubs; i++)
    if (!strcmp(t->stubs[i].iface, s->iface))
      return ex_fail(err, LOAM_ERR_INVALID, "two stub modules export %s", s->iface), false;
  return check_stub_imports(s, err);
}

bool ex_template_load_stubs(ex_template *t, loam_error *err) {
  load_cx cx = {t, 0};
  if (!loam_custom_sections(t->wasm, t->info.wasm_len, LOAM_STUB_SECTION, load_one, &cx,
                            NULL, err))
    return false;
  /* Every caller import of a stub interface must be one the stub serves. */
  for (size_t i = 0; i < loam_module_import_count(t->module); i++) {
    loam_import_desc d = loam_module_import(t->module, i);
    const ex_stub *s = stub_for(t, d.module);
    if (!s || (d.kind == LOAM_EXTERN_FUNC && ex_stub_provides(t, d.module, d.name))) continue;
    ex_fail(err, LOAM_ERR_UNKNOWN_IMPORT,
            "unknown import: %s.%s (the stub composed in for %s does not implement it)",
            d.module, d.name, d.module);
    return false;
  }
  return true;
}

void ex_template_free_stubs(ex_template *t) {
  for (size_t i = 0; i < t->nstubs; i++) {
    free(t->stubs[i].iface);
    loam_module_free(t->stubs[i].module);
    loam_wit_free(t->stubs[i].wit);
  }
  free(t->stubs);
  t->stubs = NULL;
  t->nstubs = 0;
}

/* ---- adapters (instantiation) --------------------------------------------- */

typedef enum ad_kind { AD_NEW, AD_REP, AD_DROP, AD_CALL } ad_kind;

/* One host function serving an import: a caller's import of the stub
 * interface (AD_CALL, AD_DROP) or a stub's resource intrinsic. */
typedef struct adapter {
  ad_kind kind;
  ex_runtime *rt;
  struct ex_stub_inst *si;
  const char *name;             /* the import's name, for messages */
  const loam_type *resource;    /* NEW, REP, DROP: the resource */
  loam_func *dtor;              /* DROP: the stub's "<iface>#[dtor]R", or NULL */
  char *export_name;            /* CALL: "<iface>#<core name>" */
  uint64_t fix_params;          /* CALL: bit i = param i holds a stub borrow */
  loam_abi_sig sig;
  const loam_type *sigbuf[EX_MAX_SIG];
  loam_abi_guest caller;        /* CALL: the calling instance, cached */
} adapter;

struct ex_stub_inst {
  const ex_stub *stub;
  loam_instance *inst;
  loam_abi_guest guest;         /* handles NULL: handle values pass as they are */
  adapter *ads;
  size_t nads;
};

/* A trap for the calling guest; codes that are not traps become host traps.
 * A generated stub writes an rpc error's message to stderr and aborts: the
 * trap quotes that line, so the caller's error says why. */
static loam_status trap_with(loam_caller *c, const ex_runtime *rt, const loam_error *e,
                             const char *ctx) {
  loam_status code = LOAM_IS_TRAP(e->code) ? e->code : LOAM_TRAP_HOST;
  if (code == LOAM_TRAP_EXIT || code == LOAM_TRAP_INTERRUPTED || code == LOAM_TRAP_FUEL ||
      code == LOAM_TRAP_DEADLINE)
    return loam_caller_trap(c, code, e->exit_code, "%s", e->message);
  if (code != LOAM_TRAP_UNREACHABLE)
    return loam_caller_trap(c, code, 0, "%s: %s", ctx, e->message);
  char why[400];
  ex_stderr_last_line(rt, why, sizeof why);
  return loam_caller_trap(c, code, 0, "%s: %s (the stub aborted: %s)", ctx, e->message,
                          why[0] ? why : "its stderr in the worker's log says why");
}

/* Runs the stub's destructor for rep after its own handle went away. */
static loam_status destroy(loam_caller *c, adapter *a, uint32_t rep) {
  if (!a->dtor) return LOAM_OK;
  loam_val arg = loam_val_i32(rep);
  loam_error e;
  if (loam_call(a->rt->store, a->dtor, &arg, 1, NULL, 0, &e) == LOAM_OK) return LOAM_OK;
  return trap_with(c, a->rt, &e, a->name);
}

/* [resource-new]R, [resource-rep]R and [resource-drop]R on the shared
 * table, for the stub (its own intrinsics) and the caller (its drop of a
 * stub resource): dropping the own handle runs the stub's destructor. */
static loam_status intrinsic(loam_caller *c, uint64_t *slots, void *user) {
  adapter *a = user;
  loam_handles *h = a->rt->handles;
  loam_error e;
  uint32_t v = (uint32_t)slots[0], out = 0;
  bool ok, destroyed = false;
  switch (a->kind) {
  case AD_NEW: ok = loam_handles_new_own(h, a->resource, v, &out, &e); break;
  case AD_REP: ok = loam_handles_rep(h, v, a->resource, &out, &e); break;
  default: ok = loam_handles_drop(h, v, a->resource, &destroyed, &out, &e); break;
  }
  if (!ok) return trap_with(c, a->rt, &e, a->name);
  if (a->kind == AD_DROP) return destroyed ? destroy(c, a, out) : LOAM_OK;
  slots[0] = out;
  return LOAM_OK;
}

/* Whether a value of type t can hold a borrow of a resource iface defines. */
static bool has_stub_borrow(const loam_type *t, const char *iface, int depth) {
  if (!t || depth > 64) return false;
  switch (t->kind) {
  case LOAM_T_BORROW: return defined_by(t->u.elem, iface);
  case LOAM_T_LIST: case LOAM_T_OPTION: return has_stub_borrow(t->u.elem, iface, depth + 1);
  case LOAM_T_RESULT:
    return has_stub_borrow(t->u.result.ok, iface, depth + 1) ||
           has_stub_borrow(t->u.result.err, iface, depth + 1);
  case LOAM_T_TUPLE:
    for (uint32_t i = 0; i < t->u.tuple.n; i++)
      if (has_stub_borrow(t->u.tuple.types[i], iface, depth + 1)) return true;
    return false;
  case LOAM_T_RECORD: case LOAM_T_VARIANT:
    for (uint32_t i = 0; i < t->u.record.n; i++)
      if (has_stub_borrow(t->u.record.fields[i].type, iface, depth + 1)) return true;
    return false;
  default: return false;
  }
}

/* Replaces every borrow handle of a stub-defined resource in v by its rep. */
static bool borrows_to_reps(const loam_handles *h, loam_value *v, const loam_type *t,
                            const char *iface, loam_error *err) {
  if (!v) return true;
  switch (t->kind) {
  case LOAM_T_BORROW:
    if (!defined_by(t->u.elem, iface)) return true;
    return loam_handles_rep(h, v->of.handle, t->u.elem, &v->of.handle, err);
  case LOAM_T_LIST:
    for (size_t i = 0; i < v->of.seq.n; i++)
      if (!borrows_to_reps(h, v->of.seq.items[i], t->u.elem, iface, err)) return false;
    return true;
  case LOAM_T_TUPLE:
    for (size_t i = 0; i < v->of.seq.n && i < t->u.tuple.n; i++)
      if (!borrows_to_reps(h, v->of.seq.items[i], t->u.tuple.types[i], iface, err))
        return false;
    return true;
  case LOAM_T_RECORD:
    for (size_t i = 0; i < v->of.seq.n && i < t->u.record.n; i++)
      if (!borrows_to_reps(h, v->of.seq.items[i], t->u.record.fields[i].type, iface, err))
        return false;
    return true;
  case LOAM_T_OPTION:
    return v->of.var.tag != 1 || borrows_to_reps(h, v->of.var.payload, t->u.elem, iface, err);
  case LOAM_T_RESULT: {
    const loam_type *c = v->of.var.tag ? t->u.result.err : t->u.result.ok;
    return !c || borrows_to_reps(h, v->of.var.payload, c, iface, err);
  }
  case LOAM_T_VARIANT: {
    if (v->of.var.tag >= t->u.record.n) return true;
    const loam_type *c = t->u.record.fields[v->of.var.tag].type;
    return !c || borrows_to_reps(h, v->of.var.payload, c, iface, err);
  }
  default: return true;
  }
}

/* A caller's call of a stub function: lift from the caller, call the stub,
 * lower the results back. */
static loam_status adapt_call(loam_caller *c, uint64_t *slots, void *user) {
  adapter *a = user;
  ex_runtime *rt = a->rt;
  loam_instance *ci = loam_caller_instance(c);
  if (a->caller.instance != ci)
    loam_abi_guest_init(&a->caller, loam_caller_store(c), ci, rt->handles);
  loam_value *params[EX_MAX_SIG] = {0}, *results[EX_MAX_SIG] = {0};
  loam_error e;
  if (!loam_abi_lift_params(&a->caller, &a->sig, slots, params, &e))
    return trap_with(c, a->rt, &e, a->name);
  loam_status st = LOAM_OK;
  for (uint32_t i = 0; i < a->sig.nparams && i < 64; i++)
    if ((a->fix_params >> i & 1) &&
        !borrows_to_reps(rt->handles, params[i], a->sig.params[i], a->si->stub->iface, &e)) {
      st = trap_with(c, a->rt, &e, a->name);
      break;
    }
  if (st == LOAM_OK) {
    rt->stderr_tail[0] = '\0'; /* a trap quotes what the stub writes from here */
    if (loam_abi_call(&a->si->guest, a->export_name, &a->sig, params, results, &e) != LOAM_OK)
      st = trap_with(c, a->rt, &e, a->export_name);
    else if (!loam_abi_lower_results(&a->caller, &a->sig, slots, results, &e))
      st = trap_with(c, a->rt, &e, a->name);
  }
  for (uint32_t i = 0; i < a->sig.nparams; i++) loam_value_free(params[i]);
  for (uint32_t i = 0; i < a->sig.nresults; i++) loam_value_free(results[i]);
  return st;
}

static loam_func *dtor_of(const struct ex_stub_inst *si, const char *res) {
  char name[512];
  snprintf(name, sizeof name, "%s#[dtor]%s", si->stub->iface, res);
  return loam_instance_func(si->inst, name);
}

/* Fills a (of kind CALL or DROP) for the caller's import `name` of the stub
 * interface. Types come from the caller's WIT when it has the interface
 * (loam build embeds it), else from the stub's: both describe the same
 * interface, and resources compare by name and owner. */
static bool make_caller_adapter(ex_runtime *rt, struct ex_stub_inst *si, adapter *a,
                                const char *name, loam_error *err) {
  const ex_stub *s = si->stub;
  const loam_wit_interface *ci = loam_wit_find_interface(rt->w->tpl->wit, s->iface);
  const loam_wit_interface *si_wit = stub_iface(s);
  const char *r = NULL;
  a->rt = rt;
  a->si = si;
  a->name = name;
  if (intrinsic_kind(name, &r) == 2) {
    a->kind = AD_DROP;
    a->resource = loam_stub_resource(ci, r);
    if (!a->resource) a->resource = loam_stub_resource(si_wit, r);
    a->dtor = dtor_of(si, r);
    return a->resource ? true
                       : (ex_fail(err, LOAM_ERR_UNKNOWN_IMPORT,
                                  "unknown import: %s.%s (no resource %s in the stub)",
                                  s->iface, name, r), false);
  }
  a->kind = AD_CALL;
  const loam_wit_func *f = loam_stub_func(ci, name), *sf = loam_stub_func(si_wit, name);
  char why[400];
  if (f && sf && !loam_stub_func_match(f, sf, why, sizeof why))
    return ex_fail(err, LOAM_ERR_IMPORT_TYPE,
                   "import %s.%s: the caller was built against another version of the stub "
                   "than the one composed in (%s)",
                   s->iface, name, why), false;
  if (!f) f = sf;
  if (!f)
    return ex_fail(err, LOAM_ERR_UNKNOWN_IMPORT,
                   "unknown import: %s.%s (the stub does not implement it)", s->iface, name),
           false;
  if (!loam_abi_sig_of(f, &a->sig, a->sigbuf, EX_MAX_SIG))
    return ex_fail(err, LOAM_ERR_LIMIT, "%s.%s: too many parameters", s->iface, name), false;
  char exp[512];
  loam_abi_export_name(s->iface, f, exp, sizeof exp);
  if (!(a->export_name = strdup(exp))) return ex_fail(err, LOAM_ERR_NOMEM, "out of memory"), false;
  for (uint32_t i = 0; i < a->sig.nparams && i < 64; i++)
    if (has_stub_borrow(a->sig.params[i], s->iface, 0)) a->fix_params |= 1ull << i;
  /* the stub's export must have the core type the signature lifts as */
  char want[256], got[256];
  loam_functype ft;
  loam_abi_core_type(&a->sig, false, want, sizeof want);
  if (!loam_module_export_functype(s->module, exp, &ft))
    return ex_fail(err, LOAM_ERR_UNKNOWN_IMPORT, "stub %s has no export %s", s->iface, exp),
           false;
  ex_functype_text(&ft, got, sizeof got);
  if (strcmp(want, got))
    return ex_fail(err, LOAM_ERR_IMPORT_TYPE,
                   "stub export %s has core type %s, the caller's WIT says %s", exp, got,
                   want), false;
  return true;
}

/* Defines a's host function in rt->linker under module.name. */
static bool define(ex_runtime *rt, adapter *a, const char *module, const char *name,
                   loam_error *err) {
  char type[256];
  loam_host_fn fn = intrinsic;
  if (a->kind == AD_CALL) {
    loam_abi_core_type(&a->sig, true, type, sizeof type);
    fn = adapt_call;
  } else {
    snprintf(type, sizeof type, a->kind == AD_DROP ? "i:" : "i:i");
  }
  loam_func *f = loam_func_new_host(rt->store, type, fn, a);
  if (!f || !loam_linker_define(rt->linker, module, name,
                                (loam_extern){LOAM_EXTERN_FUNC, {.func = f}}))
    return ex_fail(err, LOAM_ERR_NOMEM, "out of memory"), false;
  return true;
}

/* Instantiates one stub: its resource intrinsics first, then the module
 * (and its _initialize), then the adapters for the caller's imports. */
static bool link_stub(ex_runtime *rt, struct ex_stub_inst *si, loam_error *err) {
  const ex_stub *s = si->stub;
  const loam_module *caller = rt->w->tpl->module;
  char intr[512];
  snprintf(intr, sizeof intr, "[export]%s", s->iface);
  size_t n = 0;
  for (size_t i = 0; i < loam_module_import_count(s->module); i++)
    n += !strcmp(loam_module_import(s->module, i).module, intr);
  for (size_t i = 0; i < loam_module_import_count(caller); i++)
    n += !strcmp(loam_module_import(caller, i).module, s->iface);
  si->ads = calloc(n ? n : 1, sizeof *si->ads);
  if (!si->ads) return ex_fail(err, LOAM_ERR_NOMEM, "out of memory"), false;
  const loam_wit_interface *wi = stub_iface(s);
  for (size_t i = 0; i < loam_module_import_count(s->module); i++) {
    loam_import_desc d = loam_module_import(s->module, i);
    const char *r = NULL;
    if (strcmp(d.module, intr)) continue;
    adapter *a = &si->ads[si->nads++];
    *a = (adapter){.kind = (ad_kind)intrinsic_kind(d.name, &r), .rt = rt, .si = si,
                   .name = d.name};
    a->resource = loam_stub_resource(wi, r); /* checked at registration */
    if (!define(rt, a, d.module, d.name, err)) return false;
  }
  si->inst = loam_instantiate(rt->store, s->module, rt->linker, err);
  if (!si->inst) {
    char m[sizeof err->message];
    snprintf(m, sizeof m, "%s", err->message);
    ex_fail(err, err->code, "stub %s: %s", s->iface, m);
    return false;
  }
  loam_abi_guest_init(&si->guest, rt->store, si->inst, NULL);
  /* the intrinsics' drop runs the destructor too (a stub dropping its own
   * last handle) */
  for (size_t i = 0; i < si->nads; i++)
    if (si->ads[i].kind == AD_DROP && si->ads[i].resource)
      si->ads[i].dtor = dtor_of(si, si->ads[i].resource->name);
  loam_func *init = loam_instance_func(si->inst, "_initialize");
  if (init && loam_call(rt->store, init, NULL, 0, NULL, 0, err) != LOAM_OK) {
    char m[sizeof err->message];
    snprintf(m, sizeof m, "%s", err->message);
    ex_fail(err, err->code, "stub %s: _initialize: %s", s->iface, m);
    return false;
  }
  for (size_t i = 0; i < loam_module_import_count(caller); i++) {
    loam_import_desc d = loam_module_import(caller, i);
    if (strcmp(d.module, s->iface)) continue;
    adapter *a = &si->ads[si->nads++];
    if (!make_caller_adapter(rt, si, a, d.name, err) || !define(rt, a, d.module, d.name, err))
      return false;
  }
  return true;
}

bool ex_stubs_link(ex_runtime *rt, loam_error *err) {
  const ex_template *t = rt->w->tpl;
  if (!t->nstubs) return true;
  rt->stub_insts = calloc(t->nstubs, sizeof *rt->stub_insts);
  if (!rt->stub_insts) return ex_fail(err, LOAM_ERR_NOMEM, "out of memory"), false;
  rt->nstub_insts = t->nstubs;
  for (size_t i = 0; i < t->nstubs; i++) {
    rt->stub_insts[i].stub = &t->stubs[i];
    if (!link_stub(rt, &rt->stub_insts[i], err)) return false;
  }
  return true;
}

void ex_stubs_free(ex_runtime *rt) {
  for (size_t i = 0; i < rt->nstub_insts; i++) {
    struct ex_stub_inst *si = &rt->stub_insts[i];
    for (size_t k = 0; k < si->nads; k++) free(si->ads[k].export_name);
    free(si->ads);
  }
  free(rt->stub_insts);
  rt->stub_insts = NULL;
  rt->nstub_insts = 0;
}
