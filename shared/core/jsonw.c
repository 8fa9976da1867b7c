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

static void put(g6_jw *w, const char *s, size_t n) {
  if (w->st == G6_OK)
    fail(w, g6_buf_append(w->out, s, n));
}

/* A newline and two spaces per level (dump_pretty's layout). */
static void newline_indent(g6_jw *w, int level) {
  if (!w->pretty || w->st != G6_OK)
    return;
  size_t n = 2 * (size_t)level;
  if (g6_buf_reserve(w->out, n + 1) != G6_OK) {
    fail(w, G6_ENOMEM);
    return;
  }
  w->out->data[w->out->len++] = '\n';
  memset(w->out->data + w->out->len, ' ', n);
  w->out->len += n;
  w->out->data[w->out->len] = '\0';
}

/* What precedes a value: nothing after a key, else a comma between array
 * items and the item's indentation. */
static void before_value(g6_jw *w) {
  if (w->after_key) {
    w->after_key = false;
    return;
  }
  if (w->depth == 0)
    return;
  if (w->count[w->depth - 1]++ > 0)
    put(w, ",", 1);
  newline_indent(w, w->depth);
}

/* A string that needs no escaping goes out in one append (keys, tokens);
 * anything else through the full escaper. */
static void put_string(g6_jw *w, const char *s) {
  size_t n = 0;
  while (s[n] >= 0x20 && s[n] < 0x7f && s[n] != '"' && s[n] != '\\')
    n++;
  if (s[n] != '\0') {
    if (w->st == G6_OK)
      fail(w, g6_json_write_string(w->out, s, strlen(s)));
    return;
  }
  if (w->st != G6_OK)
    return;
  if (g6_buf_reserve(w->out, n + 2) != G6_OK) {
    fail(w, G6_ENOMEM);
    return;
  }
  char *d = w->out->data + w->out->len;
  d[0] = '"';
  memcpy(d + 1, s, n);
  d[n + 1] = '"';
  w->out->len += n + 2;
  w->out->data[w->out->len] = '\0';
}

void g6_jw_key(g6_jw *w, const char *key) {
  if (w->depth == 0) {
    fail(w, G6_EINVAL);
    return;
  }
  if (w->count[w->depth - 1]++ > 0)
    put(w, ",", 1);
  newline_indent(w, w->depth);
  put_string(w, key);
  put(w, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
  w->after_key = true;
}

static void open_(g6_jw *w, char c) {
  maybe_flush(w, false);
  before_value(w);
  if (w->depth == G6_JW_MAX_DEPTH) {
    fail(w, G6_EINVAL);
    return;
  }
  put(w, &c, 1);
  w->count[w->depth++] = 0;
}

static void close_(g6_jw *w, char c) {
  if (w->depth == 0) {
    fail(w, G6_EINVAL);
    return;
  }
  w->depth--;
  if (w->count[w->depth] > 0)
    newline_indent(w, w->depth);
  put(w, &c, 1);
}

void g6_jw_object_begin(g6_jw *w) { open_(w, '{'); }
void g6_jw_object_end(g6_jw *w) { close_(w, '}'); }
void g6_jw_array_begin(g6_jw *w) { open_(w, '['); }
void g6_jw_array_end(g6_jw *w) { close_(w, ']'); }

void g6_jw_null(g6_jw *w) {
  before_value(w);
  put(w, "null", 4);
}

void g6_jw_bool(g6_jw *w, bool b) {
  before_value(w);
  put(w, b ? "true" : "false", b ? 4 : 5);
}

void g6_jw_int(g6_jw *w, int64_t i) {
  char num[24];
  int n = snprintf(num, sizeof(num), "%" PRId64, i);
  before_value(w);
  put(w, num, (size_t)n);
}

void g6_jw_real(g6_jw *w, double d) {
  before_value(w);
  if (isnan(d)) {
    put(w, "NaN", 3);
  } else if (isinf(d)) {
    put(w, d < 0 ? "-Infinity" : "Infinity", d < 0 ? 9 : 8);
  } else {
    char num[32];
    size_t n = g6_repr_double(d, num);
    put(w, num, n);
  }
}

void g6_jw_string(g6_jw *w, const char *s) {
  before_value(w);
  put_string(w, s);
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
    put(w, "\n", 1);
  maybe_flush(w, true);
  return w->st;
}
