/* g6 — g6_info's configuration: a <Plugin g6_info> block takes no options,
 * and like every g6 plugin's block it may be given once.
 *
 * The plugin (plugins/g6_info.c) calls g6_info_config_parse from its
 * complex-config callback; the registry (config/plugins.h) lets the tests
 * drive it like the other plugins' parsers. */
#ifndef G6_CONFIG_INFO_H
#define G6_CONFIG_INFO_H

#include "core/conf.h"
#include "core/status.h"

#include <stdbool.h>

typedef struct g6_info_config {
  bool parsed; /* a <Plugin g6_info> block was seen (one allowed) */
} g6_info_config;

/* One <Plugin g6_info> block into cfg (zeroed before the first): G6_OK for
 * the first block when it is empty; G6_EINVAL for an option in it
 * (g6_conf_no_options) or for a second block (g6_conf_block_once), the
 * message naming the block. */
g6_status g6_info_config_parse(oconfig_item_t *ci, g6_info_config *cfg,
                               g6_error *err);

/* Nothing to release; for the registry's symmetry. */
void g6_info_config_free(g6_info_config *cfg);

#endif
