#!/usr/bin/env python3
"""g6_panels in the real collectd with g6_chain against g6-mockd (market
clock frozen, so every value is stable):

  - the six enveloped panels, manifest.json and its signature appear, in the
    documented shape;
  - g6 writes, Python verifies: an independent implementation of the old
    algorithm (tests/lib/g6panels_ref.py) finds every hash right, and
    recomputes each meta.hash;
  - the indices panel shows what /metrics shows (spot, ATM, legs), and an
    index whose quote the market does not have is NaN in the metrics and
    null in the panel, never 0;
  - `g6 integrity --strict --key` exits 0 with the old JSON shape;
  - Python writes, g6 verifies: panels written like the old PanelsWriter
    (NaN, lone surrogates, non-ASCII, big ints) verify with g6, and for a
    series of damaged copies g6 reports exactly the problems the old
    algorithm reports;
  - g6_panels exports its start time, the last sweep's and its configured
    IntegrityInterval (what G6PanelsIntegritySweepStale holds it to), 1 s
    here and 3600 s after the restart;
  - after a restart, an unchanged panel keeps its bytes (and updated_at)."""
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6panels_ref as ref  # noqa: E402
import g6test as t  # noqa: E402

G6 = t.build_path("g6")
PANELS = ["indices_panel", "provider", "analytics", "storage", "system", "links"]


def integrity(d, *args):
    p = subprocess.run([G6, "integrity", "--panels-dir", d] + list(args),
                       capture_output=True, timeout=30)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def stable_verify(d):
    """The Python checker's result, read again when a swap raced it."""
    got = ref.verify(d)
    if got:
        time.sleep(0.3)
        got = ref.verify(d)
    return got


INDICES = """
  <Index "NIFTY">
    StrikesBelowATM 2
    StrikesAboveATM 2
    Expiry "this_week" "next_week"
    Interval 1
  </Index>
  <Index "NOSUCH">
    Underlying "NSE:NO SUCH INDEX"
    StrikeStep 50
    StrikesBelowATM 2
    StrikesAboveATM 2
    Interval 1
  </Index>"""


def config(wd, m, integrity_interval=1):
    return m.chain_config(wd, INDICES) + """
<Plugin g6_panels>
  PanelsDir "{wd}/panels"
  FlushInterval 1
  IntegrityInterval {ii}
  KeyFile "{wd}/panels.key"
  MetricsURL "http://127.0.0.1:9103/metrics"
</Plugin>
""".format(wd=wd, ii=integrity_interval)


wd = t.workdir()
pdir = os.path.join(wd, "panels")
key = b"k3y-for-panels"
with open(os.path.join(wd, "panels.key"), "wb") as f:
    f.write(key + b"\n")
os.chmod(os.path.join(wd, "panels.key"), 0o600)

with t.MockD(clock=int(time.time())) as m:
    m.write_credentials(wd)
    t0 = time.time()
    with t.Collectd(plugins=["g6_chain", "g6_panels"], config=config(wd, m)) as cd:
        def panel(name):
            try:
                with open(os.path.join(pdir, name + "_enveloped.json")) as f:
                    return json.load(f)
            except (OSError, ValueError):
                return None

        def nifty_priced():
            p = panel("indices_panel")
            items = p["data"]["items"] if p else []
            return [i for i in items if i["index"] == "NIFTY" and
                    i["spot"] is not None and i["legs"]]
        t.ok(t.wait_until(nifty_priced, 30), "the indices panel shows NIFTY priced")
        t.ok(t.wait_until(lambda: (panel("provider") or {}).get("data", {}).get(
            "requests_per_s") is not None, 20), "the provider panel has request rates")
        files = sorted(os.listdir(pdir))
        t.is_(files, sorted([p + "_enveloped.json" for p in PANELS] +
                            ["manifest.json", "manifest.json.sig"]),
              "PanelsDir holds the six panels, manifest.json and its signature")
        # the first sweep runs right after the first flush, never before it
        # (it raced ahead under load and warned "manifest.json: missing" at
        # every fresh start)
        t.ok(cd.wait_for("collectd_g6_panels_integrity_checks_total", 20,
                         predicate=lambda v: v >= 1) and
             not re.search(r"g6_panels: integrity: \d+ problem", cd.log()),
             "the first integrity sweep has run and found no problem", cd.log())

        # the documented shapes
        bad = []
        for name in PANELS:
            p = panel(name)
            if sorted(p) != ["data", "generated_at", "meta", "panel", "updated_at", "version"] \
               or p["panel"] != name or p["version"] != 1 \
               or sorted(p["meta"]) != ["hash", "schema", "source"] \
               or p["meta"]["schema"] != "v1" \
               or p["meta"]["hash"] != ref.data_hash(p["data"])[:12]:
                bad.append(name)
        t.is_(bad, [], "every panel has the envelope and a meta.hash Python recomputes")
        with open(os.path.join(pdir, "manifest.json")) as f:
            man = json.load(f)
        t.is_(sorted(man), sorted(["schema_version", "generator", "cycle", "ts", "files",
                                   "indices_count", "alerts_total", "app_version",
                                   "hashes"]),
              "manifest.json has exactly the old schema's keys")
        t.is_((man["generator"], man["indices_count"], man["files"]),
              ("PanelsWriter", 2, sorted(p + "_enveloped.json" for p in PANELS)),
              "generator, indices_count and the sorted file list")

        # g6 writes, Python verifies (several flushes)
        results = []
        for _ in range(3):
            results.append(stable_verify(pdir))
            time.sleep(1.1)
        t.is_(results, [{}, {}, {}], "the old algorithm (Python) verifies g6's "
              "panels over three flushes")
        with open(os.path.join(pdir, "manifest.json"), "rb") as f:
            mbytes = f.read()
        with open(os.path.join(pdir, "manifest.json.sig"), "rb") as f:
            sig = f.read()
        if sig != ref.sign(mbytes, key):  # a flush came between the reads
            time.sleep(0.3)
            with open(os.path.join(pdir, "manifest.json"), "rb") as f:
                mbytes = f.read()
            with open(os.path.join(pdir, "manifest.json.sig"), "rb") as f:
                sig = f.read()
        t.is_(sig, ref.sign(mbytes, key), "manifest.json.sig is HMAC-SHA256 of "
              "manifest.json with the key (Python's hmac)")
        rc, out, err = integrity(pdir, "--strict", "--json", "--key",
                                 os.path.join(wd, "panels.key"))
        t.ok(rc == 0 and json.loads(out) == {"issues": {}, "count": 0} and
             out.startswith('{\n  "issues": {},\n  "count": 0\n}'),
             "g6 integrity --strict --json --key exits 0 with the old JSON", out + err)
        rc, out, _ = integrity(pdir)
        t.is_((rc, out), (0, "[panels-integrity] OK (no issues)\n"),
              "g6 integrity prints the old OK line")

        # what the panels show is what /metrics shows; unknown is null
        samples = cd.samples()
        spot = t.select(samples, "collectd_g6_index_spot_points", g6_index="NIFTY")
        atm = t.select(samples, "collectd_g6_index_atm_strike_points", g6_index="NIFTY")
        item = nifty_priced()[0]
        t.ok(spot and atm and item["spot"] == spot[0].value and item["atm"] == atm[0].value,
             "NIFTY spot and ATM in the panel equal the metrics (%s, %s)" %
             (item["spot"], item["atm"]), (spot, atm, item))
        legs = sum(s.value for s in t.select(samples, "collectd_g6_index_collected_legs",
                                             g6_index="NIFTY"))
        t.is_(item["legs"], int(legs), "NIFTY legs equal the collected legs metric")
        t.is_((item["status"], item["market_open"], item["legs_requested"]),
              ("OK", True, 20), "NIFTY status, market and legs requested")
        # beside each PCR, the legs it misses (g6_chain's count): a whole
        # chain misses none, and the panel says 0 where /metrics does
        miss = {s.labels["type"]: s.value for s in t.select(
            samples, "collectd_g6_index_put_call_ratio_missing_legs", g6_index="NIFTY")}
        shown = {tag: e["pcr_missing_legs"] for tag, e in item["expiries"].items()}
        an = panel("analytics")["data"]
        t.ok(miss and set(miss.values()) == {0.0} and shown == miss and
             item["pcr_missing_legs"] == 0 and
             isinstance(item["pcr_missing_legs"], int) and
             an["pcr_missing_legs"]["NIFTY"] == 0 and
             all(e["pcr_missing_legs"] == miss[tag]
                 for tag, e in an["indices"]["NIFTY"].items()),
             "the panels carry each PCR's missing-legs count (0: whole), as "
             "/metrics has it", (miss, shown, item["pcr_missing_legs"],
                                 an["pcr_missing_legs"]))
        sx = [i for i in panel("indices_panel")["data"]["items"] if i["index"] == "NOSUCH"]
        nan = t.select(samples, "collectd_g6_index_spot_points", g6_index="NOSUCH")
        t.ok(sx and sx[0]["spot"] is None and sx[0]["atm"] is None and
             sx[0]["age"] is None and sx[0]["pcr"] is None and
             sx[0]["last_success"] is None and sx[0]["status"] == "EMPTY" and
             nan and nan[0].value != nan[0].value,
             "an index whose quote the market does not have: NaN on /metrics, "
             "null and EMPTY in the panel, never 0", (sx, nan))
        pv = panel("provider")["data"]
        t.ok(pv["breaker"]["state"] == "closed" and pv["auth_latched"] is False and
             pv["endpoints"]["quote"]["requests"] > 0,
             "the provider panel: breaker closed, credentials fine, quotes sent", pv)
        t.is_(panel("links")["data"]["metrics_url"], "http://127.0.0.1:9103/metrics",
              "the links panel carries MetricsURL")
        t.ok(cd.value("collectd_g6_panels_integrity_state") == 1 and
             cd.value("collectd_g6_panels_integrity_checks_total") >= 2,
             "the integrity sweep runs and finds everything in order")
        started = cd.value("collectd_g6_panels_start_timestamp_seconds")
        last = cd.value("collectd_g6_panels_integrity_last_run_timestamp_seconds")
        t.ok(started is not None and t0 - 1 <= started <= time.time() and
             last is not None and started <= last <= time.time(),
             "g6_panels exports its start time and the last sweep's, after it",
             (t0, started, last))
        t.is_(cd.value("collectd_g6_panels_integrity_interval_seconds"), 1.0,
              "g6_panels exports its configured IntegrityInterval")
        links_before = open(os.path.join(pdir, "links_enveloped.json"), "rb").read()
        key_in_files = [n for n in os.listdir(pdir)
                        if key in open(os.path.join(pdir, n), "rb").read()]
        t.is_(key_in_files, [], "the key appears in no panel file")
        t.ok(key.decode() not in cd.log(), "the key is never logged")

    for line in cd.unexpected_errors():  # prove shows stderr, not diagnostics
        sys.stderr.write("collectd: %s\n" % line)

    # a restart: unchanged panels keep their bytes and updated_at; an hourly
    # sweep (valid, and not the 1 s FlushInterval) is what the gauge says
    with t.Collectd(plugins=["g6_chain", "g6_panels"],
                    config=config(wd, m, integrity_interval=3600)) as cd:
        t.ok(cd.wait_log(r"g6_panels: writing panels to"), "restarted")
        got = cd.wait_for("collectd_g6_panels_integrity_interval_seconds", 20)
        t.is_([s.value for s in got], [3600.0],
              "restarted with IntegrityInterval 3600, g6_panels exports 3600")
        time.sleep(2.5)
        t.is_(open(os.path.join(pdir, "links_enveloped.json"), "rb").read(), links_before,
              "links_enveloped.json (unchanged data) keeps its bytes across a restart")
        t.is_(stable_verify(pdir), {}, "and the set still verifies")
    for line in cd.unexpected_errors():
        sys.stderr.write("collectd (restarted): %s\n" % line)

# Python writes (the old PanelsWriter's way), g6 verifies
py = os.path.join(wd, "python-panels")
odd = {
    "indices_panel": {"items": [{"index": "NIFTY", "status": "ok", "dq_score": 92.25,
                                 "age": 2, "note": "caf\u00e9"}], "count": 1},
    "analytics": {"pcr": float("nan"), "max_pain": {"NIFTY": 19250, "X": float("inf")},
                  "big": 123456789012345678901234567890, "neg_zero": -0.0},
    "alerts": [],
    "performance": {},
    "links": None,
    "system": {"note": "caf\u00e9 \u20b9 \U0001F600", "lone": "\ud83d\u0041", "low": "\udc00"},
}
ref.write_panels(py, odd)
rc, out, err = integrity(py, "--strict")
t.is_((rc, out), (0, "[panels-integrity] OK (no issues)\n"),
      "g6 verifies panels the old writer wrote (NaN, Infinity, lone surrogates, "
      "non-ASCII, big ints, null data)")
want = [ref.data_hash(v) for v in odd.values()]
got = [subprocess.run([G6, "json", "hash"], input=json.dumps(v).encode(),
                      capture_output=True).stdout.decode().strip()
       if v is not None else ref.data_hash(None) for v in odd.values()]
t.is_(got, want, "g6 json hash equals the old hash of every panel's data")


# damaged copies: g6 reports exactly what the old algorithm reports
def damage(d, how):
    files = sorted(n for n in os.listdir(d) if n.endswith("_enveloped.json"))
    a, b = files[0], files[1]
    pa = os.path.join(d, a)
    raw = open(pa, "rb").read()
    if how == "edit a byte of the data":
        pi = os.path.join(d, "indices_panel_enveloped.json")
        raw = open(pi, "rb").read()
        open(pi, "wb").write(raw.replace(b"92.25", b"92.35", 1))
    elif how == "delete a file":
        os.unlink(pa)
    elif how == "truncate a file":
        open(pa, "wb").write(raw[:len(raw) // 2])
    elif how == "swap two files":
        pb = os.path.join(d, b)
        os.rename(pa, pa + ".x")
        os.rename(pb, pa)
        os.rename(pa + ".x", pb)
    elif how == "a panel that is a list":
        open(pa, "w").write("[1, 2]")
    elif how == "a panel with a BOM":
        open(pa, "wb").write(b"\xef\xbb\xbf" + raw)
    elif how == "a panel in Latin-1":
        ps = os.path.join(d, "indices_panel_enveloped.json")
        raw = open(ps, "rb").read()
        open(ps, "wb").write(raw.replace("caf\u00e9".encode(), b"caf\xe9"))
    elif how == "a hash that is not 64 characters":
        man = json.load(open(os.path.join(d, "manifest.json")))
        man["hashes"][a] = man["hashes"][a][:40]
        json.dump(man, open(os.path.join(d, "manifest.json"), "w"))
    elif how == "an upper-case hash":
        man = json.load(open(os.path.join(d, "manifest.json")))
        man["hashes"][a] = man["hashes"][a].upper()
        json.dump(man, open(os.path.join(d, "manifest.json"), "w"))
    elif how == "a manifest that is not JSON":
        open(os.path.join(d, "manifest.json"), "w").write('{"hashes": ')
    elif how == "no manifest":
        os.unlink(os.path.join(d, "manifest.json"))
    elif how == "a manifest without hashes":
        man = json.load(open(os.path.join(d, "manifest.json")))
        del man["hashes"]
        json.dump(man, open(os.path.join(d, "manifest.json"), "w"))


CASES = ["edit a byte of the data", "delete a file", "truncate a file", "swap two files",
         "a panel that is a list", "a panel with a BOM", "a panel in Latin-1",
         "a hash that is not 64 characters", "an upper-case hash",
         "a manifest that is not JSON", "no manifest", "a manifest without hashes"]
for how in CASES:
    d = os.path.join(wd, "case")
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(py, d)
    damage(d, how)
    want = ref.verify(d)
    if how != "a manifest without hashes" and not want:
        t.ok(False, "%s: the damage is real (the old algorithm sees it)" % how)
    rc, out, err = integrity(d, "--json", "--quiet")
    try:
        got = json.loads(out, object_pairs_hook=lambda kv: kv)
        got_issues = dict(got[0][1])
        order_same = [k for k, _ in got[0][1]] == list(want)
    except (ValueError, IndexError, TypeError):
        got_issues, order_same = None, False
    t.ok(got_issues == want and order_same and rc == 0,
         "%s: g6 integrity reports what the old algorithm reports %s" % (how, want),
         "g6: %s%s\npython: %r" % (out, err, want))
    rc, _, _ = integrity(d, "--strict")
    t.is_(rc, 1 if want else 0, "%s: g6 integrity --strict exits %d" % (how, 1 if want else 0))

t.done_testing()
