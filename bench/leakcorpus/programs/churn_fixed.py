"""The same big steady working set and heavy churn as churn_slow_leak.py, without the audit list."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# NO LEAK: an 8 MiB ring refreshed one 64 KiB buffer per iteration plus
# ~100 KB of temporaries per iteration; the audit is a counter.  Lots of
# allocation, lots of live memory, no growth.
import os

N = int(3000 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))
SLOTS = 128

RING = [bytearray(64 * 1024) for _ in range(SLOTS)]  # NOLEAK
AUDITED = 0


def step(i):
    global AUDITED
    RING[i % SLOTS] = bytearray(64 * 1024)  # NOLEAK
    words = ["w%05d" % ((i * k) % 99991) for k in range(600)]
    digest = sum(len(w) for w in words) + len(RING[(i * 7) % SLOTS])
    AUDITED += 1
    return digest


def main():
    total = 0
    for i in range(N):
        total += step(i)
    print("total", total, "after", N, "steps;", AUDITED, "audited")


if __name__ == "__main__":
    main()
