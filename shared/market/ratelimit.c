#include "market/ratelimit.h"

#include <errno.h>
#include <math.h>
#include <time.h>

g6_status g6_ratelimit_init(g6_ratelimit *rl, double rate, double burst) {
  if (!isfinite(rate) || rate < 0 || !isfinite(burst))
    return G6_EINVAL;
  pthread_mutex_init(&rl->mu, NULL);
  rl->rate = rate;
  rl->burst = burst < 1 ? 1 : burst;
  rl->tokens = rl->burst;
  rl->last = 0;
  rl->started = false;
  return G6_OK;
}

void g6_ratelimit_destroy(g6_ratelimit *rl) { pthread_mutex_destroy(&rl->mu); }

/* Called with the lock held. */
static void refill(g6_ratelimit *rl, double now) {
  if (!rl->started) {
    rl->started = true;
    rl->last = now;
    return;
  }
  if (now > rl->last) {
    rl->tokens += (now - rl->last) * rl->rate;
    if (rl->tokens > rl->burst)
      rl->tokens = rl->burst;
    rl->last = now;
  }
}

bool g6_ratelimit_try(g6_ratelimit *rl, double now) {
  if (rl->rate == 0)
    return true;
  pthread_mutex_lock(&rl->mu);
  refill(rl, now);
  bool ok = rl->tokens >= 1.0 - 1e-9;
  if (ok)
    rl->tokens -= 1.0;
  pthread_mutex_unlock(&rl->mu);
  return ok;
}

g6_status g6_ratelimit_reserve(g6_ratelimit *rl, double now, double max_wait,
                               double *wait) {
  *wait = 0;
  if (rl->rate == 0)
    return G6_OK;
  pthread_mutex_lock(&rl->mu);
  refill(rl, now);
  double need = 1.0 - rl->tokens;
  double w = need > 1e-9 ? need / rl->rate : 0;
  g6_status s = G6_OK;
  if (w > max_wait)
    s = G6_ERATELIMIT;
  else
    rl->tokens -= 1.0;
  pthread_mutex_unlock(&rl->mu);
  *wait = w;
  return s;
}

void g6_ratelimit_penalize(g6_ratelimit *rl, double now) {
  if (rl->rate == 0)
    return;
  pthread_mutex_lock(&rl->mu);
  refill(rl, now);
  if (rl->tokens > 0)
    rl->tokens = 0;
  pthread_mutex_unlock(&rl->mu);
}

