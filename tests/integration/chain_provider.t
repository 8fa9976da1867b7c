#!/usr/bin/env python3
"""g6_chain against the provider as it really fails, in the real collectd
against g6-mockd (issue 10, items 1, 4 and 5):

1. one failed /quote batch (an HTTP 400 with an HTML body from a proxy) does
   not blank the index: the other batch's legs are kept and written, the lost
   ones are counted as request_failed, coverage makes the expiry PARTIAL;
2. Kite's error types are told apart: a 403 PermissionException is
   `forbidden`, never "credentials rejected", and latches nothing; a 503
   NetworkException is `upstream` and retried; a captive portal's login page
   with "200 OK" is `foreign_body` with an excerpt, not a parse error, and
   so is its redirect to that page (a 302), with the Location in the log,
   or without one, with the request's URL in the log (no query), and a
   Location's control characters never reach the log;
3. a storm of 429s with Retry-After makes the shared limiter back off: the
   request rate g6-mockd sees during the storm falls well below the healthy
   rate, the exported effective rate drops below the configured one, and
   both recover after the storm;
4. a 429 with Retry-After 3600 pauses /quote for BreakerMaxReset, and the
   pause's seconds left are exported while it lasts, then 0 again."""
import datetime
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
EXPECTED_ERRORS = [r"g6_chain: Kite quote: .*giving up"]
SIDE = 150  # strikes each side of the ATM: 301 strikes, 602 legs, 2 batches

d = t.workdir()
data = os.path.join(d, "data")
now = int(time.time())
with t.MockD(clock=now) as m:
    keyf, tokf = m.write_credentials(d)
    mk = m.market()["indices"]["NIFTY"]
    step = mk["step"]
    atm = round(mk["spot"] / step) * step
    # the trading symbol of the lowest strike's call of this_week: the
    # first /quote batch (legs 0..499, strikes ascending) carries it
    this_week, low = m.this_week_call("NIFTY", SIDE)
    t.ok(low, "g6-mockd lists the lowest strike of the ladder (%s)" % low)

    conf = t.chain_config(data, m, keyf, tokf, plugin="""
        ForceOpen true
        Fsync "never"
        """, provider="""
        Timeout 1
        Retries 2
        RetryBackoff 0.05
        RetryBackoffMax 0.1
        RetryJitter 0.01
        QuoteRequestsPerSecond 8
        QuoteBurst 1
        CacheTTL 0
        BreakerFailures 1000
        BreakerMinReset 1
        BreakerMaxReset 8
        """, indices=[("NIFTY", """
        StrikesBelowATM %d
        StrikesAboveATM %d
        Expiry "this_week"
        Interval 1
        """ % (SIDE, SIDE))])

    with t.Collectd(plugins=["g6_chain"], config=conf,
                    expected_errors=EXPECTED_ERRORS) as cd:

        def value(name, **labels):
            return cd.value(name, **labels) or 0.0

        def grows(name, what, timeout=20, **labels):
            before = value(name, **labels)
            got = cd.wait_for(name, timeout=timeout,
                              predicate=lambda v: v > before, **labels)
            return t.ok(got, what, "%s%r stayed at %r" % (name, labels, before))

        def status_is(want, what, timeout=20):
            got = cd.wait_for("collectd_g6_index_chain_status", timeout=timeout,
                              predicate=lambda v: v == want, g6_index="NIFTY",
                              type="this_week")
            return t.ok(got, what, "status %r" % cd.value(
                "collectd_g6_index_chain_status", g6_index="NIFTY", type="this_week"))

        def logged(pattern, what, timeout=15):
            return t.ok(cd.wait_log(pattern, timeout), what, "no log line /%s/" % pattern)

        def quote_requests():
            return m.requests()["quote"]["total"]

        status_is(0, "NIFTY this_week is OK at start")
        t.is_(value("collectd_g6_index_collected_legs", g6_index="NIFTY", type="this_week"),
              2.0 * (2 * SIDE + 1), "all 602 legs collected in two /quote batches")

        # -- 1. the first batch fails with an HTML 400; the second answers --
        m.set_faults({"quote": {"error_key": low, "error_status": 400,
                                "error_body": "html"}})
        status_is(1, "one failed batch makes the expiry PARTIAL, not EMPTY")
        got = cd.wait_for("collectd_g6_index_collected_legs", g6_index="NIFTY",
                          type="this_week", predicate=lambda v: v == 102)
        t.ok(got, "the 102 legs of the batch that answered are kept",
             value("collectd_g6_index_collected_legs", g6_index="NIFTY", type="this_week"))
        grows("collectd_g6_index_rejected_legs_total",
              "the lost legs are counted as request_failed", g6_index="NIFTY",
              type="request_failed")
        t.is_(value("collectd_g6_index_rejected_legs_total", g6_index="NIFTY",
                    type="missing_quote"), 0.0, "none of them is called a missing quote")
        grows("collectd_g6_api_calls_total", "the HTML answer is a foreign_body result",
              g6_api="quote", type="foreign_body")
        logged(r"\[warning\] g6_chain: NIFTY: 500 of 602 legs lost \(status PARTIAL\): "
               r"Kite quote: HTTP 400 with a body that is not Kite's JSON \(\"<html> "
               r"<head><title>400 Bad Request", "the log line says what was lost and why")
        def snapshot():
            return t.snapshot(data, "NIFTY")

        def partial_snapshot():
            s = snapshot()
            return s if s and s["expiries"][0]["status"] == "PARTIAL" else None

        snap = t.wait_until(partial_snapshot, 10)
        legs = snap["expiries"][0]["legs"] if snap else []
        lost = [l for l in legs if l["reject"] == "request_failed"]
        kept = [l for l in legs if l["kept"]]
        t.ok(len(lost) == 500 and all(l["last"] is None and l["iv"] is None for l in lost),
             "the snapshot has the 500 lost legs without a price or IV (nothing invented)")
        t.ok(len(kept) == 102 and min(l["strike"] for l in kept) == atm + 100 * step and
             all(l["last"] > 0 for l in kept),
             "and the 102 legs of the answered batch with their prices",
             [(l["strike"], l["type"], l["last"]) for l in kept][:5])
        m.reset_faults()
        status_is(0, "OK again once every batch answers")

        # -- 2. Kite's error types ----------------------------------------
        m.set_faults({"quote": {"error": -1, "error_status": 403,
                                "error_body": "PermissionException"}})
        grows("collectd_g6_api_calls_total", "a 403 PermissionException is counted as forbidden",
              g6_api="quote", type="forbidden")
        logged(r"g6_chain: Kite quote: HTTP 403, PermissionException: Insufficient "
               r"permission for that call. \(forbidden\)",
               "the log names the permission problem")
        before = quote_requests()
        time.sleep(2)
        t.ok(quote_requests() > before, "no auth latch: requests go on (a new token "
             "would not fix a subscription)")
        t.is_(value("collectd_g6_api_auth_latch_state"), 0.0, "the auth latch stays 0")
        t.ok("credentials rejected" not in cd.log(),
             "nothing claims the credentials were rejected")
        status_is(2, "nothing collected while every quote is refused")
        m.set_faults({"quote": {"error": -1, "error_status": 503,
                                "error_body": "NetworkException"}})
        grows("collectd_g6_api_retries_total", "a 503 NetworkException is retried as upstream",
              g6_api="quote", type="upstream")
        m.reset_faults()
        status_is(0, "OK again after the error types")

        # -- 2b. a captive portal answers "200 OK" with its login page ------
        parse_before = value("collectd_g6_api_calls_total", g6_api="quote", type="parse")
        m.set_faults({"quote": {"error": -1, "error_status": 200,
                                "error_body": "html"}})
        grows("collectd_g6_api_calls_total", "a 200 HTML page is a foreign_body result",
              g6_api="quote", type="foreign_body")
        logged(r"g6_chain: Kite quote: HTTP 200 with a body that is not Kite's "
               r"\(Content-Type text/html, \"<html><body>Login to Wi-Fi</body></html>\"\): "
               r"the response is not the provider's", "the log shows the page that answered")
        t.is_(value("collectd_g6_api_calls_total", g6_api="quote", type="parse"),
              parse_before, "and it is not counted as a parse error")
        t.ok("malformed JSON at byte 1" not in cd.log(),
             "nothing calls the login page malformed JSON")
        m.reset_faults()
        status_is(0, "OK again after the captive portal")

        # -- 2c. ... or, as most do, redirects to it -------------------------
        m.set_faults({"quote": {"error": -1, "error_status": 302, "error_body": "html",
                                "error_location": "http://wifi:pw9876@portal.invalid/login"
                                                  "?sess=abc123def456"}})
        grows("collectd_g6_api_calls_total", "a 302 to a login page is a foreign_body result",
              g6_api="quote", type="foreign_body")
        logged(r"g6_chain: Kite quote: HTTP 302 redirect to http://portal\.invalid/login "
               r"\(not followed; Content-Type text/html\): the response is not the provider's",
               "the log names where it points")
        t.ok("pw9876" not in cd.log() and "abc123def456" not in cd.log(),
             "without the Location's user info and query")
        t.ok("unexpected HTTP 302" not in cd.log(), "not an unexpected HTTP status")
        m.reset_faults()
        status_is(0, "OK again after the redirect")

        # -- 2d. ... or redirects without saying where, or with escapes -----
        m.set_faults({"quote": {"error": -1, "error_status": 302, "error_body": "html",
                                "error_location": ""}})
        grows("collectd_g6_api_calls_total",
              "a 302 without a Location is a foreign_body result",
              g6_api="quote", type="foreign_body")
        logged(r"g6_chain: Kite quote: HTTP 302 redirect without a Location from "
               r"http://127\.0\.0\.1:\d+/quote \(not followed; Content-Type text/html, "
               r"\"<html><body>Moved</body></html>\"\): the response is not the provider's",
               "the log says it was a redirect and names the request's URL")
        m.set_faults({"quote": {"error_location": "http://portal.invalid/\x1b[2J\x07login"}})
        logged(r"g6_chain: Kite quote: HTTP 302 redirect to "
               r"http://portal\.invalid/\?\[2J\?login \(not followed",
               "a Location's control characters are printed as ?")
        t.ok(not any(c in cd.log() for c in "\x1b\x07\r"),
             "no control character from the server reaches the log")
        t.ok("i=NFO" not in cd.log(), "nor the request's query")
        m.reset_faults()
        status_is(0, "OK again after the redirect without a Location")

        # -- 3. a storm of 429s with Retry-After -----------------------------
        def rate(seconds):
            a = quote_requests()
            time.sleep(seconds)
            return (quote_requests() - a) / seconds

        healthy = rate(4)
        t.is_(value("collectd_g6_api_ratelimit_calls_per_second", g6_api="quote",
                    type="effective"), 8.0, "the effective rate is the configured 8/s")
        m.set_faults({"quote": {"ratelimit": -1, "retry_after": 1}})
        got = cd.wait_for("collectd_g6_api_ratelimit_calls_per_second", g6_api="quote",
                          type="effective", predicate=lambda v: v < 8)
        t.ok(got, "the exported effective rate drops below the configured rate")
        logged(r"g6_chain: Kite: 429 from quote: quote request rate cut to \S+/s "
               r"\(configured 8/s\); honouring Retry-After", "the cut is logged")
        time.sleep(1)
        storm = rate(4)
        t.ok(storm < healthy / 2, "during the storm g6 sends %.2f requests/s, less than "
             "half the healthy %.2f/s" % (storm, healthy))
        t.ok(storm <= 1.5, "Retry-After: 1 holds it near one request a second (%.2f/s)"
             % storm)
        t.is_(value("collectd_g6_api_ratelimit_calls_per_second", g6_api="quote",
                    type="configured"), 8.0, "the configured rate is exported unchanged")
        m.reset_faults()
        got = cd.wait_for("collectd_g6_api_ratelimit_calls_per_second", g6_api="quote",
                          type="effective", predicate=lambda v: v == 8)
        t.ok(got, "after the storm the effective rate recovers to the configured rate")
        logged(r"g6_chain: Kite: quote request rate back to the configured 8/s",
               "the recovery is logged")
        after = rate(4)
        t.ok(after > 2 * storm and after >= 0.7 * healthy,
             "and the request rate is back (%.2f/s, healthy %.2f/s)" % (after, healthy))
        status_is(0, "collection is OK again")

        # -- 4. a long Retry-After pauses /quote, and says so ----------------
        def pause(limiter="quote"):
            return cd.value("collectd_g6_api_ratelimit_pause_seconds", g6_api=limiter)

        t.is_(pause(), 0.0, "no pause exported while Kite answers (a known 0)")
        t.is_(pause("other"), 0.0, "nor for the other limiter")
        m.set_faults({"quote": {"ratelimit": 1, "retry_after": 3600}})
        got = cd.wait_for("collectd_g6_api_ratelimit_pause_seconds", g6_api="quote",
                          predicate=lambda v: v > 2)
        first = got[0].value if got else None
        t.ok(got and first <= 8, "a 429 with Retry-After 3600 exports the pause's seconds "
             "left, capped at BreakerMaxReset 8 s (%r)" % first)
        logged(r"g6_chain: Kite: 429 from quote with Retry-After 3600 s, more than "
               r"BreakerMaxReset \(8 s\): quote requests pause 8 s", "the cap is logged")
        t.is_(pause("other"), 0.0, "the other limiter is not paused")
        later = cd.wait_for("collectd_g6_api_ratelimit_pause_seconds", g6_api="quote",
                            predicate=lambda v: 0 < v < (first or 0) - 1)
        t.ok(later, "the pause counts down while it lasts (%r after %r)"
             % (later[0].value if later else None, first))
        got = cd.wait_for("collectd_g6_api_ratelimit_pause_seconds", g6_api="quote",
                          predicate=lambda v: v == 0, timeout=15)
        t.ok(got, "once it has passed the pause is 0 again", pause())
        status_is(0, "and collection is OK after the pause")

t.done_testing()
