"""pyheap viewer test data: a short job with every record of format 2 -- marks, a region, a labelled snapshot, sparse arenas -- for tests/data/viewer/format2.out."""
# SPDX-License-Identifier: GPL-2.0-or-later

import pyheap

kept = []
index = {}


def load(batch):
    rows = [{"id": batch * 50 + j, "name": "row %d" % j} for j in range(50)]
    kept.append(rows[0])
    return rows


for batch in range(6):
    rows = load(batch)
    index[batch] = [r["name"] for r in rows]
    pyheap.mark("batch")

with pyheap.region("scratch"):
    scratch = [str(i) * 3 for i in range(3000)]
    survivors = scratch[::100]
del scratch

pyheap.snapshot("loaded")
