"""leaky_batch.py with its leak fixed: the same batch job, its memory flat."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The same job, line for line, but for the fix: the debugging aid keeps
# only the last file's rows (a bounded deque would do as well), so nothing
# accumulates from one file to the next.  `pyheap_print --growth` finds no
# steadily growing line in it, and the CI gate that fails leaky_batch.py
# passes it (docs/leak-hunting.md):
#
#     pyheap/pyheap-run --pyheap-out-file=fixed.out python3 \
#         pyheap/examples/fixed_batch.py
#     pyheap/pyheap_print --check --max-growth=500KB fixed.out

import csv
import os
import sys
import tempfile

N_FILES = int(sys.argv[1]) if len(sys.argv) > 1 else 200
ROWS_PER_FILE = 60

# "Kept for post-mortem debugging": the rows of the last file only.
_parsed_rows = []


def make_inputs(directory):
    paths = []
    for i in range(N_FILES):
        path = os.path.join(directory, "orders-%04d.csv" % i)
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["order_id", "customer", "sku", "quantity", "price"])
            for r in range(ROWS_PER_FILE):
                w.writerow([i * 1000 + r, "customer-%d" % (r % 17),
                            "SKU-%05d" % ((i * 7 + r) % 5000), r % 9 + 1,
                            "%.2f" % (1.5 + (r % 13))])
        paths.append(path)
    return paths


def parse(path):
    with open(path, newline="") as f:
        rows = [dict(row) for row in csv.DictReader(f)]
    _parsed_rows[:] = rows             # the fix: the last file's rows only
    return rows


def summarise(rows):
    total = 0.0
    for row in rows:
        total += int(row["quantity"]) * float(row["price"])
    return {"rows": len(rows), "total": round(total, 2)}


def main():
    with tempfile.TemporaryDirectory(prefix="pyheap-demo-") as directory:
        paths = make_inputs(directory)
        grand_total = 0.0
        for path in paths:
            grand_total += summarise(parse(path))["total"]
    print("processed %d files, grand total %.2f" % (len(paths), grand_total))


if __name__ == "__main__":
    main()
