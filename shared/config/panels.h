/* g6 — g6_panels' configuration: the <Plugin g6_panels> block as an option
 * table (core/options.h) and the struct it fills. The plugin
 * (plugins/g6_panels.c) calls g6_panels_config_parse from its complex-config
 * callback; `g6 options g6_panels` and the README print the same table. */
#ifndef G6_CONFIG_PANELS_H
#define G6_CONFIG_PANELS_H

#include "core/options.h"
#include "core/status.h"
#include "store/panel_schema.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct g6_panels_config {
  char *panels_dir;          /* owned */
  double flush_interval;     /* seconds */
  double integrity_interval; /* seconds */
  int validate;              /* g6_panel_validation */
  char *key_file;            /* owned; NULL: no signature */
  int64_t max_series;
  double series_ttl; /* seconds; 0: never forget */
  char **extra_plugins; /* owned, NULL-terminated; NULL when not given */
  char *metrics_url, *dashboards_url; /* owned; NULL when not given */
  bool durable;
  bool atomic_set;
  bool parsed; /* a <Plugin g6_panels> block was seen */
} g6_panels_config;

extern const g6_option_table g6_panels_options;

/* Parses the <Plugin g6_panels> block into a zeroed cfg. Returns G6_OK or the
 * first error, its message naming the option, the value and what is allowed
 * (core/options.h); what was parsed stays in cfg for g6_panels_config_free. */
g6_status g6_panels_config_parse(oconfig_item_t *ci, g6_panels_config *cfg,
                                 g6_error *err);

/* Applies the defaults to a zeroed cfg, for a plugin loaded without a
 * <Plugin g6_panels> block. G6_ENOMEM only. */
g6_status g6_panels_config_defaults(g6_panels_config *cfg, g6_error *err);

/* Frees everything cfg owns and zeroes it. Safe on a zeroed struct. */
void g6_panels_config_free(g6_panels_config *cfg);

#endif
