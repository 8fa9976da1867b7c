/* g6 — one HTTP request through libcurl, with the body streamed to a sink.
 *
 * Each call uses its own easy handle (so any thread may call at any time);
 * handles of one g6_http_share reuse connections, DNS answers and TLS
 * sessions through a libcurl share object guarded by mutexes. Bodies are
 * bounded: past max_body the transfer is aborted with G6_ETOOBIG. Error
 * bodies (HTTP status >= 400) are not sent to the sink but kept (first 16 KiB)
 * in the response for the caller to parse the provider's error envelope.
 * Redirects are not followed, and a 3xx body is not sent to the sink either
 * (it is not the resource): its Location is in the response. */
#ifndef G6_HTTP_H
#define G6_HTTP_H

#include "core/buf.h"
#include "core/status.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct g6_http_share g6_http_share;

/* NULL when out of memory. Initializes libcurl once per process. */
g6_http_share *g6_http_share_new(void);
void g6_http_share_free(g6_http_share *s);

/* The sink receives the (decoded) body of a 2xx response in chunks; a
 * status other than G6_OK aborts the transfer and becomes the result. */
typedef g6_status (*g6_http_sink)(void *ctx, const char *data, size_t len);

typedef struct g6_http_request {
  const char *method;          /* "GET" (default when NULL) or "POST" */
  const char *url;
  const char *const *headers;  /* "Name: value", NULL-terminated; may be
                                  NULL. The copies made for libcurl are
                                  zeroed before they are freed (an
                                  Authorization header holds credentials);
                                  the caller's own strings are its to zero */
  const char *body;            /* POST body (form-encoded), may be NULL */
  size_t body_len;
  double timeout_s;            /* whole transfer; > 0 */
  double connect_timeout_s;    /* 0 = timeout_s */
  size_t max_body;             /* decoded bytes; 0 = unlimited */
  bool accept_gzip;            /* send Accept-Encoding: gzip; otherwise
                                  "identity". Either way a body the server
                                  encodes (gzip, deflate, ...; a CDN may
                                  compress unasked) is decoded, and one that
                                  does not decode is G6_EPROTO */
  g6_http_sink sink;
  void *sink_ctx;
  const atomic_int *cancel;    /* non-zero aborts the transfer; may be NULL */
  bool sensitive;              /* the answer may hold secrets (Kite's
                                  /session/token: api_key, access_token):
                                  resp->error_body is a sensitive g6_buf and
                                  g6_http_response_free zeroes resp->head */
} g6_http_request;

typedef struct g6_http_response {
  long status;          /* HTTP status; 0 when none was received */
  size_t bytes;         /* decoded body bytes received */
  double seconds;       /* total time of the transfer */
  double retry_after_s; /* the Retry-After header (seconds, or an HTTP date
                           turned into seconds from now); 0 when absent */
  g6_buf error_body;    /* body of a >= 400 response (bounded) */
  char content_type[96]; /* the Content-Type header ("" when absent; cut
                            to fit) */
  char head[256];        /* the first bytes of a 2xx/3xx body (a 2xx one as
                            sent to the sink), so a caller can tell what
                            answered */
  size_t head_len;
  char location[256]; /* a 3xx's Location header for messages
                         (g6_http_url_for_message: no user info, query
                         or fragment; cut to fit; a byte that is not
                         printable ASCII, such as a control character
                         or UTF-8, as '?'); "" when none, or when
                         nothing is left */
  bool has_location;  /* a 3xx came with a Location header, even an
                         empty one */
  bool sensitive;     /* from the request: zeroed when freed */
  bool sent;          /* the request may have reached the server: false
                         only when nothing was sent (name resolution,
                         connection refused or timed out, TLS handshake
                         failed), so a request that must not run twice
                         may be tried again */
} g6_http_response;

/* Performs the request. Returns G6_OK when a complete response arrived
 * (whatever its HTTP status: check resp->status), else G6_ETIMEOUT,
 * G6_ECONN (connect/send/receive failure, cancelled), G6_ETRUNCATED (body
 * shorter than announced, broken chunking), G6_ETOOBIG, G6_EPROTO (bad
 * content encoding), or the sink's status. The message names the URL
 * as g6_http_url_for_message shows it. resp->error_body must be freed with
 * g6_http_response_free. */
g6_status g6_http_perform(g6_http_share *share, const g6_http_request *req,
                          g6_http_response *resp, g6_error *err);

/* Frees resp->error_body; for a sensitive request (above) first zeroes it
 * and the head kept of the body. Can't fail. */
void g6_http_response_free(g6_http_response *resp);

/* What a 2xx body of a request should be, to tell it from a page that
 * something in between (a captive portal, a proxy's login page) answered
 * with "200 OK". */
typedef enum g6_http_body_kind {
  G6_HTTP_BODY_ANY,  /* no check */
  G6_HTTP_BODY_JSON, /* a JSON object: '{' first */
  G6_HTTP_BODY_TEXT, /* text such as CSV: not markup ('<' first) */
} g6_http_body_kind;

/* True when a 2xx body is not of the kind the caller asked for (see
 * g6_http_body_kind): an empty body (resp->bytes 0) is foreign for JSON and
 * TEXT; otherwise the first byte of resp->head that is not white space
 * (for TEXT, after one leading UTF-8 BOM; for JSON a BOM is that byte)
 * decides, whatever resp->content_type says (a CDN may mislabel Kite's
 * answer, a portal its page). Only a head of white space leaves it to the
 * Content-Type: foreign when one is present and not JSON (JSON) or is HTML
 * or XML (TEXT); with none, not foreign (the parser judges). Never
 * modifies resp; can't fail. */
bool g6_http_body_foreign(const g6_http_response *resp, g6_http_body_kind kind);

/* The part of a URL (absolute or relative) that may be printed: without
 * the user info of its authority ("user:password@"), its query and its
 * fragment, which may carry credentials or tokens; cut to fit len (len > 0
 * gets a terminated string). Never modifies url; can't fail. */
void g6_http_url_for_message(const char *url, char *out, size_t len);

/* Appends s percent-encoded for a query string value (RFC 3986 unreserved
 * characters kept; space as %20). */
g6_status g6_http_urlencode(g6_buf *out, const char *s);

#endif
