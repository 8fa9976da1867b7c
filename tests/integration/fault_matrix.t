#!/usr/bin/env python3
"""The fault matrix: one collectd running every g6 plugin (g6_chain with
NIFTY in two /quote batches and FINNIFTY, g6_analytics, g6_panels signed,
g6_retention, g6_info) against g6-mockd, and one row per fault. Each row
injects its fault, waits for the metric and the log line that must show it,
lifts it, waits until both indices are OK again, and audits every CSV file:
no torn line, no row written twice or out of order, and — at a moment no
cycle is writing — exactly as many rows on disk as
collectd_g6_csv_written_rows_total counted (so none lost, none counted but
missing). The disk rows also check that the rows held back during the fault
reach the files (the 30-s slot the fault spanned is there afterwards).

Rows: the provider down, slow, a 429 storm, 5xx, malformed and truncated
bodies, one failed /quote batch, auth failure (and renewal), a permission
error; a full and a read-only data directory (a tmpfs; skipped where
mounting is not allowed); a tampered panel; a corrupt and a wrong-schema
snapshot (for g6_analytics); the wall clock stepping back and forward; and
collectd killed in the middle of a cycle and started again.

The wall clock: collectd runs under libfaketime (Debian's libfaketimeMT,
LD_PRELOAD) reading its offset from a file the test rewrites, so only
collectd sees the step, exactly as it would see NTP step CLOCK_REALTIME,
while CLOCK_MONOTONIC stays real (FAKETIME_DONT_FAKE_MONOTONIC=1;
FAKETIME_FORCE_MONOTONIC_FIX=0, or libfaketime turns waits on a
CLOCK_MONOTONIC condition variable into busy loops). The machine's clock is
never touched, and the plugins carry no test hook. g6-mockd's clock is the
market's, not the wall clock g6 stamps rows with, so it cannot stand in."""
import glob
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t  # noqa: E402

FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
SIDE = 150  # NIFTY strikes each side: 301 strikes, 602 legs, two /quote batches
IST = 19800

EXPECTED_ERRORS = [
    r"g6_chain: Kite quote: .*giving up",
    r"g6_chain: Kite quote: credentials rejected",
    r"g6_chain: Kite quote: HTTP 403, PermissionException",
    r"g6_chain: Kite instruments: ",
    r"g6_chain: (NIFTY|FINNIFTY): (CSV|snapshot): ",
    r"g6_analytics: CORRUPT: snapshot unusable",
]

if not os.path.exists(FAKETIME):
    t.skip_all("libfaketime is not installed (make deps installs it)")

d = t.workdir()
data = os.path.join(d, "data")
os.makedirs(data)
mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m,mode=0755", "g6matrix",
                          data], capture_output=True).returncode == 0
if mounted:
    import atexit
    atexit.register(subprocess.run, ["umount", "-l", data], capture_output=True)
else:
    t.diag("cannot mount a tmpfs here: the disk-full and read-only rows are skipped")
keyfile = os.path.join(d, "panels.key")
with open(keyfile, "w") as f:
    f.write("fault-matrix-panels-key\n")
os.chmod(keyfile, 0o600)
clock_rc = os.path.join(d, "faketime.rc")
with open(clock_rc, "w") as f:
    f.write("+0\n")
ENV = {"LD_PRELOAD": FAKETIME, "FAKETIME_TIMESTAMP_FILE": clock_rc,
       "FAKETIME_CACHE_DURATION": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
       "FAKETIME_FORCE_MONOTONIC_FIX": "0"}
clock_offset = [0]


def set_clock(offset):
    clock_offset[0] = offset
    with open(clock_rc + ".new", "w") as f:
        f.write("%+d\n" % offset)
    os.rename(clock_rc + ".new", clock_rc)


def phase():
    """Seconds into the 30-s CSV slot of collectd's clock: rows of a new
    slot are written by the first cycle after phase 15 (timestamps round
    to the nearest 30 s)."""
    return (time.time() + clock_offset[0] + IST) % 30


def slot_ts(offset=0.0):
    """The CSV timestamp collectd would write now (+ offset seconds)."""
    now = time.time() + clock_offset[0] + offset
    r = int(now) // 30 * 30 + (30 if int(now) % 30 >= 15 else 0)
    return time.strftime("%d-%m-%Y %H:%M:%S", time.gmtime(r + IST))


mock = t.MockD()
mock.start()
keyf, tokf = mock.write_credentials(d)
# MaxOpenCSVFiles 0: the read-only row remounts the data file system, which
# Linux refuses (EBUSY) while files on it are open for writing; held files
# meet a full disk in the last collectd below
conf = t.chain_config(data, mock, keyf, tokf, plugin="""
    ForceOpen true
    MaxQuoteAge 0
    Fsync "never"
    MaxOpenCSVFiles 0
    """, provider="""
    Timeout 0.5
    Retries 2
    RetryBackoff 0.05
    RetryBackoffMax 0.1
    RetryJitter 0.01
    RetryBudget 2
    QuoteRequestsPerSecond 50
    QuoteBurst 10
    CacheTTL 0
    BreakerFailures 1000
    InstrumentsRefreshMinInterval 1
    """, indices=[("NIFTY", """
    StrikesBelowATM %d
    StrikesAboveATM %d
    Expiry "this_week"
    Interval 1
    """ % (SIDE, SIDE)), ("FINNIFTY", """
    StrikesBelowATM 2
    StrikesAboveATM 2
    Expiry "this_month"
    Interval 1
    """)]) + t.plugins_config(data, os.path.join(d, "panels"), analytics="""
    Index "NIFTY" "FINNIFTY" "CORRUPT"
    Interval 1
    """, panels="""
    FlushInterval 5
    IntegrityInterval 1
    KeyFile "%s"
    """ % keyfile, retention="ScanInterval 5")
PLUGINS = ["g6_chain", "g6_analytics", "g6_panels", "g6_retention", "g6_info"]


def new_collectd():
    return t.Collectd(plugins=PLUGINS, config=conf, env=ENV, rrd=False,
                      expected_errors=EXPECTED_ERRORS, dir=t.workdir("g6-collectd-"))


started = time.monotonic()
cd = new_collectd()
t.ok(cd.start(), "collectd starts with every g6 plugin under libfaketime")
base = {}  # rows on disk before the running collectd started counting


def healthy(timeout=40):
    ok = all(cd.wait_for("collectd_g6_index_chain_status", timeout,
                         predicate=lambda v: v == 0, g6_index=ix, type=tag)
             for ix, tag in (("NIFTY", "this_week"), ("FINNIFTY", "this_month")))
    return ok


def counted(c):
    rows = {}
    for s in c.samples():
        if s.name == "collectd_g6_csv_written_rows_total":
            rows[(s.labels["g6_csv"], s.labels["type"])] = s.value
    return rows


def audit(name, c=None, where=None, earlier=None):
    """No torn, duplicated or out-of-order row; rows on disk = rows counted
    by collectd c (+ `earlier`: what an earlier collectd wrote), compared
    between two equal scrapes taken while no cycle writes (away from a
    slot's first cycle)."""
    c, where = c or cd, where or data
    earlier = base if earlier is None else earlier
    problems, mismatch, t0 = [], None, time.monotonic()
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        # not while a new slot's rows are being written (phase 15) and
        # dispatched (every second)
        t.wait_until(lambda: not (14.5 <= phase() < 18), 10, 0.1)
        time.sleep(1.2)
        before = counted(c)
        disk, problems = t.csv_audit(where)
        after = counted(c)
        if before != after:
            continue
        mismatch = {k: (disk.get(k, 0), before.get(k, 0) + earlier.get(k, 0))
                    for k in set(disk) | set(before)
                    if disk.get(k, 0) != before.get(k, 0) + earlier.get(k, 0)}
        if not mismatch:
            break
    t.ok(not problems, "%s: no CSV line torn, written twice or out of order" % name,
         "\n".join(problems[:10]))
    t.ok(mismatch == {}, "%s: every row counted is on disk and every row on disk "
         "was counted (none lost)" % name, mismatch)
    t.diag("%s: audit %.1f s; %.0f s since the first row" % (
        name, time.monotonic() - t0, time.monotonic() - started))


def rows_with_ts(ts, index="NIFTY", where=None):
    path = glob.glob(os.path.join(where or data, "overview", index, "*.csv"))
    return sum(open(p).read().count(ts + ",") for p in path)


# ------------------------------------------------------------------ rows ----
def find_low_symbol():
    """The trading symbol of the lowest strike's call of NIFTY this_week:
    the first /quote batch carries it."""
    return mock.this_week_call("NIFTY", SIDE)[1]


def restart_mock():
    mock.proc.start()
    t.wait_until(lambda: t.http_get(mock.url + "/admin/clock", 1)[0] == 200, 15)


def rotate_token(new):
    mock.set_access_token(new)


def renew_token_file():
    with open(tokf + ".new", "w") as f:
        f.write(mock.access_token + "\n")
    os.chmod(tokf + ".new", 0o600)
    os.rename(tokf + ".new", tokf)


def panel_path():
    return os.path.join(d, "panels", "indices_panel_enveloped.json")


def tamper_panel():
    """Right after a flush (every 5 s), so the sweep (every second) sees the
    damage before the next flush replaces the file."""
    def writes():
        return sum(s.value for s in cd.samples()
                   if s.name == "collectd_g6_panels_panel_writes_total")
    n = writes()
    t.wait_until(lambda: writes() > n, 15, 0.1)
    raw = open(panel_path(), "rb").read()
    i = raw.index(b'"data"') + 10
    while not raw[i:i + 1].isdigit():
        i += 1
    raw = raw[:i] + (b"1" if raw[i:i + 1] != b"1" else b"2") + raw[i + 1:]
    with open(panel_path(), "wb") as f:
        f.write(raw)


def write_snapshot(transform):
    good = open(os.path.join(data, "snapshots", "NIFTY.json"), "rb").read()
    with open(os.path.join(data, "snapshots", "CORRUPT.json.new"), "wb") as f:
        f.write(transform(good))
    os.rename(os.path.join(data, "snapshots", "CORRUPT.json.new"),
              os.path.join(data, "snapshots", "CORRUPT.json"))


def remove_corrupt():
    os.unlink(os.path.join(data, "snapshots", "CORRUPT.json"))


low = [None]
ROWS = [
    # name, inject, (metric, labels, predicate), log, lift
    ("provider down", lambda: mock.proc.stop(),
     ("collectd_g6_api_calls_total", dict(g6_api="quote", type="connection"), "grows"),
     r"g6_chain: (NIFTY|FINNIFTY): nothing collected: Kite quote: .*\(connection\)",
     restart_mock),
    ("provider slow (beyond Timeout)", lambda: mock.set_faults({"quote": {"latency_ms": 1500}}),
     ("collectd_g6_api_calls_total", dict(g6_api="quote", type="timeout"), "grows"),
     r"g6_chain: Kite quote: .*(timed out|timeout)", mock.reset_faults),
    ("429 storm", lambda: mock.set_faults({"quote": {"ratelimit": -1, "retry_after": 1}}),
     ("collectd_g6_api_calls_total", dict(g6_api="quote", type="ratelimited"), "grows"),
     r"g6_chain: Kite: 429 from quote: quote request rate cut", mock.reset_faults),
    ("5xx", lambda: mock.set_faults({"quote": {"http5xx": -1}}),
     ("collectd_g6_api_calls_total", dict(g6_api="quote", type="upstream"), "grows"),
     r"g6_chain: Kite quote: HTTP 503.*retrying", mock.reset_faults),
    ("malformed body", lambda: mock.set_faults({"quote": {"malformed": -1}}),
     ("collectd_g6_api_calls_total", dict(g6_api="quote", type="parse"), "grows"),
     r"g6_chain: Kite quote: .*malformed", mock.reset_faults),
    ("truncated body", lambda: mock.set_faults({"quote": {"truncate": -1}}),
     ("collectd_g6_api_calls_total", dict(g6_api="quote", type="truncated"), "grows"),
     r"g6_chain: .*Kite quote: .*body truncated", mock.reset_faults),
    ("one failed /quote batch",
     lambda: mock.set_faults({"quote": {"error_key": low[0], "error_status": 400,
                                        "error_body": "html"}}),
     ("collectd_g6_index_rejected_legs_total", dict(g6_index="NIFTY", type="request_failed"),
      "grows"),
     r"g6_chain: NIFTY: 500 of 602 legs lost \(status PARTIAL\)", mock.reset_faults),
    ("auth failure", lambda: rotate_token("matrix-rotated-token"),
     ("collectd_g6_api_auth_latch_state", {}, lambda v: v == 1),
     r"g6_chain: Kite quote: credentials rejected", renew_token_file),
    ("permission error", lambda: mock.set_faults({"quote": {
        "error": -1, "error_status": 403, "error_body": "PermissionException"}}),
     ("collectd_g6_api_calls_total", dict(g6_api="quote", type="forbidden"), "grows"),
     r"g6_chain: Kite quote: HTTP 403, PermissionException", mock.reset_faults),
    ("read-only data directory",
     lambda: subprocess.run(["mount", "-o", "remount,ro", data], check=True),
     ("collectd_g6_csv_write_failures_total", dict(g6_csv="NIFTY", type="readonly"),
      "grows"),
     r"g6_chain: NIFTY: CSV: cannot (open|create directory) .*: Read-only file system "
     r"\(rows kept pending, retried next cycle\)",
     lambda: subprocess.run(["mount", "-o", "remount,rw", data], check=True)),
    ("tampered panel", tamper_panel,
     ("collectd_g6_panels_integrity_problems_total", dict(g6_panels="mismatch"), "grows"),
     r"g6_panels: integrity: \d+ problem\(s\) in .*indices_panel_enveloped\.json: mismatch",
     lambda: None),
    ("corrupt snapshot", lambda: write_snapshot(lambda b: b[:len(b) // 2]),
     ("collectd_g6_index_snapshot_read_failures_total", dict(g6_index="CORRUPT",
                                                            type="truncated"), "grows"),
     r"g6_analytics: CORRUPT: snapshot unusable \(truncated\)", remove_corrupt),
    ("wrong-schema snapshot", lambda: write_snapshot(
        lambda b: b.replace(b"g6.chain.snapshot/1", b"g6.chain.snapshot/9")),
     ("collectd_g6_index_snapshot_read_failures_total", dict(g6_index="CORRUPT",
                                                            type="wrong_schema"), "grows"),
     r"g6_analytics: CORRUPT: snapshot unusable \(wrong_schema\)", remove_corrupt),
]

t.ok(healthy(), "both indices collect at start")
for name, inject, (metric, labels, pred), log, lift in ROWS:
    # the lowest strike now: the mock's market moves, and by this row the
    # ATM may have moved since the start (then no batch carried the key)
    low[0] = find_low_symbol()
    disk_row = name == "read-only data directory"
    if disk_row and not mounted:
        for _ in range(6):
            t.ok(True, "# SKIP %s: no tmpfs" % name)
        continue
    if disk_row:  # just before a slot's rows are due, so the fault spans them
        t.wait_until(lambda: 12 <= phase() < 13, 35, 0.1)
    mark = len(cd.log())
    t0 = time.monotonic()
    before = cd.counter(metric, **labels)
    inject()
    if pred == "grows":
        got = cd.wait_for(metric, 40, predicate=lambda v: v > before, **labels)
    else:
        got = cd.wait_for(metric, 40, predicate=pred, **labels)
    t.ok(got, "%s: %s%s shows it" % (name, metric, labels or ""),
         "%s stayed at %r" % (metric, cd.counter(metric, **labels)))
    seen = t.wait_until(lambda: re.search(log, cd.log()[mark:]), 20)
    t.ok(seen, "%s: logged /%s/" % (name, log), cd.log()[mark:][-2000:])
    held = slot_ts() if disk_row else None  # its rows wait in memory
    lift()
    t.ok(healthy(), "%s: both indices are OK again once it is lifted" % name)
    if held:
        t.ok(t.wait_until(lambda: rows_with_ts(held) == 1, 15),
             "%s: the rows held back during it (%s) reached the files" % (name, held))
    t.diag("%s: %.1f s" % (name, time.monotonic() - t0))
    audit(name)

# -- a full disk: its own collectd, since tmpfs charges whole pages (a file
#    of the main data directory may still grow inside its last page), with
#    its data directory on a tmpfs filled before it starts ---------------------
full = os.path.join(d, "full")
if mounted and t.mount_tmpfs(full, "1m"):
    filler = t.fill_fs(full)
    conf_full = t.chain_config(full, mock, keyf, tokf, plugin="""
        ForceOpen true
        MaxQuoteAge 0
        Fsync "never"
        """, provider="CacheTTL 0", indices=[("NIFTY", """
        StrikesBelowATM 2
        StrikesAboveATM 2
        Interval 1
        """)])
    with t.Collectd(plugins=["g6_chain"], config=conf_full, rrd=False,
                    expected_errors=EXPECTED_ERRORS) as cd2:
        got = cd2.wait_for("collectd_g6_csv_write_failures_total", 30,
                           predicate=lambda v: v > 0, g6_csv="NIFTY", type="nospace")
        t.ok(got, "disk full: collectd_g6_csv_write_failures_total{type=nospace} shows it")
        t.ok(cd2.wait_log(r"\[error\] g6_chain: NIFTY: CSV: cannot append .* No space left "
                          r"on device \(rolled back, retried next cycle\)", 10),
             "disk full: logged /CSV: cannot append ... No space left on device/")
        held = slot_ts(-1)
        t.wait_until(lambda: not (13 <= phase() < 18), 10, 0.1)  # not at a slot edge
        os.unlink(filler)
        t.ok(cd2.wait_for("collectd_g6_csv_written_rows_total", 30, predicate=lambda v: v > 0,
                          g6_csv="NIFTY", type="this_week"),
             "disk full: with space again the held rows are written")
        t.ok(t.wait_until(lambda: rows_with_ts(held, where=full) == 1, 15),
             "disk full: the rows held back during it (%s) reached the files" % held)
        audit("disk full", cd2, full, {})
else:
    for _ in range(6):
        t.ok(True, "# SKIP disk full: no tmpfs")

# -- the wall clock steps back: rows of a slot the files already have are
#    not written again; collection goes on ------------------------------------
t.wait_until(lambda: 17 <= phase() < 22, 35, 0.1)  # this slot's rows are out, counted
mark = len(cd.log())
written = cd.counter("collectd_g6_csv_written_rows_total", g6_csv="NIFTY", type="overview")
cycles = cd.counter("collectd_g6_index_cycle_seconds_count_total", g6_index="NIFTY")
back = int(phase() - 15) + 4  # to phase 11-12 of the clock: the previous slot
set_clock(-back)
t.ok(cd.wait_log(r"g6_chain: NIFTY: the wall clock jumped %d s back" % back, 15),
     "clock back: the step (%d s) is logged" % back)
t.ok(t.wait_until(lambda: re.search(r"g6_chain: NIFTY: CSV: \d+ row\(s\) not written: the "
                                    r"cycle's timestamp is before the last row",
                                    cd.log()[mark:]), 15),
     "clock back: the skipped rows are logged")
t.ok(cd.wait_for("collectd_g6_index_cycle_seconds_count_total", 20,
                 predicate=lambda v: v >= cycles + back + 2, g6_index="NIFTY"),
     "clock back: cycles go on (on CLOCK_MONOTONIC)")
t.is_(cd.counter("collectd_g6_csv_written_rows_total", g6_csv="NIFTY", type="overview"),
      written, "clock back: no row of a slot the files already have is written again")
audit("clock back")

# -- the wall clock steps forward a day: rows go to the next day's files ------
mark = len(cd.log())
set_clock(clock_offset[0] + 86400)
tomorrow = time.strftime("%Y-%m-%d", time.gmtime(time.time() + clock_offset[0] + IST))
t.ok(cd.wait_log(r"g6_chain: NIFTY: the wall clock jumped 86400 s forward", 15),
     "clock forward: the step is logged")
t.ok(t.wait_until(lambda: glob.glob(os.path.join(data, "overview", "NIFTY",
                                                 tomorrow + ".csv")), 20),
     "clock forward: rows go to the next day's files (%s)" % tomorrow)
t.ok(healthy(), "clock forward: both indices stay OK")
audit("clock forward")

# -- collectd killed in the middle of a cycle, started again -----------------
# killed at phase 9-10: the restarted collectd's first cycles fall into the
# next slot, so it appends (and repairs) at once
mock.set_faults({"quote": {"latency_ms": 300}})  # cycles spend most time mid-request
t.wait_until(lambda: 9 <= phase() < 10, 35, 0.1)
os.kill(cd.proc.pid, signal.SIGKILL)
cd.proc.proc.wait(10)
bad = cd.unexpected_errors()
t.ok(not bad, "collectd log had no unexpected [error] lines before the kill",
     "\n".join(bad[:10]))
# what the kill could leave: a torn last line (a write cut short)
today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + IST))
victim = glob.glob(os.path.join(data, "NIFTY", "*", "0", today + ".csv"))[0]
with open(victim, "ab") as f:
    f.write(b"01-01-2030 10:00:00,NIFTY,this_wee")
base, _ = t.csv_audit(data)
vkey = tuple(os.path.relpath(victim, data).split(os.sep)[:2])
base[vkey] -= 1  # the torn line is not a row
mock.reset_faults()
set_clock(0)  # the new collectd starts on today's clock
cd = new_collectd()
t.ok(cd.start(), "collectd starts again after being killed")
t.ok(cd.wait_log(r"g6_chain: collecting 2 index\(es\)", 15), "killed: the restart is logged")
t.ok(healthy(), "killed: both indices collect again")
t.ok(cd.wait_for("collectd_g6_csv_written_rows_total", 40, predicate=lambda v: v > 0,
                 g6_csv="NIFTY", type="this_week"),
     "killed: the new collectd writes rows")
t.ok(open(victim, "rb").read().endswith(b"\n") and
     b"this_wee\n" not in open(victim, "rb").read() and
     b"01-01-2030" not in open(victim, "rb").read(),
     "killed: the torn line was removed before the next append")
audit("killed and restarted")
cd.stop()
bad = cd.unexpected_errors()
t.ok(not bad, "collectd log has no unexpected [error] lines", "\n".join(bad[:10]))
t.diag("the matrix took %.0f s" % (time.monotonic() - started))
mock.stop()
t.done_testing()
