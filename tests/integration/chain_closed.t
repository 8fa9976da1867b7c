#!/usr/bin/env python3
"""The market gate in the real collectd: with today's IST date in the holiday
file the market is closed whatever the time, so g6_chain fetches nothing
(g6-mockd sees no request), reports market_open 0 with every series warm
(status EMPTY), and writes no CSV row and no snapshot."""
import datetime
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))

with t.MockD() as m:
    d = t.workdir()
    key, tok = m.write_credentials(d)
    holidays = os.path.join(d, "holidays.txt")
    today = datetime.datetime.now(IST).date()
    with open(holidays, "w") as f:
        # today and tomorrow, in case the test runs across IST midnight
        f.write("%s test holiday\n%s\n" % (today, today + datetime.timedelta(days=1)))
    conf = """
<Plugin g6_chain>
  DataDir "%s/data"
  HolidaysFile "%s"
  <Provider "kite">
    URL "%s"
    APIKeyFile "%s"
    AccessTokenFile "%s"
  </Provider>
  <Index "NIFTY">
    Expiry "this_week" "next_week"
    Interval 1
  </Index>
</Plugin>
""" % (d, holidays, m.url, key, tok)
    with t.Collectd(plugins=["g6_chain"], config=conf) as cd:
        got = cd.wait_for("collectd_g6_index_cycle_seconds_count_total", g6_index="NIFTY",
                          predicate=lambda v: v >= 3)
        t.ok(got, "NIFTY's read callback runs every second")
        t.is_(cd.value("collectd_g6_index_market_open_state", g6_index="NIFTY"), 0.0,
              "market_open is 0 on a holiday")
        t.is_(sorted((s.labels["type"], s.value) for s in cd.samples()
                     if s.name == "collectd_g6_index_chain_status"),
              [("next_week", 2.0), ("this_week", 2.0)],
              "every configured expiry reports EMPTY (warm, nothing collected)")
        t.is_(cd.value("collectd_g6_index_last_success_timestamp_seconds", g6_index="NIFTY"),
              0.0, "no successful cycle")
        served = m.requests()
        total = sum(v.get("total", 0) for v in served.values() if isinstance(v, dict))
        t.ok(total == 0, "g6-mockd received no request at all", served)
    t.ok(not os.path.exists(os.path.join(d, "data", "NIFTY")) and
         not os.path.exists(os.path.join(d, "data", "snapshots")),
         "no CSV file and no snapshot while the market is closed")

t.done_testing()
