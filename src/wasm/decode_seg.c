/*
 * decode_seg.c — the decoder's expression-level pieces: constant
 * expressions (with a skipper for any other instruction, so a non-constant
 * expression still decodes and validation can say "constant expression
 * required"), the element and data sections, and the `name` section.
 */
#include "decode.h"
#include <stdlib.h>
#include <string.h>

static bool skip_u32(wdec *d) {
  uint32_t v;
  return wdec_u32(d, &v);
}

static bool skip_bytes(wdec *d, size_t n) {
  if (d->r.end - d->r.pos < n) {
    d->r.pos = d->r.end;
    return wdec_fail(d, d->r.end, "unexpected end of section or function");
  }
  d->r.pos += n;
  return true;
}

/* A block type: 0x40, a value type, or a type index as a signed 33-bit LEB. */
static bool skip_blocktype(wdec *d) {
  int64_t v;
  if (d->r.pos < d->r.end) {
    uint8_t b = d->r.bytes[d->r.pos];
    if (b == 0x40 || (b >= 0x6F && b <= 0x7F)) return skip_bytes(d, 1);
  }
  return wasm_read_sleb(&d->r, 33, &v) || wdec_reader_fail(d);
}

/* The 0xFC-prefixed instructions' immediates. */
static bool skip_prefixed(wdec *d, size_t at) {
  uint32_t sub;
  if (!wdec_u32(d, &sub)) return false;
  switch (sub) {
  case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7: return true;
  case 8: return skip_u32(d) && skip_bytes(d, 1);        /* memory.init */
  case 9: case 13: case 15: case 16: case 17: return skip_u32(d);
  case 10: return skip_bytes(d, 2);                      /* memory.copy */
  case 11: return skip_bytes(d, 1);                      /* memory.fill */
  case 12: case 14: return skip_u32(d) && skip_u32(d);   /* table.init/copy */
  }
  return wdec_fail(d, at, "illegal opcode");
}

/* Skips the immediates of a non-constant instruction `op` (read at `at`);
 * *depth tracks nested blocks so the expression's own `end` is found. */
static bool skip_instr(wdec *d, uint8_t op, size_t at, unsigned *depth) {
  if (op >= 0x45 && op <= 0xC4) return true; /* numeric: no immediates */
  if (op >= 0x28 && op <= 0x3E) return skip_u32(d) && skip_u32(d); /* memarg */
  switch (op) {
  case 0x00: case 0x01: case 0x05: case 0x0F: case 0x1A: case 0x1B: case 0xD1:
    return true;
  case 0x02: case 0x03: case 0x04:
    (*depth)++;
    return skip_blocktype(d);
  case 0x0C: case 0x0D: case 0x10: case 0x20: case 0x21: case 0x22: case 0x24:
  case 0x25: case 0x26:
    return skip_u32(d);
  case 0x0E: {
    uint32_t n;
    if (!wdec_len(d, &n)) return false;
    for (uint64_t i = 0; i <= n; i++)
      if (!skip_u32(d)) return false;
    return true;
  }
  case 0x11: return skip_u32(d) && skip_u32(d);
  case 0x1C: {
    uint32_t n;
    uint8_t t;
    if (!wdec_len(d, &n)) return false;
    for (uint32_t i = 0; i < n; i++)
      if (!wdec_valtype(d, &t)) return false;
    return true;
  }
  case 0x3F: case 0x40: return skip_bytes(d, 1);
  case 0xFC: return skip_prefixed(d, at);
  }
  return wdec_fail(d, at, "illegal opcode");
}

/* Decodes a constant instruction into *c; false with *is_const = false if
 * `op` is not one. */
static bool const_instr(wdec *d, uint8_t op, wasm_constexpr *c, bool *is_const) {
  int64_t v;
  uint32_t u;
  uint64_t u64;
  *is_const = true;
  switch (op) {
  case 0x41:
    if (!wasm_read_sleb(&d->r, 32, &v)) return wdec_reader_fail(d);
    c->kind = WASM_CONST_I32;
    c->bits = (uint32_t)v;
    return true;
  case 0x42:
    if (!wasm_read_sleb(&d->r, 64, &v)) return wdec_reader_fail(d);
    c->kind = WASM_CONST_I64;
    c->bits = (uint64_t)v;
    return true;
  case 0x43:
    if (!wasm_read_fixed32(&d->r, &u)) return wdec_reader_fail(d);
    c->kind = WASM_CONST_F32;
    c->bits = u;
    return true;
  case 0x44:
    if (!wasm_read_fixed64(&d->r, &u64)) return wdec_reader_fail(d);
    c->kind = WASM_CONST_F64;
    c->bits = u64;
    return true;
  case 0xD0:
    c->kind = WASM_CONST_REF_NULL;
    return wdec_reftype(d, &c->type);
  case 0xD2:
    c->kind = WASM_CONST_REF_FUNC;
    return wdec_u32(d, &c->index);
  case 0x23:
    c->kind = WASM_CONST_GLOBAL_GET;
    return wdec_u32(d, &c->index);
  }
  *is_const = false;
  return false;
}

/* A constant expression up to its `end`. Exactly one constant instruction
 * gives that instruction; only constant ones but not one gives ARITY; any
 * other instruction gives INVALID (validation reports each). */
bool wdec_constexpr(wdec *d, wasm_constexpr *out) {
  unsigned count = 0, depth = 0;
  bool nonconst = false;
  size_t start = d->r.pos;
  memset(out, 0, sizeof *out);
  for (;;) {
    size_t at = d->r.pos;
    uint8_t op;
    bool is_const;
    wasm_constexpr one = {.offset = (uint32_t)at};
    if (!wdec_u8(d, &op)) return false;
    if (op == 0x0B) {
      if (depth == 0) break;
      depth--;
      continue;
    }
    if (const_instr(d, op, &one, &is_const)) {
      if (count++ == 0) *out = one;
      continue;
    }
    if (is_const) return false; /* a constant instruction that failed to read */
    nonconst = true;
    if (!skip_instr(d, op, at, &depth)) return false;
  }
  uint32_t offset = (uint32_t)start;
  if (nonconst) {
    memset(out, 0, sizeof *out);
    out->kind = WASM_CONST_INVALID;
  } else if (count != 1) {
    memset(out, 0, sizeof *out);
    out->kind = WASM_CONST_ARITY;
  }
  out->offset = offset;
  return true;
}

/* ---- element segments ------------------------------------------------------ */

/* The function-index form: vec(funcidx) as ref.func expressions. */
static bool elem_func_indices(wdec *d, wasm_elem *e) {
  uint32_t n;
  if (!wdec_len(d, &n)) return false;
  e->items = calloc(n ? n : 1, sizeof *e->items);
  if (!e->items) return wasm_fail(d->err, LOAM_ERR_NOMEM, "out of memory");
  for (uint32_t i = 0; i < n; i++) {
    wasm_constexpr *c = &e->items[i];
    c->offset = (uint32_t)d->r.pos;
    c->kind = WASM_CONST_REF_FUNC;
    if (!wdec_u32(d, &c->index)) return false;
  }
  e->count = n;
  return true;
}

static bool elem_exprs(wdec *d, wasm_elem *e) {
  uint32_t n;
  if (!wdec_len(d, &n)) return false;
  e->items = calloc(n ? n : 1, sizeof *e->items);
  if (!e->items) return wasm_fail(d->err, LOAM_ERR_NOMEM, "out of memory");
  for (uint32_t i = 0; i < n; i++)
    if (!wdec_constexpr(d, &e->items[i])) return false;
  e->count = n;
  return true;
}

static bool elem_kind(wdec *d, wasm_elem *e) {
  size_t at = d->r.pos;
  uint8_t k;
  if (!wdec_u8(d, &k)) return false;
  if (k != 0x00) return wdec_fail(d, at, "malformed element kind");
  e->elemtype = LOAM_FUNCREF;
  return true;
}

/* The eight encodings: bit 0 = passive/declarative (else active), bit 1 =
 * explicit table index (active) or declarative, bit 2 = expressions instead
 * of function indices (with a reftype instead of an elemkind). */
static bool read_elem(wdec *d, wasm_elem *e) {
  size_t at = d->r.pos;
  uint32_t flags;
  if (!wdec_u32(d, &flags)) return false;
  if (flags > 7) return wdec_fail(d, at, "malformed elements segment kind");
  bool passive_or_decl = flags & 1, bit1 = flags & 2, exprs = flags & 4;
  e->elemtype = LOAM_FUNCREF;
  if (!passive_or_decl) {
    e->mode = WASM_SEG_ACTIVE;
    if (bit1 && !wdec_u32(d, &e->table)) return false;
    if (!wdec_constexpr(d, &e->offset)) return false;
  } else {
    e->mode = bit1 ? WASM_SEG_DECLARATIVE : WASM_SEG_PASSIVE;
  }
  bool has_type = passive_or_decl || bit1; /* forms 0 and 4 imply funcref */
  if (exprs) {
    if (has_type && !wdec_reftype(d, &e->elemtype)) return false;
    return elem_exprs(d, e);
  }
  if (has_type && !elem_kind(d, e)) return false;
  return elem_func_indices(d, e);
}

bool wdec_sec_elem(wdec *d) {
  wasm_module *m = d->m;
  uint32_t n;
  if (!wdec_len(d, &n)) return false;
  m->elems = calloc(n ? n : 1, sizeof *m->elems);
  if (!m->elems) return wasm_fail(d->err, LOAM_ERR_NOMEM, "out of memory");
  for (uint32_t i = 0; i < n; i++) {
    m->nelems = i + 1; /* so a partly read segment is freed */
    if (!read_elem(d, &m->elems[i])) return false;
  }
  return true;
}

/* ---- data segments --------------------------------------------------------- */

static bool data_bytes(wdec *d, wasm_data *s) {
  uint32_t n;
  if (!wdec_len(d, &n)) return false;
  s->bytes.off = (uint32_t)d->r.pos;
  s->bytes.len = n;
  return skip_bytes(d, n);
}

static bool read_data(wdec *d, wasm_data *s) {
  size_t at = d->r.pos;
  uint32_t flags;
  if (!wdec_u32(d, &flags)) return false;
  switch (flags) {
  case 0:
    s->mode = WASM_SEG_ACTIVE;
    return wdec_constexpr(d, &s->offset) && data_bytes(d, s);
  case 1:
    s->mode = WASM_SEG_PASSIVE;
    return data_bytes(d, s);
  case 2:
    s->mode = WASM_SEG_ACTIVE;
    return wdec_u32(d, &s->memory) && wdec_constexpr(d, &s->offset) &&
           data_bytes(d, s);
  }
  return wdec_fail(d, at, "malformed data segment kind");
}

bool wdec_sec_data(wdec *d) {
  wasm_module *m = d->m;
  uint32_t n;
  if (!wdec_len(d, &n)) return false;
  m->datas = calloc(n ? n : 1, sizeof *m->datas);
  if (!m->datas) return wasm_fail(d->err, LOAM_ERR_NOMEM, "out of memory");
  m->ndatas = n;
  for (uint32_t i = 0; i < n; i++)
    if (!read_data(d, &m->datas[i])) return false;
  return true;
}

/* ---- the name section ------------------------------------------------------ */

static void name_funcs(wdec *d) {
  wasm_module *m = d->m;
  uint32_t n;
  if (!wdec_len(d, &n)) return;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t idx;
    char *name;
    if (!wdec_u32(d, &idx) || !wdec_name(d, &name)) return;
    if (idx < m->nfuncs && !m->funcs[idx].name) m->funcs[idx].name = name;
    else free(name);
  }
}

void wdec_name_section(wasm_module *m, wasm_span contents) {
  wdec d = {.r = {m->bytes, contents.off, (size_t)contents.off + contents.len, NULL},
            .m = m, .err = NULL, .sec = "name"};
  while (d.r.pos < d.r.end) {
    uint8_t id;
    uint32_t size;
    if (!wdec_u8(&d, &id) || !wdec_len(&d, &size)) return;
    if (d.r.end - d.r.pos < size) return;
    size_t end = d.r.pos + size, outer_end = d.r.end;
    d.r.end = end;
    if (id == 0 && !m->name) {
      char *name;
      if (wdec_name(&d, &name)) m->name = name;
    } else if (id == 1) {
      name_funcs(&d);
    }
    d.r.end = outer_end;
    d.r.error = NULL;
    d.r.pos = end;
  }
}
