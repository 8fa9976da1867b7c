#!/usr/bin/env python3
"""libFuzzer on the plugin option tables' parser, fed random oconfig_item_t
trees and collectd.conf text through every plugin's parse (bounded time)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzzlib  # noqa: E402

fuzzlib.run("options", "options", seconds=8)
