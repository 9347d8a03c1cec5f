/* guest.c — the bindgen test guest: implements tests/bindgen/kitchen/wit
 * with the C bindings `loam build` generates (kitchen.h). Echo exports hand
 * their (owned) arguments back as results; call-host exercises every import
 * and reports what came back as one string. */
#include "kitchen.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef loam_kitchen_host_point_t point_t;

/* A printf into a kitchen string (owned by the caller). */
static void sprint(kitchen_string_t *ret, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void sprint(kitchen_string_t *ret, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  kitchen_string_dup(ret, buf);
}

void exports_kitchen_greet(kitchen_string_t *name, kitchen_string_t *ret) {
  /* now is a world-level import (core module "$root") */
  sprint(ret, "hello, %.*s! @%llu", (int)name->len, (const char *)name->ptr,
         (unsigned long long)kitchen_now());
  kitchen_string_free(name);
}

void exports_loam_kitchen_api_echo_everything(exports_loam_kitchen_api_everything_t *e,
                                              exports_loam_kitchen_api_everything_t *ret) {
  *ret = *e;   /* the argument's memory moves into the result */
}

void exports_loam_kitchen_api_echo_nested(exports_loam_kitchen_api_nested_t *n,
                                          exports_loam_kitchen_api_nested_t *ret) {
  *ret = *n;
}

void exports_loam_kitchen_api_prims(bool a, uint8_t b, int8_t c, uint16_t d, int16_t e,
                                    uint32_t f, int32_t g, uint64_t h, int64_t i, float j,
                                    double k, uint32_t l,
                                    kitchen_tuple12_bool_u8_s8_u16_s16_u32_s32_u64_s64_f32_f64_char_t *ret) {
  /* each one changed a little, so that a mixed-up slot would show */
  ret->f0 = !a;
  ret->f1 = (uint8_t)(b + 1);
  ret->f2 = (int8_t)(c - 1);
  ret->f3 = (uint16_t)(d + 1);
  ret->f4 = (int16_t)(e - 1);
  ret->f5 = f + 1;
  ret->f6 = g - 1;
  ret->f7 = h + 1;
  ret->f8 = i - 1;
  ret->f9 = j * 2;
  ret->f10 = k * 2;
  ret->f11 = l + 1;
}

static double shape_area(const exports_loam_kitchen_api_shape_t *s) {
  switch (s->tag) {
  case EXPORTS_LOAM_KITCHEN_API_SHAPE_CIRCLE: return 3.0 * s->val.circle * s->val.circle;
  case EXPORTS_LOAM_KITCHEN_API_SHAPE_RECT: return s->val.rect.f0 * s->val.rect.f1;
  case EXPORTS_LOAM_KITCHEN_API_SHAPE_NAMED: return (double)s->val.named.len;
  default: return 0;
  }
}

void exports_loam_kitchen_api_many(kitchen_string_t *a, kitchen_list_u32_t *b,
                                   kitchen_option_u8_t *c, exports_loam_kitchen_api_shape_t *d,
                                   point_t *e, double f, int64_t g, bool h,
                                   kitchen_tuple3_u32_u32_u32_t *i, kitchen_string_t *ret) {
  uint32_t sum = 0;
  for (size_t k = 0; k < b->len; k++) sum += b->ptr[k];
  sprint(ret, "%.*s|%u|%s%u|%g|%d,%d|%g|%lld|%s|%u,%u,%u", (int)a->len, (const char *)a->ptr,
         sum, c->is_some ? "some " : "none", c->is_some ? c->val : 0, shape_area(d), e->x, e->y,
         f, (long long)g, h ? "true" : "false", i->f0, i->f1, i->f2);
  kitchen_string_free(a);
  kitchen_list_u32_free(b);
  exports_loam_kitchen_api_shape_free(d);
}

exports_loam_kitchen_api_color_t exports_loam_kitchen_api_next_color(exports_loam_kitchen_api_color_t c) {
  return (exports_loam_kitchen_api_color_t)((c + 1) % 3);
}

exports_loam_kitchen_api_perms_t exports_loam_kitchen_api_all_perms(exports_loam_kitchen_api_perms_t p) {
  return p ^ (EXPORTS_LOAM_KITCHEN_API_PERMS_READ | EXPORTS_LOAM_KITCHEN_API_PERMS_WRITE |
              EXPORTS_LOAM_KITCHEN_API_PERMS_EXEC);
}

double exports_loam_kitchen_api_area(exports_loam_kitchen_api_shape_t *s) {
  double r = shape_area(s);
  exports_loam_kitchen_api_shape_free(s);
  return r;
}

bool exports_loam_kitchen_api_maybe_double(kitchen_option_u32_t *x, uint32_t *ret) {
  if (x->is_some) *ret = x->val * 2;
  return x->is_some;
}

bool exports_loam_kitchen_api_try_div(int32_t a, int32_t b, int32_t *ret, kitchen_string_t *err) {
  if (b == 0) {
    kitchen_string_dup(err, "division by zero");
    return false;
  }
  *ret = a / b;
  return true;
}

bool exports_loam_kitchen_api_check(bool ok, kitchen_string_t *err) {
  if (!ok) kitchen_string_dup(err, "not ok");   /* freed by cabi_post */
  return ok;
}

static int nothing_calls;
void exports_loam_kitchen_api_nothing(void) { nothing_calls++; }

/* ---- the exported resource ------------------------------------------------ */

struct exports_loam_kitchen_api_counter_t {
  int64_t value;
};

exports_loam_kitchen_api_own_counter_t exports_loam_kitchen_api_constructor_counter(int64_t start) {
  exports_loam_kitchen_api_counter_t *c = malloc(sizeof *c);
  c->value = start;
  return exports_loam_kitchen_api_counter_new(c);
}

int64_t exports_loam_kitchen_api_method_counter_inc(exports_loam_kitchen_api_borrow_counter_t self,
                                                   int64_t by) {
  self->value += by;
  return self->value;
}

int64_t exports_loam_kitchen_api_method_counter_get(exports_loam_kitchen_api_borrow_counter_t self) {
  return self->value;
}

exports_loam_kitchen_api_own_counter_t exports_loam_kitchen_api_static_counter_make(int64_t start) {
  return exports_loam_kitchen_api_constructor_counter(start * 10);
}

void exports_loam_kitchen_api_counter_destructor(exports_loam_kitchen_api_counter_t *rep) {
  free(rep);
}

/* ---- imports ------------------------------------------------------------- */

void exports_loam_kitchen_api_call_host(kitchen_string_t *msg, kitchen_string_t *ret) {
  loam_kitchen_host_log(msg);
  kitchen_string_free(msg);

  point_t a = {1, -2}, b = {10, 20}, sum;
  loam_kitchen_host_add_points(&a, &b, &sum);

  kitchen_option_point_t op = {.is_some = true, .val = sum};
  kitchen_result_u32_string_t r = {.is_err = true};
  kitchen_string_set(&r.val.err, "bad");
  kitchen_string_t desc;
  loam_kitchen_host_describe(&op, &r, &desc);

  uint64_t s17 = loam_kitchen_host_sum17(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17);

  kitchen_tuple2_u64_string_t pair;
  loam_kitchen_host_pair(7, &pair);
  double half = loam_kitchen_host_half(5.0);

  uint8_t bytes[] = {9, 8, 7};
  kitchen_list_u8_t data = {bytes, 3};
  loam_kitchen_host_own_blob_t blob = loam_kitchen_host_constructor_blob(&data);
  uint32_t size = loam_kitchen_host_method_blob_size(loam_kitchen_host_borrow_blob(blob));
  kitchen_list_u8_t read;
  loam_kitchen_host_method_blob_read(loam_kitchen_host_borrow_blob(blob), &read);
  loam_kitchen_host_own_blob_t merged = loam_kitchen_host_static_blob_merge(
      loam_kitchen_host_borrow_blob(blob), loam_kitchen_host_borrow_blob(blob));

  kitchen_string_t key, missing = {0};
  kitchen_string_set(&key, "k");
  uint32_t found = 0, first = 0;
  bool have = loam_kitchen_host_find(&key, &found, &missing);
  uint32_t xs[] = {4, 2};
  kitchen_list_u32_t list = {xs, 2};
  bool have_first = loam_kitchen_host_first(&list, &first);

  char got[64] = "";
  for (size_t i = 0; i < read.len && i < 16; i++)
    snprintf(got + strlen(got), sizeof got - strlen(got), "%s%u", i ? "," : "", read.ptr[i]);
  sprint(ret, "%d,%d|%.*s|%llu|%llu:%.*s|%g|blob %d size %u read %s merged %d|%s %.*s|%s %u",
         sum.x, sum.y,
         (int)desc.len, (const char *)desc.ptr, (unsigned long long)s17,
         (unsigned long long)pair.f0, (int)pair.f1.len, (const char *)pair.f1.ptr, half,
         blob.__handle, size, got, merged.__handle, have ? "found" : "missing",
         (int)missing.len, (const char *)missing.ptr, have_first ? "first" : "none", first);
  kitchen_string_free(&missing);
  loam_kitchen_host_blob_drop_own(blob);
  loam_kitchen_host_blob_drop_own(merged);
  kitchen_string_free(&desc);
  kitchen_tuple2_u64_string_free(&pair);
  kitchen_list_u8_free(&read);
}
