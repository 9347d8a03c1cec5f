/*
 * code.h — loam's internal code: what validate.c translates each function
 * body into and what interp.c executes. This file is the contract between
 * the two; change both sides together.
 *
 * Model. A function's code is an array of 64-bit cells. Each instruction is
 * one op cell followed by its immediates (one cell each). The translator
 * writes the op number (enum wasm_op) in `u64`. This stack code is not run
 * as is: on a function's first call lower.c turns it into register code
 * (lower.h; stack positions become frame slots) in `rcells`, whose op cells
 * hold handler addresses for computed-goto dispatch.
 *
 * Values live in 64-bit slots on one value stack per store: i32/f32 in the
 * low 32 bits (the upper bits are unspecified), i64/f64 whole, references as
 * pointers (funcref: loam_func*, externref: host pointer; null = 0).
 *
 * Frame. `fp` points at the first parameter; params and declared locals are
 * fp[0 .. nparams+nlocals), locals zero-initialised on entry; the operand
 * stack starts right after them and `sp` points one past its top. The
 * translator knows the operand stack height at every instruction, so
 * branches carry their stack adjustment as constants.
 *
 * Calls. The caller leaves the arguments on top of its operand stack; they
 * become the callee's fp[0..nparams). On RETURN the callee's results (the top
 * nresults slots) are moved to fp[0..nresults) and the caller continues with
 * sp = fp + nresults.
 *
 * Branches. A target is the index of a cell in the same function's array.
 * The adjustment cell packs (drop << 32) | keep: the top `keep` slots are
 * moved down by `drop` slots (sp -= drop afterwards). Ops without _ADJ need
 * no adjustment (drop == 0).
 *
 * Blocks, loops, `end` and `nop` emit no code, except that every loop
 * header emits LOOP_CHECK (the interrupt/fuel/deadline check; backward
 * branches always land on it). `if` emits BR_UNLESS to the else/end; `else`
 * emits BR to the end. The function's final `end` emits RETURN.
 */
#ifndef LOAM_WASM_CODE_H
#define LOAM_WASM_CODE_H

#include <stdbool.h>
#include <stdint.h>

typedef union wasm_cell {
  const void *label;  /* threaded op */
  uint64_t u64;       /* op number before threading; i64/f64 constants;
                         memory offsets; adjustment cells */
  uint32_t u32;       /* indices, targets, i32/f32 constants */
  uint32_t f[2];      /* two 32-bit operand fields (register code, lower.h) */
} wasm_cell;

/* X(NAME, number of immediate cells). Immediates, when present:
 *   BR, BR_IF, BR_UNLESS: target
 *   BR_ADJ, BR_IF_ADJ:    target, adjustment
 *   BR_TABLE:             n, then n+1 pairs (target, adjustment); the last
 *                         pair is the default. (Variable length: the 0 in
 *                         the table is special-cased by wasm_op_length.)
 *   CALL: function index.  CALL_INDIRECT: type index, table index.
 *   LOCAL_*: local index (0 = first param).  GLOBAL_*: global index.
 *   TABLE_GET/SET/SIZE/GROW/FILL: table index.  TABLE_COPY: dst, src table.
 *   TABLE_INIT: elem index, table index.  ELEM_DROP: elem index.
 *   loads/stores: the static offset (u64; effective address is the u32
 *   operand + offset, checked against the memory size).
 *   MEMORY_INIT, DATA_DROP: data index.
 *   I32_CONST/F32_CONST: value bits in u32; I64_CONST/F64_CONST: in u64.
 *   REF_FUNC: function index.
 * Memory and table ops other than those with a table index act on memory 0.
 */
#define WASM_OPS(X) \
  /* control */ \
  X(UNREACHABLE, 0) X(BR, 1) X(BR_ADJ, 2) X(BR_IF, 1) X(BR_IF_ADJ, 2) \
  X(BR_UNLESS, 1) X(BR_TABLE, 0) X(RETURN, 0) X(CALL, 1) \
  X(CALL_INDIRECT, 2) X(LOOP_CHECK, 0) \
  /* parametric */ \
  X(DROP, 0) X(SELECT, 0) \
  /* variables */ \
  X(LOCAL_GET, 1) X(LOCAL_SET, 1) X(LOCAL_TEE, 1) X(GLOBAL_GET, 1) \
  X(GLOBAL_SET, 1) \
  /* tables */ \
  X(TABLE_GET, 1) X(TABLE_SET, 1) X(TABLE_SIZE, 1) X(TABLE_GROW, 1) \
  X(TABLE_FILL, 1) X(TABLE_COPY, 2) X(TABLE_INIT, 2) X(ELEM_DROP, 1) \
  /* memory */ \
  X(I32_LOAD, 1) X(I64_LOAD, 1) X(F32_LOAD, 1) X(F64_LOAD, 1) \
  X(I32_LOAD8_S, 1) X(I32_LOAD8_U, 1) X(I32_LOAD16_S, 1) X(I32_LOAD16_U, 1) \
  X(I64_LOAD8_S, 1) X(I64_LOAD8_U, 1) X(I64_LOAD16_S, 1) X(I64_LOAD16_U, 1) \
  X(I64_LOAD32_S, 1) X(I64_LOAD32_U, 1) \
  X(I32_STORE, 1) X(I64_STORE, 1) X(F32_STORE, 1) X(F64_STORE, 1) \
  X(I32_STORE8, 1) X(I32_STORE16, 1) X(I64_STORE8, 1) X(I64_STORE16, 1) \
  X(I64_STORE32, 1) \
  X(MEMORY_SIZE, 0) X(MEMORY_GROW, 0) X(MEMORY_INIT, 1) X(DATA_DROP, 1) \
  X(MEMORY_COPY, 0) X(MEMORY_FILL, 0) \
  /* constants and references */ \
  X(I32_CONST, 1) X(I64_CONST, 1) X(F32_CONST, 1) X(F64_CONST, 1) \
  X(REF_NULL, 0) X(REF_IS_NULL, 0) X(REF_FUNC, 1) \
  /* i32 */ \
  X(I32_EQZ, 0) X(I32_EQ, 0) X(I32_NE, 0) X(I32_LT_S, 0) X(I32_LT_U, 0) \
  X(I32_GT_S, 0) X(I32_GT_U, 0) X(I32_LE_S, 0) X(I32_LE_U, 0) \
  X(I32_GE_S, 0) X(I32_GE_U, 0) \
  X(I32_CLZ, 0) X(I32_CTZ, 0) X(I32_POPCNT, 0) X(I32_ADD, 0) X(I32_SUB, 0) \
  X(I32_MUL, 0) X(I32_DIV_S, 0) X(I32_DIV_U, 0) X(I32_REM_S, 0) \
  X(I32_REM_U, 0) X(I32_AND, 0) X(I32_OR, 0) X(I32_XOR, 0) X(I32_SHL, 0) \
  X(I32_SHR_S, 0) X(I32_SHR_U, 0) X(I32_ROTL, 0) X(I32_ROTR, 0) \
  /* i64 */ \
  X(I64_EQZ, 0) X(I64_EQ, 0) X(I64_NE, 0) X(I64_LT_S, 0) X(I64_LT_U, 0) \
  X(I64_GT_S, 0) X(I64_GT_U, 0) X(I64_LE_S, 0) X(I64_LE_U, 0) \
  X(I64_GE_S, 0) X(I64_GE_U, 0) \
  X(I64_CLZ, 0) X(I64_CTZ, 0) X(I64_POPCNT, 0) X(I64_ADD, 0) X(I64_SUB, 0) \
  X(I64_MUL, 0) X(I64_DIV_S, 0) X(I64_DIV_U, 0) X(I64_REM_S, 0) \
  X(I64_REM_U, 0) X(I64_AND, 0) X(I64_OR, 0) X(I64_XOR, 0) X(I64_SHL, 0) \
  X(I64_SHR_S, 0) X(I64_SHR_U, 0) X(I64_ROTL, 0) X(I64_ROTR, 0) \
  /* f32 */ \
  X(F32_EQ, 0) X(F32_NE, 0) X(F32_LT, 0) X(F32_GT, 0) X(F32_LE, 0) \
  X(F32_GE, 0) \
  X(F32_ABS, 0) X(F32_NEG, 0) X(F32_CEIL, 0) X(F32_FLOOR, 0) \
  X(F32_TRUNC, 0) X(F32_NEAREST, 0) X(F32_SQRT, 0) X(F32_ADD, 0) \
  X(F32_SUB, 0) X(F32_MUL, 0) X(F32_DIV, 0) X(F32_MIN, 0) X(F32_MAX, 0) \
  X(F32_COPYSIGN, 0) \
  /* f64 */ \
  X(F64_EQ, 0) X(F64_NE, 0) X(F64_LT, 0) X(F64_GT, 0) X(F64_LE, 0) \
  X(F64_GE, 0) \
  X(F64_ABS, 0) X(F64_NEG, 0) X(F64_CEIL, 0) X(F64_FLOOR, 0) \
  X(F64_TRUNC, 0) X(F64_NEAREST, 0) X(F64_SQRT, 0) X(F64_ADD, 0) \
  X(F64_SUB, 0) X(F64_MUL, 0) X(F64_DIV, 0) X(F64_MIN, 0) X(F64_MAX, 0) \
  X(F64_COPYSIGN, 0) \
  /* conversions */ \
  X(I32_WRAP_I64, 0) X(I32_TRUNC_F32_S, 0) X(I32_TRUNC_F32_U, 0) \
  X(I32_TRUNC_F64_S, 0) X(I32_TRUNC_F64_U, 0) X(I64_EXTEND_I32_S, 0) \
  X(I64_EXTEND_I32_U, 0) X(I64_TRUNC_F32_S, 0) X(I64_TRUNC_F32_U, 0) \
  X(I64_TRUNC_F64_S, 0) X(I64_TRUNC_F64_U, 0) X(F32_CONVERT_I32_S, 0) \
  X(F32_CONVERT_I32_U, 0) X(F32_CONVERT_I64_S, 0) X(F32_CONVERT_I64_U, 0) \
  X(F32_DEMOTE_F64, 0) X(F64_CONVERT_I32_S, 0) X(F64_CONVERT_I32_U, 0) \
  X(F64_CONVERT_I64_S, 0) X(F64_CONVERT_I64_U, 0) X(F64_PROMOTE_F32, 0) \
  /* reinterpretations are no-ops on 64-bit slots except for clearing */ \
  X(I32_REINTERPRET_F32, 0) X(I64_REINTERPRET_F64, 0) \
  X(F32_REINTERPRET_I32, 0) X(F64_REINTERPRET_I64, 0) \
  /* sign extension */ \
  X(I32_EXTEND8_S, 0) X(I32_EXTEND16_S, 0) X(I64_EXTEND8_S, 0) \
  X(I64_EXTEND16_S, 0) X(I64_EXTEND32_S, 0) \
  /* saturating truncation */ \
  X(I32_TRUNC_SAT_F32_S, 0) X(I32_TRUNC_SAT_F32_U, 0) \
  X(I32_TRUNC_SAT_F64_S, 0) X(I32_TRUNC_SAT_F64_U, 0) \
  X(I64_TRUNC_SAT_F32_S, 0) X(I64_TRUNC_SAT_F32_U, 0) \
  X(I64_TRUNC_SAT_F64_S, 0) X(I64_TRUNC_SAT_F64_U, 0)

typedef enum wasm_op {
#define WASM_OP_ENUM(name, nimm) WASM_OP_##name,
  WASM_OPS(WASM_OP_ENUM)
#undef WASM_OP_ENUM
  WASM_OP_COUNT
} wasm_op;

/* Immediate counts and names, indexed by wasm_op (defined in code.c). */
extern const uint8_t wasm_op_nimm[WASM_OP_COUNT];
extern const char *const wasm_op_names[WASM_OP_COUNT];

/* Packs a branch adjustment cell. */
static inline uint64_t wasm_adj(uint32_t drop, uint32_t keep) {
  return ((uint64_t)drop << 32) | keep;
}

typedef struct wasm_code {
  wasm_cell *cells;         /* owned */
  uint32_t ncells;
  uint32_t nparams, nlocals, nresults;  /* nlocals excludes params */
  uint32_t max_height;      /* deepest operand stack, in slots */
  uint32_t func_index;      /* in the module's function index space */
  bool threaded;            /* rcells is ready (lowered on first call) */
  /* The register code the interpreter runs (lower.h), made from `cells`
   * on the function's first call; owned. */
  wasm_cell *rcells;
  uint32_t nrcells;
  /* nparams + nlocals + max_height, set with rcells: the value stack a
   * call needs, checked on every call */
  uint32_t frame_slots;
} wasm_code;

/* Cells one instruction occupies, op cell included, given its first cell
 * (before threading). Handles BR_TABLE's variable length. */
static inline uint32_t wasm_op_length(const wasm_cell *at);

/* code.c */
void wasm_code_free(wasm_code *c);
/* Prints a readable listing (op names, immediates) for debugging. */
void wasm_code_dump(const wasm_code *c, void *FILE_stream);

/* interp.c: kept for callers that prepare code ahead of time. The register
 * code needs the calling instance's function types, so the interpreter
 * lowers each function on its first call instead (thread-safe, once); this
 * does nothing and leaves `cells` untouched. */
void wasm_code_thread(wasm_code *c);

static inline uint32_t wasm_op_length(const wasm_cell *at) {
  if (at->u64 == WASM_OP_BR_TABLE) return 2 + 2 * (at[1].u32 + 1);
  return 1 + wasm_op_nimm[at->u64];
}

#endif
