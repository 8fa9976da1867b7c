/* g6_panels' option table (config/panels.h): a realistic block, the
 * defaults of a plugin loaded without one, and the messages of bad values. */
#include "g6_test.h"

#include "config/panels.h"
#include "config/plugins.h"
#include "conftext.h"

static g6_status parse(const char *text, g6_panels_config *cfg, g6_error *e) {
  oconfig_item_t *ci = conftext_parse("Plugin", "g6_panels", text);
  assert_non_null(ci);
  memset(cfg, 0, sizeof(*cfg));
  g6_status st = g6_panels_config_parse(ci, cfg, e);
  conftext_free(ci);
  return st;
}

static void full_block(void **state) {
  (void)state;
  g6_panels_config c;
  g6_error e;
  assert_int_equal(parse("PanelsDir \"/srv/panels\"\n"
                         "FlushInterval 2.5\n"
                         "IntegrityInterval 60\n"
                         "Validate \"strict\"\n"
                         "KeyFile \"/etc/g6/panels.key\"\n"
                         "MaxSeries 5000\n"
                         "ExtraPlugin \"load\" \"memory\"\n"
                         "MetricsURL \"http://127.0.0.1:9103/metrics\"\n"
                         "DashboardsURL \"https://grafana.example/d/g6?"
                         "orgId=1&var-index=NIFTY&refresh=30s\"\n"
                         "Durable false\n",
                         &c, &e),
                   G6_OK);
  assert_string_equal(c.panels_dir, "/srv/panels");
  assert_close(c.flush_interval, 2.5, 0);
  assert_close(c.integrity_interval, 60, 0);
  assert_int_equal(c.validate, G6_VALIDATE_STRICT);
  assert_string_equal(c.key_file, "/etc/g6/panels.key");
  assert_int_equal(c.max_series, 5000);
  assert_close(c.series_ttl, 600, 0);
  assert_string_equal(c.extra_plugins[0], "load");
  assert_string_equal(c.extra_plugins[1], "memory");
  assert_null(c.extra_plugins[2]);
  assert_string_equal(c.metrics_url, "http://127.0.0.1:9103/metrics");
  assert_string_equal(c.dashboards_url, "https://grafana.example/d/g6?"
                                        "orgId=1&var-index=NIFTY&refresh=30s");
  assert_false(c.durable);
  assert_true(c.atomic_set);
  g6_panels_config_free(&c);
}

static void defaults_without_a_block(void **state) {
  (void)state;
  g6_panels_config c;
  memset(&c, 0, sizeof(c));
  g6_error e;
  assert_int_equal(g6_panels_config_defaults(&c, &e), G6_OK);
  assert_string_equal(c.panels_dir, "/var/lib/g6/panels");
  assert_close(c.flush_interval, 10, 0);
  assert_close(c.integrity_interval, 300, 0);
  assert_int_equal(c.validate, G6_VALIDATE_WARN);
  assert_null(c.key_file);
  assert_int_equal(c.max_series, 16384);
  assert_true(c.durable && c.atomic_set);
  g6_panels_config_free(&c);
  assert_non_null(g6_plugin_find("g6_panels"));
}

/* `Validate off` as an operator writes it: collectd hands over the boolean
 * false, which is the allowed "off" (it was refused as "expected a single
 * string; allowed: off, warn, strict") */
static void validate_off_unquoted(void **state) {
  (void)state;
  g6_panels_config c;
  g6_error e;
  assert_int_equal(parse("Validate warn\nValidate off\n", &c, &e), G6_OK);
  assert_int_equal(c.validate, G6_VALIDATE_OFF);
  g6_panels_config_free(&c);
}

static void bad_values(void **state) {
  (void)state;
  static const struct {
    const char *text, *want;
  } v[] = {
      {"FlushInterval 0",
       "Plugin \"g6_panels\": option FlushInterval = 0: out of range; allowed: "
       "a number from 0.05 to 86400"},
      /* collectd reads an unquoted true as a boolean */
      {"Validate true",
       "option Validate = true: a boolean (collectd reads an unquoted on, off, "
       "yes, no, true or false as one); allowed: off, warn, strict"},
      {"Validate \"loud\"",
       "option Validate = \"loud\": unknown value; allowed: off, warn, strict"},
      {"MaxSeries 10", "option MaxSeries = 10: out of range"},
      {"ExtraPlugin \"cpu/0\"",
       "option ExtraPlugin value \"cpu/0\": not a collectd plugin name"},
      {"ExtraPlugin", "option ExtraPlugin = (nothing): wrong number of values"},
      {"MetricsURL \"ftp://x\"",
       "option MetricsURL = \"ftp://x\": expected an http:// or https:// URL"},
      /* a link to nowhere in the links panel */
      {"MetricsURL \"http://\"",
       "option MetricsURL = \"http://\": no host after the scheme; allowed:"},
      {"DashboardsURL \"http://grafana :3000/\"",
       "option DashboardsURL = \"http://grafana :3000/\": white space"},
      /* a credential would be published in the world-readable links panel;
       * the message quotes the URL with the secret hidden */
      {"MetricsURL \"http://admin:hunter2@127.0.0.1:9103/metrics\"",
       "Plugin \"g6_panels\": option MetricsURL = "
       "\"http://***@127.0.0.1:9103/metrics\": it holds a user name or "
       "password before '@', which g6_panels would publish in the "
       "world-readable links panel; allowed: an http:// or https:// URL "
       "without a user, password or token"},
      {"DashboardsURL \"https://grafana.example/d/x?auth_token=SECRETTOKEN\"",
       "option DashboardsURL = \"https://grafana.example/d/x?auth_token=***\": "
       "it holds the parameter \"auth_token\", which g6_panels would publish"},
      {"DashboardsURL \"htps://admin:hunter2@grafana.example/\"",
       "option DashboardsURL = \"htps://***@grafana.example/\": expected an "
       "http:// or https:// URL"},
      {"DashboardsURL 5", "option DashboardsURL = 5: expected a single string"},
      {"PanelsDir \"\"", "option PanelsDir = \"\": empty string"},
      {"Panels \"all\"", "unknown option Panels"},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    g6_panels_config c;
    g6_error e;
    g6_status st = parse(v[i].text, &c, &e);
    if (st == G6_OK || strstr(e.msg, v[i].want) == NULL)
      fail_msg("%s: got %s \"%s\", want \"%s\"", v[i].text,
               g6_status_name(st), st == G6_OK ? "" : e.msg, v[i].want);
    if (strstr(e.msg, "hunter2") != NULL || strstr(e.msg, "SECRET") != NULL)
      fail_msg("%s: the secret is in the message: %s", v[i].text, e.msg);
    g6_panels_config_free(&c);
  }
  /* twice */
  g6_panels_config c;
  g6_error e;
  assert_int_equal(parse("", &c, &e), G6_OK);
  oconfig_item_t *ci = conftext_parse("Plugin", "g6_panels", "");
  assert_int_equal(g6_panels_config_parse(ci, &c, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "given twice"));
  conftext_free(ci);
  g6_panels_config_free(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(full_block),
      cmocka_unit_test(defaults_without_a_block),
      cmocka_unit_test(bad_values),
      cmocka_unit_test(validate_off_unquoted),
  };
  return G6_RUN_TESTS(tests);
}
