"""pyheap: helpers the test modules share: run a program under pyheap, read the viewer's JSON."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Environment (set by tests/run-tests, i.e. `make check`):
#   PYHEAP_BUILDDIR  the build tree (its stage/ holds the tool)
#   PYHEAP_SRCDIR    the source tree
#   PYHEAP_PYTHON    the interpreter to profile (default: the real binary
#                    behind `python3` on PATH, resolved through shims)

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

SRCDIR = os.environ.get("PYHEAP_SRCDIR") or os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))
BUILDDIR = os.environ.get("PYHEAP_BUILDDIR") or SRCDIR
VIEWER = os.path.join(SRCDIR, "pyheap", "pyheap_print")
LAUNCHER = os.path.join(BUILDDIR, "pyheap", "pyheap-run")
PROGRAMS = os.path.join(SRCDIR, "tests", "programs")


@functools.lru_cache(maxsize=None)
def python():
    """The interpreter binary to run under Valgrind (never a shell shim)."""
    exe = os.environ.get("PYHEAP_PYTHON") or shutil.which("python3") or sys.executable
    real = subprocess.run([exe, "-c", "import sys; print(sys.executable)"],
                          stdout=subprocess.PIPE, check=True,
                          universal_newlines=True).stdout.strip()
    return os.path.realpath(real)


def clean_env(**extra):
    """The environment for a profiled run: deterministic hashing, no user site."""
    env = dict(os.environ)
    for var in ("PYTHONMALLOC", "PYTHONDEVMODE", "PYTHONTRACEMALLOC",
                "PYTHONSTARTUP", "PYTHONHOME"):
        env.pop(var, None)
    env["PYTHONHASHSEED"] = "0"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONNOUSERSITE"] = "1"
    env.update(extra)
    return env


class RunResult:
    def __init__(self, proc, outfile):
        self.proc = proc
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.outfile = outfile


def pyheap_run(argv, workdir, tool_options=("--time-unit=B",), env=None,
               timeout=900, outfile=None):
    """Run argv under `valgrind --tool=pyheap`; return a RunResult."""
    if outfile is None:
        outfile = os.path.join(workdir, "pyheap.out")
    cmd = [LAUNCHER, "-q", "--pyheap-out-file=" + outfile] + list(tool_options) + list(argv)
    proc = subprocess.run(cmd, cwd=workdir, env=env if env is not None else clean_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=timeout)
    return RunResult(proc, outfile)


def run_python_script(test, source, workdir, tool_options=("--time-unit=B",),
                      env=None, name="prog.py", python_args=()):
    """Write SOURCE to WORKDIR/NAME, run it under pyheap, check it succeeded."""
    path = os.path.join(workdir, name)
    with open(path, "w") as f:
        f.write(source)
    res = pyheap_run([python()] + list(python_args) + [path], workdir,
                     tool_options=tool_options, env=env)
    test.assertEqual(res.returncode, 0, "pyheap run failed:\n" + res.stderr[-3000:])
    test.assertTrue(os.path.getsize(res.outfile) > 0, "empty output file")
    return res


def viewer(args, **kw):
    return subprocess.run([sys.executable, VIEWER] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, **kw)


def viewer_json(outfile, by="line", at="peak"):
    proc = viewer(["--format=json", "--by=" + by, "--at=" + at, outfile])
    if proc.returncode != 0:
        raise AssertionError("pyheap_print failed: " + proc.stderr)
    return json.loads(proc.stdout)


def rows_at(rows, path_suffix, line):
    """The rows whose location is PATH_SUFFIX:LINE."""
    pat = re.compile(r"(^|/)%s:%d$" % (re.escape(path_suffix), line))
    return [r for r in rows if pat.search(r["location"])]


def marker_lines(source):
    """Map each `LINE:name` marker of SOURCE (in a `#` or C comment) to its
    1-based line number."""
    lines = {}
    for number, text in enumerate(source.splitlines(), 1):
        m = re.search(r"LINE:(\w+)", text)
        if m:
            lines[m.group(1)] = number
    return lines


def build_extension(workdir, name):
    """Compile tests/programs/NAME.c, a C extension module, into WORKDIR/NAME.so
    against the profiled interpreter's headers (-g -O0, so that native frames
    have file:line); None if its Python.h is not installed."""
    include = subprocess.run(
        [python(), "-c", "import sysconfig; print(sysconfig.get_paths()['include'])"],
        stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout.strip()
    if not os.path.exists(os.path.join(include, "Python.h")):
        return None
    out = os.path.join(workdir, name + ".so")
    subprocess.run(["gcc", "-shared", "-fPIC", "-g", "-O0", "-I", include,
                    os.path.join(PROGRAMS, name + ".c"), "-o", out],
                   check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return out


def tool_built():
    return os.path.exists(LAUNCHER) and os.path.exists(
        os.path.join(BUILDDIR, "stage", "pyheap-amd64-linux"))


class ToolTestCase(unittest.TestCase):
    """A test that runs the tool: a private scratch directory each."""

    def setUp(self):
        if not tool_built():
            self.fail("the tool is not built: run `make` (PYHEAP_BUILDDIR=%s)" % BUILDDIR)
        self.workdir = tempfile.mkdtemp(prefix="pyheap-test-")

    def tearDown(self):
        shutil.rmtree(self.workdir, ignore_errors=True)
