/* collectd sink for the g6 metric runtime: see metrics_sink.h. */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/utils/common/common.h"

#include "lifecycle.h"
#include "metrics_sink.h"
#include "core/thread.h"
#include "metrics/metrics_gen.h"

#include <string.h>

/* One value list per value. vl.time and vl.interval stay 0 so collectd
 * stamps the value and uses the calling read callback's interval. */
static int sink_dispatch(void *ctx, const g6_metrics_vl *v) {
  (void)ctx;
  g6_thread_checkpoint(); /* a thread of g6's left at a stop: no dispatch */
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
  g6_thread_checkpoint(); /* nor a log line */
  plugin_log(level, "%s", msg);
}

/* The types of the owner's metrics collectd does not know (g6's types.db
 * not listed): collectd drops their every value with an info line per
 * value, and no g6 alert can fire. Said once, as an error. Returns false
 * when collectd knows none of them under `collectd -T`, so the
 * configuration check fails (its init fails, -T exits 1). A daemon keeps
 * the plugin running: g6_chain's CSV files and snapshots, g6_analytics' IV
 * history and g6_retention's pruning do not need the metrics, and stopping
 * them over an export setting would lose market data. Some missing (a
 * types.db of another g6 version) stays an error line: the rest of the
 * values flow. */
static bool check_types(const char *owner) {
  size_t missing = 0, total = 0;
  const char *first = NULL;
  for (size_t i = 0; i < g6m_catalog_len; i++) {
    const g6_metric_def *d = g6m_catalog[i];
    if (strcmp(d->owner, owner) != 0 && strcmp(d->owner, "*") != 0)
      continue;
    /* a histogram dispatches its buckets, count and sum */
    const char *types[3] = {d->type, NULL, NULL};
    if (d->kind == G6_METRIC_HISTOGRAM) {
      types[0] = d->type_bucket;
      types[1] = d->type_count;
      types[2] = d->type_sum;
    }
    for (int k = 0; k < 3 && types[k] != NULL; k++) {
      total++;
      if (plugin_get_ds(types[k]) == NULL && missing++ == 0)
        first = types[k];
    }
  }
  if (missing > 0)
    ERROR("%s: collectd does not know %zu of its %zu types (\"%s\" first): "
          "g6's types.db is not loaded; list it after the stock one, "
          "TypesDB \"/usr/share/collectd/types.db\" "
          "\"/usr/share/g6/types.db\" (make install: PREFIX/share/g6): "
          "without it collectd drops every value of the plugin%s",
          owner, missing, total, first,
          missing < total ? "; a types.db of another g6 version? the "
                            "values of the other types are kept"
          : g6_plugin_read_test()
              ? "; the configuration check fails (the plugin's init fails)"
              : "; the plugin runs on, exporting nothing (its files are "
                "still written)");
  return total == 0 || missing < total || !g6_plugin_read_test();
}

g6_metrics *g6_collectd_metrics_new(const char *owner) {
  g6_metrics_sink sink = {.dispatch = sink_dispatch, .log = sink_log};
  if (!check_types(owner))
    return NULL; /* said by check_types */
  g6_metrics *m = g6_metrics_new(owner, &sink);
  if (m == NULL)
    ERROR("%s: cannot create the metric runtime (out of memory, or not a "
          "plugin of g6's metric spec)",
          owner);
  return m;
}
