#!/usr/bin/env python3
"""`make install` and the shipped conf.d snippets, as the README tells ops to
use them: install under a prefix, include the snippets from a collectd.conf
the way Debian's does (an Include of a conf.d directory), and check that
g6_info, g6_chain, g6_analytics, g6_panels and g6_retention load from g6's
plugin directory, that a stock plugin in a snippet loaded after g6's still
loads (PluginDir is pointed back), that g6_chain collects with the shipped
block once its paths point at this test's files and g6-mockd, that
g6_analytics analyses its snapshots with its shipped block, that g6_panels
writes panels with its shipped block that the installed `g6 integrity`
verifies, and that g6_retention counts what g6_chain wrote with its shipped
block."""
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
            "share/g6/conf.d/g6_retention.conf"):
    t.ok(os.path.isfile(os.path.join(prefix, rel)), "installed " + rel)
r = subprocess.run([os.path.join(prefix, "bin", "g6"), "version"], capture_output=True)
t.ok(r.returncode == 0 and r.stdout.startswith(b"g6 "), "the installed g6 runs")
r = subprocess.run([os.path.join(prefix, "bin", "g6"), "calendar", "--exchange", "BSE",
                    "--from", "2026-02-01", "--to", "2026-02-01"], capture_output=True)
t.ok(r.returncode == 0 and os.path.join(share, "calendars", "BSE.txt").encode() in r.stdout
     and b"2026-02-01 Sun 09:15-15:30 special: Union Budget" in r.stdout,
     "the installed g6 calendar finds the installed calendars", r.stdout + r.stderr)

with t.MockD() as m:
    key, tok = m.write_credentials(d)
    confd = os.path.join(d, "collectd.conf.d")
    os.makedirs(confd)
    shutil.copy(os.path.join(share, "conf.d", "g6.conf"), confd)
    with open(os.path.join(share, "conf.d", "g6_chain.conf")) as f:
        block = f.read()
    # what an operator edits: credentials, data directory, and here the URL
    block = block.replace("/etc/g6/kite.key", key).replace("/var/lib/g6/kite.token", tok)
    block = block.replace('DataDir "/var/lib/g6"',
                          'DataDir "%s/data"\n  ForceOpen true' % d)
    block = block.replace("https://api.kite.trade", m.url)
    block = re.sub(r"Interval 30", "Interval 2", block)
    t.ok('CalendarDir "%s"' % os.path.join(share, "calendars") in block,
         "the shipped block points at the installed exchange calendars")
    with open(os.path.join(confd, "g6_chain.conf"), "w") as f:
        f.write(block)
    with open(os.path.join(share, "conf.d", "g6_panels.conf")) as f:
        block = f.read()
    panels = os.path.join(d, "panels")
    block = block.replace('PanelsDir "/var/lib/g6/panels"', 'PanelsDir "%s"' % panels)
    block = block.replace("FlushInterval 10", "FlushInterval 1")
    with open(os.path.join(confd, "g6_panels.conf"), "w") as f:
        f.write(block)
    with open(os.path.join(share, "conf.d", "g6_analytics.conf")) as f:
        block = f.read().replace('DataDir "/var/lib/g6"', 'DataDir "%s/data"' % d)
    with open(os.path.join(confd, "g6_analytics.conf"), "w") as f:
        f.write(block)
    with open(os.path.join(share, "conf.d", "g6_retention.conf")) as f:
        block = f.read()
    block = block.replace('DataDir "/var/lib/g6"', 'DataDir "%s/data"' % d)
    block = block.replace("ScanInterval 300", "ScanInterval 1")
    with open(os.path.join(confd, "g6_retention.conf"), "w") as f:
        f.write(block)
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

t.done_testing()
