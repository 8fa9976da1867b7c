#include "core/json.h"

#include "core/dtoa.h"
#include "core/hash.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
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
      /* from INDEX_MIN members on: an open-addressing table of member
       * positions + 1 (0: empty), nslot a power of two >= 2 n, so a key is
       * found (and a parsed object of n keys built) without comparing it
       * with every member: a manifest of 100000 files took 18 s to parse.
       * NULL when small, or when it could not be allocated (then the
       * linear search, slower but right). */
      size_t *slot;
      size_t nslot;
    } obj;
  } u;
};

#define INDEX_MIN 16

#define MAX_DEPTH G6_JSON_MAX_DEPTH

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

/* wipe: zero every string, key and integer text before it is freed (a
 * tree parsed from a secret). Arrays, member tables and the index hold
 * pointers and positions only. */
static void json_free(g6_json *v, bool wipe) {
  if (v == NULL)
    return;
  switch (v->type) {
  case G6_JSON_INT:
    if (wipe)
      g6_wipe(v->u.itext, strlen(v->u.itext));
    free(v->u.itext);
    break;
  case G6_JSON_STRING:
    if (wipe)
      g6_wipe(v->u.str.s, v->u.str.len);
    free(v->u.str.s);
    break;
  case G6_JSON_ARRAY:
    for (size_t i = 0; i < v->u.arr.n; i++)
      json_free(v->u.arr.items[i], wipe);
    free(v->u.arr.items);
    break;
  case G6_JSON_OBJECT:
    for (size_t i = 0; i < v->u.obj.n; i++) {
      if (wipe)
        g6_wipe(v->u.obj.m[i].key, v->u.obj.m[i].klen);
      free(v->u.obj.m[i].key);
      json_free(v->u.obj.m[i].val, wipe);
    }
    free(v->u.obj.m);
    free(v->u.obj.slot);
    break;
  default:
    break;
  }
  free(v);
}

void g6_json_free(g6_json *v) { json_free(v, false); }

void g6_json_free_sensitive(g6_json *v) { json_free(v, true); }

static g6_status array_push(g6_json *arr, g6_json *val, bool wipe) {
  if (val == NULL)
    return G6_ENOMEM;
  if (arr == NULL || arr->type != G6_JSON_ARRAY) {
    json_free(val, wipe);
    return G6_EINVAL;
  }
  if (arr->u.arr.n == arr->u.arr.cap) {
    size_t cap = arr->u.arr.cap ? arr->u.arr.cap * 2 : 8;
    g6_json **p = realloc(arr->u.arr.items, cap * sizeof(*p));
    if (p == NULL) {
      json_free(val, wipe);
      return G6_ENOMEM;
    }
    arr->u.arr.items = p;
    arr->u.arr.cap = cap;
  }
  arr->u.arr.items[arr->u.arr.n++] = val;
  return G6_OK;
}

g6_status g6_json_array_push(g6_json *arr, g6_json *val) {
  return array_push(arr, val, false);
}

static size_t key_hash(const char *key, size_t klen) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (size_t i = 0; i < klen; i++)
    h = (h ^ (unsigned char)key[i]) * 1099511628211ull;
  return (size_t)(h ^ (h >> 29));
}

/* Enters member i into the table (which has room). */
static void index_put(g6_json *obj, size_t i) {
  size_t mask = obj->u.obj.nslot - 1;
  const member *m = &obj->u.obj.m[i];
  size_t h = key_hash(m->key, m->klen) & mask;
  while (obj->u.obj.slot[h] != 0)
    h = (h + 1) & mask;
  obj->u.obj.slot[h] = i + 1;
}

/* (Re)builds the table for the members there are, with room to grow; left
 * without one when out of memory. */
static void index_build(g6_json *obj) {
  size_t want = 64;
  while (want < 4 * obj->u.obj.n && want < SIZE_MAX / 4)
    want *= 2;
  size_t *slot = calloc(want, sizeof(*slot));
  free(obj->u.obj.slot);
  obj->u.obj.slot = slot;
  obj->u.obj.nslot = slot ? want : 0;
  for (size_t i = 0; slot != NULL && i < obj->u.obj.n; i++)
    index_put(obj, i);
}

/* The position of key in obj, or SIZE_MAX. */
static size_t member_find(const g6_json *obj, const char *key, size_t klen) {
  if (obj->u.obj.slot != NULL) {
    size_t mask = obj->u.obj.nslot - 1;
    for (size_t h = key_hash(key, klen) & mask; obj->u.obj.slot[h] != 0;
         h = (h + 1) & mask) {
      const member *m = &obj->u.obj.m[obj->u.obj.slot[h] - 1];
      if (m->klen == klen && memcmp(m->key, key, klen) == 0)
        return obj->u.obj.slot[h] - 1;
    }
    return SIZE_MAX;
  }
  for (size_t i = 0; i < obj->u.obj.n; i++) {
    const member *m = &obj->u.obj.m[i];
    if (m->klen == klen && memcmp(m->key, key, klen) == 0)
      return i;
  }
  return SIZE_MAX;
}

/* wipe: the value a duplicate key replaces, and val when it is not
 * taken, are zeroed before they are freed (see json_free). */
static g6_status object_setn(g6_json *obj, const char *key, size_t klen,
                             g6_json *val, bool wipe) {
  if (val == NULL)
    return G6_ENOMEM;
  if (obj == NULL || obj->type != G6_JSON_OBJECT) {
    json_free(val, wipe);
    return G6_EINVAL;
  }
  size_t at = member_find(obj, key, klen);
  if (at != SIZE_MAX) {
    member *m = &obj->u.obj.m[at];
    json_free(m->val, wipe);
    m->val = val;
    return G6_OK;
  }
  if (obj->u.obj.n == obj->u.obj.cap) {
    size_t cap = obj->u.obj.cap ? obj->u.obj.cap * 2 : 8;
    member *p = realloc(obj->u.obj.m, cap * sizeof(*p));
    if (p == NULL) {
      json_free(val, wipe);
      return G6_ENOMEM;
    }
    obj->u.obj.m = p;
    obj->u.obj.cap = cap;
  }
  char *k = malloc(klen + 1);
  if (k == NULL) {
    json_free(val, wipe);
    return G6_ENOMEM;
  }
  if (klen)
    memcpy(k, key, klen);
  k[klen] = '\0';
  obj->u.obj.m[obj->u.obj.n++] = (member){k, klen, val};
  if (obj->u.obj.slot != NULL && 2 * obj->u.obj.n <= obj->u.obj.nslot)
    index_put(obj, obj->u.obj.n - 1);
  else if (obj->u.obj.n >= INDEX_MIN)
    index_build(obj);
  return G6_OK;
}

g6_status g6_json_object_setn(g6_json *obj, const char *key, size_t klen,
                              g6_json *val) {
  return object_setn(obj, key, klen, val, false);
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
  size_t at = member_find(obj, key, strlen(key));
  return at == SIZE_MAX ? NULL : obj->u.obj.m[at].val;
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

/* Fast path for the common case, a value in [1e-4, 1e7) with at most 8
 * digits after the point (prices, ratios, Greeks to a few places), in
 * Python's fixed notation. n = round(d * 1e8) is then the value's 8-place
 * decimal: |d * 1e8 - n| stays below 0.5 because ulp(d) <= 2^-29 there
 * (about 0.19 after scaling) and the product's own rounding adds at most
 * 0.125. When n / 1e8 (exact integer over exact power, one correctly rounded
 * division) gives d back, that decimal round-trips, and it is the only one
 * with 8 places that does (two would be 1e-8 apart, more than an ulp), so
 * with its trailing zeros dropped it is the shortest round-trip form, the
 * digits repr() prints. Returns 0 when it does not apply. */
static size_t repr_fixed_fast(double d, char *out) {
  if (!(d >= 1e-4 && d < 1e7))
    return 0;
  double n = nearbyint(d * 1e8);
  if (n / 1e8 != d)
    return 0;
  uint64_t u = (uint64_t)n;
  int k = 8; /* places after the point */
  while (k > 0 && u % 10 == 0) {
    u /= 10;
    k--;
  }
  char digits[24];
  int nd = 0;
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

size_t g6_format_int64(int64_t v, char out[21]) {
  /* the magnitude as unsigned, so INT64_MIN has one too */
  uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  char digits[20];
  size_t n = 0, o = 0;
  do {
    digits[n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u > 0);
  if (v < 0)
    out[o++] = '-';
  while (n > 0)
    out[o++] = digits[--n];
  return o;
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
  int e = decpt - 1, ae = e < 0 ? -e : e; /* at most 324 */
  out[o++] = 'e';
  out[o++] = e < 0 ? '-' : '+';
  if (ae >= 100)
    out[o++] = (char)('0' + ae / 100);
  out[o++] = (char)('0' + ae / 10 % 10);
  out[o++] = (char)('0' + ae % 10);
  out[o] = '\0';
  return o;
}

/* ---- serialization ---------------------------------------------------- */

/* Decodes one UTF-8 sequence; returns its length or 0 when invalid
 * (overlongs and values above U+10FFFF are invalid; surrogate code points
 * U+D800..U+DFFF, encoded in three bytes, only when `surrogates` is true:
 * the "surrogatepass" UTF-8 that strings of this module hold, see json.h). */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp,
                          bool surrogates) {
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
  if (v < min || v > 0x10FFFF ||
      (!surrogates && v >= 0xD800 && v <= 0xDFFF))
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
    size_t n = utf8_decode(p + i, len - i, &cp, true);
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

/* ---- parsing ------------------------------------------------------------
 *
 * A recursive-descent parser of the grammar Python's json module accepts
 * (json/scanner.py and Modules/_json.c), not yajl: yajl rejects NaN and
 * Infinity and rewrites unpaired surrogate escapes (a lone "\ud83d" becomes
 * "?"), and either makes a panel that Python hashes unverifiable. */

typedef struct parser {
  const unsigned char *s;
  size_t len, pos;
  int depth;
  size_t values, max_values; /* built so far; the limit, 0 for none */
  bool sensitive; /* the text holds secrets: temporaries and every value
                     freed on the way are zeroed first */
  g6_status st; /* the failure, when one happened */
  const char *why;
  size_t at;
} parser;

static bool fail_at(parser *p, g6_status st, size_t at, const char *why) {
  if (p->st == G6_OK) {
    p->st = st;
    p->why = why;
    p->at = at;
  }
  return false;
}

static bool fail(parser *p, const char *why) {
  return fail_at(p, G6_EPARSE, p->pos, why);
}

static void skip_ws(parser *p) {
  while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                             p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
    p->pos++;
}

static bool literal(parser *p, const char *word) {
  size_t n = strlen(word);
  if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
    return fail(p, "expecting a value");
  p->pos += n;
  return true;
}

/* Appends code point cp as (surrogatepass) UTF-8. */
static g6_status put_cp(g6_buf *b, uint32_t cp) {
  char u[4];
  size_t n;
  if (cp < 0x80) {
    u[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    u[0] = (char)(0xC0 | (cp >> 6));
    u[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    u[0] = (char)(0xF0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  return g6_buf_append(b, u, n);
}

/* Four hex digits at s (either case); -1 when one is not a hex digit. */
static long hex4(const unsigned char *s) {
  long v = 0;
  for (int i = 0; i < 4; i++) {
    unsigned char c = s[i];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0)
      return -1;
    v = v * 16 + d;
  }
  return v;
}

/* A string at p->pos (the opening quote) into b. The input was validated
 * as (surrogatepass) UTF-8 beforehand, so raw bytes are copied as they are.
 * A high-surrogate escape joins a directly following low-surrogate escape
 * into one code point; any other surrogate escape stays a lone surrogate,
 * exactly as Python's scanstring does. */
static bool parse_string(parser *p, g6_buf *b) {
  size_t start = p->pos++;
  for (;;) {
    size_t run = p->pos;
    while (run < p->len && p->s[run] != '"' && p->s[run] != '\\' &&
           p->s[run] >= 0x20)
      run++;
    if (run > p->pos && g6_buf_append(b, p->s + p->pos, run - p->pos) != G6_OK)
      return fail_at(p, G6_ENOMEM, p->pos, "out of memory");
    p->pos = run;
    if (p->pos >= p->len)
      return fail_at(p, G6_EPARSE, start, "unterminated string");
    unsigned char c = p->s[p->pos];
    if (c == '"') {
      p->pos++;
      return true;
    }
    if (c < 0x20)
      return fail(p, "invalid control character in a string");
    /* an escape */
    if (p->pos + 1 >= p->len)
      return fail_at(p, G6_EPARSE, start, "unterminated string");
    unsigned char e = p->s[p->pos + 1];
    const char *simple = NULL;
    switch (e) {
    case '"': simple = "\""; break;
    case '\\': simple = "\\"; break;
    case '/': simple = "/"; break;
    case 'b': simple = "\b"; break;
    case 'f': simple = "\f"; break;
    case 'n': simple = "\n"; break;
    case 'r': simple = "\r"; break;
    case 't': simple = "\t"; break;
    case 'u': break;
    default:
      return fail(p, "invalid \\escape");
    }
    if (simple != NULL) {
      if (g6_buf_putc(b, simple[0]) != G6_OK)
        return fail_at(p, G6_ENOMEM, p->pos, "out of memory");
      p->pos += 2;
      continue;
    }
    long cp = p->pos + 6 <= p->len ? hex4(p->s + p->pos + 2) : -1;
    if (cp < 0)
      return fail(p, "invalid \\uXXXX escape");
    p->pos += 6;
    if (cp >= 0xD800 && cp <= 0xDBFF && p->pos + 6 < p->len &&
        p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u') {
      long lo = hex4(p->s + p->pos + 2);
      if (lo < 0)
        return fail(p, "invalid \\uXXXX escape");
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        p->pos += 6;
      }
    }
    if (put_cp(b, (uint32_t)cp) != G6_OK)
      return fail_at(p, G6_ENOMEM, p->pos, "out of memory");
  }
}

/* A number at p->pos: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?, an
 * int unless it has a fraction or an exponent (Python's NUMBER_RE). */
static g6_json *parse_number(parser *p) {
  size_t a = p->pos, i = a;
  bool real = false;
  if (i < p->len && p->s[i] == '-')
    i++;
  if (i < p->len && p->s[i] == '0') {
    i++;
  } else if (i < p->len && p->s[i] >= '1' && p->s[i] <= '9') {
    while (i < p->len && p->s[i] >= '0' && p->s[i] <= '9')
      i++;
  } else {
    fail(p, "expecting a value");
    return NULL;
  }
  if (i + 1 < p->len && p->s[i] == '.' && p->s[i + 1] >= '0' &&
      p->s[i + 1] <= '9') {
    real = true;
    i++;
    while (i < p->len && p->s[i] >= '0' && p->s[i] <= '9')
      i++;
  }
  if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
    size_t j = i + 1;
    if (j < p->len && (p->s[j] == '+' || p->s[j] == '-'))
      j++;
    if (j < p->len && p->s[j] >= '0' && p->s[j] <= '9') {
      real = true;
      while (j < p->len && p->s[j] >= '0' && p->s[j] <= '9')
        j++;
      i = j;
    }
  }
  size_t n = i - a;
  char small[64];
  char *text = n < sizeof(small) ? small : malloc(n + 1);
  if (text == NULL) {
    fail_at(p, G6_ENOMEM, a, "out of memory");
    return NULL;
  }
  memcpy(text, p->s + a, n);
  text[n] = '\0';
  /* strtod rounds correctly like Python's float(); out-of-range
   * magnitudes become +-inf and 0 as in Python */
  g6_json *v = real ? g6_json_real(strtod(text, NULL)) : g6_json_int_text(text);
  if (p->sensitive)
    g6_wipe(text, n);
  if (text != small)
    free(text);
  if (v == NULL)
    fail_at(p, G6_ENOMEM, a, "out of memory");
  p->pos = i;
  return v;
}

static g6_json *parse_value(parser *p);

static g6_json *parse_container(parser *p, bool object) {
  if (++p->depth > MAX_DEPTH) {
    fail_at(p, G6_ETOOBIG, p->pos, "nesting deeper than "
                                   G6_JSON_MAX_DEPTH_TEXT " levels");
    return NULL;
  }
  g6_json *c = object ? g6_json_object() : g6_json_array();
  if (c == NULL) {
    fail_at(p, G6_ENOMEM, p->pos, "out of memory");
    return NULL;
  }
  p->pos++;
  skip_ws(p);
  char close = object ? '}' : ']';
  if (p->pos < p->len && p->s[p->pos] == close) {
    p->pos++;
    p->depth--;
    return c;
  }
  g6_buf key = G6_BUF_INIT;
  key.sensitive = p->sensitive;
  for (;;) {
    if (object) {
      if (p->pos >= p->len || p->s[p->pos] != '"') {
        fail(p, "expecting a property name in double quotes");
        break;
      }
      g6_buf_reset(&key);
      if (!parse_string(p, &key))
        break;
      skip_ws(p);
      if (p->pos >= p->len || p->s[p->pos] != ':') {
        fail(p, "expecting ':' delimiter");
        break;
      }
      p->pos++;
      skip_ws(p);
    }
    g6_json *v = parse_value(p);
    if (v == NULL)
      break;
    g6_status st = object ? object_setn(c, key.data ? key.data : "", key.len, v,
                                        p->sensitive)
                          : array_push(c, v, p->sensitive);
    if (st != G6_OK) {
      fail_at(p, st, p->pos, "out of memory");
      break;
    }
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == close) {
      p->pos++;
      g6_buf_free(&key);
      p->depth--;
      return c;
    }
    if (p->pos >= p->len || p->s[p->pos] != ',') {
      fail(p, object ? "expecting ',' delimiter or '}'"
                     : "expecting ',' delimiter or ']'");
      break;
    }
    p->pos++;
    skip_ws(p);
  }
  g6_buf_free(&key);
  json_free(c, p->sensitive);
  return NULL;
}

static g6_json *parse_value(parser *p) {
  if (p->pos >= p->len) {
    fail(p, "expecting a value");
    return NULL;
  }
  /* a 64 MiB text of "0," builds ~32 million values, ~3.4 GB of tree:
   * a reader of others' files stops at its limit instead */
  if (p->max_values > 0 && ++p->values > p->max_values) {
    fail_at(p, G6_ERANGE, p->pos, "more values than the limit");
    return NULL;
  }
  g6_json *v = NULL;
  switch (p->s[p->pos]) {
  case '{':
    return parse_container(p, true);
  case '[':
    return parse_container(p, false);
  case '"': {
    g6_buf b = G6_BUF_INIT;
    b.sensitive = p->sensitive;
    if (parse_string(p, &b)) {
      v = g6_json_stringn(b.data ? b.data : "", b.len);
      if (v == NULL)
        fail_at(p, G6_ENOMEM, p->pos, "out of memory");
    }
    g6_buf_free(&b);
    return v;
  }
  case 'n':
    if (literal(p, "null"))
      v = g6_json_null();
    break;
  case 't':
    if (literal(p, "true"))
      v = g6_json_bool(true);
    break;
  case 'f':
    if (literal(p, "false"))
      v = g6_json_bool(false);
    break;
  case 'N': /* Python reads and writes NaN and +-Infinity */
    if (literal(p, "NaN"))
      v = g6_json_real(NAN);
    break;
  case 'I':
    if (literal(p, "Infinity"))
      v = g6_json_real(INFINITY);
    break;
  case '-':
    if (p->pos + 1 < p->len && p->s[p->pos + 1] == 'I') {
      if (literal(p, "-Infinity"))
        v = g6_json_real(-INFINITY);
      break;
    }
    return parse_number(p);
  default:
    return parse_number(p);
  }
  if (v == NULL && p->st == G6_OK)
    fail_at(p, G6_ENOMEM, p->pos, "out of memory");
  return v;
}

/* ---- input decoding ------------------------------------------------------
 *
 * json.loads(bytes) decodes with json.detect_encoding() and the
 * "surrogatepass" error handler before it parses; open(path,
 * encoding="utf-8") decodes strict UTF-8 and json.load then refuses a BOM.
 * Both decode the whole text first, so an encoding error wins over a syntax
 * error anywhere. */

typedef enum { ENC_UTF8, ENC_UTF16LE, ENC_UTF16BE, ENC_UTF32LE,
               ENC_UTF32BE } encoding;

static size_t detect_encoding(const unsigned char *b, size_t n, encoding *e) {
  if (n >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0xFE && b[3] == 0xFF) {
    *e = ENC_UTF32BE;
    return 4;
  }
  if (n >= 4 && b[0] == 0xFF && b[1] == 0xFE && b[2] == 0 && b[3] == 0) {
    *e = ENC_UTF32LE;
    return 4;
  }
  if (n >= 2 && b[0] == 0xFE && b[1] == 0xFF) {
    *e = ENC_UTF16BE;
    return 2;
  }
  if (n >= 2 && b[0] == 0xFF && b[1] == 0xFE) {
    *e = ENC_UTF16LE;
    return 2;
  }
  if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
    *e = ENC_UTF8;
    return 3;
  }
  *e = ENC_UTF8;
  if (n >= 4) {
    if (b[0] == 0)
      *e = b[1] ? ENC_UTF16BE : ENC_UTF32BE;
    else if (b[1] == 0)
      *e = (b[2] || b[3]) ? ENC_UTF16LE : ENC_UTF32LE;
  } else if (n == 2) {
    if (b[0] == 0)
      *e = ENC_UTF16BE;
    else if (b[1] == 0)
      *e = ENC_UTF16LE;
  }
  return 0;
}

/* UTF-16/32 (surrogatepass: lone surrogates pass, UTF-16 pairs join) into
 * surrogatepass UTF-8. Returns false on a truncated unit or a code point
 * above U+10FFFF. */
static bool transcode(const unsigned char *b, size_t n, encoding e,
                      g6_buf *out, size_t *bad) {
  size_t w = (e == ENC_UTF32LE || e == ENC_UTF32BE) ? 4 : 2;
  bool le = e == ENC_UTF16LE || e == ENC_UTF32LE;
  for (size_t i = 0; i < n; i += w) {
    if (n - i < w) {
      *bad = i;
      return false;
    }
    uint32_t u = 0;
    for (size_t k = 0; k < w; k++)
      u |= (uint32_t)b[i + (le ? k : w - 1 - k)] << (8 * k);
    if (w == 2 && u >= 0xD800 && u <= 0xDBFF && n - i >= 4) {
      uint32_t lo = le ? (uint32_t)(b[i + 2] | (b[i + 3] << 8))
                       : (uint32_t)((b[i + 2] << 8) | b[i + 3]);
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
        i += 2;
      }
    }
    if (u > 0x10FFFF) {
      *bad = i;
      return false;
    }
    if (put_cp(out, u) != G6_OK) {
      *bad = i;
      return false;
    }
  }
  return true;
}

g6_status g6_json_parse_mode(const char *text, size_t len, g6_json_mode mode,
                             g6_json **out, g6_error *err) {
  return g6_json_parse_limited(text, len, mode, 0, out, err);
}

static g6_status parse_text(const char *text, size_t len, g6_json_mode mode,
                            size_t max_values, bool sensitive, g6_json **out,
                            g6_error *err) {
  const unsigned char *s = (const unsigned char *)text;
  g6_buf dec = G6_BUF_INIT;
  dec.sensitive = sensitive;
  const char *what = "UTF-8";
  if (mode == G6_JSON_BYTES) {
    encoding e;
    size_t skip = detect_encoding(s, len, &e);
    s += skip;
    len -= skip;
    if (e != ENC_UTF8) {
      size_t bad = 0;
      what = (e == ENC_UTF16LE || e == ENC_UTF16BE) ? "UTF-16" : "UTF-32";
      if (!transcode(s, len, e, &dec, &bad)) {
        g6_buf_free(&dec);
        return g6_error_set(err, G6_EINVAL,
                            "JSON text is not valid %s near byte %zu", what,
                            bad + skip);
      }
      s = (const unsigned char *)(dec.data ? dec.data : "");
      len = dec.len;
    }
  }
  if (dec.data == NULL) { /* UTF-8: validate the whole text first */
    bool surrogates = mode == G6_JSON_BYTES;
    for (size_t i = 0; i < len;) {
      if (s[i] < 0x80) {
        i++;
        continue;
      }
      uint32_t cp;
      size_t k = utf8_decode(s + i, len - i, &cp, surrogates);
      if (k == 0)
        return g6_error_set(err, G6_EINVAL,
                            "JSON text is not valid UTF-8 near byte %zu", i);
      i += k;
    }
    if (mode == G6_JSON_UTF8_TEXT && len >= 3 && s[0] == 0xEF &&
        s[1] == 0xBB && s[2] == 0xBF)
      return g6_error_set(err, G6_EPARSE,
                          "malformed JSON near byte 0: unexpected UTF-8 BOM");
  }
  parser p = {.s = s, .len = len, .max_values = max_values,
              .sensitive = sensitive};
  skip_ws(&p);
  g6_json *v = parse_value(&p);
  if (v != NULL) {
    skip_ws(&p);
    if (p.pos != p.len) {
      fail(&p, "extra data after the document");
      json_free(v, sensitive);
      v = NULL;
    }
  }
  g6_status st = G6_OK;
  if (v == NULL) {
    const char *enc = dec.data != NULL ? what : NULL;
    if (p.st == G6_EPARSE)
      st = g6_error_set(err, G6_EPARSE, "malformed JSON near byte %zu%s%s%s: %s",
                        p.at, enc ? " (of the text decoded from " : "",
                        enc ? enc : "", enc ? ")" : "", p.why);
    else if (p.st == G6_ERANGE)
      st = g6_error_set(err, G6_ERANGE,
                        "JSON near byte %zu: more than %zu values (the "
                        "limit for this file)",
                        p.at, max_values);
    else
      st = g6_error_set(err, p.st, "JSON near byte %zu: %s", p.at,
                        p.st == G6_ENOMEM ? "out of memory" : p.why);
  } else {
    *out = v;
  }
  g6_buf_free(&dec);
  return st;
}

g6_status g6_json_parse_limited(const char *text, size_t len,
                                g6_json_mode mode, size_t max_values,
                                g6_json **out, g6_error *err) {
  return parse_text(text, len, mode, max_values, false, out, err);
}

g6_status g6_json_parse(const char *text, size_t len, g6_json **out,
                        g6_error *err) {
  return g6_json_parse_mode(text, len, G6_JSON_BYTES, out, err);
}

g6_status g6_json_parse_sensitive(const char *text, size_t len,
                                  g6_json **out, g6_error *err) {
  return parse_text(text, len, G6_JSON_BYTES, 0, true, out, err);
}

g6_status g6_json_write_string(g6_buf *out, const char *s, size_t len) {
  return dump_string(s, len, out);
}
