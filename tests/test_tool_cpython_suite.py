"""pyheap: CPython's own test modules give the same results under pyheap as natively, test case by test case (a few of bench/cpython-tests' list)."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/cpython-tests/run compares the whole list (docs/support.md has its
# results); here three modules of it, chosen for what they exercise and
# for their time under Valgrind: test_weakref (the garbage collector,
# finalizers, weak references: what a tool that watches every free could
# disturb), test_json (the C accelerator and many small objects) and
# test_heapq.  Skipped where the profiled interpreter has no test package
# (Debian: libpython3.X-testsuite).

import importlib.machinery
import importlib.util
import os
import subprocess
import unittest

import support

MODULES = ("test_weakref", "test_json", "test_heapq")


def bench():
    path = os.path.join(support.SRCDIR, "bench", "cpython-tests", "run")
    loader = importlib.machinery.SourceFileLoader("pyheap_cpython_tests", path)
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


class CPythonSuiteTest(support.ToolTestCase):

    def test_same_results_as_natively(self):
        probe = subprocess.run([support.python(), "-c", "import test.test_json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if probe.returncode != 0:
            self.skipTest("CPython's test package is not installed for %s "
                          "(Debian: libpython3.X-testsuite)" % support.python())
        run = bench()
        for module in MODULES:
            with self.subTest(module=module):
                found = run.run_module(support.python(), module, 1800,
                                       self.workdir, support.LAUNCHER)
                self.assertIsNotNone(found["native"]["outcomes"], found["native"]["tail"])
                self.assertGreater(len(found["native"]["outcomes"]), 10)
                self.assertEqual(found["differences"], [])
                self.assertEqual(found["pyheap"]["status"], found["native"]["status"],
                                 found["pyheap"]["tail"])
                self.assertTrue(found["file_ok"], found["file_error"])


if __name__ == "__main__":
    unittest.main()
