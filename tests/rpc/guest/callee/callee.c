/*
 * callee.c — the RPC tests' target (wit/callee.wit): echoes values of every
 * WIT type kind back unchanged, keeps a counter, reads its environment and
 * traps on request.
 */
#include "callee.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t counter;

/* The value comes back as it came: ownership moves to the result. */
void exports_test_callee_api_echo(exports_test_callee_api_everything_t *e,
                                  exports_test_callee_api_everything_t *ret) {
  *ret = *e;
}

void exports_test_callee_api_echo2(callee_string_t *a, uint64_t b,
                                   callee_tuple2_u64_string_t *ret) {
  ret->f0 = b + 1;
  ret->f1 = *a;
}

void exports_test_callee_api_nothing(void) {}

uint64_t exports_test_callee_api_inc(uint64_t by) { return counter += by; }

uint64_t exports_test_callee_api_get(void) { return counter; }

bool exports_test_callee_api_env(callee_string_t *name, callee_string_t *ret) {
  char key[128];
  snprintf(key, sizeof key, "%.*s", (int)name->len, (const char *)name->ptr);
  callee_string_free(name);
  const char *v = getenv(key);
  if (!v) return false;
  callee_string_dup(ret, v);
  return true;
}

void exports_test_callee_api_boom(callee_string_t *msg) {
  fprintf(stderr, "boom: %.*s\n", (int)msg->len, (const char *)msg->ptr);
  abort();
}

uint64_t exports_test_callee_api_flaky(uint64_t until_ns) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
  if (now < until_ns) abort(); /* the worker's retry policy runs it again */
  return now;
}
