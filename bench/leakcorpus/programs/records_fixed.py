"""The fixed six-line script: the module-level list keeps only the last 20 records."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# NO LEAK: the same loop as records_leak.py, but the list is trimmed to its
# last 20 records on every iteration, so what it holds does not depend on
# the number of iterations.
import os

N = int(2000 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))
records = []
for i in range(N):
    records.append({"id": i, "user": f"user-{i}", "tags": ["new", "web"], "score": i * 0.5})  # NOLEAK
    del records[:-20]
print("records kept:", len(records))
