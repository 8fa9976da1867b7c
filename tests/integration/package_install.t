#!/usr/bin/env python3
"""The Debian package on this machine, with dpkg: install, upgrade, remove,
install again, purge.

  - install: the documented layout (plugins in /usr/lib/g6/collectd, the CLI
    and g6-mockd in /usr/bin with their manual pages, which `man g6` and
    `man g6-mockd` show without a warning, types.db, calendars, Prometheus and Grafana
    files under /usr/share/g6, one snippet per plugin in
    /etc/collectd/collectd.conf.d registered as conffiles, g6_chain and
    write_prometheus shipped disabled), the installed tools run, nothing
    starts collectd;
  - upgrade (the same package with a new version, a changed calendar and
    two changed snippets, repacked with dpkg-deb): files are replaced, the
    snippet the operator did not touch is updated, the one they edited is
    kept (the new one beside it as .dpkg-dist), the snippet they enabled
    and their key file stay;
  - remove: programs gone, configuration kept (dpkg's rule for conffiles)
    but disabled: every enabled g6 snippet renamed to .conf.g6-removed with
    its content, so that collectd reads its configuration with Debian's
    Include of collectd.conf.d/*.conf without an error and collectd -T exits
    0 (a snippet left enabled names plugins and a types.db that are gone,
    and collectd refuses to start: shown by including the disabled ones); a
    second run of the postrm changes nothing;
  - install again (the same version): the snippets enabled again as they
    were, the edited one with its edit, and collectd loads every g6 plugin
    from them; removed again and a next version installed without
    --force-conf* options: the snippet the operator did not edit is the new
    one, the edited one is kept;
  - purge after remove: every snippet, the disabled ones, the enabled
    copies, the credentials and the token gone, the data kept by default
    (g6/purge_data false); a second install purged straight away with
    g6/purge_data true leaves no snippet and the host exactly as before."""
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
VERSION = open(os.path.join(t.ROOT, "VERSION")).read().strip()
CONFD = "/etc/collectd/collectd.conf.d"
ENABLED = ["g6.conf", "g6_aggregation.conf", "g6_analytics.conf", "g6_panels.conf",
           "g6_retention.conf"]
DISABLED = ["g6_chain.conf.example", "g6_write_prometheus.conf.example"]
G6_PLUGINS = ["g6_info", "g6_chain", "g6_analytics", "g6_panels", "g6_retention"]
# the enabled copies of the disabled ones (README: cp the .example)
COPIES = ["g6_chain.conf", "g6_write_prometheus.conf"]
MAN_PAGES = ["/usr/share/man/man1/g6.1.gz", "/usr/share/man/man1/g6-mockd.1.gz"]
d = t.workdir()
before = g6pkg.host_state()
daemons = g6pkg.daemons()


def read(path):
    with open(path) as f:
        return f.read()


def g6_files():
    """The g6 files in collectd.conf.d."""
    return sorted(f for f in os.listdir(CONFD) if f.startswith("g6")) \
        if os.path.isdir(CONFD) else []


def contents(names):
    """name: content (None when missing) of files in collectd.conf.d."""
    return {n: read(os.path.join(CONFD, n)) if os.path.exists(os.path.join(CONFD, n)) else None
            for n in names}


runs = [0]
# a plugin that does not exist: loaded after everything else, it makes
# collectd stop when it has read its configuration
END = "g6_test_end_of_configuration"


def collectd(flag, pattern="*.conf", parse_only=False):
    """collectd with a collectd.conf that, like Debian's, includes
    collectd.conf.d/*.conf (or `pattern`) after a log file, with a BaseDir
    and PIDFile of the test's own. `collectd -T` reads the configuration as
    the daemon does (a LoadPlugin that fails or a TypesDB file that is
    missing fails it: exit 1, "Parsing the config file failed"), then runs
    each plugin's init and one read. With parse_only a LoadPlugin of END
    after the Include stops it there, so no plugin runs (collectd 5.12's
    own -t reads nothing at all: it exits 0 whatever the file, collectd
    issue #3216). Returns (exit status, log and output)."""
    runs[0] += 1
    conf = os.path.join(d, "collectd-%d.conf" % runs[0])
    log = os.path.join(d, "collectd-%d.log" % runs[0])
    with open(conf, "w") as f:
        f.write('BaseDir "%s/base"\nPIDFile "%s/collectd.pid"\n'
                'LoadPlugin logfile\n<Plugin logfile>\n  LogLevel "info"\n  File "%s"\n'
                '  PrintSeverity true\n</Plugin>\n'
                '<Include "%s">\n  Filter "%s"\n</Include>\n' % (d, d, log, CONFD, pattern))
        if parse_only:
            f.write("LoadPlugin %s\n" % END)
    try:
        p = subprocess.run([t.COLLECTD, flag, "-C", conf], capture_output=True, text=True,
                           timeout=120)
        rc, out = p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out = "timeout", str(e)
    text = read(log) if os.path.exists(log) else ""
    return rc, out + text


def errors(log):
    """The log's error lines, but the known harmless ones and END's."""
    return [l for l in log.splitlines() if "[error]" in l and END not in l and
            not any(h.search(l) for h in t.HARMLESS_ERRORS)]


def parse():
    """collectd's configuration stage alone with collectd.conf.d/*.conf:
    (the plugins loaded, the error lines, the log), or None for the plugins
    when it did not stop at END."""
    rc, log = collectd("-T", parse_only=True)
    stopped = rc == 1 and ('Could not find plugin "%s"' % END) in log
    loaded = sorted(re.findall(r'plugin_load: plugin "([^"]+)" successfully loaded', log))
    return (loaded if stopped else None), errors(log), log


def repack(base, base_version, version, rels):
    """The package `base` (of base_version) as `version`, each of rels
    (paths in the package) with one line appended, built with dpkg-deb."""
    root = os.path.join(d, "pkg-" + version)
    subprocess.run(["dpkg-deb", "-R", base, root], check=True)
    ctl = os.path.join(root, "DEBIAN", "control")
    with open(ctl) as f:
        control = f.read().replace("Version: %s\n" % base_version, "Version: %s\n" % version)
    with open(ctl, "w") as f:
        f.write(control)
    for rel in rels:
        with open(os.path.join(root, rel), "a") as f:
            f.write("# changed in %s\n" % version)
    md5 = subprocess.run("cd %s && find usr -type f -print0 | sort -z | xargs -0 md5sum"
                         % root, shell=True, capture_output=True, text=True, check=True).stdout
    with open(os.path.join(root, "DEBIAN", "md5sums"), "w") as f:
        f.write(md5)
    deb = os.path.join(d, "g6_%s.deb" % version)
    subprocess.run(["dpkg-deb", "--root-owner-group", "-b", root, deb], check=True,
                   capture_output=True)
    return deb


# the maintainer scripts disable and enable the same snippets: the package's
# enabled ones and the copies the README has operators make
lists = {}
for script in ("g6.preinst", "g6.postrm"):
    m = re.search(r'^SNIPPETS="([^"]*)"', read(os.path.join(t.ROOT, "debian", script)), re.M)
    lists[script] = sorted(m.group(1).split()) if m else None
t.is_(lists, {"g6.preinst": sorted(ENABLED + COPIES), "g6.postrm": sorted(ENABLED + COPIES)},
      "g6.preinst and g6.postrm list the enabled snippets and the operator's copies")

# this host's own collectd.conf.d, before g6: the checks after a removal
# need collectd to read it without an error; -T runs only where the
# directory holds no snippet of the host's (it would run its plugins)
host_confs = sorted(f for f in os.listdir(CONFD) if f.endswith(".conf")) \
    if os.path.isdir(CONFD) else []
host_ok = True
if host_confs:
    loaded, errs, log = parse()
    host_ok = loaded is not None and not errs
    if not host_ok:
        t.diag("collectd fails to read this host's collectd.conf.d before g6 is "
               "installed:\n" + log)


# the manual pages (help2man's, mk/man.mk) are in the package, gzipped
# (dh_compress) where man finds them
p = subprocess.run(["dpkg-deb", "-c", DEB], capture_output=True, text=True)
listed = sorted("/" + l.split()[-1].lstrip("./") for l in p.stdout.splitlines()
                if "/share/man/" in l and not l.endswith("/"))
t.is_((p.returncode, listed, p.stderr), (0, sorted(MAN_PAGES), ""),
      "dpkg-deb -c: the package holds g6(1) and g6-mockd(1), gzipped")

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
             "/usr/share/doc/g6/README.md.gz", "/usr/share/doc/g6/copyright"] + MAN_PAGES:
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
    for name in ("g6", "g6-mockd"):
        # as an operator asks for it: by name, found through man's own path
        r = subprocess.run(["man", "--warnings", name], capture_output=True, text=True,
                           env=dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8",
                                    MANPAGER="cat", PAGER="cat"), timeout=60)
        t.ok(r.returncode == 0 and not r.stderr and
             re.search(r"^NAME\n\s+%s\s+-\s" % re.escape(name), re.sub(".\x08", "", r.stdout),
                       re.M),
             "man %s shows the installed page without a warning" % name,
             r.stdout[:500] + r.stderr[-1000:])
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
    new_version = VERSION + "+upgrade.1"
    new_deb = repack(DEB, VERSION, new_version, ["usr/share/g6/calendars/NSE.txt",
                                                 "etc/collectd/collectd.conf.d/g6_panels.conf",
                                                 "etc/collectd/collectd.conf.d/g6_retention.conf"])
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

    # --- remove: programs go, configuration stays, disabled
    active = ENABLED + ["g6_chain.conf"]
    kept = contents(active)
    rc, out = g6pkg.dpkg("-r", "g6")
    t.is_(rc, 0, "dpkg -r g6")
    t.is_(g6pkg.status("g6"), "rc", "removed, configuration kept")
    t.ok(not os.path.exists("/usr/bin/g6") and not os.path.exists("/usr/lib/g6"),
         "the programs and plugins are gone")
    removed_files = sorted([f + ".g6-removed" for f in active] + DISABLED +
                           ["g6_retention.conf.dpkg-dist"])
    t.is_(g6_files(), removed_files,
          "every enabled g6 snippet, the operator's g6_chain.conf too, is now "
          "<snippet>.conf.g6-removed; the examples and .dpkg-dist stay")
    t.is_(contents(f + ".g6-removed" for f in active),
          {f + ".g6-removed": c for f, c in kept.items()},
          "with their contents (the operator's edit too)")
    t.ok("disabled its collectd snippets" in out and ".g6-removed" in out,
         "dpkg -r says so", out)
    t.ok(os.path.exists("/etc/g6/kite.key"), "the credentials stay")
    # collectd starts: its configuration stage passes without a g6 error,
    # and -T (init and one read) exits 0
    name = "collectd reads collectd.conf.d/*.conf after the removal without an error"
    if host_ok:
        loaded, errs, log = parse()
        t.ok(loaded is not None and not errs and not [p for p in loaded if "g6" in p],
             name + ", and loads no g6 plugin", "loaded %r, errors %r\n%s" % (loaded, errs, log))
    else:
        t.skip(name, "collectd fails to read this host's collectd.conf.d without g6")
    name = "collectd -T with collectd.conf.d/*.conf exits 0 after the removal"
    if host_ok and not host_confs:
        rc, log = collectd("-T")
        t.ok(rc == 0 and not errors(log), name, "exit status %s\n%s" % (rc, log))
    else:
        t.skip(name, "this host has snippets of its own in %s" % CONFD)
    # the check is not vacuous: the disabled snippets, included, fail it
    rc, log = collectd("-T", "*.conf.g6-removed", parse_only=True)
    errs = errors(log)
    t.ok(rc == 1 and [e for e in errs if "opendir (/usr/lib/g6/collectd) failed" in e] and
         [e for e in errs if "/usr/share/g6/types.db" in e],
         "collectd with the disabled snippets included fails to read its configuration "
         "(the plugins they load are gone)", "exit status %s\n%s" % (rc, log))
    r = subprocess.run(["sh", "/var/lib/dpkg/info/g6.postrm", "remove"], capture_output=True,
                       text=True)
    t.ok(r.returncode == 0 and g6_files() == removed_files,
         "the postrm run again (remove) exits 0 and changes nothing",
         "exit status %d: %s\n%r" % (r.returncode, r.stdout + r.stderr, g6_files()))

    # --- install the same version again: the snippets are enabled again
    rc, out = g6pkg.dpkg("-i", new_deb)
    t.is_(rc, 0, "dpkg -i %s again after the removal" % new_version)
    if rc:
        t.diag(out)
    t.is_((g6pkg.status("g6"), g6pkg.version("g6")), ("ii", new_version),
          "g6 %s is installed" % new_version)
    t.is_(g6_files(), sorted(active + DISABLED + ["g6_retention.conf.dpkg-dist"]),
          "every snippet the removal disabled is enabled again (no .g6-removed, no .dpkg-new)")
    t.is_(contents(active), kept, "as it was, the operator's edit and g6_chain.conf too")
    t.ok("enabled again" in out, "dpkg -i says so", out)
    loaded, errs, log = parse()
    t.ok(loaded is not None and not errs and
         set(G6_PLUGINS + ["aggregation"]) <= set(loaded),
         "collectd reads collectd.conf.d/*.conf without an error and loads every g6 plugin "
         "and aggregation from the snippets", "loaded %r, errors %r\n%s" % (loaded, errs, log))

    # --- remove, then install the next version, with no --force-conf*
    # option: the unedited snippet is updated, the edited one kept (the
    # snippets are back before dpkg looks at its conffiles; a conffile it
    # finds missing it would take for deleted by the operator, and ask)
    rc, out = g6pkg.dpkg("-r", "g6")
    t.is_(rc, 0, "dpkg -r g6 again")
    next_version = VERSION + "+upgrade.2"
    next_deb = repack(new_deb, new_version, next_version,
                      ["etc/collectd/collectd.conf.d/g6_panels.conf"])
    panels_removed = contents(["g6_panels.conf.g6-removed"])["g6_panels.conf.g6-removed"]
    rc, out = g6pkg.dpkg("-i", next_deb)
    t.is_(rc, 0, "dpkg -i %s (no --force-conf*) after the removal of %s"
          % (next_version, new_version))
    if rc:
        t.diag(out)
    t.is_(g6pkg.version("g6"), next_version, "g6 %s is installed" % next_version)
    t.is_(contents(["g6_panels.conf"])["g6_panels.conf"],
          (panels_removed or "") + "# changed in %s\n" % next_version,
          "the snippet the operator did not edit is the new version's")
    t.is_(contents(["g6_retention.conf"])["g6_retention.conf"], edited,
          "the snippet the operator edited is kept")
    t.ok(not [f for f in g6_files() if f.endswith((".g6-removed", ".dpkg-new"))],
         "no .g6-removed or .dpkg-new is left", g6_files())
    loaded, errs, log = parse()
    t.ok(loaded is not None and not errs and
         set(G6_PLUGINS + ["aggregation"]) <= set(loaded),
         "collectd reads collectd.conf.d/*.conf and loads every g6 plugin",
         "loaded %r, errors %r\n%s" % (loaded, errs, log))
    rc, out = g6pkg.dpkg("-r", "g6")
    t.is_(rc, 0, "dpkg -r g6 before the purge")
    t.ok(not [f for f in g6_files() if f.endswith(".conf")], "no g6 snippet is enabled",
         g6_files())

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
    t.is_(g6_files(), [],
          "every g6 snippet is gone: conffiles, .dpkg-dist, the disabled ones")
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
    t.is_(g6_files(), [], "every g6 snippet is gone (purged without a removal first)")
    t.ok(not os.path.exists("/var/lib/g6"), "the data directory is gone too")
    t.is_(g6pkg.debconf("g6/purge_data"), None, "debconf forgot g6's question")
finally:
    if g6pkg.status("g6") not in ("", "un", "pn"):
        g6pkg.dpkg("--purge", "g6")
g6pkg.same_host(before, g6pkg.host_state())
t.done_testing()
