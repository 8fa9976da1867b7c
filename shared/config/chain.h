/* g6 — g6_chain's configuration: the <Plugin g6_chain> block with its
 * <Provider "kite"> and <Index "NAME"> blocks, as option tables
 * (core/options.h), and the struct they fill.
 *
 * The plugin (plugins/g6_chain.c) only calls g6_chain_config_parse from its
 * complex-config callback; `g6 options g6_chain` and the README's
 * configuration reference print the same tables. */
#ifndef G6_CONFIG_CHAIN_H
#define G6_CONFIG_CHAIN_H

#include "collector/collector.h"
#include "core/options.h"
#include "core/status.h"
#include "market/chain.h"
#include "market/kite.h"

#include <stdbool.h>
#include <stddef.h>

#define G6_CHAIN_MAX_INDICES 16

/* <Provider "kite">: the Kite client's settings. */
typedef struct g6_chain_provider_config {
  bool configured;
  /* owned strings; g6_chain_config_parse points kite's at them */
  char *url, *api_key, *api_key_file, *access_token, *access_token_file;
  double refresh_min_interval; /* seconds between instrument refreshes */
  g6_kite_config kite;
} g6_chain_provider_config;

/* <Index "NAME">. */
typedef struct g6_chain_index_config {
  g6_index_config ix;
  double interval; /* seconds; 0 = the plugin's interval */
  char exchange[16]; /* whose calendar gates it: NSE, BSE, ... */
} g6_chain_index_config;

/* <Plugin g6_chain>. */
typedef struct g6_chain_config {
  bool parsed;         /* a <Plugin g6_chain> block was seen (one allowed) */
  char *data_dir;      /* owned */
  char *holidays_file; /* owned; NULL when not configured */
  char *calendar_dir;  /* owned; NULL when not configured */
  g6_collector_config cc; /* data_dir and calendar are set by the plugin */
  int max_open_csv_files; /* budget of held CSV files (core/fdhold.h) */
  g6_chain_provider_config provider;
  g6_chain_index_config *indices[G6_CHAIN_MAX_INDICES]; /* owned */
  size_t n_indices;
} g6_chain_config;

extern const g6_option_table g6_chain_options;          /* <Plugin g6_chain> */
extern const g6_option_table g6_chain_provider_options; /* <Provider> */
extern const g6_option_table g6_chain_index_options;    /* <Index> */

/* Parses the <Plugin g6_chain> block into a zeroed cfg (links the tree's
 * parent pointers first, so messages name the enclosing blocks). Returns
 * G6_OK, or the first error with a message naming the block path, the
 * option, the value and what is allowed (core/options.h); what was parsed
 * stays in cfg for g6_chain_config_free. A missing <Provider> or <Index>
 * is not an error here (the plugin reports it at init). */
g6_status g6_chain_config_parse(oconfig_item_t *ci, g6_chain_config *cfg,
                                g6_error *err);

/* What a parsed cfg lacks to collect anything: NULL when it has an <Index>
 * and the <Provider "kite"> block, otherwise a message (a static string)
 * naming the missing block and what is allowed, for the plugin's init to
 * log (g6_chain loaded without its block lacks both: the <Index> is named
 * first). Can't fail. */
const char *g6_chain_config_missing(const g6_chain_config *cfg);

/* The calendar file an index gates on: <CalendarDir>/<Exchange>.txt, else
 * HolidaysFile (every index), else NULL (no calendar: weekdays). Writes
 * into buf (len bytes) when it builds a path. */
const char *g6_chain_calendar_path(const g6_chain_config *cfg,
                                   const g6_chain_index_config *ix, char *buf,
                                   size_t len);

/* Loads the calendar of index ix into set (shared by the indices of one
 * exchange): *out and *path_out (the file, owned by set) are NULL when no
 * calendar is configured. A file that cannot be loaded is an error naming
 * the option it came from (CalendarDir or HolidaysFile), its value, the
 * index's exchange and file, the problem, and what is allowed. */
g6_status g6_chain_calendar_load(const g6_chain_config *cfg,
                                 const g6_chain_index_config *ix,
                                 g6_calendar_set *set,
                                 const g6_calendar **out,
                                 const char **path_out, g6_error *err);

/* Frees everything cfg owns and zeroes it. Safe on a zeroed struct. */
void g6_chain_config_free(g6_chain_config *cfg);

#endif
