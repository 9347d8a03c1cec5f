/* cart.c — the shopping-cart worker of the c-shopping-cart-rpc example: one
 * worker per cart (Golem's shopping cart in C), whose checkout records the
 * order in the user's purchase-history worker through the generated stub
 * shopping:purchase-history-stub (worker-to-worker RPC). The bindings come
 * from `loam build` (bindings/shopping_cart.h) once `make build-flow` has put
 * the stub's WIT into wit/deps. */
#include "shopping_cart.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef shopping_purchase_history_api_product_item_t item_t;
typedef shopping_purchase_history_api_order_t order_t;
typedef exports_shopping_cart_api_checkout_result_t checkout_result_t;
typedef shopping_cart_string_t str_t;

/* The stub's names, shortened: the resource `api` of the stub interface
 * shopping:purchase-history-stub/stub-purchase-history stands for one remote
 * purchase-history worker. */
typedef shopping_purchase_history_stub_stub_purchase_history_own_api_t history_t;
#define history_new shopping_purchase_history_stub_stub_purchase_history_constructor_api
#define history_borrow shopping_purchase_history_stub_stub_purchase_history_borrow_api
#define history_add_order shopping_purchase_history_stub_stub_purchase_history_method_api_blocking_add_order
#define history_drop shopping_purchase_history_stub_stub_purchase_history_api_drop_own

/* The worker's state; it stays in linear memory between invocations, and
 * loam makes it durable. */
static struct {
  str_t user_id;
  item_t *items;
  size_t nitems, cap;
  uint64_t orders; /* orders placed so far: numbers the order ids */
} cart;

static bool same(const str_t *a, const str_t *b) {
  return a->len == b->len && (a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0);
}

static void copy_str(str_t *to, const str_t *from) {
  to->len = from->len;
  to->ptr = malloc(from->len ? from->len : 1);
  if (!to->ptr) abort();
  if (from->len) memcpy(to->ptr, from->ptr, from->len);
}

static void copy_item(item_t *to, const item_t *from) {
  *to = *from;
  copy_str(&to->product_id, &from->product_id);
  copy_str(&to->name, &from->name);
}

static void clear_items(void) {
  for (size_t i = 0; i < cart.nitems; i++) shopping_purchase_history_api_product_item_free(&cart.items[i]);
  cart.nitems = 0;
}

static item_t *find(const str_t *product_id) {
  for (size_t i = 0; i < cart.nitems; i++)
    if (same(&cart.items[i].product_id, product_id)) return &cart.items[i];
  return NULL;
}

static void fail(checkout_result_t *ret, const char *why) {
  ret->tag = EXPORTS_SHOPPING_CART_API_CHECKOUT_RESULT_ERROR;
  shopping_cart_string_dup(&ret->val.error, why);
}

void exports_shopping_cart_api_initialize_cart(str_t *user_id) {
  printf("initializing cart for user %.*s\n", (int)user_id->len, (const char *)user_id->ptr);
  shopping_cart_string_free(&cart.user_id);
  cart.user_id = *user_id; /* arguments are ours to keep */
  clear_items();
}

void exports_shopping_cart_api_add_item(item_t *item) {
  item_t *have = find(&item->product_id);
  if (have) { /* the same product again: more of it */
    have->quantity += item->quantity;
    shopping_purchase_history_api_product_item_free(item);
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
    shopping_purchase_history_api_product_item_free(it);
    *it = cart.items[--cart.nitems];
  }
  shopping_cart_string_free(product_id);
}

void exports_shopping_cart_api_update_item_quantity(str_t *product_id, uint32_t quantity) {
  item_t *it = find(product_id);
  if (it) it->quantity = quantity;
  shopping_cart_string_free(product_id);
}

/* Checkout: the cart's items become an order, which is recorded in the
 * purchase-history worker named after the user (worker://<template>/<user>),
 * then the cart starts over. The remote call is the blocking variant, so the
 * order is in the history before checkout answers; loam records the call in
 * this worker's oplog with a key derived from this invocation, so a crash
 * and replay never records the order twice. A failing remote call (unknown
 * template, say) traps this invocation with the stub's message; the cart
 * keeps its items. */
void exports_shopping_cart_api_checkout(checkout_result_t *ret) {
  if (cart.user_id.len == 0) {
    fail(ret, "the cart is not initialized: call initialize-cart first");
    return;
  }
  if (cart.nitems == 0) {
    fail(ret, "Empty cart");
    return;
  }
  /* Where purchase histories live: set on every cart worker when it is
   * created (loam worker add ... --env PURCHASE_HISTORY_TEMPLATE_ID=<id>). */
  const char *template_id = getenv("PURCHASE_HISTORY_TEMPLATE_ID");
  if (!template_id || !*template_id) {
    fail(ret, "PURCHASE_HISTORY_TEMPLATE_ID not set");
    return;
  }

  char id[64];
  snprintf(id, sizeof id, "order-%llu", (unsigned long long)(cart.orders + 1));
  /* The order borrows the cart's items: import parameters stay the
   * caller's, nothing is copied. */
  order_t order = {
      .items = {.ptr = cart.items, .len = cart.nitems},
      .timestamp = (uint64_t)time(NULL),
  };
  shopping_cart_string_set(&order.order_id, id);
  for (size_t i = 0; i < cart.nitems; i++) order.total += cart.items[i].price * (float)cart.items[i].quantity;

  int n = snprintf(NULL, 0, "worker://%s/%.*s", template_id, (int)cart.user_id.len,
                   (const char *)cart.user_id.ptr);
  char *uri_text = malloc((size_t)n + 1);
  if (!uri_text) abort();
  snprintf(uri_text, (size_t)n + 1, "worker://%s/%.*s", template_id, (int)cart.user_id.len,
           (const char *)cart.user_id.ptr);
  golem_rpc_types_uri_t uri;
  shopping_cart_string_set(&uri.value, uri_text);

  history_t history = history_new(&uri);
  history_add_order(history_borrow(history), &order);
  history_drop(history);
  free(uri_text);

  cart.orders++;
  clear_items();
  ret->tag = EXPORTS_SHOPPING_CART_API_CHECKOUT_RESULT_SUCCESS;
  shopping_cart_string_dup(&ret->val.success.order_id, id);
}

void exports_shopping_cart_api_get_cart_contents(shopping_cart_list_product_item_t *ret) {
  /* The result is freed after the call returns, so it is a copy. */
  ret->len = cart.nitems;
  ret->ptr = cart.nitems ? malloc(cart.nitems * sizeof *ret->ptr) : NULL;
  if (cart.nitems && !ret->ptr) abort();
  for (size_t i = 0; i < cart.nitems; i++) copy_item(&ret->ptr[i], &cart.items[i]);
}
