"""pyheap: `make install` (into a DESTDIR) puts every file where Valgrind, the shell, man and Python find it."""
# SPDX-License-Identifier: GPL-2.0-or-later

import os
import shutil
import subprocess
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
            self.skipTest("%s searches nothing under %s" % (v["PYTHON"], prefix))
        self.assertIn(v["PYHEAP_PYTHONDIR"], under_prefix)


if __name__ == "__main__":
    unittest.main()
