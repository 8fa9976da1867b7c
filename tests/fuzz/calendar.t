#!/usr/bin/env python3
"""libFuzzer on the exchange calendar parser (bounded time)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzzlib  # noqa: E402

fuzzlib.run("calendar", "calendar", seconds=10)  # a small line-based grammar
