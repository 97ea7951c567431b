"""Two threads allocating at once: dicts, tuples and strings each."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Allocations (bench/run --count-allocs: memcheck, CPython 3.11.2, start-up
# subtracted): 23,318,894 with PYTHONMALLOC=malloc (every allocation event),
# 57,152 of them reach malloc with pymalloc on.

import threading


def work(tid, rounds, results):
    acc = 0
    for r in range(rounds):
        items = [{"t": tid, "r": r, "i": i, "s": "v%d" % i}
                 for i in range(4000)]
        pairs = [(d["i"], d["s"]) for d in items]
        acc += len(pairs) + sum(i for i, _ in pairs[::50])
        del items, pairs
    results[tid] = acc


def main():
    results = {}
    threads = [threading.Thread(target=work, args=(t, 450, results))
               for t in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("threaded", sorted(results.items()))


if __name__ == "__main__":
    main()
