/*
 * other.c — a second stub-shaped module (other.wit) the test caller does not
 * import: composing with it must report it unused.
 */
#include "wasm_rpc_stub_other.h"

uint32_t exports_test_other_stub_stub_other_ping(void) { return 7; }
