/* g6 — g6_retention's configuration: the <Plugin g6_retention> block as an
 * option table (core/options.h) and the struct it fills.
 *
 * The plugin (plugins/g6_retention.c) only calls g6_retention_config_parse
 * from its complex-config callback; `g6 options g6_retention` and the
 * README's configuration reference print the same table. */
#ifndef G6_CONFIG_RETENTION_H
#define G6_CONFIG_RETENTION_H

#include "core/options.h"
#include "core/status.h"
#include "store/retention.h"

/* <Plugin g6_retention>. */
typedef struct g6_retention_config {
  bool parsed;      /* a <Plugin g6_retention> block was seen (one allowed) */
  char *data_dir;   /* owned; absolute */
  char *panels_dir; /* owned; absolute; NULL: <DataDir>/panels */
  double scan_interval; /* seconds between scans (and sweeps) */
  g6_retention_policy policy;
} g6_retention_config;

extern const g6_option_table g6_retention_options; /* <Plugin g6_retention> */

/* Parses the <Plugin g6_retention> block into a zeroed cfg. Returns G6_OK,
 * or the first error with a message naming the block, the option, the value
 * and what is allowed (core/options.h); what was parsed stays in cfg for
 * g6_retention_config_free. OverviewMaxAgeDays and SnapshotMaxAgeDays take
 * MaxAgeDays' value unless given. Neither directory may be the root
 * directory and PanelsDir may not be DataDir, however spelled: paths that
 * exist are compared on the file system (device and inode: "/tmp/..", a
 * symbolic link to "/", "<DataDir>/."). */
g6_status g6_retention_config_parse(oconfig_item_t *ci,
                                    g6_retention_config *cfg, g6_error *err);

/* Frees everything cfg owns and zeroes it. Safe on a zeroed struct. */
void g6_retention_config_free(g6_retention_config *cfg);

#endif
