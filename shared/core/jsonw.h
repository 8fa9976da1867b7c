/* g6 — a streaming JSON writer for large documents written every cycle.
 *
 * Writes into a g6_buf exactly what g6_json_dump_pretty (core/json.h) writes
 * for the same document — two-space indentation, ASCII escapes, Python's
 * shortest float repr — without building a DOM: no allocation per value, no
 * sorting. The one thing it cannot do for the caller is sort keys: a caller
 * that wants the dump_pretty bytes writes each object's keys in byte order
 * (the snapshot writer's test re-parses and re-dumps its output to prove
 * it). Errors (out of memory, invalid UTF-8 in a string, nesting deeper than
 * 32) are sticky: the first one is kept and returned by g6_jw_finish. */
#ifndef G6_JSONW_H
#define G6_JSONW_H

#include "core/buf.h"
#include "core/status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define G6_JW_MAX_DEPTH 32

typedef struct g6_jw {
  g6_buf *out;
  /* optional sink: out is handed to flush (which empties it) whenever it
   * holds at least flush_at bytes, and at g6_jw_finish */
  g6_status (*flush)(void *ctx, g6_buf *out);
  void *flush_ctx;
  size_t flush_at;
  g6_status st;
  int depth;
  bool pretty;
  bool after_key;                   /* a key was written, its value is next */
  uint32_t count[G6_JW_MAX_DEPTH];  /* members written at each level */
} g6_jw;

/* Starts a document appended to out (indented when pretty, else compact).
 * Each call reserves the most it can write before writing (about 100 bytes
 * plus the string), so a bounded `out` (g6_buf.limit) refuses a value that
 * would still have fitted within that margin of the limit: give a bounded
 * buffer that much headroom. */
void g6_jw_init(g6_jw *w, g6_buf *out, bool pretty);

/* Streams the document: whenever `out` holds at least `at` bytes, and at
 * g6_jw_finish, flush(ctx, out) is called; it writes the bytes somewhere,
 * empties `out` (g6_buf_reset) and returns G6_OK, or an error that becomes
 * the writer's error. Memory then stays near `at` bytes whatever the size
 * of the document. */
void g6_jw_set_sink(g6_jw *w, size_t at,
                    g6_status (*flush)(void *ctx, g6_buf *out), void *ctx);

void g6_jw_object_begin(g6_jw *w);
void g6_jw_object_end(g6_jw *w);
void g6_jw_array_begin(g6_jw *w);
void g6_jw_array_end(g6_jw *w);
/* An object member's key; the next call writes its value. */
void g6_jw_key(g6_jw *w, const char *key);
/* The same for a key the caller knows needs no escaping — len bytes of
 * printable ASCII without '"' or '\\', typically a literal — so it is
 * copied without being scanned; G6_JW_KEY(w, "literal") passes its length.
 * Anything else is the caller's bug (the bytes go out as they are). */
void g6_jw_key_plain(g6_jw *w, const char *key, size_t len);
#define G6_JW_KEY(w, lit) g6_jw_key_plain((w), "" lit, sizeof(lit) - 1)

void g6_jw_null(g6_jw *w);
void g6_jw_bool(g6_jw *w, bool b);
void g6_jw_int(g6_jw *w, int64_t i);
/* A double: shortest repr ("1.0", "0.1", "1e+16"); NaN and infinities as
 * Python writes them (NaN, Infinity, -Infinity). */
void g6_jw_real(g6_jw *w, double d);
void g6_jw_string(g6_jw *w, const char *s);
/* Unknown stays unknown: a finite number, else null. */
void g6_jw_number_or_null(g6_jw *w, double d);
/* A whole number below 2^53 in magnitude as an integer, another finite
 * number as a double, a non-finite one as null (counts, strikes). */
void g6_jw_count_or_null(g6_jw *w, double d);

/* Ends the document (a newline after a pretty one). Returns the first error,
 * or G6_EINVAL when objects or arrays are left open. */
g6_status g6_jw_finish(g6_jw *w);

#endif
