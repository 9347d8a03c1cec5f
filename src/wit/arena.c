/* arena.c — the bump allocator behind WIT syntax trees and resolved models,
 * and the error exit (wit_fail) that parser and resolver share. */
#include "wit/ast.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct chunk {
  struct chunk *next;
  size_t used, cap;
  _Alignas(max_align_t) unsigned char data[];
} chunk;

struct wit_arena {
  chunk *head;
};

enum { CHUNK_SIZE = 64 * 1024 };

wit_arena *wit_arena_new(void) { return calloc(1, sizeof(wit_arena)); }

void wit_arena_free(wit_arena *a) {
  if (!a) return;
  for (chunk *c = a->head, *next; c; c = next) {
    next = c->next;
    free(c);
  }
  free(a);
}

void *wit_arena_alloc(wit_arena *a, size_t size) {
  size_t al = _Alignof(max_align_t);
  if (size > SIZE_MAX / 2) return NULL;
  size = (size + al - 1) / al * al;
  if (size == 0) size = al;
  chunk *c = a->head;
  if (!c || c->cap - c->used < size) {
    /* Big requests get a chunk of their own, put behind the current one so
     * the current chunk's free space stays usable. */
    size_t cap = size > CHUNK_SIZE / 4 ? size : CHUNK_SIZE;
    chunk *n = malloc(sizeof(chunk) + cap);
    if (!n) return NULL;
    n->used = 0;
    n->cap = cap;
    if (c && cap != CHUNK_SIZE) {
      n->next = c->next;
      c->next = n;
    } else {
      n->next = c;
      a->head = n;
    }
    c = n;
  }
  void *p = c->data + c->used;
  c->used += size;
  memset(p, 0, size);
  return p;
}

char *wit_arena_strndup(wit_arena *a, const char *s, size_t n) {
  char *d = wit_arena_alloc(a, n + 1);
  if (!d) return NULL;
  if (n) memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *wit_arena_printf(wit_arena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return NULL;
  char *d = wit_arena_alloc(a, (size_t)n + 1);
  if (!d) return NULL;
  va_start(ap, fmt);
  vsnprintf(d, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return d;
}

_Noreturn void wit_fail(wit_ctx *cx, wit_pos pos, const char *fmt, ...) {
  if (cx->err) {
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cx->err->code = LOAM_ERR_INVALID;
    cx->err->exit_code = 0;
    cx->err->backtrace[0] = '\0';
    if (pos.file)
      snprintf(cx->err->message, sizeof cx->err->message, "%s:%u:%u: %s",
               pos.file, pos.line, pos.col, msg);
    else
      snprintf(cx->err->message, sizeof cx->err->message, "%s", msg);
  }
  longjmp(cx->jump, 1);
}

_Noreturn void wit_oom(wit_ctx *cx) {
  if (cx->err) {
    cx->err->code = LOAM_ERR_NOMEM;
    cx->err->exit_code = 0;
    cx->err->backtrace[0] = '\0';
    snprintf(cx->err->message, sizeof cx->err->message, "out of memory");
  }
  longjmp(cx->jump, 1);
}

void *wit_new(wit_ctx *cx, size_t size) {
  void *p = wit_arena_alloc(cx->arena, size);
  if (!p) wit_oom(cx);
  return p;
}

char *wit_strdup(wit_ctx *cx, const char *s, size_t n) {
  char *d = wit_arena_strndup(cx->arena, s, n);
  if (!d) wit_oom(cx);
  return d;
}

/* Capacity is implicit: arrays grow at powers of two, so a push that fills
 * one (n is a power of two) reallocates to twice the size. */
void wit_push(wit_ctx *cx, void *arrp, uint32_t *n, const void *elem, size_t size) {
  void **arr = arrp;
  uint32_t cnt = *n;
  if (cnt == UINT32_MAX) wit_oom(cx);
  if (cnt == 0 || (cnt & (cnt - 1)) == 0) {
    size_t cap = cnt ? (size_t)cnt * 2 : 4;
    if (cnt == 0 || cnt >= 4) {
      void *d = wit_new(cx, cap * size);
      if (cnt) memcpy(d, *arr, (size_t)cnt * size);
      *arr = d;
    }
  }
  memcpy((char *)*arr + (size_t)cnt * size, elem, size);
  *n = cnt + 1;
}
