/* g6_info — build information of the installed g6 as a metric.
 *
 * Dispatches collectd_g6_build_info{g6="<version>"} = 1 every interval, so an
 * operator can see which g6 build every host runs and alert on skew. It has
 * no options. */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/utils/common/common.h"

static int g6_info_read(void) {
  value_list_t vl = VALUE_LIST_INIT;
  value_t v = {.gauge = 1.0};
  vl.values = &v;
  vl.values_len = 1;
  sstrncpy(vl.plugin, "g6", sizeof(vl.plugin));
  sstrncpy(vl.plugin_instance, G6_VERSION, sizeof(vl.plugin_instance));
  sstrncpy(vl.type, "build_info", sizeof(vl.type));
  return plugin_dispatch_values(&vl);
}

void module_register(void) { plugin_register_read("g6_info", g6_info_read); }
