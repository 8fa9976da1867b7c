/* Waiting for a thread with a bound (see core/thread.h). */
#include "core/thread.h"

#include "core/clock.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
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

typedef struct call {
  void (*fn)(void *);
  void *arg;
} call;

static void *call_main(void *p) {
  sigset_t all; /* signals are the host process's business */
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL);
  call c = *(call *)p;
  free(p);
  c.fn(c.arg);
  return NULL;
}

bool g6_call_within(void (*fn)(void *), void *arg, double timeout_s) {
  call *c = malloc(sizeof(*c));
  pthread_t t;
  if (c != NULL) {
    c->fn = fn;
    c->arg = arg;
    if (pthread_create(&t, NULL, call_main, c) == 0)
      return g6_thread_join_within(t, timeout_s);
    free(c);
  }
  fn(arg);
  return true;
}

const char *g6_thread_left_msg(char *buf, size_t len, const char *what,
                               const char *dir_option, const char *dir,
                               const char *lost) {
  if (len == 0)
    return buf;
  snprintf(buf, len,
           "%s did not stop within %.0f s: it is blocked in a system call on "
           "storage under %s %s that does not answer (a hung mount); "
           "collectd stops without it%s%s",
           what, G6_STORAGE_GRACE_S, dir_option, dir, lost ? ". " : "",
           lost ? lost : "");
  return buf;
}
