"""Tests of pyheap_print on several files of one run (a process tree): the processes, their memory merged by site, the gate over the tree."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The run: tests/programs/proctree_app.py under the tool with
# --trace-children=yes and --time-unit=B: a parent, a multiprocessing Pool
# of 2 forked workers (worker 0 keeps every task's payload at the line
# marked LINE:leak; with --fixed it does not), and a Python child run by
# subprocess.run([sys.executable, proctree_child.py]).  Each process writes
# run.<pid>.out; the programs write their pids and sizes to facts files.
# The leaky and the fixed run are made once and shared by the tests.

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import support

APP = os.path.join(support.PROGRAMS, "proctree_app.py")
CHILD = os.path.join(support.PROGRAMS, "proctree_child.py")
LEAK_LINE = support.marker_lines_of(APP)["leak"]
BUFFER_LINE = support.marker_lines_of(CHILD)["buffer"]

_RUNS = {}


class TreeRun:
    """One run of proctree_app.py: its directory, facts and files."""

    def __init__(self, fixed):
        self.dir = support.shared_scratch_dir()
        facts = os.path.join(self.dir, "facts.json")
        argv = [support.python(), APP, facts] + (["--fixed"] if fixed
                                                 else [])
        proc = subprocess.run(
            support.tool_command(
                ["--time-unit=B", "--trace-children=yes",
                 "--pyheap-out-file=" + os.path.join(self.dir,
                                                     "run.%p.out")], argv),
            cwd=self.dir, env=support.clean_env(), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, universal_newlines=True, timeout=900)
        support.check_stderr(proc.stderr, "", self.dir,
                             "proctree_app.py (exit status %d)"
                             % proc.returncode)
        if proc.returncode != 0:
            raise AssertionError("proctree_app.py failed: %s"
                                 % proc.stderr[-3000:])
        with open(facts) as f:
            self.facts = json.load(f)
        with open(facts + ".child") as f:
            self.child = json.load(f)
        self.workers = {int(pid): seen for pid, seen in
                        self.facts["workers"].items()}
        self.files = sorted(os.path.join(self.dir, name)
                            for name in os.listdir(self.dir)
                            if name.startswith("run."))

    def file_of(self, pid):
        return os.path.join(self.dir, "run.%d.out" % pid)

    def leaker(self):
        """The pid of worker 0, the one that keeps its payloads."""
        return [pid for pid, seen in self.workers.items()
                if seen["number"] == 0][0]


def tree_run(fixed=False):
    if fixed not in _RUNS:
        _RUNS[fixed] = TreeRun(fixed)
    return _RUNS[fixed]


def viewer(args, cwd=None):
    """pyheap_print as a user runs it: (status, stdout, stderr)."""
    proc = support.run_viewer_text(args, cwd=cwd)
    return proc.returncode, proc.stdout, proc.stderr


class ProcessTreeTest(unittest.TestCase):

    maxDiff = None

    def setUp(self):
        if not support.tool_built():
            self.fail("the tool is not built: run `make`")
        self.run_ = tree_run()

    def ok(self, args):
        status, out, err = viewer(args)
        self.assertEqual((status, err), (0, ""), out[-2000:])
        return out

    def tree_json(self, *args):
        return json.loads(self.ok(["--format=json"] + list(args)
                                  + self.run_.files))

    def assert_one_error(self, args, status, *fragments):
        code, out, err = viewer(args)
        self.assertEqual(code, status, err)
        self.assertEqual(out, "")
        self.assertNotIn("Traceback", err)
        self.assertEqual(err.count("\n"), 1, err)
        self.assertTrue(err.startswith("pyheap_print: error: "), err)
        for fragment in fragments:
            self.assertIn(fragment, err)
        return err

    # -- the tree --

    def test_the_files_and_their_tree(self):
        run = self.run_
        parent = run.facts["pid"]
        workers = sorted(run.workers)
        child = run.facts["child"]
        self.assertEqual(len(workers), 2)
        # Each worker ran half of the tasks (they run in pairs).
        self.assertEqual([run.workers[pid]["tasks"] for pid in workers],
                         [12, 12])
        self.assertEqual(run.child["ppid"], parent)
        self.assertEqual(run.files, sorted(run.file_of(pid) for pid in
                                           [parent, child] + workers))
        for path in run.files:
            meta = support.read_meta(path)
            if int(meta["pid"]) != parent:
                self.assertEqual(meta["ppid"], str(parent), path)
        doc = self.tree_json()
        self.assertEqual(doc["format"], "pyheap-tree")
        self.assertEqual(doc["roots"], [parent])
        by_pid = {p["pid"]: p for p in doc["processes"]}
        # Tree order: the root, then its children by pid.
        self.assertEqual([p["pid"] for p in doc["processes"]],
                         [parent] + sorted(workers + [child]))
        self.assertEqual(by_pid[parent]["children"], sorted(workers + [child]))
        self.assertIsNone(by_pid[parent]["parent"])
        self.assertEqual(by_pid[parent]["depth"], 0)
        for pid in workers + [child]:
            self.assertEqual(by_pid[pid]["parent"], parent)
            self.assertEqual(by_pid[pid]["ppid"], parent)
            self.assertEqual(by_pid[pid]["depth"], 1)
        for pid, p in by_pid.items():
            meta = support.read_meta(p["file"])
            self.assertEqual(p["file"], run.file_of(pid))
            self.assertEqual(p["command"], meta["cmd"])
            self.assertEqual(p["end"], meta["end"])
            self.assertEqual(p["peak_bytes"], int(meta["peak_B"]))
        # Forked workers end without finalisation; the others normally.
        for pid in workers:
            self.assertEqual(by_pid[pid]["end"], "exit 0 without-finalisation")
        self.assertEqual(by_pid[parent]["end"], "exit 0")
        self.assertEqual(by_pid[child]["end"], "exit 0")
        self.assertIn("proctree_child.py", by_pid[child]["command"])
        # The text: every process, the children indented under the parent.
        text = self.ok(["--at=exit", "--top=3"] + run.files)
        self.assertIn("pyheap process tree: 4 processes from 4 files, 1 root",
                      text)
        rows = [line.split() for line in text.splitlines()
                if line.split()[:1] and line.split()[0].isdigit()]
        self.assertEqual([r[0] for r in rows],
                         [str(parent)] + [str(p) for p in
                                          sorted(workers + [child])])
        for line in text.splitlines():
            words = line.split()
            if words[:2] in ([str(w), str(parent)] for w in workers):
                self.assertTrue(line.startswith("    "), line)
            elif words[:1] == [str(parent)]:
                self.assertTrue(line.startswith("  %d" % parent), line)
        self.assertIn("upper bound", text)

    def test_directory_and_pid_pattern_name_the_same_files(self):
        run = self.run_
        listed = self.tree_json("--at=exit")
        for name in (run.dir, os.path.join(run.dir, "run.%p.out")):
            with self.subTest(name=name):
                doc = json.loads(self.ok(["--format=json", "--at=exit",
                                          name]))
                self.assertEqual(doc, listed)

    # -- merged by site --

    def test_the_merged_report_names_the_leaking_line(self):
        run = self.run_
        leaker = run.leaker()
        kept = run.workers[leaker]["kept_B"]
        self.assertEqual(kept, run.workers[leaker]["tasks"]
                         * (20000 + 33))
        doc = self.tree_json("--at=exit", "--by=line")
        (snap,) = doc["snapshots"]
        self.assertEqual(snap["at"], "exit")
        rows = support.rows_at(snap["rows"], "proctree_app.py", LEAK_LINE)
        self.assertEqual(len(rows), 1, rows)
        row = rows[0]
        self.assertEqual(row["function"], "task")
        # Only the leaking worker holds it: the payloads and the list's
        # item array.
        self.assertEqual([p["pid"] for p in row["processes"]], [leaker])
        self.assertGreaterEqual(row["bytes"], kept)
        self.assertLess(row["bytes"], kept + 4096)
        # The same row as the worker's own report.
        own = support.viewer_json(run.file_of(leaker), at="exit")
        self.assertEqual(support.rows_at(own, "proctree_app.py", LEAK_LINE),
                         [{k: v for k, v in row.items() if k != "processes"}])
        # The child's buffer, in the child only.
        rows = support.rows_at(snap["rows"], "proctree_child.py",
                               BUFFER_LINE)
        self.assertEqual(len(rows), 1, rows)
        self.assertEqual(rows[0]["by_class"]["python-large"],
                         run.child["buffer_B"])
        self.assertEqual([p["pid"] for p in rows[0]["processes"]],
                         [run.facts["child"]])
        # The text names the line (the user view: task's own line), with
        # the worker as the one process holding it.
        text = self.ok(["--at=exit", "--top=0"] + run.files)
        lines = [line for line in text.splitlines()
                 if "task (%s:%d)" % (APP, LEAK_LINE) in line]
        self.assertEqual(len(lines), 1, text[-3000:])
        self.assertEqual(lines[0].split()[3], str(leaker))
        self.assertIn("KEPT.append(bytes(PAYLOAD_B))", lines[0])

    def test_the_breakdown_adds_up(self):
        run = self.run_
        doc = self.tree_json()
        processes = {p["pid"]: p for p in doc["processes"]}
        self.assertEqual([s["at"] for s in doc["snapshots"]],
                         ["peak", "exit"])
        peaks = [p["peak_bytes"] for p in processes.values()]
        self.assertEqual(doc["peak"]["sum_bytes"], sum(peaks))
        self.assertEqual(doc["peak"]["max_bytes"], max(peaks))
        self.assertTrue(doc["peak"]["upper_bound"])
        for snap in doc["snapshots"]:
            with self.subTest(at=snap["at"]):
                self.assertEqual(snap["missing"], [])
                self.assertEqual(snap["groups"], len(snap["rows"]))
                own = {pid: [0, 0] for pid in processes}
                for row in snap["rows"]:
                    self.assertEqual(sum(p["bytes"] for p in
                                         row["processes"]), row["bytes"])
                    self.assertEqual(sum(p["blocks"] for p in
                                         row["processes"]), row["blocks"])
                    self.assertEqual(sum(row["by_class"].values()),
                                     row["bytes"])
                    for cls in support.CLASS_KEYS:
                        self.assertEqual(sum(p["by_class"][cls] for p in
                                             row["processes"]),
                                         row["by_class"][cls])
                    for part in row["processes"]:
                        own[part["pid"]][0] += part["bytes"]
                        own[part["pid"]][1] += part["blocks"]
                self.assertEqual(sum(r["bytes"] for r in snap["rows"]),
                                 snap["heap_bytes"])
                self.assertEqual(sum(r["blocks"] for r in snap["rows"]),
                                 snap["heap_blocks"])
                for cls in support.CLASS_KEYS:
                    self.assertEqual(sum(r["by_class"][cls]
                                         for r in snap["rows"]),
                                     snap["by_class"][cls])
                # Each process's part is its own heap at that snapshot.
                key = "peak_bytes" if snap["at"] == "peak" else "exit_bytes"
                for pid, (nbytes, nblocks) in own.items():
                    self.assertEqual(nbytes, processes[pid][key], pid)
                    single = support.viewer_json(run.file_of(pid),
                                                 at=snap["at"])
                    self.assertEqual(nbytes, sum(r["bytes"] for r in single))
                    self.assertEqual(nblocks,
                                     sum(r["blocks"] for r in single))
                    if snap["at"] == "exit":
                        self.assertEqual(nblocks,
                                         processes[pid]["exit_blocks"])
                self.assertEqual(snap["heap_bytes"],
                                 sum(p[key] for p in processes.values()))

    # -- the gate --

    def check(self, files, args, status):
        code, out, err = viewer(["--check"] + args + files)
        self.assertEqual(code, status, out + err)
        self.assertEqual(err, "")
        return out

    def test_the_gate_fails_on_the_tree_and_passes_when_fixed(self):
        run = self.run_
        leaker = run.leaker()
        command = support.read_meta(run.file_of(leaker))["cmd"]
        out = self.check(run.files, ["--max-growth-per-iter=10KB"], 3)
        self.assertTrue(out.startswith("pyheap check: FAILED: 1 of 1 limit "
                                       "crossed"), out)
        # A payload (20,000 B + the bytes header) and its share of the
        # list's item array per task.
        self.assertRegex(out, r"the worst: task \(%s:%d\) at 20,0[0-9][0-9] "
                         r"B, in pid %d \(%s\)"
                         % (re.escape(APP), LEAK_LINE, leaker,
                            re.escape(command)))
        self.assertRegex(out, r"top offender: task \(%s:%d\), 20,0[0-9][0-9] "
                         r"B, 20,0[0-9][0-9]\.[0-9] B per iteration, in pid "
                         r"%d \(%s\)" % (re.escape(APP), LEAK_LINE, leaker,
                                         re.escape(command)))
        # The parent and the child make no marks: left out, and named.
        self.assertIn("not evaluated in 2 processes (pids %s)" % ", ".join(
            str(p) for p in sorted([run.facts["pid"], run.facts["child"]])),
            out)
        self.assertIn("tree: 4 processes, root pid %d" % run.facts["pid"],
                      out)
        doc = json.loads(self.check(run.files, [
            "--format=json", "--max-growth-per-iter=10KB"], 3))
        self.assertEqual(doc["files"], run.files)
        (limit,) = doc["limits"]
        self.assertFalse(limit["passed"])
        self.assertEqual([(o["pid"], o["command"], o["location"])
                          for o in limit["offenders"]],
                         [(leaker, command, "%s:%d" % (APP, LEAK_LINE))])
        # One worker alone: the same offender; the other worker passes.
        self.check([run.file_of(leaker)], ["--max-growth-per-iter=10KB"], 3)
        other = [p for p in run.workers if p != leaker][0]
        self.check([run.file_of(other)], ["--max-growth-per-iter=10KB"], 0)
        # The fixed program: the same tree passes.
        fixed = tree_run(fixed=True)
        self.assertEqual(len(fixed.files), 4)
        out = self.check(fixed.files, ["--max-growth-per-iter=10KB"], 0)
        self.assertIn("every site within 10KB, in each of 2 processes", out)

    def test_total_limits_sum_the_tree(self):
        run = self.run_
        # The gate names sites by the user's own line, as --by=user-line.
        doc = self.tree_json("--at=exit", "--by=user-line")
        live = doc["snapshots"][0]["heap_bytes"]
        peak_sum = doc["peak"]["sum_bytes"]
        out = self.check(run.files, ["--max-live=%d" % live,
                                     "--max-peak=%d" % peak_sum], 0)
        self.assertIn("the heap at exit, summed over the 4 processes, is %s B"
                      % "{:,}".format(live), out)
        self.assertIn("the sum of the peaks of the 4 processes (an upper "
                      "bound", out)
        result = json.loads(self.check(run.files, [
            "--format=json", "--max-live=%d" % (live - 1),
            "--max-peak=%d" % peak_sum], 3))
        by_name = {r["name"]: r for r in result["limits"]}
        self.assertTrue(by_name["max-peak"]["passed"])
        self.assertEqual(by_name["max-peak"]["value"], peak_sum)
        failed = by_name["max-live"]
        self.assertEqual(failed["value"], live)
        (top,) = failed["offenders"]
        # The biggest merged site, with the process that holds most of it.
        first = doc["snapshots"][0]["rows"][0]
        self.assertEqual((top["location"], top["value"], top["pid"]),
                         (first["location"], first["bytes"],
                          first["processes"][0]["pid"]))

    # -- what does not fit --

    def copy_run(self):
        """A private copy of the leaky run's files; return its directory."""
        directory = tempfile.mkdtemp(prefix="pyheap-test-")
        self.addCleanup(shutil.rmtree, directory, True)
        for path in self.run_.files:
            shutil.copy(path, directory)
        return directory

    def test_a_damaged_file_among_them(self):
        directory = self.copy_run()
        victim = os.path.join(directory, os.path.basename(
            self.run_.file_of(self.run_.leaker())))
        with open(victim, "rb") as f:
            data = f.read()
        # The last line (the trailer) gone: a file cut short.
        with open(victim, "wb") as f:
            f.write(data[:data.rindex(b"\n", 0, len(data) - 1) + 1])
        for args in ([], ["--format=json"],
                     ["--check", "--max-live=1GB"]):
            with self.subTest(args=args):
                self.assert_one_error(args + [directory], 1, victim,
                                      "truncated")
        # Not a pyheap file, named explicitly.
        bogus = support.write_file(directory, "notes.txt", "hello\n")
        self.assert_one_error([bogus, victim], 1, bogus,
                              "not a pyheap output file")
        # Two files of one pid.
        os.unlink(bogus)
        with open(victim, "wb") as f:
            f.write(data)
        twin = os.path.join(directory, "twin.out")
        shutil.copy(victim, twin)
        self.assert_one_error([directory], 1, "pid %d is also the pid of"
                              % self.run_.leaker())

    def test_a_file_of_another_run_is_a_root_of_its_own(self):
        run = self.run_
        stranger = tree_run(fixed=True).file_of(
            tree_run(fixed=True).facts["pid"])
        doc = json.loads(self.ok(["--format=json", "--at=exit"] + run.files
                                 + [stranger]))
        pid = int(support.read_meta(stranger)["pid"])
        self.assertEqual(doc["roots"], sorted([run.facts["pid"], pid]))
        self.assertTrue(any("root of its own" in note
                            for note in doc["notes"]), doc["notes"])
        text = self.ok(["--at=exit"] + run.files + [stranger])
        self.assertIn("5 processes from 5 files, 2 roots", text)

    def test_usage(self):
        files = self.run_.files
        for args, message in (
                (["--growth"], "--growth reads one file"),
                (["--leaks"], "--leaks reads one file"),
                (["--export=collapsed"], "--export reads one file"),
                (["--format=csv"], "--format=csv reads one file"),
                (["--at=5"], "a sample number is one process's")):
            with self.subTest(args=args):
                self.assert_one_error(args + files, 2, message)
        self.assert_one_error(["--at=nosuchlabel"] + files, 1,
                              'no process has the snapshot "nosuchlabel"')
        self.assert_one_error([os.path.join(self.run_.dir, "x.%p.out")], 1,
                              "no file matches")
        # --diff keeps its two files.
        diff = json.loads(self.ok(["--diff", "--format=json", "--at=exit"]
                                  + files[:2]))
        self.assertEqual((diff["old"]["file"], diff["new"]["file"]),
                         tuple(files[:2]))


if __name__ == "__main__":
    unittest.main()
