"""Tests of pyheap_print, the report viewer, on hand-made format-1 files."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The data files are in tests/data/viewer/:
#   basic.out        a Python process: Python stacks, a native-only stack,
#                    native frames under a Python frame, a stack-less site,
#                    a detailed, a peak, an exit and three user snapshots
#                    (two share the label "after load"), non-ASCII and
#                    escaped names, an unknown meta key
#   nopeak.out       a program that is not Python, without a peak snapshot
#   spec-sample.out  the annotated sample of docs/file-format.md
#   app.py           the source that basic.out's Python frames point at
#   *.expected       golden outputs; PYHEAP_REGEN=1 rewrites them
# and real runs (realapp.out, diffapp-old.out, diffapp-new.out, made by
# regen.sh there), which test_viewer_views.py and test_viewer_exports.py
# use for the views, --diff, --annotate and the exports.
#
# The viewer runs from tests/data/viewer so that the relative paths in the
# files (app.py) resolve.  PYHEAP_PRINT_DEBUG=1 makes any internal error a
# traceback, which every test rejects.  The helpers (run_viewer,
# ViewerTestCase, the damaged copies of a file) are tests/support.py's.

import json
import os
import random
import shutil
import tempfile
import unittest

import support
from support import (CLASS_KEYS, OWN, VIEWER_DATA as DATA, ViewerTestCase,
                     json_row, read_viewer_data as read_data, run_viewer)


# The peak of basic.out by line, biggest first; ties (4,096 B) ordered by
# location: file "" (no file: 0xdeadbeef), "(unknown)", lib/util.py:7, :9.
# Every Python file of basic.out is the user's own (relative paths, none
# in a standard library or site-packages directory): a Python row's user
# frame is its own; the native-only and stack-less rows have none.
PEAK_BY_LINE = [
    json_row("lib/util.py:42", "Loader.read_chunk", 4096000, 1501,
             pymalloc=96000, large=4000000, user=OWN),
    json_row("café.py:3", "naïve_函数", 1048576, 1, large=1048576,
             user=OWN),
    # The Python line app.py:8 itself (pymalloc) and the native frames
    # below it (deflateInit2_, raw) are one site for --by=line.
    json_row("app.py:8", "load", 462144, 3002, raw=262144, pymalloc=200000,
             user=OWN),
    # A native-only stack: malloc is skipped, init_tables has no source
    # file: object@0xIP.
    json_row("/usr/lib/x86_64-linux-gnu/libfoo.so.1@0x7f00004a1f0",
             "init_tables", 65536, 4, raw=65536, user=None),
    json_row("0xdeadbeef", "???", 4096, 1, raw=4096, user=None),
    json_row("(unknown)", "", 4096, 2, raw=4096, user=None),
    json_row("lib/util.py:7", "weird\\name", 4096, 32, pymalloc=4096,
             user=OWN),
    json_row("lib/util.py:9", "tab\there", 4096, 64, pymalloc=4096,
             user=OWN),
    json_row("app.py:20", "<module>", 2048, 40, pymalloc=2048, user=OWN),
    json_row("app.py:14", "main", 512, 1, raw=512, user=OWN),
]


class JsonContractTest(ViewerTestCase):
    """--format=json: the objects, their order, --at, --by, --top."""

    def test_peak_by_line_exact(self):
        self.assertEqual(self.json("--by=line", "--at=peak", "basic.out"),
                         PEAK_BY_LINE)

    def test_defaults_are_peak_and_line(self):
        self.assertEqual(self.json("basic.out"), PEAK_BY_LINE)

    def test_golden_bytes(self):
        self.assert_golden("basic.json.expected",
                           self.view("--format=json", "basic.out"))

    def test_output_is_utf8_not_escaped(self):
        _, out, _ = run_viewer(["--format=json", "basic.out"])
        self.assertIn("naïve_函数".encode("utf-8"), out)
        self.assertIn(b'"weird\\\\name"', out)
        self.assertIn(b'"tab\\there"', out)

    def test_by_class_has_exactly_three_keys(self):
        for by in ("line", "function", "file", "stack"):
            for row in self.json("--by=" + by, "basic.out"):
                self.assertEqual(sorted(row["by_class"]),
                                 sorted(CLASS_KEYS))
                self.assertEqual(sum(row["by_class"].values()),
                                 row["bytes"])

    def test_rows_add_up_to_the_snapshot(self):
        for at, heap, blocks in (("peak", 5691200, 4648),
                                 ("exit", 1118208, 7),
                                 ("2", 6144, 42)):
            for by in ("line", "function", "file", "stack"):
                rows = self.json("--at=" + at, "--by=" + by, "basic.out")
                self.assertEqual(sum(r["bytes"] for r in rows), heap)
                self.assertEqual(sum(r["blocks"] for r in rows), blocks)

    def test_at_exit(self):
        self.assertEqual(self.json("--at=exit", "basic.out"), [
            json_row("café.py:3", "naïve_函数", 1048576, 1, large=1048576,
                     user=OWN),
            json_row("/usr/lib/x86_64-linux-gnu/libfoo.so.1@0x7f00004a1f0",
                     "init_tables", 65536, 4, raw=65536, user=None),
            json_row("(unknown)", "", 4096, 2, raw=4096, user=None),
        ])

    def test_at_sample_number(self):
        self.assertEqual(self.json("--at=5", "basic.out"), [
            json_row("lib/util.py:42", "Loader.read_chunk", 2000000, 1,
                     large=2000000, user=OWN),
            json_row("app.py:8", "load", 462144, 3002, raw=262144,
                     pymalloc=200000, user=OWN),
            json_row("(unknown)", "", 4096, 2, raw=4096, user=None),
            json_row("app.py:20", "<module>", 2048, 40, pymalloc=2048,
                     user=OWN),
        ])

    def test_at_detailed_snapshot_number(self):
        self.assertEqual(self.json("--at=2", "basic.out"), [
            json_row("(unknown)", "", 4096, 2, raw=4096, user=None),
            json_row("app.py:20", "<module>", 2048, 40, pymalloc=2048,
                     user=OWN),
        ])

    def test_at_number_of_the_peak(self):
        self.assertEqual(self.json("--at=6", "basic.out"), PEAK_BY_LINE)

    def test_at_label_takes_the_last_of_equal_labels(self):
        # "after load" labels samples 3 and 8: the last one is used.
        self.assertEqual(self.json("--at=after load", "basic.out"), [
            json_row("café.py:3", "naïve_函数", 1048576, 1, large=1048576,
                     user=OWN),
            json_row("/usr/lib/x86_64-linux-gnu/libfoo.so.1@0x7f00004a1f0",
                     "init_tables", 65536, 4, raw=65536, user=None),
            json_row("(unknown)", "", 4096, 2, raw=4096, user=None),
            json_row("app.py:20", "<module>", 2048, 40, pymalloc=2048,
                     user=OWN),
        ])
        self.assertEqual(self.json("--at=label:after load", "basic.out"),
                         self.json("--at=8", "basic.out"))

    def test_at_non_ascii_label(self):
        self.assertEqual(self.json("--at=café ☕", "basic.out"),
                         self.json("--at=5", "basic.out"))

    def test_at_label_prefix_is_always_a_label(self):
        self.assert_error(["--format=json", "--at=label:peak", "basic.out"],
                          1, "no user snapshot labelled \"peak\"")
        self.assert_error(["--format=json", "--at=label:5", "basic.out"],
                          1, "no user snapshot labelled \"5\"")

    def test_at_matching_nothing(self):
        line = self.assert_error(["--format=json", "--at=nothing",
                                  "basic.out"], 1)
        self.assertEqual(line, 'pyheap_print: error: basic.out: no user '
                         'snapshot labelled "nothing" (labels: "after '
                         'load", "café ☕")')
        line = self.assert_error(["--format=json", "--at=7", "basic.out"], 1)
        self.assertEqual(line, "pyheap_print: error: basic.out: no snapshot "
                         "at sample 7 (snapshots are at samples: 2, 3, 5, "
                         "6, 8, 9)")
        self.assert_error(["--format=json", "--at=99", "basic.out"], 1,
                          "no snapshot at sample 99")

    def test_no_peak_snapshot(self):
        self.assert_error(["--format=json", "nopeak.out"], 1,
                          "nopeak.out: the file has no peak snapshot")
        self.assert_error(["--format=json", "--at=exit", "nopeak.out"], 1,
                          "the file has no exit snapshot")

    def test_empty_snapshot_is_an_empty_array(self):
        self.assertEqual(self.view("--format=json", "--at=empty",
                                   "nopeak.out"), "[]\n")

    def test_non_python_program(self):
        # No Python frame: no user frame either.
        self.assertEqual(self.json("--at=1", "nopeak.out"),
                         [json_row("prog.c:12", "main", 100, 1, raw=100,
                                   user=None)])
        self.assertEqual(self.json("--at=1", "--by=stack", "nopeak.out"),
                         [dict(json_row("prog.c:12", "main", 100, 1, raw=100,
                                        user=None),
                               stack=[{"location": "prog.c:12",
                                       "function": "main"}])])

    def test_by_function(self):
        # The user frame is a frame, named "file:line", whatever --by.
        self.assertEqual(self.json("--by=function", "basic.out"), [
            json_row("lib/util.py", "Loader.read_chunk", 4096000, 1501,
                     pymalloc=96000, large=4000000,
                     user=("lib/util.py:42", "Loader.read_chunk")),
            json_row("café.py", "naïve_函数", 1048576, 1, large=1048576,
                     user=("café.py:3", "naïve_函数")),
            json_row("app.py", "load", 462144, 3002, raw=262144,
                     pymalloc=200000, user=("app.py:8", "load")),
            json_row("/usr/lib/x86_64-linux-gnu/libfoo.so.1", "init_tables",
                     65536, 4, raw=65536, user=None),
            # 4,096 B each: by file, "(unknown)" < "???" < "lib/util.py",
            # then by function.
            json_row("(unknown)", "", 4096, 2, raw=4096, user=None),
            json_row("???", "???", 4096, 1, raw=4096, user=None),
            json_row("lib/util.py", "tab\there", 4096, 64, pymalloc=4096,
                     user=("lib/util.py:9", "tab\there")),
            json_row("lib/util.py", "weird\\name", 4096, 32, pymalloc=4096,
                     user=("lib/util.py:7", "weird\\name")),
            json_row("app.py", "<module>", 2048, 40, pymalloc=2048,
                     user=("app.py:20", "<module>")),
            json_row("app.py", "main", 512, 1, raw=512,
                     user=("app.py:14", "main")),
        ])

    def test_by_file(self):
        # A file's user frame is the one of its lines holding the most:
        # lib/util.py:42 (4,096,000 B of 4,104,192), app.py:8 (462,144 B
        # of 464,704).
        self.assertEqual(self.json("--by=file", "basic.out"), [
            json_row("lib/util.py", "", 4104192, 1597, pymalloc=104192,
                     large=4000000,
                     user=("lib/util.py:42", "Loader.read_chunk")),
            json_row("café.py", "", 1048576, 1, large=1048576,
                     user=("café.py:3", "naïve_函数")),
            json_row("app.py", "", 464704, 3043, raw=262656, pymalloc=202048,
                     user=("app.py:8", "load")),
            json_row("/usr/lib/x86_64-linux-gnu/libfoo.so.1", "", 65536, 4,
                     raw=65536, user=None),
            json_row("(unknown)", "", 4096, 2, raw=4096, user=None),
            json_row("???", "", 4096, 1, raw=4096, user=None),
        ])

    def test_by_stack(self):
        rows = self.json("--by=stack", "basic.out")
        self.assertEqual(len(rows), 11)
        self.assertEqual([(r["location"], r["bytes"]) for r in rows], [
            ("lib/util.py:42", 4096000),
            ("café.py:3", 1048576),
            ("app.py:8", 262144),       # deflateInit2_ under load()
            ("app.py:8", 200000),       # load() itself
            ("/usr/lib/x86_64-linux-gnu/libfoo.so.1@0x7f00004a1f0", 65536),
            ("0xdeadbeef", 4096),
            ("(unknown)", 4096),
            ("lib/util.py:7", 4096),
            ("lib/util.py:9", 4096),
            ("app.py:20", 2048),
            ("app.py:14", 512),
        ])
        module = {"location": "app.py:20", "function": "<module>"}
        main = {"location": "app.py:14", "function": "main"}
        load = {"location": "app.py:8", "function": "load"}
        self.assertEqual(rows[0], dict(
            json_row("lib/util.py:42", "Loader.read_chunk", 4096000, 1501,
                     pymalloc=96000, large=4000000, user=OWN),
            stack=[{"location": "lib/util.py:42",
                    "function": "Loader.read_chunk"}, load, main, module]))
        # Native frames first, innermost first, then the Python frames.
        self.assertEqual(rows[2]["stack"], [
            {"location": "/lib/x86_64-linux-gnu/libz.so.1@0x7f0000123456",
             "function": "deflateInit2_"}, load, main, module])
        self.assertEqual(rows[2]["function"], "load")
        self.assertEqual((rows[2]["user_location"], rows[2]["user_function"]),
                         ("app.py:8", "load"))
        # Native frames only, and no stack: no user frame.
        for row in (rows[4], rows[5], rows[6]):
            self.assertEqual((row["user_location"], row["user_function"]),
                             (None, None))
        self.assertEqual(rows[4]["stack"], [
            {"location": "vg_replace_malloc.c:381", "function": "malloc"},
            {"location": "/usr/lib/x86_64-linux-gnu/libfoo.so.1"
                         "@0x7f00004a1f0", "function": "init_tables"},
            {"location": "dl-init.c:70", "function": "_dl_init"}])
        self.assertEqual(rows[5]["stack"], [{"location": "0xdeadbeef",
                                             "function": "???"}])
        self.assertEqual(rows[6]["stack"], [])
        self.assertEqual(rows[6]["function"], "")

    def test_top(self):
        self.assertEqual(self.json("--top=3", "basic.out"), PEAK_BY_LINE[:3])
        self.assertEqual(self.json("--top=6", "basic.out"), PEAK_BY_LINE[:6])
        self.assertEqual(self.json("--top=0", "basic.out"), PEAK_BY_LINE)
        self.assertEqual(self.json("--top=100", "basic.out"), PEAK_BY_LINE)

    def test_spec_sample(self):
        self.assertEqual(self.json("spec-sample.out"), [
            json_row("demo.py:4", "build", 6291512, 1, large=6291512,
                     user=OWN),
            json_row("demo.py:9", "<module>", 4096, 10, pymalloc=4096,
                     user=OWN),
            json_row("(unknown)", "", 1024, 1, raw=1024, user=None),
        ])


# A run whose library line (json's encoder) allocates under the user's
# main() and, at start-up, under no user code at all (USER_MIX_LINES); and
# code exec'd at the top (`python3 -c`: "<string>") calling the library.
USER_MIX_LINES = """\
pyheap-out 1
meta cmd python3 app.py
meta time_unit B
meta depth 30
meta native no
meta python 3.11.2
meta hooks installed
s 0 app.py
s 1 main
s 2 /usr/lib/python3.11/json/encoder.py
s 3 JSONEncoder.iterencode
s 4 <module>
s 5 dict
s 6 str
s 7 <string>
f 0 py 0 5 1
f 1 py 2 258 3
f 2 py 0 9 4
f 3 py 7 1 4
k 0 -1 2
k 1 0 0
k 2 1 1
k 3 -1 1
k 4 -1 3
k 5 4 1
t 0 0 0 0 0 0 0 0 0
t 1 1000 96 2 0 96 0 262144 1
t 2 2000 4700 42 200 4000 500 262144 1
snapshot 1 1000 user exec
c raw 0 0
c pymalloc 96 2
c python-large 0 0
a 1 262144 96 96 0
%s
end-snapshot
snapshot 2 2000 exit
c raw 200 1
c pymalloc 4000 40
c python-large 500 1
a 1 262144 4000 4000 0
b 3 pymalloc 3000 30
b 2 pymalloc 1000 10
b 0 python-large 500 1
b 3 raw 200 1
y 3 pymalloc 5 3000 30
y 2 pymalloc 5 1000 10
y 0 python-large 6 500 1
end-snapshot
"""


class UserFrameTest(ViewerTestCase):
    """user_location and user_function of --format=json: the innermost
    user frame of a row's stacks, the one holding the most of its bytes
    (stacks without one do not count), in every --by."""

    def setUp(self):
        ViewerTestCase.setUp(self)
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def write(self, exec_sites=("b 5 pymalloc 64 1", "b 4 pymalloc 32 1")):
        lines = (USER_MIX_LINES % "\n".join(exec_sites)).splitlines()
        path = os.path.join(self.tmp.name, "mix.out")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines + ["end-of-file %d" % len(lines)]) + "\n")
        return path

    def test_library_line_under_user_code_and_start_up(self):
        # encoder.py:258: 1,000 B under main(), 3,200 B under no user
        # frame: its user frame is main()'s line all the same.
        main = ("app.py:5", "main")
        self.assertEqual(self.json("--at=exit", self.write()), [
            json_row("/usr/lib/python3.11/json/encoder.py:258",
                     "JSONEncoder.iterencode", 4200, 41, raw=200,
                     pymalloc=4000, user=main),
            json_row("app.py:9", "<module>", 500, 1, large=500, user=OWN)])

    def test_by_stack(self):
        rows = self.json("--at=exit", "--by=stack", self.write())
        encoder = {"location": "/usr/lib/python3.11/json/encoder.py:258",
                   "function": "JSONEncoder.iterencode"}
        module = {"location": "app.py:9", "function": "<module>"}
        self.assertEqual(rows, [
            dict(json_row(encoder["location"], encoder["function"], 3200,
                          31, raw=200, pymalloc=3000, user=None),
                 stack=[encoder]),
            dict(json_row(encoder["location"], encoder["function"], 1000,
                          10, pymalloc=1000, user=("app.py:5", "main")),
                 stack=[encoder, {"location": "app.py:5",
                                  "function": "main"}, module]),
            dict(json_row("app.py:9", "<module>", 500, 1, large=500,
                          user=OWN), stack=[module])])

    def test_by_class_and_type(self):
        path = self.write()
        main = ("app.py:5", "main")
        module = ("app.py:9", "<module>")
        self.assertEqual(self.json("--at=exit", "--by=class", path), [
            json_row("pymalloc", "", 4000, 40, pymalloc=4000, user=main),
            json_row("python-large", "", 500, 1, large=500, user=module),
            json_row("raw", "", 200, 1, raw=200, user=None)])
        self.assertEqual(self.json("--at=exit", "--by=type", path), [
            json_row("dict", "", 4000, 40, pymalloc=4000, user=main),
            json_row("str", "", 500, 1, large=500, user=module),
            json_row("(raw, beside dict)", "", 200, 1, raw=200,
                     user=None)])

    def test_exec_at_the_top_cut_at_depth(self):
        # "<string>" run at the top is the user's (python3 -c); cut from
        # its callers by --depth, it may be anyone's: no user frame.  The
        # answer does not depend on which stack is looked at first.
        # The file's order is by bytes: the two sizes swapped put either
        # stack first.
        string = ("<string>:1", "<module>")
        encoder = ("/usr/lib/python3.11/json/encoder.py:258",
                   "JSONEncoder.iterencode")
        for string_B, encoder_B in ((32, 64), (64, 32)):
            sites = sorted([(string_B, "b 4 pymalloc %d 1" % string_B),
                            (encoder_B, "b 5 pymalloc %d 1" % encoder_B)],
                           reverse=True)
            path = self.write([line for _, line in sites])

            def rows(string_user, encoder_user):
                found = [json_row(*encoder, encoder_B, 1, pymalloc=encoder_B,
                                  user=encoder_user),
                         json_row(*string, string_B, 1, pymalloc=string_B,
                                  user=string_user)]
                return sorted(found, key=lambda r: -r["bytes"])
            with self.subTest(string_B=string_B):
                self.assertEqual(self.json("--at=exec", path),
                                 rows(OWN, string))
                self.assertEqual(self.json("--at=exec", "--depth=2", path),
                                 rows(OWN, None))
                self.assertEqual(self.json("--at=exec", "--depth=1", path),
                                 rows(None, None))


class TextReportTest(ViewerTestCase):
    """The default report: golden files and the figures that matter."""

    def test_golden_default(self):
        self.assert_golden("basic.expected", self.view("basic.out"))

    def test_golden_options(self):
        self.assert_golden("basic-options.expected", self.view(
            "--at=peak", "--by=function", "--threshold=0", "--x=30",
            "--y=6", "--top=4", "--no-source", "basic.out"))

    def test_golden_by_stack(self):
        self.assert_golden("basic-stack.expected", self.view(
            "--at=after load", "--by=stack", "--threshold=5", "basic.out"))

    def test_golden_spec_sample(self):
        self.assert_golden("spec-sample.expected",
                           self.view("spec-sample.out"))

    def test_golden_no_peak(self):
        self.assert_golden("nopeak.expected", self.view("nopeak.out"))

    def test_summary_first_or_alone(self):
        # The default report opens with the summary, between two rules of
        # '='; --no-summary leaves it out, --summary prints it alone; an
        # --at chooses one snapshot and no summary.
        def without_args(text):
            return [line for line in text.splitlines()
                    if not line.startswith("pyheap_print args:")]

        rule = "=" * 80 + "\n"
        for path in ("basic.out", "nopeak.out", "spec-sample.out"):
            with self.subTest(path=path):
                full = self.view(path)
                self.assertTrue(full.startswith(rule + "pyheap summary: "))
                end = full.index(rule, len(rule)) + len(rule)
                self.assertEqual(self.view("--summary", path), full[:end])
                self.assertEqual(
                    without_args(self.view("--no-summary", path)),
                    without_args(full[end:]))
                self.assertTrue(full[end:].startswith("-" * 80 + "\n"))
        self.assertNotIn("pyheap summary:",
                         self.view("--at=peak", "basic.out"))

    def test_header_figures(self):
        lines = self.view("basic.out").splitlines()
        for expected in (
                "Command:            python3 app.py --name=café\\tout",
                "pyheap:             0.1.0, Valgrind 3.19.0, pid 4242 "
                "(parent 4241)",
                "pyheap options:     --time-unit=B --native=yes",
                "Python:             3.11.2, allocator hooks installed",
                "Time unit:          B (bytes allocated + freed)",
                "Total allocated:    7,741,200 B in 5,449 blocks over the "
                "run",
                "Peak:               5,691,200 B in 4,648 blocks at time "
                "9,000,000 (sample 6)",
                "  raw:              336,384 B (5.91%) in 10 blocks",
                "  pymalloc:         306,240 B (5.38%) in 4,636 blocks",
                "  python-large:     5,048,576 B (88.71%) in 2 blocks",
                "Arenas at peak:     2 arenas holding 2,097,152 B; live "
                "pymalloc 306,240 B (310,000 B in size-class slots)",
                "Fragmentation:      1,787,152 B (85.22% of arena bytes) = "
                "arena bytes - pymalloc slot bytes"):
            self.assertIn(expected, lines)

    def test_hooks_states(self):
        good = read_data("basic.out")
        with tempfile.TemporaryDirectory() as tmp:
            for state, expected in (
                    ("lost", "3.11.2, allocator hooks LOST (the interpreter "
                     "replaced them and they were never put back: every "
                     "Python block is counted as raw)"),
                    ("reinstalled", "3.11.2, allocator hooks reinstalled "
                     "(the interpreter replaced them at start-up; the few "
                     "blocks allocated in between count as raw or not at "
                     "all)"),
                    ("something-new", "3.11.2, allocator hooks "
                     "something-new")):
                path = os.path.join(tmp, state + ".out")
                with open(path, "wb") as f:
                    f.write(good.replace(b"meta hooks installed\n",
                                         b"meta hooks " + state.encode() +
                                         b"\n"))
                lines = self.view(path).splitlines()
                self.assertIn("Python:             " + expected, lines)

    def test_peak_tree_in_order(self):
        text = self.view("--at=peak", "basic.out")
        tree = text[text.index("100.00% (5,691,200 B"):
                    text.index("Top 10 of 10 lines")].splitlines()
        self.assertEqual(tree, [
            "100.00% (5,691,200 B, 4,648 blocks) live heap of snapshot 6, "
            "by stack, outermost callers first",
            "->98.70% (5,617,472 B, 4,641 blocks) <module> (app.py:20): "
            "KEPT = main()",
            "| ->98.52% (5,607,232 B, 4,505 blocks) main (app.py:14): "
            "kept = [load(__file__) for _ in range(3)]",
            "| | ->80.09% (4,558,144 B, 4,503 blocks) load (app.py:8): "
            "data = zlib.compress(open(path, \"rb\").read())",
            "| | | ->71.97% (4,096,000 B, 1,501 blocks, pymalloc 96,000 B + "
            "python-large 4,000,000 B) Loader.read_chunk (lib/util.py:42)",
            "| | | ->04.61% (262,144 B, 2 blocks, raw) 0x7f0000123456: "
            "deflateInit2_ (in /lib/x86_64-linux-gnu/libz.so.1)",
            "| | | ->03.51% (200,000 B, 3,000 blocks, pymalloc) "
            "[allocated here]",
            "| | ->18.42% (1,048,576 B, 1 block, python-large) naïve_函数 "
            "(café.py:3)",
            "| | ->00.01% (512 B, 1 block) in 1 site below threshold "
            "(1.00%)",
            "| ->00.18% (10,240 B, 136 blocks) in 3 sites below threshold "
            "(1.00%)",
            "->01.15% (65,536 B, 4 blocks) 0x4011d6: _dl_init "
            "(dl-init.c:70)",
            "| ->01.15% (65,536 B, 4 blocks) 0x7f00004a1f0: init_tables "
            "(in /usr/lib/x86_64-linux-gnu/libfoo.so.1)",
            "|   ->01.15% (65,536 B, 4 blocks, raw) 0x483b7f3: malloc "
            "(vg_replace_malloc.c:381)",
            "->00.14% (8,192 B, 3 blocks) in 2 sites below threshold "
            "(1.00%)",
            "",
        ])

    def test_threshold_zero_shows_everything(self):
        text = self.view("--at=peak", "--threshold=0", "basic.out")
        self.assertNotIn("below threshold", text)
        for fragment in ("tab\\there (lib/util.py:9)",
                         "weird\\name (lib/util.py:7)",
                         "0xdeadbeef: ???", "(no stack)",
                         "->00.04% (2,048 B, 40 blocks, pymalloc) "
                         "[allocated here]"):
            self.assertIn(fragment, text)

    def test_threshold_hundred_folds_everything_but_the_whole(self):
        text = self.view("--at=exit", "--threshold=100", "basic.out")
        self.assertIn("->100.00% (1,118,208 B, 7 blocks) in 3 sites below "
                      "threshold (100.00%)", text)

    def test_default_snapshots_are_user_peak_exit_in_time_order(self):
        text = self.view("basic.out")
        heads = [line for line in text.splitlines()
                 if line.startswith("Snapshot ")]
        self.assertEqual(heads, [
            'Snapshot 3 (user "after load") at time 2,500,000: 468,288 B '
            'in 3,044 blocks',
            'Snapshot 5 (user "café ☕") at time 6,500,000: 2,468,288 B in '
            '3,045 blocks',
            "Snapshot 6 (peak) at time 9,000,000: 5,691,200 B in 4,648 "
            "blocks",
            'Snapshot 8 (user "after load") at time 15,000,000: 1,120,256 '
            'B in 47 blocks',
            "Snapshot 9 (exit) at time 16,000,000: 1,118,208 B in 7 blocks",
        ])

    def test_at_selects_one_snapshot(self):
        text = self.view("--at=2", "basic.out")
        heads = [line for line in text.splitlines()
                 if line.startswith("Snapshot ")]
        self.assertEqual(heads, ["Snapshot 2 (detailed) at time 1,000,000: "
                                 "6,144 B in 42 blocks"])

    def test_graph(self):
        text = self.view("--x=30", "--y=6", "basic.out")
        lines = text.splitlines()
        top = lines.index("   MiB")
        graph = lines[top + 1:top + 9]
        # Columns: time * 30 // 16,000,000; sample 9 falls in the last
        # column (29) beside sample 8 (28); samples 0-3 are below one row.
        self.assertEqual(graph, [
            "5.428^                #",
            "     |                #",
            "     |                #",
            "     |                #     :",
            "     |            @   #     :",
            "     |       :    @   #     :     @@",
            "   0 +----------------------------->MiB",
            "     0                         15.26",
        ])

    def test_sample_table(self):
        lines = self.view("basic.out").splitlines()
        self.assertIn("n     time(B)   total(B)   raw(B)  pymalloc(B)  "
                      "python-large(B)  arenas(B)  snapshot", lines)
        self.assertIn("6   9,000,000  5,691,200  336,384      306,240        "
                      "5,048,576  2,097,152  peak", lines)
        self.assertIn("7  12,000,000  3,000,000  100,000      100,000        "
                      "2,800,000  2,097,152", lines)

    def test_sample_table_can_be_shortened(self):
        text = self.view("--samples=2", "nopeak.out")
        self.assertNotIn("samples shown", text)
        lines = self.view("--samples=2", "basic.out").splitlines()
        start = [i for i, line in enumerate(lines)
                 if line.startswith("n     time(B)")][0] + 2
        end = lines.index("", start)
        rows = [line.split()[0] for line in lines[start:end - 1]]
        text = "\n".join(lines)
        # first, last, the peak, the snapshots' samples, evenly spaced.
        self.assertEqual(rows, ["0", "2", "3", "5", "6", "8", "9"])
        self.assertIn("(7 of 10 samples shown", text)

    def test_top_table(self):
        text = self.view("--at=peak", "--top=2", "basic.out")
        table = text[text.index("Top 2 of 10 lines"):].splitlines()
        self.assertEqual(table, [
            "Top 2 of 10 lines by live bytes (--by=line), snapshot 6:",
            "      bytes       %  blocks  raw  pymalloc  python-large  "
            "location",
            "  4,096,000  71.97%   1,501    0    96,000     4,000,000  "
            "Loader.read_chunk (lib/util.py:42)",
            "  1,048,576  18.42%       1    0         0     1,048,576  "
            "naïve_函数 (café.py:3)",
        ])

    def test_source_lines_need_a_readable_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copy(os.path.join(DATA, "basic.out"), tmp)
            text = self.view("basic.out", cwd=tmp)
        self.assertIn("<module> (app.py:20)\n", text)
        self.assertNotIn("KEPT = main()", text)
        text = self.view("--no-source", "basic.out")
        self.assertNotIn("KEPT = main()", text)

    def test_source_file_that_is_not_text(self):
        # app.py is binary garbage here: no source line, no failure.
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copy(os.path.join(DATA, "basic.out"), tmp)
            with open(os.path.join(tmp, "app.py"), "wb") as f:
                f.write(bytes(range(256)) * 4)
            os.mkdir(os.path.join(tmp, "lib"))
            os.mkdir(os.path.join(tmp, "lib", "util.py"))  # a directory
            text = self.view("basic.out", cwd=tmp)
        self.assertIn("Loader.read_chunk (lib/util.py:42)\n", text)

    def test_deterministic(self):
        for args in (["basic.out"], ["--format=json", "--by=stack",
                                     "basic.out"]):
            outputs = set()
            for seed in ("0", "1", "12345"):
                status, out, _ = run_viewer(
                    args, env_extra={"PYTHONHASHSEED": seed,
                                     "LC_ALL": "C"})
                self.assertEqual(status, 0)
                outputs.add(out)
            self.assertEqual(len(outputs), 1)


class CommandLineTest(ViewerTestCase):
    """--help, --version and bad usage (status 2)."""

    def test_help(self):
        text = self.view("--help")
        for option in ("--format=text|json", "--at=WHEN", "--by=KEY",
                       "--top=N", "--threshold=PCT", "--x=N", "--y=N",
                       "--samples=N", "--no-source", "--version",
                       "label:LABEL", "the last one", "exit status",
                       "0  success", "1  the file", "2  bad usage",
                       '"(unknown)"', "object@0xIP", "by_class"):
            self.assertIn(option, text)
        self.assertEqual(self.view("-h"), text)

    def test_version(self):
        self.assertRegex(self.view("--version"),
                         r"^pyheap_print \S+ \(pyheap\), reads format "
                         r"version 1, 2, 3\n$")

    def test_bad_usage(self):
        for args, fragment in (
                (["--bogus", "basic.out"], "unrecognized arguments: --bogus"),
                ([], "required: FILE"),
                # Several files are one run's processes (test_viewer_
                # proctree.py), which the other modes do not read.
                (["--growth", "basic.out", "nopeak.out"],
                 "--growth reads one file"),
                (["--format=xml", "basic.out"], "--format"),
                (["--by=bogus", "basic.out"], "--by"),
                (["--top=-1", "basic.out"], "--top"),
                (["--top=x", "basic.out"], "--top"),
                (["--x=3", "basic.out"], "--x"),
                (["--y=1001", "basic.out"], "--y"),
                (["--threshold=101", "basic.out"], "--threshold"),
                (["--threshold=nan", "basic.out"], "--threshold"),
                (["--at=", "basic.out"], "--at"),
                (["--form=json", "basic.out"], "unrecognized")):
            self.assert_error(args, 2, fragment)


class InputErrorTest(ViewerTestCase):
    """A bad file: status 1, one line on stderr, no traceback."""

    def setUp(self):
        ViewerTestCase.setUp(self)
        self.tmp = tempfile.TemporaryDirectory()
        self.good = read_data("basic.out")

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, data, name="bad.out"):
        path = os.path.join(self.tmp.name, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def replace_line(self, old, new):
        self.assertEqual(self.good.count(old + b"\n"), 1, old)
        return self.good.replace(old + b"\n", new + b"\n")

    def check(self, data, expected, formats=("text", "json")):
        """Every output format fails on `data` with exactly `expected`
        after 'pyheap_print: error: FILE: '."""
        path = self.write(data)
        for fmt in formats:
            line = self.assert_error(["--format=" + fmt, path], 1)
            self.assertEqual(line, "pyheap_print: error: %s: %s"
                             % (path, expected))

    def test_the_good_file_is_good(self):
        path = self.write(self.good)
        self.assertEqual(run_viewer([path])[0], 0)

    def test_trailer_dropped(self):
        data = self.good[:self.good.rindex(b"end-of-file")]
        self.check(data, "line 146: truncated: the file ends without an "
                         "'end-of-file' trailer")

    def test_cut_mid_line(self):
        data = self.good[:self.good.index(b"b 7 raw 65536 4") + 6]
        self.check(data, "line 108: truncated: the last line is incomplete "
                         "(no newline at the end of the file)")

    def test_cut_inside_a_snapshot(self):
        data = self.good[:self.good.index(b"b 7 raw 65536 4")]
        self.check(data, "line 107: truncated: the file ends inside the "
                         "snapshot begun at line 98")

    def test_cut_in_the_trailer(self):
        self.check(self.good[:-2], "line 147: truncated: the last line is "
                                   "incomplete (no newline at the end of "
                                   "the file)")
        self.check(self.good[:-1], "line 147: truncated: the last line is "
                                   "incomplete (no newline at the end of "
                                   "the file)")

    def test_wrong_count(self):
        self.check(self.replace_line(b"end-of-file 146", b"end-of-file 145"),
                   "line 147: truncated or corrupt: the end-of-file trailer "
                   "counts 145 lines before it, the file has 146")

    def test_line_dropped_in_the_middle(self):
        self.check(self.replace_line(b"t 7 12000000 3000000 900 100000 "
                                     b"100000 2800000 2097152 2", b"")
                   .replace(b"\n\n", b"\n"),
                   "line 66: 't' record: sample number 8, expected 7 "
                   "(samples are numbered 0, 1, 2, ... without gaps)")
        self.check(self.replace_line(b"tot 0 pymalloc 2048 40", b"")
                   .replace(b"\n\n", b"\n"),
                   "line 146: truncated or corrupt: the end-of-file trailer "
                   "counts 146 lines before it, the file has 145")

    def test_data_after_the_trailer(self):
        self.check(self.good + b"tot 0 raw 1 1\n",
                   "line 148: data after the end-of-file trailer (line 147)")
        self.check(self.good + b"\n",
                   "line 148: data after the end-of-file trailer (line 147)")

    def test_future_version(self):
        self.check(b"pyheap-out 4" + self.good[12:],
                   "line 1: unsupported format version 4 (this pyheap_print "
                   "0.1.0 reads version 1, 2, 3; a newer pyheap_print is "
                   "needed)")
        self.check(b"pyheap-out 17\n", "line 1: unsupported format version "
                   "17 (this pyheap_print 0.1.0 reads version 1, 2, 3; a newer "
                   "pyheap_print is needed)")
        self.check(b"pyheap-out x\n", "line 1: bad format version 'x'")

    def test_not_a_pyheap_file(self):
        for data in (b"massif-out 1\n", b"desc: (none)\ncmd: ./a.out\n",
                     b"pyheap-out  1\n", b"\n"):
            self.check(data, "line 1: not a pyheap output file (first line "
                             "is not 'pyheap-out <version>')")

    def test_corrupt_numeric_field(self):
        self.check(self.replace_line(b"b 11 raw 4096 1", b"b 11 raw 40x6 1"),
                   "line 112: 'b' record: field 4 (bytes): expected a "
                   "non-negative integer, got '40x6'")
        self.check(self.replace_line(b"b 11 raw 4096 1", b"b 11 raw -4096 1"),
                   "line 112: 'b' record: field 4 (bytes): expected a "
                   "non-negative integer, got '-4096'")
        self.check(self.replace_line(b"b 11 raw 4096 1", b"b 11 raw 4_096 1"),
                   "line 112: 'b' record: field 4 (bytes): expected a "
                   "non-negative integer, got '4_096'")
        self.check(self.replace_line(b"b 11 raw 4096 1", b"b 11 raw 4096 \t1"),
                   "line 112: 'b' record: field 5 (blocks): expected a "
                   "non-negative integer, got '\\t1'")
        self.check(self.replace_line(b"b 11 raw 4096 1", b"b x raw 4096 1"),
                   "line 112: 'b' record: field 2 (kid): expected a "
                   "non-negative integer or -1, got 'x'")
        self.check(self.replace_line(b"t 4 4000000 1516240 3500 266240 "
                                     b"250000 1000000 1048576 1",
                                     b"t 4 4000000 1516240 3500 266240 "
                                     b"250000 1000000 1048576 +1"),
                   "line 63: 't' record: field 10 (arena_count): expected a "
                   "non-negative integer, got '+1'")
        self.check(self.replace_line(b"a 1 1048576 0 0 16384",
                                     b"a 1 1048576 0 0 1638 4"),
                   "line 130: 'a' record: expected 6 fields, got 7")
        self.check(self.replace_line(b"f 11 c 0xdeadbeef -1 -1 0 -1",
                                     b"f 11 c deadbeef -1 -1 0 -1"),
                   "line 46: 'f' record: field 4 (ip): expected a "
                   "0x-prefixed hex number, got 'deadbeef'")
        self.check(self.replace_line(b"t 9 16000000 1118208 7 69632 0 "
                                     b"1048576 1048576 1",
                                     b"t 9 16000000 1118208 7 69632 0 "
                                     b"1048576 1048576 99999999999999999999"),
                   "line 68: 't' record: a number does not fit in 64 bits")

    def test_wrong_field_count(self):
        self.check(self.replace_line(b"c pymalloc 306240 4636",
                                     b"c pymalloc 306240"),
                   "line 100: 'c' record: expected 4 fields, got 3")
        self.check(self.replace_line(b"k 4 1 4", b"k 4 1 4 4"),
                   "line 51: 'k' record: expected 4 fields, got 5")
        self.check(self.replace_line(b"b 11 raw 4096 1", b"b 11 raw 4096"),
                   "line 112: 'b' record: expected 5 fields, got 4")
        self.check(self.replace_line(b"b 11 raw 4096 1", b"b 11 raw  4096 1"),
                   "line 112: 'b' record: expected 5 fields, got 6")
        self.check(self.replace_line(b"b 11 raw 4096 1", b"b 11 raw 4096 1 "),
                   "line 112: 'b' record: expected 5 fields, got 6")

    def test_undefined_ids(self):
        self.check(self.replace_line(b"b 11 raw 4096 1", b"b 12 raw 4096 1"),
                   "line 112: 'b' record: field 2 (kid): stack id 12 is not "
                   "defined (12 defined so far)")
        self.check(self.replace_line(b"tot 1 raw 512 1", b"tot 99 raw 512 1"),
                   "line 146: 'tot' record: field 2 (kid): stack id 99 is "
                   "not defined (12 defined so far)")
        self.check(self.replace_line(b"k 3 2 3", b"k 3 2 30"),
                   "line 50: 'k' record: field 4 (fid): frame id 30 is not "
                   "defined (12 defined so far)")
        self.check(self.replace_line(b"k 3 2 3", b"k 3 3 3"),
                   "line 50: 'k' record: field 3 (parent_kid): stack id 3 is "
                   "not defined (3 defined so far)")
        self.check(self.replace_line(b"f 2 py 0 8 3", b"f 2 py 0 8 19"),
                   "line 37: 'f' record: field 6 (func_sid): string id 19 is "
                   "not defined (19 defined so far)")
        self.check(self.replace_line(b"f 8 c 0x7f00004a1f0 13 -1 0 12",
                                     b"f 8 c 0x7f00004a1f0 13 -1 0 40"),
                   "line 43: 'f' record: field 8 (obj_sid): string id 40 is "
                   "not defined (19 defined so far)")
        self.check(self.replace_line(b"snapshot 8 15000000 user after load",
                                     b"snapshot 10 15000000 user after load"),
                   "line 116: 'snapshot' record: sample 10 is not defined "
                   "(10 samples)")

    def test_ids_out_of_order(self):
        self.check(self.replace_line(b"k 4 1 4", b"k 5 1 4"),
                   "line 51: 'k' record defines id '5', expected 4 (ids are "
                   "dense, start at 0 and come in order)")
        self.check(self.replace_line(b"s 3 load", b"s 2 load"),
                   "line 19: 's' record defines id '2', expected 3 (ids are "
                   "dense, start at 0 and come in order)")

    def test_unknown_tags_and_values(self):
        self.check(self.replace_line(b"k 5 -1 7", b"x 5 -1 7"),
                   "line 52: unknown record tag 'x'")
        self.check(self.replace_line(b"k 5 -1 7", b""),
                   "line 52: empty line")
        self.check(self.replace_line(b"b 11 raw 4096 1", b"b 11 rawr 4096 1"),
                   "line 112: 'b' record: field 3 (class_name): unknown class "
                   "'rawr' (expected raw, pymalloc or python-large)")
        self.check(self.replace_line(b"snapshot 9 16000000 exit",
                                     b"snapshot 9 16000000 quit"),
                   "line 126: 'snapshot' record: field 4 (kind): unknown "
                   "snapshot kind 'quit' (expected detailed, peak, exit, "
                   "user, region, mark)")
        self.check(self.replace_line(b"f 0 py 0 20 1", b"f 0 js 0 20 1"),
                   "line 35: 'f' record: frame kind must be 'py' or 'c', got "
                   "'js'")

    def test_records_out_of_place(self):
        self.check(self.replace_line(b"tot 1 raw 512 1",
                                     b"tot 1 raw 512 1\nmeta late x")
                   .replace(b"end-of-file 146", b"end-of-file 147"),
                   "line 147: 'meta' record after the totals (the order is "
                   "header, tables, time series, snapshots, totals)")
        self.check(self.replace_line(b"a 1 1048576 0 0 16384",
                                     b"b 4 python-large 1 1"),
                   "line 130: 'b' record out of order in the snapshot begun "
                   "at line 126 (expected 3 'c' records, one 'a', then 'b' "
                   "records, then 'y' records)")
        self.check(self.replace_line(b"c raw 336384 10",
                                     b"c pymalloc 336384 10"),
                   "line 99: 'c' record: class 'pymalloc', expected 'raw' "
                   "(the order is raw, pymalloc, python-large)")
        self.check(self.replace_line(b"end-snapshot\nsnapshot 9 16000000 exit",
                                     b"snapshot 9 16000000 exit"),
                   "line 125: 'snapshot' record inside the snapshot begun at "
                   "line 116 (no end-snapshot)")
        self.check(self.replace_line(b"snapshot 8 15000000 user after load",
                                     b"snapshot 8 15000001 user after load"),
                   "line 116: 'snapshot' record: time 15000001 differs from "
                   "the time of sample 8 (15000000)")
        self.check(self.replace_line(b"t 4 4000000 1516240 3500 266240 "
                                     b"250000 1000000 1048576 1",
                                     b"t 4 400000 1516240 3500 266240 "
                                     b"250000 1000000 1048576 1"),
                   "line 63: 't' record: time 400000 is before the previous "
                   "sample's (2500000)")

    def test_text_fields(self):
        self.check(self.replace_line(b"s 9 tab\\there", b"s 9 tab\\qhere"),
                   "line 25: bad escape '\\q' in text (only \\\\, \\n, \\r "
                   "and \\t exist)")
        self.check(self.replace_line(b"s 9 tab\\there", b"s 9 tab\\"),
                   "line 25: bad escape '\\' in text (only \\\\, \\n, \\r "
                   "and \\t exist)")
        self.check(self.replace_line("s 6 café.py".encode(),
                                     b"s 6 caf\xe9.py"),
                   "line 22: text is not valid UTF-8 (byte 0xe9 at offset 3)")

    def test_binary_garbage(self):
        rnd = random.Random(7)
        garbage = bytes(rnd.randrange(256) for _ in range(4096))
        self.check(garbage, "line 1: not a pyheap output file (first line "
                            "is not 'pyheap-out <version>')")
        self.check(b"pyheap-out 1\n" + garbage.replace(b"\n", b""),
                   "line 2: truncated: the last line is incomplete (no "
                   "newline at the end of the file)")
        self.check(b"pyheap-out 1\n\xff\xfe\x00\n",
                   "line 2: unknown record tag '\\xff\\xfe\\x00'")
        self.check(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 300,
                   "line 1: not a pyheap output file (first line is not "
                   "'pyheap-out <version>')")

    def test_empty_file(self):
        self.check(b"", "empty file (not a pyheap output file)")

    def test_header_only(self):
        self.check(b"pyheap-out 1\n", "line 1: truncated: the file ends "
                                      "without an 'end-of-file' trailer")
        self.check(b"pyheap-out 1", "line 1: truncated: the file ends "
                                    "inside its first line")

    def test_missing_file(self):
        path = os.path.join(self.tmp.name, "no-such-file.out")
        line = self.assert_error([path], 1)
        self.assertEqual(line, "pyheap_print: error: %s: No such file or "
                         "directory" % path)

    def test_directory(self):
        # A directory stands for the pyheap files in it (a process tree).
        line = self.assert_error([self.tmp.name], 1)
        self.assertEqual(line, "pyheap_print: error: %s: directory with no "
                         "pyheap output file in it" % self.tmp.name)

    @unittest.skipIf(hasattr(os, "geteuid") and os.geteuid() == 0,
                     "root reads any file")
    def test_unreadable_file(self):
        path = self.write(self.good)
        os.chmod(path, 0)
        self.assert_error([path], 1, "Permission denied")


class FuzzTest(unittest.TestCase):
    """Damaged copies of a valid file: status 0 or 1, never a crash."""

    N_CASES = 300
    SEED = 20240601

    @classmethod
    def setUpClass(cls):
        cls.good = read_data("basic.out")

    def mutations(self):
        """(name, kind, data) for N_CASES seeded damages of basic.out."""
        return support.damaged_copies(self.good, self.N_CASES, self.SEED)

    def run_in_process(self, args):
        """Run the viewer's main(); return (status, stdout, stderr)."""
        return support.run_in_process(args)

    def test_damaged_files(self):
        statuses = {0: 0, 1: 0}
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "fuzz.out")
            for name, kind, data in self.mutations():
                with open(path, "wb") as f:
                    f.write(data)
                for fmt in ("text", "json"):
                    with self.subTest(name, format=fmt):
                        status, out, err = self.run_in_process(
                            ["--format=" + fmt, "--at=exit", path]
                            if kind == 2 else ["--format=" + fmt, path])
                        self.assertIn(status, (0, 1))
                        statuses[status] += 1
                        if status == 0:
                            self.assertEqual(err, b"")
                            # Accepted: it keeps every rule of the format.
                            self.assertEqual(
                                support.format_violations(data), [])
                            if fmt == "json":
                                json.loads(out.decode("utf-8"))
                        else:
                            self.assertEqual(out, b"")
                            self.assertEqual(err.count(b"\n"), 1, err)
                            self.assertTrue(err.endswith(b"\n"))
                            self.assertTrue(err.startswith(
                                b"pyheap_print: error: "), err)
                        if kind == 3 and len(data) < len(self.good):
                            # Every truncation is caught.
                            self.assertEqual(status, 1, err)
        # The damage is real: most cases fail.
        self.assertGreater(statuses[1], 300)

    def test_damaged_files_as_a_program(self):
        # A sample of the same cases through a real process: no traceback.
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "fuzz.out")
            for name, _, data in list(self.mutations())[::25]:
                with open(path, "wb") as f:
                    f.write(data)
                with self.subTest(name):
                    status, out, err = run_viewer([path])
                    self.assertNotIn(b"Traceback", err)
                    self.assertIn(status, (0, 1))
                    self.assertEqual(err.count(b"\n"), status)


if __name__ == "__main__":
    unittest.main()
