/* test_store.c — every operation of the durable store: open/reopen/lock and
 * schema version, templates, workers, oplog, idempotency keys, callbacks,
 * and incremental snapshots (pages written are counted; restore is
 * byte-identical, also after a reopen). */
#define _GNU_SOURCE   /* nftw, mkdtemp in ds_fixture.h */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "ds_fixture.h"
#include "durable/store_sqlite.h"  /* SQ_FOLD_ROWS */

static loam_ds *open_ok(const char *dir) {
  loam_error err;
  loam_ds *ds = loam_ds_open(dir, NULL, &err);
  if (!ds) fprintf(stderr, "open: %s\n", err.message);
  assert_non_null(ds);
  return ds;
}

static int64_t scalar(const char *dir, const char *sql) {
  char path[600];
  snprintf(path, sizeof path, "%s/loam.db", dir);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_stmt *s;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(s), SQLITE_ROW);
  int64_t v = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return v;
}

static void test_open_lock_schema(void **state) {
  (void)state;
  char *dir = ds_fx_dir();
  loam_error err;
  loam_ds *ds = open_ok(dir);
  /* one process (and one store) per directory */
  assert_null(loam_ds_open(dir, NULL, &err));
  assert_non_null(strstr(err.message, "in use"));
  loam_ds_close(ds);
  assert_int_equal(scalar(dir, "SELECT max(version) FROM schema_version"), LOAM_DS_SCHEMA_VERSION);
  assert_int_equal(scalar(dir, "PRAGMA journal_mode"), 0);   /* text "wal": column_int64 = 0 */
  ds = open_ok(dir);   /* reopen */
  loam_ds_close(ds);
  /* a newer schema is refused */
  char path[600];
  snprintf(path, sizeof path, "%s/loam.db", dir);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "INSERT INTO schema_version VALUES(99)", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  assert_null(loam_ds_open(dir, NULL, &err));
  assert_non_null(strstr(err.message, "newer"));
  ds_fx_rmdir(dir);
  /* an impossible directory */
  assert_null(loam_ds_open("/proc/loam-no/such", NULL, &err));
  assert_null(loam_ds_open("", NULL, &err));
}

static void test_templates(void **state) {
  (void)state;
  char *dir = ds_fx_dir();
  loam_ds *ds = open_ok(dir);
  loam_error err;
  loam_ds_template t;
  uint8_t m1[] = {0, 'a', 's', 'm', 1, 0, 0, 0}, m2[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 9};
  DS_OK(loam_ds_template_put(ds, "counter", m1, sizeof m1, "{\"exports\":[]}", &t, &err));
  assert_int_equal(t.version, 1);
  int64_t id1 = t.id;
  loam_ds_template_clear(&t);
  DS_OK(loam_ds_template_put(ds, "counter", m2, sizeof m2, NULL, &t, &err));
  assert_int_equal(t.version, 2);
  loam_ds_template_clear(&t);
  DS_OK(loam_ds_template_put(ds, "other", m1, sizeof m1, NULL, NULL, &err));

  DS_OK(loam_ds_template_get(ds, "counter", 0, &t, &err));
  assert_int_equal(t.version, 2);
  assert_int_equal(t.len, sizeof m2);
  assert_memory_equal(t.bytes, m2, sizeof m2);
  assert_null(t.meta);
  loam_ds_template_clear(&t);
  DS_OK(loam_ds_template_get(ds, "counter", 1, &t, &err));
  assert_memory_equal(t.bytes, m1, sizeof m1);
  assert_string_equal(t.meta, "{\"exports\":[]}");
  assert_true(t.created_ms > 1600000000000);
  loam_ds_template_clear(&t);
  DS_OK(loam_ds_template_get_id(ds, id1, &t, &err));
  assert_string_equal(t.name, "counter");
  assert_int_equal(t.version, 1);
  loam_ds_template_clear(&t);

  assert_false(loam_ds_template_get(ds, "nope", 0, &t, &err));
  assert_int_equal(err.code, LOAM_ERR_NOT_FOUND);
  assert_false(loam_ds_template_get(ds, "counter", 3, &t, &err));
  assert_int_equal(err.code, LOAM_ERR_NOT_FOUND);
  assert_false(loam_ds_template_get_id(ds, 999, &t, &err));
  assert_int_equal(err.code, LOAM_ERR_NOT_FOUND);
  assert_false(loam_ds_template_put(ds, "", m1, 1, NULL, NULL, &err));

  loam_ds_template *list;
  size_t n;
  DS_OK(loam_ds_template_list(ds, NULL, &list, &n, &err));
  assert_int_equal(n, 3);
  assert_string_equal(list[0].name, "counter");
  assert_int_equal(list[1].version, 2);
  assert_int_equal(list[1].len, sizeof m2);
  assert_null(list[1].bytes);
  assert_string_equal(list[2].name, "other");
  loam_ds_templates_free(list, n);
  DS_OK(loam_ds_template_list(ds, "other", &list, &n, &err));
  assert_int_equal(n, 1);
  loam_ds_templates_free(list, n);
  loam_ds_close(ds);

  /* survives a reopen */
  ds = open_ok(dir);
  DS_OK(loam_ds_template_put(ds, "counter", m1, sizeof m1, NULL, &t, &err));
  assert_int_equal(t.version, 3);
  loam_ds_template_clear(&t);
  loam_ds_close(ds);
  ds_fx_rmdir(dir);
}

static int64_t mk_worker(loam_ds *ds, const char *tpl, const char *name) {
  char *env[] = {"A=1", "LANG=C.UTF-8"};
  char *args[] = {"x"};
  loam_ds_worker w = {.template_name = (char *)tpl, .template_version = 1,
                      .name = (char *)name, .env = env, .env_count = 2,
                      .args = args, .arg_count = 1};
  loam_error err;
  int64_t id = 0;
  bool exists = true;
  DS_OK(loam_ds_worker_create(ds, &w, &id, &exists, &err));
  assert_false(exists);
  assert_true(id > 0);
  return id;
}

static void test_workers(void **state) {
  (void)state;
  char *dir = ds_fx_dir();
  loam_ds *ds = open_ok(dir);
  loam_error err;
  int64_t a = mk_worker(ds, "counter", "a");
  int64_t b = mk_worker(ds, "counter", "b");
  int64_t c = mk_worker(ds, "other", "a");   /* same name, other template */
  loam_ds_worker w = {.template_name = "counter", .name = "a"};
  bool exists = false;
  assert_false(loam_ds_worker_create(ds, &w, NULL, &exists, &err));
  assert_true(exists);
  assert_non_null(strstr(err.message, "already exists"));

  loam_ds_worker g;
  DS_OK(loam_ds_worker_get(ds, b, &g, &err));
  assert_string_equal(g.name, "b");
  assert_string_equal(g.template_name, "counter");
  assert_int_equal(g.status, LOAM_WORKER_IDLE);
  assert_int_equal(g.env_count, 2);
  assert_string_equal(g.env[1], "LANG=C.UTF-8");
  assert_int_equal(g.arg_count, 1);
  assert_string_equal(g.args[0], "x");
  assert_null(g.last_error);
  assert_false(g.has_retry_policy);
  loam_ds_worker_clear(&g);
  DS_OK(loam_ds_worker_find(ds, "other", "a", &g, &err));
  assert_int_equal(g.id, c);
  loam_ds_worker_clear(&g);
  assert_false(loam_ds_worker_find(ds, "other", "b", &g, &err));
  assert_int_equal(err.code, LOAM_ERR_NOT_FOUND);
  assert_false(loam_ds_worker_get(ds, 12345, &g, &err));
  assert_int_equal(err.code, LOAM_ERR_NOT_FOUND);

  /* status (queued) and last error */
  loam_ds_ticket t = loam_ds_worker_set_status(ds, a, LOAM_WORKER_FAILED, "trap: boom", &err);
  assert_true(t > 0);
  DS_OK(loam_ds_wait(ds, t, &err));
  DS_OK(loam_ds_worker_get(ds, a, &g, &err));
  assert_int_equal(g.status, LOAM_WORKER_FAILED);
  assert_string_equal(g.last_error, "trap: boom");
  loam_ds_worker_clear(&g);
  t = loam_ds_worker_set_status(ds, a, LOAM_WORKER_RUNNING, NULL, &err);   /* keeps the error */
  DS_OK(loam_ds_wait(ds, t, &err));
  DS_OK(loam_ds_worker_get(ds, a, &g, &err));
  assert_string_equal(g.last_error, "trap: boom");
  loam_ds_worker_clear(&g);
  t = loam_ds_worker_set_status(ds, a, LOAM_WORKER_IDLE, "", &err);   /* clears it */
  DS_OK(loam_ds_wait(ds, t, &err));
  DS_OK(loam_ds_worker_get(ds, a, &g, &err));
  assert_null(g.last_error);
  assert_int_equal(g.status, LOAM_WORKER_IDLE);
  loam_ds_worker_clear(&g);

  /* retry policy */
  loam_retry_policy p = {5, 10, 500, 2.0, 0.1};
  DS_OK(loam_ds_worker_set_retry_policy(ds, b, &p, &err));
  DS_OK(loam_ds_worker_get(ds, b, &g, &err));
  assert_true(g.has_retry_policy);
  assert_int_equal(g.retry.max_attempts, 5);
  assert_int_equal(g.retry.max_delay_ms, 500);
  assert_true(g.retry.multiplier == 2.0 && g.retry.jitter == 0.1);
  loam_ds_worker_clear(&g);
  DS_OK(loam_ds_worker_set_retry_policy(ds, b, NULL, &err));
  DS_OK(loam_ds_worker_get(ds, b, &g, &err));
  assert_false(g.has_retry_policy);
  loam_ds_worker_clear(&g);
  assert_false(loam_ds_worker_set_retry_policy(ds, 999, &p, &err));
  assert_int_equal(err.code, LOAM_ERR_NOT_FOUND);

  /* list and filters */
  loam_ds_worker *list;
  size_t n;
  DS_OK(loam_ds_worker_list(ds, NULL, &list, &n, &err));
  assert_int_equal(n, 3);
  assert_int_equal(list[0].id, a);
  loam_ds_workers_free(list, n);
  loam_ds_worker_filter f = {.template_name = "counter"};
  DS_OK(loam_ds_worker_list(ds, &f, &list, &n, &err));
  assert_int_equal(n, 2);
  loam_ds_workers_free(list, n);
  f = (loam_ds_worker_filter){.status = LOAM_WORKER_IDLE, .after_id = a, .limit = 1};
  DS_OK(loam_ds_worker_list(ds, &f, &list, &n, &err));
  assert_int_equal(n, 1);
  assert_int_equal(list[0].id, b);
  loam_ds_workers_free(list, n);
  f = (loam_ds_worker_filter){.name = "a"};
  DS_OK(loam_ds_worker_list(ds, &f, &list, &n, &err));
  assert_int_equal(n, 2);
  loam_ds_workers_free(list, n);

  assert_int_equal(loam_worker_status_parse("Suspended"), LOAM_WORKER_SUSPENDED);
  assert_int_equal(loam_worker_status_parse("nope"), 0);
  assert_string_equal(loam_worker_status_name(LOAM_WORKER_EXITED), "exited");
  assert_string_equal(loam_worker_status_name(0), "unknown");

  /* delete takes the oplog, keys and snapshot with it; ids are not reused */
  uint64_t idx;
  t = loam_ds_append(ds, a, LOAM_OPLOG_RESUMED, (const uint8_t *)"x", 1, &idx, &err);
  t = loam_ds_key_put(ds, a, "k", idx, LOAM_DS_KEY_DONE, NULL, 0, &err);
  uint8_t mem[8192] = {1};
  DS_OK(loam_ds_snapshot_write(ds, a, idx, mem, sizeof mem, NULL, 0, NULL, &err));
  DS_OK(loam_ds_worker_delete(ds, a, &err));
  assert_false(loam_ds_worker_get(ds, a, &g, &err));
  assert_false(loam_ds_worker_delete(ds, a, &err));
  assert_int_equal(err.code, LOAM_ERR_NOT_FOUND);
  loam_ds_close(ds);
  assert_int_equal(scalar(dir, "SELECT count(*) FROM oplog"), 0);
  assert_int_equal(scalar(dir, "SELECT count(*) FROM oplog_recent"), 0);
  assert_int_equal(scalar(dir, "SELECT count(*) FROM idem_keys"), 0);
  assert_int_equal(scalar(dir, "SELECT count(*) FROM snapshot_pages"), 0);
  assert_int_equal(scalar(dir, "SELECT count(*) FROM snapshots"), 0);
  ds = open_ok(dir);
  int64_t d = mk_worker(ds, "counter", "a");
  assert_true(d > c);
  loam_ds_close(ds);
  ds_fx_rmdir(dir);
}

typedef struct collect {
  uint64_t idx[64];
  int kind[64];
  char text[64][16];
  size_t n, stop_after;
} collect;

static bool collect_fn(void *ud, uint64_t index, int kind, const uint8_t *p, size_t len) {
  collect *c = ud;
  c->idx[c->n] = index;
  c->kind[c->n] = kind;
  snprintf(c->text[c->n], sizeof c->text[0], "%.*s", (int)len, (const char *)p);
  c->n++;
  return c->stop_after == 0 || c->n < c->stop_after;
}

static void test_oplog_and_keys(void **state) {
  (void)state;
  char *dir = ds_fx_dir();
  loam_ds *ds = open_ok(dir);
  loam_error err;
  int64_t a = mk_worker(ds, "t", "a"), b = mk_worker(ds, "t", "b");
  loam_ds_ticket last = 0;
  for (int i = 1; i <= 10; i++) {
    char p[16];
    snprintf(p, sizeof p, "a%d", i);
    uint64_t idx = 0;
    last = loam_ds_append(ds, a, i == 5 ? LOAM_OPLOG_SNAPSHOT : LOAM_OPLOG_LOG,
                          (const uint8_t *)p, strlen(p), &idx, &err);
    assert_true(last > 0);
    assert_int_equal(idx, i);
    if (i <= 3) {
      snprintf(p, sizeof p, "b%d", i);
      assert_true(loam_ds_append(ds, b, LOAM_OPLOG_LOG, (const uint8_t *)p, strlen(p), &idx, &err));
      assert_int_equal(idx, i);
    }
  }
  /* an empty payload */
  uint64_t idx;
  last = loam_ds_append(ds, b, LOAM_OPLOG_RESUMED, NULL, 0, &idx, &err);
  assert_int_equal(idx, 4);
  assert_false(loam_ds_append(ds, 0, 1, NULL, 0, &idx, &err));
  DS_OK(loam_ds_wait(ds, last, &err));
  assert_true(loam_ds_is_durable(ds, last));
  assert_false(loam_ds_wait(ds, last + 1000, &err));   /* never issued */

  collect c = {0};
  DS_OK(loam_ds_oplog_read(ds, a, 1, 0, collect_fn, &c, &err));
  assert_int_equal(c.n, 10);
  for (size_t i = 0; i < 10; i++) assert_int_equal(c.idx[i], i + 1);
  assert_string_equal(c.text[9], "a10");
  assert_int_equal(c.kind[4], LOAM_OPLOG_SNAPSHOT);
  c = (collect){0};
  DS_OK(loam_ds_oplog_read(ds, a, 4, 3, collect_fn, &c, &err));
  assert_int_equal(c.n, 3);
  assert_int_equal(c.idx[0], 4);
  assert_int_equal(c.idx[2], 6);
  c = (collect){.stop_after = 2};
  DS_OK(loam_ds_oplog_read(ds, a, 1, 0, collect_fn, &c, &err));
  assert_int_equal(c.n, 2);
  c = (collect){0};
  DS_OK(loam_ds_oplog_read(ds, b, 4, 0, collect_fn, &c, &err));
  assert_int_equal(c.n, 1);
  assert_string_equal(c.text[0], "");

  uint64_t v;
  DS_OK(loam_ds_oplog_length(ds, a, &v, &err));
  assert_int_equal(v, 10);
  DS_OK(loam_ds_oplog_length(ds, 777, &v, &err));
  assert_int_equal(v, 0);
  DS_OK(loam_ds_oplog_last_of_kind(ds, a, LOAM_OPLOG_SNAPSHOT, &v, &err));
  assert_int_equal(v, 5);
  DS_OK(loam_ds_oplog_last_of_kind(ds, b, LOAM_OPLOG_SNAPSHOT, &v, &err));
  assert_int_equal(v, 0);
  DS_OK(loam_ds_oplog_bytes(ds, b, &v, &err));
  assert_int_equal(v, 6);

  /* keys */
  loam_ds_key k;
  bool found = true;
  DS_OK(loam_ds_key_get(ds, a, "k1", &k, &found, &err));
  assert_false(found);
  loam_ds_ticket t = loam_ds_key_put(ds, a, "k1", 3, LOAM_DS_KEY_PENDING, NULL, 0, &err);
  DS_OK(loam_ds_wait(ds, t, &err));
  DS_OK(loam_ds_key_get(ds, a, "k1", &k, &found, &err));
  assert_true(found);
  assert_int_equal(k.status, LOAM_DS_KEY_PENDING);
  assert_int_equal(k.oplog_index, 3);
  assert_null(k.result);
  loam_ds_key_clear(&k);
  t = loam_ds_key_put(ds, a, "k1", 7, LOAM_DS_KEY_DONE, (const uint8_t *)"\x01\x02", 2, &err);
  DS_OK(loam_ds_wait(ds, t, &err));
  DS_OK(loam_ds_key_get(ds, a, "k1", &k, &found, &err));
  assert_int_equal(k.status, LOAM_DS_KEY_DONE);
  assert_int_equal(k.oplog_index, 7);
  assert_int_equal(k.result_len, 2);
  assert_memory_equal(k.result, "\x01\x02", 2);
  loam_ds_key_clear(&k);
  DS_OK(loam_ds_key_get(ds, b, "k1", &k, &found, &err));   /* keys are per worker */
  assert_false(found);
  loam_ds_close(ds);

  /* after a reopen, indices continue densely */
  ds = open_ok(dir);
  last = loam_ds_append(ds, a, LOAM_OPLOG_LOG, (const uint8_t *)"a11", 3, &idx, &err);
  assert_int_equal(idx, 11);
  DS_OK(loam_ds_flush(ds, &err));
  DS_OK(loam_ds_oplog_length(ds, a, &v, &err));
  assert_int_equal(v, 11);
  DS_OK(loam_ds_key_get(ds, a, "k1", &k, &found, &err));
  assert_true(found);
  loam_ds_key_clear(&k);
  loam_ds_stats st;
  loam_ds_stats_get(ds, &st);
  assert_int_equal(st.appends, 1);
  assert_int_equal(st.append_bytes, 3);
  loam_ds_close(ds);
  ds_fx_rmdir(dir);
}

static int cb_calls;
static bool cb_ok;
static void on_durable(void *ud, bool ok) {
  (void)ud;
  cb_calls++;
  cb_ok = ok;
}

static void test_callbacks_and_close_flushes(void **state) {
  (void)state;
  char *dir = ds_fx_dir();
  loam_ds_options opt = {.no_fsync = true};
  loam_error err;
  loam_ds *ds = loam_ds_open(dir, &opt, &err);
  assert_non_null(ds);
  int64_t a = mk_worker(ds, "t", "a");
  uint64_t idx;
  loam_ds_ticket t = 0;
  for (int i = 0; i < 1000; i++)
    t = loam_ds_append(ds, a, LOAM_OPLOG_LOG, (const uint8_t *)"x", 1, &idx, &err);
  cb_calls = 0;
  assert_true(loam_ds_on_durable(ds, t, on_durable, NULL));
  loam_ds_close(ds);   /* commits everything queued, settles callbacks */
  assert_int_equal(cb_calls, 1);
  assert_true(cb_ok);
  ds = open_ok(dir);
  uint64_t len;
  DS_OK(loam_ds_oplog_length(ds, a, &len, &err));
  assert_int_equal(len, 1000);
  cb_calls = 0;
  assert_true(loam_ds_on_durable(ds, 0, on_durable, NULL));   /* settled: at once */
  assert_int_equal(cb_calls, 1);
  loam_ds_close(ds);
  ds_fx_rmdir(dir);
}

/* ---- snapshots ---------------------------------------------------------------- */

#define PAGE LOAM_DS_PAGE_SIZE

static void fill_page(uint8_t *mem, size_t page, uint8_t seed) {
  for (size_t i = 0; i < PAGE; i++) mem[page * PAGE + i] = (uint8_t)(seed + i * 7);
}

static void check_restore(loam_ds *ds, int64_t w, const uint8_t *mem, size_t size,
                          uint64_t idx, const char *state) {
  loam_error err;
  loam_ds_snapshot s;
  bool found = false;
  DS_OK(loam_ds_snapshot_read(ds, w, &s, &found, &err));
  assert_true(found);
  assert_int_equal(s.oplog_index, idx);
  assert_int_equal(s.memory_size, size);
  assert_memory_equal(s.memory, mem, size);
  if (state) {
    assert_int_equal(s.state_len, strlen(state));
    assert_memory_equal(s.state, state, s.state_len);
  } else {
    assert_null(s.state);
  }
  loam_ds_snapshot_clear(&s);
}

static void test_incremental_snapshots(void **state) {
  (void)state;
  char *dir = ds_fx_dir();
  loam_ds *ds = open_ok(dir);
  loam_error err;
  int64_t w = mk_worker(ds, "t", "snap"), other = mk_worker(ds, "t", "other");
  size_t size = 16 * 65536;   /* 16 wasm pages = 256 store pages */
  uint8_t *mem = calloc(1, size);
  for (size_t p = 0; p < 40; p++) fill_page(mem, p, (uint8_t)p);
  mem[100 * PAGE + 17] = 1;   /* a page with a single non-zero byte */

  loam_ds_snapshot s;
  bool found = true;
  DS_OK(loam_ds_snapshot_read(ds, w, &s, &found, &err));
  assert_false(found);

  loam_ds_snapshot_stats st;
  DS_OK(loam_ds_snapshot_write(ds, w, 5, mem, size, (const uint8_t *)"globals-1", 9, &st, &err));
  printf("first snapshot: %llu of %llu pages written\n",
         (unsigned long long)st.pages_written, (unsigned long long)st.pages_total);
  assert_int_equal(st.pages_total, 256);
  assert_int_equal(st.pages_written, 41);   /* zero pages are not stored */
  assert_int_equal(st.pages_deleted, 0);
  check_restore(ds, w, mem, size, 5, "globals-1");

  /* change 3 pages, zero one, leave the rest */
  mem[3 * PAGE] ^= 0xff;
  mem[39 * PAGE + PAGE - 1] ^= 1;
  mem[200 * PAGE + 5] = 9;
  mem[100 * PAGE + 17] = 0;
  DS_OK(loam_ds_snapshot_write(ds, w, 9, mem, size, (const uint8_t *)"globals-2", 9, &st, &err));
  printf("second snapshot: %llu written, %llu deleted\n",
         (unsigned long long)st.pages_written, (unsigned long long)st.pages_deleted);
  assert_int_equal(st.pages_written, 3);
  assert_int_equal(st.pages_deleted, 1);
  check_restore(ds, w, mem, size, 9, "globals-2");

  /* nothing changed: nothing written */
  DS_OK(loam_ds_snapshot_write(ds, w, 10, mem, size, NULL, 0, &st, &err));
  assert_int_equal(st.pages_written, 0);
  assert_int_equal(st.pages_deleted, 0);
  check_restore(ds, w, mem, size, 10, NULL);
  loam_ds_close(ds);
  assert_int_equal(scalar(dir, "SELECT count(*) FROM snapshot_pages"), 41);

  /* after a reopen the hashes come from the store: still incremental */
  ds = open_ok(dir);
  check_restore(ds, w, mem, size, 10, NULL);
  mem[1 * PAGE + 1] ^= 0x55;
  DS_OK(loam_ds_snapshot_write(ds, w, 12, mem, size, NULL, 0, &st, &err));
  assert_int_equal(st.pages_written, 1);
  check_restore(ds, w, mem, size, 12, NULL);

  /* memory grows: only the new non-zero pages are written */
  size_t bigger = size + 65536 + 100;   /* also a partial last page */
  mem = realloc(mem, bigger);
  memset(mem + size, 0, bigger - size);
  mem[size + 65536 + 99] = 42;
  mem[size + 4] = 1;
  DS_OK(loam_ds_snapshot_write(ds, w, 13, mem, bigger, NULL, 0, &st, &err));
  assert_int_equal(st.pages_total, 256 + 16 + 1);
  assert_int_equal(st.pages_written, 2);
  check_restore(ds, w, mem, bigger, 13, NULL);

  /* memory shrinks (a reset worker): pages beyond the end go away */
  DS_OK(loam_ds_snapshot_write(ds, w, 14, mem, 8 * PAGE, NULL, 0, &st, &err));
  assert_int_equal(st.pages_written, 0);
  check_restore(ds, w, mem, 8 * PAGE, 14, NULL);
  /* an empty memory */
  DS_OK(loam_ds_snapshot_write(ds, other, 1, NULL, 0, (const uint8_t *)"g", 1, &st, &err));
  check_restore(ds, other, NULL, 0, 1, "g");
  loam_ds_stats stats;
  loam_ds_stats_get(ds, &stats);
  assert_int_equal(stats.snapshots, 4);
  loam_ds_close(ds);
  assert_int_equal(scalar(dir, "SELECT count(*) FROM snapshot_pages"), 8);
  free(mem);
  ds_fx_rmdir(dir);
}

/* With a hash cache too small for all workers, entries are evicted and
 * re-read from the store: snapshots stay incremental and correct. */
static void test_hash_cache_eviction(void **state) {
  (void)state;
  char *dir = ds_fx_dir();
  loam_error err;
  /* one worker's 64 pages of hashes (~1 KiB) fit, three do not */
  loam_ds_options opt = {.hash_cache_bytes = 2500};
  loam_ds *ds = loam_ds_open(dir, &opt, &err);
  assert_non_null(ds);
  enum { W = 6, PAGES = 64 };
  int64_t ids[W];
  uint8_t *mem[W];
  for (int w = 0; w < W; w++) {
    char name[8];
    snprintf(name, sizeof name, "e%d", w);
    ids[w] = mk_worker(ds, "t", name);
    mem[w] = calloc(PAGES, PAGE);
    for (int p = 0; p < PAGES; p += 2) fill_page(mem[w], (size_t)p, (uint8_t)(w + p));
  }
  loam_ds_snapshot_stats st;
  for (int round = 0; round < 4; round++) {
    for (int w = 0; w < W; w++) {
      if (round) mem[w][(size_t)(round * 5 % PAGES) * PAGE + 3] ^= 0x5a;
      DS_OK(loam_ds_snapshot_write(ds, ids[w], (uint64_t)round + 1, mem[w], PAGES * PAGE,
                                   NULL, 0, &st, &err));
      assert_int_equal(st.pages_written, round ? 1 : PAGES / 2);
    }
  }
  for (int w = 0; w < W; w++) {
    check_restore(ds, ids[w], mem[w], PAGES * PAGE, 4, NULL);
    free(mem[w]);
  }
  loam_ds_close(ds);
  ds_fx_rmdir(dir);
}

/* In a child whose files may not grow past a limit, commits start failing:
 * the waiter learns it (LOAM_ERR_LIMIT), callbacks are told, later writes
 * are refused, close does not hang, and the data committed before is intact. */
static int failing_child(const char *dir) {
  signal(SIGXFSZ, SIG_IGN);   /* get EFBIG from write() instead of a signal */
  loam_error err;
  loam_ds *ds = loam_ds_open(dir, NULL, &err);
  if (!ds) return 10;
  loam_ds_worker w = {.template_name = "t", .name = "full"};
  int64_t id;
  if (!loam_ds_worker_create(ds, &w, &id, NULL, &err)) return 11;
  uint8_t payload[2000] = {7};
  uint64_t idx;
  loam_ds_ticket t = loam_ds_append(ds, id, LOAM_OPLOG_LOG, payload, 10, &idx, &err);
  if (!t || !loam_ds_wait(ds, t, &err)) return 12;
  struct rlimit rl = {1 << 20, 1 << 20};   /* 1 MiB per file from now on */
  if (setrlimit(RLIMIT_FSIZE, &rl) != 0) return 13;
  bool failed = false;
  for (int i = 0; i < 20000 && !failed; i++) {
    /* t stays the last ticket issued: when an append is refused, the
     * store failed on a batch holding tickets up to t, so t never became
     * durable (the failure may surface in a wait or in the next append,
     * depending on which thread ran that commit) */
    loam_ds_ticket next = loam_ds_append(ds, id, LOAM_OPLOG_LOG, payload, sizeof payload,
                                         &idx, &err);
    if (!next) { failed = true; break; }
    t = next;
    if (i % 50 == 49 && !loam_ds_wait(ds, t, &err)) failed = true;
  }
  if (!failed) return 14;
  if (err.code != LOAM_ERR_LIMIT || !strstr(err.message, "store:")) return 15;
  cb_calls = 0;
  cb_ok = true;
  if (!loam_ds_on_durable(ds, t, on_durable, NULL) || cb_calls != 1 || cb_ok) return 16;
  if (loam_ds_append(ds, id, LOAM_OPLOG_LOG, payload, 1, &idx, &err)) return 17;
  if (loam_ds_flush(ds, &err)) return 18;
  loam_ds_close(ds);
  rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
  setrlimit(RLIMIT_FSIZE, &rl);   /* may fail to raise: reopen checks below */
  return 0;
}

static void test_commit_failure(void **state) {
  (void)state;
  char *dir = ds_fx_dir();
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) _exit(failing_child(dir));
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  /* the store opens, and what was committed before the failure is there */
  loam_error err;
  loam_ds *ds = open_ok(dir);
  loam_ds_worker w;
  DS_OK(loam_ds_worker_find(ds, "t", "full", &w, &err));
  uint64_t len;
  DS_OK(loam_ds_oplog_length(ds, w.id, &len, &err));
  assert_true(len >= 1);
  collect c = {.stop_after = 1};
  DS_OK(loam_ds_oplog_read(ds, w.id, 1, 1, collect_fn, &c, &err));
  assert_int_equal(c.n, 1);
  printf("commit failure: %llu entries committed before the limit\n", (unsigned long long)len);
  loam_ds_worker_clear(&w);
  loam_ds_close(ds);
  ds_fx_rmdir(dir);
}

/* ---- schema upgrade and the oplog's two tables ------------------------------ */

static void exec_sql(const char *dir, const char *sql) {
  char path[600];
  snprintf(path, sizeof path, "%s/loam.db", dir);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) fail_msg("%s: %s", sql, msg);
  sqlite3_close(db);
}

typedef struct seen { uint64_t next, count; bool ok; } seen;

static bool dense(void *ud, uint64_t index, int kind, const uint8_t *p, size_t len) {
  (void)kind, (void)p, (void)len;
  seen *s = ud;
  if (index != s->next) s->ok = false;
  s->next++;
  s->count++;
  return true;
}

/* A version 1 data directory (entries only in `oplog`) opens as version 2:
 * its entries read back, new ones continue their indices, and entries stay
 * dense and in order while they move between oplog_recent and oplog. */
static void test_schema_upgrade_and_fold(void **state) {
  (void)state;
  char *dir = ds_fx_dir();
  loam_error err;
  loam_ds *ds = open_ok(dir);
  int64_t a = mk_worker(ds, "counter", "a");
  loam_ds_close(ds);
  /* what version 1 left: no oplog_recent, entries 1..3 in oplog */
  exec_sql(dir, "DROP TABLE oplog_recent; DELETE FROM schema_version;"
                "INSERT INTO schema_version VALUES(1);"
                "INSERT INTO oplog VALUES(1, 1, 5, x'61'), (1, 2, 5, x'62'), (1, 3, 6, x'63');");
  assert_int_equal(a, 1);
  ds = open_ok(dir);
  assert_int_equal(scalar(dir, "SELECT max(version) FROM schema_version"), 2);
  uint64_t len = 0, last = 0, bytes = 0;
  DS_OK(loam_ds_oplog_length(ds, a, &len, &err));
  assert_int_equal(len, 3);
  /* enough appends (one per commit) to move rows between the tables twice */
  enum { N = 2 * SQ_FOLD_ROWS + 100 };
  loam_ds_ticket t = 0;
  for (int i = 0; i < N; i++) {
    uint64_t idx;
    t = loam_ds_append(ds, a, LOAM_OPLOG_LOG, (const uint8_t *)"xy", 2, &idx, &err);
    assert_int_equal(idx, 4 + (uint64_t)i);
    if (i % 64 == 0) DS_OK(loam_ds_wait(ds, t, &err));
  }
  DS_OK(loam_ds_wait(ds, t, &err));
  /* two moves of (at least) SQ_FOLD_ROWS, each at a commit's end: the
   * entries up to some index in oplog, the rest still recent */
  int64_t moved = scalar(dir, "SELECT max(idx) FROM oplog");
  assert_true(moved >= 3 + 2 * SQ_FOLD_ROWS && moved < 3 + N);
  assert_int_equal(scalar(dir, "SELECT min(idx) FROM oplog_recent"), moved + 1);
  seen s = {.next = 1, .ok = true};
  DS_OK(loam_ds_oplog_read(ds, a, 1, 0, dense, &s, &err));
  assert_true(s.ok);
  assert_int_equal(s.count, 3 + N);
  s = (seen){.next = (uint64_t)moved - 49, .ok = true};   /* across both tables */
  DS_OK(loam_ds_oplog_read(ds, a, (uint64_t)moved - 49, 60, dense, &s, &err));
  assert_true(s.ok);
  assert_int_equal(s.count, 60);
  DS_OK(loam_ds_oplog_length(ds, a, &len, &err));
  assert_int_equal(len, 3 + N);
  DS_OK(loam_ds_oplog_last_of_kind(ds, a, LOAM_OPLOG_INVOKE_END, &last, &err));
  assert_int_equal(last, 3);   /* the version 1 entry */
  DS_OK(loam_ds_oplog_bytes(ds, a, &bytes, &err));
  assert_int_equal(bytes, 3 + 2 * N);
  loam_ds_close(ds);
  ds_fx_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_open_lock_schema),
      cmocka_unit_test(test_templates),
      cmocka_unit_test(test_workers),
      cmocka_unit_test(test_oplog_and_keys),
      cmocka_unit_test(test_callbacks_and_close_flushes),
      cmocka_unit_test(test_incremental_snapshots),
      cmocka_unit_test(test_hash_cache_eviction),
      cmocka_unit_test(test_commit_failure),
      cmocka_unit_test(test_schema_upgrade_and_fold),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
