"""A flat request loop, then one big index built at the very end and held to exit."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# NO LEAK (a burst; see README.md "The burst"): the loop keeps nothing; at
# the end, the program builds a ~9 MB summary index once and holds it
# until exit.  Its size does not depend on the number of requests, and it
# is made in one go: a longer run would hold exactly the same.  A verdict
# may name it as the biggest holder at exit, but calling it growing or a
# leak is a false positive.
import os

N = int(20000 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))


def handle(i):
    parts = ["%d:%d" % (i, k) for k in range(10)]
    return len(",".join(parts))


def build_index():
    return {"key%06d" % k: ("value %d" % k) * 4 for k in range(50000)}  # NOLEAK


def main():
    total = 0
    for i in range(N):
        total += handle(i)
    global INDEX
    INDEX = build_index()  # NOLEAK
    print("handled", N, "requests,", total, "bytes; index of", len(INDEX))


if __name__ == "__main__":
    main()
