/*
 * loam/wasm.h — the public embedding API of loam's WebAssembly engine.
 *
 * The engine decodes, validates and translates a module once
 * (loam_module_load), instantiates it in a store against a linker that
 * resolves its imports, and runs exported functions with typed values.
 *
 * Ownership in one paragraph: a loam_module is owned by whoever loaded it and
 * must outlive every instance made from it. A loam_store owns everything
 * created inside it (instances, functions, memories, tables, globals) and
 * frees it all in loam_store_free; pointers to those objects stay valid until
 * then. A loam_linker owns only its name table: it refers to store objects,
 * it does not own them. Errors are values: every fallible call takes a
 * loam_error* that receives a code and a message; the message buffer is
 * inside the loam_error, so nothing needs freeing.
 *
 * Threads: a store (and everything in it) is used by one thread at a time.
 * loam_store_interrupt is the exception: any thread may call it.
 */
#ifndef LOAM_WASM_H
#define LOAM_WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors ------------------------------------------------------------ */

typedef enum loam_status {
  LOAM_OK = 0,
  /* loading */
  LOAM_ERR_MALFORMED,      /* the binary does not decode */
  LOAM_ERR_INVALID,        /* it decodes but does not validate */
  /* linking and instantiation */
  LOAM_ERR_UNKNOWN_IMPORT, /* no definition for an import */
  LOAM_ERR_IMPORT_TYPE,    /* a definition of the wrong kind or type */
  LOAM_ERR_LIMIT,          /* an engine limit (memory, table size, ...) */
  LOAM_ERR_NOT_FOUND,      /* an export or name that does not exist */
  LOAM_ERR_ARGUMENT,       /* wrong argument count or types from the host */
  LOAM_ERR_NOMEM,          /* the host is out of memory */
  /* traps: the guest stopped; the store stays usable */
  LOAM_TRAP_UNREACHABLE,
  LOAM_TRAP_DIV_ZERO,
  LOAM_TRAP_INT_OVERFLOW,
  LOAM_TRAP_INVALID_CONVERSION,
  LOAM_TRAP_OOB_MEMORY,
  LOAM_TRAP_OOB_TABLE,
  LOAM_TRAP_INDIRECT_TYPE,
  LOAM_TRAP_UNDEFINED_ELEMENT,
  LOAM_TRAP_UNINITIALIZED_ELEMENT,
  LOAM_TRAP_STACK_EXHAUSTED,
  LOAM_TRAP_INTERRUPTED,   /* loam_store_interrupt was called */
  LOAM_TRAP_FUEL,          /* the fuel budget ran out */
  LOAM_TRAP_DEADLINE,      /* the deadline passed */
  LOAM_TRAP_HOST,          /* a host function failed */
  LOAM_TRAP_EXIT,          /* a host function asked to exit (WASI proc_exit);
                              loam_error.exit_code holds the code */
} loam_status;

/* True for the LOAM_TRAP_* codes. */
#define LOAM_IS_TRAP(s) ((s) >= LOAM_TRAP_UNREACHABLE)

typedef struct loam_error {
  loam_status code;
  int exit_code;      /* meaningful with LOAM_TRAP_EXIT */
  char message[512];  /* "" when code == LOAM_OK */
  char backtrace[1024]; /* guest frames at a trap, innermost first, one per
                           line: "  #0 func_name (func 12)"; may be "" */
} loam_error;

/* The spec's wording for a status ("integer divide by zero", ...). */
const char *loam_status_text(loam_status s);

/* ---- values ------------------------------------------------------------ */

typedef enum loam_valtype {
  LOAM_I32 = 0x7F,
  LOAM_I64 = 0x7E,
  LOAM_F32 = 0x7D,
  LOAM_F64 = 0x7C,
  LOAM_V128 = 0x7B, /* decoded, never executed (no SIMD yet) */
  LOAM_FUNCREF = 0x70,
  LOAM_EXTERNREF = 0x6F,
} loam_valtype;

typedef struct loam_func loam_func;

/* A typed value. Floats are carried as their bit patterns so NaN payloads
 * survive. A null reference is ref == NULL. */
typedef struct loam_val {
  loam_valtype type;
  union {
    uint32_t i32;
    uint64_t i64;
    uint32_t f32; /* IEEE-754 bits */
    uint64_t f64; /* IEEE-754 bits */
    void *ref;    /* funcref: a loam_func*; externref: the host's pointer */
  } of;
} loam_val;

static inline loam_val loam_val_i32(uint32_t v) { loam_val x = {LOAM_I32, {.i32 = v}}; return x; }
static inline loam_val loam_val_i64(uint64_t v) { loam_val x = {LOAM_I64, {.i64 = v}}; return x; }

/* "i32", "f64", "funcref", ... ("?" for anything else). */
const char *loam_valtype_name(loam_valtype t);

/* A function type. Strings like "ii:I" describe one compactly: params, a
 * colon, results; i=i32 I=i64 f=f32 F=f64 r=funcref e=externref. */
typedef struct loam_functype {
  uint32_t nparams, nresults;
  const uint8_t *params;  /* loam_valtype values */
  const uint8_t *results;
} loam_functype;

/* ---- modules ----------------------------------------------------------- */

typedef struct loam_module loam_module;

typedef enum loam_externkind {
  LOAM_EXTERN_FUNC = 0,
  LOAM_EXTERN_TABLE = 1,
  LOAM_EXTERN_MEMORY = 2,
  LOAM_EXTERN_GLOBAL = 3,
} loam_externkind;

/* Decodes, validates and translates a module. The bytes are copied; the
 * caller keeps ownership of `bytes`. On failure returns NULL and fills err:
 * "section <name> at offset 0x<off>: <reason>" for malformed input,
 * "function <idx> at offset 0x<off>: <reason>" for invalid code. */
loam_module *loam_module_load(const uint8_t *bytes, size_t len, loam_error *err);
void loam_module_free(loam_module *m);

typedef struct loam_import_desc {
  const char *module, *name;  /* owned by the loam_module */
  loam_externkind kind;
} loam_import_desc;

typedef struct loam_export_desc {
  const char *name;           /* owned by the loam_module */
  loam_externkind kind;
} loam_export_desc;

size_t loam_module_import_count(const loam_module *m);
loam_import_desc loam_module_import(const loam_module *m, size_t i);
size_t loam_module_export_count(const loam_module *m);
loam_export_desc loam_module_export(const loam_module *m, size_t i);

/* The type of an exported function, or false if `name` is not one. The
 * returned arrays are owned by the module. */
bool loam_module_export_functype(const loam_module *m, const char *name,
                                 loam_functype *out);

/* A custom section by name (e.g. the embedded WIT); NULL if absent. The bytes
 * are owned by the module. */
const uint8_t *loam_module_custom_section(const loam_module *m, const char *name,
                                          size_t *len);

/* ---- store and runtime objects ---------------------------------------- */

typedef struct loam_store loam_store;
typedef struct loam_instance loam_instance;
typedef struct loam_table loam_table;
typedef struct loam_memory loam_memory;
typedef struct loam_global loam_global;

typedef struct loam_extern {
  loam_externkind kind;
  union {
    loam_func *func;
    loam_table *table;
    loam_memory *memory;
    loam_global *global;
  } of;
} loam_extern;

/* A new empty store. `stack_bytes` sizes the value stack of the guests run in
 * it (0 = default, 1 MiB); exceeding it or the call-depth limit traps with
 * LOAM_TRAP_STACK_EXHAUSTED. Returns NULL when out of memory. */
loam_store *loam_store_new(size_t stack_bytes);
void loam_store_free(loam_store *s);

/* Stopping a running guest. Checked at every loop back-edge and call.
 * interrupt: any thread, any time; the guest traps with
 * LOAM_TRAP_INTERRUPTED; cleared when the trap is delivered.
 * fuel: a budget of checks (roughly: loop iterations + calls); < 0 = no limit
 * (the default). deadline: CLOCK_MONOTONIC nanoseconds; 0 = none. */
void loam_store_interrupt(loam_store *s);
void loam_store_set_fuel(loam_store *s, int64_t fuel);
int64_t loam_store_fuel(const loam_store *s);
void loam_store_set_deadline(loam_store *s, uint64_t monotonic_ns);

/* ---- host functions ----------------------------------------------------- */

typedef struct loam_caller loam_caller;

/* A host function. `slots` holds the arguments on entry (one 64-bit slot per
 * value: i32/f32 in the low 32 bits, refs as pointers) and receives the
 * results (slots[0..nresults)); it has room for max(nparams, nresults).
 * Returns LOAM_OK, or a trap code after calling loam_caller_trap. */
typedef loam_status (*loam_host_fn)(loam_caller *caller, uint64_t *slots,
                                    void *user);

/* The instance whose code called the host function (NULL when the host
 * function was called directly from the embedder). */
loam_instance *loam_caller_instance(loam_caller *c);
/* The caller instance's memory 0, or NULL if it has none. */
loam_memory *loam_caller_memory(loam_caller *c);
loam_store *loam_caller_store(loam_caller *c);
/* Records a trap message for the host function to return; returns `code`.
 * With LOAM_TRAP_EXIT, `exit_code` is the process exit code. */
loam_status loam_caller_trap(loam_caller *c, loam_status code, int exit_code,
                             const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A host function in the store with the given type (see loam_functype's
 * string form); NULL if `type` does not parse or memory runs out. */
loam_func *loam_func_new_host(loam_store *s, const char *type, loam_host_fn fn,
                              void *user);
loam_functype loam_func_type(const loam_func *f);

/* ---- linking and instantiation ----------------------------------------- */

typedef struct loam_linker loam_linker;

loam_linker *loam_linker_new(void);
void loam_linker_free(loam_linker *l);
/* Defines module.name. A later definition of the same pair replaces the
 * earlier one. Names are copied. Return false only when out of memory. */
bool loam_linker_define(loam_linker *l, const char *module, const char *name,
                        loam_extern ext);
/* Defines every export of `inst` under module name `module`. */
bool loam_linker_define_instance(loam_linker *l, const char *module,
                                 loam_instance *inst);
bool loam_linker_lookup(const loam_linker *l, const char *module,
                        const char *name, loam_extern *out);

/* Instantiates `m` in `s`: resolves imports through `l` (checking kinds and
 * types, "unknown import: env.foo", "incompatible import type for env.foo:
 * ..."), allocates memories, tables and globals, applies element and data
 * segments and runs the start function. A trap during instantiation returns
 * NULL with the trap in err (segments already written stay written, as the
 * spec says). */
loam_instance *loam_instantiate(loam_store *s, const loam_module *m,
                                const loam_linker *l, loam_error *err);

const loam_module *loam_instance_module(const loam_instance *inst);
bool loam_instance_export(const loam_instance *inst, const char *name,
                          loam_extern *out);
/* The same for a name given by pointer and length: export names may
 * contain U+0000, which a C string cannot. */
bool loam_instance_export_n(const loam_instance *inst, const char *name,
                            size_t len, loam_extern *out);
/* Convenience: the exported function `name`, or NULL. */
loam_func *loam_instance_func(const loam_instance *inst, const char *name);
/* The instance's memory 0, or NULL. */
loam_memory *loam_instance_memory(const loam_instance *inst);

/* ---- calls --------------------------------------------------------------- */

/* Calls f with args (types must match f's params exactly) and writes its
 * results to `results` (room for `nresults`, which must equal f's result
 * count). On a trap returns the trap code with message and backtrace in err;
 * the store stays usable. Reentrant: a host function may call back in. */
loam_status loam_call(loam_store *s, loam_func *f, const loam_val *args,
                      size_t nargs, loam_val *results, size_t nresults,
                      loam_error *err);

/* The name of a function for messages: its export or `name`-section name, or
 * "func[N]". Owned by the module/store. */
const char *loam_func_name(const loam_func *f);

/* ---- memories, tables, globals ------------------------------------------ */

uint8_t *loam_memory_data(loam_memory *m);          /* may move on grow */
uint64_t loam_memory_size(const loam_memory *m);    /* in bytes */
uint32_t loam_memory_pages(const loam_memory *m);
/* Grows by `delta` 64 KiB pages; returns the old page count or -1. */
int64_t loam_memory_grow(loam_memory *m, uint32_t delta);
/* Bounds-checked access for host functions: a pointer to [addr, addr+len)
 * in the memory, or NULL if any of it is out of bounds. */
void *loam_memory_ptr(loam_memory *m, uint64_t addr, uint64_t len);

loam_valtype loam_global_type(const loam_global *g);
bool loam_global_mutable(const loam_global *g);
loam_val loam_global_get(const loam_global *g);
/* False if the global is immutable or the type differs. */
bool loam_global_set(loam_global *g, loam_val v);
loam_global *loam_global_new(loam_store *s, loam_val v, bool mutable_);

uint32_t loam_table_size(const loam_table *t);
loam_valtype loam_table_elemtype(const loam_table *t);
bool loam_table_get(const loam_table *t, uint32_t i, void **ref);
loam_table *loam_table_new(loam_store *s, loam_valtype elem, uint32_t min,
                           uint32_t max /* UINT32_MAX = none */);
loam_memory *loam_memory_new(loam_store *s, uint32_t min_pages,
                             uint32_t max_pages /* UINT32_MAX = none */);

/* ---- snapshots ------------------------------------------------------------ */

/* The mutable state of an instance: its memory 0 contents and size, its
 * globals and its tables. Captured states are owned by the caller and freed
 * with loam_state_free. Restoring requires an instance of the same module;
 * returns false (err filled) otherwise. */
typedef struct loam_state loam_state;
loam_state *loam_instance_capture(const loam_instance *inst, loam_error *err);
bool loam_instance_restore(loam_instance *inst, const loam_state *st,
                           loam_error *err);
void loam_state_free(loam_state *st);
/* Serialized form, for storing a state: a malloc'd buffer the caller frees. */
uint8_t *loam_state_serialize(const loam_state *st, size_t *len);
loam_state *loam_state_deserialize(const uint8_t *buf, size_t len,
                                   loam_error *err);

#ifdef __cplusplus
}
#endif
#endif
