/* code.c — the tables generated from WASM_OPS and helpers over compiled code. */
#include "code.h"
#include <stdio.h>
#include <stdlib.h>

const uint8_t wasm_op_nimm[WASM_OP_COUNT] = {
#define WASM_OP_NIMM(name, nimm) nimm,
    WASM_OPS(WASM_OP_NIMM)
#undef WASM_OP_NIMM
};

const char *const wasm_op_names[WASM_OP_COUNT] = {
#define WASM_OP_NAME(name, nimm) #name,
    WASM_OPS(WASM_OP_NAME)
#undef WASM_OP_NAME
};

void wasm_code_free(wasm_code *c) {
  if (!c) return;
  free(c->cells);
  free(c->rcells);
  free(c);
}

void wasm_code_dump(const wasm_code *c, void *stream) {
  FILE *out = stream;
  fprintf(out, "func %u: params %u locals %u results %u max_height %u\n",
          c->func_index, c->nparams, c->nlocals, c->nresults, c->max_height);
  for (uint32_t pc = 0; pc < c->ncells;) {
    const wasm_cell *at = &c->cells[pc];
    uint32_t len = wasm_op_length(at);
    fprintf(out, "  %5u %s", pc, wasm_op_names[at->u64]);
    for (uint32_t i = 1; i < len; i++)
      fprintf(out, " %llu", (unsigned long long)at[i].u64);
    fputc('\n', out);
    pc += len;
  }
}
