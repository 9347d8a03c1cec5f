/*
 * server.h — `loam server`: the executor behind an HTTP/JSON API (the REST
 * routes are listed in docs/openapi.json). The CLI calls loam_server_main.
 */
#ifndef LOAM_SERVER_H
#define LOAM_SERVER_H

#include <stddef.h>
#include <stdint.h>

typedef struct loam_server_options {
  const char *data_dir;     /* default "./loam-data" */
  const char *listen;       /* "HOST:PORT", default "127.0.0.1:9881" */
  uint32_t workers;         /* executor threads; 0 = executor default */
  const char *token_file;   /* bearer token required when non-NULL */
  size_t max_body;          /* bytes; 0 = 64 MiB */
  const char *port_file;    /* when non-NULL the bound port is written here */
} loam_server_options;

/* Runs the server until SIGTERM or SIGINT, then drains and closes. Returns
 * the process exit status (0 after a clean stop). */
int loam_server_main(const loam_server_options *o);

#endif
