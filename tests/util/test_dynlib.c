/* test_dynlib.c — loading a library's functions on first use: a real one,
 * a missing library and a missing symbol, each with its message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_loads_functions),
      cmocka_unit_test(test_missing_library),
      cmocka_unit_test(test_missing_symbol),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
