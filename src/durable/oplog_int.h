/* oplog_int.h — the per-kind field tables shared by the oplog encoder,
 * decoder and JSON printer (one description of each kind's layout). */
#ifndef LOAM_DURABLE_OPLOG_INT_H
#define LOAM_DURABLE_OPLOG_INT_H

#include "durable/oplog.h"

typedef enum oplog_ftype {
  OF_STR,      /* char* */
  OF_BYTES,    /* loam_oplog_bytes */
  OF_U8,       /* uint8_t */
  OF_BOOL,     /* bool */
  OF_U32,      /* uint32_t */
  OF_U64,      /* uint64_t */
  OF_F64,      /* double */
  OF_STRLIST,  /* char** at off, size_t count at off2 */
} oplog_ftype;

/* How a byte field is shown in JSON. */
typedef enum oplog_show { SHOW_HEX, SHOW_TEXT, SHOW_PARAMS, SHOW_RESULT } oplog_show;

typedef struct oplog_field {
  oplog_ftype type;
  const char *json;   /* its JSON member name */
  size_t off, off2;   /* offsets in loam_oplog_entry */
  oplog_show show;
} oplog_field;

typedef struct oplog_layout {
  const char *name;
  const oplog_field *fields;
  size_t count;
} oplog_layout;

/* The layout of `kind`, or NULL for an unknown kind. */
const oplog_layout *oplog_layout_of(int kind);

#endif
