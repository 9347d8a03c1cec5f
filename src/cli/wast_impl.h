/*
 * wast_impl.h — the pieces of `loam wast` shared between its files: the
 * per-script context, value parsing/matching, and the spectest host module.
 * Only src/cli/wast*.c include this.
 */
#ifndef LOAM_CLI_WAST_IMPL_H
#define LOAM_CLI_WAST_IMPL_H

#include "loam/wasm.h"
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* ---- values (wast_value.c) ---------------------------------------------- */

/* What an assert_return accepts for one result. */
typedef enum wast_expect_kind {
  WAST_EXACT,      /* bit-identical value (refs: identical pointer) */
  WAST_NAN_CANON,  /* nan:canonical */
  WAST_NAN_ARITH,  /* nan:arithmetic */
  WAST_ANY_REF,    /* any non-null reference of the type ("ref.func") */
} wast_expect_kind;

typedef struct wast_expect {
  wast_expect_kind kind;
  loam_val val;    /* type always set; the value for WAST_EXACT */
} wast_expect;

/* Parses a JSON argument {"type": "i32", "value": "42"}. On failure writes a
 * reason to `why` (size n) and returns false. */
bool wast_parse_arg(json_t *j, loam_val *out, char *why, size_t n);
/* Parses a JSON expected result. */
bool wast_parse_expect(json_t *j, wast_expect *out, char *why, size_t n);
/* True when `got` satisfies `want`. */
bool wast_match(const wast_expect *want, const loam_val *got);
/* Human text for a value / an expectation, e.g. "i32:42", "f32:nan:canonical". */
void wast_format_val(const loam_val *v, char *buf, size_t n);
void wast_format_expect(const wast_expect *e, char *buf, size_t n);

/* `ref.extern N` as a host pointer: distinct and non-null for every N (so
 * ref.extern 0 is not null). Returns NULL when N is beyond what we model. */
void *wast_extern_ref(unsigned long n);

/* ---- spectest (wast_spectest.c) ------------------------------------------ */

/* Defines the "spectest" module (print functions, globals, table, memory)
 * in `l` with objects allocated in `s`. False when out of memory. */
bool wast_define_spectest(loam_store *s, loam_linker *l);

/* ---- running a converted script (wast_script.c) --------------------------- */

typedef struct wast_counts {
  long passed, failed, skipped;
} wast_counts;

/* Runs the wast2json output `json_path`; `shown` is the name used in
 * messages (the .wast file). Adds to `counts`. `verbose` prints every
 * failure detail and every tolerated message mismatch. Returns false only
 * when the JSON itself could not be read. */
bool wast_run_json(const char *json_path, const char *shown, bool verbose,
                   wast_counts *counts);

#endif
