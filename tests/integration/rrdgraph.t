#!/usr/bin/env python3
"""g6 rrdgraph on the RRD files the real collectd's rrdtool plugin writes:

  - every g6 plugin plus the generated aggregation snippet against g6-mockd;
    a graph is drawn for every dashboard plan, each a PNG of the asked size
    listed in index.html; the legs graph's lines equal what /metrics says
    (each index's legs summed over its expiries, and the aggregation
    plugin's host total), so the files, the names and the sums are right;
  - an interval change as it happens to operators: collectd restarted with
    g6_chain's interval raised past the files' heartbeat stores only
    unknowns (the legs line has no value), and g6 rrdgraph says so for
    g6_chain's files, with the fix; after the README's fix (rrdtool tune
    --heartbeat) the files record again and the warning is the milder one;
  - bad command lines and directories exit 2 with a message naming what is
    wrong."""
import json
import os
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

G6 = t.build_path("g6")
PLUGINS = ["g6_info", "g6_chain", "g6_analytics", "g6_panels", "g6_retention"]


def rrdgraph(*args):
    p = subprocess.run([G6, "rrdgraph"] + list(args), capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def known_fraction(path, start, end):
    """The share of rows of an RRD file between start and end that hold a
    value (rrdtool fetch; "-nan" is unknown)."""
    p = subprocess.run(["rrdtool", "fetch", path, "AVERAGE", "--start", str(start),
                        "--end", str(end)], capture_output=True, text=True)
    rows = [l.split(":", 1)[1].strip() for l in p.stdout.splitlines() if ":" in l]
    return sum(1 for v in rows if "nan" not in v) / len(rows) if rows else None


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


d = t.workdir()
out = os.path.join(d, "graphs")
aggregation = t.aggregation_config(1)
indices = """
  <Index "NIFTY">
    StrikesBelowATM 6
    StrikesAboveATM 6
    Expiry "this_week" "next_week"
    Interval 1
  </Index>
  <Index "SENSEX">
    StrikesBelowATM 3
    StrikesAboveATM 3
    Expiry "this_week"
    Interval 1
  </Index>"""

with t.MockD() as m:
    m.write_credentials(d)
    config = m.chain_config(d, indices) + """
<Plugin g6_analytics>
  DataDir "%s/data"
</Plugin>
<Plugin g6_panels>
  PanelsDir "%s/panels"
  FlushInterval 1
  IntegrityInterval 1
</Plugin>
<Plugin g6_retention>
  DataDir "%s/data"
  ScanInterval 1
</Plugin>
""" % (d, d, d) + aggregation
    cd = t.Collectd(plugins=PLUGINS, config=config, dir=d, hostname="g6rrd")
    with cd:
        t.ok(cd.wait_for("collectd_g6_host_collected_legs", predicate=lambda v: v > 0,
                         timeout=30), "collectd collects and aggregates")
        time.sleep(6)  # a few rows in every RRD file
        samples = cd.samples()
    legs = {}
    for s in t.select(samples, "collectd_g6_index_collected_legs"):
        if s.value == s.value:  # known values only, as the graph adds them
            legs[s.labels["g6_index"]] = legs.get(s.labels["g6_index"], 0) + s.value
    host_total = t.select(samples, "collectd_g6_host_collected_legs")[0].value

    rc, so, se = rrdgraph("--rrd-dir", cd.rrd_dir, "--out", out, "--since", "5m",
                          "--interval", "1", "--json", "--width", "640", "--height", "200")
    t.is_(rc, 0, "g6 rrdgraph exits 0 (every step matches the 1 s interval)")
    t.ok(se == "", "nothing on stderr", se)
    doc = json.loads(so) if rc == 0 else {"graphs": [], "warnings": []}
    drawn = {g["file"]: g for g in doc["graphs"]}
    plans = {g["plan"] for g in doc["graphs"]}
    t.is_(sorted(plans), ["analytics", "buckets", "desk", "overview", "panels", "provider", "storage"],
          "graphs of every dashboard plan")
    for name in ("overview-spot-NIFTY.png", "overview-spot-SENSEX.png", "overview-legs.png",
                 "overview-pcr-NIFTY.png", "provider-requests.png", "provider-latency.png",
                 "storage-csv-pending.png", "storage-data-bytes.png",
                 "analytics-atm-iv-NIFTY.png", "analytics-max-pain-NIFTY.png",
                 "buckets-oi-NIFTY.png", "panels-integrity.png", "desk-vix-NIFTY.png",
                 "desk-straddle-NIFTY.png"):
        size = png_size(os.path.join(out, name)) if name in drawn else None
        t.ok(size is not None and size[0] > 640 and size[1] > 200,
             "%s drawn: a PNG of the asked plot size plus axes and legend" % name,
             "size %r, drawn: %r" % (size, sorted(drawn)))
    lines = {l["label"]: l for l in drawn.get("overview-legs.png", {}).get("lines", [])}
    for ix in ("NIFTY", "SENSEX"):
        t.close_to(lines.get(ix, {}).get("last"), legs.get(ix), 1e-6,
                   "the %s legs line is the sum of its expiries on /metrics" % ix)
    t.close_to(lines.get("host total (aggregation)", {}).get("last"), host_total, 1e-6,
               "the host total line is the aggregation plugin's value")
    t.close_to(host_total, sum(legs.values()), 1e-6,
               "which is the sum of every index's legs")
    spot = {l["label"]: l["last"] for l in drawn.get("overview-spot-NIFTY.png", {}).get("lines", [])}
    t.ok(spot.get("spot") and spot.get("ATM strike") and
         abs(spot["spot"] - spot["ATM strike"]) < 50,
         "NIFTY spot and ATM are drawn within a strike step of each other", spot)
    with open(os.path.join(out, "index.html")) as f:
        html = f.read()
    t.ok(all('src="%s"' % n in html for n in drawn) and "<h2>Overview</h2>" in html,
         "index.html shows every graph under its plan's title")

    # --- the interval raised past the heartbeat: only unknowns are stored
    config3 = config.replace("Interval 1\n  </Index>", "Interval 3\n  </Index>")

    def run_slow_chain():
        """collectd for 10 s with g6_chain at 3 s, then g6 rrdgraph over
        exactly that time (the earlier run's last rows stay outside)."""
        cd = t.Collectd(plugins=PLUGINS, config=config3, dir=d, hostname="g6rrd",
                        plugin_intervals={"g6_chain": 3})
        with cd:
            # from g6_chain's first dispatch (half an interval in) to the stop
            start = int(time.time()) + 3
            time.sleep(11)
            end = int(time.time())
        rc, so, se = rrdgraph("--rrd-dir", cd.rrd_dir, "--out", out, "--start", str(start),
                              "--end", str(end), "--interval", "1", "--interval",
                              "g6_chain=3", "--json", "--plan", "overview")
        doc = json.loads(so) if so else {"warnings": [], "graphs": []}
        legs_rrd = os.path.join(cd.rrd_dir, "g6rrd", "g6_index-NIFTY",
                                "collected_legs-this_week.rrd")
        return rc, doc, se, known_fraction(legs_rrd, start, end)

    rc, doc, se, known = run_slow_chain()
    t.is_(rc, 1, "a step that no longer matches exits 1")
    lost = [w for w in doc["warnings"] if w["problem"] == "unknowns_stored"]
    t.ok(lost and all(w["plugin"] == "g6_chain" and w["step"] == 1 and w["heartbeat"] == 2
                      and w["interval"] == 3 for w in lost) and
         sum(w["files"] for w in lost) > 20,
         "g6_chain's files are reported: step 1 s, heartbeat 2 s, interval 3 s", doc["warnings"])
    t.ok("only unknowns" in se and "rrdtool tune FILE --heartbeat value:6" in se,
         "the warning says what happens and the fix", se)
    # (a dispatch that scheduling delays can come within the heartbeat of the
    # next one: a few rows may hold a value)
    t.ok(known is not None and known < 0.5,
         "and it is true: most rows of the legs file are unknown (%r known)" % known)

    # --- the README's fix: raise the heartbeat, the files record again
    chain_files = [os.path.join(dp, f) for dp, _, fs in os.walk(os.path.join(d, "rrd", "g6rrd"))
                   for f in fs if os.path.basename(dp).startswith(("g6_index-", "g6_csv-",
                                                                    "g6_api",
                                                                    "g6_metrics-g6_chain"))]
    bad = [f for f in chain_files if subprocess.run(
        ["rrdtool", "tune", f, "--heartbeat", "value:6"], capture_output=True).returncode]
    t.ok(chain_files and not bad, "rrdtool tune --heartbeat value:6 on g6_chain's files")
    rc, doc, se, known = run_slow_chain()
    problems = {w["problem"] for w in doc["warnings"] if w["plugin"] == "g6_chain"}
    t.ok(problems == {"interpolated"} and "filled by interpolation" in se,
         "after the fix the files are interpolated at the old step, not lost", doc["warnings"])
    lines = {l["label"]: l for g in doc["graphs"] if g["file"] == "overview-legs.png"
             for l in g["lines"]}
    t.close_to(lines.get("NIFTY", {}).get("last"), legs.get("NIFTY"), 1e-6,
               "and the legs line records again")
    t.ok(known is not None and known > 0.7,
         "most rows of the legs file hold a value again (%r known)" % known)

# --- usage and directories
rc, so, se = rrdgraph("--rrd-dir", os.path.join(d, "nowhere"))
t.ok(rc == 2 and "--rrd-dir" in se and "No such file" in se, "a missing --rrd-dir exits 2", se)
empty = os.path.join(d, "empty")
os.makedirs(os.path.join(empty, "hostA", "cpu-0"))
rc, so, se = rrdgraph("--rrd-dir", empty)
t.ok(rc == 2 and "no g6 RRD files under" in se, "a directory without g6 files exits 2", se)
two = os.path.join(d, "rrd")  # g6rrd, plus a copy under another name
os.symlink(os.path.join(two, "g6rrd"), os.path.join(two, "other"))
rc, so, se = rrdgraph("--rrd-dir", two, "--out", out)
t.ok(rc == 2 and "choose one with --host" in se and "g6rrd" in se and "other" in se,
     "two hosts: exits 2 naming both", se)
rc, so, se = rrdgraph("--rrd-dir", two, "--host", "cpuhost")
t.ok(rc == 2 and '--host "cpuhost"' in se, "an unknown --host exits 2", se)
for args, want in ((["--plan", "everything"], "unknown plan; allowed: overview"),
                   (["--interval", "0"], "--interval \"0\""),
                   (["--interval", "g6_chain=x"], "PLUGIN=SECONDS"),
                   # a typo of a plugin name was taken and matched nothing
                   (["--interval", "g6chain=30"],
                    'unknown plugin "g6chain"; allowed: g6_info, g6_chain, g6_panels, '
                    'g6_analytics, g6_retention'),
                   (["--interval", "=30"], 'unknown plugin ""; allowed: g6_info, g6_chain'),
                   # strtod's other spellings: hex, exponent, sign, blanks
                   (["--interval", "0x1e"], "--interval \"0x1e\": allowed"),
                   (["--interval", "g6_chain=0x1e"], "a plain decimal"),
                   (["--interval", "3e1"], "--interval \"3e1\""),
                   (["--interval", "+30"], "--interval \"+30\""),
                   (["--interval", " 30"], "--interval \" 30\""),
                   (["--interval", "30."], "--interval \"30.\""),
                   (["--interval", "inf"], "--interval \"inf\""),
                   (["--since", "5y"], "--since \"5y\""),
                   (["--width", "50"], "--width \"50\""),
                   (["--start", "yesterday-ish", "--rrd-dir", two, "--host", "g6rrd",
                     "--out", out], "yesterday-ish"),
                   (["--frobnicate", "1"], "unknown option")):
    rc, so, se = rrdgraph(*args)
    t.ok(rc == 2 and want in se, "%s: exit 2, %r" % (" ".join(args), want), se)

t.done_testing()
