"""A signal-processing loop that keeps every intermediate numpy array "for the plot"."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# LEAK: each frame's accumulator (4,096 float64, 32 KiB, made by np.ones,
# i.e. allocated inside numpy's own Python code) is appended to a
# module-level history that is only read at the very end.  The array
# buffers are raw memory; the ndarray objects are small.
# Needs numpy (Debian: python3-numpy); without it the program exits 77.
import os
import sys

try:
    import numpy as np
except ImportError:
    print("numpy_leak: needs numpy (python3-numpy); skipped", file=sys.stderr)
    sys.exit(77)

N = int(400 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))
FRAME = 4096
KERNEL = np.hanning(31) / np.hanning(31).sum()
HISTORY = []


def process(frame):
    acc = np.ones(frame.shape[0])  # LEAK
    acc *= frame
    smooth = np.convolve(acc, KERNEL, mode="same")
    HISTORY.append(acc)  # LEAK
    return float(np.abs(smooth).mean())


def main():
    rng = np.random.default_rng(0)
    level = 0.0
    for _ in range(N):
        level += process(rng.standard_normal(FRAME))
    print("mean level %.4f over %d frames, %d kept" % (level / N, N, len(HISTORY)))


if __name__ == "__main__":
    main()
