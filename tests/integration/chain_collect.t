#!/usr/bin/env python3
"""g6_chain in the real collectd against g6-mockd on loopback.

NIFTY runs one cycle (Interval 3600) so its CSV rows, snapshot and metrics
describe the same instant; they are checked against an independent
recomputation from the mock's own quotes and instrument list (the mock's
clock is frozen, so it serves the same quotes to the test): prices, volumes,
OI, the expiry each rule resolves to, ATM, IV (bisection) and Greeks
(textbook BSM), PCR, masks. BANKNIFTY cycles every second to show several
cycles: the snapshot sequence grows, one CSV row per 30-second slot, no
duplicate and no torn line."""
import csv
import datetime
import glob
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6ref as ref
import g6test as t

R = 0.065
IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
TAGS = ["this_week", "next_week", "this_month", "next_month"]


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


def resolve(listed, tag):
    """The reference doc's rules (§1.7) on sorted future dates."""
    anchors = [d for i, d in enumerate(listed)
               if i + 1 == len(listed) or listed[i + 1][:7] != d[:7]]
    return {"this_week": listed[0], "next_week": listed[1],
            "this_month": anchors[0], "next_month": anchors[1]}[tag]


def ist_ts(epoch):
    """30-second rounding (remainder < 15 s down), IST, DD-MM-YYYY HH:MM:SS."""
    e = int(epoch)
    e = e - e % 30 + (30 if e % 30 >= 15 else 0)
    return datetime.datetime.fromtimestamp(e, IST).strftime("%d-%m-%Y %H:%M:%S")


clock = int(time.time())
with t.MockD(clock=clock) as m:
    d = t.workdir()
    data = os.path.join(d, "data")
    keyf, tokf = m.write_credentials(d)
    conf = """
<Plugin g6_chain>
  DataDir "%s"
  ForceOpen true
  MaxQuoteAge 0
  RiskFreeRate %g
  Fsync "always"
  <Provider "kite">
    URL "%s"
    APIKeyFile "%s"
    AccessTokenFile "%s"
    QuoteRequestsPerSecond 100
    QuoteBurst 10
  </Provider>
  <Index "NIFTY">
    StrikesBelowATM 4
    StrikesAboveATM 4
    Expiry "this_week" "next_week" "this_month" "next_month"
    Interval 3600
  </Index>
  <Index "BANKNIFTY">
    StrikesBelowATM 2
    StrikesAboveATM 2
    Expiry "this_week" "next_month"
    Interval 1
  </Index>
</Plugin>
""" % (data, R, m.url, keyf, tokf)

    def snapshot(ix):
        return t.snapshot(data, ix)

    with t.Collectd(plugins=["g6_chain"], config=conf) as cd:
        bn = t.wait_until(lambda: (snapshot("BANKNIFTY") or {}).get("seq", 0) >= 4
                          and snapshot("BANKNIFTY"), 40)
        t.ok(bn, "BANKNIFTY ran several cycles (snapshot seq >= 4)")
        nifty = t.wait_until(lambda: snapshot("NIFTY"), 20)
        t.ok(nifty and nifty["seq"] == 1, "NIFTY ran exactly one cycle")
        # the metrics of that cycle (flushed every interval)
        spot_s = cd.wait_for("collectd_g6_index_spot_points", g6_index="NIFTY",
                             predicate=lambda v: v > 0)
        samples = cd.samples()
    t.ok(cd.wait_log(r"g6_chain: collecting 2 index\(es\)", 1),
         "the plugin logged what it collects")

    # ---------------------------------------------------------- reference --
    und = m.quote(["NSE:NIFTY 50"])["data"]["NSE:NIFTY 50"]
    spot = und["last_price"]
    # India VIX, quoted with the underlying (VolatilityIndex by default)
    vix = m.quote(["NSE:INDIA VIX"])["data"]["NSE:INDIA VIX"]["last_price"]
    step = 50
    atm = ref.atm(spot, step)
    strikes = [atm + i * step for i in range(-4, 5)]
    now_ist = datetime.datetime.fromtimestamp(nifty["generated_at"], IST)
    # an expiry passes at 15:30 IST: from then on the next one is nearest
    first_day = (now_ist.date() + datetime.timedelta(
        days=1 if (now_ist.hour, now_ist.minute) >= (15, 30) else 0)).isoformat()
    inst = {}
    listed = set()
    for row in csv.DictReader(m.instruments_csv().splitlines()):
        if row["name"] == "NIFTY" and row["segment"] == "NFO-OPT":
            inst[(row["expiry"], float(row["strike"]), row["instrument_type"])] = \
                row["exchange"] + ":" + row["tradingsymbol"]
            if row["expiry"] >= first_day:
                listed.add(row["expiry"])
    listed = sorted(listed)

    t.is_(nifty["spot"], spot, "snapshot spot is the mock's index price")
    t.is_(nifty["atm"], atm, "ATM is spot rounded half-to-even to the step")
    t.is_(nifty["strikes"], strikes, "strike ladder ATM-4..ATM+4")
    t.is_(nifty["status"], "OK", "index status OK")

    ts = ist_ts(nifty["generated_at"])
    t.is_(nifty["timestamp"], ts, "snapshot timestamp is IST rounded to 30 s")
    file_date = datetime.datetime.strptime(ts, "%d-%m-%Y %H:%M:%S").date().isoformat()

    bad_rows, checked, iv_err, greek_err, no_iv = [], 0, 0.0, 0.0, 0
    no_iv_by_tag = {}  # legs no volatility reprices (expiry day, in the money)
    pcr = {}
    for x in nifty["expiries"]:
        tag = x["tag"]
        want_date = resolve(listed, tag)
        t.is_((x["date"], x["status"], x["legs_collected"]),
              (want_date, "OK", 18), "%s resolves to %s, all 18 legs kept" % (tag, want_date))
        T = x["T"]
        exp_epoch = datetime.datetime.fromisoformat(want_date + "T15:30:00+05:30").timestamp()
        t.ok(abs(T - (exp_epoch - nifty["generated_at"]) / ref.YEAR) < 1.0 / ref.YEAR,
             "%s: T counts to 15:30 IST on the expiry date" % tag)
        keys = [inst[(want_date, float(k), typ)] for k in strikes for typ in ("CE", "PE")]
        quotes = m.quote(keys)["data"]
        put_oi = call_oi = 0
        for k in strikes:
            off = int(k - atm)
            path = os.path.join(data, "NIFTY", tag, "%+d" % off if off else "0",
                                file_date + ".csv")
            rows = read_csv(path)
            if rows[0][0] != "timestamp" or len(rows) != 2 or len(rows[1]) != 32:
                bad_rows.append("%s: %r" % (path, rows))
                continue
            row = rows[1]
            ce = quotes[inst[(want_date, float(k), "CE")]]
            pe = quotes[inst[(want_date, float(k), "PE")]]
            call_oi += ce["oi"]
            put_oi += pe["oi"]
            want = [ts, "NIFTY", tag, want_date, str(off), repr(float(spot)), str(int(atm)),
                    str(int(k)), repr(float(ce["last_price"])), repr(float(pe["last_price"])),
                    repr(float(ce["last_price"]) + float(pe["last_price"])),
                    repr(float(ce["average_price"])), repr(float(pe["average_price"])),
                    repr(float(ce["average_price"]) + float(pe["average_price"])),
                    str(ce["volume"]), str(pe["volume"]), str(ce["oi"]), str(pe["oi"])]
            if row[:18] != want or row[30:] != ["0.0", "0.0"]:
                bad_rows.append("%s:\n got  %s\n want %s" % (path, row, want))
                continue
            for col, q, put in ((18, ce, False), (19, pe, True)):
                iv = float(row[col])
                iv_ref = ref.implied_vol(put, spot, k, T, R, 0.0, float(q["last_price"]))
                if iv_ref is None:
                    # no volatility reprices it (at or below its intrinsic
                    # value: deep in the money near expiry, on the tick
                    # grid): g6 writes 0.0, "not available", for the IV and
                    # every Greek
                    got = [float(row[c + (1 if put else 0)]) for c in (18, 20, 22, 24, 26, 28)]
                    if any(v != 0.0 for v in got):
                        bad_rows.append("%s: no IV reprices %s, yet %r" % (
                            path, q["last_price"], got))
                    no_iv += 1
                    no_iv_by_tag[tag] = no_iv_by_tag.get(tag, 0) + 1
                    continue
                iv_err = max(iv_err, abs(iv - iv_ref))
                g = ref.bsm(put, spot, k, T, R, 0.0, iv)
                # delta, theta, vega, gamma, rho columns (CE/PE interleaved)
                got = [float(row[c + (1 if put else 0)]) for c in (20, 22, 24, 26, 28)]
                want_g = [g[1], g[3], g[4], g[2], g[5]]
                for a, b in zip(got, want_g):
                    greek_err = max(greek_err, abs(a - b) / max(abs(b), 1e-12))
            checked += 1
        pcr[tag] = put_oi / call_oi
        t.ok(abs(x["pcr_oi"] - pcr[tag]) <= 1e-12 * pcr[tag],
             "%s: snapshot PCR = sum put OI / sum call OI of the mock's quotes" % tag)
        leg_last = {(l["strike"], l["type"]): l["last"] for l in x["legs"]}
        mismatch = [kt for kt, v in leg_last.items()
                    if v != quotes[inst[(want_date, float(kt[0]), kt[1])]]["last_price"]]
        t.ok(len(x["legs"]) == 18 and not mismatch,
             "%s: snapshot legs carry the mock's last prices" % tag, mismatch)
    t.ok(not bad_rows and checked == 36,
         "36 CSV rows (4 expiries x 9 strikes) equal the mock's quotes field by field",
         "\n".join(bad_rows[:5]))
    t.ok(iv_err <= 1e-8, "IV in every CSV row matches an independent bisection "
         "(max |diff| %.2e; %d legs no volatility reprices, written 0.0)"
         % (iv_err, no_iv))
    t.ok(greek_err <= 1e-9, "Greeks in every CSV row match textbook BSM at that IV "
         "(max rel diff %.2e)" % greek_err)

    ov = read_csv(os.path.join(data, "overview", "NIFTY", file_date + ".csv"))
    t.is_(len(ov), 2, "one overview row after one cycle")
    row = ov[1]
    t.is_(row[:2] + row[6:], [ts, "NIFTY", str(int(und["ohlc"]["high"] - und["ohlc"]["low"])),
                              repr(float(spot)), "0.0", "0.0", repr(float(vix)), "4", "4",
                              "15", "15", "0"],
          "overview: day width (int), index price, changes, VIX, counts and masks")
    t.ok(all(abs(float(row[2 + i]) - pcr[tag]) <= 1e-12 * pcr[tag] for i, tag in enumerate(TAGS)),
         "overview PCR per tag equals the recomputed PCR")

    # ------------------------------------------------------------- metrics --
    def val(name, **labels):
        found = t.select(samples, name, **labels)
        return found[0].value if len(found) == 1 else None

    t.close_to(val("collectd_g6_index_spot_points", g6_index="NIFTY"), spot, 1e-6,
               "metric: spot")
    t.is_(val("collectd_g6_index_atm_strike_points", g6_index="NIFTY"), atm, "metric: ATM")
    t.is_(val("collectd_g6_index_market_open_state", g6_index="NIFTY"), 1.0,
          "metric: market open (ForceOpen)")
    for tag in TAGS:
        lab = dict(g6_index="NIFTY", type=tag)
        t.is_((val("collectd_g6_index_requested_legs", **lab),
               val("collectd_g6_index_collected_legs", **lab),
               val("collectd_g6_index_strike_coverage_ratio", **lab),
               val("collectd_g6_index_chain_status", **lab),
               val("collectd_g6_index_iv_solves_total", **lab)),
              (18.0, 18.0, 1.0, 0.0, 18.0 - no_iv_by_tag.get(tag, 0)),
              "metrics %s: legs requested/collected, coverage, status OK, IV solves "
              "(all but the %d no volatility reprices)" % (tag, no_iv_by_tag.get(tag, 0)))
        t.close_to(val("collectd_g6_index_put_call_ratio", **lab), pcr[tag], 1e-9 * pcr[tag],
                   "metric %s: PCR" % tag)
    csv_rows = sum(s.value for s in t.select(samples, "collectd_g6_csv_written_rows_total",
                                             g6_csv="NIFTY"))
    t.is_(csv_rows, 37.0, "metric: 37 CSV rows written for NIFTY (36 + overview)")
    t.ok((val("collectd_g6_api_calls_total", g6_api="quote", type="ok") or 0) >= 2,
         "metric: successful quote calls counted")
    t.is_(val("collectd_g6_api_calls_total", g6_api="instruments", type="ok"), 1.0,
          "metric: one instruments download shared by both indices")
    t.ok(abs((val("collectd_g6_index_last_success_timestamp_seconds", g6_index="NIFTY") or 0)
             - nifty["generated_at"]) <= 1, "metric: last success time")
    cycles = val("collectd_g6_index_cycle_seconds_count_total", g6_index="BANKNIFTY")
    t.ok(cycles is not None and cycles >= 3,
         "metric: cycle duration histogram counts BANKNIFTY's cycles (%r)" % cycles,
         [s for s in samples if "cycle_seconds" in s.name and "BANK" in repr(s)])
    t.is_(val("collectd_g6_api_auth_latch_state"), 0.0, "metric: no auth latch")
    t.is_(sorted(x.labels["type"] for x in t.select(
        samples, "collectd_g6_index_chain_status", g6_index="BANKNIFTY")),
        ["next_month", "this_week"], "an index only exports the expiry tags it is "
        "configured with")

    # ------------------------------------------------------ several cycles --
    bad = []
    for path in glob.glob(os.path.join(data, "BANKNIFTY", "*", "*", "*.csv")) + \
            glob.glob(os.path.join(data, "overview", "BANKNIFTY", "*.csv")):
        with open(path, "rb") as f:
            raw = f.read()
        rows = read_csv(path)
        stamps = [r[0] for r in rows[1:]]
        if not raw.endswith(b"\n") or rows[0][0] != "timestamp" or \
                len(stamps) != len(set(stamps)) or not stamps or \
                any(r[0] == "timestamp" for r in rows[1:]):
            bad.append(path)
    t.ok(not bad and glob.glob(os.path.join(data, "BANKNIFTY", "*", "*", "*.csv")),
         "BANKNIFTY files: one header, one row per 30 s slot, no torn line", bad)

t.done_testing()
