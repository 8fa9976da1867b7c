/* g6 — the chain snapshot file: the latest cycle of one index as JSON.
 *
 * Written atomically every cycle to <DataDir>/snapshots/<INDEX>.json for
 * g6_analytics and for replay; `seq` increases by one per written snapshot
 * and continues across restarts. The format is documented in
 * docs/SNAPSHOT.md; unknown values are JSON null, never zeros. */
#ifndef G6_SNAPSHOT_H
#define G6_SNAPSHOT_H

#include "core/json.h"
#include "core/status.h"
#include "market/chain.h"

#include <stdint.h>

#define G6_SNAPSHOT_SCHEMA "g6.chain.snapshot/1"

/* One index's chain at one cycle instant: what a snapshot file holds.
 * Every pointer is borrowed; legs of expiry e are e.legs[0 .. 2*n_strikes). */
typedef struct g6_snapshot {
  const g6_index_config *ix;  /* name, underlying, segment */
  uint64_t seq;
  int64_t generated_at;       /* cycle instant, epoch seconds */
  int64_t ts;                 /* the same rounded to 30 s (CSV timestamp) */
  bool market_open;
  g6_chain_status status;
  g6_status error;            /* first provider failure, G6_OK if none */
  double spot, atm, step, day_high, day_low; /* NAN when unknown */
  int64_t spot_time;          /* exchange timestamp of the underlying's
                                 quote, Unix seconds; 0 when unknown */
  double vix;                 /* the volatility index; NAN when unknown */
  double r, q;                /* rate and dividend yield used for IV */
  size_t n_strikes;
  const double *strikes;
  size_t n_expiries;
  const g6_expiry_result *expiries;
} g6_snapshot;

/* Appends the document (docs/SNAPSHOT.md), indented, keys in byte order:
 * the bytes g6_json_dump_pretty writes for it. G6_ENOMEM, or G6_EINVAL for
 * a string that is not UTF-8. */
g6_status g6_snapshot_serialize(const g6_snapshot *s, g6_buf *out);

/* Serializes s into `scratch` (reset first; kept by the caller across
 * cycles so it is not reallocated) and writes <data_dir>/snapshots/
 * <index>.json atomically (temporary file, fsync when durable, rename),
 * creating the directory when it is missing. Errors of g6_atomic_write. */
g6_status g6_snapshot_write(const char *data_dir, const g6_snapshot *s,
                            g6_buf *scratch, bool durable, g6_error *err);

/* The seq of the existing snapshot file, 0 when absent or unreadable.
 * Alone it is not where a sequence resumes: a latest file that is gone or
 * unreadable would restart it under the names of kept snapshots (see
 * store/snapshot_history.h g6_snapshot_resume_seq). */
uint64_t g6_snapshot_last_seq(const char *data_dir, const char *index);

/* Removes the temporary files of <data_dir>/snapshots/<index>.json a
 * writer killed mid-write left (core/fsutil.h g6_atomic_remove_stale: only
 * for that index's one writer). Returns how many. */
size_t g6_snapshot_remove_stale(const char *data_dir, const char *index);

/* The seq and generated_at of the existing snapshot file: G6_OK, or the
 * status of the failed read, both then 0: G6_ENOENT absent; G6_EINVAL
 * (not a regular file, or not UTF-8), G6_ETOOBIG, G6_EPARSE (not JSON) or
 * G6_EPROTO (either field missing or not an integer): not a snapshot;
 * G6_EIO, G6_EPERM or G6_ENOMEM: a file that could not be read this time
 * (g6_read_file). */
g6_status g6_snapshot_last_id(const char *data_dir, const char *index,
                              uint64_t *seq, int64_t *generated_at);

#endif
