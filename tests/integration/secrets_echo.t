#!/usr/bin/env python3
"""Secrets echoed back: whatever answers in Kite's place (a proxy's error
page, a portal's "200 OK" page, an error envelope whose message quotes the
request) may echo the Authorization header or the POST body. The messages
quote only an excerpt of such an answer, and an excerpt that cuts a secret
in two must not leave its start behind: no fragment of 8 characters or more
of the API key, access token, API secret, request token or checksum reaches
collectd's log or `g6 kite-token`'s output. The answers come from a small
HTTP server on a free 127.0.0.1 port that places the echoed secret across
the cut of each excerpt (the 64 characters of a body's excerpt, the 160 of
an error envelope's message)."""
import hashlib
import http.server
import json
import os
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t  # noqa: E402

API_KEY = "kQ7zWv3Lm9Tx2Rp8Hn4Jc6"
TOKEN = "tB5yXe1Nd8Gu3Sk7Fw2Pa9Vh0"
API_SECRET = "sM4qZr8Ky2Dj6Wb1Tn9Lc5"
REQUEST_TOKEN = "rF3hUa7Xv1Qe5Np9Zk2Gm8"
CHECKSUM = hashlib.sha256((API_KEY + REQUEST_TOKEN + API_SECRET).encode()).hexdigest()
SECRETS = [API_KEY, TOKEN, API_SECRET, REQUEST_TOKEN, CHECKSUM]
G6 = t.build_path("g6")


def fragments(text):
    """The secrets of which text holds 8 characters or more in a row."""
    return sorted({s[:6] + "…" for s in SECRETS for i in range(len(s) - 7)
                   if s[i:i + 8] in text})


class Echo(http.server.BaseHTTPRequestHandler):
    """Answers in turn: a 400 HTML page, a 200 HTML page (a portal), then
    403 TokenException envelopes, each quoting what the request sent."""
    served = 0
    escape = False  # the envelopes' echo written with JSON escapes

    def log_message(self, *a):
        pass

    def answer(self, echoed):
        n = Echo.served
        Echo.served += 1
        if n == 0:  # the excerpt keeps 64 characters: the secret spans them
            status, ctype = 400, "text/html"
            body = "<html><body><h1>Bad Request</h1><p>Header: %s</p></body></html>" % echoed
        elif n == 1:
            status, ctype = 200, "text/html"
            body = "<html> Header: %s</html>" % echoed
        elif not Echo.escape:  # the message is cut at 160 characters
            status, ctype = 403, "application/json"
            body = json.dumps({"status": "error", "error_type": "TokenException",
                               "message": "y" * 130 + " " + echoed})
        else:  # the same with every character escaped (\u0061): its bytes
            # do not hold the secret, the decoded message does
            status, ctype = 403, "application/json"
            body = ('{"status": "error", "error_type": "TokenException", "message": "%s %s"}'
                    % ("y" * 130, "".join("\\u%04x" % ord(ch) for ch in echoed)))
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.answer(self.headers.get("Authorization", ""))

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self.answer(self.rfile.read(n).decode("latin-1"))


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
threading.Thread(target=srv.serve_forever, daemon=True).start()


class Server:
    url = "http://127.0.0.1:%d" % srv.server_address[1]


d = t.workdir("g6-secrets-echo-")


def secret_file(name, value):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(value + "\n")
    os.chmod(path, 0o600)
    return path


keyf, tokf = secret_file("kite.key", API_KEY), secret_file("kite.token", TOKEN)
secf = secret_file("kite.secret", API_SECRET)

conf = t.chain_config(os.path.join(d, "data"), Server, keyf, tokf, plugin="ForceOpen true",
                      provider="Retries 1\nCacheTTL 0\nBreakerFailures 100",
                      indices=[("NIFTY", "Interval 1")])
with t.Collectd(plugins=["g6_chain"], config=conf, expected_errors=[
        r"g6_chain: Kite \w+: "]) as cd:
    t.ok(cd.wait_log(r"HTTP 400 with a body that is not Kite's", 20),
         "a proxy's 400 page echoing the Authorization header is reported")
    t.ok(cd.wait_log(r"HTTP 200 with a body that is not Kite's", 20),
         "a portal's 200 page echoing it is reported")
    t.ok(cd.wait_log(r"credentials rejected \(HTTP 403, TokenException", 20),
         "a 403 whose message echoes it is reported")
    log = cd.log() + cd.proc.output()
t.ok(Echo.served >= 3, "the server answered %d requests" % Echo.served)
t.ok(not fragments(log), "no fragment of a secret in collectd's log",
     "fragments of: %s\n%s" % (fragments(log), log))
t.ok("token ***:***" in log, "the echoed header is shown redacted")

for first, what, escape in ((0, "a 400 page", False), (2, "a 403 envelope", False),
                           (2, "a 403 envelope, \\u-escaped", True)):
    Echo.served = first
    Echo.escape = escape
    p = subprocess.run([G6, "kite-token", "--url", Server.url, "--api-key-file", keyf,
                        "--api-secret-file", secf, "--request-token", REQUEST_TOKEN,
                        "--token-file", os.path.join(d, "kite.token.new")],
                       capture_output=True, timeout=60)
    out = (p.stdout + p.stderr).decode("utf-8", "replace")
    t.ok(p.returncode == 1 and "session" in out,
         "g6 kite-token fails on %s echoing the POST body (exit %d)" % (what, p.returncode), out)
    t.ok(not fragments(out), "g6 kite-token: no fragment of a secret in its output (%s)" % what,
         "fragments of: %s\n%s" % (fragments(out), out))
srv.shutdown()
t.done_testing()
