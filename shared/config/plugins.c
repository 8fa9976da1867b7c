/* The registry of g6 plugins and their option tables (config/plugins.h). */
#include "config/plugins.h"

#include "config/analytics.h"
#include "config/chain.h"
#include "config/info.h"
#include "config/panels.h"
#include "config/retention.h"

#include <string.h>

/* Typed wrappers: each plugin's parse and free behind one signature (a call
 * through a cast function pointer would be undefined behaviour). */
#define G6_PLUGIN_CONFIG(name)                                                 \
  static g6_status name##_parse(oconfig_item_t *ci, void *cfg,                 \
                                g6_error *err) {                               \
    return g6_##name##_config_parse(ci, cfg, err);                             \
  }                                                                            \
  static void name##_free(void *cfg) { g6_##name##_config_free(cfg); }
G6_PLUGIN_CONFIG(info)
G6_PLUGIN_CONFIG(chain)
G6_PLUGIN_CONFIG(panels)
G6_PLUGIN_CONFIG(analytics)
G6_PLUGIN_CONFIG(retention)
#define G6_PLUGIN_CONFIG_FNS(name)                                             \
  sizeof(g6_##name##_config), name##_parse, name##_free

const g6_plugin_options g6_plugins[] = {
    {"g6_info", NULL,
     "it reports which g6 build and metric spec this host runs (an option "
     "in its block is refused, and disables g6_info alone)",
     G6_PLUGIN_CONFIG_FNS(info)},
    {"g6_chain", &g6_chain_options,
     "collects option chains into CSV files, snapshots and metrics",
     G6_PLUGIN_CONFIG_FNS(chain)},
    {"g6_panels", &g6_panels_options,
     "writes integrity-checked JSON panels and sweeps them",
     G6_PLUGIN_CONFIG_FNS(panels)},
    {"g6_analytics", &g6_analytics_options,
     "chain analytics from g6_chain's snapshots, as metrics",
     G6_PLUGIN_CONFIG_FNS(analytics)},
    {"g6_retention", &g6_retention_options,
     "scans DataDir (files, bytes, ages by index and kind) and prunes old "
     "files when enabled",
     G6_PLUGIN_CONFIG_FNS(retention)},
};
const size_t g6_plugins_len = sizeof(g6_plugins) / sizeof(g6_plugins[0]);

const g6_plugin_options *g6_plugin_find(const char *plugin) {
  for (size_t i = 0; plugin != NULL && i < g6_plugins_len; i++)
    if (strcmp(g6_plugins[i].plugin, plugin) == 0)
      return &g6_plugins[i];
  return NULL;
}
