#!/usr/bin/env python3
"""`g6 json canonical` produces exactly the bytes of Python's
json.dumps(x, sort_keys=True, separators=(",", ":")) for what json.loads
accepts: random documents (floats across the whole range, NaN and
+-Infinity, unicode incl. astral planes, lone and mismatched surrogates,
control characters, deep nesting, big ints) in every encoding json.loads
detects; and random mutations of them are accepted exactly when Python
accepts them."""
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


def rand_special_float():
    return rng.choice([float("nan"), float("inf"), float("-inf")])


def rand_surrogate_string():
    """A Python str that may hold lone or mismatched surrogates."""
    out = []
    for _ in range(rng.randint(0, 8)):
        r = rng.random()
        if r < 0.3:
            out.append(chr(rng.randint(0xD800, 0xDBFF)))  # high
        elif r < 0.5:
            out.append(chr(rng.randint(0xDC00, 0xDFFF)))  # low
        elif r < 0.6:
            out.append(chr(rng.randint(0x10000, 0x10FFFF)))
        else:
            out.append(chr(rng.choice([0x41, 0xe9, 0x20b9, 0x22, 0x5c, 0x0a])))
    return "".join(out)


def rand_value2(depth):
    """Like rand_value, with NaN/Infinity and surrogates mixed in."""
    r = rng.random()
    if depth > 5 or r < 0.5:
        c = rng.randint(0, 4)
        if c == 0:
            return rand_special_float()
        if c == 1:
            return rand_surrogate_string()
        if c == 2:
            return rand_float()
        return rand_value(6)
    if r < 0.75:
        return [rand_value2(depth + 1) for _ in range(rng.randint(0, 5))]
    return {rand_surrogate_string(): rand_value2(depth + 1)
            for _ in range(rng.randint(0, 5))}


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be",
             "utf-32", "utf-32-le", "utf-32-be"]


def encode(text, enc):
    return text.encode(enc, "surrogatepass")


def rand_escape_soup():
    """JSON text of strings written as raw \\uXXXX escapes around
    surrogates (pairs, lone highs and lows, a high before a non-low, mixed
    hex case), the inputs Python pairs or leaves alone."""
    def esc(cp):
        h = "%04x" % cp
        return "\\u" + (h.upper() if rng.random() < 0.3 else h)
    items = []
    for _ in range(rng.randint(1, 6)):
        parts = []
        for _ in range(rng.randint(0, 6)):
            r = rng.random()
            if r < 0.3:
                parts.append(esc(rng.randint(0xD800, 0xDBFF)))
            elif r < 0.5:
                parts.append(esc(rng.randint(0xDC00, 0xDFFF)))
            elif r < 0.6:
                parts.append(esc(rng.choice([0x41, 0xe000, 0xffff, 0x7f, 0])))
            else:
                parts.append(rng.choice(["a", "\\n", "\\\"", "\u00e9", " "]))
        items.append('"%s"' % "".join(parts))
    if rng.random() < 0.5:
        return "[" + ",".join(items) + "]"
    return "{" + ",".join("%s:%d" % (k, i) for i, k in enumerate(items)) + "}"


def python_canonical(data):
    """json.dumps of json.loads(bytes), or None when Python refuses it."""
    try:
        return json.dumps(json.loads(data), sort_keys=True,
                          separators=(",", ":"))
    except (ValueError, RecursionError):
        return None


def g6_canonical(data):
    """(exit status, stdout) of g6 json canonical."""
    got = subprocess.run([g6, "json", "canonical"], input=data,
                         capture_output=True, timeout=30)
    return got.returncode, got.stdout.decode("ascii", "replace").rstrip("\n")


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

# NaN, +-Infinity and lone or mismatched surrogates, in every encoding
# json.loads detects in bytes (with BOMs, UTF-16/32 in both byte orders)
first = None
mismatch = 0
N2 = 300
for i in range(N2):
    doc = rand_value2(0)
    ascii_ = rng.random() < 0.5
    text = json.dumps(doc, ensure_ascii=ascii_, indent=rng.choice([None, 2]))
    enc = rng.choice(ENCODINGS) if not ascii_ or rng.random() < 0.5 else "utf-8"
    data = encode(text, enc)
    # what Python reads back (an escaped high + low pair becomes one code
    # point, which sorts differently than the two lone surrogates did)
    want = python_canonical(data)
    rc, got = g6_canonical(data)
    if want is None or rc != 0 or got != want:
        mismatch += 1
        if first is None:
            first = (enc, data[:200], want, got)
t.ok(mismatch == 0, "%d documents with NaN, Infinity and lone surrogates, in "
     "UTF-8/16/32 with and without BOM, canonicalize like Python" % N2,
     None if first is None else "encoding %s\ninput: %r\nwant: %s\ngot:  %s" % first)

# hand-written surrogate escapes: pairs join, anything else stays lone
first = None
mismatch = 0
for i in range(300):
    text = rand_escape_soup()
    want = python_canonical(text.encode())
    rc, got = g6_canonical(text.encode())
    if want is None or rc != 0 or got != want:
        mismatch += 1
        if first is None:
            first = (text, want, got)
t.ok(mismatch == 0, "300 texts of raw surrogate escapes (lone highs and lows, "
     "a high before a non-low, mixed hex case) canonicalize like Python",
     None if first is None else "input: %s\nwant: %s\ngot:  %s" % first)

# random mutations: g6 accepts exactly what Python accepts, with the same
# result, and refuses the rest with exit status 1 (never a crash)
ALPHABET = b' \t\n\r{}[]:,"\\/-+.0123456789eEaNIftnrlsuDdc\x00\x7f\xc3\xa9\xed\xa0\xff'
first = None
mismatch = accepted = 0
N3 = 600
for i in range(N3):
    base = encode(json.dumps(rand_value2(2), ensure_ascii=rng.random() < 0.5),
                  "utf-8")
    data = bytearray(base)
    for _ in range(rng.randint(1, 3)):
        op = rng.randint(0, 2)
        pos = rng.randint(0, len(data))
        if op == 0 and data:
            del data[min(pos, len(data) - 1)]
        elif op == 1:
            data[pos:pos] = bytes([rng.choice(ALPHABET)])
        elif data:
            data[min(pos, len(data) - 1)] = rng.choice(ALPHABET)
    data = bytes(data)
    want = python_canonical(data)
    rc, got = g6_canonical(data)
    good = (rc == 0 and got == want) if want is not None else rc == 1
    accepted += want is not None
    if not good:
        mismatch += 1
        if first is None:
            first = (data, want, rc, got)
t.ok(mismatch == 0, "%d mutated documents (%d of them valid for Python): g6 "
     "accepts exactly what json.loads accepts, with the same result" % (N3, accepted),
     None if first is None else "input: %r\nwant: %s\ng6 exit %d: %s" % first)

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

# a bad command line says what was wrong (not only the usage text)
for args, want in [([], "no subcommand; allowed: canonical or hash"),
                   (["frob"], 'unknown subcommand "frob"; allowed: canonical or hash'),
                   (["hash", "a", "b"], '2 files given ("a" first)'),
                   (["canonical", "--bogus"], 'unknown option "--bogus"')]:
    r = subprocess.run([g6, "json"] + args, input=b"{}", capture_output=True, timeout=30)
    t.ok(r.returncode == 2 and r.stderr.decode().startswith("g6 json: " + want),
         "g6 json %s exits 2 naming the problem" % " ".join(args), r.stderr.decode())
r = subprocess.run([g6, "json", "hash", "--help"], capture_output=True, timeout=30)
t.ok(r.returncode == 0 and r.stdout.startswith(b"usage: g6 json"),
     "g6 json hash --help is the help, not a file named --help", r.stderr.decode())
t.done_testing()
