/* g6 — a growable byte buffer, always NUL-terminated.
 *
 * Used for HTTP bodies, CSV rows and JSON output. A buffer may carry a size
 * limit: an append that would exceed it fails with G6_ETOOBIG and leaves the
 * buffer unchanged, which is how response bodies stay bounded. */
#ifndef G6_BUF_H
#define G6_BUF_H

#include "core/status.h"

#include <stdarg.h>
#include <stddef.h>

typedef struct g6_buf {
  char *data;   /* NUL-terminated; NULL until the first append */
  size_t len;   /* bytes used, excluding the terminating NUL */
  size_t cap;   /* bytes allocated */
  size_t limit; /* maximum len; 0 means unlimited */
} g6_buf;

#define G6_BUF_INIT {NULL, 0, 0, 0}

/* Ensures room for `extra` more bytes plus the NUL. G6_ENOMEM or G6_ETOOBIG on
 * failure; the buffer is unchanged then. */
g6_status g6_buf_reserve(g6_buf *b, size_t extra);

g6_status g6_buf_append(g6_buf *b, const void *data, size_t len);
g6_status g6_buf_puts(g6_buf *b, const char *s);
g6_status g6_buf_putc(g6_buf *b, char c);
g6_status g6_buf_printf(g6_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
g6_status g6_buf_vprintf(g6_buf *b, const char *fmt, va_list ap);

/* Empties the buffer but keeps its memory. */
void g6_buf_reset(g6_buf *b);

/* Frees the memory; the buffer is reusable afterwards (limit is kept). */
void g6_buf_free(g6_buf *b);

/* Hands the data to the caller (who frees it) and empties the buffer. Returns
 * an allocated empty string when the buffer never held data; NULL only when
 * that allocation fails. */
char *g6_buf_steal(g6_buf *b);

#endif
