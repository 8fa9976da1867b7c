#!/usr/bin/env python3
"""libFuzzer on the per-strike CSV files read back: row parser, file reader, the book of chains and the analytics on them
(bounded time)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzzlib  # noqa: E402

fuzzlib.run("csv_read", "csv_read", seconds=8)
