/*
 * numeric.h — WebAssembly's numeric instructions with their exact semantics
 * (wrap-around, traps, NaN rules, conversion ranges), as static inline
 * helpers and X-macro lists that interp.c expands into handlers.
 *
 * Slots (see code.h) carry i32/f32 in their low 32 bits; the helpers here
 * take and return plain C values, except the WN_UNARY list, whose
 * expressions map a raw slot `x` to a raw slot.
 */
#ifndef LOAM_WASM_NUMERIC_H
#define LOAM_WASM_NUMERIC_H

#include "loam/wasm.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

/* ---- bit casts between slots and floats -------------------------------- */

static inline float wn_f32(uint64_t slot) {
  uint32_t b = (uint32_t)slot;
  float f;
  memcpy(&f, &b, sizeof f);
  return f;
}

static inline double wn_f64(uint64_t slot) {
  double d;
  memcpy(&d, &slot, sizeof d);
  return d;
}

static inline uint64_t wn_bits32(float f) {
  uint32_t b;
  memcpy(&b, &f, sizeof b);
  return b;
}

static inline uint64_t wn_bits64(double d) {
  uint64_t b;
  memcpy(&b, &d, sizeof b);
  return b;
}

/* ---- integers ------------------------------------------------------------ */

static inline uint32_t wn_clz32(uint32_t a) { return a ? (uint32_t)__builtin_clz(a) : 32; }
static inline uint32_t wn_ctz32(uint32_t a) { return a ? (uint32_t)__builtin_ctz(a) : 32; }
static inline uint64_t wn_clz64(uint64_t a) { return a ? (uint64_t)__builtin_clzll(a) : 64; }
static inline uint64_t wn_ctz64(uint64_t a) { return a ? (uint64_t)__builtin_ctzll(a) : 64; }

/* Rotations by a count taken modulo the width; `-n & 31` avoids the
 * undefined shift by 32 when n is 0. */
static inline uint32_t wn_rotl32(uint32_t a, uint32_t n) {
  n &= 31;
  return (a << n) | (a >> (-n & 31));
}
static inline uint32_t wn_rotr32(uint32_t a, uint32_t n) {
  n &= 31;
  return (a >> n) | (a << (-n & 31));
}
static inline uint64_t wn_rotl64(uint64_t a, uint64_t n) {
  n &= 63;
  return (a << n) | (a >> (-n & 63));
}
static inline uint64_t wn_rotr64(uint64_t a, uint64_t n) {
  n &= 63;
  return (a >> n) | (a << (-n & 63));
}

/* Arithmetic shift right without relying on signed shifts of negatives. */
static inline uint32_t wn_shr_s32(uint32_t a, uint32_t n) {
  n &= 31;
  uint32_t r = a >> n;
  if ((a >> 31) && n) r |= ~(UINT32_MAX >> n);
  return r;
}
static inline uint64_t wn_shr_s64(uint64_t a, uint64_t n) {
  n &= 63;
  uint64_t r = a >> n;
  if ((a >> 63) && n) r |= ~(UINT64_MAX >> n);
  return r;
}

/* Division: LOAM_OK with *r set, or the trap. */
static inline loam_status wn_i32_div_s(uint32_t a, uint32_t b, uint32_t *r) {
  if (b == 0) return LOAM_TRAP_DIV_ZERO;
  if (a == 0x80000000u && b == UINT32_MAX) return LOAM_TRAP_INT_OVERFLOW;
  *r = (uint32_t)((int32_t)a / (int32_t)b);
  return LOAM_OK;
}
static inline loam_status wn_i32_rem_s(uint32_t a, uint32_t b, uint32_t *r) {
  if (b == 0) return LOAM_TRAP_DIV_ZERO;
  *r = b == UINT32_MAX ? 0 : (uint32_t)((int32_t)a % (int32_t)b);
  return LOAM_OK;
}
static inline loam_status wn_i32_div_u(uint32_t a, uint32_t b, uint32_t *r) {
  if (b == 0) return LOAM_TRAP_DIV_ZERO;
  *r = a / b;
  return LOAM_OK;
}
static inline loam_status wn_i32_rem_u(uint32_t a, uint32_t b, uint32_t *r) {
  if (b == 0) return LOAM_TRAP_DIV_ZERO;
  *r = a % b;
  return LOAM_OK;
}
static inline loam_status wn_i64_div_s(uint64_t a, uint64_t b, uint64_t *r) {
  if (b == 0) return LOAM_TRAP_DIV_ZERO;
  if (a == 0x8000000000000000ull && b == UINT64_MAX) return LOAM_TRAP_INT_OVERFLOW;
  *r = (uint64_t)((int64_t)a / (int64_t)b);
  return LOAM_OK;
}
static inline loam_status wn_i64_rem_s(uint64_t a, uint64_t b, uint64_t *r) {
  if (b == 0) return LOAM_TRAP_DIV_ZERO;
  *r = b == UINT64_MAX ? 0 : (uint64_t)((int64_t)a % (int64_t)b);
  return LOAM_OK;
}
static inline loam_status wn_i64_div_u(uint64_t a, uint64_t b, uint64_t *r) {
  if (b == 0) return LOAM_TRAP_DIV_ZERO;
  *r = a / b;
  return LOAM_OK;
}
static inline loam_status wn_i64_rem_u(uint64_t a, uint64_t b, uint64_t *r) {
  if (b == 0) return LOAM_TRAP_DIV_ZERO;
  *r = a % b;
  return LOAM_OK;
}

/* Sign extension through unsigned arithmetic (no implementation-defined
 * narrowing): flip the sign bit, then subtract it back. */
static inline uint64_t wn_sext(uint64_t x, unsigned bits) {
  uint64_t m = 1ull << (bits - 1);
  x &= (m << 1) - 1;
  return (x ^ m) - m;
}

/* ---- floats -------------------------------------------------------------- */

/* min/max: NaN if either operand is NaN (a + b propagates it, quieted);
 * -0 is smaller than +0. */
static inline float wn_fminf(float a, float b) {
  if (a != a || b != b) return a + b;
  if (a == b) return signbit(a) ? a : b;
  return a < b ? a : b;
}
static inline float wn_fmaxf(float a, float b) {
  if (a != a || b != b) return a + b;
  if (a == b) return signbit(a) ? b : a;
  return a > b ? a : b;
}
static inline double wn_fmin(double a, double b) {
  if (a != a || b != b) return a + b;
  if (a == b) return signbit(a) ? a : b;
  return a < b ? a : b;
}
static inline double wn_fmax(double a, double b) {
  if (a != a || b != b) return a + b;
  if (a == b) return signbit(a) ? b : a;
  return a > b ? a : b;
}

/* u64 -> float with one rounding: halve with a sticky low bit so the
 * signed conversion sees the same rounding decision. */
static inline float wn_u64_to_f32(uint64_t v) {
  if (v < (1ull << 63)) return (float)(int64_t)v;
  float f = (float)(int64_t)((v >> 1) | (v & 1));
  return f + f;
}
static inline double wn_u64_to_f64(uint64_t v) {
  if (v < (1ull << 63)) return (double)(int64_t)v;
  double d = (double)(int64_t)((v >> 1) | (v & 1));
  return d + d;
}

/* ---- float -> integer ------------------------------------------------------
 * A value converts when lo < x < hi (exclusive bounds, exact in double; f32
 * inputs are widened exactly). lo/hi are the first values whose truncation
 * no longer fits. */
#define WN_I32S_LO (-2147483649.0)
#define WN_I32S_HI 2147483648.0
#define WN_I32U_LO (-1.0)
#define WN_I32U_HI 4294967296.0
#define WN_I64S_LO (-0x1.0000000000001p+63) /* the double below -2^63 */
#define WN_I64S_HI 0x1p+63
#define WN_I64U_LO (-1.0)
#define WN_I64U_HI 0x1p+64

static inline loam_status wn_trunc_check(double x, double lo, double hi) {
  if (x != x) return LOAM_TRAP_INVALID_CONVERSION;
  if (!(x > lo && x < hi)) return LOAM_TRAP_INT_OVERFLOW;
  return LOAM_OK;
}

static inline loam_status wn_trunc_i32_s(double x, uint64_t *r) {
  loam_status st = wn_trunc_check(x, WN_I32S_LO, WN_I32S_HI);
  if (st == LOAM_OK) *r = (uint32_t)(int32_t)x;
  return st;
}
static inline loam_status wn_trunc_i32_u(double x, uint64_t *r) {
  loam_status st = wn_trunc_check(x, WN_I32U_LO, WN_I32U_HI);
  if (st == LOAM_OK) *r = (uint32_t)x;
  return st;
}
static inline loam_status wn_trunc_i64_s(double x, uint64_t *r) {
  loam_status st = wn_trunc_check(x, WN_I64S_LO, WN_I64S_HI);
  if (st == LOAM_OK) *r = (uint64_t)(int64_t)x;
  return st;
}
static inline loam_status wn_trunc_i64_u(double x, uint64_t *r) {
  loam_status st = wn_trunc_check(x, WN_I64U_LO, WN_I64U_HI);
  if (st == LOAM_OK) *r = (uint64_t)x;
  return st;
}

/* Saturating: NaN -> 0, out of range -> the nearest bound. */
static inline uint64_t wn_sat_i32_s(double x) {
  if (x != x) return 0;
  if (x <= WN_I32S_LO) return 0x80000000u;
  if (x >= WN_I32S_HI) return 0x7fffffffu;
  return (uint32_t)(int32_t)x;
}
static inline uint64_t wn_sat_i32_u(double x) {
  if (x != x || x <= WN_I32U_LO) return 0;
  if (x >= WN_I32U_HI) return UINT32_MAX;
  return (uint32_t)x;
}
static inline uint64_t wn_sat_i64_s(double x) {
  if (x != x) return 0;
  if (x <= WN_I64S_LO) return 0x8000000000000000ull;
  if (x >= WN_I64S_HI) return 0x7fffffffffffffffull;
  return (uint64_t)(int64_t)x;
}
static inline uint64_t wn_sat_i64_u(double x) {
  if (x != x || x <= WN_I64U_LO) return 0;
  if (x >= WN_I64U_HI) return UINT64_MAX;
  return (uint64_t)x;
}

/* Rounding that quiets NaNs: some compilers (gcc -O2) inline floor & co.
 * as integer tricks that pass a signalling NaN through unchanged, while
 * wasm requires a quiet (arithmetic) NaN out. */
#define WN_ROUNDING(NAME, FN, T) \
  static inline T NAME(T x) { return x != x ? x + x : FN(x); }
WN_ROUNDING(wn_ceilf, ceilf, float) WN_ROUNDING(wn_floorf, floorf, float)
WN_ROUNDING(wn_truncf, truncf, float) WN_ROUNDING(wn_rintf, rintf, float)
WN_ROUNDING(wn_ceil, ceil, double) WN_ROUNDING(wn_floor, floor, double)
WN_ROUNDING(wn_trunc, trunc, double) WN_ROUNDING(wn_rint, rint, double)
#undef WN_ROUNDING

/* ---- op lists ------------------------------------------------------------
 * Binary integer ops: X(OP, expression over a, b of type uint32_t/uint64_t).
 * Comparisons yield 0/1, which is also a valid i32 slot. */
/* The i32 compares on their own (the first ten of WN_I32_BINARY): lower.h
 * fuses a loop counter's increment into them. */
#define WN_I32_COMPARE(X) \
  X(I32_EQ, a == b) X(I32_NE, a != b) \
  X(I32_LT_S, (int32_t)a < (int32_t)b) X(I32_LT_U, a < b) \
  X(I32_GT_S, (int32_t)a > (int32_t)b) X(I32_GT_U, a > b) \
  X(I32_LE_S, (int32_t)a <= (int32_t)b) X(I32_LE_U, a <= b) \
  X(I32_GE_S, (int32_t)a >= (int32_t)b) X(I32_GE_U, a >= b)

#define WN_I32_BINARY(X) \
  WN_I32_COMPARE(X) \
  X(I32_ADD, a + b) X(I32_SUB, a - b) X(I32_MUL, a * b) \
  X(I32_AND, a & b) X(I32_OR, a | b) X(I32_XOR, a ^ b) \
  X(I32_SHL, a << (b & 31)) X(I32_SHR_S, wn_shr_s32(a, b)) \
  X(I32_SHR_U, a >> (b & 31)) X(I32_ROTL, wn_rotl32(a, b)) \
  X(I32_ROTR, wn_rotr32(a, b))

#define WN_I64_COMPARE(X) \
  X(I64_EQ, a == b) X(I64_NE, a != b) \
  X(I64_LT_S, (int64_t)a < (int64_t)b) X(I64_LT_U, a < b) \
  X(I64_GT_S, (int64_t)a > (int64_t)b) X(I64_GT_U, a > b) \
  X(I64_LE_S, (int64_t)a <= (int64_t)b) X(I64_LE_U, a <= b) \
  X(I64_GE_S, (int64_t)a >= (int64_t)b) X(I64_GE_U, a >= b)

#define WN_I64_BINARY(X) \
  WN_I64_COMPARE(X) \
  X(I64_ADD, a + b) X(I64_SUB, a - b) X(I64_MUL, a * b) \
  X(I64_AND, a & b) X(I64_OR, a | b) X(I64_XOR, a ^ b) \
  X(I64_SHL, a << (b & 63)) X(I64_SHR_S, wn_shr_s64(a, b)) \
  X(I64_SHR_U, a >> (b & 63)) X(I64_ROTL, wn_rotl64(a, b)) \
  X(I64_ROTR, wn_rotr64(a, b))

/* Trapping integer ops: X(OP, helper, type). */
#define WN_DIVISIONS(X) \
  X(I32_DIV_S, wn_i32_div_s, uint32_t) X(I32_DIV_U, wn_i32_div_u, uint32_t) \
  X(I32_REM_S, wn_i32_rem_s, uint32_t) X(I32_REM_U, wn_i32_rem_u, uint32_t) \
  X(I64_DIV_S, wn_i64_div_s, uint64_t) X(I64_DIV_U, wn_i64_div_u, uint64_t) \
  X(I64_REM_S, wn_i64_rem_s, uint64_t) X(I64_REM_U, wn_i64_rem_u, uint64_t)

/* Float ops with a float result: X(OP, expression over float/double a, b). */
#define WN_F32_ARITH(X) \
  X(F32_ADD, a + b) X(F32_SUB, a - b) X(F32_MUL, a * b) X(F32_DIV, a / b) \
  X(F32_MIN, wn_fminf(a, b)) X(F32_MAX, wn_fmaxf(a, b))
#define WN_F64_ARITH(X) \
  X(F64_ADD, a + b) X(F64_SUB, a - b) X(F64_MUL, a * b) X(F64_DIV, a / b) \
  X(F64_MIN, wn_fmin(a, b)) X(F64_MAX, wn_fmax(a, b))

/* Float comparisons: X(OP, expression over float/double a, b) -> 0/1. */
#define WN_F32_COMPARE(X) \
  X(F32_EQ, a == b) X(F32_NE, a != b) X(F32_LT, a < b) X(F32_GT, a > b) \
  X(F32_LE, a <= b) X(F32_GE, a >= b)
#define WN_F64_COMPARE(X) \
  X(F64_EQ, a == b) X(F64_NE, a != b) X(F64_LT, a < b) X(F64_GT, a > b) \
  X(F64_LE, a <= b) X(F64_GE, a >= b)

/* Ops on raw slots A, B (bit-exact: copysign never touches NaN payloads). */
#define WN_RAW_BINARY(X) \
  X(F32_COPYSIGN, (A & 0x7fffffffu) | (B & 0x80000000u)) \
  X(F64_COPYSIGN, (A & 0x7fffffffffffffffull) | (B & 0x8000000000000000ull))

/* Unary ops: X(OP, expression mapping the raw slot x to a raw slot). */
#define WN_UNARY(X) \
  X(I32_EQZ, (uint32_t)x == 0) X(I64_EQZ, x == 0) \
  X(I32_CLZ, wn_clz32((uint32_t)x)) X(I32_CTZ, wn_ctz32((uint32_t)x)) \
  X(I32_POPCNT, (uint64_t)__builtin_popcount((uint32_t)x)) \
  X(I64_CLZ, wn_clz64(x)) X(I64_CTZ, wn_ctz64(x)) \
  X(I64_POPCNT, (uint64_t)__builtin_popcountll(x)) \
  X(F32_ABS, x & 0x7fffffffu) X(F32_NEG, (x ^ 0x80000000u) & 0xffffffffu) \
  X(F32_CEIL, wn_bits32(wn_ceilf(wn_f32(x)))) \
  X(F32_FLOOR, wn_bits32(wn_floorf(wn_f32(x)))) \
  X(F32_TRUNC, wn_bits32(wn_truncf(wn_f32(x)))) \
  X(F32_NEAREST, wn_bits32(wn_rintf(wn_f32(x)))) \
  X(F32_SQRT, wn_bits32(sqrtf(wn_f32(x)))) \
  X(F64_ABS, x & 0x7fffffffffffffffull) X(F64_NEG, x ^ 0x8000000000000000ull) \
  X(F64_CEIL, wn_bits64(wn_ceil(wn_f64(x)))) \
  X(F64_FLOOR, wn_bits64(wn_floor(wn_f64(x)))) \
  X(F64_TRUNC, wn_bits64(wn_trunc(wn_f64(x)))) \
  X(F64_NEAREST, wn_bits64(wn_rint(wn_f64(x)))) \
  X(F64_SQRT, wn_bits64(sqrt(wn_f64(x)))) \
  X(I32_WRAP_I64, (uint32_t)x) \
  X(I64_EXTEND_I32_S, wn_sext(x, 32)) X(I64_EXTEND_I32_U, (uint32_t)x) \
  X(F32_CONVERT_I32_S, wn_bits32((float)(int32_t)wn_sext(x, 32))) \
  X(F32_CONVERT_I32_U, wn_bits32((float)(uint32_t)x)) \
  X(F32_CONVERT_I64_S, wn_bits32((float)(int64_t)x)) \
  X(F32_CONVERT_I64_U, wn_bits32(wn_u64_to_f32(x))) \
  X(F32_DEMOTE_F64, wn_bits32((float)wn_f64(x))) \
  X(F64_CONVERT_I32_S, wn_bits64((double)(int32_t)wn_sext(x, 32))) \
  X(F64_CONVERT_I32_U, wn_bits64((double)(uint32_t)x)) \
  X(F64_CONVERT_I64_S, wn_bits64((double)(int64_t)x)) \
  X(F64_CONVERT_I64_U, wn_bits64(wn_u64_to_f64(x))) \
  X(F64_PROMOTE_F32, wn_bits64((double)wn_f32(x))) \
  X(I32_REINTERPRET_F32, (uint32_t)x) X(I64_REINTERPRET_F64, x) \
  X(F32_REINTERPRET_I32, (uint32_t)x) X(F64_REINTERPRET_I64, x) \
  X(I32_EXTEND8_S, (uint32_t)wn_sext(x, 8)) \
  X(I32_EXTEND16_S, (uint32_t)wn_sext(x, 16)) \
  X(I64_EXTEND8_S, wn_sext(x, 8)) X(I64_EXTEND16_S, wn_sext(x, 16)) \
  X(I64_EXTEND32_S, wn_sext(x, 32)) \
  X(I32_TRUNC_SAT_F32_S, wn_sat_i32_s(wn_f32(x))) \
  X(I32_TRUNC_SAT_F32_U, wn_sat_i32_u(wn_f32(x))) \
  X(I32_TRUNC_SAT_F64_S, wn_sat_i32_s(wn_f64(x))) \
  X(I32_TRUNC_SAT_F64_U, wn_sat_i32_u(wn_f64(x))) \
  X(I64_TRUNC_SAT_F32_S, wn_sat_i64_s(wn_f32(x))) \
  X(I64_TRUNC_SAT_F32_U, wn_sat_i64_u(wn_f32(x))) \
  X(I64_TRUNC_SAT_F64_S, wn_sat_i64_s(wn_f64(x))) \
  X(I64_TRUNC_SAT_F64_U, wn_sat_i64_u(wn_f64(x)))

/* Trapping conversions: X(OP, helper, operand as double). */
#define WN_TRUNCATIONS(X) \
  X(I32_TRUNC_F32_S, wn_trunc_i32_s, wn_f32(x)) \
  X(I32_TRUNC_F32_U, wn_trunc_i32_u, wn_f32(x)) \
  X(I32_TRUNC_F64_S, wn_trunc_i32_s, wn_f64(x)) \
  X(I32_TRUNC_F64_U, wn_trunc_i32_u, wn_f64(x)) \
  X(I64_TRUNC_F32_S, wn_trunc_i64_s, wn_f32(x)) \
  X(I64_TRUNC_F32_U, wn_trunc_i64_u, wn_f32(x)) \
  X(I64_TRUNC_F64_S, wn_trunc_i64_s, wn_f64(x)) \
  X(I64_TRUNC_F64_U, wn_trunc_i64_u, wn_f64(x))

#endif
