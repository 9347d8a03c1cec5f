/* wast.c — `loam wast FILE...`: runs WebAssembly spec scripts. A .wast file
 * is first converted by wabt's wast2json into a temporary directory; a .json
 * file (wast2json's output) is run as it is. Prints one summary line per
 * file and a total "N passed, M failed, K skipped"; exits 1 on any failure. */
#include "commands.h"
#include "wast_impl.h"
#include <dirent.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && !strcmp(s + n - k, suffix);
}

/* Runs `wast2json wast -o out`; true when it exits 0. wast2json 1.0.32
 * enables every WebAssembly 2.0 feature the tiers use (multi-value, bulk
 * memory, reference types, sign extension, saturating conversions) by
 * default, so no feature flags are passed. */
static bool convert(const char *wast, const char *out) {
  char *argv[] = {"wast2json", (char *)wast, "-o", (char *)out, NULL};
  pid_t pid;
  int status;
  if (posix_spawnp(&pid, "wast2json", NULL, NULL, argv, environ) != 0) {
    perror("loam wast: cannot run wast2json (install wabt)");
    return false;
  }
  if (waitpid(pid, &status, 0) < 0) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Deletes the temporary directory and the files wast2json put in it. */
static void remove_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  char path[PATH_MAX + 256];
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
      snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
      unlink(path);
    }
  closedir(d);
  rmdir(dir);
}

static void run_wast(const char *file, bool verbose, wast_counts *counts) {
  char dir[] = "/tmp/loam-wast-XXXXXX";
  char json[sizeof dir + 16];
  if (!mkdtemp(dir)) {
    perror("loam wast: mkdtemp");
    counts->failed++;
    return;
  }
  snprintf(json, sizeof json, "%s/script.json", dir);
  if (!convert(file, json)) {
    printf("%s: wast2json failed\n", file);
    counts->failed++;
  } else {
    wast_run_json(json, file, verbose, counts);
  }
  remove_dir(dir);
}

static void usage(void) {
  fprintf(stderr, "usage: loam wast [-v] FILE.wast|FILE.json...\n"
                  "  -v  describe every failure and tolerated message difference\n");
}

int loam_cmd_wast(int argc, char **argv) {
  bool verbose = false;
  int first = 1;
  for (; first < argc && argv[first][0] == '-'; first++) {
    if (!strcmp(argv[first], "-v")) {
      verbose = true;
    } else if (!strcmp(argv[first], "--")) {
      first++;
      break;
    } else {
      usage();
      return 2;
    }
  }
  if (first >= argc) {
    usage();
    return 2;
  }
  wast_counts total = {0};
  for (int i = first; i < argc; i++) {
    if (ends_with(argv[i], ".json"))
      wast_run_json(argv[i], argv[i], verbose, &total);
    else
      run_wast(argv[i], verbose, &total);
    fflush(stdout);
  }
  printf("%ld passed, %ld failed, %ld skipped\n", total.passed, total.failed,
         total.skipped);
  return total.failed ? 1 : 0;
}
