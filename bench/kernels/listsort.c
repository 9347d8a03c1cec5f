/* listsort.c — malloc-heavy linked lists: builds lists of random keys one
 * malloc'd node at a time, merge-sorts them (bottom-up, by relinking),
 * checks the order and frees every node. */
#include "bench.h"
#include <stdio.h>
#include <stdlib.h>

typedef struct node { uint32_t key; struct node *next; } node;

static node *merge(node *a, node *b) {
  node head, *t = &head;
  while (a && b) {
    if (a->key <= b->key) t->next = a, a = a->next;
    else t->next = b, b = b->next;
    t = t->next;
  }
  t->next = a ? a : b;
  return head.next;
}

/* Recursive top-down merge sort: split by slow/fast pointers. */
static node *sort(node *l) {
  if (!l || !l->next) return l;
  node *slow = l, *fast = l->next;
  while (fast && fast->next) slow = slow->next, fast = fast->next->next;
  node *right = slow->next;
  slow->next = NULL;
  return merge(sort(l), sort(right));
}

int main(void) {
  uint64_t seed = BENCH_SEED, h = 0;
  for (int r = 0; r < 6; r++) {
    node *l = NULL;
    for (int i = 0; i < 100000; i++) {
      node *n = malloc(sizeof *n);
      if (!n) return 1;
      n->key = (uint32_t)bench_rand(&seed);
      n->next = l;
      l = n;
    }
    l = sort(l);
    uint32_t prev = 0;
    for (node *n = l; n;) {
      if (n->key < prev) return 2;
      prev = n->key;
      h = bench_mix(h, n->key);
      node *next = n->next;
      free(n);
      n = next;
    }
  }
  printf("listsort %016llx\n", (unsigned long long)h);
  return 0;
}
