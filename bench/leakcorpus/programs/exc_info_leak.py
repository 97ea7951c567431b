"""Failed records kept as sys.exc_info() tuples: each traceback pins a frame and its buffers."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# LEAK: every third record is malformed; the loader appends sys.exc_info()
# to a module-level list "to report at the end".  A traceback references
# the frames it passed through, and those frames keep their locals: the
# record's bytes and the 8 KiB scratch buffer of parse_record().
import os
import sys

N = int(3000 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))

ERRORS = []


def make_record(i):
    fields = [b"%08d" % i, b"sensor-%d" % (i % 40), b"%d.%02d" % (i % 1000, i % 100)]
    if i % 3 != 2:
        fields.append(b"ok")
    return b",".join(fields) + b";" + b"x" * 400  # LEAK-ALSO


def parse_record(raw):
    scratch = bytearray(8 * 1024)  # LEAK
    fields = raw.split(b";")[0].split(b",")  # LEAK-ALSO
    if len(fields) != 4:
        raise ValueError("record %r has %d fields" % (fields[0], len(fields)))  # LEAK-ALSO
    scratch[:len(raw)] = raw
    return fields


def main():
    good = 0
    for i in range(N):
        raw = make_record(i)
        try:
            parse_record(raw)  # LEAK-ALSO
            good += 1
        except ValueError:
            ERRORS.append(sys.exc_info())  # LEAK
    print(good, "good records,", len(ERRORS), "errors kept")


if __name__ == "__main__":
    main()
