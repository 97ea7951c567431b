"""pyheap: allocations of two Python threads are attributed to each thread's own line."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Two worker threads build data in lockstep (a 2-party barrier after every
# round makes them interleave: the GIL, and Valgrind's scheduler, switch
# between them many times while both allocate), then wait on a 3-party
# barrier with the main thread, which takes the labelled snapshot while
# both threads are alive and blocked.
#   worker_alpha: strings of 120+ chars (pymalloc blocks, 160-odd bytes each)
#   worker_beta:  bytes objects of 700+ bytes (python-large blocks)
# Each worker appends its items to a list on that same line, so the line
# holds exactly: the items (sum of sys.getsizeof: str and bytes are not GC
# objects, so getsizeof is the allocation) + the list's item buffer
# (getsizeof(list) - getsizeof([])), one block per item plus one.
# Nothing else may be born there: an object that a CPython free list keeps
# is never freed to the allocator, so one first allocated on a worker's
# line would stay live there, reused by whichever thread pops it next --
# as often as the free list happens to run empty, which differs from run
# to run once two threads interleave.  So the loops (their iterators, and
# 3.14+'s free-listed ints) are on lines of their own, there is no
# temporary list (lists have a free list), and the items are made by
# concatenation and repetition rather than by calling bytes(n), whose
# argument tuple comes from the tuple free list (seen on 3.15: a 56-byte
# 1-tuple left on beta's line in about one run in six).
# A tool that took the stack of the wrong thread (say the GIL holder's, or
# the main thread's) would put these bytes on the other worker's line or on
# the main thread's barrier line.
# Each round, each worker also mallocs a known number of bytes through
# ctypes, which releases the GIL around the call: at that moment the
# allocating thread holds no GIL, so only a stack walk that finds the
# thread's own state (by OS thread id) names the right line.

import os
import re

import support

SCRIPT = r'''
import ctypes
import json
import sys
import threading

import pyheap

libc = ctypes.CDLL(None)        # CDLL: the GIL is released during the call
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
ROUNDS = 12
RAW = {"alpha": 3001, "beta": 5003}
# The items' sizes and suffixes are made here, not on the workers' lines:
# a temporary int made there and freed could stay in 3.14+'s int free
# list, live and filed under that line, as much as free-list state allows
# -- which differs from run to run once two threads interleave.
SUFFIXES = [[str(r * 1000 + i) for i in range(250)] for r in range(ROUNDS)]  # LINE:suffixes
SIZES = [[700 + 13 * i + r for i in range(40)] for r in range(ROUNDS)]       # LINE:sizes
PREFIX = "a" * 120
Z = b"\0"
step = threading.Barrier(2)
ready = threading.Barrier(3)
finish = threading.Barrier(3)
RESULT = {}


def worker_alpha():
    items, raw = [], []
    for r in range(ROUNDS):
        for suffix in SUFFIXES[r]:
            items.append(PREFIX + suffix)                               # LINE:alpha
        raw.append(libc.malloc(RAW["alpha"] + r))                       # LINE:alpha_raw
        step.wait()
    RESULT["alpha"] = items
    RESULT["alpha_raw"] = raw
    ready.wait()
    finish.wait()


def worker_beta():
    items, raw = [], []
    for r in range(ROUNDS):
        for size in SIZES[r]:
            items.append(Z * size)                                      # LINE:beta
        raw.append(libc.malloc(RAW["beta"] + r))                        # LINE:beta_raw
        step.wait()
    RESULT["beta"] = items
    RESULT["beta_raw"] = raw
    ready.wait()
    finish.wait()


threads = [threading.Thread(target=worker_alpha, name="alpha"),
           threading.Thread(target=worker_beta, name="beta")]
for t in threads:
    t.start()
ready.wait()                                                            # LINE:main_wait
pyheap.snapshot("both-alive")
finish.wait()
for t in threads:
    t.join()
facts = {}
for name in ("alpha", "beta"):
    items = RESULT[name]
    facts[name] = {
        "count": len(items),
        "items": sum(sys.getsizeof(x) for x in items),
        "buffer": sys.getsizeof(items) - sys.getsizeof([]),
        "raw": sum(RAW[name] + r for r in range(ROUNDS)),
        "raw_count": len(RESULT[name + "_raw"]),
    }
with open(sys.argv[1], "w") as f:
    json.dump(facts, f)
'''


class ThreadsTest(support.ToolTestCase):
    """Each thread's line gets its own bytes, no cross-attribution."""

    def test_two_threads(self):
        """Two interleaved workers: exact bytes on each worker's line, nothing elsewhere."""
        lines = support.marker_lines(SCRIPT)
        res, facts = support.run_with_facts(self, SCRIPT, self.workdir)
        path = os.path.join(self.workdir, "prog.py")
        self.assertEqual(facts["alpha"]["count"], 12 * 250)
        self.assertEqual(facts["beta"]["count"], 12 * 40)

        rows = support.viewer_json(res.outfile, at="both-alive")
        for name, function, item_class in (("alpha", "worker_alpha", "pymalloc"),
                                           ("beta", "worker_beta", "python-large")):
            with self.subTest(thread=name):
                row = self.one_row(rows, "prog.py", lines[name])
                self.assertEqual(row["function"], function, row)
                fact = facts[name]
                # The items are pymalloc (str) or python-large (bytes) as
                # chosen; the item buffer is > 512 bytes: python-large.
                # Exactly that, to the byte and the block.
                by_class = {"raw": 0, "pymalloc": 0, "python-large": fact["buffer"]}
                by_class[item_class] += fact["items"]
                self.assertEqual({c: row["by_class"][c] for c in by_class}, by_class, row)
                self.assertEqual(row["bytes"], fact["items"] + fact["buffer"], row)
                self.assertEqual(row["blocks"], fact["count"] + 1, row)

        # The ctypes mallocs ran with the GIL released (no thread is the
        # GIL holder then): each is raw on its own thread's line.
        for name, function in (("alpha_raw", "worker_alpha"), ("beta_raw", "worker_beta")):
            with self.subTest(thread=name):
                row = self.one_row(rows, "prog.py", lines[name])
                self.assertEqual(row["function"], function)
                fact = facts[name.split("_")[0]]
                self.assertEqual(fact["raw_count"], 12)
                self.assertEqual(row["by_class"]["raw"], fact["raw"], row)

        # Nothing of the workers' data lands on the main thread's lines
        # (but the two that make the workers' inputs).
        inputs = {"%s:%d" % (path, lines[n]) for n in ("suffixes", "sizes")}
        main_lines = [r for r in rows if re.search(r"(^|/)prog\.py:\d+$", r["location"])
                      and r["function"] == "<module>" and r["location"] not in inputs]
        self.assertLess(sum(r["bytes"] for r in main_lines), 4096, main_lines)
        # Nor anywhere else: the two lines are the only ones of the workers.
        worker_rows = [r for r in rows if r["function"].startswith("worker_")]
        self.assertEqual(sorted(set(r["location"].rsplit(":", 1)[1] for r in worker_rows
                                    if r["bytes"] > 1024)),
                         sorted(str(lines[n]) for n in ("alpha", "beta",
                                                        "alpha_raw", "beta_raw")))
