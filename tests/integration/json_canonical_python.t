#!/usr/bin/env python3
"""`g6 json canonical` produces exactly the bytes of Python's
json.dumps(x, sort_keys=True, separators=(",", ":")) on random documents
(floats across the whole range, unicode incl. astral planes, control
characters, deep nesting, big ints)."""
import json
import math
import os
import random
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

seed = int(os.environ.get("G6_SEED", "20261122"))
rng = random.Random(seed)
t.diag("seed %d (set G6_SEED to reproduce)" % seed)


def rand_float():
    kind = rng.random()
    if kind < 0.3:  # prices
        return round(rng.uniform(0, 30000), rng.randint(0, 4))
    if kind < 0.6:  # any bit pattern that is finite
        while True:
            f = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
            if math.isfinite(f):
                return f
    if kind < 0.8:
        return rng.uniform(-1, 1) * 10 ** rng.randint(-330, 308)
    return rng.choice([0.0, -0.0, 1e16, 1e-5, 1e-4, 0.1, 5e-324, 1e22, 1.5e300])


def rand_string():
    pools = [range(0x20, 0x7f), range(0, 0x20), range(0x80, 0x800),
             range(0x800, 0xd800), range(0xe000, 0x10000), range(0x10000, 0x110000)]
    out = []
    for _ in range(rng.randint(0, 12)):
        out.append(chr(rng.choice(rng.choice(pools))))
    return "".join(out)


def rand_value(depth):
    r = rng.random()
    if depth > 6 or r < 0.45:
        c = rng.randint(0, 5)
        if c == 0:
            return None
        if c == 1:
            return rng.random() < 0.5
        if c == 2:
            return rng.randint(-10 ** rng.randint(0, 30), 10 ** rng.randint(0, 30))
        if c == 3:
            return rng.choice(["", "NIFTY", "a\"b\\c"]) + rand_string()
        return rand_float()
    if r < 0.7:
        return [rand_value(depth + 1) for _ in range(rng.randint(0, 6))]
    return {rand_string(): rand_value(depth + 1) for _ in range(rng.randint(0, 6))}


g6 = t.build_path("g6")
N = 400
mismatch = 0
first = None
for i in range(N):
    doc = rand_value(0)
    # feed g6 an arbitrary (unsorted, indented, non-ASCII) rendering
    text = json.dumps(doc, ensure_ascii=rng.random() < 0.5,
                      indent=rng.choice([None, 1, 2]))
    want = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    got = subprocess.run([g6, "json", "canonical"], input=text.encode(),
                         capture_output=True, timeout=30)
    if got.returncode != 0 or got.stdout.decode().rstrip("\n") != want:
        mismatch += 1
        if first is None:
            first = (text, want, got.stdout.decode(), got.stderr.decode())
t.ok(mismatch == 0, "%d random documents canonicalize exactly like Python" % N,
     None if first is None else "input: %s\nwant:  %s\ngot:   %s\nerr: %s" % first)

# floats in bulk: 40,000 doubles (random bit patterns, prices, tiny and huge
# magnitudes) print exactly like Python's repr
floats = []
while len(floats) < 40000:
    f = rand_float()
    if math.isfinite(f):
        floats.append(f)
want = json.dumps(floats, separators=(",", ":"))
got = subprocess.run([g6, "json", "canonical"], input=want.encode(),
                     capture_output=True, timeout=60).stdout.decode().rstrip("\n")
diff = [(a, b) for a, b in zip(got[1:-1].split(","), want[1:-1].split(",")) if a != b]
t.ok(got == want, "40000 floats print exactly like Python's repr", diff[:5])

# the hash subcommand is sha256 of those bytes
import hashlib
doc = {"max_pain": {"NIFTY": 19250}, "pcr": 1.22, "x": [0.1, "é"]}
want = hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
got = subprocess.run([g6, "json", "hash"], input=json.dumps(doc).encode(),
                     capture_output=True, timeout=30).stdout.decode().strip()
t.is_(got, want, "g6 json hash equals hashlib.sha256 of the canonical form")

bad = subprocess.run([g6, "json", "canonical"], input=b'{"a":', capture_output=True, timeout=30)
t.ok(bad.returncode == 1 and b"malformed JSON" in bad.stderr,
     "malformed input exits 1 with a message", bad.stderr.decode())
t.done_testing()
