/*
 * translate.h — the function-body validator/translator: checks one body
 * against the spec's validation algorithm and, in the same pass, emits the
 * internal code of code.h. Private to validate.c (and its unit tests).
 */
#ifndef LOAM_WASM_TRANSLATE_H
#define LOAM_WASM_TRANSLATE_H

#include "code.h"
#include "module.h"

/* Reusable translator state (its buffers grow once and serve every body of
 * one module). Returns NULL when out of memory. `m` must outlive it. */
typedef struct wasm_xlate wasm_xlate;
wasm_xlate *wasm_xlate_new(const wasm_module *m);
void wasm_xlate_free(wasm_xlate *x);

/* Validates and translates defined function `idx` (function index space,
 * imports included). Returns a new wasm_code the caller owns (free with
 * wasm_code_free), or NULL with err filled: LOAM_ERR_MALFORMED for bodies
 * that do not decode, LOAM_ERR_INVALID for type errors, LOAM_ERR_NOMEM;
 * message "function <idx> at offset 0x<off>: <reason>".
 * m->func_declared must be filled (ref.func checks it) or NULL (none). */
wasm_code *wasm_xlate_func(wasm_xlate *x, uint32_t idx, loam_error *err);

/* Only decodes body `idx` (no typing): returns false with err filled
 * (LOAM_ERR_MALFORMED) if it does not decode. Lets validation report a
 * malformed body ahead of an invalid one, as the spec (decode, then
 * validate) does. */
bool wasm_xlate_scan(const wasm_module *m, uint32_t idx, loam_error *err);

#endif
