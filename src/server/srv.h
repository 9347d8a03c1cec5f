/*
 * srv.h — the server's internal pieces shared by its files: the server
 * state, one request as the handlers see it, and the reply they fill.
 */
#ifndef LOAM_SRV_H
#define LOAM_SRV_H

#include "loam/executor.h"

#include <jansson.h>
#include "server/mhd_dl.h"  /* <microhttpd.h>, functions via loam_mhd */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct srv_hub srv_hub;

typedef struct srv {
  loam_executor *ex;
  struct MHD_Daemon *daemon;
  char token[512];          /* "" = no auth */
  size_t max_body;
  srv_hub *hub;             /* output subscribers for /connect */
  pthread_mutex_t mu;       /* guards the counters below */
  uint64_t requests[6];     /* by status class 1xx..5xx (index 1..5) */
  uint64_t iaw_count;       /* invoke-and-await calls answered */
  double iaw_sum;           /* their latency, seconds */
  uint64_t iaw_bucket[8];   /* cumulative histogram, bounds in metrics.c */
} srv;

typedef struct srv_req {
  srv *s;
  struct MHD_Connection *conn;
  const char *method;
  const char *url;
  const char *body;
  size_t len;
  const char *param[2];     /* {template}, {worker} from the path */
} srv_req;

typedef struct srv_reply {
  unsigned status;
  json_t *json;             /* owned; sent as application/json */
  char *text;               /* owned; sent with ctype */
  size_t text_len;
  const char *ctype;
  struct MHD_Response *raw; /* a ready response (streams) */
  char allow[64];           /* the Allow header of a 405 */
} srv_reply;

/* reply.c */
void srv_json(srv_reply *r, unsigned status, json_t *j);   /* steals j */
void srv_error(srv_reply *r, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Maps an executor/store error to its HTTP status and message. */
void srv_error_from(srv_reply *r, const loam_error *e);
void srv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *srv_query(const srv_req *q, const char *name);
/* Parses the body as a JSON object; false with a 400 in r otherwise. */
json_t *srv_body_object(const srv_req *q, srv_reply *r);
/* A query parameter as an unsigned number (def when absent); false + 400. */
bool srv_query_u64(const srv_req *q, srv_reply *r, const char *name, uint64_t def,
                   uint64_t *out);
/* Names users choose: 1..127 bytes of [A-Za-z0-9._:-]; false + 400. */
bool srv_check_name(srv_reply *r, const char *what, const char *name);

/* router.c */
void srv_route(srv_req *q, srv_reply *r);

/* suggest.c: " (did you mean: a, b?)" for the close matches, or "". */
void srv_suggest(const char *name, const char *const *cands, size_t n, char *out,
                 size_t cap);

/* handlers: h_templates.c, h_workers.c, h_invoke.c, h_misc.c, connect.c */
const loam_template_info *srv_find_template(srv_req *q, srv_reply *r);
json_t *srv_template_json(const loam_template_info *t);
void h_template_add(srv_req *q, srv_reply *r);
void h_template_list(srv_req *q, srv_reply *r);
void h_template_get(srv_req *q, srv_reply *r);
void h_worker_add(srv_req *q, srv_reply *r);
void h_worker_list(srv_req *q, srv_reply *r);
void h_worker_get(srv_req *q, srv_reply *r);
void h_worker_delete(srv_req *q, srv_reply *r);
void h_worker_interrupt(srv_req *q, srv_reply *r);
void h_worker_resume(srv_req *q, srv_reply *r);
void h_worker_oplog(srv_req *q, srv_reply *r);
void h_invoke_await(srv_req *q, srv_reply *r);
void h_invoke(srv_req *q, srv_reply *r);
void h_healthz(srv_req *q, srv_reply *r);
void h_metrics(srv_req *q, srv_reply *r);
void h_openapi(srv_req *q, srv_reply *r);
void h_connect(srv_req *q, srv_reply *r);
void srv_record_latency(srv *s, double seconds);

/* connect.c: the output hub the executor's on_output feeds. */
srv_hub *srv_hub_new(void);
void srv_hub_close(srv_hub *h);     /* ends every stream */
void srv_hub_free(srv_hub *h);
void srv_hub_output(void *user, const char *tmpl, const char *worker, int stream,
                    const uint8_t *bytes, size_t len);

/* openapi.c */
extern const char loam_openapi_json[];
size_t loam_openapi_json_len(void);

#endif
