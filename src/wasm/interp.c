/*
 * interp.c — the interpreter: runs the register code of lower.h (each
 * function lowered from its stack code on first call) in one computed-goto
 * loop that keeps wasm calls off the C stack.
 *
 * Reading guide: wasm_invoke() is the entry; run() is the loop. Its state
 * lives in locals (pc, fp, inst, membase, memsize) so the compiler keeps it
 * in registers; operands are frame slots fp[k] named by the instruction, so
 * there is no run-time stack pointer. s->frames holds what a call must
 * restore. Traps jump to one exit label that writes the error and unwinds
 * to the entry depth. Handlers are generated from X-macro lists (numeric.h,
 * LOADS, STORES, WINDOWED).
 */
#define _GNU_SOURCE /* pthread_getattr_np */
#include "lower.h"
#include "runtime.h"
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
/* Whether an access of n bytes at effective address ea leaves memory 0
 * (memsize: run()'s copy of its size). One macro for every load and store
 * handler, so a measurement build can define it away (-D'OOB(e,n)=0': what
 * guard pages could save at most; bench/README.md has the result). */
#ifndef OOB
#define OOB(ea, n) UNLIKELY((ea) + (n) > memsize)
#endif

/* Nested wasm_invoke calls on one thread (guest -> host -> guest ...) each
 * use C stack, so they are bounded apart from guest frames: by count, and
 * by the room left on this thread's stack (STACK_MARGIN must hold one more
 * nesting level: the loop's frame, a host function, loam_call). */
#define MAX_NESTING 1000
#if defined(__SANITIZE_ADDRESS__)
#define LOAM_ASAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LOAM_ASAN_BUILD 1
#endif
#endif
#ifdef LOAM_ASAN_BUILD
/* AddressSanitizer gives every local of the unoptimised loop its own
 * padded stack slot: run()'s frame is about half a megabyte there. */
#define STACK_MARGIN (2048u * 1024)
#else
#define STACK_MARGIN (256u * 1024)
#endif
static _Thread_local unsigned nesting;
static _Thread_local uintptr_t stack_floor;  /* 0: not known yet */

/* The lowest C stack address a new nesting level may start at. */
static uintptr_t c_stack_floor(void) {
  if (!stack_floor) {
    pthread_attr_t attr;
    void *addr;
    size_t size;
    stack_floor = 1;  /* unknown: rely on MAX_NESTING */
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
      /* a small thread stack keeps its upper half for nesting */
      if (pthread_attr_getstack(&attr, &addr, &size) == 0)
        stack_floor = (uintptr_t)addr +
                      (size > 2 * STACK_MARGIN ? STACK_MARGIN : size / 2);
      pthread_attr_destroy(&attr);
    }
  }
  return stack_floor;
}

/* A branch target after threading: a pointer to the target cell. */
#define TARGET(cell) ((const wasm_cell *)(cell).label)

/* ---- stopping ------------------------------------------------------------ */

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* True when checks must take the slow path now and then even without an
 * interrupt. */
static inline bool metered(const loam_store *s) {
  return s->fuel >= 0 || s->deadline_ns != 0;
}

/* Checks between clock reads: a loop iteration costs nanoseconds, so a
 * runaway loop still stops within microseconds of its deadline. */
#define CLOCK_PERIOD 1024u

/* The slow half of the stop check, run when the interrupt flag is set or
 * `*period` metered checks have passed. It sets the next period: 1 while
 * fuel is metered (every check costs one unit), else CLOCK_PERIOD (only the
 * deadline is watched, so the clock is read on every call). `calls` counts
 * calls, to read the clock every CLOCK_PERIOD-th one under fuel. */
static __attribute__((noinline)) loam_status stop_check(loam_store *s,
                                                        uint32_t *calls,
                                                        uint32_t *period) {
  if (atomic_load_explicit(&s->interrupt, memory_order_relaxed)) {
    atomic_store_explicit(&s->interrupt, false, memory_order_relaxed);
    return LOAM_TRAP_INTERRUPTED;
  }
  bool fuel = s->fuel >= 0;
  if (fuel) {
    if (s->fuel == 0) return LOAM_TRAP_FUEL;
    s->fuel--;
  }
  *period = fuel ? 1 : CLOCK_PERIOD;
  if (s->deadline_ns && (!fuel || (*calls)++ % CLOCK_PERIOD == 0) &&
      now_ns() >= s->deadline_ns)
    return LOAM_TRAP_DEADLINE;
  return LOAM_OK;
}

/* ---- traps ------------------------------------------------------------- */

/* Appends the frames of this invocation (innermost first) to
 * err->backtrace, numbering on from the lines already there (frames of a
 * nested invocation that a host function passed on). */
static void add_backtrace(loam_error *err, const loam_store *s, uint32_t base) {
  size_t len = strlen(err->backtrace), cap = sizeof err->backtrace;
  if (len >= 6 && strcmp(err->backtrace + len - 6, "  ...\n") == 0) return;
  unsigned k = 0;
  for (size_t i = 0; i < len; i++) k += err->backtrace[i] == '\n';
  for (uint32_t i = s->nframes; i > base; i--, k++) {
    const loam_func *f = s->frames[i - 1].func;
    char line[200];
    int n = snprintf(line, sizeof line, "  #%u %s (func %u)\n", k,
                     f->name ? f->name : "?", f->index);
    if (n < 0 || len + (size_t)n + 8 >= cap) {
      if (len + 7 < cap) memcpy(err->backtrace + len, "  ...\n", 7);
      return;
    }
    memcpy(err->backtrace + len, line, (size_t)n + 1);
    len += (size_t)n;
  }
}

/* A trap raised by the interpreter itself: spec wording plus backtrace. */
static loam_status raise(loam_error *err, const loam_store *s, uint32_t base,
                         loam_status st) {
  wasm_fail(err, st, "%s", loam_status_text(st));
  add_backtrace(err, s, base);
  return st;
}

/* A trap returned by a host function: keep its message if it wrote one. */
static loam_status raise_host(loam_error *err, const loam_store *s,
                              uint32_t base, loam_status st) {
  if (err->code != st || !err->message[0]) {
    int exit_code = err->exit_code;
    wasm_fail(err, st, "%s", loam_status_text(st));
    err->exit_code = exit_code;
  }
  add_backtrace(err, s, base);
  return st;
}

/* ---- host calls and tables ---------------------------------------------- */

/* Whether the stack has room for host function f's slots at `slots`:
 * max(nparams, nresults) of them. */
static inline bool host_room(const loam_store *s, const loam_func *f,
                             const uint64_t *slots) {
  uint32_t np = f->type->nparams, nr = f->type->nresults;
  return s->stack_end - slots >= (ptrdiff_t)(np > nr ? np : nr);
}

/* Calls host function f with its arguments at slots[0..nparams) (room
 * checked by the caller). The value stack above the slots is handed to
 * nested calls via s->sp. */
static loam_status call_host(loam_store *s, loam_func *f, uint64_t *slots,
                             loam_instance *inst, loam_error *err) {
  uint32_t np = f->type->nparams, nr = f->type->nresults;
  uint64_t *saved = s->sp;
  s->sp = slots + (np > nr ? np : nr);
  loam_caller caller = {s, inst, err};
  err->code = LOAM_OK;
  err->exit_code = 0;
  err->message[0] = '\0';
  err->backtrace[0] = '\0';
  loam_status st = f->host(&caller, slots, f->host_data);
  s->sp = saved;
  return st;
}

/* Loads: X(OP, C type read from memory, its slot value from `v`). */
#define LOADS(X) \
  X(I32_LOAD, uint32_t, v) X(I64_LOAD, uint64_t, v) \
  X(F32_LOAD, uint32_t, v) X(F64_LOAD, uint64_t, v) \
  X(I32_LOAD8_S, uint8_t, (uint32_t)wn_sext(v, 8)) X(I32_LOAD8_U, uint8_t, v) \
  X(I32_LOAD16_S, uint16_t, (uint32_t)wn_sext(v, 16)) \
  X(I32_LOAD16_U, uint16_t, v) \
  X(I64_LOAD8_S, uint8_t, wn_sext(v, 8)) X(I64_LOAD8_U, uint8_t, v) \
  X(I64_LOAD16_S, uint16_t, wn_sext(v, 16)) X(I64_LOAD16_U, uint16_t, v) \
  X(I64_LOAD32_S, uint32_t, wn_sext(v, 32)) X(I64_LOAD32_U, uint32_t, v)

/* Stores: X(OP, C type written to memory). */
#define STORES(X) \
  X(I32_STORE, uint32_t) X(I64_STORE, uint64_t) X(F32_STORE, uint32_t) \
  X(F64_STORE, uint64_t) X(I32_STORE8, uint8_t) X(I32_STORE16, uint16_t) \
  X(I64_STORE8, uint8_t) X(I64_STORE16, uint16_t) X(I64_STORE32, uint32_t)

/* The stack ops that stay stack-shaped in register code (see lower.h). */
#define WINDOWED(X) \
  X(TABLE_GET) X(TABLE_SET) X(TABLE_SIZE) X(TABLE_GROW) X(TABLE_FILL) \
  X(TABLE_COPY) X(TABLE_INIT) X(ELEM_DROP) X(MEMORY_SIZE) X(MEMORY_GROW) \
  X(MEMORY_INIT) X(DATA_DROP) X(MEMORY_COPY) X(MEMORY_FILL) \
  X(REF_IS_NULL) X(REF_FUNC)

static pthread_mutex_t lower_lock = PTHREAD_MUTEX_INITIALIZER;

/* Lowers c on its first call, exactly once even when several threads call
 * it first: serialised by a lock, published with a release store. */
static bool lower_once(wasm_code *c, const loam_instance *inst,
                       const void *const *labels) {
  pthread_mutex_lock(&lower_lock);
  /* A debugging aid: LOAM_DUMP_RCODE=1 prints each function's register
   * code (op numbers, not handler addresses) as it is first called. */
  static int dump = -1;
  if (dump < 0) dump = getenv("LOAM_DUMP_RCODE") != NULL;
  if (dump && !c->threaded && wasm_lower(c, inst, NULL)) {
    fprintf(stderr, "func %u (%u params, %u locals):\n", c->func_index,
            c->nparams, c->nlocals);
    wasm_rcode_dump(c, stderr);
  }
  bool ok = c->threaded || wasm_lower(c, inst, labels);
  if (ok && !c->threaded) __atomic_store_n(&c->threaded, true, __ATOMIC_RELEASE);
  pthread_mutex_unlock(&lower_lock);
  return ok;
}

/* ---- the loop ------------------------------------------------------------ */

/* A branch condition from an i32 (or i64 compare) result. */
static inline bool truthy(uint64_t v) { return (uint32_t)v != 0; }

/* Operand fields of the instruction at pc (lower.h: field k). */
#define FA (pc[1].f[0])
#define FB (pc[1].f[1])
#define FC (pc[2].f[0])
#define FD (pc[2].f[1])

/* Runs wasm function `entry` with its arguments at args[0..nparams). */
static loam_status run(loam_store *s, loam_func *entry, uint64_t *args,
                       loam_error *err) {
#define MAP2(NAME, E) X_(NAME)
#define MAP3(NAME, F, T) X_(NAME)
#define INT_BINARY(X) WN_I32_BINARY(X) WN_I64_BINARY(X)
  static const void *const labels[WASM_NOPS] = {
#define X_(NAME) [WASM_OP_##NAME] = &&op_##NAME,
      WINDOWED(X_)
#undef X_
#define PLAIN(NAME, N) [WASM_R_##NAME] = &&r_##NAME,
      WASM_RPLAIN(PLAIN)
#undef PLAIN
#define X_(NAME) [WASM_R_R_##NAME] = &&rr_##NAME,
      INT_BINARY(MAP2) WN_DIVISIONS(MAP3) WN_F32_ARITH(MAP2)
      WN_F64_ARITH(MAP2) WN_F32_COMPARE(MAP2) WN_F64_COMPARE(MAP2)
      WN_RAW_BINARY(MAP2)
#undef X_
#define X_(NAME) [WASM_R_K_##NAME] = &&k_##NAME,
      INT_BINARY(MAP2)
#undef X_
#define X_(NAME) [WASM_R_U_##NAME] = &&u_##NAME,
      WN_UNARY(MAP2) WN_TRUNCATIONS(MAP3)
#undef X_
#define X_(NAME) [WASM_R_BRIF_##NAME] = &&brif_##NAME, \
                 [WASM_R_BRUNLESS_##NAME] = &&brunless_##NAME,
      INT_BINARY(MAP2) WN_F32_COMPARE(MAP2) WN_F64_COMPARE(MAP2)
#undef X_
#define X_(NAME) [WASM_R_KBRIF_##NAME] = &&kbrif_##NAME, \
                 [WASM_R_KBRUNLESS_##NAME] = &&kbrunless_##NAME,
      WN_I32_BINARY(MAP2)
#undef X_
#define X_(NAME, T, C) [WASM_R_L_##NAME] = &&ld_##NAME,
      LOADS(X_)
#undef X_
#define X_(NAME, T) [WASM_R_S_##NAME] = &&stx_##NAME, \
                    [WASM_R_SK_##NAME] = &&stk_##NAME,
      STORES(X_)
#undef X_
#define X_(NAME, T, C) [WASM_R_LA_##NAME] = &&la_##NAME, \
                       [WASM_R_LK_##NAME] = &&lk_##NAME,
      LOADS(X_)
#undef X_
#define X_(NAME) [WASM_R_MS_##NAME] = &&ms_##NAME,
      INT_BINARY(MAP2) WN_F32_ARITH(MAP2) WN_F64_ARITH(MAP2)
#undef X_
#define X_(NAME) [WASM_R_M_##NAME] = &&m_##NAME,
      INT_BINARY(MAP2) WN_F32_ARITH(MAP2) WN_F64_ARITH(MAP2)
      WN_F32_COMPARE(MAP2) WN_F64_COMPARE(MAP2)
#undef X_
#define X_(O, I) [WASM_R_KX64_##O##_##I] = &&kx64_##O##_##I,
      WASM_FUSE64(X_)
#undef X_
#define X_(O, I) [WASM_R_KX_##O##_##I] = &&kx_##O##_##I, \
                 [WASM_R_RX_##O##_##I] = &&rx_##O##_##I,
      WASM_FUSE_PAIRS(X_)
#undef X_
#define X_(O, I) [WASM_R_XK_##O##_##I] = &&xk_##O##_##I,
      WASM_XK(X_)
#undef X_
#define X_(NAME, E) [WASM_R_AKBRIF_##NAME] = &&akbrif_##NAME, \
                    [WASM_R_AKBRUNLESS_##NAME] = &&akbrunless_##NAME, \
                    [WASM_R_ARBRIF_##NAME] = &&arbrif_##NAME, \
                    [WASM_R_ARBRUNLESS_##NAME] = &&arbrunless_##NAME, \
                    [WASM_R_RKBRIF_##NAME] = &&rkbrif_##NAME, \
                    [WASM_R_RKBRUNLESS_##NAME] = &&rkbrunless_##NAME, \
                    [WASM_R_RRBRIF_##NAME] = &&rrbrif_##NAME, \
                    [WASM_R_RRBRUNLESS_##NAME] = &&rrbrunless_##NAME,
      WN_I32_COMPARE(X_)
#undef X_
#define X_(NAME, E) [WASM_R_AR64BRIF_##NAME] = &&ar64brif_##NAME, \
                    [WASM_R_AR64BRUNLESS_##NAME] = &&ar64brunless_##NAME, \
                    [WASM_R_RR64BRIF_##NAME] = &&rr64brif_##NAME, \
                    [WASM_R_RR64BRUNLESS_##NAME] = &&rr64brunless_##NAME,
      WN_I64_COMPARE(X_)
#undef X_
  };

  const uint32_t base = s->nframes;
  const wasm_cell *pc, *ret_pc = NULL;
  uint64_t *fp = NULL, *nfp = args;
  loam_instance *inst = NULL;
  uint8_t *membase = NULL;
  uint64_t memsize = 0;
  loam_func *callee = entry;
  loam_status st;
  uint32_t calls = 0, period = 1;  /* see stop_check */
  bool metering = metered(s);

#define NEXT() goto *pc->label
#define TRAP(code) do { st = (code); goto trap; } while (0)
#define LOAD_INST(i) do { \
    inst = (i); const loam_memory *m0_ = inst->mem0; \
    membase = m0_ ? m0_->data : NULL; memsize = m0_ ? m0_->size : 0; \
  } while (0)
#define STOP_PENDING() \
  (atomic_load_explicit(&s->interrupt, memory_order_relaxed) || \
   (metering && --period == 0))
#define STOP_CHECK() do { \
    if (UNLIKELY(STOP_PENDING())) { \
      st = stop_check(s, &calls, &period); \
      if (st) goto trap; \
    } \
  } while (0)

/* Taken: moves pc by `off`, checking for a stop on backward edges (every
 * loop has one). Not taken: skips the `len` cells of the instruction. */
#define BRANCH(cond, off, len) do { \
    if (cond) { \
      int32_t o_ = (int32_t)(off); \
      pc += o_; \
      if (o_ <= 0 && UNLIKELY(STOP_PENDING())) goto slow_check; \
    } else { \
      pc += (len); \
    } \
    NEXT(); \
  } while (0)

  goto enter;

  /* ---- control ---- */
r_UNREACHABLE:
  TRAP(LOAM_TRAP_UNREACHABLE);
r_BR:
  BRANCH(true, FA, 2);
r_BR_IF:
  BRANCH((uint32_t)fp[FA], FB, 2);
r_BR_UNLESS:
  BRANCH(!(uint32_t)fp[FA], FB, 2);
r_ANDW_BRIF: {
  uint32_t v = (uint32_t)fp[FB] & FC;
  fp[FA] = v;
  BRANCH(v != 0, FD, 3);
}
r_ANDW_BRUNLESS: {
  uint32_t v = (uint32_t)fp[FB] & FC;
  fp[FA] = v;
  BRANCH(v == 0, FD, 3);
}
r_ADDW_BRIF: {
  uint32_t v = (uint32_t)fp[FB] + FC;
  fp[FA] = v;
  BRANCH(v != 0, FD, 3);
}
r_ADDW_BRUNLESS: {
  uint32_t v = (uint32_t)fp[FB] + FC;
  fp[FA] = v;
  BRANCH(v == 0, FD, 3);
}
r_XORW_BRIF: {
  uint32_t v = (uint32_t)fp[FB] ^ (uint32_t)fp[FC];
  fp[FA] = v;
  BRANCH(v != 0, FD, 3);
}
r_XORW_BRUNLESS: {
  uint32_t v = (uint32_t)fp[FB] ^ (uint32_t)fp[FC];
  fp[FA] = v;
  BRANCH(v == 0, FD, 3);
}
#define LOAD_BRANCH(NAME, T, WHEN) \
  r_##NAME: { \
    uint64_t ea = (uint64_t)(uint32_t)fp[FB] + FC; \
    if (OOB(ea, sizeof(T))) TRAP(LOAM_TRAP_OOB_MEMORY); \
    T v; \
    memcpy(&v, membase + ea, sizeof v); \
    fp[FA] = v; \
    BRANCH((v != 0) == (WHEN), FD, 3); \
  }
  LOAD_BRANCH(LW8_BRIF, uint8_t, true) LOAD_BRANCH(LW8_BRUNLESS, uint8_t, false)
  LOAD_BRANCH(LW32_BRIF, uint32_t, true) LOAD_BRANCH(LW32_BRUNLESS, uint32_t, false)
r_EQAND_BRIF:
  BRANCH((uint32_t)fp[FA] == ((uint32_t)fp[FB] & FC), FD, 3);
r_EQAND_BRUNLESS:
  BRANCH((uint32_t)fp[FA] != ((uint32_t)fp[FB] & FC), FD, 3);
r_NEAND_BRIF:
  BRANCH((uint32_t)fp[FA] != ((uint32_t)fp[FB] & FC), FD, 3);
r_NEAND_BRUNLESS:
  BRANCH((uint32_t)fp[FA] == ((uint32_t)fp[FB] & FC), FD, 3);
r_BR_TABLE_LK8: {
  uint64_t ea = (uint64_t)(uint32_t)((uint32_t)fp[FA] + FC) + FD;
  if (OOB(ea, 1)) TRAP(LOAM_TRAP_OOB_MEMORY);
  uint32_t i = membase[ea], n = FB;
  BRANCH(true, pc[3 + (i < n ? i : n)].f[0], 0);
}
r_BR_IF64:
  BRANCH(fp[FA] != 0, FB, 2);
r_BR_UNLESS64:
  BRANCH(fp[FA] == 0, FB, 2);
r_BR_TABLE: {
  uint32_t i = (uint32_t)fp[FA], n = FB;
  BRANCH(true, pc[2 + (i < n ? i : n)].f[0], 0);
}
r_RETURN1:
  fp[0] = fp[FA];
  goto ret;
r_RETURN: {
  uint32_t nr = FB;
  const uint64_t *src = fp + FA;
  for (uint32_t i = 0; i < nr; i++) fp[i] = src[i];
  goto ret;
}
ret: {
  const wasm_frame *fr = &s->frames[--s->nframes];
  if (UNLIKELY(s->nframes == base)) return LOAM_OK;
  pc = fr->ret_pc;
  fp = fr->fp;
  /* Within one instance membase/memsize are already current (memory.grow
   * and host calls reload them); another instance's memory is not. */
  if (UNLIKELY(fr->inst != inst)) LOAD_INST(fr->inst);
  NEXT();
}
r_CALL:
  callee = inst->funcs[FA];
  nfp = fp + FB;
  ret_pc = pc + 2;
  goto call;
r_CALL_MOV:
  fp[FC] = fp[FD];
  callee = inst->funcs[FA];
  nfp = fp + FB;
  ret_pc = pc + 3;
  goto call;
r_CALL_INDIRECT: {
  const loam_table *t = inst->tables[FB];
  uint32_t i = (uint32_t)fp[FD];
  if (UNLIKELY(i >= t->size)) TRAP(LOAM_TRAP_UNDEFINED_ELEMENT);
  callee = t->elems[i];
  if (UNLIKELY(!callee)) TRAP(LOAM_TRAP_UNINITIALIZED_ELEMENT);
  if (UNLIKELY(callee->type->sig_id != inst->module->m->types[FA].sig_id))
    TRAP(LOAM_TRAP_INDIRECT_TYPE);
  nfp = fp + FC;
  ret_pc = pc + 3;
  goto call;
}
call:
  STOP_CHECK();
  if (UNLIKELY(callee->host != NULL)) {
    if (UNLIKELY(!host_room(s, callee, nfp))) TRAP(LOAM_TRAP_STACK_EXHAUSTED);
    st = call_host(s, callee, nfp, inst, err);
    if (UNLIKELY(st)) {
      raise_host(err, s, base, st);
      s->nframes = base;
      return st;
    }
    pc = ret_pc;
    LOAD_INST(inst);  /* the host may have grown memory or changed fuel */
    metering = metered(s);
    period = 1;
    NEXT();
  }
enter: {
  /* callee is a wasm function whose arguments are at nfp; ret_pc/fp are
   * what the caller resumes with. */
  wasm_code *c = (wasm_code *)callee->code;
  if (UNLIKELY(!__atomic_load_n(&c->threaded, __ATOMIC_ACQUIRE)) &&
      !lower_once(c, callee->inst, labels))
    TRAP(LOAM_ERR_NOMEM);
  if (UNLIKELY(s->nframes >= WASM_MAX_FRAMES ||
               s->stack_end - nfp < (ptrdiff_t)c->frame_slots))
    TRAP(LOAM_TRAP_STACK_EXHAUSTED);
  s->frames[s->nframes++] = (wasm_frame){ret_pc, fp, callee, inst};
  fp = nfp;
  for (uint32_t i = 0; i < c->nlocals; i++) fp[c->nparams + i] = 0;
  if (callee->inst != inst) LOAD_INST(callee->inst);
  pc = c->rcells;
  NEXT();
}

r_LOOP_CHECK:
  pc++;
  if (UNLIKELY(STOP_PENDING())) goto slow_check;
  NEXT();
/* The slow half of a stop check whose fast half said so; pc is where the
 * code continues. */
slow_check:
  st = stop_check(s, &calls, &period);
  if (st) goto trap;
  NEXT();

  /* ---- moves, constants, globals, select ---- */
r_MOV:
  fp[FA] = fp[FB];
  pc += 2;
  NEXT();
#define KF_OP(NAME, EXPR) \
  r_##NAME: { double a = wn_f64(fp[FB]), k = wn_f64(pc[2].u64); \
              fp[FA] = wn_bits64(EXPR); pc += 3; NEXT(); }
  KF_OP(KF_F64_ADD, a + k) KF_OP(KF_F64_SUB, a - k) KF_OP(KF_F64_MUL, a * k)
  KF_OP(KF_F64_DIV, a / k) KF_OP(KFL_F64_SUB, k - a) KF_OP(KFL_F64_DIV, k / a)
r_ADD2_I32:
  fp[FA] = (uint32_t)fp[FB] + pc[3].f[0];
  fp[FC] = (uint32_t)fp[FD] + pc[3].f[1];
  pc += 4;
  NEXT();
r_MOV2:
  fp[FA] = fp[FB];
  fp[FC] = fp[FD];
  pc += 3;
  NEXT();
r_RADD2_I32:
  fp[FA] = (uint32_t)fp[FB] + (uint32_t)fp[FC];
  fp[FD] = (uint32_t)fp[pc[3].f[0]] + (uint32_t)fp[pc[3].f[1]];
  pc += 4;
  NEXT();
r_CONST32:
  fp[FA] = FB;
  pc += 2;
  NEXT();
r_CONST64:
  fp[FA] = pc[2].u64;
  pc += 3;
  NEXT();
r_GLOBAL_GET:
  fp[FA] = inst->globals[FB]->value;
  pc += 2;
  NEXT();
r_GLOBAL_SET:
  inst->globals[FA]->value = fp[FB];
  pc += 2;
  NEXT();
r_ADD_SHL:
  fp[FA] = (uint32_t)fp[FB] + ((uint32_t)fp[FC] << (FD & 31));
  pc += 3;
  NEXT();
/* f64 multiply-accumulate into memory; two roundings, as the separate
 * mul and add (x86-64's baseline has no FMA for gcc to contract into) */
r_MMS_F64: {
  uint64_t eb = (uint64_t)(uint32_t)fp[FB] + FC;
  uint64_t ec = (uint64_t)(uint32_t)fp[FD] + pc[3].f[0];
  if (OOB(eb, 8) || OOB(ec, 8)) TRAP(LOAM_TRAP_OOB_MEMORY);
  double b, c;
  memcpy(&b, membase + eb, 8);
  memcpy(&c, membase + ec, 8);
  double t = wn_f64(fp[FA]) * b;
  c = t + c;
  memcpy(membase + ec, &c, 8);
  pc += 4;
  NEXT();
}
r_MK_F64_MUL: {
  uint64_t eb = (uint64_t)(uint32_t)((uint32_t)fp[FC] + FD) + pc[3].f[0];
  if (OOB(eb, 8)) TRAP(LOAM_TRAP_OOB_MEMORY);
  double b;
  memcpy(&b, membase + eb, 8);
  fp[FA] = wn_bits64(wn_f64(fp[FB]) * b);
  pc += 4;
  NEXT();
}
r_MMSK_F64: {
  uint64_t eb = (uint64_t)(uint32_t)((uint32_t)fp[FB] + FC) + FD;
  uint64_t ec = (uint64_t)(uint32_t)fp[pc[3].f[0]] + pc[3].f[1];
  if (OOB(eb, 8) || OOB(ec, 8)) TRAP(LOAM_TRAP_OOB_MEMORY);
  double b, c;
  memcpy(&b, membase + eb, 8);
  memcpy(&c, membase + ec, 8);
  double t = wn_f64(fp[FA]) * b;
  c = t + c;
  memcpy(membase + ec, &c, 8);
  pc += 4;
  NEXT();
}
r_MMSKA_F64: {
  fp[FA] = (uint32_t)((uint32_t)fp[FB] + FC);
  uint64_t eb = (uint64_t)(uint32_t)((uint32_t)fp[pc[3].f[0]] + pc[3].f[1]) + pc[4].f[0];
  uint64_t ec = (uint64_t)(uint32_t)fp[FA] + pc[4].f[1];
  if (OOB(eb, 8) || OOB(ec, 8)) TRAP(LOAM_TRAP_OOB_MEMORY);
  double b, c;
  memcpy(&b, membase + eb, 8);
  memcpy(&c, membase + ec, 8);
  double t = wn_f64(fp[FD]) * b;
  c = t + c;
  memcpy(membase + ec, &c, 8);
  pc += 5;
  NEXT();
}
r_RMS_F64: {
  uint64_t ec = (uint64_t)(uint32_t)fp[FC] + FD;
  if (OOB(ec, 8)) TRAP(LOAM_TRAP_OOB_MEMORY);
  double c;
  memcpy(&c, membase + ec, 8);
  double t = wn_f64(fp[FA]) * wn_f64(fp[FB]);
  c = t + c;
  memcpy(membase + ec, &c, 8);
  pc += 3;
  NEXT();
}
r_RSUB_I32:
  fp[FA] = (uint32_t)(FC - (uint32_t)fp[FB]);
  pc += 3;
  NEXT();
r_SELECT:
  fp[FA] = (uint32_t)fp[FD] ? fp[FB] : fp[FC];
  pc += 3;
  NEXT();

  /* ---- windowed ops: sp is the slot above their inputs ---- */
#define WIN(nimm) uint64_t *sp = fp + pc[1 + (nimm)].f[0]
op_TABLE_GET: {
  WIN(1);
  const loam_table *t = inst->tables[pc[1].u32];
  uint32_t i = (uint32_t)sp[-1];
  if (UNLIKELY(i >= t->size)) TRAP(LOAM_TRAP_OOB_TABLE);
  sp[-1] = (uint64_t)(uintptr_t)t->elems[i];
  pc += 3;
  NEXT();
}
op_TABLE_SET: {
  WIN(1);
  loam_table *t = inst->tables[pc[1].u32];
  uint32_t i = (uint32_t)sp[-2];
  if (UNLIKELY(i >= t->size)) TRAP(LOAM_TRAP_OOB_TABLE);
  t->elems[i] = (void *)(uintptr_t)sp[-1];
  pc += 3;
  NEXT();
}
op_TABLE_SIZE: {
  WIN(1);
  sp[0] = inst->tables[pc[1].u32]->size;
  pc += 3;
  NEXT();
}
op_TABLE_GROW: {
  WIN(1);
  int64_t r = wasm_table_grow(inst->tables[pc[1].u32], (uint32_t)sp[-1],
                              (void *)(uintptr_t)sp[-2]);
  sp[-2] = (uint32_t)r;
  pc += 3;
  NEXT();
}
op_TABLE_FILL: {
  WIN(1);
  loam_table *t = inst->tables[pc[1].u32];
  uint32_t i = (uint32_t)sp[-3], n = (uint32_t)sp[-1];
  void *v = (void *)(uintptr_t)sp[-2];
  if (UNLIKELY((uint64_t)i + n > t->size)) TRAP(LOAM_TRAP_OOB_TABLE);
  for (uint32_t k = 0; k < n; k++) t->elems[i + k] = v;
  pc += 3;
  NEXT();
}
op_TABLE_COPY: {
  WIN(2);
  loam_table *dt = inst->tables[pc[1].u32], *st_ = inst->tables[pc[2].u32];
  uint32_t d = (uint32_t)sp[-3], src = (uint32_t)sp[-2], n = (uint32_t)sp[-1];
  if (UNLIKELY((uint64_t)d + n > dt->size || (uint64_t)src + n > st_->size))
    TRAP(LOAM_TRAP_OOB_TABLE);
  if (n) memmove(dt->elems + d, st_->elems + src, n * sizeof(void *));
  pc += 4;
  NEXT();
}
op_TABLE_INIT: {
  WIN(2);
  uint32_t e = pc[1].u32;
  loam_table *t = inst->tables[pc[2].u32];
  uint32_t d = (uint32_t)sp[-3], src = (uint32_t)sp[-2], n = (uint32_t)sp[-1];
  if (UNLIKELY((uint64_t)src + n > inst->elem_len[e] ||
               (uint64_t)d + n > t->size))
    TRAP(LOAM_TRAP_OOB_TABLE);
  if (n) memcpy(t->elems + d, inst->elem_items[e] + src, n * sizeof(void *));
  pc += 4;
  NEXT();
}
op_ELEM_DROP:
  inst->elem_len[pc[1].u32] = 0;
  pc += 3;
  NEXT();
op_MEMORY_SIZE: {
  WIN(0);
  sp[0] = inst->mem0->pages;
  pc += 2;
  NEXT();
}
op_MEMORY_GROW: {
  WIN(0);
  sp[-1] = (uint32_t)loam_memory_grow(inst->mem0, (uint32_t)sp[-1]);
  LOAD_INST(inst);
  pc += 2;
  NEXT();
}
op_MEMORY_INIT: {
  WIN(1);
  uint32_t seg = pc[1].u32;
  uint32_t d = (uint32_t)sp[-3], src = (uint32_t)sp[-2], n = (uint32_t)sp[-1];
  if (UNLIKELY((uint64_t)src + n > inst->data_len[seg] ||
               (uint64_t)d + n > memsize))
    TRAP(LOAM_TRAP_OOB_MEMORY);
  if (n) {
    const wasm_module *m = inst->module->m;
    memcpy(membase + d, m->bytes + m->datas[seg].bytes.off + src, n);
  }
  pc += 3;
  NEXT();
}
op_DATA_DROP:
  inst->data_len[pc[1].u32] = 0;
  pc += 3;
  NEXT();
op_MEMORY_COPY: {
  WIN(0);
  uint32_t d = (uint32_t)sp[-3], src = (uint32_t)sp[-2], n = (uint32_t)sp[-1];
  if (UNLIKELY((uint64_t)d + n > memsize || (uint64_t)src + n > memsize))
    TRAP(LOAM_TRAP_OOB_MEMORY);
  if (n) memmove(membase + d, membase + src, n);
  pc += 2;
  NEXT();
}
op_MEMORY_FILL: {
  WIN(0);
  uint32_t d = (uint32_t)sp[-3], n = (uint32_t)sp[-1];
  if (UNLIKELY((uint64_t)d + n > memsize)) TRAP(LOAM_TRAP_OOB_MEMORY);
  if (n) memset(membase + d, (int)(uint8_t)sp[-2], n);
  pc += 2;
  NEXT();
}
op_REF_IS_NULL: {
  WIN(0);
  sp[-1] = sp[-1] == 0;
  pc += 2;
  NEXT();
}
op_REF_FUNC: {
  WIN(1);
  sp[0] = (uint64_t)(uintptr_t)inst->funcs[pc[1].u32];
  pc += 3;
  NEXT();
}

  /* ---- memory ---- */
#define LOAD_OP(NAME, T, CONV) \
  ld_##NAME: { \
    uint64_t ea = (uint64_t)(uint32_t)fp[FB] + FC; \
    if (OOB(ea, sizeof(T))) TRAP(LOAM_TRAP_OOB_MEMORY); \
    T v; \
    memcpy(&v, membase + ea, sizeof v); \
    fp[FA] = (CONV); \
    pc += 3; \
    NEXT(); \
  }
  LOADS(LOAD_OP)
#define STORE_OP(NAME, T) \
  stx_##NAME: { \
    uint64_t ea = (uint64_t)(uint32_t)fp[FA] + FC; \
    if (OOB(ea, sizeof(T))) TRAP(LOAM_TRAP_OOB_MEMORY); \
    T v = (T)fp[FB]; \
    memcpy(membase + ea, &v, sizeof v); \
    pc += 3; \
    NEXT(); \
  }
  STORES(STORE_OP)
#define STORE_K(NAME, T) \
  stk_##NAME: { \
    uint64_t ea = (uint64_t)(uint32_t)fp[FA] + FC; \
    if (OOB(ea, sizeof(T))) TRAP(LOAM_TRAP_OOB_MEMORY); \
    T v = (T)FB; \
    memcpy(membase + ea, &v, sizeof v); \
    pc += 3; \
    NEXT(); \
  }
  STORES(STORE_K)
/* Loads from (a + b) or (a + k) wrapped to 32 bits, plus the offset. */
#define LOAD_ADD(NAME, T, CONV) \
  la_##NAME: { \
    uint64_t ea = (uint64_t)(uint32_t)((uint32_t)fp[FB] + (uint32_t)fp[FC]) + FD; \
    if (OOB(ea, sizeof(T))) TRAP(LOAM_TRAP_OOB_MEMORY); \
    T v; \
    memcpy(&v, membase + ea, sizeof v); \
    fp[FA] = (CONV); \
    pc += 3; \
    NEXT(); \
  } \
  lk_##NAME: { \
    uint64_t ea = (uint64_t)(uint32_t)((uint32_t)fp[FB] + FC) + FD; \
    if (OOB(ea, sizeof(T))) TRAP(LOAM_TRAP_OOB_MEMORY); \
    T v; \
    memcpy(&v, membase + ea, sizeof v); \
    fp[FA] = (CONV); \
    pc += 3; \
    NEXT(); \
  }
  LOADS(LOAD_ADD)
/* Binary ops whose right operand is loaded from slot c's address + d. */
#define AS_INT32(x) ((uint32_t)(x))
#define AS_INT64(x) ((uint64_t)(x))
#define AS_BOOL(x) ((uint64_t)(x))
#define MEM_OP(T, RD, WR, NAME, EXPR) \
  m_##NAME: { \
    uint64_t ea = (uint64_t)(uint32_t)fp[FC] + FD; \
    if (OOB(ea, sizeof(T))) TRAP(LOAM_TRAP_OOB_MEMORY); \
    T a = RD(fp[FB]), b; \
    memcpy(&b, membase + ea, sizeof b); \
    fp[FA] = WR(EXPR); \
    pc += 3; \
    NEXT(); \
  }
/* The same, stored back to where b came from (slot b's address + c). */
#define MEM_RMW(T, RD, NAME, EXPR) \
  ms_##NAME: { \
    uint64_t ea = (uint64_t)(uint32_t)fp[FB] + FC; \
    if (OOB(ea, sizeof(T))) TRAP(LOAM_TRAP_OOB_MEMORY); \
    T a = RD(fp[FA]), b; \
    memcpy(&b, membase + ea, sizeof b); \
    T r = (T)(EXPR); \
    memcpy(membase + ea, &r, sizeof r); \
    pc += 3; \
    NEXT(); \
  }
#define RMW_I32(NAME, EXPR) MEM_RMW(uint32_t, AS_INT32, NAME, EXPR)
#define RMW_I64(NAME, EXPR) MEM_RMW(uint64_t, AS_INT64, NAME, EXPR)
#define RMW_F32(NAME, EXPR) MEM_RMW(float, wn_f32, NAME, EXPR)
#define RMW_F64(NAME, EXPR) MEM_RMW(double, wn_f64, NAME, EXPR)
  WN_I32_BINARY(RMW_I32) WN_I64_BINARY(RMW_I64)
  WN_F32_ARITH(RMW_F32) WN_F64_ARITH(RMW_F64)
#define MEM_I32(NAME, EXPR) MEM_OP(uint32_t, AS_INT32, AS_INT32, NAME, EXPR)
#define MEM_I64(NAME, EXPR) MEM_OP(uint64_t, AS_INT64, AS_INT64, NAME, EXPR)
#define MEM_F32(NAME, EXPR) MEM_OP(float, wn_f32, wn_bits32, NAME, EXPR)
#define MEM_F64(NAME, EXPR) MEM_OP(double, wn_f64, wn_bits64, NAME, EXPR)
#define MEM_F32C(NAME, EXPR) MEM_OP(float, wn_f32, AS_BOOL, NAME, EXPR)
#define MEM_F64C(NAME, EXPR) MEM_OP(double, wn_f64, AS_BOOL, NAME, EXPR)
  WN_I32_BINARY(MEM_I32) WN_I64_BINARY(MEM_I64)
  WN_F32_ARITH(MEM_F32) WN_F64_ARITH(MEM_F64)
  WN_F32_COMPARE(MEM_F32C) WN_F64_COMPARE(MEM_F64C)

  /* ---- numeric (lists in numeric.h) ---- */
#define INT_OP(T, NAME, EXPR) \
  rr_##NAME: { T a = (T)fp[FB], b = (T)fp[FC]; fp[FA] = (T)(EXPR); \
               pc += 3; NEXT(); } \
  brif_##NAME: { T a = (T)fp[FA], b = (T)fp[FB]; \
                 BRANCH(truthy(EXPR), FC, 3); } \
  brunless_##NAME: { T a = (T)fp[FA], b = (T)fp[FB]; \
                     BRANCH(!truthy(EXPR), FC, 3); }
#define I32_OP(NAME, EXPR) INT_OP(uint32_t, NAME, EXPR) \
  k_##NAME: { uint32_t a = (uint32_t)fp[FB], b = FC; fp[FA] = (uint32_t)(EXPR); \
              pc += 3; NEXT(); } \
  kbrif_##NAME: { uint32_t a = (uint32_t)fp[FA], b = FB; \
                  BRANCH(truthy(EXPR), FC, 3); } \
  kbrunless_##NAME: { uint32_t a = (uint32_t)fp[FA], b = FB; \
                      BRANCH(!truthy(EXPR), FC, 3); }
#define I64_OP(NAME, EXPR) INT_OP(uint64_t, NAME, EXPR) \
  k_##NAME: { uint64_t a = fp[FB], b = pc[2].u64; fp[FA] = (uint64_t)(EXPR); \
              pc += 3; NEXT(); }
#define DIV_OP(NAME, FN, T) \
  rr_##NAME: { T r; st = FN((T)fp[FB], (T)fp[FC], &r); \
               if (UNLIKELY(st)) goto trap; \
               fp[FA] = r; pc += 3; NEXT(); }
#define F32_OP(NAME, EXPR) \
  rr_##NAME: { float a = wn_f32(fp[FB]), b = wn_f32(fp[FC]); \
               fp[FA] = wn_bits32(EXPR); pc += 3; NEXT(); }
#define F64_OP(NAME, EXPR) \
  rr_##NAME: { double a = wn_f64(fp[FB]), b = wn_f64(fp[FC]); \
               fp[FA] = wn_bits64(EXPR); pc += 3; NEXT(); }
#define FLOAT_CMP(T, RD, NAME, EXPR) \
  rr_##NAME: { T a = RD(fp[FB]), b = RD(fp[FC]); fp[FA] = (EXPR); \
               pc += 3; NEXT(); } \
  brif_##NAME: { T a = RD(fp[FA]), b = RD(fp[FB]); \
                 BRANCH((EXPR), FC, 3); } \
  brunless_##NAME: { T a = RD(fp[FA]), b = RD(fp[FB]); \
                     BRANCH(!(EXPR), FC, 3); }
#define F32_CMP(NAME, EXPR) FLOAT_CMP(float, wn_f32, NAME, EXPR)
#define F64_CMP(NAME, EXPR) FLOAT_CMP(double, wn_f64, NAME, EXPR)
#define RAW_BIN(NAME, EXPR) \
  rr_##NAME: { uint64_t A = fp[FB], B = fp[FC]; fp[FA] = (EXPR); \
               pc += 3; NEXT(); }
#define UNARY(NAME, EXPR) \
  u_##NAME: { uint64_t x = fp[FB]; fp[FA] = (EXPR); pc += 2; NEXT(); }
#define TRUNC_OP(NAME, FN, ARG) \
  u_##NAME: { uint64_t x = fp[FB], r; st = FN(ARG, &r); \
              if (UNLIKELY(st)) goto trap; \
              fp[FA] = r; pc += 2; NEXT(); }
  WN_I32_BINARY(I32_OP)
  WN_I64_BINARY(I64_OP)
/* Two i32 ops in one (lower.h: KX_, RX_): c o (a i k) and c o (a i b). */
#define I32F_ADD(a, b) ((a) + (b))
#define I32F_SUB(a, b) ((a) - (b))
#define I32F_AND(a, b) ((a) & (b))
#define I32F_OR(a, b) ((a) | (b))
#define I32F_XOR(a, b) ((a) ^ (b))
#define I32F_SHL(a, b) ((a) << ((b) & 31))
#define I32F_SHR_S(a, b) wn_shr_s32(a, b)
#define I32F_SHR_U(a, b) ((a) >> ((b) & 31))
#define I32F_ROTL(a, b) wn_rotl32(a, b)
#define I32F_ROTR(a, b) wn_rotr32(a, b)
#define I32F_RSUB(a, b) ((b) - (a))
#define FUSED_OP(O, I) \
  kx_##O##_##I: { uint32_t t = I32F_##I((uint32_t)fp[FC], FD); \
                  fp[FA] = (uint32_t)I32F_##O((uint32_t)fp[FB], t); \
                  pc += 3; NEXT(); } \
  rx_##O##_##I: { uint32_t t = I32F_##I((uint32_t)fp[FC], (uint32_t)fp[FD]); \
                  fp[FA] = (uint32_t)I32F_##O((uint32_t)fp[FB], t); \
                  pc += 3; NEXT(); }
  WASM_FUSE_PAIRS(FUSED_OP)
/* (a i b) o k (lower.h: XK_) */
#define XK_OP(O, I) \
  xk_##O##_##I: { uint32_t t = I32F_##I((uint32_t)fp[FB], (uint32_t)fp[FC]); \
                  fp[FA] = (uint32_t)I32F_##O(t, FD); pc += 3; NEXT(); }
  WASM_XK(XK_OP)
/* A loop counter's step, then its exit test (lower.h: ADDBR); the slot
 * bound is read after the step, as the separate ops would. */
#define ADD_BRANCH1(L, T, ADDEND, BOUND, O, NAME, EXPR) \
  L##brif_##NAME: { T a = (T)fp[FB] + (T)(ADDEND); fp[FA] = a; \
                    T b = (T)(BOUND); BRANCH(EXPR, O, 4); } \
  L##brunless_##NAME: { T a = (T)fp[FB] + (T)(ADDEND); fp[FA] = a; \
                        T b = (T)(BOUND); BRANCH(!(EXPR), O, 4); }
#define ADD_BRANCH(NAME, EXPR) \
  ADD_BRANCH1(ak, uint32_t, FC, FD, pc[3].f[0], NAME, EXPR) \
  ADD_BRANCH1(ar, uint32_t, FC, fp[FD], pc[3].f[0], NAME, EXPR) \
  ADD_BRANCH1(rk, uint32_t, fp[FC], FD, pc[3].f[0], NAME, EXPR) \
  ADD_BRANCH1(rr, uint32_t, fp[FC], fp[FD], pc[3].f[0], NAME, EXPR)
  WN_I32_COMPARE(ADD_BRANCH)
#define ADD_BRANCH64(NAME, EXPR) \
  ADD_BRANCH1(ar64, uint64_t, pc[2].u64, fp[pc[3].f[0]], pc[3].f[1], NAME, EXPR) \
  ADD_BRANCH1(rr64, uint64_t, fp[FC], fp[FD], pc[3].f[0], NAME, EXPR)
  WN_I64_COMPARE(ADD_BRANCH64)
#define I64F_ADD(a, b) ((a) + (b))
#define I64F_SUB(a, b) ((a) - (b))
#define I64F_AND(a, b) ((a) & (b))
#define I64F_OR(a, b) ((a) | (b))
#define I64F_XOR(a, b) ((a) ^ (b))
#define I64F_SHL(a, b) ((a) << ((b) & 63))
#define I64F_SHR_S(a, b) wn_shr_s64(a, b)
#define I64F_SHR_U(a, b) ((a) >> ((b) & 63))
#define I64F_ROTL(a, b) wn_rotl64(a, b)
#define I64F_ROTR(a, b) wn_rotr64(a, b)
#define FUSED64_OP(O, I) \
  kx64_##O##_##I: { uint64_t t = I64F_##I(fp[FC], (uint64_t)FD); \
                    fp[FA] = I64F_##O(fp[FB], t); pc += 3; NEXT(); }
  WASM_FUSE64(FUSED64_OP)
  WN_DIVISIONS(DIV_OP)
  WN_F32_ARITH(F32_OP)
  WN_F64_ARITH(F64_OP)
  WN_F32_COMPARE(F32_CMP)
  WN_F64_COMPARE(F64_CMP)
  WN_RAW_BINARY(RAW_BIN)
  WN_UNARY(UNARY)
  WN_TRUNCATIONS(TRUNC_OP)

trap:
  raise(err, s, base, st);
  s->nframes = base;
  return st;
}

/* ---- entry points -------------------------------------------------------- */

void wasm_code_thread(wasm_code *c) { (void)c; }

loam_status wasm_invoke(loam_store *s, loam_func *f, uint64_t *sp,
                        loam_error *err) {
  loam_error scratch;
  if (!err) err = &scratch;
  uint64_t *saved_sp = s->sp;
  uint32_t saved_frames = s->nframes;
  loam_status st;
  if (nesting >= MAX_NESTING ||
      (nesting && (uintptr_t)__builtin_frame_address(0) < c_stack_floor())) {
    st = raise(err, s, s->nframes, LOAM_TRAP_STACK_EXHAUSTED);
  } else if (f->host) {
    if (!host_room(s, f, sp)) {
      st = raise(err, s, s->nframes, LOAM_TRAP_STACK_EXHAUSTED);
    } else {
      nesting++;
      st = call_host(s, f, sp, NULL, err);
      nesting--;
      if (st) raise_host(err, s, s->nframes, st);
    }
  } else {
    nesting++;
    st = run(s, f, sp, err);
    nesting--;
  }
  if (st == LOAM_OK) {
    err->code = LOAM_OK;
    err->message[0] = '\0';
    err->backtrace[0] = '\0';
  }
  s->sp = saved_sp;
  s->nframes = saved_frames;
  return st;
}
