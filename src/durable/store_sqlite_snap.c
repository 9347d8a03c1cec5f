/* store_sqlite_snap.c — the SQLite backend's snapshot tables: one metadata
 * row per worker (`snapshots`) and its non-zero pages (`snapshot_pages`,
 * overwritten in place), always changed together in one transaction. */
#include "durable/store_sqlite.h"

#include <stdlib.h>
#include <string.h>

#include "durable/fault.h"
#include "wasm/module.h"

#define SQ(base) ((sq_backend *)(base))

/* Upper bound on a stored memory size we are willing to allocate: wasm32's
 * 4 GiB. A larger value means a corrupt row. */
#define MAX_MEMORY ((uint64_t)1 << 32)

/* Reads the metadata row; *found false when none. */
static bool meta_row(sq_conn *c, int64_t worker, bool with_state, loam_ds_snapshot *out,
                     uint64_t *page_count, uint64_t *page_size, bool *found,
                     loam_error *err) {
  sqlite3_stmt *s = sq_prepare(c,
      "SELECT oplog_idx, memory_size, page_count, page_size, state, created"
      " FROM snapshots WHERE worker = ?1", err);
  if (!s) return false;
  sqlite3_bind_int64(s, 1, worker);
  int rc = sqlite3_step(s);
  bool ok = true;
  *found = false;
  if (rc == SQLITE_ROW) {
    *found = true;
    out->oplog_index = (uint64_t)sqlite3_column_int64(s, 0);
    out->memory_size = (uint64_t)sqlite3_column_int64(s, 1);
    *page_count = (uint64_t)sqlite3_column_int64(s, 2);
    *page_size = (uint64_t)sqlite3_column_int64(s, 3);
    out->created_ms = sqlite3_column_int64(s, 5);
    if (with_state && !sq_col_blob(s, 4, &out->state, &out->state_len))
      ok = wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
    if (ok && (out->memory_size > MAX_MEMORY || *page_size == 0 || *page_count > MAX_MEMORY))
      ok = wasm_fail(err, LOAM_ERR_MALFORMED, "store: snapshot of worker %lld is corrupt",
                     (long long)worker);
  } else if (rc != SQLITE_DONE) {
    ok = sq_fail(c, "snapshot read", err);
  }
  sqlite3_finalize(s);
  return ok;
}

bool sq_snapshot_hashes(ds_backend *base, int64_t worker, const uint8_t zero_hash[16],
                        uint8_t **hashes, uint64_t *count, loam_error *err) {
  *hashes = NULL;
  *count = 0;
  sq_conn *c = sq_read_begin(SQ(base));
  loam_ds_snapshot meta = {0};
  uint64_t page_count = 0, page_size = 0;
  bool found = false;
  bool ok = sq_exec(c, "BEGIN", err) &&
            meta_row(c, worker, false, &meta, &page_count, &page_size, &found, err);
  /* a different page size (another build) means no usable hashes: every
   * page is then written again */
  if (ok && found && page_size == LOAM_DS_PAGE_SIZE && page_count) {
    *hashes = malloc(page_count * 16);
    ok = *hashes != NULL;
    if (!ok) wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
    for (uint64_t p = 0; ok && p < page_count; p++) memcpy(*hashes + 16 * p, zero_hash, 16);
    sqlite3_stmt *s = ok ? sq_prepare(c, "SELECT page_no, hash FROM snapshot_pages WHERE worker = ?1", err) : NULL;
    ok = s != NULL;
    if (ok) {
      sqlite3_bind_int64(s, 1, worker);
      int rc;
      while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        uint64_t p = (uint64_t)sqlite3_column_int64(s, 0);
        const void *h = sqlite3_column_blob(s, 1);
        if (p < page_count && h && sqlite3_column_bytes(s, 1) == 16) memcpy(*hashes + 16 * p, h, 16);
      }
      if (rc != SQLITE_DONE) ok = sq_fail(c, "snapshot hashes", err);
      sqlite3_finalize(s);
    }
    *count = ok ? page_count : 0;
  }
  sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
  sq_read_end(c);
  if (!ok) {
    free(*hashes);
    *hashes = NULL;
    *count = 0;
  }
  return ok;
}

static bool write_pages(sq_conn *c, int64_t worker, const ds_page *pages, size_t n,
                        loam_error *err) {
  sqlite3_stmt *up = sq_prepare(c,
      "INSERT INTO snapshot_pages(worker, page_no, hash, data) VALUES(?1, ?2, ?3, ?4)"
      " ON CONFLICT(worker, page_no) DO UPDATE SET hash = excluded.hash, data = excluded.data", err);
  sqlite3_stmt *del = sq_prepare(c,
      "DELETE FROM snapshot_pages WHERE worker = ?1 AND page_no = ?2", err);
  bool ok = up && del;
  for (size_t i = 0; ok && i < n; i++) {
    sqlite3_stmt *s = pages[i].data ? up : del;
    sqlite3_bind_int64(s, 1, worker);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)pages[i].page_no);
    if (pages[i].data) {
      sqlite3_bind_blob(s, 3, pages[i].hash, 16, SQLITE_STATIC);
      sq_bind_blob(s, 4, pages[i].data, pages[i].len);
    }
    ok = sqlite3_step(s) == SQLITE_DONE || sq_fail(c, "snapshot page write", err);
    sqlite3_reset(s);
    /* the crash test point: some pages written, nothing committed */
    if (i == n / 2) loam_fault_point("snapshot-write");
  }
  if (n == 0) loam_fault_point("snapshot-write");
  sqlite3_finalize(up);
  sqlite3_finalize(del);
  return ok;
}

static bool write_meta(sq_conn *c, int64_t worker, const ds_snap_meta *m, loam_error *err) {
  sqlite3_stmt *s = sq_prepare(c,
      "DELETE FROM snapshot_pages WHERE worker = ?1 AND page_no >= ?2", err);
  if (!s) return false;
  sqlite3_bind_int64(s, 1, worker);
  sqlite3_bind_int64(s, 2, (sqlite3_int64)m->page_count);
  bool ok = sqlite3_step(s) == SQLITE_DONE || sq_fail(c, "snapshot trim", err);
  sqlite3_finalize(s);
  if (!ok) return false;
  s = sq_prepare(c,
      "INSERT OR REPLACE INTO snapshots(worker, oplog_idx, memory_size, page_count,"
      " page_size, state, created) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)", err);
  if (!s) return false;
  sqlite3_bind_int64(s, 1, worker);
  sqlite3_bind_int64(s, 2, (sqlite3_int64)m->oplog_index);
  sqlite3_bind_int64(s, 3, (sqlite3_int64)m->memory_size);
  sqlite3_bind_int64(s, 4, (sqlite3_int64)m->page_count);
  sqlite3_bind_int64(s, 5, LOAM_DS_PAGE_SIZE);
  sq_bind_blob(s, 6, m->state, m->state_len);
  sqlite3_bind_int64(s, 7, m->created_ms);
  ok = sqlite3_step(s) == SQLITE_DONE || sq_fail(c, "snapshot write", err);
  sqlite3_finalize(s);
  return ok;
}

bool sq_snapshot_write(ds_backend *base, int64_t worker, const ds_snap_meta *meta,
                       const ds_page *pages, size_t n, loam_error *err) {
  sq_backend *b = SQ(base);
  if (!sq_write_begin(b, err)) return false;
  if (!write_pages(&b->w, worker, pages, n, err) || !write_meta(&b->w, worker, meta, err)) {
    sq_write_rollback(b);
    return false;
  }
  return sq_write_commit(b, err);
}

/* Copies every stored page into out->memory (already zeroed). */
static bool read_pages(sq_conn *c, int64_t worker, uint64_t page_size,
                       loam_ds_snapshot *out, loam_error *err) {
  sqlite3_stmt *s = sq_prepare(c, "SELECT page_no, data FROM snapshot_pages WHERE worker = ?1", err);
  if (!s) return false;
  sqlite3_bind_int64(s, 1, worker);
  bool ok = true;
  int rc;
  while (ok && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    uint64_t p = (uint64_t)sqlite3_column_int64(s, 0);
    const void *d = sqlite3_column_blob(s, 1);
    uint64_t len = (uint64_t)sqlite3_column_bytes(s, 1);
    if (p >= out->memory_size / page_size + 1 || len > page_size ||
        p * page_size + len > out->memory_size)
      ok = wasm_fail(err, LOAM_ERR_MALFORMED,
                     "store: snapshot page %llu of worker %lld does not fit its memory",
                     (unsigned long long)p, (long long)worker);
    else if (d && len)
      memcpy(out->memory + p * page_size, d, (size_t)len);
  }
  if (ok && rc != SQLITE_DONE) ok = sq_fail(c, "snapshot pages", err);
  sqlite3_finalize(s);
  return ok;
}

bool sq_snapshot_read(ds_backend *base, int64_t worker, loam_ds_snapshot *out,
                      bool *found, loam_error *err) {
  sq_conn *c = sq_read_begin(SQ(base));
  uint64_t page_count = 0, page_size = 0;
  bool ok = sq_exec(c, "BEGIN", err) &&
            meta_row(c, worker, true, out, &page_count, &page_size, found, err);
  if (ok && *found && out->memory_size) {
    out->memory = calloc(1, (size_t)out->memory_size);
    ok = out->memory != NULL;
    if (!ok) wasm_fail(err, LOAM_ERR_NOMEM, "out of memory for a %llu-byte snapshot",
                       (unsigned long long)out->memory_size);
    ok = ok && read_pages(c, worker, page_size, out, err);
  }
  sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
  sq_read_end(c);
  if (!ok) {
    loam_ds_snapshot_clear(out);
    *found = false;
  }
  return ok;
}
