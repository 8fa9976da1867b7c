#!/usr/bin/env python3
"""bench-chain: steady-state g6_chain cycles in the real collectd against
g6-mockd on loopback, and the I/O floor of the same quotes.

Main case: 5 indices x 4 expiry rules x 201 strikes x 2 legs = 8,040 legs
(rules this_week, next_week, this_month, next_month; where two rules resolve
to the same contract the legs are still processed per rule — IV, Greeks, CSV
— but each instrument is fetched once), with Fsync "cycle" and "never" and
the default MaxOpenCSVFiles (the day's files held open), then with Fsync
"never" and MaxOpenCSVFiles 0 (every file opened and closed per append, as
before that option) as the reference in the same run.
Scaling rows: the same measurement from ~1,000 to ~40,000 legs per cycle.

g6: collectd with g6_chain, every index on Interval 30 (each cycle then has
its own 30-s CSV timestamp and appends a row to every per-strike file; at a
shorter interval most cycles would skip their rows as duplicates), the mock's clock
frozen so every request sees the same market, the client's rate limit raised
so the figure is g6's own cost (Kite's 1 request/s would add waiting, which is
policy, not cost). The first cycle also downloads the instrument list and the
second is the first to append to the day's CSV files; the steady state is the
three cycles after them (one for the scaling rows; BENCH_STEADY sets it):
  - CPU: the CPU time of g6_chain's collection threads ("g6/<INDEX>", one per
    index) over those cycles, from /proc/<pid>/task/<tid>/schedstat
    (nanoseconds, not 10 ms ticks), per cycle and 1,000 legs; collectd's
    whole-process CPU (every thread, schedstat too) over the same span is
    shown beside it;
  - wall: per cycle the longest index (the indices run in parallel; each
    index's duration from its cycle_seconds sum, read after every cycle),
    the median of the measured cycles;
  - peak RSS: VmHWM of collectd.
Completion is watched through the snapshot files (the "seq" in their last
64 KiB), because scraping collectd costs collectd CPU; each index's cycle
duration is scraped once or twice per cycle after collectd's flush, and the
"whole collectd" figure includes those scrapes (the g6 threads' does not).

Reference ("I/O floor"): curl fetching exactly the same /quote batches (<= 500
instruments each, the same keys) from the same mock, one curl per index in
parallel (like the index threads), each reusing its connection, the median of
5 rounds (median against median). The ratio g6 / floor says what parsing, IV and Greeks for every leg,
sanitization, CSV rows and snapshots cost on top of the bare HTTP transfers.
"""
import glob
import json
import os
import re
import resource
import subprocess
import sys
import threading
import time
import urllib.parse

ROOT = os.environ.get("G6_ROOT") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import g6test as t  # noqa: E402

ALL = ["NIFTY", "BANKNIFTY", "FINNIFTY", "MIDCPNIFTY", "SENSEX"]
RULES = ["this_week", "next_week", "this_month", "next_month"]
INTERVAL = 30
STEADY = max(1, int(os.environ.get("BENCH_STEADY", "3")))
SEQ = re.compile(rb'\n  "seq": (\d+),\n')


def snapshot_seq(path):
    """The seq of a snapshot file from its last 64 KiB (the top-level "seq"
    comes after the expiries; reading the tail instead of parsing ~1 MB per
    poll keeps the harness off the two cores it measures)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 65536))
            m = SEQ.search(f.read())
        return int(m.group(1)) if m else 0
    except OSError:
        return 0


def schedstat_ns(pid, name_prefix=None):
    """CPU nanoseconds of the process's threads (those whose comm starts
    with name_prefix, or all)."""
    total = 0
    for task in glob.glob("/proc/%d/task/*" % pid):
        try:
            with open(task + "/comm") as f:
                comm = f.read().strip()
            if name_prefix and not comm.startswith(name_prefix):
                continue
            with open(task + "/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def storage_read_bytes(pid):
    """Bytes collectd caused to be fetched from storage (/proc/<pid>/io
    read_bytes): a CSV append re-reads from disk what the page cache
    dropped since the last cycle (the file's last block, inode table
    blocks)."""
    try:
        with open("/proc/%d/io" % pid) as f:
            for line in f:
                if line.startswith("read_bytes:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def vmhwm_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def listed_expiries(m):
    _, body, _ = t.http_get(m.url + "/admin/market")
    market = json.loads(body)
    return {ix: v["expiries"] for ix, v in market["indices"].items()}


def start_perf(pid):
    """BENCH_PERF=<file>: perf record of collectd over the measured cycles,
    with DWARF call graphs (g6 is built without frame pointers, so -g's
    stacks stop at the first g6 frame) at 2 kHz; `bench/chain/perf_phases.py
    <file>` splits the index threads' samples by cycle phase, `perf report
    -i <file> --sort comm,dso,sym` shows the rest. The profile costs CPU, so
    the figures of a profiled run are not comparable; only the first run of
    the bench is recorded."""
    out = os.environ.get("BENCH_PERF")
    if not out or os.path.exists(out):
        return None
    p = subprocess.Popen(["perf", "record", "-q", "--call-graph", "dwarf,32768",
                          "-F", "2000", "-p", str(pid), "-o", out],
                         stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    return p


def stop_perf(p):
    if p is not None:
        p.send_signal(2)
        p.wait(30)


def run(fsync, plan, mock_strikes=200, steady=STEADY, open_files=None):
    """plan: [(index, side, [rules])]; open_files: MaxOpenCSVFiles (None:
    the default). Returns a dict of figures."""
    d = t.workdir("g6-bench-chain-")
    with t.MockD(clock=int(time.time()), args=["--strikes", str(mock_strikes)]) as m:
        key, tok = m.write_credentials(d)
        indices = [ix for ix, _, _ in plan]
        blocks = "".join("""
  <Index "%s">
    StrikesBelowATM %d
    StrikesAboveATM %d
    Expiry %s
    Interval %d
  </Index>""" % (ix, side, side, " ".join('"%s"' % r for r in rules), INTERVAL)
                         for ix, side, rules in plan)
        conf = """
<Plugin g6_chain>
  DataDir "%s/data"
  ForceOpen true
  Fsync "%s"%s
  StrikeBand 1
  <Provider "kite">
    URL "%s"
    APIKeyFile "%s"
    AccessTokenFile "%s"
    QuoteRequestsPerSecond 1000
    QuoteBurst 100
    Timeout 30
  </Provider>%s
</Plugin>
""" % (d, fsync, "" if open_files is None else
       "\n  MaxOpenCSVFiles %d" % open_files, m.url, key, tok, blocks)
        # collectd's own interval paces the metrics flush (every 5 s)
        cd = t.Collectd(plugins=["g6_chain"], config=conf, interval=5, rrd=False)
        if not cd.start():
            sys.exit("collectd did not start")
        try:
            pid = cd.proc.pid

            def seqs():
                return [snapshot_seq(os.path.join(d, "data", "snapshots", ix + ".json"))
                        for ix in indices]

            def counts():
                """One scrape: (cycles, sum of cycle seconds) per index."""
                smp = cd.samples()
                out = {}
                for ix in indices:
                    c = t.select(smp, "collectd_g6_index_cycle_seconds_count_total",
                                 g6_index=ix)
                    s_ = t.select(smp, "collectd_g6_index_cycle_seconds_sum", g6_index=ix)
                    out[ix] = (c[0].value if c else 0, s_[0].value if s_ else 0.0)
                return out

            if not t.wait_until(lambda: min(seqs()) >= 2, 180):
                sys.exit("the first cycles did not finish: %s" % cd.log()[-2000:])
            if not t.wait_until(lambda: all(c >= 2 for c, _ in counts().values()),
                                15, 0.2):
                sys.exit("the first cycles' metrics did not arrive")
            prev = counts()
            perf = start_perf(pid)
            g6_0, all_0 = schedstat_ns(pid, "g6/"), schedstat_ns(pid)
            rd_0 = storage_read_bytes(pid)
            walls = []
            for k in range(3, 3 + steady):
                if not t.wait_until(lambda: min(seqs()) >= k, INTERVAL * 3, 0.05):
                    sys.exit("cycle %d did not finish" % k)
                if k == 2 + steady:
                    g6_1, all_1 = schedstat_ns(pid, "g6/"), schedstat_ns(pid)
                    rd_1 = storage_read_bytes(pid)
                    hwm = vmhwm_kib(pid)
                    stop_perf(perf)
                # the metrics come with collectd's next flush (every 5 s):
                # a scrape or two per cycle, not one every 0.2 s (a scrape
                # costs collectd CPU, inside the window for "whole collectd")
                time.sleep(5.5)
                if not t.wait_until(lambda: all(c >= k for c, _ in counts().values()),
                                    INTERVAL * 2, 1.0):
                    sys.exit("cycle %d's metrics did not arrive" % k)
                cur = counts()
                walls.append({ix: cur[ix][1] - prev[ix][1] for ix in indices})
                prev = cur
            legs = 0
            collected = requested = 0
            keys_by_index = {}
            for ix in indices:
                with open(os.path.join(d, "data", "snapshots", ix + ".json")) as f:
                    s = json.load(f)
                for x in s["expiries"]:
                    legs += x["legs_requested"]
                    requested += x["legs_requested"]
                    collected += x["legs_collected"]
                    keys_by_index.setdefault(ix, set()).update(
                        l["key"] for l in x["legs"] if l["key"])
                keys_by_index[ix].add(s["underlying"])
        finally:
            cd.stop()
        # the median cycle, by its longest index
        walls.sort(key=lambda w: max(w.values()))
        per_index = walls[len(walls) // 2]
        wall = max(per_index.values())

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
            subprocess.run(cmd, check=True)
            out[ix] = time.monotonic() - t0

        floors = []
        for _ in range(5):
            res = {}
            threads = [threading.Thread(target=fetch, args=(ix, res)) for ix in indices]
            t0 = time.monotonic()
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            floors.append(time.monotonic() - t0)
    return {
        "fsync": fsync, "open_files": open_files, "legs": legs, "indices": len(indices),
        "unique": sum(len(k) for k in keys_by_index.values()),
        "batches": sum(len(urls(k)) for k in keys_by_index.values()),
        "wall": wall, "per_index": per_index,
        "g6_cpu": (g6_1 - g6_0) / 1e9 / steady,
        "all_cpu": (all_1 - all_0) / 1e9 / steady, "steady": steady,
        "read_kib": (rd_1 - rd_0) / 1024.0 / steady,
        "hwm_mib": hwm / 1024.0, "floor": sorted(floors)[len(floors) // 2],
        "collected": collected, "requested": requested,
    }


def report_main(r):
    print("bench-chain, Fsync \"%s\"%s: %d indices x 4 expiry rules x 201 strikes x 2 legs"
          " = %d legs (%d distinct instruments in %d /quote batches)" % (
              r["fsync"], "" if r["open_files"] is None else
              ", MaxOpenCSVFiles %d" % r["open_files"], r["indices"],
              r["legs"], r["unique"], r["batches"]))
    print("  g6 steady-state cycle (collectd + g6_chain, one thread per index;"
          " cycles 3-%d):" % (2 + r["steady"]))
    print("    wall time            %8.1f ms  (median cycle's longest index; per index: %s)" % (
        r["wall"] * 1e3, ", ".join("%s %.0f" % (ix, v * 1e3)
                                   for ix, v in r["per_index"].items())))
    print("    CPU, g6 threads      %8.1f ms  = %.2f ms per 1,000 legs (mean cycle)" % (
        r["g6_cpu"] * 1e3, r["g6_cpu"] * 1e3 / (r["legs"] / 1000.0)))
    print("    CPU, whole collectd  %8.1f ms  = %.2f ms per 1,000 legs" % (
        r["all_cpu"] * 1e3, r["all_cpu"] * 1e3 / (r["legs"] / 1000.0)))
    print("    collectd peak RSS    %8.1f MiB" % r["hwm_mib"])
    print("    read from storage    %8.0f KiB per cycle (what the page cache"
          " dropped between cycles, read again to append)" % r["read_kib"])
    print("    legs collected       %8d of %d requested" % (r["collected"], r["requested"]))
    print("  I/O floor: curl fetching the same %d batches (in parallel per index, median of 5):"
          % r["batches"])
    print("    wall time            %8.1f ms" % (r["floor"] * 1e3))
    print("  ratio g6 cycle / curl floor: %.2f" % (r["wall"] / r["floor"]))


def scaling_plans(expiries):
    """~1k, ~4k, ~8k, ~20k, ~40k legs per cycle. NIFTY and SENSEX list six or
    more expiries (weeklies and monthlies); four rules plus two listed dates
    give them six each."""
    extra = {ix: [e for e in expiries[ix]][2:4] for ix in ("NIFTY", "SENSEX")}
    six = {ix: RULES + extra[ix] for ix in extra}
    return [
        ("~1k", [("NIFTY", 250, ["this_week"])]),
        ("~4k", [("NIFTY", 250, RULES)]),
        ("~8k", [(ix, 100, RULES) for ix in ALL]),
        ("~20k", [("NIFTY", 500, RULES), ("SENSEX", 500, RULES),
                  ("BANKNIFTY", 250, RULES)]),
        ("~40k", [("NIFTY", 500, six["NIFTY"]), ("SENSEX", 500, six["SENSEX"]),
                  ("BANKNIFTY", 500, RULES), ("FINNIFTY", 500, RULES)]),
    ]


def scaling_open_files():
    """MaxOpenCSVFiles for the scaling rows: every file of the ~40k case
    (20,020 of them) held when the hard RLIMIT_NOFILE allows, as an operator
    collecting that much would configure it (collectd inherits the limit)."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    room = 25000 if hard == resource.RLIM_INFINITY else hard - 1024 - 64
    return max(0, min(25000, room))


def append_cost():
    """The kernel's CPU per per-strike CSV append, opened per append
    (openat, fstat, write, close), to a descriptor held open (fstat, write),
    and held after a 30-s pause as between two cycles, with the syncfs
    after it; and the same rows as one file per index, expiry and day
    (bench/chain/append_cost.c), over the 4,020 files of the main case."""
    d = t.workdir("g6-bench-append-")
    out = subprocess.run([os.path.join(t.BUILD, "bench", "append_cost"), d,
                          "4020", "6", "30"], check=True, capture_output=True,
                         text=True).stdout.split()
    files, g6_us, held_us, n_held = int(out[0]), float(out[1]), float(out[2]), int(out[3])
    after_g6, after_held, after_kib = float(out[4]), float(out[5]), int(out[6])
    strike_sync, exp_us, exp_sync = float(out[7]), float(out[8]), float(out[9])
    per_1k = files / 8040.0
    print("CSV appends, %d per-strike files, one 330-byte row each, 5 rounds:" % files)
    print("  opened per append (openat + fstat + write + close): %5.2f us CPU per row"
          " = %.2f ms per 1,000 legs of the main case" % (g6_us, g6_us * per_1k))
    print("  to a descriptor held open (fstat + write, %d files): %5.2f us CPU per row"
          " = %.2f ms per 1,000 legs" % (n_held, held_us, held_us * per_1k))
    print("  one round 30 s later (as between two cycles; %d KiB read from storage):"
          % after_kib)
    print("    opened per append                                  %5.2f us CPU per row"
          " = %.2f ms per 1,000 legs" % (after_g6, after_g6 * per_1k))
    print("    held open                                          %5.2f us CPU per row"
          " = %.2f ms per 1,000 legs" % (after_held, after_held * per_1k))
    print("    then one syncfs (what Fsync \"cycle\" waits for)    %7.1f ms wall" % strike_sync)
    print("  for comparison, one file per index, expiry and day (%d files; not g6's"
          " layout, #11's open decision)," % (files // 201))
    print("  held, 201 rows per write, 30 s after the last: %5.2f us CPU per row"
          " = %.2f ms per 1,000 legs; then one syncfs %.1f ms wall"
          % (exp_us, exp_us * per_1k, exp_sync))


def main():
    # "cycle" (the default: one syncfs per index and cycle) is the durable
    # setting; "never" shows the cost without waiting for the disk
    main_plan = [(ix, 100, RULES) for ix in ALL]
    # the reference in the same run: every CSV file opened and closed per
    # append, as before MaxOpenCSVFiles; BENCH_REFERENCE=0 skips it, "first"
    # runs it before the others (to see whether the order matters)
    reference = os.environ.get("BENCH_REFERENCE", "1")
    if reference == "first":
        report_main(run("never", main_plan, open_files=0))
    for fsync in os.environ.get("BENCH_FSYNC", "cycle never").split():
        report_main(run(fsync, main_plan))
    if reference not in ("0", "first"):
        report_main(run("never", main_plan, open_files=0))
    append_cost()
    # BENCH_SCALING: 1 every row (the default), 0 none, or case names ("~40k")
    scaling = os.environ.get("BENCH_SCALING", "1")
    if scaling == "0":
        return
    with t.MockD(args=["--strikes", "500"]) as m:
        expiries = listed_expiries(m)
    print("scaling, Fsync \"never\", MaxOpenCSVFiles %d (CPU of the g6 threads per"
          " 1,000 legs should stay flat):" % scaling_open_files())
    print("  %-5s %7s %8s %10s %13s %10s %8s %9s" % (
        "case", "legs", "indices", "wall ms", "CPU ms/1k", "floor ms", "ratio",
        "RSS MiB"))
    for name, plan in scaling_plans(expiries):
        if scaling != "1" and name not in scaling.split():
            continue
        r = run("never", plan, mock_strikes=500, steady=1,
                open_files=scaling_open_files())
        print("  %-5s %7d %8d %10.1f %13.2f %10.1f %8.2f %9.1f" % (
            name, r["legs"], r["indices"], r["wall"] * 1e3,
            r["g6_cpu"] * 1e3 / (r["legs"] / 1000.0), r["floor"] * 1e3,
            r["wall"] / r["floor"], r["hwm_mib"]))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
