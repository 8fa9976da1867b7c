/* The registry of g6 plugins and their option tables (config/plugins.h). */
#include "config/plugins.h"

#include "config/analytics.h"
#include "config/chain.h"
#include "config/panels.h"
#include "config/retention.h"

#include <string.h>

const g6_plugin_options g6_plugins[] = {
    {"g6_info", NULL,
     "it reports which g6 build and metric spec this host runs"},
    {"g6_chain", &g6_chain_options,
     "collects option chains into CSV files, snapshots and metrics"},
    {"g6_panels", &g6_panels_options,
     "writes integrity-checked JSON panels and sweeps them"},
    {"g6_analytics", &g6_analytics_options,
     "chain analytics from g6_chain's snapshots, as metrics"},
    {"g6_retention", &g6_retention_options,
     "scans DataDir (files, bytes, ages by index and kind) and prunes old "
     "files when enabled"},
};
const size_t g6_plugins_len = sizeof(g6_plugins) / sizeof(g6_plugins[0]);

const g6_plugin_options *g6_plugin_find(const char *plugin) {
  for (size_t i = 0; plugin != NULL && i < g6_plugins_len; i++)
    if (strcmp(g6_plugins[i].plugin, plugin) == 0)
      return &g6_plugins[i];
  return NULL;
}
