/*
 * executor/hook.c — the WASI hook of every worker: live, it records the
 * results of non-deterministic calls (clocks, random, environment) as
 * HOST_CALL entries and guest stdout/stderr as LOG entries; on replay it
 * answers the same calls from the recorded entries without running them,
 * and reports a divergence when the guest asks for something else.
 *
 * A HOST_CALL payload (executor-defined): u64 slots[0] (the errno), then
 * for every guest memory range the call wrote: u32 address, u32 length, the
 * bytes. Calls that touch files (path_open, fd_read, ...) are not recorded:
 * they run live on replay too (workers keep their state in memory, not in
 * the host's files).
 */
#include "executor/executor_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RANGES 4

typedef struct range { uint32_t addr, len; } range;

/* Which recorded calls write where: fills r and returns how many ranges, or
 * -1 when the call is not one the executor records. */
static int out_ranges(const ex_runtime *rt, const loam_wasi_call *c, range *r) {
  const uint64_t *a = c->args;
  const char *n = c->name;
  if (!strcmp(n, "clock_time_get")) return r[0] = (range){(uint32_t)a[2], 8}, 1;
  if (!strcmp(n, "clock_res_get")) return r[0] = (range){(uint32_t)a[1], 8}, 1;
  if (!strcmp(n, "random_get")) return r[0] = (range){(uint32_t)a[0], (uint32_t)a[1]}, 1;
  if (!strcmp(n, "environ_sizes_get")) {
    r[0] = (range){(uint32_t)a[0], 4};
    r[1] = (range){(uint32_t)a[1], 4};
    return 2;
  }
  if (!strcmp(n, "environ_get")) {
    r[0] = (range){(uint32_t)a[0], (uint32_t)(rt->w->nenv * 4)};
    r[1] = (range){(uint32_t)a[1], (uint32_t)rt->env_bytes};
    return 2;
  }
  return -1;
}

static void put_u32(loam_buf *b, uint32_t v) {
  uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  if (b->len + 4 <= b->cap) memcpy(b->data + b->len, x, 4), b->len += 4;
}

static uint32_t get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static loam_status trap(loam_wasi_call *c, const char *fmt, const char *a, const char *b) {
  if (!c->caller) return LOAM_TRAP_HOST;
  return loam_caller_trap(c->caller, LOAM_TRAP_HOST, 0, fmt, a, b);
}

/* The bytes a guest fd_write passes (iovecs at args[1], count args[2]),
 * gathered into a malloc'd buffer; NULL when out of bounds. */
static uint8_t *gather(loam_memory *m, const uint64_t *a, size_t *len) {
  uint32_t iovs = (uint32_t)a[1], n = (uint32_t)a[2];
  const uint8_t *v = loam_memory_ptr(m, iovs, (uint64_t)n * 8);
  if (!v) return NULL;
  size_t total = 0;
  for (uint32_t i = 0; i < n; i++) total += get_u32(v + i * 8 + 4);
  uint8_t *out = malloc(total ? total : 1);
  if (!out) return NULL;
  size_t off = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t p = get_u32(v + i * 8), l = get_u32(v + i * 8 + 4);
    const uint8_t *src = loam_memory_ptr(m, p, l);
    if (!src) return free(out), NULL;
    if (l) memcpy(out + off, src, l);
    off += l;
  }
  *len = total;
  return out;
}

/* The next recorded entry, or NULL when live. Running out during a strict
 * replay is a divergence (reported by the caller). */
static loam_oplog_entry *next_recorded(ex_runtime *rt) {
  return rt->replaying && rt->replay_pos < rt->nreplay ? &rt->replay[rt->replay_pos] : NULL;
}

/* Keeps the last sizeof rt->stderr_tail - 1 bytes written to stderr. */
static void keep_stderr_tail(ex_runtime *rt, const uint8_t *bytes, size_t len) {
  size_t cap = sizeof rt->stderr_tail - 1, have = strlen(rt->stderr_tail);
  if (len >= cap) {
    bytes += len - cap;
    len = cap;
  }
  size_t keep = have + len > cap ? cap - len : have;
  memmove(rt->stderr_tail, rt->stderr_tail + have - keep, keep);
  memcpy(rt->stderr_tail + keep, bytes, len);
  rt->stderr_tail[keep + len] = '\0';
}

void ex_stderr_last_line(const ex_runtime *rt, char *buf, size_t cap) {
  const char *s = rt->stderr_tail;
  size_t end = strlen(s);
  while (end > 0 && (s[end - 1] == '\n' || s[end - 1] == '\r')) end--;
  size_t start = end;
  while (start > 0 && s[start - 1] != '\n') start--;
  snprintf(buf, cap, "%.*s", (int)(end - start), s + start);
}

/* Guest output: written to the oplog as LOG (live) or matched against the
 * recorded LOG (replay); never to a host fd. */
static loam_status on_output(ex_runtime *rt, loam_wasi_call *c) {
  loam_memory *m = c->caller ? loam_caller_memory(c->caller) : NULL;
  size_t len = 0;
  uint8_t *bytes = m ? gather(m, c->args, &len) : NULL;
  uint32_t *nwritten = m ? loam_memory_ptr(m, (uint32_t)c->args[3], 4) : NULL;
  if (!bytes || !nwritten) {
    free(bytes);
    c->slots[0] = LOAM_WASI_EFAULT;
    c->skip = true;
    return LOAM_OK;
  }
  loam_oplog_entry *e = next_recorded(rt);
  if (e) {
    rt->replay_pos++;
    if (e->kind != LOAM_OPLOG_LOG) {
      free(bytes);
      return trap(c, "replay diverged: the guest wrote output where the oplog has %s%s",
                  loam_oplog_kind_name(e->kind), "");
    }
  } else if (rt->replaying && rt->strict) {
    free(bytes);
    return trap(c, "replay diverged: the guest wrote output the oplog does not have%s%s",
                "", "");
  } else if (rt->recording) {
    ex_write_start(rt);
    loam_oplog_entry le = {.kind = LOAM_OPLOG_LOG};
    le.u.log.stream = (uint8_t)c->args[0];
    le.u.log.bytes = (loam_oplog_bytes){bytes, len};
    loam_error err;
    ex_append(rt->ex, rt->w, rt, &le, NULL, &err);
    if (rt->ex->opt.on_output)
      rt->ex->opt.on_output(rt->ex->opt.output_user, rt->w->tmpl_name, rt->w->name,
                            (int)c->args[0], bytes, len);
  }
  if (c->args[0] == 2) keep_stderr_tail(rt, bytes, len);
  uint32_t n32 = (uint32_t)len;
  memcpy(nwritten, &n32, 4);
  free(bytes);
  c->slots[0] = LOAM_WASI_ESUCCESS;
  c->skip = true;
  return LOAM_OK;
}

/* Answers a recorded call from its payload: the errno and the memory. */
static loam_status answer(ex_runtime *rt, loam_wasi_call *c, const loam_oplog_entry *e) {
  const uint8_t *p = e->u.host.result.data;
  size_t len = e->u.host.result.len, off = 8;
  loam_memory *m = c->caller ? loam_caller_memory(c->caller) : NULL;
  if (len < 8) return trap(c, "replay: malformed host call entry for %s%s", c->name, "");
  uint64_t s0 = 0;
  for (int i = 0; i < 8; i++) s0 |= (uint64_t)p[i] << (8 * i);
  while (off + 8 <= len) {
    uint32_t addr = get_u32(p + off), l = get_u32(p + off + 4);
    off += 8;
    if (l > len - off) break;
    uint8_t *dst = m ? loam_memory_ptr(m, addr, l) : NULL;
    if (!dst && l) return trap(c, "replay: %s writes outside guest memory%s", c->name, "");
    if (l) memcpy(dst, p + off, l);
    off += l;
  }
  c->slots[0] = s0;
  c->skip = true;
  (void)rt;
  return LOAM_OK;
}

/* Records a live call's results (AFTER phase). */
static void record(ex_runtime *rt, loam_wasi_call *c, const range *r, int nr) {
  loam_memory *m = c->caller ? loam_caller_memory(c->caller) : NULL;
  size_t cap = 8;
  for (int i = 0; i < nr; i++) cap += 8 + r[i].len;
  loam_buf b = {malloc(cap), 0, cap};
  if (!b.data) return;
  for (int i = 0; i < 8; i++) b.data[b.len++] = (uint8_t)(c->slots[0] >> (8 * i));
  for (int i = 0; i < nr; i++) {
    const uint8_t *src = m ? loam_memory_ptr(m, r[i].addr, r[i].len) : NULL;
    if (!src) continue; /* the call failed with EFAULT: nothing written */
    put_u32(&b, r[i].addr);
    put_u32(&b, r[i].len);
    if (r[i].len) memcpy(b.data + b.len, src, r[i].len);
    b.len += r[i].len;
  }
  char name[96];
  snprintf(name, sizeof name, "wasi_snapshot_preview1.%s", c->name);
  ex_write_start(rt);
  loam_oplog_entry e = {.kind = LOAM_OPLOG_HOST_CALL};
  e.u.host.index = (uint32_t)c->index;
  e.u.host.name = name;
  e.u.host.result = (loam_oplog_bytes){b.data, b.len};
  loam_error err;
  ex_append(rt->ex, rt->w, rt, &e, NULL, &err);
  free(b.data);
  loam_fault_point("after-host-call");
}

loam_status ex_wasi_hook(void *user, loam_wasi_phase phase, loam_wasi_call *c) {
  ex_runtime *rt = user;
  if (!rt->recording && !rt->replaying) return LOAM_OK; /* e.g. _initialize */
  if (phase == LOAM_WASI_BEFORE && !strcmp(c->name, "fd_write") &&
      (c->args[0] == 1 || c->args[0] == 2))
    return on_output(rt, c);
  range r[MAX_RANGES];
  int nr = out_ranges(rt, c, r);
  if (nr < 0) return LOAM_OK;
  if (phase == LOAM_WASI_AFTER) {
    if (!c->skip && rt->recording) record(rt, c, r, nr);
    return LOAM_OK;
  }
  loam_oplog_entry *e = next_recorded(rt);
  if (!e) {
    if (rt->replaying && rt->strict)
      return trap(c, "replay diverged: the guest called %s, which the oplog does not "
                     "have%s", c->name, "");
    return LOAM_OK; /* live: runs, then AFTER records it */
  }
  rt->replay_pos++;
  if (e->kind != LOAM_OPLOG_HOST_CALL || e->u.host.index != c->index) {
    const char *had = e->kind == LOAM_OPLOG_HOST_CALL ? e->u.host.name
                                                      : loam_oplog_kind_name(e->kind);
    return trap(c, "replay diverged: the guest called %s where the oplog has %s", c->name,
                had);
  }
  return answer(rt, c, e);
}
