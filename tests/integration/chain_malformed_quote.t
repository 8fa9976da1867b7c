#!/usr/bin/env python3
"""One malformed quote costs one leg, in the real collectd against g6-mockd.

Kite may send one instrument's quote with a field of the wrong type (here
g6-mockd's `malformed_quote` fault sends its volume as a JSON string). Before,
that failed the whole /quote answer: every leg of the batch and the spot were
lost for the cycle, counted as `request_failed`. Now only that leg is dropped:
its snapshot entry says `malformed_quote`, the counter
collectd_g6_index_rejected_legs_total{type="malformed_quote"} grows, the log
names the field and the instrument once per answer, and every other leg of
the answer is kept and written. Once the fault is gone the leg is back.
A quote whose time is not a time (`bad_time_quote`) keeps its leg and price,
and is counted in collectd_g6_api_unreadable_time_quotes_total."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t


def snapshot(data):
    return t.snapshot(data, "NIFTY")


def next_snapshot(data, after):
    return t.next_snapshot(data, "NIFTY", after)


d = t.workdir()
data = os.path.join(d, "data")
# the market clock frozen: a moving spot could shift the ATM strike and
# the window's legs away from the keys the faults name
with t.MockD(clock=int(time.time())) as m:
    keyf, tokf = m.write_credentials(d)
    conf = t.chain_config(data, m, keyf, tokf, plugin="ForceOpen true\nFsync \"never\"",
                          provider="QuoteRequestsPerSecond 50\nQuoteBurst 10\nCacheTTL 0",
                          indices=[("NIFTY", 'StrikesBelowATM 2\nStrikesAboveATM 2\n'
                                    'Expiry "this_week"\nInterval 1')])
    with t.Collectd(plugins=["g6_chain"], config=conf) as cd:
        s = next_snapshot(data, 0)
        t.ok(s, "NIFTY snapshots are written")
        x = s["expiries"][0]
        t.is_((x["legs_collected"], x["status"]), (10, "OK"), "a clean chain: 10 legs")
        victim = next(l for l in x["legs"] if l["strike"] == s["atm"] and l["type"] == "CE")
        m.set_faults({"market": {"malformed_quote": [victim["key"]]}})
        seq = snapshot(data)["seq"]
        s2 = next_snapshot(data, seq + 1)  # a whole cycle after the fault
        t.ok(s2, "a snapshot after the fault")
        x2 = s2["expiries"][0] if s2 else {"legs": []}
        legs = {l["key"]: l for l in x2["legs"]}
        v = legs.get(victim["key"], {})
        t.is_((v.get("reject"), v.get("kept"), v.get("last")),
              ("malformed_quote", False, None),
              "the malformed leg is dropped as malformed_quote, its price unknown")
        kept = [l for l in x2["legs"] if l["kept"]]
        t.is_((len(kept), x2.get("rejects", {}).get("malformed_quote"),
               x2.get("rejects", {}).get("request_failed", 0), s2 and s2["spot"] is not None),
              (9, 1, 0, True),
              "the other 9 legs and the spot are kept; nothing counts as request_failed")
        t.ok(cd.wait_for("collectd_g6_index_rejected_legs_total", 20, g6_index="NIFTY",
                         type="malformed_quote", predicate=lambda n: n >= 1),
             'collectd_g6_index_rejected_legs_total{type="malformed_quote"} grows')
        t.ok(cd.wait_log(r"Kite quote: 1 of \d+ quotes malformed \(dropped, the others "
                         r'kept\); first: field "volume" of "%s" is a string'
                         % victim["key"].replace("|", r"\|")),
             "the log names the field and the instrument")
        csv_path = os.path.join(data, "NIFTY", "this_week", "0")
        t.ok(os.path.isdir(csv_path) and os.listdir(csv_path),
             "the ATM strike's CSV is still written (its put arrived)")

        m.reset_faults()
        seq = snapshot(data)["seq"]
        s3 = next_snapshot(data, seq + 1)
        t.ok(s3 and s3["expiries"][0]["legs_collected"] == 10,
             "once the fault is gone all 10 legs are back")

        # a quote whose time is not a time (schema drift): kept, counted
        got = cd.wait_for("collectd_g6_api_unreadable_time_quotes_total", 10, g6_api="quote")
        t.is_([g.value for g in got], [0.0],
              "collectd_g6_api_unreadable_time_quotes_total is exported at 0 before any")
        m.set_faults({"market": {"bad_time_quote": [victim["key"]]}})
        seq = snapshot(data)["seq"]
        s4 = next_snapshot(data, seq + 1)
        v4 = {l["key"]: l for l in s4["expiries"][0]["legs"]}.get(victim["key"], {}) \
            if s4 else {}
        t.ok(v4.get("kept") and v4.get("last") is not None and
             s4["expiries"][0]["legs_collected"] == 10,
             "a leg whose quote time is unreadable keeps its price", v4)
        t.ok(cd.wait_for("collectd_g6_api_unreadable_time_quotes_total", 20, g6_api="quote",
                         predicate=lambda n: n >= 1),
             "and is counted in collectd_g6_api_unreadable_time_quotes_total")
        t.ok(cd.wait_log(r"Kite quote: 1 of \d+ quotes have a timestamp that is not a time"),
             "and named in the log")
        m.reset_faults()

t.done_testing()
