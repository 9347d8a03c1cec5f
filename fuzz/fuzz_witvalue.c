/*
 * fuzz_witvalue.c — libFuzzer target: arbitrary bytes as a golem:rpc
 * wit-value (its binary value encoding, src/value/binary.c), converted to
 * one of the value fuzz targets' fixed types (the first byte picks it; see
 * value_fuzz.h). Errors are fine; a crash, a sanitizer report, an error
 * that is not LOAM_ERR_ARGUMENT, or a value that does not come back equal
 * through a fresh wit-value (and through JSON, WAVE and binary) is a bug. Seeds (fuzz/corpus/witvalue/) are a
 * type byte followed by the encoding of a wit-value loam made.
 */
#include "value_fuzz.h"
#include "loam/rpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static loam_typectx *wv_cx;
static const loam_type *wv_type;

/* golem:rpc's wit-value, built by hand with the shape of
 * wit/deps/golem-rpc/types.wit (names do not matter to the conversion). */
static const loam_type *wit_value_type(void) {
  if (wv_type) return wv_type;
  loam_typectx *cx = wv_cx = loam_typectx_new();
  const loam_type *idx = P(LOAM_T_S32), *u32 = P(LOAM_T_U32);
  const loam_type *lidx = loam_type_list(cx, idx), *oidx = loam_type_option(cx, idx);
  const loam_field cases[LOAM_WITNODE_COUNT] = {
      {"record-value", lidx},
      {"variant-value", loam_type_tuple(cx, 2, (const loam_type *[]){u32, oidx})},
      {"enum-value", u32},
      {"flags-value", loam_type_list(cx, P(LOAM_T_BOOL))},
      {"tuple-value", lidx},
      {"list-value", lidx},
      {"option-value", oidx},
      {"result-value", loam_type_result(cx, oidx, oidx)},
      {"prim-u8", P(LOAM_T_U8)},
      {"prim-u16", P(LOAM_T_U16)},
      {"prim-u32", u32},
      {"prim-u64", P(LOAM_T_U64)},
      {"prim-s8", P(LOAM_T_S8)},
      {"prim-s16", P(LOAM_T_S16)},
      {"prim-s32", idx},
      {"prim-s64", P(LOAM_T_S64)},
      {"prim-float32", P(LOAM_T_F32)},
      {"prim-float64", P(LOAM_T_F64)},
      {"prim-char", P(LOAM_T_CHAR)},
      {"prim-bool", P(LOAM_T_BOOL)},
      {"prim-string", P(LOAM_T_STRING)},
  };
  const loam_type *node = loam_type_variant(cx, "wit-node", LOAM_WITNODE_COUNT, cases);
  wv_type = loam_type_record(cx, "wit-value", 1,
                             (loam_field[]){{"nodes", loam_type_list(cx, node)}});
  return wv_type;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const loam_type *t = fuzz_pick(&data, &size);
  if (!t) return 0;
  const loam_type *wt = wit_value_type();
  loam_verr verr;
  size_t used = 0;
  loam_value *wv = loam_value_decode(wt, data, size, &used, &verr);
  if (!wv) return 0;
  loam_error err;
  loam_value *v = loam_witvalue_to_value(wv, t, "arg", &err);
  if (v) {
    /* what decoded encodes again (it holds no handle) and reads back equal */
    loam_value *again = loam_witvalue_from_value(v, wt, &err);
    FUZZ_CHECK(again);
    loam_value *w = loam_witvalue_to_value(again, t, "arg", &err);
    FUZZ_CHECK(w && loam_value_equal(v, w));
    loam_value_free(w);
    loam_value_free(again);
    fuzz_round_trips(v);  /* and it is a value like any other */
    loam_value_free(v);
  } else {
    FUZZ_CHECK(err.code == LOAM_ERR_ARGUMENT && !strncmp(err.message, "arg", 3));
  }
  /* the same nodes as a function's two results */
  loam_value *out[2];
  const loam_type *types[2] = {t, P(LOAM_T_STRING)};
  if (loam_witvalue_to_values(wv, types, 2, "result", out, &err)) {
    loam_value *again = loam_witvalue_from_values(out, types, 2, wt, &err);
    FUZZ_CHECK(again);
    loam_value_free(again);
    loam_value_free(out[0]);
    loam_value_free(out[1]);
  } else {
    FUZZ_CHECK(!out[0] && !out[1] && err.code == LOAM_ERR_ARGUMENT);
  }
  loam_value_free(wv);
  return 0;
}
