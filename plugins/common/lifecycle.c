/* A g6 plugin's life cycle in collectd: see lifecycle.h. */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/configfile.h"
#include "collectd/core/daemon/plugin.h"

#include "lifecycle.h"

#include <stdatomic.h>
#include <stdlib.h>

/* read callbacks registered (g6_chain registers one from a read thread) */
static atomic_int n_reads;

int g6_plugin_register_read(const char *plugin, const char *name,
                            plugin_read_cb callback, cdtime_t interval) {
  user_data_t ud = {.data = NULL};
  int rc = plugin_register_complex_read(plugin, name, callback, interval, &ud);
  if (rc == 0)
    atomic_fetch_add(&n_reads, 1);
  return rc;
}

static int stand_in(user_data_t *ud) {
  (void)ud;
  return 0;
}

int g6_plugin_init_failed(const char *plugin) {
  if (atomic_exchange(&n_reads, 0) > 0)
    plugin_unregister_read_group(plugin);
  user_data_t ud = {.data = NULL};
  plugin_register_complex_read(plugin, plugin, stand_in, 0, &ud);
  return -1;
}

bool g6_plugin_read_test(void) {
  const char *threads = global_option_get("ReadThreads");
  return threads != NULL && atoi(threads) == -1;
}
