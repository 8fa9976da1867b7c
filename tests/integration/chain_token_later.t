#!/usr/bin/env python3
"""g6_chain started before the day's first `g6 kite-token`: the
AccessTokenFile does not exist yet. g6_chain starts anyway (it used to fail
its init and stay disabled until a restart), says once why nothing is
requested, sends no quote request, and collects as soon as the token file
appears, without a restart."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t  # noqa: E402

d = t.workdir("g6-token-later-")
with t.MockD() as m:
    keyf, tokf = m.write_credentials(d)
    os.unlink(tokf)
    conf = m.chain_config(d, '<Index "NIFTY">\n  StrikesBelowATM 2\n  StrikesAboveATM 2\n'
                             '  Interval 1\n</Index>')
    with t.Collectd(plugins=["g6_chain"], config=conf, rrd=False) as cd:
        t.ok(cd.wait_log(r"\[warning\] g6_chain: Kite: AccessTokenFile %s does not exist "
                         r"yet: no requests until `g6 kite-token` writes it" % tokf, 10),
             "one warning names the missing token file and the fix", cd.log())
        got = cd.wait_for("collectd_g6_api_auth_latch_state", predicate=lambda v: v == 1)
        t.ok(got, "the auth latch state says credentials are missing")
        time.sleep(3)  # several reads and cycles
        t.is_(m.requests().get("quote", {}).get("total", 0), 0,
              "no quote request is sent without a token")
        missing = [l for l in cd.log().splitlines()
                   if "[warning] g6_chain: <Provider" in l or "does not exist yet" in l]
        t.ok(len(missing) == 1, "said once, not at every read", missing)
        t.ok(cd.wait_log(r"g6_chain: NIFTY: nothing collected: .*no access token yet "
                         r"\(AccessTokenFile .* does not exist\); run `g6 kite-token`", 5),
             "the index's cycle says why it collects nothing", cd.log())

        # the morning login writes the file (atomically, as g6 kite-token does)
        with open(tokf + ".new", "w") as f:
            f.write(m.access_token + "\n")
        os.chmod(tokf + ".new", 0o600)
        os.rename(tokf + ".new", tokf)
        got = cd.wait_for("collectd_g6_api_auth_latch_state", predicate=lambda v: v == 0)
        t.ok(got, "the token file clears the latch")
        t.ok(cd.wait_log(r"the new access token is in use", 10), "the change is logged")
        legs = cd.wait_for("collectd_g6_index_collected_legs", predicate=lambda v: v > 0,
                           g6_index="NIFTY")
        t.ok(legs, "NIFTY collects, without a restart")
        t.ok(m.access_token not in cd.log() and m.api_key not in cd.log(),
             "no secret in the log")

    # a token file in a directory that does not exist is a wrong path, not
    # a token still to come: refused at start-up, naming the option and the
    # directory
    bad = os.path.join(d, "no-such-dir", "kite.token")
    conf = m.chain_config(d, '<Index "NIFTY">\n  Interval 1\n</Index>').replace(tokf, bad)
    ok, lines, log = t.disabled_by_config(["g6_chain"], conf, "g6_chain")
    t.ok(ok, "g6_chain is disabled by the wrong path, collectd runs on", log[-2000:])
    t.ok(any("AccessTokenFile %s: its directory %s does not exist" %
             (bad, os.path.dirname(bad)) in l for l in lines),
         "the error names the option and the missing directory", lines)

t.done_testing()
