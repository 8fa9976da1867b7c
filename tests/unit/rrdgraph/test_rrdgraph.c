/* g6 rrdgraph (tools/g6/rrdgraph/): collectd's RRD file names mapped to the
 * spec's identities, the graphs per dashboard plan, the rrdtool arguments
 * they build, and — with real RRD files written by librrd — the sums
 * rrdtool draws (unknown values count as nothing, like PromQL's
 * `sum(x >= -Inf)`), the window each file has data in, and every step
 * verdict. */
#include "g6_test.h"

#include "metrics/metrics_gen.h"
#include "rrdgraph/rrd_graphs.h"
#include "rrdgraph/rrd_render.h"
#include "rrdgraph/rrd_scan.h"

#include <fcntl.h>
#include <rrd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- names ------------------------------------------------------------ */

static void file_names_map_to_metrics(void **state) {
  (void)state;
  static const struct {
    const char *dir, *file;
    const g6_metric_def *def;
    g6_rrd_part part;
    const char *pi, *ti;
  } v[] = {
      {"g6_index-NIFTY", "collected_legs-this_week.rrd",
       &g6m_def_legs_collected, G6_RRD_VALUE, "NIFTY", "this_week"},
      /* the host total keeps the type, under its own plugin */
      {"g6_host-sum", "collected_legs.rrd", &g6m_def_host_legs_collected,
       G6_RRD_VALUE, "sum", ""},
      /* an index name with '-' stays whole */
      {"g6_index-NIFTY-W", "spot_points.rrd", &g6m_def_index_spot, G6_RRD_VALUE,
       "NIFTY-W", ""},
      {"g6_api-quote", "latency_seconds_bucket-0.25.rrd", &g6m_def_api_latency,
       G6_RRD_BUCKET, "quote", "0.25"},
      {"g6_api-quote", "latency_seconds_bucket-+Inf.rrd", &g6m_def_api_latency,
       G6_RRD_BUCKET, "quote", "+Inf"},
      {"g6_api-quote", "latency_seconds_count.rrd", &g6m_def_api_latency,
       G6_RRD_COUNT, "quote", ""},
      {"g6_api-quote", "latency_seconds_sum.rrd", &g6m_def_api_latency,
       G6_RRD_SUM, "quote", ""},
      {"g6_api", "circuit_state.rrd", &g6m_def_api_circuit_state, G6_RRD_VALUE,
       "", ""},
      {"g6_metrics-g6_chain", "refusals-budget.rrd", &g6m_def_metrics_refusals,
       G6_RRD_VALUE, "g6_chain", "budget"},
      {"g6_bucket-NIFTY", "open_interest_contracts-atm.short.rrd",
       &g6m_def_bucket_oi, G6_RRD_VALUE, "NIFTY", "atm.short"},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    g6_rrd_file f;
    if (!g6_rrd_match(g6m_catalog, g6m_catalog_len, v[i].dir, v[i].file, &f))
      fail_msg("%s/%s: no match", v[i].dir, v[i].file);
    if (f.def != v[i].def || f.part != v[i].part ||
        strcmp(f.pi, v[i].pi) != 0 || strcmp(f.ti, v[i].ti) != 0)
      fail_msg("%s/%s: got %s part %d pi \"%s\" ti \"%s\"", v[i].dir, v[i].file,
               f.def->name, f.part, f.pi, f.ti);
  }
  static const char *const no[][2] = {
      {"cpu-0", "cpu-idle.rrd"}, /* another plugin */
      {"g6_index-NIFTY", "collected_legs-this_week.rrd.bak"},
      {"g6_index", "spot_points.rrd"}, /* needs an index */
      {"g6_index-", "spot_points.rrd"},
      {"g6_index-NIFTY", "collected_legs.rrd"}, /* needs an expiry */
      {"g6_index-NIFTY", "collected_legsx-this_week.rrd"},
      {"g6_api-quote", "latency_seconds.rrd"}, /* no such part */
      {"g6-0.1.0", ".rrd"},
  };
  for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
    g6_rrd_file f;
    if (g6_rrd_match(g6m_catalog, g6m_catalog_len, no[i][0], no[i][1], &f))
      fail_msg("%s/%s matched %s", no[i][0], no[i][1], f.def->name);
  }
}

/* Every graph draws metrics of its own plan's families (what the matching
 * Grafana dashboard shows), every plan has graphs, and a title names its
 * instance exactly when the graph is drawn per instance. */
static void graphs_follow_the_plans(void **state) {
  (void)state;
  for (size_t p = 0; p < g6m_plans_len; p++) {
    size_t n = 0;
    for (size_t i = 0; i < g6_rg_graphs_len; i++)
      n += strcmp(g6_rg_graphs[i].plan, g6m_plans[p].slug) == 0;
    if (n == 0)
      fail_msg("plan %s has no graph", g6m_plans[p].slug);
  }
  for (size_t i = 0; i < g6_rg_graphs_len; i++) {
    const g6_rg_graph *g = &g6_rg_graphs[i];
    const g6_metric_plan *plan = NULL;
    for (size_t p = 0; p < g6m_plans_len; p++)
      if (strcmp(g6m_plans[p].slug, g->plan) == 0)
        plan = &g6m_plans[p];
    if (plan == NULL)
      fail_msg("%s-%s: unknown plan", g->plan, g->name);
    for (size_t s = 0; s < G6_RG_MAX_SOURCES && g->src[s].def; s++) {
      bool in = false;
      for (size_t f = 0; f < plan->n_families; f++)
        in = in || strcmp(plan->families[f], g->src[s].def->family) == 0;
      if (!in)
        fail_msg("%s-%s: %s (family %s) is not on plan %s", g->plan, g->name,
                 g->src[s].def->name, g->src[s].def->family, g->plan);
    }
    if ((strstr(g->title, "%s") != NULL) != g->per_instance)
      fail_msg("%s-%s: title and per_instance disagree", g->plan, g->name);
  }
}

/* ---- building ---------------------------------------------------------- */

static const g6_rg_graph *graph(const char *plan, const char *name) {
  for (size_t i = 0; i < g6_rg_graphs_len; i++)
    if (strcmp(g6_rg_graphs[i].plan, plan) == 0 &&
        strcmp(g6_rg_graphs[i].name, name) == 0)
      return &g6_rg_graphs[i];
  fail_msg("no graph %s-%s", plan, name);
  return NULL;
}

static void add(g6_rrd_set *s, const char *root, const char *dir,
                const char *file, g6_rrd_data data) {
  g6_rrd_file f;
  assert_true(g6_rrd_match(g6m_catalog, g6m_catalog_len, dir, file, &f));
  f.data = data;
  char path[512];
  snprintf(path, sizeof(path), "%s/%s/%s", root, dir, file);
  f.path = strdup(path);
  s->v = realloc(s->v, (s->n + 1) * sizeof(*s->v));
  s->v[s->n++] = f;
}

static bool has_arg(const g6_rg_built *b, const char *want) {
  for (size_t i = 0; i < b->argc; i++)
    if (strcmp(b->argv[i], want) == 0)
      return true;
  return false;
}

static void expect_arg(const g6_rg_built *b, const char *want) {
  if (has_arg(b, want))
    return;
  fprintf(stderr, "# arguments:\n");
  for (size_t i = 0; i < b->argc; i++)
    fprintf(stderr, "#   %s\n", b->argv[i]);
  fail_msg("missing argument \"%s\"", want);
}

static const g6_rg_opts OPTS = {"/out", "h1", "end-1h", "now", 800, 220};

/* Per index, expiries added (ADDNAN) into one stacked area each; the host
 * total a black line over them; a file with nothing in the window left out;
 * ':' in a path escaped. */
static void legs_graph_arguments(void **state) {
  (void)state;
  g6_rrd_set s = {0};
  add(&s, "/r:d/h1", "g6_index-NIFTY", "collected_legs-this_week.rrd",
      G6_RRD_VALUES);
  add(&s, "/r:d/h1", "g6_index-NIFTY", "collected_legs-next_week.rrd",
      G6_RRD_ZEROS);
  add(&s, "/r:d/h1", "g6_index-SENSEX", "collected_legs-this_week.rrd",
      G6_RRD_VALUES);
  add(&s, "/r:d/h1", "g6_index-FINNIFTY", "collected_legs-this_month.rrd",
      G6_RRD_NOTHING);
  add(&s, "/r:d/h1", "g6_host-sum", "collected_legs.rrd", G6_RRD_VALUES);
  g6_rg_built b;
  g6_error e;
  assert_int_equal(
      g6_rg_build(graph("overview", "legs"), NULL, &s, &OPTS, &b, &e), G6_OK);
  assert_string_equal(b.file, "overview-legs.png");
  assert_string_equal(b.argv[1], "/out/overview-legs.png");
  assert_int_equal(b.n_lines, 3);
  assert_string_equal(b.lines[0].label, "NIFTY");
  assert_int_equal(b.lines[0].n_files, 2); /* a gauge at 0 is a value */
  assert_string_equal(b.lines[1].label, "SENSEX");
  assert_string_equal(b.lines[2].label, "host total (aggregation)");
  expect_arg(&b, "DEF:d1=/r\\:d/h1/g6_index-NIFTY/"
                 "collected_legs-next_week.rrd:value:AVERAGE");
  expect_arg(&b, "CDEF:l0=d0,d1,ADDNAN");
  expect_arg(&b, "CDEF:l1=d2");
  expect_arg(&b, "AREA:l0#1f77b4cc:NIFTY                    ");
  expect_arg(&b, "AREA:l1#ff7f0ecc:SENSEX                   :STACK");
  expect_arg(&b, "LINE2:l2#000000:host total (aggregation) ");
  expect_arg(&b, "PRINT:l2last:%.6lf");
  expect_arg(&b, "--lower-limit=0");
  g6_rg_built_free(&b);
  g6_rrd_set_free(&s);
}

/* A counter that did not move draws nothing (sixteen flat error lines would
 * hide the one that matters); a graph left without a line is G6_ENOENT. The
 * errors graph adds every endpoint's files of one result. */
static void counters_without_movement_are_left_out(void **state) {
  (void)state;
  g6_rrd_set s = {0};
  add(&s, "/r", "g6_api-quote", "calls-ok.rrd", G6_RRD_VALUES);
  add(&s, "/r", "g6_api-quote", "calls-timeout.rrd", G6_RRD_VALUES);
  add(&s, "/r", "g6_api-ltp", "calls-timeout.rrd", G6_RRD_VALUES);
  add(&s, "/r", "g6_api-quote", "calls-http.rrd", G6_RRD_ZEROS);
  g6_rg_built b;
  g6_error e;
  assert_int_equal(
      g6_rg_build(graph("provider", "errors"), NULL, &s, &OPTS, &b, &e), G6_OK);
  assert_int_equal(b.n_lines, 1);
  assert_string_equal(b.lines[0].label, "timeout");
  assert_int_equal(b.lines[0].n_files, 2);
  expect_arg(&b, "--vertical-label=calls per second");
  g6_rg_built_free(&b);
  s.v[1].data = s.v[2].data = G6_RRD_ZEROS;
  assert_int_equal(
      g6_rg_build(graph("provider", "errors"), NULL, &s, &OPTS, &b, &e),
      G6_ENOENT);
  g6_rg_built_free(&b);
  g6_rrd_set_free(&s);
}

/* Per-instance graphs: one per index, its files only; the nearest expiry
 * with data for the max-pain graph (this_week has none here); a histogram
 * as its mean, from the sum and count of each endpoint that had requests. */
static void per_index_nearest_expiry_and_means(void **state) {
  (void)state;
  g6_rrd_set s = {0};
  add(&s, "/r", "g6_index-NIFTY", "max_pain_points-this_week.rrd",
      G6_RRD_NOTHING);
  add(&s, "/r", "g6_index-NIFTY", "max_pain_points-this_month.rrd",
      G6_RRD_VALUES);
  add(&s, "/r", "g6_index-NIFTY", "max_pain_points-next_week.rrd",
      G6_RRD_VALUES);
  add(&s, "/r", "g6_index-NIFTY", "support_points-next_week.rrd",
      G6_RRD_VALUES);
  add(&s, "/r", "g6_index-NIFTY", "support_points-this_month.rrd",
      G6_RRD_VALUES);
  add(&s, "/r", "g6_index-SENSEX", "max_pain_points-this_week.rrd",
      G6_RRD_VALUES);
  const g6_rg_graph *mp = graph("analytics", "max-pain");
  const char **inst;
  size_t n = g6_rg_instances(mp, &s, &inst);
  assert_int_equal(n, 2);
  assert_string_equal(inst[0], "NIFTY");
  assert_string_equal(inst[1], "SENSEX");
  g6_rg_built b;
  g6_error e;
  assert_int_equal(g6_rg_build(mp, "NIFTY", &s, &OPTS, &b, &e), G6_OK);
  assert_string_equal(b.file, "analytics-max-pain-NIFTY.png");
  assert_string_equal(b.title,
                      "NIFTY max pain, support and resistance (next_week)");
  assert_int_equal(b.n_lines, 2);
  assert_int_equal(b.n_files, 2);
  g6_rg_built_free(&b);
  free(inst);
  g6_rrd_set_free(&s);

  add(&s, "/r", "g6_api-quote", "latency_seconds_sum.rrd", G6_RRD_VALUES);
  add(&s, "/r", "g6_api-quote", "latency_seconds_count.rrd", G6_RRD_VALUES);
  add(&s, "/r", "g6_api-quote", "latency_seconds_bucket-0.25.rrd",
      G6_RRD_VALUES);
  add(&s, "/r", "g6_api-ltp", "latency_seconds_sum.rrd", G6_RRD_ZEROS);
  add(&s, "/r", "g6_api-ltp", "latency_seconds_count.rrd", G6_RRD_ZEROS);
  assert_int_equal(
      g6_rg_build(graph("provider", "latency"), NULL, &s, &OPTS, &b, &e),
      G6_OK);
  assert_int_equal(b.n_lines, 1);
  assert_string_equal(b.lines[0].label, "quote");
  expect_arg(&b, "CDEF:s0=d0");
  expect_arg(&b, "CDEF:c0=d1");
  expect_arg(&b, "CDEF:l0=c0,0,GT,s0,PREV(s0),-,STEPWIDTH,/,c0,/,UNKN,IF");
  g6_rg_built_free(&b);
  g6_rrd_set_free(&s);
}

/* ---- librrd ------------------------------------------------------------ */

static char root[64];

static void rrd(const char *dir, const char *file, unsigned long step,
                unsigned long hb, time_t t0, const char *const *values,
                size_t n) {
  char path[512];
  snprintf(path, sizeof(path), "%s/%s", root, dir);
  mkdir(path, 0755);
  snprintf(path, sizeof(path), "%s/%s/%s", root, dir, file);
  char ds[64];
  snprintf(ds, sizeof(ds), "DS:value:GAUGE:%lu:U:U", hb);
  const char *args[] = {ds, "RRA:AVERAGE:0.5:1:1200"};
  rrd_clear_error();
  if (rrd_create_r(path, step, t0 - 1, 2, args) != 0)
    fail_msg("rrd_create %s: %s", path, rrd_get_error());
  for (size_t i = 0; i < n; i++) {
    char u[64];
    snprintf(u, sizeof(u), "%ld:%s", (long)(t0 + (time_t)(i * step)),
             values[i]);
    const char *uv[] = {u};
    if (rrd_update_r(path, NULL, 1, uv) != 0)
      fail_msg("rrd_update %s: %s", path, rrd_get_error());
  }
}

/* Real files, rendered by librrd: NIFTY's unknown next_week adds nothing
 * to its known this_week (ADDNAN), the PNG is a PNG of the asked size, and
 * the window data of each file is what was written. */
static void renders_sums_like_promql(void **state) {
  (void)state;
  snprintf(root, sizeof(root), "/tmp/g6-rrdgraph-XXXXXX");
  assert_non_null(mkdtemp(root));
  time_t t0 = 1700000000;
  static const char *const legs[] = {"40", "40", "40", "40", "40", "40"};
  static const char *const unknown[] = {"U", "U", "U", "U", "U", "U"};
  static const char *const zeros[] = {"0", "0", "0", "0", "0", "0"};
  static const char *const sensex[] = {"12", "12", "12", "12", "12", "12"};
  rrd("g6_index-NIFTY", "collected_legs-this_week.rrd", 10, 20, t0, legs, 6);
  rrd("g6_index-NIFTY", "collected_legs-next_week.rrd", 10, 20, t0, unknown, 6);
  rrd("g6_index-SENSEX", "collected_legs-this_week.rrd", 10, 20, t0, sensex, 6);
  rrd("g6_index-SENSEX", "collected_legs-next_week.rrd", 10, 20, t0, zeros, 6);
  static const char *const total[] = {"52", "52", "52", "52", "52", "52"};
  rrd("g6_host-sum", "collected_legs.rrd", 10, 20, t0, total, 6);

  g6_rrd_set s;
  g6_error e;
  assert_int_equal(g6_rrd_scan(root, g6m_catalog, g6m_catalog_len, &s, &e),
                   G6_OK);
  assert_int_equal(s.n, 5);
  static const g6_rrd_data want[] = {G6_RRD_VALUES, G6_RRD_NOTHING,
                                     G6_RRD_VALUES, G6_RRD_ZEROS,
                                     G6_RRD_VALUES};
  /* sorted by path: host, NIFTY next, NIFTY this, SENSEX next, SENSEX this */
  for (size_t i = 0; i < s.n; i++) {
    assert_int_equal(
        g6_rrd_window_data(s.v[i].path, t0, t0 + 50, &s.v[i].data, &e), G6_OK);
    if (s.v[i].data != want[i])
      fail_msg("%s: data %d, want %d", s.v[i].path, s.v[i].data, want[i]);
  }
  char out[96];
  snprintf(out, sizeof(out), "%s/out", root);
  mkdir(out, 0755);
  g6_rg_opts o = {out, "h1", "1700000000", "1700000050", 400, 120};
  g6_rg_built b;
  assert_int_equal(g6_rg_build(graph("overview", "legs"), NULL, &s, &o, &b, &e),
                   G6_OK);
  double last[G6_RG_MAX_LINES];
  if (g6_rg_render(&b, last, &e) != G6_OK)
    fail_msg("render: %s", e.msg);
  assert_int_equal(b.n_lines, 3);
  assert_close(last[0], 40, 1e-9); /* NIFTY: 40 + unknown */
  assert_close(last[1], 12, 1e-9); /* SENSEX: 12 + 0 */
  assert_close(last[2], 52, 1e-9); /* the host total */
  char png[160];
  snprintf(png, sizeof(png), "%s/overview-legs.png", out);
  FILE *f = fopen(png, "rb");
  assert_non_null(f);
  unsigned char h[24];
  assert_int_equal(fread(h, 1, sizeof(h), f), sizeof(h));
  fclose(f);
  assert_memory_equal(h, "\x89PNG\r\n\x1a\n", 8);
  unsigned width = (unsigned)h[16] << 24 | (unsigned)h[17] << 16 |
                   (unsigned)h[18] << 8 | h[19];
  assert_true(width > 400); /* the plot area plus axis and margins */
  g6_rg_built_free(&b);

  /* a window rrdtool cannot read is an error with its message */
  g6_rrd_data d;
  assert_int_equal(g6_rrd_window_data("/nonexistent.rrd", t0, t0 + 50, &d, &e),
                   G6_EIO);
  assert_non_null(strstr(e.msg, "/nonexistent.rrd"));
  g6_rrd_set_free(&s);
}

/* A child process that holds the write lock collectd's rrdtool plugin
 * takes for an update (fcntl F_WRLCK on the whole file: locks of the same
 * process never conflict, hence the child) for `ms` milliseconds; returns
 * once the lock is held. */
static pid_t hold_write_lock(const char *path, int ms) {
  int ready[2];
  assert_int_equal(pipe(ready), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int fd = open(path, O_RDWR);
    struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fd < 0 || fcntl(fd, F_SETLKW, &l) != 0)
      _exit(1);
    if (write(ready[1], "x", 1) != 1)
      _exit(1);
    nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
    _exit(0);
  }
  close(ready[1]);
  char c;
  assert_int_equal(read(ready[0], &c, 1), 1);
  close(ready[0]);
  return pid;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* librrd's reads fail at once while collectd holds a file's write lock
 * ("could not lock RRD"); a `g6 rrdgraph` on a live host met it in 2 of 12
 * runs. Each read waits the update out; a lock held beyond
 * G6_RRD_LOCK_WAIT_MS is reported as such. */
static void reads_wait_out_an_update_lock(void **state) {
  (void)state;
  char path[160];
  snprintf(path, sizeof(path), "%s/g6_host-sum/collected_legs.rrd", root);
  time_t t0 = 1700000000;
  unsigned long step, hb;
  g6_error e;
  int status;
  pid_t pid = hold_write_lock(path, 300);
  if (g6_rrd_step(path, &step, &hb, &e) != G6_OK)
    fail_msg("step: %s", e.msg);
  assert_int_equal(step, 10);
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_int_equal(status, 0);

  pid = hold_write_lock(path, 300);
  g6_rrd_data d = G6_RRD_UNCHECKED;
  if (g6_rrd_window_data(path, t0, t0 + 50, &d, &e) != G6_OK)
    fail_msg("window: %s", e.msg);
  assert_int_equal(d, G6_RRD_VALUES);
  assert_int_equal(waitpid(pid, &status, 0), pid);

  g6_rrd_set s;
  assert_int_equal(g6_rrd_scan(root, g6m_catalog, g6m_catalog_len, &s, &e),
                   G6_OK);
  char out[96];
  snprintf(out, sizeof(out), "%s/out", root);
  g6_rg_opts o = {out, "h1", "1700000000", "1700000050", 400, 120};
  g6_rg_built b;
  assert_int_equal(g6_rg_build(graph("overview", "legs"), NULL, &s, &o, &b, &e),
                   G6_OK);
  double last[G6_RG_MAX_LINES];
  pid = hold_write_lock(path, 300);
  if (g6_rg_render(&b, last, &e) != G6_OK)
    fail_msg("render: %s", e.msg);
  assert_close(last[2], 52, 1e-9); /* the host total, the locked file */
  assert_int_equal(waitpid(pid, &status, 0), pid);

  /* held for longer: the cause is named, after the wait */
  pid = hold_write_lock(path, 60000);
  double t = now_s();
  assert_int_equal(g6_rrd_step(path, &step, &hb, &e), G6_EIO);
  assert_true(now_s() - t >= G6_RRD_LOCK_WAIT_MS / 1000.0);
  assert_non_null(strstr(e.msg, path));
  assert_non_null(strstr(e.msg, "could not lock RRD"));
  assert_non_null(strstr(e.msg, "2000 ms"));
  assert_int_equal(g6_rg_render(&b, last, &e), G6_EIO);
  assert_non_null(strstr(e.msg, "could not lock RRD"));
  assert_int_equal(kill(pid, SIGKILL), 0);
  assert_int_equal(waitpid(pid, &status, 0), pid);
  /* no temporary PNG is left behind by the failed tries */
  char cmd[200];
  snprintf(cmd, sizeof(cmd), "ls %s | grep -q tmp", out);
  assert_int_not_equal(system(cmd), 0);
  g6_rg_built_free(&b);
  g6_rrd_set_free(&s);
}

/* Every verdict on a file made with step 10 s and heartbeat 20 s (what
 * collectd creates at Interval 10), read back through librrd. */
static void step_verdicts(void **state) {
  (void)state;
  unsigned long step, hb;
  g6_error e;
  char path[160];
  snprintf(path, sizeof(path), "%s/g6_host-sum/collected_legs.rrd", root);
  assert_int_equal(g6_rrd_step(path, &step, &hb, &e), G6_OK);
  assert_int_equal(step, 10);
  assert_int_equal(hb, 20);
  assert_int_equal(g6_step_classify(step, hb, 10), G6_STEP_OK);
  assert_int_equal(g6_step_classify(step, hb, 15), G6_STEP_COARSER);
  assert_int_equal(g6_step_classify(step, hb, 20), G6_STEP_COARSER);
  assert_int_equal(g6_step_classify(step, hb, 30), G6_STEP_LOST);
  assert_int_equal(g6_step_classify(step, hb, 5), G6_STEP_FINER);
  assert_int_equal(g6_rrd_step("/nonexistent.rrd", &step, &hb, &e), G6_EIO);
  time_t t0, t1;
  assert_int_equal(g6_rrd_window("end-1h", "1700003600", &t0, &t1, &e), G6_OK);
  assert_int_equal(t0, 1700000000);
  assert_int_equal(t1, 1700003600);
  assert_int_equal(g6_rrd_window("yesterday-ish", "now", &t0, &t1, &e),
                   G6_EINVAL);
  assert_non_null(strstr(e.msg, "yesterday-ish"));
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
  assert_int_equal(system(cmd), 0);
}

/* A g6 plugin directory that cannot be read (here a symlink loop; EACCES
 * for the operator) is counted and named, not skipped as "nothing of
 * ours": its graphs would otherwise be left empty without a word. Other
 * plugins' directories and plain files stay ignored. */
static void unreadable_g6_directories_counted(void **state) {
  (void)state;
  char host[64], p[256];
  snprintf(host, sizeof(host), "/tmp/g6-rrdscan-XXXXXX");
  assert_non_null(mkdtemp(host));
  snprintf(p, sizeof(p), "%s/g6_index-NIFTY", host);
  assert_int_equal(mkdir(p, 0755), 0);
  snprintf(p, sizeof(p), "%s/g6_index-NIFTY/collected_legs-this_week.rrd",
           host);
  FILE *f = fopen(p, "w");
  assert_non_null(f);
  fclose(f);
  snprintf(p, sizeof(p), "%s/g6_index-BANKNIFTY", host);
  assert_int_equal(symlink("g6_index-BANKNIFTY", p), 0);
  snprintf(p, sizeof(p), "%s/cpu-0", host);
  assert_int_equal(symlink("cpu-0", p), 0);
  snprintf(p, sizeof(p), "%s/g6_api", host);
  f = fopen(p, "w");
  assert_non_null(f);
  fclose(f);
  g6_rrd_set s;
  g6_error e;
  assert_int_equal(g6_rrd_scan(host, g6m_catalog, g6m_catalog_len, &s, &e),
                   G6_OK);
  assert_int_equal(s.n, 1);
  assert_int_equal(s.unreadable, 1);
  assert_non_null(strstr(s.unreadable_first,
                         "g6_index-BANKNIFTY: Too many levels of symbolic"));
  g6_rrd_set_free(&s);
  /* a host whose only g6 directory is unreadable is still a g6 host */
  snprintf(p, sizeof(p), "%s/g6_index-NIFTY/collected_legs-this_week.rrd",
           host);
  assert_int_equal(unlink(p), 0);
  assert_true(g6_rrd_host_has_g6(host, g6m_catalog, g6m_catalog_len));
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", host);
  assert_int_equal(system(cmd), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(file_names_map_to_metrics),
      cmocka_unit_test(graphs_follow_the_plans),
      cmocka_unit_test(legs_graph_arguments),
      cmocka_unit_test(counters_without_movement_are_left_out),
      cmocka_unit_test(per_index_nearest_expiry_and_means),
      cmocka_unit_test(renders_sums_like_promql),
      cmocka_unit_test(reads_wait_out_an_update_lock),
      cmocka_unit_test(step_verdicts),
      cmocka_unit_test(unreadable_g6_directories_counted),
  };
  return G6_RUN_TESTS(tests);
}
