"""A protocol reader that allocates a ctypes buffer per message and parks it in a class-level list."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# LEAK: each message gets a fresh ctypes.create_string_buffer(4096) (its
# storage comes from PyMem, outside the object), and a class attribute meant
# as a buffer pool only ever grows: nothing is taken back out of it.
import ctypes
import os

N = int(2000 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))
SIZE = 4096


class Connection:
    _buffers = []   # "a pool", in intent

    def __init__(self, peer):
        self.peer = peer

    def read_message(self, payload):
        buf = ctypes.create_string_buffer(SIZE)  # LEAK
        Connection._buffers.append(buf)  # LEAK
        ctypes.memmove(buf, payload, len(payload))
        return buf.raw[:12]


def main():
    conns = [Connection("10.0.0.%d" % k) for k in range(8)]
    seen = set()
    for i in range(N):
        payload = b"MSG%09d" % i + b"." * 1000
        seen.add(conns[i % 8].read_message(payload)[:5])
    print(N, "messages,", len(Connection._buffers), "buffers held,", sorted(seen))


if __name__ == "__main__":
    main()
