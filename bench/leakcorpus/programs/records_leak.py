"""The issue's six-line leak: every record is appended to a module-level list."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# LEAK: 2,000 small dicts (about 0.5 MB at LEAKCORPUS_SCALE=1) stay reachable
# from `records` until the process exits.  A very short run (well under a
# second natively), so most of a sampled time series falls in start-up.
import os

N = int(2000 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))
records = []
for i in range(N):  # LEAK-ALSO
    records.append({"id": i, "user": f"user-{i}", "tags": ["new", "web"], "score": i * 0.5})  # LEAK
print("records kept:", len(records))
