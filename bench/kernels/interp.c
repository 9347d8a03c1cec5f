/* interp.c — a small stack-machine bytecode interpreter (switch dispatch)
 * running a loop-heavy program: for i in 0..N, acc = acc*31 + (i % 7)
 * plus a collatz step count; prints the result. */
#include "bench.h"
#include <stdio.h>

enum { OP_PUSH, OP_LOAD, OP_STORE, OP_ADD, OP_SUB, OP_MUL, OP_MOD, OP_DIV,
       OP_AND, OP_LT, OP_JZ, OP_JMP, OP_DUP, OP_DROP, OP_HALT };

typedef struct insn { uint8_t op; int32_t arg; } insn;

/* Runs `code` with 8 variables; returns variable 0. */
static uint32_t run(const insn *code, uint32_t *vars) {
  uint32_t stack[64];
  int sp = 0;
  for (int pc = 0;;) {
    const insn *in = &code[pc++];
    switch (in->op) {
    case OP_PUSH: stack[sp++] = (uint32_t)in->arg; break;
    case OP_LOAD: stack[sp++] = vars[in->arg]; break;
    case OP_STORE: vars[in->arg] = stack[--sp]; break;
    case OP_ADD: sp--; stack[sp - 1] += stack[sp]; break;
    case OP_SUB: sp--; stack[sp - 1] -= stack[sp]; break;
    case OP_MUL: sp--; stack[sp - 1] *= stack[sp]; break;
    case OP_MOD: sp--; stack[sp - 1] %= stack[sp]; break;
    case OP_DIV: sp--; stack[sp - 1] /= stack[sp]; break;
    case OP_AND: sp--; stack[sp - 1] &= stack[sp]; break;
    case OP_LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
    case OP_JZ: if (!stack[--sp]) pc = in->arg; break;
    case OP_JMP: pc = in->arg; break;
    case OP_DUP: stack[sp] = stack[sp - 1]; sp++; break;
    case OP_DROP: sp--; break;
    case OP_HALT: return vars[0];
    }
  }
}

/* vars: 0 acc, 1 i, 2 n, 3 x (collatz value), 4 steps */
static const insn program[] = {
    /* 0: loop head: if !(i < n) halt */
    {OP_LOAD, 1}, {OP_LOAD, 2}, {OP_LT, 0}, {OP_JZ, 40},
    /* 4: acc = acc * 31 + i % 7 */
    {OP_LOAD, 0}, {OP_PUSH, 31}, {OP_MUL, 0}, {OP_LOAD, 1}, {OP_PUSH, 7},
    {OP_MOD, 0}, {OP_ADD, 0}, {OP_STORE, 0},
    /* 12: x = i + 1; then while x != 1: x = x odd ? 3x+1 : x/2; steps++ */
    {OP_LOAD, 1}, {OP_PUSH, 1}, {OP_ADD, 0}, {OP_STORE, 3},
    /* 16: */ {OP_PUSH, 1}, {OP_LOAD, 3}, {OP_LT, 0}, {OP_JZ, 35},
    /* 20: */ {OP_LOAD, 3}, {OP_PUSH, 1}, {OP_AND, 0}, {OP_JZ, 30},
    /* 24: odd */ {OP_LOAD, 3}, {OP_PUSH, 3}, {OP_MUL, 0}, {OP_PUSH, 1},
    {OP_ADD, 0}, {OP_JMP, 33},
    /* 30: even */ {OP_LOAD, 3}, {OP_PUSH, 2}, {OP_DIV, 0},
    /* 33: */ {OP_STORE, 3}, {OP_JMP, 36},
    /* 35: */ {OP_JMP, 44},
    /* 36: steps++ */ {OP_LOAD, 4}, {OP_PUSH, 1}, {OP_ADD, 0}, {OP_JMP, 41},
    /* 40: */ {OP_HALT, 0},
    /* 41: */ {OP_STORE, 4}, {OP_JMP, 16}, {OP_HALT, 0},
    /* 44: i++ and loop */ {OP_LOAD, 1}, {OP_PUSH, 1}, {OP_ADD, 0}, {OP_STORE, 1},
    {OP_JMP, 0},
};

int main(void) {
  uint32_t vars[8] = {0, 0, 100000, 0, 0, 0, 0, 0};
  uint32_t acc = run(program, vars);
  printf("interp %u %u\n", acc, vars[4]);
  return 0;
}
