/* exds.c — the one place the server reaches past include/loam/executor.h:
 * the executor's store, for reads the public API does not offer yet (a
 * worker's oplog entries, env and args). Read-only use; see h_workers.c. */
#include "executor/executor_int.h"
#include "exds.h"

loam_ds *srv_executor_store(loam_executor *ex) { return ex->ds; }
