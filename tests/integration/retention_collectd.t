#!/usr/bin/env python3
"""g6_retention in the real collectd, scraped by the real Prometheus.

1. Scan and dry run on a seeded data directory: files, bytes and ages per
   index and kind on /metrics equal what was seeded (NaN where there is
   nothing), would-delete counts per sweep, nothing deleted, the sweep's log
   line; every retention panel of the `storage` dashboard returns data in
   Prometheus, "Files by index" with the seeded numbers.
2. Real pruning with a per-sweep cap: kept_cap, then everything past its
   age deleted over a few sweeps (counted exactly, also when several sweeps
   end between two dispatches), a symlink out of the tree and its target
   untouched, an immutable directory counted as failed and logged.
3. The host's disk fills up: g6_chain (against g6-mockd) cannot append on a
   small tmpfs full of old-named files modified today; g6_retention keeps
   them (ProtectToday) until they are old, then deletes them and g6_chain
   writes its held rows (skipped where mounting is not allowed).
Plus: the start time and ScanInterval are exported, and the time of the
last scan is 0 (never) until a scan succeeds and stays the last successful
scan's when DataDir goes away; a bad option disables the plugin with one
line naming it (also `/` spelled otherwise, and a PanelsDir that is DataDir
on disk), the plugin loaded without a <Plugin> block runs on its defaults,
and `collectd -T` (the README's configuration check) deletes nothing while
the daemon on the same configuration sweeps."""
import datetime
import glob
import json
import math
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
now = time.time()
today = datetime.datetime.fromtimestamp(now, IST).date()


def day(n):
    return (today - datetime.timedelta(days=n)).isoformat()


def put(root, rel, size=100, mtime=None):
    return t.make_file(root, rel, size, mtime)


wd = t.workdir()
data = os.path.join(wd, "data")
outside = os.path.join(wd, "outside")
old_t = now - 50 * 86400
OLD = ["NIFTY/this_week/+50/%s.csv" % day(50), "NIFTY/this_week/-50/%s.csv" % day(45),
       "NIFTY/next_week/0/%s.csv" % day(40), "overview/NIFTY/%s.csv" % day(50),
       "snapshots/NIFTY/%s/3.json" % day(45)]
NEW = ["NIFTY/this_week/+50/%s.csv" % day(0), "NIFTY/this_week/-50/%s.csv" % day(1),
       "overview/NIFTY/%s.csv" % day(0), "snapshots/NIFTY.json",
       "BANKNIFTY/this_month/+100/%s.csv" % day(0)]
for rel in OLD:
    put(data, rel, 1000, old_t)
for rel in NEW:
    put(data, rel, 10, now - 3600)
put(data, "panels/manifest.json", 7)
put(data, "panels/indices_panel_enveloped.json", 7)
put(data, "NIFTY/this_week/+50/%s.csv.bak" % day(50), 5, old_t)   # look-alike
put(outside, "%s.csv" % day(50), 5, old_t)
os.makedirs(os.path.join(data, "NIFTY/this_week/0"))
os.symlink(os.path.join(outside, "%s.csv" % day(50)),
           os.path.join(data, "NIFTY/this_week/0/%s.csv" % day(50)))

CONF = """
<Plugin g6_retention>
  DataDir "%s"
  ScanInterval 1
  Enabled true
  MaxAgeDays 30
  %s
</Plugin>
"""


def near(v, want, tol):
    return v is not None and abs(v - want) <= tol


# ---- 1. scan and dry run, and the dashboard in Prometheus ---------------------
t0 = time.time()
with t.Collectd(plugins=["g6_retention"], config=CONF % (data, "")) as cd:
    got = cd.wait_for("collectd_g6_prune_pruned_files_total", timeout=20,
                      predicate=lambda v: v >= 10, g6_prune="would_delete")
    t.ok(got, "dry run: would_delete counts the 5 old files every sweep")
    v = lambda name, **kw: cd.value(name, **kw)
    t.is_([v("collectd_g6_retention_data_files", g6_retention="NIFTY", type=k)
           for k in ("options", "overview", "snapshots")], [5.0, 2.0, 2.0],
          "NIFTY: 5 per-strike files, 2 overview files, 2 snapshots")
    t.is_(v("collectd_g6_retention_data_bytes", g6_retention="NIFTY", type="options"),
          3020.0, "NIFTY: bytes of its per-strike files")
    t.is_([v("collectd_g6_retention_data_files", g6_retention="BANKNIFTY", type="options"),
           v("collectd_g6_retention_data_files", g6_retention="(none)", type="panels"),
           v("collectd_g6_retention_data_files", g6_retention="(none)", type="unmatched")],
          [1.0, 2.0, 2.0], "BANKNIFTY 1 file, 2 panels, 2 unmatched (a look-alike, a symlink)")
    age = v("collectd_g6_retention_oldest_file_age_seconds", g6_retention="NIFTY",
            type="options")
    t.ok(near(age, time.time() - old_t, 30), "oldest NIFTY file age ~ 50 days", age)
    age = v("collectd_g6_retention_newest_file_age_seconds", g6_retention="NIFTY",
            type="options")
    t.ok(near(age, time.time() - (now - 3600), 30), "newest NIFTY file age ~ 1 hour", age)
    b_ovw = v("collectd_g6_retention_oldest_file_age_seconds", g6_retention="BANKNIFTY",
              type="overview")
    t.ok(b_ovw is not None and math.isnan(b_ovw),
         "an index without overview files: its age is NaN, not 0", b_ovw)
    t.ok(all(v("collectd_g6_prune_pruned_files_total", g6_prune=a) == 0
             for a in ("deleted", "failed")), "a dry run deletes nothing")
    t.ok(all(os.path.exists(os.path.join(data, r)) for r in OLD), "... and the files are there")
    t.ok(cd.wait_log(r"\[info\] g6_retention: sweep: dry run: would delete 5 file\(s\)", 5),
         "each sweep is logged with what it would delete")
    t.ok(v("collectd_g6_retention_scan_seconds") is not None and
         time.time() - 10 < (v("collectd_g6_retention_last_scan_timestamp_seconds") or 0),
         "scan duration and last scan time are exported")
    started = v("collectd_g6_retention_start_timestamp_seconds")
    last = v("collectd_g6_retention_last_scan_timestamp_seconds")
    t.ok(started is not None and t0 - 1 <= started <= time.time() and
         last is not None and started <= last <= time.time(),
         "g6_retention exports its start time and, after it, the last scan's",
         (t0, started, last))
    t.is_(v("collectd_g6_retention_scan_interval_seconds"), 1.0,
          "... and its ScanInterval (1 s here)")

    dash = json.load(open(os.path.join(t.ROOT, "grafana", "dashboards", "storage.json")))
    exprs = [(p["title"], tg["expr"]) for p in dash["panels"] for tg in p.get("targets", [])
             if "g6_retention" in tg["expr"] or "g6_prune" in tg["expr"] or "g6_scan" in tg["expr"]]
    with t.Prometheus(["127.0.0.1:%d" % cd.port]) as prom:
        t.ok(prom.wait_query('up{job="collectd"} == 1', 60), "Prometheus scrapes collectd")
        for title, expr in exprs:
            q = expr.replace("$__rate_interval", "10s").replace('"$instance"', '".+"')
            t.ok(prom.wait_query(q, 30), "storage dashboard / %s returns data" % title, q)
        res = prom.query('sum by (g6_retention) (collectd_g6_retention_data_files{instance=~".+"})')
        by = {r["metric"].get("g6_retention"): float(r["value"][1]) for r in res}
        t.is_(by, {"NIFTY": 9.0, "BANKNIFTY": 1.0, "(none)": 4.0},
              "\"Files by index\" in Prometheus holds the seeded numbers")

# ---- the time of the last scan is the last successful scan's ------------------
# A DataDir that is missing, then there, then gone again: 0 (never) until a
# scan succeeds (it was NaN, which G6RetentionScanStale could never compare),
# and a failed scan is no scan, so the end of the last successful one stays
# (it went NaN, as if none had ever finished).
comes = os.path.join(wd, "comes-and-goes")
LAST = "collectd_g6_retention_last_scan_timestamp_seconds"
with t.Collectd(plugins=["g6_retention"], config=CONF % (comes, "")) as cd:
    t.ok(cd.wait_log(r"\[warning\] g6_retention: data directory %s: No such file or "
                     r"directory \(nothing scanned; storage metrics are NaN\)"
                     % re.escape(comes), 10),
         "a missing DataDir: the scan fails and says so")
    t.ok(cd.wait_for(LAST, timeout=5, predicate=lambda v: v == 0),
         "no successful scan yet: the last scan's time is 0 (never), not NaN",
         cd.value(LAST))
    put(comes, "NIFTY/this_week/+50/%s.csv" % day(0), 10)
    t.ok(cd.wait_for("collectd_g6_retention_data_files", timeout=10,
                     predicate=lambda v: v == 1, g6_retention="NIFTY", type="options"),
         "DataDir appears: the next scan counts its file")
    first = cd.value(LAST)
    t.ok(first is not None and time.time() - 10 < first <= time.time(),
         "... and the last scan's time is that scan's end", first)
    subprocess.run(["rm", "-rf", comes], check=True)
    gone = time.time() + 1  # a scan under way may still have ended well
    t.ok(cd.wait_for("collectd_g6_retention_data_files", timeout=10,
                     predicate=math.isnan, g6_retention="NIFTY", type="options"),
         "DataDir gone: the storage figures are NaN")
    kept = cd.value(LAST)
    time.sleep(3)  # three more failed scans
    t.ok(kept is not None and first <= kept <= gone and cd.value(LAST) == kept,
         "... but the last scan's time stays the last successful scan's",
         (first, kept, gone, cd.value(LAST)))

# ---- 2. real pruning: cap, symlinks, an immutable directory ----------------------
stuck = "NIFTY/next_month/+200/%s.csv" % day(60)
put(data, stuck, 1000, old_t)
stuck_dir = os.path.dirname(os.path.join(data, stuck))
immutable = subprocess.run(["chattr", "+i", stuck_dir], capture_output=True).returncode == 0
try:
    # dispatch every 2.5 s, sweeps every second: counts of sweeps that end
    # between two dispatches must not be lost
    with t.Collectd(plugins=["g6_retention"], plugin_intervals={"g6_retention": 2.5},
                    config=CONF % (data, "DryRun false\n  MaxDeletesPerSweep 2"),
                    expected_errors=[r"g6_retention: \d+ file\(s\) could not be deleted"]) as cd:
        got = cd.wait_for("collectd_g6_prune_pruned_files_total", timeout=20,
                          predicate=lambda v: v >= 1, g6_prune="kept_cap")
        t.ok(got, "more old files than MaxDeletesPerSweep: the rest are kept_cap")
        want = 5 if immutable else 6
        cd.wait_for("collectd_g6_prune_pruned_files_total", timeout=40,
                    predicate=lambda v: v >= want, g6_prune="deleted")
        now_s = cd.samples()  # one scrape for both counters
        files = t.select(now_s, "collectd_g6_prune_pruned_files_total", g6_prune="deleted")
        by = t.select(now_s, "collectd_g6_prune_pruned_bytes_total", g6_prune="deleted")
        t.ok(files and files[0].value == want,
             "over a few sweeps the %d old files are deleted" % want,
             "%r\n%s" % ([x for x in now_s if x.name.startswith("collectd_g6_prune")],
                         cd.log()[-3000:]))
        t.ok(not any(os.path.exists(os.path.join(data, r)) for r in OLD) and
             all(os.path.exists(os.path.join(data, r)) for r in NEW),
             "exactly the old files are gone")
        t.ok(os.path.islink(os.path.join(data, "NIFTY/this_week/0/%s.csv" % day(50))) and
             os.path.exists(os.path.join(outside, "%s.csv" % day(50))),
             "the symlink and the file it points to are untouched")
        t.ok(os.path.exists(os.path.join(data, "NIFTY/this_week/+50/%s.csv.bak" % day(50))),
             "the look-alike is untouched")
        t.is_(by[0].value if by else None, 1000.0 * want, "deleted bytes are counted")
        if immutable:
            got = cd.wait_for("collectd_g6_prune_pruned_files_total", timeout=10,
                              predicate=lambda v: v >= 1, g6_prune="failed")
            t.ok(got, "a file that cannot be deleted is counted as failed")
            t.ok(cd.wait_log(r"\[error\] g6_retention: 1 file\(s\) could not be deleted; "
                             r"first: cannot delete .*\+200/.*\.csv: Operation not permitted", 5),
                 "the failure is logged with the file and the cause")
            time.sleep(2.5)
            n = len(re.findall(r"could not be deleted", cd.log()))
            t.ok(n == 1, "a lasting failure is logged once, not every sweep (%d)" % n)
        else:
            for _ in range(3):
                t.ok(True, "# SKIP chattr +i is not allowed here")
        t.ok(not os.path.exists(os.path.join(data, "NIFTY/next_week")) and
             not os.path.exists(os.path.join(data, "snapshots/NIFTY/%s" % day(45))),
             "directories emptied by the sweep are removed")
        got = cd.wait_for("collectd_g6_retention_data_files", timeout=10,
                          predicate=lambda v: v == 2 + (1 if immutable else 0),
                          g6_retention="NIFTY", type="options")
        t.ok(got, "the gauges show the tree after the sweep")
finally:
    subprocess.run(["chattr", "-i", stuck_dir], capture_output=True)

# ---- bad configuration, and no configuration ------------------------------------
BAD = [
    ("relative DataDir", CONF % ("relative/dir", ""),
     'Plugin "g6_retention": option DataDir = "relative/dir": not an absolute path; '
     'allowed: absolute path of a directory, not `/`'),
    ("negative age", CONF % (data, "MaxAgeDays -1"),
     'option MaxAgeDays = -1: out of range; allowed: an integer from 0 to 36500'),
    ("PanelsDir = DataDir", CONF % (data, 'PanelsDir "%s/"' % data),
     "option PanelsDir = \"%s/\": the same directory as DataDir" % data),
    # the same directories spelled otherwise: compared on disk, not as text
    ("PanelsDir = DataDir/.", CONF % (data, 'PanelsDir "%s/."' % data),
     "option PanelsDir = \"%s/.\": the same directory as DataDir" % data),
    ("DataDir /tmp/..", CONF % ("/tmp/..", ""),
     'option DataDir = "/tmp/..": the root directory is no place for g6\'s files'),
    ("DataDir /./", CONF % ("/./", ""),
     'option DataDir = "/./": the root directory is no place for g6\'s files'),
    ("DataDir a symlink to /", CONF % (os.path.join(wd, "to-root"), ""),
     'option DataDir = "%s": the root directory is no place for g6\'s files'
     % os.path.join(wd, "to-root")),
    ("two numbers", CONF % (data, "MaxAgeDays 1 2"),
     'option MaxAgeDays = 1 2: expected a single number; allowed: an integer '
     'from 0 to 36500'),
]
os.symlink("/", os.path.join(wd, "to-root"))
for name, text, want in BAD:
    others_run, errors, log = t.disabled_by_config(["g6_retention"], text,
                                                   "g6_retention")
    t.ok(others_run and len(errors) == 1 and want in errors[0],
         "%s: g6_retention refuses the configuration with one clear line; the "
         "other plugins keep running" % name,
         "others run: %r\nwant: %s\nlog:\n%s" % (others_run, want, log))
with t.Collectd(plugins=["g6_retention"]) as cd:
    t.ok(cd.wait_for("collectd_g6_retention_scan_seconds", timeout=15),
         "without a <Plugin> block it runs on its defaults")
    t.ok(cd.wait_log(r"g6_retention: scanning /var/lib/g6 every 300 s; pruning off", 5),
         "... which scan /var/lib/g6 every 300 s with pruning off")
    t.is_(cd.value("collectd_g6_retention_scan_interval_seconds"), 300.0,
          "... and export ScanInterval 300 s")

# ---- collectd -T checks the configuration and deletes nothing ------------------
# README: `collectd -T -C FILE` checks a configuration. It runs every init,
# calls every read callback once and exits: g6_retention must neither scan
# nor sweep then (it deleted this file before), while the daemon on the same
# configuration does.
checked = os.path.join(wd, "checked")
old_file = put(checked, "NIFTY/this_week/+100/%s.csv" % day(400), 10, now - 400 * 86400)
cd = t.Collectd(plugins=["g6_retention", "g6_info"], rrd=False,
                config=CONF % (checked, "DryRun false"))
rc = cd.test_run()
t.is_(rc, 0, "collectd -T on a pruning configuration exits 0")
t.ok(os.path.exists(old_file), "collectd -T deletes nothing: the old file is there",
     cd.log())
t.ok(re.search(r"\[info\] g6_retention: collectd -T, a test run: nothing scanned or "
               r"deleted; running, it scans %s every 1 s; deleting files older than "
               r"30 days" % re.escape(checked), cd.log()) and "sweep:" not in cd.log(),
     "... and says so, with what the daemon would do", cd.log())
t.ok(not cd.unexpected_errors(), "collectd -T logs no error",
     "\n".join(cd.unexpected_errors()))
bad = t.Collectd(plugins=["g6_retention"], config=CONF % (checked, "MaxAgeDays -1"),
                 expected_errors=[".*"])
t.is_(bad.test_run(), 1, "collectd -T exits 1 when g6_retention refuses its configuration")
with t.Collectd(plugins=["g6_retention"], config=CONF % (checked, "DryRun false")) as cd:
    t.ok(cd.wait_log(r"g6_retention: sweep: deleted 1 file\(s\)", 20) and
         not os.path.exists(old_file),
         "the daemon on the same configuration sweeps: the old file is deleted")

# ---- 3. a full disk, freed by the sweep while g6_chain keeps collecting ---------
full = os.path.join(wd, "full")
os.makedirs(full)
if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "g6full", full],
                  capture_output=True).returncode != 0:
    for _ in range(6):
        t.ok(True, "# SKIP cannot mount a tmpfs here")
    t.done_testing()
try:
    seeded = []
    for i in range(1000):  # old-named 64 KiB files, modified now, until full
        path = os.path.join(full, "NIFTY/this_month/+%d/%s.csv" % (50 * (i + 1), day(40)))
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
        except OSError:
            break
        seeded.append(path)
        try:
            n = os.write(fd, b"x" * 65536)
        except OSError:
            n = 0
        os.close(fd)
        if n < 65536:
            break
    with open(seeded[-1], "ab", buffering=0) as f:  # the last pages
        for chunk in (4096, 1):
            try:
                while True:
                    f.write(b"x" * chunk)
            except OSError:
                pass
    with t.MockD() as m:
        keyf, tokf = m.write_credentials(wd)
        conf = """
<Plugin g6_chain>
  DataDir "%s"
  ForceOpen true
  Fsync "never"
  <Provider "kite">
    URL "%s"
    APIKeyFile "%s"
    AccessTokenFile "%s"
    QuoteRequestsPerSecond 20
    QuoteBurst 5
  </Provider>
  <Index "NIFTY">
    StrikesBelowATM 2
    StrikesAboveATM 2
    Expiry "this_week"
    Interval 1
  </Index>
</Plugin>
""" % (full, m.url, keyf, tokf) + CONF % (full, "DryRun false")
        with t.Collectd(plugins=["g6_chain", "g6_retention"], config=conf,
                        expected_errors=[r"g6_chain: NIFTY: (CSV|snapshot): "]) as cd:
            got = cd.wait_for("collectd_g6_csv_write_failures_total", timeout=30,
                              predicate=lambda v: v > 0, g6_csv="NIFTY", type="nospace")
            t.ok(got, "the full disk: g6_chain's appends fail with nospace")
            got = cd.wait_for("collectd_g6_prune_pruned_files_total", timeout=10,
                              predicate=lambda v: v >= len(seeded), g6_prune="kept_today")
            t.ok(got and all(os.path.exists(p) for p in seeded),
                 "old-named files modified today are kept (ProtectToday)")
            for p in seeded:  # a day later, as far as their mtime goes
                os.utime(p, (now - 2 * 86400, now - 2 * 86400))
            got = cd.wait_for("collectd_g6_prune_pruned_files_total", timeout=15,
                              predicate=lambda v: v >= len(seeded), g6_prune="deleted")
            t.ok(got and not any(os.path.exists(p) for p in seeded),
                 "once old they are deleted (%d files)" % len(seeded))
            got = cd.wait_for("collectd_g6_csv_written_rows_total", timeout=30,
                              predicate=lambda v: v > 0, g6_csv="NIFTY", type="this_week")
            t.ok(got, "with space again g6_chain writes its held rows")
            t.ok(cd.wait_log(r"g6_chain: NIFTY: CSV: writing again", 15),
                 "and logs that it writes again")
        files = glob.glob(os.path.join(full, "NIFTY", "this_week", "*", "*.csv"))
        t.ok(files and all(open(p, "rb").read().endswith(b"\n") for p in files),
             "no torn line in the CSV files written after the sweep")
finally:
    subprocess.run(["umount", "-l", full], capture_output=True)

t.done_testing()
