"""Warm-up then steady state: a big lookup table built at start, then a long flat request loop."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# NO LEAK: the program first builds a ~8 MB word table and a few compiled
# patterns (held until exit), then serves requests that allocate and free
# but keep nothing.  All the memory held at exit was born in the first
# moments of the run.
import os
import re

N = int(20000 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))


def build_table():
    table = {}
    for k in range(40000):
        word = "word%06d" % (k * 7 % 1000003)  # NOLEAK
        table[word] = (k, len(word), word.upper())  # NOLEAK
    return table


TABLE = build_table()  # NOLEAK
PATTERNS = [re.compile(r"(\w+)-(\d{%d})" % k) for k in range(1, 9)]  # NOLEAK


def handle(i):
    words = ["word%06d" % ((i * 13 + k) * 7 % 1000003) for k in range(12)]
    found = [TABLE[w] for w in words if w in TABLE]
    text = " ".join("%s-%d" % (w, n) for w, n in zip(words, range(12)))
    return len(found) + sum(1 for p in PATTERNS[:3] if p.search(text))


def main():
    total = 0
    for i in range(N):
        total += handle(i)
    print("served", N, "requests,", total, "hits;", len(TABLE), "words")


if __name__ == "__main__":
    main()
