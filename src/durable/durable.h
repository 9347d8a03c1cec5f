/* durable.h — the storage half of durable workers in one include: the store
 * (store.h), the oplog entry format (oplog.h) and fault points (fault.h). */
#ifndef LOAM_DURABLE_H
#define LOAM_DURABLE_H

#include "durable/fault.h"
#include "durable/oplog.h"
#include "durable/store.h"

#endif
