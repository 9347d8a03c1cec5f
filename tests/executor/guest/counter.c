/*
 * counter.c — the executor's counter test guest (a wasm32-wasi reactor),
 * written by hand against the canonical ABI. Its state is one u64 in linear
 * memory; the WIT below is embedded in the custom section "loam:wit" so the
 * executor finds the exports' types without a WIT file alongside.
 */
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))

/* The embedded WIT (a custom section, as bindgen-built guests carry one). */
__asm__(".section \".custom_section.loam:wit\",\"\",@\n"
        ".ascii \"package loam:counter;\\n\"\n"
        ".ascii \"interface api {\\n\"\n"
        ".ascii \"  inc-by: func(n: u64) -> u64;\\n\"\n"
        ".ascii \"  get: func() -> u64;\\n\"\n"
        ".ascii \"  spin: func(n: u64) -> u64;\\n\"\n"
        ".ascii \"  crash: func() -> u64;\\n\"\n"
        ".ascii \"  grow: func(pages: u32) -> u32;\\n\"\n"
        ".ascii \"}\\n\"\n"
        ".ascii \"world counter { export api; }\\n\"\n"
        ".text\n");

static uint64_t count;

/* inc-by adds n and returns the new count. */
EXPORT("loam:counter/api#inc-by") uint64_t inc_by(uint64_t n) { return count += n; }

EXPORT("loam:counter/api#get") uint64_t get(void) { return count; }

/* A busy loop of n rounds (for fuel, deadlines and interrupts); volatile so
 * the compiler keeps every round. */
EXPORT("loam:counter/api#spin") uint64_t spin(uint64_t n) {
  volatile uint64_t x = 0;
  for (uint64_t i = 0; i < n; i++) x += i;
  return x;
}

/* Always traps (for retries and the Failed status). */
EXPORT("loam:counter/api#crash") uint64_t crash(void) { __builtin_trap(); }

/* Grows memory by `pages` and writes to each new page (so snapshots have
 * dirty pages to store); returns the page count. */
EXPORT("loam:counter/api#grow") uint32_t grow(uint32_t pages) {
  uint32_t old = (uint32_t)__builtin_wasm_memory_grow(0, pages);
  for (uint32_t i = 0; i < pages; i++)
    *(volatile uint8_t *)(uintptr_t)((old + i) * 65536u) = (uint8_t)(i + 1);
  return (uint32_t)__builtin_wasm_memory_size(0);
}
