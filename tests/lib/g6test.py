"""g6 test harness: TAP output and the real components a test starts itself.

Integration tests are Python 3 scripts (standard library only) that print TAP
and run under `prove`. They start the Debian collectd in the foreground with a
generated configuration, the Debian Prometheus server, and g6-mockd, each on a
free 127.0.0.1 port, and always stop them by PID.

    import g6test as t
    with t.Collectd(plugins=["g6_info"]) as cd:
        t.ok(cd.wait_for("collectd_g6_build_info"), "build info exported")
    t.done_testing()

Leaving a `with t.Collectd(...)` block stops collectd and records one more
test: its log must hold no `[error]` line other than the known harmless
write_prometheus one (and any the test declared with `expected_errors`).
"""

import atexit
import datetime
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.environ.get("G6_ROOT") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("G6_BUILD") or os.path.join(ROOT, "build")
COLLECTD = "/usr/sbin/collectd"
PROMETHEUS = "/usr/bin/prometheus"
STOCK_PLUGINDIR = "/usr/lib/collectd"
STOCK_TYPESDB = "/usr/share/collectd/types.db"

# write_prometheus 5.12 logs this at every start; it is harmless (DESIGN §3).
HARMLESS_ERRORS = [re.compile(r"MHD_OPTION_EXTERNAL_LOGGER")]
RRD_CREATE_RACE = re.compile(r"rrdtool plugin: cu_rrd_create_file \((.*)\) failed\.$")

# ---------------------------------------------------------------- TAP ----

_count = 0
_failed = 0
_planned = None


def plan(n):
    global _planned
    _planned = n
    print("1..%d" % n, flush=True)


def skip_all(reason):
    print("1..0 # SKIP %s" % reason, flush=True)
    sys.exit(0)


def diag(msg):
    for line in str(msg).splitlines() or [""]:
        print("# " + line, flush=True)


def ok(cond, name, detail=None):
    """Records one test; prints `detail` as a diagnostic when it fails."""
    global _count, _failed
    _count += 1
    if cond:
        print("ok %d - %s" % (_count, name), flush=True)
    else:
        _failed += 1
        print("not ok %d - %s" % (_count, name), flush=True)
        if detail is not None:
            diag(detail)
        # prove shows a test's stderr but not its comments unless verbose:
        # a failure in `make check` says why in the log too
        sys.stderr.write("# %s: not ok %d - %s\n" % (
            os.path.basename(sys.argv[0]), _count, name))
        for line in (str(detail).splitlines() if detail is not None else [])[:40]:
            sys.stderr.write("#   %s\n" % line)
        sys.stderr.flush()
    return bool(cond)


def skip(name, reason):
    """Records one test as skipped (TAP's `# SKIP`)."""
    global _count
    _count += 1
    print("ok %d - %s # SKIP %s" % (_count, name, reason), flush=True)


def is_(got, want, name):
    return ok(got == want, name, "got:  %r\nwant: %r" % (got, want))


def close_to(got, want, tol, name):
    good = got is not None and want is not None and abs(got - want) <= tol
    return ok(good, name, "got %r, want %r (tolerance %g)" % (got, want, tol))


def done_testing():
    """Prints the plan if none was given and exits non-zero on failure."""
    _stop_all()
    if _planned is None:
        print("1..%d" % _count, flush=True)
    sys.exit(1 if _failed else 0)


# ------------------------------------------------------------ helpers ----

def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=5.0, headers=None):
    """(status, body bytes, headers) for a GET; status 0 when unreachable."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)
    except (urllib.error.URLError, ConnectionError, socket.timeout, OSError):
        return 0, b"", {}


def snapshot(data_dir, index):
    """The chain snapshot g6_chain keeps for `index` under `data_dir`
    (DATA/snapshots/INDEX.json), parsed; None while it is missing or being
    replaced."""
    try:
        with open(os.path.join(data_dir, "snapshots", index + ".json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def next_snapshot(data_dir, index, after, timeout=30):
    """The first snapshot of `index` with seq > after (None after timeout)."""
    return wait_until(lambda: (lambda s: s if s and s["seq"] > after else None)(
        snapshot(data_dir, index)), timeout)


def wait_until(fn, timeout, interval=0.2):
    """Calls fn until it returns a truthy value or `timeout` seconds pass.
    Returns the last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)


def build_path(*parts):
    return os.path.join(BUILD, *parts)


IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))


def mock_monthly(y, m):
    """g6-mockd's NIFTY monthly expiry of month m of year y: its last
    Tuesday."""
    d = datetime.date(y + (m == 12), m % 12 + 1, 1) - datetime.timedelta(days=1)
    while d.weekday() != 1:
        d -= datetime.timedelta(days=1)
    return d


def first_tradable_day(now=None):
    """The IST date of the first expiry still tradable: today, or tomorrow
    from 15:30 IST (an expiry passes at the close)."""
    now = (now or datetime.datetime.now(IST)).astimezone(IST)
    return now.date() + datetime.timedelta(
        days=1 if (now.hour, now.minute) >= (15, 30) else 0)


def workdir(prefix="g6-test-"):
    """A fresh temporary directory, removed at exit unless G6_KEEP_TMP=1."""
    d = tempfile.mkdtemp(prefix=prefix)
    if os.environ.get("G6_KEEP_TMP") != "1":
        atexit.register(shutil.rmtree, d, True)
    else:
        diag("keeping " + d)
    return d


def make_file(root, rel, size=10, mtime=None):
    """Creates root/rel (and the directories above it) holding `size` bytes
    and, when given, the modification time `mtime` (epoch seconds, fractions
    kept). Returns the path."""
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(b"x" * size)
    if mtime is not None:
        os.utime(path, ns=(int(mtime * 1e9),) * 2)
    return path


def disabled_by_config(plugins, config, plugin, timeout=10):
    """Starts collectd with a configuration `plugin` must refuse, next to
    g6_info. A g6 plugin refuses a bad option by disabling itself with one
    log line, while collectd and its other plugins keep running. Returns
    whether that held (collectd up, g6_info's series exported, no series of
    `plugin`'s metric families, no warning of collectd's about read
    callbacks of `plugin` it could not find when it unloaded it), the log
    lines `plugin` wrote, and the whole log."""
    names = list(plugins) + ([] if "g6_info" in plugins else ["g6_info"])
    cd = Collectd(plugins=names, config=config, expected_errors=[".*"])
    up = cd.start(timeout=timeout)
    others = up and bool(cd.wait_for("collectd_g6_build_info", timeout))
    rx = re.compile(r"\[error\] %s: " % re.escape(plugin))
    if up:
        wait_until(lambda: rx.search(cd.log()), timeout)
    own = [s.name for s in cd.samples() if s.name.startswith("collectd_g6_")
           and s.name not in ("collectd_g6_build_info",
                              "collectd_g6_spec_hash_info")
           and s.labels.get("g6_metrics") != "g6_info"]
    cd.stop()
    log = cd.log() + cd.proc.output()
    lines = [l for l in log.splitlines() if plugin + ":" in l]
    if own:
        diag("%s exported %s although disabled" % (plugin, own[:5]))
    reports = cd.sanitizer_reports()
    if reports:
        diag("sanitizer reports:\n" + "\n".join(reports[:20]))
    unloaded = unload_warnings(log, plugin)
    if unloaded:
        diag("a second line for one refusal:\n" + "\n".join(unloaded))
    return (up and others and not own and not reports and not unloaded,
            lines, log)


def unload_warnings(log, plugin):
    """collectd's warnings about read callbacks of `plugin` that were not
    there to unregister ("plugin_unregister_read: No such read function:
    <plugin>", "... No such group of read function: <plugin>"): a g6
    plugin that disables itself leaves exactly what collectd removes
    (plugins/common/lifecycle.h), so its one error line stays one."""
    rx = re.compile(r"No such (?:read function|group of read function): %s$"
                    % re.escape(plugin))
    return [l for l in log.splitlines() if rx.search(l)]


_running = []


def _start_and_wait(proc, url, timeout, what):
    """Starts proc and waits until `url` answers 200 (or proc dies). On
    failure prints its output as diagnostics and returns False."""
    proc.start()
    up = wait_until(lambda: not proc.alive() or http_get(url, 1.0)[0] == 200,
                    timeout)
    if not (up and proc.alive()):
        diag("%s did not come up; its output follows" % what)
        diag(proc.output())
        return False
    return True


def _stop_all():
    for proc in list(_running):
        proc.stop()


def _on_signal(signum, frame):
    _stop_all()
    sys.exit(128 + signum)


signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGINT, _on_signal)
atexit.register(_stop_all)


class Process:
    """A child process stopped by its PID: SIGTERM, then SIGKILL after a
    bounded wait."""

    def __init__(self, argv, log_path, env=None, cwd=None):
        self.argv = argv
        self.log_path = log_path
        self.env = env
        self.cwd = cwd
        self.proc = None

    def start(self):
        out = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.argv, stdout=out,
                                     stderr=subprocess.STDOUT, env=self.env,
                                     cwd=self.cwd, start_new_session=True)
        out.close()
        _running.append(self)
        return self

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=10.0):
        """Returns the exit status (None if it had to be killed)."""
        if self.proc is None:
            return None
        if self in _running:
            _running.remove(self)
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
                return self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=timeout)
                return None
            except ProcessLookupError:
                pass
        return self.proc.returncode

    def output(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""


# ----------------------------------------------------------- metrics -----

_SAMPLE = re.compile(
    r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+(-?\d+))?\s*$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


class Sample:
    __slots__ = ("name", "labels", "value", "timestamp")

    def __init__(self, name, labels, value, timestamp):
        self.name, self.labels = name, labels
        self.value, self.timestamp = value, timestamp

    def __repr__(self):
        return "%s%r %r" % (self.name, self.labels, self.value)


def parse_exposition(text):
    """Parses Prometheus text exposition into a list of Sample."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            continue
        labels = {}
        if m.group(2):
            for k, v in _LABEL.findall(m.group(2)):
                labels[k] = v.replace('\\"', '"').replace(
                    "\\n", "\n").replace("\\\\", "\\")
        out.append(Sample(m.group(1), labels, float(m.group(3)),
                          int(m.group(4)) if m.group(4) else None))
    return out


def select(samples, name, **labels):
    """Samples named `name` whose labels include every given label."""
    return [s for s in samples if s.name == name and
            all(s.labels.get(k) == v for k, v in labels.items())]


# ---------------------------------------------------------- collectd -----

# Signals by which a process crashes (a deliberate kill is SIGKILL/SIGTERM).
CRASH_SIGNALS = (signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS, signal.SIGILL,
                 signal.SIGFPE)


class Collectd:
    """The Debian collectd in the foreground with write_prometheus, rrdtool,
    logfile and the g6 plugins under test.

    plugins: names of g6 plugins (build/plugins/<name>.so), copied into a
      private PluginDir because LoadPlugin rejects symlinks.
    config: collectd.conf text appended after the LoadPlugin lines (e.g.
      `<Plugin g6_chain> ... </Plugin>` blocks).
    plugin_intervals: {name: seconds} for `<LoadPlugin name> Interval`.
    expected_errors: regexes of `[error]` log lines the test provokes on
      purpose.
    wrapper: argv run in front of collectd (valgrind, ...).
    """

    def __init__(self, plugins=(), config="", interval=1.0, hostname="g6test",
                 rrd=True, expected_errors=(), plugin_intervals=None,
                 types_db=None, env=None, dir=None, staleness_delta=5,
                 wrapper=()):
        self.dir = dir or workdir("g6-collectd-")
        self.port = free_port()
        self.plugins = list(plugins)
        self.hostname = hostname
        self.expected_errors = [re.compile(e) for e in expected_errors]
        self.conf_path = os.path.join(self.dir, "collectd.conf")
        self.log_path = os.path.join(self.dir, "collectd.log")
        self.rrd_dir = os.path.join(self.dir, "rrd")
        plugdir = os.path.join(self.dir, "plugins")
        os.makedirs(plugdir, exist_ok=True)
        for p in self.plugins:
            shutil.copy2(build_path("plugins", p + ".so"), plugdir)
        types_db = types_db or os.path.join(ROOT, "types.db")
        intervals = plugin_intervals or {}
        lines = [
            'Hostname "%s"' % hostname,
            "FQDNLookup false",
            'BaseDir "%s"' % self.dir,
            'PIDFile "%s"' % os.path.join(self.dir, "collectd.pid"),
            "Interval %g" % interval,
            'TypesDB "%s" "%s"' % (STOCK_TYPESDB, types_db),
            'PluginDir "%s"' % STOCK_PLUGINDIR,
            "LoadPlugin logfile",
            "<Plugin logfile>",
            '  LogLevel "info"',
            '  File "%s"' % self.log_path,
            "  Timestamp true",
            "  PrintSeverity true",
            "</Plugin>",
            "LoadPlugin write_prometheus",
            "<Plugin write_prometheus>",
            '  Host "127.0.0.1"',
            '  Port "%d"' % self.port,
            "  StalenessDelta %d" % staleness_delta,
            "</Plugin>",
        ]
        if rrd:
            lines += ["LoadPlugin rrdtool", "<Plugin rrdtool>",
                      '  DataDir "%s"' % self.rrd_dir, "</Plugin>"]
        lines.append('PluginDir "%s"' % plugdir)
        for p in self.plugins:
            if p in intervals:
                lines += ["<LoadPlugin %s>" % p,
                          "  Interval %g" % intervals[p], "</LoadPlugin>"]
            else:
                lines.append("LoadPlugin %s" % p)
        lines.append(config)
        with open(self.conf_path, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.env = dict(os.environ)
        self.env.update(env or {})
        if os.environ.get("G6_SANITIZE"):
            # plugins built with -fsanitize=address,undefined (make
            # check-asan) load into the stock collectd with the runtimes
            # preloaded; reports land in collectd.out, which
            # unexpected_errors() reads
            # (libfaketime goes first: behind the ASan runtime the two
            # deadlock at start-up, both intercepting the clock functions
            # ASan's initialisation calls; ASan then has to be told that
            # its runtime is not the first library)
            test_preload = (env or {}).get("LD_PRELOAD")
            faketime_first = bool(test_preload) and "faketime" in test_preload
            self.env["LD_PRELOAD"] = " ".join(filter(None, [
                test_preload, os.environ["G6_SANITIZE"]] if faketime_first else [
                os.environ["G6_SANITIZE"], test_preload]))
            # collectd's own options, not the suite's (make check-asan sends
            # the tools' reports to files): its reports must reach
            # collectd.out; its leaks at exit are collectd's (valgrind.t)
            self.env["ASAN_OPTIONS"] = (env or {}).get(
                "ASAN_OPTIONS", "detect_leaks=0:abort_on_error=0") + (
                ":verify_asan_link_order=0" if faketime_first else "")
            self.env["UBSAN_OPTIONS"] = (env or {}).get(
                "UBSAN_OPTIONS", "print_stacktrace=1")
        self.wrapper = list(wrapper)
        self.crashes = []
        self.proc = Process(self.wrapper + [COLLECTD, "-f", "-C", self.conf_path],
                            os.path.join(self.dir, "collectd.out"),
                            env=self.env)
        self.url = "http://127.0.0.1:%d/metrics" % self.port

    # lifecycle
    def start(self, timeout=30.0):
        """Starts collectd and waits until /metrics answers. Returns True on
        success; on failure prints the log as diagnostics."""
        if not _start_and_wait(self.proc, self.url, timeout, "collectd"):
            diag(self.log())
            return False
        return True

    def stop(self, timeout=10.0):
        # collectd gone before the test stopped it: a crash of a plugin
        # kills it, and its log then shows no [error] line at all
        p = self.proc.proc
        died = p.poll() if p is not None else None
        if died is not None and -died in CRASH_SIGNALS and not self.crashes:
            self.crashes.append("collectd died of signal %d (%s) before the test "
                                "stopped it" % (-died, signal.Signals(-died).name))
        rc = self.proc.stop(timeout)
        # and a crash while it shut down (a plugin's shutdown callback)
        if died is None and rc is not None and -rc in CRASH_SIGNALS and \
                not self.crashes:
            self.crashes.append("collectd died of signal %d (%s) while it shut down"
                                % (-rc, signal.Signals(-rc).name))
        return rc

    def test_run(self, timeout=30.0):
        """Runs `collectd -T -C <this configuration>` to its end instead of
        the daemon: collectd 5.12's "test plugin read and exit" (README's
        configuration check) runs every init, calls every read callback
        once on its main thread, then shuts down. Returns the exit status
        (1 when an init failed); a run still going after `timeout` is
        stopped and gives None or the signal's status. The log is log();
        collectd's own output goes to collectd-T.out."""
        p = Process(self.wrapper + [COLLECTD, "-T", "-C", self.conf_path],
                    os.path.join(self.dir, "collectd-T.out"), env=self.env)
        p.start()
        try:
            p.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        return p.stop()

    def __enter__(self):
        if not self.start():
            ok(False, "collectd started and serves /metrics")
        return self

    def __exit__(self, *exc):
        self.stop()
        bad = self.unexpected_errors()
        ok(not bad, "collectd did not crash and its log has no unexpected [error] lines",
           "\n".join(bad[:20]))
        return False

    # logs
    def log(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def sanitizer_reports(self):
        """Lines of ASan/UBSan/LSan reports in collectd's output."""
        return [l for l in self.proc.output().splitlines()
                if "ERROR: AddressSanitizer" in l or "runtime error:" in l or
                "LeakSanitizer" in l]

    def unexpected_errors(self):
        """[error] lines not declared, and every sanitizer report (never
        declared away)."""
        bad = []
        log = self.log()
        for line in log.splitlines():
            if "[error]" not in line:
                continue
            if any(p.search(line) for p in HARMLESS_ERRORS + self.expected_errors):
                continue
            # collectd's rrdtool plugin races with itself: two write threads
            # creating one new RRD file, the second finds it locked (a notice
            # says so) and logs this error; the next value is written
            m = RRD_CREATE_RACE.search(line)
            if m and ('cu_rrd_create_file: File "%s" is already being created.'
                      % m.group(1)) in log:
                continue
            bad.append(line)
            if m:
                # rrdtool says why only at [warning] (srrd_create's status
                # and librrd's message): show them with the error
                bad += ["  " + w for w in log.splitlines()
                        if m.group(1) in w and w != line]
        if self.proc.proc is not None and self.proc.proc.poll() is not None:
            self.stop()  # notes a crash
        return bad + self.crashes + self.sanitizer_reports()

    def wait_log(self, pattern, timeout=20.0):
        rx = re.compile(pattern)
        return wait_until(lambda: rx.search(self.log()), timeout)

    # metrics
    def scrape(self):
        status, body, _ = http_get(self.url, 5.0)
        return body.decode("utf-8", "replace") if status == 200 else ""

    def samples(self):
        return parse_exposition(self.scrape())

    def value(self, name, **labels):
        """The value of the single sample matching name and labels, or None."""
        found = select(self.samples(), name, **labels)
        return found[0].value if len(found) == 1 else None

    def counter(self, name, **labels):
        """The value of one sample, 0 when absent (counters start at 0)."""
        v = self.value(name, **labels)
        return v if v is not None else 0.0

    def wait_grows(self, name, timeout=20.0, **labels):
        """Waits until the sample rises above its value now; returns the
        matching samples or []."""
        before = self.counter(name, **labels)
        return self.wait_for(name, timeout, predicate=lambda v: v > before,
                             **labels)

    def wait_for(self, name, timeout=20.0, predicate=None, **labels):
        """Waits until a sample matches (and satisfies predicate(value));
        returns the matching samples or []."""
        def probe():
            found = select(self.samples(), name, **labels)
            if predicate is not None:
                found = [s for s in found if predicate(s.value)]
            return found
        return wait_until(probe, timeout, 0.25) or []


# ------------------------------------------------------ file systems -----

def mount_tmpfs(path, size, mode="0755", ro=False):
    """Mounts a tmpfs of `size` ("3m") at path (created if missing; read-only
    with ro), unmounted at exit. False where mounting is not allowed (the
    caller skips what needs it)."""
    os.makedirs(path, exist_ok=True)
    opts = "size=%s,mode=%s%s" % (size, mode, ",ro" if ro else "")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", opts,
                       "g6test", path], capture_output=True).returncode != 0:
        return False
    atexit.register(subprocess.run, ["umount", "-l", path], capture_output=True)
    return True


def mount_fuse(source, path):
    """Mounts the directory `source` at path (created if missing) through
    FUSE (Debian's bindfs, in the foreground, stopped by its PID), a file
    system that is not local; unmounted at exit. False where FUSE cannot
    be used here (no bindfs, no /dev/fuse, mounting not allowed: the
    caller skips what needs it)."""
    os.makedirs(source, exist_ok=True)
    os.makedirs(path, exist_ok=True)
    if shutil.which("bindfs") is None or not os.access("/dev/fuse", os.R_OK | os.W_OK):
        return False
    proc = subprocess.Popen(["bindfs", "-f", source, path],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_until(lambda: os.path.ismount(path) or proc.poll() is not None, 10, 0.05) \
            or not os.path.ismount(path):
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        return False

    def unmount():
        subprocess.run(["umount", "-l", path], capture_output=True)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    atexit.register(unmount)
    return True


def ext4_image(img, size=64 << 20):
    """Makes an ext4 file system in the file img (`size` bytes, sparse) for
    a loop mount (mount_loop) that tests can freeze (fsfreeze: storage
    that stops answering). Skips the whole test (skip_all) where that is not
    possible: not root, mkfs.ext4/fsfreeze/mount/umount missing, mkfs
    failing."""
    missing = [x for x in ("mkfs.ext4", "fsfreeze", "mount", "umount")
               if not shutil.which(x)]
    if missing:
        skip_all("%s not installed" % ", ".join(missing))
    if os.geteuid() != 0:
        skip_all("loop mounts and fsfreeze need root")
    with open(img, "wb") as f:
        f.truncate(size)
    r = subprocess.run(["mkfs.ext4", "-q", "-F", img], capture_output=True,
                       text=True, timeout=60)
    if r.returncode != 0:
        skip_all("mkfs.ext4 failed: %s" % r.stderr.strip())


def mount_loop(img, path):
    """Mounts the file system image img at path (created if missing)
    through a loop device: None, or why it could not (mount's message).
    Unmount with unmount_thawed."""
    os.makedirs(path, exist_ok=True)
    r = subprocess.run(["mount", "-o", "loop", img, path], capture_output=True,
                       text=True, timeout=60)
    return None if r.returncode == 0 else r.stderr.strip() or "mount failed"


def fsfreeze(mnt, on):
    """Freezes (on) or thaws the file system mounted at mnt: every write to
    it blocks until thawed. Whether fsfreeze succeeded."""
    return subprocess.run(["fsfreeze", "--freeze" if on else "--unfreeze", mnt],
                          capture_output=True, timeout=60).returncode == 0


def unmount_thawed(mnt):
    """Thaws mnt and unmounts it, retrying for up to 10 s while a process
    stopped by its test still holds it, then lazily."""
    fsfreeze(mnt, False)
    for _ in range(20):
        if subprocess.run(["umount", mnt], capture_output=True,
                          timeout=60).returncode == 0:
            return
        time.sleep(0.5)
    subprocess.run(["umount", "-l", mnt], capture_output=True, timeout=60)


def fill_fs(path):
    """Fills the file system holding directory `path` with a file
    path/filler until writes fail (tmpfs charges whole pages: an existing
    file may still grow inside its last page, a new one cannot). Returns
    the filler's path; unlink it to free the space."""
    filler = os.path.join(path, "filler")
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    for chunk in (1 << 20, 65536, 4096, 1):
        try:
            while True:
                os.write(fd, b"\0" * chunk)
        except OSError:
            pass
    os.close(fd)
    return filler


# -------------------------------------------------------- CSV files -----

CSV_WIDTH = {"options": 32, "overview": 16}


def csv_ts_key(ts):
    """Sort key of a CSV timestamp "DD-MM-YYYY HH:MM:SS"."""
    return ts[6:10], ts[3:5], ts[0:2], ts[11:]


def csv_audit(data_dir):
    """Reads every CSV file g6_chain wrote under data_dir. Returns (rows,
    problems): rows {(index, family): data rows} (family: the expiry tag
    directory, or "overview"), and one "path: problem" line per torn last
    line, header that is missing or not the first line, row of the wrong
    width, or timestamp not after the row before it (a row written twice,
    or out of order)."""
    import csv as _csv
    import glob
    rows, problems = {}, []
    paths = [(p, "options") for p in glob.glob(os.path.join(data_dir, "*", "*", "*", "*.csv"))
             if os.sep + "snapshots" + os.sep not in p] + \
        [(p, "overview") for p in glob.glob(os.path.join(data_dir, "overview", "*", "*.csv"))]
    for path, kind in paths:
        rel = os.path.relpath(path, data_dir).split(os.sep)
        key = (rel[1], "overview") if kind == "overview" else (rel[0], rel[1])
        with open(path, "rb") as f:
            raw = f.read()
        if not raw.endswith(b"\n"):
            problems.append("%s: torn last line %r" % (path, raw[-40:]))
        lines = list(_csv.reader(raw.decode("utf-8", "replace").splitlines()))
        if not lines or lines[0][:1] != ["timestamp"]:
            problems.append("%s: no header" % path)
        prev = None
        for i, r in enumerate(lines[1:], 2):
            if len(r) != CSV_WIDTH[kind] or r[0] == "timestamp":
                problems.append("%s:%d: %d fields" % (path, i, len(r)))
                continue
            k = csv_ts_key(r[0])
            if prev is not None and k <= prev:
                problems.append("%s:%d: timestamp %s not after the row before"
                                % (path, i, r[0]))
            prev = k
        rows[key] = rows.get(key, 0) + max(0, len(lines) - 1)
    return rows, problems


# -------------------------------------------------------- prometheus -----

class Prometheus:
    """The Debian Prometheus server scraping the given targets every second
    with honor_labels (collectd's `instance` label is kept) and no explicit
    timestamps (a vanished series goes stale at once)."""

    def __init__(self, targets, rule_files=(), dir=None, scrape_interval="1s",
                 honor_timestamps=False, job="collectd"):
        self.dir = dir or workdir("g6-prom-")
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        cfg = {
            "global": {"scrape_interval": scrape_interval,
                       "evaluation_interval": scrape_interval},
            "rule_files": [os.path.abspath(r) for r in rule_files],
            "scrape_configs": [{
                "job_name": job,
                "honor_labels": True,
                # True keeps collectd's own timestamps (a test that lines
                # samples up with the time collectd dispatched them)
                "honor_timestamps": honor_timestamps,
                "static_configs": [{"targets": list(targets)}],
            }],
        }
        self.conf_path = os.path.join(self.dir, "prometheus.yml")
        with open(self.conf_path, "w") as f:
            json.dump(cfg, f, indent=2)  # JSON is valid YAML
        self.proc = Process([
            PROMETHEUS, "--config.file=" + self.conf_path,
            "--storage.tsdb.path=" + os.path.join(self.dir, "data"),
            "--web.listen-address=127.0.0.1:%d" % self.port,
            "--log.level=warn"], os.path.join(self.dir, "prometheus.log"))

    def start(self, timeout=60.0):
        return _start_and_wait(self.proc, self.url + "/-/ready", timeout,
                               "prometheus")

    def stop(self):
        return self.proc.stop()

    def __enter__(self):
        if not self.start():
            ok(False, "prometheus started and is ready")
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def query(self, expr, at=None):
        """Instant query (at `at`, epoch seconds, when given); returns the
        result list ([] on error)."""
        params = {"query": expr}
        if at is not None:
            params["time"] = "%.3f" % at
        q = urllib.parse.urlencode(params)
        status, body, _ = http_get(self.url + "/api/v1/query?" + q, 10.0)
        if status != 200:
            return []
        doc = json.loads(body)
        if doc.get("status") != "success":
            return []
        return doc["data"]["result"]

    def wait_query(self, expr, timeout=60.0, predicate=None):
        """Waits until the query returns a non-empty result (whose values
        satisfy predicate, if given)."""
        def probe():
            res = self.query(expr)
            if predicate is not None:
                res = [r for r in res if predicate(float(r["value"][1]))]
            return res
        return wait_until(probe, timeout, 0.5) or []


# ------------------------------------------------------ aggregation ----

def aggregation_config(interval):
    """The generated host-totals snippet (conf.d/g6_aggregation.conf) for a
    test's collectd: loaded from collectd's PluginDir, with its Interval set
    to `interval` (g6_chain's, as the snippet says it must be)."""
    with open(os.path.join(ROOT, "conf.d", "g6_aggregation.conf")) as f:
        text = f.read()
    if "Interval 10\n" not in text:
        raise AssertionError("conf.d/g6_aggregation.conf: no \"Interval 10\" to replace")
    return 'PluginDir "%s"\n%s' % (STOCK_PLUGINDIR,
                                    text.replace("Interval 10\n", "Interval %g\n" % interval))


# ------------------------------------------------------- g6_chain config ----

def chain_config(data_dir, mock, key_file, token_file, plugin="", provider="",
                 indices=()):
    """A <Plugin g6_chain> block collecting from g6-mockd `mock`.

    plugin, provider: option lines for the plugin block and <Provider "kite">
      (one per line, indentation free);
    indices: (name, option lines) pairs, one <Index> block each."""
    def lines(text, pad):
        return "\n".join(pad + l.strip() for l in text.strip().splitlines())
    blocks = "\n".join('  <Index "%s">\n%s\n  </Index>' % (name, lines(opts, "    "))
                       for name, opts in indices)
    if getattr(mock, "frozen_clock", None) is not None:
        # a frozen market clock serves quotes stamped with it: in a real
        # session they grow old, and MaxQuoteAge would call the index STALE
        plugin = "MaxQuoteAge 0\n" + plugin
    return """
<Plugin g6_chain>
  DataDir "%s"
%s
  <Provider "kite">
    URL "%s"
    APIKeyFile "%s"
    AccessTokenFile "%s"
%s
  </Provider>
%s
</Plugin>
""" % (data_dir, lines(plugin, "  "), mock.url, key_file, token_file,
       lines(provider, "    "), blocks)


def plugins_config(data_dir, panels_dir, analytics="", panels="", retention=""):
    """The <Plugin> blocks of g6_analytics, g6_panels and g6_retention next
    to a g6_chain writing data_dir; each argument holds more option lines
    for its block (one per line, indentation free)."""
    def lines(text):
        return "\n".join("  " + l.strip() for l in text.strip().splitlines())
    return """
<Plugin g6_analytics>
  DataDir "%s"
%s
</Plugin>
<Plugin g6_panels>
  PanelsDir "%s"
%s
</Plugin>
<Plugin g6_retention>
  DataDir "%s"
%s
</Plugin>
""" % (data_dir, lines(analytics), panels_dir, lines(panels), data_dir, lines(retention))


# ------------------------------------------------------------- g6-mockd ----

class MockD:
    """g6-mockd (build/g6-mockd) on a free 127.0.0.1 port, stopped by PID.

        with t.MockD(clock=1763700000, faults=["quote.http5xx=2"]) as m:
            m.url                     # http://127.0.0.1:PORT (the Kite URL)
            m.quote(["NSE:NIFTY 50"]) # Kite's JSON document, as a dict
            m.set_faults({"quote": {"ratelimit": 1}})
            m.requests()["quote"]["total"]

    clock: freeze the market clock at this epoch (prices are a pure function
      of seed and clock, so tests can recompute what the mock served);
    faults: "SCOPE.NAME=VALUE" strings (see `g6-mockd --help`);
    args: more command-line arguments."""

    API_KEY = "g6demo"
    ACCESS_TOKEN = "g6demo-token"
    API_SECRET = "g6demo-secret"

    def __init__(self, seed=1, clock=None, faults=(), args=(), dir=None,
                 api_key=None, access_token=None, api_secret=None):
        self.dir = dir or workdir("g6-mockd-")
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.api_key = api_key or self.API_KEY
        self.access_token = access_token or self.ACCESS_TOKEN
        self.api_secret = api_secret or self.API_SECRET
        self.frozen_clock = clock  # the market clock frozen at, or None
        argv = [build_path("g6-mockd"), "--port", str(self.port),
                "--seed", str(seed), "--api-key", self.api_key,
                "--access-token", self.access_token,
                "--api-secret", self.api_secret]
        if clock is not None:
            argv += ["--clock", str(int(clock))]
        for f in faults:
            argv += ["--fault", f]
        argv += list(args)
        self.proc = Process(argv, os.path.join(self.dir, "g6-mockd.log"))

    def start(self, timeout=15.0):
        return _start_and_wait(self.proc, self.url + "/admin/clock", timeout,
                               "g6-mockd")

    def stop(self):
        return self.proc.stop()

    def __enter__(self):
        if not self.start():
            ok(False, "g6-mockd started")
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def write_credentials(self, dir):
        """Writes the mock's API key and access token to dir/kite.key and
        dir/kite.token with mode 0600; returns the two paths."""
        paths = []
        for name, value in (("kite.key", self.api_key),
                            ("kite.token", self.access_token)):
            path = os.path.join(dir, name)
            with open(path, "w") as f:
                f.write(value + "\n")
            os.chmod(path, 0o600)
            paths.append(path)
        return paths

    def chain_config(self, dir, indices, rps=50, burst=10):
        """A <Plugin g6_chain> block collecting from this mock (ForceOpen,
        data in dir/data, the credentials write_credentials put in dir);
        `indices` is the text of the <Index> blocks."""
        return """
<Plugin g6_chain>
  DataDir "{dir}/data"
  ForceOpen true
{max_age}  <Provider "kite">
    URL "{url}"
    APIKeyFile "{dir}/kite.key"
    AccessTokenFile "{dir}/kite.token"
    QuoteRequestsPerSecond {rps}
    QuoteBurst {burst}
  </Provider>
{indices}
</Plugin>
""".format(dir=dir, url=self.url, rps=rps, burst=burst, indices=indices,
           max_age="  MaxQuoteAge 0\n" if self.frozen_clock is not None else "")

    # Kite endpoints, with the right headers
    def headers(self):
        return {"X-Kite-Version": "3",
                "Authorization": "token %s:%s" % (self.api_key,
                                                  self.access_token)}

    def get(self, path, params=None, headers=None, timeout=10.0):
        """(status, body bytes, headers) of a Kite GET."""
        q = ("?" + urllib.parse.urlencode(params, doseq=True,
                                          quote_via=urllib.parse.quote)
             ) if params else ""
        return http_get(self.url + path + q, timeout,
                        self.headers() if headers is None else headers)

    def quote(self, keys, path="/quote"):
        status, body, _ = self.get(path, {"i": list(keys)})
        return json.loads(body) if status == 200 else None

    def this_week_call(self, index, strikes_below):
        """(this_week's expiry, the trading symbol of its call strikes_below
        strikes under the ATM) at the mock's clock: this_week is the first
        listed expiry still tradable then (an expiry passes at 15:30 IST,
        first_tradable_day), not simply the first listed one, which on an
        expiry day's evening is the contract that just expired. The symbol
        is None when the mock does not list that strike."""
        import csv
        mk = self.market()
        ix = mk["indices"][index]
        day = first_tradable_day(datetime.datetime.fromtimestamp(mk["epoch"], IST))
        expiry = next(x for x in ix["expiries"]
                      if datetime.date.fromisoformat(x) >= day)
        atm = round(ix["spot"] / ix["step"]) * ix["step"]
        for row in csv.DictReader(io.StringIO(self.instruments_csv())):
            if row["name"] == index and row["expiry"] == expiry and \
                    row["instrument_type"] == "CE" and \
                    float(row["strike"]) == atm - strikes_below * ix["step"]:
                return expiry, row["tradingsymbol"]
        return expiry, None

    def instruments_csv(self, exchange=None):
        status, body, _ = self.get("/instruments" +
                                   ("/" + exchange if exchange else ""))
        return body.decode() if status == 200 else None

    # admin
    def _admin(self, method, path, doc=None):
        data = json.dumps(doc).encode() if doc is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def set_faults(self, doc):
        """Merges faults, e.g. {"quote": {"http5xx": 2}, "market":
        {"missing_index": "FINNIFTY"}}; returns the fault state."""
        return self._admin("POST", "/admin/faults", doc)

    def faults(self):
        return self._admin("GET", "/admin/faults")

    def reset_faults(self):
        return self._admin("DELETE", "/admin/faults")

    def requests(self):
        """{endpoint: {"total", "by_status": {code: n}, "max_batch",
        "instruments_requested"}} served since start or reset."""
        return self._admin("GET", "/admin/requests")

    def reset_requests(self):
        return self._admin("DELETE", "/admin/requests")

    def clock(self, epoch=None, advance=None, real=False):
        doc = {}
        if epoch is not None:
            doc["epoch"] = int(epoch)
        if advance is not None:
            doc["advance"] = int(advance)
        if real:
            doc["real"] = True
        return self._admin("POST" if doc else "GET", "/admin/clock",
                           doc if doc else None)

    def set_access_token(self, token):
        self.access_token = token
        return self._admin("POST", "/admin/auth", {"access_token": token})

    def market(self):
        """Seed, clock, and per index: spot, quote_key, step, lot_size,
        exchange, segment, listed expiries."""
        return self._admin("GET", "/admin/market")


# ------------------------------------------------------------ panels -----

def manifest_field(panels_dir, key, default=None):
    """A field of PanelsDir's manifest.json ("cycle", "files"), or
    `default` when it cannot be read yet (absent, torn, no such key)."""
    try:
        with open(os.path.join(panels_dir, "manifest.json")) as f:
            return json.load(f)[key]
    except (OSError, ValueError, KeyError):
        return default


def read_text(path):
    """A file's text, or None when it cannot be read."""
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def panels_verify(panels_dir):
    """Whether the set in panels_dir verifies both ways: `g6 integrity
    --strict` and the old platform's checker (tests/lib/g6panels_ref.py)."""
    import g6panels_ref
    p = subprocess.run([build_path("g6"), "integrity", "--panels-dir", panels_dir,
                        "--strict"], capture_output=True, timeout=30)
    return p.returncode == 0 and not g6panels_ref.verify(panels_dir)
