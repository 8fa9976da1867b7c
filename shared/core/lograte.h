/* g6 — keeping repeated failures from flooding a host's log.
 *
 * Two helpers, both driven by the caller's clock (seconds) so they are
 * unit-tested without waiting:
 *
 *   g6_log_throttle: one state per failure source (an index's cycle, its CSV
 *   files, ...). A failure is logged when it starts, when its kind changes
 *   and every `every_s` while it lasts; the recovery is logged once.
 *
 *   g6_log_dedup: for messages from many places (the Kite client's
 *   per-request lines). A message whose shape (its text without digits, so
 *   attempt numbers and delays do not count) repeats within `window_s` is
 *   suppressed; the next one let through reports how many were. Thread-safe. */
#ifndef G6_LOGRATE_H
#define G6_LOGRATE_H

#include "core/status.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct g6_log_throttle {
  g6_status last;
  double logged;
} g6_log_throttle;

/* Whether the outcome `st` of the source is to be logged now: a failure that
 * started, changed kind, or lasted `every_s` since it was last logged; or
 * G6_OK right after a failure (the recovery). Records the state. Zero-
 * initialised state means "no failure so far". Can't fail. */
bool g6_log_throttle_due(g6_log_throttle *t, g6_status st, double now,
                         double every_s);

#define G6_LOG_DEDUP_SLOTS 64

typedef struct g6_log_dedup {
  pthread_mutex_t mu;
  struct {
    uint64_t key;
    double at;
    unsigned suppressed;
  } slot[G6_LOG_DEDUP_SLOTS];
} g6_log_dedup;

#define G6_LOG_DEDUP_INIT {.mu = PTHREAD_MUTEX_INITIALIZER}

/* Whether to log `msg` at `level` now: not when a message of the same
 * shape (level and text without digits) was shown less than `window_s`
 * ago. It remembers the last G6_LOG_DEDUP_SLOTS shapes shown, whatever
 * their hashes (a new one takes the place of the least recently shown).
 * When it returns true, *suppressed holds how many messages of the same
 * shape were suppressed since the last one shown (0 usually). Can't
 * fail. */
bool g6_log_dedup_admit(g6_log_dedup *d, int level, const char *msg,
                        double now, double window_s, unsigned *suppressed);

#endif
