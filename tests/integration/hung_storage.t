#!/usr/bin/env python3
"""Storage under DataDir that stops answering must not hold up collectd.

A hung mount (an NFS server gone) makes every write, create or unlink under
it sleep in the kernel; a thread of g6's then cannot be cut short. Stood in
for here by a real one: an ext4 file system on a loop device, frozen with
fsfreeze(8) (skipped where loop mounts are not allowed).

1. g6_chain collects two indices into the frozen DataDir: their threads
   block in their CSV appends; collectd's read threads do not (the stock
   `load` plugin keeps its values). Stopped (SIGTERM to its PID), g6_chain
   gives up on them after its 5-s grace with one error per index naming
   DataDir, and collectd's shutdown goes on: rrdtool, loaded after g6_chain,
   shuts down while the file system is still frozen (before the fix,
   g6_chain's shutdown joined the threads without a bound and rrdtool never
   got there). Thawed, collectd exits; a new collectd on the same DataDir
   finds every CSV row whole.
   An index thread stopped between cycles with rows held after failed
   writes: stopping it does not block, but the last try to write the held
   rows does; that try gives up after its 5 s as well, with an error
   naming the index (before the fix it held the shutdown until the thaw).
2. g6_retention's sweep blocked deleting an old file under the frozen
   DataDir: the same, for its sweep thread.
3. g6_panels flushing into a PanelsDir that freezes: its flush thread
   blocks, collectd's read threads do not; the stop gives up on it after 5 s.
4. Frozen before collectd starts: claiming DataDir and PanelsDir (create,
   lock, write probe) would sleep in collectd's init, which runs every
   plugin's init in turn: each claim gives up after 5 s with an error
   naming the directory, g6_chain and g6_panels are disabled, and the other
   plugins run.
5. g6_analytics reading a snapshot of a past day off a frozen DataDir: the
   run blocks writing that day's ATM IV close to the IV history. It runs on
   a thread of g6's own: collectd's read threads go on, and the stop gives
   up on it after 5 s (before, the run held a read thread, and collectd's
   stop, which joins its read threads, waited for the thaw)."""
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
mnt = os.path.join(d, "mnt")
img = os.path.join(d, "fs.img")
if not shutil.which("chattr"):
    t.skip_all("chattr not installed")
t.ext4_image(img)
why = t.mount_loop(img, mnt)
if why:
    t.skip_all("cannot mount a loop device here: %s" % why)


def run(*argv):
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=60)


def frozen(on):
    return t.fsfreeze(mnt, on)


RRD_AFTER = """
PluginDir "%s"
LoadPlugin rrdtool
<Plugin rrdtool>
  DataDir "%%s"
</Plugin>
""" % t.STOCK_PLUGINDIR
RRD_DOWN = r"rrdtool plugin: Shutting down the queue thread"


def freeze_and_watch_load(cd, what):
    """Freezes the file system under a running collectd, lets g6's threads
    block on it, and checks that the stock load plugin's values go on."""
    t.ok(frozen(True), "%s: the file system under its directory is frozen" % what)
    time.sleep(3)
    before = t.select(cd.samples(), "collectd_load_shortterm")
    time.sleep(3)
    after = t.select(cd.samples(), "collectd_load_shortterm")
    t.ok(before and after and after[0].timestamp > before[0].timestamp,
         "%s: collectd's read threads are not held: load's values go on" % what,
         (before, after))


def stop_while_frozen(cd, what, gave_up):
    """SIGTERM to collectd with the file system frozen: g6 gives up within
    its grace and the shutdown reaches rrdtool; then thaw, and it exits."""
    t0 = time.time()
    os.kill(cd.proc.proc.pid, 15)
    t.ok(cd.wait_log(gave_up, 20), "%s: stopped, it gives up on the blocked thread "
         "with an error naming the directory" % what, cd.log()[-3000:])
    t.ok(cd.wait_log(RRD_DOWN, 10),
         "%s: collectd's shutdown goes on while the storage hangs: rrdtool, loaded "
         "after it, shuts down" % what, cd.log()[-3000:])
    took = time.time() - t0
    t.ok(took < 15, "%s: within the 5-s grace and some slack (%.1f s)" % (what, took))
    t.ok(frozen(False), "%s: thawed" % what)
    rc = cd.stop(20)
    t.ok(rc is not None, "%s: thawed, collectd exits (status %r)" % (what, rc))


try:
    data = os.path.join(mnt, "data")
    # ---- 1. g6_chain -------------------------------------------------------
    with t.MockD() as m:
        keyf, tokf = m.write_credentials(d)
        indices = [(n, 'StrikesBelowATM 2\nStrikesAboveATM 2\nExpiry "this_week"\n'
                       'Interval 1') for n in ("NIFTY", "BANKNIFTY")]
        conf = t.chain_config(data, m, keyf, tokf, plugin="ForceOpen true",
                              indices=indices)
        conf += RRD_AFTER % os.path.join(d, "rrd1") + "LoadPlugin load\n"
        gave_up = (r"\[error\] g6_chain: (NIFTY|BANKNIFTY) did not stop within 5 s: .*"
                   r"DataDir %s .*hung mount" % re.escape(data))
        cd = t.Collectd(plugins=["g6_chain"], config=conf, rrd=False,
                        expected_errors=[gave_up])
        t.ok(cd.start(), "collectd starts with DataDir on the loop file system")
        t.ok(t.wait_until(lambda: len(glob.glob(os.path.join(data, "*", "*", "*",
                                                            "*.csv"))) >= 10, 30),
             "both indices write CSV rows", cd.log()[-2000:])
        freeze_and_watch_load(cd, "g6_chain")  # its threads block in appends
        stop_while_frozen(cd, "g6_chain", gave_up)
        t.is_(sorted(re.findall(gave_up, cd.log())), ["BANKNIFTY", "NIFTY"],
              "one error for each blocked index")
        t.ok(not cd.unexpected_errors(), "no other error", cd.unexpected_errors())
        # a new collectd on the same DataDir: every row whole (a row cut
        # short by the exit is repaired on the first append)
        with t.Collectd(plugins=["g6_chain"], config=t.chain_config(
                data, m, keyf, tokf, plugin="ForceOpen true", indices=indices),
                rrd=False) as cd2:
            t.ok(cd2.wait_for("collectd_g6_csv_written_rows_total", timeout=30,
                              predicate=lambda v: v > 0, g6_csv="NIFTY"),
                 "a new collectd on the same DataDir collects again", cd2.log()[-2000:])
        rows, bad = t.csv_audit(data)
        t.ok(rows and not bad, "every CSV line complete, one header each", bad)

    # ---- 1b. g6_chain: rows held, the index thread between cycles ----------
    held = os.path.join(mnt, "held")
    # NIFTY's directory immutable (chattr +i): no CSV file can be made in
    # it, so the first cycle's rows are held; the thread then sleeps 30 s
    os.makedirs(os.path.join(held, "NIFTY"))
    run("chattr", "+i", os.path.join(held, "NIFTY"))
    with t.MockD() as m:
        keyf, tokf = m.write_credentials(d)
        conf = t.chain_config(held, m, keyf, tokf, plugin="ForceOpen true",
                              indices=[("NIFTY", 'StrikesBelowATM 2\nStrikesAboveATM 2\n'
                                                 'Expiry "this_week"\nInterval 30')])
        conf += RRD_AFTER % os.path.join(d, "rrd1b")
        gave_up = (r"\[error\] g6_chain: NIFTY: CSV: the rows held in memory after failed "
                   r"writes were not written within 5 s at shutdown: .*hung mount")
        cd = t.Collectd(plugins=["g6_chain"], config=conf, rrd=False, expected_errors=[
            gave_up, r"g6_chain: NIFTY: CSV: .*Operation not permitted"])
        t.ok(cd.start(), "collectd starts (rows to be held)")
        t.ok(cd.wait_for("collectd_g6_csv_pending_rows", timeout=30,
                         predicate=lambda v: v > 0),
             "NIFTY's directory immutable: rows held after failed writes", cd.log()[-2000:])
        run("chattr", "-i", os.path.join(held, "NIFTY"))
        t.ok(frozen(True), "held rows: frozen while the index thread is between cycles")
        stop_while_frozen(cd, "held rows", gave_up)
        t.ok(not cd.unexpected_errors(), "no other error", cd.unexpected_errors())

    # ---- 2. g6_retention ---------------------------------------------------
    old = t.make_file(data, "NIFTY/this_week/+900/2000-01-01.csv", 100,
                      time.time() - 400 * 86400)
    t.ok(frozen(True), "frozen again, an old file waiting to be deleted")
    gave_up = (r"\[error\] g6_retention: the sweep did not stop within 5 s: .*"
               r"DataDir %s .*hung mount" % re.escape(data))
    conf = ('<Plugin g6_retention>\n  DataDir "%s"\n  ScanInterval 1\n  Enabled true\n'
            '  MaxAgeDays 30\n  DryRun false\n</Plugin>\n' % data)
    conf += RRD_AFTER % os.path.join(d, "rrd2")
    cd = t.Collectd(plugins=["g6_retention"], config=conf, rrd=False,
                    expected_errors=[gave_up])
    t.ok(cd.start(), "collectd starts with g6_retention on the frozen DataDir")
    time.sleep(2)  # the first sweep blocks deleting the old file
    stop_while_frozen(cd, "g6_retention", gave_up)
    t.ok(not cd.unexpected_errors(), "no other error", cd.unexpected_errors())

    # ---- 3. g6_panels ------------------------------------------------------
    panels = os.path.join(mnt, "panels")
    gave_up = (r"\[error\] g6_panels: the panels flush did not stop within 5 s: .*"
               r"PanelsDir %s that does not answer" % re.escape(panels))
    conf = '<Plugin g6_panels>\n  PanelsDir "%s"\n  FlushInterval 0.5\n</Plugin>\n' % panels
    conf += RRD_AFTER % os.path.join(d, "rrd3") + "LoadPlugin load\n"
    cd = t.Collectd(plugins=["g6_panels", "g6_info"], config=conf, rrd=False,
                    expected_errors=[gave_up])
    t.ok(cd.start(), "collectd starts with g6_panels writing to the loop file system")
    t.ok(t.wait_until(lambda: os.path.exists(os.path.join(panels, "manifest.json")), 20),
         "g6_panels writes its panels", cd.log()[-2000:])
    freeze_and_watch_load(cd, "g6_panels")  # its next flush blocks
    stop_while_frozen(cd, "g6_panels", gave_up)
    t.ok(not cd.unexpected_errors(), "no other error", cd.unexpected_errors())

    # ---- 4. start-up on storage that hangs ---------------------------------
    with t.MockD() as m:
        keyf, tokf = m.write_credentials(d)
        t.ok(frozen(True), "frozen before collectd starts")
        fresh = os.path.join(mnt, "fresh")  # g6_chain must create it
        panels = os.path.join(mnt, "panels2")
        chain_err = (r"\[error\] g6_chain: DataDir: DataDir \"%s\" did not answer within "
                     r"5 s: .*storage under it hangs.* \(g6_chain is disabled" % re.escape(fresh))
        panels_err = (r"\[error\] g6_panels: PanelsDir: PanelsDir \"%s\" did not answer "
                      r"within 5 s" % re.escape(panels))
        conf = t.chain_config(fresh, m, keyf, tokf, plugin="ForceOpen true",
                              indices=indices[:1])
        conf += '<Plugin g6_panels>\n  PanelsDir "%s"\n</Plugin>\n' % panels
        conf += 'PluginDir "%s"\n<LoadPlugin load>\n  Interval 1\n</LoadPlugin>\n' % \
            t.STOCK_PLUGINDIR
        cd = t.Collectd(plugins=["g6_chain", "g6_panels", "g6_info"], config=conf,
                        rrd=False, expected_errors=[
                            chain_err, panels_err, r"Initialization of plugin `g6_",
                            r"one or more plugin init callbacks failed"])
        t0 = time.time()
        t.ok(cd.start(), "collectd starts although DataDir and PanelsDir hang")
        t.ok(cd.wait_for("collectd_load_shortterm", 30),
             "the other plugins run: load exports", cd.log()[-3000:])
        took = time.time() - t0
        t.ok(took < 25, "after each claim's 5-s bound, not the thaw (%.1f s)" % took)
        t.ok(re.search(chain_err, cd.log()), "g6_chain says DataDir does not answer, "
             "and that it is disabled", cd.log()[-3000:])
        t.ok(re.search(panels_err, cd.log()), "g6_panels says PanelsDir does not answer",
             cd.log()[-3000:])
        t.ok(cd.wait_for("collectd_g6_build_info", 10), "g6_info runs")
        t.ok(frozen(False), "thawed")
        t.ok(cd.stop(20) is not None, "collectd stops")
        t.ok(not cd.unexpected_errors(), "no other error", cd.unexpected_errors())
    # ---- 5. g6_analytics ---------------------------------------------------
    adata = os.path.join(mnt, "adata")  # NIFTY on 2025-01-06: a past session
    subprocess.run([t.build_path("bench", "gen_snapshots"), adata, "2", "5", "2"],
                   check=True)
    t.ok(frozen(True), "frozen, a past session's snapshot waiting to be analysed")
    gave_up = (r"\[error\] g6_analytics: the analysis did not stop within 5 s: "
               r".*DataDir %s .*hung mount" % re.escape(adata))
    conf = '<Plugin g6_analytics>\n  DataDir "%s"\n  Interval 1\n</Plugin>\n' % adata
    conf += RRD_AFTER % os.path.join(d, "rrd5") + "LoadPlugin load\n"
    cd = t.Collectd(plugins=["g6_analytics"], config=conf, rrd=False,
                    expected_errors=[gave_up])
    t.ok(cd.start(), "collectd starts with g6_analytics on the frozen DataDir")
    t.ok(cd.wait_for("collectd_load_shortterm", 15), "g6_analytics: load exports",
         cd.log()[-2000:])
    time.sleep(3)  # the first run blocks writing 2025-01-06's close
    before = t.select(cd.samples(), "collectd_load_shortterm")
    time.sleep(3)
    after = t.select(cd.samples(), "collectd_load_shortterm")
    t.ok(before and after and after[0].timestamp > before[0].timestamp,
         "g6_analytics: collectd's read threads are not held: load's values go on",
         (before, after))
    t.ok(not re.search(r"kept the ATM IV close", cd.log()),
         "the close is not written while frozen (the run is blocked)", cd.log()[-2000:])
    stop_while_frozen(cd, "g6_analytics", gave_up)
    t.ok(not cd.unexpected_errors(), "no other error", cd.unexpected_errors())
finally:
    frozen(False)
    run("chattr", "-i", os.path.join(mnt, "held", "NIFTY"))
    t.unmount_thawed(mnt)

t.done_testing()
