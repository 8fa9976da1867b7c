#!/usr/bin/env python3
"""libFuzzer on the chain snapshot reader, with the writer round trip
(bounded time)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzzlib  # noqa: E402

fuzzlib.run("snapshot", "snapshot")
