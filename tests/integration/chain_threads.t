#!/usr/bin/env python3
"""g6_chain never holds collectd's read threads, and stops promptly.

1. Canary: the stock `load` plugin reads every second on collectd's default
   5 read threads next to g6_chain collecting five indices at Kite's default
   rate limit (1 /quote request per second), which needs ~15 s of quote
   requests per round of 10 s: every index overruns. Before g6_chain had
   threads of its own, `load` lost a fifth of its one-second slots (5-7 s
   gaps once per index cycle). The stock `csv` plugin records when `load`
   values were read; `load` must keep >= 99 % of its slots, while g6_chain
   demonstrably collected, waited on the rate limiter and counted overruns.
2. Shutdown during a provider stall: every /quote request hangs for a minute;
   SIGTERM must stop collectd within a few seconds (stalled transfers are
   aborted), not after the stall."""
import glob
import math
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

INDICES = ["NIFTY", "BANKNIFTY", "FINNIFTY", "MIDCPNIFTY", "SENSEX"]
WINDOW = 40  # seconds of load values judged


def chain_conf(d, m, key, tok, side, interval, extra_provider=""):
    blocks = "".join("""
  <Index "%s">
    StrikesBelowATM %d
    StrikesAboveATM %d
    Expiry "this_week" "next_week" "this_month" "next_month"
    Interval %d
  </Index>""" % (ix, side, side, interval) for ix in INDICES)
    return """
<Plugin g6_chain>
  DataDir "%s/data"
  ForceOpen true
  Fsync "never"
  <Provider "kite">
    URL "%s"
    APIKeyFile "%s"
    AccessTokenFile "%s"
%s
  </Provider>%s
</Plugin>
""" % (d, m.url, key, tok, extra_provider, blocks)


# ---- 1. the canary ---------------------------------------------------------
d = t.workdir()
with t.MockD(args=["--strikes", "80"]) as m:
    key, tok = m.write_credentials(d)
    csv_dir = os.path.join(d, "csv")
    conf = """
PluginDir "%s"
<LoadPlugin load>
  Interval 1
</LoadPlugin>
LoadPlugin csv
<Plugin csv>
  DataDir "%s"
  StoreRates false
</Plugin>
""" % (t.STOCK_PLUGINDIR, csv_dir) + chain_conf(d, m, key, tok, 60, 10)
    # collectd's defaults: ReadThreads 5, Interval 10 for g6_chain's metrics
    with t.Collectd(plugins=["g6_chain"], config=conf, interval=10, rrd=False) as cd:
        t0 = time.time()
        t.wait_until(lambda: False, WINDOW + 8)
        smp = cd.samples()

        def total(name, **labels):
            return sum(s.value for s in t.select(smp, name, **labels))

        quotes_ok = total("collectd_g6_api_calls_total", g6_api="quote", type="ok")
        waits = total("collectd_g6_api_ratelimit_wait_seconds_count_total", g6_api="quote")
        overruns = total("collectd_g6_index_overrun_cycles_total")
        cpu = total("collectd_g6_index_cycle_cpu_microseconds_total")
        t.ok(quotes_ok >= 20, "g6_chain collected meanwhile (%d /quote calls)" % quotes_ok)
        t.ok(waits >= 20, "the quote requests queued at the 1/s rate limit (%d waits)" % waits)
        t.ok(overruns >= 1, "cycles overran their interval and were counted (%d)" % overruns)
        t.ok(cpu > 0, "the cycles' thread CPU time is exported (%d us)" % cpu)
        lag = t.select(smp, "collectd_g6_index_cycle_lag_seconds")
        t.is_(len(lag), len(INDICES), "the cycle lag is exported per index")
        t.ok(any(s.value > 0 for s in lag), "some index reports a lag behind schedule",
             lag)

    files = glob.glob(os.path.join(csv_dir, "*", "load", "load-*"))
    slots = set()
    for path in files:
        with open(path) as f:
            for line in f:
                if line[:1].isdigit():
                    slots.add(math.floor(float(line.split(",")[0])))
    # judge whole seconds from 5 s after start (collectd's own start-up)
    first = math.floor(t0) + 5
    want = set(range(first, first + WINDOW))
    got = want & slots
    missing = sorted(want - slots)
    t.ok(len(got) >= 0.99 * len(want),
         "load kept %d of its %d one-second slots next to g6_chain (>= 99 %%)"
         % (len(got), len(want)),
         "missing slots (relative): %s" % [s - first for s in missing])

# ---- 2. shutdown while every /quote request stalls ---------------------------
d = t.workdir()
with t.MockD(args=["--strikes", "40", "--fault", "quote.stall=-1",
                   "--fault", "quote.stall_s=60"]) as m:
    key, tok = m.write_credentials(d)
    cd = t.Collectd(plugins=["g6_chain"],
                    config=chain_conf(d, m, key, tok, 10, 10,
                                      "    Timeout 120\n    RetryBudget 600"),
                    interval=10, rrd=False)
    t.ok(cd.start(), "collectd starts against a stalling provider")
    # every index is now inside a stalled /quote transfer (the underlying's
    # /quote/ltp is answered; the option quotes hang)
    t.wait_until(lambda: False, 4)
    cd.stop()
    # the same stall at Interval 1: a stuck cycle shows while it lasts (the
    # lag and the overrun came only when it ended, and it looked on time)
    d2 = t.workdir()
    cd2 = t.Collectd(plugins=["g6_chain"],
                     config=chain_conf(d2, m, key, tok, 10, 1,
                                       "    Timeout 120\n    RetryBudget 600"),
                     interval=1, rrd=False)
    with cd2:
        lag = cd2.wait_for("collectd_g6_index_cycle_lag_seconds", 20, g6_index="NIFTY",
                           predicate=lambda v: v >= 3)
        smp = cd2.samples()
        over = t.select(smp, "collectd_g6_index_overrun_cycles_total", g6_index="NIFTY")
        done = t.select(smp, "collectd_g6_index_cycle_seconds_count_total", g6_index="NIFTY")
        t.ok(lag and over and over[0].value >= 1 and done and done[0].value == 0,
             "a cycle stuck in a stalled transfer: its lag grows past 3 s and the "
             "overrun is counted before it ends (no cycle has ended)",
             repr((lag, over, done)))
    cd = t.Collectd(plugins=["g6_chain"],
                    config=chain_conf(d, m, key, tok, 10, 10,
                                      "    Timeout 120\n    RetryBudget 600"),
                    interval=10, rrd=False)
    t.ok(cd.start(), "collectd starts again against the stalling provider")
    t.wait_until(lambda: False, 4)
    t0 = time.monotonic()
    rc = cd.proc.stop(timeout=15)
    took = time.monotonic() - t0
    t.ok(rc is not None and took < 3.0,
         "SIGTERM during stalled transfers: collectd exits in %.2f s (< 3 s)" % took,
         cd.log()[-3000:])
    t.ok(not cd.unexpected_errors(), "no unexpected errors at shutdown",
         "\n".join(cd.unexpected_errors()[:10]))
    # a normal stop is no provider failure: no "nothing collected: ...
    # cancelled (connection)" per index, no "retrying" of an aborted call
    noise = [l for l in cd.log().splitlines() if "cancelled" in l or "retrying" in l]
    t.ok(not noise, "the stop logs no cancelled transfers as failures", "\n".join(noise[:10]))
t.done_testing()
