/* The collectd side of the metric runtime (metrics/metrics.h): a sink that hands
 * every value to plugin_dispatch_values and every runtime message to
 * plugin_log. Compiled into every g6 plugin (plugins/common/), never into
 * libg6, which stays free of collectd symbols. */
#ifndef G6_PLUGINS_COMMON_METRICS_SINK_H
#define G6_PLUGINS_COMMON_METRICS_SINK_H

#include "metrics/metrics.h"

/* A metric runtime for the plugin `owner` ("g6_chain", ...) dispatching
 * through collectd. NULL when out of memory, owner is not a g6 plugin of
 * the spec, or — under `collectd -T` only — collectd knows none of the
 * owner's types (g6's types.db not loaded: every value would be dropped;
 * the caller fails its init callback, so the check exits 1; a daemon runs
 * on, since the plugins' files do not need the metrics). Free it with
 * g6_metrics_free() in the shutdown callback. Logs one error when collectd
 * does not know some or all of the owner's types (some: a types.db of
 * another g6 version; the plugin runs, and those values are dropped), and
 * one whenever it returns NULL for another reason: the caller adds no line
 * of its own (a second one would read as a second problem). */
__attribute__((visibility("hidden"))) g6_metrics *
g6_collectd_metrics_new(const char *owner);

#endif
