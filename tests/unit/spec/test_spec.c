/* The spec loader, linter and generators (spec/spec.h) on a small spec and on
 * the repository's own spec/metrics.yml. Lint rules are table-driven: each
 * vector edits the base spec and names the diagnostic it must produce. */
#include "g6_test.h"

#include "spec/spec.h"
#include "spec/spec_internal.h"

static const char BASE[] =
    "version: 1\n"
    "runbook_base: \"r#\"\n"
    "units:\n"
    "  seconds: {grafana: s, rate: percentunit}\n"
    "  calls: {grafana: short, rate: reqps}\n"
    "  refusals: {grafana: short, rate: ops}\n"
    "  failures: {grafana: short, rate: ops}\n"
    "  series: {grafana: short, rate: ops}\n"
    "  info: {grafana: none, rate: none}\n"
    "  bytes: {grafana: bytes, rate: Bps}\n"
    "domains:\n"
    "  owner_plugin: {help: plugins, values: [g6_info, g6_chain]}\n"
    "  refusal_reason: {help: why, values: [budget, unknown_value, invalid]}\n"
    "  version: {help: v, open: true, max: 1, example: \"1.0\"}\n"
    "  spec_hash: {help: h, open: true, max: 1, example: abc}\n"
    "  endpoint: {help: e, values: [quote, ltp]}\n"
    "  result: {help: r, values: [ok, timeout]}\n"
    "families:\n"
    "  build:\n"
    "    owner: g6_info\n"
    "    title: Build\n"
    "    help: Build.\n"
    "    metrics:\n"
    "      - name: build_info\n"
    "        kind: gauge\n"
    "        unit: info\n"
    "        help: Always 1 with the version.\n"
    "        plugin: g6\n"
    "        type: build_info\n"
    "        exported: collectd_g6_build_info\n"
    "        labels:\n"
    "          - {name: g6, from: plugin_instance, domain: version}\n"
    "        budget: 1\n"
    "      - name: spec_hash_info\n"
    "        kind: gauge\n"
    "        unit: info\n"
    "        help: Always 1 with the hash.\n"
    "        plugin: g6_spec\n"
    "        type: hash_info\n"
    "        exported: collectd_g6_spec_hash_info\n"
    "        labels:\n"
    "          - {name: g6_spec, from: plugin_instance, domain: spec_hash}\n"
    "        budget: 1\n"
    "  runtime:\n"
    "    owner: \"*\"\n"
    "    title: Runtime\n"
    "    help: Runtime.\n"
    "    metrics:\n"
    "      - name: metrics_refusals\n"
    "        kind: counter\n"
    "        unit: refusals\n"
    "        help: Refused values by reason.\n"
    "        plugin: g6_metrics\n"
    "        type: refusals\n"
    "        exported: collectd_g6_metrics_refusals_total\n"
    "        labels:\n"
    "          - {name: g6_metrics, from: plugin_instance, domain: "
    "owner_plugin}\n"
    "          - {name: type, from: type_instance, domain: refusal_reason}\n"
    "        budget: 6\n"
    "      - name: metrics_dispatch_failures\n"
    "        kind: counter\n"
    "        unit: failures\n"
    "        help: Failed dispatches.\n"
    "        plugin: g6_metrics\n"
    "        type: dispatch_failures\n"
    "        exported: collectd_g6_metrics_dispatch_failures_total\n"
    "        labels:\n"
    "          - {name: g6_metrics, from: plugin_instance, domain: "
    "owner_plugin}\n"
    "        budget: 2\n"
    "      - name: metrics_series\n"
    "        kind: gauge\n"
    "        unit: series\n"
    "        help: Admitted series.\n"
    "        plugin: g6_metrics\n"
    "        type: admitted_series\n"
    "        exported: collectd_g6_metrics_admitted_series\n"
    "        labels:\n"
    "          - {name: g6_metrics, from: plugin_instance, domain: "
    "owner_plugin}\n"
    "        budget: 2\n"
    "  api:\n"
    "    owner: g6_chain\n"
    "    title: API\n"
    "    help: API.\n"
    "    metrics:\n"
    "      - name: api_calls\n"
    "        kind: counter\n"
    "        unit: calls\n"
    "        help: Requests by endpoint and result.\n"
    "        plugin: g6_api\n"
    "        type: calls\n"
    "        exported: collectd_g6_api_calls_total\n"
    "        labels:\n"
    "          - {name: g6_api, from: plugin_instance, domain: endpoint}\n"
    "          - {name: type, from: type_instance, domain: result}\n"
    "        budget: 4\n"
    "        alerts:\n"
    "          - alert: G6ApiDown\n"
    "            expr: 'sum by (instance) "
    "(rate(collectd_g6_api_calls_total{type!=\"ok\"}[5m])) > 1'\n"
    "            for: 5m\n"
    "            severity: warning\n"
    "            summary: Requests fail.\n"
    "            description: '{{ $labels.instance }}: {{ $value | humanize "
    "}}/s.'\n"
    "            test:\n"
    "              series:\n"
    "                - {series: 'collectd_g6_api_calls_total{g6_api=\"quote\","
    "type=\"timeout\",instance=\"h\"}', values: '0+120x20'}\n"
    "              eval_time: 15m\n"
    "              labels: {instance: h}\n"
    "              value: \"2\"\n"
    "      - name: api_latency\n"
    "        kind: histogram\n"
    "        unit: seconds\n"
    "        help: Latency by endpoint.\n"
    "        plugin: g6_api\n"
    "        type: latency_seconds\n"
    "        exported: collectd_g6_api_latency_seconds\n"
    "        labels:\n"
    "          - {name: g6_api, from: plugin_instance, domain: endpoint}\n"
    "        buckets: [0.1, 1, 10]\n"
    "        budget: 2\n";

static const char PLANS[] = "plans:\n"
                            "  - slug: main\n"
                            "    title: Main\n"
                            "    description: Everything.\n"
                            "    tags: [g6]\n"
                            "    families: [build, runtime, api]\n";

static const char STOCK[] = "# stock\nlatency value:GAUGE:0:U\n"
                            "bytes value:GAUGE:0:U\n";

/* Loads + lints `text` (BASE when NULL); returns the diagnostics text. */
static size_t run(const char *text, const char *plans, g6_buf *out,
                  g6_spec *keep) {
  g6_spec s;
  g6_spec_diags d = {0};
  const char *t = text ? text : BASE;
  const char *p = plans ? plans : PLANS;
  g6_status rc = g6_spec_load("spec.yml", t, strlen(t), "plans.yml", p,
                              strlen(p), &s, &d);
  if (rc == G6_OK)
    g6_spec_lint(&s, STOCK, &d);
  g6_spec_diags_print(&d, out);
  size_t n = d.n;
  g6_spec_diags_free(&d);
  if (keep)
    *keep = s;
  else
    g6_spec_free(&s);
  return n;
}

/* `base` with the first `old` replaced by `new_` (malloc'ed). */
static char *edited_in(const char *base, const char *old, const char *new_) {
  const char *at = strstr(base, old);
  if (at == NULL)
    fail_msg("vector setup: \"%s\" not in the spec", old);
  size_t pre = (size_t)(at - base);
  char *out = malloc(strlen(base) + strlen(new_) + 1);
  memcpy(out, base, pre);
  strcpy(out + pre, new_);
  strcat(out, at + strlen(old));
  return out;
}

/* BASE with the first `old` replaced by `new_`. */
static char *edited(const char *old, const char *new_) {
  return edited_in(BASE, old, new_);
}

/* Lints `text` (taking it) with `plans` (NULL: PLANS) and fails unless a
 * diagnostic holds `want`. */
static void expect_diag(char *text, const char *plans, const char *name,
                        const char *want) {
  g6_buf out = G6_BUF_INIT;
  size_t n = run(text, plans, &out, NULL);
  if (n == 0 || out.data == NULL || strstr(out.data, want) == NULL)
    fail_msg("vector \"%s\": want \"%s\" in:\n%s", name, want,
             out.data ? out.data : "(no diagnostics)");
  g6_buf_free(&out);
  free(text);
}

static void base_spec_is_clean(void **state) {
  (void)state;
  g6_buf out = G6_BUF_INIT;
  size_t n = run(NULL, NULL, &out, NULL);
  if (n)
    fail_msg("%s", out.data);
  g6_buf_free(&out);
}

static void exported_name_vectors(void **state) {
  (void)state;
  static const struct {
    const char *plugin, *type, *ds, *dst, *want;
  } v[] = {
      {"g6_index", "pcr", "value", "GAUGE", "collectd_g6_index_pcr"},
      {"g6_api", "calls", "value", "DERIVE", "collectd_g6_api_calls_total"},
      {"g6_api", "calls", "value", "COUNTER", "collectd_g6_api_calls_total"},
      {"load", "load", "value", "GAUGE", "collectd_load"},
      {"g6", "g6", "value", "DERIVE", "collectd_g6_total"},
      {"g6_x", "octets", "rx", "DERIVE", "collectd_g6_x_octets_rx_total"},
      {"g6_x", "t", "shortterm", "GAUGE", "collectd_g6_x_t_shortterm"},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    g6_buf b = G6_BUF_INIT;
    g6_spec_exported_name(v[i].plugin, v[i].type, v[i].ds, v[i].dst, &b);
    assert_string_equal(b.data, v[i].want);
    g6_buf_free(&b);
  }
  char le[32];
  static const struct {
    double v;
    const char *want;
  } b[] = {{0.025, "0.025"}, {1, "1"},     {10, "10"},
           {2.5, "2.5"},     {0.001, "0.001"}, {1.0 / 0.0, "+Inf"}};
  for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
    g6_spec_bucket_label(b[i].v, le);
    assert_string_equal(le, b[i].want);
  }
}

static void label_names_follow_write_prometheus(void **state) {
  (void)state;
  g6_spec_metric m = {0};
  m.plugin = "g6_index";
  const char *names[2];
  m.n_labels = 2;
  m.labels[0].from = G6_SPEC_FROM_PLUGIN_INSTANCE;
  m.labels[1].from = G6_SPEC_FROM_TYPE_INSTANCE;
  assert_int_equal(g6_spec_label_names(&m, names), 2);
  assert_string_equal(names[0], "g6_index");
  assert_string_equal(names[1], "type");
  m.n_labels = 1;
  m.labels[0].from = G6_SPEC_FROM_TYPE_INSTANCE; /* lone type_instance */
  assert_int_equal(g6_spec_label_names(&m, names), 1);
  assert_string_equal(names[0], "g6_index");
  m.n_labels = 0;
  assert_int_equal(g6_spec_label_names(&m, names), 0);
}

/* Named lint vectors: an edit of BASE and the diagnostic it must produce
 * (with its line). */
static void lint_vectors(void **state) {
  (void)state;
  static const struct {
    const char *name, *old, *new_, *want;
  } v[] = {
      {"exported name mismatch", "exported: collectd_g6_api_calls_total",
       "exported: collectd_g6_api_calls",
       "spec.yml:91: families.api.metrics[0].exported: "
       "\"collectd_g6_api_calls\" does not match"},
      {"absolute", "        budget: 4\n",
       "        budget: 4\n        ds: {type: ABSOLUTE}\n",
       "ABSOLUTE exports as a broken counter"},
      {"three labels",
       "          - {name: type, from: type_instance, domain: result}\n",
       "          - {name: type, from: type_instance, domain: result}\n"
       "          - {name: x, from: type_instance, domain: result}\n",
       "at most two labels"},
      {"unit-less name", "        type: calls\n        exported: "
                         "collectd_g6_api_calls_total",
       "        type: requested\n        exported: "
       "collectd_g6_api_requested_total",
       "unit-less name: type \"requested\" must end in \"_calls\""},
      {"counter without _total", "        unit: calls\n",
       "        unit: calls\n        ds: {type: GAUGE}\n",
       "a counter uses a DERIVE"},
      {"stock type collision",
       "        unit: calls\n        help: Requests by endpoint and result.\n"
       "        plugin: g6_api\n        type: calls\n        exported: "
       "collectd_g6_api_calls_total",
       "        unit: bytes\n        help: Requests by endpoint and result.\n"
       "        plugin: g6_api\n        type: bytes\n        exported: "
       "collectd_g6_api_bytes_total",
       "collectd type \"bytes\" exists in the stock types.db"},
      {"missing budget", "        budget: 2\n",
       "", "missing cardinality budget"},
      {"missing help", "        help: Requests by endpoint and result.\n", "",
       "families.api.metrics[0].help: missing required field"},
      {"budget below domains", "        budget: 4\n", "        budget: 3\n",
       "budget 3 is below the 4 label sets"},
      {"wrong label name", "{name: g6_api, from: plugin_instance, domain: "
                           "endpoint}\n          - {name: type",
       "{name: endpoint, from: plugin_instance, domain: endpoint}\n"
       "          - {name: type",
       "label \"endpoint\" is exported as \"g6_api\""},
      {"alert not CamelCase", "alert: G6ApiDown", "alert: g6_api_down",
       "names are CamelCase with the G6 prefix"},
      {"alert bad severity", "severity: warning", "severity: page",
       "severity \"page\""},
      {"alert summary", "summary: Requests fail.", "summary: Requests fail",
       "summary must be a static sentence ending in '.'"},
      {"alert description", "description: '{{ $labels.instance }}: {{ $value "
                            "| humanize }}/s.'",
       "description: 'Requests fail.'", "description must be templated"},
      {"alert for", "for: 5m", "for: 30s", "every alert waits at least 1m"},
      {"total outside rate",
       "'sum by (instance) (rate(collectd_g6_api_calls_total{type!=\"ok\"}"
       "[5m])) > 1'",
       "'sum by (instance) (collectd_g6_api_calls_total{type!=\"ok\"}) > 1'",
       "must sit directly inside rate()"},
      {"histogram with type label",
       "          - {name: g6_api, from: plugin_instance, domain: endpoint}\n"
       "        buckets",
       "          - {name: g6_api, from: type_instance, domain: endpoint}\n"
       "        buckets",
       "a histogram's type_instance carries the bucket bound"},
      {"buckets not increasing", "buckets: [0.1, 1, 10]",
       "buckets: [0.1, 10, 1]", "bucket bounds must increase strictly"},
      {"duplicate metric name", "      - name: api_latency\n",
       "      - name: api_calls\n", "duplicate metric name \"api_calls\""},
      {"unknown domain", "domain: result}", "domain: results}",
       "unknown domain \"results\""},
      {"unknown unit", "        unit: calls\n", "        unit: requests\n",
       "unknown unit \"requests\""},
      {"runtime metric missing", "      - name: metrics_series\n",
       "      - name: metrics_serieses\n",
       "the metric runtime needs metric \"metrics_series\""},
      {"owner not a plugin", "    owner: g6_chain\n", "    owner: g6_other\n",
       "owner \"g6_other\" is not a plugin"},
      /* promtool cases on series collectd never exports prove nothing */
      {"test series of no metric", "{series: 'collectd_g6_api_calls_total{",
       "{series: 'collectd_g6_api_call_total{",
       "no metric of the spec exports collectd_g6_api_call_total"},
      {"test series label missing", "type=\"timeout\",instance=\"h\"}'",
       "instance=\"h\"}'", "label \"type\" missing"},
      {"test series extra label", "type=\"timeout\",instance=\"h\"}'",
       "type=\"timeout\",endpoint=\"q\",instance=\"h\"}'",
       "has no label \"endpoint\""},
      {"test series closed value", "type=\"timeout\",instance=\"h\"}'",
       "type=\"refused\",instance=\"h\"}'",
       "type=\"refused\" is not in the closed domain result"},
      {"test series bucket bound",
       "{series: 'collectd_g6_api_calls_total{g6_api=\"quote\","
       "type=\"timeout\",instance=\"h\"}'",
       "{series: 'collectd_g6_api_latency_seconds_bucket_total{g6_api="
       "\"quote\",type=\"2.5\",instance=\"h\"}'",
       "type=\"2.5\" is not a bucket bound of api_latency"},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
    expect_diag(edited(v[i].old, v[i].new_), NULL, v[i].name, v[i].want);
}

/* Host totals by collectd's aggregation plugin: BASE plus a g6_chain gauge
 * and a family owned by "aggregation" that sums it per host. */
static const char AGG_EXTRA[] =
    "      - name: legs\n"
    "        kind: gauge\n"
    "        unit: calls\n"
    "        help: Legs by endpoint.\n"
    "        plugin: g6_api\n"
    "        type: legs_calls\n"
    "        exported: collectd_g6_api_legs_calls\n"
    "        labels:\n"
    "          - {name: g6_api, from: plugin_instance, domain: endpoint}\n"
    "        budget: 2\n"
    "  host:\n"
    "    owner: aggregation\n"
    "    title: Host\n"
    "    help: Host totals.\n"
    "    metrics:\n"
    "      - name: host_legs\n"
    "        kind: gauge\n"
    "        unit: calls\n"
    "        help: Legs of every endpoint.\n"
    "        plugin: g6_host\n"
    "        type: legs_calls\n"
    "        aggregates: legs\n"
    "        exported: collectd_g6_host_legs_calls\n"
    "        labels:\n"
    "          - {name: g6_host, from: plugin_instance, domain: fn}\n"
    "        budget: 2\n";

static const char AGG_PLANS[] = "plans:\n"
                                "  - slug: main\n"
                                "    title: Main\n"
                                "    description: Everything.\n"
                                "    tags: [g6]\n"
                                "    families: [build, runtime, api, host]\n";

/* BASE + AGG_EXTRA with the first `old` of the whole text replaced. */
static char *agg_spec(const char *old, const char *new_) {
  char *base = edited("  result: {help: r, values: [ok, timeout]}\n",
                      "  result: {help: r, values: [ok, timeout]}\n"
                      "  fn: {help: f, values: [sum, max]}\n");
  size_t n = strlen(base) + strlen(AGG_EXTRA) + 1;
  char *all = malloc(n);
  snprintf(all, n, "%s%s", base, AGG_EXTRA);
  free(base);
  if (old == NULL)
    return all;
  char *out = edited_in(all, old, new_);
  free(all);
  return out;
}

/* An aggregate keeps its source's type (no second types.db line), lints
 * clean, and becomes one <Aggregation> block computing each function of
 * its label's domain; what the aggregation plugin gets wrong (counters) or
 * cannot express is refused. */
static void aggregates_lint_and_snippet(void **state) {
  (void)state;
  char *text = agg_spec(NULL, NULL);
  g6_buf out = G6_BUF_INIT;
  g6_spec s;
  size_t n = run(text, AGG_PLANS, &out, &s);
  if (n)
    fail_msg("aggregation spec: %s", out.data);
  g6_buf_reset(&out);
  assert_int_equal(g6_spec_gen_aggregation_conf(&s, &out), G6_OK);
  assert_non_null(strstr(out.data, "<LoadPlugin aggregation>\n  Interval 10\n"));
  assert_non_null(strstr(
      out.data,
      "  <Aggregation>\n    Plugin \"g6_api\"\n    Type \"legs_calls\"\n"
      "    GroupBy \"Host\"\n    SetPlugin \"g6_host\"\n"
      "    SetPluginInstance \"%{aggregation}\"\n    CalculateSum true\n"
      "    CalculateMaximum true\n  </Aggregation>\n"));
  g6_buf_reset(&out);
  assert_int_equal(g6_spec_gen_types_db(&s, &out), G6_OK);
  const char *first = strstr(out.data, "legs_calls ");
  assert_non_null(first);
  assert_null(strstr(first + 1, "legs_calls "));
  g6_spec_free(&s);
  g6_buf_free(&out);
  free(text);

  static const struct {
    const char *name, *old, *new_, *want;
  } v[] = {
      {"counter aggregated", "        aggregates: legs\n",
       "        aggregates: api_calls\n",
       "\"api_calls\" is a counter: collectd's aggregation plugin sums"},
      {"type changed", "        type: legs_calls\n        aggregates",
       "        type: host_calls\n        aggregates",
       "the aggregation plugin keeps the type: \"legs_calls\""},
      {"same plugin", "        plugin: g6_host\n", "        plugin: g6_api\n",
       "an aggregate needs its own vl.plugin"},
      {"unknown source", "aggregates: legs\n", "aggregates: legz\n",
       "unknown metric \"legz\""},
      {"not a function", "  fn: {help: f, values: [sum, max]}\n",
       "  fn: {help: f, values: [sum, median]}\n",
       "closed domain of the plugin's functions"},
      {"aggregate elsewhere", "        budget: 2\n  host:",
       "        budget: 2\n        aggregates: api_latency\n  host:",
       "only metrics of a family owned by \"aggregation\""},
      {"plain metric in the family", "        aggregates: legs\n", "",
       "holds only metrics that name the g6 metric they combine"},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
    expect_diag(agg_spec(v[i].old, v[i].new_), AGG_PLANS, v[i].name,
                v[i].want);
}

static void loader_errors_have_lines(void **state) {
  (void)state;
  static const struct {
    const char *name, *old, *new_, *want;
  } v[] = {
      {"syntax error", "families:\n", "families:\n  x: [\n",
       "YAML syntax error"},
      {"wrong type", "        budget: 4\n", "        budget: [4]\n",
       "spec.yml:95: families.api.metrics[0].budget: expected an integer, "
       "found a list"},
      {"unknown field", "        budget: 4\n",
       "        budget: 4\n        colour: red\n",
       "spec.yml:96: families.api.metrics[0]: unknown field \"colour\""},
      {"duplicate key", "        budget: 4\n",
       "        budget: 4\n        budget: 5\n",
       "spec.yml:96: families.api.metrics[0]: duplicate key \"budget\" (first "
       "at line 95)"},
      {"alert without test", "            test:\n",
       "            tst:\n", "every alert has a promtool test"},
      {"bad kind", "        kind: histogram\n", "        kind: summary\n",
       "\"summary\" is not a metric kind"},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    char *text = edited(v[i].old, v[i].new_);
    g6_buf out = G6_BUF_INIT;
    size_t n = run(text, NULL, &out, NULL);
    if (n == 0 || out.data == NULL || strstr(out.data, v[i].want) == NULL)
      fail_msg("vector \"%s\": want \"%s\" in:\n%s", v[i].name, v[i].want,
               out.data ? out.data : "(no diagnostics)");
    g6_buf_free(&out);
    free(text);
  }
  /* every problem is reported, not just the first */
  char *a = edited("        budget: 4\n", "        budget: x\n");
  const char *at = strstr(a, "        budget: 2\n");
  memcpy((char *)at, "        budget: y\n", 17);
  g6_buf out = G6_BUF_INIT;
  assert_int_equal(run(a, NULL, &out, NULL), 2);
  g6_buf_free(&out);
  free(a);
  /* plans: unknown family with its line */
  out = (g6_buf)G6_BUF_INIT;
  run(NULL,
      "plans:\n  - slug: main\n    title: M\n    description: D.\n"
      "    families: [build, runtime, api, nope]\n",
      &out, NULL);
  assert_non_null(strstr(out.data, "plans.yml:5: plans[0]: unknown family "
                                    "\"nope\""));
  g6_buf_free(&out);
}

static g6_spec load_base(void) {
  g6_spec s;
  g6_buf out = G6_BUF_INIT;
  if (run(NULL, NULL, &out, &s) != 0)
    fail_msg("%s", out.data);
  g6_buf_free(&out);
  return s;
}

static void generation_is_deterministic(void **state) {
  (void)state;
  g6_spec s = load_base();
  g6_spec_output a, b;
  g6_error e;
  assert_int_equal(g6_spec_generate(&s, &a, &e), G6_OK);
  assert_int_equal(g6_spec_generate(&s, &b, &e), G6_OK);
  assert_int_equal(a.n_files, b.n_files);
  for (size_t i = 0; i < a.n_files; i++) {
    assert_string_equal(a.files[i].path, b.files[i].path);
    assert_int_equal(a.files[i].text.len, b.files[i].text.len);
    assert_memory_equal(a.files[i].text.data, b.files[i].text.data,
                        a.files[i].text.len);
  }
  const g6_spec_file *types = g6_spec_output_find(&a, "types.db");
  assert_non_null(strstr(types->text.data, "\ncalls "));
  assert_non_null(strstr(types->text.data, "\nlatency_seconds_sum "));
  assert_non_null(strstr(types->text.data, "value:GAUGE:U:U"));
  const g6_spec_file *rules = g6_spec_output_find(&a, "prometheus/rules.yml");
  assert_non_null(strstr(rules->text.data,
                         "record: instance_g6_api_type:collectd_g6_api_calls:"
                         "rate5m"));
  assert_non_null(strstr(rules->text.data,
                         "label_replace(rate(collectd_g6_api_latency_seconds_"
                         "bucket_total[5m]), \\\"le\\\", \\\"$1\\\", "
                         "\\\"type\\\", \\\"(.+)\\\")"));
  const g6_spec_file *hdr =
      g6_spec_output_find(&a, "shared/metrics/metrics_gen.h");
  assert_non_null(strstr(hdr->text.data,
                         "g6_status g6m_api_calls_add(g6_metrics *m, const "
                         "char *endpoint, const char *result, int64_t n);"));
  assert_non_null(strstr(hdr->text.data,
                         "g6_status g6m_api_latency_observe(g6_metrics *m, "
                         "const char *endpoint, double v);"));
  const g6_spec_file *alerts = g6_spec_output_find(&a, "prometheus/tests/"
                                                       "alerts_test.yml");
  assert_non_null(strstr(alerts->text.data, "description: \"h: 2/s.\""));
  assert_non_null(strstr(alerts->text.data, "runbook_url: \"r#g6apidown\""));
  g6_spec_output_free(&a);
  g6_spec_output_free(&b);
  g6_spec_free(&s);
}

static void panels_ids_and_inventory(void **state) {
  (void)state;
  g6_spec s = load_base();
  g6_spec_dashes ds;
  g6_error e;
  assert_int_equal(g6_spec_dashes_build(&s, &ds, &e), G6_OK);
  assert_int_equal(ds.n, 1);
  /* build (info, no explicit panels: by-label), runtime (2 counters, 1
   * gauge), api (counter, histogram) */
  assert_int_equal(ds.v[0].n_panels, 7);
  for (size_t i = 0; i < ds.v[0].n_panels; i++) {
    const g6_spec_dpanel *p = &ds.v[0].panels[i];
    for (size_t k = 0; k < p->n_exprs; k++) {
      assert_non_null(strstr(p->exprs[k], "instance=~\"$instance\""));
      if (strstr(p->exprs[k], "_total"))
        assert_non_null(strstr(p->exprs[k], "[$__rate_interval]"));
    }
    assert_true(p->description && p->description[0]);
  }
  /* the id depends on the signature, not on the order of the targets */
  char *e1[2] = {"a", "b"}, *e2[2] = {"b", "a"};
  g6_buf s1 = G6_BUF_INIT, s2 = G6_BUF_INIT;
  g6_spec_panel_signature("timeseries", "T", e1, 2, "s", &s1);
  g6_spec_panel_signature("timeseries", "T", e2, 2, "s", &s2);
  assert_string_equal(s1.data, s2.data);
  assert_int_equal(g6_spec_panel_id("main", s1.data),
                   g6_spec_panel_id("main", s2.data));
  assert_int_not_equal(g6_spec_panel_id("main", s1.data),
                       g6_spec_panel_id("other", s1.data));
  g6_buf_free(&s1);
  g6_buf_free(&s2);
  g6_spec_dashes_free(&ds);

  /* inventory round trip through both formats, ugly titles included */
  g6_spec_inventory inv;
  assert_int_equal(g6_spec_inventory_build(&s, &inv, &e), G6_OK);
  free(inv.rows[0].title);
  inv.rows[0].title = strdup("a, \"quoted\" title");
  for (int f = 0; f < 2; f++) {
    g6_buf b = G6_BUF_INIT;
    assert_int_equal(g6_spec_inventory_write(&inv, f ? "jsonl" : "csv", &b),
                     G6_OK);
    g6_spec_inventory back;
    assert_int_equal(g6_spec_inventory_parse(b.data, b.len, &back, &e), G6_OK);
    assert_int_equal(back.n, inv.n);
    assert_string_equal(back.rows[0].title, "a, \"quoted\" title");
    g6_buf rep = G6_BUF_INIT;
    assert_int_equal(g6_spec_inventory_diff(&inv, &back, &rep), 0);
    free(back.rows[1].title);
    back.rows[1].title = strdup("renamed");
    assert_int_equal(g6_spec_inventory_diff(&inv, &back, &rep), 1);
    assert_non_null(strstr(rep.data, "renamed: main:"));
    g6_buf_free(&rep);
    g6_spec_inventory_free(&back);
    g6_buf_free(&b);
  }
  g6_buf bad = G6_BUF_INIT;
  assert_int_equal(g6_spec_inventory_write(&inv, "xml", &bad), G6_EINVAL);
  g6_spec_inventory junk;
  assert_int_equal(g6_spec_inventory_parse("a,b\n", 4, &junk, &e), G6_EPARSE);
  g6_spec_inventory_free(&inv);
  g6_spec_free(&s);
}

/* A plan may show metrics of families it does not list (the options desk
 * reads spot and PCR next to its own figures); lint names what is wrong. */
static void plans_name_metrics_of_other_families(void **state) {
  (void)state;
  const char *plans = "plans:\n"
                      "  - slug: main\n    title: M\n    description: D.\n"
                      "    families: [build, runtime, api]\n"
                      "  - slug: extra\n    title: E\n    description: D.\n"
                      "    families: [build]\n"
                      "    metrics: [api_calls, metrics_series]\n";
  g6_spec s;
  g6_buf out = G6_BUF_INIT;
  assert_int_equal(run(NULL, plans, &out, &s), 0);
  g6_spec_dashes ds;
  g6_error e;
  assert_int_equal(g6_spec_dashes_build(&s, &ds, &e), G6_OK);
  assert_int_equal(ds.n, 2);
  const g6_spec_dash *x = &ds.v[1];
  /* build's panels, then api_calls' rate and metrics_series' by-label */
  size_t n = x->n_panels;
  assert_true(n >= 3);
  assert_string_equal(x->panels[n - 3].metric->family->name, "build");
  assert_string_equal(x->panels[n - 2].metric->name, "api_calls");
  assert_string_equal(x->panels[n - 1].metric->name, "metrics_series");
  for (size_t i = 0; i < ds.v[0].n_panels; i++)
    assert_string_not_equal(ds.v[0].panels[i].uuid, x->panels[n - 2].uuid);
  g6_spec_dashes_free(&ds);
  g6_spec_output o;
  assert_int_equal(g6_spec_generate(&s, &o, &e), G6_OK);
  const g6_spec_file *man = g6_spec_output_find(&o, "grafana/manifest.json");
  assert_non_null(strstr(man->text.data, "\"metrics\": [\n        "
                                         "\"api_calls\""));
  g6_spec_output_free(&o);
  g6_spec_free(&s);
  g6_buf_free(&out);
  static const struct {
    const char *metrics, *msg;
  } v[] = {
      {"[nope]", "plans.yml:10: plans[1]: unknown metric \"nope\" in plan "
                 "\"extra\""},
      {"[build_info]", "metric \"build_info\" is in family \"build\", which "
                       "plan \"extra\" lists already"},
      {"[api_calls, api_calls]", "metric \"api_calls\" is listed twice"},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    char p[512];
    snprintf(p, sizeof(p),
             "plans:\n"
             "  - slug: main\n    title: M\n    description: D.\n"
             "    families: [build, runtime, api]\n"
             "  - slug: extra\n    title: E\n    description: D.\n"
             "    families: [build]\n"
             "    metrics: %s\n",
             v[i].metrics);
    out = (g6_buf)G6_BUF_INIT;
    assert_true(run(NULL, p, &out, NULL) > 0);
    if (strstr(out.data, v[i].msg) == NULL)
      fail_msg("%s: got %s", v[i].metrics, out.data);
    g6_buf_free(&out);
  }
}

static void dashboard_diff_classifies(void **state) {
  (void)state;
  const char *old =
      "{\"panels\":[{\"type\":\"stat\",\"title\":\"A\",\"targets\":[{\"expr\":"
      "\"x\"}]},{\"type\":\"stat\",\"title\":\"B\",\"targets\":[{\"expr\":"
      "\"y\"}]},{\"type\":\"stat\",\"title\":\"C\",\"targets\":[]}]}";
  const char *new_ =
      "{\"panels\":[{\"type\":\"stat\",\"title\":\"C\",\"targets\":[],"
      "\"gridPos\":{\"x\":3}},{\"type\":\"stat\",\"title\":\"A\",\"targets\":"
      "[{\"expr\":\"x2\"}]},{\"type\":\"stat\",\"title\":\"D\",\"targets\":[]}"
      "]}";
  g6_buf rep = G6_BUF_INIT;
  bool other;
  assert_int_equal(g6_spec_dashboard_diff("s", old, strlen(old), new_,
                                          strlen(new_), &rep, &other),
                   3);
  assert_non_null(strstr(rep.data, "changed: s: A\n"));
  assert_non_null(strstr(rep.data, "added: s: D\n"));
  assert_non_null(strstr(rep.data, "removed: s: B\n"));
  assert_null(strstr(rep.data, ": C\n")); /* moved only */
  g6_buf_reset(&rep);
  assert_int_equal(g6_spec_dashboard_diff("s", "{bad", 4, new_, strlen(new_),
                                          &rep, &other),
                   0);
  assert_true(other);
  g6_buf_free(&rep);
}

/* BASE's alert with a conditional description and further evaluations. */
static char *alert_with_evals(void) {
  char *a = edited("            description: '{{ $labels.instance }}: {{ $value "
                   "| humanize }}/s.'\n",
                   "            description: '{{ $labels.instance }} {{ if "
                   "$value }}fails {{ $value | humanize }}/s{{ else }}never "
                   "answered{{ end }}.'\n");
  char *b = edited_in(a, "              value: \"2\"\n",
                      "              value: \"2\"\n"
                      "              evals:\n"
                      "                - eval_time: 1d2h\n"
                      "                  alerts: []\n"
                      "                - eval_time: 20m\n"
                      "                  alerts:\n"
                      "                    - {labels: {instance: h}, value: "
                      "\"0\"}\n"
                      "                    - {labels: {instance: g}, value: "
                      "\"3\"}\n");
  free(a);
  return b;
}

/* An alert test's evals become further alert_rule_test entries (an empty
 * list expects silence), and {{ if $value }} takes the branch promtool will
 * take for each expected value ("0" is the zero). */
static void alert_test_evals_and_conditionals(void **state) {
  (void)state;
  char *text = alert_with_evals();
  g6_buf out = G6_BUF_INIT;
  g6_spec s;
  if (run(text, NULL, &out, &s) != 0)
    fail_msg("%s", out.data);
  g6_spec_output o;
  g6_error e;
  assert_int_equal(g6_spec_generate(&s, &o, &e), G6_OK);
  const g6_spec_file *t =
      g6_spec_output_find(&o, "prometheus/tests/alerts_test.yml");
  const char *d = t->text.data;
  assert_non_null(strstr(d, "      - eval_time: 15m\n        alertname: "
                            "G6ApiDown\n        exp_alerts:\n"));
  assert_non_null(strstr(d, "description: \"h fails 2/s.\""));
  assert_non_null(strstr(d, "      - eval_time: 1d2h\n        alertname: "
                            "G6ApiDown\n        exp_alerts: []\n"));
  const char *at20 = strstr(d, "      - eval_time: 20m\n");
  assert_non_null(at20);
  const char *never = strstr(at20, "description: \"h never answered.\"");
  const char *g = strstr(at20, "description: \"g fails 3/s.\"");
  assert_non_null(never);
  assert_non_null(g);
  assert_true(never < g);
  g6_spec_output_free(&o);
  g6_spec_free(&s);
  free(text);
  g6_buf_free(&out);

  /* an unbalanced conditional is a lint problem naming the alert */
  expect_diag(edited("{{ $value | humanize }}/s.'", "{{ if $value }}x/s.'"),
              NULL, "if without end",
              "alert G6ApiDown: {{ if $value }} without {{ end }}");
  /* a bad eval_time in evals is a lint problem */
  char *bad = alert_with_evals();
  expect_diag(edited_in(bad, "eval_time: 1d2h", "eval_time: 2h1d"), NULL,
              "evals eval_time", "evals[0]: eval_time \"2h1d\" is not a "
                                 "duration");
  free(bad);
}

/* Units: a name takes the longest unit it ends in; a timestamp unit's zero
 * is dropped by the dashboards (x > 0) and an age computed from it needs
 * its own unit. */
static void timestamp_and_specific_units(void **state) {
  (void)state;
  static const char unit_line[] = "  seconds: {grafana: s, rate: percentunit}\n";
  static const char ts_units[] =
      "  seconds: {grafana: s, rate: percentunit}\n"
      "  timestamp_seconds: {grafana: dateTimeFromNow, rate: none, "
      "timestamp: true}\n";
  static const char ts_metric[] =
      "      - name: last_ok\n"
      "        kind: gauge\n"
      "        unit: UNIT\n"
      "        help: Unix time of the last success; 0 never.\n"
      "        plugin: g6_api\n"
      "        type: last_ok_timestamp_seconds\n"
      "        exported: collectd_g6_api_last_ok_timestamp_seconds\n"
      "        labels:\n"
      "          - {name: g6_api, from: plugin_instance, domain: endpoint}\n"
      "        budget: 2\n"
      "PANELS"
      "      - name: api_latency\n";
  char metric[2048];
  /* unit seconds on a _timestamp_seconds name: lint names the right unit */
  char *u = edited(unit_line, ts_units);
  snprintf(metric, sizeof(metric), "%s", ts_metric);
  char *m1 = edited_in(metric, "UNIT", "seconds");
  char *m2 = edited_in(m1, "PANELS", "");
  char *text = edited_in(u, "      - name: api_latency\n", m2);
  expect_diag(text, NULL, "timestamp with unit seconds",
              "type \"last_ok_timestamp_seconds\" ends in "
              "\"timestamp_seconds\": its unit is timestamp_seconds");
  free(m1);
  free(m2);

  /* with its unit: dashboards drop 0 (never), the unit is a date */
  m1 = edited_in(metric, "UNIT", "timestamp_seconds");
  m2 = edited_in(m1, "PANELS", "");
  text = edited_in(u, "      - name: api_latency\n", m2);
  g6_buf out = G6_BUF_INIT;
  g6_spec s;
  if (run(text, NULL, &out, &s) != 0)
    fail_msg("%s", out.data);
  g6_spec_dashes ds;
  g6_error e;
  assert_int_equal(g6_spec_dashes_build(&s, &ds, &e), G6_OK);
  bool seen = false;
  for (size_t i = 0; i < ds.v[0].n_panels; i++) {
    const g6_spec_dpanel *p = &ds.v[0].panels[i];
    if (p->metric == NULL || strcmp(p->metric->name, "last_ok") != 0)
      continue;
    seen = true;
    assert_string_equal(p->unit, "dateTimeFromNow");
    assert_non_null(strstr(p->exprs[0], "} > 0)"));
    assert_null(strstr(p->exprs[0], ">= -Inf"));
  }
  assert_true(seen);
  g6_spec_dashes_free(&ds);
  g6_spec_free(&s);
  g6_buf_free(&out);
  free(text);
  free(m2);

  /* an age panel (time() - x) must not inherit the date unit */
  m2 = edited_in(m1, "PANELS",
                 "        panels:\n"
                 "          - title: Age\n"
                 "            type: stat\n"
                 "            expr: 'time() - max by (instance) "
                 "(collectd_g6_api_last_ok_timestamp_seconds{instance=~"
                 "\"$instance\"})'\n"
                 "            description: Seconds since the last success.\n");
  text = edited_in(u, "      - name: api_latency\n", m2);
  expect_diag(text, NULL, "age panel without unit",
              "the panel computes an age from a Unix time: give it unit: s");
  free(m2);

  /* ... and must drop 0, the timestamp's "never" (time() - 0 is 56
   * years); an alert on it the same */
  m2 = edited_in(m1, "PANELS",
                 "        panels:\n"
                 "          - title: Age\n"
                 "            type: stat\n"
                 "            unit: s\n"
                 "            expr: 'time() - max by (instance) "
                 "(collectd_g6_api_last_ok_timestamp_seconds{instance=~"
                 "\"$instance\"})'\n"
                 "            description: Seconds since the last success.\n");
  text = edited_in(u, "      - name: api_latency\n", m2);
  expect_diag(text, NULL, "age panel keeping 0",
              "the panel computes an age from a Unix time: drop 0, the "
              "timestamp's \"never\"");
  free(m2);
  /* a "> 0" on the age, or on another number, is not the filter; on the
   * series, with or without matchers and spaces, it is */
  static const struct {
    const char *expr;
    bool flagged;
  } filters[] = {
      {"time() - max by (instance) (collectd_g6_api_last_ok_timestamp_seconds"
       "{instance=~\"$instance\"}) > 0",
       true},
      {"(time() - max by (instance) (collectd_g6_api_last_ok_timestamp_seconds"
       "{instance=~\"$instance\"} > 0.5))",
       true},
      {"time() - max by (instance) (collectd_g6_api_last_ok_timestamp_seconds"
       "_x{instance=~\"$instance\"} > 0)",
       true},
      {"time() - max by (instance) (collectd_g6_api_last_ok_timestamp_seconds"
       "{instance=~\"$instance\"} > 0)",
       false},
      {"time() - max by (instance) (collectd_g6_api_last_ok_timestamp_seconds"
       "{instance=~\"$instance\"}>0)",
       false},
      /* no aggregation: `-` binds tighter than `>`, the age is filtered */
      {"time() - collectd_g6_api_last_ok_timestamp_seconds"
       "{instance=~\"$instance\"} > 0",
       true},
      /* braces in a quoted label value; tabs and newlines around `>` */
      {"time() - max by (instance) (collectd_g6_api_last_ok_timestamp_seconds"
       "{instance=~\"$instance\",job!=\"}\"}\t>\t0)",
       false},
      {"time() - max by (instance) (collectd_g6_api_last_ok_timestamp_seconds"
       "{instance=~\"$instance\",job=\"} > 0\"})",
       true},
      /* one selector filtered, another not: the second reads 56 years */
      {"time() - max by (instance) (collectd_g6_api_last_ok_timestamp_seconds"
       "{instance=~\"$instance\"} > 0) + time() - max by (instance) "
       "(collectd_g6_api_last_ok_timestamp_seconds{instance=~\"$instance\"})",
       true},
  };
  for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
    char panel[1024];
    snprintf(panel, sizeof(panel),
             "        panels:\n"
             "          - title: Age\n"
             "            type: stat\n"
             "            unit: s\n"
             "            expr: '%s'\n"
             "            description: Seconds since the last success.\n",
             filters[i].expr);
    m2 = edited_in(m1, "PANELS", panel);
    text = edited_in(u, "      - name: api_latency\n", m2);
    g6_buf o2 = G6_BUF_INIT;
    size_t nd = run(text, NULL, &o2, NULL);
    bool flagged = o2.data && strstr(o2.data, "the panel computes an age from "
                                              "a Unix time: drop 0");
    /* a clean vector must be clean through and through (a YAML error would
     * not say "drop 0" either) */
    if (flagged != filters[i].flagged || (!filters[i].flagged && nd != 0))
      fail_msg("vector \"%s\": want %s, got:\n%s", filters[i].expr,
               filters[i].flagged ? "flagged" : "clean",
               o2.data ? o2.data : "(no diagnostics)");
    g6_buf_free(&o2);
    free(text);
    free(m2);
  }
  m2 = edited_in(m1, "PANELS",
                 "        alerts:\n"
                 "          - alert: G6ApiStale\n"
                 "            expr: '(time() - max by (instance) "
                 "(collectd_g6_api_last_ok_timestamp_seconds)) > 600'\n"
                 "            for: 5m\n"
                 "            severity: warning\n"
                 "            summary: No success for 10 minutes.\n"
                 "            description: '{{ $labels.instance }}: "
                 "{{ $value }}'\n"
                 "            test:\n"
                 "              series:\n"
                 "                - {series: 'collectd_g6_api_last_ok_"
                 "timestamp_seconds{instance=\"h1\"}', values: '60x20'}\n"
                 "              eval_time: 15m\n"
                 "              labels: {instance: h1}\n"
                 "              value: \"14m 0s\"\n");
  text = edited_in(u, "      - name: api_latency\n", m2);
  expect_diag(text, NULL, "age alert keeping 0",
              "the alert computes an age from a Unix time: handle 0");
  free(m1);
  free(m2);
  free(u);
}

/* The Grafana data source's timeInterval is the scrape interval, not the
 * collectd Interval: $__rate_interval = max($__interval + timeInterval,
 * 4 x timeInterval) must span several scrapes. */
static void datasource_interval_is_the_scrape_interval(void **state) {
  (void)state;
  g6_spec s = load_base();
  g6_spec_output o;
  g6_error e;
  assert_int_equal(g6_spec_generate(&s, &o, &e), G6_OK);
  const g6_spec_file *ds =
      g6_spec_output_find(&o, "grafana/provisioning/datasources/g6.yml");
  const g6_spec_file *scrape = g6_spec_output_find(&o, "prometheus/scrape.yml");
  assert_non_null(ds);
  assert_non_null(scrape);
  assert_non_null(
      strstr(ds->text.data, "timeInterval: " G6_SPEC_SCRAPE_INTERVAL "\n"));
  assert_non_null(strstr(scrape->text.data,
                         "scrape_interval: " G6_SPEC_SCRAPE_INTERVAL "\n"));
  assert_null(strstr(ds->text.data, "timeInterval is the collectd Interval"));
  g6_spec_output_free(&o);
  g6_spec_free(&s);
}

/* Provisioning and the promtool tests are "other" drift (exit 10), as the
 * usage text says; only the dashboards, rules.yml and alerts.yml have their
 * own codes. */
static void artifact_kinds(void **state) {
  (void)state;
  g6_spec s = load_base();
  g6_spec_output o;
  g6_error e;
  assert_int_equal(g6_spec_generate(&s, &o, &e), G6_OK);
  static const struct {
    const char *path;
    g6_spec_artifact kind;
  } k[] = {
      {"grafana/provisioning/datasources/g6.yml", G6_SPEC_ART_OTHER},
      {"grafana/provisioning/dashboards/g6.yml", G6_SPEC_ART_OTHER},
      {"grafana/manifest.json", G6_SPEC_ART_OTHER},
      {"prometheus/tests/rules_test.yml", G6_SPEC_ART_OTHER},
      {"prometheus/tests/alerts_test.yml", G6_SPEC_ART_OTHER},
      {"prometheus/scrape.yml", G6_SPEC_ART_OTHER},
      {"prometheus/rules.yml", G6_SPEC_ART_RULES},
      {"prometheus/alerts.yml", G6_SPEC_ART_ALERTS},
      {"grafana/dashboards/main.json", G6_SPEC_ART_DASHBOARD},
  };
  for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
    const g6_spec_file *f = g6_spec_output_find(&o, k[i].path);
    if (f == NULL)
      fail_msg("%s not generated", k[i].path);
    if (f->kind != k[i].kind)
      fail_msg("%s: kind %d, want %d", k[i].path, (int)f->kind,
               (int)k[i].kind);
  }
  g6_spec_output_free(&o);
  g6_spec_free(&s);
}

static void repository_spec_lints_clean(void **state) {
  (void)state;
  const char *root = getenv("G6_ROOT") ? getenv("G6_ROOT") : ".";
  char spec[1024], plans[1024];
  snprintf(spec, sizeof(spec), "%s/spec/metrics.yml", root);
  snprintf(plans, sizeof(plans), "%s/spec/plans.yml", root);
  g6_spec s;
  g6_spec_diags d = {0};
  assert_int_equal(g6_spec_load_files(spec, plans, &s, &d), G6_OK);
  g6_spec_lint(&s, STOCK, &d);
  g6_buf out = G6_BUF_INIT;
  g6_spec_diags_print(&d, &out);
  if (d.n)
    fail_msg("%s", out.data);
  /* every metric the issues ask for is there */
  static const char *const need[] = {
      "api_calls",      "api_latency",    "api_retries",
      "api_ratelimit_wait", "api_circuit_state", "api_circuit_trips",
      "api_cache_operations", "api_cache_hit_ratio", "api_received_bytes",
      "api_auth_latch", "index_spot",     "index_atm",
      "legs_requested", "legs_collected", "strike_coverage",
      "put_call_ratio", "chain_status",   "iv_solves",
      "iv_failures",    "rejected_legs",  "cycle_duration",
      "last_success",   "csv_rows",       "csv_bytes",
      "csv_write_failures", "index_market_open", "max_pain",
      "atm_iv",         "rr25",           "bf25",
      "expiry_days",    "bucket_oi",      "surface_iv",
      "net_delta",      "integrity_ok",   "data_bytes",
      "prune_files",    "build_info",     "spec_hash_info",
      "metrics_refusals", "metrics_dispatch_failures"};
  for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
    if (g6_spec_find_metric(&s, need[i]) == NULL)
      fail_msg("spec lacks %s", need[i]);
  g6_buf_free(&out);
  g6_spec_diags_free(&d);
  g6_spec_free(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(base_spec_is_clean),
      cmocka_unit_test(exported_name_vectors),
      cmocka_unit_test(label_names_follow_write_prometheus),
      cmocka_unit_test(lint_vectors),
      cmocka_unit_test(aggregates_lint_and_snippet),
      cmocka_unit_test(loader_errors_have_lines),
      cmocka_unit_test(generation_is_deterministic),
      cmocka_unit_test(panels_ids_and_inventory),
      cmocka_unit_test(plans_name_metrics_of_other_families),
      cmocka_unit_test(dashboard_diff_classifies),
      cmocka_unit_test(alert_test_evals_and_conditionals),
      cmocka_unit_test(timestamp_and_specific_units),
      cmocka_unit_test(datasource_interval_is_the_scrape_interval),
      cmocka_unit_test(artifact_kinds),
      cmocka_unit_test(repository_spec_lints_clean),
  };
  return G6_RUN_TESTS(tests);
}
