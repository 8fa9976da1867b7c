/* Waiting for a thread with a bound (see core/thread.h). */
#include "core/thread.h"

#include "core/clock.h"

#include <errno.h>
#include <math.h>
#include <time.h>

bool g6_thread_join_within(pthread_t t, double timeout_s) {
  double until = g6_monotonic_now() + (timeout_s > 0 ? timeout_s : 0);
  struct timespec ts;
  ts.tv_sec = (time_t)floor(until);
  ts.tv_nsec = (long)((until - floor(until)) * 1e9);
  int rc;
  do
    rc = pthread_clockjoin_np(t, NULL, CLOCK_MONOTONIC, &ts);
  while (rc == EINTR);
  if (rc == 0)
    return true;
  pthread_detach(t);
  return false;
}
