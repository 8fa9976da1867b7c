#!/usr/bin/env python3
"""bench-replay: `g6 replay` throughput against python3's json.load of the
same snapshot files, in the same run.

Data: a trading day of NIFTY snapshots (REPLAY_SNAPSHOTS, default 750 = one
every 30 s from 09:15 to 15:30), 4 expiries x 41 strikes x 2 legs, written by
g6_chain's own writer (bench/replay/gen_snapshots.c) into the KeepSnapshots
history layout — the files `g6 replay` is for. Both sides read every file
from the page cache (warmed first) in one process each:

  g6        `g6 replay DIR --csv /dev/null`: read + parse + validate every
            snapshot, every analytic of every expiry (PCR, max pain,
            support/resistance, ATM IV, 25-delta skew, buckets, net Greeks,
            surface), format and write the CSV rows.
  reference python3 -c: json.load of every file, nothing else.

Each side runs REPLAY_RUNS times (default 5); the best wall time counts.
The ratio is g6's snapshots/s over Python's: above 1 means reading,
checking and analysing a snapshot in g6 costs less than only reading it in
Python."""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.environ.get("G6_ROOT") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("G6_BUILD") or os.path.join(ROOT, "build")
N = int(os.environ.get("REPLAY_SNAPSHOTS", "750"))
RUNS = int(os.environ.get("REPLAY_RUNS", "5"))
SIDE, EXPIRIES = 20, 4

PY_READER = r"""
import json, sys
files = [l.rstrip("\n") for l in open(sys.argv[1])]
n = 0
for f in files:
    with open(f, "rb") as fh:
        doc = json.load(fh)
    n += len(doc["expiries"])
print(n)
"""


def best(argv, runs):
    times = []
    out = None
    for _ in range(runs):
        t0 = time.perf_counter()
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           check=True)
        times.append(time.perf_counter() - t0)
        out = r
    return min(times), out


def main():
    d = tempfile.mkdtemp(prefix="g6-bench-replay-")
    try:
        subprocess.run([os.path.join(BUILD, "bench", "gen_snapshots"), d, str(N),
                        str(SIDE), str(EXPIRIES)], check=True)
        files = sorted(glob.glob(os.path.join(d, "snapshots", "NIFTY", "*", "*.json")))
        assert len(files) == N, len(files)
        total = sum(os.path.getsize(f) for f in files)
        listing = os.path.join(d, "files.txt")
        with open(listing, "w") as f:
            f.write("\n".join(files) + "\n")
        for f in files:  # page cache
            with open(f, "rb") as fh:
                fh.read()
        hist = os.path.join(d, "snapshots", "NIFTY")
        g6_t, g6_r = best([os.path.join(BUILD, "g6"), "replay", hist, "--csv",
                           "/dev/null"], RUNS)
        py_t, py_r = best([sys.executable, "-c", PY_READER, listing], RUNS)
        # what g6 produced, once more to a file: one row per snapshot and expiry
        out = os.path.join(d, "replay.csv")
        subprocess.run([os.path.join(BUILD, "g6"), "replay", hist, "--csv", out],
                       check=True, stderr=subprocess.DEVNULL)
        with open(out) as f:
            rows = sum(1 for _ in f) - 1
        assert rows == N * EXPIRIES, rows
        assert int(py_r.stdout) == N * EXPIRIES
        g6_rate, py_rate = N / g6_t, N / py_t
        print("bench-replay: %d snapshots (NIFTY, %d expiries x %d strikes, "
              "%.1f MB, %.0f KB each), best of %d runs" %
              (N, EXPIRIES, 2 * SIDE + 1, total / 1e6, total / N / 1e3, RUNS))
        print("  g6 replay (read, validate, every analytic, CSV rows): "
              "%8.0f snapshots/s  (%.3f s, %d rows)" % (g6_rate, g6_t, rows))
        print("  python3 json.load only (reference):                    "
              "%8.0f snapshots/s  (%.3f s)" % (py_rate, py_t))
        print("  ratio g6 / python3 json.load: %.2fx %s" %
              (g6_rate / py_rate,
               "(analytics cost less than reading the file in Python)"
               if g6_rate > py_rate else
               "(g6 is slower than Python's json.load)"))
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
