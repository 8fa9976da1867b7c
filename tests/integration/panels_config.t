#!/usr/bin/env python3
"""Bad g6_panels configuration in the real collectd.

A bad option value disables g6_panels at configuration time with one log
line naming the option, the value and what is allowed, while collectd and its
other plugins keep running. A MetricsURL or DashboardsURL with a user,
password or token is refused (the links panel is world-readable), and the
message quotes it with the secret hidden: the secret reaches neither the
panel nor the log. Problems that only show at
init (a key file others may read, a PanelsDir that holds a directory or
cannot be created) disable g6_panels — its read group and its write
callback — while collectd and its other plugins keep running; the key never
reaches the log. A plugin loaded without a <Plugin g6_panels> block uses the
defaults (not exercised here: its default PanelsDir is /var/lib/g6/panels)."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t  # noqa: E402

d = t.workdir()
KEY = "panels-secret-5678"
key = os.path.join(d, "panels.key")
with open(key, "w") as f:
    f.write(KEY + "\n")


def conf(opts):
    return '<Plugin g6_panels>\n  PanelsDir "%s/panels"\n%s\n</Plugin>\n' % (d, opts)


BAD = [
    ("flush interval zero", conf("  FlushInterval 0"),
     'Plugin "g6_panels": option FlushInterval = 0: out of range; allowed: a number '
     'from 0.05 to 86400'),
    ("unknown validation mode", conf('  Validate "loud"'),
     'option Validate = "loud": unknown value; allowed: off, warn, strict'),
    ("extra plugin with a slash", conf('  ExtraPlugin "cpu/0"'),
     'option ExtraPlugin value "cpu/0": not a collectd plugin name'),
    ("metrics URL that is not http", conf('  MetricsURL "ftp://x"'),
     'option MetricsURL = "ftp://x": expected an http:// or https:// URL'),
    ("metrics URL with a password",
     conf('  MetricsURL "http://admin:hunter2@127.0.0.1:9103/metrics"'),
     'option MetricsURL = "http://***@127.0.0.1:9103/metrics": it holds a user name '
     "or password before '@', which g6_panels would publish in the world-readable "
     "links panel; allowed: an http:// or https:// URL without a user, password or "
     "token"),
    ("dashboards URL with a token",
     conf('  DashboardsURL "https://grafana.example/d/x?auth_token=SECRETTOKEN"'),
     'option DashboardsURL = "https://grafana.example/d/x?auth_token=***": it holds '
     'the parameter "auth_token"'),
    # collectd's parser reads an unquoted true as a boolean
    ("validation mode given as a boolean", conf("  Validate true"),
     'option Validate = true: a boolean (collectd reads an unquoted on, off, yes, '
     'no, true or false as one); allowed: off, warn, strict'),
    ("misspelt option", conf("  FlushIntreval 5"),
     'unknown option FlushIntreval; allowed: PanelsDir, FlushInterval'),
]
for name, text, want in BAD:
    others_run, lines, log = t.disabled_by_config(["g6_panels"], text, "g6_panels")
    errors = [l for l in lines if "[error] g6_panels:" in l]
    t.ok(others_run and len(errors) == 1 and want in errors[0],
         "%s: g6_panels refuses the configuration with one clear line; the other "
         "plugins keep running" % name,
         "others run: %r\nwant: %s\nlog:\n%s" % (others_run, want, log))
    t.ok("hunter2" not in log and "SECRETTOKEN" not in log,
         "%s: no secret in the log" % name)

# --- init-time failures: g6_panels is disabled, collectd keeps running ------
os.chmod(key, 0o644)
holder = os.path.join(d, "holder")
os.makedirs(os.path.join(holder, "sub"))
blocker = os.path.join(d, "not-a-dir")
open(blocker, "w").close()
INIT = [
    ("group-readable key file", conf('  KeyFile "%s"' % key),
     'KeyFile "%s": secret file %s has mode 0644: group/other may access it; run chmod 600 '
     '%s; allowed: a regular file, not empty, that group and other cannot access (mode '
     '0600 or 0400), holding the HMAC key of manifest.json.sig as one word' % (key, key, key)),
    ("missing key file", conf('  KeyFile "%s/no such.key"' % d),
     'KeyFile "%s/no such.key": cannot stat secret file %s/no such.key: No such file or '
     'directory; allowed: a regular file' % (d, d)),
    ("PanelsDir holding a directory", conf("").replace(d + "/panels", holder),
     'PanelsDir: PanelsDir %s holds the directory "sub"; it must hold only files' % holder),
    ("PanelsDir under a file", conf("").replace(d + "/panels", blocker + "/panels"),
     "PanelsDir: cannot create directory %s" % blocker),
]
for name, text, want in INIT:
    cd = t.Collectd(plugins=["g6_panels", "g6_info"], config=text,
                    expected_errors=[r"g6_panels", r"Initialization of plugin `g6_panels' failed"])
    t.ok(cd.start(), "%s: collectd starts anyway" % name)
    t.ok(cd.wait_log(r"\[error\] g6_panels: .*" + re.escape(want), 10),
         "%s: the log names the problem" % name, cd.log())
    # like every configuration error: the line says what it disables
    t.ok(cd.wait_log(r"\[error\] g6_panels: .*" + re.escape(want) +
                     r".*\(g6_panels is disabled; the other plugins keep running\)", 1),
         "%s: the line says g6_panels is disabled and the other plugins keep running"
         % name, cd.log())
    t.ok(cd.wait_for("collectd_g6_build_info", 10), "%s: the other plugins keep running" % name)
    t.wait_until(lambda: False, 2)
    t.ok(not [s for s in cd.samples() if s.name.startswith("collectd_g6_panels")],
         "%s: no g6_panels callback runs" % name)
    cd.stop()
    t.ok(KEY not in cd.log(), "%s: the key stays out of the log" % name)

# --- collectd -T checks the configuration and writes no panel --------------
# README: `collectd -T -C FILE` checks a configuration. It runs every init,
# calls every read callback once and exits: g6_panels checks its options,
# its key file and PanelsDir (created, writable, locked) as at start-up, but
# writes no panel file and no manifest then (its one flush used to write a
# real set into the production PanelsDir), while the daemon on the same
# configuration does.
os.chmod(key, 0o600)
tdir = os.path.join(d, "t-run")
good = conf('  FlushInterval 1\n  IntegrityInterval 1\n  KeyFile "%s"' % key).replace(
    '"%s/panels"' % d, '"%s"' % tdir)
# no rrdtool: collectd -T stops its write threads at once, and its RRD
# creation is not what this checks
cd = t.Collectd(plugins=["g6_panels", "g6_info"], config=good, rrd=False)
rc = cd.test_run()
t.ok(rc == 0, "collectd -T on a good g6_panels configuration exits 0",
     "exit %r\n%s" % (rc, cd.log()))
left = sorted(os.listdir(tdir)) if os.path.isdir(tdir) else None
t.ok(left == [], "collectd -T writes no panel and no manifest: PanelsDir is empty",
     "PanelsDir holds %r\n%s" % (left, cd.log()))
t.ok(re.search(r"\[info\] g6_panels: collectd -T, a test run: no panel written, no "
               r"integrity sweep; running, it writes panels to %s every 1 s"
               % re.escape(tdir), cd.log()),
     "... and says so, with what the daemon would do", cd.log())
t.ok(not cd.unexpected_errors(), "collectd -T logs no error",
     "\n".join(cd.unexpected_errors()))
# `Validate off` as the README's table reads: collectd hands the unquoted
# off over as the boolean false, which was refused ("expected a single
# string; allowed: off, warn, strict")
off = t.Collectd(plugins=["g6_panels"], rrd=False,
                 config=conf("  Validate off").replace('"%s/panels"' % d,
                                                       '"%s/off"' % d))
rc = off.test_run()
t.ok(rc == 0 and not off.unexpected_errors(),
     "collectd -T takes an unquoted Validate off", "exit %r\n%s" % (rc, off.log()))
for name, text in [("FlushInterval 0", conf("  FlushInterval 0")),
                   ("a PanelsDir holding a directory",
                    conf("").replace(d + "/panels", holder))]:
    bad = t.Collectd(plugins=["g6_panels"], config=text, rrd=False,
                     expected_errors=[".*"])
    rc = bad.test_run()
    t.ok(rc == 1, "collectd -T exits 1 on %s" % name, "exit %r\n%s" % (rc, bad.log()))
with t.Collectd(plugins=["g6_panels", "g6_info"], config=good) as cd:
    t.ok(t.wait_until(lambda: os.path.exists(os.path.join(tdir, "manifest.json")), 20),
         "the daemon on the same configuration writes the panels", cd.log())
    beside = t.Collectd(plugins=["g6_panels"], config=good, rrd=False,
                        expected_errors=[".*"])
    rc = beside.test_run()
    t.ok(rc == 1, "collectd -T beside it exits 1: g6_panels checks the PanelsDir lock",
         "exit %r\n%s" % (rc, beside.log()))
    t.ok(re.search(r"\[error\] g6_panels: PanelsDir: .* is in use by another process",
                   beside.log()),
         "... and its log says PanelsDir is in use", beside.log())

t.done_testing()
