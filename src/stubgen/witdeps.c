/* witdeps.c — the WIT every stub ships: the repository's wit/deps
 * (golem:rpc and wasi:io/poll), which the executor already embeds in the
 * binary at build time (src/executor/rpc_wit.c, NUL-terminated). Stubs reuse
 * those bytes, so guests, stubs and the host are typed by one copy. */
#include "stubgen/stubgen.h"

/* defined by src/executor/rpc_wit.c (.incbin of wit/deps) */
extern const char loam_rpc_types_wit[], loam_rpc_poll_wit[];

static const loam_wit_dep_file files[] = {
    {"golem-rpc", "types.wit", "golem:rpc@0.1.0", loam_rpc_types_wit},
    {"wasi-io", "poll.wit", "wasi:io@0.2.0", loam_rpc_poll_wit},
};

const loam_wit_dep_file *loam_wit_deps(size_t *n) {
  *n = sizeof files / sizeof files[0];
  return files;
}
