"""List growth: realloc-heavy appends, bytearrays, big lists (raw path)."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Allocations (bench/run --count-allocs: memcheck, CPython 3.11.2, start-up
# subtracted): 16,373,014 with PYTHONMALLOC=malloc (every allocation event),
# 2,103,250 of them reach malloc with pymalloc on.


def grow_lists(rounds):
    # Lists grown one append at a time: the item array is realloc'ed over and
    # over, past 512 bytes it lives on the raw malloc path.
    total = 0
    for r in range(rounds):
        lists = []
        for j in range(200):
            lst = []
            for i in range(300 + j):
                lst.append(i)
            lists.append(lst)
        total += sum(len(x) for x in lists)
    return total


def grow_buffers(rounds):
    # bytearrays extended in small steps, and bytes built by join: blocks of
    # a few hundred bytes to a few hundred KiB.
    total = 0
    for r in range(rounds):
        bufs = []
        for j in range(60):
            ba = bytearray()
            chunk = bytes([(r + j) & 0xFF]) * (64 + j)
            for _ in range(120):
                ba += chunk
            bufs.append(bytes(ba))
        blob = b"".join(bufs)
        total += len(blob) + blob[len(blob) // 2]
    return total


def grow_strings(rounds):
    # Medium strings (> 512 bytes) made and dropped: raw-domain objects.
    total = 0
    for r in range(rounds):
        parts = ["%d:%s" % (i, "x" * (i % 700)) for i in range(3000)]
        total += sum(len(p) for p in parts if len(p) > 512)
    return total


def main():
    a = grow_lists(210)
    b = grow_buffers(560)
    c = grow_strings(420)
    print("list_growth", a, b, c)


if __name__ == "__main__":
    main()
