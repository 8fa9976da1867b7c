#!/usr/bin/env python3
"""`g6 replay` and `g6 overlay` as analysts run them.

replay: bad command lines, an unusable file among good ones (reported with
its cause, the others replayed, exit 1), --csv written whole.

overlay: two Mondays and a Tuesday of per-strike CSV files in g6's format
(with the zeros that mean "not collected"), folded into weekday masters and
compared with two Python references written from the reference doc §10.3:
the old platform's algorithm (on days where every value is known the
masters must agree with it to the last printed digit but one, as it keeps
its state rounded to 6 decimals), and g6's documented rules (unknowns are
not observations) exactly; a second run of a day changes no byte."""
import csv
import glob
import io
import os
import random
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

G6 = t.build_path("g6")
HEADER = ("timestamp,index,expiry_tag,expiry_date,offset,index_price,atm,strike,ce,"
          "pe,tp,avg_ce,avg_pe,avg_tp,ce_vol,pe_vol,ce_oi,pe_oi,ce_iv,pe_iv,"
          "ce_delta,pe_delta,ce_theta,pe_theta,ce_vega,pe_vega,ce_gamma,pe_gamma,"
          "ce_rho,pe_rho,tp_net_change,tp_day_change").split(",")
METRICS = ["ce_vol", "pe_vol", "ce_oi", "pe_oi", "ce_iv", "pe_iv", "ce_delta", "pe_delta",
           "ce_theta", "pe_theta", "ce_vega", "pe_vega", "ce_gamma", "pe_gamma",
           "ce_rho", "pe_rho"]
SERIES = ["tp", "avg_tp"] + METRICS


def run(*args, user=None):
    argv = [G6] + list(args)
    if user is not None:  # as root, permissions bite only for another user
        argv = ["setpriv", "--reuid=%d" % user, "--regid=%d" % user,
                "--clear-groups"] + argv
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


# ---------------------------------------------------------------- replay --

d = t.workdir()
for args, why in [((), "no input"), (("--bogus", d), "an unknown option"),
                  (("--pcr-window", "2", d), "a window outside (0, 1]"),
                  (("--csv",), "--csv without a value"),
                  ((os.path.join(d, "nonexistent"),), "a path that does not exist")]:
    rc, out, err = run("replay", *args)
    t.ok(rc == 2 and err, "g6 replay with %s exits 2 with a message" % why, err)
snaps = os.path.join(d, "snaps")
subprocess.run([t.build_path("bench", "gen_snapshots"), snaps, "3", "5", "2"], check=True)
hist = os.path.join(snaps, "snapshots", "NIFTY", "2025-01-06")
with open(os.path.join(hist, "2.json"), "r+b") as f:
    f.truncate(100)
rc, out, err = run("replay", hist)
rows = list(csv.DictReader(io.StringIO(out)))
t.ok(rc == 1 and "2.json" in err and "(truncated)" in err and
     sorted({r["seq"] for r in rows}) == ["1", "3"] and len(rows) == 4,
     "an unusable snapshot is reported with its cause; the others are replayed",
     err)
out_csv = os.path.join(d, "replay.csv")
rc, out, err = run("replay", "--csv", out_csv, os.path.join(hist, "1.json"),
                   os.path.join(hist, "3.json"))
with open(out_csv) as f:
    written = list(csv.DictReader(f))
t.ok(rc == 0 and out == "" and len(written) == 4 and
     not os.path.exists(out_csv + ".tmp") and all(r["atm_iv"] for r in written),
     "--csv OUT receives every row", err)
t.ok(all(r["source"] == "snapshot" and r["expiry"] in ("this_week", "next_week")
         for r in written), "rows name their source and expiry")
rc, out, err = run("replay", "--csv", "/dev/null", hist)
t.ok(rc == 1 and out == "", "--csv /dev/null works (a device is written, not replaced)")

# a CSV file that is not a per-strike file: skipped where a directory holds
# it (g6_chain's DataDir has overview files), unusable when it was named
other = os.path.join(d, "other")
os.makedirs(other)
with open(os.path.join(other, "2025-01-06.csv"), "w") as f:
    f.write("timestamp,index,spot\r\n2025-01-06T09:15:00+05:30,NIFTY,24000\r\n")
rc, out, err = run("replay", os.path.join(other, "2025-01-06.csv"))
t.ok(rc == 1 and "2025-01-06.csv: not a per-strike option file" in err
     and "1 input(s) unusable" in err,
     "a CSV file named on the command line that replay cannot use exits 1", err)
rc, out, err = run("replay", other)
t.ok(rc == 0 and "skipping" in err, "the same file found in a directory is skipped", err)

# --------------------------------------------------------------- overlay --

random.seed(12)
data = os.path.join(d, "data")
TIMES = ["09:15:00", "09:15:30", "12:00:00", "15:30:00", "15:30:30"]  # last: after the close


def fmt(v):
    return repr(float(v))


def write_day(date, known=True, index="NIFTY"):
    """NIFTY this_week offsets -50, 0, +50; some rows duplicated (the day
    value is their mean). With known=False some sides were not collected and
    some IVs not available (zeros)."""
    dd, mm, yy = date[8:], date[5:7], date[:4]
    for off in (-50, 0, 50):
        p = os.path.join(data, index, "this_week", ("+%d" % off) if off > 0 else str(off))
        os.makedirs(p, exist_ok=True)
        with open(os.path.join(p, date + ".csv"), "w") as f:
            f.write(",".join(HEADER) + "\n")
            for hms in TIMES:
                for dup in range(2 if hms == "12:00:00" else 1):
                    ce = round(random.uniform(50, 200), 2)
                    pe = round(random.uniform(50, 200), 2)
                    vals = {"ce": ce, "pe": pe, "avg_ce": ce - 1, "avg_pe": pe - 1}
                    for m in METRICS:
                        vals[m] = round(random.uniform(0.001, 5000), 4)
                    if not known and hms == "09:15:30":
                        vals["ce"] = vals["avg_ce"] = 0
                        for m in METRICS:
                            if m.startswith("ce_"):
                                vals[m] = 0
                    if not known and hms == "12:00:00":
                        vals["pe_iv"] = vals["pe_delta"] = 0
                    row = ["%s-%s-%s %s" % (dd, mm, yy, hms), index, "this_week",
                           "2025-01-16", str(off), "24812.5", "24800", str(24800 + off),
                           fmt(vals["ce"]), fmt(vals["pe"]), fmt(vals["ce"] + vals["pe"]),
                           fmt(vals["avg_ce"]), fmt(vals["avg_pe"]),
                           fmt(vals["avg_ce"] + vals["avg_pe"])]
                    row += [fmt(vals[m]) for m in METRICS] + ["0.0", "0.0"]
                    f.write(",".join(row) + "\n")


def read_day(date, off, index="NIFTY"):
    p = os.path.join(data, index, "this_week", off, date + ".csv")
    with open(p) as f:
        return list(csv.DictReader(f))


def old_platform(days, off, alpha, index="NIFTY"):
    """scripts/weekday_overlay.py (reference §10.3): zeros are values, one
    counter, the master re-read with 6 decimals between days."""
    master = {}
    for date in days:
        agg = {}
        for r in read_day(date, off, index):
            ts = r["timestamp"].split(" ", 1)[1][:8]
            if not ("09:15:00" <= ts <= "15:30:00"):
                continue
            a = agg.setdefault(ts, {"n": 0, "tp": 0.0, "avg_tp": 0.0,
                                    "m": {k: [0.0, 0] for k in METRICS}})
            a["n"] += 1
            a["tp"] += float(r["ce"]) + float(r["pe"])
            a["avg_tp"] += float(r["avg_ce"]) + float(r["avg_pe"])
            for k in METRICS:
                a["m"][k][0] += float(r[k])
                a["m"][k][1] += 1
        for ts, a in agg.items():
            x = {"tp": a["tp"] / a["n"], "avg_tp": a["avg_tp"] / a["n"]}
            for k in METRICS:
                x[k] = a["m"][k][0] / a["m"][k][1]
            rec = master.get(ts)
            if rec is None:
                master[ts] = {"counter": 1, **{s + "_mean": x[s] for s in SERIES},
                              **{s + "_ema": x[s] for s in SERIES}}
            else:
                c = rec["counter"] = rec["counter"] + 1
                for s in SERIES:
                    rec[s + "_mean"] += (x[s] - rec[s + "_mean"]) / c
                    rec[s + "_ema"] = alpha * x[s] + (1 - alpha) * rec[s + "_ema"]
        for rec in master.values():  # written and read back with 6 decimals
            for k in rec:
                if k != "counter":
                    rec[k] = float("%.6f" % rec[k])
    return master


def g6_rules(days, off, alpha):
    """g6's rules (store/overlay.h): a side with price 0 and an IV or Greek of
    0.0 are not observations; each column counts its own; full precision."""
    master = {}
    for date in days:
        agg = {}
        for r in read_day(date, off):
            ts = r["timestamp"].split(" ", 1)[1][:8]
            if not ("09:15:00" <= ts <= "15:30:00"):
                continue
            ce, pe = float(r["ce"]) > 0, float(r["pe"]) > 0
            x = {"tp": float(r["ce"]) + float(r["pe"]) if ce and pe else None,
                 "avg_tp": float(r["avg_ce"]) + float(r["avg_pe"]) if ce and pe else None}
            for k in METRICS:
                side = ce if k.startswith("ce_") else pe
                v = float(r[k])
                zero_unknown = k[3:] in ("iv", "delta", "theta", "vega", "gamma", "rho")
                x[k] = v if side and not (zero_unknown and v == 0) else None
            a = agg.setdefault(ts, {s: [] for s in SERIES})
            for s in SERIES:
                if x[s] is not None:
                    a[s].append(x[s])
        for ts, a in agg.items():
            rec = master.setdefault(ts, {"counter": 0, **{s: [0, 0.0, 0.0] for s in SERIES}})
            rec["counter"] += 1
            for s in SERIES:
                if not a[s]:
                    continue
                v = sum(a[s]) / len(a[s])
                st = rec[s]
                st[0] += 1
                st[1] += (v - st[1]) / st[0]
                st[2] = v if st[0] == 1 else alpha * v + (1 - alpha) * st[2]
    return master


def master_rows(path):
    with open(path) as f:
        return {r["timestamp"]: r for r in csv.DictReader(f)}


out = os.path.join(d, "overlay")
write_day("2025-01-06")  # Monday, every value known
write_day("2025-01-13", known=False)  # Monday with gaps
write_day("2025-01-07")  # Tuesday
alpha = 0.3
rc, o, err = run("overlay", "--data-dir", data, "--output-dir", out, "--date", "2025-01-06",
                 "--alpha", str(alpha))
t.ok(rc == 0 and "NIFTY 2025-01-06 (MONDAY): 3 files" in o, "g6 overlay folds a day in", o + err)
for off in ("-50", "0", "+50"):
    got = master_rows(os.path.join(out, "NIFTY", "this_week", off, "MONDAY.csv"))
    old = old_platform(["2025-01-06"], off, alpha)
    bad = [(ts, k) for ts, rec in old.items() for k, v in rec.items()
           if ts not in got or (k == "counter" and int(got[ts][k]) != v) or
           (k != "counter" and got[ts][k] != "%.6f" % v)]
    t.ok(sorted(got) == sorted(old) == TIMES[:4] and not bad,
         "offset %s: the first day is the old platform's, digit for digit" % off, repr(bad[:5]))
hdr = open(os.path.join(out, "NIFTY", "this_week", "0", "MONDAY.csv")).readline()
t.is_(hdr.rstrip("\n").split(","),
      ["timestamp"] + [s + suf for s in SERIES[:2] for suf in ("_mean", "_ema")] +
      [m + "_mean" for m in METRICS] + [m + "_ema" for m in METRICS] +
      ["counter", "index", "expiry_tag", "offset"], "the old platform's columns")

monday = os.path.join(out, "NIFTY", "this_week", "0", "MONDAY.csv")
before = open(monday).read()
rc, o, err = run("overlay", "--data-dir", data, "--output-dir", out, "--date", "2025-01-06",
                 "--alpha", str(alpha))
t.ok(rc == 0 and "(3 of them replacing this day's earlier run)" in o,
     "running the same day again replaces its own contribution", o + err)
t.is_(open(monday).read(), before, "changes no byte of the masters")

rc, o, err = run("overlay", "--data-dir", data, "--output-dir", out, "--date", "2025-01-13",
                 "--alpha", str(alpha))
t.ok(rc == 0, "the next Monday (with gaps) folds in", err)
for off in ("-50", "0", "+50"):
    got = master_rows(os.path.join(out, "NIFTY", "this_week", off, "MONDAY.csv"))
    want = g6_rules(["2025-01-06", "2025-01-13"], off, alpha)
    bad = []
    for ts, rec in want.items():
        if ts not in got or int(got[ts]["counter"]) != rec["counter"]:
            bad.append((ts, "counter"))
            continue
        for s in SERIES:
            n, mean, ema = rec[s]
            for suf, v in (("_mean", mean), ("_ema", ema)):
                cell = got[ts][s + suf]
                if cell != ("%.6f" % v if n else ""):
                    bad.append((ts, s + suf, cell, v if n else None))
    t.ok(not bad, "offset %s: two Mondays follow g6's rules exactly (unknowns are not "
                  "averaged in; each column counts its own)" % off, repr(bad[:5]))
got = master_rows(monday)
t.ok(got["09:15:30"]["tp_mean"] != "" and got["09:15:30"]["counter"] == "2" and
     got["12:00:00"]["pe_iv_mean"] != "",
     "a column missing one day keeps the other day's value, not a 0")
# two Mondays where every value is known: the old platform's masters, to
# its rounding (it keeps the state with 6 decimals between days)
write_day("2025-01-06", index="BANKNIFTY")
write_day("2025-01-13", index="BANKNIFTY")
for date in ("2025-01-06", "2025-01-13"):
    rc, o, err = run("overlay", "--data-dir", data, "--output-dir", out, "--date", date,
                     "--index", "BANKNIFTY", "--alpha", str(alpha))
old = old_platform(["2025-01-06", "2025-01-13"], "0", alpha, "BANKNIFTY")
got = master_rows(os.path.join(out, "BANKNIFTY", "this_week", "0", "MONDAY.csv"))
bad = [(ts, k, got.get(ts, {}).get(k), v) for ts, rec in old.items() for k, v in rec.items()
       if ts not in got or (k == "counter" and int(got[ts][k]) != v) or
       (k != "counter" and abs(float(got[ts][k]) - v) > 2.01e-6)]
t.ok(rc == 0 and sorted(got) == sorted(old) and not bad,
     "two fully known Mondays agree with the old platform's algorithm", repr(bad[:5]))

tuesday = os.path.join(out, "NIFTY", "this_week", "0", "TUESDAY.csv")
rc, o, err = run("overlay", "--data-dir", data, "--output-dir", out, "--date", "2025-01-07")
t.ok(rc == 0 and os.path.exists(tuesday) and "(TUESDAY)" in o,
     "another weekday gets its own masters (default alpha 0.5)", o + err)
m_before = open(monday).read()
rc, o, err = run("overlay", "--data-dir", data, "--output-dir", out, "--date", "2025-01-06")
t.ok(rc == 0 and open(monday).read() == m_before and "3 already had this day" in o,
     "an earlier Monday is not folded in twice", o)
for args, why in [(("--alpha", "0"), "alpha 0"), (("--alpha", "1.5"), "alpha 1.5"),
                  (("--date", "2025-13-01"), "a bad date"), (("--index", "NI FTY"), "a bad index"),
                  (("--date", "2025-01-08"), "a day without files"), (("--frob",), "an unknown option")]:
    rc, o, err = run("overlay", "--data-dir", data, "--output-dir", out, *args)
    t.ok(rc == 2 and err, "g6 overlay with %s exits 2 with a message" % why, err)
rc, o, err = run("overlay", "--data-dir", data, "--date", "2026-02-30")
t.ok(rc == 2 and '--date "2026-02-30": want a calendar date YYYY-MM-DD' in err,
     "g6 overlay --date 2026-02-30 names the value and what is allowed", err)
missing = os.path.join(d, "no-such-data")
rc, o, err = run("overlay", "--data-dir", missing, "--date", "2025-01-06")
t.ok(rc == 2 and "--data-dir %s: cannot read it: No such file or directory" % missing in err,
     "g6 overlay with a missing --data-dir says so (not 'no file of that day')", err)

# ------------------------------------------- replay: what cannot be read --
# A subdirectory replay cannot read, a file it may not open and a link loop
# are each reported with their cause (exit 1); the other files are replayed
# (an unreadable subdirectory used to end the run, exit 2, nothing read).
perm = os.path.join(d, "perm")
good = os.path.join(data, "NIFTY", "this_week", "0", "2025-01-06.csv")
for sub in ("ok", "locked"):
    os.makedirs(os.path.join(perm, sub))
    with open(good) as f, open(os.path.join(perm, sub, "x.csv"), "w") as g:
        g.write(f.read())
os.symlink("loop.csv", os.path.join(perm, "loop.csv"))
shutil.copy(good, os.path.join(perm, "ok", "denied.csv"))
os.chmod(os.path.join(perm, "ok", "denied.csv"), 0)
os.chmod(os.path.join(perm, "locked"), 0)
user = None
if os.geteuid() == 0:
    user = 65534  # nobody: every directory on the way must let it in
    for p_ in (d, perm, os.path.join(perm, "ok")):
        os.chmod(p_, 0o755)
    os.chmod(os.path.join(perm, "ok", "x.csv"), 0o644)
rc, out, err = run("replay", perm, user=user)
rows = list(csv.DictReader(io.StringIO(out)))
t.ok(rc == 1 and "cannot open %s/locked: Permission denied" % perm in err and
     "cannot open %s/ok/denied.csv: Permission denied" % perm in err and
     "loop.csv is a symbolic link; it is not followed" in err and
     "3 input(s) unusable" in err and len(rows) == 5,
     "replay reports an unreadable directory, file and link loop, replays the rest",
     "exit %d\n%s" % (rc, err))
os.chmod(os.path.join(perm, "locked"), 0o755)

# ------------------------------- replay: links, empty files, wrong days --
# Symbolic links inside a directory are never followed (g6_chain never
# writes through one; g6_retention never descends one): a link to a
# snapshot, to a directory of them, to a file outside, or to nothing is
# named and unusable, where it used to be read (the snapshot replayed
# twice, a directory link walked). A link named on the command line is
# the operator's choice and is read.
links = os.path.join(d, "links")
day = os.path.join(links, "2025-01-06")
os.makedirs(day)
shutil.copy(os.path.join(hist, "1.json"), os.path.join(day, "1.json"))
os.symlink("1.json", os.path.join(day, "7.json"))
os.symlink(hist, os.path.join(day, "more"))
os.symlink("/etc/passwd", os.path.join(day, "passwd.csv"))
os.symlink("nowhere.json", os.path.join(day, "dangling.json"))
os.mkfifo(os.path.join(day, "fifo.json"))
rc, out, err = run("replay", links)
rows = list(csv.DictReader(io.StringIO(out)))
t.ok(rc == 1 and len(rows) == 2 and {r["seq"] for r in rows} == {"1"} and
     all("%s is a symbolic link; it is not followed" % os.path.join(day, n) in err
         for n in ("7.json", "more", "passwd.csv", "dangling.json")) and
     "fifo.json is not a regular file" in err and "5 input(s) unusable" in err,
     "links in a directory are named and not followed; the snapshot is replayed once",
     "exit %d\n%s" % (rc, err))
# the cause label says what each is, not "(unreadable)"
t.ok(all("%s is a symbolic link; it is not followed (symbolic_link)" % os.path.join(day, n)
         in err for n in ("7.json", "more", "passwd.csv", "dangling.json")) and
     "fifo.json is not a regular file (not_a_regular_file)" in err and
     "(unreadable)" not in err,
     "a link's and a FIFO's cause labels say what they are", err)
rc, out, err = run("replay", os.path.join(day, "7.json"))
t.ok(rc == 0 and len(list(csv.DictReader(io.StringIO(out)))) == 2,
     "a link named on the command line is read", err)

# a per-strike file without rows (its header alone, or empty) is named and
# counts as unusable: it used to give "0 chain(s)" and exit 0
hollow = os.path.join(d, "hollow")
os.makedirs(hollow)
with open(os.path.join(hollow, "2025-01-06.csv"), "w") as f:
    f.write(",".join(HEADER) + "\n")
open(os.path.join(hollow, "2025-01-07.csv"), "w").close()
rc, out, err = run("replay", os.path.join(hollow, "2025-01-06.csv"))
t.ok(rc == 1 and "2025-01-06.csv holds no data rows" in err and
     "1 input(s) unusable" in err, "a header-only CSV file is named, exit 1", err)
shutil.copy(good, os.path.join(hollow, "2025-01-08.csv"))
rc, out, err = run("replay", hollow)
t.ok(rc == 1 and "2025-01-07.csv holds no data rows" in err and
     "3 input(s) unusable" in err and len(list(csv.DictReader(io.StringIO(out)))) == 0,
     "in a directory too; a file named for another day than its rows' is refused", err)
t.ok("2025-01-08.csv: data row 1 is of 06-01-2025 09:15:00, not of 2025-01-08 "
     "as the file's name says" in err, "the day mismatch names the row and both days", err)

# overlay: a day file without data rows (its header alone, or empty) is
# named in a warning, not counted among the files folded, and the run exits
# 1 (as replay does); the index's other files are folded
hol_data = os.path.join(d, "hollow-data")
for off, body in (("0", None), ("+50", ",".join(HEADER) + "\n"), ("-50", "")):
    os.makedirs(os.path.join(hol_data, "NIFTY", "this_week", off))
    dest = os.path.join(hol_data, "NIFTY", "this_week", off, "2025-01-06.csv")
    if body is None:
        shutil.copy(good, dest)
    else:
        with open(dest, "w") as f:
            f.write(body)
hol_out = os.path.join(d, "hollow-out")
rc, o, err = run("overlay", "--data-dir", hol_data, "--output-dir", hol_out,
                 "--date", "2025-01-06")
t.ok(rc == 1 and "NIFTY 2025-01-06 (MONDAY): 1 files" in o and
     "2 file(s) hold no data rows" in err and "not folded in" in err and
     ("this_week/+50/2025-01-06.csv" in err or "this_week/-50/2025-01-06.csv" in err),
     "overlay names a day file without data rows, does not count it, exits 1",
     "exit %d\n%s%s" % (rc, o, err))
t.ok(os.path.exists(os.path.join(hol_out, "NIFTY", "this_week", "0", "MONDAY.csv")) and
     not os.path.exists(os.path.join(hol_out, "NIFTY", "this_week", "+50")),
     "the index's other file is folded; the empty one makes no master")

# overlay: an index whose day fails part way (here a file of another day
# under the day's name, in one offset of many) changes no master; masters
# of the offsets read before it used to be updated already
aon = os.path.join(d, "aon-data")
aon_out = os.path.join(d, "aon-out")
offs = ["0"] + ["+%d" % (50 * k) for k in range(1, 9)]
for off in offs:
    os.makedirs(os.path.join(aon, "NIFTY", "this_week", off))
    shutil.copy(good, os.path.join(aon, "NIFTY", "this_week", off, "2025-01-06.csv"))
rc, o, err = run("overlay", "--data-dir", aon, "--output-dir", aon_out, "--date", "2025-01-06")
t.ok(rc == 0, "a good Monday folds in", err)
def tree(root):
    got = {}
    for dp, dn, fn in os.walk(root):
        for n in fn:
            with open(os.path.join(dp, n), "rb") as f:
                got[os.path.join(dp, n)] = f.read()
    return got
before_tree = tree(aon_out)
for off in offs:
    src = os.path.join(aon, "NIFTY", "this_week", off, "2025-01-06.csv")
    with open(src) as f:
        text = f.read()
    nxt = os.path.join(aon, "NIFTY", "this_week", off, "2025-01-13.csv")
    with open(nxt, "w") as f:
        f.write(text.replace("06-01-2025", "13-01-2025"))
# one offset's file is the 6th's under the 13th's name (in every offset
# the walk may reach last: os.listdir's order is readdir's)
bad_off = os.listdir(os.path.join(aon, "NIFTY", "this_week"))[-1]
shutil.copy(os.path.join(aon, "NIFTY", "this_week", bad_off, "2025-01-06.csv"),
            os.path.join(aon, "NIFTY", "this_week", bad_off, "2025-01-13.csv"))
rc, o, err = run("overlay", "--data-dir", aon, "--output-dir", aon_out, "--date", "2025-01-13")
t.ok(rc == 1 and "not of NIFTY 2025-01-13 as the file's path says" in err and
     tree(aon_out) == before_tree,
     "a day that fails in its last file leaves every master as it was", "exit %d\n%s" % (rc, err))

# ------------------------------------- a finished day's cut last row --
# A per-strike file whose last line was cut (a crash, a partial copy) loses
# that row; g6 replay and g6 overlay named nothing and changed their results
# (max pain moved) without a word. Both now name the file on stderr.
cut_dir = os.path.join(d, "cut")
cut = os.path.join(cut_dir, "NIFTY", "this_week", "0", "2025-01-06.csv")
os.makedirs(os.path.dirname(cut))
with open(good, "rb") as f:
    body = f.read()
with open(cut, "wb") as f:
    f.write(body[:-10])
rc, out, err = run("replay", cut)
t.ok(rc == 0 and ("%s ends in an incomplete line" % cut) in err and
     "1 of them with its last row cut" in err,
     "replay names a CSV file whose last row is cut", err)
rc, out, err = run("replay", good)
t.ok(rc == 0 and "incomplete line" not in err and "cut" not in err,
     "and says nothing of a whole one", err)
rc, o, err = run("overlay", "--data-dir", cut_dir, "--output-dir", os.path.join(d, "cut-out"),
                 "--date", "2025-01-06")
t.ok(rc == 0 and ("1 file(s) end in an incomplete line" in err) and ("first: %s" % cut) in err,
     "overlay names it too", err)

# ----------------------------------------------- replay: a day at a time --
# The CSV rows of a DataDir are held one day at a time (files named
# YYYY-MM-DD.csv), not all together: 40 days of 751 rows replay within a
# 6 MiB data limit that all the rows at once (11 MiB) exceed. Not under
# AddressSanitizer, whose shadow memory no data limit admits.
import datetime
import resource
days = os.path.join(d, "days")
os.makedirs(os.path.join(days, "NIFTY", "this_week", "0"))
n_times = 0
for k in range(40):
    date = (datetime.date(2025, 1, 6) + datetime.timedelta(days=k)).isoformat()
    with open(os.path.join(days, "NIFTY", "this_week", "0", date + ".csv"), "w") as f:
        f.write(",".join(HEADER) + "\n")
        n_times = 0
        for sec in range(9 * 3600 + 15 * 60, 15 * 3600 + 30 * 60 + 1, 30):
            hms = "%02d:%02d:%02d" % (sec // 3600, sec // 60 % 60, sec % 60)
            row = ["%s-%s-%s %s" % (date[8:], date[5:7], date[:4], hms), "NIFTY",
                   "this_week", "2025-03-27", "0", "24812.5", "24800", "24800",
                   "120.5", "110.25", "230.75", "119.5", "109.25", "228.75",
                   "1000", "2000", "50000", "60000", "0.15", "0.16", "0.5", "-0.5",
                   "-10.0", "-9.0", "20.0", "21.0", "0.001", "0.001", "5.0", "-5.0",
                   "0.0", "0.0"]
            f.write(",".join(row) + "\n")
            n_times += 1
with open(G6, "rb") as f:
    asan = b"__asan_init" in f.read()
if asan:
    t.ok(True, "# skip: a data limit under AddressSanitizer")
else:
    def limit():
        resource.setrlimit(resource.RLIMIT_DATA, (6 << 20, 6 << 20))
    r = subprocess.run([G6, "replay", days], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120, preexec_fn=limit)
    n_rows = r.stdout.count(b"\n") - 1
    t.ok(r.returncode == 0 and n_rows == 40 * n_times,
         "40 days of CSV files replay within a 6 MiB data limit (a day at a time)",
         "exit %d, %d rows of %d\n%s" % (r.returncode, n_rows, 40 * n_times,
                                         r.stderr.decode()[-500:]))

t.done_testing()
