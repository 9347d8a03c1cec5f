/*
 * stubcaller.c — calls the RPC tests' callee through the stub `loam stubgen
 * build` generated from its WIT, composed into this module: blocking and
 * future-returning calls, futures polled together, fire-and-forget, and a
 * remote trap (see stubcaller.wit).
 */
#include "stubcaller.h"

#include <stdlib.h>
#include <string.h>

#define S(x) test_callee_stub_stub_callee_##x

static S(own_api_t) connect(stubcaller_string_t *uri) {
  golem_rpc_types_uri_t u = {*uri};
  return S(constructor_api)(&u);
}

void exports_test_stubcaller_api_echo(stubcaller_string_t *uri, test_callee_api_everything_t *e,
                                      test_callee_api_everything_t *ret) {
  S(own_api_t) api = connect(uri);
  S(method_api_blocking_echo)(S(borrow_api)(api), e, ret);
  S(api_drop_own)(api);
  test_callee_api_everything_free(e);
  stubcaller_string_free(uri);
}

void exports_test_stubcaller_api_echo_async(stubcaller_string_t *uri,
                                            test_callee_api_everything_t *e,
                                            test_callee_api_everything_t *ret) {
  S(own_api_t) api = connect(uri);
  S(own_future_echo_result_t) f = S(method_api_echo)(S(borrow_api)(api), e);
  wasi_io_poll_own_pollable_t p =
      S(method_future_echo_result_subscribe)(S(borrow_future_echo_result)(f));
  wasi_io_poll_method_pollable_block(wasi_io_poll_borrow_pollable(p));
  if (!S(method_future_echo_result_get)(S(borrow_future_echo_result)(f), ret)) abort();
  wasi_io_poll_pollable_drop_own(p);
  S(future_echo_result_drop_own)(f);
  S(api_drop_own)(api);
  test_callee_api_everything_free(e);
  stubcaller_string_free(uri);
}

void exports_test_stubcaller_api_echo2_many(stubcaller_string_t *uri, uint32_t n,
                                            stubcaller_list_tuple2_u64_string_t *ret) {
  S(own_api_t) api = connect(uri);
  S(own_future_echo2_result_t) *fs = calloc(n + 1, sizeof *fs);
  wasi_io_poll_own_pollable_t *ps = calloc(n + 1, sizeof *ps);
  uint32_t *slot = calloc(n + 1, sizeof *slot);
  wasi_io_poll_borrow_pollable_t *in = calloc(n + 1, sizeof *in);
  ret->len = n;
  ret->ptr = calloc(n + 1, sizeof *ret->ptr);
  for (uint32_t i = 0; i < n; i++) {
    char a[16] = {'m', (char)('a' + i % 26), 0};
    stubcaller_string_t s = {(uint8_t *)a, strlen(a)};
    fs[i] = S(method_api_echo2)(S(borrow_api)(api), &s, i);
    ps[i] = S(method_future_echo2_result_subscribe)(S(borrow_future_echo2_result)(fs[i]));
  }
  /* poll the pending ones until every result is in */
  uint32_t left = n;
  bool *done = calloc(n + 1, sizeof *done);
  while (left) {
    size_t k = 0;
    for (uint32_t i = 0; i < n; i++)
      if (!done[i]) slot[k] = i, in[k++] = wasi_io_poll_borrow_pollable(ps[i]);
    stubcaller_list_borrow_pollable_t list = {in, k};
    stubcaller_list_u32_t ready;
    wasi_io_poll_poll(&list, &ready);
    if (!ready.len) abort();
    for (size_t r = 0; r < ready.len; r++) {
      uint32_t i = slot[ready.ptr[r]];
      if (!S(method_future_echo2_result_get)(S(borrow_future_echo2_result)(fs[i]),
                                             &ret->ptr[i]))
        abort();
      done[i] = true;
      left--;
    }
    stubcaller_list_u32_free(&ready);
  }
  for (uint32_t i = 0; i < n; i++) {
    wasi_io_poll_pollable_drop_own(ps[i]);
    S(future_echo2_result_drop_own)(fs[i]);
  }
  S(api_drop_own)(api);
  free(fs), free(ps), free(slot), free(in), free(done);
  stubcaller_string_free(uri);
}

void exports_test_stubcaller_api_inc_twice(stubcaller_string_t *uri, uint64_t by,
                                           stubcaller_tuple2_u64_u64_t *ret) {
  S(own_api_t) api = connect(uri);
  S(method_api_nothing)(S(borrow_api)(api)); /* fire-and-forget */
  ret->f0 = S(method_api_blocking_inc)(S(borrow_api)(api), by);
  S(own_future_get_result_t) f = S(method_api_get)(S(borrow_api)(api));
  wasi_io_poll_own_pollable_t p =
      S(method_future_get_result_subscribe)(S(borrow_future_get_result)(f));
  wasi_io_poll_method_pollable_block(wasi_io_poll_borrow_pollable(p));
  if (!S(method_future_get_result_get)(S(borrow_future_get_result)(f), &ret->f1)) abort();
  wasi_io_poll_pollable_drop_own(p);
  S(future_get_result_drop_own)(f);
  S(api_drop_own)(api);
  stubcaller_string_free(uri);
}

void exports_test_stubcaller_api_boom(stubcaller_string_t *uri, stubcaller_string_t *msg) {
  S(own_api_t) api = connect(uri);
  S(method_api_blocking_boom)(S(borrow_api)(api), msg);
  S(api_drop_own)(api);
  stubcaller_string_free(msg);
  stubcaller_string_free(uri);
}
