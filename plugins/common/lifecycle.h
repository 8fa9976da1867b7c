/* A g6 plugin's life cycle in collectd 5.12: its read callbacks, a failed
 * init, and `collectd -T`. Compiled into every g6 plugin (plugins/common/);
 * each plugin has its own copy of the state below. */
#ifndef G6_PLUGINS_COMMON_LIFECYCLE_H
#define G6_PLUGINS_COMMON_LIFECYCLE_H

#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"

#include <stdbool.h>

/* Registers the read callback `name` in the read group `plugin` (interval
 * 0: the plugin's), counted for g6_plugin_init_failed. Every read callback
 * of a g6 plugin goes through here. Returns plugin_register_complex_read's
 * result. */
__attribute__((visibility("hidden"))) int
g6_plugin_register_read(const char *plugin, const char *name,
                        plugin_read_cb callback, cdtime_t interval);

/* What a g6 plugin's init returns when it fails, after logging why (one
 * line): -1, so collectd reports the failed init and `collectd -T` exits
 * 1. Removes the read callbacks registered through g6_plugin_register_read
 * (the group, only when there is one: unregistering a group that does not
 * exist logs a warning) and leaves a read callback that does nothing named
 * exactly like the plugin. collectd answers a failed init with
 * plugin_unregister_read("<plugin>"), which logs "No such read function:
 * <plugin>" when there is none: a second line under the plugin's own for
 * every plugin whose callbacks have other names or are not registered yet.
 * The stand-in is what collectd removes; it never runs in the daemon (the
 * read threads start after every init), and under `collectd -T`, which
 * also calls callbacks marked for removal once, it returns at once. */
__attribute__((visibility("hidden"))) int
g6_plugin_init_failed(const char *plugin);

/* Whether collectd runs as `collectd -T` ("test plugin read and exit"):
 * every init, one call of every read callback on the main thread, then
 * shutdown. collectd sets the global option ReadThreads to -1 for it (no
 * read threads), which a configuration cannot override; a daemon
 * configured with `ReadThreads -1` would never read either. A g6 plugin
 * checks its configuration then and starts no work that changes files. */
__attribute__((visibility("hidden"))) bool g6_plugin_read_test(void);

#endif
