"""bench/run's workloads (scripts, memory holders, CPython test modules) and how a run of each is judged and counted."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Three groups of workloads, in this order in the table:
#
#   scripts        bench/workloads/*.py, run as `PYTHON SCRIPT`; each prints
#                  one deterministic checksum line, and every tool must
#                  print the same stdout.
#   memory         bench/workloads/hold_objects.py N: N small objects held to
#                  the end; they give the tool's memory per live block.
#   cpython-tests  CPython's own test modules, run as `PYTHON -m test -q
#                  MODULE --junit-xml=FILE` (regrtest, in one process).
#                  Their stdout holds times and the load average, so what
#                  every tool must give is the same outcome (passed, failed,
#                  error, skipped) for every test case of the JUnit file.
#
# A group's name on bench/run's --workloads stands for all its workloads.

import os
import re
import shlex
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
WORKLOAD_DIR = os.path.join(BENCH_DIR, "workloads")

GROUPS = ("scripts", "memory", "cpython-tests")

MEMORY_SCRIPT = "hold_objects.py"
MEMORY_WORKLOADS = (("hold_1m", 1000000), ("hold_4m", 4000000))

# Allocation-heavy test modules that pass with Debian's python3.11 and
# start no subprocess (a child would run outside the tool; strace -f
# counted one execve each): 8-27 s each under --tool=none at load 1-2
# (test_pickle 25 s, test_lib2to3 27 s, test_statistics 22 s, test_ast
# 13 s with a 370 MB peak, test_decimal 9 s, test_itertools 8 s with
# 240 MB, test_set 8 s).  Shorter ones (test_json 4 s, test_deque 4 s,
# test_re 3 s, test_collections 3 s) would measure start-up more than the
# tool.  lib2to3 is gone from 3.13: bench/run skips missing modules.  The
# arguments after a module's name go to regrtest.
CPYTHON_TESTS = (
    ("test_ast", ()),
    ("test_decimal", ()),
    ("test_itertools", ()),
    ("test_lib2to3", ()),
    ("test_pickle", ()),
    ("test_set", ()),
    ("test_statistics", ()),
)

JUNIT_NAME = "junit.xml"


class Workload:
    """One row of the table: what to run after the interpreter, and how a
    run is judged ("stdout": the same stdout as the first run;
    "outcomes": the same test outcomes)."""

    def __init__(self, name, group, args, judge, junit=False):
        self.name = name
        self.group = group
        self._args = list(args)
        self.judge = judge
        self.junit = junit

    def args(self, rundir):
        """The interpreter's arguments for a run in directory rundir."""
        if self.junit:
            return self._args + ["--junit-xml=" + os.path.join(rundir,
                                                               JUNIT_NAME)]
        return list(self._args)


def all_workloads():
    """{name: Workload}, in table order (groups, then names)."""
    found = {}
    scripts = sorted(name[:-3] for name in os.listdir(WORKLOAD_DIR)
                     if name.endswith(".py") and not name.startswith("_")
                     and name != MEMORY_SCRIPT)
    for name in scripts:
        found[name] = Workload(
            name, "scripts", [os.path.join(WORKLOAD_DIR, name + ".py")],
            "stdout")
    for name, count in MEMORY_WORKLOADS:
        found[name] = Workload(
            name, "memory",
            [os.path.join(WORKLOAD_DIR, MEMORY_SCRIPT), str(count)],
            "stdout")
    for module, extra in CPYTHON_TESTS:
        found[module] = Workload(
            module, "cpython-tests",
            ["-m", "test", "-q", module] + list(extra), "outcomes",
            junit=True)
    return found


def select(names, known):
    """The workloads named (group names stand for their members), in table
    order; raises ValueError with the message for an unknown name."""
    wanted = set()
    for name in names:
        if name in GROUPS:
            wanted.update(w for w in known if known[w].group == name)
        elif name in known:
            wanted.add(name)
        else:
            raise ValueError("unknown workload %r (have: %s; groups: %s)"
                             % (name, ", ".join(known), ", ".join(GROUPS)))
    return [w for w in known if w in wanted]


def missing_test_modules(python, modules, env):
    """The modules of `modules` that `python` cannot find as test.MODULE
    (all of them when the test package itself is missing)."""
    code = ("import importlib.util, sys\n"
            "try:\n"
            "    import test.libregrtest\n"
            "except ImportError:\n"
            "    print(*sys.argv[1:]); raise SystemExit\n"
            "print(*[m for m in sys.argv[1:]\n"
            "        if importlib.util.find_spec('test.' + m) is None])\n")
    try:
        out = subprocess.run([python, "-c", code] + list(modules),
                             capture_output=True, text=True, env=env,
                             timeout=60)
    except (OSError, subprocess.SubprocessError):
        return list(modules)
    if out.returncode != 0:
        return list(modules)
    return out.stdout.split()


def test_outcomes(rundir):
    """The outcomes of a regrtest run as one text (a line per test case,
    sorted, then the counts), or None without a readable JUnit file."""
    try:
        root = ET.parse(os.path.join(rundir, JUNIT_NAME)).getroot()
    except (OSError, ET.ParseError):
        return None
    lines = []
    counts = {}
    for case in root.iter("testcase"):
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = child.tag
                break
        counts[outcome] = counts.get(outcome, 0) + 1
        name = ".".join(part for part in (case.get("classname"),
                                          case.get("name")) if part)
        lines.append("%s %s" % (name, outcome))
    lines.sort()
    lines.append(", ".join("%d %s" % (counts[k], k) for k in sorted(counts)))
    return "\n".join(lines) + "\n"


def outcome_summary(text):
    """The counts line of test_outcomes()' text."""
    return text.rstrip("\n").rsplit("\n", 1)[-1]


def peak_blocks(path):
    """Live blocks at the heap's exact peak, from a pyheap output file:
    the sum of the class lines (`c class bytes blocks`) of its `peak`
    snapshot (docs/file-format.md); None if the file has none."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            in_peak = False
            blocks = 0
            for line in f:
                if not in_peak:
                    if line.startswith("snapshot ") and \
                            line.split()[3:4] == ["peak"]:
                        in_peak = True
                    continue
                if line.startswith("c "):
                    blocks += int(line.split()[3])
                else:
                    return blocks
    except (OSError, ValueError, IndexError):
        return None
    return None


def count_allocs(ctx):
    """Print how many allocation calls each workload makes (bench/run
    --count-allocs; ctx: bench/run's settings).

    Memcheck's "total heap usage" counts every malloc, calloc, realloc and
    memalign.  With PYTHONMALLOC=malloc every PyMem/PyObject allocation is a
    malloc, so that count is all of the interpreter's allocation events; with
    pymalloc on, it is only those that reach malloc (blocks over 512 bytes,
    C code).  The start-up of the interpreter (`-c pass`) is subtracted.
    """
    pattern = re.compile(r"total heap usage: ([\d,]+) allocs")

    def count(args, extra_env):
        """args: the interpreter's arguments, or a function of the run's
        directory that returns them."""
        with tempfile.TemporaryDirectory(prefix="pyheap-bench-") as tmp:
            log = os.path.join(tmp, "memcheck.log")
            if callable(args):
                args = args(tmp)
            argv = [ctx.valgrind, "--tool=memcheck", "--leak-check=no",
                    "--log-file=" + log, ctx.python] + args
            proc = subprocess.run(argv, env=dict(ctx.env, **extra_env),
                                  cwd=tmp, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
            with open(log) as f:
                match = pattern.search(f.read())
            if proc.returncode != 0 or not match:
                sys.exit("bench/run: memcheck run failed: %s"
                         % shlex.join(argv))
            return int(match.group(1).replace(",", ""))

    modes = (("all events (PYTHONMALLOC=malloc)", {"PYTHONMALLOC": "malloc"}),
             ("reaching malloc (pymalloc on)", {}))
    base = [count(["-c", "pass"], env) for _, env in modes]
    print("interpreter start-up (-c pass): %s"
          % ", ".join("%d %s" % (b, m) for b, (m, _) in zip(base, modes)))
    for workload in ctx.workloads:
        args = ctx.known[workload].args
        counts = [count(args, env) - b for (_, env), b in zip(modes, base)]
        print("%-16s %10d allocation events, %9d of them reach malloc"
              % (workload, counts[0], counts[1]), flush=True)
