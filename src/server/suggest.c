/* suggest.c — "did you mean" hints: candidates within a small edit distance
 * of a misspelt name (or sharing it as a prefix). */
#include "util/strdist.h"
#include "srv.h"

#include <stdio.h>
#include <string.h>

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
    bool close = loam_edit_distance(name, cands[i]) <= limit ||
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
