#include "collector/collector.h"

#include "collector/quote_checks.h"
#include "collector/session.h"
#include "core/clock.h"
#include "core/thread.h"
#include "math/bs.h"
#include "math/desk.h"
#include "math/iv.h"
#include "store/snapshot.h"
#include "store/snapshot_history.h"
#include "store/snapshot_read.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define YEAR_SECONDS (365.0 * 86400.0)

struct g6_collector {
  g6_index_config ix;
  g6_collector_config cfg;
  char *data_dir;
  g6_provider p;
  g6_csv_sink *sink;
  size_t max_strikes;
  double *strikes;
  g6_chain_leg *legs[G6_MAX_EXPIRIES];
  /* scratch for one quotes call over every listed leg of every expiry: the
   * key of each, and the leg's quote the provider fills in place (no copy:
   * 64 bytes a leg, 2.6 MB at 40,000 legs) */
  const char **keys;
  g6_quote_leg **owners;
  /* scratch for one expiry's IV batch */
  g6_chain_leg **kept;
  g6_iv_job *jobs;
  uint64_t seq;
  bool seq_resumed; /* seq read from disk (the first cycle) */
  g6_status resume_st; /* while not: why, this cycle's try */
  g6_error resume_err;
  g6_buf snapshot; /* the serialized snapshot, reused every cycle */
  g6_session *session;
  bool session_tried; /* the latest snapshot was looked at for it */
  bool snapshot_begun;  /* this run wrote (or tried) a snapshot */
  bool history_checked; /* KeepSnapshots: the latest snapshot is in the
                           history (false at start: a crash may have left
                           it out; and after a failed link, a full disk) */
  int64_t hold_since; /* KeepSnapshots: the first cycle that held its
                       snapshot because the latest was not kept yet; 0 when
                       not holding */
  bool history_recovered; /* the restart's check was made: a day directory
                             missing later was never made, not pruned */
  /* per rule, the slot whose rows a tag collision last withheld: a cycle
   * again in that slot would have written nothing (the sink's duplicate
   * check), so its rows are not counted again */
  int64_t withheld_ts[G6_MAX_EXPIRIES];
};

g6_collector *g6_collector_new(const g6_index_config *ix,
                               const g6_collector_config *cfg,
                               g6_provider provider) {
  if (ix->below < 0 || ix->above < 0 || ix->below > G6_MAX_STRIKES_PER_SIDE ||
      ix->above > G6_MAX_STRIKES_PER_SIDE || ix->n_expiries > G6_MAX_EXPIRIES)
    return NULL;
  g6_collector *c = calloc(1, sizeof(*c));
  if (c == NULL)
    return NULL;
  c->ix = *ix;
  c->cfg = *cfg;
  c->p = provider;
  c->data_dir = strdup(cfg->data_dir ? cfg->data_dir : ".");
  c->cfg.data_dir = c->data_dir;
  c->max_strikes = (size_t)ix->below + (size_t)ix->above + 1;
  size_t legs_total = 2 * c->max_strikes * (ix->n_expiries ? ix->n_expiries : 1);
  c->strikes = calloc(c->max_strikes, sizeof(*c->strikes));
  c->keys = calloc(legs_total, sizeof(*c->keys));
  c->owners = calloc(legs_total, sizeof(*c->owners));
  c->kept = calloc(2 * c->max_strikes, sizeof(*c->kept));
  c->jobs = calloc(2 * c->max_strikes, sizeof(*c->jobs));
  c->session = g6_session_new();
  bool ok = c->data_dir && c->strikes && c->keys && c->owners &&
            c->kept && c->jobs && c->session;
  for (size_t e = 0; ok && e < ix->n_expiries; e++) {
    c->legs[e] = calloc(2 * c->max_strikes, sizeof(g6_chain_leg));
    ok = c->legs[e] != NULL;
  }
  if (ok && cfg->write_csv) {
    c->sink = g6_csv_sink_new(c->data_dir, ix->name, cfg->fsync, 0);
    ok = c->sink != NULL;
  }
  if (!ok) {
    g6_collector_free(c);
    return NULL;
  }
  return c;
}

/* Where the snapshot sequence resumes (store/snapshot_history.h
 * g6_snapshot_resume_seq). At the first cycle, on the index's thread: the
 * history may be a year of directories, and collectd's init, where
 * g6_collector_new runs, holds every other plugin's start. With
 * KeepSnapshots, a history that cannot be read leaves it unresumed: no
 * snapshot is written (a storage failure) and the next cycle tries again. */
static g6_status resume_seq(g6_collector *c, g6_error *err) {
  if (!c->cfg.write_snapshot) {
    c->seq_resumed = true;
    return G6_OK;
  }
  g6_status st = g6_snapshot_resume_seq(c->data_dir, c->ix.name,
                                        c->cfg.keep_snapshots, &c->seq, err);
  c->seq_resumed = st == G6_OK;
  return st;
}

void g6_collector_free(g6_collector *c) {
  if (c == NULL)
    return;
  g6_csv_sink_free(c->sink);
  g6_buf_free(&c->snapshot);
  g6_session_free(c->session);
  for (size_t e = 0; e < G6_MAX_EXPIRIES; e++)
    free(c->legs[e]);
  free(c->strikes);
  free(c->keys);
  free(c->owners);
  free(c->kept);
  free(c->jobs);
  free(c->data_dir);
  free(c);
}

size_t g6_collector_close(g6_collector *c, char *msg, size_t n) {
  if (n > 0)
    msg[0] = '\0';
  if (c == NULL)
    return 0;
  g6_error e = {0};
  size_t lost = g6_csv_sink_close(c->sink, &e);
  c->sink = NULL;
  if (lost > 0 && n > 0)
    snprintf(msg, n,
             "%s: CSV: %zu row(s) held in memory after failed writes could "
             "not be written at shutdown and are lost; the first: %s",
             c->ix.name, lost, e.msg);
  g6_collector_free(c);
  return lost;
}

typedef struct close_call {
  g6_collector *c;
  size_t lost;
  char msg[1024];
} close_call;

static void close_main(void *p) {
  close_call *k = p;
  k->lost = g6_collector_close(k->c, k->msg, sizeof(k->msg));
}

bool g6_collector_close_within(g6_collector *c, double timeout_s,
                               size_t *lost, char *msg, size_t n) {
  *lost = 0;
  if (n > 0)
    msg[0] = '\0';
  if (c == NULL)
    return true;
  char name[sizeof(c->ix.name)]; /* c is the close's once it runs */
  snprintf(name, sizeof(name), "%s", c->ix.name);
  close_call *k = calloc(1, sizeof(*k));
  if (k == NULL) {
    *lost = g6_collector_close(c, msg, n);
    return true;
  }
  k->c = c;
  if (!g6_call_within(close_main, k, timeout_s)) {
    /* k stays: the close may still end and write into it */
    if (n > 0)
      snprintf(msg, n,
               "%s: CSV: the rows held in memory after failed writes were "
               "not written within %.0f s at shutdown: the storage under "
               "DataDir does not answer (a hung mount); collectd stops "
               "without them",
               name, G6_STORAGE_GRACE_S);
    return false;
  }
  *lost = k->lost;
  if (n > 0)
    snprintf(msg, n, "%s", k->msg);
  free(k);
  return true;
}

size_t g6_collector_csv_families(g6_collector *c,
                                 const g6_csv_family_stats **out) {
  if (c->sink == NULL) {
    *out = NULL;
    return 0;
  }
  return g6_csv_sink_families(c->sink, out);
}

static void fail(g6_cycle_result *res, g6_status st, const char *msg) {
  if (res->error != G6_OK)
    return;
  res->error = st;
  snprintf(res->error_msg, sizeof(res->error_msg), "%s", msg);
}

/* In a session an index's quote ticks every second: one whose exchange
 * timestamp is far from the cycle instant (a frozen feed serving old
 * prices, or a clock far off) makes the index STALE and says so, and so
 * does one whose timestamp came but is not a time (its age is unknown: it
 * must not pass for current). Outside the calendar's session (ForceOpen)
 * old quotes are the market's last. */
static void check_spot_age(const g6_collector *c, g6_cycle_result *res) {
  double max = c->cfg.max_quote_age_s;
  if (!(max > 0) || res->spot_time == 0 ||
      !g6_market_is_open(c->cfg.calendar, res->now))
    return;
  if (res->spot_time == G6_QUOTE_TIME_UNREADABLE) {
    res->spot_stale = true;
    if (res->status != G6_CHAIN_EMPTY)
      res->status = G6_CHAIN_STALE;
    char msg[400];
    snprintf(msg, sizeof(msg),
             "the underlying %s's quote came with an exchange timestamp "
             "that is not a time (the provider's warning names it): its age "
             "is unknown, so it is not taken for current under MaxQuoteAge "
             "%g s; status STALE",
             c->ix.underlying, max);
    fail(res, G6_EUPSTREAM_DATA, msg);
    return;
  }
  /* the first ticks of a session come at its open: till then the last
   * one is the pre-open's or the previous close's, not a frozen feed */
  g6_ist_tm tm;
  g6_ist_breakdown(res->now, &tm);
  int open_sod = 0, close_sod = 0;
  int64_t since = res->spot_time;
  if (g6_calendar_session(c->cfg.calendar, tm.days, &open_sod, &close_sod)) {
    int64_t open = tm.days * 86400 + open_sod - G6_IST_OFFSET_S;
    if (open > since)
      since = open;
  }
  double age = (double)(res->now - since); /* whole seconds */
  if (fabs(age) <= max)
    return;
  age = (double)(res->now - res->spot_time); /* what the message says */
  res->spot_stale = true;
  if (res->status != G6_CHAIN_EMPTY)
    res->status = G6_CHAIN_STALE;
  char when[20], msg[400];
  g6_ist_format_ts(res->spot_time, when);
  snprintf(msg, sizeof(msg),
           "the underlying %s's quote is %.0f s %s (exchange timestamp %s "
           "IST), more than MaxQuoteAge %g s from the cycle: the provider "
           "serves %s prices or a clock is off; status STALE",
           c->ix.underlying, fabs(age), age > 0 ? "old" : "in the future",
           when, max, age > 0 ? "old" : "future");
  fail(res, G6_EUPSTREAM_DATA, msg);
}

/* IV and Greeks of an expiry's kept legs, from their last traded prices,
 * solved in one batch (the solver's fast path, identical results to one call
 * per leg). The Greeks are those of the solved volatility, also when it is
 * outside the configured bounds (the status says so; the value is never
 * clamped). */
static void solve_legs(g6_collector *c, g6_expiry_result *x, double spot,
                       g6_chain_leg **kept, size_t n) {
  /* a quote at intrinsic rounded down to its tick is at intrinsic, not
   * below it (math/iv.h) */
  g6_iv_opts opts = {c->cfg.iv_min,
                     c->cfg.iv_max > 0 ? c->cfg.iv_max : INFINITY,
                     G6_INDEX_OPTION_TICK};
  for (size_t i = 0; i < n; i++)
    c->jobs[i] = (g6_iv_job){kept[i]->q.is_put ? G6_PUT : G6_CALL,
                             kept[i]->q.strike, x->T, kept[i]->q.last, NAN,
                             G6_OK};
  g6_iv_bsm_batch(spot, c->cfg.r, c->cfg.q, &opts, c->jobs, n);
  for (size_t i = 0; i < n; i++) {
    g6_chain_leg *l = kept[i];
    l->iv = c->jobs[i].iv;
    l->iv_status = c->jobs[i].status;
    g6_greeks g;
    if ((l->iv_status == G6_OK || l->iv_status == G6_EIV_OUT_OF_BOUNDS) &&
        g6_bsm_greeks(l->q.is_put ? G6_PUT : G6_CALL, spot, l->q.strike, x->T,
                      c->cfg.r, c->cfg.q, l->iv, &g) == G6_OK) {
      l->delta = g.delta;
      l->gamma = g.gamma;
      l->theta = g.theta;
      l->vega = g.vega;
      l->rho = g.rho;
    } else {
      l->delta = l->gamma = l->theta = l->vega = l->rho = NAN;
    }
    if (l->iv_status == G6_OK)
      x->iv_ok++;
    else
      x->iv_failures[l->iv_status]++;
  }
}

/* Two rules that resolve to different contracts with one tag would write
 * into one directory <INDEX>/<tag>/<offset>/, where the second contract's
 * rows have the first's timestamp and would be skipped as duplicates,
 * silently. The tag rules hold their tags (a tag rule's tag is its name,
 * no two share one); then each date rule, in the order listed, holds the
 * tag derived from its days to expiry unless a different contract holds it
 * already: it is then marked withheld, its owner the holder (write_csv
 * counts its rows and shows the tag in missing_mask). A rule whose
 * contract is the holder's is that contract: nothing to mark. */
static void mark_tag_collisions(g6_cycle_result *res) {
  bool holds[G6_MAX_EXPIRIES] = {false};
  for (int pass = 0; pass < 2; pass++)
    for (size_t e = 0; e < res->n_expiries && e < G6_MAX_EXPIRIES; e++) {
      g6_expiry_result *x = &res->expiries[e];
      if (!x->resolved || (x->spec.rule == G6_EXPIRY_DATE) != (pass == 1))
        continue;
      long other = -1;
      bool same = false;
      for (size_t h = 0; h < res->n_expiries && h < G6_MAX_EXPIRIES; h++)
        if (holds[h] && strcmp(res->expiries[h].tag, x->tag) == 0) {
          if (g6_date_equal(res->expiries[h].date, x->date))
            same = true;
          else if (other < 0)
            other = (long)h;
        }
      if (other >= 0 && !same) {
        x->csv_withheld = true;
        x->tag_owner = (size_t)other;
      } else {
        holds[e] = true;
      }
    }
}

/* A rule as configured: its tag, or its date. */
static const char *rule_text(const g6_expiry_spec *sp, char buf[11]) {
  if (sp->rule != G6_EXPIRY_DATE)
    return g6_expiry_tags[sp->rule];
  g6_date_format(sp->date, buf);
  return buf;
}

char *g6_collector_tag_collision_msg(const g6_cycle_result *r, size_t e,
                                     char *buf, size_t n) {
  const g6_expiry_result *w = &r->expiries[e];
  const g6_expiry_result *o = &r->expiries[w->tag_owner];
  char wr[11], orl[11], wd[11], od[11];
  g6_date_format(w->date, wd);
  g6_date_format(o->date, od);
  snprintf(buf, n,
           "Expiry \"%s\" (contract %s) and Expiry \"%s\" (contract %s) "
           "both map to the CSV tag %s today, and a tag directory holds one "
           "contract: the rows of %s are not written to CSV (counted in "
           "collectd_g6_csv_skipped_rows_total{type=\"tag_collision\"}, tag "
           "bit %u in the overview's missing_mask); the snapshot and the "
           "metrics keep it. A date's tag follows its days to expiry (<= 7 "
           "this_week, <= 14 next_week, then this_month, next_month); Expiry "
           "takes this_week, next_week, this_month, next_month or YYYY-MM-DD: "
           "pin dates that cannot share a tag, or use the tag rules",
           rule_text(&w->spec, wr), wd, rule_text(&o->spec, orl), od, w->tag,
           wd, g6_expiry_tag_bit(w->tag));
  return buf;
}

/* Resolves the configured expiries and lists their legs' quote keys. */
static void plan_expiries(g6_collector *c, g6_cycle_result *res,
                          int64_t today, size_t *n_keys) {
  g6_date listed[256];
  g6_expiry_kind kinds[256];
  size_t n_listed = 0;
  g6_error err;
  g6_error_clear(&err);
  g6_status lst = c->p.expiries(c->p.ctx, c->ix.name, c->ix.segment, today,
                                listed, kinds, 256, &n_listed, &err);
  if (lst != G6_OK) {
    fail(res, lst, err.msg);
    n_listed = 0;
  } else if (n_listed == 0 && c->p.refresh != NULL) {
    /* the index is not in the list (any more, or not yet): a fresher list
     * may have it; the provider rate-limits these requests */
    c->p.refresh(c->p.ctx);
  }
  res->n_expiries = c->ix.n_expiries;
  for (size_t e = 0; e < c->ix.n_expiries; e++) {
    g6_expiry_result *x = &res->expiries[e];
    x->spec = c->ix.expiries[e];
    x->legs = c->legs[e];
    x->pcr_oi = x->pcr_volume = NAN;
    x->field_coverage = NAN; /* no leg kept yet: an empty denominator */
    x->lot_size = x->straddle_open = NAN;
    g6_status rs = lst;
    if (lst == G6_OK)
      rs = g6_expiry_resolve(&x->spec, listed, kinds, n_listed, today,
                             &x->date, &x->kind, &err);
    if (rs != G6_OK) {
      if (lst == G6_OK) /* a provider failure is already recorded */
        fail(res, rs, err.msg);
      x->resolve_status = rs;
      x->tag = g6_expiry_tag(&x->spec, today, x->spec.date);
      x->status = G6_CHAIN_EMPTY;
      x->legs_requested = 2 * res->n_strikes;
      x->pcr_missing_oi = x->pcr_missing_volume = x->legs_requested;
      continue;
    }
    x->resolved = true;
    x->tag = g6_expiry_tag(&x->spec, today, x->date);
    x->expiry_epoch = g6_expiry_epoch(x->date);
    x->T = ((double)x->expiry_epoch - res->now_exact) / YEAR_SECONDS;
    x->legs_requested = 2 * res->n_strikes;
    for (size_t i = 0; i < res->n_strikes; i++) {
      for (int put = 0; put < 2; put++) {
        g6_chain_leg *l = &x->legs[2 * i + (size_t)put];
        memset(l, 0, sizeof(*l));
        l->q.strike = res->strikes[i];
        l->q.is_put = put;
        l->q.last = l->q.avg = l->q.bid = l->q.ask = NAN;
        l->q.volume = l->q.oi = NAN;
        l->iv = l->delta = l->gamma = l->theta = l->vega = l->rho = NAN;
        l->oi_open = l->last_prev = l->oi_prev = NAN;
        l->iv_status = G6_ENOENT;
        double lot = NAN;
        g6_status is = c->p.instrument(c->p.ctx, c->ix.name, c->ix.segment,
                                       x->date, res->strikes[i], put, l->key,
                                       sizeof(l->key), &lot);
        /* every contract of an expiry has one lot size: the first known */
        if (is == G6_OK && isnan(x->lot_size) && isfinite(lot) && lot > 0)
          x->lot_size = lot;
        if (is != G6_OK) {
          l->key[0] = '\0';
          l->reject = G6_REJECT_NOT_LISTED;
          continue;
        }
        x->legs_listed++;
        c->keys[*n_keys] = l->key;
        c->owners[*n_keys] = &l->q;
        (*n_keys)++;
      }
    }
  }
  mark_tag_collisions(res);
}

/* Sanitization, IV/Greeks, coverage, PCR and status of one expiry. */
static void finish_expiry(g6_collector *c, g6_cycle_result *res,
                          g6_expiry_result *x) {
  if (!x->resolved)
    return;
  size_t strikes_with_leg = 0, n_kept = 0;
  double put_oi = 0, call_oi = 0, put_vol = 0, call_vol = 0;
  /* kept legs with a known OI / volume, by side: a side without one has an
   * unknown total, and its ratio is NaN, not 0 */
  size_t oi_known[2] = {0, 0}, vol_known[2] = {0, 0};
  for (size_t i = 0; i < res->n_strikes; i++) {
    bool any = false;
    for (int put = 0; put < 2; put++) {
      g6_chain_leg *l = &x->legs[2 * i + (size_t)put];
      if (l->key[0] != '\0')
        l->reject = g6_leg_check(&l->q, res->atm, c->cfg.strike_band);
      x->rejects[l->reject]++;
      if (l->reject != G6_REJECT_NONE)
        continue;
      any = true;
      x->legs_collected++;
      if (g6_leg_has_fields(&l->q))
        x->legs_with_fields++;
      double oi = isfinite(l->q.oi) ? l->q.oi : 0;
      double vol = isfinite(l->q.volume) ? l->q.volume : 0;
      oi_known[put] += isfinite(l->q.oi);
      vol_known[put] += isfinite(l->q.volume);
      if (put) {
        put_oi += oi;
        put_vol += vol;
      } else {
        call_oi += oi;
        call_vol += vol;
      }
      c->kept[n_kept++] = l;
    }
    if (any)
      strikes_with_leg++;
  }
  solve_legs(c, x, res->spot, c->kept, n_kept);
  x->rejects[G6_REJECT_NONE] = 0; /* only reasons are counted */
  /* a ratio with an empty denominator is unknown (NaN), never 0 */
  x->strike_coverage =
      res->n_strikes ? (double)strikes_with_leg / (double)res->n_strikes : NAN;
  x->field_coverage = x->legs_collected ? (double)x->legs_with_fields /
                                              (double)x->legs_collected
                                        : NAN;
  x->pcr_oi = call_oi > 0 && oi_known[1] > 0 ? put_oi / call_oi : NAN;
  x->pcr_volume = call_vol > 0 && vol_known[1] > 0 ? put_vol / call_vol : NAN;
  /* what the ratios leave out, so a biased ratio is not taken for whole:
   * of the legs that exist (a strike the exchange does not list, or one
   * beyond StrikeBand, is not part of any ratio, and would keep the count
   * above 0 for good on a ladder wider than the listed strikes) */
  size_t exist = x->legs_requested;
  for (int r = 0; r < G6_REJECT_REASON_COUNT; r++)
    if (!g6_reject_leg_exists((g6_reject_reason)r))
      exist -= x->rejects[r];
  x->pcr_missing_oi = exist - oi_known[0] - oi_known[1];
  x->pcr_missing_volume = exist - vol_known[0] - vol_known[1];
  x->status = g6_expiry_status(x->legs_collected, x->strike_coverage,
                               x->field_coverage, &c->cfg.thresholds);
}

static g6_csv_leg csv_leg(const g6_chain_leg *l) {
  g6_csv_leg o;
  memset(&o, 0, sizeof(o));
  o.present = l->reject == G6_REJECT_NONE;
  if (!o.present)
    return o;
  o.last = l->q.last;
  o.avg = l->q.avg;
  o.volume = l->q.volume;
  o.oi = l->q.oi;
  o.iv = l->iv;
  o.delta = l->delta;
  o.theta = l->theta;
  o.vega = l->vega;
  o.gamma = l->gamma;
  o.rho = l->rho;
  return o;
}

static void note_csv(g6_cycle_result *res, g6_status st, const g6_error *e) {
  if (st != G6_OK && res->csv_status == G6_OK) {
    res->csv_status = st;
    snprintf(res->csv_msg, sizeof(res->csv_msg), "%s", e->msg);
  }
}

/* The file a torn-tail repair of this cycle cut, for the log. */
static void note_repair(g6_collector *c, g6_cycle_result *res) {
  if (c->sink == NULL || res->csv.torn_repaired == 0)
    return;
  snprintf(res->csv_torn_path, sizeof(res->csv_torn_path), "%s",
           g6_csv_sink_last_repair(c->sink, &res->csv_torn_bytes));
}

static void write_csv(g6_collector *c, g6_cycle_result *res) {
  g6_error e;
  g6_csv_option_row *rows = calloc(res->n_strikes ? res->n_strikes : 1,
                                   sizeof(*rows));
  if (rows == NULL) {
    res->csv_status = G6_ENOMEM;
    return;
  }
  g6_csv_overview ov;
  memset(&ov, 0, sizeof(ov));
  for (size_t k = 0; k < res->n_expiries; k++) {
    const g6_expiry_result *x = &res->expiries[k];
    unsigned bit = g6_expiry_tag_bit(x->tag);
    ov.expected_mask |= bit;
    if (!x->resolved || x->legs_collected == 0)
      continue;
    if (x->csv_withheld) /* the tag's directory is another contract's */
      ov.withheld_mask |= bit;
    size_t n = 0;
    for (size_t i = 0; i < res->n_strikes; i++) {
      const g6_chain_leg *ce = &x->legs[2 * i], *pe = &x->legs[2 * i + 1];
      if (ce->reject != G6_REJECT_NONE && pe->reject != G6_REJECT_NONE)
        continue; /* nothing collected at this strike: no row */
      rows[n].index_price = res->spot;
      rows[n].atm = res->atm;
      rows[n].strike = res->strikes[i];
      rows[n].ce = csv_leg(ce);
      rows[n].pe = csv_leg(pe);
      n++;
    }
    if (x->csv_withheld) {
      if (k < G6_MAX_EXPIRIES && res->ts > c->withheld_ts[k]) {
        res->expiries[k].csv_rows_withheld = n;
        c->withheld_ts[k] = res->ts;
      }
      continue;
    }
    g6_status st = g6_csv_write_options(c->sink, res->ts, x->tag, x->date, rows,
                                        n, &res->csv, &e);
    note_csv(res, st, &e);
    int ti = g6_expiry_tag_index(x->tag);
    if (ti >= 0) {
      ov.collected_mask |= bit;
      /* an undefined PCR (no call OI) is written as 0 like the old files */
      ov.pcr[ti] = isfinite(x->pcr_oi) ? x->pcr_oi : 0.0;
    }
  }
  free(rows);
  ov.expiries_expected = (int)res->n_expiries;
  ov.day_width = (isfinite(res->day_high) && isfinite(res->day_low))
                     ? res->day_high - res->day_low
                     : NAN;
  ov.index_price = res->spot;
  ov.vix = res->vix; /* unknown: 0.0, the old format has no empty value */
  g6_status st = g6_csv_write_overview(c->sink, res->ts, &ov, &res->csv, &e);
  note_csv(res, st, &e);
  st = g6_csv_sink_flush(c->sink, &res->csv, &e);
  note_csv(res, st, &e);
}

/* A snapshot not written this cycle: the storage failure it counts as. */
static void snapshot_failed(g6_cycle_result *res, g6_status st,
                            const char *prefix, const char *msg) {
  res->snapshot_status = st;
  snprintf(res->snapshot_msg, sizeof(res->snapshot_msg), "%s%.420s", prefix,
           msg);
}

static void write_snapshot(g6_collector *c, g6_cycle_result *res) {
  g6_error e;
  res->snapshot_written = true;
  bool durable = c->cfg.fsync != G6_FSYNC_NEVER;
  if (!c->snapshot_begun) {
    /* the temporary files a writer killed mid-write left (this thread is
     * the index's one writer, under the DataDir lock): the latest file's,
     * and a history copy's (a file system without hard links) in any day
     * directory */
    c->snapshot_begun = true;
    g6_snapshot_remove_stale(c->data_dir, c->ix.name);
    if (c->cfg.keep_snapshots)
      g6_snapshot_history_remove_stale(c->data_dir, c->ix.name, 0);
  }
  g6_status st;
  if (!c->seq_resumed) { /* tried at the top of this cycle */
    snapshot_failed(res, c->resume_st, "", c->resume_err.msg);
    return;
  }
  g6_status lost = G6_OK; /* the previous snapshot given up on */
  g6_error lost_why;
  if (c->cfg.keep_snapshots && !c->history_checked) {
    /* the latest file is about to be replaced: if a crash kept it out of
     * the history, or its link failed last cycle, it goes there now; while
     * it cannot, it is not replaced (this cycle's snapshot is not written)
     * and the next cycle tries again — for G6_SNAPSHOT_HOLD_MAX_S, then
     * the live snapshot moves on without it */
    int64_t now = c->history_recovered ? 0 : res->now;
    if ((st = g6_snapshot_history_recover(c->data_dir, c->ix.name, now,
                                          durable, &e)) != G6_OK) {
      if (c->hold_since <= 0)
        c->hold_since = res->now > 0 ? res->now : 1;
      if ((double)(res->now - c->hold_since) < G6_SNAPSHOT_HOLD_MAX_S) {
        snapshot_failed(res, st,
                        "history: the previous snapshot is not kept, so it "
                        "is not replaced: ",
                        e.msg);
        return;
      }
      lost = st;
      lost_why = e;
    } else {
      c->history_checked = c->history_recovered = true;
      c->hold_since = 0;
    }
  }
  /* a name the history holds already is not taken: the sequence moves on */
  if (c->cfg.keep_snapshots &&
      (st = g6_snapshot_history_next_seq(c->data_dir, c->ix.name, res->now,
                                         &c->seq, &e)) != G6_OK) {
    snapshot_failed(res, st, "history: ", e.msg);
    return;
  }
  g6_snapshot s = {.ix = &c->ix,
                   .seq = c->seq + 1,
                   .generated_at = res->now,
                   .ts = res->ts,
                   .market_open = res->market_open,
                   .status = res->status,
                   .error = res->error,
                   .spot = res->spot,
                   .spot_time = res->spot_time,
                   .atm = res->atm,
                   .step = res->step,
                   .day_high = res->day_high,
                   .day_low = res->day_low,
                   .vix = res->vix,
                   .r = c->cfg.r,
                   .q = c->cfg.q,
                   .n_strikes = res->n_strikes,
                   .strikes = res->strikes,
                   .n_expiries = res->n_expiries,
                   .expiries = res->expiries};
  st = g6_snapshot_write(c->data_dir, &s, &c->snapshot, durable, &e);
  if (st != G6_OK) {
    snapshot_failed(res, st, "", e.msg);
    return;
  }
  res->snapshot_seq = ++c->seq;
  if (c->cfg.keep_snapshots &&
      (st = g6_snapshot_history_keep(c->data_dir, c->ix.name, s.generated_at,
                                     s.seq, durable, &e)) != G6_OK) {
    snapshot_failed(res, st, "history: ", e.msg);
    c->history_checked = false; /* kept before it is replaced */
  }
  if (lost != G6_OK) {
    char msg[80];
    snprintf(msg, sizeof(msg),
             "history: unkept for %lld s, the previous snapshot is replaced: ",
             (long long)(res->now - c->hold_since));
    snapshot_failed(res, lost, msg, lost_why.msg);
  }
}

/* The ATM straddle of one expiry now (math/desk.h: mid when quoted, else
 * last), from its kept legs at the ATM strike; NAN when one is missing. */
static double straddle_now(const g6_cycle_result *res,
                           const g6_expiry_result *x) {
  g6_leg atm[2];
  size_t n = 0;
  for (size_t i = 0; i < 2 * res->n_strikes; i++) {
    const g6_chain_leg *l = &x->legs[i];
    if (l->q.strike != res->atm || l->reject != G6_REJECT_NONE)
      continue;
    atm[n] = g6_leg_make(l->q.strike, l->q.is_put ? G6_PUT : G6_CALL,
                         x->expiry_epoch, x->T);
    atm[n].last = l->q.last;
    atm[n].bid = l->q.bid;
    atm[n].ask = l->q.ask;
    n++;
  }
  g6_straddle st;
  if (g6_desk_straddle(atm, n, res->atm, res->spot, G6_PRICE_MID_OR_LAST,
                       &st) != G6_OK)
    return NAN;
  return st.price;
}

/* Every leg's session references and each expiry's straddle at the open
 * (collector/session.h). The state comes back from the latest snapshot at
 * the first cycle after a start, when that snapshot is of today. */
static void session_step(g6_collector *c, g6_cycle_result *res,
                         int64_t today) {
  if (!c->session_tried && c->cfg.write_snapshot) {
    c->session_tried = true;
    char path[4096];
    snprintf(path, sizeof(path), "%s/snapshots/%s.json", c->data_dir,
             c->ix.name);
    g6_snapshot_doc d;
    g6_error e;
    if (g6_snapshot_read_file(path, 0, &d, &e) == G6_OK &&
        strcmp(d.ix.name, c->ix.name) == 0)
      res->session_restored = g6_session_restore(c->session, &d, today);
    g6_snapshot_doc_free(&d);
  }
  g6_session_cycle(c->session, today);
  for (size_t e = 0; e < res->n_expiries; e++) {
    g6_expiry_result *x = &res->expiries[e];
    if (!x->resolved)
      continue;
    int64_t ed = g6_days_from_civil(x->date.year, x->date.month, x->date.day);
    for (size_t i = 0; i < 2 * res->n_strikes; i++) {
      g6_chain_leg *l = &x->legs[i];
      /* out of memory leaves the references unknown (NAN), nothing more */
      (void)g6_session_leg(c->session, ed, l->q.strike, l->q.is_put != 0,
                           l->reject == G6_REJECT_NONE, l->q.last, l->q.oi,
                           &l->oi_open, &l->last_prev, &l->oi_prev);
    }
    x->straddle_open =
        g6_session_straddle_open(c->session, ed, straddle_now(res, x));
  }
}

g6_status g6_collector_cycle(g6_collector *c, double now,
                             g6_cycle_result *res) {
  double t0 = g6_monotonic_now();
  if (!c->seq_resumed) /* reported by write_snapshot while failing */
    c->resume_st = resume_seq(c, &c->resume_err);
  memset(res, 0, sizeof(*res));
  res->now = (int64_t)floor(now);
  res->now_exact = now;
  res->ts = g6_round30(now, G6_ROUND_NEAREST);
  res->spot = res->atm = res->day_high = res->day_low = res->vix = NAN;
  res->step = c->ix.step;
  res->strikes = c->strikes;
  res->snapshot_seq = c->seq;
  res->status = G6_CHAIN_EMPTY;
  res->market_open =
      c->cfg.force_open || g6_market_is_open(c->cfg.calendar, res->now);
  g6_ist_tm now_tm;
  g6_ist_breakdown(res->now, &now_tm);
  res->year = now_tm.date.year;
  res->calendar_entries =
      g6_calendar_year_entries(c->cfg.calendar, res->year);
  if (!res->market_open) {
    /* outside the session: fetch nothing, keep the series warm */
    res->n_expiries = c->ix.n_expiries;
    g6_ist_tm tm;
    g6_ist_breakdown(res->now, &tm);
    for (size_t e = 0; e < c->ix.n_expiries; e++) {
      res->expiries[e].spec = c->ix.expiries[e];
      res->expiries[e].tag =
          g6_expiry_tag(&c->ix.expiries[e], tm.days, c->ix.expiries[e].date);
      res->expiries[e].status = G6_CHAIN_EMPTY;
      res->expiries[e].pcr_oi = res->expiries[e].pcr_volume = NAN;
      res->expiries[e].lot_size = res->expiries[e].straddle_open = NAN;
    }
    if (c->sink != NULL) { /* retry rows a failed write left behind */
      g6_error e;
      note_csv(res, g6_csv_sink_flush(c->sink, &res->csv, &e), &e);
      /* no rows are due until the session: nothing held meanwhile */
      note_csv(res, g6_csv_sink_release_held(c->sink, &e), &e);
    }
    note_repair(c, res);
    res->duration_s = g6_monotonic_now() - t0;
    return G6_OK;
  }
  res->attempted = true;
  g6_error err;
  g6_error_clear(&err);
  double spot = NAN, high = NAN, low = NAN, vix = NAN;
  int64_t spot_time = 0;
  g6_status st = c->p.underlying(c->p.ctx, c->ix.underlying, c->ix.vix, &spot,
                                 &high, &low, &vix, &spot_time, &err);
  res->vix = vix; /* known or not, whatever became of the underlying */
  if (st == G6_OK && !(isfinite(spot) && spot > 0)) {
    st = G6_EPROTO;
    g6_error_set(&err, st, "underlying %s: last price %g is not positive",
                 c->ix.underlying, spot);
  }
  size_t n_keys = 0;
  g6_ist_tm tm;
  g6_ist_breakdown(res->now, &tm);
  if (st != G6_OK) {
    /* no price, no ATM: nothing can be requested (and nothing invented) */
    fail(res, st, err.msg);
    res->n_expiries = c->ix.n_expiries;
    for (size_t e = 0; e < c->ix.n_expiries; e++) {
      g6_expiry_result *x = &res->expiries[e];
      x->spec = c->ix.expiries[e];
      x->tag = g6_expiry_tag(&x->spec, tm.days, x->spec.date);
      x->status = G6_CHAIN_EMPTY;
      x->resolve_status = st;
      x->pcr_oi = x->pcr_volume = NAN;
      x->lot_size = x->straddle_open = NAN;
      x->strike_coverage = x->field_coverage = NAN; /* no ATM, no ladder */
      x->legs_requested = 2 * c->max_strikes;
      x->pcr_missing_oi = x->pcr_missing_volume = x->legs_requested;
    }
  } else {
    res->spot = spot;
    res->spot_time = spot_time;
    res->day_high = high;
    res->day_low = low;
    res->atm = g6_atm_round(spot, c->ix.step);
    res->n_strikes = g6_strike_ladder(res->atm, c->ix.step, c->ix.below,
                                      c->ix.above, c->strikes, c->max_strikes);
    /* an expiry passes at 15:30 IST: from then on the next one is nearest */
    int64_t first_day = tm.days + (tm.sod >= G6_SESSION_CLOSE_S ? 1 : 0);
    plan_expiries(c, res, first_day, &n_keys);
  }
  if (n_keys > 0) {
    for (size_t i = 0; i < n_keys; i++) {
      c->owners[i]->quoted = false;
      c->owners[i]->fetch = G6_OK;
    }
    g6_error_clear(&err);
    /* a failed request loses only its own legs (rejected as
     * request_failed); coverage decides the status */
    st = c->p.quotes(c->p.ctx, c->keys, n_keys, c->owners, &err);
    if (st != G6_OK)
      fail(res, st, err.msg);
  }
  bool vanished = false;
  size_t legs_total = 0, empty_st[G6_MAX_EXPIRIES];
  g6_chain_status xs[G6_MAX_EXPIRIES];
  double fc[G6_MAX_EXPIRIES];
  for (size_t e = 0; e < res->n_expiries; e++) {
    g6_expiry_result *x = &res->expiries[e];
    finish_expiry(c, res, x);
    legs_total += x->legs_collected;
    /* an expiry that resolved from the list but has nothing listed or
     * quoted any more: the list is stale (the expiry vanished) */
    if (x->resolved && st == G6_OK && x->legs_collected == 0 &&
        (x->legs_listed == 0 ||
         x->rejects[G6_REJECT_MISSING_QUOTE] == x->legs_listed))
      vanished = true;
    xs[e] = x->status;
    empty_st[e] = x->legs_collected;
    fc[e] = x->field_coverage;
  }
  /* parity forwards and no-arbitrage flags of the kept legs (after IV: the
   * calendar check reads it); out of memory leaves them unchecked */
  g6_quote_checks(res->expiries, res->n_expiries, res->n_strikes, res->spot,
                  c->cfg.r, c->cfg.q, NULL);
  if (vanished && c->p.refresh != NULL)
    c->p.refresh(c->p.ctx);
  if (res->n_strikes > 0)
    session_step(c, res, tm.days);
  res->status = g6_index_status(xs, empty_st, fc, res->n_expiries,
                                &c->cfg.thresholds);
  check_spot_age(c, res);
  res->success = legs_total > 0;
  if (res->success && c->sink != NULL)
    write_csv(c, res);
  else if (c->sink != NULL) {
    g6_error e;
    note_csv(res, g6_csv_sink_flush(c->sink, &res->csv, &e), &e);
  }
  note_repair(c, res);
  if (res->success && c->cfg.write_snapshot)
    write_snapshot(c, res);
  res->duration_s = g6_monotonic_now() - t0;
  return G6_OK;
}
