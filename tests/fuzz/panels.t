#!/usr/bin/env python3
"""libFuzzer on a panel directory: manifest, signature and panel files read
by the integrity check, `g6 summary`, the schemas, and the writer taking the
directory over, whose set must then verify (bounded time)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzzlib  # noqa: E402

fuzzlib.run("panels", "panels", seconds=8)
