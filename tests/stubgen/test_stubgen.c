/*
 * test_stubgen.c — `loam stubgen`'s library (src/stubgen): the stub WIT of a
 * kitchen-sink target (tests/stubgen/kitchen, every WIT type kind) resolves
 * and has the resources and functions the plan fixes, names clashing types
 * apart, and its generated C compiles warning-free (-Werror) with `loam
 * build` into a module importing only golem:rpc, wasi:io/poll, WASI and its
 * own resource intrinsics (so does a target named with keywords,
 * tests/stubgen/nasty); errors name bad source dirs, missing worlds,
 * targets with nothing to stub and types a stub cannot send;
 * add-stub-dependency copies and refuses to overwrite; the workspace
 * Makefile holds the flow. The loam binary is LOAM_BIN (tests/stubgen/stubgen.cmake).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stubgen/stubgen.h"

#ifndef LOAM_BIN
#error "LOAM_BIN must name the loam binary (tests/stubgen/stubgen.cmake)"
#endif

/* snprintf into a fixed buffer; paths here are short, and a cut one fails loudly. */
static void sfmt(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void sfmt(char *buf, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, cap, fmt, ap);
  va_end(ap);
  assert_true(n >= 0 && (size_t)n < cap);
}

static char root[4096];    /* the source tree */
static char kitchen[4200]; /* tests/stubgen/kitchen/wit */

static void find_root(void) {
  sfmt(root, sizeof root, "%s", __FILE__);
  for (int i = 0; i < 3; i++) {
    char *slash = strrchr(root, '/');
    if (slash) *slash = '\0';
    else sfmt(root, sizeof root, ".");
  }
  sfmt(kitchen, sizeof kitchen, "%s/tests/stubgen/kitchen/wit", root);
}

/* A fresh temporary directory, removed by rm_rf. */
static char *tmpdir(void) {
  char *d = strdup("/tmp/loam-test-stubgen-XXXXXX");
  assert_non_null(mkdtemp(d));
  return d;
}

static void rm_rf(char *d) {
  char cmd[4200];
  sfmt(cmd, sizeof cmd, "rm -rf '%s'", d);
  assert_int_equal(system(cmd), 0);
  free(d);
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *s = NULL;
  size_t n = 0;
  FILE *m = open_memstream(&s, &n);
  char buf[4096];
  size_t k;
  while ((k = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, k, m);
  fclose(f);
  fclose(m);
  return s;
}

static void spit(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static bool exists(const char *path) { return access(path, F_OK) == 0; }

/* ---- the stub WIT --------------------------------------------------------- */

static const loam_wit_func *func(const loam_wit_interface *in, const char *core) {
  for (uint32_t i = 0; i < in->nfuncs; i++)
    if (!strcmp(in->funcs[i].core_name, core)) return &in->funcs[i];
  return NULL;
}

static void type_text(const loam_type *t, char *buf, size_t cap) {
  loam_type_print(t, buf, cap);
}

/* Every function of target interface `tin` has its pair of methods on
 * resource `res` of the stub, with the same params, and a future resource
 * when it has results. */
static void check_resource(const loam_wit_interface *stub, const loam_wit_interface *tin,
                           const char *res) {
  char core[256];
  sfmt(core, sizeof core, "[constructor]%s", res);
  const loam_wit_func *ctor = func(stub, core);
  assert_non_null(ctor);
  assert_int_equal(ctor->nparams, 1);
  assert_string_equal(ctor->params[0].name, "location");
  assert_string_equal(ctor->params[0].type->name, "uri");
  for (uint32_t i = 0; i < tin->nfuncs; i++) {
    const loam_wit_func *f = &tin->funcs[i];
    sfmt(core, sizeof core, "[method]%s.blocking-%s", res, f->name);
    const loam_wit_func *bl = func(stub, core);
    sfmt(core, sizeof core, "[method]%s.%s", res, f->name);
    const loam_wit_func *as = func(stub, core);
    assert_non_null(bl);
    assert_non_null(as);
    /* self + the target's params, same names and types */
    assert_int_equal(bl->nparams, f->nparams + 1);
    assert_int_equal(as->nparams, f->nparams + 1);
    for (uint32_t k = 0; k < f->nparams; k++) {
      char a[512], b[512];
      assert_string_equal(bl->params[k + 1].name, f->params[k].name);
      type_text(bl->params[k + 1].type, a, sizeof a);
      type_text(f->params[k].type, b, sizeof b);
      /* named types may be renamed in the stub (extra-point); shapes agree */
      assert_int_equal(bl->params[k + 1].type->kind, f->params[k].type->kind);
      if (!f->params[k].type->name) assert_string_equal(a, b);
    }
    assert_int_equal(bl->nresults, f->nresults);
    if (!f->nresults) {
      assert_int_equal(as->nresults, 0);   /* fire-and-forget */
      continue;
    }
    assert_int_equal(f->nresults, 1);
    assert_int_equal(as->nresults, 1);
    assert_int_equal(as->results[0].type->kind, LOAM_T_OWN);
    char fut[256];
    sfmt(fut, sizeof fut, "future-%s-result", f->name);
    assert_string_equal(as->results[0].type->u.elem->name, fut);
    sfmt(core, sizeof core, "[method]%s.subscribe", fut);
    const loam_wit_func *sub = func(stub, core);
    assert_non_null(sub);
    assert_string_equal(sub->results[0].type->u.elem->name, "pollable");
    sfmt(core, sizeof core, "[method]%s.get", fut);
    const loam_wit_func *get = func(stub, core);
    assert_non_null(get);
    assert_int_equal(get->results[0].type->kind, LOAM_T_OPTION);
    char a[512], b[512];
    type_text(get->results[0].type->u.elem, a, sizeof a);
    type_text(f->results[0].type, b, sizeof b);
    assert_string_equal(a, b);
    type_text(bl->results[0].type, a, sizeof a);
    assert_string_equal(a, b);
  }
}

static void test_kitchen_wit(void **state) {
  (void)state;
  loam_error err = {0};
  loam_wit *target = loam_wit_load(kitchen, &err);
  assert_non_null(target);
  loam_stubgen_names n;
  char *text = loam_stubgen_wit(target, NULL, &n, NULL, &err);
  if (!text) fail_msg("%s", err.message);
  assert_string_equal(n.package, "test:kitchen-stub@1.0.0");
  assert_string_equal(n.package_dir, "test_kitchen-stub");
  assert_string_equal(n.interface, "stub-kitchen");
  assert_string_equal(n.world, "wasm-rpc-stub-kitchen");
  assert_string_equal(n.wasm_name, "kitchen_stub");
  /* the named types come in by `use`, parts first; the clashing `point` of
   * extra is renamed, the other one keeps its name */
  assert_non_null(strstr(text, "use test:kitchen/types@1.0.0.{color, perms, point, shape, blob, points};"));
  assert_non_null(strstr(text, "use test:kitchen/api@1.0.0.{everything};"));
  assert_non_null(strstr(text, "use test:kitchen/extra@1.0.0.{point as extra-point};"));
  assert_non_null(strstr(text, "    %type: func(p: extra-point, q: point) -> future-type-result;"));
  assert_non_null(strstr(text, "world wasm-rpc-stub-kitchen {\n  import golem:rpc/types@0.1.0;\n"
                               "  export stub-kitchen;\n}"));
  free(text);
  loam_stubgen_names_free(&n);

  /* written to disk with its deps, the stub resolves */
  char *d = tmpdir();
  assert_true(loam_stubgen_generate(kitchen, d, NULL, NULL, NULL, &err));
  char p[4400];
  sfmt(p, sizeof p, "%s/wit", d);
  loam_wit *stub = loam_wit_load(p, &err);
  if (!stub) fail_msg("%s", err.message);
  const loam_wit_interface *si = loam_wit_find_interface(stub, "test:kitchen-stub/stub-kitchen");
  assert_non_null(si);
  check_resource(si, loam_wit_find_interface(target, "test:kitchen/api"), "api");
  check_resource(si, loam_wit_find_interface(target, "test:kitchen/extra"), "extra");
  /* the renamed type is the one of extra */
  const loam_wit_typedef *ep = loam_wit_find_type(si, "extra-point");
  assert_non_null(ep);
  assert_string_equal(ep->used_name, "point");
  assert_string_equal(ep->used_from->id, "test:kitchen/extra@1.0.0");
  /* the project's files */
  const char *files[] = {"wit/_stub.wit", "wit/deps/test_kitchen/kitchen.wit",
                         "wit/deps/golem-rpc/types.wit", "wit/deps/wasi-io/poll.wit",
                         "src/stub.c", "loam.toml"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    sfmt(p, sizeof p, "%s/%s", d, files[i]);
    if (!exists(p)) fail_msg("missing %s", files[i]);
  }
  /* the embedded golem:rpc is the repository's, byte for byte */
  char q[4400];
  sfmt(p, sizeof p, "%s/wit/deps/golem-rpc/types.wit", d);
  sfmt(q, sizeof q, "%s/wit/deps/golem-rpc/types.wit", root);
  char *a = slurp(p), *b = slurp(q);
  assert_non_null(a);
  assert_non_null(b);
  assert_string_equal(a, b);
  free(a);
  free(b);
  sfmt(p, sizeof p, "%s/loam.toml", d);
  a = slurp(p);
  assert_non_null(strstr(a, "world = \"wasm-rpc-stub-kitchen\""));
  assert_non_null(strstr(a, "output = \"kitchen_stub.wasm\""));
  free(a);
  loam_wit_free(stub);
  loam_wit_free(target);
  rm_rf(d);
}

/* Every module an import of `wasm` comes from, one per line (via loam inspect). */
static char *import_modules(const char *wasm) {
  char cmd[4400];
  sfmt(cmd, sizeof cmd, "'%s' inspect '%s'", LOAM_BIN, wasm);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  char line[1024];
  bool in = false;
  char *out = NULL;
  size_t n = 0;
  FILE *m = open_memstream(&out, &n);
  while (fgets(line, sizeof line, p)) {
    if (!strncmp(line, "== ", 3)) in = !strncmp(line, "== imports", 10);
    else if (in) {
      char kind[32], mod[512];
      if (sscanf(line, " %31s %511s", kind, mod) == 2) fprintf(m, "%s\n", mod);
    }
  }
  assert_int_equal(pclose(p), 0);
  fclose(m);
  return out;
}

/* Generates the stub of target `wit`, builds it with -Werror, and checks its
 * imports: golem:rpc (at least six functions), poll, WASI, `exports` only. */
static void build_stub(const char *wit, const char *wasm, const char *exports) {
  char *d = tmpdir();
  loam_error err = {0};
  if (!loam_stubgen_generate(wit, d, NULL, NULL, NULL, &err)) fail_msg("%s", err.message);
  char p[4400];
  sfmt(p, sizeof p, "%s/loam.toml", d);
  FILE *f = fopen(p, "a");
  assert_non_null(f);
  fputs("cflags = [\"-Werror\"]\n", f);
  fclose(f);
  char cmd[9000];
  sfmt(cmd, sizeof cmd, "'%s' build -C '%s' >'%s/build.log' 2>&1", LOAM_BIN, d, d);
  if (system(cmd) != 0) {
    sfmt(p, sizeof p, "%s/build.log", d);
    char *log = slurp(p);
    fail_msg("loam build of the stub of %s failed:\n%s", wit, log ? log : "");
  }
  sfmt(p, sizeof p, "%s/%s", d, wasm);
  char *mods = import_modules(p);
  int rpc = 0;
  for (char *line = strtok(mods, "\n"); line; line = strtok(NULL, "\n")) {
    if (!strcmp(line, "golem:rpc/types@0.1.0")) rpc++;
    else if (strcmp(line, "wasi:io/poll@0.2.0") && strcmp(line, "wasi_snapshot_preview1") &&
             strcmp(line, exports))
      fail_msg("unexpected import module %s", line);
  }
  assert_true(rpc >= 6);
  free(mods);
  rm_rf(d);
}

/* The generated C of every type kind compiles with -Wall -Wextra -Werror, and
 * the stub imports nothing but golem:rpc, poll, WASI and its own intrinsics. */
static void test_kitchen_builds(void **state) {
  (void)state;
  build_stub(kitchen, "kitchen_stub.wasm", "[export]test:kitchen-stub/stub-kitchen@1.0.0");
}

/* Names that are keywords in C or WIT, or the stub's own names, still make
 * a stub that compiles. */
static void test_nasty_names_build(void **state) {
  (void)state;
  char wit[4400];
  sfmt(wit, sizeof wit, "%s/tests/stubgen/nasty/wit", root);
  build_stub(wit, "nasty_stub.wasm", "[export]x:nasty-stub/stub-nasty");
}

/* ---- errors ---------------------------------------------------------------- */

static void expect_wit_error(const char *wit, const char *world, const char *needle) {
  loam_error err = {0};
  loam_wit *w = loam_wit_load_text("t.wit", wit, strlen(wit), &err);
  if (!w) fail_msg("%s", err.message);
  char *text = loam_stubgen_wit(w, world, NULL, NULL, &err);
  if (text) fail_msg("expected an error containing '%s', got a stub:\n%s", needle, text);
  if (!strstr(err.message, needle)) fail_msg("'%s' lacks '%s'", err.message, needle);
  loam_wit_free(w);
}

static void test_errors(void **state) {
  (void)state;
  loam_error err = {0};
  char *d = tmpdir();
  /* a source dir that does not exist */
  assert_false(loam_stubgen_generate("/nonexistent/wit", d, NULL, NULL, NULL, &err));
  assert_non_null(strstr(err.message, "source WIT root /nonexistent/wit does not exist"));
  /* a missing world names the ones there are */
  assert_false(loam_stubgen_generate(kitchen, d, "nope", NULL, NULL, &err));
  assert_non_null(strstr(err.message, "package test:kitchen@1.0.0 has no world `nope` (it has: kitchen)"));
  /* nothing is written on failure */
  char p[4400];
  sfmt(p, sizeof p, "%s/wit", d);
  assert_false(exists(p));
  rm_rf(d);
  /* a target exporting no interface (only imports) */
  expect_wit_error("package a:b;\ninterface i { f: func(); }\nworld w { import i; }\n", NULL,
                   "world `w` of package a:b exports no function");
  /* several worlds and none picked */
  expect_wit_error("package a:b;\ninterface i { f: func(); }\nworld w { export i; }\n"
                   "world v { export i; }\n",
                   NULL, "package a:b has 2 worlds: pick one with --world");
  /* handles cannot travel in wit-values */
  expect_wit_error("package a:b;\ninterface i { resource r; f: func(x: borrow<r>); }\n"
                   "world w { export i; }\n",
                   NULL, "function `f` uses resource handles");
  expect_wit_error("package a:b;\ninterface i { resource r; record h { x: own<r> } "
                   "f: func() -> list<h>; }\nworld w { export i; }\n",
                   NULL, "function `f` uses resource handles");
}

/* World-level functions become a resource named after the world, called by
 * their plain names; interfaces without functions make no resource. */
static void test_world_functions(void **state) {
  (void)state;
  const char *wit = "package a:b;\ninterface types { record r { x: u8 } }\n"
                    "world w {\n  use types.{r};\n  export hello: func(who: r) -> string;\n"
                    "  export types;\n}\n";
  loam_error err = {0};
  loam_wit *w = loam_wit_load_text("t.wit", wit, strlen(wit), &err);
  assert_non_null(w);
  char *text = loam_stubgen_wit(w, NULL, NULL, NULL, &err);
  if (!text) fail_msg("%s", err.message);
  assert_non_null(strstr(text, "functions of world `w`"));
  assert_non_null(strstr(text, "  resource w {\n    constructor(location: uri);\n"
                               "    blocking-hello: func(who: r) -> string;\n"));
  assert_null(strstr(text, "resource types"));
  free(text);
  loam_wit_free(w);
}

/* ---- add-stub-dependency ------------------------------------------------------ */

static void test_add_dependency(void **state) {
  (void)state;
  char *d = tmpdir();
  char stub[4400], caller[4400], p[4600], q[4600];
  sfmt(stub, sizeof stub, "%s/stub", d);
  sfmt(caller, sizeof caller, "%s/caller/wit", d);
  loam_error err = {0};
  assert_true(loam_stubgen_generate(kitchen, stub, NULL, NULL, NULL, &err));
  sfmt(p, sizeof p, "%s/caller", d);
  assert_int_equal(mkdir(p, 0777), 0);
  assert_int_equal(mkdir(caller, 0777), 0);
  sfmt(p, sizeof p, "%s/caller.wit", caller);
  spit(p, "package my:caller;\nworld c { import test:kitchen-stub/stub-kitchen@1.0.0; }\n");
  sfmt(stub, sizeof stub, "%s/stub/wit", d);
  assert_true(loam_stubgen_add_dependency(stub, caller, false, NULL, &err));
  const char *files[] = {"deps/test_kitchen-stub/_stub.wit", "deps/test_kitchen/kitchen.wit",
                         "deps/golem-rpc/types.wit", "deps/wasi-io/poll.wit"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    sfmt(p, sizeof p, "%s/%s", caller, files[i]);
    if (!exists(p)) fail_msg("missing %s", files[i]);
  }
  /* the caller now resolves with the stub in its deps */
  loam_wit *w = loam_wit_load(caller, &err);
  if (!w) fail_msg("%s", err.message);
  loam_wit_free(w);
  /* again: identical files are fine */
  assert_true(loam_stubgen_add_dependency(stub, caller, false, NULL, &err));
  /* a changed file is refused, by name, and nothing is written */
  sfmt(p, sizeof p, "%s/deps/wasi-io/poll.wit", caller);
  spit(p, "// changed\n");
  sfmt(q, sizeof q, "%s/deps/test_kitchen-stub/_stub.wit", caller);
  assert_int_equal(unlink(q), 0);
  assert_false(loam_stubgen_add_dependency(stub, caller, false, NULL, &err));
  assert_non_null(strstr(err.message, "poll.wit already exists and differs from"));
  assert_non_null(strstr(err.message, "(use --overwrite to replace it)"));
  assert_false(exists(q));
  /* --overwrite replaces it */
  assert_true(loam_stubgen_add_dependency(stub, caller, true, NULL, &err));
  char *text = slurp(p);
  assert_null(strstr(text, "// changed"));
  free(text);
  assert_true(exists(q));
  /* the caller's own package is not copied into its own deps: the target
   * taking its own stub keeps its root package where it is */
  sfmt(p, sizeof p, "%s/self", d);
  char cmd[9000];
  sfmt(cmd, sizeof cmd, "mkdir -p '%s' && cp '%s/kitchen.wit' '%s/'", p, kitchen, p);
  assert_int_equal(system(cmd), 0);
  assert_true(loam_stubgen_add_dependency(stub, p, false, NULL, &err));
  sfmt(q, sizeof q, "%s/deps/test_kitchen", p);
  assert_false(exists(q));
  sfmt(q, sizeof q, "%s/deps/test_kitchen-stub/_stub.wit", p);
  assert_true(exists(q));
  /* errors: not a stub, no destination */
  assert_false(loam_stubgen_add_dependency(caller, stub, false, NULL, &err));
  assert_non_null(strstr(err.message, "_stub.wit not found"));
  assert_false(loam_stubgen_add_dependency(stub, "/nonexistent/wit", false, NULL, &err));
  assert_non_null(strstr(err.message, "destination WIT root /nonexistent/wit is not a directory"));
  rm_rf(d);
}

/* ---- the workspace ------------------------------------------------------------- */

static void test_makefile(void **state) {
  (void)state;
  const char *targets[] = {"purchase-history"}, *callers[] = {"shopping-cart"};
  char *mk = loam_stubgen_makefile(targets, 1, callers, 1);
  assert_non_null(mk);
  const char *want[] = {
      "LOAM ?= loam\n",
      "build-flow: OUT = target/wasm32-wasi/debug\n",
      "release-build-flow: OUT = target/wasm32-wasi/release\n",
      "$(LOAM) stubgen generate --source-wit-root purchase-history/wit --dest-crate-root "
      "purchase-history-stub\n",
      "$(LOAM) stubgen add-stub-dependency --stub-wit-root purchase-history-stub/wit "
      "--dest-wit-root shopping-cart/wit --overwrite\n",
      "$(LOAM) build -C purchase-history\ncp $(call output_of,purchase-history) "
      "$(OUT)/purchase_history.wasm\n",
      "$(LOAM) build -C shopping-cart\n",
      "cp purchase-history-stub/purchase_history_stub.wasm $(OUT)/purchase_history_stub.wasm\n",
      "$(LOAM) stubgen compose --source-wasm $(OUT)/shopping_cart.wasm --stub-wasm "
      "$(OUT)/purchase_history_stub.wasm --dest-wasm $(OUT)/shopping_cart_composed.wasm\n",
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    if (!strstr(mk, want[i])) fail_msg("the Makefile lacks: %s\n---\n%s", want[i], mk);
  free(mk);

  /* initialize-workspace checks its members, writes the Makefile and stubs */
  char *d = tmpdir();
  loam_error err = {0};
  assert_false(loam_stubgen_init_workspace(d, targets, 1, callers, 1, NULL, &err));
  assert_non_null(strstr(err.message, "target purchase-history: no such directory"));
  char cmd[9000];
  sfmt(cmd, sizeof cmd,
           "mkdir -p '%s/purchase-history' '%s/shopping-cart/wit' && cp -r '%s' "
           "'%s/purchase-history/wit'",
           d, d, kitchen, d);
  assert_int_equal(system(cmd), 0);
  assert_true(loam_stubgen_init_workspace(d, targets, 1, callers, 1, NULL, &err));
  char p[4400];
  sfmt(p, sizeof p, "%s/Makefile", d);
  assert_true(exists(p));
  sfmt(p, sizeof p, "%s/purchase-history-stub/wit/_stub.wit", d);
  assert_true(exists(p));
  sfmt(p, sizeof p, "%s/purchase-history-stub/src/stub.c", d);
  assert_true(exists(p));
  rm_rf(d);
}

int main(void) {
  find_root();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_kitchen_wit),
      cmocka_unit_test(test_kitchen_builds),
      cmocka_unit_test(test_nasty_names_build),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_world_functions),
      cmocka_unit_test(test_add_dependency),
      cmocka_unit_test(test_makefile),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
