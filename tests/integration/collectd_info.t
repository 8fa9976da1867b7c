#!/usr/bin/env python3
"""A g6 plugin loads into the real collectd; its value reaches /metrics under
the documented name and labels, and the rrdtool plugin stores it."""
import glob
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

version = open(os.path.join(t.ROOT, "VERSION")).read().strip()

with t.Collectd(plugins=["g6_info"]) as cd:
    found = cd.wait_for("collectd_g6_build_info", g6=version, instance="g6test")
    t.ok(len(found) == 1, "collectd_g6_build_info{g6=\"%s\"} exported" % version,
         cd.scrape())
    t.is_(found[0].value if found else None, 1.0, "build info value is 1")
    t.ok(found and found[0].timestamp is not None,
         "write_prometheus attaches a timestamp")
    rrd = t.wait_until(lambda: glob.glob(os.path.join(
        cd.rrd_dir, "g6test", "g6-" + version, "build_info.rrd")), 15)
    t.ok(rrd, "rrdtool wrote g6-%s/build_info.rrd" % version)
    t.ok(cd.wait_log(r'plugin "g6_info" successfully loaded', 5),
         "collectd logged the plugin load")

# g6's types.db not listed: collectd would drop every g6 value; the plugin
# says so once, as an error naming the fix, and its init fails
# (tests/integration/types_db_check.t: `collectd -T` exits 1)
empty = os.path.join(t.workdir(), "empty-types.db")
open(empty, "w").close()
with t.Collectd(plugins=["g6_info"], types_db=empty,
                expected_errors=[r"g6_info: collectd does not know",
                                 r"Initialization of plugin `g6_info' failed",
                                 r"one or more plugin init callbacks failed"]) as cd:
    t.ok(cd.wait_log(r'\[error\] g6_info: collectd does not know \d+ of its \d+ types '
                     r'\("build_info" first\): g6\'s types.db is not loaded; list it '
                     r'after the stock one', 10),
         "without g6's types.db the plugin logs one error naming the fix", cd.log())
    t.wait_until(lambda: False, 2)
    t.ok(not t.select(cd.samples(), "collectd_g6_build_info"),
         "and indeed nothing of g6 reaches /metrics")

# g6_info has no options: one in its block is refused with one error naming
# it, and disables g6_info alone; collectd and its other plugins keep
# running (without a config callback collectd refused the whole file and
# exited)
conf = """
PluginDir "%s"
LoadPlugin load
<Plugin g6_info>
  Foo 1
</Plugin>
""" % t.STOCK_PLUGINDIR
with t.Collectd(plugins=["g6_info"], config=conf,
                expected_errors=[r"g6_info: .*unknown option Foo",
                                 r"Initialization of plugin `g6_info' failed",
                                 r"one or more plugin init callbacks failed"]) as cd:
    t.ok(cd.wait_for("collectd_load_shortterm"),
         "collectd runs, and a stock plugin beside g6_info exports", cd.log())
    errors = [l for l in cd.log().splitlines() if "[error] g6" in l]
    t.ok(len(errors) == 1, "one error line", errors)
    t.ok(errors and re.search(
        r'g6_info: Plugin "g6_info": unknown option Foo; this block takes no '
        r'options \(g6_info is disabled; the other plugins keep running\)', errors[0]),
        "it names the option and says the block takes none", errors)
    t.ok(not t.select(cd.samples(), "collectd_g6_build_info"),
         "g6_info exports nothing")
    t.ok("No such read function" not in cd.log(),
         "and collectd unloads it without a warning", cd.log())
# `collectd -T` checks the configuration: exit 1 for the refused option
rc = cd.test_run()
t.is_(rc, 1, "collectd -T exits 1 on g6_info's bad option")

t.done_testing()
