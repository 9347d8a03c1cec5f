/*
 * executor/compose.c — templates made of a caller module and stub modules
 * (placeholder until issue 7's implementation lands: no stubs yet).
 */
#include "executor/executor_int.h"

bool ex_template_load_stubs(ex_template *t, loam_error *err) {
  (void)t, (void)err;
  return true;
}

void ex_template_free_stubs(ex_template *t) { (void)t; }

bool ex_stub_provides(const ex_template *t, const char *module, const char *name) {
  (void)t, (void)module, (void)name;
  return false;
}

bool ex_stubs_link(ex_runtime *rt, loam_error *err) {
  (void)rt, (void)err;
  return true;
}

void ex_stubs_free(ex_runtime *rt) { (void)rt; }
