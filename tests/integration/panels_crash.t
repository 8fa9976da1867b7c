#!/usr/bin/env python3
"""Crash safety: collectd is killed (SIGKILL) while g6_panels flushes every
50 ms, again and again, restarting over what the last crash left; after
every kill the set on disk verifies, with `g6 integrity --strict` and with
the old algorithm in Python. The test counts the kills that landed inside a
flush (the staging directory held a set that had not been swapped in yet)
and kills at least 20 times and until 3 did (at most 80 times), so it
exercised the window it is about whatever the load of the machine.

For contrast the same is done with `AtomicSet false` (files replaced one by
one): its failures are reported as a diagnostic, not asserted (whether a
kill lands between two renames is chance)."""
import json
import os
import random
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6panels_ref as ref  # noqa: E402
import g6test as t  # noqa: E402

G6 = t.build_path("g6")
KILLS = int(os.environ.get("G6_CRASH_KILLS", "20"))
INSIDE, MAX_KILLS = 3, 80
rng = random.Random(int(os.environ.get("G6_SEED", "13")))




# Every directory swap (renameat2) waits 60 ms first, through a preloaded
# shim (tests/lib/slow_rename.c): a finished set then waits before it is
# swapped in, so most kills land in the window crash safety is about, on a
# quiet machine or a busy one. Nothing in g6 knows about it.
SHIM = t.build_path("tests", "slow_rename.so")
env = {"LD_PRELOAD": SHIM, "G6_SLOW_RENAME_MS": "60"}


def run(atomic, kills, inside_wanted=0, max_kills=0):
    wd = t.workdir()
    pdir = os.path.join(wd, "panels")
    staging = os.path.join(wd, ".panels.g6-staging")
    conf = """
<Plugin g6_panels>
  PanelsDir "%s"
  FlushInterval 0.05
  IntegrityInterval 3600
  AtomicSet %s
</Plugin>
""" % (pdir, "true" if atomic else "false")
    bad, inside, errors = [], 0, []
    k = 0
    while k < kills or (inside < inside_wanted and k < max_kills):
        k += 1
        cd = t.Collectd(plugins=["g6_panels", "g6_info"], config=conf, rrd=False,
                        env=env)
        if not cd.start():
            bad.append("collectd did not start (kill %d)" % k)
            break
        start = t.manifest_field(pdir, "cycle") or 0
        t.wait_until(lambda: (t.manifest_field(pdir, "cycle") or 0) >= start + 3, 10, 0.02)
        time.sleep(rng.uniform(0, 0.15))
        os.kill(cd.proc.pid, signal.SIGKILL)
        cd.proc.proc.wait(10)
        cd.stop()
        errors += cd.unexpected_errors()
        # did the kill land inside a flush? (an exchange leaves the staging
        # directory empty; a set being built is in it)
        if os.path.isdir(staging) and os.listdir(staging):
            sc, dc = t.manifest_field(staging, "cycle"), t.manifest_field(pdir, "cycle")
            if sc is None or dc is None or sc >= dc:
                inside += 1
        p = subprocess.run([G6, "integrity", "--panels-dir", pdir, "--strict"],
                           capture_output=True, timeout=30)
        py = ref.verify(pdir)
        if p.returncode != 0 or py:
            bad.append("kill %d: g6 integrity exit %d %s; Python: %r" %
                       (k, p.returncode, p.stdout.decode().strip(), py))
    return bad, inside, errors, k


bad, inside, errors, kills = run(True, KILLS, INSIDE, MAX_KILLS)
t.is_(bad, [], "after each of %d kills the set verifies (g6 integrity --strict "
      "and the Python checker)" % kills)
t.ok(inside >= INSIDE, "%d of the %d kills landed inside a flush" % (inside, kills))
t.is_(errors, [], "collectd logged no unexpected errors across the restarts")

bad, inside, errors, _ = run(False, KILLS)
t.diag("AtomicSet false, for contrast: %d of %d kills left a set that does not "
       "verify (%d inside a flush)" % (len(bad), KILLS, inside))
for b in bad[:3]:
    t.diag("  " + b)
t.done_testing()
