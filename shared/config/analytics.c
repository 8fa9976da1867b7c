/* g6_analytics' option table (see config/analytics.h). The help texts are
 * the README's configuration reference (tests/integration/options_readme.t
 * checks them). */
#include "config/analytics.h"

#include "core/conf.h"
#include "core/fsutil.h"
#include "market/chain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define A(member) G6_OPT_FIELD(g6_analytics_config, member)

static g6_status set_indices(void *target, const oconfig_item_t *ci,
                             g6_error *err) {
  g6_analytics_config *cfg = target;
  char **list = NULL;
  size_t n = 0;
  g6_status st =
      g6_conf_strings(ci, 1, G6_ANALYZER_MAX_INDICES, &list, &n, err);
  if (st != G6_OK)
    return st;
  for (size_t i = 0; i < n && st == G6_OK; i++) {
    if (!g6_index_name_valid(list[i]))
      st = g6_conf_reject(ci, false, G6_EINVAL, "not an index name",
                          "1-31 letters, digits, '_' or '-' (as in "
                          "g6_chain's <Index \"NAME\">)",
                          err);
    /* names that differ only in case name one snapshot file on a
     * case-insensitive file system (as g6_chain refuses them) */
    for (size_t j = 0; j < i && st == G6_OK; j++)
      if (strcasecmp(list[i], list[j]) == 0)
        st = g6_conf_reject(ci, false, G6_EINVAL, "an index is listed twice",
                            "distinct index names, differing in more than "
                            "case",
                            err);
  }
  if (st != G6_OK) {
    g6_conf_strings_free(list);
    return st;
  }
  g6_conf_strings_free(cfg->indices);
  cfg->indices = list;
  cfg->n_indices = n;
  return G6_OK;
}

static g6_status set_groups(void *target, const oconfig_item_t *ci,
                            g6_error *err) {
  g6_analytics_config *cfg = target;
  char allowed[256] = "one or more of: all";
  for (int g = 0; g < G6_AG_COUNT; g++)
    snprintf(allowed + strlen(allowed), sizeof(allowed) - strlen(allowed),
             ", %s", g6_analytics_group_name(g));
  char **list = NULL;
  size_t n = 0;
  g6_status st = g6_conf_strings(ci, 1, 0, &list, &n, err);
  if (st != G6_OK)
    return st;
  unsigned groups = 0;
  for (size_t i = 0; i < n && st == G6_OK; i++) {
    unsigned bit = 0;
    if (strcmp(list[i], "all") == 0)
      bit = G6_AG_ALL;
    for (int g = 0; g < G6_AG_COUNT && bit == 0; g++)
      if (strcmp(list[i], g6_analytics_group_name(g)) == 0)
        bit = 1u << g;
    if (bit == 0) {
      /* name the value at fault: a list of several reads hard otherwise;
       * group names are matched exactly, so a case slip gets a hint */
      const char *near = strcasecmp(list[i], "all") == 0 ? "all" : NULL;
      for (int g = 0; g < G6_AG_COUNT && near == NULL; g++)
        if (strcasecmp(list[i], g6_analytics_group_name(g)) == 0)
          near = g6_analytics_group_name(g);
      char problem[160];
      if (near != NULL)
        snprintf(problem, sizeof(problem),
                 "unknown group \"%.40s\" (group names are lower case: did "
                 "you mean \"%s\"?)",
                 list[i], near);
      else
        snprintf(problem, sizeof(problem), "unknown group \"%.40s\"",
                 list[i]);
      st = g6_conf_reject(ci, false, G6_EINVAL, problem, allowed, err);
    }
    groups |= bit;
  }
  g6_conf_strings_free(list);
  if (st == G6_OK)
    cfg->groups = groups;
  return st;
}

/* g6_chain's DataDir, held to its check: never the root directory, however
 * spelled (core/fsutil.h). */
static const char *check_data_dir(const void *value) {
  const char *s = *(const char *const *)value;
  const char *root = g6_dir_root_problem(s);
  if (root != NULL)
    return root;
  /* one not there yet is g6_chain's to create; a file never becomes the
   * directory (a relative path is collectd's BaseDir's, not known yet) */
  struct stat sb;
  if (s[0] == '/' && stat(s, &sb) == 0 && !S_ISDIR(sb.st_mode))
    return "exists and is not a directory";
  return NULL;
}

static const g6_option analytics_opts[] = {
    {.name = "DataDir",
     A(data_dir),
     .type = G6_OPT_STRING,
     .def = "\"/var/lib/g6\"",
     .check = check_data_dir,
     .allowed_doc = "path of a directory, not `/`",
     .help = "g6_chain's DataDir: the snapshots are read from "
             "`<DataDir>/snapshots/<INDEX>.json` (a relative path is under "
             "collectd's `BaseDir`, as g6_chain's)"},
    {.name = "Index",
     .type = G6_OPT_CUSTOM,
     .set = set_indices,
     .def_doc = "every snapshot found",
     .allowed_doc = "1–16 index names",
     .help = "indices to analyse; by default every "
             "`snapshots/<INDEX>.json`, looked for at every run"},
    {.name = "Interval",
     A(interval),
     .type = G6_OPT_DOUBLE,
     .min = 1,
     .max = 86400,
     .unit = "s",
     .def_doc = "the plugin's",
     .help = "how often the snapshots are looked at (an unchanged snapshot is "
             "not analysed again)"},
    {.name = "Groups",
     .type = G6_OPT_CUSTOM,
     .set = set_groups,
     .def = "\"all\"",
     .allowed_doc = "`all` or any of `pcr`, `max_pain`, "
                    "`support_resistance`, `term_structure`, `skew`, "
                    "`buckets`, `surface`, `greeks`, `parity`, `desk`",
     .help = "metric groups to export; snapshot age, read failures, analysed "
             "snapshots and run time always are"},
    {.name = "PCRStrikeWindow",
     A(pcr_window),
     .type = G6_OPT_DOUBLE,
     .min = 0.001,
     .max = 1,
     .def = "0.05",
     .help = "PCR by OI and volume over strikes within ATM ± this share of "
             "ATM (the old platform's 5 %)"},
    {.name = "MaxPainStrikeWindow",
     A(max_pain_window),
     .type = G6_OPT_DOUBLE,
     .min = 0.001,
     .max = 1,
     .def = "0.1",
     .help = "max pain over strikes within ATM ± this share of ATM (the old "
             "platform's 10 %)"},
    {.name = "ExcludeFlaggedLegs",
     A(exclude_flagged),
     .type = G6_OPT_BOOL,
     .def = "false",
     .help = "leave the legs g6_chain flagged as breaking a no-arbitrage "
             "check (`arb` in the snapshot) out of every analytic; by default "
             "they are only flagged and counted"},
    {.name = "IVRankWindow",
     A(iv_window),
     .type = G6_OPT_INT,
     .min = 2,
     .max = 5000,
     .unit = "sessions",
     .def = "252",
     .help = "IV rank and percentile compare ATM IV with the daily closes "
             "of this many sessions before today "
             "(`<DataDir>/iv_history/<INDEX>.csv`)"},
    {.name = "IVRankMinDays",
     A(iv_min_days),
     .type = G6_OPT_INT,
     .min = 1,
     .max = 5000,
     .unit = "sessions",
     .def = "20",
     .help = "IV rank and percentile are NaN until the window holds this "
             "many known closes; at most IVRankWindow"},
    {.name = "BuildupPriceBand",
     A(buildup_price_band),
     .type = G6_OPT_DOUBLE,
     .min = 0.0001,
     .max = 1,
     .def = "0.005",
     .help = "dead band of the build-up classes: a price change counts when "
             "it exceeds this share of the previous price and one tick "
             "(0.05)"},
    {.name = "BuildupOIBand",
     A(buildup_oi_band),
     .type = G6_OPT_DOUBLE,
     .min = 0.0001,
     .max = 1,
     .def = "0.005",
     .help = "…and an OI change when it exceeds this share of the previous "
             "OI and one lot"},
};

static g6_status analytics_finish(void *target, const oconfig_item_t *ci,
                                  g6_error *err) {
  (void)ci;
  const g6_analytics_config *c = target;
  if (c->iv_min_days > c->iv_window)
    return g6_error_set(err, G6_EINVAL,
                        "Plugin \"g6_analytics\": IVRankMinDays (%d) must not "
                        "exceed IVRankWindow (%d): the window never holds "
                        "more closes",
                        c->iv_min_days, c->iv_window);
  return G6_OK;
}

const g6_option_table g6_analytics_options = {
    .block = "Plugin",
    .arg = "g6_analytics",
    .help = "Chain analytics from g6_chain's snapshots, as metrics.",
    .options = analytics_opts,
    .n = sizeof(analytics_opts) / sizeof(analytics_opts[0]),
    .finish = analytics_finish,
};

g6_status g6_analytics_config_parse(oconfig_item_t *ci,
                                    g6_analytics_config *cfg, g6_error *err) {
  g6_status st = g6_conf_block_once(ci, &cfg->parsed, err);
  if (st != G6_OK)
    return st;
  g6_conf_link_parents(ci);
  return g6_options_parse(&g6_analytics_options, ci, cfg, err);
}

g6_analyzer_config g6_analytics_analyzer_config(const g6_analytics_config *c) {
  g6_analyzer_config a = {
      .data_dir = c->data_dir,
      .indices = (const char *const *)c->indices,
      .n_indices = c->n_indices,
      .groups = c->groups,
      .report = {c->pcr_window, c->max_pain_window},
      .exclude_flagged = c->exclude_flagged,
      .iv_window = (size_t)c->iv_window,
      .iv_min_days = (size_t)c->iv_min_days,
      .buildup_price_band = c->buildup_price_band,
      .buildup_oi_band = c->buildup_oi_band,
      .iv_history_durable = true,
  };
  return a;
}

void g6_analytics_config_free(g6_analytics_config *cfg) {
  g6_conf_strings_free(cfg->indices);
  g6_options_free(&g6_analytics_options, cfg);
  memset(cfg, 0, sizeof(*cfg));
}
