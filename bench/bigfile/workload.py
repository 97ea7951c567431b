"""pyheap bench: a long-running Python job with many distinct stacks, to make big pyheap output files."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage (from the build tree):
#
#     pyheap/pyheap-run --pyheap-out-file=big.out --time-unit=B \
#         --max-snapshots=1000 --detailed-freq=1 \
#         python3 bench/bigfile/workload.py [ROUNDS [FANOUT [LEVELS]]]
#
# FANOUT is 2 to 8.
#
# Every allocation is made at the end of a call chain of LEVELS calls
# through FANOUT functions chosen by the digits of a counter, so the
# program has up to FANOUT ** LEVELS distinct Python stacks (the default,
# 8 ** 5 = 32,768).  It keeps a sliding window of what it allocates (the
# heap grows, then holds steady while old objects are dropped), so every
# detailed snapshot has thousands of live sites: that, times the number
# of snapshots, is what makes an output file big.  Deterministic: it
# prints one checksum line.

import sys

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 40
FANOUT = int(sys.argv[2]) if len(sys.argv) > 2 else 8
LEVELS = int(sys.argv[3]) if len(sys.argv) > 3 else 5
WINDOW = FANOUT ** LEVELS // 2

live = []


def leaf(i):
    kind = i % 4
    if kind == 0:
        return "x" * (16 + i % 200)         # pymalloc str
    if kind == 1:
        return [i] * (4 + i % 100)          # list, items may go large
    if kind == 2:
        return {"k%d" % j: j for j in range(i % 6)}
    return bytearray(600 + i % 3000)        # python-large


# Eight functions with the same body; each calls the one named by the
# next digit of the path, from its own line, so stacks differ by the
# functions they pass through.
def f0(path, i):
    if not path:
        return leaf(i)
    return FUNCS[path[0]](path[1:], i)


def f1(path, i):
    if not path:
        return leaf(i)
    return FUNCS[path[0]](path[1:], i)


def f2(path, i):
    if not path:
        return leaf(i)
    return FUNCS[path[0]](path[1:], i)


def f3(path, i):
    if not path:
        return leaf(i)
    return FUNCS[path[0]](path[1:], i)


def f4(path, i):
    if not path:
        return leaf(i)
    return FUNCS[path[0]](path[1:], i)


def f5(path, i):
    if not path:
        return leaf(i)
    return FUNCS[path[0]](path[1:], i)


def f6(path, i):
    if not path:
        return leaf(i)
    return FUNCS[path[0]](path[1:], i)


def f7(path, i):
    if not path:
        return leaf(i)
    return FUNCS[path[0]](path[1:], i)


FUNCS = [f0, f1, f2, f3, f4, f5, f6, f7][:FANOUT]


def digits(n):
    out = []
    for _ in range(LEVELS):
        out.append(n % FANOUT)
        n //= FANOUT
    return out


def main():
    checksum = 0
    paths = [digits(n) for n in range(FANOUT ** LEVELS)]
    for r in range(ROUNDS):
        # Visit the paths in a different order every round.
        step = 2 * r + 1
        for j in range(0, len(paths), 3):
            n = (j * step + r) % len(paths)
            obj = FUNCS[paths[n][0]](paths[n][1:], n + r)
            checksum = (checksum + len(obj)) % 1000003
            live.append(obj)
        del live[:max(0, len(live) - WINDOW)]
    print("checksum", checksum, len(live))


main()
