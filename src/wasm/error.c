/* error.c — filling loam_error values, and the spec's wording for traps. */
#include "module.h"
#include <stdarg.h>
#include <stdio.h>

bool wasm_fail(loam_error *err, loam_status code, const char *fmt, ...) {
  if (!err) return false;
  va_list ap;
  err->code = code;
  err->exit_code = 0;
  err->backtrace[0] = '\0';
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  return false;
}

const char *loam_status_text(loam_status s) {
  switch (s) {
  case LOAM_OK: return "ok";
  case LOAM_ERR_MALFORMED: return "malformed module";
  case LOAM_ERR_INVALID: return "invalid module";
  case LOAM_ERR_UNKNOWN_IMPORT: return "unknown import";
  case LOAM_ERR_IMPORT_TYPE: return "incompatible import type";
  case LOAM_ERR_LIMIT: return "limit exceeded";
  case LOAM_ERR_NOT_FOUND: return "not found";
  case LOAM_ERR_ARGUMENT: return "bad argument";
  case LOAM_ERR_NOMEM: return "out of memory";
  case LOAM_TRAP_UNREACHABLE: return "unreachable";
  case LOAM_TRAP_DIV_ZERO: return "integer divide by zero";
  case LOAM_TRAP_INT_OVERFLOW: return "integer overflow";
  case LOAM_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
  case LOAM_TRAP_OOB_MEMORY: return "out of bounds memory access";
  case LOAM_TRAP_OOB_TABLE: return "out of bounds table access";
  case LOAM_TRAP_INDIRECT_TYPE: return "indirect call type mismatch";
  case LOAM_TRAP_UNDEFINED_ELEMENT: return "undefined element";
  case LOAM_TRAP_UNINITIALIZED_ELEMENT: return "uninitialized element";
  case LOAM_TRAP_STACK_EXHAUSTED: return "call stack exhausted";
  case LOAM_TRAP_INTERRUPTED: return "interrupted";
  case LOAM_TRAP_FUEL: return "fuel exhausted";
  case LOAM_TRAP_DEADLINE: return "deadline exceeded";
  case LOAM_TRAP_HOST: return "host function failed";
  case LOAM_TRAP_EXIT: return "exit";
  }
  return "unknown status";
}
