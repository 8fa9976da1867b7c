/* g6 — every g6 plugin's option table, for `g6 options` and for the tests
 * that check the README's configuration reference and feed every option
 * bad values (tests/unit/config/test_config_matrix.c, the option-tree fuzz
 * target). A plugin without options (g6_info) has a NULL table. */
#ifndef G6_CONFIG_PLUGINS_H
#define G6_CONFIG_PLUGINS_H

#include "core/options.h"

#include <stddef.h>

typedef struct g6_plugin_options {
  const char *plugin;            /* "g6_chain" */
  const g6_option_table *table;  /* its <Plugin> block; NULL: no options */
  const char *summary;           /* one line */
  /* What the plugin's complex-config callback does with its block, so a
   * test can drive exactly the plugin's parsing without collectd: `parse`
   * fills a zeroed struct of `config_size` bytes (the plugin's
   * g6_<name>_config_parse: G6_OK or the first error, its message naming
   * the block, the option, the value and what is allowed; a second block of
   * the plugin is refused, config/info.h for one without options); `free`
   * releases what it owns, also after a failed parse. */
  size_t config_size;
  g6_status (*parse)(oconfig_item_t *ci, void *config, g6_error *err);
  void (*free)(void *config);
} g6_plugin_options;

extern const g6_plugin_options g6_plugins[];
extern const size_t g6_plugins_len;

/* The entry of a plugin by name, or NULL. */
const g6_plugin_options *g6_plugin_find(const char *plugin);

#endif
