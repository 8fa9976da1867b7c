#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets that read what a real run
leaves behind, from one short run of g6_chain and g6_panels in the real
collectd against g6-mockd:

  corpus/panels/    the panel set (signed, unsigned, damaged) and a set the
                    old writer wrote (tests/lib/g6panels_ref.py), packed as
                    fuzz_panels reads them: one flags byte, then records
                    [file index:1][length:2, big-endian][bytes]
  corpus/csv_read/  per-strike CSV files (as written; with more rows; with a
                    torn tail), an overview file
  corpus/overlay/   a day's CSV file with the master, state and before files
                    `g6 overlay` wrote for it, packed like the panels

    make_corpus.py              all of the above
    make_corpus.py DIR OUT      packs one panel directory into OUT"""
import glob
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

# the order of files[] in fuzz_panels.c
FILES = ["manifest.json", "manifest.json.sig", "indices_panel_enveloped.json",
         "provider_enveloped.json", "analytics_enveloped.json",
         "storage_enveloped.json", "system_enveloped.json",
         "links_enveloped.json", "notes.txt"]


def pack(files, flags):
    """files: {name: bytes}."""
    out = bytearray([flags])
    for name, data in files.items():
        data = data[:65535]
        out += bytes([FILES.index(name)]) + len(data).to_bytes(2, "big") + data
    return bytes(out)


def read_dir(d):
    return {n: open(os.path.join(d, n), "rb").read() for n in FILES
            if os.path.isfile(os.path.join(d, n))}


def csv_seeds(data, out):
    os.makedirs(out, exist_ok=True)
    strike = sorted(glob.glob(os.path.join(data, "NIFTY", "*", "*", "*.csv")))
    ovw = sorted(glob.glob(os.path.join(data, "overview", "NIFTY", "*.csv")))
    raw = open(strike[len(strike) // 2], "rb").read()
    open(os.path.join(out, "as_written.csv"), "wb").write(raw)
    header, row = raw.split(b"\n")[0], raw.split(b"\n")[1]
    more = [header]
    for k in range(4):  # later rows of the same series, 30 s apart
        f = row.split(b",")
        hh, mm, ss = (int(x) for x in f[0].split(b" ")[1].split(b":"))
        t = hh * 3600 + mm * 60 + ss + 30 * k
        f[0] = f[0].split(b" ")[0] + b" %02d:%02d:%02d" % (t // 3600, t // 60 % 60, t % 60)
        more.append(b",".join(f))
    open(os.path.join(out, "four_rows.csv"), "wb").write(b"\n".join(more) + b"\n")
    open(os.path.join(out, "torn_tail.csv"), "wb").write(raw + row[:40])
    open(os.path.join(out, "overview.csv"), "wb").write(open(ovw[0], "rb").read())
    return strike


def overlay_seeds(data, strike, out, tmp):
    os.makedirs(out, exist_ok=True)
    # the day the run wrote, renamed to the Monday fuzz_overlay uses
    day = os.path.join(tmp, "ovl", "NIFTY", "this_week", "+50")
    os.makedirs(day, exist_ok=True)
    src = [p for p in strike if "/this_week/" in p][0]
    rows = open(src, "rb").read().split(b"\n")
    row = [r for r in rows[1:] if r][0]
    fixed = [rows[0]] + [b"06-01-2025 10:%02d:%02d," % (k // 2, 30 * (k % 2)) +
                         b",".join(row.split(b",")[1:]) for k in range(4)]
    open(os.path.join(day, "2025-01-06.csv"), "wb").write(b"\n".join(fixed) + b"\n")
    outdir = os.path.join(tmp, "ovl-out")
    subprocess.run([os.path.join(os.environ.get("G6_BUILD", "build"), "g6"),
                    "overlay", "--data-dir", os.path.join(tmp, "ovl"),
                    "--output-dir", outdir, "--date", "2025-01-06"], check=True)
    series = os.path.join(outdir, "NIFTY", "this_week", "+50")
    names = ["day", "MONDAY.csv", ".MONDAY.state", ".MONDAY.before"]
    files = {"day": os.path.join(day, "2025-01-06.csv")}
    for n in names[1:]:
        if os.path.exists(os.path.join(series, n)):
            files[n] = os.path.join(series, n)

    def packed(which):
        b = bytearray([1])
        for n in which:
            d = open(files[n], "rb").read()[:65535]
            b += bytes([names.index(n)]) + len(d).to_bytes(2, "big") + d
        return bytes(b)
    open(os.path.join(out, "first_day.bin"), "wb").write(packed(["day"]))
    open(os.path.join(out, "again.bin"), "wb").write(packed([n for n in names if n in files]))
    open(os.path.join(out, "old_master.bin"), "wb").write(packed(["day", "MONDAY.csv"]))


def main():
    if len(sys.argv) == 3:
        with open(sys.argv[2], "wb") as f:
            f.write(pack(read_dir(sys.argv[1]), 0x52))
        return
    import g6test as t
    import g6panels_ref as ref
    corpus = os.path.join(HERE, "corpus")
    out = os.path.join(corpus, "panels")
    os.makedirs(out, exist_ok=True)
    d = t.workdir()
    key = os.path.join(d, "panels.key")
    with open(key, "w") as f:
        f.write("fuzz-panels-key\n")
    os.chmod(key, 0o600)
    with t.MockD() as m:
        m.write_credentials(d)
        conf = m.chain_config(d, '<Index "NIFTY">\n StrikesBelowATM 2\n '
                              'StrikesAboveATM 2\n Expiry "this_week" '
                              '"next_week"\n</Index>') + """
<Plugin g6_panels>
  PanelsDir "%s/panels"
  FlushInterval 0.5
  KeyFile "%s"
  MetricsURL "http://127.0.0.1:9103/metrics"
</Plugin>
""" % (d, key)
        with t.Collectd(plugins=["g6_chain", "g6_panels"], config=conf) as cd:
            cd.wait_for("collectd_g6_index_chain_status", 20,
                        predicate=lambda v: v == 0)
            t.wait_until(lambda: False, 3)
    real = read_dir(os.path.join(d, "panels"))
    sets = {"g6_signed": (real, 0x52), "g6_unsigned": (
        {k: v for k, v in real.items() if k != "manifest.json.sig"}, 0x30)}
    damaged = dict(real)
    p = bytearray(damaged["indices_panel_enveloped.json"])
    p[len(p) // 2] ^= 0x01
    damaged["indices_panel_enveloped.json"] = bytes(p)
    damaged["notes.txt"] = b"left by an operator\n"
    sets["g6_damaged"] = (damaged, 0xf6)
    old = os.path.join(d, "old")
    ref.write_panels(old, {"indices_panel": {"items": [
        {"index": "NIFTY", "status": "OK", "dq_score": 97.5, "age": 3.2}]},
        "system": {"cycle": 12, "memory_rss_mb": float("nan")}})
    sets["old_writer"] = (read_dir(old), 0x14)
    for name, (files, flags) in sets.items():
        with open(os.path.join(out, name + ".bin"), "wb") as f:
            f.write(pack(files, flags))
    strike = csv_seeds(os.path.join(d, "data"), os.path.join(corpus, "csv_read"))
    overlay_seeds(os.path.join(d, "data"), strike, os.path.join(corpus, "overlay"), d)
    shutil.rmtree(d, True)
    t.done_testing()


if __name__ == "__main__":
    main()
