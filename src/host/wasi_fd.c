/*
 * host/wasi_fd.c — WASI calls on open file descriptors: reading, writing,
 * seeking, closing, stat and flags, preopen names and directory listing.
 */
#include "host/wasi_int.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* The open fd named by argument 0, or NULL (the handler answers EBADF). */
static wasi_fd *arg_fd(wasi_ctx *k) { return wasi_fd_get(k->w, wasi_a32(k, 0)); }

/* ---- reading and writing ------------------------------------------------- */

/* One read or write of len bytes at buf; pread/pwrite when `at` >= 0. */
static ssize_t io(int fd, bool writing, uint8_t *buf, size_t len, off_t at) {
  ssize_t r;
  do {
    if (writing)
      r = at >= 0 ? pwrite(fd, buf, len, at) : write(fd, buf, len);
    else
      r = at >= 0 ? pread(fd, buf, len, at) : read(fd, buf, len);
  } while (r < 0 && errno == EINTR);
  return r;
}

/* fd_read/fd_write/fd_pread/fd_pwrite: args fd, iovs, iovs_len, [offset],
 * result pointer. Every iovec is checked before any byte moves, so a bad
 * pointer has no side effect. iovec: buf@0 buf_len@4, 8 bytes. */
static int transfer(wasi_ctx *k, bool writing, bool positioned) {
  wasi_fd *e = arg_fd(k);
  uint32_t n = wasi_a32(k, 2), res = wasi_a32(k, positioned ? 4 : 3);
  const uint8_t *iov = wasi_ptr(k, wasi_a32(k, 1), (uint64_t)n * 8);
  if (!iov || !wasi_ptr(k, res, 4)) return WASI_EFAULT;
  for (uint32_t i = 0; i < n; i++)
    if (!wasi_ptr(k, wasi_le32(iov + 8 * i), wasi_le32(iov + 8 * i + 4)))
      return WASI_EFAULT;
  if (!e) return WASI_EBADF;
  uint64_t off = positioned ? wasi_a64(k, 3) : 0;
  if (positioned && off > INT64_MAX) return WASI_EINVAL;
  uint64_t total = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint64_t len = wasi_le32(iov + 8 * i + 4);
    if (len > UINT32_MAX - total) len = UINT32_MAX - total; /* fits the result */
    uint8_t *buf = wasi_ptr(k, wasi_le32(iov + 8 * i), len);
    off_t at = positioned ? (off_t)(off + total) : -1;
    ssize_t r = len ? io(e->host, writing, buf, len, at) : 0;
    if (r < 0 && total == 0) return wasi_errno(errno);
    if (r < 0) break;
    total += (uint64_t)r;
    if ((uint64_t)r < len) break;
  }
  wasi_put_u32(k, res, (uint32_t)total);
  return WASI_ESUCCESS;
}

int wasi_h_fd_write(wasi_ctx *k) { return transfer(k, true, false); }
int wasi_h_fd_read(wasi_ctx *k) { return transfer(k, false, false); }
int wasi_h_fd_pwrite(wasi_ctx *k) { return transfer(k, true, true); }
int wasi_h_fd_pread(wasi_ctx *k) { return transfer(k, false, true); }

/* ---- position, closing, syncing ------------------------------------------ */

int wasi_h_fd_seek(wasi_ctx *k) {
  static const int whence[] = {SEEK_SET, SEEK_CUR, SEEK_END};
  wasi_fd *e = arg_fd(k);
  uint32_t w = wasi_a32(k, 2), res = wasi_a32(k, 3);
  if (!wasi_ptr(k, res, 8)) return WASI_EFAULT;
  if (!e) return WASI_EBADF;
  if (w > 2) return WASI_EINVAL;
  off_t pos = lseek(e->host, (off_t)(int64_t)wasi_a64(k, 1), whence[w]);
  if (pos < 0) return wasi_errno(errno);
  wasi_put_u64(k, res, (uint64_t)pos);
  return WASI_ESUCCESS;
}

int wasi_h_fd_tell(wasi_ctx *k) {
  wasi_fd *e = arg_fd(k);
  if (!wasi_ptr(k, wasi_a32(k, 1), 8)) return WASI_EFAULT;
  if (!e) return WASI_EBADF;
  off_t pos = lseek(e->host, 0, SEEK_CUR);
  if (pos < 0) return wasi_errno(errno);
  wasi_put_u64(k, wasi_a32(k, 1), (uint64_t)pos);
  return WASI_ESUCCESS;
}

int wasi_h_fd_close(wasi_ctx *k) {
  wasi_fd *e = arg_fd(k);
  if (!e) return WASI_EBADF;
  wasi_fd_release(e);
  return WASI_ESUCCESS;
}

int wasi_h_fd_sync(wasi_ctx *k) {
  wasi_fd *e = arg_fd(k);
  if (!e) return WASI_EBADF;
  return fsync(e->host) ? wasi_errno(errno) : WASI_ESUCCESS;
}

int wasi_h_fd_datasync(wasi_ctx *k) {
  wasi_fd *e = arg_fd(k);
  if (!e) return WASI_EBADF;
  return fdatasync(e->host) ? wasi_errno(errno) : WASI_ESUCCESS;
}

int wasi_h_fd_advise(wasi_ctx *k) {
  /* Advice is only advice: accept it for any open fd. */
  return arg_fd(k) ? WASI_ESUCCESS : WASI_EBADF;
}

int wasi_h_fd_renumber(wasi_ctx *k) {
  wasi_fd *from = arg_fd(k), *to = wasi_fd_get(k->w, wasi_a32(k, 1));
  if (!from || !to) return WASI_EBADF;
  if (from == to) return WASI_ESUCCESS;
  wasi_fd_release(to);
  *to = *from;
  *from = (wasi_fd){.host = -1};
  return WASI_ESUCCESS;
}

/* ---- stat and flags ---------------------------------------------------------- */

/* The fdflags of an open host fd. */
static uint16_t host_fdflags(int fd) {
  int fl = fcntl(fd, F_GETFL);
  uint16_t f = 0;
  if (fl < 0) return 0;
  if (fl & O_APPEND) f |= WASI_FDF_APPEND;
  if (fl & O_NONBLOCK) f |= WASI_FDF_NONBLOCK;
  if ((fl & O_SYNC) == O_SYNC) f |= WASI_FDF_SYNC;
  else if (fl & O_DSYNC) f |= WASI_FDF_DSYNC;
  return f;
}

/* fdstat: filetype@0 flags@2 rights_base@8 rights_inheriting@16, 24 bytes. */
int wasi_h_fd_fdstat_get(wasi_ctx *k) {
  wasi_fd *e = arg_fd(k);
  uint8_t *p = wasi_ptr(k, wasi_a32(k, 1), 24);
  if (!p) return WASI_EFAULT;
  if (!e) return WASI_EBADF;
  memset(p, 0, 24);
  p[0] = e->type;
  uint16_t fl = host_fdflags(e->host);
  p[2] = (uint8_t)fl, p[3] = (uint8_t)(fl >> 8);
  wasi_set64(p + 8, e->rights);
  wasi_set64(p + 16, e->inheriting);
  return WASI_ESUCCESS;
}

int wasi_h_fd_fdstat_set_flags(wasi_ctx *k) {
  wasi_fd *e = arg_fd(k);
  uint32_t want = wasi_a32(k, 1);
  if (!e) return WASI_EBADF;
  int fl = fcntl(e->host, F_GETFL);
  if (fl < 0) return wasi_errno(errno);
  fl &= ~(O_APPEND | O_NONBLOCK);
  if (want & WASI_FDF_APPEND) fl |= O_APPEND;
  if (want & WASI_FDF_NONBLOCK) fl |= O_NONBLOCK;
  return fcntl(e->host, F_SETFL, fl) ? wasi_errno(errno) : WASI_ESUCCESS;
}

int wasi_h_fd_fdstat_set_rights(wasi_ctx *k) {
  wasi_fd *e = arg_fd(k);
  uint64_t base = wasi_a64(k, 1), inh = wasi_a64(k, 2);
  if (!e) return WASI_EBADF;
  /* Rights may only shrink. */
  if ((base & ~e->rights) || (inh & ~e->inheriting)) return WASI_ENOTCAPABLE;
  e->rights = base, e->inheriting = inh;
  return WASI_ESUCCESS;
}

int wasi_h_fd_filestat_get(wasi_ctx *k) {
  wasi_fd *e = arg_fd(k);
  struct stat st;
  if (!wasi_ptr(k, wasi_a32(k, 1), 64)) return WASI_EFAULT;
  if (!e) return WASI_EBADF;
  if (fstat(e->host, &st)) return wasi_errno(errno);
  return wasi_put_filestat(k, wasi_a32(k, 1), &st);
}

int wasi_h_fd_filestat_set_size(wasi_ctx *k) {
  wasi_fd *e = arg_fd(k);
  uint64_t size = wasi_a64(k, 1);
  if (!e) return WASI_EBADF;
  if (size > INT64_MAX) return WASI_EINVAL;
  return ftruncate(e->host, (off_t)size) ? wasi_errno(errno) : WASI_ESUCCESS;
}

int wasi_h_fd_filestat_set_times(wasi_ctx *k) {
  wasi_fd *e = arg_fd(k);
  struct timespec ts[2];
  if (!e) return WASI_EBADF;
  if (!wasi_times(wasi_a64(k, 1), wasi_a64(k, 2), wasi_a32(k, 3), ts))
    return WASI_EINVAL;
  return futimens(e->host, ts) ? wasi_errno(errno) : WASI_ESUCCESS;
}

/* fd_allocate(fd, offset, len). */
int wasi_h_fd_allocate(wasi_ctx *k) {
  wasi_fd *e = arg_fd(k);
  uint64_t off = wasi_a64(k, 1), len = wasi_a64(k, 2);
  if (!e) return WASI_EBADF;
  if (off > INT64_MAX || len > INT64_MAX) return WASI_EINVAL;
  int r = posix_fallocate(e->host, (off_t)off, (off_t)len);
  return r ? wasi_errno(r) : WASI_ESUCCESS;
}

/* ---- preopens ------------------------------------------------------------------ */

/* prestat: tag@0 (0 = dir), pr_name_len@4, 8 bytes. */
int wasi_h_fd_prestat_get(wasi_ctx *k) {
  wasi_fd *e = arg_fd(k);
  uint8_t *p = wasi_ptr(k, wasi_a32(k, 1), 8);
  if (!p) return WASI_EFAULT;
  if (!e || !e->preopen) return WASI_EBADF;
  memset(p, 0, 8);
  wasi_set32(p + 4, (uint32_t)strlen(e->preopen));
  return WASI_ESUCCESS;
}

int wasi_h_fd_prestat_dir_name(wasi_ctx *k) {
  wasi_fd *e = arg_fd(k);
  uint32_t len = wasi_a32(k, 2);
  uint8_t *p = wasi_ptr(k, wasi_a32(k, 1), len);
  if (!p) return WASI_EFAULT;
  if (!e || !e->preopen) return WASI_EBADF;
  size_t n = strlen(e->preopen);
  if (len < n) return WASI_ENAMETOOLONG;
  memcpy(p, e->preopen, n);
  return WASI_ESUCCESS;
}

/* ---- fd_readdir ------------------------------------------------------------------ */

static uint8_t dirent_type(unsigned char t) {
  switch (t) {
  case DT_REG: return WASI_FT_REG;
  case DT_DIR: return WASI_FT_DIR;
  case DT_LNK: return WASI_FT_SYMLINK;
  case DT_CHR: return WASI_FT_CHAR;
  case DT_BLK: return WASI_FT_BLOCK;
  case DT_SOCK: return WASI_FT_SOCK_STREAM;
  default: return WASI_FT_UNKNOWN;
  }
}

/* Positions e's directory stream at entry number `cookie` (cookies are
 * entry indices: d_next of entry i is i + 1). 0 rereads the directory. */
static int dir_seek(wasi_fd *e, uint64_t cookie) {
  if (!e->dir) {
    int d = dup(e->host);
    if (d < 0) return wasi_errno(errno);
    if (!(e->dir = fdopendir(d))) {
      int err = errno;
      close(d);
      return wasi_errno(err);
    }
    e->dir_pos = UINT64_MAX; /* force a rewind */
  }
  if (cookie == 0 || cookie != e->dir_pos) {
    rewinddir(e->dir);
    for (e->dir_pos = 0; e->dir_pos < cookie && readdir(e->dir);)
      e->dir_pos++;
  }
  return WASI_ESUCCESS;
}

/* Copies as much of one dirent (header d_next@0 d_ino@8 d_namlen@16
 * d_type@20, 24 bytes, then the name) as fits at buf+used; true if all. */
static bool put_dirent(uint8_t *buf, uint32_t cap, uint32_t *used,
                       const struct dirent *de, uint64_t next) {
  uint8_t hdr[24] = {0};
  size_t namelen = strlen(de->d_name);
  wasi_set64(hdr, next);
  wasi_set64(hdr + 8, (uint64_t)de->d_ino);
  wasi_set32(hdr + 16, (uint32_t)namelen);
  hdr[20] = dirent_type(de->d_type);
  size_t room = cap - *used, h = room < 24 ? room : 24;
  memcpy(buf + *used, hdr, h);
  size_t nm = room - h < namelen ? room - h : namelen;
  memcpy(buf + *used + h, de->d_name, nm);
  *used += (uint32_t)(h + nm);
  return h + nm == 24 + namelen;
}

/* fd_readdir(fd, buf, buf_len, cookie, bufused): fills the buffer; a full
 * buffer (bufused == buf_len) tells the guest to call again. */
int wasi_h_fd_readdir(wasi_ctx *k) {
  wasi_fd *e = arg_fd(k);
  uint32_t cap = wasi_a32(k, 2), res = wasi_a32(k, 4), used = 0;
  uint8_t *buf = wasi_ptr(k, wasi_a32(k, 1), cap);
  if (!buf || !wasi_ptr(k, res, 4)) return WASI_EFAULT;
  if (!e) return WASI_EBADF;
  if (e->type != WASI_FT_DIR) return WASI_ENOTDIR;
  int err = dir_seek(e, wasi_a64(k, 3));
  if (err) return err;
  while (used < cap) {
    long loc = telldir(e->dir);
    struct dirent *de = readdir(e->dir);
    if (!de) break;
    if (!put_dirent(buf, cap, &used, de, e->dir_pos + 1)) {
      seekdir(e->dir, loc); /* reread it when asked for this cookie */
      break;
    }
    e->dir_pos++;
  }
  wasi_put_u32(k, res, used);
  return WASI_ESUCCESS;
}
