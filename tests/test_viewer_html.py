"""Tests of pyheap_print --html without a browser: one offline file, every byte accounted for after folding, names escaped, the options' errors."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The page itself (what it draws, clicks, search, the diff's colours) is
# tested in a real browser by test_html_browser.py; here, what the page is
# given: its HTML around the data, and the data against the file it was
# made from (tests/data/viewer/realapp.out and the diffapp pair).

import base64
import hashlib
import json
import os
import re
import shutil
import tempfile
import unittest

import support
from support import NEW, OLD, REAL, VIEWER_DATA as DATA, run_viewer

HOSTILE = ("</script><script>alert(1)</script>",
           "\"><img src=x onerror=alert(2)>",
           "{{constructor.constructor('alert(3)')()}}",
           "/*PYHEAP:DATA*/ <!-- & \u2028")


def page_data(html):
    """The JSON block of a page, parsed."""
    match = re.search(r'<script type="application/json" id="pyheap-data">'
                      r'(.*?)</script>', html, re.S)
    if match is None:
        raise AssertionError("no data block in the page")
    return json.loads(match.group(1))


def inline(html, tag):
    """The text of the page's one executable <tag> element."""
    found = re.findall(r"<%s>(.*?)</%s>" % (tag, tag), html, re.S)
    if len(found) != 1:
        raise AssertionError("%d <%s> elements" % (len(found), tag))
    return found[0]


def stack_path(data, sid):
    """A page stack's frames, innermost first, as (file, line, function)."""
    strings, frames, stacks = data["strings"], data["frames"], data["stacks"]
    out = []
    while sid >= 0:
        fid = stacks["frame"][sid]
        out.append((strings[frames["file"][fid]], frames["line"][fid],
                    strings[frames["func"][fid]]))
        sid = stacks["parent"][sid]
    return tuple(out)


def sha256(text):
    return "'sha256-%s'" % base64.b64encode(
        hashlib.sha256(text.encode("utf-8")).digest()).decode()


class HtmlTestCase(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pyheap-html-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def page(self, *args, **kw):
        path = os.path.join(self.tmp, kw.get("name", "page.html"))
        status, out, err = run_viewer(["--html=" + path] + list(args),
                                      cwd=kw.get("cwd", DATA))
        self.assertEqual(status, 0, err.decode())
        self.assertEqual(out, b"")
        with open(path, encoding="utf-8") as f:
            return f.read()

    def error(self, args, status, fragment):
        code, out, err = run_viewer(args, cwd=self.tmp)
        self.assertEqual(code, status, err.decode())
        lines = err.decode().splitlines()
        self.assertEqual(len(lines), 1 if status == 1 else len(lines), lines)
        self.assertIn(fragment, err.decode())


class OfflineFileTest(HtmlTestCase):

    def test_one_file_with_nothing_to_fetch(self):
        html = self.page(REAL)
        # The only URL in the page is the SVG namespace, a name.
        urls = set(re.findall(r"\b(?:https?|ftp)://[^\s\"')]+", html))
        self.assertEqual(urls, {"http://www.w3.org/2000/svg"})
        for pattern in (r"<link\b", r"<iframe\b", r"<img\b", r"\bsrc=",
                        r"@import", r"url\(", r"\bfetch\(",
                        r"XMLHttpRequest", r"WebSocket"):
            self.assertIsNone(re.search(pattern, html), pattern)
        self.assertEqual(len(re.findall(r"<script\b", html)), 2)

    def test_the_policy_allows_only_its_own_script_and_style(self):
        html = self.page(REAL)
        csp = re.search(r'http-equiv="Content-Security-Policy" '
                        r'content="([^"]*)"', html).group(1)
        csp = csp.replace("&#x27;", "'")
        self.assertIn("default-src 'none'", csp)
        self.assertIn("connect-src 'none'", csp)
        self.assertIn("script-src %s;" % sha256(inline(html, "script")), csp)
        self.assertIn("style-src %s;" % sha256(inline(html, "style")), csp)
        self.assertNotIn("unsafe", csp)

    def test_the_same_file_gives_the_same_page(self):
        # Whatever the order of sets and dicts of strings in the process.
        for args in ([REAL], ["--diff", OLD, NEW]):
            pages = []
            for seed in ("1", "2"):
                path = os.path.join(self.tmp, "seed%s.html" % seed)
                status, out, err = run_viewer(["--html=" + path] + args,
                                              env_extra={"PYTHONHASHSEED": seed})
                self.assertEqual(status, 0, err)
                with open(path, encoding="utf-8") as f:
                    pages.append(f.read())
            self.assertEqual(pages[0], pages[1], args)


class DataTest(HtmlTestCase):
    """The page's data against the file it was made from."""

    def profile(self, name):
        reader = support.viewer_module("reader")
        model = support.viewer_module("model")
        return reader.read_profile(os.path.join(DATA, name),
                                   want_sites=model.every_snapshot)

    def test_every_snapshot_is_on_the_timeline(self):
        data = page_data(self.page(REAL))
        prof = self.profile(REAL)
        (page,) = data["profiles"]
        self.assertEqual(len(page["snapshots"]), len(prof.snapshots))
        self.assertEqual(sorted((s["n"], s["kind"], s["heap"])
                                for s in page["snapshots"]),
                         sorted((s.n, s.kind, s.heap_B)
                                for s in prof.snapshots))
        self.assertEqual(page["samples"]["n"], len(prof.samples))
        self.assertIn(max(prof.samples.heap_B),
                      [r + p + g for r, p, g in zip(
                          page["samples"]["raw"], page["samples"]["pym"],
                          page["samples"]["large"])])

    def check_accounted(self, data):
        for page in data["profiles"]:
            for det in page["details"]:
                snap = page["snapshots"][det["snap"]]
                rows = det["rows"]
                with self.subTest(snapshot=snap["name"]):
                    self.assertEqual(sum(rows["b"]), snap["heap"])
                    self.assertEqual(sum(rows["n"]), snap["blocks"])
                    for i, name in enumerate(("raw", "pym", "large")):
                        self.assertEqual(sum(rows[name]), snap["cls"][i][0])
                    self.assertEqual(sum(rows["fold"]), det["folded_stacks"])
                    self.assertEqual(
                        sum(b for b, f in zip(rows["b"], rows["fold"]) if f),
                        det["folded_bytes"])
                    for by in ("line", "function", "package"):
                        table = det["tables"][by]
                        self.assertEqual(sum(r[3] for r in table["rows"])
                                         + table["rest"][0], snap["heap"])

    def test_every_byte_is_in_the_graph_and_the_tables(self):
        data = page_data(self.page(REAL))
        self.check_accounted(data)
        folded = sum(d["folded_stacks"] for d in data["profiles"][0]["details"])
        self.assertGreater(folded, 0, "the default folds nothing here")

    def test_fold_below_0_keeps_every_stack(self):
        data = page_data(self.page("--fold-below=0", REAL))
        self.check_accounted(data)
        for det in data["profiles"][0]["details"]:
            self.assertEqual(det["folded_stacks"], 0)
            self.assertEqual(len(det["rows"]["sid"]), det["stacks"])

    def test_html_snapshots_limits_the_snapshots_with_sites(self):
        data = page_data(self.page("--html-snapshots=2", REAL))
        (page,) = data["profiles"]
        kinds = sorted(page["snapshots"][d["snap"]]["kind"]
                       for d in page["details"])
        self.assertEqual(kinds, ["exit", "peak"])
        self.assertGreater(page["snapshots_with_sites"], 2)
        self.check_accounted(data)

    def test_stacks_are_the_files_stacks(self):
        data = page_data(self.page("--fold-below=0", REAL))
        prof = self.profile(REAL)
        strings = data["strings"]
        frames = data["frames"]

        def page_stack(sid):
            out = []
            while sid >= 0:
                fid = data["stacks"]["frame"][sid]
                out.append((strings[frames["file"][fid]], frames["line"][fid],
                            strings[frames["func"][fid]]))
                sid = data["stacks"]["parent"][sid]
            return out
        peak = prof.peak_snapshot
        det = next(d for d in data["profiles"][0]["details"]
                   if data["profiles"][0]["snapshots"][d["snap"]]["kind"]
                   == "peak")
        got = {}
        for sid, b in zip(det["rows"]["sid"], det["rows"]["b"]):
            key = tuple(page_stack(sid))
            got[key] = got.get(key, 0) + b
        want = {}
        for kid, rec in peak.by_stack().items():
            key = tuple((f[1], f[2], f[3]) if f[0] == "py" else
                        (f[1] or f[5], f[2] if f[1] else 0,
                         f[3] if f[3] is not None else "0x%x" % f[4])
                        for f in prof.stack(kid))
            want[key] = want.get(key, 0) + rec[0]
        self.assertEqual(got, want)

    def test_user_frames_are_marked(self):
        data = page_data(self.page(REAL))
        strings, frames = data["strings"], data["frames"]
        cats = {}
        for fid, cat in enumerate(frames["cat"]):
            if frames["kind"][fid] == 0:
                cats.setdefault(cat, set()).add(
                    os.path.basename(strings[frames["file"][fid]]))
        self.assertIn("realapp.py", cats[0])
        self.assertNotIn("realapp.py", set().union(*(v for k, v in cats.items()
                                                     if k != 0)))

    def test_diff_of_two_files(self):
        data = page_data(self.page("--diff", OLD, NEW))
        self.assertEqual(data["mode"], "diff")
        self.assertEqual([p["name"] for p in data["profiles"]], ["old", "new"])
        (old_p, old_s), (new_p, new_s) = data["compare"]
        self.assertEqual((old_p, new_p), (0, 1))
        self.assertEqual(data["profiles"][0]["snapshots"][old_s]["kind"], "peak")
        self.assertEqual(data["profiles"][1]["snapshots"][new_s]["kind"], "peak")
        self.check_accounted(data)

    def test_the_diff_pairs_tables_are_pyheap_print_diffs(self):
        data = page_data(self.page("--diff", OLD, NEW))
        strings = data["strings"]
        status, out, err = run_viewer(["--diff", "--format=json",
                                       "--by=user-line", "--top=0", OLD, NEW])
        self.assertEqual(status, 0, err)
        text = json.loads(out)
        want = sorted((r["location"], r["function"], r["bytes_before"],
                       r["bytes_after"]) for r in text["rows"])
        table = data["compare_tables"]["line"]
        got = sorted((strings[r[1]], strings[r[2]], r[3], r[4])
                     for r in table["rows"])
        self.assertEqual(table["changed"], len(want))
        self.assertEqual(got, want[:len(got)] if len(want) > len(got)
                         else want)

    def test_compared_snapshots_fold_the_same_stacks(self):
        # One set of kept stacks for the whole page: a stack kept in one
        # snapshot is kept, with its exact bytes, in every other.
        folded = page_data(self.page("--diff", OLD, NEW, name="f.html"))
        whole = page_data(self.page("--diff", "--fold-below=0", OLD, NEW,
                                    name="w.html"))

        def paths(data, keep_folded):
            out = []
            for p in data["profiles"]:
                for d in p["details"]:
                    rows = {}
                    for sid, b, f in zip(d["rows"]["sid"], d["rows"]["b"],
                                         d["rows"]["fold"]):
                        if f and not keep_folded:
                            continue
                        key = stack_path(data, sid)
                        rows[key] = rows.get(key, 0) + b
                    out.append(rows)
            return out
        kept_rows = paths(folded, False)
        all_rows = paths(whole, True)
        kept = set().union(*kept_rows)
        self.assertGreater(len(kept), 0)
        for kept_here, everything in zip(kept_rows, all_rows):
            for path, nbytes in everything.items():
                if path in kept:
                    self.assertEqual(kept_here.get(path), nbytes, path)
                else:
                    self.assertNotIn(path, kept_here)

    def test_diff_of_two_snapshots(self):
        data = page_data(self.page("--diff", "--at=indexed", "--at2=exit",
                                   "--html-snapshots=1", REAL))
        (old_p, old_s), (new_p, new_s) = data["compare"]
        snaps = data["profiles"][0]["snapshots"]
        self.assertEqual((snaps[old_s]["label"], snaps[new_s]["kind"]),
                         ("indexed", "exit"))
        # The two compared keep their sites whatever the limit.
        self.assertGreaterEqual(snaps[old_s]["d"], 0)
        self.assertGreaterEqual(snaps[new_s]["d"], 0)


class EscapingTest(HtmlTestCase):
    """Names that are markup stay text: they reach the page only as JSON
    strings in which <, > and & are escapes."""

    def hostile_copy(self):
        """realapp.out with the names of its script and of two functions
        replaced by HOSTILE's texts."""
        with open(os.path.join(DATA, REAL), encoding="utf-8",
                  errors="surrogateescape") as f:
            lines = f.read().split("\n")
        replaced = 0
        for i, line in enumerate(lines):
            parts = line.split(" ", 2)
            if parts[0] != "s" or len(parts) < 3:
                continue
            if parts[2].endswith("realapp.py"):
                lines[i] = "s %s /tmp/%s/%s/realapp.py" % (
                    parts[1], HOSTILE[0], HOSTILE[3])
                replaced += 1
            elif parts[2] in ("main", "build_index"):
                lines[i] = "s %s %s" % (parts[1], HOSTILE[replaced])
                replaced += 1
        self.assertGreaterEqual(replaced, 3)
        path = os.path.join(self.tmp, "hostile.out")
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write("\n".join(lines))
        return path

    def test_hostile_names_are_data(self):
        path = self.hostile_copy()
        html = self.page(path, cwd=self.tmp)
        outside = re.sub(r'(id="pyheap-data">).*?</script>', r"\1",
                         html, flags=re.S)
        for text in HOSTILE:
            self.assertNotIn(text, outside)
            if set("<>&") & set(text):
                self.assertNotIn(text, html)
        self.assertEqual(len(re.findall(r"<script\b", html)), 2)
        self.assertEqual(len(re.findall(r"</script>", html)), 2)
        self.assertNotIn("onerror=", outside)
        data = page_data(html)
        for text in HOSTILE:
            self.assertTrue(any(text in s for s in data["strings"]), text)
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        self.assertNotIn("<", title)

    def test_json_for_script(self):
        html_mod = support.viewer_module("reports.html")
        text = html_mod.json_for_script({"a": list(HOSTILE)})
        self.assertFalse(set("<>&") & set(text))
        self.assertEqual(json.loads(text), {"a": list(HOSTILE)})


class FoldTest(unittest.TestCase):

    def test_small_stacks_fold_into_the_nearest_big_caller(self):
        pagedata = support.viewer_module("pagedata")
        # 0 <- 1 <- 2, 1 <- 3, 0 <- 4; 5 is a root of its own.
        parents = [-1, 0, 1, 1, 0, -1]

        def rec(b):
            return [b, 1, b, 0, 0, 1, 0, 0]
        own = {2: rec(50), 3: rec(3), 4: rec(2), 5: rec(1), 1: rec(10)}
        kept = pagedata.big_stacks(parents, own, 5)
        self.assertEqual(kept, {0, 1, 2})
        nearest = pagedata.nearest_kept(parents, kept.__contains__)
        self.assertEqual(nearest, [0, 1, 2, 1, 0, -1])
        folded = pagedata.fold_stacks(nearest, own)
        self.assertEqual(sorted((k, v[0][0], sorted(v[1]))
                                for k, v in folded.items()),
                         [(-1, 1, [5]), (0, 2, [4]), (1, 3, [3])])
        self.assertEqual(pagedata.fold_stacks(None, own), {})
        nothing = pagedata.big_stacks(parents, own, 1000)
        self.assertEqual(nothing, set())
        everything = pagedata.fold_stacks(
            pagedata.nearest_kept(parents, nothing.__contains__), own)
        self.assertEqual(sorted(everything), [-1])
        self.assertEqual(everything[-1][0][0], 66)


class OptionErrorTest(HtmlTestCase):

    def test_errors(self):
        real = os.path.join(DATA, REAL)
        out = os.path.join(self.tmp, "x.html")
        for args, status, fragment in (
                (["--html=" + out, "--format=json", real], 2,
                 "--format does not go with --html"),
                (["--html=" + out, "--growth", real], 2,
                 "--html and --growth do not go together"),
                (["--html=" + out, "--at=peak", real], 2,
                 "--at goes with --html only with --diff"),
                (["--fold-below=1", real], 2, "--fold-below goes with --html"),
                (["--html-snapshots=3", real], 2,
                 "--html-snapshots goes with --html"),
                (["--html=" + out, "--fold-below=200", real], 2,
                 "out of range"),
                (["--html=" + out, "--html-snapshots=0", real], 2, "0"),
                (["--html=/nonexistent/dir/x.html", real], 1,
                 "/nonexistent/dir/x.html")):
            with self.subTest(args=args):
                self.error(args, status, fragment)
                self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main()
