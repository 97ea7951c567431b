"""pyheap: PyMem_* calls made by C code reach the tool through the preload's event function, exactly."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The domain hooks report allocations, reallocations and frees by calling
# an empty function in the preload, which the tool intercepts at
# instrumentation time (a dirty call, not a client request).  This test
# drives those three events from C with known sizes and checks what the
# tool made of them:
#   - pymemext.alloc(N, S) keeps N blocks of S bytes from PyMem_Malloc
#     (tests/programs/pymemext.c): pymalloc for S <= 512, python-large
#     above (the request falls through to malloc);
#   - pymemext.resize(...) PyMem_Reallocs some of them to a new size: a
#     realloc is recorded as a new block, at the line that made it;
#   - pymemext.release(...) PyMem_Frees some: they are gone.
# With --native=yes the stacks must show the extension's C functions
# below the Python frames: the native unwinder starts from inside the
# event call, so this checks that the tool sees a consistent guest state
# (IP, SP, frame pointer) there.  The two runs use both time units: with
# --time-unit=i the instrumentation also counts instructions around the
# event call.

import os

import support

SCRIPT = r'''
import pymemext
import pyheap


def small():
    pymemext.alloc(1000, 200)                                   # LINE:small


def large():
    pymemext.alloc(10, 5000)                                    # LINE:large


def grow():
    pymemext.resize(0, 300, 400)                                # LINE:grow


def drop():
    pymemext.release(300, 200)                                  # LINE:drop


small()                                                         # LINE:call_small
large()
grow()
drop()
pyheap.snapshot("after")
'''

# What is live at the label, by line: (class, bytes, blocks).
EXPECTED = {
    "small": ("pymalloc", 500 * 200, 500),     # 1000 made, 300 moved, 200 freed
    "large": ("python-large", 10 * 5000, 10),
    "grow": ("pymalloc", 300 * 400, 300),
}


class EventsTest(support.ToolTestCase):
    """PyMem_Malloc/Realloc/Free from C, as the tool records them."""

    lines = support.marker_lines(SCRIPT)
    c_lines = support.marker_lines_of(os.path.join(support.PROGRAMS, "pymemext.c"))
    _runs = {}
    _views = {}

    def run_script(self, native):
        if native not in self._runs:
            run_dir = support.shared_scratch_dir()
            if support.build_extension(run_dir, "pymemext") is None:
                self.skipTest("Python.h of %s is not installed" % support.python())
            unit = "--time-unit=i" if native == "yes" else "--time-unit=B"
            self._runs[native] = support.run_python_script(
                self, SCRIPT, run_dir, tool_options=(unit, "--native=" + native),
                env=support.clean_env(PYTHONPATH=run_dir))
        return self._runs[native]

    def view(self, native, by="line"):
        key = (native, by)
        if key not in self._views:
            self._views[key] = support.viewer_json(self.run_script(native).outfile,
                                                   by=by, at="after")
        return self._views[key]

    def check_lines(self, native):
        rows = self.view(native)
        for name, (cls, nbytes, nblocks) in sorted(EXPECTED.items()):
            with self.subTest(native=native, line=name):
                row = self.one_row(rows, "prog.py", self.lines[name])
                self.assertEqual(row["function"], name)
                want = {"raw": 0, "pymalloc": 0, "python-large": 0}
                want[cls] = nbytes
                self.assertEqual(row["by_class"], want, row)
                self.assertEqual(row["blocks"], nblocks, row)
        # The freed blocks left nothing behind on the line that freed them.
        self.assertEqual(support.rows_at(rows, "prog.py", self.lines["drop"]), [])

    def test_exact_without_native_frames(self):
        """--time-unit=B: each line holds exactly what the C calls left live."""
        self.check_lines("no")

    def test_exact_with_native_frames(self):
        """--native=yes --time-unit=i: the same figures."""
        self.check_lines("yes")

    def test_python_stack(self):
        """Python frames only: the allocating line, then its caller."""
        rows = self.view("no", by="stack")
        found = [r for r in support.rows_at(rows, "prog.py", self.lines["small"])
                 if r["by_class"]["pymalloc"] == EXPECTED["small"][1]]
        self.assertEqual(len(found), 1, found)
        self.assertEqual([(f["location"].rsplit("/", 1)[-1], f["function"])
                          for f in found[0]["stack"]],
                         [("prog.py:%d" % self.lines["small"], "small"),
                          ("prog.py:%d" % self.lines["call_small"], "<module>")])

    def test_native_frames_of_an_event(self):
        """--native=yes: pymemext_grab and pymemext_alloc below the Python frames."""
        rows = self.view("yes", by="stack")
        found = [r for r in support.rows_at(rows, "prog.py", self.lines["small"])
                 if r["by_class"]["pymalloc"] == EXPECTED["small"][1]]
        self.assertEqual(len(found), 1, found)
        stack = found[0]["stack"]
        named = [(f["location"].rsplit("/", 1)[-1], f["function"]) for f in stack
                 if f["function"] != "???"]
        # Innermost first: the extension's two functions (no frame of the
        # preload or of the allocator above them), then Python's.
        self.assertGreaterEqual(len(named), 4, stack)
        self.assertEqual(named[0], ("pymemext.c:%d" % self.c_lines["grab"], "pymemext_grab"))
        self.assertEqual(named[1], ("pymemext.c:%d" % self.c_lines["call"], "pymemext_alloc"))
        self.assertEqual(named[-2:], [("prog.py:%d" % self.lines["small"], "small"),
                                      ("prog.py:%d" % self.lines["call_small"], "<module>")])
