#!/usr/bin/env python3
"""libg6's layout is its architecture (README "Layout"): one folder of shared/
per concern, and a folder includes only from the folders below it. This test
reads every #include of shared/, plugins/ and tools/ and fails on

  - an include of a g6 folder that the including folder may not use (a lower
    folder including a higher one, or a cycle);
  - a g6 header that does not exist (a stale path after a move);
  - collectd daemon headers or libyaml anywhere in libg6 (libg6 must stay
    free of collectd symbols so its unit tests run without collectd, and
    only the spec compiler in tools/g6/spec/ uses libyaml);
  - libyaml linked into a plugin or into a unit test of the library;
  - a call of asprintf/vasprintf in g6 (the LSan suppressions rely on none).
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import g6test as t  # noqa: E402

# What each folder may include, besides itself. The order is the layering:
# core < math < market < store < metrics < collector < config.
ALLOWED = {
    "core": set(),
    "math": {"core"},
    "market": {"core", "math"},
    "store": {"core", "math", "market"},
    "metrics": {"core"},
    "collector": {"core", "math", "market", "store", "metrics"},
    "config": {"core", "math", "market", "store", "metrics", "collector"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def includes(path):
    with open(path, encoding="utf-8") as f:
        return INCLUDE.findall(f.read())


def sources(top):
    for dirpath, _, files in os.walk(os.path.join(t.ROOT, top)):
        for name in sorted(files):
            if name.endswith((".c", ".h", ".cc")):
                yield os.path.join(dirpath, name)


folders = sorted(d for d in os.listdir(os.path.join(t.ROOT, "shared"))
                 if os.path.isdir(os.path.join(t.ROOT, "shared", d)))
t.is_(sorted(set(folders) - set(ALLOWED)), [],
      "every folder of shared/ has a place in the layering")

bad_layer, missing, forbidden = [], [], []
for top in ("shared", "plugins", "tools", "tests/unit", "bench"):
    for path in sources(top):
        rel = os.path.relpath(path, t.ROOT)
        parts = rel.split(os.sep)
        own = parts[1] if parts[0] == "shared" else None
        for inc in includes(path):
            head = inc.split("/")[0]
            if head in ALLOWED:
                if not os.path.exists(os.path.join(t.ROOT, "shared", inc)):
                    missing.append("%s: %s" % (rel, inc))
                elif own is not None and head != own and \
                        head not in ALLOWED[own]:
                    bad_layer.append("%s (%s) includes %s" % (rel, own, inc))
            if own is not None and (inc.startswith("collectd/core") or
                                    inc == "yaml.h"):
                forbidden.append("%s includes %s" % (rel, inc))
        if own is not None:
            with open(path, encoding="utf-8") as f:
                if re.search(r"#\s*include\s*<yaml\.h>", f.read()):
                    forbidden.append("%s includes <yaml.h>" % rel)

t.is_(bad_layer, [], "no folder of shared/ includes from a folder above it")
t.is_(missing, [], "every g6 include names an existing header")
t.is_(forbidden, [], "libg6 includes neither collectd's daemon headers nor "
      "libyaml")


def needed(binary):
    out = subprocess.run(["readelf", "-d", binary], capture_output=True,
                         text=True).stdout
    return re.findall(r"\(NEEDED\).*\[(.+)\]", out)


plugins = sorted(os.path.join(t.BUILD, "plugins", p)
                 for p in os.listdir(os.path.join(t.BUILD, "plugins"))
                 if p.endswith(".so"))
t.ok(plugins, "plugins are built", "nothing in %s/plugins" % t.BUILD)
linked = ["%s: %s" % (os.path.basename(p), lib) for p in plugins
          for lib in needed(p) if lib.startswith("libyaml")]
t.is_(linked, [], "no plugin links libyaml")
t.ok(any(lib.startswith("libyaml") for lib in
         needed(os.path.join(t.BUILD, "g6"))),
     "the g6 tool (spec compiler) links libyaml")

# tests/reliability/lsan.supp suppresses leaks allocated by glibc's vasprintf
# (librrd's, whose frames LSan cannot see past): that is only safe while g6
# itself never calls asprintf or vasprintf.
callers = []
for top in ("shared", "plugins", "tools"):
    for dirpath, _, files in os.walk(os.path.join(t.ROOT, top)):
        for name in files:
            if name.endswith((".c", ".cc", ".h")):
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8") as f:
                    if re.search(r"\bv?asprintf\s*\(", f.read()):
                        callers.append(os.path.relpath(path, t.ROOT))
t.is_(callers, [], "g6 never calls asprintf/vasprintf (lsan.supp relies on it)")
t.done_testing()
