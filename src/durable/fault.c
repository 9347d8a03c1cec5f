/* fault.c — LOAM_FAULT=<point>[:<n>]: crash the process on purpose at named
 * points, so tests can check what a crash there leaves behind. */
#include "durable/fault.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_once_t fault_once = PTHREAD_ONCE_INIT;
static atomic_bool fault_on;
static char fault_name[128];
static uint64_t fault_target;       /* exit on this pass (1-based) */
static atomic_uint_fast64_t fault_passes;

/* Parses "name[:n]" into the globals; false when malformed. */
static bool fault_parse(const char *spec) {
  atomic_store(&fault_on, false);
  atomic_store(&fault_passes, 0);
  if (!spec || !*spec) return true;
  const char *colon = strchr(spec, ':');
  size_t name_len = colon ? (size_t)(colon - spec) : strlen(spec);
  if (name_len == 0 || name_len >= sizeof fault_name) return false;
  uint64_t n = 1;
  if (colon) {
    char *end = NULL;
    unsigned long long v = strtoull(colon + 1, &end, 10);
    if (!colon[1] || *end || v == 0 || colon[1] == '-') return false;
    n = v;
  }
  memcpy(fault_name, spec, name_len);
  fault_name[name_len] = '\0';
  fault_target = n;
  atomic_store(&fault_on, true);
  return true;
}

static void fault_init(void) {
  if (!fault_parse(getenv("LOAM_FAULT"))) atomic_store(&fault_on, false);
}

bool loam_fault_configure(const char *spec) {
  pthread_once(&fault_once, fault_init);   /* so a later first call won't re-read env */
  if (fault_parse(spec)) return true;
  atomic_store(&fault_on, false);
  return false;
}

void loam_fault_point(const char *name) {
  pthread_once(&fault_once, fault_init);
  if (!atomic_load_explicit(&fault_on, memory_order_relaxed)) return;
  if (strcmp(name, fault_name) != 0) return;
  if (atomic_fetch_add(&fault_passes, 1) + 1 == fault_target) _exit(LOAM_FAULT_EXIT);
}
