#!/usr/bin/env python3
"""Undefined is not zero, end to end (issue 10, item 6): the real collectd
with g6_chain against g6-mockd, scraped by the real Prometheus loaded with
the generated rules and alerts, through a provider outage.

While every Kite request fails, spot, ATM, the put/call ratio and the
coverages are unknown: they reach Prometheus as NaN, never as 0. Every
recording rule and every dashboard query over g6_chain's metrics stays
correct: none shows a 0 that is really "unknown", and aggregations of many
series are not poisoned by one NaN (the generated expressions drop NaN with
`>= -Inf`). The alert for an empty chain goes pending; the strike-coverage
alert does not (unknown coverage is not low coverage). And the documented
way to average a gauge over time (drop NaN first, in a subquery) gives a
number where a plain avg_over_time gives NaN."""
import json
import math
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

ROOT = t.ROOT
UNKNOWN = ("collectd_g6_index_spot_points", "collectd_g6_index_atm_strike_points",
           "collectd_g6_index_put_call_ratio", "collectd_g6_index_strike_coverage_ratio",
           "collectd_g6_index_field_coverage_ratio")

inv = subprocess.run([t.build_path("g6"), "spec", "inventory", "--metrics", "--root", ROOT],
                     stdout=subprocess.PIPE, check=True)
items = [json.loads(l) for l in inv.stdout.decode().splitlines() if l]
chain_only = lambda owners: owners and set(owners) <= {"g6_chain", "*"}
rules = [i for i in items if i["kind"] == "rule" and chain_only(i["owners"])]
queries = [i for i in items if i["kind"] == "query" and chain_only(i["owners"])]


def values(res):
    return [float(r["value"][1]) for r in res]


with t.MockD() as m:
    d = t.workdir()
    key, tok = m.write_credentials(d)
    conf = t.chain_config(os.path.join(d, "data"), m, key, tok,
                          plugin="ForceOpen true\nFsync \"never\"",
                          provider="Timeout 0.5\nRetries 1\nQuoteRequestsPerSecond 50\n"
                                   "QuoteBurst 10",
                          indices=[("NIFTY", 'StrikesBelowATM 2\nStrikesAboveATM 2\n'
                                    'Expiry "this_week" "next_week"\nInterval 1')])
    with t.Collectd(plugins=["g6_chain"], config=conf, hostname="g6nan",
                    expected_errors=[r"g6_chain: Kite .*giving up"]) as cd:
        rule_files = [os.path.join(ROOT, "prometheus", "rules.yml"),
                      os.path.join(ROOT, "prometheus", "alerts.yml")]
        with t.Prometheus(["127.0.0.1:%d" % cd.port], rule_files=rule_files) as prom:
            pcr = 'collectd_g6_index_put_call_ratio{g6_index="NIFTY",type="this_week"}'
            healthy = prom.wait_query(pcr, 60, predicate=lambda v: v > 0)
            t.ok(healthy, "a healthy put/call ratio reaches Prometheus")
            t.wait_until(lambda: False, 4)  # some healthy history

            # -- the outage ------------------------------------------------
            m.set_faults({"all": {"http5xx": -1}})
            got = prom.wait_query('collectd_g6_index_spot_points{g6_index="NIFTY"}', 30,
                                  predicate=math.isnan)
            t.ok(got, "during the outage the spot is NaN in Prometheus")
            t.wait_until(lambda: False, 3)  # every unknown series updated
            for name in UNKNOWN:
                v = values(prom.query('%s{g6_index="NIFTY"}' % name))
                t.ok(v and all(math.isnan(x) for x in v),
                     "%s is NaN, not 0, while it is unknown" % name, v)
            t.ok(not prom.query("collectd_g6_index_put_call_ratio == 0"),
                 "the put/call ratio is never exported as 0")
            t.is_(values(prom.query('collectd_g6_index_collected_legs{g6_index="NIFTY"}')),
                  [0.0, 0.0], "what is known stays a number: 0 legs collected")
            t.is_(values(prom.query('collectd_g6_index_put_call_ratio_missing_legs'
                                    '{g6_index="NIFTY"}')),
                  [10.0, 10.0], "and every leg asked for is missing from the put/call "
                  "ratio: 10, known")

            # every recording rule over the index's series: numbers, never a
            # NaN poisoned by the unknown gauges, and the ratio of collected
            # to requested legs is a true 0. (A rate ratio of an endpoint
            # with no traffic at all, 0/0, is NaN by right: no requests, no
            # ratio; the alerts over it compare and stay quiet.)
            legs = "instance_g6_index:collectd_g6_index_collected_legs_per_requested_legs:ratio"
            prom.wait_query(legs, 20, predicate=lambda v: v == 0)  # evaluated after the outage
            rule_vals = {r["record"]: values(prom.query(r["record"])) for r in rules}
            index_rules = {k: v for k, v in rule_vals.items() if "g6_index" in k}
            bad = {k: v for k, v in index_rules.items() if any(math.isnan(x) for x in v)}
            t.ok(index_rules and not bad, "no recording rule over the index turns the "
                 "outage's NaN into a NaN result (%d rules)" % len(index_rules), bad)
            t.is_(rule_vals.get(
                "instance_g6_index:collectd_g6_index_collected_legs_per_requested_legs:ratio"),
                [0.0], "collected / requested legs: 0, known")
            err = values(prom.query('instance_g6_api:collectd_g6_api_calls_errors_per_calls:'
                                    'ratio_rate5m{g6_api="quote"}'))
            t.ok(err and err[0] > 0, "the API error ratio rule sees the failures", err)

            # every dashboard query over g6_chain's metrics: no 0 where the
            # value is unknown
            zero_for_unknown = []
            for q in queries:
                if not any(n in q["expr"] for n in UNKNOWN):
                    continue
                if any(x == 0 for x in values(prom.query(q["expr"]))):
                    zero_for_unknown.append("%s / %s" % (q["dashboard"], q["panel"]))
            t.ok(not zero_for_unknown, "no dashboard panel shows an unknown value as 0 "
                 "(%d queries)" % len(queries), zero_for_unknown)

            # alerts: the empty chain is pending; unknown coverage is not low
            alerts = prom.wait_query('ALERTS{alertname="G6ChainEmpty",g6_index="NIFTY"}', 20)
            t.ok(alerts, "G6ChainEmpty goes pending during the outage")
            t.ok(not prom.query('ALERTS{alertname="G6StrikeCoverageLow"}'),
                 "G6StrikeCoverageLow stays quiet: unknown coverage is not low coverage")

            # averaging a gauge over time: NaN poisons avg_over_time; the
            # documented pattern drops it in a subquery first
            plain = values(prom.query("avg_over_time(%s[1m])" % pcr))
            safe = values(prom.query("avg_over_time((%s >= -Inf)[1m:1s])" % pcr))
            t.ok(plain and math.isnan(plain[0]), "avg_over_time over the outage is NaN", plain)
            t.ok(safe and safe[0] > 0 and not math.isnan(safe[0]),
                 "avg_over_time((x >= -Inf)[1m:1s]) averages the known values", safe)

            # -- recovery --------------------------------------------------
            m.reset_faults()
            got = prom.wait_query(pcr, 40, predicate=lambda v: not math.isnan(v) and v > 0)
            t.ok(got, "after the outage the put/call ratio is a number again")

t.done_testing()
