/* What one per-strike CSV append costs the kernel, apart from everything
 * else a cycle does: `append_cost DIR FILES ROUNDS [PAUSE]` makes FILES files in the
 * g6 layout under DIR (<INDEX>/<tag>/<offset>/<date>.csv, like a cycle of 5
 * indices x 4 expiries x 201 strikes: 4,020), then appends one 330-byte row
 * to every file per round, two ways, and prints the CPU time per row of
 * each (getrusage, user + system, microseconds):
 *   - "g6": what store/csv_sink.c does for a row: openat relative to the
 *     data directory, fstat, write, close;
 *   - "held": fstat and write to a descriptor kept open across rounds (what
 *     csv_sink does for a file held open, MaxOpenCSVFiles);
 *   - "after a pause": one more round PAUSE seconds later (30 s is a cycle
 *     at Interval 30), even files the g6 way and odd files held: the
 *     kernel has written the files back meanwhile, so each append dirties a
 *     clean page again (and re-reads what the page cache dropped; the bytes
 *     read from storage in that round are printed, /proc/self/io).
 *   - "syncfs": the wall time of one syncfs(2) right after the after-pause
 *     round (what Fsync "cycle" waits for, all indices' rows at once);
 *   - "per expiry": the layout the per-strike files rule out, for the
 *     product owner's decision (#11): one file per index, expiry and day
 *     (FILES / 201 of them, 20 for 4,020), held open, each cycle's 201 rows
 *     appended in one write; after PAUSE seconds, its CPU per row and the
 *     syncfs after it.
 * Prints: files, g6 us/row, held us/row, files held, after-pause g6 us/row,
 * after-pause held us/row, after-pause KiB read, syncfs ms after the
 * per-strike round, per-expiry us/row, syncfs ms after the per-expiry round.
 * bench_chain.py prints them beside the cycle's figures. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static long long read_bytes(void) {
  FILE *f = fopen("/proc/self/io", "r");
  long long v = -1;
  char line[128];
  while (f != NULL && fgets(line, sizeof(line), f) != NULL)
    if (sscanf(line, "read_bytes: %lld", &v) == 1)
      break;
  if (f != NULL)
    fclose(f);
  return v;
}

static double cpu_us(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static double wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The wall time of one syncfs of the file system of directory dir, ms
 * (syncfs needs a descriptor opened for reading, not O_PATH). */
static double syncfs_ms(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  double t0 = wall_ms();
  if (fd < 0 || syncfs(fd) != 0)
    perror("append_cost: syncfs");
  double ms = wall_ms() - t0;
  if (fd >= 0)
    close(fd);
  return ms;
}

int main(int argc, char **argv) {
  if (argc != 4 && argc != 5) {
    fprintf(stderr, "usage: append_cost DIR FILES ROUNDS [PAUSE]\n");
    return 2;
  }
  const char *dir = argv[1];
  int files = atoi(argv[2]), rounds = atoi(argv[3]);
  int pause = argc == 5 ? atoi(argv[4]) : 0;
  static const char *const ix[] = {"NIFTY", "BANKNIFTY", "FINNIFTY",
                                   "MIDCPNIFTY", "SENSEX"};
  static const char *const tags[] = {"this_week", "next_week", "this_month",
                                     "next_month"};
  char row[331];
  memset(row, '7', sizeof(row) - 1);
  row[sizeof(row) - 2] = '\n';
  row[sizeof(row) - 1] = '\0';
  size_t rl = strlen(row);
  char **rel = calloc((size_t)files, sizeof(*rel));
  int *held = calloc((size_t)files, sizeof(*held));
  int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rel == NULL || held == NULL || dfd < 0) {
    perror("append_cost");
    return 1;
  }
  for (int f = 0; f < files; f++) {
    char d[512];
    int off = (f % 201 - 100) * 50;
    snprintf(d, sizeof(d), "%s/%s/%s/%s%d", dir, ix[f / 804 % 5],
             tags[f / 201 % 4], off > 0 ? "+" : "", off);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "%s/%s", d, "2026-11-30.csv");
    for (char *p = d + strlen(dir) + 1; *p; p++)
      if (*p == '/') {
        *p = '\0';
        mkdir(d, 0755);
        *p = '/';
      }
    mkdir(d, 0755);
    rel[f] = strdup(cmd + strlen(dir) + 1);
  }
  double g6 = 0, kept = 0;
  for (int r = 0; r < rounds; r++) {
    double t0 = cpu_us();
    for (int f = 0; f < files; f++) {
      int fd = openat(dfd, rel[f], O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC,
                      0644);
      struct stat st;
      if (fd < 0 || fstat(fd, &st) != 0 || write(fd, row, rl) != (ssize_t)rl ||
          close(fd) != 0) {
        perror("append_cost: g6 way");
        return 1;
      }
    }
    double t1 = cpu_us();
    if (r > 0) /* the first round also creates the files */
      g6 += t1 - t0;
  }
  struct rlimit rl_nofile;
  getrlimit(RLIMIT_NOFILE, &rl_nofile);
  int n_held = files;
  if (rl_nofile.rlim_cur != RLIM_INFINITY &&
      (rlim_t)n_held + 64 > rl_nofile.rlim_cur)
    n_held = rl_nofile.rlim_cur > 65 ? (int)rl_nofile.rlim_cur - 64 : 1;
  for (int f = 0; f < n_held; f++)
    if ((held[f] = openat(dfd, rel[f], O_WRONLY | O_APPEND | O_CLOEXEC)) < 0) {
      perror("append_cost: open");
      return 1;
    }
  for (int r = 0; r < rounds; r++) {
    double t0 = cpu_us();
    for (int f = 0; f < n_held; f++) {
      struct stat st;
      if (fstat(held[f], &st) != 0 ||
          write(held[f], row, rl) != (ssize_t)rl) {
        perror("append_cost: held way");
        return 1;
      }
    }
    if (r > 0)
      kept += cpu_us() - t0;
  }
  /* after the pause, even files the g6 way and odd files held: both
   * halves find the page cache in the same state */
  double after_g6 = 0, after_held = 0;
  long long read_kib = 0;
  if (pause > 0) {
    sleep((unsigned)pause);
    /* what other programs dirtied meanwhile is not part of the syncfs
     * measured after the round (the page cache's state for g6's files
     * stays: they were written back long ago) */
    syncfs_ms(dir);
    long long r0 = read_bytes();
    for (int half = 0; half < 2; half++) {
      double t0 = cpu_us();
      for (int f = half; f < n_held; f += 2) {
        struct stat st;
        int fd = half ? held[f]
                      : openat(dfd, rel[f], O_RDWR | O_APPEND | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) != 0 ||
            write(fd, row, rl) != (ssize_t)rl || (!half && close(fd) != 0)) {
          perror("append_cost: after a pause");
          return 1;
        }
      }
      *(half ? &after_held : &after_g6) = cpu_us() - t0;
    }
    read_kib = (read_bytes() - r0) / 1024;
    after_g6 /= (n_held + 1) / 2;
    after_held /= n_held / 2;
  }
  double strike_sync = pause > 0 ? syncfs_ms(dir) : 0;
  /* one file per index, expiry and day: a block of 201 rows per append */
  int n_exp = files / 201 > 0 ? files / 201 : 1;
  int per = files / n_exp;
  double exp_us = 0, exp_sync = 0;
  if (pause > 0) {
    size_t bl = rl * (size_t)per;
    char *block = malloc(bl);
    int *efd = calloc((size_t)n_exp, sizeof(*efd));
    if (block == NULL || efd == NULL) {
      perror("append_cost: per expiry");
      return 1;
    }
    for (int k = 0; k < per; k++)
      memcpy(block + (size_t)k * rl, row, rl);
    for (int x = 0; x < n_exp; x++) {
      char p[64];
      snprintf(p, sizeof(p), "%s.%s.%d.2026-11-30.csv", ix[x / 4 % 5],
               tags[x % 4], x); /* one file each, whatever FILES is */
      efd[x] = openat(dfd, p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (efd[x] < 0 || write(efd[x], block, bl) != (ssize_t)bl) {
        perror("append_cost: per expiry");
        return 1;
      }
    }
    syncfs_ms(dir);
    sleep((unsigned)pause);
    syncfs_ms(dir);
    double t0 = cpu_us();
    for (int x = 0; x < n_exp; x++) {
      struct stat st;
      if (fstat(efd[x], &st) != 0 || write(efd[x], block, bl) != (ssize_t)bl) {
        perror("append_cost: per expiry");
        return 1;
      }
    }
    exp_us = (cpu_us() - t0) / ((double)n_exp * per);
    exp_sync = syncfs_ms(dir);
    for (int x = 0; x < n_exp; x++)
      close(efd[x]);
    free(block);
    free(efd);
  }
  double per_g6 = g6 / ((double)(rounds - 1) * files);
  double per_kept = kept / ((double)(rounds - 1) * n_held);
  printf("%d %.2f %.2f %d %.2f %.2f %lld %.1f %.3f %.1f\n", files, per_g6,
         per_kept, n_held, after_g6, after_held, read_kib, strike_sync, exp_us,
         exp_sync);
  return 0;
}
