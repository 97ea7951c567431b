"""pyheap: regions report exactly what the code inside them left live, and object types."""
# SPDX-License-Identifier: GPL-2.0-or-later

import support

SCRIPT = r'''
import json
import sys

import pyheap

keep = []
with pyheap.region("batch") as r:
    keep.extend(bytes(1000 + i) for i in range(100))           # LINE:keep
    scratch = bytearray(2000000)                               # LINE:scratch
    del scratch

facts = {
    "keep_objects": sum(sys.getsizeof(b) for b in keep),
    "keep_buffer": sys.getsizeof(keep) - sys.getsizeof([]),
    "scratch": sys.getsizeof(bytearray(2000000)) - sys.getsizeof(bytearray()),
    "live_bytes": r.live_bytes, "live_blocks": r.live_blocks,
    "peak_increase": r.peak_increase,
}
with open(sys.argv[1], "w") as f:
    json.dump(facts, f)
'''


def typed_records(path, kind, label):
    """{type name: (bytes, blocks)} of the y records of one snapshot."""
    strings, out, inside = {}, {}, False
    with open(path, encoding="utf-8") as f:
        for line in f:
            words = line.rstrip("\n").split(" ")
            if words[0] == "s":
                strings[int(words[1])] = " ".join(words[2:])
            elif words[0] == "snapshot":
                inside = words[3] == kind and " ".join(words[4:]) == label
            elif words[0] == "y" and inside:
                name = strings.get(int(words[3]), "(no object)")
                b, n = out.get(name, (0, 0))
                out[name] = (b + int(words[4]), n + int(words[5]))
    return out


class RegionTest(support.ToolTestCase):

    def test_region_leftovers_exact(self):
        lines = support.marker_lines(SCRIPT)
        res, facts = support.run_with_facts(self, SCRIPT, self.workdir)

        rows = support.viewer_json(res.outfile, at="batch")
        keep = support.rows_at(rows, "prog.py", lines["keep"])
        # Every bytes object (1000+ bytes: python-large) and the list's
        # buffer, grown inside the region; the generator's frame is gone.
        self.assertEqual(sum(r["bytes"] for r in keep),
                         facts["keep_objects"] + facts["keep_buffer"], keep)
        self.assertEqual(sum(r["blocks"] for r in keep), 101, keep)
        # The scratch buffer was freed inside the region.
        self.assertEqual(support.rows_at(rows, "prog.py", lines["scratch"]), [])
        # What the program was told is what the file holds.
        self.assertEqual(facts["live_bytes"], sum(r["bytes"] for r in rows))
        self.assertEqual(facts["live_blocks"], sum(r["blocks"] for r in rows))
        self.assertGreaterEqual(facts["peak_increase"], facts["scratch"])
        self.assertLess(facts["peak_increase"], facts["scratch"] + 256 * 1024)

        # The object types of what the region left: the 100 bytes objects.
        types = typed_records(res.outfile, "region", "batch")
        self.assertEqual(types.get("bytes"), (facts["keep_objects"], 100), types)

    def test_exit_snapshot_has_types(self):
        script = ("class Leaky:\n"
                  "    __slots__ = ('payload',)\n"
                  "    def __init__(self, i):\n"
                  "        self.payload = i\n"
                  "KEPT = [Leaky(i) for i in range(5000)]\n")
        res = support.run_python_script(self, script, self.workdir)
        types = typed_records(res.outfile, "exit", "")
        self.assertIn("Leaky", types)
        # A __slots__ instance with one slot: 3 words, no GC header counted
        # by getsizeof -- the block holds the GC header too (2 words).
        self.assertEqual(types["Leaky"][1], 5000, types["Leaky"])
        self.assertEqual(types["Leaky"][0], 5000 * (3 * 8 + 2 * 8), types["Leaky"])
        # The viewer's --by=type says the same; the peak has no types.
        rows = support.viewer_json(res.outfile, by="type", at="exit")
        leaky = [r for r in rows if r["location"] == "Leaky"]
        self.assertEqual(len(leaky), 1, rows[:5])
        self.assertEqual((leaky[0]["bytes"], leaky[0]["blocks"]), types["Leaky"])
        self.assertEqual(leaky[0]["by_class"]["pymalloc"], types["Leaky"][0])
        proc = support.viewer(["--format=json", "--by=type", "--at=peak", res.outfile])
        self.assertEqual(proc.returncode, 1)
        self.assertIn("no object types", proc.stderr)
        self.assertEqual(len(proc.stderr.strip().splitlines()), 1)
