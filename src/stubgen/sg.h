/* stubgen/sg.h — helpers shared by the stub generator's files: a growable
 * text buffer and the file-system steps (mkdir -p, copying, comparing). */
#ifndef LOAM_SG_H
#define LOAM_SG_H

#include "stubgen/stubgen.h"
#include "util/mkdirs.h" /* loam_mkdirs: mkdir -p */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* A growable text; on out-of-memory it stops growing and sets oom. */
typedef struct sg_buf {
  char *s;
  size_t len, cap;
  bool oom;
} sg_buf;

void sg_printf(sg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the text over (malloc'd, "" when empty), or NULL after oom. */
char *sg_take(sg_buf *b);
void sg_buf_free(sg_buf *b);

/* A malloc'd formatted string (NULL when out of memory). */
char *sg_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Writes text to path (truncating). */
bool sg_write(const char *path, const char *text, size_t len, loam_error *err);
/* The whole file, malloc'd and NUL-terminated; NULL with err when unreadable. */
char *sg_read(const char *path, size_t *len, loam_error *err);
bool sg_is_dir(const char *path);
bool sg_exists(const char *path);
/* Copies a file, or a directory tree (skipping dot files). */
bool sg_copy(const char *from, const char *to, loam_error *err);
/* rm -r (best effort, for temporary directories). */
void sg_remove_tree(const char *path);
/* The sorted names in dir (without . and ..); NULL with err when unreadable.
 * Free with sg_names_free. */
char **sg_list_dir(const char *dir, size_t *n, loam_error *err);
void sg_names_free(char **names, size_t n);
/* "purchase-history" -> "purchase_history" (malloc'd). */
char *sg_snake(const char *s);

#endif
