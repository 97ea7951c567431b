"""pyheap: iteration marks: bytes per iteration still live, the window, the exit, thinning."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The programs below leak a known amount per iteration: exactly LEAK_N
# bytes objects of a size the script measures with sys.getsizeof (one
# pymalloc block each), appended to a module-level list, while other
# allocations of the same iteration are freed before the mark or during
# the next iteration.  The expected numbers come from the program, not
# from the tool.
#
# Each marked line of the script allocates only what no CPython free list
# keeps: bytes and str objects, and a list's item array grown by append.
# An object that a free list keeps is never freed to the allocator: its
# block stays live, born on the line that first allocated it, and is then
# reused anywhere else without a new allocation.  CPython 3.14 added free
# lists for range iterators, ranges, list and tuple iterators and small
# ints (pycore_freelist_state.h), and tuples and lists have had them all
# along, so a comprehension on the line (its range iterator), a call to a
# type without vectorcall such as bytes(n) (its argument tuple) or a loop
# variable made there (an int) could leave a block born in iteration 1 on
# the line for the rest of the run -- correctly reported, as it is live,
# but not what the test is about.  So the loops and the list objects are
# on lines of their own, and the objects are made by repetition
# (Z * n, with Z a module global so that the compiler cannot fold it into
# one constant) rather than by calling bytes.

import os
import subprocess

import support

LEAK_N = 1000

SCRIPT = r'''
import json
import sys

import pyheap

KEEP = []
PENDING = None
N_ITER = int(sys.argv[2])
Z = b"\0"


def leak(n):
    for _ in range(n):
        KEEP.append(Z * 100)                                     # LINE:leak


def make_pending():
    pending = []
    for _ in range(200):
        pending.append(Z * 300)                                  # LINE:pending
    return pending


def one_iteration():
    global PENDING
    new_pending = make_pending()
    scratch = []
    for i in range(2000):
        scratch.append(f"{i}" * 3)                               # LINE:scratch
    del scratch
    PENDING = new_pending
    leak(1000)


for it in range(N_ITER):
    one_iteration()
    pyheap.mark("batch")
leak(500)                                                        # after the last mark

with open(sys.argv[1], "w") as f:
    json.dump({"leak": sys.getsizeof(Z * 100),
               "pending": sys.getsizeof(Z * 300),
               "pending_array": sys.getsizeof(PENDING) - sys.getsizeof([])}, f)
'''

C_PROGRAM = r'''
/* A C program that marks its iterations: keeps 1000 + i bytes per
   iteration, frees a 5000-byte scratch block each time. */
#include <stdlib.h>
#include "pyheap.h"

static void *kept[16];

void *keep_block(int i)
{
   return malloc(1000 + i);                      /* LINE:keep */
}

void *scratch_block(void)
{
   return malloc(5000);                          /* LINE:scratch */
}

int main(void)
{
   int i;
   for (i = 1; i <= 4; i++) {
      void *s = scratch_block();
      kept[i] = keep_block(i);
      free(s);
      if (i < 4)
         PYHEAP_MARK("c-iteration");
      else
         PYHEAP_MARK(NULL);
   }
   return 0;
}
'''


def read_file(path):
    """The parts of a pyheap file the tests need: meta, snapshots with
    their b and m records, and each stack's innermost frame."""
    meta, strings, frames, stacks, snaps = {}, {}, {}, {}, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            w = line.rstrip("\n").split(" ")
            tag = w[0]
            if tag == "meta":
                meta[w[1]] = " ".join(w[2:])
            elif tag == "s":
                strings[int(w[1])] = " ".join(w[2:])
            elif tag == "f":
                if w[2] == "py":
                    frames[int(w[1])] = (strings[int(w[3])], int(w[4]),
                                         strings[int(w[5])])
                else:
                    func = strings.get(int(w[4]), "?")
                    src = strings.get(int(w[5]), "?")
                    frames[int(w[1])] = (src, int(w[6]), func)
            elif tag == "k":
                stacks[int(w[1])] = frames[int(w[3])]
            elif tag == "snapshot":
                snaps.append({"n": int(w[1]), "kind": w[3],
                              "label": " ".join(w[4:]), "b": [], "m": [],
                              "c": []})
            elif tag == "c":
                snaps[-1]["c"].append((int(w[2]), int(w[3])))
            elif tag == "b":
                snaps[-1]["b"].append((int(w[1]), w[2], int(w[3]), int(w[4])))
            elif tag == "m":
                snaps[-1]["m"].append((int(w[1]), w[2], int(w[3]), int(w[4]),
                                       int(w[5])))
    return meta, stacks, snaps


def m_at(stacks, snap, filename, line, cls=None):
    """{birth_iter: (bytes, blocks)} of SNAP's m records whose innermost
    frame is FILENAME:LINE (and of class CLS, if given)."""
    out = {}
    for kid, c, it, b, n in snap["m"]:
        frame = stacks.get(kid)
        if frame is None or os.path.basename(frame[0]) != filename or frame[1] != line:
            continue
        if cls is not None and c != cls:
            continue
        ob, on = out.get(it, (0, 0))
        out[it] = (ob + b, on + n)
    return out


class MarkTest(support.ToolTestCase):

    def run_script(self, n_iter, options=()):
        return support.run_with_facts(self, SCRIPT, self.workdir, [str(n_iter)],
                                      tool_options=["--time-unit=B"] + list(options))

    def test_marks_exact(self):
        """Per mark and birth iteration: the exact leak, freed blocks gone, the window, the exit."""
        lines = support.marker_lines(SCRIPT)
        n_iter, window = 6, 3
        res, facts = self.run_script(n_iter, ["--mark-window=%d" % window])
        meta, stacks, snaps = read_file(res.outfile)
        self.assertEqual(meta["marks"], str(n_iter))
        self.assertEqual(meta["mark_window"], str(window))
        self.assertEqual(meta["mark_b_stride"], "1")

        # Every snapshot has its own sample, in file order.
        ns = [s["n"] for s in snaps]
        self.assertEqual(ns, sorted(set(ns)))

        marks = [s for s in snaps if s["kind"] == "mark"]
        self.assertEqual([s["label"] for s in marks], ["batch"] * n_iter)
        one = (LEAK_N * facts["leak"], LEAK_N)
        for k, snap in enumerate(marks, 1):
            with self.subTest(mark=k):
                first = max(1, k - window + 1)
                leak = m_at(stacks, snap, "prog.py", lines["leak"], "pymalloc")
                # Exactly the window's iterations, each its exact leak.
                self.assertEqual(leak, {j: one for j in range(first, k + 1)})
                # Nothing of any site is older than the window.
                self.assertTrue(all(first <= it <= k for _, _, it, _, _ in snap["m"]),
                                sorted(set(it for _, _, it, _, _ in snap["m"])))
                # The scratch list was freed before the mark.
                self.assertEqual(m_at(stacks, snap, "prog.py", lines["scratch"]), {})
                # PENDING of iteration k is live at mark k, gone at k + 1:
                # its 200 objects (pymalloc) and its item array (over
                # 512 bytes: python-large), nothing else.
                self.assertEqual(m_at(stacks, snap, "prog.py", lines["pending"], "pymalloc"),
                                 {k: (200 * facts["pending"], 200)})
                self.assertEqual(m_at(stacks, snap, "prog.py", lines["pending"]),
                                 {k: (200 * facts["pending"] + facts["pending_array"], 201)})
                # The b records are the whole heap: they add up to the c lines.
                self.assertEqual(sum(b for _, _, b, _ in snap["b"]),
                                 sum(b for b, _ in snap["c"]))

        # The exit snapshot: every iteration's survivors, including the
        # 500 objects leaked after the last mark (iteration n_iter + 1).
        exit_snap = [s for s in snaps if s["kind"] == "exit"][-1]
        leak = m_at(stacks, exit_snap, "prog.py", lines["leak"], "pymalloc")
        expected = {j: one for j in range(1, n_iter + 1)}
        expected[n_iter + 1] = (500 * facts["leak"], 500)
        self.assertEqual(leak, expected)
        # Only the last PENDING survives.
        self.assertEqual(m_at(stacks, exit_snap, "prog.py", lines["pending"]),
                         {n_iter: (200 * facts["pending"] + facts["pending_array"], 201)})
        # The m records of the exit add up to its heap.
        self.assertEqual(sum(b for _, _, _, b, _ in exit_snap["m"]),
                         sum(b for b, _ in exit_snap["c"]))

        # The viewer reads the file.
        rows = support.viewer_json(res.outfile, at="exit")
        self.assertTrue(support.rows_at(rows, "prog.py", lines["leak"]))

    def test_m_record_order(self):
        """m records: birth iteration ascending, then bytes descending, then kid, then class."""
        res, _ = self.run_script(3)
        classes = {"raw": 0, "pymalloc": 1, "python-large": 2}
        _, _, snaps = read_file(res.outfile)
        for snap in snaps:
            keys = [(it, -b, kid, classes[c]) for kid, c, it, b, _ in snap["m"]]
            self.assertEqual(keys, sorted(keys))
            self.assertEqual(len(keys), len(set((k[0], k[2], k[3]) for k in keys)))

    def test_no_marks(self):
        """A run without marks: meta marks 0, no mark snapshot, no m record."""
        res = support.run_python_script(self, "x = [bytes(10) for _ in range(10)]\n",
                                        self.workdir)
        meta, _, snaps = read_file(res.outfile)
        self.assertEqual(meta["marks"], "0")
        self.assertEqual(meta["mark_window"], "8")
        self.assertEqual([s for s in snaps if s["kind"] == "mark" or s["m"]], [])

    def test_thinning(self):
        """More marks than --max-mark-snapshots: every mark kept, b records only every S-th."""
        lines = support.marker_lines(SCRIPT)
        n_iter = 10
        res, facts = self.run_script(n_iter, ["--max-mark-snapshots=3", "--mark-window=2"])
        meta, stacks, snaps = read_file(res.outfile)
        # The smallest power of two S with 10 // S <= 3 is 4.
        self.assertEqual(meta["mark_b_stride"], "4")
        marks = [s for s in snaps if s["kind"] == "mark"]
        self.assertEqual(len(marks), n_iter)
        self.assertEqual([k for k, s in enumerate(marks, 1) if s["b"]], [4, 8])
        one = (LEAK_N * facts["leak"], LEAK_N)
        for k, snap in enumerate(marks, 1):
            self.assertEqual(len(snap["c"]), 3)
            self.assertGreater(sum(b for b, _ in snap["c"]), 0)
            self.assertEqual(m_at(stacks, snap, "prog.py", lines["leak"], "pymalloc"),
                             {j: one for j in range(max(1, k - 1), k + 1)})
        ns = [s["n"] for s in snaps]
        self.assertEqual(ns, sorted(set(ns)))
        support.viewer_json(res.outfile, at="exit")

    def test_c_macro(self):
        """PYHEAP_MARK from a C program: the kept block of each iteration, by birth iteration."""
        exe = support.compile_program(
            self.workdir, support.write_file(self.workdir, "markprog.c", C_PROGRAM))
        res = support.pyheap_run([exe], self.workdir)
        self.assertEqual(res.returncode, 0, res.stderr[-3000:])
        lines = support.marker_lines(C_PROGRAM)
        meta, stacks, snaps = read_file(res.outfile)
        self.assertEqual(meta["marks"], "4")
        marks = [s for s in snaps if s["kind"] == "mark"]
        self.assertEqual([s["label"] for s in marks], ["c-iteration"] * 3 + ["iteration"])
        for k, snap in enumerate(marks, 1):
            self.assertEqual(m_at(stacks, snap, "markprog.c", lines["keep"], "raw"),
                             {j: (1000 + j, 1) for j in range(1, k + 1)})
            self.assertEqual(m_at(stacks, snap, "markprog.c", lines["scratch"]), {})
        exit_snap = [s for s in snaps if s["kind"] == "exit"][-1]
        self.assertEqual(m_at(stacks, exit_snap, "markprog.c", lines["keep"], "raw"),
                         {j: (1000 + j, 1) for j in range(1, 5)})

    def test_outside_valgrind(self):
        """Without pyheap, pyheap.mark() does nothing; a bad label is still a TypeError."""
        env = support.clean_env(PYTHONPATH=os.path.join(support.SRCDIR, "pyheap"))
        code = ("import pyheap\n"
                "pyheap.mark()\n"
                "pyheap.mark('batch')\n"
                "try:\n"
                "    pyheap.mark(3)\n"
                "except TypeError as e:\n"
                "    print('TypeError', e)\n"
                "print(pyheap.running())\n")
        proc = subprocess.run([support.python(), "-c", code], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.splitlines(),
                         ["TypeError pyheap.mark() label must be str, not int", "False"])

    def test_bad_label_pointer(self):
        """PYHEAP_MARK with a pointer to unmapped memory: no crash, the mark is taken."""
        src = support.write_file(self.workdir, "badlabel.c",
                                 '#include "pyheap.h"\n'
                                 'int main(void)\n{\n'
                                 '   PYHEAP_MARK((const char *)16);\n'
                                 '   PYHEAP_MARK((const char *)0x100000000000UL);\n'
                                 '   return 0;\n}\n')
        exe = support.compile_program(self.workdir, src, debug=False)
        res = support.pyheap_run([exe], self.workdir)
        self.assertEqual(res.returncode, 0, res.stderr[-3000:])
        meta, _, snaps = read_file(res.outfile)
        self.assertEqual(meta["marks"], "2")
        self.assertEqual([s["label"] for s in snaps if s["kind"] == "mark"], ["", ""])

    def test_bad_options(self):
        """--mark-window and --max-mark-snapshots out of range: one clear error, no run."""
        for option, reason in (
                ("--mark-window=0", "'--mark-window' argument must be between 1 and 1000"),
                ("--mark-window=1001", "'--mark-window' argument must be between 1 and 1000"),
                ("--mark-window=x", "Invalid integer value 'x'"),
                ("--max-mark-snapshots=0",
                 "'--max-mark-snapshots' argument must be between 1 and 1000000"),
                ("--max-mark-snapshots=-3",
                 "'--max-mark-snapshots' argument must be between 1 and 1000000")):
            with self.subTest(option=option):
                res = support.run_refused(self, [option],
                                          support.bad_option_stderr(option, reason))
                self.assertIn(option.split("=")[0], res.stderr)
                self.assertRegex(res.stderr, r"(?i)bad option")
