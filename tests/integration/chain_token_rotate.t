#!/usr/bin/env python3
"""The morning's new access token, written while g6_chain runs and before
it fails: the next cycle uses it. It used to be read only once the old
token had been rejected, so the first cycle after the login (the opening
slot, which records OI and straddle at the open) failed with an [error]
and latched auth. Here the token file is replaced and the mock switched to
the new token at the same moment (between two cycles): no cycle fails, the
auth latch state stays 0, the change is said once without the secret. A
half-written file (empty) in between is refused and the token in use kept."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t  # noqa: E402

NEW = "accesstoken-of-the-new-day"
NEW2 = "accesstoken-of-the-day-after"

d = t.workdir("g6-token-rotate-")
with t.MockD() as m:
    keyf, tokf = m.write_credentials(d)
    conf = m.chain_config(d, '<Index "NIFTY">\n  StrikesBelowATM 2\n  StrikesAboveATM 2\n'
                             '  Interval 3\n</Index>')
    with t.Collectd(plugins=["g6_chain"], config=conf, rrd=False) as cd:
        t.ok(cd.wait_for("collectd_g6_index_collected_legs", 20, predicate=lambda v: v > 0,
                         g6_index="NIFTY"), "NIFTY collects with the first token")

        def between_cycles():
            """Just after a cycle's quote requests: the next cycle is ~3 s away."""
            n = m.requests().get("quote", {}).get("total", 0)
            t.wait_until(lambda: m.requests().get("quote", {}).get("total", 0) > n, 10,
                         interval=0.05)
            time.sleep(0.5)

        def replace(text):
            with open(tokf + ".new", "w") as f:
                f.write(text)
            os.chmod(tokf + ".new", 0o600)
            os.rename(tokf + ".new", tokf)

        # a file caught half-written: refused, the first token still serves
        between_cycles()
        replace("")
        t.ok(cd.wait_log(r"\[warning\] g6_chain: Kite: AccessTokenFile %s changed but "
                         r"cannot be used \(secret file %s is empty\); keeping the access "
                         r"token in use" % (re.escape(tokf), re.escape(tokf)), 10),
             "an empty token file is refused with a warning", cd.log())
        # a second unusable version within the minute is a second warning
        # (collectd's log must not fold it into the first as a repeat)
        between_cycles()
        replace("")  # the same fault again: the same words, a new version
        refused = r"\[warning\] g6_chain: Kite: AccessTokenFile %s changed but cannot " \
            r"be used" % re.escape(tokf)
        t.ok(t.wait_until(lambda: len(re.findall(refused, cd.log())) == 2, 10),
             "a second unusable version a few seconds later is warned about too",
             cd.log()[-2000:])

        between_cycles()
        quotes = m.requests().get("quote", {})
        replace(NEW + "\n")
        m.set_access_token(NEW)  # Kite takes only the new token from now on
        latch = []
        deadline = time.time() + 10  # three cycles and more
        while time.time() < deadline:
            latch.append(cd.value("collectd_g6_api_auth_latch_state"))
            time.sleep(0.25)
        after = m.requests().get("quote", {})
        t.ok(latch and all(v == 0 for v in latch), "auth_latch_state stays 0", latch)
        t.ok(after.get("total", 0) >= quotes.get("total", 0) + 3,
             "the cycles after the replacement request quotes", after)
        rejected = after.get("by_status", {}).get("403", 0) - \
            quotes.get("by_status", {}).get("403", 0)
        t.is_(rejected, 0, "no request is rejected by Kite")
        log = cd.log()
        t.ok(not re.search(r"\[error\] g6_chain", log), "no cycle fails", log[-3000:])
        said = re.findall(r"g6_chain: Kite: AccessTokenFile %s changed: the new access "
                          r"token is in use" % re.escape(tokf), log)
        t.is_(len(said), 1, "the new token is said to be in use, once")
        # the next token within the minute is said too
        between_cycles()
        replace(NEW2 + "\n")
        m.set_access_token(NEW2)
        t.ok(t.wait_until(lambda: len(re.findall(
            r"g6_chain: Kite: AccessTokenFile %s changed: the new access token is in use"
            % re.escape(tokf), cd.log())) == 2, 10),
             "a second new token within the minute is said as well", cd.log()[-2000:])
        log = cd.log()
        t.ok(NEW not in log and NEW2 not in log and m.api_key not in log,
             "no secret in the log")
        t.ok(cd.wait_for("collectd_g6_index_chain_status", 10, predicate=lambda v: v == 0,
                         g6_index="NIFTY", type="this_week"), "NIFTY still collects")

t.done_testing()
