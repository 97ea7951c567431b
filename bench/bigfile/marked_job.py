"""pyheap bench: an ORM-like batch job with an iteration mark per batch, to make big marked output files for pyheap_print --leaks."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage (from the build tree):
#
#     PYTHONPATH=pyheap pyheap/pyheap-run --pyheap-out-file=marked.out \
#         --time-unit=B /usr/bin/python3 bench/bigfile/marked_job.py \
#         [BATCHES [FANOUT [LEVELS]]]
#
# Each batch "loads rows": for a third of the FANOUT ** LEVELS call paths
# (the default, 8 ** 4 = 4,096 distinct Python stacks; bench/bigfile/
# workload.py says how the paths make stacks), it builds a row object at
# the end of the path's call chain, as an ORM builds entities deep in its
# query machinery, and gives it a column value made by one of LOADERS
# generated column loaders (each its own line, as an ORM's mapped
# columns are many lines of code): each batch uses 64 of them, other ones
# the next batch, so most lines hold memory in a few marks only.  The job
# keeps a sliding window of recent rows (a session that is cleared, the
# heap steady) and, like a forgotten identity map, one small record of
# every 16th row for good: the leak --leaks must find.  pyheap.mark() ends each batch, so every batch is a
# mark snapshot with its births by iteration and, up to
# --max-mark-snapshots, the whole heap by stack: that, times the batches,
# makes the file big.  Deterministic: it prints one checksum line.
#
# Outside pyheap (or without the pyheap module) the marks do nothing.

import os
import sys

try:
    import pyheap
    mark = pyheap.mark
except (ImportError, AttributeError):
    def mark(label="iteration"):
        pass

BATCHES = int(sys.argv[1]) if len(sys.argv) > 1 else 160
FANOUT = int(sys.argv[2]) if len(sys.argv) > 2 else 8
LEVELS = int(sys.argv[3]) if len(sys.argv) > 3 else 4
WINDOW = FANOUT ** LEVELS
LOADERS = 1500

session = []
identity_map = {}


class Row:
    __slots__ = ("key", "name", "values", "column")

    def __init__(self, key, name, values):
        self.key = key
        self.name = name
        self.values = values
        self.column = None


def load(i):
    kind = i % 3
    if kind == 0:
        return Row(i, "row-%d" % i, [i] * (4 + i % 60))
    if kind == 1:
        return Row(i, "row-%d" % i, {"c%d" % j: j for j in range(i % 7)})
    return Row(i, "x" * (24 + i % 300), bytearray(200 + i % 1500))


# The column loaders: one function per line of a generated source file
# (named as if it were one beside this script; it need not exist).
_SOURCE = "".join("def column_%d(i): return ['c%d', i] * (2 + i %% 13)\n"
                  % (k, k) for k in range(LOADERS))
_NAMESPACE = {}
exec(compile(_SOURCE, os.path.join(os.path.dirname(os.path.abspath(
    __file__)), "generated_columns.py"), "exec"), _NAMESPACE)
COLUMNS = [_NAMESPACE["column_%d" % k] for k in range(LOADERS)]


# Eight functions with the same body; each calls the one named by the
# next digit of the path, from its own line, so stacks differ by the
# functions they pass through.
def q0(path, i):
    if not path:
        return load(i)
    return QUERY[path[0]](path[1:], i)


def q1(path, i):
    if not path:
        return load(i)
    return QUERY[path[0]](path[1:], i)


def q2(path, i):
    if not path:
        return load(i)
    return QUERY[path[0]](path[1:], i)


def q3(path, i):
    if not path:
        return load(i)
    return QUERY[path[0]](path[1:], i)


def q4(path, i):
    if not path:
        return load(i)
    return QUERY[path[0]](path[1:], i)


def q5(path, i):
    if not path:
        return load(i)
    return QUERY[path[0]](path[1:], i)


def q6(path, i):
    if not path:
        return load(i)
    return QUERY[path[0]](path[1:], i)


def q7(path, i):
    if not path:
        return load(i)
    return QUERY[path[0]](path[1:], i)


QUERY = [q0, q1, q2, q3, q4, q5, q6, q7][:FANOUT]


def digits(n):
    out = []
    for _ in range(LEVELS):
        out.append(n % FANOUT)
        n //= FANOUT
    return out


def remember(row):
    # The leak: a record per 16th row, never dropped.
    if row.key % 16 == 0:
        identity_map[(row.key, len(identity_map))] = (row.key, row.name[:8])


def main():
    checksum = 0
    paths = [digits(n) for n in range(FANOUT ** LEVELS)]
    for b in range(BATCHES):
        # A different third of the paths, in a different order, per batch.
        step = 2 * b + 1
        for j in range(0, len(paths), 3):
            n = (j * step + b) % len(paths)
            row = QUERY[paths[n][0]](paths[n][1:], n + b * len(paths))
            row.column = COLUMNS[(b * 37 + n % 64) % LOADERS](row.key)
            checksum = (checksum + row.key) % 1000003
            session.append(row)
            remember(row)
        del session[:max(0, len(session) - WINDOW)]
        mark("batch")
    print("checksum", checksum, len(session), len(identity_map))


main()
