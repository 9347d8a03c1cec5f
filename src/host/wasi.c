/*
 * host/wasi.c — the WASI context, its fd table, and the one dispatch table
 * from which every `wasi_snapshot_preview1` function is defined and through
 * which every call passes (so a hook sees them all).
 */
#include "host/wasi_int.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the dispatch table --------------------------------------------------- */

/* One WASI function: its import name, its core type (params:results, see
 * loam_functype), its handler, and whether its result depends on the world
 * outside the guest (what the durability layer must record). Types are those
 * clang/wasi-libc import (checked against the preview1 witx signatures). */
typedef struct wasi_entry {
  const char *name;
  const char *type;
  wasi_handler fn;
  bool nondet;
} wasi_entry;

#define H(n) wasi_h_##n
static const wasi_entry table[] = {
    {"args_get", "ii:i", H(args_get), false},
    {"args_sizes_get", "ii:i", H(args_sizes_get), false},
    {"environ_get", "ii:i", H(environ_get), true},
    {"environ_sizes_get", "ii:i", H(environ_sizes_get), true},
    {"clock_res_get", "ii:i", H(clock_res_get), true},
    {"clock_time_get", "iIi:i", H(clock_time_get), true},
    {"fd_advise", "iIIi:i", H(fd_advise), false},
    {"fd_allocate", "iII:i", H(fd_allocate), false},
    {"fd_close", "i:i", H(fd_close), false},
    {"fd_datasync", "i:i", H(fd_datasync), false},
    {"fd_fdstat_get", "ii:i", H(fd_fdstat_get), true},
    {"fd_fdstat_set_flags", "ii:i", H(fd_fdstat_set_flags), false},
    {"fd_fdstat_set_rights", "iII:i", H(fd_fdstat_set_rights), false},
    {"fd_filestat_get", "ii:i", H(fd_filestat_get), true},
    {"fd_filestat_set_size", "iI:i", H(fd_filestat_set_size), false},
    {"fd_filestat_set_times", "iIIi:i", H(fd_filestat_set_times), false},
    {"fd_pread", "iiiIi:i", H(fd_pread), true},
    {"fd_prestat_get", "ii:i", H(fd_prestat_get), false},
    {"fd_prestat_dir_name", "iii:i", H(fd_prestat_dir_name), false},
    {"fd_pwrite", "iiiIi:i", H(fd_pwrite), false},
    {"fd_read", "iiii:i", H(fd_read), true},
    {"fd_readdir", "iiiIi:i", H(fd_readdir), true},
    {"fd_renumber", "ii:i", H(fd_renumber), false},
    {"fd_seek", "iIii:i", H(fd_seek), true},
    {"fd_sync", "i:i", H(fd_sync), false},
    {"fd_tell", "ii:i", H(fd_tell), true},
    {"fd_write", "iiii:i", H(fd_write), false},
    {"path_create_directory", "iii:i", H(path_create_directory), false},
    {"path_filestat_get", "iiiii:i", H(path_filestat_get), true},
    {"path_filestat_set_times", "iiiiIIi:i", H(path_filestat_set_times), false},
    {"path_link", "iiiiiii:i", H(path_link), false},
    {"path_open", "iiiiiIIii:i", H(path_open), true},
    {"path_readlink", "iiiiii:i", H(path_readlink), true},
    {"path_remove_directory", "iii:i", H(path_remove_directory), false},
    {"path_rename", "iiiiii:i", H(path_rename), false},
    {"path_symlink", "iiiii:i", H(path_symlink), false},
    {"path_unlink_file", "iii:i", H(path_unlink_file), false},
    {"poll_oneoff", "iiii:i", H(poll_oneoff), true},
    {"proc_exit", "i:", H(proc_exit), false},
    {"proc_raise", "i:i", H(nosys), false},
    {"sched_yield", ":i", H(sched_yield), false},
    {"random_get", "ii:i", H(random_get), true},
    {"sock_accept", "iii:i", H(nosys), false},
    {"sock_recv", "iiiiii:i", H(nosys), false},
    {"sock_send", "iiiii:i", H(nosys), false},
    {"sock_shutdown", "ii:i", H(nosys), false},
};
#undef H

#define NTABLE (sizeof table / sizeof table[0])
#define WASI_MAX_PARAMS 9 /* path_open */

size_t loam_wasi_func_count(void) { return NTABLE; }

const char *loam_wasi_func_name(size_t index) {
  return index < NTABLE ? table[index].name : NULL;
}

const char *loam_wasi_func_type(size_t index) {
  return index < NTABLE ? table[index].type : NULL;
}

long loam_wasi_func_index(const char *name) {
  for (size_t i = 0; i < NTABLE; i++)
    if (!strcmp(table[i].name, name)) return (long)i;
  return -1;
}

/* True when entry e returns an errno (all but proc_exit). */
static bool has_result(const wasi_entry *e) {
  const char *colon = strchr(e->type, ':');
  return colon && colon[1] != '\0';
}

loam_status wasi_dispatch(loam_wasi *w, size_t index, loam_caller *caller,
                          wasi_ctx *k) {
  assert(index < NTABLE);
  const wasi_entry *e = &table[index];
  uint64_t args[WASI_MAX_PARAMS];
  size_t nargs = (size_t)(strchr(e->type, ':') - e->type);
  assert(nargs <= WASI_MAX_PARAMS);
  memcpy(args, k->slots, nargs * sizeof *args);
  loam_wasi_call call = {index, e->name, e->nondet, caller, k->slots,
                         args, nargs, false};
  loam_status st;
  if (w->hook && (st = w->hook(w->hook_user, LOAM_WASI_BEFORE, &call)))
    return st;
  int r = LOAM_WASI_ESUCCESS;
  if (!call.skip) {
    r = e->fn(k);
    if (r != WASI_TRAPPED && has_result(e)) k->slots[0] = (uint32_t)r;
  }
  if (w->hook && (st = w->hook(w->hook_user, LOAM_WASI_AFTER, &call)))
    return st;
  return r == WASI_TRAPPED ? LOAM_TRAP_EXIT : LOAM_OK;
}

/* ---- linking ---------------------------------------------------------------- */

/* What each defined host function carries: its context and table entry. */
struct wasi_binding {
  loam_wasi *w;
  size_t index;
};

/* The host function behind every WASI import: finds the guest memory and
 * hands over to wasi_dispatch. */
static loam_status wasi_host(loam_caller *c, uint64_t *slots, void *user) {
  struct wasi_binding *b = user;
  loam_memory *m = loam_caller_memory(c);
  wasi_ctx k = {b->w, m ? loam_memory_data(m) : NULL,
                m ? loam_memory_size(m) : 0, slots, 0};
  loam_status st = wasi_dispatch(b->w, b->index, c, &k);
  if (st == LOAM_TRAP_EXIT)
    return loam_caller_trap(c, LOAM_TRAP_EXIT, k.exit_code,
                            "exit with code %d", k.exit_code);
  return st;
}

bool loam_wasi_define(loam_wasi *w, loam_linker *l, loam_store *s) {
  if (!w->bindings) {
    w->bindings = calloc(NTABLE, sizeof *w->bindings);
    if (!w->bindings) return false;
  }
  for (size_t i = 0; i < NTABLE; i++) {
    w->bindings[i] = (struct wasi_binding){w, i};
    loam_func *f = loam_func_new_host(s, table[i].type, wasi_host,
                                      &w->bindings[i]);
    if (!f) return false;
    loam_extern ext = {.kind = LOAM_EXTERN_FUNC, .of.func = f};
    if (!loam_linker_define(l, "wasi_snapshot_preview1", table[i].name, ext))
      return false;
  }
  return true;
}

void loam_wasi_set_hook(loam_wasi *w, loam_wasi_hook hook, void *user) {
  w->hook = hook;
  w->hook_user = user;
}

/* ---- the fd table ------------------------------------------------------------ */

#define WASI_MAX_FDS 4096u

wasi_fd *wasi_fd_get(loam_wasi *w, uint32_t fd) {
  if (fd >= w->nfds || w->fds[fd].host < 0) return NULL;
  return &w->fds[fd];
}

/* Makes room for at least `n` slots; new slots are free. */
static bool fd_reserve(loam_wasi *w, uint32_t n) {
  if (n <= w->nfds) return true;
  uint32_t cap = w->nfds ? w->nfds * 2 : 8;
  while (cap < n) cap *= 2;
  wasi_fd *fds = realloc(w->fds, cap * sizeof *fds);
  if (!fds) return false;
  for (uint32_t i = w->nfds; i < cap; i++)
    fds[i] = (wasi_fd){.host = -1};
  w->fds = fds;
  w->nfds = cap;
  return true;
}

int64_t wasi_fd_add(loam_wasi *w, int host, uint8_t type) {
  uint32_t fd = 3; /* 0-2 stay stdio's even when closed */
  while (fd < w->nfds && w->fds[fd].host >= 0) fd++;
  if (fd >= WASI_MAX_FDS || !fd_reserve(w, fd + 1)) {
    close(host);
    return -1;
  }
  w->fds[fd] = (wasi_fd){.host = host, .owned = true, .type = type,
                        .rights = WASI_RIGHTS_ALL,
                        .inheriting = WASI_RIGHTS_ALL};
  return fd;
}

void wasi_fd_release(wasi_fd *e) {
  if (e->dir) closedir(e->dir);
  if (e->owned) close(e->host);
  free(e->preopen);
  *e = (wasi_fd){.host = -1};
}

/* ---- the context ---------------------------------------------------------------- */

/* A NULL-terminated copy of n strings; NULL when out of memory. */
static char **copy_strings(const char *const *src, size_t n) {
  char **dst = calloc(n + 1, sizeof *dst);
  if (!dst) return NULL;
  for (size_t i = 0; i < n; i++)
    if (!(dst[i] = strdup(src[i]))) {
      while (i--) free(dst[i]);
      free(dst);
      return NULL;
    }
  return dst;
}

static void free_strings(char **v) {
  if (!v) return;
  for (char **p = v; *p; p++) free(*p);
  free(v);
}

/* The WASI filetype of an open host fd (unknown if fstat fails). */
static uint8_t host_filetype(int fd) {
  struct stat st;
  return fstat(fd, &st) ? WASI_FT_UNKNOWN : wasi_filetype(st.st_mode);
}

/* Stdio: borrowed host fds. A stream that cannot seek (a terminal, a pipe)
 * lacks the seek and tell rights, which is how wasi-libc's isatty tells a
 * terminal (and so line-buffers stdout on one). */
static void set_stdio(loam_wasi *w, uint32_t fd, int host) {
  w->fds[fd] = (wasi_fd){.host = host, .owned = false,
                         .rights = WASI_RIGHTS_ALL,
                         .inheriting = WASI_RIGHTS_ALL};
  if (host < 0) return;
  w->fds[fd].type = host_filetype(host);
  if (lseek(host, 0, SEEK_CUR) < 0)
    w->fds[fd].rights &= ~(WASI_RIGHT_FD_SEEK | WASI_RIGHT_FD_TELL);
}

static bool add_preopen(loam_wasi *w, const loam_wasi_preopen *p,
                        loam_error *err) {
  int fd = open(p->host, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    err->code = LOAM_ERR_NOT_FOUND;
    snprintf(err->message, sizeof err->message,
             "cannot open directory %s: %s", p->host, strerror(errno));
    return false;
  }
  char *name = strdup(p->guest ? p->guest : p->host);
  int64_t g = name ? wasi_fd_add(w, fd, WASI_FT_DIR) : (close(fd), -1);
  if (g < 0) {
    free(name);
    err->code = LOAM_ERR_NOMEM;
    snprintf(err->message, sizeof err->message, "out of memory");
    return false;
  }
  w->fds[g].preopen = name;
  return true;
}

loam_wasi *loam_wasi_new(const loam_wasi_config *cfg, loam_error *err) {
  *err = (loam_error){0};
  loam_wasi *w = calloc(1, sizeof *w);
  if (!w) goto nomem;
  w->argc = cfg->argc;
  w->envc = cfg->envc;
  if (!(w->argv = copy_strings(cfg->argv, cfg->argc)) ||
      !(w->env = copy_strings(cfg->env, cfg->envc)) || !fd_reserve(w, 3))
    goto nomem;
  set_stdio(w, 0, cfg->stdin_fd);
  set_stdio(w, 1, cfg->stdout_fd);
  set_stdio(w, 2, cfg->stderr_fd);
  for (size_t i = 0; i < cfg->npreopens; i++)
    if (!add_preopen(w, &cfg->preopens[i], err)) goto fail;
  return w;
nomem:
  err->code = LOAM_ERR_NOMEM;
  snprintf(err->message, sizeof err->message, "out of memory");
fail:
  loam_wasi_free(w);
  return NULL;
}

void loam_wasi_free(loam_wasi *w) {
  if (!w) return;
  for (uint32_t i = 0; i < w->nfds; i++)
    if (w->fds[i].host >= 0) wasi_fd_release(&w->fds[i]);
  free(w->fds);
  free_strings(w->argv);
  free_strings(w->env);
  free(w->bindings);
  free(w);
}
