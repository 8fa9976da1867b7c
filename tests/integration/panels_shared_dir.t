#!/usr/bin/env python3
"""g6_panels in a PanelsDir that other programs write too, or that cannot
hold its sets, in the real collectd.

  - Other programs' entries appearing after start-up are never moved or
    deleted. The review's case: PanelsDir "pp/shared" holding important.txt,
    then `mkdir pp/shared/NIFTY; echo row > pp/shared/NIFTY/data.csv` (and a
    new file) while g6_panels flushes often. The directory and the files
    are created inside a flush's window (between reading PanelsDir and the
    swap; a preloaded shim, tests/lib/slow_rename.c, widens it and marks it),
    which is where they used to be swapped out with the previous set and
    deleted at the next flush. They stay in PanelsDir, untouched; g6_panels
    says which directory makes it write file by file, and keeps writing
    sets that verify.
  - PanelsDir on a read-only mount is refused at start-up with one error
    naming it (it used to start and fail every flush); a PanelsDir that is
    a mount point is written file by file from the start, with a warning
    that says so (not a "Device or resource busy" at the first flush).
  - A PanelsDir that is a symbolic link is made again when the link is
    removed, and refused (every flush, naming it) while it points
    elsewhere.
  - Another program's symbolic link at a panel's name and directory at
    manifest.json stay where they are (the directory used to be moved into
    the staging directory): the panel is left out of a set that verifies,
    logged once and counted; no panel is written while manifest.json is
    taken, the error naming it; both written again once the name is free.
  - g6_chain's DataDir as PanelsDir is refused, whichever plugin starts
    first: the plugin that comes second names the directory and says the
    two must differ."""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t  # noqa: E402

SHIM = t.build_path("tests", "slow_rename.so")










# --- other programs' entries appear while g6_panels runs ---------------------
wd = t.workdir()
pp = os.path.join(wd, "pp")
shared = os.path.join(pp, "shared")
staging = os.path.join(pp, ".shared.g6-staging")
os.makedirs(shared)
with open(os.path.join(shared, "important.txt"), "w") as f:
    f.write("important\n")
mark = os.path.join(wd, "in-window")
conf = """
<Plugin g6_panels>
  PanelsDir "%s"
  FlushInterval 0.2
  IntegrityInterval 3600
</Plugin>
""" % shared
cd = t.Collectd(plugins=["g6_panels", "g6_info"], config=conf, rrd=False,
                env={"LD_PRELOAD": SHIM, "G6_SLOW_RENAME_MS": "300",
                     "G6_SLOW_RENAME_MARK": mark})
t.ok(cd.start(), "collectd starts with g6_panels")
t.ok(t.wait_until(lambda: (t.manifest_field(shared, "cycle") or 0) >= 2, 20, 0.05),
     "g6_panels writes sets into the shared directory")
# inside a flush's window: after it read PanelsDir, before the swap
if os.path.exists(mark):
    os.unlink(mark)
inside = t.wait_until(lambda: os.path.exists(mark), 10, 0.005)
os.mkdir(os.path.join(shared, "NIFTY"))
with open(os.path.join(shared, "NIFTY", "data.csv"), "w") as f:
    f.write("row\n")
with open(os.path.join(shared, "late.txt"), "w") as f:
    f.write("late\n")
t.ok(inside, "the entries were created while a set waited to be swapped in")
t.ok(cd.wait_log(r'\[warning\] g6_panels: PanelsDir %s holds the directory "NIFTY", '
                 r"which is not g6's: it is left in place.*writing panels file by "
                 r"file from now on" % re.escape(shared), 20),
     "g6_panels names the directory and writes file by file", cd.log())
cycle = t.manifest_field(shared, "cycle") or 0
t.ok(t.wait_until(lambda: (t.manifest_field(shared, "cycle") or 0) >= cycle + 3, 20, 0.05),
     "panels are still written")
time.sleep(1)  # more flushes: nothing moves later either
t.is_(t.read_text(os.path.join(shared, "NIFTY", "data.csv")), "row\n",
      "the directory and its file stay in PanelsDir, untouched")
t.is_(t.read_text(os.path.join(shared, "late.txt")), "late\n",
      "a file created during the flush stays")
t.is_(t.read_text(os.path.join(shared, "important.txt")), "important\n",
      "the file that was there at start-up stays")
t.ok(not os.path.exists(os.path.join(staging, "NIFTY"))
     and not os.path.exists(os.path.join(staging, "late.txt")),
     "nothing of theirs is left in the staging directory",
     subprocess.run(["ls", "-laiR", pp], capture_output=True, text=True).stdout + cd.log())
t.ok("cannot empty the staging directory" not in cd.log(),
     "no staging directory trouble in the log")
cd.stop()
t.is_(cd.unexpected_errors(), [], "no error logged")
# stopped: file by file, a flush running meanwhile may have replaced a panel
# and not yet the manifest (what AtomicSet false accepts)
t.ok(t.panels_verify(shared), "the set verifies (g6 integrity --strict, the Python checker)")

# --- a read-only PanelsDir, a PanelsDir that is a mount point -----------------
ro = os.path.join(wd, "ro")
if t.mount_tmpfs(ro, "1m", ro=True):
    cd = t.Collectd(plugins=["g6_panels", "g6_info"], rrd=False,
                    config='<Plugin g6_panels>\n  PanelsDir "%s"\n</Plugin>\n' % ro,
                    expected_errors=[r"g6_panels", r"Initialization of plugin `g6_panels' failed"])
    t.ok(cd.start(), "read-only PanelsDir: collectd starts anyway")
    t.ok(cd.wait_log(r'\[error\] g6_panels: PanelsDir: PanelsDir "%s" is not writable: '
                     r"Read-only file system" % re.escape(ro), 10),
         "read-only PanelsDir: refused at start-up, naming it", cd.log())
    t.ok(cd.wait_for("collectd_g6_build_info", 10), "the other plugins keep running")
    t.ok("writing panels to" not in cd.log(), "g6_panels does not claim to write panels")
    cd.stop()
    mnt = os.path.join(wd, "mnt")
    t.ok(t.mount_tmpfs(mnt, "4m"), "a tmpfs for PanelsDir")
    cd = t.Collectd(plugins=["g6_panels", "g6_info"], rrd=False,
                    config='<Plugin g6_panels>\n  PanelsDir "%s"\n  FlushInterval 0.2\n'
                           '</Plugin>\n' % mnt)
    t.ok(cd.start(), "PanelsDir a mount point: collectd starts")
    t.ok(cd.wait_log(r"\[warning\] g6_panels: PanelsDir %s is a mount point: .*writing "
                     r"panels file by file" % re.escape(mnt), 10),
         "PanelsDir a mount point: one warning at start-up says so", cd.log())
    t.ok(t.wait_until(lambda: (t.manifest_field(mnt, "cycle") or 0) >= 2, 20, 0.05)
         and t.panels_verify(mnt), "PanelsDir a mount point: sets are written and verify")
    t.ok("Device or resource busy" not in cd.log() and "from now on" not in cd.log(),
         "no failed exchange later", cd.log())
    cd.stop()
    t.is_(cd.unexpected_errors(), [], "no error logged")
else:
    t.diag("mounting is not allowed here: the read-only and mount point cases skipped")

# --- PanelsDir removed while collectd runs ------------------------------------
# `rm -rf PanelsDir` used to fail every flush for good ("cannot create
# temporary file …: No such file or directory (the previous panels stay in
# place …)"): the next flush creates it again, with its mode, and writes a
# whole set that verifies. Another program's file removed with it does not
# come back (it used to, from the previous set in the staging directory).
gd = os.path.join(t.workdir(), "gone")
gone = os.path.join(gd, "panels")
os.makedirs(gone)
os.chmod(gone, 0o750)
with open(os.path.join(gone, "theirs.csv"), "w") as f:
    f.write("another program's\n")
cd = t.Collectd(plugins=["g6_panels", "g6_info"], rrd=False,
                config='<Plugin g6_panels>\n  PanelsDir "%s"\n  FlushInterval 0.2\n'
                       '  IntegrityInterval 3600\n</Plugin>\n' % gone)
t.ok(cd.start(), "removed PanelsDir: collectd starts")
t.ok(t.wait_until(lambda: (t.manifest_field(gone, "cycle") or 0) >= 2, 20, 0.05),
     "removed PanelsDir: sets are written")
subprocess.run(["rm", "-rf", gone], check=True)
t.ok(cd.wait_log(r"\[warning\] g6_panels: PanelsDir %s had been removed; created it "
                 r"again" % re.escape(gone), 20),
     "removed PanelsDir: the next flush creates it again and says so", cd.log())
t.ok(t.wait_until(lambda: t.manifest_field(gone, "cycle") is not None and t.panels_verify(gone), 20, 0.1),
     "removed PanelsDir: a whole set with its manifest is written and verifies",
     subprocess.run(["ls", "-laR", gd], capture_output=True, text=True).stdout)
t.is_(oct(os.stat(gone).st_mode & 0o7777), oct(0o750), "removed PanelsDir: its mode is kept")
t.is_(sorted(os.listdir(gone)), sorted(t.manifest_field(gone, "files", []) + ["manifest.json"]),
      "removed PanelsDir: only g6's panels come back, not what was removed with it")
t.ok(not os.path.exists(os.path.join(gd, ".panels.g6-staging", "theirs.csv")),
     "removed PanelsDir: no link of the removed file is left in the staging directory")
t.ok("No such file or directory" not in cd.log(), "removed PanelsDir: no failed flush", cd.log())
cd.stop()
t.is_(cd.unexpected_errors(), [], "no error logged")

# --- another program's entry at one of g6's own names ----------------------------
# A directory an operator made at PanelsDir/manifest.json used to be moved
# into the staging directory by the next swap (and whole sets ended); a
# symbolic link at a panel's name was replaced. Both stay where they are:
# the panel whose name is taken is left out of the set (which verifies) and
# counted, no panel is written while manifest.json is taken, and each is
# written again once the name is free. Each change is made right after a
# flush (FlushInterval 1), outside the window in which a set is swapped in.
od = os.path.join(t.workdir(), "own")
own = os.path.join(od, "panels")
os.makedirs(own)
theirs = os.path.join(od, "theirs.json")
with open(theirs, "w") as f:
    f.write('{"theirs": true}\n')
cd = t.Collectd(plugins=["g6_panels", "g6_info"], rrd=False,
                config='<Plugin g6_panels>\n  PanelsDir "%s"\n  FlushInterval 1\n'
                       '  IntegrityInterval 3600\n</Plugin>\n' % own,
                expected_errors=[r"g6_panels: PanelsDir .*manifest\.json is a directory, "
                                 r"which is not g6's"])


def after_a_flush():
    cycle = t.manifest_field(own, "cycle") or 0
    t.wait_until(lambda: (t.manifest_field(own, "cycle") or 0) > cycle, 10, 0.01)


def listed(name):
    return name in (t.manifest_field(own, "files", []) or [])


t.ok(cd.start(), "own names: collectd starts")
t.ok(t.wait_until(lambda: (t.manifest_field(own, "cycle") or 0) >= 2, 20, 0.05),
     "own names: sets are written")
system = os.path.join(own, "system_enveloped.json")
after_a_flush()
os.symlink(theirs, os.path.join(od, "link.tmp"))
os.rename(os.path.join(od, "link.tmp"), system)
t.ok(cd.wait_log(r"\[warning\] g6_panels: panel system is not written: %s is a symbolic "
                 r"link, which is not g6's: it is left in place, and the panel is left "
                 r"out of manifest.json" % re.escape(system), 10),
     "a link at a panel's name: g6_panels names it once", cd.log())
t.ok(t.wait_until(lambda: not listed("system_enveloped.json") and t.panels_verify(own),
                  10, 0.1),
     "a link at a panel's name: the panel is left out, the set verifies")
t.ok(cd.wait_for("collectd_g6_panels_panel_write_failures_total", 10,
                 predicate=lambda v: v > 0, g6_panels="system"),
     "a link at a panel's name: counted as the panel's write failures")
time.sleep(2)
t.ok(os.path.islink(system) and os.readlink(system) == theirs
     and t.read_text(theirs) == '{"theirs": true}\n',
     "a link at a panel's name: the link and its target stay untouched")
t.is_(len(re.findall(r"panel system is not written", cd.log())), 1, "it is logged once")
after_a_flush()
os.unlink(system)
t.ok(cd.wait_log(r"g6_panels: every panel's file name in PanelsDir %s is free again"
                 % re.escape(own), 10), "the link removed: g6_panels says so", cd.log())
t.ok(t.wait_until(lambda: listed("system_enveloped.json") and t.panels_verify(own), 10, 0.1),
     "the link removed: the panel is written and listed again")
manifest = os.path.join(own, "manifest.json")
after_a_flush()
os.mkdir(os.path.join(od, "dir.tmp"))
with open(os.path.join(od, "dir.tmp", "notes.txt"), "w") as f:
    f.write("operator's\n")
ino = os.stat(os.path.join(od, "dir.tmp")).st_ino
os.unlink(manifest)  # a flush is a second away
os.rename(os.path.join(od, "dir.tmp"), manifest)
t.ok(cd.wait_log(r"\[error\] g6_panels: PanelsDir %s: manifest.json is a directory, which "
                 r"is not g6's: it is left in place, and no panels are written until it "
                 r"is moved away" % re.escape(own), 10),
     "a directory at manifest.json: each flush fails naming it", cd.log())
time.sleep(3)
t.ok(os.path.isdir(manifest) and os.stat(manifest).st_ino == ino
     and t.read_text(os.path.join(manifest, "notes.txt")) == "operator's\n",
     "a directory at manifest.json: it stays in PanelsDir with what it holds",
     subprocess.run(["ls", "-laiR", od], capture_output=True, text=True).stdout)
t.ok(not os.path.lexists(os.path.join(od, ".panels.g6-staging", "manifest.json")),
     "a directory at manifest.json: nothing of it in the staging directory")
t.ok("from now on" not in cd.log(), "whole sets go on", cd.log())
subprocess.run(["rm", "-rf", manifest], check=True)
t.ok(t.wait_until(lambda: os.path.isfile(manifest) and t.panels_verify(own), 10, 0.1),
     "the directory removed: the next flush writes the set, which verifies")
cd.stop()
t.is_(cd.unexpected_errors(), [], "no other error logged")

# --- PanelsDir a symbolic link, removed and re-pointed while collectd runs -----
# Readers use the link: a removed link used to stay removed while sets went
# on into the directory it had pointed to. It is made again; pointed
# elsewhere it is not followed, and every flush says so.
ld = t.workdir()
target = os.path.join(ld, "real", "panels")
os.makedirs(target)
other = os.path.join(ld, "other")
os.makedirs(other)
link = os.path.join(ld, "panels")
os.symlink("real/panels", link)
cd = t.Collectd(plugins=["g6_panels", "g6_info"], rrd=False,
                config='<Plugin g6_panels>\n  PanelsDir "%s"\n  FlushInterval 0.2\n'
                       '  IntegrityInterval 3600\n</Plugin>\n' % link,
                expected_errors=[r"g6_panels: PanelsDir .* no longer leads to"])
t.ok(cd.start(), "PanelsDir a link: collectd starts")
t.ok(t.wait_until(lambda: (t.manifest_field(link, "cycle") or 0) >= 2, 20, 0.05),
     "PanelsDir a link: sets are written")
os.unlink(link)
t.ok(cd.wait_log(r"\[warning\] g6_panels: PanelsDir %s, a symbolic link to %s, had been "
                 r"removed; created the link again"
                 % (re.escape(link), re.escape(os.path.realpath(target))), 20),
     "PanelsDir a link: the removed link is made again, and that is said", cd.log())
t.ok(os.path.islink(link) and os.readlink(link) == "real/panels" and t.panels_verify(link),
     "PanelsDir a link: the same link again, and the set verifies through it")
os.unlink(link)
os.symlink(other, link)
t.ok(cd.wait_log(r'\[error\] g6_panels: PanelsDir %s no longer leads to %s, where g6_panels '
                 r'has written since start-up \(it is a symbolic link to "%s"\), so no '
                 r'panels are written: make it a symbolic link to "real/panels" again, or '
                 r"restart collectd to write where it leads now \(retried every 0.2 s\)"
                 % (re.escape(link), re.escape(os.path.realpath(target)), re.escape(other)),
                 20),
     "PanelsDir a link pointed elsewhere: every flush fails, naming the link, "
     "what it is now and the directory written", cd.log())
t.ok(not os.path.exists(os.path.join(other, "manifest.json")),
     "PanelsDir a link pointed elsewhere: nothing is written there")
os.unlink(link)
os.symlink("real/panels", link)
cycle = t.manifest_field(link, "cycle") or 0
t.ok(t.wait_until(lambda: (t.manifest_field(link, "cycle") or 0) >= cycle + 2, 20, 0.05)
     and t.panels_verify(link), "PanelsDir a link pointed back: sets are written again")
cd.stop()
t.is_(cd.unexpected_errors(), [], "no other error logged")

# --- PanelsDir's file system read-only for a while -------------------------------
# A remount read-only for a few seconds used to end whole sets until a
# restart ("… Read-only file system; writing panels file by file from now
# on"): whole sets come back once it is writable again.
rofs = os.path.join(t.workdir(), "rofs")
if t.mount_tmpfs(rofs, "4m"):
    rod = os.path.join(rofs, "panels")
    cd = t.Collectd(plugins=["g6_panels", "g6_info"], rrd=False,
                    config='<Plugin g6_panels>\n  PanelsDir "%s"\n  FlushInterval 0.2\n'
                           '  IntegrityInterval 3600\n</Plugin>\n' % rod,
                    expected_errors=[r"g6_panels: .*Read-only file system"])
    t.ok(cd.start(), "read-only for a while: collectd starts")
    t.ok(t.wait_until(lambda: (t.manifest_field(rod, "cycle") or 0) >= 3, 20, 0.05),
         "read-only for a while: sets are written")
    subprocess.run(["mount", "-o", "remount,ro", rofs], check=True)
    t.ok(cd.wait_log(r"\[warning\] g6_panels: .*Read-only file system; writing panels "
                     r"file by file until a whole set can be swapped in again", 20),
         "read-only for a while: one warning says whole sets pause", cd.log())
    time.sleep(1)
    subprocess.run(["mount", "-o", "remount,rw", rofs], check=True)
    t.ok(cd.wait_log(r"g6_panels: whole panel sets are swapped into %s atomically again"
                     % re.escape(rod), 20),
         "read-only for a while: whole sets come back", cd.log())
    cycle = t.manifest_field(rod, "cycle") or 0
    t.ok(t.wait_until(lambda: (t.manifest_field(rod, "cycle") or 0) >= cycle + 2, 20, 0.05)
         and t.panels_verify(rod), "read-only for a while: sets are written and verify")
    t.ok("from now on" not in cd.log(), "read-only for a while: whole sets never end",
         cd.log())
    t.is_(len(re.findall(r"until a whole set can be swapped in again", cd.log())), 1,
          "read-only for a while: the pause is logged once")
    cd.stop()
else:
    t.diag("mounting is not allowed here: the read-only for a while case skipped")

# --- g6_chain's DataDir as PanelsDir --------------------------------------------
with t.MockD() as m:
    for first, second, option in (("g6_chain", "g6_panels", "PanelsDir"),
                                  ("g6_panels", "g6_chain", "DataDir")):
        cwd = t.workdir()
        m.write_credentials(cwd)
        same = os.path.join(cwd, "data")  # still empty, as at a first start
        chain = m.chain_config(cwd, '  <Index "NIFTY">\n  </Index>') + \
            '<Plugin g6_panels>\n  PanelsDir "%s"\n</Plugin>\n' % same
        cd = t.Collectd(plugins=[first, second, "g6_info"], config=chain, rrd=False,
                        expected_errors=[second, r"Initialization of plugin `%s' failed"
                                         % second])
        t.ok(cd.start(), "%s first: collectd starts" % first)
        t.ok(cd.wait_log(r'\[error\] %s: %s: %s "%s" is already used by another g6 '
                         r"plugin of this collectd \(g6_chain's DataDir and g6_panels' "
                         r"PanelsDir must be different directories\)"
                         % (second, option, option, re.escape(same)), 10),
             "%s first: %s is refused, the message names the directory" % (first, second),
             cd.log())
        t.ok(cd.wait_log(r"%s: " % first, 10) and not re.search(
            r"\[error\] %s:" % first, cd.log()), "%s runs" % first)
        cd.stop()
t.done_testing()
