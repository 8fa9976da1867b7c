#include "store/snapshot.h"

#include "core/buf.h"
#include "core/fsutil.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A number, or null when not finite (unknown). */
static g6_json *num(double v) {
  return isfinite(v) ? g6_json_real(v) : g6_json_null();
}

static g6_json *count(double v) {
  if (!isfinite(v))
    return g6_json_null();
  if (v == floor(v) && fabs(v) < 9007199254740992.0)
    return g6_json_int((int64_t)v);
  return g6_json_real(v);
}

/* Adds key: value, tracking the first failure in *st. */
static void put(g6_json *o, const char *k, g6_json *v, g6_status *st) {
  g6_status s = g6_json_object_set(o, k, v);
  if (*st == G6_OK)
    *st = s;
}

static g6_json *leg_json(const g6_chain_leg *l, g6_status *st) {
  g6_json *o = g6_json_object();
  if (o == NULL) {
    *st = G6_ENOMEM;
    return NULL;
  }
  put(o, "strike", count(l->q.strike), st);
  put(o, "type", g6_json_string(l->q.is_put ? "PE" : "CE"), st);
  put(o, "key", l->key[0] ? g6_json_string(l->key) : g6_json_null(), st);
  put(o, "quoted", g6_json_bool(l->q.quoted), st);
  put(o, "kept", g6_json_bool(l->reject == G6_REJECT_NONE), st);
  put(o, "reject",
      l->reject == G6_REJECT_NONE ? g6_json_null()
                                  : g6_json_string(g6_reject_reason_name(l->reject)),
      st);
  put(o, "last", num(l->q.last), st);
  put(o, "avg", num(l->q.avg), st);
  put(o, "bid", num(l->q.bid), st);
  put(o, "ask", num(l->q.ask), st);
  put(o, "volume", count(l->q.volume), st);
  put(o, "oi", count(l->q.oi), st);
  put(o, "iv", num(l->iv), st);
  put(o, "iv_status", g6_json_string(g6_status_name(l->iv_status)), st);
  put(o, "delta", num(l->delta), st);
  put(o, "gamma", num(l->gamma), st);
  put(o, "theta", num(l->theta), st);
  put(o, "vega", num(l->vega), st);
  put(o, "rho", num(l->rho), st);
  return o;
}

static g6_json *expiry_json(const g6_expiry_result *e, size_t n_strikes,
                            g6_status *st) {
  g6_json *o = g6_json_object();
  if (o == NULL) {
    *st = G6_ENOMEM;
    return NULL;
  }
  char date[11] = "";
  put(o, "tag", g6_json_string(e->tag), st);
  put(o, "rule",
      g6_json_string(e->spec.rule == G6_EXPIRY_DATE ? "date" : e->tag), st);
  put(o, "resolved", g6_json_bool(e->resolved), st);
  if (e->resolved)
    g6_date_format(e->date, date);
  put(o, "date", e->resolved ? g6_json_string(date) : g6_json_null(), st);
  put(o, "kind",
      e->resolved && e->kind != G6_EXPIRY_KIND_UNKNOWN
          ? g6_json_string(g6_expiry_kind_name(e->kind))
          : g6_json_null(),
      st);
  put(o, "error",
      e->resolved ? g6_json_null()
                  : g6_json_string(g6_status_name(e->resolve_status)),
      st);
  put(o, "expiry_epoch", e->resolved ? g6_json_int(e->expiry_epoch)
                                     : g6_json_null(), st);
  put(o, "T", e->resolved ? num(e->T) : g6_json_null(), st);
  put(o, "status", g6_json_string(g6_chain_status_name(e->status)), st);
  put(o, "legs_requested", g6_json_int((int64_t)e->legs_requested), st);
  put(o, "legs_listed", g6_json_int((int64_t)e->legs_listed), st);
  put(o, "legs_collected", g6_json_int((int64_t)e->legs_collected), st);
  put(o, "strike_coverage", num(e->strike_coverage), st);
  put(o, "field_coverage", num(e->field_coverage), st);
  put(o, "pcr_oi", num(e->pcr_oi), st);
  put(o, "pcr_volume", num(e->pcr_volume), st);
  g6_json *rej = g6_json_object();
  for (int r = 1; r < G6_REJECT_REASON_COUNT; r++)
    put(rej, g6_reject_reason_name((g6_reject_reason)r),
        g6_json_int((int64_t)e->rejects[r]), st);
  put(o, "rejects", rej, st);
  g6_json *legs = g6_json_array();
  if (e->legs != NULL && e->resolved) {
    for (size_t i = 0; i < 2 * n_strikes; i++) {
      g6_status s = g6_json_array_push(legs, leg_json(&e->legs[i], st));
      if (*st == G6_OK)
        *st = s;
    }
  }
  put(o, "legs", legs, st);
  return o;
}

g6_json *g6_snapshot_build(const g6_snapshot *res) {
  const g6_index_config *ix = res->ix;
  g6_status st = G6_OK;
  g6_json *o = g6_json_object();
  if (o == NULL)
    return NULL;
  char ts[20];
  g6_ist_format_ts(res->ts, ts);
  put(o, "schema", g6_json_string(G6_SNAPSHOT_SCHEMA), &st);
  put(o, "index", g6_json_string(ix->name), &st);
  put(o, "underlying", g6_json_string(ix->underlying), &st);
  put(o, "segment", g6_json_string(ix->segment), &st);
  put(o, "seq", g6_json_int((int64_t)res->seq), &st);
  put(o, "generated_at", g6_json_int(res->generated_at), &st);
  put(o, "timestamp", g6_json_string(ts), &st);
  put(o, "market_open", g6_json_bool(res->market_open), &st);
  put(o, "status", g6_json_string(g6_chain_status_name(res->status)), &st);
  put(o, "error",
      res->error == G6_OK ? g6_json_null()
                          : g6_json_string(g6_status_name(res->error)),
      &st);
  put(o, "spot", num(res->spot), &st);
  put(o, "atm", count(res->atm), &st);
  put(o, "step", count(res->step), &st);
  put(o, "day_high", num(res->day_high), &st);
  put(o, "day_low", num(res->day_low), &st);
  put(o, "r", num(res->r), &st);
  put(o, "q", num(res->q), &st);
  g6_json *strikes = g6_json_array();
  for (size_t i = 0; i < res->n_strikes; i++) {
    g6_status s = g6_json_array_push(strikes, count(res->strikes[i]));
    if (st == G6_OK)
      st = s;
  }
  put(o, "strikes", strikes, &st);
  g6_json *ex = g6_json_array();
  for (size_t i = 0; i < res->n_expiries; i++) {
    g6_status s =
        g6_json_array_push(ex, expiry_json(&res->expiries[i], res->n_strikes, &st));
    if (st == G6_OK)
      st = s;
  }
  put(o, "expiries", ex, &st);
  if (st != G6_OK) {
    g6_json_free(o);
    return NULL;
  }
  return o;
}

static int snapshot_path(const char *data_dir, const char *index, char *dir,
                         size_t dlen, char *path, size_t plen) {
  int a = snprintf(dir, dlen, "%s/snapshots", data_dir);
  int b = snprintf(path, plen, "%s/snapshots/%s.json", data_dir, index);
  return (a < 0 || (size_t)a >= dlen || b < 0 || (size_t)b >= plen) ? -1 : 0;
}

g6_status g6_snapshot_write(const char *data_dir, const char *index,
                            const g6_json *doc, bool durable, g6_error *err) {
  char dir[PATH_MAX], path[PATH_MAX];
  if (snapshot_path(data_dir, index, dir, sizeof(dir), path, sizeof(path)))
    return g6_error_set(err, G6_EINVAL, "snapshot path too long");
  g6_status st = g6_mkdir_p(dir, 0755, err);
  if (st != G6_OK)
    return st;
  g6_buf b = G6_BUF_INIT;
  st = g6_json_dump_pretty(doc, &b);
  if (st != G6_OK) {
    g6_buf_free(&b);
    return g6_error_set(err, st, "cannot serialize the %s snapshot", index);
  }
  st = g6_atomic_write(path, b.data, b.len, 0644, durable, err);
  g6_buf_free(&b);
  return st;
}

uint64_t g6_snapshot_last_seq(const char *data_dir, const char *index) {
  char dir[PATH_MAX], path[PATH_MAX];
  if (snapshot_path(data_dir, index, dir, sizeof(dir), path, sizeof(path)))
    return 0;
  char *text = NULL;
  size_t len = 0;
  if (g6_read_file(path, 64u << 20, &text, &len, NULL) != G6_OK)
    return 0;
  g6_json *doc = NULL;
  uint64_t seq = 0;
  if (g6_json_parse(text, len, &doc, NULL) == G6_OK) {
    const char *t = g6_json_get_int_text(g6_json_object_get(doc, "seq"));
    if (t != NULL && t[0] != '-')
      seq = strtoull(t, NULL, 10);
  }
  g6_json_free(doc);
  free(text);
  return seq;
}
