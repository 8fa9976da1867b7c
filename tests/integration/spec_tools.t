#!/usr/bin/env python3
"""The metric spec's gate in make check: lint, drift check, deterministic
generation, promtool (rules lint, unit tests, scrape config, a parse check of
every dashboard expression), the README's count of dashboards and alerts, and JSON-Schema validation of every dashboard
against Grafana's dashboard model (schema generated from the pinned
@grafana/schema with ts-json-schema-generator, validated with ajv-cli)."""
import filecmp
import glob
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

ROOT = t.ROOT
G6 = t.build_path("g6")
NPM = t.build_path("grafana-schema", "node_modules")


def run(argv, cwd=ROOT, timeout=120):
    p = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace")


rc, out = run([G6, "spec", "lint"])
t.is_(rc, 0, "g6 spec lint passes on spec/") or t.diag(out)
rc, out = run([G6, "spec", "check"])
t.is_(rc, 0, "g6 spec check: committed artefacts match the spec") or t.diag(out)

# The README's figures of what is generated ("What is here") are those of the
# generated files, so that a new alert or dashboard cannot leave them stale.
with open(os.path.join(ROOT, "README.md")) as f:
    readme = f.read()
m = re.search(r"(\d+) dashboards, recording rules, (\d+) alerts", readme)
with open(os.path.join(ROOT, "prometheus", "alerts.yml")) as f:
    n_alerts = len(re.findall(r"^\s*- alert:", f.read(), re.M))
n_dash = len(glob.glob(os.path.join(ROOT, "grafana", "dashboards", "*.json")))
t.ok(m, "README's \"What is here\" gives the number of dashboards and alerts")
t.is_(m and (int(m.group(1)), int(m.group(2))), (n_dash, n_alerts),
      "README: %d dashboards and %d alerts, as in grafana/dashboards/ and "
      "prometheus/alerts.yml" % (n_dash, n_alerts))

# Generation is deterministic: twice into fresh roots, byte-identical, and
# identical to what is committed.
gen = []
for k in range(2):
    root = t.workdir("g6-spec-gen-")
    shutil.copytree(os.path.join(ROOT, "spec"), os.path.join(root, "spec"))
    rc, out = run([G6, "spec", "generate", "--root", root])
    t.is_(rc, 0, "generate run %d" % (k + 1)) or t.diag(out)
    gen.append(root)
files = sorted(os.path.relpath(p, gen[0])
               for p in glob.glob(gen[0] + "/**", recursive=True)
               if os.path.isfile(p) and
               not os.path.relpath(p, gen[0]).startswith("spec/"))
same = [f for f in files if filecmp.cmp(os.path.join(gen[0], f), os.path.join(gen[1], f), False)]
t.ok(len(files) >= 15 and same == files,
     "two generate runs are byte-identical (%d files)" % len(files),
     "differ: %s" % sorted(set(files) - set(same)))
committed = [f for f in files
             if os.path.exists(os.path.join(ROOT, f)) and
             filecmp.cmp(os.path.join(gen[0], f), os.path.join(ROOT, f), False)]
t.ok(committed == files, "generated files equal the committed ones",
     "differ: %s" % sorted(set(files) - set(committed)))

# promtool
rc, out = run(["promtool", "check", "rules", "--lint=all", "--lint-fatal",
               "prometheus/rules.yml", "prometheus/alerts.yml"])
t.is_(rc, 0, "promtool check rules --lint=all: recording rules and alerts") or t.diag(out)
for f in ("prometheus/tests/rules_test.yml", "prometheus/tests/alerts_test.yml"):
    rc, out = run(["promtool", "test", "rules", f])
    t.is_(rc, 0, "promtool test rules %s" % f) or t.diag(out)
rc, out = run(["promtool", "check", "config", "prometheus/scrape.yml"])
t.is_(rc, 0, "promtool check config prometheus/scrape.yml") or t.diag(out)

# Grafana's $__rate_interval is max($__interval + timeInterval, 4 x
# timeInterval): the data source's timeInterval must be the scrape interval
# (a shorter one leaves rate windows holding a single scrape)
import re
with open(os.path.join(ROOT, "prometheus/scrape.yml")) as f:
    scrape = re.search(r"^  scrape_interval: (\S+)$", f.read(), re.M)
with open(os.path.join(ROOT, "grafana/provisioning/datasources/g6.yml")) as f:
    ds = f.read()
tint = re.search(r"^      timeInterval: (\S+)$", ds, re.M)
t.ok(scrape and tint and scrape.group(1) == tint.group(1),
     "the data source's timeInterval is Prometheus' scrape_interval (%s)"
     % (scrape.group(1) if scrape else "?"),
     "scrape_interval %s, timeInterval %s" % (scrape and scrape.group(1),
                                              tint and tint.group(1)))
t.ok("collectd Interval (so" not in ds,
     "the data source comment no longer calls timeInterval the collectd Interval")

tmp = t.workdir("g6-spec-tools-")
exprs = os.path.join(tmp, "dashboard_exprs.yml")
rc, out = run([G6, "spec", "inventory", "--dashboard-rules"])
with open(exprs, "w") as f:
    f.write(out)
n_exprs = out.count("record: g6_dashboard_expr_")
rc2, out2 = run(["promtool", "check", "rules", exprs])
t.ok(rc == 0 and rc2 == 0 and n_exprs > 50,
     "promtool parses all %d dashboard expressions" % n_exprs, out2)
# the parse check can fail: a broken expression is rejected
with open(os.path.join(tmp, "bad.yml"), "w") as f:
    f.write('groups:\n  - name: x\n    rules:\n      - record: x_1\n'
            '        expr: "sum(rate(x[5m])"\n')
rc, out = run(["promtool", "check", "rules", os.path.join(tmp, "bad.yml")])
t.ok(rc != 0, "promtool rejects a malformed expression (negative control)")

# Grafana dashboard schema
gen_bin = os.path.join(NPM, ".bin", "ts-json-schema-generator")
ajv_bin = os.path.join(NPM, ".bin", "ajv")
if not (os.path.exists(gen_bin) and os.path.exists(ajv_bin)):
    t.ok(False, "npm tools installed in build/grafana-schema (make check runs npm ci)")
else:
    schema_now = os.path.join(tmp, "dashboard.schema.json")
    rc, out = run([gen_bin, "--path", os.path.join(
        NPM, "@grafana/schema/dist/types/raw/dashboard/x/types.gen.d.ts"),
        "--type", "Dashboard", "-o", schema_now], timeout=300)
    committed_schema = os.path.join(ROOT, "tools/grafana-schema/dashboard.schema.json")
    t.ok(rc == 0 and filecmp.cmp(schema_now, committed_schema, False),
         "committed dashboard.schema.json is what the pinned @grafana/schema "
         "generates", out)
    with open(os.path.join(ROOT, "grafana/manifest.json")) as f:
        manifest = json.load(f)
    dashboards = [os.path.join(ROOT, "grafana/dashboards", d["file"])
                  for d in manifest["dashboards"]]

    def ajv(files):
        argv = [ajv_bin, "validate", "--spec=draft7", "-c", "ajv-formats",
                "--strict=false", "--all-errors", "-s", committed_schema]
        for f in files:
            argv += ["-d", f]
        return run(argv, cwd=os.path.join(NPM, ".."))
    rc, out = ajv(dashboards)
    t.ok(rc == 0 and out.count(" valid") == len(dashboards) and len(dashboards) == manifest["count"],
         "all %d dashboards validate against Grafana's Dashboard schema" % len(dashboards), out)
    # negative control: a misspelled panel field and a wrong type are caught
    with open(dashboards[0]) as f:
        doc = json.load(f)
    doc["panels"][0]["gridpos"] = doc["panels"][0].pop("gridPos")
    doc["refresh"] = 30
    bad = os.path.join(tmp, "bad_dashboard.json")
    with open(bad, "w") as f:
        json.dump(doc, f)
    rc, out = ajv([bad])
    t.ok(rc != 0 and "gridpos" in out, "the schema rejects a misspelled panel field", out)

t.done_testing()
