/* g6 — a periodic job on a thread of its own: one index's collection.
 *
 * g6_chain runs each index on its own thread rather than on collectd's read
 * threads, which every plugin of the host shares: a cycle waits for the Kite
 * rate limiter (1 request/s) and for HTTP, and holding a read thread that
 * long delays the host's other plugins (measured: the `load` plugin lost a
 * fifth of its values with five indices on the default 5 read threads).
 *
 * The runner calls `fn` every `interval` seconds on CLOCK_MONOTONIC. A
 * cycle that overruns its interval is not queued behind itself: the next one
 * starts as soon as it ends, and the overrun is counted. g6_runner_stop
 * wakes a waiting runner at once; a cycle in progress is the caller's to
 * cut short (the Kite client's cancel aborts HTTP transfers and rate-limit
 * waits within about a second). */
#ifndef G6_RUNNER_H
#define G6_RUNNER_H

#include "core/status.h"

#include <stdbool.h>
#include <stdint.h>

/* What the runner tells each cycle. */
typedef struct g6_runner_tick {
  uint64_t cycle;     /* 1, 2, ... */
  double scheduled;   /* when the cycle was due (monotonic seconds) */
  double started;     /* when it started (>= scheduled) */
  uint64_t overruns;  /* cycles so far that ended after the next was due */
  double lag_s;       /* how far the previous cycle ended past its
                         deadline (scheduled + interval); 0 when on time */
} g6_runner_tick;

typedef void (*g6_runner_fn)(void *ctx, const g6_runner_tick *tick);

typedef struct g6_runner g6_runner;

/* Starts a thread named `name` (at most 15 bytes are kept, the kernel's
 * limit; shown by top -H and in /proc/<pid>/task/<tid>/comm) that calls
 * fn(ctx, tick) first after `first_delay_s`, then every `interval_s` > 0.
 * G6_EINVAL for a bad interval, G6_ENOMEM, G6_EINTERNAL when the thread
 * cannot be created (err says why). */
g6_status g6_runner_start(const char *name, double interval_s,
                          double first_delay_s, g6_runner_fn fn, void *ctx,
                          g6_runner **out, g6_error *err);

/* How the runner keeps its schedule at monotonic time `now`, live (from
 * any thread): *overruns counts the cycles that ended after the next was
 * due, plus the cycle in progress once it is past that; *lag_s is how far
 * the last cycle ended past its deadline (0: on time), or how far the cycle
 * in progress is past its own when that is more. A stalled cycle shows at
 * once, not when it ends. r NULL: 0 and 0. Can't fail. */
void g6_runner_schedule(g6_runner *r, double now, uint64_t *overruns,
                        double *lag_s);

/* Asks the runner to stop: a waiting runner wakes at once; a running cycle
 * finishes first. Does not wait. Safe to call twice. */
void g6_runner_request_stop(g6_runner *r);

/* g6_runner_request_stop, then waits for the thread to end and frees r.
 * NULL is a no-op. */
void g6_runner_stop(g6_runner *r);

/* g6_runner_request_stop, then waits at most `timeout_s` seconds for the
 * thread to end (core/thread.h). true: it ended and r is freed (NULL is a
 * no-op and true). false: a cycle is still in progress, blocked in a system
 * call (a hung mount under the data directory): the thread is detached, and
 * r and the ctx its cycle uses are left allocated for good; the caller must
 * not free ctx or anything the cycle reads. The thread is left as
 * core/thread.h says: once the storage answers, its cycle's next
 * g6_thread_checkpoint (g6's storage code calls it before each write,
 * rename or unlink; fn should before it logs or dispatches the cycle)
 * parks it for good. */
bool g6_runner_stop_within(g6_runner *r, double timeout_s);

/* Stops the n runners rs (NULLs skipped) within `timeout_s` seconds in
 * all: asks every one to stop first, then waits for each with what is left
 * of the bound (g6_runner_stop_within). Each one that ended is freed and
 * its slot set NULL; one still blocked stays in its slot, left allocated
 * for good with its ctx. Returns how many were left. */
size_t g6_runners_stop_within(g6_runner **rs, size_t n, double timeout_s);

#endif
