#include "g6_test.h"

#include "collector/collector.h"
#include "core/fdhold.h"
#include "core/fsutil.h"
#include "core/json.h"
#include "math/bs.h"
#include "store/snapshot_read.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* A scripted in-memory provider. Prices are a simple function of the strike
 * so the test can predict every number. */
typedef struct fake {
  g6_status underlying_status;
  double spot, high, low;
  g6_date listed[8];
  g6_expiry_kind kinds[8];
  size_t n_listed;
  bool index_listed;
  double unlisted_strike;  /* contract missing from the list (both legs) */
  double zero_price_strike;/* CE at this strike quotes a zero price */
  double unquoted_strike;  /* PE at this strike is not quoted */
  bool no_puts; /* every put unquoted (its quote missing) */
  double no_oi_strike;     /* PE at this strike is quoted without its OI */
  double intrinsic_strike; /* CE at this strike quotes S - K e^{-rT} */
  double tick_below_strike; /* CE at this strike quotes S - K e^{-rT} rounded
                               down to the 0.05 tick */
  double below_strike;      /* CE at this strike quotes 0.10 below it */
  g6_status quotes_status;
  bool quote_nothing;      /* the provider returns no quote at all */
  double failed_strikes[4];/* legs at these strikes come in a batch that
                              fails (an HTML 400), the others answer */
  size_t n_failed_strikes;
  double now; /* the clock the fake prices with */
  double vix;        /* the volatility index it quotes (NAN: none) */
  const char *vix_cfg; /* VolatilityIndex of the index (NULL: none) */
  char vix_key[64];  /* the key it was asked for with the underlying */
  double lot;        /* lot size of every contract */
  double oi_step;    /* OI grows by this per unit of `now` past oi_t0 */
  double oi_t0;
  double price_step; /* last prices shift by this per unit past oi_t0 */
  int calls_underlying, calls_quotes, calls_refresh;
  size_t last_quote_keys;
  int64_t spot_time; /* the underlying quote's exchange timestamp (0: none) */
  double max_quote_age; /* MaxQuoteAge of the collector made for it */
  const char *rules[4]; /* Expiry of the index (rules[0] NULL: the four
                           tag rules) */
} fake;

static g6_status f_underlying(void *ctx, const char *key, const char *vix_key,
                              double *last, double *high, double *low,
                              double *vix, int64_t *quote_time,
                              g6_error *err) {
  fake *f = ctx;
  f->calls_underlying++;
  *quote_time = f->spot_time;
  snprintf(f->vix_key, sizeof(f->vix_key), "%s", vix_key ? vix_key : "");
  *vix = NAN;
  if (f->underlying_status != G6_OK)
    return g6_error_set(err, f->underlying_status, "quote %s: timed out", key);
  *last = f->spot;
  *high = f->high;
  *low = f->low;
  *vix = f->vix; /* in the same answer */
  return G6_OK;
}

static g6_status f_expiries(void *ctx, const char *index, const char *segment,
                            int64_t today, g6_date *out, g6_expiry_kind *kinds,
                            size_t cap, size_t *n, g6_error *err) {
  (void)index;
  (void)segment;
  (void)err;
  fake *f = ctx;
  *n = 0;
  if (!f->index_listed)
    return G6_OK;
  for (size_t i = 0; i < f->n_listed && *n < cap; i++)
    if (g6_days_from_civil(f->listed[i].year, f->listed[i].month,
                           f->listed[i].day) >= today) {
      kinds[*n] = f->kinds[i];
      out[(*n)++] = f->listed[i];
    }
  return G6_OK;
}

static g6_status f_instrument(void *ctx, const char *index,
                              const char *segment, g6_date expiry,
                              double strike, int is_put, char *key,
                              size_t key_len, double *lot) {
  (void)segment;
  fake *f = ctx;
  *lot = NAN;
  if (strike == f->unlisted_strike)
    return G6_ENOENT;
  *lot = f->lot;
  snprintf(key, key_len, "NFO:%s%04d%02d%02d%.0f%s", index, expiry.year,
           expiry.month, expiry.day, strike, is_put ? "PE" : "CE");
  return G6_OK;
}

static double strike_of(const char *key) {
  /* ...YYYYMMDD<strike>CE: strike between the date and the type */
  size_t len = strlen(key);
  char buf[32];
  size_t start = len - 2;
  while (start > 0 && key[start - 1] >= '0' && key[start - 1] <= '9')
    start--;
  /* the 8 date digits come first */
  memcpy(buf, key + start + 8, len - 2 - start - 8);
  buf[len - 2 - start - 8] = '\0';
  return atof(buf);
}

/* The fake's volatility smile: 12 % at the money, +0.2 point per 50 away
 * (a point per 50 was steep enough to be an arbitrage: a month out, the
 * call one strike up cost more; quote_checks flags it). */
static double fake_vol(const fake *f, double k) {
  return 0.12 + 0.002 * fabs(k - f->spot) / 50.0;
}

/* Years from the fake's clock to 15:30 IST on the key's expiry date. */
static double key_T(const fake *f, const char *key) {
  const char *d = key + strlen("NFO:NIFTY");
  int y = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 +
          (d[3] - '0');
  int m = (d[4] - '0') * 10 + (d[5] - '0');
  int day = (d[6] - '0') * 10 + (d[7] - '0');
  return ((double)g6_expiry_epoch((g6_date){y, m, day}) - f->now) /
         (365.0 * 86400);
}

static g6_status f_quotes(void *ctx, const char *const *keys, size_t n,
                          g6_quote_leg *const *out, g6_error *err) {
  fake *f = ctx;
  f->calls_quotes++;
  f->last_quote_keys = n;
  if (f->quotes_status != G6_OK) {
    for (size_t i = 0; i < n; i++)
      out[i]->fetch = f->quotes_status;
    return g6_error_set(err, f->quotes_status, "quote: HTTP 503");
  }
  g6_status st = G6_OK;
  for (size_t i = 0; i < n; i++) {
    double k = strike_of(keys[i]);
    bool put = strstr(keys[i], "PE") != NULL;
    bool lost = false;
    for (size_t j = 0; j < f->n_failed_strikes; j++)
      lost = lost || k == f->failed_strikes[j];
    if (lost) {
      out[i]->quoted = false;
      out[i]->fetch = st = G6_EFOREIGN;
      continue;
    }
    out[i]->quoted = !f->quote_nothing;
    if (put && (k == f->unquoted_strike || f->no_puts))
      out[i]->quoted = false;
    out[i]->last = g6_bsm_price(put ? G6_PUT : G6_CALL, f->spot, k,
                               key_T(f, keys[i]), 0.065, 0.0, fake_vol(f, k));
    if (!put && k == f->zero_price_strike)
      out[i]->last = 0;
    if (!put && k == f->intrinsic_strike) /* as a double, like a feed */
      out[i]->last = f->spot - k * exp(-0.065 * key_T(f, keys[i]));
    double intr = f->spot - k * exp(-0.065 * key_T(f, keys[i]));
    if (!put && k == f->tick_below_strike) /* on the tick grid, as Kite */
      out[i]->last = floor(intr / 0.05) * 0.05;
    if (!put && k == f->below_strike)
      out[i]->last = intr - 0.10;
    out[i]->avg = out[i]->last - 1;
    out[i]->bid = out[i]->last - 0.5;
    out[i]->ask = out[i]->last + 0.5;
    out[i]->volume = put ? 2000 : 1000;
    out[i]->oi = put ? 3000 : 2000; /* PCR by OI 1.5, by volume 2 */
    if (put && k == f->no_oi_strike) /* a quote without the oi field */
      out[i]->oi = NAN;
    if (f->oi_step != 0) { /* the session moves on */
      double dt = f->now - f->oi_t0;
      out[i]->oi += (put ? -1 : 1) * f->oi_step * dt;
      out[i]->last += f->price_step * dt;
      out[i]->bid += f->price_step * dt;
      out[i]->ask += f->price_step * dt;
    }
  }
  if (st != G6_OK)
    return g6_error_set(err, st, "quote: HTTP 400 with a body that is not "
                                 "Kite's JSON");
  return G6_OK;
}

static void f_refresh(void *ctx) { ((fake *)ctx)->calls_refresh++; }

G6_TEST_TMPDIR("collector")

static fake default_fake(void) {
  fake f;
  memset(&f, 0, sizeof(f));
  f.spot = 24812.35;
  f.high = 24860.5;
  f.low = 24690.25;
  f.index_listed = true;
  f.listed[0] = (g6_date){2025, 10, 21};
  f.listed[1] = (g6_date){2025, 10, 28};
  f.listed[2] = (g6_date){2025, 11, 4};
  f.listed[3] = (g6_date){2025, 11, 25};
  f.listed[4] = (g6_date){2025, 12, 30};
  f.n_listed = 5;
  /* weeklies on the 21st and the 4th, monthlies at each month's end */
  g6_expiry_kind k[] = {G6_EXPIRY_WEEKLY, G6_EXPIRY_MONTHLY, G6_EXPIRY_WEEKLY,
                        G6_EXPIRY_MONTHLY, G6_EXPIRY_MONTHLY};
  memcpy(f.kinds, k, sizeof(k));
  f.unlisted_strike = f.zero_price_strike = f.unquoted_strike = -1;
  f.no_oi_strike = -1;
  f.intrinsic_strike = f.tick_below_strike = f.below_strike = -1;
  f.vix = NAN;
  f.lot = 75;
  return f;
}

static g6_collector *make_with(fake *f, const char *sub, bool force_open,
                               bool keep) {
  g6_index_config ix;
  memset(&ix, 0, sizeof(ix));
  snprintf(ix.name, sizeof(ix.name), "NIFTY");
  snprintf(ix.underlying, sizeof(ix.underlying), "NSE:NIFTY 50");
  snprintf(ix.segment, sizeof(ix.segment), "NFO-OPT");
  if (f->vix_cfg != NULL)
    snprintf(ix.vix, sizeof(ix.vix), "%s", f->vix_cfg);
  ix.step = 50;
  ix.below = 2;
  ix.above = 2;
  const char *tags[] = {"this_week", "next_week", "this_month", "next_month"};
  const char *const *rules = f->rules[0] != NULL ? f->rules : tags;
  for (int i = 0; i < 4 && rules[i] != NULL; i++) {
    assert_int_equal(g6_expiry_spec_parse(rules[i], &ix.expiries[i]), G6_OK);
    ix.n_expiries++;
  }
  char data[400];
  snprintf(data, sizeof(data), "%s/%s", dir, sub);
  g6_collector_config cfg = {data, NULL, force_open, 0.065, 0.0, 0.0001, 5.0,
                             0.4, G6_STATUS_THRESHOLDS_DEFAULT, G6_FSYNC_NEVER,
                             true, true, keep, f->max_quote_age};
  g6_provider p = {f, f_underlying, f_expiries, f_instrument, f_quotes,
                   f_refresh};
  return g6_collector_new(&ix, &cfg, p);
}

static g6_collector *make(fake *f, const char *sub, bool force_open) {
  return make_with(f, sub, force_open, false);
}

static int64_t utc(int y, int mo, int d, int h, int mi, int s) {
  return g6_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static int count_lines(const char *path) {
  char *text = NULL;
  size_t len;
  if (g6_read_file(path, 1 << 20, &text, &len, NULL) != G6_OK)
    return -1;
  int n = 0;
  for (size_t i = 0; i < len; i++)
    n += text[i] == '\n';
  free(text);
  return n;
}

static void full_cycle(void **state) {
  (void)state;
  fake f = default_fake();
  g6_collector *c = make(&f, "full", false);
  assert_non_null(c);
  g6_cycle_result res;
  double now = (double)utc(2025, 10, 20, 4, 0, 14) + 0.25; /* Mon 09:30 IST */
  f.now = now;
  assert_int_equal(g6_collector_cycle(c, now, &res), G6_OK);
  assert_true(res.market_open);
  assert_true(res.attempted);
  assert_true(res.success);
  assert_int_equal(res.error, G6_OK);
  assert_close(res.atm, 24800, 0);
  assert_int_equal(res.n_strikes, 5);
  assert_int_equal(res.n_expiries, 4);
  assert_int_equal(f.calls_quotes, 1); /* one batched call for every leg */
  assert_int_equal(f.last_quote_keys, 40);
  const char *want_tags[] = {"this_week", "next_week", "this_month",
                             "next_month"};
  g6_date want_dates[] = {
      {2025, 10, 21}, {2025, 10, 28}, {2025, 10, 28}, {2025, 11, 25}};
  for (int e = 0; e < 4; e++) {
    g6_expiry_result *x = &res.expiries[e];
    assert_string_equal(x->tag, want_tags[e]);
    assert_true(x->resolved);
    assert_int_equal(x->date.day, want_dates[e].day);
    /* the nearest (weekly) and then the month-end contract */
    assert_int_equal(x->kind, e == 0 ? G6_EXPIRY_WEEKLY : G6_EXPIRY_MONTHLY);
    assert_int_equal(x->legs_requested, 10);
    assert_int_equal(x->legs_collected, 10);
    assert_close(x->strike_coverage, 1.0, 0);
    assert_close(x->field_coverage, 1.0, 0);
    assert_int_equal(x->status, G6_CHAIN_OK);
    assert_close(x->pcr_oi, 1.5, 1e-15);
    assert_close(x->pcr_volume, 2.0, 1e-15);
    assert_int_equal(x->pcr_missing_oi, 0); /* the ratios cover every leg */
    assert_int_equal(x->pcr_missing_volume, 0);
  }
  /* T from 15:30 IST on expiry day: 2025-10-21 10:00Z - now */
  assert_close(res.expiries[0].T,
               ((double)utc(2025, 10, 21, 10, 0, 0) - now) / (365.0 * 86400),
               1e-15);
  assert_int_equal(res.status, G6_CHAIN_OK);
  /* quote sanity: the fake's BSM chain has no arbitrage, and put-call
   * parity gives back the forward and the rate it prices with */
  for (int e = 0; e < 4; e++) {
    g6_expiry_result *x = &res.expiries[e];
    assert_int_equal(x->arb_checked, 10);
    assert_int_equal(x->arb_flagged, 0);
    assert_int_equal(x->parity.pairs, 5);
    assert_close(x->parity.forward, res.spot * exp(0.065 * x->T), 1e-6);
    assert_close(x->parity.rate, 0.065, 1e-7);
    for (size_t i = 0; i < 10; i++)
      assert_int_equal(x->legs[i].arb, G6_ARB_NONE);
  }
  /* every kept leg has an IV that reprices its last price, and Greeks */
  for (int e = 0; e < 4; e++) {
    g6_expiry_result *x = &res.expiries[e];
    assert_int_equal(x->iv_ok, 10);
    for (size_t i = 0; i < 10; i++) {
      g6_chain_leg *l = &x->legs[i];
      assert_int_equal(l->iv_status, G6_OK);
      double p = g6_bsm_price(l->q.is_put ? G6_PUT : G6_CALL, res.spot,
                              l->q.strike, x->T, 0.065, 0.0, l->iv);
      assert_close(p, l->q.last, 1e-9 * l->q.last);
      assert_close(l->iv, fake_vol(&f, l->q.strike), 1e-9);
      assert_true(isfinite(l->delta) && isfinite(l->gamma) &&
                  isfinite(l->theta) && isfinite(l->vega) && isfinite(l->rho));
      assert_true(l->q.is_put ? l->delta < 0 : l->delta > 0);
    }
  }
  assert_int_equal(res.csv_status, G6_OK);
  assert_int_equal(res.csv.rows_written, 4 * 5 + 1);
  assert_int_equal(res.snapshot_status, G6_OK);
  assert_int_equal(res.snapshot_seq, 1);

  char path[600];
  snprintf(path, sizeof(path), "%s/full/NIFTY/this_month/-100/2025-10-20.csv",
           dir);
  assert_int_equal(count_lines(path), 2);
  snprintf(path, sizeof(path), "%s/full/overview/NIFTY/2025-10-20.csv", dir);
  char *text = NULL;
  size_t len;
  assert_int_equal(g6_read_file(path, 1 << 20, &text, &len, NULL), G6_OK);
  /* all four tags collected: masks 15/15/0, day width int(170.25) */
  assert_non_null(strstr(text, "\n20-10-2025 09:30:00,NIFTY,1.5,1.5,1.5,1.5,"
                               "170,24812.35,0.0,0.0,0.0,4,4,15,15,0\n"));
  free(text);

  /* the snapshot file: documented fields, unknowns as null */
  snprintf(path, sizeof(path), "%s/full/snapshots/NIFTY.json", dir);
  assert_int_equal(g6_read_file(path, 1 << 22, &text, &len, NULL), G6_OK);
  g6_json *doc = NULL;
  assert_int_equal(g6_json_parse(text, len, &doc, NULL), G6_OK);
  free(text);
  assert_string_equal(
      g6_json_get_string(g6_json_object_get(doc, "schema"), NULL),
      "g6.chain.snapshot/1");
  assert_string_equal(g6_json_get_int_text(g6_json_object_get(doc, "seq")),
                      "1");
  g6_json *ex = g6_json_object_get(doc, "expiries");
  assert_int_equal(g6_json_count(ex), 4);
  assert_string_equal(g6_json_get_string(g6_json_object_get(
                          g6_json_array_get(ex, 0), "kind"), NULL),
                      "weekly");
  assert_string_equal(g6_json_get_string(g6_json_object_get(
                          g6_json_array_get(ex, 2), "kind"), NULL),
                      "monthly");
  g6_json *legs = g6_json_object_get(g6_json_array_get(ex, 0), "legs");
  assert_int_equal(g6_json_count(legs), 10);
  g6_json *leg0 = g6_json_array_get(legs, 0);
  assert_close(g6_json_get_number(g6_json_object_get(leg0, "strike")), 24700,
               0);
  assert_string_equal(g6_json_get_string(g6_json_object_get(leg0, "key"), NULL),
                      "NFO:NIFTY2025102124700CE");
  assert_int_equal(g6_json_type_of(g6_json_object_get(leg0, "arb")),
                   G6_JSON_NULL);
  g6_json *parity = g6_json_object_get(g6_json_array_get(ex, 0), "parity");
  assert_close(g6_json_get_number(g6_json_object_get(parity, "rate")), 0.065,
               1e-7);
  g6_json *arb = g6_json_object_get(g6_json_array_get(ex, 0), "arbitrage");
  assert_string_equal(g6_json_get_int_text(g6_json_object_get(arb, "checked")),
                      "10");
  assert_string_equal(g6_json_get_int_text(g6_json_object_get(arb, "flagged")),
                      "0");
  g6_json_free(doc);

  /* the next cycle continues the sequence, also in a new collector */
  assert_int_equal(g6_collector_cycle(c, now + 30, &res), G6_OK);
  assert_int_equal(res.snapshot_seq, 2);
  g6_collector_free(c);
  c = make(&f, "full", false);
  assert_int_equal(g6_collector_cycle(c, now + 60, &res), G6_OK);
  assert_int_equal(res.snapshot_seq, 3);
  g6_collector_free(c);
}

/* A frozen feed: in a session the underlying's quote ticks every second;
 * one whose exchange timestamp is far from the cycle (old, or in the
 * future) makes the index STALE with a message naming its age and time.
 * The data is still written (it is what the provider sent; the status says
 * what it is worth). Not checked without a timestamp, with MaxQuoteAge 0,
 * nor outside the calendar's session under ForceOpen. */
static void frozen_feed_is_stale(void **state) {
  (void)state;
  double now = (double)utc(2025, 10, 20, 4, 0, 14) + 0.25; /* Mon 09:30 IST */
  static const struct {
    double age, max; /* age of the spot's quote (NAN: no timestamp) */
    double at;       /* the cycle instant */
    bool force, stale;
    const char *msg;
  } cases[] = {
      {5, 300, 0, false, false, NULL},
      {300, 300, 0, false, false, NULL},
      {864000, 300, 0, false, true,
       "the underlying NSE:NIFTY 50's quote is 864000 s old (exchange "
       "timestamp 10-10-2025 09:30:14 IST), more than MaxQuoteAge 300 s from "
       "the cycle: the provider serves old prices or a clock is off; status "
       "STALE"},
      {-900, 300, 0, false, true, "is 900 s in the future"},
      {NAN, 300, 0, false, false, NULL},
      {864000, 0, 0, false, false, NULL},
      /* Monday 20:00 IST under ForceOpen: the last tick was at 15:30 */
      {16200, 300, 6 * 3600 + 1800, true, false, NULL},
      /* 09:16, a minute into the session: the last tick is Friday's close
       * (or the pre-open's); its age counts from the open */
      {3 * 86400 - 6 * 3600 - 15 * 60 + 60, 300, -14 * 60, false, false, NULL},
      /* 09:25 and still the pre-open's 09:08 tick: ten minutes of a
       * session without a tick is a frozen feed */
      {17 * 60, 300, -5 * 60, false, true, "is 1020 s old (exchange "
                                           "timestamp 20-10-2025 09:08:14"},
      /* a timestamp that came but is not a time (INFINITY here): its age
       * is unknown, which is no current quote in a session; nothing is
       * checked without MaxQuoteAge or outside the session */
      {INFINITY, 300, 0, false, true,
       "the underlying NSE:NIFTY 50's quote came with an exchange timestamp "
       "that is not a time (the provider's warning names it): its age is "
       "unknown, so it is not taken for current under MaxQuoteAge 300 s; "
       "status STALE"},
      {INFINITY, 0, 0, false, false, NULL},
      {INFINITY, 300, 6 * 3600 + 1800, true, false, NULL},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    fake f = default_fake();
    double at = now + cases[i].at;
    f.now = at;
    f.max_quote_age = cases[i].max;
    f.spot_time = isnan(cases[i].age)   ? 0
                  : isinf(cases[i].age) ? G6_QUOTE_TIME_UNREADABLE
                                        : (int64_t)floor(at - cases[i].age);
    char sub[32];
    snprintf(sub, sizeof(sub), "frozen%zu", i);
    g6_collector *c = make(&f, sub, cases[i].force);
    g6_cycle_result res;
    assert_int_equal(g6_collector_cycle(c, at, &res), G6_OK);
    assert_true(res.success); /* written either way */
    assert_int_equal(res.spot_time, f.spot_time);
    if ((res.status == G6_CHAIN_STALE) != cases[i].stale ||
        (cases[i].stale &&
         (res.error != G6_EUPSTREAM_DATA ||
          strstr(res.error_msg, cases[i].msg) == NULL)) ||
        (!cases[i].stale && res.error != G6_OK))
      fail_msg("case %zu: status %s, error %s \"%s\"", i,
               g6_chain_status_name(res.status), g6_status_name(res.error),
               res.error_msg);
    g6_collector_free(c);
  }
}

static void market_closed_fetches_nothing(void **state) {
  (void)state;
  fake f = default_fake();
  g6_collector *c = make(&f, "closed", false);
  g6_cycle_result res;
  /* Saturday */
  assert_int_equal(g6_collector_cycle(c, (double)utc(2025, 10, 18, 5, 0, 0),
                                      &res),
                   G6_OK);
  assert_false(res.market_open);
  assert_false(res.attempted);
  assert_int_equal(f.calls_underlying + f.calls_quotes, 0);
  assert_int_equal(res.n_expiries, 4);
  assert_string_equal(res.expiries[3].tag, "next_month");
  assert_int_equal(res.status, G6_CHAIN_EMPTY);
  char path[600];
  struct stat sb;
  snprintf(path, sizeof(path), "%s/closed/snapshots/NIFTY.json", dir);
  assert_int_not_equal(stat(path, &sb), 0);
  g6_collector_free(c);
  /* ForceOpen collects anyway */
  c = make(&f, "closed", true);
  assert_int_equal(g6_collector_cycle(c, (double)utc(2025, 10, 18, 5, 0, 0),
                                      &res),
                   G6_OK);
  assert_true(res.market_open);
  assert_true(res.success);
  g6_collector_free(c);
}

/* The day's CSV files are held open during the session and let go of
 * when it ends: over the night, a weekend or a holiday nothing keeps a
 * moved, compressed or deleted file's space, or the file system, busy. */
static void held_files_let_go_outside_the_session(void **state) {
  (void)state;
  fake f = default_fake();
  assert_int_equal(g6_fdhold_budget(100, NULL, NULL), G6_OK);
  g6_collector *c = make(&f, "held", false);
  g6_cycle_result res;
  /* Monday 20 October 2025, 10:30 IST */
  assert_int_equal(g6_collector_cycle(c, (double)utc(2025, 10, 20, 5, 0, 0),
                                      &res),
                   G6_OK);
  assert_true(res.market_open);
  assert_true(res.success);
  assert_true(res.csv.rows_written > 0);
  assert_int_equal(g6_fdhold_count(), res.csv.files_created);
  /* 16:30 IST: the session is over */
  assert_int_equal(g6_collector_cycle(c, (double)utc(2025, 10, 20, 11, 0, 0),
                                      &res),
                   G6_OK);
  assert_false(res.market_open);
  assert_int_equal(g6_fdhold_count(), 0);
  g6_collector_free(c);
  assert_int_equal(g6_fdhold_budget(0, NULL, NULL), G6_OK);
}

/* Stopped with CSV rows held after a failed write: one last attempt; what
 * still cannot be written is counted and named, not dropped silently. */
static void close_writes_or_reports_held_rows(void **state) {
  (void)state;
  for (int unblock = 0; unblock < 2; unblock++) {
    fake f = default_fake();
    const char *sub = unblock ? "close_lands" : "close_lost";
    char path[600];
    /* a directory where the overview file should be: its row waits */
    snprintf(path, sizeof(path), "%s/%s/overview/NIFTY/2025-10-20.csv", dir,
             sub);
    assert_int_equal(g6_mkdir_p(path, 0755, NULL), G6_OK);
    g6_collector *c = make(&f, sub, false);
    g6_cycle_result res;
    assert_int_equal(g6_collector_cycle(c, (double)utc(2025, 10, 20, 5, 0, 0),
                                        &res),
                     G6_OK);
    assert_int_not_equal(res.csv_status, G6_OK);
    assert_int_equal(res.csv.rows_pending, 1);
    if (unblock)
      assert_int_equal(rmdir(path), 0);
    char msg[1024];
    size_t lost = g6_collector_close(c, msg, sizeof(msg));
    if (unblock) {
      assert_int_equal(lost, 0);
      assert_string_equal(msg, "");
      assert_int_equal(count_lines(path), 2); /* header and the row */
    } else {
      assert_int_equal(lost, 1);
      assert_non_null(strstr(msg, "NIFTY: CSV: 1 row(s)"));
      assert_non_null(strstr(msg, "are lost"));
      assert_non_null(strstr(msg, path));
    }
  }
}

static void provider_failures_are_reported_not_invented(void **state) {
  (void)state;
  fake f = default_fake();
  f.underlying_status = G6_ETIMEOUT;
  g6_collector *c = make(&f, "fail", true);
  g6_cycle_result res;
  double now = (double)utc(2025, 10, 20, 4, 0, 0);
  assert_int_equal(g6_collector_cycle(c, now, &res), G6_OK);
  assert_int_equal(res.error, G6_ETIMEOUT);
  assert_non_null(strstr(res.error_msg, "timed out"));
  assert_false(res.success);
  assert_true(isnan(res.spot));
  assert_int_equal(res.status, G6_CHAIN_EMPTY);
  assert_int_equal(res.expiries[0].resolve_status, G6_ETIMEOUT);
  assert_int_equal(f.calls_quotes, 0);
  /* a zero underlying price is an error, not a price */
  f.underlying_status = G6_OK;
  f.spot = 0;
  assert_int_equal(g6_collector_cycle(c, now, &res), G6_OK);
  assert_int_equal(res.error, G6_EPROTO);
  assert_non_null(strstr(res.error_msg, "not positive"));
  /* quotes down: everything requested, nothing collected */
  f.spot = 24812.35;
  f.quotes_status = G6_EHTTP;
  assert_int_equal(g6_collector_cycle(c, now, &res), G6_OK);
  assert_int_equal(res.error, G6_EHTTP);
  assert_false(res.success);
  assert_int_equal(res.expiries[0].rejects[G6_REJECT_REQUEST_FAILED], 10);
  assert_int_equal(res.expiries[0].rejects[G6_REJECT_MISSING_QUOTE], 0);
  assert_int_equal(res.expiries[0].status, G6_CHAIN_EMPTY);
  assert_int_equal(f.calls_refresh, 0); /* a failed call is not a vanished
                                           expiry */
  char path[600];
  struct stat sb;
  snprintf(path, sizeof(path), "%s/fail/NIFTY", dir);
  assert_int_not_equal(stat(path, &sb), 0); /* no CSV from failed cycles */
  g6_collector_free(c);
}

/* Issue 10, item 1: one failed /quote batch (its legs: two of five
 * strikes) must not blank the index. What arrived is kept, the lost legs
 * are counted as request_failed, coverage makes the expiries PARTIAL, and
 * the rows that were collected are written. */
static void failed_batch_keeps_the_rest(void **state) {
  (void)state;
  fake f = default_fake();
  f.failed_strikes[0] = 24700;
  f.failed_strikes[1] = 24900;
  f.n_failed_strikes = 2;
  f.now = (double)utc(2025, 10, 20, 4, 0, 0);
  g6_collector *c = make(&f, "batch", true);
  g6_cycle_result res;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_true(res.success);
  assert_int_equal(res.error, G6_EFOREIGN); /* the cycle says what failed */
  assert_non_null(strstr(res.error_msg, "not Kite's JSON"));
  for (int e = 0; e < 4; e++) {
    g6_expiry_result *x = &res.expiries[e];
    assert_int_equal(x->legs_collected, 6);
    assert_int_equal(x->rejects[G6_REJECT_REQUEST_FAILED], 4);
    assert_int_equal(x->rejects[G6_REJECT_MISSING_QUOTE], 0);
    assert_close(x->strike_coverage, 3.0 / 5.0, 1e-15);
    assert_int_equal(x->status, G6_CHAIN_PARTIAL);
    assert_int_equal(x->iv_ok, 6);
  }
  assert_int_equal(res.status, G6_CHAIN_PARTIAL);
  assert_int_equal(f.calls_refresh, 0); /* not a vanished expiry */
  assert_int_equal(res.csv.rows_written, 4 * 3 + 1);
  char path[600];
  struct stat sb;
  snprintf(path, sizeof(path), "%s/batch/NIFTY/this_week/0/2025-10-20.csv",
           dir);
  assert_int_equal(count_lines(path), 2);
  snprintf(path, sizeof(path), "%s/batch/NIFTY/this_week/-100", dir);
  assert_int_not_equal(stat(path, &sb), 0); /* no row without a quote */
  g6_collector_free(c);
}

/* Issue 10, item 7, downstream: a leg priced at its intrinsic value is kept
 * (it is a price) but gets no IV: status at_intrinsic, counted, Greeks
 * absent, 0.0 in the CSV IV column, "at_intrinsic" in the snapshot. */
static void leg_at_intrinsic(void **state) {
  (void)state;
  fake f = default_fake();
  f.intrinsic_strike = 24700;
  f.now = (double)utc(2025, 10, 20, 4, 0, 0);
  g6_collector *c = make(&f, "intrinsic", true);
  g6_cycle_result res;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  g6_expiry_result *x = &res.expiries[0];
  g6_chain_leg *ce = &x->legs[0];
  assert_close(ce->q.strike, 24700, 0);
  assert_int_equal(ce->reject, G6_REJECT_NONE);
  assert_int_equal(ce->iv_status, G6_EAT_INTRINSIC);
  assert_true(isnan(ce->iv) && isnan(ce->delta) && isnan(ce->vega));
  assert_int_equal(x->iv_failures[G6_EAT_INTRINSIC], 1);
  assert_int_equal(x->iv_ok, 9);
  assert_int_equal(x->legs_collected, 10);
  char path[600];
  snprintf(path, sizeof(path),
           "%s/intrinsic/NIFTY/this_week/-100/2025-10-20.csv", dir);
  char *text = NULL;
  size_t len;
  assert_int_equal(g6_read_file(path, 1 << 20, &text, &len, NULL), G6_OK);
  /* ce_iv (column 19) is 0.0: "not available" in the old format */
  char *row = strchr(text, '\n') + 1;
  int col = 0;
  char *p = row;
  while (col < 18 && (p = strchr(p, ',')) != NULL) {
    p++;
    col++;
  }
  assert_non_null(p);
  assert_int_equal(strncmp(p, "0.0,", 4), 0);
  free(text);
  snprintf(path, sizeof(path), "%s/intrinsic/snapshots/NIFTY.json", dir);
  assert_int_equal(g6_read_file(path, 1 << 22, &text, &len, NULL), G6_OK);
  assert_non_null(strstr(text, "\"at_intrinsic\""));
  free(text);
  g6_collector_free(c);
}

/* Kite quotes on a 0.05 tick: a call deep in the money on its expiry day,
 * worth its intrinsic value plus less than a tick, is quoted at that value
 * rounded, up to a tick below the intrinsic value. That is at intrinsic
 * (no IV, counted as at_intrinsic, which G6IvFailureRatioHigh leaves out),
 * not below_intrinsic; 0.10 below is below. */
static const g6_chain_leg *leg_at(const g6_expiry_result *x, double K,
                                  int put);
static void leg_a_tick_below_intrinsic(void **state) {
  (void)state;
  fake f = default_fake();
  f.tick_below_strike = 24700;
  f.below_strike = 24750;
  f.now = (double)utc(2025, 10, 21, 7, 30, 0); /* 13:00 IST, expiry day */
  g6_collector *c = make(&f, "tick_below", true);
  g6_cycle_result res;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  g6_expiry_result *x = &res.expiries[0];
  const g6_chain_leg *ce = leg_at(x, 24700, 0);
  const g6_chain_leg *below = leg_at(x, 24750, 0);
  assert_non_null(ce);
  assert_non_null(below);
  assert_int_equal(ce->reject, G6_REJECT_NONE);
  double intr = f.spot - 24700 * exp(-0.065 * x->T);
  assert_true(ce->q.last < intr && ce->q.last > intr - 0.05);
  assert_int_equal(ce->iv_status, G6_EAT_INTRINSIC);
  assert_true(isnan(ce->iv) && isnan(ce->delta));
  assert_int_equal(below->iv_status, G6_EBELOW_INTRINSIC);
  assert_int_equal(x->iv_failures[G6_EBELOW_INTRINSIC], 1);
  assert_true(x->iv_failures[G6_EAT_INTRINSIC] >= 1);
  g6_collector_free(c);
}

/* Every put's quote missing: the put/call ratios are unknown (NaN), not 0
 * (a sum over no put is no total). */
static void pcr_unknown_without_puts(void **state) {
  (void)state;
  fake f = default_fake();
  f.no_puts = true;
  f.now = (double)utc(2025, 10, 20, 4, 0, 0);
  g6_collector *c = make(&f, "no-puts", false);
  g6_cycle_result res;
  assert_int_equal(
      g6_collector_cycle(c, (double)utc(2025, 10, 20, 4, 0, 0), &res), G6_OK);
  g6_expiry_result *x = &res.expiries[0];
  assert_true(x->legs_collected > 0);
  assert_int_equal(x->rejects[G6_REJECT_MISSING_QUOTE], x->legs_requested / 2);
  assert_true(isnan(x->pcr_oi));
  assert_true(isnan(x->pcr_volume));
  assert_int_equal(x->pcr_missing_oi, 5); /* every put */
  assert_int_equal(x->pcr_missing_volume, 5);
  g6_collector_free(c);
}

/* Some legs without an OI: the ratio is still a number, but a biased one
 * (three puts of five: 9000 / 10000 = 0.9, not 1.5), and the legs it leaves
 * out are counted. Every reason counts: a missing quote, a rejected price,
 * a quote without its oi field (that leg's volume is still in the ratio by
 * volume); but not a contract the exchange does not list: no such leg is
 * missing from a ratio (a ladder wider than the listed strikes would keep
 * the count above 0 for good). */
static void pcr_counts_missing_legs(void **state) {
  (void)state;
  fake f = default_fake();
  f.unquoted_strike = 24750; /* PE: no quote */
  f.no_oi_strike = 24850;    /* PE: quoted, without OI */
  f.now = (double)utc(2025, 10, 20, 4, 0, 0);
  g6_collector *c = make(&f, "pcr-missing", false);
  g6_cycle_result res;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  g6_expiry_result *x = &res.expiries[0];
  assert_int_equal(x->legs_requested, 10);
  assert_int_equal(x->legs_collected, 9);
  assert_close(x->pcr_oi, 3 * 3000.0 / (5 * 2000.0), 1e-15);
  assert_int_equal(x->pcr_missing_oi, 2);
  assert_close(x->pcr_volume, 4 * 2000.0 / (5 * 1000.0), 1e-15);
  assert_int_equal(x->pcr_missing_volume, 1);
  /* an unlisted strike (both legs: not counted) and a zero-priced call on
   * top (counted) */
  f.unlisted_strike = 24900;
  f.zero_price_strike = 24700;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  x = &res.expiries[0];
  assert_int_equal(x->rejects[G6_REJECT_NOT_LISTED], 2);
  assert_int_equal(x->pcr_missing_oi, 3);
  assert_int_equal(x->pcr_missing_volume, 2);
  /* nothing known: every leg asked for is missing, the ratio NaN */
  f.underlying_status = G6_ETIMEOUT;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  x = &res.expiries[0];
  assert_true(isnan(x->pcr_oi));
  assert_true(x->legs_requested > 0);
  assert_int_equal(x->pcr_missing_oi, x->legs_requested);
  assert_int_equal(x->pcr_missing_volume, x->legs_requested);
  g6_collector_free(c);
}

static void rejects_coverage_and_status(void **state) {
  (void)state;
  fake f = default_fake();
  f.unlisted_strike = 24900;   /* both legs missing from the list */
  f.zero_price_strike = 24700; /* CE price 0 */
  f.unquoted_strike = 24750;   /* PE not quoted */
  f.now = (double)utc(2025, 10, 20, 4, 0, 0);
  g6_collector *c = make(&f, "rejects", true);
  g6_cycle_result res;
  assert_int_equal(
      g6_collector_cycle(c, (double)utc(2025, 10, 20, 4, 0, 0), &res), G6_OK);
  g6_expiry_result *x = &res.expiries[0];
  assert_int_equal(x->legs_listed, 8);
  assert_int_equal(x->legs_collected, 6);
  assert_int_equal(x->rejects[G6_REJECT_NOT_LISTED], 2);
  assert_int_equal(x->rejects[G6_REJECT_NONPOSITIVE_PRICE], 1);
  assert_int_equal(x->rejects[G6_REJECT_MISSING_QUOTE], 1);
  assert_close(x->strike_coverage, 4.0 / 5.0, 1e-15);
  assert_int_equal(x->status, G6_CHAIN_OK); /* 0.8 >= 0.75 */
  /* the 24700 row keeps the PE and writes zeros for the dropped CE */
  char path[600];
  snprintf(path, sizeof(path), "%s/rejects/NIFTY/this_week/-100/2025-10-20.csv",
           dir);
  char *text = NULL;
  size_t len;
  assert_int_equal(g6_read_file(path, 1 << 20, &text, &len, NULL), G6_OK);
  assert_non_null(strstr(text, ",24800,24700,0.0,"));
  free(text);
  /* no row at all for the unlisted strike */
  struct stat sb;
  snprintf(path, sizeof(path), "%s/rejects/NIFTY/this_week/+100", dir);
  assert_int_not_equal(stat(path, &sb), 0);
  g6_collector_free(c);
}

static void missing_index_and_vanished_expiry(void **state) {
  (void)state;
  fake f = default_fake();
  f.index_listed = false;
  g6_collector *c = make(&f, "missing", true);
  g6_cycle_result res;
  double now = (double)utc(2025, 10, 20, 4, 0, 0);
  assert_int_equal(g6_collector_cycle(c, now, &res), G6_OK);
  for (int e = 0; e < 4; e++) {
    assert_false(res.expiries[e].resolved);
    assert_int_equal(res.expiries[e].resolve_status, G6_ENOENT);
  }
  assert_int_equal(res.status, G6_CHAIN_EMPTY);
  assert_int_equal(f.calls_quotes, 0);
  /* the cycle says why (for the plugin's log line) */
  assert_int_equal(res.error, G6_ENOENT);
  assert_non_null(strstr(res.error_msg, "this_week cannot be resolved: 0 "
                                        "future expiries listed"));
  assert_int_equal(f.calls_refresh, 1); /* maybe a fresher list has it */
  f.calls_refresh = 0;
  /* the expiry is listed but no longer quoted: ask for a fresh list */
  f.index_listed = true;
  f.quote_nothing = true;
  assert_int_equal(g6_collector_cycle(c, now, &res), G6_OK);
  assert_int_equal(f.calls_refresh, 1);
  assert_false(res.success);
  g6_collector_free(c);
}

/* An expiry passes at 15:30 IST on its day: afterwards (ForceOpen) the
 * weekly rule moves to the next listed date instead of pricing an expired
 * contract. */
static void expiry_passes_at_1530_ist(void **state) {
  (void)state;
  fake f = default_fake();
  g6_collector *c = make(&f, "rollover", true);
  g6_cycle_result res;
  /* 2025-10-21 is the first listed expiry: 15:29:59 IST it is still this
   * week's, 15:30:00 IST it is gone */
  assert_int_equal(
      g6_collector_cycle(c, (double)utc(2025, 10, 21, 9, 59, 59), &res), G6_OK);
  assert_int_equal(res.expiries[0].date.day, 21);
  assert_true(res.expiries[0].T > 0);
  assert_int_equal(
      g6_collector_cycle(c, (double)utc(2025, 10, 21, 10, 0, 0), &res), G6_OK);
  assert_int_equal(res.expiries[0].date.day, 28);
  assert_int_equal(res.expiries[1].date.month, 11); /* next_week: 2025-11-04 */
  assert_int_equal(res.expiries[1].date.day, 4);
  g6_collector_free(c);
}


/* Two Expiry rules that resolve to different contracts with one tag (a date
 * rule's tag is derived from the days to expiry) would share the tag's
 * directory: the second contract's rows, with the first's timestamp, were
 * skipped as duplicates, silently (overview: missing_mask 0). Now the rule
 * whose tag is derived (of two date rules the later listed) writes no CSV
 * rows, counts them, and shows the tag in missing_mask; the snapshot keeps
 * it. Two rules of one contract stay one contract (the sink's duplicate
 * check), as before. On Tue 2025-10-21 09:30 IST: 10-21 is 0 days away,
 * 10-28 7 (both this_week), 11-04 14 (next_week). */
static char *read_text(const char *path);

static void expiry_tag_collision(void **state) {
  (void)state;
  static const struct {
    const char *name;
    const char *rules[3];
    int withheld;  /* index of the withheld rule, -1 none */
    int owner;
    unsigned missing_mask;
    const char *overview_tail; /* expected, collected, masks */
    size_t duplicates;
  } vec[] = {
      {"date_date", {"2025-10-21", "2025-10-28"}, 1, 0, 1, ",2,1,1,1,1\n", 0},
      {"date_before_tag", {"2025-10-28", "this_week"}, 0, 1, 1,
       ",2,1,1,1,1\n", 0},
      {"same_contract", {"this_week", "2025-10-21"}, -1, 0, 0, ",2,1,1,1,0\n",
       5},
      {"no_collision", {"2025-10-21", "2025-11-04"}, -1, 0, 0, ",2,2,3,3,0\n",
       0},
  };
  for (size_t v = 0; v < sizeof(vec) / sizeof(vec[0]); v++) {
    fake f = default_fake();
    for (int i = 0; i < 3; i++)
      f.rules[i] = vec[v].rules[i];
    g6_collector *c = make(&f, vec[v].name, false);
    assert_non_null(c);
    g6_cycle_result res;
    f.now = (double)utc(2025, 10, 21, 4, 0, 14);
    assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
    assert_int_equal(res.n_expiries, 2);
    assert_int_equal(res.csv_status, G6_OK);
    for (int e = 0; e < 2; e++) {
      const g6_expiry_result *x = &res.expiries[e];
      assert_true(x->resolved);
      assert_int_equal(x->legs_collected, 10); /* the metrics keep both */
      assert_int_equal(x->csv_withheld, e == vec[v].withheld);
      assert_int_equal(x->csv_rows_withheld, e == vec[v].withheld ? 5 : 0);
      if (e == vec[v].withheld)
        assert_int_equal(x->tag_owner, vec[v].owner);
    }
    /* nothing skipped silently: withheld rows are not duplicates */
    assert_int_equal(res.csv.duplicates, vec[v].duplicates);
    char path[600];
    snprintf(path, sizeof(path), "%s/%s/overview/NIFTY/2025-10-21.csv", dir,
             vec[v].name);
    char *text = read_text(path);
    assert_non_null(text);
    char *last = strstr(text, "\n21-10-2025 09:30:00,NIFTY,");
    assert_non_null(last);
    assert_non_null(strstr(last, vec[v].overview_tail));
    free(text);
    if (vec[v].withheld >= 0) {
      /* the log line names the option, both rules, the tag, the way out */
      char msg[1024];
      g6_collector_tag_collision_msg(&res, (size_t)vec[v].withheld, msg,
                                     sizeof(msg));
      assert_non_null(strstr(msg, "Expiry \"2025-10-28\" (contract "
                                  "2025-10-28) and Expiry \""));
      assert_non_null(strstr(msg, "(contract 2025-10-21) both map to the "
                                  "CSV tag this_week today"));
      assert_non_null(strstr(msg, "tag_collision"));
      assert_non_null(strstr(msg, "pin dates that cannot share a tag"));
      /* the tag's directory holds only its owner's contract */
      const g6_expiry_result *o = &res.expiries[vec[v].owner];
      const g6_expiry_result *w = &res.expiries[vec[v].withheld];
      assert_string_equal(o->tag, w->tag);
      snprintf(path, sizeof(path), "%s/%s/NIFTY/%s/0/2025-10-21.csv", dir,
               vec[v].name, o->tag);
      assert_int_equal(count_lines(path), 2);
      text = read_text(path);
      assert_non_null(text);
      char od[11], wd[11];
      g6_date_format(o->date, od);
      g6_date_format(w->date, wd);
      assert_non_null(strstr(text, od));
      assert_null(strstr(text, wd));
      free(text);
      /* the snapshot carries both */
      snprintf(path, sizeof(path), "%s/%s/snapshots/NIFTY.json", dir,
               vec[v].name);
      g6_snapshot_doc d;
      assert_int_equal(g6_snapshot_read_file(path, 0, &d, NULL), G6_OK);
      assert_int_equal(d.n_expiries, 2);
      g6_snapshot_doc_free(&d);
    }
    /* a cycle again in the same 30-s slot writes nothing new (the sink
     * skips the slot's rows as duplicates): nothing more withheld */
    f.now += 0.5; /* 09:30:14.5 IST: still the 09:30:00 slot */
    assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
    if (vec[v].withheld >= 0) {
      assert_true(res.expiries[vec[v].withheld].csv_withheld);
      assert_int_equal(res.expiries[vec[v].withheld].csv_rows_withheld, 0);
    }
    /* the next slot is the same as the first: no state left behind */
    f.now += 29.5;
    assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
    assert_int_equal(res.csv.duplicates, vec[v].duplicates);
    for (int e = 0; e < 2; e++)
      assert_int_equal(res.expiries[e].csv_withheld, e == vec[v].withheld);
    if (vec[v].withheld >= 0)
      assert_int_equal(res.expiries[vec[v].withheld].csv_rows_withheld, 5);
    g6_collector_free(c);
  }
}

/* KeepSnapshots: every written snapshot stays readable in the history; a
 * history that cannot be written is reported but does not stop the latest
 * snapshot or its sequence. */
static void keep_snapshots_history(void **state) {
  (void)state;
  fake f = default_fake();
  g6_collector *c = make_with(&f, "keep", false, true);
  assert_non_null(c);
  g6_cycle_result res;
  double now = (double)utc(2025, 10, 20, 4, 0, 14); /* Mon 09:30 IST */
  char path[600];
  for (int i = 0; i < 2; i++) {
    f.now = now + 30 * i;
    assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
    assert_int_equal(res.snapshot_status, G6_OK);
    assert_true(res.snapshot_written);
  }
  for (int seq = 1; seq <= 2; seq++) {
    snprintf(path, sizeof(path), "%s/keep/snapshots/NIFTY/2025-10-20/%d.json",
             dir, seq);
    g6_snapshot_doc d;
    g6_error e;
    assert_int_equal(g6_snapshot_read_file(path, 0, &d, &e), G6_OK);
    assert_int_equal(d.seq, (uint64_t)seq);
    assert_int_equal(d.generated_at, (int64_t)now + 30 * (seq - 1));
    assert_int_equal(d.n_expiries, 4);
    g6_snapshot_doc_free(&d);
  }
  /* another writer leaves a torn line: the cycle names the file it cut */
  snprintf(path, sizeof(path), "%s/keep/overview/NIFTY/2025-10-20.csv", dir);
  FILE *fp = fopen(path, "a");
  assert_non_null(fp);
  fputs("20-10-2025 09:31:00,NIF", fp);
  fclose(fp);
  f.now = now + 60;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(res.csv.torn_repaired, 1);
  assert_string_equal(res.csv_torn_path, path);
  assert_int_equal(res.csv_torn_bytes, strlen("20-10-2025 09:31:00,NIF"));
  /* a file where the day's directory should be */
  snprintf(path, sizeof(path), "%s/keep/snapshots/NIFTY/2025-10-21", dir);
  fp = fopen(path, "w");
  assert_non_null(fp);
  fclose(fp);
  f.now = now + 86400;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_not_equal(res.snapshot_status, G6_OK);
  assert_non_null(strstr(res.snapshot_msg, "history: "));
  assert_true(res.snapshot_written);
  assert_int_equal(res.snapshot_seq, 4);
  snprintf(path, sizeof(path), "%s/keep/snapshots/NIFTY.json", dir);
  g6_snapshot_doc d;
  assert_int_equal(g6_snapshot_read_file(path, 0, &d, NULL), G6_OK);
  assert_int_equal(d.seq, 4);
  g6_snapshot_doc_free(&d);
  g6_collector_free(c);
  /* off by default: no history directory */
  c = make(&f, "nokeep", false);
  f.now = now;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  snprintf(path, sizeof(path), "%s/nokeep/snapshots/NIFTY", dir);
  struct stat st;
  assert_int_not_equal(stat(path, &st), 0);
  g6_collector_free(c);
}

/* KeepSnapshots across a restart whose latest snapshot is gone (deleted,
 * or unreadable after another program edited it): the sequence continues
 * after the history, and no kept snapshot is replaced. Before, the seq
 * restarted at 1 and the restart's snapshots were renamed over the day's
 * kept 1.json, 2.json: history lost. And a crash between the latest
 * file's rename and its link into the history (kill -9 mid-cycle) leaves
 * that cycle out of the history: the restart puts it there. */
static void keep_snapshots_resume(void **state) {
  (void)state;
  fake f = default_fake();
  double now = (double)utc(2025, 10, 20, 4, 0, 14); /* Mon 09:30 IST */
  char latest[600], path[600];
  snprintf(latest, sizeof(latest), "%s/resume/snapshots/NIFTY.json", dir);
  g6_cycle_result res;
  g6_collector *c = make_with(&f, "resume", false, true);
  assert_non_null(c);
  for (int i = 0; i < 2; i++) {
    f.now = now + 30 * i;
    assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
    assert_int_equal(res.snapshot_status, G6_OK);
  }
  g6_collector_free(c);
  /* the latest snapshot deleted (or replaced by a torn copy) */
  for (int v = 0; v < 2; v++) {
    if (v == 0) {
      assert_int_equal(unlink(latest), 0);
    } else {
      /* replaced, not cut in place: the latest is a hard link to 3.json */
      char junk[700];
      snprintf(junk, sizeof(junk), "%s.new", latest);
      FILE *fp = fopen(junk, "w");
      assert_non_null(fp);
      fputs("{\"schema\": \"g6.chain", fp);
      fclose(fp);
      assert_int_equal(rename(junk, latest), 0);
    }
    c = make_with(&f, "resume", false, true);
    assert_non_null(c);
    f.now = now + 30 * (2 + v);
    assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
    assert_int_equal(res.snapshot_status, G6_OK);
    assert_int_equal(res.snapshot_seq, 3 + v);
    g6_collector_free(c);
  }
  for (int seq = 1; seq <= 4; seq++) {
    snprintf(path, sizeof(path),
             "%s/resume/snapshots/NIFTY/2025-10-20/%d.json", dir, seq);
    g6_snapshot_doc d;
    g6_error e;
    assert_int_equal(g6_snapshot_read_file(path, 0, &d, &e), G6_OK);
    assert_int_equal(d.seq, (uint64_t)seq);
    assert_int_equal(d.generated_at, (int64_t)now + 30 * (seq - 1));
    g6_snapshot_doc_free(&d);
  }
  /* killed after the latest snapshot (seq 5) was renamed into place, before
   * its history link: the restart keeps it, and goes on with 6 */
  c = make_with(&f, "resume", false, true);
  f.now = now + 120;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(res.snapshot_seq, 5);
  g6_collector_free(c);
  snprintf(path, sizeof(path), "%s/resume/snapshots/NIFTY/2025-10-20/5.json",
           dir);
  assert_int_equal(unlink(path), 0);
  c = make_with(&f, "resume", false, true);
  f.now = now + 150;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(res.snapshot_status, G6_OK);
  assert_int_equal(res.snapshot_seq, 6);
  g6_collector_free(c);
  for (int seq = 5; seq <= 6; seq++) {
    snprintf(path, sizeof(path),
             "%s/resume/snapshots/NIFTY/2025-10-20/%d.json", dir, seq);
    g6_snapshot_doc d;
    g6_error e;
    assert_int_equal(g6_snapshot_read_file(path, 0, &d, &e), G6_OK);
    assert_int_equal(d.seq, (uint64_t)seq);
    assert_int_equal(d.generated_at, (int64_t)now + 120 + 30 * (seq - 5));
    g6_snapshot_doc_free(&d);
  }
}

static void touch(const char *path) {
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fputs("{", fp);
  fclose(fp);
}

/* A writer killed mid-write leaves its temporary snapshot file: the next
 * run's first snapshot removes NIFTY's leftovers (nothing else); and a
 * snapshot whose history link failed (the day directory's name taken, as
 * a full disk would fail it) is linked by the next cycle, before it is
 * replaced (it was missing from the history for good). */
static void snapshot_leftovers_and_history_retry(void **state) {
  (void)state;
  fake f = default_fake();
  double now = (double)utc(2025, 10, 20, 4, 0, 14); /* Mon 09:30 IST */
  char snaps[600], path[900];
  snprintf(snaps, sizeof(snaps), "%s/leftover/snapshots", dir);
  g6_cycle_result res;
  g6_collector *c = make_with(&f, "leftover", false, false);
  f.now = now;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  g6_collector_free(c);
  const char *gone[] = {".NIFTY.json.tmp.Ab12Z9"};
  const char *kept[] = {".NIFTY.json.tmp.Ab12Z9x", ".BANKNIFTY.json.tmp.Ab12Z9",
                        "NIFTY.json.bak", ".NIFTY.json.tmp."};
  snprintf(path, sizeof(path), "%s/%s", snaps, gone[0]);
  touch(path);
  for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
    snprintf(path, sizeof(path), "%s/%s", snaps, kept[i]);
    touch(path);
  }
  c = make_with(&f, "leftover", false, false);
  f.now = now + 30;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(res.snapshot_status, G6_OK);
  g6_collector_free(c);
  snprintf(path, sizeof(path), "%s/%s", snaps, gone[0]);
  assert_int_equal(access(path, F_OK), -1);
  for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
    snprintf(path, sizeof(path), "%s/%s", snaps, kept[i]);
    if (access(path, F_OK) != 0)
      fail_msg("%s was removed", kept[i]);
  }

  /* the history link fails once, then works */
  char day[1000];
  snprintf(path, sizeof(path), "%s/retry/snapshots/NIFTY", dir);
  assert_int_equal(g6_mkdir_p(path, 0755, NULL), G6_OK);
  snprintf(day, sizeof(day), "%s/2025-10-20", path);
  touch(day); /* a file where the day's directory goes */
  c = make_with(&f, "retry", false, true);
  f.now = now;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(res.snapshot_seq, 1);
  assert_int_not_equal(res.snapshot_status, G6_OK);
  assert_non_null(strstr(res.snapshot_msg, "history: "));
  assert_int_equal(unlink(day), 0);
  f.now = now + 30;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(res.snapshot_seq, 2);
  assert_int_equal(res.snapshot_status, G6_OK);
  g6_collector_free(c);
  for (int seq = 1; seq <= 2; seq++) {
    char kept_path[1100];
    snprintf(kept_path, sizeof(kept_path), "%s/%d.json", day, seq);
    g6_snapshot_doc d;
    g6_error e;
    if (g6_snapshot_read_file(kept_path, 0, &d, &e) != G6_OK)
      fail_msg("seq %d is not in the history: %s", seq, e.msg);
    assert_int_equal(d.seq, (uint64_t)seq);
    assert_int_equal(d.generated_at, (int64_t)now + 30 * (seq - 1));
    g6_snapshot_doc_free(&d);
  }
}

/* Where the file system refuses hard links the history keeps a copy, made
 * atomically: a writer killed mid-copy leaves ".<seq>.json.tmp.XXXXXX" in
 * a day directory. The next run's first snapshot removes those of every
 * day directory of the index's history, and nothing else (look-alikes,
 * another shape of name, a directory of that name, a directory that is no
 * day's). Before, nothing ever removed them. */
static void history_copy_leftovers_removed(void **state) {
  (void)state;
  fake f = default_fake();
  double now = (double)utc(2025, 10, 20, 4, 0, 14); /* Mon 09:30 IST */
  char top[600], path[900];
  snprintf(top, sizeof(top), "%s/histleft/snapshots/NIFTY", dir);
  const char *dirs[] = {"2025-10-17", "2025-10-20", "notes",
                        "2025-10-20/.8.json.tmp.Qw12Er"};
  for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
    snprintf(path, sizeof(path), "%s/%s", top, dirs[i]);
    assert_int_equal(g6_mkdir_p(path, 0755, NULL), G6_OK);
  }
  const char *gone[] = {"2025-10-17/.7.json.tmp.Ab12Z9",
                        "2025-10-20/.1.json.tmp.Xy34Q0",
                        "2025-10-20/.18446744073709551615.json.tmp.aaaaaa"};
  const char *kept[] = {"2025-10-17/.7.json.tmp.Ab12Z9x",
                        "2025-10-17/.7.json.tmp.",
                        "2025-10-17/.7a.json.tmp.Ab12Z9",
                        "2025-10-17/.NIFTY.json.tmp.Ab12Z9",
                        "2025-10-17/7.json.tmp.Ab12Z9",
                        "2025-10-17/..json.tmp.Ab12Z9",
                        "notes/.9.json.tmp.Ab12Z9",
                        ".9.json.tmp.Ab12Z9"};
  for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
    snprintf(path, sizeof(path), "%s/%s", top, gone[i]);
    touch(path);
  }
  for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
    snprintf(path, sizeof(path), "%s/%s", top, kept[i]);
    touch(path);
  }
  g6_cycle_result res;
  g6_collector *c = make_with(&f, "histleft", false, true);
  f.now = now;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(res.snapshot_status, G6_OK);
  assert_int_equal(res.snapshot_seq, 1);
  g6_collector_free(c);
  for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
    snprintf(path, sizeof(path), "%s/%s", top, gone[i]);
    if (access(path, F_OK) == 0)
      fail_msg("%s was left", gone[i]);
  }
  for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
    snprintf(path, sizeof(path), "%s/%s", top, kept[i]);
    if (access(path, F_OK) != 0)
      fail_msg("%s was removed", kept[i]);
  }
  snprintf(path, sizeof(path), "%s/%s", top, dirs[3]);
  assert_int_equal(access(path, F_OK), 0);
  snprintf(path, sizeof(path), "%s/2025-10-20/1.json", top);
  assert_int_equal(access(path, F_OK), 0); /* this run's snapshot, kept */
}

/* A snapshot whose history link failed is kept before it is replaced even
 * when the cycle after cannot keep it either and its own snapshot write
 * fails too (a full disk: here the file size limit): the try is made again
 * the cycle after. Before, a failed retry was taken as done: the next
 * cycle's snapshot replaced seq 1, which never reached the history. */
static void history_retry_survives_a_failed_cycle(void **state) {
  (void)state;
  fake f = default_fake();
  double now = (double)utc(2025, 10, 20, 4, 0, 14); /* Mon 09:30 IST */
  char path[600], day[700], kept[800];
  snprintf(path, sizeof(path), "%s/retry2/snapshots/NIFTY", dir);
  assert_int_equal(g6_mkdir_p(path, 0755, NULL), G6_OK);
  snprintf(day, sizeof(day), "%s/2025-10-20", path);
  touch(day); /* a file where the day's directory goes */
  g6_cycle_result res;
  g6_collector *c = make_with(&f, "retry2", false, true);
  f.now = now;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(res.snapshot_seq, 1);
  assert_int_not_equal(res.snapshot_status, G6_OK);
  /* the retry fails, and so does the snapshot write */
  signal(SIGXFSZ, SIG_IGN);
  struct rlimit old, lim;
  assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
  lim = old;
  lim.rlim_cur = 16;
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
  f.now = now + 30;
  g6_collector_cycle(c, f.now, &res);
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
  signal(SIGXFSZ, SIG_DFL);
  assert_int_not_equal(res.snapshot_status, G6_OK);
  /* the disk has room again */
  assert_int_equal(unlink(day), 0);
  f.now = now + 60;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(res.snapshot_status, G6_OK);
  assert_int_equal(res.snapshot_seq, 2);
  g6_collector_free(c);
  for (int seq = 1; seq <= 2; seq++) {
    snprintf(kept, sizeof(kept), "%s/%d.json", day, seq);
    g6_snapshot_doc d;
    g6_error e;
    if (g6_snapshot_read_file(kept, 0, &d, &e) != G6_OK)
      fail_msg("seq %d is not in the history: %s", seq, e.msg);
    assert_int_equal(d.seq, (uint64_t)seq);
    g6_snapshot_doc_free(&d);
  }
}

static char *read_text(const char *path) {
  char *text = NULL;
  size_t len;
  if (g6_read_file(path, 1 << 22, &text, &len, NULL) != G6_OK)
    return NULL;
  return text;
}

/* The history entry <day>/<seq>.json of data directory `sub` is a snapshot
 * with that seq, generated at `at`. */
static void assert_kept(const char *sub, const char *day, int seq,
                        int64_t at) {
  char kept[700];
  snprintf(kept, sizeof(kept), "%s/%s/snapshots/NIFTY/%s/%d.json", dir, sub,
           day, seq);
  g6_snapshot_doc d;
  g6_error e;
  if (g6_snapshot_read_file(kept, 0, &d, &e) != G6_OK)
    fail_msg("seq %d is not in the history: %s", seq, e.msg);
  assert_int_equal(d.seq, (uint64_t)seq);
  assert_int_equal(d.generated_at, at);
  g6_snapshot_doc_free(&d);
}

/* The seq of the latest snapshot of data directory `sub`. */
static uint64_t latest_seq(const char *sub) {
  char path[600];
  snprintf(path, sizeof(path), "%s/%s/snapshots/NIFTY.json", dir, sub);
  g6_snapshot_doc d;
  g6_error e;
  if (g6_snapshot_read_file(path, 0, &d, &e) != G6_OK)
    fail_msg("no latest snapshot: %s", e.msg);
  uint64_t seq = d.seq;
  g6_snapshot_doc_free(&d);
  return seq;
}

/* A snapshot whose history link failed is not replaced while the retry
 * fails too and the cycle's own write would work (the day directory
 * unusable, the snapshots directory fine): that cycle's snapshot is held
 * (a storage failure), and the one after keeps both. Before, the retry's
 * failure was only reported: seq 1 was replaced by seq 2, never kept. */
static void history_holds_the_latest_until_it_is_kept(void **state) {
  (void)state;
  fake f = default_fake();
  double now = (double)utc(2025, 10, 20, 4, 0, 14); /* Mon 09:30 IST */
  char path[600], day[700];
  snprintf(path, sizeof(path), "%s/hold/snapshots/NIFTY", dir);
  assert_int_equal(g6_mkdir_p(path, 0755, NULL), G6_OK);
  snprintf(day, sizeof(day), "%s/2025-10-20", path);
  touch(day); /* a file where the day's directory goes */
  g6_cycle_result res;
  g6_collector *c = make_with(&f, "hold", false, true);
  f.now = now;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(res.snapshot_seq, 1);
  assert_int_not_equal(res.snapshot_status, G6_OK);
  f.now = now + 30; /* the retry fails again: seq 1 stays the latest */
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_true(res.snapshot_written);
  assert_int_not_equal(res.snapshot_status, G6_OK);
  assert_non_null(strstr(res.snapshot_msg, "not replaced"));
  assert_int_equal(res.snapshot_seq, 1);
  assert_int_equal(latest_seq("hold"), 1);
  assert_int_equal(unlink(day), 0); /* usable again */
  f.now = now + 60;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(res.snapshot_status, G6_OK);
  assert_int_equal(res.snapshot_seq, 2);
  g6_collector_free(c);
  assert_kept("hold", "2025-10-20", 1, (int64_t)now);
  assert_kept("hold", "2025-10-20", 2, (int64_t)now + 60);
}

/* The hold is bounded: past G6_SNAPSHOT_HOLD_MAX_S of held cycles the live
 * snapshot moves on (g6_analytics would read the held one for as long as
 * the failure lasts), the previous one replaced and the error saying so;
 * once the history works again, every later snapshot is kept. */
static void history_hold_is_bounded(void **state) {
  (void)state;
  fake f = default_fake();
  double now = (double)utc(2025, 10, 20, 4, 0, 14); /* Mon 09:30 IST */
  char path[600], day[700];
  snprintf(path, sizeof(path), "%s/bound/snapshots/NIFTY", dir);
  assert_int_equal(g6_mkdir_p(path, 0755, NULL), G6_OK);
  snprintf(day, sizeof(day), "%s/2025-10-20", path);
  touch(day); /* a file where the day's directory goes */
  g6_cycle_result res;
  g6_collector *c = make_with(&f, "bound", false, true);
  f.now = now;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(res.snapshot_seq, 1); /* written, its link failed */
  double held = now + 30;                /* the first cycle held */
  for (double t = held; t < held + G6_SNAPSHOT_HOLD_MAX_S; t += 60) {
    f.now = t;
    assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
    assert_non_null(strstr(res.snapshot_msg, "not replaced"));
    assert_int_equal(latest_seq("bound"), 1);
  }
  f.now = held + G6_SNAPSHOT_HOLD_MAX_S;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_not_equal(res.snapshot_status, G6_OK);
  if (strstr(res.snapshot_msg, "unkept for 300 s, the previous snapshot is "
                               "replaced") == NULL)
    fail_msg("%s", res.snapshot_msg);
  assert_int_equal(res.snapshot_seq, 2);
  assert_int_equal(latest_seq("bound"), 2);
  assert_int_equal(unlink(day), 0); /* usable again */
  f.now += 30;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(res.snapshot_status, G6_OK);
  assert_int_equal(res.snapshot_seq, 3);
  g6_collector_free(c);
  assert_kept("bound", "2025-10-20", 2,
              (int64_t)(held + G6_SNAPSHOT_HOLD_MAX_S));
  assert_kept("bound", "2025-10-20", 3,
              (int64_t)(held + G6_SNAPSHOT_HOLD_MAX_S) + 30);
}

/* After a long stop, the restart's recover does not re-create a day
 * directory g6_retention pruned: a latest snapshot of an earlier day whose
 * directory is gone is not kept again. One of an earlier day whose
 * directory is there (a crash before its link) is, and one of today is
 * even when its directory is gone. */
static void recover_leaves_a_pruned_day_pruned(void **state) {
  (void)state;
  fake f = default_fake();
  double mon = (double)utc(2025, 10, 20, 4, 0, 14); /* Mon 09:30 IST */
  char path[600];
  g6_cycle_result res;
  g6_collector *c = make_with(&f, "pruned", true, true);
  f.now = mon;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(res.snapshot_seq, 1);
  g6_collector_free(c);
  /* g6_retention prunes Monday */
  snprintf(path, sizeof(path), "%s/pruned/snapshots/NIFTY/2025-10-20/1.json",
           dir);
  assert_int_equal(unlink(path), 0);
  *strrchr(path, '/') = '\0';
  assert_int_equal(rmdir(path), 0);
  /* restarted on Thursday */
  c = make_with(&f, "pruned", true, true);
  f.now = mon + 3 * 86400;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(res.snapshot_status, G6_OK);
  assert_int_equal(res.snapshot_seq, 2);
  g6_collector_free(c);
  struct stat sb;
  if (stat(path, &sb) == 0)
    fail_msg("%s was re-created", path);
  assert_kept("pruned", "2025-10-23", 2, (int64_t)mon + 3 * 86400);
  /* killed before Thursday's link; restarted on Friday: kept in Thursday */
  snprintf(path, sizeof(path), "%s/pruned/snapshots/NIFTY/2025-10-23/2.json",
           dir);
  assert_int_equal(unlink(path), 0);
  c = make_with(&f, "pruned", true, true);
  f.now = mon + 4 * 86400;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(res.snapshot_status, G6_OK);
  assert_int_equal(res.snapshot_seq, 3);
  g6_collector_free(c);
  assert_kept("pruned", "2025-10-23", 2, (int64_t)mon + 3 * 86400);
  assert_kept("pruned", "2025-10-24", 3, (int64_t)mon + 4 * 86400);
  /* today's directory gone before its first link: made again */
  snprintf(path, sizeof(path), "%s/pruned/snapshots/NIFTY/2025-10-24/3.json",
           dir);
  assert_int_equal(unlink(path), 0);
  *strrchr(path, '/') = '\0';
  assert_int_equal(rmdir(path), 0);
  c = make_with(&f, "pruned", true, true);
  f.now = mon + 4 * 86400 + 30;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(res.snapshot_status, G6_OK);
  g6_collector_free(c);
  assert_kept("pruned", "2025-10-24", 3, (int64_t)mon + 4 * 86400);
  assert_kept("pruned", "2025-10-24", 4, (int64_t)mon + 4 * 86400 + 30);
}

/* A snapshot whose link failed just before midnight (its day's directory
 * could not be made: a full disk) is kept by the retry after midnight: the
 * directory was never there, nothing pruned it. Before, the retry took the
 * missing directory of an earlier day as pruned: the snapshot was dropped
 * and replaced. */
static void link_retry_across_midnight(void **state) {
  (void)state;
  fake f = default_fake();
  double late = (double)utc(2025, 10, 20, 18, 29, 45); /* Mon 23:59:45 IST */
  char path[600], day[700];
  snprintf(path, sizeof(path), "%s/midnight/snapshots/NIFTY", dir);
  assert_int_equal(g6_mkdir_p(path, 0755, NULL), G6_OK);
  snprintf(day, sizeof(day), "%s/2025-10-20", path);
  touch(day); /* the day's directory cannot be made */
  g6_cycle_result res;
  g6_collector *c = make_with(&f, "midnight", true, true);
  f.now = late;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(res.snapshot_seq, 1);
  assert_int_not_equal(res.snapshot_status, G6_OK);
  assert_int_equal(unlink(day), 0); /* room again, after midnight */
  f.now = late + 30;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(res.snapshot_status, G6_OK);
  assert_int_equal(res.snapshot_seq, 2);
  g6_collector_free(c);
  assert_kept("midnight", "2025-10-20", 1, (int64_t)late);
  assert_kept("midnight", "2025-10-21", 2, (int64_t)late + 30);
}

/* A file already under the name the next snapshot would be kept as (put
 * there by another program, a restored backup) is left alone, and the
 * snapshot is not lost: the sequence moves past the history's largest.
 * Before, the cycle's keep failed (EEXIST), the next cycle found "an
 * entry" under the name and replaced the latest: that cycle's snapshot
 * was in no file at all. */
static void seq_clash_moves_past_the_history(void **state) {
  (void)state;
  fake f = default_fake();
  double now = (double)utc(2025, 10, 20, 4, 0, 14); /* Mon 09:30 IST */
  char foreign[700];
  g6_cycle_result res;
  g6_collector *c = make_with(&f, "clash", false, true);
  f.now = now;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(res.snapshot_seq, 1);
  snprintf(foreign, sizeof(foreign),
           "%s/clash/snapshots/NIFTY/2025-10-20/2.json", dir);
  touch(foreign);
  for (int i = 1; i <= 2; i++) {
    f.now = now + 30 * i;
    assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
    assert_int_equal(res.snapshot_status, G6_OK);
  }
  assert_int_equal(res.snapshot_seq, 4);
  g6_collector_free(c);
  assert_kept("clash", "2025-10-20", 1, (int64_t)now);
  assert_kept("clash", "2025-10-20", 3, (int64_t)now + 30);
  assert_kept("clash", "2025-10-20", 4, (int64_t)now + 60);
  char *text = read_text(foreign);
  assert_non_null(text);
  assert_string_equal(text, "{");
  free(text);
}

/* At a restart, a latest snapshot whose history name holds another file
 * (edited or restored by hand) is not replaced: the cycle's snapshot is
 * held, reported as a storage failure naming both, until one is moved
 * away. Before, the name being taken was taken as "kept". */
static void recover_conflict_holds(void **state) {
  (void)state;
  fake f = default_fake();
  double now = (double)utc(2025, 10, 20, 4, 0, 14); /* Mon 09:30 IST */
  char kept[700], aside[800];
  g6_cycle_result res;
  g6_collector *c = make_with(&f, "conflict", false, true);
  f.now = now;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  g6_collector_free(c);
  /* killed before the link of seq 1; a file of that name put there */
  snprintf(kept, sizeof(kept),
           "%s/conflict/snapshots/NIFTY/2025-10-20/1.json", dir);
  assert_int_equal(unlink(kept), 0);
  touch(kept);
  c = make_with(&f, "conflict", false, true);
  f.now = now + 30;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(res.snapshot_status, G6_EEXIST);
  assert_non_null(strstr(res.snapshot_msg, kept));
  assert_int_equal(latest_seq("conflict"), 1);
  snprintf(aside, sizeof(aside), "%s/conflict/1.json.aside", dir);
  assert_int_equal(rename(kept, aside), 0);
  f.now = now + 60;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(res.snapshot_status, G6_OK);
  assert_int_equal(res.snapshot_seq, 2);
  g6_collector_free(c);
  assert_kept("conflict", "2025-10-20", 1, (int64_t)now);
  assert_kept("conflict", "2025-10-20", 2, (int64_t)now + 60);
}

/* The sequence does not resume while the history cannot be read (here:
 * no descriptor left, EMFILE): the cycle's snapshot is a storage failure
 * and the next cycle resumes. Before, an unreadable history counted as
 * empty: the sequence restarted at 1 over kept names. */
static void resume_waits_for_a_readable_history(void **state) {
  (void)state;
  fake f = default_fake();
  double now = (double)utc(2025, 10, 20, 4, 0, 14); /* Mon 09:30 IST */
  g6_cycle_result res;
  g6_collector *c = make_with(&f, "emfile", false, true);
  for (int i = 0; i < 2; i++) {
    f.now = now + 30 * i;
    assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  }
  assert_int_equal(res.snapshot_seq, 2);
  g6_collector_free(c);
  c = make_with(&f, "emfile", false, true);
  int lowest = dup(0);
  assert_true(lowest >= 0);
  close(lowest);
  struct rlimit old, lim;
  assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
  lim = old;
  lim.rlim_cur = (rlim_t)lowest; /* no descriptor to spare */
  assert_int_equal(setrlimit(RLIMIT_NOFILE, &lim), 0);
  f.now = now + 60;
  g6_collector_cycle(c, f.now, &res);
  assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
  assert_int_not_equal(res.snapshot_status, G6_OK);
  f.now = now + 90;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(res.snapshot_status, G6_OK);
  assert_int_equal(res.snapshot_seq, 3);
  g6_collector_free(c);
  assert_kept("emfile", "2025-10-20", 1, (int64_t)now);
  assert_kept("emfile", "2025-10-20", 2, (int64_t)now + 30);
  assert_kept("emfile", "2025-10-20", 3, (int64_t)now + 90);
}

/* The leg of a result at a strike and side. */
static const g6_chain_leg *leg_at(const g6_expiry_result *x, double K,
                                  int put) {
  for (size_t i = 0; i < 10; i++)
    if (x->legs[i].q.strike == K && x->legs[i].q.is_put == put)
      return &x->legs[i];
  return NULL;
}

/* Issue 18: India VIX comes in the underlying's request and fills the
 * overview's VIX column; every leg carries its session references (OI at
 * the session's first cycle, last price and OI at the previous cycle), each
 * expiry its lot size and the straddle at the open; the state survives a
 * restart through the snapshot and starts afresh on the next day. */
static void desk_session_and_vix(void **state) {
  (void)state;
  fake f = default_fake();
  f.vix_cfg = "NSE:INDIA VIX";
  f.vix = 13.4725;
  f.oi_step = 10;      /* CE OI +10, PE OI -10 per second */
  f.price_step = 0.01; /* every price +0.01 per second */
  double t0 = (double)utc(2025, 10, 20, 4, 0, 0); /* Mon 09:30 IST */
  f.oi_t0 = t0;
  f.now = t0;
  g6_collector *c = make(&f, "desk", false);
  g6_cycle_result res;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(f.calls_underlying, 1); /* one request for both */
  assert_string_equal(f.vix_key, "NSE:INDIA VIX");
  assert_close(res.vix, 13.4725, 0);
  assert_int_equal(res.session_restored, 0);
  double open_straddle[4], oi1[4][10], last1[4][10];
  for (int e = 0; e < 4; e++) {
    const g6_expiry_result *x = &res.expiries[e];
    assert_close(x->lot_size, 75, 0);
    /* mid = last here (bid and ask are last -+ 0.5) */
    const g6_chain_leg *ce = leg_at(x, 24800, 0), *pe = leg_at(x, 24800, 1);
    assert_close(x->straddle_open, ce->q.last + pe->q.last, 1e-9);
    open_straddle[e] = x->straddle_open;
    for (size_t i = 0; i < 10; i++) {
      const g6_chain_leg *l = &x->legs[i];
      assert_close(l->oi_open, l->q.oi, 0); /* the first cycle is the base */
      assert_true(isnan(l->last_prev) && isnan(l->oi_prev));
      oi1[e][i] = l->q.oi;
      last1[e][i] = l->q.last;
    }
  }
  char path[600];
  snprintf(path, sizeof(path), "%s/desk/overview/NIFTY/2025-10-20.csv", dir);
  char *text = read_text(path);
  assert_non_null(text);
  /* ... index_price, index_net_change, index_day_change, VIX, ... */
  assert_non_null(strstr(text, ",24812.35,0.0,0.0,13.4725,4,4,15,15,0\n"));
  free(text);

  /* 30 s later: OI +-300, prices +0.3; the base stays the first cycle's */
  f.now = t0 + 30;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  for (int e = 0; e < 4; e++) {
    const g6_expiry_result *x = &res.expiries[e];
    assert_close(x->straddle_open, open_straddle[e], 0);
    for (size_t i = 0; i < 10; i++) {
      const g6_chain_leg *l = &x->legs[i];
      assert_close(l->oi_open, oi1[e][i], 0);
      assert_close(l->oi_prev, oi1[e][i], 0);
      assert_close(l->last_prev, last1[e][i], 0);
      assert_close(l->q.oi - l->oi_open, l->q.is_put ? -300 : 300, 1e-9);
    }
  }
  /* next_week and this_month are one contract (2025-10-28): the second
   * rule reads the same references, not the cycle's own values */
  assert_close(res.expiries[2].legs[0].last_prev,
               res.expiries[1].legs[0].last_prev, 0);
  double last2 = res.expiries[0].legs[0].q.last;
  /* the snapshot carries all of it */
  snprintf(path, sizeof(path), "%s/desk/snapshots/NIFTY.json", dir);
  g6_snapshot_doc d;
  assert_int_equal(g6_snapshot_read_file(path, 0, &d, NULL), G6_OK);
  assert_close(d.vix, 13.4725, 0);
  assert_close(d.expiries[0].lot_size, 75, 0);
  assert_close(d.expiries[0].straddle_open, open_straddle[0], 0);
  assert_close(d.expiries[0].legs[0].oi_open, oi1[0][0], 0);
  assert_close(d.expiries[0].legs[0].last_prev, last1[0][0], 0);
  g6_snapshot_doc_free(&d);

  /* a restart: the state comes back from the snapshot */
  g6_collector_free(c);
  c = make(&f, "desk", false);
  f.now = t0 + 60;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(res.session_restored, 4 * 5 * 2 - 5 * 2); /* 3 dates */
  assert_close(res.expiries[0].straddle_open, open_straddle[0], 0);
  assert_close(res.expiries[0].legs[0].oi_open, oi1[0][0], 0);
  assert_close(res.expiries[0].legs[0].last_prev, last2, 0);
  assert_close(res.expiries[0].legs[1].q.oi - res.expiries[0].legs[1].oi_open,
               -600, 1e-9);

  /* the next day starts afresh, and an unquoted VIX is unknown: 0.0 in the
   * overview file (no empty value there), NAN in the result */
  f.vix = NAN;
  f.now = t0 + 86400;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_true(isnan(res.vix));
  const g6_chain_leg *l0 = &res.expiries[0].legs[0];
  assert_close(l0->oi_open, l0->q.oi, 0);
  assert_true(isnan(l0->last_prev) && isnan(l0->oi_prev));
  assert_true(res.expiries[0].straddle_open != open_straddle[0]);
  snprintf(path, sizeof(path), "%s/desk/overview/NIFTY/2025-10-21.csv", dir);
  text = read_text(path);
  assert_non_null(text);
  assert_non_null(strstr(text, ",0.0,0.0,0.0,4,4,15,15,0\n"));
  free(text);
  g6_collector_free(c);

  /* a restart on another day than the snapshot's restores nothing */
  c = make(&f, "desk", false);
  f.now = t0 + 2 * 86400;
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(res.session_restored, 0);
  assert_true(isnan(res.expiries[0].legs[0].last_prev));
  g6_collector_free(c);
}

/* Three rules on one tag (the reviewer's case): the tag rule holds
 * this_week (2025-10-21); the first date rule (2025-10-28, a different
 * contract) is withheld and names the tag rule, the contract written, as
 * its owner; the second date rule is the tag rule's own contract and is
 * not withheld (its rows are that contract's: nothing lost). */
static void expiry_tag_collision_three_rules(void **state) {
  (void)state;
  fake f = default_fake();
  f.rules[0] = "2025-10-28";
  f.rules[1] = "2025-10-21";
  f.rules[2] = "this_week";
  g6_collector *c = make(&f, "three_rules", false);
  assert_non_null(c);
  g6_cycle_result res;
  f.now = (double)utc(2025, 10, 21, 4, 0, 14);
  assert_int_equal(g6_collector_cycle(c, f.now, &res), G6_OK);
  assert_int_equal(res.n_expiries, 3);
  for (int e = 0; e < 3; e++) {
    assert_true(res.expiries[e].resolved);
    assert_string_equal(res.expiries[e].tag, "this_week");
  }
  assert_true(res.expiries[0].csv_withheld);
  assert_int_equal(res.expiries[0].tag_owner, 2);
  assert_false(res.expiries[1].csv_withheld);
  assert_false(res.expiries[2].csv_withheld);
  assert_int_equal(res.expiries[0].csv_rows_withheld, 5);
  assert_int_equal(res.expiries[1].csv_rows_withheld, 0);
  char msg[1024];
  g6_collector_tag_collision_msg(&res, 0, msg, sizeof(msg));
  assert_non_null(strstr(msg, "Expiry \"2025-10-28\" (contract 2025-10-28) "
                              "and Expiry \"this_week\" (contract "
                              "2025-10-21)"));
  g6_collector_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(full_cycle),
      cmocka_unit_test(desk_session_and_vix),
      cmocka_unit_test(keep_snapshots_history),
      cmocka_unit_test(keep_snapshots_resume),
      cmocka_unit_test(snapshot_leftovers_and_history_retry),
      cmocka_unit_test(history_copy_leftovers_removed),
      cmocka_unit_test(history_retry_survives_a_failed_cycle),
      cmocka_unit_test(history_holds_the_latest_until_it_is_kept),
      cmocka_unit_test(history_hold_is_bounded),
      cmocka_unit_test(recover_leaves_a_pruned_day_pruned),
      cmocka_unit_test(link_retry_across_midnight),
      cmocka_unit_test(seq_clash_moves_past_the_history),
      cmocka_unit_test(recover_conflict_holds),
      cmocka_unit_test(resume_waits_for_a_readable_history),
      cmocka_unit_test(market_closed_fetches_nothing),
      cmocka_unit_test(frozen_feed_is_stale),
      cmocka_unit_test(held_files_let_go_outside_the_session),
      cmocka_unit_test(close_writes_or_reports_held_rows),
      cmocka_unit_test(provider_failures_are_reported_not_invented),
      cmocka_unit_test(rejects_coverage_and_status),
      cmocka_unit_test(pcr_unknown_without_puts),
      cmocka_unit_test(pcr_counts_missing_legs),
      cmocka_unit_test(failed_batch_keeps_the_rest),
      cmocka_unit_test(leg_at_intrinsic),
      cmocka_unit_test(leg_a_tick_below_intrinsic),
      cmocka_unit_test(missing_index_and_vanished_expiry),
      cmocka_unit_test(expiry_passes_at_1530_ist),
      cmocka_unit_test(expiry_tag_collision),
      cmocka_unit_test(expiry_tag_collision_three_rules),
  };
  cmocka_set_message_output(CM_OUTPUT_TAP);
  return cmocka_run_group_tests(tests, setup, teardown);
}
