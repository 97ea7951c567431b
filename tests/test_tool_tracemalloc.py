"""pyheap: per-line Python-domain bytes agree with tracemalloc's on the same workload."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The same script runs twice with PYTHONHASHSEED=0:
#   - natively with `-X tracemalloc=1`: at the label point it takes
#     tracemalloc.take_snapshot() and writes statistics("lineno") to JSON;
#   - under pyheap: at the same point it calls pyheap.snapshot("label").
# Both runs import the same modules before the workload (tracemalloc,
# pyheap -> ctypes), so the interpreter's free lists are in the same state
# and the workload allocates the same blocks.
#
# What is compared with what:
#   - tracemalloc traces the RAW, MEM and OBJ domains alike (all in its
#     default domain 0); it does not see plain malloc() from C code.
#   - pyheap sees everything; its class `raw` mixes PyMem_RawMalloc with
#     plain malloc, `pymalloc` + `python-large` are exactly the MEM and OBJ
#     domains.
# So the like-for-like comparison is tracemalloc's size for a line against
# pyheap's pymalloc + python-large for that line, on a workload that makes
# no PyMem_Raw* calls (lists, dicts, sets, str, bytes, bytearray, tuples,
# floats, ints, class instances: all MEM/OBJ).  The test also checks that
# pyheap's raw bytes on those lines are zero, which confirms the premise.
# Both tools report requested sizes (not size-class slots) and name the
# innermost Python frame's current line.  tracemalloc's own frames and
# importlib's are dropped from its statistics before the top 10 is taken
# (the import machinery's lines are not the workload's business), and so
# is "<unknown>", its name for blocks allocated with no Python frame; each
# of the 10 lines is then looked up in pyheap's report.
# What remains different between the two runs is the interpreter's state
# before the workload: -X tracemalloc changes start-up a little, so the
# free lists (tuples, lists, floats, dicts) do not hold exactly the same
# objects and a few dozen objects per line are recycled in one run and
# newly allocated in the other: well under 1% of each line.

import json
import os
import subprocess

import support

SCRIPT = r'''
import json
import sys
import tracemalloc

import pyheap

KEEP = []


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y


def dicts():
    return [{"id": i, "name": "n%d" % i} for i in range(3000)]        # LINE:dicts


def lists():
    return [list(range(300, 300 + i % 50)) for i in range(1500)]    # LINE:lists


def strings():
    return ["x" * (i % 900) + "y" for i in range(1200)]                # LINE:strings


def blobs():
    return [bytes(1000 + 37 * i) for i in range(200)]                  # LINE:blobs


def points():
    return [Point(i * 1000, -i) for i in range(4000)]                  # LINE:points


def tuples():
    return [(i, i + 1, str(i)) for i in range(3000)]                   # LINE:tuples


def floats():
    return [float(i) * 1.5 for i in range(6000)]                       # LINE:floats


def numbers():
    return {i * 7 for i in range(20000)}                               # LINE:numbers


def buffer():
    return bytearray(250000)                                           # LINE:buffer


def table():
    return dict.fromkeys(range(1000, 9000))                            # LINE:table


def nested():
    return [[j * 1000 for j in range(8)] for i in range(900)]          # LINE:nested


def text():
    return "-".join(str(i) for i in range(30000))                      # LINE:text


def workload():
    for fn in (dicts, lists, strings, blobs, points, tuples, floats,
               numbers, buffer, table, nested, text):
        KEEP.append(fn())


workload()
if sys.argv[1] == "tracemalloc":
    snap = tracemalloc.take_snapshot()
    # One frame per trace: dropping statistics by file is the same as
    # Snapshot.filter_traces() on those files, and much faster.
    # "<unknown>" (line 0) is tracemalloc's name for blocks allocated while
    # no Python frame ran (interpreter start-up; 3.14 files about 570 KB
    # there, enough to reach the top 10): no line to compare.
    skip = {tracemalloc.__file__, "<frozen importlib._bootstrap>",
            "<frozen importlib._bootstrap_external>", "<unknown>"}
    stats = [(s.traceback[0].filename, s.traceback[0].lineno, s.size, s.count)
             for s in snap.statistics("lineno")
             if s.traceback[0].filename not in skip]
    with open(sys.argv[2], "w") as f:
        json.dump(stats, f)
else:
    pyheap.snapshot("label")
'''


class TracemallocTest(support.ToolTestCase):
    """pyheap and tracemalloc name the same lines with the same bytes."""

    def test_top_lines_agree(self):
        """The top 10 lines by tracemalloc: pyheap's Python-domain bytes within 1%."""
        path = support.write_file(self.workdir, "prog.py", SCRIPT)
        stats_path = os.path.join(self.workdir, "tracemalloc.json")
        env = support.clean_env()
        env["PYTHONPATH"] = os.path.join(support.SRCDIR, "pyheap")
        native = subprocess.run(
            [support.python(), "-X", "tracemalloc=1", path, "tracemalloc", stats_path],
            cwd=self.workdir, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, universal_newlines=True, timeout=300)
        self.assertEqual(native.returncode, 0, native.stderr)
        with open(stats_path) as f:
            stats = json.load(f)

        res = support.run_python_script(self, SCRIPT, self.workdir, args=["pyheap"])
        rows = support.viewer_json(res.outfile, at="label")

        # pyheap's rows are per (location, function); tracemalloc's per
        # (file, line): sum pyheap's rows by location.
        by_location = {}
        for r in rows:
            acc = by_location.setdefault(r["location"], [0, 0])
            acc[0] += r["by_class"]["pymalloc"] + r["by_class"]["python-large"]
            acc[1] += r["by_class"]["raw"]

        top = stats[:10]
        self.assertEqual(len(top), 10, stats)
        wanted = set(support.marker_lines(SCRIPT).values())
        top_lines = set()
        for filename, lineno, size, count in top:
            location = "%s:%d" % (filename, lineno)
            with self.subTest(location=location, tracemalloc_bytes=size):
                self.assertIn(location, by_location,
                              "pyheap has no site at %s" % location)
                python_bytes, raw_bytes = by_location[location]
                self.assertLessEqual(abs(python_bytes - size), size / 100.0,
                                     "%s: pyheap %d, tracemalloc %d"
                                     % (location, python_bytes, size))
                if os.path.samefile(filename, path):
                    top_lines.add(lineno)
                    # The premise: the workload makes no PyMem_Raw* call
                    # and no plain malloc() on these lines.
                    self.assertEqual(raw_bytes, 0, location)
        # The workload's lines dominate tracemalloc's top 10 (otherwise the
        # comparison would not be about this workload at all).
        self.assertGreaterEqual(len(top_lines & wanted), 9,
                                "top 10: %r" % (top,))
