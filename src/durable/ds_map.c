/* ds_map.c — linear probing with backward-shift deletion (no tombstones, so
 * a map that sees many inserts and removes never degrades). */
#include "durable/ds_map.h"

#include <stdlib.h>

static size_t slot_of(const ds_map *m, int64_t key) {
  uint64_t h = (uint64_t)key * 0x9e3779b97f4a7c15ull;
  return (size_t)(h >> 17) & (m->cap - 1);
}

uint64_t *ds_map_get(ds_map *m, int64_t key) {
  if (m->cap == 0 || key <= 0) return NULL;
  for (size_t i = slot_of(m, key);; i = (i + 1) & (m->cap - 1)) {
    if (m->keys[i] == key) return &m->vals[i];
    if (m->keys[i] == 0) return NULL;
  }
}

static bool grow(ds_map *m) {
  size_t cap = m->cap ? m->cap * 2 : 64;
  ds_map n = {calloc(cap, sizeof(int64_t)), calloc(cap, sizeof(uint64_t)), cap, 0};
  if (!n.keys || !n.vals) {
    free(n.keys);
    free(n.vals);
    return false;
  }
  for (size_t i = 0; i < m->cap; i++)
    if (m->keys[i]) ds_map_put(&n, m->keys[i], m->vals[i]);
  ds_map_free(m);
  *m = n;
  return true;
}

bool ds_map_put(ds_map *m, int64_t key, uint64_t val) {
  if (key <= 0) return false;
  uint64_t *v = ds_map_get(m, key);
  if (v) {
    *v = val;
    return true;
  }
  if ((m->count + 1) * 4 > m->cap * 3 && !grow(m)) return false;
  size_t i = slot_of(m, key);
  while (m->keys[i]) i = (i + 1) & (m->cap - 1);
  m->keys[i] = key;
  m->vals[i] = val;
  m->count++;
  return true;
}

bool ds_map_remove(ds_map *m, int64_t key, uint64_t *old) {
  if (m->cap == 0 || key <= 0) return false;
  size_t mask = m->cap - 1, i = slot_of(m, key);
  while (m->keys[i] != key) {
    if (m->keys[i] == 0) return false;
    i = (i + 1) & mask;
  }
  if (old) *old = m->vals[i];
  /* shift later members of the probe run back into the hole */
  for (size_t j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
    size_t home = slot_of(m, m->keys[j]);
    /* j's entry may move to i if i lies cyclically in [home, j) */
    bool movable = (i <= j) ? (home <= i || home > j) : (home <= i && home > j);
    if (movable) {
      m->keys[i] = m->keys[j];
      m->vals[i] = m->vals[j];
      i = j;
    }
  }
  m->keys[i] = 0;
  m->count--;
  return true;
}

void ds_map_free(ds_map *m) {
  free(m->keys);
  free(m->vals);
  m->keys = NULL;
  m->vals = NULL;
  m->cap = m->count = 0;
}
