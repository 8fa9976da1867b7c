/* collectd sink for the g6 metric runtime: see metrics_sink.h. */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/utils/common/common.h"

#include "metrics_sink.h"

/* One value list per value. vl.time and vl.interval stay 0 so collectd
 * stamps the value and uses the calling read callback's interval. */
static int sink_dispatch(void *ctx, const g6_metrics_vl *v) {
  (void)ctx;
  value_list_t vl = VALUE_LIST_INIT;
  value_t value;
  if (v->is_gauge)
    value.gauge = v->gauge;
  else
    value.derive = v->derive;
  vl.values = &value;
  vl.values_len = 1;
  sstrncpy(vl.plugin, v->plugin, sizeof(vl.plugin));
  sstrncpy(vl.plugin_instance, v->plugin_instance, sizeof(vl.plugin_instance));
  sstrncpy(vl.type, v->type, sizeof(vl.type));
  sstrncpy(vl.type_instance, v->type_instance, sizeof(vl.type_instance));
  return plugin_dispatch_values(&vl);
}

/* The runtime's levels are syslog's, like collectd's LOG_*. */
static void sink_log(void *ctx, int level, const char *msg) {
  (void)ctx;
  plugin_log(level, "%s", msg);
}

g6_metrics *g6_collectd_metrics_new(const char *owner) {
  g6_metrics_sink sink = {.dispatch = sink_dispatch, .log = sink_log};
  return g6_metrics_new(owner, &sink);
}
