"""pyheap: bad options, unwritable output, signals, exceptions, exec, PYTHONMALLOC, fork, determinism."""
# SPDX-License-Identifier: GPL-2.0-or-later

import json
import os
import shutil
import signal
import stat
import subprocess
import time

import support

# A script with one big, recognisable allocation on a known line; it writes
# the buffer's size, from sys.getsizeof, to facts.json before TAIL runs.
BIG_SCRIPT = r'''
import json
import os
import sys

big = [0] * 300000                                               # LINE:big
with open("facts.json", "w") as f:
    json.dump({"big": sys.getsizeof(big) - sys.getsizeof([]), "pid": os.getpid()}, f)
'''

FORK_SCRIPT = r'''
import json
import os
import sys

parent_big = [1] * 100000                                        # LINE:parent
pid = os.fork()
if pid == 0:
    child_big = [2] * 200000                                     # LINE:child
    with open("child.json", "w") as f:
        json.dump({"pid": os.getpid(), "ppid": os.getppid(),
                   "child_big": sys.getsizeof(child_big) - sys.getsizeof([])}, f)
    os._exit(0)
_, status = os.waitpid(pid, 0)
with open("parent.json", "w") as f:
    json.dump({"pid": os.getpid(), "child": pid, "status": status,
               "parent_big": sys.getsizeof(parent_big) - sys.getsizeof([])}, f)
'''

DETERMINISM_SCRIPT = r'''
import pyheap


class Node:
    def __init__(self, i):
        self.i = i
        self.name = "node-%d" % i
        self.payload = bytes(i % 700)


def build():
    table = {i: Node(i) for i in range(3000)}
    words = [str(i) * 3 for i in range(5000)]
    return table, words


KEEP = build()
pyheap.snapshot("built")
del KEEP
'''


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return f.read().split("\n")


def exec_not_followed(target, outfile):
    """The tool's one line (filtered) when the program execs TARGET and
    --trace-children=yes is not given; OUTFILE holds what ran before."""
    return ("==PID== pyheap: the program execs '%s', which pyheap does not follow: "
            "%s holds what ran before the exec (use --trace-children=yes, "
            "or give valgrind that program itself)\n" % (target, outfile))


class RobustTest(support.ToolTestCase):
    """Errors a user can cause get one clear message; odd runs still give a good file."""

    def facts(self, name="facts.json"):
        with open(os.path.join(self.workdir, name)) as f:
            return json.load(f)

    def assert_complete(self, path):
        """PATH is a whole pyheap file: header, trailer with the line count, viewer reads it."""
        lines = read_lines(path)
        self.assertEqual(lines[-1], "", "no newline at the end of %s" % path)
        lines = lines[:-1]
        self.assertEqual(lines[0], "pyheap-out 3")
        self.assertEqual(lines[-1], "end-of-file %d" % (len(lines) - 1))
        # The viewer reads it (it rejects truncated files) at both ends.
        support.viewer_json(path, at="peak")
        return support.viewer_json(path, at="exit")

    def big_row(self, rows, source):
        return self.one_row(rows, "prog.py", support.marker_lines(source)["big"])

    # --- options -------------------------------------------------------

    def test_bad_options(self):
        """--depth=0, --time-unit=x, --max-snapshots=5, --foo: error, status != 0, no run."""
        for option, words, reason in (
                ("--depth=0", "--depth", "'--depth' argument must be between 1 and 256"),
                ("--time-unit=x", "--time-unit", "--time-unit takes i, ms or B, not 'x'"),
                ("--max-snapshots=5", "--max-snapshots",
                 "'--max-snapshots' argument must be between 10 and 1000"),
                ("--foo", "--foo", None)):
            with self.subTest(option=option):
                proc = support.run_refused(self, [option],
                                           support.bad_option_stderr(option, reason))
                self.assertIn(words, proc.stderr)
                self.assertRegex(proc.stderr, r"(?i)(bad|unknown|invalid) option")

    def test_unwritable_output(self):
        """--pyheap-out-file=/nonexistent/dir/x: one clear line naming the path, status 1."""
        script = support.write_file(self.workdir, "ran.py", support.RAN_SCRIPT)
        proc = support.run_tool(
            [support.python(), script], self.workdir, ["--pyheap-out-file=/nonexistent/dir/x"],
            stderr_exp="valgrind: pyheap: cannot create output file '/nonexistent/dir/x'\n")
        self.assertEqual(proc.returncode, 1, proc.stderr)
        err = proc.stderr.strip().splitlines()
        self.assertEqual(len(err), 1, proc.stderr)
        self.assertIn("/nonexistent/dir/x", err[0])
        self.assertFalse(os.path.exists(os.path.join(self.workdir, "ran")))

    # --- runs that end badly ---------------------------------------------

    def test_killed_by_sigterm(self):
        """A program that SIGTERMs itself: killed by the signal, the file is complete."""
        # A thread that ends first (its exit system call is not the
        # process's exit).
        source = BIG_SCRIPT + "import signal, threading\n" \
            "t = threading.Thread(target=len, args=('x',)); t.start(); t.join()\n" \
            "os.kill(os.getpid(), signal.SIGTERM)\n" \
            "open('after-kill', 'w').close()\n"
        script = support.write_file(self.workdir, "prog.py", source)
        out = os.path.join(self.workdir, "term.out")
        proc = support.pyheap_run([support.python(), script], self.workdir, outfile=out)
        self.assertEqual(proc.returncode, -signal.SIGTERM, proc.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.workdir, "after-kill")))
        rows = self.assert_complete(out)
        # No finalisation ran: the list is still live at the end.
        row = self.big_row(rows, source)
        self.assertEqual(row["by_class"]["python-large"], self.facts()["big"], row)
        # The file and the report say how it ended.
        self.assertEqual(support.read_meta(out)["end"], "signal")
        self.assertRegex(support.viewer([out]).stdout,
                         r"\nEnded: +killed by a signal ")

    def test_killed_by_sigkill_leaves_a_checkpoint(self):
        """A program killed by SIGKILL (as the OOM killer kills): the file
        of its last checkpoint is there, complete, and says the run did
        not finish."""
        source = BIG_SCRIPT + "import itertools\n" \
            "for i in itertools.count():\n" \
            "    junk = [str(i)] * 50\n"
        script = support.write_file(self.workdir, "prog.py", source)
        out = os.path.join(self.workdir, "kill.out")
        proc = subprocess.Popen(
            support.tool_command(["--time-unit=B", "--checkpoint=1",
                                  "--pyheap-out-file=" + out],
                                 [support.python(), script]),
            cwd=self.workdir, env=support.clean_env(),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            facts = os.path.join(self.workdir, "facts.json")
            deadline = time.time() + 300
            # A checkpoint written after the big list was made.
            while not (os.path.exists(facts) and os.path.exists(out)
                       and os.path.getmtime(out) > os.path.getmtime(facts)):
                self.assertIsNone(proc.poll(), "the program ended early")
                self.assertLess(time.time(), deadline, "no checkpoint")
                time.sleep(0.2)
            os.kill(self.facts()["pid"], signal.SIGKILL)
            proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertEqual(proc.returncode, -signal.SIGKILL)
        rows = self.assert_complete(out)
        row = self.big_row(rows, source)
        self.assertEqual(row["by_class"]["python-large"], self.facts()["big"], row)
        meta = support.read_meta(out)
        self.assertEqual(meta["end"], "running")
        self.assertGreaterEqual(int(meta["checkpoint"]), 1)
        text = support.viewer([out]).stdout
        self.assertRegex(text, r"\nEnded: +not finished: the last checkpoint ")
        self.assertRegex(text, r"^=+\npyheap summary: .*\nNOT FINISHED: the "
                               r"run was killed .* after checkpoint \d+;")

    def test_output_to_dev_null_or_a_link(self):
        """--pyheap-out-file=/dev/null and a symbolic link: the file is
        written through them (no checkpoint, no rename that would put a
        plain file in the device's or the link's place)."""
        source = "import time\nkeep = []\nend = time.time() + 2.5\n" \
            "while time.time() < end:\n" \
            "    keep.append(str(len(keep)))\n    del keep[:-100]\n"
        script = support.write_file(self.workdir, "prog.py", source)
        before = os.stat("/dev/null")
        support.pyheap_run([support.python(), script], self.workdir,
                           tool_options=("--time-unit=B", "--checkpoint=1"),
                           outfile="/dev/null")
        after = os.lstat("/dev/null")
        self.assertTrue(stat.S_ISCHR(after.st_mode))
        self.assertEqual(after.st_rdev, before.st_rdev)
        self.assertFalse(os.path.exists("/dev/null.partial"))
        target = os.path.join(self.workdir, "target.out")
        link = os.path.join(self.workdir, "link.out")
        os.symlink(target, link)
        support.pyheap_run([support.python(), script], self.workdir,
                           tool_options=("--time-unit=B", "--checkpoint=1"),
                           outfile=link)
        self.assertTrue(os.path.islink(link))
        self.assert_complete(target)

    def test_snapshot_when_the_heap_crosses_a_size(self):
        """--snapshot-above=N: one user snapshot, when the heap first grows
        past N bytes (the block that crossed it included)."""
        source = "keep = []\nfor i in range(200):\n" \
            "    keep.append(bytearray(50000))\n" \
            "del keep\nkeep = [bytearray(50000) for i in range(200)]\n"
        script = support.write_file(self.workdir, "prog.py", source)
        out = os.path.join(self.workdir, "above.out")
        support.pyheap_run([support.python(), script], self.workdir,
                           tool_options=("--time-unit=B",
                                         "--snapshot-above=5000000"),
                           outfile=out)
        with open(out) as f:
            lines = f.read().splitlines()
        snaps = [i for i, line in enumerate(lines)
                 if line.startswith("snapshot ") and " user " in line]
        self.assertEqual([lines[i].split()[4] for i in snaps],
                         ["heap-above-5000000"])
        # Its class lines: the heap at that moment.
        heap = sum(int(line.split()[2]) for line in
                   lines[snaps[0] + 1:snaps[0] + 4])
        self.assertGreater(heap, 5000000)
        self.assertLessEqual(heap, 5000000 + 50100)

    def test_uncaught_exception(self):
        """A program that dies of an uncaught exception: status 1, the file is complete."""
        source = BIG_SCRIPT + "raise RuntimeError('boom')\n"
        script = support.write_file(self.workdir, "prog.py", source)
        out = os.path.join(self.workdir, "exc.out")
        proc = support.pyheap_run([support.python(), script], self.workdir, outfile=out,
                                  stderr_exp=support.stderr_exp("uncaught_exception"))
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("RuntimeError: boom", proc.stderr)
        rows = self.assert_complete(out)
        row = self.big_row(rows, source)
        self.assertEqual(row["by_class"]["python-large"], self.facts()["big"], row)
        self.assertEqual(support.read_meta(out)["end"], "exit 1")

    def test_exec_not_followed(self):
        """os.execv without --trace-children: the file holds the Python run up to the exec."""
        true = shutil.which("true")
        source = BIG_SCRIPT + "os.execv(%r, ['true'])\n" % true
        script = support.write_file(self.workdir, "prog.py", source)
        out = os.path.join(self.workdir, "exec.out")
        proc = support.pyheap_run([support.python(), script], self.workdir, outfile=out,
                                  stderr_exp=exec_not_followed(true, "$WORKDIR/exec.out"))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        rows = self.assert_complete(out)
        meta = support.read_meta(out)
        self.assertEqual(meta["exec"], true)
        self.assertNotEqual(meta["python"], "none")
        # The list was never freed: it is live in the exit snapshot, at its line.
        row = self.big_row(rows, source)
        self.assertEqual(row["by_class"]["python-large"], self.facts()["big"], row)
        err = [ln for ln in proc.stderr.splitlines() if "pyheap:" in ln]
        self.assertEqual(len(err), 1, proc.stderr)
        self.assertIn("'%s'" % true, err[0])
        self.assertIn("--trace-children=yes", err[0])

    def test_subprocess_children_leave_no_file(self):
        """subprocess.run() forks and execs: the child gets no file and no message."""
        source = BIG_SCRIPT + "import subprocess\nsubprocess.run([%r], check=True)\n" \
            % shutil.which("true")
        script = support.write_file(self.workdir, "prog.py", source)
        proc = support.run_tool([support.python(), script], self.workdir,
                                ["--time-unit=B",
                                 "--pyheap-out-file=" + os.path.join(self.workdir, "out.%p")])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        outs = sorted(n for n in os.listdir(self.workdir) if n.startswith("out."))
        self.assertEqual(outs, ["out.%d" % self.facts()["pid"]])
        self.assertNotIn("does not follow", proc.stderr)
        self.assertNotIn("exec", support.read_meta(os.path.join(self.workdir, outs[0])))

    def test_exec_through_a_wrapper_script(self):
        """A shell wrapper that execs python (a pyenv shim): followed without being asked."""
        source = BIG_SCRIPT
        script = support.write_file(self.workdir, "prog.py", source)
        # Two links, as pyenv's shim: env runs bash, which execs a second
        # script, which execs the interpreter.
        inner = support.write_file(self.workdir, "inner",
                                   "#!/bin/sh\nexec %s \"$@\"\n" % support.python())
        wrapper = support.write_file(self.workdir, "wrapper",
                                     "#!/usr/bin/env bash\nexec %s \"$@\"\n" % inner)
        os.chmod(inner, 0o755)
        os.chmod(wrapper, 0o755)
        out = os.path.join(self.workdir, "wrapped.out")
        for options in ([], ["--trace-children=yes"]):
            with self.subTest(options=options):
                # Followed: the same pid, so the same file, Python's own.
                if os.path.exists(out):
                    os.unlink(out)
                proc = support.pyheap_run([wrapper, script], self.workdir,
                                          outfile=out,
                                          tool_options=["--time-unit=B"] + options)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                rows = self.assert_complete(out)
                meta = support.read_meta(out)
                self.assertNotEqual(meta["python"], "none")
                self.assertNotIn("exec", meta)
                row = self.big_row(rows, source)
                self.assertEqual(row["by_class"]["python-large"],
                                 self.facts()["big"], row)
        # --trace-children=no: the file is the first program's (env's),
        # and says what it exec'd.
        os.unlink(out)
        proc = support.pyheap_run(
            [wrapper, script], self.workdir, outfile=out,
            tool_options=["--time-unit=B", "--trace-children=no"],
            stderr_exp=exec_not_followed(shutil.which("bash"),
                                         "$WORKDIR/wrapped.out"))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assert_complete(out)
        meta = support.read_meta(out)
        self.assertEqual(meta["python"], "none")
        self.assertIn("does not follow", proc.stderr)

    # --- the interpreter changes its allocators -------------------------

    def run_reinstalled(self, python_args=(), env=None):
        """BIG_SCRIPT run with PYTHON_ARGS and ENV that make the interpreter
        reinstall its allocators: the file says so and is complete; return
        (file, its rows at exit, the list's buffer size, the list's row)."""
        script = support.write_file(self.workdir, "prog.py", BIG_SCRIPT)
        out = os.path.join(self.workdir, "reinstalled.out")
        proc = support.pyheap_run([support.python()] + list(python_args) + [script],
                                  self.workdir, outfile=out, env=env)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(support.read_meta(out)["hooks"], "reinstalled")
        rows = self.assert_complete(out)
        return out, rows, self.facts()["big"], self.big_row(rows, BIG_SCRIPT)

    def test_pythonmalloc_malloc(self):
        """PYTHONMALLOC=malloc: hooks reinstalled, no pymalloc at all, the list at its line."""
        out, rows, big, row = self.run_reinstalled(
            env=support.clean_env(PYTHONMALLOC="malloc"))
        # Every Python-domain request goes to malloc: python-large.  The
        # line also grows the module dict (a few hundred bytes).
        self.assertGreaterEqual(row["by_class"]["python-large"], big, row)
        self.assertLess(row["by_class"]["python-large"], big + 1024, row)
        self.assertEqual(row["by_class"]["pymalloc"], 0, row)
        self.assertEqual(row["by_class"]["raw"], 0, row)
        # No pymalloc arena is ever used.
        for ln in read_lines(out):
            if ln.startswith("c pymalloc "):
                self.assertEqual(ln, "c pymalloc 0 0")

    def test_dev_mode(self):
        """-X dev (debug hooks): hooks reinstalled, pymalloc still used, the list at its line."""
        _, rows, big, row = self.run_reinstalled(python_args=["-X", "dev"])
        # The debug hooks pad each block with a few words (once per
        # domain they pass through): allow 64 bytes, no more.
        self.assertGreaterEqual(row["by_class"]["python-large"], big, row)
        self.assertLessEqual(row["by_class"]["python-large"], big + 64, row)
        self.assertEqual(row["by_class"]["raw"], 0, row)
        self.assertGreater(sum(r["by_class"]["pymalloc"] for r in rows), 100000)

    # --- file names and processes -----------------------------------------

    def test_pid_in_file_name(self):
        """%p in --pyheap-out-file expands to the pid of the profiled process."""
        script = support.write_file(self.workdir, "prog.py", BIG_SCRIPT)
        proc = support.run_tool([support.python(), script], self.workdir,
                                ["--time-unit=B", "--pyheap-out-file=run.%p.out"])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        pid = self.facts()["pid"]
        outs = sorted(f for f in os.listdir(self.workdir) if f.startswith("run."))
        self.assertEqual(outs, ["run.%d.out" % pid])
        path = os.path.join(self.workdir, outs[0])
        self.assertEqual(support.read_meta(path)["pid"], str(pid))
        self.assert_complete(path)

    def test_fork_with_a_fixed_name(self):
        """A fixed --pyheap-out-file (no %p): the forked child writes
        NAME.<its pid>, says so, and the parent keeps NAME."""
        script = support.write_file(self.workdir, "prog.py", FORK_SCRIPT)
        name = os.path.join(self.workdir, "fixed.out")
        proc = subprocess.run(
            support.tool_command(["--time-unit=B", "--pyheap-out-file=" + name],
                                 [support.python(), script]),
            cwd=self.workdir, env=support.clean_env(), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, universal_newlines=True, timeout=900)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        parent, child = self.facts("parent.json"), self.facts("child.json")
        self.assertIn("(pid %d): wrote %s.%d," % (child["pid"], name, child["pid"]),
                      proc.stderr)
        support.check_stderr(proc.stderr, support.stderr_exp("fork_fixed_name"),
                             self.workdir)
        outs = sorted(f for f in os.listdir(self.workdir) if f.startswith("fixed.out"))
        self.assertEqual(outs, ["fixed.out", "fixed.out.%d" % child["pid"]])
        self.assertEqual(support.read_meta(name)["pid"], str(parent["pid"]))
        cpath = name + ".%d" % child["pid"]
        self.assertEqual(support.read_meta(cpath)["pid"], str(child["pid"]))
        self.assertEqual(support.read_meta(cpath)["ppid"], str(parent["pid"]))
        lines = support.marker_lines(FORK_SCRIPT)
        crow = self.one_row(self.assert_complete(cpath), "prog.py", lines["child"])
        self.assertEqual(crow["by_class"]["python-large"], child["child_big"])
        self.assertEqual(support.rows_at(self.assert_complete(name), "prog.py",
                                         lines["child"]), [])

    def test_fork(self):
        """A forking program: two complete files, the child's with its own allocation."""
        script = support.write_file(self.workdir, "prog.py", FORK_SCRIPT)
        lines = support.marker_lines(FORK_SCRIPT)
        proc = support.run_tool([support.python(), script], self.workdir,
                                ["--time-unit=B", "--pyheap-out-file=out.%p"])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        parent, child = self.facts("parent.json"), self.facts("child.json")
        self.assertEqual(parent["status"], 0)
        self.assertEqual(child["ppid"], parent["pid"])
        self.assertEqual(parent["child"], child["pid"])
        outs = sorted(f for f in os.listdir(self.workdir) if f.startswith("out."))
        self.assertEqual(outs, sorted(["out.%d" % parent["pid"], "out.%d" % child["pid"]]))

        ppath = os.path.join(self.workdir, "out.%d" % parent["pid"])
        cpath = os.path.join(self.workdir, "out.%d" % child["pid"])
        self.assertEqual(support.read_meta(cpath)["ppid"], str(parent["pid"]))
        self.assertEqual(support.read_meta(ppath)["pid"], str(parent["pid"]))
        # The child left by os._exit(): no finalisation.
        self.assertEqual(support.read_meta(cpath)["end"],
                         "exit 0 without-finalisation")
        self.assertEqual(support.read_meta(ppath)["end"], "exit 0")

        prows = self.assert_complete(ppath)
        crows = self.assert_complete(cpath)
        # The child left without finalising: its list is live at its exit;
        # the parent's list, inherited, is in the child's heap too.
        crow = self.one_row(crows, "prog.py", lines["child"])
        self.assertEqual(crow["by_class"]["python-large"], child["child_big"])
        inherited = self.one_row(crows, "prog.py", lines["parent"])
        self.assertEqual(inherited["by_class"]["python-large"], parent["parent_big"])
        # The parent never ran the child's line.
        self.assertEqual(support.rows_at(prows, "prog.py", lines["child"]), [])
        for at in ("peak", "exit"):
            self.assertEqual(support.rows_at(support.viewer_json(ppath, at=at),
                                             "prog.py", lines["child"]), [])
        prow = self.one_row(prows, "prog.py", lines["parent"])
        self.assertEqual(prow["by_class"]["python-large"], parent["parent_big"])

    # --- determinism ------------------------------------------------------

    def run_twice(self, options):
        """Run the same script twice in the same directory, same names; return both files."""
        rundir = os.path.join(self.workdir, "run")
        os.mkdir(rundir)
        support.write_file(rundir, "prog.py", DETERMINISM_SCRIPT)
        copies = []
        for n in (1, 2):
            # The directory looks the same to both runs (Python lists it
            # when it imports): prog.py and the output file being written.
            proc = support.run_tool([support.python(), "prog.py"], rundir,
                                    ["--time-unit=B", "--pyheap-out-file=pyheap.out"] + options)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            copy = os.path.join(self.workdir, "run%d.out" % n)
            shutil.move(os.path.join(rundir, "pyheap.out"), copy)
            copies.append(copy)
        return copies

    def assert_same_but_pids(self, first, second):
        a, b = read_lines(first), read_lines(second)
        self.assertEqual(len(a), len(b))
        differ = [(x, y) for x, y in zip(a, b) if x != y]
        # The pid differs (the ppid too, unless both runs had one parent).
        self.assertIn(("meta pid", "meta pid"),
                      [(x.rsplit(" ", 1)[0], y.rsplit(" ", 1)[0]) for x, y in differ])
        for x, y in differ:
            self.assertIn(x.rsplit(" ", 1)[0], ("meta pid", "meta ppid"), (x, y))
            self.assertEqual(x.rsplit(" ", 1)[0], y.rsplit(" ", 1)[0])

    def test_deterministic(self):
        """--time-unit=B: two runs: identical viewer JSON, identical files but for pid/ppid."""
        first, second = self.run_twice([])
        v1 = support.viewer(["--format=json", "--by=line", "--at=peak", first])
        v2 = support.viewer(["--format=json", "--by=line", "--at=peak", second])
        self.assertEqual(v1.returncode, 0, v1.stderr)
        self.assertEqual(v1.stdout, v2.stdout)
        self.assertIn("prog.py:", v1.stdout)
        self.assert_same_but_pids(first, second)

    def test_deterministic_native(self):
        """--native=yes too: native frames (addresses included) repeat from run to run."""
        first, second = self.run_twice(["--native=yes"])
        self.assert_same_but_pids(first, second)
