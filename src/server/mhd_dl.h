/* mhd_dl.h — the libmicrohttpd functions the server uses, loaded when
 * `loam server` starts rather than when any `loam` command does (see
 * util/dynlib.h for why). Every call site goes through loam_mhd. */
#ifndef LOAM_SERVER_MHD_DL_H
#define LOAM_SERVER_MHD_DL_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct loam_mhd_api {
  struct MHD_Daemon *(*start_daemon)(unsigned int flags, uint16_t port,
                                     MHD_AcceptPolicyCallback apc, void *apc_cls,
                                     MHD_AccessHandlerCallback dh, void *dh_cls, ...);
  MHD_socket (*quiesce_daemon)(struct MHD_Daemon *d);
  void (*stop_daemon)(struct MHD_Daemon *d);
  const union MHD_DaemonInfo *(*get_daemon_info)(struct MHD_Daemon *d,
                                                 enum MHD_DaemonInfoType type, ...);
  const char *(*lookup_connection_value)(struct MHD_Connection *c, enum MHD_ValueKind kind,
                                         const char *key);
  enum MHD_Result (*queue_response)(struct MHD_Connection *c, unsigned int status,
                                    struct MHD_Response *r);
  struct MHD_Response *(*create_response_from_callback)(uint64_t size, size_t block,
                                                        MHD_ContentReaderCallback crc,
                                                        void *crc_cls,
                                                        MHD_ContentReaderFreeCallback crfc);
  struct MHD_Response *(*create_response_from_buffer)(size_t size, void *buf,
                                                      enum MHD_ResponseMemoryMode mode);
  void (*destroy_response)(struct MHD_Response *r);
  enum MHD_Result (*add_response_header)(struct MHD_Response *r, const char *header,
                                         const char *content);
} loam_mhd_api;

/* Filled by loam_mhd_load; valid (and only used) once it returned true. */
extern loam_mhd_api loam_mhd;

/* Loads libmicrohttpd (once; later calls return the first outcome); false
 * with the reason in err[0..errlen). */
bool loam_mhd_load(char *err, size_t errlen);

#endif
