/*
 * bad_caller.c — callers with hand-written imports for compose's error
 * cases: by default one imports a function the test stub does not have;
 * with -DGHOST one imports a stub interface no stub provides.
 */
#include <stdint.h>

#ifdef GHOST
__attribute__((import_module("test:ghost-stub/stub-ghost"), import_name("[method]ghost.boo")))
#else
__attribute__((import_module("test:counter-stub/stub-counter"),
               import_name("[method]counter.nope")))
#endif
extern int32_t imported(int32_t);

__attribute__((export_name("run"))) int32_t run(int32_t x) { return imported(x); }
