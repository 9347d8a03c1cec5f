/*
 * compose/sections.h — walking a wasm binary's custom sections by name (the
 * engine's look-up returns only the first section of a name; a composed
 * template has one "loam:stub" section per stub).
 */
#ifndef LOAM_COMPOSE_SECTIONS_H
#define LOAM_COMPOSE_SECTIONS_H

#include "loam/wasm.h"

/* Called for each matching section with its contents (after the name),
 * which point into the bytes given to loam_custom_sections. Return false to
 * stop the walk (loam_custom_sections then returns false too). */
typedef bool (*loam_section_fn)(void *user, const uint8_t *data, size_t len,
                                loam_error *err);

/* Calls fn for every custom section called `name` in the module binary
 * `wasm`, in file order; *count (may be NULL) gets how many matched. False
 * with err (LOAM_ERR_MALFORMED) when the bytes are not a wasm header
 * followed by well-formed section frames, or when fn returned false. */
bool loam_custom_sections(const uint8_t *wasm, size_t len, const char *name,
                          loam_section_fn fn, void *user, size_t *count, loam_error *err);

#endif
