/*
 * fuzz_oplog.c — libFuzzer target: decode arbitrary bytes as an oplog entry.
 * Errors are fine; a crash, a sanitizer report, a decoded entry whose
 * re-encoding does not decode to the same bytes again, or a printer failure
 * is a bug.
 */
#include <stdlib.h>
#include <string.h>

#include "durable/oplog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  loam_oplog_entry e, e2;
  loam_error err;
  char *j = loam_oplog_bytes_to_json(1, data, size, NULL, NULL);
  if (!j) abort();
  free(j);
  if (!loam_oplog_decode(data, size, &e, &err)) return 0;
  /* LEB128 may be non-minimal in the input, so compare encodings, not the
   * input: encode, decode, encode again must give the same bytes */
  loam_buf a = {0}, b = {0};
  if (!loam_oplog_encode(&e, &a)) abort();
  if (!loam_oplog_decode(a.data, a.len, &e2, &err)) abort();
  if (!loam_oplog_encode(&e2, &b)) abort();
  if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0) abort();
  loam_oplog_entry_free(&e);
  loam_oplog_entry_free(&e2);
  loam_buf_free(&a);
  loam_buf_free(&b);
  return 0;
}
