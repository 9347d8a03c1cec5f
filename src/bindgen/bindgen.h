/*
 * bindgen/bindgen.h — the C binding generator: from a resolved WIT world,
 * `<world>.h` (C types, prototypes of the exports the user implements,
 * functions for the imports the user calls) and `<world>.c` (the canonical
 * ABI glue: export wrappers, import stubs, cabi_realloc, cabi_post_*).
 *
 * Conventions (wit-bindgen's C generator where it has one):
 *  - types: `<prefix>_<name>_t`, prefix `<ns>_<pkg>_<iface>` for interface
 *    types (`exports_` in front for exported interfaces), `<world>` for the
 *    world's own; anonymous types `<world>_list_<e>_t`, `_option_`,
 *    `_result_<ok>_<err>_`, `_tupleN_...`; `<world>_string_t`.
 *  - C structs have exactly the canonical ABI memory layout (checked by
 *    _Static_assert), so values in linear memory are C values.
 *  - export params are owned by the implementation (free with `..._free`);
 *    export results are freed by the generated `cabi_post_*`; import params
 *    are borrowed, import results are owned by the caller.
 *  - composite params are passed by pointer; a result that is not a scalar
 *    is written to a trailing `ret` out-pointer, except option<T> and
 *    result<T, E> results: the function returns bool (some / ok) and writes
 *    the payload to `T *ret` (and `E *err`), as wit-bindgen does.
 *  - exported resources: the user defines `struct <prefix>_<r>_t`, makes
 *    handles with `<prefix>_<r>_new(rep)` and implements
 *    `<prefix>_<r>_destructor(rep)`; methods get the rep as `self`.
 */
#ifndef LOAM_BINDGEN_H
#define LOAM_BINDGEN_H

#include "loam/wit.h"

typedef struct loam_bindings {
  char *name;      /* the world's C name: "shopping_cart" */
  char *header;    /* <name>.h */
  char *source;    /* <name>.c */
} loam_bindings;

/* Generates bindings for `world` of the root package (NULL: its only world).
 * False with err set for a missing world or an unsupported signature. */
bool loam_bindgen(const loam_wit *w, const char *world, loam_bindings *out,
                  loam_error *err);
void loam_bindings_free(loam_bindings *b);

/* The root package's world named `world`, or its only world when NULL. */
const loam_wit_world *loam_bindgen_world(const loam_wit *w, const char *world,
                                         loam_error *err);

#endif
