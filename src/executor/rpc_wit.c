/*
 * executor/rpc_wit.c — the golem:rpc and wasi:io/poll WIT the executor's
 * host interfaces are typed by, embedded at build time from the
 * repository's wit/deps (the one copy guests, bindgen and stubgen use too;
 * CMake passes the two paths as LOAM_RPC_WIT_PATH and LOAM_POLL_WIT_PATH).
 */
#include "executor/rpc_int.h"

#ifndef LOAM_RPC_WIT_PATH
#error "LOAM_RPC_WIT_PATH must name wit/deps/golem-rpc/types.wit (see CMakeLists.txt)"
#endif
#ifndef LOAM_POLL_WIT_PATH
#error "LOAM_POLL_WIT_PATH must name wit/deps/wasi-io/poll.wit (see CMakeLists.txt)"
#endif

/* Each file NUL-terminated, in read-only data. */
__asm__(".section .rodata\n"
        ".global loam_rpc_types_wit\n"
        ".type loam_rpc_types_wit, @object\n"
        "loam_rpc_types_wit:\n"
        ".incbin \"" LOAM_RPC_WIT_PATH "\"\n"
        ".byte 0\n"
        ".global loam_rpc_poll_wit\n"
        ".type loam_rpc_poll_wit, @object\n"
        "loam_rpc_poll_wit:\n"
        ".incbin \"" LOAM_POLL_WIT_PATH "\"\n"
        ".byte 0\n"
        ".text\n");
