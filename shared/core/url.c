/* URLs g6 publishes: http(s), credentials, redaction (see core/url.h). */
#include "core/url.h"
#include "core/status.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define HIDDEN "***"

bool g6_url_is_http(const char *s) {
  return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

/* The parts of a URL, as offsets: [0, auth) scheme and "://" (0 when there
 * is none), [auth, at) the userinfo when `user` (at points at its '@'),
 * then the host up to `rest` (the path, '?', '#' or the end). */
typedef struct parts {
  size_t auth, at, rest;
  bool user;
} parts;

static parts split(const char *url) {
  parts p = {0, 0, 0, false};
  const char *sep = strstr(url, "://");
  if (sep != NULL && strcspn(url, "/?#") > (size_t)(sep - url))
    p.auth = (size_t)(sep - url) + 3;
  p.at = p.auth;
  if (p.auth > 0) {
    /* any '@' before the query: a password with an unencoded '/', '?' or
     * '#' ("user:pa/ss@host") would end a host looked for up to the first
     * '/' and hide the credential in the "path"; an '@' in a real path is
     * rare enough to be refused with it */
    size_t end = p.auth + strcspn(url + p.auth, "?#");
    for (size_t i = p.auth; i < end; i++)
      if (url[i] == '@') {
        p.at = i; /* the last '@' ends the userinfo */
        p.user = true;
      }
  }
  size_t host = p.user ? p.at + 1 : p.auth;
  p.rest = host + strcspn(url + host, p.auth ? "/?#" : "?#");
  return p;
}

const char *g6_url_problem(const char *url, bool base) {
  if (!g6_url_is_http(url))
    return "expected an http:// or https:// URL";
  for (const unsigned char *c = (const unsigned char *)url; *c; c++)
    if (*c <= ' ' || *c == 0x7f)
      return "white space or a control character in it";
  parts p = split(url);
  size_t host = p.user ? p.at + 1 : p.auth;
  const char *h = url + host;
  size_t n = p.rest - host, hn;
  if (n > 0 && h[0] == '[') {
    hn = strcspn(h, "]");
    if (hn >= n)
      return "an IPv6 address without its closing ']'";
    hn++;
    if (hn == 2)
      return "no host after the scheme";
  } else {
    hn = strcspn(h, ":");
    if (hn > n)
      hn = n;
    if (hn == 0)
      return "no host after the scheme";
  }
  if (hn < n) { /* a port */
    if (h[hn] != ':')
      return "no host after the scheme";
    size_t pn = n - hn - 1;
    unsigned long port = 0;
    if (pn == 0 || pn > 5 || strspn(h + hn + 1, "0123456789") < pn)
      return "the port is not a number from 1 to 65535";
    for (size_t i = 0; i < pn; i++)
      port = port * 10 + (unsigned long)(h[hn + 1 + i] - '0');
    if (port < 1 || port > 65535)
      return "the port is not a number from 1 to 65535";
  }
  if (base && strpbrk(url + p.rest, "?#") != NULL)
    return "a query or fragment, where g6 appends request paths such as "
           "/quote";
  return NULL;
}

bool g6_url_is_plain_remote(const char *url) {
  if (strncasecmp(url, "http://", 7) != 0)
    return false;
  parts p = split(url);
  size_t host = p.user ? p.at + 1 : p.auth;
  size_t n = p.rest - host;
  const char *h = url + host;
  if (n > 0 && h[0] == '[') /* an IPv6 literal: loopback is [::1] only */
    return !(n >= 5 && strncmp(h, "[::1]", 5) == 0 && (n == 5 || h[5] == ':'));
  size_t hn = strcspn(h, ":/?#"); /* without the port */
  if (hn > n)
    hn = n;
  if (hn > 0 && h[hn - 1] == '.') /* a fully qualified "localhost." */
    hn--;
  if (hn == 9 && strncasecmp(h, "localhost", 9) == 0)
    return false;
  /* 127.0.0.0/8, written as dotted digits */
  if (hn >= 4 && strncmp(h, "127.", 4) == 0 && strspn(h, "0123456789.") >= hn)
    return false;
  return true;
}

/* A parameter name normalized: %XX and '+' decoded, lower case, '-' and '.'
 * read as '_'. false when it does not fit. */
static bool norm_name(const char *s, size_t n, char *out, size_t len) {
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    int c = (unsigned char)s[i];
    if (c == '%' && i + 2 < n && g6_hex_digit((unsigned char)s[i + 1]) >= 0 &&
        g6_hex_digit((unsigned char)s[i + 2]) >= 0) {
      c = g6_hex_digit((unsigned char)s[i + 1]) * 16 +
          g6_hex_digit((unsigned char)s[i + 2]);
      i += 2;
    } else if (c == '+') {
      c = ' ';
    }
    if (c == '-' || c == '.')
      c = '_';
    if (o + 1 >= len)
      return false;
    out[o++] = (char)tolower(c);
  }
  out[o] = '\0';
  return true;
}

static bool ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Whether a (normalized) parameter name is a usual credential name. */
static bool credential_name(const char *name) {
  static const char *const exact[] = {
      "token",       "access_token",  "auth_token",  "id_token",
      "api_key",     "apikey",        "key",         "access_key",
      "secret_key",  "private_key",   "secret",      "client_secret",
      "password",    "passwd",        "pwd",         "pass",
      "auth",        "authorization", "jwt",         "sig",
      "signature",   "x_amz_signature", "x_amz_credential",
      "x_amz_security_token", "private_token", NULL};
  static const char *const suffix[] = {"_token",     "_secret", "_password",
                                       "_signature", "_apikey", "_api_key",
                                       NULL};
  for (size_t i = 0; exact[i] != NULL; i++)
    if (strcmp(name, exact[i]) == 0)
      return true;
  for (size_t i = 0; suffix[i] != NULL; i++)
    if (ends_with(name, suffix[i]))
      return true;
  return false;
}

/* Calls `each` for every name=value parameter of the query and the
 * fragment that follow `rest`; stops when it returns false. `each` gets the
 * parameter's offset, the length of its name and its whole length. */
typedef bool (*param_fn)(const char *url, size_t at, size_t name_len,
                         size_t len, bool credential, void *ctx);

static void params(const char *url, size_t rest, param_fn each, void *ctx) {
  const char *q = url + rest + strcspn(url + rest, "?#");
  while (*q != '\0') {
    q++; /* past '?', '#', '&' or ';' */
    size_t len = strcspn(q, "&;#");
    size_t name_len = strcspn(q, "=&;#");
    char name[128];
    bool cred = name_len < len && name_len + 1 < len && /* a value */
                norm_name(q, name_len, name, sizeof(name)) &&
                credential_name(name);
    if (!each(url, (size_t)(q - url), name_len, len, cred, ctx))
      return;
    q += len;
  }
}

typedef struct find_ctx {
  char *buf;
  size_t len;
  const char *found;
} find_ctx;

static bool find_one(const char *url, size_t at, size_t name_len, size_t len,
                     bool credential, void *vp) {
  (void)len;
  find_ctx *c = vp;
  if (!credential)
    return true;
  snprintf(c->buf, c->len, "the parameter \"%.*s\"", (int)name_len, url + at);
  c->found = c->buf;
  return false;
}

const char *g6_url_credential(const char *url, char *buf, size_t len) {
  parts p = split(url);
  if (p.user) {
    snprintf(buf, len, "a user name or password before '@'");
    return buf;
  }
  find_ctx c = {buf, len, NULL};
  params(url, p.rest, find_one, &c);
  return c.found;
}

typedef struct redact_ctx {
  char *out;
  size_t len, o;
  size_t copied; /* url bytes copied so far */
} redact_ctx;

static void put(redact_ctx *c, const char *s, size_t n) {
  for (size_t i = 0; i < n && c->o + 1 < c->len; i++)
    c->out[c->o++] = s[i];
  c->out[c->o] = '\0';
}

static bool redact_one(const char *url, size_t at, size_t name_len,
                       size_t len, bool credential, void *vp) {
  redact_ctx *c = vp;
  if (!credential)
    return true;
  put(c, url + c->copied, at + name_len + 1 - c->copied); /* up to '=' */
  put(c, HIDDEN, strlen(HIDDEN));
  c->copied = at + len;
  return true;
}

void g6_url_redact(const char *url, char *out, size_t len) {
  if (len == 0)
    return;
  out[0] = '\0';
  parts p = split(url);
  redact_ctx c = {out, len, 0, 0};
  if (p.user) {
    put(&c, url, p.auth);
    put(&c, HIDDEN, strlen(HIDDEN));
    c.copied = p.at; /* from the '@' on */
  }
  params(url, p.rest, redact_one, &c);
  put(&c, url + c.copied, strlen(url + c.copied));
}
