/*
 * compose/stubinfo.c — reading a stub module's WIT and naming rules
 * (stubinfo.h).
 */
#include "compose/stubinfo.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool fail(loam_error *err, loam_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(loam_error *err, loam_status code, const char *fmt, ...) {
  if (!err) return false;
  err->code = code;
  err->exit_code = 0;
  err->backtrace[0] = '\0';
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  return false;
}

const loam_wit_world *loam_wit_marked_world(const loam_wit *w, const char *text) {
  static const char MARK[] = "// loam:world ";
  if (!w->root) return NULL;
  if (!strncmp(text, MARK, sizeof MARK - 1)) {
    char name[256];
    const char *q = text + sizeof MARK - 1;
    size_t n = strcspn(q, " \r\n");
    if (n && n < sizeof name) {
      memcpy(name, q, n);
      name[n] = '\0';
      return loam_wit_find_world(w->root, name);
    }
  }
  return w->root->nworlds == 1 ? w->root->worlds[0] : NULL;
}

void loam_stub_info_free(loam_stub_info *s) {
  loam_wit_free(s->wit);
  loam_module_free(s->module);
  memset(s, 0, sizeof *s);
}

bool loam_stub_read(const uint8_t *bytes, size_t len, const char *what, loam_stub_info *out,
                    loam_error *err) {
  loam_error e;
  memset(out, 0, sizeof *out);
  if (!(out->module = loam_module_load(bytes, len, &e)))
    return fail(err, LOAM_ERR_MALFORMED, "%s is not a valid module: %s", what, e.message);
  size_t wlen;
  const uint8_t *wit = loam_module_custom_section(out->module, "loam:wit", &wlen);
  char *text = wit ? malloc(wlen + 1) : NULL;
  if (!text) {
    loam_stub_info_free(out);
    return wit ? fail(err, LOAM_ERR_NOMEM, "out of memory")
               : fail(err, LOAM_ERR_INVALID,
                      "%s carries no WIT (custom section loam:wit): build stubs with "
                      "`loam stubgen build` or `loam build`",
                      what);
  }
  memcpy(text, wit, wlen);
  text[wlen] = '\0';
  out->wit = loam_wit_load_text("stub.wit", text, wlen, &e);
  const loam_wit_world *w = out->wit ? loam_wit_marked_world(out->wit, text) : NULL;
  free(text);
  if (!out->wit) {
    loam_stub_info_free(out);
    return fail(err, LOAM_ERR_INVALID, "%s: its WIT does not resolve: %s", what, e.message);
  }
  if (!w || w->nexports != 1 || w->exports[0].kind != LOAM_WIT_ITEM_INTERFACE ||
      !w->exports[0].iface->id) {
    loam_stub_info_free(out);
    return fail(err, LOAM_ERR_INVALID,
                "%s: its world must export exactly one interface (the stub interface)", what);
  }
  out->iface = w->exports[0].iface;
  return true;
}

bool loam_stub_like(const char *module) {
  const char *colon = strchr(module, ':'), *slash = strchr(module, '/');
  if (!colon || !slash || slash < colon) return false;
  const char *at = memchr(module, '@', (size_t)(slash - module));
  const char *end = at ? at : slash;
  return end - colon > 5 && !strncmp(end - 5, "-stub", 5);
}

const loam_type *loam_stub_resource(const loam_wit_interface *i, const char *name) {
  const loam_wit_typedef *td = i ? loam_wit_find_type(i, name) : NULL;
  if (!td || td->used_from || !td->type || td->type->kind != LOAM_T_RESOURCE) return NULL;
  return td->type;
}

const loam_wit_func *loam_stub_func(const loam_wit_interface *i, const char *core) {
  for (uint32_t k = 0; i && k < i->nfuncs; k++)
    if (!strcmp(i->funcs[k].core_name, core)) return &i->funcs[k];
  return NULL;
}
