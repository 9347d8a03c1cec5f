/*
 * host/wasi_proc.c — the process side of WASI: arguments, environment,
 * clocks, randomness, sleeping (poll_oneoff), exit, and the ENOSYS stub
 * every unimplemented function shares.
 */
#include "host/wasi_int.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

/* ---- args and environ ----------------------------------------------------- */

/* Count and total size (with NULs) of n strings, into guest memory. */
static int put_sizes(wasi_ctx *k, char **v, size_t n) {
  uint64_t bytes = 0;
  for (size_t i = 0; i < n; i++) bytes += strlen(v[i]) + 1;
  if (bytes > UINT32_MAX) return WASI_E2BIG;
  if (!wasi_put_u32(k, wasi_a32(k, 0), (uint32_t)n) ||
      !wasi_put_u32(k, wasi_a32(k, 1), (uint32_t)bytes))
    return WASI_EFAULT;
  return WASI_ESUCCESS;
}

/* n pointers at slot 0's address, pointing into the strings laid out one
 * after the other (NUL-terminated) at slot 1's address. */
static int put_strings(wasi_ctx *k, char **v, size_t n) {
  uint64_t ptrs = wasi_a32(k, 0), at = wasi_a32(k, 1);
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(v[i]) + 1;
    uint8_t *dst = wasi_ptr(k, at, len);
    if (!dst || at > UINT32_MAX || !wasi_put_u32(k, ptrs + 4 * i, (uint32_t)at))
      return WASI_EFAULT;
    memcpy(dst, v[i], len);
    at += len;
  }
  return WASI_ESUCCESS;
}

int wasi_h_args_sizes_get(wasi_ctx *k) { return put_sizes(k, k->w->argv, k->w->argc); }
int wasi_h_args_get(wasi_ctx *k) { return put_strings(k, k->w->argv, k->w->argc); }
int wasi_h_environ_sizes_get(wasi_ctx *k) { return put_sizes(k, k->w->env, k->w->envc); }
int wasi_h_environ_get(wasi_ctx *k) { return put_strings(k, k->w->env, k->w->envc); }

/* ---- clocks ---------------------------------------------------------------- */

/* The host clock for WASI clockid `id` (realtime, monotonic, process and
 * thread CPU time); false for an unknown id. */
static bool host_clock(uint32_t id, clockid_t *out) {
  static const clockid_t ids[] = {CLOCK_REALTIME, CLOCK_MONOTONIC,
                                  CLOCK_PROCESS_CPUTIME_ID,
                                  CLOCK_THREAD_CPUTIME_ID};
  if (id >= sizeof ids / sizeof ids[0]) return false;
  *out = ids[id];
  return true;
}

static uint64_t ts_ns(struct timespec t) {
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Now on WASI clock `id` in nanoseconds; false for an unknown id. */
static bool clock_now(uint32_t id, uint64_t *ns) {
  clockid_t c;
  struct timespec t;
  if (!host_clock(id, &c) || clock_gettime(c, &t)) return false;
  *ns = ts_ns(t);
  return true;
}

int wasi_h_clock_res_get(wasi_ctx *k) {
  clockid_t c;
  struct timespec t;
  if (!host_clock(wasi_a32(k, 0), &c) || clock_getres(c, &t))
    return WASI_EINVAL;
  return wasi_put_u64(k, wasi_a32(k, 1), ts_ns(t)) ? 0 : WASI_EFAULT;
}

int wasi_h_clock_time_get(wasi_ctx *k) {
  uint64_t now;
  if (!clock_now(wasi_a32(k, 0), &now)) return WASI_EINVAL;
  return wasi_put_u64(k, wasi_a32(k, 2), now) ? 0 : WASI_EFAULT;
}

/* ---- randomness, exit, yield ------------------------------------------------ */

int wasi_h_random_get(wasi_ctx *k) {
  uint32_t len = wasi_a32(k, 1);
  uint8_t *p = wasi_ptr(k, wasi_a32(k, 0), len);
  if (!p) return WASI_EFAULT;
  for (uint32_t got = 0; got < len;) {
    ssize_t n = getrandom(p + got, len - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return wasi_errno(errno);
    got += (uint32_t)n;
  }
  return WASI_ESUCCESS;
}

int wasi_h_proc_exit(wasi_ctx *k) {
  k->exit_code = (int)wasi_a32(k, 0);
  return WASI_TRAPPED;
}

int wasi_h_sched_yield(wasi_ctx *k) {
  (void)k;
  sched_yield();
  return WASI_ESUCCESS;
}

int wasi_h_nosys(wasi_ctx *k) {
  (void)k;
  return WASI_ENOSYS;
}

/* ---- poll_oneoff -------------------------------------------------------------- */

/* subscription (48 bytes): userdata@0, tag@8, then at 16 either
 * clock {id@16 timeout@24 precision@32 flags@40} or fd_readwrite {fd@16}.
 * event (32 bytes): userdata@0 error@8 type@10 fd_readwrite.nbytes@16
 * fd_readwrite.flags@24. */
enum { SUB_SIZE = 48, EVENT_SIZE = 32, TAG_CLOCK = 0, TAG_FD_READ = 1,
       TAG_FD_WRITE = 2, SUBCLOCK_ABSTIME = 1 };

/* One subscription after reading it: whether it fires now, or how long it
 * waits (clocks only). */
typedef struct sub_state {
  uint64_t userdata, wait_ns;
  uint16_t error;
  uint8_t type;
  bool now;
} sub_state;

static void read_sub(wasi_ctx *k, const uint8_t *s, sub_state *out) {
  *out = (sub_state){.userdata = wasi_le64(s), .type = s[8]};
  if (s[8] == TAG_CLOCK) {
    uint32_t id = wasi_le32(s + 16);
    uint64_t timeout = wasi_le64(s + 24), now = 0;
    bool abs = (s[40] | s[41] << 8) & SUBCLOCK_ABSTIME;
    if (!clock_now(id, &now)) {
      out->error = WASI_EINVAL, out->now = true;
      return;
    }
    out->wait_ns = !abs ? timeout : timeout > now ? timeout - now : 0;
    out->now = out->wait_ns == 0;
  } else if (s[8] == TAG_FD_READ || s[8] == TAG_FD_WRITE) {
    /* Files, pipes and ttys are reported ready: reads may then block. */
    out->error = wasi_fd_get(k->w, wasi_le32(s + 16)) ? 0 : WASI_EBADF;
    out->now = true;
  } else {
    out->error = WASI_EINVAL, out->now = true;
  }
}

static void sleep_ns(uint64_t ns) {
  struct timespec t = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
  while (clock_nanosleep(CLOCK_MONOTONIC, 0, &t, &t) == EINTR) {}
}

static void put_event(uint8_t *e, const sub_state *s) {
  memset(e, 0, EVENT_SIZE);
  wasi_set64(e, s->userdata);
  e[8] = (uint8_t)s->error, e[9] = (uint8_t)(s->error >> 8);
  e[10] = s->type;
}

int wasi_h_poll_oneoff(wasi_ctx *k) {
  uint32_t n = wasi_a32(k, 2);
  if (n == 0) return WASI_EINVAL;
  const uint8_t *in = wasi_ptr(k, wasi_a32(k, 0), (uint64_t)n * SUB_SIZE);
  uint8_t *out = wasi_ptr(k, wasi_a32(k, 1), (uint64_t)n * EVENT_SIZE);
  if (!in || !out || !wasi_ptr(k, wasi_a32(k, 3), 4)) return WASI_EFAULT;
  sub_state *subs = malloc(n * sizeof *subs);
  if (!subs) return WASI_ENOMEM;
  bool any_now = false;
  uint64_t soonest = UINT64_MAX;
  for (uint32_t i = 0; i < n; i++) {
    read_sub(k, in + (size_t)i * SUB_SIZE, &subs[i]);
    any_now |= subs[i].now;
    if (subs[i].type == TAG_CLOCK && !subs[i].error && subs[i].wait_ns < soonest)
      soonest = subs[i].wait_ns;
  }
  if (!any_now) sleep_ns(soonest);
  uint32_t nev = 0;
  for (uint32_t i = 0; i < n; i++) {
    bool fires = any_now ? subs[i].now : subs[i].wait_ns == soonest;
    if (fires) put_event(out + (size_t)nev++ * EVENT_SIZE, &subs[i]);
  }
  free(subs);
  wasi_put_u32(k, wasi_a32(k, 3), nev);
  return WASI_ESUCCESS;
}
