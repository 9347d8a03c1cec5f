/* stdin.c — WASI guest: reads all of stdin, counting lines, words and
 * bytes, and echoes each line reversed. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  char line[1024];
  int lines = 0, words = 0;
  long bytes = 0;
  while (fgets(line, sizeof line, stdin)) {
    size_t n = strlen(line);
    bytes += (long)n;
    lines++;
    int in = 0;
    for (size_t i = 0; i < n; i++) {
      if (isspace((unsigned char)line[i])) in = 0;
      else if (!in) in = 1, words++;
    }
    if (n && line[n - 1] == '\n') line[--n] = '\0';
    for (size_t i = 0; i < n / 2; i++) {
      char t = line[i];
      line[i] = line[n - 1 - i];
      line[n - 1 - i] = t;
    }
    printf("%s\n", line);
  }
  printf("%d lines, %d words, %ld bytes, eof %d\n", lines, words, bytes, feof(stdin));
  return 0;
}
