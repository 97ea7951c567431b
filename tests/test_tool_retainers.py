"""pyheap: who holds it: the chain of pointers that keeps a line's blocks alive (--retainers), and what nothing holds any more."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Real runs of small programs that keep memory the ways leaks keep it: a
# module-level dict used as an index, a bound method in a class-level
# observer list, exception tuples (tracebacks, frames, their locals) in a
# list, numpy arrays in a list, and a C malloc whose pointer is dropped.
# Each checks that the first holder the report names is the container a
# user would name -- by its name, and through the links a user would
# recognise -- and that it accounts for (nearly) all of the line's bytes:
# the scan is conservative (ph_retainers.c), a stale word may claim a
# block, so "all" is at least 95%.

import json
import subprocess

import support

INDEX = r'''
class Record:
    def __init__(self, i):
        self.i = i
        self.payload = "x" * 300 + str(i)     # LINE:payload

_index = {}                                   # LINE:index

def add(i):
    r = Record(i)                             # LINE:record
    _index["k%d" % i] = r                     # LINE:fill

for i in range(3000):
    add(i)
'''

OBSERVERS = r'''
class Bus:
    observers = []

class Listener:
    def __init__(self, n):
        self.chunks = [bytes(4096) for _ in range(4)]   # LINE:chunks

    def on_event(self, event):
        return len(self.chunks)

def subscribe(n):
    Bus.observers.append(Listener(n).on_event)   # LINE:subscribe

for i in range(100):
    subscribe(i)
'''

EXC_INFO = r'''
import sys
errors = []

def work(i):
    payload = bytearray(10000)                # LINE:payload
    raise ValueError(i)

for i in range(50):
    try:
        work(i)
    except ValueError:
        errors.append(sys.exc_info())          # LINE:append
'''

NUMPY = r'''
import numpy
arrays = []

def step(i):
    arrays.append(numpy.zeros(20000))         # LINE:array

for i in range(30):
    step(i)
'''

CTYPES = r'''
import ctypes
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]

def leak():
    libc.malloc(5000)                         # LINE:leak

def keep():
    return ctypes.c_void_p(libc.malloc(7000)) # LINE:keep

kept = []
for i in range(20):
    leak()
    kept.append(keep())
'''

# Random words in live blocks: integers that look like heap addresses,
# real addresses of live objects shifted by small amounts, and words of
# freed blocks, in bytearrays and in ctypes buffers (raw blocks).
GARBAGE = r'''
import ctypes, random, struct
rnd = random.Random(7)
keep = [bytes(rnd.randrange(1, 200)) for i in range(2000)]
freed = [bytearray(64) for i in range(500)]
addresses = [id(o) + rnd.randrange(-64, 64) for o in keep] + \
            [id(o) for o in freed]
del freed
junk = []
for i in range(300):
    words = [rnd.choice(addresses) if rnd.random() < 0.7
             else rnd.getrandbits(64) for _ in range(32)]
    data = struct.pack("<32Q", *words)
    junk.append(bytearray(data))                               # LINE:bytearray
    buf = ctypes.create_string_buffer(data)                    # LINE:ctypes
    junk.append(buf)
'''


def retainers(outfile, *args):
    proc = support.viewer(["--retainers", "--format=json", "--top=0"]
                          + list(args) + [outfile])
    if proc.returncode != 0:
        raise AssertionError("pyheap_print --retainers failed: "
                             + proc.stderr)
    return json.loads(proc.stdout)


def site(data, path, line):
    """The one site of --retainers JSON at PATH:LINE (path by its end)."""
    found = [s for s in data["sites"]
             if s["location"].endswith("%s:%d" % (path, line))]
    if len(found) != 1:
        raise AssertionError("%s:%d: %d sites" % (path, line, len(found)))
    return found[0]


class RetainersTest(support.ToolTestCase):

    def run_prog(self, source):
        lines = support.marker_lines(source)
        res = support.run_python_script(self, source, self.workdir)
        return res.outfile, lines

    def held_by_name(self, s, name):
        """The bytes of site S whose first holder is named NAME."""
        return sum(h["bytes"] for h in s["held_by"] if h["name"] == name)

    def assert_mostly(self, part, whole, what, s=None):
        self.assertGreaterEqual(part, 0.95 * whole,
                                "%s: %d of %d bytes; held by %s"
                                % (what, part, whole,
                                   json.dumps(s and s["held_by"][:3])))

    def test_index_dict(self):
        """Records kept in a module-level dict: the Records' and their
        payloads' first holder is the dict `_index`, through its table
        filled at the line that stores them, in module __main__."""
        out, lines = self.run_prog(INDEX)
        data = retainers(out)
        records = site(data, "prog.py", lines["record"])
        self.assertEqual(records["type"], "Record")
        self.assert_mostly(self.held_by_name(records, "_index"),
                           records["bytes"], "Records held by _index",
                           records)
        top = records["held_by"][0]
        self.assertEqual((top["name"], top["type"], top["module"]),
                         ("_index", "dict", "__main__"))
        fill = "prog.py:%d" % lines["fill"]
        self.assertTrue(any(link["location"].endswith(fill)
                            for link in top["through"]), top)
        payload = site(data, "prog.py", lines["payload"])
        self.assertEqual(payload["type"], "str")
        self.assert_mostly(self.held_by_name(payload, "_index"),
                           payload["bytes"], "payloads held by _index",
                           payload)
        through = [link["type"] for link in payload["held_by"][0]["through"]]
        self.assertIn("Record", through)
        # Every block is held one way: the holders add up to the site.
        for s in data["sites"]:
            self.assertEqual(sum(h["bytes"] for h in s["held_by"]),
                             s["bytes"], s["location"])
        # The text names the holder too, and so do the first screen and
        # --growth, for the growing lines.
        text = support.viewer(["--retainers", out]).stdout
        self.assertRegex(text, r"held by dict `_index` made at .*in module "
                               r"`__main__`")
        summary = support.viewer(["--summary", out]).stdout
        self.assertRegex(summary, r"prog\.py:%d Record\.__init__\n.*\n"
                                  r" +held by dict `_index` in module "
                                  r"`__main__` \((100\.00|9\d\.\d\d)%%"
                         % lines["payload"])
        growth = json.loads(support.viewer(
            ["--growth", "--format=json", out]).stdout)
        grown = [s for s in growth["sites"] if s["growing"]
                 and s["location"].endswith("prog.py:%d" % lines["payload"])]
        self.assertEqual(len(grown), 1, growth["sites"])
        self.assertEqual(grown[0]["held_by"]["text"],
                         "dict `_index` in module `__main__`")
        # Every grouping of --growth and of the gate names holders too
        # (a class or a module holds as a line does), without failing.
        for by in ("class", "module", "package", "file", "function",
                   "stack"):
            for args in (["--growth"], ["--check", "--max-growth=1KB"]):
                proc = support.viewer(args + ["--by=" + by, out])
                self.assertIn(proc.returncode, (0, 3), proc.stderr)
                self.assertEqual(proc.stderr, "")

    def test_bound_method_in_observer_list(self):
        """A bound method in a class-level list keeps its instance and the
        instance's bytes chunks: their holder is the list `observers`,
        through the method and the Listener."""
        out, lines = self.run_prog(OBSERVERS)
        chunks = site(retainers(out), "prog.py", lines["chunks"])
        # 3.12's list free list leaves stale words naming some of the
        # chunk lists in static data: 95% there, 90% asked.
        self.assertGreaterEqual(self.held_by_name(chunks, "observers"),
                                0.9 * chunks["bytes"], chunks)
        top = chunks["held_by"][0]
        self.assertEqual((top["name"], top["type"]), ("observers", "list"))
        types = [link["type"] for link in top["through"]]
        self.assertIn("method", types)
        self.assertIn("Listener", types)
        subscribe = "prog.py:%d" % lines["subscribe"]
        self.assertTrue(any(link["location"].endswith(subscribe)
                            for link in top["through"]), top)

    def test_exc_info_in_a_list(self):
        """sys.exc_info() tuples in a list keep their frames' locals: the
        bytearrays' holder is the list `errors`, through the tuple, the
        traceback and the frame."""
        out, lines = self.run_prog(EXC_INFO)
        payload = site(retainers(out), "prog.py", lines["payload"])
        self.assertGreaterEqual(self.held_by_name(payload, "errors"),
                                0.9 * payload["bytes"], payload)
        top = payload["held_by"][0]
        self.assertEqual((top["name"], top["type"]), ("errors", "list"))
        types = [link["type"] for link in top["through"]]
        for kind in ("tuple", "traceback", "frame"):
            self.assertIn(kind, types)

    def test_numpy_arrays_in_a_list(self):
        """numpy arrays appended to a module-level list: their data
        buffers' holder is the list `arrays`, through the ndarray."""
        if subprocess.run([support.python(), "-c", "import numpy"],
                          stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode != 0:
            self.skipTest("numpy is not installed for %s (Debian: "
                          "python3-numpy)" % support.python())
        out, lines = self.run_prog(NUMPY)
        arrays = site(retainers(out), "prog.py", lines["array"])
        self.assertGreaterEqual(self.held_by_name(arrays, "arrays"),
                                0.9 * arrays["bytes"], arrays)
        top = arrays["held_by"][0]
        self.assertEqual((top["name"], top["type"]), ("arrays", "list"))
        self.assertIn("numpy.ndarray",
                      [link["type"] for link in top["through"]])

    def test_dropped_malloc_is_unreachable(self):
        """A C malloc whose pointer is dropped is unreachable, at the
        Python line that called it, with its bytes; one kept in a
        c_void_p in a global list is not."""
        out, lines = self.run_prog(CTYPES)
        data = retainers(out)
        lost = [u for u in data["unreachable"]
                if u["location"].endswith("prog.py:%d" % lines["leak"])]
        self.assertEqual(len(lost), 1, data["unreachable"])
        # The last pointers malloc returned may still lie in stale words
        # (ctypes' result buffers, a dead frame's value stack, a register):
        # most of the 20, not all.
        self.assertGreaterEqual(lost[0]["blocks"], 15, lost)
        self.assertEqual((lost[0]["bytes"], lost[0]["direct_bytes"]),
                         (5000 * lost[0]["blocks"],) * 2)
        self.assertFalse([u for u in data["unreachable"]
                          if u["location"].endswith("prog.py:%d"
                                                    % lines["keep"])])
        keep = site(data, "prog.py", lines["keep"])
        self.assertEqual(keep["unreachable_bytes"], 0)
        self.assertGreater(keep["bytes"], 20 * 7000)
        # The gate: a limit on the unreachable C memory names the line.
        lost_B = lost[0]["c_bytes"]
        self.assertEqual(lost_B, lost[0]["bytes"])
        gate = support.viewer(["--check", "--max-unreachable=%d"
                               % (lost_B - 1), out])
        self.assertEqual(gate.returncode, 3, gate.stdout + gate.stderr)
        self.assertRegex(gate.stdout, r"FAIL max-unreachable .*the most: "
                                      r"leak \(.*prog\.py:%d\)"
                         % lines["leak"])
        gate = support.viewer(["--check", "--max-unreachable=%d"
                               % (lost_B + 100000), out])
        self.assertEqual(gate.returncode, 0, gate.stdout + gate.stderr)

    def test_garbage_words_never_crash(self):
        """Blocks full of words that look like pointers (random, live
        objects' addresses shifted, freed blocks' -- since reused by the
        junk itself): the run ends well, the viewer reads the file (its
        sums checked), every block is held one way, and most of the junk
        by the list `junk` (the rest by junk that points at it: the
        conservative answer)."""
        out, lines = self.run_prog(GARBAGE)
        data = retainers(out)
        for s in data["sites"]:
            self.assertEqual(sum(h["bytes"] for h in s["held_by"]),
                             s["bytes"], s["location"])
        for key in ("bytearray", "ctypes"):
            s = site(data, "prog.py", lines[key])
            self.assertGreaterEqual(self.held_by_name(s, "junk"),
                                    0.5 * s["bytes"], s)

    def test_no_retainers_option(self):
        """--retainers=no: no scan, and pyheap_print says so in one line."""
        res = support.run_python_script(
            self, INDEX, self.workdir,
            tool_options=("--time-unit=B", "--retainers=no"))
        with open(res.outfile) as f:
            self.assertNotIn("\nretainers ", f.read())
        proc = support.viewer(["--retainers", res.outfile])
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(proc.stdout, "")
        self.assertRegex(proc.stderr, r"^pyheap_print: error: .*no "
                                      r"retainers in the file: it was "
                                      r"written with --retainers=no\n$")
        for by in ("type", "class"):
            proc = support.viewer(["--retainers", "--by=" + by, res.outfile])
            self.assertEqual((proc.returncode, proc.stdout), (2, ""))
            self.assertRegex(proc.stderr, r"^pyheap_print: error: --by=%s "
                                          r"does not go with --retainers" % by)
