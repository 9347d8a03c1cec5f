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

#endif
