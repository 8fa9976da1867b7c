/* Test shim, LD_PRELOADed into collectd by panels_crash.t: renameat2()
 * sleeps G6_SLOW_RENAME_MS milliseconds before it does its work, so a test
 * can kill collectd while g6_panels holds a finished set that is not swapped
 * in yet — the window crash safety is about — without any hook in g6. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int renameat2(int olddirfd, const char *oldpath, int newdirfd,
              const char *newpath, unsigned int flags) {
  static int (*real)(int, const char *, int, const char *, unsigned int);
  if (real == NULL)
    real = (int (*)(int, const char *, int, const char *, unsigned int))
        dlsym(RTLD_NEXT, "renameat2");
  const char *ms = getenv("G6_SLOW_RENAME_MS");
  if (ms != NULL) {
    long v = strtol(ms, NULL, 10);
    struct timespec ts = {v / 1000, (v % 1000) * 1000000L};
    nanosleep(&ts, NULL);
  }
  return real(olddirfd, oldpath, newdirfd, newpath, flags);
}
