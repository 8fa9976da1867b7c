/* g6 spec check: regenerated artefacts vs the committed files. */
#include "spec/spec.h"

#include "core/fsutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int code_of(g6_spec_artifact k) {
  switch (k) {
  case G6_SPEC_ART_DASHBOARD:
    return G6_SPEC_EXIT_DASHBOARDS;
  case G6_SPEC_ART_RULES:
    return G6_SPEC_EXIT_RULES;
  case G6_SPEC_ART_ALERTS:
    return G6_SPEC_EXIT_ALERTS;
  default:
    return G6_SPEC_EXIT_OTHER;
  }
}

static int rank(int code) {
  switch (code) {
  case G6_SPEC_EXIT_DASHBOARDS:
    return 0;
  case G6_SPEC_EXIT_RULES:
    return 1;
  case G6_SPEC_EXIT_ALERTS:
    return 2;
  case G6_SPEC_EXIT_OTHER:
    return 3;
  default:
    return 4;
  }
}

static void note(int *worst, int code) {
  if (*worst == 0 || rank(code) < rank(*worst))
    *worst = code;
}

/* The first line where two texts differ, for the report. */
static void first_difference(const char *a, size_t al, const char *b,
                             size_t bl, g6_buf *report) {
  size_t line = 1, i = 0, start = 0;
  while (i < al && i < bl && a[i] == b[i]) {
    if (a[i] == '\n') {
      line++;
      start = i + 1;
    }
    i++;
  }
  const char *ae = memchr(a + start, '\n', al - start);
  const char *be = memchr(b + start, '\n', bl - start);
  int an = (int)((ae ? (size_t)(ae - a) : al) - start);
  int bn = (int)((be ? (size_t)(be - b) : bl) - start);
  if (an > 160)
    an = 160;
  if (bn > 160)
    bn = 160;
  g6_buf_printf(report, "    line %zu: committed: %.*s\n", line,
                start < al ? an : 0, start < al ? a + start : "");
  g6_buf_printf(report, "    line %zu: generated: %.*s\n", line,
                start < bl ? bn : 0, start < bl ? b + start : "");
}

int g6_spec_check(const g6_spec_output *o, const char *root, g6_buf *report) {
  int worst = 0;
  for (size_t i = 0; i < o->n_files; i++) {
    const g6_spec_file *f = &o->files[i];
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", root, f->path);
    char *text = NULL;
    size_t len = 0;
    g6_error e;
    bool missing = g6_read_file(path, 64u << 20, &text, &len, &e) != G6_OK;
    const char *gen = f->text.data ? f->text.data : "";
    if (!missing && len == f->text.len && memcmp(text, gen, len) == 0) {
      free(text);
      continue;
    }
    size_t pl = strlen(f->path);
    bool dashboard = f->kind == G6_SPEC_ART_DASHBOARD && pl > 5 &&
                     strcmp(f->path + pl - 5, ".json") == 0 &&
                     strstr(f->path, "manifest.json") == NULL;
    if (dashboard) {
      char slug[256];
      const char *base = strrchr(f->path, '/');
      snprintf(slug, sizeof(slug), "%.*s", (int)(strlen(base + 1) - 5),
               base + 1);
      if (missing)
        g6_buf_printf(report, "missing: dashboard %s (%s)\n", slug, f->path);
      bool other = false;
      size_t n = g6_spec_dashboard_diff(slug, missing ? NULL : text, len, gen,
                                        f->text.len, report, &other);
      if (n == 0 && other && !missing)
        g6_buf_printf(report,
                      "stale: %s (no panel changed; layout or metadata "
                      "differs)\n",
                      f->path);
    } else if (missing) {
      g6_buf_printf(report, "missing: %s\n", f->path);
    } else {
      g6_buf_printf(report, "stale: %s\n", f->path);
      first_difference(text, len, gen, f->text.len, report);
    }
    note(&worst, code_of(f->kind));
    free(text);
  }
  /* the provisioned folder holds generated dashboards only: Grafana's file
   * provider loads every .json in it as a dashboard, so anything else (a
   * dashboard no plan generates any more, a manifest) is reported */
  char dir[4096];
  snprintf(dir, sizeof(dir), "%s/grafana/dashboards", root);
  DIR *d = opendir(dir);
  struct dirent *de;
  while (d && (de = readdir(d)) != NULL) {
    size_t n = strlen(de->d_name);
    if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0)
      continue;
    char rel[600];
    snprintf(rel, sizeof(rel), "grafana/dashboards/%s", de->d_name);
    if (g6_spec_output_find(o, rel) != NULL)
      continue;
    char path[4700];
    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
    char *text = NULL;
    size_t len = 0;
    g6_error e;
    if (strcmp(de->d_name, "manifest.json") == 0) {
      g6_buf_printf(report,
                    "removed: %s is not a dashboard (Grafana's file provider "
                    "would load it as one); the manifest is "
                    "grafana/manifest.json\n",
                    rel);
    } else if (g6_read_file(path, 64u << 20, &text, &len, &e) == G6_OK) {
      char slug[256];
      snprintf(slug, sizeof(slug), "%.*s", (int)(n - 5), de->d_name);
      g6_buf_printf(report, "removed: dashboard %s is no longer generated\n",
                    slug);
      bool other;
      g6_spec_dashboard_diff(slug, text, len, "{\"panels\":[]}", 13, report,
                             &other);
      free(text);
    }
    note(&worst, G6_SPEC_EXIT_DASHBOARDS);
  }
  if (d)
    closedir(d);
  return worst;
}
