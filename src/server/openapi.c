/* openapi.c — docs/openapi.json, embedded in the binary at build time
 * (CMake passes its path as LOAM_OPENAPI_PATH) so the server can serve the
 * document kept in the repository, NUL-terminated. */
#include "srv.h"

#ifndef LOAM_OPENAPI_PATH
#error "LOAM_OPENAPI_PATH must name docs/openapi.json (see CMakeLists.txt)"
#endif

__asm__(".section .rodata\n"
        ".global loam_openapi_json\n"
        ".type loam_openapi_json, @object\n"
        "loam_openapi_json:\n"
        ".incbin \"" LOAM_OPENAPI_PATH "\"\n"
        "loam_openapi_json_end:\n"
        ".byte 0\n"
        ".global loam_openapi_json_size\n"
        ".type loam_openapi_json_size, @object\n"
        ".balign 8\n"
        "loam_openapi_json_size:\n"
        ".quad loam_openapi_json_end - loam_openapi_json\n"
        ".text\n");

extern const unsigned long long loam_openapi_json_size;

size_t loam_openapi_json_len(void) { return (size_t)loam_openapi_json_size; }
