/*
 * test_bindgen.c — generated C bindings end to end: `loam build` (the library
 * call) builds tests/bindgen/kitchen/guest.c against the kitchen world, and
 * every export is called through the engine and the canonical ABI
 * (src/abi) with JSON params, checking the JSON results. The world's imports
 * are served by host functions that lift the guest's params (checked as JSON)
 * and lower canned JSON replies. Also: the example projects build with
 * `loam build`'s project file, and the counter imports only what it uses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "abi/abi.h"
#include "build/build.h"
#include "host/wasi.h"

#define HOST_IFACE "loam:kitchen/host@0.1.0"
#define API_IFACE "loam:kitchen/api@0.1.0"

/* The source tree: this file is <root>/tests/bindgen/test_bindgen.c. */
static char root[4096];

static void find_root(void) {
  snprintf(root, sizeof root, "%s", __FILE__);
  for (int i = 0; i < 3; i++) {
    char *slash = strrchr(root, '/');
    if (slash) *slash = '\0';
    else snprintf(root, sizeof root, ".");
  }
}

/* ---- the host side of the world's imports ------------------------------- */

typedef struct hostfn {
  const loam_wit_func *f;
  const char *reply;        /* JSON of the result, NULL for none */
  char *got;                /* JSON array of the params of the last call */
  int calls;
} hostfn;

typedef struct fixture {
  char dir[64];
  loam_wit *wit;
  const char *api_id;       /* the exported interface the tests call */
  const loam_wit_interface *api, *host;
  loam_module *mod;
  loam_store *store;
  loam_linker *linker;
  loam_wasi *wasi;
  loam_instance *inst;
  loam_abi_guest g;
  hostfn fns[16];
  size_t nfns;
  int blob_drops[8];
  int nblob_drops;
  uint32_t reps[8];         /* counter handles made by [resource-new]: index = handle - 1 */
  int nreps;
} fixture;

static fixture *F;

static loam_abi_guest caller_guest(loam_caller *c) {
  loam_abi_guest g;
  loam_abi_guest_init(&g, loam_caller_store(c), loam_caller_instance(c), NULL);
  return g;
}

static char *params_json(loam_value **v, uint32_t n) {
  size_t cap = 2;
  char **parts = calloc(n + 1, sizeof *parts);
  for (uint32_t i = 0; i < n; i++) {
    parts[i] = loam_value_to_json(v[i]);
    cap += strlen(parts[i]) + 1;
  }
  char *s = calloc(cap + 1, 1);
  strcat(s, "[");
  for (uint32_t i = 0; i < n; i++) {
    if (i) strcat(s, ",");
    strcat(s, parts[i]);
    free(parts[i]);
  }
  strcat(s, "]");
  free(parts);
  return s;
}

static loam_status host_generic(loam_caller *c, uint64_t *slots, void *user) {
  hostfn *h = user;
  loam_abi_guest g = caller_guest(c);
  const loam_type *buf[32];
  loam_abi_sig sig;
  loam_error err;
  loam_value *in[32] = {0}, *out = NULL;
  if (!loam_abi_sig_of(h->f, &sig, buf, 32))
    return loam_caller_trap(c, LOAM_TRAP_HOST, 0, "sig");
  if (!loam_abi_lift_params(&g, &sig, slots, in, &err))
    return loam_caller_trap(c, LOAM_TRAP_HOST, 0, "%s", err.message);
  free(h->got);
  h->got = params_json(in, sig.nparams);
  h->calls++;
  for (uint32_t i = 0; i < sig.nparams; i++) loam_value_free(in[i]);
  if (!sig.nresults) return LOAM_OK;
  loam_verr verr;
  out = loam_value_from_json(sig.results[0], h->reply, strlen(h->reply), "reply", &verr);
  if (!out) return loam_caller_trap(c, LOAM_TRAP_HOST, 0, "%s", verr.message);
  bool ok = loam_abi_lower_results(&g, &sig, slots, &out, &err);
  loam_value_free(out);
  return ok ? LOAM_OK : loam_caller_trap(c, LOAM_TRAP_HOST, 0, "%s", err.message);
}

static loam_status host_blob_drop(loam_caller *c, uint64_t *slots, void *user) {
  (void)c;
  (void)user;
  if (F->nblob_drops < 8) F->blob_drops[F->nblob_drops++] = (int)(uint32_t)slots[0];
  return LOAM_OK;
}

/* now: func() -> u64, a world-level import. */
static loam_status host_now(loam_caller *c, uint64_t *slots, void *user) {
  (void)c;
  (void)user;
  slots[0] = 1234;
  return LOAM_OK;
}

/* [export]api: [resource-new]counter: handle i+1 for rep i-th. */
static loam_status host_counter_new(loam_caller *c, uint64_t *slots, void *user) {
  (void)user;
  if (F->nreps >= 8) return loam_caller_trap(c, LOAM_TRAP_HOST, 0, "too many counters");
  F->reps[F->nreps++] = (uint32_t)slots[0];
  slots[0] = (uint64_t)F->nreps;
  return LOAM_OK;
}

static const struct {
  const char *name, *reply;
} replies[] = {
    {"log", NULL},
    {"add-points", "{\"x\":11,\"y\":18}"},
    {"describe", "\"described\""},
    {"sum17", "153"},
    {"pair", "[7,\"seven\"]"},
    {"half", "2.5"},
    {"find", "{\"err\":\"no such key\"}"},
    {"first", "42"},
    {"[constructor]blob", "5"},
    {"[method]blob.size", "3"},
    {"[method]blob.read", "[1,2,3]"},
    {"[static]blob.merge", "6"},
};

static const loam_wit_func *func_by_core(const loam_wit_interface *in, const char *core) {
  for (uint32_t i = 0; i < in->nfuncs; i++)
    if (!strcmp(in->funcs[i].core_name, core)) return &in->funcs[i];
  return NULL;
}

static hostfn *host(const char *core) {
  for (size_t i = 0; i < F->nfns; i++)
    if (!strcmp(F->fns[i].f->core_name, core)) return &F->fns[i];
  return NULL;
}

static bool define(fixture *f, const char *module, const char *name, const char *type,
                   loam_host_fn fn, void *user) {
  loam_extern e = {.kind = LOAM_EXTERN_FUNC};
  e.of.func = loam_func_new_host(f->store, type, fn, user);
  return e.of.func && loam_linker_define(f->linker, module, name, e);
}

static bool define_host(fixture *f) {
  for (size_t i = 0; i < sizeof replies / sizeof replies[0]; i++) {
    hostfn *h = &f->fns[f->nfns++];
    h->f = func_by_core(f->host, replies[i].name);
    h->reply = replies[i].reply;
    if (!h->f) return false;
    const loam_type *buf[32];
    loam_abi_sig sig;
    char type[64];
    if (!loam_abi_sig_of(h->f, &sig, buf, 32)) return false;
    loam_abi_core_type(&sig, true, type, sizeof type);
    if (!define(f, HOST_IFACE, h->f->core_name, type, host_generic, h)) return false;
  }
  return define(f, "$root", "now", ":I", host_now, NULL) &&
         define(f, HOST_IFACE, "[resource-drop]blob", "i:", host_blob_drop, NULL) &&
         define(f, "[export]" API_IFACE, "[resource-new]counter", "i:i", host_counter_new, NULL);
}

static uint8_t *slurp(const char *path, size_t *len) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  fseek(fp, 0, SEEK_END);
  long n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
  *len = fread(b, 1, (size_t)n, fp);
  fclose(fp);
  return b;
}

/* Builds the guest (WIT dir and C file relative to the source root) into a
 * scratch directory and instantiates it; the kitchen world gets its host
 * functions, other guests only WASI. */
static int setup_guest(void **state, const char *witrel, const char *srcrel,
                       const char *api_id) {
  find_root();
  fixture *f = calloc(1, sizeof *f);
  F = f;
  f->api_id = api_id;
  bool kitchen = !strcmp(api_id, API_IFACE);
  snprintf(f->dir, sizeof f->dir, "/tmp/loam-bindgen-XXXXXX");
  if (!mkdtemp(f->dir)) return -1;
  char wit[4200], src[4200], out[200], bind[200];
  snprintf(wit, sizeof wit, "%s/%s", root, witrel);
  snprintf(src, sizeof src, "%s/%s", root, srcrel);
  snprintf(out, sizeof out, "%s/guest.wasm", f->dir);
  snprintf(bind, sizeof bind, "%s/bindings", f->dir);
  const char *srcs[] = {src};
  const char *werror[] = {"-Werror"};
  loam_build_opts o = {.wit = wit, .out = out, .sources = srcs, .nsources = 1,
                       .bindings = bind, .cflags = werror, .ncflags = 1};
  loam_error err = {0};
  if (!loam_build(&o, &err)) {
    fprintf(stderr, "loam build: %s\n", err.message);
    return -1;
  }
  f->wit = loam_wit_load(wit, &err);
  if (!f->wit) return -1;
  f->api = loam_wit_find_interface(f->wit, api_id);
  f->host = kitchen ? loam_wit_find_interface(f->wit, HOST_IFACE) : NULL;
  size_t len;
  uint8_t *bytes = slurp(out, &len);
  f->mod = bytes ? loam_module_load(bytes, len, &err) : NULL;
  free(bytes);
  if (!f->mod || !f->api || (kitchen && !f->host)) {
    fprintf(stderr, "load: %s\n", err.message);
    return -1;
  }
  f->store = loam_store_new(0);
  f->linker = loam_linker_new();
  loam_wasi_config cfg = {.stdin_fd = -1, .stdout_fd = 1, .stderr_fd = 2};
  f->wasi = loam_wasi_new(&cfg, &err);
  if (!f->wasi || !loam_wasi_define(f->wasi, f->linker, f->store) ||
      (kitchen && !define_host(f))) {
    fprintf(stderr, "linker setup failed\n");
    return -1;
  }
  f->inst = loam_instantiate(f->store, f->mod, f->linker, &err);
  if (!f->inst) {
    fprintf(stderr, "instantiate: %s\n", err.message);
    return -1;
  }
  loam_func *init = loam_instance_func(f->inst, "_initialize");
  if (init && loam_call(f->store, init, NULL, 0, NULL, 0, &err) != LOAM_OK) {
    fprintf(stderr, "_initialize: %s\n", err.message);
    return -1;
  }
  loam_abi_guest_init(&f->g, f->store, f->inst, NULL);
  *state = f;
  return 0;
}

static int setup(void **state) {
  return setup_guest(state, "tests/bindgen/kitchen/wit", "tests/bindgen/kitchen/guest.c",
                     API_IFACE);
}

static int setup_cart(void **state) {
  return setup_guest(state, "examples/c-shopping-cart/wit", "examples/c-shopping-cart/src/cart.c",
                     "shopping:cart/api");
}

static void rm_rf(const char *dir) {
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

static int teardown(void **state) {
  fixture *f = *state;
  for (size_t i = 0; i < f->nfns; i++) free(f->fns[i].got);
  loam_linker_free(f->linker);
  loam_store_free(f->store);
  loam_wasi_free(f->wasi);
  loam_module_free(f->mod);
  loam_wit_free(f->wit);
  rm_rf(f->dir);
  free(f);
  return 0;
}

/* ---- calling exports with JSON ------------------------------------------- */

/* Splits the JSON array text `a` into its top-level items; returns how many. */
static size_t split_array(const char *a, const char **items, size_t *lens, size_t cap) {
  size_t n = 0;
  int depth = 0;
  bool str = false;
  const char *start = NULL;
  for (const char *p = a; *p; p++) {
    if (str) {
      if (*p == '\\' && p[1]) p++;
      else if (*p == '"') str = false;
      continue;
    }
    if (*p == '"') str = true;
    if (*p == '[' || *p == '{') {
      if (depth++ == 0) {
        start = p + 1;
        continue;
      }
    }
    if ((*p == ']' || *p == '}') && --depth == 0) {
      if (start && p > start && n < cap) items[n] = start, lens[n] = (size_t)(p - start), n++;
      break;
    }
    if (*p == ',' && depth == 1) {
      if (n < cap) items[n] = start, lens[n] = (size_t)(p - start), n++;
      start = p + 1;
    }
  }
  return n;
}

/* Calls export `func` of the api interface (or the world when iface is NULL)
 * with the JSON array `params`; returns the result's JSON ("" for none) or
 * NULL when the call failed (the error is printed). */
static char *call_json(const char *func, const char *params) {
  fixture *f = F;
  const loam_wit_func *fn = NULL;
  const char *iface = f->api_id;
  if (!strcmp(func, "greet")) {
    const loam_wit_world *w = f->wit->root->worlds[0];
    for (uint32_t i = 0; i < w->nexports; i++)
      if (w->exports[i].kind == LOAM_WIT_ITEM_FUNCTION && !strcmp(w->exports[i].name, func))
        fn = w->exports[i].func;
    iface = NULL;
  } else {
    fn = func_by_core(f->api, func);
  }
  assert_non_null(fn);
  const loam_type *buf[32];
  loam_abi_sig sig;
  assert_true(loam_abi_sig_of(fn, &sig, buf, 32));
  /* The array is split as text: loam_value_from_json reads u64s above 2^63. */
  const char *items[32];
  size_t lens[32];
  assert_int_equal(split_array(params, items, lens, 32), sig.nparams);
  loam_value *in[32] = {0}, *out = NULL;
  for (uint32_t i = 0; i < sig.nparams; i++) {
    loam_verr verr;
    in[i] = loam_value_from_json(sig.params[i], items[i], lens[i], "params", &verr);
    if (!in[i]) fprintf(stderr, "%s\n", verr.message);
    assert_non_null(in[i]);
  }
  char name[256];
  loam_abi_export_name(iface, fn, name, sizeof name);
  loam_error err = {0};
  loam_status st = loam_abi_call(&f->g, name, &sig, in, &out, &err);
  for (uint32_t i = 0; i < sig.nparams; i++) loam_value_free(in[i]);
  if (st != LOAM_OK) {
    fprintf(stderr, "%s: %s\n", name, err.message);
    return NULL;
  }
  if (!sig.nresults) return strdup("");
  char *s = loam_value_to_json(out);
  loam_value_free(out);
  return s;
}

static void expect(const char *func, const char *params, const char *want) {
  char *got = call_json(func, params);
  assert_non_null(got);
  if (strcmp(got, want)) fprintf(stderr, "%s(%s):\n  got  %s\n  want %s\n", func, params, got, want);
  assert_string_equal(got, want);
  free(got);
}

/* Calls f(params) and checks the result equals params[0] (an echo). */
static void echo(const char *func, const char *value) {
  char params[4096];
  snprintf(params, sizeof params, "[%s]", value);
  expect(func, params, value);
}

/* ---- tests --------------------------------------------------------------- */

static void test_world_function(void **state) {
  (void)state;
  expect("greet", "[\"world\"]", "\"hello, world! @1234\"");
  expect("greet", "[\"\"]", "\"hello, ! @1234\"");
}

static void test_every_primitive(void **state) {
  (void)state;
  echo("echo-everything",
       "{\"b\":true,\"u8v\":255,\"s8v\":-128,\"u16v\":65535,\"s16v\":-32768,"
       "\"u32v\":4294967295,\"s32v\":-2147483648,\"u64v\":18446744073709551615,"
       "\"s64v\":-9223372036854775808,\"f32v\":1.5,\"f64v\":-2.25,\"c\":\"\xf0\x9f\xa6\x80\","
       "\"s\":\"h\xc3\xa9llo\",\"at\":{\"x\":1,\"y\":-1}}");
  echo("echo-everything",
       "{\"b\":false,\"u8v\":0,\"s8v\":0,\"u16v\":0,\"s16v\":0,\"u32v\":0,\"s32v\":0,"
       "\"u64v\":0,\"s64v\":0,\"f32v\":0,\"f64v\":0,\"c\":\"a\",\"s\":\"\",\"at\":{\"x\":0,\"y\":0}}");
  /* twelve scalars flat in, a tuple through the return area out */
  expect("prims", "[true,1,-1,2,-2,3,-3,4,-4,1.5,2.5,\"a\"]",
         "[false,2,-2,3,-3,4,-4,5,-5,3,5,\"b\"]");
  expect("prims", "[false,255,-128,65535,-32768,4294967295,-2147483648,0,0,-0.5,1e100,\"y\"]",
         "[true,0,127,0,32767,0,2147483647,1,-1,-1,2e100,\"z\"]");
}

static void test_nested(void **state) {
  (void)state;
  echo("echo-nested",
       "{\"shapes\":[{\"circle\":1.5},{\"rect\":[2,3.5]},{\"named\":\"sq\"},{\"empty\":null}],"
       "\"maybe\":[null,\"x\",\"\"],\"outcome\":{\"ok\":[[1,\"one\"],[2,\"two\"]]},"
       "\"grid\":[[1,-2],[],[3]],\"p\":[\"read\",\"exec\"],\"tint\":\"green\","
       "\"ids\":[\"a\",\"b\"]}");
  echo("echo-nested",
       "{\"shapes\":[],\"maybe\":null,\"outcome\":{\"err\":\"blue\"},\"grid\":[],\"p\":[],"
       "\"tint\":null,\"ids\":[]}");
}

static void test_variants_enums_flags(void **state) {
  (void)state;
  expect("next-color", "[\"blue\"]", "\"red\"");
  expect("next-color", "[\"red\"]", "\"green\"");
  expect("all-perms", "[[\"read\"]]", "[\"write\",\"exec\"]");
  expect("all-perms", "[[]]", "[\"read\",\"write\",\"exec\"]");
  expect("area", "[{\"circle\":2}]", "12");
  expect("area", "[{\"rect\":[2,3.5]}]", "7");
  expect("area", "[{\"named\":\"abcd\"}]", "4");
  expect("area", "[{\"empty\":null}]", "0");
  expect("maybe-double", "[21]", "42");
  expect("maybe-double", "[null]", "null");
  expect("try-div", "[7,2]", "{\"ok\":3}");
  expect("try-div", "[1,0]", "{\"err\":\"division by zero\"}");
  expect("check", "[true]", "{\"ok\":null}");
  expect("check", "[false]", "{\"err\":\"not ok\"}");
  expect("nothing", "[]", "");
}

static void test_spilled_params(void **state) {
  (void)state;
  /* 17 flat params: they arrive as one pointer to a tuple in memory */
  expect("many", "[\"abc\",[1,2,3],5,{\"rect\":[2,3]},{\"x\":1,\"y\":2},0.5,-7,true,[1,2,3]]",
         "\"abc|6|some 5|6|1,2|0.5|-7|true|1,2,3\"");
  expect("many", "[\"\",[],null,{\"empty\":null},{\"x\":-1,\"y\":0},0,0,false,[0,0,4294967295]]",
         "\"|0|none0|0|-1,0|0|0|false|0,0,4294967295\"");
}

static void test_imports(void **state) {
  fixture *f = *state;
  expect("call-host", "[\"hi\"]",
         "\"11,18|described|153|7:seven|2.5|blob 5 size 3 read 1,2,3 merged 6"
         "|missing no such key|first 42\"");
  static const struct {
    const char *core, *params;
  } want[] = {
      {"log", "[\"hi\"]"},
      {"add-points", "[{\"x\":1,\"y\":-2},{\"x\":10,\"y\":20}]"},
      {"describe", "[{\"x\":11,\"y\":18},{\"err\":\"bad\"}]"},
      {"sum17", "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]"},
      {"pair", "[7]"},
      {"half", "[5]"},
      {"find", "[\"k\"]"},
      {"first", "[[4,2]]"},
      {"[constructor]blob", "[[9,8,7]]"},
      {"[method]blob.size", "[5]"},
      {"[method]blob.read", "[5]"},
      {"[static]blob.merge", "[5,5]"},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    hostfn *h = host(want[i].core);
    assert_non_null(h);
    assert_int_equal(h->calls, 1);
    if (strcmp(h->got, want[i].params))
      fprintf(stderr, "%s got %s want %s\n", want[i].core, h->got, want[i].params);
    assert_string_equal(h->got, want[i].params);
  }
  assert_int_equal(f->nblob_drops, 2);
  assert_int_equal(f->blob_drops[0], 5);
  assert_int_equal(f->blob_drops[1], 6);
}

/* The exported resource: handles come from the host's [resource-new]; a
 * borrow<counter> reaches the guest as its rep (the guest implements it). */
static void test_exported_resource(void **state) {
  fixture *f = *state;
  int before = f->nreps;
  char *h = call_json("[constructor]counter", "[5]");
  assert_non_null(h);
  assert_int_equal(atoi(h), before + 1);
  free(h);
  uint32_t rep = f->reps[before];
  char p[64];
  snprintf(p, sizeof p, "[%u,3]", rep);
  expect("[method]counter.inc", p, "8");
  snprintf(p, sizeof p, "[%u]", rep);
  expect("[method]counter.get", p, "8");
  h = call_json("[static]counter.make", "[2]");
  assert_non_null(h);
  free(h);
  uint32_t rep2 = f->reps[before + 1];
  assert_int_not_equal(rep, rep2);
  snprintf(p, sizeof p, "[%u]", rep2);
  expect("[method]counter.get", p, "20");
  /* the host runs the destructor when the last handle goes */
  loam_func *dtor = loam_instance_func(f->inst, API_IFACE "#[dtor]counter");
  assert_non_null(dtor);
  loam_error err;
  loam_val a = loam_val_i32(rep);
  assert_int_equal(loam_call(f->store, dtor, &a, 1, NULL, 0, &err), LOAM_OK);
  a = loam_val_i32(rep2);
  assert_int_equal(loam_call(f->store, dtor, &a, 1, NULL, 0, &err), LOAM_OK);
}

/* The generated files name every type and function the way the header
 * promises (wit-bindgen's C conventions). */
static void test_generated_names(void **state) {
  fixture *f = *state;
  loam_bindings b;
  loam_error err;
  assert_true(loam_bindgen(f->wit, NULL, &b, &err));
  assert_string_equal(b.name, "kitchen");
  static const char *const names[] = {
      "typedef struct kitchen_string_t", "void kitchen_string_dup(",
      "void exports_kitchen_greet(kitchen_string_t *name, kitchen_string_t *ret);",
      "typedef struct loam_kitchen_host_point_t", "exports_loam_kitchen_api_shape_t",
      "#define EXPORTS_LOAM_KITCHEN_API_COLOR_BLUE 2",
      "#define EXPORTS_LOAM_KITCHEN_API_PERMS_EXEC (1U << 2)",
      "typedef struct kitchen_list_u8_t", "kitchen_option_u32_t", "kitchen_result_s32_string_t",
      "kitchen_tuple2_u64_string_t", "void exports_loam_kitchen_api_nested_free(",
      "bool exports_loam_kitchen_api_try_div(int32_t a, int32_t b, int32_t *ret, kitchen_string_t *err);",
      "bool loam_kitchen_host_first(kitchen_list_u32_t *xs, uint32_t *ret);",
      "typedef kitchen_string_t exports_loam_kitchen_api_id_t;", "loam_kitchen_host_method_blob_size(",
      "void loam_kitchen_host_blob_drop_own(", "exports_loam_kitchen_api_counter_new(",
      "void exports_loam_kitchen_api_counter_destructor(",
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (!strstr(b.header, names[i])) fprintf(stderr, "missing: %s\n", names[i]);
    assert_non_null(strstr(b.header, names[i]));
  }
  (void)names;
  assert_non_null(strstr(b.source, "export_name(\"cabi_realloc\")"));
  assert_non_null(strstr(b.source, "export_name(\"cabi_post_" API_IFACE "#echo-nested\")"));
  assert_non_null(strstr(b.source, "import_module(\"" HOST_IFACE "\"), import_name(\"[method]blob.read\")"));
  loam_bindings_free(&b);
  assert_false(loam_bindgen(f->wit, "nope", &b, &err));
}

/* The WIT the build embedded resolves and names the world. */
static void test_embedded_wit(void **state) {
  fixture *f = *state;
  size_t len;
  const uint8_t *sec = loam_module_custom_section(f->mod, LOAM_WIT_SECTION, &len);
  assert_non_null(sec);
  assert_true(len > 20 && !memcmp(sec, "// loam:world kitchen\n", 22));
  loam_error err;
  loam_wit *w = loam_wit_load_text("embedded.wit", (const char *)sec, len, &err);
  if (!w) fprintf(stderr, "%s\n", err.message);
  assert_non_null(w);
  assert_non_null(loam_wit_find_interface(w, API_IFACE));
  loam_wit_free(w);
}

static void write_file(const char *path, const char *text) {
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fputs(text, fp);
  fclose(fp);
}

/* loam.toml: strings, lists, comments, sections; paths from the project dir. */
static void test_project_file(void **state) {
  fixture *f = *state;
  char path[128];
  snprintf(path, sizeof path, "%s/loam.toml", f->dir);
  write_file(path, "# a project\n[build]\nname = \"x\"\nwit = \"wit\"\nworld = \"w\"\n"
                   "sources = [\"a.c\", \"/abs/b.c\"]\ncflags = [\"-DX=1\"]\n"
                   "output = \"out.wasm\"\n");
  loam_project p;
  loam_error err;
  assert_true(loam_project_load(path, &p, &err));
  char want[128];
  snprintf(want, sizeof want, "%s/wit", f->dir);
  assert_string_equal(p.wit, want);
  assert_string_equal(p.world, "w");
  assert_int_equal(p.nsources, 2);
  snprintf(want, sizeof want, "%s/a.c", f->dir);
  assert_string_equal(p.sources[0], want);
  assert_string_equal(p.sources[1], "/abs/b.c");
  assert_int_equal(p.ncflags, 1);
  assert_string_equal(p.cflags[0], "-DX=1");
  assert_null(p.bindings);
  loam_project_free(&p);
  write_file(path, "wit = \"wit\"\n");
  assert_false(loam_project_load(path, &p, &err));
  assert_non_null(strstr(err.message, "needs wit, output and sources"));
  write_file(path, "wit = wit\n");
  assert_false(loam_project_load(path, &p, &err));
  assert_non_null(strstr(err.message, ":1: bad value for wit"));
}

/* The shopping cart example through its generated bindings: a session. */
static void test_shopping_cart(void **state) {
  (void)state;
  expect("checkout", "[]", "{\"error\":\"Empty cart\"}");
  expect("initialize-cart", "[\"user-1\"]", "");
  expect("add-item", "[{\"product-id\":\"p1\",\"name\":\"Mug\",\"price\":2.5,\"quantity\":2}]", "");
  expect("add-item", "[{\"product-id\":\"p2\",\"name\":\"Tea\",\"price\":4,\"quantity\":1}]", "");
  expect("add-item", "[{\"product-id\":\"p1\",\"name\":\"Mug\",\"price\":2.5,\"quantity\":1}]", "");
  expect("get-cart-contents", "[]",
         "[{\"product-id\":\"p1\",\"name\":\"Mug\",\"price\":2.5,\"quantity\":3},"
         "{\"product-id\":\"p2\",\"name\":\"Tea\",\"price\":4,\"quantity\":1}]");
  expect("update-item-quantity", "[\"p2\",5]", "");
  expect("remove-item", "[\"p1\"]", "");
  expect("remove-item", "[\"nope\"]", "");
  expect("get-cart-contents", "[]",
         "[{\"product-id\":\"p2\",\"name\":\"Tea\",\"price\":4,\"quantity\":5}]");
  expect("checkout", "[]", "{\"success\":{\"order-id\":\"order-1\"}}");
  expect("get-cart-contents", "[]", "[]");
  expect("checkout", "[]", "{\"error\":\"Empty cart\"}");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_world_function),  cmocka_unit_test(test_every_primitive),
      cmocka_unit_test(test_nested),          cmocka_unit_test(test_variants_enums_flags),
      cmocka_unit_test(test_spilled_params),  cmocka_unit_test(test_imports),
      cmocka_unit_test(test_exported_resource), cmocka_unit_test(test_generated_names),
      cmocka_unit_test(test_embedded_wit),    cmocka_unit_test(test_project_file),
  };
  const struct CMUnitTest cart[] = {cmocka_unit_test(test_shopping_cart)};
  int failed = cmocka_run_group_tests(tests, setup, teardown);
  return failed + cmocka_run_group_tests(cart, setup_cart, teardown);
}
