#!/usr/bin/env python3
"""Crash safety with other programs' files in PanelsDir, in the real
collectd. collectd is killed (SIGKILL) inside a flush, at a moment made
certain by a preloaded shim (tests/lib/slow_rename.c): while a finished set
waits to be swapped in, and right after the swap, before the previous set
is removed from the staging directory. Either way the staging directory
then holds second links of another program's files. That program deletes
one of them, and in a second run also rewrites another (by rename), before
collectd starts again.

Before the journal (<parent>/.panels.g6-journal) the restarted g6_panels
could not tell those links from files written into PanelsDir during the
flush: the deleted file came back, and the rewritten one stopped whole sets
for good ("... is not g6's and cannot be moved back ..."). Now the deleted
file stays deleted, the rewrite keeps its new content, sets go on and
verify, and nothing is left in the staging directory."""
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t  # noqa: E402

SHIM = t.build_path("tests", "slow_rename.so")






def put(d, name, text):
    """Written as another program rewrites a file: a new file renamed over."""
    tmp = os.path.join(d, ".tmp-" + name)
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, os.path.join(d, name))




def scenario(window, rewrite):
    wd = t.workdir()
    pdir = os.path.join(wd, "panels")
    staging = os.path.join(wd, ".panels.g6-staging")
    os.makedirs(pdir)
    put(pdir, "deleted.txt", "d\n")
    put(pdir, "rewritten.txt", "v1\n")
    mark = os.path.join(wd, "in-window")
    conf = """
<Plugin g6_panels>
  PanelsDir "%s"
  FlushInterval 0.05
  IntegrityInterval 3600
</Plugin>
""" % pdir
    if window.startswith("before"):
        env = {"G6_SLOW_RENAME_MS": "5000", "G6_SLOW_RENAME_MARK": mark}
    else:
        env = {"G6_SLOW_RENAME_AFTER_MS": "5000",
               "G6_SLOW_RENAME_AFTER_MARK": mark}
    env["LD_PRELOAD"] = SHIM
    cd = t.Collectd(plugins=["g6_panels", "g6_info"], config=conf, rrd=False,
                    env=env)
    t.ok(cd.start(), "%s: collectd starts" % window)
    inside = t.wait_until(lambda: os.path.exists(mark), 20, 0.005)
    os.kill(cd.proc.pid, signal.SIGKILL)
    cd.proc.proc.wait(10)
    cd.stop()
    left = sorted(os.listdir(staging)) if os.path.isdir(staging) else []
    t.ok(inside and "deleted.txt" in left and "rewritten.txt" in left,
         "%s: killed there, the staging directory holds second links of "
         "their files" % window, repr(left))
    # their owner, before collectd starts again
    os.unlink(os.path.join(pdir, "deleted.txt"))
    if rewrite:
        put(pdir, "rewritten.txt", "v2\n")
    cd = t.Collectd(plugins=["g6_panels", "g6_info"], config=conf, rrd=False)
    t.ok(cd.start(), "%s: collectd starts again" % window)
    start = t.manifest_field(pdir, "cycle") or 0
    t.ok(t.wait_until(lambda: (t.manifest_field(pdir, "cycle") or 0) >= start + 3, 20, 0.02),
         "%s: sets are written again" % window)
    t.is_(t.read_text(os.path.join(pdir, "deleted.txt")), None,
          "%s: the file its owner deleted stays deleted" % window)
    t.is_(t.read_text(os.path.join(pdir, "rewritten.txt")), "v2\n" if rewrite else "v1\n",
          "%s: the file its owner %s keeps its content" %
          (window, "rewrote" if rewrite else "left alone"))
    log = cd.log()
    t.ok("file by file" not in log and "cannot be moved back" not in log,
         "%s: whole sets go on" % window, log)
    cd.stop()
    # stopped: a reader racing a flush every 50 ms can read a manifest and
    # then the files of the next set
    t.ok(t.panels_verify(pdir), "%s: the set verifies (g6 integrity --strict, the "
         "Python checker)" % window)
    t.is_(cd.unexpected_errors(), [], "%s: no unexpected errors" % window)
    # stopped: no flush is building a set in the staging directory now
    left = sorted(os.listdir(staging))
    t.is_(left, [], "%s: nothing is left in the staging directory" % window)


for window in ("before the swap", "after the swap"):
    scenario(window, False)
    scenario(window + ", a file rewritten", True)
t.done_testing()
