"""Failed records kept as short messages in a bounded deque: tracebacks are dropped."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# NO LEAK: the same loader as exc_info_leak.py, but it keeps a count of the
# errors and the text of the last 10 only; no traceback (and so no frame)
# outlives its except block.
import collections
import os

N = int(3000 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))

ERRORS = collections.deque(maxlen=10)
N_ERRORS = 0


def make_record(i):
    fields = [b"%08d" % i, b"sensor-%d" % (i % 40), b"%d.%02d" % (i % 1000, i % 100)]
    if i % 3 != 2:
        fields.append(b"ok")
    return b",".join(fields) + b";" + b"x" * 400  # NOLEAK


def parse_record(raw):
    scratch = bytearray(8 * 1024)  # NOLEAK
    fields = raw.split(b";")[0].split(b",")
    if len(fields) != 4:
        raise ValueError("record %r has %d fields" % (fields[0], len(fields)))
    scratch[:len(raw)] = raw
    return fields


def main():
    global N_ERRORS
    good = 0
    for i in range(N):
        raw = make_record(i)
        try:
            parse_record(raw)
            good += 1
        except ValueError as exc:
            N_ERRORS += 1
            ERRORS.append(f"record {i}: {exc}")  # NOLEAK
    print(good, "good records,", N_ERRORS, "errors,", len(ERRORS), "kept")


if __name__ == "__main__":
    main()
