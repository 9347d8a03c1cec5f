/* stubgen/workspace.c — `stubgen initialize-workspace`: the workspace's
 * Makefile (the seed's cargo-make flow as make targets) and the initial stubs. */
#define _GNU_SOURCE
#include "stubgen/sg.h"
#include "wasm/module.h"   /* wasm_fail */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* A member's output name: "purchase-history" -> "purchase_history". */
static char *stem(const char *member) {
  const char *slash = strrchr(member, '/');
  return sg_snake(slash && slash[1] ? slash + 1 : member);
}

char *loam_stubgen_makefile(const char *const *targets, size_t ntargets,
                            const char *const *callers, size_t ncallers) {
  sg_buf b = {0};
  sg_printf(&b, "# The build flow of a loam workspace with worker-to-worker RPC, written by\n"
                "#   loam stubgen initialize-workspace");
  sg_printf(&b, " --targets");
  for (size_t i = 0; i < ntargets; i++) sg_printf(&b, " %s", targets[i]);
  sg_printf(&b, " --callers");
  for (size_t i = 0; i < ncallers; i++) sg_printf(&b, " %s", callers[i]);
  sg_printf(&b,
            "\n#\n"
            "# make build-flow          generate the stubs, add them to the callers' wit/deps,\n"
            "#                          build every member and stub, compose each caller with\n"
            "#                          the stubs: all into target/wasm32-wasi/debug/\n"
            "# make release-build-flow  the same into target/wasm32-wasi/release/\n"
            "#\n"
            "# (loam build compiles with -O2 in both: the two differ in where they write.)\n\n"
            "LOAM ?= loam\n\n"
            "# where `loam build -C DIR` writes: the output of DIR/loam.toml\n"
            "output_of = $(1)/$(shell sed -n 's/^output *= *\"\\(.*\\)\".*/\\1/p' $(1)/loam.toml)\n\n"
            "define build_flow\n"
            "@mkdir -p $(OUT)\n");
  for (size_t t = 0; t < ntargets; t++)
    sg_printf(&b, "$(LOAM) stubgen generate --source-wit-root %s/wit --dest-crate-root %s-stub\n",
              targets[t], targets[t]);
  for (size_t c = 0; c < ncallers; c++)
    for (size_t t = 0; t < ntargets; t++)
      sg_printf(&b,
                "$(LOAM) stubgen add-stub-dependency --stub-wit-root %s-stub/wit "
                "--dest-wit-root %s/wit --overwrite\n",
                targets[t], callers[c]);
  const char *const *groups[2] = {targets, callers};
  size_t counts[2] = {ntargets, ncallers};
  for (int g = 0; g < 2; g++)
    for (size_t i = 0; i < counts[g]; i++) {
      const char *m = groups[g][i];
      char *s = stem(m);
      sg_printf(&b, "$(LOAM) build -C %s\ncp $(call output_of,%s) $(OUT)/%s.wasm\n", m, m,
                s ? s : "");
      free(s);
    }
  for (size_t t = 0; t < ntargets; t++) {
    char *s = stem(targets[t]);
    sg_printf(&b, "$(LOAM) build -C %s-stub\ncp %s-stub/%s_stub.wasm $(OUT)/%s_stub.wasm\n",
              targets[t], targets[t], s ? s : "", s ? s : "");
    free(s);
  }
  for (size_t c = 0; c < ncallers; c++) {
    char *s = stem(callers[c]);
    sg_printf(&b, "$(LOAM) stubgen compose --source-wasm $(OUT)/%s.wasm", s ? s : "");
    for (size_t t = 0; t < ntargets; t++) {
      char *ts = stem(targets[t]);
      sg_printf(&b, " --stub-wasm $(OUT)/%s_stub.wasm", ts ? ts : "");
      free(ts);
    }
    sg_printf(&b, " --dest-wasm $(OUT)/%s_composed.wasm\n", s ? s : "");
    free(s);
  }
  sg_printf(&b, "@echo \"Build done: $(OUT)/\"\n"
                "endef\n\n"
                ".PHONY: build-flow release-build-flow clean\n\n"
                "build-flow: OUT = target/wasm32-wasi/debug\n"
                "build-flow:\n\t$(build_flow)\n\n"
                "release-build-flow: OUT = target/wasm32-wasi/release\n"
                "release-build-flow:\n\t$(build_flow)\n\n"
                "clean:\n\trm -rf target\n");
  return sg_take(&b);
}

/* A member directory of the workspace must exist and hold a wit/ directory. */
static bool check_member(const char *root, const char *kind, const char *m, loam_error *err) {
  char *dir = sg_fmt("%s/%s", root, m), *wit = sg_fmt("%s/%s/wit", root, m);
  bool ok = dir && wit;
  if (!ok) wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
  if (ok && !sg_is_dir(dir))
    ok = wasm_fail(err, LOAM_ERR_NOT_FOUND, "%s %s: no such directory in %s", kind, m, root);
  if (ok && !sg_is_dir(wit))
    ok = wasm_fail(err, LOAM_ERR_NOT_FOUND, "%s %s has no wit directory (%s)", kind, m, wit);
  free(dir);
  free(wit);
  return ok;
}

bool loam_stubgen_init_workspace(const char *root, const char *const *targets, size_t ntargets,
                                 const char *const *callers, size_t ncallers, FILE *progress,
                                 loam_error *err) {
  if (!root) root = ".";
  if (!ntargets || !ncallers)
    return wasm_fail(err, LOAM_ERR_ARGUMENT, "give at least one target and one caller");
  for (size_t i = 0; i < ntargets; i++)
    if (!check_member(root, "target", targets[i], err)) return false;
  for (size_t i = 0; i < ncallers; i++)
    if (!check_member(root, "caller", callers[i], err)) return false;
  char abs[PATH_MAX];
  if (!realpath(root, abs)) snprintf(abs, sizeof abs, "%s", root);
  char *makefile = loam_stubgen_makefile(targets, ntargets, callers, ncallers);
  char *path = sg_fmt("%s/Makefile", abs);
  bool ok = makefile && path;
  if (!ok) wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
  if (ok && progress) fprintf(progress, "Writing Makefile to \"%s\"\n", path);
  ok = ok && sg_write(path, makefile, strlen(makefile), err);
  for (size_t i = 0; ok && i < ntargets; i++) {
    char *wit = sg_fmt("%s/%s/wit", abs, targets[i]), *dest = sg_fmt("%s/%s-stub", abs, targets[i]);
    if (wit && dest) {
      if (progress) fprintf(progress, "Generating initial stub for %s\n", targets[i]);
      ok = loam_stubgen_generate(wit, dest, NULL, NULL, progress, err);
    } else {
      ok = wasm_fail(err, LOAM_ERR_NOMEM, "out of memory");
    }
    free(wit);
    free(dest);
  }
  free(makefile);
  free(path);
  return ok;
}
