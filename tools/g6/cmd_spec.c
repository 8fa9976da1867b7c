/* g6 spec: lint, generate, check and inventory the metric spec.
 *
 *   g6 spec lint                 problems with file:line and field; exit 1
 *   g6 spec generate             lint, then write every artefact (or nothing)
 *   g6 spec check                regenerate in memory and compare: exit 6
 *                                dashboards, 8 recording rules, 9 alerts,
 *                                10 anything else (types.db, C, catalog, ...)
 *   g6 spec inventory            panel inventory (--format csv|jsonl), or
 *                                --metrics (expected series, rules, queries
 *                                as JSON lines) or --dashboard-rules
 *   g6 spec inventory-diff A B   added/removed/renamed panels; exit 7
 *
 * Common options: --root DIR (repository root, default .), --spec FILE,
 * --plans FILE, --stock-types FILE (default /usr/share/collectd/types.db). */
#include "cmd.h"

#include "core/fsutil.h"
#include "spec/spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STOCK_TYPES_DB "/usr/share/collectd/types.db"

typedef struct opts {
  const char *root, *spec, *plans, *stock, *format, *json_out;
  bool metrics, dashboard_rules;
  const char *args[2];
  size_t n_args;
} opts;

static void usage(FILE *out) {
  fprintf(out,
          "usage: g6 spec lint|generate|check [--root DIR] [--spec FILE] "
          "[--plans FILE]\n"
          "                                   [--stock-types FILE]\n"
          "       g6 spec inventory [--format csv|jsonl] [--metrics] "
          "[--dashboard-rules]\n"
          "       g6 spec inventory-diff OLD NEW [--json-out FILE]\n\n"
          "exit: 0 ok; 1 lint problems; 2 usage or unreadable input; 6 "
          "dashboard drift;\n      7 inventory differences; 8 recording-rule "
          "drift; 9 alert drift;\n      10 other drift (types.db, C helpers, "
          "catalog, scrape, provisioning, tests)\n");
}

static int parse_opts(int argc, char **argv, opts *o) {
  memset(o, 0, sizeof(*o));
  o->root = ".";
  o->format = "csv";
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    const char **dst = NULL;
    if (strcmp(a, "--root") == 0)
      dst = &o->root;
    else if (strcmp(a, "--spec") == 0)
      dst = &o->spec;
    else if (strcmp(a, "--plans") == 0)
      dst = &o->plans;
    else if (strcmp(a, "--stock-types") == 0)
      dst = &o->stock;
    else if (strcmp(a, "--format") == 0)
      dst = &o->format;
    else if (strcmp(a, "--json-out") == 0)
      dst = &o->json_out;
    else if (strcmp(a, "--metrics") == 0) {
      o->metrics = true;
      continue;
    } else if (strcmp(a, "--dashboard-rules") == 0) {
      o->dashboard_rules = true;
      continue;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      exit(G6_EXIT_OK);
    } else if (a[0] == '-') {
      fprintf(stderr, "g6 spec: unknown option %s\n", a);
      return -1;
    } else if (o->n_args < 2) {
      o->args[o->n_args++] = a;
      continue;
    } else {
      fprintf(stderr, "g6 spec: unexpected argument %s\n", a);
      return -1;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "g6 spec: %s needs a value\n", a);
      return -1;
    }
    *dst = argv[++i];
  }
  return 0;
}

/* Loads and lints; prints every problem. Returns 0, or the exit status. */
static int load_and_lint(const opts *o, g6_spec *s) {
  char spec[4096], plans[4096];
  snprintf(spec, sizeof(spec), "%s", o->spec ? o->spec : "");
  snprintf(plans, sizeof(plans), "%s", o->plans ? o->plans : "");
  if (!o->spec)
    snprintf(spec, sizeof(spec), "%s/spec/metrics.yml", o->root);
  if (!o->plans)
    snprintf(plans, sizeof(plans), "%s/spec/plans.yml", o->root);
  g6_spec_diags d = {0};
  g6_status rc = g6_spec_load_files(spec, plans, s, &d);
  int status = G6_EXIT_OK;
  if (rc == G6_OK) {
    const char *stock_path = o->stock ? o->stock : STOCK_TYPES_DB;
    char *stock = NULL;
    size_t len;
    g6_error e;
    if (g6_read_file(stock_path, 8u << 20, &stock, &len, &e) != G6_OK) {
      if (o->stock) {
        fprintf(stderr, "g6 spec: %s\n", e.msg);
        g6_spec_diags_free(&d);
        return G6_EXIT_USAGE;
      }
      fprintf(stderr,
              "g6 spec: warning: %s not readable; types are not checked "
              "against collectd's stock types\n",
              stock_path);
    }
    g6_spec_lint(s, stock, &d);
    free(stock);
  }
  if (d.n) {
    g6_buf b = G6_BUF_INIT;
    g6_spec_diags_print(&d, &b);
    fputs(b.data ? b.data : "", stderr);
    fprintf(stderr, "g6 spec: %zu problem%s\n", d.n, d.n == 1 ? "" : "s");
    g6_buf_free(&b);
    status = (rc == G6_ENOENT || rc == G6_EIO || rc == G6_EPERM)
                 ? G6_EXIT_USAGE
                 : G6_EXIT_FAIL;
  } else if (rc != G6_OK) {
    fprintf(stderr, "g6 spec: %s\n", g6_strerror(rc));
    status = G6_EXIT_FAIL;
  }
  g6_spec_diags_free(&d);
  return status;
}

static int read_inventory(const char *path, g6_spec_inventory *inv) {
  char *text = NULL;
  size_t len = 0;
  g6_error e;
  if (g6_read_file(path, 64u << 20, &text, &len, &e) != G6_OK) {
    fprintf(stderr, "g6 spec inventory-diff: %s\n", e.msg);
    return G6_EXIT_USAGE;
  }
  g6_status rc = g6_spec_inventory_parse(text, len, inv, &e);
  free(text);
  if (rc != G6_OK) {
    fprintf(stderr, "g6 spec inventory-diff: %s: %s\n", path, e.msg);
    return G6_EXIT_USAGE;
  }
  return G6_EXIT_OK;
}

static int inventory_diff(const opts *o) {
  if (o->n_args != 2) {
    fprintf(stderr, "g6 spec inventory-diff: needs OLD and NEW inventory "
                    "files\n");
    return G6_EXIT_USAGE;
  }
  g6_spec_inventory a = {0}, b = {0};
  int st = read_inventory(o->args[0], &a);
  if (st == G6_EXIT_OK)
    st = read_inventory(o->args[1], &b);
  if (st != G6_EXIT_OK) {
    g6_spec_inventory_free(&a);
    return st;
  }
  g6_buf rep = G6_BUF_INIT;
  size_t n = g6_spec_inventory_diff(&a, &b, &rep);
  fputs(rep.data ? rep.data : "", stdout);
  if (o->json_out) {
    /* {added:[...], removed:[...], renamed:[...]} from the report lines */
    g6_buf j = G6_BUF_INIT;
    const char *kinds[3] = {"added", "removed", "renamed"};
    g6_buf_putc(&j, '{');
    for (int k = 0; k < 3; k++) {
      g6_buf_printf(&j, "%s\"%s\":[", k ? "," : "", kinds[k]);
      bool first = true;
      const char *p = rep.data ? rep.data : "";
      size_t kl = strlen(kinds[k]);
      while (*p) {
        const char *nl = strchr(p, '\n');
        size_t ll = nl ? (size_t)(nl - p) : strlen(p);
        if (ll > kl + 2 && strncmp(p, kinds[k], kl) == 0 && p[kl] == ':') {
          const char *uuid = memchr(p, '[', ll);
          g6_buf_printf(&j, "%s{\"panel_uuid\":\"%.*s\",\"line\":\"",
                        first ? "" : ",",
                        uuid ? (int)(ll - (size_t)(uuid - p) - 2) : 0,
                        uuid ? uuid + 1 : "");
          for (size_t q = kl + 2; q < ll; q++) {
            if (p[q] == '"' || p[q] == '\\')
              g6_buf_putc(&j, '\\');
            g6_buf_putc(&j, p[q]);
          }
          g6_buf_puts(&j, "\"}");
          first = false;
        }
        p += ll + (nl ? 1 : 0);
      }
      g6_buf_putc(&j, ']');
    }
    g6_buf_puts(&j, "}\n");
    g6_error e;
    if (g6_atomic_write(o->json_out, j.data, j.len, 0644, false, &e) !=
        G6_OK) {
      fprintf(stderr, "g6 spec inventory-diff: %s\n", e.msg);
      n = n ? n : 0;
      g6_buf_free(&j);
      g6_buf_free(&rep);
      g6_spec_inventory_free(&a);
      g6_spec_inventory_free(&b);
      return G6_EXIT_USAGE;
    }
    g6_buf_free(&j);
  }
  printf("%zu difference%s\n", n, n == 1 ? "" : "s");
  g6_buf_free(&rep);
  g6_spec_inventory_free(&a);
  g6_spec_inventory_free(&b);
  return n ? G6_SPEC_EXIT_INVENTORY : G6_EXIT_OK;
}

int g6_cmd_spec(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return G6_EXIT_USAGE;
  }
  const char *sub = argv[1];
  if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
    usage(stdout);
    return G6_EXIT_OK;
  }
  opts o;
  if (parse_opts(argc, argv, &o) != 0)
    return G6_EXIT_USAGE;
  if (strcmp(sub, "inventory-diff") == 0)
    return inventory_diff(&o);
  bool known = strcmp(sub, "lint") == 0 || strcmp(sub, "generate") == 0 ||
               strcmp(sub, "check") == 0 || strcmp(sub, "inventory") == 0;
  if (!known) {
    fprintf(stderr, "g6 spec: unknown subcommand \"%s\"\n", sub);
    usage(stderr);
    return G6_EXIT_USAGE;
  }
  if (o.n_args) {
    fprintf(stderr, "g6 spec %s: unexpected argument %s\n", sub, o.args[0]);
    return G6_EXIT_USAGE;
  }
  g6_spec s;
  int st = load_and_lint(&o, &s);
  if (st != G6_EXIT_OK) {
    g6_spec_free(&s);
    return st;
  }
  g6_error e;
  g6_error_clear(&e);
  if (strcmp(sub, "lint") == 0) {
    size_t nm = 0;
    for (size_t i = 0; i < s.n_families; i++)
      nm += s.families[i].n_metrics;
    printf("%s: %zu metrics in %zu families, %zu plans: ok\n", s.file, nm,
           s.n_families, s.n_plans);
  } else if (strcmp(sub, "inventory") == 0) {
    g6_buf b = G6_BUF_INIT;
    g6_status rc;
    if (o.metrics) {
      rc = g6_spec_inventory_metrics(&s, &b, &e);
    } else if (o.dashboard_rules) {
      rc = g6_spec_dashboard_exprs_as_rules(&s, &b, &e);
    } else {
      g6_spec_inventory inv;
      rc = g6_spec_inventory_build(&s, &inv, &e);
      if (rc == G6_OK) {
        rc = g6_spec_inventory_write(&inv, o.format, &b);
        if (rc == G6_EINVAL)
          g6_error_set(&e, rc, "unknown format \"%s\" (allowed: csv, jsonl)",
                       o.format);
      }
      g6_spec_inventory_free(&inv);
    }
    if (rc == G6_OK && b.len == 0 && !o.metrics && !o.dashboard_rules) {
      fprintf(stderr, "g6 spec inventory: no dashboards or panels\n");
      st = 3;
    } else if (rc == G6_OK) {
      fwrite(b.data, 1, b.len, stdout);
    } else {
      fprintf(stderr, "g6 spec inventory: %s\n", e.msg);
      st = rc == G6_EINVAL ? G6_EXIT_USAGE : G6_EXIT_FAIL;
    }
    g6_buf_free(&b);
  } else {
    g6_spec_output out;
    if (g6_spec_generate(&s, &out, &e) != G6_OK) {
      fprintf(stderr, "g6 spec %s: %s\n", sub, e.msg);
      st = G6_EXIT_FAIL;
    } else if (strcmp(sub, "generate") == 0) {
      if (g6_spec_output_write(&out, o.root, &e) != G6_OK) {
        fprintf(stderr, "g6 spec generate: %s\n", e.msg);
        st = G6_EXIT_FAIL;
      } else {
        printf("g6 spec generate: wrote %zu files (spec %s)\n", out.n_files,
               s.hash);
      }
      g6_spec_output_free(&out);
    } else {
      g6_buf rep = G6_BUF_INIT;
      st = g6_spec_check(&out, o.root, &rep);
      if (st) {
        fputs(rep.data ? rep.data : "", stdout);
        printf("g6 spec check: generated files are stale (exit %d); run `g6 "
               "spec generate` and commit\n",
               st);
      } else {
        printf("g6 spec check: %zu generated files match spec %s\n",
               out.n_files, s.hash);
      }
      g6_buf_free(&rep);
      g6_spec_output_free(&out);
    }
  }
  g6_spec_free(&s);
  return st;
}
