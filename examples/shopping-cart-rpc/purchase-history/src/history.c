/* history.c — the purchase-history worker of the c-shopping-cart-rpc example:
 * one worker per user (the worker's name is the user id) keeping every order
 * the user's shopping carts checked out, in memory. The memory is the
 * worker's durable state: loam replays or restores it after a crash, so no
 * database is needed. Bindings come from `loam build` (bindings/). */
#include "purchase_history.h"
#include <stdlib.h>
#include <string.h>

typedef exports_shopping_purchase_history_api_order_t order_t;
typedef exports_shopping_purchase_history_api_product_item_t item_t;
typedef purchase_history_string_t str_t;

/* Every order recorded so far, oldest first. */
static struct {
  order_t *orders;
  size_t len, cap;
} history;

static void copy_str(str_t *to, const str_t *from) {
  to->len = from->len;
  to->ptr = malloc(from->len ? from->len : 1);
  if (!to->ptr) abort();
  if (from->len) memcpy(to->ptr, from->ptr, from->len);
}

/* A deep copy: results are freed by the generated post-return function, so
 * get-orders must not hand out the stored strings and lists. */
static void copy_order(order_t *to, const order_t *from) {
  *to = *from;
  copy_str(&to->order_id, &from->order_id);
  to->items.len = from->items.len;
  to->items.ptr = from->items.len ? malloc(from->items.len * sizeof(item_t)) : NULL;
  if (from->items.len && !to->items.ptr) abort();
  for (size_t i = 0; i < from->items.len; i++) {
    to->items.ptr[i] = from->items.ptr[i];
    copy_str(&to->items.ptr[i].product_id, &from->items.ptr[i].product_id);
    copy_str(&to->items.ptr[i].name, &from->items.ptr[i].name);
  }
}

/* The order is ours (export params are owned by the implementation): it is
 * kept as it is. */
void exports_shopping_purchase_history_api_add_order(order_t *order) {
  if (history.len == history.cap) {
    size_t cap = history.cap ? 2 * history.cap : 8;
    order_t *grown = realloc(history.orders, cap * sizeof *grown);
    if (!grown) abort();
    history.orders = grown;
    history.cap = cap;
  }
  history.orders[history.len++] = *order;
}

void exports_shopping_purchase_history_api_get_orders(purchase_history_list_order_t *ret) {
  ret->len = history.len;
  ret->ptr = history.len ? malloc(history.len * sizeof *ret->ptr) : NULL;
  if (history.len && !ret->ptr) abort();
  for (size_t i = 0; i < history.len; i++) copy_order(&ret->ptr[i], &history.orders[i]);
}
