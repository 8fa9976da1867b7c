#!/usr/bin/env python3
"""`make demo` (tools/demo.sh) with DEMO_SECONDS: every g6 plugin with
write_prometheus and rrdtool on g6-mockd; it prints where to look, stops by
itself and prints a summary whose figures are checked against the files it
left (series on /metrics, CSV rows, panels verified by g6 integrity, PNG
graphs); a taken port (metrics or mock) or a bad DEMO_SECONDS stops it at
once with a message naming the variable, not a hang."""
import glob
import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

DEMO = os.path.join(t.ROOT, "tools", "demo.sh")
d = t.workdir()


def demo(timeout, **env):
    e = dict(os.environ, G6_ROOT=t.ROOT, G6_BUILD=t.BUILD, DEMO_DIR=d, **env)
    start = time.monotonic()
    p = subprocess.run([DEMO], env=e, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - start


port, mock_port = t.free_port(), t.free_port()
rc, out, err, took = demo(120, DEMO_SECONDS="25", DEMO_PORT=str(port),
                          DEMO_MOCK_PORT=str(mock_port))
t.is_(rc, 0, "make demo with DEMO_SECONDS=25 exits 0 (%.0f s)" % took)
if rc:
    t.diag(out[-3000:] + err[-3000:])
if os.environ.get("G6_SANITIZE"):  # make check-asan: collectd's reports
    with open(os.path.join(d, "collectd.out"), errors="replace") as f:
        reports = [l for l in f if "Sanitizer" in l or "runtime error:" in l]
    t.ok(not reports, "no sanitizer report from the demo's collectd", "".join(reports[:20]))
for what in ("http://127.0.0.1:%d/metrics" % port, os.path.join(d, "data"),
             os.path.join(d, "panels"), "g6 summary --panels-dir", "g6 rrdgraph"):
    t.ok(what in out, "it prints where to look: %s" % what)


def figure(label):
    m = re.search(r"^%s:\s+(\d+)" % label, out, re.M)
    return int(m.group(1)) if m else None


series = figure("series exported")
t.ok(series and series > 300, "series exported: %r" % series)
rows = figure("CSV rows")
csv = glob.glob(os.path.join(d, "data", "**", "*.csv"), recursive=True)
t.is_(rows, sum(sum(1 for _ in open(f)) - 1 for f in csv),
      "CSV rows: the data rows of the %d CSV files it wrote" % len(csv))
t.ok(rows and rows > 0, "and there are some")
t.ok(re.search(r"^panels verified:\s+6 panel files match manifest.json", out, re.M),
     "panels verified: the six panels, by g6 integrity")
r = subprocess.run([t.build_path("g6"), "integrity", "--strict", "--panels-dir",
                    os.path.join(d, "panels")], capture_output=True)
t.is_(r.returncode, 0, "which g6 integrity confirms")
graphs = figure("graphs rendered")
pngs = glob.glob(os.path.join(d, "graphs", "*.png"))
t.ok(graphs and graphs == len(pngs) and graphs > 10,
     "graphs rendered: %r, the PNG files in the graphs directory (%d)" % (graphs, len(pngs)))
t.ok(os.path.exists(os.path.join(d, "graphs", "index.html")), "with an index.html")

# a port that is taken: a message at once
holder = socket.socket()
holder.bind(("127.0.0.1", 0))
holder.listen()
taken = holder.getsockname()[1]
for var, other in (("DEMO_PORT", "DEMO_MOCK_PORT"), ("DEMO_MOCK_PORT", "DEMO_PORT")):
    rc, out, err, took = demo(30, DEMO_SECONDS="5", **{var: str(taken),
                                                      other: str(t.free_port())})
    t.ok(rc != 0 and took < 5 and "port %d" % taken in err and var in err,
         "%s taken: exits %d after %.1f s naming the port and %s" % (var, rc, took, var), err)
holder.close()
rc, out, err, took = demo(30, DEMO_SECONDS="soon")
t.ok(rc != 0 and 'DEMO_SECONDS="soon"' in err, "a bad DEMO_SECONDS is refused", err)
t.done_testing()
