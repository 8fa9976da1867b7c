#!/usr/bin/env python3
"""libFuzzer on the metric spec compiler (spec and plans YAML; what lints
generates, deterministically), panel inventories and committed dashboards
(bounded time)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzzlib  # noqa: E402

fuzzlib.run("spec", "spec", seconds=8)
