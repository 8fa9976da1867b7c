#!/usr/bin/env python3
"""Where g6_chain's index threads spend their CPU, by cycle phase.

Usage: perf_phases.py PERF_DATA   (a profile recorded by `make bench-chain`
with BENCH_PERF=PERF_DATA: DWARF call graphs of collectd's threads)

Each sample of a "g6/<INDEX>" thread is given to the first phase found on
its stack from the leaf up, so a write(2) under the CSV appends counts as
"CSV: write(2)" and one under the snapshot as "snapshot"; samples outside
every named phase are "other". Prints each phase's share of the index
threads' samples, largest first. The shares are of the profiled run; what
one share costs in ms per 1,000 legs is the share times the bench's
"CPU, g6 threads" figure of an unprofiled run.
"""
import collections
import subprocess
import sys

# (label, function names): the first phase with a frame on the stack, from
# the leaf up, takes the sample; names are g6's own functions (inlined ones
# included: perf reports them from the DWARF information)
PHASES = [
    ("CSV: fstat(2) of the held file", ["__GI___fstatat64", "__fstat64",
                                        "fstat64", "__fxstat64"]),
    ("CSV: write(2) of the row", ["write_all"]),
    ("CSV: formatting the row", ["put_field", "g6_csv_format_int"]),
    ("CSV: the rest (paths, series)", ["g6_csv_write_options",
                                        "g6_csv_write_overview", "write_csv"]),
    ("snapshot", ["g6_snapshot_write", "write_snapshot",
                  "g6_snapshot_history_keep"]),
    ("HTTP (libcurl, sockets)", ["g6_http_perform"]),
    ("parsing quotes", ["g6_quote_parser_finish", "g6_quote_fast_parse",
                        "quote_finish"]),
    ("quotes: the rest (batches, cache)", ["g6_kite_quote", "prov_quotes"]),
    ("IV and Greeks", ["finish_expiry", "solve_legs"]),
    ("quote checks", ["g6_quote_checks"]),
    ("planning (underlying, expiries)", ["plan_expiries", "prov_underlying"]),
    ("cycle: the rest", ["g6_collector_cycle"]),
]


def frames(perf_data):
    """Yields the stack (leaf first, function names) of each sample of an
    index thread."""
    out = subprocess.run(["perf", "script", "-i", perf_data, "-F",
                          "comm,ip,sym"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True, check=True)
    stack, keep = [], False
    for line in out.stdout.splitlines():
        if not line.startswith("\t"):
            if keep and stack:
                yield stack
            stack, keep = [], line.startswith("g6/")
            continue
        parts = line.split(None, 1)
        if len(parts) == 2:
            stack.append(parts[1].split(" (")[0].strip())


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: perf_phases.py PERF_DATA\n")
        return 2
    counts, n = collections.Counter(), 0
    for stack in frames(sys.argv[1]):
        n += 1
        label = "other (waiting, dispatch, thread start)"
        for fr in stack:
            hit = next((lb for lb, names in PHASES if fr in names), None)
            if hit is not None:
                label = hit
                break
        counts[label] += 1
    if n == 0:
        sys.stderr.write("perf_phases.py: no sample of a g6/<INDEX> thread "
                         "in %s\n" % sys.argv[1])
        return 1
    print("g6_chain index threads, %d samples:" % n)
    for label, c in counts.most_common():
        print("  %5.1f %%  %s" % (100.0 * c / n, label))
    return 0


if __name__ == "__main__":
    sys.exit(main())
