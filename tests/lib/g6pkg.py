"""Helpers of the Debian package tests (tests/integration/package_*.t).

They install the package built by `make deb` into this machine's real
layout with dpkg, so they

  - run only as root, and only when g6 is not installed already (a host's
    own g6 is never replaced): otherwise the test is a TAP SKIP;
  - hold one lock for the whole machine (/run/lock/g6-package-tests.lock),
    so two package tests, also of two checkouts, never interleave;
  - retry dpkg while another dpkg or apt holds its own lock (bounded);
  - record the host before (every file under the paths the package and its
    tests touch, with type, mode, owner and content hash; dpkg's and
    debconf's view of g6) and compare after: the host must be as before.
"""
import fcntl
import glob
import hashlib
import os
import stat
import subprocess
import time

import g6test as t

LOCK = "/run/lock/g6-package-tests.lock"
# where the package, the README's steps and the tests write
WATCHED = ["/etc/collectd", "/etc/g6", "/usr/lib/g6", "/usr/share/g6",
           "/usr/share/doc/g6", "/usr/bin/g6", "/usr/bin/g6-mockd",
           "/usr/share/man/man1/g6.1.gz", "/usr/share/man/man1/g6-mockd.1.gz", "/var/lib/g6",
           "/var/lib/collectd", "/run/collectd.pid", "/var/run/collectd.pid"]


def deb_path(version=None):
    """The package `make deb` built (build/deb/g6_<version>_<arch>.deb)."""
    pat = t.build_path("deb", "g6_%s_*.deb" % (version or "*"))
    found = sorted(p for p in glob.glob(pat) if "-dbgsym" not in p)
    return found[-1] if found else None


def guard():
    """Skips the whole test where it must not or cannot run; returns the
    lock file (held until the process exits)."""
    if os.geteuid() != 0:
        t.skip_all("installing a Debian package needs root")
    if deb_path() is None:
        t.skip_all("no package built (make deb)")
    f = open(LOCK, "w")
    deadline = time.monotonic() + 900
    while True:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                t.ok(False, "the package-test lock %s was free within 15 minutes" % LOCK)
                t.done_testing()
            time.sleep(0.5)
    state = status("g6")
    if state not in ("", "un", "pn"):
        t.skip_all("g6 is installed on this host (dpkg state %s); the package tests "
                   "would replace it" % state)
    left = glob.glob("/etc/collectd/collectd.conf.d/g6*")
    if left:
        t.skip_all("g6 snippets that no package owns are in /etc/collectd/collectd.conf.d "
                   "(%s); the package tests would replace them" % ", ".join(left))
    return f


def status(pkg):
    """dpkg's two-letter state of pkg ("ii", "rc", ...), "" when unknown."""
    p = subprocess.run(["dpkg-query", "-W", "-f=${db:Status-Abbrev}", pkg],
                       capture_output=True, text=True)
    return p.stdout.strip() if p.returncode == 0 else ""


def version(pkg):
    p = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg],
                       capture_output=True, text=True)
    return p.stdout.strip()


def dpkg(*args, env=None):
    """Runs dpkg non-interactively (debconf's noninteractive frontend, stdin
    /dev/null so that a conffile question fails instead of waiting); while
    another dpkg/apt holds dpkg's lock, retries for up to two minutes.
    Returns (exit status, output)."""
    e = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    e.update(env or {})
    deadline = time.monotonic() + 120
    while True:
        p = subprocess.run(["dpkg"] + list(args), capture_output=True, text=True,
                           env=e, timeout=300, stdin=subprocess.DEVNULL)
        out = p.stdout + p.stderr
        if p.returncode == 0 or "lock" not in out or time.monotonic() > deadline:
            return p.returncode, out
        time.sleep(1)


def debconf(question):
    """The value debconf holds for a question, or None when it has none."""
    p = subprocess.run(["debconf-communicate"], input="GET %s\n" % question,
                       capture_output=True, text=True)
    parts = p.stdout.strip().split(" ", 1)
    return parts[1] if parts and parts[0] == "0" and len(parts) > 1 else None


def preseed(line):
    subprocess.run(["debconf-set-selections"], input=line + "\n", text=True, check=True)


def _entry(path, st):
    kind = ("dir" if stat.S_ISDIR(st.st_mode) else "link" if stat.S_ISLNK(st.st_mode)
            else "file" if stat.S_ISREG(st.st_mode) else "other")
    what = ""
    if kind == "file" and not path.startswith("/var/lib/collectd/"):
        # /var/lib/collectd holds the RRD files of the host's running
        # collectd, which change by themselves: names only there
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        what = h.hexdigest()
    elif kind == "link":
        what = os.readlink(path)
    mode = "" if path.startswith("/var/lib/collectd/") else oct(stat.S_IMODE(st.st_mode))
    return (path, kind, mode, st.st_uid, st.st_gid, what)


def host_state():
    """Every file and directory under WATCHED, and dpkg's and debconf's view
    of g6."""
    entries = []
    for top in WATCHED:
        if not os.path.lexists(top):
            continue
        entries.append(_entry(top, os.lstat(top)))
        if os.path.isdir(top) and not os.path.islink(top):
            for dp, dns, fns in os.walk(top):
                for n in sorted(dns) + sorted(fns):
                    p = os.path.join(dp, n)
                    entries.append(_entry(p, os.lstat(p)))
    entries.sort()
    return {"files": entries, "dpkg": status("g6"),
            "info": sorted(glob.glob("/var/lib/dpkg/info/g6.*")),
            "debconf": debconf("g6/purge_data")}


def same_host(before, after):
    """Records that the host is as before; on a difference prints it to
    stderr as well (prove shows stderr when it runs tests in parallel)."""
    changes = diff(before, after)
    if changes:
        import sys
        print("host differences:\n  " + "\n  ".join(changes[:60]), file=sys.stderr)
    return t.ok(not changes, "the host is as before", "\n".join(changes[:60]))


def diff(before, after):
    """Human-readable differences between two host_state() results."""
    out = []
    b = {e[0]: e for e in before["files"]}
    a = {e[0]: e for e in after["files"]}
    for p in sorted(set(b) | set(a)):
        if p not in a:
            out.append("gone: %s" % p)
        elif p not in b:
            out.append("new: %s" % p)
        elif a[p] != b[p]:
            out.append("changed: %s %r -> %r" % (p, b[p][1:], a[p][1:]))
    for k in ("dpkg", "info", "debconf"):
        if before[k] != after[k]:
            out.append("%s: %r -> %r" % (k, before[k], after[k]))
    return out


def daemons():
    """PIDs of collectd processes running as daemons (not -f): the system
    service. The tests' own collectd processes run in the foreground."""
    found = set()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if argv and os.path.basename(argv[0]) in (b"collectd", b"collectdmon") \
                and b"-f" not in argv:
            found.add(int(pid))
    return found
