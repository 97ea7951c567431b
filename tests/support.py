"""pyheap: helpers the test modules share: run a program under pyheap and compare its filtered stderr, read the viewer's JSON."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Environment (set by tests/run-tests, i.e. `make check`):
#   PYHEAP_BUILDDIR  the build tree (its stage/ holds the tool)
#   PYHEAP_SRCDIR    the source tree
#   PYHEAP_PYTHON    the interpreter to profile (default: the real binary
#                    behind `python3` on PATH, resolved through shims)

import atexit
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


# --- the tool's stderr, filtered and compared --------------------------------
#
# Valgrind's regression tests are data: a program, its options, and the
# expected *filtered* stderr (`.stderr.exp`), compared line for line after a
# filter script has replaced what changes from run to run.  pyheap's tool
# tests do the same: every run of the launcher goes through run_tool() (or
# tool_command() and check_stderr() for a run the test drives itself), whose
# filtered stderr must equal the text the test names -- "" by default: the
# launcher runs with -q, which drops Valgrind's preamble and pyheap's
# "wrote FILE" line but not their user messages (VG_(umsg): pyheap's
# warnings and errors, the exec notice, Valgrind's own warnings) nor the
# option errors.  A new "pyheap: warning" or Valgrind message therefore
# fails every test whose run prints it.
#
# Who wrote a line: Valgrind and the tool prefix theirs with `==PID==`
# (user messages), `--PID--` (debug messages) or `**PID**`, or, before the
# log is set up (option errors), `valgrind:`; the launcher's own lines start
# `pyheap-run:`.  Everything else is the program's own (a traceback a test
# provokes on purpose...), and is compared as well: every program run here
# is the test's own.  A failure says which lines are whose.
#
# The filter (filter_stderr) replaces
#   - the run's scratch directory by $WORKDIR, the profiled interpreter by
#     $PYTHON, the source and build trees by $SRCDIR and $BUILDDIR (longest
#     first, the paths as given and as resolved);
#   - the pid in `==123==`, `--123--`, `**123**` by PID;
#   - hexadecimal numbers (addresses: a whole word 0x...) by 0x.........
# Nothing else: a message whose wording differs between the Valgrind or
# Python versions of the matrix gets its own expected text in the test that
# provokes it (computed from the version), never a looser comparison.
#
# Expected texts of more than one line are data files,
# tests/data/tool/NAME.stderr.exp (stderr_exp(NAME)); one line is written
# next to the test that expects it, where the values it names (a path, a
# version) are at hand.

TOOL_DATA = os.path.join(SRCDIR, "tests", "data", "tool")
TOOL_LINE = re.compile(r"^(==PID==|--PID--|\*\*PID\*\*|valgrind:|pyheap-run:)")


def stderr_exp(name):
    """The expected filtered stderr tests/data/tool/NAME.stderr.exp."""
    with open(os.path.join(TOOL_DATA, name + ".stderr.exp")) as f:
        return f.read()


def filter_stderr(text, workdir=None):
    """TEXT (a run's stderr) with what changes from run to run replaced:
    pids, addresses, the scratch directory WORKDIR, the interpreter, the
    trees."""
    subs = {}
    for path, name in ((workdir, "$WORKDIR"), (python(), "$PYTHON"),
                       (SRCDIR, "$SRCDIR"), (BUILDDIR, "$BUILDDIR")):
        if path:
            for form in (path, os.path.realpath(path)):
                subs.setdefault(form.rstrip("/"), name)
    ordered = sorted(subs.items(), key=lambda item: -len(item[0]))
    out = []
    for line in text.splitlines():
        # The paths first: a scratch directory's random name may hold
        # "0x" and hex digits ("pyheap-test-e60xeogl").
        for path, name in ordered:
            line = line.replace(path, name)
        line = re.sub(r"^(==|--|\*\*)\d+(==|--|\*\*)", r"\1PID\2", line)
        line = re.sub(r"\b0x[0-9A-Fa-f]+\b", "0x........", line)
        out.append(line)
    return "".join(line + "\n" for line in out)


def check_stderr(stderr, expected, workdir=None, what="the run"):
    """Raise AssertionError unless STDERR, filtered, is EXPECTED (line for
    line); the message shows both, each line marked as the tool's (T) or
    the program's (P)."""
    got = filter_stderr(stderr, workdir)
    if got.splitlines() == expected.splitlines():
        return got

    def marked(text):
        return "".join("  %s %s\n" % ("T" if TOOL_LINE.match(ln) else "P", ln)
                       for ln in text.splitlines()) or "  (nothing)\n"

    raise AssertionError(
        "%s: stderr (filtered; T: Valgrind or the tool, P: the program) is not "
        "what the test expects.\nexpected:\n%sgot:\n%sraw stderr (last 3000):\n%s"
        % (what, marked(expected), marked(got), stderr[-3000:]))


class RunResult:
    def __init__(self, proc, outfile):
        self.proc = proc
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.outfile = outfile


def tool_command(tool_options, argv):
    """The launcher's command line: -q, exactly TOOL_OPTIONS, then ARGV."""
    return [LAUNCHER, "-q"] + list(tool_options) + list(argv)


def run_tool(argv, workdir, tool_options, env=None, timeout=900, stderr_exp="",
             outfile=None):
    """Run ARGV in WORKDIR under the tool with exactly TOOL_OPTIONS (-q);
    check that its filtered stderr is STDERR_EXP; return a RunResult."""
    proc = subprocess.run(tool_command(tool_options, argv), cwd=workdir,
                          env=env if env is not None else clean_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=timeout)
    check_stderr(proc.stderr, stderr_exp, workdir,
                 "%s (exit status %d)" % (" ".join(argv), proc.returncode))
    return RunResult(proc, outfile)


def pyheap_run(argv, workdir, tool_options=("--time-unit=B",), env=None,
               timeout=900, outfile=None, stderr_exp=""):
    """Run argv under `valgrind --tool=pyheap`, its file OUTFILE (default
    WORKDIR/pyheap.out); check its stderr (see run_tool); return a RunResult."""
    if outfile is None:
        outfile = os.path.join(workdir, "pyheap.out")
    return run_tool(argv, workdir, ["--pyheap-out-file=" + outfile] + list(tool_options),
                    env=env, timeout=timeout, stderr_exp=stderr_exp, outfile=outfile)


def bad_option_stderr(option, reason=None):
    """What Valgrind prints when it refuses OPTION, before its log starts
    (so `valgrind:` lines, no pid): REASON is the option's own line (the
    tool's words or Valgrind's range check), None for an option no one knows."""
    if reason is None:
        first = "valgrind: Unknown option: %s\n" % option
    else:
        first = "valgrind: Bad option: %s\nvalgrind: %s\n" % (option, reason)
    return first + "valgrind: Use --help for more information or consult the user manual.\n"


# A program that must not run when the tool refuses its options: it would
# leave a file `ran` behind.
RAN_SCRIPT = 'open("ran", "w").write("ran\\n")\n'


def run_refused(test, tool_options, stderr_exp):
    """Run a script under the tool with TOOL_OPTIONS, which the tool must
    refuse: a non-zero status, STDERR_EXP, the script never ran (it would
    leave a file `ran`), no output file.  Return the RunResult."""
    script = write_file(test.workdir, "ran.py", RAN_SCRIPT)
    out = os.path.join(test.workdir, "refused.out")
    res = run_tool([python(), script], test.workdir,
                   ["--pyheap-out-file=" + out] + list(tool_options), stderr_exp=stderr_exp)
    test.assertNotEqual(res.returncode, 0, res.stderr)
    test.assertFalse(os.path.exists(os.path.join(test.workdir, "ran")),
                     "the program ran despite %s" % " ".join(tool_options))
    test.assertFalse(os.path.exists(out), "an output file was written")
    return res


def write_file(directory, name, text):
    """Write TEXT to DIRECTORY/NAME; return its path."""
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def run_python_script(test, source, workdir, tool_options=("--time-unit=B",),
                      env=None, name="prog.py", python_args=(), args=(),
                      stderr_exp=""):
    """Write SOURCE to WORKDIR/NAME, run it under pyheap with ARGS, check it
    succeeded and wrote its file; return the RunResult."""
    path = write_file(workdir, name, source)
    res = pyheap_run([python()] + list(python_args) + [path] + list(args), workdir,
                     tool_options=tool_options, env=env, stderr_exp=stderr_exp)
    test.assertEqual(res.returncode, 0, "pyheap run failed:\n" + res.stderr[-3000:])
    test.assertTrue(os.path.getsize(res.outfile) > 0, "empty output file")
    return res


def run_with_facts(test, source, workdir, args=(), **kw):
    """run_python_script() for a script whose first argument is the path of a
    JSON file it writes (its own facts: sizes from sys.getsizeof...); return
    (RunResult, facts)."""
    facts_path = os.path.join(workdir, "facts.json")
    res = run_python_script(test, source, workdir, args=[facts_path] + list(args), **kw)
    with open(facts_path) as f:
        return res, json.load(f)


def read_meta(path):
    """The `meta NAME VALUE` records of a pyheap file, as a dict."""
    with open(path, encoding="utf-8") as f:
        return dict(ln.rstrip("\n").split(" ", 2)[1:] for ln in f if ln.startswith("meta "))


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


def marker_lines_of(path):
    """marker_lines() of the file PATH (a C program, an extension)."""
    with open(path) as f:
        return marker_lines(f.read())


def python_version(exe=None):
    """(major, minor, micro) of the interpreter EXE (default: the profiled one)."""
    out = subprocess.run([exe or python(), "-c",
                          "import sys; print(*sys.version_info[:3])"],
                         stdout=subprocess.PIPE, universal_newlines=True, check=True)
    return tuple(int(x) for x in out.stdout.split())


def python_with_pytest():
    """The profiled interpreter if it can import pytest, else Debian's
    /usr/bin/python3 if that can; None if neither can."""
    for exe in (python(), "/usr/bin/python3"):
        if exe and os.path.exists(exe) and subprocess.run(
                [exe, "-c", "import pytest"], stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL).returncode == 0:
            return os.path.realpath(exe)
    return None


def compile_program(workdir, source, compiler="gcc", extra=(), debug=True):
    """Compile the C or C++ program SOURCE (-O0, -g unless not DEBUG, with
    pyheap.h on the include path) into WORKDIR; return the executable."""
    exe = os.path.join(workdir, os.path.splitext(os.path.basename(source))[0])
    subprocess.run([compiler, "-O0"] + (["-g"] if debug else [])
                   + ["-I", os.path.join(SRCDIR, "pyheap")] + list(extra)
                   + [source, "-o", exe],
                   check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return exe


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


def shared_scratch_dir():
    """A scratch directory that lives until the test process ends: for a
    run that several tests of a class share (made by the first test that
    needs it, kept in a class-level dict)."""
    path = tempfile.mkdtemp(prefix="pyheap-test-")
    atexit.register(shutil.rmtree, path, True)
    return path


class ToolTestCase(unittest.TestCase):
    """A test that runs the tool: a private scratch directory each."""

    def setUp(self):
        if not tool_built():
            self.fail("the tool is not built: run `make` (PYHEAP_BUILDDIR=%s)" % BUILDDIR)
        self.workdir = tempfile.mkdtemp(prefix="pyheap-test-")

    def tearDown(self):
        shutil.rmtree(self.workdir, ignore_errors=True)

    def one_row(self, rows, path_suffix, line):
        """The one row of ROWS at PATH_SUFFIX:LINE (fails if there are none or several)."""
        found = rows_at(rows, path_suffix, line)
        self.assertEqual(len(found), 1, "%s:%d: expected one row, got %r"
                         % (path_suffix, line, found))
        return found[0]
