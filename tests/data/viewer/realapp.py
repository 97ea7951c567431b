"""pyheap_print's real-run sample: regen.sh runs it under pyheap.

Its output, realapp.out, has allocations in the program's own files
(this one and the shop package), in a third-party package (fancylib, in
vendor/site-packages), in the standard library (json) and in frozen
modules (the import system), with two user snapshots.
"""
# SPDX-License-Identifier: GPL-2.0-or-later

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "vendor", "site-packages"))

import json  # noqa: E402
import pyheap  # noqa: E402
import fancylib  # noqa: E402
from shop import cart  # noqa: E402


def build_index(n):
    return {"key%d" % i: [i] * 8 for i in range(n)}


def main():
    index = build_index(2000)
    pyheap.snapshot("indexed")
    basket = cart.Cart()
    for i in range(300):
        basket.add("item%d" % i, i)
    text = json.dumps(index)
    blob = fancylib.compress(text)
    big = bytearray(1 << 20)
    pyheap.snapshot("loaded")
    del big, text
    return index, basket, blob


KEEP = main()
