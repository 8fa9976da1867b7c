/* The data directory's scan and guarded pruning (see store/retention.h). */
#include "store/retention.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/fsutil.h"
#include "core/thread.h"
#include "market/chain.h"
#include "store/panels.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

static const char *const kind_names[G6_KIND_COUNT] = {
    "options", "overview", "snapshots", "iv_history", "panels", "unmatched"};
static const char *const action_names[G6_PRUNE_ACTION_COUNT] = {
    "would_delete", "deleted",  "kept_today", "kept_symlink",
    "kept_layout",  "kept_cap", "failed"};
static const char *const skip_names[G6_SKIP_COUNT] = {"other_mount",
                                                      "unreadable", "too_deep"};

const char *g6_retention_kind_name(g6_retention_kind k) {
  return (unsigned)k < G6_KIND_COUNT ? kind_names[k] : "unknown";
}

const char *g6_prune_action_name(g6_prune_action a) {
  return (unsigned)a < G6_PRUNE_ACTION_COUNT ? action_names[a] : "unknown";
}

const char *g6_scan_skip_name(g6_scan_skip s) {
  return (unsigned)s < G6_SKIP_COUNT ? skip_names[s] : "unknown";
}

/* ---- the layout, one component at a time -------------------------------- */

/* What the layout says about a directory. */
typedef enum dstate {
  D_ROOT,       /* the data directory */
  D_INDEX,      /* <INDEX>/ */
  D_TAG,        /* <INDEX>/<tag>/ */
  D_OFFSET,     /* <INDEX>/<tag>/<offset>/: option CSV files */
  D_OVW,        /* overview/ */
  D_OVW_INDEX,  /* overview/<INDEX>/: overview CSV files */
  D_SNAP,       /* snapshots/: <INDEX>.json */
  D_IVH,        /* iv_history/: <INDEX>.csv */
  D_SNAP_INDEX, /* snapshots/<INDEX>/ */
  D_SNAP_DAY,   /* snapshots/<INDEX>/<YYYY-MM-DD>/: <seq>.json */
  D_PANELS,     /* the panels directory and everything below */
  D_JUNK,       /* outside the layout */
} dstate;

typedef struct where {
  dstate st;
  char index[32]; /* "" when the directory belongs to no index */
  g6_date date;   /* D_SNAP_DAY */
} where;

/* Whether `name` is the staging directory g6_panels keeps beside the
 * default panels directory (<DataDir>/.panels.g6-staging). */
static bool default_staging(const char *name) {
  char staging[256];
  g6_panels_staging_name("panels", staging, sizeof(staging));
  return strcmp(name, staging) == 0;
}

/* Whether `name` is the journal g6_panels keeps beside that staging
 * directory (<DataDir>/.panels.g6-journal). */
static bool default_journal(const char *name) {
  char journal[256];
  g6_panels_journal_name("panels", journal, sizeof(journal));
  return strcmp(name, journal) == 0;
}

/* Whether `name` has the form of a staging directory's name
 * (".<base>.g6-staging", g6_panels_staging_name): the name g6_panels
 * builds and empties sets under, whatever directory it names right now
 * (each swap gives PanelsDir and its staging directory each other's). */
static bool staging_like(const char *name) {
  static const char tail[] = ".g6-staging";
  size_t n = strlen(name), t = sizeof(tail) - 1;
  return name[0] == '.' && n > t + 1 && strcmp(name + n - t, tail) == 0;
}

/* Names the layout reserves at the top of the data directory. */
static bool reserved(const char *name) {
  return strcmp(name, "overview") == 0 || strcmp(name, "snapshots") == 0 ||
         strcmp(name, "iv_history") == 0 || strcmp(name, "panels") == 0;
}

static bool is_index(const char *name) {
  return g6_index_name_valid(name) && !reserved(name);
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* "YYYY-MM-DD" followed by exactly `suffix`; a real date. */
static bool dated_name(const char *name, const char *suffix, g6_date *out) {
  char date[11];
  size_t n = strlen(name), ls = strlen(suffix);
  if (n != 10 + ls || strcmp(name + 10, suffix) != 0)
    return false;
  memcpy(date, name, 10);
  date[10] = '\0';
  return g6_date_parse(date, out) == G6_OK;
}

static bool is_tag(const char *name) {
  static const char *const tags[] = {"this_week", "next_week", "this_month",
                                     "next_month"};
  for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
    if (strcmp(name, tags[i]) == 0)
      return true;
  g6_date d;
  return dated_name(name, "", &d);
}

/* Digits from p; returns the end. */
static const char *digits(const char *p) {
  while (is_digit(*p))
    p++;
  return p;
}

/* An unsigned number as Python's repr (through g6_csv_format_int) writes
 * it: "50", "12.5", "0.05", "1e-05", "1.5e+16" — no leading zeros, no
 * trailing zeros after the point. */
static bool repr_number(const char *p) {
  const char *q;
  if (p[0] == '0' && p[1] == '.') {
    q = digits(p + 2);
  } else {
    if (p[0] < '1' || p[0] > '9')
      return false;
    q = digits(p + 1);
    if (*q == '.')
      q = digits(q + 1);
  }
  const char *dot = strchr(p, '.');
  if (dot != NULL && dot < q && (q == dot + 1 || q[-1] == '0'))
    return false; /* "5." or "5.50" */
  if (*q == 'e') {
    if ((q[1] != '+' && q[1] != '-') || !is_digit(q[2]) || !is_digit(q[3]))
      return false;
    q = digits(q + 2);
  }
  return *q == '\0';
}

/* What the CSV sink names an offset directory: "0", or a sign and a number. */
static bool is_offset(const char *name) {
  if (strcmp(name, "0") == 0)
    return true;
  return (name[0] == '+' || name[0] == '-') && repr_number(name + 1);
}

/* "<seq>.json": 1-20 digits, no leading zero unless "0". */
static bool seq_json(const char *name) {
  const char *e = digits(name);
  size_t n = (size_t)(e - name);
  return n >= 1 && n <= 20 && (n == 1 || name[0] != '0') &&
         strcmp(e, ".json") == 0;
}

/* ".<base>.tmp.XXXXXX" (core/fsutil.c's atomic replace): copies <base>. */
static bool temp_of(const char *name, char *base, size_t cap) {
  size_t n = strlen(name);
  if (n < 1 + 1 + 5 + 6 || name[0] != '.' ||
      memcmp(name + n - 11, ".tmp.", 5) != 0)
    return false;
  for (size_t i = n - 6; i < n; i++) {
    char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c)))
      return false;
  }
  size_t bl = n - 12;
  if (bl >= cap)
    return false;
  memcpy(base, name + 1, bl);
  base[bl] = '\0';
  return true;
}

/* The state of the child directory `name` of a directory in state `w`, and
 * whether the sweep may remove it when it is empty. */
static bool next_dir(const where *w, const char *name, where *c) {
  *c = *w;
  switch (w->st) {
  case D_ROOT:
    if (strcmp(name, "overview") == 0)
      c->st = D_OVW;
    else if (strcmp(name, "snapshots") == 0)
      c->st = D_SNAP;
    else if (strcmp(name, "iv_history") == 0)
      c->st = D_IVH;
    else if (strcmp(name, "panels") == 0 || default_staging(name))
      c->st = D_PANELS; /* g6_panels' directory or its working copy */
    else if (is_index(name)) {
      c->st = D_INDEX;
      snprintf(c->index, sizeof(c->index), "%s", name);
      return true;
    } else
      c->st = D_JUNK;
    return false;
  case D_INDEX:
    c->st = is_tag(name) ? D_TAG : D_JUNK;
    break;
  case D_TAG:
    c->st = is_offset(name) ? D_OFFSET : D_JUNK;
    break;
  case D_OVW:
  case D_SNAP:
    if (is_index(name)) {
      c->st = w->st == D_OVW ? D_OVW_INDEX : D_SNAP_INDEX;
      snprintf(c->index, sizeof(c->index), "%s", name);
      return true;
    }
    c->st = D_JUNK;
    return false;
  case D_SNAP_INDEX:
    c->st = dated_name(name, "", &c->date) ? D_SNAP_DAY : D_JUNK;
    break;
  case D_PANELS:
    return false;
  default:
    c->st = D_JUNK;
    return false;
  }
  if (c->st == D_JUNK)
    c->index[0] = '\0';
  return c->st != D_JUNK;
}

/* What a regular file `name` in a directory in state `w` is. */
typedef struct fclass {
  g6_retention_kind kind;
  char index[32]; /* "" for no index */
  bool dated;
  g6_date date;
  bool prunable;
} fclass;

static void classify_file(const where *w, const char *name, fclass *f) {
  memset(f, 0, sizeof(*f));
  f->kind = G6_KIND_UNMATCHED;
  char base[256];
  switch (w->st) {
  case D_OFFSET:
  case D_OVW_INDEX:
    if (dated_name(name, ".csv", &f->date)) {
      f->kind = w->st == D_OFFSET ? G6_KIND_OPTIONS : G6_KIND_OVERVIEW;
      f->dated = f->prunable = true;
    }
    break;
  case D_SNAP:
  case D_IVH: {
    /* <INDEX>.json / <INDEX>.csv, or the temporary file of replacing it */
    const char *n = name, *ext = w->st == D_SNAP ? ".json" : ".csv";
    if (temp_of(name, base, sizeof(base)))
      n = base;
    size_t len = strlen(n), el = strlen(ext);
    if (len > el && strcmp(n + len - el, ext) == 0 && len - el < 32) {
      char ix[32];
      memcpy(ix, n, len - el);
      ix[len - el] = '\0';
      if (is_index(ix)) {
        f->kind = w->st == D_SNAP ? G6_KIND_SNAPSHOTS : G6_KIND_IV_HISTORY;
        snprintf(f->index, sizeof(f->index), "%s", ix);
      }
    }
    return;
  }
  case D_SNAP_DAY:
    if (seq_json(name) ||
        (temp_of(name, base, sizeof(base)) && seq_json(base))) {
      f->kind = G6_KIND_SNAPSHOTS;
      f->dated = f->prunable = true;
      f->date = w->date;
    }
    break;
  case D_PANELS:
    f->kind = G6_KIND_PANELS;
    return;
  case D_ROOT:
    if (default_journal(name))
      f->kind = G6_KIND_PANELS; /* g6_panels' journal of its working copy */
    return;
  default:
    break;
  }
  if (f->kind != G6_KIND_UNMATCHED)
    snprintf(f->index, sizeof(f->index), "%s", w->index);
}

bool g6_retention_classify(const char *relpath, g6_retention_kind *kind,
                           char index[32], bool *dated, g6_date *date,
                           bool *prunable) {
  where w = {.st = D_ROOT};
  const char *p = relpath;
  int depth = 0;
  for (;;) {
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    char name[256];
    if (n == 0 || n >= sizeof(name))
      return false;
    memcpy(name, p, n);
    name[n] = '\0';
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
      return false;
    if (slash == NULL) {
      fclass f;
      classify_file(&w, name, &f);
      *kind = f.kind;
      snprintf(index, 32, "%s", f.index);
      *dated = f.dated;
      *date = f.date;
      *prunable = f.prunable;
      return true;
    }
    if (++depth > G6_RETENTION_MAX_DEPTH)
      return false;
    where c;
    next_dir(&w, name, &c);
    w = c;
    p = slash + 1;
  }
}

/* ---- the report ----------------------------------------------------------- */

static bool ts_less(struct timespec a, struct timespec b) {
  return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

static void tally_add(g6_retention_tally *t, uint64_t size,
                      struct timespec mtime) {
  if (t->files == 0 || ts_less(mtime, t->oldest))
    t->oldest = mtime;
  if (t->files == 0 || ts_less(t->newest, mtime))
    t->newest = mtime;
  t->files++;
  t->bytes += size;
}

/* The slot of a tally name, added when new; past the limit every new index
 * goes to "(other)". */
static size_t slot_of(g6_retention_report *r, const char *name) {
  if (name[0] == '\0')
    return 0;
  for (size_t i = 0; i < r->n_idx; i++)
    if (strcmp(r->idx[i].name, name) == 0)
      return i;
  if (r->n_idx < G6_RETENTION_MAX_INDICES + 1) {
    snprintf(r->idx[r->n_idx].name, sizeof(r->idx[0].name), "%s", name);
    return r->n_idx++;
  }
  for (size_t i = 0; i < r->n_idx; i++)
    if (strcmp(r->idx[i].name, G6_RETENTION_OTHER_INDEX) == 0)
      return i;
  snprintf(r->idx[r->n_idx].name, sizeof(r->idx[0].name), "%s",
           G6_RETENTION_OTHER_INDEX);
  return r->n_idx++;
}

const g6_retention_index *g6_retention_find(const g6_retention_report *r,
                                            const char *name) {
  for (size_t i = 0; i < r->n_idx; i++)
    if (strcmp(r->idx[i].name, name) == 0)
      return &r->idx[i];
  return NULL;
}

g6_retention_tally g6_retention_total(const g6_retention_report *r,
                                      g6_retention_kind k) {
  g6_retention_tally t = {0};
  for (size_t i = 0; i < r->n_idx; i++) {
    const g6_retention_tally *x = &r->idx[i].kind[k];
    if (x->files == 0)
      continue;
    if (t.files == 0 || ts_less(x->oldest, t.oldest))
      t.oldest = x->oldest;
    if (t.files == 0 || ts_less(t.newest, x->newest))
      t.newest = x->newest;
    t.files += x->files;
    t.bytes += x->bytes;
  }
  return t;
}

/* ---- the walk ------------------------------------------------------------- */

#define STATX_WANT                                                             \
  (STATX_TYPE | STATX_MODE | STATX_SIZE | STATX_MTIME | STATX_INO |           \
   STATX_MNT_ID)
#define STOP_EVERY 256 /* entries between looks at opts.stop */

typedef struct level {
  DIR *dir;
  int fd;
  where w;
  int slot;           /* tally slot of w.index, -1 until a file needs it */
  bool removable;     /* a layout directory the sweep may remove */
  size_t path_len;    /* length of its relative path in walk.path */
  uint64_t seen, gone; /* entries read; entries deleted or vanished */
  struct timespec mtime;
  /* the top of a panels subtree (a PanelsDir or its staging directory):
   * its identity when entered, and how often it was walked again */
  bool panels_top;
  bool uncounted;     /* a staging directory a flush works in, and below */
  int retries;
  dev_t dev;
  ino_t ino;
  char name[256];     /* its name in the parent */
} level;

/* What a panels subtree adds to the report (every entry under a panels
 * directory goes to slot 0, G6_RETENTION_NO_INDEX), taken when its walk
 * starts so that a walk g6_panels' swap spoilt can be undone. */
typedef struct panels_mark {
  g6_retention_index none;
  uint64_t dirs_scanned, skipped[G6_SKIP_COUNT];
  uint64_t files_by_action[G6_PRUNE_ACTION_COUNT];
  uint64_t bytes_by_action[G6_PRUNE_ACTION_COUNT];
} panels_mark;

/* g6_panels builds each new set in its staging directory, swaps it in with
 * renameat2(RENAME_EXCHANGE) and then empties the previous one (now under
 * the staging name); without AtomicSet it replaces files in place. A walk
 * of a panels directory that a flush overtook (its name leads to another
 * directory afterwards, or the directory was modified meanwhile) read a set
 * being built or emptied: 0 files, some, or a second copy. It is undone and
 * walked again after a pause (10 ms, doubling: a flush takes milliseconds),
 * at most this many more times. */
#define PANELS_RETRIES 4

static void panels_pause(int retries) {
  struct timespec ts = {.tv_sec = 0, .tv_nsec = 10000000L << (retries - 1)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

static bool same_time(struct timespec a, struct timespec b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

typedef struct walk {
  const g6_retention_opts *o;
  g6_retention_report *r;
  const g6_retention_policy *pol; /* NULL: scan only */
  int64_t today;                  /* IST day number */
  double grace_s;
  uint64_t deletes; /* deleted or would-delete this sweep */
  /* the root being walked */
  const char *root;
  bool in_panels_root;
  dev_t dev;
  uint64_t mnt_id;
  bool have_mnt;
  /* the panels directory and the data directory, to recognise them */
  bool have_panels, panels_seen;
  dev_t panels_dev;
  ino_t panels_ino;
  /* the staging directory beside an explicit panels directory */
  bool have_staging;
  dev_t staging_dev;
  ino_t staging_ino;
  /* and its journal */
  bool have_journal;
  dev_t journal_dev;
  ino_t journal_ino;
  dev_t data_dev;
  ino_t data_ino;
  panels_mark mark; /* the report before the panels subtree being walked */
  int next_retries; /* for the next enter_dir: a walk done again */
  uint64_t ticks;
  int depth; /* levels in use */
  level lv[G6_RETENTION_MAX_DEPTH + 1];
  char path[(G6_RETENTION_MAX_DEPTH + 1) * 256];
} walk;

static int64_t ist_day(int64_t epoch) {
  int64_t t = epoch + G6_IST_OFFSET_S;
  return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}

static int xstatx(int dirfd, const char *name, int flags, struct statx *sx) {
  return statx(dirfd, name,
               flags | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT |
                   AT_STATX_SYNC_AS_STAT,
               STATX_WANT, sx);
}

static dev_t sx_dev(const struct statx *sx) {
  return makedev(sx->stx_dev_major, sx->stx_dev_minor);
}

static struct timespec sx_mtime(const struct statx *sx) {
  struct timespec t = {.tv_sec = sx->stx_mtime.tv_sec,
                       .tv_nsec = sx->stx_mtime.tv_nsec};
  return t;
}

/* Whether sx lies on the file system and mount being walked. */
static bool same_mount(const walk *w, const struct statx *sx) {
  if (sx_dev(sx) != w->dev)
    return false;
  return !w->have_mnt || !(sx->stx_mask & STATX_MNT_ID) ||
         sx->stx_mnt_id == w->mnt_id;
}

/* Appends name to the relative path of level L (for the callback). */
static const char *path_of(walk *w, const level *L, const char *name) {
  size_t n = strlen(name), at = L->path_len;
  if (at + (at ? 1 : 0) + n + 1 > sizeof(w->path))
    return name; /* cannot happen within the depth limit; keep going */
  if (at)
    w->path[at++] = '/';
  memcpy(w->path + at, name, n + 1);
  return w->path;
}

/* Keeps the first failure for the log: `name` in the top level (NULL: the
 * top level itself). */
static void note_failure(walk *w, const char *what, const char *name,
                         int e) {
  if (w->r->first_failure[0] != '\0')
    return;
  const level *L = &w->lv[w->depth - 1];
  const char *rel = name ? path_of(w, L, name) : w->path;
  if (name == NULL)
    w->path[L->path_len] = '\0';
  snprintf(w->r->first_failure, sizeof(w->r->first_failure),
           "%s %.200s%s%.250s: %s", what, w->root, rel[0] ? "/" : "", rel,
           strerror(e));
}

static void emit(walk *w, g6_retention_entry *e) {
  if (w->o->on_entry == NULL)
    return;
  e->root = w->root;
  e->in_panels_root = w->in_panels_root;
  w->o->on_entry(w->o->ctx, e);
}

static void skip_dir(walk *w, level *L, const char *name, g6_scan_skip why,
                     int err) {
  w->r->skipped[why]++;
  if (why == G6_SKIP_UNREADABLE)
    note_failure(w, "cannot read", name, err);
  if (w->o->on_entry == NULL)
    return;
  g6_retention_entry e = {.event = G6_EV_SKIP,
                          .path = path_of(w, L, name),
                          .kind = G6_KIND_UNMATCHED,
                          .index = G6_RETENTION_NO_INDEX,
                          .skip = why,
                          .err = err};
  emit(w, &e);
}

static int max_age(const g6_retention_policy *p, g6_retention_kind k) {
  return k == G6_KIND_OPTIONS    ? p->max_age_days
         : k == G6_KIND_OVERVIEW ? p->overview_max_age_days
                                 : p->snapshot_max_age_days;
}

static void count_action(walk *w, g6_prune_action a, uint64_t bytes) {
  w->r->files_by_action[a]++;
  w->r->bytes_by_action[a] += bytes;
}

/* Decides (and does) what the sweep does with a regular file of the layout
 * that is pruned by date. Returns whether the file is gone. */
static bool prune_file(walk *w, level *L, const char *name, const fclass *f,
                       const struct statx *sx, g6_retention_entry *e) {
  const g6_retention_policy *p = w->pol;
  int64_t day = g6_days_from_civil(f->date.year, f->date.month, f->date.day);
  if (w->today - day <= max_age(p, f->kind))
    return false;
  e->pruned = true;
  if (p->protect_today && ist_day(sx->stx_mtime.tv_sec) >= w->today)
    e->action = G6_PRUNE_KEPT_TODAY; /* also a file dated in the future */
  else if (w->deletes >= p->max_deletes)
    e->action = G6_PRUNE_KEPT_CAP;
  else if (p->dry_run) {
    e->action = G6_PRUNE_WOULD_DELETE;
    w->deletes++;
    L->gone++; /* as if deleted: its directory may go too (leave_dir) */
  } else if (G6_AFTER(unlinkat(L->fd, name, 0)) == 0) {
    e->action = G6_PRUNE_DELETED;
    w->deletes++;
    L->gone++;
  } else if (errno == ENOENT) {
    L->gone++; /* deleted by someone else meanwhile */
    e->pruned = false;
    return true;
  } else {
    e->action = G6_PRUNE_FAILED;
    e->err = errno;
    note_failure(w, "cannot delete", name, e->err);
  }
  count_action(w, e->action, sx->stx_size);
  return e->action == G6_PRUNE_DELETED;
}

/* A non-directory entry, with its statx. */
static void visit_file(walk *w, level *L, const char *name,
                       const struct statx *sx) {
  g6_retention_entry e = {.event = G6_EV_FILE, .mtime = sx_mtime(sx)};
  fclass f;
  uint16_t type = sx->stx_mode & S_IFMT;
  e.regular = type == S_IFREG;
  e.symlink = type == S_IFLNK;
  if (e.regular) {
    classify_file(&L->w, name, &f);
    if (w->have_journal && sx_dev(sx) == w->journal_dev &&
        sx->stx_ino == w->journal_ino) {
      memset(&f, 0, sizeof(f)); /* g6_panels' journal of that PanelsDir */
      f.kind = G6_KIND_PANELS;
    }
    e.size = sx->stx_size;
  } else {
    memset(&f, 0, sizeof(f));
    f.kind = G6_KIND_UNMATCHED;
  }
  bool gone = false;
  if (w->pol != NULL) {
    if (e.symlink) {
      e.pruned = true;
      e.action = G6_PRUNE_KEPT_SYMLINK;
      count_action(w, e.action, 0);
    } else if (f.kind == G6_KIND_UNMATCHED) {
      e.pruned = true;
      e.action = G6_PRUNE_KEPT_LAYOUT;
      count_action(w, e.action, e.size);
    } else if (f.prunable) {
      gone = prune_file(w, L, name, &f, sx, &e);
      if (gone && !e.pruned)
        return; /* vanished */
    }
  }
  /* slots are taken by files, so junk directories with index-like names
   * use none; a level caches the slot of its index */
  size_t slot = 0;
  if (f.index[0] != '\0' && strcmp(f.index, L->w.index) == 0) {
    if (L->slot < 0)
      L->slot = (int)slot_of(w->r, f.index);
    slot = (size_t)L->slot;
  } else if (f.index[0] != '\0') {
    slot = slot_of(w->r, f.index);
  }
  if (!gone && !L->uncounted)
    tally_add(&w->r->idx[slot].kind[f.kind], e.size, e.mtime);
  if (w->o->on_entry != NULL) {
    e.path = path_of(w, L, name);
    e.kind = f.kind;
    e.index = w->r->idx[slot].name;
    e.dated = f.dated;
    e.date = f.date;
    emit(w, &e);
  }
}

static void panels_mark_take(walk *w) {
  g6_retention_report *r = w->r;
  panels_mark *m = &w->mark;
  m->none = r->idx[0];
  m->dirs_scanned = r->dirs_scanned;
  memcpy(m->skipped, r->skipped, sizeof(m->skipped));
  memcpy(m->files_by_action, r->files_by_action, sizeof(m->files_by_action));
  memcpy(m->bytes_by_action, r->bytes_by_action, sizeof(m->bytes_by_action));
}

static void panels_mark_restore(walk *w) {
  g6_retention_report *r = w->r;
  const panels_mark *m = &w->mark;
  r->idx[0] = m->none;
  r->dirs_scanned = m->dirs_scanned;
  memcpy(r->skipped, m->skipped, sizeof(m->skipped));
  memcpy(r->files_by_action, m->files_by_action, sizeof(m->files_by_action));
  memcpy(r->bytes_by_action, m->bytes_by_action, sizeof(m->bytes_by_action));
}

/* Opens the child directory `name` of L and pushes it; counts what cannot
 * be entered. */
static void enter_dir(walk *w, level *L, const char *name) {
  if (w->depth > G6_RETENTION_MAX_DEPTH) {
    skip_dir(w, L, name, G6_SKIP_TOO_DEEP, 0);
    return;
  }
  int fd = openat(L->fd, name,
                  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    if (e == ENOENT) {
      L->gone++;
      return;
    }
    struct statx sx;
    if ((e == ELOOP || e == ENOTDIR) && xstatx(L->fd, name, 0, &sx) == 0) {
      visit_file(w, L, name, &sx); /* replaced by a symlink or a file */
      return;
    }
    skip_dir(w, L, name, G6_SKIP_UNREADABLE, e);
    return;
  }
  struct statx sx;
  if (xstatx(fd, "", AT_EMPTY_PATH, &sx) != 0) {
    int e = errno;
    close(fd);
    skip_dir(w, L, name, G6_SKIP_UNREADABLE, e);
    return;
  }
  if (!same_mount(w, &sx)) {
    close(fd);
    skip_dir(w, L, name, G6_SKIP_OTHER_MOUNT, 0);
    return;
  }
  dev_t dev = sx_dev(&sx);
  if (w->in_panels_root && dev == w->data_dev && sx.stx_ino == w->data_ino) {
    close(fd); /* the data directory inside the panels directory */
    return;
  }
  DIR *d = fdopendir(fd);
  if (d == NULL) {
    int e = errno;
    close(fd);
    skip_dir(w, L, name, G6_SKIP_UNREADABLE, e);
    return;
  }
  level *C = &w->lv[w->depth];
  memset(C, 0, offsetof(level, name));
  C->dir = d;
  C->fd = fd;
  C->removable = next_dir(&L->w, name, &C->w);
  if (w->have_panels && dev == w->panels_dev && sx.stx_ino == w->panels_ino) {
    C->w.st = D_PANELS; /* a PanelsDir configured inside the data directory */
    C->w.index[0] = '\0';
    C->removable = false;
    w->panels_seen = true;
  } else if (w->have_staging && dev == w->staging_dev &&
             sx.stx_ino == w->staging_ino) {
    C->w.st = D_PANELS; /* g6_panels' working copy of that PanelsDir */
    C->w.index[0] = '\0';
    C->removable = false;
    /* beside the PanelsDir, so that is inside the data directory too (a
     * swap since the scan started gave the two names each other's inode):
     * it is walked here, not again as a root of its own */
    w->panels_seen = true;
  } else if (C->w.st == D_PANELS && L->w.st == D_ROOT && !w->have_panels) {
    w->panels_seen = true;
  }
  C->slot = -1;
  C->mtime = sx_mtime(&sx);
  C->uncounted = L->uncounted;
  if (C->w.st == D_PANELS && L->w.st != D_PANELS && staging_like(name)) {
    /* between flushes the staging directory is empty; holding files, it
     * is a set being built or emptied (the same files as PanelsDir's),
     * unless nothing touched it for grace_s (what a crash left) */
    double age = w->o->now - ((double)C->mtime.tv_sec +
                              (double)C->mtime.tv_nsec * 1e-9);
    C->uncounted = age >= 0 && age < w->grace_s;
  }
  if (C->w.st == D_PANELS && L->w.st != D_PANELS && !C->uncounted) {
    C->panels_top = true; /* checked again when it is left */
    C->retries = w->next_retries;
    C->dev = dev;
    C->ino = sx.stx_ino;
    panels_mark_take(w);
  }
  path_of(w, L, name);
  C->path_len = L->path_len + (L->path_len ? 1 : 0) + strlen(name);
  snprintf(C->name, sizeof(C->name), "%s", name);
  w->depth++;
  w->r->dirs_scanned++;
}

/* Closes the top level; removes it when the sweep emptied it (or found it
 * empty and old). */
static void leave_dir(walk *w) {
  level *L = &w->lv[w->depth - 1];
  if (L->panels_top && w->depth > 1 && L->retries < PANELS_RETRIES &&
      !w->r->aborted) {
    /* swapped while it was read: the name leads to another directory now
     * (the new set); what was counted is undone and the name walked again */
    level *P = &w->lv[w->depth - 2];
    struct statx sx, now;
    bool swapped = xstatx(P->fd, L->name, 0, &sx) == 0 &&
                   S_ISDIR(sx.stx_mode) &&
                   (sx_dev(&sx) != L->dev || sx.stx_ino != L->ino);
    bool modified = !swapped &&
                    xstatx(L->fd, "", AT_EMPTY_PATH, &now) == 0 &&
                    !same_time(sx_mtime(&now), L->mtime);
    if (swapped || modified) {
      char name[sizeof(L->name)];
      memcpy(name, L->name, sizeof(name));
      int retries = L->retries + 1;
      closedir(L->dir);
      w->depth--;
      panels_mark_restore(w);
      panels_pause(retries);
      w->next_retries = retries;
      enter_dir(w, P, name);
      w->next_retries = 0;
      return;
    }
  }
  closedir(L->dir);
  w->depth--;
  if (w->depth == 0 || w->pol == NULL || !L->removable || L->seen != L->gone)
    return;
  double age = w->o->now - ((double)L->mtime.tv_sec +
                            (double)L->mtime.tv_nsec * 1e-9);
  if (L->gone == 0 && age < w->grace_s)
    return;
  level *P = &w->lv[w->depth - 1];
  g6_retention_entry e = {.event = G6_EV_RMDIR, .pruned = true,
                          .action = G6_PRUNE_DELETED};
  if (w->pol->dry_run) {
    /* the same decision as a real sweep's, so that a dry run names every
     * directory --apply would remove (its parent may follow) */
    e.action = G6_PRUNE_WOULD_DELETE;
    w->r->dirs_would_remove++;
    P->gone++;
  } else if (G6_AFTER(unlinkat(P->fd, L->name, AT_REMOVEDIR)) == 0) {
    w->r->dirs_removed++;
    P->gone++;
  } else if (errno == ENOENT) {
    P->gone++;
    return;
  } else if (errno == ENOTEMPTY || errno == EEXIST) {
    return; /* something was written into it meanwhile */
  } else {
    e.err = errno;
    e.action = G6_PRUNE_FAILED;
    note_failure(w, "cannot remove directory", L->name, e.err);
  }
  if (w->o->on_entry != NULL) {
    e.path = path_of(w, P, L->name);
    e.kind = G6_KIND_UNMATCHED;
    e.index = w->r->idx[L->slot > 0 ? L->slot : 0].name;
    emit(w, &e);
  }
}

static bool stopped(walk *w) {
  if (w->o->stop == NULL || ++w->ticks % STOP_EVERY != 0)
    return false;
  if (atomic_load(w->o->stop) == 0)
    return false;
  w->r->aborted = true;
  return true;
}

/* The device and inode of the staging directory g6_panels keeps beside
 * the PanelsDir `pdir` (found as the writer finds it: symbolic links
 * resolved, store/panels.h), or with `journal` of its journal (a regular
 * file). Returns false when there is none. */
static bool find_staging(const char *pdir, bool journal, dev_t *dev,
                         ino_t *ino) {
  char real[PATH_MAX], path[PATH_MAX + 256], name[256];
  if (realpath(pdir, real) == NULL)
    return false;
  char *slash = strrchr(real, '/');
  if (slash == NULL || slash[1] == '\0')
    return false;
  if (journal)
    g6_panels_journal_name(slash + 1, name, sizeof(name));
  else
    g6_panels_staging_name(slash + 1, name, sizeof(name));
  *slash = '\0';
  snprintf(path, sizeof(path), "%s/%s", real, name);
  struct stat sb;
  if (lstat(path, &sb) != 0 ||
      !(journal ? S_ISREG(sb.st_mode) : S_ISDIR(sb.st_mode)))
    return false;
  *dev = sb.st_dev;
  *ino = sb.st_ino;
  return true;
}

/* Walks the tree below the open directory `fd` in state `st`. Returns 0,
 * or the errno that kept it from reading the root itself. */
static int walk_root(walk *w, int fd, dstate st) {
  struct statx sx;
  DIR *d;
  if (xstatx(fd, "", AT_EMPTY_PATH, &sx) != 0 || (d = fdopendir(fd)) == NULL) {
    int e = errno;
    close(fd);
    return e;
  }
  w->dev = sx_dev(&sx);
  w->have_mnt = (sx.stx_mask & STATX_MNT_ID) != 0;
  w->mnt_id = sx.stx_mnt_id;
  level *R = &w->lv[0];
  memset(R, 0, sizeof(*R));
  R->slot = -1;
  R->dir = d;
  R->fd = fd;
  R->w.st = st;
  w->depth = 1;
  w->path[0] = '\0';
  w->r->dirs_scanned++;
  while (w->depth > 0) {
    level *L = &w->lv[w->depth - 1];
    if (stopped(w)) {
      while (w->depth > 0)
        closedir(w->lv[--w->depth].dir);
      return 0;
    }
    errno = 0;
    struct dirent *de = readdir(L->dir);
    if (de == NULL) {
      int e = errno;
      if (e != 0 && w->depth == 1 && L->seen == 0) {
        closedir(L->dir);
        w->depth = 0;
        return e;
      }
      if (e != 0) {
        w->r->skipped[G6_SKIP_UNREADABLE]++;
        note_failure(w, "cannot read", NULL, e);
        L->removable = false;
      }
      leave_dir(w);
      continue;
    }
    const char *name = de->d_name;
    if (name[0] == '.' &&
        (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))
      continue;
    L->seen++;
    unsigned char type = de->d_type;
    if (type == DT_DIR) {
      enter_dir(w, L, name);
      continue;
    }
    struct statx fsx;
    if (xstatx(L->fd, name, 0, &fsx) != 0) {
      if (errno == ENOENT)
        L->gone++; /* deleted meanwhile */
      else
        skip_dir(w, L, name, G6_SKIP_UNREADABLE, errno);
      continue;
    }
    if (S_ISDIR(fsx.stx_mode)) {
      enter_dir(w, L, name);
      continue;
    }
    if (S_ISREG(fsx.stx_mode) && !same_mount(w, &fsx)) {
      skip_dir(w, L, name, G6_SKIP_OTHER_MOUNT, 0); /* a bind-mounted file */
      continue;
    }
    visit_file(w, L, name, &fsx);
  }
  return 0;
}

static g6_status check_policy(const g6_retention_policy *p, g6_error *err) {
  const int ages[] = {p->max_age_days, p->overview_max_age_days,
                      p->snapshot_max_age_days};
  for (size_t i = 0; i < 3; i++)
    if (ages[i] < 0 || ages[i] > G6_RETENTION_MAX_AGE_DAYS)
      return g6_error_set(err, G6_EINVAL,
                          "retention policy: maximum age %d days; allowed: 0 "
                          "to %d",
                          ages[i], G6_RETENTION_MAX_AGE_DAYS);
  if (p->max_deletes == 0 || p->max_deletes > G6_RETENTION_MAX_DELETES)
    return g6_error_set(err, G6_EINVAL,
                        "retention policy: max_deletes %" PRIu64
                        "; allowed: 1 to %d",
                        p->max_deletes, G6_RETENTION_MAX_DELETES);
  return G6_OK;
}

g6_status g6_retention_run(const g6_retention_opts *o, g6_retention_report *r,
                           g6_error *err) {
  memset(r, 0, sizeof(*r));
  snprintf(r->idx[0].name, sizeof(r->idx[0].name), "%s",
           G6_RETENTION_NO_INDEX);
  r->n_idx = 1;
  if (o->data_dir == NULL || o->data_dir[0] == '\0')
    return g6_error_set(err, G6_EINVAL, "no data directory given");
  const g6_retention_policy *pol =
      o->policy != NULL && o->policy->enabled ? o->policy : NULL;
  if (pol != NULL) {
    g6_status st = check_policy(pol, err);
    if (st != G6_OK)
      return st;
  }
  double t0 = g6_monotonic_now();
  int fd = open(o->data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    g6_status st = e == ENOTDIR ? G6_EINVAL : g6_status_from_errno(e);
    return g6_error_set(err, st, "data directory %s: %s", o->data_dir,
                        e == ENOTDIR ? "not a directory" : strerror(e));
  }
  if (g6_fd_is_root(fd)) { /* "/", "/tmp/..", a symbolic link to "/" */
    close(fd);
    return g6_error_set(err, G6_EINVAL,
                        "data directory %s is the root directory: never "
                        "scanned or pruned; give g6's own directory",
                        o->data_dir);
  }
  walk *w = calloc(1, sizeof(*w));
  if (w == NULL) {
    close(fd);
    return g6_error_set(err, G6_ENOMEM, "out of memory");
  }
  w->o = o;
  w->r = r;
  w->pol = pol;
  r->pruned = pol != NULL;
  r->dry_run = pol != NULL && pol->dry_run;
  w->today = ist_day((int64_t)floor(o->now));
  w->grace_s = o->empty_dir_grace_s > 0 ? o->empty_dir_grace_s : 60;
  struct stat sb;
  if (fstat(fd, &sb) == 0) {
    w->data_dev = sb.st_dev;
    w->data_ino = sb.st_ino;
  }
  char panels[PATH_MAX];
  const char *pdir = o->panels_dir;
  if (pdir == NULL) {
    snprintf(panels, sizeof(panels), "%s/panels", o->data_dir);
    pdir = panels;
  }
  int panels_fd = open(pdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  r->panels_missing = panels_fd < 0;
  r->panels_errno = panels_fd < 0 ? errno : 0;
  if (panels_fd >= 0 && o->panels_dir != NULL && g6_fd_is_root(panels_fd)) {
    close(panels_fd);
    close(fd);
    free(w);
    return g6_error_set(err, G6_EINVAL,
                        "panels directory %s is the root directory: never "
                        "scanned; give g6_panels' own directory",
                        o->panels_dir);
  }
  if (panels_fd >= 0 && fstat(panels_fd, &sb) == 0) {
    w->have_panels = o->panels_dir != NULL;
    w->panels_dev = sb.st_dev;
    w->panels_ino = sb.st_ino;
    if (sb.st_dev == w->data_dev && sb.st_ino == w->data_ino)
      w->panels_seen = true; /* refused by the plugin; never walk twice */
    if (w->have_panels) {
      w->have_staging =
          find_staging(pdir, false, &w->staging_dev, &w->staging_ino);
      w->have_journal =
          find_staging(pdir, true, &w->journal_dev, &w->journal_ino);
    }
  }
  w->root = o->data_dir;
  int e = walk_root(w, fd, D_ROOT);
  if (e != 0) {
    if (panels_fd >= 0)
      close(panels_fd);
    free(w);
    return g6_error_set(err, g6_status_from_errno(e), "data directory %s: %s",
                        o->data_dir, strerror(e));
  }
  if (panels_fd >= 0 && !w->panels_seen && !r->aborted && o->panels_dir) {
    w->root = o->panels_dir;
    w->in_panels_root = true;
    w->pol = NULL; /* panels are never pruned, nor counted as kept */
    /* the directory opened before the data directory's walk may have been
     * swapped out since, or be while it is read (see PANELS_RETRIES): it
     * counts only when PanelsDir still leads to it afterwards */
    for (int tries = 0;; tries++) {
      struct stat before, after;
      bool known = fstat(panels_fd, &before) == 0;
      panels_mark_take(w);
      walk_root(w, panels_fd, D_PANELS); /* closes panels_fd */
      if (!known || r->aborted || tries >= PANELS_RETRIES ||
          stat(pdir, &after) != 0 || !S_ISDIR(after.st_mode) ||
          (after.st_dev == before.st_dev && after.st_ino == before.st_ino &&
           same_time(after.st_mtim, before.st_mtim)))
        break;
      panels_pause(tries + 1);
      int again = open(pdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (again < 0)
        break;
      panels_mark_restore(w);
      panels_fd = again;
    }
  } else if (panels_fd >= 0) {
    close(panels_fd);
  }
  free(w);
  r->seconds = g6_monotonic_now() - t0;
  return G6_OK;
}

/* ---- summary -------------------------------------------------------------- */

size_t g6_retention_summary(const g6_retention_report *r, char *buf,
                            size_t len) {
  g6_buf b = G6_BUF_INIT;
  const uint64_t *f = r->files_by_action, *by = r->bytes_by_action;
  if (r->pruned) {
    g6_prune_action done =
        r->dry_run ? G6_PRUNE_WOULD_DELETE : G6_PRUNE_DELETED;
    uint64_t dirs = r->dry_run ? r->dirs_would_remove : r->dirs_removed;
    g6_buf_printf(&b,
                  "%s %" PRIu64 " file(s) (%.1f MiB), %s %" PRIu64
                  " empty director%s; kept %" PRIu64 " modified today, %" PRIu64
                  " over the per-sweep cap, %" PRIu64 " symlink(s), %" PRIu64
                  " file(s) outside the layout; %" PRIu64 " failed; ",
                  r->dry_run ? "dry run: would delete" : "deleted", f[done],
                  (double)by[done] / 1048576.0,
                  r->dry_run ? "would remove" : "removed", dirs,
                  dirs == 1 ? "y" : "ies", f[G6_PRUNE_KEPT_TODAY],
                  f[G6_PRUNE_KEPT_CAP], f[G6_PRUNE_KEPT_SYMLINK],
                  f[G6_PRUNE_KEPT_LAYOUT], f[G6_PRUNE_FAILED]);
  }
  uint64_t files = 0, skipped = 0;
  for (int k = 0; k < G6_KIND_COUNT; k++)
    files += g6_retention_total(r, (g6_retention_kind)k).files;
  for (int s = 0; s < G6_SKIP_COUNT; s++)
    skipped += r->skipped[s];
  g6_buf_printf(&b, "%" PRIu64 " file(s) in %" PRIu64 " director%s in %.2f s",
                files, r->dirs_scanned, r->dirs_scanned == 1 ? "y" : "ies",
                r->seconds);
  if (skipped > 0)
    g6_buf_printf(&b,
                  "; %" PRIu64 " director%s not scanned (%" PRIu64
                  " other mount, %" PRIu64 " unreadable, %" PRIu64 " too deep)",
                  skipped, skipped == 1 ? "y" : "ies",
                  r->skipped[G6_SKIP_OTHER_MOUNT],
                  r->skipped[G6_SKIP_UNREADABLE], r->skipped[G6_SKIP_TOO_DEEP]);
  if (r->aborted)
    g6_buf_puts(&b, "; stopped early");
  snprintf(buf, len, "%s", b.data ? b.data : "");
  g6_buf_free(&b);
  return len ? strlen(buf) : 0;
}

/* ---- discovery ------------------------------------------------------------- */

static void add_name(char names[][32], size_t *n, size_t max,
                     const char *name) {
  for (size_t i = 0; i < *n; i++)
    if (strcmp(names[i], name) == 0)
      return;
  if (*n < max)
    snprintf(names[(*n)++], 32, "%.31s", name); /* index names fit */
}

/* Whether the directory `name` in dirfd holds a tag directory. */
static bool has_tag_dir(int dirfd, const char *name) {
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (d == NULL) {
    if (fd >= 0)
      close(fd);
    return false;
  }
  bool found = false;
  struct dirent *de;
  while (!found && (de = readdir(d)) != NULL)
    found = is_tag(de->d_name);
  closedir(d);
  return found;
}

/* Index names among the entries of top/sub (sub NULL: top itself, where an
 * index directory must hold a tag directory): directories, and with `json`
 * files <INDEX>.json. */
static void discover_in(int top, const char *sub, bool json,
                        char names[][32], size_t *n, size_t max) {
  int fd = sub ? openat(top, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                                      O_CLOEXEC)
               : dup(top);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (d == NULL) {
    if (fd >= 0)
      close(fd);
    return;
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL && *n < max) {
    char name[256];
    snprintf(name, sizeof(name), "%s", de->d_name);
    size_t len = strlen(name);
    bool is_json = json && len > 5 && strcmp(name + len - 5, ".json") == 0;
    if (is_json)
      name[len - 5] = '\0';
    if (!is_index(name))
      continue;
    struct statx sx;
    if (xstatx(dirfd(d), de->d_name, 0, &sx) != 0)
      continue;
    if (is_json ? S_ISREG(sx.stx_mode)
                : S_ISDIR(sx.stx_mode) &&
                      (sub != NULL || has_tag_dir(dirfd(d), de->d_name)))
      add_name(names, n, max, name);
  }
  closedir(d);
}

size_t g6_retention_discover(const char *data_dir, char names[][32],
                             size_t max) {
  size_t n = 0;
  int fd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  discover_in(fd, NULL, false, names, &n, max);
  discover_in(fd, "overview", false, names, &n, max);
  discover_in(fd, "snapshots", true, names, &n, max);
  discover_in(fd, "snapshots", false, names, &n, max);
  close(fd);
  return n;
}
