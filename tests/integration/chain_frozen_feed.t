#!/usr/bin/env python3
"""A frozen feed in a session is STALE, in the real collectd (libfaketime).

A broker can keep answering with quotes that stopped moving (its feed from
the exchange froze). In a session the underlying's quote ticks every
second, so its exchange timestamp says how old the prices are. Here
collectd's wall clock is set to Monday 2025-11-24 10:00 IST (a session of
the plain Monday-Friday calendar; no ForceOpen) while g6-mockd's market
clock is frozen ten days earlier: every quote is 864,000 s old. g6_chain
still writes what it was sent, but the snapshot says STALE and carries
the quote's time, the cycle counts as `stale`, the last-success time does
not move, and the log says how old the quote is. Once the mock's clock is
set to collectd's, the next cycles are OK again and the last-success time
moves."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
if not os.path.exists(FAKETIME):
    t.skip_all("libfaketime is not installed (make deps installs it)")

IST = 19800
SESSION = 1763958600          # Monday 2025-11-24 10:00 IST
FROZEN = SESSION - 10 * 86400  # Friday 2025-11-14 10:00 IST

d = t.workdir()
data = os.path.join(d, "data")
clock_rc = os.path.join(d, "faketime.rc")
with open(clock_rc, "w") as f:
    f.write("%+d\n" % (SESSION - int(time.time())))
ENV = {"LD_PRELOAD": FAKETIME, "FAKETIME_TIMESTAMP_FILE": clock_rc,
       "FAKETIME_CACHE_DURATION": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
       "FAKETIME_FORCE_MONOTONIC_FIX": "0"}


def snapshot():
    return t.snapshot(data, "NIFTY")


def next_snapshot(after):
    return t.next_snapshot(data, "NIFTY", after)


with t.MockD(clock=FROZEN) as m:
    keyf, tokf = m.write_credentials(d)
    # the default MaxQuoteAge (300 s); chain_config would switch it off for
    # a frozen mock, so the block is written here
    conf = """
<Plugin g6_chain>
  DataDir "%s"
  Fsync "never"
  <Provider "kite">
    URL "%s"
    APIKeyFile "%s"
    AccessTokenFile "%s"
    QuoteRequestsPerSecond 50
    QuoteBurst 10
    CacheTTL 0
  </Provider>
  <Index "NIFTY">
    StrikesBelowATM 2
    StrikesAboveATM 2
    Expiry "this_week"
    Interval 1
  </Index>
</Plugin>
""" % (data, m.url, keyf, tokf)
    with t.Collectd(plugins=["g6_chain"], config=conf, env=ENV, rrd=False) as cd:
        s = next_snapshot(1)
        t.ok(s, "NIFTY snapshots are written in the (faked) session")
        s = s or {"expiries": [{}]}
        t.is_((s.get("market_open"), s.get("status"), s.get("spot_time")),
              (True, "STALE", FROZEN),
              "quotes ten days old: the index is STALE and the snapshot has the quote's time")
        t.ok(s["expiries"][0].get("legs_collected") == 10,
             "what the provider sent is still collected (10 legs)")
        t.ok(cd.wait_log(r"g6_chain: NIFTY: the underlying NSE:NIFTY 50's quote is 864\d{3} s "
                         r"old \(exchange timestamp 14-11-2025 10:00:00 IST\), more than "
                         r"MaxQuoteAge 300 s from the cycle"),
             "the log says how old the quote is")
        t.ok(cd.wait_for("collectd_g6_index_cycles_total", 20, g6_index="NIFTY",
                         type="stale", predicate=lambda v: v >= 2),
             'the cycles count as stale (collectd_g6_index_cycles_total{type="stale"})')
        t.is_(cd.value("collectd_g6_index_last_success_timestamp_seconds", g6_index="NIFTY"),
              0.0, "old prices are no success: the last-success time stays 0")
        rows = os.path.join(data, "NIFTY", "this_week", "0", "2025-11-24.csv")
        t.ok(os.path.exists(rows), "the rows are written to the session day's file")

        # the feed moves again: the mock's clock is collectd's
        now = SESSION + (time.time() - os.stat(clock_rc).st_mtime)
        m.clock(epoch=now)
        seq = snapshot()["seq"]
        s2 = next_snapshot(seq + 1)
        t.ok(s2 and s2["status"] == "OK" and abs(s2["spot_time"] - s2["generated_at"]) < 120,
             "a current quote: status OK again",
             json.dumps({k: s2.get(k) for k in ("status", "spot_time", "generated_at")})
             if s2 else "")
        t.ok(cd.wait_for("collectd_g6_index_last_success_timestamp_seconds", 20,
                         g6_index="NIFTY", predicate=lambda v: v >= SESSION),
             "and the last-success time moves")

t.done_testing()
