/*
 * caller.c — the RPC benchmark's caller guest (built with `loam build`
 * against wit/caller.wit): `call` asks another worker's counter to inc-by n
 * through the dynamic golem:rpc API (one wasm-rpc per call, invoke-and-await)
 * and keeps the answer; `note` keeps a number it is given, which is the same
 * guest work minus the call (the HTTP and in-process baselines call the
 * counter themselves and then `note` the answer here).
 */
#include "caller.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t last; /* the latest answer: the worker's state */

/* A counter's inc-by answers a tuple of its one result: node 0 is
 * tuple-value([1]), node 1 prim-u64. Anything else is a bug worth a trap. */
static uint64_t answer(const golem_rpc_types_wit_value_t *v) {
  const golem_rpc_types_wit_node_t *n = v->nodes.ptr;
  if (v->nodes.len < 2 || n[0].tag != GOLEM_RPC_TYPES_WIT_NODE_TUPLE_VALUE ||
      n[0].val.tuple_value.len != 1) {
    fprintf(stderr, "caller: unexpected result shape\n");
    abort();
  }
  int32_t i = n[0].val.tuple_value.ptr[0];
  if (i < 0 || (size_t)i >= v->nodes.len || n[i].tag != GOLEM_RPC_TYPES_WIT_NODE_PRIM_U64) {
    fprintf(stderr, "caller: result is not a u64\n");
    abort();
  }
  return n[i].val.prim_u64;
}

uint64_t exports_bench_caller_api_call(caller_string_t *target, uint64_t n) {
  golem_rpc_types_uri_t uri = {*target};
  golem_rpc_types_own_wasm_rpc_t rpc = golem_rpc_types_constructor_wasm_rpc(&uri);

  golem_rpc_types_wit_node_t node;
  memset(&node, 0, sizeof node);
  node.tag = GOLEM_RPC_TYPES_WIT_NODE_PRIM_U64;
  node.val.prim_u64 = n;
  golem_rpc_types_wit_value_t param = {{&node, 1}};
  caller_list_wit_value_t params = {&param, 1};
  caller_string_t fn;
  caller_string_set(&fn, "loam:counter/api.{inc-by}");

  golem_rpc_types_wit_value_t ret;
  golem_rpc_types_rpc_error_t err;
  if (!golem_rpc_types_method_wasm_rpc_invoke_and_await(golem_rpc_types_borrow_wasm_rpc(rpc),
                                                        &fn, &params, &ret, &err)) {
    /* every rpc-error case carries a string at the same place */
    fprintf(stderr, "caller: rpc-error %d: %.*s\n", err.tag, (int)err.val.not_found.len,
            (const char *)err.val.not_found.ptr);
    abort();
  }
  last = answer(&ret);
  golem_rpc_types_wit_value_free(&ret);
  golem_rpc_types_wasm_rpc_drop_own(rpc);
  caller_string_free(target);
  return last;
}

uint64_t exports_bench_caller_api_note(uint64_t n) { return last = n; }
