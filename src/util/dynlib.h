/* dynlib.h — loading a shared library's functions on first use.
 *
 * The loam binary links libcurl (the CLI's client commands) and
 * libmicrohttpd (`loam server`) this way instead of at start-up: together
 * they pull in ~30 more libraries (TLS, Kerberos, LDAP, ...) whose loading
 * and constructors cost every `loam` command ~5-15 ms, `loam run` of a
 * module included, which needs neither. */
#ifndef LOAM_UTIL_DYNLIB_H
#define LOAM_UTIL_DYNLIB_H

#include <stdbool.h>
#include <stddef.h>

/* One function to look up: its name and where its address goes. */
typedef struct loam_dynsym {
  const char *name;
  void **slot;
} loam_dynsym;

/* Opens `soname` and fills every slot of syms[0..n); false with a message
 * naming the library or the missing symbol (and `package`, the Debian
 * package that provides it) in err[0..errlen). The library stays loaded. */
bool loam_dynlib_load(const char *soname, const char *package, const loam_dynsym *syms,
                      size_t n, char *err, size_t errlen);

/* A library loaded once per process, on first use: a static description
 * (the fields up to `init`), and the outcome, kept for later calls. */
typedef struct loam_dynlib {
  const char *soname, *package;
  const loam_dynsym *syms;
  size_t nsyms;
  /* run once after loading (e.g. a global init); false with a message */
  bool (*init)(char *err, size_t errlen);
  bool tried, ok;
  char err[300];
} loam_dynlib;

/* Loads l the first time (thread-safe); true if it is usable, else false
 * with the first attempt's message in err[0..errlen). */
bool loam_dynlib_open(loam_dynlib *l, char *err, size_t errlen);

#endif
