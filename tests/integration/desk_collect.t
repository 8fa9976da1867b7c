#!/usr/bin/env python3
"""The options desk (issue 18) in the real collectd against g6-mockd, read
by the real Prometheus.

g6-mockd's clock is frozen inside a session (10:00 IST today) and advanced
by hand, so each g6_chain cycle (Interval 3600: one per collectd start)
sees a known market. Every figure is recomputed here, in Python, from the
mock's own answers and the snapshots g6_chain kept (KeepSnapshots), never
from the fields g6 derived:

  run 1  India VIX comes with the underlying (one /quote request) and
         equals the mock's level, in the metric, the overview CSV's VIX
         column and the snapshot; a VIX key the answer lacks (BANKNIFTY's)
         is null, NaN and 0.0 in the CSV, with one warning naming it; lot
         sizes are the instrument list's and
         every OI a multiple of them; the ATM straddle (mid, else last), the
         expected move, the straddle at the open (= now), OI change 0,
         build-up unknown (no previous cycle), dealer gamma exposure and the
         gamma flip, IV rank, percentile and days against a seeded history.
  run 2  collectd restarted 15 market minutes later (the session's state
         comes back from the snapshot; India VIX withheld by the mock): OI
         change since the first cycle per side in contracts and the build-up
         counts per side and class since the previous cycle, the straddle at
         the open unchanged, VIX NaN with a warning; every query of the
         options desk dashboard (but VIX's, proven in spec_e2e.t) returns
         finite data in Prometheus.
  run 3  g6_analytics alone on the latest snapshot made yesterday's: the
         session's close is added to iv_history/NIFTY.csv once, also across
         a restart, and g6_retention counts the file as iv_history."""
import csv
import glob
import json
import math
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

IST = 19800
LOT = 75  # NIFTY's lot in g6-mockd's instrument list
TAGS = ["this_week", "next_week", "this_month"]


def ist_date(epoch):
    return time.strftime("%Y-%m-%d", time.gmtime(epoch + IST))


def mid_or_last(leg):
    b, a, last = leg["bid"], leg["ask"], leg["last"]
    if b is not None and a is not None and b > 0 and b <= a:
        return (b + a) / 2
    return last if last is not None and last > 0 else None


def kept(x):
    return [l for l in x["legs"] if l["kept"]]


def straddle(snap, x):
    at = {l["type"]: mid_or_last(l) for l in kept(x) if l["strike"] == snap["atm"]}
    if at.get("CE") is None or at.get("PE") is None:
        return None
    return at["CE"] + at["PE"]


def gex(snap, x):
    """SqueezeMetrics: gamma x OI (units = contracts x lot) x S^2 x 1 %,
    calls plus, puts minus; the flip where the cumulative sum over
    ascending strikes changes sign."""
    S = snap["spot"]
    per = {}
    total = 0.0
    used = []
    for l in kept(x):
        if l["gamma"] is None or l["oi"] is None:
            continue
        used.append(l)
        contracts = l["oi"] / LOT
        g = l["gamma"] * contracts * LOT * S * S * 0.01 * (1 if l["type"] == "CE" else -1)
        total += g
        per[l["strike"]] = per.get(l["strike"], 0.0) + g
    if not any(l["type"] == "CE" for l in used) or not any(l["type"] == "PE" for l in used):
        total = None  # one side's exposure unknown: so is the total
    cum, prev_cum, prev_k, zero_k, flip = 0.0, 0.0, None, None, None
    for k in sorted(per):
        cum += per[k]
        if prev_k is not None and ((prev_cum < 0 < cum) or (prev_cum > 0 > cum)):
            flip = zero_k if zero_k is not None else prev_k + (k - prev_k) * (-prev_cum) / (cum - prev_cum)
            break
        if cum != 0:
            prev_cum, prev_k, zero_k = cum, k, None
        elif prev_k is not None and zero_k is None:
            zero_k = k
    return total, flip


def direction(prev, now, floor, share):
    band = max(floor, share * abs(prev))
    return 1 if now - prev > band else -1 if now - prev < -band else 0


CLASSES = {(1, 1): "long_buildup", (-1, 1): "short_buildup",
           (1, -1): "short_covering", (-1, -1): "long_unwinding"}


def close(a, b, rel=1e-9):
    if a is None or b is None:
        return a is None and b is None
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= rel * max(1.0, abs(b))


now = int(time.time())
today_ist = (now + IST) // 86400
t0 = today_ist * 86400 - IST + 10 * 3600  # 10:00 IST today
d = t.workdir()
data = os.path.join(d, "data")
os.makedirs(os.path.join(data, "iv_history"))
# 30 sessions of this_week closes, 0.05 .. 0.34, ending ten days ago
hist_path = os.path.join(data, "iv_history", "NIFTY.csv")
seed_closes = [0.05 + 0.01 * i for i in range(30)]
with open(hist_path, "w") as f:
    f.write("date,this_week,next_week,this_month,next_month\n")
    for i, v in enumerate(seed_closes):
        f.write("%s,%.2f,,,\n" % (ist_date(now - (40 - i) * 86400), v))
with open(hist_path, "rb") as f:
    seeded = f.read()

with t.MockD(clock=t0) as m:
    keyf, tokf = m.write_credentials(d)
    conf = t.chain_config(
        data, m, keyf, tokf,
        plugin="ForceOpen true\nKeepSnapshots true\nFsync \"never\"",
        provider="QuoteRequestsPerSecond 100\nQuoteBurst 10",
        indices=[("NIFTY", """StrikesBelowATM 12
                             StrikesAboveATM 12
                             Expiry "this_week" "next_week" "this_month"
                             Interval 3600"""),
                 # a key Kite does not know: the answer lacks it
                 ("BANKNIFTY", """VolatilityIndex "NSE:INDIA VIXX"
                                 StrikesBelowATM 2
                                 StrikesAboveATM 2
                                 Interval 3600""")]) + """
<Plugin g6_analytics>
  DataDir "%s"
  IVRankMinDays 25
</Plugin>
""" % data
    plugins = ["g6_chain", "g6_analytics"]
    # no RRD files: not the subject here, and the stock rrdtool plugin logs
    # an [error] when two write threads race to create one of the desk's
    # many new files on a loaded machine ("is already being created")
    rrd = False
    snap_dir = os.path.join(data, "snapshots", "NIFTY", ist_date(now))

    def snapshots():
        out = []
        for p in sorted(glob.glob(os.path.join(snap_dir, "*.json")),
                        key=lambda p: int(os.path.basename(p)[:-5])):
            with open(p) as f:
                out.append(json.load(f))
        return out

    def overview_rows(index="NIFTY"):
        path = os.path.join(data, "overview", index, ist_date(now) + ".csv")
        with open(path) as f:
            return list(csv.DictReader(f))

    # ---------------------------------------------------------------- run 1
    m.reset_requests()
    vix_mock = m.market()["vix"]
    with t.Collectd(plugins=plugins, config=conf, rrd=rrd) as cd:
        got = cd.wait_for("collectd_g6_index_atm_straddle_points", 30,
                          predicate=lambda v: not math.isnan(v),
                          g6_index="NIFTY", type="this_week")
        t.ok(got, "g6_analytics exports the desk figures of the first cycle")
        t.wait_until(lambda: False, 1.5)  # one whole flush after it
        samples = cd.samples()

        def v(name, **labels):
            s = t.select(samples, name, g6_index="NIFTY", **labels)
            return s[0].value if len(s) == 1 else None

        (s1,) = snapshots()
        t.ok(cd.wait_for("collectd_g6_index_chain_status", 10, predicate=lambda v: v < 2,
                         g6_index="BANKNIFTY", type="this_week"), "BANKNIFTY collected")
        req = m.requests()["quote"]
        with open(os.path.join(data, "snapshots", "BANKNIFTY.json")) as f:
            bn = json.load(f)
        batches = sum(math.ceil(sum(x["legs_listed"] for x in s["expiries"]) / 500.0)
                      for s in (s1, bn))
        t.ok(v("collectd_g6_index_vix_points") == vix_mock == s1["vix"] and
             vix_mock > 5,
             "India VIX %r: the mock's level, in the metric and the snapshot" % vix_mock)
        t.ok(req["max_batch"] >= 2 and req["total"] == 2 + batches,
             "and it came in the underlying's /quote request: no request more",
             repr(req))
        row = overview_rows()[-1]
        t.ok(float(row["VIX"]) == vix_mock,
             "the overview CSV's VIX column holds it (%s)" % row["VIX"])
        bv = t.select(cd.samples(), "collectd_g6_index_vix_points", g6_index="BANKNIFTY")
        t.ok(bn["vix"] is None and len(bv) == 1 and math.isnan(bv[0].value) and
             overview_rows("BANKNIFTY")[-1]["VIX"] == "0.0",
             "a VIX the answer lacks: null in the snapshot, NaN in the metric, "
             "0.0 in the CSV (the old format has no empty value)",
             "%r %r" % (bn["vix"], bv))
        t.ok(cd.wait_log(r"\[warning\] g6_chain: BANKNIFTY: the answer has no quote "
                         r"for the volatility index NSE:INDIA VIXX", 5),
             "and a warning names the key")
        lots = {r["lot_size"] for r in csv.DictReader(m.instruments_csv().splitlines())
                if r["name"] == "NIFTY" and r["instrument_type"] in ("CE", "PE")}
        oi_ok = all(l["oi"] % LOT == 0 for x in s1["expiries"] for l in kept(x))
        t.ok(lots == {str(LOT)} and all(x["lot_size"] == LOT for x in s1["expiries"])
             and oi_ok,
             "each expiry's lot size is the instrument list's (%s) and every OI a "
             "multiple of it" % sorted(lots))
        open_straddle = {}
        for x in s1["expiries"]:
            tag = x["tag"]
            st = straddle(s1, x)
            open_straddle[tag] = st
            t.ok(close(v("collectd_g6_index_atm_straddle_points", type=tag), st, 1e-12),
                 "%s: ATM straddle %.2f = call + put at %d (mid, else last)" %
                 (tag, st, s1["atm"]))
            t.ok(close(v("collectd_g6_index_expected_move_ratio", type=tag),
                       st / s1["spot"], 1e-12),
                 "%s: expected move = straddle / spot" % tag)
            t.ok(close(v("collectd_g6_index_atm_straddle_open_points", type=tag), st, 1e-12)
                 and x["straddle_open"] == st,
                 "%s: the straddle at the open is the first cycle's" % tag)
            total, flip = gex(s1, x)
            t.ok(close(v("collectd_g6_index_gamma_exposure_rupees", type=tag), total, 1e-9),
                 "%s: dealer gamma exposure %.4g = sum gamma x contracts x lot x "
                 "S^2 x 1%%, calls minus puts" % (tag, total))
            g = v("collectd_g6_index_gamma_flip_points", type=tag)
            t.ok(close(g, flip if flip is not None else float("nan"), 1e-12),
                 "%s: gamma flip %r" % (tag, flip))
            t.ok(all(v("collectd_g6_index_oi_change_contracts", type="%s.%s" % (tag, side))
                     == 0.0 for side in ("call", "put")),
                 "%s: OI change 0 at the session's first cycle" % tag)
            t.ok(all(math.isnan(v("collectd_g6_index_buildup_legs",
                                  type="%s.%s.%s" % (tag, side, c)))
                     for side in ("call", "put") for c in CLASSES.values()),
                 "%s: build-up unknown (NaN) without a previous cycle" % tag)
        # IV rank against the seeded closes (the tag's own, this_week only)
        iv = v("collectd_g6_index_atm_iv_ratio", type="this_week")
        lo, hi = min(seed_closes), max(seed_closes)
        t.ok(close(v("collectd_g6_index_atm_iv_rank_ratio", type="this_week"),
                   (iv - lo) / (hi - lo), 1e-9) and
             close(v("collectd_g6_index_atm_iv_percentile_ratio", type="this_week"),
                   sum(1 for c in seed_closes if c < iv) / 30.0, 1e-12) and
             v("collectd_g6_index_atm_iv_history_days", type="this_week") == 30,
             "this_week: IV rank and percentile of ATM IV %.4f over its 30 kept "
             "closes" % iv)
        t.ok(math.isnan(v("collectd_g6_index_atm_iv_rank_ratio", type="next_week")) and
             v("collectd_g6_index_atm_iv_history_days", type="next_week") == 0,
             "next_week: no close kept, rank NaN, 0 days (IVRankMinDays 25)")

    # ---------------------------------------------------------------- run 2
    m.clock(advance=900)
    m.set_faults({"market": {"no_vix": True}})
    with t.Collectd(plugins=plugins, config=conf, rrd=rrd) as cd:
        got = cd.wait_for("collectd_g6_index_buildup_legs", 30,
                          predicate=lambda v: not math.isnan(v),
                          g6_index="NIFTY", type="this_week.call.long_buildup")
        t.ok(got, "the second cycle's build-up counts are exported")
        t.wait_until(lambda: False, 1.5)
        samples = cd.samples()

        def v(name, **labels):
            s = t.select(samples, name, g6_index="NIFTY", **labels)
            return s[0].value if len(s) == 1 else None

        t.ok(cd.wait_log(r"g6_chain: NIFTY: continuing today's session from the "
                         r"latest snapshot \(\d+ contracts", 5),
             "g6_chain takes the session's state back from the snapshot")
        s1, s2 = snapshots()
        t.ok(s2["seq"] == 2 and s2["vix"] is None and
             math.isnan(v("collectd_g6_index_vix_points")) and
             cd.wait_log(r"\[warning\] g6_chain: NIFTY: the answer has no quote for "
                         r"the volatility index NSE:INDIA VIX ", 5),
             "India VIX withheld by the provider: null in the snapshot, NaN in "
             "the metric, a warning")
        first_seen = {}
        for s in (s1, s2):
            for x in s["expiries"]:
                for l in kept(x):
                    first_seen.setdefault((x["date"], l["strike"], l["type"]), l["oi"])
        classes_seen = set()
        for x2 in s2["expiries"]:
            tag = x2["tag"]
            x1 = next(x for x in s1["expiries"] if x["tag"] == tag)
            t.ok(close(v("collectd_g6_index_atm_straddle_open_points", type=tag),
                       open_straddle[tag], 1e-12),
                 "%s: the straddle at the open survived the restart (%.2f), now %.2f"
                 % (tag, open_straddle[tag], straddle(s2, x2)))
            for side, typ in (("call", "CE"), ("put", "PE")):
                want = sum(l["oi"] - first_seen[(x2["date"], l["strike"], typ)]
                           for l in kept(x2) if l["type"] == typ) / LOT
                t.ok(close(v("collectd_g6_index_oi_change_contracts",
                             type="%s.%s" % (tag, side)), want, 1e-12),
                     "%s %s: OI change since the first cycle %+.0f contracts" %
                     (tag, side, want))
                prev = {l["strike"]: l for l in kept(x1) if l["type"] == typ}
                count = {c: 0 for c in CLASSES.values()}
                for l in kept(x2):
                    p = prev.get(l["strike"])
                    if l["type"] != typ or p is None:
                        continue
                    k = (direction(p["last"], l["last"], 0.05, 0.005),
                         direction(p["oi"], l["oi"], LOT, 0.005))
                    if k in CLASSES:
                        count[CLASSES[k]] += 1
                got = {c: v("collectd_g6_index_buildup_legs",
                            type="%s.%s.%s" % (tag, side, c)) for c in count}
                classes_seen |= {c for c, n in count.items() if n}
                t.ok(got == count, "%s %s: build-up since the previous cycle %r" %
                     (tag, side, count), "got %r" % got)
        t.ok(len(classes_seen) >= 3,
             "the mock's market moves: %d of the four build-up classes occur" %
             len(classes_seen), repr(classes_seen))

        # every query of the options desk dashboard, through Prometheus
        inv = subprocess.run([t.build_path("g6"), "spec", "inventory", "--metrics",
                              "--root", t.ROOT], stdout=subprocess.PIPE, check=True)
        queries = [json.loads(l) for l in inv.stdout.decode().splitlines()
                   if '"kind":"query"' in l]
        queries = [q for q in queries if q["dashboard"] == "desk"]
        with t.Prometheus(["127.0.0.1:%d" % cd.port]) as prom:
            t.ok(prom.wait_query('up{job="collectd"} == 1', 60), "Prometheus scrapes collectd")
            finite = lambda x: not math.isnan(x)
            # VIX is withheld in this run: its panel is proven in spec_e2e.t
            missing = [q["panel"] for q in queries if "vix" not in q["expr"] and
                       not prom.wait_query(q["expr"], 20, predicate=finite)]
            t.ok(len(queries) > 15 and not missing,
                 "%d queries of the options desk dashboard return finite data"
                 % (len(queries) - 2), "no data: %r" % missing)
    with open(hist_path, "rb") as f:
        t.ok(f.read() == seeded, "no close is added while the session goes on")

# -------------------------------------------------------------------- run 3
# the latest snapshot becomes yesterday's: its session is over, so its close
# goes into the history, once
latest = os.path.join(data, "snapshots", "NIFTY.json")
with open(latest) as f:
    snap = json.load(f)
snap["generated_at"] -= 86400
snap["seq"] += 1
snap["timestamp"] = time.strftime("%d-%m-%Y %H:%M:%S",
                                  time.gmtime(snap["generated_at"] // 30 * 30 + IST))
with open(latest + ".tmp", "w") as f:
    json.dump(snap, f)
os.replace(latest + ".tmp", latest)
yesterday = ist_date(snap["generated_at"])
conf3 = """
<Plugin g6_analytics>
  DataDir "%s"
  Groups "term_structure" "desk"
</Plugin>
<Plugin g6_retention>
  DataDir "%s"
  ScanInterval 1
</Plugin>
""" % (data, data)
for attempt in (1, 2):
    with t.Collectd(plugins=["g6_analytics", "g6_retention"], config=conf3,
                    rrd=False) as cd:
        iv = cd.wait_for("collectd_g6_index_atm_iv_ratio", 20,
                         predicate=lambda v: not math.isnan(v),
                         g6_index="NIFTY", type="this_week")
        files = cd.wait_for("collectd_g6_retention_data_files", 20,
                            predicate=lambda v: v == 1,
                            g6_retention="NIFTY", type="iv_history")
        t.wait_until(lambda: False, 1.5)
        with open(hist_path) as f:
            text = f.read()
        lines = [l for l in text.splitlines() if l.startswith(yesterday)]
        want = [cd.value("collectd_g6_index_atm_iv_ratio", g6_index="NIFTY", type=tag)
                for tag in TAGS]
        if attempt == 1:
            cells = lines[0].split(",") if len(lines) == 1 else []
            t.ok(text.startswith(seeded.decode()) and len(cells) == 5 and
                 all(close(float(c), w, 1e-12) for c, w in zip(cells[1:4], want)) and
                 cells[4] == "",
                 "the close of %s is added to the history: the ATM IV of each tag "
                 "(%s)" % (yesterday, lines), text[-300:])
            t.ok(cd.wait_log(r"g6_analytics: NIFTY: kept the ATM IV close of %s"
                             % yesterday, 5), "and logged")
        else:
            t.ok(len(lines) == 1 and not cd.wait_log("kept the ATM IV close", 1),
                 "a restart reading the same session again adds nothing")
        t.ok(files, "g6_retention counts the history as its own kind (iv_history), "
                    "not unmatched")
t.done_testing()
