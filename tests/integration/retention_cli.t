#!/usr/bin/env python3
"""`g6 retention-scan` and `g6 retention-prune` as operators run them.

- The scan keeps the old platform's output (reference §7): its JSON and text
  lines are compared byte for byte with a small independent Python
  implementation of the old algorithm (pathlib rglob, json.dumps with
  sort_keys) on a random tree: non-ASCII and undecodable names, hidden
  files, CSV files at the top, fractional mtimes, an empty tree, a missing
  directory (exit 2), path spellings Python normalises.
- Its deliberate differences: symlinked files are not counted.
- The prune is a dry run unless --apply, and on a hostile tree (symlinks out
  of the tree, a symlinked index directory, today's files, look-alike names,
  a read-only directory, a tmpfs below the data directory) deletes exactly
  the old files of the layout; exit codes 0 / 1 (a delete failed) / 2.
- Both refuse the root directory however spelled ("/tmp/..", "/.", a
  symbolic link to "/"), and --max-deletes has the plugin's range."""
import datetime
import json
import os
import random
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

g6 = t.build_path("g6")
seed = int(os.environ.get("G6_SEED", str(int(time.time()))))
rng = random.Random(seed)
t.diag("seed %d (set G6_SEED to reproduce)" % seed)
IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))


def old_scan(csv_dir, as_json):
    """The old platform's cmd_retention_scan (reference §7), re-implemented:
    returns (exit status, stdout)."""
    from pathlib import Path
    base = Path(os.fsdecode(csv_dir))
    if not base.exists():
        msg = {"error": "missing_path", "csv_dir": str(base)}
        return 2, (json.dumps(msg) if as_json else
                   "[retention-scan] ERROR missing path: %s" % base) + "\n"
    total_size = total_files = 0
    oldest = newest = None
    per_index = {}
    for p in base.rglob("*.csv"):
        try:
            st = p.stat()
        except OSError:
            continue
        total_files += 1
        total_size += st.st_size
        if oldest is None or st.st_mtime < oldest:
            oldest = st.st_mtime
        if newest is None or st.st_mtime > newest:
            newest = st.st_mtime
        parts = p.relative_to(base).parts
        if parts:
            per_index[parts[0]] = per_index.get(parts[0], 0) + 1

    def iso(ts):
        return datetime.datetime.utcfromtimestamp(ts).isoformat() if ts else None
    result = {"csv_dir": str(base), "total_files": total_files,
              "total_size_mb": round(total_size / (1024 * 1024), 3),
              "oldest_file_utc": iso(oldest), "newest_file_utc": iso(newest),
              "per_index_counts": per_index}
    if as_json:
        return 0, json.dumps(result, sort_keys=True) + "\n"
    return 0, ("[retention-scan] files=%s size_mb=%s oldest=%s newest=%s indices=%d\n"
               % (result["total_files"], result["total_size_mb"],
                  result["oldest_file_utc"], result["newest_file_utc"], len(per_index)))


def run(*args, user=None):
    argv = [g6] + [a if isinstance(a, bytes) else str(a) for a in args]
    if user:
        argv = ["setpriv", "--reuid=%d" % user, "--regid=%d" % user,
                "--clear-groups"] + argv
    p = subprocess.run(argv, capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "surrogateescape"), \
        p.stderr.decode("utf-8", "replace")


put = t.make_file


wd = t.workdir()

# ---- the old output, byte for byte ----------------------------------------
tree = os.path.join(wd, "tree")
names = ["NIFTY", "BANKNIFTY", "overview", "snapshots", "NIFTŸ", "ζ-idx",
         "with space", ".hidden", "x\U0001F600"]
bad = os.fsencode(tree) + b"/bad\xff\xfe"
for i in range(300):
    top = rng.choice(names)
    depth = rng.randint(0, 3)
    parts = [top] + ["d%d" % rng.randint(0, 3) for _ in range(depth)]
    name = rng.choice(["2025-10-%02d.csv" % rng.randint(1, 28), "x.csv",
                       ".h.csv", "notes.txt", ".csv", "a.CSV"])
    put(tree, os.path.join(*parts, name), rng.randint(0, 40000),
        rng.uniform(1.5e9, 1.8e9))
put(tree, "top-level.csv", 5, 1700000000.5)
put(tree, "exact.csv", 7, 1700000000.0000005)   # a half microsecond
os.makedirs(bad, exist_ok=True)
with open(bad + b"/b.csv", "wb") as f:
    f.write(b"yy")
empty = os.path.join(wd, "empty")
os.makedirs(empty)
cases = [tree, tree + "/", tree + "//", os.path.join(tree, ".", ""), empty,
         os.path.join(wd, "nosuch")]
for d in cases:
    for as_json in (True, False):
        want = old_scan(d, as_json)
        args = ["retention-scan", "--csv-dir", d] + (["--json"] if as_json else [])
        rc, out, err = run(*args)
        t.is_((rc, out), want, "retention-scan %s%s equals the old output"
              % (os.path.relpath(d, wd) if d.startswith(wd) else d,
                 " --json" if as_json else ""))
rc, out, _ = run("retention-scan", "--csv-dir", tree, "--json")
doc = json.loads(out)
t.ok(doc["total_files"] > 100 and "NIFT\u0178" in doc["per_index_counts"]
     and "bad\udcff\udcfe" in doc["per_index_counts"],
     "the tree has non-ASCII and undecodable index names", out[:300])

# deliberate difference: a symlinked CSV file (here to a file outside) is not
# counted (the old scan followed it)
outside = os.path.join(wd, "outside")
put(outside, "big.csv", 3 * 1048576, 1600000000)
os.symlink(os.path.join(outside, "big.csv"), os.path.join(tree, "NIFTY", "link.csv"))
_, ours, _ = run("retention-scan", "--csv-dir", tree, "--json")
_, old = old_scan(tree, True)
t.is_((json.loads(ours)["total_files"], json.loads(old)["total_files"]),
      (doc["total_files"], doc["total_files"] + 1),
      "a symlinked CSV file is not followed (the old scan counted it)")

rc, out, err = run("retention-scan", "--csv-dir", os.path.join(tree, "top-level.csv"), "--json")
t.ok(rc == 2 and json.loads(out)["error"] == "not_a_directory",
     "a file given as the directory: exit 2, not an empty result", out + err)
rc, out, err = run("retention-scan", "--bogus")
t.ok(rc == 2 and "usage" in err, "an unknown option: exit 2 with the usage", err)
for cmd, args in [("retention-scan", ["--bogus"]), ("retention-scan", ["--csv-dir"]),
                  ("retention-prune", ["--frob"]), ("retention-prune", ["--max-age-days"])]:
    rc, out, err = run(cmd, *args)
    t.ok(rc == 2 and err.startswith('g6 %s: unknown or incomplete option "%s"\n' %
                                    (cmd, args[0])),
         "g6 %s %s: exit 2 naming the option" % (cmd, " ".join(args)), err)

# ---- the prune on a hostile tree ----------------------------------------------
now = time.time()
today = datetime.datetime.fromtimestamp(now, IST).date()
def day(n):
    return (today - datetime.timedelta(days=n)).isoformat()
old_t = now - 90 * 86400
data = os.path.join(wd, "data")
victims = [  # the only files an --apply with 30 days may delete
    "NIFTY/this_week/+50/%s.csv" % day(40),
    "NIFTY/next_month/-100/%s.csv" % day(31),
    "overview/NIFTY/%s.csv" % day(60),
    "snapshots/NIFTY/%s/7.json" % day(45),
]
keep = [
    "NIFTY/this_week/+50/%s.csv" % day(30),       # exactly 30 days: kept
    "NIFTY/this_week/+50/%s.csv" % day(0),        # today's
    "snapshots/NIFTY.json",                       # the latest snapshot
    "panels/manifest.json",
    # look-alikes of old files
    "NIFTY/this_week/50/%s.csv" % day(40),
    "NIFTY/this_week/+50/%s.csv.bak" % day(40),
    "NIFTY/this_week/+50/%s.CSV" % day(40),
    "NIFTY/weekly/+50/%s.csv" % day(40),
    "NIFTY/this_week/%s.csv" % day(40),
    "NIFTY/this_week/+50/old/%s.csv" % day(40),
    "%s.csv" % day(40),
    "backup/NIFTY/this_week/+50/%s.csv" % day(40),
]
for rel in victims + keep:
    put(data, rel, 100, old_t)
# modified today although dated long ago (restored from a backup this morning)
put(data, "NIFTY/this_week/+100/%s.csv" % day(50), 100, now - 60)
keep.append("NIFTY/this_week/+100/%s.csv" % day(50))
# symlinks out of the tree, to old files of the same layout
put(outside, "SENSEX/this_week/0/%s.csv" % day(40), 100, old_t)
put(outside, "%s.csv" % day(40), 100, old_t)
os.symlink(os.path.join(outside, "SENSEX"), os.path.join(data, "SENSEX"))
os.symlink(os.path.join(outside, "%s.csv" % day(40)),
           os.path.join(data, "NIFTY/this_week/+50/%s.csv" % day(41)))
os.symlink("..", os.path.join(data, "NIFTY/this_week/-50"))
outside_files = [os.path.join(outside, "SENSEX/this_week/0/%s.csv" % day(40)),
                 os.path.join(outside, "%s.csv" % day(40))]


def present(rels):
    return [r for r in rels if os.path.lexists(os.path.join(data, r))]


rc, out, err = run("retention-prune", "--data-dir", data, "--max-age-days", 30, "--json")
rep = json.loads(out) if rc == 0 else {}
t.ok(rc == 0 and rep.get("dry_run") is True and
     rep["files_by_action"]["would_delete"] == len(victims) and
     rep["files_by_action"]["deleted"] == 0 and
     rep["files_by_action"]["kept_today"] == 1 and
     rep["files_by_action"]["kept_symlink"] == 3,
     "dry run by default: %d would be deleted, 1 kept as today's, 3 symlinks passed by"
     % len(victims), out + err)
t.is_(present(victims + keep), victims + keep, "the dry run deleted nothing")
rc, dry_out, err = run("retention-prune", "--data-dir", data, "--max-age-days", 30, "--list")
t.ok(rc == 0 and "would remove 5 empty directories" in dry_out.splitlines()[-1],
     "the dry run's summary counts the directories --apply would remove", dry_out + err)

rc, out, err = run("retention-prune", "--data-dir", data, "--max-age-days", 30,
                   "--apply", "--list")
t.is_(rc, 0, "--apply exits 0")
t.is_(present(victims), [], "--apply deleted the old files of the layout")
t.is_(present(keep), keep, "... and kept today's, look-alikes, the latest "
      "snapshot and the panels")
t.ok(all(os.path.exists(f) for f in outside_files) and
     os.path.islink(os.path.join(data, "SENSEX")),
     "files behind symlinks and the symlinks themselves are untouched")
t.ok(not os.path.exists(os.path.join(data, "NIFTY/next_month")) and
     not os.path.exists(os.path.join(data, "snapshots/NIFTY/%s" % day(45))),
     "directories the sweep emptied are removed")
listed = sorted(l.split(" ")[0] for l in out.splitlines() if not l.startswith("["))
t.is_(listed, sorted(["deleted"] * 4 + ["kept_today"] + ["kept_symlink"] * 3 + ["rmdir"] * 5),
      "--list names every file acted on and every directory removed")
rmdirs = sorted(os.path.relpath(l.split(" ", 1)[1], data)
                for l in out.splitlines() if l.startswith("rmdir "))
t.is_(rmdirs, sorted(["NIFTY/next_month/-100", "NIFTY/next_month", "overview/NIFTY",
                      "snapshots/NIFTY/%s" % day(45), "snapshots/NIFTY"]),
      "the removed directories are the emptied layout directories")
t.ok(out.splitlines()[-1].startswith("[retention-prune] deleted 4 file(s)"),
     "the summary line says what was deleted", out)
# the dry run named the same files and directories (it listed no directory,
# while --apply removed five)
as_applied = {"would_delete": "deleted", "would_rmdir": "rmdir"}
t.is_(sorted(" ".join([as_applied.get(l.split(" ")[0], l.split(" ")[0])] + l.split(" ")[1:])
             for l in dry_out.splitlines() if not l.startswith("[")),
      sorted(l for l in out.splitlines() if not l.startswith("[")),
      "the dry run's --list is what --apply then did, directories included")

# a read-only directory: an unprivileged run cannot delete there (root is
# not stopped by modes; the unit tests use an immutable directory for root)
ro = os.path.join(wd, "ro")
for i in range(3):
    put(ro, "NIFTY/this_week/+%d/%s.csv" % (50 * (i + 1), day(40)), 10, old_t)
subprocess.run(["chown", "-R", "65534:65534", ro], check=True)
os.chmod(os.path.join(ro, "NIFTY/this_week/+100"), 0o555)
os.chmod(wd, 0o755)
rc, out, err = run("retention-prune", "--data-dir", ro, "--max-age-days", 30,
                   "--apply", "--json", user=65534)
rep = json.loads(out) if out.startswith("{") else {}
t.ok(rc == 1 and rep.get("files_by_action", {}).get("deleted") == 2 and
     rep["files_by_action"]["failed"] == 1 and
     "+100" in (rep.get("first_failure") or "") and "Permission denied" in err,
     "a read-only directory: the others are deleted, the failure is counted and "
     "named, exit 1", out + err)

# a tmpfs below the data directory is not entered
mnt = os.path.join(data, "NIFTY", "this_week", "+150")
os.makedirs(mnt)
if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "g6test", mnt],
                  capture_output=True).returncode == 0:
    try:
        put(mnt, "%s.csv" % day(40), 10, old_t)
        rc, out, err = run("retention-prune", "--data-dir", data, "--max-age-days", 30,
                           "--apply")
        t.ok(rc == 0 and os.path.exists(os.path.join(mnt, "%s.csv" % day(40))) and
             "1 other mount" in err,
             "a second file system below the data directory is neither entered nor pruned",
             out + err)
    finally:
        subprocess.run(["umount", "-l", mnt], capture_output=True)
else:
    t.ok(True, "# SKIP cannot mount a tmpfs here")

rc, out, err = run("retention-prune", "--data-dir", os.path.join(wd, "nosuch"))
t.ok(rc == 2 and "nosuch" in err, "a missing data directory: exit 2 naming it", err)
rc, out, err = run("retention-prune", "--data-dir", data, "--max-age-days", "-1")
t.ok(rc == 2 and "--max-age-days -1" in err and "0 to 36500" in err,
     "a bad age: exit 2 naming the option, the value and what is allowed", err)
rc, out, err = run("retention-prune", "--data-dir", data, "--max-deletes", "0")
t.ok(rc == 2 and "1 to" in err, "--max-deletes 0 is refused", err)
# the plugin's MaxDeletesPerSweep allows 1 to 10000000: the CLI allowed 1e9
rc, out, err = run("retention-prune", "--data-dir", data, "--max-deletes", "10000001")
t.ok(rc == 2 and "--max-deletes 10000001: allowed: an integer from 1 to 10000000" in err,
     "--max-deletes above the plugin's MaxDeletesPerSweep range is refused", err)
rc, out, err = run("retention-prune", "--data-dir", data, "--max-deletes", "10000000")
t.is_(rc, 0, "--max-deletes 10000000, the plugin's maximum, is accepted")

# the root directory however spelled is refused before anything is walked
# ("/tmp/.." and "/." walked the whole root file system with exit 0)
to_root = os.path.join(wd, "to-root")
os.symlink("/", to_root)
for spelling in ("/", "/.", "/./", "/tmp/..", to_root):
    rc, out, err = run("retention-prune", "--data-dir", spelling)
    t.ok(rc == 2 and ("data directory %s is the root directory" % spelling) in err and
         "[retention-prune]" not in out,
         "retention-prune --data-dir %s: refused, exit 2" % spelling, out + err)
for args in (["--csv-dir", "/tmp/..", "--detail"], ["--csv-dir", "/."],
             ["--csv-dir", to_root, "--list-unmatched"],
             ["--csv-dir", data, "--panels-dir", "/tmp/..", "--detail"]):
    rc, out, err = run("retention-scan", *args)
    t.ok(rc == 2 and "is the root directory" in out,
         "retention-scan %s: refused, exit 2" % " ".join(args), out + err)
rc, out, err = run("retention-scan", "--csv-dir", "/tmp/..", "--json")
t.is_((rc, out), (2, '{"error": "root_directory", "csv_dir": "/tmp/.."}\n'),
      "retention-scan --json names the refusal in the old error shape")

# --panels-dir as the plugin's PanelsDir: the data directory itself (however
# spelled) and a directory that is not there are refused, exit 2, before
# anything is walked (both were accepted with exit 0, the missing one
# silently counting no panels); --detail and --list-unmatched are two modes
os.symlink(data, os.path.join(wd, "to-data"))
for cmd, opt in (("retention-prune", "--data-dir"), ("retention-scan", "--csv-dir")):
    for spelling in (data, data + "/.", os.path.join(wd, "to-data")):
        rc, out, err = run(cmd, opt, data, "--panels-dir", spelling, "--detail"
                           if cmd == "retention-scan" else "--list")
        t.ok(rc == 2 and ("--panels-dir %s: the same directory as the data directory" % spelling)
             in err and out == "", "%s --panels-dir %s (the data directory): refused, exit 2"
             % (cmd, spelling), out + err)
    missing = os.path.join(wd, "no-such-panels")
    rc, out, err = run(cmd, opt, data, "--panels-dir", missing)
    t.ok(rc == 2 and ("--panels-dir %s: No such file or directory" % missing) in err,
         "%s: a --panels-dir that is not there is refused, exit 2" % cmd, err)
rc, out, err = run("retention-scan", "--csv-dir", data, "--detail", "--list-unmatched")
t.ok(rc == 2 and "--detail and --list-unmatched exclude each other" in err and out == "",
     "retention-scan: --detail with --list-unmatched is a usage error", out + err)

# a file name with a newline, a tab, a backslash or an escape byte is one
# line of the listing, escaped (it was printed raw, splitting the line)
odd = os.path.join(wd, "oddnames")
os.makedirs(os.path.join(odd, "NIFTY"))
for name in ("a\nb.csv", "t\tab", "back\\slash", "esc\x1b[2J"):
    open(os.path.join(odd, "NIFTY", name), "w").close()
rc, out, err = run("retention-scan", "--csv-dir", odd, "--list-unmatched")
lines = sorted(out.splitlines()) if isinstance(out, str) else sorted(out.decode().splitlines())
want = sorted("unmatched file %s/NIFTY/%s" % (odd, n) for n in
              ("a\\nb.csv", "t\\tab", "back\\\\slash", "esc\\x1b[2J"))
t.is_((rc, lines), (0, want), "--list-unmatched: one escaped line per odd file name")

t.done_testing()
