"""pyheap: C and C++ programs (not Python): per-function bytes at labels, peak and exit; the whole malloc family."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/programs/cprog.c and cxxprog.cc are compiled here with -g -O0.  Each
# of their functions allocates a distinct, known size (see the comments at
# the top of each program); the expected numbers below come from those
# sources, not from the tool.  In a program that is not Python every block
# is raw, the stacks are native, and the viewer names a site after the
# innermost native frame that is not an allocation function: the C
# function that called malloc/calloc/realloc/new, at the line of the call.

import os

import support

# cprog.c: function -> bytes live at each moment (one block each).
MIDDLE = {"alloc_alpha": 100000, "alloc_beta": 23456, "alloc_gamma": 300 * 77,
          "grow_delta": 50000}
PEAK = {"alloc_alpha": 100000, "alloc_gamma": 300 * 77, "grow_delta": 50000,
        "alloc_transient": 2000000}
LATE = {"alloc_alpha": 100000, "alloc_gamma": 300 * 77, "grow_delta": 50000}
# Where each function's live block was (last) allocated: realloc moves the
# block to the realloc call, as in massif.
SITE_MARKER = {"alloc_alpha": "alpha", "alloc_beta": "beta", "alloc_gamma": "gamma",
               "grow_delta": "delta_realloc", "alloc_transient": "transient"}

# cxxprog.cc
CXX_PEAK = {"make_record": 4000, "make_table": 12345 * 4, "make_scratch": 77777}
CXX_EXIT = {"make_record": 4000, "make_table": 12345 * 4}
CXX_MARKER = {"make_record": "record", "make_table": "table", "make_scratch": "scratch"}

# allocfamily.cc: function -> the bytes of its one block at "all" (what the
# program asked for; for new[] of a trivially destructible type there is no
# array cookie).  The marker of each function is its own name without "use_".
FAMILY_SIZES = {"use_malloc": 1111, "use_calloc": 37 * 61, "use_realloc_null": 2222,
                "use_realloc_grow": 3333, "use_realloc_shrink": 4444,
                "use_memalign": 5555, "use_posix_memalign": 6666,
                "use_aligned_alloc": 7680, "use_valloc": 8888, "use_new": 9999,
                "use_new_object": 4, "use_new_nothrow": 1212, "use_new_aligned": 448,
                "use_new_aligned_array": 3 * 448}
FAMILY_MARKER = {"use_new": "new_array"}


class CProgramTest(support.ToolTestCase):
    """Native programs: raw blocks named by C/C++ function and line."""

    def compile_and_run(self, source, compiler, extra=()):
        exe = support.compile_program(self.workdir, source, compiler, extra)
        res = support.pyheap_run([exe], self.workdir)
        self.assertEqual(res.returncode, 0, "pyheap run failed:\n" + res.stderr[-3000:])
        return res

    def check_functions(self, res, at, expected, lines, source_name, normalise=None):
        """At AT, the program's own functions hold exactly EXPECTED, at their lines."""
        norm = normalise or (lambda name: name)
        by_function = support.viewer_json(res.outfile, by="function", at=at)
        own = {}
        for r in by_function:
            if r["location"].endswith("/" + source_name):
                self.assertNotIn(norm(r["function"]), own, r)
                own[norm(r["function"])] = r
        self.assertEqual({k: (v["bytes"], v["blocks"], v["by_class"]["raw"])
                          for k, v in own.items()},
                         {k: (v, 1, v) for k, v in expected.items()})
        by_line = support.viewer_json(res.outfile, by="line", at=at)
        for function, marker in lines.items():
            if function not in expected:
                continue
            rows = [r for r in by_line if norm(r["function"]) == function]
            self.assertEqual(len(rows), 1, rows)
            self.assertTrue(rows[0]["location"].endswith("/%s:%d" % (source_name,
                                                                     marker)), rows[0])
        return by_function

    def test_c_program(self):
        """cprog.c: malloc/calloc/realloc/free by function, at middle, late, peak and exit."""
        source = os.path.join(support.PROGRAMS, "cprog.c")
        res = self.compile_and_run(source, "gcc")
        meta = support.read_meta(res.outfile)
        self.assertEqual(meta["python"], "none")
        self.assertEqual(meta["hooks"], "none")
        marks = support.marker_lines_of(source)
        lines = {f: marks[m] for f, m in SITE_MARKER.items()}

        self.check_functions(res, "middle", MIDDLE, lines, "cprog.c")
        self.check_functions(res, "late", LATE, lines, "cprog.c")
        peak = self.check_functions(res, "peak", PEAK, lines, "cprog.c")
        self.check_functions(res, "exit", LATE, lines, "cprog.c")
        # The exact peak: the transient block plus what was live with it;
        # the few bytes of the C library's start-up are all that is left.
        peak_total = sum(r["bytes"] for r in peak)
        self.assertEqual(int(meta["peak_B"]), peak_total)
        self.assertGreaterEqual(peak_total, sum(PEAK.values()))
        self.assertLess(peak_total - sum(PEAK.values()), 4096)
        for r in peak:
            self.assertEqual(r["by_class"]["pymalloc"] + r["by_class"]["python-large"], 0, r)

    def test_cxx_program(self):
        """cxxprog.cc: new, new[] and delete[] by (demangled) function, at the peak and exit."""
        source = os.path.join(support.PROGRAMS, "cxxprog.cc")
        res = self.compile_and_run(source, "g++")
        meta = support.read_meta(res.outfile)
        self.assertEqual(meta["python"], "none")
        marks = support.marker_lines_of(source)
        lines = {f: marks[m] for f, m in CXX_MARKER.items()}
        # Demangled C++ names carry their parameter list: make_table().
        normalise = lambda name: name.split("(")[0]
        self.check_functions(res, "peak", CXX_PEAK, lines, "cxxprog.cc", normalise)
        self.check_functions(res, "exit", CXX_EXIT, lines, "cxxprog.cc", normalise)

    def test_malloc_family(self):
        """allocfamily.cc: every malloc-family call and C++ new form, its size, its line; all freed."""
        source = os.path.join(support.PROGRAMS, "allocfamily.cc")
        res = self.compile_and_run(source, "g++", ["-std=c++17"])
        marks = support.marker_lines_of(source)
        lines = {f: marks[FAMILY_MARKER.get(f, f[len("use_"):])] for f in FAMILY_SIZES}
        normalise = lambda name: name.split("(")[0]
        self.check_functions(res, "all", FAMILY_SIZES, lines, "allocfamily.cc", normalise)
        # Every block was released by its own deallocator (free, delete,
        # delete[], the aligned deletes), and realloc(p, 0) released p:
        # nothing of the program's own is left.
        freed = support.viewer_json(res.outfile, by="function", at="freed")
        own = [r for r in freed if r["location"].endswith("/allocfamily.cc") and r["bytes"]]
        self.assertEqual(own, [])

