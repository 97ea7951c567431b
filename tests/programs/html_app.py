"""pyheap tests: a small batch job for the HTML report: it keeps every row it parses when HTML_APP_LEAK=1, and none otherwise."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The same file runs as the leaky and as the fixed job, so that the two
# profiles share every frame but the leak's and a --diff of them shows
# the leaking line growing and nothing else changed much.

import json
import os

LEAK = os.environ.get("HTML_APP_LEAK") == "1"
kept = []


def parse(batch):
    text = json.dumps([{"id": batch * 100 + j, "name": "row %d" % j} for j in range(100)])
    rows = [dict(row, batch=batch) for row in json.loads(text)]  # LINE:parse
    return rows


def main():
    total = 0
    for batch in range(400):
        rows = parse(batch)
        total += len(rows)
        if LEAK:
            kept.extend(rows)
    print("rows", total)


main()
