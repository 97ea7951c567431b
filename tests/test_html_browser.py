"""Tests of pyheap_print --html in a real browser: headless Chromium opens the pages of real runs from file:// with the network blocked, clicks, searches and compares."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Needs Debian's chromium and chromium-driver and an interpreter with
# Selenium (python3-selenium; this test's interpreter, else
# /usr/bin/python3): tests/html_browser.py drives the browser and reports
# what the page shows; this module runs pyheap, makes the pages and
# decides.  Without them the tests are skipped, unless
# PYHEAP_REQUIRE_BROWSER=1 (`make check` sets it on the host, where the
# README's test command installs them): then they fail.
#
# The screenshots of each view are kept as test artefacts in
# $PYHEAP_TEST_ARTEFACTS/html (default: the build tree's
# test-artefacts/html), to be looked at.

import json
import os
import re
import subprocess
import sys
import unittest

import support

DRIVER = os.path.join(support.SRCDIR, "tests", "html_browser.py")
APP = os.path.join(support.PROGRAMS, "html_app.py")
ARTEFACTS = os.path.join(os.environ.get("PYHEAP_TEST_ARTEFACTS") or
                         os.path.join(support.BUILDDIR, "test-artefacts"),
                         "html")
CHROMIUM = os.environ.get("PYHEAP_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("PYHEAP_CHROMEDRIVER", "/usr/bin/chromedriver")

# A program whose names are markup: its directory, a function (code name
# and qualified name), a class (the type of the objects it keeps) and a
# snapshot label.
HOSTILE_DIR = "</script><script>window.pwned=1</script>"
HOSTILE_FUNCTION = "\"><img src=x onerror=window.pwned=2>"
HOSTILE_CLASS = "{{constructor.constructor('window.pwned=3')()}}"
HOSTILE_LABEL = "<b onmouseover=window.pwned=4>label</b>"
HOSTILE_PROGRAM = r'''
import types
import pyheap

Thing = type(%(cls)r, (), {})
kept = []

def make(n):
    return [Thing() for _ in range(n)]

code = make.__code__.replace(co_name=%(fn)r, co_qualname=%(fn)r) \
    if hasattr(make.__code__, "co_qualname") else make.__code__.replace(co_name=%(fn)r)
hostile = types.FunctionType(code, globals())
for i in range(200):
    kept.extend(hostile(50))
pyheap.snapshot(%(label)r)
''' % {"cls": HOSTILE_CLASS, "fn": HOSTILE_FUNCTION, "label": HOSTILE_LABEL}


def selenium_python():
    """An interpreter that imports selenium, or None."""
    for python in (sys.executable, "/usr/bin/python3"):
        if python and os.path.exists(python) and subprocess.run(
                [python, "-c", "import selenium.webdriver"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL).returncode == 0:
            return python
    return None


def browser_missing():
    """Why the browser tests cannot run, or None."""
    for path, package in ((CHROMIUM, "chromium"),
                          (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            return "no %s (apt-get install %s)" % (path, package)
    if selenium_python() is None:
        return "no interpreter with selenium (apt-get install python3-selenium)"
    return None


def source_line(path, marker):
    return support.marker_lines_of(path)[marker]


class BrowserTestCase(unittest.TestCase):
    runs = {}

    @classmethod
    def setUpClass(cls):
        why = browser_missing()
        if why is not None:
            if os.environ.get("PYHEAP_REQUIRE_BROWSER") == "1":
                raise AssertionError("PYHEAP_REQUIRE_BROWSER=1 but " + why)
            raise unittest.SkipTest(why)
        if not support.tool_built():
            raise AssertionError("the tool is not built: run `make`")
        cls.workdir = support.shared_scratch_dir()
        cls.shots = ARTEFACTS
        os.makedirs(cls.shots, exist_ok=True)

    @classmethod
    def run_app(cls, leak):
        key = "app%d" % leak
        if key not in cls.runs:
            out = os.path.join(cls.workdir, key + ".out")
            env = support.clean_env(HTML_APP_LEAK=str(leak))
            res = support.pyheap_run([support.python(), APP], cls.workdir,
                                     env=env, outfile=out)
            assert res.returncode == 0, res.stderr[-2000:]
            cls.runs[key] = out
        return cls.runs[key]

    def make_page(self, name, args):
        page = os.path.join(self.workdir, name + ".html")
        proc = support.viewer(["--html=" + page] + args)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stderr, "")
        return page

    def drive(self, scenario, page, arg, shots):
        proc = subprocess.run(
            [selenium_python(), DRIVER, scenario, page,
             os.path.join(self.shots, shots), arg],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            universal_newlines=True, timeout=300)
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        seen = json.loads(proc.stdout)
        self.assertNotIn("alert", seen)
        errors = [e for e in seen["console"] if e["level"] in ("SEVERE", "WARNING")]
        self.assertEqual(errors, [], "console messages")
        return seen


class LeakPageTest(BrowserTestCase):

    def test_the_leaking_line_leads_every_view(self):
        out = self.run_app(1)
        line = source_line(APP, "parse")
        where = "html_app.py:%d" % line
        page = self.make_page("leak", [out])
        seen = self.drive("leak", page, where, "leak")
        reader = support.viewer_module("reader")
        prof = reader.read_profile(out)
        # The timeline: one dot per snapshot of the file.
        self.assertEqual(seen["dots"], len(prof.snapshots))
        self.assertGreaterEqual(seen["dots_with_sites"], 3)
        # The peak, clicked, is the snapshot shown.
        self.assertEqual(seen["selected_dot_kind"], "peak")
        self.assertIn("at peak", seen["flame_title_after_peak"])
        # Inverted (the allocating line at the root), the standard library
        # hidden: the widest frame is the leaking line, and it is the user's.
        widest = seen["inverted_roots"][0]
        self.assertIn(where, widest["label"])
        self.assertEqual(widest["cat"], "0")
        # The search marks the line's frames and only those.
        self.assertTrue(seen["search_matches"])
        for label in seen["search_matches"]:
            self.assertIn(where, label)
        self.assertGreater(seen["search_dimmed"], 0)
        self.assertRegex(seen["search_status"], r"search: \d+ frames?, ")
        # The verdict names it first; clicking it marks it at the exit.
        self.assertIn(where, seen["verdict_rows"][0])
        self.assertIn("at exit", seen["after_verdict_click"]["title"])
        self.assertTrue(any(where in m for m in
                            seen["after_verdict_click"]["matches"]))
        # It names who holds the line's rows: the list `kept`; the click
        # shows the chain from that list down to them.
        clicked = seen["after_verdict_click"]
        self.assertRegex(clicked["held"] or "",
                         r"^held by list `kept` in module `__main__` \(")
        self.assertRegex(clicked["chain"] or "", r"list `kept` made at ")
        # Every table has rows; the line table leads with the line; the
        # sort by blocks sorts.
        for by, rows in seen["tables"].items():
            self.assertTrue(rows, by)
        self.assertIn(where, seen["tables"]["line"][0][0])
        blocks = seen["sorted_by_blocks"]
        self.assertEqual(blocks, sorted(blocks, reverse=True))
        self.assertLess(seen["ready_s"], 3.0)


class DiffPageTest(BrowserTestCase):

    def test_the_leaking_line_grows_and_little_else(self):
        old, new = self.run_app(0), self.run_app(1)
        where = "html_app.py:%d" % source_line(APP, "parse")
        page = self.make_page("diff", ["--diff", old, new])
        seen = self.drive("diff", page, where, "diff")
        self.assertIn("What changed", seen["title"])
        self.assertTrue(seen["changes"])
        self.assertEqual(set(seen["changes"]), {"grow"})
        for colour in seen["colours"]:
            r, g, b = [int(c) for c in re.findall(r"\d+", colour)[:3]]
            self.assertGreater(r, b + 40, colour)
        self.assertIn(where, seen["table"][0][0])
        self.assertTrue(seen["table"][0][3].startswith("+"))


class HostilePageTest(BrowserTestCase):

    def test_names_that_are_markup_are_text(self):
        if support.python_version() < (3, 11):
            self.skipTest("co_qualname is new in Python 3.11")
        directory = os.path.join(self.workdir, "h", HOSTILE_DIR)
        os.makedirs(directory)
        path = support.write_file(directory, "app.py", HOSTILE_PROGRAM)
        out = os.path.join(self.workdir, "hostile.out")
        res = support.pyheap_run([support.python(), path], directory,
                                 outfile=out)
        self.assertEqual(res.returncode, 0, res.stderr[-2000:])
        page = self.make_page("hostile", [out])
        seen = self.drive("hostile", page, "", "hostile")
        self.assertIsNone(seen["pwned"])
        self.assertEqual(seen["images"], 0)
        self.assertEqual(seen["scripts"], 2)
        self.assertIn(HOSTILE_DIR, seen["title"])
        labels = "\n".join(l for l in seen["labels"] if l)
        self.assertIn(HOSTILE_FUNCTION, labels)
        self.assertIn(HOSTILE_DIR, seen["text"])
        with open(page, encoding="utf-8") as f:
            html = f.read()
        for text in (HOSTILE_DIR, HOSTILE_FUNCTION, HOSTILE_LABEL):
            self.assertNotIn(text, html)
        data = json.loads(re.search(r'id="pyheap-data">(.*?)</script>',
                                    html, re.S).group(1))
        self.assertIn(HOSTILE_LABEL, [s["label"] for s in
                                      data["profiles"][0]["snapshots"]])
        types = [row[1] for det in data["profiles"][0]["details"]
                 for row in (det["tables"]["type"] or {"rows": []})["rows"]]
        self.assertIn(HOSTILE_CLASS, [data["strings"][t] for t in types])


if __name__ == "__main__":
    unittest.main()
