#!/usr/bin/env python3
"""libFuzzer on the Kite quote JSON parser, simdjson fast path against the
yajl reference (bounded time)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzzlib  # noqa: E402

fuzzlib.run("quote", "quote")
