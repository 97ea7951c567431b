"""pyheap: interpreters beyond the plain python3 binary: embedded, too old, free-threaded."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# - Embedded: a C program linked with libpython (the flags of the
#   profiled interpreter's python3.X-config --embed) calls Py_Initialize
#   and runs a script: the script's lines get Python stacks and classes as
#   in `python3 script.py`, the C program's own malloc is raw.
# - An interpreter pyheap does not know (older than 3.11:
#   $PYHEAP_TEST_OLD_PYTHONS, else python3.10 and python3.9 found on PATH or
#   among pyenv's versions, `pyenv root`/versions/3.10.*): one warning line,
#   the run completes, blocks are still classed by allocator and named by
#   native frames.
# - A free-threaded build ($PYHEAP_TEST_FT_PYTHONS, else python3.13t..3.16t
#   on PATH or among pyenv's versions): refused with one line, native
#   frames only, no crash.  No Debian suite ships one, so this is skipped
#   unless one is given.

import glob
import json
import os
import re
import shutil
import subprocess

import support

SCRIPT = r'''
import json
import os
import sys


def build():
    out = []
    for i in range(5):
        out.append(bytes(200000 + i))                               # LINE:big
    return out


keep = build()
words = ["w%d" % i * 4 for i in range(3000)]                        # LINE:words
# A bytes object is one block of exactly sys.getsizeof() bytes (not a GC
# object; header and payload in one allocation, whatever the version).
with open(os.path.join(os.path.dirname(__file__), "facts.json"), "w") as f:
    json.dump({"big": sum(sys.getsizeof(b) for b in keep)}, f)
'''

WARNING = re.compile(r"^==\d+== pyheap: warning: (.*)$")


def python_config(python):
    """The python3.X-config beside PYTHON, or None."""
    path = os.path.join(os.path.dirname(python),
                        "python%d.%d-config" % support.python_version(python)[:2])
    return path if os.access(path, os.X_OK) else None


def pyenv_versions():
    """pyenv's versions directory (`pyenv root`/versions), if pyenv is here."""
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return None
    proc = subprocess.run([pyenv, "root"], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, universal_newlines=True)
    root = proc.stdout.strip() if proc.returncode == 0 else ""
    return os.path.join(root, "versions") if root else None


def interpreters(env_var, names):
    """Interpreters named in $ENV_VAR (colon-separated), else the commands
    NAMES (python3.X or python3.Xt) found on PATH or among pyenv's versions."""
    if os.environ.get(env_var):
        return [p for p in os.environ[env_var].split(":") if p]
    versions = pyenv_versions()
    found = []
    for name in names:
        candidates = [shutil.which(name)] if shutil.which(name) else []
        if versions:
            # pyenv names a free-threaded 3.13 install 3.13.0t, its
            # binary python3.13t; a plain one 3.13.0, python3.13.
            minor = name[len("python"):].rstrip("t")
            suffix = "t" if name.endswith("t") else ""
            candidates += sorted(glob.glob(os.path.join(
                versions, "%s.*%s" % (minor, suffix), "bin", name)))
        for exe in candidates:
            # The real binary (a pyenv shim is a shell script, and may
            # not even run the version it is named after).
            proc = subprocess.run([exe, "-c", "import sys; print(sys.executable)"],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  universal_newlines=True)
            real = os.path.realpath(proc.stdout.strip()) if proc.returncode == 0 else ""
            if real and real not in found:
                found.append(real)
    return found


class EmbedTest(support.ToolTestCase):
    """A C program that embeds the interpreter is profiled like python3 itself."""

    def test_embedded_interpreter(self):
        config = python_config(support.python())
        if config is None:
            self.skipTest("no python3.X-config beside %s" % support.python())
        flags = subprocess.run([config, "--cflags"], stdout=subprocess.PIPE,
                               universal_newlines=True, check=True).stdout.split()
        libs = subprocess.run([config, "--embed", "--ldflags"], stdout=subprocess.PIPE,
                              universal_newlines=True, check=True).stdout.split()
        # pyenv's shared libpython is found through the rpath its
        # --ldflags carry; Debian's is in the default path.
        exe = os.path.join(self.workdir, "embed")
        source = os.path.join(support.PROGRAMS, "embed.c")
        flags = [f for f in flags if not f.startswith("-O") and f != "-DNDEBUG"]
        build = subprocess.run(["gcc", "-g", "-O0"] + flags + [source, "-o", exe] + libs,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               universal_newlines=True)
        self.assertEqual(build.returncode, 0, build.stdout)
        path = support.write_file(self.workdir, "script.py", SCRIPT)
        res = support.pyheap_run([exe, path], self.workdir)
        self.assertEqual(res.returncode, 0, res.stderr[-3000:])
        self.assertNotIn("warning", res.stderr)
        meta = support.read_meta(res.outfile)
        version = subprocess.run([support.python(), "-c",
                                  "import platform; print(platform.python_version())"],
                                 stdout=subprocess.PIPE, universal_newlines=True,
                                 check=True).stdout.strip()
        self.assertEqual(meta["python"], version)
        self.assertEqual(meta["hooks"], "installed")
        lines = support.marker_lines(SCRIPT)
        rows = support.viewer_json(res.outfile, at="exit")
        with open(os.path.join(self.workdir, "facts.json")) as f:
            facts = json.load(f)
        big = support.rows_at(rows, "script.py", lines["big"])
        # Five bytes objects over 512 bytes: python-large, exactly.
        self.assertEqual(sum(r["by_class"]["python-large"] for r in big), facts["big"], big)
        self.assertEqual(sum(r["by_class"]["raw"] for r in big), 0, big)
        self.assertEqual([r["function"] for r in big], ["build"], big)
        words = self.one_row(rows, "script.py", lines["words"])
        self.assertGreaterEqual(words["blocks"], 3000)
        self.assertGreater(words["by_class"]["pymalloc"], 0)
        self.assertEqual(words["by_class"]["raw"], 0)
        # The C program's own block, allocated before Py_Initialize and
        # freed after Py_FinalizeEx: live at exit, raw, named by C frame.
        native_line = support.marker_lines_of(source)["native"]
        native = support.rows_at(support.viewer_json(res.outfile, at="exit", by="line"),
                                 "embed.c", native_line)
        self.assertEqual([(r["bytes"], r["blocks"], r["by_class"]["raw"]) for r in native],
                         [(77777, 1, 77777)], native)


class UnsupportedInterpreterTest(support.ToolTestCase):
    """Interpreters pyheap cannot read: one warning, native frames, no crash."""

    def check_native_only(self, python, expect, why):
        """Run SCRIPT with PYTHON: the one warning says WHY (and matches
        EXPECT), then the profile has native frames only."""
        path = support.write_file(self.workdir, "script.py", SCRIPT)
        res = support.pyheap_run(
            [python, path], self.workdir,
            stderr_exp="==PID== pyheap: warning: %s: profiling native frames only\n" % why)
        self.assertEqual(res.returncode, 0, res.stderr[-3000:])
        # -q: the warning is the only thing Valgrind prints.
        lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
        self.assertEqual(len(lines), 1, res.stderr)
        m = WARNING.match(lines[0])
        self.assertIsNotNone(m, lines[0])
        what, _, then = m.group(1).rpartition(": ")
        self.assertRegex(what, expect)
        self.assertEqual(then, "profiling native frames only", lines[0])
        meta = support.read_meta(res.outfile)
        self.assertTrue(meta["python"].startswith("unsupported"), meta)
        # The peak (the script's last line) holds everything it made.  No
        # Python frame anywhere; the blocks are named after C functions of
        # the interpreter, and still classed by allocator.
        rows = support.viewer_json(res.outfile, at="peak", by="function")
        self.assertEqual([r for r in rows if ".py" in r["location"]], [])
        self.assertTrue(any(r["function"] for r in rows), rows[:5])
        total = {k: sum(r["by_class"][k] for r in rows)
                 for k in ("raw", "pymalloc", "python-large")}
        self.assertGreaterEqual(total["python-large"], sum(200000 + i for i in range(5)))
        self.assertGreater(total["pymalloc"], 3000 * 16)

    def test_older_than_3_11(self):
        pythons = interpreters("PYHEAP_TEST_OLD_PYTHONS", ["python3.10", "python3.9"])
        if not pythons:
            self.skipTest("no Python 3.9 or 3.10 on PATH or in pyenv: set "
                          "PYHEAP_TEST_OLD_PYTHONS=/path/to/python3.10[:...]")
        for python in pythons:
            with self.subTest(python=python):
                self.check_native_only(
                    python, r"^this Python is older than 3\.11 and not supported$",
                    "this Python is older than 3.11 and not supported")

    def test_free_threaded(self):
        pythons = interpreters("PYHEAP_TEST_FT_PYTHONS",
                               ["python3.13t", "python3.14t", "python3.15t", "python3.16t"])
        if not pythons:
            self.skipTest("no free-threaded Python (python3.13t..3.16t) on PATH or in "
                          "pyenv: set PYHEAP_TEST_FT_PYTHONS=/path/to/python3.13t[:...]")
        for python in pythons:
            with self.subTest(python=python):
                self.check_native_only(
                    python, r"^Python 3\.\d+\.\d+: a free-threaded \(no GIL\) build$",
                    "Python %d.%d.%d: a free-threaded (no GIL) build"
                    % support.python_version(python))
