/* caller.c — the caller of the stub end-to-end test: every export connects
 * to the kitchen target at `uri` through the generated stub (imported as
 * test:kitchen-stub/stub-kitchen), makes one call and returns its result
 * unchanged, so the test sees each value cross the stub both ways. Async
 * variants wait on the future's pollable; `parallel` polls two futures
 * together. Every handle is dropped and every owned param freed. */
#include "caller.h"
#include <stdlib.h>

#define S(x) test_kitchen_stub_stub_kitchen_##x
typedef S(own_api_t) api_t;

static api_t connect(caller_string_t *uri) {
  golem_rpc_types_uri_t u = {*uri};
  api_t api = S(constructor_api)(&u);
  caller_string_free(uri);
  return api;
}

static S(borrow_api_t) B(api_t a) { return S(borrow_api)(a); }

/* Waits until a pollable is ready, then drops it. */
static void await(wasi_io_poll_own_pollable_t p) {
  wasi_io_poll_method_pollable_block(wasi_io_poll_borrow_pollable(p));
  wasi_io_poll_pollable_drop_own(p);
}

void exports_test_caller_run_rt_everything(caller_string_t *uri, test_kitchen_api_everything_t *e,
                                           test_kitchen_api_everything_t *ret) {
  api_t api = connect(uri);
  S(method_api_blocking_echo)(B(api), e, ret);
  test_kitchen_api_everything_free(e);
  S(api_drop_own)(api);
}

void exports_test_caller_run_rt_everything_async(caller_string_t *uri,
                                                 test_kitchen_api_everything_t *e,
                                                 test_kitchen_api_everything_t *ret) {
  api_t api = connect(uri);
  S(own_future_echo_result_t) f = S(method_api_echo)(B(api), e);
  test_kitchen_api_everything_free(e);
  await(S(method_future_echo_result_subscribe)(S(borrow_future_echo_result)(f)));
  if (!S(method_future_echo_result_get)(S(borrow_future_echo_result)(f), ret)) abort();
  S(future_echo_result_drop_own)(f);
  S(api_drop_own)(api);
}

void exports_test_caller_run_rt_prims(caller_string_t *uri, bool a, uint8_t b, int8_t c,
                                      uint16_t d, int16_t e, uint32_t f, int32_t g, uint64_t h,
                                      int64_t i, float j, double k, uint32_t l, caller_string_t *m,
                                      caller_tuple13_bool_u8_s8_u16_s16_u32_s32_u64_s64_f32_f64_char_string_t *ret) {
  api_t api = connect(uri);
  S(method_api_blocking_echo_prims)(B(api), a, b, c, d, e, f, g, h, i, j, k, l, m, ret);
  caller_string_free(m);
  S(api_drop_own)(api);
}

test_kitchen_types_color_t exports_test_caller_run_rt_color(caller_string_t *uri,
                                                            test_kitchen_types_color_t c) {
  api_t api = connect(uri);
  test_kitchen_types_color_t r = S(method_api_blocking_echo_color)(B(api), c);
  S(api_drop_own)(api);
  return r;
}

test_kitchen_types_perms_t exports_test_caller_run_rt_perms(caller_string_t *uri,
                                                            test_kitchen_types_perms_t p) {
  api_t api = connect(uri);
  test_kitchen_types_perms_t r = S(method_api_blocking_echo_perms)(B(api), p);
  S(api_drop_own)(api);
  return r;
}

bool exports_test_caller_run_rt_option(caller_string_t *uri, caller_option_point_t *o,
                                       test_kitchen_types_point_t *ret) {
  api_t api = connect(uri);
  bool some = S(method_api_blocking_echo_option)(B(api), o, ret);
  S(api_drop_own)(api);
  return some;
}

bool exports_test_caller_run_rt_result(caller_string_t *uri, caller_result_string_color_t *r,
                                       caller_string_t *ret, test_kitchen_types_color_t *err) {
  api_t api = connect(uri);
  bool ok = S(method_api_blocking_echo_result)(B(api), r, ret, err);
  caller_result_string_color_free(r);
  S(api_drop_own)(api);
  return ok;
}

bool exports_test_caller_run_rt_unit_result(caller_string_t *uri, caller_result_void_void_t *r) {
  api_t api = connect(uri);
  bool ok = S(method_api_blocking_echo_unit_result)(B(api), r);
  S(api_drop_own)(api);
  return ok;
}

void exports_test_caller_run_rt_list(caller_string_t *uri, caller_list_string_t *l,
                                     caller_list_string_t *ret) {
  api_t api = connect(uri);
  S(method_api_blocking_echo_list)(B(api), l, ret);
  caller_list_string_free(l);
  S(api_drop_own)(api);
}

void exports_test_caller_run_rt_list_async(caller_string_t *uri, caller_list_string_t *l,
                                           caller_list_string_t *ret) {
  api_t api = connect(uri);
  S(own_future_echo_list_result_t) f = S(method_api_echo_list)(B(api), l);
  caller_list_string_free(l);
  /* get before the result is there answers none; then wait and get again */
  while (!S(method_future_echo_list_result_get)(S(borrow_future_echo_list_result)(f), ret))
    await(S(method_future_echo_list_result_subscribe)(S(borrow_future_echo_list_result)(f)));
  S(future_echo_list_result_drop_own)(f);
  S(api_drop_own)(api);
}

void exports_test_caller_run_rt_shape(caller_string_t *uri, test_kitchen_types_shape_t *s,
                                      test_kitchen_types_shape_t *ret) {
  api_t api = connect(uri);
  S(method_api_blocking_echo_shape)(B(api), s, ret);
  test_kitchen_types_shape_free(s);
  S(api_drop_own)(api);
}

uint64_t exports_test_caller_run_fire_and_count(caller_string_t *uri, caller_string_t *s) {
  api_t api = connect(uri);
  S(method_api_fire)(B(api), s);
  S(method_api_noop)(B(api));
  S(method_api_blocking_noop)(B(api));
  caller_string_free(s);
  uint64_t n = S(method_api_blocking_no_args)(B(api));
  S(api_drop_own)(api);
  return n;
}

void exports_test_caller_run_parallel(caller_string_t *uri_a, caller_string_t *uri_b,
                                      caller_list_string_t *l,
                                      caller_tuple2_list_string_list_string_t *ret) {
  api_t a = connect(uri_a), b = connect(uri_b);
  S(own_future_echo_list_result_t) fa = S(method_api_echo_list)(B(a), l);
  S(own_future_echo_list_result_t) fb = S(method_api_echo_list)(B(b), l);
  caller_list_string_free(l);
  wasi_io_poll_own_pollable_t pa = S(method_future_echo_list_result_subscribe)(S(borrow_future_echo_list_result)(fa));
  wasi_io_poll_own_pollable_t pb = S(method_future_echo_list_result_subscribe)(S(borrow_future_echo_list_result)(fb));
  wasi_io_poll_borrow_pollable_t both[2] = {wasi_io_poll_borrow_pollable(pa),
                                            wasi_io_poll_borrow_pollable(pb)};
  bool done[2] = {false, false};
  while (!done[0] || !done[1]) {
    caller_list_borrow_pollable_t in = {both, 2};
    caller_list_u32_t ready;
    wasi_io_poll_poll(&in, &ready);
    if (!ready.len) abort();   /* poll returns at least one */
    for (size_t i = 0; i < ready.len; i++) {
      uint32_t k = ready.ptr[i];
      if (k > 1) abort();
      if (!done[k])
        done[k] = S(method_future_echo_list_result_get)(
            S(borrow_future_echo_list_result)(k ? fb : fa), k ? &ret->f1 : &ret->f0);
    }
    caller_list_u32_free(&ready);
  }
  wasi_io_poll_pollable_drop_own(pa);
  wasi_io_poll_pollable_drop_own(pb);
  S(future_echo_list_result_drop_own)(fa);
  S(future_echo_list_result_drop_own)(fb);
  S(api_drop_own)(a);
  S(api_drop_own)(b);
}

void exports_test_caller_run_rt_extra(caller_string_t *uri, uint8_t z, int32_t x, int32_t y,
                                      caller_string_t *ret) {
  S(own_extra_t) e = S(constructor_extra)(&(golem_rpc_types_uri_t){*uri});
  caller_string_free(uri);
  test_kitchen_extra_point_t p = {z};
  test_kitchen_types_point_t q = {x, y};
  S(method_extra_blocking_type)(S(borrow_extra)(e), &p, &q, ret);
  S(extra_drop_own)(e);
}

void exports_test_caller_run_rt_list_many(caller_string_t *uri, caller_list_string_t *l,
                                          uint32_t times, caller_list_string_t *ret) {
  api_t api = connect(uri);
  caller_list_string_t r = {0};
  for (uint32_t i = 0; i < times; i++) {
    caller_list_string_free(&r);
    S(method_api_blocking_echo_list)(B(api), l, &r);
    caller_list_string_free(&r);
    S(own_future_echo_list_result_t) f = S(method_api_echo_list)(B(api), l);
    await(S(method_future_echo_list_result_subscribe)(S(borrow_future_echo_list_result)(f)));
    if (!S(method_future_echo_list_result_get)(S(borrow_future_echo_list_result)(f), &r)) abort();
    S(future_echo_list_result_drop_own)(f);
  }
  caller_list_string_free(l);
  *ret = r;
  S(api_drop_own)(api);
}
