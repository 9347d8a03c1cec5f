/*
 * talker.c — the server tests' guest (a wasm32-wasi reactor written by hand
 * against the canonical ABI): writes to stdout/stderr for /connect, spins
 * for interrupt/resume, and takes a record for WAVE/JSON argument tests.
 * Its WIT is embedded in the custom section "loam:wit".
 */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define EXPORT(name) __attribute__((export_name(name)))

__asm__(".section \".custom_section.loam:wit\",\"\",@\n"
        ".ascii \"package loam:talker;\\n\"\n"
        ".ascii \"interface api {\\n\"\n"
        ".ascii \"  record item { name: string, price: f32, quantity: u32 }\\n\"\n"
        ".ascii \"  say: func(text: string);\\n\"\n"
        ".ascii \"  complain: func(text: string);\\n\"\n"
        ".ascii \"  spin: func(n: u64) -> u64;\\n\"\n"
        ".ascii \"  total: func(it: item) -> f32;\\n\"\n"
        ".ascii \"  count: func() -> u64;\\n\"\n"
        ".ascii \"  crash: func();\\n\"\n"
        ".ascii \"}\\n\"\n"
        ".ascii \"world talker { export api; }\\n\"\n"
        ".text\n");

static uint64_t calls;

/* The canonical ABI's allocator for arguments the host passes in. */
EXPORT("cabi_realloc") void *cabi_realloc(void *old, size_t old_size, size_t align,
                                          size_t new_size) {
  (void)old_size;
  (void)align;
  return realloc(old, new_size ? new_size : 1);
}

/* say writes the text and a newline to stdout. */
EXPORT("loam:talker/api#say") void say(const char *text, size_t len) {
  calls++;
  write(1, text, len);
  write(1, "\n", 1);
  free((void *)text);
}

/* complain writes the text and a newline to stderr. */
EXPORT("loam:talker/api#complain") void complain(const char *text, size_t len) {
  calls++;
  write(2, text, len);
  write(2, "\n", 1);
  free((void *)text);
}

/* A busy loop of n rounds (for interrupts); volatile keeps every round. */
EXPORT("loam:talker/api#spin") uint64_t spin(uint64_t n) {
  calls++;
  volatile uint64_t x = 0;
  for (uint64_t i = 0; i < n; i++) x += i;
  return x;
}

EXPORT("loam:talker/api#total") float total(const char *name, size_t len, float price,
                                            uint32_t quantity) {
  (void)len;
  calls++;
  free((void *)name);
  return price * (float)quantity;
}

EXPORT("loam:talker/api#count") uint64_t count(void) { return calls; }

/* Always traps (for the 422 reply and the Failed status). */
EXPORT("loam:talker/api#crash") void crash(void) { __builtin_trap(); }
