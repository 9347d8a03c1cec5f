/* hello.c — the demo guest: a small C program built for wasm32-wasi that
 * greets, shows its arguments and environment, does a little arithmetic, and
 * writes and reads back a file in the directory the host shared with it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The n-th Fibonacci number, to show the guest computing something. */
static unsigned long long fib(int n) {
  unsigned long long a = 0, b = 1;
  while (n-- > 0) {
    unsigned long long t = a + b;
    a = b;
    b = t;
  }
  return a;
}

int main(int argc, char **argv) {
  const char *who = getenv("NAME");
  printf("Hello from WebAssembly, %s!\n", who ? who : "world");
  printf("I was started as '%s' with %d argument(s):", argv[0], argc - 1);
  for (int i = 1; i < argc; i++) printf(" [%s]", argv[i]);
  printf("\nfib(90) = %llu\n", fib(90));

  FILE *f = fopen("note.txt", "w");
  if (f) {
    fprintf(f, "written by hello.wasm\n");
    fclose(f);
    char line[64] = "";
    f = fopen("note.txt", "r");
    if (f && fgets(line, sizeof line, f)) printf("read back from note.txt: %s", line);
    if (f) fclose(f);
  } else {
    printf("no directory to write in (run with --dir): skipped the file\n");
  }
  return argc > 1 && !strcmp(argv[1], "fail") ? 3 : 0;
}
