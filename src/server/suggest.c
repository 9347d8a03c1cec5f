/* suggest.c — "did you mean" hints: candidates within a small edit distance
 * of a misspelt name (or sharing it as a prefix). */
#include "srv.h"

#include <stdio.h>
#include <string.h>

/* Levenshtein distance, capped: names longer than 64 bytes are not compared. */
static size_t distance(const char *a, const char *b) {
  size_t n = strlen(a), m = strlen(b);
  if (n > 64 || m > 64) return (size_t)-1;
  size_t row[65];
  for (size_t j = 0; j <= m; j++) row[j] = j;
  for (size_t i = 1; i <= n; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= m; j++) {
      size_t up = row[j];
      size_t best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[m];
}

void srv_suggest(const char *name, const char *const *cands, size_t n, char *out,
                 size_t cap) {
  size_t used = 0, found = 0;
  out[0] = '\0';
  size_t len = strlen(name);
  size_t limit = len < 4 ? 1 : len < 8 ? 2 : 3;
  for (size_t i = 0; i < n && found < 5; i++) {
    bool dup = false;
    for (size_t k = 0; k < i; k++) dup |= !strcmp(cands[k], cands[i]);
    if (dup) continue;
    bool close = distance(name, cands[i]) <= limit ||
                 (len >= 3 && !strncmp(cands[i], name, len));
    if (!close) continue;
    int w = snprintf(out + used, cap - used, "%s%s", found ? ", " : " (did you mean: ",
                     cands[i]);
    if (w < 0 || (size_t)w >= cap - used - 3) break;
    used += (size_t)w;
    found++;
  }
  if (found) snprintf(out + used, cap - used, "?)");
}
