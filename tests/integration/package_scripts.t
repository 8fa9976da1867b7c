#!/usr/bin/env python3
"""The maintainer scripts' handling of the collectd snippets, case by case,
on a scratch copy of /etc/collectd/collectd.conf.d: debian/g6.preinst and
debian/g6.postrm run with /bin/sh exactly as dpkg runs them, their CONFD
pointed at a temporary directory (nothing of the host is touched; the
package itself goes through package_install.t). The cases are those dpkg
reaches besides a plain remove and reinstall: an operator who made a
snippet again after the removal, then a failed reinstall (abort-install),
a second removal, and the purge."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import g6test as t  # noqa: E402

d = t.workdir("g6-pkg-scripts-")
confd = os.path.join(d, "collectd.conf.d")
os.makedirs(confd)


def script(name):
    """The script with CONFD pointed at the scratch directory, and the
    debhelper token and purge's /etc/g6, /var/lib/g6 lines kept off the
    host (the snippet lines are what is tested)."""
    text = open(os.path.join(t.ROOT, "debian", name)).read()
    text, n = re.subn(r"^CONFD=.*$", "CONFD=%s" % confd, text, flags=re.M)
    assert n == 1, name
    text = text.replace("/var/lib/g6", os.path.join(d, "var-lib-g6"))
    text = text.replace("/etc/g6", os.path.join(d, "etc-g6"))
    text = text.replace("/usr/share/debconf/confmodule", os.path.join(d, "no-debconf"))
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text)
    return path


preinst, postrm = script("g6.preinst"), script("g6.postrm")


def run(path, *args):
    p = subprocess.run(["/bin/sh", "-e", path] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def write(name, text):
    with open(os.path.join(confd, name), "w") as f:
        f.write(text)


def files():
    return {n: open(os.path.join(confd, n)).read() for n in sorted(os.listdir(confd))}


# installed, the operator's edited g6_chain.conf enabled
write("g6.conf", "g6\n")
write("g6_chain.conf", "EDITED chain\n")
rc, out = run(postrm, "remove")
t.is_(rc, 0, "remove")
t.is_(files(), {"g6.conf.g6-removed": "g6\n", "g6_chain.conf.g6-removed": "EDITED chain\n"},
      "remove disables every snippet")
rc, out = run(postrm, "remove")
t.is_((rc, sorted(files())), (0, ["g6.conf.g6-removed", "g6_chain.conf.g6-removed"]),
      "a second remove changes nothing")

# the operator makes g6_chain.conf again, then installs g6: preinst keeps
# both copies of it and enables g6.conf
write("g6_chain.conf", "NEW chain\n")
rc, out = run(preinst, "install", "0.1.0")
t.is_(rc, 0, "preinst install")
t.is_(files(), {"g6.conf": "g6\n", "g6_chain.conf": "NEW chain\n",
                "g6_chain.conf.g6-removed": "EDITED chain\n"},
      "preinst enables g6.conf and keeps both g6_chain.conf copies")
t.ok("exists (made after g6 was removed)" in out, "and says so", out)

# the unpack fails: abort-install disables what preinst enabled, nothing else
rc, out = run(postrm, "abort-install", "0.1.0")
t.is_(rc, 0, "postrm abort-install")
t.is_(files(), {"g6.conf.g6-removed": "g6\n", "g6_chain.conf": "NEW chain\n",
                "g6_chain.conf.g6-removed": "EDITED chain\n"},
      "abort-install disables only g6.conf: the operator's new snippet stays enabled "
      "and the earlier edited copy is not overwritten")

# a second removal (g6 installed again meanwhile): the earlier disabled copy
# is kept under another name, never overwritten
rc, out = run(preinst, "install", "0.1.0")
rc, out = run(postrm, "remove")
t.is_(rc, 0, "remove again")
got = files()
older = [n for n in got if n.startswith("g6_chain.conf.g6-removed.")]
t.ok(got.get("g6_chain.conf.g6-removed") == "NEW chain\n" and len(older) == 1 and
     got[older[0]] == "EDITED chain\n",
     "the new snippet is disabled, the earlier copy kept as %s" % (older or "?"), got)
t.ok(not [n for n in got if n.endswith(".conf")], "nothing is left enabled", got)

# purge removes every copy
rc, out = run(postrm, "purge")
t.is_((rc, files()), (0, {}), "purge removes the disabled snippets and their older copies")

# every README section a package script or template names exists, as a
# heading of the README the package ships (debian/g6.docs)
with open(os.path.join(t.ROOT, "README.md")) as f:
    headings = set(m.group(1).strip() for m in re.finditer(r"^#+ (.+)$", f.read(), re.M))
named = []
for name in sorted(os.listdir(os.path.join(t.ROOT, "debian"))):
    path = os.path.join(t.ROOT, "debian", name)
    if not name.startswith("g6.") or not os.path.isfile(path):
        continue
    with open(path) as f:
        text = f.read()
    for m in re.finditer(r'README\.md(?:\.gz)?[^"\n]*?\\?"([^"\\]+)\\?"', text):
        named.append((name, m.group(1)))
t.ok(named, "the package scripts name README sections (%r)" % named)
for name, section in named:
    t.ok(section in headings, "debian/%s names the README section \"%s\", which exists"
         % (name, section), sorted(headings)[:80])

t.done_testing()
