"""The fixed protocol reader: one ctypes buffer per connection, reused for every message."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# NO LEAK: the same reader as ctypes_buffer_leak.py; each of the 8
# connections owns one 4 KiB buffer made at connect time and reuses it.
import ctypes
import os

N = int(2000 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))
SIZE = 4096


class Connection:
    def __init__(self, peer):
        self.peer = peer
        self.buf = ctypes.create_string_buffer(SIZE)  # NOLEAK

    def read_message(self, payload):
        buf = self.buf
        ctypes.memset(buf, 0, SIZE)
        ctypes.memmove(buf, payload, len(payload))
        return buf.raw[:12]


def main():
    conns = [Connection("10.0.0.%d" % k) for k in range(8)]
    seen = set()
    for i in range(N):
        payload = b"MSG%09d" % i + b"." * 1000
        seen.add(conns[i % 8].read_message(payload)[:5])
    print(N, "messages,", len(conns), "buffers held,", sorted(seen))


if __name__ == "__main__":
    main()
