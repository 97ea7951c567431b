"""pyheap: the program's other allocator hooks (tracemalloc, -X dev, a C extension's) and pyheap's work together."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# PEP 445 lets anyone put an allocator on top of CPython's domains; pyheap's
# preload does, and so do tracemalloc, the debug hooks of -X dev and C
# extensions.  pyheap must neither crash such a program (a hook put back on
# top of one that wraps it made a loop: a stack overflow) nor lose or
# double-count its blocks.  Every test checks exact counts on one line:
# N objects of sys.getsizeof() bytes each.

import os
import subprocess

import support

# `keep` grows by exactly N bytes objects per call of work(): each
# sys.getsizeof(bytes(100)) bytes, pymalloc (<= 512 B).
PROLOGUE = r'''
import sys
keep = []
def work(n):
    for i in range(n):
        keep.append(bytes(100))                      # LINE:work
'''


class CoexistTest(support.ToolTestCase):

    def run_script(self, body, python_args=(), env=None, extension=None):
        source = PROLOGUE + body
        if env is None:
            env = support.clean_env()
        if extension is not None:
            env["PYTHONPATH"] = os.pathsep.join(
                [self.workdir, os.path.join(support.SRCDIR, "pyheap")])
        res = support.run_python_script(self, source, self.workdir, env=env,
                                        python_args=python_args)
        line = support.marker_lines(source)["work"]
        rows = support.rows_at(support.viewer_json(res.outfile, at="exit"),
                               "prog.py", line)
        self.assertEqual(len(rows), 1, rows)
        return res, rows[0]

    def assert_objects(self, row, count, tracing=True):
        """ROW holds COUNT bytes(100) objects (pymalloc), the list's item
        array (python-large) and, where tracemalloc ran, its own entries
        for those objects (raw: malloc'd by tracemalloc while the line ran,
        so filed there: per traced block two malloc'd entries and its share
        of the table's bucket array, 74 B each measured on 3.14; gone when
        it stopped)."""
        size = 100 + 33        # sys.getsizeof(bytes(100)) on 64-bit builds
        self.assertEqual(row["by_class"]["pymalloc"], count * size, row)
        self.assertLess(row["by_class"]["python-large"], count * 16, row)
        if tracing:
            self.assertLessEqual(row["by_class"]["raw"], 128 * count, row)
        else:
            self.assertEqual(row["by_class"]["raw"], 0, row)

    def test_tracemalloc_started_by_the_program(self):
        """tracemalloc.start(), then enough objects for new arenas: no crash, each block once."""
        res, row = self.run_script(r'''
import tracemalloc
tracemalloc.start()
work(10000)
print(tracemalloc.get_traced_memory()[0] >= 10000 * 133)
''')
        self.assertEqual(res.stdout, "True\n")
        self.assert_objects(row, 10000)

    def test_tracemalloc_started_stopped_restarted(self):
        """start, stop, start again: tracemalloc traces what it should; pyheap sees everything."""
        res, row = self.run_script(r'''
import tracemalloc
tracemalloc.start(5)
work(5000)
first = tracemalloc.take_snapshot()
tracemalloc.stop()
work(5000)
tracemalloc.start()
work(5000)
second = tracemalloc.take_snapshot()
tracemalloc.stop()
def count(snap):
    return sum(st.count for st in snap.statistics("lineno")
               if st.traceback[0].filename == __file__
               and st.traceback[0].lineno == work.__code__.co_firstlineno + 2)
print(count(first), count(second))
''')
        # The line's objects plus, once in a while, the list's item array.
        first, second = (int(n) for n in res.stdout.split())
        self.assertIn(first, (5000, 5001))
        self.assertIn(second, (5000, 5001))
        self.assert_objects(row, 15000)

    def test_tracemalloc_from_the_start(self):
        """PYTHONTRACEMALLOC and -X tracemalloc: tracemalloc wraps pyheap's hooks from start-up."""
        body = "work(10000)\n"
        for how in ("env", "option"):
            with self.subTest(how=how):
                env = support.clean_env()
                args = ()
                if how == "env":
                    env["PYTHONTRACEMALLOC"] = "1"
                else:
                    args = ("-X", "tracemalloc=5")
                res, row = self.run_script(body, python_args=args, env=env)
                self.assert_objects(row, 10000)

    def test_dev_mode_with_tracemalloc(self):
        """-X dev (pyheap's hooks replaced, then put back) and tracemalloc on top, stopped later."""
        res, row = self.run_script(r'''
import tracemalloc
tracemalloc.start()
work(5000)
tracemalloc.stop()
work(5000)
''', python_args=("-X", "dev"))
        self.assert_objects(row, 10000)

    def test_extension_wraps_the_allocators(self):
        """A C extension wraps the domains, allocates, unwraps: no crash, each block once."""
        if support.build_extension(self.workdir, "wrapalloc") is None:
            self.skipTest("Python.h is not installed for %s" % support.python())
        res, row = self.run_script(r'''
import pyheap
import wrapalloc
wrapalloc.install()
work(20000)
pyheap.snapshot("wrapped")      # pyheap checks its hooks here
wrapalloc.uninstall()
work(20000)
print(wrapalloc.calls() >= 20000)
''', extension="wrapalloc")
        self.assertEqual(res.stdout, "True\n")
        self.assert_objects(row, 40000, tracing=False)

    def test_cpython_test_tracemalloc(self):
        """CPython's own test_tracemalloc passes under pyheap."""
        probe = subprocess.run(
            [support.python(), "-c", "import test.test_tracemalloc"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if probe.returncode != 0:
            self.skipTest("CPython's test package is not installed for %s "
                          "(Debian: libpython3.X-testsuite)" % support.python())
        # Its test_fork forks a child that writes its own file (the
        # test's --pyheap-out-file has no %p) and says so.
        res = support.pyheap_run(
            [support.python(), "-m", "test", "test_tracemalloc"], self.workdir,
            stderr_exp=support.stderr_exp("cpython_test_tracemalloc"))
        self.assertEqual(res.returncode, 0, res.stdout[-3000:] + res.stderr[-3000:])
        self.assertIn("Tests result: SUCCESS", res.stdout)
