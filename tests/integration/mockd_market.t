#!/usr/bin/env python3
"""g6-mockd: Kite's shapes (checked against Zerodha's samples), Kite's auth
and version checks, a reproducible market (same seed + clock = same bytes),
realistic expiries and strikes, sane prices and profiles, faults by flag and
by the admin endpoint, request counters; its command line: an unknown option,
a taken port (with the reason) and a bad --bind are named."""
import datetime
import errno
import gzip
import json
import os
import socket
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

CLOCK = 1763700000  # Friday 2025-11-21 10:10 IST
SAMPLES = os.path.join(t.ROOT, "tests", "fuzz", "corpus", "quote")
IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))


def sample(name):
    with open(os.path.join(SAMPLES, name)) as f:
        return json.load(f)["data"]["NSE:INFY"]


def day(s):
    return datetime.date.fromisoformat(s)


with t.MockD(clock=CLOCK) as m, t.MockD(clock=CLOCK) as twin, \
        t.MockD(clock=CLOCK, seed=2) as other:
    mk = m.market()
    t.is_(mk["date"], "2025-11-21", "market date follows the frozen clock")
    nifty = mk["indices"]["NIFTY"]
    t.is_(nifty["quote_key"], "NSE:NIFTY 50", "NIFTY underlying key")
    t.is_(mk["indices"]["SENSEX"]["quote_key"], "BSE:SENSEX", "SENSEX key")
    for name, lo, hi in (("NIFTY", 20000, 32000), ("BANKNIFTY", 45000, 70000),
                         ("FINNIFTY", 20000, 33000), ("MIDCPNIFTY", 10000, 17000),
                         ("SENSEX", 70000, 100000)):
        s = mk["indices"][name]["spot"]
        t.ok(lo < s < hi, "%s spot %.2f is a realistic level" % (name, s))

    # expiries: NIFTY weekly Tuesdays, SENSEX Thursdays, monthlies last Tue/Thu
    ne = [day(x) for x in nifty["expiries"]]
    t.ok(all(d.weekday() == 1 for d in ne), "NIFTY expiries are Tuesdays")
    t.is_(ne[:2], [datetime.date(2025, 11, 25), datetime.date(2025, 12, 2)],
          "NIFTY next weeklies")
    se = [day(x) for x in mk["indices"]["SENSEX"]["expiries"]]
    t.ok(all(d.weekday() == 3 for d in se), "SENSEX expiries are Thursdays")
    be = [day(x) for x in mk["indices"]["BANKNIFTY"]["expiries"]]
    t.ok(len(be) == 3 and all(d.weekday() == 1 and
                              (d + datetime.timedelta(7)).month != d.month
                              for d in be),
         "BANKNIFTY: three monthlies on the last Tuesday", be)

    # the dump: header, strikes at the real steps, +-200 around the centre
    csv = m.instruments_csv()
    lines = csv.splitlines()
    t.is_(lines[0], "instrument_token,exchange_token,tradingsymbol,name,"
          "last_price,expiry,strike,tick_size,lot_size,instrument_type,"
          "segment,exchange", "Kite's instruments header")
    rows = [l.split(",") for l in lines[1:]]
    nf = [r for r in rows if r[3] == '"NIFTY"' and r[9] == "CE" and
          r[5] == "2025-11-25"]
    strikes = sorted(int(r[6]) for r in nf)
    t.is_(len(strikes), 401, "NIFTY: 401 strikes per expiry (centre +-200)")
    t.ok(all(b - a == 50 for a, b in zip(strikes, strikes[1:])), "NIFTY step 50")
    bn = sorted({int(r[6]) for r in rows
                 if r[3] == '"BANKNIFTY"' and r[9] in ("CE", "PE")})
    t.ok(all(b - a == 100 for a, b in zip(bn, bn[1:])), "BANKNIFTY step 100")
    t.ok(any(r[2] == "NIFTY25NOV26000CE" for r in rows) and
         any(r[2] == "NIFTY25D0226000PE" for r in rows),
         "monthly and weekly symbol formats")
    t.ok(any(r[10] == "INDICES" and r[2] == "NIFTY 50" for r in rows),
         "index rows present")
    st, body, hdr = m.get("/instruments", headers=dict(m.headers(),
                                                      **{"Accept-Encoding": "gzip"}))
    t.ok(st == 200 and hdr.get("Content-Encoding") == "gzip" and
         gzip.decompress(body).decode() == csv, "gzip when asked")

    # quote shapes: every field of Zerodha's samples is there
    keys = ["NFO:NIFTY25NOV26000CE", "NFO:NIFTY25NOV26000PE", "NSE:NIFTY 50"]
    full = m.quote(keys)
    t.is_(full["status"], "success", "quote envelope")
    opt = full["data"]["NFO:NIFTY25NOV26000CE"]
    want = set(sample("kite_quote.json"))
    t.ok(want <= set(opt), "option quote has every field of Kite's sample",
         sorted(want - set(opt)))
    t.is_(len(opt["depth"]["buy"]), 5, "five depth levels")
    t.ok(set(sample("kite_ltp.json")) ==
         set(m.quote(keys, "/quote/ltp")["data"]["NSE:NIFTY 50"]), "ltp shape")
    t.ok(set(sample("kite_ohlc.json")) ==
         set(m.quote(keys, "/quote/ohlc")["data"]["NSE:NIFTY 50"]), "ohlc shape")
    t.ok(abs(full["data"]["NSE:NIFTY 50"]["last_price"] - nifty["spot"]) < 0.06,
         "index quote = the market's spot")

    # prices: ticks of 0.05, bid <= last <= ask, calls fall with strike
    ce = ["NFO:NIFTY25D02%dCE" % k for k in range(25000, 27001, 50)]
    q = m.quote(ce)["data"]
    lp = [q[k]["last_price"] for k in ce]
    t.ok(all(abs(p * 20 - round(p * 20)) < 1e-6 for p in lp), "prices on 0.05 ticks")
    t.ok(all(a >= b for a, b in zip(lp, lp[1:])), "call prices fall with strike")
    t.ok(all(q[k]["depth"]["buy"][0]["price"] <= q[k]["last_price"] <=
             q[k]["depth"]["sell"][0]["price"] for k in ce), "bid <= last <= ask")
    oi = {k: q[k]["oi"] for k in ce}
    top = max(oi, key=oi.get)
    t.ok(abs(int(top[-7:-2]) - nifty["spot"]) < 500,
         "call OI peaks near the money (%s)" % top)
    pe = ["NFO:NIFTY25D02%dPE" % k for k in (25000, 27000)]
    pq = m.quote(pe)["data"]
    t.ok(pq[pe[0]]["oi"] > pq[pe[1]]["oi"], "puts heavier below the money")

    # reproducible: same seed and clock = same bytes (another process too)
    a = m.get("/quote", {"i": ce})[1]
    t.is_(m.get("/quote", {"i": ce})[1], a, "same request, same bytes")
    t.is_(twin.get("/quote", {"i": ce})[1], a, "another mock, same seed: same bytes")
    t.ok(other.get("/quote", {"i": ce})[1] != a, "another seed: another market")
    m.clock(advance=60)
    t.ok(m.get("/quote", {"i": ce})[1] != a, "advancing the clock moves prices")
    m.clock(epoch=CLOCK)
    t.is_(m.get("/quote", {"i": ce})[1], a, "setting the clock back reproduces")

    # Kite's checks
    st, body, _ = m.get("/quote", {"i": keys}, headers={"X-Kite-Version": "3"})
    doc = json.loads(body)
    t.ok(st == 403 and doc["error_type"] == "TokenException" and
         doc["status"] == "error", "no auth header: 403 TokenException")
    st, body, _ = m.get("/quote", {"i": keys}, headers={
        "Authorization": m.headers()["Authorization"]})
    t.ok(st == 400 and json.loads(body)["error_type"] == "InputException",
         "no X-Kite-Version: 400 InputException")
    st, body, _ = m.get("/quote", {"i": ["NSE:X%d" % i for i in range(501)]})
    t.is_(st, 400, "more than 500 instruments refused")

    # admin faults and counters
    m.reset_requests()
    m.set_faults({"quote": {"http5xx": 1, "ratelimit": 1}})
    codes = [m.get("/quote", {"i": keys})[0] for _ in range(3)]
    t.is_(codes, [429, 503, 200], "count faults fire once each, in order")
    r = m.requests()["quote"]
    t.is_((r["total"], r["by_status"]), (3, {"200": 1, "429": 1, "503": 1}),
          "requests counted per status")
    m.set_faults({"market": {"missing_index": "FINNIFTY",
                             "remove_expiry": "NIFTY:2025-12-02"}})
    csv2 = m.instruments_csv()
    t.ok('"FINNIFTY"' not in csv2 and "2025-12-02" not in csv2,
         "missing index and removed expiry leave the dump")
    t.ok("NFO:NIFTY25D0226000CE" not in m.quote(["NFO:NIFTY25D0226000CE"])["data"],
         "and their quotes")
    t.ok("2025-12-02" not in m.market()["indices"]["NIFTY"]["expiries"],
         "and the market listing")
    m.reset_faults()
    t.ok("2025-12-02" in m.instruments_csv(), "reset restores the dump")
    # an expiry moved off a holiday: to the previous weekday (Tuesday
    # 2025-12-02 -> Monday 2025-12-01), its weekly symbol carrying the date
    m.set_faults({"market": {"move_expiry": "NIFTY:2025-12-02"}})
    listed = m.market()["indices"]["NIFTY"]["expiries"]
    t.ok("2025-12-01" in listed and "2025-12-02" not in listed,
         "move_expiry moves a listed expiry to the previous weekday", listed)
    q = m.quote(["NFO:NIFTY25D0126000CE", "NFO:NIFTY25D0226000CE"])["data"]
    t.ok(list(q) == ["NFO:NIFTY25D0126000CE"], "its symbol carries the new date", q)
    m.reset_faults()
    # a 429 with Retry-After, and Kite error bodies for every Nth request
    m.set_faults({"quote": {"ratelimit": 1, "retry_after": 7}})
    st, body, hdrs = m.get("/quote", {"i": ["NSE:NIFTY 50"]})
    t.ok(st == 429 and hdrs.get("Retry-After") == "7", "429 carries Retry-After", hdrs)
    m.set_faults({"quote": {"error_every": 2, "error_status": 403,
                            "error_body": "PermissionException"}})
    got = [m.get("/quote", {"i": ["NSE:NIFTY 50"]}) for _ in range(4)]
    t.is_([g[0] for g in got], [200, 403, 200, 403], "error_every=2 fails every second request")
    t.is_(json.loads(got[1][1])["error_type"], "PermissionException", "with Kite's error body")
    m.set_faults({"quote": {"error_every": 0, "error": 1, "error_status": 502,
                            "error_body": "html"}})
    st, body, hdrs = m.get("/quote", {"i": ["NSE:NIFTY 50"]})
    t.ok(st == 502 and body.startswith(b"<html>") and "text/html" in hdrs.get("Content-Type", ""),
         "error_body=html: a proxy's page, not Kite's JSON")
    m.reset_faults()
    st, body, _ = m.get("/nope")
    t.is_(st, 404, "unknown route 404")

# faults by command-line flag
with t.MockD(clock=CLOCK, faults=["quote.malformed=1", "all.latency_ms=0",
                                  "quote.drift=-1", "quote.drift_mode=rename"]) as m:
    st, body, _ = m.get("/quote", {"i": ["NSE:NIFTY 50"]})
    try:
        json.loads(body)
        parsed = True
    except ValueError:
        parsed = False
    t.ok(st == 200 and not parsed, "--fault quote.malformed=1: invalid JSON")
    doc = json.loads(m.get("/quote", {"i": ["NSE:NIFTY 50"]})[1])
    t.ok("lastPrice" in doc["data"]["NSE:NIFTY 50"], "--fault drift rename")
    t.is_(m.faults()["quote"]["drift"], -1, "GET /admin/faults reflects flags")

p = t.Process([t.build_path("g6-mockd"), "--help"], os.path.join(t.workdir(), "h"))
p.start()
p.proc.wait(10)
t.ok(p.proc.returncode == 0 and "--fault" in p.output(), "--help")
r = subprocess.run([t.build_path("g6-mockd"), "--version"], capture_output=True, text=True,
                   timeout=10)
g6v = subprocess.run([t.build_path("g6"), "version"], capture_output=True, text=True, timeout=10)
t.ok(r.returncode == 0 and r.stdout == g6v.stdout.splitlines(True)[0] and not r.stderr,
     "--version prints the first line of `g6 version` (help2man reads it)",
     r.stdout + r.stderr)
p = t.Process([t.build_path("g6-mockd"), "--fault", "quote.bogus=1"],
              os.path.join(t.workdir(), "b"))
p.start()
p.proc.wait(10)
t.ok(p.proc.returncode == 2 and "unknown fault" in p.output(), "bad flags refused")


def mockd(*args):
    r = subprocess.run([t.build_path("g6-mockd")] + list(args), capture_output=True,
                       text=True, timeout=10)
    return r.returncode, r.stderr


rc, err = mockd("--bogus")
t.ok(rc == 2 and "unknown option --bogus" in err, "an unknown option is named as such", err)
rc, err = mockd("--bogus", "1")
t.ok(rc == 2 and "unknown option --bogus" in err, "with a value after it too", err)
rc, err = mockd("--port")
t.ok(rc == 2 and "--port needs a value" in err, "a known option without its value", err)
holder = socket.socket()
holder.bind(("127.0.0.1", 0))
holder.listen()
taken = holder.getsockname()[1]
rc, err = mockd("--port", str(taken))
t.ok(rc == 1 and "cannot listen on 127.0.0.1:%d" % taken in err
     and os.strerror(errno.EADDRINUSE) in err,
     "a taken port: the address and the reason (%s)" % os.strerror(errno.EADDRINUSE), err)
holder.close()
rc, err = mockd("--bind", "1.2.3")
t.ok(rc == 1 and "1.2.3" in err and "not an IPv4 address" in err,
     "a --bind that is not an IPv4 address says so", err)
t.done_testing()
