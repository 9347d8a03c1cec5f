/* mhd_dl.c — see mhd_dl.h. */
#include "server/mhd_dl.h"

#include <pthread.h>
#include <stdio.h>

#include "util/dynlib.h"

loam_mhd_api loam_mhd;
static bool loaded;
static char load_err[300];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
  const loam_dynsym syms[] = {
      {"MHD_start_daemon", (void **)&loam_mhd.start_daemon},
      {"MHD_quiesce_daemon", (void **)&loam_mhd.quiesce_daemon},
      {"MHD_stop_daemon", (void **)&loam_mhd.stop_daemon},
      {"MHD_get_daemon_info", (void **)&loam_mhd.get_daemon_info},
      {"MHD_lookup_connection_value", (void **)&loam_mhd.lookup_connection_value},
      {"MHD_queue_response", (void **)&loam_mhd.queue_response},
      {"MHD_create_response_from_callback", (void **)&loam_mhd.create_response_from_callback},
      {"MHD_create_response_from_buffer", (void **)&loam_mhd.create_response_from_buffer},
      {"MHD_destroy_response", (void **)&loam_mhd.destroy_response},
      {"MHD_add_response_header", (void **)&loam_mhd.add_response_header},
  };
  loaded = loam_dynlib_load("libmicrohttpd.so.12", "libmicrohttpd12", syms,
                            sizeof syms / sizeof syms[0], load_err, sizeof load_err);
}

bool loam_mhd_load(char *err, size_t errlen) {
  pthread_once(&once, load);
  if (!loaded) snprintf(err, errlen, "%s", load_err);
  return loaded;
}
