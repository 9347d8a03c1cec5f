/* store_snap.c — incremental snapshots: hash every LOAM_DS_PAGE_SIZE page of
 * linear memory, compare with the hashes of the stored snapshot, and hand the
 * backend only the pages that changed (all-zero pages are stored as "no
 * row"). Needs nothing from the interpreter; costs one pass over memory. */
#include "durable/store_int.h"

#include <stdlib.h>
#include <string.h>

#include "wasm/module.h"

#define P1 0x9e3779b185ebca87ull
#define P2 0xc2b2ae3d27d4eb4full
#define P3 0x165667b19e3779f9ull

static inline uint64_t rotl(uint64_t x, unsigned r) { return (x << r) | (x >> (64 - r)); }

static inline uint64_t load64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

static uint64_t avalanche(uint64_t h) {
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}

static bool all_zero(const uint8_t *p, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    if (load64(p + i)) return false;
  for (; i < n; i++)
    if (p[i]) return false;
  return true;
}

/* A 128-bit hash of one page: four 64-bit lanes over 32-byte stripes, each
 * lane a multiply-rotate-multiply round, folded into two words. Not
 * cryptographic; a false "unchanged" needs a 2^-128-ish accident. All-zero
 * pages hash to all-zero bytes, so "no row" and "zero page" compare equal. */
static void page_hash(const uint8_t *p, size_t n, uint8_t out[16]) {
  if (all_zero(p, n)) {
    memset(out, 0, 16);
    return;
  }
  uint64_t a[4] = {P1 + P2, P2, 0, (uint64_t)0 - P1};
  size_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int l = 0; l < 4; l++) a[l] = rotl(a[l] + load64(p + i + 8 * l) * P2, 31) * P1;
  for (int l = 0; i < n; i++, l = (l + 1) & 3) a[l] = rotl(a[l] + p[i] * P3, 11) * P1;
  uint64_t lo = avalanche(rotl(a[0], 1) + rotl(a[1], 7) + rotl(a[2], 12) + rotl(a[3], 18) + n);
  uint64_t hi = avalanche((a[0] * P3) ^ rotl(a[1], 29) ^ (a[2] * P2) ^ rotl(a[3], 43) ^ ~(uint64_t)n);
  if ((lo | hi) == 0) lo = 1;   /* keep zero for zero pages */
  memcpy(out, &lo, 8);
  memcpy(out + 8, &hi, 8);
}

/* ---- the per-worker hash cache ----------------------------------------------- */

/* The cache is bounded (loam_ds_options.hash_cache_bytes): 10,000 suspended
 * workers with 1 MiB memories would otherwise hold 40 MiB of hashes. An
 * evicted entry costs one read of the hash column on that worker's next
 * snapshot, nothing else. */
static uint64_t entry_bytes(const ds_hashes *h) { return sizeof *h + h->count * 16; }

static ds_hashes *cache_take(loam_ds *ds, int64_t worker) {
  uint64_t v = 0;
  pthread_mutex_lock(&ds->snap_mu);
  bool had = ds_map_remove(&ds->hashes, worker, &v);
  if (had) ds->hash_bytes -= entry_bytes((ds_hashes *)(uintptr_t)v);
  pthread_mutex_unlock(&ds->snap_mu);
  return had ? (ds_hashes *)(uintptr_t)v : NULL;
}

static void hashes_free(ds_hashes *h) {
  if (!h) return;
  free(h->h);
  free(h);
}

/* Evicts entries until `need` more bytes fit. Any victim is correct, so a
 * cursor going round the table is enough. snap_mu held. */
static void cache_evict(loam_ds *ds, uint64_t need) {
  ds_map *m = &ds->hashes;
  while (m->count && ds->hash_bytes + need > ds->opt.hash_cache_bytes) {
    size_t i = ds->hash_cursor & (m->cap - 1);
    while (!m->keys[i]) i = (i + 1) & (m->cap - 1);
    ds->hash_cursor = i + 1;
    uint64_t v = 0;
    ds_map_remove(m, m->keys[i], &v);
    ds_hashes *h = (ds_hashes *)(uintptr_t)v;
    ds->hash_bytes -= entry_bytes(h);
    hashes_free(h);
  }
}

static void cache_put(loam_ds *ds, int64_t worker, ds_hashes *h) {
  pthread_mutex_lock(&ds->snap_mu);
  uint64_t old = 0;
  if (ds_map_remove(&ds->hashes, worker, &old)) {
    ds->hash_bytes -= entry_bytes((ds_hashes *)(uintptr_t)old);
    hashes_free((ds_hashes *)(uintptr_t)old);
  }
  bool ok = entry_bytes(h) <= ds->opt.hash_cache_bytes;
  if (ok) cache_evict(ds, entry_bytes(h));
  ok = ok && ds_map_put(&ds->hashes, worker, (uint64_t)(uintptr_t)h);
  if (ok) ds->hash_bytes += entry_bytes(h);
  pthread_mutex_unlock(&ds->snap_mu);
  if (!ok) hashes_free(h);   /* no cache: the next write reloads from the store */
}

void ds_snap_forget(loam_ds *ds, int64_t worker) { hashes_free(cache_take(ds, worker)); }

void ds_snap_free_all(loam_ds *ds) {
  for (size_t i = 0; i < ds->hashes.cap; i++)
    if (ds->hashes.keys[i]) hashes_free((ds_hashes *)(uintptr_t)ds->hashes.vals[i]);
  ds_map_free(&ds->hashes);
}

/* The stored snapshot's hashes: from the cache, else from the backend. */
static ds_hashes *stored_hashes(loam_ds *ds, int64_t worker, loam_error *err) {
  ds_hashes *h = cache_take(ds, worker);
  if (h) return h;
  h = calloc(1, sizeof *h);
  if (!h) {
    wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
    return NULL;
  }
  static const uint8_t zero[16];
  if (!ds->be->ops->snapshot_hashes(ds->be, worker, zero, &h->h, &h->count, err)) {
    free(h);
    return NULL;
  }
  return h;
}

/* ---- write / read --------------------------------------------------------------- */

/* Fills pages[] with what changed between `old` and the new hashes `nh`. */
static size_t diff_pages(const ds_hashes *old, const uint8_t *nh, uint64_t total,
                         const uint8_t *memory, uint64_t memory_size,
                         ds_page *pages, loam_ds_snapshot_stats *st) {
  static const uint8_t zero[16];
  size_t n = 0;
  for (uint64_t p = 0; p < total; p++) {
    const uint8_t *h = nh + 16 * p;
    const uint8_t *was = p < old->count ? old->h + 16 * p : zero;
    if (memcmp(h, was, 16) == 0) continue;
    uint64_t off = p * LOAM_DS_PAGE_SIZE;
    size_t len = memory_size - off < LOAM_DS_PAGE_SIZE ? (size_t)(memory_size - off) : LOAM_DS_PAGE_SIZE;
    bool zero_now = memcmp(h, zero, 16) == 0;
    pages[n] = (ds_page){.page_no = p, .data = zero_now ? NULL : memory + off,
                         .len = zero_now ? 0 : len};
    memcpy(pages[n].hash, h, 16);
    n++;
    if (zero_now) st->pages_deleted++;
    else {
      st->pages_written++;
      st->bytes_written += len;
    }
  }
  for (uint64_t p = total; p < old->count; p++)
    if (memcmp(old->h + 16 * p, zero, 16) != 0) st->pages_deleted++;
  return n;
}

bool loam_ds_snapshot_write(loam_ds *ds, int64_t worker, uint64_t oplog_index,
                            const uint8_t *memory, uint64_t memory_size,
                            const uint8_t *state, size_t state_len,
                            loam_ds_snapshot_stats *stats, loam_error *err) {
  loam_ds_snapshot_stats st = {0};
  if (memory_size && !memory)
    return wasm_fail(err, LOAM_ERR_ARGUMENT, "snapshot: memory is NULL");
  if (!ds_drain(ds, err)) return false;
  uint64_t total = memory_size / LOAM_DS_PAGE_SIZE + (memory_size % LOAM_DS_PAGE_SIZE != 0);
  st.pages_total = total;
  ds_hashes *old = stored_hashes(ds, worker, err);
  if (!old) return false;
  ds_hashes *nh = calloc(1, sizeof *nh);
  ds_page *pages = total ? malloc(total * sizeof *pages) : NULL;
  if (nh && total) nh->h = malloc(total * 16);
  if (!nh || (total && (!pages || !nh->h))) {
    hashes_free(old);
    hashes_free(nh);
    free(pages);
    return wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
  }
  nh->count = total;
  for (uint64_t p = 0; p < total; p++) {
    uint64_t off = p * LOAM_DS_PAGE_SIZE;
    size_t len = memory_size - off < LOAM_DS_PAGE_SIZE ? (size_t)(memory_size - off) : LOAM_DS_PAGE_SIZE;
    page_hash(memory + off, len, nh->h + 16 * p);
  }
  size_t n = diff_pages(old, nh->h, total, memory, memory_size, pages, &st);
  st.bytes_written += state_len;
  hashes_free(old);
  ds_snap_meta meta = {.oplog_index = oplog_index, .memory_size = memory_size,
                       .page_count = total, .state = state, .state_len = state_len,
                       .created_ms = ds_now_ms()};
  bool ok = ds->be->ops->snapshot_write(ds->be, worker, &meta, pages, n, err);
  free(pages);
  if (ok) cache_put(ds, worker, nh);
  else hashes_free(nh);   /* the store keeps the old snapshot; reload its hashes */
  if (ok) {
    pthread_mutex_lock(&ds->mu);
    ds->stats.snapshots++;
    ds->stats.snapshot_pages += st.pages_written;
    pthread_mutex_unlock(&ds->mu);
    if (stats) *stats = st;
  }
  return ok;
}

bool loam_ds_snapshot_read(loam_ds *ds, int64_t worker, loam_ds_snapshot *out,
                           bool *found, loam_error *err) {
  memset(out, 0, sizeof *out);
  *found = false;
  return ds->be->ops->snapshot_read(ds->be, worker, out, found, err);
}

void loam_ds_snapshot_clear(loam_ds_snapshot *s) {
  if (!s) return;
  free(s->memory);
  free(s->state);
  memset(s, 0, sizeof *s);
}
