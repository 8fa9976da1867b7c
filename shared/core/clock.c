#include "core/clock.h"

#include <errno.h>
#include <time.h>

static double read_clock(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double g6_monotonic_now(void) { return read_clock(CLOCK_MONOTONIC); }

double g6_wall_now(void) { return read_clock(CLOCK_REALTIME); }

double g6_thread_cpu_now(void) { return read_clock(CLOCK_THREAD_CPUTIME_ID); }

void g6_sleep_seconds(double seconds) {
  if (!(seconds > 0))
    return;
  struct timespec ts;
  ts.tv_sec = (time_t)seconds;
  ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

double g6_clock_watch_step(g6_clock_watch *w, double wall, double mono) {
  double step = w->started ? (wall - w->wall) - (mono - w->mono) : 0.0;
  w->wall = wall;
  w->mono = mono;
  w->started = 1;
  return step;
}
