/* g6 — the daily ATM IV closes g6_analytics keeps per index, the history
 * IV rank and percentile are measured against (math/desk.h).
 *
 * One small CSV file per index, <DataDir>/iv_history/<INDEX>.csv:
 *
 *   date,this_week,next_week,this_month,next_month
 *   2025-01-06,0.1234,0.1301,0.1288,0.1402
 *   2025-01-07,0.1198,,0.1275,0.1391
 *
 * one line per trading session (its IST date), ascending, with the ATM IV
 * at the forward (math/chain_report.h, a fraction) of each expiry tag, the
 * last known in the session's snapshots; an empty cell is unknown (the tag
 * was not configured, not collected, its IV could not be bracketed, or its
 * contract expired that day: g6_iv_history_keeps). Numbers are in the
 * shortest form that reads back exactly. Operators may seed the file from
 * their own history in the same format.
 *
 * A tag's column is a rolling series, not one contract's: each cell is the
 * contract the tag named that session (this_week is another contract after
 * every weekly expiry), so IV rank reads where the tag's ATM IV stands
 * among the tag's past closes. What it leaves out is the session on which
 * the tag's contract expires. Its last snapshot prices minutes of life
 * (g6_chain's last cycle falls in the final Interval before 15:30 IST; at
 * 15:30 T is 0 and no IV exists), so the time value is a few ticks and the
 * IV is noise: OTM mids of 0.35 / 0.30 around a 24,812 spot read an ATM IV
 * of 0.50 at 30 s and 0.86 at 10 s, in a session at 0.12. From the next
 * session on the tag names a contract with at least a session to go, so
 * the value continues nothing, and it would stand in the tag's window (as
 * its max, typically) for IVRankWindow sessions. The rule is by date, not
 * by a time threshold: a close of any earlier session still has the whole
 * expiry-day session to go (24 hours after a 15:30 close), like every
 * other close taken one session before an expiry; and the listed date is
 * the contract's real expiry (a weekly moved before a holiday is left out
 * on the date it moved to). A special session (Budget Saturday, Muhurat
 * hour) is a session of its own date and keeps its close like any other.
 *
 * Crash safety: a close is added by replacing the whole file atomically
 * (core/fsutil.h: temporary file, fsync, rename, fsync of the directory;
 * a directory made for it has its entry fsynced into its parent),
 * keeping the old bytes as they were, so a crash leaves the file with or
 * without the new line, never a torn one; a session already in the file is
 * never added twice. The reader skips (and counts) lines it cannot use and
 * never changes them. */
#ifndef G6_IV_HISTORY_H
#define G6_IV_HISTORY_H

#include "core/ist.h"
#include "core/status.h"
#include "market/chain.h"

#include <stdbool.h>
#include <stddef.h>

#define G6_IV_HISTORY_DIR "iv_history"
#define G6_IV_HISTORY_HEADER "date,this_week,next_week,this_month,next_month"
#define G6_IV_HISTORY_MAX_BYTES (4u << 20) /* ~50,000 sessions */

/* One session's closes; iv[t] is tag t of g6_expiry_tags (this_week ...
 * next_month), NAN when unknown. */
typedef struct g6_iv_close {
  g6_date date;
  double iv[G6_EXPIRY_TAG_COUNT];
} g6_iv_close;

typedef struct g6_iv_history {
  g6_iv_close *v; /* ascending by date, one per date */
  size_t n, cap;
  size_t skipped;     /* lines that are not a close (or repeat a date) */
  int first_skipped;  /* line number of the first, 0 when none */
  char why[160];      /* its start, quoted, and what was wrong with it */
} g6_iv_history;

/* Whether the ATM IV of a contract expiring on `expiry` may be part of the
 * close of the session dated `session` (both IST dates): only when it
 * expires after that date. False on its expiry day (and after). Can't
 * fail. */
bool g6_iv_history_keeps(g6_date session, g6_date expiry);

/* <data_dir>/iv_history/<index>.csv into buf; G6_EINVAL when it does not
 * fit. */
g6_status g6_iv_history_path(const char *data_dir, const char *index,
                             char *buf, size_t len);

/* Reads the file at `path` into *h (zeroed first; free with
 * g6_iv_history_free in every case). A missing file is an empty history
 * (G6_OK). A line that is not `YYYY-MM-DD` followed by four cells, each
 * empty or a finite number from 0 to 100, or whose date is not after the
 * previous line's, is skipped and counted (the first named in h->why); the
 * header line and blank lines are not counted. G6_ETOOBIG above
 * G6_IV_HISTORY_MAX_BYTES; the errors of g6_read_file otherwise. */
g6_status g6_iv_history_read(const char *path, g6_iv_history *h,
                             g6_error *err);
void g6_iv_history_free(g6_iv_history *h);

/* Adds the close `c` to the file at `path` (its directory is created when
 * missing; the header when the file is): the old bytes, a newline if the
 * last line lacks one, and c's line, written atomically (fsyncs when
 * durable, the entry of each directory it creates too; a temporary file
 * of it a writer killed at least an hour ago left is removed first).
 * G6_EEXIST, writing nothing, when the file already has a line for
 * c->date (kept before a restart); G6_ERANGE, writing nothing, when it
 * has none but a later one (a line dated ahead, by a wrong clock or an
 * edit, blocks every close until its date: an error naming that date, not
 * a silent "kept before"); G6_EINVAL when every value of c is unknown
 * (nothing to keep); the errors of reading and of g6_atomic_write, the
 * file untouched. */
g6_status g6_iv_history_append(const char *path, const g6_iv_close *c,
                               bool durable, g6_error *err);

/* The closes of tag `tag` (0 .. G6_EXPIRY_TAG_COUNT-1) of the last `window`
 * sessions before `before` (a session of that date or later is left out:
 * today is not history), oldest first, NAN where unknown, into out (room
 * for `window`). Returns how many were written. */
size_t g6_iv_history_window(const g6_iv_history *h, int tag, g6_date before,
                            size_t window, double *out);

#endif
