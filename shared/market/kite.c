#include "market/kite.h"

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/hash.h"
#include "core/ist.h"
#include "core/json.h"
#include "core/url.h"
#include "market/breaker.h"
#include "market/http.h"
#include "market/quote_cache.h"
#include "market/ratelimit.h"
#include "market/secret_watch.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef G6_VERSION
#define G6_VERSION "dev"
#endif

enum {
  CLASS_QUOTE = G6_KITE_LIMITER_QUOTE,
  CLASS_OTHER = G6_KITE_LIMITER_OTHER,
  CLASS_COUNT = G6_KITE_LIMITERS
};

struct g6_kite_client {
  g6_kite_config cfg; /* strings point into the copies below */
  char *base_url, *api_key_file, *access_token_file;
  pthread_mutex_t cred_mu;
  char *api_key, *access_token; /* current credentials (may be NULL) */
  unsigned cred_gen; /* bumped by each change of the credentials */
  pthread_mutex_t watch_mu; /* one poll of the files at a time */
  g6_secret_watch key_watch, token_watch;
  atomic_int auth_latched;
  pthread_mutex_t stats_mu;
  g6_kite_stats st;
  g6_ratelimit rl[CLASS_COUNT];
  g6_breaker breaker;
  g6_quote_cache *cache;
  g6_http_share *share;
  pthread_mutex_t rng_mu;
  uint64_t rng;
  atomic_int cancel;
};

void g6_kite_config_defaults(g6_kite_config *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  cfg->base_url = "https://api.kite.trade";
  cfg->timeout_s = 4;
  cfg->instruments_timeout_s = 30;
  cfg->connect_timeout_s = 3;
  cfg->retry_attempts = 3;
  cfg->backoff_base_s = 0.2;
  cfg->backoff_max_s = 2.5;
  cfg->jitter_s = 0.2;
  cfg->retry_budget_s = 8;
  cfg->quote_rps = 1;
  cfg->quote_burst = 1;
  cfg->other_rps = 3;
  cfg->other_burst = 3;
  cfg->rate_max_wait_s = 20;
  cfg->breaker_failures = 5;
  cfg->breaker_min_reset_s = 10;
  cfg->breaker_max_reset_s = 300;
  cfg->breaker_backoff = 2;
  cfg->breaker_half_open_successes = 1;
  cfg->breaker_jitter = 0.2;
  cfg->cache_ttl_s = 1;
  cfg->cache_max_entries = 50000;
  cfg->max_body_quote = 8u << 20;
  cfg->max_body_instruments = 256u << 20;
}

/* ---- logging with redaction ------------------------------------------- */

/* The character at d[i] (i < len) as the text may write it: the byte
 * itself, a JSON escape of it (\uXXXX, any case of hex; \/ \\ \") or a
 * percent-encoding (%XX), so a secret echoed in any of these forms is still
 * found. *ch gets the byte; returns the bytes it takes, 0 when d[i..len)
 * is the start of an escape the text's end cut short (*ch unset). */
static size_t text_char(const char *d, size_t i, size_t len,
                        unsigned char *ch) {
  const unsigned char *u = (const unsigned char *)d;
  size_t left = len - i;
  if (u[i] == '\\' && left >= 2 && u[i + 1] == 'u') {
    int v = 0;
    for (size_t k = 2; k < 6; k++) {
      if (k >= left)
        return 0; /* "\u00" at the end */
      int h = g6_hex_digit(u[i + k]);
      if (h < 0)
        break;
      v = v * 16 + h;
      if (k == 5 && v < 0x80) {
        *ch = (unsigned char)v;
        return 6;
      }
    }
  } else if (u[i] == '\\' && left >= 2 &&
             (u[i + 1] == '/' || u[i + 1] == '\\' || u[i + 1] == '"')) {
    *ch = u[i + 1];
    return 2;
  } else if (u[i] == '\\' && left == 1) {
    return 0;
  } else if (u[i] == '%' && left >= 3 && g6_hex_digit(u[i + 1]) >= 0 &&
             g6_hex_digit(u[i + 2]) >= 0) {
    *ch = (unsigned char)(g6_hex_digit(u[i + 1]) * 16 +
                          g6_hex_digit(u[i + 2]));
    return 3;
  } else if (u[i] == '%' && left < 3 &&
             (left < 2 || g6_hex_digit(u[i + 1]) >= 0)) {
    return 0;
  }
  *ch = u[i];
  return 1;
}

/* How much of secret s (sl bytes) the text holds at data[i..len): *m its
 * characters matched, *end where they end; *at_end when the text (or an
 * escape the text's end cut short) ended the match. `decode`: read escapes
 * (text_char); otherwise bytes as they are, for a secret that itself holds
 * what reads as an escape ("%41", "\/"), echoed plainly. */
static void match_at(const char *data, size_t len, size_t i, const char *s,
                     size_t sl, bool decode, size_t *m, size_t *end,
                     bool *at_end) {
  size_t j = i;
  *m = 0;
  *at_end = false;
  while (*m < sl) {
    unsigned char ch = 0;
    size_t step = 0;
    if (j < len && decode)
      step = text_char(data, j, len, &ch);
    else if (j < len) {
      ch = (unsigned char)data[j];
      step = 1;
    }
    if (step == 0) {
      *at_end = true; /* the text ends here, or inside an escape */
      break;
    }
    if (ch != (unsigned char)s[*m])
      break;
    j += step;
    (*m)++;
  }
  *end = j;
}

/* Replaces every occurrence of each secret (len >= 4) in data[0..*len) by
 * "***", shortening *len, whether the text holds it as it is or with any of
 * its bytes escaped (text_char: JSON's \u0061 form, percent-encoding: a
 * server may echo the credentials so, and a message decoded from it would
 * hold them plainly; a secret that itself holds what reads as an escape,
 * "%41", is found as it is too). When `cut` (the text is the start of a
 * longer one, the rest dropped) also the start of a secret it ends with (4
 * characters or more, an escape the cut split included): an occurrence
 * straddling the cut leaves that much behind, which no search for the
 * whole secret finds.
 * The server's bytes are redacted so before any excerpt of them is taken (a
 * proxy's page or Kite's message may echo the Authorization header), and a
 * message decoded from them again once cut. Never grows the text; can't
 * fail. */
static void redact_bytes(char *data, size_t *len, bool cut,
                         const char *const *secrets, size_t n) {
  for (size_t k = 0; k < n; k++) {
    const char *s = secrets[k];
    size_t sl = s ? strlen(s) : 0;
    if (sl < 4)
      continue;
    for (size_t i = 0; i < *len; i++) {
      /* escaped forms first, then the bytes as they are */
      for (int decode = 1; decode >= 0; decode--) {
        size_t m, end;
        bool at_end;
        match_at(data, *len, i, s, sl, decode, &m, &end, &at_end);
        if (m == sl || (cut && at_end && m >= 4)) {
          if (m != sl)
            end = *len;
          memcpy(data + i, "***", 3);
          memmove(data + i + 3, data + end, *len - end);
          *len -= end - i - 3;
          i += 2; /* on after the "***" */
          break;
        }
      }
    }
  }
}

/* redact_bytes on a string of capacity cap: one that fills it (cut by
 * vsnprintf, or by a caller's bounded copy) is taken as cut. */
static void redact(char *msg, size_t cap, const char *const *secrets,
                   size_t n) {
  size_t len = strlen(msg);
  redact_bytes(msg, &len, len + 1 >= cap, secrets, n);
  msg[len] = '\0';
}

static void vlog_extra(g6_kite_client *c, int level, const char *const *extra,
                       size_t n_extra, const char *fmt, va_list ap) {
  if (c->cfg.log == NULL)
    return;
  char msg[1024];
  vsnprintf(msg, sizeof(msg), fmt, ap);
  pthread_mutex_lock(&c->cred_mu);
  const char *secrets[2] = {c->api_key, c->access_token};
  redact(msg, sizeof(msg), secrets, 2);
  pthread_mutex_unlock(&c->cred_mu);
  redact(msg, sizeof(msg), extra, n_extra);
  c->cfg.log(c->cfg.log_ctx, level, msg);
}

static void klog(g6_kite_client *c, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void klog(g6_kite_client *c, int level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog_extra(c, level, NULL, 0, fmt, ap);
  va_end(ap);
}

static void klog_x(g6_kite_client *c, int level, const char *const *extra,
                   size_t n, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void klog_x(g6_kite_client *c, int level, const char *const *extra,
                   size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog_extra(c, level, extra, n, fmt, ap);
  va_end(ap);
}

/* Redacts the client's secrets (and extras) from an error message. */
static void redact_err(g6_kite_client *c, g6_error *err,
                       const char *const *extra, size_t n) {
  if (err == NULL)
    return;
  pthread_mutex_lock(&c->cred_mu);
  const char *secrets[2] = {c->api_key, c->access_token};
  redact(err->msg, sizeof(err->msg), secrets, 2);
  pthread_mutex_unlock(&c->cred_mu);
  redact(err->msg, sizeof(err->msg), extra, n);
}

/* The error type and message a parse decoded from a Kite envelope (cut to
 * fit their fields), with the client's secrets and the extras redacted:
 * the decoded text holds a secret the body escaped (\u0061) plainly, and
 * one the field's cut split in two leaves its start behind, which a search
 * of the whole message it goes into does not find. */
static void redact_decoded(g6_kite_client *c, const char *const *extra,
                           size_t n, g6_quote_parse_info *info) {
  pthread_mutex_lock(&c->cred_mu);
  const char *secrets[2] = {c->api_key, c->access_token};
  redact(info->message, sizeof(info->message), secrets, 2);
  redact(info->error_type, sizeof(info->error_type), secrets, 2);
  pthread_mutex_unlock(&c->cred_mu);
  redact(info->message, sizeof(info->message), extra, n);
  redact(info->error_type, sizeof(info->error_type), extra, n);
}

/* ---- construction ------------------------------------------------------ */

static void free_secret(char *s) { g6_secret_free(s); }

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static g6_status check_pos(const char *name, double v, bool zero_ok,
                           g6_error *err) {
  if (!isfinite(v) || v < 0 || (!zero_ok && v == 0))
    return g6_error_set(err, G6_EINVAL, "Kite client: %s = %g: must be %s",
                        name, v, zero_ok ? ">= 0" : "> 0");
  return G6_OK;
}

static g6_status validate(const g6_kite_config *cfg, g6_error *err) {
  if (cfg->base_url == NULL)
    return g6_error_set(err, G6_EINVAL, "Kite client: no URL");
  const char *problem = g6_url_problem(cfg->base_url, true);
  if (problem != NULL) {
    char shown[512]; /* never a password written in it */
    g6_url_redact(cfg->base_url, shown, sizeof(shown));
    return g6_error_set(err, G6_EINVAL, "Kite client: URL \"%s\": %s; allowed: %s",
                        shown, problem, G6_KITE_URL_ALLOWED);
  }
  g6_status s;
  if ((s = check_pos("timeout", cfg->timeout_s, false, err)) ||
      (s = check_pos("instruments timeout", cfg->instruments_timeout_s, false,
                     err)) ||
      (s = check_pos("connect timeout", cfg->connect_timeout_s, true, err)) ||
      (s = check_pos("backoff base", cfg->backoff_base_s, true, err)) ||
      (s = check_pos("backoff max", cfg->backoff_max_s, true, err)) ||
      (s = check_pos("jitter", cfg->jitter_s, true, err)) ||
      (s = check_pos("retry budget", cfg->retry_budget_s, true, err)) ||
      (s = check_pos("quote requests per second", cfg->quote_rps, true, err)) ||
      (s = check_pos("other requests per second", cfg->other_rps, true, err)) ||
      (s = check_pos("rate-limit max wait", cfg->rate_max_wait_s, true, err)) ||
      (s = check_pos("cache TTL", cfg->cache_ttl_s, true, err)))
    return s;
  if (cfg->retry_attempts < 1 || cfg->retry_attempts > 100)
    return g6_error_set(err, G6_EINVAL,
                        "Kite client: retry attempts = %u: allowed 1..100",
                        cfg->retry_attempts);
  if (cfg->max_body_quote < 1024 || cfg->max_body_instruments < 1024)
    return g6_error_set(err, G6_EINVAL,
                        "Kite client: body limits must be at least 1024 bytes");
  return G6_OK;
}

/* G6_OK when the directory of `path` exists, so a token file missing from
 * it may still be written; G6_ENOENT naming the option otherwise. */
static g6_status token_dir_exists(const char *path, g6_error *err) {
  char dir[4096];
  struct stat sb;
  if (g6_path_parent(path, dir, sizeof(dir)) && stat(dir, &sb) == 0 &&
      S_ISDIR(sb.st_mode))
    return G6_OK;
  return g6_error_set(err, G6_ENOENT,
                      "AccessTokenFile %s: its directory %s does not exist "
                      "(a wrong path? `g6 kite-token --token-file` writes "
                      "the file there)",
                      path, dir);
}


static g6_status read_creds(const g6_kite_config *cfg, char **key, char **tok,
                            g6_error *err) {
  *key = *tok = NULL;
  g6_status s = G6_OK;
  if (cfg->api_key_file != NULL) {
    s = g6_read_secret_option(cfg->api_key_file, "APIKeyFile", "API key", key,
                              err);
  } else if (cfg->api_key != NULL && (*key = strdup(cfg->api_key)) == NULL)
    s = G6_ENOMEM;
  if (s == G6_OK) {
    if (cfg->access_token_file != NULL) {
      s = g6_read_secret_option(cfg->access_token_file, "AccessTokenFile",
                                "access token", tok, err);
      /* not written yet (the day's first `g6 kite-token` comes after
       * collectd's start): no token, the client starts latched; but a
       * directory that is not there is a wrong path, refused now */
      if (s == G6_ENOENT)
        s = token_dir_exists(cfg->access_token_file, err);
    } else if (cfg->access_token != NULL &&
               (*tok = strdup(cfg->access_token)) == NULL)
      s = G6_ENOMEM;
  }
  if (s == G6_OK && *key == NULL)
    s = g6_error_set(err, G6_EINVAL,
                     "Kite client: no API key configured (key or key file)");
  if (s != G6_OK) {
    free_secret(*key);
    free_secret(*tok);
    *key = *tok = NULL;
    if (s == G6_ENOMEM)
      g6_error_set(err, s, "Kite client: out of memory");
  }
  return s;
}

g6_status g6_kite_client_new(const g6_kite_config *cfg, g6_kite_client **out,
                             g6_error *err) {
  *out = NULL;
  g6_status s = validate(cfg, err);
  if (s != G6_OK)
    return s;
  g6_kite_client *c = calloc(1, sizeof(*c));
  if (c == NULL)
    return g6_error_set(err, G6_ENOMEM, "Kite client: out of memory");
  c->cfg = *cfg;
  c->base_url = strdup(cfg->base_url);
  size_t bl = c->base_url ? strlen(c->base_url) : 0;
  while (bl > 0 && c->base_url[bl - 1] == '/')
    c->base_url[--bl] = '\0';
  c->api_key_file = dup_or_null(cfg->api_key_file);
  c->access_token_file = dup_or_null(cfg->access_token_file);
  c->cfg.base_url = c->base_url;
  c->cfg.api_key_file = c->api_key_file;
  c->cfg.access_token_file = c->access_token_file;
  c->cfg.api_key = c->cfg.access_token = NULL; /* not kept: see below */
  pthread_mutex_init(&c->cred_mu, NULL);
  pthread_mutex_init(&c->watch_mu, NULL);
  pthread_mutex_init(&c->stats_mu, NULL);
  pthread_mutex_init(&c->rng_mu, NULL);
  c->rng = cfg->seed;
  if (c->rng == 0)
    c->rng = ((uint64_t)time(NULL) << 20) ^ (uint64_t)(unsigned)getpid() ^
             (uint64_t)0x9E3779B97F4A7C15u;
  g6_breaker_config bc = {cfg->breaker_failures, cfg->breaker_min_reset_s,
                          cfg->breaker_max_reset_s, cfg->breaker_backoff,
                          cfg->breaker_half_open_successes,
                          cfg->breaker_jitter};
  g6_error berr;
  if (c->base_url == NULL ||
      (cfg->api_key_file && !c->api_key_file) ||
      (cfg->access_token_file && !c->access_token_file)) {
    s = g6_error_set(err, G6_ENOMEM, "Kite client: out of memory");
  } else if ((s = g6_breaker_init(&c->breaker, &bc, c->rng, &berr)) != G6_OK) {
    g6_error_set(err, s, "Kite client: %s", berr.msg);
    free(c->base_url);
    free(c->api_key_file);
    free(c->access_token_file);
    free(c);
    return s;
  } else {
    g6_ratelimit_init(&c->rl[CLASS_QUOTE], cfg->quote_rps, cfg->quote_burst);
    g6_ratelimit_init(&c->rl[CLASS_OTHER], cfg->other_rps, cfg->other_burst);
    c->cache = g6_quote_cache_new(cfg->cache_ttl_s, cfg->cache_max_entries);
    c->share = g6_http_share_new();
    if (c->cache == NULL || c->share == NULL)
      s = g6_error_set(err, G6_ENOMEM, "Kite client: out of memory");
    else {
      /* the files' versions before they are read: a change after the
       * read is seen by the first poll */
      g6_secret_watch_init(&c->key_watch, c->api_key_file);
      g6_secret_watch_init(&c->token_watch, c->access_token_file);
      s = read_creds(cfg, &c->api_key, &c->access_token, err);
    }
    if (s != G6_OK) {
      g6_kite_client_free(c);
      return s;
    }
    if (c->access_token == NULL && cfg->access_token_file != NULL) {
      /* waits like an auth latch: g6_kite_reload_credentials clears it
       * once the file is there */
      atomic_store(&c->auth_latched, 1);
      c->st.auth_latched = 1;
      klog(c, G6_LOG_WARNING,
           "Kite: AccessTokenFile %s does not exist yet: no requests until "
           "`g6 kite-token` writes it (noticed without a restart)",
           cfg->access_token_file);
    }
    if (g6_url_is_plain_remote(c->base_url)) {
      char shown[160];
      g6_http_url_for_message(c->base_url, shown, sizeof(shown));
      klog(c, G6_LOG_WARNING,
           "Kite: URL %s is plain http:// to another machine: the API key "
           "and access token (and /session/token's request token) cross the "
           "network unencrypted; use https:// (plain http:// is meant for "
           "g6-mockd on loopback: localhost, 127.0.0.0/8, [::1])",
           shown);
    }
    *out = c;
    return G6_OK;
  }
  free(c->base_url);
  free(c->api_key_file);
  free(c->access_token_file);
  free(c);
  return s;
}

void g6_kite_client_free(g6_kite_client *c) {
  if (c == NULL)
    return;
  g6_http_share_free(c->share);
  g6_quote_cache_free(c->cache);
  g6_ratelimit_destroy(&c->rl[CLASS_QUOTE]);
  g6_ratelimit_destroy(&c->rl[CLASS_OTHER]);
  g6_breaker_destroy(&c->breaker);
  free_secret(c->api_key);
  free_secret(c->access_token);
  free(c->base_url);
  free(c->api_key_file);
  free(c->access_token_file);
  pthread_mutex_destroy(&c->cred_mu);
  pthread_mutex_destroy(&c->watch_mu);
  pthread_mutex_destroy(&c->stats_mu);
  pthread_mutex_destroy(&c->rng_mu);
  free(c);
}

void g6_kite_client_cancel(g6_kite_client *c) { atomic_store(&c->cancel, 1); }

bool g6_kite_client_cancelled(g6_kite_client *c) {
  return c != NULL && atomic_load(&c->cancel);
}

static bool str_differs(const char *a, const char *b) {
  if (a == NULL || b == NULL)
    return a != b;
  return strcmp(a, b) != 0;
}

/* Swaps in new credentials (taking ownership); unlatches if they differ. */
static bool swap_creds(g6_kite_client *c, char *key, char *tok) {
  pthread_mutex_lock(&c->cred_mu);
  bool changed = str_differs(key, c->api_key) || str_differs(tok, c->access_token);
  if (changed) {
    free_secret(c->api_key);
    free_secret(c->access_token);
    c->api_key = key;
    c->access_token = tok;
    c->cred_gen++;
  }
  pthread_mutex_unlock(&c->cred_mu);
  if (!changed) {
    free_secret(key);
    free_secret(tok);
  } else if (atomic_exchange(&c->auth_latched, 0)) {
    pthread_mutex_lock(&c->stats_mu);
    c->st.auth_latched = 0;
    pthread_mutex_unlock(&c->stats_mu);
    klog(c, G6_LOG_NOTICE, "Kite: credentials changed; auth latch cleared");
  }
  return changed;
}

g6_status g6_kite_reload_credentials(g6_kite_client *c, bool *changed,
                                     g6_error *err) {
  if (changed)
    *changed = false;
  char *key = NULL, *tok = NULL;
  g6_status s = G6_OK;
  if (c->cfg.api_key_file != NULL)
    s = g6_read_secret_file(c->cfg.api_key_file, &key, err);
  else {
    pthread_mutex_lock(&c->cred_mu);
    key = dup_or_null(c->api_key);
    pthread_mutex_unlock(&c->cred_mu);
  }
  if (s == G6_OK) {
    if (c->cfg.access_token_file != NULL)
      s = g6_read_secret_file(c->cfg.access_token_file, &tok, err);
    else {
      pthread_mutex_lock(&c->cred_mu);
      tok = dup_or_null(c->access_token);
      pthread_mutex_unlock(&c->cred_mu);
    }
  }
  if (s != G6_OK) {
    free_secret(key);
    free_secret(tok);
    return s;
  }
  bool ch = swap_creds(c, key, tok);
  if (changed)
    *changed = ch;
  return G6_OK;
}

g6_status g6_kite_set_credentials(g6_kite_client *c, const char *api_key,
                                  const char *access_token, g6_error *err) {
  pthread_mutex_lock(&c->cred_mu);
  char *key = dup_or_null(api_key ? api_key : c->api_key);
  char *tok = dup_or_null(access_token ? access_token : c->access_token);
  pthread_mutex_unlock(&c->cred_mu);
  swap_creds(c, key, tok);
  (void)err;
  return G6_OK;
}

bool g6_kite_auth_latched(g6_kite_client *c) {
  return atomic_load(&c->auth_latched) != 0;
}

/* One file of the credentials looked at again: true with *fresh (owned)
 * for a new version; a version that cannot be used is said once. */
static bool poll_one(g6_kite_client *c, g6_secret_watch *w, const char *opt,
                     const char *what, char **fresh) {
  g6_error e;
  *fresh = NULL;
  g6_status s = g6_secret_watch_poll(w, fresh, &e);
  if (s != G6_OK)
    klog(c, G6_LOG_WARNING | G6_LOG_SAID_ONCE,
         "Kite: %s %s changed but cannot be used (%s); keeping the %s in "
         "use until a usable version replaces it",
         opt, w->path, e.msg, what);
  return *fresh != NULL;
}

/* Before every request: a replaced APIKeyFile or AccessTokenFile is read
 * again (a stat each when nothing changed), latched or not, so the day's
 * new token serves the first request after it was written. */
static void poll_credentials(g6_kite_client *c) {
  if (c->key_watch.path == NULL && c->token_watch.path == NULL)
    return;
  pthread_mutex_lock(&c->watch_mu);
  char *key = NULL, *tok = NULL;
  bool new_key = poll_one(c, &c->key_watch, "APIKeyFile", "API key", &key);
  bool new_tok =
      poll_one(c, &c->token_watch, "AccessTokenFile", "access token", &tok);
  if (new_key || new_tok) {
    pthread_mutex_lock(&c->cred_mu);
    bool key_differs = new_key && str_differs(key, c->api_key);
    bool tok_differs = new_tok && str_differs(tok, c->access_token);
    if (!new_key)
      key = dup_or_null(c->api_key);
    if (!new_tok)
      tok = dup_or_null(c->access_token);
    pthread_mutex_unlock(&c->cred_mu);
    if (swap_creds(c, key, tok)) {
      if (key_differs)
        klog(c, G6_LOG_NOTICE | G6_LOG_SAID_ONCE,
             "Kite: APIKeyFile %s changed: the new API key "
             "is in use", c->key_watch.path);
      if (tok_differs)
        klog(c, G6_LOG_NOTICE | G6_LOG_SAID_ONCE,
             "Kite: AccessTokenFile %s changed: the new "
             "access token is in use", c->token_watch.path);
    }
  }
  pthread_mutex_unlock(&c->watch_mu);
}

/* Sets *err to s and the formatted message, redacts the client's secrets
 * and the call's extras from it, and logs that same message as an error:
 * a request's final failure, said once in both places. Returns s. */
static g6_status fail_said(g6_kite_client *c, const char *const *extra,
                           size_t n, g6_error *err, g6_status s,
                           const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static g6_status fail_said(g6_kite_client *c, const char *const *extra,
                           size_t n, g6_error *err, g6_status s,
                           const char *fmt, ...) {
  g6_error local;
  if (err == NULL)
    err = &local;
  va_list ap;
  va_start(ap, fmt);
  g6_error_vset(err, s, fmt, ap);
  va_end(ap);
  redact_err(c, err, extra, n);
  klog_x(c, G6_LOG_ERR, extra, n, "%s", err->msg);
  return s;
}

/* The parts of an answer that messages quote (an error body, the head of
 * a body, a redirect's Location), with the client's secrets and the call's
 * extras redacted in place before any of them is parsed or cut into an
 * excerpt: whatever answered may echo the request's credentials (a proxy's
 * error page showing the Authorization header, a portal's Location), and
 * an excerpt that cuts a secret in two would leave its start in the log. */
static void redact_response(g6_kite_client *c, const char *const *extra,
                            size_t n, g6_http_response *resp) {
  g6_buf *eb = &resp->error_body;
  size_t loc_len = strlen(resp->location);
  bool loc_cut = loc_len + 1 >= sizeof(resp->location);
  pthread_mutex_lock(&c->cred_mu);
  const char *secrets[2] = {c->api_key, c->access_token};
  for (int pass = 0; pass < 2; pass++) {
    const char *const *list = pass == 0 ? secrets : extra;
    size_t m = pass == 0 ? 2 : n;
    if (eb->data != NULL) {
      redact_bytes(eb->data, &eb->len, resp->bytes > eb->len, list, m);
      eb->data[eb->len] = '\0';
    }
    redact_bytes(resp->head, &resp->head_len, resp->bytes > resp->head_len,
                 list, m);
    redact_bytes(resp->location, &loc_len, loc_cut, list, m);
    resp->location[loc_len] = '\0';
  }
  pthread_mutex_unlock(&c->cred_mu);
}

/* ---- the request loop -------------------------------------------------- */

typedef struct body_handler {
  g6_status (*begin)(void *ctx);
  g6_status (*feed)(void *ctx, const char *data, size_t len);
  g6_status (*finish)(void *ctx, g6_error *err);
  void *ctx;
  const g6_error *feed_err; /* details of a feed failure, may be NULL */
} body_handler;

typedef struct call_spec {
  g6_kite_endpoint ep;
  int cls;
  const char *method;
  const char *url;
  const char *body; /* POST */
  size_t body_len;
  double timeout_s;
  size_t max_body;
  bool gzip;
  bool need_token;
  const char *const *extra_secrets; /* redacted from messages */
  size_t n_extra;
  g6_http_body_kind expect; /* what a 2xx body must look like */
  /* a request Kite honours once (POST /session/token spends the request
   * token): tried again only when nothing of it was sent; *spent tells
   * whether a failed attempt may have reached Kite */
  bool single_use;
  bool *spent;
  /* the answer holds secrets: what g6 keeps of it (the body's head, an
   * error body) is zeroed when the response is freed (http.h) */
  bool sensitive;
} call_spec;

static double uniform01(g6_kite_client *c) {
  pthread_mutex_lock(&c->rng_mu);
  c->rng ^= c->rng >> 12;
  c->rng ^= c->rng << 25;
  c->rng ^= c->rng >> 27;
  uint64_t r = c->rng * 2685821657736338717ull;
  pthread_mutex_unlock(&c->rng_mu);
  return (double)(r >> 11) * 0x1.0p-53;
}

static void count(g6_kite_client *c, g6_kite_endpoint ep, g6_status s) {
  pthread_mutex_lock(&c->stats_mu);
  c->st.requests[ep][g6_kite_result_of(s)]++;
  pthread_mutex_unlock(&c->stats_mu);
}

/* Sleeps in slices so cancel takes effect; false when cancelled. */
static bool nap(g6_kite_client *c, double seconds) {
  while (seconds > 0) {
    if (atomic_load(&c->cancel))
      return false;
    double d = seconds < 0.05 ? seconds : 0.05;
    g6_sleep_seconds(d);
    seconds -= d;
  }
  return !atomic_load(&c->cancel);
}

/* An answer that says the request did not get through in time, whatever
 * its body: every 5xx (Kite's side, or a proxy's 502/504 page), 429 and a
 * proxy's 408 Request Timeout (the request timed out on its way, like
 * G6_ETIMEOUT). */
static bool transient_http(long http) { return http >= 500 || http == 408; }

/* Worth a retry, and for the breaker a failure of the provider's side:
 * timeouts, connection errors, truncated bodies, 429, a transient_http
 * status, and Kite's NetworkException (G6_EUPSTREAM: its OMS could not
 * reach the exchange) whatever the HTTP status it came with — Kite sends
 * its envelope with "200 OK" too. Other answers (4xx; Kite's Token-,
 * Permission-, Input-, Data- or GeneralException with a status below 500)
 * are about the request or the account and would fail the same way
 * again. */
static bool retryable(g6_status s, long http) {
  return s == G6_ETIMEOUT || s == G6_ECONN || s == G6_ETRUNCATED ||
         s == G6_ERATELIMIT || s == G6_EUPSTREAM ||
         (s != G6_OK && transient_http(http));
}

/* A 2xx body that is not Kite's (a captive portal, an HTML maintenance page
 * or an empty body from Kite's edge) is a failure like the parse error it
 * was before it got its own status: whatever answered replaced every
 * answer, so the breaker must stop the batches. So is a 3xx (a portal
 * sending g6 to its login page, the usual form): Kite does not redirect
 * these endpoints. A proxy's 4xx page stays out, as Kite's own 4xx do: it
 * may be about one request (a 414 for one long batch) and must not stop
 * the other indexes; but not a 408 (the way to Kite timed out, like a
 * timeout) nor Kite's NetworkException with any status (retryable). */
static bool breaker_failure(g6_status s, long http) {
  return s == G6_ETIMEOUT || s == G6_ECONN || s == G6_ETRUNCATED ||
         s == G6_EPROTO || s == G6_EPARSE || s == G6_ETOOBIG ||
         s == G6_EUPSTREAM ||
         (s == G6_EFOREIGN && http >= 200 && http < 400) ||
         (s != G6_OK && transient_http(http));
}

static bool blank(unsigned char ch) {
  return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* A short printable excerpt of a body that is not Kite's (an HTML page from
 * a proxy, plain text), white space collapsed, for the log line; "..." at
 * the end when more than white space did not fit. */
static void body_excerpt(const g6_buf *body, char *out, size_t len) {
  size_t o = 0, i = 0;
  bool space = false;
  for (; i < body->len && o + 4 < len; i++) {
    unsigned char ch = (unsigned char)body->data[i];
    if (blank(ch)) {
      space = o > 0;
      continue;
    }
    if (space)
      out[o++] = ' ';
    space = false;
    out[o++] = ch >= 0x20 && ch < 0x7f && ch != '"' ? (char)ch : '?';
  }
  while (i < body->len && blank((unsigned char)body->data[i]))
    i++;
  if (i < body->len && o >= 3)
    memcpy(out + o - 3, "...", 3);
  out[o] = '\0';
}

/* Maps a >= 400 response to a status and a message (kite.h, "Errors"): 429
 * is ratelimited whatever the body; otherwise Kite's error envelope decides
 * (g6_quote_error_status); a body that is not Kite's error envelope at all
 * (HTML from a proxy, text, empty, other JSON) is G6_EFOREIGN. */
static g6_status classify_http(g6_kite_client *c, const char *const *extra,
                               size_t n_extra, long http, const g6_buf *body,
                               g6_error *aerr) {
  g6_quote_table *t = g6_quote_table_new(NULL, 0);
  g6_quote_parse_info info;
  memset(&info, 0, sizeof(info));
  if (t != NULL && body->len > 0)
    g6_quote_parse(t, body->data, body->len, 0, &info, NULL);
  g6_quote_table_free(t);
  redact_decoded(c, extra, n_extra, &info);
  g6_status s;
  if (http == 429)
    s = G6_ERATELIMIT;
  else if (info.is_error)
    s = info.error_type[0] ? g6_quote_error_status(info.error_type) : G6_EHTTP;
  else
    s = G6_EFOREIGN;
  if (info.is_error && info.error_type[0] != '\0')
    g6_error_set(aerr, s, "HTTP %ld, %s: %s (%s)", http, info.error_type,
                 info.message, g6_status_name(s));
  else if (s == G6_EFOREIGN) {
    char ex[72];
    body_excerpt(body, ex, sizeof(ex));
    g6_error_set(aerr, s,
                 "HTTP %ld with a body that is not Kite's JSON (\"%s\"): %s",
                 http, ex, g6_strerror(s));
  } else
    g6_error_set(aerr, s, "HTTP %ld", http);
  return s;
}

/* A 2xx answer whose body is not what the endpoint sends (a captive
 * portal's or a proxy's page with "200 OK"): G6_EFOREIGN with an excerpt,
 * as for an error status, not a parse error of a page that was never
 * Kite's. */
static g6_status classify_foreign_2xx(const g6_http_response *resp,
                                      g6_error *aerr) {
  g6_buf head = {.data = (char *)resp->head, .len = resp->head_len};
  char ex[72];
  body_excerpt(&head, ex, sizeof(ex));
  /* the header is the server's text too: printable and bounded alike */
  g6_buf ctb = {.data = (char *)resp->content_type,
                .len = strlen(resp->content_type)};
  char ct[48];
  body_excerpt(&ctb, ct, sizeof(ct));
  const char *what = resp->bytes == 0 ? "an empty body" : "a body";
  return g6_error_set(aerr, G6_EFOREIGN,
                      "HTTP %ld with %s that is not Kite's (Content-Type "
                      "%s, \"%s\"): %s",
                      resp->status, what,
                      ct[0] ? ct : "none", ex,
                      g6_strerror(G6_EFOREIGN));
}

/* A 3xx answer: Kite's API does not redirect /quote, /ltp, /instruments or
 * /session/token, and g6 follows no redirect, so whatever answered (a
 * captive portal sending g6 to its login page, a proxy) is not Kite:
 * G6_EFOREIGN, naming where it points (http.c dropped the Location's user
 * info, query and fragment; printable and bounded here like an excerpt),
 * or, without a Location to name (none, or an empty one), the request's
 * URL (as http.c prints it: no query, no user info) and what the body
 * starts with. Always one bounded line: every part the server chose is an
 * excerpt. */
static g6_status classify_redirect(const g6_http_response *resp,
                                   const char *url, g6_error *aerr) {
  g6_buf ctb = {.data = (char *)resp->content_type,
                .len = strlen(resp->content_type)};
  char ct[48];
  body_excerpt(&ctb, ct, sizeof(ct));
  if (resp->location[0] != '\0') {
    g6_buf lb = {.data = (char *)resp->location, .len = strlen(resp->location)};
    char loc[128];
    body_excerpt(&lb, loc, sizeof(loc));
    return g6_error_set(aerr, G6_EFOREIGN,
                        "HTTP %ld redirect to %s (not followed; Content-Type "
                        "%s): %s",
                        resp->status, loc, ct[0] ? ct : "none",
                        g6_strerror(G6_EFOREIGN));
  }
  char where[160];
  g6_http_url_for_message(url, where, sizeof(where));
  g6_buf wb = {.data = where, .len = strlen(where)};
  char from[128];
  body_excerpt(&wb, from, sizeof(from));
  g6_buf head = {.data = (char *)resp->head, .len = resp->head_len};
  char ex[72];
  body_excerpt(&head, ex, sizeof(ex));
  return g6_error_set(aerr, G6_EFOREIGN,
                      "HTTP %ld redirect %s from %s (not followed; "
                      "Content-Type %s, \"%s\"): %s",
                      resp->status,
                      resp->has_location
                          ? "with an empty Location (once any query or "
                            "fragment is dropped)"
                          : "without a Location",
                      from, ct[0] ? ct : "none", ex, g6_strerror(G6_EFOREIGN));
}

/* The adaptive rate limiter learns from every answer: a 429 cuts the rate
 * (and honours Retry-After), a success wins some back (ratelimit.h). */
static void adapt_rate(g6_kite_client *c, const call_spec *cs, g6_status s,
                       long http, double retry_after, double now) {
  const char *cls = cs->cls == CLASS_QUOTE ? "quote" : "other";
  double eff, conf;
  if (s == G6_ERATELIMIT && http == 429) {
    /* a Retry-After longer than the breaker's longest open time is a hint
     * g6 does not follow that far: one request after BreakerMaxReset costs
     * the broker one more 429 at most, a paused hour costs the day's data */
    if (retry_after > c->cfg.breaker_max_reset_s) {
      klog(c, G6_LOG_WARNING,
           "Kite: 429 from %s with Retry-After %.0f s, more than "
           "BreakerMaxReset (%.0f s): %s requests pause %.0f s",
           g6_kite_endpoint_name(cs->ep), retry_after,
           c->cfg.breaker_max_reset_s, cls, c->cfg.breaker_max_reset_s);
      retry_after = c->cfg.breaker_max_reset_s;
    }
    double before;
    g6_ratelimit_rates(&c->rl[cs->cls], &before, &conf);
    double after = g6_ratelimit_throttle(&c->rl[cs->cls], now, retry_after);
    if (after < before)
      klog(c, G6_LOG_WARNING,
           "Kite: 429 from %s: %s request rate cut to %.3g/s (configured "
           "%.3g/s)%s",
           g6_kite_endpoint_name(cs->ep), cls, after, conf,
           retry_after > 0 ? "; honouring Retry-After" : "");
  } else if (s == G6_OK && g6_ratelimit_success(&c->rl[cs->cls])) {
    g6_ratelimit_rates(&c->rl[cs->cls], &eff, &conf);
    klog(c, G6_LOG_INFO, "Kite: %s request rate back to the configured %.3g/s",
         cls, conf);
  }
}

static g6_status do_call(g6_kite_client *c, const call_spec *cs,
                         const body_handler *bh, g6_error *err) {
  const char *epn = g6_kite_endpoint_name(cs->ep);
  poll_credentials(c);
  if (cs->need_token && atomic_load(&c->auth_latched)) {
    count(c, cs->ep, G6_EAUTH);
    pthread_mutex_lock(&c->cred_mu);
    bool none = c->access_token == NULL;
    pthread_mutex_unlock(&c->cred_mu);
    if (none)
      return g6_error_set(err, G6_EAUTH,
                          "Kite %s: no access token yet (AccessTokenFile "
                          "%s does not exist); run `g6 kite-token`",
                          epn, c->cfg.access_token_file
                                   ? c->cfg.access_token_file
                                   : "(none)");
    return g6_error_set(err, G6_EAUTH,
                        "Kite %s: credentials were rejected earlier; waiting "
                        "for a new access token",
                        epn);
  }
  double t0 = g6_monotonic_now();
  g6_status s = G6_OK;
  for (unsigned attempt = 1;; attempt++) {
    if (atomic_load(&c->cancel))
      return g6_error_set(err, G6_ECONN, "Kite %s: cancelled", epn);
    double retry_after = 0;
    if (g6_breaker_allow(&c->breaker, g6_monotonic_now(), &retry_after) !=
        G6_OK) {
      count(c, cs->ep, G6_ECIRCUIT);
      g6_error_set(err, G6_ECIRCUIT,
                   "Kite %s: circuit breaker open after repeated failures; "
                   "next probe in %.1f s",
                   epn, retry_after);
      klog(c, G6_LOG_WARNING, "%s", err ? err->msg : "");
      if (err == NULL)
        klog(c, G6_LOG_WARNING, "Kite %s: circuit breaker open", epn);
      return G6_ECIRCUIT;
    }
    double wait = 0;
    if (g6_ratelimit_reserve(&c->rl[cs->cls], g6_monotonic_now(),
                             c->cfg.rate_max_wait_s, &wait) != G6_OK) {
      g6_breaker_cancel(&c->breaker);
      count(c, cs->ep, G6_ERATELIMIT);
      g6_error_set(err, G6_ERATELIMIT,
                   "Kite %s: local rate limit would delay the request %.1f s "
                   "(more than the %.1f s allowed)",
                   epn, wait, c->cfg.rate_max_wait_s);
      klog(c, G6_LOG_WARNING,
           "Kite %s: local rate limit would delay the request %.1f s (more "
           "than the %.1f s allowed)",
           epn, wait, c->cfg.rate_max_wait_s);
      return G6_ERATELIMIT;
    }
    pthread_mutex_lock(&c->stats_mu);
    g6_kite_hist_observe(&c->st.ratelimit_wait[cs->ep], g6_kite_wait_bounds,
                         G6_KITE_WAIT_NB, wait);
    pthread_mutex_unlock(&c->stats_mu);
    if (!nap(c, wait)) {
      g6_breaker_cancel(&c->breaker);
      return g6_error_set(err, G6_ECONN, "Kite %s: cancelled", epn);
    }

    /* headers with the current credentials */
    char auth[512] = "";
    pthread_mutex_lock(&c->cred_mu);
    bool have_token = c->access_token != NULL;
    unsigned gen = c->cred_gen;
    if (have_token)
      snprintf(auth, sizeof(auth), "Authorization: token %s:%s", c->api_key,
               c->access_token);
    pthread_mutex_unlock(&c->cred_mu);
    if (cs->need_token && !have_token) {
      g6_breaker_cancel(&c->breaker);
      count(c, cs->ep, G6_EAUTH);
      g6_error_set(err, G6_EAUTH, "Kite %s: no access token configured", epn);
      klog(c, G6_LOG_ERR, "Kite %s: no access token configured", epn);
      return G6_EAUTH;
    }
    const char *headers[4] = {"X-Kite-Version: 3",
                              "User-Agent: g6/" G6_VERSION, NULL, NULL};
    if (cs->need_token)
      headers[2] = auth;

    g6_error aerr;
    g6_error_clear(&aerr);
    s = bh->begin(bh->ctx);
    g6_http_response resp;
    memset(&resp, 0, sizeof(resp));
    if (s == G6_OK) {
      g6_http_request req = {
          .method = cs->method,
          .url = cs->url,
          .headers = headers,
          .body = cs->body,
          .body_len = cs->body_len,
          .timeout_s = cs->timeout_s,
          .connect_timeout_s = c->cfg.connect_timeout_s,
          .max_body = cs->max_body,
          .accept_gzip = cs->gzip,
          .sink = bh->feed,
          .sink_ctx = bh->ctx,
          .cancel = &c->cancel,
          .sensitive = cs->sensitive,
      };
      s = g6_http_perform(c->share, &req, &resp, &aerr);
      /* a parser that stopped the transfer knows better what was wrong */
      if (s != G6_OK && bh->feed_err != NULL && bh->feed_err->code == s)
        aerr = *bh->feed_err;
    } else {
      g6_error_set(&aerr, s, "Kite %s: out of memory", epn);
    }
    redact_response(c, cs->extra_secrets, cs->n_extra, &resp);
    g6_wipe(auth, sizeof(auth));
    /* judged before the parser's verdict: a page that stopped the parser
     * at its first byte is still the page of whatever answered */
    bool parser_stopped =
        s != G6_OK && bh->feed_err != NULL && bh->feed_err->code == s;
    if ((s == G6_OK || parser_stopped) && resp.status >= 200 &&
        resp.status < 300 && g6_http_body_foreign(&resp, cs->expect)) {
      s = classify_foreign_2xx(&resp, &aerr);
    } else if (s == G6_OK) {
      if (resp.status == 200) {
        s = bh->finish(bh->ctx, &aerr);
      } else if (resp.status >= 400) {
        s = classify_http(c, cs->extra_secrets, cs->n_extra, resp.status,
                          &resp.error_body, &aerr);
      } else if (resp.status >= 300) {
        s = classify_redirect(&resp, cs->url, &aerr);
      } else {
        s = g6_error_set(&aerr, G6_EHTTP, "unexpected HTTP %ld", resp.status);
      }
    }
    double now = g6_monotonic_now();
    pthread_mutex_lock(&c->stats_mu);
    c->st.requests[cs->ep][g6_kite_result_of(s)]++;
    c->st.bytes_received[cs->ep] += resp.bytes;
    g6_kite_hist_observe(&c->st.latency[cs->ep], g6_kite_latency_bounds,
                         G6_KITE_LATENCY_NB, resp.seconds);
    pthread_mutex_unlock(&c->stats_mu);
    long http = resp.status;
    double server_wait = resp.retry_after_s;
    bool sent = resp.sent || resp.status != 0;
    g6_http_response_free(&resp);

    if (s == G6_OK)
      g6_breaker_success(&c->breaker, now);
    else if (breaker_failure(s, http))
      g6_breaker_failure(&c->breaker, now);
    else
      g6_breaker_cancel(&c->breaker);
    adapt_rate(c, cs, s, http, server_wait, now);
    if (s == G6_OK)
      return G6_OK;

    if (s == G6_EAUTH && cs->need_token) {
      /* a token replaced while this request was in flight is not the one
       * rejected: the file is looked at now (no other request may have
       * since), and a new token is tried at once instead of latching */
      poll_credentials(c);
      pthread_mutex_lock(&c->cred_mu);
      bool stale = c->cred_gen != gen;
      pthread_mutex_unlock(&c->cred_mu);
      if (stale && attempt < c->cfg.retry_attempts && !cs->single_use) {
        klog_x(c, G6_LOG_NOTICE, cs->extra_secrets, cs->n_extra,
               "Kite %s: credentials rejected (%s) as the access token "
               "changed: sending again with the new one",
               epn, aerr.msg);
        continue;
      }
      if (stale)
        return fail_said(c, cs->extra_secrets, cs->n_extra, err, G6_EAUTH,
                         "Kite %s: credentials rejected (%s) as the access "
                         "token changed; the next request uses the new one",
                         epn, aerr.msg);
      if (!atomic_exchange(&c->auth_latched, 1)) {
        pthread_mutex_lock(&c->stats_mu);
        c->st.auth_latched = 1;
        c->st.auth_latches++;
        pthread_mutex_unlock(&c->stats_mu);
      }
      return fail_said(c, cs->extra_secrets, cs->n_extra, err, G6_EAUTH,
                       "Kite %s: credentials rejected (%s); no further "
                       "requests until the access token changes",
                       epn, aerr.msg);
    }
    if (atomic_load(&c->cancel)) /* shutting down: nothing to log or retry */
      return g6_error_set(err, G6_ECONN, "Kite %s: cancelled", epn);
    double elapsed = now - t0;
    double backoff = c->cfg.backoff_base_s * pow(2.0, (double)(attempt - 1));
    if (backoff > c->cfg.backoff_max_s)
      backoff = c->cfg.backoff_max_s;
    backoff += uniform01(c) * c->cfg.jitter_s;
    /* a 5xx that says when to come back (a 503 with Retry-After: Kite's
     * maintenance, an overloaded edge) is not asked again before then;
     * when then is past the retry budget the call gives up now, saying
     * so. (A 429's Retry-After pauses the class's limiter, adapt_rate,
     * which the next attempt waits for.) */
    bool told_wait = transient_http(http) && server_wait > 0 &&
                     server_wait > backoff;
    if (told_wait)
      backoff = server_wait;
    char beyond[160] = "";
    if (told_wait && retryable(s, http) && attempt < c->cfg.retry_attempts &&
        elapsed + backoff > c->cfg.retry_budget_s)
      snprintf(beyond, sizeof(beyond),
               "; the server asks for %.0f s before a retry (Retry-After), "
               "beyond RetryBudget %g s",
               server_wait, c->cfg.retry_budget_s);
    bool again = retryable(s, http) && attempt < c->cfg.retry_attempts &&
                 elapsed + backoff <= c->cfg.retry_budget_s;
    if (cs->single_use && sent) {
      if (cs->spent != NULL)
        *cs->spent = true;
      if (again || retryable(s, http)) {
        return fail_said(c, cs->extra_secrets, cs->n_extra, err, s,
                         "Kite %s: %s; the request may have reached Kite, "
                         "which accepts it once: not sent again",
                         epn, aerr.msg);
      }
    }
    if (!again) {
      g6_error_set(err, s, "Kite %s: %s (attempt %u of %u%s)", epn, aerr.msg,
                   attempt, c->cfg.retry_attempts, beyond);
      redact_err(c, err, cs->extra_secrets, cs->n_extra);
      klog_x(c, G6_LOG_ERR, cs->extra_secrets, cs->n_extra,
             "Kite %s: %s (attempt %u of %u; giving up%s)", epn, aerr.msg,
             attempt, c->cfg.retry_attempts, beyond);
      return s;
    }
    klog_x(c, G6_LOG_WARNING, cs->extra_secrets, cs->n_extra,
           "Kite %s: %s (attempt %u of %u); retrying in %.2f s%s", epn,
           aerr.msg, attempt, c->cfg.retry_attempts, backoff,
           told_wait ? " (its Retry-After)" : "");
    pthread_mutex_lock(&c->stats_mu);
    c->st.retries[cs->ep]++;
    c->st.retries_by[cs->ep][g6_kite_result_of(s)]++;
    pthread_mutex_unlock(&c->stats_mu);
    if (!nap(c, backoff))
      return g6_error_set(err, G6_ECONN, "Kite %s: cancelled", epn);
  }
}

/* ---- /instruments ------------------------------------------------------ */

/* A /instruments answer is CSV; one whose first byte that is not white
 * space is '{' is JSON instead: Kite's error envelope sent with "200 OK"
 * (a NetworkException, a TokenException, ...) or some other JSON. Its
 * first bytes are kept (INST_JSON_MAX) and judged at the end as an error
 * answer is (classify_http: Kite's error type decides, retried or not as
 * for any status; other JSON is G6_EFOREIGN), never as a CSV without a
 * header line. */
#define INST_JSON_MAX (64u * 1024)

typedef struct inst_ctx {
  g6_kite_client *c;
  g6_instruments *t;
  size_t max_rows;
  int form;    /* 0 not known yet (white space so far), 1 CSV, 2 JSON */
  g6_buf json; /* the first INST_JSON_MAX bytes of a JSON body */
  size_t json_bytes; /* all of its bytes */
  g6_error err;
} inst_ctx;

static g6_status inst_begin(void *vp) {
  inst_ctx *x = vp;
  g6_error_clear(&x->err);
  g6_instruments_free(x->t);
  x->t = g6_instruments_new(0);
  x->form = 0;
  x->json_bytes = 0;
  g6_buf_reset(&x->json);
  return x->t ? G6_OK : G6_ENOMEM;
}

static g6_status inst_feed(void *vp, const char *d, size_t n) {
  inst_ctx *x = vp;
  for (size_t i = 0; x->form == 0 && i < n; i++)
    if (!blank((unsigned char)d[i]))
      x->form = d[i] == '{' ? 2 : 1;
  if (x->form == 2) {
    x->json_bytes += n;
    size_t room = INST_JSON_MAX - x->json.len;
    return g6_buf_append(&x->json, d, n < room ? n : room);
  }
  return g6_instruments_feed(x->t, d, n, &x->err);
}

static g6_status inst_finish(void *vp, g6_error *err) {
  inst_ctx *x = vp;
  if (x->form == 2) {
    /* the server's bytes: redacted before anything quotes them */
    g6_kite_client *c = x->c;
    pthread_mutex_lock(&c->cred_mu);
    const char *secrets[2] = {c->api_key, c->access_token};
    redact_bytes(x->json.data, &x->json.len, x->json_bytes > x->json.len,
                 secrets, 2);
    pthread_mutex_unlock(&c->cred_mu);
    return classify_http(c, NULL, 0, 200, &x->json, err);
  }
  if (x->err.code != G6_OK)
    return g6_error_set(err, x->err.code, "%s", x->err.msg);
  return g6_instruments_finish(x->t, err);
}

g6_status g6_kite_instruments(g6_kite_client *c, const char *exchange,
                              g6_instruments **out, g6_error *err) {
  *out = NULL;
  g6_buf url = G6_BUF_INIT;
  g6_buf_printf(&url, "%s/instruments", c->base_url);
  if (exchange != NULL) {
    g6_buf_putc(&url, '/');
    g6_http_urlencode(&url, exchange);
  }
  if (url.data == NULL)
    return g6_error_set(err, G6_ENOMEM, "Kite instruments: out of memory");
  inst_ctx x;
  memset(&x, 0, sizeof(x));
  x.c = c;
  x.json.limit = INST_JSON_MAX;
  body_handler bh = {inst_begin, inst_feed, inst_finish, &x, &x.err};
  call_spec cs = {.ep = G6_KITE_EP_INSTRUMENTS,
                  .cls = CLASS_OTHER,
                  .url = url.data,
                  .timeout_s = c->cfg.instruments_timeout_s,
                  .max_body = c->cfg.max_body_instruments,
                  .gzip = true,
                  .need_token = true,
                  .expect = G6_HTTP_BODY_TEXT};
  g6_status s = do_call(c, &cs, &bh, err);
  g6_buf_free(&url);
  g6_buf_free(&x.json);
  if (s != G6_OK) {
    g6_instruments_free(x.t);
    return s;
  }
  const g6_instruments_stats *st = g6_instruments_get_stats(x.t);
  pthread_mutex_lock(&c->stats_mu);
  c->st.instruments_rows = st->rows;
  c->st.instruments_options = st->options;
  c->st.instruments_rejected = st->rejected;
  pthread_mutex_unlock(&c->stats_mu);
  klog(c, G6_LOG_INFO,
       "Kite instruments: %llu rows, %llu options (root from name %llu, from "
       "symbol %llu), %llu indices, %llu other, %llu rejected",
       (unsigned long long)st->rows, (unsigned long long)st->options,
       (unsigned long long)st->root_rule[G6_ROOT_NAME],
       (unsigned long long)st->root_rule[G6_ROOT_SYMBOL],
       (unsigned long long)st->indices, (unsigned long long)st->skipped,
       (unsigned long long)st->rejected);
  if (st->moved > 0)
    klog(c, G6_LOG_INFO,
         "Kite instruments: %llu option(s) listed under another expiry than "
         "their trading symbol names (first: line %u, %s): the expiry column "
         "is used (a contract the exchange moved keeps its symbol)",
         (unsigned long long)st->moved, st->moved_line, st->moved_what);
  if (st->mixed_lots > 0)
    klog(c, G6_LOG_WARNING,
         "Kite instruments: %llu expiry(ies) list options with different lot "
         "sizes (first: %s): their lot size is unknown (OI change in lots is "
         "not exported for them)",
         (unsigned long long)st->mixed_lots, st->mixed_lots_what);
  if (st->repeated > 0)
    klog(c, G6_LOG_INFO,
         "Kite instruments: %llu row(s) repeated byte for byte, kept once",
         (unsigned long long)st->repeated);
  if (st->rejected > 0) {
    char why[1024];
    g6_instruments_rejects_text(st, why, sizeof(why));
    klog(c, G6_LOG_WARNING, "Kite instruments: %llu rows rejected: %s",
         (unsigned long long)st->rejected, why);
  }
  *out = x.t;
  return G6_OK;
}

/* ---- /quote and /quote/ltp --------------------------------------------- */

typedef struct quote_ctx {
  g6_kite_client *c;
  g6_quote_table *t;
  g6_quote_parser *p;
  size_t max_body;
  g6_quote_parse_info info;
  g6_error err;
} quote_ctx;

static g6_status quote_begin(void *vp) {
  quote_ctx *x = vp;
  g6_quote_parser_free(x->p);
  g6_error_clear(&x->err);
  x->p = g6_quote_parser_new(x->t, x->max_body);
  return x->p ? G6_OK : G6_ENOMEM;
}

static g6_status quote_feed(void *vp, const char *d, size_t n) {
  quote_ctx *x = vp;
  return g6_quote_parser_feed(x->p, d, n, &x->err);
}

static g6_status quote_finish(void *vp, g6_error *err) {
  quote_ctx *x = vp;
  g6_status s = g6_quote_parser_finish(x->p, &x->info, err);
  /* an error envelope with status 200: Kite's error type still decides,
   * said as for any status (classify_http), its text redacted */
  if (s == G6_EHTTP && x->info.is_error && x->info.error_type[0] != '\0') {
    redact_decoded(x->c, NULL, 0, &x->info);
    s = g6_quote_error_status(x->info.error_type);
    g6_error_set(err, s, "HTTP 200, %s: %s (%s)", x->info.error_type,
                 x->info.message, g6_status_name(s));
  }
  return s;
}

static g6_status fetch_batch(g6_kite_client *c, g6_kite_endpoint ep,
                             const char *path, const char *const *keys,
                             size_t n, g6_quote_table *dst, g6_error *err) {
  g6_buf url = G6_BUF_INIT;
  g6_buf_printf(&url, "%s%s?", c->base_url, path);
  for (size_t i = 0; i < n; i++) {
    g6_buf_puts(&url, i ? "&i=" : "i=");
    g6_http_urlencode(&url, keys[i]);
  }
  quote_ctx x;
  memset(&x, 0, sizeof(x));
  x.c = c;
  x.max_body = c->cfg.max_body_quote;
  x.t = g6_quote_table_new(keys, n);
  if (url.data == NULL || x.t == NULL) {
    g6_buf_free(&url);
    g6_quote_table_free(x.t);
    return g6_error_set(err, G6_ENOMEM, "Kite %s: out of memory",
                        g6_kite_endpoint_name(ep));
  }
  body_handler bh = {quote_begin, quote_feed, quote_finish, &x, &x.err};
  call_spec cs = {.ep = ep,
                  .cls = CLASS_QUOTE,
                  .url = url.data,
                  .timeout_s = c->cfg.timeout_s,
                  .max_body = c->cfg.max_body_quote,
                  .need_token = true,
                  .expect = G6_HTTP_BODY_JSON};
  g6_status s = do_call(c, &cs, &bh, err);
  if (s == G6_OK) {
    double now = g6_monotonic_now();
    for (size_t i = 0; i < g6_quote_table_size(x.t); i++) {
      const g6_quote *q = g6_quote_table_get(x.t, i);
      const char *k = g6_quote_table_key(x.t, i);
      if (q == NULL) {
        long j = g6_quote_table_malformed(x.t, i) ? g6_quote_table_find(dst, k)
                                                  : -1;
        if (j >= 0)
          g6_quote_table_set_malformed(dst, (size_t)j);
        continue;
      }
      long j = g6_quote_table_find(dst, k);
      if (j >= 0)
        g6_quote_table_set(dst, (size_t)j, q);
      if (ep == G6_KITE_EP_QUOTE)
        g6_quote_cache_put(c->cache, k, q, now);
    }
    pthread_mutex_lock(&c->stats_mu);
    c->st.quotes_incomplete += x.info.incomplete;
    c->st.quotes_bad_time[ep] += x.info.bad_times;
    pthread_mutex_unlock(&c->stats_mu);
    if (x.info.bad_times > 0)
      klog(c, G6_LOG_WARNING,
           "Kite %s: %zu of %zu quotes have a timestamp that is not a time "
           "(schema drift?): their prices kept, their time unknown; first: "
           "%s",
           g6_kite_endpoint_name(ep), x.info.bad_times, x.info.quotes,
           x.info.bad_time_first);
    if (x.info.malformed > 0)
      klog(c, G6_LOG_WARNING,
           "Kite %s: %zu of %zu quotes malformed (dropped, the others kept); "
           "first: %s",
           g6_kite_endpoint_name(ep), x.info.malformed, x.info.quotes,
           x.info.malformed_first);
    if (x.info.incomplete > 0)
      klog(c, G6_LOG_WARNING,
           "Kite %s: %zu of %zu quotes lack last_price (dropped)",
           g6_kite_endpoint_name(ep), x.info.incomplete, x.info.quotes);
    if (x.info.unexpected > 0)
      klog(c, G6_LOG_WARNING, "Kite %s: %zu unrequested instruments ignored",
           g6_kite_endpoint_name(ep), x.info.unexpected);
  }
  g6_quote_parser_free(x.p);
  g6_quote_table_free(x.t);
  g6_buf_free(&url);
  return s;
}

/* A failed batch's keys remember why they are absent, so the caller can
 * tell them from instruments Kite does not know (and keep the other
 * batches' quotes). */
static void mark_failed(g6_quote_table *t, const char *const *keys, size_t n,
                        g6_status why) {
  for (size_t i = 0; i < n; i++) {
    long j = g6_quote_table_find(t, keys[i]);
    if (j >= 0)
      g6_quote_table_set_failed(t, (size_t)j, why);
  }
}

static g6_status fetch_quotes(g6_kite_client *c, g6_kite_endpoint ep,
                              const char *path, size_t batch,
                              const char *const *keys, size_t n,
                              g6_quote_table **out, g6_error *err) {
  *out = g6_quote_table_new(keys, n);
  if (*out == NULL)
    return g6_error_set(err, G6_ENOMEM,
                        "Kite %s: out of memory or an empty/overlong key",
                        g6_kite_endpoint_name(ep));
  g6_quote_table *t = *out;
  size_t m = g6_quote_table_size(t);
  const char **todo = malloc((m ? m : 1) * sizeof(*todo));
  if (todo == NULL)
    return g6_error_set(err, G6_ENOMEM, "Kite %s: out of memory",
                        g6_kite_endpoint_name(ep));
  size_t nt = 0;
  double now = g6_monotonic_now();
  for (size_t i = 0; i < m; i++) {
    g6_quote q;
    if (ep == G6_KITE_EP_QUOTE &&
        g6_quote_cache_get(c->cache, g6_quote_table_key(t, i), now, &q))
      g6_quote_table_set(t, i, &q);
    else
      todo[nt++] = g6_quote_table_key(t, i);
  }
  g6_status first = G6_OK;
  for (size_t off = 0; off < nt; off += batch) {
    size_t k = nt - off < batch ? nt - off : batch;
    g6_error berr;
    g6_status s = fetch_batch(c, ep, path, todo + off, k, t, &berr);
    if (s != G6_OK)
      mark_failed(t, todo + off, k, s);
    if (s != G6_OK && first == G6_OK) {
      first = s;
      if (err)
        *err = berr;
    }
  }
  free(todo);
  size_t found = g6_quote_table_found(t);
  pthread_mutex_lock(&c->stats_mu);
  c->st.quotes_requested += m;
  c->st.quotes_returned += found;
  c->st.quotes_missing += m - found;
  pthread_mutex_unlock(&c->stats_mu);
  return first;
}

g6_status g6_kite_quote(g6_kite_client *c, const char *const *keys, size_t n,
                        g6_quote_table **out, g6_error *err) {
  return fetch_quotes(c, G6_KITE_EP_QUOTE, "/quote", G6_KITE_QUOTE_BATCH, keys,
                      n, out, err);
}

g6_status g6_kite_ltp(g6_kite_client *c, const char *const *keys, size_t n,
                      g6_quote_table **out, g6_error *err) {
  return fetch_quotes(c, G6_KITE_EP_LTP, "/quote/ltp", G6_KITE_LTP_BATCH, keys,
                      n, out, err);
}

/* ---- /session/token ---------------------------------------------------- */

typedef struct buf_ctx {
  g6_buf b;
} buf_ctx;

static g6_status buf_begin(void *vp) {
  g6_buf_reset(&((buf_ctx *)vp)->b);
  return G6_OK;
}

static g6_status buf_feed(void *vp, const char *d, size_t n) {
  return g6_buf_append(&((buf_ctx *)vp)->b, d, n);
}

static g6_status buf_finish(void *vp, g6_error *err) {
  (void)vp;
  (void)err;
  return G6_OK;
}

g6_status g6_kite_session_parse(const char *text, size_t text_len,
                                g6_kite_session *out, g6_error *err) {
  g6_json *doc = NULL;
  g6_error jerr;
  /* the answer holds the access token and the API key */
  if (g6_json_parse_sensitive(text, text_len, &doc, &jerr) != G6_OK)
    return g6_error_set(err, G6_EPARSE, "malformed JSON: %s", jerr.msg);
  g6_status s = G6_OK;
  const g6_json *st = g6_json_object_get(doc, "status");
  const g6_json *data = g6_json_object_get(doc, "data");
  size_t len = 0;
  const char *sv = st ? g6_json_get_string(st, &len) : NULL;
  const g6_json *tok = data ? g6_json_object_get(data, "access_token") : NULL;
  const char *tv = tok ? g6_json_get_string(tok, &len) : NULL;
  if (sv == NULL || strcmp(sv, "success") != 0 || data == NULL ||
      g6_json_type_of(data) != G6_JSON_OBJECT)
    s = g6_error_set(err, G6_EPROTO, "response is not a success envelope");
  else if (tv == NULL || len == 0 || len >= sizeof(out->access_token) ||
           strlen(tv) != len)
    s = g6_error_set(err, G6_EPROTO, "response has no valid access_token");
  else {
    memcpy(out->access_token, tv, len + 1);
    const g6_json *u = g6_json_object_get(data, "user_id");
    const char *uv = u ? g6_json_get_string(u, &len) : NULL;
    snprintf(out->user_id, sizeof(out->user_id), "%s", uv ? uv : "");
    const g6_json *lt = g6_json_object_get(data, "login_time");
    const char *lv = lt ? g6_json_get_string(lt, &len) : NULL;
    snprintf(out->login_time, sizeof(out->login_time), "%s", lv ? lv : "");
    g6_date d;
    int hh, mm, ss;
    char ds[11];
    if (lv && strlen(lv) == 19 &&
        sscanf(lv, "%10s %d:%d:%d", ds, &hh, &mm, &ss) == 4 &&
        g6_date_parse(ds, &d) == G6_OK)
      out->login_epoch = g6_ist_epoch(d, hh, mm, ss);
  }
  g6_json_free_sensitive(doc);
  return s;
}

g6_status g6_kite_session_token(g6_kite_client *c, const char *request_token,
                                const char *api_secret, g6_kite_session *out,
                                g6_error *err) {
  memset(out, 0, sizeof(*out));
  if (request_token == NULL || request_token[0] == '\0' ||
      api_secret == NULL || api_secret[0] == '\0')
    return g6_error_set(err, G6_EINVAL,
                        "Kite session: request token and API secret needed");
  pthread_mutex_lock(&c->cred_mu);
  char *key = dup_or_null(c->api_key);
  pthread_mutex_unlock(&c->cred_mu);
  if (key == NULL)
    return g6_error_set(err, G6_ENOMEM, "Kite session: out of memory");
  /* the pre-image, the body (key, request token, checksum) and the answer
   * (access token) hold secrets: zeroed as they grow and when freed */
  g6_buf pre = G6_BUF_SENSITIVE_INIT, body = G6_BUF_SENSITIVE_INIT,
         url = G6_BUF_INIT;
  g6_buf_printf(&pre, "%s%s%s", key, request_token, api_secret);
  char sum[65] = "";
  g6_sha256_hex(pre.data ? pre.data : "", pre.len, sum);
  g6_buf_puts(&body, "api_key=");
  g6_http_urlencode(&body, key);
  g6_buf_puts(&body, "&request_token=");
  g6_http_urlencode(&body, request_token);
  g6_buf_printf(&body, "&checksum=%s", sum);
  g6_buf_printf(&url, "%s/session/token", c->base_url);
  const char *secrets[3] = {request_token, api_secret, sum};
  buf_ctx x = {G6_BUF_SENSITIVE_INIT};
  x.b.limit = 64 * 1024;
  body_handler bh = {buf_begin, buf_feed, buf_finish, &x, NULL};
  call_spec cs = {.ep = G6_KITE_EP_SESSION,
                  .cls = CLASS_OTHER,
                  .method = "POST",
                  .url = url.data,
                  .body = body.data,
                  .body_len = body.len,
                  .timeout_s = c->cfg.timeout_s,
                  .max_body = 64 * 1024,
                  .need_token = false,
                  .extra_secrets = secrets,
                  .n_extra = 3,
                  .expect = G6_HTTP_BODY_JSON,
                  .single_use = true,
                  .spent = &out->request_spent,
                  .sensitive = true};
  g6_status s = G6_OK;
  if (url.data == NULL || body.data == NULL || pre.data == NULL)
    s = g6_error_set(err, G6_ENOMEM, "Kite session: out of memory");
  else
    s = do_call(c, &cs, &bh, err);
  if (s == G6_OK) {
    g6_error perr;
    s = g6_kite_session_parse(x.b.data ? x.b.data : "", x.b.len, out, &perr);
    if (s != G6_OK) {
      /* Kite answered: the request token may be spent, whatever the body */
      out->request_spent = true;
      /* Kite's error envelope with "200 OK" is said as with any status
       * (its type decides: a TokenException is G6_EAUTH) */
      g6_error kerr;
      g6_status ks = classify_http(c, secrets, 3, 200, &x.b, &kerr);
      if (ks != G6_EFOREIGN) {
        s = ks;
        perr = kerr;
      }
      count(c, G6_KITE_EP_SESSION, s);
      g6_error_set(err, s, "Kite session: %s", perr.msg);
      redact_err(c, err, secrets, 3);
      klog_x(c, G6_LOG_ERR, secrets, 3, "Kite session: %s", perr.msg);
    }
  }
  g6_wipe(sum, sizeof(sum));
  g6_buf_free(&pre);
  g6_buf_free(&body);
  g6_buf_free(&url);
  g6_buf_free(&x.b);
  free_secret(key);
  return s;
}

/* ---- stats ------------------------------------------------------------- */

void g6_kite_stats_snapshot(g6_kite_client *c, g6_kite_stats *out) {
  pthread_mutex_lock(&c->stats_mu);
  *out = c->st;
  pthread_mutex_unlock(&c->stats_mu);
  for (int e = 0; e < G6_KITE_EP_COUNT; e++) {
    g6_kite_hist_cumulate(&out->latency[e], G6_KITE_LATENCY_NB);
    g6_kite_hist_cumulate(&out->ratelimit_wait[e], G6_KITE_WAIT_NB);
  }
  uint64_t trips = 0;
  out->breaker_state =
      (int)g6_breaker_get_state(&c->breaker, g6_monotonic_now(), &trips);
  out->breaker_trips = trips;
  g6_quote_cache_stats cs;
  g6_quote_cache_get_stats(c->cache, &cs);
  out->cache_hits = cs.hits;
  out->cache_misses = cs.misses;
  out->cache_expirations = cs.expirations;
  out->cache_stores = cs.stores;
  out->cache_entries = cs.entries;
  out->cache_hit_ratio =
      cs.hits + cs.misses > 0
          ? (double)cs.hits / (double)(cs.hits + cs.misses)
          : NAN; /* no lookup yet: unknown, not 0 */
  out->auth_latched = atomic_load(&c->auth_latched) ? 1 : 0;
  /* the limiters keep the pause's end on the monotonic clock; exported
   * as the seconds left, which mean the same on any clock */
  double now = g6_monotonic_now();
  for (int k = 0; k < G6_KITE_LIMITERS; k++) {
    g6_ratelimit_rates(&c->rl[k], &out->ratelimit_rate[k],
                       &out->ratelimit_configured[k]);
    out->ratelimit_pause_s[k] = g6_ratelimit_pause_end(&c->rl[k], now) - now;
  }
}

int64_t g6_kite_token_expiry(int64_t epoch) {
  g6_ist_tm tm;
  g6_ist_breakdown(epoch, &tm);
  int64_t six = g6_ist_epoch(tm.date, 6, 0, 0);
  if (epoch < six)
    return six;
  return g6_ist_epoch(g6_civil_from_days(tm.days + 1), 6, 0, 0);
}
