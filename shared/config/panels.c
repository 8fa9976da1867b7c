/* g6_panels' option table (see config/panels.h). The help texts are the
 * README's configuration reference: tests/integration/options_readme.t fails
 * when the two disagree. */
#include "config/panels.h"

#include "core/conf.h"
#include "core/url.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define P(member) G6_OPT_FIELD(g6_panels_config, member)

static const char *const validate_values[] = {"off", "warn", "strict", NULL};

#define URL_ALLOWED                                                            \
  "an http:// or https:// URL without a user, password or token"

/* MetricsURL, DashboardsURL: published in the world-readable links panel,
 * so a credential in them is refused (core/url.h), and the value is quoted
 * redacted in every message: the password of a refused URL must not reach
 * the log either. */
static g6_status set_url(const oconfig_item_t *ci, char **field,
                         g6_error *err) {
  char *url = NULL;
  g6_status st = g6_conf_string(ci, false, &url, err);
  if (st != G6_OK)
    return st;
  char found[160], shown[512], where[256];
  const char *problem = g6_url_problem(url, false);
  if (problem == NULL)
    problem = g6_url_credential(url, found, sizeof(found));
  if (problem == NULL) {
    free(*field);
    *field = url;
    return G6_OK;
  }
  g6_url_redact(url, shown, sizeof(shown));
  free(url);
  g6_conf_where(ci, where, sizeof(where));
  bool credential = problem == found;
  return g6_error_set(
      err, G6_EINVAL, "%s%soption %s = \"%s\": %s%s%s; allowed: %s", where,
      where[0] ? ": " : "", ci->key, shown, credential ? "it holds " : "",
      problem,
      credential ? ", which g6_panels would publish in the world-readable "
                   "links panel"
                 : "",
      URL_ALLOWED);
}

static g6_status set_metrics_url(void *target, const oconfig_item_t *ci,
                                 g6_error *err) {
  return set_url(ci, &((g6_panels_config *)target)->metrics_url, err);
}

static g6_status set_dashboards_url(void *target, const oconfig_item_t *ci,
                                    g6_error *err) {
  return set_url(ci, &((g6_panels_config *)target)->dashboards_url, err);
}

/* ExtraPlugin: collectd plugin names, 1-63 of [A-Za-z0-9_-] each. */
static g6_status set_extra(void *target, const oconfig_item_t *ci,
                           g6_error *err) {
  g6_panels_config *cfg = target;
  char **list = NULL;
  size_t n = 0;
  g6_status st = g6_conf_strings(ci, 1, 16, &list, &n, err);
  if (st != G6_OK)
    return st;
  char where[256];
  g6_conf_where(ci, where, sizeof(where));
  for (size_t i = 0; i < n && st == G6_OK; i++) {
    size_t len = strlen(list[i]);
    bool ok = len > 0 && len < 64;
    for (size_t k = 0; ok && k < len; k++)
      ok = isalnum((unsigned char)list[i][k]) || list[i][k] == '_' ||
           list[i][k] == '-';
    if (!ok)
      st = g6_error_set(err, G6_EINVAL,
                        "%s: option ExtraPlugin value \"%s\": not a collectd "
                        "plugin name; allowed: 1-63 letters, digits, '_', '-'",
                        where, list[i]);
  }
  if (st != G6_OK) {
    g6_conf_strings_free(list);
    return st;
  }
  g6_conf_strings_free(cfg->extra_plugins);
  cfg->extra_plugins = list;
  return G6_OK;
}

static const g6_option panels_opts[] = {
    {.name = "PanelsDir", P(panels_dir), .type = G6_OPT_STRING,
     .def = "\"/var/lib/g6/panels\"", .allowed_doc = "path",
     .help = "where the panel files and manifest.json go (a relative path "
             "is under collectd's `BaseDir`; created if "
             "missing, at start-up and by the next flush when it is removed "
             "while collectd runs; checked writable and locked at start-up: "
             "not another "
             "collectd's, nor g6_chain's `DataDir`); it must hold only files "
             "(other programs' files are kept as they are), and with "
             "`AtomicSet true` its parent directory must be writable too "
             "(each new set is built beside it and swapped in)"},
    {.name = "FlushInterval", P(flush_interval), .type = G6_OPT_DOUBLE,
     .min = 0.05, .max = 86400, .unit = "s", .def = "10",
     .help = "how often the panels are rendered and the changed ones "
             "written"},
    {.name = "IntegrityInterval", P(integrity_interval), .type = G6_OPT_DOUBLE,
     .min = 1, .max = 86400, .unit = "s", .def = "300",
     .help = "how often the integrity sweep verifies every file the manifest "
             "lists (and the signature); exported as "
             "`collectd_g6_panels_integrity_interval_seconds`, and "
             "`G6PanelsIntegritySweepStale` fires when no sweep has run for "
             "three of them (at least 30 minutes)"},
    {.name = "Validate", P(validate), .type = G6_OPT_ENUM,
     .values = validate_values, .def = "\"warn\"",
     .help = "check each panel against its documented schema before writing: "
             "`warn` logs and writes, `strict` logs and keeps the previous "
             "file, `off` skips the check"},
    {.name = "KeyFile", P(key_file), .type = G6_OPT_STRING,
     .allowed_doc = "path",
     .help = "HMAC-SHA256 key for manifest.json.sig (the file's content "
             "without surrounding white space); refused when group or other "
             "may read it (`chmod 600`); never logged"},
    {.name = "MaxSeries", P(max_series), .type = G6_OPT_INT, .min = 64,
     .max = 1000000, .def = "16384",
     .help = "series whose latest value is kept (the spec's budgets allow "
             "about 13,700, a histogram counted as its buckets, count and "
             "sum); values of further series are dropped and counted"},
    {.name = "SeriesTTL", P(series_ttl), .type = G6_OPT_DOUBLE, .min = 0,
     .max = 86400, .unit = "s", .def = "600",
     .help = "a series not updated for this long is forgotten (its panel "
             "fields become null); 0 keeps every series"},
    {.name = "ExtraPlugin", .type = G6_OPT_CUSTOM, .set = set_extra,
     .allowed_doc = "1–16 collectd plugin names",
     .help = "also keep the values of these collectd plugins (`load`, "
             "`memory`, ...) and list them in the system panel's `host` map; "
             "by default only g6's series are kept"},
    {.name = "MetricsURL", .type = G6_OPT_CUSTOM, .set = set_metrics_url,
     .allowed_doc = "http(s) URL without credentials",
     .help = "the links panel's `metrics_url` (write_prometheus' /metrics); "
             "null when not given; refused with a user or password (`user:"
             "pass@`; any `@` before the query) or a token parameter "
             "(`?auth_token=`): the panel is world-readable"},
    {.name = "DashboardsURL", .type = G6_OPT_CUSTOM,
     .set = set_dashboards_url,
     .allowed_doc = "http(s) URL without credentials",
     .help = "the links panel's `dashboards_url` (Grafana); null when not "
             "given; refused with credentials, like `MetricsURL`"},
    {.name = "Durable", P(durable), .type = G6_OPT_BOOL, .def = "true",
     .help = "fsync the files and directories of each new set (survives a "
             "power loss, not only a crash)"},
    {.name = "AtomicSet", P(atomic_set), .type = G6_OPT_BOOL, .def = "true",
     .help = "swap each new set in whole (renameat2 RENAME_EXCHANGE); "
             "`false`, or a file system that cannot, replaces the files one "
             "by one, manifest last"},
};

const g6_option_table g6_panels_options = {
    .block = "Plugin",
    .arg = "g6_panels",
    .help = "Panel files, their manifest and the integrity sweep.",
    .options = panels_opts,
    .n = sizeof(panels_opts) / sizeof(panels_opts[0]),
};

g6_status g6_panels_config_parse(oconfig_item_t *ci, g6_panels_config *cfg,
                                 g6_error *err) {
  g6_status st = g6_conf_block_once(ci, &cfg->parsed, err);
  if (st != G6_OK)
    return st;
  g6_conf_link_parents(ci);
  return g6_options_parse(&g6_panels_options, ci, cfg, err);
}

g6_status g6_panels_config_defaults(g6_panels_config *cfg, g6_error *err) {
  return g6_options_defaults(&g6_panels_options, cfg, err);
}

void g6_panels_config_free(g6_panels_config *cfg) {
  g6_conf_strings_free(cfg->extra_plugins);
  cfg->extra_plugins = NULL;
  free(cfg->metrics_url); /* CUSTOM options: not freed by the table */
  free(cfg->dashboards_url);
  g6_options_free(&g6_panels_options, cfg);
  memset(cfg, 0, sizeof(*cfg));
}
