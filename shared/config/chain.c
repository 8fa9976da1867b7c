/* g6_chain's option tables (see config/chain.h). The help texts are the
 * README's configuration reference: tests/integration/options_readme.t fails
 * when the two disagree. */
#include "config/chain.h"

#include "core/conf.h"
#include "core/url.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- <Provider "kite"> ---------------------------------------------------- */

#define P(member) G6_OPT_FIELD(g6_chain_provider_config, member)

static g6_status provider_finish(void *target, const oconfig_item_t *ci,
                                 g6_error *err) {
  g6_chain_provider_config *p = target;
  /* what ties two options together, named as the operator wrote them */
  const char *problem = p->url != NULL ? g6_url_problem(p->url, true) : NULL;
  if (problem != NULL) {
    char shown[512], where[256]; /* never a password written in it */
    g6_url_redact(p->url, shown, sizeof(shown));
    const oconfig_item_t *opt = NULL; /* the URL line (the last one wins) */
    for (int i = 0; ci != NULL && i < ci->children_num; i++)
      if (ci->children[i].key && strcasecmp(ci->children[i].key, "URL") == 0)
        opt = &ci->children[i];
    g6_conf_where(opt, where, sizeof(where));
    return g6_error_set(err, G6_EINVAL,
                        "%s%soption URL = \"%s\": %s; allowed: %s", where,
                        where[0] ? ": " : "", shown, problem,
                        G6_KITE_URL_ALLOWED);
  }
  if (p->kite.breaker_max_reset_s < p->kite.breaker_min_reset_s)
    return g6_error_set(err, G6_EINVAL,
                        "BreakerMaxReset (%g) must be at least BreakerMinReset "
                        "(%g)",
                        p->kite.breaker_max_reset_s,
                        p->kite.breaker_min_reset_s);
  /* wait = min(RetryBackoffMax, RetryBackoff x 2^(n-1)): below the first
   * wait, RetryBackoff would never be what the operator asked for */
  if (p->kite.backoff_max_s < p->kite.backoff_base_s)
    return g6_error_set(err, G6_EINVAL,
                        "RetryBackoffMax (%g) must be at least RetryBackoff "
                        "(%g): it caps every retry wait, the first included",
                        p->kite.backoff_max_s, p->kite.backoff_base_s);
  if (p->url != NULL)
    p->kite.base_url = p->url;
  p->kite.api_key = p->api_key;
  p->kite.api_key_file = p->api_key_file;
  p->kite.access_token = p->access_token;
  p->kite.access_token_file = p->access_token_file;
  return G6_OK;
}

static const g6_option provider_opts[] = {
    {.name = "URL", P(url), .type = G6_OPT_STRING,
     .def_doc = "`https://api.kite.trade`",
     .allowed_doc = "http(s) URL with a host, no query or fragment",
     .help = "base URL of the Kite Connect API (g6-mockd's in tests); "
             "plain `http://` to another machine than loopback is warned "
             "about at start-up: the API key and access token would cross "
             "the network unencrypted"},
    {.name = "APIKeyFile", P(api_key_file), .type = G6_OPT_STRING,
     .allowed_doc = "path", .group = "APIKey or APIKeyFile",
     .help = "file holding the API key as one word; refused when group or "
             "other may read it (`chmod 600`), or when it holds more than "
             "one word or a control character"},
    {.name = "APIKey", P(api_key), .type = G6_OPT_STRING,
     .flags = G6_OPT_SECRET, .group = "APIKey or APIKeyFile",
     .help = "the API key inline (the file wins when both are given); never "
             "logged"},
    {.name = "AccessTokenFile", P(access_token_file), .type = G6_OPT_STRING,
     .allowed_doc = "path", .group = "AccessToken or AccessTokenFile",
     .help = "the day's access token, written by `g6 kite-token`; a changed "
             "file clears an auth failure"},
    {.name = "AccessToken", P(access_token), .type = G6_OPT_STRING,
     .flags = G6_OPT_SECRET, .group = "AccessToken or AccessTokenFile",
     .help = "the access token inline; never logged"},
    {.name = "Timeout", P(kite.timeout_s), .type = G6_OPT_DOUBLE, .min = 0.05,
     .max = 300, .unit = "s", .def = "4",
     .help = "per /quote and /quote/ltp request"},
    {.name = "InstrumentsTimeout", P(kite.instruments_timeout_s),
     .type = G6_OPT_DOUBLE, .min = 0.05, .max = 600, .unit = "s", .def = "30",
     .help = "the instrument list download"},
    {.name = "ConnectTimeout", P(kite.connect_timeout_s), .type = G6_OPT_DOUBLE,
     .min = 0.05, .max = 60, .unit = "s", .def = "3",
     .help = "TCP and TLS connect"},
    {.name = "Retries", P(kite.retry_attempts), .type = G6_OPT_INT, .min = 1,
     .max = 10, .def = "3",
     .help = "attempts per call; timeouts, connection errors, truncated "
             "bodies, 429, 5xx, a proxy's 408 (whatever their body) and "
             "Kite's `NetworkException` with any HTTP status (\"200 OK\" "
             "included) are retried; auth, other 4xx and Kite's other error "
             "types below 500 are not; a 5xx or 408 with `Retry-After` is "
             "not asked again before then (nor at all when then is past "
             "`RetryBudget`)"},
    {.name = "RetryBackoff", P(kite.backoff_base_s), .type = G6_OPT_DOUBLE,
     .min = 0, .max = 60, .unit = "s", .def = "0.2",
     .help = "first retry wait; wait = min(RetryBackoffMax, RetryBackoff × "
             "2^(n−1)) + uniform(0, RetryJitter)"},
    {.name = "RetryBackoffMax", P(kite.backoff_max_s), .type = G6_OPT_DOUBLE,
     .min = 0, .max = 300, .unit = "s", .def = "2.5",
     .help = "longest retry wait; at least RetryBackoff"},
    {.name = "RetryJitter", P(kite.jitter_s), .type = G6_OPT_DOUBLE, .min = 0,
     .max = 60, .unit = "s", .def = "0.2",
     .help = "random extra wait per retry"},
    {.name = "RetryBudget", P(kite.retry_budget_s), .type = G6_OPT_DOUBLE,
     .min = 0, .max = 600, .unit = "s", .def = "8",
     .help = "no retry that would end later than this after the first "
             "attempt"},
    {.name = "QuoteRequestsPerSecond", P(kite.quote_rps),
     .type = G6_OPT_DOUBLE, .min = 0, .max = 1000, .def = "1",
     .help = "token bucket shared by every index for /quote and /quote/ltp "
             "(Kite allows about 1/s); 0 = unlimited"},
    {.name = "QuoteBurst", P(kite.quote_burst), .type = G6_OPT_DOUBLE,
     .min = 1, .max = 1000, .def = "1",
     .help = "requests the quote bucket holds"},
    {.name = "OtherRequestsPerSecond", P(kite.other_rps),
     .type = G6_OPT_DOUBLE, .min = 0, .max = 1000, .def = "3",
     .help = "the same for /instruments and /session; 0 = unlimited"},
    {.name = "RateLimitMaxWait", P(kite.rate_max_wait_s),
     .type = G6_OPT_DOUBLE, .min = 0, .max = 600, .unit = "s", .def = "20",
     .help = "a call that would wait longer for the rate limiter fails as "
             "`ratelimited` instead"},
    {.name = "BreakerFailures", P(kite.breaker_failures), .type = G6_OPT_INT,
     .min = 1, .max = 1000, .def = "5",
     .help = "consecutive failures that open the circuit breaker"},
    {.name = "BreakerMinReset", P(kite.breaker_min_reset_s),
     .type = G6_OPT_DOUBLE, .min = 0.1, .max = 3600, .unit = "s", .def = "10",
     .help = "open time before one probe (half-open); doubles with repeated "
             "trips"},
    {.name = "BreakerMaxReset", P(kite.breaker_max_reset_s),
     .type = G6_OPT_DOUBLE, .min = 0.1, .max = 86400, .unit = "s",
     .def = "300", .help = "longest open time; also the longest pause a "
                           "`Retry-After` gets (a longer one is cut to this, "
                           "with a warning)"},
    {.name = "CacheTTL", P(kite.cache_ttl_s), .type = G6_OPT_DOUBLE, .min = 0,
     .max = 60, .unit = "s", .def = "1",
     .help = "short quote cache shared by the indices; 0 disables it"},
    {.name = "MaxBodyBytes", P(kite.max_body_quote), .type = G6_OPT_INT,
     .min = 4096, .max = 4294967296.0, .def = "8388608",
     .def_doc = "`8388608` (8 MiB)",
     .help = "largest /quote body accepted"},
    {.name = "InstrumentsRefreshMinInterval", P(refresh_min_interval),
     .type = G6_OPT_DOUBLE, .min = 0, .max = 86400, .unit = "s", .def = "60",
     .help = "least time between instrument-list downloads asked for by a "
             "vanished expiry or an unlisted index (the list is also "
             "refreshed when the trading day changes)"},
};

const g6_option_table g6_chain_provider_options = {
    .block = "Provider",
    .arg = "\"kite\"",
    .help = "Exactly one: the market data provider, shared by every index "
            "(rate limiter, circuit breaker, quote cache, instrument list).",
    .options = provider_opts,
    .n = sizeof(provider_opts) / sizeof(provider_opts[0]),
    .finish = provider_finish,
};

/* ---- <Index "NAME"> -------------------------------------------------------- */

#define I(member) G6_OPT_FIELD(g6_chain_index_config, member)

static const char *check_underlying(const void *value) {
  const char *s = *(const char *const *)value;
  return strchr(s, ':') == NULL ? "expected EXCHANGE:SYMBOL" : NULL;
}

static const char *check_vix(const void *value) {
  const char *s = *(const char *const *)value;
  return s[0] != '\0' && strchr(s, ':') == NULL
             ? "expected EXCHANGE:SYMBOL, or \"\" for none"
             : NULL;
}

static g6_status set_expiry(void *target, const oconfig_item_t *ci,
                            g6_error *err) {
  g6_index_config *ix = &((g6_chain_index_config *)target)->ix;
  char **list = NULL;
  size_t n = 0;
  g6_status st = g6_conf_strings(ci, 1, G6_MAX_EXPIRIES, &list, &n, err);
  if (st != G6_OK)
    return st;
  char where[256];
  g6_conf_where(ci, where, sizeof(where));
  for (size_t k = 0; k < n && st == G6_OK; k++) {
    g6_expiry_spec sp;
    if (g6_expiry_spec_parse(list[k], &sp) != G6_OK) {
      /* a date's shape with a day that does not exist is no unknown rule */
      unsigned y, m, dd;
      char tail;
      bool date_shaped = sscanf(list[k], "%4u-%2u-%2u%c", &y, &m, &dd,
                                &tail) == 3 &&
                         strlen(list[k]) == 10;
      st = g6_error_set(err, G6_EINVAL,
                        "%s: option Expiry value \"%s\": %s; allowed: "
                        "this_week, next_week, this_month, next_month or a "
                        "date YYYY-MM-DD",
                        where, list[k],
                        date_shaped ? "no such date" : "unknown rule");
      break;
    }
    for (size_t j = 0; j < k; j++)
      if (strcmp(list[j], list[k]) == 0)
        st = g6_error_set(err, G6_EINVAL,
                          "%s: option Expiry lists \"%s\" twice", where,
                          list[k]);
    ix->expiries[k] = sp;
  }
  if (st == G6_OK)
    ix->n_expiries = n;
  g6_conf_strings_free(list);
  return st;
}

/* Defaults of the indices g6 knows, by the block's name. */
static g6_status index_prepare(void *target, const oconfig_item_t *ci,
                               g6_error *err) {
  (void)ci;
  (void)err;
  g6_index_config *ix = &((g6_chain_index_config *)target)->ix;
  if (!g6_index_known_defaults(ix))
    snprintf(ix->segment, sizeof(ix->segment), "NFO-OPT");
  return G6_OK;
}

static const char *check_exchange(const void *value) {
  const char *s = *(const char *const *)value;
  if (s[0] == '\0')
    return "expected an exchange name";
  for (; *s; s++)
    if (!isalnum((unsigned char)*s))
      return "expected letters and digits only (it names the calendar file)";
  return NULL;
}

static g6_status index_finish(void *target, const oconfig_item_t *ci,
                              g6_error *err) {
  (void)ci;
  g6_chain_index_config *x = target;
  g6_index_config *ix = &x->ix;
  if (x->exchange[0] == '\0') {
    /* NSE lists its derivatives in NFO, BSE in BFO */
    if (strncmp(ix->segment, "NFO", 3) == 0)
      snprintf(x->exchange, sizeof(x->exchange), "NSE");
    else if (strncmp(ix->segment, "BFO", 3) == 0)
      snprintf(x->exchange, sizeof(x->exchange), "BSE");
    else
      return g6_error_set(err, G6_EINVAL,
                          "<Index \"%s\">: option Exchange is required: "
                          "OptionSegment \"%s\" does not name the exchange "
                          "(NFO-* is NSE, BFO-* is BSE)",
                          ix->name, ix->segment);
  }
  if (ix->underlying[0] == '\0') {
    const char *meant = g6_index_known_other_case(ix->name);
    if (meant != NULL)
      return g6_error_set(err, G6_EINVAL,
                          "<Index \"%s\">: not an index g6 knows; names are "
                          "case-sensitive (Kite's instrument name): did you "
                          "mean <Index \"%s\">? (or give Underlying and "
                          "StrikeStep for an index of that name)",
                          ix->name, meant);
    return g6_error_set(err, G6_EINVAL,
                        "<Index \"%s\">: option Underlying is required for an "
                        "index g6 does not know (known: NIFTY, BANKNIFTY, "
                        "FINNIFTY, MIDCPNIFTY, SENSEX)",
                        ix->name);
  }
  if (!(ix->step > 0))
    return g6_error_set(err, G6_EINVAL,
                        "<Index \"%s\">: option StrikeStep is required for an "
                        "index g6 does not know",
                        ix->name);
  return G6_OK;
}

static const g6_option index_opts[] = {
    {.name = "Underlying", I(ix.underlying), .type = G6_OPT_STRING,
     .flags = G6_OPT_INLINE, .check = check_underlying,
     .def_doc = "known for NIFTY (`NSE:NIFTY 50`), BANKNIFTY (`NSE:NIFTY "
                "BANK`), FINNIFTY (`NSE:NIFTY FIN SERVICE`), MIDCPNIFTY "
                "(`NSE:NIFTY MIDCAP SELECT`), SENSEX (`BSE:SENSEX`)",
     .allowed_doc = "`EXCH:SYMBOL`, at most 63 bytes",
     .help = "the index quote; required for other indices"},
    {.name = "OptionSegment", I(ix.segment), .type = G6_OPT_STRING,
     .flags = G6_OPT_INLINE,
     .def_doc = "`NFO-OPT` (`BFO-OPT` for SENSEX)",
     .allowed_doc = "segment, at most 15 bytes",
     .help = "where its options are listed"},
    {.name = "StrikeStep", I(ix.step), .type = G6_OPT_DOUBLE, .min = 0.01,
     .max = 100000, .def_doc = "50 (100 for BANKNIFTY, SENSEX)",
     .help = "strike spacing; ATM = spot rounded to it, ties to even; "
             "required for other indices"},
    {.name = "StrikesBelowATM", I(ix.below), .type = G6_OPT_INT, .min = 0,
     .max = G6_MAX_STRIKES_PER_SIDE, .def = "10",
     .help = "strikes below the ATM in the ladder, honoured exactly"},
    {.name = "StrikesAboveATM", I(ix.above), .type = G6_OPT_INT, .min = 0,
     .max = G6_MAX_STRIKES_PER_SIDE, .def = "10",
     .help = "strikes above the ATM in the ladder, honoured exactly"},
    {.name = "Expiry", .type = G6_OPT_CUSTOM, .set = set_expiry,
     .def = "\"this_week\"",
     .allowed_doc = "1–8 of `this_week`, `next_week`, `this_month`, "
                    "`next_month`, `YYYY-MM-DD`",
     .help = "expiry rules resolved against the listed expiries (see "
             "below)"},
    {.name = "Interval", I(interval), .type = G6_OPT_DOUBLE, .min = 1,
     .max = 86400, .unit = "s", .def_doc = "the plugin's",
     .help = "cycle period of this index"},
    {.name = "Exchange", I(exchange), .type = G6_OPT_STRING,
     .flags = G6_OPT_INLINE, .check = check_exchange,
     .def_doc = "from OptionSegment: `NSE` for `NFO-…`, `BSE` for `BFO-…`",
     .allowed_doc = "letters and digits, at most 15",
     .help = "whose trading calendar gates this index "
             "(`<CalendarDir>/<Exchange>.txt`)"},
    {.name = "VolatilityIndex", I(ix.vix), .type = G6_OPT_STRING,
     .flags = G6_OPT_INLINE | G6_OPT_EMPTY_OK, .check = check_vix,
     .def = "\"NSE:INDIA VIX\"",
     .allowed_doc = "`EXCH:SYMBOL`, at most 63 bytes, or `\"\"` for none",
     .help = "quoted in the same request as the underlying (no extra "
             "request): the overview CSV's `VIX` column and "
             "`collectd_g6_index_vix_points`"},
};

const g6_option_table g6_chain_index_options = {
    .block = "Index",
    .arg = "\"NAME\"",
    .help = "One per index, at most 16; the name is used in paths and labels: "
            "1–31 letters, digits, `_`, `-`. It is case-sensitive, as Kite's "
            "instrument `name` is: `<Index \"nifty\">` is refused with a hint "
            "that `NIFTY` was meant (and g6_analytics' `Index \"nifty\"` warns "
            "the same way when its snapshot is missing). Two names that "
            "differ only in case (`NIFTY` and `Nifty` with its own "
            "`Underlying` and `StrikeStep`) are refused: on a case-insensitive "
            "file system (SMB, vfat, ext4 casefold) they would share one "
            "snapshot file, history and CSV directory.",
    .options = index_opts,
    .n = sizeof(index_opts) / sizeof(index_opts[0]),
    .prepare = index_prepare,
    .finish = index_finish,
};

/* ---- <Plugin g6_chain> ------------------------------------------------------ */

#define C(member) G6_OPT_FIELD(g6_chain_config, member)

static g6_status set_provider(void *target, const oconfig_item_t *ci,
                              g6_error *err) {
  g6_chain_provider_config *p = &((g6_chain_config *)target)->provider;
  char *name = NULL;
  g6_status st = g6_conf_block_name(ci, &name, err);
  if (st != G6_OK)
    return st;
  bool kite = strcmp(name, "kite") == 0;
  if (!kite || p->configured)
    st = g6_error_set(err, G6_EINVAL,
                      kite ? "<Provider \"%s\"> is defined twice; allowed: "
                             "one <Provider \"kite\"> block, shared by every "
                             "index"
                           : "<Provider \"%s\">: unknown provider; allowed: "
                             "kite",
                      name);
  free(name);
  if (st != G6_OK)
    return st;
  p->configured = true;
  g6_kite_config_defaults(&p->kite); /* settings that are not options */
  return g6_options_parse(&g6_chain_provider_options, ci, p, err);
}

static g6_status set_index(void *target, const oconfig_item_t *ci,
                           g6_error *err) {
  g6_chain_config *cfg = target;
  if (cfg->n_indices == G6_CHAIN_MAX_INDICES) {
    const char *n = ci->values_num == 1 &&
                            ci->values[0].type == OCONFIG_TYPE_STRING
                        ? ci->values[0].value.string
                        : "";
    return g6_error_set(err, G6_ERANGE,
                        "<Index \"%.40s\"> is index %d; allowed: at most %d "
                        "<Index> blocks per collectd (spread more over "
                        "several hosts: README \"Scale-out\")",
                        n, G6_CHAIN_MAX_INDICES + 1, G6_CHAIN_MAX_INDICES);
  }
  char *name = NULL;
  g6_status st = g6_conf_block_name(ci, &name, err);
  if (st != G6_OK)
    return st;
  if (!g6_index_name_valid(name)) {
    st = g6_error_set(err, G6_EINVAL,
                      "<Index \"%s\">: the name must be 1-31 letters, digits, "
                      "'_' or '-' (it names directories and metric labels)",
                      name);
    free(name);
    return st;
  }
  /* names that differ only in case name one directory and one snapshot
   * file on a case-insensitive file system (a DataDir on SMB, vfat, ext4
   * casefold): two writers would replace each other's snapshots */
  for (size_t i = 0; i < cfg->n_indices && st == G6_OK; i++) {
    const char *other = cfg->indices[i]->ix.name;
    if (strcmp(other, name) == 0)
      st = g6_error_set(err, G6_EINVAL,
                        "<Index \"%s\"> is defined twice; allowed: one "
                        "<Index> block per index, with every option of that "
                        "index in it",
                        name);
    else if (strcasecmp(other, name) == 0)
      st = g6_error_set(err, G6_EINVAL,
                        "<Index \"%s\">: the name differs from <Index "
                        "\"%s\"> only in case; index names must differ in "
                        "more than case (they name files and directories)",
                        name, other);
  }
  g6_chain_index_config *x = st == G6_OK ? calloc(1, sizeof(*x)) : NULL;
  if (st == G6_OK && x == NULL)
    st = g6_error_set(err, G6_ENOMEM, "out of memory");
  if (x != NULL) {
    snprintf(x->ix.name, sizeof(x->ix.name), "%s", name);
    cfg->indices[cfg->n_indices++] = x;
    st = g6_options_parse(&g6_chain_index_options, ci, x, err);
  }
  free(name);
  return st;
}

static g6_status chain_finish(void *target, const oconfig_item_t *ci,
                              g6_error *err) {
  (void)ci;
  const g6_chain_config *cfg = target;
  const g6_collector_config *cc = &cfg->cc;
  if (!(cc->iv_max > cc->iv_min))
    return g6_error_set(err, G6_EINVAL, "IVMin (%g) must be below IVMax (%g)",
                        cc->iv_min, cc->iv_max);
  if (cc->keep_snapshots && !cc->write_snapshot)
    return g6_error_set(err, G6_EINVAL,
                        "KeepSnapshots true needs WriteSnapshot true (the "
                        "history keeps the snapshot files)");
  if (cfg->holidays_file != NULL && cfg->calendar_dir != NULL)
    return g6_error_set(err, G6_EINVAL,
                        "HolidaysFile and CalendarDir exclude each other: "
                        "CalendarDir gives each index its exchange's "
                        "calendar, HolidaysFile one calendar for all");
  return G6_OK;
}

static const char *const fsync_values[] = {"never", "cycle", "always", NULL};

static const g6_option chain_opts[] = {
    {.name = "DataDir", C(data_dir), .type = G6_OPT_STRING,
     .def = "\"/var/lib/g6\"", .allowed_doc = "path, not `/`",
     .help = "where the CSV files and snapshots go (created if missing; a "
             "relative path is under collectd's `BaseDir`); checked writable "
             "and locked at start-up: one collectd per `DataDir`, a second "
             "is refused"},
    {.name = "CalendarDir", C(calendar_dir), .type = G6_OPT_STRING,
     .allowed_doc = "path",
     .help = "exchange calendars, one `<EXCHANGE>.txt` each (holidays and "
             "special sessions; `share/g6/calendars` holds NSE and BSE): "
             "each index gates on its exchange's file; without a calendar "
             "every weekday 09:15–15:30 IST is a session"},
    {.name = "HolidaysFile", C(holidays_file), .type = G6_OPT_STRING,
     .allowed_doc = "path",
     .help = "one calendar for every index instead of CalendarDir (same "
             "format; an old list of `YYYY-MM-DD` lines is valid)"},
    {.name = "ForceOpen", C(cc.force_open), .type = G6_OPT_BOOL,
     .def = "false", .help = "collect outside the session (demos, tests)"},
    {.name = "MaxQuoteAge", C(cc.max_quote_age_s), .type = G6_OPT_DOUBLE,
     .min = 0, .max = 86400, .unit = "s", .def = "300",
     .help = "in a session, an underlying quote whose exchange timestamp is "
             "further than this from the cycle (old, or in the future; the "
             "age counts from the session's open at the earliest) makes the "
             "index STALE, with a warning: a frozen feed serving old prices, "
             "or a clock off; so does one whose timestamp came but is not a "
             "time (its age unknown); not checked outside the calendar's "
             "sessions (ForceOpen); 0 disables"},
    {.name = "RiskFreeRate", C(cc.r), .type = G6_OPT_DOUBLE, .min = -0.5,
     .max = 1, .def = "0.065",
     .help = "r for IV and Greeks (continuous compounding)"},
    {.name = "DividendYield", C(cc.q), .type = G6_OPT_DOUBLE, .min = -0.5,
     .max = 1, .def = "0", .help = "q for IV and Greeks (continuous)"},
    {.name = "IVMin", C(cc.iv_min), .type = G6_OPT_DOUBLE, .min = 0, .max = 10,
     .def = "0",
     .help = "IVs below are reported as `iv_out_of_bounds` (the solved value "
             "is kept, never clamped)"},
    {.name = "IVMax", C(cc.iv_max), .type = G6_OPT_DOUBLE, .min = 0.001,
     .max = 100, .def = "5",
     .help = "IVs above are reported as `iv_out_of_bounds`; must exceed "
             "IVMin"},
    {.name = "StrikeBand", C(cc.strike_band), .type = G6_OPT_DOUBLE,
     .min = 0.01, .max = 10, .def = "0.4",
     .help = "legs whose strike is farther than this share of ATM are "
             "rejected"},
    {.name = "StrikeCoverageOK", C(cc.thresholds.strike_ok),
     .type = G6_OPT_DOUBLE, .min = 0, .max = 1, .def = "0.75",
     .help = "an expiry is OK with at least this share of strikes "
             "collected…"},
    {.name = "FieldCoverageOK", C(cc.thresholds.field_ok),
     .type = G6_OPT_DOUBLE, .min = 0, .max = 1, .def = "0.55",
     .help = "…and this share of kept legs with volume, OI and average "
             "price"},
    {.name = "StaleFieldCoverage", C(cc.thresholds.stale_max),
     .type = G6_OPT_DOUBLE, .min = 0, .max = 1, .def = "0",
     .help = "an index is STALE when every expiry's field coverage is at "
             "most this"},
    {.name = "Fsync", C(cc.fsync), .type = G6_OPT_ENUM, .values = fsync_values,
     .def = "\"cycle\"",
     .help = "`cycle`: the rows of each index cycle are on disk by its end "
             "(a `syncfs` of each file system written: the data "
             "directory's, and one a directory below it is mounted or linked "
             "to; indices that finish together share one); `always`: fsync "
             "every file after each append, and each new file and directory "
             "into its parent; `never`: rely on the page cache"},
    {.name = "WriteCSV", C(cc.write_csv), .type = G6_OPT_BOOL, .def = "true",
     .help = "write the CSV files"},
    {.name = "MaxOpenCSVFiles", C(max_open_csv_files), .type = G6_OPT_INT,
     .min = 0, .max = 1000000, .def = "8192",
     .help = "the day's CSV files kept open between cycles, over all indices "
             "(saves about a third of the kernel's cost of each append); "
             "held descriptors are numbered from 1024 up, out of "
             "`select()`'s way, and collectd's soft `RLIMIT_NOFILE` is "
             "raised within its hard limit to make room (Operations); 0 "
             "opens and closes every file per append, and so does a "
             "`DataDir` (or a directory below it) on NFS, SMB, Ceph, 9p, "
             "FUSE or any file system g6 does not know as local"},
    {.name = "WriteSnapshot", C(cc.write_snapshot), .type = G6_OPT_BOOL,
     .def = "true", .help = "write the chain snapshot of each index"},
    {.name = "KeepSnapshots", C(cc.keep_snapshots), .type = G6_OPT_BOOL,
     .def = "false",
     .help = "also keep every snapshot as "
             "`snapshots/<INDEX>/<YYYY-MM-DD>/<seq>.json` (a hard link, for "
             "`g6 replay`); needs WriteSnapshot"},
    {.name = "Provider", .type = G6_OPT_BLOCK, .set = set_provider,
     .block = &g6_chain_provider_options,
     .help = "the market data provider (below)"},
    {.name = "Index", .type = G6_OPT_BLOCK, .set = set_index,
     .block = &g6_chain_index_options, .help = "an index to collect (below)"},
};

const g6_option_table g6_chain_options = {
    .block = "Plugin",
    .arg = "g6_chain",
    .help = "Option chains into CSV files, snapshots and metrics.",
    .options = chain_opts,
    .n = sizeof(chain_opts) / sizeof(chain_opts[0]),
    .finish = chain_finish,
};

g6_status g6_chain_config_parse(oconfig_item_t *ci, g6_chain_config *cfg,
                                g6_error *err) {
  g6_status st = g6_conf_block_once(ci, &cfg->parsed, err);
  if (st != G6_OK)
    return st;
  g6_conf_link_parents(ci); /* so messages name the enclosing blocks */
  g6_collector_config d = {.thresholds = G6_STATUS_THRESHOLDS_DEFAULT};
  cfg->cc = d;
  return g6_options_parse(&g6_chain_options, ci, cfg, err);
}

const char *g6_chain_calendar_path(const g6_chain_config *cfg,
                                   const g6_chain_index_config *ix, char *buf,
                                   size_t len) {
  if (cfg->calendar_dir != NULL) {
    snprintf(buf, len, "%s/%s.txt", cfg->calendar_dir, ix->exchange);
    return buf;
  }
  return cfg->holidays_file;
}

g6_status g6_chain_calendar_load(const g6_chain_config *cfg,
                                 const g6_chain_index_config *ix,
                                 g6_calendar_set *set,
                                 const g6_calendar **out,
                                 const char **path_out, g6_error *err) {
  char buf[4096];
  const char *path = g6_chain_calendar_path(cfg, ix, buf, sizeof(buf));
  *out = NULL;
  *path_out = NULL;
  g6_error e;
  g6_status s;
  if (path == NULL ||
      (s = g6_calendar_set_get(set, path, out, path_out, &e)) == G6_OK)
    return G6_OK;
  if (cfg->calendar_dir != NULL)
    return g6_error_set(err, s,
                        "CalendarDir \"%s\": the %s calendar %s: %s; allowed: "
                        "a directory holding <Exchange>.txt for the exchange "
                        "of every index (the package installs NSE.txt and "
                        "BSE.txt in share/g6/calendars; check one with `g6 "
                        "calendar`)",
                        cfg->calendar_dir, ix->exchange, path, e.msg);
  return g6_error_set(err, s,
                      "HolidaysFile \"%s\": %s; allowed: a calendar file "
                      "readable by collectd, one date per line (check it "
                      "with `g6 calendar`)",
                      path, e.msg);
}

void g6_chain_config_free(g6_chain_config *cfg) {
  for (size_t i = 0; i < cfg->n_indices; i++)
    free(cfg->indices[i]);
  g6_options_free(&g6_chain_provider_options, &cfg->provider);
  g6_options_free(&g6_chain_options, cfg);
  memset(cfg, 0, sizeof(*cfg));
}

#define STR_(x) #x
#define STR(x) STR_(x) /* a macro's value as a string literal */

const char *g6_chain_config_missing(const g6_chain_config *cfg) {
  if (cfg->n_indices == 0)
    return "no <Index> block configured; nothing to collect; allowed: 1 to "
           STR(G6_CHAIN_MAX_INDICES) " <Index \"NAME\"> blocks in <Plugin "
           "g6_chain>, one per index (README \"Configuration reference\")";
  if (!cfg->provider.configured)
    return "no <Provider \"kite\"> block configured; allowed: one "
           "<Provider \"kite\"> block in <Plugin g6_chain>, with APIKey or "
           "APIKeyFile and AccessToken or AccessTokenFile";
  return NULL;
}
