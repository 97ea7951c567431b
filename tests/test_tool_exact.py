"""pyheap: exact per-line bytes and blocks of known Python objects at a label, peak, exit."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The profiled script computes, after the labelled snapshot, the sizes the
# tool must report, with sys.getsizeof (an independent source: the objects'
# own idea of their size), and writes them to a JSON side file.  The test
# compares the viewer's JSON with them exactly.
#
# Why the expectations are what they are (CPython 3.11+, 64-bit):
#   - `[1, 2, 3] * 2**18` makes one list whose item buffer (8 bytes per item,
#     allocated exactly, no over-allocation) is a PyMem request of 6 MiB: one
#     python-large block.  The list objects come from the list free list, so
#     no other block is allocated on that line.
#   - the comprehension makes 65,536 short str objects (each one pymalloc
#     block of sys.getsizeof(s) bytes: str is not a GC object, so getsizeof
#     is its allocation) and grows one list whose buffer, over-allocated by
#     list_resize, is getsizeof(x) - getsizeof([]) bytes: one python-large
#     block after the last realloc.
#   - after the label a transient bytearray makes the peak: its buffer
#     (getsizeof(z) - getsizeof(bytearray()) bytes) must be in the peak and
#     nowhere else, and x and y must be in the peak unchanged.
#   - x and y are kept in module globals, so the exit snapshot (taken when
#     finalisation starts) still holds them.

import support

SCRIPT = r'''
import json
import sys

import pyheap


def build():
    b = "ABC"
    y = [1, 2, 3] * (2 ** 18)                                   # LINE:y
    x = [b.lower() + "-" + str(t) for t in range(2 ** 16)]      # LINE:x
    pyheap.snapshot("both")
    return x, y


X, Y = build()
z = bytearray(8 * 2 ** 20)                                      # LINE:z
zsize = sys.getsizeof(z)
del z
facts = {
    "y_len": len(Y),
    "y_buffer": sys.getsizeof(Y) - sys.getsizeof([]),
    "x_len": len(X),
    "x_strings": sum(sys.getsizeof(s) for s in X),
    "x_buffer": sys.getsizeof(X) - sys.getsizeof([]),
    "z_buffer": zsize - sys.getsizeof(bytearray()),
    "z_total": zsize,
    "list_object": sys.getsizeof([]),
    "tuple1": sys.getsizeof((0,)),
    "version": sys.version_info[:2],
}
with open(sys.argv[1], "w") as f:
    json.dump(facts, f)
'''


class ExactTest(support.ToolTestCase):
    """The seed example: a 6 MiB list and 65,536 strings, byte for byte."""

    lines = support.marker_lines(SCRIPT)
    _cache = []     # one run shared by the tests (the runner calls no setUpClass)

    def run_seed(self):
        """Run the script once for the class; the tests read that run."""
        if not self._cache:
            self._cache.append(support.run_with_facts(self, SCRIPT,
                                                      support.shared_scratch_dir()))
        res, facts = self._cache[0]
        # Sanity of the independent expectations themselves.
        self.assertEqual(facts["y_len"], 3 * 2 ** 18)
        self.assertEqual(facts["y_buffer"], 8 * facts["y_len"])
        self.assertEqual(facts["x_len"], 2 ** 16)
        self.assertGreaterEqual(facts["x_buffer"], 8 * facts["x_len"])
        return res, facts

    def row(self, rows, name):
        return self.one_row(rows, "prog.py", self.lines[name])

    @staticmethod
    def list_object(facts):
        """(bytes, blocks) of the list object itself on its line.  It comes
        from the list free list.  From 3.13 on the tool files it where it
        is made (PyRefTracer); before, it stays where its block was first
        allocated, which is not this line."""
        if tuple(facts["version"]) >= (3, 13):
            return facts["list_object"], 1
        return 0, 0

    def check_y(self, row, facts):
        obj_B, obj_n = self.list_object(facts)
        self.assertEqual(row["function"], "build")
        self.assertEqual(row["blocks"], 1 + obj_n, row)
        self.assertEqual(row["bytes"], facts["y_buffer"] + obj_B, row)
        self.assertEqual(row["by_class"],
                         {"raw": 0, "pymalloc": obj_B, "python-large": facts["y_buffer"]})

    def check_x(self, row, facts):
        obj_B, obj_n = self.list_object(facts)
        # 3.11 runs the comprehension in its own function
        # (build.<locals>.<listcomp>); 3.12+ inline it into build.
        self.assertTrue(row["function"].startswith("build"), row)
        self.assertEqual(row["blocks"], facts["x_len"] + 1 + obj_n, row)
        self.assertEqual(row["by_class"],
                         {"raw": 0, "pymalloc": facts["x_strings"] + obj_B,
                          "python-large": facts["x_buffer"]})
        self.assertEqual(row["bytes"], facts["x_strings"] + facts["x_buffer"] + obj_B)

    def test_label_peak_exit(self):
        """x and y exact at the label, the peak (with the transient) and exit."""
        res, facts = self.run_seed()

        label = support.viewer_json(res.outfile, at="both")
        self.check_y(self.row(label, "y"), facts)
        self.check_x(self.row(label, "x"), facts)
        self.assertEqual(support.rows_at(label, "prog.py", self.lines["z"]), [])
        # y and x are the two biggest sites of the process at that moment.
        self.assertEqual(label[0]["location"].rsplit(":", 1)[1], str(self.lines["y"]))
        self.assertEqual(label[1]["location"].rsplit(":", 1)[1], str(self.lines["x"]))

        peak = support.viewer_json(res.outfile, at="peak")
        self.check_y(self.row(peak, "y"), facts)
        self.check_x(self.row(peak, "x"), facts)
        z = self.row(peak, "z")
        self.assertEqual(z["function"], "<module>")
        self.assertEqual(z["by_class"]["python-large"], facts["z_buffer"], z)
        self.assertEqual(z["by_class"]["raw"], 0, z)
        # The bytearray object (pymalloc) and its buffer (python-large).
        # The call may also hold its argument tuple at that moment (3.14's
        # bytearray() takes a tuple), made on this line from the tuple
        # free list: filed here from 3.13 on, elsewhere before.
        args_B = z["bytes"] - facts["z_total"]
        allowed = [0, facts["tuple1"]] if tuple(facts["version"]) >= (3, 13) else [0]
        self.assertIn(args_B, allowed, z)
        self.assertEqual(z["blocks"], 2 + (args_B > 0), z)
        # The peak is the biggest snapshot: its total is at least the label's
        # plus the transient buffer, minus nothing of x and y.
        self.assertGreaterEqual(sum(r["bytes"] for r in peak),
                                sum(r["bytes"] for r in label) + facts["z_buffer"]
                                - 64 * 1024)

        exit_rows = support.viewer_json(res.outfile, at="exit")
        self.check_y(self.row(exit_rows, "y"), facts)
        self.check_x(self.row(exit_rows, "x"), facts)
        self.assertEqual(support.rows_at(exit_rows, "prog.py", self.lines["z"]), [])

    def test_file_agrees_with_viewer(self):
        """The label's class totals in the file cover x and y, and peak_B is the peak's heap."""
        res, facts = self.run_seed()
        with open(res.outfile) as f:
            text = f.read().splitlines()
        meta = support.read_meta(res.outfile)
        snaps = {}
        current = None
        for ln in text:
            words = ln.split(" ")
            if words[0] == "snapshot":
                current = {"kind": words[3], "label": " ".join(words[4:]),
                           "time": int(words[2]), "classes": {}}
                snaps.setdefault(words[3] + ":" + current["label"], current)
            elif words[0] == "c" and current is not None:
                current["classes"][words[1]] = (int(words[2]), int(words[3]))
        both = snaps["user:both"]
        peak = snaps["peak:"]
        self.assertGreaterEqual(both["classes"]["python-large"][0],
                                facts["y_buffer"] + facts["x_buffer"])
        self.assertGreaterEqual(both["classes"]["pymalloc"][1], facts["x_len"])
        self.assertEqual(int(meta["peak_B"]), sum(b for b, _ in peak["classes"].values()))
        self.assertEqual(int(meta["peak_time"]), peak["time"])
        # The peak comes after the label (the transient bytearray).
        self.assertGreater(peak["time"], both["time"])
        self.assertGreaterEqual(int(meta["peak_B"]),
                                sum(b for b, _ in both["classes"].values())
                                + facts["z_buffer"] - 64 * 1024)


PEAK_SCRIPT = r'''
import json
import sys

import pyheap

keep = [bytearray(100000 + i) for i in range(20)]               # LINE:keep
# The heap just before the peak: from here to the peak only `big` is
# allocated, so what the keep line holds here it holds at the peak.
pyheap.snapshot("before-big")
big = bytearray(4 * 2 ** 20)                                    # LINE:big
big_size = sys.getsizeof(big) - sys.getsizeof(bytearray())
del big
# Long after the peak: many allocations and frees that never reach it.
# The tool's peak bookkeeping must undo every one of them exactly.
churn = []
for i in range(60000):
    churn.append(str(i) * 3)                                    # LINE:churn
    if len(churn) > 50:
        churn.clear()
with open(sys.argv[1], "w") as f:
    json.dump({"keep": sum(sys.getsizeof(b) for b in keep),
               "keep_n": len(keep), "big": big_size}, f)
'''


class PeakUndoTest(support.ToolTestCase):
    """The peak's composition stays exact after many later changes."""

    def test_peak_after_churn(self):
        lines = support.marker_lines(PEAK_SCRIPT)
        res, facts = support.run_with_facts(self, PEAK_SCRIPT, self.workdir)
        peak = support.viewer_json(res.outfile, at="peak")
        big = self.one_row(peak, "prog.py", lines["big"])
        self.assertEqual(big["by_class"]["python-large"], facts["big"])
        keep = self.one_row(peak, "prog.py", lines["keep"])
        # Each bytearray: the object (pymalloc) and its buffer
        # (python-large); and the list's item array.  What else the line
        # holds depends on the interpreter's free lists (the list object
        # itself, a big int parked in 3.14's int free list): the labelled
        # snapshot just before the peak, made from the live-block table
        # directly, says what it is, and the peak -- rebuilt by undoing the
        # churn -- must be the same, block for block and byte for byte.
        self.assertGreaterEqual(keep["blocks"], 2 * facts["keep_n"] + 1, keep)
        self.assertGreaterEqual(keep["bytes"], facts["keep"])
        before = support.rows_at(support.viewer_json(res.outfile, at="before-big"),
                                 "prog.py", lines["keep"])
        self.assertEqual([keep], before)
        # Nothing of the churn existed at the peak.
        self.assertEqual(support.rows_at(peak, "prog.py", lines["churn"]), [])
        meta = support.read_meta(res.outfile)
        self.assertEqual(int(meta["peak_B"]), sum(r["bytes"] for r in peak))
