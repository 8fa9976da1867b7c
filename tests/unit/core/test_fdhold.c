#include "g6_test.h"

#include "core/fdhold.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <unistd.h>

static int devnull(void) { return open("/dev/null", O_RDONLY | O_CLOEXEC); }
static bool is_open(int fd) { return fcntl(fd, F_GETFD) >= 0; }

/* No budget: nothing is held and the caller keeps its descriptor. */
static void zero_budget_holds_nothing(void **state) {
  (void)state;
  size_t granted = 99;
  assert_int_equal(g6_fdhold_budget(0, &granted, NULL), G6_OK);
  assert_int_equal(granted, 0);
  int fd = devnull();
  assert_int_equal(g6_fdhold(fd), -1);
  assert_true(is_open(fd));
  assert_true(fd < FD_SETSIZE);
  close(fd);
  assert_int_equal(g6_fdhold(-1), -1);
  assert_int_equal(g6_fdhold_release(-1), -1);
}

/* A held descriptor closed behind the holder's back, its number reused by
 * another owner: forgetting it gives its place back and leaves the new
 * owner's descriptor open. */
static void forget_gives_the_place_back(void **state) {
  (void)state;
  assert_int_equal(g6_fdhold_budget(1, NULL, NULL), G6_OK);
  int held = g6_fdhold(devnull());
  assert_true(held >= FD_SETSIZE);
  assert_int_equal(g6_fdhold_count(), 1);
  int other = open("/dev/zero", O_RDONLY | O_CLOEXEC);
  assert_int_equal(dup2(other, held), held); /* reused behind its back */
  close(other);
  g6_fdhold_forget(held);
  assert_int_equal(g6_fdhold_count(), 0);
  assert_true(is_open(held));
  g6_fdhold_forget(-1); /* nothing */
  assert_int_equal(g6_fdhold_count(), 0);
  int again = g6_fdhold(devnull()); /* the place is free again */
  assert_true(again >= FD_SETSIZE);
  assert_int_equal(g6_fdhold_release(again), 0);
  close(held);
  assert_int_equal(g6_fdhold_budget(0, NULL, NULL), G6_OK);
}

/* A held descriptor moves above FD_SETSIZE with close-on-exec; the budget
 * caps how many, and a release makes room again. */
static void held_above_fd_setsize_within_budget(void **state) {
  (void)state;
  size_t granted = 0;
  assert_int_equal(g6_fdhold_budget(2, &granted, NULL), G6_OK);
  assert_int_equal(granted, 2);
  assert_int_equal(g6_fdhold_limit(), 2);
  int a = devnull(), b = devnull(), c = devnull();
  int ha = g6_fdhold(a), hb = g6_fdhold(b);
  assert_true(ha >= FD_SETSIZE);
  assert_true(hb >= FD_SETSIZE);
  assert_false(is_open(a)); /* moved, not copied */
  assert_int_equal(fcntl(ha, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  assert_int_equal(g6_fdhold_count(), 2);
  assert_int_equal(g6_fdhold(c), -1); /* the budget is spent */
  assert_true(is_open(c));
  /* a smaller budget keeps what is held but holds nothing new */
  assert_int_equal(g6_fdhold_budget(1, NULL, NULL), G6_OK);
  assert_int_equal(g6_fdhold_count(), 2);
  assert_int_equal(g6_fdhold_release(hb), 0);
  assert_false(is_open(hb));
  assert_int_equal(g6_fdhold(c), -1); /* 1 held, budget 1 */
  assert_int_equal(g6_fdhold_release(ha), 0);
  int hc = g6_fdhold(c);
  assert_true(hc >= FD_SETSIZE);
  assert_int_equal(g6_fdhold_release(hc), 0);
  assert_int_equal(g6_fdhold_count(), 0);
}

/* In a child (the limits cannot be put back): the soft limit is raised to
 * make room, within the hard limit, and a hard limit with no room above
 * FD_SETSIZE grants nothing. Exit codes name the failed check. */
static int limits_child(void) {
  struct rlimit rl = {1024, FD_SETSIZE + G6_FDHOLD_SLACK + 10};
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
    return 10;
  size_t granted = 0;
  if (g6_fdhold_budget(100, &granted, NULL) != G6_OK || granted != 10)
    return 11;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur != rl.rlim_max)
    return 12;
  int held[11], n = 0;
  for (int i = 0; i < 11; i++) {
    int fd = devnull();
    held[i] = g6_fdhold(fd);
    if (held[i] >= 0)
      n++;
    else
      close(fd);
  }
  if (n != 10)
    return 13;
  for (int i = 0; i < 11; i++)
    if (held[i] >= 0)
      g6_fdhold_release(held[i]);
  /* the start-up line: a warning naming the option, the limit, the room */
  char msg[512];
  if (g6_fdhold_setup(100, "MaxOpenCSVFiles", NULL, msg, sizeof(msg)) ||
      strstr(msg, "MaxOpenCSVFiles 100: the hard RLIMIT_NOFILE (1098) leaves "
                  "room for 10 above descriptor 1024") == NULL)
    return 17;
  if (!g6_fdhold_setup(10, "MaxOpenCSVFiles", NULL, msg, sizeof(msg)) ||
      strstr(msg, "keeping up to 10 CSV files open, from descriptor 1024 up "
                  "(soft RLIMIT_NOFILE 1098)") == NULL)
    return 18;
  if (!g6_fdhold_setup(0, "MaxOpenCSVFiles", NULL, msg, sizeof(msg)) || msg[0])
    return 19;
  /* files on a file system that is not local are not held: nothing is
   * granted, the soft limit stays, and the line says why (information) */
  rl.rlim_cur = 1024;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
    return 20;
  if (!g6_fdhold_setup(10, "MaxOpenCSVFiles", "/proc", msg, sizeof(msg)) ||
      strstr(msg, "/proc is on type 0x9fa0, which g6 does not know as a "
                  "local file system: its CSV files are opened and closed per "
                  "append (MaxOpenCSVFiles applies to local file systems)") ==
          NULL ||
      g6_fdhold_limit() != 0)
    return 21;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur != 1024)
    return 22;
  rl.rlim_cur = rl.rlim_max = FD_SETSIZE + G6_FDHOLD_SLACK;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
    return 14;
  if (g6_fdhold_budget(100, &granted, NULL) != G6_OK || granted != 0)
    return 15;
  int fd = devnull();
  if (g6_fdhold(fd) != -1)
    return 16;
  return 0;
}

static void soft_limit_raised_within_hard(void **state) {
  (void)state;
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0)
    _exit(limits_child());
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
}

/* Local file systems hold files; network, user-space and unknown ones do
 * not (their close(2) reports write-back errors and updates other
 * clients' view). */
static void file_system_types(void **state) {
  (void)state;
  char name[24];
  assert_true(g6_fdhold_fs_type(0xEF53, name));
  assert_string_equal(name, "ext4");
  assert_true(g6_fdhold_fs_type(0x58465342, name));
  assert_string_equal(name, "xfs");
  assert_true(g6_fdhold_fs_type(0x01021994, name));
  assert_string_equal(name, "tmpfs");
  assert_false(g6_fdhold_fs_type(0x6969, name));
  assert_string_equal(name, "nfs");
  /* f_type is a signed long: a magic with the top bit set may be negative */
  assert_false(g6_fdhold_fs_type((unsigned long)(long)(int32_t)0xFF534D42,
                                 name));
  assert_string_equal(name, "cifs");
  assert_false(g6_fdhold_fs_type(0x65735546, name));
  assert_string_equal(name, "fuse");
  assert_false(g6_fdhold_fs_type(0x1234, name));
  assert_string_equal(name, "type 0x1234");
  /* real descriptors: procfs is not a place for data files */
  int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  assert_true(fd >= 0);
  assert_false(g6_fdhold_local_fs(fd, name));
  assert_string_equal(name, "type 0x9fa0");
  close(fd);
  assert_false(g6_fdhold_local_fs(-1, name));
  assert_string_equal(name, "unknown");
}

/* Eight threads racing for 50 places: exactly 50 held, never more. */
enum { THREADS = 8, TRIES = 20 };
static int got[THREADS][TRIES];
static void *grab(void *arg) {
  int *mine = arg;
  for (int i = 0; i < TRIES; i++) {
    int fd = devnull();
    mine[i] = g6_fdhold(fd);
    if (mine[i] < 0)
      close(fd);
  }
  return NULL;
}

static void concurrent_holds_respect_budget(void **state) {
  (void)state;
  assert_int_equal(g6_fdhold_budget(50, NULL, NULL), G6_OK);
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++)
    assert_int_equal(pthread_create(&t[i], NULL, grab, got[i]), 0);
  for (int i = 0; i < THREADS; i++)
    pthread_join(t[i], NULL);
  int n = 0;
  for (int i = 0; i < THREADS; i++)
    for (int j = 0; j < TRIES; j++)
      if (got[i][j] >= 0) {
        assert_true(got[i][j] >= FD_SETSIZE);
        n++;
      }
  assert_int_equal(n, 50);
  assert_int_equal(g6_fdhold_count(), 50);
  for (int i = 0; i < THREADS; i++)
    for (int j = 0; j < TRIES; j++)
      if (got[i][j] >= 0)
        assert_int_equal(g6_fdhold_release(got[i][j]), 0);
  assert_int_equal(g6_fdhold_count(), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(zero_budget_holds_nothing),
      cmocka_unit_test(held_above_fd_setsize_within_budget),
      cmocka_unit_test(soft_limit_raised_within_hard),
      cmocka_unit_test(concurrent_holds_respect_budget),
      cmocka_unit_test(file_system_types),
      cmocka_unit_test(forget_gives_the_place_back),
  };
  return G6_RUN_TESTS(tests);
}
