/* g6 — the chain snapshot file: the latest cycle of one index as JSON.
 *
 * Written atomically every cycle to <DataDir>/snapshots/<INDEX>.json for
 * g6_analytics and for replay; `seq` increases by one per written snapshot
 * and continues across restarts. The format is documented in
 * docs/SNAPSHOT.md; unknown values are JSON null, never zeros. */
#ifndef G6_SNAPSHOT_H
#define G6_SNAPSHOT_H

#include "g6/collector.h"
#include "g6/json.h"
#include "g6/status.h"

#include <stdint.h>

#define G6_SNAPSHOT_SCHEMA "g6.chain.snapshot/1"

/* Builds the document for a finished cycle. NULL when out of memory. */
g6_json *g6_snapshot_build(const g6_index_config *ix,
                           const g6_collector_config *cfg,
                           const g6_cycle_result *res, uint64_t seq);

/* Writes <data_dir>/snapshots/<index>.json atomically (creating the
 * directory). */
g6_status g6_snapshot_write(const char *data_dir, const char *index,
                            const g6_json *doc, bool durable, g6_error *err);

/* The seq of the existing snapshot file, 0 when absent or unreadable. */
uint64_t g6_snapshot_last_seq(const char *data_dir, const char *index);

#endif
