#include "core/json.h"

#include "core/dtoa.h"
#include "core/hash.h"

#include <yajl/yajl_parse.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct member {
  char *key;
  size_t klen;
  g6_json *val;
} member;

struct g6_json {
  g6_json_type type;
  union {
    bool b;
    char *itext; /* normalized decimal integer */
    double d;
    struct {
      char *s;
      size_t len;
    } str;
    struct {
      g6_json **items;
      size_t n, cap;
    } arr;
    struct {
      member *m;
      size_t n, cap;
    } obj;
  } u;
};

#define MAX_DEPTH 256

static g6_json *new_value(g6_json_type t) {
  g6_json *v = calloc(1, sizeof(*v));
  if (v != NULL)
    v->type = t;
  return v;
}

g6_json *g6_json_null(void) { return new_value(G6_JSON_NULL); }

g6_json *g6_json_bool(bool b) {
  g6_json *v = new_value(G6_JSON_BOOL);
  if (v != NULL)
    v->u.b = b;
  return v;
}

g6_json *g6_json_int(int64_t i) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%lld", (long long)i);
  return g6_json_int_text(buf);
}

g6_json *g6_json_int_text(const char *text) {
  const char *p = text;
  bool neg = false;
  if (*p == '-' || *p == '+') {
    neg = *p == '-';
    p++;
  }
  if (*p == '\0')
    return NULL;
  for (const char *q = p; *q; q++)
    if (*q < '0' || *q > '9')
      return NULL;
  while (p[0] == '0' && p[1] != '\0')
    p++;
  if (p[0] == '0')
    neg = false; /* -0 is 0 for ints */
  size_t n = strlen(p);
  g6_json *v = new_value(G6_JSON_INT);
  if (v == NULL)
    return NULL;
  v->u.itext = malloc(n + 2);
  if (v->u.itext == NULL) {
    free(v);
    return NULL;
  }
  v->u.itext[0] = '-';
  memcpy(v->u.itext + (neg ? 1 : 0), p, n + 1);
  return v;
}

g6_json *g6_json_real(double d) {
  g6_json *v = new_value(G6_JSON_REAL);
  if (v != NULL)
    v->u.d = d;
  return v;
}

g6_json *g6_json_stringn(const char *s, size_t len) {
  g6_json *v = new_value(G6_JSON_STRING);
  if (v == NULL)
    return NULL;
  v->u.str.s = malloc(len + 1);
  if (v->u.str.s == NULL) {
    free(v);
    return NULL;
  }
  if (len)
    memcpy(v->u.str.s, s, len);
  v->u.str.s[len] = '\0';
  v->u.str.len = len;
  return v;
}

g6_json *g6_json_string(const char *s) { return g6_json_stringn(s, strlen(s)); }
g6_json *g6_json_array(void) { return new_value(G6_JSON_ARRAY); }
g6_json *g6_json_object(void) { return new_value(G6_JSON_OBJECT); }

void g6_json_free(g6_json *v) {
  if (v == NULL)
    return;
  switch (v->type) {
  case G6_JSON_INT:
    free(v->u.itext);
    break;
  case G6_JSON_STRING:
    free(v->u.str.s);
    break;
  case G6_JSON_ARRAY:
    for (size_t i = 0; i < v->u.arr.n; i++)
      g6_json_free(v->u.arr.items[i]);
    free(v->u.arr.items);
    break;
  case G6_JSON_OBJECT:
    for (size_t i = 0; i < v->u.obj.n; i++) {
      free(v->u.obj.m[i].key);
      g6_json_free(v->u.obj.m[i].val);
    }
    free(v->u.obj.m);
    break;
  default:
    break;
  }
  free(v);
}

g6_status g6_json_array_push(g6_json *arr, g6_json *val) {
  if (val == NULL)
    return G6_ENOMEM;
  if (arr == NULL || arr->type != G6_JSON_ARRAY) {
    g6_json_free(val);
    return G6_EINVAL;
  }
  if (arr->u.arr.n == arr->u.arr.cap) {
    size_t cap = arr->u.arr.cap ? arr->u.arr.cap * 2 : 8;
    g6_json **p = realloc(arr->u.arr.items, cap * sizeof(*p));
    if (p == NULL) {
      g6_json_free(val);
      return G6_ENOMEM;
    }
    arr->u.arr.items = p;
    arr->u.arr.cap = cap;
  }
  arr->u.arr.items[arr->u.arr.n++] = val;
  return G6_OK;
}

g6_status g6_json_object_setn(g6_json *obj, const char *key, size_t klen,
                              g6_json *val) {
  if (val == NULL)
    return G6_ENOMEM;
  if (obj == NULL || obj->type != G6_JSON_OBJECT) {
    g6_json_free(val);
    return G6_EINVAL;
  }
  for (size_t i = 0; i < obj->u.obj.n; i++) {
    member *m = &obj->u.obj.m[i];
    if (m->klen == klen && memcmp(m->key, key, klen) == 0) {
      g6_json_free(m->val);
      m->val = val;
      return G6_OK;
    }
  }
  if (obj->u.obj.n == obj->u.obj.cap) {
    size_t cap = obj->u.obj.cap ? obj->u.obj.cap * 2 : 8;
    member *p = realloc(obj->u.obj.m, cap * sizeof(*p));
    if (p == NULL) {
      g6_json_free(val);
      return G6_ENOMEM;
    }
    obj->u.obj.m = p;
    obj->u.obj.cap = cap;
  }
  char *k = malloc(klen + 1);
  if (k == NULL) {
    g6_json_free(val);
    return G6_ENOMEM;
  }
  if (klen)
    memcpy(k, key, klen);
  k[klen] = '\0';
  obj->u.obj.m[obj->u.obj.n++] = (member){k, klen, val};
  return G6_OK;
}

g6_status g6_json_object_set(g6_json *obj, const char *key, g6_json *val) {
  return g6_json_object_setn(obj, key, strlen(key), val);
}

g6_json_type g6_json_type_of(const g6_json *v) {
  return v ? v->type : G6_JSON_NULL;
}

size_t g6_json_count(const g6_json *v) {
  if (v == NULL)
    return 0;
  if (v->type == G6_JSON_ARRAY)
    return v->u.arr.n;
  if (v->type == G6_JSON_OBJECT)
    return v->u.obj.n;
  return 0;
}

g6_json *g6_json_array_get(const g6_json *arr, size_t i) {
  if (arr == NULL || arr->type != G6_JSON_ARRAY || i >= arr->u.arr.n)
    return NULL;
  return arr->u.arr.items[i];
}

g6_json *g6_json_object_get(const g6_json *obj, const char *key) {
  if (obj == NULL || obj->type != G6_JSON_OBJECT)
    return NULL;
  size_t klen = strlen(key);
  for (size_t i = 0; i < obj->u.obj.n; i++) {
    const member *m = &obj->u.obj.m[i];
    if (m->klen == klen && memcmp(m->key, key, klen) == 0)
      return m->val;
  }
  return NULL;
}

const char *g6_json_object_key(const g6_json *obj, size_t i, size_t *len) {
  if (obj == NULL || obj->type != G6_JSON_OBJECT || i >= obj->u.obj.n)
    return NULL;
  if (len)
    *len = obj->u.obj.m[i].klen;
  return obj->u.obj.m[i].key;
}

g6_json *g6_json_object_value(const g6_json *obj, size_t i) {
  if (obj == NULL || obj->type != G6_JSON_OBJECT || i >= obj->u.obj.n)
    return NULL;
  return obj->u.obj.m[i].val;
}

bool g6_json_get_bool(const g6_json *v) {
  return v != NULL && v->type == G6_JSON_BOOL && v->u.b;
}

double g6_json_get_number(const g6_json *v) {
  if (v == NULL)
    return NAN;
  if (v->type == G6_JSON_REAL)
    return v->u.d;
  if (v->type == G6_JSON_INT)
    return strtod(v->u.itext, NULL);
  return NAN;
}

const char *g6_json_get_string(const g6_json *v, size_t *len) {
  if (v == NULL || v->type != G6_JSON_STRING)
    return NULL;
  if (len)
    *len = v->u.str.len;
  return v->u.str.s;
}

const char *g6_json_get_int_text(const g6_json *v) {
  return (v != NULL && v->type == G6_JSON_INT) ? v->u.itext : NULL;
}

/* ---- Python float repr ------------------------------------------------ */

/* Shortest round-trip digits, Python's choice among equally short ones. */
static void shortest_digits(double d, char *digits, int *ndigits, int *decpt) {
  *ndigits = g6_dtoa_shortest(d, digits, decpt);
}

/* Fast path for the common case, a value with at most 15 significant digits
 * and at most 8 after the point in Python's fixed-notation range (prices,
 * ratios, Greeks to a few places): the smallest k for which round(d * 10^k) /
 * 10^k == d gives exactly the shortest round-trip digits (a shorter decimal
 * would pass at a smaller k, and with <= 15 digits there is only one
 * candidate), with no printf/strtod. Returns 0 when it does not apply. */
static size_t repr_fixed_fast(double d, char *out) {
  static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4,
                               1e5, 1e6, 1e7, 1e8};
  if (!(d >= 1e-4 && d < 1e15))
    return 0;
  for (int k = 0; k <= 8; k++) {
    double v = d * p10[k];
    if (v >= 1e15)
      return 0;
    double n = nearbyint(v);
    if (n / p10[k] != d)
      continue;
    char digits[24];
    int nd = 0;
    uint64_t u = (uint64_t)n;
    do {
      digits[nd++] = (char)('0' + u % 10);
      u /= 10;
    } while (u > 0);
    /* digits are reversed; pad so there is at least one before the point */
    while (nd <= k)
      digits[nd++] = '0';
    size_t o = 0;
    for (int i = nd - 1; i >= k; i--)
      out[o++] = digits[i];
    out[o++] = '.';
    if (k == 0)
      out[o++] = '0';
    for (int i = k - 1; i >= 0; i--)
      out[o++] = digits[i];
    out[o] = '\0';
    return o;
  }
  return 0;
}

size_t g6_repr_double(double d, char out[32]) {
  if (isnan(d))
    return (size_t)snprintf(out, 32, "nan");
  if (isinf(d))
    return (size_t)snprintf(out, 32, d < 0 ? "-inf" : "inf");
  if (d == 0)
    return (size_t)snprintf(out, 32, signbit(d) ? "-0.0" : "0.0");
  char digits[24];
  int nd, decpt;
  size_t o = 0;
  if (d < 0) {
    out[o++] = '-';
    d = -d;
  }
  size_t fast = repr_fixed_fast(d, out + o);
  if (fast > 0)
    return o + fast;
  shortest_digits(d, digits, &nd, &decpt);
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out[o++] = '0';
      out[o++] = '.';
      for (int i = 0; i < -decpt; i++)
        out[o++] = '0';
      for (int i = 0; i < nd; i++)
        out[o++] = digits[i];
    } else if (decpt < nd) {
      for (int i = 0; i < nd; i++) {
        if (i == decpt)
          out[o++] = '.';
        out[o++] = digits[i];
      }
    } else {
      for (int i = 0; i < nd; i++)
        out[o++] = digits[i];
      for (int i = nd; i < decpt; i++)
        out[o++] = '0';
      out[o++] = '.';
      out[o++] = '0';
    }
    out[o] = '\0';
    return o;
  }
  out[o++] = digits[0];
  if (nd > 1) {
    out[o++] = '.';
    for (int i = 1; i < nd; i++)
      out[o++] = digits[i];
  }
  int e = decpt - 1;
  o += (size_t)snprintf(out + o, 32 - o, "e%c%02d", e < 0 ? '-' : '+',
                        e < 0 ? -e : e);
  return o;
}

/* ---- serialization ---------------------------------------------------- */

/* Decodes one UTF-8 sequence; returns its length or 0 when invalid
 * (overlongs, surrogates and values above U+10FFFF are invalid). */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp) {
  unsigned char c = s[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t n;
  uint32_t v, min;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    v = c & 0x1F;
    min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    v = c & 0x0F;
    min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    v = c & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (n > len)
    return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    v = (v << 6) | (s[i] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
    return 0;
  *cp = v;
  return n;
}

static g6_status dump_string(const char *s, size_t len, g6_buf *out) {
  static const char hex[] = "0123456789abcdef";
  g6_status st = g6_buf_putc(out, '"');
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (st == G6_OK && i < len) {
    size_t run = i;
    while (run < len && p[run] >= 0x20 && p[run] < 0x7f && p[run] != '"' &&
           p[run] != '\\')
      run++;
    if (run > i) {
      st = g6_buf_append(out, s + i, run - i);
      i = run;
      continue;
    }
    uint32_t cp;
    size_t n = utf8_decode(p + i, len - i, &cp);
    if (n == 0)
      return G6_EINVAL;
    i += n;
    char esc[16];
    switch (cp) {
    case '"':
      st = g6_buf_puts(out, "\\\"");
      continue;
    case '\\':
      st = g6_buf_puts(out, "\\\\");
      continue;
    case '\n':
      st = g6_buf_puts(out, "\\n");
      continue;
    case '\r':
      st = g6_buf_puts(out, "\\r");
      continue;
    case '\t':
      st = g6_buf_puts(out, "\\t");
      continue;
    case '\b':
      st = g6_buf_puts(out, "\\b");
      continue;
    case '\f':
      st = g6_buf_puts(out, "\\f");
      continue;
    default:
      break;
    }
    uint32_t units[2];
    int nu = 0;
    if (cp >= 0x10000) {
      uint32_t v = cp - 0x10000;
      units[nu++] = 0xD800 | (v >> 10);
      units[nu++] = 0xDC00 | (v & 0x3FF);
    } else {
      units[nu++] = cp;
    }
    for (int k = 0; k < nu && st == G6_OK; k++) {
      esc[0] = '\\';
      esc[1] = 'u';
      esc[2] = hex[(units[k] >> 12) & 15];
      esc[3] = hex[(units[k] >> 8) & 15];
      esc[4] = hex[(units[k] >> 4) & 15];
      esc[5] = hex[units[k] & 15];
      st = g6_buf_append(out, esc, 6);
    }
  }
  if (st == G6_OK)
    st = g6_buf_putc(out, '"');
  return st;
}

/* A newline and `n` spaces. */
static g6_status newline_indent(g6_buf *out, int n) {
  g6_status st = g6_buf_reserve(out, (size_t)n + 1);
  if (st != G6_OK)
    return st;
  out->data[out->len++] = '\n';
  memset(out->data + out->len, ' ', (size_t)n);
  out->len += (size_t)n;
  out->data[out->len] = '\0';
  return G6_OK;
}

static int cmp_member(const void *a, const void *b) {
  const member *x = *(const member *const *)a, *y = *(const member *const *)b;
  size_t n = x->klen < y->klen ? x->klen : y->klen;
  int c = memcmp(x->key, y->key, n);
  if (c != 0)
    return c;
  return (x->klen > y->klen) - (x->klen < y->klen);
}

static g6_status dump(const g6_json *v, g6_buf *out, int indent, int level) {
  g6_status st = G6_OK;
  char num[32];
  if (level > MAX_DEPTH)
    return G6_EINVAL;
  switch (v->type) {
  case G6_JSON_NULL:
    return g6_buf_puts(out, "null");
  case G6_JSON_BOOL:
    return g6_buf_puts(out, v->u.b ? "true" : "false");
  case G6_JSON_INT:
    return g6_buf_puts(out, v->u.itext);
  case G6_JSON_REAL:
    if (isnan(v->u.d))
      return g6_buf_puts(out, "NaN");
    if (isinf(v->u.d))
      return g6_buf_puts(out, v->u.d < 0 ? "-Infinity" : "Infinity");
    g6_repr_double(v->u.d, num);
    return g6_buf_puts(out, num);
  case G6_JSON_STRING:
    return dump_string(v->u.str.s, v->u.str.len, out);
  case G6_JSON_ARRAY:
    st = g6_buf_putc(out, '[');
    for (size_t i = 0; st == G6_OK && i < v->u.arr.n; i++) {
      if (i > 0)
        st = g6_buf_putc(out, ',');
      if (st == G6_OK && indent)
        st = newline_indent(out, indent * (level + 1));
      if (st == G6_OK)
        st = dump(v->u.arr.items[i], out, indent, level + 1);
    }
    if (st == G6_OK && indent && v->u.arr.n)
      st = newline_indent(out, indent * level);
    return st == G6_OK ? g6_buf_putc(out, ']') : st;
  case G6_JSON_OBJECT: {
    size_t n = v->u.obj.n;
    const member **sorted = NULL;
    if (n > 0) {
      sorted = malloc(n * sizeof(*sorted));
      if (sorted == NULL)
        return G6_ENOMEM;
      for (size_t i = 0; i < n; i++)
        sorted[i] = &v->u.obj.m[i];
      qsort(sorted, n, sizeof(*sorted), cmp_member);
    }
    st = g6_buf_putc(out, '{');
    for (size_t i = 0; st == G6_OK && i < n; i++) {
      if (i > 0)
        st = g6_buf_putc(out, ',');
      if (st == G6_OK && indent)
        st = newline_indent(out, indent * (level + 1));
      if (st == G6_OK)
        st = dump_string(sorted[i]->key, sorted[i]->klen, out);
      if (st == G6_OK)
        st = g6_buf_puts(out, indent ? ": " : ":");
      if (st == G6_OK)
        st = dump(sorted[i]->val, out, indent, level + 1);
    }
    free(sorted);
    if (st == G6_OK && indent && n)
      st = newline_indent(out, indent * level);
    return st == G6_OK ? g6_buf_putc(out, '}') : st;
  }
  }
  return G6_EINVAL;
}

g6_status g6_json_dump_canonical(const g6_json *v, g6_buf *out) {
  if (v == NULL)
    return G6_EINVAL;
  return dump(v, out, 0, 0);
}

g6_status g6_json_dump_pretty(const g6_json *v, g6_buf *out) {
  if (v == NULL)
    return G6_EINVAL;
  g6_status st = dump(v, out, 2, 0);
  return st == G6_OK ? g6_buf_putc(out, '\n') : st;
}

g6_status g6_json_canonical_sha256(const g6_json *v, char out[65]) {
  g6_buf b = G6_BUF_INIT;
  g6_status st = g6_json_dump_canonical(v, &b);
  if (st == G6_OK)
    st = g6_sha256_hex(b.data ? b.data : "", b.len, out);
  g6_buf_free(&b);
  return st;
}

/* ---- parsing (yajl callbacks) ----------------------------------------- */

typedef struct parse_ctx {
  g6_json *stack[MAX_DEPTH + 1];
  size_t depth;
  g6_json *root;
  char *key; /* pending object key */
  size_t klen;
  g6_status st;
} parse_ctx;

/* Attaches a finished value to the current container (or makes it root). */
static int attach(parse_ctx *c, g6_json *v) {
  if (v == NULL) {
    c->st = G6_ENOMEM;
    return 0;
  }
  if (c->depth == 0) {
    c->root = v;
    return 1;
  }
  g6_json *top = c->stack[c->depth - 1];
  g6_status st;
  if (top->type == G6_JSON_ARRAY) {
    st = g6_json_array_push(top, v);
  } else {
    st = g6_json_object_setn(top, c->key ? c->key : "", c->klen, v);
    free(c->key);
    c->key = NULL;
  }
  if (st != G6_OK) {
    c->st = st;
    return 0;
  }
  return 1;
}

static int open_container(parse_ctx *c, g6_json *v) {
  if (v == NULL) {
    c->st = G6_ENOMEM;
    return 0;
  }
  if (c->depth >= MAX_DEPTH) {
    g6_json_free(v);
    c->st = G6_ETOOBIG;
    return 0;
  }
  if (!attach(c, v))
    return 0;
  c->stack[c->depth++] = v;
  return 1;
}

static int cb_null(void *ctx) { return attach(ctx, g6_json_null()); }
static int cb_bool(void *ctx, int b) { return attach(ctx, g6_json_bool(b)); }

static int cb_number(void *ctx, const char *s, size_t len) {
  char small[64];
  char *text = len < sizeof(small) ? small : malloc(len + 1);
  if (text == NULL) {
    ((parse_ctx *)ctx)->st = G6_ENOMEM;
    return 0;
  }
  memcpy(text, s, len);
  text[len] = '\0';
  g6_json *v;
  if (strpbrk(text, ".eE") == NULL)
    v = g6_json_int_text(text);
  else
    v = g6_json_real(strtod(text, NULL));
  if (text != small)
    free(text);
  return attach(ctx, v);
}

static int cb_string(void *ctx, const unsigned char *s, size_t len) {
  return attach(ctx, g6_json_stringn((const char *)s, len));
}

static int cb_start_map(void *ctx) {
  return open_container(ctx, g6_json_object());
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t len) {
  parse_ctx *c = ctx;
  free(c->key);
  c->key = malloc(len + 1);
  if (c->key == NULL) {
    c->st = G6_ENOMEM;
    return 0;
  }
  memcpy(c->key, s, len);
  c->key[len] = '\0';
  c->klen = len;
  return 1;
}

static int cb_end(void *ctx) {
  parse_ctx *c = ctx;
  if (c->depth > 0)
    c->depth--;
  return 1;
}

static int cb_start_array(void *ctx) {
  return open_container(ctx, g6_json_array());
}

static const yajl_callbacks callbacks = {
    cb_null,   cb_bool,      NULL,   NULL,           cb_number, cb_string,
    cb_start_map, cb_map_key, cb_end, cb_start_array, cb_end,
};

g6_status g6_json_parse(const char *text, size_t len, g6_json **out,
                        g6_error *err) {
  parse_ctx c;
  memset(&c, 0, sizeof(c));
  yajl_handle h = yajl_alloc(&callbacks, NULL, &c);
  if (h == NULL)
    return g6_error_set(err, G6_ENOMEM, "out of memory");
  yajl_status ys = yajl_parse(h, (const unsigned char *)text, len);
  if (ys == yajl_status_ok)
    ys = yajl_complete_parse(h);
  g6_status st = G6_OK;
  if (ys != yajl_status_ok) {
    size_t off = yajl_get_bytes_consumed(h);
    if (c.st != G6_OK) {
      st = g6_error_set(err, c.st, "JSON near byte %zu: %s", off,
                        c.st == G6_ETOOBIG ? "nesting deeper than 256 levels"
                                           : g6_strerror(c.st));
    } else {
      unsigned char *msg = yajl_get_error(h, 0, NULL, 0);
      st = g6_error_set(err, G6_EPARSE, "malformed JSON near byte %zu: %s",
                        off, msg ? (const char *)msg : "parse error");
      if (msg)
        yajl_free_error(h, msg);
    }
    g6_json_free(c.root);
  } else {
    *out = c.root;
  }
  free(c.key);
  yajl_free(h);
  return st;
}

g6_status g6_json_write_string(g6_buf *out, const char *s, size_t len) {
  return dump_string(s, len, out);
}
