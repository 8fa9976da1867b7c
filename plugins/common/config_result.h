/* What every g6 plugin's complex-config callback returns once its block is
 * parsed. Compiled into every g6 plugin (plugins/common/). */
#ifndef G6_PLUGINS_COMMON_CONFIG_RESULT_H
#define G6_PLUGINS_COMMON_CONFIG_RESULT_H

#include "core/status.h"

#include <stdbool.h>

/* `st` and `err` are what the plugin's option parser returned
 * (config/<plugin>.h). On a failure the message is logged as an error,
 * "<plugin>: <message> (<plugin> is disabled; the other plugins keep
 * running)", and *disabled is set: the plugin's init then does nothing.
 * Always returns 0: a failing config callback makes collectd exit, which
 * would stop every other plugin of the host for one bad g6 option. */
__attribute__((visibility("hidden"))) int
g6_plugin_config_result(const char *plugin, g6_status st, const g6_error *err,
                        bool *disabled);

/* A configuration found unusable at init (a secret file, a calendar, the
 * data directory): logged as an error with the same suffix as an option
 * refused by the parser, "<plugin>: <message> (<plugin> is disabled; the
 * other plugins keep running)". */
__attribute__((visibility("hidden"), format(printf, 2, 3))) void
g6_plugin_init_config_error(const char *plugin, const char *fmt, ...);

#endif
