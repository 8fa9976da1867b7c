/* Test shim, LD_PRELOADed into collectd by panels_crash.t and
 * panels_shared_dir.t: renameat2() sleeps G6_SLOW_RENAME_MS milliseconds
 * before it does its work, so a test can kill collectd while g6_panels
 * holds a finished set that is not swapped in yet — the window crash safety
 * is about — or put files into PanelsDir inside that window, without any
 * hook in g6. With G6_SLOW_RENAME_MARK, the swap of a staging directory
 * (RENAME_EXCHANGE of a ".g6-staging" name) first creates that file, so the
 * test knows the window is open. G6_SLOW_RENAME_AFTER_MS and
 * G6_SLOW_RENAME_AFTER_MARK do the same right after a swap that succeeded
 * (the previous set is in the staging directory, not yet emptied: the
 * window between the swap and its cleanup). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int renameat2(int olddirfd, const char *oldpath, int newdirfd,
              const char *newpath, unsigned int flags) {
  static int (*real)(int, const char *, int, const char *, unsigned int);
  if (real == NULL)
    real = (int (*)(int, const char *, int, const char *, unsigned int))
        dlsym(RTLD_NEXT, "renameat2");
  const char *mark = getenv("G6_SLOW_RENAME_MARK");
  if (mark != NULL && (flags & RENAME_EXCHANGE) &&
      strstr(oldpath, ".g6-staging") != NULL) {
    int fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0)
      close(fd);
  }
  const char *ms = getenv("G6_SLOW_RENAME_MS");
  if (ms != NULL) {
    long v = strtol(ms, NULL, 10);
    struct timespec ts = {v / 1000, (v % 1000) * 1000000L};
    nanosleep(&ts, NULL);
  }
  int r = real(olddirfd, oldpath, newdirfd, newpath, flags);
  const char *after = getenv("G6_SLOW_RENAME_AFTER_MARK");
  const char *after_ms = getenv("G6_SLOW_RENAME_AFTER_MS");
  if (r == 0 && (flags & RENAME_EXCHANGE) &&
      strstr(oldpath, ".g6-staging") != NULL) {
    if (after != NULL) {
      int fd = open(after, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      if (fd >= 0)
        close(fd);
    }
    if (after_ms != NULL) {
      long v = strtol(after_ms, NULL, 10);
      struct timespec ts = {v / 1000, (v % 1000) * 1000000L};
      nanosleep(&ts, NULL);
    }
  }
  return r;
}
