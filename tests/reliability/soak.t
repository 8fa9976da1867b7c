#!/usr/bin/env python3
"""Soak: collectd with every g6 plugin at a fast interval — g6_chain with the
five indices cycling every 0.2 s, g6_analytics, g6_panels, g6_retention,
g6_info — against g6-mockd for at least G6_SOAK_CYCLES (10,000) index
cycles, while provider and market faults are switched on and off through
g6-mockd's admin endpoint (7 s on, 8 s off, one after the other: 5xx,
malformed and truncated bodies, timeouts, 429s, Kite error types, a proxy's
HTML, schema drift, a huge body, bad prices, a missing index, an auth
failure renewed through the token file).

Checks, after a warm-up (the first fifth of the cycles):
  - RSS growth <= 2 MiB: the mean RSS of the last tenth of the samples
    minus that of the first tenth after warm-up (the samples are taken every
    2 s from /proc/<pid>/status; the curve is printed);
  - no file descriptor leak: with the faults off at the end, collectd holds
    no more descriptors than it did at the end of the warm-up (plus the
    connections the HTTP client may keep, one per index at most);
  - every cycle accounted for in the metrics, per index: the outcomes of
    collectd_g6_index_cycles_total add up to the cycle histogram's count,
    and the count fits the wall clock (count x interval <= elapsed <=
    count x interval + the histogram's total duration: no cycle lost, none
    run twice); and every /quote request g6 counted (whatever its result,
    but circuit_open, which sends nothing) is one g6-mockd served.

`make soak` runs it (about 8 minutes; not part of make check)."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t  # noqa: E402

CYCLES = int(os.environ.get("G6_SOAK_CYCLES", "10000"))
INTERVAL = float(os.environ.get("G6_SOAK_INTERVAL", "0.2"))
INDICES = ["NIFTY", "BANKNIFTY", "FINNIFTY", "MIDCPNIFTY", "SENSEX"]
MIB = 1024 * 1024

FAULTS = [
    {"quote": {"http5xx": -1}},
    {"quote": {"malformed": -1}},
    {"quote": {"truncate": -1}},
    {"quote": {"latency_ms": 700}},
    {"quote": {"ratelimit": -1, "retry_after": 1}},
    # (a 403 here would be counted with the token rejections below)
    {"quote": {"error": -1, "error_status": 400, "error_body": "InputException"}},
    {"quote": {"error": -1, "error_status": 400, "error_body": "html"}},
    {"quote": {"drift": -1, "drift_mode": "type"}},
    {"quote": {"huge": 2}},
    {"market": {"zero_price_mod": 3, "negative_price_mod": 5}},
    {"market": {"missing_index": "BANKNIFTY"}},
    {"quote": {"error_every": 3, "error_status": 503, "error_body": "NetworkException"}},
    "auth",
]

d = t.workdir("g6-soak-")
data = os.path.join(d, "data")


def proc_status(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.strip()
    return int(fields["VmRSS"].split()[0]) * 1024, int(fields["Threads"])


def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


with t.MockD() as m:
    keyf, tokf = m.write_credentials(d)
    idx = "\n".join('<Index "%s">\n  StrikesBelowATM 3\n  StrikesAboveATM 3\n'
                    '  Expiry "this_week" "next_week"\n</Index>' % ix for ix in INDICES)
    conf = t.chain_config(data, m, keyf, tokf, plugin="""
        ForceOpen true
        Fsync "never"
        """, provider="""
        Timeout 0.5
        Retries 2
        RetryBackoff 0.05
        RetryBackoffMax 0.2
        RetryJitter 0.02
        RetryBudget 2
        QuoteRequestsPerSecond 0
        OtherRequestsPerSecond 0
        BreakerFailures 5
        BreakerMinReset 1
        BreakerMaxReset 4
        CacheTTL 0
        InstrumentsRefreshMinInterval 5
        """).replace("</Plugin>", idx + "\n</Plugin>") + t.plugins_config(
        data, os.path.join(d, "panels"), panels="FlushInterval 0.5\nIntegrityInterval 1",
        retention="ScanInterval 2\nEnabled true")
    cd = t.Collectd(plugins=["g6_chain", "g6_analytics", "g6_panels", "g6_retention",
                             "g6_info"], config=conf, rrd=False,
                    plugin_intervals={"g6_chain": INTERVAL, "g6_analytics": 0.5},
                    expected_errors=[r"g6_chain: Kite quote: .*giving up",
                                     r"g6_chain: Kite quote: credentials rejected",
                                     r"g6_chain: Kite quote: HTTP 403",
                                     r"g6_chain: Kite instruments: "])
    t.ok(cd.start(), "collectd starts with every g6 plugin")
    pid = cd.proc.pid
    started = time.monotonic()

    def cycles(samples=None):
        samples = samples if samples is not None else cd.samples()
        return {s.labels["g6_index"]: s.value for s in samples
                if s.name == "collectd_g6_index_cycle_seconds_count_total"}

    def lift(fault):
        """Switches a fault off: a rejected token is renewed the way
        operators do it, through the token file (the client stays latched
        until that file changes)."""
        if fault == "auth":
            with open(tokf + ".new", "w") as fh:
                fh.write(m.access_token + "\n")
            os.chmod(tokf + ".new", 0o600)
            os.rename(tokf + ".new", tokf)
        m.reset_faults()

    curve = []  # (seconds, total cycles, rss, fds, threads, fault on)
    warm_at, warm_fds = CYCLES // 5, None
    fault_i, fault_on, switched = 0, False, time.monotonic()
    token_n = 0
    total = 0
    deadline = started + 60 + CYCLES * INTERVAL / len(INDICES) * 4
    while total < CYCLES and time.monotonic() < deadline and cd.proc.alive():
        time.sleep(2)
        total = sum(cycles().values())
        rss, threads = proc_status(pid)
        curve.append((time.monotonic() - started, total, rss, fds(pid), threads, fault_on))
        if warm_fds is None and total >= warm_at and not fault_on:
            warm_fds = fds(pid)
        now = time.monotonic()
        if not fault_on and now - switched >= 8:
            f = FAULTS[fault_i % len(FAULTS)]
            if f == "auth":
                token_n += 1
                m.set_access_token("soak-token-%d" % token_n)
            else:
                m.set_faults(f)
            fault_on, switched = True, now
        elif fault_on and now - switched >= 7:
            lift(FAULTS[fault_i % len(FAULTS)])
            fault_i += 1
            fault_on, switched = False, now
    elapsed_run = time.monotonic() - started
    t.ok(total >= CYCLES, "%d index cycles in %.0f s (%d fault periods, every fault "
         "%d times or more)" % (total, elapsed_run, fault_i, fault_i // len(FAULTS)))
    t.ok(cd.proc.alive(), "collectd ran all along")

    # settle with the faults off (the one still on lifted): every index
    # collects again
    if fault_on:
        lift(FAULTS[fault_i % len(FAULTS)])
    settled = all(cd.wait_for("collectd_g6_index_chain_status", 60,
                              predicate=lambda v: v == 0, g6_index=ix, type="this_week")
                  for ix in INDICES)
    t.ok(settled, "every index is OK once the faults are off")
    time.sleep(5)

    # ---- RSS --------------------------------------------------------------------
    after = [c for c in curve if c[1] >= warm_at]
    n10 = max(1, len(after) // 10)
    first = sum(c[2] for c in after[:n10]) / n10
    last = sum(c[2] for c in after[-n10:]) / n10
    growth = last - first
    t.diag("RSS curve (seconds, cycles, RSS MiB, fds, threads):")
    for k in range(11):
        c = curve[min(len(curve) - 1, k * (len(curve) - 1) // 10)]
        t.diag("  %5.0f s %6d cycles %7.2f MiB %3d fds %2d threads" %
               (c[0], c[1], c[2] / MIB, c[3], c[4]))
    if after:
        t.diag("after warm-up (%d cycles): RSS min %.2f, max %.2f MiB; first tenth "
               "%.2f, last tenth %.2f MiB: growth %+.2f MiB over %d cycles" % (
                   warm_at, min(c[2] for c in after) / MIB, max(c[2] for c in after) / MIB,
                   first / MIB, last / MIB, growth / MIB, after[-1][1] - after[0][1]))
    t.ok(after and growth <= 2 * MIB, "RSS growth after warm-up %.2f MiB <= 2 MiB"
         % (growth / MIB))

    # ---- descriptors -------------------------------------------------------------
    final_fds = fds(pid)
    t.diag("descriptors: %s at the end of the warm-up (faults off), %d at the end; "
           "max %d during the run" % (warm_fds, final_fds, max(c[3] for c in curve)))
    t.ok(warm_fds is not None and final_fds <= warm_fds + len(INDICES),
         "no descriptor leak (%d at the end, %s after warm-up)" % (final_fds, warm_fds))

    # ---- every cycle accounted for ---------------------------------------------
    elapsed = time.monotonic() - started
    for attempt in range(40):  # one scrape where no dispatch is half done
        samples = cd.samples()
        count = cycles(samples)
        outcomes, sums = {}, {}
        for s in samples:
            if s.name == "collectd_g6_index_cycles_total":
                ix = s.labels["g6_index"]
                outcomes[ix] = outcomes.get(ix, 0) + s.value
            elif s.name == "collectd_g6_index_cycle_seconds_sum":
                sums[s.labels["g6_index"]] = s.value
        if all(outcomes.get(ix) == count.get(ix) for ix in INDICES):
            break
        time.sleep(0.05)
    for ix in INDICES:
        by = {s.labels["type"]: s.value for s in samples
              if s.name == "collectd_g6_index_cycles_total" and s.labels["g6_index"] == ix}
        t.is_(outcomes.get(ix), count.get(ix),
              "%s: the outcomes add up to the %d cycles (%s)" % (
                  ix, count.get(ix, 0), ", ".join("%s %d" % kv for kv in sorted(by.items()))))
        lo, hi = count[ix] * INTERVAL, count[ix] * INTERVAL + sums.get(ix, 0)
        t.ok(lo <= elapsed + 2 and hi >= elapsed - 5,
             "%s: %d cycles x %.1f s = %.0f s <= %.0f s elapsed <= %.0f s with their "
             "%.0f s of work: none lost, none doubled" % (
                 ix, count[ix], INTERVAL, lo, elapsed, hi, sums.get(ix, 0)))
    # requests: stop them (a rejected token latches the client: nothing is
    # sent until the token file changes), then compare both sides' counts
    m.set_access_token("soak-quiesce")
    t.ok(cd.wait_for("collectd_g6_api_auth_latch_state", 20, predicate=lambda v: v == 1),
         "requests stopped (auth latch) for the request count")
    time.sleep(3)
    mq = m.requests().get("quote", {})
    served, rejected = mq.get("total", 0), mq.get("by_status", {}).get("403", 0)
    by_type = {s.labels.get("type"): s.value for s in cd.samples()
               if s.name == "collectd_g6_api_calls_total" and s.labels.get("g6_api") == "quote"}
    # circuit_open sends nothing; auth counts the token rejections g6-mockd
    # sent (403 TokenException) and the calls refused while latched, which
    # send nothing either: compare the rest
    calls = sum(v for k, v in by_type.items() if k not in ("circuit_open", "auth"))
    t.diag("/quote results: %s; g6-mockd served %d, %d of them rejecting the token" % (
        ", ".join("%s %d" % kv for kv in sorted(by_type.items()) if kv[1]), served, rejected))
    t.is_(calls, served - rejected, "every /quote request g6 counted, whatever its "
          "result, is one g6-mockd served (%d, and %d token rejections)" % (served, rejected))
    t.ok(by_type.get("auth", 0) >= rejected, "every token rejection is counted as auth")
    cd.stop()
    bad = cd.unexpected_errors()
    t.ok(not bad, "collectd log has no unexpected [error] lines", "\n".join(bad[:10]))
t.done_testing()
