/* libFuzzer target: the weekday overlays (store/overlay.h) reading a day's
 * CSV file, a master (g6's or the old platform's), its state file and the
 * state before the last day — everything `g6 overlay` reads.
 *
 * The input is one series' files: after one flags byte, records of
 * [file:1][length:2, big-endian][bytes], the file picked from the day's CSV
 * (NIFTY/this_week/+50/2025-01-06.csv, a Monday), MONDAY.csv,
 * .MONDAY.state and .MONDAY.before (tests/fuzz/make_corpus.py writes seeds
 * from a real run).
 *
 * Invariants: no crash, leak or sanitizer report; a failure has a message;
 * and the update is idempotent, as overlay.h promises: applying the same day
 * again leaves the master and its state byte for byte as the first
 * application left them. */
#include "store/overlay.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[256], data_dir[300], out_dir[300], day_dir[400],
    series_dir[400];

static const char *const files[] = {"day", "MONDAY.csv", ".MONDAY.state",
                                    ".MONDAY.before"};

static void setup_once(void) {
  if (base[0])
    return;
  snprintf(base, sizeof(base), "%s/g6-fuzz-overlay-XXXXXX",
           access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
  if (mkdtemp(base) == NULL)
    abort();
  snprintf(data_dir, sizeof(data_dir), "%s/data", base);
  snprintf(out_dir, sizeof(out_dir), "%s/out", base);
  snprintf(day_dir, sizeof(day_dir), "%s/NIFTY/this_week/+50", data_dir);
  snprintf(series_dir, sizeof(series_dir), "%s/NIFTY/this_week/+50", out_dir);
  char cmd[1000];
  snprintf(cmd, sizeof(cmd), "mkdir -p '%s' '%s'", day_dir, series_dir);
  if (system(cmd) != 0)
    abort();
}

static void empty_dir(const char *path) {
  DIR *d = opendir(path);
  if (d == NULL)
    abort();
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (e->d_type != DT_DIR) {
      char p[700];
      snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
      unlink(p);
    }
  closedir(d);
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    *len = 0;
    return NULL;
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  *len = fread(buf, 1, (size_t)n, f);
  fclose(f);
  return buf;
}

static bool same_file(const char *path, const char *before, size_t blen) {
  size_t len;
  char *now = slurp(path, &len);
  bool same = (now == NULL && before == NULL) ||
              (now != NULL && before != NULL && len == blen &&
               memcmp(now, before, len) == 0);
  free(now);
  return same;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  setup_once();
  if (size < 1)
    return 0;
  empty_dir(day_dir);
  empty_dir(series_dir);
  const uint8_t *p = data + 1, *end = data + size;
  while (end - p >= 3) {
    unsigned which = p[0] % 4;
    size_t len = (size_t)p[1] << 8 | p[2];
    p += 3;
    if (len > (size_t)(end - p))
      len = (size_t)(end - p);
    char path[700];
    if (which == 0)
      snprintf(path, sizeof(path), "%s/2025-01-06.csv", day_dir);
    else
      snprintf(path, sizeof(path), "%s/%s", series_dir, files[which]);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, p, len) != (ssize_t)len)
      abort();
    close(fd);
    p += len;
  }
  g6_overlay_opts opts = G6_OVERLAY_OPTS_DEFAULT;
  opts.durable = false;
  opts.alpha = (data[0] & 1) ? 0.5 : 0.25;
  g6_date day;
  if (g6_date_parse("2025-01-06", &day) != G6_OK)
    abort();
  g6_overlay_stats st1 = {0}, st2 = {0};
  g6_error e;
  g6_status s1 = g6_overlay_update(data_dir, out_dir, "NIFTY", day, &opts,
                                   &st1, &e);
  if (s1 != G6_OK) {
    if (e.msg[0] == '\0')
      abort();
    return 0;
  }
  char master[700], state[700];
  snprintf(master, sizeof(master), "%s/MONDAY.csv", series_dir);
  snprintf(state, sizeof(state), "%s/.MONDAY.state", series_dir);
  size_t mlen, slen;
  char *m1 = slurp(master, &mlen), *s1text = slurp(state, &slen);
  g6_status s2 = g6_overlay_update(data_dir, out_dir, "NIFTY", day, &opts,
                                   &st2, &e);
  if (s2 != G6_OK) { /* what was applied once applies again */
    fprintf(stderr, "fuzz_overlay: the second application failed: %s\n",
            e.msg);
    abort();
  }
  if (!same_file(master, m1, mlen) || !same_file(state, s1text, slen))
    abort(); /* applying a day twice counts it once */
  free(m1);
  free(s1text);
  return 0;
}
