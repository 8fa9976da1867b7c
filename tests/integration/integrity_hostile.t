#!/usr/bin/env python3
"""`g6 integrity` on a panel directory an attacker wrote: a manifest key with
a newline, an escape sequence and a bell (a terminal title change, a forged
output line) is shown with '?' for each such byte, never raw; --json keeps
the name exactly, escaped as Python's json.dumps writes it."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t  # noqa: E402

G6 = t.build_path("g6")
pdir = os.path.join(t.workdir(), "panels")
os.makedirs(pdir)
name = "a\x1b]0;pwned\x07\n  - forged.json: ok"
with open(os.path.join(pdir, "manifest.json"), "w") as f:
    json.dump({"hashes": {name: "0" * 64}}, f)

p = subprocess.run([G6, "integrity", "--panels-dir", pdir], capture_output=True,
                   timeout=60)
out = p.stdout.decode("latin-1")
t.is_(p.returncode, 0, "exit 0 without --strict")
t.is_(out, "[panels-integrity] Issues detected (1):\n"
      "  - a?]0;pwned??  - forged.json: ok: file_missing\n",
      "the name's control bytes are '?', on one line")
t.ok(all(0x20 <= b < 0x7f or b == 0x0a for b in p.stdout),
     "nothing but printable ASCII and line ends")

p = subprocess.run([G6, "integrity", "--panels-dir", pdir, "--json"],
                   capture_output=True, timeout=60)
t.is_(json.loads(p.stdout), {"issues": {name: "file_missing"}, "count": 1},
      "--json keeps the name exactly")
t.done_testing()
