/* g6_analytics' option table (config/analytics.h): a full block, the
 * defaults, and the message of every kind of bad value. */
#include "g6_test.h"

#include "config/analytics.h"
#include "config/plugins.h"
#include "conftext.h"

static g6_status parse(const char *text, g6_analytics_config *cfg,
                       g6_error *e) {
  oconfig_item_t *ci = conftext_parse("Plugin", "g6_analytics", text);
  assert_non_null(ci);
  memset(cfg, 0, sizeof(*cfg));
  g6_status st = g6_analytics_config_parse(ci, cfg, e);
  conftext_free(ci);
  return st;
}

static void full_block_and_defaults(void **state) {
  (void)state;
  g6_analytics_config c;
  g6_error e;
  assert_int_equal(parse("DataDir \"/srv/g6\"\n"
                         "Index \"NIFTY\" \"SENSEX\"\n"
                         "Interval 15\n"
                         "Groups \"pcr\" \"surface\" \"greeks\"\n"
                         "PCRStrikeWindow 0.03\n"
                         "MaxPainStrikeWindow 0.2\n"
                         "IVRankWindow 100\n"
                         "IVRankMinDays 100\n"
                         "BuildupPriceBand 0.01\n"
                         "BuildupOIBand 0.02\n",
                         &c, &e),
                   G6_OK);
  assert_string_equal(c.data_dir, "/srv/g6");
  assert_int_equal(c.n_indices, 2);
  assert_string_equal(c.indices[1], "SENSEX");
  assert_null(c.indices[2]);
  assert_close(c.interval, 15, 0);
  assert_int_equal(c.groups, G6_AG_PCR | G6_AG_SURFACE | G6_AG_GREEKS);
  g6_analyzer_config a = g6_analytics_analyzer_config(&c);
  assert_string_equal(a.data_dir, "/srv/g6");
  assert_int_equal(a.n_indices, 2);
  assert_close(a.report.pcr_window, 0.03, 0);
  assert_close(a.report.max_pain_window, 0.2, 0);
  assert_int_equal(a.iv_window, 100);
  assert_int_equal(a.iv_min_days, 100);
  assert_close(a.buildup_price_band, 0.01, 0);
  assert_close(a.buildup_oi_band, 0.02, 0);
  assert_true(a.iv_history_durable);
  g6_analytics_config_free(&c);
  assert_null(c.data_dir);
  /* an empty block: every default */
  assert_int_equal(parse("", &c, &e), G6_OK);
  assert_string_equal(c.data_dir, "/var/lib/g6");
  assert_null(c.indices);
  assert_close(c.interval, 0, 0);
  assert_int_equal(c.groups, G6_AG_ALL);
  assert_close(c.pcr_window, 0.05, 0);
  assert_close(c.max_pain_window, 0.1, 0);
  assert_int_equal(c.iv_window, 252);
  assert_int_equal(c.iv_min_days, 20);
  assert_close(c.buildup_price_band, 0.005, 0);
  assert_close(c.buildup_oi_band, 0.005, 0);
  g6_analytics_config_free(&c);
  /* registered for g6 options and the README */
  const g6_plugin_options *p = g6_plugin_find("g6_analytics");
  assert_non_null(p);
  assert_ptr_equal(p->table, &g6_analytics_options);
}

static void bad_values(void **state) {
  (void)state;
  static const struct {
    const char *text, *msg;
  } v[] = {
      {"Index \"NIF TY\"",
       "Plugin \"g6_analytics\": option Index = \"NIF TY\": not an index name; "
       "allowed: 1-31 letters"},
      {"Index \"NIFTY\" \"NIFTY\"", "an index is listed twice"},
      {"Index \"NIFTY\" \"Nifty\"", "an index is listed twice"},
      {"Index",
       "option Index = (nothing): wrong number of values; allowed: 1 to 16"},
      {"Groups \"pcr\" \"vibes\"",
       "option Groups = \"pcr\" \"vibes\": unknown group \"vibes\"; allowed: one "
       "or more "
       "of: all, pcr, max_pain, support_resistance, term_structure, skew, "
       "buckets, surface, greeks, parity, desk"},
      {"Groups \"PCR\" \"max_pain\"",
       "option Groups = \"PCR\" \"max_pain\": unknown group \"PCR\" (group names "
       "are lower case: did you mean \"pcr\"?); allowed: one or more of: all, "
       "pcr"},
      {"Groups \"\"", "option Groups = \"\": every value must be a non-empty "
                     "string; allowed: at least one non-empty quoted string"},
      {"IVRankWindow 1", "option IVRankWindow = 1: out of range; allowed: an "
                         "integer from 2 to 5000"},
      {"IVRankWindow 30\nIVRankMinDays 31",
       "IVRankMinDays (31) must not exceed IVRankWindow (30)"},
      {"BuildupOIBand -0.1", "option BuildupOIBand = -0.1: out of range"},
      {"BuildupPriceBand \"wide\"", "option BuildupPriceBand = \"wide\""},
      {"PCRStrikeWindow 2", "option PCRStrikeWindow = 2: out of range"},
      {"MaxPainStrikeWindow 0", "option MaxPainStrikeWindow = 0: out of range"},
      {"Interval 0.5", "option Interval = 0.5: out of range"},
      {"Indexes \"NIFTY\"", "unknown option"},
      /* "/" however spelled, as g6_chain and g6_retention refuse it */
      {"DataDir \"/\"", "option DataDir = \"/\": the root directory is no "
                        "place for g6's files"},
      {"DataDir \"//\"", "option DataDir = \"//\": the root directory"},
      {"DataDir \"/tmp/..\"", "option DataDir = \"/tmp/..\": the root "
                             "directory"},
      {"DataDir \"/.\"", "option DataDir = \"/.\": the root directory"},
      /* a file where g6_chain's directory belongs: it was taken, and every
       * run warned "cannot read .../snapshots: Not a directory" */
      {"DataDir \"/dev/null\"",
       "option DataDir = \"/dev/null\": exists and is not a directory"},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    g6_analytics_config c;
    g6_error e;
    if (parse(v[i].text, &c, &e) == G6_OK || strstr(e.msg, v[i].msg) == NULL)
      fail_msg("%s: got \"%s\", want \"%s\"", v[i].text, e.msg, v[i].msg);
    g6_analytics_config_free(&c);
  }
  /* a second block */
  g6_analytics_config c;
  g6_error e;
  assert_int_equal(parse("", &c, &e), G6_OK);
  oconfig_item_t *ci = conftext_parse("Plugin", "g6_analytics", "");
  assert_int_equal(g6_analytics_config_parse(ci, &c, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "is given twice"));
  conftext_free(ci);
  g6_analytics_config_free(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(full_block_and_defaults),
      cmocka_unit_test(bad_values),
  };
  return G6_RUN_TESTS(tests);
}
