/* wast_script.c — runs one wast2json script: keeps the store, the linker
 * (spectest + registered modules) and the named instances, and checks each
 * command against the engine through the public API only. */
#include "wast_impl.h"
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Without -v, only this many failures per file are described. */
#define WAST_SHOWN_FAILURES 20
/* A command that runs longer than this is a hang, not a pass. */
#define WAST_DEADLINE_NS (60ull * 1000000000ull)

typedef struct named {
  char *name;
  loam_instance *inst;
} named;

typedef struct script {
  const char *shown;      /* the .wast (or .json) name for messages */
  char dir[PATH_MAX];     /* where the script's module files are */
  bool verbose;
  loam_store *store;
  loam_linker *linker;
  loam_module **mods;     /* every module loaded; freed after the store */
  size_t nmods, capmods;
  named *names;
  size_t nnames, capnames;
  loam_instance *current; /* the last module instantiated */
  wast_counts c;
  long described;         /* failures printed so far */
} script;

/* ---- reporting ------------------------------------------------------------ */

static void fail(script *sc, long line, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail(script *sc, long line, const char *cmd, const char *fmt, ...) {
  sc->c.failed++;
  if (!sc->verbose && sc->described >= WAST_SHOWN_FAILURES) return;
  sc->described++;
  va_list ap;
  printf("  %s:%ld: %s: ", sc->shown, line, cmd);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
}

/* A tolerated difference (same kind, other words): shown only with -v. */
static void note(script *sc, long line, const char *cmd, const char *want,
                 const char *got) {
  if (sc->verbose)
    printf("  %s:%ld: %s: ok, but expected \"%s\", got \"%s\"\n", sc->shown,
           line, cmd, want, got);
}

/* The status whose spec wording starts `text` ("uninitialized element 2" ->
 * LOAM_TRAP_UNINITIALIZED_ELEMENT); LOAM_OK when none does. */
static loam_status kind_of_text(const char *text) {
  for (int s = LOAM_ERR_MALFORMED; s <= LOAM_TRAP_EXIT; s++) {
    const char *t = loam_status_text((loam_status)s);
    if (!strncmp(text, t, strlen(t))) return (loam_status)s;
  }
  return LOAM_OK;
}

/* ---- modules and names ---------------------------------------------------- */

static bool grow(void **arr, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return true;
  size_t n = *cap ? *cap * 2 : 16;
  void *p = realloc(*arr, n * elem);
  if (!p) return false;
  *arr = p;
  *cap = n;
  return true;
}

static bool read_file(const char *path, uint8_t **out, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  uint8_t *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n == cap) {
      cap = cap ? cap * 2 : 4096;
      uint8_t *p = realloc(buf, cap);
      if (!p) break;
      buf = p;
    }
    size_t r = fread(buf + n, 1, cap - n, f);
    n += r;
    if (r == 0) break;
  }
  bool ok = !ferror(f) && n < cap;
  fclose(f);
  if (!ok) {
    free(buf);
    return false;
  }
  *out = buf;
  *len = n;
  return true;
}

/* Loads the script's module file `filename`. The module is kept until the
 * script ends: instances (even failed ones) may still point into it. */
static loam_module *load_module(script *sc, const char *filename,
                                loam_error *err) {
  char path[PATH_MAX + 256];
  uint8_t *bytes;
  size_t len;
  snprintf(path, sizeof path, "%s/%s", sc->dir, filename ? filename : "");
  if (!filename || !read_file(path, &bytes, &len)) {
    err->code = LOAM_ERR_NOT_FOUND;
    snprintf(err->message, sizeof err->message, "cannot read %.400s", path);
    return NULL;
  }
  loam_module *m = loam_module_load(bytes, len, err);
  free(bytes);
  if (!m && err->code == LOAM_OK) {
    err->code = LOAM_ERR_MALFORMED;
    snprintf(err->message, sizeof err->message, "load failed, no error given");
  }
  if (m && !grow((void **)&sc->mods, &sc->capmods, sc->nmods + 1,
                 sizeof *sc->mods)) {
    loam_module_free(m);
    err->code = LOAM_ERR_NOMEM;
    snprintf(err->message, sizeof err->message, "out of memory");
    return NULL;
  }
  if (m) sc->mods[sc->nmods++] = m;
  return m;
}

static void set_deadline(script *sc) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint64_t now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
  loam_store_set_deadline(sc->store, now + WAST_DEADLINE_NS);
}

static loam_instance *instantiate(script *sc, const loam_module *m,
                                  loam_error *err) {
  set_deadline(sc);
  loam_instance *inst = loam_instantiate(sc->store, m, sc->linker, err);
  loam_store_set_deadline(sc->store, 0);
  if (!inst && err->code == LOAM_OK) { /* never count a silent failure as ok */
    err->code = LOAM_ERR_ARGUMENT;
    snprintf(err->message, sizeof err->message,
             "instantiation failed, no error given");
  }
  return inst;
}

static bool add_name(script *sc, const char *name, loam_instance *inst) {
  if (!grow((void **)&sc->names, &sc->capnames, sc->nnames + 1,
            sizeof *sc->names))
    return false;
  char *copy = strdup(name);
  if (!copy) return false;
  sc->names[sc->nnames++] = (named){copy, inst};
  return true;
}

/* The instance a command names (or the current one); the latest wins. */
static loam_instance *find_instance(script *sc, const char *name) {
  if (!name) return sc->current;
  for (size_t i = sc->nnames; i-- > 0;)
    if (!strcmp(sc->names[i].name, name)) return sc->names[i].inst;
  return NULL;
}

/* ---- actions -------------------------------------------------------------- */

/* "invoke $M.f(i32:1, ...)" or "get $M.g", for messages. */
static void describe_action(json_t *action, char *buf, size_t n) {
  const char *type = json_string_value(json_object_get(action, "type"));
  const char *mod = json_string_value(json_object_get(action, "module"));
  const char *field = json_string_value(json_object_get(action, "field"));
  size_t used = (size_t)snprintf(buf, n, "%s %s%s%s", type ? type : "?",
                                 mod ? mod : "", mod ? "." : "",
                                 field ? field : "?");
  json_t *args = json_object_get(action, "args");
  if (!json_is_array(args) || used >= n) return;
  used += (size_t)snprintf(buf + used, n - used, "(");
  for (size_t i = 0; i < json_array_size(args) && used < n; i++) {
    json_t *a = json_array_get(args, i);
    const char *t = json_string_value(json_object_get(a, "type"));
    const char *v = json_string_value(json_object_get(a, "value"));
    used += (size_t)snprintf(buf + used, n - used, "%s%s:%s", i ? ", " : "",
                             t ? t : "?", v ? v : "?");
  }
  if (used < n) snprintf(buf + used, n - used, ")");
}

/* What running an action produced. */
typedef struct outcome {
  loam_error err;     /* code LOAM_OK when it ran to completion */
  loam_val *results;  /* malloc'd, nresults long */
  size_t nresults;
} outcome;

static void setup_error(outcome *o, loam_status code, const char *fmt,
                        const char *arg) {
  o->err.code = code;
  snprintf(o->err.message, sizeof o->err.message, fmt, arg ? arg : "?");
}

/* The export the action's "field" names; names may contain NUL, so the
 * lookup goes by pointer and length. */
static bool find_export(loam_instance *inst, json_t *field, loam_extern *out) {
  const char *name = json_string_value(field);
  return name &&
         loam_instance_export_n(inst, name, json_string_length(field), out);
}

static void do_get(loam_instance *inst, json_t *jfield, outcome *o) {
  const char *field = json_string_value(jfield);
  loam_extern ext;
  if (!find_export(inst, jfield, &ext) || ext.kind != LOAM_EXTERN_GLOBAL) {
    setup_error(o, LOAM_ERR_NOT_FOUND, "no exported global '%s'", field);
    return;
  }
  o->results = malloc(sizeof *o->results);
  if (!o->results) {
    setup_error(o, LOAM_ERR_NOMEM, "out of memory%s", "");
    return;
  }
  o->results[0] = loam_global_get(ext.of.global);
  o->nresults = 1;
}

static bool parse_args(json_t *args, loam_val **out, size_t *n, outcome *o) {
  size_t count = json_array_size(args);
  char why[128];
  *out = calloc(count ? count : 1, sizeof **out);
  if (!*out) return false;
  *n = count;
  for (size_t i = 0; i < count; i++)
    if (!wast_parse_arg(json_array_get(args, i), &(*out)[i], why, sizeof why)) {
      setup_error(o, LOAM_ERR_ARGUMENT, "argument: %s", why);
      return false;
    }
  return true;
}

static void do_invoke(script *sc, loam_instance *inst, json_t *action,
                      json_t *jfield, outcome *o) {
  const char *field = json_string_value(jfield);
  loam_extern ext;
  loam_func *f = NULL;
  if (find_export(inst, jfield, &ext) && ext.kind == LOAM_EXTERN_FUNC)
    f = ext.of.func;
  if (!f) {
    setup_error(o, LOAM_ERR_NOT_FOUND, "no exported function '%s'", field);
    return;
  }
  loam_val *args = NULL;
  size_t nargs = 0;
  if (!parse_args(json_object_get(action, "args"), &args, &nargs, o)) {
    if (o->err.code == LOAM_OK)
      setup_error(o, LOAM_ERR_NOMEM, "out of memory%s", "");
    free(args);
    return;
  }
  loam_functype ft = loam_func_type(f);
  o->results = calloc(ft.nresults ? ft.nresults : 1, sizeof *o->results);
  if (!o->results) {
    free(args);
    setup_error(o, LOAM_ERR_NOMEM, "out of memory%s", "");
    return;
  }
  o->nresults = ft.nresults;
  set_deadline(sc);
  loam_status st =
      loam_call(sc->store, f, args, nargs, o->results, ft.nresults, &o->err);
  loam_store_set_deadline(sc->store, 0);
  if (st != LOAM_OK && o->err.code != st) /* trust the status over err */
    setup_error(o, st, "%s", loam_status_text(st));
  if (st == LOAM_OK) o->err.code = LOAM_OK;
  free(args);
}

/* Runs an action; the outcome's err says whether it completed. */
static void run_action(script *sc, json_t *action, outcome *o) {
  memset(o, 0, sizeof *o);
  const char *type = json_string_value(json_object_get(action, "type"));
  const char *mod = json_string_value(json_object_get(action, "module"));
  json_t *field = json_object_get(action, "field");
  loam_instance *inst = find_instance(sc, mod);
  if (!inst) {
    setup_error(o, LOAM_ERR_NOT_FOUND, "no module instance '%s'",
                mod ? mod : "(current)");
    return;
  }
  if (type && !strcmp(type, "invoke"))
    do_invoke(sc, inst, action, field, o);
  else if (type && !strcmp(type, "get"))
    do_get(inst, field, o);
  else
    setup_error(o, LOAM_ERR_ARGUMENT, "unknown action type '%s'", type);
}

/* ---- commands ------------------------------------------------------------- */

static void cmd_module(script *sc, json_t *cmd, long line) {
  loam_error err = {0};
  const char *name = json_string_value(json_object_get(cmd, "name"));
  sc->current = NULL; /* a failed module leaves no current one */
  loam_module *m =
      load_module(sc, json_string_value(json_object_get(cmd, "filename")), &err);
  if (!m) {
    fail(sc, line, "module", "load failed: %s", err.message);
    return;
  }
  loam_instance *inst = instantiate(sc, m, &err);
  if (!inst) {
    fail(sc, line, "module", "instantiation failed: %s", err.message);
    return;
  }
  sc->current = inst;
  if (name && !add_name(sc, name, inst))
    fail(sc, line, "module", "out of memory");
}

static void cmd_register(script *sc, json_t *cmd, long line) {
  const char *as = json_string_value(json_object_get(cmd, "as"));
  const char *name = json_string_value(json_object_get(cmd, "name"));
  loam_instance *inst = find_instance(sc, name);
  if (!as || !inst) {
    fail(sc, line, "register", "no module instance '%s' to register",
         name ? name : "(current)");
    return;
  }
  if (!loam_linker_define_instance(sc->linker, as, inst))
    fail(sc, line, "register", "out of memory");
}

static void cmd_action(script *sc, json_t *cmd, long line) {
  char what[512];
  outcome o;
  describe_action(json_object_get(cmd, "action"), what, sizeof what);
  run_action(sc, json_object_get(cmd, "action"), &o);
  if (o.err.code != LOAM_OK) fail(sc, line, what, "failed: %s", o.err.message);
  free(o.results);
}

/* Compares every result with its expectation; on a mismatch describes it. */
static bool results_match(json_t *expected, const outcome *o, char *why,
                          size_t n) {
  size_t count = json_array_size(expected);
  if (count != o->nresults) {
    snprintf(why, n, "expected %zu results, got %zu", count, o->nresults);
    return false;
  }
  for (size_t i = 0; i < count; i++) {
    wast_expect want;
    char w[128], g[128];
    if (!wast_parse_expect(json_array_get(expected, i), &want, w, sizeof w)) {
      snprintf(why, n, "result %zu: %s", i, w);
      return false;
    }
    if (!wast_match(&want, &o->results[i])) {
      wast_format_expect(&want, w, sizeof w);
      wast_format_val(&o->results[i], g, sizeof g);
      snprintf(why, n, "result %zu: expected %s, got %s", i, w, g);
      return false;
    }
  }
  return true;
}

static void cmd_assert_return(script *sc, json_t *cmd, long line) {
  char what[512], why[512];
  outcome o;
  describe_action(json_object_get(cmd, "action"), what, sizeof what);
  run_action(sc, json_object_get(cmd, "action"), &o);
  if (o.err.code != LOAM_OK)
    fail(sc, line, "assert_return", "%s: expected results, got \"%s\"", what,
         o.err.message);
  else if (!results_match(json_object_get(cmd, "expected"), &o, why, sizeof why))
    fail(sc, line, "assert_return", "%s: %s", what, why);
  else
    sc->c.passed++;
  free(o.results);
}

/* Judges a trap: the expected text in loam's message passes; so does the
 * same kind of trap in other words (shown with -v). */
static void check_trap(script *sc, long line, const char *cmd,
                       const char *what, const char *text,
                       const loam_error *err) {
  loam_status want = kind_of_text(text);
  if (err->code == LOAM_OK) {
    fail(sc, line, cmd, "%s: expected trap \"%s\", got success", what, text);
  } else if (!LOAM_IS_TRAP(err->code)) {
    fail(sc, line, cmd, "%s: expected trap \"%s\", got error \"%s\"", what,
         text, err->message);
  } else if (strstr(err->message, text)) {
    sc->c.passed++;
  } else if (want != LOAM_OK && err->code == want) {
    sc->c.passed++;
    note(sc, line, cmd, text, err->message);
  } else {
    fail(sc, line, cmd, "%s: expected trap \"%s\", got trap \"%s\"", what,
         text, err->message);
  }
}

static void cmd_assert_trap(script *sc, json_t *cmd, long line,
                            const char *name) {
  char what[512];
  outcome o;
  const char *text = json_string_value(json_object_get(cmd, "text"));
  describe_action(json_object_get(cmd, "action"), what, sizeof what);
  run_action(sc, json_object_get(cmd, "action"), &o);
  check_trap(sc, line, name, what, text ? text : "", &o.err);
  free(o.results);
}

/* assert_invalid / assert_malformed: the binary must not load. Text modules
 * would need a text parser; they are skipped. */
static void cmd_assert_bad_module(script *sc, json_t *cmd, long line,
                                  const char *name) {
  const char *mtype = json_string_value(json_object_get(cmd, "module_type"));
  const char *text = json_string_value(json_object_get(cmd, "text"));
  const char *file = json_string_value(json_object_get(cmd, "filename"));
  if (mtype && !strcmp(mtype, "text")) {
    sc->c.skipped++;
    return;
  }
  loam_error err = {0};
  char path[PATH_MAX + 256];
  snprintf(path, sizeof path, "%s/%s", sc->dir, file ? file : "");
  FILE *probe = fopen(path, "rb");
  if (!probe) {
    fail(sc, line, name, "cannot read %s", path);
    return;
  }
  fclose(probe);
  if (load_module(sc, file, &err)) {
    fail(sc, line, name, "%s: expected \"%s\", but the module loaded", file,
         text ? text : "");
    return;
  }
  sc->c.passed++;
  if (text && !strstr(err.message, text)) note(sc, line, name, text, err.message);
}

/* assert_unlinkable / assert_uninstantiable: the module loads, then
 * instantiation must fail (a link error, or a trap). */
static void cmd_assert_instantiate_fails(script *sc, json_t *cmd, long line,
                                         const char *name, bool want_trap) {
  const char *text = json_string_value(json_object_get(cmd, "text"));
  const char *file = json_string_value(json_object_get(cmd, "filename"));
  loam_error err = {0};
  if (!text) text = "";
  loam_module *m = load_module(sc, file, &err);
  if (!m) {
    fail(sc, line, name, "%s: load failed: %s", file ? file : "?", err.message);
    return;
  }
  if (instantiate(sc, m, &err)) {
    fail(sc, line, name, "%s: expected \"%s\", but instantiation succeeded",
         file, text);
    return;
  }
  if (want_trap) {
    check_trap(sc, line, name, file, text, &err);
  } else if (err.code != LOAM_ERR_UNKNOWN_IMPORT &&
             err.code != LOAM_ERR_IMPORT_TYPE) {
    fail(sc, line, name, "%s: expected link error \"%s\", got \"%s\"",
         file, text, err.message);
  } else {
    sc->c.passed++;
    if (!strstr(err.message, text)) note(sc, line, name, text, err.message);
  }
}

static void run_command(script *sc, json_t *cmd) {
  const char *type = json_string_value(json_object_get(cmd, "type"));
  long line = (long)json_integer_value(json_object_get(cmd, "line"));
  if (!type) type = "";
  if (!strcmp(type, "module")) cmd_module(sc, cmd, line);
  else if (!strcmp(type, "register")) cmd_register(sc, cmd, line);
  else if (!strcmp(type, "action")) cmd_action(sc, cmd, line);
  else if (!strcmp(type, "assert_return")) cmd_assert_return(sc, cmd, line);
  else if (!strcmp(type, "assert_trap") || !strcmp(type, "assert_exhaustion"))
    cmd_assert_trap(sc, cmd, line, type);
  else if (!strcmp(type, "assert_invalid") || !strcmp(type, "assert_malformed"))
    cmd_assert_bad_module(sc, cmd, line, type);
  else if (!strcmp(type, "assert_unlinkable"))
    cmd_assert_instantiate_fails(sc, cmd, line, type, false);
  else if (!strcmp(type, "assert_uninstantiable"))
    cmd_assert_instantiate_fails(sc, cmd, line, type, true);
  else
    fail(sc, line, type, "unknown command");
}

/* ---- one script ----------------------------------------------------------- */

static void script_free(script *sc) {
  if (sc->store) loam_store_free(sc->store);
  if (sc->linker) loam_linker_free(sc->linker);
  for (size_t i = 0; i < sc->nmods; i++) loam_module_free(sc->mods[i]);
  for (size_t i = 0; i < sc->nnames; i++) free(sc->names[i].name);
  free(sc->mods);
  free(sc->names);
}

static void set_dir(script *sc, const char *json_path) {
  const char *slash = strrchr(json_path, '/');
  if (!slash)
    snprintf(sc->dir, sizeof sc->dir, ".");
  else
    snprintf(sc->dir, sizeof sc->dir, "%.*s", (int)(slash - json_path),
             json_path);
}

bool wast_run_json(const char *json_path, const char *shown, bool verbose,
                   wast_counts *counts) {
  json_error_t jerr;
  json_t *root = json_load_file(json_path, JSON_ALLOW_NUL, &jerr);
  json_t *cmds = root ? json_object_get(root, "commands") : NULL;
  if (!json_is_array(cmds)) {
    printf("%s: cannot read %s: %s\n", shown, json_path,
           root ? "no \"commands\" array" : jerr.text);
    json_decref(root);
    counts->failed++;
    return false;
  }
  script sc = {.shown = shown, .verbose = verbose};
  set_dir(&sc, json_path);
  sc.store = loam_store_new(0);
  sc.linker = loam_linker_new();
  if (!sc.store || !sc.linker || !wast_define_spectest(sc.store, sc.linker)) {
    fail(&sc, 0, "setup", "cannot create the store and spectest module");
  } else {
    for (size_t i = 0; i < json_array_size(cmds); i++)
      run_command(&sc, json_array_get(cmds, i));
  }
  if (sc.c.failed > sc.described)
    printf("  %s: ... %ld more failures (-v shows all)\n", shown,
           sc.c.failed - sc.described);
  printf("%s: %ld passed, %ld failed, %ld skipped\n", shown, sc.c.passed,
         sc.c.failed, sc.c.skipped);
  counts->passed += sc.c.passed;
  counts->failed += sc.c.failed;
  counts->skipped += sc.c.skipped;
  script_free(&sc);
  json_decref(root);
  return true;
}
