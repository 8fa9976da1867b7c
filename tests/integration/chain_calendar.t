#!/usr/bin/env python3
"""Exchange sessions from data, in the real collectd (issue 10, item 3).

CalendarDir holds one calendar per exchange. Today (and tomorrow, in case the
test runs across IST midnight) NSE has a holiday and BSE a special session
over the whole day, whatever the weekday: NIFTY (NSE) must not collect and
SENSEX (BSE) must, without ForceOpen. FINNIFTY is pointed at a calendar that
has nothing for the current year: g6 says so once in the log and in
collectd_g6_index_calendar_declared_days, instead of silently trusting
weekdays. `g6 calendar` prints the sessions of a file and fails on a year
without entries or a bad line."""
import datetime
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
today = datetime.datetime.now(IST).date()
days = [today, today + datetime.timedelta(days=1)]

d = t.workdir()
cal = os.path.join(d, "calendars")
os.makedirs(cal)
with open(os.path.join(cal, "NSE.txt"), "w") as f:
    f.write("# a test holiday today and tomorrow\n")
    f.writelines("%s test holiday\n" % x for x in days)
with open(os.path.join(cal, "BSE.txt"), "w") as f:
    f.write("# a special session over the whole day, weekend or not\n")
    f.writelines("%s 00:00-24:00 test session\n" % x for x in days)
with open(os.path.join(cal, "OLD.txt"), "w") as f:
    f.write("2020-01-01 a calendar nobody updated\n")

# ---- g6 calendar --------------------------------------------------------------
g6 = t.build_path("g6")


def cli(*args):
    r = subprocess.run([g6, "calendar"] + list(args), capture_output=True, timeout=30)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


rc, out, _ = cli("--dir", cal, "--exchange", "BSE", "--from", str(days[0]), "--to", str(days[1]))
want = "%s %s 00:00-24:00 special: test session" % (days[0], days[0].strftime("%a"))
t.ok(rc == 0 and want in out, "g6 calendar prints the special session of a file", out)
rc, out, _ = cli("--dir", cal, "--from", str(days[0]), "--to", str(days[0]))
t.ok(rc == 0 and "closed      holiday: test holiday" in out,
     "and a holiday (NSE is the default exchange)", out)
rc, out, _ = cli("--dir", cal, "--exchange", "OLD", "--from", str(today), "--to", str(today))
t.ok(rc == 1 and "# %d: NO ENTRIES" % today.year in out,
     "a year without entries is reported and exits 1", out)
rc, out, _ = cli("--exchange", "NSE", "--from", "2025-10-20", "--to", "2025-10-22")
t.ok(rc == 0 and "2025-10-21 Tue 13:45-14:45 special: Muhurat trading" in out and
     "2025-10-22 Wed closed      holiday: Diwali Balipratipada" in out and
     os.path.join("calendars", "NSE.txt") in out,
     "the shipped NSE calendar: the 2025 Muhurat hour on a holiday", out)
rc, out, _ = cli("--exchange", "BSE", "--from", "2026-01-30", "--to", "2026-02-02")
t.ok(rc == 0 and "2026-02-01 Sun 09:15-15:30 special: Union Budget" in out and
     "2026-01-31 Sat closed      weekend" in out,
     "the shipped BSE calendar: the 2026 Budget Sunday", out)
bad = os.path.join(d, "bad.txt")
with open(bad, "w") as f:
    f.write("2026-02-01 09:15-15:30 Budget\n2026-11-08 18:00-1900 Muhurat\n")
rc, _, err = cli("--file", bad, "--from", "2026-01-01", "--to", "2026-01-02")
t.ok(rc == 2 and '%s:2: "18:00-1900" is not a session' % bad in err,
     "a bad line is named with file, line and what is expected", err)
rc, _, err = cli("--from", "2026-02-30")
t.ok(rc == 2 and '--from "2026-02-30": no such date' in err,
     "an impossible date is a usage error that says so (not a format error)", err)
rc, _, err = cli("--to", "2026-2-3")
t.ok(rc == 2 and '--to "2026-2-3": expected YYYY-MM-DD' in err, "a bad format names the format", err)
old_list = os.path.join(d, "old-list.txt")
with open(old_list, "wb") as f:  # the old platform's list, as Windows saved it
    f.write(b"\xef\xbb\xbf2025-01-26 Republic Day\r\n2025-02-26 Mahashivratri\r\n")
rc, out, err = cli("--file", old_list, "--from", "2025-01-25", "--to", "2025-02-27")
t.ok(rc == 0 and "2025-02-26 Wed closed      holiday: Mahashivratri" in out and
     '# note: 2025-01-26 is a Sunday: the holiday "Republic Day" changes nothing' in out,
     "a BOM and CRLF are read as meant; a holiday on a weekend is noted", out + err)
rc, out, err = cli("--file", bad, "--dir", cal, "--from", "2026-01-01", "--to", "2026-01-02")
t.ok(rc == 2 and not out and "--file %s and --dir %s exclude each other" % (bad, cal) in err,
     "--file and --dir together are a usage error naming both (not --dir ignored)", out + err)
rc, _, err = cli("--from", "2026-03-01", "--to", "2026-02-01")
t.ok(rc == 2 and "--from 2026-03-01 to --to 2026-02-01: --to must be on or after --from" in err,
     "a range that ends before it starts is named with its dates", err)
t.is_(cli("--exchange", "../etc")[0], 2, "an exchange is letters and digits")
rc, _, err = cli("--exchange", "")
t.ok(rc == 2 and '--exchange "": empty' in err, "an empty exchange is a usage error", err)
rc, out, _ = cli("--dir", cal, "--exchange", "bse", "--from", str(days[0]), "--to", str(days[0]))
t.ok(rc == 0 and want in out and os.path.join(cal, "BSE.txt") in out,
     "an exchange in lower case is the upper-case file (bse is BSE.txt)", out)
rc, _, err = cli("--dir", cal, "--exchange", "mcx")
t.ok(rc == 2 and "no calendar MCX.txt in %s" % cal in err
     and re.search(r"the exchanges there: .*\bBSE\b", err) and "NSE" in err,
     "an exchange without a calendar: the file and the exchanges there are named", err)
t.is_(len(err.strip().splitlines()), 1, "in one line")

# ---- the gate in collectd -------------------------------------------------------
with t.MockD() as m:
    key, tok = m.write_credentials(d)
    small = "StrikesBelowATM 2\nStrikesAboveATM 2\nInterval 1\n"
    conf = t.chain_config(os.path.join(d, "data"), m, key, tok,
                          plugin='CalendarDir "%s"' % cal,
                          provider="QuoteRequestsPerSecond 50\nQuoteBurst 10",
                          indices=[("NIFTY", small), ("SENSEX", small),
                                   ("FINNIFTY", small + 'Exchange "OLD"\nExpiry "this_month"')])
    with t.Collectd(plugins=["g6_chain"], config=conf) as cd:
        def present(name, **labels):
            """A series' known value, waited for rather than read once: under
            ASan a flush can come later than collectd's Timeout (2 intervals
            of 1 s) after the one before, and a scrape then misses the series
            write_prometheus dropped meanwhile; and every gauge is exported
            as NaN (unknown) from start-up until the index's first cycle
            sets it, which on a busy machine can be after SENSEX's."""
            got = cd.wait_for(name, predicate=lambda v: v == v, **labels)
            return got[0].value if got else None

        got = cd.wait_for("collectd_g6_index_collected_legs", g6_index="SENSEX",
                          type="this_week", predicate=lambda v: v > 0)
        t.ok(got, "SENSEX collects in its exchange's special session (no ForceOpen)")
        t.is_(present("collectd_g6_index_market_open_state", g6_index="SENSEX"), 1.0,
              "SENSEX's market is open")
        t.ok(cd.wait_for("collectd_g6_index_market_open_state", g6_index="NIFTY",
                         predicate=lambda v: v == 0),
             "NIFTY's exchange has a holiday: its market is closed")
        t.is_(present("collectd_g6_index_last_success_timestamp_seconds",
                      g6_index="NIFTY"), 0.0, "NIFTY collects nothing")
        t.ok(not os.path.exists(os.path.join(d, "data", "snapshots", "NIFTY.json")) and
             os.path.exists(os.path.join(d, "data", "snapshots", "SENSEX.json")),
             "a SENSEX snapshot is written, no NIFTY one")
        t.ok((present("collectd_g6_index_calendar_declared_days", g6_index="NIFTY") or 0) >= 1,
             "the NSE calendar declares entries for this year")
        t.is_(present("collectd_g6_index_calendar_declared_days", g6_index="FINNIFTY"), 0.0,
              "FINNIFTY's calendar declares nothing for this year (metric 0)")
        pattern = (r"\[warning\] g6_chain: FINNIFTY: the OLD calendar \(%s\) has no "
                   r"entries for %d: every weekday 09:15-15:30 IST counts as a session"
                   % (os.path.join(cal, "OLD.txt").replace(".", r"\."), today.year))
        t.ok(cd.wait_log(pattern, 10), "and says so in the log", cd.log()[-2000:])
        t.wait_until(lambda: False, 2)
        n = sum(1 for l in cd.log().splitlines() if "has no entries for" in l)
        t.is_(n, 1, "once, not every cycle")

# ---- an exchange without a calendar file disables g6_chain at init ------------
conf2 = conf.replace('Exchange "OLD"', 'Exchange "MCX"')
with t.MockD() as m2:
    conf2 = conf2.replace(m.url, m2.url)
    cd = t.Collectd(plugins=["g6_chain"], config=conf2,
                    expected_errors=[r"g6_chain", r"Initialization of plugin `g6_chain' failed",
                                     r"one or more plugin init callbacks failed"])
    with cd:
        t.ok(cd.wait_log(r'\[error\] g6_chain: <Index "FINNIFTY">: CalendarDir "%s": the MCX '
                         r'calendar %s: .*; allowed: a directory holding <Exchange>\.txt .*'
                         r'\(g6_chain is disabled; the other plugins keep running\)'
                         % (re.escape(cal), re.escape(os.path.join(cal, "MCX.txt"))), 10),
             "a missing exchange calendar is named at start-up", cd.log()[-2000:])

t.done_testing()
