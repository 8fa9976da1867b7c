/* g6 — end-of-day weekday overlays: for every per-strike series of a day's
 * CSV files, a running mean and EMA per time of day, kept per weekday.
 *
 * The old platform's scripts/weekday_overlay.py (reference §10.3), same
 * layout, columns and numbers:
 *
 *   in   <DataDir>/<INDEX>/<TAG>/<OFFSET>/<YYYY-MM-DD>.csv  (store/csv_sink.h)
 *   out  <OutDir>/<INDEX>/<TAG>/<OFFSET>/<WEEKDAY>.csv       (MONDAY ...
 * FRIDAY; SATURDAY and SUNDAY for a special session on a weekend, such as
 * a Budget-day or Muhurat session)
 *
 *   timestamp,tp_mean,tp_ema,avg_tp_mean,avg_tp_ema,<m>_mean...,<m>_ema...,
 *   counter,index,expiry_tag,offset
 *
 * with <m> = ce_vol pe_vol ce_oi pe_oi ce_iv pe_iv ce_delta pe_delta
 * ce_theta pe_theta ce_vega pe_vega ce_gamma pe_gamma ce_rho pe_rho, one row
 * per time of day (HH:MM:SS) within the session (09:15:00-15:30:00,
 * inclusive), values with 6 decimals. For each time of day the day's value
 * x is the mean of that day's rows at that time; then
 *   counter += 1;  mean += (x - mean) / n;  ema = alpha x + (1 - alpha) ema
 * where the first observation sets both mean and ema (tp = ce + pe, avg_tp =
 * avg_ce + avg_pe).
 *
 * Fixed on purpose: a value the CSV marks as not collected or not available
 * (a side whose price is 0, an IV or Greek of 0.0; store/csv_read.h) is not
 * an observation: it is never averaged in as 0, each column counts its own
 * observations (n above), a column never observed is an empty cell, and tp
 * needs both sides. Re-running a day is idempotent: each master keeps a
 * state file (.<WEEKDAY>.state: full-precision means, EMAs, counts and the
 * dates applied) and the state before the last day applied
 * (.<WEEKDAY>.before), so the same day run again — also after more rows
 * arrived — replaces its own contribution instead of adding it twice. A day
 * applied earlier than the last one is not applied again. Masters the old
 * platform wrote (no state file) are taken over: their values, with
 * `counter` observations in every non-empty column. Apply days in date
 * order: the EMA is order-dependent. */
#ifndef G6_OVERLAY_H
#define G6_OVERLAY_H

#include "core/ist.h"
#include "core/status.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct g6_overlay_opts {
  double alpha;  /* EMA weight of the new day, 0 < alpha <= 1 (0.5) */
  int open_sod;  /* first time of day kept, seconds (09:15:00) */
  int close_sod; /* last time of day kept, inclusive (15:30:00) */
  bool durable;  /* fsync the files written */
} g6_overlay_opts;

#define G6_OVERLAY_OPTS_DEFAULT                                                \
  { 0.5, 9 * 3600 + 15 * 60, 15 * 3600 + 30 * 60, true }

typedef struct g6_overlay_stats {
  size_t files;    /* day files read */
  size_t rows;     /* their rows within the session */
  size_t updated;  /* masters written (first time or again) */
  size_t replaced; /* of those, the day replaced its earlier contribution */
  size_t skipped;  /* masters where this day was applied before the last */
  size_t times;    /* times of day updated, over every master */
  size_t torn;     /* day files that ended in an incomplete line (its row
                      left out: a crash or a partial copy) */
  char torn_first[4096]; /* the first of them */
  size_t empty;          /* day files without a data row (empty, the header
                            alone, or a cut line alone): not folded, not
                            among `files` */
  char empty_first[4096]; /* the first of them */
} g6_overlay_stats;

/* Applies the day `date` of `index` from data_dir to the masters under
 * out_dir, creating directories. G6_EINVAL for a bad alpha or window;
 * G6_ENOENT when the index has no file of that day; a symbolic link among
 * the index's tag and offset directories or at a day's file (never
 * followed: g6_chain never writes through one), a directory outside g6's
 * layout, or a path longer than PATH_MAX is G6_EINVAL naming it; a file
 * that cannot be read or parsed (or holds rows of another day or index),
 * or a master or state that cannot be read, stops with its status and a
 * message naming the path.
 *
 * All or nothing for the index and day: every file of the day is read
 * and checked, and every master's new state worked out in memory (two
 * states per master: a few hundred KB each), before the first master is
 * written, so any of the failures above leaves every master as it was.
 * Only a failure to write (disk full, permissions) can stop the writes
 * part way: each master is replaced atomically, state first, so each
 * stays consistent, the message says how many were updated, and running
 * the same day again completes the day (it replaces its own
 * contribution). A day file without a data row is left out (counted in
 * st->empty, not in st->files). The stats are accumulated into *st only
 * when the index succeeds. */
g6_status g6_overlay_update(const char *data_dir, const char *out_dir,
                            const char *index, g6_date date,
                            const g6_overlay_opts *opts, g6_overlay_stats *st,
                            g6_error *err);

/* "MONDAY" ... "SUNDAY" for a date. */
const char *g6_overlay_weekday(g6_date date);

#endif
