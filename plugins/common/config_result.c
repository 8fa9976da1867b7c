/* A g6 plugin's configuration result: see config_result.h. */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"

#include "config_result.h"

#include <stdarg.h>
#include <stdio.h>

#define DISABLED_SUFFIX "is disabled; the other plugins keep running"

int g6_plugin_config_result(const char *plugin, g6_status st,
                            const g6_error *err, bool *disabled) {
  if (st != G6_OK) {
    ERROR("%s: %s (%s " DISABLED_SUFFIX ")", plugin, err->msg, plugin);
    *disabled = true;
  }
  return 0;
}

void g6_plugin_init_config_error(const char *plugin, const char *fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  ERROR("%s: %s (%s " DISABLED_SUFFIX ")", plugin, msg, plugin);
}
