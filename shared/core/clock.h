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

/* Sleeps for `seconds` (resuming after signals); nothing for <= 0. */
void g6_sleep_seconds(double seconds);

#endif
