"""A csv.DictReader import loop that keeps every rejected row: the rows are made inside csv.py."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# LEAK: each batch of CSV text is read with csv.DictReader; rows whose
# amount does not parse are appended to a module-level "rejected" list for
# a report that is never written.  The row dicts and their strings are
# allocated in csv.py (DictReader.__next__ and the C reader under it): the
# user's lines are the for loop that drives the reader and the append.
import csv
import io
import os

N = int(150 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))
ROWS = 60

REJECTED = []


def make_batch(b):
    lines = ["date,account,memo,amount"]
    for r in range(ROWS):
        k = b * ROWS + r
        amount = "%d.%02d" % (k % 900, k % 100) if k % 3 else "n/a"
        lines.append("2024-%02d-%02d,acct-%04d,invoice %d for customer %d,%s"
                     % (k % 12 + 1, k % 28 + 1, k % 5000, k, k % 313, amount))
    return "\n".join(lines) + "\n"


def load(text):
    total = 0.0
    for row in csv.DictReader(io.StringIO(text)):  # LEAK
        try:
            total += float(row["amount"])
        except ValueError:
            REJECTED.append(row)  # LEAK
    return total


def main():
    total = 0.0
    for b in range(N):
        total += load(make_batch(b))
    print("loaded %.2f from %d batches; %d rows rejected" % (total, N, len(REJECTED)))


if __name__ == "__main__":
    main()
