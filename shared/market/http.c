#include "market/http.h"

#include <curl/curl.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ERROR_BODY_MAX (16u * 1024u)

struct g6_http_share {
  CURLSH *sh;
  pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void) { global_rc = curl_global_init(CURL_GLOBAL_ALL); }

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access a,
                       void *ctx) {
  (void)h;
  (void)a;
  g6_http_share *s = ctx;
  pthread_mutex_lock(&s->locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ctx) {
  (void)h;
  g6_http_share *s = ctx;
  pthread_mutex_unlock(&s->locks[data]);
}

g6_http_share *g6_http_share_new(void) {
  pthread_once(&global_once, global_init);
  if (global_rc != CURLE_OK)
    return NULL;
  g6_http_share *s = calloc(1, sizeof(*s));
  if (s == NULL)
    return NULL;
  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
    pthread_mutex_init(&s->locks[i], NULL);
  s->sh = curl_share_init();
  if (s->sh == NULL) {
    free(s);
    return NULL;
  }
  curl_share_setopt(s->sh, CURLSHOPT_LOCKFUNC, share_lock);
  curl_share_setopt(s->sh, CURLSHOPT_UNLOCKFUNC, share_unlock);
  curl_share_setopt(s->sh, CURLSHOPT_USERDATA, s);
  curl_share_setopt(s->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(s->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  curl_share_setopt(s->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
  return s;
}

void g6_http_share_free(g6_http_share *s) {
  if (s == NULL)
    return;
  curl_share_cleanup(s->sh);
  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
    pthread_mutex_destroy(&s->locks[i]);
  free(s);
}

typedef struct xfer {
  CURL *h;
  const g6_http_request *req;
  g6_http_response *resp;
  g6_status sink_status;
  bool too_big;
  bool checked_status;
  bool is_error;
  bool is_redirect;
} xfer;

static size_t on_write(char *data, size_t size, size_t nmemb, void *ctx) {
  xfer *x = ctx;
  size_t len = size * nmemb;
  if (!x->checked_status) {
    long code = 0;
    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
    x->is_error = code >= 400;
    x->is_redirect = code >= 300 && code < 400;
    x->checked_status = true;
  }
  if (x->req->max_body != 0 &&
      len > x->req->max_body - (x->resp->bytes < x->req->max_body
                                    ? x->resp->bytes
                                    : x->req->max_body)) {
    x->too_big = true;
    return 0;
  }
  x->resp->bytes += len;
  if (!x->is_error && x->resp->head_len < sizeof(x->resp->head)) {
    size_t room = sizeof(x->resp->head) - x->resp->head_len;
    size_t n = len < room ? len : room;
    memcpy(x->resp->head + x->resp->head_len, data, n);
    x->resp->head_len += n;
  }
  if (x->is_error) {
    size_t room = ERROR_BODY_MAX - x->resp->error_body.len;
    if (room > 0)
      g6_buf_append(&x->resp->error_body, data, len < room ? len : room);
    return len;
  }
  if (x->is_redirect) /* not followed: its body is not the resource */
    return len;
  if (x->req->sink != NULL) {
    g6_status s = x->req->sink(x->req->sink_ctx, data, len);
    if (s != G6_OK) {
      x->sink_status = s;
      return 0;
    }
  }
  return len;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow) {
  (void)dltotal;
  (void)dlnow;
  (void)ultotal;
  (void)ulnow;
  const atomic_int *cancel = ctx;
  return atomic_load(cancel) != 0;
}

/* Appends at most n bytes of s to out (o bytes used of len), cut to fit. */
static size_t put(char *out, size_t len, size_t o, const char *s, size_t n) {
  if (o + n >= len)
    n = len - 1 - o;
  memcpy(out + o, s, n);
  return o + n;
}

void g6_http_url_for_message(const char *url, char *out, size_t len) {
  if (len == 0)
    return;
  size_t end = strcspn(url, "?#");
  /* the authority follows "scheme://" or a leading "//" (RFC 3986 3.) */
  size_t a = 0;
  size_t sl = strspn(url, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"
                          "YZ0123456789+-.");
  if (sl > 0 && sl < end && strncmp(url + sl, "://", 3) == 0 &&
      ((url[0] >= 'a' && url[0] <= 'z') || (url[0] >= 'A' && url[0] <= 'Z')))
    a = sl + 3;
  else if (strncmp(url, "//", 2) == 0)
    a = 2;
  size_t o = 0;
  if (a > 0 && a <= end) {
    size_t auth_end = a + strcspn(url + a, "/?#");
    const char *at = NULL;
    for (size_t i = a; i < auth_end; i++)
      if (url[i] == '@')
        at = url + i;
    if (at != NULL) { /* user info: a user name and perhaps a password */
      o = put(out, len, o, url, a);
      size_t from = (size_t)(at + 1 - url);
      o = put(out, len, o, url + from, end - from);
      out[o] = '\0';
      return;
    }
  }
  o = put(out, len, o, url, end);
  out[o] = '\0';
}

/* A Location value for messages (g6_http_response.location): white space
 * around it dropped (libcurl 7.88 hands an empty value over as "\r"), then
 * g6_http_url_for_message, then any byte that is not printable ASCII as
 * '?': the server's bytes go into log lines, and a control character (an
 * escape sequence, a bare CR) must reach neither a terminal nor a log. */
static void location_for_message(const char *value, char *out, size_t len) {
  out[0] = '\0';
  value += strspn(value, " \t\r\n");
  char *v = strdup(value); /* whole: user info may end past len */
  if (v == NULL)
    return;
  size_t n = strlen(v);
  while (n > 0 && strchr(" \t\r\n", v[n - 1]) != NULL)
    v[--n] = '\0';
  g6_http_url_for_message(v, out, len);
  free(v);
  for (char *p = out; *p; p++)
    if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
      *p = '?';
}

/* Whether any of the request may have reached the server: no for the
 * failures that come before the first byte is written (name resolution,
 * a refused or timed-out connect, a TLS handshake that failed); a timeout
 * before the transfer started (PRETRANSFER never reached) is a connect
 * timeout. Anything else may have been received. */
static bool request_may_have_been_sent(CURL *h, CURLcode rc) {
  switch (rc) {
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
  case CURLE_COULDNT_CONNECT:
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_UNSUPPORTED_PROTOCOL:
  case CURLE_URL_MALFORMAT:
    return false;
  case CURLE_OPERATION_TIMEDOUT: {
    curl_off_t pre = 0;
    long req = 0;
    curl_easy_getinfo(h, CURLINFO_PRETRANSFER_TIME_T, &pre);
    curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &req);
    return pre > 0 || req > 0;
  }
  default:
    return true;
  }
}

/* The list of request headers libcurl was given: its strings are g6's
 * copies of the caller's (curl_slist_append duplicates each), the
 * Authorization header's credentials among them, so each is zeroed before
 * the list is freed (http.h). */
static void headers_free(struct curl_slist *l) {
  for (struct curl_slist *n = l; n != NULL; n = n->next)
    if (n->data != NULL)
      explicit_bzero(n->data, strlen(n->data));
  curl_slist_free_all(l);
}

g6_status g6_http_perform(g6_http_share *share, const g6_http_request *req,
                          g6_http_response *resp, g6_error *err) {
  memset(resp, 0, sizeof(*resp));
  resp->error_body.limit = ERROR_BODY_MAX + 1;
  resp->error_body.sensitive = req->sensitive;
  resp->sensitive = req->sensitive;
  char where[160];
  g6_http_url_for_message(req->url, where, sizeof(where));
  CURL *h = curl_easy_init();
  if (h == NULL)
    return g6_error_set(err, G6_ENOMEM, "%s: cannot create a curl handle",
                        where);
  struct curl_slist *hdrs = NULL;
  for (size_t i = 0; req->headers && req->headers[i]; i++) {
    struct curl_slist *n = curl_slist_append(hdrs, req->headers[i]);
    if (n == NULL) {
      headers_free(hdrs);
      curl_easy_cleanup(h);
      return g6_error_set(err, G6_ENOMEM, "%s: out of memory", where);
    }
    hdrs = n;
  }
  xfer x = {.h = h, .req = req, .resp = resp, .sink_status = G6_OK};
  char errbuf[CURL_ERROR_SIZE] = "";
  long timeout_ms = (long)(req->timeout_s * 1000.0 + 0.5);
  double cto = req->connect_timeout_s > 0 ? req->connect_timeout_s
                                          : req->timeout_s;
  curl_easy_setopt(h, CURLOPT_URL, req->url);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(cto * 1000.0 + 0.5));
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  if (share != NULL)
    curl_easy_setopt(h, CURLOPT_SHARE, share->sh);
  /* "identity" asks for the body as it is, yet (like "gzip") turns on
   * libcurl's decoding: a server or CDN that compresses anyway (a
   * Content-Encoding nobody asked for) is still read, not taken for a
   * foreign body */
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING,
                   req->accept_gzip ? "gzip" : "identity");
  if (req->max_body != 0)
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_body);
  if (req->cancel != NULL) {
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)req->cancel);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  }
  if (req->method != NULL && strcmp(req->method, "POST") == 0) {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t)req->body_len);
  }
  CURLcode rc = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
  const char *ctype = NULL;
  if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ctype) == CURLE_OK &&
      ctype != NULL)
    snprintf(resp->content_type, sizeof(resp->content_type), "%s", ctype);
  struct curl_header *loc = NULL;
  if (resp->status >= 300 && resp->status < 400 &&
      curl_easy_header(h, "Location", 0, CURLH_HEADER, -1, &loc) == CURLHE_OK &&
      loc != NULL && loc->value != NULL) {
    resp->has_location = true;
    location_for_message(loc->value, resp->location, sizeof(resp->location));
  }
  /* the encoding a body did not decode in, for the message (the server's
   * bytes: printable ASCII only) */
  char encoding[64] = "";
  struct curl_header *ce = NULL;
  if (rc == CURLE_BAD_CONTENT_ENCODING &&
      curl_easy_header(h, "Content-Encoding", 0, CURLH_HEADER, -1, &ce) ==
          CURLHE_OK &&
      ce != NULL && ce->value != NULL) {
    snprintf(encoding, sizeof(encoding), "%s", ce->value);
    for (char *p = encoding; *p; p++)
      if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
        *p = '?';
  }
  double t = 0;
  curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &t);
  resp->seconds = t;
  resp->sent = request_may_have_been_sent(h, rc);
  curl_off_t ra = 0; /* libcurl parses both forms of Retry-After */
  if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
    resp->retry_after_s = (double)ra;
  headers_free(hdrs);
  curl_easy_cleanup(h);

  switch (rc) {
  case CURLE_OK:
    return G6_OK;
  case CURLE_OPERATION_TIMEDOUT:
    return g6_error_set(err, G6_ETIMEOUT, "%s: timed out after %.1f s", where,
                        req->timeout_s);
  case CURLE_WRITE_ERROR:
    if (x.too_big)
      return g6_error_set(err, G6_ETOOBIG,
                          "%s: response body larger than %zu bytes", where,
                          req->max_body);
    if (x.sink_status != G6_OK)
      return g6_error_set(err, x.sink_status, "%s: body rejected (%s)", where,
                          g6_strerror(x.sink_status));
    return g6_error_set(err, G6_EIO, "%s: write error", where);
  case CURLE_FILESIZE_EXCEEDED:
    return g6_error_set(err, G6_ETOOBIG,
                        "%s: response body larger than %zu bytes", where,
                        req->max_body);
  case CURLE_PARTIAL_FILE:
    return g6_error_set(err, G6_ETRUNCATED,
                        "%s: body truncated after %zu bytes (%s)", where,
                        resp->bytes, errbuf);
  case CURLE_BAD_CONTENT_ENCODING:
    /* libcurl's words are empty for some decoders (br, zstd) */
    return g6_error_set(err, G6_EPROTO,
                        "%s: bad content encoding: the body (Content-Encoding "
                        "\"%s\") did not decode (%s)",
                        where, encoding,
                        errbuf[0] != '\0' ? errbuf : "no detail from libcurl");
  case CURLE_ABORTED_BY_CALLBACK:
    return g6_error_set(err, G6_ECONN, "%s: cancelled", where);
  case CURLE_RECV_ERROR:
    /* a connection cut in the middle of a chunked body */
    if (resp->status != 0 && resp->bytes > 0)
      return g6_error_set(err, G6_ETRUNCATED,
                          "%s: body truncated after %zu bytes (%s)", where,
                          resp->bytes, errbuf);
    /* fall through */
  default:
    return g6_error_set(err, G6_ECONN, "%s: %s", where,
                        errbuf[0] ? errbuf : curl_easy_strerror(rc));
  }
}

void g6_http_response_free(g6_http_response *resp) {
  if (resp->sensitive) {
    g6_wipe(resp->head, sizeof(resp->head));
    resp->head_len = 0;
  }
  g6_buf_free(&resp->error_body);
}

/* The media type of a Content-Type value starts with `type` (case
 * insensitive), then ends or goes on with parameters. */
static bool media_is(const char *ct, const char *type) {
  while (*ct == ' ' || *ct == '\t')
    ct++;
  size_t n = strlen(type);
  if (strncasecmp(ct, type, n) != 0)
    return false;
  ct += n;
  while (*ct == ' ' || *ct == '\t')
    ct++;
  return *ct == '\0' || *ct == ';';
}

/* application/json, and the structured-syntax suffix +json. */
static bool media_json(const char *ct) {
  if (media_is(ct, "application/json") || media_is(ct, "text/json"))
    return true;
  size_t n = strcspn(ct, ";");
  while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
    n--;
  return n > 5 && strncasecmp(ct + n - 5, "+json", 5) == 0;
}

static bool media_markup(const char *ct) {
  if (media_is(ct, "text/html") || media_is(ct, "application/xhtml+xml") ||
      media_is(ct, "text/xml") || media_is(ct, "application/xml"))
    return true;
  return false;
}

bool g6_http_body_foreign(const g6_http_response *resp,
                          g6_http_body_kind kind) {
  if (kind == G6_HTTP_BODY_ANY)
    return false;
  if (resp->bytes == 0)
    return true;
  /* the body's head first: a CDN may label Kite's JSON text/plain or its
   * CSV text/html, and a portal may label its page application/json */
  size_t i = 0;
  /* a page saved with a UTF-8 BOM is still markup: the byte after it
   * decides; Kite's JSON has none and its parser refuses one, so there the
   * BOM is the first byte and is not '{' */
  if (kind == G6_HTTP_BODY_TEXT && resp->head_len >= 3 &&
      memcmp(resp->head, "\xEF\xBB\xBF", 3) == 0)
    i = 3;
  while (i < resp->head_len && (resp->head[i] == ' ' || resp->head[i] == '\t' ||
                                resp->head[i] == '\r' || resp->head[i] == '\n'))
    i++;
  if (i < resp->head_len)
    return kind == G6_HTTP_BODY_JSON ? resp->head[i] != '{'
                                     : resp->head[i] == '<';
  /* a blank head says nothing: the label may; without one, the parser */
  const char *ct = resp->content_type;
  if (ct[0] == '\0')
    return false;
  return kind == G6_HTTP_BODY_JSON ? !media_json(ct) : media_markup(ct);
}

/* RFC 3986 unreserved: passes unencoded. */
static bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
         c == '~';
}

g6_status g6_http_urlencode(g6_buf *out, const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  /* the exact length first (a bounded buffer refuses only what does not
   * fit), then one reservation and one pass (a /quote URL holds 500 keys) */
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (n > ((size_t)-1) - 3)
      return G6_ENOMEM;
    n += unreserved(*p) ? 1 : 3;
  }
  g6_status st = g6_buf_reserve(out, n);
  if (st != G6_OK)
    return st;
  char *d = out->data + out->len;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    unsigned char c = *p;
    if (unreserved(c)) {
      *d++ = (char)c;
    } else {
      *d++ = '%';
      *d++ = hex[c >> 4];
      *d++ = hex[c & 15];
    }
  }
  out->len = (size_t)(d - out->data);
  *d = '\0';
  return G6_OK;
}
