#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

g6_status g6_buf_reserve(g6_buf *b, size_t extra) {
  if (b->limit != 0 && (extra > b->limit || b->len > b->limit - extra))
    return G6_ETOOBIG;
  size_t need = b->len + extra + 1;
  if (need < b->len) /* overflow */
    return G6_ENOMEM;
  if (need <= b->cap)
    return G6_OK;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need) {
    if (cap > ((size_t)-1) / 2) {
      cap = need;
      break;
    }
    cap *= 2;
  }
  char *p;
  if (b->sensitive && b->data != NULL) {
    /* realloc would free the old block unzeroed */
    p = malloc(cap);
    if (p == NULL)
      return G6_ENOMEM;
    memcpy(p, b->data, b->len + 1);
    g6_wipe(b->data, b->cap);
    free(b->data);
  } else {
    p = realloc(b->data, cap);
    if (p == NULL)
      return G6_ENOMEM;
  }
  if (b->data == NULL)
    p[0] = '\0';
  b->data = p;
  b->cap = cap;
  return G6_OK;
}

g6_status g6_buf_append(g6_buf *b, const void *data, size_t len) {
  g6_status st = g6_buf_reserve(b, len);
  if (st != G6_OK)
    return st;
  if (len > 0)
    memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
  return G6_OK;
}

g6_status g6_buf_puts(g6_buf *b, const char *s) {
  return g6_buf_append(b, s, strlen(s));
}

g6_status g6_buf_putc(g6_buf *b, char c) { return g6_buf_append(b, &c, 1); }

g6_status g6_buf_vprintf(g6_buf *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  char small[256];
  int n = vsnprintf(small, sizeof(small), fmt, ap2);
  va_end(ap2);
  g6_status st;
  if (n < 0) {
    st = G6_EINVAL;
  } else if ((size_t)n < sizeof(small)) {
    st = g6_buf_append(b, small, (size_t)n);
  } else {
    st = g6_buf_reserve(b, (size_t)n);
    if (st == G6_OK) {
      vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
      b->len += (size_t)n;
    }
  }
  if (b->sensitive) /* small holds (the start of) the secret */
    g6_wipe(small, sizeof(small));
  return st;
}

g6_status g6_buf_printf(g6_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g6_status st = g6_buf_vprintf(b, fmt, ap);
  va_end(ap);
  return st;
}

void g6_buf_reset(g6_buf *b) {
  if (b->sensitive && b->data != NULL)
    g6_wipe(b->data, b->cap);
  b->len = 0;
  if (b->data != NULL)
    b->data[0] = '\0';
}

void g6_buf_free(g6_buf *b) {
  if (b->sensitive && b->data != NULL)
    g6_wipe(b->data, b->cap);
  free(b->data);
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
}

char *g6_buf_steal(g6_buf *b) {
  char *p = b->data;
  if (p == NULL)
    p = calloc(1, 1);
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  return p;
}

void g6_wipe(void *p, size_t n) {
  if (p != NULL && n > 0)
    explicit_bzero(p, n);
}

void g6_secret_free(char *s) {
  if (s == NULL)
    return;
  g6_wipe(s, strlen(s));
  free(s);
}
