/* inspect.c — `loam inspect FILE.wasm`: the WIT world a module carries (the
 * custom section `loam build` writes), the stubs `loam stubgen compose`
 * linked in (custom sections "loam:stub"), and the module's imports and
 * exports. */
#include "build/build.h"
#include "commands.h"
#include "compose/compose.h"
#include "compose/sections.h"
#include "compose/stubinfo.h"
#include "loam/wasm.h"
#include <stdio.h>
#include <stdlib.h>

static const char *kind_name(loam_externkind k) {
  switch (k) {
  case LOAM_EXTERN_FUNC: return "func";
  case LOAM_EXTERN_TABLE: return "table";
  case LOAM_EXTERN_MEMORY: return "memory";
  default: return "global";
  }
}

static const char *vt_name(uint8_t t) {
  switch (t) {
  case LOAM_I32: return "i32";
  case LOAM_I64: return "i64";
  case LOAM_F32: return "f32";
  case LOAM_F64: return "f64";
  default: return "ref";
  }
}

static uint8_t *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *buf = NULL;
  size_t cap = 0, n = 0, got;
  do {
    if (n == cap) {
      cap = cap ? 2 * cap : 65536;
      uint8_t *b = realloc(buf, cap);
      if (!b) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = b;
    }
    got = fread(buf + n, 1, cap - n, f);
    n += got;
  } while (got);
  fclose(f);
  *len = n;
  return buf;
}

/* One "loam:stub" section: the interface the stub serves, and its size. */
static bool print_stub(void *user, const uint8_t *data, size_t len, loam_error *err) {
  (void)err;
  size_t *n = user;
  char what[32];
  snprintf(what, sizeof what, "stub %zu", ++*n);
  loam_stub_info si = {0};
  loam_error e = {0};
  if (loam_stub_read(data, len, what, &si, &e))
    printf("  %s: %s (%zu bytes)\n", what, si.iface->id, len);
  else
    printf("  %s: unreadable (%zu bytes): %s\n", what, len, e.message);
  loam_stub_info_free(&si);
  return true;
}

int loam_cmd_inspect(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: loam inspect FILE.wasm\n");
    return 2;
  }
  size_t len = 0;
  uint8_t *bytes = slurp(argv[1], &len);
  if (!bytes) {
    perror(argv[1]);
    return 1;
  }
  loam_error err = {0};
  loam_module *m = loam_module_load(bytes, len, &err);
  if (!m) {
    free(bytes);
    fprintf(stderr, "loam inspect: %s: %s\n", argv[1], err.message);
    return 1;
  }
  size_t wl = 0;
  const uint8_t *wit = loam_module_custom_section(m, LOAM_WIT_SECTION, &wl);
  if (wit) printf("== WIT (custom section %s)\n%.*s\n", LOAM_WIT_SECTION, (int)wl, (const char *)wit);
  else printf("== no embedded WIT (no custom section %s)\n", LOAM_WIT_SECTION);
  size_t nstubs = 0, seen = 0;
  if (loam_custom_sections(bytes, len, LOAM_STUB_SECTION, NULL, NULL, &nstubs, &err) &&
      nstubs) {
    printf("== stubs linked in (custom sections %s)\n", LOAM_STUB_SECTION);
    loam_custom_sections(bytes, len, LOAM_STUB_SECTION, print_stub, &seen, NULL, &err);
  }
  free(bytes);
  printf("== imports\n");
  for (size_t i = 0; i < loam_module_import_count(m); i++) {
    loam_import_desc d = loam_module_import(m, i);
    printf("  %s %s %s\n", kind_name(d.kind), d.module, d.name);
  }
  printf("== exports\n");
  for (size_t i = 0; i < loam_module_export_count(m); i++) {
    loam_export_desc d = loam_module_export(m, i);
    loam_functype ft;
    printf("  %s %s", kind_name(d.kind), d.name);
    if (d.kind == LOAM_EXTERN_FUNC && loam_module_export_functype(m, d.name, &ft)) {
      printf(" (");
      for (uint32_t k = 0; k < ft.nparams; k++)
        printf("%s%s", k ? " " : "", vt_name(ft.params[k]));
      printf(") -> (");
      for (uint32_t k = 0; k < ft.nresults; k++)
        printf("%s%s", k ? " " : "", vt_name(ft.results[k]));
      printf(")");
    }
    printf("\n");
  }
  loam_module_free(m);
  return 0;
}
