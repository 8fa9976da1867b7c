#include "market/kite_provider.h"

#include "core/clock.h"
#include "core/ist.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* An instrument list with a reference count: lookups keep it alive while a
 * refresh swaps in a new one. */
typedef struct table_ref {
  g6_instruments *t;
  int refs;
  int64_t day;     /* the first tradable IST day it was fetched for */
  int64_t fetched; /* the IST calendar day it was fetched on (wall clock) */
} table_ref;

struct g6_kite_provider {
  g6_kite_client *client;
  g6_kite_provider_opts opts;
  pthread_mutex_t mu;       /* guards cur, want_refresh, last_try */
  pthread_mutex_t fetch_mu; /* one fetch at a time; others wait for it */
  table_ref *cur;
  bool want_refresh;
  double last_try; /* monotonic (opts.monotonic_now) */
};

g6_kite_provider *g6_kite_provider_new(g6_kite_client *client,
                                       const g6_kite_provider_opts *opts) {
  g6_kite_provider *p = calloc(1, sizeof(*p));
  if (p == NULL)
    return NULL;
  p->client = client;
  p->opts.refresh_min_interval_s = 60;
  if (opts != NULL)
    p->opts = *opts;
  if (p->opts.monotonic_now == NULL)
    p->opts.monotonic_now = g6_monotonic_now;
  if (p->opts.wall_now == NULL)
    p->opts.wall_now = g6_wall_now;
  pthread_mutex_init(&p->mu, NULL);
  pthread_mutex_init(&p->fetch_mu, NULL);
  return p;
}

static void unref(g6_kite_provider *p, table_ref *r) {
  if (r == NULL)
    return;
  pthread_mutex_lock(&p->mu);
  bool last = --r->refs == 0;
  pthread_mutex_unlock(&p->mu);
  if (last) {
    g6_instruments_free(r->t);
    free(r);
  }
}

void g6_kite_provider_free(g6_kite_provider *p) {
  if (p == NULL)
    return;
  unref(p, p->cur);
  pthread_mutex_destroy(&p->mu);
  pthread_mutex_destroy(&p->fetch_mu);
  free(p);
}

/* The IST calendar day of the wall clock now. */
static int64_t ist_today(const g6_kite_provider *p) {
  g6_ist_tm tm;
  g6_ist_breakdown((int64_t)floor(p->opts.wall_now()), &tm);
  return tm.days;
}

/* A reference to the current list if it is usable for `day` without a
 * refresh; NULL otherwise. */
static table_ref *acquire_current(g6_kite_provider *p, int64_t day,
                                  bool *needs_refresh) {
  int64_t today = ist_today(p);
  pthread_mutex_lock(&p->mu);
  table_ref *r = p->cur;
  /* without a list every call tries (the client's breaker bounds that);
   * a list that is merely old is retried at most once per interval, on the
   * monotonic clock: a wall clock stepped back must not block it. Old is
   * fetched for an earlier first tradable day, or on an earlier IST date:
   * a list fetched after 15:30 (an evening Muhurat session) is for the
   * next day's expiries but is not the list Kite publishes that morning */
  bool stale = r == NULL ||
               ((r->day < day || r->fetched < today || p->want_refresh) &&
                p->opts.monotonic_now() - p->last_try >=
                    p->opts.refresh_min_interval_s);
  if (r != NULL)
    r->refs++;
  pthread_mutex_unlock(&p->mu);
  *needs_refresh = stale;
  return r;
}

/* Returns a referenced list for `day`, fetching one when needed. On a failed
 * fetch the previous list (if any) is returned and err says why. */
static table_ref *get_table(g6_kite_provider *p, int64_t day, g6_status *st,
                            g6_error *err) {
  bool refresh;
  table_ref *r = acquire_current(p, day, &refresh);
  *st = G6_OK;
  if (!refresh)
    return r;
  pthread_mutex_lock(&p->fetch_mu);
  /* another thread may have fetched while this one waited */
  table_ref *again = acquire_current(p, day, &refresh);
  if (!refresh) {
    pthread_mutex_unlock(&p->fetch_mu);
    unref(p, r);
    return again;
  }
  unref(p, again);
  pthread_mutex_lock(&p->mu);
  p->last_try = p->opts.monotonic_now();
  pthread_mutex_unlock(&p->mu);
  int64_t fetched = ist_today(p);
  g6_instruments *t = NULL;
  g6_status fs = g6_kite_instruments(p->client, NULL, &t, err);
  if (fs != G6_OK) {
    pthread_mutex_unlock(&p->fetch_mu);
    *st = fs;
    return r; /* the previous list, if any, still answers */
  }
  table_ref *nr = calloc(1, sizeof(*nr));
  if (nr == NULL) {
    g6_instruments_free(t);
    pthread_mutex_unlock(&p->fetch_mu);
    *st = g6_error_set(err, G6_ENOMEM, "out of memory");
    return r;
  }
  nr->t = t;
  nr->day = day;
  nr->fetched = fetched;
  nr->refs = 2; /* the provider's and the caller's */
  pthread_mutex_lock(&p->mu);
  table_ref *old = p->cur;
  p->cur = nr;
  p->want_refresh = false;
  pthread_mutex_unlock(&p->mu);
  pthread_mutex_unlock(&p->fetch_mu);
  unref(p, old);
  unref(p, r);
  return nr;
}

/* One /quote request for the underlying and, when configured, the
 * volatility index: Kite answers several keys in one call, so India VIX
 * costs no extra request (and no extra wait at the rate limiter). */
static g6_status prov_underlying(void *ctx, const char *key,
                                 const char *vix_key, double *last,
                                 double *high, double *low, double *vix,
                                 int64_t *quote_time, g6_error *err) {
  g6_kite_provider *p = ctx;
  g6_quote_table *qt = NULL;
  const char *keys[2] = {key, vix_key};
  size_t n = vix_key != NULL && vix_key[0] != '\0' ? 2 : 1;
  g6_status st = g6_kite_quote(p->client, keys, n, &qt, err);
  *last = *high = *low = *vix = NAN;
  *quote_time = 0;
  if (st == G6_OK) {
    const g6_quote *q = g6_quote_table_lookup(qt, key);
    long j = g6_quote_table_find(qt, key);
    if (q == NULL && j >= 0 && g6_quote_table_malformed(qt, (size_t)j)) {
      /* sent, but wrong in itself: not an index Kite does not know */
      st = g6_error_set(err, G6_EPROTO,
                        "quote: the quote for underlying %s came malformed "
                        "and was dropped (the warning \"Kite quote: ... "
                        "malformed\" names the field)",
                        key);
    } else if (q == NULL) {
      st = g6_error_set(err, G6_ENOENT, "quote: no quote for underlying %s",
                        key);
    } else {
      *last = q->last_price;
      if (q->fields & G6_QF_TIMESTAMP)
        *quote_time = q->timestamp;
      else if (q->fields & G6_QF_TIME_UNREADABLE)
        *quote_time = G6_QUOTE_TIME_UNREADABLE;
      if (q->fields & G6_QF_OHLC) {
        *high = q->high > 0 ? q->high : NAN;
        *low = q->low > 0 ? q->low : NAN;
      }
    }
    const g6_quote *v = n == 2 ? g6_quote_table_lookup(qt, vix_key) : NULL;
    /* a level of 0 or below is no level: unknown, never a reading */
    if (v != NULL && isfinite(v->last_price) && v->last_price > 0)
      *vix = v->last_price;
  }
  g6_quote_table_free(qt);
  return st;
}

static g6_status prov_expiries(void *ctx, const char *index,
                               const char *segment, int64_t today,
                               g6_date *out, g6_expiry_kind *kinds,
                               size_t cap, size_t *n, g6_error *err) {
  g6_kite_provider *p = ctx;
  g6_status st;
  *n = 0;
  table_ref *r = get_table(p, today, &st, err);
  if (r == NULL)
    return st == G6_OK ? G6_ENOENT : st;
  int64_t days[256];
  size_t found = g6_instruments_expiries(r->t, index, segment, today, days,
                                         cap < 256 ? cap : 256);
  if (found > cap)
    found = cap;
  for (size_t i = 0; i < found && i < 256; i++) {
    kinds[*n] = g6_instruments_expiry_kind(r->t, index, segment, days[i]);
    out[(*n)++] = g6_civil_from_days(days[i]);
  }
  unref(p, r);
  return G6_OK; /* a stale list still answers; the failure was counted */
}

static g6_status prov_instrument(void *ctx, const char *index,
                                 const char *segment, g6_date expiry,
                                 double strike, int is_put, char *key,
                                 size_t key_len, double *lot_size) {
  g6_kite_provider *p = ctx;
  *lot_size = NAN;
  pthread_mutex_lock(&p->mu);
  table_ref *r = p->cur;
  if (r != NULL)
    r->refs++;
  pthread_mutex_unlock(&p->mu);
  if (r == NULL)
    return G6_ENOENT;
  const g6_instrument *in = NULL;
  g6_status st = g6_instruments_find_option(
      r->t, index, segment,
      g6_days_from_civil(expiry.year, expiry.month, expiry.day), strike,
      is_put ? G6_PUT : G6_CALL, &in);
  if (st == G6_OK) {
    g6_instrument_key(in, key, key_len);
    if (in->lot_size > 0 && !in->lot_mixed)
      *lot_size = in->lot_size;
  }
  unref(p, r);
  return st;
}

static g6_status prov_quotes(void *ctx, const char *const *keys, size_t n,
                             g6_quote_leg *const *out, g6_error *err) {
  g6_kite_provider *p = ctx;
  g6_quote_table *qt = NULL;
  g6_status st = g6_kite_quote(p->client, keys, n, &qt, err);
  for (size_t i = 0; i < n; i++) {
    g6_quote_leg *l = out[i];
    long j = qt ? g6_quote_table_find(qt, keys[i]) : -1;
    const g6_quote *q = j >= 0 ? g6_quote_table_get(qt, (size_t)j) : NULL;
    l->quoted = q != NULL;
    l->fetch = j >= 0 ? g6_quote_table_failed(qt, (size_t)j) : st;
    l->malformed = j >= 0 && g6_quote_table_malformed(qt, (size_t)j);
    l->last = l->avg = l->bid = l->ask = l->volume = l->oi = NAN;
    if (q == NULL)
      continue;
    l->last = q->last_price;
    /* Kite's average_price is 0 for a contract not traded today (an
     * average of no trades): unknown, not a price of 0 (a negative one
     * stays, for the leg check to reject) */
    if ((q->fields & G6_QF_AVERAGE_PRICE) && q->average_price != 0)
      l->avg = q->average_price;
    if (q->fields & G6_QF_VOLUME)
      l->volume = (double)q->volume;
    if (q->fields & G6_QF_OI)
      l->oi = (double)q->oi;
    if ((q->fields & G6_QF_DEPTH) && q->bid > 0)
      l->bid = q->bid;
    if ((q->fields & G6_QF_DEPTH) && q->ask > 0)
      l->ask = q->ask;
  }
  g6_quote_table_free(qt);
  return st;
}

static void prov_refresh(void *ctx) {
  g6_kite_provider *p = ctx;
  pthread_mutex_lock(&p->mu);
  p->want_refresh = true;
  pthread_mutex_unlock(&p->mu);
}

g6_provider g6_kite_provider_iface(g6_kite_provider *p) {
  g6_provider ifc = {p,           prov_underlying, prov_expiries,
                     prov_instrument, prov_quotes, prov_refresh};
  return ifc;
}
