#!/usr/bin/env python3
"""make bench-retention: scanning a data directory of 1,000,000 small files.

Generates a tree in the g6 layout (5 indices x 4 expiry tags x 201 strike
offsets, one CSV file per offset and day, plus the overview files: ~4,025
files a day, like g6_chain at default depth writes) in a temporary
directory, first 100,000 files, then 1,000,000, and at each size measures on
a warm cache, in the same run:

  du -s DIR                          the reference for wall time
  find DIR -printf '%s\\n'            a second reference
  g6 retention-scan --detail --json  g6_retention's walk (what the plugin runs)
  g6 retention-scan --json           the old-compatible output (plus a
                                     callback per file)
  g6 retention-prune --json          the walk with the pruning policy in a
                                     dry run (every file past its age)

Each is run 3 times in rotation; the median wall time and the peak RSS
(ru_maxrss of the child) are reported, with the ratio to `du -s`. Targets:
g6's scan <= 1.2x du -s, and peak RSS that does not grow with the file count.
The tree is removed afterwards. BENCH_RETENTION_DIR picks where it goes
(default: build/); BENCH_RETENTION_FILES the larger size."""
import datetime
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.environ.get("G6_ROOT") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("G6_BUILD") or os.path.join(ROOT, "build")
G6 = os.path.join(BUILD, "g6")
BIG = int(os.environ.get("BENCH_RETENTION_FILES", "1000000"))
SIZES = sorted({n for n in (100000, BIG) if n <= BIG})
MAXRSS = os.path.join(BUILD, "bench", "maxrss")
ROUNDS = 3
INDICES = ["NIFTY", "BANKNIFTY", "FINNIFTY", "MIDCPNIFTY", "SENSEX"]
TAGS = ["this_week", "next_week", "this_month", "next_month"]
OFFSETS = ["0"] + ["%+d" % (s * k) for k in range(1, 101) for s in (50, -50)]
ROW = (b"20-10-2025 09:30:00,NIFTY,this_week,2025-10-23,-50,24812.35,24800,24750,"
       b"150.5,80.25,230.75,148.2,82.0,230.2,120000,110000,50000,65000,0.12,0.13,"
       b"0.6,-0.4,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0\n")


def dirs_of(base):
    for ix in INDICES:
        for tag in TAGS:
            for off in OFFSETS:
                yield os.path.join(base, ix, tag, off)
        yield os.path.join(base, "overview", ix)


def generate(base, start_day, want, made):
    """Adds day after day of files until `want` exist; returns (next day,
    count)."""
    dirs = list(dirs_of(base))
    for d in dirs:
        os.makedirs(d, exist_ok=True)
    day = start_day
    first = datetime.date(2024, 1, 1)
    while made < want:
        name = (first + datetime.timedelta(days=day)).isoformat() + ".csv"
        for d in dirs:
            if made >= want:
                break
            fd = os.open(os.path.join(d, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.write(fd, ROW)
            os.close(fd)
            made += 1
        day += 1
    return day, made


def run(argv):
    """(wall seconds, peak RSS KiB) of one run, output discarded, through the
    maxrss launcher."""
    p = subprocess.run([MAXRSS] + argv, capture_output=True, timeout=3600)
    try:
        wall, rss, status = p.stdout.split()
    except ValueError:
        sys.exit("bench-retention: maxrss: %s" % p.stderr.decode())
    if int(status) != 0:
        sys.exit("bench-retention: %s exited %s: %s" % (argv[0], status.decode(),
                                                        p.stderr.decode()))
    return float(wall), int(rss)


def measure(base):
    tools = [
        ("du -s", ["du", "-s", base]),
        ("find -printf '%s\\n'", ["find", base, "-printf", "%s\\n"]),
        ("g6 retention-scan --detail", [G6, "retention-scan", "--csv-dir", base,
                                        "--detail", "--json"]),
        ("g6 retention-scan (old JSON)", [G6, "retention-scan", "--csv-dir", base,
                                          "--json"]),
        ("g6 retention-prune (dry run)", [G6, "retention-prune", "--data-dir", base,
                                          "--max-age-days", "1", "--max-deletes",
                                          "1000000000", "--json"]),
    ]
    run(tools[0][1])  # warm the cache
    run(tools[2][1])
    walls = {name: [] for name, _ in tools}
    rss = {name: 0 for name, _ in tools}
    for r in range(ROUNDS):
        for name, argv in tools[r % len(tools):] + tools[:r % len(tools)]:
            w, m = run(argv)
            walls[name].append(w)
            rss[name] = max(rss[name], m)
    return [(name, statistics.median(walls[name]), rss[name]) for name, _ in tools]


def main():
    if not os.access(G6, os.X_OK) or not os.access(MAXRSS, os.X_OK):
        sys.exit("bench-retention: build %s and %s first (make bench-retention)"
                 % (G6, MAXRSS))
    where = os.environ.get("BENCH_RETENTION_DIR") or BUILD
    os.makedirs(where, exist_ok=True)
    st = os.statvfs(where)
    free_bytes, free_inodes = st.f_bavail * st.f_frsize, st.f_favail
    need_bytes, need_inodes = BIG * 4096 * 1.2, BIG * 1.1 + 50000
    print("bench-retention: %s has %.1f GiB and %d inodes free; the tree needs about "
          "%.1f GiB and %d inodes" % (where, free_bytes / 2**30, free_inodes,
                                       need_bytes / 2**30, need_inodes))
    if free_bytes < need_bytes or (free_inodes and free_inodes < need_inodes):
        sys.exit("bench-retention: not enough free space in %s (set BENCH_RETENTION_DIR)"
                 % where)
    _, idle = run([G6, "version"])
    print("bench-retention: `g6 version` alone peaks at %.1f MiB RSS (the shared "
          "libraries g6 links)" % (idle / 1024))
    base = tempfile.mkdtemp(prefix="bench-retention-", dir=where)
    results = {}
    try:
        day, made = 0, 0
        for n in SIZES:
            t0 = time.monotonic()
            day, made = generate(base, day, n, made)
            print("bench-retention: %d files generated (%.0f s), %d days of ~4,025 files"
                  % (made, time.monotonic() - t0, day))
            results[n] = measure(base)
            for name, wall, rss in results[n]:
                print("  %-30s %8.3f s  %6.2fx du  peak RSS %7.1f MiB" % (
                    name, wall, wall / results[n][0][1], rss / 1024))
    finally:
        t0 = time.monotonic()
        # rm is several times faster than shutil.rmtree on a million files
        if subprocess.run(["rm", "-rf", "--one-file-system", base]).returncode != 0:
            shutil.rmtree(base, ignore_errors=True)
        print("bench-retention: removed the tree (%.0f s)" % (time.monotonic() - t0))
    print()
    print("| files | tool | wall (median of %d) | vs du -s | peak RSS |" % ROUNDS)
    print("|---|---|---|---|---|")
    for n in SIZES:
        for name, wall, rss in results[n]:
            print("| %d | %s | %.3f s | %.2fx | %.1f MiB |" % (
                n, name, wall, wall / results[n][0][1], rss / 1024))
    if len(SIZES) == 2:
        small = dict((name, rss) for name, _, rss in results[SIZES[0]])
        big = dict((name, rss) for name, _, rss in results[SIZES[1]])
        scan = "g6 retention-scan --detail"
        ratio = dict((name, w) for name, w, _ in results[SIZES[1]])
        print()
        print("g6 scan at %d files: %.2fx du -s (target <= 1.2x); peak RSS %.1f MiB at %d "
              "files, %.1f MiB at %d (x%.2f for x%d files)" % (
                  SIZES[1], ratio[scan] / ratio["du -s"], small[scan] / 1024, SIZES[0],
                  big[scan] / 1024, SIZES[1], big[scan] / small[scan],
                  SIZES[1] // SIZES[0]))


if __name__ == "__main__":
    main()
