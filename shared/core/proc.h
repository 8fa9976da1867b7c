/* g6 — this process's own resource use, for the system panel. g6 runs
 * inside collectd, so these are the collectd process's figures (on a host
 * whose collectd runs only g6 they are g6's). */
#ifndef G6_PROC_H
#define G6_PROC_H

#include "core/status.h"

typedef struct g6_proc_usage {
  double cpu_seconds; /* user + system CPU time since the process started */
  double rss_bytes;   /* resident set size now; NaN when unknown */
} g6_proc_usage;

/* Fills *u from getrusage(RUSAGE_SELF) and /proc/self/statm. G6_EIO when
 * getrusage fails (it does not on Linux); an unreadable /proc leaves
 * rss_bytes NaN and is not an error. */
g6_status g6_proc_usage_get(g6_proc_usage *u);

#endif
