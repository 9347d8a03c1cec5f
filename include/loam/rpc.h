/*
 * loam/rpc.h — golem:rpc's dynamic values and worker addresses, as the
 * worker-to-worker RPC layer and its tests use them.
 *
 * A wit-value (golem:rpc@0.1.0 `types.wit-value`) is a typed value flattened
 * into a list of nodes, node 0 the root; composite nodes refer to their
 * children by index. Here a wit-value is held as the loam_value the
 * canonical ABI lifts from a guest: a record of one field `nodes`, a list of
 * `wit-node` variant values (case numbers in the order of the WIT: 0
 * record-value, 1 variant-value, 2 enum-value, 3 flags-value, 4 tuple-value,
 * 5 list-value, 6 option-value, 7 result-value, 8 prim-u8 ... 20
 * prim-string; see LOAM_WITNODE_*).
 *
 * How each WIT type travels: record -> record-value (children in field
 * order); variant -> variant-value (case, child or none); enum -> enum-value
 * (case); flags -> flags-value (one bool per flag, in order); tuple ->
 * tuple-value; list -> list-value; option -> option-value (child or none);
 * result -> result-value (ok or err, each with child or none); bool, ints,
 * floats, char, string -> the prim-* case of exactly that type (no widening:
 * a u8 is prim-u8, an f32 prim-float32). Aliases are what they stand for.
 * Resource handles (own/borrow) cannot travel: LOAM_ERR_ARGUMENT.
 *
 * Node order: loam writes pre-order, depth first — a parent, then each
 * child's whole subtree in order — so every child comes after its parent.
 * Reading accepts any order as long as the nodes form one tree from node 0
 * that uses every node exactly once.
 *
 * Conversion is type-directed both ways: a wit-value means nothing without
 * the WIT type it is checked against (a record's field names are not in the
 * tree, only their order). Errors name the path into the value the way the
 * JSON mapping does (".field", "[index]", ".<case>", ".ok"/".err", ".some"
 * only for an option of an option) and the node, e.g.
 * "params[0].items[2].price: node 7 is prim-string, expected f32".
 *
 * Ownership: every function returns a new tree the caller frees with
 * loam_value_free; inputs are borrowed. Errors other than
 * LOAM_ERR_ARGUMENT: LOAM_ERR_NOMEM when out of memory.
 */
#ifndef LOAM_RPC_H
#define LOAM_RPC_H

#include "loam/types.h"
#include "loam/value.h"
#include "loam/wasm.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
  LOAM_WITNODE_RECORD = 0, LOAM_WITNODE_VARIANT, LOAM_WITNODE_ENUM, LOAM_WITNODE_FLAGS,
  LOAM_WITNODE_TUPLE, LOAM_WITNODE_LIST, LOAM_WITNODE_OPTION, LOAM_WITNODE_RESULT,
  LOAM_WITNODE_U8, LOAM_WITNODE_U16, LOAM_WITNODE_U32, LOAM_WITNODE_U64,
  LOAM_WITNODE_S8, LOAM_WITNODE_S16, LOAM_WITNODE_S32, LOAM_WITNODE_S64,
  LOAM_WITNODE_F32, LOAM_WITNODE_F64, LOAM_WITNODE_CHAR, LOAM_WITNODE_BOOL,
  LOAM_WITNODE_STRING,
  LOAM_WITNODE_COUNT
};

/* The name of a wit-node case ("record-value", "prim-u8", ...), or "?". */
const char *loam_witnode_name(uint32_t kind);

/* A typed value -> a wit-value. `wit_value_type` is the record type
 * golem:rpc/types.wit-value as resolved in the WIT the result will be
 * lowered with: every value in the result has exactly the type object that
 * WIT gives its position (list, variant, case payload types are taken from
 * it). A type of another shape is LOAM_ERR_ARGUMENT ("not a golem:rpc
 * wit-value type ..."); so are values holding own/borrow handles (the
 * message names the path, e.g. "items[0].owner: a resource handle
 * (own<file>) cannot be sent in a wit-value"). */
loam_value *loam_witvalue_from_value(const loam_value *v, const loam_type *wit_value_type,
                                     loam_error *err);

/* A wit-value -> a typed value of type `t`, checked node by node: wrong node
 * kinds, out-of-range indices, cycles or shared nodes, unused nodes, wrong
 * counts (record fields, tuple items, flags), out-of-range case or enum
 * numbers, payloads missing or extra for a case, chars that are not
 * Unicode scalar values, strings that are not UTF-8 and handle types are
 * LOAM_ERR_ARGUMENT with a message starting with `path` (e.g. "params[1]";
 * may be NULL). `wv` must be a value of a wit-value type (as lifted). */
loam_value *loam_witvalue_to_value(const loam_value *wv, const loam_type *t,
                                   const char *path, loam_error *err);

/* Several values as one tuple-value wit-value (how a function's results
 * travel: a tuple of its 0, 1 or more results, as Golem does — the root is
 * a tuple-value even for 0 or 1 result), and back: `types` has n entries
 * (each v[i] must be of types[i]'s kind), out receives n new values. Paths
 * in messages are "<path>[i]..." ("[i]..." from from_values). On failure
 * out holds n NULLs. */
loam_value *loam_witvalue_from_values(loam_value *const *v, const loam_type *const *types,
                                      size_t n, const loam_type *wit_value_type,
                                      loam_error *err);
bool loam_witvalue_to_values(const loam_value *wv, const loam_type *const *types, size_t n,
                             const char *path, loam_value **out, loam_error *err);

/* A worker address, "worker://<template-id-or-name>/<worker-name>". */
typedef struct loam_worker_uri {
  char template_ref[128];   /* a template name, or its numeric id */
  char worker[128];
} loam_worker_uri;

/* Parses a URI into out; false with LOAM_ERR_ARGUMENT "bad worker URI
 * \"<text>\": <what is wrong>" (not worker://<template>/<worker>; an empty
 * or over-long part (127 bytes at most); a '/' in the worker name (as
 * worker names cannot have one); control characters, spaces around a part,
 * or text that is not UTF-8). Only the syntax is checked: whether the
 * template exists is the caller's question. */
bool loam_worker_uri_parse(const char *text, loam_worker_uri *out, loam_error *err);

#ifdef __cplusplus
}
#endif
#endif
