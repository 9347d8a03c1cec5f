/* mhd_dl.c — see mhd_dl.h. */
#include "server/mhd_dl.h"

#include "util/dynlib.h"

loam_mhd_api loam_mhd;

static const loam_dynsym syms[] = {
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

static loam_dynlib lib = {.soname = "libmicrohttpd.so.12", .package = "libmicrohttpd12",
                          .syms = syms, .nsyms = sizeof syms / sizeof syms[0]};

bool loam_mhd_load(char *err, size_t errlen) { return loam_dynlib_open(&lib, err, errlen); }
