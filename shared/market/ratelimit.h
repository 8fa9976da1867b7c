/* g6 — a thread-safe, adaptive token bucket (one per endpoint class of the
 * Kite client).
 *
 * `rate` tokens per second accrue up to `burst`. A caller reserves a token
 * and is told how long to wait for it; the reservation is made under the lock
 * and the caller sleeps outside it, so concurrent callers queue in order and
 * the long-run rate never exceeds the rate however many threads ask. A rate of
 * 0 means unlimited. Times are seconds on a monotonic clock passed in by the
 * caller, which keeps the arithmetic testable.
 *
 * Adaptive (AIMD, as TCP congestion control): the configured rate is a
 * ceiling. When the provider answers 429 the caller reports it with
 * g6_ratelimit_throttle: the effective rate halves (at most once per
 * second, so one burst of 429s counts once) down to a floor of 1/8 of the
 * configured rate, any saved-up burst is dropped, and a Retry-After delay
 * pauses every reservation until it has passed. Each success reported with
 * g6_ratelimit_success adds 1/8 of the configured rate back, never beyond
 * it, so recovery from the floor takes seven successes. An unlimited bucket
 * has no rate to cut: it only pauses (for Retry-After, or 1 s without
 * one). */
#ifndef G6_RATELIMIT_H
#define G6_RATELIMIT_H

#include "core/clock.h"
#include "core/status.h"

#include <pthread.h>
#include <stdbool.h>

typedef struct g6_ratelimit {
  pthread_mutex_t mu;
  double configured; /* the ceiling, tokens per second; 0 = unlimited */
  double rate;       /* effective tokens per second (<= configured) */
  double burst;      /* bucket size (>= 1) */
  double tokens;     /* may go negative: reserved by waiting callers */
  double last;       /* time of the last refill; in the future while paused */
  double last_cut;   /* time of the last halving */
  double pause_end;  /* end of the last Retry-After pause (may be past) */
  bool started;
} g6_ratelimit;

/* rate >= 0 and finite; burst >= 1 (smaller values are raised to 1). The
 * bucket starts full at the configured rate. G6_EINVAL for a negative or
 * non-finite rate. */
g6_status g6_ratelimit_init(g6_ratelimit *rl, double rate, double burst);
void g6_ratelimit_destroy(g6_ratelimit *rl);

/* Takes a token if one is available now; never waits or reserves. */
bool g6_ratelimit_try(g6_ratelimit *rl, double now);

/* Reserves a token and returns how many seconds from `now` the caller must
 * wait before using it (0 when available; a pause counts). When that wait
 * would exceed max_wait nothing is reserved and G6_ERATELIMIT is returned
 * with *wait set to the wait that would have been needed. */
g6_status g6_ratelimit_reserve(g6_ratelimit *rl, double now, double max_wait,
                               double *wait);

/* The provider answered 429 at `now`: halves the effective rate (not below
 * configured/8; not again within a second of the last cut), drops any
 * saved-up burst, and pauses reservations for retry_after seconds when it
 * is > 0 (the Retry-After header; 1 s for an unlimited bucket without one).
 * Returns the effective rate after the cut (0 for an unlimited bucket). */
double g6_ratelimit_throttle(g6_ratelimit *rl, double now, double retry_after);

/* A request succeeded: the effective rate grows by configured/8, up to the
 * configured rate. Returns true when this success brought it back to the
 * configured rate (the end of a throttled spell). */
bool g6_ratelimit_success(g6_ratelimit *rl);

/* The effective and the configured rate, tokens per second (0 = unlimited).
 * Can't fail. */
void g6_ratelimit_rates(g6_ratelimit *rl, double *effective,
                        double *configured);

/* When the Retry-After pause in force at `now` ends, on the caller's clock
 * (the same monotonic seconds as `now`); `now` itself when no pause is in
 * force, so the result minus `now` is the seconds left (0 without a pause,
 * never negative). Only g6_ratelimit_throttle pauses: a 429's Retry-After,
 * as capped by the caller, or 1 s for an unlimited bucket without one.
 * Waiting for a token at the effective rate is no pause. Can't fail. */
double g6_ratelimit_pause_end(g6_ratelimit *rl, double now);

#endif
