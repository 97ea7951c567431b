"""pyheap: an object a CPython free list hands out again is filed at the line that made it (3.13+)."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `churn()` makes 30 empty lists and drops them: the lists go to the list
# free list (80 places), not back to the allocator; they are dead, so
# pyheap files them under "<free lists>", no line's.  The `keep` line then
# makes 40 empty lists and the list that holds them; on 3.13+ every one of
# them comes from the free list, so the allocator hooks never see them.
# pyheap must still file them under `keep` (through PyRefTracer, see
# ph_preload.c), as tracemalloc does: 41 list objects at `keep`, none at
# `junk`.  Filed by where their blocks were first allocated, they would be
# at `junk` (the bug this guards against: a line that only made
# temporaries would hold what another line keeps).
#
# 3.11 and 3.12 have no hook for this; the test is skipped there (the
# limitation is documented in docs/leak-hunting.md).

import json
import os

import support

SCRIPT = r'''
import json
import sys
import tracemalloc

import pyheap

if sys.argv[2] == "tracemalloc":
    # tracemalloc takes the interpreter's one reference-tracer slot and
    # stop() empties it: pyheap must put its own back (at the snapshot).
    tracemalloc.start()
    probe = [bytes(100) for _ in range(10)]
    traced = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del probe
    pyheap.snapshot("after-tracemalloc")
else:
    traced = None


def churn():
    junk = [[] for _ in range(30)]                  # LINE:junk
    return len(junk)


HOLD = [[] for _ in range(200)]    # empties the list free list (start-up leaves many)
pyheap.snapshot("before")
churn()
pyheap.snapshot("churned")
KEEP = [[] for _ in range(40)]                      # LINE:keep
pyheap.snapshot("kept")
with open(sys.argv[1], "w") as f:
    json.dump({"list_szB": sys.getsizeof([]), "kept": len(KEEP),
               "traced": traced}, f)
'''


class FreeListTest(support.ToolTestCase):

    def setUp(self):
        super().setUp()
        version = support.python_version()[:2]
        if version < (3, 13):
            self.skipTest("CPython %d.%d has no reference tracer: a recycled object "
                          "stays filed where its block was first allocated" % version)

    def run_script(self, mode):
        lines = support.marker_lines(SCRIPT)
        res, facts = support.run_with_facts(self, SCRIPT, self.workdir, [mode])
        return lines, facts, self.rows_at(res.outfile, "kept", "--type=list")

    def rows_at(self, outfile, label, *options):
        proc = support.viewer(["--format=json", "--by=line", "--at=" + label]
                              + list(options) + [outfile])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return json.loads(proc.stdout)

    def check_kept_lists(self, lines, facts, rows):
        self.assertEqual(facts["kept"], 40)
        keep = self.one_row(rows, "prog.py", lines["keep"])
        # The 40 lists and the one that holds them, list objects only
        # (--type=list: the item buffer holds no object).
        self.assertEqual(keep["blocks"], 41, keep)
        self.assertEqual(keep["bytes"], 41 * facts["list_szB"], keep)
        self.assertEqual(support.rows_at(rows, "prog.py", lines["junk"]), [], rows)

    def test_recycled_lists_are_filed_where_made(self):
        """Lists from the free list count at the line that made them, not at the line whose lists were freed."""
        lines, facts, rows = self.run_script("plain")
        self.check_kept_lists(lines, facts, rows)

    def test_dead_lists_are_filed_under_free_lists(self):
        """After churn() its 31 dead lists are the free lists', not churn's line's."""
        lines, facts, _ = self.run_script("plain")
        out = os.path.join(self.workdir, "pyheap.out")

        def free_lists(rows):
            dead = [r for r in rows if r["location"] == "<free lists>:0"]
            self.assertLessEqual(len(dead), 1, dead)
            if dead:
                self.assertEqual(dead[0]["function"], "")
            return dead[0] if dead else {"bytes": 0, "blocks": 0}

        before, after = self.rows_at(out, "before"), self.rows_at(out, "churned")
        self.assertEqual(support.rows_at(after, "prog.py", lines["junk"]), [])
        # The 30 lists and the one that held them, dead (a refcount of 0:
        # the type scan sees no object in them), at most 80 in the list
        # free list (HOLD emptied it).
        gained = free_lists(after)["blocks"] - free_lists(before)["blocks"]
        self.assertGreaterEqual(gained, 31, (free_lists(before), free_lists(after)))
        self.assertGreaterEqual(free_lists(after)["bytes"] - free_lists(before)["bytes"],
                                31 * facts["list_szB"])

    def test_after_tracemalloc_stopped(self):
        """tracemalloc works under pyheap, and after its stop() pyheap's tracer is back."""
        lines, facts, rows = self.run_script("tracemalloc")
        self.assertGreaterEqual(facts["traced"], 10 * 100)
        self.check_kept_lists(lines, facts, rows)
