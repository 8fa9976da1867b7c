/* Streaming JSON writer (see core/jsonw.h). */
#include "core/jsonw.h"

#include "core/json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void g6_jw_init(g6_jw *w, g6_buf *out, bool pretty) {
  memset(w, 0, sizeof(*w));
  w->out = out;
  w->pretty = pretty;
}

static void fail(g6_jw *w, g6_status st) {
  if (w->st == G6_OK)
    w->st = st;
}

void g6_jw_set_sink(g6_jw *w, size_t at,
                    g6_status (*flush)(void *ctx, g6_buf *out), void *ctx) {
  w->flush = flush;
  w->flush_ctx = ctx;
  w->flush_at = at;
}

/* Hands the buffer to the sink once it is full enough (between values, so
 * every flush boundary is a clean cut of the text). */
static void maybe_flush(g6_jw *w, bool force) {
  if (w->flush == NULL || w->st != G6_OK || w->out->len == 0 ||
      (!force && w->out->len < w->flush_at))
    return;
  fail(w, w->flush(w->flush_ctx, w->out));
}

/* Room for n more bytes (plus the NUL) at the end of the output: the
 * cursor, or NULL once the writer has failed. Every call below reserves the
 * most it can write once, writes through the cursor and ends with done():
 * one capacity check per call, not one per byte run. */
static char *room(g6_jw *w, size_t n) {
  if (w->st != G6_OK)
    return NULL;
  g6_buf *b = w->out;
  if (b->limit != 0 || b->data == NULL || b->cap - b->len <= n) {
    g6_status st = g6_buf_reserve(b, n);
    if (st != G6_OK) {
      fail(w, st);
      return NULL;
    }
  }
  return b->data + b->len;
}

static void done(g6_jw *w, char *end) {
  w->out->len = (size_t)(end - w->out->data);
  *end = '\0';
}

/* The most a separator writes: a comma, a newline and the indentation. */
#define SEP_MAX (2 + 2 * (size_t)G6_JW_MAX_DEPTH)

/* A newline and two spaces per level (dump_pretty's layout). */
static char *newline_indent(const g6_jw *w, char *p, int level) {
  if (!w->pretty)
    return p;
  size_t n = 2 * (size_t)level;
  *p++ = '\n';
  memset(p, ' ', n);
  return p + n;
}

/* What precedes a value: nothing after a key, else a comma between array
 * items and the item's indentation. */
static char *before_value(g6_jw *w, char *p) {
  if (w->after_key) {
    w->after_key = false;
    return p;
  }
  if (w->depth == 0)
    return p;
  if (w->count[w->depth - 1]++ > 0)
    *p++ = ',';
  return newline_indent(w, p, w->depth);
}

/* A value of at most n bytes, already formatted. */
static void put_value(g6_jw *w, const char *s, size_t n) {
  char *p = room(w, SEP_MAX + n);
  if (p == NULL)
    return;
  p = before_value(w, p);
  memcpy(p, s, n);
  done(w, p + n);
}

/* The length of s when it needs no escaping (keys, tokens), else -1. */
static long plain_length(const char *s) {
  size_t n = 0;
  while ((unsigned char)s[n] >= 0x20 && (unsigned char)s[n] < 0x7f &&
         s[n] != '"' && s[n] != '\\')
    n++;
  return s[n] == '\0' ? (long)n : -1;
}

/* A string after its separator: one copy when it needs no escaping (n is
 * its length then, else -1), anything else through the full escaper. */
static void put_string(g6_jw *w, const char *s, long n, bool is_key) {
  char *p = room(w, SEP_MAX + (n < 0 ? 0 : (size_t)n) + 4);
  if (p == NULL)
    return;
  if (is_key) {
    if (w->count[w->depth - 1]++ > 0)
      *p++ = ',';
    p = newline_indent(w, p, w->depth);
  } else {
    p = before_value(w, p);
  }
  if (n >= 0) {
    *p++ = '"';
    memcpy(p, s, (size_t)n);
    p += n;
    *p++ = '"';
  } else {
    done(w, p);
    fail(w, g6_json_write_string(w->out, s, strlen(s)));
    if ((p = room(w, 2)) == NULL)
      return;
  }
  if (is_key) {
    *p++ = ':';
    if (w->pretty)
      *p++ = ' ';
    w->after_key = true;
  }
  done(w, p);
}

void g6_jw_key(g6_jw *w, const char *key) {
  if (w->depth == 0) {
    fail(w, G6_EINVAL);
    return;
  }
  put_string(w, key, plain_length(key), true);
}

void g6_jw_key_plain(g6_jw *w, const char *key, size_t len) {
  if (w->depth == 0) {
    fail(w, G6_EINVAL);
    return;
  }
  put_string(w, key, (long)len, true);
}

static void open_(g6_jw *w, char c) {
  maybe_flush(w, false);
  if (w->depth == G6_JW_MAX_DEPTH) {
    fail(w, G6_EINVAL);
    return;
  }
  char *p = room(w, SEP_MAX + 1);
  if (p == NULL)
    return;
  p = before_value(w, p);
  *p++ = c;
  done(w, p);
  w->count[w->depth++] = 0;
}

static void close_(g6_jw *w, char c) {
  if (w->depth == 0) {
    fail(w, G6_EINVAL);
    return;
  }
  w->depth--;
  char *p = room(w, SEP_MAX + 1);
  if (p == NULL)
    return;
  if (w->count[w->depth] > 0)
    p = newline_indent(w, p, w->depth);
  *p++ = c;
  done(w, p);
}

void g6_jw_object_begin(g6_jw *w) { open_(w, '{'); }
void g6_jw_object_end(g6_jw *w) { close_(w, '}'); }
void g6_jw_array_begin(g6_jw *w) { open_(w, '['); }
void g6_jw_array_end(g6_jw *w) { close_(w, ']'); }

void g6_jw_null(g6_jw *w) { put_value(w, "null", 4); }

void g6_jw_bool(g6_jw *w, bool b) {
  put_value(w, b ? "true" : "false", b ? 4 : 5);
}

void g6_jw_int(g6_jw *w, int64_t i) {
  char *p = room(w, SEP_MAX + 20);
  if (p == NULL)
    return;
  p = before_value(w, p);
  done(w, p + g6_format_int64(i, p));
}

void g6_jw_real(g6_jw *w, double d) {
  if (isnan(d)) {
    put_value(w, "NaN", 3);
  } else if (isinf(d)) {
    put_value(w, d < 0 ? "-Infinity" : "Infinity", d < 0 ? 9 : 8);
  } else {
    char *p = room(w, SEP_MAX + 32);
    if (p == NULL)
      return;
    p = before_value(w, p);
    done(w, p + g6_repr_double(d, p));
  }
}

void g6_jw_string(g6_jw *w, const char *s) {
  put_string(w, s, plain_length(s), false);
}

void g6_jw_number_or_null(g6_jw *w, double d) {
  if (isfinite(d))
    g6_jw_real(w, d);
  else
    g6_jw_null(w);
}

void g6_jw_count_or_null(g6_jw *w, double d) {
  if (!isfinite(d))
    g6_jw_null(w);
  else if (d == floor(d) && fabs(d) < 9007199254740992.0)
    g6_jw_int(w, (int64_t)d);
  else
    g6_jw_real(w, d);
}

g6_status g6_jw_finish(g6_jw *w) {
  if (w->depth != 0)
    fail(w, G6_EINVAL);
  if (w->pretty)
    put_value(w, "\n", 1);
  maybe_flush(w, true);
  return w->st;
}
