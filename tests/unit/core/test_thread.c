/* core/thread.h: waiting for a thread with a bound. A thread blocked in a
 * system call (here a read of a pipe nobody writes, standing in for a
 * write on a hung mount) is left behind after the bound and finishes by
 * itself once the call returns. */
#include "g6_test.h"

#include "core/clock.h"
#include "core/thread.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <unistd.h>

typedef struct job {
  int fd; /* -1: return at once */
  atomic_int done;
  int result;
} job;

static void work(void *p) {
  job *j = p;
  char c;
  if (j->fd >= 0)
    while (read(j->fd, &c, 1) < 0)
      ;
  j->result = 42;
  atomic_store(&j->done, 1);
}

static void *work_thread(void *p) {
  work(p);
  return NULL;
}

static void wait_done(job *j) {
  double end = g6_monotonic_now() + 5;
  while (!atomic_load(&j->done) && g6_monotonic_now() < end)
    g6_sleep_seconds(0.005);
}

static void call_within_returns_or_leaves(void **state) {
  (void)state;
  static job quick = {.fd = -1};
  assert_true(g6_call_within(work, &quick, 5));
  assert_int_equal(quick.result, 42); /* its results are there */
  static job stuck;
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  stuck.fd = fds[0];
  double t0 = g6_monotonic_now();
  assert_false(g6_call_within(work, &stuck, 0.2));
  double waited = g6_monotonic_now() - t0;
  assert_true(waited >= 0.19 && waited < 2);
  assert_false(atomic_load(&stuck.done));
  assert_int_equal(write(fds[1], "x", 1), 1); /* the call returns */
  wait_done(&stuck);
  assert_int_equal(stuck.result, 42);
  close(fds[0]);
  close(fds[1]);
}

static void join_within(void **state) {
  (void)state;
  static job quick = {.fd = -1}, stuck;
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, work_thread, &quick), 0);
  assert_true(g6_thread_join_within(t, 5));
  assert_true(atomic_load(&quick.done));
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  stuck.fd = fds[0];
  assert_int_equal(pthread_create(&t, NULL, work_thread, &stuck), 0);
  assert_false(g6_thread_join_within(t, 0)); /* only looks; detaches it */
  assert_int_equal(write(fds[1], "x", 1), 1);
  wait_done(&stuck);
  assert_true(atomic_load(&stuck.done));
  close(fds[0]);
  close(fds[1]);
}

/* A thread of g6_thread_start left by g6_thread_join_within does nothing
 * more once its call returns: its next checkpoint parks it for good (the
 * storage answering while collectd tears down). One joined in time, or
 * not left, passes its checkpoints. */
typedef struct parked {
  int fd;
  atomic_int returned, after, was_left;
} parked;

static void *park_thread(void *p) {
  parked *j = p;
  char c;
  while (G6_AFTER(read(j->fd, &c, 1)) < 0)
    ;
  atomic_store(&j->returned, 1); /* not reached when left: G6_AFTER parks */
  g6_thread_checkpoint();
  atomic_store(&j->after, 1);
  return NULL;
}

static void *checkpoint_thread(void *p) {
  parked *j = p;
  atomic_store(&j->was_left, g6_thread_is_left());
  g6_thread_checkpoint();
  atomic_store(&j->after, 1);
  return NULL;
}

static void left_thread_parks(void **state) {
  (void)state;
  static parked free_run, left;
  pthread_t t;
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  /* not left: through its checkpoints to the end, joined */
  free_run.fd = fds[0];
  assert_int_equal(g6_thread_start(&t, park_thread, &free_run), 0);
  assert_int_equal(write(fds[1], "x", 1), 1);
  assert_true(g6_thread_join_within(t, 5));
  assert_true(atomic_load(&free_run.returned) && atomic_load(&free_run.after));
  /* left while blocked: the read returns, and nothing after it runs */
  left.fd = fds[0];
  assert_int_equal(g6_thread_start(&t, park_thread, &left), 0);
  assert_false(g6_thread_join_within(t, 0.1));
  assert_int_equal(write(fds[1], "x", 1), 1);
  g6_sleep_seconds(0.5);
  char c; /* the byte is gone: its read returned */
  fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  assert_true(read(fds[0], &c, 1) < 0 && errno == EAGAIN);
  assert_false(atomic_load(&left.returned));
  assert_false(atomic_load(&left.after));
  /* the main thread, and a thread not of g6_thread_start, are never left */
  assert_false(g6_thread_is_left());
  g6_thread_checkpoint();
  static parked plain;
  assert_int_equal(pthread_create(&t, NULL, checkpoint_thread, &plain), 0);
  assert_true(g6_thread_join_within(t, 5));
  assert_true(atomic_load(&plain.after));
  assert_false(atomic_load(&plain.was_left));
  close(fds[0]);
  close(fds[1]);
}

/* Every plugin's thread left at shutdown is said in the same words: what,
 * the bound, the directory option and path, and what is lost with it. */
static void left_message(void **state) {
  (void)state;
  char msg[512];
  assert_string_equal(
      g6_thread_left_msg(msg, sizeof(msg), "the sweep", "DataDir", "/srv/g6",
                         NULL),
      "the sweep did not stop within 5 s: it is blocked in a system call on "
      "storage under DataDir /srv/g6 that does not answer (a hung mount); "
      "collectd stops without it");
  assert_string_equal(
      g6_thread_left_msg(msg, sizeof(msg), "NIFTY", "DataDir", "/d",
                         "The rows are lost"),
      "NIFTY did not stop within 5 s: it is blocked in a system call on "
      "storage under DataDir /d that does not answer (a hung mount); "
      "collectd stops without it. The rows are lost");
  char small[8];
  assert_string_equal(g6_thread_left_msg(small, sizeof(small), "the sweep",
                                         "DataDir", "/d", NULL),
                      "the swe");
  assert_ptr_equal(g6_thread_left_msg(small, 0, "x", "y", "z", NULL), small);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(call_within_returns_or_leaves),
      cmocka_unit_test(join_within),
      cmocka_unit_test(left_thread_parks),
      cmocka_unit_test(left_message),
  };
  return G6_RUN_TESTS(tests);
}
