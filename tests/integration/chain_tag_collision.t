#!/usr/bin/env python3
"""Two Expiry rules, two contracts, one tag, in the real collectd.

A date rule's tag is derived from its days to expiry (<= 7 this_week), so
`Expiry "this_week" "<a date within 7 days>"` maps two different contracts
to <INDEX>/this_week/. A tag directory holds one contract: the date rule's
rows are not written, and that is counted
(collectd_g6_csv_skipped_rows_total{type="tag_collision"}), shown in the
overview's missing_mask and logged once naming Expiry; the snapshot and the
index metrics keep both contracts. g6-mockd moves a later weekly next to the
nearest expiry (`move_expiry`) so the collision happens on any day."""
import csv
import datetime
import glob
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

last_tuesday = t.mock_monthly
today = t.first_tradable_day()
d = t.workdir()
data = os.path.join(d, "data")
with t.MockD(args=["--weeklies", "6", "--monthlies", "3"]) as m:
    listed = sorted(datetime.date.fromisoformat(x)
                    for x in m.market()["indices"]["NIFTY"]["expiries"])
    nearest = [x for x in listed if x >= today]
    first = nearest[0]
    # a free day after the nearest expiry and within 7 days of today: the
    # date rule's derived tag is this_week, its contract another one
    moved = next(first + datetime.timedelta(days=k) for k in range(1, 8)
                 if first + datetime.timedelta(days=k) not in listed and
                 (first + datetime.timedelta(days=k) - today).days <= 7)
    # the farthest weekly (not a monthly: its symbols would clash with the
    # moved-to month's monthly ones): no rule resolves to it
    W = max(x for x in nearest[1:] if x != last_tuesday(x.year, x.month))
    m.set_faults({"market": {"move_expiry": "NIFTY:%s:%s" % (W, moved)}})
    t.ok(moved in [datetime.date.fromisoformat(x)
                   for x in m.market()["indices"]["NIFTY"]["expiries"]],
         "g6-mockd lists %s (moved from %s), %d days away" % (moved, W, (moved - today).days))

    keyf, tokf = m.write_credentials(d)
    small = "StrikesBelowATM 1\nStrikesAboveATM 1\nInterval 1\n"
    conf = t.chain_config(data, m, keyf, tokf, plugin="ForceOpen true\nFsync \"never\"",
                          provider="QuoteRequestsPerSecond 50\nQuoteBurst 10",
                          indices=[("NIFTY", small + 'Expiry "this_week" "%s"' % moved)])
    with t.Collectd(plugins=["g6_chain"], config=conf) as cd:
        t.ok(cd.wait_for("collectd_g6_csv_skipped_rows_total", g6_csv="NIFTY",
                         type="tag_collision", predicate=lambda v: v > 0),
             "the withheld rows are counted (tag_collision)")
        # one row per strike and 30-s slot, like the rows that were not written
        t.ok(cd.wait_grows("collectd_g6_csv_skipped_rows_total", timeout=45,
                           g6_csv="NIFTY", type="tag_collision"),
             "counted again in the next slot")
        log = cd.log()
        want = 'Expiry "%s" (contract %s) and Expiry "this_week" (contract %s) ' \
               'both map to the CSV tag this_week' % (moved, moved, first)
        if want not in log:
            t.diag(log[-3000:])
        t.is_(log.count(want), 1, "one warning names Expiry, both contracts and the tag")
        t.ok("pin dates that cannot share a tag" in log, "and says what to do")
        # the metrics keep both contracts (labelled by date for the date rule)
        t.ok(cd.wait_for("collectd_g6_index_collected_legs", g6_index="NIFTY",
                         type=str(moved), predicate=lambda v: v > 0),
             "the withheld contract is still collected in the metrics")
        snap = t.snapshot(data, "NIFTY") or {"expiries": []}
        t.is_(sorted(x["date"] for x in snap["expiries"]), sorted([str(first), str(moved)]),
              "the snapshot carries both contracts")
    # files: this_week/ holds only this_week's contract, the overview says
    # a this_week contract is missing
    expiries = set()
    for p in glob.glob(os.path.join(data, "NIFTY", "this_week", "*", "*.csv")):
        with open(p) as f:
            expiries |= {r[3] for r in list(csv.reader(f))[1:]}
    t.is_(sorted(expiries), [str(first)], "this_week/ holds one contract")
    ov = glob.glob(os.path.join(data, "overview", "NIFTY", "*.csv"))
    last = []
    for p in ov:
        with open(p) as f:
            rows = list(csv.reader(f))[1:]
            last = rows[-1] if rows else last
    t.is_(last[-5:], ["2", "1", "1", "1", "1"],
          "overview: 2 expected, 1 collected, masks 1/1 and missing_mask 1")
    rows, problems = t.csv_audit(data)
    t.is_(problems, [], "no torn, duplicate or out-of-order rows")

t.done_testing()
