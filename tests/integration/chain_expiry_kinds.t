#!/usr/bin/env python3
"""Weekly and monthly contracts in the real collectd (issue 10, item 2).

An exchange moves an expiry that falls on a holiday to the previous trading
day, possibly into the previous calendar month: the weekly of Thursday
2025-05-01 was listed for 2025-04-30, after April's monthly. g6-mockd does
the same here (`move_expiry`): the first weekly after a month's monthly
contract is listed on the day after that monthly, so the last listed date of
the month is a weekly. this_month and next_month must still be the monthly
contracts (told apart by Kite's trading symbols), this_week and next_week the
nearest expiries of any kind, and the snapshot says which kind each is. For a
monthly-only index (BANKNIFTY) the weeks are the monthly contracts."""
import datetime
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

last_tuesday = t.mock_monthly
today = t.first_tradable_day()
d = t.workdir()
data = os.path.join(d, "data")
with t.MockD(args=["--weeklies", "10", "--monthlies", "4"]) as m:
    listed = [datetime.date.fromisoformat(x)
              for x in m.market()["indices"]["NIFTY"]["expiries"]]
    monthly = sorted(x for x in listed if x == last_tuesday(x.year, x.month))
    # a monthly M whose next day is in the same month, and the first weekly W
    # after it (in the next month)
    M = next(x for x in monthly if (x + datetime.timedelta(days=1)).month == x.month)
    W = min(x for x in listed if x > M and x not in monthly)
    moved = M + datetime.timedelta(days=1)
    state = m.set_faults({"market": {"move_expiry": "NIFTY:%s:%s" % (W, moved)}})
    t.is_(state["market"]["move_expiry"], ["NIFTY:%s:%s" % (W, moved)],
          "g6-mockd takes the move (%s -> %s)" % (W, moved))
    now_listed = [datetime.date.fromisoformat(x)
                  for x in m.market()["indices"]["NIFTY"]["expiries"]]
    t.ok(moved in now_listed and W not in now_listed and
         max(x for x in now_listed if x.month == M.month and x.year == M.year) == moved,
         "the last listed date of %s is now the moved weekly %s" % (M.strftime("%B"), moved))
    csv_text = m.instruments_csv()
    sym = [l.split(",")[2] for l in csv_text.splitlines()
           if ",%s," % moved in l and '"NIFTY"' in l]
    want_prefix = "NIFTY%02d%s%02d" % (moved.year % 100, "123456789OND"[moved.month - 1],
                                       moved.day)
    t.ok(sym and all(s.startswith(want_prefix) for s in sym),
         "its symbols carry the new date like Kite's (%s...)" % want_prefix)
    next_monthly = min(x for x in monthly if x > M)
    first_monthly = min(x for x in monthly if x >= today)

    keyf, tokf = m.write_credentials(d)
    small = "StrikesBelowATM 2\nStrikesAboveATM 2\nInterval 1\n"
    conf = t.chain_config(data, m, keyf, tokf, plugin="ForceOpen true\nFsync \"never\"",
                          provider="QuoteRequestsPerSecond 50\nQuoteBurst 10",
                          indices=[("NIFTY", small + 'Expiry "this_week" "next_week" '
                                    '"this_month" "next_month" "%s"' % moved),
                                   ("BANKNIFTY", small + 'Expiry "this_week" "next_week" '
                                    '"this_month" "next_month"')])

    def snapshot(ix):
        return t.snapshot(data, ix)

    with t.Collectd(plugins=["g6_chain"], config=conf) as cd:
        for ix in ("NIFTY", "BANKNIFTY"):
            t.ok(cd.wait_for("collectd_g6_index_collected_legs", g6_index=ix,
                             type="this_month", predicate=lambda v: v > 0),
                 "%s collects this_month" % ix)
        snap = t.wait_until(lambda: snapshot("NIFTY"), 10) or {"expiries": []}
        by = {x["tag"] if x["rule"] != "date" else "date": x for x in snap["expiries"]}
        nearest = sorted(x for x in now_listed if x >= today)
        if first_monthly == M:
            t.is_((by["this_month"]["date"], by["this_month"]["kind"]),
                  (str(M), "monthly"),
                  "this_month is the monthly contract %s, not the weekly listed after "
                  "it on %s" % (M, moved))
            t.is_((by["next_month"]["date"], by["next_month"]["kind"]),
                  (str(next_monthly), "monthly"), "next_month is the next monthly contract")
        else:
            t.is_((by["this_month"]["date"], by["this_month"]["kind"]),
                  (str(first_monthly), "monthly"), "this_month is a monthly contract")
            t.ok(by["next_month"]["kind"] == "monthly", "next_month is a monthly contract")
        t.is_((by["this_week"]["date"], by["next_week"]["date"]),
              (str(nearest[0]), str(nearest[1])),
              "this_week and next_week are the nearest expiries of any kind")
        t.is_(by["date"]["kind"], "weekly",
              "the moved contract is reported as the weekly it is (kind in the snapshot)")
        t.ok(cd.wait_log(r"Kite instruments: \d+ rows") and
             "rows rejected" not in cd.log() and "another expiry" not in cd.log(),
             "the moved weekly's symbol names its new date: no row rejected, "
             "none noted as listed under another expiry than its symbol's",
             "\n".join(l for l in cd.log().splitlines() if "instruments" in l))
        b = {x["tag"]: x for x in (snapshot("BANKNIFTY") or {"expiries": []})["expiries"]}
        t.ok(b and b["this_week"]["date"] == b["this_month"]["date"] and
             b["next_week"]["date"] == b["next_month"]["date"] and
             all(x["kind"] == "monthly" for x in b.values()),
             "BANKNIFTY lists monthly contracts only: its weeks are its months",
             json.dumps({k: (v["date"], v["kind"]) for k, v in b.items()}))

t.done_testing()
