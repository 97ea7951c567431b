"""pyheap: `make install` (into a DESTDIR) puts every file where Valgrind, the shell, man and Python find it."""
# SPDX-License-Identifier: GPL-2.0-or-later

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import support


def makefile_vars(names):
    """The values of NAMES as configure wrote them into the build's Makefile."""
    found = {}
    with open(os.path.join(support.BUILDDIR, "Makefile")) as f:
        for line in f:
            name, sep, value = line.partition(" = ")
            if sep and name in names:
                found[name] = value.strip()
    return found


class InstallTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.destdir = tempfile.mkdtemp(prefix="pyheap-install-")
        proc = subprocess.run(["make", "-s", "-C", support.BUILDDIR, "install",
                               "DESTDIR=" + cls.destdir],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, timeout=600)
        cls.make_output = proc.stdout
        cls.make_status = proc.returncode
        cls.vars = makefile_vars({"VG_TOOLDIR", "bindir", "includedir", "mandir",
                                  "PYHEAP_PYTHONDIR", "PYTHON", "prefix",
                                  "exec_prefix", "datarootdir"})

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.destdir, ignore_errors=True)

    def installed(self, directory, name):
        # Makefile values may still name other variables: expand the few
        # automake uses for these directories.
        v = self.vars
        for _ in range(4):
            directory = (directory.replace("${prefix}", v["prefix"])
                         .replace("${exec_prefix}", v.get("exec_prefix", v["prefix"]))
                         .replace("${datarootdir}", v.get("datarootdir", "")))
        return os.path.join(self.destdir + directory, name)

    def test_every_file(self):
        """The tool and preload beside massif, the viewer, the header, the module, the man page."""
        self.assertEqual(self.make_status, 0, self.make_output)
        v = self.vars
        for path in (self.installed(v["VG_TOOLDIR"], "pyheap-amd64-linux"),
                     self.installed(v["VG_TOOLDIR"], "vgpreload_pyheap-amd64-linux.so"),
                     self.installed(v["bindir"], "pyheap_print"),
                     self.installed(v["includedir"], "pyheap.h"),
                     self.installed(v["PYHEAP_PYTHONDIR"], "pyheap.py"),
                     self.installed(v["PYHEAP_PYTHONDIR"], "pytest_pyheap.py"),
                     self.installed(os.path.join(v["mandir"], "man1"), "pyheap_print.1")):
            with self.subTest(path=path):
                self.assertTrue(os.path.isfile(path), "not installed: " + path)
        self.assertTrue(os.access(self.installed(v["bindir"], "pyheap_print"), os.X_OK))
        # The tool goes where the installed Valgrind keeps massif.
        self.assertTrue(os.path.exists(os.path.join(v["VG_TOOLDIR"], "massif-amd64-linux")))

    def test_viewer_package(self):
        """Every module of the viewer's package and its HTML page's files,
        beside the Python module."""
        self.assertEqual(self.make_status, 0, self.make_output)
        package = self.installed(self.vars["PYHEAP_PYTHONDIR"], "pyheap_viewer")
        installed = []
        for directory, dirs, files in os.walk(package):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            installed.extend(os.path.relpath(os.path.join(directory, f), package)
                             for f in files if f.endswith(".py")
                             or directory.endswith("/html"))
        self.assertEqual(sorted(installed), sorted(
            support.viewer_package_files() + support.viewer_page_files()))
        for name in installed:
            with open(os.path.join(package, name), "rb") as f:
                copy = f.read()
            with open(os.path.join(support.VIEWER_PACKAGE, name), "rb") as f:
                self.assertEqual(copy, f.read(), name)

    def test_installed_viewer_runs_its_package(self):
        """The installed pyheap_print finds the installed package with any
        interpreter, isolated (-I: no PYTHONPATH, not its own directory):
        through the paths the install wrote into it."""
        self.assertEqual(self.make_status, 0, self.make_output)
        v = self.vars
        command = self.installed(v["bindir"], "pyheap_print")
        with open(command, encoding="utf-8") as f:
            text = f.read()
        self.assertIn('\nINSTALLED_DIR = "%s"\n' % v["PYHEAP_PYTHONDIR"], text)
        self.assertIn('\nINSTALLED_RELATIVE_DIR = "', text)
        expected = subprocess.run(
            [sys.executable, support.VIEWER, "--format=json", "basic.out"],
            cwd=support.VIEWER_DATA, stdout=subprocess.PIPE, check=True).stdout
        pythons = {v["PYTHON"], sys.executable, "/usr/bin/python3",
                   support.find_python38()}
        for python in sorted(p for p in pythons if p and os.path.exists(p)):
            with self.subTest(python=python):
                proc = subprocess.run([python, "-I", command, "--format=json",
                                       "basic.out"], cwd=support.VIEWER_DATA,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                self.assertEqual((proc.returncode, proc.stderr), (0, b""))
                self.assertEqual(proc.stdout, expected)

    def test_pytest_plugin_uses_the_installed_size_grammar(self):
        """The installed plugin imports parse_size from the installed package."""
        self.assertEqual(self.make_status, 0, self.make_output)
        pythondir = self.installed(self.vars["PYHEAP_PYTHONDIR"], "")
        for python in (self.vars["PYTHON"], sys.executable, "/usr/bin/python3"):
            if subprocess.run([python, "-c", "import pytest"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0:
                break
        else:
            self.skipTest("no interpreter with pytest (python3-pytest)")
        proc = subprocess.run(
            [python, "-I", "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
             "import pytest_pyheap, pyheap_viewer.formatting as f; "
             "print(pytest_pyheap.parse_size is f.parse_size, f.__file__, "
             "pytest_pyheap.parse_size('64 KB'))", pythondir],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        same, where, size = proc.stdout.split()
        self.assertEqual((same, size), ("True", "64000"))
        self.assertTrue(where.startswith(pythondir), where)

    def test_module_where_the_interpreter_looks(self):
        """The module goes to a directory the configured interpreter searches, if it has one under the prefix."""
        self.assertEqual(self.make_status, 0, self.make_output)
        v = self.vars
        out = subprocess.run([v["PYTHON"], "-c", "import sys; print('\\n'.join(sys.path))"],
                             stdout=subprocess.PIPE, universal_newlines=True,
                             check=True).stdout.split("\n")
        prefix = os.path.normpath(v["prefix"])
        under_prefix = [d for d in out if d and os.path.relpath(d, prefix).startswith("lib")]
        if not under_prefix:
            self.skipTest("the configured interpreter searches nothing under the prefix")
        self.assertIn(v["PYHEAP_PYTHONDIR"], under_prefix)


if __name__ == "__main__":
    unittest.main()
