"""A slow leak (~70 B per iteration) under a big steady working set and heavy churn."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# LEAK (slow): an 8 MiB ring of 64 KiB buffers is refreshed one buffer per
# iteration, and every iteration makes ~100 KB of temporaries; in the
# middle of that, an audit list keeps one short string per iteration --
# about 0.2 MB at the end, a few percent of the heap, against some 200 MB
# allocated and freed over the run.
import os

N = int(3000 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))
SLOTS = 128

RING = [bytearray(64 * 1024) for _ in range(SLOTS)]  # NOLEAK
AUDIT = []


def step(i):
    RING[i % SLOTS] = bytearray(64 * 1024)  # NOLEAK
    words = ["w%05d" % ((i * k) % 99991) for k in range(600)]
    digest = sum(len(w) for w in words) + len(RING[(i * 7) % SLOTS])
    AUDIT.append(f"step {i}: {digest}")  # LEAK
    return digest


def main():
    total = 0
    for i in range(N):
        total += step(i)
    print("total", total, "after", N, "steps;", len(AUDIT), "audit lines")


if __name__ == "__main__":
    main()
