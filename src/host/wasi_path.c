/*
 * host/wasi_path.c — WASI calls that name files by path, and the sandboxed
 * resolution behind them: a path is walked one component at a time below the
 * directory fd it is relative to, never following `..` above that directory,
 * an absolute path, or a symlink that leads out of it (ENOTCAPABLE).
 */
#include "host/wasi_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

enum { MAX_DEPTH = 128, MAX_LINKS = 40, WORK_SIZE = 2 * PATH_MAX };

/* How inner directories are opened: O_PATH (where there is one) so a
 * directory we may search but not list can still be walked through. */
#ifdef O_PATH
#define DIR_FLAGS (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#else
#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#endif

/* A resolved path: the directory holding its last component, and that
 * component (which may keep one trailing '/', so "d/" must be a directory). */
typedef struct wasi_path {
  int dir;
  bool owned;              /* dir was opened by the resolution: close it */
  char name[NAME_MAX + 2];
} wasi_path;

/* The walk in progress: a stack of directory fds, [0] being the base. */
typedef struct walk {
  int fds[MAX_DEPTH + 1];
  int depth;
  int links;
  char work[WORK_SIZE];    /* what is left of the path */
} walk;

static void walk_close(walk *wk, int keep) {
  for (int i = 1; i <= wk->depth; i++)
    if (i != keep) close(wk->fds[i]);
}

/* Replaces the path with `target` followed by `rest` (the components after
 * the symlink). */
static int splice_link(walk *wk, const char *target, const char *rest) {
  if (target[0] == '/') return WASI_ENOTCAPABLE;
  if (++wk->links > MAX_LINKS) return WASI_ELOOP;
  char tmp[WORK_SIZE];
  int n = snprintf(tmp, sizeof tmp, "%s%s%s", target, *rest ? "/" : "", rest);
  if (n < 0 || (size_t)n >= sizeof tmp) return WASI_ENAMETOOLONG;
  memcpy(wk->work, tmp, (size_t)n + 1);
  return WASI_ESUCCESS;
}

/* If `name` in the current directory is a symlink, splices its target into
 * the path and returns true (with *err set); false if it is not a link. */
static bool follow_link(walk *wk, const char *name, const char *rest,
                        int *err) {
  char target[PATH_MAX];
  ssize_t n = readlinkat(wk->fds[wk->depth], name, target, sizeof target - 1);
  if (n < 0) return false;
  target[n] = '\0';
  *err = splice_link(wk, target, rest);
  return true;
}

/* Leaves the current directory for its parent, never above the base. */
static int step_up(walk *wk) {
  if (wk->depth == 0) return WASI_ENOTCAPABLE;
  close(wk->fds[wk->depth--]);
  return WASI_ESUCCESS;
}

/* Steps into directory `name`; if it is a symlink, splices it into the path
 * instead (*spliced = true) so its target is walked with the same rules. */
static int step_down(walk *wk, const char *name, const char *rest,
                     bool *spliced) {
  if (!strcmp(name, ".") || !name[0]) return WASI_ESUCCESS;
  if (!strcmp(name, "..")) return step_up(wk);
  int err = 0;
  if ((*spliced = follow_link(wk, name, rest, &err))) return err;
  if (wk->depth == MAX_DEPTH) return WASI_ENAMETOOLONG;
  int fd = openat(wk->fds[wk->depth], name, DIR_FLAGS);
  if (fd < 0) return wasi_errno(errno);
  wk->fds[++wk->depth] = fd;
  return WASI_ESUCCESS;
}

/* Walks wk->work from wk->fds[0]; fills `out` with the last component. */
static int walk_path(walk *wk, bool follow, wasi_path *out) {
  for (;;) {
    char *p = wk->work;
    while (*p == '/') p++;
    char *end = strchr(p, '/');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    char *rest = p + len;
    while (*rest == '/') rest++;
    if (len > NAME_MAX) return WASI_ENAMETOOLONG;
    char name[NAME_MAX + 1];
    memcpy(name, p, len);
    name[len] = '\0';
    int err = 0;
    if (*rest) { /* an inner component: a directory to enter */
      bool spliced = false;
      if ((err = step_down(wk, name, rest, &spliced))) return err;
      if (!spliced) memmove(wk->work, rest, strlen(rest) + 1);
      continue;
    }
    bool dot = !strcmp(name, ".") || !strcmp(name, "..");
    if (follow && !dot && len && follow_link(wk, name, end ? "." : "", &err)) {
      if (err) return err;
      continue;
    }
    if (!strcmp(name, "..")) {
      if ((err = step_up(wk))) return err;
      strcpy(name, ".");
    }
    snprintf(out->name, sizeof out->name, "%s%s", name, end ? "/" : "");
    return WASI_ESUCCESS;
  }
}

/* Resolves the guest path (pointer and length in slots ps, ps+1) relative
 * to the directory fd in slot fs. On success the caller must path_done. */
static int resolve(wasi_ctx *k, int fs, int ps, bool follow, wasi_path *out) {
  wasi_fd *e = wasi_fd_get(k->w, wasi_a32(k, fs));
  uint32_t len = wasi_a32(k, ps + 1);
  const uint8_t *p = wasi_ptr(k, wasi_a32(k, ps), len);
  if (!p) return WASI_EFAULT;
  if (!e) return WASI_EBADF;
  if (e->type != WASI_FT_DIR) return WASI_ENOTDIR;
  if (len >= PATH_MAX) return WASI_ENAMETOOLONG;
  if (memchr(p, '\0', len)) return WASI_EINVAL;
  if (len && p[0] == '/') return WASI_ENOTCAPABLE;
  walk *wk = malloc(sizeof *wk);
  if (!wk) return WASI_ENOMEM;
  wk->fds[0] = e->host, wk->depth = 0, wk->links = 0;
  memcpy(wk->work, p, len);
  wk->work[len] = '\0';
  int err = walk_path(wk, follow, out);
  walk_close(wk, err ? -1 : wk->depth);
  out->dir = err ? -1 : wk->fds[wk->depth];
  out->owned = !err && wk->depth > 0;
  free(wk);
  return err;
}

static void path_done(wasi_path *pa) {
  if (pa->owned) close(pa->dir);
}

/* ---- the calls ------------------------------------------------------------- */

/* Host open flags for path_open's oflags, rights and fdflags. */
static int open_flags(uint32_t oflags, uint64_t rights, uint32_t fdflags) {
  int f = O_CLOEXEC | O_NOFOLLOW;
  bool r = rights & WASI_RIGHT_FD_READ, w = rights & WASI_RIGHT_FD_WRITE;
  if (oflags & WASI_O_DIRECTORY) f |= O_DIRECTORY;
  else f |= r && w ? O_RDWR : w ? O_WRONLY : O_RDONLY;
  if (oflags & WASI_O_CREAT) f |= O_CREAT;
  if (oflags & WASI_O_EXCL) f |= O_EXCL;
  if (oflags & WASI_O_TRUNC) f |= O_TRUNC;
  if (fdflags & WASI_FDF_APPEND) f |= O_APPEND;
  if (fdflags & WASI_FDF_DSYNC) f |= O_DSYNC;
  if (fdflags & WASI_FDF_NONBLOCK) f |= O_NONBLOCK;
  if (fdflags & WASI_FDF_RSYNC) f |= O_RSYNC;
  if (fdflags & WASI_FDF_SYNC) f |= O_SYNC;
  return f;
}

/* path_open(fd, dirflags, path, path_len, oflags, rights_base,
 * rights_inheriting, fdflags, result_fd). */
int wasi_h_path_open(wasi_ctx *k) {
  uint32_t res = wasi_a32(k, 8);
  if (!wasi_ptr(k, res, 4)) return WASI_EFAULT;
  wasi_path pa;
  int err = resolve(k, 0, 2, wasi_a32(k, 1) & WASI_LOOKUP_SYMLINK_FOLLOW, &pa);
  if (err) return err;
  uint64_t rights = wasi_a64(k, 5);
  int flags = open_flags(wasi_a32(k, 4), rights, wasi_a32(k, 7));
  int fd = openat(pa.dir, pa.name, flags, 0666);
  err = fd < 0 ? wasi_errno(errno) : 0;
  path_done(&pa);
  if (err) return err;
  struct stat st;
  uint8_t type = fstat(fd, &st) ? WASI_FT_UNKNOWN : wasi_filetype(st.st_mode);
  int64_t g = wasi_fd_add(k->w, fd, type);
  if (g < 0) return WASI_EMFILE;
  k->w->fds[g].rights = rights & WASI_RIGHTS_ALL;
  k->w->fds[g].inheriting = wasi_a64(k, 6) & WASI_RIGHTS_ALL;
  wasi_put_u32(k, res, (uint32_t)g);
  return WASI_ESUCCESS;
}

/* The calls of the form op(fd, path, path_len) on an unfollowed path. */
static int on_path(wasi_ctx *k, int (*op)(int dir, const char *name)) {
  wasi_path pa;
  int err = resolve(k, 0, 1, false, &pa);
  if (err) return err;
  err = op(pa.dir, pa.name) ? wasi_errno(errno) : WASI_ESUCCESS;
  path_done(&pa);
  return err;
}

static int do_mkdir(int dir, const char *name) { return mkdirat(dir, name, 0777); }
static int do_unlink(int dir, const char *name) { return unlinkat(dir, name, 0); }
static int do_rmdir(int dir, const char *name) {
  return unlinkat(dir, name, AT_REMOVEDIR);
}

int wasi_h_path_create_directory(wasi_ctx *k) { return on_path(k, do_mkdir); }
int wasi_h_path_unlink_file(wasi_ctx *k) { return on_path(k, do_unlink); }
int wasi_h_path_remove_directory(wasi_ctx *k) { return on_path(k, do_rmdir); }

/* path_rename(fd, old_path, old_len, new_fd, new_path, new_len). */
int wasi_h_path_rename(wasi_ctx *k) {
  wasi_path from, to;
  int err = resolve(k, 0, 1, false, &from);
  if (err) return err;
  if ((err = resolve(k, 3, 4, false, &to))) {
    path_done(&from);
    return err;
  }
  if (renameat(from.dir, from.name, to.dir, to.name)) err = wasi_errno(errno);
  path_done(&from);
  path_done(&to);
  return err;
}

/* path_filestat_get(fd, lookupflags, path, path_len, result). */
int wasi_h_path_filestat_get(wasi_ctx *k) {
  uint32_t res = wasi_a32(k, 4);
  if (!wasi_ptr(k, res, 64)) return WASI_EFAULT;
  wasi_path pa;
  int err = resolve(k, 0, 2, wasi_a32(k, 1) & WASI_LOOKUP_SYMLINK_FOLLOW, &pa);
  if (err) return err;
  struct stat st;
  if (fstatat(pa.dir, pa.name, &st, AT_SYMLINK_NOFOLLOW)) err = wasi_errno(errno);
  path_done(&pa);
  return err ? err : wasi_put_filestat(k, res, &st);
}

/* path_readlink(fd, path, path_len, buf, buf_len, result). */
int wasi_h_path_readlink(wasi_ctx *k) {
  uint32_t cap = wasi_a32(k, 4), res = wasi_a32(k, 5);
  uint8_t *buf = wasi_ptr(k, wasi_a32(k, 3), cap);
  if (!buf || !wasi_ptr(k, res, 4)) return WASI_EFAULT;
  wasi_path pa;
  int err = resolve(k, 0, 1, false, &pa);
  if (err) return err;
  ssize_t n = readlinkat(pa.dir, pa.name, (char *)buf, cap);
  if (n < 0) err = wasi_errno(errno);
  path_done(&pa);
  if (!err) wasi_put_u32(k, res, (uint32_t)n);
  return err;
}

/* path_symlink(old_path, old_len, fd, new_path, new_len). The link's
 * target may name anything; resolution never follows it out anyway, but
 * absolute targets are refused so the sandbox holds no such links. */
int wasi_h_path_symlink(wasi_ctx *k) {
  uint32_t len = wasi_a32(k, 1);
  const uint8_t *p = wasi_ptr(k, wasi_a32(k, 0), len);
  if (!p) return WASI_EFAULT;
  if (len >= PATH_MAX) return WASI_ENAMETOOLONG;
  char target[PATH_MAX];
  memcpy(target, p, len);
  target[len] = '\0';
  if (strlen(target) != len) return WASI_EINVAL;
  if (target[0] == '/') return WASI_ENOTCAPABLE;
  wasi_path pa;
  int err = resolve(k, 2, 3, false, &pa);
  if (err) return err;
  if (symlinkat(target, pa.dir, pa.name)) err = wasi_errno(errno);
  path_done(&pa);
  return err;
}

/* path_link(old_fd, old_flags, old_path, old_len, new_fd, new_path,
 * new_len): a hard link; both names resolve inside the sandbox. */
int wasi_h_path_link(wasi_ctx *k) {
  wasi_path from, to;
  int err = resolve(k, 0, 2, wasi_a32(k, 1) & WASI_LOOKUP_SYMLINK_FOLLOW, &from);
  if (err) return err;
  if ((err = resolve(k, 4, 5, false, &to))) {
    path_done(&from);
    return err;
  }
  if (linkat(from.dir, from.name, to.dir, to.name, 0)) err = wasi_errno(errno);
  path_done(&from);
  path_done(&to);
  return err;
}

/* path_filestat_set_times(fd, lookupflags, path, path_len, atim, mtim,
 * fstflags). */
int wasi_h_path_filestat_set_times(wasi_ctx *k) {
  struct timespec ts[2];
  if (!wasi_times(wasi_a64(k, 4), wasi_a64(k, 5), wasi_a32(k, 6), ts))
    return WASI_EINVAL;
  wasi_path pa;
  int err = resolve(k, 0, 2, wasi_a32(k, 1) & WASI_LOOKUP_SYMLINK_FOLLOW, &pa);
  if (err) return err;
  if (utimensat(pa.dir, pa.name, ts, AT_SYMLINK_NOFOLLOW)) err = wasi_errno(errno);
  path_done(&pa);
  return err;
}
