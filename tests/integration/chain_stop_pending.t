#!/usr/bin/env python3
"""g6_chain stopped while CSV rows wait in memory after failed writes.

A regular file where the index's directories belong (<DataDir>/NIFTY and
<DataDir>/overview/NIFTY) makes every CSV append fail, so the rows of the
first cycle are held for retry; the index's Interval (60 s) leaves no
second cycle before collectd is stopped (SIGTERM to its PID). Still blocked,
the shutdown logs one error for the index: how many rows are lost, the first
file and the cause. Unblocked just before the stop, the final try writes
them and nothing is logged."""
import glob
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

LOST = (r"\[error\] g6_chain: NIFTY: CSV: (\d+) row\(s\) held in memory after failed "
        r"writes could not be written at shutdown and are lost; the first: (.*)")

d = t.workdir()
with t.MockD() as m:
    keyf, tokf = m.write_credentials(d)
    for case in ("lost", "lands"):
        data = os.path.join(d, case)
        os.makedirs(os.path.join(data, "overview"))
        blockers = [os.path.join(data, "NIFTY"), os.path.join(data, "overview", "NIFTY")]
        for b in blockers:
            open(b, "w").close()
        conf = t.chain_config(data, m, keyf, tokf, plugin='ForceOpen true\nFsync "cycle"',
                              indices=[("NIFTY", 'StrikesBelowATM 1\nStrikesAboveATM 1\n'
                                                 'Expiry "this_week"\nInterval 60')])
        cd = t.Collectd(plugins=["g6_chain"], config=conf,
                        expected_errors=[r"g6_chain: NIFTY: CSV: "])
        with cd:
            got = cd.wait_for("collectd_g6_csv_write_failures_total", timeout=30,
                              predicate=lambda v: v > 0, g6_csv="NIFTY")
            t.ok(got, "%s: the blocked data directory fails the first cycle's appends" % case)
            t.ok(re.search(r"g6_chain: NIFTY: CSV: cannot", cd.log()),
                 "%s: the failure is logged" % case)
            if case == "lands":
                for b in blockers:
                    os.unlink(b)
        # stopped (SIGTERM to its PID) on leaving the block
        lost = re.findall(LOST, cd.log())
        if case == "lost":
            t.ok(len(lost) == 1 and int(lost[0][0]) > 0,
                 "still blocked: one error at shutdown says how many rows are lost",
                 cd.log()[-3000:])
            # the first of the blocked series, in the sink's order: an
            # option file (ENOTDIR, "Not a directory") or the overview
            # ("… exists and is not a directory")
            t.ok(lost and data in lost[0][1] and
                 re.search(r"not a directory", lost[0][1], re.I),
                 "it names the first file and the cause", lost)
            t.ok(not glob.glob(os.path.join(data, "**", "*.csv"), recursive=True),
                 "no CSV file was written")
        else:
            t.ok(not lost, "unblocked before the stop: nothing is reported lost",
                 cd.log()[-3000:])
            opts = glob.glob(os.path.join(data, "NIFTY", "this_week", "*", "*.csv"))
            over = glob.glob(os.path.join(data, "overview", "NIFTY", "*.csv"))
            t.is_(len(opts), 3, "the held option rows landed at shutdown (one file per offset)")
            t.ok(len(over) == 1 and len(open(over[0]).read().splitlines()) == 2,
                 "the held overview row landed at shutdown, after its header")
            rows, bad = t.csv_audit(data)
            t.ok(rows and not bad, "every line complete, one header each", bad)

t.done_testing()
