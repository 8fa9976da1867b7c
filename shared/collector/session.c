/* The trading session's memory of one index (see collector/session.h). */
#include "collector/session.h"

#include "core/ist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One contract. `stamp` is the cycle that last updated it, so a second
 * observation in the same cycle answers like the first. */
typedef struct contract {
  uint64_t key; /* 0: free slot */
  uint64_t stamp;
  double oi_open;
  double last, oi;           /* at the latest cycle that collected it */
  double last_prev, oi_prev; /* at the one before (what this cycle reads) */
} contract;

typedef struct straddle {
  int64_t day;
  double value;
} straddle;

#define MAX_STRADDLES 64 /* expiries seen in one session */

struct g6_session {
  int64_t day;
  uint64_t stamp;
  contract *v;
  size_t cap, n; /* cap is a power of two */
  straddle st[MAX_STRADDLES];
  size_t n_st;
};

g6_session *g6_session_new(void) {
  g6_session *s = calloc(1, sizeof(*s));
  if (s != NULL)
    s->day = -1;
  return s;
}

void g6_session_free(g6_session *s) {
  if (s == NULL)
    return;
  free(s->v);
  free(s);
}

static void clear(g6_session *s, int64_t day) {
  if (s->v != NULL)
    memset(s->v, 0, s->cap * sizeof(*s->v));
  s->n = 0;
  s->n_st = 0;
  s->day = day;
}

void g6_session_cycle(g6_session *s, int64_t day) {
  if (day != s->day)
    clear(s, day);
  s->stamp++;
}

int64_t g6_session_day(const g6_session *s) { return s->day; }

size_t g6_session_contracts(const g6_session *s) { return s->n; }

/* (expiry day, strike in 1/100 points, side) in one word; never 0. Strikes
 * are positive and below 2^40 hundredths, expiry days below 2^22. */
static uint64_t key_of(int64_t expiry_day, double strike, bool put) {
  uint64_t k = (uint64_t)llround(strike * 100) & ((1ull << 40) - 1);
  return ((uint64_t)expiry_day & ((1ull << 22) - 1)) << 41 | k << 1 |
         (put ? 1u : 0u) | (1ull << 63);
}

static size_t slot_of(uint64_t key, size_t cap) {
  uint64_t h = key * 0x9E3779B97F4A7C15ull; /* Fibonacci hashing */
  return (size_t)(h >> 20) & (cap - 1);
}

static bool grow(g6_session *s) {
  size_t cap = s->cap ? 2 * s->cap : 1024;
  contract *v = calloc(cap, sizeof(*v));
  if (v == NULL)
    return false;
  for (size_t i = 0; i < s->cap; i++) {
    if (s->v[i].key == 0)
      continue;
    size_t j = slot_of(s->v[i].key, cap);
    while (v[j].key != 0)
      j = (j + 1) & (cap - 1);
    v[j] = s->v[i];
  }
  free(s->v);
  s->v = v;
  s->cap = cap;
  return true;
}

/* The contract's slot; a new one (unknown values) when `add`, else NULL. */
static contract *find(g6_session *s, uint64_t key, bool add) {
  if (s->cap > 0)
    for (size_t j = slot_of(key, s->cap);; j = (j + 1) & (s->cap - 1)) {
      if (s->v[j].key == key)
        return &s->v[j];
      if (s->v[j].key == 0)
        break;
    }
  if (!add)
    return NULL;
  if (2 * (s->n + 1) > s->cap && !grow(s)) /* load at most one half */
    return NULL;
  size_t j = slot_of(key, s->cap);
  while (s->v[j].key != 0)
    j = (j + 1) & (s->cap - 1);
  contract *c = &s->v[j];
  c->key = key;
  c->stamp = 0;
  c->oi_open = c->last = c->oi = c->last_prev = c->oi_prev = NAN;
  s->n++;
  return c;
}

g6_status g6_session_leg(g6_session *s, int64_t expiry_day, double strike,
                         bool put, bool collected, double last, double oi,
                         double *oi_open, double *last_prev, double *oi_prev) {
  *oi_open = *last_prev = *oi_prev = NAN;
  contract *c = find(s, key_of(expiry_day, strike, put), collected);
  if (c == NULL)
    return collected ? G6_ENOMEM : G6_OK;
  if (collected && c->stamp != s->stamp) {
    c->last_prev = c->last;
    c->oi_prev = c->oi;
    c->last = last;
    c->oi = oi;
    if (isnan(c->oi_open) && isfinite(oi))
      c->oi_open = oi;
    c->stamp = s->stamp;
  }
  *oi_open = c->oi_open;
  /* collected now: the cycle before; not collected: the last one that was */
  *last_prev = collected ? c->last_prev : c->last;
  *oi_prev = collected ? c->oi_prev : c->oi;
  return G6_OK;
}

double g6_session_straddle_open(g6_session *s, int64_t expiry_day,
                                double straddle_now) {
  for (size_t i = 0; i < s->n_st; i++)
    if (s->st[i].day == expiry_day) {
      if (isnan(s->st[i].value) && isfinite(straddle_now))
        s->st[i].value = straddle_now;
      return s->st[i].value;
    }
  if (s->n_st == MAX_STRADDLES)
    return NAN; /* more expiries than any configuration resolves */
  s->st[s->n_st++] = (straddle){expiry_day, isfinite(straddle_now)
                                                ? straddle_now
                                                : NAN};
  return s->st[s->n_st - 1].value;
}

long g6_session_restore(g6_session *s, const g6_snapshot_doc *doc,
                        int64_t day) {
  g6_ist_tm tm;
  g6_ist_breakdown(doc->generated_at, &tm);
  if (tm.days != day)
    return 0;
  clear(s, day);
  long n = 0;
  for (size_t e = 0; e < doc->n_expiries; e++) {
    const g6_expiry_result *x = &doc->expiries[e];
    if (!x->resolved || x->legs == NULL)
      continue;
    int64_t ed = g6_days_from_civil(x->date.year, x->date.month, x->date.day);
    if (isfinite(x->straddle_open))
      g6_session_straddle_open(s, ed, x->straddle_open);
    for (size_t i = 0; i < 2 * doc->n_strikes; i++) {
      const g6_chain_leg *l = &x->legs[i];
      uint64_t key = key_of(ed, l->q.strike, l->q.is_put != 0);
      bool kept = l->reject == G6_REJECT_NONE;
      if (!kept && isnan(l->oi_open) && isnan(l->last_prev))
        continue; /* never collected in the session */
      bool fresh = find(s, key, false) == NULL;
      contract *c = find(s, key, true);
      if (c == NULL) {
        clear(s, day);
        return -1;
      }
      c->oi_open = l->oi_open;
      /* what the snapshot's cycle collected is the next cycle's previous */
      c->last = kept ? l->q.last : l->last_prev;
      c->oi = kept ? l->q.oi : l->oi_prev;
      n += fresh;
    }
  }
  return n;
}
