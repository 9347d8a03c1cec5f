/* nqueens.c — counts the solutions of the n-queens problem by recursive
 * bit-mask backtracking, for several board sizes. */
#include <stdint.h>
#include <stdio.h>

static uint64_t solve(uint32_t all, uint32_t cols, uint32_t d1, uint32_t d2) {
  if (cols == all) return 1;
  uint64_t n = 0;
  uint32_t free_ = all & ~(cols | d1 | d2);
  while (free_) {
    uint32_t bit = free_ & -free_;
    free_ ^= bit;
    n += solve(all, cols | bit, ((d1 | bit) << 1) & all, (d2 | bit) >> 1);
  }
  return n;
}

int main(void) {
  uint64_t total = 0;
  for (int n = 4; n <= 12; n++) {
    uint64_t s = solve((1u << n) - 1, 0, 0, 0);
    printf("%d:%llu ", n, (unsigned long long)s);
    total += s;
  }
  for (int r = 0; r < 3; r++) total += solve((1u << 13) - 1, 0, 0, 0);
  printf("\nnqueens %llu\n", (unsigned long long)total);
  return 0;
}
