/*
 * compose/compose.c — `loam stubgen compose` (compose.h): checks that the
 * given stubs serve the caller's stub imports and writes the caller with
 * one "loam:stub" custom section per stub it uses.
 */
#include "compose/compose.h"

#include "wasm/module.h" /* wasm_fail */
#include "compose/sections.h"
#include "compose/stubinfo.h"
#include "loam/wit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


/* The whole file, malloc'd; NULL with err set. */
static uint8_t *read_file(const char *path, size_t *len, loam_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return wasm_fail(err, LOAM_ERR_NOT_FOUND, "%s: %s", path, strerror(errno)), NULL;
  uint8_t *b = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n == cap) {
      cap = cap ? cap * 2 : 1 << 16;
      uint8_t *g = realloc(b, cap);
      if (!g) {
        free(b);
        fclose(f);
        return wasm_fail(err, LOAM_ERR_NOMEM, "out of memory reading %s", path), NULL;
      }
      b = g;
    }
    size_t got = fread(b + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  bool bad = ferror(f);
  fclose(f);
  if (bad) {
    free(b);
    return wasm_fail(err, LOAM_ERR_NOT_FOUND, "%s: read error", path), NULL;
  }
  *len = n;
  return b;
}

/* One stub given on the command line. */
typedef struct stub {
  const char *path;
  uint8_t *bytes;
  size_t len;
  loam_stub_info info;
  bool used;
} stub;

/* Reads a stub: its module, its WIT and the one interface it exports. */
static bool load_stub(stub *s, loam_error *err) {
  char what[600];
  size_t n;
  if (!(s->bytes = read_file(s->path, &s->len, err))) return false;
  snprintf(what, sizeof what, "stub %s", s->path);
  if (!loam_stub_read(s->bytes, s->len, what, &s->info, err)) return false;
  if (loam_custom_sections(s->bytes, s->len, LOAM_STUB_SECTION, NULL, NULL, &n, err) && n)
    return wasm_fail(err, LOAM_ERR_INVALID, "stub %s is itself composed; give the plain stub",
                s->path);
  return true;
}

/* Whether stub s implements the caller's import `name` of its interface:
 * a function of the interface (whose export the module has) or the drop of
 * one of its resources. On failure err names the import. */
static bool stub_serves(const stub *s, const loam_wit *cwit, const char *caller,
                        const char *name, loam_error *err) {
  static const char DROP[] = "[resource-drop]";
  const loam_wit_interface *i = s->info.iface;
  if (!strncmp(name, DROP, sizeof DROP - 1)) {
    if (loam_stub_resource(i, name + sizeof DROP - 1)) return true;
    return wasm_fail(err, LOAM_ERR_UNKNOWN_IMPORT,
                "%s imports %s.%s, but stub %s defines no resource %s", caller, i->id, name,
                s->path, name + sizeof DROP - 1);
  }
  const loam_wit_func *sf = loam_stub_func(i, name);
  if (sf) {
    char exp[512], why[400];
    snprintf(exp, sizeof exp, "%s#%s", i->id, name);
    if (!loam_module_export_functype(s->info.module, exp, &(loam_functype){0}))
      return wasm_fail(err, LOAM_ERR_UNKNOWN_IMPORT,
                  "%s imports %s.%s: stub %s declares it in its WIT but does not export %s",
                  caller, i->id, name, s->path, exp);
    /* the caller was built against the stub's WIT as it is now */
    const loam_wit_func *cf =
        cwit ? loam_stub_func(loam_wit_find_interface(cwit, i->id), name) : NULL;
    if (cf && !loam_stub_func_match(cf, sf, why, sizeof why))
      return wasm_fail(err, LOAM_ERR_IMPORT_TYPE,
                  "%s imports %s.%s with another signature than stub %s has (%s); build the "
                  "caller again against the stub's WIT (loam stubgen add-stub-dependency "
                  "--overwrite, then loam build)",
                  caller, i->id, name, s->path, why);
    return true;
  }
  char list[256] = "";
  size_t off = 0;
  for (uint32_t k = 0; k < i->nfuncs && off < sizeof list; k++)
    off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", k ? ", " : "",
                            i->funcs[k].core_name);
  return wasm_fail(err, LOAM_ERR_UNKNOWN_IMPORT,
              "%s imports %s.%s, which stub %s does not implement (its interface has: %s); "
              "regenerate the stub and add it to the caller again",
              caller, i->id, name, s->path, i->nfuncs ? list : "nothing");
}

/* The WIT the caller was built with (its "loam:wit"), or NULL when it has
 * none that resolves: then its signatures are not compared with the
 * stubs' here (the executor checks the core types at registration). */
static loam_wit *caller_wit(const loam_module *m) {
  size_t len;
  const uint8_t *b = loam_module_custom_section(m, "loam:wit", &len);
  char *text = b ? malloc(len + 1) : NULL;
  if (!text) return NULL;
  memcpy(text, b, len);
  text[len] = '\0';
  loam_error e;
  loam_wit *w = loam_wit_load_text("caller.wit", text, len, &e);
  free(text);
  return w;
}

/* Writes bytes + one section per used stub to a temporary file next to out,
 * then renames it over out. */
static bool write_out(const loam_compose_opts *o, const uint8_t *caller, size_t clen,
                      const stub *st, loam_error *err) {
  size_t plen = strlen(o->out);
  char *tmp = malloc(plen + 16);
  if (!tmp) return wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
  snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", o->out);
  int fd = mkstemp(tmp);
  FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
  if (!f) {
    wasm_fail(err, LOAM_ERR_NOT_FOUND, "%s: %s", tmp, strerror(errno));
    if (fd >= 0) close(fd), unlink(tmp);
    free(tmp);
    return false;
  }
  bool ok = fwrite(caller, 1, clen, f) == clen;
  size_t nlen = strlen(LOAM_STUB_SECTION);
  for (size_t i = 0; ok && i < o->nstubs; i++) {
    if (!st[i].used) continue;
    uint8_t head[16];
    size_t h = 0;
    uint64_t size = 1 + nlen + st[i].len; /* name length fits one LEB byte */
    head[h++] = 0;
    do {
      uint8_t c = size & 0x7f;
      size >>= 7;
      head[h++] = c | (size ? 0x80 : 0);
    } while (size);
    head[h++] = (uint8_t)nlen;
    ok = fwrite(head, 1, h, f) == h && fwrite(LOAM_STUB_SECTION, 1, nlen, f) == nlen &&
         fwrite(st[i].bytes, 1, st[i].len, f) == st[i].len;
  }
  ok = fflush(f) == 0 && ok;
  ok = fsync(fileno(f)) == 0 && ok;
  ok = fclose(f) == 0 && ok;
  if (ok && rename(tmp, o->out) != 0) ok = false;
  if (!ok) {
    wasm_fail(err, LOAM_ERR_NOT_FOUND, "%s: %s", o->out, strerror(errno));
    unlink(tmp);
  }
  free(tmp);
  return ok;
}

bool loam_compose(const loam_compose_opts *o, loam_error *err) {
  size_t clen = 0, nsec = 0;
  loam_module *cm = NULL;
  loam_wit *cwit = NULL;
  stub *st = calloc(o->nstubs ? o->nstubs : 1, sizeof *st);
  uint8_t *caller = st ? read_file(o->caller, &clen, err) : NULL;
  bool ok = false;
  loam_error e;
  if (!st) {
    wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
    goto done;
  }
  if (!caller) goto done;
  if (!(cm = loam_module_load(caller, clen, &e))) {
    wasm_fail(err, e.code, "%s: %s", o->caller, e.message);
    goto done;
  }
  if (!loam_custom_sections(caller, clen, LOAM_STUB_SECTION, NULL, NULL, &nsec, err)) goto done;
  if (nsec) {
    wasm_fail(err, LOAM_ERR_INVALID,
         "%s is already composed (it has %zu %s section%s); compose the module `loam build` "
         "wrote",
         o->caller, nsec, LOAM_STUB_SECTION, nsec == 1 ? "" : "s");
    goto done;
  }
  cwit = caller_wit(cm);
  for (size_t i = 0; i < o->nstubs; i++) {
    st[i].path = o->stubs[i];
    if (!load_stub(&st[i], err)) goto done;
    for (size_t k = 0; k < i; k++)
      if (!strcmp(st[k].info.iface->id, st[i].info.iface->id)) {
        wasm_fail(err, LOAM_ERR_INVALID, "stubs %s and %s both export %s", st[k].path, st[i].path,
             st[i].info.iface->id);
        goto done;
      }
  }
  for (size_t i = 0; i < loam_module_import_count(cm); i++) {
    loam_import_desc d = loam_module_import(cm, i);
    stub *s = NULL;
    for (size_t k = 0; k < o->nstubs && !s; k++)
      if (!strcmp(st[k].info.iface->id, d.module)) s = &st[k];
    if (s) {
      if (d.kind != LOAM_EXTERN_FUNC) {
        wasm_fail(err, LOAM_ERR_UNKNOWN_IMPORT, "%s imports %s.%s, which is not a function",
             o->caller, d.module, d.name);
        goto done;
      }
      if (!stub_serves(s, cwit, o->caller, d.name, err)) goto done;
      s->used = true;
    } else if (loam_stub_like(d.module)) {
      wasm_fail(err, LOAM_ERR_UNKNOWN_IMPORT,
           "%s imports %s.%s, but no stub given exports %s; add its stub with --stub-wasm",
           o->caller, d.module, d.name, d.module);
      goto done;
    }
  }
  size_t used = 0;
  for (size_t i = 0; i < o->nstubs; i++) {
    if (st[i].used) used++;
    else if (o->report)
      fprintf(o->report, "stub %s is not used by %s: left out\n", st[i].path, o->caller);
  }
  if (!used) {
    wasm_fail(err, LOAM_ERR_NOT_FOUND, "no dependencies of component `%s` were found", o->caller);
    goto done;
  }
  if (!write_out(o, caller, clen, st, err)) goto done;
  if (o->report) fprintf(o->report, "Writing composed component to %s\n", o->out);
  ok = true;
done:
  for (size_t i = 0; st && i < o->nstubs; i++) {
    loam_stub_info_free(&st[i].info);
    free(st[i].bytes);
  }
  free(st);
  loam_wit_free(cwit);
  loam_module_free(cm);
  free(caller);
  return ok;
}
