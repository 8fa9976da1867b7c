"""Runs one libFuzzer target for a bounded time on a scratch copy of its seed
corpus and reports TAP (used by tests/fuzz/*.t)."""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import g6test as t  # noqa: E402


def run(target, corpus, seconds=10):
    """`seconds` is the target's time in `make check`; G6_FUZZ_SECONDS
    (`make fuzz FUZZ_SECONDS=N`) overrides it for every target."""
    seconds = int(os.environ.get("G6_FUZZ_SECONDS", seconds))
    binary = t.build_path("fuzz", "fuzz_" + target)
    if not os.path.exists(binary):
        t.skip_all("%s not built (make %s)" % (binary, binary))
    seeds = os.path.join(t.ROOT, "tests", "fuzz", "corpus", corpus)
    work = t.workdir("g6-fuzz-%s-" % target)
    scratch = os.path.join(work, "corpus")
    shutil.copytree(seeds, scratch)
    n_seeds = len(os.listdir(scratch))
    t.ok(n_seeds >= 2, "%d seed inputs (tests/fuzz/corpus/%s)" % (n_seeds, corpus))
    argv = [binary, "-max_total_time=%d" % seconds, "-timeout=10",
            "-rss_limit_mb=2048", "-max_len=65536", "-print_final_stats=1",
            "-artifact_prefix=" + work + "/", scratch]
    t.diag(" ".join(argv))
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=seconds + 120)
        out = p.stdout.decode("utf-8", "replace")
        rc = p.returncode
    except subprocess.TimeoutExpired:
        out, rc = "timed out", -1
    runs = [line for line in out.splitlines() if "stat::number_of_executed_units" in line]
    t.diag(runs[0] if runs else "no final stats")
    crashed = [f for f in os.listdir(work) if f.startswith(("crash-", "leak-", "timeout-", "oom-"))]
    if not t.ok(rc == 0 and not crashed,
                "fuzz_%s ran %d s without crash, leak or sanitizer report" %
                (target, seconds)):
        t.diag("\n".join(out.splitlines()[-60:]))
        # the scratch directory goes at exit: findings are kept under the
        # build directory, to be added to the seed corpus once fixed
        kept = t.build_path("fuzz", "findings", target)
        os.makedirs(kept, exist_ok=True)
        for f in crashed:
            shutil.copy(os.path.join(work, f), kept)
            t.diag("finding kept: %s" % os.path.join(kept, f))
    executed = int(runs[0].split(":")[-1]) if runs else 0
    # it mutated beyond its seeds; not a speed bar (a loaded 2-core machine
    # ran the panels target, which writes files per input, 693 times in 8 s)
    t.ok(executed >= n_seeds + 100, "fuzz_%s executed %d inputs (%d seeds)"
         % (target, executed, n_seeds))
    t.done_testing()
