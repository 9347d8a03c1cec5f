/*
 * test_wasi.c — unit tests of the WASI preview1 host: each call driven
 * through wasi_dispatch against a fake guest memory (layouts, errnos, bad
 * pointers, the sandbox, the hook), then whole modules through the engine
 * (every import links with its type; fd_write and proc_exit end to end).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "host/wasi_int.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

enum { MEM = 65536 };

/* A context, a fake guest memory and a scratch directory per test. */
typedef struct fixture {
  loam_wasi *w;
  uint8_t mem[MEM];
  char dir[64];
  int out[2]; /* pipe behind guest fd 1 */
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  assert_non_null(f);
  strcpy(f->dir, "/tmp/loam-test-wasi-XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  assert_int_equal(pipe(f->out), 0);
  const char *argv[] = {"prog", "a b", ""};
  const char *env[] = {"K=V", "EMPTY="};
  loam_wasi_preopen pre = {f->dir, "/sandbox"};
  loam_wasi_config cfg = {3, argv, 2, env, 1, &pre, -1, f->out[1], -1};
  loam_error err;
  f->w = loam_wasi_new(&cfg, &err);
  assert_non_null(f->w);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  loam_wasi_free(f->w);
  close(f->out[0]);
  close(f->out[1]);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
  assert_int_equal(system(cmd), 0);
  free(f);
  return 0;
}

/* Calls WASI function `name` with the n argument slots in `args`; returns
 * the errno it answered (or -1 for a trap). */
static int call(fixture *f, const char *name, const uint64_t *args, size_t n) {
  uint64_t slots[16] = {0};
  memcpy(slots, args, n * sizeof *args);
  long idx = loam_wasi_func_index(name);
  assert_true(idx >= 0);
  wasi_ctx k = {f->w, f->mem, MEM, slots, 0};
  loam_status st = wasi_dispatch(f->w, (size_t)idx, NULL, &k);
  if (st != LOAM_OK) return -1;
  return (int)slots[0];
}
#define C(f, name, ...)                             \
  call(f, name, (const uint64_t[]){__VA_ARGS__}, \
       sizeof((const uint64_t[]){__VA_ARGS__}) / 8)

static uint32_t rd32(fixture *f, uint32_t a) { return wasi_le32(f->mem + a); }
static uint64_t rd64(fixture *f, uint32_t a) { return wasi_le64(f->mem + a); }
static void wr32(fixture *f, uint32_t a, uint32_t v) { wasi_set32(f->mem + a, v); }

/* Puts a string at addr; returns its length. */
static uint64_t str(fixture *f, uint32_t addr, const char *s) {
  memcpy(f->mem + addr, s, strlen(s));
  return strlen(s);
}

/* ---- the table ---------------------------------------------------------- */

static void test_table(void **state) {
  (void)state;
  size_t n = loam_wasi_func_count();
  assert_true(n >= 45);
  for (size_t i = 0; i < n; i++) {
    assert_non_null(strchr(loam_wasi_func_type(i), ':'));
    assert_int_equal(loam_wasi_func_index(loam_wasi_func_name(i)), (long)i);
  }
  assert_null(loam_wasi_func_name(n));
  assert_int_equal(loam_wasi_func_index("no_such_call"), -1);
  assert_string_equal(loam_wasi_func_type(loam_wasi_func_index("path_open")),
                      "iiiiiIIii:i");
}

/* ---- args, environ, clocks, random ------------------------------------------- */

static void test_args(void **state) {
  fixture *f = *state;
  assert_int_equal(C(f, "args_sizes_get", 0, 4), 0);
  assert_int_equal(rd32(f, 0), 3);
  assert_int_equal(rd32(f, 4), 5 + 4 + 1);
  assert_int_equal(C(f, "args_get", 100, 200), 0);
  assert_int_equal(rd32(f, 100), 200);
  assert_string_equal((char *)f->mem + rd32(f, 100), "prog");
  assert_string_equal((char *)f->mem + rd32(f, 104), "a b");
  assert_string_equal((char *)f->mem + rd32(f, 108), "");
  assert_int_equal(C(f, "environ_sizes_get", 0, 4), 0);
  assert_int_equal(rd32(f, 0), 2);
  assert_int_equal(rd32(f, 4), 4 + 7);
  assert_int_equal(C(f, "environ_get", 100, 200), 0);
  assert_string_equal((char *)f->mem + rd32(f, 104), "EMPTY=");
  /* the strings would run off the end of memory */
  assert_int_equal(C(f, "args_get", 100, MEM - 3), WASI_EFAULT);
  assert_int_equal(C(f, "args_sizes_get", MEM - 2, 4), WASI_EFAULT);
}

static void test_clock_random(void **state) {
  fixture *f = *state;
  assert_int_equal(C(f, "clock_time_get", 1, 0, 8), 0);
  uint64_t a = rd64(f, 8);
  assert_int_equal(C(f, "clock_time_get", 1, 0, 8), 0);
  assert_true(rd64(f, 8) >= a);
  assert_int_equal(C(f, "clock_time_get", 0, 0, 8), 0);
  assert_true(rd64(f, 8) > UINT64_C(1577836800) * 1000000000u);
  assert_int_equal(C(f, "clock_time_get", 9, 0, 8), WASI_EINVAL);
  assert_int_equal(C(f, "clock_res_get", 1, 8), 0);
  assert_true(rd64(f, 8) > 0);
  assert_int_equal(C(f, "clock_time_get", 1, 0, MEM - 7), WASI_EFAULT);
  assert_int_equal(C(f, "random_get", 0, 64), 0);
  int nonzero = 0;
  for (int i = 0; i < 64; i++) nonzero |= f->mem[i];
  assert_true(nonzero);
  assert_int_equal(C(f, "random_get", MEM - 10, 11), WASI_EFAULT);
  assert_int_equal(C(f, "random_get", 0xFFFFFFFFu, 2), WASI_EFAULT);
  assert_int_equal(C(f, "sched_yield", 0), 0);
  assert_int_equal(C(f, "sock_accept", 3, 0, 0), WASI_ENOSYS);
}

/* ---- fd_write and bad pointers ------------------------------------------------- */

static void test_fd_write(void **state) {
  fixture *f = *state;
  /* two iovecs at 0: "hello " and "world\n" */
  wr32(f, 0, 100), wr32(f, 4, (uint32_t)str(f, 100, "hello "));
  wr32(f, 8, 200), wr32(f, 12, (uint32_t)str(f, 200, "world\n"));
  assert_int_equal(C(f, "fd_write", 1, 0, 2, 16), 0);
  assert_int_equal(rd32(f, 16), 12);
  char buf[32] = {0};
  assert_int_equal(read(f->out[0], buf, sizeof buf), 12);
  assert_string_equal(buf, "hello world\n");
  /* bad pointers: nothing is written */
  assert_int_equal(C(f, "fd_write", 1, MEM - 4, 1, 16), WASI_EFAULT);
  assert_int_equal(C(f, "fd_write", 1, 0, 2, MEM - 1), WASI_EFAULT);
  assert_int_equal(C(f, "fd_write", 1, 0, 0x20000000u, 16), WASI_EFAULT);
  wr32(f, 8, MEM - 2);
  assert_int_equal(C(f, "fd_write", 1, 0, 2, 16), WASI_EFAULT);
  /* closed and unknown fds */
  wr32(f, 8, 200);
  assert_int_equal(C(f, "fd_write", 0, 0, 2, 16), WASI_EBADF);
  assert_int_equal(C(f, "fd_write", 77, 0, 2, 16), WASI_EBADF);
  assert_int_equal(C(f, "fd_write", 0xFFFFFFFFu, 0, 2, 16), WASI_EBADF);
  assert_int_equal(C(f, "fd_seek", 1, 0, 0, 24), WASI_ESPIPE);
}

static void test_no_memory(void **state) {
  fixture *f = *state;
  uint64_t slots[4] = {1, 0, 0, 16};
  wasi_ctx k = {f->w, NULL, 0, slots, 0};
  assert_int_equal(wasi_dispatch(f->w, (size_t)loam_wasi_func_index("fd_write"),
                                 NULL, &k), LOAM_OK);
  assert_int_equal(slots[0], WASI_EFAULT);
}

/* ---- preopens and files ---------------------------------------------------------- */

static void test_prestat(void **state) {
  fixture *f = *state;
  assert_int_equal(C(f, "fd_prestat_get", 3, 0), 0);
  assert_int_equal(f->mem[0], 0);
  assert_int_equal(rd32(f, 4), 8);
  assert_int_equal(C(f, "fd_prestat_dir_name", 3, 16, 8), 0);
  assert_memory_equal(f->mem + 16, "/sandbox", 8);
  assert_int_equal(C(f, "fd_prestat_dir_name", 3, 16, 3), WASI_ENAMETOOLONG);
  assert_int_equal(C(f, "fd_prestat_get", 4, 0), WASI_EBADF);
  assert_int_equal(C(f, "fd_prestat_get", 1, 0), WASI_EBADF);
  assert_int_equal(C(f, "fd_fdstat_get", 3, 0), 0);
  assert_int_equal(f->mem[0], WASI_FT_DIR);
}

/* Opens path (at 1000) in preopen 3; returns the errno, fd at 8. */
static int open_path(fixture *f, const char *path, uint32_t oflags,
                     uint64_t rights, int follow) {
  uint64_t len = str(f, 1000, path);
  return C(f, "path_open", 3, follow, 1000, len, oflags, rights, 0, 0, 8);
}

static void test_files(void **state) {
  fixture *f = *state;
  uint64_t rw = WASI_RIGHT_FD_READ | WASI_RIGHT_FD_WRITE;
  assert_int_equal(open_path(f, "new.txt", WASI_O_CREAT, rw, 1), 0);
  uint32_t fd = rd32(f, 8);
  assert_true(fd >= 4);
  wr32(f, 0, 100), wr32(f, 4, (uint32_t)str(f, 100, "0123456789"));
  assert_int_equal(C(f, "fd_write", fd, 0, 1, 16), 0);
  assert_int_equal(C(f, "fd_tell", fd, 24), 0);
  assert_int_equal(rd64(f, 24), 10);
  assert_int_equal(C(f, "fd_seek", fd, (uint64_t)-4, 2, 24), 0); /* END-4 */
  assert_int_equal(rd64(f, 24), 6);
  assert_int_equal(C(f, "fd_seek", fd, 0, 3, 24), WASI_EINVAL);
  wr32(f, 0, 300), wr32(f, 4, 16);
  assert_int_equal(C(f, "fd_read", fd, 0, 1, 16), 0);
  assert_int_equal(rd32(f, 16), 4);
  assert_memory_equal(f->mem + 300, "6789", 4);
  assert_int_equal(C(f, "fd_filestat_get", fd, 400), 0);
  assert_int_equal(f->mem[400 + 16], WASI_FT_REG);
  assert_int_equal(rd64(f, 400 + 32), 10);
  assert_int_equal(C(f, "fd_fdstat_get", fd, 500), 0);
  assert_int_equal(f->mem[500], WASI_FT_REG);
  assert_int_equal(rd64(f, 508), rw);
  /* times: explicit mtime; ATIM with ATIM_NOW is contradictory */
  assert_int_equal(C(f, "fd_filestat_set_times", fd, 0, UINT64_C(7000000000),
                     WASI_FST_MTIM), 0);
  assert_int_equal(C(f, "fd_filestat_get", fd, 400), 0);
  assert_int_equal(rd64(f, 400 + 48), UINT64_C(7000000000));
  assert_int_equal(C(f, "fd_filestat_set_times", fd, 0, 0,
                     WASI_FST_ATIM | WASI_FST_ATIM_NOW), WASI_EINVAL);
  assert_int_equal(C(f, "fd_allocate", fd, 0, 100), 0);
  assert_int_equal(C(f, "fd_filestat_set_size", fd, 10), 0);
  assert_int_equal(C(f, "fd_close", fd), 0);
  assert_int_equal(C(f, "fd_close", fd), WASI_EBADF);
  /* a hard link inside the sandbox, never out of it */
  uint64_t ol = str(f, 1000, "new.txt"), nl = str(f, 1100, "hard.txt");
  assert_int_equal(C(f, "path_link", 3, 0, 1000, ol, 3, 1100, nl), 0);
  nl = str(f, 1100, "../hard.txt");
  assert_int_equal(C(f, "path_link", 3, 0, 1000, ol, 3, 1100, nl),
                   WASI_ENOTCAPABLE);
  nl = str(f, 1100, "hard.txt");
  assert_int_equal(C(f, "path_unlink_file", 3, 1100, nl), 0);
  /* directories and names */
  uint64_t len = str(f, 1000, "d");
  assert_int_equal(C(f, "path_create_directory", 3, 1000, len), 0);
  assert_int_equal(C(f, "path_create_directory", 3, 1000, len), WASI_EEXIST);
  len = str(f, 1000, "new.txt"), str(f, 1100, "d/moved");
  assert_int_equal(C(f, "path_rename", 3, 1000, len, 3, 1100, 7), 0);
  len = str(f, 1000, "d/moved");
  assert_int_equal(C(f, "path_filestat_get", 3, 0, 1000, len, 400), 0);
  assert_int_equal(rd64(f, 400 + 32), 10);
  assert_int_equal(C(f, "path_remove_directory", 3, 1100, 1), WASI_ENOTEMPTY);
  assert_int_equal(C(f, "path_unlink_file", 3, 1000, len), 0);
  assert_int_equal(C(f, "path_unlink_file", 3, 1000, len), WASI_ENOENT);
  assert_int_equal(C(f, "path_remove_directory", 3, 1100, 1), 0);
  assert_int_equal(open_path(f, "missing", 0, rw, 1), WASI_ENOENT);
  assert_int_equal(C(f, "path_open", 3, 0, MEM - 2, 5, 0, rw, 0, 0, 8),
                   WASI_EFAULT);
}

static void test_sandbox(void **state) {
  fixture *f = *state;
  char p[128];
  snprintf(p, sizeof p, "%s/sub", f->dir);
  assert_int_equal(mkdir(p, 0700), 0);
  snprintf(p, sizeof p, "%s/abs", f->dir);
  assert_int_equal(symlink("/etc", p), 0);
  snprintf(p, sizeof p, "%s/up", f->dir);
  assert_int_equal(symlink("sub/../..", p), 0);
  snprintf(p, sizeof p, "%s/in", f->dir);
  assert_int_equal(symlink("sub", p), 0);
  snprintf(p, sizeof p, "%s/loop", f->dir);
  assert_int_equal(symlink("loop", p), 0);
  uint64_t r = WASI_RIGHT_FD_READ;
  assert_int_equal(open_path(f, "..", 0, r, 1), WASI_ENOTCAPABLE);
  assert_int_equal(open_path(f, "../x", 0, r, 1), WASI_ENOTCAPABLE);
  assert_int_equal(open_path(f, "/etc/passwd", 0, r, 1), WASI_ENOTCAPABLE);
  assert_int_equal(open_path(f, "sub/../../x", 0, r, 1), WASI_ENOTCAPABLE);
  assert_int_equal(open_path(f, "abs/passwd", 0, r, 1), WASI_ENOTCAPABLE);
  assert_int_equal(open_path(f, "abs", 0, r, 1), WASI_ENOTCAPABLE);
  assert_int_equal(open_path(f, "abs", 0, r, 0), WASI_ELOOP);
  assert_int_equal(open_path(f, "up/x", 0, r, 1), WASI_ENOTCAPABLE);
  assert_int_equal(open_path(f, "loop/x", 0, r, 1), WASI_ELOOP);
  assert_int_equal(open_path(f, "in", WASI_O_DIRECTORY, r, 1), 0);
  assert_int_equal(open_path(f, "sub/..", WASI_O_DIRECTORY, r, 1), 0);
  assert_int_equal(open_path(f, ".", WASI_O_DIRECTORY, r, 1), 0);
  assert_int_equal(open_path(f, "", 0, r, 1), WASI_ENOENT);
  memcpy(f->mem + 1000, "a\0b", 3);
  assert_int_equal(C(f, "path_open", 3, 1, 1000, 3, 0, r, 0, 0, 8), WASI_EINVAL);
  /* not a directory fd */
  assert_int_equal(C(f, "path_open", 1, 1, 1000, 1, 0, r, 0, 0, 8), WASI_ENOTDIR);
  /* symlinks made by the guest: absolute targets are refused */
  uint64_t tl = str(f, 1200, "/etc"), nl = str(f, 1300, "ln");
  assert_int_equal(C(f, "path_symlink", 1200, tl, 3, 1300, nl), WASI_ENOTCAPABLE);
  tl = str(f, 1200, "sub");
  assert_int_equal(C(f, "path_symlink", 1200, tl, 3, 1300, nl), 0);
  assert_int_equal(open_path(f, "ln", WASI_O_DIRECTORY, r, 1), 0);
  assert_int_equal(C(f, "path_readlink", 3, 1300, nl, 1400, 64, 8), 0);
  assert_int_equal(rd32(f, 8), 3);
  assert_memory_equal(f->mem + 1400, "sub", 3);
}

/* Lists preopen 3 with fd_readdir through a small buffer (entries split
 * across calls); returns how many names other than . and .. it saw. */
static int count_entries(fixture *f, uint32_t bufsize) {
  uint64_t cookie = 0;
  int names = 0;
  uint8_t acc[8192];
  uint32_t have = 0;
  for (;;) {
    assert_int_equal(C(f, "fd_readdir", 3, 2000, bufsize, cookie, 8), 0);
    uint32_t used = rd32(f, 8);
    memcpy(acc + have, f->mem + 2000, used);
    have += used;
    /* consume complete entries */
    uint32_t off = 0;
    while (have - off >= 24) {
      uint32_t nl = wasi_le32(acc + off + 16);
      if (have - off < 24 + nl) break;
      cookie = wasi_le64(acc + off);
      if (!(nl == 1 && acc[off + 24] == '.') &&
          !(nl == 2 && !memcmp(acc + off + 24, "..", 2)))
        names++;
      off += 24 + nl;
    }
    if (used < bufsize) return names;
    have = 0; /* restart from the last complete entry's cookie */
  }
}

static void test_readdir(void **state) {
  fixture *f = *state;
  for (int i = 0; i < 30; i++) {
    char p[128];
    snprintf(p, sizeof p, "%s/entry-number-%02d", f->dir, i);
    int fd = open(p, O_CREAT | O_WRONLY, 0600);
    assert_true(fd >= 0);
    close(fd);
  }
  assert_int_equal(count_entries(f, 4096), 30);
  assert_int_equal(count_entries(f, 100), 30);
  assert_int_equal(count_entries(f, 40), 30);
  assert_int_equal(C(f, "fd_readdir", 1, 2000, 100, 0, 8), WASI_ENOTDIR);
  assert_int_equal(C(f, "fd_readdir", 3, MEM - 10, 100, 0, 8), WASI_EFAULT);
}

/* ---- poll_oneoff and proc_exit ------------------------------------------------------ */

static void test_poll(void **state) {
  fixture *f = *state;
  memset(f->mem, 0, 256);
  /* subscription 0: relative clock, 2 ms, userdata 0x1234 */
  wasi_set64(f->mem, 0x1234);
  f->mem[8] = 0;
  wasi_set32(f->mem + 16, 1);
  wasi_set64(f->mem + 24, 2000000);
  uint64_t t0, t1;
  assert_int_equal(C(f, "clock_time_get", 1, 0, 200), 0);
  t0 = rd64(f, 200);
  assert_int_equal(C(f, "poll_oneoff", 0, 100, 1, 96), 0);
  assert_int_equal(C(f, "clock_time_get", 1, 0, 200), 0);
  t1 = rd64(f, 200);
  assert_true(t1 - t0 >= 2000000);
  assert_int_equal(rd32(f, 96), 1);
  assert_int_equal(rd64(f, 100), 0x1234);
  assert_int_equal(f->mem[108] | f->mem[109] << 8, 0); /* error */
  assert_int_equal(f->mem[110], 0);                    /* type clock */
  /* add an fd_read subscription on stdout: it fires at once, alone */
  wasi_set64(f->mem + 48, 0x99);
  f->mem[56] = 1;
  wasi_set32(f->mem + 64, 1);
  assert_int_equal(C(f, "poll_oneoff", 0, 100, 2, 96), 0);
  assert_int_equal(rd32(f, 96), 1);
  assert_int_equal(rd64(f, 100), 0x99);
  assert_int_equal(f->mem[110], 1);
  assert_int_equal(C(f, "poll_oneoff", 0, 100, 0, 96), WASI_EINVAL);
  assert_int_equal(C(f, "poll_oneoff", MEM - 40, 100, 1, 96), WASI_EFAULT);
}

static void test_proc_exit(void **state) {
  fixture *f = *state;
  uint64_t slots[1] = {7};
  wasi_ctx k = {f->w, f->mem, MEM, slots, 0};
  assert_int_equal(wasi_dispatch(f->w, (size_t)loam_wasi_func_index("proc_exit"),
                                 NULL, &k), LOAM_TRAP_EXIT);
  assert_int_equal(k.exit_code, 7);
}

/* ---- the hook ------------------------------------------------------------------ */

typedef struct hook_log {
  int before, after;
  size_t last_index;
  bool nondet;
  bool replay; /* answer clock_time_get without running it */
  size_t nargs;
  uint64_t arg2;
} hook_log;

static loam_status hook(void *user, loam_wasi_phase phase, loam_wasi_call *c) {
  hook_log *log = user;
  if (phase == LOAM_WASI_BEFORE) {
    log->before++;
    if (log->replay) {
      c->slots[0] = 0;
      c->skip = true;
    }
  } else {
    log->after++;
  }
  log->last_index = c->index;
  log->nargs = c->nargs;
  log->arg2 = c->nargs > 2 ? c->args[2] : 0;
  log->nondet = c->nondeterministic;
  return LOAM_OK;
}

static void test_hook(void **state) {
  fixture *f = *state;
  hook_log log = {0};
  loam_wasi_set_hook(f->w, hook, &log);
  wasi_set64(f->mem + 8, 42);
  assert_int_equal(C(f, "clock_time_get", 1, 0, 8), 0);
  assert_int_equal(log.before, 1);
  assert_int_equal(log.after, 1);
  assert_int_equal(log.last_index, (size_t)loam_wasi_func_index("clock_time_get"));
  assert_true(log.nondet);
  assert_int_equal(log.nargs, 3);
  assert_int_equal(log.arg2, 8); /* the result pointer, seen in AFTER */
  log.replay = true;
  wasi_set64(f->mem + 8, 42);
  assert_int_equal(C(f, "clock_time_get", 1, 0, 8), 0);
  assert_int_equal(rd64(f, 8), 42); /* the handler did not run */
  assert_int_equal(log.after, 2);
  loam_wasi_set_hook(f->w, NULL, NULL);
  assert_int_equal(C(f, "clock_time_get", 1, 0, 8), 0);
  assert_int_equal(log.before, 2);
}

/* ---- through the engine ------------------------------------------------------------- */

typedef struct buf { uint8_t *p; size_t len; } buf;

static void put(buf *b, const void *src, size_t n) {
  b->p = realloc(b->p, b->len + n);
  assert_non_null(b->p);
  memcpy(b->p + b->len, src, n);
  b->len += n;
}
static void put8(buf *b, uint8_t v) { put(b, &v, 1); }
static void leb(buf *b, uint32_t v) {
  do {
    uint8_t c = v & 0x7F;
    v >>= 7;
    put8(b, c | (v ? 0x80 : 0));
  } while (v);
}
static void name(buf *b, const char *s) { leb(b, (uint32_t)strlen(s)); put(b, s, strlen(s)); }
static void section(buf *m, uint8_t id, buf *c) {
  put8(m, id);
  leb(m, (uint32_t)c->len);
  put(m, c->p, c->len);
  free(c->p);
  *c = (buf){0};
}

/* A module importing every WASI function, with memory (iovec at 0 for
 * "hello\n" at 32) and a _start whose body is `code`. */
static buf wasi_module(const uint8_t *code, size_t ncode) {
  size_t n = loam_wasi_func_count();
  buf m = {0}, s = {0};
  put(&m, "\0asm\1\0\0\0", 8);
  leb(&s, (uint32_t)n + 1); /* types: one per import, then () -> () */
  for (size_t i = 0; i < n; i++) {
    const char *t = loam_wasi_func_type(i), *colon = strchr(t, ':');
    put8(&s, 0x60);
    leb(&s, (uint32_t)(colon - t));
    for (const char *p = t; p < colon; p++) put8(&s, *p == 'I' ? 0x7E : 0x7F);
    leb(&s, (uint32_t)strlen(colon + 1));
    for (const char *p = colon + 1; *p; p++) put8(&s, 0x7F);
  }
  put(&s, "\x60\0\0", 3);
  section(&m, 1, &s);
  leb(&s, (uint32_t)n);
  for (size_t i = 0; i < n; i++) {
    name(&s, "wasi_snapshot_preview1");
    name(&s, loam_wasi_func_name(i));
    put8(&s, 0);
    leb(&s, (uint32_t)i);
  }
  section(&m, 2, &s);
  put(&s, "\1", 1), leb(&s, (uint32_t)n), section(&m, 3, &s);
  put(&s, "\1\0\1", 3), section(&m, 5, &s);
  put(&s, "\2", 1), name(&s, "memory"), put(&s, "\2\0", 2);
  name(&s, "_start"), put8(&s, 0), leb(&s, (uint32_t)n), section(&m, 7, &s);
  buf body = {0};
  put(&body, "\0", 1), put(&body, code, ncode), put8(&body, 0x0B);
  put(&s, "\1", 1), leb(&s, (uint32_t)body.len), put(&s, body.p, body.len);
  free(body.p);
  section(&m, 10, &s);
  put(&s, "\2", 1);
  put(&s, "\0\x41\0\x0B\x08\x20\0\0\0\x06\0\0\0", 13);
  put(&s, "\0\x41\x20\x0B\x06hello\n", 11);
  section(&m, 11, &s);
  return m;
}

/* Instantiates the module and runs _start; returns the status, err filled. */
static loam_status run_module(fixture *f, buf m, loam_error *err) {
  loam_module *mod = loam_module_load(m.p, m.len, err);
  free(m.p);
  assert_non_null(mod);
  loam_store *s = loam_store_new(0);
  loam_linker *l = loam_linker_new();
  assert_true(loam_wasi_define(f->w, l, s));
  loam_instance *inst = loam_instantiate(s, mod, l, err);
  assert_non_null(inst);
  loam_status st = loam_call(s, loam_instance_func(inst, "_start"), NULL, 0,
                             NULL, 0, err);
  loam_linker_free(l);
  loam_store_free(s);
  loam_module_free(mod);
  return st;
}

static void test_engine_fd_write(void **state) {
  fixture *f = *state;
  uint32_t fdw = (uint32_t)loam_wasi_func_index("fd_write");
  /* i32.const 1, 0, 1, 16; call fd_write; drop */
  uint8_t code[] = {0x41, 1, 0x41, 0, 0x41, 1, 0x41, 16, 0x10, (uint8_t)fdw, 0x1A};
  loam_error err = {0};
  assert_int_equal(run_module(f, wasi_module(code, sizeof code), &err), LOAM_OK);
  char out[16] = {0};
  assert_int_equal(read(f->out[0], out, sizeof out), 6);
  assert_string_equal(out, "hello\n");
}

static void test_engine_proc_exit(void **state) {
  fixture *f = *state;
  uint32_t pe = (uint32_t)loam_wasi_func_index("proc_exit");
  uint8_t code[] = {0x41, 5, 0x10, (uint8_t)pe, 0x00 /* unreachable */};
  loam_error err = {0};
  assert_int_equal(run_module(f, wasi_module(code, sizeof code), &err),
                   LOAM_TRAP_EXIT);
  assert_int_equal(err.exit_code, 5);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_table),
      cmocka_unit_test_setup_teardown(test_args, setup, teardown),
      cmocka_unit_test_setup_teardown(test_clock_random, setup, teardown),
      cmocka_unit_test_setup_teardown(test_fd_write, setup, teardown),
      cmocka_unit_test_setup_teardown(test_no_memory, setup, teardown),
      cmocka_unit_test_setup_teardown(test_prestat, setup, teardown),
      cmocka_unit_test_setup_teardown(test_files, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sandbox, setup, teardown),
      cmocka_unit_test_setup_teardown(test_readdir, setup, teardown),
      cmocka_unit_test_setup_teardown(test_poll, setup, teardown),
      cmocka_unit_test_setup_teardown(test_proc_exit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_hook, setup, teardown),
      cmocka_unit_test_setup_teardown(test_engine_fd_write, setup, teardown),
      cmocka_unit_test_setup_teardown(test_engine_proc_exit, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
