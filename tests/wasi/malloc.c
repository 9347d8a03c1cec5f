/* malloc.c — WASI guest: heap-heavy code (a linked list, an array grown
 * with realloc, many small blocks freed and reused). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct node {
  int value;
  struct node *next;
} node;

int main(void) {
  node *head = NULL;
  for (int i = 0; i < 10000; i++) {
    node *n = malloc(sizeof *n);
    if (!n) return 1;
    n->value = i * 7 % 1009;
    n->next = head;
    head = n;
  }
  long sum = 0;
  int len = 0;
  /* reverse the list */
  node *prev = NULL;
  while (head) {
    node *next = head->next;
    head->next = prev;
    prev = head;
    head = next;
  }
  head = prev;
  for (node *n = head; n; n = n->next) sum += n->value, len++;
  printf("list: %d nodes, sum %ld, first %d\n", len, sum, head->value);
  while (head) {
    node *next = head->next;
    free(head);
    head = next;
  }

  size_t cap = 1, used = 0;
  unsigned *arr = malloc(cap * sizeof *arr);
  for (unsigned i = 0; i < 200000; i++) {
    if (used == cap) {
      cap *= 2;
      unsigned *na = realloc(arr, cap * sizeof *arr);
      if (!na) return 1;
      arr = na;
    }
    arr[used++] = i * 2654435761u;
  }
  unsigned long long acc = 0;
  for (size_t i = 0; i < used; i++) acc = acc * 31 + arr[i];
  printf("array: %zu used, cap %zu, hash %llu\n", used, cap, acc);
  free(arr);

  char *blocks[512];
  for (int round = 0; round < 20; round++) {
    for (int i = 0; i < 512; i++) {
      blocks[i] = malloc((size_t)(i % 61 + 1) * 3);
      memset(blocks[i], i & 0xff, (size_t)(i % 61 + 1) * 3);
    }
    for (int i = 0; i < 512; i += 2) free(blocks[i]);
    for (int i = 0; i < 512; i += 2) blocks[i] = calloc(1, 16);
    for (int i = 0; i < 512; i++) free(blocks[i]);
  }
  char *big = malloc(8 << 20);
  if (!big) return 1;
  memset(big, 1, 8 << 20);
  printf("big block ok: %d\n", big[(8 << 20) - 1]);
  free(big);
  return 0;
}
