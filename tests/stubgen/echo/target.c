/* target.c — the kitchen-sink target of the stub end-to-end test
 * (tests/stubgen/test_stubgen_e2e.c): every function gives back what it was
 * given (params are the implementation's, results are freed by cabi_post,
 * so each value is moved, not copied); fire/noop count what they received
 * and no-args reports fires * 1000 + noops; extra.type prints its points. */
#include "kitchen.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t fires, noops;
static char last_fire[64];

void exports_test_kitchen_api_echo(exports_test_kitchen_api_everything_t *e,
                                   exports_test_kitchen_api_everything_t *ret) {
  *ret = *e;
}

void exports_test_kitchen_api_echo_prims(bool a, uint8_t b, int8_t c, uint16_t d, int16_t e,
                                         uint32_t f, int32_t g, uint64_t h, int64_t i, float j,
                                         double k, uint32_t l, kitchen_string_t *m,
                                         kitchen_tuple13_bool_u8_s8_u16_s16_u32_s32_u64_s64_f32_f64_char_string_t *ret) {
  ret->f0 = a, ret->f1 = b, ret->f2 = c, ret->f3 = d, ret->f4 = e, ret->f5 = f, ret->f6 = g;
  ret->f7 = h, ret->f8 = i, ret->f9 = j, ret->f10 = k, ret->f11 = l, ret->f12 = *m;
}

test_kitchen_types_color_t exports_test_kitchen_api_echo_color(test_kitchen_types_color_t c) {
  return c;
}

test_kitchen_types_perms_t exports_test_kitchen_api_echo_perms(test_kitchen_types_perms_t p) {
  return p;
}

bool exports_test_kitchen_api_echo_option(kitchen_option_point_t *o, test_kitchen_types_point_t *ret) {
  if (o->is_some) *ret = o->val;
  return o->is_some;
}

bool exports_test_kitchen_api_echo_result(kitchen_result_string_color_t *r, kitchen_string_t *ret,
                                          test_kitchen_types_color_t *err) {
  if (r->is_err) *err = r->val.err;
  else *ret = r->val.ok;
  return !r->is_err;
}

bool exports_test_kitchen_api_echo_unit_result(kitchen_result_void_void_t *r) { return !r->is_err; }

void exports_test_kitchen_api_echo_list(kitchen_list_string_t *l, kitchen_list_string_t *ret) {
  *ret = *l;
}

void exports_test_kitchen_api_echo_shape(test_kitchen_types_shape_t *s, test_kitchen_types_shape_t *ret) {
  *ret = *s;
}

uint64_t exports_test_kitchen_api_no_args(void) { return fires * 1000 + noops; }

void exports_test_kitchen_api_fire(kitchen_string_t *s) {
  fires++;
  snprintf(last_fire, sizeof last_fire, "%.*s", (int)s->len, (const char *)s->ptr);
  kitchen_string_free(s);
}

void exports_test_kitchen_api_noop(void) { noops++; }

void exports_test_kitchen_extra_type(exports_test_kitchen_extra_point_t *p,
                                     test_kitchen_types_point_t *q, kitchen_string_t *ret) {
  char buf[128];
  snprintf(buf, sizeof buf, "z=%u x=%d y=%d last-fire=%s", p->z, q->x, q->y, last_fire);
  kitchen_string_dup(ret, buf);
}
