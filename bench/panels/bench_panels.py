#!/usr/bin/env python3
"""make bench-panels: g6_panels' hot paths against the old platform's own
algorithm, run here on the same panels (tests/lib/g6panels_ref.py: Python's
json.dumps + hashlib, and the old writer's indent-2 files written
atomically and re-read to hash).

Prints the write callback's cost per value (1 and 4 threads), the time of a
whole flush of a 5-index host (render, validate, write the set; without and
with fsync) against the old writer writing the same six panels, and the
canonical hash of the six panels against Python's."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.environ.get("G6_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("G6_BUILD", os.path.join(ROOT, "build"))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import g6panels_ref as ref  # noqa: E402

work = tempfile.mkdtemp(prefix="g6-bench-panels-")
try:
    out = subprocess.run([os.path.join(BUILD, "bench", "bench_panels"), work],
                         capture_output=True, check=True, timeout=600).stdout
    g6 = json.loads(out)
    panels = {}
    for name in sorted(os.listdir(g6["panels_dir"])):
        if name.endswith("_enveloped.json"):
            with open(os.path.join(g6["panels_dir"], name)) as f:
                panels[name[:-len("_enveloped.json")]] = json.load(f)["data"]
    reps = 300
    t0 = time.perf_counter()
    for _ in range(reps):
        for d in panels.values():
            ref.data_hash(d)
    py_hash_us = 1e6 * (time.perf_counter() - t0) / reps
    out_dir = os.path.join(work, "python")
    reps = 100
    t0 = time.perf_counter()
    for i in range(reps):
        ref.write_panels(out_dir, panels, cycle=i)
    py_write_ms = 1000 * (time.perf_counter() - t0) / reps
finally:
    shutil.rmtree(work, ignore_errors=True)

print("bench-panels: %d series of a 5-index host (5 x 4 expiries, Kite client "
      "histograms)" % g6["series"])
print("  write callback (g6_latest_put): %.0f ns/value on 1 thread, %.0f ns/value "
      "with 4 threads at once" % (g6["put_ns_1thread"], g6["put_ns_4threads"]))
print("  flush of the six panels (render, validate, write the set; every panel "
      "changed):")
print("    g6, no fsync:   %7.3f ms" % g6["flush_ms"])
print("    g6, fsync:      %7.3f ms" % g6["flush_fsync_ms"])
print("    reference: the old writer in Python (json.dumps indent 2, atomic "
      "writes, re-read to hash), no fsync: %7.3f ms" % py_write_ms)
print("    ratio: g6 is %.1fx faster without fsync" % (py_write_ms / g6["flush_ms"]))
print("  canonical hash of the six panels: g6 %.1f us, Python json.dumps + hashlib "
      "%.1f us: %.1fx" % (g6["hash_set_us"], py_hash_us, py_hash_us / g6["hash_set_us"]))
