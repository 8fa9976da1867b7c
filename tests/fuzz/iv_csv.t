#!/usr/bin/env python3
"""libFuzzer on the `g6 iv` batch format and the IV solver behind it: one
output line per input line, solved volatilities reprice, batch == scalar
(bounded time)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzzlib  # noqa: E402

fuzzlib.run("iv_csv", "iv_csv", seconds=8)
