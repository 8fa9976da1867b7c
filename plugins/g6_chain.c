/* g6_chain — option chains into CSV files, snapshots and metrics.
 *
 * One read callback per <Index> ("g6_chain/NIFTY", its own Interval), so a
 * slow index never delays another; they share the <Provider> client (rate
 * limiter, breaker, quote cache) and the instrument list. One more callback,
 * "g6_chain/metrics", turns the client's counters into metrics and
 * dispatches every g6_chain series once per plugin interval. The cycle itself
 * lives in libg6 (collector/collector.h); this file parses the configuration,
 * schedules, and maps results to the generated metric helpers.
 *
 * If init fails (unusable DataDir, holiday file, credentials, ...) the whole
 * "g6_chain" read group is unregistered: collectd itself only unregisters a
 * callback named exactly like the plugin. */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/utils/common/common.h"

#include "collector/collector.h"
#include "core/conf.h"
#include "core/fsutil.h"
#include "market/breaker.h"
#include "market/kite.h"
#include "market/kite_provider.h"
#include "metrics/metrics.h"
#include "metrics/metrics_gen.h"

#include "common/metrics_sink.h"

#include <math.h>
#include <pthread.h>

#define PLUGIN "g6_chain"
#define MAX_INDICES 16

typedef struct chain_provider {
  bool configured;
  g6_kite_config kcfg;
  /* option strings owned here (kcfg points at them) */
  char *url, *api_key, *api_key_file, *token, *token_file;
  double refresh_min_interval;
  g6_kite_client *client;
  g6_kite_provider *kp;
  g6_kite_stats prev; /* counters already added to the metrics */
} chain_provider;

typedef struct chain_index {
  g6_index_config ix;
  double interval; /* seconds; 0 = the plugin's interval */
  g6_collector *col;
  g6_csv_family_stats csv_prev[G6_CSV_MAX_FAMILIES];
  size_t n_csv_prev;
  /* failures are logged when they start, change or every 10 minutes */
  struct throttle {
    g6_status last;
    cdtime_t logged;
  } cycle_log, csv_log, snapshot_log;
  g6_date resolved[G6_MAX_EXPIRIES]; /* last resolved date per rule */
} chain_index;

static struct {
  char *data_dir;
  char *holidays_file;
  g6_calendar holidays;
  g6_collector_config cc;
  chain_provider prov;
  chain_index *indices[MAX_INDICES];
  size_t n_indices;
  bool config_failed;
  g6_metrics *metrics;
} g;

/* ---- configuration ------------------------------------------------------ */

/* Defaults of the indices the old platform knew (reference §1.4). */
static const struct {
  const char *name, *underlying, *segment;
  double step;
} known_indices[] = {
    {"NIFTY", "NSE:NIFTY 50", "NFO-OPT", 50},
    {"BANKNIFTY", "NSE:NIFTY BANK", "NFO-OPT", 100},
    {"FINNIFTY", "NSE:NIFTY FIN SERVICE", "NFO-OPT", 50},
    {"MIDCPNIFTY", "NSE:NIFTY MIDCAP SELECT", "NFO-OPT", 50},
    {"SENSEX", "BSE:SENSEX", "BFO-OPT", 100},
};

static int config_error(const g6_error *e) {
  ERROR(PLUGIN ": %s", e->msg);
  g.config_failed = true;
  return -1;
}

static bool valid_name(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n >= G6_INDEX_NAME_MAX)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
      return false;
  return true;
}

static int conf_secs(oconfig_item_t *ci, double min, double max, double *out) {
  g6_error e;
  if (g6_conf_double(ci, min, max, out, &e) != G6_OK)
    return config_error(&e);
  return 0;
}

static int conf_provider(oconfig_item_t *ci) {
  g6_error e;
  chain_provider *p = &g.prov;
  char *name = NULL;
  if (g6_conf_block_name(ci, &name, &e) != G6_OK)
    return config_error(&e);
  bool kite = strcmp(name, "kite") == 0;
  if (!kite || p->configured) {
    g6_error_set(&e, G6_EINVAL,
                 kite ? "<Provider \"%s\"> is defined twice"
                      : "<Provider \"%s\">: unknown provider; allowed: kite",
                 name);
    free(name);
    return config_error(&e);
  }
  free(name);
  p->configured = true;
  g6_kite_config_defaults(&p->kcfg);
  p->refresh_min_interval = 60;
  static const char *const known[] = {
      "URL",          "APIKey",          "APIKeyFile",
      "AccessToken",  "AccessTokenFile", "Timeout",
      "InstrumentsTimeout", "ConnectTimeout", "Retries",
      "RetryBackoff", "RetryBackoffMax", "RetryJitter",
      "RetryBudget",  "QuoteRequestsPerSecond", "QuoteBurst",
      "OtherRequestsPerSecond", "RateLimitMaxWait", "BreakerFailures",
      "BreakerMinReset", "BreakerMaxReset", "CacheTTL",
      "MaxBodyBytes", "InstrumentsRefreshMinInterval", NULL};
  g6_kite_config *k = &p->kcfg;
  for (int i = 0; i < ci->children_num; i++) {
    oconfig_item_t *c = ci->children + i;
    int64_t iv;
    int rc = 0;
    if (strcasecmp(c->key, "URL") == 0)
      rc = g6_conf_string(c, false, &p->url, &e) ? config_error(&e) : 0;
    else if (strcasecmp(c->key, "APIKey") == 0)
      rc = g6_conf_string(c, false, &p->api_key, &e) ? config_error(&e) : 0;
    else if (strcasecmp(c->key, "APIKeyFile") == 0)
      rc = g6_conf_string(c, false, &p->api_key_file, &e) ? config_error(&e)
                                                           : 0;
    else if (strcasecmp(c->key, "AccessToken") == 0)
      rc = g6_conf_string(c, false, &p->token, &e) ? config_error(&e) : 0;
    else if (strcasecmp(c->key, "AccessTokenFile") == 0)
      rc = g6_conf_string(c, false, &p->token_file, &e) ? config_error(&e) : 0;
    else if (strcasecmp(c->key, "Timeout") == 0)
      rc = conf_secs(c, 0.05, 300, &k->timeout_s);
    else if (strcasecmp(c->key, "InstrumentsTimeout") == 0)
      rc = conf_secs(c, 0.05, 600, &k->instruments_timeout_s);
    else if (strcasecmp(c->key, "ConnectTimeout") == 0)
      rc = conf_secs(c, 0.05, 60, &k->connect_timeout_s);
    else if (strcasecmp(c->key, "Retries") == 0) {
      rc = g6_conf_int(c, 1, 10, &iv, &e) ? config_error(&e) : 0;
      k->retry_attempts = (unsigned)iv;
    } else if (strcasecmp(c->key, "RetryBackoff") == 0)
      rc = conf_secs(c, 0, 60, &k->backoff_base_s);
    else if (strcasecmp(c->key, "RetryBackoffMax") == 0)
      rc = conf_secs(c, 0, 300, &k->backoff_max_s);
    else if (strcasecmp(c->key, "RetryJitter") == 0)
      rc = conf_secs(c, 0, 60, &k->jitter_s);
    else if (strcasecmp(c->key, "RetryBudget") == 0)
      rc = conf_secs(c, 0, 600, &k->retry_budget_s);
    else if (strcasecmp(c->key, "QuoteRequestsPerSecond") == 0)
      rc = conf_secs(c, 0, 1000, &k->quote_rps);
    else if (strcasecmp(c->key, "QuoteBurst") == 0)
      rc = conf_secs(c, 1, 1000, &k->quote_burst);
    else if (strcasecmp(c->key, "OtherRequestsPerSecond") == 0)
      rc = conf_secs(c, 0, 1000, &k->other_rps);
    else if (strcasecmp(c->key, "RateLimitMaxWait") == 0)
      rc = conf_secs(c, 0, 600, &k->rate_max_wait_s);
    else if (strcasecmp(c->key, "BreakerFailures") == 0) {
      rc = g6_conf_int(c, 1, 1000, &iv, &e) ? config_error(&e) : 0;
      k->breaker_failures = (unsigned)iv;
    } else if (strcasecmp(c->key, "BreakerMinReset") == 0)
      rc = conf_secs(c, 0.1, 3600, &k->breaker_min_reset_s);
    else if (strcasecmp(c->key, "BreakerMaxReset") == 0)
      rc = conf_secs(c, 0.1, 86400, &k->breaker_max_reset_s);
    else if (strcasecmp(c->key, "CacheTTL") == 0)
      rc = conf_secs(c, 0, 60, &k->cache_ttl_s);
    else if (strcasecmp(c->key, "MaxBodyBytes") == 0) {
      rc = g6_conf_int(c, 4096, (int64_t)1 << 32, &iv, &e) ? config_error(&e)
                                                            : 0;
      k->max_body_quote = (size_t)iv;
    } else if (strcasecmp(c->key, "InstrumentsRefreshMinInterval") == 0)
      rc = conf_secs(c, 0, 86400, &p->refresh_min_interval);
    else {
      g6_conf_unknown(c, known, &e);
      rc = config_error(&e);
    }
    if (rc != 0)
      return rc;
  }
  if (p->url != NULL)
    k->base_url = p->url;
  k->api_key = p->api_key;
  k->api_key_file = p->api_key_file;
  k->access_token = p->token;
  k->access_token_file = p->token_file;
  if (k->api_key == NULL && k->api_key_file == NULL) {
    g6_error_set(&e, G6_EINVAL,
                 "<Provider \"kite\">: APIKey or APIKeyFile is required");
    return config_error(&e);
  }
  if (k->access_token == NULL && k->access_token_file == NULL) {
    g6_error_set(&e, G6_EINVAL,
                 "<Provider \"kite\">: AccessToken or AccessTokenFile is "
                 "required (g6 kite-token writes the file)");
    return config_error(&e);
  }
  return 0;
}

static int conf_index(oconfig_item_t *ci) {
  g6_error e;
  if (g.n_indices == MAX_INDICES) {
    g6_error_set(&e, G6_ERANGE, "at most %d <Index> blocks", MAX_INDICES);
    return config_error(&e);
  }
  chain_index *x = calloc(1, sizeof(*x));
  if (x == NULL)
    return -1;
  g.indices[g.n_indices++] = x;
  char *name = NULL;
  if (g6_conf_block_name(ci, &name, &e) != G6_OK)
    return config_error(&e);
  if (!valid_name(name)) {
    g6_error_set(&e, G6_EINVAL,
                 "<Index \"%s\">: the name must be 1-31 letters, digits, '_' "
                 "or '-' (it names directories and metric labels)",
                 name);
    free(name);
    return config_error(&e);
  }
  snprintf(x->ix.name, sizeof(x->ix.name), "%s", name);
  free(name);
  for (size_t i = 0; i + 1 < g.n_indices; i++) {
    if (strcmp(g.indices[i]->ix.name, x->ix.name) == 0) {
      g6_error_set(&e, G6_EINVAL, "<Index \"%s\"> is defined twice",
                   x->ix.name);
      return config_error(&e);
    }
  }
  /* defaults */
  x->ix.step = 0;
  x->ix.below = x->ix.above = 10;
  for (size_t i = 0; i < sizeof(known_indices) / sizeof(known_indices[0]);
       i++) {
    if (strcmp(known_indices[i].name, x->ix.name) == 0) {
      snprintf(x->ix.underlying, sizeof(x->ix.underlying), "%s",
               known_indices[i].underlying);
      snprintf(x->ix.segment, sizeof(x->ix.segment), "%s",
               known_indices[i].segment);
      x->ix.step = known_indices[i].step;
    }
  }
  if (x->ix.segment[0] == '\0')
    snprintf(x->ix.segment, sizeof(x->ix.segment), "NFO-OPT");
  static const char *const known[] = {
      "Underlying", "OptionSegment", "StrikeStep", "StrikesBelowATM",
      "StrikesAboveATM", "Expiry", "Interval", NULL};
  bool have_expiry = false;
  for (int i = 0; i < ci->children_num; i++) {
    oconfig_item_t *c = ci->children + i;
    char *s = NULL;
    int64_t iv;
    if (strcasecmp(c->key, "Underlying") == 0 ||
        strcasecmp(c->key, "OptionSegment") == 0) {
      bool und = strcasecmp(c->key, "Underlying") == 0;
      if (g6_conf_string(c, false, &s, &e) != G6_OK)
        return config_error(&e);
      size_t cap = und ? sizeof(x->ix.underlying) : sizeof(x->ix.segment);
      if (strlen(s) >= cap || (und && strchr(s, ':') == NULL)) {
        g6_error_set(&e, G6_EINVAL,
                     "<Index \"%s\">: option %s = \"%s\": %s", x->ix.name,
                     c->key, s,
                     und ? "expected EXCHANGE:SYMBOL (e.g. \"NSE:NIFTY 50\"), "
                           "at most 63 bytes"
                         : "expected a segment like NFO-OPT, at most 15 "
                           "bytes");
        free(s);
        return config_error(&e);
      }
      snprintf(und ? x->ix.underlying : x->ix.segment, cap, "%s", s);
      free(s);
    } else if (strcasecmp(c->key, "StrikeStep") == 0) {
      if (g6_conf_double(c, 0.01, 100000, &x->ix.step, &e) != G6_OK)
        return config_error(&e);
    } else if (strcasecmp(c->key, "StrikesBelowATM") == 0) {
      if (g6_conf_int(c, 0, G6_MAX_STRIKES_PER_SIDE, &iv, &e) != G6_OK)
        return config_error(&e);
      x->ix.below = (int)iv;
    } else if (strcasecmp(c->key, "StrikesAboveATM") == 0) {
      if (g6_conf_int(c, 0, G6_MAX_STRIKES_PER_SIDE, &iv, &e) != G6_OK)
        return config_error(&e);
      x->ix.above = (int)iv;
    } else if (strcasecmp(c->key, "Expiry") == 0) {
      char **list = NULL;
      size_t n = 0;
      if (g6_conf_strings(c, 1, G6_MAX_EXPIRIES, &list, &n, &e) != G6_OK)
        return config_error(&e);
      for (size_t k = 0; k < n; k++) {
        g6_expiry_spec sp;
        bool dup = false;
        if (g6_expiry_spec_parse(list[k], &sp) != G6_OK) {
          g6_error_set(&e, G6_EINVAL,
                       "<Index \"%s\">: option Expiry value \"%s\": unknown "
                       "rule; allowed: this_week, next_week, this_month, "
                       "next_month or a date YYYY-MM-DD",
                       x->ix.name, list[k]);
          g6_conf_strings_free(list);
          return config_error(&e);
        }
        for (size_t j = 0; j < k; j++)
          dup = dup || strcmp(list[j], list[k]) == 0;
        if (dup) {
          g6_error_set(&e, G6_EINVAL,
                       "<Index \"%s\">: option Expiry lists \"%s\" twice",
                       x->ix.name, list[k]);
          g6_conf_strings_free(list);
          return config_error(&e);
        }
        x->ix.expiries[k] = sp;
      }
      x->ix.n_expiries = n;
      have_expiry = true;
      g6_conf_strings_free(list);
    } else if (strcasecmp(c->key, "Interval") == 0) {
      if (g6_conf_double(c, 1, 86400, &x->interval, &e) != G6_OK)
        return config_error(&e);
    } else {
      g6_conf_unknown(c, known, &e);
      return config_error(&e);
    }
  }
  if (!have_expiry) {
    g6_expiry_spec_parse("this_week", &x->ix.expiries[0]);
    x->ix.n_expiries = 1;
  }
  if (x->ix.underlying[0] == '\0') {
    g6_error_set(&e, G6_EINVAL,
                 "<Index \"%s\">: option Underlying is required for an index "
                 "g6 does not know (known: NIFTY, BANKNIFTY, FINNIFTY, "
                 "MIDCPNIFTY, SENSEX)",
                 x->ix.name);
    return config_error(&e);
  }
  if (!(x->ix.step > 0)) {
    g6_error_set(&e, G6_EINVAL,
                 "<Index \"%s\">: option StrikeStep is required for an index "
                 "g6 does not know",
                 x->ix.name);
    return config_error(&e);
  }
  return 0;
}

static int g6_chain_config(oconfig_item_t *ci) {
  g6_error e;
  g6_conf_link_parents(ci); /* so messages name the enclosing blocks */
  g6_collector_config *cc = &g.cc;
  static const char *const known[] = {
      "DataDir",         "HolidaysFile",     "ForceOpen",
      "RiskFreeRate",    "DividendYield",    "IVMin",
      "IVMax",           "StrikeBand",       "StrikeCoverageOK",
      "FieldCoverageOK", "StaleFieldCoverage", "Fsync",
      "WriteCSV",        "WriteSnapshot",    "Provider",
      "Index",           NULL};
  for (int i = 0; i < ci->children_num; i++) {
    oconfig_item_t *c = ci->children + i;
    g6_status st = G6_OK;
    if (strcasecmp(c->key, "DataDir") == 0)
      st = g6_conf_string(c, false, &g.data_dir, &e);
    else if (strcasecmp(c->key, "HolidaysFile") == 0)
      st = g6_conf_string(c, false, &g.holidays_file, &e);
    else if (strcasecmp(c->key, "ForceOpen") == 0)
      st = g6_conf_bool(c, &cc->force_open, &e);
    else if (strcasecmp(c->key, "RiskFreeRate") == 0)
      st = g6_conf_double(c, -0.5, 1, &cc->r, &e);
    else if (strcasecmp(c->key, "DividendYield") == 0)
      st = g6_conf_double(c, -0.5, 1, &cc->q, &e);
    else if (strcasecmp(c->key, "IVMin") == 0)
      st = g6_conf_double(c, 0, 10, &cc->iv_min, &e);
    else if (strcasecmp(c->key, "IVMax") == 0)
      st = g6_conf_double(c, 0.001, 100, &cc->iv_max, &e);
    else if (strcasecmp(c->key, "StrikeBand") == 0)
      st = g6_conf_double(c, 0.01, 10, &cc->strike_band, &e);
    else if (strcasecmp(c->key, "StrikeCoverageOK") == 0)
      st = g6_conf_double(c, 0, 1, &cc->thresholds.strike_ok, &e);
    else if (strcasecmp(c->key, "FieldCoverageOK") == 0)
      st = g6_conf_double(c, 0, 1, &cc->thresholds.field_ok, &e);
    else if (strcasecmp(c->key, "StaleFieldCoverage") == 0)
      st = g6_conf_double(c, 0, 1, &cc->thresholds.stale_max, &e);
    else if (strcasecmp(c->key, "Fsync") == 0) {
      static const char *const pol[] = {"never", "cycle", "always"};
      int v = 1;
      st = g6_conf_enum(c, pol, 3, &v, &e);
      cc->fsync = (g6_fsync_policy)v;
    } else if (strcasecmp(c->key, "WriteCSV") == 0)
      st = g6_conf_bool(c, &cc->write_csv, &e);
    else if (strcasecmp(c->key, "WriteSnapshot") == 0)
      st = g6_conf_bool(c, &cc->write_snapshot, &e);
    else if (strcasecmp(c->key, "Provider") == 0) {
      if (conf_provider(c) != 0)
        return -1;
      continue;
    } else if (strcasecmp(c->key, "Index") == 0) {
      if (conf_index(c) != 0)
        return -1;
      continue;
    } else {
      g6_conf_unknown(c, known, &e);
      st = G6_EINVAL;
    }
    if (st != G6_OK)
      return config_error(&e);
  }
  if (!(cc->iv_max > cc->iv_min)) {
    g6_error_set(&e, G6_EINVAL,
                 "IVMin (%g) must be below IVMax (%g)", cc->iv_min,
                 cc->iv_max);
    return config_error(&e);
  }
  return 0;
}

/* ---- logging ------------------------------------------------------------ */

/* The client logs every failed request, which during an outage would be a
 * line per request and index. A message that repeats (digits ignored, so
 * attempt numbers and delays do not count) within a minute is suppressed;
 * the next one let through says how many were. */
#define LOG_SLOTS 64
static struct {
  pthread_mutex_t mu;
  struct {
    uint64_t key;
    cdtime_t at;
    unsigned suppressed;
  } slot[LOG_SLOTS];
} klog = {.mu = PTHREAD_MUTEX_INITIALIZER};

static uint64_t shape_of(int level, const char *msg) {
  uint64_t h = UINT64_C(1469598103934665603);
  h ^= (uint64_t)(unsigned)level;
  for (const char *p = msg; *p; p++) {
    if (*p >= '0' && *p <= '9')
      continue;
    h ^= (uint64_t)(unsigned char)*p;
    h *= UINT64_C(1099511628211);
  }
  return h;
}

static void kite_log(void *ctx, int level, const char *msg) {
  (void)ctx;
  uint64_t key = shape_of(level, msg);
  cdtime_t now = cdtime();
  unsigned suppressed = 0;
  bool show = true;
  pthread_mutex_lock(&klog.mu);
  size_t i = key % LOG_SLOTS;
  if (klog.slot[i].key == key && now - klog.slot[i].at < TIME_T_TO_CDTIME_T(60)) {
    klog.slot[i].suppressed++;
    show = false;
  } else {
    suppressed = klog.slot[i].key == key ? klog.slot[i].suppressed : 0;
    klog.slot[i].key = key;
    klog.slot[i].at = now;
    klog.slot[i].suppressed = 0;
  }
  pthread_mutex_unlock(&klog.mu);
  if (!show)
    return;
  if (suppressed > 0)
    plugin_log(level, PLUGIN ": %s (%u similar messages in the last minute "
                      "not logged)",
               msg, suppressed);
  else
    plugin_log(level, PLUGIN ": %s", msg);
}

/* Logs a cycle failure when it starts, when its kind changes, and every ten
 * minutes while it lasts; logs the recovery. */
/* Whether a failure with status `st` is to be logged now (it started, its
 * kind changed, or ten minutes passed); records the state. G6_OK resets it
 * and returns whether the failure just ended. */
static bool throttle_log(struct throttle *t, g6_status st) {
  cdtime_t now = cdtime();
  bool log;
  if (st == G6_OK)
    log = t->last != G6_OK;
  else
    log = st != t->last || now - t->logged > TIME_T_TO_CDTIME_T(600);
  if (log && st != G6_OK)
    t->logged = now;
  t->last = st;
  return log;
}

static void log_cycle(chain_index *x, const g6_cycle_result *r) {
  if (!throttle_log(&x->cycle_log, r->error))
    return;
  if (r->error == G6_OK)
    INFO(PLUGIN ": %s: collecting again (%zu strikes, status %s)", x->ix.name,
         r->n_strikes, g6_chain_status_name(r->status));
  else
    WARNING(PLUGIN ": %s: %s%s (%s)", x->ix.name,
            r->success ? "" : "nothing collected: ", r->error_msg,
            g6_status_name(r->error));
}

static void log_storage(chain_index *x, const g6_cycle_result *r) {
  if (throttle_log(&x->csv_log, r->csv_status)) {
    if (r->csv_status != G6_OK)
      ERROR(PLUGIN ": %s: CSV: %s", x->ix.name, r->csv_msg);
    else
      INFO(PLUGIN ": %s: CSV: writing again", x->ix.name);
  }
  if (r->attempted && throttle_log(&x->snapshot_log, r->snapshot_status) &&
      r->snapshot_status != G6_OK)
    ERROR(PLUGIN ": %s: snapshot: %s", x->ix.name, r->snapshot_msg);
}

/* Logs when a rule starts resolving to another date (an expiry passed or
 * vanished from the instrument list). */
static void log_expiries(chain_index *x, const g6_cycle_result *r) {
  for (size_t e = 0; e < r->n_expiries && e < G6_MAX_EXPIRIES; e++) {
    const g6_expiry_result *xr = &r->expiries[e];
    if (!xr->resolved)
      continue;
    g6_date *prev = &x->resolved[e];
    if (prev->year != 0 && (prev->year != xr->date.year ||
                            prev->month != xr->date.month ||
                            prev->day != xr->date.day)) {
      char a[11], b[11];
      g6_date_format(*prev, a);
      g6_date_format(xr->date, b);
      INFO(PLUGIN ": %s: %s now resolves to %s (was %s)", x->ix.name, xr->tag,
           b, a);
    }
    *prev = xr->date;
  }
}

/* ---- metrics ------------------------------------------------------------ */

/* Expiry label of a result: its tag, or the date of a date-pinned rule. */
static const char *expiry_label(const g6_expiry_result *x, char buf[11]) {
  if (x->spec.rule == G6_EXPIRY_DATE) {
    g6_date_format(x->spec.date, buf);
    return buf;
  }
  return x->tag;
}

static void index_metrics(chain_index *x, const g6_cycle_result *r) {
  g6_metrics *m = g.metrics;
  const char *ix = x->ix.name;
  g6m_index_market_open_set(m, ix, r->market_open ? 1 : 0);
  g6m_cycle_duration_observe(m, ix, r->duration_s);
  if (r->attempted) {
    g6m_index_spot_set(m, ix, isfinite(r->spot) ? r->spot : NAN);
    g6m_index_atm_set(m, ix, isfinite(r->atm) ? r->atm : NAN);
  }
  if (r->success)
    g6m_last_success_set(m, ix, (double)r->now);
  size_t rejects[G6_REJECT_REASON_COUNT] = {0};
  size_t ivf[G6_STATUS_COUNT] = {0};
  for (size_t e = 0; e < r->n_expiries; e++) {
    const g6_expiry_result *xr = &r->expiries[e];
    char buf[11];
    const char *ex = expiry_label(xr, buf);
    g6m_chain_status_set(m, ix, ex, (double)xr->status);
    if (!r->attempted)
      continue;
    g6m_legs_requested_set(m, ix, ex, (double)xr->legs_requested);
    g6m_legs_collected_set(m, ix, ex, (double)xr->legs_collected);
    g6m_strike_coverage_set(m, ix, ex, xr->strike_coverage);
    g6m_field_coverage_set(m, ix, ex, xr->field_coverage);
    g6m_put_call_ratio_set(m, ix, ex, isfinite(xr->pcr_oi) ? xr->pcr_oi : 0);
    g6m_iv_solves_add(m, ix, ex, (int64_t)xr->iv_ok);
    for (int k = 1; k < G6_REJECT_REASON_COUNT; k++)
      rejects[k] += xr->rejects[k];
    for (int k = 0; k < G6_STATUS_COUNT; k++)
      ivf[k] += xr->iv_failures[k];
  }
  for (int k = 1; k < G6_REJECT_REASON_COUNT; k++)
    if (rejects[k] > 0)
      g6m_rejected_legs_add(m, ix, g6_reject_reason_name((g6_reject_reason)k),
                            (int64_t)rejects[k]);
  for (int k = 1; k < G6_STATUS_COUNT; k++)
    if (ivf[k] > 0)
      g6m_iv_failures_add(m, ix, g6_status_name((g6_status)k), (int64_t)ivf[k]);
  /* CSV counters: the sink's cumulative counters per file family */
  const g6_csv_family_stats *fam;
  size_t nf = g6_collector_csv_families(x->col, &fam);
  for (size_t f = 0; f < nf; f++) {
    g6_csv_family_stats *prev = NULL;
    for (size_t k = 0; k < x->n_csv_prev; k++)
      if (strcmp(x->csv_prev[k].name, fam[f].name) == 0)
        prev = &x->csv_prev[k];
    if (prev == NULL && x->n_csv_prev < G6_CSV_MAX_FAMILIES) {
      prev = &x->csv_prev[x->n_csv_prev++];
      memset(prev, 0, sizeof(*prev));
      snprintf(prev->name, sizeof(prev->name), "%s", fam[f].name);
    }
    if (prev == NULL)
      continue;
    g6m_csv_rows_add(m, ix, fam[f].name,
                     (int64_t)(fam[f].st.rows_written - prev->st.rows_written));
    g6m_csv_bytes_add(
        m, ix, fam[f].name,
        (int64_t)(fam[f].st.bytes_written - prev->st.bytes_written));
    for (int k = 1; k < G6_STATUS_COUNT; k++)
      if (fam[f].failures[k] > prev->failures[k])
        g6m_csv_write_failures_add(
            m, ix, g6_status_name((g6_status)k),
            (int64_t)(fam[f].failures[k] - prev->failures[k]));
    *prev = fam[f];
  }
}

/* Adds a histogram's increments since `prev` (cumulative snapshots). */
static void merge_hist(const g6_metric_def *def, const char *epn,
                       const g6_kite_hist *cur, const g6_kite_hist *prev,
                       const double *bounds, size_t nb) {
  uint64_t counts[16];
  uint64_t below = 0;
  for (size_t i = 0; i <= nb && i < 16; i++) {
    uint64_t cum = cur->bucket[i] - prev->bucket[i];
    counts[i] = cum - below;
    below = cum;
  }
  if (below == 0)
    return;
  g6_metrics_histogram_add(g.metrics, def, epn, bounds, nb, counts,
                           (double)(cur->sum_us - prev->sum_us) / 1e6);
}

/* Adds the client's counter increments since the last call; sets gauges. */
static void provider_metrics(chain_provider *p) {
  g6_metrics *m = g.metrics;
  g6_kite_stats s;
  g6_kite_stats_snapshot(p->client, &s);
  for (int ep = 0; ep < G6_KITE_EP_COUNT; ep++) {
    const char *epn = g6_kite_endpoint_name((g6_kite_endpoint)ep);
    for (int r = 0; r < G6_KITE_R_COUNT; r++) {
      uint64_t d = s.requests[ep][r] - p->prev.requests[ep][r];
      /* "internal" (out of memory) is not the provider's doing */
      if (d > 0 && r != G6_KITE_R_INTERNAL)
        g6m_api_calls_add(m, epn, g6_kite_result_name((g6_kite_result)r),
                          (int64_t)d);
      uint64_t rd = s.retries_by[ep][r] - p->prev.retries_by[ep][r];
      if (rd > 0)
        g6m_api_retries_add(m, epn, g6_kite_result_name((g6_kite_result)r),
                            (int64_t)rd);
    }
    if (s.bytes_received[ep] > p->prev.bytes_received[ep])
      g6m_api_received_bytes_add(
          m, epn,
          (int64_t)(s.bytes_received[ep] - p->prev.bytes_received[ep]));
    merge_hist(&g6m_def_api_latency, epn, &s.latency[ep],
               &p->prev.latency[ep], g6_kite_latency_bounds,
               G6_KITE_LATENCY_NB);
    merge_hist(&g6m_def_api_ratelimit_wait, epn, &s.ratelimit_wait[ep],
               &p->prev.ratelimit_wait[ep], g6_kite_wait_bounds,
               G6_KITE_WAIT_NB);
  }
  /* the spec encodes 0 closed, 1 half-open, 2 open */
  double state = s.breaker_state == G6_BREAKER_OPEN        ? 2
                 : s.breaker_state == G6_BREAKER_HALF_OPEN ? 1
                                                           : 0;
  g6m_api_circuit_state_set(m, state);
  g6m_api_circuit_trips_add(m, (int64_t)(s.breaker_trips - p->prev.breaker_trips));
  g6m_api_cache_operations_add(m, "quote", "hit",
                               (int64_t)(s.cache_hits - p->prev.cache_hits));
  g6m_api_cache_operations_add(
      m, "quote", "miss", (int64_t)(s.cache_misses - p->prev.cache_misses));
  g6m_api_cache_operations_add(
      m, "quote", "store", (int64_t)(s.cache_stores - p->prev.cache_stores));
  g6m_api_cache_operations_add(
      m, "quote", "evict",
      (int64_t)(s.cache_expirations - p->prev.cache_expirations));
  g6m_api_cache_hit_ratio_set(m, "quote", s.cache_hit_ratio);
  g6m_api_auth_latch_set(m, s.auth_latched);
  p->prev = s;
}

/* ---- callbacks ---------------------------------------------------------- */

static int g6_chain_read_index(user_data_t *ud) {
  chain_index *x = ud->data;
  g6_cycle_result r;
  double now = CDTIME_T_TO_DOUBLE(cdtime());
  g6_collector_cycle(x->col, now, &r);
  log_cycle(x, &r);
  log_expiries(x, &r);
  log_storage(x, &r);
  index_metrics(x, &r);
  return 0;
}

static int g6_chain_read_metrics(user_data_t *ud) {
  (void)ud;
  chain_provider *p = &g.prov;
  /* new credentials on disk clear an auth latch (g6 kite-token) */
  if (g6_kite_auth_latched(p->client)) {
    bool changed = false;
    g6_error e;
    if (g6_kite_reload_credentials(p->client, &changed, &e) != G6_OK)
      WARNING(PLUGIN ": <Provider \"kite\">: %s", e.msg);
    else if (changed)
      INFO(PLUGIN ": <Provider \"kite\">: credentials changed, retrying");
  }
  provider_metrics(p);
  g6_metrics_flush(g.metrics);
  return 0;
}

static bool has_tag(const chain_index *x, const char *tag) {
  for (size_t k = 0; k < x->ix.n_expiries; k++) {
    const g6_expiry_spec *sp = &x->ix.expiries[k];
    if (sp->rule != G6_EXPIRY_DATE && strcmp(g6_expiry_tags[sp->rule], tag) == 0)
      return true;
  }
  return false;
}

/* Warm start admits every tag of the spec's expiry domain for every index;
 * an index only has the tags it is configured with. Their status starts
 * EMPTY (nothing collected yet), not 0 = OK. */
static void warm_configured_tags(const chain_index *x) {
  for (size_t d = 0; d < g6m_catalog_len; d++) {
    const g6_metric_def *def = g6m_catalog[d];
    if (strcmp(def->owner, PLUGIN) != 0 || def->ti == NULL ||
        (strcmp(def->ti->name, "expiry") != 0 &&
         strcmp(def->ti->name, "csv_file") != 0))
      continue;
    for (size_t v = 0; v < def->ti->n_values; v++) {
      const char *tag = def->ti->values[v];
      if (g6_expiry_tag_index(tag) >= 0 && !has_tag(x, tag))
        g6_metrics_forget(g.metrics, def, x->ix.name, tag);
    }
  }
  for (size_t k = 0; k < x->ix.n_expiries; k++) {
    const g6_expiry_spec *sp = &x->ix.expiries[k];
    if (sp->rule != G6_EXPIRY_DATE)
      g6m_chain_status_set(g.metrics, x->ix.name, g6_expiry_tags[sp->rule],
                           G6_CHAIN_EMPTY);
  }
}

/* Everything that can fail before collection starts. */
static int setup(void) {
  g6_error e;
  if (g.config_failed) {
    ERROR(PLUGIN ": not starting: the configuration has errors (above)");
    return -1;
  }
  if (g.n_indices == 0) {
    ERROR(PLUGIN ": no <Index> block configured; nothing to collect");
    return -1;
  }
  if (!g.prov.configured) {
    ERROR(PLUGIN ": no <Provider \"kite\"> block configured");
    return -1;
  }
  if (g.data_dir == NULL && (g.data_dir = strdup("/var/lib/g6")) == NULL)
    return -1;
  if (g6_mkdir_p(g.data_dir, 0755, &e) != G6_OK) {
    ERROR(PLUGIN ": DataDir: %s", e.msg);
    return -1;
  }
  if (g.holidays_file != NULL &&
      g6_calendar_load(&g.holidays, g.holidays_file, &e) != G6_OK) {
    ERROR(PLUGIN ": HolidaysFile: %s", e.msg);
    return -1;
  }
  g.cc.data_dir = g.data_dir;
  g.cc.holidays = &g.holidays;
  chain_provider *p = &g.prov;
  p->kcfg.log = kite_log;
  p->kcfg.log_ctx = p;
  if (g6_kite_client_new(&p->kcfg, &p->client, &e) != G6_OK) {
    ERROR(PLUGIN ": <Provider \"kite\">: %s", e.msg);
    return -1;
  }
  g6_kite_provider_opts o = {p->refresh_min_interval};
  if ((p->kp = g6_kite_provider_new(p->client, &o)) == NULL)
    return -1;
  if ((g.metrics = g6_collectd_metrics_new(PLUGIN)) == NULL) {
    ERROR(PLUGIN ": cannot create the metric runtime");
    return -1;
  }
  const char *names[MAX_INDICES];
  for (size_t i = 0; i < g.n_indices; i++) {
    chain_index *x = g.indices[i];
    names[i] = x->ix.name;
    x->col = g6_collector_new(&x->ix, &g.cc, g6_kite_provider_iface(p->kp));
    if (x->col == NULL)
      return -1;
  }
  /* every series from the first cycle on, so no panel is empty */
  g6m_warm_g6_chain(g.metrics, names, g.n_indices);
  for (size_t i = 0; i < g.n_indices; i++)
    warm_configured_tags(g.indices[i]);
  for (size_t i = 0; i < g.n_indices; i++) {
    chain_index *x = g.indices[i];
    char name[64];
    snprintf(name, sizeof(name), PLUGIN "/%s", x->ix.name);
    user_data_t ud = {.data = x};
    if (plugin_register_complex_read(PLUGIN, name, g6_chain_read_index,
                                     DOUBLE_TO_CDTIME_T(x->interval), &ud) != 0)
      return -1;
  }
  user_data_t ud = {.data = NULL};
  if (plugin_register_complex_read(PLUGIN, PLUGIN "/metrics",
                                   g6_chain_read_metrics, 0, &ud) != 0)
    return -1;
  INFO(PLUGIN ": collecting %zu index(es) into %s%s", g.n_indices, g.data_dir,
       g.cc.force_open ? " (ForceOpen: ignoring market hours)" : "");
  return 0;
}

static int g6_chain_init(void) {
  if (setup() != 0) {
    plugin_unregister_read_group(PLUGIN);
    return -1;
  }
  return 0;
}

static int g6_chain_shutdown(void) {
  chain_provider *p = &g.prov;
  if (p->client != NULL)
    g6_kite_client_cancel(p->client);
  for (size_t i = 0; i < g.n_indices; i++) {
    g6_collector_free(g.indices[i]->col);
    free(g.indices[i]);
  }
  g.n_indices = 0;
  g6_kite_provider_free(p->kp);
  g6_kite_client_free(p->client);
  free(p->url);
  free(p->api_key);
  free(p->api_key_file);
  free(p->token);
  free(p->token_file);
  memset(p, 0, sizeof(*p));
  g6_metrics_free(g.metrics);
  g.metrics = NULL;
  g6_calendar_free(&g.holidays);
  free(g.data_dir);
  free(g.holidays_file);
  g.data_dir = g.holidays_file = NULL;
  return 0;
}

void module_register(void) {
  g6_collector_config d = {.data_dir = NULL,
                           .holidays = NULL,
                           .force_open = false,
                           .r = 0.065,
                           .q = 0.0,
                           .iv_min = 0.0,
                           .iv_max = 5.0,
                           .strike_band = 0.4,
                           .thresholds = G6_STATUS_THRESHOLDS_DEFAULT,
                           .fsync = G6_FSYNC_CYCLE,
                           .write_csv = true,
                           .write_snapshot = true};
  g.cc = d;
  plugin_register_complex_config(PLUGIN, g6_chain_config);
  plugin_register_init(PLUGIN, g6_chain_init);
  plugin_register_shutdown(PLUGIN, g6_chain_shutdown);
}
