/*
 * multi.c — a caller of two stubs at once, with hand-written imports and no
 * embedded WIT (the test gives its WIT at registration, so the adapters take
 * the stubs' signatures from the stubs' own WIT).
 */
#include <stdint.h>

__attribute__((import_module("test:counter-stub/stub-counter"),
               import_name("[static]counter.live")))
extern int32_t live(void);
__attribute__((import_module("test:other-stub/stub-other"), import_name("ping")))
extern int32_t ping(void);

__attribute__((export_name("run"))) int32_t run(void) { return ping() * 100 + live(); }
