#!/usr/bin/env python3
"""libFuzzer on the /session/token answer g6 kite-token reads: a complete
session or a message without the token (bounded time)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzzlib  # noqa: E402

fuzzlib.run("session", "session", seconds=5)
