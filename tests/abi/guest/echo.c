/*
 * echo.c — the canonical ABI test guest (a wasm32-wasi reactor), written by
 * hand against the canonical ABI: exports that return their arguments
 * unchanged, exports that call the host's imports, and cabi_realloc /
 * cabi_post_* over malloc. The WIT it implements (world-level functions):
 *
 *   record point { x: s32, y: f64, name: string }
 *   variant shape { circle(f32), rect(tuple<u32, u32>), label(string), none }
 *   flags many { f0, ..., f39 }
 *   echo-record: func(p: point) -> point
 *   echo-variant: func(s: shape) -> shape
 *   echo-result: func(r: result<list<u8>, string>) -> result<list<u8>, string>
 *   echo-flags: func(f: many) -> many
 *   echo-option-u64: func(o: option<u64>) -> option<u64>
 *   echo-string: func(s: string) -> string
 *   echo-list-of-strings: func(l: list<string>) -> list<string>
 *   echo-many: func(a: u8, b: u16, c: u32, d: u64, e: s8, f: s16, g: s32,
 *                   h: s64, i: f32, j: f64, k: char, l: bool, m: string,
 *                   n: u8, o: u8, p: u8, q: u8) -> tuple<...the same...>
 *   call-host: func(s: string) -> string     (calls host.reverse)
 *   call-host-many: func() -> u64            (calls host.sum-many, 17 u32s)
 *   use-borrow: func(h: borrow<thing>) -> u32 (drops h via [resource-drop])
 *
 * Type-generic echoes, usable with any WIT signature of the same core type:
 *   echo-i32 / echo-i64 / echo-f32 / echo-f64: one flat value, returned as is;
 *   echo-list: (ptr, len) -> return area holding (ptr, len): any list or
 *   string comes back as the host stored it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT(name) __attribute__((export_name(name)))
#define IMPORT(name) __attribute__((import_module("host"), import_name(name)))

EXPORT("cabi_realloc")
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
  (void)old_size;
  if (new_size == 0) return (void *)align;  /* a dangling, aligned pointer */
  if (align <= 8) return realloc(old, new_size);
  void *p = aligned_alloc(align, (new_size + align - 1) / align * align);
  if (p && old) memcpy(p, old, old_size < new_size ? old_size : new_size);
  return p;
}

/* Return areas: results that do not fit one flat value are written here. */
static _Alignas(8) uint8_t ret[64];
/* What a cabi_post_* frees after the host has lifted the results. */
static void *owned[4];

static void own(int i, void *p) { owned[i] = p; }
static void free_owned(void) {
  for (int i = 0; i < 4; i++) { free(owned[i]); owned[i] = NULL; }
}

static void put32(uint32_t off, uint32_t x) { memcpy(ret + off, &x, 4); }
static void put64(uint32_t off, uint64_t x) { memcpy(ret + off, &x, 8); }

static char *copy(const char *p, uint32_t len) {
  char *q = malloc(len ? len : 1);
  if (len) memcpy(q, p, len);
  return q;
}

/* ---- generic ----------------------------------------------------------- */

EXPORT("echo-i32") uint32_t echo_i32(uint32_t x) { return x; }
EXPORT("echo-i64") uint64_t echo_i64(uint64_t x) { return x; }
EXPORT("echo-f32") float echo_f32(float x) { return x; }
EXPORT("echo-f64") double echo_f64(double x) { return x; }

EXPORT("echo-list") uint8_t *echo_list(uint32_t ptr, uint32_t len) {
  put32(0, ptr);
  put32(4, len);
  return ret;
}

/* ---- typed --------------------------------------------------------------- */

/* point: x@0, y@8, name@16 (ptr, len); the name is copied and freed after. */
EXPORT("echo-record")
uint8_t *echo_record(int32_t x, double y, const char *name, uint32_t len) {
  char *n = copy(name, len);
  own(0, n);
  put32(0, (uint32_t)x);
  memcpy(ret + 8, &y, 8);
  put32(16, (uint32_t)(uintptr_t)n);
  put32(20, len);
  return ret;
}
EXPORT("cabi_post_echo-record") void post_record(uint8_t *r) { (void)r; free_owned(); }

/* shape: flat (disc, slot1, slot2); memory: disc@0, payload@4. circle's f32
 * arrives as its bits in the joined i32 slot. */
EXPORT("echo-variant") uint8_t *echo_variant(uint32_t disc, uint32_t a, uint32_t b) {
  memset(ret, 0, 12);
  ret[0] = (uint8_t)disc;
  switch (disc) {
  case 0: put32(4, a); break;
  case 1: put32(4, a); put32(8, b); break;
  case 2: {
    char *s = copy((const char *)(uintptr_t)a, b);
    own(0, s);
    put32(4, (uint32_t)(uintptr_t)s);
    put32(8, b);
    break;
  }
  default: break;
  }
  return ret;
}
EXPORT("cabi_post_echo-variant") void post_variant(uint8_t *r) { (void)r; free_owned(); }

/* result<list<u8>, string>: disc@0, (ptr, len)@4 either way. */
EXPORT("echo-result") uint8_t *echo_result(uint32_t disc, uint32_t ptr, uint32_t len) {
  ret[0] = (uint8_t)disc;
  put32(4, ptr);
  put32(8, len);
  return ret;
}

/* flags of 40 labels: two i32 words, stored as 8 bytes. */
EXPORT("echo-flags") uint8_t *echo_flags(uint32_t lo, uint32_t hi) {
  put32(0, lo);
  put32(4, hi);
  return ret;
}

/* option<u64>: flat (disc, i64); memory disc@0, value@8. */
EXPORT("echo-option-u64") uint8_t *echo_option_u64(uint32_t disc, uint64_t v) {
  memset(ret, 0, 16);
  ret[0] = (uint8_t)disc;
  if (disc) put64(8, v);
  return ret;
}

EXPORT("echo-string") uint8_t *echo_string(const char *p, uint32_t len) {
  char *s = copy(p, len);
  own(0, s);
  if (len) free((void *)p);  /* the argument was given to us */
  put32(0, (uint32_t)(uintptr_t)s);
  put32(4, len);
  return ret;
}
EXPORT("cabi_post_echo-string") void post_string(uint8_t *r) { (void)r; free_owned(); }

/* list<string>: a deep copy, freed (strings and array) after lifting. */
static uint32_t *list_copy;
static uint32_t list_len;
EXPORT("echo-list-of-strings")
uint8_t *echo_list_of_strings(const uint32_t *items, uint32_t len) {
  list_copy = malloc(8 * (len ? len : 1));
  list_len = len;
  for (uint32_t i = 0; i < len; i++) {
    list_copy[2 * i] = (uint32_t)(uintptr_t)copy((const char *)(uintptr_t)items[2 * i],
                                                 items[2 * i + 1]);
    list_copy[2 * i + 1] = items[2 * i + 1];
  }
  put32(0, (uint32_t)(uintptr_t)list_copy);
  put32(4, len);
  return ret;
}
EXPORT("cabi_post_echo-list-of-strings") void post_list(uint8_t *r) {
  (void)r;
  for (uint32_t i = 0; i < list_len; i++) free((void *)(uintptr_t)list_copy[2 * i]);
  free(list_copy);
  list_copy = NULL;
}

/* 18 flat params: they arrive as one pointer to the params tuple, whose
 * layout is the result tuple's; the copy is freed after lifting. */
#define MANY_SIZE 72  /* the tuple's layout: the string at 56, the u8s at 64..68, align 8 */
EXPORT("echo-many") uint8_t *echo_many(uint8_t *params) {
  uint8_t *r = malloc(MANY_SIZE);
  memcpy(r, params, MANY_SIZE);
  own(0, r);
  own(1, params);
  return r;
}
EXPORT("cabi_post_echo-many") void post_many(uint8_t *r) { (void)r; free_owned(); }

/* ---- calling the host ------------------------------------------------------ */

IMPORT("reverse") void host_reverse(const char *p, uint32_t len, uint8_t *retarea);
IMPORT("sum-many") uint64_t host_sum_many(const uint32_t *tuple);
IMPORT("[resource-drop]thing") void host_drop_thing(uint32_t handle);

EXPORT("call-host") uint8_t *call_host(const char *p, uint32_t len) {
  static _Alignas(4) uint8_t area[8];
  host_reverse(p, len, area);
  memcpy(ret, area, 8);
  uint32_t got;
  memcpy(&got, area, 4);
  if (len) own(0, (void *)(uintptr_t)got);  /* the host allocated it with cabi_realloc */
  if (len) own(1, (void *)p);
  return ret;
}
EXPORT("cabi_post_call-host") void post_call_host(uint8_t *r) { (void)r; free_owned(); }

EXPORT("call-host-many") uint64_t call_host_many(void) {
  uint32_t t[17];
  for (uint32_t i = 0; i < 17; i++) t[i] = i + 1;
  return host_sum_many(t);
}

EXPORT("use-borrow") uint32_t use_borrow(uint32_t h) {
  host_drop_thing(h);
  return h;
}

/* ---- a misbehaving guest ---------------------------------------------------- */

/* A return area that is misaligned for the results it should hold. */
EXPORT("bad-retptr") uint8_t *bad_retptr(void) { return ret + 1; }
