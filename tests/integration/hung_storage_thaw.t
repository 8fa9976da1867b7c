#!/usr/bin/env python3
"""A thread g6 left at a stop does nothing more when its storage answers.

On a stop, g6 gives up on a thread of its own blocked on storage that does
not answer (hung_storage.t) after its 5-s grace, and collectd tears down
without it: the other plugins' shutdown, then collectd frees its callbacks,
its log plugins and its data sets, and exits. Storage that answered in that
window let the thread go on with its cycle: g6_chain's wrote the rest of
the cycle's CSV rows and snapshot after the stop, then read the collector
its shutdown had let go of (NULL): SIGSEGV, exit status -11 and a core
instead of a clean stop. Now the thread is marked left when g6 gives up on
it (core/thread.h) and parks for good at its next checkpoint, right after
the blocked call returns.

ext4 file systems on loop devices, frozen with fsfreeze(8) (skipped where
loop mounts are not allowed). B is under g6_retention's DataDir, loaded
after the plugin under test so that it shuts down after it; B is frozen
from the start (the sweep blocks deleting an old file). SIGTERM: once the
plugin under test has given up on its thread, its file system is thawed
while g6_retention's shutdown still waits on B, which holds collectd's
teardown for 5 s more. In that window at most the one call that was
blocked completes (one file written or created): no other file is
written. Then B is thawed; collectd exits with status 0, no crash, no
error but the two give-ups.

1. g6_chain's index thread blocked in a CSV append (A, its DataDir, frozen
   while it collects).
2. g6_chain's index thread blocked in its first cycle's history recover:
   C, a third file system, is <DataDir>/snapshots; a first run keeps
   snapshots (KeepSnapshots), then the day's history directory is removed,
   as a crash can leave the latest snapshot out of it; C frozen, the
   restarted g6_chain's first cycle blocks making it again.
3. g6_panels' flush thread, PanelsDir on A frozen while it writes panels.
4. g6_analytics' thread, blocked writing a past day's ATM IV close to the
   IV history under a DataDir on A frozen before the start."""
import glob
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

d = t.workdir()


mnts = []
for name in ("a", "b", "c"):
    t.ext4_image(os.path.join(d, name + ".img"))
    if name == "c":  # mounted by case 2, on its DataDir/snapshots
        continue
    mnt = os.path.join(d, name)
    why = t.mount_loop(os.path.join(d, name + ".img"), mnt)
    if why:
        t.skip_all("cannot mount a loop device here: %s" % why)
    mnts.append(mnt)
A, B = mnts
frozen = t.fsfreeze


def files(root):
    """{path: (size, mtime_ns)} of every file under root."""
    out = {}
    for dp, _, fs in os.walk(root):
        for f in fs:
            p = os.path.join(dp, f)
            try:
                st = os.stat(p)
            except OSError:
                continue
            out[p] = (st.st_size, st.st_mtime_ns)
    return out


def stop_and_thaw(cd, what, frozen_mnt, watched, gave_up, ret_gave_up):
    """SIGTERM; once the plugin has left its thread (gave_up), thaws frozen_mnt
    while g6_retention's shutdown (on B) holds the teardown: nothing under
    `watched` is written but the blocked call. Then B is thawed: exit 0."""
    os.kill(cd.proc.proc.pid, 15)
    t.ok(cd.wait_log(gave_up, 20), "%s: stopped, g6 gives up on its blocked "
         "thread" % what, cd.log()[-3000:])
    before = files(watched)
    thawed = time.time()
    t.ok(frozen(frozen_mnt, False), "%s: thawed while g6_retention's shutdown holds "
         "the teardown" % what)
    t.ok(cd.wait_log(ret_gave_up, 20), "%s: g6_retention gives up on its sweep 5 s "
         "later" % what, cd.log()[-3000:])
    after = files(watched)
    changed = sorted(p for p in after if after[p] != before.get(p))
    t.ok(len(changed) <= 1, "%s: the left thread writes nothing after the thaw "
         "but the one call that was blocked, which may create its file (%d file(s) "
         "written or created)" % (what, len(changed)), changed)
    t.ok(frozen(B, False), "%s: B thawed" % what)
    rc = cd.stop(20)
    t.is_(rc, 0, "%s: collectd exits with status 0 (%.1f s after the thaw)"
          % (what, time.time() - thawed))
    t.ok(not cd.crashes and not cd.unexpected_errors(), "%s: no crash, no other error"
         % what, cd.crashes + cd.unexpected_errors())


def old_file_on_frozen_b(rdata):
    t.make_file(rdata, "NIFTY/this_week/+900/2000-01-01.csv", 100,
                time.time() - 400 * 86400)
    t.ok(frozen(B, True), "B frozen, an old file waiting to be deleted")


try:
    rdata = os.path.join(B, "data")
    ret_conf = ('<Plugin g6_retention>\n  DataDir "%s"\n  ScanInterval 1\n'
                '  Enabled true\n  MaxAgeDays 30\n  DryRun false\n</Plugin>\n' % rdata)
    ret_gave_up = (r"\[error\] g6_retention: the sweep did not stop within 5 s: .*"
                   r"DataDir %s .*hung mount" % re.escape(rdata))
    with t.MockD() as m:
        keyf, tokf = m.write_credentials(d)
        # ---- 1. a CSV append --------------------------------------------
        data = os.path.join(A, "data")
        old_file_on_frozen_b(rdata)
        conf = t.chain_config(data, m, keyf, tokf, plugin="ForceOpen true",
                              indices=[("NIFTY", 'StrikesBelowATM 3\nStrikesAboveATM 3\n'
                                                 'Expiry "this_week"\nInterval 1')])
        chain_gave_up = (r"\[error\] g6_chain: NIFTY did not stop within 5 s: .*"
                         r"DataDir %s .*hung mount" % re.escape(data))
        cd = t.Collectd(plugins=["g6_chain", "g6_retention"], config=conf + ret_conf,
                        rrd=False, expected_errors=[chain_gave_up, ret_gave_up])
        t.ok(cd.start(), "collectd starts: g6_chain on A, g6_retention on frozen B")
        t.ok(t.wait_until(lambda: os.path.exists(os.path.join(data, "snapshots")) and
                          len([p for p in files(data) if p.endswith(".csv")]) >= 5, 30),
             "g6_chain writes CSV rows and snapshots to A", sorted(files(data)))
        t.ok(frozen(A, True), "A frozen under the collecting index")
        time.sleep(3)  # the index thread blocks in its next cycle's first write
        stop_and_thaw(cd, "CSV append", A, data, chain_gave_up, ret_gave_up)

        # ---- 2. the first cycle's history recover -----------------------
        # <DataDir>/snapshots is C. A first run keeps snapshots; the day's
        # history directory is then removed, as if a crash had kept the
        # latest snapshot out of it: the next run's first cycle recovers it
        # (makes the day directory, links the file), which blocks on C frozen
        data = os.path.join(d, "data3")
        snaps = os.path.join(data, "snapshots")
        os.makedirs(snaps)
        why = t.mount_loop(os.path.join(d, "c.img"), snaps)
        t.ok(why is None, "C mounted on DataDir/snapshots", why)
        mnts.append(snaps)
        conf = t.chain_config(data, m, keyf, tokf,
                              plugin="ForceOpen true\nKeepSnapshots true",
                              indices=[("NIFTY", 'StrikesBelowATM 1\nStrikesAboveATM 1\n'
                                                 'Expiry "this_week"\nInterval 1')])
        hist = os.path.join(snaps, "NIFTY")
        with t.Collectd(plugins=["g6_chain"], config=conf, rrd=False) as cd:
            t.ok(t.wait_until(lambda: len(glob.glob(os.path.join(hist, "*", "*.json")))
                              >= 2, 30), "a first run keeps snapshots in the history",
                 cd.log()[-2000:])
        shutil.rmtree(hist)
        t.ok(os.path.exists(os.path.join(snaps, "NIFTY.json")) and not os.path.exists(hist),
             "the latest snapshot is not in the history")
        old_file_on_frozen_b(rdata)
        t.ok(frozen(snaps, True), "C frozen before the restart")
        chain_gave_up = (r"\[error\] g6_chain: NIFTY did not stop within 5 s: .*"
                         r"DataDir %s .*hung mount" % re.escape(data))
        cd = t.Collectd(plugins=["g6_chain", "g6_retention"], config=conf + ret_conf,
                        rrd=False, expected_errors=[chain_gave_up, ret_gave_up])
        t.ok(cd.start(), "collectd starts again")
        t.ok(t.wait_until(lambda: [p for p in files(data) if p.endswith(".csv")], 30),
             "the first cycle writes its CSV rows", cd.log()[-2000:])
        time.sleep(2)  # then blocks recovering the history
        t.ok(not os.path.exists(hist), "the history is not recovered while C is frozen")
        stop_and_thaw(cd, "history recover", snaps, snaps, chain_gave_up, ret_gave_up)

    # ---- 3. g6_panels: a flush ------------------------------------------
    panels = os.path.join(A, "panels")
    old_file_on_frozen_b(rdata)
    gave_up = (r"\[error\] g6_panels: the panels flush did not stop within 5 s: .*"
               r"PanelsDir %s that does not answer" % re.escape(panels))
    conf = '<Plugin g6_panels>\n  PanelsDir "%s"\n  FlushInterval 0.5\n</Plugin>\n' % panels
    cd = t.Collectd(plugins=["g6_panels", "g6_info", "g6_retention"],
                    config=conf + ret_conf, rrd=False,
                    expected_errors=[gave_up, ret_gave_up])
    t.ok(cd.start(), "collectd starts: g6_panels on A")
    t.ok(t.wait_until(lambda: os.path.exists(os.path.join(panels, "manifest.json")), 20),
         "g6_panels writes its panels", cd.log()[-2000:])
    t.ok(frozen(A, True), "A frozen under g6_panels")
    time.sleep(3)  # its next flush blocks
    stop_and_thaw(cd, "panels flush", A, panels, gave_up, ret_gave_up)

    # ---- 4. g6_analytics: a past day's IV close -------------------------
    adata = os.path.join(A, "adata")  # NIFTY on 2025-01-06: a past session
    subprocess.run([t.build_path("bench", "gen_snapshots"), adata, "2", "5", "2"],
                   check=True)
    old_file_on_frozen_b(rdata)
    t.ok(frozen(A, True), "A frozen, a past session's snapshot waiting to be analysed")
    gave_up = (r"\[error\] g6_analytics: the analysis did not stop within 5 s: "
               r".*DataDir %s .*hung mount" % re.escape(adata))
    conf = '<Plugin g6_analytics>\n  DataDir "%s"\n  Interval 1\n</Plugin>\n' % adata
    cd = t.Collectd(plugins=["g6_analytics", "g6_retention"], config=conf + ret_conf,
                    rrd=False, expected_errors=[gave_up, ret_gave_up])
    t.ok(cd.start(), "collectd starts: g6_analytics on frozen A")
    time.sleep(3)  # the first run blocks writing 2025-01-06's close
    stop_and_thaw(cd, "analysis", A, adata, gave_up, ret_gave_up)
finally:
    for mnt in reversed(mnts):
        t.unmount_thawed(mnt)

t.done_testing()
