/* The snapshot history (see store/snapshot_history.h). */
#include "store/snapshot_history.h"
#include "core/array.h"

#include "core/fsutil.h"
#include "core/ist.h"
#include "store/snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

g6_status g6_snapshot_history_path(const char *data_dir, const char *index,
                                   int64_t generated_at, uint64_t seq,
                                   char *out, size_t len) {
  char date[11];
  g6_ist_format_date(generated_at, date);
  int n = snprintf(out, len, "%s/snapshots/%s/%s/%llu.json", data_dir, index,
                   date, (unsigned long long)seq);
  return (n < 0 || (size_t)n >= len) ? G6_EINVAL : G6_OK;
}

static g6_status fail_errno(g6_error *err, int e, const char *what,
                            const char *path) {
  char shown[256]; /* a path of any length leaves room for its cause */
  return g6_error_set(err, g6_status_from_errno(e), "%s %s: %s", what,
                      g6_printable_path(path, strlen(path), shown,
                                        sizeof(shown)),
                      strerror(e));
}

/* Copy of `from` to `to` for file systems without hard links; an existing
 * `to` is left alone (G6_EEXIST). */
static g6_status copy_file(const char *from, const char *to, bool durable,
                           g6_error *err) {
  struct stat sb;
  if (lstat(to, &sb) == 0)
    return g6_error_set(err, G6_EEXIST,
                        "cannot keep the snapshot as %s: a kept snapshot has "
                        "that name (not replaced)",
                        to);
  char *text = NULL;
  size_t len = 0;
  g6_status st = g6_read_file(from, SIZE_MAX / 2, &text, &len, err);
  if (st == G6_OK)
    st = g6_atomic_write(to, text, len, 0644, durable, err);
  free(text);
  return st;
}

/* Keeps `latest` as `path` (a hard link, or a copy), never replacing an
 * entry there: G6_OK also when `path` already is `latest` (the same file). */
static g6_status keep_as(const char *latest, const char *path, bool durable,
                         g6_error *err) {
  if (link(latest, path) != 0) {
    int e = errno;
    if (e == EPERM || e == ENOTSUP || e == EXDEV || e == EMLINK ||
        e == EOPNOTSUPP)
      return copy_file(latest, path, durable, err);
    if (e == EEXIST) {
      struct stat a, b;
      if (stat(latest, &a) == 0 && lstat(path, &b) == 0 &&
          a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        return G6_OK; /* kept before */
      return g6_error_set(err, G6_EEXIST,
                          "cannot keep the snapshot as %s: a kept snapshot "
                          "has that name (not replaced)",
                          path);
    }
    return fail_errno(err, e, "cannot link the snapshot to", path);
  }
  return durable ? g6_fsync_parent(path, err) : G6_OK;
}

g6_status g6_snapshot_history_keep(const char *data_dir, const char *index,
                                   int64_t generated_at, uint64_t seq,
                                   bool durable, g6_error *err) {
  char latest[PATH_MAX], path[PATH_MAX], dir[PATH_MAX];
  int n =
      snprintf(latest, sizeof(latest), "%s/snapshots/%s.json", data_dir, index);
  if (n < 0 || (size_t)n >= sizeof(latest) ||
      g6_snapshot_history_path(data_dir, index, generated_at, seq, path,
                               sizeof(path)) != G6_OK)
    return g6_error_set(err, G6_EINVAL, "snapshot history path too long");
  snprintf(dir, sizeof(dir), "%s", path);
  *strrchr(dir, '/') = '\0';
  /* a new day's directory is an entry of the index's directory, and a new
   * index directory one of snapshots/: each made durable */
  g6_status st = g6_mkdir_p_durable(dir, 0755, durable, err);
  if (st != G6_OK)
    return st;
  return keep_as(latest, path, durable, err);
}

/* The seq of a "<seq>.json" name; false for any other name. */
static bool seq_name(const char *name, uint64_t *seq) {
  const char *p = name;
  while (*p >= '0' && *p <= '9')
    p++;
  if (p == name || p - name > 20 || strcmp(p, ".json") != 0)
    return false;
  errno = 0;
  *seq = strtoull(name, NULL, 10);
  return errno == 0; /* past UINT64_MAX: not a seq g6 writes */
}

/* Whether name is "YYYY-MM-DD" (the shape of a day's directory). */
static bool day_name(const char *name) {
  return g6_digit_shape(name, strlen(name), "dddd-dd-dd");
}

/* Whether a temporary file's base is "<seq>.json": copy_file's, in a day
 * directory. */
static bool kept_name(const char *base) {
  uint64_t seq;
  return seq_name(base, &seq);
}

size_t g6_snapshot_history_remove_stale(const char *data_dir,
                                        const char *index, double min_age_s) {
  char top[PATH_MAX], day[PATH_MAX];
  int n = snprintf(top, sizeof(top), "%s/snapshots/%s", data_dir, index);
  if (n < 0 || (size_t)n >= sizeof(top))
    return 0;
  DIR *d = opendir(top);
  if (d == NULL)
    return 0;
  size_t removed = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!day_name(e->d_name))
      continue;
    n = snprintf(day, sizeof(day), "%s/%s", top, e->d_name);
    if (n > 0 && (size_t)n < sizeof(day)) /* not a directory: opens none */
      removed += g6_atomic_remove_stale_dir(day, kept_name, min_age_s);
  }
  closedir(d);
  return removed;
}

g6_status g6_snapshot_history_last_seq(const char *data_dir,
                                       const char *index, uint64_t *seq,
                                       g6_error *err) {
  *seq = 0;
  char top[PATH_MAX];
  int n = snprintf(top, sizeof(top), "%s/snapshots/%s", data_dir, index);
  if (n < 0 || (size_t)n >= sizeof(top))
    return g6_error_set(err, G6_EINVAL, "snapshot history path too long");
  DIR *d = opendir(top);
  if (d == NULL) {
    if (errno == ENOENT)
      return G6_OK; /* no history */
    return fail_errno(err, errno, "cannot read the snapshot history", top);
  }
  uint64_t max = 0;
  g6_status st = G6_OK;
  for (;;) {
    errno = 0;
    struct dirent *e = readdir(d);
    if (e == NULL) {
      if (errno != 0)
        st = fail_errno(err, errno, "cannot read the snapshot history", top);
      break;
    }
    if (!day_name(e->d_name))
      continue;
    int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *day = fd >= 0 ? fdopendir(fd) : NULL;
    int x = errno;
    if (day == NULL) {
      if (fd >= 0)
        close(fd);
      /* not a directory, or gone meanwhile (g6_retention): holds nothing;
       * any other failure may hide the largest seq */
      if (x == ENOTDIR || x == ENOENT)
        continue;
    } else {
      for (;;) {
        errno = 0;
        struct dirent *f = readdir(day);
        if (f == NULL) {
          x = errno;
          break;
        }
        uint64_t v;
        if (seq_name(f->d_name, &v) && v > max)
          max = v;
      }
      closedir(day);
      if (x == 0)
        continue;
    }
    st = g6_error_set(err, g6_status_from_errno(x),
                      "cannot read the snapshot history %s/%s: %s", top,
                      e->d_name, strerror(x));
    break;
  }
  closedir(d);
  if (st == G6_OK)
    *seq = max;
  return st;
}

/* Whether a status of g6_snapshot_last_id means there is no snapshot to
 * keep (absent, or not a snapshot document), rather than a file that could
 * not be read this time (EIO, EMFILE, ENOMEM, EACCES). */
static bool no_snapshot(g6_status st) {
  return st == G6_ENOENT || st == G6_EINVAL || st == G6_EPARSE ||
         st == G6_ETOOBIG || st == G6_EPROTO;
}

static int latest_path(const char *data_dir, const char *index, char *out,
                       size_t len) {
  int n = snprintf(out, len, "%s/snapshots/%s.json", data_dir, index);
  return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

g6_status g6_snapshot_resume_seq(const char *data_dir, const char *index,
                                 bool keep, uint64_t *seq, g6_error *err) {
  uint64_t latest = 0, kept = 0;
  int64_t at;
  g6_status st = g6_snapshot_last_id(data_dir, index, &latest, &at);
  if (keep && st != G6_OK && !no_snapshot(st)) {
    char path[PATH_MAX];
    if (latest_path(data_dir, index, path, sizeof(path)))
      return g6_error_set(err, G6_EINVAL, "snapshot path too long");
    return g6_error_set(err, st,
                        "cannot resume the snapshot sequence: cannot read "
                        "%s (%s)",
                        path, g6_status_name(st));
  }
  st = g6_snapshot_history_last_seq(data_dir, index, &kept, err);
  if (keep && st != G6_OK)
    return st;
  *seq = kept > latest ? kept : latest;
  return G6_OK;
}

g6_status g6_snapshot_history_next_seq(const char *data_dir,
                                       const char *index,
                                       int64_t generated_at, uint64_t *seq,
                                       g6_error *err) {
  char path[PATH_MAX];
  if (g6_snapshot_history_path(data_dir, index, generated_at, *seq + 1, path,
                               sizeof(path)) != G6_OK)
    return g6_error_set(err, G6_EINVAL, "snapshot history path too long");
  struct stat sb;
  if (lstat(path, &sb) != 0)
    return G6_OK; /* the name is free */
  uint64_t kept;
  g6_status st = g6_snapshot_history_last_seq(data_dir, index, &kept, err);
  if (st != G6_OK)
    return st;
  if (kept > *seq)
    *seq = kept;
  return G6_OK;
}

/* Whether two regular files hold the same bytes (a kept copy). */
static bool same_bytes(const char *a, const char *b) {
  char *x = NULL, *y = NULL;
  size_t lx = 0, ly = 0;
  bool same = g6_read_file(a, 64u << 20, &x, &lx, NULL) == G6_OK &&
              g6_read_file(b, 64u << 20, &y, &ly, NULL) == G6_OK &&
              lx == ly && memcmp(x, y, lx) == 0;
  free(x);
  free(y);
  return same;
}

g6_status g6_snapshot_history_recover(const char *data_dir, const char *index,
                                      int64_t now, bool durable,
                                      g6_error *err) {
  char latest[PATH_MAX], path[PATH_MAX], day[PATH_MAX];
  if (latest_path(data_dir, index, latest, sizeof(latest)))
    return g6_error_set(err, G6_EINVAL, "snapshot path too long");
  uint64_t seq;
  int64_t at;
  g6_status st = g6_snapshot_last_id(data_dir, index, &seq, &at);
  if (no_snapshot(st) || (st == G6_OK && seq == 0))
    return G6_OK; /* nothing to keep */
  if (st != G6_OK)
    return g6_error_set(err, st,
                        "cannot read the latest snapshot %s (%s): it may "
                        "not be in the history yet",
                        latest, g6_status_name(st));
  if (g6_snapshot_history_path(data_dir, index, at, seq, path,
                               sizeof(path)) != G6_OK)
    return g6_error_set(err, G6_EINVAL, "snapshot history path too long");
  struct stat a, b;
  if (lstat(path, &b) == 0) {
    if ((stat(latest, &a) == 0 && a.st_dev == b.st_dev &&
         a.st_ino == b.st_ino) ||
        (S_ISREG(b.st_mode) && same_bytes(latest, path)))
      return G6_OK; /* kept (linked, or copied) */
    return g6_error_set(err, G6_EEXIST,
                        "the latest snapshot %s (seq %llu) is not in the "
                        "history: %s is another file (neither is replaced; "
                        "move one of them away)",
                        latest, (unsigned long long)seq, path);
  }
  /* a day before today whose directory is gone was pruned (g6_retention):
   * it is not made again for a snapshot past the age it prunes */
  snprintf(day, sizeof(day), "%s", path);
  *strrchr(day, '/') = '\0';
  g6_ist_tm t_at, t_now;
  g6_ist_breakdown(at, &t_at);
  g6_ist_breakdown(now, &t_now);
  if (now != 0 && t_at.days < t_now.days && stat(day, &a) != 0 &&
      errno == ENOENT)
    return G6_OK;
  return g6_snapshot_history_keep(data_dir, index, at, seq, durable, err);
}

/* ---- listing ---------------------------------------------------------------
 */

typedef struct list {
  char **v;
  size_t n, cap;
} list;

static g6_status list_add(list *l, const char *path) {
  if (!g6_array_room(&l->v, &l->cap, l->n, sizeof(*l->v), 64))
    return G6_ENOMEM;
  if ((l->v[l->n] = strdup(path)) == NULL)
    return G6_ENOMEM;
  l->n++;
  return G6_OK;
}

static bool has_suffix(const char *name, const char *const *suffixes) {
  size_t n = strlen(name);
  for (; *suffixes != NULL; suffixes++) {
    size_t k = strlen(*suffixes);
    if (n > k && strcmp(name + n - k, *suffixes) == 0)
      return true;
  }
  return false;
}

/* The directories a walk has entered (device and inode): a symlink back
 * up the tree (or two links to one directory) is entered once, so a loop
 * costs one visit, not one per path through it, and no file is listed
 * twice. */
typedef struct seen {
  struct {
    dev_t dev;
    ino_t ino;
  } *v;
  size_t n, cap;
} seen;

/* false when (dev, ino) was entered before; records it otherwise. *oom is
 * set when it cannot be recorded. */
static bool first_visit(seen *s, const struct stat *st, bool *oom) {
  for (size_t i = 0; i < s->n; i++)
    if (s->v[i].dev == st->st_dev && s->v[i].ino == st->st_ino)
      return false;
  if (!g6_array_room(&s->v, &s->cap, s->n, sizeof(*s->v), 16)) {
    *oom = true;
    return false;
  }
  s->v[s->n].dev = st->st_dev;
  s->v[s->n].ino = st->st_ino;
  s->n++;
  return true;
}

#define WALK_MAX_DEPTH 64 /* the history is 3 levels deep */

static g6_status walk(const char *dir, const struct stat *ds,
                      const char *const *suffixes, list *l, seen *sn,
                      int depth, g6_error *err) {
  bool oom = false;
  if (!first_visit(sn, ds, &oom))
    return oom ? g6_error_set(err, G6_ENOMEM, "out of memory") : G6_OK;
  if (depth > WALK_MAX_DEPTH) {
    char shown[256];
    return g6_error_set(err, G6_EINVAL,
                        "%s is more than %d directories deep; give a "
                        "directory nearer the files",
                        g6_printable_path(dir, strlen(dir), shown,
                                          sizeof(shown)),
                        WALK_MAX_DEPTH);
  }
  DIR *d = opendir(dir);
  if (d == NULL) {
    if (depth == 0)
      return fail_errno(err, errno, "cannot read directory", dir);
    /* a subdirectory that cannot be read is listed itself: reading it fails
     * with its cause, and the caller reports it like an unusable file
     * instead of every other file going unread */
    return list_add(l, dir) == G6_OK
               ? G6_OK
               : g6_error_set(err, G6_ENOMEM, "out of memory");
  }
  g6_status st = G6_OK;
  struct dirent *e;
  char *p = NULL;
  while (st == G6_OK && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    /* the path at any length: one longer than PATH_MAX cannot be opened,
     * but it is listed all the same (reading it names it, shortened, and
     * says why), never dropped in silence */
    size_t need = strlen(dir) + 1 + strlen(e->d_name) + 1;
    free(p);
    if ((p = malloc(need)) == NULL) {
      st = g6_error_set(err, G6_ENOMEM, "out of memory");
      break;
    }
    snprintf(p, need, "%s/%s", dir, e->d_name);
    bool too_long = need > PATH_MAX;
    struct stat s;
    /* looked at through the open directory: works at any path length */
    if (fstatat(dirfd(d), e->d_name, &s, AT_SYMLINK_NOFOLLOW) != 0) {
      /* vanished meanwhile: nothing to read; a file of ours that cannot be
       * looked at (EACCES) is listed so that reading it names the cause */
      if (errno != ENOENT && errno != ENOTDIR &&
          has_suffix(e->d_name, suffixes) && list_add(l, p) != G6_OK)
        st = g6_error_set(err, G6_ENOMEM, "out of memory");
      continue;
    }
    if (S_ISDIR(s.st_mode) && too_long) {
      /* its files cannot be opened by path: the directory is listed
       * itself, and reading it says its path is too long */
      if (list_add(l, p) != G6_OK)
        st = g6_error_set(err, G6_ENOMEM, "out of memory");
      continue;
    }
    if (S_ISDIR(s.st_mode)) {
      st = walk(p, &s, suffixes, l, sn, depth + 1, err);
      continue;
    }
    /* a symbolic link is never followed, whatever its name or target (a
     * file, a directory, a loop, nothing): it is listed as it is, so that
     * reading it (without following: g6_read_file_nofollow) names it,
     * rather than its target being read as if it were in the tree, or a
     * directory of links going unmentioned; a FIFO, socket or device with
     * one of the suffixes likewise (reading it says it is not a regular
     * file) */
    bool listed = S_ISLNK(s.st_mode) || has_suffix(e->d_name, suffixes);
    if (listed && list_add(l, p) != G6_OK)
      st = g6_error_set(err, G6_ENOMEM, "out of memory");
  }
  free(p);
  closedir(d);
  return st;
}

/* Directory part and numeric prefix of the file name. */
static int cmp_paths(const void *a, const void *b) {
  const char *x = *(const char *const *)a, *y = *(const char *const *)b;
  const char *bx = strrchr(x, '/'), *by = strrchr(y, '/');
  size_t dx = bx ? (size_t)(bx - x) : 0, dy = by ? (size_t)(by - y) : 0;
  size_t dm = dx < dy ? dx : dy;
  int c = strncmp(x, y, dm);
  if (c != 0)
    return c;
  if (dx != dy)
    return dx < dy ? -1 : 1;
  const char *nx = bx ? bx + 1 : x, *ny = by ? by + 1 : y;
  char *ex, *ey;
  unsigned long long sx = strtoull(nx, &ex, 10), sy = strtoull(ny, &ey, 10);
  bool hx = ex != nx, hy = ey != ny;
  if (hx && hy && sx != sy)
    return sx < sy ? -1 : 1;
  if (hx != hy)
    return hx ? -1 : 1;
  return strcmp(nx, ny);
}

g6_status g6_snapshot_files(const char *path, const char *const *suffixes,
                            char ***out, size_t *n, g6_error *err) {
  *out = NULL;
  *n = 0;
  struct stat s;
  if (stat(path, &s) != 0)
    return fail_errno(err, errno, "cannot read", path);
  list l = {0};
  g6_status st;
  if (S_ISDIR(s.st_mode)) {
    seen sn = {0};
    st = walk(path, &s, suffixes, &l, &sn, 0, err);
    free(sn.v);
    if (st == G6_OK)
      qsort(l.v, l.n, sizeof(*l.v), cmp_paths);
  } else {
    /* a file named by the caller is read even through a symbolic link (the
     * operator's choice, as a DataDir that is a link is): listed as the
     * file it resolves to, which its readers open without following */
    struct stat ls;
    char real[PATH_MAX];
    const char *name = path;
    if (lstat(path, &ls) == 0 && S_ISLNK(ls.st_mode)) {
      if (realpath(path, real) == NULL)
        return fail_errno(err, errno, "cannot read", path);
      name = real;
    }
    st = list_add(&l, name);
    if (st != G6_OK)
      g6_error_set(err, st, "out of memory");
  }
  if (st != G6_OK) {
    g6_snapshot_files_free(l.v, l.n);
    return st;
  }
  *out = l.v;
  *n = l.n;
  return G6_OK;
}

void g6_snapshot_files_free(char **files, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(files[i]);
  free(files);
}
