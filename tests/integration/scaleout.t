#!/usr/bin/env python3
"""Scale-out: the indices sharded over three collectd processes (one
configuration per shard, each its own Hostname, on loopback ports) against
one g6-mockd, scraped by one Prometheus loaded with the generated rules and
alerts.

  - every shard is a target of its own and an instance of its own (the
    dashboards' instance variable lists three hosts);
  - the cross-shard sums of the recording rules equal the per-shard values:
    job:…:sum is the sum of instance:…:sum, each of which is what that
    shard's own /metrics adds up and what its aggregation plugin reports;
    the rows written (a counter) add up the same way;
  - losing a shard (its collectd stopped by PID) fires the alerts meant for
    it: G6ExporterDown for its scrape target (up == 0) and G6HostVanished
    for its Hostname, for that shard only, while G6CollectionMissing (a host
    that runs g6 without g6_chain) stays silent; the cross-shard sums drop
    to the two remaining shards."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

SHARDS = {"shard-a": ["NIFTY"], "shard-b": ["BANKNIFTY", "FINNIFTY"],
          "shard-c": ["SENSEX", "MIDCPNIFTY"]}
STRIKES = {"NIFTY": 4, "BANKNIFTY": 2, "FINNIFTY": 3, "SENSEX": 2, "MIDCPNIFTY": 1}
aggregation = t.aggregation_config(1)


def index_block(ix):
    expiry = '"this_week"' if ix in ("NIFTY", "SENSEX") else '"this_month"'
    return """  <Index "%s">
    StrikesBelowATM %d
    StrikesAboveATM %d
    Expiry %s
    Interval 1
  </Index>""" % (ix, STRIKES[ix], STRIKES[ix], expiry)


def shard_sum(cd, name):
    vals = [s.value for s in cd.samples() if s.name == name and s.value == s.value]
    return sum(vals) if vals else None


def value(prom, expr, at=None):
    r = prom.query(expr, at)
    return float(r[0]["value"][1]) if len(r) == 1 else None


def alerts(prom, name):
    status, body, _ = t.http_get(prom.url + "/api/v1/alerts", 10)
    if status != 200:
        return []
    return [a for a in json.loads(body)["data"]["alerts"] if a["labels"]["alertname"] == name]


rules = [os.path.join(t.ROOT, "prometheus", f) for f in ("rules.yml", "alerts.yml")]
with t.MockD() as m:
    shards = {}
    for host, indices in SHARDS.items():
        d = t.workdir()
        m.write_credentials(d)
        config = m.chain_config(d, "\n".join(index_block(ix) for ix in indices)) + aggregation
        shards[host] = t.Collectd(plugins=["g6_info", "g6_chain"], config=config,
                                  hostname=host, dir=d)
    for host, cd in shards.items():
        t.ok(cd.start(), "collectd %s started on 127.0.0.1:%d" % (host, cd.port))
    targets = ["127.0.0.1:%d" % cd.port for cd in shards.values()]
    with t.Prometheus(targets, rule_files=rules) as prom:
        t.ok(prom.wait_query('count(up{job="collectd"} == 1) == 3', 60),
             "one Prometheus scrapes the three shards")
        hosts = t.wait_until(lambda: sorted(r["metric"]["instance"] for r in
                                            prom.query("count by (instance) "
                                                       "(collectd_g6_build_info)")), 30)
        t.is_(hosts, sorted(SHARDS), "each shard is an instance of its own (its Hostname)")

        # every index collected, and the host totals there
        want = {h: sum(2 * (2 * STRIKES[ix] + 1) for ix in ixs) for h, ixs in SHARDS.items()}
        t.ok(t.wait_until(lambda: all(shard_sum(cd, "collectd_g6_host_collected_legs") == want[h]
                                      for h, cd in shards.items()), 30),
             "each shard's aggregation plugin reports its legs (%r)" % want)
        per = {h: shard_sum(cd, "collectd_g6_index_collected_legs") for h, cd in shards.items()}
        t.is_(per, want, "each shard's /metrics adds up to the same legs")

        def rules_settled():
            inst = {r["metric"]["instance"]: float(r["value"][1]) for r in
                    prom.query("instance:collectd_g6_index_collected_legs:sum")}
            job = value(prom, 'job:collectd_g6_index_collected_legs:sum{job="collectd"}')
            return (inst, job) if inst == want and job == sum(want.values()) else None
        got = t.wait_until(rules_settled, 30, 0.5)
        t.ok(got, "instance:collectd_g6_index_collected_legs:sum is each shard's value and "
             "job:collectd_g6_index_collected_legs:sum their sum (%d)" % sum(want.values()),
             got)

        # a counter: the rows each shard wrote, added across shards
        def rows_match():
            each = {h: shard_sum(cd, "collectd_g6_csv_written_rows_total")
                    for h, cd in shards.items()}
            prom_each = {r["metric"]["instance"]: float(r["value"][1]) for r in
                         prom.query("sum by (instance) (collectd_g6_csv_written_rows_total)")}
            total = value(prom, "sum(collectd_g6_csv_written_rows_total)")
            ok = all(v for v in each.values()) and prom_each == each and \
                total == sum(each.values())
            return (each, total) if ok else None
        t.ok(t.wait_until(rows_match, 30, 0.5),
             "the rows written, per shard and across shards, equal what each shard counts")
        def rates():
            # both at one instant, a little in the past: two queries at
            # "now" can straddle a rule evaluation (one sees its new
            # samples, the other the last ones: seen once in CI)
            at = time.time() - 3
            r = value(prom, 'job:collectd_g6_csv_written_rows:rate5m{job="collectd"}', at)
            p = [float(x["value"][1]) for x in
                 prom.query("instance:collectd_g6_csv_written_rows:rate5m", at)]
            return (r, sum(p)) if r and len(p) == 3 and all(p) else None
        # rows are written once per strike and 30-s slot: a shard's rate is
        # 0 until its counter has grown between two samples, which can take
        # two slots after the first rows, and a rule evaluation
        rate, parts = t.wait_until(rates, 75, 0.5) or (None, None)
        # both rules are in one group: evaluated at the same instant
        t.ok(rate is not None and abs(rate - parts) <= 1e-9 * rate,
             "job:collectd_g6_csv_written_rows:rate5m adds the shards' rates "
             "(%r vs %r)" % (rate, parts))

        # lose shard-b
        lost = shards["shard-b"]
        lost_target = "127.0.0.1:%d" % lost.port
        lost.stop()
        t.ok(prom.wait_query('up{instance="%s"} == 0' % lost_target, 20),
             "the lost shard's target is down")

        def fired(name, label, value_):
            return [a for a in alerts(prom, name) if a["labels"].get(label) == value_
                    and a["state"] in ("pending", "firing")]
        t.ok(t.wait_until(lambda: fired("G6ExporterDown", "instance", lost_target), 30),
             "G6ExporterDown goes off for the lost shard's target")
        t.ok(t.wait_until(lambda: fired("G6HostVanished", "instance", "shard-b"), 30),
             "G6HostVanished goes off for its Hostname, shard-b")
        others = [a["labels"] for n in ("G6ExporterDown", "G6HostVanished")
                  for a in alerts(prom, n) if a["labels"].get("instance") not in
                  (lost_target, "shard-b")]
        t.is_(others, [], "for that shard only")
        t.is_(alerts(prom, "G6CollectionMissing"), [],
              "G6CollectionMissing stays silent: it needs the host's g6_info series")
        rest = want["shard-a"] + want["shard-c"]
        t.ok(prom.wait_query('job:collectd_g6_index_collected_legs:sum{job="collectd"} == %d'
                             % rest, 30),
             "the cross-shard sum is now the two remaining shards' (%d)" % rest)
    for host, cd in shards.items():
        if host != "shard-b":
            cd.stop()
        bad = cd.unexpected_errors()
        t.ok(not bad, "%s: no unexpected [error] lines" % host, "\n".join(bad[:10]))
t.done_testing()
