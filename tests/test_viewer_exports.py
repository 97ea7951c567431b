"""Tests of pyheap_print's exports (--export=massif|collapsed|speedscope|
json), of -o FILE, and of the new modes on damaged files."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The data are the real runs of tests/data/viewer/ (realapp.out,
# diffapp-old.out; see test_viewer_views.py and regen.sh) and the
# hand-made files of test_viewer.py (basic.out: native frames, a
# stack-less site, escaped names).  The massif exports are checked by the
# installed ms_print (Debian's valgrind package ships /usr/bin/ms_print),
# and by a parser of the tree here.  PYHEAP_REGEN=1 rewrites the golden
# outputs.  The helpers are tests/support.py's.

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import support
from support import (OLD, REAL, VIEWER_DATA as DATA, ViewerTestCase,
                     cached_json, run_viewer, snapshot_classes)

MS_PRINT = shutil.which("ms_print")

# Snapshot sample numbers of the real runs, and their kinds.
REAL_SNAPSHOTS = {"indexed": 34, "peak": 53, "loaded": 59, "exit": 61}


def heap_of(path, n):
    return sum(b for b, _ in snapshot_classes(path, n).values())


class MassifTree:
    """A parsed massif output file: header, snapshots and trees.

    Raises AssertionError on anything ms_print would refuse or that
    massif would not write."""

    NODE = re.compile(r"^( *)n(\d+): (\d+) (.*)$")

    def __init__(self, text):
        lines = [line for line in text.split("\n")
                 if line and not line.startswith("#")]
        assert text.endswith("\n"), "no final newline"
        assert lines[0].startswith("desc: "), lines[0]
        assert lines[1].startswith("cmd: "), lines[1]
        assert lines[2] in ("time_unit: B", "time_unit: i",
                            "time_unit: ms"), lines[2]
        self.snapshots = []
        i = 3
        while i < len(lines):
            fields = {}
            for name in ("snapshot", "time", "mem_heap_B",
                         "mem_heap_extra_B", "mem_stacks_B", "heap_tree"):
                key, _, value = lines[i].partition("=")
                assert key == name, (i, lines[i], name)
                fields[name] = value
                i += 1
            for name in ("snapshot", "time", "mem_heap_B",
                         "mem_heap_extra_B", "mem_stacks_B"):
                fields[name] = int(fields[name])
            assert fields["heap_tree"] in ("empty", "detailed", "peak")
            if fields["heap_tree"] != "empty":
                fields["tree"], i = self._node(lines, i, 0)
            self.snapshots.append(fields)

    def _node(self, lines, i, depth):
        match = self.NODE.match(lines[i])
        assert match, lines[i]
        assert len(match.group(1)) == depth, lines[i]
        n_children = int(match.group(2))
        node = {"bytes": int(match.group(3)), "label": match.group(4),
                "children": []}
        i += 1
        for _ in range(n_children):
            child, i = self._node(lines, i, depth + 1)
            node["children"].append(child)
        assert sum(c["bytes"] for c in node["children"]) <= node["bytes"], \
            lines[i - 1]
        return node, i


def walk(node, depth=0):
    yield depth, node
    for child in node["children"]:
        yield from walk(child, depth + 1)


class MassifExportTest(ViewerTestCase):
    """--export=massif: massif's format, read by ms_print."""

    def test_golden(self):
        self.assert_golden("diffapp-old.massif.expected", self.view(
            "--export=massif", "--threshold=5", OLD))

    def test_structure(self):
        text = self.view("--export=massif", REAL)
        massif = MassifTree(text)
        lines = text.split("\n")
        self.assertEqual(lines[:3], [
            "desc: --time-unit=B --detailed-freq=1000 "
            "--pyheap-out-file=pyheap.out",
            "cmd: /usr/bin/python3.11 -S realapp.py", "time_unit: B"])
        # One massif snapshot per sample, numbered like them.
        export = cached_json("--export=json", REAL)
        self.assertEqual([s["snapshot"] for s in massif.snapshots],
                         list(range(len(export["samples"]))))
        self.assertEqual([s["time"] for s in massif.snapshots],
                         [s["time"] for s in export["samples"]])
        self.assertEqual([s["mem_heap_B"] for s in massif.snapshots],
                         [s["heap_bytes"] for s in export["samples"]])
        detailed = {s["snapshot"]: s for s in massif.snapshots
                    if s["heap_tree"] != "empty"}
        self.assertEqual(sorted(detailed), sorted(REAL_SNAPSHOTS.values()))
        self.assertEqual([n for n, s in detailed.items()
                          if s["heap_tree"] == "peak"], [53])
        for n, snap in detailed.items():
            root = snap["tree"]
            self.assertEqual(root["bytes"], heap_of(REAL, n))
            self.assertEqual(root["bytes"], snap["mem_heap_B"])
            self.assertEqual(root["label"], "(heap allocation functions) "
                             "malloc/new/new[], --alloc-fns, etc.")
            for depth, node in walk(root):
                if depth == 0:
                    continue
                label = node["label"]
                self.assertTrue(
                    re.match(r"^0x[0-9A-F]+: \S.* \((.+:\d+|in .+)\)$",
                             label)
                    or re.match(r"^in \d+ places?, (all )?below massif's "
                                r"threshold \(1\.00%\)$", label), label)
                if label.startswith("in "):
                    self.assertEqual(node["children"], [])
        # The 1 MiB bytearray of realapp.py:34, at "loaded", with its
        # caller below it (massif's trees go from the allocation out).
        tree = detailed[59]["tree"]
        big = [node for node in tree["children"]
               if node["label"].endswith(": main (realapp.py:34)")]
        self.assertEqual(len(big), 1)
        self.assertEqual(big[0]["bytes"], 1048633)
        self.assertRegex(big[0]["label"], r"^0x1[0-9A-F]{12}: ")
        self.assertEqual([c["label"].split(": ", 1)[1]
                          for c in big[0]["children"]],
                         ["<module> (realapp.py:40)"])

    def test_threshold_zero_has_every_site(self):
        massif = MassifTree(self.view("--export=massif", "--threshold=0",
                                      REAL))
        rows = cached_json("--format=json", "--at=loaded", "--by=stack",
                           REAL)
        snap = [s for s in massif.snapshots if s["snapshot"] == 59][0]
        nodes = sum(1 for _ in walk(snap["tree"]))
        self.assertGreater(nodes, len(rows))
        for _, node in walk(snap["tree"]):
            self.assertFalse(node["label"].startswith("in "))
        # What a node holds beyond its children is the memory of the
        # stacks whose outermost frame it is: for the Python-only stacks,
        # exactly the --by=stack rows.
        own = {}
        todo = [((), snap["tree"])]
        while todo:
            path, node = todo.pop()
            rest = node["bytes"] - sum(c["bytes"] for c in node["children"])
            if rest:
                own[path] = rest
            for child in node["children"]:
                todo.append((path + (child["label"].split(": ", 1)[1],),
                             child))
        expected = {}
        for r in rows:
            if r["stack"] and all(re.search(r"(\.py|>):\d+$",
                                            f["location"])
                                  for f in r["stack"]):
                path = tuple("%s (%s)" % (f["function"], f["location"])
                             for f in r["stack"])
                expected[path] = expected.get(path, 0) + r["bytes"]
        self.assertGreater(len(expected), 1000)
        self.assertEqual({p: own.get(p) for p in expected if expected[p]},
                         {p: v for p, v in expected.items() if v})

    def test_native_frames_and_no_stack(self):
        massif = MassifTree(self.view("--export=massif", "--threshold=0",
                                      "basic.out"))
        peak = [s for s in massif.snapshots if s["heap_tree"] == "peak"][0]
        labels = [node["label"] for _, node in walk(peak["tree"])]
        for expected in (
                "0x0: ??? (no stack recorded)",
                "0x7F0000123456: deflateInit2_ (in "
                "/lib/x86_64-linux-gnu/libz.so.1)",
                "0x483B7F3: malloc (vg_replace_malloc.c:381)",
                "0xDEADBEEF: ???",
                "0x1000000000003: Loader.read_chunk (lib/util.py:42)",
                "0x1000000000005: weird\\name (lib/util.py:7)",
                "0x1000000000006: tab\\there (lib/util.py:9)"):
            self.assertIn(expected, labels)

    @unittest.skipIf(MS_PRINT is None, "ms_print is not installed (Debian: "
                     "the valgrind package)")
    def test_ms_print_reads_it(self):
        with tempfile.TemporaryDirectory() as tmp:
            for name, args, detailed in (
                    ("realapp", [REAL], "[34, 53 (peak), 59, 61]"),
                    ("realapp-all", ["--threshold=0", REAL],
                     "[34, 53 (peak), 59, 61]"),
                    ("realapp-cut", ["--filter=shop/*", "--depth=3", REAL],
                     "[34, 53 (peak), 59, 61]"),
                    ("diffapp", [OLD], "[66 (peak), 67, 69]"),
                    ("basic", ["basic.out"], "[2, 3, 5, 6 (peak), 8, 9]"),
                    ("nopeak", ["nopeak.out"], "[1, 2]"),
                    ("spec", ["spec-sample.out"], "[2 (peak)]")):
                with self.subTest(name):
                    path = os.path.join(tmp, name + ".massif")
                    self.assertEqual(self.view("--export=massif", "-o", path,
                                               *args), "")
                    proc = subprocess.run(
                        [MS_PRINT, path], stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, timeout=300)
                    err = proc.stderr.decode("utf-8", "replace")
                    self.assertEqual((proc.returncode, err), (0, ""))
                    out = proc.stdout.decode("utf-8", "replace")
                    self.assertIn(" Detailed snapshots: %s\n" % detailed,
                                  out)
                    self.assertIn("Command:            ", out)
            # ms_print's own rendering of the peak of realapp.out.
            proc = subprocess.run(
                [MS_PRINT, "--threshold=5", os.path.join(
                    tmp, "realapp.massif")], stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, timeout=300)
            out = proc.stdout.decode("utf-8", "replace")
            self.assertIn("->29.88% (1,528,235B) 0x1000000000F83: "
                          "JSONEncoder.iterencode "
                          "(/usr/lib/python3.11/json/encoder.py:258)", out)
            self.assertRegex(out, r"\n 53 +22,697,983 +5,114,069 +5,114,069 "
                                  r"+0 +0\n")


class CollapsedExportTest(ViewerTestCase):
    """--export=collapsed: flamegraph.pl's input."""

    LINE = re.compile(r"^(.+) (\d+)$")

    def parse(self, text):
        self.assertTrue(text == "" or text.endswith("\n"))
        out = {}
        lines = text.splitlines()
        self.assertEqual(lines, sorted(lines))
        for line in lines:
            match = self.LINE.match(line)
            self.assertTrue(match, line)
            frames = match.group(1).split(";")
            self.assertTrue(all(frames), line)
            self.assertNotIn(match.group(1), out)
            self.assertGreater(int(match.group(2)), 0)
            out[match.group(1)] = int(match.group(2))
        return out

    def test_golden(self):
        self.assert_golden("realapp-collapsed.expected", self.view(
            "--export=collapsed", "--at=loaded", "--filter=Cart.add",
            "--filter=compress", REAL))

    def test_totals_round_trip(self):
        for at, n in sorted(REAL_SNAPSHOTS.items()):
            with self.subTest(at=at):
                stacks = self.parse(self.view("--export=collapsed",
                                              "--at=" + at, REAL))
                self.assertEqual(sum(stacks.values()), heap_of(REAL, n))
        self.assertEqual(self.view("--export=collapsed", REAL),
                         self.view("--export=collapsed", "--at=peak", REAL))
        for path, n in ((OLD, 67), ("basic.out", 6), ("spec-sample.out", 2)):
            stacks = self.parse(self.view("--export=collapsed",
                                          "--at=%d" % n, path))
            self.assertEqual(sum(stacks.values()), heap_of(path, n))

    def test_stacks_round_trip(self):
        # Every Python-only stack of --by=stack is one line, outermost
        # first, "function (file:line)" per frame.
        stacks = self.parse(self.view("--export=collapsed", "--at=loaded",
                                      REAL))
        rows = cached_json("--format=json", "--at=loaded", "--by=stack",
                           REAL)
        expected = {}
        for r in rows:
            if all(re.search(r"(\.py|>):\d+$", f["location"])
                   for f in r["stack"]) and r["stack"] and r["bytes"]:
                key = ";".join("%s (%s)" % (f["function"], f["location"])
                               for f in reversed(r["stack"]))
                expected[key] = expected.get(key, 0) + r["bytes"]
        self.assertGreater(len(expected), 1000)
        self.assertEqual({k: stacks.get(k) for k in expected}, expected)
        self.assertEqual(stacks["<module> (realapp.py:40);main "
                                "(realapp.py:34)"], 1048633)

    def test_filter_and_depth(self):
        for args in (["--filter=shop/*"], ["--depth=2"],
                     ["--filter=*.py", "--depth=4"]):
            with self.subTest(args=args):
                stacks = self.parse(self.view(*["--export=collapsed"] + args
                                              + [REAL]))
                rows = cached_json(*["--format=json"] + args + [REAL])
                self.assertEqual(sum(stacks.values()),
                                 sum(r["bytes"] for r in rows))
                if "--depth=2" in args:
                    self.assertTrue(all(k.count(";") <= 1 for k in stacks))

    def test_names(self):
        stacks = self.parse(self.view("--export=collapsed", "basic.out"))
        keys = "\n".join(stacks)
        self.assertIn("(no stack) 4096", self.view("--export=collapsed",
                                                   "basic.out"))
        self.assertIn("tab\\there (lib/util.py:9)", keys)
        self.assertIn("_dl_init (dl-init.c:70);init_tables (in "
                      "/usr/lib/x86_64-linux-gnu/libfoo.so.1);malloc "
                      "(vg_replace_malloc.c:381)", keys)
        self.assertIn("0xdeadbeef", stacks)
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(DATA, "basic.out"), "rb") as f:
                data = f.read()
            path = os.path.join(tmp, "semi.out")
            with open(path, "wb") as f:
                f.write(data.replace(b"s 5 Loader.read_chunk\n",
                                     b"s 5 Loader;read chunk\n"))
            text = self.view("--export=collapsed", path)
        self.assertIn(";Loader,read chunk (lib/util.py:42) 4096000\n", text)


class SpeedscopeExportTest(ViewerTestCase):
    """--export=speedscope: speedscope's file format."""

    def test_golden(self):
        self.assert_golden("realapp-speedscope.expected", self.view(
            "--export=speedscope", "--at=loaded", "--filter=shop/*", REAL))

    def check(self, doc, total):
        """The fields speedscope requires; return the profile."""
        self.assertEqual(doc["$schema"],
                         "https://www.speedscope.app/file-format-schema.json")
        frames = doc["shared"]["frames"]
        self.assertIsInstance(frames, list)
        for frame in frames:
            self.assertIsInstance(frame["name"], str)
            self.assertTrue(frame["name"])
            if "line" in frame:
                self.assertIsInstance(frame["line"], int)
                self.assertIsInstance(frame["file"], str)
        self.assertEqual(len(doc["profiles"]), 1)
        self.assertEqual(doc["activeProfileIndex"], 0)
        self.assertIsInstance(doc["name"], str)
        profile = doc["profiles"][0]
        self.assertEqual(profile["type"], "sampled")
        self.assertEqual(profile["unit"], "bytes")
        self.assertIsInstance(profile["name"], str)
        self.assertEqual(profile["startValue"], 0)
        self.assertEqual(len(profile["samples"]), len(profile["weights"]))
        for stack in profile["samples"]:
            self.assertTrue(stack)
            for i in stack:
                self.assertIsInstance(i, int)
                self.assertTrue(0 <= i < len(frames))
        for w in profile["weights"]:
            self.assertIsInstance(w, int)
            self.assertGreaterEqual(w, 0)
        self.assertEqual(sum(profile["weights"]), total)
        self.assertEqual(profile["endValue"], total)
        return profile

    def test_required_fields_and_weights(self):
        for at, n in sorted(REAL_SNAPSHOTS.items()):
            with self.subTest(at=at):
                doc = json.loads(self.view("--export=speedscope",
                                           "--at=" + at, REAL))
                self.check(doc, heap_of(REAL, n))
        for path, n in (("basic.out", 6), ("nopeak.out", 1)):
            doc = json.loads(self.view("--export=speedscope", "--at=%d" % n,
                                       path))
            self.check(doc, heap_of(path, n))

    def test_samples_outermost_first(self):
        doc = json.loads(self.view("--export=speedscope", "--at=loaded",
                                   REAL))
        profile = self.check(doc, heap_of(REAL, 59))
        names = [f["name"] for f in doc["shared"]["frames"]]
        stacks = [[names[i] for i in s] for s in profile["samples"]]
        i = stacks.index(["<module> (realapp.py:40)",
                          "main (realapp.py:34)"])
        self.assertEqual(profile["weights"][i], 1048633)
        # Biggest first.
        self.assertEqual(profile["weights"],
                         sorted(profile["weights"], reverse=True))
        frame = doc["shared"]["frames"][profile["samples"][i][-1]]
        self.assertEqual(frame, {"name": "main (realapp.py:34)",
                                 "file": "realapp.py", "line": 34})

    def test_filtered(self):
        doc = json.loads(self.view("--export=speedscope", "--filter=shop/*",
                                   REAL))
        rows = cached_json("--format=json", "--filter=shop/*", REAL)
        self.check(doc, sum(r["bytes"] for r in rows))


class JsonExportTest(ViewerTestCase):
    """--export=json: everything, as documented in --help."""

    def test_golden(self):
        self.assert_golden("diffapp-old.export.json.expected", self.view(
            "--export=json", "--filter=grow*", "--depth=2", OLD))

    def test_everything(self):
        doc = cached_json("--export=json", REAL)
        self.assertEqual((doc["format"], doc["version"]),
                         ("pyheap-export", 1))
        self.assertEqual(doc["source"], {"file": REAL, "format_version": 1})
        self.assertEqual(doc["time_unit"], "B")
        self.assertEqual(doc["meta"]["cmd"],
                         "/usr/bin/python3.11 -S realapp.py")
        self.assertEqual(doc["peak"]["n"], 53)
        self.assertEqual(doc["peak"]["heap_bytes"],
                         int(doc["meta"]["peak_B"]))
        frames = {f["id"]: f for f in doc["frames"]}
        self.assertEqual([f["id"] for f in doc["frames"]], sorted(frames))
        self.assertEqual([s["n"] for s in doc["samples"]],
                         list(range(len(doc["samples"]))))
        self.assertEqual([(s["n"], s["kind"], s["label"])
                          for s in doc["snapshots"]],
                         [(34, "user", "indexed"), (53, "peak", None),
                          (59, "user", "loaded"), (61, "exit", None)])
        for snap in doc["snapshots"] + [doc["totals"]]:
            sums = {}
            for site in snap["sites"]:
                acc = sums.setdefault(site["class"], [0, 0])
                acc[0] += site["bytes"]
                acc[1] += site["blocks"]
                for fid in site["stack"]:
                    self.assertIn(fid, frames)
            self.assertEqual(
                {k: v for k, v in sums.items()},
                {k: [v["bytes"], v["blocks"]]
                 for k, v in snap["classes"].items() if v["blocks"]})
            sizes = [site["bytes"] for site in snap["sites"]]
            self.assertEqual(sizes, sorted(sizes, reverse=True))
        for snap in doc["snapshots"]:
            sample = doc["samples"][snap["n"]]
            self.assertEqual(sample["time"], snap["time"])
            self.assertEqual(sample["heap_bytes"], sum(
                c["bytes"] for c in snap["classes"].values()))
        loaded = doc["snapshots"][2]
        big = [s for s in loaded["sites"] if s["location"] == "realapp.py:34"
               and s["class"] == "python-large"]
        self.assertEqual(len(big), 1)
        self.assertEqual(big[0]["bytes"], 1048577)
        self.assertEqual([(frames[f]["file"], frames[f]["line"],
                           frames[f]["function"]) for f in big[0]["stack"]],
                         [("realapp.py", 34, "main"),
                          ("realapp.py", 40, "<module>")])

    def test_native_frames(self):
        doc = self.json_export("basic.out")
        frames = {f["id"]: f for f in doc["frames"]}
        self.assertEqual(frames[8], {
            "id": 8, "kind": "c", "ip": "0x7f00004a1f0",
            "function": "init_tables", "file": None, "line": 0,
            "object": "/usr/lib/x86_64-linux-gnu/libfoo.so.1"})
        self.assertEqual(frames[2], {"id": 2, "kind": "py", "file": "app.py",
                                     "line": 8, "function": "load"})
        exit_sites = doc["snapshots"][-1]["sites"]
        self.assertIn({"location": "(unknown)", "function": "", "class": "raw",
                       "bytes": 4096, "blocks": 2, "stack": []}, exit_sites)

    def json_export(self, *args):
        return json.loads(self.view("--export=json", *args))

    def test_one_object_per_line(self):
        text = self.view("--export=json", OLD)
        json.loads(text)
        for line in text.splitlines():
            if line.lstrip().startswith('{"location"'):
                json.loads(line.rstrip(","))


class OutputFileTest(ViewerTestCase):
    """-o FILE: the same bytes in a file, nothing on stdout."""

    def test_every_output(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "out")
            for args in (["basic.out"], ["--format=json", "basic.out"],
                         ["--format=csv", "--by=module", "basic.out"],
                         ["--export=massif", "basic.out"],
                         ["--export=collapsed", "basic.out"],
                         ["--export=speedscope", "basic.out"],
                         ["--export=json", "basic.out"],
                         ["--annotate=app.py", "basic.out"],
                         ["--diff", "--at=2", "--at2=peak", "basic.out"]):
                with self.subTest(args=args):
                    # (The text report's header shows the arguments.)
                    expected = self.view(*args).replace(
                        "pyheap_print args:  ", "pyheap_print args:  -o %s "
                        % path)
                    self.assertEqual(self.view("-o", path, *args), "")
                    with open(path, encoding="utf-8") as f:
                        self.assertEqual(f.read(), expected)
                    os.remove(path)
                    self.assertEqual(self.view("--output=" + path, *args),
                                     "")
                    self.assertTrue(os.path.isfile(path))

    def test_cannot_write(self):
        with tempfile.TemporaryDirectory() as tmp:
            line = self.assert_error(["-o", tmp, "basic.out"], 1)
            self.assertEqual(line, "pyheap_print: error: %s: Is a directory"
                             % tmp)
            missing = os.path.join(tmp, "no", "such")
            self.assert_error(["--export=json", "-o", missing, "basic.out"],
                              1, "%s: No such file or directory" % missing)
            # A bad input file leaves no output file.
            out = os.path.join(tmp, "never")
            self.assert_error(["-o", out, "no-such.out"], 1)
            self.assertFalse(os.path.exists(out))


class DeterminismTest(ViewerTestCase):
    """Exports and new views repeat byte for byte."""

    def test_hash_seeds(self):
        for args in (["--export=massif", OLD], ["--export=collapsed", OLD],
                     ["--export=speedscope", OLD], ["--export=json", OLD],
                     ["--diff", "--at=end", OLD, "diffapp-new.out"],
                     ["--format=csv", "--by=package", OLD],
                     ["--annotate=realapp.py", REAL]):
            with self.subTest(args=args):
                outputs = set()
                for seed in ("0", "1", "4242"):
                    status, out, _ = run_viewer(
                        args, env_extra={"PYTHONHASHSEED": seed,
                                         "LC_ALL": "C"})
                    self.assertEqual(status, 0)
                    outputs.add(out)
                self.assertEqual(len(outputs), 1)


class FuzzModesTest(unittest.TestCase):
    """Damaged copies of basic.out through the new modes: status 0 or 1,
    one error line, never a crash (as test_viewer.FuzzTest does for the
    text and JSON reports)."""

    N_CASES = 150
    SEED = 20240602
    MODES = (
        ["--format=csv"], ["--by=module"], ["--format=json", "--by=package"],
        ["--format=json", "--by=class"], ["--depth=2", "--filter=*a*"],
        ["--export=massif"], ["--export=collapsed"], ["--export=speedscope"],
        ["--export=json"], ["--annotate=" + os.path.join(DATA, "app.py")],
    )

    def run_in_process(self, args):
        return support.run_in_process(args)

    def fuzz(self, good_path, min_failures, min_successes):
        with open(good_path, "rb") as f:
            self.good = f.read()
        statuses = {0: 0, 1: 0}
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "fuzz.out")
            cases = list(support.damaged_copies(self.good, self.N_CASES,
                                                self.SEED))
            for i, (name, kind, data) in enumerate(cases):
                with open(path, "wb") as f:
                    f.write(data)
                runs = [self.MODES[i % len(self.MODES)] + [path],
                        ["--diff", good_path, path]]
                for args in runs:
                    with self.subTest(name, args=args[:-1]):
                        status, out, err = self.run_in_process(args)
                        self.assertIn(status, (0, 1))
                        statuses[status] += 1
                        if status == 0:
                            self.assertEqual(err, b"")
                            if "json" in " ".join(args) or \
                                    "speedscope" in args[0]:
                                json.loads(out.decode("utf-8"))
                        else:
                            self.assertEqual(out, b"")
                            self.assertEqual(err.count(b"\n"), 1, err)
                            self.assertTrue(err.startswith(
                                b"pyheap_print: error: "), err)
                        if kind == 3 and len(data) < len(self.good):
                            self.assertEqual(status, 1, err)
        self.assertGreater(statuses[1], min_failures)
        self.assertGreater(statuses[0], min_successes)

    def test_damaged_files(self):
        self.fuzz(os.path.join(DATA, "basic.out"), 150, 10)

    def test_damaged_typed_and_region_files(self):
        with tempfile.TemporaryDirectory() as tmp:
            self.fuzz(support.typed_region_file(tmp), 150, 10)


if __name__ == "__main__":
    unittest.main()
