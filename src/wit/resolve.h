/* resolve.h — helpers shared between the resolver and the rest of src/wit. */
#ifndef LOAM_WIT_RESOLVE_H
#define LOAM_WIT_RESOLVE_H

#include <stdbool.h>

/* True for words that must be written %-escaped to be used as names. */
bool wit_is_keyword(const char *s);

#endif
