/* g6 — clocks and sleeping, in seconds as doubles. */
#ifndef G6_CLOCK_H
#define G6_CLOCK_H

/* Seconds on CLOCK_MONOTONIC (durations, rate limits). Can't fail. */
double g6_monotonic_now(void);

/* Seconds since the Unix epoch on CLOCK_REALTIME. Can't fail. */
double g6_wall_now(void);

/* CPU time consumed so far by the calling thread (CLOCK_THREAD_CPUTIME_ID,
 * nanosecond resolution, user + system), in seconds. Can't fail. */
double g6_thread_cpu_now(void);

/* Watches the wall clock against CLOCK_MONOTONIC to notice a step of the
 * wall clock (NTP stepping it, an operator, a restored VM): each call
 * compares how far the two clocks moved since the previous one. */
typedef struct g6_clock_watch {
  double wall, mono; /* at the previous call */
  int started;
} g6_clock_watch;

#define G6_CLOCK_WATCH_INIT {0, 0, 0}

/* The wall clock's step since the previous call, in seconds: how much more
 * (> 0, forward) or less (< 0, back) it advanced than CLOCK_MONOTONIC; 0 on
 * the first call. NTP's slewing shows as milliseconds: callers compare with
 * a threshold of seconds. `wall` and `mono` are the two clocks read now
 * (g6_wall_now, g6_monotonic_now). Can't fail. */
double g6_clock_watch_step(g6_clock_watch *w, double wall, double mono);

/* Sleeps for `seconds` (resuming after signals); nothing for <= 0. */
void g6_sleep_seconds(double seconds);

#endif
