#!/usr/bin/env python3
"""The day's CSV files held open between cycles (MaxOpenCSVFiles), in the
real collectd: held descriptors are numbered from FD_SETSIZE (1024) up, so
collectd's low descriptors stay free for its other plugins' select(); the
soft RLIMIT_NOFILE is raised within the hard limit to make room; the budget
caps how many are held; under a hard limit with no room above 1024 g6 says
so and opens every file per append; a DataDir on a file system that is not
local (FUSE here, as NFS) holds nothing and leaves the limit alone. In every
case each file gets its rows."""
import glob
import os
import resource
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

FD_SETSIZE = 1024
INDEX = """
StrikesBelowATM 3
StrikesAboveATM 3
Expiry "this_week" "next_week"
Interval 1
"""
FILES = 2 * 7 + 1  # 2 expiries x 7 strikes, and the overview


def csv_fds(pid, data):
    """{descriptor: path} of collectd's open CSV files under data."""
    out = {}
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if target.startswith(data + os.sep) and target.endswith(".csv"):
            out[int(fd)] = target
    return out


def soft_nofile(pid):
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    return None


def data_rows(path):
    with open(path, "rb") as f:
        return max(0, f.read().count(b"\n") - 1)


def case(name, plugin_opts, wrapper=(), expect_held=None, expect_soft=None,
         expect_log=None, next_slot=False, fuse=False):
    with t.MockD() as m:
        d = t.workdir()
        data = os.path.join(d, "data")
        if fuse and not t.mount_fuse(os.path.join(d, "real"), data):
            t.ok(True, "%s # SKIP FUSE (bindfs, /dev/fuse) not usable here" % name)
            return
        keyf, tokf = m.write_credentials(d)
        conf = t.chain_config(data, m, keyf, tokf,
                              plugin="ForceOpen true\nFsync \"never\"\n" + plugin_opts,
                              provider="QuoteRequestsPerSecond 100\nQuoteBurst 10",
                              indices=[("NIFTY", INDEX)])
        cd = t.Collectd(plugins=["g6_chain"], config=conf, rrd=False,
                        wrapper=wrapper)
        with cd:
            pid = cd.proc.pid
            files = lambda: glob.glob(os.path.join(data, "NIFTY", "*", "*", "*.csv")) + \
                glob.glob(os.path.join(data, "overview", "NIFTY", "*.csv"))
            t.ok(t.wait_until(lambda: len(files()) == FILES, 30),
                 "%s: all %d CSV files written" % (name, FILES))
            # the descriptors are held once a file's first append is done;
            # a file is opened (a low descriptor) and then moved to its held
            # one, so a look in between sees the low one for a moment: wait
            # for the held set (a file held low for good still fails below)
            seen = []

            def settled():
                seen.append(csv_fds(pid, data))
                return len(seen[-1]) == expect_held and \
                    all(fd >= FD_SETSIZE for fd in seen[-1])
            t.wait_until(settled, 10)
            held = seen[-1]
            t.is_(len(held), expect_held, "%s: %d CSV files held open" % (name, expect_held))
            if expect_held:  # (nothing to number when none is held)
                low = sorted(fd for fd in held if fd < FD_SETSIZE)
                t.ok(not low, "%s: every held CSV descriptor is >= %d" % (name, FD_SETSIZE),
                     "below: %s" % low)
            t.is_(soft_nofile(pid), expect_soft,
                  "%s: collectd's soft RLIMIT_NOFILE" % name)
            if next_slot:
                # the next 30-s slot's row goes through the same descriptors
                t.ok(t.wait_until(lambda: all(data_rows(p) >= 2 for p in files()),
                                  45, 0.5),
                     "%s: every file got the next slot's row" % name)
                t.is_(csv_fds(pid, data), held,
                      "%s: through the descriptors held since the first" % name)
        if expect_log:
            t.ok(cd.wait_log(expect_log, 1), "%s: the log says so" % name,
                 "expected: %s" % expect_log)
        rows, problems = t.csv_audit(data)
        t.ok(not problems, "%s: no torn, repeated or misplaced row" % name,
             "\n".join(problems[:10]))
        t.ok(sum(rows.values()) >= FILES,
             "%s: rows in the files (%d)" % (name, sum(rows.values())))


hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
if hard != resource.RLIM_INFINITY and hard < FD_SETSIZE + 64 + FILES:
    t.skip_all("the hard RLIMIT_NOFILE (%d) leaves no room above %d" % (hard, FD_SETSIZE))

# collectd started as systemd starts services: a soft limit of 1024 under a
# higher hard limit (systemd's default is 1024:524288)
HARD = 20000 if hard == resource.RLIM_INFINITY else min(hard, 20000)
systemd_like = ["prlimit", "--nofile=1024:%d" % HARD, "--"]
NEED = FD_SETSIZE + 64 + 8192  # the default MaxOpenCSVFiles and its room
case("default", "", wrapper=systemd_like, expect_held=FILES,
     expect_soft=min(HARD, NEED), next_slot=True,
     expect_log=r"keeping up to 8192 CSV files open, from descriptor 1024 up "
                r"\(soft RLIMIT_NOFILE %d\)" % NEED if HARD >= NEED else
                r"MaxOpenCSVFiles 8192: the hard RLIMIT_NOFILE \(%d\) "
                r"leaves room for %d above" % (HARD, HARD - FD_SETSIZE - 64))
case("budget of 5", "MaxOpenCSVFiles 5", wrapper=systemd_like, expect_held=5,
     expect_soft=FD_SETSIZE + 64 + 5)
case("MaxOpenCSVFiles 0", "MaxOpenCSVFiles 0", wrapper=systemd_like,
     expect_held=0, expect_soft=1024)
case("hard limit 1024", "", wrapper=["prlimit", "--nofile=1024:1024", "--"],
     expect_held=0, expect_soft=1024,
     expect_log=r"MaxOpenCSVFiles 8192: the hard RLIMIT_NOFILE \(1024\) "
                r"leaves room for 0 above descriptor 1024")
# DataDir through FUSE (bindfs), a file system that is not local like NFS:
# every file opened per append, the soft limit left alone, the log says why
case("DataDir on FUSE", "", wrapper=systemd_like, expect_held=0,
     expect_soft=1024, fuse=True,
     expect_log=r"/data is on fuse, not a local file system: its CSV files "
                r"are opened and closed per append \(MaxOpenCSVFiles applies to "
                r"local file systems\)")
t.done_testing()
