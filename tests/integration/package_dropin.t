#!/usr/bin/env python3
"""The drop-in: the Debian package installed into this machine's real layout
and Debian's collectd started with its stock collectd.conf, which includes
/etc/collectd/collectd.conf.d/*.conf, doing only what the README tells
operators (README, "The Debian package"), against g6-mockd.

The stock file is Debian's: the collectd package installs it as
/etc/collectd/collectd.conf, and collectd-core ships the same bytes as
/usr/share/doc/collectd-core/examples/collectd.conf, which is what this test
reads (checked against the collectd package's conffile checksum when that
package is installed). The system's collectd service is never started:
collectd runs in the foreground with a copy of the stock file plus a
test-specific head (a Hostname of its own, so its RRD directory is the
test's, and a pid file in the test's directory) and tail (a log file the
test reads, write_prometheus moved to a free port). For g6_chain the test
also sets the mock's URL and ForceOpen (the market may be closed).

  1. Fresh install, write_prometheus enabled: collectd starts, the enabled
     g6 plugins run without one error line, the host's stock plugins still
     report, no collectd daemon was started by the package.
  2. g6_chain enabled (credentials, cp of the .example): g6 metrics on
     /metrics under the test's Hostname, the host total of the aggregation
     snippet equal to the sum of the indices, RRD files under
     /var/lib/collectd/rrd/<Hostname>/ that the installed g6 rrdgraph draws,
     CSV files and verified panels in /var/lib/g6.
  3. Purge (g6/purge_data true), the test's RRD directory removed: the host
     is as before."""
import hashlib
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t
import g6pkg

lock = g6pkg.guard()
DEB = g6pkg.deb_path()
STOCK = "/usr/share/doc/collectd-core/examples/collectd.conf"
CONFD = "/etc/collectd/collectd.conf.d"
RRD = "/var/lib/collectd/rrd"
HOST = "g6-dropin-%d" % os.getpid()

with open(STOCK, "rb") as f:
    stock = f.read()
conffile = subprocess.run(["dpkg-query", "-W", "-f=${Conffiles}", "collectd"],
                          capture_output=True, text=True).stdout
m = re.search(r"/etc/collectd/collectd.conf ([0-9a-f]{32})", conffile)
if m:
    t.is_(hashlib.md5(stock).hexdigest(), m.group(1),
          "the stock file is the collectd package's /etc/collectd/collectd.conf")
t.ok(b'<Include "/etc/collectd/collectd.conf.d">' in stock and b"LoadPlugin rrdtool" in stock,
     "the stock collectd.conf includes collectd.conf.d and writes RRD files")

before = g6pkg.host_state()
daemons = g6pkg.daemons()
d = t.workdir()


def collectd(port, phase):
    """Debian's collectd in the foreground with the stock file between the
    test's head and tail."""
    conf = os.path.join(d, "collectd-%s.conf" % phase)
    log = os.path.join(d, "collectd-%s.log" % phase)
    with open(conf, "wb") as f:
        f.write(b'# test head: its own Hostname (its RRD directory) and pid file\n'
                b'Hostname "%s"\nPIDFile "%s/collectd.pid"\n' % (HOST.encode(), d.encode()))
        f.write(stock)
        f.write(b'\n# test tail: a log file the test reads, write_prometheus on a '
                b'free port\nLoadPlugin logfile\n<Plugin logfile>\n  LogLevel "info"\n'
                b'  File "%s"\n  PrintSeverity true\n</Plugin>\n'
                b'<Plugin write_prometheus>\n  Port "%d"\n</Plugin>\n' % (log.encode(), port))
    proc = t.Process(["/usr/sbin/collectd", "-f", "-C", conf],
                     os.path.join(d, "collectd-%s.out" % phase))
    return proc, log


def g6_errors(log, proc):
    text = (open(log).read() if os.path.exists(log) else "") + proc.output()
    return [l for l in text.splitlines() if ("[error]" in l or "error:" in l.lower())
            and "g6" in l]


try:
    rc, out = g6pkg.dpkg("-i", DEB)
    t.is_(rc, 0, "dpkg -i " + os.path.basename(DEB))

    # 1. a fresh install with the export enabled (README: one cp)
    shutil.copy(os.path.join(CONFD, "g6_write_prometheus.conf.example"),
                os.path.join(CONFD, "g6_write_prometheus.conf"))
    port = t.free_port()
    url = "http://127.0.0.1:%d/metrics" % port
    proc, log = collectd(port, "fresh")
    up = t._start_and_wait(proc, url, 30, "collectd")
    t.ok(up, "the stock collectd.conf with the g6 snippets starts")

    def scrape():
        return t.parse_exposition(t.http_get(url, 5)[1].decode("utf-8", "replace"))

    got = t.wait_until(lambda: [s for s in scrape() if s.name == "collectd_g6_build_info"]
                       and [s for s in scrape() if s.name.startswith("collectd_load")]
                       and [s for s in scrape() if s.name.startswith("collectd_g6_panels")],
                       30)
    samples = scrape()
    t.ok(got, "g6_info and g6_panels report, and so do the host's stock plugins (load)")
    t.ok(all(s.labels.get("instance") == HOST for s in samples if s.name.startswith("collectd_g6")),
         "under the host's Hostname")
    t.is_(proc.stop(), 0, "collectd stops cleanly")
    t.is_(g6_errors(log, proc), [], "no g6 error line on a fresh install (g6_chain disabled)")
    t.is_(g6pkg.daemons() - daemons, set(), "the package started no collectd daemon")

    # 2. g6_chain enabled as the README says, against g6-mockd
    with t.MockD() as mock:
        os.umask(0o077)
        with open("/etc/g6/kite.key", "w") as f:
            f.write(mock.api_key + "\n")
        with open("/var/lib/g6/kite.token", "w") as f:
            f.write(mock.access_token + "\n")
        os.umask(0o022)
        chain = os.path.join(CONFD, "g6_chain.conf")
        shutil.copy(chain + ".example", chain)
        with open(chain) as f:
            text = f.read()
        # the test's only edits: the mock instead of Kite, and any hour
        text = text.replace('URL "https://api.kite.trade"', 'URL "%s"' % mock.url)
        text = text.replace('  DataDir "/var/lib/g6"\n', '  DataDir "/var/lib/g6"\n  ForceOpen true\n')
        with open(chain, "w") as f:
            f.write(text)
        proc, log = collectd(port, "chain")
        t.ok(t._start_and_wait(proc, url, 30, "collectd"), "collectd starts with g6_chain enabled")

        def legs():
            by = {}
            for s in scrape():
                if s.name == "collectd_g6_index_collected_legs" and s.value == s.value:
                    by[s.labels["g6_index"]] = by.get(s.labels["g6_index"], 0) + s.value
            return by if len(by) == 3 and all(v > 0 for v in by.values()) else None
        by_index = t.wait_until(legs, 60, 1)
        t.is_(sorted(by_index or {}), ["BANKNIFTY", "NIFTY", "SENSEX"],
              "the shipped indices are collected (legs on /metrics)")

        def total():
            s = [x for x in scrape() if x.name == "collectd_g6_host_collected_legs"]
            l = legs()
            return (s[0].value, sum(l.values())) if s and l and s[0].value == sum(l.values()) \
                else None
        tot = t.wait_until(total, 40, 1)
        t.ok(tot, "the aggregation snippet's host total equals the sum of the indices", tot)
        host_dir = os.path.join(RRD, HOST)
        for rel in ("g6_index-NIFTY/collected_legs-this_week.rrd", "g6_index-NIFTY/spot_points.rrd",
                    "g6_host-sum/collected_legs.rrd", "g6_api-quote/calls-ok.rrd", "load/load.rrd"):
            t.ok(os.path.isfile(os.path.join(host_dir, rel)),
                 "RRD file %s/%s" % (HOST, rel))
        graphs = os.path.join(d, "graphs")
        r = subprocess.run(["/usr/bin/g6", "rrdgraph", "--host", HOST, "--out", graphs,
                            "--plan", "overview", "--since", "10m"],
                           capture_output=True, text=True, timeout=120)
        t.ok(r.returncode == 0 and os.path.exists(os.path.join(graphs, "overview-legs.png")),
             "the installed g6 rrdgraph draws them (steps match the 10 s interval)",
             r.stdout + r.stderr)
        csvs = [os.path.join(dp, f) for dp, _, fs in os.walk("/var/lib/g6/NIFTY") for f in fs
                if f.endswith(".csv")]
        t.ok(csvs, "CSV files in /var/lib/g6")
        t.ok(t.wait_until(lambda: os.path.exists("/var/lib/g6/panels/manifest.json"), 30),
             "panels in /var/lib/g6/panels")
        r = subprocess.run(["/usr/bin/g6", "integrity", "--strict"], capture_output=True,
                           text=True)
        t.is_((r.returncode, r.stdout), (0, "[panels-integrity] OK (no issues)\n"),
              "which the installed g6 integrity verifies")
        t.is_(proc.stop(), 0, "collectd stops cleanly")
        t.is_(g6_errors(log, proc), [], "no g6 error line")
finally:
    if g6pkg.status("g6") not in ("", "un", "pn"):
        g6pkg.preseed("g6 g6/purge_data boolean true")
        rc, out = g6pkg.dpkg("--purge", "g6")
        t.is_(rc, 0, "dpkg --purge g6 (g6/purge_data true)")
    # what collectd's stock rrdtool block wrote for the test's Hostname
    shutil.rmtree(os.path.join(RRD, HOST), ignore_errors=True)
    if not any(e[0] == RRD for e in before["files"]) and os.path.isdir(RRD) and \
            not os.listdir(RRD):
        os.rmdir(RRD)

g6pkg.same_host(before, g6pkg.host_state())
t.done_testing()
