/* The periodic runner (collector/runner.h): cadence, overruns that start the
 * next cycle at once instead of queueing, lag, and a prompt stop. Real time,
 * short intervals; bounds are loose so a loaded machine does not fail them. */
#include "g6_test.h"

#include "collector/runner.h"
#include "core/clock.h"
#include "core/thread.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

typedef struct probe {
  atomic_int calls;
  double started[64];
  g6_runner_tick last;
  double sleep_s; /* how long each cycle takes */
  int slow_calls; /* the first n cycles take sleep_s */
  char thread_name[16];
} probe;

static void cycle(void *ctx, const g6_runner_tick *tick) {
  probe *p = ctx;
  int n = atomic_load(&p->calls);
  if (n < 64)
    p->started[n] = tick->started;
  p->last = *tick;
  if (n == 0)
    pthread_getname_np(pthread_self(), p->thread_name,
                       sizeof(p->thread_name));
  if (n < p->slow_calls)
    g6_sleep_seconds(p->sleep_s);
  atomic_fetch_add(&p->calls, 1);
}

static void wait_calls(probe *p, int n, double timeout) {
  double end = g6_monotonic_now() + timeout;
  while (atomic_load(&p->calls) < n && g6_monotonic_now() < end)
    g6_sleep_seconds(0.005);
}

static void keeps_its_cadence(void **state) {
  (void)state;
  static probe p;
  memset(&p, 0, sizeof(p));
  g6_runner *r;
  g6_error e;
  assert_int_equal(
      g6_runner_start("g6/TESTINDEXNAME", 0.05, 0, cycle, &p, &r, &e), G6_OK);
  wait_calls(&p, 6, 5);
  g6_runner_stop(r);
  int n = atomic_load(&p.calls);
  assert_true(n >= 6);
  /* cycles start one interval apart on the monotonic clock, not drifting */
  double span = p.started[5] - p.started[0];
  assert_true(span > 0.2 && span < 0.5);
  assert_int_equal(p.last.overruns, 0);
  assert_close(p.last.lag_s, 0, 0);
  assert_string_equal(p.thread_name, "g6/TESTINDEXNAM"); /* 15 bytes */
}

static void overruns_start_the_next_cycle_at_once(void **state) {
  (void)state;
  static probe p;
  memset(&p, 0, sizeof(p));
  p.sleep_s = 0.25; /* five intervals */
  p.slow_calls = 2;
  g6_runner *r;
  g6_error e;
  assert_int_equal(g6_runner_start("g6/slow", 0.05, 0, cycle, &p, &r, &e),
                   G6_OK);
  wait_calls(&p, 4, 5);
  g6_runner_stop(r);
  assert_true(atomic_load(&p.calls) >= 4);
  /* the second cycle starts as the first ends: not a burst of queued ones */
  double gap = p.started[1] - p.started[0];
  assert_true(gap >= 0.24 && gap < 0.4);
  double gap2 = p.started[2] - p.started[1];
  assert_true(gap2 >= 0.24 && gap2 < 0.4);
  /* the third cycle knows about two overruns and the lag of the second */
  assert_int_equal(p.last.overruns, 2);
  /* back on time: the fourth comes one interval after the third */
  double gap3 = p.started[3] - p.started[2];
  assert_true(gap3 >= 0.04 && gap3 < 0.2);
}

/* A cycle stuck for many intervals shows while it lasts: the lag grows and
 * the overrun is counted before it ends (before, both came only after it
 * ended, one cycle late, and a stuck index looked on time; found by a
 * reviewer). After it, the lag is the last cycle's until one is on time. */
static void a_stuck_cycle_shows_while_it_lasts(void **state) {
  (void)state;
  static probe p;
  memset(&p, 0, sizeof(p));
  p.sleep_s = 0.6; /* twelve intervals */
  p.slow_calls = 1;
  g6_runner *r;
  g6_error e;
  uint64_t over;
  double lag;
  g6_runner_schedule(NULL, 0, &over, &lag);
  assert_int_equal(over, 0);

  assert_int_equal(g6_runner_start("g6/stuck", 0.05, 0, cycle, &p, &r, &e),
                   G6_OK);
  g6_sleep_seconds(0.02); /* in the first cycle, before its deadline */
  g6_runner_schedule(r, g6_monotonic_now(), &over, &lag);
  assert_int_equal(over, 0);
  assert_close(lag, 0, 0);
  g6_sleep_seconds(0.3); /* 0.32 s in: 0.27 s past the deadline */
  g6_runner_schedule(r, g6_monotonic_now(), &over, &lag);
  assert_int_equal(atomic_load(&p.calls), 0); /* still in it */
  assert_int_equal(over, 1);
  assert_true(lag > 0.2 && lag < 0.5);
  double lag1 = lag;
  g6_sleep_seconds(0.1);
  g6_runner_schedule(r, g6_monotonic_now(), &over, &lag);
  assert_true(lag > lag1); /* growing */
  wait_calls(&p, 3, 5);
  g6_runner_stop(r);
}

static void stop_wakes_a_waiting_runner(void **state) {
  (void)state;
  static probe p;
  memset(&p, 0, sizeof(p));
  g6_runner *r;
  g6_error e;
  assert_int_equal(g6_runner_start("g6/idle", 3600, 0, cycle, &p, &r, &e),
                   G6_OK);
  wait_calls(&p, 1, 5);
  double t0 = g6_monotonic_now();
  g6_runner_stop(r); /* the next cycle is an hour away */
  assert_true(g6_monotonic_now() - t0 < 0.5);
  assert_int_equal(atomic_load(&p.calls), 1);
  /* a delayed first cycle never runs when stopped before it */
  memset(&p, 0, sizeof(p));
  assert_int_equal(g6_runner_start("g6/late", 1, 3600, cycle, &p, &r, &e),
                   G6_OK);
  g6_runner_stop(r);
  assert_int_equal(atomic_load(&p.calls), 0);
  g6_runner_stop(NULL);
}

/* A cycle blocked in a system call (here a read of a pipe nobody writes,
 * standing in for a write on a hung mount) cannot be cut short:
 * g6_runner_stop_within gives up after its bound and leaves the thread;
 * once the call returns, the cycle's next checkpoint (core/thread.h) parks
 * it for good: nothing after it runs. */
typedef struct blocked {
  int fd;
  atomic_int entered, left, after;
} blocked;

static void blocking_cycle(void *ctx, const g6_runner_tick *tick) {
  (void)tick;
  blocked *b = ctx;
  atomic_store(&b->entered, 1);
  char c;
  while (read(b->fd, &c, 1) < 0)
    ;
  atomic_store(&b->left, 1);
  g6_thread_checkpoint(); /* as a cycle does before it logs */
  atomic_store(&b->after, 1);
}

static void stop_within_leaves_a_blocked_cycle(void **state) {
  (void)state;
  static blocked b;
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  b.fd = fds[0];
  g6_runner *r;
  g6_error e;
  assert_int_equal(
      g6_runner_start("g6/blocked", 3600, 0, blocking_cycle, &b, &r, &e),
      G6_OK);
  double end = g6_monotonic_now() + 5;
  while (!atomic_load(&b.entered) && g6_monotonic_now() < end)
    g6_sleep_seconds(0.005);
  assert_true(atomic_load(&b.entered));
  double t0 = g6_monotonic_now();
  /* left allocated for good: still reachable (volatile: a plain static
   * store is dropped at -O1, and LeakSanitizer then reports the runner) */
  static g6_runner *volatile left;
  left = r;
  assert_false(g6_runner_stop_within(left, 0.2));
  double waited = g6_monotonic_now() - t0;
  assert_true(waited >= 0.19 && waited < 2);
  /* the call returns: the left thread parks at its checkpoint */
  assert_int_equal(write(fds[1], "x", 1), 1);
  end = g6_monotonic_now() + 5;
  while (!atomic_load(&b.left) && g6_monotonic_now() < end)
    g6_sleep_seconds(0.005);
  assert_true(atomic_load(&b.left));
  g6_sleep_seconds(0.2);
  assert_false(atomic_load(&b.after));
  /* a runner that stops in time is joined and freed: true */
  static probe p;
  memset(&p, 0, sizeof(p));
  assert_int_equal(g6_runner_start("g6/quick", 3600, 0, cycle, &p, &r, &e),
                   G6_OK);
  wait_calls(&p, 1, 5);
  assert_true(g6_runner_stop_within(r, 5));
  assert_true(g6_runner_stop_within(NULL, 0));
  /* a group within one bound: the quick one is freed (its slot NULL), the
   * blocked one stays in its slot */
  static g6_runner *volatile group[3];
  atomic_store(&b.entered, 0);
  atomic_store(&b.left, 0);
  memset(&p, 0, sizeof(p));
  assert_int_equal(g6_runner_start("g6/quick", 3600, 0, cycle, &p, &r, &e),
                   G6_OK);
  group[0] = r;
  assert_int_equal(
      g6_runner_start("g6/blocked", 3600, 0, blocking_cycle, &b, &r, &e),
      G6_OK);
  group[1] = r;
  wait_calls(&p, 1, 5);
  end = g6_monotonic_now() + 5;
  while (!atomic_load(&b.entered) && g6_monotonic_now() < end)
    g6_sleep_seconds(0.005);
  assert_int_equal(g6_runners_stop_within((g6_runner **)group, 3, 0.2), 1);
  assert_null(group[0]);
  assert_non_null(group[1]);
  assert_int_equal(write(fds[1], "x", 1), 1);
  end = g6_monotonic_now() + 5;
  while (!atomic_load(&b.left) && g6_monotonic_now() < end)
    g6_sleep_seconds(0.005);
  assert_true(atomic_load(&b.left));
  g6_sleep_seconds(0.2);
  assert_false(atomic_load(&b.after));
  close(fds[0]);
  close(fds[1]);
}

static void bad_interval(void **state) {
  (void)state;
  g6_runner *r = NULL;
  g6_error e;
  assert_int_equal(g6_runner_start("g6/bad", 0, 0, cycle, NULL, &r, &e),
                   G6_EINVAL);
  assert_int_equal(g6_runner_start("g6/bad", 1.0 / 0.0, 0, cycle, NULL, &r,
                                   &e),
                   G6_EINVAL);
  assert_null(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(keeps_its_cadence),
      cmocka_unit_test(overruns_start_the_next_cycle_at_once),
      cmocka_unit_test(stop_wakes_a_waiting_runner),
      cmocka_unit_test(a_stuck_cycle_shows_while_it_lasts),
      cmocka_unit_test(stop_within_leaves_a_blocked_cycle),
      cmocka_unit_test(bad_interval),
  };
  return G6_RUN_TESTS(tests);
}
