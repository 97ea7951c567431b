"""Tests of pyheap_print --growth, --leaks and --type on generated format-1 files with known series."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# build_profile() writes a valid pyheap output file for a made-up batch job
# (app.py) whose figures are known exactly:
#
#   k2  app.py:10 process   the leak: LEAK_B (100,000 B, pymalloc, type
#                           Record) per iteration, never freed
#   k3  app.py:14 cache_get a cache: CACHE_B (10,000 B, type str) per
#                           iteration; bounded=True: it holds at most
#                           CACHE_ITERS iterations' entries (a plateau),
#                           bounded=False: it keeps all (a leak too)
#   k4  app.py:12 process   temporary work: allocated and freed inside each
#                           iteration, live only at the mid-iteration
#                           snapshots, with varying sizes (noise)
#   k5  app.py:16 native    RAW_B (4,096 B, raw) per iteration, never freed
#   k1  app.py:20 main      start-up: 500,000 B allocated in iteration 1
#
# Iteration k runs from time (k-1)*STEP to k*STEP: a detailed snapshot in
# its middle and, with marks=True, a mark snapshot at its end
# (mark_window WINDOW, `m` records of the last WINDOW birth iterations);
# then the peak and the exit snapshot (`y` records and, with marks, `m`
# records for every birth iteration).  thin=SET drops the `b` records of
# those marks, as --max-mark-snapshots does.

import json
import os
import subprocess
import sys
import tempfile
import unittest

import support

STEP = 1000000
LEAK_B = 100000
CACHE_B = 10000
CACHE_ITERS = 3
RAW_B = 4096
START_B = 500000
WINDOW = 4
NOISE = (20000, 5000, 45000, 0, 30000, 12000, 41000, 8000, 26000, 3000,
         37000, 15000, 22000, 44000, 1000, 33000)

# kid -> (parent, frame index); frames: (line, function)
FRAMES = [(30, "<module>"), (20, "main"), (10, "process"),
          (14, "cache_get"), (12, "process"), (16, "native")]
STACKS = [(-1, 0), (0, 1), (1, 2), (1, 3), (1, 4), (1, 5)]
CLASS_OF = {1: "pymalloc", 2: "pymalloc", 3: "pymalloc", 4: "pymalloc",
            5: "raw"}
TYPE_OF = {1: "dict", 2: "Record", 3: "str", 4: "list"}


def births_at(k, iters, bounded):
    """{(kid, birth): bytes} live at the end of iteration k (k <= iters)
    or at exit (k = iters + 1, after half an iteration more)."""
    out = {(1, 1): START_B}
    for j in range(1, k + 1):
        if j == iters + 1:
            out[(2, j)] = LEAK_B // 2
            continue
        out[(2, j)] = LEAK_B
        out[(5, j)] = RAW_B
        if not bounded or j > min(k, iters) - CACHE_ITERS:
            out[(3, j)] = CACHE_B
    return out


def build_profile(path, iters=12, marks=True, bounded=True, thin=(),
                  label="batch", regions=()):
    strings = ["app.py", "<module>", "main", "process", "cache_get",
               "native", "Record", "str", "dict", "list"]
    sid = {s: i for i, s in enumerate(strings)}
    lines = ["pyheap-out 1",
             "meta cmd python3 app.py",
             "meta pid 4242", "meta pyheap 0.1.0", "meta valgrind 3.19.0",
             "meta options --time-unit=B", "meta time_unit B",
             "meta depth 30", "meta native no", "meta python 3.11.2",
             "meta hooks installed"]
    if marks:
        lines += ["meta marks %d" % iters, "meta mark_window %d" % WINDOW]
    lines += ["s %d %s" % (i, s) for i, s in enumerate(strings)]
    lines += ["f %d py 0 %d %d" % (i, line, sid[fn])
              for i, (line, fn) in enumerate(FRAMES)]
    lines += ["k %d %d %d" % (i, parent, fid)
              for i, (parent, fid) in enumerate(STACKS)]
    snaps = []      # (time, kind, label, {kid: bytes}, births or None)
    for k in range(1, iters + 1):
        live = births_at(k, iters, bounded)
        mid = births_at(k - 1, iters, bounded) if k > 1 else {}
        sites = {}
        for (kid, _), nbytes in mid.items():
            sites[kid] = sites.get(kid, 0) + nbytes
        sites[1] = START_B
        noise = NOISE[k % len(NOISE)]
        if noise:
            sites[4] = noise
        snaps.append(((k - 1) * STEP + STEP // 2, "detailed", None, sites,
                      None, True))
        if k <= len(regions):
            # A region closed at 3/4 of the iteration, which left
            # regions[k-1][1] bytes at the leak's line.
            name, left = regions[k - 1]
            snaps.append(((k - 1) * STEP + 3 * STEP // 4, "region", name,
                          {2: left}, None, True))
        if marks:
            sites = {}
            for (kid, _), nbytes in live.items():
                sites[kid] = sites.get(kid, 0) + nbytes
            window = {key: v for key, v in live.items()
                      if key[1] > k - WINDOW}
            snaps.append((k * STEP, "mark", label, sites, window,
                          k not in thin))
    final = births_at(iters + 1, iters, bounded)
    sites = {}
    for (kid, _), nbytes in final.items():
        sites[kid] = sites.get(kid, 0) + nbytes
    end = iters * STEP + STEP // 2
    snaps.append((end - 1000, "peak", None, dict(sites), None, True))
    snaps.append((end, "exit", None, sites, final if marks else None, True))
    lines.append("t 0 0 0 0 0 0 0 0 0")
    body = []
    for n, (time, kind, lab, full, births, with_b) in enumerate(snaps, 1):
        sites = full if with_b else None
        cls = {"raw": [0, 0], "pymalloc": [0, 0], "python-large": [0, 0]}
        totals = full
        if kind == "region":
            # The class lines are the whole heap's.
            totals = snaps[n - 2][3]
        for kid, nbytes in totals.items():
            acc = cls[CLASS_OF[kid]]
            acc[0] += nbytes
            acc[1] += max(1, nbytes // 100)
        heap = sum(v[0] for v in cls.values())
        blocks = sum(v[1] for v in cls.values())
        pym = cls["pymalloc"][0]
        lines.append("t %d %d %d %d %d %d %d %d %d"
                     % (n, time, heap, blocks, cls["raw"][0], pym,
                        cls["python-large"][0], 1048576 * 2, 2))
        rec = ["snapshot %d %d %s%s" % (n, time, kind,
                                        " " + lab if lab else "")]
        rec += ["c %s %d %d" % (name, cls[name][0], cls[name][1])
                for name in ("raw", "pymalloc", "python-large")]
        rec.append("a 2 2097152 %d %d 16384" % (pym, pym))
        if sites is not None:
            for kid, nbytes in sorted(sites.items(),
                                      key=lambda kv: (-kv[1], kv[0])):
                rec.append("b %d %s %d %d" % (kid, CLASS_OF[kid], nbytes,
                                              max(1, nbytes // 100)))
        if kind == "exit":
            for kid, nbytes in sorted(sites.items(),
                                      key=lambda kv: (-kv[1], kv[0])):
                if CLASS_OF[kid] != "raw":
                    rec.append("y %d %s %d %d %d"
                               % (kid, CLASS_OF[kid],
                                  sid[TYPE_OF[kid]], nbytes,
                                  max(1, nbytes // 100)))
        if births is not None:
            for (kid, birth), nbytes in sorted(
                    births.items(), key=lambda kv: (kv[0][1], -kv[1],
                                                    kv[0][0])):
                rec.append("m %d %s %d %d %d"
                           % (kid, CLASS_OF[kid], birth, nbytes,
                              max(1, nbytes // 100)))
        rec.append("end-snapshot")
        body.extend(rec)
    lines.extend(body)
    lines.append("tot 2 pymalloc %d %d" % (LEAK_B * iters, iters * 1000))
    lines.append("end-of-file %d" % len(lines))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def run_viewer(args, cwd=None):
    return subprocess.run([sys.executable, support.VIEWER] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, cwd=cwd,
                          env=dict(os.environ, PYHEAP_PRINT_DEBUG=""))


class GeneratedTestCase(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="pyheap-growth-")
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def profile(self, name="app.out", **kw):
        return build_profile(os.path.join(self.dir, name), **kw)

    def ok(self, args):
        proc = run_viewer(args, cwd=self.dir)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stderr, "")
        return proc.stdout

    def json(self, args):
        return json.loads(self.ok(args + ["--format=json"]))

    def fails(self, args, status, message):
        proc = run_viewer(args, cwd=self.dir)
        self.assertEqual(proc.returncode, status, proc.stdout + proc.stderr)
        self.assertEqual(proc.stdout, "")
        self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)
        self.assertIn(message, proc.stderr)
        self.assertNotIn("Traceback", proc.stderr)


DATA = os.path.join(support.SRCDIR, "tests", "data", "leakhunt")
REGEN = bool(os.environ.get("PYHEAP_REGEN"))


class GoldenTest(GeneratedTestCase):
    """The text reports of the generated profiles, byte for byte
    (tests/data/leakhunt/*.expected; PYHEAP_REGEN=1 rewrites them, then
    review `git diff tests/data/leakhunt`)."""

    def assert_golden(self, name, text):
        path = os.path.join(DATA, name)
        if REGEN:
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
        with open(path, encoding="utf-8", newline="") as f:
            expected = f.read()
        self.assertEqual(text, expected, "output differs from " + name)

    def test_growth(self):
        self.profile(marks=False)
        self.assert_golden("growth.expected",
                           self.ok(["--growth", "--no-source", "app.out"]))
        self.assert_golden("growth.csv.expected",
                           self.ok(["--growth", "--format=csv", "app.out"]))

    def test_leaks(self):
        self.profile(thin={5, 7})
        self.assert_golden("leaks.expected",
                           self.ok(["--leaks", "--no-source", "app.out"]))

    def test_check(self):
        self.profile(regions=[("load", 300000)])
        args = ["--check", "--max-growth-per-iter=50KB", "--max-peak=10MB",
                "--max-region=load=100KB", "--junit-xml=pyheap.xml",
                "app.out"]
        proc = run_viewer(args, cwd=self.dir)
        self.assertEqual(proc.returncode, 3, proc.stderr)
        self.assert_golden("check.expected", proc.stdout)
        with open(os.path.join(self.dir, "pyheap.xml")) as f:
            self.assert_golden("check.xml.expected", f.read())


class GrowthTest(GeneratedTestCase):
    """--growth ranks the steady climbers first and leaves plateaus out."""

    def by_location(self, doc):
        return {s["location"]: s for s in doc["sites"]}

    def test_leak_ranks_first_cache_plateau_not_growing(self):
        path = self.profile(marks=False)
        doc = self.json(["--growth", path])
        sites = self.by_location(doc)
        self.assertEqual(doc["sites"][0]["location"], "app.py:10")
        leak = sites["app.py:10"]
        self.assertTrue(leak["growing"])
        self.assertEqual(leak["verdict"], "growing")
        # Only the peak and the exit, equal, tie.
        self.assertGreater(leak["tau"], 0.99)
        self.assertGreater(leak["late_tau"], 0.95)
        # 100,000 B per iteration of 1,000,000 time units: 0.1 B per unit.
        self.assertAlmostEqual(leak["rate_bytes_per_time_unit"], 0.1,
                               places=6)
        self.assertEqual(leak["dominant_type"]["type"], "Record")
        self.assertEqual(leak["stack"][0], {"location": "app.py:10",
                                            "function": "process"})
        self.assertEqual(leak["stack"][-1]["function"], "<module>")
        # The raw leak grows too; the plateau, the start-up and the noise
        # do not.
        self.assertTrue(sites["app.py:16"]["growing"])
        self.assertFalse(sites["app.py:14"]["growing"])
        self.assertEqual(sites["app.py:14"]["verdict"], "plateau")
        self.assertFalse(sites["app.py:20"]["growing"])
        self.assertFalse(sites["app.py:12"]["growing"])
        self.assertEqual(doc["growing"], 2)
        # Ranked: the growing sites first.
        ranks = [s["location"] for s in doc["sites"]]
        self.assertLess(ranks.index("app.py:16"), ranks.index("app.py:14"))

    def test_unbounded_cache_is_growing(self):
        path = self.profile(marks=False, bounded=False)
        sites = self.by_location(self.json(["--growth", path]))
        self.assertTrue(sites["app.py:14"]["growing"])
        self.assertAlmostEqual(sites["app.py:14"]["rate_bytes_per_time_unit"],
                               0.01, places=6)

    def test_outlier_does_not_move_the_slope(self):
        # The peak snapshot is a spike of 50 MB at the leak's line: the
        # Theil-Sen slope and the ranking stay.
        path = self.profile(marks=False)
        with open(path) as f:
            text = f.read()
        lines = text.splitlines()
        out = []
        in_peak = False
        for line in lines[:-1]:
            if line.startswith("snapshot ") and line.endswith(" peak"):
                in_peak = True
            elif line == "end-snapshot":
                in_peak = False
            if in_peak and line.startswith("b 2 pymalloc "):
                line = "b 2 pymalloc 50000000 1"
            out.append(line)
        out.append("end-of-file %d" % len(out))
        with open(path, "w") as f:
            f.write("\n".join(out) + "\n")
        sites = self.by_location(self.json(["--growth", path]))
        self.assertAlmostEqual(sites["app.py:10"]["rate_bytes_per_time_unit"],
                               0.1, places=6)
        self.assertFalse(sites["app.py:14"]["growing"])

    def test_temporaries_at_the_peak_are_no_fall(self):
        # A leak with a short life: 3 iterations, so its latter half is 3
        # points (the last detailed snapshot, the peak, the exit).  The
        # peak catches 700 B of the iteration's temporaries at the leak's
        # line, gone at the exit a moment later.  A fall of 0.2% of the
        # site's bytes ties; it must not make the leak a plateau (it did:
        # late tau 0.33).  A real fall of a quarter still counts.
        def peak_leak(path, delta):
            with open(path) as f:
                lines = f.read().splitlines()[:-1]
            in_peak = False
            for i, line in enumerate(lines):
                if line.startswith("snapshot ") and line.endswith(" peak"):
                    in_peak = True
                elif line == "end-snapshot":
                    in_peak = False
                if in_peak and line.startswith("b 2 pymalloc "):
                    f = line.split()
                    f[3] = str(int(f[3]) + delta)
                    lines[i] = " ".join(f)
            lines.append("end-of-file %d" % len(lines))
            with open(path, "w") as f:
                f.write("\n".join(lines) + "\n")
            return path

        path = peak_leak(self.profile(marks=False, iters=3), 700)
        leak = self.by_location(self.json(["--growth", path]))["app.py:10"]
        self.assertAlmostEqual(leak["late_tau"], 2 / 6 ** 0.5, places=5)
        self.assertTrue(leak["growing"])
        self.assertEqual(leak["max_bytes"], 350700)
        path = peak_leak(self.profile("fall.out", marks=False, iters=3),
                         350000)
        leak = self.by_location(self.json(["--growth", path]))["app.py:10"]
        self.assertAlmostEqual(leak["late_tau"], 1 / 3, places=5)
        self.assertFalse(leak["growing"])

    def test_one_step_is_no_trend(self):
        # The fixed batch job on 3.13+: the last file's rows sit at the
        # parse line from the first parse on, the same bytes at every
        # later point.  With the rows present only at the peak and exit
        # (the parse phase is short), tau over that life is 0.82, but the
        # series rose once: a step, not growth.  Present at the last three
        # points with two rises, it is growth again.
        def rows_from(path, first_with, values):
            with open(path) as f:
                lines = f.read().splitlines()[:-1]
            out, n = [], 0
            for line in lines:
                if line.startswith("snapshot "):
                    n += 1
                if line.startswith("b 2 pymalloc "):
                    if n < first_with:
                        continue
                    f = line.split()
                    f[3] = str(values[min(n - first_with, len(values) - 1)])
                    line = " ".join(f)
                out.append(line)
            out.append("end-of-file %d" % len(out))
            with open(path, "w") as f:
                f.write("\n".join(out) + "\n")
            return path

        path = self.profile(marks=False, iters=6)
        with open(path) as f:
            n_snaps = sum(1 for ln in f if ln.startswith("snapshot "))
        step = rows_from(path, n_snaps - 1, [20000])
        leak = self.by_location(self.json(["--growth", step]))["app.py:10"]
        self.assertGreater(leak["tau"], 0.6, leak)
        self.assertFalse(leak["growing"], leak)
        rising = rows_from(self.profile("rise.out", marks=False, iters=6),
                           n_snaps - 2, [10000, 20000, 30000])
        leak = self.by_location(self.json(["--growth", rising]))["app.py:10"]
        self.assertTrue(leak["growing"], leak)

    def test_per_iteration_rate_with_marks(self):
        path = self.profile()
        sites = self.by_location(self.json(["--growth", path]))
        self.assertAlmostEqual(sites["app.py:10"]["per_iteration_bytes"],
                               LEAK_B)
        self.assertAlmostEqual(sites["app.py:14"]["per_iteration_bytes"], 0)

    def test_text_and_csv(self):
        path = self.profile(marks=False)
        text = self.ok(["--growth", "--no-source", path])
        self.assertIn("Growing:            2 of 5 lines", text)
        self.assertRegex(text, r"\n  1  growing .* process \(app\.py:10\)\n")
        self.assertIn("#1 process (app.py:10)", text)
        self.assertIn("type:       Record (100.00% of its Python bytes at "
                      "exit)", text)
        self.assertIn("stack:      process (app.py:10)", text)
        self.assertEqual(text, self.ok(["--growth", "--no-source", path]))
        csv_text = self.ok(["--growth", "--format=csv", path])
        rows = csv_text.splitlines()
        self.assertTrue(rows[0].startswith("rank,verdict,location,function,"))
        self.assertTrue(rows[1].startswith("1,growing,app.py:10,process,"))
        self.assertEqual(len(rows), 6)

    def test_by_function_and_filter(self):
        path = self.profile(marks=False)
        doc = self.json(["--growth", "--by=function", path])
        first = doc["sites"][0]
        self.assertEqual((first["location"], first["function"]),
                         ("app.py", "process"))
        self.assertTrue(first["growing"])
        doc = self.json(["--growth", "--filter=cache_get", path])
        self.assertEqual([s["location"] for s in doc["sites"]],
                         ["app.py:14"])

    def test_errors(self):
        path = self.profile(marks=False)
        self.fails(["--growth", "--by=type", path], 2,
                   "--by=type does not go with --growth")
        self.fails(["--growth", "--at=exit", path], 2,
                   "--at does not go with --growth")
        self.fails(["--min-tau=2", "--growth", path], 2,
                   "out of range (0 to 1)")
        self.fails(["--warmup=1", path], 2,
                   "--warmup goes with --growth, --leaks or --check")


class LeakTest(GeneratedTestCase):
    """--leaks: the `m` records of the marks."""

    def by_location(self, doc):
        return {s["location"]: s for s in doc["sites"]}

    def test_lag_and_warmup(self):
        path = self.profile()
        doc = self.json(["--leaks", path])
        self.assertEqual(doc["marks"], 12)
        self.assertEqual(doc["mark_window"], WINDOW)
        self.assertEqual(doc["leak_lag"], 1)
        self.assertEqual(doc["warmup"], 1)
        # j = 2 .. 11 (mark j+1 must exist).
        self.assertEqual(doc["iterations"], list(range(2, 12)))
        sites = self.by_location(doc)
        leak = sites["app.py:10"]
        self.assertEqual(doc["sites"][0]["location"], "app.py:10")
        self.assertEqual(leak["mean_bytes"], LEAK_B)
        self.assertEqual(leak["total_bytes"], LEAK_B * 10)
        self.assertEqual(leak["iterations"], 10)
        self.assertEqual(leak["growth_per_iteration"], LEAK_B)
        # Survivors born after warm-up: iterations 2..12 and half of 13.
        self.assertEqual(leak["survivor_bytes"], LEAK_B * 11 + LEAK_B // 2)
        self.assertEqual(leak["survivor_bytes_all"],
                         LEAK_B * 12 + LEAK_B // 2)
        self.assertEqual(leak["dominant_type"]["type"], "Record")
        # The bounded cache: its entries live CACHE_ITERS iterations, so
        # lag 1 still sees them, but it does not grow.
        cache = sites["app.py:14"]
        self.assertEqual(cache["mean_bytes"], CACHE_B)
        self.assertEqual(cache["growth_per_iteration"], 0)
        raw = sites["app.py:16"]
        self.assertEqual(raw["mean_bytes"], RAW_B)
        # Start-up is iteration 1: the warm-up.
        self.assertNotIn("app.py:20", [s["location"] for s in doc["sites"]
                                       if s["mean_bytes"]])

    def test_longer_lag_leaves_the_cache(self):
        path = self.profile()
        doc = self.json(["--leaks", "--leak-lag=3", "--warmup=2", path])
        self.assertEqual(doc["iterations"], list(range(3, 10)))
        sites = self.by_location(doc)
        self.assertEqual(sites["app.py:10"]["mean_bytes"], LEAK_B)
        self.assertEqual(sites["app.py:14"]["mean_bytes"], 0)

    def test_lag_must_be_below_the_window(self):
        path = self.profile()
        self.fails(["--leaks", "--leak-lag=4", path], 2,
                   "--leak-lag=4 must be less than the file's mark window (4")

    def test_no_marks(self):
        path = self.profile(marks=False)
        self.fails(["--leaks", path], 1, "the file has no mark snapshots")

    def test_thinned_marks(self):
        # Marks without `b` records still give their `m` records; the slope
        # comes from the others.
        path = self.profile(thin={3, 5, 6, 8, 9})
        doc = self.json(["--leaks", path])
        self.assertEqual(doc["thinned_marks"], 5)
        leak = self.by_location(doc)["app.py:10"]
        self.assertEqual(leak["mean_bytes"], LEAK_B)
        self.assertEqual(leak["growth_per_iteration"], LEAK_B)
        text = self.ok(["--leaks", "--no-source", path])
        self.assertIn("5 without sites (thinned)", text)
        # The massif export does not make them detailed.
        massif = self.ok(["--export=massif", path])
        self.assertEqual(massif.count("heap_tree=detailed") +
                         massif.count("heap_tree=peak"), 12 + 7 + 2)

    def test_text(self):
        path = self.profile()
        text = self.ok(["--leaks", "--no-source", path])
        self.assertIn('Marks:              12 (label "batch"), mark window 4',
                      text)
        self.assertIn("Iterations counted: 2 to 11 (10 iterations; "
                      "--warmup=1 skips the first)", text)
        self.assertRegex(text, r"\n  1 +100,000\.0 +1,000\.0 +100,000\.0 +"
                         r"1,150,000  process \(app\.py:10\)\n")
        self.assertIn("#1 process (app.py:10)", text)

    def test_mark_snapshots_are_snapshots(self):
        path = self.profile()
        # --at=LABEL names the last mark; its sites are the whole heap.
        rows = self.json(["--at=batch", path])
        leak = [r for r in rows if r["location"] == "app.py:10"][0]
        self.assertEqual(leak["bytes"], LEAK_B * 12)
        export = self.json_export(path)
        marks = [s for s in export["snapshots"] if s["kind"] == "mark"]
        self.assertEqual(len(marks), 12)
        self.assertEqual(marks[0]["births"][0]["birth_iteration"], 1)
        self.assertEqual(marks[0]["births"][0]["bytes"], START_B)

    def json_export(self, path):
        return json.loads(self.ok(["--export=json", path]))

    def test_bad_m_records(self):
        path = self.profile()
        with open(path) as f:
            text = f.read()
        for old, new, message in (
                ("m 2 pymalloc 1 100000 1000", "m 2 pymalloc x 100000 1000",
                 "'m' record: field 4 (birth_iter): expected a non-negative "
                 "integer"),
                ("m 2 pymalloc 1 100000 1000", "m 99 pymalloc 1 100000 1000",
                 "stack id 99 is not defined"),
                ("m 2 pymalloc 1 100000 1000", "m 2 pymalloc 1 100000",
                 "'m' record: expected 6 fields")):
            with self.subTest(new=new):
                bad = os.path.join(self.dir, "bad.out")
                with open(bad, "w") as f:
                    f.write(text.replace(old, new, 1))
                self.fails(["--leaks", bad], 1, message)


class TypeFilterTest(GeneratedTestCase):
    """--type=GLOB keeps the blocks of matching types."""

    def test_at_exit(self):
        path = self.profile()
        rows = self.json(["--at=exit", "--type=Rec*", path])
        self.assertEqual([(r["location"], r["bytes"]) for r in rows],
                         [("app.py:10", LEAK_B * 12 + LEAK_B // 2)])
        rows = self.json(["--at=exit", "--by=type", "--type=str",
                          "--type=dict", path])
        self.assertEqual(sorted(r["location"] for r in rows),
                         ["dict", "str"])

    def test_growth_keeps_sites_of_the_type(self):
        path = self.profile(marks=False, bounded=False)
        doc = self.json(["--growth", "--type=str", path])
        self.assertEqual([s["location"] for s in doc["sites"]],
                         ["app.py:14"])
        self.assertTrue(doc["sites"][0]["growing"])

    def test_nothing_matches(self):
        path = self.profile()
        self.assertEqual(self.json(["--at=exit", "--type=Nope", path]), [])


if __name__ == "__main__":
    unittest.main()
