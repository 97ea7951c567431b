"""pyheap: malloc from C code (ctypes, a C extension) is raw, at the calling Python line."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The profiled script
#   - calls libc's malloc through ctypes for 777,777 bytes (kept) and for
#     555,555 bytes (freed again before the label);
#   - calls leakext.leak(1,234,567), a function of a tiny C extension
#     (tests/programs/leakext.c, compiled here against the profiled
#     interpreter's headers) that mallocs and never frees.
# Neither block goes through a Python allocator domain: both must be class
# raw, named after the Python line that made the call; the leak must still
# be there at the exit snapshot.  With --native=yes the stacks must show the
# native frames (the extension's C functions with file:line from -g, libffi's
# ffi_call for ctypes) below the Python frames.

import os
import re

import support

SCRIPT = r'''
import ctypes
import sys

import leakext
import pyheap

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.restype = None
libc.free.argtypes = [ctypes.c_void_p]


def via_ctypes():
    keep = libc.malloc(777777)                                  # LINE:ctypes
    gone = libc.malloc(555555)                                  # LINE:freed
    libc.free(gone)
    return keep


def via_extension():
    leakext.leak(1234567)                                       # LINE:ext


KEPT = via_ctypes()                                             # LINE:call_ctypes
via_extension()                                                 # LINE:call_ext
pyheap.snapshot("after")
'''

CTYPES_BYTES = 777777
FREED_BYTES = 555555
LEAK_BYTES = 1234567


class NativeTest(support.ToolTestCase):
    """C allocations called from Python, with and without --native=yes."""

    lines = support.marker_lines(SCRIPT)
    c_lines = support.marker_lines_of(os.path.join(support.PROGRAMS, "leakext.c"))
    _runs = {}      # one run per --native value, shared by the tests
    _views = {}     # viewer outputs, by (native, by, at)

    def view(self, native, by="line", at="after"):
        key = (native, by, at)
        if key not in self._views:
            self._views[key] = support.viewer_json(self.run_script(native).outfile,
                                                   by=by, at=at)
        return self._views[key]

    def run_script(self, native):
        if native not in self._runs:
            run_dir = support.shared_scratch_dir()
            if support.build_extension(run_dir, "leakext") is None:
                self.skipTest("Python.h of %s is not installed" % support.python())
            self._runs[native] = support.run_python_script(
                self, SCRIPT, run_dir,
                tool_options=("--time-unit=B", "--native=" + native),
                env=support.clean_env(PYTHONPATH=run_dir))
        return self._runs[native]

    def row(self, rows, name):
        return self.one_row(rows, "prog.py", self.lines[name])

    def test_ctypes_malloc_is_raw_at_calling_line(self):
        """libc malloc through ctypes: raw, at the line that called it; the freed one is gone."""
        rows = self.view("no")
        row = self.row(rows, "ctypes")
        self.assertEqual(row["function"], "via_ctypes")
        # The line also makes the Python int for the returned address
        # (pymalloc); the only raw block is the malloc'ed one.
        self.assertEqual(row["by_class"]["raw"], CTYPES_BYTES, row)
        self.assertEqual(row["by_class"]["python-large"], 0, row)
        self.assertLessEqual(row["by_class"]["pymalloc"], 64, row)
        # The block freed before the label leaves nothing raw on its line.
        for r in support.rows_at(rows, "prog.py", self.lines["freed"]):
            self.assertEqual(r["by_class"]["raw"], 0, r)
        # It was the peak's business, though: the peak (after both mallocs
        # at the latest) holds the kept block at the same line.
        peak_row = self.row(self.view("no", at="peak"), "ctypes")
        self.assertEqual(peak_row["by_class"]["raw"], CTYPES_BYTES)
        # Never freed: still there at exit.
        exit_row = self.row(self.view("no", at="exit"), "ctypes")
        self.assertEqual(exit_row["by_class"]["raw"], CTYPES_BYTES)

    def test_extension_leak_is_raw_at_calling_line(self):
        """A C extension's malloc: raw at the calling Python line, at the label and at exit."""
        for at in ("after", "exit"):
            with self.subTest(at=at):
                rows = self.view("no", at=at)
                row = self.row(rows, "ext")
                self.assertEqual(row["function"], "via_extension")
                self.assertEqual(row["by_class"],
                                 {"raw": LEAK_BYTES, "pymalloc": 0, "python-large": 0})
                self.assertEqual(row["blocks"], 1)
                # Python frames only: the caller's line, not the extension.
                stacks = self.view("no", by="stack", at=at)
                srow = [r for r in stacks if r["location"] == row["location"]
                        and r["by_class"]["raw"] == LEAK_BYTES]
                self.assertEqual(len(srow), 1, srow)
                self.assertEqual(
                    [f["location"].rsplit("/", 1)[-1] for f in srow[0]["stack"]],
                    ["prog.py:%d" % self.lines["ext"], "prog.py:%d" % self.lines["call_ext"]])

    def stack_row(self, rows, name, raw_bytes):
        found = [r for r in support.rows_at(rows, "prog.py", self.lines[name])
                 if r["by_class"]["raw"] == raw_bytes]
        self.assertEqual(len(found), 1, "no stack with %d raw bytes at %s: %r"
                         % (raw_bytes, name, support.rows_at(rows, "prog.py",
                                                             self.lines[name])))
        # The viewer names the site after the innermost Python frame even
        # though the innermost frames are native.
        self.assertEqual(found[0]["function"], {"ext": "via_extension",
                                                "ctypes": "via_ctypes"}[name], found[0])
        stack = found[0]["stack"]
        py_at = [i for i, f in enumerate(stack)
                 if re.search(r"(^|/)prog\.py:\d+$", f["location"])]
        self.assertTrue(py_at, stack)
        # Innermost first: native frames, then the Python frames, and no
        # native frame among or after the Python ones of this short script.
        first_py = py_at[0]
        self.assertEqual(py_at, list(range(first_py, len(stack))), stack)
        return stack[:first_py], stack[first_py:]

    def test_native_frames_below_extension_call(self):
        """--native=yes: leakext_grab (malloc line) and leakext_leak under the Python frames."""
        rows = self.view("yes", by="stack")
        native, python = self.stack_row(rows, "ext", LEAK_BYTES)
        self.assertEqual([(f["location"].rsplit("/", 1)[-1], f["function"]) for f in python],
                         [("prog.py:%d" % self.lines["ext"], "via_extension"),
                          ("prog.py:%d" % self.lines["call_ext"], "<module>")])
        named = [(f["location"].rsplit("/", 1)[-1], f["function"]) for f in native
                 if f["function"] not in ("malloc", "???")]
        self.assertGreaterEqual(len(named), 2, native)
        self.assertEqual(named[0], ("leakext.c:%d" % self.c_lines["malloc"], "leakext_grab"))
        self.assertEqual(named[1], ("leakext.c:%d" % self.c_lines["grab"], "leakext_leak"))

    def test_native_frames_below_ctypes_call(self):
        """--native=yes: the ctypes malloc has libffi's ffi_call among its native frames."""
        rows = self.view("yes", by="stack")
        native, python = self.stack_row(rows, "ctypes", CTYPES_BYTES)
        self.assertEqual([(f["location"].rsplit("/", 1)[-1], f["function"]) for f in python],
                         [("prog.py:%d" % self.lines["ctypes"], "via_ctypes"),
                          ("prog.py:%d" % self.lines["call_ctypes"], "<module>")])
        self.assertIn("ffi_call", [f["function"] for f in native], native)

    def test_native_frame_records_in_file(self):
        """--native=yes: the file has `f fid c ip func file line obj` for leakext_grab."""
        res = self.run_script("yes")
        strings, frames = {}, []
        with open(res.outfile) as f:
            for ln in f:
                words = ln.rstrip("\n").split(" ")
                if words[0] == "s":
                    strings[int(words[1])] = " ".join(words[2:])
                elif words[0] == "f" and words[2] == "c":
                    frames.append(words)
        grab = [w for w in frames if strings.get(int(w[4])) == "leakext_grab"]
        self.assertTrue(grab, "no native frame record for leakext_grab")
        for w in grab:
            self.assertTrue(w[3].startswith("0x"), w)
            self.assertEqual(os.path.basename(strings[int(w[5])]), "leakext.c", w)
            self.assertEqual(os.path.basename(strings[int(w[7])]), "leakext.so", w)
        self.assertIn(self.c_lines["malloc"], [int(w[6]) for w in grab])
