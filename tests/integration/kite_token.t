#!/usr/bin/env python3
"""`g6 kite-token` against g6-mockd: exchanges a request token, writes the
token file 0600 atomically, reports the 06:00 IST expiry, never prints a
secret; refuses readable secret files and bad secrets."""
import os
import shutil
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

G6 = t.build_path("g6")
KEY, SECRET = "kiteKEY7788", "kiteSECRET99xx"
CLOCK = 1763700000  # 2025-11-21 10:10 IST


def run(args, stdin=None):
    p = subprocess.run([G6, "kite-token"] + args, input=stdin,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def secret_file(d, name, text, mode=0o600):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text + "\n")
    os.chmod(path, mode)
    return path


d = t.workdir("g6-kite-token-")
with t.MockD(clock=CLOCK, api_key=KEY, api_secret=SECRET) as m:
    keyf = secret_file(d, "key", KEY)
    secf = secret_file(d, "secret", SECRET)
    tokf = os.path.join(d, "token")
    rc, out, err = run(["--url", m.url, "--api-key-file", keyf,
                        "--api-secret-file", secf, "--request-token",
                        "req-abc-123", "--token-file", tokf])
    t.is_(rc, 0, "exchange succeeds")
    t.ok(os.path.exists(tokf) and
         stat.S_IMODE(os.stat(tokf).st_mode) == 0o600, "token file mode 0600")
    token = open(tokf).read().strip() if os.path.exists(tokf) else ""
    t.ok(token.startswith("mock") and len(token) > 20, "token written")
    t.ok("22-11-2025 06:00:00" in out, "expiry 06:00 IST next morning", out)
    t.ok("MK0001" in out, "user id reported")
    for s in (KEY, SECRET, "req-abc-123", token):
        t.ok(s not in out + err, "secret %s...%s not printed" % (s[:2], s[-1:]))
    # the new token works against the mock's quote endpoint
    status, body, _ = m.get("/quote/ltp", {"i": ["NSE:NIFTY 50"]},
                            headers={"X-Kite-Version": "3",
                                     "Authorization": "token %s:%s" % (KEY, token)})
    t.is_(status, 200, "the issued token is accepted")

    # under memcheck: no byte read before it was written (the stdin
    # buffer of the request token was zeroed up to its first NUL even when
    # the token came as an argument and the buffer was never written), and
    # the exchange still works
    vg = shutil.which("valgrind")
    for args, stdin, what in (
            (["--request-token", "req-vg-arg"], None, "an argument"),
            (["--request-token", "-"], b"req-vg-stdin extra words\n",
             "standard input")):
        if vg is None or os.environ.get("G6_SANITIZE"):
            # an AddressSanitizer build (make check-asan) cannot run under
            # valgrind; ASan checks the same reads there
            t.skip("memcheck, request token from %s" % what,
                   "no valgrind" if vg is None else "a sanitizer build")
            continue
        p = subprocess.run([vg, "-q", "--error-exitcode=99", "--leak-check=no",
                            G6, "kite-token", "--url", m.url, "--api-key", KEY,
                            "--api-secret-file", secf, "--token-file", tokf]
                           + args, input=stdin, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120)
        t.is_(p.returncode, 0, "memcheck, request token from %s: no "
              "uninitialised read (%s)" % (what, p.stderr.decode()[-600:]))

    # request token on stdin, key from a flag
    rc, out, err = run(["--url", m.url, "--api-key", KEY, "--api-secret-file",
                        secf, "--request-token", "-", "--token-file", tokf],
                       stdin=b"req-from-stdin\n")
    t.is_(rc, 0, "request token from stdin")

    # wrong secret: checksum rejected, no file change, exit 1
    before = open(tokf).read()
    bad = secret_file(d, "bad", "notTHEsecret000")
    rc, out, err = run(["--url", m.url, "--api-key-file", keyf,
                        "--api-secret-file", bad, "--request-token", "req-x",
                        "--token-file", tokf])
    t.is_(rc, 1, "a wrong secret fails with exit 1")
    t.ok("auth" in err and "notTHEsecret000" not in out + err,
         "the failure names the problem, not the secret", err)
    t.is_(open(tokf).read(), before, "the token file is untouched")

    # a secret file others can read is refused with a clear message
    loose = secret_file(d, "loose", SECRET, 0o644)
    rc, out, err = run(["--url", m.url, "--api-key-file", keyf,
                        "--api-secret-file", loose, "--request-token", "r",
                        "--token-file", tokf])
    t.is_(rc, 2, "group/other-readable secret file refused")
    t.ok("chmod 600" in err and SECRET not in err, "message says how to fix", err)

    # a token file that cannot be written is found before the single-use
    # request token is spent: nothing is sent, exit 2
    sessions = m.requests().get("session", {}).get("total", 0)
    for bad_file, why in ((os.path.join(d, "nodir", "kite.token"), "is not writable"),
                          (d, "is not a regular file")):
        rc, out, err = run(["--url", m.url, "--api-key-file", keyf,
                            "--api-secret-file", secf, "--request-token", "r-keep",
                            "--token-file", bad_file])
        t.is_(rc, 2, "an unwritable --token-file (%s) is a usage error" % why)
        t.ok(why in err, "the message says why", err)
    t.is_(m.requests().get("session", {}).get("total", 0), sessions,
          "and the request token was not sent")

    # the secret itself on the command line (readable in /proc/PID/cmdline
    # by every user) is refused, without echoing it
    rc, out, err = run(["--url", m.url, "--api-key-file", keyf,
                        "--api-secret", SECRET, "--request-token", "r3",
                        "--token-file", tokf])
    t.is_(rc, 2, "--api-secret SECRET is refused")
    t.ok("--api-secret-file" in err and SECRET not in out + err,
         "the message points to --api-secret-file and does not echo the secret", err)

    # a bad command line is found before the single-use request token is
    # sent, and says what is wrong
    sessions = m.requests().get("session", {}).get("total", 0)
    rc, out, err = run(["--url", m.url, "--api-key-file", keyf, "--api-key", KEY,
                        "--api-secret-file", secf, "--request-token", "r4",
                        "--token-file", tokf])
    t.ok(rc == 2 and "--api-key and --api-key-file exclude each other" in err
         and KEY not in err, "--api-key with --api-key-file is named as the conflict", err)
    for url, why in (("http://", "no host after the scheme"),
                     (m.url + "/?x=1", "a query or fragment")):
        rc, out, err = run(["--url", url, "--api-key-file", keyf,
                            "--api-secret-file", secf, "--request-token", "r5",
                            "--token-file", tokf])
        t.ok(rc == 2 and why in err, "--url %s is a usage error: %s" % (url, why), err)
    t.is_(m.requests().get("session", {}).get("total", 0), sessions,
          "none of them sent the request token")

    # the provider is down: exit 1
    m.set_faults({"session": {"http5xx": -1}})
    rc, out, err = run(["--url", m.url, "--api-key-file", keyf,
                        "--api-secret-file", secf, "--request-token", "r2",
                        "--token-file", tokf])
    t.is_(rc, 1, "provider errors give exit 1")
    t.ok("Kite session" in err, "logged with the endpoint", err)
    m.reset_faults()

    # Kite accepts a request token once: a request that may have reached it
    # is not sent again (the retry spent the token and the user got a
    # confusing "token invalid"); the user is told to log in again
    def session_requests():
        return m.requests().get("session", {}).get("total", 0)

    for name, faults, args in (
            ("a timeout after the request was sent",
             {"session": {"latency_ms": 3000}}, ["--timeout", "1"]),
            ("a 5xx answer", {"session": {"http5xx": -1}}, [])):
        m.set_faults(faults)
        before = session_requests()
        rc, out, err = run(["--url", m.url, "--api-key-file", keyf,
                            "--api-secret-file", secf, "--request-token", "r4",
                            "--token-file", tokf] + args)
        time.sleep(2.5 if args else 0)  # the slow answer is counted when done
        t.is_(rc, 1, "%s: exit 1" % name)
        t.is_(session_requests() - before, 1, "%s: POST /session/token sent once" % name)
        t.ok("retrying" not in err and "attempt 1 of 2" not in err,
             "%s: no retry" % name, err)
        t.ok("the request may have reached Kite, which accepts a request token only "
             "once, so it was not sent again: log in to Kite again for a fresh request "
             "token" in err, "%s: the user is told to log in again" % name, err)
        t.ok("r4" not in err and SECRET not in err, "%s: no secret printed" % name)
        m.reset_faults()

    # nothing sent (connection refused): tried again, no new login asked for
    rc, out, err = run(["--url", "http://127.0.0.1:%d" % t.free_port(), "--api-key-file",
                        keyf, "--api-secret-file", secf, "--request-token", "r5",
                        "--token-file", tokf])
    t.is_(rc, 1, "connection refused: exit 1")
    t.ok("attempt 1 of 2); retrying" in err, "connection refused: tried again", err)
    t.ok("log in to Kite again" not in err,
         "connection refused: the request token is still good", err)

rc, out, err = run(["--help"])
t.is_(rc, 0, "--help")
rc, out, err = run(["--request-token", "x"])
t.is_(rc, 2, "missing options: usage error")
t.done_testing()
