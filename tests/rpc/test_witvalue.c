/*
 * test_witvalue.c — wit-value conversions (include/loam/rpc.h): round trips
 * value -> wit-value -> value for every type kind of a kitchen-sink WIT
 * (with golem:rpc's own wit-value type from wit/deps), the exact node
 * layout loam produces, any node order accepted, random types and values
 * from the value tests' generator, malformed wit-values with their exact
 * messages, results as tuple-values, and worker URIs.
 */
#define _GNU_SOURCE   /* mkdtemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "loam/rpc.h"
#include "loam/wit.h"
#include "../value/value_gen.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char kitchen_wit[] =
    "package test:kitchen;\n"
    "\n"
    "interface sink {\n"
    "  use golem:rpc/types@0.1.0.{wit-value};\n"
    "\n"
    "  type price = f32;\n"
    "  record product-item { product-id: string, name: string, price: price, quantity: u32 }\n"
    "  record order { order-id: string, items: list<product-item>, total: price, timestamp: u64 }\n"
    "  enum color { red, green, blue }\n"
    "  flags perms { read, write, exec }\n"
    "  variant shape { circle(f64), rect(tuple<s32, s32>), empty, nested(option<option<u8>>) }\n"
    "  record prims { a: bool, b: u8, c: u16, d: u32, e: u64, f: s8, g: s16, h: s32, i: s64,\n"
    "                 j: f32, k: f64, l: char, m: string }\n"
    "  type outcome = result<list<color>, shape>;\n"
    "  type ok-only = result<u8>;\n"
    "  type err-only = result<_, string>;\n"
    "  type bare = result;\n"
    "  type pair = tuple<u8, string>;\n"
    "  type maybe = option<order>;\n"
    "  type deep = list<option<tuple<perms, result<option<u8>, list<string>>>>>;\n"
    "  resource thing;\n"
    "  record holder { t: own<thing> }\n"
    "\n"
    "  f: func(a: order, b: shape) -> (x: u32, y: string);\n"
    "}\n"
    "\n"
    "world kitchen {\n"
    "  import golem:rpc/types@0.1.0;\n"
    "  export sink;\n"
    "}\n";

static struct {
  loam_wit *wit;
  const loam_wit_interface *sink;
  const loam_type *wv;   /* golem:rpc wit-value */
} K;

static void put_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
  fclose(f);
}

/* Resolves the kitchen WIT in a temporary directory whose deps/ links to
 * the repository's golem-rpc and wasi-io packages. */
static int setup(void **state) {
  (void)state;
  char dir[] = "/tmp/loam-witvalue-XXXXXX", path[512], cmd[1024];
  if (!mkdtemp(dir)) return -1;
  snprintf(path, sizeof path, "%s/kitchen.wit", dir);
  put_file(path, kitchen_wit);
  snprintf(cmd, sizeof cmd, "mkdir -p %s/deps && ln -s %s/wit/deps/golem-rpc %s/deps/golem-rpc && "
           "ln -s %s/wit/deps/wasi-io %s/deps/wasi-io", dir, LOAM_SOURCE_DIR, dir, LOAM_SOURCE_DIR, dir);
  int rc = system(cmd);
  loam_error err;
  K.wit = rc == 0 ? loam_wit_load(dir, &err) : NULL;
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  if (!K.wit) {
    fprintf(stderr, "kitchen WIT: %s\n", rc == 0 ? err.message : "could not link deps");
    return -1;
  }
  K.sink = loam_wit_find_interface(K.wit, "test:kitchen/sink");
  const loam_wit_interface *rpc = loam_wit_find_interface(K.wit, "golem:rpc/types@0.1.0");
  const loam_wit_typedef *td = rpc ? loam_wit_find_type(rpc, "wit-value") : NULL;
  if (!K.sink || !td) return -1;
  K.wv = td->type;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  loam_wit_free(K.wit);
  return 0;
}

static const loam_type *T(const char *name) {
  const loam_wit_typedef *td = loam_wit_find_type(K.sink, name);
  if (!td) fail_msg("no type %s", name);
  return td->type;
}

static loam_value *J(const loam_type *t, const char *json) {
  loam_verr err;
  loam_value *v = loam_value_from_json(t, json, strlen(json), "v", &err);
  if (!v) fail_msg("%s: %s", json, err.message);
  return v;
}

/* ---- wit-values written by hand: "kind args; kind args; ..." ---- */

static const loam_type *node_type(void) { return K.wv->u.record.fields[0].type->u.elem; }
static const loam_type *case_type(uint32_t k) { return node_type()->u.record.fields[k].type; }

/* option<node-index> from "-" (none) or a number. */
static loam_value *opt_idx(const loam_type *ot, const char *tok) {
  if (!tok) fail_msg("missing index");
  if (!strcmp(tok, "-")) return loam_value_case(ot, 0, NULL);
  return loam_value_case(ot, 1, loam_value_int(ot->u.elem, strtoll(tok, NULL, 10)));
}

/* The rest of the words as list<node-index> or list<bool>. */
static loam_value *word_list(const loam_type *lt, char **save) {
  loam_value *items[64];
  size_t n = 0;
  for (char *tok; (tok = strtok_r(NULL, " ", save));) {
    long long x = strtoll(tok, NULL, 10);
    if (lt->u.elem->kind == LOAM_T_BOOL) items[n++] = loam_value_bool(x != 0);
    else items[n++] = loam_value_int(lt->u.elem, x);
  }
  return loam_value_seq(lt, n, items);
}

static loam_value *node_of(char *spec) {
  static const char *const names[LOAM_WITNODE_COUNT] = {
      "rec", "var", "enum", "flags", "tup", "list", "opt", "res", "u8", "u16", "u32",
      "u64", "s8", "s16", "s32", "s64", "f32", "f64", "char", "bool", "str"};
  while (*spec == ' ') spec++;
  if (!strncmp(spec, "str", 3)) {  /* the rest of the text, after one space */
    const char *s = spec[3] ? spec + 4 : "";
    loam_value *p = loam_value_string(s, strlen(s));
    p->type = case_type(LOAM_WITNODE_STRING);
    return loam_value_case(node_type(), LOAM_WITNODE_STRING, p);
  }
  char *save, *kind = strtok_r(spec, " ", &save);
  uint32_t k;
  bool err_case = false;
  if (!strcmp(kind, "ok") || !strcmp(kind, "err")) {
    k = LOAM_WITNODE_RESULT;
    err_case = kind[0] == 'e';
  } else {
    for (k = 0; k < LOAM_WITNODE_COUNT && strcmp(names[k], kind); k++) {}
    if (k == LOAM_WITNODE_COUNT) fail_msg("bad node kind %s", kind);
  }
  const loam_type *ct = case_type(k);
  char *arg = k == LOAM_WITNODE_RECORD || k == LOAM_WITNODE_TUPLE || k == LOAM_WITNODE_LIST ||
                      k == LOAM_WITNODE_FLAGS ? NULL : strtok_r(NULL, " ", &save);
  loam_value *p;
  switch (k) {
  case LOAM_WITNODE_RECORD: case LOAM_WITNODE_TUPLE: case LOAM_WITNODE_LIST:
  case LOAM_WITNODE_FLAGS:
    p = word_list(ct, &save);
    break;
  case LOAM_WITNODE_VARIANT: {
    loam_value *items[2] = {loam_value_uint(ct->u.tuple.types[0], strtoull(arg, NULL, 10)),
                            opt_idx(ct->u.tuple.types[1], strtok_r(NULL, " ", &save))};
    p = loam_value_seq(ct, 2, items);
    break;
  }
  case LOAM_WITNODE_OPTION: p = opt_idx(ct, arg); break;
  case LOAM_WITNODE_RESULT:
    p = loam_value_case(ct, err_case, opt_idx(err_case ? ct->u.result.err : ct->u.result.ok, arg));
    break;
  case LOAM_WITNODE_F32: p = loam_value_f32(strtof(arg, NULL)); break;
  case LOAM_WITNODE_F64: p = loam_value_f64(strtod(arg, NULL)); break;
  case LOAM_WITNODE_BOOL: p = loam_value_bool(atoi(arg) != 0); break;
  case LOAM_WITNODE_CHAR: p = loam_value_char((uint32_t)strtoul(arg, NULL, 0)); break;
  case LOAM_WITNODE_S8: case LOAM_WITNODE_S16: case LOAM_WITNODE_S32: case LOAM_WITNODE_S64:
    p = loam_value_int(ct, strtoll(arg, NULL, 10));
    break;
  default:  /* enum and unsigned prims */
    p = loam_value_uint(ct, strtoull(arg, NULL, 10));
    break;
  }
  p->type = ct;
  return loam_value_case(node_type(), k, p);
}

static loam_value *build(const char *spec) {
  char *copy = strdup(spec), *save, *part;
  loam_value *nodes[64];
  size_t n = 0;
  for (part = strtok_r(copy, ";", &save); part; part = strtok_r(NULL, ";", &save))
    nodes[n++] = node_of(part);
  free(copy);
  loam_value *list = loam_value_seq(K.wv->u.record.fields[0].type, n, nodes);
  return loam_value_seq(K.wv, 1, &list);
}

/* ---- checks ---- */

/* Every value in v has exactly the type the WIT gives its position. */
static void check_types(const loam_value *v, const loam_type *t) {
  if (v->type != t) fail_msg("a value of the wrong type object");
  switch (t->kind) {
  case LOAM_T_LIST:
    for (size_t i = 0; i < v->of.seq.n; i++) check_types(v->of.seq.items[i], t->u.elem);
    break;
  case LOAM_T_TUPLE:
  case LOAM_T_RECORD:
    assert_int_equal(v->of.seq.n, t->kind == LOAM_T_TUPLE ? t->u.tuple.n : t->u.record.n);
    for (size_t i = 0; i < v->of.seq.n; i++)
      check_types(v->of.seq.items[i], t->kind == LOAM_T_TUPLE ? t->u.tuple.types[i]
                                                            : t->u.record.fields[i].type);
    break;
  case LOAM_T_OPTION:
  case LOAM_T_RESULT:
  case LOAM_T_VARIANT: {
    const loam_type *pt = t->kind == LOAM_T_OPTION ? (v->of.var.tag ? t->u.elem : NULL)
                          : t->kind == LOAM_T_RESULT
                              ? (v->of.var.tag ? t->u.result.err : t->u.result.ok)
                              : t->u.record.fields[v->of.var.tag].type;
    assert_true(!pt == !v->of.var.payload);
    if (pt) check_types(v->of.var.payload, pt);
    break;
  }
  default: break;
  }
}

/* The child indices node i refers to, into kids; returns how many. */
static size_t node_kids(const loam_value *node, int64_t *kids) {
  const loam_value *p = node->of.var.payload, *o = NULL;
  size_t n = 0;
  switch (node->of.var.tag) {
  case LOAM_WITNODE_RECORD: case LOAM_WITNODE_TUPLE: case LOAM_WITNODE_LIST:
    for (size_t i = 0; i < p->of.seq.n; i++) kids[n++] = p->of.seq.items[i]->of.s;
    return n;
  case LOAM_WITNODE_VARIANT: o = p->of.seq.items[1]; break;
  case LOAM_WITNODE_OPTION: o = p; break;
  case LOAM_WITNODE_RESULT: o = p->of.var.payload; break;
  default: return 0;
  }
  if (o->of.var.tag) kids[n++] = o->of.var.payload->of.s;
  return n;
}

/* loam's order: pre-order, so every child follows its parent and the
 * subtree of node i is the nodes i .. i + size - 1. Returns the size. */
static size_t check_preorder(loam_value *const *nodes, size_t n, size_t i) {
  int64_t kids[4096];
  size_t k = node_kids(nodes[i], kids), next = i + 1;
  for (size_t j = 0; j < k; j++) {
    if (kids[j] != (int64_t)next) fail_msg("node %zu: child %lld, expected %zu", i, (long long)kids[j], next);
    next += check_preorder(nodes, n, next);
  }
  return next - i;
}

/* v -> wit-value -> v, checking types, order and the binary encoding of
 * the wit-value; returns the node count. */
static size_t round_trip(const loam_value *v) {
  loam_error err;
  loam_value *wv = loam_witvalue_from_value(v, K.wv, &err);
  if (!wv) fail_msg("from_value: %s", err.message);
  check_types(wv, K.wv);
  loam_value *list = wv->of.seq.items[0];
  assert_int_equal(check_preorder(list->of.seq.items, list->of.seq.n, 0), list->of.seq.n);
  loam_buf b = {0};
  assert_true(loam_value_encode(wv, &b));
  loam_verr verr;
  size_t used;
  loam_value *wv2 = loam_value_decode(K.wv, b.data, b.len, &used, &verr);
  assert_non_null(wv2);
  assert_true(loam_value_equal(wv, wv2));
  loam_value *back = loam_witvalue_to_value(wv2, v->type, "v", &err);
  if (!back) fail_msg("to_value: %s", err.message);
  assert_true(back->type == v->type);
  assert_true(loam_value_equal(v, back));
  size_t n = list->of.seq.n;
  loam_value_free(back);
  loam_value_free(wv2);
  loam_value_free(wv);
  loam_buf_free(&b);
  return n;
}

static void rt_json(const char *type, const char *json, size_t nodes) {
  loam_value *v = J(T(type), json);
  assert_int_equal(round_trip(v), nodes);
  loam_value_free(v);
}

/* ---- tests ---- */

static void test_round_trip_kinds(void **state) {
  (void)state;
  rt_json("order",
          "{\"order-id\":\"o1\",\"items\":[{\"product-id\":\"p1\",\"name\":\"Pen\",\"price\":1.5,"
          "\"quantity\":2},{\"product-id\":\"p2\",\"name\":\"\\u00e9\\ud83d\\ude00\",\"price\":0,"
          "\"quantity\":4294967295}],\"total\":3.5,\"timestamp\":18446744073709551615}", 15);
  rt_json("order", "{\"order-id\":\"\",\"items\":[],\"total\":-0.0,\"timestamp\":0}", 5);
  rt_json("color", "\"red\"", 1);
  rt_json("color", "\"blue\"", 1);
  rt_json("perms", "[]", 1);
  rt_json("perms", "[\"read\",\"exec\"]", 1);
  rt_json("perms", "[\"read\",\"write\",\"exec\"]", 1);
  rt_json("shape", "{\"circle\":2.5}", 2);
  rt_json("shape", "{\"rect\":[1,-2147483648]}", 4);
  rt_json("shape", "{\"empty\":null}", 1);
  rt_json("shape", "{\"nested\":null}", 2);
  rt_json("shape", "{\"nested\":{\"some\":null}}", 3);
  rt_json("shape", "{\"nested\":{\"some\":255}}", 4);
  rt_json("prims",
          "{\"a\":true,\"b\":255,\"c\":65535,\"d\":4294967295,\"e\":18446744073709551615,"
          "\"f\":-128,\"g\":-32768,\"h\":-2147483648,\"i\":-9223372036854775808,"
          "\"j\":\"Infinity\",\"k\":\"-Infinity\",\"l\":\"\\udbff\\udfff\",\"m\":\"a\\u0000b\"}", 14);
  rt_json("prims",
          "{\"a\":false,\"b\":0,\"c\":0,\"d\":0,\"e\":0,\"f\":127,\"g\":32767,\"h\":2147483647,"
          "\"i\":9223372036854775807,\"j\":\"NaN\",\"k\":5e-324,\"l\":\"\\u0000\",\"m\":\"\"}", 14);
  rt_json("outcome", "{\"ok\":[\"red\",\"blue\"]}", 4);
  rt_json("outcome", "{\"ok\":[]}", 2);
  rt_json("outcome", "{\"err\":{\"circle\":1}}", 3);
  rt_json("ok-only", "{\"ok\":7}", 2);
  rt_json("ok-only", "{\"err\":null}", 1);
  rt_json("err-only", "{\"ok\":null}", 1);
  rt_json("err-only", "{\"err\":\"bad\"}", 2);
  rt_json("bare", "{\"ok\":null}", 1);
  rt_json("bare", "{\"err\":null}", 1);
  rt_json("pair", "[0,\"x\"]", 3);
  rt_json("maybe", "null", 1);
  rt_json("maybe", "{\"order-id\":\"a\",\"items\":[],\"total\":1,\"timestamp\":2}", 6);
  rt_json("deep", "[]", 1);
  rt_json("deep", "[null,[[\"write\"],{\"ok\":null}],[[],{\"ok\":9}],[[],{\"err\":[\"x\",\"y\"]}]]", 20);
  /* an alias of a primitive, and primitives at the root */
  rt_json("price", "2.25", 1);
  loam_value *s = loam_value_string("hi", 2);
  assert_int_equal(round_trip(s), 1);
  loam_value_free(s);
  /* NaN payload bits survive (the float is copied, not re-parsed) */
  loam_value *nan = loam_value_f64(0);
  uint64_t bits = 0x7FF8000000ABCDEFull;
  memcpy(&nan->of.f64, &bits, 8);
  assert_int_equal(round_trip(nan), 1);
  loam_value_free(nan);
  /* flags beyond one 64-bit word: one bool per flag, in order */
  loam_typectx *cx = loam_typectx_new();
  const char *labels[70];
  char names[70][8];
  for (int i = 0; i < 70; i++) {
    snprintf(names[i], sizeof names[i], "f%d", i);
    labels[i] = names[i];
  }
  const loam_type *big = loam_type_flags(cx, "big", 70, labels);
  loam_value *fl = J(big, "[\"f0\",\"f63\",\"f64\",\"f69\"]");
  assert_int_equal(round_trip(fl), 1);
  loam_error err;
  loam_value *wv = loam_witvalue_from_value(fl, K.wv, &err);
  const loam_value *bools = wv->of.seq.items[0]->of.seq.items[0]->of.var.payload;
  assert_int_equal(bools->of.seq.n, 70);
  for (size_t i = 0; i < 70; i++)
    assert_int_equal(bools->of.seq.items[i]->of.b, i == 0 || i == 63 || i == 64 || i == 69);
  loam_value_free(wv);
  loam_value_free(fl);
  loam_typectx_free(cx);
  assert_string_equal(loam_witnode_name(LOAM_WITNODE_F32), "prim-float32");
  assert_string_equal(loam_witnode_name(LOAM_WITNODE_COUNT), "?");
}

/* The exact nodes of a small order: pre-order, children after parents. */
static void test_layout(void **state) {
  (void)state;
  loam_value *v = J(T("order"),
                    "{\"order-id\":\"o1\",\"items\":[{\"product-id\":\"p1\",\"name\":\"Pen\","
                    "\"price\":1.5,\"quantity\":2}],\"total\":3,\"timestamp\":9}");
  loam_error err;
  loam_value *wv = loam_witvalue_from_value(v, K.wv, &err);
  assert_non_null(wv);
  loam_value *want = build("rec 1 2 8 9; str o1; list 3; rec 4 5 6 7; str p1; str Pen; f32 1.5;"
                           " u32 2; f32 3; u64 9");
  assert_true(loam_value_equal(wv, want));
  loam_value_free(want);
  loam_value_free(wv);
  loam_value_free(v);

  v = J(T("shape"), "{\"nested\":{\"some\":5}}");
  wv = loam_witvalue_from_value(v, K.wv, &err);
  want = build("var 3 1; opt 2; opt 3; u8 5");
  assert_true(loam_value_equal(wv, want));
  loam_value_free(want);
  loam_value_free(wv);
  loam_value_free(v);

  v = J(T("outcome"), "{\"err\":{\"empty\":null}}");
  wv = loam_witvalue_from_value(v, K.wv, &err);
  want = build("err 1; var 2 -");
  assert_true(loam_value_equal(wv, want));
  loam_value_free(want);
  loam_value_free(wv);
  loam_value_free(v);

  v = J(T("perms"), "[\"write\"]");
  wv = loam_witvalue_from_value(v, K.wv, &err);
  want = build("flags 0 1 0");
  assert_true(loam_value_equal(wv, want));
  loam_value_free(want);
  loam_value_free(wv);
  loam_value_free(v);
}

/* Any node order decodes, as long as it is a tree from node 0. */
static void test_any_order(void **state) {
  (void)state;
  loam_value *want = J(T("order"),
                       "{\"order-id\":\"o1\",\"items\":[{\"product-id\":\"p1\",\"name\":\"Pen\","
                       "\"price\":1.5,\"quantity\":2}],\"total\":3,\"timestamp\":9}");
  /* the root first (it must be node 0), the rest in reverse */
  loam_value *wv = build("rec 9 3 2 1; u64 9; f32 3; list 4; rec 8 7 6 5; u32 2; f32 1.5; str Pen;"
                         " str p1; str o1");
  loam_error err;
  loam_value *v = loam_witvalue_to_value(wv, T("order"), "p", &err);
  if (!v) fail_msg("%s", err.message);
  assert_true(loam_value_equal(v, want));
  loam_value_free(v);
  loam_value_free(wv);
  loam_value_free(want);
}

/* ---- random types and values (tests/value/value_gen.h) ---- */

static bool has_handle(const loam_type *t) {
  if (!t) return false;
  switch (t->kind) {
  case LOAM_T_OWN: case LOAM_T_BORROW: case LOAM_T_RESOURCE: return true;
  case LOAM_T_LIST: case LOAM_T_OPTION: return has_handle(t->u.elem);
  case LOAM_T_RESULT: return has_handle(t->u.result.ok) || has_handle(t->u.result.err);
  case LOAM_T_TUPLE:
    for (uint32_t i = 0; i < t->u.tuple.n; i++)
      if (has_handle(t->u.tuple.types[i])) return true;
    return false;
  case LOAM_T_RECORD: case LOAM_T_VARIANT:
    for (uint32_t i = 0; i < t->u.record.n; i++)
      if (has_handle(t->u.record.fields[i].type)) return true;
    return false;
  default: return false;
  }
}

/* A copy of node `node` with each child index i replaced by perm[i]. */
static loam_value *remap(const loam_value *node, const size_t *perm) {
  loam_value *c = loam_value_clone(node), *p = c->of.var.payload, *o = NULL;
  switch (c->of.var.tag) {
  case LOAM_WITNODE_RECORD: case LOAM_WITNODE_TUPLE: case LOAM_WITNODE_LIST:
    for (size_t i = 0; i < p->of.seq.n; i++)
      p->of.seq.items[i]->of.s = (int64_t)perm[p->of.seq.items[i]->of.s];
    return c;
  case LOAM_WITNODE_VARIANT: o = p->of.seq.items[1]; break;
  case LOAM_WITNODE_OPTION: o = p; break;
  case LOAM_WITNODE_RESULT: o = p->of.var.payload; break;
  default: return c;
  }
  if (o->of.var.tag) o->of.var.payload->of.s = (int64_t)perm[o->of.var.payload->of.s];
  return c;
}

/* The same wit-value with its nodes shuffled (node 0 stays the root). */
static loam_value *shuffled(const loam_value *wv, rng *r) {
  const loam_value *list = wv->of.seq.items[0];
  size_t n = list->of.seq.n, *perm = malloc(n * sizeof *perm);
  for (size_t i = 0; i < n; i++) perm[i] = i;
  for (size_t i = n - 1; i > 1; i--) {
    size_t j = 1 + below(r, (uint32_t)i);
    size_t x = perm[i];
    perm[i] = perm[j];
    perm[j] = x;
  }
  loam_value **nodes = malloc(n * sizeof *nodes);
  for (size_t i = 0; i < n; i++) nodes[perm[i]] = remap(list->of.seq.items[i], perm);
  loam_value *l = loam_value_seq(list->type, n, nodes);
  free(nodes);
  free(perm);
  return loam_value_seq(wv->type, 1, &l);
}

/* Corrupts one index or case number somewhere in the wit-value. */
static void corrupt(loam_value *wv, rng *r) {
  loam_value *list = wv->of.seq.items[0];
  loam_value *node = list->of.seq.items[below(r, (uint32_t)list->of.seq.n)], *p = node->of.var.payload;
  int64_t delta = below(r, 2) ? 1 : -1 - (int64_t)below(r, 3);
  switch (node->of.var.tag) {
  case LOAM_WITNODE_RECORD: case LOAM_WITNODE_TUPLE: case LOAM_WITNODE_LIST:
    if (p->of.seq.n) p->of.seq.items[below(r, (uint32_t)p->of.seq.n)]->of.s += delta;
    break;
  case LOAM_WITNODE_VARIANT: p->of.seq.items[0]->of.u += 1; break;
  case LOAM_WITNODE_ENUM: p->of.u += 1; break;
  case LOAM_WITNODE_OPTION:
    if (p->of.var.tag) p->of.var.payload->of.s += delta;
    break;
  default:
    node->of.var.tag = (node->of.var.tag + 1 + below(r, LOAM_WITNODE_COUNT - 1)) % LOAM_WITNODE_COUNT;
    loam_value_free(node->of.var.payload);
    node->of.var.payload = loam_value_new(case_type(node->of.var.tag));
    break;
  }
}

static void test_random(void **state) {
  (void)state;
  size_t handles = 0, total_nodes = 0, corrupt_ok = 0;
  for (uint64_t seed = 1; seed <= 2000; seed++) {
    rng r = {seed};
    loam_typectx *cx = loam_typectx_new();
    const loam_type *t = gen_type(cx, &r, 4);
    for (int k = 0; k < 3; k++) {
      loam_value *v = gen_value(t, &r);
      loam_error err;
      if (has_handle(t)) {
        /* a handle only fails when the value holds one: check the ones that do */
        loam_value *wv = loam_witvalue_from_value(v, K.wv, &err);
        if (!wv) {
          assert_non_null(strstr(err.message, "cannot be sent in a wit-value"));
          assert_int_equal(err.code, LOAM_ERR_ARGUMENT);
          handles++;
        }
        loam_value_free(wv);
        loam_value_free(v);
        continue;
      }
      total_nodes += round_trip(v);
      loam_value *wv = loam_witvalue_from_value(v, K.wv, &err);
      loam_value *sh = shuffled(wv, &r);
      loam_value *back = loam_witvalue_to_value(sh, t, "v", &err);
      if (!back) fail_msg("seed %llu: shuffled: %s", (unsigned long long)seed, err.message);
      assert_true(loam_value_equal(v, back));
      loam_value_free(back);
      corrupt(sh, &r);
      back = loam_witvalue_to_value(sh, t, "v", &err);  /* must not crash */
      if (back) corrupt_ok++;
      else assert_int_equal(err.code, LOAM_ERR_ARGUMENT);
      loam_value_free(back);
      loam_value_free(sh);
      loam_value_free(wv);
      loam_value_free(v);
    }
    loam_typectx_free(cx);
  }
  assert_true(handles > 50);
  assert_true(total_nodes > 10000);
  (void)corrupt_ok;
}

/* ---- malformed wit-values ---- */

typedef struct bad_case {
  const char *type;   /* a kitchen type, or "u8"/"string"/"char"/"list-u8" */
  const char *nodes;
  const char *message;
} bad_case;

static const loam_type *type_named(loam_typectx *cx, const char *name) {
  if (!strcmp(name, "u8")) return loam_type_prim(LOAM_T_U8);
  if (!strcmp(name, "string")) return loam_type_prim(LOAM_T_STRING);
  if (!strcmp(name, "char")) return loam_type_prim(LOAM_T_CHAR);
  if (!strcmp(name, "list-u8")) return loam_type_list(cx, loam_type_prim(LOAM_T_U8));
  if (!strcmp(name, "list-order")) return loam_type_list(cx, T("order"));
  return T(name);
}

static const bad_case bad_cases[] = {
    {"u8", "", "p: empty wit-value (no nodes)"},
    {"u8", "u16 5", "p: node 0 is prim-u16, expected u8"},
    {"string", "u8 5", "p: node 0 is prim-u8, expected string"},
    {"price", "f64 1", "p: node 0 is prim-float64, expected f32"},
    {"order", "str x", "p: node 0 is prim-string, expected record order"},
    {"list-order", "list 1; rec 2 3 4 5; str o; list 6; f32 1; u64 2; rec 7 8 9 10; str p; str n; str bad; u32 1",
     "p[0].items[0].price: node 9 is prim-string, expected f32"},
    {"order", "rec 1 2 3", "p: node 0 is a record-value of 3 fields, record order has 4"},
    {"pair", "tup 1", "p: node 0 is a tuple-value of 1 item, tuple<u8, string> has 2"},
    {"perms", "flags 1 0", "p: node 0 is a flags-value of 2 flags, flags perms has 3"},
    {"color", "enum 3", "p: node 0 is case 3, enum color has 3 cases"},
    {"shape", "var 4 -", "p: node 0 is case 4, variant shape has 4 cases"},
    {"shape", "var 0 -", "p: node 0 has no payload for case circle of variant shape"},
    {"shape", "var 2 1; u8 1", "p: node 0 has a payload (node 1) for case empty of variant shape, which has none"},
    {"ok-only", "ok -", "p: node 0 has no payload for case ok of result<u8>"},
    {"err-only", "ok 1; u8 1", "p: node 0 has a payload (node 1) for case ok of result<_, string>, which has none"},
    {"list-u8", "list 1 -1; u8 1", "p[1]: node 0 refers to node -1, a negative index"},
    {"list-u8", "list 1 7; u8 1", "p[1]: node 0 refers to node 7, out of range (2 nodes)"},
    {"list-u8", "list 1 1; u8 1", "p[1]: node 0 refers to node 1, which is already used elsewhere"},
    {"list-u8", "list 1; u8 1; u8 2", "p: node 2 is not reachable from the root (1 of 3 nodes unused)"},
    {"shape", "var 3 1; opt 0", "p.nested.some: node 1 refers to node 0, which encloses it (a cycle)"},
    {"shape", "var 3 1; opt 2; opt 1", "p.nested.some: node 2 refers to node 1, which encloses it (a cycle)"},
    {"shape", "var 3 0", "p.nested: node 0 refers to node 0, which encloses it (a cycle)"},
    {"char", "char 0xD800", "p: node 0 is prim-char 0xD800, not a Unicode scalar value"},
    {"char", "char 0x110000", "p: node 0 is prim-char 0x110000, not a Unicode scalar value"},
    {"string", "str a\xff", "p: node 0 is prim-string with invalid UTF-8"},
    {"string", "str \xed\xa0\x80", "p: node 0 is prim-string with invalid UTF-8"},
    {"maybe", "opt 1; rec 2 3 4 5; str o; list; f32 1; u32 2",
     "p.timestamp: node 5 is prim-u32, expected u64"},
    {"outcome", "ok 1; list 2; enum 9", "p.ok[0]: node 2 is case 9, enum color has 3 cases"},
    {"outcome", "err 1; var 1 2; tup 3", "p.err.rect: node 2 is a tuple-value of 1 item, tuple<s32, s32> has 2"},
    {"deep", "list 1; opt 2; tup 3 4; flags 0 0 0; err 5; list 6; u8 1",
     "p[0][1].err[0]: node 6 is prim-u8, expected string"},
    {"holder", "rec 1; u32 1", "p.t: a resource handle (own<thing>) cannot be received in a wit-value"},
    {"u8", "u8 1; u8 2; u8 3", "p: node 1 is not reachable from the root (2 of 3 nodes unused)"},
};

static void test_malformed(void **state) {
  (void)state;
  loam_typectx *cx = loam_typectx_new();
  for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
    const bad_case *c = &bad_cases[i];
    loam_value *wv = build(c->nodes);
    loam_error err = {0};
    loam_value *v = loam_witvalue_to_value(wv, type_named(cx, c->type), "p", &err);
    if (v) fail_msg("case %zu (%s) decoded", i, c->nodes);
    if (strcmp(err.message, c->message))
      fail_msg("case %zu (%s):\n  got  %s\n  want %s", i, c->nodes, err.message, c->message);
    assert_int_equal(err.code, LOAM_ERR_ARGUMENT);
    loam_value_free(wv);
  }
  loam_typectx_free(cx);
}

/* Types that are not golem:rpc's wit-value are refused, both ways. */
static void test_wrong_wit_value_type(void **state) {
  (void)state;
  loam_error err;
  loam_value *v = loam_value_bool(true);
  assert_null(loam_witvalue_from_value(v, T("order"), &err));
  assert_string_equal(err.message, "not a golem:rpc wit-value type (expected record { nodes: list<wit-node> })");
  loam_typectx *cx = loam_typectx_new();
  /* the right shape but flags-value carrying list<u8> */
  const loam_type *node = node_type();
  loam_field cases[LOAM_WITNODE_COUNT];
  for (uint32_t k = 0; k < LOAM_WITNODE_COUNT; k++) cases[k] = node->u.record.fields[k];
  cases[LOAM_WITNODE_FLAGS].type = loam_type_list(cx, loam_type_prim(LOAM_T_U8));
  const loam_type *wrong = loam_type_record(
      cx, "wit-value", 1,
      (loam_field[]){{"nodes", loam_type_list(cx, loam_type_variant(cx, "wit-node", LOAM_WITNODE_COUNT, cases))}});
  assert_null(loam_witvalue_from_value(v, wrong, &err));
  assert_string_equal(err.message, "not a golem:rpc wit-value type (case 3, flags-value, has list<u8>)");
  /* a hand-made type of the right shape works, names or not */
  cases[LOAM_WITNODE_FLAGS].type = loam_type_list(cx, loam_type_prim(LOAM_T_BOOL));
  const loam_type *right = loam_type_record(
      cx, NULL, 1, (loam_field[]){{"n", loam_type_list(cx, loam_type_variant(cx, NULL, LOAM_WITNODE_COUNT, cases))}});
  loam_value *wv = loam_witvalue_from_value(v, right, &err);
  assert_non_null(wv);
  loam_value *back = loam_witvalue_to_value(wv, loam_type_prim(LOAM_T_BOOL), NULL, &err);
  assert_non_null(back);
  assert_true(back->of.b);
  loam_value_free(back);
  /* a wit-value of the wrong type is refused when decoding */
  loam_value *x = J(T("color"), "\"red\"");
  assert_null(loam_witvalue_to_value(x, T("color"), "p", &err));
  assert_string_equal(err.message, "not a golem:rpc wit-value type (expected record { nodes: list<wit-node> })");
  loam_value_free(x);
  loam_value_free(wv);
  loam_typectx_free(cx);
  loam_value_free(v);
}

/* Handles cannot be sent; the message names the path. */
static void test_handle_refused(void **state) {
  (void)state;
  const loam_type *h = T("holder");
  loam_value *own = loam_value_new(h->u.record.fields[0].type);
  loam_value *v = loam_value_seq(h, 1, &own);
  loam_error err;
  assert_null(loam_witvalue_from_value(v, K.wv, &err));
  assert_int_equal(err.code, LOAM_ERR_ARGUMENT);
  assert_string_equal(err.message, "t: a resource handle (own<thing>) cannot be sent in a wit-value");
  loam_value_free(v);
}

/* Trees that break their own type's rules are refused, not sent. */
static void test_inconsistent_values(void **state) {
  (void)state;
  static const struct { const char *type, *json; int what; const char *message; } cases[] = {
      {"shape", "{\"empty\":null}", 0, "case 9 out of range (4 cases)"},
      {"shape", "{\"empty\":null}", 1, "case empty has a payload value, its type has none"},
      {"shape", "{\"circle\":1}", 2, "case circle has no payload value, its type needs one"},
      {"color", "\"red\"", 0, "enum case 9 out of range (3 cases)"},
      {"maybe", "null", 0, "option case 9 out of range"},
      {"bare", "{\"ok\":null}", 0, "result case 9 out of range"},
      {"pair", "[1,\"x\"]", 3, "the value has 1 items, its type 2"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    loam_value *v = J(T(cases[i].type), cases[i].json);
    switch (cases[i].what) {
    case 0: v->of.var.tag = 9; break;
    case 1: v->of.var.payload = loam_value_bool(true); break;
    case 2: loam_value_free(v->of.var.payload); v->of.var.payload = NULL; break;
    case 3: loam_value_free(v->of.seq.items[1]); v->of.seq.n = 1; break;
    }
    loam_error err;
    assert_null(loam_witvalue_from_value(v, K.wv, &err));
    assert_int_equal(err.code, LOAM_ERR_ARGUMENT);
    if (strcmp(err.message, cases[i].message)) fail_msg("got  %s\nwant %s", err.message, cases[i].message);
    loam_value_free(v);
  }
  /* a bad value inside a record: the path names it */
  loam_value *o = J(T("order"), "{\"order-id\":\"\",\"items\":[{\"product-id\":\"p\",\"name\":\"n\","
                               "\"price\":1,\"quantity\":1}],\"total\":1,\"timestamp\":1}");
  loam_value *item = o->of.seq.items[1]->of.seq.items[0];
  loam_value_free(item->of.seq.items[3]);
  item->of.seq.n = 3;
  loam_error err;
  assert_null(loam_witvalue_from_value(o, K.wv, &err));
  assert_string_equal(err.message, "items[0]: the value has 3 items, its type 4");
  loam_value_free(o);
  assert_null(loam_witvalue_from_value(NULL, K.wv, &err));
  assert_string_equal(err.message, "no value to send");
  assert_null(loam_witvalue_to_value(NULL, T("order"), "p", &err));
  assert_string_equal(err.message, "p: no wit-value");
}

/* A function's results as one tuple-value, for 0, 1 and 2 results. */
static void test_results(void **state) {
  (void)state;
  const loam_wit_func *f = loam_wit_find_func(K.sink, "f");
  assert_non_null(f);
  const loam_type *types[2] = {f->results[0].type, f->results[1].type};
  loam_value *vals[2] = {loam_value_uint(types[0], 42), loam_value_string("done", 4)};
  loam_error err;
  loam_value *wv = loam_witvalue_from_values(vals, types, 2, K.wv, &err);
  assert_non_null(wv);
  loam_value *want = build("tup 1 2; u32 42; str done");
  assert_true(loam_value_equal(wv, want));
  loam_value_free(want);
  loam_value *out[2];
  assert_true(loam_witvalue_to_values(wv, types, 2, "result", out, &err));
  assert_true(loam_value_equal(out[0], vals[0]));
  assert_true(loam_value_equal(out[1], vals[1]));
  loam_value_free(out[0]);
  loam_value_free(out[1]);
  /* the wrong count, and a wrong item */
  assert_false(loam_witvalue_to_values(wv, types, 1, "result", out, &err));
  assert_string_equal(err.message, "result: node 0 is a tuple-value of 2 items, expected 1");
  assert_null(out[0]);
  const loam_type *swapped[2] = {types[1], types[0]};
  assert_false(loam_witvalue_to_values(wv, swapped, 2, "result", out, &err));
  assert_string_equal(err.message, "result[0]: node 1 is prim-u32, expected string");
  assert_null(out[0]);
  assert_null(out[1]);
  loam_value_free(wv);
  /* a later item fails: the earlier one is freed, out all NULL */
  wv = build("tup 1 2; u32 42; u8 1");
  assert_false(loam_witvalue_to_values(wv, types, 2, "result", out, &err));
  assert_string_equal(err.message, "result[1]: node 2 is prim-u8, expected string");
  assert_null(out[0]);
  loam_value_free(wv);
  /* not a tuple at the root */
  wv = build("u32 1");
  assert_false(loam_witvalue_to_values(wv, types, 1, "result", out, &err));
  assert_string_equal(err.message, "result: node 0 is prim-u32, expected a tuple-value of 1 result");
  loam_value_free(wv);
  /* a value not of its declared type */
  assert_null(loam_witvalue_from_values(vals, swapped, 2, K.wv, &err));
  assert_string_equal(err.message, "[0]: value is u32, expected string");

  /* one result, and none */
  wv = loam_witvalue_from_values(vals, types, 1, K.wv, &err);
  want = build("tup 1; u32 42");
  assert_true(loam_value_equal(wv, want));
  loam_value_free(want);
  loam_value_free(wv);
  wv = loam_witvalue_from_values(NULL, NULL, 0, K.wv, &err);
  assert_non_null(wv);
  want = build("tup");
  assert_true(loam_value_equal(wv, want));
  assert_true(loam_witvalue_to_values(wv, NULL, 0, "result", NULL, &err));
  loam_value_free(want);
  loam_value_free(wv);
  wv = build("tup; u8 1");
  assert_false(loam_witvalue_to_values(wv, NULL, 0, "result", NULL, &err));
  assert_string_equal(err.message, "result: node 1 is not reachable from the root (1 of 2 nodes unused)");
  loam_value_free(wv);
  loam_value_free(vals[0]);
  loam_value_free(vals[1]);
}

/* ---- worker URIs ---- */

static void test_uri(void **state) {
  (void)state;
  loam_worker_uri u;
  loam_error err;
  assert_true(loam_worker_uri_parse("worker://shopping-cart/user-1", &u, &err));
  assert_string_equal(u.template_ref, "shopping-cart");
  assert_string_equal(u.worker, "user-1");
  assert_true(loam_worker_uri_parse("worker://17/a b\xc3\xa9", &u, &err));
  assert_string_equal(u.template_ref, "17");
  assert_string_equal(u.worker, "a b\xc3\xa9");
  char long_name[300];
  memset(long_name, 'w', sizeof long_name);
  snprintf(long_name, sizeof long_name, "worker://t/%.*s", 127, "wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww");
  assert_true(loam_worker_uri_parse(long_name, &u, &err));
  assert_int_equal(strlen(u.worker), 127);

  static const struct { const char *text, *message; } bad[] = {
      {"shopping-cart/user-1", "bad worker URI \"shopping-cart/user-1\": expected worker://<template>/<worker>"},
      {"http://a/b", "bad worker URI \"http://a/b\": expected worker://<template>/<worker> (the scheme must be worker)"},
      {"worker:/a/b", "bad worker URI \"worker:/a/b\": expected worker://<template>/<worker>"},
      {"worker://abc", "bad worker URI \"worker://abc\": expected worker://<template>/<worker> (no worker name)"},
      {"worker:///w", "bad worker URI \"worker:///w\": empty template"},
      {"worker://t/", "bad worker URI \"worker://t/\": empty worker name"},
      {"worker://t/a/b", "bad worker URI \"worker://t/a/b\": '/' in the worker name (worker names cannot contain '/')"},
      {"worker://t/a\n", "bad worker URI \"worker://t/a?\": a control character in the worker name"},
      {"worker://t\x7f/a", "bad worker URI \"worker://t?/a\": a control character in the template"},
      {"worker://t/a ", "bad worker URI \"worker://t/a \": leading or trailing spaces around the template or worker name"},
      {"worker://t/\xff", "bad worker URI \"worker://t/?\": not valid UTF-8"},
      {"", "bad worker URI \"\": expected worker://<template>/<worker>"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    if (loam_worker_uri_parse(bad[i].text, &u, &err)) fail_msg("%s parsed", bad[i].text);
    assert_int_equal(err.code, LOAM_ERR_ARGUMENT);
    if (strcmp(err.message, bad[i].message)) fail_msg("got  %s\nwant %s", err.message, bad[i].message);
  }
  char text[400];
  snprintf(text, sizeof text, "worker://%0128d/w", 0);
  assert_false(loam_worker_uri_parse(text, &u, &err));
  assert_non_null(strstr(err.message, "template too long (128 bytes, at most 127)"));
  snprintf(text, sizeof text, "worker://t/%0200d", 0);
  assert_false(loam_worker_uri_parse(text, &u, &err));
  assert_non_null(strstr(err.message, "...\": worker name too long (200 bytes, at most 127)"));
  assert_false(loam_worker_uri_parse(NULL, &u, &err));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip_kinds),
      cmocka_unit_test(test_layout),
      cmocka_unit_test(test_any_order),
      cmocka_unit_test(test_random),
      cmocka_unit_test(test_malformed),
      cmocka_unit_test(test_wrong_wit_value_type),
      cmocka_unit_test(test_handle_refused),
      cmocka_unit_test(test_inconsistent_values),
      cmocka_unit_test(test_results),
      cmocka_unit_test(test_uri),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
