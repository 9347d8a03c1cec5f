/*
 * decode.c — the WebAssembly 2.0 binary format into a wasm_module: header,
 * sections in order (custom sections anywhere), constant expressions, the
 * `name` section. Function bodies are only delimited here; validate.c
 * decodes them.
 *
 * Error wording follows the reference interpreter, which the spec suite's
 * assert_malformed messages come from. In particular a section's contents
 * are read against the end of the *file*, not the section, and the size is
 * compared afterwards ("section size mismatch"); a length is "out of bounds"
 * only when it exceeds the bytes left in the file. Reading never goes past
 * the end of the input, and no allocation is sized by a count before the
 * count has been checked against the bytes left.
 */
#include "decode.h"
#include "runtime.h"
#include <stdlib.h>
#include <string.h>

/* Section ids and the order rank in which they must appear. */
enum { SEC_CUSTOM = 0, SEC_TYPE, SEC_IMPORT, SEC_FUNC, SEC_TABLE, SEC_MEMORY,
       SEC_GLOBAL, SEC_EXPORT, SEC_START, SEC_ELEM, SEC_CODE, SEC_DATA,
       SEC_DATACOUNT, SEC_LIMIT };

static const char *const section_names[SEC_LIMIT] = {
    "custom", "type",  "import", "function", "table", "memory", "global",
    "export", "start", "element", "code",    "data",  "datacount"};

/* Datacount (12) sits between element (9) and code (10). */
static const uint8_t section_rank[SEC_LIMIT] = {0, 1, 2, 3, 4, 5, 6, 7, 8,
                                                 9, 11, 12, 10};

/* ---- primitives with the decoder's error reporting ---------------------- */

bool wdec_fail(wdec *d, size_t off, const char *why) {
  return wasm_fail(d->err, LOAM_ERR_MALFORMED, "section %s at offset 0x%zx: %s",
                   d->sec, off, why);
}

/* A failed reader call: report its reason at its position. Running off the
 * end inside a section gets the reference interpreter's longer wording. */
bool wdec_reader_fail(wdec *d) {
  const char *why = d->r.error ? d->r.error : "unexpected end";
  if (strcmp(why, "unexpected end") == 0 && strcmp(d->sec, "header") != 0)
    why = "unexpected end of section or function";
  return wdec_fail(d, d->r.pos, why);
}

bool wdec_u8(wdec *d, uint8_t *out) {
  return wasm_read_u8(&d->r, out) || wdec_reader_fail(d);
}

bool wdec_u32(wdec *d, uint32_t *out) {
  return wasm_read_u32(&d->r, out) || wdec_reader_fail(d);
}

/* A vector length or byte count: at most the bytes left, counted from the
 * length's own first byte (the reference interpreter's rule). */
bool wdec_len(wdec *d, uint32_t *out) {
  size_t at = d->r.pos;
  if (!wdec_u32(d, out)) return false;
  if (*out > d->r.end - at) return wdec_fail(d, at, "length out of bounds");
  return true;
}

/* True if [p, p+n) is well-formed UTF-8 (no overlongs, no surrogates, at
 * most U+10FFFF). */
static bool utf8_valid(const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = p[i];
    size_t extra;
    uint32_t cp, min;
    if (c < 0x80) { i++; continue; }
    if ((c & 0xE0) == 0xC0) { extra = 1; cp = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { extra = 2; cp = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { extra = 3; cp = c & 0x07; min = 0x10000; }
    else return false;
    if (n - i - 1 < extra) return false;
    for (size_t k = 1; k <= extra; k++) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = cp << 6 | (p[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

/* A name: length-prefixed UTF-8, returned as a NUL-terminated copy. */
bool wdec_name(wdec *d, char **out) {
  uint32_t len;
  return wdec_name_n(d, out, &len);
}

bool wdec_name_n(wdec *d, char **out, uint32_t *len) {
  size_t at = d->r.pos;
  uint32_t n;
  if (!wdec_len(d, &n)) return false;
  if (d->r.end - d->r.pos < n) {
    d->r.pos = d->r.end;
    return wdec_fail(d, d->r.end, "unexpected end of section or function");
  }
  const uint8_t *p = d->r.bytes + d->r.pos;
  if (!utf8_valid(p, n)) return wdec_fail(d, at, "malformed UTF-8 encoding");
  char *s = malloc((size_t)n + 1);
  if (!s) return wasm_fail(d->err, LOAM_ERR_NOMEM, "out of memory");
  if (n) memcpy(s, p, n);
  s[n] = '\0';
  d->r.pos += n;
  *out = s;
  *len = n;
  return true;
}

/* A count-sized array of `size`-byte elements, zeroed; the count has been
 * bounded by the input length already, so this cannot be huge. */
static bool alloc_array(wdec *d, void *out, size_t count, size_t size) {
  void *p = calloc(count ? count : 1, size);
  if (!p) return wasm_fail(d->err, LOAM_ERR_NOMEM, "out of memory");
  memcpy(out, &p, sizeof p);
  return true;
}

/* ---- types ----------------------------------------------------------------- */

bool wdec_reftype(wdec *d, uint8_t *out) {
  size_t at = d->r.pos;
  if (!wdec_u8(d, out)) return false;
  if (*out != LOAM_FUNCREF && *out != LOAM_EXTERNREF)
    return wdec_fail(d, at, "malformed reference type");
  return true;
}

bool wdec_valtype(wdec *d, uint8_t *out) {
  size_t at = d->r.pos;
  if (!wdec_u8(d, out)) return false;
  switch (*out) {
  case LOAM_I32: case LOAM_I64: case LOAM_F32: case LOAM_F64: case LOAM_V128:
  case LOAM_FUNCREF: case LOAM_EXTERNREF:
    return true;
  }
  return wdec_fail(d, at, "malformed value type");
}

/* Limits: a flag (0 = min only, 1 = min and max; read as a 1-bit LEB, hence
 * the spec's "integer too large" for 2), then the bounds. */
static bool read_limits(wdec *d, wasm_limits *out) {
  size_t at = d->r.pos;
  uint8_t flag = 0;
  if (!wdec_u8(d, &flag)) return false;
  if ((flag & 0x7F) > 1) return wdec_fail(d, at, "integer too large");
  if (flag & 0x80) return wdec_fail(d, at + 1, "integer representation too long");
  out->has_max = flag == 1;
  if (!wdec_u32(d, &out->min)) return false;
  out->max = UINT32_MAX;
  return !out->has_max || wdec_u32(d, &out->max);
}

static bool read_tabletype(wdec *d, wasm_tabletype *out) {
  return wdec_reftype(d, &out->elemtype) && read_limits(d, &out->limits);
}

static bool read_globaltype(wdec *d, wasm_globaltype *out) {
  uint8_t mut;
  if (!wdec_valtype(d, &out->valtype)) return false;
  size_t at = d->r.pos;
  if (!wdec_u8(d, &mut)) return false;
  if (mut > 1) return wdec_fail(d, at, "malformed mutability");
  out->mutable_ = mut == 1;
  return true;
}

static bool read_functype(wdec *d, wasm_functype *t) {
  size_t at = d->r.pos;
  uint8_t form = 0;
  uint32_t np, nr;
  if (!wdec_u8(d, &form)) return false;
  /* the form is a signed LEB in the reference interpreter: an overlong -0x20
   * is "too long" rather than an unknown form */
  if (form & 0x80) return wdec_fail(d, at + 1, "integer representation too long");
  if (form != 0x60) return wdec_fail(d, at, "malformed function type");
  if (!wdec_len(d, &np)) return false;
  if (np > WASM_MAX_PARAMS)
    return wasm_fail(d->err, LOAM_ERR_LIMIT,
                     "section type at offset 0x%zx: too many parameters", at);
  /* params are read into a buffer big enough for any result count too */
  uint8_t params[WASM_MAX_PARAMS];
  for (uint32_t i = 0; i < np; i++)
    if (!wdec_valtype(d, &params[i])) return false;
  if (!wdec_len(d, &nr)) return false;
  if (nr > WASM_MAX_PARAMS)
    return wasm_fail(d->err, LOAM_ERR_LIMIT,
                     "section type at offset 0x%zx: too many results", at);
  if (!alloc_array(d, &t->types, (size_t)np + nr, 1)) return false;
  if (np) memcpy(t->types, params, np);
  for (uint32_t i = 0; i < nr; i++)
    if (!wdec_valtype(d, &t->types[np + i])) return false;
  t->nparams = np;
  t->nresults = nr;
  t->sig_id = wasm_sig_id(t->types, np, nr);
  if (!t->sig_id) return wasm_fail(d->err, LOAM_ERR_NOMEM, "out of memory");
  return true;
}

/* ---- sections -------------------------------------------------------------- */

static bool sec_type(wdec *d) {
  wasm_module *m = d->m;
  uint32_t n;
  if (!wdec_len(d, &n) || !alloc_array(d, &m->types, n, sizeof *m->types))
    return false;
  for (uint32_t i = 0; i < n; i++) {
    m->ntypes = i + 1; /* so a partly read type is freed */
    if (!read_functype(d, &m->types[i])) return false;
  }
  return true;
}

static bool read_import_desc(wdec *d, wasm_import *im) {
  size_t at = d->r.pos;
  uint8_t kind;
  if (!wdec_u8(d, &kind)) return false;
  im->kind = (loam_externkind)kind;
  switch (kind) {
  case LOAM_EXTERN_FUNC: d->m->nfunc_imports++; return wdec_u32(d, &im->desc.func_type);
  case LOAM_EXTERN_TABLE: d->m->ntable_imports++; return read_tabletype(d, &im->desc.table);
  case LOAM_EXTERN_MEMORY: d->m->nmem_imports++; return read_limits(d, &im->desc.memory);
  case LOAM_EXTERN_GLOBAL: d->m->nglobal_imports++; return read_globaltype(d, &im->desc.global);
  }
  return wdec_fail(d, at, "malformed import kind");
}

static bool sec_import(wdec *d) {
  wasm_module *m = d->m;
  uint32_t n;
  if (!wdec_len(d, &n) || !alloc_array(d, &m->imports, n, sizeof *m->imports))
    return false;
  for (uint32_t i = 0; i < n; i++) {
    wasm_import *im = &m->imports[i];
    m->nimports = i + 1; /* so a partly read import is freed */
    if (!wdec_name_n(d, &im->module, &im->module_len) ||
        !wdec_name_n(d, &im->name, &im->name_len) ||
        !read_import_desc(d, im))
      return false;
  }
  return true;
}

/* Allocates an index space of imports + `ndefined` entries and fills the
 * imported part from the import section. */
static bool alloc_funcs(wdec *d, uint32_t ndefined) {
  wasm_module *m = d->m;
  size_t total = (size_t)m->nfunc_imports + ndefined;
  if (total > UINT32_MAX) return wdec_fail(d, d->r.pos, "too many functions");
  if (!alloc_array(d, &m->funcs, total, sizeof *m->funcs)) return false;
  m->nfuncs = (uint32_t)total;
  uint32_t k = 0;
  for (uint32_t i = 0; i < m->nimports; i++)
    if (m->imports[i].kind == LOAM_EXTERN_FUNC)
      m->funcs[k++].type = m->imports[i].desc.func_type;
  return true;
}

static bool alloc_tables(wdec *d, uint32_t ndefined) {
  wasm_module *m = d->m;
  size_t total = (size_t)m->ntable_imports + ndefined;
  if (total > UINT32_MAX) return wdec_fail(d, d->r.pos, "too many tables");
  if (!alloc_array(d, &m->tables, total, sizeof *m->tables)) return false;
  m->ntables = (uint32_t)total;
  uint32_t k = 0;
  for (uint32_t i = 0; i < m->nimports; i++)
    if (m->imports[i].kind == LOAM_EXTERN_TABLE)
      m->tables[k++] = m->imports[i].desc.table;
  return true;
}

static bool alloc_mems(wdec *d, uint32_t ndefined) {
  wasm_module *m = d->m;
  size_t total = (size_t)m->nmem_imports + ndefined;
  if (total > UINT32_MAX) return wdec_fail(d, d->r.pos, "too many memories");
  if (!alloc_array(d, &m->mems, total, sizeof *m->mems)) return false;
  m->nmems = (uint32_t)total;
  uint32_t k = 0;
  for (uint32_t i = 0; i < m->nimports; i++)
    if (m->imports[i].kind == LOAM_EXTERN_MEMORY)
      m->mems[k++] = m->imports[i].desc.memory;
  return true;
}

static bool alloc_globals(wdec *d, uint32_t ndefined) {
  wasm_module *m = d->m;
  size_t total = (size_t)m->nglobal_imports + ndefined;
  if (total > UINT32_MAX) return wdec_fail(d, d->r.pos, "too many globals");
  if (!alloc_array(d, &m->globals, total, sizeof *m->globals)) return false;
  m->nglobals = (uint32_t)total;
  uint32_t k = 0;
  for (uint32_t i = 0; i < m->nimports; i++)
    if (m->imports[i].kind == LOAM_EXTERN_GLOBAL)
      m->globals[k++].type = m->imports[i].desc.global;
  return true;
}

static bool sec_func(wdec *d) {
  uint32_t n;
  if (!wdec_len(d, &n) || !alloc_funcs(d, n)) return false;
  d->nfunc_decls = n;
  for (uint32_t i = 0; i < n; i++)
    if (!wdec_u32(d, &d->m->funcs[d->m->nfunc_imports + i].type)) return false;
  return true;
}

static bool sec_table(wdec *d) {
  uint32_t n;
  if (!wdec_len(d, &n) || !alloc_tables(d, n)) return false;
  for (uint32_t i = 0; i < n; i++)
    if (!read_tabletype(d, &d->m->tables[d->m->ntable_imports + i])) return false;
  return true;
}

static bool sec_memory(wdec *d) {
  uint32_t n;
  if (!wdec_len(d, &n) || !alloc_mems(d, n)) return false;
  for (uint32_t i = 0; i < n; i++)
    if (!read_limits(d, &d->m->mems[d->m->nmem_imports + i])) return false;
  return true;
}

static bool sec_global(wdec *d) {
  uint32_t n;
  if (!wdec_len(d, &n) || !alloc_globals(d, n)) return false;
  for (uint32_t i = 0; i < n; i++) {
    wasm_global *g = &d->m->globals[d->m->nglobal_imports + i];
    if (!read_globaltype(d, &g->type) || !wdec_constexpr(d, &g->init))
      return false;
  }
  return true;
}

static bool sec_export(wdec *d) {
  wasm_module *m = d->m;
  uint32_t n;
  if (!wdec_len(d, &n) || !alloc_array(d, &m->exports, n, sizeof *m->exports))
    return false;
  for (uint32_t i = 0; i < n; i++) {
    wasm_export *e = &m->exports[i];
    uint8_t kind;
    m->nexports = i + 1;
    if (!wdec_name_n(d, &e->name, &e->name_len)) return false;
    size_t at = d->r.pos;
    if (!wdec_u8(d, &kind)) return false;
    if (kind > LOAM_EXTERN_GLOBAL) return wdec_fail(d, at, "malformed export kind");
    e->kind = (loam_externkind)kind;
    if (!wdec_u32(d, &e->index)) return false;
  }
  return true;
}

static bool sec_start(wdec *d) {
  d->m->has_start = true;
  return wdec_u32(d, &d->m->start);
}

static bool sec_datacount(wdec *d) {
  d->m->has_datacount = true;
  return wdec_u32(d, &d->m->datacount);
}

/* One code entry's local declarations: groups of (count, type), the total
 * bounded by WASM_MAX_LOCALS together with the parameters. */
static bool read_locals(wdec *d, wasm_func *f) {
  size_t at = d->r.pos;
  uint32_t ngroups;
  uint64_t total = 0;
  if (!wdec_len(d, &ngroups)) return false;
  size_t groups_at = d->r.pos;
  for (uint32_t i = 0; i < ngroups; i++) { /* first pass: count */
    uint32_t c;
    uint8_t t;
    if (!wdec_u32(d, &c) || !wdec_valtype(d, &t)) return false;
    total += c;
  }
  uint64_t nparams = f->type < d->m->ntypes ? d->m->types[f->type].nparams : 0;
  if (total >= 0x100000000ull || total + nparams > WASM_MAX_LOCALS)
    return wdec_fail(d, at, "too many locals");
  if (!alloc_array(d, &f->local_types, (size_t)total, 1)) return false;
  d->r.pos = groups_at;
  uint32_t k = 0;
  for (uint32_t i = 0; i < ngroups; i++) { /* second pass: fill */
    uint32_t c;
    uint8_t t;
    wdec_u32(d, &c);
    wdec_valtype(d, &t);
    memset(f->local_types + k, t, c);
    k += c;
  }
  f->nlocals = k;
  return true;
}

static bool sec_code(wdec *d) {
  wasm_module *m = d->m;
  uint32_t n;
  size_t at = d->r.pos;
  if (!wdec_len(d, &n)) return false;
  if (n != d->nfunc_decls)
    return wdec_fail(d, at, "function and code section have inconsistent lengths");
  for (uint32_t i = 0; i < n; i++) {
    wasm_func *f = &m->funcs[m->nfunc_imports + i];
    uint32_t size;
    if (!wdec_len(d, &size)) return false;
    /* wdec_len allows a length to count its own bytes: recheck */
    if (size > d->r.end - d->r.pos)
      return wdec_fail(d, d->r.end, "unexpected end of section or function");
    size_t body_end = d->r.pos + size, file_end = d->r.end;
    d->r.end = body_end; /* locals may not run past their body */
    bool ok = read_locals(d, f);
    d->r.end = file_end;
    if (!ok) return false;
    f->body.off = (uint32_t)d->r.pos;
    f->body.len = (uint32_t)(body_end - d->r.pos);
    d->r.pos = body_end;
  }
  d->have_code = true;
  return true;
}

/* ---- the module ------------------------------------------------------------ */

static bool custom_section(wdec *d, size_t end) {
  wasm_module *m = d->m;
  wasm_custom *c;
  size_t file_end = d->r.end;
  wasm_custom *grown = realloc(m->customs, (m->ncustoms + 1) * sizeof *grown);
  if (!grown) return wasm_fail(d->err, LOAM_ERR_NOMEM, "out of memory");
  m->customs = grown;
  c = &m->customs[m->ncustoms];
  memset(c, 0, sizeof *c);
  d->r.end = end; /* the name must fit in the section */
  bool ok = wdec_name(d, &c->name);
  d->r.end = file_end;
  if (!ok) return false;
  m->ncustoms++;
  c->bytes.off = (uint32_t)d->r.pos;
  c->bytes.len = (uint32_t)(end - d->r.pos);
  d->r.pos = end;
  return true;
}

static bool section_body(wdec *d, uint8_t id) {
  switch (id) {
  case SEC_TYPE: return sec_type(d);
  case SEC_IMPORT: return sec_import(d);
  case SEC_FUNC: return sec_func(d);
  case SEC_TABLE: return sec_table(d);
  case SEC_MEMORY: return sec_memory(d);
  case SEC_GLOBAL: return sec_global(d);
  case SEC_EXPORT: return sec_export(d);
  case SEC_START: return sec_start(d);
  case SEC_ELEM: return wdec_sec_elem(d);
  case SEC_CODE: return sec_code(d);
  case SEC_DATA: return wdec_sec_data(d);
  case SEC_DATACOUNT: return sec_datacount(d);
  }
  return false;
}

/* Reads one section; *rank is the rank of the last non-custom section. */
static bool section(wdec *d, uint8_t *rank) {
  size_t at = d->r.pos;
  uint8_t id;
  uint32_t size;
  wdec_u8(d, &id);
  if (id >= SEC_LIMIT) {
    d->sec = "module";
    return wdec_fail(d, at, "malformed section id");
  }
  d->sec = section_names[id];
  if (id != SEC_CUSTOM && section_rank[id] <= *rank)
    return wdec_fail(d, at, "unexpected content after last section");
  if (!wdec_len(d, &size)) return false;
  size_t start = d->r.pos, end = start + size;
  if (id == SEC_CUSTOM) {
    /* its contents become a span: it must really be there */
    if (size > d->r.end - start)
      return wdec_fail(d, d->r.end, "unexpected end of section or function");
    return custom_section(d, end);
  }
  *rank = section_rank[id];
  if (!section_body(d, id)) return false;
  if (d->r.pos != end) return wdec_fail(d, start, "section size mismatch");
  return true;
}

static bool header(wdec *d) {
  static const uint8_t magic[4] = {0x00, 'a', 's', 'm'};
  static const uint8_t version[4] = {0x01, 0x00, 0x00, 0x00};
  d->sec = "header";
  if (d->r.end < 4) return wdec_fail(d, d->r.end, "unexpected end");
  if (memcmp(d->r.bytes, magic, 4) != 0)
    return wdec_fail(d, 0, "magic header not detected");
  if (d->r.end < 8) return wdec_fail(d, d->r.end, "unexpected end");
  if (memcmp(d->r.bytes + 4, version, 4) != 0)
    return wdec_fail(d, 4, "unknown binary version");
  d->r.pos = 8;
  return true;
}

/* Index spaces that had no section of their own hold just their imports. */
static bool finish(wdec *d) {
  wasm_module *m = d->m;
  d->sec = "code";
  if (d->nfunc_decls && !d->have_code)
    return wdec_fail(d, d->r.end, "function and code section have inconsistent lengths");
  d->sec = "data";
  if (m->has_datacount && m->datacount != m->ndatas)
    return wdec_fail(d, d->r.end, "data count and data section have inconsistent lengths");
  d->sec = "module";
  if ((!m->funcs && !alloc_funcs(d, 0)) || (!m->tables && !alloc_tables(d, 0)) ||
      (!m->mems && !alloc_mems(d, 0)) || (!m->globals && !alloc_globals(d, 0)))
    return false;
  for (uint32_t i = 0; i < m->ncustoms; i++)
    if (strcmp(m->customs[i].name, "name") == 0)
      wdec_name_section(m, m->customs[i].bytes);
  return true;
}

wasm_module *wasm_decode(const uint8_t *bytes, size_t len, loam_error *err) {
  wasm_module *m = calloc(1, sizeof *m);
  if (!m || len > UINT32_MAX) {
    free(m);
    wasm_fail(err, m ? LOAM_ERR_LIMIT : LOAM_ERR_NOMEM,
              m ? "module larger than 4 GiB" : "out of memory");
    return NULL;
  }
  m->bytes = malloc(len ? len : 1);
  if (!m->bytes) {
    free(m);
    wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
    return NULL;
  }
  if (len) memcpy(m->bytes, bytes, len);
  m->len = len;
  wdec d = {.r = {m->bytes, 0, len, NULL}, .m = m, .err = err, .sec = "header"};
  uint8_t rank = 0;
  bool ok = header(&d);
  while (ok && d.r.pos < d.r.end) ok = section(&d, &rank);
  if (ok) ok = finish(&d);
  if (!ok) {
    wasm_module_free(m);
    return NULL;
  }
  return m;
}

static void free_elems(wasm_module *m) {
  for (uint32_t i = 0; i < m->nelems; i++) free(m->elems[i].items);
  free(m->elems);
}

void wasm_module_free(wasm_module *m) {
  if (!m) return;
  for (uint32_t i = 0; i < m->ntypes; i++) free(m->types[i].types);
  free(m->types);
  for (uint32_t i = 0; i < m->nimports; i++) {
    free(m->imports[i].module);
    free(m->imports[i].name);
  }
  free(m->imports);
  for (uint32_t i = 0; i < m->nfuncs; i++) {
    free(m->funcs[i].local_types);
    free(m->funcs[i].name);
    wasm_code_free(m->funcs[i].code);
  }
  free(m->funcs);
  free(m->tables);
  free(m->mems);
  free(m->globals);
  for (uint32_t i = 0; i < m->nexports; i++) free(m->exports[i].name);
  free(m->exports);
  free_elems(m);
  free(m->datas);
  for (uint32_t i = 0; i < m->ncustoms; i++) free(m->customs[i].name);
  free(m->customs);
  free(m->name);
  free(m->func_declared);
  free(m->bytes);
  free(m);
}
