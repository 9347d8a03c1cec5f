/*
 * compose/stubinfo.c — reading a stub module's WIT and naming rules
 * (stubinfo.h).
 */
#include "compose/stubinfo.h"

#include "wasm/module.h" /* wasm_fail */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


const loam_wit_world *loam_wit_marked_world(const loam_wit *w, const char *text) {
  static const char MARK[] = "// loam:world ";
  if (!w->root) return NULL;
  if (!strncmp(text, MARK, sizeof MARK - 1)) {
    char name[256];
    const char *q = text + sizeof MARK - 1;
    size_t n = strcspn(q, " \r\n");
    if (n && n < sizeof name) {
      memcpy(name, q, n);
      name[n] = '\0';
      return loam_wit_find_world(w->root, name);
    }
  }
  return w->root->nworlds == 1 ? w->root->worlds[0] : NULL;
}

void loam_stub_info_free(loam_stub_info *s) {
  loam_wit_free(s->wit);
  loam_module_free(s->module);
  memset(s, 0, sizeof *s);
}

bool loam_stub_read(const uint8_t *bytes, size_t len, const char *what, loam_stub_info *out,
                    loam_error *err) {
  loam_error e;
  memset(out, 0, sizeof *out);
  if (!(out->module = loam_module_load(bytes, len, &e)))
    return wasm_fail(err, LOAM_ERR_MALFORMED, "%s is not a valid module: %s", what, e.message);
  size_t wlen;
  const uint8_t *wit = loam_module_custom_section(out->module, "loam:wit", &wlen);
  char *text = wit ? malloc(wlen + 1) : NULL;
  if (!text) {
    loam_stub_info_free(out);
    return wit ? wasm_fail(err, LOAM_ERR_NOMEM, "out of memory")
               : wasm_fail(err, LOAM_ERR_INVALID,
                      "%s carries no WIT (custom section loam:wit): build stubs with "
                      "`loam stubgen build` or `loam build`",
                      what);
  }
  memcpy(text, wit, wlen);
  text[wlen] = '\0';
  out->wit = loam_wit_load_text("stub.wit", text, wlen, &e);
  const loam_wit_world *w = out->wit ? loam_wit_marked_world(out->wit, text) : NULL;
  free(text);
  if (!out->wit) {
    loam_stub_info_free(out);
    return wasm_fail(err, LOAM_ERR_INVALID, "%s: its WIT does not resolve: %s", what, e.message);
  }
  if (!w || w->nexports != 1 || w->exports[0].kind != LOAM_WIT_ITEM_INTERFACE ||
      !w->exports[0].iface->id) {
    loam_stub_info_free(out);
    return wasm_fail(err, LOAM_ERR_INVALID,
                "%s: its world must export exactly one interface (the stub interface)", what);
  }
  out->iface = w->exports[0].iface;
  return true;
}

bool loam_stub_like(const char *module) {
  const char *colon = strchr(module, ':'), *slash = strchr(module, '/');
  if (!colon || !slash || slash < colon) return false;
  const char *at = memchr(module, '@', (size_t)(slash - module));
  const char *end = at ? at : slash;
  return end - colon > 5 && !strncmp(end - 5, "-stub", 5);
}

const loam_type *loam_stub_resource(const loam_wit_interface *i, const char *name) {
  const loam_wit_typedef *td = i ? loam_wit_find_type(i, name) : NULL;
  if (!td || td->used_from || !td->type || td->type->kind != LOAM_T_RESOURCE) return NULL;
  return td->type;
}

const loam_wit_func *loam_stub_func(const loam_wit_interface *i, const char *core) {
  for (uint32_t k = 0; i && k < i->nfuncs; k++)
    if (!strcmp(i->funcs[k].core_name, core)) return &i->funcs[k];
  return NULL;
}

/* Structural type equality; resources compare by name and owner (two WITs
 * resolve the same definition to different pointers). */
static bool same_type(const loam_type *a, const loam_type *b, int depth) {
  if (a == b) return true;
  if (!a || !b || a->kind != b->kind || depth > 64) return false;
  switch (a->kind) {
  case LOAM_T_RESOURCE:
    return a->name && b->name && !strcmp(a->name, b->name) &&
           (a->owner == b->owner || (a->owner && b->owner && !strcmp(a->owner, b->owner)));
  case LOAM_T_LIST: case LOAM_T_OPTION: case LOAM_T_OWN: case LOAM_T_BORROW:
    return same_type(a->u.elem, b->u.elem, depth + 1);
  case LOAM_T_RESULT:
    return same_type(a->u.result.ok, b->u.result.ok, depth + 1) &&
           same_type(a->u.result.err, b->u.result.err, depth + 1);
  case LOAM_T_TUPLE:
    if (a->u.tuple.n != b->u.tuple.n) return false;
    for (uint32_t i = 0; i < a->u.tuple.n; i++)
      if (!same_type(a->u.tuple.types[i], b->u.tuple.types[i], depth + 1)) return false;
    return true;
  case LOAM_T_RECORD: case LOAM_T_VARIANT:
    if (a->u.record.n != b->u.record.n) return false;
    for (uint32_t i = 0; i < a->u.record.n; i++) {
      const loam_field *x = &a->u.record.fields[i], *y = &b->u.record.fields[i];
      if (strcmp(x->name, y->name) || !same_type(x->type, y->type, depth + 1)) return false;
    }
    return true;
  case LOAM_T_ENUM: case LOAM_T_FLAGS:
    if (a->u.labels.n != b->u.labels.n) return false;
    for (uint32_t i = 0; i < a->u.labels.n; i++)
      if (strcmp(a->u.labels.labels[i], b->u.labels.labels[i])) return false;
    return true;
  default: return true; /* primitives: the kind says it all */
  }
}

/* "what: T1 here, T2 in the stub" into why. */
static bool differ(char *why, size_t cap, const char *what, const loam_type *a,
                   const loam_type *b) {
  char ta[160] = "nothing", tb[160] = "nothing";
  if (a) loam_type_print(a, ta, sizeof ta);
  if (b) loam_type_print(b, tb, sizeof tb);
  if (a && b && !strcmp(ta, tb))
    snprintf(why, cap, "%s: type %s differs from the stub's (a field, case or label)", what,
             ta);
  else
    snprintf(why, cap, "%s: %s here, %s in the stub", what, ta, tb);
  return false;
}

bool loam_stub_func_match(const loam_wit_func *caller, const loam_wit_func *stub, char *why,
                          size_t cap) {
  char what[128];
  uint32_t np = caller->nparams > stub->nparams ? caller->nparams : stub->nparams;
  for (uint32_t i = 0; i < np; i++) {
    const loam_wit_param *x = i < caller->nparams ? &caller->params[i] : NULL;
    const loam_wit_param *y = i < stub->nparams ? &stub->params[i] : NULL;
    if (x && y && same_type(x->type, y->type, 0)) continue;
    snprintf(what, sizeof what, "param %u (`%s`)", i + 1, (x ? x : y)->name);
    return differ(why, cap, what, x ? x->type : NULL, y ? y->type : NULL);
  }
  uint32_t nr = caller->nresults > stub->nresults ? caller->nresults : stub->nresults;
  for (uint32_t i = 0; i < nr; i++) {
    const loam_type *x = i < caller->nresults ? caller->results[i].type : NULL;
    const loam_type *y = i < stub->nresults ? stub->results[i].type : NULL;
    if (x && y && same_type(x, y, 0)) continue;
    snprintf(what, sizeof what, "result %u", i + 1);
    return differ(why, cap, what, x, y);
  }
  return true;
}
