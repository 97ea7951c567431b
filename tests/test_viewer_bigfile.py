"""Tests of pyheap_print on files with many sites: the reader's fast path, chunk boundaries, streamed exports."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The reader takes runs of `b` records a run at a time, and the massif and
# JSON exports are written one snapshot at a time in a second pass over
# the file (pyheap/pyheap_viewer/reader.py, exports/massif.py and
# exports/json_export.py).  These tests use files
# written here (make_file(): seeded, valid, with thousands of sites per
# snapshot), read with chunks far smaller than a run so that runs,
# records and lines are cut at every possible place, and check that
#   - what is read is what the file says, whatever the chunk size;
#   - a damaged record in the middle of a run gets the same error line
#     (same line number) as the per-line parser gives it;
#   - the streamed exports are byte for byte the in-memory ones;
#   - damaged copies never give a traceback, in every mode.
# The figures for real 100-250 MB files are in bench/README.md.

import json
import os
import random
import tempfile
import unittest

import support

CLASSES = ("raw", "pymalloc", "python-large")


def make_file(path, n_stacks=600, n_snapshots=6, n_sites=900, seed=1):
    """Write a valid format-1 file; return {"snapshots": [[(kid, class,
    bytes, blocks)] per snapshot], "totals": [...], "n_lines": N}."""
    rnd = random.Random(seed)
    lines = ["pyheap-out 1", "meta cmd python3 src/gen.py",
             "meta time_unit B", "meta depth 30", "meta native no",
             "meta python 3.11.2", "meta hooks installed"]
    names = ["src/gen.py", "/usr/lib/python3.11/json/encoder.py",
             "<module>", "work", "JSONEncoder.iterencode", "f\\tab",
             "caf\u00e9", "dict"]
    body = ["s %d %s" % (i, name) for i, name in enumerate(names)]
    n_frames = 40
    for fid in range(n_frames):
        body.append("f %d py %d %d %d" % (fid, rnd.randrange(2),
                                          rnd.randrange(1, 300),
                                          rnd.randrange(2, 7)))
    body.append("f %d c 0x7f0000001000 -1 -1 0 -1" % n_frames)
    for kid in range(n_stacks):
        parent = rnd.randrange(-1, kid) if kid else -1
        body.append("k %d %d %d" % (kid, parent, rnd.randrange(n_frames + 1)))
    snaps = []
    for _ in range(n_snapshots):
        rows = {}
        for _ in range(n_sites):
            key = (rnd.randrange(-1, n_stacks), rnd.randrange(3))
            rows[key] = (rnd.choice((16, 32, 48, 4096, rnd.randrange(10**7))),
                         rnd.randrange(1, 300))
        site_rows = sorted(((k, c, b, n) for (k, c), (b, n) in rows.items()),
                           key=lambda r: (-r[2], r[0], r[1]))
        snaps.append(site_rows)
    heaps = [sum(r[2] for r in rows) for rows in snaps]
    peak = heaps.index(max(heaps))
    for i, rows in enumerate(snaps):
        body.append("t %d %d %d %d %d %d %d %d %d" % (
            i, i * 1000, heaps[i], sum(r[3] for r in rows),
            *[sum(r[2] for r in rows if r[1] == c) for c in range(3)],
            1048576, 1))
    for i, rows in enumerate(snaps):
        kind = ("peak" if i == peak else
                "exit" if i == len(snaps) - 1 else "detailed")
        body.append("snapshot %d %d %s" % (i, i * 1000, kind))
        for c in range(3):
            body.append("c %s %d %d" % (
                CLASSES[c], sum(r[2] for r in rows if r[1] == c),
                sum(r[3] for r in rows if r[1] == c)))
        body.append("a 1 1048576 1000 1024 16384")
        body.extend("b %d %s %d %d" % (k, CLASSES[c], b, n)
                    for k, c, b, n in rows)
        if kind == "exit":
            body.extend("y %d %s %d %d %d" % (k, CLASSES[c], 7, b, n)
                        for k, c, b, n in rows if c)
        body.append("end-snapshot")
    totals = sorted(((k, c, b * 3, n * 3) for k, c, b, n in snaps[0]),
                    key=lambda r: (-r[2], r[0], r[1]))
    body.extend("tot %d %s %d %d" % (k, CLASSES[c], b, n)
                for k, c, b, n in totals)
    lines[2:2] = ["meta peak_time %d" % (peak * 1000),
                  "meta peak_B %d" % heaps[peak]]
    lines.extend(body)
    lines.append("end-of-file %d" % len(lines))
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return {"snapshots": snaps, "totals": totals, "n_lines": len(lines)}


# Chunk sizes: a record cut at every place, a run cut many times, the
# default (the whole file in one chunk).
CHUNKS = (1, 7, 97, 4096, 65536, None)
# The same, quicker.
SOME_CHUNKS = (7, 4096, None)


class BigFileTestCase(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.reader = support.viewer_module("reader")
        cls.default_chunk = cls.reader.CHUNK_SIZE
        cls.tmp = tempfile.TemporaryDirectory()
        cls.path = os.path.join(cls.tmp.name, "many.out")
        cls.expected = make_file(cls.path)
        # The source that the Python frames of src/gen.py point at.
        cls.source = os.path.join(cls.tmp.name, "src", "gen.py")
        os.mkdir(os.path.dirname(cls.source))
        with open(cls.source, "w", encoding="utf-8") as f:
            f.write("".join("x%d = [0] * %d\n" % (i, i) for i in range(300)))
        with open(cls.path, "rb") as f:
            cls.data = f.read()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def tearDown(self):
        self.reader.CHUNK_SIZE = self.default_chunk

    def chunk(self, size):
        self.reader.CHUNK_SIZE = size or self.default_chunk

    def main(self, args):
        """Run the viewer's main() in this process: (status, out, err)."""
        return support.run_in_process(args)


class ReaderTest(BigFileTestCase):
    """What is read is what the file says, whatever the chunk size."""

    def test_sites_and_totals(self):
        for size in CHUNKS:
            with self.subTest(chunk=size):
                self.chunk(size)
                prof = self.reader.read_profile(
                    self.path, want_sites=lambda kind, n, label: True,
                    want_totals=True)
                self.assertEqual(prof.n_lines, self.expected["n_lines"])
                self.assertEqual(len(prof.snapshots),
                                 len(self.expected["snapshots"]))
                for snap, rows in zip(prof.snapshots,
                                      self.expected["snapshots"]):
                    self.assertEqual(list(snap.sites), rows)
                    self.assertEqual(snap.n_sites, len(rows))
                    for c in range(3):
                        self.assertEqual(snap.classes[c][0], sum(
                            r[2] for r in rows if r[1] == c))
                self.assertEqual(list(prof.totals), self.expected["totals"])
                self.assertEqual(len(prof.stack_parent), 600)

    def test_sites_dropped_but_counted(self):
        for size in (97, None):
            with self.subTest(chunk=size):
                self.chunk(size)
                prof = self.reader.read_profile(self.path)
                self.assertEqual([s.sites for s in prof.snapshots],
                                 [None] * len(prof.snapshots))
                self.assertEqual([s.n_sites for s in prof.snapshots],
                                 [len(r) for r in self.expected["snapshots"]])

    def test_on_snapshot_hands_over_each_snapshot_then_drops_it(self):
        seen = []

        def take(profile, snap):
            self.assertEqual(len(profile.stack_parent), 600)
            seen.append(list(snap.sites))

        self.chunk(4096)
        prof = self.reader.read_profile(
            self.path, want_sites=lambda kind, n, label: True,
            on_snapshot=take)
        self.assertEqual(seen, self.expected["snapshots"])
        self.assertEqual([s.sites for s in prof.snapshots],
                         [None] * len(prof.snapshots))

    def test_reports_do_not_depend_on_the_chunk_size(self):
        for args in ([], ["--format=json", "--by=stack"],
                     ["--export=collapsed"], ["--at=exit", "--by=type"]):
            outputs = set()
            for size in CHUNKS:
                self.chunk(size)
                status, out, err = self.main(args + [self.path])
                self.assertEqual((status, err), (0, b""), args)
                outputs.add(out)
            self.assertEqual(len(outputs), 1, args)


class RunErrorTest(BigFileTestCase):
    """A bad record in the middle of a run of `b` records: the per-line
    parser's error line, at the right line number, at any chunk size."""

    def damaged(self, new):
        """The file with the 500th `b` record of the third snapshot
        replaced by new(its fields); its line number."""
        lines = self.data.split(b"\n")
        starts = [i for i, line in enumerate(lines)
                  if line.startswith(b"snapshot ")]
        index = starts[2] + 5 + 500
        self.assertTrue(lines[index].startswith(b"b "))
        parts = lines[index].split(b" ")
        lines[index] = new(parts)
        return b"\n".join(lines), index + 1

    def check(self, new, message):
        data, lineno = self.damaged(new)
        path = os.path.join(self.tmp.name, "bad.out")
        with open(path, "wb") as f:
            f.write(data)
        for size in SOME_CHUNKS:
            for args in ([path], ["--export=json", path],
                         ["--diff", self.path, path]):
                with self.subTest(chunk=size, args=args[:-1]):
                    self.chunk(size)
                    status, out, err = self.main(args)
                    self.assertEqual(status, 1)
                    self.assertEqual(out, b"")
                    self.assertEqual(
                        err.decode("utf-8"), "pyheap_print: error: %s: line "
                        "%d: %s\n" % (path, lineno, message))

    def test_unknown_class(self):
        self.check(lambda p: b" ".join(p[:2] + [b"rawr"] + p[3:]),
                   "'b' record: field 3 (class_name): unknown class 'rawr' "
                   "(expected raw, pymalloc or python-large)")

    def test_bad_number(self):
        self.check(lambda p: b" ".join(p[:3] + [b"12x4"] + p[4:]),
                   "'b' record: field 4 (bytes): expected a non-negative "
                   "integer, got '12x4'")
        self.check(lambda p: b" ".join(p[:4] + [b"-3"]),
                   "'b' record: field 5 (blocks): expected a non-negative "
                   "integer, got '-3'")

    def test_undefined_stack(self):
        self.check(lambda p: b" ".join([p[0], b"600"] + p[2:]),
                   "'b' record: field 2 (kid): stack id 600 is not defined "
                   "(600 defined so far)")
        self.check(lambda p: b" ".join([p[0], b"-2"] + p[2:]),
                   "'b' record: field 2 (kid): expected a non-negative "
                   "integer or -1, got '-2'")

    def test_field_count(self):
        self.check(lambda p: b" ".join(p[:4]),
                   "'b' record: expected 5 fields, got 4")
        self.check(lambda p: b" ".join(p) + b" ",
                   "'b' record: expected 5 fields, got 6")
        self.check(lambda p: b" ".join(p[:2]) + b"  " + b" ".join(p[2:]),
                   "'b' record: expected 5 fields, got 6")

    def test_other_records_in_a_run(self):
        self.check(lambda p: b"", "empty line")
        self.check(lambda p: b"c raw 1 1",
                   "'c' record out of order in the snapshot begun at line "
                   "%d (expected 3 'c' records, one 'a', then 'b' records, "
                   "then 'y' records)" % (self.snapshot_line(2)))
        self.check(lambda p: b"t 0 0 0 0 0 0 0 0 0",
                   "'t' record inside the snapshot begun at line %d (no "
                   "end-snapshot)" % (self.snapshot_line(2)))

    def snapshot_line(self, i):
        lines = self.data.split(b"\n")
        return [n for n, line in enumerate(lines, 1)
                if line.startswith(b"snapshot ")][i]

    def test_truncated_in_a_run(self):
        cut = self.data.index(b"\nb ", len(self.data) // 2) + 4
        path = os.path.join(self.tmp.name, "cut.out")
        with open(path, "wb") as f:
            f.write(self.data[:cut])
        lineno = self.data[:cut].count(b"\n") + 1
        for size in SOME_CHUNKS:
            for args in ([path], ["--export=massif", path],
                         ["--export=json", path]):
                with self.subTest(chunk=size, args=args[:-1]):
                    self.chunk(size)
                    status, out, err = self.main(args)
                    self.assertEqual((status, out), (1, b""))
                    self.assertEqual(
                        err.decode("utf-8"), "pyheap_print: error: %s: line "
                        "%d: truncated: the last line is incomplete (no "
                        "newline at the end of the file)\n" % (path, lineno))


class StreamedExportTest(BigFileTestCase):
    """--export=massif and --export=json, written one snapshot at a time,
    are the exports of the whole profile read at once."""

    def in_memory(self, args):
        opts = support.viewer_module("cli").parse_args(args)
        # Inputs as the reports of the user view read (the default): the
        # exports name sites by their innermost frame all the same.
        inputs = support.viewer_module("reports.base").Inputs(opts)
        every = support.viewer_module("model").every_snapshot
        if opts.export == "massif":
            view = inputs.read(sites=every)
            return support.viewer_module("exports.massif").export_massif(
                view.profile, opts.threshold)
        view = inputs.read(sites=every, totals=True)
        return support.viewer_module("exports.json_export").export_json(view)

    def test_same_as_in_memory(self):
        files = [self.path] + [os.path.join(support.VIEWER_DATA, name)
                               for name in ("basic.out", "realapp.out",
                                            "nopeak.out", "spec-sample.out")]
        for path in files:
            for export in ("massif", "json"):
                for view in ([], ["--depth=2"], ["--filter=*gen.py"],
                             ["--filter=*app*", "--depth=1"],
                             ["--filter=src/*", "--depth=3"],
                             ["--threshold=0"] if export == "massif" else
                             ["--filter=no-such-frame"]):
                    args = ["--export=" + export] + view + [path]
                    with self.subTest(args=args):
                        self.chunk(4096)
                        status, out, err = self.main(args)
                        self.assertEqual((status, err), (0, b""))
                        self.assertEqual(out.decode("utf-8"),
                                         self.in_memory(args))
                        if export == "json":
                            json.loads(out.decode("utf-8"))

    def test_snapshots_out_of_order(self):
        # The format puts snapshots in the order of their samples; a file
        # that does not breaks a rule and is refused, streamed or not.
        blocks = self.data.split(b"\nsnapshot ")
        tail = blocks[-1].split(b"end-snapshot\n", 1)
        self.assertEqual(len(tail), 2)
        blocks = [blocks[0], tail[0] + b"end-snapshot"] + blocks[1:-1]
        data = b"\nsnapshot ".join(blocks) + b"\n" + tail[1]
        self.assertEqual(len(data), len(self.data))
        firsts = [line for line in data.split(b"\n")
                  if line.startswith(b"snapshot ")][:2]
        self.assertGreater(int(firsts[0].split()[1]),
                           int(firsts[1].split()[1]))
        path = os.path.join(self.tmp.name, "unordered.out")
        with open(path, "wb") as f:
            f.write(data)
        for args in (["--export=massif", path], ["--export=json", path]):
            with self.subTest(args=args):
                status, out, err = self.main(args)
                self.assertEqual((status, out), (1, b""))
                self.assertEqual(err.count(b"\n"), 1, err)
                self.assertIn(b"snapshots come in the order of their "
                              b"samples", err)

    def test_output_file(self):
        out = os.path.join(self.tmp.name, "x.json")
        status, stdout, err = self.main(["--export=json", "-o", out,
                                         self.path])
        self.assertEqual((status, stdout, err), (0, b"", b""))
        with open(out, encoding="utf-8") as f:
            self.assertEqual(f.read(), self.in_memory(["--export=json",
                                                       self.path]))


class EveryModeErrorTest(BigFileTestCase):
    """A missing, future-version, truncated or byte-flipped file: the same
    one error line (status 1, nothing on stdout) in every mode; an unknown
    option: status 2 in every mode."""

    MODES = (
        [], ["--format=json"], ["--format=csv"], ["--by=stack"],
        ["--at=exit", "--by=type"], ["--annotate=SOURCE"],
        ["--export=massif"], ["--export=collapsed"], ["--export=speedscope"],
        ["--export=json"], ["--export=json", "-o", "OUT"],
        ["--diff", "GOOD"], ["--diff", "--at=peak", "--at2=exit"],
        ["--retainers"], ["--retainers", "--format=json"],
    )

    def modes(self, path):
        out = os.path.join(self.tmp.name, "out.json")
        for mode in self.MODES:
            args = [arg.replace("SOURCE", self.source).replace("OUT", out)
                    for arg in mode]
            if "GOOD" in args:
                # The bad file first, then second.
                yield [a for a in args if a != "GOOD"] + [path, self.path]
                yield [a for a in args if a != "GOOD"] + [self.path, path]
            else:
                yield args + [path]

    def check(self, data, message):
        path = os.path.join(self.tmp.name, "bad.out")
        if data is not None:
            with open(path, "wb") as f:
                f.write(data)
        elif os.path.exists(path):
            os.unlink(path)
        for args in self.modes(path):
            with self.subTest(args=args):
                self.chunk(4096)
                status, out, err = self.main(args)
                self.assertEqual((status, out), (1, b""), err)
                self.assertEqual(err.decode("utf-8"),
                                 "pyheap_print: error: %s: %s\n"
                                 % (path, message))
                # -o FILE is not even created.
                self.assertFalse(os.path.exists(os.path.join(
                    self.tmp.name, "out.json")))

    def test_missing(self):
        self.check(None, "No such file or directory")

    def test_future_version(self):
        self.check(b"pyheap-out 4" + self.data[len(b"pyheap-out 1"):],
                   "line 1: unsupported format version 4 (this pyheap_print "
                   "0.1.0 reads version 1, 2, 3; a newer pyheap_print is "
                   "needed)")

    def test_truncated(self):
        cut = self.data.rindex(b"\nb ") + 1
        self.check(self.data[:cut], "line %d: truncated: the file ends "
                   "inside the snapshot begun at line %d"
                   % (self.data[:cut].count(b"\n"), self.data[:cut].count(
                       b"\n", 0, self.data[:cut].rindex(b"\nsnapshot "))
                      + 2))

    def test_byte_flipped(self):
        # The stack id of a `b` record of the last snapshot made undefined.
        data = bytearray(self.data)
        at = self.data.rindex(b"\nb ") + 3
        data[at:at + 1] = b"9"
        lineno = self.data.count(b"\n", 0, at) + 1
        line = bytes(data).split(b"\n")[lineno - 1]
        kid = int(line.split(b" ")[1])
        self.assertGreaterEqual(kid, 600)
        self.check(bytes(data), "line %d: 'b' record: field 2 (kid): stack id "
                   "%d is not defined (600 defined so far)" % (lineno, kid))

    def test_unknown_option(self):
        for args in self.modes(self.path):
            with self.subTest(args=args):
                status, out, err = self.main(["--bogus"] + args)
                self.assertEqual((status, out), (2, b""))
                self.assertEqual(err.decode("utf-8"),
                                 "pyheap_print: error: unrecognized "
                                 "arguments: --bogus (see --help)\n")


class BigFuzzTest(BigFileTestCase):
    """Damaged copies of a file with many sites, read in small chunks, in
    every mode: status 0 or 1, one error line, never a traceback."""

    N_CASES = 60
    SEED = 20261201
    MODES = (
        [], ["--format=json"], ["--format=csv", "--by=stack"],
        ["--at=exit", "--by=type"], ["--depth=2", "--filter=*gen*"],
        ["--export=massif"], ["--export=collapsed"], ["--export=speedscope"],
        ["--export=json"], ["--annotate=SOURCE"],
    )

    def test_damaged_files(self):
        # FuzzTest's damages, on this file.
        self.good = self.data
        cases = list(support.damaged_copies(self.good, self.N_CASES,
                                            self.SEED))
        statuses = {0: 0, 1: 0}
        path = os.path.join(self.tmp.name, "fuzz.out")
        for i, (name, kind, data) in enumerate(cases):
            with open(path, "wb") as f:
                f.write(data)
            self.chunk((4096, 97, None)[i % 3])
            mode = [arg.replace("SOURCE", self.source)
                    for arg in self.MODES[i % len(self.MODES)]]
            for args in (mode + [path],
                         ["--diff", self.path, path]):
                with self.subTest(name, args=args[:-1]):
                    status, out, err = self.main(args)
                    self.assertIn(status, (0, 1))
                    statuses[status] += 1
                    if status == 0:
                        self.assertEqual(err, b"")
                        self.assertEqual(support.format_violations(data), [])
                    else:
                        self.assertEqual(out, b"")
                        self.assertEqual(err.count(b"\n"), 1, err)
                        self.assertTrue(err.startswith(
                            b"pyheap_print: error: "), err)
                    if kind == 3 and len(data) < len(self.good):
                        self.assertEqual(status, 1, err)
        # Most damages are caught; what is accepted keeps every rule.
        self.assertGreater(statuses[1], 60)


if __name__ == "__main__":
    unittest.main()
