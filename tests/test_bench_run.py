"""Tests of bench/run's workload groups, its judging of test-module runs and its B-per-block figures (no Valgrind run)."""
# SPDX-License-Identifier: GPL-2.0-or-later

import importlib.machinery
import importlib.util
import os
import subprocess
import sys
import tempfile
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(TOP, "bench")


def load_run():
    """bench/run as a module (it imports bench/benchset.py)."""
    sys.dont_write_bytecode = True
    if BENCH not in sys.path:
        sys.path.insert(0, BENCH)
    loader = importlib.machinery.SourceFileLoader(
        "bench_run", os.path.join(BENCH, "run"))
    spec = importlib.util.spec_from_loader("bench_run", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


RUN = load_run()
benchset = RUN.benchset

PYHEAP_FILE = """pyheap-out 3
meta peak_B 300
t 0 0 100 3 100 0 0 0 0
snapshot 0 0 detailed
c raw 100 3
c pymalloc 0 0
c python-large 0 0
end-snapshot
snapshot 1 5 peak
c raw 200 4
c pymalloc 64 1000
c python-large 8000 2
a 1 1048576 64 64 0
b 0 raw 200 4
end-snapshot
end-of-file 14
"""

JUNIT = """<testsuites><testsuite>
<testcase classname="test.test_x.A" name="test_b"/>
<testcase classname="test.test_x.A" name="test_a"><skipped/></testcase>
<testcase name="test.test_x.B.test_c"><failure/></testcase>
</testsuite></testsuites>
"""


class WorkloadsTest(unittest.TestCase):

    def test_groups_in_table_order(self):
        known = benchset.all_workloads()
        groups = [known[w].group for w in known]
        self.assertEqual(sorted(set(groups), key=groups.index),
                         list(benchset.GROUPS))
        self.assertEqual(benchset.select(["test_set", "memory"], known),
                         ["hold_1m", "hold_4m", "test_set"])
        self.assertNotIn("hold_objects", known)
        with self.assertRaises(ValueError):
            benchset.select(["nosuch"], known)

    def test_bad_workload_is_exit_2(self):
        proc = subprocess.run([sys.executable, os.path.join(BENCH, "run"),
                               "--workloads", "nosuch"],
                              capture_output=True, text=True)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("unknown workload 'nosuch'", proc.stderr)

    def test_test_module_args_write_junit_in_the_run_dir(self):
        wl = benchset.all_workloads()["test_set"]
        self.assertEqual(wl.args("/r"), ["-m", "test", "-q", "test_set",
                                         "--junit-xml=/r/junit.xml"])
        self.assertEqual(wl.judge, "outcomes")


class FilesTest(unittest.TestCase):

    def test_peak_blocks(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "pyheap.out")
            with open(path, "w") as f:
                f.write(PYHEAP_FILE)
            self.assertEqual(benchset.peak_blocks(path), 1006)
            with open(path, "w") as f:
                f.write(PYHEAP_FILE.replace(" peak\n", " exit\n"))
            self.assertIsNone(benchset.peak_blocks(path))
            self.assertIsNone(benchset.peak_blocks(path + ".missing"))

    def test_outcomes(self):
        with tempfile.TemporaryDirectory() as tmp:
            self.assertIsNone(benchset.test_outcomes(tmp))
            with open(os.path.join(tmp, benchset.JUNIT_NAME), "w") as f:
                f.write(JUNIT)
            text = benchset.test_outcomes(tmp)
        self.assertEqual(text, "test.test_x.A.test_a skipped\n"
                         "test.test_x.A.test_b passed\n"
                         "test.test_x.B.test_c failure\n"
                         "1 failure, 1 passed, 1 skipped\n")
        self.assertEqual(benchset.outcome_summary(text),
                         "1 failure, 1 passed, 1 skipped")


class PerBlockTest(unittest.TestCase):

    def results(self, tools, rss_kib, blocks):
        """{workload: {tool: Cell}} with one run per cell."""
        results = {}
        for w in rss_kib:
            results[w] = {}
            for tool in tools:
                cell = RUN.Cell(False)
                cell.runs.append(RUN.Run(
                    1.0, 1.0, rss_kib[w][tool], "",
                    peak_blocks=blocks[w] if tool == "pyheap" else None))
                results[w][tool] = cell
        return results

    def test_table_and_marginal(self):
        tools = ["none", "massif-malloc", "pyheap"]
        rss = {"hold_1m": {"none": 100 * 1024, "massif-malloc": 150 * 1024,
                           "pyheap": 200 * 1024},
               "hold_4m": {"none": 300 * 1024, "massif-malloc": 450 * 1024,
                           "pyheap": 500 * 1024}}
        blocks = {"hold_1m": 1048576, "hold_4m": 4 * 1048576}
        results = self.results(tools, rss, blocks)
        ctx = RUN.Context()
        ctx.tools = tools
        ctx.workloads = ["hold_1m", "hold_4m"]
        ctx.known = benchset.all_workloads()
        ctx.pyheap_skipped = None
        header, rows, notes = RUN.build_rows(results, ctx)
        self.assertEqual(header[-1], "peak blocks")
        self.assertEqual(rows[0], ["hold_1m", "1.00 s 1.00x 100 MiB",
                                   "1.00 s 1.00x 150 MiB 50 B/blk",
                                   "1.00 s 1.00x 200 MiB 100 B/blk",
                                   "1048576"])
        self.assertEqual(rows[1][2:4], ["1.00 s 1.00x 450 MiB 38 B/blk",
                                        "1.00 s 1.00x 500 MiB 50 B/blk"])
        lines = RUN.summary_lines(results, ctx)
        self.assertIn("massif-malloc memory per block from hold_1m to "
                      "hold_4m: 33 B/blk (fixed costs left out)", lines)
        self.assertIn("pyheap memory per block from hold_1m to hold_4m: "
                      "33 B/blk (fixed costs left out)", lines)


if __name__ == "__main__":
    unittest.main()
