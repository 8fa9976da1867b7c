/* g6 unit tests — which directories fsync(2) was asked for.
 *
 * Included by one test file of a binary: its fsync takes the place of
 * libc's for the whole binary (libg6 is linked in statically), records the
 * real path of each directory fsynced (the first FSYNCSPY_MAX since the
 * last fsyncspy_reset) and then makes the call. A file's fsync is not
 * recorded. For the tests of what g6 makes durable: a new directory's
 * entry is on disk only once its parent is fsynced. */
#ifndef G6_TEST_FSYNCSPY_H
#define G6_TEST_FSYNCSPY_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FSYNCSPY_MAX 64

static char fsyncspy_dirs[FSYNCSPY_MAX][PATH_MAX];
static int fsyncspy_n;

int fsync(int fd) {
  struct stat sb;
  char link[64];
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode) &&
      fsyncspy_n < FSYNCSPY_MAX) {
    ssize_t n = readlink(link, fsyncspy_dirs[fsyncspy_n], PATH_MAX - 1);
    if (n > 0)
      fsyncspy_dirs[fsyncspy_n++][n] = '\0';
  }
  return (int)syscall(SYS_fsync, fd);
}

/* Forgets the directories recorded so far. */
static inline void fsyncspy_reset(void) { fsyncspy_n = 0; }

/* How many directory fsyncs were recorded since the last reset. */
static inline int fsyncspy_count(void) { return fsyncspy_n; }

/* Whether the directory `path` (made real) was fsynced since the last
 * reset. */
static inline bool fsyncspy_synced(const char *path) {
  char real[PATH_MAX];
  if (realpath(path, real) == NULL)
    return false;
  for (int i = 0; i < fsyncspy_n; i++)
    if (strcmp(fsyncspy_dirs[i], real) == 0)
      return true;
  return false;
}

#endif
