#!/usr/bin/env python3
"""`g6 iv`: a CSV batch of prices in, implied volatility and Greeks out.
Prices and Greeks are computed here independently (Python, math.erfc) with
the textbook formulas; bad rows get a status without stopping the batch."""
import math
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

g6 = t.build_path("g6")
seed = int(os.environ.get("G6_SEED", "20261123"))
rng = random.Random(seed)
t.diag("seed %d (set G6_SEED to reproduce)" % seed)

N = lambda x: 0.5 * math.erfc(-x / math.sqrt(2))
n = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def bsm(call, S, K, T, r, q, sig):
    """Price and Greeks (delta, gamma, theta/day, vega/1%, rho/1%)."""
    s = sig * math.sqrt(T)
    d1 = (math.log(S / K) + (r - q) * T) / s + s / 2
    d2 = d1 - s
    dq, dr = math.exp(-q * T), math.exp(-r * T)
    w = 1 if call else -1
    price = w * (S * dq * N(w * d1) - K * dr * N(w * d2))
    decay = -S * dq * n(d1) * sig / (2 * math.sqrt(T))
    theta = (decay - w * r * K * dr * N(w * d2) + w * q * S * dq * N(w * d1)) / 365
    return (price, w * dq * N(w * d1), dq * n(d1) / (S * s), theta,
            S * dq * n(d1) * math.sqrt(T) / 100, w * K * T * dr * N(w * d2) / 100)


def run(args, stdin=b""):
    p = subprocess.run([g6, "iv"] + args, input=stdin, capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


# ---- accuracy against independent prices and Greeks ----
rows, truth = [], []
for _ in range(400):
    call = rng.random() < 0.5
    S = rng.choice([24000.0, 51234.5, 19876.25])
    K = round(S * rng.uniform(0.85, 1.15) / 50) * 50
    T = rng.randint(2, 200) / 365
    r, q = rng.choice([0.065, 0.0, -0.002]), rng.choice([0.0, 0.013])
    sig = rng.uniform(0.08, 0.9)
    g = bsm(call, S, K, T, r, q, sig)
    intrinsic = max(0.0, (S * math.exp(-q * T) - K * math.exp(-r * T)) * (1 if call else -1))
    if g[0] - intrinsic < 1e-4 * S:  # keep rows well conditioned in double
        continue
    rows.append("%s,%r,%r,%r,%r,%r,%r" % ("C" if call else "P", S, K, T, r, q, g[0]))
    truth.append((sig,) + g[1:])
text = "type,S,K,T,r,q,price\n" + "\n".join(rows) + "\n"
rc, out, err = run([], text.encode())
lines = out.splitlines()
t.is_(rc, 0, "all-good batch exits 0")
t.is_(lines[0], "iv,status,delta,gamma,theta,vega,rho", "output header")
t.is_(len(lines) - 1, len(rows), "one output row per input row (%d)" % len(rows))
worst = [0.0] * 6
bad = None
for line, want in zip(lines[1:], truth):
    f = line.split(",")
    if f[1] != "ok":
        bad = bad or line
        continue
    got = [float(f[0])] + [float(x) for x in f[2:]]
    for i in range(6):
        e = abs(got[i] - want[i]) / max(abs(want[i]), 1e-12 if i else 1.0)
        worst[i] = max(worst[i], e)
t.ok(bad is None, "every row solved", bad)
t.ok(worst[0] < 1e-8, "iv matches the pricing volatility (max abs error %.2g)" % worst[0])
t.ok(max(worst[1:]) < 1e-7, "Greeks match textbook formulas at the solved iv (max rel %.2g)"
     % max(worst[1:]))

# the same file through --input, without an input header, --no-header output
path = os.path.join(t.workdir(), "in.csv")
with open(path, "w") as fh:
    fh.write("\n".join(rows) + "\n")
rc2, out2, _ = run(["--input", path, "--no-header"])
t.ok(rc2 == 0 and out2.splitlines() == lines[1:], "--input FILE without header, --no-header")

# ---- the whole range: deep ITM to deep OTM, minutes to a year, 1 % to 300 % ----
# Every row solves, or is at_intrinsic only where the double price has no
# time value left (below 1e-9 of the strike or spot); the solved iv matches
# the pricing volatility within what the price's rounding allows (its
# vega), and each Greek matches the closed form at the solved iv, in the
# documented units (theta per calendar day, vega and rho per 1 %).
def intrinsic(call, S, K, T, r, q):
    return max(0.0, (S * math.exp(-q * T) - K * math.exp(-r * T)) * (1 if call else -1))


minute = 60 / (365 * 86400)
rows_w, want_w = [], []
for call in (True, False):
    for m in (0.3, 0.6, 0.8, 0.95, 1.0, 1.02, 1.1, 1.3, 2.0, 3.0):
        for T in (5 * minute, 30 * minute, 180 * minute, 1 / 365, 7 / 365, 30 / 365, 91 / 365, 1.0):
            for sig in (0.01, 0.05, 0.15, 0.4, 1.0, 2.0, 3.0):
                for r, q in ((0.065, 0.0), (0.0, 0.02), (-0.01, 0.0)):
                    S, K = 24000.0, 24000.0 * m
                    price = bsm(call, S, K, T, r, q, sig)[0]
                    rows_w.append("%s,%r,%r,%r,%r,%r,%r" % ("C" if call else "P", S, K, T, r, q, price))
                    want_w.append((call, S, K, T, r, q, sig, price))
rc, out, _ = run(["--no-header"], ("\n".join(rows_w) + "\n").encode())
got_w = [l.split(",") for l in out.splitlines()]
t.is_(len(got_w), len(rows_w), "wide grid: one output row per input row (%d)" % len(rows_w))
n_ok = n_at = 0
bad_status = bad_iv = bad_greek = None
gworst = 0.0
for f, (call, S, K, T, r, q, sig, price) in zip(got_w, want_w):
    tv = price - intrinsic(call, S, K, T, r, q)
    if f[1] == "at_intrinsic":
        n_at += 1
        if tv > 1e-9 * max(S, K):
            bad_status = bad_status or (f, call, S, K, T, r, q, sig, price, tv)
        continue
    if f[1] != "ok":
        bad_status = bad_status or (f, call, S, K, T, r, q, sig, price, tv)
        continue
    n_ok += 1
    iv = float(f[0])
    s = sig * math.sqrt(T)
    d1 = (math.log(S / K) + (r - q) * T) / s + s / 2
    vega_raw = S * math.exp(-q * T) * n(d1) * math.sqrt(T)  # dPrice/dsigma
    tol = 1e-9 * sig + (512 * 2.2e-16 * max(S, K) / vega_raw if vega_raw > 0 else math.inf)
    if not abs(iv - sig) <= tol:
        bad_iv = bad_iv or (f, call, S, K, T, r, q, sig, price, tol)
    ref = bsm(call, S, K, T, r, q, iv)[1:]
    floors = (1e-12, 1e-12 / S, 1e-9 * S / 365, 1e-9 * S / 100, 1e-9 * S / 100)
    for i, (g, w) in enumerate(zip([float(x) for x in f[2:]], ref)):
        e = abs(g - w)
        if e > floors[i]:
            gworst = max(gworst, e / abs(w))
            if e > 1e-8 * abs(w):
                bad_greek = bad_greek or (f, call, S, K, T, r, q, sig, i, w)
t.ok(bad_status is None, "wide grid: every row solves, at_intrinsic only without time value "
     "(%d ok, %d at_intrinsic)" % (n_ok, n_at), bad_status)
t.ok(n_ok > len(rows_w) // 2, "wide grid: most rows have time value and solve (%d)" % n_ok)
t.ok(bad_iv is None, "wide grid: iv round trip within the price's rounding / vega", bad_iv)
t.ok(bad_greek is None, "wide grid: delta, gamma, theta/day, vega/1 %%, rho/1 %% match the closed form "
     "at the solved iv (max rel %.2g)" % gworst, bad_greek)

# volatility has no unit of price: one option quoted in units 1e-300 and
# 1e300 apart solves to the same iv (sqrt(F K) underflowed to 0 once)
scale_rows = []
for lam in (1e-300, 1e-200, 1e-160, 1.0, 1e160, 1e300):
    P = bsm(True, 100.0, 110.0, 0.5, 0.05, 0.0, 0.2)[0]
    scale_rows.append("C,%r,%r,0.5,0.05,0,%r" % (100.0 * lam, 110.0 * lam, P * lam))
rc, out, _ = run(["--no-header"], ("\n".join(scale_rows) + "\n").encode())
got_s = [l.split(",") for l in out.splitlines()]
t.ok(rc == 0 and len(got_s) == len(scale_rows) and
     all(g[1] == "ok" and abs(float(g[0]) - 0.2) < 1e-12 for g in got_s),
     "the same option in any unit of price solves to the same iv", out)

# ---- bad rows never stop the batch ----
good = rows[0]
mixed = [good, "X,1,2,3,4,5,6", "C,100,100,1,0.05,0", "C,100,100,1,0.05,0,abc,7",
         "", "C,100,100,0,0.05,0,5", "P,nan,100,1,0.05,0,5", "C,100,100,1,0.05,0,-1",
         "C,120,100,0.5,0.05,0,15", "P,100,100,1,0.05,0,1e9", "C,100,inf,1,0.05,0,5",
         "ce , 100 , 100 , 1 , 0.05 , 0 , 10.4505835722\r", good]
want_status = ["ok", "parse", "parse", "parse", "parse", "expired", "nonfinite",
               "below_intrinsic", "below_intrinsic", "above_bound", "nonfinite", "ok", "ok"]
rc, out, _ = run(["--no-header"], ("\n".join(mixed) + "\n").encode())
got = [l.split(",") for l in out.splitlines()]
t.is_([g[1] for g in got], want_status, "each bad row gets its status, in order")
t.ok(all(g[0] == "" and g[2:] == ["", "", "", "", ""] for g, s in zip(got, want_status) if s != "ok"),
     "error rows have empty number fields")
t.is_(rc, 1, "a batch with bad rows exits 1")
t.close_to(float(got[11][0]), 0.2, 1e-9, "lower-case CE, spaces and CRLF accepted")

# ---- bounds classify, never clamp (reference §4.4's 5.0 clamp fixed) ----
rc, out, _ = run(["--iv-min", "0.01", "--iv-max", "5", "--no-header"], b"C,100,100,0.1,0.05,0,60\n")
f = out.strip().split(",")
t.ok(f[1] == "iv_out_of_bounds" and 5.2 < float(f[0]) < 5.4 and f[2] != "",
     "iv above --iv-max is reported with its value and Greeks", out)
price = bsm(True, 100, 100, 0.1, 0.05, 0, float(f[0]))[0]
t.close_to(price, 60.0, 1e-9, "the reported out-of-bounds iv reprices to the input")

# ---- at intrinsic: the issue's vectors (issue 10, item 7) ----
# a call priced at S - K e^{-rT} as a double used to solve to 0.028 "ok", and
# one-minute expiries to 206 % and 2885 %: a price at the intrinsic value
# within rounding has no time value and no IV
minute = 60 / (365 * 86400)
rows_i = ["c,24000,23750,0.0027397260273972603,0.065,0,254.2290754821025"]
for call, S, K in ((True, 24000, 23750), (False, 24000, 24250), (True, 84500, 83000)):
    intr = S - K * math.exp(-0.065 * minute) if call else K * math.exp(-0.065 * minute) - S
    rows_i.append("%s,%r,%r,%r,0.065,0,%r" % ("c" if call else "p", S, K, minute, intr))
rows_i.append("c,24000,23750,%r,0.065,0,%r" % (minute, 24000 - 23750 * math.exp(-0.065 * minute) + 0.05))
rc, out, _ = run(["--no-header"], ("\n".join(rows_i) + "\n").encode())
got = [l.split(",") for l in out.splitlines()]
t.is_([g[1] for g in got], ["at_intrinsic"] * 4 + ["ok"],
      "prices at the intrinsic value are at_intrinsic; a tick above solves")
t.ok(all(g[0] == "" for g in got[:4]), "no IV is printed for them", out)
t.is_(rc, 1, "a batch with at_intrinsic rows exits 1 (some row not ok)")

# ---- usage ----
rc, out, _ = run(["--help"])
t.ok(rc == 0 and "type,S,K,T,r,q,price" in out and "Exit status" in out, "--help")
t.is_(run(["--iv-min", "-1"])[0], 2, "negative --iv-min is a usage error")
t.is_(run(["--iv-min", "0.5", "--iv-max", "0.4"])[0], 2, "--iv-max below --iv-min")
t.is_(run(["--iv-max"])[0], 2, "option without value")
t.is_(run(["--bogus"])[0], 2, "unknown option")
rc, _, err = run(["--input", "/nonexistent/g6.csv"])
t.ok(rc == 2 and "/nonexistent/g6.csv" in err, "unreadable input exits 2 naming the file")
rc, out, err = run(["--input", "/tmp"])
t.ok(rc == 2 and out == "" and "--input /tmp is a directory" in err,
     "a directory as --input exits 2 saying so, before any output", out + err)
fd = os.open("/tmp", os.O_RDONLY | os.O_DIRECTORY)  # a directory on stdin
try:
    p = subprocess.run([g6, "iv"], stdin=fd, capture_output=True, timeout=60)
finally:
    os.close(fd)
t.ok(p.returncode == 2 and "error reading stdin: Is a directory" in p.stderr.decode(),
     "a read error names its cause", p.stderr.decode())
rc, out, _ = run([], b"")
t.ok(rc == 0 and out == "iv,status,delta,gamma,theta,vega,rho\n", "empty input: header only")
t.done_testing()
