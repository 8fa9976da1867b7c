/* g6 rrdgraph — PNG graphs of one collectd host's g6 metrics from the RRD
 * files collectd's rrdtool plugin keeps: the local fallback where Prometheus
 * and Grafana are absent. The graphs of each dashboard plan are listed in
 * rrdgraph/rrd_graphs.c; every file's step is checked against the interval
 * its plugin dispatches at (rrdgraph/rrd_render.h).
 *
 * Exit status: 0 every graph drawn and every step right; 1 a step that no
 * longer matches the interval, a graph rrdtool could not draw, or a g6
 * plugin directory that could not be read; 2 bad
 * usage, an unreadable directory, no g6 RRD files. */
#include "cmd.h"

#include "core/buf.h"
#include "core/fsutil.h"
#include "config/plugins.h"
#include "core/jsonw.h"
#include "metrics/metrics_gen.h"
#include "rrdgraph/rrd_graphs.h"
#include "rrdgraph/rrd_render.h"
#include "rrdgraph/rrd_scan.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_RRD_DIR "/var/lib/collectd/rrd"
#define DEFAULT_INTERVAL 10.0 /* the shipped snippets' <LoadPlugin> Interval   \
                               */
#define MAX_INTERVALS 16

static int usage(FILE *out) {
  fprintf(
      out,
      "usage: g6 rrdgraph [--rrd-dir DIR] [--host HOST] [--out DIR] [--plan "
      "SLUG]...\n"
      "                   [--since DURATION | --start TIME --end TIME]\n"
      "                   [--interval [PLUGIN=]SECONDS]... [--width N] "
      "[--height N]\n"
      "                   [--json]\n"
      "\n"
      "Draws the g6 graphs of each dashboard plan (overview, provider, "
      "storage,\n"
      "analytics, desk, buckets, panels) as PNG files, from the RRD files "
      "collectd's\n"
      "rrdtool plugin keeps in DIR/HOST (DIR defaults to " DEFAULT_RRD_DIR ";\n"
      "HOST may be left out when DIR holds one host with g6 files), into OUT\n"
      "(default ./g6-graphs) with an index.html. --since 1h (s, m, h, d) is "
      "the\n"
      "default window; --start and --end take rrdtool's time specifications.\n"
      "Every g6 RRD file's step is checked against the interval its plugin\n"
      "dispatches at: --interval SECONDS for every plugin (default 10, the\n"
      "shipped snippets'), --interval g6_chain=30 for one. --json prints what "
      "was\n"
      "drawn (each line's last value) and the warnings as JSON.\n"
      "Exit status: 0 ok, 1 a step that does not match the interval, a "
      "graph\n"
      "that could not be drawn or a g6 plugin directory that could not be "
      "read,\n"
      "2 usage, unreadable DIR or no g6 RRD files.\n");
  return out == stdout ? G6_EXIT_OK : G6_EXIT_USAGE;
}

typedef struct interval_opt {
  const char *plugin; /* NULL: every plugin */
  double seconds;
} interval_opt;

typedef struct opts {
  const char *rrd_dir, *host, *out, *start, *end;
  const char *plans[16];
  size_t n_plans;
  interval_opt iv[MAX_INTERVALS];
  size_t n_iv;
  unsigned width, height;
  bool json;
  char start_buf[64];
} opts;

/* A plain positive decimal: digits with at most one '.' between digits
 * ("30", "0.5"); no sign, exponent, hex or blanks (which strtod takes). */
static bool plain_decimal(const char *s) {
  size_t n = strspn(s, "0123456789");
  if (n == 0)
    return false;
  if (s[n] == '.') {
    size_t m = strspn(s + n + 1, "0123456789");
    return m > 0 && s[n + 1 + m] == '\0';
  }
  return s[n] == '\0';
}

/* Whether `name` (len bytes) is one of g6's collectd plugins. */
static bool known_plugin(const char *name, size_t len) {
  for (size_t i = 0; i < g6_plugins_len; i++)
    if (strlen(g6_plugins[i].plugin) == len &&
        strncmp(g6_plugins[i].plugin, name, len) == 0)
      return true;
  return false;
}

static void allowed_plugins(FILE *out) {
  for (size_t i = 0; i < g6_plugins_len; i++)
    fprintf(out, "%s%s", i ? ", " : "", g6_plugins[i].plugin);
}

static bool parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi)
    return false;
  *out = (unsigned)v;
  return true;
}

/* "90", "15m", "1h", "2d" -> seconds; 0 when malformed. */
static unsigned long parse_duration(const char *s) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || end == s || v == 0)
    return 0;
  unsigned long mul = *end == '\0' || strcmp(end, "s") == 0 ? 1
                      : strcmp(end, "m") == 0               ? 60
                      : strcmp(end, "h") == 0               ? 3600
                      : strcmp(end, "d") == 0               ? 86400
                                                            : 0;
  return v * mul > 366UL * 86400 ? 0 : v * mul;
}

static bool known_plan(const char *slug) {
  for (size_t i = 0; i < g6m_plans_len; i++)
    if (strcmp(g6m_plans[i].slug, slug) == 0)
      return true;
  return false;
}

static void allowed_plans(FILE *f) {
  for (size_t i = 0; i < g6m_plans_len; i++)
    fprintf(f, "%s%s", i ? ", " : "", g6m_plans[i].slug);
}

static int parse_args(int argc, char **argv, opts *o) {
  memset(o, 0, sizeof(*o));
  o->rrd_dir = DEFAULT_RRD_DIR;
  o->out = "g6-graphs";
  o->end = "now";
  o->width = 800;
  o->height = 220;
  const char *since = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
      return usage(stdout) == G6_EXIT_OK ? -1 : G6_EXIT_USAGE;
    if (strcmp(a, "--json") == 0) {
      o->json = true;
      continue;
    }
    if (v == NULL) {
      fprintf(stderr, "g6 rrdgraph: unknown or incomplete option \"%s\"\n", a);
      return G6_EXIT_USAGE;
    }
    i++;
    if (strcmp(a, "--rrd-dir") == 0) {
      o->rrd_dir = v;
    } else if (strcmp(a, "--host") == 0) {
      o->host = v;
    } else if (strcmp(a, "--out") == 0) {
      o->out = v;
    } else if (strcmp(a, "--since") == 0) {
      since = v;
    } else if (strcmp(a, "--start") == 0) {
      o->start = v;
    } else if (strcmp(a, "--end") == 0) {
      o->end = v;
    } else if (strcmp(a, "--plan") == 0) {
      if (!known_plan(v)) {
        fprintf(stderr,
                "g6 rrdgraph: --plan \"%s\": unknown plan; allowed: ", v);
        allowed_plans(stderr);
        fputc('\n', stderr);
        return G6_EXIT_USAGE;
      }
      if (o->n_plans < sizeof(o->plans) / sizeof(o->plans[0]))
        o->plans[o->n_plans++] = v;
    } else if (strcmp(a, "--interval") == 0) {
      const char *eq = strchr(v, '=');
      const char *num = eq ? eq + 1 : v;
      if (eq && !known_plugin(v, (size_t)(eq - v))) {
        fprintf(stderr,
                "g6 rrdgraph: --interval \"%s\": unknown plugin \"%.*s\"; "
                "allowed: ",
                v, (int)(eq - v), v);
        allowed_plugins(stderr);
        fputc('\n', stderr);
        return G6_EXIT_USAGE;
      }
      double s = plain_decimal(num) ? strtod(num, NULL) : 0;
      if (!(s > 0 && s <= 86400) || o->n_iv == MAX_INTERVALS) {
        fprintf(stderr,
                "g6 rrdgraph: --interval \"%s\": allowed: SECONDS or "
                "PLUGIN=SECONDS, SECONDS a plain decimal, 0 < SECONDS <= 86400 "
                "(at most %d)\n",
                v, MAX_INTERVALS);
        return G6_EXIT_USAGE;
      }
      if (eq)
        *(char *)eq = '\0'; /* argv is ours: "g6_chain=30" -> "g6_chain" */
      o->iv[o->n_iv++] = (interval_opt){eq ? v : NULL, s};
    } else if (strcmp(a, "--width") == 0 || strcmp(a, "--height") == 0) {
      bool w = a[2] == 'w';
      if (!parse_uint(v, w ? 200 : 80, w ? 4000 : 2000,
                      w ? &o->width : &o->height)) {
        fprintf(stderr, "g6 rrdgraph: %s \"%s\": allowed: %s pixels\n", a, v,
                w ? "200 to 4000" : "80 to 2000");
        return G6_EXIT_USAGE;
      }
    } else {
      fprintf(stderr, "g6 rrdgraph: unknown option \"%s\"\n", a);
      return G6_EXIT_USAGE;
    }
  }
  if (since && o->start) {
    fprintf(stderr, "g6 rrdgraph: --since and --start exclude each other\n");
    return G6_EXIT_USAGE;
  }
  if (o->start == NULL) {
    unsigned long s = parse_duration(since ? since : "1h");
    if (s == 0) {
      fprintf(stderr,
              "g6 rrdgraph: --since \"%s\": allowed: a duration such as 90, "
              "15m, 1h, 2d (at most a year)\n",
              since);
      return G6_EXIT_USAGE;
    }
    snprintf(o->start_buf, sizeof(o->start_buf), "end-%lus", s);
    o->start = o->start_buf;
  }
  return G6_EXIT_OK;
}

/* ---- the host ------------------------------------------------------- */

/* Picks DIR/HOST: the one given, or the only host directory with g6 files. */
static int find_host(const opts *o, char *host, size_t sz) {
  if (o->host) {
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/%s", o->rrd_dir, o->host);
    if (!g6_rrd_host_has_g6(dir, g6m_catalog, g6m_catalog_len)) {
      fprintf(stderr,
              "g6 rrdgraph: --host \"%s\": %s holds no g6 RRD file (is "
              "collectd's rrdtool plugin writing to %s, under that "
              "Hostname?)\n",
              o->host, dir, o->rrd_dir);
      return G6_EXIT_USAGE;
    }
    snprintf(host, sz, "%s", o->host);
    return G6_EXIT_OK;
  }
  DIR *d = opendir(o->rrd_dir);
  if (d == NULL) {
    fprintf(stderr, "g6 rrdgraph: --rrd-dir %s: %s\n", o->rrd_dir,
            strerror(errno));
    return G6_EXIT_USAGE;
  }
  g6_buf found = G6_BUF_INIT;
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/%s", o->rrd_dir, e->d_name);
    if (!g6_rrd_host_has_g6(dir, g6m_catalog, g6m_catalog_len))
      continue;
    if (n++ == 0)
      snprintf(host, sz, "%s", e->d_name);
    g6_buf_printf(&found, "%s%s", n > 1 ? ", " : "", e->d_name);
  }
  closedir(d);
  int rc = G6_EXIT_OK;
  if (n == 0) {
    fprintf(stderr,
            "g6 rrdgraph: no g6 RRD files under %s (collectd's rrdtool plugin "
            "writes <DataDir>/<host>/...; give its DataDir with --rrd-dir)\n",
            o->rrd_dir);
    rc = G6_EXIT_USAGE;
  } else if (n > 1) {
    fprintf(stderr,
            "g6 rrdgraph: %s holds g6 RRD files of %zu hosts (%s): choose one "
            "with --host\n",
            o->rrd_dir, n, found.data);
    rc = G6_EXIT_USAGE;
  }
  g6_buf_free(&found);
  return rc;
}

/* ---- steps ---------------------------------------------------------- */

/* The collectd plugin that dispatches a file's values: the metric's owner,
 * or, for the runtime's own metrics ("*"), the plugin its instance names. */
static const char *owner_of(const g6_rrd_file *f) {
  return strcmp(f->def->owner, "*") == 0 ? f->pi : f->def->owner;
}

static double interval_of(const opts *o, const char *plugin) {
  double all = DEFAULT_INTERVAL;
  for (size_t i = 0; i < o->n_iv; i++) {
    if (o->iv[i].plugin == NULL)
      all = o->iv[i].seconds;
    else if (strcmp(o->iv[i].plugin, plugin) == 0)
      return o->iv[i].seconds;
  }
  return all;
}

/* Files of one plugin with the same step, heartbeat and verdict. */
typedef struct step_warning {
  char plugin[64];
  unsigned long step, heartbeat;
  double interval;
  g6_step_check check;
  size_t files;
  char example[4200];
} step_warning;

static const char *check_name(g6_step_check c) {
  return c == G6_STEP_LOST      ? "unknowns_stored"
         : c == G6_STEP_COARSER ? "interpolated"
         : c == G6_STEP_FINER   ? "averaged"
                                : "ok";
}

static size_t check_steps(const opts *o, g6_rrd_set *set, step_warning **out,
                          size_t *unreadable) {
  step_warning *w = NULL;
  size_t n = 0;
  *unreadable = 0;
  for (size_t i = 0; i < set->n; i++) {
    g6_rrd_file *f = &set->v[i];
    unsigned long step, hb;
    g6_error e;
    if (g6_rrd_step(f->path, &step, &hb, &e) != G6_OK) {
      fprintf(stderr, "g6 rrdgraph: warning: %s\n", e.msg);
      (*unreadable)++;
      f->unread = true;
      continue;
    }
    const char *plugin = owner_of(f);
    double iv = interval_of(o, plugin);
    g6_step_check c = g6_step_classify(step, hb, iv);
    if (c == G6_STEP_OK)
      continue;
    size_t k = 0;
    while (k < n && !(strcmp(w[k].plugin, plugin) == 0 && w[k].step == step &&
                      w[k].heartbeat == hb && w[k].check == c))
      k++;
    if (k == n) {
      step_warning *nw = realloc(w, (n + 1) * sizeof(*w));
      if (nw == NULL)
        break;
      w = nw;
      memset(&w[n], 0, sizeof(w[n]));
      snprintf(w[n].plugin, sizeof(w[n].plugin), "%s", plugin);
      w[n].step = step;
      w[n].heartbeat = hb;
      w[n].interval = iv;
      w[n].check = c;
      snprintf(w[n].example, sizeof(w[n].example), "%s", f->path);
      n++;
    }
    w[k].files++;
  }
  *out = w;
  return n;
}

static void print_step_warning(const step_warning *w) {
  fprintf(stderr,
          "g6 rrdgraph: warning: %zu RRD file(s) of %s (e.g. %s) have a step "
          "of %lu s and a heartbeat of %lu s, but %s dispatches every %g s: ",
          w->files, w->plugin, w->example, w->step, w->heartbeat, w->plugin,
          w->interval);
  if (w->check == G6_STEP_LOST)
    fprintf(stderr,
            "every update arrives after the heartbeat, so rrdtool stores only "
            "unknowns in them and their graphs stay empty. Stop collectd and "
            "raise the heartbeat of each (the history stays): rrdtool tune "
            "FILE --heartbeat value:%.0f, or move them away so collectd "
            "creates them anew (README, \"RRD files after an interval "
            "change\").\n",
            2 * w->interval);
  else if (w->check == G6_STEP_COARSER)
    fprintf(stderr,
            "they were created before the interval was raised; rows are "
            "filled by interpolation at the old step (nothing is lost). "
            "Raise the heartbeat to at least %.0f s before raising the "
            "interval further (README, \"RRD files after an interval "
            "change\").\n",
            2 * w->interval);
  else
    fprintf(stderr,
            "they were created before the interval was lowered; updates are "
            "averaged per %lu s step (nothing is lost, the resolution is the "
            "old one).\n",
            w->step);
}

/* ---- drawing -------------------------------------------------------- */

typedef struct drawn {
  g6_rg_built b;
  double last[G6_RG_MAX_LINES];
} drawn;

static bool plan_selected(const opts *o, const char *slug) {
  if (o->n_plans == 0)
    return true;
  for (size_t i = 0; i < o->n_plans; i++)
    if (strcmp(o->plans[i], slug) == 0)
      return true;
  return false;
}

static const char *plan_title(const char *slug) {
  for (size_t i = 0; i < g6m_plans_len; i++)
    if (strcmp(g6m_plans[i].slug, slug) == 0)
      return g6m_plans[i].title;
  return slug;
}

/* index.html: every graph drawn, by plan, in order. */
static int write_index(const opts *o, const char *host, const drawn *d,
                       size_t n) {
  g6_buf h = G6_BUF_INIT;
  g6_buf_printf(&h,
                "<!doctype html>\n<meta charset=\"utf-8\">\n<title>g6 graphs "
                "of %s</title>\n<h1>g6 graphs of %s</h1>\n<p>From the RRD "
                "files in %s/%s, %s to %s. Drawn by <code>g6 rrdgraph</code>; "
                "the same plans as the Grafana dashboards.</p>\n",
                host, host, o->rrd_dir, host, o->start, o->end);
  for (size_t p = 0; p < g6m_plans_len; p++) {
    bool any = false;
    for (size_t i = 0; i < n; i++) {
      if (strcmp(d[i].b.graph->plan, g6m_plans[p].slug) != 0)
        continue;
      if (!any)
        g6_buf_printf(&h, "<h2>%s</h2>\n", plan_title(g6m_plans[p].slug));
      any = true;
      g6_buf_printf(&h, "<p><img src=\"%s\" alt=\"%s\"></p>\n", d[i].b.file,
                    d[i].b.title);
    }
  }
  char path[4200];
  snprintf(path, sizeof(path), "%s/index.html", o->out);
  g6_error e;
  if (h.data == NULL ||
      g6_atomic_write(path, h.data, h.len, 0644, false, &e) != G6_OK) {
    fprintf(stderr, "g6 rrdgraph: %s: %s\n", path,
            h.data ? e.msg : "out of memory");
    g6_buf_free(&h);
    return G6_EXIT_FAIL;
  }
  g6_buf_free(&h);
  return G6_EXIT_OK;
}

static void print_json(const opts *o, const char *host, size_t n_files,
                       const drawn *d, size_t n, const g6_buf *skipped,
                       const step_warning *w, size_t nw, size_t failed) {
  g6_buf out = G6_BUF_INIT;
  g6_jw j;
  g6_jw_init(&j, &out, true);
  g6_jw_object_begin(&j);
  g6_jw_key(&j, "host");
  g6_jw_string(&j, host);
  g6_jw_key(&j, "rrd_dir");
  g6_jw_string(&j, o->rrd_dir);
  g6_jw_key(&j, "out");
  g6_jw_string(&j, o->out);
  g6_jw_key(&j, "rrd_files");
  g6_jw_int(&j, (int64_t)n_files);
  g6_jw_key(&j, "failed");
  g6_jw_int(&j, (int64_t)failed);
  g6_jw_key(&j, "graphs");
  g6_jw_array_begin(&j);
  for (size_t i = 0; i < n; i++) {
    g6_jw_object_begin(&j);
    g6_jw_key(&j, "plan");
    g6_jw_string(&j, d[i].b.graph->plan);
    g6_jw_key(&j, "file");
    g6_jw_string(&j, d[i].b.file);
    g6_jw_key(&j, "title");
    g6_jw_string(&j, d[i].b.title);
    g6_jw_key(&j, "lines");
    g6_jw_array_begin(&j);
    for (size_t l = 0; l < d[i].b.n_lines; l++) {
      g6_jw_object_begin(&j);
      g6_jw_key(&j, "label");
      g6_jw_string(&j, d[i].b.lines[l].label);
      g6_jw_key(&j, "files");
      g6_jw_int(&j, (int64_t)d[i].b.lines[l].n_files);
      g6_jw_key(&j, "last");
      g6_jw_number_or_null(&j, d[i].last[l]);
      g6_jw_object_end(&j);
    }
    g6_jw_array_end(&j);
    g6_jw_object_end(&j);
  }
  g6_jw_array_end(&j);
  g6_jw_key(&j, "skipped");
  g6_jw_array_begin(&j);
  for (const char *p = skipped->data; p && *p;) {
    const char *nl = strchr(p, '\n');
    char name[256];
    snprintf(name, sizeof(name), "%.*s", (int)(nl ? nl - p : (long)strlen(p)),
             p);
    g6_jw_string(&j, name);
    p = nl ? nl + 1 : p + strlen(p);
  }
  g6_jw_array_end(&j);
  g6_jw_key(&j, "warnings");
  g6_jw_array_begin(&j);
  for (size_t i = 0; i < nw; i++) {
    g6_jw_object_begin(&j);
    g6_jw_key(&j, "plugin");
    g6_jw_string(&j, w[i].plugin);
    g6_jw_key(&j, "problem");
    g6_jw_string(&j, check_name(w[i].check));
    g6_jw_key(&j, "files");
    g6_jw_int(&j, (int64_t)w[i].files);
    g6_jw_key(&j, "step");
    g6_jw_int(&j, (int64_t)w[i].step);
    g6_jw_key(&j, "heartbeat");
    g6_jw_int(&j, (int64_t)w[i].heartbeat);
    g6_jw_key(&j, "interval");
    g6_jw_real(&j, w[i].interval);
    g6_jw_key(&j, "example");
    g6_jw_string(&j, w[i].example);
    g6_jw_object_end(&j);
  }
  g6_jw_array_end(&j);
  g6_jw_object_end(&j);
  if (g6_jw_finish(&j) == G6_OK && out.data)
    printf("%s\n", out.data);
  g6_buf_free(&out);
}

int g6_cmd_rrdgraph(int argc, char **argv) {
  opts o;
  int rc = parse_args(argc, argv, &o);
  if (rc != G6_EXIT_OK)
    return rc < 0 ? G6_EXIT_OK : rc;
  char host[256];
  if ((rc = find_host(&o, host, sizeof(host))) != G6_EXIT_OK)
    return rc;
  char host_dir[4096];
  snprintf(host_dir, sizeof(host_dir), "%s/%s", o.rrd_dir, host);
  g6_rrd_set set;
  g6_error e;
  if (g6_rrd_scan(host_dir, g6m_catalog, g6m_catalog_len, &set, &e) != G6_OK) {
    fprintf(stderr, "g6 rrdgraph: %s\n", e.msg);
    g6_rrd_set_free(&set);
    return G6_EXIT_USAGE;
  }
  if (set.unreadable > 0)
    fprintf(stderr,
            "g6 rrdgraph: %zu g6 plugin director%s of %s could not be read "
            "(the graphs leave %s out); first: %s\n",
            set.unreadable, set.unreadable == 1 ? "y" : "ies", host_dir,
            set.unreadable == 1 ? "it" : "them", set.unreadable_first);
  if (g6_mkdir_p(o.out, 0755, &e) != G6_OK) {
    fprintf(stderr, "g6 rrdgraph: --out %s: %s\n", o.out, e.msg);
    g6_rrd_set_free(&set);
    return G6_EXIT_USAGE;
  }
  time_t t0, t1;
  if (g6_rrd_window(o.start, o.end, &t0, &t1, &e) != G6_OK) {
    fprintf(stderr, "g6 rrdgraph: %s\n", e.msg);
    g6_rrd_set_free(&set);
    return G6_EXIT_USAGE;
  }
  step_warning *w = NULL;
  size_t unreadable = 0;
  size_t nw = check_steps(&o, &set, &w, &unreadable);
  /* what each file holds in the window: lines with nothing are left out,
   * and so are files that cannot be read (each reported once) */
  for (size_t i = 0; i < set.n; i++) {
    g6_rrd_file *f = &set.v[i];
    if (!f->unread &&
        g6_rrd_window_data(f->path, t0, t1, &f->data, &e) != G6_OK) {
      fprintf(stderr, "g6 rrdgraph: warning: %s\n", e.msg);
      unreadable++;
      f->unread = true;
    }
    if (f->unread)
      f->data = G6_RRD_NOTHING;
  }
  for (size_t i = 0; i < nw; i++)
    print_step_warning(&w[i]);

  g6_rg_opts go = {o.out, host, o.start, o.end, o.width, o.height};
  drawn *d = NULL;
  size_t n = 0, failed = 0;
  g6_buf skipped = G6_BUF_INIT;
  for (size_t gi = 0; gi < g6_rg_graphs_len; gi++) {
    const g6_rg_graph *g = &g6_rg_graphs[gi];
    if (!plan_selected(&o, g->plan))
      continue;
    const char **inst = NULL;
    size_t ni = g->per_instance ? g6_rg_instances(g, &set, &inst) : 1;
    if (g->per_instance && ni == 0)
      g6_buf_printf(&skipped, "%s-%s\n", g->plan, g->name);
    for (size_t k = 0; k < ni; k++) {
      drawn *nd = realloc(d, (n + 1) * sizeof(*d));
      if (nd == NULL)
        break;
      d = nd;
      drawn *x = &d[n];
      g6_status st = g6_rg_build(g, g->per_instance ? inst[k] : NULL, &set, &go,
                                 &x->b, &e);
      if (st == G6_OK)
        st = g6_rg_render(&x->b, x->last, &e);
      if (st == G6_OK) {
        if (!o.json)
          printf("wrote %s/%s: %s (%zu line%s from %zu RRD file%s)\n", o.out,
                 x->b.file, x->b.title, x->b.n_lines,
                 x->b.n_lines == 1 ? "" : "s", x->b.n_files,
                 x->b.n_files == 1 ? "" : "s");
        n++;
        continue;
      }
      if (st == G6_ENOENT) {
        g6_buf_printf(&skipped, "%s\n", x->b.file);
      } else {
        fprintf(stderr, "g6 rrdgraph: %s\n", e.msg);
        failed++;
      }
      g6_rg_built_free(&x->b);
    }
    free(inst);
  }
  if (write_index(&o, host, d, n) != G6_EXIT_OK)
    failed++;
  if (o.json) {
    print_json(&o, host, set.n, d, n, &skipped, w, nw, failed);
  } else {
    size_t n_skipped = 0;
    for (const char *p = skipped.data; p && *p; p++)
      n_skipped += *p == '\n';
    printf("g6 rrdgraph: %zu graph%s of host %s from %zu RRD files into %s "
           "(index.html)%s%zu without data, %zu step warning%s\n",
           n, n == 1 ? "" : "s", host, set.n, o.out, "; ", n_skipped, nw,
           nw == 1 ? "" : "s");
  }
  for (size_t i = 0; i < n; i++)
    g6_rg_built_free(&d[i].b);
  free(d);
  free(w);
  g6_buf_free(&skipped);
  size_t set_unreadable = set.unreadable;
  g6_rrd_set_free(&set);
  return nw || failed || unreadable || set_unreadable ? G6_EXIT_FAIL
                                                      : G6_EXIT_OK;
}
