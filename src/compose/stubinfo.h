/*
 * compose/stubinfo.h — what loam knows about a stub module, shared by
 * `loam stubgen compose` (compose.c) and the executor's loading of composed
 * templates (src/executor/compose.c): its embedded WIT, the one interface
 * its world exports, and how stub interfaces are named.
 */
#ifndef LOAM_COMPOSE_STUBINFO_H
#define LOAM_COMPOSE_STUBINFO_H

#include "loam/wasm.h"
#include "loam/wit.h"

/* A stub read from its bytes. Owns module and wit; iface points into wit. */
typedef struct loam_stub_info {
  loam_module *module;
  loam_wit *wit;
  const loam_wit_interface *iface;  /* the stub interface its world exports */
} loam_stub_info;

/* Decodes a stub module, resolves its "loam:wit" and finds the interface
 * its world exports (the world `loam build` marked, else the root package's
 * only one; it must export exactly one interface). `what` names the stub in
 * messages ("stub x.wasm"). On failure out holds nothing and err says why:
 * LOAM_ERR_MALFORMED for bytes that are no module, LOAM_ERR_INVALID for the
 * rest. */
bool loam_stub_read(const uint8_t *bytes, size_t len, const char *what, loam_stub_info *out,
                    loam_error *err);
void loam_stub_info_free(loam_stub_info *s);

/* The world a module's WIT text describes: the one `loam build` marked with
 * its first line "// loam:world <name>", else the root package's only
 * world; NULL when neither. */
const loam_wit_world *loam_wit_marked_world(const loam_wit *w, const char *text);

/* True when an import module names a stub interface, "<ns>:<pkg>-stub/..."
 * (the package `loam stubgen generate` makes). */
bool loam_stub_like(const char *module);

/* The resource `name` that interface i defines (not one it `use`s), or NULL. */
const loam_type *loam_stub_resource(const loam_wit_interface *i, const char *name);

/* The function of interface i whose core name is `core` ("[method]r.f"),
 * or NULL. */
const loam_wit_func *loam_stub_func(const loam_wit_interface *i, const char *core);

/* Whether the caller's view of a stub function (from the WIT it was built
 * against) is the stub's: the same parameters and results, type by type
 * (kinds, field/case/label names, resources by name and owner). When not,
 * `why` gets the first difference ("param `e`: record {...} here, record
 * {...} in the stub"). */
bool loam_stub_func_match(const loam_wit_func *caller, const loam_wit_func *stub, char *why,
                          size_t cap);

#endif
