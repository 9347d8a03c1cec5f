/*
 * caller.c — the composition tests' caller (built with `loam build` from
 * caller.wit, whose world imports the stub interface): each export drives
 * the stub's resource through the imports the executor's adapters serve.
 */
#include "caller.h"

#include <stdlib.h>
#include <string.h>

#define S(x) test_counter_stub_stub_counter_##x

static S(own_counter_t) main_counter;
static int have_main;

static S(borrow_counter_t) self(void) { return S(borrow_counter)(main_counter); }

/* open: constructs the counter at location; returns what the stub says its
 * location is (a string copied there and back). */
void exports_test_caller_api_open(caller_string_t *location, caller_string_t *ret) {
  if (have_main) S(counter_drop_own)(main_counter);
  main_counter = S(constructor_counter)(location);
  have_main = 1;
  caller_string_free(location);
  S(method_counter_location)(self(), ret);
}

uint32_t exports_test_caller_api_add(caller_string_t *name, uint32_t n) {
  S(entry_t) e = {*name, n};
  uint32_t total = S(method_counter_add)(self(), &e);
  caller_string_free(name);
  return total;
}

void exports_test_caller_api_names(caller_string_t *prefix, caller_list_string_t *ret) {
  S(method_counter_names)(self(), prefix, ret);
  caller_string_free(prefix);
}

/* fork-and-merge: forks (a new own handle made by the stub), reads the
 * fork's location through that handle, merges it into the main counter
 * (a borrow of it as a parameter), drops it (the stub's destructor runs);
 * returns (fork location, merged total, destructors run so far). */
void exports_test_caller_api_fork_and_merge(caller_string_t *suffix,
                                            caller_tuple3_string_u32_u32_t *ret) {
  S(own_counter_t) f = S(method_counter_fork)(self(), suffix);
  caller_string_free(suffix);
  S(method_counter_location)(S(borrow_counter)(f), &ret->f0);
  ret->f1 = S(method_counter_merge)(self(), S(borrow_counter)(f));
  S(counter_drop_own)(f);
  ret->f2 = S(dtors)();
}

/* absorb: forks, then gives the fork's own handle to the stub, which drops
 * it; returns live counters * 1000 + destructors run. */
uint32_t exports_test_caller_api_absorb(caller_string_t *suffix) {
  S(own_counter_t) f = S(method_counter_fork)(self(), suffix);
  caller_string_free(suffix);
  S(method_counter_absorb)(self(), f);
  return S(static_counter_live)() * 1000 + S(dtors)();
}

/* close: drops the main counter; returns destructors run. */
uint32_t exports_test_caller_api_close(void) {
  if (have_main) S(counter_drop_own)(main_counter);
  have_main = 0;
  return S(dtors)();
}

uint32_t exports_test_caller_api_add_many(caller_string_t *name, uint32_t n) {
  S(entry_t) e = {*name, 1};
  uint32_t total = 0;
  for (uint32_t i = 0; i < n; i++) total = S(method_counter_add)(self(), &e);
  caller_string_free(name);
  return total;
}

uint64_t exports_test_caller_api_spin(uint64_t n) { return S(spin)(n); }
