/* g6_info — which g6 build and which metric spec this host runs.
 *
 * Dispatches, through the generated helpers of spec/metrics.yml:
 *   collectd_g6_build_info{g6="<version>"} = 1
 *   collectd_g6_spec_hash_info{g6_spec="<spec hash>"} = 1
 * plus the metric runtime's self-metrics (collectd_g6_metrics_*{g6_metrics=
 * "g6_info"}), every interval from the first one, so an operator can alert on
 * version or spec skew across hosts. It has no options: an option in its
 * <Plugin g6_info> block, or a second block, is refused with one error and
 * disables g6_info alone (without a config callback collectd would refuse
 * the whole file). */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/utils/common/common.h"

#include "common/config_result.h"
#include "common/lifecycle.h"
#include "common/metrics_sink.h"
#include "config/info.h"
#include "metrics/metrics_gen.h"

#define PLUGIN "g6_info"

static g6_metrics *metrics;
static bool config_failed;
static g6_info_config conf;

static int g6_info_configure(oconfig_item_t *ci) {
  g6_error e;
  g6_status st = g6_info_config_parse(ci, &conf, &e);
  return g6_plugin_config_result(PLUGIN, st, &e, &config_failed);
}

static int g6_info_read(user_data_t *ud);

static int setup(void) {
  metrics = g6_collectd_metrics_new("g6_info");
  if (metrics == NULL)
    return -1; /* logged */
  static const char *const version[] = {G6_VERSION};
  static const char *const spec_hash[] = {G6M_SPEC_HASH};
  g6_status rc = g6m_warm_g6_info(metrics, version, 1, spec_hash, 1);
  if (rc == G6_OK)
    rc = g6m_build_info_set(metrics, G6_VERSION, 1.0);
  if (rc == G6_OK)
    rc = g6m_spec_hash_info_set(metrics, G6M_SPEC_HASH, 1.0);
  if (rc != G6_OK) {
    ERROR(PLUGIN " plugin: cannot register the build info metrics: %s",
          g6_strerror(rc));
    g6_metrics_free(metrics);
    metrics = NULL;
    return -1;
  }
  if (g6_plugin_register_read(PLUGIN, PLUGIN, g6_info_read, 0) != 0) {
    ERROR(PLUGIN " plugin: cannot register the read callback");
    g6_metrics_free(metrics);
    metrics = NULL;
    return -1;
  }
  return 0;
}

static int g6_info_init(void) {
  if (metrics != NULL)
    return 0;
  if (config_failed) /* logged by the config callback; -T exits 1 */
    return g6_plugin_init_failed(PLUGIN);
  return setup() == 0 ? 0 : g6_plugin_init_failed(PLUGIN);
}

static int g6_info_read(user_data_t *ud) {
  (void)ud;
  /* failed dispatches are counted and logged by the runtime */
  g6_metrics_flush(metrics);
  return 0;
}

static int g6_info_shutdown(void) {
  g6_metrics_free(metrics);
  metrics = NULL;
  return 0;
}

void module_register(void) {
  plugin_register_complex_config(PLUGIN, g6_info_configure);
  plugin_register_init(PLUGIN, g6_info_init);
  plugin_register_shutdown(PLUGIN, g6_info_shutdown);
}
