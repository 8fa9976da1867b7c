#!/usr/bin/env python3
"""`collectd -T` (README's configuration check) on a configuration without
g6's types.db: every g6 plugin's init fails, since collectd would drop its
every value, so -T exits 1 and the log names the fix. A collectd daemon on
that configuration keeps g6_chain collecting: its CSV rows and snapshots do
not need the metrics, and stopping them over an export setting would lose
market data. A types.db that lacks only some of a plugin's types (another
g6 version's) is an error line, and the plugin still runs (-T exits 0)."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

PLUGINS = ["g6_info", "g6_analytics", "g6_panels", "g6_retention"]


def config(d):
    return """
<Plugin g6_analytics>
  DataDir "{d}/data"
</Plugin>
<Plugin g6_panels>
  PanelsDir "{d}/panels"
</Plugin>
<Plugin g6_retention>
  DataDir "{d}/data"
  PanelsDir "{d}/panels"
</Plugin>
""".format(d=d)


d = t.workdir()
os.makedirs(os.path.join(d, "data"))

# with g6's types.db: the check passes
cd = t.Collectd(plugins=PLUGINS, config=config(d), rrd=False)
rc = cd.test_run()
t.is_(rc, 0, "collectd -T exits 0 with g6's types.db")
t.ok("does not know" not in cd.log(), "and no plugin misses a type", cd.log())

# without it: every plugin's init fails, -T exits 1
empty = os.path.join(d, "empty-types.db")
open(empty, "w").close()
cd = t.Collectd(plugins=PLUGINS, config=config(d), rrd=False, types_db=empty)
rc = cd.test_run()
t.is_(rc, 1, "collectd -T exits 1 without g6's types.db")
log = cd.log()
for p in PLUGINS:
    t.ok(re.search(r"\[error\] %s: collectd does not know (\d+) of its \1 types "
                   r"\(\"[a-z_]+\" first\): g6's types.db is not loaded; list it "
                   r"after the stock one.*the configuration check fails \(the plugin's init "
                   r"fails\)" % p,
                   log),
         "%s: one error naming the fix and saying the check fails" % p, log)
    t.ok(re.search(r"Initialization of plugin `%s' failed" % p, log),
         "%s: its init failed" % p, log)
    own = [l for l in log.splitlines() if re.search(r"\[error\] %s( plugin)?: " % p, l)]
    t.ok(len(own) == 1, "%s: and that is its one error line (no second line suggesting "
         "another problem)" % p, "\n".join(own))

# the daemon on the same types.db: g6_chain runs on and writes its files
with t.MockD() as m:
    keyf, tokf = m.write_credentials(d)
    data = os.path.join(d, "chain-data")
    conf = t.chain_config(data, m, keyf, tokf, plugin="ForceOpen true", indices=[(
        "NIFTY", 'StrikesBelowATM 2\nStrikesAboveATM 2\nExpiry "this_week"\nInterval 1')])
    with t.Collectd(plugins=["g6_chain"], config=conf, rrd=False, types_db=empty,
                    expected_errors=[r"g6_chain: collectd does not know"]) as cd:
        t.ok(t.next_snapshot(data, "NIFTY", 1), "the daemon: g6_chain writes snapshots "
             "without g6's types.db", cd.log()[-2000:])
        t.ok(re.search(r"\[error\] g6_chain: collectd does not know (\d+) of its \1 "
                       r"types .*the plugin runs on, exporting nothing \(its files "
                       r"are still written\)", cd.log()),
             "and the error says it runs on, exporting nothing", cd.log()[-2000:])
        t.ok("Initialization of plugin `g6_chain' failed" not in cd.log(),
             "its init did not fail")

# a types.db lacking one of g6_info's types (another g6 version): an error,
# but g6_info keeps its other values and -T passes
src = open(os.path.join(t.ROOT, "types.db")).read().splitlines()
partial = os.path.join(d, "partial-types.db")
with open(partial, "w") as f:
    f.write("\n".join(l for l in src if not l.startswith("build_info")) + "\n")
cd = t.Collectd(plugins=["g6_info"], rrd=False, types_db=partial)
rc = cd.test_run()
t.is_(rc, 0, "collectd -T exits 0 when only some of a plugin's types are missing")
t.ok(re.search(r"\[error\] g6_info: collectd does not know 1 of its \d+ types "
               r"\(\"build_info\" first\).*values of the other types are kept",
               cd.log()), "and the error says what is kept", cd.log())

t.done_testing()
