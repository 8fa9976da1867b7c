/* g6 — clocks and sleeping, in seconds as doubles. */
#ifndef G6_CLOCK_H
#define G6_CLOCK_H

/* Seconds on CLOCK_MONOTONIC (durations, rate limits). Can't fail. */
double g6_monotonic_now(void);

/* Seconds since the Unix epoch on CLOCK_REALTIME. Can't fail. */
double g6_wall_now(void);

/* Sleeps for `seconds` (resuming after signals); nothing for <= 0. */
void g6_sleep_seconds(double seconds);

#endif
