/* stubgen.c — `loam stubgen <command>`: typed RPC stubs for C guests, with
 * the commands and messages of Golem's wasm-rpc-stubgen (generate, build,
 * add-stub-dependency, compose, initialize-workspace). The work is done by
 * src/stubgen (and src/compose for compose); this file parses arguments. */
#include "commands.h"
#include "compose/compose.h"
#include "stubgen/stubgen.h"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sub {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *about;
  const char *help;   /* usage and options */
} sub;

static const sub *find_sub(const char *name);

static bool is_help(const char *a) { return !strcmp(a, "-h") || !strcmp(a, "--help"); }

static int print_help(const char *name) {
  const sub *s = find_sub(name);
  printf("%s\n\n%s", s->about, s->help);
  return 0;
}

static int usage_error(const char *name, const char *msg) {
  const sub *s = find_sub(name);
  fprintf(stderr, "loam stubgen %s: %s\n\n%s", name, msg, s->help);
  return 2;
}

static int failed(const char *name, const loam_error *err) {
  fprintf(stderr, "loam stubgen %s: %s\n", name, err->message);
  return 1;
}

/* Options: "--flag VALUE" into *slot; true when argv[*i] was one of them. */
typedef struct opt {
  const char *flag;
  const char **slot;
} opt;

/* Parses the common shape: single-value flags and boolean switches. Returns
 * -1 to continue, or an exit status (help printed, or a usage error). */
static int parse(const char *name, int argc, char **argv, const opt *opts, size_t nopts,
                 const char *boolflag, bool *boolval) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (is_help(a)) return print_help(name);
    if (boolflag && !strcmp(a, boolflag)) {
      *boolval = true;
      continue;
    }
    bool known = false;
    for (size_t k = 0; k < nopts && !known; k++) {
      if (strcmp(a, opts[k].flag)) continue;
      known = true;
      if (i + 1 >= argc) {
        char msg[128];
        snprintf(msg, sizeof msg, "%s needs a value", a);
        return usage_error(name, msg);
      }
      *opts[k].slot = argv[++i];
    }
    if (!known) {
      char msg[300];
      snprintf(msg, sizeof msg, "unexpected argument '%s'", a);
      return usage_error(name, msg);
    }
  }
  return -1;
}

/* The first of opts that is required (named in `required`) and missing. */
static int require(const char *name, const opt *opts, size_t nopts, size_t nrequired) {
  for (size_t k = 0; k < nopts && k < nrequired; k++)
    if (!*opts[k].slot) {
      char msg[128];
      snprintf(msg, sizeof msg, "%s is required", opts[k].flag);
      return usage_error(name, msg);
    }
  return -1;
}

/* ---- the commands ---------------------------------------------------------------- */

static int cmd_generate(int argc, char **argv) {
  const char *src = NULL, *dest = NULL, *world = NULL;
  opt opts[] = {{"--source-wit-root", &src}, {"--dest-crate-root", &dest}, {"--world", &world}};
  int rc = parse("generate", argc, argv, opts, 3, NULL, NULL);
  if (rc < 0) rc = require("generate", opts, 3, 2);
  if (rc >= 0) return rc;
  loam_error err = {0};
  return loam_stubgen_generate(src, dest, world, NULL, stdout, &err) ? 0
                                                                      : failed("generate", &err);
}

static int cmd_build(int argc, char **argv) {
  const char *src = NULL, *wasm = NULL, *wit = NULL, *world = NULL;
  opt opts[] = {{"--source-wit-root", &src}, {"--dest-wasm", &wasm}, {"--dest-wit-root", &wit},
                {"--world", &world}};
  int rc = parse("build", argc, argv, opts, 4, NULL, NULL);
  if (rc < 0) rc = require("build", opts, 4, 2);
  if (rc >= 0) return rc;
  loam_error err = {0};
  if (!loam_stubgen_build(src, wasm, wit, world, stdout, &err)) return failed("build", &err);
  printf("Wrote the stub to %s\n", wasm);
  return 0;
}

static int cmd_add_dep(int argc, char **argv) {
  const char *stub = NULL, *dest = NULL;
  bool overwrite = false;
  opt opts[] = {{"--stub-wit-root", &stub}, {"--dest-wit-root", &dest}};
  int rc = parse("add-stub-dependency", argc, argv, opts, 2, "--overwrite", &overwrite);
  if (rc < 0) rc = require("add-stub-dependency", opts, 2, 2);
  if (rc >= 0) return rc;
  loam_error err = {0};
  return loam_stubgen_add_dependency(stub, dest, overwrite, stdout, &err)
             ? 0
             : failed("add-stub-dependency", &err);
}

/* Flags taking one or more values: "--stub-wasm a b --stub-wasm c". */
typedef struct multi {
  const char *flag;
  const char **vals;
  size_t n;
} multi;

static int parse_multi(const char *name, int argc, char **argv, multi *ms, size_t nms,
                       const opt *opts, size_t nopts) {
  multi *cur = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (is_help(a)) return print_help(name);
    bool flag = false;
    for (size_t k = 0; k < nms && !flag; k++)
      if (!strcmp(a, ms[k].flag)) cur = &ms[k], flag = true;
    for (size_t k = 0; k < nopts && !flag; k++) {
      if (strcmp(a, opts[k].flag)) continue;
      flag = true;
      cur = NULL;
      if (i + 1 >= argc) {
        char msg[128];
        snprintf(msg, sizeof msg, "%s needs a value", a);
        return usage_error(name, msg);
      }
      *opts[k].slot = argv[++i];
    }
    if (flag) continue;
    if (!cur || a[0] == '-') {
      char msg[300];
      snprintf(msg, sizeof msg, "unexpected argument '%s'", a);
      return usage_error(name, msg);
    }
    cur->vals[cur->n++] = a;
  }
  return -1;
}

static int cmd_compose(int argc, char **argv) {
  const char *caller = NULL, *out = NULL;
  const char **stubs = calloc((size_t)argc + 1, sizeof *stubs);
  if (!stubs) return 1;
  multi ms[] = {{"--stub-wasm", stubs, 0}};
  opt opts[] = {{"--source-wasm", &caller}, {"--dest-wasm", &out}};
  int rc = parse_multi("compose", argc, argv, ms, 1, opts, 2);
  if (rc < 0) rc = require("compose", opts, 2, 2);
  if (rc < 0 && !ms[0].n) rc = usage_error("compose", "--stub-wasm is required");
  if (rc < 0) {
    loam_error err = {0};
    loam_compose_opts o = {.caller = caller, .stubs = stubs, .nstubs = ms[0].n, .out = out,
                           .report = stdout};
    /* loam_compose reports what it linked and where it wrote (the seed's words) */
    rc = loam_compose(&o, &err) ? 0 : failed("compose", &err);
  }
  free(stubs);
  return rc;
}

static int cmd_init(int argc, char **argv) {
  const char **targets = calloc((size_t)argc + 1, sizeof *targets);
  const char **callers = calloc((size_t)argc + 1, sizeof *callers);
  int rc = 1;
  if (targets && callers) {
    multi ms[] = {{"--targets", targets, 0}, {"--callers", callers, 0}};
    rc = parse_multi("initialize-workspace", argc, argv, ms, 2, NULL, 0);
    if (rc < 0 && !ms[0].n) rc = usage_error("initialize-workspace", "--targets is required");
    if (rc < 0 && !ms[1].n) rc = usage_error("initialize-workspace", "--callers is required");
    if (rc < 0) {
      loam_error err = {0};
      rc = loam_stubgen_init_workspace(".", targets, ms[0].n, callers, ms[1].n, stdout, &err)
               ? 0
               : failed("initialize-workspace", &err);
    }
  }
  free(targets);
  free(callers);
  return rc;
}

static const sub subs[] = {
    {"generate", cmd_generate, "Generate a C RPC stub project for a WASM component",
     "Usage: loam stubgen generate --source-wit-root DIR --dest-crate-root DIR [--world W]\n\n"
     "Options:\n"
     "  --source-wit-root DIR  the target's WIT directory (its package, deps/ beside it)\n"
     "  --dest-crate-root DIR  where to write the stub project (wit/, src/stub.c, loam.toml)\n"
     "  --world W              the target world (default: the package's only world)\n"
     "  -h, --help             Print help\n"},
    {"build", cmd_build, "Build an RPC stub for a WASM component",
     "Usage: loam stubgen build --source-wit-root DIR --dest-wasm OUT [--dest-wit-root DIR] "
     "[--world W]\n\n"
     "Options:\n"
     "  --source-wit-root DIR  the target's WIT directory\n"
     "  --dest-wasm OUT        the stub module to write\n"
     "  --dest-wit-root DIR    where to copy the stub's WIT (with its deps)\n"
     "  --world W              the target world (default: the package's only world)\n"
     "  -h, --help             Print help\n"},
    {"add-stub-dependency", cmd_add_dep,
     "Adds a generated stub as a dependency to another WASM component",
     "Usage: loam stubgen add-stub-dependency --stub-wit-root DIR --dest-wit-root DIR "
     "[--overwrite]\n\n"
     "Options:\n"
     "  --stub-wit-root DIR  the wit directory of a generated stub\n"
     "  --dest-wit-root DIR  the caller's wit directory (the stub goes into its deps/)\n"
     "  --overwrite          replace files that exist with other contents\n"
     "  -h, --help           Print help\n"},
    {"compose", cmd_compose, "Compose a WASM component with a generated stub WASM",
     "Usage: loam stubgen compose --source-wasm CALLER --stub-wasm STUB... --dest-wasm OUT\n\n"
     "Options:\n"
     "  --source-wasm CALLER  the caller's module (built with loam build)\n"
     "  --stub-wasm STUB...   stub modules (loam stubgen build); repeatable\n"
     "  --dest-wasm OUT       the composed module to write (loam template add takes it)\n"
     "  -h, --help            Print help\n"},
    {"initialize-workspace", cmd_init,
     "Initializes a loam-specific Makefile in a workspace for automatically generating stubs "
     "and composing results",
     "Usage: loam stubgen initialize-workspace --targets T... --callers C...\n\n"
     "Options:\n"
     "  --targets T...  member directories whose workers are called (stubs are made for them)\n"
     "  --callers C...  member directories that call them\n"
     "  -h, --help      Print help\n"
     "\nWrites ./Makefile (make build-flow, make release-build-flow) and the initial stubs.\n"},
};

static const sub *find_sub(const char *name) {
  for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
    if (!strcmp(subs[i].name, name)) return &subs[i];
  return NULL;
}

static void usage(FILE *out) {
  fprintf(out, "WASM RPC stub generator\n\nUsage: loam stubgen <COMMAND>\n\nCommands:\n");
  for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
    fprintf(out, "  %-21s %s\n", subs[i].name, subs[i].about);
  fprintf(out, "  %-21s %s\n\nOptions:\n  -h, --help  Print help\n", "help",
          "Print this message or the help of the given subcommand(s)");
}

int loam_cmd_stubgen(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (is_help(argv[1])) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(argv[1], "help")) {
    if (argc < 3) {
      usage(stdout);
      return 0;
    }
    if (find_sub(argv[2])) return print_help(argv[2]);
    fprintf(stderr, "loam stubgen: unknown command '%s'\n", argv[2]);
    return 2;
  }
  const sub *s = find_sub(argv[1]);
  if (!s) {
    fprintf(stderr, "loam stubgen: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
  }
  return s->run(argc - 1, argv + 1);
}
