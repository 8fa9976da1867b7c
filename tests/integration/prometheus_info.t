#!/usr/bin/env python3
"""The real Prometheus server scrapes collectd's write_prometheus and returns
a g6 plugin's value with collectd's own instance label (honor_labels)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t

version = open(os.path.join(t.ROOT, "VERSION")).read().strip()

with t.Collectd(plugins=["g6_info"], hostname="g6host1") as cd:
    with t.Prometheus(["127.0.0.1:%d" % cd.port]) as prom:
        res = prom.wait_query('collectd_g6_build_info{g6="%s"}' % version, 60)
        t.is_(len(res), 1, "Prometheus returns one build_info series")
        if res:
            t.is_(res[0]["metric"].get("instance"), "g6host1",
                  "instance label is collectd's Hostname")
            t.is_(float(res[0]["value"][1]), 1.0, "value is 1")
        up = prom.wait_query('up{job="collectd"} == 1', 20)
        t.ok(up, "Prometheus sees the collectd target up")

t.done_testing()
