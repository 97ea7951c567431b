"""pyheap: leak hunting on real runs: the seed batch job and its fix, caches, a C-extension leak, the gate, pytest."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Every run is under the tool with --time-unit=B (repeatable); the reports
# are pyheap_print --growth and --check, as a user would run them, with
# the default tool options (periodic detailed snapshots, no marks).

import json
import re
import os
import subprocess

import support

EXAMPLES = os.path.join(support.SRCDIR, "pyheap", "examples")
N_FILES = "120"

CACHES = r'''
import functools


@functools.lru_cache(maxsize=200)
def bounded(key):
    return ("bounded-%06d;" % key) * 8                 # LINE:bounded


@functools.lru_cache(maxsize=None)
def unbounded(key):
    return ("unbounded-%06d;" % key) * 8               # LINE:unbounded


def work(i):
    scratch = [str(j) * 3 for j in range(300)]         # LINE:scratch
    bounded(i % 250)
    unbounded(i)
    return len(scratch)


# The keys exist before the loop.  Made by the loop, each key the
# unbounded cache keeps would be an int from CPython 3.14's int free list,
# that is a block first allocated for one of the scratch line's ints
# 256..299: the tool sees a block when the allocator hands it out, not
# when a free list hands it out again, so the kept keys would count at
# the scratch line.
KEYS = list(range(3000))
total = 0
for i in KEYS:
    total += work(i)
print(total)
'''

EXTENSION = r'''
import leakext


def handle(i):
    scratch = [str(j) * 5 for j in range(200)]
    leakext.leak(3000)                                  # LINE:leak
    return len(scratch)


total = 0
for i in range(400):
    total += handle(i)
print(total)
'''

MARKS = r'''
import functools
import sys

import pyheap

if not hasattr(pyheap, "mark"):
    sys.exit(77)                        # a tree without iteration marks

KEPT = []


class Record:
    __slots__ = ("key", "payload")

    def __init__(self, key, payload):
        self.key = key
        self.payload = payload


@functools.lru_cache(maxsize=8)
def lookup(key):
    return ("entry-%05d;" % key) * 10                  # LINE:cache


def process(i):
    scratch = [str(j) * 4 for j in range(400)]
    for j in range(20):
        KEPT.append(Record(i * 100 + j, None))         # LINE:leak
    lookup(i % 10)
    return len(scratch)


total = 0
for i in range(40):
    total += process(i)
    pyheap.mark("item")
print(total)
'''

SUITE = r'''
import pytest

KEPT = []


def keep(n):
    KEPT.extend(bytearray(1000) for _ in range(n))      # LINE:keep


@pytest.mark.limit_leaks("64 KB")
def test_leaks_too_much():
    keep(300)


@pytest.mark.limit_leaks("64 KB")
@pytest.mark.parametrize("n", [1, 2])
def test_leaks_little(n):
    data = [bytes(1000) for _ in range(300)]
    assert len(data) == 300
'''


def example_line(name, text):
    """The number of the first line of pyheap/examples/NAME that holds TEXT."""
    with open(os.path.join(EXAMPLES, name)) as f:
        return 1 + next(i for i, t in enumerate(f) if text in t)


def growth(outfile, *args):
    proc = support.viewer(["--growth", "--format=json", "--top=0"] +
                          list(args) + [outfile])
    if proc.returncode != 0:
        raise AssertionError("pyheap_print --growth failed: " + proc.stderr)
    return json.loads(proc.stdout)


def site(doc, path_suffix, line):
    """The biggest row at PATH_SUFFIX:LINE (a comprehension at a line is
    a function of its own before Python 3.12)."""
    found = support.rows_at(doc["sites"], path_suffix, line)
    if not found:
        raise AssertionError("%s:%d: no growth row" % (path_suffix, line))
    return max(found, key=lambda s: s.get("last_bytes", s.get("mean_bytes")))


class LeakHuntTest(support.ToolTestCase):

    def run_example(self, name):
        out = os.path.join(self.workdir, name + ".out")
        res = support.pyheap_run(
            [support.python(), os.path.join(EXAMPLES, name + ".py"),
             N_FILES], self.workdir, outfile=out)
        self.assertEqual(res.returncode, 0, res.stderr[-3000:])
        self.assertIn("processed %s files" % N_FILES, res.stdout)
        return out

    def test_seed_batch_job_and_its_fix(self):
        parse_line = example_line("leaky_batch.py", "rows = [dict(row)")
        keep_line = example_line("leaky_batch.py", "_parsed_rows.extend(rows)")
        leaky = self.run_example("leaky_batch")
        # The user view (the default): the user's own line first, the
        # csv module's strings filed under it, no library line growing.
        doc = growth(leaky)
        growing = [s for s in doc["sites"] if s["growing"]]
        self.assertRegex(growing[0]["location"],
                         r"leaky_batch\.py:%d$" % parse_line)
        self.assertEqual([s["location"] for s in growing
                          if not re.search(r"leaky_batch\.py:\d+$",
                                           s["location"])], [])
        first = support.viewer([leaky]).stdout.splitlines()[:30]
        self.assertTrue(any(re.search(r"leaky_batch\.py:%d " % parse_line, ln)
                            for ln in first), "\n".join(first))
        self.assertTrue(any("via csv.py:" in ln for ln in first),
                        "\n".join(first))
        # The innermost view (--innermost): each line what it allocated.
        doc = growth(leaky, "--innermost")
        growing = [s for s in doc["sites"] if s["growing"]]
        # The parsed rows: dicts made at the parse line, the list that
        # keeps them at the extend line, the strings under the csv module
        # called from the parse line.
        rows = site(doc, "leaky_batch.py", parse_line)
        self.assertTrue(rows["growing"])
        self.assertEqual(rows["dominant_type"]["type"], "dict")
        self.assertGreater(rows["last_bytes"], 1000000)
        self.assertTrue(site(doc, "leaky_batch.py", keep_line)["growing"])
        top = growing[0]
        self.assertEqual(top["dominant_type"]["type"], "str")
        self.assertIn(rows["location"], [f["location"] for f in top["stack"]])
        # Between them, a third of the heap at the end at least (the rest
        # is mostly the interpreter's code objects).
        self.assertGreater(sum(s["end_share"] for s in growing), 0.3)
        text = support.viewer(["--growth", "--innermost", leaky]).stdout
        self.assertRegex(text, r"\n +2  growing .*leaky_batch\.py:%d\): "
                         r"rows = \[dict\(row\)" % parse_line)

        fixed = self.run_example("fixed_batch")
        doc = growth(fixed)
        self.assertEqual([s["location"] for s in doc["sites"]
                          if s["growing"] and s["last_bytes"] > 10000], [])
        # The same gate fails the leak and passes the fix.
        limits = ["--check", "--max-growth=500KB", "--max-peak=64MiB"]
        proc = support.viewer(limits + [leaky])
        self.assertEqual(proc.returncode, 3, proc.stdout + proc.stderr)
        self.assertIn("FAIL max-growth 500KB", proc.stdout)
        self.assertRegex(proc.stdout, r"         at parse \(.*leaky_batch\.py:"
                         r"%d\)\n" % parse_line)
        proc = support.viewer(limits + [fixed])
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("pyheap check: passed: 2 limits within bounds",
                      proc.stdout)

    def test_bounded_cache_plateaus_unbounded_grows(self):
        lines = support.marker_lines(CACHES)
        res = support.run_python_script(self, CACHES, self.workdir)
        doc = growth(res.outfile)
        unbounded = site(doc, "prog.py", lines["unbounded"])
        self.assertTrue(unbounded["growing"])
        self.assertEqual(unbounded["dominant_type"]["type"], "str")
        self.assertGreater(unbounded["last_bytes"], 2800 * 100)
        bounded = site(doc, "prog.py", lines["bounded"])
        self.assertFalse(bounded["growing"])
        self.assertGreater(bounded["max_bytes"], 150 * 100)
        ranks = [s["location"] for s in doc["sites"]]
        self.assertLess(ranks.index(unbounded["location"]),
                        ranks.index(bounded["location"]))
        self.assertFalse(site(doc, "prog.py", lines["scratch"])["growing"])

    def test_extension_leak_is_raw_at_the_python_line(self):
        if support.build_extension(self.workdir, "leakext") is None:
            self.skipTest("no Python.h for %s (python3-dev)"
                          % support.python())
        lines = support.marker_lines(EXTENSION)
        res = support.run_python_script(
            self, EXTENSION, self.workdir,
            env=support.clean_env(PYTHONPATH=self.workdir))
        doc = growth(res.outfile)
        leak = site(doc, "prog.py", lines["leak"])
        self.assertTrue(leak["growing"])
        self.assertEqual(leak["function"], "handle")
        self.assertEqual(leak["end_by_class"],
                         {"raw": leak["last_bytes"], "pymalloc": 0,
                          "python-large": 0})
        # 3,000 B per call, 400 calls: all of it at the end.
        self.assertEqual(leak["last_bytes"], 3000 * 400)
        self.assertEqual(doc["sites"][0]["location"], leak["location"])

    def test_pytest_limits_then_the_gate_names_the_stack(self):
        exe = support.python_with_pytest()
        if exe is None:
            self.skipTest("no interpreter with pytest (python3-pytest)")
        lines = support.marker_lines(SUITE)
        support.write_file(self.workdir, "test_suite.py", SUITE)
        cfg = os.path.join(self.workdir, "limits.cfg")
        args = [exe, "-m", "pytest", "-p", "pytest_pyheap", "-p",
                "no:cacheprovider", "-q", "--pyheap-config=" + cfg,
                "test_suite.py"]
        env = support.clean_env(PYTHONPATH=os.path.join(support.SRCDIR,
                                                        "pyheap"))
        res = support.pyheap_run(args, self.workdir, env=env)
        out = res.stdout + res.stderr
        self.assertRegex(out, r"\b1 failed, 2 passed\b", out[-3000:])
        self.assertIn("pyheap_print --check --config=%s OUTFILE" % cfg, out)
        with open(cfg) as f:
            text = f.read()
        self.assertIn("    test_suite.py::test_leaks_little[[]1]=64 KB\n",
                      text)
        proc = support.viewer(["--check", "--config=" + cfg, res.outfile],
                              cwd=self.workdir)
        self.assertEqual(proc.returncode, 3, proc.stdout + proc.stderr)
        self.assertIn('FAIL max-region test_suite.py::test_leaks_too_much '
                      '64 KB: what region "test_suite.py::'
                      'test_leaks_too_much" left is', proc.stdout)
        self.assertRegex(proc.stdout,
                         r"         at keep \(.*test_suite\.py:%d\)\n"
                         % lines["keep"])
        self.assertIn("ok   max-region test_suite.py::test_leaks_little[[]2]",
                      proc.stdout)
        # Without pyheap: the marks are accepted, nothing is measured,
        # nothing is written.
        os.unlink(cfg)
        proc = subprocess.run(args, cwd=self.workdir, env=env,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT,
                              universal_newlines=True, timeout=300)
        self.assertRegex(proc.stdout, r"\b3 passed\b", proc.stdout[-3000:])
        self.assertFalse(os.path.exists(cfg))

    def test_marks_leak_report_and_gate(self):
        lines = support.marker_lines(MARKS)
        path = support.write_file(self.workdir, "prog.py", MARKS)
        res = support.pyheap_run([support.python(), path], self.workdir)
        if res.returncode == 77:
            self.skipTest("pyheap.mark() is not in this tree")
        self.assertEqual(res.returncode, 0, res.stderr[-3000:])
        proc = support.viewer(["--leaks", "--format=json", "--top=0",
                               res.outfile])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        doc = json.loads(proc.stdout)
        self.assertEqual(doc["marks"], 40)
        self.assertEqual(doc["iterations"], list(range(2, 40)))
        top = doc["sites"][0]
        self.assertRegex(top["location"], r"prog\.py:%d$" % lines["leak"])
        self.assertEqual(top["dominant_type"]["type"], "Record")
        # 20 Records of 56 B per iteration, plus the list's item array.
        record = 20 * 56
        self.assertGreaterEqual(top["growth_per_iteration"], record)
        self.assertLess(top["growth_per_iteration"], 2 * record)
        self.assertGreaterEqual(top["mean_bytes"], record)
        self.assertGreaterEqual(top["survivor_bytes"], 38 * record)
        # The bounded cache is full after 8 iterations: it does not grow.
        cache = site(doc, "prog.py", lines["cache"])
        self.assertEqual(cache["growth_per_iteration"], 0)
        self.assertFalse(site(growth(res.outfile), "prog.py",
                              lines["cache"])["growing"])
        # The gate: fails, then passes with a baseline of this run.
        base = os.path.join(self.workdir, "pyheap.baseline")
        proc = support.viewer(["--check", "--max-growth-per-iter=1KB",
                               "--gen-baseline=" + base, res.outfile])
        self.assertEqual(proc.returncode, 3, proc.stdout + proc.stderr)
        self.assertRegex(proc.stdout, r"top offender: process \(.*prog\.py:"
                         r"%d\)" % lines["leak"])
        proc = support.viewer(["--check", "--max-growth-per-iter=1KB",
                               "--baseline=" + base, res.outfile])
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("1 used, 0 unused", proc.stdout)

    def test_marked_example_leaves_its_rows_each_file(self):
        out = os.path.join(self.workdir, "marked.out")
        res = support.pyheap_run(
            [support.python(), os.path.join(EXAMPLES, "marked_batch.py"),
             "30"], self.workdir, outfile=out)
        self.assertEqual(res.returncode, 0, res.stderr[-3000:])
        proc = support.viewer(["--leaks", "--format=json", "--top=0",
                               "--innermost", out])
        if proc.returncode == 1 and "no mark snapshots" in proc.stderr:
            self.skipTest("pyheap.mark() is not in this tree")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        doc = json.loads(proc.stdout)
        # The set-up, then one mark per file.
        self.assertEqual(doc["marks"], 31)
        parse_line = example_line("leaky_batch.py", "rows = [dict(row)")
        rows = site(doc, "leaky_batch.py", parse_line)
        # Each file leaves its 60 rows: a dict and its table each, the
        # same bytes every iteration.
        self.assertEqual(rows["total_blocks"], 120 * rows["iterations"])
        self.assertEqual(rows["mean_bytes"], rows["growth_per_iteration"])
        self.assertEqual(rows["dominant_type"]["type"], "dict")
        self.assertEqual(rows["survivor_bytes"],
                         rows["mean_bytes"] * (doc["marks"] - 1))
