"""pyheap: gdb monitor commands through vgdb: growth, snapshot, detailed_snapshot of a server."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A "server" runs under pyheap with --vgdb=yes.  It handles requests in
# batches of exactly BATCH, each leaking one bytes object (its size measured
# by the server with sys.getsizeof) and freeing everything else, and waits
# between batches for the test to ask for the next one (a file go-N; it
# answers with done-N).  Batch 0 runs at once, from the same call site as
# the others, so that every batch leaks from the same stack.  So what grew
# between two monitor commands is known exactly, whatever the timing.
# Every wait has a timeout: a hung server or vgdb fails the test, never
# hangs the suite.

import json
import os
import shutil
import subprocess
import time

import support

BATCH = 1000
WAIT_S = 300

SERVER = r'''
import json
import os
import sys
import time

LEAK = []


def handle(i):
    LEAK.append(bytes(200))                                      # LINE:leak
    scratch = [str(j) for j in range(20)]                        # LINE:scratch
    return len(scratch)


def batch(n):
    for i in range(%(batch)d):
        handle(i)
    with open("done-%%d" %% n, "w") as f:
        f.write("done\n")


with open("facts.json", "w") as f:
    json.dump({"pid": os.getpid(), "leak": sys.getsizeof(bytes(200))}, f)
n = 0
while not os.path.exists("stop"):
    if n == 0 or os.path.exists("go-%%d" %% n):
        batch(n)
        n += 1
    time.sleep(0.01)
''' % {"batch": BATCH}


def vgdb_path():
    return shutil.which("vgdb") or ("/usr/bin/vgdb" if os.path.exists("/usr/bin/vgdb")
                                    else None)


def parse_growth(text):
    """The entries of a growth report: [(delta, class, then_B, now_B,
    then_n, now_n, [frame lines])]."""
    entries = []
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0].endswith(".") and words[0][:-1].isdigit() \
                and words[1].startswith("+"):
            # "  1. +233000 B pymalloc: 233000 -> 466000 B, 1000 -> 2000 blocks"
            entries.append((int(words[1][1:]), words[3].rstrip(":"), int(words[4]),
                            int(words[6]), int(words[8]), int(words[10]), []))
        elif line.startswith("      ") and entries:
            entries[-1][6].append(line.strip())
    return entries


class MonitorTest(support.ToolTestCase):

    def setUp(self):
        super().setUp()
        self.vgdb = vgdb_path()
        if self.vgdb is None:
            self.skipTest("vgdb not found (Debian's valgrind package has it)")
        self.server = None

    def tearDown(self):
        if self.server is not None and self.server.poll() is None:
            self.server.kill()
            self.server.wait(timeout=60)
        super().tearDown()

    def path(self, name):
        return os.path.join(self.workdir, name)

    def wait_for(self, name):
        deadline = time.monotonic() + WAIT_S
        while not os.path.exists(self.path(name)):
            if self.server.poll() is not None:
                self.fail("the server ended early (status %s): %s"
                          % (self.server.returncode, self.server_stderr()))
            if time.monotonic() > deadline:
                self.fail("timed out waiting for %s" % name)
            time.sleep(0.05)

    def server_stderr(self):
        try:
            with open(self.path("server.err")) as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def monitor(self, *command):
        # --max-invoke-ms=0: vgdb never forces the process out of a system
        # call with ptrace (not allowed in every container); the server
        # wakes every 10 ms and Valgrind's gdbserver polls for commands
        # while guest code runs.
        proc = subprocess.run([self.vgdb, "--max-invoke-ms=0", "--pid=%d" % self.pid]
                              + list(command),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        return proc.stdout

    def next_batch(self, n):
        with open(self.path("go-%d" % n), "w") as f:
            f.write("go\n")
        self.wait_for("done-%d" % n)

    def leak_entry(self, report, line):
        """The growth entries of the leaking line, innermost frame first."""
        return [e for e in parse_growth(report)
                if e[6] and e[6][0].endswith("server.py:%d handle" % line)]

    def test_monitor_commands(self):
        lines = support.marker_lines(SERVER)
        support.write_file(self.workdir, "server.py", SERVER)
        outfile = self.path("pyheap.out")
        with open(self.path("server.err"), "w") as err:
            self.server = subprocess.Popen(
                support.tool_command(["--vgdb=yes", "--time-unit=B",
                                      "--pyheap-out-file=" + outfile],
                                     [support.python(), "server.py"]),
                cwd=self.workdir, env=support.clean_env(),
                stdout=subprocess.DEVNULL, stderr=err)
        self.wait_for("done-0")
        with open(self.path("facts.json")) as f:
            facts = json.load(f)
        self.pid = facts["pid"]
        size = facts["leak"]

        # help lists the commands.
        text = self.monitor("help")
        for command in ("snapshot", "detailed_snapshot", "growth"):
            self.assertIn("  %s " % command, text)

        # Since the start: batch 0's leak, exactly.
        first = self.monitor("growth", "100000")
        self.assertIn("growth since the start", first)
        entries = parse_growth(first)
        self.assertIn("; %d sites grew" % len(entries), first)
        deltas = [e[0] for e in entries]
        self.assertEqual(deltas, sorted(deltas, reverse=True))
        leak = [e for e in self.leak_entry(first, lines["leak"]) if e[1] == "pymalloc"]
        self.assertEqual(len(leak), 1, first)
        self.assertEqual(leak[0][:6], (BATCH * size, "pymalloc", 0, BATCH * size, 0, BATCH))
        self.assertIn("server.py:%d" % lines["leak"], leak[0][6][0])
        # The frames: innermost first, the caller next.
        self.assertRegex(leak[0][6][1], r"server\.py:\d+ batch$")

        # One more batch: the leaking line is the top grower, by exactly one
        # batch, counted from the previous report.
        self.next_batch(1)
        second = self.monitor("growth")
        self.assertIn("growth since the last growth command", second)
        top = parse_growth(second)[0]
        self.assertEqual(top[:6], (BATCH * size, "pymalloc", BATCH * size,
                                   2 * BATCH * size, BATCH, 2 * BATCH), second)
        self.assertTrue(top[6][0].endswith("server.py:%d handle" % lines["leak"]), top)
        # The scratch lists are freed: that line does not grow.
        self.assertFalse([e for e in parse_growth(second)
                          if e[6] and "server.py:%d " % lines["scratch"] in e[6][0]],
                         second)
        # Nothing happened since: the leaking line did not grow.
        third = self.monitor("growth", "100")
        self.assertEqual(self.leak_entry(third, lines["leak"]), [], third)

        # Bad argument: one line, the server goes on.
        bad = self.monitor("growth", "zero")
        self.assertEqual(bad.strip().splitlines(),
                         ["pyheap: growth: 'zero' is not a positive number"])

        # A user snapshot now, with a label, and one with the default label.
        self.assertIn("'after batch 1'", self.monitor("snapshot", "after", "batch", "1"))
        self.assertIn("'monitor-2'", self.monitor("snapshot"))

        # A complete file of everything so far.
        dump = self.path("dump.out")
        self.assertIn("wrote " + dump, self.monitor("detailed_snapshot", dump))
        rows = support.viewer_json(dump, at="exit")
        here = self.one_row(rows, "server.py", lines["leak"])
        self.assertEqual(here["by_class"]["pymalloc"], 2 * BATCH * size)
        labelled = support.viewer_json(dump, at="after batch 1")
        self.assertEqual(support.rows_at(labelled, "server.py", lines["leak"])[0]
                         ["by_class"]["pymalloc"], 2 * BATCH * size)
        meta = support.read_meta(dump)
        self.assertEqual(meta["detailed_snapshot"], "1")
        # The default name, in the server's directory.
        text = self.monitor("detailed_snapshot")
        default = "pyheap.out.%d.snapshot.2" % self.pid
        self.assertIn("wrote " + default, text)
        support.viewer_json(self.path(default), at="exit")
        # An unwritable name: one line, the run goes on.
        text = self.monitor("detailed_snapshot", "/nonexistent/dir/x")
        self.assertEqual(len(text.strip().splitlines()), 1, text)
        self.assertIn("cannot write '/nonexistent/dir/x'", text)

        # The run goes on; growth N shows the top N only.
        self.next_batch(2)
        fourth = parse_growth(self.monitor("growth", "1"))
        self.assertEqual(len(fourth), 1, fourth)
        self.assertEqual(fourth[0][:2], (BATCH * size, "pymalloc"))
        self.assertTrue(fourth[0][6][0].endswith("server.py:%d handle" % lines["leak"]))

        # At the end it writes its own file, with the snapshots.
        with open(self.path("stop"), "w") as f:
            f.write("stop\n")
        self.assertEqual(self.server.wait(timeout=WAIT_S), 0, self.server_stderr())
        # Nothing on the server's stderr all along (the monitor commands
        # answer on vgdb's output).
        with open(self.path("server.err")) as f:
            support.check_stderr(f.read(), "", self.workdir, "the server")
        final = support.viewer_json(outfile, at="after batch 1")
        self.assertEqual(support.rows_at(final, "server.py", lines["leak"])[0]
                         ["by_class"]["pymalloc"], 2 * BATCH * size)
        support.viewer_json(outfile, at="monitor-2")
        rows = support.viewer_json(outfile, at="exit")
        self.assertEqual(support.rows_at(rows, "server.py", lines["leak"])[0]
                         ["by_class"]["pymalloc"], 3 * BATCH * size)
        with open(outfile) as f:
            self.assertNotIn("meta detailed_snapshot", f.read())
