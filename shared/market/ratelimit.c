#include "market/ratelimit.h"

#include <errno.h>
#include <math.h>
#include <time.h>

/* AIMD constants (ratelimit.h): the floor and the recovery step are both
 * this share of the configured rate; a cut halves the rate at most once per
 * CUT_SPACING_S. */
#define ADAPT_SHARE (1.0 / 8.0)
#define CUT_SPACING_S 1.0
#define UNLIMITED_PAUSE_S 1.0

g6_status g6_ratelimit_init(g6_ratelimit *rl, double rate, double burst) {
  if (!isfinite(rate) || rate < 0 || !isfinite(burst))
    return G6_EINVAL;
  pthread_mutex_init(&rl->mu, NULL);
  rl->configured = rate;
  rl->rate = rate;
  rl->burst = burst < 1 ? 1 : burst;
  rl->tokens = rl->burst;
  rl->last = 0;
  rl->last_cut = -INFINITY;
  rl->pause_end = -INFINITY;
  rl->started = false;
  return G6_OK;
}

void g6_ratelimit_destroy(g6_ratelimit *rl) { pthread_mutex_destroy(&rl->mu); }

/* Called with the lock held. Tokens accrue from `last`, which lies in the
 * future while a Retry-After pause lasts. */
static void refill(g6_ratelimit *rl, double now) {
  if (!rl->started) {
    rl->started = true;
    rl->last = now;
    return;
  }
  if (now > rl->last) {
    if (rl->rate > 0) {
      rl->tokens += (now - rl->last) * rl->rate;
      if (rl->tokens > rl->burst)
        rl->tokens = rl->burst;
    }
    rl->last = now;
  }
}

bool g6_ratelimit_try(g6_ratelimit *rl, double now) {
  pthread_mutex_lock(&rl->mu);
  refill(rl, now);
  bool ok;
  if (rl->last > now)
    ok = false; /* paused */
  else if (rl->rate == 0)
    ok = true;
  else if ((ok = rl->tokens >= 1.0 - 1e-9))
    rl->tokens -= 1.0;
  pthread_mutex_unlock(&rl->mu);
  return ok;
}

g6_status g6_ratelimit_reserve(g6_ratelimit *rl, double now, double max_wait,
                               double *wait) {
  pthread_mutex_lock(&rl->mu);
  refill(rl, now);
  double w = rl->last > now ? rl->last - now : 0; /* a pause */
  if (rl->rate > 0) {
    double need = 1.0 - rl->tokens;
    if (need > 1e-9)
      w += need / rl->rate;
  }
  g6_status s = G6_OK;
  if (w > max_wait)
    s = G6_ERATELIMIT;
  else if (rl->rate > 0)
    rl->tokens -= 1.0;
  pthread_mutex_unlock(&rl->mu);
  *wait = w;
  return s;
}

double g6_ratelimit_throttle(g6_ratelimit *rl, double now,
                             double retry_after) {
  pthread_mutex_lock(&rl->mu);
  refill(rl, now);
  if (rl->configured > 0) {
    if (now - rl->last_cut >= CUT_SPACING_S) {
      double floor_rate = rl->configured * ADAPT_SHARE;
      rl->rate = rl->rate / 2 > floor_rate ? rl->rate / 2 : floor_rate;
      rl->last_cut = now;
    }
    if (rl->tokens > 0) /* no saved-up burst right after a 429 */
      rl->tokens = 0;
  } else if (!(retry_after > 0)) {
    retry_after = UNLIMITED_PAUSE_S;
  }
  if (retry_after > 0 && isfinite(retry_after) && now + retry_after > rl->last) {
    rl->last = now + retry_after;
    rl->pause_end = rl->last;
  }
  double r = rl->rate;
  pthread_mutex_unlock(&rl->mu);
  return r;
}

bool g6_ratelimit_success(g6_ratelimit *rl) {
  pthread_mutex_lock(&rl->mu);
  bool back = false;
  if (rl->rate < rl->configured) {
    rl->rate += rl->configured * ADAPT_SHARE;
    if (rl->rate >= rl->configured * (1 - 1e-9)) {
      rl->rate = rl->configured;
      back = true;
    }
  }
  pthread_mutex_unlock(&rl->mu);
  return back;
}

void g6_ratelimit_rates(g6_ratelimit *rl, double *effective,
                        double *configured) {
  pthread_mutex_lock(&rl->mu);
  *effective = rl->rate;
  *configured = rl->configured;
  pthread_mutex_unlock(&rl->mu);
}

double g6_ratelimit_pause_end(g6_ratelimit *rl, double now) {
  pthread_mutex_lock(&rl->mu);
  /* the pause's own end, not `last`: another thread's refill may have
   * moved `last` to its own, later `now`, which is no pause */
  double end = rl->pause_end > now ? rl->pause_end : now;
  pthread_mutex_unlock(&rl->mu);
  return end;
}
