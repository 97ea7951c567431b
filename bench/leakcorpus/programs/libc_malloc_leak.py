"""A C-level leak through ctypes: libc malloc() on every message, free() skipped on one path."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# LEAK (raw, unreachable): messages are copied into a malloc()ed C buffer
# for a checksum; for "control" messages (every second one) the function
# returns early and never frees the buffer.  No Python object refers to the
# lost blocks: tracemalloc cannot see them at all (they never pass through
# Python's allocators), memcheck would call them "definitely lost".
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
    print("libc_malloc_leak: no malloc/free through ctypes; skipped", file=sys.stderr)
    sys.exit(77)


def checksum(message):
    ptr = libc.malloc(len(message) + 64)  # LEAK
    ctypes.memmove(ptr, message, len(message))
    if message.startswith(b"CTL"):
        return 0                      # forgets libc.free(ptr)
    view = ctypes.string_at(ptr, len(message))
    libc.free(ptr)
    return sum(view[::64]) & 0xFFFF


def main():
    total = 0
    for i in range(N):
        kind = b"CTL" if i % 2 else b"DAT"
        total += checksum(kind + b"%09d" % i + b"-" * 2000)
    print("checksum", total, "over", N, "messages")


if __name__ == "__main__":
    main()
