/*
 * translate.c — validates one function body with the spec's validation
 * algorithm (appendix "Validation Algorithm": a value stack of types with
 * Unknown below polymorphic points, a control stack of frames) and emits
 * the internal code of code.h in the same single pass.
 *
 * Emission follows reachability: code after unreachable/br/br_table/return
 * up to its frame's end (and everything nested in it) is validated but not
 * emitted, so the operand-stack height the translator tracks is the exact
 * run-time height wherever it emits a branch. Forward branches are written
 * with a placeholder target and patched when their frame ends (a linked
 * list per frame in one shared pool, so nothing is allocated per
 * instruction).
 */
#include "translate.h"
#include "reader.h"
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX
#define T_UNKNOWN 0 /* the algorithm's Unknown: matches every type */

enum { CTL_FUNC, CTL_BLOCK, CTL_LOOP, CTL_IF, CTL_ELSE };

typedef struct ctl {
  uint8_t kind;
  bool unreachable;     /* stack polymorphic since unreachable/br/return */
  bool dead;            /* opened in unreachable code: emits nothing */
  uint32_t np, nr;
  const uint8_t *params, *results;
  uint32_t height;      /* value stack height at entry, params excluded */
  uint32_t start;       /* loop: cell of its LOOP_CHECK */
  uint32_t else_fix;    /* if: target cell of its BR_UNLESS, or NONE */
  uint32_t patches;     /* pending forward branches (pool index) or NONE */
} ctl;

typedef struct patch { uint32_t cell, next; } patch;

/* How an opcode without immediates types and translates: pops b (if any)
 * then a (if any), pushes r (if any). op == 0 with r == 0: not such an op. */
typedef struct numop { uint16_t op; uint8_t a, b, r; } numop;

struct wasm_xlate {
  const wasm_module *m;
  wasm_reader r;
  uint32_t func;
  size_t at, err_at;    /* offset of the current instruction / of the error */
  uint8_t *vals;   uint32_t nvals, cap_vals;
  ctl *ctls;       uint32_t nctls, cap_ctls;
  patch *pool;     uint32_t npool, cap_pool;
  wasm_cell *cells; uint32_t ncells, cap_cells;
  uint8_t *locals; uint32_t nlocals, cap_locals;  /* params, then locals */
  uint32_t *labels; uint32_t cap_labels;           /* br_table scratch */
  uint32_t max_height;
  loam_status status;
  char why[160];
  numop num[256];       /* plain opcodes 0x45..0xC4 */
  numop sat[8];         /* 0xFC 0..7 */
};

/* ---- opcode tables ------------------------------------------------------ */

enum { I32 = LOAM_I32, I64 = LOAM_I64, F32 = LOAM_F32, F64 = LOAM_F64 };

/* Runs of consecutive opcodes whose internal ops are consecutive too. */
static const struct numrun {
  uint8_t first, last;
  uint16_t op;
  uint8_t a, b, r;
} numruns[] = {
    {0x45, 0x45, WASM_OP_I32_EQZ, I32, 0, I32},
    {0x46, 0x4F, WASM_OP_I32_EQ, I32, I32, I32},
    {0x50, 0x50, WASM_OP_I64_EQZ, I64, 0, I32},
    {0x51, 0x5A, WASM_OP_I64_EQ, I64, I64, I32},
    {0x5B, 0x60, WASM_OP_F32_EQ, F32, F32, I32},
    {0x61, 0x66, WASM_OP_F64_EQ, F64, F64, I32},
    {0x67, 0x69, WASM_OP_I32_CLZ, I32, 0, I32},
    {0x6A, 0x78, WASM_OP_I32_ADD, I32, I32, I32},
    {0x79, 0x7B, WASM_OP_I64_CLZ, I64, 0, I64},
    {0x7C, 0x8A, WASM_OP_I64_ADD, I64, I64, I64},
    {0x8B, 0x91, WASM_OP_F32_ABS, F32, 0, F32},
    {0x92, 0x98, WASM_OP_F32_ADD, F32, F32, F32},
    {0x99, 0x9F, WASM_OP_F64_ABS, F64, 0, F64},
    {0xA0, 0xA6, WASM_OP_F64_ADD, F64, F64, F64},
    {0xA7, 0xA7, WASM_OP_I32_WRAP_I64, I64, 0, I32},
    {0xA8, 0xA9, WASM_OP_I32_TRUNC_F32_S, F32, 0, I32},
    {0xAA, 0xAB, WASM_OP_I32_TRUNC_F64_S, F64, 0, I32},
    {0xAC, 0xAD, WASM_OP_I64_EXTEND_I32_S, I32, 0, I64},
    {0xAE, 0xAF, WASM_OP_I64_TRUNC_F32_S, F32, 0, I64},
    {0xB0, 0xB1, WASM_OP_I64_TRUNC_F64_S, F64, 0, I64},
    {0xB2, 0xB3, WASM_OP_F32_CONVERT_I32_S, I32, 0, F32},
    {0xB4, 0xB5, WASM_OP_F32_CONVERT_I64_S, I64, 0, F32},
    {0xB6, 0xB6, WASM_OP_F32_DEMOTE_F64, F64, 0, F32},
    {0xB7, 0xB8, WASM_OP_F64_CONVERT_I32_S, I32, 0, F64},
    {0xB9, 0xBA, WASM_OP_F64_CONVERT_I64_S, I64, 0, F64},
    {0xBB, 0xBB, WASM_OP_F64_PROMOTE_F32, F32, 0, F64},
    {0xBC, 0xBC, WASM_OP_I32_REINTERPRET_F32, F32, 0, I32},
    {0xBD, 0xBD, WASM_OP_I64_REINTERPRET_F64, F64, 0, I64},
    {0xBE, 0xBE, WASM_OP_F32_REINTERPRET_I32, I32, 0, F32},
    {0xBF, 0xBF, WASM_OP_F64_REINTERPRET_I64, I64, 0, F64},
    {0xC0, 0xC1, WASM_OP_I32_EXTEND8_S, I32, 0, I32},
    {0xC2, 0xC4, WASM_OP_I64_EXTEND8_S, I64, 0, I64},
};

static const numop satops[8] = {
    {WASM_OP_I32_TRUNC_SAT_F32_S, F32, 0, I32}, {WASM_OP_I32_TRUNC_SAT_F32_U, F32, 0, I32},
    {WASM_OP_I32_TRUNC_SAT_F64_S, F64, 0, I32}, {WASM_OP_I32_TRUNC_SAT_F64_U, F64, 0, I32},
    {WASM_OP_I64_TRUNC_SAT_F32_S, F32, 0, I64}, {WASM_OP_I64_TRUNC_SAT_F32_U, F32, 0, I64},
    {WASM_OP_I64_TRUNC_SAT_F64_S, F64, 0, I64}, {WASM_OP_I64_TRUNC_SAT_F64_U, F64, 0, I64},
};

/* Loads 0x28..0x35 and stores 0x36..0x3E: value type and log2 of the
 * natural alignment. Their internal ops follow the opcode order. */
static const struct memop { uint8_t type, log2; } memops[23] = {
    {I32, 2}, {I64, 3}, {F32, 2}, {F64, 3}, {I32, 0}, {I32, 0}, {I32, 1},
    {I32, 1}, {I64, 0}, {I64, 0}, {I64, 1}, {I64, 1}, {I64, 2}, {I64, 2},
    {I32, 2}, {I64, 3}, {F32, 2}, {F64, 3}, {I32, 0}, {I32, 1}, {I64, 0},
    {I64, 1}, {I64, 2},
};

/* One-element result lists for the single-valtype block type. */
static const uint8_t one_type[] = {0x6F, 0x70, 0x71, 0x72, 0x73, 0x74,
                                   0x75, 0x76, 0x77, 0x78, 0x79, 0x7A,
                                   0x7B, 0x7C, 0x7D, 0x7E, 0x7F};

static bool is_valtype(uint8_t t) {
  return (t >= LOAM_V128 && t <= LOAM_I32) || t == LOAM_FUNCREF ||
         t == LOAM_EXTERNREF;
}
static bool is_ref(uint8_t t) {
  return t == LOAM_FUNCREF || t == LOAM_EXTERNREF || t == T_UNKNOWN;
}
static bool is_num(uint8_t t) {
  return (t >= LOAM_F64 && t <= LOAM_I32) || t == T_UNKNOWN;
}

/* ---- errors and buffers -------------------------------------------------- */

static bool fail(wasm_xlate *x, loam_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail(wasm_xlate *x, loam_status s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(x->why, sizeof x->why, fmt, ap);
  va_end(ap);
  x->status = s;
  x->err_at = x->at;
  return false;
}
#define INVALID(...) fail(x, LOAM_ERR_INVALID, __VA_ARGS__)
#define MALFORMED(...) fail(x, LOAM_ERR_MALFORMED, __VA_ARGS__)

static bool nomem(wasm_xlate *x) { return fail(x, LOAM_ERR_NOMEM, "out of memory"); }

/* The reader failed: its reason, at the offending byte. */
static bool read_failed(wasm_xlate *x) {
  size_t pos = x->r.pos;
  fail(x, LOAM_ERR_MALFORMED, "%s", x->r.error ? x->r.error : "unexpected end");
  x->err_at = pos;
  return false;
}

/* Grows *p (of *cap elements of `size` bytes) to hold `need`, doubling. */
static bool reserve(void **p, uint32_t *cap, uint64_t need, size_t size) {
  if (need <= *cap) return true;
  uint64_t n = *cap ? *cap : 64;
  while (n < need) n *= 2;
  if (n > UINT32_MAX) return false;
  void *q = realloc(*p, n * size);
  if (!q) return false;
  *p = q;
  *cap = (uint32_t)n;
  return true;
}

static bool rd_u8(wasm_xlate *x, uint8_t *v) {
  return wasm_read_u8(&x->r, v) || read_failed(x);
}
static bool rd_u32(wasm_xlate *x, uint32_t *v) {
  return wasm_read_u32(&x->r, v) || read_failed(x);
}
/* The reserved 0x00 byte of memory instructions (a single byte: a longer
 * encoding of zero is malformed too). */
static bool rd_zero(wasm_xlate *x) {
  uint8_t b;
  if (!rd_u8(x, &b)) return false;
  return b == 0 || MALFORMED("zero byte expected");
}

/* ---- the value stack ------------------------------------------------------ */

static ctl *top(wasm_xlate *x) { return &x->ctls[x->nctls - 1]; }

static bool push(wasm_xlate *x, uint8_t t) {
  if (x->nvals == x->cap_vals &&
      !reserve((void **)&x->vals, &x->cap_vals, (uint64_t)x->nvals + 1, 1))
    return nomem(x);
  x->vals[x->nvals++] = t;
  if (x->nvals > x->max_height) x->max_height = x->nvals;
  return true;
}

static bool pop(wasm_xlate *x, uint8_t *out) {
  ctl *c = top(x);
  if (x->nvals == c->height) {
    if (c->unreachable) {
      *out = T_UNKNOWN;
      return true;
    }
    return INVALID("type mismatch");
  }
  *out = x->vals[--x->nvals];
  return true;
}

static bool pop_expect(wasm_xlate *x, uint8_t want) {
  uint8_t t = T_UNKNOWN;
  if (!pop(x, &t)) return false;
  if (t != want && t != T_UNKNOWN && want != T_UNKNOWN)
    return INVALID("type mismatch");
  return true;
}

static bool pop_vals(wasm_xlate *x, const uint8_t *ts, uint32_t n) {
  for (uint32_t i = n; i-- > 0;)
    if (!pop_expect(x, ts[i])) return false;
  return true;
}

static bool push_vals(wasm_xlate *x, const uint8_t *ts, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    if (!push(x, ts[i])) return false;
  return true;
}

/* Marks the rest of the current frame unreachable (stack-polymorphic). */
static void set_unreachable(wasm_xlate *x) {
  ctl *c = top(x);
  x->nvals = c->height;
  c->unreachable = true;
}

/* ---- code emission ---------------------------------------------------------- */

static bool live(wasm_xlate *x) {
  assert(x->nctls > 0);
  const ctl *c = top(x);
  return !c->unreachable && !c->dead;
}

static bool emit(wasm_xlate *x, uint64_t v) {
  if (x->ncells == x->cap_cells &&
      !reserve((void **)&x->cells, &x->cap_cells, (uint64_t)x->ncells + 1,
               sizeof *x->cells))
    return nomem(x);
  x->cells[x->ncells++].u64 = v;
  return true;
}

static bool emit2(wasm_xlate *x, wasm_op op, uint64_t imm) {
  return emit(x, op) && emit(x, imm);
}

/* The target cell for a branch to frame L: known for loops; otherwise a
 * placeholder recorded in L's patch list. */
static bool emit_target(wasm_xlate *x, ctl *L) {
  if (L->kind == CTL_LOOP) return emit(x, L->start);
  if (x->npool == x->cap_pool &&
      !reserve((void **)&x->pool, &x->cap_pool, (uint64_t)x->npool + 1,
               sizeof *x->pool))
    return nomem(x);
  x->pool[x->npool] = (patch){x->ncells, L->patches};
  L->patches = x->npool++;
  return emit(x, NONE);
}

static void patch_all(wasm_xlate *x, ctl *c, uint32_t target) {
  for (uint32_t p = c->patches; p != NONE; p = x->pool[p].next) {
    assert(x->pool[p].cell < x->ncells && x->cells[x->pool[p].cell].u64 == NONE);
    x->cells[x->pool[p].cell].u64 = target;
  }
  c->patches = NONE;
}

static uint32_t label_arity(const ctl *L) { return L->kind == CTL_LOOP ? L->np : L->nr; }
static const uint8_t *label_types(const ctl *L) {
  return L->kind == CTL_LOOP ? L->params : L->results;
}

/* Drop count of a branch to L taken at value stack height h. */
static uint32_t branch_drop(const ctl *L, uint32_t h) {
  assert(h >= L->height + label_arity(L)); /* only called in reachable code */
  return h - L->height - label_arity(L);
}

/* Emits br (cond == false) or br_if to L from stack height h. Branches to
 * the function's own label return (the final `end` holds RETURN, which
 * moves the results itself, so they need no adjustment). */
static bool emit_branch(wasm_xlate *x, ctl *L, uint32_t h, bool cond) {
  if (L->kind == CTL_FUNC) {
    if (!cond) return emit(x, WASM_OP_RETURN);
    return emit(x, WASM_OP_BR_IF) && emit_target(x, L);
  }
  uint32_t drop = branch_drop(L, h);
  wasm_op op = cond ? (drop ? WASM_OP_BR_IF_ADJ : WASM_OP_BR_IF)
                    : (drop ? WASM_OP_BR_ADJ : WASM_OP_BR);
  if (!emit(x, op) || !emit_target(x, L)) return false;
  return !drop || emit(x, wasm_adj(drop, label_arity(L)));
}

/* ---- control frames -------------------------------------------------------- */

static bool push_ctl(wasm_xlate *x, uint8_t kind, uint32_t np,
                     const uint8_t *params, uint32_t nr,
                     const uint8_t *results) {
  if (x->nctls == x->cap_ctls &&
      !reserve((void **)&x->ctls, &x->cap_ctls, (uint64_t)x->nctls + 1,
               sizeof *x->ctls))
    return nomem(x);
  bool dead = x->nctls && (top(x)->dead || top(x)->unreachable);
  x->ctls[x->nctls++] = (ctl){.kind = kind, .dead = dead, .np = np, .nr = nr,
                              .params = params, .results = results,
                              .height = x->nvals, .start = NONE,
                              .else_fix = NONE, .patches = NONE};
  return push_vals(x, params, np);
}

/* Checks the frame's results are exactly what is on its stack. */
static bool check_frame_end(wasm_xlate *x) {
  ctl *c = top(x);
  if (!pop_vals(x, c->results, c->nr)) return false;
  return x->nvals == c->height || INVALID("type mismatch");
}

/* Reads a block type: 0x40 (empty), one value type byte, or a type index
 * as a non-negative s33 (the single-byte forms are the negative ones). */
static bool read_blocktype(wasm_xlate *x, uint32_t *np, const uint8_t **params,
                           uint32_t *nr, const uint8_t **results) {
  uint8_t b;
  if (x->r.pos >= x->r.end) return rd_u8(x, &b); /* fails: "unexpected end" */
  b = x->r.bytes[x->r.pos];
  *np = 0;
  *params = NULL;
  if (b == 0x40) {
    x->r.pos++;
    *nr = 0;
    *results = NULL;
    return true;
  }
  if (is_valtype(b)) {
    x->r.pos++;
    if (b == LOAM_V128) return MALFORMED("SIMD is not supported");
    *nr = 1;
    *results = &one_type[b - 0x6F];
    return true;
  }
  int64_t idx;
  if (!wasm_read_sleb(&x->r, 33, &idx)) return read_failed(x);
  if (idx < 0) return MALFORMED("malformed block type");
  if ((uint64_t)idx >= x->m->ntypes) return INVALID("unknown type %lld", (long long)idx);
  const wasm_functype *t = &x->m->types[idx];
  *np = t->nparams;
  *params = wasm_functype_params(t);
  *nr = t->nresults;
  *results = wasm_functype_results(t);
  return true;
}

static bool op_block(wasm_xlate *x, uint8_t kind) {
  uint32_t np, nr;
  const uint8_t *params, *results;
  if (!read_blocktype(x, &np, &params, &nr, &results)) return false;
  bool emitting = live(x);
  if (kind == CTL_IF && !pop_expect(x, I32)) return false;
  if (!pop_vals(x, params, np)) return false;
  uint32_t else_fix = NONE, start = x->ncells;
  if (emitting && kind == CTL_LOOP && !emit(x, WASM_OP_LOOP_CHECK)) return false;
  if (emitting && kind == CTL_IF) {
    if (!emit(x, WASM_OP_BR_UNLESS)) return false;
    else_fix = x->ncells;
    if (!emit(x, NONE)) return false;
  }
  if (!push_ctl(x, kind, np, params, nr, results)) return false;
  top(x)->start = start;
  top(x)->else_fix = else_fix;
  return true;
}

static bool op_else(wasm_xlate *x) {
  ctl *c = top(x);
  if (c->kind != CTL_IF) return MALFORMED("else without if");
  if (!check_frame_end(x)) return false;
  if (live(x) && !(emit(x, WASM_OP_BR) && emit_target(x, c))) return false;
  if (c->else_fix != NONE) x->cells[c->else_fix].u64 = x->ncells;
  c->else_fix = NONE;
  c->kind = CTL_ELSE;
  c->unreachable = false;
  return push_vals(x, c->params, c->np);
}

/* `end`: returns true and sets *done at the function's final end. */
static bool op_end(wasm_xlate *x, bool *done) {
  ctl *c = top(x);
  if (!check_frame_end(x)) return false;
  if (c->kind == CTL_IF &&
      (c->np != c->nr || (c->np && memcmp(c->params, c->results, c->np))))
    return INVALID("type mismatch");
  uint32_t here = x->ncells;
  assert(c->kind != CTL_LOOP || c->patches == NONE); /* loops branch backwards */
  if (c->else_fix != NONE) x->cells[c->else_fix].u64 = here;
  patch_all(x, c, here);
  if (c->kind == CTL_FUNC) {
    *done = true;
    return emit(x, WASM_OP_RETURN);
  }
  x->nctls--;
  return push_vals(x, c->results, c->nr);
}

/* Checks the top of the stack against ts without popping: the spec's
 * push_vals(pop_vals(ts)), which leaves the stack as it was (Unknowns taken
 * from below a polymorphic frame keep matching every later label). */
static bool check_top(wasm_xlate *x, const uint8_t *ts, uint32_t n) {
  ctl *c = top(x);
  for (uint32_t i = 0; i < n; i++) {
    if (x->nvals - c->height <= i) return c->unreachable || INVALID("type mismatch");
    uint8_t t = x->vals[x->nvals - 1 - i], want = ts[n - 1 - i];
    if (t != want && t != T_UNKNOWN) return INVALID("type mismatch");
  }
  return true;
}

static bool label_at(wasm_xlate *x, uint32_t depth, ctl **L) {
  if (depth >= x->nctls) return INVALID("unknown label %u", depth);
  *L = &x->ctls[x->nctls - 1 - depth];
  return true;
}

static bool op_br(wasm_xlate *x, bool cond) {
  uint32_t depth;
  ctl *L = NULL;
  if (!rd_u32(x, &depth) || !label_at(x, depth, &L)) return false;
  bool emitting = live(x);
  if (cond && !pop_expect(x, I32)) return false;
  uint32_t h = x->nvals;
  if (!pop_vals(x, label_types(L), label_arity(L))) return false;
  if (emitting && !emit_branch(x, L, h, cond)) return false;
  if (cond) return push_vals(x, label_types(L), label_arity(L));
  set_unreachable(x);
  return true;
}

static bool op_br_table(wasm_xlate *x) {
  uint32_t n;
  if (!rd_u32(x, &n)) return false;
  if (n > x->r.end - x->r.pos) return MALFORMED("unexpected end");
  if (!reserve((void **)&x->labels, &x->cap_labels, (uint64_t)n + 1, sizeof *x->labels))
    return nomem(x);
  for (uint32_t i = 0; i <= n; i++)
    if (!rd_u32(x, &x->labels[i])) return false;
  bool emitting = live(x);
  if (!pop_expect(x, I32)) return false;
  uint32_t h = x->nvals;
  ctl *D = NULL;
  if (!label_at(x, x->labels[n], &D)) return false;
  uint32_t arity = label_arity(D);
  for (uint32_t i = 0; i < n; i++) {
    ctl *L = NULL;
    if (!label_at(x, x->labels[i], &L)) return false;
    if (label_arity(L) != arity) return INVALID("type mismatch");
    if (!check_top(x, label_types(L), arity)) return false;
  }
  if (!pop_vals(x, label_types(D), arity)) return false;
  if (emitting) {
    if (!emit2(x, WASM_OP_BR_TABLE, n)) return false;
    for (uint32_t i = 0; i <= n; i++) {
      ctl *L = &x->ctls[x->nctls - 1 - x->labels[i]];
      uint64_t adj = L->kind == CTL_FUNC ? 0 : wasm_adj(branch_drop(L, h), arity);
      if (!emit_target(x, L) || !emit(x, adj)) return false;
    }
  }
  set_unreachable(x);
  return true;
}

static bool op_return(wasm_xlate *x) {
  const ctl *f = &x->ctls[0];
  bool emitting = live(x);
  if (!pop_vals(x, f->results, f->nr)) return false;
  if (emitting && !emit(x, WASM_OP_RETURN)) return false;
  set_unreachable(x);
  return true;
}

/* ---- calls, variables, tables, memory ---------------------------------------- */

static bool call_type(wasm_xlate *x, const wasm_functype *t) {
  return pop_vals(x, wasm_functype_params(t), t->nparams) &&
         push_vals(x, wasm_functype_results(t), t->nresults);
}

static bool op_call(wasm_xlate *x) {
  uint32_t f;
  if (!rd_u32(x, &f)) return false;
  if (f >= x->m->nfuncs) return INVALID("unknown function %u", f);
  if (live(x) && !emit2(x, WASM_OP_CALL, f)) return false;
  return call_type(x, &x->m->types[x->m->funcs[f].type]);
}

static bool op_call_indirect(wasm_xlate *x) {
  uint32_t type, table;
  if (!rd_u32(x, &type) || !rd_u32(x, &table)) return false;
  if (table >= x->m->ntables) return INVALID("unknown table %u", table);
  if (type >= x->m->ntypes) return INVALID("unknown type %u", type);
  if (x->m->tables[table].elemtype != LOAM_FUNCREF) return INVALID("type mismatch");
  if (live(x) && !(emit2(x, WASM_OP_CALL_INDIRECT, type) && emit(x, table)))
    return false;
  return pop_expect(x, I32) && call_type(x, &x->m->types[type]);
}

static bool op_local(wasm_xlate *x, wasm_op op) {
  uint32_t i;
  if (!rd_u32(x, &i)) return false;
  if (i >= x->nlocals) return INVALID("unknown local %u", i);
  if (live(x) && !emit2(x, op, i)) return false;
  uint8_t t = x->locals[i];
  if (op == WASM_OP_LOCAL_GET) return push(x, t);
  if (!pop_expect(x, t)) return false;
  return op == WASM_OP_LOCAL_SET || push(x, t);
}

static bool op_global(wasm_xlate *x, wasm_op op) {
  uint32_t i;
  if (!rd_u32(x, &i)) return false;
  if (i >= x->m->nglobals) return INVALID("unknown global %u", i);
  const wasm_globaltype *g = &x->m->globals[i].type;
  if (op == WASM_OP_GLOBAL_SET && !g->mutable_) return INVALID("global is immutable");
  if (live(x) && !emit2(x, op, i)) return false;
  return op == WASM_OP_GLOBAL_GET ? push(x, g->valtype) : pop_expect(x, g->valtype);
}

static bool table_at(wasm_xlate *x, uint32_t *i, uint8_t *elemtype) {
  if (!rd_u32(x, i)) return false;
  if (*i >= x->m->ntables) return INVALID("unknown table %u", *i);
  *elemtype = x->m->tables[*i].elemtype;
  return true;
}

/* table.get/set (0x25/0x26) and 0xFC 15..17 (grow, size, fill). */
static bool op_table(wasm_xlate *x, wasm_op op) {
  uint32_t i;
  uint8_t t = 0;
  if (!table_at(x, &i, &t)) return false;
  if (live(x) && !emit2(x, op, i)) return false;
  switch (op) {
  case WASM_OP_TABLE_GET: return pop_expect(x, I32) && push(x, t);
  case WASM_OP_TABLE_SET: return pop_expect(x, t) && pop_expect(x, I32);
  case WASM_OP_TABLE_GROW: return pop_expect(x, I32) && pop_expect(x, t) && push(x, I32);
  case WASM_OP_TABLE_SIZE: return push(x, I32);
  default: return pop_expect(x, I32) && pop_expect(x, t) && pop_expect(x, I32);
  }
}

static bool op_table_init(wasm_xlate *x) {
  uint32_t e, i;
  uint8_t t = 0;
  if (!rd_u32(x, &e)) return false;
  if (!table_at(x, &i, &t)) return false;
  if (e >= x->m->nelems) return INVALID("unknown elem segment %u", e);
  if (x->m->elems[e].elemtype != t) return INVALID("type mismatch");
  if (live(x) && !(emit2(x, WASM_OP_TABLE_INIT, e) && emit(x, i))) return false;
  return pop_expect(x, I32) && pop_expect(x, I32) && pop_expect(x, I32);
}

static bool op_table_copy(wasm_xlate *x) {
  uint32_t d, s;
  uint8_t td = 0, ts = 0;
  if (!table_at(x, &d, &td) || !table_at(x, &s, &ts)) return false;
  if (td != ts) return INVALID("type mismatch");
  if (live(x) && !(emit2(x, WASM_OP_TABLE_COPY, d) && emit(x, s))) return false;
  return pop_expect(x, I32) && pop_expect(x, I32) && pop_expect(x, I32);
}

static bool op_elem_drop(wasm_xlate *x) {
  uint32_t e;
  if (!rd_u32(x, &e)) return false;
  if (e >= x->m->nelems) return INVALID("unknown elem segment %u", e);
  return !live(x) || emit2(x, WASM_OP_ELEM_DROP, e);
}

static bool need_memory(wasm_xlate *x) {
  return x->m->nmems > 0 || INVALID("unknown memory 0");
}

static bool op_memarg(wasm_xlate *x, uint8_t opcode) {
  const struct memop *mo = &memops[opcode - 0x28];
  uint32_t align, offset;
  if (!rd_u32(x, &align) || !rd_u32(x, &offset)) return false;
  if (!need_memory(x)) return false;
  if (align > mo->log2) return INVALID("alignment must not be larger than natural");
  if (live(x) && !emit2(x, (wasm_op)(WASM_OP_I32_LOAD + (opcode - 0x28)), offset))
    return false;
  if (opcode < 0x36) return pop_expect(x, I32) && push(x, mo->type);
  return pop_expect(x, mo->type) && pop_expect(x, I32);
}

/* memory.size, memory.grow, memory.copy, memory.fill: `zeros` reserved
 * bytes, then [i32 * npop] -> [i32 * npush]. */
static bool op_memory(wasm_xlate *x, wasm_op op, int zeros, int npop, int npush) {
  for (int i = 0; i < zeros; i++)
    if (!rd_zero(x)) return false;
  if (!need_memory(x)) return false;
  if (live(x) && !emit(x, op)) return false;
  for (int i = 0; i < npop; i++)
    if (!pop_expect(x, I32)) return false;
  return npush == 0 || push(x, I32);
}

/* A data index. Without a data count section the body cannot name one
 * (malformed); an index past the data segments is reported as unknown
 * first, as the spec suite expects of text modules that wabt encodes
 * without the section. */
static bool data_index(wasm_xlate *x, uint32_t d) {
  const wasm_module *m = x->m;
  uint32_t n = m->has_datacount ? m->datacount : m->ndatas;
  if (d >= n) return INVALID("unknown data segment %u", d);
  return m->has_datacount || MALFORMED("data count section required");
}

static bool op_memory_init(wasm_xlate *x) {
  uint32_t d;
  if (!rd_u32(x, &d) || !rd_zero(x) || !need_memory(x) || !data_index(x, d))
    return false;
  if (live(x) && !emit2(x, WASM_OP_MEMORY_INIT, d)) return false;
  return pop_expect(x, I32) && pop_expect(x, I32) && pop_expect(x, I32);
}

static bool op_data_drop(wasm_xlate *x) {
  uint32_t d;
  if (!rd_u32(x, &d) || !data_index(x, d)) return false;
  return !live(x) || emit2(x, WASM_OP_DATA_DROP, d);
}

/* ---- parametric, constants, references, numeric --------------------------------- */

static bool op_select(wasm_xlate *x, bool typed) {
  uint8_t want = T_UNKNOWN;
  if (typed) {
    uint32_t n;
    if (!rd_u32(x, &n)) return false;
    if (n != 1) return INVALID("invalid result arity");
    if (!rd_u8(x, &want)) return false;
    if (!is_valtype(want)) return MALFORMED("malformed value type");
    if (want == LOAM_V128) return MALFORMED("SIMD is not supported");
  }
  if (live(x) && !emit(x, WASM_OP_SELECT)) return false;
  uint8_t t1 = 0, t2 = 0;
  if (!pop_expect(x, I32)) return false;
  if (typed) return pop_expect(x, want) && pop_expect(x, want) && push(x, want);
  if (!pop(x, &t1) || !pop(x, &t2)) return false;
  if (!is_num(t1) || !is_num(t2)) return INVALID("type mismatch");
  if (t1 != t2 && t1 != T_UNKNOWN && t2 != T_UNKNOWN) return INVALID("type mismatch");
  return push(x, t1 == T_UNKNOWN ? t2 : t1);
}

static bool op_const(wasm_xlate *x, uint8_t opcode) {
  uint64_t bits;
  int64_t s;
  uint32_t b32;
  uint8_t t;
  switch (opcode) {
  case 0x41:
    if (!wasm_read_sleb(&x->r, 32, &s)) return read_failed(x);
    bits = (uint32_t)s, t = I32;
    break;
  case 0x42:
    if (!wasm_read_sleb(&x->r, 64, &s)) return read_failed(x);
    bits = (uint64_t)s, t = I64;
    break;
  case 0x43:
    if (!wasm_read_fixed32(&x->r, &b32)) return read_failed(x);
    bits = b32, t = F32;
    break;
  default:
    if (!wasm_read_fixed64(&x->r, &bits)) return read_failed(x);
    t = F64;
  }
  static const wasm_op ops[4] = {WASM_OP_I32_CONST, WASM_OP_I64_CONST,
                                 WASM_OP_F32_CONST, WASM_OP_F64_CONST};
  if (live(x) && !emit2(x, ops[opcode - 0x41], bits)) return false;
  return push(x, t);
}

static bool op_ref(wasm_xlate *x, uint8_t opcode) {
  if (opcode == 0xD0) {
    uint8_t t;
    if (!rd_u8(x, &t)) return false;
    if (t != LOAM_FUNCREF && t != LOAM_EXTERNREF) return MALFORMED("malformed reference type");
    if (live(x) && !emit(x, WASM_OP_REF_NULL)) return false;
    return push(x, t);
  }
  if (opcode == 0xD1) {
    uint8_t t = 0;
    if (live(x) && !emit(x, WASM_OP_REF_IS_NULL)) return false;
    if (!pop(x, &t)) return false;
    if (!is_ref(t)) return INVALID("type mismatch");
    return push(x, I32);
  }
  uint32_t f;
  if (!rd_u32(x, &f)) return false;
  if (f >= x->m->nfuncs) return INVALID("unknown function %u", f);
  if (!x->m->func_declared || !x->m->func_declared[f])
    return INVALID("undeclared function reference");
  if (live(x) && !emit2(x, WASM_OP_REF_FUNC, f)) return false;
  return push(x, LOAM_FUNCREF);
}

static bool op_numeric(wasm_xlate *x, const numop *n) {
  if (live(x) && !emit(x, n->op)) return false;
  if (n->b && !pop_expect(x, n->b)) return false;
  return pop_expect(x, n->a) && push(x, n->r);
}

static bool op_prefixed(wasm_xlate *x) {
  uint32_t sub;
  if (!rd_u32(x, &sub)) return false;
  switch (sub) {
  case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
    return op_numeric(x, &x->sat[sub]);
  case 8: return op_memory_init(x);
  case 9: return op_data_drop(x);
  case 10: return op_memory(x, WASM_OP_MEMORY_COPY, 2, 3, 0);
  case 11: return op_memory(x, WASM_OP_MEMORY_FILL, 1, 3, 0);
  case 12: return op_table_init(x);
  case 13: return op_elem_drop(x);
  case 14: return op_table_copy(x);
  case 15: return op_table(x, WASM_OP_TABLE_GROW);
  case 16: return op_table(x, WASM_OP_TABLE_SIZE);
  case 17: return op_table(x, WASM_OP_TABLE_FILL);
  }
  return MALFORMED("illegal opcode 0xfc %u", sub);
}

/* ---- the instruction loop ------------------------------------------------------- */

/* One instruction; sets *done after the function's final `end`. */
static bool instr(wasm_xlate *x, bool *done) {
  uint8_t op = x->r.bytes[x->r.pos++];
  switch (op) {
  case 0x00:
    if (live(x) && !emit(x, WASM_OP_UNREACHABLE)) return false;
    set_unreachable(x);
    return true;
  case 0x01: return true;
  case 0x02: return op_block(x, CTL_BLOCK);
  case 0x03: return op_block(x, CTL_LOOP);
  case 0x04: return op_block(x, CTL_IF);
  case 0x05: return op_else(x);
  case 0x0B: return op_end(x, done);
  case 0x0C: return op_br(x, false);
  case 0x0D: return op_br(x, true);
  case 0x0E: return op_br_table(x);
  case 0x0F: return op_return(x);
  case 0x10: return op_call(x);
  case 0x11: return op_call_indirect(x);
  case 0x1A: {
    uint8_t t;
    if (live(x) && !emit(x, WASM_OP_DROP)) return false;
    return pop(x, &t);
  }
  case 0x1B: return op_select(x, false);
  case 0x1C: return op_select(x, true);
  case 0x20: return op_local(x, WASM_OP_LOCAL_GET);
  case 0x21: return op_local(x, WASM_OP_LOCAL_SET);
  case 0x22: return op_local(x, WASM_OP_LOCAL_TEE);
  case 0x23: return op_global(x, WASM_OP_GLOBAL_GET);
  case 0x24: return op_global(x, WASM_OP_GLOBAL_SET);
  case 0x25: return op_table(x, WASM_OP_TABLE_GET);
  case 0x26: return op_table(x, WASM_OP_TABLE_SET);
  case 0x3F: return op_memory(x, WASM_OP_MEMORY_SIZE, 1, 0, 1);
  case 0x40: return op_memory(x, WASM_OP_MEMORY_GROW, 1, 1, 1);
  case 0x41: case 0x42: case 0x43: case 0x44: return op_const(x, op);
  case 0xD0: case 0xD1: case 0xD2: return op_ref(x, op);
  case 0xFC: return op_prefixed(x);
  case 0xFD: return MALFORMED("SIMD is not supported");
  }
  if (op >= 0x28 && op <= 0x3E) return op_memarg(x, op);
  if (x->num[op].r) return op_numeric(x, &x->num[op]);
  return MALFORMED("illegal opcode 0x%02x", op);
}

/* Params then declared locals, as one array indexed by local index. */
static bool setup_locals(wasm_xlate *x, const wasm_func *f, const wasm_functype *t) {
  uint64_t n = (uint64_t)t->nparams + f->nlocals;
  if (n > WASM_MAX_LOCALS) return MALFORMED("too many locals");
  if (!reserve((void **)&x->locals, &x->cap_locals, n ? n : 1, 1)) return nomem(x);
  if (t->nparams) memcpy(x->locals, t->types, t->nparams);
  if (f->nlocals) memcpy(x->locals + t->nparams, f->local_types, f->nlocals);
  x->nlocals = (uint32_t)n;
  for (uint32_t i = 0; i < n; i++)
    if (x->locals[i] == LOAM_V128) return MALFORMED("SIMD is not supported");
  return true;
}

static bool translate_body(wasm_xlate *x, const wasm_func *f) {
  const wasm_functype *t = &x->m->types[f->type];
  x->r = (wasm_reader){x->m->bytes, f->body.off, (size_t)f->body.off + f->body.len, NULL};
  x->at = f->body.off;
  x->nvals = x->nctls = x->npool = x->ncells = x->max_height = 0;
  if (!setup_locals(x, f, t)) return false;
  if (!push_ctl(x, CTL_FUNC, 0, NULL, t->nresults, wasm_functype_results(t)))
    return false;
  for (bool done = false; !done;) {
    x->at = x->r.pos;
    if (x->r.pos >= x->r.end)
      return MALFORMED("END opcode expected: unexpected end of section or function (section size mismatch)");
    if (!instr(x, &done)) return false;
  }
  x->at = x->r.pos;
  if (x->r.pos != x->r.end) return MALFORMED("section size mismatch (junk after END opcode)");
  return true;
}

static wasm_code *finish(wasm_xlate *x, uint32_t idx, loam_error *err) {
  const wasm_func *f = &x->m->funcs[idx];
  const wasm_functype *t = &x->m->types[f->type];
  wasm_code *c = calloc(1, sizeof *c);
  wasm_cell *cells = malloc((size_t)x->ncells * sizeof *cells);
  if (!c || !cells) {
    free(c);
    free(cells);
    wasm_fail(err, LOAM_ERR_NOMEM, "function %u: out of memory", idx);
    return NULL;
  }
  memcpy(cells, x->cells, (size_t)x->ncells * sizeof *cells);
  *c = (wasm_code){.cells = cells, .ncells = x->ncells, .nparams = t->nparams,
                   .nlocals = f->nlocals, .nresults = t->nresults,
                   .max_height = x->max_height, .func_index = idx};
  return c;
}

wasm_code *wasm_xlate_func(wasm_xlate *x, uint32_t idx, loam_error *err) {
  x->func = idx;
  if (!translate_body(x, &x->m->funcs[idx])) {
    wasm_fail(err, x->status, "function %u at offset 0x%zx: %s", idx, x->err_at, x->why);
    return NULL;
  }
  return finish(x, idx, err);
}

wasm_xlate *wasm_xlate_new(const wasm_module *m) {
  wasm_xlate *x = calloc(1, sizeof *x);
  if (!x) return NULL;
  x->m = m;
  for (size_t i = 0; i < sizeof numruns / sizeof numruns[0]; i++) {
    const struct numrun *n = &numruns[i];
    for (unsigned op = n->first; op <= n->last; op++)
      x->num[op] = (numop){(uint16_t)(n->op + (op - n->first)), n->a, n->b, n->r};
  }
  memcpy(x->sat, satops, sizeof satops);
  return x;
}

void wasm_xlate_free(wasm_xlate *x) {
  if (!x) return;
  free(x->vals);
  free(x->ctls);
  free(x->pool);
  free(x->cells);
  free(x->locals);
  free(x->labels);
  free(x);
}

/* ---- decode-only scan --------------------------------------------------------------- */

static bool skip_u32s(wasm_xlate *x, int n) {
  uint32_t v;
  for (int i = 0; i < n; i++)
    if (!rd_u32(x, &v)) return false;
  return true;
}

/* Immediates of one instruction, not typed; *depth tracks block nesting. */
static bool scan_instr(wasm_xlate *x, uint32_t *depth, bool *done) {
  uint8_t op = x->r.bytes[x->r.pos++], b;
  uint32_t n;
  int64_t s;
  uint64_t u;
  switch (op) {
  case 0x02: case 0x03: case 0x04: {
    uint32_t np, nr;
    const uint8_t *p, *r;
    (*depth)++;
    /* an unknown type index is an invalid, not a malformed, body */
    return read_blocktype(x, &np, &p, &nr, &r) || x->status != LOAM_ERR_MALFORMED;
  }
  case 0x0B:
    if (*depth == 0) *done = true;
    else (*depth)--;
    return true;
  case 0x0C: case 0x0D: case 0x10: case 0x20: case 0x21: case 0x22:
  case 0x23: case 0x24: case 0x25: case 0x26: case 0xD2:
    return skip_u32s(x, 1);
  case 0x11: return skip_u32s(x, 2);
  case 0x0E:
    if (!rd_u32(x, &n)) return false;
    if (n > x->r.end - x->r.pos) return MALFORMED("unexpected end");
    return skip_u32s(x, (int)n + 1);
  case 0x1C:
    if (!rd_u32(x, &n)) return false;
    for (uint32_t i = 0; i < n; i++)
      if (!rd_u8(x, &b)) return false;
    return true;
  case 0x3F: case 0x40: return rd_zero(x);
  case 0x41: return wasm_read_sleb(&x->r, 32, &s) || read_failed(x);
  case 0x42: return wasm_read_sleb(&x->r, 64, &s) || read_failed(x);
  case 0x43: return wasm_read_fixed32(&x->r, &n) || read_failed(x);
  case 0x44: return wasm_read_fixed64(&x->r, &u) || read_failed(x);
  case 0xD0: return rd_u8(x, &b);
  case 0xFD: return MALFORMED("SIMD is not supported");
  case 0xFC:
    if (!rd_u32(x, &n)) return false;
    if (n <= 7) return true;
    switch (n) {
    case 8: return skip_u32s(x, 1) && rd_zero(x);
    case 9: case 13: case 15: case 16: case 17: return skip_u32s(x, 1);
    case 10: return rd_zero(x) && rd_zero(x);
    case 11: return rd_zero(x);
    case 12: case 14: return skip_u32s(x, 2);
    }
    return MALFORMED("illegal opcode 0xfc %u", n);
  }
  if (op <= 0x01 || op == 0x05 || op == 0x0F || op == 0x1A || op == 0x1B || op == 0xD1 ||
      x->num[op].r)
    return true;
  if (op >= 0x28 && op <= 0x3E) return skip_u32s(x, 2);
  return MALFORMED("illegal opcode 0x%02x", op);
}

bool wasm_xlate_scan(const wasm_module *m, uint32_t idx, loam_error *err) {
  wasm_xlate *x = wasm_xlate_new(m);
  if (!x) return wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
  const wasm_func *f = &m->funcs[idx];
  x->r = (wasm_reader){m->bytes, f->body.off, (size_t)f->body.off + f->body.len, NULL};
  uint32_t depth = 0;
  bool ok = true, done = false;
  while (ok && !done) {
    x->at = x->r.pos;
    x->status = LOAM_OK;
    if (x->r.pos >= x->r.end)
      ok = MALFORMED("END opcode expected: unexpected end of section or function (section size mismatch)");
    else
      ok = scan_instr(x, &depth, &done);
  }
  x->at = x->r.pos;
  if (ok && x->r.pos != x->r.end) ok = MALFORMED("section size mismatch (junk after END opcode)");
  if (!ok) wasm_fail(err, x->status, "function %u at offset 0x%zx: %s", idx, x->err_at, x->why);
  wasm_xlate_free(x);
  return ok;
}
