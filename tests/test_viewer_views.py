"""Tests of pyheap_print's views on real runs: --by=module|package|class,
--depth, --filter, --format=csv, --annotate and --diff."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The data are real pyheap runs, committed in tests/data/viewer/ and made by
# tests/data/viewer/regen.sh (a manual step; read it for how):
#   realapp.out      realapp.py, which imports the program's own package
#                    shop/, a stand-in third-party package in
#                    vendor/site-packages/fancylib/ and the standard library
#                    (json); user snapshots "indexed" and "loaded"
#   diffapp-old.out  diffapp-old.py and diffapp-new.py, each run as
#   diffapp-new.out  diffapp.py in the same fresh directory: the new one
#                    allocates more at line 27, drops line 28 and adds
#                    line 29; nothing else differs
# The golden outputs (*.expected) depend on nothing but these files (and
# the text report's source lines on the files themselves: see
# drop_absent_sources); PYHEAP_REGEN=1 rewrites them.  The expected numbers below are those of
# the committed runs: after regen.sh they must be updated too.

import csv
import fnmatch
import io
import json
import os
import re
import shutil
import tempfile
import unittest

import support
from support import (CLASS_KEYS, NEW, OLD, OWN, REAL, VIEWER_DATA as DATA,
                     ViewerTestCase, cached_json, json_row,
                     snapshot_classes, typed_region_file)


def drop_absent_sources(text):
    """TEXT as the viewer prints it on a machine without some of the
    absolute source files it names: the source text shown after a frame
    comes from the file itself, when it exists.  The golden outputs were
    made on Debian 12, which has the /usr/lib/python3.11 that realapp.out
    names; the version matrix's chroots have no such directory."""
    def one(m):
        if os.path.isfile(m.group(1)):
            return m.group(0)
        return "(%s:%s)" % (m.group(1), m.group(2))
    return re.sub(r"\((/[^():\n]+):(\d+)\): [^\n]*", one, text)


def location_file(location):
    """The file of a Python location "file:line"."""
    return location.rsplit(":", 1)[0]


class ModuleViewTest(ViewerTestCase):
    """--by=module and --by=package on realapp.out."""

    def test_golden_text_by_module(self):
        text = self.view("--at=loaded", "--by=module", "--top=15", "--threshold=5", REAL)
        if support.REGEN:
            self.assert_golden("realapp-module.expected", text)
        with open(os.path.join(DATA, "realapp-module.expected"), encoding="utf-8",
                  newline="") as f:
            expected = f.read()
        self.assertEqual(text, drop_absent_sources(expected),
                         "output differs from realapp-module.expected")

    def test_golden_json_by_package(self):
        self.assert_golden("realapp-package.json.expected", self.view(
            "--format=json", "--at=loaded", "--by=package", REAL))

    def test_modules_of_the_program_and_packages(self):
        by_file = {r["location"]: r for r in
                   cached_json("--format=json", "--at=loaded", "--by=file",
                               REAL)}
        by_module = {r["location"]: r for r in
                     cached_json("--format=json", "--at=loaded",
                                 "--by=module", REAL)}
        for module, path in (
                ("realapp", "realapp.py"),
                ("shop.cart", "shop/cart.py"),
                ("fancylib", "vendor/site-packages/fancylib/__init__.py"),
                ("fancylib.core", "vendor/site-packages/fancylib/core.py"),
                ("pyheap", "vendor/site-packages/pyheap.py"),
                ("json.encoder", "/usr/lib/python3.11/json/encoder.py"),
                ("importlib._bootstrap", "<frozen importlib._bootstrap>"),
                ("/usr/bin/python3.11", "/usr/bin/python3.11")):
            with self.subTest(module=module):
                row = dict(by_module[module])
                self.assertEqual(row["function"], "")
                row["location"] = path
                self.assertEqual(row, by_file[path])
        # The main script's bytes: the 1 MiB bytearray among them.
        self.assertEqual(by_module["realapp"]["bytes"], 1525677)

    def test_packages_sum_their_files(self):
        by_file = cached_json("--format=json", "--at=loaded", "--by=file",
                              REAL)
        packages = {r["location"]: r for r in
                    cached_json("--format=json", "--at=loaded",
                                "--by=package", REAL)}

        def total(test):
            return sum(r["bytes"] for r in by_file if test(r["location"]))

        self.assertEqual(packages["stdlib"]["bytes"], total(
            lambda f: f.startswith("/usr/lib/python3.11/")
            or f.startswith("<frozen ")))
        self.assertEqual(packages["fancylib"]["bytes"], total(
            lambda f: f.startswith("vendor/site-packages/fancylib/")))
        self.assertEqual(packages["pyheap"]["bytes"], total(
            lambda f: f == "vendor/site-packages/pyheap.py"))
        self.assertEqual(packages["shop"]["bytes"], total(
            lambda f: f.startswith("shop/")))
        self.assertEqual(packages["(main program)"]["bytes"], total(
            lambda f: f == "realapp.py"))
        self.assertEqual(packages["python3.11"]["bytes"], total(
            lambda f: f == "/usr/bin/python3.11"))
        self.assertEqual(sum(r["bytes"] for r in packages.values()),
                         sum(r["bytes"] for r in by_file))

    def test_every_key_adds_up_to_the_snapshot(self):
        # In-process: the file is read once for the 28 reports.
        profile = support.viewer_module("reader").read_profile(
            os.path.join(DATA, REAL), want_sites=lambda kind, n, label: True)
        view = support.viewer_module("view").View(profile)
        json_report = support.viewer_module("reports.json_report").json_report
        snaps = {s.n: s for s in profile.snapshots}
        for at, n in (("indexed", 34), ("peak", 53), ("loaded", 59),
                      ("exit", 61)):
            classes = snapshot_classes(REAL, n)
            heap = sum(b for b, _ in classes.values())
            blocks = sum(k for _, k in classes.values())
            for by in ("line", "function", "file", "stack", "module",
                       "package", "class"):
                with self.subTest(at=at, by=by):
                    rows = json.loads(json_report(view, snaps[n], by, 0))
                    self.assertEqual(sum(r["bytes"] for r in rows), heap)
                    self.assertEqual(sum(r["blocks"] for r in rows), blocks)
                    for r in rows:
                        self.assertEqual(sorted(r["by_class"]),
                                         sorted(CLASS_KEYS))
                        self.assertEqual(sum(r["by_class"].values()),
                                         r["bytes"])

    def test_by_class_is_the_class_lines(self):
        for at, n in (("peak", 53), ("loaded", 59), ("exit", 61)):
            rows = cached_json("--format=json", "--at=" + at, "--by=class",
                               REAL)
            classes = snapshot_classes(REAL, n)
            self.assertEqual(
                sorted((r["location"], r["bytes"], r["blocks"])
                       for r in rows),
                sorted((name, b, k) for name, (b, k) in classes.items()
                       if b or k))
            for r in rows:
                self.assertEqual(r["function"], "")
                self.assertEqual(r["by_class"][r["location"]], r["bytes"])
        self.assertEqual(
            [r["location"] for r in cached_json(
                "--format=json", "--at=loaded", "--by=class", REAL)],
            ["pymalloc", "python-large", "raw"])

    def test_by_class_text(self):
        text = self.view("--at=loaded", "--by=class", REAL)
        table = text[text.index("Top 3 of 3 classes"):].splitlines()
        self.assertEqual(table, [
            "Top 3 of 3 classes by live bytes (--by=class), snapshot 59:",
            "      bytes       %  blocks      raw   pymalloc  python-large  "
            "class",
            "  2,236,044  45.91%  30,227        0  2,236,044             0  "
            "pymalloc",
            "  2,222,769  45.64%     758        0          0     2,222,769  "
            "python-large",
            "    411,442   8.45%      88  411,442          0             0  "
            "raw",
        ])

    def test_basic_file_by_module(self):
        # basic.out: relative paths, `python3 app.py`, native stacks.
        rows = self.json("--by=module", "basic.out")
        self.assertEqual([(r["location"], r["bytes"]) for r in rows], [
            ("lib.util", 4104192), ("café", 1048576), ("app", 464704),
            ("/usr/lib/x86_64-linux-gnu/libfoo.so.1", 65536),
            ("(unknown)", 4096), ("???", 4096)])
        rows = self.json("--by=package", "basic.out")
        self.assertEqual([(r["location"], r["bytes"]) for r in rows], [
            ("lib", 4104192), ("(main program)", 1513280),
            ("libfoo.so.1", 65536), ("(unknown)", 4096), ("???", 4096)])


class ModuleRuleTest(unittest.TestCase):
    """The module rule on file names the real runs do not have."""

    @classmethod
    def setUpClass(cls):
        cls.model = support.viewer_module("model")
        cls.naming = support.viewer_module("naming")

    def namer(self, cmd, files):
        prof = self.model.Profile("x.out")
        prof.meta["cmd"] = cmd
        prof.frames = [tuple.__new__(self.model.Frame,
                                     ("py", f, 1, "f", 0, None))
                       for f in files]
        return self.naming.ModuleNamer(prof)

    def names(self, namer, path):
        frame = tuple.__new__(self.model.Frame,
                              ("py", path, 1, "f", 0, None))
        return namer.module(frame), namer.package(frame)

    def test_absolute_script(self):
        files = ["/home/u/proj/app.py", "/home/u/proj/shop/cart.py",
                 "/home/u/proj/shop/__init__.py", "/home/u/other/x.py"]
        for cmd in ("python3 /home/u/proj/app.py --flag",
                    "/usr/bin/python3.11 -X dev -W error app.py",
                    "python3 -u -B ./app.py", "python3 proj/app.py"):
            namer = self.namer(cmd, files)
            with self.subTest(cmd=cmd):
                self.assertEqual(namer.root, "/home/u/proj")
                for path, expected in (
                        ("/home/u/proj/app.py", ("app", "(main program)")),
                        ("/home/u/proj/shop/cart.py", ("shop.cart", "shop")),
                        ("/home/u/proj/shop/__init__.py", ("shop", "shop")),
                        ("/home/u/other/x.py", ("/home/u/other/x.py",
                                                "/home/u/other/x.py"))):
                    self.assertEqual(self.names(namer, path), expected)

    def test_script_among_installed_files(self):
        # Another app.py (installed) must not be taken for the script;
        # the script's frames are the outermost ones.
        prof = self.model.Profile("x.out")
        prof.meta["cmd"] = "python3 app.py"
        files = ["/venv/lib/python3.11/site-packages/flask/app.py",
                 "/a/app.py", "/home/u/proj/app.py"]
        prof.frames = [tuple.__new__(self.model.Frame,
                                     ("py", f, 1, "f", 0, None))
                       for f in files]
        # Without stacks: the first one that is not installed.
        self.assertEqual(self.naming.ModuleNamer(prof).root, "/a")
        # /home/u/proj/app.py calls /a/app.py, which calls flask.
        prof.stack_parent.extend([-1, 0, 1])
        prof.stack_frame.extend([2, 1, 0])
        self.assertEqual(self.naming.ModuleNamer(prof).root, "/home/u/proj")

    def test_dash_m(self):
        files = ["/srv/app/svc/main.py", "/srv/app/svc/db.py",
                 "/srv/app/tools.py"]
        namer = self.namer("python3 -m svc.main --port 80", files)
        self.assertEqual(namer.root, "/srv/app")
        self.assertEqual(self.names(namer, "/srv/app/svc/db.py"),
                         ("svc.db", "svc"))
        self.assertEqual(self.names(namer, "/srv/app/tools.py"),
                         ("tools", "(main program)"))

    def test_no_root(self):
        namer = self.namer("python3 -c 'import x'", ["/srv/x.py"])
        self.assertIsNone(namer.root)
        self.assertEqual(self.names(namer, "/srv/x.py"),
                         ("/srv/x.py", "/srv/x.py"))
        self.assertEqual(self.names(namer, "<string>"),
                         ("<string>", "<string>"))

    def test_installed_and_standard_names(self):
        namer = self.namer("python3 app.py", ["app.py"])
        for path, expected in (
                ("<frozen importlib._bootstrap>",
                 ("importlib._bootstrap", "stdlib")),
                ("<frozen os>", ("os", "stdlib")),
                ("<stdin>", ("<stdin>", "<stdin>")),
                ("/usr/lib/python3.11/json/encoder.py",
                 ("json.encoder", "stdlib")),
                ("/usr/lib/python3.11/json/__init__.py", ("json", "stdlib")),
                ("/home/u/.pyenv/versions/3.8.18/lib/python3.8/os.py",
                 ("os", "stdlib")),
                ("/usr/lib64/python3.13t/lib-dynload/_x.py",
                 ("_x", "stdlib")),
                ("/usr/lib/python3/dist-packages/_distutils_hack/"
                 "__init__.py", ("_distutils_hack", "_distutils_hack")),
                ("/venv/lib/python3.11/site-packages/numpy/core/_methods.py",
                 ("numpy.core._methods", "numpy")),
                ("/venv/lib/python3.11/site-packages/six.py",
                 ("six", "six")),
                ("app.py", ("app", "(main program)")),
                ("./lib/util.py", ("lib.util", "lib")),
                ("../elsewhere.py", ("../elsewhere.py",
                                     "../elsewhere.py"))):
            with self.subTest(path=path):
                self.assertEqual(self.names(namer, path), expected)


class DepthTest(ViewerTestCase):
    """--depth=N: stacks cut to their innermost N frames."""

    def test_golden(self):
        self.assert_golden("realapp-depth.expected", self.view(
            "--at=loaded", "--depth=2", "--by=stack", "--top=5",
            "--threshold=5", REAL))

    def test_cut_stacks_are_sums_of_the_whole_ones(self):
        whole = cached_json("--format=json", "--at=peak", "--by=stack", REAL)
        for depth in (1, 2, 3, 7):
            with self.subTest(depth=depth):
                expected = {}
                for r in whole:
                    key = json.dumps(r["stack"][:depth])
                    acc = expected.setdefault(key, [0, 0, 0, 0, 0])
                    acc[0] += r["bytes"]
                    acc[1] += r["blocks"]
                    for i, name in enumerate(CLASS_KEYS):
                        acc[2 + i] += r["by_class"][name]
                cut = cached_json("--format=json", "--at=peak", "--by=stack",
                                  "--depth=%d" % depth, REAL)
                # (Two native frames, at two addresses, may have the same
                # name: rows are summed by the names of their frames.)
                got = {}
                for r in cut:
                    self.assertLessEqual(len(r["stack"]), depth)
                    acc = got.setdefault(json.dumps(r["stack"]),
                                         [0, 0, 0, 0, 0])
                    acc[0] += r["bytes"]
                    acc[1] += r["blocks"]
                    for i, name in enumerate(CLASS_KEYS):
                        acc[2 + i] += r["by_class"][name]
                self.assertEqual(got, expected)
                self.assertLess(len(cut), len(whole))

    def test_deep_enough_changes_nothing(self):
        # meta depth is 30: no recorded stack is deeper.
        def without_args(text):
            return [line for line in text.splitlines()
                    if not line.startswith("pyheap_print args:")]

        for args in (["--at=peak"], ["--format=json", "--by=stack"],
                     ["--format=json", "--by=line"]):
            with self.subTest(args=args):
                self.assertEqual(
                    without_args(self.view(*args + ["--depth=30", REAL])),
                    without_args(self.view(*args + [REAL])))

    def test_depth_one_keeps_python_lines(self):
        # A Python site's innermost frame names it: --depth=1 keeps its
        # --by=line row (native-only stacks may be renamed: the frames
        # the location rule skips are cut first).  Its user frame is the
        # innermost user frame of what is left: the row's own frame if
        # that is the user's, else none (the callers are cut).
        def python(rows):
            return [r for r in rows
                    if location_file(r["location"]).endswith(".py")
                    or r["location"].startswith("<")]

        def user(row):
            return row["user_location"], row["user_function"]

        def without_user(rows):
            return [{k: v for k, v in r.items()
                     if k not in ("user_location", "user_function")}
                    for r in rows]

        rows = cached_json("--format=json", "--at=loaded", "--depth=1",
                           "--by=line", REAL)
        whole = cached_json("--format=json", "--at=loaded", "--by=line",
                            REAL)
        self.assertGreater(len(python(whole)), 100)
        self.assertEqual(without_user(python(rows)),
                         without_user(python(whole)))
        for cut, row in zip(python(rows), python(whole)):
            own = (row["location"], row["function"])
            self.assertEqual(user(cut),
                             own if user(row) == own else (None, None))
        # Some rows lose the user frame their callers gave them.
        self.assertTrue(any(user(row) != (None, None)
                            and user(row) != user(cut) for cut, row in
                            zip(python(rows), python(whole))))


class FilterTest(ViewerTestCase):
    """--filter=GLOB: the sites with a matching frame."""

    def test_golden(self):
        self.assert_golden("realapp-filter.expected", self.view(
            "--at=loaded", "--filter=shop/*",
            "--filter=*/site-packages/fancylib/*", "--threshold=0", REAL))

    def whole_stacks(self):
        return cached_json("--format=json", "--at=peak", "--by=stack", REAL)

    def expected(self, *globs):
        """The --by=stack rows whose stack has a Python frame whose file
        or function matches (none of these globs matches native frames)."""
        out = []
        for r in self.whole_stacks():
            for frame in r["stack"]:
                path = location_file(frame["location"])
                names = (path, os.path.basename(path), frame["function"])
                if any(fnmatch.fnmatchcase(name, glob)
                       for glob in globs for name in names
                       if "/" not in glob or name == path):
                    out.append(r)
                    break
        return out

    def test_keeps_exactly_the_matching_stacks(self):
        for globs in (["shop/*"], ["cart.py"], ["Cart.add"],
                      ["*fancylib*"], ["shop/*", "*/fancylib/core.py"],
                      ["build_*"], ["realapp.py"]):
            with self.subTest(globs=globs):
                rows = cached_json(*["--format=json", "--at=peak",
                                     "--by=stack"] +
                                   ["--filter=" + g for g in globs] + [REAL])
                expected = self.expected(*globs)
                self.assertTrue(expected)
                self.assertEqual(rows, expected)

    def test_base_name_and_path_agree(self):
        self.assertEqual(
            cached_json("--format=json", "--filter=cart.py", REAL),
            cached_json("--format=json", "--filter=shop/cart.py", REAL))
        # With a '/', the glob is matched against the whole name only.
        self.assertEqual(self.json("--filter=*/shop/cart.py", REAL), [])
        self.assertEqual(
            cached_json("--format=json", "--filter=*shop/cart.py", REAL),
            cached_json("--format=json", "--filter=shop/cart.py", REAL))

    def test_filter_then_depth(self):
        rows = cached_json("--format=json", "--at=peak", "--by=stack",
                           "--filter=realapp.py", "--depth=1", REAL)
        for r in rows:
            self.assertEqual(len(r["stack"]), 1)
        self.assertEqual(
            sum(r["bytes"] for r in rows),
            sum(r["bytes"] for r in self.expected("realapp.py")))
        # JSON's innermost frame of a realapp.py stack is often elsewhere:
        # the filter looked at the whole stack.
        self.assertIn("/usr/lib/python3.11/json/encoder.py:258",
                      [r["location"] for r in rows])

    def test_matching_nothing(self):
        self.assertEqual(self.json("--filter=no-such-thing", REAL), [])
        text = self.view("--at=peak", "--filter=no-such-thing", REAL)
        self.assertIn("00.00% (0 B, 0 blocks) of the live heap of snapshot "
                      "53 in sites that match --filter", text)
        self.assertIn("(no live blocks)", text)

    def test_native_frames_match_their_object(self):
        rows = self.json("--by=stack", "--filter=libz.so.1", "basic.out")
        self.assertEqual([r["location"] for r in rows], ["app.py:8"])
        rows = self.json("--by=stack", "--filter=*libfoo*", "basic.out")
        self.assertEqual([r["function"] for r in rows], ["init_tables"])


class CsvTest(ViewerTestCase):
    """--format=csv: the JSON rows, parsed back with the csv module."""

    def test_golden(self):
        self.assert_golden("realapp-module.csv.expected", self.view(
            "--format=csv", "--at=loaded", "--by=module", "--top=20", REAL))

    def rows(self, *args):
        text = self.view("--format=csv", *args)
        self.assertNotIn("\r", text)
        return list(csv.reader(io.StringIO(text, newline="")))

    def test_parse_back(self):
        for path, keys in (
                (REAL, ("line", "stack", "module", "class")),
                ("basic.out", ("line", "function", "file", "stack",
                               "module", "package", "class"))):
            for by in keys:
                with self.subTest(path=path, by=by):
                    table = self.rows("--by=" + by, path)
                    head = ["location", "function", "bytes", "blocks",
                            "raw", "pymalloc", "python-large"]
                    if by == "stack":
                        head.append("stack")
                    self.assertEqual(table[0], head)
                    rows = cached_json("--format=json", "--by=" + by, path)
                    self.assertEqual(len(table) - 1, len(rows))
                    for line, row in zip(table[1:], rows):
                        self.assertEqual(line[:2], [row["location"],
                                                    row["function"]])
                        self.assertEqual(
                            [int(v) for v in line[2:7]],
                            [row["bytes"], row["blocks"]] +
                            [row["by_class"][k] for k in CLASS_KEYS])
                        if by == "stack":
                            self.assertEqual(line[7], " <- ".join(
                                "%s (%s)" % (f["function"], f["location"])
                                for f in row["stack"]))

    def test_quoting(self):
        # basic.out has a tab, a backslash and non-ASCII in its names.
        table = self.rows("--by=function", "basic.out")
        functions = [line[1] for line in table[1:]]
        self.assertIn("tab\there", functions)
        self.assertIn("weird\\name", functions)
        self.assertIn("naïve_函数", functions)

    def test_top(self):
        self.assertEqual(len(self.rows("--top=4", REAL)), 5)
        self.assertEqual(self.rows("--at=empty", "nopeak.out"),
                         [["location", "function", "bytes", "blocks", "raw",
                           "pymalloc", "python-large"]])


class AnnotateTest(ViewerTestCase):
    """--annotate=FILE.py on a real run."""

    def test_golden(self):
        self.assert_golden("realapp-annotate.expected", self.view(
            "--annotate=realapp.py", "--at=loaded", REAL))

    def test_golden_package_file(self):
        self.assert_golden("realapp-annotate-cart.expected", self.view(
            "--annotate=shop/cart.py", REAL))

    def columns(self, text):
        """{line number: (live B, live blocks, total B, total blocks)},
        None for a blank cell, and the 'all' row."""
        lines = text.splitlines()
        head = [i for i, line in enumerate(lines)
                if line.lstrip().startswith("Line #")][0]
        starts = []
        header = lines[head]
        for name in ("Live (B)", "Live blocks", "Total (B)", "Total blocks",
                     "Line Contents"):
            starts.append(header.index(name) + len(name))
        out = {}
        total = None
        for line in lines[head + 2:]:
            if line.startswith("===="):
                continue
            number = line[:6].strip()
            cells = []
            start = 6
            for end in starts[:4]:
                cell = line[start:end].strip().replace(",", "")
                cells.append(int(cell) if cell else None)
                start = end
            if number == "all":
                total = cells
                break
            out[int(number)] = cells
        return out, total

    def test_live_column_is_the_by_line_rows(self):
        text = self.view("--annotate=realapp.py", "--at=loaded", REAL)
        cells, total = self.columns(text)
        rows = cached_json("--format=json", "--at=loaded", "--by=line", REAL)
        expected = {}
        for r in rows:
            if r["location"].startswith("realapp.py:"):
                line = int(r["location"].split(":")[1])
                acc = expected.setdefault(line, [0, 0])
                acc[0] += r["bytes"]
                acc[1] += r["blocks"]
        got = {line: c[:2] for line, c in cells.items()
               if c[0] is not None}
        self.assertEqual(got, expected)
        self.assertEqual(total[:2], [sum(v[0] for v in expected.values()),
                                     sum(v[1] for v in expected.values())])
        by_file = {r["location"]: r for r in
                   cached_json("--format=json", "--at=loaded", "--by=file",
                               REAL)}
        self.assertEqual(total[0], by_file["realapp.py"]["bytes"])
        # Line 34, `big = bytearray(1 << 20)`: 1 MiB + the object.
        self.assertEqual(cells[34], [1048633, 2, 1048633, 2])
        # Lines without allocations have blank cells; every line is there.
        self.assertEqual(cells[2], [None] * 4)
        with open(os.path.join(DATA, "realapp.py"), encoding="utf-8") as f:
            self.assertEqual(len(cells), len(f.read().splitlines()))

    def test_total_column_is_the_totals(self):
        text = self.view("--annotate=shop/cart.py", REAL)
        cells, total = self.columns(text)
        export = cached_json("--export=json", REAL)
        frames = {f["id"]: f for f in export["frames"]}
        expected = {}
        for site in export["totals"]["sites"]:
            for fid in site["stack"]:
                frame = frames[fid]
                if frame["kind"] == "py":
                    if frame["file"] == "shop/cart.py":
                        acc = expected.setdefault(frame["line"], [0, 0])
                        acc[0] += site["bytes"]
                        acc[1] += site["blocks"]
                    break
        got = {line: c[2:] for line, c in cells.items()
               if c[2] is not None}
        self.assertEqual(got, expected)
        self.assertEqual(total[2], sum(v[0] for v in expected.values()))
        # Live at the peak, and allocated over the run (300 calls).
        self.assertEqual(cells[11], [36926, 574, 84926, 874])

    def test_file_named_other_ways(self):
        reference = self.view("--annotate=shop/cart.py", REAL)
        body = reference[reference.index("Line #"):]
        # The same file by its absolute name.
        text = self.view("--annotate=" + os.path.join(DATA, "shop",
                                                      "cart.py"), REAL)
        self.assertEqual(text[text.index("Line #"):], body)
        self.assertIn("Recorded as:        shop/cart.py\n", text)
        # A copy elsewhere, whose path ends with the recorded one.
        with tempfile.TemporaryDirectory() as tmp:
            os.makedirs(os.path.join(tmp, "copy", "shop"))
            shutil.copy(os.path.join(DATA, "shop", "cart.py"),
                        os.path.join(tmp, "copy", "shop", "cart.py"))
            text = self.view("--annotate=copy/shop/cart.py",
                             os.path.join(DATA, REAL), cwd=tmp)
        self.assertEqual(text[text.index("Line #"):], body)

    def test_file_with_nothing(self):
        text = self.view("--annotate=regen.sh", REAL)
        self.assertIn("Recorded as:        (no Python frame of the profile "
                      "is in this file)", text)
        cells, total = self.columns(text)
        self.assertTrue(all(c == [None] * 4 for c in cells.values()))
        self.assertEqual(total, [0, 0, 0, 0])

    def test_lines_the_file_does_not_have(self):
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "realapp.py"), "w") as f:
                f.write("# a shorter realapp.py\n" * 30)
            text = self.view("--annotate=realapp.py", "--at=loaded",
                             os.path.join(DATA, REAL), cwd=tmp)
        self.assertIn("Lines not in the file as it is now", text)
        self.assertIn("  line 34: live 1,048,633 B in 2 blocks, total "
                      "1,048,633 B in 2 blocks", text)

    def test_errors(self):
        line = self.assert_error(["--annotate=no-such.py", REAL], 1)
        self.assertEqual(line, "pyheap_print: error: no-such.py: No such "
                         "file or directory")
        self.assert_error(["--annotate=shop", REAL], 1, "shop: Is a "
                          "directory")
        self.assert_error(["--annotate=realapp.py", "--at=nothing", REAL],
                          1, 'no user snapshot labelled "nothing"')
        self.assert_error(["--annotate=realapp.py", "--format=json", REAL],
                          2, "--annotate prints text only")

    def test_ambiguous_name(self):
        # basic.out with "café.py" renamed "b/app.py": x/b/app.py ends
        # with both recorded names app.py and b/app.py.
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(DATA, "basic.out"), "rb") as f:
                data = f.read()
            old = "s 6 café.py\n".encode("utf-8")
            self.assertEqual(data.count(old), 1)
            with open(os.path.join(tmp, "two.out"), "wb") as f:
                f.write(data.replace(old, b"s 6 b/app.py\n"))
            os.makedirs(os.path.join(tmp, "x", "b"))
            shutil.copy(os.path.join(DATA, "app.py"),
                        os.path.join(tmp, "x", "b", "app.py"))
            line = self.assert_error(["--annotate=x/b/app.py", "two.out"],
                                     1, cwd=tmp)
            self.assertEqual(line, "pyheap_print: error: x/b/app.py: "
                             "matches several files of the profile: "
                             "app.py, b/app.py (give more of the path)")
            # A longer name settles it.
            os.makedirs(os.path.join(tmp, "b"))
            shutil.copy(os.path.join(DATA, "app.py"),
                        os.path.join(tmp, "b", "app.py"))
            text = self.view("--annotate=b/app.py", "two.out", cwd=tmp)
            self.assertIn("Recorded as:        b/app.py\n", text)


class DiffTest(ViewerTestCase):
    """--diff of a run against a run of the changed script."""

    def test_golden_text(self):
        self.assert_golden("diff.expected", self.view(
            "--diff", "--at=end", OLD, NEW))

    def test_golden_json(self):
        self.assert_golden("diff.json.expected", self.view(
            "--diff", "--at=end", "--format=json", OLD, NEW))

    def test_golden_csv(self):
        self.assert_golden("diff.csv.expected", self.view(
            "--diff", "--at=end", "--format=csv", OLD, NEW))

    def test_golden_two_snapshots(self):
        self.assert_golden("realapp-diff.expected", self.view(
            "--diff", "--at=indexed", "--at2=loaded", "--top=10", REAL))

    def test_exactly_the_changed_lines(self):
        doc = self.json("--diff", "--at=end", OLD, NEW)
        rows = doc["rows"]
        self.assertEqual([(r["location"], r["function"], r["bytes_before"],
                           r["bytes_after"], r["bytes_change"],
                           r["blocks_before"], r["blocks_after"])
                          for r in rows], [
            # keep_c = [0] * 2000 -> [0] * 4000: 2,000 pointers more.
            ("diffapp.py:27", "<module>", 16112, 32112, 16000, 3, 3),
            # keep_e = bytearray(7000): new.
            ("diffapp.py:29", "<module>", 0, 7057, 7057, 0, 2),
            # keep_d = bytearray(5000): gone.
            ("diffapp.py:28", "<module>", 5057, 0, -5057, 2, 0),
        ])
        total = doc["total"]
        self.assertEqual(total["bytes_change"],
                         sum(r["bytes_change"] for r in rows))
        self.assertEqual(total["blocks_change"],
                         sum(r["blocks_change"] for r in rows))
        self.assertEqual(doc["changed"], 3)
        self.assertEqual((total["bytes_before"], total["bytes_after"]),
                         (doc["old"]["heap_bytes"], doc["new"]["heap_bytes"]))

    def test_every_key_shows_only_the_change(self):
        expected = {
            "line": ["diffapp.py:27", "diffapp.py:29", "diffapp.py:28"],
            "function": ["diffapp.py"], "file": ["diffapp.py"],
            "module": ["diffapp"], "package": ["(main program)"],
            "class": ["python-large"],
        }
        for by, locations in sorted(expected.items()):
            with self.subTest(by=by):
                doc = self.json("--diff", "--at=end", "--by=" + by, OLD, NEW)
                self.assertEqual([r["location"] for r in doc["rows"]],
                                 locations)
                self.assertEqual(doc["total"]["bytes_change"], 18000)
        doc = self.json("--diff", "--at=end", "--by=stack", OLD, NEW)
        self.assertEqual([r["stack"] for r in doc["rows"]], [
            [{"location": "diffapp.py:%d" % n, "function": "<module>"}]
            for n in (27, 29, 28)])
        # The pymalloc header of a bytearray moved from line 28 to 29.
        doc = self.json("--diff", "--at=end", "--by=class", OLD, NEW)
        self.assertEqual(doc["rows"][0]["by_class_change"],
                         {"raw": 0, "pymalloc": 0, "python-large": 18000})

    def test_same_file_no_change(self):
        text = self.view("--diff", "--at=end", OLD, OLD)
        self.assertIn("  (no change)\n", text)
        doc = self.json("--diff", "--at=end", OLD, OLD)
        self.assertEqual(doc["rows"], [])
        self.assertEqual(doc["total"]["bytes_change"], 0)

    def test_two_snapshots_of_one_file(self):
        doc = self.json("--diff", "--at=indexed", "--at2=loaded", REAL)
        before = {(r["location"], r["function"]): r for r in
                  cached_json("--format=json", "--at=indexed", REAL)}
        after = {(r["location"], r["function"]): r for r in
                 cached_json("--format=json", "--at=loaded", REAL)}
        expected = []
        for key in set(before) | set(after):
            a = before.get(key, {"bytes": 0, "blocks": 0})
            b = after.get(key, {"bytes": 0, "blocks": 0})
            if a["bytes"] != b["bytes"] or a["blocks"] != b["blocks"]:
                expected.append((key, a["bytes"], b["bytes"], a["blocks"],
                                 b["blocks"]))
        got = [((r["location"], r["function"]), r["bytes_before"],
                r["bytes_after"], r["blocks_before"], r["blocks_after"])
               for r in doc["rows"]]
        self.assertEqual(sorted(got), sorted(expected))
        changes = [abs(r["bytes_change"]) for r in doc["rows"]]
        self.assertEqual(changes, sorted(changes, reverse=True))
        self.assertEqual((doc["old"]["snapshot"], doc["new"]["snapshot"]),
                         (34, 59))
        self.assertEqual(doc["total"]["bytes_change"],
                         doc["new"]["heap_bytes"] - doc["old"]["heap_bytes"])

    def test_ties_in_location_order(self):
        doc = self.json("--diff", "--at=indexed", "--at2=loaded", REAL)
        rows = doc["rows"]
        for a, b in zip(rows, rows[1:]):
            if abs(a["bytes_change"]) == abs(b["bytes_change"]):
                self.assertLessEqual(location_file(a["location"]),
                                     location_file(b["location"]))

    def test_csv_parse_back(self):
        text = self.view("--diff", "--at=end", "--format=csv", OLD, NEW)
        table = list(csv.reader(io.StringIO(text, newline="")))
        self.assertEqual(table[0], [
            "location", "function", "bytes_before", "bytes_after",
            "bytes_change", "blocks_before", "blocks_after", "blocks_change",
            "raw_change", "pymalloc_change", "python-large_change"])
        doc = self.json("--diff", "--at=end", OLD, NEW)
        for line, row in zip(table[1:-1], doc["rows"]):
            self.assertEqual(line, [
                row["location"], row["function"]] + [str(row[k]) for k in (
                    "bytes_before", "bytes_after", "bytes_change",
                    "blocks_before", "blocks_after", "blocks_change")] + [
                str(row["by_class_change"][c]) for c in CLASS_KEYS])
        self.assertEqual(table[-1][:5], ["(total)", "", "2170435",
                                         "2188435", "18000"])
        self.assertEqual(len(table), 5)

    def test_top(self):
        doc = self.json("--diff", "--at=indexed", "--at2=loaded", "--top=2",
                        REAL)
        self.assertEqual(len(doc["rows"]), 2)
        self.assertGreater(doc["changed"], 2)
        text = self.view("--diff", "--at=indexed", "--at2=loaded", "--top=2",
                         REAL)
        self.assertIn("Shown:              the 2 biggest changes (--top)",
                      text)

    def test_filter_applies_to_both_sides(self):
        doc = self.json("--diff", "--at=end", "--filter=*.py", OLD, NEW)
        self.assertEqual(len(doc["rows"]), 3)
        self.assertLess(doc["total"]["bytes_before"],
                        doc["old"]["heap_bytes"])

    def test_usage(self):
        self.assert_error(["--diff", OLD], 2, "--diff with one FILE needs "
                          "--at and --at2")
        self.assert_error(["--diff", "--at=end", OLD], 2, "needs --at and "
                          "--at2")
        self.assert_error(["--diff", OLD, NEW, REAL], 2,
                          "unrecognized arguments: %s" % REAL)
        self.assert_error(["--at2=end", OLD], 2, "--at2 goes with --diff")
        self.assert_error(["--diff", "--export=json", OLD, NEW], 2,
                          "--diff and --export do not go together")
        self.assert_error(["--diff", "--at=end", OLD, "no-such.out"], 1,
                          "no-such.out: No such file or directory")
        self.assert_error(["--diff", "--at=end", "--at2=nothing", OLD, NEW],
                          1, 'diffapp-new.out: no user snapshot labelled '
                          '"nothing"')


class TypedAndRegionTest(ViewerTestCase):
    """The draft format's `y` records and `region` snapshots: read, shown
    and exported; the other views stay as they are."""

    def setUp(self):
        ViewerTestCase.setUp(self)
        self.tmp = tempfile.TemporaryDirectory()
        self.path = typed_region_file(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def test_same_reports(self):
        for args in (["--format=json", "--at=peak"],
                     ["--format=json", "--at=exit", "--by=stack"]):
            self.assertEqual(self.view(*args + [self.path]),
                             self.view(*args + ["basic.out"]))

    def test_region(self):
        self.assertEqual(self.json("--at=load-config", self.path), [
            json_row("lib/util.py:42", "Loader.read_chunk", 2000000,
                     1, large=2000000, user=OWN),
            json_row("app.py:8", "load", 3000, 30, pymalloc=3000, user=OWN)])
        text = self.view("--at=load-config", self.path)
        self.assertIn('Snapshot 7 (region "load-config") at time '
                      '12,000,000: 3,000,000 B in 900 blocks', text)
        self.assertIn("66.77% (2,003,000 B, 31 blocks) of the live heap of "
                      "snapshot 7 allocated inside the region, by stack",
                      text)
        text = self.view(self.path)
        self.assertIn('Snapshot 7 (region "load-config")', text)
        self.assertIn('7 (region "load-config")', text)

    def test_exports(self):
        doc = json.loads(self.view("--export=json", self.path))
        region = [s for s in doc["snapshots"] if s["kind"] == "region"][0]
        self.assertEqual(region["label"], "load-config")
        self.assertEqual(region["typed_sites"], [
            {"location": "lib/util.py:42", "function": "Loader.read_chunk",
             "class": "python-large", "type": "bytes", "bytes": 2000000,
             "blocks": 1, "stack": [3, 2, 1, 0]},
            {"location": "app.py:8", "function": "load",
             "class": "pymalloc", "type": "tuple", "bytes": 2000,
             "blocks": 20, "stack": [2, 1, 0]},
            {"location": "app.py:8", "function": "load",
             "class": "pymalloc", "type": None, "bytes": 1000,
             "blocks": 10, "stack": [2, 1, 0]}])
        exit_snap = doc["snapshots"][-1]
        self.assertEqual([s["type"] for s in exit_snap["typed_sites"]],
                         ["bytes"])
        self.assertEqual(doc["snapshots"][0]["typed_sites"], [])
        # --depth and --filter apply to them too.
        doc = json.loads(self.view("--export=json", "--depth=1",
                                   "--filter=load", self.path))
        region = [s for s in doc["snapshots"] if s["kind"] == "region"][0]
        self.assertEqual([(s["type"], s["stack"])
                          for s in region["typed_sites"]],
                         [("bytes", [3]), ("tuple", [2]), (None, [2])])
        # massif: a region holds part of the heap: no tree.
        massif = self.view("--export=massif", self.path)
        self.assertIn("snapshot=7\n#-----------\ntime=12000000\n"
                      "mem_heap_B=3000000\nmem_heap_extra_B=0\n"
                      "mem_stacks_B=0\nheap_tree=empty\n", massif)

    def test_bad_typed_records(self):
        for extra, message in (
                (b"y 4 python-large 99 1 1", "'y' record: field 4 "
                 "(type_sid): string id 99 is not defined (21 defined so "
                 "far)"),
                (b"y 4 python-large 19 1", "'y' record: expected 6 fields, "
                 "got 5"),
                (b"y 4 pylarge 19 1 1", "'y' record: field 3 (class_name): "
                 "unknown class 'pylarge'"),
                (b"y 4 python-large 19 1 1\nb 4 raw 1 1", "'b' record out "
                 "of order in the snapshot begun at line 139 (expected 3 'c' "
                 "records, one 'a', then 'b' records, then 'y' records)")):
            with self.subTest(extra=extra):
                path = typed_region_file(self.tmp.name, extra)
                self.assert_error([path], 1, message)


class HelpTest(ViewerTestCase):
    """--help names every new option and output."""

    def test_help(self):
        text = self.view("--help")
        for fragment in (
                "--format=text|json|csv", "--by=KEY", "module", "package",
                "class", "--depth=N", "--filter=GLOB", "Repeatable",
                "--annotate=FILE.py", "--diff", "--at2=WHEN",
                "--export=FORMAT", "massif", "collapsed", "speedscope",
                "-o FILE, --output=FILE", "The CSV output",
                "The module rule", "(main program)", '"stdlib"',
                "The JSON export (--export=json)", '"format": '
                '"pyheap-export"', "--diff output", "exit status",
                "0  success", "1  the file", "2  bad usage"):
            self.assertIn(fragment, text)

    def test_bad_usage(self):
        for args, fragment in (
                (["--depth=0", REAL], "--depth"),
                (["--depth=x", REAL], "--depth"),
                (["--filter=", REAL], "--filter"),
                (["--format=xml", REAL], "--format"),
                (["--by=modules", REAL], "--by"),
                (["--export=svg", REAL], "--export"),
                (["--export=json", "--format=json", REAL], "--format"),
                (["--export=massif", "--at=peak", REAL], "--at"),
                (["--export=json", "--at=peak", REAL], "--at"),
                (["--export=json", "--annotate=x.py", REAL],
                 "do not go together"),
                (["-o", REAL], "required: FILE"),
                (["--output=", REAL], "--output")):
            self.assert_error(args, 2, fragment)


if __name__ == "__main__":
    unittest.main()
