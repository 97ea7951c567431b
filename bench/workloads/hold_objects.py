"""Allocates N small objects, one heap block each, and holds them to the end: what a tool costs per live block."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: hold_objects.py N   (bench/run runs it as hold_1m and hold_4m)
#
# Each object is a 2-tuple of cached small ints (-5..256 are never
# allocated), so each one is exactly one pymalloc block of 56 bytes (a
# 64-byte size class) and nothing else; the list that holds them is one
# block of 8*N bytes (python-large, on the raw malloc path).  The heap peaks
# when the list is complete, just before the checksum is printed, so the
# peak RSS of the process and the heap's peak are the same moment.  The
# list is main()'s local: it is freed when main() returns, before the
# interpreter exits, so what a tool does at exit over the blocks still live
# (pyheap's retainers scan) has little to do.


def main(argv):
    if len(argv) != 2 or not argv[1].isdigit():
        raise SystemExit("usage: hold_objects.py N")
    n = int(argv[1])
    keep = [(i & 255, i & 127) for i in range(n)]
    print("hold_objects", n, sum(t[0] + t[1] for t in keep))


if __name__ == "__main__":
    import sys
    main(sys.argv)
