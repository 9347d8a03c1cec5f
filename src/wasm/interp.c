/*
 * interp.c — the interpreter: threads compiled code (op numbers -> handler
 * addresses) and runs it in one computed-goto loop that keeps wasm calls off
 * the C stack.
 *
 * Reading guide: wasm_invoke() is the entry; run() is the loop. Its state
 * lives in locals (pc, sp, fp, inst, membase, memsize) so the compiler keeps
 * it in registers; s->frames holds what a call must restore. Traps jump to
 * one exit label that writes the error and unwinds to the entry depth.
 * Handlers are generated from X-macro lists (numeric.h, LOADS); threading
 * also picks super-instruction handlers for common sequences (label_set).
 */
#define _GNU_SOURCE /* pthread_getattr_np */
#include "numeric.h"
#include "runtime.h"
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Nested wasm_invoke calls on one thread (guest -> host -> guest ...) each
 * use C stack, so they are bounded apart from guest frames: by count, and
 * by the room left on this thread's stack (STACK_MARGIN must hold one more
 * nesting level: the loop's frame, a host function, loam_call). */
#define MAX_NESTING 1000
#define STACK_MARGIN (256u * 1024)
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

/* Moves the top `keep` slots down by `drop` (a branch adjustment cell). */
static inline uint64_t *adjust(uint64_t *sp, uint64_t adj) {
  uint32_t keep = (uint32_t)adj, drop = (uint32_t)(adj >> 32);
  uint64_t *dst = sp - keep - drop, *src = sp - keep;
  for (uint32_t i = 0; i < keep; i++) dst[i] = src[i];
  return sp - drop;
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

/* Super-instructions. wasm_code_thread gives the first op of a common
 * sequence the address of a handler that runs the whole sequence; the cells
 * stay as they were, so a branch into the middle of a sequence still finds
 * the plain handler of the op it lands on. One table per shape, indexed by
 * the op that varies (0 = no such fusion):
 *   k:       i32/i64.const c; binop           (binop with a constant)
 *   l:       local.get x; binop               (binop with a local)
 *   lk:      local.get x; const c; binop      (push local op constant)
 *   brif:    binop; br_if t      brunless: binop; br_unless t
 *   set:     binop; local.set x  tee: binop; local.tee x
 *   addload: i32.add; load off
 *   lload:   local.get x; load off    teeload: local.tee x; load off
 *   kbrif:   const c; binop; br_if t  kbrunless: ... br_unless t
 *   ldop:    load off; binop          (full-width load of the op's type)
 *   opstore: binop; store off         (full-width store of the op's type)
 *   kaddload: i32.const c; i32.add; load off
 *   lkaddload: local.get x; i32.const c; i32.add; load off
 *   loadset: load off; local.set x    loadtee: load off; local.tee x
 * plus local.get x; local.get y / local.set x; local.get y /
 * local.tee x; local.get y / loop_check; local.get x / i32|i64.eqz;
 * br_if|br_unless. Integer binops fuse
 * in every shape; float arithmetic with l/set/tee, float compares with
 * brif/brunless. */
typedef struct label_set {
  const void *const *base, *const *k, *const *l, *const *lk, *const *brif,
      *const *brunless, *const *set, *const *tee, *const *addload,
      *const *lload, *const *teeload, *const *kbrif, *const *kbrunless,
      *const *ldop, *const *opstore, *const *kaddload, *const *lkaddload,
      *const *loadset, *const *loadtee;
  const void *get_get, *set_get, *tee_get, *check_get;
  const void *eqz32_brif, *eqz32_brunless, *eqz64_brif, *eqz64_brunless;
} label_set;

/* ---- the loop ------------------------------------------------------------ */

/* Runs wasm function `entry` with its arguments at sp[0..nparams). With
 * labels_out set, only returns the handler table (for wasm_code_thread). */
static loam_status run(loam_store *s, loam_func *entry, uint64_t *sp,
                       loam_error *err, label_set *labels_out) {
  static const void *const labels[WASM_OP_COUNT] = {
#define LABEL_ADDR(name, nimm) [WASM_OP_##name] = &&op_##name,
      WASM_OPS(LABEL_ADDR)
#undef LABEL_ADDR
  };
#define INT_OPS(X) WN_I32_BINARY(X) WN_I64_BINARY(X)
#define FLOAT_ARITH(X) WN_F32_ARITH(X) WN_F64_ARITH(X)
#define FLOAT_COMPARE(X) WN_F32_COMPARE(X) WN_F64_COMPARE(X)
#define k_ADDR(NAME, EXPR) [WASM_OP_##NAME] = &&k_##NAME,
#define l_ADDR(NAME, EXPR) [WASM_OP_##NAME] = &&l_##NAME,
#define lk_ADDR(NAME, EXPR) [WASM_OP_##NAME] = &&lk_##NAME,
#define brif_ADDR(NAME, EXPR) [WASM_OP_##NAME] = &&brif_##NAME,
#define brunless_ADDR(NAME, EXPR) [WASM_OP_##NAME] = &&brunless_##NAME,
#define set_ADDR(NAME, EXPR) [WASM_OP_##NAME] = &&set_##NAME,
#define tee_ADDR(NAME, EXPR) [WASM_OP_##NAME] = &&tee_##NAME,
#define addload_ADDR(NAME, T, CONV) [WASM_OP_##NAME] = &&addload_##NAME,
#define lload_ADDR(NAME, T, CONV) [WASM_OP_##NAME] = &&lload_##NAME,
#define teeload_ADDR(NAME, T, CONV) [WASM_OP_##NAME] = &&teeload_##NAME,
  static const void *const k_labels[WASM_OP_COUNT] = {INT_OPS(k_ADDR)};
  static const void *const l_labels[WASM_OP_COUNT] = {
      INT_OPS(l_ADDR) FLOAT_ARITH(l_ADDR)};
  static const void *const lk_labels[WASM_OP_COUNT] = {INT_OPS(lk_ADDR)};
  static const void *const brif_labels[WASM_OP_COUNT] = {
      INT_OPS(brif_ADDR) FLOAT_COMPARE(brif_ADDR)};
  static const void *const brunless_labels[WASM_OP_COUNT] = {
      INT_OPS(brunless_ADDR) FLOAT_COMPARE(brunless_ADDR)};
  static const void *const set_labels[WASM_OP_COUNT] = {
      INT_OPS(set_ADDR) FLOAT_ARITH(set_ADDR)};
  static const void *const tee_labels[WASM_OP_COUNT] = {
      INT_OPS(tee_ADDR) FLOAT_ARITH(tee_ADDR)};
  static const void *const addload_labels[WASM_OP_COUNT] = {LOADS(addload_ADDR)};
  static const void *const lload_labels[WASM_OP_COUNT] = {LOADS(lload_ADDR)};
  static const void *const teeload_labels[WASM_OP_COUNT] = {LOADS(teeload_ADDR)};
#define kbrif_ADDR(NAME, EXPR) [WASM_OP_##NAME] = &&kbrif_##NAME,
#define kbrunless_ADDR(NAME, EXPR) [WASM_OP_##NAME] = &&kbrunless_##NAME,
#define ldop_ADDR(NAME, EXPR) [WASM_OP_##NAME] = &&ldop_##NAME,
#define opstore_ADDR(NAME, EXPR) [WASM_OP_##NAME] = &&opstore_##NAME,
  static const void *const kbrif_labels[WASM_OP_COUNT] = {INT_OPS(kbrif_ADDR)};
  static const void *const kbrunless_labels[WASM_OP_COUNT] = {
      INT_OPS(kbrunless_ADDR)};
  static const void *const ldop_labels[WASM_OP_COUNT] = {
      INT_OPS(ldop_ADDR) FLOAT_ARITH(ldop_ADDR) FLOAT_COMPARE(ldop_ADDR)};
  static const void *const opstore_labels[WASM_OP_COUNT] = {
      INT_OPS(opstore_ADDR) FLOAT_ARITH(opstore_ADDR)};
#define kaddload_ADDR(NAME, T, CONV) [WASM_OP_##NAME] = &&kaddload_##NAME,
#define lkaddload_ADDR(NAME, T, CONV) [WASM_OP_##NAME] = &&lkaddload_##NAME,
#define loadset_ADDR(NAME, T, CONV) [WASM_OP_##NAME] = &&loadset_##NAME,
#define loadtee_ADDR(NAME, T, CONV) [WASM_OP_##NAME] = &&loadtee_##NAME,
  static const void *const kaddload_labels[WASM_OP_COUNT] = {LOADS(kaddload_ADDR)};
  static const void *const lkaddload_labels[WASM_OP_COUNT] = {
      LOADS(lkaddload_ADDR)};
  static const void *const loadset_labels[WASM_OP_COUNT] = {LOADS(loadset_ADDR)};
  static const void *const loadtee_labels[WASM_OP_COUNT] = {LOADS(loadtee_ADDR)};
  if (labels_out) {
    *labels_out = (label_set){labels, k_labels, l_labels, lk_labels,
                              brif_labels, brunless_labels, set_labels,
                              tee_labels, addload_labels, lload_labels,
                              teeload_labels, kbrif_labels, kbrunless_labels,
                              ldop_labels, opstore_labels, kaddload_labels,
                              lkaddload_labels, loadset_labels, loadtee_labels,
                              &&get_get, &&set_get, &&tee_get, &&check_get,
                              &&eqz32_brif, &&eqz32_brunless, &&eqz64_brif,
                              &&eqz64_brunless};
    return LOAM_OK;
  }

  const uint32_t base = s->nframes;
  const wasm_cell *pc, *ret_pc = NULL;
  uint64_t *fp = NULL;
  loam_instance *inst = NULL;
  loam_memory *mem = NULL;
  uint8_t *membase = NULL;
  uint64_t memsize = 0;
  loam_func *callee = entry;
  loam_status st;
  uint32_t calls = 0, period = 1;  /* see stop_check */
  bool metering = metered(s);

#define NEXT() goto *pc->label
#define TRAP(code) do { st = (code); goto trap; } while (0)
#define LOAD_INST(i) do { \
    inst = (i); mem = inst->mem0; \
    membase = mem ? mem->data : NULL; memsize = mem ? mem->size : 0; \
  } while (0)
#define STOP_CHECK() do { \
    if (UNLIKELY(atomic_load_explicit(&s->interrupt, memory_order_relaxed) || \
                 (metering && --period == 0))) { \
      st = stop_check(s, &calls, &period); \
      if (st) goto trap; \
    } \
  } while (0)

  sp += entry->code->nparams;
  goto enter;

  /* ---- control ---- */
op_UNREACHABLE:
  TRAP(LOAM_TRAP_UNREACHABLE);
op_BR:
  pc = TARGET(pc[1]);
  NEXT();
op_BR_ADJ:
  sp = adjust(sp, pc[2].u64);
  pc = TARGET(pc[1]);
  NEXT();
op_BR_IF:
  pc = (uint32_t)*--sp ? TARGET(pc[1]) : pc + 2;
  NEXT();
op_BR_IF_ADJ:
  if ((uint32_t)*--sp) {
    sp = adjust(sp, pc[2].u64);
    pc = TARGET(pc[1]);
  } else {
    pc += 3;
  }
  NEXT();
op_BR_UNLESS:
  pc = (uint32_t)*--sp ? pc + 2 : TARGET(pc[1]);
  NEXT();
op_BR_TABLE: {
  uint32_t i = (uint32_t)*--sp, n = pc[1].u32;
  const wasm_cell *e = pc + 2 + 2 * (uint64_t)(i < n ? i : n);
  sp = adjust(sp, e[1].u64);
  pc = TARGET(e[0]);
  NEXT();
}
op_RETURN: {
  const wasm_frame *fr = &s->frames[--s->nframes];
  uint32_t nr = fr->func->type->nresults;
  for (uint32_t i = 0; i < nr; i++) fp[i] = sp[(ptrdiff_t)i - nr];
  sp = fp + nr;
  if (UNLIKELY(s->nframes == base)) return LOAM_OK;
  pc = fr->ret_pc;
  fp = fr->fp;
  /* Reload even for the same instance: the callee may have grown memory. */
  LOAD_INST(s->frames[s->nframes - 1].func->inst);
  NEXT();
}
op_CALL:
  callee = inst->funcs[pc[1].u32];
  ret_pc = pc + 2;
  goto call;
op_CALL_INDIRECT: {
  const loam_table *t = inst->tables[pc[2].u32];
  uint32_t i = (uint32_t)*--sp;
  if (UNLIKELY(i >= t->size)) TRAP(LOAM_TRAP_UNDEFINED_ELEMENT);
  callee = t->elems[i];
  if (UNLIKELY(!callee)) TRAP(LOAM_TRAP_UNINITIALIZED_ELEMENT);
  if (UNLIKELY(callee->type->sig_id !=
               inst->module->m->types[pc[1].u32].sig_id))
    TRAP(LOAM_TRAP_INDIRECT_TYPE);
  ret_pc = pc + 3;
  goto call;
}
call:
  STOP_CHECK();
  if (UNLIKELY(callee->host != NULL)) {
    uint64_t *slots = sp - callee->type->nparams;
    if (UNLIKELY(!host_room(s, callee, slots))) TRAP(LOAM_TRAP_STACK_EXHAUSTED);
    st = call_host(s, callee, slots, inst, err);
    if (UNLIKELY(st)) {
      raise_host(err, s, base, st);
      s->nframes = base;
      return st;
    }
    sp = slots + callee->type->nresults;
    pc = ret_pc;
    LOAD_INST(inst);  /* the host may have grown memory or changed fuel */
    metering = metered(s);
    period = 1;
    NEXT();
  }
enter: {
  /* callee is a wasm function whose arguments are on top of the stack;
   * ret_pc/fp are what the caller resumes with. */
  const wasm_code *c = callee->code;
  uint64_t *nfp = sp - c->nparams;
  if (UNLIKELY(s->nframes >= WASM_MAX_FRAMES ||
               s->stack_end - nfp < (ptrdiff_t)((uint64_t)c->nparams +
                                                c->nlocals + c->max_height)))
    TRAP(LOAM_TRAP_STACK_EXHAUSTED);
  if (UNLIKELY(!__atomic_load_n(&c->threaded, __ATOMIC_ACQUIRE)))
    wasm_code_thread((wasm_code *)c);
  s->frames[s->nframes++] = (wasm_frame){ret_pc, fp, callee};
  fp = nfp;
  sp = fp + c->nparams;
  for (uint32_t i = 0; i < c->nlocals; i++) *sp++ = 0;
  if (callee->inst != inst) LOAD_INST(callee->inst);
  pc = c->cells;
  NEXT();
}
op_LOOP_CHECK:
  STOP_CHECK();
  pc++;
  NEXT();

  /* ---- parametric and variables ---- */
op_DROP:
  sp--;
  pc++;
  NEXT();
op_SELECT:
  sp -= 2;
  if (!(uint32_t)sp[1]) sp[-1] = sp[0];
  pc++;
  NEXT();
op_LOCAL_GET:
  *sp++ = fp[pc[1].u32];
  pc += 2;
  NEXT();
op_LOCAL_SET:
  fp[pc[1].u32] = *--sp;
  pc += 2;
  NEXT();
op_LOCAL_TEE:
  fp[pc[1].u32] = sp[-1];
  pc += 2;
  NEXT();
op_GLOBAL_GET:
  *sp++ = inst->globals[pc[1].u32]->value;
  pc += 2;
  NEXT();
op_GLOBAL_SET:
  inst->globals[pc[1].u32]->value = *--sp;
  pc += 2;
  NEXT();

  /* ---- tables ---- */
op_TABLE_GET: {
  const loam_table *t = inst->tables[pc[1].u32];
  uint32_t i = (uint32_t)sp[-1];
  if (UNLIKELY(i >= t->size)) TRAP(LOAM_TRAP_OOB_TABLE);
  sp[-1] = (uint64_t)(uintptr_t)t->elems[i];
  pc += 2;
  NEXT();
}
op_TABLE_SET: {
  loam_table *t = inst->tables[pc[1].u32];
  uint32_t i = (uint32_t)sp[-2];
  if (UNLIKELY(i >= t->size)) TRAP(LOAM_TRAP_OOB_TABLE);
  t->elems[i] = (void *)(uintptr_t)sp[-1];
  sp -= 2;
  pc += 2;
  NEXT();
}
op_TABLE_SIZE:
  *sp++ = inst->tables[pc[1].u32]->size;
  pc += 2;
  NEXT();
op_TABLE_GROW: {
  int64_t r = wasm_table_grow(inst->tables[pc[1].u32], (uint32_t)sp[-1],
                              (void *)(uintptr_t)sp[-2]);
  sp--;
  sp[-1] = (uint32_t)r;
  pc += 2;
  NEXT();
}
op_TABLE_FILL: {
  loam_table *t = inst->tables[pc[1].u32];
  uint32_t i = (uint32_t)sp[-3], n = (uint32_t)sp[-1];
  void *v = (void *)(uintptr_t)sp[-2];
  if (UNLIKELY((uint64_t)i + n > t->size)) TRAP(LOAM_TRAP_OOB_TABLE);
  for (uint32_t k = 0; k < n; k++) t->elems[i + k] = v;
  sp -= 3;
  pc += 2;
  NEXT();
}
op_TABLE_COPY: {
  loam_table *dt = inst->tables[pc[1].u32], *st_ = inst->tables[pc[2].u32];
  uint32_t d = (uint32_t)sp[-3], src = (uint32_t)sp[-2], n = (uint32_t)sp[-1];
  if (UNLIKELY((uint64_t)d + n > dt->size || (uint64_t)src + n > st_->size))
    TRAP(LOAM_TRAP_OOB_TABLE);
  if (n) memmove(dt->elems + d, st_->elems + src, n * sizeof(void *));
  sp -= 3;
  pc += 3;
  NEXT();
}
op_TABLE_INIT: {
  uint32_t e = pc[1].u32;
  loam_table *t = inst->tables[pc[2].u32];
  uint32_t d = (uint32_t)sp[-3], src = (uint32_t)sp[-2], n = (uint32_t)sp[-1];
  if (UNLIKELY((uint64_t)src + n > inst->elem_len[e] ||
               (uint64_t)d + n > t->size))
    TRAP(LOAM_TRAP_OOB_TABLE);
  if (n) memcpy(t->elems + d, inst->elem_items[e] + src, n * sizeof(void *));
  sp -= 3;
  pc += 3;
  NEXT();
}
op_ELEM_DROP:
  inst->elem_len[pc[1].u32] = 0;
  pc += 2;
  NEXT();

  /* ---- memory ---- */
#define LOAD_OP(NAME, T, CONV) \
  op_##NAME: { \
    uint64_t ea = (uint64_t)(uint32_t)sp[-1] + pc[1].u64; \
    if (UNLIKELY(ea + sizeof(T) > memsize)) TRAP(LOAM_TRAP_OOB_MEMORY); \
    T v; \
    memcpy(&v, membase + ea, sizeof v); \
    sp[-1] = (CONV); \
    pc += 2; \
    NEXT(); \
  }
  LOADS(LOAD_OP)
#undef LOAD_OP

#define STORE_OP(NAME, T) \
  op_##NAME: { \
    uint64_t ea = (uint64_t)(uint32_t)sp[-2] + pc[1].u64; \
    if (UNLIKELY(ea + sizeof(T) > memsize)) TRAP(LOAM_TRAP_OOB_MEMORY); \
    T v = (T)sp[-1]; \
    memcpy(membase + ea, &v, sizeof v); \
    sp -= 2; \
    pc += 2; \
    NEXT(); \
  }
  STORE_OP(I32_STORE, uint32_t)
  STORE_OP(I64_STORE, uint64_t)
  STORE_OP(F32_STORE, uint32_t)
  STORE_OP(F64_STORE, uint64_t)
  STORE_OP(I32_STORE8, uint8_t)
  STORE_OP(I32_STORE16, uint16_t)
  STORE_OP(I64_STORE8, uint8_t)
  STORE_OP(I64_STORE16, uint16_t)
  STORE_OP(I64_STORE32, uint32_t)
#undef STORE_OP

op_MEMORY_SIZE:
  *sp++ = mem->pages;
  pc++;
  NEXT();
op_MEMORY_GROW:
  sp[-1] = (uint32_t)loam_memory_grow(mem, (uint32_t)sp[-1]);
  LOAD_INST(inst);
  pc++;
  NEXT();
op_MEMORY_INIT: {
  uint32_t seg = pc[1].u32;
  uint32_t d = (uint32_t)sp[-3], src = (uint32_t)sp[-2], n = (uint32_t)sp[-1];
  if (UNLIKELY((uint64_t)src + n > inst->data_len[seg] ||
               (uint64_t)d + n > memsize))
    TRAP(LOAM_TRAP_OOB_MEMORY);
  if (n) {
    const wasm_module *m = inst->module->m;
    memcpy(membase + d, m->bytes + m->datas[seg].bytes.off + src, n);
  }
  sp -= 3;
  pc += 2;
  NEXT();
}
op_DATA_DROP:
  inst->data_len[pc[1].u32] = 0;
  pc += 2;
  NEXT();
op_MEMORY_COPY: {
  uint32_t d = (uint32_t)sp[-3], src = (uint32_t)sp[-2], n = (uint32_t)sp[-1];
  if (UNLIKELY((uint64_t)d + n > memsize || (uint64_t)src + n > memsize))
    TRAP(LOAM_TRAP_OOB_MEMORY);
  if (n) memmove(membase + d, membase + src, n);
  sp -= 3;
  pc++;
  NEXT();
}
op_MEMORY_FILL: {
  uint32_t d = (uint32_t)sp[-3], n = (uint32_t)sp[-1];
  if (UNLIKELY((uint64_t)d + n > memsize)) TRAP(LOAM_TRAP_OOB_MEMORY);
  if (n) memset(membase + d, (int)(uint8_t)sp[-2], n);
  sp -= 3;
  pc++;
  NEXT();
}

  /* ---- constants and references ---- */
op_I32_CONST:
op_F32_CONST:
  *sp++ = pc[1].u32;
  pc += 2;
  NEXT();
op_I64_CONST:
op_F64_CONST:
  *sp++ = pc[1].u64;
  pc += 2;
  NEXT();
op_REF_NULL:
  *sp++ = 0;
  pc++;
  NEXT();
op_REF_IS_NULL:
  sp[-1] = sp[-1] == 0;
  pc++;
  NEXT();
op_REF_FUNC:
  *sp++ = (uint64_t)(uintptr_t)inst->funcs[pc[1].u32];
  pc += 2;
  NEXT();

  /* ---- numeric (lists in numeric.h) ---- */
#define I32_BIN(NAME, EXPR) \
  op_##NAME: { \
    uint32_t a = (uint32_t)sp[-2], b = (uint32_t)sp[-1]; \
    sp[-2] = (uint32_t)(EXPR); \
    sp--; pc++; NEXT(); \
  }
#define I64_BIN(NAME, EXPR) \
  op_##NAME: { \
    uint64_t a = sp[-2], b = sp[-1]; \
    sp[-2] = (uint64_t)(EXPR); \
    sp--; pc++; NEXT(); \
  }
#define DIV_OP(NAME, FN, T) \
  op_##NAME: { \
    T r; \
    st = FN((T)sp[-2], (T)sp[-1], &r); \
    if (UNLIKELY(st)) goto trap; \
    sp[-2] = r; \
    sp--; pc++; NEXT(); \
  }
#define F32_OP(NAME, EXPR) \
  op_##NAME: { \
    float a = wn_f32(sp[-2]), b = wn_f32(sp[-1]); \
    sp[-2] = wn_bits32(EXPR); \
    sp--; pc++; NEXT(); \
  }
#define F64_OP(NAME, EXPR) \
  op_##NAME: { \
    double a = wn_f64(sp[-2]), b = wn_f64(sp[-1]); \
    sp[-2] = wn_bits64(EXPR); \
    sp--; pc++; NEXT(); \
  }
#define F32_CMP(NAME, EXPR) \
  op_##NAME: { \
    float a = wn_f32(sp[-2]), b = wn_f32(sp[-1]); \
    sp[-2] = (EXPR); \
    sp--; pc++; NEXT(); \
  }
#define F64_CMP(NAME, EXPR) \
  op_##NAME: { \
    double a = wn_f64(sp[-2]), b = wn_f64(sp[-1]); \
    sp[-2] = (EXPR); \
    sp--; pc++; NEXT(); \
  }
#define RAW_BIN(NAME, EXPR) \
  op_##NAME: { \
    uint64_t A = sp[-2], B = sp[-1]; \
    sp[-2] = (EXPR); \
    sp--; pc++; NEXT(); \
  }
#define UNARY(NAME, EXPR) \
  op_##NAME: { \
    uint64_t x = sp[-1]; \
    sp[-1] = (EXPR); \
    pc++; NEXT(); \
  }
#define TRUNC_OP(NAME, FN, ARG) \
  op_##NAME: { \
    uint64_t x = sp[-1]; \
    st = FN(ARG, &sp[-1]); \
    if (UNLIKELY(st)) goto trap; \
    pc++; NEXT(); \
  }
  WN_I32_BINARY(I32_BIN)
  WN_I64_BINARY(I64_BIN)
  WN_DIVISIONS(DIV_OP)
  WN_F32_ARITH(F32_OP)
  WN_F64_ARITH(F64_OP)
  WN_F32_COMPARE(F32_CMP)
  WN_F64_COMPARE(F64_CMP)
  WN_RAW_BINARY(RAW_BIN)
  WN_UNARY(UNARY)
  WN_TRUNCATIONS(TRUNC_OP)

  /* ---- super-instructions (see label_set) ---- */
#define K32(NAME, EXPR) \
  k_##NAME: { uint32_t a = (uint32_t)sp[-1], b = pc[1].u32; \
              sp[-1] = (uint32_t)(EXPR); pc += 3; NEXT(); }
#define K64(NAME, EXPR) \
  k_##NAME: { uint64_t a = sp[-1], b = pc[1].u64; \
              sp[-1] = (uint64_t)(EXPR); pc += 3; NEXT(); }
#define L32(NAME, EXPR) \
  l_##NAME: { uint32_t a = (uint32_t)sp[-1], b = (uint32_t)fp[pc[1].u32]; \
              sp[-1] = (uint32_t)(EXPR); pc += 3; NEXT(); }
#define L64(NAME, EXPR) \
  l_##NAME: { uint64_t a = sp[-1], b = fp[pc[1].u32]; \
              sp[-1] = (uint64_t)(EXPR); pc += 3; NEXT(); }
#define LK32(NAME, EXPR) \
  lk_##NAME: { uint32_t a = (uint32_t)fp[pc[1].u32], b = pc[3].u32; \
               *sp++ = (uint32_t)(EXPR); pc += 5; NEXT(); }
#define LK64(NAME, EXPR) \
  lk_##NAME: { uint64_t a = fp[pc[1].u32], b = pc[3].u64; \
               *sp++ = (uint64_t)(EXPR); pc += 5; NEXT(); }
#define POP2(T) T a = (T)sp[-2], b = (T)sp[-1]
#define BRIF(T, NAME, EXPR) \
  brif_##NAME: { POP2(T); sp -= 2; \
                 pc = (uint32_t)(EXPR) ? TARGET(pc[2]) : pc + 3; NEXT(); } \
  brunless_##NAME: { POP2(T); sp -= 2; \
                     pc = (uint32_t)(EXPR) ? pc + 3 : TARGET(pc[2]); NEXT(); } \
  set_##NAME: { POP2(T); sp -= 2; fp[pc[2].u32] = (T)(EXPR); pc += 3; NEXT(); } \
  tee_##NAME: { POP2(T); sp--; sp[-1] = fp[pc[2].u32] = (T)(EXPR); pc += 3; \
                NEXT(); }
#define BRIF_F(T, RD, NAME, EXPR) \
  brif_##NAME: { T a = RD(sp[-2]), b = RD(sp[-1]); sp -= 2; \
                 pc = (EXPR) ? TARGET(pc[2]) : pc + 3; NEXT(); } \
  brunless_##NAME: { T a = RD(sp[-2]), b = RD(sp[-1]); sp -= 2; \
                     pc = (EXPR) ? pc + 3 : TARGET(pc[2]); NEXT(); }
#define ARITH_F(T, RD, WR, NAME, EXPR) \
  l_##NAME: { T a = RD(sp[-1]), b = RD(fp[pc[1].u32]); \
              sp[-1] = WR(EXPR); pc += 3; NEXT(); } \
  set_##NAME: { T a = RD(sp[-2]), b = RD(sp[-1]); sp -= 2; \
                fp[pc[2].u32] = WR(EXPR); pc += 3; NEXT(); } \
  tee_##NAME: { T a = RD(sp[-2]), b = RD(sp[-1]); sp--; \
                sp[-1] = fp[pc[2].u32] = WR(EXPR); pc += 3; NEXT(); }
#define CMP_F32(NAME, EXPR) BRIF_F(float, wn_f32, NAME, EXPR)
#define CMP_F64(NAME, EXPR) BRIF_F(double, wn_f64, NAME, EXPR)
#define ARITH_F32(NAME, EXPR) ARITH_F(float, wn_f32, wn_bits32, NAME, EXPR)
#define ARITH_F64(NAME, EXPR) ARITH_F(double, wn_f64, wn_bits64, NAME, EXPR)
  WN_F32_COMPARE(CMP_F32) WN_F64_COMPARE(CMP_F64)
  WN_F32_ARITH(ARITH_F32) WN_F64_ARITH(ARITH_F64)
#define TAIL32(NAME, EXPR) BRIF(uint32_t, NAME, EXPR)
#define TAIL64(NAME, EXPR) BRIF(uint64_t, NAME, EXPR)
  WN_I32_BINARY(K32) WN_I64_BINARY(K64)
  WN_I32_BINARY(L32) WN_I64_BINARY(L64)
  WN_I32_BINARY(LK32) WN_I64_BINARY(LK64)
  WN_I32_BINARY(TAIL32) WN_I64_BINARY(TAIL64)

#define ADDLOAD_OP(NAME, T, CONV) \
  addload_##NAME: { \
    uint64_t ea = (uint64_t)(uint32_t)((uint32_t)sp[-2] + (uint32_t)sp[-1]) + \
                  pc[2].u64; \
    if (UNLIKELY(ea + sizeof(T) > memsize)) TRAP(LOAM_TRAP_OOB_MEMORY); \
    T v; \
    memcpy(&v, membase + ea, sizeof v); \
    sp--; \
    sp[-1] = (CONV); \
    pc += 3; \
    NEXT(); \
  }
  LOADS(ADDLOAD_OP)

#define LLOAD_OP(NAME, T, CONV) \
  lload_##NAME: { \
    uint64_t ea = (uint64_t)(uint32_t)fp[pc[1].u32] + pc[3].u64; \
    if (UNLIKELY(ea + sizeof(T) > memsize)) TRAP(LOAM_TRAP_OOB_MEMORY); \
    T v; \
    memcpy(&v, membase + ea, sizeof v); \
    *sp++ = (CONV); \
    pc += 4; \
    NEXT(); \
  } \
  teeload_##NAME: { \
    fp[pc[1].u32] = sp[-1]; \
    uint64_t ea = (uint64_t)(uint32_t)sp[-1] + pc[3].u64; \
    if (UNLIKELY(ea + sizeof(T) > memsize)) TRAP(LOAM_TRAP_OOB_MEMORY); \
    T v; \
    memcpy(&v, membase + ea, sizeof v); \
    sp[-1] = (CONV); \
    pc += 4; \
    NEXT(); \
  }
  LOADS(LLOAD_OP)

#define KBRIF(T, RD, NAME, EXPR) \
  kbrif_##NAME: { T a = (T)sp[-1], b = (T)pc[1].RD; sp--; \
                  pc = (uint32_t)(EXPR) ? TARGET(pc[4]) : pc + 5; NEXT(); } \
  kbrunless_##NAME: { T a = (T)sp[-1], b = (T)pc[1].RD; sp--; \
                      pc = (uint32_t)(EXPR) ? pc + 5 : TARGET(pc[4]); NEXT(); }
#define KBRIF32(NAME, EXPR) KBRIF(uint32_t, u32, NAME, EXPR)
#define KBRIF64(NAME, EXPR) KBRIF(uint64_t, u64, NAME, EXPR)
  WN_I32_BINARY(KBRIF32) WN_I64_BINARY(KBRIF64)

/* ldop: `b` comes from memory; opstore: the result goes to memory. */
#define AS_INT32(x) ((uint32_t)(x))
#define AS_INT64(x) ((uint64_t)(x))
#define AS_BOOL(x) ((uint64_t)(x))
#define LDOP(T, RD, WR, NAME, EXPR) \
  ldop_##NAME: { \
    uint64_t ea = (uint64_t)(uint32_t)sp[-1] + pc[1].u64; \
    if (UNLIKELY(ea + sizeof(T) > memsize)) TRAP(LOAM_TRAP_OOB_MEMORY); \
    T a = RD(sp[-2]), b; \
    memcpy(&b, membase + ea, sizeof b); \
    sp--; \
    sp[-1] = WR(EXPR); \
    pc += 3; \
    NEXT(); \
  }
#define OPSTORE(T, RD, NAME, EXPR) \
  opstore_##NAME: { \
    uint64_t ea = (uint64_t)(uint32_t)sp[-3] + pc[2].u64; \
    if (UNLIKELY(ea + sizeof(T) > memsize)) TRAP(LOAM_TRAP_OOB_MEMORY); \
    T a = RD(sp[-2]), b = RD(sp[-1]), r = (T)(EXPR); \
    memcpy(membase + ea, &r, sizeof r); \
    sp -= 3; \
    pc += 3; \
    NEXT(); \
  }
#define MEM_I32(NAME, EXPR) LDOP(uint32_t, AS_INT32, AS_INT32, NAME, EXPR) \
  OPSTORE(uint32_t, AS_INT32, NAME, EXPR)
#define MEM_I64(NAME, EXPR) LDOP(uint64_t, AS_INT64, AS_INT64, NAME, EXPR) \
  OPSTORE(uint64_t, AS_INT64, NAME, EXPR)
#define MEM_F32(NAME, EXPR) LDOP(float, wn_f32, wn_bits32, NAME, EXPR) \
  OPSTORE(float, wn_f32, NAME, EXPR)
#define MEM_F64(NAME, EXPR) LDOP(double, wn_f64, wn_bits64, NAME, EXPR) \
  OPSTORE(double, wn_f64, NAME, EXPR)
#define LDCMP_F32(NAME, EXPR) LDOP(float, wn_f32, AS_BOOL, NAME, EXPR)
#define LDCMP_F64(NAME, EXPR) LDOP(double, wn_f64, AS_BOOL, NAME, EXPR)
  WN_I32_BINARY(MEM_I32) WN_I64_BINARY(MEM_I64)
  WN_F32_ARITH(MEM_F32) WN_F64_ARITH(MEM_F64)
  WN_F32_COMPARE(LDCMP_F32) WN_F64_COMPARE(LDCMP_F64)

#define MORE_LOADS(NAME, T, CONV) \
  kaddload_##NAME: { \
    uint64_t ea = (uint64_t)(uint32_t)((uint32_t)sp[-1] + pc[1].u32) + pc[4].u64; \
    if (UNLIKELY(ea + sizeof(T) > memsize)) TRAP(LOAM_TRAP_OOB_MEMORY); \
    T v; \
    memcpy(&v, membase + ea, sizeof v); \
    sp[-1] = (CONV); \
    pc += 5; \
    NEXT(); \
  } \
  lkaddload_##NAME: { \
    uint64_t ea = (uint64_t)(uint32_t)((uint32_t)fp[pc[1].u32] + pc[3].u32) + \
                  pc[6].u64; \
    if (UNLIKELY(ea + sizeof(T) > memsize)) TRAP(LOAM_TRAP_OOB_MEMORY); \
    T v; \
    memcpy(&v, membase + ea, sizeof v); \
    *sp++ = (CONV); \
    pc += 7; \
    NEXT(); \
  } \
  loadset_##NAME: { \
    uint64_t ea = (uint64_t)(uint32_t)sp[-1] + pc[1].u64; \
    if (UNLIKELY(ea + sizeof(T) > memsize)) TRAP(LOAM_TRAP_OOB_MEMORY); \
    T v; \
    memcpy(&v, membase + ea, sizeof v); \
    fp[pc[3].u32] = (CONV); \
    sp--; \
    pc += 4; \
    NEXT(); \
  } \
  loadtee_##NAME: { \
    uint64_t ea = (uint64_t)(uint32_t)sp[-1] + pc[1].u64; \
    if (UNLIKELY(ea + sizeof(T) > memsize)) TRAP(LOAM_TRAP_OOB_MEMORY); \
    T v; \
    memcpy(&v, membase + ea, sizeof v); \
    sp[-1] = fp[pc[3].u32] = (CONV); \
    pc += 4; \
    NEXT(); \
  }
  LOADS(MORE_LOADS)

eqz32_brif:
  sp--;
  pc = (uint32_t)sp[0] == 0 ? TARGET(pc[2]) : pc + 3;
  NEXT();
eqz32_brunless:
  sp--;
  pc = (uint32_t)sp[0] == 0 ? pc + 3 : TARGET(pc[2]);
  NEXT();
eqz64_brif:
  sp--;
  pc = sp[0] == 0 ? TARGET(pc[2]) : pc + 3;
  NEXT();
eqz64_brunless:
  sp--;
  pc = sp[0] == 0 ? pc + 3 : TARGET(pc[2]);
  NEXT();

check_get:
  STOP_CHECK();
  *sp++ = fp[pc[2].u32];
  pc += 3;
  NEXT();

get_get:
  sp[0] = fp[pc[1].u32];
  sp[1] = fp[pc[3].u32];
  sp += 2;
  pc += 4;
  NEXT();
set_get:
  fp[pc[1].u32] = sp[-1];
  sp[-1] = fp[pc[3].u32];
  pc += 4;
  NEXT();
tee_get:
  fp[pc[1].u32] = sp[-1];
  *sp++ = fp[pc[3].u32];
  pc += 4;
  NEXT();

trap:
  raise(err, s, base, st);
  s->nframes = base;
  return st;
}

/* ---- entry points -------------------------------------------------------- */

static pthread_mutex_t thread_lock = PTHREAD_MUTEX_INITIALIZER;

static bool is_branch(uint64_t op) {
  return op == WASM_OP_BR || op == WASM_OP_BR_ADJ || op == WASM_OP_BR_IF ||
         op == WASM_OP_BR_IF_ADJ || op == WASM_OP_BR_UNLESS;
}

/* The full-width load and store of a numeric op's operand type (the ops of
 * each type are contiguous in WASM_OPS). */
typedef struct op_family { uint64_t load, store; } op_family;

static op_family family(uint64_t op) {
  if (op >= WASM_OP_I32_EQZ && op <= WASM_OP_I32_ROTR)
    return (op_family){WASM_OP_I32_LOAD, WASM_OP_I32_STORE};
  if (op >= WASM_OP_I64_EQZ && op <= WASM_OP_I64_ROTR)
    return (op_family){WASM_OP_I64_LOAD, WASM_OP_I64_STORE};
  if (op >= WASM_OP_F32_EQ && op <= WASM_OP_F32_COPYSIGN)
    return (op_family){WASM_OP_F32_LOAD, WASM_OP_F32_STORE};
  if (op >= WASM_OP_F64_EQ && op <= WASM_OP_F64_COPYSIGN)
    return (op_family){WASM_OP_F64_LOAD, WASM_OP_F64_STORE};
  return (op_family){WASM_OP_COUNT, WASM_OP_COUNT};
}

/* The handler for the instruction at `at` (op numbers not yet threaded at
 * and after it): a super-instruction when the ops that follow form one. */
static const void *pick_label(const label_set *L, const wasm_cell *at,
                              const wasm_cell *end) {
  uint64_t a = at->u64, b = WASM_OP_COUNT, c = WASM_OP_COUNT, d = WASM_OP_COUNT;
  const wasm_cell *next = at + wasm_op_length(at);
  if (next < end) {
    b = next->u64;
    const wasm_cell *third = next + wasm_op_length(next);
    if (third < end) {
      c = third->u64;
      const wasm_cell *fourth = third + wasm_op_length(third);
      if (fourth < end) d = fourth->u64;
    }
  }
  if (b >= WASM_OP_COUNT) return L->base[a];
  bool b_const = b == WASM_OP_I32_CONST || b == WASM_OP_I64_CONST;
  switch (a) {
  case WASM_OP_LOCAL_GET:
    if (b == WASM_OP_I32_CONST && c == WASM_OP_I32_ADD && d < WASM_OP_COUNT &&
        L->lkaddload[d])
      return L->lkaddload[d];
    if (b_const && c < WASM_OP_COUNT && L->lk[c]) return L->lk[c];
    if (L->l[b]) return L->l[b];
    if (L->lload[b]) return L->lload[b];
    if (b == WASM_OP_LOCAL_GET) return L->get_get;
    break;
  case WASM_OP_I32_CONST:
  case WASM_OP_I64_CONST:
    if (a == WASM_OP_I32_CONST && b == WASM_OP_I32_ADD && c < WASM_OP_COUNT &&
        L->kaddload[c])
      return L->kaddload[c];
    if (c == WASM_OP_BR_IF && L->kbrif[b]) return L->kbrif[b];
    if (c == WASM_OP_BR_UNLESS && L->kbrunless[b]) return L->kbrunless[b];
    if (L->k[b]) return L->k[b];
    break;
  case WASM_OP_LOCAL_SET:
    if (b == WASM_OP_LOCAL_GET) return L->set_get;
    break;
  case WASM_OP_LOCAL_TEE:
    if (L->teeload[b]) return L->teeload[b];
    if (b == WASM_OP_LOCAL_GET) return L->tee_get;
    break;
  case WASM_OP_LOOP_CHECK:
    if (b == WASM_OP_LOCAL_GET) return L->check_get;
    break;
  case WASM_OP_I32_ADD:
    if (L->addload[b]) return L->addload[b];
    break;
  case WASM_OP_I32_EQZ:
    if (b == WASM_OP_BR_IF) return L->eqz32_brif;
    if (b == WASM_OP_BR_UNLESS) return L->eqz32_brunless;
    break;
  case WASM_OP_I64_EQZ:
    if (b == WASM_OP_BR_IF) return L->eqz64_brif;
    if (b == WASM_OP_BR_UNLESS) return L->eqz64_brunless;
    break;
  }
  if (b == WASM_OP_LOCAL_SET && L->loadset[a]) return L->loadset[a];
  if (b == WASM_OP_LOCAL_TEE && L->loadtee[a]) return L->loadtee[a];
  if (L->ldop[b] && a == family(b).load) return L->ldop[b];
  if (L->opstore[a] && b == family(a).store) return L->opstore[a];
  if (b == WASM_OP_BR_IF && L->brif[a]) return L->brif[a];
  if (b == WASM_OP_BR_UNLESS && L->brunless[a]) return L->brunless[a];
  if (b == WASM_OP_LOCAL_SET && L->set[a]) return L->set[a];
  if (b == WASM_OP_LOCAL_TEE && L->tee[a]) return L->tee[a];
  return L->base[a];
}

/* Op numbers become handler addresses and branch targets (cell indices)
 * become cell pointers. Serialised by a lock and published with a release
 * store, so a module shared between threads is threaded exactly once.
 * One forward pass: when the op at `pc` is rewritten, the ops after it
 * still hold their numbers, which pick_label reads. */
void wasm_code_thread(wasm_code *c) {
  if (__atomic_load_n(&c->threaded, __ATOMIC_ACQUIRE)) return;
  label_set L;
  run(NULL, NULL, NULL, NULL, &L);
  pthread_mutex_lock(&thread_lock);
  if (!c->threaded) {
    wasm_cell *cells = c->cells, *end = cells + c->ncells;
    for (uint32_t pc = 0; pc < c->ncells;) {
      wasm_cell *at = &cells[pc];
      uint64_t op = at->u64;
      assert(op < WASM_OP_COUNT);
      uint32_t len = wasm_op_length(at);
      const void *label = pick_label(&L, at, end);
      if (is_branch(op)) {
        assert(at[1].u32 < c->ncells);
        at[1].label = &cells[at[1].u32];
      } else if (op == WASM_OP_BR_TABLE) {
        for (uint32_t k = 0; k <= at[1].u32; k++) {
          wasm_cell *t = &at[2 + 2 * k];
          assert(t->u32 < c->ncells);
          t->label = &cells[t->u32];
        }
      }
      at->label = label;
      pc += len;
    }
    __atomic_store_n(&c->threaded, true, __ATOMIC_RELEASE);
  }
  pthread_mutex_unlock(&thread_lock);
}

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
    st = run(s, f, sp, err, NULL);
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
