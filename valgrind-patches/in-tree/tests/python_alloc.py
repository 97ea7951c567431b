# pyheap: regression test program: Python lines that allocate, in functions and a method.
# SPDX-License-Identifier: GPL-2.0-or-later


class Holder:
    def fill(self):
        self.blob = bytearray(3000000)
        self.rows = make_rows(20000)


def make_rows(n):
    rows = []
    for i in range(n):
        rows.append("row %d " % i * 10)
    return rows


holder = Holder()
holder.fill()
