"""Many small objects: __dict__ and __slots__ instances, tuples, lists."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Allocations (bench/run --count-allocs: memcheck, CPython 3.11.2, start-up
# subtracted): 13,772,397 with PYTHONMALLOC=malloc (every allocation event),
# 2,331 of them reach malloc with pymalloc on.


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y
        self.tags = [x, y]


class Slotted:
    __slots__ = ("a", "b", "c")

    def __init__(self, a, b, c):
        self.a = a
        self.b = b
        self.c = c


def build(n, seed):
    objs = []
    for i in range(n):
        p = Point(i, i + seed)
        s = Slotted(p, (i, seed, "k%d" % (i % 97)), i * 0.5)
        objs.append((p, s))
    return objs


def main():
    total = 0
    keep = []
    for rnd in range(50):
        objs = build(20000, rnd)
        total += sum(s.b[0] + p.y for p, s in objs)
        keep.append(objs[::2000])
        del objs
    print("small_objects", total, sum(len(k) for k in keep))


if __name__ == "__main__":
    main()
