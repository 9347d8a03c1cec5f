/*
 * strdist.h — how far apart two names are, for "did you mean" hints in
 * error messages (WIT resolution, the REST API's 404s).
 */
#ifndef LOAM_UTIL_STRDIST_H
#define LOAM_UTIL_STRDIST_H

#include <stddef.h>

/* Levenshtein distance between two NUL-terminated strings. Names longer than
 * 64 bytes are not compared: the result is then SIZE_MAX ("not close"). */
size_t loam_edit_distance(const char *a, const char *b);

#endif
