/*
 * fuzz_wave.c — libFuzzer target: parse arbitrary bytes as WAVE text against one of a fixed set of types
 * (the first byte picks the type). Errors are fine; a crash, a sanitizer
 * report, or a decoded value that does not round-trip through JSON, WAVE and
 * binary is a bug.
 */
#include "value_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const loam_type *t = fuzz_pick(&data, &size);
  if (!t) return 0;
  loam_verr err;
  size_t used = 0;
  (void)used;
  loam_value *v = loam_value_from_wave(t, (const char *)data, size, &err);
  if (v) {
    fuzz_round_trips(v);
    loam_value_free(v);
  }
  return 0;
}
