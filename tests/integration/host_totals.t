#!/usr/bin/env python3
"""Host totals by collectd's stock aggregation plugin, with the generated
snippet (conf.d/g6_aggregation.conf), equal to the PromQL sum of the
per-index series they are made of.

collectd runs g6_chain on three indices against g6-mockd with the
aggregation snippet (its Interval set to g6_chain's, as the snippet says).
g6-mockd refuses every 4th /quote request with Kite's InputException (not
retried), so each cycle some index loses its legs and the legs total
changes from cycle to cycle; one index's per-strike CSV directory cannot
be created, so its rows pile up in memory (the pending-rows gauge grows
every 30 s, the CSV timestamp's resolution). Prometheus scrapes with
honor_timestamps, so each sample keeps the time collectd dispatched it: for
every host-total sample, the PromQL sum of the per-index gauges at that
sample's own timestamp (`sum(x >= -Inf)`, the same known-values-only sum)
must be exactly its value. A total summed over the wrong cycle's values, or
over one index's values counted twice, shows as a difference: before
g6_chain dispatched half an interval after the other read callbacks, 4 of
87 one-second windows (5 of 59 in another run) held two dispatches and
doubled the total; since, none of 90 (G6_HOST_TOTALS_SECONDS=90 samples
that long instead of 20 s). Before
g6_chain's first cycle every per-index gauge is NaN, and the aggregation
exports nothing rather than a 0."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

d = t.workdir()
os.makedirs(os.path.join(d, "data"))
# NIFTY's per-strike CSV files cannot be written: a file where the directory
# goes (the overview and the snapshot have directories of their own)
with open(os.path.join(d, "data", "NIFTY"), "w") as f:
    f.write("not a directory\n")
aggregation = t.aggregation_config(1)
indices = """
  <Index "NIFTY">
    StrikesBelowATM 4
    StrikesAboveATM 4
    Expiry "this_week" "next_week"
    Interval 1
  </Index>
  <Index "SENSEX">
    StrikesBelowATM 2
    StrikesAboveATM 2
    Expiry "this_week"
    Interval 1
  </Index>
  <Index "BANKNIFTY">
    StrikesBelowATM 3
    StrikesAboveATM 3
    Expiry "this_month"
    Interval 1
  </Index>"""

PAIRS = [("legs collected", "collectd_g6_host_collected_legs",
          "collectd_g6_index_collected_legs"),
         ("CSV rows pending", "collectd_g6_host_pending_rows", "collectd_g6_csv_pending_rows")]

with t.MockD(faults=["quote.error_every=4"]) as m:
    m.write_credentials(d)
    cd = t.Collectd(plugins=["g6_chain"], config=m.chain_config(d, indices) + aggregation,
                    dir=d, hostname="g6agg",
                    expected_errors=[r"g6_chain: NIFTY: CSV", r"g6_chain: Kite quote: .*400"])
    with cd, t.Prometheus(["127.0.0.1:%d" % cd.port], scrape_interval="500ms",
                          honor_timestamps=True) as prom:
        t.ok(prom.wait_query('collectd_g6_host_pending_rows{instance="g6agg"} > 0', 30),
             "the host totals are scraped, and rows pile up for NIFTY")
        time.sleep(float(os.environ.get("G6_HOST_TOTALS_SECONDS", "20")))  # aggregation intervals
        for what, total, parts in PAIRS:
            res = prom.query('%s{instance="g6agg"}[5m]' % total)
            samples = [(float(ts), float(v)) for ts, v in (res[0]["values"] if res else [])]
            # a total sums the dispatch one interval before it: compare the
            # totals whose per-index values Prometheus scraped too
            first = min((float(r["values"][0][0]) for r in
                         prom.query('%s{instance="g6agg"}[5m]' % parts)), default=None)
            checked, wrong = 0, []
            for ts, v in samples:
                if first is None or ts < first + 0.5:
                    continue
                r = prom.query('sum(%s{instance="g6agg"} >= -Inf)' % parts, at=ts)
                want = float(r[0]["value"][1]) if r else None
                checked += 1
                if want != v:
                    wrong.append((ts, v, want))
            t.ok(checked >= 8 and not wrong,
                 "%s: each of %d host totals equals the PromQL sum of the per-index "
                 "series at its timestamp" % (what, checked),
                 "wrong (time, total, PromQL sum): %r" % wrong[:10])
            if total == "collectd_g6_host_collected_legs":
                distinct = sorted({v for _, v in samples})
                t.ok(len(distinct) >= 3, "the legs total moved from cycle to cycle (%d "
                     "distinct totals)" % len(distinct), distinct)
                t.ok(samples and min(v for _, v in samples) > 0,
                     "no host total of 0 before the first cycle (NaN values are skipped, "
                     "and with nothing known nothing is exported)",
                     samples[:3])
        legs = prom.query('max_over_time(sum by (g6_index) (collectd_g6_index_collected_legs'
                          '{instance="g6agg"} >= -Inf)[1m:])')
        t.is_({r["metric"]["g6_index"]: float(r["value"][1]) for r in legs},
              {"NIFTY": 36.0, "SENSEX": 10.0, "BANKNIFTY": 14.0},
              "per index at most strikes x 2 legs x expiries (the mock lost some batches)")
t.done_testing()
