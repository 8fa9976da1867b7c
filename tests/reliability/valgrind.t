#!/usr/bin/env python3
"""valgrind memcheck of the stock collectd running every g6 plugin — g6_chain
(two indices), g6_analytics, g6_panels (signed), g6_retention (pruning, dry
run), g6_info — with write_prometheus, against g6-mockd, for at least
G6_VALGRIND_CYCLES (50) cycles of every index, with provider faults switched
on and off on the way (so the error paths run too), then a clean shutdown.

Passes with 0 errors and 0 bytes definitely lost, after the suppressions in
tests/reliability/valgrind.supp — only known third-party leaks, each
explained there. `make valgrind` runs it (not part of make check: collectd
under memcheck runs about 30 times slower).

collectd's rrdtool plugin is not loaded here: librrd's dependency chain
(pango, cairo, fontconfig) leaks 12 KB in a library constructor at load
time, and under memcheck's slowdown the rrdtool plugin's write threads race
to create the same new RRD file ("cu_rrd_create_file ... failed" errors) —
both stock collectd/rrdtool behaviour, neither touched by g6."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t  # noqa: E402

CYCLES = int(os.environ.get("G6_VALGRIND_CYCLES", "50"))
SUPP = os.path.join(t.ROOT, "tests", "reliability", "valgrind.supp")

d = t.workdir()
vlog = os.path.join(d, "valgrind.log")
key = os.path.join(d, "panels.key")
with open(key, "w") as f:
    f.write("valgrind-panels-key\n")
os.chmod(key, 0o600)

FAULTS = [  # (at cycle, faults): error paths under memcheck
    (10, {"quote": {"http5xx": -1}}),
    (14, {"quote": {"malformed": -1}}),
    (18, {"quote": {"truncate": -1}}),
    (22, {"quote": {"ratelimit": 3, "retry_after": 1}}),
    (26, {"market": {"zero_price_mod": 3, "missing_index": "BANKNIFTY"}}),
    (30, {"quote": {"error": -1, "error_status": 403,
                    "error_body": "PermissionException"}}),
    (34, None),
]

with t.MockD() as m:
    m.write_credentials(d)
    conf = m.chain_config(d, """
  <Index "NIFTY">
    StrikesBelowATM 5
    StrikesAboveATM 5
    Expiry "this_week" "next_week"
    Interval 1
  </Index>
  <Index "BANKNIFTY">
    StrikesBelowATM 3
    StrikesAboveATM 3
    Expiry "this_month"
    Interval 1
  </Index>""", rps=0) + t.plugins_config(
        os.path.join(d, "data"), os.path.join(d, "panels"), analytics="Interval 1",
        panels='FlushInterval 1\nIntegrityInterval 1\nKeyFile "%s"' % key,
        retention="ScanInterval 2\nEnabled true")
    wrapper = ["valgrind", "--tool=memcheck", "--leak-check=full",
               "--show-leak-kinds=definite", "--errors-for-leak-kinds=definite",
               "--num-callers=40", "--suppressions=" + SUPP,
               "--gen-suppressions=all", "-v", "--log-file=" + vlog]
    cd = t.Collectd(rrd=False, plugins=["g6_chain", "g6_analytics", "g6_panels",
                             "g6_retention", "g6_info"], config=conf,
                    wrapper=wrapper, expected_errors=[
                        r"g6_chain: Kite quote: .*giving up",
                        r"g6_chain: Kite instruments: "])
    t.ok(cd.start(timeout=180), "collectd starts under valgrind")
    started = time.monotonic()

    def cycles(ix):
        return cd.value("collectd_g6_index_cycle_seconds_count_total",
                        g6_index=ix) or 0

    for at, faults in FAULTS + [(CYCLES, "end")]:
        got = t.wait_until(lambda: min(cycles("NIFTY"), cycles("BANKNIFTY")) >= at,
                           30 + 6 * CYCLES)
        if faults == "end":
            break
        if faults is None:
            m.reset_faults()
        else:
            m.reset_faults()
            m.set_faults(faults)
    n, b = cycles("NIFTY"), cycles("BANKNIFTY")
    t.ok(got and n >= CYCLES and b >= CYCLES,
         "every index ran at least %d cycles under memcheck (NIFTY %d, BANKNIFTY %d, "
         "%.0f s)" % (CYCLES, n, b, time.monotonic() - started))
    t.ok((cd.value("collectd_g6_index_analyzed_snapshots_total", g6_index="NIFTY") or 0) > 0,
         "g6_analytics analysed snapshots")
    t.ok(cd.value("collectd_g6_panels_integrity_state") == 1,
         "g6_panels wrote and verified signed sets")
    status = cd.stop(timeout=180)
    t.ok(status == 0, "collectd (and valgrind) exited cleanly on SIGTERM (%r)" % status)
    bad = cd.unexpected_errors()
    t.ok(not bad, "collectd log has no unexpected [error] lines", "\n".join(bad[:10]))

text = open(vlog, errors="replace").read() if os.path.exists(vlog) else ""
summary = re.findall(r"ERROR SUMMARY: (\d+) errors from (\d+) contexts", text)
lost = re.findall(r"definitely lost: ([\d,]+) bytes in ([\d,]+) blocks", text)
supp = re.findall(r"suppressed: ([\d,]+) bytes in ([\d,]+) blocks", text)
t.diag("valgrind: %s" % "; ".join(l for l in text.splitlines()
                                  if re.search(r"ERROR SUMMARY|definitely lost|"
                                               r"indirectly lost|possibly lost|"
                                               r"still reachable|suppressed:", l)))
t.ok(summary and summary[-1][0] == "0",
     "memcheck: 0 errors (%s)" % (" from ".join(summary[-1]) if summary else "no summary"),
     text[-6000:])
t.ok(not lost or lost[-1][0] == "0",
     "memcheck: 0 bytes definitely lost (%s)" % (" bytes in ".join(lost[-1]) if lost else "none reported"))
used = re.findall(r"^--\d+-- used_suppression:\s+(\d+) (\S+)", text, re.M)
t.diag("suppressions used: %s" % (", ".join("%s x%s" % (n, c) for c, n in used) or "none"))
t.done_testing()
