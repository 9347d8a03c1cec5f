/*
 * linker.c — the name table that resolves imports: (module, name) ->
 * loam_extern, an open-addressing hash table keyed by both strings.
 */
#include "runtime.h"
#include <stdlib.h>
#include <string.h>

typedef struct link_entry {
  char *module, *name;    /* NULL module = empty slot */
  loam_extern ext;
} link_entry;

struct loam_linker {
  link_entry *slots;      /* capacity a power of two, at most half full */
  size_t cap, count;
};

static uint64_t hash_str(uint64_t h, const char *s) {
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
  return (h ^ 0xFF) * 1099511628211ull; /* separates "ab"+"c" from "a"+"bc" */
}

static size_t slot_of(const loam_linker *l, const char *module, const char *name) {
  uint64_t h = hash_str(hash_str(1469598103934665603ull, module), name);
  size_t i = (size_t)h & (l->cap - 1);
  while (l->slots[i].module &&
         (strcmp(l->slots[i].module, module) || strcmp(l->slots[i].name, name)))
    i = (i + 1) & (l->cap - 1);
  return i;
}

loam_linker *loam_linker_new(void) {
  loam_linker *l = calloc(1, sizeof *l);
  if (!l) return NULL;
  l->cap = 64;
  l->slots = calloc(l->cap, sizeof *l->slots);
  if (!l->slots) {
    free(l);
    return NULL;
  }
  return l;
}

void loam_linker_free(loam_linker *l) {
  if (!l) return;
  for (size_t i = 0; i < l->cap; i++) {
    free(l->slots[i].module);
    free(l->slots[i].name);
  }
  free(l->slots);
  free(l);
}

static bool grow(loam_linker *l) {
  loam_linker bigger = {calloc(l->cap * 2, sizeof *l->slots), l->cap * 2, 0};
  if (!bigger.slots) return false;
  for (size_t i = 0; i < l->cap; i++) {
    link_entry *e = &l->slots[i];
    if (e->module) bigger.slots[slot_of(&bigger, e->module, e->name)] = *e;
  }
  free(l->slots);
  l->slots = bigger.slots;
  l->cap = bigger.cap;
  return true;
}

bool loam_linker_define(loam_linker *l, const char *module, const char *name,
                        loam_extern ext) {
  if ((l->count + 1) * 2 > l->cap && !grow(l)) return false;
  link_entry *e = &l->slots[slot_of(l, module, name)];
  if (e->module) { /* redefinition replaces */
    e->ext = ext;
    return true;
  }
  char *m = strdup(module), *n = strdup(name);
  if (!m || !n) {
    free(m);
    free(n);
    return false;
  }
  *e = (link_entry){m, n, ext};
  l->count++;
  return true;
}

bool loam_linker_define_instance(loam_linker *l, const char *module,
                                 loam_instance *inst) {
  const wasm_module *m = inst->module->m;
  for (uint32_t i = 0; i < m->nexports; i++) {
    loam_extern ext;
    if (!loam_instance_export(inst, m->exports[i].name, &ext) ||
        !loam_linker_define(l, module, m->exports[i].name, ext))
      return false;
  }
  return true;
}

bool loam_linker_lookup(const loam_linker *l, const char *module,
                        const char *name, loam_extern *out) {
  const link_entry *e = &l->slots[slot_of(l, module, name)];
  if (!e->module) return false;
  *out = e->ext;
  return true;
}
