/* resources.c — per-instance resource handle tables: own and borrow handles
 * with the canonical ABI's rules (index 0 reserved, a free list, lend counts
 * on own handles, borrows scoped to a call and dropped before it returns). */
#include "abi/abi.h"
#include "wasm/module.h"

#include <stdlib.h>
#include <string.h>

typedef struct entry {
  const loam_type *resource;  /* NULL = free slot */
  uint32_t rep;
  bool own;
  uint32_t lends;             /* own: live borrows of it */
  uint32_t lender;            /* borrow: the own handle it came from, or 0 */
  loam_borrow_scope *scope;   /* borrow: the call it belongs to */
  uint32_t next_free;         /* free slot: the next free index, 0 = none */
} entry;

struct loam_handles {
  entry *v;        /* v[0] is never used */
  uint32_t n, cap; /* slots in use or freed, including slot 0 */
  uint32_t free_head;
  uint32_t live;
};

loam_handles *loam_handles_new(void) {
  loam_handles *h = calloc(1, sizeof *h);
  if (h) h->n = 1;
  return h;
}

void loam_handles_free(loam_handles *h) {
  if (!h) return;
  free(h->v);
  free(h);
}

uint32_t loam_handles_count(const loam_handles *h) {
  return h->live;
}

/* Resource types compare by identity, or by name and owner when an alias or
 * a second resolution made a different pointer for the same definition. */
static bool same_resource(const loam_type *a, const loam_type *b) {
  if (a == b || !a || !b) return a == b || !b;
  return a->name && b->name && strcmp(a->name, b->name) == 0 &&
         (a->owner == b->owner || (a->owner && b->owner && strcmp(a->owner, b->owner) == 0));
}

static entry *get(const loam_handles *h, uint32_t i, const loam_type *res,
                  loam_error *err) {
  if (i == 0 || i >= h->n || !h->v[i].resource) {
    wasm_fail(err, LOAM_TRAP_HOST, "canonical ABI: unknown resource handle %u", i);
    return NULL;
  }
  if (!same_resource(h->v[i].resource, res)) {
    wasm_fail(err, LOAM_TRAP_HOST,
              "canonical ABI: handle %u is a %s, not a %s", i,
              h->v[i].resource->name ? h->v[i].resource->name : "resource",
              res->name ? res->name : "resource");
    return NULL;
  }
  return &h->v[i];
}

static bool add(loam_handles *h, entry e, uint32_t *index, loam_error *err) {
  uint32_t i = h->free_head;
  if (i) {
    h->free_head = h->v[i].next_free;
  } else {
    if (h->n >= h->cap) {
      uint32_t cap = h->cap ? h->cap * 2 : 16;
      if (cap <= h->cap || cap > (1u << 28))
        return wasm_fail(err, LOAM_ERR_LIMIT, "canonical ABI: too many resource handles");
      entry *v = realloc(h->v, cap * sizeof *v);
      if (!v) return wasm_fail(err, LOAM_ERR_NOMEM, "canonical ABI: out of host memory");
      if (!h->v) memset(v, 0, sizeof *v);  /* slot 0 */
      h->v = v;
      h->cap = cap;
    }
    i = h->n++;
  }
  h->v[i] = e;
  h->live++;
  *index = i;
  return true;
}

static void release(loam_handles *h, uint32_t i) {
  memset(&h->v[i], 0, sizeof h->v[i]);
  h->v[i].next_free = h->free_head;
  h->free_head = i;
  h->live--;
}

bool loam_handles_new_own(loam_handles *h, const loam_type *resource, uint32_t rep,
                          uint32_t *index, loam_error *err) {
  entry e = {.resource = resource, .rep = rep, .own = true};
  return add(h, e, index, err);
}

bool loam_handles_rep(const loam_handles *h, uint32_t index,
                      const loam_type *resource, uint32_t *rep, loam_error *err) {
  entry *e = get(h, index, resource, err);
  if (!e) return false;
  *rep = e->rep;
  return true;
}

bool loam_handles_check(const loam_handles *h, uint32_t index,
                        const loam_type *resource, loam_error *err) {
  return get(h, index, resource, err) != NULL;
}

bool loam_handles_check_own(const loam_handles *h, uint32_t index,
                            const loam_type *resource, loam_error *err) {
  entry *e = get(h, index, resource, err);
  if (!e) return false;
  if (!e->own)
    return wasm_fail(err, LOAM_TRAP_HOST, "canonical ABI: handle %u is a borrow, not an own handle", index);
  if (e->lends)
    return wasm_fail(err, LOAM_TRAP_HOST, "canonical ABI: handle %u is lent out (%u borrows)", index, e->lends);
  return true;
}

bool loam_handles_drop(loam_handles *h, uint32_t index, const loam_type *resource,
                       bool *destroy, uint32_t *rep, loam_error *err) {
  entry *e = get(h, index, resource, err);
  if (!e) return false;
  if (e->own && e->lends)
    return wasm_fail(err, LOAM_TRAP_HOST, "canonical ABI: cannot drop handle %u while it is lent out", index);
  *destroy = e->own;
  *rep = e->rep;
  if (!e->own) {
    if (e->scope) e->scope->borrows--;
    if (e->lender && h->v[e->lender].lends) h->v[e->lender].lends--;
    if (e->scope && e->lender) {
      /* The lend ends with this borrow: forget it in the scope too. */
      loam_borrow_scope *s = e->scope;
      for (size_t k = 0; k < s->nlent; k++)
        if (s->lent[k] == e->lender) { s->lent[k] = s->lent[--s->nlent]; break; }
    }
  }
  release(h, index);
  return true;
}

void loam_borrow_scope_init(loam_borrow_scope *s) {
  memset(s, 0, sizeof *s);
}

bool loam_handles_lend(loam_handles *h, loam_borrow_scope *scope, uint32_t index,
                       const loam_type *resource, uint32_t *borrow, loam_error *err) {
  entry *src = get(h, index, resource, err);
  if (!src) return false;
  if (scope->nlent == scope->caplent) {
    size_t cap = scope->caplent ? scope->caplent * 2 : 4;
    uint32_t *l = realloc(scope->lent, cap * sizeof *l);
    if (!l) return wasm_fail(err, LOAM_ERR_NOMEM, "canonical ABI: out of host memory");
    scope->lent = l;
    scope->caplent = cap;
  }
  uint32_t lender = src->own ? index : src->lender;
  entry e = {.resource = src->resource, .rep = src->rep, .own = false,
             .lender = lender, .scope = scope};
  if (!add(h, e, borrow, err)) return false;  /* may move h->v: src is stale */
  if (lender) {
    h->v[lender].lends++;
    scope->lent[scope->nlent++] = lender;
  }
  scope->borrows++;
  return true;
}

bool loam_borrow_scope_exit(loam_handles *h, loam_borrow_scope *s, loam_error *err) {
  uint32_t left = s->borrows;
  if (left) {
    /* The guest kept borrows past the call: remove them so nothing points
     * at this scope once the caller's stack frame is gone. */
    for (uint32_t i = 1; i < h->n; i++)
      if (h->v[i].resource && !h->v[i].own && h->v[i].scope == s) release(h, i);
  }
  for (size_t k = 0; k < s->nlent; k++)
    if (h->v[s->lent[k]].lends) h->v[s->lent[k]].lends--;
  free(s->lent);
  loam_borrow_scope_init(s);
  if (left)
    return wasm_fail(err, LOAM_TRAP_HOST,
                     "canonical ABI: %u borrow handle%s not dropped before the call returned",
                     left, left == 1 ? "" : "s");
  return true;
}
