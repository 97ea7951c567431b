"""The fixed ctypes checksum: the malloc()ed buffer is freed on every path (try/finally)."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# NO LEAK: the same code as libc_malloc_leak.py with the free() in a
# finally clause.
import ctypes
import os
import sys

N = int(4000 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))

try:
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
except (OSError, AttributeError):
    print("libc_malloc_fixed: no malloc/free through ctypes; skipped", file=sys.stderr)
    sys.exit(77)


def checksum(message):
    ptr = libc.malloc(len(message) + 64)  # NOLEAK
    try:
        ctypes.memmove(ptr, message, len(message))
        if message.startswith(b"CTL"):
            return 0
        view = ctypes.string_at(ptr, len(message))
        return sum(view[::64]) & 0xFFFF
    finally:
        libc.free(ptr)


def main():
    total = 0
    for i in range(N):
        kind = b"CTL" if i % 2 else b"DAT"
        total += checksum(kind + b"%09d" % i + b"-" * 2000)
    print("checksum", total, "over", N, "messages")


if __name__ == "__main__":
    main()
