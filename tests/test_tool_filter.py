"""pyheap: the tool tests' stderr filter and comparison (support.py), on known texts; no run."""
# SPDX-License-Identifier: GPL-2.0-or-later

import unittest

import support

WORKDIR = "/tmp/pyheap-test-e60xeogl"


class FilterTest(unittest.TestCase):

    def test_tool_lines(self):
        """Pids, addresses, the scratch directory, the interpreter, the trees."""
        raw = ("==1374== pyheap: the program execs '%s', which pyheap does not follow: "
               "%s/wrapped.out holds what ran\n"
               "--77-- pyheap: allocs 12 at 0x1004D49B30\n"
               "**8** bad at 0xdeadbeef\n"
               "%s/pyheap/pyheap.py\n"
               % (support.python(), WORKDIR, support.SRCDIR))
        self.assertEqual(
            support.filter_stderr(raw, WORKDIR),
            "==PID== pyheap: the program execs '$PYTHON', which pyheap does not follow: "
            "$WORKDIR/wrapped.out holds what ran\n"
            "--PID-- pyheap: allocs 12 at 0x........\n"
            "**PID** bad at 0x........\n"
            "$SRCDIR/pyheap/pyheap.py\n")

    def test_hex_inside_a_name_is_kept(self):
        """A scratch directory named ...e60xeogl is the directory, not an address;
        0x inside a word is no address either."""
        self.assertEqual(support.filter_stderr("%s/x.out 10x5 a0xb\n" % WORKDIR, WORKDIR),
                         "$WORKDIR/x.out 10x5 a0xb\n")
        self.assertEqual(support.filter_stderr("/tmp/other-e60xeogl/x\n"),
                         "/tmp/other-e60xeogl/x\n")

    def test_program_lines_kept(self):
        """The program's own lines pass unchanged but for the same replacements."""
        raw = ('Traceback (most recent call last):\n'
               '  File "%s/prog.py", line 9, in <module>\n'
               'RuntimeError: boom\n' % WORKDIR)
        self.assertEqual(support.filter_stderr(raw, WORKDIR),
                         'Traceback (most recent call last):\n'
                         '  File "$WORKDIR/prog.py", line 9, in <module>\n'
                         'RuntimeError: boom\n')

    def test_check_stderr(self):
        """Equal texts pass; one more line, of the tool's or the program's, fails and is named."""
        support.check_stderr("", "")
        support.check_stderr("==5== pyheap: warning: x\n", "==PID== pyheap: warning: x\n")
        with self.assertRaises(AssertionError) as cm:
            support.check_stderr("==5== pyheap: warning: new\n", "")
        self.assertIn("  T ==PID== pyheap: warning: new\n", str(cm.exception))
        with self.assertRaises(AssertionError) as cm:
            support.check_stderr("valgrind: Bad option: --x\nstray\n", "valgrind: Bad option: --x\n")
        self.assertIn("  T valgrind: Bad option: --x\n  P stray\n", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
