"""Sample program for the pyheap_print tests: its lines are shown."""

import zlib


def load(path):
    """Read a file and keep it compressed."""
    data = zlib.compress(open(path, "rb").read())
    return data


def main():
    """Load and keep."""
    kept = [load(__file__) for _ in range(3)]
    return kept


if __name__ == "__main__":
    # The allocation the tests look at:
    KEPT = main()

# SPDX-License-Identifier: GPL-2.0-or-later
