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
        # A forked child's file is named by its pid (ph_exec.c).
        line = re.sub(r"a forked child \(pid (\d+)\): wrote (\S*)\.\1,",
                      r"a forked child (pid CHILD): wrote \2.CHILD,", line)
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

# ===========================================================================
# The viewer: pyheap_print and its package, pyheap/pyheap_viewer
# ===========================================================================
#
# Helpers of tests/test_viewer*.py and tests/test_gate.py, kept here (and
# apart from the tool's helpers above) so that no test module imports
# another.  Their imports are here too, with the section.

import ast  # noqa: E402
import contextlib  # noqa: E402
import glob  # noqa: E402
import importlib  # noqa: E402
import io  # noqa: E402
import random  # noqa: E402

VIEWER_DATA = os.path.join(SRCDIR, "tests", "data", "viewer")
LEAKHUNT_DATA = os.path.join(SRCDIR, "tests", "data", "leakhunt")
# PYHEAP_REGEN=1 rewrites the golden outputs (*.expected): then review
# `git diff tests/data`.
REGEN = bool(os.environ.get("PYHEAP_REGEN"))
CLASS_KEYS = ["raw", "pymalloc", "python-large"]

# The real runs of tests/data/viewer/ (regen.sh there).
REAL = "realapp.out"
OLD = "diffapp-old.out"
NEW = "diffapp-new.out"


def viewer_module(name):
    """The module pyheap_viewer.NAME of the source tree, imported."""
    parent = os.path.join(SRCDIR, "pyheap")
    if parent not in sys.path:
        sys.path.insert(0, parent)
    return importlib.import_module("pyheap_viewer." + name)


def run_viewer(args, cwd=VIEWER_DATA, env_extra=None):
    """Run the viewer as a program, any internal error a traceback
    (PYHEAP_PRINT_DEBUG=1); return (status, stdout, stderr) as bytes."""
    env = dict(os.environ)
    env["PYHEAP_PRINT_DEBUG"] = "1"
    env.pop("PYTHONWARNINGS", None)
    if env_extra:
        env.update(env_extra)
    proc = subprocess.run([sys.executable, VIEWER] + list(args), cwd=cwd,
                          env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def run_viewer_text(args, cwd=None, python=None):
    """Run the viewer as a user would (no PYHEAP_PRINT_DEBUG), with
    `python` (default: this interpreter); return the CompletedProcess,
    its output as text."""
    return subprocess.run([python or sys.executable, VIEWER] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, cwd=cwd,
                          env=dict(os.environ, PYHEAP_PRINT_DEBUG=""))


def run_in_process(args):
    """Run the viewer's main() in this process, any internal error raised
    (PYHEAP_PRINT_DEBUG=1); return (status, stdout, stderr) as bytes."""
    main = viewer_module("cli").main
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    status = 0
    old = os.environ.get("PYHEAP_PRINT_DEBUG")
    os.environ["PYHEAP_PRINT_DEBUG"] = "1"   # internal errors raise
    try:
        with contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err):
            try:
                main(args)
            except SystemExit as exc:
                status = exc.code
    finally:
        if old is None:
            del os.environ["PYHEAP_PRINT_DEBUG"]
        else:
            os.environ["PYHEAP_PRINT_DEBUG"] = old
    out.flush()
    err.flush()
    return status, out.buffer.getvalue(), err.buffer.getvalue()


def read_viewer_data(name):
    with open(os.path.join(VIEWER_DATA, name), "rb") as f:
        return f.read()


def assert_golden(test, directory, name, text):
    """`text` is the golden output DIRECTORY/NAME, byte for byte."""
    path = os.path.join(directory, name)
    if REGEN:
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    with open(path, encoding="utf-8", newline="") as f:
        expected = f.read()
    test.assertEqual(text, expected, "output differs from " + name)


# json_row(..., user=OWN): the row is named by a frame of the user's own
# code, which is then its user frame too.
OWN = object()


def json_row(location, function, nbytes, blocks, raw=0, pymalloc=0,
             large=0, *, user):
    """A row of --format=json as the contract defines it.  `user` is the
    row's user frame, (user_location, user_function): OWN when that is the
    row's own location and function (a --by=line row of the user's own
    code), None when the row's stacks have no user frame."""
    if user is OWN:
        user = (location, function)
    return {"location": location, "function": function, "bytes": nbytes,
            "blocks": blocks, "by_class": {"raw": raw, "pymalloc": pymalloc,
                                           "python-large": large},
            "user_location": user[0] if user else None,
            "user_function": user[1] if user else None}


_JSON_CACHE = {}


def cached_json(*args):
    """The viewer's JSON output for `args` in tests/data/viewer (parsed),
    computed once."""
    key = ("json",) + args
    if key not in _JSON_CACHE:
        status, out, err = run_viewer(list(args))
        if status != 0 or err:
            raise AssertionError("viewer failed: %r: %s" % (args, err))
        _JSON_CACHE[key] = json.loads(out.decode("utf-8"))
    return _JSON_CACHE[key]


def snapshot_classes(path, n):
    """{class: (bytes, blocks)} of the `c` lines of snapshot `n` of a
    file of tests/data/viewer."""
    with open(os.path.join(VIEWER_DATA, path), encoding="utf-8") as f:
        lines = f.read().split("\n")
    for i, line in enumerate(lines):
        if line.startswith("snapshot %d " % n):
            out = {}
            for c in lines[i + 1:i + 4]:
                _, name, nbytes, nblocks = c.split()
                out[name] = (int(nbytes), int(nblocks))
            return out
    raise AssertionError("no snapshot %d in %s" % (n, path))


# The records whose fields after the tag are all numbers (but a class
# name), which damaged_copies() changes the digits of.
NUMERIC_TAGS = (b"t", b"c", b"a", b"b", b"y", b"m", b"born", b"arenas",
                b"pinned", b"tot", b"gone", b"epochs")
DAMAGE_KINDS = 8


def damaged_copies(good, n_cases, seed, kinds=range(DAMAGE_KINDS)):
    """(name, kind, data) for `n_cases` seeded damages of the file
    contents `good`, of the `kinds` in turn: 0 bytes flipped to anything,
    1 a tricky byte, 2 one bit flipped, 3 a truncation, 4 lines dropped,
    repeated or swapped, 5 one digit of a number changed, 6 lines dropped,
    repeated or swapped with the trailer recounted, 7 a number made too
    big for 64 bits."""
    rnd = random.Random(seed)
    tricky = b" \n-0x_+\\9\t\x00\xff#"
    lines = good.split(b"\n")[:-1]
    numeric = [i for i, line in enumerate(lines)
               if line.split(b" ", 1)[0] in NUMERIC_TAGS]
    kinds = list(kinds)
    for i in range(n_cases):
        kind = kinds[i % len(kinds)]
        if kind >= 5:
            yield ("case %d (kind %d)" % (i, kind), kind,
                   _semantic_damage(rnd, kind, lines, numeric))
            continue
        data = bytearray(good)
        if kind == 0:           # flip 1 to 4 bytes to anything
            for _ in range(rnd.randint(1, 4)):
                data[rnd.randrange(len(data))] = rnd.randrange(256)
        elif kind == 1:         # a tricky byte
            data[rnd.randrange(len(data))] = rnd.choice(tricky)
        elif kind == 2:         # flip one bit
            pos = rnd.randrange(len(data))
            data[pos] ^= 1 << rnd.randrange(8)
        elif kind == 3:         # truncate
            data = data[:rnd.randrange(len(data))]
        else:                   # drop, repeat or swap lines
            copy = list(lines)
            _move_a_line(rnd, copy, 0)
            data = bytearray(b"\n".join(copy) + b"\n")
        yield "case %d (kind %d)" % (i, kind), kind, bytes(data)


def _move_a_line(rnd, lines, first):
    """Drop, repeat or swap a line of `lines[first:]`, in place."""
    j = rnd.randrange(first, len(lines))
    how = rnd.randrange(3)
    if how == 0:
        del lines[j]
    elif how == 1:
        lines.insert(j, lines[j])
    else:
        k = rnd.randrange(first, len(lines))
        lines[j], lines[k] = lines[k], lines[j]


def _semantic_damage(rnd, kind, lines, numeric):
    """A damage that keeps every record well-formed (damaged_copies())."""
    copy = list(lines[:-1])         # without the trailer
    if kind == 6:
        _move_a_line(rnd, copy, 1)      # the first line stays first
    else:
        j = rnd.choice(numeric)
        fields = copy[j].split(b" ")
        spots = [f for f in range(1, len(fields)) if fields[f].isdigit()]
        f = rnd.choice(spots)
        if kind == 5:
            digits = bytearray(fields[f])
            d = rnd.randrange(len(digits))
            digits[d] = rnd.choice([c for c in b"0123456789"
                                    if c != digits[d]])
            fields[f] = bytes(digits)
        else:
            fields[f] = str(rnd.choice((2 ** 64, 10 ** 30,
                                        2 ** 64 + int(fields[f])))).encode()
        copy[j] = b" ".join(fields)
    copy.append(b"end-of-file %d" % len(copy))
    return b"\n".join(copy) + b"\n"


def format_violations(data):
    """The rules of docs/file-format.md that span records which the file
    contents `data` break, as a list of strings (empty: none).  An oracle
    for the fuzz tests, written apart from the viewer's invariants.py;
    `data` must be well-formed record by record (the viewer accepted it)."""
    u64 = (1 << 64) - 1
    cls_of = {b"raw": 0, b"pymalloc": 1, b"python-large": 2}
    found = []
    snap = None
    last_n = None
    last = {}

    def in_order(tag, key, where):
        if tag in last and key < last[tag]:
            found.append("%s: '%s' out of order" % (where, tag))
        last[tag] = key

    for lineno, line in enumerate(data.split(b"\n")[:-1], 1):
        f = line.split(b" ")
        tag = f[0]
        where = "line %d" % lineno
        if tag in NUMERIC_TAGS or tag == b"snapshot":
            for field in f[1:]:
                if field.isdigit() and int(field) > u64:
                    found.append("%s: %s over 64 bits" % (where, field))
        if tag == b"t":
            v = [int(x) for x in f[1:]]
            if v[2] != v[4] + v[5] + v[6]:
                found.append("%s: heap_B is not the classes' sum" % where)
        elif tag == b"snapshot":
            n = int(f[1])
            if last_n is not None and n <= last_n:
                found.append("%s: snapshot out of order" % where)
            last_n = n
            snap = {"kind": f[3], "c": [], "a": None, "b": [0, 0, 0],
                    "bn": [0, 0, 0], "cn": [], "nb": 0, "y": [0, 0, 0], "ny": 0, "born": [0, 0, 0],
                    "epochs": None, "bands": [], "line": lineno}
            for t in (b"b", b"y", b"m", b"born", b"pinned"):
                last.pop(t, None)
        elif tag == b"c":
            snap["c"].append(int(f[2]))
            snap["cn"].append(int(f[3]))
        elif tag == b"a":
            snap["a"] = int(f[1])
        elif tag == b"b":
            c = cls_of[f[2]]
            snap["b"][c] += int(f[3])
            snap["bn"][c] += int(f[4])
            snap["nb"] += 1
            in_order(b"b", (-int(f[3]), int(f[1]), c), where)
        elif tag == b"y":
            c = cls_of[f[2]]
            if c == 0:
                found.append("%s: a raw 'y' record" % where)
            snap["y"][c] += int(f[4])
            snap["ny"] += 1
            in_order(b"y", (-int(f[4]), int(f[1]), c, int(f[3])), where)
        elif tag == b"m":
            in_order(b"m", (int(f[3]), -int(f[4]), int(f[1]),
                            cls_of[f[2]]), where)
        elif tag == b"epochs":
            snap["epochs"] = int(f[2])
        elif tag == b"born":
            c = cls_of[f[2]]
            if int(f[3]) >= snap["epochs"]:
                found.append("%s: epoch out of range" % where)
            snap["born"][c] += int(f[4])
            in_order(b"born", (int(f[3]), -int(f[4]), int(f[1]), c), where)
        elif tag == b"arenas":
            snap["bands"].append(int(f[2]))
        elif tag == b"pinned":
            in_order(b"pinned", (int(f[2]), -int(f[3]), -int(f[4]),
                                 int(f[1])), where)
        elif tag in (b"tot", b"gone"):
            in_order(tag, (-int(f[3]), int(f[1]), cls_of[f[2]]), where)
        elif tag == b"end-snapshot":
            s = snap
            at = "snapshot of line %d" % s["line"]
            thinned = s["kind"] == b"mark" and s["nb"] == 0
            if s["kind"] != b"region" and not thinned and (
                    s["b"] != s["c"] or s["bn"] != s["cn"]):
                found.append("%s: 'b' sums differ from 'c'" % at)
            if s["ny"] and s["y"][1:] != s["b"][1:]:
                found.append("%s: 'y' sums differ from 'b'" % at)
            if s["epochs"] is not None and s["born"] != s["c"]:
                found.append("%s: 'born' sums differ from 'c'" % at)
            if s["bands"] and (len(s["bands"]) != 10
                               or sum(s["bands"]) != s["a"]):
                found.append("%s: 'arenas' counts differ from 'a'" % at)
            snap = None
    return found


def typed_region_file(tmp, extra_exit=b""):
    """basic.out with the records of the draft format in
    docs/file-format.md: `y` records (live Python blocks by type) in the
    exit snapshot and a `region` snapshot at sample 7, whose `b` records
    are the blocks allocated inside the region.  Returns its path."""
    with open(os.path.join(VIEWER_DATA, "basic.out"), "rb") as f:
        lines = f.read().split(b"\n")[:-1]
    out = []
    for line in lines:
        if line.startswith(b"end-of-file "):
            break
        if line == b"snapshot 8 15000000 user after load":
            out.extend([
                b"snapshot 7 12000000 region load-config",
                b"c raw 100000 20", b"c pymalloc 100000 800",
                b"c python-large 2800000 80",
                b"a 2 2097152 100000 100000 32768",
                b"b 3 python-large 2000000 1",
                b"b 2 pymalloc 3000 30",
                b"y 3 python-large 19 2000000 1",
                b"y 2 pymalloc 20 2000 20",
                b"y 2 pymalloc -1 1000 10",
                b"end-snapshot"])
        out.append(line)
        if line == b"s 18 /lib64/ld-linux-x86-64.so.2":
            out.extend([b"s 19 bytes", b"s 20 tuple"])
        if line == b"b -1 raw 4096 2" and out[-8].startswith(
                b"snapshot 9 "):
            out.extend([b"y 4 python-large 19 1048576 1"])
            out.extend(extra_exit.split(b"\n") if extra_exit else [])
    data = b"\n".join(out) + b"\n"
    data += b"end-of-file %d\n" % (len(out))
    path = os.path.join(tmp, "typed.out")
    with open(path, "wb") as f:
        f.write(data)
    return path


class ViewerTestCase(unittest.TestCase):
    """A test of the viewer on the files of tests/data/viewer."""

    maxDiff = None

    def setUp(self):
        self.assertTrue(os.path.isfile(VIEWER), VIEWER)

    def view(self, *args, **kwargs):
        """Run successfully; return stdout as str."""
        status, out, err = run_viewer(args, **kwargs)
        self.assertEqual(err.decode("utf-8", "replace"), "")
        self.assertEqual(status, 0)
        return out.decode("utf-8")

    def json(self, *args):
        text = self.view("--format=json", *args)
        return json.loads(text)

    def assert_error(self, args, status, *fragments, **kwargs):
        """Fail with `status`, nothing on stdout, one line on stderr that
        holds every fragment; return that line."""
        code, out, err = run_viewer(args, **kwargs)
        text = err.decode("utf-8")
        self.assertNotIn("Traceback", text)
        self.assertEqual(code, status, text)
        self.assertEqual(out, b"")
        self.assertTrue(text.endswith("\n"), repr(text))
        self.assertEqual(text.count("\n"), 1, repr(text))
        self.assertTrue(text.startswith("pyheap_print: error: "), text)
        for fragment in fragments:
            self.assertIn(fragment, text)
        return text.rstrip("\n")

    def assert_golden(self, name, text):
        assert_golden(self, VIEWER_DATA, name, text)


# -- a generated batch job with known figures (--growth, --leaks, --check) --
#
# build_profile() writes a valid pyheap output file for a made-up batch job
# (app.py) whose figures are known exactly:
#
#   k2  app.py:10 process   the leak: LEAK_B (100,000 B, pymalloc, type
#                           Record) per iteration, never freed
#   k3  app.py:14 cache_get a cache: CACHE_B (10,000 B, type str) per
#                           iteration; bounded=True: it holds at most
#                           CACHE_ITERS iterations' entries (a plateau),
#                           bounded=False: it keeps all (a leak too)
#   k4  app.py:12 process   temporary work: allocated and freed inside each
#                           iteration, live only at the mid-iteration
#                           snapshots, with varying sizes (noise)
#   k5  app.py:16 native    RAW_B (4,096 B, raw) per iteration, never freed
#   k1  app.py:20 main      start-up: 500,000 B allocated in iteration 1
#
# Iteration k runs from time (k-1)*STEP to k*STEP: a detailed snapshot in
# its middle and, with marks=True, a mark snapshot at its end
# (mark_window WINDOW, `m` records of the last WINDOW birth iterations);
# then the peak and the exit snapshot (`y` records and, with marks, `m`
# records for every birth iteration).  thin=SET drops the `b` records of
# those marks, as --max-mark-snapshots does.

STEP = 1000000
LEAK_B = 100000
CACHE_B = 10000
CACHE_ITERS = 3
RAW_B = 4096
START_B = 500000
WINDOW = 4
NOISE = (20000, 5000, 45000, 0, 30000, 12000, 41000, 8000, 26000, 3000,
         37000, 15000, 22000, 44000, 1000, 33000)

# kid -> (parent, frame index); frames: (line, function)
FRAMES = [(30, "<module>"), (20, "main"), (10, "process"),
          (14, "cache_get"), (12, "process"), (16, "native")]
STACKS = [(-1, 0), (0, 1), (1, 2), (1, 3), (1, 4), (1, 5)]
CLASS_OF = {1: "pymalloc", 2: "pymalloc", 3: "pymalloc", 4: "pymalloc",
            5: "raw"}
TYPE_OF = {1: "dict", 2: "Record", 3: "str", 4: "list"}


def births_at(k, iters, bounded):
    """{(kid, birth): bytes} live at the end of iteration k (k <= iters)
    or at exit (k = iters + 1, after half an iteration more)."""
    out = {(1, 1): START_B}
    for j in range(1, k + 1):
        if j == iters + 1:
            out[(2, j)] = LEAK_B // 2
            continue
        out[(2, j)] = LEAK_B
        out[(5, j)] = RAW_B
        if not bounded or j > min(k, iters) - CACHE_ITERS:
            out[(3, j)] = CACHE_B
    return out


def build_profile(path, iters=12, marks=True, bounded=True, thin=(),
                  label="batch", regions=()):
    strings = ["app.py", "<module>", "main", "process", "cache_get",
               "native", "Record", "str", "dict", "list"]
    sid = {s: i for i, s in enumerate(strings)}
    lines = ["pyheap-out 1",
             "meta cmd python3 app.py",
             "meta pid 4242", "meta pyheap 0.1.0", "meta valgrind 3.19.0",
             "meta options --time-unit=B", "meta time_unit B",
             "meta depth 30", "meta native no", "meta python 3.11.2",
             "meta hooks installed"]
    if marks:
        lines += ["meta marks %d" % iters, "meta mark_window %d" % WINDOW]
    lines += ["s %d %s" % (i, s) for i, s in enumerate(strings)]
    lines += ["f %d py 0 %d %d" % (i, line, sid[fn])
              for i, (line, fn) in enumerate(FRAMES)]
    lines += ["k %d %d %d" % (i, parent, fid)
              for i, (parent, fid) in enumerate(STACKS)]
    snaps = []      # (time, kind, label, {kid: bytes}, births or None)
    for k in range(1, iters + 1):
        live = births_at(k, iters, bounded)
        mid = births_at(k - 1, iters, bounded) if k > 1 else {}
        sites = {}
        for (kid, _), nbytes in mid.items():
            sites[kid] = sites.get(kid, 0) + nbytes
        sites[1] = START_B
        noise = NOISE[k % len(NOISE)]
        if noise:
            sites[4] = noise
        snaps.append(((k - 1) * STEP + STEP // 2, "detailed", None, sites,
                      None, True))
        if k <= len(regions):
            # A region closed at 3/4 of the iteration, which left
            # regions[k-1][1] bytes at the leak's line.
            name, left = regions[k - 1]
            snaps.append(((k - 1) * STEP + 3 * STEP // 4, "region", name,
                          {2: left}, None, True))
        if marks:
            sites = {}
            for (kid, _), nbytes in live.items():
                sites[kid] = sites.get(kid, 0) + nbytes
            window = {key: v for key, v in live.items()
                      if key[1] > k - WINDOW}
            snaps.append((k * STEP, "mark", label, sites, window,
                          k not in thin))
    final = births_at(iters + 1, iters, bounded)
    sites = {}
    for (kid, _), nbytes in final.items():
        sites[kid] = sites.get(kid, 0) + nbytes
    end = iters * STEP + STEP // 2
    snaps.append((end - 1000, "peak", None, dict(sites), None, True))
    snaps.append((end, "exit", None, sites, final if marks else None, True))
    lines.append("t 0 0 0 0 0 0 0 0 0")
    body = []
    for n, (time, kind, lab, full, births, with_b) in enumerate(snaps, 1):
        sites = full if with_b else None
        cls = {"raw": [0, 0], "pymalloc": [0, 0], "python-large": [0, 0]}
        totals = full
        if kind == "region":
            # The class lines are the whole heap's.
            totals = snaps[n - 2][3]
        for kid, nbytes in totals.items():
            acc = cls[CLASS_OF[kid]]
            acc[0] += nbytes
            acc[1] += max(1, nbytes // 100)
        heap = sum(v[0] for v in cls.values())
        blocks = sum(v[1] for v in cls.values())
        pym = cls["pymalloc"][0]
        lines.append("t %d %d %d %d %d %d %d %d %d"
                     % (n, time, heap, blocks, cls["raw"][0], pym,
                        cls["python-large"][0], 1048576 * 2, 2))
        rec = ["snapshot %d %d %s%s" % (n, time, kind,
                                        " " + lab if lab else "")]
        rec += ["c %s %d %d" % (name, cls[name][0], cls[name][1])
                for name in ("raw", "pymalloc", "python-large")]
        rec.append("a 2 2097152 %d %d 16384" % (pym, pym))
        if sites is not None:
            for kid, nbytes in sorted(sites.items(),
                                      key=lambda kv: (-kv[1], kv[0])):
                rec.append("b %d %s %d %d" % (kid, CLASS_OF[kid], nbytes,
                                              max(1, nbytes // 100)))
        if kind == "exit":
            for kid, nbytes in sorted(sites.items(),
                                      key=lambda kv: (-kv[1], kv[0])):
                if CLASS_OF[kid] != "raw":
                    rec.append("y %d %s %d %d %d"
                               % (kid, CLASS_OF[kid],
                                  sid[TYPE_OF[kid]], nbytes,
                                  max(1, nbytes // 100)))
        if births is not None:
            for (kid, birth), nbytes in sorted(
                    births.items(), key=lambda kv: (kv[0][1], -kv[1],
                                                    kv[0][0])):
                rec.append("m %d %s %d %d %d"
                           % (kid, CLASS_OF[kid], birth, nbytes,
                              max(1, nbytes // 100)))
        rec.append("end-snapshot")
        body.extend(rec)
    lines.extend(body)
    lines.append("tot 2 pymalloc %d %d" % (LEAK_B * iters, iters * 1000))
    lines.append("end-of-file %d" % len(lines))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


CLASS_ORDER = {"raw": 0, "pymalloc": 1, "python-large": 2}


def consistent_sums(lines):
    """The lines of a generated file (no trailer) whose `b` records a test
    edited, made valid again: each snapshot's `b` records sorted as the
    format says, its `c` lines their sums (not in region or thinned mark
    snapshots) and its `y` records those of the `b` record of the same
    stack and class (the generated files make one type per stack)."""
    out = []
    snap = None
    for line in lines:
        if line.startswith("snapshot "):
            snap = {"head": line, "c": [], "a": [], "b": [], "y": [],
                    "rest": []}
            continue
        if snap is None:
            out.append(line)
            continue
        if line == "end-snapshot":
            out.extend(_consistent_snapshot(snap))
            out.append(line)
            snap = None
            continue
        tag = line.split(" ", 1)[0]
        snap[tag if tag in ("c", "a", "b", "y") else "rest"].append(line)
    return out


def _consistent_snapshot(snap):
    b = [line.split() for line in snap["b"]]
    b.sort(key=lambda f: (-int(f[3]), int(f[1]), CLASS_ORDER[f[2]]))
    kind = snap["head"].split()[3]
    c = [line.split() for line in snap["c"]]
    if kind != "region" and not (kind == "mark" and not b):
        for f in c:
            f[2] = str(sum(int(r[3]) for r in b if r[2] == f[1]))
            f[3] = str(sum(int(r[4]) for r in b if r[2] == f[1]))
    by_site = {(r[1], r[2]): r for r in b}
    y = []
    for line in snap["y"]:
        f = line.split()
        r = by_site.get((f[1], f[2]))
        if r is not None:
            y.append(f[:4] + r[3:5])
    y.sort(key=lambda f: (-int(f[4]), int(f[1]), CLASS_ORDER[f[2]],
                          int(f[3])))
    return ([snap["head"]] + [" ".join(f) for f in c] + snap["a"]
            + [" ".join(f) for f in b] + [" ".join(f) for f in y]
            + snap["rest"])


class GeneratedTestCase(unittest.TestCase):
    """A test on build_profile()'s files, in a scratch directory."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="pyheap-growth-")
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def profile(self, name="app.out", **kw):
        return build_profile(os.path.join(self.dir, name), **kw)

    def ok(self, args):
        proc = run_viewer_text(args, cwd=self.dir)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stderr, "")
        return proc.stdout

    def json(self, args):
        return json.loads(self.ok(args + ["--format=json"]))

    def fails(self, args, status, message):
        proc = run_viewer_text(args, cwd=self.dir)
        self.assertEqual(proc.returncode, status, proc.stdout + proc.stderr)
        self.assertEqual(proc.stdout, "")
        self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)
        self.assertIn(message, proc.stderr)
        self.assertNotIn("Traceback", proc.stderr)


# -- other interpreters, the package's shape --

def find_python38():
    """A Python 3.8 interpreter (its real path) to run the viewer with, or
    None: $PYHEAP_PYTHON38, this interpreter, python3.8 on PATH, or a
    pyenv install of 3.8 ($PYENV_ROOT, else ~/.pyenv), the first that
    runs and is 3.8."""
    candidates = [os.environ.get("PYHEAP_PYTHON38")]
    if sys.version_info[:2] == (3, 8):
        candidates.append(sys.executable)
    candidates.append(shutil.which("python3.8"))
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates.extend(sorted(glob.glob(os.path.join(
        root, "versions", "3.8*", "bin", "python3")), reverse=True))
    for exe in candidates:
        if not exe or not os.access(exe, os.X_OK):
            continue
        try:
            proc = subprocess.run(
                [exe, "-c", "import sys; print(sys.version_info[:2] == (3, 8)"
                 " and sys.executable)"], stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, universal_newlines=True,
                timeout=60)
        except (OSError, subprocess.SubprocessError):
            continue
        found = proc.stdout.strip()
        if proc.returncode == 0 and found not in ("", "False"):
            return found
    return None


VIEWER_PACKAGE = os.path.join(SRCDIR, "pyheap", "pyheap_viewer")


def viewer_page_files():
    """The HTML report's page files (html/report.*), relative to
    VIEWER_PACKAGE (sorted)."""
    return sorted(os.path.join("html", name) for name in
                  os.listdir(os.path.join(VIEWER_PACKAGE, "html"))
                  if name.startswith("report."))


def viewer_package_files():
    """The package's Python files, relative to VIEWER_PACKAGE (sorted)."""
    found = []
    for directory, dirs, files in os.walk(VIEWER_PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in files:
            if name.endswith(".py"):
                found.append(os.path.relpath(os.path.join(directory, name),
                                             VIEWER_PACKAGE))
    return sorted(found)


def python_code_sizes(path):
    """(lines, functions) of a Python source file: its number of lines,
    and (lines, qualified name, first line) of every function and method,
    nested ones included, biggest first."""
    with open(path, encoding="utf-8") as f:
        source = f.read()
    functions = []

    def walk(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                  ast.ClassDef)):
                name = prefix + child.name
                if not isinstance(child, ast.ClassDef):
                    functions.append((child.end_lineno - child.lineno + 1,
                                      name, child.lineno))
                walk(child, name + ".")
            else:
                walk(child, prefix)

    walk(ast.parse(source, path), "")
    functions.sort(key=lambda f: (-f[0], f[1]))
    return source.count("\n"), functions
