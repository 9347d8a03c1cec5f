/* call.c — whole calls over the canonical ABI: calling a guest's export with
 * value trees (params lowered flat or spilled to memory, results lifted from
 * flat values or a return area, then cabi_post_<name>), and the helpers a
 * host function uses to implement a guest's import. */
#include "abi/abi_int.h"
#include "types/layout.h"
#include "wasm/module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void loam_abi_guest_init(loam_abi_guest *g, loam_store *s, loam_instance *inst,
                         loam_handles *handles) {
  g->store = s;
  g->instance = inst;
  g->memory = inst ? loam_instance_memory(inst) : NULL;
  g->realloc = inst ? loam_instance_func(inst, "cabi_realloc") : NULL;
  g->handles = handles;
}

/* ---- flattened signatures ------------------------------------------------- */

static uint64_t count_flat(uint32_t n, const loam_type *const *ts) {
  uint64_t k = 0;
  for (uint32_t i = 0; i < n; i++) k += ts[i]->nflat;
  return k;
}

/* The layout of a list of types stored as a tuple: its alignment and size,
 * and optionally each one's offset. */
static void tuple_layout(uint32_t n, const loam_type *const *ts, uint32_t *align,
                         uint32_t *size, uint32_t *offsets) {
  uint32_t off = 0, al = 1;
  for (uint32_t i = 0; i < n; i++) {
    off = loam_align_to(off, ts[i]->align);
    if (offsets) offsets[i] = off;
    off += ts[i]->size;
    if (ts[i]->align > al) al = ts[i]->align;
  }
  *align = al;
  *size = loam_align_to(off, al);
}

static char core_letter(uint8_t c) {
  switch (c) {
  case LOAM_CORE_I64: return 'I';
  case LOAM_CORE_F32: return 'f';
  case LOAM_CORE_F64: return 'F';
  default: return 'i';
  }
}

typedef struct writer { char *buf; size_t cap, len; } writer;

static void emit(writer *w, char c) {
  if (w->len + 1 < w->cap) {
    w->buf[w->len] = c;
    w->buf[w->len + 1] = '\0';
  }
  w->len++;
}

static void emit_flat(writer *w, uint32_t n, const loam_type *const *ts) {
  for (uint32_t i = 0; i < n; i++)
    for (uint32_t k = 0; k < ts[i]->nflat; k++) emit(w, core_letter(ts[i]->flat[k]));
}

size_t loam_abi_core_type(const loam_abi_sig *sig, bool import, char *buf, size_t cap) {
  writer w = {buf, cap, 0};
  if (cap) buf[0] = '\0';
  bool spill_params = count_flat(sig->nparams, sig->params) > LOAM_ABI_MAX_FLAT_PARAMS;
  bool spill_results = count_flat(sig->nresults, sig->results) > LOAM_ABI_MAX_FLAT_RESULTS;
  if (spill_params) emit(&w, 'i');
  else emit_flat(&w, sig->nparams, sig->params);
  if (spill_results && import) emit(&w, 'i');
  emit(&w, ':');
  if (spill_results && !import) emit(&w, 'i');
  else if (!spill_results) emit_flat(&w, sig->nresults, sig->results);
  return w.len;
}

/* ---- sequences of values (params, results) -------------------------------- */

/* Lowers n values flat into out (which has room for all their flat values). */
static bool lower_all_flat(abi_cx *cx, uint32_t n, const loam_type *const *ts,
                           loam_value *const *vs, loam_val *out) {
  for (uint32_t i = 0; i < n; i++) {
    if (!abi_lower_flat(cx, vs[i], ts[i], out)) return false;
    out += ts[i]->nflat;
  }
  return true;
}

/* Stores n values as a tuple at ptr. */
static bool store_all(abi_cx *cx, uint32_t n, const loam_type *const *ts,
                      loam_value *const *vs, uint32_t ptr) {
  uint32_t align, size, *offs = malloc((n ? n : 1) * sizeof *offs);
  if (!offs) return abi_nomem(cx);
  tuple_layout(n, ts, &align, &size, offs);
  bool ok = abi_mem(cx, ptr, size, align, "tuple") != NULL;
  for (uint32_t i = 0; ok && i < n; i++) ok = abi_store(cx, vs[i], ts[i], ptr + offs[i]);
  free(offs);
  return ok;
}

static void free_values(uint32_t n, loam_value **vs) {
  for (uint32_t i = 0; i < n; i++) {
    loam_value_free(vs[i]);
    vs[i] = NULL;
  }
}

/* Lifts n values from flat core values; on failure frees what it made. */
static bool lift_all_flat(abi_cx *cx, uint32_t n, const loam_type *const *ts,
                          const loam_val *in, loam_value **out) {
  for (uint32_t i = 0; i < n; i++) {
    if (!(out[i] = abi_lift_flat(cx, ts[i], in))) {
      free_values(i, out);
      return false;
    }
    in += ts[i]->nflat;
  }
  return true;
}

/* Loads n values stored as a tuple at ptr; on failure frees what it made. */
static bool load_all(abi_cx *cx, uint32_t n, const loam_type *const *ts, uint32_t ptr,
                     loam_value **out) {
  uint32_t align, size, *offs = malloc((n ? n : 1) * sizeof *offs);
  if (!offs) return abi_nomem(cx);
  tuple_layout(n, ts, &align, &size, offs);
  bool ok = abi_mem(cx, ptr, size, align, "return area") != NULL;
  uint32_t i = 0;
  for (; ok && i < n; i++) ok = (out[i] = abi_load(cx, ts[i], ptr + offs[i])) != NULL;
  if (!ok) free_values(i, out);
  free(offs);
  return ok;
}

/* ---- calling an export ---------------------------------------------------- */

static bool check_core_type(abi_cx *cx, loam_func *f, const char *name,
                            const loam_abi_sig *sig) {
  char want[256], have[256];
  loam_abi_core_type(sig, false, want, sizeof want);
  loam_functype ft = loam_func_type(f);
  writer w = {have, sizeof have, 0};
  have[0] = '\0';
  for (uint32_t i = 0; i < ft.nparams; i++) emit(&w, core_letter(ft.params[i]));
  emit(&w, ':');
  for (uint32_t i = 0; i < ft.nresults; i++) emit(&w, core_letter(ft.results[i]));
  if (strcmp(want, have) == 0) return true;
  return wasm_fail(cx->err, LOAM_ERR_IMPORT_TYPE,
                   "canonical ABI: export %s has core type %s, its WIT type needs %s",
                   name, have, want);
}

/* Lowers the params into args (flat, or one pointer to a spilled tuple). */
static bool lower_params(abi_cx *cx, const loam_abi_sig *sig, loam_value *const *params,
                         loam_val *args, size_t *nargs) {
  uint64_t n = count_flat(sig->nparams, sig->params);
  if (n <= LOAM_ABI_MAX_FLAT_PARAMS) {
    *nargs = (size_t)n;
    return lower_all_flat(cx, sig->nparams, sig->params, params, args);
  }
  uint32_t align, size, ptr;
  tuple_layout(sig->nparams, sig->params, &align, &size, NULL);
  if (!abi_alloc(cx, align, size, &ptr)) return false;
  *nargs = 1;
  args[0] = loam_val_i32(ptr);
  return store_all(cx, sig->nparams, sig->params, params, ptr);
}

static bool call_post_return(abi_cx *cx, const char *name, const loam_val *res,
                             size_t nres) {
  char post[256];
  if ((size_t)snprintf(post, sizeof post, "cabi_post_%s", name) >= sizeof post) return true;
  loam_func *f = loam_instance_func(cx->g->instance, post);
  if (!f) return true;
  loam_status st = loam_call(cx->g->store, f, res, nres, NULL, 0, cx->err);
  return st == LOAM_OK;
}

loam_status loam_abi_call(loam_abi_guest *g, const char *name, const loam_abi_sig *sig,
                          loam_value *const *params, loam_value **results,
                          loam_error *err) {
  loam_error scratch;
  if (!err) err = &scratch;
  loam_borrow_scope scope;
  loam_borrow_scope_init(&scope);
  abi_cx cx = {g, err, &scope};
  for (uint32_t i = 0; i < sig->nresults; i++) results[i] = NULL;
  loam_func *f = loam_instance_func(g->instance, name);
  if (!f) {
    wasm_fail(err, LOAM_ERR_NOT_FOUND, "canonical ABI: no export %s", name);
    return err->code;
  }
  if (!check_core_type(&cx, f, name, sig)) return err->code;

  loam_val small[LOAM_ABI_MAX_FLAT_PARAMS], res[1];
  size_t nargs = 0, nres = count_flat(sig->nresults, sig->results) ? 1 : 0;
  bool ok = lower_params(&cx, sig, params, small, &nargs);
  ok = ok && loam_call(g->store, f, small, nargs, res, nres, err) == LOAM_OK;
  /* The guest must have dropped the borrows it was given by now. */
  if (g->handles) {
    loam_error e2;
    bool scoped = loam_borrow_scope_exit(g->handles, &scope, &e2);
    if (ok && !scoped) {
      *err = e2;
      ok = false;
    }
  }
  if (!ok) return err->code;

  if (count_flat(sig->nresults, sig->results) <= LOAM_ABI_MAX_FLAT_RESULTS)
    ok = lift_all_flat(&cx, sig->nresults, sig->results, res, results);
  else
    ok = load_all(&cx, sig->nresults, sig->results, res[0].of.i32, results);
  if (ok && !call_post_return(&cx, name, res, nres)) {
    free_values(sig->nresults, results);
    ok = false;
  }
  if (!ok) return err->code;
  memset(err, 0, sizeof *err);
  return LOAM_OK;
}

/* ---- implementing an import ----------------------------------------------- */

static loam_val slot_val(uint64_t s, uint8_t core) {
  loam_val x = {(loam_valtype)core, {.i64 = 0}};
  if (core == LOAM_CORE_I32 || core == LOAM_CORE_F32) x.of.i32 = (uint32_t)s;
  else x.of.i64 = s;
  return x;
}

bool loam_abi_lift_params(loam_abi_guest *g, const loam_abi_sig *sig,
                          const uint64_t *slots, loam_value **params, loam_error *err) {
  abi_cx cx = {g, err, NULL};
  uint64_t n = count_flat(sig->nparams, sig->params);
  if (n > LOAM_ABI_MAX_FLAT_PARAMS)
    return load_all(&cx, sig->nparams, sig->params, (uint32_t)slots[0], params);
  loam_val in[LOAM_ABI_MAX_FLAT_PARAMS];
  uint32_t k = 0;
  for (uint32_t i = 0; i < sig->nparams; i++)
    for (uint32_t j = 0; j < sig->params[i]->nflat; j++, k++)
      in[k] = slot_val(slots[k], sig->params[i]->flat[j]);
  return lift_all_flat(&cx, sig->nparams, sig->params, in, params);
}

bool loam_abi_lower_results(loam_abi_guest *g, const loam_abi_sig *sig,
                            uint64_t *slots, loam_value *const *results,
                            loam_error *err) {
  abi_cx cx = {g, err, NULL};
  uint64_t np = count_flat(sig->nparams, sig->params);
  uint64_t nr = count_flat(sig->nresults, sig->results);
  if (nr > LOAM_ABI_MAX_FLAT_RESULTS) {
    uint32_t retptr = (uint32_t)slots[np > LOAM_ABI_MAX_FLAT_PARAMS ? 1 : np];
    return store_all(&cx, sig->nresults, sig->results, results, retptr);
  }
  loam_val out[1];
  if (!lower_all_flat(&cx, sig->nresults, sig->results, results, out)) return false;
  if (nr) slots[0] = out[0].type == LOAM_I32 || out[0].type == LOAM_F32 ? out[0].of.i32 : out[0].of.i64;
  return true;
}

/* ---- single values -------------------------------------------------------- */

bool loam_abi_store(loam_abi_guest *g, const loam_value *v, const loam_type *t,
                    uint32_t ptr, loam_error *err) {
  abi_cx cx = {g, err, NULL};
  return abi_store(&cx, v, t, ptr);
}

loam_value *loam_abi_load(loam_abi_guest *g, const loam_type *t, uint32_t ptr,
                          loam_error *err) {
  abi_cx cx = {g, err, NULL};
  return abi_load(&cx, t, ptr);
}

bool loam_abi_lower_flat(loam_abi_guest *g, const loam_value *v, const loam_type *t,
                         loam_val *out, loam_error *err) {
  abi_cx cx = {g, err, NULL};
  return abi_lower_flat(&cx, v, t, out);
}

loam_value *loam_abi_lift_flat(loam_abi_guest *g, const loam_type *t, const loam_val *in,
                               loam_error *err) {
  abi_cx cx = {g, err, NULL};
  return abi_lift_flat(&cx, t, in);
}
