/*
 * host/wasi_int.h — what the WASI files (wasi.c, wasi_proc.c, wasi_fd.c,
 * wasi_path.c, wasi_errno.c) share: the context, the fd table, the call
 * record handlers receive and the bounds-checked guest memory helpers.
 * Not for use outside src/host/wasi*.c and their unit test.
 */
#ifndef LOAM_HOST_WASI_INT_H
#define LOAM_HOST_WASI_INT_H

#include "host/wasi.h"

#include <dirent.h>
#include <time.h>
#include <string.h>

/* WASI errno values used by the handlers (typenames.witx `errno`). */
enum {
  WASI_ESUCCESS = 0, WASI_E2BIG = 1, WASI_EACCES = 2, WASI_EAGAIN = 6, WASI_EBADF = 8,
  WASI_EBUSY = 10, WASI_EEXIST = 20, WASI_EFAULT = 21, WASI_EFBIG = 22,
  WASI_EINTR = 27, WASI_EINVAL = 28, WASI_EIO = 29, WASI_EISDIR = 31,
  WASI_ELOOP = 32, WASI_EMFILE = 33, WASI_EMLINK = 34,
  WASI_ENAMETOOLONG = 37, WASI_ENFILE = 41, WASI_ENOENT = 44,
  WASI_ENOMEM = 48, WASI_ENOSPC = 51, WASI_ENOSYS = 52, WASI_ENOTDIR = 54,
  WASI_ENOTEMPTY = 55, WASI_ENOTSUP = 58, WASI_ENOTTY = 59,
  WASI_EOVERFLOW = 61, WASI_EPERM = 63, WASI_EPIPE = 64, WASI_EROFS = 69,
  WASI_ESPIPE = 70, WASI_EXDEV = 75, WASI_ENOTCAPABLE = 76,
};

/* filetype (typenames.witx). */
enum {
  WASI_FT_UNKNOWN = 0, WASI_FT_BLOCK = 1, WASI_FT_CHAR = 2, WASI_FT_DIR = 3,
  WASI_FT_REG = 4, WASI_FT_SOCK_DGRAM = 5, WASI_FT_SOCK_STREAM = 6,
  WASI_FT_SYMLINK = 7,
};

/* fdflags, oflags, lookupflags (typenames.witx). */
enum { WASI_FDF_APPEND = 1, WASI_FDF_DSYNC = 2, WASI_FDF_NONBLOCK = 4,
       WASI_FDF_RSYNC = 8, WASI_FDF_SYNC = 16 };
enum { WASI_O_CREAT = 1, WASI_O_DIRECTORY = 2, WASI_O_EXCL = 4,
       WASI_O_TRUNC = 8 };
enum { WASI_LOOKUP_SYMLINK_FOLLOW = 1 };
/* fstflags (typenames.witx). */
enum { WASI_FST_ATIM = 1, WASI_FST_ATIM_NOW = 2, WASI_FST_MTIM = 4,
       WASI_FST_MTIM_NOW = 8 };
#define WASI_RIGHT_FD_READ (UINT64_C(1) << 1)
#define WASI_RIGHT_FD_SEEK (UINT64_C(1) << 2)
#define WASI_RIGHT_FD_TELL (UINT64_C(1) << 5)
#define WASI_RIGHT_FD_WRITE (UINT64_C(1) << 6)
#define WASI_RIGHTS_ALL ((UINT64_C(1) << 30) - 1) /* bits 0..29 */

/* A handler's result: a WASI errno, or WASI_TRAPPED when the call must stop
 * the guest (proc_exit; the call record says how). */
#define WASI_TRAPPED (-1)

/* One guest fd. host < 0 marks a free slot. */
typedef struct wasi_fd {
  int host;
  bool owned;       /* close `host` when the guest fd goes away */
  uint8_t type;     /* WASI filetype */
  uint64_t rights, inheriting; /* as fd_fdstat_get reports them */
  char *preopen;    /* the guest name of a preopened directory, else NULL */
  DIR *dir;         /* fd_readdir's stream (on a dup of host), or NULL */
  uint64_t dir_pos; /* the cookie `dir` is positioned at */
} wasi_fd;

struct loam_wasi {
  char **argv, **env;
  size_t argc, envc;
  wasi_fd *fds;
  uint32_t nfds;          /* slots in fds */
  loam_wasi_hook hook;
  void *hook_user;
  struct wasi_binding *bindings; /* one per table entry, made on define */
};

/* What a handler gets: the context, the guest memory and the slots. */
typedef struct wasi_ctx {
  loam_wasi *w;
  uint8_t *mem;      /* guest memory 0 (NULL if none) */
  uint64_t memsize;
  uint64_t *slots;
  int exit_code;     /* set by proc_exit with WASI_TRAPPED */
} wasi_ctx;

typedef int (*wasi_handler)(wasi_ctx *k);

/* Runs table entry `index` with the hook around it (the part of the
 * dispatch that needs no engine; the unit test drives it directly). Returns
 * LOAM_OK, LOAM_TRAP_EXIT with k->exit_code, or a hook's trap code. */
loam_status wasi_dispatch(loam_wasi *w, size_t index, loam_caller *caller,
                          wasi_ctx *k);

/* ---- guest memory: every access is bounds-checked ---------------------- */

/* [addr, addr+len) in guest memory, or NULL if any of it is outside. */
static inline uint8_t *wasi_ptr(wasi_ctx *k, uint64_t addr, uint64_t len) {
  if (!k->mem || addr > k->memsize || len > k->memsize - addr) return NULL;
  return k->mem + addr;
}

/* Little-endian stores and loads; false / 0 when out of bounds. */
static inline bool wasi_put_u8(wasi_ctx *k, uint64_t addr, uint8_t v) {
  uint8_t *p = wasi_ptr(k, addr, 1);
  if (p) *p = v;
  return p != NULL;
}
static inline bool wasi_put_u16(wasi_ctx *k, uint64_t addr, uint16_t v) {
  uint8_t *p = wasi_ptr(k, addr, 2);
  if (!p) return false;
  p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
  return true;
}
static inline bool wasi_put_u32(wasi_ctx *k, uint64_t addr, uint32_t v) {
  uint8_t *p = wasi_ptr(k, addr, 4);
  if (!p) return false;
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
  return true;
}
static inline bool wasi_put_u64(wasi_ctx *k, uint64_t addr, uint64_t v) {
  uint8_t *p = wasi_ptr(k, addr, 8);
  if (!p) return false;
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
  return true;
}
static inline uint32_t wasi_le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}
static inline uint64_t wasi_le64(const uint8_t *p) {
  return (uint64_t)wasi_le32(p) | (uint64_t)wasi_le32(p + 4) << 32;
}
/* Writes into a little-endian buffer the host built (not guest memory). */
static inline void wasi_set32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void wasi_set64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Argument i as the i32 / i64 the guest passed. */
static inline uint32_t wasi_a32(wasi_ctx *k, int i) { return (uint32_t)k->slots[i]; }
static inline uint64_t wasi_a64(wasi_ctx *k, int i) { return k->slots[i]; }

/* ---- shared helpers ------------------------------------------------------ */

/* The host errno `e` as a WASI errno. */
int wasi_errno(int e);
/* The WASI filetype of a stat mode. */
uint8_t wasi_filetype(unsigned mode);
/* A filestat (64 bytes, typenames.witx layout) for `st`, into guest memory at
 * addr. Returns a WASI errno. */
struct stat;
int wasi_put_filestat(wasi_ctx *k, uint32_t addr, const struct stat *st);
/* The two timespecs of futimens/utimensat for WASI times and fstflags;
 * false if the flags are contradictory. */
bool wasi_times(uint64_t atim, uint64_t mtim, uint32_t fst,
                struct timespec *ts);

/* The fd entry for guest fd `fd`, or NULL if it is not open. */
wasi_fd *wasi_fd_get(loam_wasi *w, uint32_t fd);
/* Installs `host` as the lowest free guest fd; returns it or -1 (out of
 * memory or fds: the host fd is then closed). */
int64_t wasi_fd_add(loam_wasi *w, int host, uint8_t type);
/* Releases guest fd entry e (closing what it owns). */
void wasi_fd_release(wasi_fd *e);

/* ---- the handlers, by file ------------------------------------------------ */

#define WASI_PROC_HANDLERS(X)                                               \
  X(args_get) X(args_sizes_get) X(environ_get) X(environ_sizes_get)         \
  X(clock_res_get) X(clock_time_get) X(random_get) X(proc_exit)             \
  X(proc_raise) X(sched_yield) X(poll_oneoff) X(nosys)
#define WASI_FD_HANDLERS(X)                                                 \
  X(fd_write) X(fd_read) X(fd_pwrite) X(fd_pread) X(fd_close) X(fd_seek)    \
  X(fd_tell) X(fd_fdstat_get) X(fd_fdstat_set_flags)                        \
  X(fd_fdstat_set_rights) X(fd_filestat_get) X(fd_filestat_set_size)        \
  X(fd_prestat_get) X(fd_prestat_dir_name) X(fd_readdir) X(fd_sync)         \
  X(fd_datasync) X(fd_advise) X(fd_renumber) X(fd_allocate)              \
  X(fd_filestat_set_times)
#define WASI_PATH_HANDLERS(X)                                               \
  X(path_open) X(path_create_directory) X(path_unlink_file)                 \
  X(path_remove_directory) X(path_rename) X(path_filestat_get)              \
  X(path_readlink) X(path_symlink) X(path_link) X(path_filestat_set_times)

#define WASI_DECLARE(name) int wasi_h_##name(wasi_ctx *k);
WASI_PROC_HANDLERS(WASI_DECLARE)
WASI_FD_HANDLERS(WASI_DECLARE)
WASI_PATH_HANDLERS(WASI_DECLARE)
#undef WASI_DECLARE

#endif
