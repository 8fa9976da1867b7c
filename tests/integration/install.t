#!/usr/bin/env python3
"""`make install` and the shipped conf.d snippets, as the README tells ops to
use them: install under a prefix, include the snippets from a collectd.conf
the way Debian's does (an Include of a conf.d directory), and check that
g6_info, g6_chain, g6_analytics, g6_panels and g6_retention load from g6's
plugin directory, each from its own snippet, that a stock plugin in a
snippet loaded after g6's still loads (PluginDir is pointed back), that
g6_chain collects with the shipped block once its paths point at this
test's files and g6-mockd, that g6_analytics analyses its snapshots with its
shipped block, that g6_panels writes panels with its shipped block that the
installed `g6 integrity` verifies, that g6_retention counts what g6_chain
wrote with its shipped block, and that the generated aggregation snippet
exports the host total. The installed Prometheus files pass `promtool check
config` where they are, the installed Grafana provider points at the
installed dashboards (and only dashboards), and `make uninstall` removes
every file install put there, says nothing where nothing was installed, and
names the snippets enabled in collectd.conf.d that still point at the
prefix."""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

d = t.workdir()
prefix = os.path.join(d, "prefix")
r = subprocess.run(["make", "-s", "-C", t.ROOT, "B=" + t.BUILD, "install", "PREFIX=" + prefix],
                   capture_output=True, timeout=300)
t.ok(r.returncode == 0, "make install PREFIX=… succeeds", r.stderr.decode()[-2000:])
share = os.path.join(prefix, "share", "g6")
for rel in ("lib/g6/collectd/g6_chain.so", "lib/g6/collectd/g6_info.so",
            "lib/g6/collectd/g6_panels.so", "lib/g6/collectd/g6_analytics.so",
            "lib/g6/collectd/g6_retention.so",
            "bin/g6", "share/g6/types.db", "share/g6/calendars/NSE.txt",
            "share/g6/calendars/BSE.txt",
            "share/g6/conf.d/g6.conf", "share/g6/conf.d/g6_chain.conf",
            "share/g6/conf.d/g6_panels.conf", "share/g6/conf.d/g6_analytics.conf",
            "share/g6/conf.d/g6_retention.conf", "share/g6/conf.d/g6_aggregation.conf",
            "share/g6/conf.d/g6_write_prometheus.conf",
            "share/g6/prometheus/scrape.yml", "share/g6/prometheus/rules.yml",
            "share/g6/prometheus/alerts.yml", "share/g6/grafana/manifest.json",
            "share/g6/grafana/dashboards/overview.json",
            "share/g6/grafana/provisioning/dashboards/g6.yml",
            "share/g6/grafana/provisioning/datasources/g6.yml"):
    t.ok(os.path.isfile(os.path.join(prefix, rel)), "installed " + rel)
r = subprocess.run([os.path.join(prefix, "bin", "g6"), "version"], capture_output=True)
t.ok(r.returncode == 0 and r.stdout.startswith(b"g6 "), "the installed g6 runs")
r = subprocess.run([os.path.join(prefix, "bin", "g6"), "calendar", "--exchange", "BSE",
                    "--from", "2026-02-01", "--to", "2026-02-01"], capture_output=True)
t.ok(r.returncode == 0 and os.path.join(share, "calendars", "BSE.txt").encode() in r.stdout
     and b"2026-02-01 Sun 09:15-15:30 special: Union Budget" in r.stdout,
     "the installed g6 calendar finds the installed calendars", r.stdout + r.stderr)

# the installed Prometheus files check where they are (rule files relative)
r = subprocess.run(["promtool", "check", "config",
                    os.path.join(share, "prometheus", "scrape.yml")], capture_output=True)
t.ok(r.returncode == 0 and b"SUCCESS" in r.stdout,
     "promtool check config on the installed scrape.yml (and its rule files)",
     r.stdout + r.stderr)
with open(os.path.join(share, "grafana", "provisioning", "dashboards", "g6.yml")) as f:
    provider = f.read()
dash = os.path.join(share, "grafana", "dashboards")
t.ok("      path: %s\n" % dash in provider,
     "the installed Grafana provider points at the installed dashboards", provider)
t.is_(sorted(os.listdir(dash)), sorted(os.listdir(os.path.join(t.ROOT, "grafana", "dashboards"))),
      "the provisioned folder holds the dashboards only (manifest.json beside it)")


def snippet(name, confd, *edits):
    """Copies an installed snippet into confd with (old, new) edits, each of
    which must apply."""
    with open(os.path.join(share, "conf.d", name)) as f:
        text = f.read()
    for old, new in edits:
        if old not in text:
            t.ok(False, "%s holds %r" % (name, old))
        text = text.replace(old, new)
    with open(os.path.join(confd, name), "w") as f:
        f.write(text)
    return text


with t.MockD() as m:
    key, tok = m.write_credentials(d)
    confd = os.path.join(d, "collectd.conf.d")
    os.makedirs(confd)
    shutil.copy(os.path.join(share, "conf.d", "g6.conf"), confd)
    # what an operator edits: credentials, data directory, and here the URL
    # and shorter intervals (the test waits for a few of them)
    fast = ("Interval 10", "Interval 2")
    block = snippet("g6_chain.conf", confd, ("/etc/g6/kite.key", key),
                    ("/var/lib/g6/kite.token", tok),
                    ('DataDir "/var/lib/g6"', 'DataDir "%s/data"\n  ForceOpen true' % d),
                    ("https://api.kite.trade", m.url), ("Interval 30", "Interval 2"), fast)
    t.ok('CalendarDir "%s"' % os.path.join(share, "calendars") in block,
         "the shipped block points at the installed exchange calendars")
    panels = os.path.join(d, "panels")
    snippet("g6_panels.conf", confd,
            ('PanelsDir "/var/lib/g6/panels"', 'PanelsDir "%s"' % panels),
            ("FlushInterval 10", "FlushInterval 1"), fast)
    snippet("g6_analytics.conf", confd, ('DataDir "/var/lib/g6"', 'DataDir "%s/data"' % d), fast)
    snippet("g6_retention.conf", confd, ('DataDir "/var/lib/g6"', 'DataDir "%s/data"' % d),
            ("ScanInterval 300", "ScanInterval 1"), fast)
    # the aggregation window equals g6_chain's interval, as the snippet says
    snippet("g6_aggregation.conf", confd, fast)
    # a stock plugin in a snippet read after g6's
    with open(os.path.join(confd, "zz-load.conf"), "w") as f:
        f.write("LoadPlugin load\n")
    cd = t.Collectd(plugins=[], config='<Include "%s">\n  Filter "*.conf"\n</Include>\n'
                    % confd, types_db=os.path.join(share, "types.db"))
    with cd:
        t.ok(cd.wait_for("collectd_g6_build_info"), "g6_info loads from the installed snippet")
        t.ok(cd.wait_for("collectd_load_shortterm") or cd.wait_for("collectd_load"),
             "a stock plugin after g6's snippet still loads (PluginDir restored)")
        for ix in ("NIFTY", "BANKNIFTY", "SENSEX"):
            t.ok(cd.wait_for("collectd_g6_index_collected_legs", g6_index=ix,
                             predicate=lambda v: v > 0, timeout=30),
                 "%s collected with the shipped <Plugin g6_chain> block" % ix)
        t.ok(cd.wait_for("collectd_g6_index_analyzed_snapshots_total", g6_index="NIFTY",
                         predicate=lambda v: v > 0, timeout=30),
             "g6_analytics analyses the snapshots with the shipped block")
        t.ok(t.wait_until(lambda: os.path.exists(os.path.join(panels, "manifest.json")), 20),
             "g6_panels writes panels with the shipped <Plugin g6_panels> block")
        r = subprocess.run([os.path.join(prefix, "bin", "g6"), "integrity", "--strict",
                            "--panels-dir", panels], capture_output=True)
        t.is_((r.returncode, r.stdout), (0, b"[panels-integrity] OK (no issues)\n"),
              "the installed g6 integrity verifies them")
        t.ok(cd.wait_for("collectd_g6_retention_data_files", g6_retention="NIFTY",
                         type="options", predicate=lambda v: v > 0, timeout=30),
             "g6_retention counts the CSV files with the shipped <Plugin g6_retention> block")
        t.ok(cd.wait_for("collectd_g6_host_collected_legs", g6_host="sum",
                         predicate=lambda v: v > 0, timeout=30),
             "the aggregation snippet exports the host total of the legs collected")

r = subprocess.run(["make", "-s", "-C", t.ROOT, "B=" + t.BUILD, "uninstall", "PREFIX=" + prefix],
                   capture_output=True, timeout=120)
left = sorted(os.path.relpath(os.path.join(dp, f), prefix)
              for dp, _, fs in os.walk(prefix) for f in fs)
t.ok(r.returncode == 0 and not left, "make uninstall removes every installed file",
     r.stderr.decode()[-1000:] + "\nleft: %r" % left[:20])
t.ok(not os.path.exists(os.path.join(prefix, "share", "g6")) and
     not os.path.exists(os.path.join(prefix, "lib", "g6")),
     "and g6's own directories")

# make uninstall of a prefix where g6 never was: nothing to say, no error
never = os.path.join(d, "never")
# (without -s, which hides make's "Error 1 (ignored)")
r = subprocess.run(["make", "-C", t.ROOT, "B=" + t.BUILD, "uninstall", "PREFIX=" + never],
                   capture_output=True, text=True, timeout=120)
t.ok(r.returncode == 0 and not r.stderr and "rror" not in r.stdout,
     "make uninstall PREFIX=<never installed> exits 0 without an error line",
     r.stdout[-1000:] + r.stderr[-1000:])

# the README's steps under a DESTDIR: snippets copied into collectd.conf.d
# (and /etc/collectd.d) that point at the prefix are named before uninstall
# removes the files they load; those of another prefix, a disabled copy and a
# snippet of the operator's own are not, and none is touched
root = os.path.join(d, "root")
r = subprocess.run(["make", "-s", "-C", t.ROOT, "B=" + t.BUILD, "install", "PREFIX=/opt/g6",
                    "DESTDIR=" + root], capture_output=True, timeout=300)
t.ok(r.returncode == 0, "make install DESTDIR=… PREFIX=/opt/g6", r.stderr.decode()[-2000:])
snips = os.path.join(root, "opt", "g6", "share", "g6", "conf.d")
confd = os.path.join(root, "etc", "collectd", "collectd.conf.d")
confd2 = os.path.join(root, "etc", "collectd.d")
os.makedirs(confd)
os.makedirs(confd2)
for name in ("g6.conf", "g6_chain.conf", "g6_aggregation.conf"):
    shutil.copy(os.path.join(snips, name), confd)
shutil.copy(os.path.join(snips, "g6_panels.conf"), confd2)
shutil.copy(os.path.join(snips, "g6_retention.conf"),
            os.path.join(confd, "g6_retention.conf.disabled"))
with open(os.path.join(confd, "other-prefix.conf"), "w") as f:
    f.write('PluginDir "/usr/lib/g6/collectd"\nLoadPlugin g6_info\n')
with open(os.path.join(confd, "mine.conf"), "w") as f:
    f.write("LoadPlugin load\n")
before = sorted(os.listdir(confd)) + sorted(os.listdir(confd2))
r = subprocess.run(["make", "-s", "-C", t.ROOT, "B=" + t.BUILD, "uninstall", "PREFIX=/opt/g6",
                    "DESTDIR=" + root], capture_output=True, text=True, timeout=120)
named = sorted(l.strip() for l in r.stderr.splitlines() if l.startswith("  "))
t.is_(named, sorted([os.path.join(confd, "g6.conf"), os.path.join(confd, "g6_chain.conf"),
                     os.path.join(confd2, "g6_panels.conf")]),
      "make uninstall names each enabled snippet that points at the prefix")
t.ok(r.returncode == 0 and "collectd will not start" in r.stderr
     and "remove them first (or disable one" in r.stderr,
     "says collectd will not start with them and to remove or disable them", r.stderr)
t.is_(sorted(os.listdir(confd)) + sorted(os.listdir(confd2)), before,
      "and leaves collectd.conf.d as it was (the operator's files)")
t.ok(not os.path.exists(os.path.join(root, "opt", "g6", "share", "g6")),
     "while removing what it installed")

t.done_testing()
