#include "market/breaker.h"

#include <math.h>

void g6_breaker_config_defaults(g6_breaker_config *cfg) {
  cfg->failure_threshold = 5;
  cfg->min_reset_s = 10;
  cfg->max_reset_s = 300;
  cfg->backoff = 2;
  cfg->half_open_successes = 1;
  cfg->jitter = 0.2;
}

g6_status g6_breaker_init(g6_breaker *b, const g6_breaker_config *cfg,
                          uint64_t seed, g6_error *err) {
  if (cfg->failure_threshold < 1)
    return g6_error_set(err, G6_EINVAL,
                        "breaker failure threshold must be at least 1");
  if (!(cfg->min_reset_s > 0) || !isfinite(cfg->min_reset_s))
    return g6_error_set(err, G6_EINVAL,
                        "breaker minimum reset time must be positive");
  if (!(cfg->max_reset_s >= cfg->min_reset_s) || !isfinite(cfg->max_reset_s))
    return g6_error_set(err, G6_EINVAL, "breaker maximum reset time must be "
                                        "at least the minimum");
  if (!(cfg->backoff >= 1) || !isfinite(cfg->backoff))
    return g6_error_set(err, G6_EINVAL, "breaker backoff must be >= 1");
  if (cfg->half_open_successes < 1)
    return g6_error_set(err, G6_EINVAL,
                        "breaker half-open successes must be at least 1");
  if (!(cfg->jitter >= 0 && cfg->jitter <= 1))
    return g6_error_set(err, G6_EINVAL, "breaker jitter must be in [0, 1]");
  pthread_mutex_init(&b->mu, NULL);
  b->cfg = *cfg;
  b->state = G6_BREAKER_CLOSED;
  b->failures = b->opens = b->probe_ok = 0;
  b->probe_in_flight = false;
  b->open_until = 0;
  b->trips = 0;
  b->rng = seed ? seed : 0x9E3779B97F4A7C15ull;
  return G6_OK;
}

void g6_breaker_destroy(g6_breaker *b) { pthread_mutex_destroy(&b->mu); }

static double uniform(g6_breaker *b) { /* [0, 1), xorshift64* */
  b->rng ^= b->rng >> 12;
  b->rng ^= b->rng << 25;
  b->rng ^= b->rng >> 27;
  return (double)((b->rng * 2685821657736338717ull) >> 11) * 0x1.0p-53;
}

/* Lock held. */
static void trip(g6_breaker *b, double now) {
  b->opens++;
  double t = b->cfg.min_reset_s * pow(b->cfg.backoff, (double)(b->opens - 1));
  if (t > b->cfg.max_reset_s)
    t = b->cfg.max_reset_s;
  t *= 1 + (2 * uniform(b) - 1) * b->cfg.jitter;
  if (t < b->cfg.min_reset_s)
    t = b->cfg.min_reset_s;
  b->state = G6_BREAKER_OPEN;
  b->open_until = now + t;
  b->probe_in_flight = false;
  b->probe_ok = 0;
  b->trips++;
}

/* Lock held. */
static void advance(g6_breaker *b, double now) {
  if (b->state == G6_BREAKER_OPEN && now >= b->open_until) {
    b->state = G6_BREAKER_HALF_OPEN;
    b->probe_in_flight = false;
    b->probe_ok = 0;
  }
}

g6_status g6_breaker_allow(g6_breaker *b, double now, double *retry_after) {
  pthread_mutex_lock(&b->mu);
  advance(b, now);
  g6_status s = G6_OK;
  double ra = 0;
  if (b->state == G6_BREAKER_OPEN) {
    s = G6_ECIRCUIT;
    ra = b->open_until - now;
  } else if (b->state == G6_BREAKER_HALF_OPEN) {
    if (b->probe_in_flight)
      s = G6_ECIRCUIT;
    else
      b->probe_in_flight = true;
  }
  pthread_mutex_unlock(&b->mu);
  if (retry_after)
    *retry_after = ra;
  return s;
}

void g6_breaker_success(g6_breaker *b, double now) {
  pthread_mutex_lock(&b->mu);
  advance(b, now);
  if (b->state == G6_BREAKER_HALF_OPEN) {
    b->probe_in_flight = false;
    if (++b->probe_ok >= b->cfg.half_open_successes) {
      b->state = G6_BREAKER_CLOSED;
      b->opens = 0;
      b->failures = 0;
    }
  } else if (b->state == G6_BREAKER_CLOSED) {
    b->failures = 0;
  }
  pthread_mutex_unlock(&b->mu);
}

void g6_breaker_failure(g6_breaker *b, double now) {
  pthread_mutex_lock(&b->mu);
  advance(b, now);
  if (b->state == G6_BREAKER_HALF_OPEN) {
    trip(b, now);
  } else if (b->state == G6_BREAKER_CLOSED) {
    if (++b->failures >= b->cfg.failure_threshold) {
      b->failures = 0;
      trip(b, now);
    }
  }
  pthread_mutex_unlock(&b->mu);
}

void g6_breaker_cancel(g6_breaker *b) {
  pthread_mutex_lock(&b->mu);
  if (b->state == G6_BREAKER_HALF_OPEN)
    b->probe_in_flight = false;
  pthread_mutex_unlock(&b->mu);
}

g6_breaker_state g6_breaker_get_state(g6_breaker *b, double now,
                                      uint64_t *trips) {
  pthread_mutex_lock(&b->mu);
  advance(b, now);
  g6_breaker_state s = b->state;
  if (trips)
    *trips = b->trips;
  pthread_mutex_unlock(&b->mu);
  return s;
}

const char *g6_breaker_state_name(g6_breaker_state s) {
  switch (s) {
  case G6_BREAKER_CLOSED: return "closed";
  case G6_BREAKER_OPEN: return "open";
  case G6_BREAKER_HALF_OPEN: return "half_open";
  }
  return "unknown";
}
