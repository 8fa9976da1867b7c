#!/usr/bin/env python3
"""The bad-configuration matrix in the real collectd: the glue.

tests/unit/config/test_config_matrix.c refuses every option of every plugin
with a wrong type, out-of-range values, no value and an unknown key
(generated from the option tables, through each plugin's parse function).
Here a sample of those kinds goes through the real collectd with every g6
plugin loaded, one plugin misconfigured per round: that plugin logs one
error line naming the option and the value as written and disables itself
(none of its series, no files), while collectd and the other g6 plugins
keep running and exporting (each plugin's metric runtime exports
collectd_g6_metrics_admitted_series{g6_metrics="<plugin>"}, so which
plugins run is visible on /metrics), and collectd adds no warning about
read callbacks it could not find to unregister. A secret given to a bad
option never reaches the log. (A key with no value at all is a syntax error of
collectd.conf that collectd itself refuses before any plugin sees it: the
real-collectd sample has an empty value and a block without its name.)"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t  # noqa: E402

PLUGINS = ["g6_chain", "g6_analytics", "g6_panels", "g6_retention", "g6_info"]
SECRET = "matrix-secret-93f1c0"

d = t.workdir()
data = os.path.join(d, "data")
os.makedirs(data)

with t.MockD() as m:
    keyf, tokf = m.write_credentials(d)

    def blocks(chain_index="", chain_provider="", analytics="", panels="", retention=""):
        return t.chain_config(data, m, keyf, tokf, plugin="ForceOpen true",
                              provider=chain_provider, indices=[("NIFTY", """
            StrikesBelowATM 2
            StrikesAboveATM 2
            Interval 1
            """ + chain_index)]) + t.plugins_config(
            data, os.path.join(d, "panels"), analytics="Interval 1\n" + analytics,
            panels="FlushInterval 1\n" + panels, retention="ScanInterval 2\n" + retention)

    ROUNDS = [
        # plugin, kind, blocks(...), what the one error line must say
        ("g6_chain", "wrong type", blocks(chain_index='StrikesBelowATM "abc"'),
         'Plugin "g6_chain" / Index "NIFTY": option StrikesBelowATM = "abc": not a number'),
        ("g6_chain", "missing required group",
         blocks().replace('AccessTokenFile "%s"' % tokf, ""),
         'Plugin "g6_chain" / Provider "kite": AccessToken or AccessTokenFile is required'),
        ("g6_chain", "secret of the wrong type",
         blocks(chain_provider='AccessToken %s' % "123456789"),
         'option AccessToken = (hidden): expected a single quoted string'),
        ("g6_panels", "out of range", blocks(panels="FlushInterval 0"),
         'Plugin "g6_panels": option FlushInterval = 0: out of range'),
        ("g6_analytics", "unknown key", blocks(analytics='Groupz "pcr"'),
         'Plugin "g6_analytics": unknown option Groupz; allowed: DataDir, Index'),
        ("g6_retention", "empty value", blocks(retention='PanelsDir ""'),
         'Plugin "g6_retention": option PanelsDir = "": empty string'),
        ("g6_chain", "block without its name",
         blocks().replace('<Index "NIFTY">', "<Index>"),
         'Plugin "g6_chain": option Index = (nothing): a block needs one name'),
        ("g6_retention", "out of range (a secret elsewhere stays hidden)",
         blocks(retention="MaxAgeDays -1", chain_provider='APIKey "%s"' % SECRET),
         'option MaxAgeDays = -1: out of range; allowed: an integer from 0 to 36500'),
        # every plugin refuses a second block alike; g6_info took two empty
        # ones silently
        ("g6_info", "block given twice",
         blocks() + "<Plugin g6_info>\n</Plugin>\n<Plugin g6_info>\n</Plugin>\n",
         '<Plugin g6_info> is given twice; allowed: one block per plugin'),
        ("g6_analytics", "block given twice",
         blocks() + '<Plugin g6_analytics>\n  DataDir "%s"\n</Plugin>\n' % data,
         '<Plugin g6_analytics> is given twice; allowed: one block per plugin'),
    ]

    for plugin, kind, conf, want in ROUNDS:
        cd = t.Collectd(plugins=PLUGINS, config=conf, expected_errors=[
            r"%s: .*is disabled; the other plugins keep running" % plugin,
            r"Initialization of plugin `%s' failed" % plugin,
            r"Error: one or more plugin init callbacks failed"])
        up = cd.start()
        t.ok(up, "%s, %s: collectd starts" % (plugin, kind))
        line = cd.wait_log(r"\[error\] %s: .*is disabled" % plugin, 10)
        errors = [l for l in cd.log().splitlines() if "[error] %s:" % plugin in l]
        t.ok(len(errors) == 1 and want in errors[0],
             "%s, %s: one error line naming the option and the value" % (plugin, kind),
             "want: %s\ngot:\n%s" % (want, "\n".join(errors)))
        # collectd unloading the plugin found what it looks for: no second
        # line ("No such read function: <plugin>") under the plugin's own
        unloaded = t.unload_warnings(cd.log(), plugin)
        t.ok(not unloaded, "%s, %s: no warning of collectd's about its read "
             "callbacks" % (plugin, kind), "\n".join(unloaded))
        others = [p for p in PLUGINS if p != plugin]

        def running():
            found = {s.labels.get("g6_metrics") for s in cd.samples()
                     if s.name == "collectd_g6_metrics_admitted_series"}
            return found if set(others) <= found else None
        got = t.wait_until(running, 15) or set()
        t.ok(set(others) <= got and plugin not in got,
             "%s, %s: the other g6 plugins keep running, %s does not" % (plugin, kind, plugin),
             "runtimes on /metrics: %s" % sorted(got))
        cd.stop()
        t.ok(SECRET not in cd.log() and "123456789" not in cd.log() and
             m.api_key not in cd.log() and m.access_token not in cd.log(),
             "%s, %s: no secret in the log" % (plugin, kind))
        bad = cd.unexpected_errors()
        t.ok(not bad, "%s, %s: no other error" % (plugin, kind), "\n".join(bad[:10]))
t.done_testing()
