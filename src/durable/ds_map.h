/* ds_map.h — a small open-addressing hash map from worker id (int64 > 0) to
 * a uint64 value, used for per-worker caches in the store. Not thread-safe. */
#ifndef LOAM_DURABLE_DS_MAP_H
#define LOAM_DURABLE_DS_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ds_map {
  int64_t *keys;    /* 0 = empty slot */
  uint64_t *vals;
  size_t cap, count;
} ds_map;

/* The value of `key`, or NULL when absent. */
uint64_t *ds_map_get(ds_map *m, int64_t key);
/* Inserts or replaces; false when out of memory (or key <= 0). */
bool ds_map_put(ds_map *m, int64_t key, uint64_t val);
/* Removes `key`; true (and *old if non-NULL) when it was present. */
bool ds_map_remove(ds_map *m, int64_t key, uint64_t *old);
void ds_map_free(ds_map *m);

#endif
