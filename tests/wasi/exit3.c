/* exit3.c — WASI guest: exit(3) after output (flushed by exit), with an
 * atexit handler. */
#include <stdio.h>
#include <stdlib.h>

static void bye(void) { printf("atexit handler ran\n"); }

int main(void) {
  atexit(bye);
  printf("about to exit with 3");
  exit(3);
}
