/*
 * mkdirs.h — creating a directory and its missing parents (`mkdir -p`), for
 * the commands that write projects: loam build, loam stubgen.
 */
#ifndef LOAM_UTIL_MKDIRS_H
#define LOAM_UTIL_MKDIRS_H

#include "loam/wasm.h" /* loam_error */

/* Creates `dir` and every missing parent (mode 0777 before umask); an
 * existing directory is fine. False with err naming the directory that
 * could not be made and why. */
bool loam_mkdirs(const char *dir, loam_error *err);

#endif
