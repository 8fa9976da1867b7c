#!/usr/bin/env python3
"""`g6 summary` in a real terminal: tmux (its own server on a private
socket, stopped by PID) runs it over the panels that g6_panels writes in the
real collectd with g6_chain against g6-mockd, and the test reads the pane
the way a person would see it:

  - one screen: the header, each index's row (status, spot, legs, PCR,
    age), the provider, the system and the integrity line, nothing
    scrolled into the history;
  - it redraws in place: the clock on the first line changes while every
    row stays on its line, and a tampered panel turns the integrity line
    into a problem report on the same row;
  - the screen follows the terminal's width;
  - q quits with status 0 and gives the terminal back;
  - without a terminal (a pipe) --once prints the same screen as plain text
    with no escape sequences."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t  # noqa: E402

TMUX = shutil.which("tmux")
if TMUX is None:
    t.skip_all("tmux is not installed (make deps installs it)")

G6 = t.build_path("g6")
wd = t.workdir()
pdir = os.path.join(wd, "panels")
sock = "g6summary-%d" % os.getpid()


def tmux(*args, check=True):
    p = subprocess.run([TMUX, "-L", sock, "-f", "/dev/null"] + list(args),
                       capture_output=True, timeout=20)
    if check and p.returncode != 0:
        t.diag("tmux %s: %s" % (" ".join(args), p.stderr.decode()))
    return p.stdout.decode()


def pane():
    """The visible pane, as lines without trailing blanks."""
    return [l.rstrip() for l in tmux("capture-pane", "-p", "-t", "s").splitlines()]


def history():
    return tmux("capture-pane", "-p", "-S", "-", "-E", "-1", "-t", "s", check=False)


def row(lines, start):
    for i, l in enumerate(lines):
        if l.startswith(start):
            return i, l
    return None, None


INDICES = """
  <Index "NIFTY">
    StrikesBelowATM 2
    StrikesAboveATM 2
    Interval 1
  </Index>"""
PANELS = """
<Plugin g6_panels>
  PanelsDir "%s"
  FlushInterval 1
  IntegrityInterval 3600
</Plugin>
""" % pdir

server_pid = None
with t.MockD(clock=int(time.time())) as m:
    m.write_credentials(wd)
    with t.Collectd(plugins=["g6_chain", "g6_panels"],
                    config=m.chain_config(wd, INDICES) + PANELS) as cd:
        def nifty():
            try:
                with open(os.path.join(pdir, "indices_panel_enveloped.json")) as f:
                    items = json.load(f)["data"]["items"]
                return [i for i in items if i["index"] == "NIFTY" and i["spot"]]
            except (OSError, ValueError, KeyError):
                return []
        t.ok(t.wait_until(nifty, 30), "g6_panels writes the indices panel")
        try:
            # the exit status goes to a file: on a loaded machine tmux can see
            # the pty close before it reaps the child, and then never shows a
            # pane_dead_status (seen on main as well as here)
            status_file = os.path.join(wd, "summary.status")
            tmux("new-session", "-d", "-s", "s", "-x", "150", "-y", "30",
                 "%s summary --panels-dir %s --refresh 0.5; echo $? > %s"
                 % (G6, pdir, status_file))
            tmux("set-option", "-t", "s", "remain-on-exit", "on")
            server_pid = int(tmux("display-message", "-p", "-t", "s", "#{pid}").strip())

            def shows(pattern):
                return t.wait_until(lambda: any(re.search(pattern, l) for l in pane()), 10)
            spot = "%.2f" % nifty()[0]["spot"]
            t.ok(shows(r"^g6 summary \| " + re.escape(pdir)), "the header names the panels "
                 "directory", "\n".join(pane()))
            t.ok(shows(r"^INDEX\s+STATUS\s+MARKET\s+SPOT\s+ATM\s+LEGS\s+PCR\s+DQ%\s+AGE$"),
                 "the index table has its header", "\n".join(pane()))
            t.ok(shows(r"^NIFTY\s+OK\s+open\s+%s\s+\d+\s+10/10\s+\d+\.\d\d\s+100\s+\d+s$" %
                       re.escape(spot)),
                 "NIFTY's row: OK, open, spot %s from the panel, 10/10 legs, PCR, age" % spot,
                 "\n".join(pane()))
            t.ok(shows(r"^PROVIDER\s+breaker closed \| [\d.]+ req/s \| errors [\d.]+/s .*"
                       r"auth ok"), "the provider line", "\n".join(pane()))
            t.ok(shows(r"^SYSTEM\s+cycles \d+ \| last cycle .* \| CPU [\d.]+% \| RSS "),
                 "the system line", "\n".join(pane()))
            t.ok(shows(r"^INTEGRITY\s+OK: 6 files match manifest\.json$"),
                 "the integrity line", "\n".join(pane()))
            lines = pane()
            t.is_(sum(1 for l in lines if l.startswith("INDEX")), 1,
                  "one screen: the table header appears once")
            t.ok("INDEX" not in history(), "nothing scrolled into the history "
                 "(redrawn in place on the alternate screen)")

            # in place: the clock in the header changes on the same line, and
            # every row stays where it was
            h0 = pane()[0]
            i0, _ = row(pane(), "NIFTY")
            changed = t.wait_until(lambda: pane()[0] != h0 and
                                   pane()[0].startswith("g6 summary |"), 10)
            t.ok(changed and row(pane(), "NIFTY")[0] == i0,
                 "the screen is redrawn in place: a new time on the first line, "
                 "NIFTY's row on the same line", "\n".join(pane()))

            # a tampered panel: the integrity line reports it, same row
            ii, _ = row(pane(), "INTEGRITY")
            p = os.path.join(pdir, "links_enveloped.json")
            doc = json.load(open(p))
            doc["data"]["version"] = "forged"
            json.dump(doc, open(p, "w"))
            t.ok(shows(r"^INTEGRITY\s+1 PROBLEM: links_enveloped\.json: mismatch$") and
                 row(pane(), "INTEGRITY")[0] == ii,
                 "a tampered panel shows as a problem on the integrity line",
                 "\n".join(pane()))

            # the width follows the terminal
            tmux("resize-window", "-t", "s", "-x", "60", "-y", "30")
            t.ok(t.wait_until(lambda: max(len(l) for l in pane()) <= 60 and
                              row(pane(), "PROVIDER")[1] is not None, 10),
                 "resized to 60 columns, every line fits", "\n".join(pane()))

            # q quits, status 0, the screen is given back
            tmux("send-keys", "-t", "s", "q")

            def exit_status():
                try:
                    with open(status_file) as f:
                        return f.read().strip() or None
                except OSError:
                    return None
            status = t.wait_until(exit_status, 20)
            t.ok(status == "0", "q quits with exit status 0", "status: %r" % status)
            t.ok(not any(l.startswith("INDEX") for l in pane()),
                 "the alternate screen is left: the summary no longer covers the terminal")
        finally:
            if server_pid:
                tmux("kill-server", check=False)
                try:
                    os.kill(server_pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

        # no terminal: plain text
        p = subprocess.run([G6, "summary", "--panels-dir", pdir, "--once"],
                           capture_output=True, timeout=30)
        out = p.stdout.decode()
        t.ok(p.returncode == 0 and "\033" not in out and
             re.search(r"^NIFTY\s+OK\s+open\s+", out, re.M) and
             "INTEGRITY  1 PROBLEM: links_enveloped.json: mismatch" in out,
             "--once into a pipe prints the screen as plain text", out)

t.done_testing()
