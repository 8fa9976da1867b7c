#include "store/snapshot.h"

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/jsonw.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Keys are written in byte order in every object, so the file equals what
 * g6_json_dump_pretty writes for the same document (test_snapshot proves
 * it by re-parsing and re-dumping). */

/* Reject reason tokens in byte order, for the "rejects" object. */
static int reject_order[G6_REJECT_REASON_COUNT];
static pthread_once_t reject_once = PTHREAD_ONCE_INIT;

static int cmp_reason(const void *a, const void *b) {
  return strcmp(g6_reject_reason_name((g6_reject_reason) * (const int *)a),
                g6_reject_reason_name((g6_reject_reason) * (const int *)b));
}

static void sort_reasons(void) {
  for (int r = 1; r < G6_REJECT_REASON_COUNT; r++)
    reject_order[r - 1] = r;
  qsort(reject_order, G6_REJECT_REASON_COUNT - 1, sizeof(int), cmp_reason);
}

/* Keys of the "arbitrage" object: the rules (G6_ARB_NONE is not one) and
 * two totals, in byte order. */
enum { ARB_CHECKED = G6_ARB_RULE_COUNT, ARB_FLAGGED, ARB_KEY_END };
#define N_ARB_KEYS ((size_t)ARB_KEY_END - 1)
static int arb_order[N_ARB_KEYS];
static pthread_once_t arb_once = PTHREAD_ONCE_INIT;

static const char *arb_key(int k) {
  return k == ARB_CHECKED   ? "checked"
         : k == ARB_FLAGGED ? "flagged"
                            : g6_arb_rule_name((g6_arb_rule)k);
}

static int cmp_arb(const void *a, const void *b) {
  return strcmp(arb_key(*(const int *)a), arb_key(*(const int *)b));
}

static void sort_arb(void) {
  for (int k = 1; k < ARB_KEY_END; k++)
    arb_order[k - 1] = k;
  qsort(arb_order, N_ARB_KEYS, sizeof(int), cmp_arb);
}

static void put_leg(g6_jw *w, const g6_chain_leg *l) {
  g6_jw_object_begin(w);
  G6_JW_KEY(w, "arb");
  if (l->arb == G6_ARB_NONE)
    g6_jw_null(w);
  else
    g6_jw_string(w, g6_arb_rule_name(l->arb));
  G6_JW_KEY(w, "ask");
  g6_jw_number_or_null(w, l->q.ask);
  G6_JW_KEY(w, "avg");
  g6_jw_number_or_null(w, l->q.avg);
  G6_JW_KEY(w, "bid");
  g6_jw_number_or_null(w, l->q.bid);
  G6_JW_KEY(w, "delta");
  g6_jw_number_or_null(w, l->delta);
  G6_JW_KEY(w, "gamma");
  g6_jw_number_or_null(w, l->gamma);
  G6_JW_KEY(w, "iv");
  g6_jw_number_or_null(w, l->iv);
  G6_JW_KEY(w, "iv_status");
  g6_jw_string(w, g6_status_name(l->iv_status));
  G6_JW_KEY(w, "kept");
  g6_jw_bool(w, l->reject == G6_REJECT_NONE);
  G6_JW_KEY(w, "key");
  if (l->key[0])
    g6_jw_string(w, l->key);
  else
    g6_jw_null(w);
  G6_JW_KEY(w, "last");
  g6_jw_number_or_null(w, l->q.last);
  G6_JW_KEY(w, "last_prev");
  g6_jw_number_or_null(w, l->last_prev);
  G6_JW_KEY(w, "oi");
  g6_jw_count_or_null(w, l->q.oi);
  G6_JW_KEY(w, "oi_open");
  g6_jw_count_or_null(w, l->oi_open);
  G6_JW_KEY(w, "oi_prev");
  g6_jw_count_or_null(w, l->oi_prev);
  G6_JW_KEY(w, "quoted");
  g6_jw_bool(w, l->q.quoted);
  G6_JW_KEY(w, "reject");
  if (l->reject == G6_REJECT_NONE)
    g6_jw_null(w);
  else
    g6_jw_string(w, g6_reject_reason_name(l->reject));
  G6_JW_KEY(w, "rho");
  g6_jw_number_or_null(w, l->rho);
  G6_JW_KEY(w, "strike");
  g6_jw_count_or_null(w, l->q.strike);
  G6_JW_KEY(w, "theta");
  g6_jw_number_or_null(w, l->theta);
  G6_JW_KEY(w, "type");
  g6_jw_string(w, l->q.is_put ? "PE" : "CE");
  G6_JW_KEY(w, "vega");
  g6_jw_number_or_null(w, l->vega);
  G6_JW_KEY(w, "volume");
  g6_jw_count_or_null(w, l->q.volume);
  g6_jw_object_end(w);
}

/* The no-arbitrage counts of an expiry: per rule, checked and flagged legs. */
static void put_arbitrage(g6_jw *w, const g6_expiry_result *e) {
  pthread_once(&arb_once, sort_arb);
  g6_jw_object_begin(w);
  for (size_t k = 0; k < N_ARB_KEYS; k++) {
    int r = arb_order[k];
    g6_jw_key(w, arb_key(r));
    size_t v = r == ARB_CHECKED   ? e->arb_checked
               : r == ARB_FLAGGED ? e->arb_flagged
                                  : e->arb_violations[r];
    g6_jw_int(w, (int64_t)v);
  }
  g6_jw_object_end(w);
}

/* The parity fit: forward, discount, rate and residual are known together
 * (a positive forward) or null together. */
static void put_parity(g6_jw *w, const g6_expiry_result *e) {
  const g6_parity_fit *p = &e->parity;
  bool fitted = e->resolved && isfinite(p->forward) && p->forward > 0;
  g6_jw_object_begin(w);
  G6_JW_KEY(w, "discount");
  g6_jw_number_or_null(w, fitted ? p->discount : NAN);
  G6_JW_KEY(w, "forward");
  g6_jw_number_or_null(w, fitted ? p->forward : NAN);
  G6_JW_KEY(w, "outliers");
  g6_jw_int(w, (int64_t)(e->resolved ? p->outliers : 0));
  G6_JW_KEY(w, "pairs");
  g6_jw_int(w, (int64_t)(e->resolved ? p->pairs : 0));
  G6_JW_KEY(w, "rate");
  g6_jw_number_or_null(w, fitted ? p->rate : NAN);
  G6_JW_KEY(w, "residual");
  g6_jw_number_or_null(w, fitted ? p->residual : NAN);
  g6_jw_object_end(w);
}

static void put_expiry(g6_jw *w, const g6_expiry_result *e, size_t n_strikes) {
  char date[11] = "";
  g6_jw_object_begin(w);
  G6_JW_KEY(w, "T");
  if (e->resolved)
    g6_jw_number_or_null(w, e->T);
  else
    g6_jw_null(w);
  G6_JW_KEY(w, "arbitrage");
  put_arbitrage(w, e);
  G6_JW_KEY(w, "date");
  if (e->resolved) {
    g6_date_format(e->date, date);
    g6_jw_string(w, date);
  } else {
    g6_jw_null(w);
  }
  G6_JW_KEY(w, "error");
  if (e->resolved)
    g6_jw_null(w);
  else
    g6_jw_string(w, g6_status_name(e->resolve_status));
  G6_JW_KEY(w, "expiry_epoch");
  if (e->resolved)
    g6_jw_int(w, e->expiry_epoch);
  else
    g6_jw_null(w);
  G6_JW_KEY(w, "field_coverage");
  g6_jw_number_or_null(w, e->field_coverage);
  G6_JW_KEY(w, "kind");
  if (e->resolved && e->kind != G6_EXPIRY_KIND_UNKNOWN)
    g6_jw_string(w, g6_expiry_kind_name(e->kind));
  else
    g6_jw_null(w);
  G6_JW_KEY(w, "legs");
  g6_jw_array_begin(w);
  if (e->legs != NULL && e->resolved)
    for (size_t i = 0; i < 2 * n_strikes; i++)
      put_leg(w, &e->legs[i]);
  g6_jw_array_end(w);
  G6_JW_KEY(w, "legs_collected");
  g6_jw_int(w, (int64_t)e->legs_collected);
  G6_JW_KEY(w, "legs_listed");
  g6_jw_int(w, (int64_t)e->legs_listed);
  G6_JW_KEY(w, "legs_requested");
  g6_jw_int(w, (int64_t)e->legs_requested);
  G6_JW_KEY(w, "lot_size");
  g6_jw_count_or_null(w, e->resolved ? e->lot_size : NAN);
  G6_JW_KEY(w, "parity");
  put_parity(w, e);
  G6_JW_KEY(w, "pcr_oi");
  g6_jw_number_or_null(w, e->pcr_oi);
  G6_JW_KEY(w, "pcr_volume");
  g6_jw_number_or_null(w, e->pcr_volume);
  G6_JW_KEY(w, "rejects");
  g6_jw_object_begin(w);
  for (int k = 0; k < G6_REJECT_REASON_COUNT - 1; k++) {
    int r = reject_order[k];
    g6_jw_key(w, g6_reject_reason_name((g6_reject_reason)r));
    g6_jw_int(w, (int64_t)e->rejects[r]);
  }
  g6_jw_object_end(w);
  G6_JW_KEY(w, "resolved");
  g6_jw_bool(w, e->resolved);
  G6_JW_KEY(w, "rule");
  g6_jw_string(w, e->spec.rule == G6_EXPIRY_DATE ? "date" : e->tag);
  G6_JW_KEY(w, "status");
  g6_jw_string(w, g6_chain_status_name(e->status));
  G6_JW_KEY(w, "straddle_open");
  g6_jw_number_or_null(w, e->resolved ? e->straddle_open : NAN);
  G6_JW_KEY(w, "strike_coverage");
  g6_jw_number_or_null(w, e->strike_coverage);
  G6_JW_KEY(w, "tag");
  g6_jw_string(w, e->tag);
  g6_jw_object_end(w);
}

/* The document into a writer (buffered or streaming). */
static g6_status put_document(g6_jw *wp, const g6_snapshot *s) {
  pthread_once(&reject_once, sort_reasons);
  const g6_index_config *ix = s->ix;
  char ts[20];
  g6_ist_format_ts(s->ts, ts);
  g6_jw w = *wp;
  g6_jw_object_begin(&w);
  G6_JW_KEY(&w, "atm");
  g6_jw_count_or_null(&w, s->atm);
  G6_JW_KEY(&w, "day_high");
  g6_jw_number_or_null(&w, s->day_high);
  G6_JW_KEY(&w, "day_low");
  g6_jw_number_or_null(&w, s->day_low);
  G6_JW_KEY(&w, "error");
  if (s->error == G6_OK)
    g6_jw_null(&w);
  else
    g6_jw_string(&w, g6_status_name(s->error));
  G6_JW_KEY(&w, "expiries");
  g6_jw_array_begin(&w);
  for (size_t i = 0; i < s->n_expiries; i++)
    put_expiry(&w, &s->expiries[i], s->n_strikes);
  g6_jw_array_end(&w);
  G6_JW_KEY(&w, "generated_at");
  g6_jw_int(&w, s->generated_at);
  G6_JW_KEY(&w, "index");
  g6_jw_string(&w, ix->name);
  G6_JW_KEY(&w, "market_open");
  g6_jw_bool(&w, s->market_open);
  G6_JW_KEY(&w, "q");
  g6_jw_number_or_null(&w, s->q);
  G6_JW_KEY(&w, "r");
  g6_jw_number_or_null(&w, s->r);
  G6_JW_KEY(&w, "schema");
  g6_jw_string(&w, G6_SNAPSHOT_SCHEMA);
  G6_JW_KEY(&w, "segment");
  g6_jw_string(&w, ix->segment);
  G6_JW_KEY(&w, "seq");
  g6_jw_int(&w, (int64_t)s->seq);
  G6_JW_KEY(&w, "spot");
  g6_jw_number_or_null(&w, s->spot);
  G6_JW_KEY(&w, "spot_time");
  if (s->spot_time > 0)
    g6_jw_int(&w, s->spot_time);
  else
    g6_jw_null(&w);
  G6_JW_KEY(&w, "status");
  g6_jw_string(&w, g6_chain_status_name(s->status));
  G6_JW_KEY(&w, "step");
  g6_jw_count_or_null(&w, s->step);
  G6_JW_KEY(&w, "strikes");
  g6_jw_array_begin(&w);
  for (size_t i = 0; i < s->n_strikes; i++)
    g6_jw_count_or_null(&w, s->strikes[i]);
  g6_jw_array_end(&w);
  G6_JW_KEY(&w, "timestamp");
  g6_jw_string(&w, ts);
  G6_JW_KEY(&w, "underlying");
  g6_jw_string(&w, ix->underlying);
  G6_JW_KEY(&w, "vix");
  g6_jw_number_or_null(&w, s->vix);
  g6_jw_object_end(&w);
  g6_status st = g6_jw_finish(&w);
  *wp = w;
  return st;
}

g6_status g6_snapshot_serialize(const g6_snapshot *s, g6_buf *out) {
  g6_jw w;
  g6_jw_init(&w, out, true);
  return put_document(&w, s);
}

typedef struct file_sink {
  g6_atomic_file f;
  g6_error *err;
} file_sink;

static g6_status to_file(void *ctx, g6_buf *b) {
  file_sink *fs = ctx;
  g6_status st = g6_atomic_append(&fs->f, b->data, b->len, fs->err);
  g6_buf_reset(b);
  return st;
}

static int snapshot_path(const char *data_dir, const char *index, char *dir,
                         size_t dlen, char *path, size_t plen) {
  int a = snprintf(dir, dlen, "%s/snapshots", data_dir);
  int b = snprintf(path, plen, "%s/snapshots/%s.json", data_dir, index);
  return (a < 0 || (size_t)a >= dlen || b < 0 || (size_t)b >= plen) ? -1 : 0;
}

g6_status g6_snapshot_write(const char *data_dir, const g6_snapshot *s,
                            g6_buf *scratch, bool durable, g6_error *err) {
  char dir[PATH_MAX], path[PATH_MAX];
  const char *index = s->ix->name;
  if (snapshot_path(data_dir, index, dir, sizeof(dir), path, sizeof(path)))
    return g6_error_set(err, G6_EINVAL, "snapshot path too long");
  file_sink fs = {.err = err};
  g6_status st = g6_atomic_begin(&fs.f, path, 0644, err);
  if (st == G6_ENOENT) {
    /* the directory is made on the first write and when it vanished */
    if ((st = g6_mkdir_p_durable(dir, 0755, durable, err)) == G6_OK)
      st = g6_atomic_begin(&fs.f, path, 0644, err);
  }
  if (st != G6_OK)
    return st;
  /* streamed in 64 KiB pieces: memory does not grow with the chain */
  g6_buf_reset(scratch);
  g6_jw w;
  g6_jw_init(&w, scratch, true);
  g6_jw_set_sink(&w, 64 * 1024, to_file, &fs);
  st = put_document(&w, s);
  if (st != G6_OK) {
    g6_atomic_abort(&fs.f); /* a failed append already removed it */
    if (st == G6_ENOMEM || st == G6_EINVAL)
      return g6_error_set(err, st, "cannot serialize the %s snapshot", index);
    return st;
  }
  return g6_atomic_commit(&fs.f, durable, err);
}

g6_status g6_snapshot_last_id(const char *data_dir, const char *index,
                              uint64_t *seq, int64_t *generated_at) {
  *seq = 0;
  *generated_at = 0;
  char dir[PATH_MAX], path[PATH_MAX];
  if (snapshot_path(data_dir, index, dir, sizeof(dir), path, sizeof(path)))
    return G6_EINVAL;
  char *text = NULL;
  size_t len = 0;
  g6_status st = g6_read_file(path, 64u << 20, &text, &len, NULL);
  if (st != G6_OK)
    return st;
  g6_json *doc = NULL;
  st = g6_json_parse(text, len, &doc, NULL);
  free(text);
  if (st != G6_OK)
    return st;
  const char *t = g6_json_get_int_text(g6_json_object_get(doc, "seq"));
  const char *g =
      g6_json_get_int_text(g6_json_object_get(doc, "generated_at"));
  st = G6_EPROTO;
  if (t != NULL && t[0] != '-' && g != NULL) {
    *seq = strtoull(t, NULL, 10);
    *generated_at = strtoll(g, NULL, 10);
    st = G6_OK;
  }
  g6_json_free(doc);
  return st;
}

size_t g6_snapshot_remove_stale(const char *data_dir, const char *index) {
  char dir[PATH_MAX], path[PATH_MAX];
  if (snapshot_path(data_dir, index, dir, sizeof(dir), path, sizeof(path)))
    return 0;
  return g6_atomic_remove_stale(path, 0);
}

uint64_t g6_snapshot_last_seq(const char *data_dir, const char *index) {
  uint64_t seq;
  int64_t at;
  g6_snapshot_last_id(data_dir, index, &seq, &at);
  return seq;
}
