/* g6 — a thread-safe token bucket (one per endpoint class of the Kite client).
 *
 * `rate` tokens per second accrue up to `burst`. A caller reserves a token
 * and is told how long to wait for it; the reservation is made under the lock
 * and the caller sleeps outside it, so concurrent callers queue in order and
 * the long-run rate never exceeds `rate` however many threads ask. A rate of
 * 0 means unlimited. Times are seconds on a monotonic clock passed in by the
 * caller, which keeps the arithmetic testable. */
#ifndef G6_RATELIMIT_H
#define G6_RATELIMIT_H

#include "core/clock.h"
#include "core/status.h"

#include <pthread.h>
#include <stdbool.h>

typedef struct g6_ratelimit {
  pthread_mutex_t mu;
  double rate;   /* tokens per second; 0 = unlimited */
  double burst;  /* bucket size (>= 1) */
  double tokens; /* may go negative: reserved by waiting callers */
  double last;   /* time of the last refill */
  bool started;
} g6_ratelimit;

/* rate >= 0 and finite; burst >= 1 (smaller values are raised to 1). The
 * bucket starts full. G6_EINVAL for a negative or non-finite rate. */
g6_status g6_ratelimit_init(g6_ratelimit *rl, double rate, double burst);
void g6_ratelimit_destroy(g6_ratelimit *rl);

/* Takes a token if one is available now; never waits or reserves. */
bool g6_ratelimit_try(g6_ratelimit *rl, double now);

/* Reserves a token and returns how many seconds from `now` the caller must
 * wait before using it (0 when available). When that wait would exceed
 * max_wait nothing is reserved and G6_ERATELIMIT is returned with *wait set
 * to the wait that would have been needed. */
g6_status g6_ratelimit_reserve(g6_ratelimit *rl, double now, double max_wait,
                               double *wait);

/* After the provider answered 429: drops any accumulated burst so the next
 * callers are spaced by 1/rate. */
void g6_ratelimit_penalize(g6_ratelimit *rl, double now);


#endif
