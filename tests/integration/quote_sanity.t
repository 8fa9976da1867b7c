#!/usr/bin/env python3
"""Quote sanity in the real collectd against g6-mockd, read by the real
Prometheus.

g6-mockd prices every option on spot with a known rate from an arbitrage-free
SSVI surface (tools/g6-mockd/market.c). It runs here with a rate of 7.2 %
while g6_chain is configured with RiskFreeRate 0.065, so:

  - the mock's market gives no violation at all: every leg of every expiry
    of NIFTY and SENSEX is checked, none is flagged, every violation counter
    stays 0 and the share of flagged legs is 0 (not NaN);
  - put-call parity recovers the mock's rate, not the configured one: the
    implied rate of every expiry a week or more out is 0.072 within 20 bps,
    the parity forward is S e^(0.072 T), and the exported basis to
    S e^((r-q)T) is the 1e4 (e^(0.007 T) - 1) bps the wrong RiskFreeRate
    makes;
  - crossed, stale and out-of-bounds quotes injected on chosen legs are
    flagged in the snapshot with the rule each breaks (crossed; vertical for
    a stale put near the money, bounds for a stale call deep in the money;
    bounds), only
    those legs and their neighbours are flagged, the counters by
    expiry.rule grow, the share reaches Prometheus through the dashboard's
    data-quality query, and `g6 replay --exclude-flagged` leaves exactly the
    flagged legs out;
  - once the faults are gone the chain is clean again;
  - a call whose last trade is three hours old, far outside its live book
    (stale_last_quote: the book is the market's, so every price check on
    its mid passes, but its IV is solved from the last and stands out from
    its neighbours'), is flagged stale_last, that leg and no other in any
    expiry, counted by expiry.stale_last and in the share, and left out by
    `g6 replay --exclude-flagged`; clean again once the fault is reset."""
import json
import math
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

MOCK_RATE = 0.072
CONF_RATE = 0.065
RULES = ["bounds", "vertical", "butterfly", "calendar", "crossed", "stale_last"]
NIFTY_TAGS = ["this_week", "next_week", "this_month", "next_month"]
SENSEX_TAGS = ["this_week", "this_month"]


snapshot, next_snapshot = t.snapshot, t.next_snapshot


def flagged(x):
    return [(l["strike"], l["type"], l["arb"]) for l in x["legs"] if l["arb"]]


def replay_legs(path, *args):
    r = subprocess.run([t.build_path("g6"), "replay"] + list(args) + [path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    lines = r.stdout.decode().splitlines()
    head = lines[0].split(",") if lines else []
    rows = [dict(zip(head, l.split(","))) for l in lines[1:]]
    return r.returncode, {row["expiry"]: int(row["legs"]) for row in rows}


clock = int(time.time())
d = t.workdir()
data = os.path.join(d, "data")
with t.MockD(clock=clock, args=["--rate", str(MOCK_RATE)]) as m:
    keyf, tokf = m.write_credentials(d)
    conf = t.chain_config(data, m, keyf, tokf, plugin="""
        ForceOpen true
        RiskFreeRate %g
        Fsync "never"
        """ % CONF_RATE, provider="""
        QuoteRequestsPerSecond 100
        QuoteBurst 10
        CacheTTL 0
        """, indices=[("NIFTY", """
        StrikesBelowATM 20
        StrikesAboveATM 20
        Expiry "this_week" "next_week" "this_month" "next_month"
        Interval 2
        """), ("SENSEX", """
        StrikesBelowATM 10
        StrikesAboveATM 10
        Expiry "this_week" "this_month"
        Interval 2
        """)]) + """
<Plugin g6_analytics>
  DataDir "%s"
</Plugin>
""" % data
    with t.Collectd(plugins=["g6_chain", "g6_analytics"], config=conf) as cd:
        # ---- the mock's arbitrage-free market ---------------------------
        snaps = {}
        for ix in ("NIFTY", "SENSEX"):
            snaps[ix] = next_snapshot(data, ix, 1)  # the second: a steady one
            t.ok(snaps[ix], "%s snapshots are written" % ix)
        s = snaps["NIFTY"]
        clean = all(x["resolved"] and not flagged(x) and x["arbitrage"]["flagged"] == 0 and
                    x["arbitrage"]["checked"] == x["legs_collected"] == 82 and
                    all(x["arbitrage"][r] == 0 for r in RULES)
                    for x in s["expiries"])
        t.ok(clean, "the mock's market: every NIFTY leg of 4 expiries checked, none "
             "flagged", json.dumps([(x["tag"], x["arbitrage"], flagged(x)[:5])
                                    for x in s["expiries"]]))
        sx = snaps["SENSEX"]
        t.ok(all(x["arbitrage"]["checked"] == 42 and x["arbitrage"]["flagged"] == 0
                 for x in sx["expiries"]),
             "the mock's market: every SENSEX leg checked, none flagged",
             json.dumps([x["arbitrage"] for x in sx["expiries"]]))
        want = [("NIFTY", tag) for tag in NIFTY_TAGS] + [("SENSEX", tag) for tag in SENSEX_TAGS]

        def ratios():
            return {(x.labels["g6_index"], x.labels["type"]): x.value for x in
                    t.select(cd.samples(), "collectd_g6_index_arbitrage_flagged_ratio")}
        # the metrics of a cycle are dispatched at g6_chain's next read
        t.wait_until(lambda: all(ratios().get(k) == 0 for k in want), 20)
        samples = cd.samples()
        ratios = ratios()
        t.ok(all(ratios.get(k) == 0 for k in want) and len(ratios) == len(want),
             "the share of flagged legs is 0 (known, not NaN) for every configured "
             "expiry, and no other expiry is exported", repr(ratios))
        viol = t.select(samples, "collectd_g6_index_arbitrage_violations_total")
        t.ok(len(viol) == len(want) * len(RULES) and all(v.value == 0 for v in viol),
             "every violation counter (index x expiry.rule) is exported and 0",
             repr([(v.labels, v.value) for v in viol if v.value != 0][:5]))

        # ---- put-call parity recovers the mock's rate --------------------
        S = s["spot"]
        far = [x for x in s["expiries"] if x["T"] >= 7 / 365]
        t.ok(far, "NIFTY has expiries a week or more out (%d)" % len(far))
        bad = ["%s: rate %r" % (x["tag"], x["parity"]["rate"]) for x in far
               if abs(x["parity"]["rate"] - MOCK_RATE) > 0.002]
        t.ok(not bad, "the implied rate of every expiry a week or more out is the "
             "mock's 0.072 within 20 bps (g6 is configured with 0.065)", "\n".join(bad))
        bad = ["%s: F %r vs %r" % (x["tag"], x["parity"]["forward"],
                                    S * math.exp(MOCK_RATE * x["T"]))
               for x in s["expiries"]
               if abs(x["parity"]["forward"] / (S * math.exp(MOCK_RATE * x["T"])) - 1) > 2e-5]
        t.ok(not bad, "the parity forward of every expiry is S e^(0.072 T) within "
             "0.2 bps", "\n".join(bad))
        t.ok(all(x["parity"]["pairs"] == 41 and x["parity"]["outliers"] == 0 and
                 x["parity"]["residual"] < 0.1 for x in s["expiries"]),
             "every strike is a pair, none an outlier, the residual below two ticks",
             json.dumps([x["parity"] for x in s["expiries"]]))

        def basis_ok(v, x):
            want = 1e4 * (math.exp((MOCK_RATE - CONF_RATE) * x["T"]) - 1)
            return abs(v - want) <= 0.2 + 0.15 * abs(want)
        bad = []
        for x in s["expiries"]:
            got = cd.wait_for("collectd_g6_index_forward_basis_bps", 20, g6_index="NIFTY",
                              type=x["tag"], predicate=lambda v, x=x: basis_ok(v, x))
            if not got:
                bad.append("%s: %r" % (x["tag"], cd.value(
                    "collectd_g6_index_forward_basis_bps", g6_index="NIFTY", type=x["tag"])))
        t.ok(not bad, "g6_analytics exports the basis the wrong RiskFreeRate makes, "
             "1e4 (e^(0.007 T) - 1) bps", "\n".join(bad))
        rates = [cd.value("collectd_g6_index_implied_rate_ratio", g6_index="NIFTY",
                          type=x["tag"]) for x in far]
        t.ok(all(r is not None and abs(r - MOCK_RATE) <= 0.002 for r in rates),
             "and the implied rate, 0.072", repr(rates))

        # ---- injected bad quotes ----------------------------------------
        x0 = min(far, key=lambda x: x["T"])
        date = x0["date"]
        atm, step = s["atm"], s["step"]
        legs = {(l["strike"], l["type"]): l for l in x0["legs"]}
        faults = [  # (strike, type, fault, rule it must break)
            # a stale put near the money costs more than the put a strike
            # up (a stale call there may fall below intrinsic first: bounds)
            (atm, "PE", "stale_quote", "vertical"),
            (atm - 20 * step, "CE", "stale_quote", "bounds"),
            (atm + 3 * step, "PE", "out_of_bounds_quote", "bounds"),
            (atm - 6 * step, "PE", "crossed_quote", "crossed"),
        ]
        doc = {}
        for k, typ, fault, _ in faults:
            doc.setdefault(fault, []).append(legs[(k, typ)]["key"])
        m.set_faults({"market": doc})
        before = {v.labels["type"]: v.value for v in t.select(
            cd.samples(), "collectd_g6_index_arbitrage_violations_total", g6_index="NIFTY")}
        seq = snapshot(data, "NIFTY")["seq"]
        s2 = next_snapshot(data, "NIFTY", seq + 1)  # one whole cycle after the faults
        t.ok(s2, "a NIFTY snapshot after the faults")
        xs = [x for x in s2["expiries"] if x["date"] == date]
        for k, typ, fault, rule in faults:
            got = [{(l["strike"], l["type"]): l for l in x["legs"]}[(k, typ)]["arb"]
                   for x in xs]
            t.ok(got and all(g == rule for g in got),
                 "%s on the %s %g %s (%s) is flagged %s" % (fault, date, k, typ,
                                                          xs[0]["tag"], rule), repr(got))
        near = lambda k: any(abs(k - f[0]) <= step for f in faults)
        x = xs[0]
        stray = [f for f in flagged(x) if not near(f[0])]
        t.ok(len(flagged(x)) >= 4 and not stray,
             "only the bad legs and their neighbours are flagged (%d legs)" % len(flagged(x)),
             repr(flagged(x)))
        t.ok(x["arbitrage"]["flagged"] == len(flagged(x)) and x["arbitrage"]["crossed"] == 1
             and x["arbitrage"]["bounds"] >= 2 and x["arbitrage"]["vertical"] >= 2,
             "the expiry counts its violations by rule", json.dumps(x["arbitrage"]))
        t.ok(x["parity"]["outliers"] >= 3 and
             abs(x["parity"]["rate"] - MOCK_RATE) <= 0.002,
             "the parity fit leaves the bad pairs out and still recovers the rate",
             json.dumps(x["parity"]))
        others = [y["tag"] for y in s2["expiries"] if y["date"] != date and flagged(y)]
        t.ok(not others, "the other expiries stay clean", repr(others))

        tag = x["tag"]
        after = lambda rule: cd.wait_for(
            "collectd_g6_index_arbitrage_violations_total", 20, g6_index="NIFTY",
            type="%s.%s" % (tag, rule),
            predicate=lambda v: v > before.get("%s.%s" % (tag, rule), 0))
        t.ok(all(after(r) for r in ("crossed", "bounds", "vertical")),
             "collectd_g6_index_arbitrage_violations_total{type=%s.crossed|bounds|"
             "vertical} grow" % tag)
        ratio = cd.wait_for("collectd_g6_index_arbitrage_flagged_ratio", 20,
                            g6_index="NIFTY", type=tag, predicate=lambda v: v > 0)
        t.ok(ratio and abs(ratio[0].value - x["arbitrage"]["flagged"] / 82) < 0.05,
             "the share of flagged legs of %s is exported (%r)" % (
                 tag, ratio[0].value if ratio else None))

        rules = [os.path.join(t.ROOT, "prometheus", f) for f in ("rules.yml", "alerts.yml")]
        with t.Prometheus(["127.0.0.1:%d" % cd.port], rule_files=rules) as prom:
            q = ('max by (g6_index, type) (collectd_g6_index_arbitrage_flagged_ratio'
                 '{instance=~".*",g6_index=~"NIFTY"} >= -Inf)')
            res = prom.wait_query(q, 60, predicate=lambda v: v > 0)
            t.ok([r for r in res if r["metric"].get("type") == tag],
                 "the data-quality panel's query shows the flagged share in "
                 "Prometheus", repr(res))

        # g6 replay --exclude-flagged leaves exactly the flagged legs out
        path = os.path.join(d, "faulted.json")
        with open(path, "w") as f:
            json.dump(s2, f)
        rc1, all_legs = replay_legs(path)
        rc2, kept = replay_legs(path, "--exclude-flagged")
        t.ok(rc1 == 0 and rc2 == 0 and all_legs[tag] - kept[tag] == len(flagged(x)) and
             all(all_legs[y["tag"]] == kept[y["tag"]] for y in s2["expiries"]
                 if y["date"] != date),
             "g6 replay --exclude-flagged leaves out the %d flagged legs, only "
             "them" % len(flagged(x)), "%r %r" % (all_legs, kept))

        # ---- faults gone: clean again -----------------------------------
        m.reset_faults()
        seq = snapshot(data, "NIFTY")["seq"]
        s3 = next_snapshot(data, "NIFTY", seq + 1)
        t.ok(s3 and all(not flagged(y) for y in s3["expiries"]),
             "without the faults the chain is clean again",
             json.dumps([flagged(y) for y in s3["expiries"]]) if s3 else "")
        t.ok(cd.wait_for("collectd_g6_index_arbitrage_flagged_ratio", 20,
                         g6_index="NIFTY", type=tag, predicate=lambda v: v == 0),
             "and its share of flagged legs is 0 again")

        # ---- a last traded hours ago, outside its live book --------------
        # on the farthest expiry: no later one whose calendar check its IV
        # could break, so before stale_last nothing flagged it (the
        # reviewer's case: arb null, flagged share 0)
        xl = max(s["expiries"], key=lambda y: y["T"])
        date = xl["date"]
        k_st = atm + 2 * step
        key = {(l["strike"], l["type"]): l for l in xl["legs"]}[(k_st, "CE")]["key"]
        m.set_faults({"market": {"stale_last_quote": [key]}})
        before = {v.labels["type"]: v.value for v in t.select(
            cd.samples(), "collectd_g6_index_arbitrage_violations_total", g6_index="NIFTY")}
        seq = snapshot(data, "NIFTY")["seq"]
        s4 = next_snapshot(data, "NIFTY", seq + 1)
        t.ok(s4, "a NIFTY snapshot after the stale_last_quote fault")
        xs = [y for y in s4["expiries"] if y["date"] == date]
        for y in xs:
            by = {(l["strike"], l["type"]): l for l in y["legs"]}
            l = by[(k_st, "CE")]
            nb = [by[(k_st + dk, "CE")]["iv"] for dk in (-step, step)]
            t.ok(l["arb"] == "stale_last" and l["last"] > l["ask"] + 0.05 + 0.002 * l["last"],
                 "stale_last_quote on the %s %g CE (%s): last %r outside its book %r / %r, "
                 "flagged %r" % (date, k_st, y["tag"], l["last"], l["bid"], l["ask"], l["arb"]))
            t.ok(l["iv_status"] == "ok" and l["iv"] > 1.3 * max(nb),
                 "its IV, solved from the stale last as documented, stands out (%r "
                 "among %r): the flag is what tells" % (l["iv"], nb))
            t.ok(flagged(y) == [(k_st, "CE", "stale_last")] and
                 y["arbitrage"]["flagged"] == 1 and y["arbitrage"]["stale_last"] == 1 and
                 all(y["arbitrage"][r] == 0 for r in RULES if r not in ("stale_last", "calendar")),
                 "that leg and only that leg is flagged in %s, counted as stale_last"
                 % y["tag"], json.dumps([flagged(y), y["arbitrage"]]))
        others = [(y["tag"], flagged(y)) for y in s4["expiries"]
                  if y["date"] != date and flagged(y)]
        t.ok(xs and not others, "the other expiries stay clean", repr(others))
        tag = xs[0]["tag"]
        t.ok(cd.wait_for("collectd_g6_index_arbitrage_violations_total", 20,
                         g6_index="NIFTY", type="%s.stale_last" % tag,
                         predicate=lambda v: v > before.get("%s.stale_last" % tag, 0)),
             "collectd_g6_index_arbitrage_violations_total{type=%s.stale_last} grows" % tag)
        # read after the flagged cycle's dispatch (the counter grew): a
        # stale last is freshness, not an arbitrage, and G6QuoteArbitrageHigh
        # must not fire for the illiquid strikes of a trending day
        # both in one scrape: g6_chain dispatches a cycle's gauges and
        # counters together
        smp = cd.samples()
        ratio = t.select(smp, "collectd_g6_index_arbitrage_flagged_ratio",
                         g6_index="NIFTY", type=tag)
        stale = t.select(smp, "collectd_g6_index_arbitrage_violations_total",
                         g6_index="NIFTY", type="%s.stale_last" % tag)
        t.ok(ratio and ratio[0].value == 0 and stale and
             stale[0].value > before.get("%s.stale_last" % tag, 0),
             "the share of %s legs breaking a no-arbitrage rule stays 0 in the "
             "scrape that counts the stale leg" % tag, repr((ratio, stale)))
        path = os.path.join(d, "stale_last.json")
        with open(path, "w") as f:
            json.dump(s4, f)
        rc1, all_legs = replay_legs(path)
        rc2, kept = replay_legs(path, "--exclude-flagged")
        t.ok(rc1 == 0 and rc2 == 0 and all_legs[tag] - kept[tag] == 1 and
             all(all_legs[y["tag"]] == kept[y["tag"]] for y in s4["expiries"]
                 if y["date"] != date),
             "g6 replay --exclude-flagged leaves out the stale leg, only it",
             "%r %r" % (all_legs, kept))
        m.reset_faults()
        seq = snapshot(data, "NIFTY")["seq"]
        s5 = next_snapshot(data, "NIFTY", seq + 1)
        t.ok(s5 and all(not flagged(y) for y in s5["expiries"]),
             "without it the chain is clean again",
             json.dumps([flagged(y) for y in s5["expiries"]]) if s5 else "")

t.done_testing()
