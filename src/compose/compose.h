/*
 * compose/compose.h — `loam stubgen compose`: a caller module and the stub
 * modules it imports, made into one template file.
 *
 * The composed file is the caller's module unchanged, followed by one custom
 * section "loam:stub" per stub it uses, holding that stub module's bytes
 * (which carry their own "loam:wit"). It is still a valid core module (other
 * tools skip custom sections); the executor finds the stubs there and links
 * them at instantiation (src/executor/compose.c), copying values between
 * the caller's and each stub's memory as the Component Model's adapters do.
 */
#ifndef LOAM_COMPOSE_H
#define LOAM_COMPOSE_H

#include "loam/wasm.h"
#include <stdio.h>

#define LOAM_STUB_SECTION "loam:stub"

typedef struct loam_compose_opts {
  const char *caller;               /* the caller's .wasm */
  const char *const *stubs;         /* stub .wasm files */
  size_t nstubs;
  const char *out;                  /* the composed .wasm to write */
  FILE *report;                     /* what was linked, unused stubs; NULL = quiet */
} loam_compose_opts;

/* Checks and writes o->out. Every caller import of a stub interface (an
 * interface some given stub's world exports) must be one the stub
 * implements: a function of that interface which the stub module exports as
 * "<iface>#<name>", or "[resource-drop]R" of a resource it defines; a caller
 * import that looks like a stub interface ("<ns>:<pkg>-stub/...") with no
 * stub given for it is an error naming the import; a stub the caller does
 * not import from is reported ("stub S is not used by CALLER: left out")
 * and left out; no stub used at all is an error ("no dependencies of
 * component `CALLER` were found", the seed's words). A caller that is
 * already composed, or a stub that is, is refused. On success the report
 * gets "Writing composed component to OUT"; OUT is written to a temporary
 * file that is renamed over it, so it is never half-written. Nothing is
 * written on failure; err says why. */
bool loam_compose(const loam_compose_opts *o, loam_error *err);

#endif
