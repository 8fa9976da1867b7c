#!/usr/bin/env python3
"""g6_chain under faults, in the real collectd against g6-mockd.

One collectd collects NIFTY and FINNIFTY every second while the test injects,
one after the other: 5xx (retried, then persistent), a slow provider, 429
bursts, malformed JSON, zero and negative prices, an index missing from the
instrument list, an expiry that disappears mid-day, an auth failure (and the
token file being renewed), a full and a read-only data directory (a small
tmpfs; skipped when mounting is not allowed), and the provider going down.
Each must show up in its metric and its log line; collectd and the other
index keep running; no CSV line is ever torn."""
import datetime
import glob
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))

# [error] lines this test provokes on purpose
EXPECTED_ERRORS = [
    r"g6_chain: Kite quote: .*giving up",
    r"g6_chain: Kite quote: credentials rejected",
    r"g6_chain: Kite instruments: ",
    r"g6_chain: (NIFTY|FINNIFTY): CSV: ",
    r"g6_chain: (NIFTY|FINNIFTY): snapshot: ",
]

d = t.workdir()
data = os.path.join(d, "data")
mounted = t.mount_tmpfs(data, "3m")
if not mounted:
    t.diag("cannot mount a tmpfs here; the disk-full and read-only cases are skipped")

with t.MockD() as m:
    keyf, tokf = m.write_credentials(d)
    # MaxOpenCSVFiles 0: the read-only case below remounts the data file
    # system, which Linux refuses (EBUSY) while files on it are open for
    # writing; held files meet full disks in the second collectd below
    conf = """
<Plugin g6_chain>
  DataDir "%s"
  ForceOpen true
  Fsync "never"
  MaxOpenCSVFiles 0
  <Provider "kite">
    URL "%s"
    APIKeyFile "%s"
    AccessTokenFile "%s"
    Timeout 0.5
    Retries 2
    RetryBackoff 0.05
    RetryBackoffMax 0.1
    RetryJitter 0.01
    RetryBudget 2
    QuoteRequestsPerSecond 50
    QuoteBurst 10
    BreakerFailures 1000
    InstrumentsRefreshMinInterval 1
  </Provider>
  <Index "NIFTY">
    StrikesBelowATM 2
    StrikesAboveATM 2
    Expiry "this_week" "next_week"
    Interval 1
  </Index>
  <Index "FINNIFTY">
    StrikesBelowATM 2
    StrikesAboveATM 2
    Expiry "this_month"
    Interval 1
  </Index>
</Plugin>
""" % (data, m.url, keyf, tokf)

    with t.Collectd(plugins=["g6_chain"], config=conf,
                    expected_errors=EXPECTED_ERRORS) as cd:

        def value(name, **labels):
            return cd.value(name, **labels) or 0.0

        def grows(name, what, timeout=20, **labels):
            """Waits until the counter rises above its current value."""
            before = value(name, **labels)
            got = cd.wait_for(name, timeout=timeout,
                              predicate=lambda v: v > before, **labels)
            return t.ok(got, what, "%s%r stayed at %r" % (name, labels, before))

        def status_is(ix, tag, want, what, timeout=20):
            got = cd.wait_for("collectd_g6_index_chain_status", timeout=timeout,
                              predicate=lambda v: v == want, g6_index=ix, type=tag)
            return t.ok(got, what, "status of %s %s: %r" % (
                ix, tag, cd.value("collectd_g6_index_chain_status", g6_index=ix, type=tag)))

        def logged(pattern, what, timeout=15):
            return t.ok(cd.wait_log(pattern, timeout), what, "no log line /%s/" % pattern)

        def healthy(what):
            status_is("NIFTY", "this_week", 0, "NIFTY this_week OK " + what)
            status_is("FINNIFTY", "this_month", 0, "FINNIFTY this_month OK " + what)

        def snapshot(ix):
            return t.snapshot(data, ix)

        healthy("at start")

        # -- 5xx: a short burst is retried and nothing is lost --------------
        m.set_faults({"quote": {"http5xx": 2}})
        grows("collectd_g6_api_retries_total", "503s are retried (api_retries quote/upstream: "
              "Kite's NetworkException)", g6_api="quote", type="upstream")
        logged(r"\[warning\] g6_chain: Kite quote: HTTP 503.*retrying",
               "the retry is logged with endpoint and problem")
        healthy("after a 503 burst")

        # -- 5xx for good: nothing collected, counted, logged, recovers -----
        m.set_faults({"quote": {"http5xx": -1}})
        grows("collectd_g6_api_calls_total", "persistent 5xx counted as upstream results",
              g6_api="quote", type="upstream")
        status_is("NIFTY", "this_week", 2, "NIFTY is EMPTY while quotes fail")
        logged(r"\[warning\] g6_chain: NIFTY: nothing collected: Kite quote: .*\(upstream\)",
               "the failed cycle is logged with index, endpoint and status")
        m.reset_faults()
        healthy("once the provider answers again")
        logged(r"g6_chain: NIFTY: collecting again", "the recovery is logged")

        # -- slow provider: timeouts --------------------------------------
        m.set_faults({"quote": {"latency_ms": 1500}})
        grows("collectd_g6_api_calls_total", "a slow provider is counted as timeouts",
              g6_api="quote", type="timeout")
        logged(r"g6_chain: Kite quote: .*(timed out|timeout)", "the timeout is logged")
        m.reset_faults()
        healthy("after the slow spell")

        # -- 429 burst ------------------------------------------------------
        m.set_faults({"quote": {"ratelimit": 2}})
        grows("collectd_g6_api_calls_total", "429 answers counted as ratelimited",
              g6_api="quote", type="ratelimited")
        healthy("after a 429 burst (retried)")

        # -- malformed JSON -------------------------------------------------
        m.set_faults({"quote": {"malformed": -1}})
        grows("collectd_g6_api_calls_total", "malformed bodies counted as parse errors",
              g6_api="quote", type="parse")
        logged(r"g6_chain: Kite quote: .*malformed", "the malformed body is logged")
        m.reset_faults()
        healthy("after malformed bodies")

        # -- zero and negative prices ---------------------------------------
        m.set_faults({"market": {"zero_price_mod": 2, "negative_price_mod": 3}})
        grows("collectd_g6_index_rejected_legs_total",
              "zero and negative prices are rejected and counted",
              g6_index="NIFTY", type="nonpositive_price")
        snap = t.wait_until(lambda: (lambda s: s if s and any(
            l["reject"] == "nonpositive_price" for x in s["expiries"] for l in x["legs"])
            else None)(snapshot("NIFTY")), 10)
        t.ok(snap and all(l["iv"] is None for x in snap["expiries"] for l in x["legs"]
                          if l["reject"] == "nonpositive_price"),
             "a rejected leg gets no IV in the snapshot (nothing invented)")
        m.reset_faults()

        # -- an index missing from the instrument list ----------------------
        m.set_faults({"market": {"missing_index": "FINNIFTY"}})
        status_is("FINNIFTY", "this_month", 2, "FINNIFTY becomes EMPTY when unlisted")
        logged(r"g6_chain: FINNIFTY: nothing collected: expiry rule this_month cannot "
               r"be resolved", "the unresolvable expiry is logged")
        status_is("NIFTY", "this_week", 0, "NIFTY keeps collecting meanwhile")
        m.reset_faults()
        status_is("FINNIFTY", "this_month", 0,
                  "FINNIFTY recovers once the list has it again", timeout=30)

        # -- an expiry that disappears mid-day -------------------------------
        first = (snapshot("NIFTY") or {"expiries": [{}]})["expiries"][0].get("date")
        m.set_faults({"market": {"remove_expiry": "NIFTY:%s" % first}})
        grows("collectd_g6_index_rejected_legs_total",
              "the vanished expiry's quotes are counted missing",
              g6_index="NIFTY", type="missing_quote")
        moved = t.wait_until(lambda: (snapshot("NIFTY") or {"expiries": [{}]})
                             ["expiries"][0].get("date") not in (None, first), 30)
        t.ok(moved, "this_week moves to the next listed expiry after a refresh")
        logged(r"g6_chain: NIFTY: this_week now resolves to \d{4}-\d\d-\d\d \(was %s\)"
               % first, "the move is logged")
        status_is("NIFTY", "this_week", 0, "NIFTY this_week collects the new expiry")
        m.reset_faults()

        # -- auth failure, then a renewed token file -------------------------
        m.set_access_token("rotated-token")
        got = cd.wait_for("collectd_g6_api_auth_latch_state", predicate=lambda v: v == 1)
        t.ok(got, "a rejected token latches the auth state metric")
        logged(r"g6_chain: Kite quote: credentials rejected", "the auth failure is logged")
        t.ok("rotated-token" not in cd.log() and m.api_key not in cd.log(),
             "no secret appears in collectd's log")
        time.sleep(2)
        quotes_before = m.requests().get("quote", {}).get("total", 0)
        time.sleep(2)
        t.is_(m.requests().get("quote", {}).get("total", 0), quotes_before,
              "no quote request is sent while the latch holds")
        with open(tokf + ".new", "w") as f:
            f.write("rotated-token\n")
        os.chmod(tokf + ".new", 0o600)
        os.rename(tokf + ".new", tokf)
        got = cd.wait_for("collectd_g6_api_auth_latch_state", predicate=lambda v: v == 0)
        t.ok(got, "a renewed token file clears the latch")
        logged(r"the new access token is in use", "the renewal is logged")
        healthy("with the renewed token")

        # -- a read-only data directory (the full disk is below) -------------
        if mounted:
            # -- a read-only data directory ----------------------------------
            subprocess.run(["mount", "-o", "remount,ro", data], check=True)
            grows("collectd_g6_csv_write_failures_total",
                  "a read-only file system is counted as readonly failures",
                  timeout=40, g6_csv="NIFTY", type="readonly")
            # the file cannot be opened (MaxOpenCSVFiles 0: none is held),
            # or a new strike's directory made: either way the rows wait
            logged(r"g6_chain: NIFTY: CSV: cannot (open|create directory) .*: "
                   r"Read-only file system \(rows kept pending, retried next cycle\)",
                   "the read-only file system is logged, with the rows kept pending")
            grows("collectd_g6_index_snapshot_write_failures_total",
                  "a snapshot on the read-only file system is a readonly failure",
                  timeout=20, g6_index="NIFTY", type="readonly")
            time.sleep(3)  # three more failing cycles
            lines = [l for l in cd.log().splitlines() if "NIFTY: CSV: " in l and "[error]" in l]
            t.ok(1 <= len(lines) <= 2, "a lasting CSV failure is logged once, not every "
                 "cycle (%d lines)" % len(lines), "\n".join(lines[:5]))
            subprocess.run(["mount", "-o", "remount,rw", data], check=True)
            rows = value("collectd_g6_csv_written_rows_total", g6_csv="NIFTY",
                         type="this_week")
            got = cd.wait_for("collectd_g6_csv_written_rows_total",
                              predicate=lambda v: v > rows, g6_csv="NIFTY",
                              type="this_week")
            t.ok(got, "writable again: the held rows are written")
            logged(r"g6_chain: NIFTY: CSV: writing again", "the recovery is logged")
        else:
            for _ in range(6):
                t.ok(True, "# SKIP tmpfs not mountable")

        # -- a full disk, in a second collectd whose data directory is a full
        #    tmpfs from the start (tmpfs charges whole pages: an existing file
        #    may still grow inside its last page, a new one cannot) ----------
        full = os.path.join(d, "full")
        if mounted and t.mount_tmpfs(full, "1m"):
            filler = t.fill_fs(full)
            conf2 = re.sub(r'DataDir "[^"]*"', 'DataDir "%s"' % full, conf)
            conf2 = re.sub(r'<Index "FINNIFTY">.*?</Index>', "", conf2, flags=re.S)
            with t.Collectd(plugins=["g6_chain"], config=conf2,
                            expected_errors=EXPECTED_ERRORS) as cd2:
                got = cd2.wait_for("collectd_g6_csv_write_failures_total", timeout=30,
                                   predicate=lambda v: v > 0, g6_csv="NIFTY",
                                   type="nospace")
                t.ok(got, "a full disk is counted as nospace CSV failures")
                t.ok(cd2.wait_log(r"\[error\] g6_chain: NIFTY: CSV: cannot append .* No "
                                  r"space left on device \(rolled back, retried next "
                                  r"cycle\)", 10), "the full disk is logged")
                os.unlink(filler)
                got = cd2.wait_for("collectd_g6_csv_written_rows_total", timeout=30,
                                   predicate=lambda v: v > 0, g6_csv="NIFTY",
                                   type="this_week")
                t.ok(got, "with space again the held rows are written")
            files = glob.glob(os.path.join(full, "NIFTY", "*", "*", "*.csv"))
            t.ok(files and all(open(p, "rb").read().endswith(b"\n") for p in files),
                 "the full disk left no torn line")
        else:
            for _ in range(5):
                t.ok(True, "# SKIP tmpfs not mountable")

        # -- the provider goes down ------------------------------------------
        m.stop()
        grows("collectd_g6_api_calls_total", "a dead provider is counted as connection errors",
              g6_api="quote", type="connection")
        logged(r"g6_chain: NIFTY: nothing collected: Kite quote: .*\(connection\)",
               "the dead provider is logged")
        mark = len(cd.log())
        time.sleep(5)  # ten more failing cycles (two indices, every second)
        burst = [l for l in cd.log()[mark:].splitlines() if "g6_chain:" in l]
        t.ok(len(burst) <= 2, "a lasting outage does not log a line per request "
             "(%d lines in 5 s)" % len(burst), "\n".join(burst[:10]))
        t.ok(cd.proc.alive() and t.http_get(cd.url, 2)[0] == 200,
             "collectd keeps running and serving /metrics")
        t.ok(cd.value("collectd_g6_index_market_open_state", g6_index="FINNIFTY") == 1,
             "the indices keep reporting")

    # ------------------------------------------------------------ no torn row --
    rows, bad = t.csv_audit(data)
    t.ok(rows and not bad, "%d CSV rows: every line complete, one header each, "
         "timestamps increasing" % sum(rows.values()), bad)

t.done_testing()
