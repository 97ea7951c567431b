"""Tests of what pyheap_print ships with: its man page (made from --help), its version, Python 3.8 syntax, its launcher."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The viewer must run on any python3 >= 3.8: the check here is only of the
# syntax; `make check-viewer VIEWER_INTERPRETER=/path/to/python3.8` runs
# every viewer test under that interpreter.

import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import support
from support import BUILDDIR, SRCDIR, VIEWER

MKMAN = os.path.join(SRCDIR, "pyheap", "mkman")


def output(args):
    proc = subprocess.run([sys.executable] + args, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=60)
    if proc.returncode != 0 or proc.stderr:
        raise AssertionError("%s failed: %s" % (args, proc.stderr))
    return proc.stdout.decode("utf-8")


def unroff(line):
    """A line of the man page's source as the text it shows."""
    return line.replace("\\&", "").replace("\\-", "-").replace("\\e", "\\")


class ManPageTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.page = output([MKMAN, VIEWER])
        cls.help = output([VIEWER, "--help"])

    def test_every_line_of_help_is_in_it(self):
        shown = set(unroff(line).strip() for line in self.page.split("\n")
                    if not line.startswith("."))
        usage = re.compile(r"^usage: ")
        for line in self.help.split("\n"):
            text = usage.sub("", line.strip())
            if text and text not in ("options:", "examples:",
                                     "exit status:"):
                self.assertIn(text, shown)

    def test_sections(self):
        heads = [line for line in self.page.split("\n")
                 if line.startswith(".SH")]
        self.assertEqual(heads, [".SH NAME", ".SH SYNOPSIS",
                                 ".SH DESCRIPTION", ".SH OPTIONS",
                                 ".SH DETAILS", ".SH EXAMPLES",
                                 ".SH EXIT STATUS", ".SH SEE ALSO"])
        version = output([VIEWER, "--version"]).split()[1]
        self.assertIn('.TH PYHEAP_PRINT 1 "" "pyheap %s"' % version,
                      self.page)

    def test_the_built_page_is_up_to_date(self):
        built = os.path.join(BUILDDIR, "pyheap", "pyheap_print.1")
        if not os.path.exists(built):
            self.skipTest("not built: run make (%s)" % built)
        with open(built, encoding="utf-8") as f:
            self.assertEqual(f.read(), self.page)

    @unittest.skipIf(shutil.which("man") is None, "man is not installed")
    def test_man_renders_it_without_warnings(self):
        path = os.path.join(BUILDDIR, "pyheap", "pyheap_print.1")
        if not os.path.exists(path):
            self.skipTest("not built: run make (%s)" % path)
        env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
        proc = subprocess.run(["man", "--warnings", "-l", path],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=env, timeout=60)
        self.assertEqual((proc.returncode, proc.stderr), (0, b""))
        text = proc.stdout.decode("utf-8")
        for fragment in ("pyheap_print --diff [options] OLD NEW",
                         "--export=FORMAT", "EXIT STATUS", "The module rule"):
            self.assertIn(fragment, text)


class VersionTest(unittest.TestCase):

    def test_same_as_the_package(self):
        with open(os.path.join(SRCDIR, "configure.ac"),
                  encoding="utf-8") as f:
            found = re.search(r"AC_INIT\(\[pyheap\], \[([^]]+)\]", f.read())
        self.assertIsNotNone(found)
        self.assertTrue(output([VIEWER, "--version"]).startswith(
            "pyheap_print %s " % found.group(1)))


class PythonVersionTest(unittest.TestCase):

    def test_python_3_8_syntax(self):
        package = [os.path.join(support.VIEWER_PACKAGE, name)
                   for name in support.viewer_package_files()]
        for path in [VIEWER, MKMAN] + package:
            with open(path, encoding="utf-8") as f:
                source = f.read()
            # Raises SyntaxError for syntax newer than 3.8 (most of it:
            # ast's feature_version is best-effort).
            ast.parse(source, path, feature_version=(3, 8))


class LauncherTest(unittest.TestCase):
    """pyheap/pyheap_print finds the package beside its real path."""

    def test_through_a_symbolic_link(self):
        with tempfile.TemporaryDirectory() as tmp:
            link = os.path.join(tmp, "pyheap_print")
            os.symlink(VIEWER, link)
            self.assertEqual(output([link, "--version"]),
                             output([VIEWER, "--version"]))

    def test_without_the_package(self):
        # A copy alone, isolated from PYTHONPATH: one error line, status 1.
        with tempfile.TemporaryDirectory() as tmp:
            alone = os.path.join(tmp, "pyheap_print")
            shutil.copy(VIEWER, alone)
            proc = subprocess.run([sys.executable, "-I", alone, "--version"],
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE,
                                  universal_newlines=True, timeout=60)
        self.assertEqual((proc.returncode, proc.stdout), (1, ""))
        self.assertEqual(proc.stderr.count("\n"), 1, proc.stderr)
        self.assertTrue(proc.stderr.startswith(
            "pyheap_print: error: cannot load the pyheap_viewer package"),
            proc.stderr)


if __name__ == "__main__":
    unittest.main()
