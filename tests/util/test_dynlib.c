/* test_dynlib.c — loading a library's functions on first use: a real one,
 * a missing library and a missing symbol, each with its message, and a
 * library opened once per process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "util/dynlib.h"

static void test_loads_functions(void **state) {
  (void)state;
  double (*cos_fn)(double) = NULL;
  const loam_dynsym syms[] = {{"cos", (void **)&cos_fn}};
  char err[300] = "";
  assert_true(loam_dynlib_load("libm.so.6", "libc6", syms, 1, err, sizeof err));
  assert_non_null(cos_fn);
  assert_true(cos_fn(0.0) == 1.0);
}

static void test_missing_library(void **state) {
  (void)state;
  void *f = NULL;
  const loam_dynsym syms[] = {{"anything", &f}};
  char err[300] = "";
  assert_false(loam_dynlib_load("libloam-no-such.so.7", "loam-nothing", syms, 1, err,
                                sizeof err));
  assert_non_null(strstr(err, "cannot load libloam-no-such.so.7"));
  assert_non_null(strstr(err, "install the loam-nothing package"));
  assert_null(f);
}

static void test_missing_symbol(void **state) {
  (void)state;
  void *a = NULL, *b = NULL;
  const loam_dynsym syms[] = {{"cos", &a}, {"loam_no_such_function", &b}};
  char err[300] = "";
  assert_false(loam_dynlib_load("libm.so.6", "libc6", syms, 2, err, sizeof err));
  assert_non_null(strstr(err, "libm.so.6 has no loam_no_such_function"));
}

static int init_calls;
static bool failing_init(char *err, size_t errlen) {
  init_calls++;
  snprintf(err, errlen, "init refused");
  return false;
}

/* Loaded once: the outcome (here an init that fails) is kept and repeated. */
static void test_open_once(void **state) {
  (void)state;
  static double (*sin_fn)(double);
  static const loam_dynsym syms[] = {{"sin", (void **)&sin_fn}};
  static loam_dynlib lib = {.soname = "libm.so.6", .package = "libc6", .syms = syms, .nsyms = 1,
                            .init = failing_init};
  char err[300] = "";
  assert_false(loam_dynlib_open(&lib, err, sizeof err));
  assert_string_equal(err, "init refused");
  err[0] = '\0';
  assert_false(loam_dynlib_open(&lib, err, sizeof err));
  assert_string_equal(err, "init refused");
  assert_int_equal(init_calls, 1);
  static loam_dynlib ok_lib = {.soname = "libm.so.6", .package = "libc6", .syms = syms,
                               .nsyms = 1};
  assert_true(loam_dynlib_open(&ok_lib, err, sizeof err));
  assert_true(sin_fn(0.0) == 0.0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_loads_functions),
      cmocka_unit_test(test_missing_library),
      cmocka_unit_test(test_missing_symbol),
      cmocka_unit_test(test_open_once),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
