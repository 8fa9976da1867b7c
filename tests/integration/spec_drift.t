#!/usr/bin/env python3
"""g6 spec check on an edited copy of the repository: each kind of drift gets
its documented exit status (6 dashboards, 8 recording rules, 9 alerts, 10
anything else: types.db, C helpers, catalog, scrape snippet, Grafana
provisioning, manifest, promtool tests) and names the panels that were
added, removed or changed; a
malformed spec gets one error per problem with file:line and writes nothing;
inventory-diff exits 7 and names renamed panels."""
import hashlib
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

ROOT = t.ROOT
G6 = t.build_path("g6")
COPY = ["spec", "grafana", "prometheus", "docs/METRICS.md", "types.db",
        "conf.d/g6_aggregation.conf",
        "shared/metrics/metrics_gen.c", "shared/metrics/metrics_gen.h"]


def fresh_root():
    root = t.workdir("g6-spec-drift-")
    for rel in COPY:
        src, dst = os.path.join(ROOT, rel), os.path.join(root, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if os.path.isdir(src):
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)
    return root


def g6(root, *args):
    p = subprocess.run([G6, "spec"] + list(args) + ["--root", root],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def edit(root, old, new, count=1, path="spec/metrics.yml"):
    f = os.path.join(root, path)
    text = open(f).read()
    if text.count(old) < 1:
        raise AssertionError("test setup: %r not in %s" % (old, path))
    with open(f, "w") as fh:
        fh.write(text.replace(old, new, count))


def tree_digest(root):
    h = hashlib.sha256()
    for rel in COPY[1:]:  # everything generated (not the spec itself)
        base = os.path.join(root, rel)
        paths = [base] if os.path.isfile(base) else sorted(
            os.path.join(d, f) for d, _, fs in os.walk(base) for f in fs)
        for p in paths:
            h.update(p.encode())
            h.update(open(p, "rb").read())
    return h.hexdigest()


# 0. the copy is clean
root = fresh_root()
rc, out, err = g6(root, "check")
t.is_(rc, 0, "unchanged copy: check exits 0")

# 1. a panel's query changes, its title stays: "changed", exit 6
root = fresh_root()
edit(root, "/ sum by (g6_api) (rate(collectd_g6_api_calls_total{instance=~\"$instance\"}[$__rate_interval]))'",
     "/ clamp_min(sum by (g6_api) (rate(collectd_g6_api_calls_total{instance=~\"$instance\"}[$__rate_interval])), 1e-9)'")
rc, out, err = g6(root, "check")
t.is_(rc, 6, "changed panel query: exit 6")
t.ok("changed: provider: API error ratio" in out, "names the changed panel", out + err)

# 2. a renamed panel is one removed and one added panel
root = fresh_root()
edit(root, "title: API error ratio", "title: API failure ratio")
rc, out, err = g6(root, "check")
t.is_(rc, 6, "renamed panel: exit 6")
t.ok("added: provider: API failure ratio" in out and
     "removed: provider: API error ratio" in out, "names the added and the removed panel", out)

# 3. a new metric adds a synthesized panel (and rules): dashboards win, exit 6
root = fresh_root()
edit(root, "      - name: api_retries\n", """      - name: api_test_calls
        kind: counter
        unit: calls
        help: A metric added by the drift test.
        plugin: g6_api
        type: test_calls
        exported: collectd_g6_api_test_calls_total
        labels:
          - {name: g6_api, from: plugin_instance, domain: endpoint}
        budget: 4
      - name: api_retries
""")
rc, out, err = g6(root, "check")
t.is_(rc, 6, "new metric: exit 6")
t.ok("added: provider: g6_api_test_calls: rate by g6_api" in out, "names the added panel", out + err)
t.ok("stale: prometheus/rules.yml" in out and "stale: types.db" in out,
     "also reports the stale rules and types.db", out)

# 4. only a recording rule changes: exit 8
root = fresh_root()
edit(root, "expr: 'sum by (instance, g6_index) (collectd_g6_index_collected_legs >= -Inf) / sum by (instance, g6_index) (collectd_g6_index_requested_legs >= -Inf)'",
     "expr: 'sum by (instance, g6_index) (collectd_g6_index_collected_legs >= -Inf) / (sum by (instance, g6_index) (collectd_g6_index_requested_legs >= -Inf) > 0)'")
rc, out, err = g6(root, "check")
t.is_(rc, 8, "changed recording rule: exit 8")
t.ok("stale: prometheus/rules.yml" in out and "-Inf) / (sum by" in out,
     "names rules.yml and shows the differing line", out)
t.ok(not re.search(r"^(added|removed|changed): ", out, re.M),
     "no dashboard panel drift reported", out)

# 5. only an alert changes: exit 9 (the catalog also lists alerts: 9 wins)
root = fresh_root()
edit(root, "            for: 10m\n            severity: warning\n            summary: More than 5% of Kite API calls fail.",
     "            for: 20m\n            severity: warning\n            summary: More than 5% of Kite API calls fail.")
rc, out, err = g6(root, "check")
t.is_(rc, 9, "changed alert: exit 9")
t.ok("stale: prometheus/alerts.yml" in out and "stale: docs/METRICS.md" in out,
     "names alerts.yml (and the catalog)", out)

# 6. a change that only touches the catalog: exit 10
root = fresh_root()
edit(root, "help: Quote-cache operation.", "help: Quote-cache operation kind.")
rc, out, err = g6(root, "check")
t.is_(rc, 10, "catalog-only drift: exit 10")
t.ok("stale: docs/METRICS.md" in out and "Quote-cache operation kind." in out,
     "names docs/METRICS.md and the differing line", out)

# 7. a hand-edited dashboard layout (no semantic change) is still stale
root = fresh_root()
edit(root, '"w": 12', '"w": 11', path="grafana/dashboards/provider.json")
rc, out, err = g6(root, "check")
t.is_(rc, 6, "hand-edited dashboard layout: exit 6")
t.ok("no panel changed" in out, "says no panel changed, only layout/metadata", out)

# 7b. hand-edited files that are neither dashboards nor rule files: exit 10,
# as `g6 spec --help` and the README say (provisioning used to exit 6 and the
# promtool tests 8 or 9)
for rel, old, new in (
        ("grafana/provisioning/dashboards/g6.yml", "updateIntervalSeconds: 60",
         "updateIntervalSeconds: 30"),
        ("grafana/provisioning/datasources/g6.yml", "isDefault: false",
         "isDefault: true"),
        ("prometheus/tests/alerts_test.yml", "eval_time: 0m", "eval_time: 1m"),
        ("prometheus/tests/rules_test.yml", "eval_time: 20m", "eval_time: 21m"),
        ("prometheus/scrape.yml", "honor_labels: true", "honor_labels: false")):
    root = fresh_root()
    edit(root, old, new, path=rel)
    rc, out, err = g6(root, "check")
    t.is_(rc, 10, "hand-edited %s: exit 10" % rel)
    t.ok("stale: %s" % rel in out, "names %s" % rel, out + err)
rc, out, err = g6(root, "--help")
t.ok(re.search(r"10 other drift \(types\.db, C helpers, catalog, scrape, "
               r"provisioning, tests\)", out + err),
     "the usage text lists provisioning and tests under exit 10", out + err)

# 8. malformed specs: one error per problem, file:line, nothing written
root = fresh_root()
before = tree_digest(root)
edit(root, "        budget: 68\n", "        budget: many\n")
edit(root, "      - name: api_retries\n", "      - name: api_calls\n")
edit(root, "        unit: state\n", "        unit: state\n        colour: red\n")
rc, out, err = g6(root, "generate")
t.is_(rc, 1, "malformed spec: generate exits 1")
lines = [l for l in err.splitlines() if re.match(r"^.*spec/metrics\.yml:\d+: ", l)]
t.ok(any("budget: expected an integer" in l and "\"many\"" in l for l in lines),
     "wrong type reported with file:line and field", err)
t.ok(any("unknown field \"colour\"" in l for l in lines), "unknown field reported", err)
t.is_(tree_digest(root), before, "nothing was written")

root = fresh_root()
edit(root, "        budget: 68\n", "        budget: 3\n")
edit(root, "      - name: api_retries\n", "      - name: api_calls\n")
edit(root, "        exported: collectd_g6_api_circuit_trips_total\n",
     "        exported: collectd_g6_api_circuit_trips\n")
rc, out, err = g6(root, "lint")
t.is_(rc, 1, "lint problems: exit 1")
for want in (r"metrics\.yml:\d+: families\.api\.metrics\[0\]\.budget: budget 3 is below the 68",
             r"metrics\.yml:\d+: families\.api\.metrics\[\d\]: duplicate metric name \"api_calls\"",
             r"metrics\.yml:\d+: families\.api\.metrics\[\d\]\.exported: \"collectd_g6_api_circuit_trips\" does not match .*collectd_g6_api_circuit_trips_total"):
    t.ok(re.search(want, err), "lint: %s" % want.split(": ", 1)[-1][:60], err)
t.ok(re.search(r"g6 spec: [3-9] problems", err), "counts the problems", err)

root = fresh_root()
edit(root, "families:\n", "families:\n  broken: [\n")
rc, out, err = g6(root, "generate")
t.ok(rc == 1 and re.search(r"metrics\.yml:\d+: YAML syntax error", err),
     "YAML syntax error: exit 1 with file:line", err)

# 8b. the provisioned dashboards folder holds dashboards only: a manifest (or
# any other JSON) there would be loaded by Grafana's file provider as a
# dashboard ("title cannot be empty" on every scan)
root = fresh_root()
t.ok(os.path.exists(os.path.join(root, "grafana", "manifest.json")) and
     not os.path.exists(os.path.join(root, "grafana", "dashboards", "manifest.json")),
     "the manifest is generated beside grafana/dashboards/, not in it")
shutil.copy2(os.path.join(root, "grafana", "manifest.json"),
             os.path.join(root, "grafana", "dashboards", "manifest.json"))
rc, out, err = g6(root, "check")
t.is_(rc, 6, "a manifest in the provisioned folder: exit 6")
t.ok("removed: grafana/dashboards/manifest.json is not a dashboard" in out,
     "names the file and why", out)
for name in os.listdir(os.path.join(ROOT, "grafana", "dashboards")):
    with open(os.path.join(ROOT, "grafana", "dashboards", name)) as f:
        doc = __import__("json").load(f)
    t.ok(name.endswith(".json") and doc.get("title") and doc.get("uid"),
         "grafana/dashboards/%s is a dashboard (title and uid)" % name)

# 9. inventory and inventory-diff
root = fresh_root()
rc, inv_old, err = g6(root, "inventory", "--format", "csv")
t.ok(rc == 0 and inv_old.startswith("slug,title,metric,source,panel_uuid\n"),
     "inventory --format csv", err)
rc, jl, err = g6(root, "inventory", "--format", "jsonl")
t.ok(rc == 0 and jl.count("\n") == inv_old.count("\n") - 1 and '"panel_uuid":' in jl,
     "inventory --format jsonl has the same panels")
edit(root, "title: API error ratio", "title: API failure ratio")
rc, inv_new, err = g6(root, "inventory", "--format", "csv")
old_p, new_p = os.path.join(root, "old.csv"), os.path.join(root, "new.csv")
open(old_p, "w").write(inv_old)
open(new_p, "w").write(inv_new)
rc, out, err = g6(root, "inventory-diff", old_p, old_p)
t.is_(rc, 0, "inventory-diff of identical inventories: exit 0")
json_out = os.path.join(root, "diff.json")
rc, out, err = g6(root, "inventory-diff", old_p, new_p, "--json-out", json_out)
t.is_(rc, 7, "inventory-diff with a renamed panel: exit 7")
t.ok('renamed: provider: "API error ratio" -> "API failure ratio"' in out, "names the rename", out)
t.ok('"renamed":[{"panel_uuid":"' in open(json_out).read(), "--json-out has the renamed panel")
rc, out, err = g6(root, "inventory", "--format", "xml")
t.is_(rc, 2, "unknown inventory format: exit 2")

t.done_testing()
