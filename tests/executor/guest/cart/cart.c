/*
 * cart.c — an executor test guest built with `loam build` (bindgen's C
 * bindings for wit/cart.wit): a list of item names kept in memory, with
 * strings and records crossing the canonical ABI both ways.
 */
#include "cart.h"

#include <stdlib.h>
#include <string.h>

static char **names;
static uint32_t count;

/* add records the item's name (qty times) and returns how many names there
 * are now. */
uint32_t exports_demo_cart_api_add(exports_demo_cart_api_item_t *it) {
  for (uint32_t i = 0; i < it->qty; i++) {
    char **n = realloc(names, (count + 1) * sizeof *n);
    char *s = malloc(it->name.len + 1);
    if (!n || !s) abort();
    memcpy(s, it->name.ptr, it->name.len);
    s[it->name.len] = '\0';
    names = n;
    names[count++] = s;
  }
  exports_demo_cart_api_item_free(it);
  return count;
}

void exports_demo_cart_api_names(cart_list_string_t *ret) {
  ret->len = count;
  ret->ptr = malloc((count ? count : 1) * sizeof *ret->ptr);
  for (uint32_t i = 0; i < count; i++) cart_string_dup(&ret->ptr[i], names[i]);
}
