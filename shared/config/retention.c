/* g6_retention's option table (see config/retention.h). The help texts are
 * the README's configuration reference: tests/integration/options_readme.t
 * fails when the two disagree. */
#include "config/retention.h"

#include "core/conf.h"
#include "core/fsutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define R(member) G6_OPT_FIELD(g6_retention_config, member)

/* A plugin that deletes files takes no path relative to collectd's working
 * directory, and never the root of the file system, however spelled
 * ("/tmp/..", "/.", a symbolic link to "/"): an existing path is compared
 * with "/" by device and inode. One that does not exist yet is checked by
 * the walk when it opens it (store/retention.h). */
static const char *check_dir(const void *value) {
  const char *s = *(const char *const *)value;
  if (s[0] != '/')
    return "not an absolute path";
  const char *root = g6_dir_root_problem(s);
  if (root != NULL)
    return root;
  /* one that does not exist yet may be created later (by g6_chain, by
   * g6_panels); a file where the directory belongs never becomes one */
  struct stat sb;
  if (stat(s, &sb) == 0 && !S_ISDIR(sb.st_mode))
    return "exists and is not a directory";
  return NULL;
}

/* The next component of an absolute path from *p ("" at its end): repeated
 * slashes and "." components are skipped, as they name no other directory;
 * ".." is a component like any other (through a symbolic link it is not
 * the parent of the text before it). */
static const char *next_component(const char **p, size_t *len) {
  const char *s = *p;
  for (;;) {
    while (*s == '/')
      s++;
    size_t n = strcspn(s, "/");
    if (n == 1 && s[0] == '.') {
      s++;
      continue;
    }
    *p = s + n;
    *len = n;
    return s;
  }
}

/* Whether two absolute paths name the same directory textually (repeated
 * and trailing slashes and "." components aside: "/srv/g6/." is "/srv/g6"
 * before either exists); g6_same_file compares existing ones on the file
 * system (a symbolic link, "..") */
static bool same_path(const char *a, const char *b) {
  for (;;) {
    size_t na, nb;
    const char *ca = next_component(&a, &na);
    const char *cb = next_component(&b, &nb);
    if (na != nb || memcmp(ca, cb, na) != 0)
      return false;
    if (na == 0)
      return true;
  }
}

static g6_status retention_prepare(void *target, const oconfig_item_t *ci,
                                   g6_error *err) {
  (void)ci;
  (void)err;
  g6_retention_config *c = target;
  c->policy.overview_max_age_days = -1; /* "as MaxAgeDays" until given */
  c->policy.snapshot_max_age_days = -1;
  return G6_OK;
}

static g6_status retention_finish(void *target, const oconfig_item_t *ci,
                                  g6_error *err) {
  (void)ci;
  g6_retention_config *c = target;
  g6_retention_policy *p = &c->policy;
  if (p->overview_max_age_days < 0)
    p->overview_max_age_days = p->max_age_days;
  if (p->snapshot_max_age_days < 0)
    p->snapshot_max_age_days = p->max_age_days;
  if (c->panels_dir != NULL && (same_path(c->panels_dir, c->data_dir) ||
                                 g6_same_file(c->panels_dir, c->data_dir)))
    return g6_error_set(err, G6_EINVAL,
                        "Plugin \"g6_retention\": option PanelsDir = \"%s\": "
                        "the same directory as DataDir; allowed: the panels' "
                        "own directory (default: DataDir/panels)",
                        c->panels_dir);
  return G6_OK;
}

static const g6_option retention_opts[] = {
    {.name = "DataDir", R(data_dir), .type = G6_OPT_STRING,
     .def = "\"/var/lib/g6\"", .check = check_dir,
     .allowed_doc = "absolute path of a directory, not `/`",
     .help = "the directory g6_chain writes (its `DataDir`); scanned, and "
             "pruned when enabled"},
    {.name = "PanelsDir", R(panels_dir), .type = G6_OPT_STRING,
     .check = check_dir, .def_doc = "`<DataDir>/panels`",
     .allowed_doc = "absolute path of a directory, not DataDir",
     .help = "g6_panels' directory, counted as panels (never pruned) also "
             "outside DataDir"},
    {.name = "ScanInterval", R(scan_interval), .type = G6_OPT_DOUBLE,
     .min = 1, .max = 86400, .unit = "s", .def = "300",
     .help = "time from the start of one scan (and sweep) to the next, on "
             "g6_retention's own thread (exported as "
             "`collectd_g6_retention_scan_interval_seconds`; "
             "`G6RetentionScanStale` fires when no scan has finished for "
             "three, at least 30 minutes); metrics are dispatched every "
             "plugin interval"},
    {.name = "Enabled", R(policy.enabled), .type = G6_OPT_BOOL,
     .def = "false",
     .help = "prune at all; `false` only scans"},
    {.name = "DryRun", R(policy.dry_run), .type = G6_OPT_BOOL, .def = "true",
     .help = "count and log what would be deleted (`would_delete`) and "
             "delete nothing"},
    {.name = "MaxAgeDays", R(policy.max_age_days), .type = G6_OPT_INT,
     .min = 0, .max = G6_RETENTION_MAX_AGE_DAYS, .def = "45", .unit = "days",
     .help = "a per-strike CSV file dated D is deleted when today − D > "
             "MaxAgeDays (dates from the file names, IST); 0 keeps only "
             "today's"},
    {.name = "OverviewMaxAgeDays", R(policy.overview_max_age_days),
     .type = G6_OPT_INT, .min = 0, .max = G6_RETENTION_MAX_AGE_DAYS,
     .unit = "days",
     .def_doc = "MaxAgeDays",
     .help = "the same for the overview CSV files"},
    {.name = "SnapshotMaxAgeDays", R(policy.snapshot_max_age_days),
     .type = G6_OPT_INT, .min = 0, .max = G6_RETENTION_MAX_AGE_DAYS,
     .unit = "days",
     .def_doc = "MaxAgeDays",
     .help = "the same for kept snapshot history "
             "(`snapshots/<INDEX>/<YYYY-MM-DD>/`); the latest snapshot of "
             "an index is never deleted"},
    {.name = "ProtectToday", R(policy.protect_today), .type = G6_OPT_BOOL,
     .def = "true",
     .help = "never delete a file modified today (IST), whatever its name "
             "says (`kept_today`)"},
    {.name = "MaxDeletesPerSweep", R(policy.max_deletes), .type = G6_OPT_INT,
     .min = 1, .max = G6_RETENTION_MAX_DELETES, .def = "10000",
     .help = "deletions (or would-deletes) per sweep; the files past it wait "
             "for the next sweep (`kept_cap`)"},
};

const g6_option_table g6_retention_options = {
    .block = "Plugin",
    .arg = "g6_retention",
    .help = "Storage scan of DataDir and guarded pruning (off by default; a "
            "dry run when enabled).",
    .options = retention_opts,
    .n = sizeof(retention_opts) / sizeof(retention_opts[0]),
    .prepare = retention_prepare,
    .finish = retention_finish,
};

g6_status g6_retention_config_parse(oconfig_item_t *ci,
                                    g6_retention_config *cfg, g6_error *err) {
  g6_status st = g6_conf_block_once(ci, &cfg->parsed, err);
  if (st != G6_OK)
    return st;
  g6_conf_link_parents(ci); /* so messages name the block */
  return g6_options_parse(&g6_retention_options, ci, cfg, err);
}

void g6_retention_config_free(g6_retention_config *cfg) {
  g6_options_free(&g6_retention_options, cfg);
  memset(cfg, 0, sizeof(*cfg));
}
