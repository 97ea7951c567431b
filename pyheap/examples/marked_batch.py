"""leaky_batch.py's job with an iteration mark after each file, for pyheap_print --leaks."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The same files, the same parse() and summarise() (imported from
# leaky_batch.py, leak included); pyheap.mark() ends one iteration per
# file, so that the report can say what each file left behind:
#
#     pyheap/pyheap-run --pyheap-out-file=marked.out python3 \
#         pyheap/examples/marked_batch.py
#     pyheap/pyheap_print --leaks marked.out
#
# Outside pyheap (or without the pyheap module) the marks do nothing.

import sys
import tempfile

import leaky_batch as job

try:
    import pyheap
    mark = pyheap.mark
except (ImportError, AttributeError):
    def mark(label="iteration"):
        pass


def main():
    with tempfile.TemporaryDirectory(prefix="pyheap-demo-") as directory:
        paths = job.make_inputs(directory)
        mark("inputs")                      # iteration 1: set-up
        grand_total = 0.0
        for path in paths:
            grand_total += job.summarise(job.parse(path))["total"]
            mark("file")                    # one iteration per file
    print("processed %d files, grand total %.2f" % (len(paths), grand_total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
