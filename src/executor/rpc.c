/*
 * executor/rpc.c — the golem:rpc@0.1.0 and wasi:io/poll@0.2.0 host
 * interfaces of a worker (placeholder until issue 7's implementation lands:
 * no imports are provided yet).
 */
#include "executor/executor_int.h"

bool ex_rpc_provides(const char *module, const char *name) {
  (void)module, (void)name;
  return false;
}

bool ex_rpc_define(ex_runtime *rt, loam_linker *l, loam_store *s, loam_error *err) {
  (void)rt, (void)l, (void)s, (void)err;
  return true;
}

void ex_rpc_free(ex_runtime *rt) { (void)rt; }
