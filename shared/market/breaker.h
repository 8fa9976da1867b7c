/* g6 — a thread-safe circuit breaker (closed / open / half-open with
 * exponential backoff), shared by all callers of one Kite client.
 *
 * CLOSED: calls pass; `failure_threshold` consecutive failures open it (a
 * success resets the streak). OPEN: calls are refused until the open timeout
 * passes; the timeout is min(max_reset, min_reset * backoff^(k-1)) for the
 * k-th consecutive opening, times (1 + u*jitter) with u uniform in [-1, 1]
 * from a seeded generator (never below min_reset). HALF_OPEN: one probe call
 * at a time is let through; `half_open_successes` successes close the breaker
 * (and reset k), a failure reopens it with the next longer timeout.
 *
 * Times are seconds on a monotonic clock passed in by the caller. */
#ifndef G6_BREAKER_H
#define G6_BREAKER_H

#include "core/status.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum g6_breaker_state {
  G6_BREAKER_CLOSED = 0,
  G6_BREAKER_OPEN = 1,
  G6_BREAKER_HALF_OPEN = 2,
} g6_breaker_state;

typedef struct g6_breaker_config {
  unsigned failure_threshold;   /* >= 1; default 5 */
  double min_reset_s;           /* > 0; default 10 */
  double max_reset_s;           /* >= min_reset_s; default 300 */
  double backoff;               /* >= 1; default 2 */
  unsigned half_open_successes; /* >= 1; default 1 */
  double jitter;                /* 0..1; default 0.2 */
} g6_breaker_config;

typedef struct g6_breaker {
  pthread_mutex_t mu;
  g6_breaker_config cfg;
  g6_breaker_state state;
  unsigned failures;      /* consecutive, in CLOSED */
  unsigned opens;         /* consecutive openings without a close */
  unsigned probe_ok;      /* successes in HALF_OPEN */
  bool probe_in_flight;
  double open_until;
  uint64_t trips;         /* CLOSED/HALF_OPEN -> OPEN transitions */
  uint64_t rng;
} g6_breaker;

/* Fills the defaults above. */
void g6_breaker_config_defaults(g6_breaker_config *cfg);

/* G6_EINVAL (message names the parameter) when cfg is out of range. */
g6_status g6_breaker_init(g6_breaker *b, const g6_breaker_config *cfg,
                          uint64_t seed, g6_error *err);
void g6_breaker_destroy(g6_breaker *b);

/* May a call start now? G6_OK, or G6_ECIRCUIT with *retry_after (seconds,
 * may be NULL) while open or while the half-open probe is in flight. A G6_OK
 * in HALF_OPEN makes the caller the probe: it must report the outcome. */
g6_status g6_breaker_allow(g6_breaker *b, double now, double *retry_after);

/* Outcome of an allowed call. `now` matters for the open timeout. */
void g6_breaker_success(g6_breaker *b, double now);
void g6_breaker_failure(g6_breaker *b, double now);

/* An allowed call that ended without telling anything about the provider
 * (e.g. refused by the local rate limiter): frees the half-open probe slot. */
void g6_breaker_cancel(g6_breaker *b);

/* State as seen at `now` (OPEN turns into HALF_OPEN once its timeout has
 * passed) and the trip count. */
g6_breaker_state g6_breaker_get_state(g6_breaker *b, double now,
                                      uint64_t *trips);

const char *g6_breaker_state_name(g6_breaker_state s); /* closed/open/half_open */

#endif
