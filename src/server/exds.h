/* exds.h — read access to the executor's store (see exds.c for why). */
#ifndef LOAM_SRV_EXDS_H
#define LOAM_SRV_EXDS_H

#include "durable/store.h"
#include "loam/executor.h"

loam_ds *srv_executor_store(loam_executor *ex);

#endif
