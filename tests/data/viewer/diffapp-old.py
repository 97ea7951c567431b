"""The --diff sample: regen.sh runs two versions of it as diffapp.py.

diffapp-old.py and diffapp-new.py differ in lines 26-29 only: in the new
one, line 27 allocates more, line 28 is removed, line 29 is added (line
26 is a comment).  Every other line is the same, at the same line number,
this docstring too: it is data that the run allocates.
"""
# SPDX-License-Identifier: GPL-2.0-or-later

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "vendor", "site-packages"))

import pyheap  # noqa: E402


def grow(n):
    return [str(i) * 3 for i in range(n)]


keep_a = grow(1000)
keep_b = {i: bytes(40) for i in range(300)}

# Old version: the lines that change.
keep_c = [0] * 2000
keep_d = bytearray(5000)

pyheap.snapshot("end")
