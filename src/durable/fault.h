/* fault.h — named crash points for tests: LOAM_FAULT=<point>[:<n>] makes the
 * process _exit(99) the n-th time (default 1st) it passes <point>. */
#ifndef LOAM_DURABLE_FAULT_H
#define LOAM_DURABLE_FAULT_H

#include <stdbool.h>

/* Exit code of a process stopped by a fault point. */
#define LOAM_FAULT_EXIT 99

/* Call at a named point. A no-op (one relaxed atomic load) unless LOAM_FAULT
 * names this point; then it counts passes and calls _exit(LOAM_FAULT_EXIT)
 * on the n-th. Thread-safe. The environment is read on the first call.
 *
 * Points owned by src/durable (the store):
 *   "before-commit"   a group-commit batch is written but not yet committed
 *   "after-commit"    a batch is committed (durable) but no waiter is told yet
 *   "snapshot-write"  mid-way through a snapshot's transaction (some pages
 *                     written, metadata not yet, nothing committed)
 * The executor adds its own (e.g. "mid-invocation", "after-host-call"),
 * and for worker-to-worker calls (src/executor/rpc*.c):
 *   "rpc-before-send"  the RPC_CALL is appended, the callee not yet invoked
 *   "rpc-after-send"   the callee answered, the RPC_RESULT not yet appended
 *   "rpc-after-result" the RPC_RESULT is appended
 * Any name works, there is no registry. */
void loam_fault_point(const char *name);

/* Re-reads the spec from `spec` (same syntax as LOAM_FAULT; NULL or "" turns
 * faults off) and resets the pass counter. For tests, e.g. in a forked child
 * before it starts work. Returns false (and turns faults off) if the spec is
 * malformed. */
bool loam_fault_configure(const char *spec);

#endif
