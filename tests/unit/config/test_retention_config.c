/* g6_retention's option table (config/retention.h): defaults (pruning off,
 * dry run, 45 days, ages inherited), a full block, and every kind of bad
 * value with the message an operator reads. */
#include "g6_test.h"

#include "config/plugins.h"
#include "config/retention.h"
#include "conftext.h"

#include <sys/stat.h>
#include <unistd.h>

static g6_status parse(const char *text, g6_retention_config *cfg,
                       g6_error *e) {
  oconfig_item_t *ci = conftext_parse("Plugin", "g6_retention", text);
  assert_non_null(ci);
  memset(cfg, 0, sizeof(*cfg));
  g6_status st = g6_retention_config_parse(ci, cfg, e);
  conftext_free(ci);
  return st;
}

static void defaults(void **state) {
  (void)state;
  g6_retention_config c;
  g6_error e;
  assert_int_equal(parse("", &c, &e), G6_OK);
  assert_string_equal(c.data_dir, "/var/lib/g6");
  assert_null(c.panels_dir);
  assert_close(c.scan_interval, 300, 0);
  assert_false(c.policy.enabled);
  assert_true(c.policy.dry_run);
  assert_true(c.policy.protect_today);
  assert_int_equal(c.policy.max_age_days, 45);
  assert_int_equal(c.policy.overview_max_age_days, 45);
  assert_int_equal(c.policy.snapshot_max_age_days, 45);
  assert_int_equal(c.policy.max_deletes, 10000);
  g6_retention_config_free(&c);
  assert_ptr_equal(g6_plugin_find("g6_retention")->table,
                   &g6_retention_options);
}

static void full_block(void **state) {
  (void)state;
  g6_retention_config c;
  g6_error e;
  assert_int_equal(parse("DataDir \"/srv/g6/\"\n"
                         "PanelsDir \"/srv/panels\"\n"
                         "ScanInterval 60\n"
                         "Enabled true\n"
                         "DryRun false\n"
                         "MaxAgeDays 10\n"
                         "SnapshotMaxAgeDays 2\n"
                         "ProtectToday false\n"
                         "MaxDeletesPerSweep 500\n",
                         &c, &e),
                   G6_OK);
  assert_string_equal(c.data_dir, "/srv/g6/");
  assert_string_equal(c.panels_dir, "/srv/panels");
  assert_close(c.scan_interval, 60, 0);
  assert_true(c.policy.enabled && !c.policy.dry_run && !c.policy.protect_today);
  assert_int_equal(c.policy.max_age_days, 10);
  assert_int_equal(c.policy.overview_max_age_days, 10); /* inherited */
  assert_int_equal(c.policy.snapshot_max_age_days, 2);
  assert_int_equal(c.policy.max_deletes, 500);
  g6_retention_config_free(&c);
  assert_int_equal(parse("OverviewMaxAgeDays 0\nMaxAgeDays 7\n", &c, &e),
                   G6_OK);
  assert_int_equal(c.policy.overview_max_age_days, 0);
  assert_int_equal(c.policy.snapshot_max_age_days, 7);
  g6_retention_config_free(&c);
}

typedef struct bad {
  const char *text;
  const char *want[3]; /* substrings of the message */
} bad;

static void bad_values(void **state) {
  (void)state;
  static const bad v[] = {
      {"DataDir \"var/lib/g6\"\n",
       {"DataDir", "var/lib/g6", "not an absolute path"}},
      {"DataDir \"/\"\n", {"DataDir", "root directory", "absolute path"}},
      {"DataDir \"//\"\n", {"DataDir", "root directory", NULL}},
      /* "/" spelled otherwise: found by device and inode (review, B) */
      {"DataDir \"/tmp/..\"\n", {"DataDir", "/tmp/..", "root directory"}},
      {"DataDir \"/.\"\n", {"DataDir", "root directory", NULL}},
      {"DataDir \"/./\"\n", {"DataDir", "root directory", NULL}},
      {"PanelsDir \"/tmp/../\"\n", {"PanelsDir", "root directory", NULL}},
      {"MaxAgeDays 1 2\n",
       {"MaxAgeDays = 1 2", "expected a single number", "0 to 36500"}},
      {"ScanInterval 60 60\n",
       {"ScanInterval", "expected a single number", NULL}},
      {"MaxDeletesPerSweep 10000001\n",
       {"MaxDeletesPerSweep", "out of range", "1 to 10000000"}},
      {"PanelsDir \"panels\"\n", {"PanelsDir", "not an absolute path", NULL}},
      {"DataDir \"/a/b\"\nPanelsDir \"/a//b/\"\n",
       {"PanelsDir", "same directory as DataDir", NULL}},
      /* the README's own example, <DataDir>/., for a DataDir g6_chain
       * has not created yet: "." components name no other directory */
      {"DataDir \"/a/b\"\nPanelsDir \"/a/b/.\"\n",
       {"PanelsDir", "/a/b/.", "same directory as DataDir"}},
      {"DataDir \"/a/./b/\"\nPanelsDir \"/a/b/./\"\n",
       {"PanelsDir", "same directory as DataDir", NULL}},
      {"DataDir \"/a/b/.\"\nPanelsDir \"/a/b\"\n",
       {"PanelsDir", "same directory as DataDir", NULL}},
      {"MaxAgeDays -1\n", {"MaxAgeDays", "-1", "0 to 36500"}},
      {"MaxAgeDays 1.5\n", {"MaxAgeDays", "1.5", NULL}},
      {"OverviewMaxAgeDays 40000\n", {"OverviewMaxAgeDays", "40000", NULL}},
      {"MaxDeletesPerSweep 0\n", {"MaxDeletesPerSweep", "0", "1 to"}},
      {"ScanInterval 0.5\n", {"ScanInterval", "0.5", "1 to 86400"}},
      {"Enabled \"maybe\"\n", {"Enabled", "maybe", NULL}},
      {"MaxAge 3\n", {"MaxAge", "unknown option", NULL}},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    g6_retention_config c;
    g6_error e;
    if (parse(v[i].text, &c, &e) == G6_OK)
      fail_msg("%s: accepted", v[i].text);
    for (size_t k = 0; k < 3 && v[i].want[k]; k++)
      if (strstr(e.msg, v[i].want[k]) == NULL)
        fail_msg("%s: message \"%s\" lacks \"%s\"", v[i].text, e.msg,
                 v[i].want[k]);
    assert_non_null(strstr(e.msg, "g6_retention"));
    g6_retention_config_free(&c);
  }
}

/* Paths that exist are compared on the file system: a symbolic link to
 * "/" is the root directory, and "<DataDir>/." or a link to DataDir is
 * DataDir (the textual comparison let both through). */
/* The configuration `text` is refused, its message holding want1 (and
 * want2 unless NULL). */
static void refused(const char *text, const char *want1, const char *want2) {
  g6_retention_config c;
  g6_error e;
  assert_int_equal(parse(text, &c, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, want1));
  if (want2 != NULL)
    assert_non_null(strstr(e.msg, want2));
  g6_retention_config_free(&c);
}

static void dirs_on_disk(void **state) {
  (void)state;
  char tmp[] = "/tmp/g6-test-retention-config-XXXXXX";
  assert_non_null(mkdtemp(tmp));
  char data[128], link_root[128], link_data[128], text[512];
  snprintf(data, sizeof(data), "%s/data", tmp);
  snprintf(link_root, sizeof(link_root), "%s/to-root", tmp);
  snprintf(link_data, sizeof(link_data), "%s/to-data", tmp);
  assert_int_equal(mkdir(data, 0755), 0);
  assert_int_equal(symlink("/", link_root), 0);
  assert_int_equal(symlink(data, link_data), 0);
  g6_retention_config c;
  g6_error e;

  snprintf(text, sizeof(text), "DataDir \"%s\"\n", link_root);
  refused(text, "option DataDir", "root directory");

  snprintf(text, sizeof(text), "DataDir \"%s\"\nPanelsDir \"%s/.\"\n", data,
           data);
  refused(text, "PanelsDir", "the same directory as DataDir");

  snprintf(text, sizeof(text), "DataDir \"%s\"\nPanelsDir \"%s\"\n", data,
           link_data);
  refused(text, "the same directory as DataDir", NULL);

  /* a regular file where a directory belongs is a typo that never heals:
   * refused, where it was accepted and warned about at every scan */
  char file[128];
  snprintf(file, sizeof(file), "%s/file", tmp);
  FILE *f = fopen(file, "w");
  assert_non_null(f);
  fclose(f);
  snprintf(text, sizeof(text), "DataDir \"%s\"\n", file);
  refused(text, "option DataDir", "exists and is not a directory");
  snprintf(text, sizeof(text), "DataDir \"%s\"\nPanelsDir \"%s\"\n", data,
           file);
  refused(text, "option PanelsDir", "exists and is not a directory");
  unlink(file);

  /* a directory of its own, and one that does not exist yet, are fine */
  snprintf(text, sizeof(text), "DataDir \"%s\"\nPanelsDir \"%s/panels\"\n",
           data, tmp);
  assert_int_equal(parse(text, &c, &e), G6_OK);
  g6_retention_config_free(&c);
  snprintf(text, sizeof(text), "DataDir \"%s/not-yet\"\n", tmp);
  assert_int_equal(parse(text, &c, &e), G6_OK);
  g6_retention_config_free(&c);

  unlink(link_root);
  unlink(link_data);
  rmdir(data);
  rmdir(tmp);
}

/* names that only look like DataDir are other directories: "." is skipped
 * as a whole component only, and ".." is not resolved textually */
static void near_names_accepted(void **state) {
  (void)state;
  static const char *const panels[] = {"/a/b.", "/a/.b", "/a/b/..",
                                       "/a/b/c", "/a/bb", "/a/b/.c"};
  for (size_t i = 0; i < sizeof(panels) / sizeof(panels[0]); i++) {
    char text[128];
    snprintf(text, sizeof(text), "DataDir \"/a/b\"\nPanelsDir \"%s\"\n",
             panels[i]);
    g6_retention_config c;
    g6_error e;
    if (parse(text, &c, &e) != G6_OK)
      fail_msg("PanelsDir \"%s\" refused: %s", panels[i], e.msg);
    g6_retention_config_free(&c);
  }
}

static void twice_is_refused(void **state) {
  (void)state;
  g6_retention_config c;
  g6_error e;
  assert_int_equal(parse("", &c, &e), G6_OK);
  oconfig_item_t *ci = conftext_parse("Plugin", "g6_retention", "");
  assert_int_equal(g6_retention_config_parse(ci, &c, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "twice"));
  conftext_free(ci);
  g6_retention_config_free(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(defaults),
      cmocka_unit_test(full_block),
      cmocka_unit_test(bad_values),
      cmocka_unit_test(dirs_on_disk),
      cmocka_unit_test(twice_is_refused),
      cmocka_unit_test(near_names_accepted),
  };
  return G6_RUN_TESTS(tests);
}
