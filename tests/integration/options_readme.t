#!/usr/bin/env python3
"""The README's configuration reference equals the plugins' option tables.

`g6 options --check-readme` compares the generated sections of README.md
with the tables the plugins parse their configuration with, row by row; a
missing option, an extra one, or a default, range or meaning that differs
fails it, naming the option. Negative controls edit a copy of the README."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import g6test as t  # noqa: E402

G6 = os.path.join(t.BUILD, "g6")
README = os.path.join(t.ROOT, "README.md")


def check(path):
    p = subprocess.run([G6, "options", "--check-readme", path],
                       capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout + p.stderr


rc, out = check(README)
t.is_(rc, 0, "README.md matches the option tables")
t.diag(out.strip())

with open(README, encoding="utf-8") as f:
    text = f.read()
d = t.workdir()


def variant(name, new_text):
    path = os.path.join(d, name + ".md")
    with open(path, "w", encoding="utf-8") as f:
        f.write(new_text)
    return check(path)


# a default that differs
changed = text.replace("| `Timeout` | `4` |", "| `Timeout` | `5` |", 1)
t.ok(changed != text, "the Timeout row is in the README")
rc, out = variant("default", changed)
t.ok(rc == 1 and "option Timeout differs" in out,
     "a changed default is found and named", out)

# a range that differs
changed = re.sub(r"(\| `StrikesAboveATM` \| `10` \| )0 … 500", r"\g<1>0 … 50",
                 text, count=1)
rc, out = variant("range", changed)
t.ok(rc == 1 and "option StrikesAboveATM differs" in out,
     "a changed range is found and named", out)

# an option missing from the README
changed = re.sub(r"\| `CacheTTL` \|[^\n]*\n", "", text, count=1)
rc, out = variant("missing", changed)
t.ok(rc == 1 and "option CacheTTL is missing from the README" in out,
     "a missing option is found and named", out)

# an option the tables do not have
changed = text.replace("| `CacheTTL` |", "| `CacheTTL2` | — | x | y |\n| `CacheTTL` |", 1)
rc, out = variant("extra", changed)
t.ok(rc == 1 and "option CacheTTL2, which no table has" in out,
     "an option only the README lists is found and named", out)

# a whole section missing
changed = re.sub(r"<!-- g6 options g6_chain -->.*?<!-- end g6 options -->",
                 "", text, count=1, flags=re.S)
rc, out = variant("nosection", changed)
t.ok(rc == 1 and "g6_chain: README has no section" in out,
     "a missing section is reported", out)

# --update-readme restores the edited copy
path = os.path.join(d, "default.md")
subprocess.run([G6, "options", "--update-readme", path], check=True, timeout=30)
rc, out = check(path)
t.is_(rc, 0, "--update-readme regenerates the sections")

# g6 options prints every option of the tables with type, default, allowed
p = subprocess.run([G6, "options", "g6_chain"], capture_output=True,
                   text=True, timeout=30)
t.ok(p.returncode == 0 and "Timeout (number)  default 4; allowed: 0.05 … 300 s"
     in p.stdout, "g6 options g6_chain lists name, type, default, allowed",
     p.stdout[:2000])
p = subprocess.run([G6, "options", "nosuch"], capture_output=True, text=True,
                   timeout=30)
t.ok(p.returncode == 2 and 'unknown plugin "nosuch"' in p.stderr,
     "an unknown plugin is a usage error")

# the README check covers every table: a PLUGIN or --markdown beside it was
# silently ignored (the check passed for the operator who meant one plugin)
for args, want in [(["--check-readme", README, "g6_chain"],
                    '--check-readme takes no other argument (got "g6_chain")'),
                   (["--markdown", "--update-readme", README],
                    '--update-readme takes no other argument (got "--markdown")'),
                   (["--check-readme"], "--check-readme needs a FILE"),
                   (["g6_chain", "g6_panels"],
                    'one PLUGIN at most ("g6_chain", then "g6_panels")'),
                   (["--bogus"], 'unknown option "--bogus"')]:
    p = subprocess.run([G6, "options"] + args, capture_output=True, text=True, timeout=30)
    t.ok(p.returncode == 2 and p.stderr.startswith("g6 options: " + want),
         "g6 options %s exits 2 naming the problem" % " ".join(args), p.stderr[:300])
t.done_testing()
