#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_panels (tests/fuzz/corpus/panels/): real
panel directories packed as the target reads them — one flags byte, then
records [file index:1][length:2, big-endian][bytes].

    panels_corpus.py            a set g6_panels wrote in the real collectd
                                (against g6-mockd; signed and unsigned), the
                                same set damaged, and a set the old writer
                                wrote (tests/lib/g6panels_ref.py)
    panels_corpus.py DIR OUT    packs one directory into OUT"""
import os
import shutil
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


def main():
    if len(sys.argv) == 3:
        with open(sys.argv[2], "wb") as f:
            f.write(pack(read_dir(sys.argv[1]), 0x52))
        return
    import g6test as t
    import g6panels_ref as ref
    out = os.path.join(HERE, "corpus", "panels")
    os.makedirs(out, exist_ok=True)
    d = t.workdir()
    key = os.path.join(d, "panels.key")
    with open(key, "w") as f:
        f.write("fuzz-panels-key\n")
    os.chmod(key, 0o600)
    with t.MockD() as m:
        m.write_credentials(d)
        conf = m.chain_config(d, '<Index "NIFTY">\n StrikesBelowATM 2\n '
                              'StrikesAboveATM 2\n</Index>') + """
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
    shutil.rmtree(d, True)
    t.done_testing()


if __name__ == "__main__":
    main()
