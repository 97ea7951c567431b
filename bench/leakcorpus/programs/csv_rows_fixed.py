"""The fixed csv.DictReader loop: rejected rows are counted, and only the last 10 kept."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# NO LEAK: the same loop as csv_rows_leak.py; the rejects go to a
# deque(maxlen=10) and a counter.
import collections
import csv
import io
import os

N = int(150 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))
ROWS = 60

REJECTED = collections.deque(maxlen=10)
N_REJECTED = 0


def make_batch(b):
    lines = ["date,account,memo,amount"]
    for r in range(ROWS):
        k = b * ROWS + r
        amount = "%d.%02d" % (k % 900, k % 100) if k % 3 else "n/a"
        lines.append("2024-%02d-%02d,acct-%04d,invoice %d for customer %d,%s"
                     % (k % 12 + 1, k % 28 + 1, k % 5000, k, k % 313, amount))
    return "\n".join(lines) + "\n"


def load(text):
    global N_REJECTED
    total = 0.0
    for row in csv.DictReader(io.StringIO(text)):  # NOLEAK
        try:
            total += float(row["amount"])
        except ValueError:
            N_REJECTED += 1
            REJECTED.append(row)  # NOLEAK
    return total


def main():
    total = 0.0
    for b in range(N):
        total += load(make_batch(b))
    print("loaded %.2f from %d batches; %d rows rejected" % (total, N, N_REJECTED))


if __name__ == "__main__":
    main()
