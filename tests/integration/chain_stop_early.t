#!/usr/bin/env python3
"""g6_chain stopped before its first cycle is through: promptly, cleanly.

1. During the first cycle's instruments download, the provider stalling
   every /instruments request for a minute: SIGTERM (to collectd's PID)
   aborts the transfer; collectd exits within 3 s with status 0, no crash
   and no error (no index thread is left).
2. While the first cycles wait on the Kite rate limiter: three indices
   share a quote bucket of one request per 100 s (RateLimitMaxWait 600):
   the first request takes the token and every other cycle waits for the
   next. SIGTERM ends the waits: collectd exits within 3 s, status 0, no
   crash, no error, and the index threads were not left (no "did not stop"
   line)."""
import glob
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

d = t.workdir()
INDICES = [(n, 'StrikesBelowATM 1\nStrikesAboveATM 1\nExpiry "this_week"\nInterval 1')
           for n in ("NIFTY", "BANKNIFTY", "FINNIFTY")]


def stop_quickly(cd, what):
    t0 = time.time()
    rc = cd.stop(20)
    took = time.time() - t0
    t.is_(rc, 0, "%s: SIGTERM, collectd exits with status 0" % what)
    t.ok(took < 3, "%s: within 3 s, not after the wait (%.2f s)" % (what, took))
    t.ok(not cd.crashes and not cd.unexpected_errors(),
         "%s: no crash, no error (no thread left)" % what,
         cd.crashes + cd.unexpected_errors())


# ---- 1. SIGTERM during the instruments download ---------------------------
with t.MockD(args=["--fault", "instruments.stall=-1",
                   "--fault", "instruments.stall_s=60"]) as m:
    keyf, tokf = m.write_credentials(d)
    data = os.path.join(d, "data1")
    cd = t.Collectd(plugins=["g6_chain"], config=t.chain_config(
        data, m, keyf, tokf, plugin="ForceOpen true", indices=INDICES[:1]), rrd=False)
    t.ok(cd.start(), "collectd starts against a provider stalling /instruments")
    time.sleep(2)  # the first cycle is inside the stalled download
    t.ok("Kite instruments:" not in cd.log(), "the instrument list is not in yet",
         cd.log()[-2000:])
    stop_quickly(cd, "instruments download")

# ---- 2. SIGTERM while cycles wait on the rate limiter ---------------------
with t.MockD() as m:
    keyf, tokf = m.write_credentials(d)
    data = os.path.join(d, "data2")
    cd = t.Collectd(plugins=["g6_chain"], config=t.chain_config(
        data, m, keyf, tokf, plugin="ForceOpen true",
        provider="QuoteRequestsPerSecond 0.01\nQuoteBurst 1\nRateLimitMaxWait 600",
        indices=INDICES), rrd=False)
    t.ok(cd.start(), "collectd starts with a quote bucket of one request per 100 s")
    t.ok(cd.wait_log(r"Kite instruments:", 20), "the instrument list is in",
         cd.log()[-2000:])
    time.sleep(3)  # every cycle but one waits for the next token
    wrote = [n for n, _ in INDICES if glob.glob(os.path.join(data, n, "*", "*", "*.csv"))]
    t.ok(len(wrote) <= 1, "at most one index got the token; the others wait (%s)" % wrote)
    stop_quickly(cd, "rate-limiter wait")
    t.ok("did not stop within" not in cd.log(), "no index thread was left",
         cd.log()[-2000:])

t.done_testing()
