"""pyheap: the pytest plugin fails tests over their leak or memory limit, under pyheap only."""
# SPDX-License-Identifier: GPL-2.0-or-later

import os
import re
import subprocess

import support

SUITE = r'''
import pytest

KEPT = []


@pytest.mark.limit_leaks("64 KB")
def test_leaks_too_much():
    KEPT.extend(bytes(1000) for _ in range(300))      # ~300 KB kept


@pytest.mark.limit_leaks("64 KB")
def test_leaks_nothing():
    data = [bytes(1000) for _ in range(300)]
    assert len(data) == 300


@pytest.mark.limit_memory("1 MB")
def test_uses_too_much():
    big = bytearray(4 * 1024 * 1024)
    assert len(big) > 0


@pytest.mark.limit_memory("16 MB")
def test_uses_little():
    big = bytearray(1024 * 1024)
    assert len(big) > 0
'''


class PytestPluginTest(support.ToolTestCase):

    def run_suite(self, under_pyheap):
        exe = support.python_with_pytest()
        if exe is None:
            self.skipTest("no interpreter with pytest (apt-get install python3-pytest)")
        support.write_file(self.workdir, "test_suite.py", SUITE)
        args = [exe, "-m", "pytest", "-p", "pytest_pyheap", "-p", "no:cacheprovider",
                "-q", "test_suite.py"]
        env = support.clean_env(PYTHONPATH=os.path.join(support.SRCDIR, "pyheap"))
        if under_pyheap:
            res = support.pyheap_run(args, self.workdir, env=env)
            return res.stdout + res.stderr, res
        proc = subprocess.run(args, cwd=self.workdir, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True,
                              timeout=300)
        return proc.stdout, None

    def test_limits_enforced_under_pyheap(self):
        out, res = self.run_suite(True)
        self.assertRegex(out, r"\b2 failed, 2 passed\b", out[-3000:])
        self.assertRegex(out, r"FAILED test_suite.py::test_leaks_too_much")
        self.assertRegex(out, r"FAILED test_suite.py::test_uses_too_much")
        leaked = re.search(r"test_leaks_too_much: leaked ([0-9,]+) B in (\d+) blocks, "
                           r"limit 64,000 B", out)
        self.assertIsNotNone(leaked, out[-3000:])
        # 300 kept bytes objects of 1000 bytes each (33 B of header): at least
        # that much, and not wildly more.
        leaked_bytes = int(leaked.group(1).replace(",", ""))
        self.assertGreaterEqual(leaked_bytes, 300 * 1000)
        self.assertLess(leaked_bytes, 300 * 1000 + 64 * 1024)
        grew = re.search(r"test_uses_too_much: heap grew by ([0-9,]+) B, limit "
                         r"1,000,000 B", out)
        self.assertIsNotNone(grew, out[-3000:])
        self.assertGreaterEqual(int(grew.group(1).replace(",", "")), 4 * 1024 * 1024)
        # Each test's region is in the file, named after the test.
        rows = support.viewer_json(res.outfile, at="test_suite.py::test_leaks_too_much")
        self.assertGreaterEqual(sum(r["bytes"] for r in rows), 300 * 1000)

    def test_no_checks_outside_pyheap(self):
        out, _ = self.run_suite(False)
        self.assertRegex(out, r"\b4 passed\b", out[-3000:])
