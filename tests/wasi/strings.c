/* strings.c — WASI guest: snprintf formatting, strtok splitting and qsort of
 * strings give the same output as natively. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int main(void) {
  char buf[256];
  snprintf(buf, sizeof buf, "%d|%5d|%-5d|%05d|%x|%X|%o|%u", -42, 7, 7, 7, 255,
           255, 8, 4000000000u);
  puts(buf);
  snprintf(buf, sizeof buf, "%.3f|%e|%g|%10.2f|%s|%c|%%", 3.14159, 12345.678,
           0.0001, -2.5, "str", 'z');
  puts(buf);
  snprintf(buf, sizeof buf, "%lld|%llu|%zu", -9000000000000LL,
           18000000000000000000ULL, sizeof(int));
  puts(buf);
  int n = snprintf(buf, 8, "truncated-output");
  printf("snprintf returned %d, kept '%s'\n", n, buf);

  char text[] = "the quick brown fox jumps over the lazy dog again and again";
  const char *words[32];
  int count = 0;
  for (char *t = strtok(text, " "); t && count < 32; t = strtok(NULL, " "))
    words[count++] = t;
  qsort(words, (size_t)count, sizeof words[0], cmp_str);
  for (int i = 0; i < count; i++) printf("%s%s", i ? "," : "", words[i]);
  printf("\n%d words\n", count);

  char s[64] = "Hello";
  strcat(s, ", world");
  printf("%s len=%zu chr=%s rchr=%s str=%s\n", s, strlen(s), strchr(s, 'o'),
         strrchr(s, 'o'), strstr(s, "wor"));
  printf("cmp=%d ncmp=%d\n", strcmp("abc", "abd") < 0, strncmp("abc", "abd", 2));
  printf("atoi=%d strtol=%ld strtod=%.2f\n", atoi("1234"), strtol("-0x1f", NULL, 16),
         strtod("2.75e2", NULL));
  return 0;
}
