#!/usr/bin/env python3
"""`make demo` (tools/demo.sh) with DEMO_SECONDS: every g6 plugin with
write_prometheus and rrdtool on g6-mockd; it prints where to look, stops by
itself and prints a summary whose figures are checked against the files it
left (series on /metrics, CSV rows, panels verified by g6 integrity, PNG
graphs, panel files g6_retention counted, g6's errors in the log); a
second demo in a DEMO_DIR the first still runs in, a taken port (metrics or
mock) or a bad DEMO_SECONDS stops it at once with a message naming the
variable, not a hang."""
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
start = time.monotonic()
first = subprocess.Popen([DEMO], env=dict(os.environ, G6_ROOT=t.ROOT, G6_BUILD=t.BUILD,
                                          DEMO_DIR=d, DEMO_SECONDS="25", DEMO_PORT=str(port),
                                          DEMO_MOCK_PORT=str(mock_port)),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
# a second demo in the same DEMO_DIR (other ports) while the first runs:
# refused at once, naming DEMO_DIR and how to choose another, and the first's
# files left alone
pid_file = os.path.join(d, "collectd.pid")
t.ok(t.wait_until(lambda: os.path.exists(pid_file), 30), "the first demo's collectd runs")
rc2, out2, err2, took2 = demo(30, DEMO_SECONDS="5", DEMO_PORT=str(t.free_port()),
                              DEMO_MOCK_PORT=str(t.free_port()))
t.ok(rc2 != 0 and took2 < 5 and ("DEMO_DIR=%s is in use" % d) in err2
     and ("DEMO_DIR=%s-2" % d) in err2,
     "a second demo in the same DEMO_DIR is refused after %.1f s, naming DEMO_DIR and another"
     % took2, err2)
t.ok(os.path.exists(pid_file) and os.path.exists(os.path.join(d, "collectd.conf")),
     "and the first demo's directory is left as it was")
out, err = first.communicate(timeout=120)
rc, took = first.returncode, time.monotonic() - start
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
# g6_retention watches the directory g6_panels writes: a count, not nan
m = re.search(r"^panels counted:\s+(\S+)", out, re.M)
t.ok(m and re.fullmatch(r"\d+", m.group(1)),
     "panels counted: g6_retention's count of the panel files is a number (%s)"
     % (m and m.group(1)))
with open(os.path.join(d, "collectd.log"), errors="replace") as f:
    g6_bad = [l for l in f if re.match(r"\[[^]]*\] \[(error|warning)\] g6", l)]
t.ok(not g6_bad, "no g6 plugin logged an error or a warning", "".join(g6_bad[:20]))
t.ok(re.search(r"^g6 log:\s+0 errors, 0 warnings from g6 plugins", out, re.M),
     "and the summary says so")
t.ok(not os.path.exists(os.path.join(d, "demo.pid")), "the demo removes its demo.pid")

# a pid file left by a demo that is gone (here a process that has exited)
# does not hold DEMO_DIR: the next demo goes on (and stops at the port)
dead = subprocess.Popen(["true"])
dead.wait()
with open(pid_file, "w") as f:
    f.write("%d\n" % dead.pid)
with open(os.path.join(d, "demo.pid"), "w") as f:
    f.write("%d\n" % dead.pid)

# a port that is taken: a message at once
holder = socket.socket()
holder.bind(("127.0.0.1", 0))
holder.listen()
taken = holder.getsockname()[1]
for var, other in (("DEMO_PORT", "DEMO_MOCK_PORT"), ("DEMO_MOCK_PORT", "DEMO_PORT")):
    rc, out, err, took = demo(30, DEMO_SECONDS="5", **{var: str(taken),
                                                      other: str(t.free_port())})
    t.ok(rc != 0 and took < 5 and "port %d" % taken in err and var in err
         and "DEMO_DIR" in err and "is in use by another demo" not in err,
         "%s taken: exits %d after %.1f s naming the port, %s and DEMO_DIR"
         % (var, rc, took, var), err)
holder.close()
# a relative DEMO_DIR, as the README's second demo gives it
# (DEMO_DIR=build/demo-2): taken from the directory make runs in, not from
# collectd's BaseDir, so every plugin writes there and g6_retention (which
# wants an absolute DataDir) runs too; with a space in it, which collectd's
# -C (wordexp) would split, reading every file under "<dir>/demo" as its
# configuration
rel_parent = t.workdir()
os.makedirs(os.path.join(rel_parent, "demo"))
e = dict(os.environ, G6_ROOT=t.ROOT, G6_BUILD=t.BUILD, DEMO_DIR="demo rel",
         DEMO_SECONDS="12", DEMO_PORT=str(t.free_port()), DEMO_MOCK_PORT=str(t.free_port()))
p = subprocess.run([DEMO], env=e, cwd=rel_parent, capture_output=True, text=True, timeout=120)
rel = os.path.join(rel_parent, "demo rel")
t.ok(p.returncode == 0, "a relative DEMO_DIR with a space: the demo exits 0", p.stderr[-2000:])
t.ok(os.path.join(rel, "data") in p.stdout,
     "a relative DEMO_DIR: it prints the absolute data directory", p.stdout[-2000:])
rel_csv = glob.glob(os.path.join(rel, "data", "**", "*.csv"), recursive=True)
t.ok(rel_csv and not os.path.exists(os.path.join(rel, "demo rel")),
     "a relative DEMO_DIR: the CSV files are under DEMO_DIR/data (%d), not under "
     "DEMO_DIR/DEMO_DIR" % len(rel_csv))
t.ok(re.search(r"^g6 log:\s+0 errors, 0 warnings from g6 plugins", p.stdout, re.M),
     "a relative DEMO_DIR: no g6 plugin logged an error (g6_retention runs)",
     p.stdout[-1500:])
# make demo hands DEMO_DIR (and the checkout's path) to the script quoted
r = subprocess.run(["make", "-n", "--no-print-directory", "-C", t.ROOT, "demo",
                    "DEMO_DIR=build/demo x", "DEMO_SECONDS=5"],
                   capture_output=True, text=True, timeout=120)
t.ok("DEMO_DIR='build/demo x'" in r.stdout,
     "make demo quotes a DEMO_DIR with a space for the shell", r.stdout[-1500:])
rc, out, err, took = demo(30, DEMO_SECONDS="soon")
t.ok(rc != 0 and 'DEMO_SECONDS="soon"' in err, "a bad DEMO_SECONDS is refused", err)
t.done_testing()
