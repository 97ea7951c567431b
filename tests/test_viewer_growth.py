"""Tests of pyheap_print --growth, --leaks and --type on generated format-1 files with known series."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The profiles are written by support.build_profile(): a made-up batch job
# (app.py) whose figures are known exactly (the leak at app.py:10, a cache
# at app.py:14, temporary work at app.py:12, raw memory at app.py:16,
# start-up at app.py:20; see there).

import json
import os
import unittest

import support
from support import (CACHE_B, LEAKHUNT_DATA, LEAK_B, RAW_B, START_B, WINDOW,
                     GeneratedTestCase, run_viewer_text)


class GoldenTest(GeneratedTestCase):
    """The text reports of the generated profiles, byte for byte
    (tests/data/leakhunt/*.expected; PYHEAP_REGEN=1 rewrites them, then
    review `git diff tests/data/leakhunt`)."""

    def assert_golden(self, name, text):
        support.assert_golden(self, LEAKHUNT_DATA, name, text)

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
        proc = run_viewer_text(args, cwd=self.dir)
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
        out = support.consistent_sums(out)
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
            lines = support.consistent_sums(lines)
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
            out = support.consistent_sums(out)
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
