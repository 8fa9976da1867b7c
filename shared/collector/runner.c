/* A periodic job on a thread of its own (see collector/runner.h). */
#include "collector/runner.h"

#include "core/clock.h"
#include "core/thread.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct g6_runner {
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv; /* on CLOCK_MONOTONIC */
  bool stop;
  double interval, first_delay;
  g6_runner_fn fn;
  void *ctx;
  char name[16];
  /* the schedule, under mu, for g6_runner_schedule */
  bool running;     /* a cycle is in progress */
  double deadline;  /* its deadline (when the next one is due) */
  uint64_t overruns;
  double lag;       /* the last finished cycle's lag */
};

/* Waits until monotonic time `until` or a stop request; true when asked to
 * stop. */
static bool wait_until(g6_runner *r, double until) {
  struct timespec ts;
  ts.tv_sec = (time_t)floor(until);
  ts.tv_nsec = (long)((until - floor(until)) * 1e9);
  pthread_mutex_lock(&r->mu);
  while (!r->stop && g6_monotonic_now() < until)
    if (pthread_cond_timedwait(&r->cv, &r->mu, &ts) == ETIMEDOUT)
      break;
  bool stop = r->stop;
  pthread_mutex_unlock(&r->mu);
  return stop;
}

static void *run(void *arg) {
  g6_runner *r = arg; /* every signal blocked (g6_thread_start) */
  pthread_setname_np(pthread_self(), r->name);
  g6_runner_tick tick = {0};
  double next = g6_monotonic_now() + r->first_delay;
  for (;;) {
    if (wait_until(r, next))
      break;
    tick.cycle++;
    tick.scheduled = next;
    tick.started = g6_monotonic_now();
    double deadline = next + r->interval;
    pthread_mutex_lock(&r->mu);
    r->running = true;
    r->deadline = deadline;
    pthread_mutex_unlock(&r->mu);
    r->fn(r->ctx, &tick);
    g6_thread_checkpoint(); /* left by g6_runner_stop_within: no more */
    double end = g6_monotonic_now();
    if (end > deadline) {
      /* overran: start the next cycle now instead of queueing behind */
      tick.overruns++;
      tick.lag_s = end - deadline;
      next = end;
    } else {
      tick.lag_s = 0;
      next = deadline;
    }
    pthread_mutex_lock(&r->mu);
    r->running = false;
    r->overruns = tick.overruns;
    r->lag = tick.lag_s;
    pthread_mutex_unlock(&r->mu);
  }
  return NULL;
}

g6_status g6_runner_start(const char *name, double interval_s,
                          double first_delay_s, g6_runner_fn fn, void *ctx,
                          g6_runner **out, g6_error *err) {
  if (!(interval_s > 0) || !isfinite(interval_s) || !(first_delay_s >= 0))
    return g6_error_set(err, G6_EINVAL,
                        "runner %s: interval must be positive", name);
  g6_runner *r = calloc(1, sizeof(*r));
  if (r == NULL)
    return g6_error_set(err, G6_ENOMEM, "out of memory");
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&r->cv, &ca);
  pthread_condattr_destroy(&ca);
  pthread_mutex_init(&r->mu, NULL);
  r->interval = interval_s;
  r->first_delay = first_delay_s;
  r->fn = fn;
  r->ctx = ctx;
  snprintf(r->name, sizeof(r->name), "%s", name);
  int rc = g6_thread_start(&r->thread, run, r);
  if (rc != 0) {
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r);
    return g6_error_set(err, G6_EINTERNAL, "runner %s: cannot start a thread: "
                        "%s", name, strerror(rc));
  }
  *out = r;
  return G6_OK;
}

void g6_runner_schedule(g6_runner *r, double now, uint64_t *overruns,
                        double *lag_s) {
  *overruns = 0;
  *lag_s = 0;
  if (r == NULL)
    return;
  pthread_mutex_lock(&r->mu);
  bool late = r->running && now > r->deadline;
  *overruns = r->overruns + (late ? 1 : 0);
  /* the last cycle's lag until this one is later still */
  *lag_s = late && now - r->deadline > r->lag ? now - r->deadline : r->lag;
  pthread_mutex_unlock(&r->mu);
}

void g6_runner_request_stop(g6_runner *r) {
  if (r == NULL)
    return;
  pthread_mutex_lock(&r->mu);
  r->stop = true;
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
}

void g6_runner_stop(g6_runner *r) {
  if (r == NULL)
    return;
  g6_runner_request_stop(r);
  pthread_join(r->thread, NULL);
  pthread_cond_destroy(&r->cv);
  pthread_mutex_destroy(&r->mu);
  free(r);
}

bool g6_runner_stop_within(g6_runner *r, double timeout_s) {
  if (r == NULL)
    return true;
  g6_runner_request_stop(r);
  if (!g6_thread_join_within(r->thread, timeout_s))
    return false;
  pthread_cond_destroy(&r->cv);
  pthread_mutex_destroy(&r->mu);
  free(r);
  return true;
}

size_t g6_runners_stop_within(g6_runner **rs, size_t n, double timeout_s) {
  for (size_t i = 0; i < n; i++)
    g6_runner_request_stop(rs[i]);
  double until = g6_monotonic_now() + timeout_s;
  size_t left = 0;
  for (size_t i = 0; i < n; i++)
    if (g6_runner_stop_within(rs[i], until - g6_monotonic_now()))
      rs[i] = NULL;
    else
      left++;
  return left;
}
