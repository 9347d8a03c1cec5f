/* connect.c — GET .../connect: a server-sent-events stream of a worker's
 * live stdout/stderr. The executor's on_output callback feeds a hub; each
 * connected client is a subscriber with its own bounded queue (a slow
 * client loses lines, noted in the stream, rather than slowing the worker). */
#include "srv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SUB_MAX_BYTES (1u << 20)

typedef struct chunk {
  struct chunk *next;
  size_t len, off;
  char data[];
} chunk;

typedef struct sub {
  struct sub *next;
  srv_hub *hub;
  char tmpl[128], worker[128];
  chunk *head, *tail;
  size_t bytes;
  bool dropped;
  char partial[2][2048];   /* per stream: output since the last newline */
  size_t plen[2];
} sub;

struct srv_hub {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  sub *subs;
  bool closing;
};

srv_hub *srv_hub_new(void) {
  srv_hub *h = calloc(1, sizeof *h);
  if (!h) return NULL;
  pthread_mutex_init(&h->mu, NULL);
  pthread_cond_init(&h->cv, NULL);
  return h;
}

void srv_hub_close(srv_hub *h) {
  if (!h) return;
  pthread_mutex_lock(&h->mu);
  h->closing = true;
  pthread_cond_broadcast(&h->cv);
  pthread_mutex_unlock(&h->mu);
}

void srv_hub_free(srv_hub *h) {
  if (!h) return;
  pthread_mutex_destroy(&h->mu);
  pthread_cond_destroy(&h->cv);
  free(h);
}

static void push(sub *s, const char *text, size_t len) {
  if (s->bytes + len > SUB_MAX_BYTES) {
    s->dropped = true;
    return;
  }
  chunk *c = malloc(sizeof *c + len);
  if (!c) return;
  c->next = NULL;
  c->len = len;
  c->off = 0;
  memcpy(c->data, text, len);
  if (s->tail) s->tail->next = c;
  else s->head = c;
  s->tail = c;
  s->bytes += len;
}

static void emit(sub *s, int stream, const char *line, size_t n) {
  char head[32];
  int hn = snprintf(head, sizeof head, "event: %s\ndata: ", stream == 2 ? "stderr" : "stdout");
  char *buf = malloc((size_t)hn + n + 3);
  if (!buf) return;
  memcpy(buf, head, (size_t)hn);
  for (size_t k = 0; k < n; k++) buf[hn + k] = line[k] == '\r' ? ' ' : line[k];
  memcpy(buf + hn + n, "\n\n", 2);
  push(s, buf, (size_t)hn + n + 2);
  free(buf);
}

/* One SSE event per line of output ("data:" cannot hold a newline); a line
 * is held until its newline arrives (or it fills the buffer). */
static void push_output(sub *s, int stream, const uint8_t *bytes, size_t len) {
  int k = stream == 2 ? 1 : 0;
  for (size_t i = 0; i < len; i++) {
    char c = (char)bytes[i];
    if (c != '\n') s->partial[k][s->plen[k]++] = c;
    if (c == '\n' || s->plen[k] == sizeof s->partial[k]) {
      emit(s, stream, s->partial[k], s->plen[k]);
      s->plen[k] = 0;
    }
  }
}

void srv_hub_output(void *user, const char *tmpl, const char *worker, int stream,
                    const uint8_t *bytes, size_t len) {
  srv_hub *h = user;
  pthread_mutex_lock(&h->mu);
  for (sub *s = h->subs; s; s = s->next)
    if (!strcmp(s->tmpl, tmpl) && !strcmp(s->worker, worker))
      push_output(s, stream, bytes, len);
  pthread_cond_broadcast(&h->cv);
  pthread_mutex_unlock(&h->mu);
}

/* MHD asks for more of the stream: wait (up to 15 s, then a keep-alive
 * comment) until there is output or the server stops. */
static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max) {
  sub *s = cls;
  srv_hub *h = s->hub;
  pthread_mutex_lock(&h->mu);
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 15;
  while (!s->head && !s->dropped && !h->closing)
    if (pthread_cond_timedwait(&h->cv, &h->mu, &until) == ETIMEDOUT) break;
  ssize_t n = 0;
  if (s->dropped) {
    s->dropped = false;
    n = snprintf(buf, max, ": some output was dropped (client too slow)\n\n");
  } else if (s->head) {
    chunk *c = s->head;
    size_t take = c->len - c->off < max ? c->len - c->off : max;
    memcpy(buf, c->data + c->off, take);
    c->off += take;
    s->bytes -= take;
    if (c->off == c->len) {
      s->head = c->next;
      if (!s->head) s->tail = NULL;
      free(c);
    }
    n = (ssize_t)take;
  } else if (h->closing) {
    n = MHD_CONTENT_READER_END_OF_STREAM;
  } else {
    n = snprintf(buf, max, ": keep-alive\n\n");
  }
  pthread_mutex_unlock(&h->mu);
  return n;
}

static void sub_free(void *cls) {
  sub *s = cls;
  srv_hub *h = s->hub;
  pthread_mutex_lock(&h->mu);
  for (sub **p = &h->subs; *p; p = &(*p)->next)
    if (*p == s) {
      *p = s->next;
      break;
    }
  pthread_mutex_unlock(&h->mu);
  while (s->head) {
    chunk *c = s->head;
    s->head = c->next;
    free(c);
  }
  free(s);
}

void h_connect(srv_req *q, srv_reply *r) {
  srv_hub *h = q->s->hub;
  loam_worker_info info;
  const loam_template_info *t = srv_find_template(q, r);
  if (!t || !srv_check_name(r, "worker", q->param[1])) return;
  loam_error err = {0};
  if (!loam_worker_get(q->s->ex, t->name, q->param[1], &info, &err)) {
    srv_error_from(r, &err);
    return;
  }
  sub *s = calloc(1, sizeof *s);
  if (!s) {
    srv_error(r, 500, "out of memory");
    return;
  }
  s->hub = h;
  snprintf(s->tmpl, sizeof s->tmpl, "%s", t->name);
  snprintf(s->worker, sizeof s->worker, "%s", info.name);
  push(s, ": connected\n\n", 14);
  pthread_mutex_lock(&h->mu);
  s->next = h->subs;
  h->subs = s;
  pthread_mutex_unlock(&h->mu);
  r->raw = loam_mhd.create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, reader, s, sub_free);
  if (!r->raw) {
    sub_free(s);
    srv_error(r, 500, "out of memory");
    return;
  }
  loam_mhd.add_response_header(r->raw, "Content-Type", "text/event-stream");
  loam_mhd.add_response_header(r->raw, "Cache-Control", "no-cache");
  r->status = 200;
}
