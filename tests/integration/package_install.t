#!/usr/bin/env python3
"""The Debian package on this machine, with dpkg: install, upgrade, remove,
purge.

  - install: the documented layout (plugins in /usr/lib/g6/collectd, the CLI
    and g6-mockd in /usr/bin, types.db, calendars, Prometheus and Grafana
    files under /usr/share/g6, one snippet per plugin in
    /etc/collectd/collectd.conf.d registered as conffiles, g6_chain and
    write_prometheus shipped disabled), the installed tools run, nothing
    starts collectd;
  - upgrade (the same package with a new version, a changed calendar and
    two changed snippets, repacked with dpkg-deb): files are replaced, the
    snippet the operator did not touch is updated, the one they edited is
    kept (the new one beside it as .dpkg-dist), the snippet they enabled
    and their key file stay;
  - remove: programs gone, configuration kept (dpkg's rule for conffiles);
  - purge: every snippet, the enabled copies, the credentials and the token
    gone, the data kept by default (g6/purge_data false); a second install
    purged with g6/purge_data true leaves the host exactly as before."""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t
import g6pkg

lock = g6pkg.guard()
DEB = g6pkg.deb_path()
VERSION = open(os.path.join(t.ROOT, "VERSION")).read().strip()
CONFD = "/etc/collectd/collectd.conf.d"
ENABLED = ["g6.conf", "g6_aggregation.conf", "g6_analytics.conf", "g6_panels.conf",
           "g6_retention.conf"]
DISABLED = ["g6_chain.conf.example", "g6_write_prometheus.conf.example"]
before = g6pkg.host_state()
daemons = g6pkg.daemons()


def read(path):
    with open(path) as f:
        return f.read()


try:
    rc, out = g6pkg.dpkg("-i", DEB)
    t.is_(rc, 0, "dpkg -i %s" % os.path.basename(DEB))
    if rc:
        t.diag(out)
    t.is_((g6pkg.status("g6"), g6pkg.version("g6")), ("ii", VERSION),
          "g6 %s is installed" % VERSION)
    for path in ["/usr/lib/g6/collectd/%s.so" % p for p in
                 ("g6_info", "g6_chain", "g6_analytics", "g6_panels", "g6_retention")] + \
            ["/usr/bin/g6", "/usr/bin/g6-mockd", "/usr/share/g6/types.db",
             "/usr/share/g6/calendars/NSE.txt", "/usr/share/g6/calendars/BSE.txt",
             "/usr/share/g6/prometheus/rules.yml", "/usr/share/g6/prometheus/alerts.yml",
             "/usr/share/g6/prometheus/scrape.yml", "/usr/share/g6/grafana/manifest.json",
             "/usr/share/g6/grafana/dashboards/overview.json",
             "/usr/share/g6/grafana/provisioning/dashboards/g6.yml",
             "/usr/share/doc/g6/README.md.gz", "/usr/share/doc/g6/copyright"]:
        t.ok(os.path.isfile(path), "installed " + path)
    t.is_(sorted(f for f in os.listdir(CONFD) if f.startswith("g6")), sorted(ENABLED + DISABLED),
          "one snippet per plugin in %s; g6_chain and write_prometheus disabled" % CONFD)
    p = subprocess.run(["dpkg-query", "-W", "-f=${Conffiles}", "g6"], capture_output=True,
                       text=True)
    conffiles = sorted(l.split()[0] for l in p.stdout.strip().splitlines())
    t.is_(conffiles, sorted(os.path.join(CONFD, f) for f in ENABLED + DISABLED),
          "the snippets are conffiles")
    g6conf = read(os.path.join(CONFD, "g6.conf"))
    t.ok('PluginDir "/usr/lib/g6/collectd"' in g6conf and
         '"/usr/share/g6/types.db"' in g6conf and 'PluginDir "/usr/lib/collectd"' in g6conf,
         "g6.conf points at the installed types and plugins, and PluginDir back", g6conf)
    t.ok('CalendarDir "/usr/share/g6/calendars"' in
         read(os.path.join(CONFD, "g6_chain.conf.example")),
         "the g6_chain example points at the installed calendars")
    t.is_(oct(os.stat("/etc/g6").st_mode & 0o777), "0o700",
          "/etc/g6 (the credentials) is root's only")
    t.ok(os.path.isdir("/var/lib/g6"), "/var/lib/g6 exists")
    r = subprocess.run(["/usr/bin/g6", "version"], capture_output=True, text=True)
    t.is_(r.stdout.strip(), "g6 %s" % VERSION, "the installed g6 runs")
    r = subprocess.run(["/usr/bin/g6", "calendar", "--exchange", "NSE", "--from",
                        "2026-01-26", "--to", "2026-01-26"], capture_output=True, text=True)
    t.ok(r.returncode == 0 and "/usr/share/g6/calendars/NSE.txt" in r.stdout and
         "holiday" in r.stdout, "g6 calendar finds the installed calendars", r.stdout + r.stderr)
    r = subprocess.run(["/usr/bin/g6", "rrdgraph", "--help"], capture_output=True, text=True)
    t.ok(r.returncode == 0 and "dashboard plan" in r.stdout, "g6 rrdgraph runs (librrd found)")
    r = subprocess.run(["/usr/bin/g6-mockd", "--help"], capture_output=True, text=True)
    t.ok(r.returncode == 0, "g6-mockd runs")
    r = subprocess.run(["promtool", "check", "config", "/usr/share/g6/prometheus/scrape.yml"],
                       capture_output=True, text=True)
    t.ok(r.returncode == 0, "promtool checks the installed scrape job with its rule files",
         r.stdout + r.stderr)
    t.is_(g6pkg.daemons() - daemons, set(), "installing started no collectd")
    t.ok(not os.path.exists("/run/collectd.pid"), "and wrote no collectd pid file")

    # --- the operator's steps before an upgrade
    shutil.copy(os.path.join(CONFD, "g6_chain.conf.example"), os.path.join(CONFD, "g6_chain.conf"))
    with open("/etc/g6/kite.key", "w") as f:
        f.write("not-a-real-key\n")
    os.chmod("/etc/g6/kite.key", 0o600)
    retention = os.path.join(CONFD, "g6_retention.conf")
    edited = read(retention).replace("ScanInterval 300", "ScanInterval 600")
    with open(retention, "w") as f:
        f.write(edited)
    panels_before = read(os.path.join(CONFD, "g6_panels.conf"))

    # --- the next version: the same files, a changed calendar and snippets
    d = t.workdir()
    root = os.path.join(d, "pkg")
    subprocess.run(["dpkg-deb", "-R", DEB, root], check=True)
    new_version = VERSION + "+upgrade.1"
    ctl = os.path.join(root, "DEBIAN", "control")
    with open(ctl) as f:
        control = f.read().replace("Version: %s\n" % VERSION, "Version: %s\n" % new_version)
    with open(ctl, "w") as f:
        f.write(control)
    for rel in ("usr/share/g6/calendars/NSE.txt", "etc/collectd/collectd.conf.d/g6_panels.conf",
                "etc/collectd/collectd.conf.d/g6_retention.conf"):
        with open(os.path.join(root, rel), "a") as f:
            f.write("# changed in %s\n" % new_version)
    md5 = subprocess.run("cd %s && find usr -type f -print0 | sort -z | xargs -0 md5sum"
                         % root, shell=True, capture_output=True, text=True, check=True).stdout
    with open(os.path.join(root, "DEBIAN", "md5sums"), "w") as f:
        f.write(md5)
    new_deb = os.path.join(d, "g6_%s.deb" % new_version)
    subprocess.run(["dpkg-deb", "--root-owner-group", "-b", root, new_deb], check=True,
                   capture_output=True)
    rc, out = g6pkg.dpkg("--force-confold", "-i", new_deb)
    t.is_(rc, 0, "dpkg -i the next version (an upgrade)")
    if rc:
        t.diag(out)
    t.is_(g6pkg.version("g6"), new_version, "g6 %s is installed" % new_version)
    t.ok(read("/usr/share/g6/calendars/NSE.txt").endswith("# changed in %s\n" % new_version),
         "the upgrade replaced the calendar")
    t.is_(read(os.path.join(CONFD, "g6_panels.conf")),
          panels_before + "# changed in %s\n" % new_version,
          "a snippet the operator did not edit is updated")
    t.is_(read(retention), edited, "the snippet the operator edited is kept")
    t.ok(os.path.exists(retention + ".dpkg-dist"),
         "and the new one is beside it as g6_retention.conf.dpkg-dist")
    t.ok(os.path.exists(os.path.join(CONFD, "g6_chain.conf")) and
         os.path.exists("/etc/g6/kite.key"),
         "the enabled g6_chain.conf and the key file stay")
    t.is_(g6pkg.daemons() - daemons, set(), "upgrading started no collectd")

    # --- remove: programs go, configuration stays
    rc, out = g6pkg.dpkg("-r", "g6")
    t.is_(rc, 0, "dpkg -r g6")
    t.is_(g6pkg.status("g6"), "rc", "removed, configuration kept")
    t.ok(not os.path.exists("/usr/bin/g6") and not os.path.exists("/usr/lib/g6"),
         "the programs and plugins are gone")
    t.ok(all(os.path.exists(os.path.join(CONFD, f)) for f in ENABLED) and
         os.path.exists("/etc/g6/kite.key"), "the snippets and credentials stay")

    # --- purge with the default answer: configuration and credentials go,
    # the data stays
    os.makedirs("/var/lib/g6/overview/NIFTY", exist_ok=True)
    with open("/var/lib/g6/overview/NIFTY/2026-01-02.csv", "w") as f:
        f.write("timestamp,index\n")
    with open("/var/lib/g6/kite.token", "w") as f:
        f.write("not-a-real-token\n")
    rc, out = g6pkg.dpkg("--purge", "g6")
    t.is_(rc, 0, "dpkg --purge g6")
    t.is_(g6pkg.status("g6"), "", "g6 is unknown to dpkg")
    t.is_(sorted(f for f in os.listdir(CONFD) if f.startswith("g6")) if os.path.isdir(CONFD)
          else [], [], "every g6 snippet is gone: conffiles, .dpkg-dist, the enabled copy")
    t.ok(not os.path.exists("/etc/g6"), "the credentials are gone")
    t.ok(not os.path.exists("/var/lib/g6/kite.token"), "the access token is gone")
    t.ok(os.path.isfile("/var/lib/g6/overview/NIFTY/2026-01-02.csv") and
         "data in /var/lib/g6 is kept" in out,
         "the market data is kept by default, and purge says so", out)

    # --- install again, purge answering g6/purge_data true
    rc, out = g6pkg.dpkg("-i", DEB)
    t.is_(rc, 0, "dpkg -i again")
    g6pkg.preseed("g6 g6/purge_data boolean true")
    rc, out = g6pkg.dpkg("--purge", "g6")
    t.is_(rc, 0, "dpkg --purge g6 with g6/purge_data true")
    t.ok(not os.path.exists("/var/lib/g6"), "the data directory is gone too")
    t.is_(g6pkg.debconf("g6/purge_data"), None, "debconf forgot g6's question")
finally:
    if g6pkg.status("g6") not in ("", "un", "pn"):
        g6pkg.dpkg("--purge", "g6")
g6pkg.same_host(before, g6pkg.host_state())
t.done_testing()
