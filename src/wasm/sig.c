/*
 * sig.c — interning of function signatures into small process-wide ids, so
 * call_indirect compares one integer and types from different modules are
 * equal exactly when their ids are.
 */
#include "runtime.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct sig_entry {
  uint32_t nparams, nresults, id;
  uint8_t *types;
} sig_entry;

static pthread_mutex_t sig_lock = PTHREAD_MUTEX_INITIALIZER;
static sig_entry *sig_table;   /* open addressing; capacity a power of two */
static uint32_t sig_cap, sig_count;

static uint64_t sig_hash(const uint8_t *types, uint32_t np, uint32_t nr) {
  uint64_t h = 1469598103934665603ull ^ ((uint64_t)np << 32 | nr);
  for (uint32_t i = 0; i < np + nr; i++) h = (h ^ types[i]) * 1099511628211ull;
  return h;
}

static bool sig_equal(const sig_entry *e, const uint8_t *types, uint32_t np,
                      uint32_t nr) {
  return e->nparams == np && e->nresults == nr &&
         (np + nr == 0 || memcmp(e->types, types, np + nr) == 0);
}

static bool sig_grow(void) {
  uint32_t cap = sig_cap ? sig_cap * 2 : 256;
  sig_entry *t = calloc(cap, sizeof *t);
  if (!t) return false;
  for (uint32_t i = 0; i < sig_cap; i++) {
    sig_entry *e = &sig_table[i];
    if (!e->id) continue;
    uint64_t h = sig_hash(e->types, e->nparams, e->nresults);
    uint32_t j = (uint32_t)h & (cap - 1);
    while (t[j].id) j = (j + 1) & (cap - 1);
    t[j] = *e;
  }
  free(sig_table);
  sig_table = t;
  sig_cap = cap;
  return true;
}

/* Ids start at 1; 0 means "out of memory" and never equals a real id. */
uint32_t wasm_sig_id(const uint8_t *types, uint32_t np, uint32_t nr) {
  uint32_t id = 0;
  pthread_mutex_lock(&sig_lock);
  if ((sig_count + 1) * 2 > sig_cap && !sig_grow()) goto out;
  uint64_t h = sig_hash(types, np, nr);
  uint32_t j = (uint32_t)h & (sig_cap - 1);
  while (sig_table[j].id) {
    if (sig_equal(&sig_table[j], types, np, nr)) {
      id = sig_table[j].id;
      goto out;
    }
    j = (j + 1) & (sig_cap - 1);
  }
  uint8_t *copy = malloc(np + nr ? np + nr : 1);
  if (!copy) goto out;
  if (np + nr) memcpy(copy, types, np + nr);
  sig_table[j] = (sig_entry){np, nr, ++sig_count, copy};
  id = sig_count;
out:
  pthread_mutex_unlock(&sig_lock);
  return id;
}
