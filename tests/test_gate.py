"""Tests of pyheap_print --check, the CI gate: limits, exit codes, config files, baselines, JSON and JUnit XML."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The profiles are support.build_profile()'s generated batch job (known
# figures: a leak of 100,000 B per iteration at app.py:10, 4,096 B of raw
# memory per iteration at app.py:16, a bounded cache at app.py:14).

import importlib.util
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import support
from support import GeneratedTestCase, LEAK_B, RAW_B, START_B, run_viewer_text


class SizeTest(GeneratedTestCase):
    """Sizes: pytest-memray's forms; KB = 1000 B, KiB = 1024 B."""

    def test_forms(self):
        parse_size = support.viewer_module("formatting").parse_size
        for text, value in (("64KB", 64000), ("64 KB", 64000),
                            ("64 kb", 64000), ("64KiB", 65536),
                            ("10 MiB", 10 * 1024 ** 2), ("1.5MB", 1500000),
                            ("+2 GB", 2 * 10 ** 9), (".5 MB", 500000),
                            ("100", 100), ("100B", 100), ("1 TB", 10 ** 12),
                            ("3 PiB", 3 * 1024 ** 5), ("7k", 7000),
                            (4096, 4096)):
            with self.subTest(text=text):
                self.assertEqual(parse_size(text), value)
        for text in ("", "MB", "10 XB", "-5", "1,000", "5 MBs", True):
            with self.subTest(text=text):
                with self.assertRaises(ValueError):
                    parse_size(text)

    def test_same_rule_in_the_pytest_plugin(self):
        exe = None
        for candidate in (sys.executable, "/usr/bin/python3"):
            if os.path.exists(candidate) and subprocess.run(
                    [candidate, "-c", "import pytest"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL).returncode == 0:
                exe = candidate
                break
        if exe is None:
            self.skipTest("no interpreter with pytest (python3-pytest)")
        parse_size = support.viewer_module("formatting").parse_size
        texts = ["64 KB", "1.5MB", "10 MiB", "+2 GB", ".5 MB", "512B"]
        proc = subprocess.run(
            [exe, "-c", "import sys, pytest_pyheap; print(' '.join("
             "str(pytest_pyheap.parse_size(t)) for t in sys.argv[1:]))"]
            + texts, stdout=subprocess.PIPE, universal_newlines=True,
            env=dict(os.environ, PYTHONPATH=os.path.join(support.SRCDIR,
                                                         "pyheap")),
            check=True)
        self.assertEqual(proc.stdout.split(),
                         [str(parse_size(t)) for t in texts])


class CheckTest(GeneratedTestCase):

    def check(self, args, status, cwd=None, python=None):
        proc = run_viewer_text(["--check"] + args, cwd=cwd or self.dir,
                               python=python)
        self.assertEqual(proc.returncode, status, proc.stdout + proc.stderr)
        self.assertNotIn("Traceback", proc.stderr)
        return proc

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    # -- limits and exit codes --

    def test_pass_and_fail_exit_codes(self):
        path = self.profile()
        proc = self.check(["--max-growth-per-iter=200KB", "--max-peak=10MB",
                           path], 0)
        self.assertTrue(proc.stdout.startswith("pyheap check: passed: 2 "
                                               "limits within bounds"))
        self.assertEqual(proc.stderr, "")
        proc = self.check(["--max-growth-per-iter=50KB", "--max-peak=10MB",
                           path], 3)
        out = proc.stdout
        self.assertTrue(out.startswith("pyheap check: FAILED: 1 of 2 limits "
                                       "crossed"), out)
        self.assertIn("  ok   max-peak 10MB: the peak is", out)
        self.assertIn("  FAIL max-growth-per-iter 50KB: growth per "
                      "iteration: 1 site over 50KB (50,000 B); the worst: "
                      "process (app.py:10) at 100,000 B", out)
        # The top offender with its stack.
        self.assertIn("       top offender: process (app.py:10), 100,000 B, "
                      "100,000.0 B per iteration\n"
                      "         at process (app.py:10)\n"
                      "         at main (app.py:20)\n"
                      "         at <module> (app.py:30)\n", out)
        self.assertIn("exit status 3 (--error-exitcode)", out)
        self.check(["--max-growth-per-iter=50KB", "--error-exitcode=42",
                    path], 42)
        # 0: report only, as Valgrind's --error-exitcode=0.
        proc = self.check(["--max-growth-per-iter=50KB",
                           "--error-exitcode=0", path], 0)
        self.assertIn("FAILED", proc.stdout)
        # Deterministic.
        again = self.check(["--max-growth-per-iter=50KB", "--max-peak=10MB",
                            path], 3)
        self.assertEqual(again.stdout, out)

    def test_raw_leak_is_a_site_too(self):
        path = self.profile()
        proc = self.check(["--max-growth-per-iter=4000", path], 3)
        self.assertIn("2 sites over 4000", proc.stdout)
        proc = self.check(["--max-growth-per-iter=4KiB", path], 3)
        self.assertIn("1 site over 4KiB (4,096 B)", proc.stdout)
        self.check(["--max-growth-per-iter=100KB", path], 0)

    def test_total_limits(self):
        path = self.profile(regions=[("load", 300000), ("load", 1000),
                                     ("other", 5)])
        exit_heap = (START_B + LEAK_B * 12 + LEAK_B // 2 + 30000 +
                     RAW_B * 12)
        proc = self.check(["--max-live=%d" % (exit_heap - 1), path], 3)
        self.assertIn("the heap at exit is %s B, over the limit"
                      % "{:,}".format(exit_heap), proc.stdout)
        self.assertIn("top offender: process (app.py:10)", proc.stdout)
        self.check(["--max-live=%d" % exit_heap, path], 0)
        # The last mark labelled "batch": 12 iterations in.
        at_batch = START_B + LEAK_B * 12 + 30000 + RAW_B * 12
        self.check(["--max-live-at=batch=%d" % at_batch, path], 0)
        proc = self.check(["--max-live-at=batch=%d" % (at_batch - 1), path],
                          3)
        self.assertIn('the heap at mark "batch" is', proc.stdout)
        # Regions: a glob, every matching region is checked.
        proc = self.check(["--max-region=lo*=200KB", path], 3)
        self.assertIn('what region "load" left is 300,000 B, over the limit '
                      'of 200KB', proc.stdout)
        proc = self.check(["--max-region=*=400KB", path], 0)
        self.assertIn("3 regions within 400KB (the most: 300,000 B)",
                      proc.stdout)
        proc = self.check(["--max-region=nothing=1KB", path], 3)
        self.assertIn('no region matches "nothing"', proc.stdout)

    def test_steady_growth_limit(self):
        path = self.profile(marks=False)
        proc = self.check(["--max-growth=1MB", path], 3)
        self.assertIn("steady growth: 1 site over 1MB", proc.stdout)
        self.assertIn("top offender: process (app.py:10), 1,200,000 B, "
                      "growing steadily", proc.stdout)
        self.check(["--max-growth=2MB", path], 0)
        # No marks: the per-iteration limit cannot be evaluated: an error
        # testcase, the check fails.
        proc = self.check(["--max-growth-per-iter=1MB", path], 3)
        self.assertIn("the file has no mark snapshots", proc.stdout)

    def test_usage_and_input_errors(self):
        path = self.profile()
        for args, message in (
                ([path], "--check needs at least one limit"),
                (["--max-peak=10 XB", path], "not a size: '10 XB'"),
                (["--max-region=5MB", path], "is not NAME=SIZE"),
                (["--format=csv", "--max-peak=1MB", path],
                 "--check prints text or json"),
                (["--by=type", "--max-peak=1MB", path],
                 "--by=type does not go with --check"),
                (["--max-peak=1MB", "--tolerance=x%", path],
                 "not a tolerance"),
                (["--max-peak=1MB", "--error-exitcode=256", path],
                 "out of range"),
                (["--max-growth-per-iter=1MB", "--leak-lag=4", path],
                 "must be less than the file's mark window")):
            with self.subTest(args=args):
                proc = self.check(args, 2)
                self.assertEqual(proc.stdout, "")
                self.assertEqual(len(proc.stderr.splitlines()), 1)
                self.assertIn(message, proc.stderr)
        proc = self.check(["--max-peak=1MB", "missing.out"], 1)
        self.assertIn("missing.out: No such file or directory", proc.stderr)
        proc = run_viewer_text(["--max-peak=1MB", path], cwd=self.dir)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("--max-peak goes with --check only", proc.stderr)

    # -- configuration files --

    def test_ini_config(self):
        path = self.profile()
        self.write("pyheap.cfg", "[pyheap]\nmax-growth-per-iter = 50 KB\n"
                   "max_peak = 10MB\nmax-region =\n    a=1KB\n    b,c=2KB\n"
                   "error-exitcode = 9\n")
        proc = self.check([path], 9)
        self.assertIn("config: pyheap.cfg [pyheap]", proc.stdout)
        self.assertIn("FAIL max-growth-per-iter 50 KB", proc.stdout)
        self.assertIn('no region matches "a"', proc.stdout)
        self.assertIn('no region matches "b,c"', proc.stdout)
        # The command line wins over the file.
        proc = self.check(["--max-growth-per-iter=1MB", "--max-region=a=1MB",
                           "--max-region=b,c=1MB", "--error-exitcode=5", path],
                          5)
        self.assertIn("ok   max-growth-per-iter 1MB", proc.stdout)

    def test_setup_cfg_and_order(self):
        path = self.profile()
        self.write("setup.cfg", "[metadata]\nname = x\n\n[pyheap]\n"
                   "max-growth-per-iter = 1MB\n")
        proc = self.check([path], 0)
        self.assertIn("config: setup.cfg [pyheap]", proc.stdout)
        self.write("pyheap.cfg", "[pyheap]\nmax-growth-per-iter = 1KB\n")
        proc = self.check([path], 3)
        self.assertIn("config: pyheap.cfg [pyheap]", proc.stdout)
        # A setup.cfg without the section is not a config file.
        os.unlink(os.path.join(self.dir, "pyheap.cfg"))
        self.write("setup.cfg", "[metadata]\nname = x\n")
        proc = self.check([path], 2)
        self.assertIn("--check needs at least one limit", proc.stderr)
        self.assertIn("(none found)", proc.stderr)

    def test_explicit_config_and_errors(self):
        path = self.profile()
        os.makedirs(os.path.join(self.dir, "ci"))
        cfg = self.write("ci/limits.ini", "[pyheap]\nmax-peak = 1KB\n")
        proc = self.check(["--config=" + cfg, path], 3)
        self.assertIn("config: %s [pyheap]" % cfg, proc.stdout)
        bad = self.write("bad.cfg", "[pyheap]\nmax-peek = 1KB\n")
        proc = self.check(["--config=" + bad, path], 2)
        self.assertIn("bad.cfg [pyheap]: unknown key 'max-peek'", proc.stderr)
        bad = self.write("bad2.cfg", "[pyheap]\nmax-peak = lots\n")
        proc = self.check(["--config=" + bad, path], 2)
        self.assertIn("not a size: 'lots'", proc.stderr)
        proc = self.check(["--config=nothing.cfg", path], 2)
        self.assertIn("nothing.cfg: No such file or directory", proc.stderr)
        empty = self.write("empty.cfg", "[other]\n")
        proc = self.check(["--config=" + empty, path], 2)
        self.assertIn("empty.cfg has no [pyheap] section", proc.stderr)

    def test_pyproject_toml(self):
        path = self.profile()
        self.write("pyproject.toml", '[project]\nname = "x"\n\n'
                   '[tool.pyheap]\nmax-growth-per-iter = "50KB"\n'
                   'max-region = {load = "1KB"}\nwarmup = 2\n')
        if importlib.util.find_spec("tomllib") is None:
            proc = self.check([path], 2)
            self.assertIn("(none found)", proc.stderr)
        else:
            proc = self.check([path], 3)
            self.assertIn("config: pyproject.toml [tool.pyheap]",
                          proc.stdout)
            self.assertIn("FAIL max-growth-per-iter 50KB", proc.stdout)
            self.assertIn('no region matches "load"', proc.stdout)
        # An INI file is read on every Python; pyheap.cfg comes first.
        self.write("pyheap.cfg", "[pyheap]\nmax-peak = 10MB\n")
        proc = self.check([path], 0)
        self.assertIn("config: pyheap.cfg [pyheap]", proc.stdout)

    def test_pyproject_on_python38(self):
        python38 = support.find_python38()
        if python38 is None:
            self.skipTest("no Python 3.8 (PYHEAP_PYTHON38 names one)")
        path = self.profile()
        self.write("pyproject.toml", '[tool.pyheap]\nmax-peak = "1KB"\n')
        self.write("setup.cfg", "[pyheap]\nmax-peak = 10MB\n")
        proc = self.check([path], 0, python=python38)
        self.assertIn("config: setup.cfg [pyheap]", proc.stdout)
        self.assertIn("note: pyproject.toml not read: TOML needs Python "
                      "3.11+ (tomllib)", proc.stdout)
        proc = self.check(["--config=pyproject.toml", path], 2,
                          python=python38)
        self.assertIn("reading TOML needs Python 3.11 or later",
                      proc.stderr)

    # -- baselines --

    def test_baseline_generate_apply_tolerance_unused(self):
        path = self.profile()
        base = os.path.join(self.dir, "pyheap.baseline")
        proc = self.check(["--max-growth-per-iter=1KB",
                           "--gen-baseline=" + base, path], 3)
        with open(base) as f:
            text = f.read()
        self.assertIn("{\n   process app.py:10\n   max-growth-per-iter\n"
                      "   site: app.py:10\n   function: process\n"
                      "   bytes: 100000\n}\n", text)
        self.assertIn("   site: app.py:16\n   function: native\n"
                      "   bytes: 4096\n}\n", text)
        # A comment per entry, with the stack.
        self.assertIn("# max-growth-per-iter: 100,000.0 B per iteration; "
                      "stack: process (app.py:10) <- main (app.py:20) <- "
                      "<module> (app.py:30)\n", text)
        # Applied: both sites accepted.
        proc = self.check(["--max-growth-per-iter=1KB",
                           "--baseline=" + base, path], 0)
        self.assertIn("every site within 1KB (2 accepted by the baseline)",
                      proc.stdout)
        self.assertIn("baseline: %s: 2 entries, 2 used, 0 unused "
                      "(tolerance 10%%)" % base, proc.stdout)
        self.assertIn("used_baseline: 1 process app.py:10 (line", proc.stdout)
        # Growth beyond the recorded figure plus the tolerance fails.
        with open(base, "w") as f:
            f.write(text.replace("bytes: 100000", "bytes: 90000"))
        proc = self.check(["--max-growth-per-iter=1KB",
                           "--baseline=" + base, path], 3)
        self.assertIn("(above its baseline process app.py:10: 99,000 B "
                      "allowed)", proc.stdout)
        self.check(["--max-growth-per-iter=1KB", "--baseline=" + base,
                    "--tolerance=12%", path], 0)
        self.check(["--max-growth-per-iter=1KB", "--baseline=" + base,
                    "--tolerance=10KB", path], 0)
        self.check(["--max-growth-per-iter=1KB", "--baseline=" + base,
                    "--tolerance=9999", path], 3)
        # Unused entries are reported (and do not fail the check).
        with open(base, "a") as f:
            f.write("{\n   gone\n   max-growth-per-iter\n   site: */old.py:*\n"
                    "   bytes: 5\n}\n")
        proc = self.check(["--max-growth-per-iter=1KB", "--baseline=" + base,
                           "--tolerance=12%", "--format=json", path], 0)
        doc = json.loads(proc.stdout)
        self.assertEqual(doc["baseline"]["entries"], 3)
        self.assertEqual(doc["baseline"]["unused"][0]["name"], "gone")
        self.assertEqual(len(doc["baseline"]["used"]), 2)
        proc = self.check(["--max-growth-per-iter=1KB", "--baseline=" + base,
                           "--tolerance=12%", path], 0)
        self.assertIn("unused_baseline: gone (line", proc.stdout)

    def test_baseline_patterns_and_errors(self):
        path = self.profile()
        base = self.write("b.supp", "# known\n{\n  all of app.py\n"
                          "  max-growth-per-iter\n  site: app.py:*\n"
                          "  bytes: 1,000,000\n}\n")
        self.check(["--max-growth-per-iter=1KB", "--baseline=" + base, path],
                   0)
        for text, message in (
                ("{\n x\n max-growth-per-iter\n site: a\n}\n",
                 "has no 'bytes:'"),
                ("{\n x\n max-peak\n site: a\n bytes: 1\n}\n",
                 "unknown limit 'max-peak'"),
                ("x\n", "expected '{' to begin an entry"),
                ("{\n x\n max-growth\n site: a\n bytes: 1\n", "no closing"),
                ("{\n x\n max-growth\n colour: a\n}\n",
                 "expected 'site:', 'function:' or 'bytes:'")):
            with self.subTest(text=text):
                bad = self.write("bad.supp", text)
                proc = self.check(["--max-growth-per-iter=1KB",
                                   "--baseline=" + bad, path], 1)
                self.assertEqual(len(proc.stderr.splitlines()), 1)
                self.assertIn(message, proc.stderr)

    # -- machine-readable output --

    def test_json(self):
        path = self.profile()
        proc = self.check(["--max-growth-per-iter=50KB", "--max-peak=10MB",
                           "--format=json", path], 3)
        doc = json.loads(proc.stdout)
        self.assertFalse(doc["passed"])
        self.assertEqual(doc["exit_status"], 3)
        names = [lim["name"] for lim in doc["limits"]]
        self.assertEqual(names, ["max-peak", "max-growth-per-iter"])
        growth = doc["limits"][1]
        self.assertFalse(growth["passed"])
        self.assertEqual(growth["limit_bytes"], 50000)
        self.assertEqual(growth["value"], LEAK_B)
        top = growth["offenders"][0]
        self.assertEqual((top["location"], top["function"]),
                         ("app.py:10", "process"))
        self.assertEqual(top["stack"][-1]["function"], "<module>")
        self.assertTrue(doc["limits"][0]["passed"])

    def test_junit_xml(self):
        path = self.profile(regions=[("load", 300000)])
        junit = os.path.join(self.dir, "out", "pyheap.xml")
        os.makedirs(os.path.dirname(junit))
        self.check(["--max-growth-per-iter=50KB", "--max-peak=10MB",
                    "--max-region=load=1KB", "--max-live-at=nothing=1KB",
                    "--junit-xml=" + junit, path], 3)
        root = ET.parse(junit).getroot()
        self.assertEqual(root.tag, "testsuites")
        suites = root.findall("testsuite")
        self.assertEqual(len(suites), 1)
        suite = suites[0]
        for attr in ("name", "tests", "failures", "errors", "time"):
            self.assertIn(attr, suite.attrib)
        self.assertEqual(suite.get("tests"), "4")
        self.assertEqual(suite.get("failures"), "2")
        self.assertEqual(suite.get("errors"), "1")
        cases = suite.findall("testcase")
        self.assertEqual([c.get("name") for c in cases],
                         ["max-peak", "max-live-at nothing",
                          "max-region load", "max-growth-per-iter"])
        for case in cases:
            self.assertEqual(case.get("classname"), "pyheap.check")
            self.assertIn("time", case.attrib)
        self.assertIsNone(cases[0].find("failure"))
        self.assertIsNotNone(cases[1].find("error"))
        failure = cases[3].find("failure")
        self.assertIn("the worst: process (app.py:10)",
                      failure.get("message"))
        self.assertIn("    at main (app.py:20)", failure.text)
        region = cases[2].find("failure")
        self.assertIn('what region "load" left is 300,000 B',
                      region.get("message"))
        # An unwritable JUnit file is an error, status 1.
        proc = self.check(["--max-peak=10MB", "--junit-xml=" +
                           os.path.join(self.dir, "no", "such", "x.xml"),
                           path], 1)
        self.assertIn("No such file or directory", proc.stderr)


class HelpTest(GeneratedTestCase):

    def test_help_documents_the_method_and_the_gate(self):
        text = self.ok(["--help"])
        for fragment in ("--growth", "--leaks", "--type=GLOB", "--min-tau=F",
                         "--warmup=N", "--leak-lag=N", "--check",
                         "--max-peak=SIZE", "--max-live-at=LABEL=SIZE",
                         "--max-region=NAME=SIZE",
                         "--max-growth-per-iter=SIZE", "--max-growth=SIZE",
                         "--config=FILE", "--baseline=FILE",
                         "--gen-baseline=FILE", "--tolerance=PCT%|SIZE",
                         "--error-exitcode=N", "--junit-xml=FILE",
                         "Theil-Sen", "Kendall's tau-b", "steadiness",
                         "64KB = 64,000 B", "64KiB = 65,536 B",
                         "[tool.pyheap]", "tomllib", "unused_baseline",
                         "3  --check: a limit was crossed"):
            self.assertIn(fragment, text)
        self.assertEqual([line for line in text.splitlines()
                          if len(line) > 79], [])


if __name__ == "__main__":
    import unittest
    unittest.main()
