/* escape_wasm.c — WASI guest (wasm only): the sandbox holds. Calls the WASI
 * functions directly on preopen fd 3 (the run's temp dir, which run.sh fills
 * with sub/f.txt and the symlinks out_abs -> /etc, out_rel -> ../..,
 * inside -> sub) and prints each errno: escapes must give 76 (ENOTCAPABLE). */
#include <stdio.h>
#include <wasi/api.h>

static int open_at3(const char *path, int follow) {
  __wasi_fd_t fd;
  __wasi_errno_t e = __wasi_path_open(3, follow ? __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW : 0,
                                      path, 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd);
  if (!e) (void)__wasi_fd_close(fd);
  return e;
}

static void check(const char *what, int got) { printf("%-28s %d\n", what, got); }

int main(void) {
  __wasi_filestat_t st;
  check("open ../x", open_at3("../x", 1));
  check("open ..", open_at3("..", 1));
  check("open /etc/passwd", open_at3("/etc/passwd", 1));
  check("open sub/../../x", open_at3("sub/../../x", 1));
  check("open out_abs/passwd", open_at3("out_abs/passwd", 1));
  check("open out_abs (follow)", open_at3("out_abs", 1));
  check("open out_abs (nofollow)", open_at3("out_abs", 0));
  check("open out_rel/x", open_at3("out_rel/x", 1));
  check("open inside/f.txt", open_at3("inside/f.txt", 1));
  check("open sub/../sub/f.txt", open_at3("sub/../sub/f.txt", 1));
  check("open ./sub//f.txt", open_at3("./sub//f.txt", 1));
  check("open missing", open_at3("missing", 1));
  check("stat ../", __wasi_path_filestat_get(3, 0, "../", &st));
  check("stat out_abs (follow)", __wasi_path_filestat_get(3, 1, "out_abs", &st));
  check("stat out_abs (nofollow)", __wasi_path_filestat_get(3, 0, "out_abs", &st));
  check("mkdir ../evil", __wasi_path_create_directory(3, "../evil"));
  check("mkdir out_rel/evil", __wasi_path_create_directory(3, "out_rel/evil"));
  check("unlink ../x", __wasi_path_unlink_file(3, "../x"));
  check("rename to ../x", __wasi_path_rename(3, "sub/f.txt", 3, "../x"));
  check("symlink /etc", __wasi_path_symlink("/etc", 3, "evil"));
  check("close fd 99", __wasi_fd_close(99));
  FILE *f = fopen("/etc/passwd", "r");
  check("fopen /etc/passwd fails", f == NULL);
  return 0;
}
