#include "core/fdhold.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <unistd.h>

static atomic_size_t budget; /* descriptors that may be held */
static atomic_size_t held;   /* descriptors held now */

g6_status g6_fdhold_budget(size_t want, size_t *granted, g6_error *err) {
  atomic_store(&budget, 0);
  if (granted != NULL)
    *granted = 0;
  if (want == 0)
    return G6_OK;
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
    return g6_error_set(err, G6_EIO, "getrlimit(RLIMIT_NOFILE): %s",
                        strerror(errno));
  const rlim_t base = FD_SETSIZE + G6_FDHOLD_SLACK; /* kept for others */
  rlim_t hard = rl.rlim_max;
  if (hard != RLIM_INFINITY && hard <= base)
    return G6_OK; /* no room above FD_SETSIZE: hold nothing */
  size_t room = hard == RLIM_INFINITY || hard - base > (rlim_t)want
                    ? want
                    : (size_t)(hard - base);
  rlim_t need = base + (rlim_t)room;
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
    rl.rlim_cur = need;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
      return g6_error_set(err, G6_EIO,
                          "setrlimit(RLIMIT_NOFILE) to a soft limit of %llu: "
                          "%s",
                          (unsigned long long)need, strerror(errno));
  }
  atomic_store(&budget, room);
  if (granted != NULL)
    *granted = room;
  return G6_OK;
}

bool g6_fdhold_setup(size_t want, const char *option, char *msg,
                     size_t cap) {
  size_t granted = 0;
  g6_error e;
  msg[0] = '\0';
  if (g6_fdhold_budget(want, &granted, &e) != G6_OK) {
    snprintf(msg, cap, "%s %zu: %s; every CSV file is opened per append",
             option, want, e.msg);
    return false;
  }
  struct rlimit rl = {0, 0};
  getrlimit(RLIMIT_NOFILE, &rl);
  if (granted < want) {
    snprintf(msg, cap,
             "%s %zu: the hard RLIMIT_NOFILE (%llu) leaves room for %zu "
             "above descriptor %d; the other CSV files are opened per append "
             "(raise LimitNOFILE= for collectd)",
             option, want, (unsigned long long)rl.rlim_max, granted,
             FD_SETSIZE);
    return false;
  }
  if (want > 0)
    snprintf(msg, cap,
             "keeping up to %zu CSV files open, from descriptor %d up (soft "
             "RLIMIT_NOFILE %llu)",
             granted, FD_SETSIZE, (unsigned long long)rl.rlim_cur);
  return true;
}

int g6_fdhold(int fd) {
  if (fd < 0)
    return -1;
  size_t n = atomic_load(&held);
  do {
    if (n >= atomic_load(&budget))
      return -1;
  } while (!atomic_compare_exchange_weak(&held, &n, n + 1));
  int hi = fcntl(fd, F_DUPFD_CLOEXEC, FD_SETSIZE);
  if (hi < 0) {
    atomic_fetch_sub(&held, 1);
    return -1;
  }
  close(fd);
  return hi;
}

int g6_fdhold_release(int fd) {
  if (fd < 0) {
    errno = EBADF;
    return -1;
  }
  int rc = close(fd); /* then its place: never more open than the budget */
  int e = errno;
  atomic_fetch_sub(&held, 1);
  errno = e;
  return rc;
}

size_t g6_fdhold_count(void) { return atomic_load(&held); }
size_t g6_fdhold_limit(void) { return atomic_load(&budget); }
