#!/usr/bin/env python3
"""Every g6 counter is first exported at 0.

Prometheus' increase() and rate() count the rises between samples: a series
whose first sample already holds a count is one whose first increment they
never see, and an alert on it cannot fire for it. g6 admits its counters at
0 before anything is counted (the warm start), and must also dispatch that
0 before the first cycle's counts (metrics/metrics.h: a counter or
histogram series goes out at 0 the first time): here collectd reads every 4 s, and
g6_chain's first cycle (and g6_analytics' first run) end long before
g6_chain's first dispatch, half an interval after its start. Polling
/metrics every 0.1 s from collectd's start, the first value seen of each
counter series of a date-pinned expiry, of the cycles and of the analysed
snapshots is 0, and a later one is the count."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

d = t.workdir()
data = os.path.join(d, "data")
with t.MockD() as m:
    listed = m.market()["indices"]["NIFTY"]["expiries"]
    date = listed[1]  # a listed date, pinned
    keyf, tokf = m.write_credentials(d)
    conf = t.chain_config(data, m, keyf, tokf, plugin='ForceOpen true\nFsync "never"',
                          provider="QuoteRequestsPerSecond 50\nQuoteBurst 10",
                          indices=[("NIFTY", 'StrikesBelowATM 2\nStrikesAboveATM 2\n'
                                    'Expiry "this_week" "%s"' % date)])
    conf += '<Plugin g6_analytics>\n  DataDir "%s"\n  Index "NIFTY"\n</Plugin>\n' % data
    series = [("collectd_g6_index_iv_solves_total", {"g6_index": "NIFTY", "type": date}),
              ("collectd_g6_index_iv_solves_total", {"g6_index": "NIFTY", "type": "this_week"}),
              ("collectd_g6_index_cycles_total", {"g6_index": "NIFTY", "type": "ok"}),
              ("collectd_g6_index_analyzed_snapshots_total", {"g6_index": "NIFTY"})]
    with t.Collectd(plugins=["g6_chain", "g6_analytics"], config=conf, interval=4.0) as cd:
        first, last = {}, {}
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and \
                not all(last.get(i, 0) > 0 for i in range(len(series))):
            samples = cd.samples()
            for i, (name, labels) in enumerate(series):
                got = t.select(samples, name, **labels)
                if len(got) == 1:
                    first.setdefault(i, got[0].value)
                    last[i] = got[0].value
            time.sleep(0.1)
        for i, (name, labels) in enumerate(series):
            what = "%s{%s}" % (name, ",".join("%s=%s" % kv for kv in sorted(labels.items())))
            t.is_(first.get(i), 0.0, "%s is first exported at 0" % what)
            t.ok(last.get(i, 0) > 0, "%s then counts (%r)" % (what, last.get(i)))

    # g6_analytics alone on the same data, its snapshot there at the start:
    # its first run analyses it before the first read
    conf = '<Plugin g6_analytics>\n  DataDir "%s"\n  Index "NIFTY"\n</Plugin>\n' % data
    name, labels = "collectd_g6_index_analyzed_snapshots_total", {"g6_index": "NIFTY"}
    with t.Collectd(plugins=["g6_analytics"], config=conf, interval=4.0) as cd:
        seen = []

        def counted():
            got = t.select(cd.samples(), name, **labels)
            if len(got) == 1:
                seen.append(got[0].value)
            return seen and seen[-1] > 0
        t.wait_until(counted, 30, 0.1)
        t.is_(seen[0] if seen else None, 0.0,
              "a snapshot there at the start: analysed_snapshots is first exported at 0")
        t.ok(seen and seen[-1] == 1, "then counts the snapshot (%r)" % seen[-1:])
t.done_testing()
