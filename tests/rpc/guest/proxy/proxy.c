/*
 * proxy.c — the RPC tests' caller (wit/proxy.wit): hands the wit-values the
 * test built to golem:rpc unchanged and returns what comes back, so the
 * host-side test checks every value kind; makes parallel async calls with
 * wasi:io/poll (or pollable.block), two calls in one invocation, and reads
 * its environment.
 */
#include "proxy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static golem_rpc_types_own_wasm_rpc_t connect(proxy_string_t *uri) {
  golem_rpc_types_uri_t u = {.value = *uri};
  return golem_rpc_types_constructor_wasm_rpc(&u);
}

bool exports_test_rpc_proxy_api_call(proxy_string_t *uri, proxy_string_t *function,
                                     proxy_list_wit_value_t *params,
                                     golem_rpc_types_wit_value_t *ret,
                                     golem_rpc_types_rpc_error_t *err) {
  golem_rpc_types_own_wasm_rpc_t r = connect(uri);
  bool ok = golem_rpc_types_method_wasm_rpc_invoke_and_await(golem_rpc_types_borrow_wasm_rpc(r),
                                                             function, params, ret, err);
  golem_rpc_types_wasm_rpc_drop_own(r);
  proxy_string_free(uri);
  proxy_string_free(function);
  proxy_list_wit_value_free(params);
  return ok;
}

bool exports_test_rpc_proxy_api_call_flaky(proxy_string_t *uri, proxy_string_t *function,
                                           proxy_list_wit_value_t *params, uint64_t until_ns,
                                           golem_rpc_types_wit_value_t *ret,
                                           golem_rpc_types_rpc_error_t *err) {
  bool ok = exports_test_rpc_proxy_api_call(uri, function, params, ret, err);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  if ((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec < until_ns) abort();
  return ok;
}

bool exports_test_rpc_proxy_api_send(proxy_string_t *uri, proxy_string_t *function,
                                     proxy_list_wit_value_t *params,
                                     golem_rpc_types_rpc_error_t *err) {
  golem_rpc_types_own_wasm_rpc_t r = connect(uri);
  bool ok = golem_rpc_types_method_wasm_rpc_invoke(golem_rpc_types_borrow_wasm_rpc(r), function,
                                                   params, err);
  golem_rpc_types_wasm_rpc_drop_own(r);
  proxy_string_free(uri);
  proxy_string_free(function);
  proxy_list_wit_value_free(params);
  return ok;
}

/* Starts every call of `calls` asynchronously: a wasm-rpc, a future and a
 * pollable each. */
typedef struct pending {
  golem_rpc_types_own_wasm_rpc_t rpc;
  golem_rpc_types_own_future_invoke_result_t fut;
  wasi_io_poll_own_pollable_t poll;
  bool done;
} pending;

static pending *start_all(proxy_list_request_t *calls) {
  pending *p = calloc(calls->len + 1, sizeof *p);
  if (!p) abort();
  for (size_t i = 0; i < calls->len; i++) {
    exports_test_rpc_proxy_api_request_t *c = &calls->ptr[i];
    p[i].rpc = connect(&c->uri);
    p[i].fut = golem_rpc_types_method_wasm_rpc_async_invoke_and_await(
        golem_rpc_types_borrow_wasm_rpc(p[i].rpc), &c->function, &c->params);
    p[i].poll = golem_rpc_types_method_future_invoke_result_subscribe(
        golem_rpc_types_borrow_future_invoke_result(p[i].fut));
  }
  return p;
}

static void finish_all(pending *p, size_t n, proxy_list_request_t *calls) {
  for (size_t i = 0; i < n; i++) {
    wasi_io_poll_pollable_drop_own(p[i].poll);
    golem_rpc_types_future_invoke_result_drop_own(p[i].fut);
    golem_rpc_types_wasm_rpc_drop_own(p[i].rpc);
  }
  free(p);
  proxy_list_request_free(calls);
}

/* The result of a ready future (get must answer). */
static void take(pending *p, proxy_result_wit_value_rpc_error_t *out) {
  if (!golem_rpc_types_method_future_invoke_result_get(
          golem_rpc_types_borrow_future_invoke_result(p->fut), out)) {
    fprintf(stderr, "get: a ready future has no result\n");
    abort();
  }
  p->done = true;
}

void exports_test_rpc_proxy_api_call_all(proxy_list_request_t *calls,
                                         proxy_tuple2_list_result_wit_value_rpc_error_u32_t *ret) {
  size_t n = calls->len;
  pending *p = start_all(calls);
  ret->f0.len = n;
  ret->f0.ptr = calloc(n + 1, sizeof *ret->f0.ptr);
  wasi_io_poll_borrow_pollable_t *in = calloc(n + 1, sizeof *in);
  size_t *map = calloc(n + 1, sizeof *map);
  if (!ret->f0.ptr || !in || !map) abort();
  uint32_t rounds = 0;
  /* a get before anything is ready may answer none: it must not break */
  proxy_result_wit_value_rpc_error_t early;
  if (n && golem_rpc_types_method_future_invoke_result_get(
               golem_rpc_types_borrow_future_invoke_result(p[0].fut), &early)) {
    ret->f0.ptr[0] = early;
    p[0].done = true;
  }
  for (;;) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
      if (!p[i].done) in[k] = wasi_io_poll_borrow_pollable(p[i].poll), map[k++] = i;
    if (!k) break;
    proxy_list_borrow_pollable_t list = {in, k};
    proxy_list_u32_t ready = {0};
    wasi_io_poll_poll(&list, &ready);
    rounds++;
    for (size_t j = 0; j < ready.len; j++) {
      size_t i = map[ready.ptr[j]];
      if (!wasi_io_poll_method_pollable_ready(wasi_io_poll_borrow_pollable(p[i].poll))) {
        fprintf(stderr, "poll returned a pollable that is not ready\n");
        abort();
      }
      take(&p[i], &ret->f0.ptr[i]);
    }
    proxy_list_u32_free(&ready);
  }
  ret->f1 = rounds;
  free(in);
  free(map);
  finish_all(p, n, calls);
}

void exports_test_rpc_proxy_api_call_all_block(proxy_list_request_t *calls,
                                               proxy_list_result_wit_value_rpc_error_t *ret) {
  size_t n = calls->len;
  pending *p = start_all(calls);
  ret->len = n;
  ret->ptr = calloc(n + 1, sizeof *ret->ptr);
  if (!ret->ptr) abort();
  for (size_t i = n; i-- > 0;) { /* last first: the others finish meanwhile */
    wasi_io_poll_method_pollable_block(wasi_io_poll_borrow_pollable(p[i].poll));
    take(&p[i], &ret->ptr[i]);
  }
  finish_all(p, n, calls);
}

void exports_test_rpc_proxy_api_call_twice(proxy_string_t *uri, proxy_string_t *function,
                                           proxy_list_wit_value_t *params,
                                           proxy_list_result_wit_value_rpc_error_t *ret) {
  ret->len = 2;
  ret->ptr = calloc(2, sizeof *ret->ptr);
  if (!ret->ptr) abort();
  golem_rpc_types_own_wasm_rpc_t r = connect(uri);
  for (int i = 0; i < 2; i++) {
    proxy_result_wit_value_rpc_error_t *o = &ret->ptr[i];
    o->is_err = !golem_rpc_types_method_wasm_rpc_invoke_and_await(
        golem_rpc_types_borrow_wasm_rpc(r), function, params, &o->val.ok, &o->val.err);
  }
  golem_rpc_types_wasm_rpc_drop_own(r);
  proxy_string_free(uri);
  proxy_string_free(function);
  proxy_list_wit_value_free(params);
}

bool exports_test_rpc_proxy_api_env(proxy_string_t *name, proxy_string_t *ret) {
  char key[128];
  snprintf(key, sizeof key, "%.*s", (int)name->len, (const char *)name->ptr);
  proxy_string_free(name);
  const char *v = getenv(key);
  if (!v) return false;
  proxy_string_dup(ret, v);
  return true;
}
