/*
 * fuzz_wit.c — libFuzzer target: arbitrary bytes as a single-file WIT
 * package. Parsing and resolving must never crash; errors are fine. When the
 * input resolves, its printed form must resolve too and print identically
 * (the `loam wit print` round-trip promise), else the target aborts.
 */
#include "loam/wit.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  loam_error err;
  loam_wit *w = loam_wit_load_text("fuzz.wit", (const char *)data, size, &err);
  if (!w) return 0;
  char *text = loam_wit_print(w, NULL, &err);
  loam_wit_free(w);
  if (!text) return 0;
  loam_wit *again = loam_wit_load_text("printed.wit", text, strlen(text), &err);
  if (!again) abort();
  char *text2 = loam_wit_print(again, NULL, &err);
  loam_wit_free(again);
  if (!text2 || strcmp(text, text2)) abort();
  free(text);
  free(text2);
  return 0;
}
