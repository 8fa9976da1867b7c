#!/usr/bin/env python3
"""bench-chain: one steady-state g6_chain cycle of ~8,000 options in the real
collectd against g6-mockd on loopback, and the I/O floor of the same universe.

Universe: 5 indices x 4 expiry rules x 201 strikes x 2 legs = 8,040 legs
(rules this_week, next_week, this_month, next_month; where two rules resolve
to the same contract the legs are still processed per rule — IV, Greeks, CSV
— but each instrument is fetched once).

g6: collectd with g6_chain, every index on Interval 30 (metrics flushed every
5 s), the mock's clock frozen so every request sees the same market. The first cycle also downloads
the instrument list; the second one is measured (what repeats every
interval): wall time = the longest index cycle (the five run in parallel on
collectd's read threads), CPU = collectd's user+system time from the end of
the first cycle to the end of the second (that cycle plus the metric flushes
in between; completion is watched through the snapshot files, because
scraping collectd costs collectd CPU), per 1,000 legs, and peak RSS = VmHWM
of collectd. The client's rate limit is
raised so the measurement is g6's own cost (Kite's 1 request/s limit would
add ~16 s of waiting for this universe; that is policy, not cost).

Reference ("I/O floor"): curl fetching exactly the same /quote batches (<= 500
instruments each, the same keys) from the same mock, one curl per index in
parallel (like the five read threads), each reusing its connection. The ratio
g6 / floor says what parsing, IV and Greeks for every leg, sanitization, CSV
rows and snapshots cost on top of the bare HTTP transfers.
"""
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse

ROOT = os.environ.get("G6_ROOT") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import g6test as t  # noqa: E402

INDICES = ["NIFTY", "BANKNIFTY", "FINNIFTY", "MIDCPNIFTY", "SENSEX"]
RULES = ["this_week", "next_week", "this_month", "next_month"]
SIDE = 100  # strikes each side of ATM: 201 strikes
INTERVAL = 30
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def vmhwm_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def run(fsync):
    d = t.workdir("g6-bench-chain-")
    with t.MockD(clock=int(time.time()), args=["--strikes", "200"]) as m:
        key, tok = m.write_credentials(d)
        blocks = "".join("""
  <Index "%s">
    StrikesBelowATM %d
    StrikesAboveATM %d
    Expiry %s
    Interval %d
  </Index>""" % (ix, SIDE, SIDE, " ".join('"%s"' % r for r in RULES), INTERVAL)
                         for ix in INDICES)
        conf = """
<Plugin g6_chain>
  DataDir "%s/data"
  ForceOpen true
  Fsync "%s"
  <Provider "kite">
    URL "%s"
    APIKeyFile "%s"
    AccessTokenFile "%s"
    QuoteRequestsPerSecond 1000
    QuoteBurst 100
    Timeout 20
  </Provider>%s
</Plugin>
""" % (d, fsync, m.url, key, tok, blocks)
        # collectd's own interval paces the metrics flush (every 5 s)
        cd = t.Collectd(plugins=["g6_chain"], config=conf, interval=5, rrd=False)
        if not cd.start():
            sys.exit("collectd did not start")
        try:
            pid = cd.proc.pid

            def seqs():
                out = []
                for ix in INDICES:
                    try:
                        with open(os.path.join(d, "data", "snapshots", ix + ".json")) as f:
                            out.append(json.load(f)["seq"])
                    except (OSError, ValueError, KeyError):
                        out.append(0)
                return out

            def counts():
                """One scrape: (cycles, sum of cycle seconds) per index."""
                smp = cd.samples()
                out = {}
                for ix in INDICES:
                    c = t.select(smp, "collectd_g6_index_cycle_seconds_count_total",
                                 g6_index=ix)
                    s_ = t.select(smp, "collectd_g6_index_cycle_seconds_sum", g6_index=ix)
                    out[ix] = (c[0].value if c else 0, s_[0].value if s_ else 0.0)
                return out

            # first cycle (instrument list download included), then the
            # measured one; completion is watched through the snapshot files,
            # not by scraping collectd (a scrape costs collectd CPU)
            if not t.wait_until(lambda: min(seqs()) >= 1, 120):
                sys.exit("first cycle did not finish: %s" % cd.log()[-2000:])
            if not t.wait_until(lambda: all(c == 1 for c, _ in counts().values()),
                                15, 1):
                sys.exit("first cycle's metrics did not arrive")
            first = counts()
            cpu0 = cpu_seconds(pid)
            if not t.wait_until(lambda: min(seqs()) >= 2, INTERVAL * 3, 0.1):
                sys.exit("second cycle did not finish")
            cpu1 = cpu_seconds(pid)
            hwm = vmhwm_kib(pid)
            if not t.wait_until(lambda: all(c >= 2 for c, _ in counts().values()),
                                INTERVAL * 2, 1):
                sys.exit("second cycle's metrics did not arrive")
            second = counts()
            with open(os.path.join(d, "data", "snapshots", "NIFTY.json")) as f:
                snap = json.load(f)
            legs = 0
            keys_by_index = {}
            for ix in INDICES:
                with open(os.path.join(d, "data", "snapshots", ix + ".json")) as f:
                    s = json.load(f)
                for x in s["expiries"]:
                    legs += x["legs_requested"]
                    keys_by_index.setdefault(ix, set()).update(
                        l["key"] for l in x["legs"] if l["key"])
                keys_by_index[ix].add(s["underlying"])
            collected = sum(x["legs_collected"] for x in snap["expiries"])
        finally:
            cd.stop()
        per_index = {ix: second[ix][1] - first[ix][1] for ix in INDICES}
        wall = max(per_index.values())
        cpu = cpu1 - cpu0

        # ---- the floor: curl, same batches, one process per index ------
        def urls(keys):
            keys = sorted(keys)
            return [m.url + "/quote?" + urllib.parse.urlencode(
                [("i", k) for k in keys[i:i + 500]], quote_via=urllib.parse.quote)
                for i in range(0, len(keys), 500)]

        hdr = ["-H", "X-Kite-Version: 3", "-H",
               "Authorization: token %s:%s" % (m.api_key, m.access_token)]

        def fetch(ix, out):
            cmd = ["curl", "-s", "-f", "-o", "/dev/null"] + hdr
            for u in urls(keys_by_index[ix]):
                cmd += [u, "-o", "/dev/null"]
            t0 = time.monotonic()
            subprocess.run(cmd[:5] + cmd[5:], check=True)
            out[ix] = time.monotonic() - t0

        floors = []
        for _ in range(5):
            res = {}
            threads = [threading.Thread(target=fetch, args=(ix, res)) for ix in INDICES]
            t0 = time.monotonic()
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            floors.append(time.monotonic() - t0)
        floor = min(floors)
        unique = sum(len(k) for k in keys_by_index.values())
        batches = sum(len(urls(k)) for k in keys_by_index.values())

    print("bench-chain, Fsync \"%s\": 5 indices x 4 expiry rules x %d strikes x 2 legs"
          " = %d legs (%d distinct instruments in %d /quote batches)" % (
              fsync, 2 * SIDE + 1, legs, unique, batches))
    print("  g6 steady-state cycle (collectd + g6_chain, 5 read threads):")
    print("    wall time            %8.1f ms  (longest index; per index: %s)" % (
        wall * 1e3, ", ".join("%s %.0f" % (ix, v * 1e3) for ix, v in per_index.items())))
    print("    CPU time             %8.1f ms  = %.2f ms per 1,000 legs" % (
        cpu * 1e3, cpu * 1e3 / (legs / 1000.0)))
    print("    collectd peak RSS    %8.1f MiB" % (hwm / 1024.0))
    print("    NIFTY legs collected %8d of %d requested" % (
        collected, sum(x["legs_requested"] for x in snap["expiries"])))
    print("  I/O floor: curl fetching the same %d batches (5 in parallel, best of 5):"
          % batches)
    print("    wall time            %8.1f ms" % (floor * 1e3))
    print("  ratio g6 cycle / curl floor: %.2f" % (wall / floor))


def main():
    # "cycle" (the default: one syncfs per index and cycle) is the durable
    # setting; "never" shows the cost without waiting for the disk
    for fsync in os.environ.get("BENCH_FSYNC", "cycle never").split():
        run(fsync)


if __name__ == "__main__":
    main()
