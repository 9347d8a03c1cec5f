/*
 * loam/types.h — the one resolved type model of WIT types, used by the WIT
 * resolver (which builds it), the value encodings (JSON, WAVE, binary), the
 * canonical ABI and everything above.
 *
 * Ownership: types are immutable once built and owned by the arena that made
 * them (a wit_resolve for types from WIT files, or a loam_typectx for types
 * built by hand, e.g. in tests). Pointers between types are never owning.
 * A type stays valid as long as its owner lives.
 */
#ifndef LOAM_TYPES_H
#define LOAM_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum loam_typekind {
  LOAM_T_BOOL,
  LOAM_T_S8, LOAM_T_U8, LOAM_T_S16, LOAM_T_U16,
  LOAM_T_S32, LOAM_T_U32, LOAM_T_S64, LOAM_T_U64,
  LOAM_T_F32, LOAM_T_F64,
  LOAM_T_CHAR, LOAM_T_STRING,
  LOAM_T_LIST,      /* elem */
  LOAM_T_OPTION,    /* elem */
  LOAM_T_RESULT,    /* ok, err: either may be NULL (`_`) */
  LOAM_T_TUPLE,     /* n, types */
  LOAM_T_RECORD,    /* n, fields (name + type) */
  LOAM_T_VARIANT,   /* n, fields as cases (type NULL = no payload) */
  LOAM_T_ENUM,      /* n, labels */
  LOAM_T_FLAGS,     /* n, labels */
  LOAM_T_RESOURCE,  /* a resource definition (name) */
  LOAM_T_OWN,       /* elem = the resource */
  LOAM_T_BORROW,    /* elem = the resource */
} loam_typekind;

typedef struct loam_type loam_type;

typedef struct loam_field {
  const char *name;        /* WIT kebab-case name */
  const loam_type *type;   /* NULL for a variant case without payload */
} loam_field;

/* Canonical ABI core value types used by flattening. */
typedef enum loam_coretype {
  LOAM_CORE_I32 = 0x7F, LOAM_CORE_I64 = 0x7E,
  LOAM_CORE_F32 = 0x7D, LOAM_CORE_F64 = 0x7C,
} loam_coretype;

struct loam_type {
  loam_typekind kind;
  /* The WIT name when the type is a named definition (record, variant, enum,
   * flags, resource, or an alias `type x = ...`), else NULL. `owner` names the
   * interface it was defined in ("ns:pkg/iface@ver"), or NULL. */
  const char *name;
  const char *owner;
  union {
    const loam_type *elem;                          /* list, option, own, borrow */
    struct { const loam_type *ok, *err; } result;
    struct { uint32_t n; const loam_type *const *types; } tuple;
    struct { uint32_t n; const loam_field *fields; } record;  /* also variant cases */
    struct { uint32_t n; const char *const *labels; } labels; /* enum, flags */
  } u;
  /* Canonical ABI layout, computed once when the type is built. */
  uint32_t size, align;
  uint32_t nflat;                 /* flattened core values */
  const uint8_t *flat;            /* nflat loam_coretype bytes */
};

/* A type built from parts and interned in a context that owns it. This is
 * how tests and generated code make types without WIT text; the WIT resolver
 * uses the same constructors. Each returns NULL only when out of memory. */
typedef struct loam_typectx loam_typectx;
loam_typectx *loam_typectx_new(void);
void loam_typectx_free(loam_typectx *cx);   /* frees every type it made */

const loam_type *loam_type_prim(loam_typekind k);  /* static, never freed */
const loam_type *loam_type_list(loam_typectx *cx, const loam_type *elem);
const loam_type *loam_type_option(loam_typectx *cx, const loam_type *elem);
const loam_type *loam_type_result(loam_typectx *cx, const loam_type *ok,
                                  const loam_type *err);
const loam_type *loam_type_tuple(loam_typectx *cx, uint32_t n,
                                 const loam_type *const *types);
/* Field/label arrays and names are copied. */
const loam_type *loam_type_record(loam_typectx *cx, const char *name, uint32_t n,
                                  const loam_field *fields);
const loam_type *loam_type_variant(loam_typectx *cx, const char *name, uint32_t n,
                                   const loam_field *cases);
const loam_type *loam_type_enum(loam_typectx *cx, const char *name, uint32_t n,
                                const char *const *labels);
const loam_type *loam_type_flags(loam_typectx *cx, const char *name, uint32_t n,
                                 const char *const *labels);
const loam_type *loam_type_resource(loam_typectx *cx, const char *name);
const loam_type *loam_type_handle(loam_typectx *cx, loam_typekind own_or_borrow,
                                  const loam_type *resource);
/* `type name = target`: a named alias; kind and layout are the target's. */
const loam_type *loam_type_alias(loam_typectx *cx, const char *name,
                                 const loam_type *target);

/* Sets t's `owner` (copied into cx): for the resolver, while it builds a type
 * made by one of the constructors above and before the type is shared.
 * False for the static primitives or when out of memory. */
bool loam_type_set_owner(loam_typectx *cx, const loam_type *t, const char *owner);

/* Writes the type as WIT text ("list<tuple<u8, string>>"; named types by
 * name) into buf; returns the length it needed (like snprintf). */
size_t loam_type_print(const loam_type *t, char *buf, size_t cap);

/* Canonical ABI helpers. */
uint32_t loam_type_discriminant_size(uint32_t ncases);  /* 1, 2 or 4 bytes */
uint32_t loam_type_flags_words(uint32_t nlabels);        /* i32 words */

#endif
