"""The fixed signal loop: a running sum replaces the history of arrays."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# NO LEAK: the same processing as numpy_leak.py; the plot data is a running
# sum updated in place, so one accumulator per frame lives only while that
# frame is processed.
# Needs numpy (Debian: python3-numpy); without it the program exits 77.
import os
import sys

try:
    import numpy as np
except ImportError:
    print("numpy_fixed: needs numpy (python3-numpy); skipped", file=sys.stderr)
    sys.exit(77)

N = int(400 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))
FRAME = 4096
KERNEL = np.hanning(31) / np.hanning(31).sum()
RUNNING = np.zeros(FRAME)


def process(frame):
    acc = np.ones(frame.shape[0])  # NOLEAK
    acc *= frame
    smooth = np.convolve(acc, KERNEL, mode="same")
    RUNNING[:] += acc
    return float(np.abs(smooth).mean())


def main():
    rng = np.random.default_rng(0)
    level = 0.0
    for _ in range(N):
        level += process(rng.standard_normal(FRAME))
    print("mean level %.4f over %d frames, running sum %.3f" % (level / N, N, RUNNING.sum()))


if __name__ == "__main__":
    main()
