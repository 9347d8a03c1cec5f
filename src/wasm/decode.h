/*
 * decode.h — the decoder's internal interface, shared by decode.c (header,
 * sections, module) and decode_seg.c (constant expressions, element and data
 * segments, the `name` section). Not used outside the decoder.
 */
#ifndef LOAM_WASM_DECODE_H
#define LOAM_WASM_DECODE_H

#include "module.h"
#include "reader.h"

typedef struct wdec {
  wasm_reader r;          /* over the whole module; end = end of input */
  wasm_module *m;
  loam_error *err;        /* may be NULL (lenient parsing of `name`) */
  const char *sec;        /* section name for messages */
  uint32_t nfunc_decls;   /* entries in the function section */
  bool have_code;         /* a code section was seen */
} wdec;

/* Each returns false after filling d->err. */
bool wdec_fail(wdec *d, size_t off, const char *why);
bool wdec_reader_fail(wdec *d);
bool wdec_u8(wdec *d, uint8_t *out);
bool wdec_u32(wdec *d, uint32_t *out);
bool wdec_len(wdec *d, uint32_t *out);
bool wdec_name(wdec *d, char **out);
bool wdec_name_n(wdec *d, char **out, uint32_t *len); /* also its length */
bool wdec_reftype(wdec *d, uint8_t *out);
bool wdec_valtype(wdec *d, uint8_t *out);
bool wdec_constexpr(wdec *d, wasm_constexpr *out);
bool wdec_sec_elem(wdec *d);
bool wdec_sec_data(wdec *d);
/* Fills module and function names from a `name` section's contents; a
 * malformed name section is ignored (names read so far stay). */
void wdec_name_section(wasm_module *m, wasm_span contents);

#endif
