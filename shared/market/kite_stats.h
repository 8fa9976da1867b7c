/* g6 — the Kite client's counters: what the g6_chain plugin turns into
 * metrics through the metric spec (seed 004's API-client taxonomy applied to
 * the broker client). The client dispatches nothing itself.
 *
 * Requests are counted per HTTP attempt (a retried call counts each attempt,
 * and `retries` counts the repeats), plus calls refused before any attempt
 * (circuit_open, local rate-limit refusal, latched auth) as one request with
 * that result. Results are "ok" and the g6_status_name tokens listed in
 * g6_kite_result.
 *
 * Histograms have fixed upper bounds in seconds, the buckets of api_latency
 * and api_ratelimit_wait in spec/metrics.yml (a unit test keeps them equal,
 * so the plugin can merge them exactly); a snapshot gives cumulative
 * bucket counts (observations <= bound, the last one is +Inf = count) and
 * the sum in microseconds (collectd DERIVE values are integers):
 *   latency (per endpoint, one HTTP attempt):
 *     0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2 4 8 16 +Inf
 *   rate-limiter wait (per endpoint, one attempt; 0 when not delayed):
 *     0.001 0.01 0.05 0.1 0.25 0.5 1 2 5 10 30 +Inf */
#ifndef G6_KITE_STATS_H
#define G6_KITE_STATS_H

#include "core/status.h"

#include <stddef.h>
#include <stdint.h>

typedef enum g6_kite_endpoint {
  G6_KITE_EP_INSTRUMENTS = 0,
  G6_KITE_EP_QUOTE,
  G6_KITE_EP_LTP,
  G6_KITE_EP_SESSION,
  G6_KITE_EP_COUNT
} g6_kite_endpoint;

typedef enum g6_kite_result {
  G6_KITE_R_OK = 0,
  G6_KITE_R_TIMEOUT,
  G6_KITE_R_CONNECTION,
  G6_KITE_R_HTTP,
  G6_KITE_R_AUTH,
  G6_KITE_R_RATELIMITED,
  G6_KITE_R_CIRCUIT_OPEN,
  G6_KITE_R_PROTOCOL,
  G6_KITE_R_TRUNCATED,
  G6_KITE_R_PARSE,
  G6_KITE_R_TOOBIG,
  G6_KITE_R_INTERNAL, /* out of memory, invalid argument: not the provider */
  /* Kite's error types (and an error body that is not Kite's) */
  G6_KITE_R_FORBIDDEN,
  G6_KITE_R_BAD_REQUEST,
  G6_KITE_R_UPSTREAM,
  G6_KITE_R_UPSTREAM_DATA,
  G6_KITE_R_PROVIDER_ERROR,
  G6_KITE_R_FOREIGN_BODY,
  G6_KITE_R_COUNT
} g6_kite_result;

/* The rate limiters: /quote and /quote/ltp share one, /instruments and
 * /session the other. */
typedef enum g6_kite_limiter {
  G6_KITE_LIMITER_QUOTE = 0,
  G6_KITE_LIMITER_OTHER,
  G6_KITE_LIMITERS
} g6_kite_limiter;

const char *g6_kite_limiter_name(g6_kite_limiter l); /* "quote", "other" */

#define G6_KITE_LATENCY_NB 12
#define G6_KITE_WAIT_NB 11
extern const double g6_kite_latency_bounds[G6_KITE_LATENCY_NB];
extern const double g6_kite_wait_bounds[G6_KITE_WAIT_NB];

typedef struct g6_kite_hist {
  uint64_t bucket[16]; /* per bound (non-cumulative while counting; the
                          snapshot makes them cumulative); [nb] = +Inf */
  uint64_t count;
  uint64_t sum_us;
} g6_kite_hist;

typedef struct g6_kite_stats {
  uint64_t requests[G6_KITE_EP_COUNT][G6_KITE_R_COUNT];
  uint64_t retries[G6_KITE_EP_COUNT];
  /* the same by the result of the attempt that was retried */
  uint64_t retries_by[G6_KITE_EP_COUNT][G6_KITE_R_COUNT];
  uint64_t bytes_received[G6_KITE_EP_COUNT];
  g6_kite_hist latency[G6_KITE_EP_COUNT];
  g6_kite_hist ratelimit_wait[G6_KITE_EP_COUNT];
  /* circuit breaker: g6_breaker_state (0 closed, 1 open, 2 half-open) */
  int breaker_state;
  uint64_t breaker_trips;
  /* quote cache (/quote only) */
  uint64_t cache_hits, cache_misses, cache_expirations, cache_stores;
  uint64_t cache_entries;
  double cache_hit_ratio; /* hits / (hits + misses); NAN before any lookup */
  /* auth */
  int auth_latched;       /* 1 while credentials are known bad */
  uint64_t auth_latches;  /* times the latch was set */
  /* quotes */
  uint64_t quotes_requested, quotes_returned, quotes_missing;
  uint64_t quotes_incomplete; /* quote objects without last_price */
  /* quotes whose timestamp is not a time (kept, time unknown), by
   * g6_kite_endpoint */
  uint64_t quotes_bad_time[G6_KITE_EP_COUNT];
  /* the adaptive rate limiters, by g6_kite_limiter: effective and
   * configured requests per second (0 = unlimited) */
  double ratelimit_rate[G6_KITE_LIMITERS];
  double ratelimit_configured[G6_KITE_LIMITERS];
  /* seconds left, at the snapshot, of the pause the provider imposed with
   * a 429 (its Retry-After, capped at BreakerMaxReset; 1 s for an unlimited
   * limiter without one), by g6_kite_limiter: no request of the limiter is
   * sent before it ends. 0 when none (a known 0, never unknown). */
  double ratelimit_pause_s[G6_KITE_LIMITERS];
  /* last instruments dump */
  uint64_t instruments_rows, instruments_options, instruments_rejected;
} g6_kite_stats;

const char *g6_kite_endpoint_name(g6_kite_endpoint ep); /* "instruments", ... */
const char *g6_kite_result_name(g6_kite_result r);      /* "ok", "timeout" ... */
g6_kite_result g6_kite_result_of(g6_status s);

/* Adds one observation (seconds) to a histogram with the given bounds. */
void g6_kite_hist_observe(g6_kite_hist *h, const double *bounds, size_t nb,
                          double seconds);

/* Turns per-bucket counts into cumulative ones (for snapshots). */
void g6_kite_hist_cumulate(g6_kite_hist *h, size_t nb);

#endif
