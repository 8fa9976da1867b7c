#!/usr/bin/env python3
"""Secrets: a run with a known Kite API key, API secret, access tokens and a
panels HMAC key, through the paths that report errors (auth failure and
renewal by `g6 kite-token`, a permission error, a proxy's HTML, malformed
bodies, a bad option given a secret, a credential inline in collectd.conf).
None of the secrets appears in any log line (collectd's log and output, the
CLIs' output), panel, CSV file, snapshot, RRD file or name, metric, process
title (command line, process and thread names), environment, or in the name
of the core file collectd leaves when it aborts. Credential files that group
or other may read are refused by every reader: g6_chain (API key, access
token), g6_panels (HMAC key), `g6 kite-token`, `g6 integrity` and
`g6 summary` (--key); the plugin disables itself with one line saying which
file and how to fix it, and the secret is not in that line either."""
import base64
import glob
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t  # noqa: E402

API_KEY = "apikey-SECRETS-c0ffee11"
API_SECRET = "apisecret-SECRETS-d00dfeed"
REQUEST_TOKEN = "reqtoken-SECRETS-5eed5eed"
TOKEN1 = "accesstoken-SECRETS-0ddba11"
HMAC_KEY = "hmackey-SECRETS-facade77"
INLINE_TOKEN = "inline-SECRETS-beefcafe"
G6 = t.build_path("g6")

d = t.workdir("g6-secrets-")
data, panels = os.path.join(d, "data"), os.path.join(d, "panels")


def secret_file(name, value, mode=0o600):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(value + "\n")
    os.chmod(path, mode)
    return path


keyf = secret_file("kite.key", API_KEY)
tokf = secret_file("kite.token", TOKEN1)
secf = secret_file("kite.secret", API_SECRET)
hmacf = secret_file("panels.key", HMAC_KEY)
secrets = [API_KEY, API_SECRET, REQUEST_TOKEN, TOKEN1, HMAC_KEY, INLINE_TOKEN]


def forms(s):
    """A secret as it could leak: verbatim, URL-encoded, hex, base64."""
    return {s, urllib.parse.quote(s), s.encode().hex(),
            base64.b64encode(s.encode()).decode()}


def leaks(text, where):
    found = [s for s in secrets for f in forms(s) if f in text]
    return ["%s holds %s…" % (where, s[:12]) for s in found]


def scan_tree(root, skip=()):
    """Names and contents of every file under root (credential files and
    configuration excepted)."""
    out = []
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            p = os.path.join(dirpath, name)
            out += leaks(p, "the name " + p)
            if name in files and p not in skip and os.path.isfile(p) and \
                    not os.path.islink(p):
                with open(p, "rb") as f:
                    out += leaks(f.read().decode("latin-1"), p)
    return out


def process_title(pid):
    """Everything that names the process: command line, its name, every
    thread's name (what top -H, ps and a core_pattern's %e show), the
    executable's path (%E), the environment."""
    texts = []
    for f in ("cmdline", "comm", "environ"):
        try:
            texts.append(open("/proc/%d/%s" % (pid, f), "rb").read().decode("latin-1"))
        except OSError:
            pass
    for task in glob.glob("/proc/%d/task/*/comm" % pid):
        try:
            texts.append(open(task).read())
        except OSError:
            pass
    texts.append(os.readlink("/proc/%d/exe" % pid))
    return "\n".join(texts), len(glob.glob("/proc/%d/task/*" % pid))


def g6(*args):
    p = subprocess.run([G6] + list(args), capture_output=True, timeout=60)
    return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace")


with t.MockD(api_key=API_KEY, access_token=TOKEN1, api_secret=API_SECRET) as m:
    conf = t.chain_config(data, m, keyf, tokf, plugin="""
        ForceOpen true
        KeepSnapshots true
        """, provider="""
        Retries 1
        CacheTTL 0
        """, indices=[("NIFTY", """
        StrikesBelowATM 2
        StrikesAboveATM 2
        Interval 1
        """)]) + t.plugins_config(data, panels, analytics="Interval 1", panels="""
        FlushInterval 1
        IntegrityInterval 1
        KeyFile "%s"
        """ % hmacf, retention="ScanInterval 1")
    cd = t.Collectd(plugins=["g6_chain", "g6_analytics", "g6_panels", "g6_retention",
                             "g6_info"], config=conf, expected_errors=[
        r"g6_chain: Kite quote: .*giving up", r"g6_chain: Kite quote: credentials rejected",
        r"g6_chain: Kite quote: HTTP 403"],
        # a core file when aborted (below), named by the kernel's core_pattern
        wrapper=["prlimit", "--core=unlimited", "--"],
        env={"ASAN_OPTIONS": "detect_leaks=0:abort_on_error=0:handle_abort=0"})
    t.ok(cd.start(), "collectd starts with every g6 plugin and secret files")
    t.ok(cd.wait_for("collectd_g6_index_chain_status", 20, predicate=lambda v: v == 0,
                     g6_index="NIFTY", type="this_week"), "NIFTY collects")

    # the paths that log what went wrong with a request
    m.set_access_token("accesstoken-rotated-by-kite")
    t.ok(cd.wait_log(r"credentials rejected", 20), "auth failure logged")
    rc, out = g6("kite-token", "--url", m.url, "--api-key-file", keyf,
                 "--api-secret-file", secf, "--request-token", REQUEST_TOKEN,
                 "--token-file", tokf)
    t.is_(rc, 0, "g6 kite-token issues a new access token into the token file")
    token2 = open(tokf).read().strip()
    secrets.append(token2)
    m.set_access_token(token2)  # the mock's session issues it; make it current
    t.ok(cd.wait_log(r"the new access token is in use", 20), "g6_chain takes the new token")
    for faults, what in (({"quote": {"error": -1, "error_status": 403,
                                     "error_body": "PermissionException"}}, "HTTP 403"),
                         ({"quote": {"error": -1, "error_status": 400,
                                     "error_body": "html"}}, "not Kite's JSON"),
                         ({"quote": {"malformed": -1}}, "malformed")):
        m.set_faults(faults)
        t.ok(cd.wait_log(re.escape(what), 20), "logged: %s" % what)
        m.reset_faults()
    t.ok(cd.wait_for("collectd_g6_index_chain_status", 20, predicate=lambda v: v == 0,
                     g6_index="NIFTY", type="this_week"), "NIFTY collects again")
    t.ok(cd.wait_for("collectd_g6_panels_integrity_state", 20, predicate=lambda v: v == 1),
         "the signed panels verify")
    time.sleep(2)

    metrics = cd.scrape()
    bad = leaks(metrics, "/metrics")
    title, threads = process_title(cd.proc.pid)
    bad += leaks(title, "the process title")
    rc1, out1 = g6("integrity", "--panels-dir", panels, "--strict", "--key", hmacf)
    rc2, out2 = g6("summary", "--panels-dir", panels, "--once", "--key", hmacf)
    t.ok(rc1 == 0 and rc2 == 0, "g6 integrity and g6 summary verify with the key")
    bad += leaks(out + out1 + out2, "the CLIs' output")

    # a core file: its name comes from core_pattern's specifiers (%e the
    # thread name, %E the executable's path, %h, %p, %t ...), whose sources
    # the process title check covers; abort collectd and look at the name
    # (a relative pattern is relative to collectd's working directory, its
    # BaseDir)
    pattern = open("/proc/sys/kernel/core_pattern").read().strip()
    os.kill(cd.proc.pid, signal.SIGABRT)
    cd.proc.proc.wait(30)
    cores = [f for f in os.listdir(cd.dir) if f.startswith("core")]
    if pattern.startswith("|"):
        t.ok(True, "# SKIP core_pattern pipes cores to %s" % pattern.split()[0])
    elif os.environ.get("G6_SANITIZE"):
        # ASan turns core files off (disable_coredump: its shadow memory
        # would make them terabytes); make check covers this
        t.ok(True, "# SKIP no core file under AddressSanitizer (make check-asan)")
    else:
        t.ok(cores, "collectd aborted leaves a core file (core_pattern %r)" % pattern,
             os.listdir(cd.dir))
    bad += leaks(" ".join(cores), "the core file's name")
    for c in cores:
        os.unlink(os.path.join(cd.dir, c))
    bad += leaks(cd.log() + cd.proc.output(), "collectd's log")
    skip = {keyf, tokf, secf, hmacf}
    bad += scan_tree(data, skip) + scan_tree(panels, skip) + scan_tree(cd.rrd_dir, skip)
    csv_files = glob.glob(os.path.join(data, "NIFTY", "*", "*", "*.csv"))
    snaps = glob.glob(os.path.join(data, "snapshots", "NIFTY", "*", "*.json"))
    t.ok(csv_files and snaps and os.listdir(panels) and os.listdir(cd.rrd_dir),
         "there were CSV files (%d), kept snapshots (%d), panels and RRD files to look in"
         % (len(csv_files), len(snaps)))
    t.ok(threads > 5, "%d threads' names looked at" % threads)
    t.ok(not bad, "no secret in any log line, panel, CSV, snapshot, RRD file, metric, "
         "process title or core file name", "\n".join(bad[:20]))

    # a credential inline in collectd.conf, and a bad option given a secret
    conf2 = t.chain_config(data, m, keyf, tokf, plugin="ForceOpen true", indices=[
        ("NIFTY", "StrikesBelowATM 2\nStrikesAboveATM 2\nInterval 1")]).replace(
        'AccessTokenFile "%s"' % tokf, 'AccessToken "%s"' % INLINE_TOKEN)
    with t.Collectd(plugins=["g6_chain"], config=conf2, expected_errors=[
            r"credentials rejected", r"giving up"]) as cd2:
        t.ok(cd2.wait_log(r"credentials rejected", 20),
             "an inline token the provider rejects is reported")
        title, _ = process_title(cd2.proc.pid)
        inline_bad = leaks(cd2.scrape() + title, "/metrics and the process title")
    inline_bad += leaks(cd2.log() + cd2.proc.output(), "collectd's log")
    t.ok(not inline_bad, "an inline access token stays out of logs, metrics and the "
         "process title", inline_bad)
    conf3 = conf2.replace('AccessToken "%s"' % INLINE_TOKEN,
                          'AccessToken "%s" "%s"' % (INLINE_TOKEN, API_KEY))
    ok_run, lines, log = t.disabled_by_config(["g6_chain"], conf3, "g6_chain")
    t.ok(ok_run and any("option AccessToken = (hidden)" in l for l in lines) and
         not leaks(log, "log"), "a bad option holding secrets is refused without "
         "echoing them", "\n".join(lines))

    # ---- credential files others may read are refused ----------------------
    loose = [
        ("g6_chain APIKeyFile 0644", "kite.key.loose", API_KEY, 0o644,
         lambda p: conf.replace(keyf, p), "g6_chain"),
        ("g6_chain AccessTokenFile 0640", "kite.token.loose", TOKEN1, 0o640,
         lambda p: conf.replace(tokf, p), "g6_chain"),
        ("g6_panels KeyFile 0604", "panels.key.loose", HMAC_KEY, 0o604,
         lambda p: conf.replace(hmacf, p), "g6_panels"),
    ]
    for name, fname, value, mode, make_conf, plugin in loose:
        p = secret_file(fname, value, mode)
        cdl = t.Collectd(plugins=[plugin, "g6_info"], config=make_conf(p),
                         expected_errors=[plugin, r"Initialization of plugin",
                                          r"init callbacks failed"])
        t.ok(cdl.start(), "%s: collectd starts" % name)
        line = cdl.wait_log(r"\[error\] %s: .*secret file %s has mode 0%o: group/other "
                            r"may access it; run chmod 600" % (plugin, re.escape(p), mode), 10)
        t.ok(line, "%s: refused, with the file and the fix named" % name, cdl.log())
        t.ok(cdl.wait_for("collectd_g6_build_info", 10), "%s: the other plugins run" % name)
        own = [s.name for s in cdl.samples() if s.labels.get("g6_metrics") == plugin]
        t.ok(not own, "%s: %s is disabled" % (name, plugin), own)
        cdl.stop()
        t.ok(not leaks(cdl.log() + cdl.proc.output(), "log"), "%s: no secret logged" % name)
    for name, args in (
            ("g6 kite-token --api-secret-file 0644",
             ["kite-token", "--url", m.url, "--api-key-file", keyf, "--api-secret-file",
              secret_file("s.loose", API_SECRET, 0o644), "--request-token", REQUEST_TOKEN,
              "--token-file", os.path.join(d, "t.new")]),
            ("g6 kite-token --api-key-file 0660",
             ["kite-token", "--url", m.url, "--api-key-file",
              secret_file("k.loose", API_KEY, 0o660), "--api-secret-file", secf,
              "--request-token", REQUEST_TOKEN, "--token-file", os.path.join(d, "t.new")]),
            ("g6 integrity --key 0644",
             ["integrity", "--panels-dir", panels, "--key",
              secret_file("h1.loose", HMAC_KEY, 0o644)]),
            ("g6 summary --key 0640",
             ["summary", "--panels-dir", panels, "--once", "--key",
              secret_file("h2.loose", HMAC_KEY, 0o640)])):
        rc, out = g6(*args)
        t.ok(rc != 0 and re.search(r"has mode 0\d+: group/other may access it; run chmod 600",
                                   out),
             "%s: refused (exit %d), saying how to fix it" % (name, rc), out)
        t.ok(not leaks(out, "output"), "%s: no secret printed" % name)
    t.ok(not os.path.exists(os.path.join(d, "t.new")), "no token file written from a "
         "loose secret file")
t.done_testing()
