/* g6 rrdgraph — librrd (Debian's librrd8): rendering a built graph, and
 * each RRD file's step against the interval collectd dispatches at.
 *
 * collectd's rrdtool plugin creates a file once, with a step of the
 * interval the first value arrived at (or its StepSize) and a heartbeat of
 * twice that (or its HeartBeat), and never changes them. When the plugin's
 * interval is raised later, every update arrives farther apart than the
 * step; beyond the heartbeat rrdtool stores unknowns, with no log line
 * anywhere (README, "RRD files after an interval change"). */
#ifndef G6_RRDGRAPH_RENDER_H
#define G6_RRDGRAPH_RENDER_H

#include "core/status.h"
#include "rrdgraph/rrd_graphs.h"

#include <time.h>

/* librrd's reads take a read lock that does not wait and fail at once
 * while collectd's rrdtool plugin holds a file's write lock for an update
 * (a few milliseconds, every interval). Each read below tries again for up
 * to this long, in milliseconds, before it reports that cause (rrdtool
 * 1.7's rrd_open.c, RRD_LOCK; seen: on a busy host with 2,000 files, 2 of
 * 12 `g6 rrdgraph` runs met such a lock). */
#define G6_RRD_LOCK_WAIT_MS 2000u

/* Renders `b` into its PNG (written under a temporary name in the same
 * directory and renamed, so a reader never sees part of a file) and fills
 * last[0 .. b->n_lines-1] with each line's last value (NaN when unknown).
 * G6_EIO with rrdtool's message in `err` (a file rrdtool cannot read, one
 * still locked after G6_RRD_LOCK_WAIT_MS, an unwritable output
 * directory). */
g6_status g6_rg_render(g6_rg_built *b, double *last, g6_error *err);

/* The step and the "value" data source's heartbeat of an RRD file, in
 * seconds. G6_EIO with rrdtool's message when it cannot be read (or is
 * still locked after G6_RRD_LOCK_WAIT_MS). */
g6_status g6_rrd_step(const char *path, unsigned long *step,
                      unsigned long *heartbeat, g6_error *err);

/* Resolves rrdtool time specifications ("end-1h", "now", an epoch) into
 * the window [*t0, *t1]. G6_EINVAL with rrdtool's message when one is not a
 * time. */
g6_status g6_rrd_window(const char *start, const char *end, time_t *t0,
                        time_t *t1, g6_error *err);

/* What the AVERAGE rows of `path` between t0 and t1 hold (rrd_scan.h,
 * g6_rrd_data). G6_EIO with rrdtool's message when it cannot be read (or
 * is still locked after G6_RRD_LOCK_WAIT_MS). */
g6_status g6_rrd_window_data(const char *path, time_t t0, time_t t1,
                             g6_rrd_data *out, g6_error *err);

typedef enum g6_step_check {
  G6_STEP_OK,      /* the step is the interval */
  G6_STEP_LOST,    /* interval > heartbeat: only unknowns are stored */
  G6_STEP_COARSER, /* interval > step (within the heartbeat): rows are
                      filled by interpolation, at the old resolution */
  G6_STEP_FINER,   /* interval < step: updates are averaged per step */
} g6_step_check;

/* What happens to values dispatched every `interval` seconds into a file of
 * `step` and `heartbeat` (rrdtool's rules). */
g6_step_check g6_step_classify(unsigned long step, unsigned long heartbeat,
                               double interval);

#endif
