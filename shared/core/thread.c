/* Waiting for a thread with a bound (see core/thread.h). */
#include "core/thread.h"

#include "core/clock.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* The threads of g6_thread_start not joined yet, each with the mark
 * g6_thread_join_within sets when it leaves it. A left thread's entry is
 * never freed: the thread may read its mark until the process exits. */
typedef struct entry {
  pthread_t t;
  atomic_bool left;
  struct entry *next;
} entry;

static pthread_mutex_t entries_mu = PTHREAD_MUTEX_INITIALIZER;
static entry *entries;
static __thread entry *self; /* the calling thread's, or NULL */

typedef struct start {
  void *(*fn)(void *);
  void *arg;
  entry *e;
} start;

static void *start_main(void *p) {
  sigset_t all; /* signals are the host process's business */
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL);
  start s = *(start *)p;
  free(p);
  self = s.e;
  return s.fn(s.arg);
}

int g6_thread_start(pthread_t *t, void *(*fn)(void *), void *arg) {
  start *s = malloc(sizeof(*s));
  entry *e = calloc(1, sizeof(*e));
  if (s == NULL || e == NULL) {
    free(s);
    free(e);
    return ENOMEM;
  }
  *s = (start){.fn = fn, .arg = arg, .e = e};
  atomic_init(&e->left, false);
  /* listed before the thread runs: it is joined or left only after this
   * returns */
  pthread_mutex_lock(&entries_mu);
  int rc = pthread_create(t, NULL, start_main, s);
  if (rc == 0) {
    e->t = *t;
    e->next = entries;
    entries = e;
  }
  pthread_mutex_unlock(&entries_mu);
  if (rc != 0) {
    free(s);
    free(e);
  }
  return rc;
}

/* t's entry (t runs or is not joined yet, so no other thread has its id);
 * NULL when t is not one of g6_thread_start's. */
static entry *find(pthread_t t) {
  pthread_mutex_lock(&entries_mu);
  entry *e = entries;
  while (e != NULL && !pthread_equal(e->t, t))
    e = e->next;
  pthread_mutex_unlock(&entries_mu);
  return e;
}

/* Unlinks and frees e, whose thread ended. */
static void forget(entry *e) {
  if (e == NULL)
    return;
  pthread_mutex_lock(&entries_mu);
  for (entry **pp = &entries; *pp != NULL; pp = &(*pp)->next)
    if (*pp == e) {
      *pp = e->next;
      break;
    }
  pthread_mutex_unlock(&entries_mu);
  free(e);
}

bool g6_thread_join_within(pthread_t t, double timeout_s) {
  entry *e = find(t); /* before the join: after it, t may be reused */
  double until = g6_monotonic_now() + (timeout_s > 0 ? timeout_s : 0);
  struct timespec ts;
  ts.tv_sec = (time_t)floor(until);
  ts.tv_nsec = (long)((until - floor(until)) * 1e9);
  int rc;
  do
    rc = pthread_clockjoin_np(t, NULL, CLOCK_MONOTONIC, &ts);
  while (rc == EINTR);
  if (rc != 0) {
    /* left: marked first, so whatever it does once its system call
     * returns, its next checkpoint parks it; then a last look, in case it
     * ended in between */
    if (e != NULL)
      atomic_store(&e->left, true);
    if (pthread_tryjoin_np(t, NULL) != 0) {
      pthread_detach(t);
      return false; /* e stays: the thread reads its mark */
    }
  }
  forget(e);
  return true;
}

void g6_thread_checkpoint(void) {
  if (self == NULL || !atomic_load(&self->left))
    return;
  for (;;) /* until the process exits; every signal is blocked here */
    pause();
}

bool g6_thread_is_left(void) {
  return self != NULL && atomic_load(&self->left);
}

typedef struct call {
  void (*fn)(void *);
  void *arg;
} call;

static void *call_main(void *p) {
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
    if (g6_thread_start(&t, call_main, c) == 0)
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
