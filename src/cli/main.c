/* main.c — the `loam` command: picks a subcommand and hands it the rest. */
#include "commands.h"
#include <stdio.h>
#include <string.h>

typedef struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *usage;
} command;

static const command commands[] = {
    {"run", loam_cmd_run,
     "run FILE.wasm [--dir HOST[::GUEST]]... [--env K=V]... [--invoke FUNC [ARGS...]] [-- ARGS...]"},
    {"wast", loam_cmd_wast, "wast FILE.wast..."},
    {"wit", loam_cmd_wit, "wit print DIR [--world W] | wit check DIR"},
    {"bindgen", loam_cmd_bindgen, "bindgen WIT_DIR [--world W] --out DIR"},
    {"build", loam_cmd_build,
     "build --wit DIR [--world W] -o OUT.wasm SRC.c...   (or plain `loam build` with loam.toml)"},
    {"inspect", loam_cmd_inspect, "inspect FILE.wasm"},
    {"new", loam_cmd_new, "new --example NAME DIR"},
    {"list-examples", loam_cmd_list_examples, "list-examples"},
    {"server", loam_cmd_server,
     "server [--data DIR] [--listen 127.0.0.1:9881] [--workers N] [--token-file F] [--max-body BYTES]"},
    {"template", loam_cmd_template, "template add NAME FILE.wasm | list | get NAME   [--url U] [--json]"},
    {"worker", loam_cmd_worker,
     "worker add|get|list|delete|interrupt|resume|oplog|invoke|invoke-and-await|connect ...   (loam worker --help)"},
    {"stubgen", loam_cmd_stubgen,
     "stubgen generate|build|add-stub-dependency|compose|initialize-workspace ...   (loam stubgen --help)"},
};

static void usage(FILE *out) {
  fprintf(out, "usage: loam <command> [args]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(out, "  loam %s\n", commands[i].usage);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
      !strcmp(argv[1], "-h")) {
    usage(stdout);
    return 0;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(argv[1], commands[i].name))
      return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "loam: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}
