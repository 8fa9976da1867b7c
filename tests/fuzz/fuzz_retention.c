/* libFuzzer target: the data directory's layout grammar and the pruning
 * sweep over it (store/retention.h) — what decides which files g6_retention
 * may delete.
 *
 * The input is a list of paths relative to DataDir, one per line. Each is
 * classified; those the grammar accepts as paths become files of a scratch
 * data directory (dated 2020), next to a symlink into a directory outside
 * it. Then one sweep runs with pruning enabled and every age 0, as of
 * 2025-06-02 (IST): every prunable file dated before that day is due.
 *
 * Invariants: no crash, leak or sanitizer report; a prunable file is dated
 * and of a pruned kind, and a latest snapshot (snapshots/<INDEX>.json), a
 * panel or an unmatched file never is; the sweep deletes exactly the files
 * the grammar calls prunable and due (each reported once), nothing through the
 * symlink and nothing outside DataDir; and a second sweep finds nothing
 * more to delete. */
#include "core/ist.h"
#include "store/retention.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PATHS 24

static char base[256], data_dir[300], outside[300];
static const double NOW = 1748822400.0 + 6 * 3600; /* 2025-06-02 11:30 IST */

typedef struct made {
  char path[256];
  bool prunable;  /* of a pruned kind, dated (classify) */
  bool due;       /* ... and dated before today: age 0 deletes it */
  bool deleted_seen;
} made;

static made files[MAX_PATHS];
static size_t n_files;

static void setup_once(void) {
  if (base[0])
    return;
  snprintf(base, sizeof(base), "%s/g6-fuzz-retention-XXXXXX",
           access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
  if (mkdtemp(base) == NULL)
    abort();
  snprintf(data_dir, sizeof(data_dir), "%s/data", base);
  snprintf(outside, sizeof(outside), "%s/outside", base);
}

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw) {
  (void)st;
  (void)ftw;
  return (flag == FTW_DP ? rmdir(path) : unlink(path)) == 0 ? 0 : -1;
}

static void rm_rf(const char *path) {
  if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT)
    abort();
}

/* Creates data_dir/rel (and its directories), mtime 2020-01-01. */
static bool make_file(const char *rel) {
  char path[600];
  snprintf(path, sizeof(path), "%s/%s", data_dir, rel);
  for (char *p = path + strlen(data_dir) + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    int rc = mkdir(path, 0755);
    struct stat st;
    bool dir = lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
    *p = '/';
    if (rc != 0 && !dir)
      return false; /* a file where a directory should be: skip the path */
  }
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
  if (fd < 0)
    return false; /* exists (twice in the list), or a directory */
  if (write(fd, "x\n", 2) != 2)
    abort();
  struct timespec old[2] = {{1577836800, 0}, {1577836800, 0}};
  futimens(fd, old);
  close(fd);
  return true;
}

static void on_entry(void *ctx, const g6_retention_entry *e) {
  (void)ctx;
  if (e->event != G6_EV_FILE || !e->pruned)
    return;
  if (e->action != G6_PRUNE_DELETED && e->action != G6_PRUNE_FAILED)
    return;
  for (size_t i = 0; i < n_files; i++)
    if (strcmp(files[i].path, e->path) == 0) {
      if (!files[i].due || files[i].deleted_seen)
        abort(); /* deleted what the grammar keeps, or twice */
      files[i].deleted_seen = true;
      return;
    }
  abort(); /* deleted a file the test did not make (through the symlink?) */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  setup_once();
  rm_rf(data_dir);
  rm_rf(outside);
  /* a symlink where an options directory would be, into a directory whose
   * file the layout would prune */
  char link[400], target[400], old[400];
  snprintf(target, sizeof(target), "%s/x", outside);
  snprintf(old, sizeof(old), "%s/2020-01-01.csv", target);
  snprintf(link, sizeof(link), "%s/NIFTY", data_dir);
  if (mkdir(data_dir, 0755) != 0 || mkdir(outside, 0755) != 0 ||
      mkdir(target, 0755) != 0 || mkdir(link, 0755) != 0)
    abort();
  strcat(link, "/this_week");
  int ofd = open(old, O_WRONLY | O_CREAT, 0644);
  struct timespec then[2] = {{1577836800, 0}, {1577836800, 0}};
  if (ofd < 0 || futimens(ofd, then) != 0 || mkdir(link, 0755) != 0)
    abort();
  close(ofd);
  strcat(link, "/+50");
  if (symlink(target, link) != 0)
    abort();

  n_files = 0;
  const char *p = (const char *)data, *end = p + size;
  while (p < end && n_files < MAX_PATHS) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
    char rel[256];
    bool fits = len > 0 && len < sizeof(rel) && memchr(p, '\0', len) == NULL;
    if (fits) {
      memcpy(rel, p, len);
      rel[len] = '\0';
    }
    p += len + 1;
    if (!fits)
      continue;
    g6_retention_kind kind;
    char index[32];
    bool dated = false, prunable = false;
    g6_date date;
    if (!g6_retention_classify(rel, &kind, index, &dated, &date, &prunable))
      continue;
    if (memchr(index, '\0', sizeof(index)) == NULL)
      abort();
    if (prunable && (!dated || (kind != G6_KIND_OPTIONS &&
                                kind != G6_KIND_OVERVIEW &&
                                kind != G6_KIND_SNAPSHOTS)))
      abort(); /* only dated files of pruned kinds */
    const char *slash = strchr(rel, '/');
    if (prunable && strncmp(rel, "snapshots/", 10) == 0 &&
        strchr(rel + 10, '/') == NULL)
      abort(); /* the latest snapshot of an index is never pruned */
    if (prunable && slash != NULL && strncmp(rel, "panels/", 7) == 0)
      abort();
    if (!make_file(rel))
      continue;
    made *m = &files[n_files++];
    snprintf(m->path, sizeof(m->path), "%s", rel);
    m->prunable = prunable;
    g6_ist_tm today;
    g6_ist_breakdown((int64_t)NOW, &today);
    m->due = prunable &&
             g6_days_from_civil(date.year, date.month, date.day) < today.days;
    m->deleted_seen = false;
  }

  g6_retention_policy pol = {.enabled = true, .dry_run = false,
                             .protect_today = true, .max_age_days = 0,
                             .overview_max_age_days = 0,
                             .snapshot_max_age_days = 0, .max_deletes = 1000};
  g6_retention_opts o = {.data_dir = data_dir, .now = NOW, .policy = &pol,
                         .empty_dir_grace_s = 1e9, .on_entry = on_entry};
  g6_retention_report *r = calloc(2, sizeof(*r));
  g6_error e;
  if (g6_retention_run(&o, &r[0], &e) != G6_OK)
    abort();
  size_t seen = 0;
  for (size_t i = 0; i < n_files; i++) {
    char path[600];
    snprintf(path, sizeof(path), "%s/%s", data_dir, files[i].path);
    bool exists = access(path, F_OK) == 0;
    if (files[i].due == exists || files[i].due != files[i].deleted_seen) {
      fprintf(stderr, "%s: due %d, exists %d, reported deleted %d\n",
              files[i].path, files[i].due, exists, files[i].deleted_seen);
      abort(); /* exactly the due files are gone */
    }
    seen += files[i].deleted_seen;
  }
  if (r[0].files_by_action[G6_PRUNE_DELETED] != seen)
    abort();
  char kept[400];
  snprintf(kept, sizeof(kept), "%s/x/2020-01-01.csv", outside);
  if (access(kept, F_OK) != 0)
    abort(); /* deleted through the symlink, out of DataDir */
  o.on_entry = NULL;
  if (g6_retention_run(&o, &r[1], &e) != G6_OK ||
      r[1].files_by_action[G6_PRUNE_DELETED] != 0)
    abort(); /* one sweep did all */
  free(r);
  return 0;
}
