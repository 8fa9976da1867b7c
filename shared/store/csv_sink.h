/* g6 — the CSV files users depend on, in the old platform's exact layout.
 *
 *   <DataDir>/<INDEX>/<expiry_tag>/<offset>/<YYYY-MM-DD>.csv   32 columns
 *   <DataDir>/overview/<INDEX>/<YYYY-MM-DD>.csv                16 columns
 *
 * The date is the IST date of the row's (rounded) timestamp; timestamps are
 * IST rounded to 30 s, "DD-MM-YYYY HH:MM:SS"; floats in Python's shortest
 * repr ("0.0", "1502.89"), counts and strikes as integers. A header is
 * written when a file is created. A missing leg writes zeros, as before; 0.0
 * in an IV or Greek column means "not available" (the reason is counted in
 * the metrics, never invented).
 *
 * Durability: every append to a file is all-or-nothing. A failed or short
 * write is rolled back (ftruncate to the previous size), counted, and the
 * rows are kept in memory and retried on the next write (bounded; what is
 * dropped beyond the bound is counted). A file whose last line is incomplete
 * (a crash mid-write) is repaired by truncating the torn tail before the next
 * append, and at a sink's first flush in the newest day's file of every
 * directory of its index (the files a crashed run wrote last, which this run
 * may never append to): only in the layout's directories (<INDEX>/<tag>/
 * <offset>, overview/<INDEX>; none entered through a symbolic link below
 * <INDEX>) and only a file that begins with g6's header. A symbolic link, a FIFO or a device at a file's place is never
 * opened for writing (O_NOFOLLOW) nor cut back: its rows stay pending
 * (G6_EINVAL, the message naming the path). When close(2) fails after a
 * complete write (a file system that
 * reports write-back errors there, such as NFS), the rows are read back:
 * found intact they count as written (never written twice), otherwise the
 * file is cut back and they are retried like a failed write; only when the
 * file cannot be read back at all are they retried unchecked (a duplicate
 * rather than a loss). A row whose timestamp equals the last one in the
 * file is skipped as a duplicate (cycles faster than 30 s); one whose
 * timestamp is before it (the wall clock went back) is skipped and counted
 * as `behind`, so otherwise a file's timestamps only ever increase and no
 * row is written twice.
 *
 * Files held open: while core/fdhold.h's budget has room, a file on a
 * local file system is kept open from its first append of the day, before
 * anything is written to it; at each append a held file that was deleted
 * or replaced is let go of and its path opened again, and once per cycle
 * (a new timestamp) so is every held file when the data directory at its
 * path is not the one the sink opened, or the index's directories
 * (<INDEX>, overview/<INDEX>) not the ones seen the cycle before (moved
 * away, recreated, mounted over). A descriptor closed behind the sink's back is never closed or
 * written by it again.
 *
 * One sink per index: a sink is not thread-safe, and indices write disjoint
 * directories. */
#ifndef G6_CSV_SINK_H
#define G6_CSV_SINK_H

#include "core/ist.h"
#include "core/status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum g6_fsync_policy {
  G6_FSYNC_NEVER = 0, /* rely on the page cache (a collectd crash loses
                         nothing; an OS crash may lose the last writes) */
  G6_FSYNC_CYCLE,     /* one syncfs() per cycle of each file system
                         written: the data directory's, and any other an
                         index's directory or a file lies on (a mount, a
                         symbolic link) */
  G6_FSYNC_ALWAYS,    /* fsync every file after each append, and each
                         new directory (and a new file) into its parent */
} g6_fsync_policy;

typedef struct g6_csv_leg {
  bool present; /* false writes zeros */
  double last, avg, volume, oi;
  double iv, delta, theta, vega, gamma, rho; /* NAN writes 0.0 */
} g6_csv_leg;

typedef struct g6_csv_option_row {
  double index_price;
  double atm;
  double strike;
  g6_csv_leg ce, pe;
} g6_csv_option_row;

typedef struct g6_csv_overview {
  double pcr[4];     /* by tag index (this_week, next_week, this_month,
                        next_month) */
  unsigned expected_mask;  /* configured tags */
  unsigned collected_mask; /* tags with a PCR this cycle */
  int expiries_expected;
  double day_width;   /* high - low of the index today; NAN if unknown */
  double index_price;
  double vix;         /* NAN writes 0.0 */
  unsigned withheld_mask; /* tags with a contract whose rows were not
                             written (a tag collision): added to missing_mask
                             even when the tag's owner was collected */
} g6_csv_overview;

/* What one write did, accumulated (callers zero it per cycle). */
typedef struct g6_csv_stats {
  uint64_t rows_written;
  uint64_t bytes_written;
  uint64_t write_failures;  /* failed appends (each rolled back), and
                               failed closes (rolled back unless the rows
                               read back intact) */
  uint64_t rows_pending;    /* rows waiting for a retry after the call */
  uint64_t rows_dropped;    /* rows dropped because the retry buffer was full */
  uint64_t duplicates;      /* rows skipped: same timestamp as the last row */
  uint64_t behind;          /* rows skipped: timestamp before the last row
                               (the wall clock went back) */
  uint64_t torn_repaired;   /* files whose torn tail was truncated */
  uint64_t files_created;
} g6_csv_stats;

/* Cumulative counters of one file family since the sink was created: an
 * expiry tag ("this_week", ...) or "overview". failures[] counts failed
 * appends by g6_status (nospace, permission, io, ...). */
#define G6_CSV_MAX_FAMILIES 16
typedef struct g6_csv_family_stats {
  char name[16];
  g6_csv_stats st; /* rows_pending: rows of the family held for retry now */
  uint64_t failures[G6_STATUS_COUNT];
} g6_csv_family_stats;

typedef struct g6_csv_sink g6_csv_sink;

/* data_dir: absolute (a relative one would follow the process's working
 * directory; g6_chain makes DataDir absolute at init, core/fsutil.h
 * g6_path_absolute). max_pending_bytes bounds the rows held for retry
 * (0 = 8 MiB). Returns NULL only when out of memory; the directory is
 * created lazily. */
g6_csv_sink *g6_csv_sink_new(const char *data_dir, const char *index,
                             g6_fsync_policy policy, size_t max_pending_bytes);
void g6_csv_sink_free(g6_csv_sink *s);

/* Appends one row per strike of one expiry at timestamp `ts` (epoch seconds,
 * already rounded to 30 s) to the per-offset files, computing tp_day_change
 * and tp_net_change from the series' earlier rows. Rows pending from earlier
 * failures are retried first. Returns G6_OK when every file was written;
 * otherwise the first failure (err names the file and the cause, and, when
 * nothing reached the file — it or its directory could not be opened, made
 * or written —, that its rows are kept pending and retried next cycle) — the
 * other files are still written. A failed close whose rows read back intact
 * is a failure too (err says the rows are in the file and not pending). */
g6_status g6_csv_write_options(g6_csv_sink *s, int64_t ts, const char *tag,
                               g6_date expiry, const g6_csv_option_row *rows,
                               size_t n, g6_csv_stats *stats, g6_error *err);

/* Appends the index's overview row at `ts`. */
g6_status g6_csv_write_overview(g6_csv_sink *s, int64_t ts,
                                const g6_csv_overview *ov, g6_csv_stats *stats,
                                g6_error *err);

/* Retries every pending file (call once per cycle, also in cycles that do
 * not touch those files), and applies the G6_FSYNC_CYCLE policy. The first
 * call repairs torn tails a crash left (see above; counted in
 * stats->torn_repaired, g6_csv_sink_last_repair names the last). */
g6_status g6_csv_sink_flush(g6_csv_sink *s, g6_csv_stats *stats,
                            g6_error *err);

/* The sink's end: one last attempt to write every pending row (the same
 * all-or-nothing appends as g6_csv_sink_flush, and its syncfs under
 * G6_FSYNC_CYCLE), then g6_csv_sink_free. Only local file operations, no
 * network, but a frozen or hung file system blocks it like any append.
 * Returns the rows that could not be written and are lost with the sink
 * (0: every one landed, or none was pending; err untouched); when > 0, err
 * names the first failed file and the cause. NULL: 0. */
size_t g6_csv_sink_close(g6_csv_sink *s, g6_error *err);

/* Lets go of every file held open between appends (core/fdhold.h; each is
 * opened again at its next append) and of the data directory's descriptor.
 * Call when no rows are due for a while, outside the session: a held file
 * that is moved, compressed or deleted then frees its space, and the file
 * system can be unmounted. Returns G6_OK, or the first failed close (err
 * names the file; every one is counted with its family's write failures):
 * its rows were written before. */
g6_status g6_csv_sink_release_held(g6_csv_sink *s, g6_error *err);

/* The per-family cumulative counters; *out points into the sink and stays
 * valid until the next call on it. Returns the number of families. */
size_t g6_csv_sink_families(g6_csv_sink *s, const g6_csv_family_stats **out);

/* The file whose torn tail was cut last (its path; "" when none yet) and,
 * in *bytes_cut (may be NULL), how many bytes were cut from it. The string
 * stays valid until the next call on the sink. Can't fail. */
const char *g6_csv_sink_last_repair(const g6_csv_sink *s, uint64_t *bytes_cut);

/* Rows currently held for retry. */
size_t g6_csv_sink_pending_rows(const g6_csv_sink *s);

/* The exact header lines (without newline). */
extern const char g6_csv_option_header[];
extern const char g6_csv_overview_header[];

/* Formats v like Python's str(): integral values of an int column as
 * integers in digits (every one within +-2^63, the range of the counts the
 * quote parser accepts), everything else (fractions, beyond int64,
 * non-finite) through g6_repr_double. Exposed for tests. */
size_t g6_csv_format_int(double v, char out[32]);

#endif
