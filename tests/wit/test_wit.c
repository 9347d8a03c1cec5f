/*
 * test_wit.c — the WIT front end: the seed's packages resolve into the
 * expected model, `loam wit print` output matches golden files and re-parses
 * to the same model, and every kind of mistake is reported with its position.
 * Set LOAM_UPDATE_GOLDEN=1 to rewrite the golden files from the printer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loam/wit.h"

#include <fcntl.h>
#include <unistd.h>

/* The `loam wit` command itself (src/cli is not in the library). */
#include "../../src/cli/wit.c"

/* tests/wit/, found from this file's path (CMake compiles with full paths). */
static char here[1024];

static const char *path(const char *rel) {
  static char buf[4][1200];
  static int next;
  char *b = buf[next++ % 4];
  snprintf(b, sizeof buf[0], "%s/%s", here, rel);
  return b;
}

static char *read_all(const char *file) {
  FILE *f = fopen(file, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  size_t got = fread(s, 1, (size_t)n, f);
  s[got] = '\0';
  fclose(f);
  return s;
}

static loam_wit *load_ok(const char *rel) {
  loam_error err = {0};
  loam_wit *w = loam_wit_load(path(rel), &err);
  if (!w) fail_msg("%s: %s", rel, err.message);
  return w;
}

static loam_wit *text_ok(const char *text) {
  loam_error err = {0};
  loam_wit *w = loam_wit_load_text("t.wit", text, strlen(text), &err);
  if (!w) fail_msg("%s\n--- in:\n%s", err.message, text);
  return w;
}

/* ---- structural equality of two models ------------------------------------ */

static bool type_eq(const loam_type *a, const loam_type *b, int depth);

static bool fields_eq(const loam_field *a, const loam_field *b, uint32_t n, int depth) {
  for (uint32_t i = 0; i < n; i++)
    if (strcmp(a[i].name, b[i].name) || !type_eq(a[i].type, b[i].type, depth))
      return false;
  return true;
}

static bool str_eq(const char *a, const char *b) {
  return a == b || (a && b && !strcmp(a, b));
}

/* Named types compare by name and owner (no recursion: cycles through
 * resources stay finite); anonymous ones structurally. */
static bool type_eq(const loam_type *a, const loam_type *b, int depth) {
  if (!a || !b) return a == b;
  if (a->kind != b->kind || !str_eq(a->name, b->name) || !str_eq(a->owner, b->owner))
    return false;
  if (a->size != b->size || a->align != b->align || a->nflat != b->nflat) return false;
  if (depth > 0 && a->name) return true;
  depth++;
  switch (a->kind) {
  case LOAM_T_LIST: case LOAM_T_OPTION: case LOAM_T_OWN: case LOAM_T_BORROW:
    return type_eq(a->u.elem, b->u.elem, depth);
  case LOAM_T_RESULT:
    return type_eq(a->u.result.ok, b->u.result.ok, depth) &&
           type_eq(a->u.result.err, b->u.result.err, depth);
  case LOAM_T_TUPLE:
    if (a->u.tuple.n != b->u.tuple.n) return false;
    for (uint32_t i = 0; i < a->u.tuple.n; i++)
      if (!type_eq(a->u.tuple.types[i], b->u.tuple.types[i], depth)) return false;
    return true;
  case LOAM_T_RECORD: case LOAM_T_VARIANT:
    return a->u.record.n == b->u.record.n &&
           fields_eq(a->u.record.fields, b->u.record.fields, a->u.record.n, depth);
  case LOAM_T_ENUM: case LOAM_T_FLAGS:
    if (a->u.labels.n != b->u.labels.n) return false;
    for (uint32_t i = 0; i < a->u.labels.n; i++)
      if (strcmp(a->u.labels.labels[i], b->u.labels.labels[i])) return false;
    return true;
  default:
    return true;
  }
}

static void meta_eq(const loam_wit_meta *a, const loam_wit_meta *b, const char *what) {
  if (!str_eq(a->docs, b->docs)) fail_msg("%s: docs differ", what);
  if (a->ngates != b->ngates) fail_msg("%s: gates differ", what);
  for (uint32_t i = 0; i < a->ngates; i++)
    if (a->gates[i].kind != b->gates[i].kind ||
        !str_eq(a->gates[i].version, b->gates[i].version) ||
        !str_eq(a->gates[i].feature, b->gates[i].feature))
      fail_msg("%s: gate %u differs", what, i);
}

static void params_eq(const loam_wit_param *a, const loam_wit_param *b, uint32_t n,
                      const char *what) {
  for (uint32_t i = 0; i < n; i++)
    if (!str_eq(a[i].name, b[i].name) || !type_eq(a[i].type, b[i].type, 0))
      fail_msg("%s: parameter/result %u differs", what, i);
}

static void func_eq(const loam_wit_func *a, const loam_wit_func *b) {
  const char *w = a->core_name;
  if (strcmp(a->name, b->name) || strcmp(a->core_name, b->core_name) ||
      a->kind != b->kind || a->is_async != b->is_async || a->nparams != b->nparams || a->nresults != b->nresults ||
      a->results_kind != b->results_kind || !type_eq(a->resource, b->resource, 0))
    fail_msg("function %s differs", w);
  params_eq(a->params, b->params, a->nparams, w);
  params_eq(a->results, b->results, a->nresults, w);
  meta_eq(&a->meta, &b->meta, w);
}

static void iface_eq(const loam_wit_interface *a, const loam_wit_interface *b) {
  const char *w = a->id ? a->id : "(inline)";
  if (!str_eq(a->name, b->name) || !str_eq(a->id, b->id) || a->ntypes != b->ntypes ||
      a->nfuncs != b->nfuncs)
    fail_msg("interface %s differs (%u/%u types, %u/%u funcs)", w, a->ntypes,
             b->ntypes, a->nfuncs, b->nfuncs);
  for (uint32_t i = 0; i < a->ntypes; i++) {
    const loam_wit_typedef *x = &a->types[i], *y = &b->types[i];
    if (strcmp(x->name, y->name) || !type_eq(x->type, y->type, 0) ||
        !type_eq(x->alias_of, y->alias_of, 0) || !str_eq(x->used_name, y->used_name) ||
        !x->used_from != !y->used_from ||
        (x->used_from && !str_eq(x->used_from->id, y->used_from->id)))
      fail_msg("%s: type %s differs", w, x->name);
    meta_eq(&x->meta, &y->meta, x->name);
    if (!x->field_docs != !y->field_docs) fail_msg("%s: field docs differ", x->name);
    for (uint32_t k = 0; x->field_docs && k < x->type->u.record.n; k++)
      if (!str_eq(x->field_docs[k], y->field_docs[k]))
        fail_msg("%s: docs of field %u differ", x->name, k);
  }
  for (uint32_t i = 0; i < a->nfuncs; i++) func_eq(&a->funcs[i], &b->funcs[i]);
  meta_eq(&a->meta, &b->meta, w);
}

static void items_eq(const loam_wit_item *a, const loam_wit_item *b, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    if (strcmp(a[i].name, b[i].name) || a[i].kind != b[i].kind ||
        a[i].from_include != b[i].from_include)
      fail_msg("world item %s differs", a[i].name);
    if (a[i].func) func_eq(a[i].func, b[i].func);
    if (a[i].iface) iface_eq(a[i].iface, b[i].iface);
    meta_eq(&a[i].meta, &b[i].meta, a[i].name);
  }
}

static void model_eq(const loam_wit *a, const loam_wit *b) {
  assert_int_equal(a->npackages, b->npackages);
  assert_string_equal(a->root->id, b->root->id);
  for (uint32_t i = 0; i < a->npackages; i++) {
    const loam_wit_package *p = a->packages[i];
    const loam_wit_package *q = loam_wit_find_package(b, p->id);
    if (!q) fail_msg("package %s missing after the round trip", p->id);
    assert_int_equal(p->ninterfaces, q->ninterfaces);
    assert_int_equal(p->nworlds, q->nworlds);
    for (uint32_t j = 0; j < p->ninterfaces; j++) iface_eq(p->interfaces[j], q->interfaces[j]);
    for (uint32_t j = 0; j < p->nworlds; j++) {
      const loam_wit_world *x = p->worlds[j], *y = q->worlds[j];
      assert_string_equal(x->id, y->id);
      assert_int_equal(x->nimports, y->nimports);
      assert_int_equal(x->nexports, y->nexports);
      assert_int_equal(x->ntypes, y->ntypes);
      assert_int_equal(x->nincludes, y->nincludes);
      items_eq(x->imports, y->imports, x->nimports);
      items_eq(x->exports, y->exports, x->nexports);
      for (uint32_t k = 0; k < x->ntypes; k++)
        if (strcmp(x->types[k].name, y->types[k].name) ||
            !type_eq(x->types[k].type, y->types[k].type, 0))
          fail_msg("world %s: type %s differs", x->id, x->types[k].name);
      meta_eq(&x->meta, &y->meta, x->id);
    }
  }
}

/* ---- the seed's packages -------------------------------------------------- */

static void test_purchase_history(void **state) {
  (void)state;
  loam_wit *w = load_ok("dirs/purchase-history");
  assert_string_equal(w->root->id, "shopping:purchase-history");
  const loam_wit_interface *api = loam_wit_find_interface(w, "shopping:purchase-history/api");
  assert_non_null(api);
  const loam_wit_typedef *item = loam_wit_find_type(api, "product-item");
  const loam_wit_typedef *order = loam_wit_find_type(api, "order");
  assert_non_null(item);
  assert_non_null(order);
  assert_int_equal(item->type->kind, LOAM_T_RECORD);
  assert_int_equal(item->type->u.record.n, 4);
  assert_string_equal(item->type->u.record.fields[2].name, "price");
  assert_int_equal(item->type->u.record.fields[2].type->kind, LOAM_T_F32);
  assert_string_equal(item->type->owner, "shopping:purchase-history/api");
  const loam_type *items = order->type->u.record.fields[1].type;
  assert_int_equal(items->kind, LOAM_T_LIST);
  assert_ptr_equal(items->u.elem, item->type);
  const loam_wit_func *add = loam_wit_find_func(api, "add-order");
  assert_non_null(add);
  assert_int_equal(add->kind, LOAM_WIT_FUNC_FREESTANDING);
  assert_int_equal(add->nparams, 1);
  assert_ptr_equal(add->params[0].type, order->type);
  assert_int_equal(add->results_kind, LOAM_WIT_RESULTS_NONE);
  const loam_wit_func *get = loam_wit_find_func(api, "get-orders");
  assert_int_equal(get->results_kind, LOAM_WIT_RESULTS_ANON);
  assert_int_equal(get->results[0].type->kind, LOAM_T_LIST);
  const loam_wit_world *world = loam_wit_find_world(w->root, "purchase-history");
  assert_non_null(world);
  assert_int_equal(world->nexports, 1);
  assert_ptr_equal(world->exports[0].iface, api);
  assert_string_equal(world->exports[0].name, "shopping:purchase-history/api");
  loam_wit_free(w);
}

static void test_shopping_cart(void **state) {
  (void)state;
  loam_wit *w = load_ok("dirs/shopping-cart");
  assert_string_equal(w->root->id, "shopping:cart");
  assert_int_equal(w->npackages, 5);
  assert_ptr_equal(w->packages[w->npackages - 1], w->root);  /* deps first */
  const loam_wit_interface *ph = loam_wit_find_interface(w, "shopping:purchase-history/api");
  const loam_wit_interface *api = loam_wit_find_interface(w, "shopping:cart/api");
  assert_non_null(ph);
  assert_non_null(api);
  /* `use` shares the original types */
  const loam_wit_typedef *order = loam_wit_find_type(api, "order");
  assert_non_null(order);
  assert_ptr_equal(order->used_from, ph);
  assert_ptr_equal(order->type, loam_wit_find_type(ph, "order")->type);
  const loam_wit_typedef *res = loam_wit_find_type(api, "checkout-result");
  assert_int_equal(res->type->kind, LOAM_T_VARIANT);
  assert_int_equal(res->type->u.record.n, 2);
  assert_ptr_equal(res->type->u.record.fields[1].type,
                   loam_wit_find_type(api, "order-confirmation")->type);
  assert_int_equal(api->nfuncs, 6);
  const loam_wit_func *upd = loam_wit_find_func(api, "update-item-quantity");
  assert_int_equal(upd->nparams, 2);
  assert_int_equal(upd->params[1].type->kind, LOAM_T_U32);

  const loam_wit_world *world = loam_wit_find_world(w->root, "shopping-cart");
  assert_int_equal(world->nimports, 1);
  assert_string_equal(world->imports[0].name,
                      "shopping:purchase-history-stub/stub-purchase-history");
  assert_ptr_equal(loam_wit_world_func(world, true, "shopping:cart/api.{checkout}", NULL),
                   loam_wit_find_func(api, "checkout"));
  assert_non_null(loam_wit_world_func(
      world, false, "shopping:purchase-history-stub/stub-purchase-history.{api.add-order}", NULL));
  const loam_wit_interface *stub = world->imports[0].iface;
  const loam_wit_typedef *rsrc = loam_wit_find_type(stub, "api");
  assert_int_equal(rsrc->type->kind, LOAM_T_RESOURCE);
  const loam_wit_func *ctor = loam_wit_find_func(stub, "[constructor]api");
  assert_non_null(ctor);
  assert_int_equal(ctor->kind, LOAM_WIT_FUNC_CONSTRUCTOR);
  assert_string_equal(ctor->params[0].type->name, "uri");
  assert_int_equal(ctor->results[0].type->kind, LOAM_T_OWN);
  assert_ptr_equal(ctor->results[0].type->u.elem, rsrc->type);
  const loam_wit_func *add = loam_wit_find_func(stub, "[method]api.add-order");
  assert_non_null(add);
  assert_int_equal(add->nparams, 2);
  assert_string_equal(add->params[0].name, "self");
  assert_int_equal(add->params[0].type->kind, LOAM_T_BORROW);
  assert_ptr_equal(add->params[1].type, order->type);

  /* golem:rpc as issue 7 specifies it */
  const loam_wit_interface *rpc = loam_wit_find_interface(w, "golem:rpc/types@0.1.0");
  assert_non_null(rpc);
  assert_non_null(loam_wit_find_interface(w, "golem:rpc/types"));
  const loam_type *node = loam_wit_find_type(rpc, "wit-node")->type;
  assert_int_equal(node->u.record.n, 21);
  assert_string_equal(node->u.record.fields[0].name, "record-value");
  assert_string_equal(node->u.record.fields[7].name, "result-value");
  assert_string_equal(node->u.record.fields[20].name, "prim-string");
  assert_int_equal(node->u.record.fields[16].type->kind, LOAM_T_F32);
  const loam_wit_func *sub = loam_wit_find_func(rpc, "[method]future-invoke-result.subscribe");
  assert_non_null(sub);
  assert_int_equal(sub->results[0].type->kind, LOAM_T_OWN);
  assert_string_equal(sub->results[0].type->u.elem->name, "pollable");
  assert_string_equal(sub->results[0].type->u.elem->owner, "wasi:io/poll@0.2.0");
  loam_wit_free(w);
}

/* The shipped wit/deps resolve, and the test directories hold the same text. */
static void test_shipped_deps(void **state) {
  (void)state;
  loam_wit *w = load_ok("../../wit/deps/wasi-io");
  assert_string_equal(w->root->id, "wasi:io@0.2.0");
  loam_wit_free(w);
  w = load_ok("../../wit/deps/wasi-io/poll.wit");
  loam_wit_free(w);
  const char *pairs[][2] = {
      {"../../wit/deps/golem-rpc/types.wit", "dirs/shopping-cart/deps/golem-rpc/types.wit"},
      {"../../wit/deps/wasi-io/poll.wit", "dirs/shopping-cart/deps/wasi-io/poll.wit"},
  };
  for (size_t i = 0; i < 2; i++) {
    char *a = read_all(path(pairs[i][0])), *b = read_all(path(pairs[i][1]));
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a, b);
    free(a);
    free(b);
  }
}

/* ---- golden print and round trip ------------------------------------------ */

static void golden(const char *dir, const char *world, const char *expected_rel) {
  loam_wit *w = load_ok(dir);
  loam_error err = {0};
  char *text = loam_wit_print(w, world, &err);
  if (!text) fail_msg("print %s: %s", dir, err.message);
  const char *exp_path = path(expected_rel);
  if (getenv("LOAM_UPDATE_GOLDEN")) {
    FILE *f = fopen(exp_path, "wb");
    fputs(text, f);
    fclose(f);
  }
  char *expected = read_all(exp_path);
  if (!expected) fail_msg("missing golden file %s", exp_path);
  if (strcmp(text, expected))
    fail_msg("%s: output differs from %s:\n%s", dir, expected_rel, text);
  /* re-parse: the same model, and printing it again gives the same text */
  loam_wit *again = loam_wit_load_text("printed.wit", text, strlen(text), &err);
  if (!again) fail_msg("re-parsing the print of %s: %s\n%s", dir, err.message, text);
  if (!world) model_eq(w, again);
  char *text2 = loam_wit_print(again, world, &err);
  assert_non_null(text2);
  assert_string_equal(text, text2);
  free(text2);
  loam_wit_free(again);
  free(expected);
  free(text);
  loam_wit_free(w);
}

static void test_golden_purchase_history(void **state) {
  (void)state;
  golden("dirs/purchase-history", NULL, "golden/purchase-history.wit");
}

static void test_golden_shopping_cart(void **state) {
  (void)state;
  golden("dirs/shopping-cart", NULL, "golden/shopping-cart.wit");
  golden("dirs/shopping-cart", "shopping-cart", "golden/shopping-cart--world.wit");
}

static void test_golden_features(void **state) {
  (void)state;
  golden("dirs/features", NULL, "golden/features.wit");
  golden("dirs/features", "base", "golden/features--world-base.wit");
}

/* Round trips of any WIT directories named in LOAM_WIT_EXTRA_DIRS
 * (colon-separated), e.g. real WASI packages checked out elsewhere. */
static void test_extra_dirs(void **state) {
  (void)state;
  const char *env = getenv("LOAM_WIT_EXTRA_DIRS");
  if (!env || !*env) skip();
  char *list = strdup(env), *save = NULL;
  for (char *d = strtok_r(list, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
    loam_error err = {0};
    loam_wit *w = loam_wit_load(d, &err);
    if (!w) fail_msg("%s", err.message);
    char *text = loam_wit_print(w, NULL, &err);
    loam_wit *again = loam_wit_load_text("printed.wit", text, strlen(text), &err);
    if (!again) fail_msg("re-parsing the print of %s: %s", d, err.message);
    model_eq(w, again);
    char *text2 = loam_wit_print(again, NULL, &err);
    assert_string_equal(text, text2);
    free(text);
    free(text2);
    loam_wit_free(again);
    loam_wit_free(w);
  }
  free(list);
}

/* The feature directory's model, spot-checked. */
static void test_features_model(void **state) {
  (void)state;
  loam_wit *w = load_ok("dirs/features");
  assert_string_equal(w->root->id, "test:features@1.2.3-rc.1+build.5");
  assert_string_equal(w->root->version, "1.2.3-rc.1+build.5");
  assert_string_equal(w->root->meta.docs, "Everything loam parses, in one package.");
  const loam_wit_interface *k = loam_wit_find_interface(w, "test:features/kinds");
  assert_non_null(k);
  assert_int_equal(k->meta.ngates, 1);
  assert_int_equal(k->meta.gates[0].kind, LOAM_WIT_GATE_SINCE);
  assert_string_equal(k->meta.gates[0].version, "1.0.0");
  const loam_wit_typedef *fig = loam_wit_find_type(k, "figure");
  assert_string_equal(fig->used_name, "shape");
  assert_string_equal(fig->type->owner, "test:geometry/shapes@0.3.0");
  const loam_wit_typedef *prims = loam_wit_find_type(k, "prims");
  assert_string_equal(prims->meta.docs, "A record of every primitive.");
  assert_string_equal(prims->field_docs[0], "The truth.");
  assert_null(prims->field_docs[1]);
  assert_string_equal(loam_wit_find_type(k, "color")->field_docs[2], "Sky.");
  assert_int_equal(prims->type->u.record.n, 13);
  const loam_wit_typedef *id = loam_wit_find_type(k, "id");
  assert_int_equal(id->type->kind, LOAM_T_U64);
  assert_string_equal(id->type->name, "id");
  assert_int_equal(id->alias_of->kind, LOAM_T_U64);
  const loam_wit_typedef *perms = loam_wit_find_type(k, "perms");
  assert_int_equal(perms->meta.gates[0].kind, LOAM_WIT_GATE_UNSTABLE);
  assert_string_equal(perms->meta.gates[0].feature, "fancy-flags");
  const loam_type *po = loam_wit_find_type(k, "plain-result")->type;
  assert_null(po->u.result.ok);
  assert_null(po->u.result.err);
  assert_null(loam_wit_find_type(k, "err-only")->type->u.result.ok);
  assert_non_null(loam_wit_find_type(k, "%handle") ? NULL : loam_wit_find_type(k, "handle"));
  const loam_wit_func *merge = loam_wit_find_func(k, "[static]blob.merge");
  assert_int_equal(merge->kind, LOAM_WIT_FUNC_STATIC);
  assert_int_equal(merge->nparams, 2);
  assert_int_equal(merge->params[0].type->kind, LOAM_T_OWN);
  assert_int_equal(merge->params[1].type->kind, LOAM_T_OWN);
  const loam_wit_func *append = loam_wit_find_func(k, "[method]blob.append");
  assert_int_equal(append->meta.gates[0].kind, LOAM_WIT_GATE_DEPRECATED);
  const loam_wit_func *split = loam_wit_find_func(k, "split");
  assert_int_equal(split->results_kind, LOAM_WIT_RESULTS_NAMED);
  assert_int_equal(split->nresults, 2);
  assert_string_equal(split->results[1].name, "tail");
  const loam_wit_func *ty = loam_wit_find_func(k, "type");
  assert_non_null(ty);
  assert_string_equal(ty->params[0].name, "record");
  const loam_wit_func *ctor = loam_wit_find_func(k, "[constructor]blob");
  assert_string_equal(ctor->meta.docs, "Makes a blob.");
  assert_true(loam_wit_find_func(k, "[method]blob.fetch")->is_async);
  assert_false(loam_wit_find_func(k, "noop")->is_async);

  const loam_wit_world *main = loam_wit_find_world(w->root, "main");
  /* own: log, settings; from `include base`: wasi:io/poll */
  assert_int_equal(main->nimports, 3);
  assert_string_equal(main->imports[0].name, "log");
  assert_int_equal(main->imports[0].kind, LOAM_WIT_ITEM_FUNCTION);
  assert_string_equal(main->imports[1].name, "settings");
  assert_null(main->imports[1].iface->name);
  assert_string_equal(main->imports[2].name, "wasi:io/poll@0.2.0");
  assert_true(main->imports[2].from_include);
  assert_int_equal(main->nexports, 3);
  assert_string_equal(main->exports[0].name, "run");
  assert_int_equal(main->exports[0].meta.gates[0].kind, LOAM_WIT_GATE_SINCE);
  assert_string_equal(main->exports[1].name, "test:features/kinds@1.2.3-rc.1+build.5");
  assert_string_equal(main->exports[2].name, "test:features/uses-kinds@1.2.3-rc.1+build.5");
  assert_int_equal(main->nincludes, 1);
  const loam_wit_interface *via = NULL;
  assert_ptr_equal(loam_wit_world_func(main, true, "run", &via), main->exports[0].func);
  assert_null(via);
  assert_ptr_equal(loam_wit_world_func(main, true, "test:features/kinds.{noop}", &via),
                   loam_wit_find_func(k, "noop"));
  assert_ptr_equal(via, k);
  assert_ptr_equal(loam_wit_world_func(main, true,
                                       "test:features/kinds@1.2.3-rc.1+build.5.{blob.size}", NULL),
                   loam_wit_find_func(k, "[method]blob.size"));
  assert_ptr_equal(loam_wit_world_func(main, true, "test:features/kinds.{[static]blob.merge}", NULL),
                   loam_wit_find_func(k, "[static]blob.merge"));
  assert_non_null(loam_wit_world_func(main, false, "settings.{get}", NULL));
  assert_non_null(loam_wit_world_func(main, false, "log", NULL));
  assert_null(loam_wit_world_func(main, true, "log", NULL));
  assert_null(loam_wit_world_func(main, true, "test:features/kinds.{nope}", NULL));
  assert_null(loam_wit_world_func(main, true, "test:features/kinds.{", NULL));
  assert_non_null(loam_wit_world_func(main, false, "wasi:io/poll.{poll}", NULL));
  assert_int_equal(main->ntypes, 2);
  assert_non_null(loam_wit_find_package(w, "test:units@0.1.0"));
  assert_non_null(loam_wit_find_package(w, "test:units"));
  loam_wit_free(w);
}

/* ---- errors --------------------------------------------------------------- */

typedef struct bad_case {
  const char *text;
  const char *message;   /* the whole expected message */
} bad_case;

static const bad_case bad[] = {
    /* syntax, with position */
    {"package a:b;\ninterface i {\n  f: func(;\n}\n",
     "t.wit:3:11: expected a name, found ';'"},
    {"package a:b;\ninterface i {\n  record r { x: u32 \n}\n",
     "t.wit:5:1: expected an interface item, found end of file"},
    {"package a:b;\n/* never closed", "t.wit:2:1: unterminated block comment"},
    {"package a:b@1.0;\n", "t.wit:1:13: invalid version `1.0`: expected a semver like 0.2.0"},
    {"package a:b;\ninterface i { @since(feature = x) f: func(); }\n",
     "t.wit:2:15: @since needs `version = x.y.z`"},
    {"package a:b;\ninterface i { f: func() -> list<u8; }\n",
     "t.wit:2:35: expected '>', found ';'"},
    /* identifiers */
    {"package a:b;\ninterface i { record Foo-bar { x: u32 } }\n",
     "t.wit:2:22: invalid identifier `Foo-bar`: identifiers are kebab-case words of "
     "lowercase or uppercase letters and digits, each starting with a letter"},
    {"package a:b;\ninterface i { my_name: func(); }\n",
     "t.wit:2:15: invalid identifier `my_name`: identifiers are kebab-case words of "
     "lowercase or uppercase letters and digits, each starting with a letter"},
    {"package a:b;\ninterface i { x--y: func(); }\n",
     "t.wit:2:15: invalid identifier `x--y`: identifiers are kebab-case words of "
     "lowercase or uppercase letters and digits, each starting with a letter"},
    {"package a:b;\ninterface i { record: func(); }\n",
     "t.wit:2:15: `record` is a keyword: write `%record` to use it as a name"},
    /* unknown names */
    {"package a:b;\ninterface i {\n  record point { x: u32 }\n  f: func(p: pont);\n}\n",
     "t.wit:4:14: unknown type `pont` (did you mean `point`?)"},
    {"package a:b;\ninterface i { f: func(s: strin); }\n",
     "t.wit:2:26: unknown type `strin` (did you mean `string`?)"},
    {"package a:b;\ninterface i { use foo:bar/baz.{x}; }\n",
     "t.wit:2:19: unknown package `foo:bar`"},
    {"package a:b;\ninterface i { use other.{x}; }\ninterface others { type x = u8; }\n",
     "t.wit:2:19: unknown interface `other` (did you mean `others`?)"},
    {"package a:b;\ninterface i { use a:c/nope.{x}; }\npackage a:c { interface types { type x = u8; } }\n",
     "t.wit:2:19: interface `nope` not found in package `a:c`"},
    {"package a:b;\ninterface i { use j.{colour}; }\ninterface j { enum color { red } }\n",
     "t.wit:2:22: type `colour` is not defined in interface `a:b/j` (did you mean `color`?)"},
    {"package a:b;\nworld w { import nope; }\n", "t.wit:2:18: unknown interface `nope`"},
    {"package a:b;\nworld w { include nope; }\n",
     "t.wit:2:19: world `nope` not found in package `a:b`"},
    {"package a:b;\ninterface i { record r { x: u32 } f: func(x: own<r>); }\n",
     "t.wit:2:50: `r` is not a resource: own<>/borrow<> need one"},
    /* duplicates */
    {"package a:b;\ninterface i {\n  type t = u8;\n  record t { x: u8 }\n}\n",
     "t.wit:4:10: duplicate type `t`: already defined at t.wit:3:8"},
    {"package a:b;\ninterface i {\n  f: func();\n  f: func(x: u8);\n}\n",
     "t.wit:4:3: duplicate function `f`"},
    {"package a:b;\ninterface i { resource r { a: func(); a: static func(); } }\n",
     "t.wit:2:39: duplicate function `a`"},
    {"package a:b;\ninterface i { record r { x: u8, x: u16 } }\n",
     "t.wit:2:33: duplicate field `x` in `r`"},
    {"package a:b;\ninterface i { f: func(x: u8, x: u8); }\n",
     "t.wit:2:30: duplicate parameter `x`"},
    {"package a:b;\ninterface i {}\ninterface i {}\n",
     "t.wit:3:11: duplicate interface `i` in package `a:b`"},
    {"package a:b;\nworld w { import f: func(); import f: func(); }\n",
     "t.wit:2:36: duplicate function `f` in world"},
    {"package a:b;\ninterface i { use j.{x}; type x = u8; }\ninterface j { type x = u8; }\n",
     "t.wit:2:31: duplicate type `x`: already defined at t.wit:2:22"},
    /* cycles */
    {"package a:b;\ninterface x { use y.{t}; type u = t; }\ninterface y { use x.{u}; type t = u8; }\n",
     "t.wit:3:19: interface `x` uses itself (a cycle of `use` between interfaces)"},
    {"package a:b;\ninterface i { record node { next: node } }\n",
     "t.wit:2:35: type `node` refers to itself (a type cannot contain itself)"},
    {"package a:b;\ninterface i { type a = list<b>; type b = option<a>; }\n",
     "t.wit:2:49: type `a` refers to itself (a type cannot contain itself)"},
    {"package a:b;\nworld w { include v; }\nworld v { include w; }\n",
     "t.wit:3:19: world `w` includes itself"},
    {"package a:b;\nworld v { import f: func(); }\nworld w { include v with { g as h }; }\n",
     "t.wit:3:28: `g` is not a function or inline interface of world `v`"},
    {"package a:b;\nworld v { import f: func(); }\nworld w { include v; import f: func(); }\n",
     "t.wit:3:19: duplicate function `f` in world"},
    {"package a:b;\ninterface i { use c:d/j.{t}; }\npackage c:d { interface j { use a:b/i.{t}; } }\n",
     "t.wit:3:33: package `a:b` depends on itself through `c:d`"},
    /* packages */
    {"interface i {}\n", "t.wit:1:1: no `package ns:name;` declaration for these files"},
    {"package a:b;\npackage c:d { }\npackage c:d { }\n",
     "t.wit:3:9: duplicate package `c:d`: also declared at t.wit:2:9"},
};

static void test_errors(void **state) {
  (void)state;
  int failures = 0;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    loam_error err = {0};
    loam_wit *w = loam_wit_load_text("t.wit", bad[i].text, strlen(bad[i].text), &err);
    if (w) {
      print_error("case %zu: accepted:\n%s\n", i, bad[i].text);
      loam_wit_free(w);
      failures++;
      continue;
    }
    assert_int_equal(err.code, LOAM_ERR_INVALID);
    if (strcmp(err.message, bad[i].message)) {
      print_error("case %zu:\n  got      %s\n  expected %s\n", i, err.message,
                  bad[i].message);
      failures++;
    }
  }
  assert_int_equal(failures, 0);
}

/* Errors in directories name the real file. */
static void test_dir_errors(void **state) {
  (void)state;
  loam_error err = {0};
  assert_null(loam_wit_load(path("dirs/bad-mixed-packages"), &err));
  assert_non_null(strstr(err.message, "dirs/bad-mixed-packages/b.wit:1:9: package `x:two` "
                                      "differs from `x:one` declared at "));
  assert_null(loam_wit_load(path("dirs/bad-missing-dep"), &err));
  assert_non_null(strstr(err.message, "dirs/bad-missing-dep/main.wit:25:10: unknown "
                                      "package `shopping:purchase-history-stub`"));
  assert_null(loam_wit_load(path("dirs/no-such-dir"), &err));
  assert_int_equal(err.code, LOAM_ERR_NOT_FOUND);
}

/* Deep nesting is an error, not a stack overflow. */
static void test_deep_nesting(void **state) {
  (void)state;
  size_t depth = 5000, cap = depth * 6 + 200;
  char *s = malloc(cap);
  size_t n = (size_t)snprintf(s, cap, "package a:b;\ninterface i { type t = ");
  for (size_t i = 0; i < depth; i++) n += (size_t)snprintf(s + n, cap - n, "list<");
  n += (size_t)snprintf(s + n, cap - n, "u8");
  for (size_t i = 0; i < depth; i++) s[n++] = '>';
  n += (size_t)snprintf(s + n, cap - n, "; }\n");
  loam_error err = {0};
  assert_null(loam_wit_load_text("t.wit", s, n, &err));
  assert_non_null(strstr(err.message, "types nested more than 100 deep"));
  /* a long chain of aliases */
  n = (size_t)snprintf(s, cap, "package a:b;\ninterface i {\n");
  for (size_t i = 0; i < 600; i++)
    n += (size_t)snprintf(s + n, cap - n, "type t%zu = t%zu;\n", i, i + 1);
  n += (size_t)snprintf(s + n, cap - n, "type t600 = u8;\n}\n");
  assert_null(loam_wit_load_text("t.wit", s, n, &err));
  assert_non_null(strstr(err.message, "definitions nested more than 500 deep"));
  /* 99-deep expressions chained through definitions: bounded in total */
  n = (size_t)snprintf(s, cap, "package a:b;\ninterface i {\n");
  for (size_t i = 0; i < 20; i++) {
    n += (size_t)snprintf(s + n, cap - n, "type t%zu = ", i);
    for (size_t j = 0; j < 90; j++) n += (size_t)snprintf(s + n, cap - n, "list<");
    n += (size_t)snprintf(s + n, cap - n, "t%zu", i + 1);
    for (size_t j = 0; j < 90; j++) s[n++] = '>';
    n += (size_t)snprintf(s + n, cap - n, ";\n");
  }
  n += (size_t)snprintf(s + n, cap - n, "type t20 = u8;\n}\n");
  assert_null(loam_wit_load_text("t.wit", s, n, &err));
  assert_non_null(strstr(err.message, "definitions nested more than 500 deep"));
  free(s);
}

/* Texts whose printed form must resolve to the same model: the corners of
 * the printer (aliases of resources, keyword names in paths, `use`s with
 * their own gates, resources defined in worlds). */
static const char *const tricky[] = {
    "package a:b;\ninterface i { type x = r; resource r { m: func(o: x) -> borrow<x>; } "
    "type y = x; f: func(a: y, b: r); }\n",
    "package %use:%type@1.0.0;\ninterface %interface { type %u8 = u8; }\n"
    "world %world { import %interface; export %func: func(%bool: bool); }\n"
    "package c:d { interface j { use %use:%type/%interface@1.0.0.{%u8}; } "
    "world w2 { include %use:%type/%world@1.0.0; } }\n",
    "package a:b;\ninterface j { type s = u8; type t = u16; }\n"
    "interface i {\n  /// first\n  use j.{s};\n  @since(version = 1.0.0)\n  use j.{t as u};\n}\n",
    "package a:b;\nworld w {\n  resource r { constructor(); get: func() -> u8; mk: static func() -> r; }\n"
    "  record rec { x: own<r> }\n  import f: func(r: borrow<r>) -> rec;\n}\n",
    "package a:b@0.1.0;\npackage a:b@0.2.0 { interface i { type t = u8; } }\n"
    "interface k { use a:b/i@0.2.0.{t}; }\n",
    "package a:b;\nworld base { import f: func(); export e: interface { g: func(); } "
    "import h: func(); }\nworld top { include base with { f as f2, e as e2 }; "
    "import f: func(x: u8); }\n",
    "package a:b;\ninterface i { f: func() -> (); g: func() -> (a: u8); "
    "h: async func(x: tuple<>) -> result; }\n",
};

static void test_tricky_round_trips(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof tricky / sizeof tricky[0]; i++) {
    loam_wit *w = text_ok(tricky[i]);
    loam_error err = {0};
    char *text = loam_wit_print(w, NULL, &err);
    assert_non_null(text);
    loam_wit *again = loam_wit_load_text("printed.wit", text, strlen(text), &err);
    if (!again) fail_msg("case %zu: %s\n%s", i, err.message, text);
    model_eq(w, again);
    char *text2 = loam_wit_print(again, NULL, &err);
    assert_string_equal(text, text2);
    free(text);
    free(text2);
    loam_wit_free(again);
    loam_wit_free(w);
  }
  /* include ... with renames */
  loam_wit *w = text_ok(tricky[5]);
  const loam_wit_world *wd = loam_wit_find_world(w->root, "top");
  assert_int_equal(wd->nimports, 3);
  assert_string_equal(wd->imports[0].name, "f");
  assert_int_equal(wd->imports[0].func->nparams, 1);
  assert_string_equal(wd->imports[1].name, "f2");
  assert_string_equal(wd->imports[1].func->core_name, "f2");
  assert_string_equal(wd->imports[2].name, "h");
  assert_string_equal(wd->exports[0].name, "e2");
  assert_int_equal(wd->include_with[0].n, 2);
  loam_wit_free(w);
  /* the world's resource keeps its functions */
  w = text_ok(tricky[3]);
  wd = w->root->worlds[0];
  assert_int_equal(wd->nfuncs, 3);
  assert_string_equal(wd->funcs[2].core_name, "[static]r.mk");
  loam_wit_free(w);
}

/* Docs from both comment styles, nested block comments, % names. */
static void test_lexical(void **state) {
  (void)state;
  loam_wit *w = text_ok(
      "package a:b;\n"
      "/* outer /* inner */ still comment */\n"
      "interface i {\n"
      "  /// line one\n"
      "  ///\n"
      "  /// line three\n"
      "  // not a doc\n"
      "  record r { x: u8 }\n"
      "  /** block doc\n"
      "   *  second line\n"
      "   */\n"
      "  %interface: func(%own: r) -> float64;\n"
      "}\n");
  const loam_wit_interface *i = w->root->interfaces[0];
  assert_string_equal(i->types[0].meta.docs, "line one\n\nline three");
  assert_string_equal(i->funcs[0].name, "interface");
  assert_string_equal(i->funcs[0].meta.docs, "block doc\n second line");
  assert_string_equal(i->funcs[0].params[0].name, "own");
  assert_int_equal(i->funcs[0].results[0].type->kind, LOAM_T_F64);
  loam_error err = {0};
  char *text = loam_wit_print(w, NULL, &err);
  assert_non_null(strstr(text, "  %interface: func(%own: r) -> f64;\n"));
  assert_non_null(strstr(text, "  /// line one\n  ///\n  /// line three\n"));
  free(text);
  assert_null(loam_wit_print(w, "nope", &err));
  assert_int_equal(err.code, LOAM_ERR_NOT_FOUND);
  loam_wit_free(w);
  /* NUL bytes and stray characters are syntax errors */
  assert_null(loam_wit_load_text("t.wit", "package a:b;\0", 13, &err));
  assert_string_equal(err.message, "t.wit:1:13: unexpected byte 0x00");
  assert_null(loam_wit_load_text("t.wit", "package a:b; $", 14, &err));
  assert_string_equal(err.message, "t.wit:1:14: unexpected character '$'");
}

/* Runs `loam wit ARGS...` with stdout and stderr captured into *out and *errs
 * (malloc'd); returns its exit status. */
static int run_cli(char **out, char **errs, int argc, char **argv) {
  char out_path[] = "/tmp/loam-wit-out-XXXXXX", err_path[] = "/tmp/loam-wit-err-XXXXXX";
  int fo = mkstemp(out_path), fe = mkstemp(err_path);
  assert_true(fo >= 0 && fe >= 0);
  fflush(stdout);
  fflush(stderr);
  int save_out = dup(1), save_err = dup(2);
  dup2(fo, 1);
  dup2(fe, 2);
  int rc = loam_cmd_wit(argc, argv);
  fflush(stdout);
  fflush(stderr);
  dup2(save_out, 1);
  dup2(save_err, 2);
  close(save_out);
  close(save_err);
  close(fo);
  close(fe);
  *out = read_all(out_path);
  *errs = read_all(err_path);
  unlink(out_path);
  unlink(err_path);
  return rc;
}

static void test_cli(void **state) {
  (void)state;
  char *out, *errs;
  char dir[1200], bad[1200];
  snprintf(dir, sizeof dir, "%s", path("dirs/shopping-cart"));
  snprintf(bad, sizeof bad, "%s", path("dirs/bad-missing-dep"));

  char *check[] = {"wit", "check", dir};
  assert_int_equal(run_cli(&out, &errs, 3, check), 0);
  assert_string_equal(out, "ok: shopping:cart: 5 packages, 5 interfaces, 5 worlds, "
                           "18 types, 20 functions\n");
  free(out);
  free(errs);

  char *print[] = {"wit", "print", dir, "--world", "shopping-cart"};
  assert_int_equal(run_cli(&out, &errs, 5, print), 0);
  char *golden_text = read_all(path("golden/shopping-cart--world.wit"));
  assert_string_equal(out, golden_text);
  free(golden_text);
  free(out);
  free(errs);

  char *badcheck[] = {"wit", "check", bad};
  assert_int_equal(run_cli(&out, &errs, 3, badcheck), 1);
  assert_string_equal(out, "");
  assert_non_null(strstr(errs, "bad-missing-dep/main.wit:25:10: unknown package"));
  free(out);
  free(errs);

  char *badprint[] = {"wit", "print", bad};
  assert_int_equal(run_cli(&out, &errs, 3, badprint), 1);
  assert_non_null(strstr(errs, "main.wit:25:10: unknown package"));
  free(out);
  free(errs);

  char *noworld[] = {"wit", "print", dir, "--world", "nope"};
  assert_int_equal(run_cli(&out, &errs, 5, noworld), 1);
  assert_non_null(strstr(errs, "no world `nope` in package `shopping:cart`"));
  free(out);
  free(errs);

  char *usage[] = {"wit", "frobnicate", dir};
  assert_int_equal(run_cli(&out, &errs, 3, usage), 2);
  assert_non_null(strstr(errs, "usage: loam wit print DIR"));
  free(out);
  free(errs);
}

int main(void) {
  snprintf(here, sizeof here, "%s", __FILE__);
  char *slash = strrchr(here, '/');
  if (slash) *slash = '\0';
  else snprintf(here, sizeof here, "tests/wit");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_purchase_history),
      cmocka_unit_test(test_shopping_cart),
      cmocka_unit_test(test_shipped_deps),
      cmocka_unit_test(test_golden_purchase_history),
      cmocka_unit_test(test_golden_shopping_cart),
      cmocka_unit_test(test_golden_features),
      cmocka_unit_test(test_features_model),
      cmocka_unit_test(test_extra_dirs),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_dir_errors),
      cmocka_unit_test(test_deep_nesting),
      cmocka_unit_test(test_lexical),
      cmocka_unit_test(test_tricky_round_trips),
      cmocka_unit_test(test_cli),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
