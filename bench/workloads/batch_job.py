"""Batch job: parses many small in-memory CSV files, keeps some results."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Allocations (bench/run --count-allocs: memcheck, CPython 3.11.2, start-up
# subtracted): 10,136,958 with PYTHONMALLOC=malloc (every allocation event),
# 72,740 of them reach malloc with pymalloc on.

import csv
import io


def make_file(n, rows):
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["when", "user", "action", "amount"])
    for i in range(rows):
        k = n * rows + i
        w.writerow(["2024-%02d-%02d" % (k % 12 + 1, k % 28 + 1),
                    "user%d" % (k % 311), ("buy", "sell", "hold")[k % 3],
                    "%d.%02d" % (k % 977, k % 100)])
    return out.getvalue()


class Summary:
    def __init__(self, name):
        self.name = name
        self.per_user = {}
        self.per_action = {}
        self.largest = []


def process(name, text):
    s = Summary(name)
    for row in csv.DictReader(io.StringIO(text)):
        amount = float(row["amount"])
        s.per_user[row["user"]] = s.per_user.get(row["user"], 0.0) + amount
        s.per_action[row["action"]] = s.per_action.get(row["action"], 0) + 1
        s.largest.append((amount, row["when"]))
    s.largest = sorted(s.largest, reverse=True)[:5]
    return s


def main():
    kept = {}
    total = 0.0
    for n in range(8000):
        s = process("file%04d.csv" % n, make_file(n, 40))
        total += sum(s.per_user.values())
        # Keep the summaries of one file in ten: the heap grows mildly.
        if n % 10 == 0:
            kept[s.name] = s
    print("batch_job", round(total, 2), len(kept))


if __name__ == "__main__":
    main()
