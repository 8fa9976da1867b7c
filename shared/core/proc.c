/* This process's CPU time and resident memory (see core/proc.h). */
#include "core/proc.h"

#include <math.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

g6_status g6_proc_usage_get(g6_proc_usage *u) {
  struct rusage ru;
  u->cpu_seconds = NAN;
  u->rss_bytes = NAN;
  if (getrusage(RUSAGE_SELF, &ru) != 0)
    return G6_EIO;
  u->cpu_seconds = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                   (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
  /* ru_maxrss is the peak; the current size is statm's second field */
  FILE *f = fopen("/proc/self/statm", "re");
  if (f != NULL) {
    unsigned long size = 0, resident = 0;
    long page = sysconf(_SC_PAGESIZE);
    if (fscanf(f, "%lu %lu", &size, &resident) == 2 && page > 0)
      u->rss_bytes = (double)resident * (double)page;
    fclose(f);
  }
  return G6_OK;
}
