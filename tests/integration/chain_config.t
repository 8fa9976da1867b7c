#!/usr/bin/env python3
"""Bad g6_chain configuration in the real collectd.

A bad option value disables g6_chain at configuration time with one log
line that names the block, the option, the value and what is allowed, while
collectd and its other plugins keep running. Problems
that only show at init (unsafe secret file, bad calendar file, unusable data
directory) disable g6_chain — its whole read group — while collectd and its
other plugins keep running, and the host is what alert G6CollectionMissing
finds."""
import atexit
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

d = t.workdir()
key, tok = os.path.join(d, "kite.key"), os.path.join(d, "kite.token")
for p in (key, tok):
    with open(p, "w") as f:
        f.write("secret-value-1234\n")
    os.chmod(p, 0o600)


def conf(index_opts="", plugin_opts="", provider_opts="", index="NIFTY",
         provider="kite", keyfile=key, tokfile=tok):
    return """
<Plugin g6_chain>
  DataDir "%s/data"
%s
  <Provider "%s">
    URL "http://127.0.0.1:9"
    APIKeyFile "%s"
    AccessTokenFile "%s"
%s
  </Provider>
  <Index "%s">
%s
  </Index>
</Plugin>
""" % (d, plugin_opts, provider, keyfile, tokfile, provider_opts, index, index_opts)


BAD = [
    ("negative strike step", conf(index_opts="StrikeStep -5"),
     'Plugin "g6_chain" / Index "NIFTY": option StrikeStep = -5: out of range; '
     'allowed: a number from 0.01 to 100000'),
    ("misspelt option", conf(index_opts="StrikeStpe 50"),
     'Index "NIFTY": unknown option StrikeStpe; allowed: Underlying, OptionSegment, '
     'StrikeStep'),
    ("unknown expiry rule", conf(index_opts='Expiry "this_week" "monthly"'),
     'Index "NIFTY": option Expiry value "monthly": unknown rule; allowed: '
     'this_week, next_week, this_month, next_month or a date YYYY-MM-DD'),
    ("impossible expiry date", conf(index_opts='Expiry "2026-02-30"'),
     'option Expiry value "2026-02-30": no such date; allowed: '),
    ("duplicate expiry", conf(index_opts='Expiry "this_week" "this_week"'),
     'option Expiry lists "this_week" twice'),
    ("too many strikes", conf(index_opts="StrikesAboveATM 501"),
     'option StrikesAboveATM = 501: out of range; allowed: an integer from 0 to 500'),
    ("fractional strike count", conf(index_opts="StrikesBelowATM 2.5"),
     'option StrikesBelowATM = 2.5: not an integer'),
    ("index name with a slash", conf(index="NIFTY/x"),
     '<Index "NIFTY/x">: the name must be 1-31 letters, digits'),
    ("unknown index without underlying", conf(index="MYINDEX"),
     '<Index "MYINDEX">: option Underlying is required'),
    ("rate not a number", conf(plugin_opts='RiskFreeRate "abc"'),
     'option RiskFreeRate = "abc": not a number; allowed: a number from -0.5 to 1'),
    ("unknown fsync policy", conf(plugin_opts='Fsync "sometimes"'),
     'option Fsync = "sometimes": unknown value; allowed: never, cycle, always'),
    ("IV bounds reversed", conf(plugin_opts="IVMin 2\n  IVMax 1"),
     "IVMin (2) must be below IVMax (1)"),
    ("unknown provider", conf(provider="zerodha"),
     '<Provider "zerodha">: unknown provider; allowed: kite'),
    ("timeout out of range", conf(provider_opts="Timeout 0"),
     'option Timeout = 0: out of range; allowed: a number from 0.05 to 300'),
    ("missing token", conf(tokfile="").replace('AccessTokenFile ""', ""),
     'Provider "kite": AccessToken or AccessTokenFile is required'),
]

for name, text, want in BAD:
    others_run, lines, log = t.disabled_by_config(["g6_chain"], text, "g6_chain")
    errors = [l for l in lines if "[error]" in l]
    t.ok(others_run and len(errors) == 1 and want in errors[0],
         "%s: g6_chain refuses the configuration with one clear line; the other "
         "plugins keep running" % name,
         "others run: %r\nwant: %s\nlog:\n%s" % (others_run, want, log))
    t.ok("secret-value-1234" not in log, "%s: the secret stays out of the log" % name)

# --- init-time failures: g6_chain is disabled, collectd keeps running ------
os.chmod(tok, 0o644)
holidays = os.path.join(d, "holidays.txt")
with open(holidays, "w") as f:
    f.write("2025-01-26 Republic Day\n2025-13-01 nonsense\n")
blocker = os.path.join(d, "not-a-dir")
open(blocker, "w").close()
INIT = [
    ("group-readable token file", conf(),
     'AccessTokenFile "%s": secret file %s has mode 0644: group/other may access it; '
     'run chmod 600 %s; allowed: a regular file, not empty, that group and other cannot '
     'access (mode 0600 or 0400), holding the access token' % (tok, tok, tok)),
    ("bad holiday file", conf(plugin_opts='HolidaysFile "%s"' % holidays).replace(
        "kite.token", "kite.token.ok"),
     'HolidaysFile "%s": %s:2: "2025-13-01" is not a valid date' % (holidays, holidays)),
    # which of the two secret files is wrong, and what would do
    ("key file is a directory", conf(keyfile="/tmp").replace("kite.token", "kite.token.ok"),
     'APIKeyFile "/tmp": secret file /tmp is not a regular file; allowed: a regular '
     'file, not empty, that group and other cannot access (mode 0600 or 0400), holding '
     'the API key'),
    ("token file is a directory", conf(tokfile="/tmp"),
     'AccessTokenFile "/tmp": secret file /tmp is not a regular file; allowed: a '
     'regular file'),
    ("missing key file", conf(keyfile=key + ".missing").replace(
        "kite.token", "kite.token.ok"),
     'APIKeyFile "%s.missing": cannot stat secret file %s.missing' % (key, key)),
    ("calendar directory missing", conf(plugin_opts='CalendarDir "/nonexistent"').replace(
        "kite.token", "kite.token.ok"),
     '<Index "NIFTY">: CalendarDir "/nonexistent": the NSE calendar /nonexistent/NSE.txt: '
     'cannot open /nonexistent/NSE.txt'),
    ("data directory is a file", conf().replace('DataDir "%s/data"' % d,
                                                'DataDir "%s/sub"' % blocker).replace(
        "kite.token", "kite.token.ok"),
     "DataDir: cannot create directory %s" % blocker),
]
# a key file of two lines at start-up (a file written twice, or a header
# injected: a line break would end the Authorization header); the watch
# refused it on a change, the start-up read sent it as it was
two_lines = os.path.join(d, "kite.key.two")
with open(two_lines, "w") as f:
    f.write("secret-value-1234\r\nX-Injected: 1\n")
os.chmod(two_lines, 0o600)
INIT.append(("key file of two lines", conf(keyfile=two_lines).replace(
    "kite.token", "kite.token.ok"),
    'APIKeyFile "%s": secret file %s holds more than one word, or control characters: '
    'not one token (half written?); allowed: a regular file, not empty, that group and '
    'other cannot access (mode 0600 or 0400), holding the API key as one word'
    % (two_lines, two_lines)))
# a DataDir another process writes: a second collectd on the same tree
# appended every row twice (flock on the directory, held here like g6 would)
import fcntl
busy = os.path.join(d, "busy")
os.makedirs(busy)
busy_fd = os.open(busy, os.O_RDONLY | os.O_DIRECTORY)
fcntl.flock(busy_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
INIT.append(("data directory in use", conf().replace(
    'DataDir "%s/data"' % d, 'DataDir "%s"' % busy).replace("kite.token", "kite.token.ok"),
    'DataDir: DataDir "%s" is in use by another process (PID %d), another collectd '
    'with the same plugin: two writers would append every row twice' % (busy, os.getpid())))
INIT.append(("root directory", conf().replace('DataDir "%s/data"' % d, 'DataDir "/"').replace(
    "kite.token", "kite.token.ok"),
    'DataDir "/": the root directory is no place for g6\'s files'))
# "/" spelled otherwise is "/" too (g6_dir_claim compares device and inode)
INIT.append(("root directory as /tmp/..", conf().replace(
    'DataDir "%s/data"' % d, 'DataDir "/tmp/.."').replace("kite.token", "kite.token.ok"),
    'DataDir "/tmp/..": the root directory is no place for g6\'s files'))
# an immutable directory: found at start-up, not at the first write
frozen = os.path.join(d, "frozen")
os.makedirs(frozen)
if subprocess.run(["chattr", "+i", frozen], capture_output=True).returncode == 0:
    atexit.register(subprocess.run, ["chattr", "-i", frozen], capture_output=True)
    INIT.append(("data directory not writable", conf().replace(
        'DataDir "%s/data"' % d, 'DataDir "%s"' % frozen).replace("kite.token", "kite.token.ok"),
        'DataDir "%s" is not writable: Operation not permitted' % frozen))
else:
    t.diag("chattr +i is not supported here: the unwritable DataDir case is skipped")
okfile = tok + ".ok"
with open(okfile, "w") as f:
    f.write("secret-value-1234\n")
os.chmod(okfile, 0o600)
for name, text, want in INIT:
    cd = t.Collectd(plugins=["g6_chain", "g6_info"], config=text,
                    expected_errors=[r"g6_chain", r"Initialization of plugin `g6_chain' failed"])
    up = cd.start()
    t.ok(up, "%s: collectd starts anyway" % name)
    t.ok(cd.wait_log(r"(?m)\[error\] g6_chain: .*" + re.escape(want) +
                     r".* \(g6_chain is disabled; the other plugins keep running\)$", 10),
         "%s: the log names the option, the problem and what is allowed, and says "
         "g6_chain is disabled" % name, cd.log())
    info = cd.wait_for("collectd_g6_build_info", 10)
    t.ok(info, "%s: the other plugins keep running" % name)
    t.wait_until(lambda: False, 2.5)
    t.ok(not [s for s in cd.samples() if s.name.startswith("collectd_g6_index")],
         "%s: no g6_chain read callback runs (the read group is gone)" % name)
    t.ok(not os.path.exists(os.path.join(d, "data", "snapshots")),
         "%s: nothing was collected" % name)
    if name == INIT[0][0]:
        # such a host exports g6_info's series only: no g6 alert over the
        # collection can fire for it, so G6CollectionMissing must
        alerts = os.path.join(t.ROOT, "prometheus", "alerts.yml")
        expr = __import__("re").search(
            r'alert: G6CollectionMissing\n\s+expr: "([^"]+)"', open(alerts).read()).group(1)
        with t.Prometheus(["127.0.0.1:%d" % cd.port]) as prom:
            res = prom.wait_query(expr, 45)
            t.ok([r["metric"].get("instance") for r in res] == ["g6test"],
                 "%s: G6CollectionMissing's expression finds the host in Prometheus"
                 % name, res)
    cd.stop()
    t.ok("secret-value-1234" not in cd.log(), "%s: the secret stays out of the log" % name)
    t.ok(not t.unload_warnings(cd.log(), "g6_chain"),
         "%s: collectd unloads g6_chain without a warning of its own" % name,
         "\n".join(t.unload_warnings(cd.log(), "g6_chain")))

# Not bad, but worth knowing: a relative DataDir is under collectd's BaseDir,
# made absolute at init (a plugin changing the working directory later
# moves nothing), and the log shows where.
rel = conf(tokfile=okfile).replace('DataDir "%s/data"' % d, 'DataDir "reldata"')
cd = t.Collectd(plugins=["g6_chain"], config=rel, rrd=False,
                expected_errors=[r"g6_chain: Kite quote"])  # port 9: nothing
with cd:
    where = os.path.join(cd.dir, "reldata")
    t.ok(cd.wait_log(r"\[info\] g6_chain: collecting 1 index\(es\) into " +
                     __import__("re").escape(where) + r"(\s|$)", 10),
         "relative DataDir: the log shows it under BaseDir", cd.log())
    t.ok(os.path.isdir(where), "relative DataDir: made under BaseDir")

# `collectd -T` (README's configuration check) on a good configuration:
# every check runs, but nothing is requested and no file is written (it
# used to run a real collection cycle against the provider, with the
# production token, and append to DataDir)
with t.MockD() as m:
    key, token = m.write_credentials(d)
    tdir = os.path.join(d, "t-run")
    cfg = m.chain_config(tdir, '<Index "NIFTY">\n  Interval 1\n</Index>')
    cfg = cfg.replace("%s/kite.key" % tdir, key).replace("%s/kite.token" % tdir, token)
    cd = t.Collectd(plugins=["g6_chain"], config=cfg, rrd=False)
    rc = cd.test_run()
    t.is_(rc, 0, "collectd -T on a good g6_chain configuration exits 0")
    t.ok(re.search(r"g6_chain: collectd -T, a test run: nothing collected", cd.log()),
         "it says it collected nothing", cd.log())
    served = m.requests()
    t.ok(not any(v.get("total") for v in served.values()),
         "not one request reached the provider", served)
    written = [os.path.join(r, f) for r, _, fs in os.walk(os.path.join(tdir, "data"))
               for f in fs]
    t.ok(not [w for w in written if w.endswith((".csv", ".json"))],
         "no CSV row or snapshot was written", written)

t.done_testing()
