/*
 * lower.h — the register code the interpreter runs, and the lowering pass
 * (lower.c) that turns a function's stack code (code.h) into it.
 *
 * Model. Every wasm local and every operand-stack position is a frame slot
 * known at lowering time: slot i < nparams + nlocals is local i, and stack
 * position h is slot nparams + nlocals + h. Instructions name their operand
 * and result slots, so local.get, constants and drops mostly emit nothing
 * (the lowering keeps them as pending operands and materialises them into
 * their stack slot only when a block boundary, branch or call needs the
 * stack in place).
 *
 * Encoding. An instruction is an op cell (the handler address, or before
 * label resolution the op number) followed by operand cells, each holding
 * two 32-bit fields f[0], f[1] (or one 64-bit constant). Field k of an
 * instruction at pc is pc[1 + k/2].f[k%2]. Branch offsets are signed cell
 * counts relative to the branching instruction's op cell.
 *
 * Two kinds of ops share one number space:
 *  - "windowed" ops: the stack ops numbered < WASM_OP_COUNT (rare ones:
 *    tables, bulk memory, memory.size/grow, ref.is_null, ref.func). They
 *    keep their stack-code immediates and get one more cell whose f[0] is
 *    the slot just above their inputs; the handler runs with sp there.
 *  - register ops (numbers >= WASM_OP_COUNT), laid out as follows, with
 *    fields in order (d = result slot, a/b = operand slots, k = constant,
 *    o = branch offset, x = offset in memory):
 *      MOV d a | CONST32 d k | CONST64 d, k64 | GLOBAL_GET d idx |
 *      GLOBAL_SET idx a | SELECT d a b cond
 *      BR o | BR_IF a o | BR_UNLESS a o | BR_TABLE a n, then n+1 cells o
 *      (the last is the default) | RETURN a n (n results from slots a..) |
 *      CALL func argbase | CALL_INDIRECT type table argbase a |
 *      LOOP_CHECK | UNREACHABLE | ADD_SHL d a b k (i32: a + (b << k), the
 *      scaled index of array addressing)
 *      R_<op> d a b (binary numeric op on slots)
 *      K_<op> d a k (integer op with a constant right operand; k is a
 *                    32-bit field for i32, a 64-bit cell for i64)
 *      U_<op> d a (unary numeric op and conversions)
 *      BRIF_<op> a b o / BRUNLESS_<op> a b o (branch if op(a, b) != 0 / == 0)
 *      KBRIF_<op> a k o / KBRUNLESS_<op> a k o (i32 ops with a constant)
 *      L_<load> d a x | S_<store> a b x (address slot a, value slot b)
 *      SK_<store> a k x (a constant value)
 *      LA_<load> d a b x / LK_<load> d a k x (address (a + b) or (a + k),
 *                    wrapped to 32 bits, then + x: i32.add fused into it)
 *      M_<op> d a b x (binary op whose right operand is the full-width
 *                    load of its type from address slot b + x)
 *      MS_<op> a b x (the same, stored back: mem[b + x] = a op mem[b + x])
 *      KX64_<o>_<i> d c a k (the same for i64 with a shift or rotate by a
 *                    constant as the inner op, k in 32 bits)
 *      KX_<o>_<i> d c a k / RX_<o>_<i> d c a b (two i32 ops in one:
 *                    d = c o (a i k) or c o (a i b); the inner op's result
 *                    was a stack temporary feeding only the outer op)
 *      XK_<o>_<i> d a b k (d = (a i b) o k, i32: WASM_XK)
 *      MOV2 d a d2 a2 (two MOVs in a row, in order)
 *      ANDW_BRIF d a k o / ANDW_BRUNLESS (d = a & k, then branch on d),
 *      ADDW_BRIF d a k o / ADDW_BRUNLESS (d = a + k: a count-down loop),
 *      XORW_BRIF d a b o / XORW_BRUNLESS (d = a ^ b, b a slot),
 *      LW8_BRIF d a x o / LW8_BRUNLESS, LW32_* (d = i32.load8_u / i32.load
 *                    of a + x, then branch on d): a value set or teed into
 *                    local d and tested at once
 *      EQAND_BRIF a b k o (branch if a == (b & k)), EQAND_BRUNLESS,
 *                    NEAND_*: i32 compare with a masked value (the
 *                    char-by-char loops of string functions)
 *      BR_TABLE_LK8 a n k x, then n+1 cells o (BR_TABLE on the i32.load8_u
 *                    of (a + k) + x: a bytecode interpreter's dispatch)
 *      BR_IF64 a o / BR_UNLESS64 a o (i64.eqz + br_unless / br_if: all 64
 *                    bits tested)
 *      ADD2_I32 d a d2 a2 k k2 (two i32 adds of constants in a row, in
 *                    order: the induction variables of a loop)
 *      KF_F64_<op> d a, k64 (d = a op k) | KFL_F64_<op> d a, k64
 *                    (d = k op a): f64 arithmetic with a constant operand
 *      MK_F64_MUL d a b k x (d = a * the f64 at (b + k) + x, i32.add
 *                    wrapped) | MMSK_F64 a b k x c x2 (mem[c + x2] = that
 *                    product + mem[c + x2])
 *      RSUB_I32 d a k (d = k - a: i32.sub with a constant left operand,
 *                    as in negation)
 *      MMS_F64 a b y c x (mem[c + x] = a * mem[b + y] + mem[c + x]) |
 *      RMS_F64 a b c x (mem[c + x] = a * b + mem[c + x]): the
 *                    multiply-accumulate of f64 loops, rounded twice
 *      MMSKA_F64 d e j a b k x x2 (d = e + j, i32, then MMSK_F64 a b k x
 *                    d x2: an unrolled f64 loop's pointer step)
 *      RETURN1 a (RETURN a 1: one result, no copy loop)
 *      CALL_MOV func argbase d a (MOV d a, then CALL func argbase: the
 *                    last argument moved into place by the call itself)
 *      RADD2_I32 d a b d2 a2 b2 (two i32 adds of slots in a row, in
 *                    order, both into locals: the addresses of two arrays
 *                    at one index)
 *      AKBRIF_<cmp> d a k k2 o / AKBRUNLESS_<cmp> (d = a + k, then branch
 *                    if (d cmp k2) != 0 / == 0) | ARBRIF_<cmp> d a k b o /
 *                    ARBRUNLESS_<cmp> (the same against slot b, read after
 *                    d is written): a loop counter's step and exit test;
 *                    RK_/RR_ the same with d = a + slot; i64: AR64 d a,
 *                    k64, b o and RR64 d a c b o
 *
 * Loops. A loop header keeps its LOOP_CHECK (the interrupt/fuel/deadline
 * check), but backward branches land just after it and run the check
 * themselves: every branch with a negative or zero offset checks when
 * taken. So each arrival at a loop header costs one check, as in the
 * stack code, without a dispatch of its own on the hot back edge.
 */
#ifndef LOAM_WASM_LOWER_H
#define LOAM_WASM_LOWER_H

#include "code.h"
#include "numeric.h"
#include "runtime.h"

/* Loads and stores: X(stack op name). */
#define WASM_LOAD_OPS(X) \
  X(I32_LOAD) X(I64_LOAD) X(F32_LOAD) X(F64_LOAD) X(I32_LOAD8_S) \
  X(I32_LOAD8_U) X(I32_LOAD16_S) X(I32_LOAD16_U) X(I64_LOAD8_S) \
  X(I64_LOAD8_U) X(I64_LOAD16_S) X(I64_LOAD16_U) X(I64_LOAD32_S) \
  X(I64_LOAD32_U)
#define WASM_STORE_OPS(X) \
  X(I32_STORE) X(I64_STORE) X(F32_STORE) X(F64_STORE) X(I32_STORE8) \
  X(I32_STORE16) X(I64_STORE8) X(I64_STORE16) X(I64_STORE32)

/* Plain register ops: X(NAME, cells). */
#define WASM_RPLAIN(X) \
  X(MOV, 2) X(CONST32, 2) X(CONST64, 3) X(GLOBAL_GET, 2) X(GLOBAL_SET, 2) \
  X(SELECT, 3) X(BR, 2) X(BR_IF, 2) X(BR_UNLESS, 2) X(BR_TABLE, 2) \
  X(RETURN, 2) X(CALL, 2) X(CALL_INDIRECT, 3) X(LOOP_CHECK, 1) \
  X(UNREACHABLE, 1) X(ADD_SHL, 3) X(MMS_F64, 4) X(RMS_F64, 3) \
  X(RSUB_I32, 3) X(MOV2, 3) X(KF_F64_ADD, 3) X(KF_F64_SUB, 3) \
  X(KF_F64_MUL, 3) X(KF_F64_DIV, 3) X(KFL_F64_SUB, 3) X(KFL_F64_DIV, 3) \
  X(ADD2_I32, 4) X(BR_IF64, 2) X(BR_UNLESS64, 2) \
  X(ANDW_BRIF, 3) X(ANDW_BRUNLESS, 3) X(LW8_BRIF, 3) X(LW8_BRUNLESS, 3) \
  X(LW32_BRIF, 3) X(LW32_BRUNLESS, 3) X(EQAND_BRIF, 3) X(EQAND_BRUNLESS, 3) \
  X(NEAND_BRIF, 3) X(NEAND_BRUNLESS, 3) \
  X(BR_TABLE_LK8, 4) X(MK_F64_MUL, 4) X(MMSK_F64, 4) X(RADD2_I32, 4) \
  X(RETURN1, 2) X(XORW_BRIF, 3) X(XORW_BRUNLESS, 3) X(ADDW_BRIF, 3) \
  X(ADDW_BRUNLESS, 3) X(MMSKA_F64, 5) X(CALL_MOV, 3)

/* The i32 ops KX_/RX_ fuse: X(outer, inner) for every pair of the outer
 * ops (the ones whose operand order does not matter, and SUB) and the
 * inner ops (those of hashing and bit-twiddling code), plus RSUB_I32 as
 * the inner op RSUB (its KX form; RX_<o>_RSUB is never chosen). */
#define WASM_FUSE_OUTER(X) X(ADD) X(SUB) X(AND) X(OR) X(XOR)
#define WASM_FUSE_INNER(X) \
  X(ADD) X(SUB) X(AND) X(OR) X(XOR) X(SHL) X(SHR_S) X(SHR_U) X(ROTL) X(ROTR)
#define WASM_FUSE_ROW(X, O) \
  X(O, ADD) X(O, SUB) X(O, AND) X(O, OR) X(O, XOR) X(O, SHL) X(O, SHR_S) \
  X(O, SHR_U) X(O, ROTL) X(O, ROTR) X(O, RSUB)
/* The i64 pairs (K form only): X(outer, inner). */
#define WASM_FUSE64_INNER(X) X(SHL) X(SHR_S) X(SHR_U) X(ROTL) X(ROTR)
#define WASM_FUSE64_ROW(X, O) \
  X(O, SHL) X(O, SHR_S) X(O, SHR_U) X(O, ROTL) X(O, ROTR)
#define WASM_FUSE64(X) \
  WASM_FUSE64_ROW(X, ADD) WASM_FUSE64_ROW(X, SUB) WASM_FUSE64_ROW(X, AND) \
  WASM_FUSE64_ROW(X, OR) WASM_FUSE64_ROW(X, XOR)
/* XK: X(outer, inner) for d = (a inner b) outer k, i32, an op of two slots
 * whose result only a constant op uses: (lo + hi) >> 1, (h + i) & mask,
 * (d1 | bit) << 1 */
#define WASM_XK_ROW(X, O) X(O, ADD) X(O, SUB) X(O, AND) X(O, OR) X(O, XOR)
#define WASM_XK(X) \
  WASM_XK_ROW(X, SHL) WASM_XK_ROW(X, SHR_S) WASM_XK_ROW(X, SHR_U) \
  WASM_XK_ROW(X, AND) WASM_XK_ROW(X, ADD) WASM_XK_ROW(X, OR) WASM_XK_ROW(X, XOR)
#define WASM_FUSE_PAIRS(X) \
  WASM_FUSE_ROW(X, ADD) WASM_FUSE_ROW(X, SUB) WASM_FUSE_ROW(X, AND) \
  WASM_FUSE_ROW(X, OR) WASM_FUSE_ROW(X, XOR)

/* Binary numeric ops with a register form, in families. The X macros of
 * numeric.h take (NAME, EXPR) or (NAME, FN, T); these adapters drop the
 * rest so one enum generator fits all. */
#define WASM_R_NAME2(NAME, E) X_(NAME)
#define WASM_R_NAME3(NAME, F, T) X_(NAME)

typedef enum wasm_rop {
  WASM_R_BASE = WASM_OP_COUNT - 1,
#define X_(NAME) WASM_R_##NAME,
#define PLAIN(NAME, N) WASM_R_##NAME,
  WASM_RPLAIN(PLAIN)
#undef PLAIN
#undef X_
#define X_(NAME) WASM_R_R_##NAME,
  WN_I32_BINARY(WASM_R_NAME2) WN_I64_BINARY(WASM_R_NAME2)
  WN_DIVISIONS(WASM_R_NAME3) WN_F32_ARITH(WASM_R_NAME2)
  WN_F64_ARITH(WASM_R_NAME2) WN_F32_COMPARE(WASM_R_NAME2)
  WN_F64_COMPARE(WASM_R_NAME2) WN_RAW_BINARY(WASM_R_NAME2)
#undef X_
#define X_(NAME) WASM_R_K_##NAME,
  WN_I32_BINARY(WASM_R_NAME2) WN_I64_BINARY(WASM_R_NAME2)
#undef X_
#define X_(NAME) WASM_R_U_##NAME,
  WN_UNARY(WASM_R_NAME2) WN_TRUNCATIONS(WASM_R_NAME3)
#undef X_
#define X_(NAME) WASM_R_BRIF_##NAME, WASM_R_BRUNLESS_##NAME,
  WN_I32_BINARY(WASM_R_NAME2) WN_I64_BINARY(WASM_R_NAME2)
  WN_F32_COMPARE(WASM_R_NAME2) WN_F64_COMPARE(WASM_R_NAME2)
#undef X_
#define X_(NAME) WASM_R_KBRIF_##NAME, WASM_R_KBRUNLESS_##NAME,
  WN_I32_BINARY(WASM_R_NAME2)
#undef X_
#define X_(NAME) WASM_R_L_##NAME,
  WASM_LOAD_OPS(X_)
#undef X_
#define X_(NAME) WASM_R_S_##NAME,
  WASM_STORE_OPS(X_)
#undef X_
#define X_(NAME) WASM_R_SK_##NAME,
  WASM_STORE_OPS(X_)
#undef X_
#define X_(NAME) WASM_R_LA_##NAME, WASM_R_LK_##NAME,
  WASM_LOAD_OPS(X_)
#undef X_
#define X_(NAME) WASM_R_M_##NAME,
  WN_I32_BINARY(WASM_R_NAME2) WN_I64_BINARY(WASM_R_NAME2)
  WN_F32_ARITH(WASM_R_NAME2) WN_F64_ARITH(WASM_R_NAME2)
  WN_F32_COMPARE(WASM_R_NAME2) WN_F64_COMPARE(WASM_R_NAME2)
#undef X_
#define X_(NAME) WASM_R_MS_##NAME,
  WN_I32_BINARY(WASM_R_NAME2) WN_I64_BINARY(WASM_R_NAME2)
  WN_F32_ARITH(WASM_R_NAME2) WN_F64_ARITH(WASM_R_NAME2)
#undef X_
  /* KX64: i64 c o (a i k) for the shifts of hash mixing, in WASM_FUSE64
   * order */
#define X_(O, I) WASM_R_KX64_##O##_##I,
  WASM_FUSE64(X_)
#undef X_
  /* KX then RX for each pair, in WASM_FUSE_PAIRS order (lower.c computes
   * these numbers from the pair's indices) */
#define X_(O, I) WASM_R_KX_##O##_##I, WASM_R_RX_##O##_##I,
  WASM_FUSE_PAIRS(X_)
#undef X_
  /* XK in WASM_XK order (3 cells: d a, b k) */
#define X_(O, I) WASM_R_XK_##O##_##I,
  WASM_XK(X_)
#undef X_
  /* ADDBR: a loop counter's increment fused into the compare and branch
   * testing it (4 cells each). Per i32 compare in WN_I32_COMPARE order,
   * by the add's right operand (K: constant, R: slot) and the bound (K,
   * R), each BRIF then BRUNLESS: AK (K add, K bound), AR (K add, R
   * bound), RK, RR; then per i64 compare (WN_I64_COMPARE), the bound a
   * slot: AR64 (K add), RR64 */
#define X_(NAME, E) WASM_R_AKBRIF_##NAME, WASM_R_AKBRUNLESS_##NAME, \
                    WASM_R_ARBRIF_##NAME, WASM_R_ARBRUNLESS_##NAME, \
                    WASM_R_RKBRIF_##NAME, WASM_R_RKBRUNLESS_##NAME, \
                    WASM_R_RRBRIF_##NAME, WASM_R_RRBRUNLESS_##NAME,
  WN_I32_COMPARE(X_)
#undef X_
#define X_(NAME, E) WASM_R_AR64BRIF_##NAME, WASM_R_AR64BRUNLESS_##NAME, \
                    WASM_R_RR64BRIF_##NAME, WASM_R_RR64BRUNLESS_##NAME,
  WN_I64_COMPARE(X_)
#undef X_
  WASM_R_END
} wasm_rop;

#define WASM_NOPS (WASM_R_END)  /* size of a handler table */

/* Field k of the instruction at pc. */
#define WASM_F(pc, k) ((pc)[1 + (k) / 2].f[(k) % 2])

/* Lowers c (its stack code, c->cells) into c->rcells. `inst` supplies the
 * types of called functions and of call_indirect. With `labels` the op
 * cells get handler addresses (labels[op]), else op numbers (for dumps and
 * tests). Returns false when out of memory. Not thread-safe by itself. */
bool wasm_lower(wasm_code *c, const loam_instance *inst,
                const void *const *labels);

/* Cells of the register instruction at `at` given its op number. */
uint32_t wasm_rop_length(uint32_t op, const wasm_cell *at);

/* Prints c->rcells (lowered without labels) for debugging. */
void wasm_rcode_dump(const wasm_code *c, void *FILE_stream);

#endif
