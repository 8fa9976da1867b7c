/* g6 — g6_analytics' configuration: the <Plugin g6_analytics> block as an
 * option table (core/options.h) and the struct it fills.
 *
 * The plugin (plugins/g6_analytics.c) calls g6_analytics_config_parse from
 * its complex-config callback; `g6 options g6_analytics` and the README's
 * configuration reference print the same table. */
#ifndef G6_CONFIG_ANALYTICS_H
#define G6_CONFIG_ANALYTICS_H

#include "collector/analyzer.h"
#include "core/options.h"
#include "core/status.h"

#include <stddef.h>

typedef struct g6_analytics_config {
  bool parsed;    /* a <Plugin g6_analytics> block was seen (one allowed) */
  char *data_dir; /* owned */
  char **indices; /* owned, NULL-terminated; NULL: every snapshot found */
  size_t n_indices;
  double interval; /* seconds; 0 = the plugin's interval */
  unsigned groups; /* G6_AG_* */
  double pcr_window, max_pain_window;
  bool exclude_flagged;
  int iv_window, iv_min_days;         /* daily closes: window, least */
  double buildup_price_band, buildup_oi_band; /* shares of the previous */
} g6_analytics_config;

extern const g6_option_table g6_analytics_options;

/* Parses the <Plugin g6_analytics> block into a zeroed cfg. Returns G6_OK or
 * the first error, with a message naming the option, the value and what is
 * allowed (core/options.h); what was parsed stays in cfg for
 * g6_analytics_config_free. */
g6_status g6_analytics_config_parse(oconfig_item_t *ci,
                                    g6_analytics_config *cfg, g6_error *err);

/* The analyzer's configuration from a parsed one (pointers into cfg). */
g6_analyzer_config g6_analytics_analyzer_config(const g6_analytics_config *cfg);

/* Frees everything cfg owns and zeroes it. Safe on a zeroed struct. */
void g6_analytics_config_free(g6_analytics_config *cfg);

#endif
