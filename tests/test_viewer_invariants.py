"""Tests of the format's rules that span records: a damaged file that breaks one (a sum, an order, a 64-bit number) is refused with one line; no damaged file the viewer accepts breaks one."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The fuzz test damages three real output files (tests/data/viewer:
# realapp.out and diffapp-old.out, format 1; format2.out, format 2 with
# marks, a region and arenas) in the ways support.damaged_copies() knows
# -- bytes flipped, truncations, lines dropped, repeated or swapped with
# the trailer recounted, a digit changed, a number too big -- and runs the
# viewer on each.  Whatever it accepts must keep every rule, by
# support.format_violations(), an oracle written apart from the viewer's
# invariants.py.  The other tests name each rule and its message.

import os
import tempfile
import unittest

import support
from support import VIEWER_DATA as DATA

FILES = ("realapp.out", "diffapp-old.out", "format2.out")

# The modes the fuzz test runs, in turn: they read different snapshots.
MODES = (["--format=json", "--at=exit"], [], ["--growth", "--format=json"],
         ["--export=json"], ["--format=json", "--at=peak", "--by=type"])


def cases_per_file():
    # The chroot cells of tests/matrix/run set PYHEAP_TEST_REPEAT: fewer.
    return 40 if os.environ.get("PYHEAP_TEST_REPEAT") else 150


def read(name):
    with open(os.path.join(DATA, name), "rb") as f:
        return f.read()


class DamagedFileTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.path = os.path.join(self.tmp.name, "damaged.out")

    def run_on(self, data, args):
        with open(self.path, "wb") as f:
            f.write(data)
        return support.run_in_process(args + [self.path])

    def test_no_accepted_file_breaks_a_rule(self):
        for name in FILES:
            good = read(name)
            self.assertEqual(support.format_violations(good), [], name)
            accepted = refused = 0
            for i, (case, kind, data) in enumerate(support.damaged_copies(
                    good, cases_per_file(), 7919,
                    kinds=(5, 6, 7, 5, 6, 7, 0, 4))):
                args = MODES[i % len(MODES)]
                status, out, err = self.run_on(data, args)
                with self.subTest(file=name, case=case, args=args):
                    self.assertIn(status, (0, 1), err)
                    if status == 0:
                        accepted += 1
                        self.assertEqual(err, b"")
                        self.assertEqual(support.format_violations(data), [])
                    else:
                        refused += 1
                        self.assertEqual(out, b"")
                        self.assertEqual(err.count(b"\n"), 1, err)
                        self.assertTrue(err.startswith(b"pyheap_print: error: "))
            # The damage is real: most of it breaks a rule.
            self.assertGreater(refused, accepted, name)


class RuleTest(unittest.TestCase):
    """Each rule, broken on purpose, and what the viewer says."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def damaged(self, name, change):
        """The lines of NAME (no trailer) changed by change(lines), with
        the trailer recounted; returns the viewer's (status, stderr)."""
        lines = read(name).split(b"\n")[:-2]
        lines = change(lines)
        data = b"\n".join(lines + [b"end-of-file %d" % len(lines)]) + b"\n"
        path = os.path.join(self.tmp.name, "x.out")
        with open(path, "wb") as f:
            f.write(data)
        self.assertNotEqual(support.format_violations(data), [])
        status, out, err = support.run_in_process(["--format=json",
                                                   "--at=exit", path])
        return status, err.decode()

    def first(self, lines, prefix, after=b""):
        start = lines.index(after) if after else 0
        return next(i for i in range(start, len(lines))
                    if lines[i].startswith(prefix))

    def refuses(self, name, change, *fragments):
        status, err = self.damaged(name, change)
        self.assertEqual(status, 1, err)
        self.assertEqual(err.count("\n"), 1, err)
        for fragment in fragments:
            self.assertIn(fragment, err)

    def test_b_records_sum_to_the_c_line(self):
        for field, what in ((2, "bytes"), (3, "blocks")):
            def change(lines):
                i = self.first(lines, b"c pymalloc ")
                f = lines[i].split(b" ")
                f[field] = b"%d" % (int(f[field]) + 1)
                lines[i] = b" ".join(f)
                return lines
            with self.subTest(field=what):
                self.refuses("realapp.out", change, "'b' records add up to",
                             "%s, its 'c' line says" % what)

    def test_b_records_sorted(self):
        def change(lines):
            i = self.first(lines, b"b ")
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
            return lines
        self.refuses("realapp.out", change, "'b' records out of order")

    def test_a_number_over_64_bits(self):
        def change(lines):
            i = self.first(lines, b"tot ")
            f = lines[i].split(b" ")
            f[3] = b"1" + b"0" * 30
            lines[i] = b" ".join(f)
            return lines
        self.refuses("realapp.out", change, "does not fit in 64 bits")

    def test_a_sample_is_the_sum_of_its_classes(self):
        def change(lines):
            i = self.first(lines, b"t 3 ")
            f = lines[i].split(b" ")
            f[3] = b"%d" % (int(f[3]) + 1)
            lines[i] = b" ".join(f)
            return lines
        self.refuses("realapp.out", change, "'t' record: heap_B")

    def test_snapshots_in_the_order_of_their_samples(self):
        def change(lines):
            starts = [i for i, line in enumerate(lines)
                      if line.startswith(b"snapshot ")]
            ends = [i for i, line in enumerate(lines)
                    if line == b"end-snapshot"]
            a = lines[starts[0]:ends[0] + 1]
            b = lines[starts[1]:ends[1] + 1]
            return lines[:starts[0]] + b + a + lines[ends[1] + 1:]
        self.refuses("realapp.out", change, "snapshots come in the order")

    def test_born_records_sum_to_the_c_line(self):
        def change(lines):
            i = self.first(lines, b"born ")
            del lines[i]
            return lines
        self.refuses("format2.out", change, "'born' records add up to")

    def test_arenas_count_the_a_line(self):
        def change(lines):
            i = self.first(lines, b"arenas 9 ")
            f = lines[i].split(b" ")
            f[2] = b"%d" % (int(f[2]) + 1)
            lines[i] = b" ".join(f)
            return lines
        self.refuses("format2.out", change, "'arenas' records count")

    def test_y_records_sum_to_the_b_records(self):
        def change(lines):
            i = self.first(lines, b"y ")
            del lines[i]
            return lines
        self.refuses("format2.out", change, "'y' records add up to")

    def test_pinned_and_tot_records_sorted(self):
        for tag in (b"pinned ", b"tot "):
            def change(lines):
                i = self.first(lines, tag)
                j = i + 1
                while lines[j].split(b" ")[1:3] == lines[i].split(b" ")[1:3]:
                    j += 1
                lines[i], lines[j] = lines[j], lines[i]
                return lines
            with self.subTest(tag=tag):
                self.refuses("format2.out", change, "out of order")


if __name__ == "__main__":
    unittest.main()
