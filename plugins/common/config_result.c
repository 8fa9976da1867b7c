/* A g6 plugin's configuration result: see config_result.h. */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"

#include "config_result.h"

int g6_plugin_config_result(const char *plugin, g6_status st,
                            const g6_error *err, bool *disabled) {
  if (st != G6_OK) {
    ERROR("%s: %s (%s is disabled; the other plugins keep running)", plugin,
          err->msg, plugin);
    *disabled = true;
  }
  return 0;
}
