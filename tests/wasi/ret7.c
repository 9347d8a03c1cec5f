/* ret7.c — WASI guest: the status returned from main is the exit code. */
#include <stdio.h>

int main(int argc, char **argv) {
  (void)argv;
  printf("returning %d\n", 6 + argc);
  return 6 + argc;
}
