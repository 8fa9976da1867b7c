/* g6 — waiting for a thread of g6's own, with a bound.
 *
 * A thread blocked in a system call cannot be cut short from outside: a
 * write, unlink or stat on a hung mount (an NFS server gone, a frozen file
 * system) sleeps in the kernel until the storage answers. collectd calls
 * the plugins' shutdown callbacks one after another on its main thread, so
 * a shutdown that joins such a thread without a bound holds up every plugin
 * after it (rrdtool's cache flush, ...) and the daemon's stop, until the
 * service manager kills it. */
#ifndef G6_THREAD_H
#define G6_THREAD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* How long g6 waits for its own threads at shutdown, and for storage at
 * start-up, before it goes on without them (seconds). */
#define G6_STORAGE_GRACE_S 5.0

/* Starts fn(arg) on a thread of g6's own, every signal blocked there
 * (signals are the host's business: collectd's main thread), that
 * g6_thread_join_within can leave safely (below). pthread_create's result:
 * 0, or an errno value. */
int g6_thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

/* Waits up to `timeout_s` seconds (CLOCK_MONOTONIC; <= 0: only looks) for
 * thread `t` to end. true: it ended and is joined. false: it still runs; it
 * is then detached (it must not be joined again), and whatever it uses must
 * stay allocated: the caller leaves it, as a process that is exiting may.
 * A thread of g6_thread_start is then marked left: when its system call
 * returns (the storage answers while collectd tears down after the plugins'
 * shutdown), its next g6_thread_checkpoint parks it for good, so it writes,
 * logs and dispatches nothing more and uses nothing the host frees. Can't
 * fail otherwise. */
bool g6_thread_join_within(pthread_t t, double timeout_s);

/* Returns at once, unless the calling thread is one of g6_thread_start's
 * that g6_thread_join_within left: then it never returns (the thread
 * sleeps until the process exits, holding whatever it holds; collectd 5.12
 * never unloads a plugin's code, so a parked thread is safe). Called after
 * every call that may block on storage, before each write, rename,
 * unlink, ... of g6's storage code and before a thread of g6's own logs its
 * cycle. Async-signal-safe; any thread. */
void g6_thread_checkpoint(void);

/* `call` (an expression: a system call on storage), then
 * g6_thread_checkpoint: a thread left while `call` blocked does not act on
 * its result. The value of `call`. */
#define G6_AFTER(call)                                                         \
  ({                                                                           \
    __typeof__(call) g6_after_rc_ = (call);                                    \
    g6_thread_checkpoint();                                                    \
    g6_after_rc_;                                                              \
  })

/* Whether the calling thread is one g6_thread_join_within left (for
 * tests). */
bool g6_thread_is_left(void);

/* Runs fn(arg) on a thread of its own (g6_thread_start) and
 * waits up to `timeout_s` seconds for it: for start-up work on storage
 * that may hang (claiming DataDir creates and locks a file). true: fn
 * returned, its results are in arg. false: it still runs, blocked; it is
 * left to finish by itself, and arg must stay allocated for good (the
 * caller leaks it). When no thread can be created, fn runs on the calling
 * thread (true). */
bool g6_call_within(void (*fn)(void *), void *arg, double timeout_s);

/* The one error every g6 plugin logs for a thread of its own it leaves at
 * shutdown (g6_thread_join_within, g6_runner_stop_within false), in buf:
 * "<what> did not stop within 5 s: it is blocked in a system call on
 * storage under <dir_option> <dir> that does not answer (a hung mount);
 * collectd stops without it", then ". <lost>" when lost is not NULL (what
 * is lost with it). 5 is G6_STORAGE_GRACE_S. Returns buf (cut to len,
 * always terminated when len > 0). Can't fail. */
const char *g6_thread_left_msg(char *buf, size_t len, const char *what,
                               const char *dir_option, const char *dir,
                               const char *lost);

#endif
