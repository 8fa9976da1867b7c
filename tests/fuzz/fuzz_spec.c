/* libFuzzer target: the metric spec compiler (tools/g6/spec/) on the spec
 * YAML and the plans YAML, and the two other formats `g6 spec` reads: a
 * panel inventory (CSV or JSON lines) and a committed dashboard.
 *
 * The input is the spec, then optionally a NUL byte and the plans (the
 * seeds are the real files and small variants of them).
 *
 * Invariants: no crash, leak or sanitizer report; a load problem is a
 * diagnostic (never a silent G6_EPARSE); a spec that loads and lints clean
 * generates (lint catches what generation would refuse), twice to the same
 * bytes; its inventory written as CSV and as JSON lines parses back to the
 * same inventory; a dashboard it generated compared with itself has no
 * drift; and the raw input, read as an inventory or as a committed
 * dashboard, is refused or read without harm. */
#include "spec/spec.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *stock_types_db;

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  char *buf = malloc(1 << 20);
  size_t n = fread(buf, 1, (1 << 20) - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

static bool same_output(const g6_spec_output *a, const g6_spec_output *b) {
  if (a->n_files != b->n_files)
    return false;
  for (size_t i = 0; i < a->n_files; i++)
    if (strcmp(a->files[i].path, b->files[i].path) != 0 ||
        a->files[i].text.len != b->files[i].text.len ||
        memcmp(a->files[i].text.data, b->files[i].text.data,
               a->files[i].text.len) != 0)
      return false;
  return true;
}

static void check_inventory(const g6_spec *s) {
  g6_spec_inventory inv = {0};
  g6_error e;
  if (g6_spec_inventory_build(s, &inv, &e) != G6_OK)
    abort();
  static const char *const formats[] = {"csv", "jsonl"};
  for (int f = 0; f < 2; f++) {
    g6_buf b = G6_BUF_INIT;
    if (g6_spec_inventory_write(&inv, formats[f], &b) != G6_OK)
      abort();
    g6_spec_inventory back = {0};
    if (g6_spec_inventory_parse(b.data ? b.data : "", b.len, &back, &e) !=
        G6_OK)
      abort(); /* what we write we read */
    g6_buf report = G6_BUF_INIT;
    if (back.n != inv.n || g6_spec_inventory_diff(&inv, &back, &report) != 0)
      abort();
    g6_buf_free(&report);
    g6_spec_inventory_free(&back);
    g6_buf_free(&b);
  }
  g6_spec_inventory_free(&inv);
}

static void check_dashboards(const g6_spec_output *o) {
  for (size_t i = 0; i < o->n_files; i++) {
    const g6_spec_file *f = &o->files[i];
    size_t n = strlen(f->path);
    if (f->kind != G6_SPEC_ART_DASHBOARD ||
        strncmp(f->path, "grafana/dashboards/", 19) != 0 || n < 5 ||
        strcmp(f->path + n - 5, ".json") != 0)
      continue; /* the provisioning YAML counts as a dashboard artefact */
    g6_buf report = G6_BUF_INIT;
    bool other = false;
    if (g6_spec_dashboard_diff(f->path, f->text.data, f->text.len,
                               f->text.data, f->text.len, &report, &other) !=
            0 ||
        other)
      abort(); /* a dashboard does not drift from itself */
    g6_buf_free(&report);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (stock_types_db == NULL)
    stock_types_db = slurp("/usr/share/collectd/types.db");
  const char *text = (const char *)data;
  const char *nul = memchr(text, '\0', size);
  size_t spec_len = nul ? (size_t)(nul - text) : size;
  const char *plans = nul ? nul + 1 : NULL;
  size_t plans_len = nul ? size - spec_len - 1 : 0;

  g6_spec s;
  memset(&s, 0, sizeof(s));
  g6_spec_diags d = {0};
  g6_status st = g6_spec_load("metrics.yml", text, spec_len, "plans.yml",
                              plans, plans_len, &s, &d);
  if (st == G6_EPARSE && d.n == 0)
    abort(); /* a refusal names its problem */
  if (st == G6_OK && g6_spec_lint(&s, stock_types_db, &d) == 0) {
    g6_spec_output a = {0}, b = {0};
    g6_error e;
    if (g6_spec_generate(&s, &a, &e) != G6_OK)
      abort(); /* lint passed: generation must too */
    if (g6_spec_generate(&s, &b, &e) != G6_OK || !same_output(&a, &b))
      abort(); /* deterministic */
    check_dashboards(&a);
    check_inventory(&s);
    g6_buf m = G6_BUF_INIT, r = G6_BUF_INIT;
    if (g6_spec_inventory_metrics(&s, &m, &e) != G6_OK ||
        g6_spec_dashboard_exprs_as_rules(&s, &r, &e) != G6_OK)
      abort();
    g6_buf_free(&m);
    g6_buf_free(&r);
    g6_spec_output_free(&a);
    g6_spec_output_free(&b);
  }
  g6_buf diag = G6_BUF_INIT;
  g6_spec_diags_print(&d, &diag);
  g6_buf_free(&diag);
  g6_spec_diags_free(&d);
  g6_spec_free(&s);

  /* the raw input as an inventory and as a committed dashboard */
  g6_spec_inventory inv = {0};
  g6_error e;
  (void)g6_spec_inventory_parse(text, size, &inv, &e);
  g6_spec_inventory_free(&inv);
  g6_buf report = G6_BUF_INIT;
  bool other = false;
  static const char empty[] = "{\"panels\": []}";
  (void)g6_spec_dashboard_diff("fuzz", text, size, empty, sizeof(empty) - 1,
                               &report, &other);
  g6_buf_free(&report);
  return 0;
}
