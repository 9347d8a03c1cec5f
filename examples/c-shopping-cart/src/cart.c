/* cart.c — the c-shopping-cart example: the shopping cart worker of Golem's
 * examples in C, over the bindings `loam build` generates from
 * wit/shopping-cart.wit (bindings/shopping_cart.h). Checkout builds the order
 * and confirms it; recording it in a purchase history worker (RPC) comes
 * later. */
#include "shopping_cart.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef exports_shopping_cart_api_product_item_t item_t;
typedef shopping_cart_string_t str_t;

/* The worker's state; it stays in linear memory between invocations. */
static struct {
  str_t user_id;
  item_t *items;
  size_t nitems, cap;
  uint64_t orders;                              /* orders placed so far */
  exports_shopping_cart_api_order_t last_order; /* the latest checkout */
} cart;

static bool same(const str_t *a, const str_t *b) {
  return a->len == b->len && (a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0);
}

static void copy_str(str_t *to, const str_t *from) {
  to->len = from->len;
  to->ptr = malloc(from->len ? from->len : 1);
  if (from->len) memcpy(to->ptr, from->ptr, from->len);
}

static void copy_item(item_t *to, const item_t *from) {
  *to = *from;
  copy_str(&to->product_id, &from->product_id);
  copy_str(&to->name, &from->name);
}

static void clear_items(void) {
  for (size_t i = 0; i < cart.nitems; i++) exports_shopping_cart_api_product_item_free(&cart.items[i]);
  cart.nitems = 0;
}

static item_t *find(const str_t *product_id) {
  for (size_t i = 0; i < cart.nitems; i++)
    if (same(&cart.items[i].product_id, product_id)) return &cart.items[i];
  return NULL;
}

void exports_shopping_cart_api_initialize_cart(str_t *user_id) {
  printf("initializing cart for user %.*s\n", (int)user_id->len, (const char *)user_id->ptr);
  shopping_cart_string_free(&cart.user_id);
  cart.user_id = *user_id;   /* arguments are ours to keep */
  clear_items();
}

void exports_shopping_cart_api_add_item(item_t *item) {
  item_t *have = find(&item->product_id);
  if (have) {   /* the same product again: more of it */
    have->quantity += item->quantity;
    exports_shopping_cart_api_product_item_free(item);
    return;
  }
  if (cart.nitems == cart.cap) {
    size_t cap = cart.cap ? 2 * cart.cap : 8;
    item_t *grown = realloc(cart.items, cap * sizeof *grown);
    if (!grown) abort();
    cart.items = grown;
    cart.cap = cap;
  }
  cart.items[cart.nitems++] = *item;
}

void exports_shopping_cart_api_remove_item(str_t *product_id) {
  item_t *it = find(product_id);
  if (it) {
    exports_shopping_cart_api_product_item_free(it);
    *it = cart.items[--cart.nitems];
  }
  shopping_cart_string_free(product_id);
}

void exports_shopping_cart_api_update_item_quantity(str_t *product_id, uint32_t quantity) {
  item_t *it = find(product_id);
  if (it) it->quantity = quantity;
  shopping_cart_string_free(product_id);
}

void exports_shopping_cart_api_checkout(exports_shopping_cart_api_checkout_result_t *ret) {
  if (cart.nitems == 0) {
    ret->tag = EXPORTS_SHOPPING_CART_API_CHECKOUT_RESULT_ERROR;
    shopping_cart_string_dup(&ret->val.error, "Empty cart");
    return;
  }
  char id[64];
  snprintf(id, sizeof id, "order-%llu", (unsigned long long)++cart.orders);
  /* The order takes the cart's items; the cart starts over. */
  exports_shopping_cart_api_order_free(&cart.last_order);
  exports_shopping_cart_api_order_t *o = &cart.last_order;
  shopping_cart_string_dup(&o->order_id, id);
  o->items.ptr = cart.items;
  o->items.len = cart.nitems;
  o->total = 0;
  for (size_t i = 0; i < cart.nitems; i++) o->total += cart.items[i].price * (float)cart.items[i].quantity;
  o->timestamp = (uint64_t)time(NULL);
  cart.items = NULL;
  cart.nitems = cart.cap = 0;
  ret->tag = EXPORTS_SHOPPING_CART_API_CHECKOUT_RESULT_SUCCESS;
  shopping_cart_string_dup(&ret->val.success.order_id, id);
}

void exports_shopping_cart_api_get_cart_contents(shopping_cart_list_product_item_t *ret) {
  /* The result is freed after the call returns, so it is a copy. */
  ret->len = cart.nitems;
  ret->ptr = cart.nitems ? malloc(cart.nitems * sizeof *ret->ptr) : NULL;
  for (size_t i = 0; i < cart.nitems; i++) copy_item(&ret->ptr[i], &cart.items[i]);
}
