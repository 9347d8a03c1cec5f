/* witdeps.c — the repository's wit/deps (golem:rpc and wasi:io/poll), embedded
 * in the binary at build time so every stub ships the same WIT the executor
 * implements: wit/deps is the one source of truth. CMake passes the directory
 * as LOAM_WIT_DEPS_DIR (src/stubgen/stubgen.cmake). Each file is embedded
 * with a trailing NUL (the WIT text has none of its own).  */
#include "stubgen/stubgen.h"

#ifndef LOAM_WIT_DEPS_DIR
#error "LOAM_WIT_DEPS_DIR must name the repository's wit/deps (see src/stubgen/stubgen.cmake)"
#endif

/* One embedded file: symbol SYM holds the bytes and a NUL. */
#define LOAM_EMBED(sym, path)                                                    \
  __asm__(".section .rodata\n"                                                  \
          ".global " #sym "\n"                                                  \
          ".type " #sym ", @object\n" #sym ":\n"                                 \
          ".incbin \"" path "\"\n"                                              \
          ".byte 0\n"                                                           \
          ".text\n")

LOAM_EMBED(loam_wit_golem_rpc_types, LOAM_WIT_DEPS_DIR "/golem-rpc/types.wit");
LOAM_EMBED(loam_wit_wasi_io_poll, LOAM_WIT_DEPS_DIR "/wasi-io/poll.wit");

extern const char loam_wit_golem_rpc_types[], loam_wit_wasi_io_poll[];

static const loam_wit_dep_file files[] = {
    {"golem-rpc", "types.wit", "golem:rpc@0.1.0", loam_wit_golem_rpc_types},
    {"wasi-io", "poll.wit", "wasi:io@0.2.0", loam_wit_wasi_io_poll},
};

const loam_wit_dep_file *loam_wit_deps(size_t *n) {
  *n = sizeof files / sizeof files[0];
  return files;
}
