/*
 * test_executor.c — the durable executor through its public API: templates
 * and their errors, invocations, state across restarts, replayed clocks and
 * random values, idempotency keys (sequential and concurrent), retries and
 * the Failed status, interrupt/resume, fuel, suspension.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "exec_helpers.h"
#include "durable/durable.h"
#include "host/wasi.h"

#include <pthread.h>
#include <unistd.h>

#define CTR "loam:counter/api.{inc-by}"

static loam_executor *open_dir(const char *dir, loam_executor_options *o) {
  loam_error err = {0};
  loam_executor *ex = loam_executor_open(dir, o, &err);
  if (!ex) fail_msg("open: %s", err.message);
  return ex;
}

static loam_executor_options fast_opts(void) {
  loam_executor_options o;
  loam_executor_options_default(&o);
  o.retry.min_delay_ms = 5;
  o.retry.max_delay_ms = 20;
  return o;
}

static uint64_t must_u64(loam_executor *ex, const char *t, const char *w, const char *fn,
                         int nargs, uint64_t arg, const char *key) {
  loam_error err = {0};
  uint64_t v = 0;
  loam_status st = call_u64(ex, t, w, fn, nargs, arg, false, key, &v, &err);
  if (st != LOAM_OK) fail_msg("%s on %s/%s: %s", fn, t, w, err.message);
  return v;
}

static void test_template_exports(void **state) {
  (void)state;
  char *dir = temp_dir();
  loam_executor_options o = fast_opts();
  loam_executor *ex = open_dir(dir, &o);
  loam_error err = {0};
  const loam_template_info *t = register_guest(ex, "counter", "counter", &err);
  assert_non_null(t);
  assert_int_equal(t->version, 1);
  assert_int_equal(t->nexports, 5);
  assert_string_equal(t->exports[0].name, "loam:counter/api.{inc-by}");
  assert_string_equal(t->exports[0].signature, "func(n: u64) -> u64");
  /* a second registration is version 2 */
  const loam_template_info *t2 = register_guest(ex, "counter", "counter", &err);
  assert_non_null(t2);
  assert_int_equal(t2->version, 2);
  assert_true(t2->id != t->id);
  const loam_template_info **list = NULL;
  size_t n = loam_template_list(ex, &list);
  assert_int_equal(n, 2);
  free(list);
  /* unknown imports are named */
  static const uint8_t bad[] = {0, 'a', 's', 'm', 1, 0, 0, 0,
                                1, 4, 1, 0x60, 0, 0,                     /* type () -> () */
                                2, 11, 1, 3, 'e', 'n', 'v', 3, 'f', 'o', 'o', 0, 0};
  assert_null(loam_template_register(ex, "bad", bad, sizeof bad, "package a:b; world w {}",
                                     NULL, &err));
  assert_int_equal(err.code, LOAM_ERR_UNKNOWN_IMPORT);
  assert_non_null(strstr(err.message, "env.foo"));
  /* not a module */
  assert_null(loam_template_register(ex, "junk", (const uint8_t *)"junk", 4, NULL, NULL, &err));
  /* a WIT export the module lacks */
  size_t len;
  uint8_t *b = guest_bytes("counter", &len);
  assert_null(loam_template_register(
      ex, "x", b, len, "package a:b; world w { export nope: func(); }", NULL, &err));
  assert_non_null(strstr(err.message, "nope"));
  free(b);
  loam_executor_close(ex);
  remove_dir(dir);
  free(dir);
}

static void test_invoke_and_restart(void **state) {
  (void)state;
  char *dir = temp_dir();
  loam_executor_options o = fast_opts();
  loam_executor *ex = open_dir(dir, &o);
  loam_error err = {0};
  assert_non_null(register_guest(ex, "counter", "counter", &err));
  assert_int_equal(must_u64(ex, "counter", "c1", CTR, 1, 5, NULL), 5);
  assert_int_equal(must_u64(ex, "counter", "c1", "inc-by", 1, 2, NULL), 7);
  assert_int_equal(must_u64(ex, "counter", "c2", "inc-by", 1, 1, NULL), 1);
  loam_worker_info wi;
  assert_true(loam_worker_get(ex, "counter", "c1", &wi, &err));
  assert_int_equal(wi.invocations, 2);
  assert_true(wi.oplog_length >= 5);
  loam_executor_close(ex);
  ex = open_dir(dir, &o);
  assert_int_equal(must_u64(ex, "counter", "c1", "get", 0, 0, NULL), 7);
  assert_int_equal(must_u64(ex, "counter", "c2", "get", 0, 0, NULL), 1);
  char **names = NULL;
  size_t n = loam_worker_list(ex, "counter", &names);
  assert_int_equal(n, 2);
  loam_worker_list_free(names, n);
  loam_executor_close(ex);
  remove_dir(dir);
  free(dir);
}

static void test_errors(void **state) {
  (void)state;
  char *dir = temp_dir();
  loam_executor_options o = fast_opts();
  loam_executor *ex = open_dir(dir, &o);
  loam_error err = {0};
  assert_non_null(register_guest(ex, "counter", "counter", &err));
  uint64_t v;
  assert_int_not_equal(call_u64(ex, "counter", "w", "nope", 0, 0, false, NULL, &v, &err), LOAM_OK);
  assert_int_equal(err.code, LOAM_ERR_NOT_FOUND);
  assert_non_null(strstr(err.message, "no function nope"));
  assert_non_null(strstr(err.message, "inc-by"));
  assert_int_not_equal(call_u64(ex, "nosuch", "w", "get", 0, 0, false, NULL, &v, &err), LOAM_OK);
  assert_non_null(strstr(err.message, "no template named nosuch"));
  /* wrong type: u32 where u64 is expected */
  assert_int_not_equal(call_u64(ex, "counter", "w", "inc-by", 1, 1, true, NULL, &v, &err), LOAM_OK);
  assert_int_equal(err.code, LOAM_ERR_ARGUMENT);
  assert_non_null(strstr(err.message, "params[0]"));
  assert_non_null(strstr(err.message, "expected u64"));
  /* wrong count */
  assert_int_not_equal(call_u64(ex, "counter", "w", "get", 1, 1, false, NULL, &v, &err), LOAM_OK);
  assert_non_null(strstr(err.message, "takes 0 parameters"));
  loam_worker_info wi;
  assert_false(loam_worker_get(ex, "counter", "ghost", &wi, &err));
  assert_int_equal(err.code, LOAM_ERR_NOT_FOUND);
  assert_non_null(strstr(err.message, "no worker named ghost"));
  assert_true(loam_worker_create(ex, "counter", "made", 0, NULL, 0, NULL, &err));
  assert_false(loam_worker_create(ex, "counter", "made", 0, NULL, 0, NULL, &err));
  assert_non_null(strstr(err.message, "already exists"));
  loam_executor_close(ex);
  remove_dir(dir);
  free(dir);
}

static void test_idempotency_sequential(void **state) {
  (void)state;
  char *dir = temp_dir();
  loam_executor_options o = fast_opts();
  loam_executor *ex = open_dir(dir, &o);
  loam_error err = {0};
  assert_non_null(register_guest(ex, "counter", "counter", &err));
  assert_int_equal(must_u64(ex, "counter", "c", "inc-by", 1, 10, "k1"), 10);
  assert_int_equal(must_u64(ex, "counter", "c", "inc-by", 1, 10, "k1"), 10);
  assert_int_equal(must_u64(ex, "counter", "c", "get", 0, 0, NULL), 10);
  loam_executor_close(ex);
  ex = open_dir(dir, &o);
  assert_int_equal(must_u64(ex, "counter", "c", "inc-by", 1, 10, "k1"), 10);
  assert_int_equal(must_u64(ex, "counter", "c", "get", 0, 0, NULL), 10);
  /* invoke (enqueue) then await with the same key */
  char key[72];
  loam_value *p = loam_value_uint(loam_type_prim(LOAM_T_U64), 3);
  assert_int_equal(loam_invoke(ex, "counter", "c", "inc-by", &p, 1, NULL, key, &err), LOAM_OK);
  loam_value_free(p);
  assert_int_equal(must_u64(ex, "counter", "c", "inc-by", 1, 3, key), 13);
  assert_int_equal(must_u64(ex, "counter", "c", "get", 0, 0, NULL), 13);
  loam_executor_close(ex);
  remove_dir(dir);
  free(dir);
}

/* The END entries' keys of a worker's oplog, and whether each has a key row. */
typedef struct end_keys { loam_ds *ds; int64_t worker; int ends, rows; } end_keys;

static bool count_end(void *ud, uint64_t index, int kind, const uint8_t *p, size_t len) {
  (void)index;
  end_keys *k = ud;
  if (kind != LOAM_OPLOG_INVOKE_END) return true;
  loam_oplog_entry e;
  loam_error err;
  if (!loam_oplog_decode(p, len, &e, &err)) fail_msg("decode: %s", err.message);
  loam_ds_key row = {0};
  bool found = false;
  if (!loam_ds_key_get(k->ds, k->worker, e.u.end.key, &row, &found, &err))
    fail_msg("key_get: %s", err.message);
  k->ends++;
  k->rows += found;
  loam_ds_key_clear(&row);
  loam_oplog_entry_free(&e);
  return true;
}

/* A key row is written only for a key someone knows: the caller's own, or
 * one invoke returned. Invoke-and-await without a key gets a generated key
 * that nobody can send again, so its result needs no row (one write less
 * per invocation); the invocation is still in the oplog. */
static void test_key_rows_only_for_known_keys(void **state) {
  (void)state;
  char *dir = temp_dir();
  loam_executor_options o = fast_opts();
  loam_executor *ex = open_dir(dir, &o);
  loam_error err = {0};
  assert_non_null(register_guest(ex, "counter", "counter", &err));
  for (int i = 0; i < 5; i++) must_u64(ex, "counter", "k", "inc-by", 1, 1, NULL);
  assert_int_equal(must_u64(ex, "counter", "k", "inc-by", 1, 1, "mine"), 6);
  char key[72];
  loam_value *p = loam_value_uint(loam_type_prim(LOAM_T_U64), 1);
  assert_int_equal(loam_invoke(ex, "counter", "k", "inc-by", &p, 1, NULL, key, &err), LOAM_OK);
  loam_value_free(p);
  assert_int_equal(must_u64(ex, "counter", "k", "inc-by", 1, 1, key), 7); /* its stored result */
  assert_int_equal(must_u64(ex, "counter", "k", "get", 0, 0, NULL), 7);
  loam_executor_close(ex);

  loam_ds *ds = loam_ds_open(dir, NULL, &err);
  assert_non_null(ds);
  loam_ds_worker w = {0};
  assert_true(loam_ds_worker_find(ds, "counter", "k", &w, &err));
  end_keys k = {ds, w.id, 0, 0};
  assert_true(loam_ds_oplog_read(ds, w.id, 1, 0, count_end, &k, &err));
  assert_int_equal(k.ends, 8);  /* 5 + "mine" + invoke + get */
  assert_int_equal(k.rows, 2);  /* "mine" and the key invoke returned */
  loam_ds_worker_clear(&w);
  loam_ds_close(ds);
  remove_dir(dir);
  free(dir);
}

typedef struct conc { loam_executor *ex; uint64_t result; loam_status st; } conc;

static void *dup_caller(void *arg) {
  conc *c = arg;
  loam_error err;
  c->st = call_u64(c->ex, "counter", "c", "inc-by", 1, 7, false, "same-key", &c->result, &err);
  return NULL;
}

static void test_idempotency_concurrent(void **state) {
  (void)state;
  char *dir = temp_dir();
  loam_executor_options o = fast_opts();
  loam_executor *ex = open_dir(dir, &o);
  loam_error err = {0};
  assert_non_null(register_guest(ex, "counter", "counter", &err));
  enum { N = 8 };
  pthread_t th[N];
  conc c[N];
  for (int i = 0; i < N; i++) {
    c[i] = (conc){ex, 0, LOAM_OK};
    pthread_create(&th[i], NULL, dup_caller, &c[i]);
  }
  for (int i = 0; i < N; i++) {
    pthread_join(th[i], NULL);
    assert_int_equal(c[i].st, LOAM_OK);
    assert_int_equal(c[i].result, 7);
  }
  assert_int_equal(must_u64(ex, "counter", "c", "get", 0, 0, NULL), 7);
  loam_executor_close(ex);
  remove_dir(dir);
  free(dir);
}

static void test_clocks_replay(void **state) {
  (void)state;
  char *dir = temp_dir();
  loam_executor_options o = fast_opts();
  o.snapshot_every_invocations = 0; /* replay everything */
  o.snapshot_every_bytes = 0;
  loam_executor *ex = open_dir(dir, &o);
  loam_error err = {0};
  assert_non_null(register_guest(ex, "clocks", "clocks", &err));
  const char *env[] = {"LOAM_TEST_VALUE=42"};
  assert_true(loam_worker_create(ex, "clocks", "w", 1, env, 0, NULL, &err));
  uint64_t t1 = must_u64(ex, "clocks", "w", "now", 0, 0, NULL);
  uint64_t r1 = must_u64(ex, "clocks", "w", "random", 0, 0, NULL);
  assert_int_equal(must_u64(ex, "clocks", "w", "env", 0, 0, NULL), 42);
  loam_error e2;
  uint64_t said = 0;
  assert_int_equal(call_u64(ex, "clocks", "w", "say", 1, 5, true, NULL, &said, &e2), LOAM_OK);
  assert_int_equal(said, 1);
  uint64_t d1 = must_u64(ex, "clocks", "w", "digest", 0, 0, NULL);
  assert_true(t1 > 1600000000ull * 1000000000ull);
  (void)r1;
  loam_executor_close(ex);
  usleep(2000);
  ex = open_dir(dir, &o);
  /* the digest folds every value seen: equal only if replay gave back the
   * recorded clock and random values */
  assert_int_equal(must_u64(ex, "clocks", "w", "digest", 0, 0, NULL), d1);
  assert_int_equal(call_u64(ex, "clocks", "w", "say", 1, 6, true, NULL, &said, &e2), LOAM_OK);
  assert_int_equal(said, 2);
  uint64_t t2 = must_u64(ex, "clocks", "w", "now", 0, 0, NULL);
  assert_true(t2 > t1);
  loam_executor_close(ex);
  remove_dir(dir);
  free(dir);
}

static void test_retry_then_failed(void **state) {
  (void)state;
  char *dir = temp_dir();
  loam_executor_options o = fast_opts();
  loam_executor *ex = open_dir(dir, &o);
  loam_error err = {0};
  assert_non_null(register_guest(ex, "counter", "counter", &err));
  assert_int_equal(must_u64(ex, "counter", "f", "inc-by", 1, 4, NULL), 4);
  uint64_t v;
  double t0 = now_sec();
  loam_status st = call_u64(ex, "counter", "f", "crash", 0, 0, false, NULL, &v, &err);
  double dt = now_sec() - t0;
  assert_int_equal(st, LOAM_TRAP_UNREACHABLE);
  assert_non_null(strstr(err.message, "unreachable"));
  assert_true(dt >= 0.005); /* two retries waited */
  loam_worker_info wi;
  assert_true(loam_worker_get(ex, "counter", "f", &wi, &err));
  assert_int_equal(wi.status, LOAM_WS_FAILED);
  assert_non_null(strstr(wi.last_error, "unreachable"));
  assert_non_null(strstr(wi.last_error, "crash"));  /* the guest stack */
  st = call_u64(ex, "counter", "f", "get", 0, 0, false, NULL, &v, &err);
  assert_int_not_equal(st, LOAM_OK);
  assert_non_null(strstr(err.message, "Failed"));
  loam_executor_close(ex);
  /* still Failed after a restart */
  ex = open_dir(dir, &o);
  st = call_u64(ex, "counter", "f", "get", 0, 0, false, NULL, &v, &err);
  assert_non_null(strstr(err.message, "Failed"));
  loam_executor_close(ex);
  remove_dir(dir);
  free(dir);
}

#define SPIN_N 50000000ull

typedef struct spin_arg { loam_executor *ex; loam_status st; uint64_t v; char msg[512]; } spin_arg;

static void *spinner(void *arg) {
  spin_arg *s = arg;
  loam_error err;
  s->st = call_u64(s->ex, "counter", "s", "spin", 1, SPIN_N, false, "spin-key", &s->v, &err);
  snprintf(s->msg, sizeof s->msg, "%s", err.message);
  return NULL;
}

static void test_interrupt_resume(void **state) {
  (void)state;
  char *dir = temp_dir();
  loam_executor_options o = fast_opts();
  loam_executor *ex = open_dir(dir, &o);
  loam_error err = {0};
  assert_non_null(register_guest(ex, "counter", "counter", &err));
  assert_int_equal(must_u64(ex, "counter", "s", "inc-by", 1, 1, NULL), 1);
  spin_arg sa = {ex, LOAM_OK, 0, ""};
  pthread_t th;
  pthread_create(&th, NULL, spinner, &sa);
  loam_worker_info wi;
  for (int i = 0; i < 500; i++) {
    usleep(2000);
    assert_true(loam_worker_get(ex, "counter", "s", &wi, &err));
    if (wi.status == LOAM_WS_RUNNING && wi.pending) break;
  }
  usleep(20000);
  assert_true(loam_worker_interrupt(ex, "counter", "s", &err));
  pthread_join(th, NULL);
  assert_int_equal(sa.st, LOAM_TRAP_INTERRUPTED);
  assert_true(loam_worker_get(ex, "counter", "s", &wi, &err));
  assert_int_equal(wi.status, LOAM_WS_INTERRUPTED);
  /* invocations wait while Interrupted; resume reruns the spin, and the
   * same key then gets its result */
  assert_false(loam_worker_resume(ex, "counter", "t-no", &err));
  assert_true(loam_worker_resume(ex, "counter", "s", &err));
  uint64_t v = 0;
  assert_int_equal(call_u64(ex, "counter", "s", "spin", 1, SPIN_N, false, "spin-key", &v, &err),
                   LOAM_OK);
  assert_true(v == SPIN_N * (SPIN_N - 1) / 2);
  assert_int_equal(must_u64(ex, "counter", "s", "get", 0, 0, NULL), 1);
  assert_true(loam_worker_get(ex, "counter", "s", &wi, &err));
  assert_int_equal(wi.status, LOAM_WS_IDLE);
  assert_false(loam_worker_resume(ex, "counter", "s", &err));
  assert_non_null(strstr(err.message, "not interrupted"));
  loam_executor_close(ex);
  remove_dir(dir);
  free(dir);
}

static void test_fuel_limit(void **state) {
  (void)state;
  char *dir = temp_dir();
  loam_executor_options o = fast_opts();
  o.fuel = 100000;
  o.retry.max_attempts = 1;
  loam_executor *ex = open_dir(dir, &o);
  loam_error err = {0};
  assert_non_null(register_guest(ex, "counter", "counter", &err));
  assert_int_equal(must_u64(ex, "counter", "r", "spin", 1, 1000, NULL), 499500);
  uint64_t v;
  assert_int_equal(call_u64(ex, "counter", "r", "spin", 1, 100000000, false, NULL, &v, &err),
                   LOAM_TRAP_FUEL);
  loam_executor_close(ex);
  remove_dir(dir);
  free(dir);
}

static void test_snapshots_and_suspend(void **state) {
  (void)state;
  char *dir = temp_dir();
  loam_executor_options o = fast_opts();
  o.snapshot_every_invocations = 10;
  o.max_active_workers = 3;
  loam_executor *ex = open_dir(dir, &o);
  loam_error err = {0};
  assert_non_null(register_guest(ex, "counter", "counter", &err));
  char name[32];
  for (int round = 0; round < 3; round++)
    for (int i = 0; i < 10; i++) {
      snprintf(name, sizeof name, "w%d", i);
      assert_int_equal(must_u64(ex, "counter", name, "inc-by", 1, (uint64_t)i, NULL),
                       (uint64_t)i * (round + 1));
    }
  uint64_t pages = 0;
  assert_int_equal(call_u64(ex, "counter", "w0", "grow", 1, 2, true, NULL, &pages, &err), LOAM_OK);
  assert_int_equal(pages, 4);
  for (int i = 0; i < 25; i++) must_u64(ex, "counter", "w9", "inc-by", 1, 1, NULL);
  loam_executor_stats st;
  loam_executor_stats_get(ex, &st);
  assert_true(st.active_workers <= 3);
  assert_true(st.suspended > 0);
  assert_true(st.snapshots > 0);
  loam_executor_close(ex);
  ex = open_dir(dir, &o);
  assert_int_equal(must_u64(ex, "counter", "w9", "get", 0, 0, NULL), 27 + 25);
  assert_int_equal(call_u64(ex, "counter", "w0", "grow", 1, 0, true, NULL, &pages, &err), LOAM_OK);
  assert_int_equal(pages, 4);
  loam_executor_stats_get(ex, &st);
  assert_true(st.replayed < 10); /* the snapshot covered most of the history */
  loam_executor_close(ex);
  remove_dir(dir);
  free(dir);
}

static void test_oplog_json_and_info(void **state) {
  (void)state;
  char *dir = temp_dir();
  loam_executor_options o = fast_opts();
  loam_executor *ex = open_dir(dir, &o);
  loam_error err = {0};
  const loam_template_info *t = register_guest(ex, "clocks", "clocks", &err);
  assert_non_null(t);
  assert_ptr_equal(loam_template_get_id(ex, t->id, &err), t);
  assert_null(loam_template_get_id(ex, 999999, &err));
  assert_int_equal(err.code, LOAM_ERR_NOT_FOUND);
  const char *env[] = {"A=1", "LOAM_TEST_VALUE=7"};
  const char *args[] = {"--flag"};
  assert_true(loam_worker_create(ex, "clocks", "o", 2, env, 1, args, &err));
  uint64_t said;
  assert_int_equal(call_u64(ex, "clocks", "o", "say", 1, 9, true, "say-key", &said, &err), LOAM_OK);
  assert_int_equal(must_u64(ex, "clocks", "o", "env", 0, 0, NULL), 7);
  loam_worker_info wi;
  assert_true(loam_worker_get(ex, "clocks", "o", &wi, &err));
  assert_int_equal(wi.nenv, 2);
  assert_string_equal(wi.env[1], "LOAM_TEST_VALUE=7");
  assert_int_equal(wi.nargs, 1);
  assert_string_equal(wi.args[0], "--flag");
  char *json = loam_worker_oplog_json(ex, "clocks", "o", 0, 0, &err);
  assert_non_null(json);
  assert_non_null(strstr(json, "\"kind\":\"create\""));
  assert_non_null(strstr(json, "\"idempotencyKey\":\"say-key\""));
  assert_non_null(strstr(json, "hello 9"));              /* the LOG entry */
  assert_non_null(strstr(json, "environ_get"));          /* a recorded host call */
  assert_non_null(strstr(json, "\"params\":[9]"));
  free(json);
  json = loam_worker_oplog_json(ex, "clocks", "o", 2, 1, &err);
  assert_non_null(json);
  assert_non_null(strstr(json, "\"index\":2"));
  assert_null(strstr(json, "\"index\":3"));
  free(json);
  loam_retry_options r = {1, 1, 1, 1.0, 0};
  assert_true(loam_worker_set_retry(ex, "clocks", "o", &r, &err));
  json = loam_worker_oplog_json(ex, "clocks", "o", 0, 0, &err);
  assert_non_null(strstr(json, "retry-policy"));
  free(json);
  loam_executor_close(ex);
  remove_dir(dir);
  free(dir);
}

static void test_delete_worker(void **state) {
  (void)state;
  char *dir = temp_dir();
  loam_executor_options o = fast_opts();
  loam_executor *ex = open_dir(dir, &o);
  loam_error err = {0};
  assert_non_null(register_guest(ex, "counter", "counter", &err));
  assert_int_equal(must_u64(ex, "counter", "d", "inc-by", 1, 3, NULL), 3);
  assert_true(loam_worker_delete(ex, "counter", "d", &err));
  loam_worker_info wi;
  assert_false(loam_worker_get(ex, "counter", "d", &wi, &err));
  /* a new worker of the same name starts from zero */
  assert_int_equal(must_u64(ex, "counter", "d", "inc-by", 1, 1, NULL), 1);
  loam_executor_close(ex);
  remove_dir(dir);
  free(dir);
}

/* Invokes `fn` of the cart template with JSON params; returns the result
 * as JSON (malloc'd). */
static char *cart_call(loam_executor *ex, const char *fn, const char *params_json) {
  loam_error err = {0};
  const loam_template_info *t = loam_template_get(ex, "cart", 0, &err);
  assert_non_null(t);
  const loam_export_info *e = loam_template_find_export(t, fn, &err);
  assert_non_null(e);
  loam_value *p[4] = {0};
  assert_true(e->func->nparams <= 1);
  if (e->func->nparams) {
    loam_verr verr;
    p[0] = loam_value_from_json(e->func->params[0].type, params_json, strlen(params_json),
                                 "params[0]", &verr);
    if (!p[0]) fail_msg("json: %s", verr.message);
  }
  loam_invoke_result r = {0};
  if (loam_invoke_and_await(ex, "cart", "u1", fn, p, e->func->nparams, NULL, &r, &err) != LOAM_OK)
    fail_msg("%s: %s", fn, err.message);
  loam_value_free(p[0]);
  char *json = loam_value_to_json(r.values[0]);
  loam_invoke_result_free(&r);
  return json;
}

static void test_loam_build_guest(void **state) {
  (void)state;
  char *dir = temp_dir();
  loam_executor_options o = fast_opts();
  loam_executor *ex = open_dir(dir, &o);
  loam_error err = {0};
  const loam_template_info *t = register_guest(ex, "cart", "cart", &err);
  if (!t) fail_msg("register: %s", err.message);
  assert_int_equal(t->nexports, 2);
  assert_string_equal(t->exports[0].name, "demo:cart/api.{add}");
  char *r = cart_call(ex, "add", "{\"name\": \"mug\", \"qty\": 2}");
  assert_string_equal(r, "2");
  free(r);
  r = cart_call(ex, "demo:cart/api.{add}", "{\"name\": \"tea \u00e9\", \"qty\": 1}");
  assert_string_equal(r, "3");
  free(r);
  loam_executor_close(ex);
  ex = open_dir(dir, &o);
  r = cart_call(ex, "names", NULL);
  assert_string_equal(r, "[\"mug\",\"mug\",\"tea \u00e9\"]");
  free(r);
  loam_executor_close(ex);
  remove_dir(dir);
  free(dir);
}

static void test_idle_suspend(void **state) {
  (void)state;
  char *dir = temp_dir();
  loam_executor_options o = fast_opts();
  o.idle_suspend_ms = 30;
  loam_executor *ex = open_dir(dir, &o);
  loam_error err = {0};
  assert_non_null(register_guest(ex, "counter", "counter", &err));
  assert_int_equal(must_u64(ex, "counter", "i", "inc-by", 1, 6, NULL), 6);
  loam_worker_info wi;
  for (int k = 0; k < 200; k++) {
    usleep(10000);
    assert_true(loam_worker_get(ex, "counter", "i", &wi, &err));
    if (wi.status == LOAM_WS_SUSPENDED) break;
  }
  assert_int_equal(wi.status, LOAM_WS_SUSPENDED);
  loam_executor_stats st;
  loam_executor_stats_get(ex, &st);
  assert_int_equal(st.active_workers, 0);
  assert_true(st.snapshots >= 1); /* suspending took a snapshot */
  assert_int_equal(must_u64(ex, "counter", "i", "inc-by", 1, 1, NULL), 7);
  loam_executor_close(ex);
  remove_dir(dir);
  free(dir);
}

/* Appends one encoded entry to worker `id`'s oplog through the store. */
static void raw_append(loam_ds *ds, int64_t id, loam_oplog_entry *e) {
  loam_buf b = {0};
  loam_error err;
  assert_true(loam_oplog_encode(e, &b));
  loam_ds_ticket t = loam_ds_append(ds, id, e->kind, b.data, b.len, NULL, &err);
  assert_true(t && loam_ds_wait(ds, t, &err));
  loam_buf_free(&b);
}

static void test_replay_divergence(void **state) {
  (void)state;
  char *dir = temp_dir();
  loam_executor_options o = fast_opts();
  o.snapshot_every_invocations = 0;
  o.snapshot_every_bytes = 0;
  loam_executor *ex = open_dir(dir, &o);
  loam_error err = {0};
  assert_non_null(register_guest(ex, "clocks", "clocks", &err));
  must_u64(ex, "clocks", "v", "now", 0, 0, NULL);
  loam_executor_close(ex);
  /* forge a finished invocation of `now` whose recorded host call is
   * random_get: replaying it must notice the guest asks for the clock */
  loam_ds *ds = loam_ds_open(dir, NULL, &err);
  assert_non_null(ds);
  loam_ds_worker w;
  assert_true(loam_ds_worker_find(ds, "clocks", "v", &w, &err));
  loam_oplog_entry e = {.kind = LOAM_OPLOG_INVOKE_START};
  e.u.invoke.function = "loam:clocks/api.{now}";
  e.u.invoke.key = "forged";
  raw_append(ds, w.id, &e);
  uint8_t payload[8 + 8 + 8] = {0};
  e = (loam_oplog_entry){.kind = LOAM_OPLOG_HOST_CALL};
  e.u.host.index = (uint32_t)loam_wasi_func_index("random_get");
  e.u.host.name = "wasi_snapshot_preview1.random_get";
  e.u.host.result = (loam_oplog_bytes){payload, 8};
  raw_append(ds, w.id, &e);
  e = (loam_oplog_entry){.kind = LOAM_OPLOG_INVOKE_END};
  e.u.end.key = "forged";
  e.u.end.ok = true;
  e.u.end.result = (loam_oplog_bytes){payload, 1};
  raw_append(ds, w.id, &e);
  loam_ds_worker_clear(&w);
  loam_ds_close(ds);
  ex = open_dir(dir, &o);
  uint64_t v;
  assert_int_not_equal(call_u64(ex, "clocks", "v", "now", 0, 0, false, NULL, &v, &err), LOAM_OK);
  assert_non_null(strstr(err.message, "replay diverged"));
  assert_non_null(strstr(err.message, "clock_time_get"));
  loam_worker_info wi;
  assert_true(loam_worker_get(ex, "clocks", "v", &wi, &err));
  assert_int_equal(wi.status, LOAM_WS_FAILED);
  assert_non_null(strstr(wi.last_error, "random_get"));
  loam_executor_close(ex);
  remove_dir(dir);
  free(dir);
}

static void test_exit(void **state) {
  (void)state;
  char *dir = temp_dir();
  loam_executor_options o = fast_opts();
  loam_executor *ex = open_dir(dir, &o);
  loam_error err = {0};
  assert_non_null(register_guest(ex, "clocks", "clocks", &err));
  loam_value *code = loam_value_uint(loam_type_prim(LOAM_T_U32), 3);
  loam_invoke_result r = {0};
  assert_int_equal(loam_invoke_and_await(ex, "clocks", "x", "quit", &code, 1, NULL, &r, &err),
                   LOAM_TRAP_EXIT);
  loam_value_free(code);
  loam_worker_info wi;
  assert_true(loam_worker_get(ex, "clocks", "x", &wi, &err));
  assert_int_equal(wi.status, LOAM_WS_EXITED);
  assert_non_null(strstr(wi.last_error, "exited with code 3"));
  uint64_t v;
  assert_int_not_equal(call_u64(ex, "clocks", "x", "digest", 0, 0, false, NULL, &v, &err), LOAM_OK);
  assert_non_null(strstr(err.message, "Exited"));
  loam_executor_close(ex);
  remove_dir(dir);
  free(dir);
}

static void test_versions(void **state) {
  (void)state;
  char *dir = temp_dir();
  loam_executor_options o = fast_opts();
  loam_executor *ex = open_dir(dir, &o);
  loam_error err = {0};
  assert_non_null(register_guest(ex, "app", "counter", &err));
  assert_int_equal(must_u64(ex, "app", "old", "inc-by", 1, 2, NULL), 2);
  /* version 2 of "app" is a different module: old workers stay on 1 */
  const loam_template_info *v2 = register_guest(ex, "app", "clocks", &err);
  assert_non_null(v2);
  assert_int_equal(v2->version, 2);
  assert_int_equal(must_u64(ex, "app", "old", "inc-by", 1, 3, NULL), 5);
  must_u64(ex, "app", "new", "random", 0, 0, NULL);
  loam_worker_info wi;
  assert_true(loam_worker_get(ex, "app", "old", &wi, &err));
  assert_int_equal(wi.template_version, 1);
  assert_true(loam_worker_get(ex, "app", "new", &wi, &err));
  assert_int_equal(wi.template_version, 2);
  loam_executor_close(ex);
  ex = open_dir(dir, &o);
  assert_int_equal(must_u64(ex, "app", "old", "get", 0, 0, NULL), 5);
  assert_non_null(loam_template_get(ex, "app", 1, &err));
  assert_int_equal(loam_template_get(ex, "app", 0, &err)->version, 2);
  /* the newest version is cached from then on; a registration moves it */
  assert_non_null(register_guest(ex, "app", "counter", &err));
  assert_int_equal(loam_template_get(ex, "app", 0, &err)->version, 3);
  assert_int_equal(loam_template_get(ex, "app", 2, &err)->version, 2);
  assert_int_equal(loam_template_get(ex, "app", 0, &err)->version, 3);
  loam_executor_close(ex);
  remove_dir(dir);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_template_exports),
      cmocka_unit_test(test_invoke_and_restart),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_idempotency_sequential),
      cmocka_unit_test(test_idempotency_concurrent),
      cmocka_unit_test(test_key_rows_only_for_known_keys),
      cmocka_unit_test(test_clocks_replay),
      cmocka_unit_test(test_retry_then_failed),
      cmocka_unit_test(test_interrupt_resume),
      cmocka_unit_test(test_fuel_limit),
      cmocka_unit_test(test_snapshots_and_suspend),
      cmocka_unit_test(test_oplog_json_and_info),
      cmocka_unit_test(test_delete_worker),
      cmocka_unit_test(test_loam_build_guest),
      cmocka_unit_test(test_idle_suspend),
      cmocka_unit_test(test_replay_divergence),
      cmocka_unit_test(test_exit),
      cmocka_unit_test(test_versions),
  };
  if (getenv("TEST_FILTER")) cmocka_set_test_filter(getenv("TEST_FILTER"));
  return cmocka_run_group_tests(tests, NULL, NULL);
}
