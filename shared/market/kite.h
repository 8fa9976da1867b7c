/* g6 — the Kite Connect REST client.
 *
 * One client serves every index of one <Provider> and is safe to call from
 * several threads at once (collectd runs one read callback per index). It
 * shares between callers: one token-bucket rate limiter per endpoint class
 * ("quote": /quote and /quote/ltp; "other": /instruments and /session), one
 * circuit breaker, one quote cache, one stats block and the credentials, each
 * behind its own lock. Every HTTP attempt uses its own curl handle; handles
 * share connections through a locked libcurl share.
 *
 * Resilience: per-request timeouts; retries with exponential backoff and
 * jitter (wait = min(backoff_max, backoff_base * 2^(n-1)) + U(0, jitter))
 * on timeouts, connection errors, truncated bodies, 429, every 5xx
 * answer, a 408 Request Timeout (a proxy's: the way to Kite timed out)
 * whatever their body (Kite's envelope, a proxy's HTML page, nothing),
 * and Kite's NetworkException (its OMS could not reach the exchange) with
 * any HTTP status, "200 OK" included; never on other 4xx answers or on
 * Kite's other error types below 500 (TokenException, InputException,
 * ... fail the same way again), within `retry_attempts` and
 * `retry_budget_s`; a 5xx or 408 with Retry-After is not sent again
 * before it has passed, and not at all when it ends past the budget (the
 * message says so). The breaker counts timeouts, connection errors, 5xx
 * and 408 answers, NetworkExceptions, malformed, truncated or oversized
 * responses, 2xx answers whose body is not Kite's and 3xx answers
 * (G6_EFOREIGN, not retried) as failures. The
 * rate limiters are adaptive (market/ratelimit.h): a 429 halves the class's
 * rate and honours Retry-After, successes win it back up to the configured
 * rate; g6_kite_stats reports both rates.
 *
 * Errors: an answer >= 400 gets its status from Kite's error envelope
 * (`error_type`, g6_quote_error_status): TokenException -> G6_EAUTH,
 * PermissionException -> G6_EFORBIDDEN, InputException -> G6_EBADREQUEST,
 * NetworkException -> G6_EUPSTREAM, DataException -> G6_EUPSTREAM_DATA,
 * GeneralException -> G6_EPROVIDER, another type -> G6_EHTTP; 429 is
 * G6_ERATELIMIT whatever the body; a body that is not Kite's JSON (an HTML
 * page from a proxy, text, nothing) is G6_EFOREIGN. Kite's error envelope
 * with "200 OK" is judged the same way, on /instruments too (a JSON body
 * where the CSV should be: the envelope's type, or G6_EFOREIGN for other
 * JSON; never a CSV header error). A 3xx is G6_EFOREIGN
 * whatever its body: Kite does not redirect these endpoints and no
 * redirect is followed (a captive portal's login page). Each is its own
 * result in g6_kite_stats and its own message (HTTP status, error type,
 * Kite's message, an excerpt of the foreign body, or a redirect's Location
 * without its user info, query and fragment; a redirect without a Location,
 * or with an empty one, names the request's URL without its query). Every
 * part a server chose is printed as a bounded excerpt of printable ASCII,
 * so a message is one line whatever the server sent.
 *
 * Auth: only a TokenException latches the client into a failed-auth state
 * (a 403 PermissionException is an account or subscription problem that a
 * new token does not fix): later calls fail at once with G6_EAUTH (no
 * request is sent) until the credentials change. Before every request,
 * latched or not, the client stats the key and token files
 * (market/secret_watch.h) and reads a file whose version changed: a new
 * token is used from that request on (logged once, without the secret)
 * and clears the latch; a file that cannot be used (empty, missing, not one
 * token, changed while read) is logged once and the credentials in use are
 * kept. A request rejected with a token that was replaced while it was in
 * flight (the files are looked at again on the rejection) does not latch:
 * it is sent again at once with the new token (a notice says so; a
 * single-use request is not), or, out of attempts, fails saying the next
 * request uses the new one. g6_kite_reload_credentials re-reads the files at
 * once; g6_kite_set_credentials does the same for configured strings.
 *
 * Every failure is counted (g6_kite_stats) and logged once through the log
 * callback with the endpoint and the problem. Secrets (api key, access token,
 * api secret, request token) never appear in messages: they are redacted
 * from anything the provider echoes, as they are or written with escapes
 * (JSON's \u0061, \/; percent-encoding), before an excerpt is taken and
 * again in Kite's message and error type once decoded (whatever the HTTP
 * status, "200 OK" included); a secret an excerpt or the 160-byte message
 * cuts leaves no piece of 4 characters or more. */
#ifndef G6_KITE_H
#define G6_KITE_H

#include "core/status.h"
#include "market/instruments.h"
#include "market/kite_stats.h"
#include "market/quote.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Log levels: the syslog values collectd uses (LOG_ERR ... LOG_DEBUG). */
enum {
  G6_LOG_ERR = 3,
  G6_LOG_WARNING = 4,
  G6_LOG_NOTICE = 5,
  G6_LOG_INFO = 6,
  G6_LOG_DEBUG = 7,
};

/* ORed into the level of a message the client already says once per event
 * (a credentials file's new version, in use or refused): a log callback
 * that suppresses repeats must let it through — two versions refused in a
 * minute read alike but are two things to fix. G6_LOG_LEVEL strips it. */
#define G6_LOG_SAID_ONCE 0x100
#define G6_LOG_LEVEL(level) ((level) & 0xff)

/* level: a G6_LOG_* value, possibly with G6_LOG_SAID_ONCE. */
typedef void (*g6_kite_log_fn)(void *ctx, int level, const char *msg);

/* What the URL of the Kite API may be (g6_url_problem with base): the
 * client appends /quote, /instruments, /session/token to it. */
#define G6_KITE_URL_ALLOWED                                                   \
  "an http:// or https:// URL with a host (and a port), without a query or " \
  "fragment (g6 appends /quote, /instruments, ...)"
#define G6_KITE_QUOTE_BATCH 500 /* instruments per /quote request (Kite) */
#define G6_KITE_LTP_BATCH 500   /* per /quote/ltp request (URL length) */

typedef struct g6_kite_config {
  const char *base_url;          /* default "https://api.kite.trade" */
  /* credentials: a string, or a file read with g6_read_secret_file (which
   * refuses files group/other may read); the file wins when both are set.
   * The access token may be absent (only g6_kite_session_token works then). */
  const char *api_key, *api_key_file;
  const char *access_token, *access_token_file;
  /* timeouts, seconds */
  double timeout_s;              /* /quote, /quote/ltp: 4 */
  double instruments_timeout_s;  /* /instruments: 30 */
  double connect_timeout_s;      /* 3 */
  /* retries */
  unsigned retry_attempts;       /* total attempts per call, >= 1: 3 */
  double backoff_base_s;         /* 0.2 */
  double backoff_max_s;          /* 2.5 */
  double jitter_s;               /* 0.2 (uniform 0..jitter added) */
  double retry_budget_s;         /* 8: no retry that would end later */
  /* rate limits (requests per second; 0 = unlimited) */
  double quote_rps, quote_burst; /* /quote and /quote/ltp: 1, 1 */
  double other_rps, other_burst; /* /instruments, /session: 3, 3 */
  double rate_max_wait_s;        /* longest a call queues: 20 */
  /* circuit breaker */
  unsigned breaker_failures;     /* 5 */
  double breaker_min_reset_s;    /* 10 */
  double breaker_max_reset_s;    /* 300 */
  double breaker_backoff;        /* 2 */
  unsigned breaker_half_open_successes; /* 1 */
  double breaker_jitter;         /* 0.2 */
  /* quote cache */
  double cache_ttl_s;            /* 1; 0 disables */
  size_t cache_max_entries;      /* 50000 */
  /* body limits, bytes */
  size_t max_body_quote;         /* 8 MiB (also /quote/ltp) */
  size_t max_body_instruments;   /* 256 MiB (decoded) */
  /* logging */
  g6_kite_log_fn log;            /* may be NULL */
  void *log_ctx;
  uint64_t seed;                 /* jitter generator; 0 = from time and pid */
} g6_kite_config;

typedef struct g6_kite_client g6_kite_client;

/* Fills the defaults above (strings NULL except base_url). */
void g6_kite_config_defaults(g6_kite_config *cfg);

/* Validates and copies cfg (strings included), reads the secret files.
 * G6_EINVAL names the offending setting; file errors come from
 * g6_read_secret_file (G6_EPERM for group/other-readable files). An
 * access_token_file that does not exist yet, in a directory that does, is
 * no error: the client starts latched (no request is sent, a warning says
 * why) until g6_kite_reload_credentials finds the file; a directory that
 * does not exist is G6_ENOENT (a wrong path). */
g6_status g6_kite_client_new(const g6_kite_config *cfg, g6_kite_client **out,
                             g6_error *err);
void g6_kite_client_free(g6_kite_client *c);

/* Makes calls in progress and later calls fail fast (shutdown). */
void g6_kite_client_cancel(g6_kite_client *c);
/* Whether g6_kite_client_cancel was called (from any thread): a call that
 * failed since is the shutdown's doing, no provider failure. NULL: false. */
bool g6_kite_client_cancelled(g6_kite_client *c);

/* Re-reads the key/token files (if configured). When their content differs
 * from the credentials in use they replace them and the auth latch is
 * cleared; *changed (may be NULL) tells. On a read error the credentials in
 * use are kept. Never logs or returns a secret. */
g6_status g6_kite_reload_credentials(g6_kite_client *c, bool *changed,
                                     g6_error *err);

/* Replaces the credentials with strings (NULL keeps the current value);
 * clears the auth latch when anything changed. */
g6_status g6_kite_set_credentials(g6_kite_client *c, const char *api_key,
                                  const char *access_token, g6_error *err);

bool g6_kite_auth_latched(g6_kite_client *c);

/* GET /instruments (exchange NULL: all exchanges) or /instruments/EXCH,
 * gzip accepted, parsed while it streams. *out (caller frees) is NULL on
 * failure. Row rejects are counted in the table's stats and logged as one
 * warning. */
g6_status g6_kite_instruments(g6_kite_client *c, const char *exchange,
                              g6_instruments **out, g6_error *err);

/* GET /quote for n keys ("EXCH:TRADINGSYMBOL"), in batches of at most 500,
 * fresh cache entries first. *out (caller frees) always holds a table of the
 * requested keys (borrowed from `keys`, which must outlive it) unless
 * G6_ENOMEM; entries are present only for complete,
 * validated quotes. Returns G6_OK when every batch succeeded, else the
 * status of the first failed batch. A failed batch's entries are absent and
 * carry its status (g6_quote_table_failed); other batches' entries are
 * kept. Instruments Kite does not know are simply absent (failed G6_OK). */
g6_status g6_kite_quote(g6_kite_client *c, const char *const *keys, size_t n,
                        g6_quote_table **out, g6_error *err);

/* GET /quote/ltp: like g6_kite_quote (last_price and instrument_token only),
 * never cached. */
g6_status g6_kite_ltp(g6_kite_client *c, const char *const *keys, size_t n,
                      g6_quote_table **out, g6_error *err);

typedef struct g6_kite_session {
  char access_token[128];
  char user_id[32];
  char login_time[32]; /* "YYYY-MM-DD HH:MM:SS" (IST) as Kite sent it */
  int64_t login_epoch; /* parsed login_time; 0 if absent/unparseable */
  bool request_spent;  /* on failure: the request may have reached Kite,
                          so the request token may be used up */
} g6_kite_session;

/* POST /session/token: exchanges a request token for an access token. The
 * checksum is SHA-256 hex of api_key + request_token + api_secret. Needs the
 * client's api key (no access token). Kite accepts a request token once:
 * the request is tried again only when nothing of it was sent (name
 * resolution, connection refused, TLS handshake); after a timeout or a
 * reset once it was sent, or any answer, it is not, and
 * out->request_spent says the token may be used up (a new login is
 * needed) — also after "200 OK" with a body that is no session. Kite's
 * error envelope with "200 OK" gets its type's status and message, as
 * with any HTTP status (a TokenException is G6_EAUTH). The session holds
 * a secret: zero it when done. */
g6_status g6_kite_session_token(g6_kite_client *c, const char *request_token,
                                const char *api_secret, g6_kite_session *out,
                                g6_error *err);

/* Reads the body of a /session/token answer: {"status": "success", "data":
 * {"access_token": ..., "user_id": ..., "login_time": "YYYY-MM-DD
 * HH:MM:SS"}} (Kite Connect v3). Fills the fields of a zeroed *out (the
 * access token is 1-127 bytes without NUL; user_id and login_time are cut
 * to fit; login_epoch stays 0 unless login_time reads as an IST time).
 * G6_EPARSE for malformed JSON, G6_EPROTO for another envelope or no valid
 * token; the message never holds the token. Exposed for the fuzz target. */
g6_status g6_kite_session_parse(const char *text, size_t len,
                                g6_kite_session *out, g6_error *err);

/* A consistent copy of the counters (histograms cumulative). Can't fail. */
void g6_kite_stats_snapshot(g6_kite_client *c, g6_kite_stats *out);

/* The next Kite token expiry after `epoch`: 06:00 IST on the following
 * morning (today's 06:00 if it is not yet 06:00 IST). */
int64_t g6_kite_token_expiry(int64_t epoch);

#endif
