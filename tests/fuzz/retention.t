#!/usr/bin/env python3
"""libFuzzer on the data directory's layout grammar and a pruning sweep
over a tree built from it: exactly the prunable files are deleted, never
through a symlink or out of DataDir, the latest snapshot never (bounded
time)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzzlib  # noqa: E402

fuzzlib.run("retention", "retention", seconds=8)
