/* files.c — WASI guest: files in the preopened current directory: create,
 * write, read back, seek, stat, readdir, rename, unlink, mkdir, rmdir. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prints the sorted entries of dir (without . and ..). */
static void list(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) {
    printf("opendir %s failed: %s\n", dir, strerror(errno));
    return;
  }
  char *names[64];
  int n = 0;
  struct dirent *de;
  while ((de = readdir(d)) && n < 64)
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
      names[n++] = strdup(de->d_name);
  closedir(d);
  qsort(names, (size_t)n, sizeof names[0], cmp_str);
  printf("%s:", dir);
  for (int i = 0; i < n; i++) {
    printf(" %s", names[i]);
    free(names[i]);
  }
  printf("\n");
}

int main(void) {
  if (mkdir("work", 0755)) { perror("mkdir"); return 1; }
  FILE *f = fopen("work/a.txt", "w");
  if (!f) { perror("fopen w"); return 1; }
  for (int i = 0; i < 100; i++) fprintf(f, "line %d\n", i);
  fclose(f);

  f = fopen("work/a.txt", "r");
  char line[64];
  int lines = 0;
  while (fgets(line, sizeof line, f)) lines++;
  printf("read %d lines, last: %s", lines, line);
  fseek(f, 0, SEEK_END);
  printf("size via ftell: %ld\n", ftell(f));
  fseek(f, 7, SEEK_SET);
  printf("at 7: %s", fgets(line, sizeof line, f));
  fclose(f);

  struct stat st;
  if (stat("work/a.txt", &st)) { perror("stat"); return 1; }
  printf("stat: size %lld regular %d dir %d\n", (long long)st.st_size,
         S_ISREG(st.st_mode), S_ISDIR(st.st_mode));
  stat("work", &st);
  printf("work is dir: %d\n", S_ISDIR(st.st_mode));

  int fd = open("work/b.bin", O_CREAT | O_RDWR | O_TRUNC, 0644);
  unsigned char buf[4096];
  for (int i = 0; i < 4096; i++) buf[i] = (unsigned char)(i * 13);
  printf("write: %zd\n", write(fd, buf, sizeof buf));
  printf("lseek: %lld\n", (long long)lseek(fd, 1000, SEEK_SET));
  unsigned char back[16];
  ssize_t got = read(fd, back, 16);
  printf("read: %zd first %d ok %d\n", got, back[0],
         back[15] == (unsigned char)(1015 * 13));
  got = pread(fd, back, 4, 4094);
  printf("pread: %zd\n", got);
  ftruncate(fd, 100);
  fstat(fd, &st);
  printf("truncated size %lld\n", (long long)st.st_size);
  close(fd);

  f = fopen("work/a.txt", "a");
  fputs("appended\n", f);
  fclose(f);
  stat("work/a.txt", &st);
  printf("after append: %lld\n", (long long)st.st_size);

  if (mkdir("work/sub", 0755)) perror("mkdir sub");
  for (int i = 0; i < 20; i++) {
    char name[64];
    snprintf(name, sizeof name, "work/sub/file-with-a-longer-name-%02d", i);
    f = fopen(name, "w");
    fprintf(f, "%d\n", i);
    fclose(f);
  }
  list("work");
  list("work/sub");
  if (rename("work/a.txt", "work/sub/moved.txt")) perror("rename");
  list("work");
  FILE *old = fopen("work/a.txt", "r");
  printf("open old name: %s\n", old ? "found" : strerror(errno));
  int rc = mkdir("work/sub", 0755);
  printf("mkdir existing: %d %s\n", rc, strerror(errno));
  rc = rmdir("work/sub");
  printf("rmdir non-empty: %d %s\n", rc, strerror(errno));
  for (int i = 0; i < 20; i++) {
    char name[64];
    snprintf(name, sizeof name, "work/sub/file-with-a-longer-name-%02d", i);
    if (unlink(name)) perror("unlink");
  }
  unlink("work/sub/moved.txt");
  list("work/sub");
  printf("rmdir: %d\n", rmdir("work/sub"));
  rc = unlink("work/nope");
  printf("unlink missing: %d %s\n", rc, strerror(errno));
  if (link("work/b.bin", "work/c.bin")) perror("link");
  stat("work/c.bin", &st);
  printf("hard link: nlink %d size %lld\n", (int)st.st_nlink, (long long)st.st_size);
  struct timespec times[2] = {{1000000000, 5}, {1234567890, 0}};
  if (utimensat(AT_FDCWD, "work/c.bin", times, 0)) perror("utimensat");
  stat("work/b.bin", &st);
  printf("utimensat: mtime %lld\n", (long long)st.st_mtime);
  fd = open("work/c.bin", O_RDWR);
  printf("posix_fallocate: %d\n", posix_fallocate(fd, 0, 5000));
  times[1].tv_sec = 1500000000;
  futimens(fd, times);
  fstat(fd, &st);
  printf("after fallocate: size %lld mtime %lld\n", (long long)st.st_size,
         (long long)st.st_mtime);
  close(fd);
  unlink("work/c.bin");
  unlink("work/b.bin");
  printf("rmdir work: %d\n", rmdir("work"));
  list(".");
  return 0;
}
