/*
 * lower.c — turns one function's stack code (code.h) into the register code
 * of lower.h, in one forward pass after a pass that marks branch targets.
 *
 * The pass tracks the operand stack as pending entries: a value already in
 * its stack slot (STK), a value sitting in another slot (REG: a local after
 * local.get/tee) or a constant (K). Operators read their operands straight
 * from those slots or as immediates, so local.get and const emit nothing.
 * Entries are materialised into their own stack slots only where the stack
 * must be in place: before every branch, at every branch target, for call
 * arguments and for the rare "windowed" ops. Between those points the code
 * is straight-line, so the pending state is the same on every path.
 *
 * Peepholes on the last emitted instruction (only when no label lies in
 * between): local.set/tee retarget the result slot of the op that computed
 * the value, and br_if/if fuse with the compare (or i32.eqz) that computed
 * the condition.
 *
 * Branches to the function's final RETURN become returns in place, so the
 * final RETURN never has to accept more than one stack height.
 */
#include "lower.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

enum { E_STK, E_REG, E_K };
typedef struct entry { uint8_t kind; uint64_t v; } entry;

/* A branch offset to fill in: field `k` of the instruction at `base`,
 * pointing at stack-code cell `target`. */
typedef struct fixup { uint32_t base, k, target; } fixup;

typedef struct lw {
  const wasm_code *c;
  const loam_instance *inst;
  const void *const *labels;
  wasm_cell *out;  uint32_t n, cap;
  entry *st;       uint32_t h, cap_st;
  fixup *fix;      uint32_t nfix, cap_fix;
  uint8_t *is_target;
  uint32_t *map, *th;  /* per stack-code cell: register cell, stack height */
  uint32_t nbase;      /* first stack slot: nparams + nlocals */
  bool live, oom;
  /* The last instruction, while its result slot may still be retargeted
   * or the instruction fused with a branch (last_dst == NONE otherwise). */
  uint32_t last_start, last_op, last_dst;
  /* The same for the instruction before it (prev_dst == NONE when there is
   * none to fuse with: a label, branch or store lies in between). */
  uint32_t prev_start, prev_op, prev_dst;
  uint32_t label_at;   /* where the last label was bound */
  /* The last K_I32_ADD emitted, and the one right before it when the two
   * are adjacent with no label between (else NONE): settle() merges them
   * into an ADD2_I32 once the second one is final. radd_*: the same for
   * R_I32_ADD and RADD2_I32. */
  uint32_t kadd_prev, kadd_at, radd_prev, radd_at;
  /* The last local.set/tee that retargeted an op's result into local
   * set_local (the op at set_start, set_op), valid while L->n == set_n. */
  uint32_t set_start, set_op, set_local, set_n;
} lw;

/* ---- op tables ------------------------------------------------------------ */

#define MAP2(NAME, E) X_(NAME)
#define MAP3(NAME, F, T) X_(NAME)
#define INT_BINARY(X) WN_I32_BINARY(X) WN_I64_BINARY(X)

static const uint16_t rr_of[WASM_OP_COUNT] = {
#define X_(NAME) [WASM_OP_##NAME] = WASM_R_R_##NAME,
    INT_BINARY(MAP2) WN_DIVISIONS(MAP3) WN_F32_ARITH(MAP2) WN_F64_ARITH(MAP2)
    WN_F32_COMPARE(MAP2) WN_F64_COMPARE(MAP2) WN_RAW_BINARY(MAP2)
#undef X_
};
static const uint16_t k_of[WASM_OP_COUNT] = {
#define X_(NAME) [WASM_OP_##NAME] = WASM_R_K_##NAME,
    INT_BINARY(MAP2)
#undef X_
};
static const uint16_t u_of[WASM_OP_COUNT] = {
#define X_(NAME) [WASM_OP_##NAME] = WASM_R_U_##NAME,
    WN_UNARY(MAP2) WN_TRUNCATIONS(MAP3)
#undef X_
};
static const uint16_t load_of[WASM_OP_COUNT] = {
#define X_(NAME) [WASM_OP_##NAME] = WASM_R_L_##NAME,
    WASM_LOAD_OPS(X_)
#undef X_
};
static const uint16_t store_of[WASM_OP_COUNT] = {
#define X_(NAME) [WASM_OP_##NAME] = WASM_R_S_##NAME,
    WASM_STORE_OPS(X_)
#undef X_
};
static const uint16_t m_of[WASM_OP_COUNT] = {
#define X_(NAME) [WASM_OP_##NAME] = WASM_R_M_##NAME,
    INT_BINARY(MAP2) WN_F32_ARITH(MAP2) WN_F64_ARITH(MAP2)
    WN_F32_COMPARE(MAP2) WN_F64_COMPARE(MAP2)
#undef X_
};

/* The full-width load of a numeric op's operand type (the ops of each
 * type are contiguous in WASM_OPS). */
static uint32_t operand_load(uint32_t op) {
  if (op >= WASM_OP_I32_EQZ && op <= WASM_OP_I32_ROTR) return WASM_R_L_I32_LOAD;
  if (op >= WASM_OP_I64_EQZ && op <= WASM_OP_I64_ROTR) return WASM_R_L_I64_LOAD;
  if (op >= WASM_OP_F32_EQ && op <= WASM_OP_F32_COPYSIGN) return WASM_R_L_F32_LOAD;
  if (op >= WASM_OP_F64_EQ && op <= WASM_OP_F64_COPYSIGN) return WASM_R_L_F64_LOAD;
  return 0;
}

/* Fused compare-and-branch ops by the register op computing the condition
 * (BRUNLESS_x and KBRUNLESS_x directly follow BRIF_x and KBRIF_x). */
static const uint16_t brif_of[WASM_NOPS] = {
#define X_(NAME) [WASM_R_R_##NAME] = WASM_R_BRIF_##NAME,
    INT_BINARY(MAP2) WN_F32_COMPARE(MAP2) WN_F64_COMPARE(MAP2)
#undef X_
#define X_(NAME) [WASM_R_K_##NAME] = WASM_R_KBRIF_##NAME,
    WN_I32_BINARY(MAP2)
#undef X_
};

#define FUSE_NINNER 11  /* entries of WASM_FUSE_ROW: WASM_FUSE_INNER, RSUB */
#define FUSE64_NINNER 5  /* entries of WASM_FUSE64_INNER */

/* The KX64 op for i64 outer op `op` and inner op `rop`, or 0. */
static uint32_t fuse64(uint32_t op, uint32_t rop) {
  static const uint16_t outer[] = {WASM_OP_I64_ADD, WASM_OP_I64_SUB, WASM_OP_I64_AND,
                                   WASM_OP_I64_OR, WASM_OP_I64_XOR};
  static const uint16_t inner[] = {
#define X_(NAME) WASM_R_K_I64_##NAME,
      WASM_FUSE64_INNER(X_)
#undef X_
  };
  for (uint32_t o = 0; o < sizeof outer / sizeof outer[0]; o++) {
    if (outer[o] != op) continue;
    for (uint32_t i = 0; i < FUSE64_NINNER; i++)
      if (inner[i] == rop) return WASM_R_KX64_ADD_SHL + o * FUSE64_NINNER + i;
  }
  return 0;
}

/* KX_/RX_ pairs: the index of an outer (stack op) and inner (K_ or R_ op)
 * in WASM_FUSE_OUTER / WASM_FUSE_INNER order, or -1. */
static int fuse_outer(uint32_t op) {
  static const uint16_t outer[] = {
#define X_(NAME) WASM_OP_I32_##NAME,
      WASM_FUSE_OUTER(X_)
#undef X_
  };
  for (int i = 0; i < (int)(sizeof outer / sizeof outer[0]); i++)
    if (outer[i] == op) return i;
  return -1;
}
static int fuse_inner(uint32_t rop, bool *is_r) {
  static const uint16_t kin[] = {
#define X_(NAME) WASM_R_K_I32_##NAME,
      WASM_FUSE_INNER(X_)
#undef X_
  };
  static const uint16_t rin[] = {
#define X_(NAME) WASM_R_R_I32_##NAME,
      WASM_FUSE_INNER(X_)
#undef X_
  };
  for (int i = 0; i < (int)(sizeof kin / sizeof kin[0]); i++)
    if (kin[i] == rop || rin[i] == rop) {
      *is_r = rin[i] == rop;
      return i;
    }
  *is_r = false;
  return rop == WASM_R_RSUB_I32 ? FUSE_NINNER - 1 : -1;
}

/* The XK op's offset from WASM_R_XK_SHL_ADD for stack op `op` with a
 * constant right operand whose left operand slot op `rop` computed, or -1
 * (WASM_XK order). */
static int xk_index(uint32_t op, uint32_t rop) {
  static const uint16_t outer[] = {WASM_OP_I32_SHL, WASM_OP_I32_SHR_S, WASM_OP_I32_SHR_U,
                                   WASM_OP_I32_AND, WASM_OP_I32_ADD, WASM_OP_I32_OR,
                                   WASM_OP_I32_XOR};
  static const uint16_t inner[] = {WASM_R_R_I32_ADD, WASM_R_R_I32_SUB, WASM_R_R_I32_AND,
                                   WASM_R_R_I32_OR, WASM_R_R_I32_XOR};
  for (int o = 0; o < 7; o++) {
    if (outer[o] != op) continue;
    for (int i = 0; i < 5; i++)
      if (inner[i] == rop) return o * 5 + i;
  }
  return -1;
}

/* I32 ops whose K form carries a 32-bit constant (the rest: 64-bit). */
static bool k_is_32(uint32_t rop) {
  return rop >= WASM_R_K_I32_EQ && rop <= WASM_R_K_I32_ROTR;
}

static bool commutes(uint32_t op) {
  switch (op) {
  case WASM_OP_I32_ADD: case WASM_OP_I32_MUL: case WASM_OP_I32_AND:
  case WASM_OP_I32_OR: case WASM_OP_I32_XOR: case WASM_OP_I32_EQ:
  case WASM_OP_I32_NE: case WASM_OP_I64_ADD: case WASM_OP_I64_MUL:
  case WASM_OP_I64_AND: case WASM_OP_I64_OR: case WASM_OP_I64_XOR:
  case WASM_OP_I64_EQ: case WASM_OP_I64_NE:
    return true;
  }
  return false;
}

/* Windowed ops: inputs popped, results pushed. */
static bool windowed(uint32_t op, uint32_t *nin, uint32_t *nout) {
  static const struct { uint16_t op; uint8_t in, out; } w[] = {
      {WASM_OP_TABLE_GET, 1, 1},   {WASM_OP_TABLE_SET, 2, 0},
      {WASM_OP_TABLE_SIZE, 0, 1},  {WASM_OP_TABLE_GROW, 2, 1},
      {WASM_OP_TABLE_FILL, 3, 0},  {WASM_OP_TABLE_COPY, 3, 0},
      {WASM_OP_TABLE_INIT, 3, 0},  {WASM_OP_ELEM_DROP, 0, 0},
      {WASM_OP_MEMORY_SIZE, 0, 1}, {WASM_OP_MEMORY_GROW, 1, 1},
      {WASM_OP_MEMORY_INIT, 3, 0}, {WASM_OP_DATA_DROP, 0, 0},
      {WASM_OP_MEMORY_COPY, 3, 0}, {WASM_OP_MEMORY_FILL, 3, 0},
      {WASM_OP_REF_IS_NULL, 1, 1}, {WASM_OP_REF_FUNC, 0, 1},
  };
  for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
    if (w[i].op == op) {
      *nin = w[i].in;
      *nout = w[i].out;
      return true;
    }
  return false;
}

static const uint8_t plain_len[] = {
#define PLAIN(NAME, N) N,
    WASM_RPLAIN(PLAIN)
#undef PLAIN
};

uint32_t wasm_rop_length(uint32_t op, const wasm_cell *at) {
  if (op < WASM_OP_COUNT) return 2u + wasm_op_nimm[op];
  if (op == WASM_R_BR_TABLE) return 3u + at[1].f[1];
  if (op == WASM_R_BR_TABLE_LK8) return 4u + at[1].f[1];
  if (op < WASM_R_R_I32_EQ) return plain_len[op - WASM_OP_COUNT];
  if (op < WASM_R_U_I32_EQZ) return 3;
  if (op < WASM_R_BRIF_I32_EQ) return 2;
  if (op >= WASM_R_AKBRIF_I32_EQ && op < WASM_R_END) return 4;
  return 3;
}

/* ---- emission ------------------------------------------------------------------ */

#define FLD(L, start, k) ((L)->out[(start) + 1 + (k) / 2].f[(k) % 2])

static bool grow(void **p, uint32_t *cap, uint64_t need, size_t size) {
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

/* Appends an instruction of `len` zeroed cells; returns its start (or the
 * scratch cell 0 of a placeholder when out of memory: the caller checks
 * L->oom at the end). A MOV right after a MOV (no label between) turns
 * the first into a MOV2 and returns a start whose fields 0 and 1 are the
 * MOV2's fields 2 and 3, so callers fill and retarget it like a MOV. */
static void settle(lw *L);

static uint32_t emit(lw *L, uint32_t op, uint32_t len) {
  settle(L);
  if (op == WASM_R_MOV && L->last_op == WASM_R_MOV && L->n == L->last_start + 2 &&
      L->label_at != L->n && L->n >= 2 && !L->oom) {
    uint32_t m = L->last_start;
    if (!grow((void **)&L->out, &L->cap, (uint64_t)L->n + 2, sizeof *L->out)) {
      L->oom = true;
      L->n = 0;
      return 0;
    }
    L->out[m].u64 = WASM_R_MOV2;
    memset(&L->out[m + 2], 0, sizeof *L->out);
    L->n = m + 3;
    /* a MOV2 is never taken back (unemit), fused or retargeted as a
     * whole: only its second half, like the MOV it was emitted as */
    L->prev_dst = NONE;
    L->last_start = m + 1;
    L->last_op = WASM_R_MOV2;
    L->last_dst = NONE;
    return m + 1;
  }
  if (!grow((void **)&L->out, &L->cap, (uint64_t)L->n + len + 1, sizeof *L->out)) {
    L->oom = true;
    L->n = 0;
  }
  uint32_t at = L->n;
  memset(&L->out[at], 0, len * sizeof *L->out);
  L->out[at].u64 = op;
  L->n += len;
  if (op == WASM_R_K_I32_ADD) {
    L->kadd_prev = L->kadd_at != NONE && L->kadd_at + 3 == at ? L->kadd_at : NONE;
    L->kadd_at = at;
  } else {
    L->kadd_prev = L->kadd_at = NONE;
  }
  if (op == WASM_R_R_I32_ADD) {
    L->radd_prev = L->radd_at != NONE && L->radd_at + 3 == at ? L->radd_at : NONE;
    L->radd_at = at;
  } else {
    L->radd_prev = L->radd_at = NONE;
  }
  L->prev_start = L->last_start;
  L->prev_op = L->last_op;
  L->prev_dst = L->last_dst;
  L->last_start = at;
  L->last_op = op;
  L->last_dst = NONE;
  return at;
}

/* The instruction just emitted writes slot `d` in its field 0. */
static void set_dst(lw *L, uint32_t start, uint32_t d) {
  FLD(L, start, 0) = d;
  L->last_dst = d;
}

static void barrier(lw *L) { L->last_dst = L->prev_dst = NONE; }

/* Merges two adjacent K_I32_ADDs (kadd_prev, kadd_at) into one ADD2_I32
 * once the second is the last instruction and final: its result went to
 * a local (last_dst == NONE), so no later fusion takes it back. Runs
 * before anything is emitted or a label bound after them. */
static void settle(lw *L) {
  bool r = L->radd_prev != NONE;
  uint32_t m = r ? L->radd_prev : L->kadd_prev, s = r ? L->radd_at : L->kadd_at;
  if (m == NONE || s != m + 3 || L->n != s + 3 || L->last_start != s ||
      L->last_dst != NONE || L->oom)
    return;
  uint32_t d = FLD(L, m, 0), a = FLD(L, m, 1), k = FLD(L, m, 2);
  uint32_t d2 = FLD(L, s, 0), a2 = FLD(L, s, 1), k2 = FLD(L, s, 2);
  /* ADD2_I32 d a d2 a2 k k2 | RADD2_I32 d a b d2 a2 b2 */
  uint32_t f[6] = {d, a, d2, a2, k, k2}, fr[6] = {d, a, k, d2, a2, k2};
  L->out[m].u64 = r ? WASM_R_RADD2_I32 : WASM_R_ADD2_I32;
  for (uint32_t i = 0; i < 6; i++) FLD(L, m, i) = r ? fr[i] : f[i];
  L->n = m + 4;
  L->last_start = m;
  L->last_op = (uint32_t)L->out[m].u64;
  L->prev_dst = NONE;
  L->kadd_prev = L->kadd_at = L->radd_prev = L->radd_at = NONE;
}

/* Takes back the instruction just emitted (to emit a fused one instead);
 * the one before becomes the last again. */
static void unemit(lw *L) {
  L->kadd_prev = L->kadd_at = L->radd_prev = L->radd_at = NONE;
  L->n = L->last_start;
  L->last_start = L->prev_start;
  L->last_op = L->prev_op;
  L->last_dst = L->prev_dst;
  L->prev_dst = NONE;
}

static uint32_t S(const lw *L, uint32_t p) { return L->nbase + p; }

static void push(lw *L, uint8_t kind, uint64_t v) {
  if (!grow((void **)&L->st, &L->cap_st, (uint64_t)L->h + 1, sizeof *L->st)) {
    L->oom = true;
    return;
  }
  L->st[L->h++] = (entry){kind, v};
}

/* Puts the value of entry p into its own stack slot. */
static void materialize(lw *L, uint32_t p) {
  entry e = L->st[p];
  if (e.kind == E_REG) {
    uint32_t u = emit(L, WASM_R_MOV, 2);
    FLD(L, u, 1) = (uint32_t)e.v;
    set_dst(L, u, S(L, p));
  } else if (e.kind == E_K && e.v <= UINT32_MAX) {
    uint32_t u = emit(L, WASM_R_CONST32, 2);
    FLD(L, u, 1) = (uint32_t)e.v;
    set_dst(L, u, S(L, p));
  } else if (e.kind == E_K) {
    uint32_t u = emit(L, WASM_R_CONST64, 3);
    L->out[u + 2].u64 = e.v;
    set_dst(L, u, S(L, p));
  }
  L->st[p].kind = E_STK;
}

/* The slot holding entry p's value (constants are materialised). */
static uint32_t slot(lw *L, uint32_t p) {
  if (L->st[p].kind == E_REG) return (uint32_t)L->st[p].v;
  materialize(L, p);
  return S(L, p);
}

static void flush_range(lw *L, uint32_t from, uint32_t to) {
  for (uint32_t p = from; p < to; p++)
    if (L->st[p].kind != E_STK) materialize(L, p);
}

static void flush(lw *L) { flush_range(L, 0, L->h); }

/* ---- branches ---------------------------------------------------------------------- */

static void add_fix(lw *L, uint32_t base, uint32_t k, uint32_t target) {
  if (!grow((void **)&L->fix, &L->cap_fix, (uint64_t)L->nfix + 1, sizeof *L->fix)) {
    L->oom = true;
    return;
  }
  L->fix[L->nfix++] = (fixup){base, k, target};
}

static void set_th(lw *L, uint32_t target, uint32_t h) {
  if (L->th[target] == NONE) L->th[target] = h;
}

static bool is_return(const lw *L, uint32_t target) {
  return L->c->cells[target].u64 == WASM_OP_RETURN;
}

/* Unconditional jump to stack-code cell `target` with the adjustment
 * (drop, keep), the stack flushed. */
static void jump(lw *L, uint32_t target, uint32_t drop, uint32_t keep) {
  uint32_t h = L->h;
  if (drop && keep)
    for (uint32_t k = 0; k < keep; k++) {
      uint32_t u = emit(L, WASM_R_MOV, 2);
      FLD(L, u, 0) = S(L, h - keep - drop + k);
      FLD(L, u, 1) = S(L, h - keep + k);
    }
  uint32_t th = h - drop, nr = L->c->nresults;
  if (is_return(L, target)) {
    uint32_t u = emit(L, nr == 1 ? WASM_R_RETURN1 : WASM_R_RETURN, 2);
    FLD(L, u, 0) = S(L, th >= nr ? th - nr : 0);
    FLD(L, u, 1) = nr;
  } else {
    uint32_t u = emit(L, WASM_R_BR, 2);
    add_fix(L, u, 0, target);
    set_th(L, target, th);
  }
  barrier(L);
}

/* How a conditional branch tests: a fused compare (op != 0) or a slot; d is
 * the local a write-and-branch op writes, or the slot EQAND/NEAND compare. */
typedef struct cond { uint32_t fused, a, b, d, ad, aa, aop; uint64_t ak; } cond;
/* (with ad != NONE, the add `aop` (K_ or R_ I32_ADD or I64_ADD) computing
 * ad = aa + ak (a constant, or a slot for R_) runs first and the compare
 * tests ad: an ADDBR op) */

/* The index in WN_I32_COMPARE of an i32 compare's K_ or R_ op, or -1. */
static int i32_compare(uint32_t rop, bool *is_r) {
  *is_r = rop >= WASM_R_R_I32_EQ && rop <= WASM_R_R_I32_GE_U;
  if (*is_r) return (int)(rop - WASM_R_R_I32_EQ);
  if (rop >= WASM_R_K_I32_EQ && rop <= WASM_R_K_I32_GE_U)
    return (int)(rop - WASM_R_K_I32_EQ);
  return -1;
}

/* The ADDBR op for add `aop` and compare `cmp` (lower.h), or 0. */
static uint32_t addbr_op(uint32_t aop, uint32_t cmp, bool when) {
  bool bound_r;
  int ci = i32_compare(cmp, &bound_r);
  if (ci >= 0 && (aop == WASM_R_K_I32_ADD || aop == WASM_R_R_I32_ADD))
    return WASM_R_AKBRIF_I32_EQ + 8 * (uint32_t)ci +
           (aop == WASM_R_R_I32_ADD ? 4 : 0) + (bound_r ? 2 : 0) + (when ? 0 : 1);
  if (cmp >= WASM_R_R_I64_EQ && cmp <= WASM_R_R_I64_GE_U &&
      (aop == WASM_R_K_I64_ADD || aop == WASM_R_R_I64_ADD))
    return WASM_R_AR64BRIF_I64_EQ + 4 * (cmp - WASM_R_R_I64_EQ) +
           (aop == WASM_R_R_I64_ADD ? 2 : 0) + (when ? 0 : 1);
  return 0;
}

/* The write-and-branch op (…W_BRIF; the BRUNLESS form follows it) for an
 * op whose result a branch tests right after it went to a local, or 0. */
static uint32_t wbr_of(uint32_t rop) {
  switch (rop) {
  case WASM_R_K_I32_AND: return WASM_R_ANDW_BRIF;
  case WASM_R_K_I32_ADD: return WASM_R_ADDW_BRIF;
  case WASM_R_R_I32_XOR: return WASM_R_XORW_BRIF;
  case WASM_R_L_I32_LOAD8_U: return WASM_R_LW8_BRIF;
  case WASM_R_L_I32_LOAD: return WASM_R_LW32_BRIF;
  }
  return 0;
}

/* Emits the conditional jump taken when the condition is `when`; returns
 * its start and sets *k to the index of its offset field. */
static uint32_t emit_cond(lw *L, const cond *c, bool when, uint32_t *k) {
  uint32_t u;
  if (c->ad != NONE) {
    u = emit(L, addbr_op(c->aop, c->fused, when), 4);
    FLD(L, u, 0) = c->ad;
    FLD(L, u, 1) = c->aa;
    if (c->aop == WASM_R_K_I64_ADD) {
      L->out[u + 2].u64 = c->ak;
      FLD(L, u, 4) = c->b;
      *k = 5;
    } else {
      FLD(L, u, 2) = (uint32_t)c->ak;
      FLD(L, u, 3) = c->b;
      *k = 4;
    }
  } else if (c->fused == WASM_R_EQAND_BRIF || c->fused == WASM_R_NEAND_BRIF) {
    u = emit(L, c->fused + (when ? 0 : 1), 3);
    FLD(L, u, 0) = c->d;
    FLD(L, u, 1) = c->a;
    FLD(L, u, 2) = c->b;
    *k = 3;
  } else if (c->d != NONE) {
    u = emit(L, wbr_of(c->fused) + (when ? 0 : 1), 3);
    FLD(L, u, 0) = c->d;
    FLD(L, u, 1) = c->a;
    FLD(L, u, 2) = c->b;
    *k = 3;
  } else if (c->fused == WASM_R_U_I32_EQZ) {
    u = emit(L, when ? WASM_R_BR_UNLESS : WASM_R_BR_IF, 2);
    FLD(L, u, 0) = c->a;
    *k = 1;
  } else if (c->fused == WASM_R_U_I64_EQZ) {
    u = emit(L, when ? WASM_R_BR_UNLESS64 : WASM_R_BR_IF64, 2);
    FLD(L, u, 0) = c->a;
    *k = 1;
  } else if (c->fused) {
    u = emit(L, brif_of[c->fused] + (when ? 0 : 1), 3);
    FLD(L, u, 0) = c->a;
    FLD(L, u, 1) = c->b;
    *k = 2;
  } else {
    u = emit(L, when ? WASM_R_BR_IF : WASM_R_BR_UNLESS, 2);
    FLD(L, u, 0) = c->a;
    *k = 1;
  }
  barrier(L);
  return u;
}

/* br_if / br_if with adjustment / br_unless (when == false). */
static void cond_branch(lw *L, uint32_t target, uint32_t drop, uint32_t keep,
                        bool when) {
  cond c = {0, 0, 0, NONE, NONE, 0, 0, 0};
  uint32_t p = --L->h;
  entry e = L->st[p];
  bool in_place = true;  /* nothing below the condition to materialise */
  for (uint32_t q = 0; q < p && in_place; q++) in_place = L->st[q].kind == E_STK;
  if (e.kind == E_STK && L->last_dst == S(L, p) &&
      (brif_of[L->last_op] || L->last_op == WASM_R_U_I32_EQZ ||
       L->last_op == WASM_R_U_I64_EQZ)) {
    uint32_t u = L->last_start;
    c.fused = L->last_op;
    c.a = FLD(L, u, 1);
    c.b = FLD(L, u, 2);
    unemit(L);  /* the compare becomes part of the branch */
  } else {
    c.a = slot(L, p);
  }
  if (c.fused == WASM_R_U_I32_EQZ && L->last_dst != NONE && L->last_dst == c.a &&
      c.a >= S(L, L->h) && brif_of[L->last_op]) {
    /* op; i32.eqz; br_if: the op's branch with the sense flipped (the
     * op's result was a dead stack temporary) */
    uint32_t u = L->last_start;
    c.fused = L->last_op;
    c.a = FLD(L, u, 1);
    c.b = FLD(L, u, 2);
    unemit(L);
    when = !when;
  }
  if ((c.fused == WASM_R_R_I32_EQ || c.fused == WASM_R_R_I32_NE) &&
      L->last_dst != NONE && L->last_op == WASM_R_K_I32_AND &&
      L->last_dst >= S(L, L->h) && (L->last_dst == c.b || L->last_dst == c.a)) {
    /* a == (b & k): the and's result is a dead stack temporary */
    uint32_t u = L->last_start, other = L->last_dst == c.b ? c.a : c.b;
    bool eq = c.fused == WASM_R_R_I32_EQ;
    c.fused = eq ? WASM_R_EQAND_BRIF : WASM_R_NEAND_BRIF;
    c.d = other;
    c.a = FLD(L, u, 1);
    c.b = FLD(L, u, 2);
    unemit(L);
  } else if (c.a == L->set_local && L->n == L->set_n && L->label_at != L->n &&
             in_place && addbr_op(L->set_op, c.fused, true)) {
    /* i += k; (local.get i;) compare i; br_if: a loop counter's step
     * and exit test in one (the add wrote local i itself) */
    uint32_t u = L->set_start;
    c.aop = L->set_op;
    c.ad = FLD(L, u, 0);
    c.aa = FLD(L, u, 1);
    c.ak = c.aop == WASM_R_K_I64_ADD ? L->out[u + 2].u64 : FLD(L, u, 2);
    L->n = u;
    L->last_op = 0;
    L->last_dst = L->prev_dst = NONE;
    L->kadd_prev = L->kadd_at = L->radd_prev = L->radd_at = NONE;
  } else if ((c.fused == 0 || c.fused == WASM_R_U_I32_EQZ) && c.a == L->set_local &&
      L->n == L->set_n && L->label_at != L->n && wbr_of(L->set_op) && in_place) {
    /* op; local.set/tee d; (local.get d; i32.eqz;) br_if: the op writes d
     * and branches on it */
    uint32_t u = L->set_start;
    if (c.fused) when = !when;
    c.fused = L->set_op;
    c.d = FLD(L, u, 0);
    c.a = FLD(L, u, 1);
    c.b = FLD(L, u, 2);
    L->n = u;
    L->last_op = 0;
    L->last_dst = L->prev_dst = NONE;
    L->kadd_prev = L->kadd_at = L->radd_prev = L->radd_at = NONE;
  }
  flush(L);
  uint32_t k;
  if (!(drop && keep) && !is_return(L, target)) {
    uint32_t u = emit_cond(L, &c, when, &k);
    add_fix(L, u, k, target);
    set_th(L, target, L->h - drop);
    return;
  }
  uint32_t u = emit_cond(L, &c, !when, &k);
  jump(L, target, drop, keep);
  FLD(L, u, k) = L->n - u;
}

static void br_table(lw *L, uint32_t pc) {
  const wasm_cell *at = &L->c->cells[pc];
  uint32_t n = at[1].u32, p = L->h - 1, idx, k = 0, x = 0, f0 = 2;
  bool lk8 = L->st[p].kind == E_STK && L->last_dst == S(L, p) &&
             L->last_op == WASM_R_LK_I32_LOAD8_U;
  if (lk8) {  /* the index loaded just before: a bytecode dispatch */
    uint32_t ls = L->last_start;
    idx = FLD(L, ls, 1);
    k = FLD(L, ls, 2);
    x = FLD(L, ls, 3);
    unemit(L);
  } else {
    idx = slot(L, p);
  }
  L->h--;
  flush(L);
  uint32_t u = emit(L, lk8 ? WASM_R_BR_TABLE_LK8 : WASM_R_BR_TABLE, 3 + n + lk8);
  FLD(L, u, 0) = idx;
  FLD(L, u, 1) = n;
  if (lk8) {
    FLD(L, u, 2) = k;
    FLD(L, u, 3) = x;
    f0 = 4;  /* the offsets start a cell later */
  }
  bool stubs = false;
  for (uint32_t i = 0; i <= n; i++) {
    uint32_t target = at[2 + 2 * i].u32;
    uint64_t adj = at[3 + 2 * i].u64;
    uint32_t drop = (uint32_t)(adj >> 32), keep = (uint32_t)adj;
    if ((drop && keep) || is_return(L, target)) {
      stubs = true;
      continue;
    }
    add_fix(L, u, f0 + 2 * i, target);
    set_th(L, target, L->h - drop);
  }
  for (uint32_t i = 0; stubs && i <= n; i++) {
    uint32_t target = at[2 + 2 * i].u32;
    uint64_t adj = at[3 + 2 * i].u64;
    uint32_t drop = (uint32_t)(adj >> 32), keep = (uint32_t)adj;
    if (!((drop && keep) || is_return(L, target))) continue;
    FLD(L, u, f0 + 2 * i) = L->n - u;
    jump(L, target, drop, keep);
  }
  L->live = false;
}

/* ---- the other instructions ---------------------------------------------------------- */

/* Replaces the instruction just emitted (whose result is the stack operand
 * at position p of a binary op on positions pa, pb) and the binary op by
 * one fused instruction `op`: fields (other operand, the replaced
 * instruction's fields 1 and 2), result in pa's slot. */
static void fuse_with_last(lw *L, uint32_t op, uint32_t p, uint32_t pa, uint32_t pb) {
  uint32_t ls = L->last_start, f1 = FLD(L, ls, 1), f2 = FLD(L, ls, 2);
  unemit(L);
  uint32_t other = slot(L, p == pb ? pa : pb);
  L->h -= 2;
  uint32_t u = emit(L, op, 3);
  FLD(L, u, 1) = other;
  FLD(L, u, 2) = f1;
  FLD(L, u, 3) = f2;
  set_dst(L, u, S(L, pa));
  push(L, E_STK, 0);
}

static void binary(lw *L, uint32_t op) {
  uint32_t pa = L->h - 2, pb = L->h - 1, kop = k_of[op], u;
  entry ea = L->st[pa], eb = L->st[pb];
  uint32_t a, b = 0;
  uint64_t k = 0;
  bool kform = false;
  uint32_t mop = m_of[op], ld = operand_load(op), p = NONE;
  if (mop && L->last_dst != NONE && L->last_op == ld) {
    if (eb.kind == E_STK && L->last_dst == S(L, pb)) p = pb;
    else if (ea.kind == E_STK && L->last_dst == S(L, pa) && commutes(op)) p = pa;
  }
  if (op == WASM_OP_I32_ADD && L->last_dst != NONE && L->last_op == WASM_R_K_I32_SHL) {
    if (eb.kind == E_STK && L->last_dst == S(L, pb)) p = pb;
    else if (ea.kind == E_STK && L->last_dst == S(L, pa)) p = pa;
    if (p != NONE) {  /* a + (b << k): the shift computed just before */
      fuse_with_last(L, WASM_R_ADD_SHL, p, pa, pb);
      return;
    }
  }
  if (p != NONE) {  /* the operand loaded just before: a memory operand */
    fuse_with_last(L, mop, p, pa, pb);
    return;
  }
  if (op == WASM_OP_F64_MUL && L->last_op == WASM_R_LK_F64_LOAD &&
      eb.kind == E_STK && L->last_dst == S(L, pb)) {
    /* a * load(b + k): the right operand loaded just before from an
     * address with a constant added (an unrolled loop's next element) */
    uint32_t ls = L->last_start, b = FLD(L, ls, 1), k = FLD(L, ls, 2), x = FLD(L, ls, 3);
    unemit(L);
    a = slot(L, pa);
    L->h -= 2;
    u = emit(L, WASM_R_MK_F64_MUL, 4);
    FLD(L, u, 1) = a;
    FLD(L, u, 2) = b;
    FLD(L, u, 3) = k;
    FLD(L, u, 4) = x;
    set_dst(L, u, S(L, pa));
    push(L, E_STK, 0);
    return;
  }
  uint32_t f64op = L->last_dst != NONE ? fuse64(op, L->last_op) : 0;
  if (f64op) {  /* c o (a i k) in i64, as below */
    if (eb.kind == E_STK && L->last_dst == S(L, pb) && ea.kind != E_K) p = pb;
    else if (ea.kind == E_STK && L->last_dst == S(L, pa) && eb.kind != E_K &&
             op != WASM_OP_I64_SUB)
      p = pa;
    if (p != NONE) {
      fuse_with_last(L, f64op, p, pa, pb);
      return;
    }
  }
  int oi = L->last_dst != NONE ? fuse_outer(op) : -1, ii;
  bool is_r;
  if (oi >= 0 && (ii = fuse_inner(L->last_op, &is_r)) >= 0) {
    /* c o (a i b): the inner op computed one operand just before (the
     * right one, or either when o commutes); the other operand must not
     * be a constant, which would cost a CONST32 of its own */
    if (eb.kind == E_STK && L->last_dst == S(L, pb) && ea.kind != E_K) p = pb;
    else if (ea.kind == E_STK && L->last_dst == S(L, pa) && eb.kind != E_K &&
             op != WASM_OP_I32_SUB)
      p = pa;
    if (p != NONE) {
      uint32_t fop = WASM_R_KX_ADD_ADD + 2 * ((uint32_t)oi * FUSE_NINNER + (uint32_t)ii) +
                     (is_r ? 1 : 0);
      fuse_with_last(L, fop, p, pa, pb);
      return;
    }
  }
  uint32_t kf = 0;
  switch (op) {
  case WASM_OP_F64_ADD: kf = WASM_R_KF_F64_ADD; break;
  case WASM_OP_F64_SUB: kf = WASM_R_KF_F64_SUB; break;
  case WASM_OP_F64_MUL: kf = WASM_R_KF_F64_MUL; break;
  case WASM_OP_F64_DIV: kf = WASM_R_KF_F64_DIV; break;
  }
  if (kf && (ea.kind == E_K) != (eb.kind == E_K)) {
    /* f64 arithmetic with a constant: no CONST64 per evaluation. a + k
     * and k + a (a * k, k * a) differ only in which NaN payload wins,
     * which wasm leaves open */
    bool left = ea.kind == E_K;
    if (left && op == WASM_OP_F64_SUB) kf = WASM_R_KFL_F64_SUB;
    if (left && op == WASM_OP_F64_DIV) kf = WASM_R_KFL_F64_DIV;
    a = slot(L, left ? pb : pa);
    L->h -= 2;
    u = emit(L, kf, 3);
    FLD(L, u, 1) = a;
    L->out[u + 2].u64 = left ? ea.v : eb.v;
    set_dst(L, u, S(L, pa));
    push(L, E_STK, 0);
    return;
  }
  if (op == WASM_OP_I32_SUB && ea.kind == E_K && eb.kind != E_K) {
    /* k - b: no constant to materialise */
    a = slot(L, pb);
    L->h -= 2;
    u = emit(L, WASM_R_RSUB_I32, 3);
    FLD(L, u, 1) = a;
    FLD(L, u, 2) = (uint32_t)ea.v;
    set_dst(L, u, S(L, pa));
    push(L, E_STK, 0);
    return;
  }
  int xo = kop && eb.kind == E_K && ea.kind == E_STK && L->last_dst != NONE &&
                   L->last_dst == S(L, pa) ? xk_index(op, L->last_op) : -1;
  if (xo >= 0) {
    /* (a i b) o k: the slot op computed the left operand just before */
    uint32_t ls = L->last_start, fa = FLD(L, ls, 1), fb = FLD(L, ls, 2);
    unemit(L);
    L->h -= 2;
    u = emit(L, WASM_R_XK_SHL_ADD + (uint32_t)xo, 3);
    FLD(L, u, 1) = fa;
    FLD(L, u, 2) = fb;
    FLD(L, u, 3) = (uint32_t)eb.v;
    set_dst(L, u, S(L, pa));
    push(L, E_STK, 0);
    return;
  }
  if (kop && eb.kind == E_K && ea.kind != E_K) {
    a = slot(L, pa), k = eb.v, kform = true;
  } else if (kop && ea.kind == E_K && eb.kind != E_K && commutes(op)) {
    a = slot(L, pb), k = ea.v, kform = true;
  } else {
    a = slot(L, pa);
    b = slot(L, pb);
  }
  L->h -= 2;
  if (kform) {
    u = emit(L, kop, 3);
    FLD(L, u, 1) = a;
    if (k_is_32(kop)) FLD(L, u, 2) = (uint32_t)k;
    else L->out[u + 2].u64 = k;
  } else {
    u = emit(L, rr_of[op], 3);
    FLD(L, u, 1) = a;
    FLD(L, u, 2) = b;
  }
  set_dst(L, u, S(L, pa));
  push(L, E_STK, 0);
}

/* LA_x (or LK_x with a constant) for the load L_x. */
static uint32_t la_op(uint32_t rop, bool k) {
  return WASM_R_LA_I32_LOAD + 2 * (rop - WASM_R_L_I32_LOAD) + (k ? 1 : 0);
}

static void unary(lw *L, uint32_t rop) {
  uint32_t p = L->h - 1, a = slot(L, p);
  uint32_t u = emit(L, rop, 2);
  FLD(L, u, 1) = a;
  set_dst(L, u, S(L, p));
  L->st[p].kind = E_STK;
}

static void load(lw *L, uint32_t rop, uint64_t offset) {
  uint32_t p = L->h - 1, u;
  if (L->st[p].kind == E_STK && L->last_dst == S(L, p) &&
      (L->last_op == WASM_R_R_I32_ADD || L->last_op == WASM_R_K_I32_ADD)) {
    /* the address was computed just before: add and load in one */
    uint32_t ls = L->last_start, a = FLD(L, ls, 1), b = FLD(L, ls, 2);
    bool k = L->last_op == WASM_R_K_I32_ADD;
    unemit(L);
    u = emit(L, la_op(rop, k), 3);
    FLD(L, u, 1) = a;
    FLD(L, u, 2) = b;
    FLD(L, u, 3) = (uint32_t)offset;
    set_dst(L, u, S(L, p));
    return;
  }
  uint32_t a = slot(L, p);
  u = emit(L, rop, 3);
  FLD(L, u, 1) = a;
  FLD(L, u, 2) = (uint32_t)offset;
  set_dst(L, u, S(L, p));
  L->st[p].kind = E_STK;
}

/* The full-width store matching M_x's operand type, or 0. */
static uint32_t ms_store(uint32_t mop) {
  if (mop >= WASM_R_M_I32_EQ && mop <= WASM_R_M_I32_ROTR) return WASM_R_S_I32_STORE;
  if (mop >= WASM_R_M_I64_EQ && mop <= WASM_R_M_I64_ROTR) return WASM_R_S_I64_STORE;
  if (mop >= WASM_R_M_F32_ADD && mop <= WASM_R_M_F32_MAX) return WASM_R_S_F32_STORE;
  if (mop >= WASM_R_M_F64_ADD && mop <= WASM_R_M_F64_MAX) return WASM_R_S_F64_STORE;
  return 0;
}

static void store(lw *L, uint32_t rop, uint64_t offset) {
  entry v = L->st[L->h - 1];
  uint32_t ls = L->last_start;
  if (v.kind == E_STK && L->last_dst == S(L, L->h - 1) && ms_store(L->last_op) == rop &&
      FLD(L, ls, 3) == (uint32_t)offset && L->st[L->h - 2].kind != E_K &&
      slot(L, L->h - 2) == FLD(L, ls, 2)) {
    /* x = a op mem[p]; mem[p] = x: one read-modify-write */
    uint32_t mop = L->last_op;
    uint32_t t = FLD(L, ls, 1), ps = L->prev_start;
    if (mop == WASM_R_M_F64_ADD && L->prev_dst == t && t == S(L, L->h - 1) &&
        L->prev_op == WASM_R_MK_F64_MUL) {
      /* the same with the product's operand at (b + k) + x */
      uint32_t a = FLD(L, ps, 1), b = FLD(L, ps, 2), k = FLD(L, ps, 3), y = FLD(L, ps, 4);
      uint32_t c = FLD(L, ls, 2), x = FLD(L, ls, 3);
      unemit(L);
      unemit(L);
      if (L->n == L->set_n && L->set_op == WASM_R_K_I32_ADD && c == L->set_local &&
          L->label_at != L->n && FLD(L, L->set_start, 0) == c) {
        /* c = e + j (a local.tee) just before: the step and the
         * multiply-accumulate at the stepped address in one */
        uint32_t ks = L->set_start, e = FLD(L, ks, 1), j = FLD(L, ks, 2);
        L->n = ks;
        L->last_op = 0;
        L->last_dst = L->prev_dst = NONE;
        L->kadd_prev = L->kadd_at = L->radd_prev = L->radd_at = NONE;
        uint32_t u = emit(L, WASM_R_MMSKA_F64, 5);
        uint32_t f[8] = {c, e, j, a, b, k, y, x};
        for (uint32_t i = 0; i < 8; i++) FLD(L, u, i) = f[i];
        L->h -= 2;
        barrier(L);
        return;
      }
      uint32_t u = emit(L, WASM_R_MMSK_F64, 4);
      FLD(L, u, 0) = a;
      FLD(L, u, 1) = b;
      FLD(L, u, 2) = k;
      FLD(L, u, 3) = y;
      FLD(L, u, 4) = c;
      FLD(L, u, 5) = x;
      L->h -= 2;
      barrier(L);
      return;
    }
    if (mop == WASM_R_M_F64_ADD && L->prev_dst == t && t == S(L, L->h - 1) &&
        (L->prev_op == WASM_R_M_F64_MUL || L->prev_op == WASM_R_R_F64_MUL)) {
      /* and a = b * c just before, into the same temporary: one
       * multiply-accumulate into memory */
      bool m = L->prev_op == WASM_R_M_F64_MUL;
      uint32_t a = FLD(L, ps, 1), b = FLD(L, ps, 2), y = FLD(L, ps, 3);
      uint32_t c = FLD(L, ls, 2), x = FLD(L, ls, 3);
      unemit(L);
      unemit(L);
      uint32_t u = emit(L, m ? WASM_R_MMS_F64 : WASM_R_RMS_F64, m ? 4 : 3);
      FLD(L, u, 0) = a;
      FLD(L, u, 1) = b;
      if (m) {
        FLD(L, u, 2) = y;
        FLD(L, u, 3) = c;
        FLD(L, u, 4) = x;
      } else {
        FLD(L, u, 2) = c;
        FLD(L, u, 3) = x;
      }
      L->h -= 2;
      barrier(L);
      return;
    }
    L->out[ls].u64 = mop - WASM_R_M_I32_EQ + WASM_R_MS_I32_EQ;
    FLD(L, ls, 0) = FLD(L, ls, 1);
    FLD(L, ls, 1) = FLD(L, ls, 2);
    FLD(L, ls, 2) = FLD(L, ls, 3);
    FLD(L, ls, 3) = 0;
    L->last_op = (uint32_t)L->out[ls].u64;
    L->h -= 2;
    barrier(L);
    return;
  }
  bool wide = rop == WASM_R_S_I64_STORE || rop == WASM_R_S_F64_STORE;
  if (v.kind == E_K && (!wide || v.v <= UINT32_MAX)) {
    uint32_t a = slot(L, L->h - 2);
    L->h -= 2;
    uint32_t u = emit(L, rop - WASM_R_S_I32_STORE + WASM_R_SK_I32_STORE, 3);
    FLD(L, u, 0) = a;
    FLD(L, u, 1) = (uint32_t)v.v;
    FLD(L, u, 2) = (uint32_t)offset;
    barrier(L);
    return;
  }
  uint32_t a = slot(L, L->h - 2), b = slot(L, L->h - 1);
  L->h -= 2;
  uint32_t u = emit(L, rop, 3);
  FLD(L, u, 0) = a;
  FLD(L, u, 1) = b;
  FLD(L, u, 2) = (uint32_t)offset;
  barrier(L);
}

/* local.set (tee == false) and local.tee of local i. */
static void set_local(lw *L, uint32_t i, bool tee) {
  uint32_t top = L->h - 1;
  entry v = L->st[top];
  if (v.kind == E_REG && v.v == i) {
    if (!tee) L->h--;
    return;
  }
  for (uint32_t p = 0; p < top; p++)
    if (L->st[p].kind == E_REG && L->st[p].v == i) materialize(L, p);
  if (v.kind == E_STK && L->last_dst == S(L, top)) {
    FLD(L, L->last_start, 0) = i;  /* the op writes the local directly */
    L->set_start = L->last_start;
    L->set_op = L->last_op;
    L->set_local = i;
    L->set_n = L->n;
  } else if (v.kind == E_K) {
    if (v.v <= UINT32_MAX) {
      uint32_t u = emit(L, WASM_R_CONST32, 2);
      FLD(L, u, 0) = i;
      FLD(L, u, 1) = (uint32_t)v.v;
    } else {
      uint32_t u = emit(L, WASM_R_CONST64, 3);
      FLD(L, u, 0) = i;
      L->out[u + 2].u64 = v.v;
    }
  } else {
    uint32_t u = emit(L, WASM_R_MOV, 2);
    FLD(L, u, 0) = i;
    FLD(L, u, 1) = v.kind == E_REG ? (uint32_t)v.v : S(L, top);
  }
  barrier(L);
  if (tee) L->st[top] = (entry){E_REG, i};
  else L->h--;
}

static void windowed_op(lw *L, const wasm_cell *at, uint32_t op, uint32_t nin,
                        uint32_t nout) {
  flush_range(L, L->h - nin, L->h);
  uint32_t nimm = wasm_op_nimm[op];
  uint32_t u = emit(L, op, 2 + nimm);
  for (uint32_t i = 1; i <= nimm; i++) L->out[u + i].u64 = at[i].u64;
  L->out[u + 1 + nimm].f[0] = S(L, L->h);
  barrier(L);
  L->h -= nin;
  for (uint32_t i = 0; i < nout; i++) push(L, E_STK, 0);
}

static void call(lw *L, uint32_t func, const wasm_functype *t, uint32_t type,
                 bool indirect, uint32_t table) {
  uint32_t idx = 0;
  if (indirect) {
    idx = slot(L, L->h - 1);
    L->h--;
  }
  uint32_t np = t->nparams, nr = t->nresults;
  flush_range(L, L->h - np, L->h);
  uint32_t base = S(L, L->h - np), u;
  if (indirect) {
    u = emit(L, WASM_R_CALL_INDIRECT, 3);
    FLD(L, u, 0) = type;
    FLD(L, u, 1) = table;
    FLD(L, u, 2) = base;
    FLD(L, u, 3) = idx;
  } else if (L->last_op == WASM_R_MOV && L->n == L->last_start + 2 &&
             L->label_at != L->n && !L->oom) {
    /* an argument's MOV just before (not half of a MOV2): the call does
     * it */
    uint32_t d = FLD(L, L->last_start, 0), a = FLD(L, L->last_start, 1);
    unemit(L);
    u = emit(L, WASM_R_CALL_MOV, 3);
    FLD(L, u, 0) = func;
    FLD(L, u, 1) = base;
    FLD(L, u, 2) = d;
    FLD(L, u, 3) = a;
  } else {
    u = emit(L, WASM_R_CALL, 2);
    FLD(L, u, 0) = func;
    FLD(L, u, 1) = base;
  }
  barrier(L);
  L->h -= np;
  for (uint32_t i = 0; i < nr; i++) push(L, E_STK, 0);
}

static void do_return(lw *L) {
  uint32_t nr = L->c->nresults, h = L->h;
  uint32_t from = h >= nr ? h - nr : 0, src;
  if (nr == 1 && h >= 1 && L->st[h - 1].kind == E_REG) {
    src = (uint32_t)L->st[h - 1].v;  /* a local's value: return it from there */
  } else {
    flush_range(L, from, h);
    src = S(L, from);
  }
  uint32_t u = emit(L, nr == 1 ? WASM_R_RETURN1 : WASM_R_RETURN, 2);
  FLD(L, u, 0) = src;
  FLD(L, u, 1) = nr;
  L->live = false;
}

/* One stack-code instruction in live code. */
static void instr(lw *L, uint32_t pc) {
  const wasm_cell *at = &L->c->cells[pc];
  uint32_t op = (uint32_t)at->u64, nin, nout;
  switch (op) {
  case WASM_OP_UNREACHABLE:
    emit(L, WASM_R_UNREACHABLE, 1);
    L->live = false;
    return;
  case WASM_OP_BR:
  case WASM_OP_BR_ADJ: {
    uint64_t adj = op == WASM_OP_BR_ADJ ? at[2].u64 : 0;
    flush(L);
    jump(L, at[1].u32, (uint32_t)(adj >> 32), (uint32_t)adj);
    L->live = false;
    return;
  }
  case WASM_OP_BR_IF:
  case WASM_OP_BR_IF_ADJ: {
    uint64_t adj = op == WASM_OP_BR_IF_ADJ ? at[2].u64 : 0;
    cond_branch(L, at[1].u32, (uint32_t)(adj >> 32), (uint32_t)adj, true);
    return;
  }
  case WASM_OP_BR_UNLESS:
    cond_branch(L, at[1].u32, 0, 0, false);
    return;
  case WASM_OP_BR_TABLE: br_table(L, pc); return;
  case WASM_OP_RETURN: do_return(L); return;
  case WASM_OP_CALL: {
    const loam_func *f = L->inst->funcs[at[1].u32];
    call(L, at[1].u32, f->type, 0, false, 0);
    return;
  }
  case WASM_OP_CALL_INDIRECT:
    call(L, 0, &L->inst->module->m->types[at[1].u32], at[1].u32, true, at[2].u32);
    return;
  case WASM_OP_LOOP_CHECK:
    emit(L, WASM_R_LOOP_CHECK, 1);
    return;
  case WASM_OP_DROP: L->h--; return;
  case WASM_OP_SELECT: {
    uint32_t p = L->h - 3;
    uint32_t a = slot(L, p), b = slot(L, p + 1), c = slot(L, p + 2);
    L->h -= 3;
    uint32_t u = emit(L, WASM_R_SELECT, 3);
    FLD(L, u, 1) = a;
    FLD(L, u, 2) = b;
    FLD(L, u, 3) = c;
    set_dst(L, u, S(L, p));
    push(L, E_STK, 0);
    return;
  }
  case WASM_OP_LOCAL_GET: push(L, E_REG, at[1].u32); return;
  case WASM_OP_LOCAL_SET: set_local(L, at[1].u32, false); return;
  case WASM_OP_LOCAL_TEE: set_local(L, at[1].u32, true); return;
  case WASM_OP_GLOBAL_GET: {
    uint32_t u = emit(L, WASM_R_GLOBAL_GET, 2);
    FLD(L, u, 1) = at[1].u32;
    set_dst(L, u, S(L, L->h));
    push(L, E_STK, 0);
    return;
  }
  case WASM_OP_GLOBAL_SET: {
    uint32_t a = slot(L, L->h - 1);
    L->h--;
    uint32_t u = emit(L, WASM_R_GLOBAL_SET, 2);
    FLD(L, u, 0) = at[1].u32;
    FLD(L, u, 1) = a;
    barrier(L);
    return;
  }
  case WASM_OP_I32_CONST:
  case WASM_OP_F32_CONST: push(L, E_K, at[1].u32); return;
  case WASM_OP_I64_CONST:
  case WASM_OP_F64_CONST: push(L, E_K, at[1].u64); return;
  case WASM_OP_REF_NULL: push(L, E_K, 0); return;
  }
  if (rr_of[op]) binary(L, op);
  else if (u_of[op]) unary(L, u_of[op]);
  else if (load_of[op]) load(L, load_of[op], at[1].u64);
  else if (store_of[op]) store(L, store_of[op], at[1].u64);
  else if (windowed(op, &nin, &nout)) windowed_op(L, at, op, nin, nout);
  else emit(L, WASM_R_UNREACHABLE, 1);  /* not an op: cannot happen */
}

/* Marks every branch target (except the final RETURN, which branches
 * replace by returns). */
static void mark_targets(lw *L) {
  const wasm_code *c = L->c;
  for (uint32_t pc = 0; pc < c->ncells; pc += wasm_op_length(&c->cells[pc])) {
    const wasm_cell *at = &c->cells[pc];
    switch (at->u64) {
    case WASM_OP_BR: case WASM_OP_BR_ADJ: case WASM_OP_BR_IF:
    case WASM_OP_BR_IF_ADJ: case WASM_OP_BR_UNLESS:
      if (!is_return(L, at[1].u32)) L->is_target[at[1].u32] = 1;
      break;
    case WASM_OP_BR_TABLE:
      for (uint32_t i = 0; i <= at[1].u32; i++)
        if (!is_return(L, at[2 + 2 * i].u32)) L->is_target[at[2 + 2 * i].u32] = 1;
      break;
    }
  }
}

/* A branch target: the stack is in place on every edge into it. */
static void label(lw *L, uint32_t pc) {
  if (L->live) {
    flush(L);
    set_th(L, pc, L->h);
  } else if (L->th[pc] != NONE) {
    L->live = true;
    L->h = 0;
    for (uint32_t i = 0; i < L->th[pc]; i++) push(L, E_STK, 0);
  }
  settle(L);
  L->kadd_prev = L->kadd_at = L->radd_prev = L->radd_at = NONE;
  if (L->live) L->map[pc] = L->n;
  L->label_at = L->n;
  barrier(L);
}

static void resolve(lw *L) {
  uint32_t trap = NONE;
  for (uint32_t i = 0; i < L->nfix; i++) {
    const fixup *f = &L->fix[i];
    uint32_t to = L->map[f->target];
    if (to == NONE) {  /* never reached live: cannot happen in valid code */
      if (trap == NONE) trap = emit(L, WASM_R_UNREACHABLE, 1);
      to = trap;
    }
    /* backward branches check themselves: skip the header's check */
    if (to <= f->base && L->c->cells[f->target].u64 == WASM_OP_LOOP_CHECK &&
        (uint32_t)L->out[to].u64 == WASM_R_LOOP_CHECK)
      to++;
    FLD(L, f->base, f->k) = to - f->base;
  }
}

static void set_labels(lw *L) {
  if (!L->labels) return;
  for (uint32_t pc = 0; pc < L->n;) {
    uint32_t op = (uint32_t)L->out[pc].u64;
    uint32_t len = wasm_rop_length(op, &L->out[pc]);
    L->out[pc].label = L->labels[op];
    pc += len;
  }
}

bool wasm_lower(wasm_code *c, const loam_instance *inst,
                const void *const *labels) {
  lw L = {.c = c, .inst = inst, .labels = labels, .live = true,
          .nbase = c->nparams + c->nlocals, .last_dst = NONE,
          .prev_dst = NONE, .label_at = NONE, .kadd_prev = NONE,
          .kadd_at = NONE, .radd_prev = NONE, .radd_at = NONE, .set_local = NONE, .set_n = NONE};
  uint32_t n = c->ncells ? c->ncells : 1;
  L.is_target = calloc(n, 1);
  L.map = malloc(n * sizeof *L.map);
  L.th = malloc(n * sizeof *L.th);
  /* register code is rarely longer than the stack code: one allocation */
  bool ok = L.is_target && L.map && L.th &&
            grow((void **)&L.out, &L.cap, (uint64_t)n + 16, sizeof *L.out);
  if (ok) {
    memset(L.map, 0xff, n * sizeof *L.map);
    memset(L.th, 0xff, n * sizeof *L.th);
    mark_targets(&L);
    for (uint32_t pc = 0; pc < c->ncells && !L.oom;
         pc += wasm_op_length(&c->cells[pc])) {
      if (L.is_target[pc]) label(&L, pc);
      if (L.live) instr(&L, pc);
    }
    if (L.live) emit(&L, WASM_R_UNREACHABLE, 1);  /* ran off the end */
    resolve(&L);
    set_labels(&L);
    ok = !L.oom;
  }
  if (ok) {
    free(c->rcells);
    wasm_cell *fit = realloc(L.out, (size_t)(L.n ? L.n : 1) * sizeof *L.out);
    c->rcells = fit ? fit : L.out;
    c->nrcells = L.n;
    c->frame_slots = c->nparams + c->nlocals + c->max_height;
  } else {
    free(L.out);
  }
  free(L.st);
  free(L.fix);
  free(L.is_target);
  free(L.map);
  free(L.th);
  return ok;
}

/* ---- listing ----------------------------------------------------------------------------- */

static const char *rop_name(uint32_t op) {
  static const char *const plain[] = {
#define PLAIN(NAME, N) #NAME,
      WASM_RPLAIN(PLAIN)
#undef PLAIN
  };
  if (op < WASM_OP_COUNT) return wasm_op_names[op];
  if (op < WASM_R_R_I32_EQ) return plain[op - WASM_OP_COUNT];
  if (op < WASM_R_K_I32_EQ) return "R";
  if (op < WASM_R_U_I32_EQZ) return "K";
  if (op < WASM_R_BRIF_I32_EQ) return "U";
  if (op < WASM_R_KBRIF_I32_EQ) return (op - WASM_R_BRIF_I32_EQ) % 2 ? "BRUNLESS" : "BRIF";
  if (op < WASM_R_L_I32_LOAD) return (op - WASM_R_KBRIF_I32_EQ) % 2 ? "KBRUNLESS" : "KBRIF";
  if (op < WASM_R_S_I32_STORE) return "LOAD";
  if (op < WASM_R_SK_I32_STORE) return "STORE";
  if (op < WASM_R_LA_I32_LOAD) return "STOREK";
  if (op < WASM_R_M_I32_EQ) return (op - WASM_R_LA_I32_LOAD) % 2 ? "LOADK+" : "LOAD+";
  if (op < WASM_R_MS_I32_EQ) return "M";
  if (op < WASM_R_KX64_ADD_SHL) return "MS";
  if (op < WASM_R_KX_ADD_ADD) return "KX64";
  if (op >= WASM_R_AKBRIF_I32_EQ) return "ADDBR";
  if (op >= WASM_R_XK_SHL_ADD) return "XK";
  return (op - WASM_R_KX_ADD_ADD) % 2 ? "RX" : "KX";
}

void wasm_rcode_dump(const wasm_code *c, void *stream) {
  FILE *out = stream;
  for (uint32_t pc = 0; pc < c->nrcells;) {
    uint32_t op = (uint32_t)c->rcells[pc].u64;
    uint32_t len = wasm_rop_length(op, &c->rcells[pc]);
    fprintf(out, "  %5u %s(%u)", pc, rop_name(op), op);
    for (uint32_t i = 1; i < len; i++)
      fprintf(out, " %u,%u", c->rcells[pc + i].f[0], c->rcells[pc + i].f[1]);
    fputc('\n', out);
    pc += len;
  }
}
