#!/usr/bin/env python3
"""Tampering with the panels of a running g6_panels (signed manifest): each
kind of damage is seen by the integrity sweep in the real collectd (the
problem counter of its kind grows, collectd_g6_panels_integrity_state drops
to 0, one log line names the file) and by `g6 integrity --strict --key`
(exit 1, the problem named); after the files are put back the state returns
to 1. FlushInterval is an hour, so g6_panels does not rewrite the set while
the test damages it; the sweep runs every second.

Kinds: edit a byte of a panel's data, delete a panel, truncate a panel, swap
two panels, forge the manifest (a consistent manifest for edited data, which
the old unsigned checker accepts) without the key, delete the signature."""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6panels_ref as ref  # noqa: E402
import g6test as t  # noqa: E402

G6 = t.build_path("g6")
wd = t.workdir()
pdir = os.path.join(wd, "panels")
keyfile = os.path.join(wd, "panels.key")
with open(keyfile, "w") as f:
    f.write("tamper-test-key\n")
os.chmod(keyfile, 0o600)

conf = """
<Plugin g6_panels>
  PanelsDir "%s"
  FlushInterval 3600
  IntegrityInterval 1
  KeyFile "%s"
</Plugin>
""" % (pdir, keyfile)


def integrity():
    p = subprocess.run([G6, "integrity", "--panels-dir", pdir, "--strict", "--json",
                        "--key", keyfile], capture_output=True, timeout=30)
    try:
        return p.returncode, json.loads(p.stdout)["issues"]
    except ValueError:
        return p.returncode, p.stdout.decode() + p.stderr.decode()


def path(name):
    return os.path.join(pdir, name)


def edit_byte(name):
    raw = open(path(name), "rb").read()
    i = raw.index(b'"data"') + 10
    while not raw[i:i + 1].isdigit():
        i += 1
    digit = raw[i:i + 1]
    raw = raw[:i] + (b"1" if digit != b"1" else b"2") + raw[i + 1:]
    open(path(name), "wb").write(raw)


def forge_manifest(name):
    """Edits a panel and writes the manifest hash that matches the edit: the
    old checker cannot tell; the signature can."""
    doc = json.load(open(path(name)))
    doc["data"]["forged"] = True
    json.dump(doc, open(path(name), "w"), indent=2)
    man = json.load(open(path("manifest.json")))
    man["hashes"][name] = ref.data_hash(doc["data"])
    json.dump(man, open(path("manifest.json"), "w"), indent=2)


def swap(a, b):
    os.rename(path(a), path(a) + ".tmp")
    os.rename(path(b), path(a))
    os.rename(path(a) + ".tmp", path(b))


SYSTEM = "system_enveloped.json"
LINKS = "links_enveloped.json"
CASES = [
    ("edit a byte of a panel", lambda: edit_byte(SYSTEM), "mismatch", {SYSTEM: "mismatch"}),
    ("delete a panel", lambda: os.unlink(path(LINKS)), "file_missing",
     {LINKS: "file_missing"}),
    ("truncate a panel", lambda: open(path(SYSTEM), "r+b").truncate(40), "read_error",
     {SYSTEM: "read_error:JSONDecodeError"}),
    ("swap two panels", lambda: swap(SYSTEM, LINKS), "mismatch",
     {SYSTEM: "mismatch", LINKS: "mismatch"}),
    ("forge the manifest without the key", lambda: forge_manifest(LINKS), "bad_signature",
     {"manifest.json.sig": "bad_signature"}),
    ("delete the signature", lambda: os.unlink(path("manifest.json.sig")),
     "missing_signature", {"manifest.json.sig": "missing_signature"}),
]

with t.Collectd(plugins=["g6_panels", "g6_info"], config=conf,
                plugin_intervals={"g6_panels": 0.5}) as cd:
    t.ok(t.wait_until(lambda: os.path.exists(path("manifest.json.sig")), 20),
         "g6_panels wrote a signed set")
    t.ok(cd.wait_for("collectd_g6_panels_integrity_state", 20, lambda v: v == 1),
         "the sweep finds it intact")
    clean = os.path.join(wd, "clean")
    shutil.copytree(pdir, clean)
    for what, do, kind, want in CASES:
        def problems():
            v = cd.value("collectd_g6_panels_integrity_problems_total", g6_panels=kind)
            return v if v is not None else -1
        before = problems()
        do()
        seen = cd.wait_for("collectd_g6_panels_integrity_problems_total", 15,
                           lambda v: v > before, g6_panels=kind)
        state = cd.wait_for("collectd_g6_panels_integrity_state", 15, lambda v: v == 0)
        t.ok(seen and state, "%s: the sweep counts %s and the state drops to 0" %
             (what, kind), "before %s, now %s" % (before, problems()))
        rc, issues = integrity()
        t.ok(rc == 1 and issues == want, "%s: g6 integrity --strict --key exits 1 "
             "naming %s" % (what, want), "exit %d: %r" % (rc, issues))
        if kind == "bad_signature":
            t.is_(ref.verify(pdir), {}, "%s: the old, unsigned checker is fooled; only "
                  "the signature catches it" % what)
        first = next(iter(want))
        t.ok(cd.wait_log(r"g6_panels: integrity: \d+ problem\(s\) in .*%s: %s" %
                         (first.replace(".", r"\."), want[first]), 10),
             "%s: collectd's log names the file and the problem" % what)
        # put the clean set back
        for name in os.listdir(pdir):
            os.unlink(path(name))
        for name in os.listdir(clean):
            shutil.copy2(os.path.join(clean, name), path(name))
        t.ok(cd.wait_for("collectd_g6_panels_integrity_state", 15, lambda v: v == 1),
             "%s: restored, the state is 1 again" % what)
    t.ok(cd.wait_log(r"g6_panels: integrity: every file in .* matches manifest\.json again"),
         "the recovery is logged")
    rc, issues = integrity()
    t.is_((rc, issues), (0, {}), "g6 integrity agrees at the end")

t.done_testing()
