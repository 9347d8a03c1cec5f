/*
 * host/wasi_errno.c — translating host results into WASI's vocabulary:
 * errno values, file types and the filestat record.
 */
#include "host/wasi_int.h"

#include <errno.h>
#include <sys/stat.h>
#include <time.h>

/* Host errno -> WASI errno (numbers from typenames.witx). */
static const struct { int host, wasi; } errnos[] = {
    {E2BIG, WASI_E2BIG},     {EACCES, WASI_EACCES},
    {EAGAIN, WASI_EAGAIN},   {EBADF, WASI_EBADF},
    {EBUSY, WASI_EBUSY},     {EEXIST, WASI_EEXIST},
    {EFAULT, WASI_EFAULT},   {EFBIG, WASI_EFBIG},
    {EINTR, WASI_EINTR},     {EINVAL, WASI_EINVAL},
    {EIO, WASI_EIO},         {EISDIR, WASI_EISDIR},
    {ELOOP, WASI_ELOOP},     {EMFILE, WASI_EMFILE},
    {EMLINK, WASI_EMLINK},   {ENAMETOOLONG, WASI_ENAMETOOLONG},
    {ENFILE, WASI_ENFILE},   {ENOENT, WASI_ENOENT},
    {ENOMEM, WASI_ENOMEM},   {ENOSPC, WASI_ENOSPC},
    {ENOSYS, WASI_ENOSYS},   {ENOTDIR, WASI_ENOTDIR},
    {ENOTEMPTY, WASI_ENOTEMPTY}, {ENOTSUP, WASI_ENOTSUP},
    {ENOTTY, WASI_ENOTTY},   {EOVERFLOW, WASI_EOVERFLOW},
    {EPERM, WASI_EPERM},     {EPIPE, WASI_EPIPE},
    {EROFS, WASI_EROFS},     {ESPIPE, WASI_ESPIPE},
    {EXDEV, WASI_EXDEV},
};

int wasi_errno(int e) {
  for (size_t i = 0; i < sizeof errnos / sizeof errnos[0]; i++)
    if (errnos[i].host == e) return errnos[i].wasi;
  return WASI_EIO; /* nothing closer to say */
}

uint8_t wasi_filetype(unsigned mode) {
  switch (mode & S_IFMT) {
  case S_IFREG: return WASI_FT_REG;
  case S_IFDIR: return WASI_FT_DIR;
  case S_IFCHR: return WASI_FT_CHAR;
  case S_IFBLK: return WASI_FT_BLOCK;
  case S_IFLNK: return WASI_FT_SYMLINK;
  case S_IFSOCK: return WASI_FT_SOCK_STREAM;
  default: return WASI_FT_UNKNOWN; /* FIFOs have no WASI type */
  }
}

static uint64_t ns(struct timespec t) {
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* filestat: dev@0 ino@8 filetype@16 nlink@24 size@32 atim@40 mtim@48
 * ctim@56, 64 bytes. */
int wasi_put_filestat(wasi_ctx *k, uint32_t addr, const struct stat *st) {
  uint8_t *p = wasi_ptr(k, addr, 64);
  if (!p) return WASI_EFAULT;
  memset(p, 0, 64);
  wasi_set64(p, (uint64_t)st->st_dev);
  wasi_set64(p + 8, (uint64_t)st->st_ino);
  p[16] = wasi_filetype(st->st_mode);
  wasi_set64(p + 24, (uint64_t)st->st_nlink);
  wasi_set64(p + 32, (uint64_t)st->st_size);
  wasi_set64(p + 40, ns(st->st_atim));
  wasi_set64(p + 48, ns(st->st_mtim));
  wasi_set64(p + 56, ns(st->st_ctim));
  return WASI_ESUCCESS;
}

/* A WASI timestamp as a timespec. */
static struct timespec to_ts(uint64_t t) {
  return (struct timespec){(time_t)(t / 1000000000u), (long)(t % 1000000000u)};
}

bool wasi_times(uint64_t atim, uint64_t mtim, uint32_t fst,
                struct timespec *ts) {
  if ((fst & WASI_FST_ATIM && fst & WASI_FST_ATIM_NOW) ||
      (fst & WASI_FST_MTIM && fst & WASI_FST_MTIM_NOW))
    return false;
  ts[0] = fst & WASI_FST_ATIM_NOW ? (struct timespec){0, UTIME_NOW}
          : fst & WASI_FST_ATIM   ? to_ts(atim)
                                  : (struct timespec){0, UTIME_OMIT};
  ts[1] = fst & WASI_FST_MTIM_NOW ? (struct timespec){0, UTIME_NOW}
          : fst & WASI_FST_MTIM   ? to_ts(mtim)
                                  : (struct timespec){0, UTIME_OMIT};
  return true;
}
