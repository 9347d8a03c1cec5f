/*
 * stub.c — the composition tests' stub module (built with `loam build` from
 * stub.wit): an exported resource `counter` whose state lives in this
 * module's memory, so values must be copied between the caller's memory and
 * this one, handles must mean the same on both sides, and the destructor
 * must run when the caller drops its last handle.
 */
#include "wasm_rpc_stub_counter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define P(x) exports_test_counter_stub_stub_counter_##x

struct exports_test_counter_stub_stub_counter_counter_t {
  char *location;
  char **names;
  uint32_t count;
  uint32_t total;
};

static uint32_t dtors_run, live;

static char *copy(const wasm_rpc_stub_counter_string_t *s, const char *suffix) {
  size_t n = strlen(suffix);
  char *c = malloc(s->len + n + 1);
  if (!c) abort();
  memcpy(c, s->ptr, s->len);
  memcpy(c + s->len, suffix, n + 1);
  return c;
}

static P(counter_t) *make(char *location) {
  P(counter_t) *c = calloc(1, sizeof *c);
  if (!c) abort();
  c->location = location;
  live++;
  return c;
}

P(own_counter_t) P(constructor_counter)(wasm_rpc_stub_counter_string_t *location) {
  P(own_counter_t) h = P(counter_new)(make(copy(location, "")));
  wasm_rpc_stub_counter_string_free(location);
  return h;
}

/* add: records e.name e.n times; returns the running total of n. */
uint32_t P(method_counter_add)(P(borrow_counter_t) self, P(entry_t) *e) {
  char **n = realloc(self->names, (self->count + 1) * sizeof *n);
  if (!n) abort();
  self->names = n;
  self->names[self->count++] = copy(&e->name, "");
  self->total += e->n;
  P(entry_free)(e);
  return self->total;
}

/* names: the recorded names, each prefixed by `prefix`. */
void P(method_counter_names)(P(borrow_counter_t) self, wasm_rpc_stub_counter_string_t *prefix,
                             wasm_rpc_stub_counter_list_string_t *ret) {
  ret->len = self->count;
  ret->ptr = malloc((self->count ? self->count : 1) * sizeof *ret->ptr);
  for (uint32_t i = 0; i < self->count; i++) {
    char *s = copy(prefix, self->names[i]);
    wasm_rpc_stub_counter_string_dup(&ret->ptr[i], s);
    free(s);
  }
  wasm_rpc_stub_counter_string_free(prefix);
}

void P(method_counter_location)(P(borrow_counter_t) self, wasm_rpc_stub_counter_string_t *ret) {
  wasm_rpc_stub_counter_string_dup(ret, self->location);
}

/* fork: a new counter at location+suffix with the same total (an own
 * handle this module makes and the caller keeps). */
P(own_counter_t) P(method_counter_fork)(P(borrow_counter_t) self,
                                        wasm_rpc_stub_counter_string_t *suffix) {
  wasm_rpc_stub_counter_string_t loc = {(uint8_t *)self->location, strlen(self->location)};
  char *s = copy(suffix, "");
  P(counter_t) *c = make(copy(&loc, s));
  free(s);
  c->total = self->total;
  wasm_rpc_stub_counter_string_free(suffix);
  return P(counter_new)(c);
}

/* merge: adds other's total to self's (other is borrowed). */
uint32_t P(method_counter_merge)(P(borrow_counter_t) self, P(borrow_counter_t) other) {
  self->total += other->total;
  return self->total;
}

/* absorb: takes other (an own handle), adds its total and drops it, which
 * runs its destructor. */
uint32_t P(method_counter_absorb)(P(borrow_counter_t) self, P(own_counter_t) other) {
  self->total += P(counter_rep)(other)->total;
  P(counter_drop_own)(other);
  return self->total;
}

uint32_t P(static_counter_live)(void) { return live; }

uint32_t P(dtors)(void) { return dtors_run; }

uint64_t P(spin)(uint64_t n) {
  volatile uint64_t i = 0;
  while (i < n) i++;
  return i;
}

void P(counter_destructor)(P(counter_t) *c) {
  for (uint32_t i = 0; i < c->count; i++) free(c->names[i]);
  free(c->names);
  free(c->location);
  free(c);
  dtors_run++;
  live--;
}
