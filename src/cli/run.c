/*
 * run.c — `loam run`: load a WASI program, link WASI preview1 into it,
 * instantiate it and run `_start` (or one exported function), like
 * `wasmtime run`.
 *
 *   loam run FILE.wasm [--dir HOST[::GUEST]]... [--env K=V]...
 *                      [--invoke FUNC [ARGS...]] [-- ARGS...]
 *
 * Exit status: the guest's (its proc_exit code, 0 when _start returns);
 * 1 when the module cannot be read, loaded, linked or instantiated (the
 * engine's message says where); 2 for a usage error; 134 when the guest traps
 * (as a process killed by SIGABRT would), after "loam: trap: ..." and the
 * guest backtrace on stderr.
 */
#include "commands.h"
#include "host/wasi.h"
#include "loam/wasm.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { RUN_LOAD_ERROR = 1, RUN_USAGE = 2, RUN_TRAP = 134 };

typedef struct run_opts {
  const char *file;
  loam_wasi_preopen *dirs;
  size_t ndirs;
  const char **env;
  size_t nenv;
  const char *invoke;       /* NULL: run _start */
  const char **invoke_args;
  size_t ninvoke_args;
  const char **guest_argv;  /* [0] is the file name */
  size_t guest_argc;
} run_opts;

static int usage(const char *msg) {
  fprintf(stderr, "loam run: %s\nusage: loam run FILE.wasm [--dir HOST[::GUEST]]... "
          "[--env K=V]... [--invoke FUNC [ARGS...]] [-- ARGS...]\n", msg);
  return RUN_USAGE;
}

/* The value of option `name` at argv[*i] ("--name V" or "--name=V"), or
 * NULL if argv[*i] is not that option. Advances *i past a separate value. */
static const char *opt_value(int argc, char **argv, int *i, const char *name,
                             bool *missing) {
  size_t n = strlen(name);
  if (strncmp(argv[*i], name, n)) return NULL;
  if (argv[*i][n] == '=') return argv[*i] + n + 1;
  if (argv[*i][n] != '\0') return NULL;
  if (*i + 1 >= argc) {
    *missing = true;
    return NULL;
  }
  return argv[++*i];
}

/* "HOST::GUEST" or "HOST" (seen by the guest under the same name). */
static void parse_dir(char *spec, loam_wasi_preopen *out) {
  char *sep = strstr(spec, "::");
  out->host = spec;
  out->guest = spec;
  if (sep) {
    *sep = '\0';
    out->guest = sep + 2;
  }
}

/* Fills `o` from the command line; returns 0 or the usage exit status. The
 * arrays are allocated for argc entries (never more are needed). */
static int parse_args(int argc, char **argv, run_opts *o) {
  size_t cap = (size_t)argc + 1;
  o->dirs = calloc(cap, sizeof *o->dirs);
  o->env = calloc(cap, sizeof *o->env);
  o->invoke_args = calloc(cap, sizeof *o->invoke_args);
  o->guest_argv = calloc(cap, sizeof *o->guest_argv);
  if (!o->dirs || !o->env || !o->invoke_args || !o->guest_argv)
    return usage("out of memory");
  int i = 1;
  for (; i < argc; i++) {
    bool missing = false;
    const char *v;
    if (!strcmp(argv[i], "--")) {
      i++;
      break;
    } else if ((v = opt_value(argc, argv, &i, "--dir", &missing))) {
      parse_dir((char *)v, &o->dirs[o->ndirs++]);
    } else if ((v = opt_value(argc, argv, &i, "--env", &missing))) {
      if (!strchr(v, '=')) return usage("--env wants KEY=VALUE");
      o->env[o->nenv++] = v;
    } else if ((v = opt_value(argc, argv, &i, "--invoke", &missing))) {
      o->invoke = v;
    } else if (missing) {
      return usage("option needs a value");
    } else if (!o->file) {
      o->file = argv[i];
    } else if (o->invoke) {
      o->invoke_args[o->ninvoke_args++] = argv[i];
    } else {
      o->guest_argv[1 + o->guest_argc++] = argv[i]; /* wasmtime-style */
    }
  }
  for (; i < argc; i++) o->guest_argv[1 + o->guest_argc++] = argv[i];
  if (!o->file) return usage("no FILE.wasm given");
  o->guest_argv[0] = o->file;
  o->guest_argc++;
  return 0;
}

/* The whole file at `path` in a malloc'd buffer, or NULL (errno set). */
static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n == cap) {
      cap = cap ? cap * 2 : 1 << 16;
      uint8_t *nb = realloc(buf, cap);
      if (!nb) break;
      buf = nb;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) {
      if (ferror(f)) break;
      fclose(f);
      *len = n;
      return buf;
    }
  }
  free(buf);
  fclose(f);
  return NULL;
}

/* ---- --invoke arguments and results --------------------------------------- */

/* Parses text as a value of type t; false if it is not one. */
static bool parse_val(const char *text, loam_valtype t, loam_val *out) {
  char *end = NULL;
  errno = 0;
  out->type = t;
  switch (t) {
  case LOAM_I32: {
    long long v = strtoll(text, &end, 0);
    if (v < INT32_MIN || v > (long long)UINT32_MAX) return false;
    out->of.i32 = (uint32_t)v;
    break;
  }
  case LOAM_I64:
    if (text[0] == '-') out->of.i64 = (uint64_t)strtoll(text, &end, 0);
    else out->of.i64 = strtoull(text, &end, 0);
    break;
  case LOAM_F32: {
    float f = strtof(text, &end);
    memcpy(&out->of.f32, &f, 4);
    break;
  }
  case LOAM_F64: {
    double d = strtod(text, &end);
    memcpy(&out->of.f64, &d, 8);
    break;
  }
  default:
    return false; /* references cannot be written on a command line */
  }
  return end && end != text && *end == '\0' && errno != ERANGE;
}

static void print_val(loam_val v) {
  switch (v.type) {
  case LOAM_I32: printf("%" PRId32 "\n", (int32_t)v.of.i32); break;
  case LOAM_I64: printf("%" PRId64 "\n", (int64_t)v.of.i64); break;
  case LOAM_F32: {
    float f;
    memcpy(&f, &v.of.f32, 4);
    printf("%.9g\n", (double)f);
    break;
  }
  case LOAM_F64: {
    double d;
    memcpy(&d, &v.of.f64, 8);
    printf("%.17g\n", d);
    break;
  }
  default: printf("%s\n", v.of.ref ? "<ref>" : "null"); break;
  }
}

/* ---- running ---------------------------------------------------------------- */

/* The exit status for the outcome of a guest call. */
static int outcome(loam_status st, const loam_error *err) {
  if (st == LOAM_OK) return 0;
  if (st == LOAM_TRAP_EXIT) return err->exit_code;
  if (LOAM_IS_TRAP(st)) {
    fflush(stdout);
    fprintf(stderr, "loam: trap: %s\n", err->message[0] ? err->message
                                                      : loam_status_text(st));
    if (err->backtrace[0]) fprintf(stderr, "%s", err->backtrace);
    size_t n = strlen(err->backtrace);
    if (n && err->backtrace[n - 1] != '\n') fputc('\n', stderr);
    return RUN_TRAP;
  }
  fprintf(stderr, "loam: %s\n", err->message);
  return RUN_LOAD_ERROR;
}

/* Calls export `name` with the text arguments, printing its results. */
static int invoke(loam_store *s, loam_instance *inst, const run_opts *o) {
  loam_func *f = loam_instance_func(inst, o->invoke);
  if (!f) {
    fprintf(stderr, "loam: %s: no exported function '%s'\n", o->file, o->invoke);
    return RUN_LOAD_ERROR;
  }
  loam_functype ft = loam_func_type(f);
  if (ft.nparams != o->ninvoke_args) {
    fprintf(stderr, "loam: %s wants %u arguments, got %zu\n", o->invoke,
            ft.nparams, o->ninvoke_args);
    return RUN_USAGE;
  }
  loam_val *args = calloc(ft.nparams + 1, sizeof *args);
  loam_val *res = calloc(ft.nresults + 1, sizeof *res);
  int rc = RUN_LOAD_ERROR;
  if (!args || !res) goto done;
  for (uint32_t i = 0; i < ft.nparams; i++)
    if (!parse_val(o->invoke_args[i], ft.params[i], &args[i])) {
      fprintf(stderr, "loam: argument %u ('%s') is not a valid %s\n", i + 1,
              o->invoke_args[i], ft.params[i] == LOAM_I32 ? "i32"
              : ft.params[i] == LOAM_I64 ? "i64" : ft.params[i] == LOAM_F32
              ? "f32" : ft.params[i] == LOAM_F64 ? "f64" : "value");
      rc = RUN_USAGE;
      goto done;
    }
  loam_error err = {0};
  loam_status st = loam_call(s, f, args, ft.nparams, res, ft.nresults, &err);
  rc = outcome(st, &err);
  if (st == LOAM_OK)
    for (uint32_t i = 0; i < ft.nresults; i++) print_val(res[i]);
done:
  free(args);
  free(res);
  return rc;
}

/* Runs `name` (no params, no results) if the instance exports it. */
static int call_if_exported(loam_store *s, loam_instance *inst,
                            const char *name, bool required) {
  loam_func *f = loam_instance_func(inst, name);
  if (!f) {
    if (!required) return 0;
    fprintf(stderr, "loam: module exports no '%s' (try --invoke)\n", name);
    return RUN_LOAD_ERROR;
  }
  loam_error err = {0};
  return outcome(loam_call(s, f, NULL, 0, NULL, 0, &err), &err);
}

static int run_module(const run_opts *o, const loam_module *m) {
  loam_wasi_config cfg = {
      .argc = o->guest_argc, .argv = o->guest_argv,
      .envc = o->nenv, .env = o->env,
      .npreopens = o->ndirs, .preopens = o->dirs,
      .stdin_fd = STDIN_FILENO, .stdout_fd = STDOUT_FILENO,
      .stderr_fd = STDERR_FILENO,
  };
  loam_error err = {0};
  loam_wasi *w = loam_wasi_new(&cfg, &err);
  if (!w) {
    fprintf(stderr, "loam: %s\n", err.message);
    return RUN_LOAD_ERROR;
  }
  loam_store *s = loam_store_new(0);
  loam_linker *l = loam_linker_new();
  int rc = RUN_LOAD_ERROR;
  if (!s || !l || !loam_wasi_define(w, l, s)) {
    fprintf(stderr, "loam: out of memory\n");
    goto done;
  }
  loam_instance *inst = loam_instantiate(s, m, l, &err);
  if (!inst) {
    if (LOAM_IS_TRAP(err.code)) rc = outcome(err.code, &err);
    else fprintf(stderr, "loam: %s: %s\n", o->file, err.message);
    goto done;
  }
  if (o->invoke) {
    rc = call_if_exported(s, inst, "_initialize", false);
    if (rc == 0) rc = invoke(s, inst, o);
  } else {
    rc = call_if_exported(s, inst, "_start", true);
  }
done:
  loam_linker_free(l);
  loam_store_free(s);
  loam_wasi_free(w);
  return rc;
}

int loam_cmd_run(int argc, char **argv) {
  run_opts o = {0};
  int rc = parse_args(argc, argv, &o);
  if (rc) goto done;
  size_t len = 0;
  uint8_t *bytes = read_file(o.file, &len);
  if (!bytes) {
    fprintf(stderr, "loam: cannot read %s: %s\n", o.file, strerror(errno));
    rc = RUN_LOAD_ERROR;
    goto done;
  }
  loam_error err = {0};
  loam_module *m = loam_module_load(bytes, len, &err);
  free(bytes);
  if (!m) {
    fprintf(stderr, "loam: %s: %s\n", o.file, err.message);
    rc = RUN_LOAD_ERROR;
    goto done;
  }
  rc = run_module(&o, m);
  loam_module_free(m);
done:
  fflush(stdout);
  free(o.dirs);
  free(o.env);
  free(o.invoke_args);
  free(o.guest_argv);
  return rc;
}
