/* g6 — a growable byte buffer, always NUL-terminated.
 *
 * Used for HTTP bodies, CSV rows and JSON output. A buffer may carry a size
 * limit: an append that would exceed it fails with G6_ETOOBIG and leaves the
 * buffer unchanged, which is how response bodies stay bounded.
 *
 * A buffer marked `sensitive` holds a secret (an API key, a request or access
 * token, a checksum of them): its bytes are zeroed before any memory of it
 * goes back to the allocator — growth copies into a new block and zeroes the
 * old one instead of realloc(), which would free the old block as it is;
 * g6_buf_free and g6_buf_reset zero what was written; g6_buf_vprintf zeroes
 * its stack copy. Only secret paths set it: other buffers (quotes, CSV) pay
 * nothing. */
#ifndef G6_BUF_H
#define G6_BUF_H

#include "core/status.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct g6_buf {
  char *data;     /* NUL-terminated; NULL until the first append */
  size_t len;     /* bytes used, excluding the terminating NUL */
  size_t cap;     /* bytes allocated */
  size_t limit;   /* maximum len; 0 means unlimited */
  bool sensitive; /* zero every byte before it is freed or reused (above) */
} g6_buf;

#define G6_BUF_INIT {NULL, 0, 0, 0, false}
#define G6_BUF_SENSITIVE_INIT {NULL, 0, 0, 0, true}

/* Ensures room for `extra` more bytes plus the NUL. G6_ENOMEM or G6_ETOOBIG on
 * failure; the buffer is unchanged then. */
g6_status g6_buf_reserve(g6_buf *b, size_t extra);

g6_status g6_buf_append(g6_buf *b, const void *data, size_t len);
g6_status g6_buf_puts(g6_buf *b, const char *s);
g6_status g6_buf_putc(g6_buf *b, char c);
g6_status g6_buf_printf(g6_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
g6_status g6_buf_vprintf(g6_buf *b, const char *fmt, va_list ap);

/* Empties the buffer but keeps its memory (zeroed when sensitive). */
void g6_buf_reset(g6_buf *b);

/* Frees the memory (zeroed first when sensitive); the buffer is reusable
 * afterwards (limit and sensitive are kept). */
void g6_buf_free(g6_buf *b);

/* Hands the data to the caller (who frees it, and zeroes it first when the
 * buffer was sensitive) and empties the buffer. Returns an allocated empty
 * string when the buffer never held data; NULL only when that allocation
 * fails. */
char *g6_buf_steal(g6_buf *b);

/* Zeroes n bytes at p in a way the compiler may not drop as a dead store
 * (explicit_bzero): for a secret about to be freed or go out of scope.
 * p may be NULL when n is 0. Can't fail. */
void g6_wipe(void *p, size_t n);

/* Zeroes the NUL-terminated string s (to its NUL) and frees it; NULL does
 * nothing. For secrets held as plain strings. Can't fail. */
void g6_secret_free(char *s);

#endif
