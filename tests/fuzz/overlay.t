#!/usr/bin/env python3
"""libFuzzer on the weekday overlays reading a day's CSV, a master and its state files; applying a day twice counts it once
(bounded time)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzzlib  # noqa: E402

fuzzlib.run("overlay", "overlay", seconds=8)
