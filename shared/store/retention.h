/* g6 — the data directory's storage: one scan, and guarded pruning in the
 * same pass.
 *
 * The layout it recognises (everything else is "unmatched"):
 *
 *   <DataDir>/<INDEX>/<tag>/<offset>/<YYYY-MM-DD>.csv        options
 *   <DataDir>/overview/<INDEX>/<YYYY-MM-DD>.csv               overview
 *   <DataDir>/snapshots/<INDEX>.json                          snapshots
 *   <DataDir>/snapshots/<INDEX>/<YYYY-MM-DD>/<seq>.json       snapshots
 *   <DataDir>/iv_history/<INDEX>.csv                          iv_history
 *   <PanelsDir>/... (default <DataDir>/panels/...)            panels
 *   <DataDir>/.panels.g6-staging/...                          panels
 *   <DataDir>/.panels.g6-journal                              panels
 *   <parent of PanelsDir>/.<name>.g6-staging/...             panels
 *   <parent of PanelsDir>/.<name>.g6-journal                 panels
 *
 * INDEX is a name g6 accepts for an index (1-31 letters, digits, '_', '-'),
 * never "overview", "snapshots", "iv_history" or "panels"; tag is this_week, next_week,
 * this_month, next_month or a date YYYY-MM-DD; offset is what the CSV sink
 * writes for strike - ATM: "0", "+50", "-100", "+12.5" (a sign unless
 * zero, no leading zeros, no trailing zeros after a decimal point, as in
 * Python's repr); seq is 1-20 digits. The temporary files of an atomic
 * replace (".<name>.tmp.XXXXXX", core/fsutil.h) next to a snapshot or an IV
 * history belong to it. The staging directory g6_panels keeps beside a
 * PanelsDir (g6_panels_staging_name, store/panels.h) is its working copy,
 * and the journal beside it (g6_panels_journal_name) tells that copy's
 * files apart after a crash: both counted as panels (the ones beside an
 * explicit panels_dir when they lie in the data directory, found by device
 * and inode), never pruned or removed.
 * Sources: store/csv_sink.h, store/snapshot.h,
 * store/iv_history.h, DESIGN §7. The IV history has no date in its name
 * and is never pruned (it is the window IV rank looks back over).
 *
 * Safety (why the walk is written with *at() calls): every directory is
 * opened relative to its parent's descriptor with O_NOFOLLOW, so a symlink is
 * never followed and ".." is never taken (readdir's "." and ".." are
 * skipped); a directory, or a file, on another file system or another mount
 * (a bind mount included: statx's mount id is compared, not only st_dev) is
 * not entered, not counted and never deleted. The data directory itself is
 * opened as configured (a symlinked DataDir is the operator's choice), but
 * never walked when it is the root directory, however spelled ("/tmp/..",
 * a symbolic link to "/": compared by device and inode each run); nor is
 * a panels directory given explicitly.
 *
 * Pruning (only with a policy whose `enabled` is set) deletes nothing but
 * regular files of the options, overview and snapshot-history kinds whose
 * date (from the name, the IST trading day of the rows) is more than the
 * kind's maximum age before today (IST), and never one modified today (IST)
 * when protect_today is set. Deletion is one unlinkat() per file relative to
 * the directory descriptor it was found in; nothing is written, so a crash or
 * a full disk mid-sweep leaves only files not yet deleted and directories
 * not yet removed, which the next sweep finds again. Directories of the
 * layout (not DataDir, overview, snapshots or the panels directory) are
 * removed when the sweep emptied them, or when found empty and unmodified
 * for `empty_dir_grace_s` (what an interrupted sweep leaves). A dry run
 * makes the same decisions, counting a file it would delete as gone, and
 * reports the directories it would remove (dirs_would_remove, G6_EV_RMDIR
 * with action would_delete), so that it lists what a real sweep does.
 *
 * g6_panels' directories change under the walk (store/panels.h): a set is
 * built in the staging directory, swapped in with RENAME_EXCHANGE and the
 * previous one emptied there. A staging directory modified within
 * `empty_dir_grace_s` (a flush's working copy: PanelsDir's files a second
 * time) is walked but its files are not tallied; one left alone longer
 * (what a crash left) counts as panels. A panels directory whose name leads
 * to another directory after its walk, or that was modified during it, had
 * a flush overtake the walk: what it tallied is undone and it is walked
 * again after 10 ms (doubling, at most four more walks), so its entries
 * may reach on_entry more than once.
 *
 * Memory does not depend on the number of files: the walk holds one open
 * directory per level (at most G6_RETENTION_MAX_DEPTH) and fixed-size
 * tallies for at most G6_RETENTION_MAX_INDICES index names. Entries are
 * visited in directory order, so a per-sweep cap deletes any files past
 * their age, not the oldest first; the next sweeps delete the rest. */
#ifndef G6_RETENTION_H
#define G6_RETENTION_H

#include "core/ist.h"
#include "core/status.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define G6_RETENTION_MAX_INDICES 32 /* index names tallied one by one */
#define G6_RETENTION_MAX_DEPTH 32   /* levels below a root the walk enters */
/* The largest maximum age (days) and per-sweep cap a policy may have: the
 * plugin's options and the CLI's arguments allow the same. */
#define G6_RETENTION_MAX_AGE_DAYS 36500
#define G6_RETENTION_MAX_DELETES 10000000
/* Tally names that are not index names (the parentheses cannot appear in
 * one): files of no index (panels, unmatched), and every index after the
 * first G6_RETENTION_MAX_INDICES. */
#define G6_RETENTION_NO_INDEX "(none)"
#define G6_RETENTION_OTHER_INDEX "(other)"

typedef enum g6_retention_kind {
  G6_KIND_OPTIONS,   /* per-strike CSV files */
  G6_KIND_OVERVIEW,  /* overview CSV files */
  G6_KIND_SNAPSHOTS, /* snapshot files, their history and temporary files */
  G6_KIND_IV_HISTORY, /* g6_analytics' daily ATM IV closes per index */
  G6_KIND_PANELS,    /* anything under the panels directory */
  G6_KIND_UNMATCHED, /* other regular files, symlinks, fifos, sockets,
                        devices anywhere in the tree */
  G6_KIND_COUNT
} g6_retention_kind;

/* "options", "overview", "snapshots", "iv_history", "panels", "unmatched" (the metric
 * label values); "unknown" out of range. */
const char *g6_retention_kind_name(g6_retention_kind k);

typedef enum g6_prune_action {
  G6_PRUNE_WOULD_DELETE, /* past its age, dry run */
  G6_PRUNE_DELETED,
  G6_PRUNE_KEPT_TODAY,   /* past its age but modified today (IST) */
  G6_PRUNE_KEPT_SYMLINK, /* a symlink the sweep passed by (never followed) */
  G6_PRUNE_KEPT_LAYOUT,  /* a file outside the layout the sweep passed by */
  G6_PRUNE_KEPT_CAP,     /* past its age, over max_deletes this sweep */
  G6_PRUNE_FAILED,       /* unlinkat failed (errno in the entry) */
  G6_PRUNE_ACTION_COUNT
} g6_prune_action;

/* "would_delete", "deleted", "kept_today", "kept_symlink", "kept_layout",
 * "kept_cap", "failed"; "unknown" out of range. */
const char *g6_prune_action_name(g6_prune_action a);

typedef enum g6_scan_skip {
  G6_SKIP_OTHER_MOUNT, /* another file system or mount point */
  G6_SKIP_UNREADABLE,  /* cannot be opened or read (EACCES, EIO, ...) */
  G6_SKIP_TOO_DEEP,    /* deeper than G6_RETENTION_MAX_DEPTH */
  G6_SKIP_COUNT
} g6_scan_skip;

/* "other_mount", "unreadable", "too_deep"; "unknown" out of range. */
const char *g6_scan_skip_name(g6_scan_skip s);

/* Files of one kind: count, bytes (st_size of regular files; 0 for
 * symlinks and special files) and the oldest and newest mtime (valid only
 * when files > 0). */
typedef struct g6_retention_tally {
  uint64_t files, bytes;
  struct timespec oldest, newest;
} g6_retention_tally;

typedef struct g6_retention_index {
  char name[32]; /* an index name, G6_RETENTION_NO_INDEX or _OTHER_INDEX */
  g6_retention_tally kind[G6_KIND_COUNT];
} g6_retention_index;

/* Maximum ages in days; a file dated D is past its age when
 * today - D > max_age (so 0 keeps only today's files). */
typedef struct g6_retention_policy {
  bool enabled;       /* evaluate pruning at all (false: scan only) */
  bool dry_run;       /* count would_delete instead of deleting */
  bool protect_today; /* keep files modified today (IST), whatever their name */
  int max_age_days;           /* options CSV, 0..G6_RETENTION_MAX_AGE_DAYS */
  int overview_max_age_days;  /* overview CSV */
  int snapshot_max_age_days;  /* snapshot history */
  uint64_t max_deletes;       /* per sweep, 1..G6_RETENTION_MAX_DELETES
                                 (dry run: would-deletes) */
} g6_retention_policy;

/* One entry the walk met, for the optional callback. Pointers are valid
 * only during the call. */
typedef enum g6_retention_event {
  G6_EV_FILE,    /* a non-directory entry (file, symlink, special file) */
  G6_EV_SKIP,    /* a directory not entered: skip, err */
  G6_EV_RMDIR,   /* a layout directory removed, or in a dry run one that
                    would be (action: deleted, would_delete, or failed with
                    err) */
} g6_retention_event;

typedef struct g6_retention_entry {
  g6_retention_event event;
  const char *root;  /* the data or panels directory, as given */
  const char *path;  /* relative to root, '/'-separated */
  bool in_panels_root; /* root is a panels directory outside the data dir */
  g6_retention_kind kind;
  const char *index; /* tally name: an index, "(none)" or "(other)" */
  bool regular, symlink;
  uint64_t size;          /* st_size of a regular file, else 0 */
  struct timespec mtime;  /* zero for symlinks */
  bool dated;             /* the layout gives the file a date */
  g6_date date;
  bool pruned;            /* a prune action applies (see action) */
  g6_prune_action action;
  g6_scan_skip skip;      /* G6_EV_SKIP */
  int err;                /* errno of a failed delete, open or rmdir */
} g6_retention_entry;

typedef struct g6_retention_opts {
  const char *data_dir;   /* required; opened following symlinks */
  const char *panels_dir; /* NULL: <data_dir>/panels; scanned as its own root
                             when it is not inside data_dir */
  double now;             /* epoch seconds (wall clock; tests inject it) */
  const g6_retention_policy *policy; /* NULL or !enabled: scan only */
  double empty_dir_grace_s; /* see above; 0 picks 60 */
  /* Optional: called for every non-directory entry, skipped directory and
   * removed directory, in walk order, from the calling thread. */
  void (*on_entry)(void *ctx, const g6_retention_entry *e);
  void *ctx;
  /* Optional: when it becomes non-zero the walk stops within a few hundred
   * entries and the report says `aborted`. */
  const atomic_int *stop;
} g6_retention_opts;

/* The result of one run. Index slot 0 is always G6_RETENTION_NO_INDEX. */
typedef struct g6_retention_report {
  g6_retention_index idx[G6_RETENTION_MAX_INDICES + 2];
  size_t n_idx;
  uint64_t files_by_action[G6_PRUNE_ACTION_COUNT];
  uint64_t bytes_by_action[G6_PRUNE_ACTION_COUNT];
  uint64_t skipped[G6_SKIP_COUNT];
  uint64_t dirs_removed;
  uint64_t dirs_would_remove; /* dry run: what dirs_removed would be */
  uint64_t dirs_scanned;
  double seconds;    /* wall time of the run (CLOCK_MONOTONIC) */
  bool pruned;       /* the policy was evaluated */
  bool dry_run;      /* ... as a dry run */
  bool aborted;      /* opts.stop was raised */
  bool panels_missing; /* the panels directory (panels_dir, or
                          <data_dir>/panels) cannot be opened (it does not
                          exist: g6_panels writes somewhere else, or does
                          not run; or it is unreadable or not a directory):
                          its panel files are unknown, not 0 */
  int panels_errno;     /* why, when panels_missing */
  /* The first failed delete, open or rmdir, for the log ("" when none). */
  char first_failure[512];
} g6_retention_report;

/* Scans data_dir (and the panels directory) and, with an enabled policy,
 * prunes in the same pass; fills *r (zeroed first). Returns G6_OK when the
 * data directory could be scanned, even if some directories were skipped or
 * deletes failed (both are counted in *r); G6_ENOENT when data_dir does not
 * exist, G6_EINVAL when it (or an explicit panels_dir) is the root
 * directory, when it is not a directory or opts are invalid (a policy age
 * outside 0..G6_RETENTION_MAX_AGE_DAYS, max_deletes outside
 * 1..G6_RETENTION_MAX_DELETES), G6_EPERM/G6_EIO when it cannot be
 * opened or read, G6_ENOMEM. err names the directory and the cause. A
 * missing panels directory is not an error (r->panels_missing). */
g6_status g6_retention_run(const g6_retention_opts *opts,
                           g6_retention_report *r, g6_error *err);

/* The tally of `name` ("NIFTY", G6_RETENTION_NO_INDEX, ...), or NULL. */
const g6_retention_index *g6_retention_find(const g6_retention_report *r,
                                            const char *name);

/* Adds up one kind over every index of the report. */
g6_retention_tally g6_retention_total(const g6_retention_report *r,
                                      g6_retention_kind k);

/* One line for the log and the CLI: what the sweep did (or, in a dry run,
 * would do), what it kept and why, failures, directories removed and not
 * scanned, files counted and the time taken; for a scan without a policy
 * only the last two. Returns the length (truncated to fit len). */
size_t g6_retention_summary(const g6_retention_report *r, char *buf,
                            size_t len);

/* Index names found without walking the tree: the index directories at the
 * top of data_dir, under overview/ and snapshots/, and the snapshot files
 * (<INDEX>.json); each once, at most `max`, in directory order. For warm
 * start before the first scan. Returns how many were written to
 * names[][32]; 0 when data_dir cannot be read. Can't fail otherwise. */
size_t g6_retention_discover(const char *data_dir, char names[][32],
                             size_t max);

/* How the layout classifies a regular file at `relpath` (relative to the
 * data directory, '/'-separated): the same rules the walk applies one
 * component at a time, exposed for tests. Sets *kind, index (32 bytes; ""
 * when the file belongs to no index), *dated and *date (the date the layout
 * gives it), and *prunable (its kind is pruned by date). The default panels
 * directory (<DataDir>/panels) is assumed. Returns false for a path with an
 * empty, "." or ".." component or more than G6_RETENTION_MAX_DEPTH
 * directories. */
bool g6_retention_classify(const char *relpath, g6_retention_kind *kind,
                           char index[32], bool *dated, g6_date *date,
                           bool *prunable);

#endif
