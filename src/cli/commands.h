/*
 * commands.h — the subcommands of the `loam` program. Each takes the
 * arguments after its name (argv[0] is the subcommand name) and returns the
 * process exit status. main.c dispatches to them.
 */
#ifndef LOAM_CLI_COMMANDS_H
#define LOAM_CLI_COMMANDS_H

int loam_cmd_run(int argc, char **argv);   /* run.c: run a WASI program */
int loam_cmd_wast(int argc, char **argv);  /* wast.c: run spec scripts */
int loam_cmd_wit(int argc, char **argv);   /* wit.c: print/check WIT directories */
int loam_cmd_bindgen(int argc, char **argv);  /* bindgen.c: C bindings from WIT */
int loam_cmd_build(int argc, char **argv);    /* build.c: build a C guest */
int loam_cmd_inspect(int argc, char **argv);  /* inspect.c: a module's WIT, imports, exports */
int loam_cmd_new(int argc, char **argv);      /* new.c: a guest project from an example */
int loam_cmd_list_examples(int argc, char **argv);  /* new.c */
int loam_cmd_server(int argc, char **argv);    /* server.c: the REST API server */
int loam_cmd_template(int argc, char **argv);  /* template.c: templates on a server */
int loam_cmd_worker(int argc, char **argv);    /* worker.c: workers on a server */
int loam_cmd_stubgen(int argc, char **argv);   /* stubgen.c: typed RPC stubs */

#endif
