/* g6 — every g6 plugin's option table, for `g6 options` and for the tests
 * that check the README's configuration reference and feed every option
 * bad values. A plugin without options (g6_info) has a NULL table. */
#ifndef G6_CONFIG_PLUGINS_H
#define G6_CONFIG_PLUGINS_H

#include "core/options.h"

typedef struct g6_plugin_options {
  const char *plugin;            /* "g6_chain" */
  const g6_option_table *table;  /* its <Plugin> block; NULL: no options */
  const char *summary;           /* one line */
} g6_plugin_options;

extern const g6_plugin_options g6_plugins[];
extern const size_t g6_plugins_len;

/* The entry of a plugin by name, or NULL. */
const g6_plugin_options *g6_plugin_find(const char *plugin);

#endif
