/* g6 — one status enum for the whole library.
 *
 * Every fallible libg6 function returns a g6_status (or reports one through a
 * g6_error). Each status has a short stable token (g6_status_name: used in
 * metric labels, CSV status columns and CLI output) and a human message
 * (g6_strerror). Append new codes at the end of a group; never renumber:
 * tokens are part of the exported metric label sets. */
#ifndef G6_STATUS_H
#define G6_STATUS_H

#include <stdarg.h>
#include <stddef.h>

#define G6_STATUS_LIST(X)                                                      \
  X(G6_OK, "ok", "success")                                                    \
  /* generic */                                                                \
  X(G6_ENOMEM, "nomem", "out of memory")                                       \
  X(G6_EINVAL, "invalid", "invalid argument or value")                         \
  X(G6_ERANGE, "range", "value out of the allowed range")                      \
  X(G6_EIO, "io", "input/output error")                                        \
  X(G6_ENOSPC, "nospace", "no space left on device")                           \
  X(G6_EPERM, "permission", "permission denied or unsafe permissions")         \
  X(G6_ENOENT, "notfound", "not found")                                        \
  X(G6_EEXIST, "exists", "already exists")                                     \
  X(G6_EPARSE, "parse", "malformed input")                                     \
  X(G6_ETOOBIG, "toobig", "input exceeds the size limit")                      \
  X(G6_EUNSUPPORTED, "unsupported", "not supported")                           \
  X(G6_EINTERNAL, "internal", "internal error")                                \
  /* network / provider */                                                     \
  X(G6_ETIMEOUT, "timeout", "operation timed out")                             \
  X(G6_ECONN, "connection", "connection failed")                               \
  X(G6_EHTTP, "http", "unexpected HTTP status")                                \
  X(G6_EAUTH, "auth", "authentication failed")                                 \
  X(G6_ERATELIMIT, "ratelimited", "rate limited by the provider")              \
  X(G6_ECIRCUIT, "circuit_open", "circuit breaker open")                       \
  X(G6_EPROTO, "protocol", "response violates the expected schema")            \
  X(G6_ETRUNCATED, "truncated", "truncated input")                             \
  /* the provider's own error types (Kite's error_type), and an error   */   \
  /* response that is not the provider's at all                         */   \
  X(G6_EFORBIDDEN, "forbidden",                                              \
    "the provider refused access (no permission or subscription)")           \
  X(G6_EBADREQUEST, "bad_request", "the provider rejected the request input") \
  X(G6_EUPSTREAM, "upstream", "the provider could not reach its upstream")   \
  X(G6_EUPSTREAM_DATA, "upstream_data",                                      \
    "the provider's upstream sent data it could not use")                    \
  X(G6_EPROVIDER, "provider_error",                                          \
    "the provider reported an unexpected error")                             \
  X(G6_EFOREIGN, "foreign_body",                                             \
    "the response is not the provider's (a proxy, gateway or portal answered)") \
  /* option math */                                                            \
  X(G6_EBELOW_INTRINSIC, "below_intrinsic", "price below intrinsic value")     \
  X(G6_EABOVE_BOUND, "above_bound", "price above the no-arbitrage bound")      \
  X(G6_EEXPIRED, "expired", "time to expiry is not positive")                  \
  X(G6_ENONFINITE, "nonfinite", "non-finite or non-positive input")            \
  X(G6_EIV_OUT_OF_BOUNDS, "iv_out_of_bounds",                                  \
    "implied volatility outside configured bounds")                            \
  X(G6_ENOCONVERGE, "no_convergence", "solver did not converge")               \
  X(G6_EAT_INTRINSIC, "at_intrinsic",                                          \
    "price equals the intrinsic value within rounding (no time value)")        \
  /* storage (after the groups above, which keep their numbers) */             \
  X(G6_EROFS, "readonly", "read-only file system")

typedef enum g6_status {
#define G6_STATUS_ENUM(code, name, msg) code,
  G6_STATUS_LIST(G6_STATUS_ENUM)
#undef G6_STATUS_ENUM
      G6_STATUS_COUNT
} g6_status;

/* Human-readable message; never NULL, also for out-of-range values. */
const char *g6_strerror(g6_status s);

/* Short stable token ("ok", "timeout", ...); never NULL ("unknown" for
 * out-of-range values). */
const char *g6_status_name(g6_status s);

/* Maps an errno value to the closest status (ENOSPC/EDQUOT -> G6_ENOSPC,
 * EACCES/EPERM -> G6_EPERM, EROFS -> G6_EROFS, ENOENT -> G6_ENOENT,
 * ENOMEM -> G6_ENOMEM, anything else -> G6_EIO). A read-only file system is
 * not a permission problem: the kernel remounts one read-only after an I/O
 * error, and the operator should look at the disk, not at file modes. */
g6_status g6_status_from_errno(int err);

/* A status plus a message with the details a user needs (option name, value,
 * file and line, ...). Functions that take a `g6_error *` accept NULL when the
 * caller does not want the message. */
typedef struct g6_error {
  g6_status code;
  char msg[512];
} g6_error;

/* Sets err->code and formats err->msg (truncated to fit). Returns `code` so a
 * caller can write `return g6_error_set(err, G6_EINVAL, "...")`. Safe with a
 * NULL err. */
g6_status g6_error_set(g6_error *err, g6_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
g6_status g6_error_vset(g6_error *err, g6_status code, const char *fmt,
                        va_list ap);

/* Resets err to G6_OK with an empty message. Safe with NULL. */
void g6_error_clear(g6_error *err);

/* A value read from a file, made safe to quote in a message or a log line:
 * the len bytes of s into out (cap > 0 bytes, always NUL-terminated,
 * truncated to fit), every byte outside printable ASCII (NUL, control
 * characters such as ESC or newline, DEL, non-ASCII) as '?', so
 * a file's content can never write terminal escapes or forge log lines.
 * out may be s itself (scrubbing a formatted message in place). Returns
 * out. */
char *g6_printable(const char *s, size_t len, char *out, size_t cap);

/* g6_printable for a path that may not fit: when its len bytes need more
 * than cap - 1, its start and its end are kept with "..." between them (the
 * end names the file), so a message quoting it keeps room for its cause.
 * cap must be at least 8. Returns out (never s itself). */
char *g6_printable_path(const char *s, size_t len, char *out, size_t cap);

/* The value of one hexadecimal digit c ('0'-'9', 'a'-'f', 'A'-'F'), -1 for
 * any other byte (percent-encoding, JSON's \uXXXX, hex-written names). */
int g6_hex_digit(int c);

#endif
